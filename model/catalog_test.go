package model

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestEffectivePrice(t *testing.T) {
	const (
		prod  = 7
		cust  = 11
		group = 21
		list  = Money(10000)
		today = "2026-03-15"
	)
	rec := func(id uint64, c, g uint64, price Money, min Qty, from, to string, st Status) *PriceRecord {
		return &PriceRecord{ID: id, CustomerID: c, GroupID: g, ProductID: prod, Price: price, MinQty: min, From: from, To: to, Doc: Doc{Status: st}}
	}
	a := StatusAudited
	tests := []struct {
		name string
		recs []*PriceRecord
		qty  Qty
		want PriceQuote
	}{
		{"no records: list price", nil, 1000, PriceQuote{list, PriceFromList, 0}},
		{"customer record", []*PriceRecord{rec(1, cust, 0, 9000, 0, "", "", a)}, 1000, PriceQuote{9000, PriceFromCustomer, 1}},
		{"draft record ignored", []*PriceRecord{rec(1, cust, 0, 9000, 0, "", "", StatusDraft)}, 1000, PriceQuote{list, PriceFromList, 0}},
		{"other customer ignored", []*PriceRecord{rec(1, 99, 0, 9000, 0, "", "", a)}, 1000, PriceQuote{list, PriceFromList, 0}},
		{"other product ignored", []*PriceRecord{{ID: 1, CustomerID: cust, ProductID: 8, Price: 1, Doc: Doc{Status: a}}}, 1000, PriceQuote{list, PriceFromList, 0}},
		{"largest min qty not above qty", []*PriceRecord{
			rec(1, cust, 0, 9500, 0, "", "", a), rec(2, cust, 0, 9000, 10000, "", "", a), rec(3, cust, 0, 8000, 100000, "", "", a)},
			50000, PriceQuote{9000, PriceFromCustomer, 2}},
		{"break reached exactly", []*PriceRecord{
			rec(1, cust, 0, 9500, 0, "", "", a), rec(2, cust, 0, 9000, 10000, "", "", a)},
			10000, PriceQuote{9000, PriceFromCustomer, 2}},
		{"qty below every break: falls to group", []*PriceRecord{
			rec(1, cust, 0, 9000, 10000, "", "", a), rec(2, 0, group, 9800, 0, "", "", a)},
			5000, PriceQuote{9800, PriceFromGroup, 2}},
		{"qty below every break anywhere: list", []*PriceRecord{rec(1, cust, 0, 9000, 10000, "", "", a)}, 5000, PriceQuote{list, PriceFromList, 0}},
		{"tie on min qty: latest effective-from wins", []*PriceRecord{
			rec(1, cust, 0, 9000, 0, "2026-01-01", "", a), rec(2, cust, 0, 8800, 0, "2026-03-01", "", a), rec(3, cust, 0, 8900, 0, "2026-02-01", "", a)},
			1000, PriceQuote{8800, PriceFromCustomer, 2}},
		{"tie on min qty and from: newest record", []*PriceRecord{
			rec(4, cust, 0, 8700, 0, "2026-03-01", "", a), rec(2, cust, 0, 8800, 0, "2026-03-01", "", a)},
			1000, PriceQuote{8700, PriceFromCustomer, 4}},
		{"open from beats nothing but loses to a dated one", []*PriceRecord{
			rec(1, cust, 0, 9000, 0, "", "", a), rec(2, cust, 0, 8800, 0, "2026-03-01", "", a)},
			1000, PriceQuote{8800, PriceFromCustomer, 2}},
		{"not yet effective", []*PriceRecord{rec(1, cust, 0, 9000, 0, "2026-03-16", "", a)}, 1000, PriceQuote{list, PriceFromList, 0}},
		{"expired yesterday", []*PriceRecord{rec(1, cust, 0, 9000, 0, "", "2026-03-14", a)}, 1000, PriceQuote{list, PriceFromList, 0}},
		{"effective on its first day", []*PriceRecord{rec(1, cust, 0, 9000, 0, today, today, a)}, 1000, PriceQuote{9000, PriceFromCustomer, 1}},
		{"customer beats a better group price", []*PriceRecord{
			rec(1, cust, 0, 9500, 0, "", "", a), rec(2, 0, group, 7000, 0, "", "", a)},
			1000, PriceQuote{9500, PriceFromCustomer, 1}},
		{"group breaks", []*PriceRecord{
			rec(1, 0, group, 9500, 0, "", "", a), rec(2, 0, group, 9200, 20000, "", "", a), rec(3, 0, 22, 1, 0, "", "", a)},
			20000, PriceQuote{9200, PriceFromGroup, 2}},
		{"other group ignored", []*PriceRecord{rec(1, 0, 22, 9500, 0, "", "", a)}, 1000, PriceQuote{list, PriceFromList, 0}},
		{"expired customer record falls to group", []*PriceRecord{
			rec(1, cust, 0, 9000, 0, "", "2026-01-31", a), rec(2, 0, group, 9600, 0, "", "", a)},
			1000, PriceQuote{9600, PriceFromGroup, 2}},
		{"zero price is a price", []*PriceRecord{rec(1, cust, 0, 0, 0, "", "", a)}, 1000, PriceQuote{0, PriceFromCustomer, 1}},
		{"nil records tolerated", []*PriceRecord{nil, rec(1, cust, 0, 9000, 0, "", "", a)}, 1000, PriceQuote{9000, PriceFromCustomer, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EffectivePrice(list, tt.recs, prod, cust, group, tt.qty, today)
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	// A customer without a group never gets a group price.
	got := EffectivePrice(list, []*PriceRecord{rec(1, 0, group, 1, 0, "", "", a)}, prod, cust, 0, 1000, today)
	if got.Source != PriceFromList {
		t.Errorf("groupless customer: %+v", got)
	}
}

func TestCheckOrderQty(t *testing.T) {
	tests := []struct {
		q, min, mult Qty
		key          string
	}{
		{1000, 0, 0, ""},
		{0, 0, 0, "err.qty_positive"},
		{-1000, 0, 0, "err.qty_positive"},
		{5000, 10000, 0, "err.qty_min"},
		{10000, 10000, 0, ""},
		{9000, 0, 6000, "err.qty_multiple"},
		{12000, 6000, 6000, ""},
		{1500, 0, 500, ""},
		{1600, 0, 500, "err.qty_multiple"},
		{6000, 12000, 6000, "err.qty_min"},
	}
	for _, tt := range tests {
		err := CheckOrderQty(tt.q, tt.min, tt.mult)
		var ve *ValidationError
		got := ""
		if errors.As(err, &ve) {
			got = ve.Fields[0].Key
		}
		if got != tt.key {
			t.Errorf("CheckOrderQty(%d,%d,%d) = %q, want %q", tt.q, tt.min, tt.mult, got, tt.key)
		}
	}
	e := &CatalogEntry{MinQty: 10000, Multiple: 6000}
	if e.FirstQty() != 12000 || e.Step() != 6000 {
		t.Errorf("first %d step %d", e.FirstQty(), e.Step())
	}
	if (&CatalogEntry{}).FirstQty() != 1000 {
		t.Error("first qty of a plain entry is one unit")
	}
}

func TestParseQuickOrder(t *testing.T) {
	in := "商品编码\t数量\n" +
		"a-100\t5\n" +
		"B200, 2.5\n" +
		"Ｃ３００　１２\n" + // full width code, ideographic space, full width digits
		"D400,1\n" +
		"\n# comment\n" +
		"E500 1,000\n" +
		"F600\n" +
		"G700 abc\n" +
		"H800 -1\n" +
		"I900 1 2\n" +
		"<script> 1\n" +
		"J1000；3\r\n" +
		"K1\u30011.5\n"
	got := ParseQuickOrder(in)
	type row struct {
		Row  int
		Code string
		Qty  Qty
		Err  string
	}
	want := []row{
		{2, "A-100", 5000, ""},
		{3, "B200", 2500, ""},
		{4, "C300", 12000, ""},
		{5, "D400", 1000, ""},
		{8, "E500", 1000000, ""},
		{9, "F600", 0, "err.qty_missing"},
		{10, "G700", 0, "err.qty_invalid"},
		{11, "H800", 0, "err.qty_positive"},
		{12, "", 0, "err.quick_format"},
		{13, "", 0, "err.quick_code"},
		{14, "J1000", 3000, ""},
		{15, "K1", 1500, ""},
	}
	var rows []row
	for _, l := range got {
		rows = append(rows, row{l.Row, l.Code, l.Qty, l.Err})
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("got\n%+v\nwant\n%+v", rows, want)
	}
	// Too many lines: the first MaxQuickLines are kept, then one error.
	many := strings.Repeat("A1 1\n", MaxQuickLines+10)
	got = ParseQuickOrder(many)
	if len(got) != MaxQuickLines+1 || got[MaxQuickLines].Err != "err.quick_too_many" {
		t.Errorf("too many: %d lines, last %+v", len(got), got[len(got)-1])
	}
	if len(ParseQuickOrder("")) != 0 || len(ParseQuickOrder("\n\n  \n")) != 0 {
		t.Error("blank input gives lines")
	}
}

// FuzzParseQuickOrder: the parser never panics, every line it returns either
// has an error or a valid code and a positive quantity, and rows increase.
func FuzzParseQuickOrder(f *testing.F) {
	for _, s := range []string{"A1 5", "a1,5\nb2\t3", "Ｃ３００　１２", "code qty\nX 1,000", "\xff\xfe", ";;;", "A1 1 2", "# x\n\n", "A1 -0", "A1 0.0001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		prev := 0
		for _, l := range ParseQuickOrder(s) {
			if l.Row <= prev {
				t.Fatalf("rows not increasing: %d after %d", l.Row, prev)
			}
			prev = l.Row
			if l.Err == "" && (l.Qty <= 0 || !codeRe.MatchString(l.Code) || l.Code != strings.ToUpper(l.Code)) {
				t.Fatalf("accepted a bad line: %+v", l)
			}
		}
	})
}

func TestParseTaxRateAndDate(t *testing.T) {
	for in, want := range map[string]int64{"13": 1300, "13%": 1300, "９％": 900, "13.5 %": 1350, "0": 0, "100": 10000} {
		if got, err := ParseTaxRate(in); err != nil || got != want {
			t.Errorf("ParseTaxRate(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"101", "-1", "abc", "1.234"} {
		if _, err := ParseTaxRate(in); err == nil {
			t.Errorf("ParseTaxRate(%q) accepted", in)
		}
	}
	if FormatTaxRate(1300) != "13%" || FormatTaxRate(1350) != "13.5%" || FormatTaxRate(0) != "0%" {
		t.Error(FormatTaxRate(1300), FormatTaxRate(1350), FormatTaxRate(0))
	}
	for in, want := range map[string]string{"2026-03-01": "2026-03-01", "2026/3/1": "2026-03-01", "2026.3.1": "2026-03-01", "２０２６-０３-０１": "2026-03-01", "2026年3月1日": "2026-03-01", "": ""} {
		if got, err := ParseDate(in); err != nil || got != want {
			t.Errorf("ParseDate(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"2026-02-30", "tomorrow", "01/03/2026"} {
		if _, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) accepted", in)
		}
	}
}

func TestPriceRecordValidate(t *testing.T) {
	p := &PriceRecord{ProductID: 1, CustomerID: 1, GroupID: 2, From: "2026-03-02", To: "2026-03-01"}
	var ve *ValidationError
	if !errors.As(p.Validate(), &ve) || !ve.Has("customer_id") || !ve.Has("to") {
		t.Errorf("both targets and reversed dates accepted: %v", ve)
	}
	p = &PriceRecord{ProductID: 1, GroupID: 2, Price: 100, From: "2026/3/1"}
	if err := p.Validate(); err != nil || p.From != "2026-03-01" {
		t.Errorf("valid record refused: %v %q", err, p.From)
	}
}

func TestCategoryTree(t *testing.T) {
	tree := NewCategoryTree([]*Category{{ID: 1, Name: "电机"}, {ID: 2, ParentID: 1, Name: "伺服"}, {ID: 3, ParentID: 2, Name: "小型"}, {ID: 4, Name: "配件"}})
	if s := tree.Subtree(1); len(s) != 3 || !s[3] || s[4] {
		t.Errorf("subtree %v", s)
	}
	if tree.Path(3) != "电机 / 伺服 / 小型" || !tree.IsWithin(3, 1) || tree.IsWithin(4, 1) {
		t.Error("path / within")
	}
	if f := tree.Flatten(); len(f) != 4 || f[2].Depth != 2 {
		t.Errorf("flatten %+v", f)
	}
}

func TestOrderingSettingsStockLevel(t *testing.T) {
	o := DefaultOrderingSettings()
	for avail, want := range map[Qty]string{-1000: StockOut, 0: StockOut, 1000: StockLow, 10000: StockLow, 10001: StockIn} {
		if got := o.StockLevel(avail); got != want {
			t.Errorf("StockLevel(%d) = %s, want %s", avail, got, want)
		}
	}
	o.StockDisplay = "x"
	if o.Validate() == nil {
		t.Error("bad stock display accepted")
	}
}
