package model

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func woItem(key, date string, open Money) WriteOffItem {
	return WriteOffItem{Key: key, Date: date, Open: open}
}

func TestMatchOldestFirst(t *testing.T) {
	for _, tc := range []struct {
		name     string
		src, inv []WriteOffItem
		want     []WriteOffPair
	}{
		{name: "nothing on either side"},
		{name: "no invoices", src: []WriteOffItem{woItem("RC:1", "2026-01-01", 100)}},
		{name: "no sources", inv: []WriteOffItem{woItem("IV:1", "2026-01-01", 100)}},
		{name: "one against one, the smaller wins",
			src:  []WriteOffItem{woItem("RC:1", "2026-01-05", 300)},
			inv:  []WriteOffItem{woItem("IV:1", "2026-01-01", 1000)},
			want: []WriteOffPair{{0, "RC:1", "IV:1", 300}}},
		{name: "a source split over the oldest invoices",
			src:  []WriteOffItem{woItem("RC:1", "2026-02-01", 1000)},
			inv:  []WriteOffItem{woItem("IV:3", "2026-01-20", 700), woItem("IV:1", "2026-01-01", 200), woItem("IV:2", "2026-01-10", 500)},
			want: []WriteOffPair{{0, "RC:1", "IV:1", 200}, {1, "RC:1", "IV:2", 500}, {2, "RC:1", "IV:3", 300}}},
		{name: "an invoice split over the oldest sources",
			src:  []WriteOffItem{woItem("AR:9", "2026-01-03", 250), woItem("RC:4", "2026-01-02", 100), woItem("IV:8", "2026-01-04", 999)},
			inv:  []WriteOffItem{woItem("IV:1", "2026-01-01", 400)},
			want: []WriteOffPair{{0, "RC:4", "IV:1", 100}, {1, "AR:9", "IV:1", 250}, {2, "IV:8", "IV:1", 50}}},
		{name: "one date keeps the given order",
			src:  []WriteOffItem{woItem("RC:2", "2026-01-01", 50), woItem("AR:1", "2026-01-01", 50)},
			inv:  []WriteOffItem{woItem("IV:7", "2026-01-01", 60), woItem("IV:5", "2026-01-01", 60)},
			want: []WriteOffPair{{0, "RC:2", "IV:7", 50}, {1, "AR:1", "IV:7", 10}, {2, "AR:1", "IV:5", 40}}},
		{name: "exact fits move both sides on",
			src:  []WriteOffItem{woItem("RC:1", "2026-01-01", 100), woItem("RC:2", "2026-01-02", 200)},
			inv:  []WriteOffItem{woItem("IV:1", "2026-01-01", 100), woItem("IV:2", "2026-01-02", 200)},
			want: []WriteOffPair{{0, "RC:1", "IV:1", 100}, {1, "RC:2", "IV:2", 200}}},
		{name: "nothing open is skipped",
			src:  []WriteOffItem{woItem("RC:1", "2026-01-01", 0), woItem("RC:2", "2026-01-02", 80), woItem("RC:3", "2026-01-03", -5)},
			inv:  []WriteOffItem{woItem("IV:1", "2026-01-01", 0), woItem("IV:2", "2026-01-02", 100)},
			want: []WriteOffPair{{0, "RC:2", "IV:2", 80}}},
		{name: "sources left over",
			src:  []WriteOffItem{woItem("RC:1", "2026-01-01", 100), woItem("RC:2", "2026-01-02", 200)},
			inv:  []WriteOffItem{woItem("IV:1", "2026-01-01", 30)},
			want: []WriteOffPair{{0, "RC:1", "IV:1", 30}}},
		{name: "cents split exactly",
			src:  []WriteOffItem{woItem("RC:1", "2026-01-01", 1), woItem("RC:2", "2026-01-01", 2)},
			inv:  []WriteOffItem{woItem("IV:1", "2026-01-01", 2), woItem("IV:2", "2026-01-02", 1)},
			want: []WriteOffPair{{0, "RC:1", "IV:1", 1}, {1, "RC:2", "IV:1", 1}, {2, "RC:2", "IV:2", 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := append([]WriteOffItem(nil), tc.src...)
			got := MatchOldestFirst(tc.src, tc.inv)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v\nwant %v", got, tc.want)
			}
			if !reflect.DeepEqual(src, tc.src) {
				t.Error("the sources given were reordered")
			}
			// What a proposal gives always passes the check.
			if len(got) > 0 {
				if err := CheckWriteOffPairs(tc.src, tc.inv, got); err != nil {
					t.Errorf("the proposal does not pass the check: %v", err)
				}
			}
		})
	}
}

// woFieldKeys lists a validation error's fields as "field=key", sorted.
func woFieldKeys(err error) string {
	ve, ok := err.(*ValidationError)
	if !ok {
		if err == nil {
			return ""
		}
		return "not a ValidationError: " + err.Error()
	}
	var out []string
	for _, f := range ve.Fields {
		s := f.Field + "=" + f.Key
		if m, ok := f.Args["max"]; ok {
			s += fmt.Sprintf("(%v)", m)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestCheckWriteOffPairs(t *testing.T) {
	src := []WriteOffItem{woItem("RC:1", "2026-01-01", 10000), woItem("AR:2", "2026-01-02", 5000)}
	inv := []WriteOffItem{woItem("IV:1", "2026-01-01", 8000), woItem("IV:2", "2026-01-03", 4000)}
	many := make([]WriteOffPair, MaxLines+1)
	for i := range many {
		many[i] = WriteOffPair{Row: i, Source: "RC:1", Invoice: "IV:1", Amount: 1}
	}
	for _, tc := range []struct {
		name  string
		pairs []WriteOffPair
		want  string
	}{
		{"several pairs that fit", []WriteOffPair{{0, "RC:1", "IV:1", 8000}, {1, "RC:1", "IV:2", 2000}, {2, "AR:2", "IV:2", 2000}}, ""},
		{"no pairs", nil, "_form=err.wog_no_pairs"},
		{"too many pairs", many, "_form=err.wog_too_many(200)"},
		{"zero", []WriteOffPair{{3, "RC:1", "IV:1", 0}}, "amount.3=err.recon_amount_positive"},
		{"negative", []WriteOffPair{{0, "RC:1", "IV:1", -1}}, "amount.0=err.recon_amount_positive"},
		{"beyond the bound", []WriteOffPair{{0, "RC:1", "IV:1", MaxAmount + 1}}, "amount.0=err.amount_range(1,000,000,000.00)"},
		{"above the invoice", []WriteOffPair{{0, "RC:1", "IV:1", 8001}}, "amount.0=err.recon_amount_max(80.00)"},
		{"above the source", []WriteOffPair{{0, "AR:2", "IV:1", 5001}}, "amount.0=err.recon_amount_max(50.00)"},
		{"over-allocated across rows: the row that passes the open amount",
			[]WriteOffPair{{0, "RC:1", "IV:1", 6000}, {1, "AR:2", "IV:1", 3000}, {2, "RC:1", "IV:2", 4000}, {3, "AR:2", "IV:2", 1}},
			"amount.1=err.recon_amount_max(20.00) amount.3=err.recon_amount_max(0.00)"},
		{"a source over-allocated", []WriteOffPair{{0, "AR:2", "IV:1", 3000}, {1, "AR:2", "IV:2", 2500}}, "amount.1=err.recon_amount_max(20.00)"},
		{"unknown source and invoice", []WriteOffPair{{0, "RC:9", "IV:9", 100}}, "invoice.0=err.recon_nothing_open source.0=err.recon_nothing_open"},
		{"an invoice as source that is not one", []WriteOffPair{{0, "IV:1", "IV:2", 100}}, "source.0=err.recon_nothing_open"},
		{"a source as invoice", []WriteOffPair{{0, "RC:1", "RC:1", 100}}, "invoice.0=err.recon_nothing_open"},
		{"the same pair twice", []WriteOffPair{{0, "RC:1", "IV:1", 100}, {1, "RC:1", "IV:1", 100}}, "invoice.1=err.wog_pair_twice"},
		{"every row reports", []WriteOffPair{{0, "RC:1", "IV:1", 0}, {1, "RC:7", "IV:2", 5}, {2, "AR:2", "IV:2", 4001}},
			"amount.0=err.recon_amount_positive amount.2=err.recon_amount_max(40.00) source.1=err.recon_nothing_open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := woFieldKeys(CheckWriteOffPairs(src, inv, tc.pairs)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	// Sums are checked: a source holding MaxBalance over MaxLines invoices
	// of MaxAmount each takes the first hundred, and the rest are refused
	// at their rows, never wrapped.
	huge := []WriteOffItem{woItem("RC:1", "2026-01-01", MaxBalance)}
	var big []WriteOffItem
	var pairs []WriteOffPair
	for i := range MaxLines {
		key := WriteOffKey(DocInvoice, uint64(i+1))
		big = append(big, woItem(key, "2026-01-01", MaxAmount))
		pairs = append(pairs, WriteOffPair{Row: i, Source: "RC:1", Invoice: key, Amount: MaxAmount})
	}
	ve, ok := CheckWriteOffPairs(huge, big, pairs).(*ValidationError)
	if !ok || len(ve.Fields) != MaxLines-100 || ve.Fields[0].Field != "amount.100" || ve.Fields[0].Key != "err.recon_amount_max" {
		t.Fatalf("near the bounds: %v", ve)
	}
}

func TestChangedOpenAmounts(t *testing.T) {
	src := []WriteOffItem{woItem("RC:1", "2026-01-01", 100), woItem("AR:2", "2026-01-02", 50)}
	inv := []WriteOffItem{woItem("IV:1", "2026-01-01", 80)}
	pairs := []WriteOffPair{{0, "RC:1", "IV:1", 10}, {1, "AR:2", "IV:1", 10}, {2, "RC:3", "IV:1", 1}}
	for _, tc := range []struct {
		name  string
		shown map[string]Money
		want  []OpenChange
	}{
		{"as shown", map[string]Money{"RC:1": 100, "AR:2": 50, "IV:1": 80}, nil},
		{"nothing shown: nothing compared", map[string]Money{}, nil},
		{"a source written off meanwhile", map[string]Money{"RC:1": 120, "AR:2": 50, "IV:1": 80}, []OpenChange{{Key: "RC:1", Was: 120, Now: 100}}},
		{"a document no longer open", map[string]Money{"RC:1": 100, "AR:2": 50, "IV:1": 80, "RC:3": 7}, []OpenChange{{Key: "RC:3", Was: 7, Now: 0}}},
		{"in the order the pairs name them", map[string]Money{"RC:1": 1, "AR:2": 2, "IV:1": 3},
			[]OpenChange{{Key: "RC:1", Was: 1, Now: 100}, {Key: "IV:1", Was: 3, Now: 80}, {Key: "AR:2", Was: 2, Now: 50}}},
		{"a document the pairs do not use is not compared", map[string]Money{"RC:1": 100, "AR:2": 50, "IV:1": 80, "IV:9": 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ChangedOpenAmounts(tc.shown, src, inv, pairs); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestShownOpenRoundTrip(t *testing.T) {
	src := []WriteOffItem{woItem("RC:1", "", 100), woItem("IV:12", "", 5)}
	inv := []WriteOffItem{woItem("IV:3", "", 99999)}
	s := FormatShownOpen(src, inv)
	if s != "RC:1=100;IV:12=5;IV:3=99999" {
		t.Fatalf("format: %q", s)
	}
	if got := ParseShownOpen(s, 10); !reflect.DeepEqual(got, map[string]Money{"RC:1": 100, "IV:12": 5, "IV:3": 99999}) {
		t.Fatalf("parse: %v", got)
	}
	got := ParseShownOpen("RC:1=100;bad;RC:x=1;AR:2=;AR:3=1e9;IV:4=99999999999999999999;IV:5=-3;;RC:0=1;AR:6=7", 10)
	if !reflect.DeepEqual(got, map[string]Money{"RC:1": 100, "IV:5": -3, "AR:6": 7}) {
		t.Fatalf("malformed entries: %v", got)
	}
	if got := ParseShownOpen("RC:1=1;RC:2=2;RC:3=3", 2); len(got) != 2 {
		t.Fatalf("limit: %v", got)
	}
}

func TestWriteOffKey(t *testing.T) {
	if k := WriteOffKey(DocAdvanceReceipt, 42); k != "AR:42" {
		t.Fatalf("key %q", k)
	}
	for _, tc := range []struct {
		in   string
		kind DocType
		id   uint64
		ok   bool
	}{{"RC:12", DocReceipt, 12, true}, {"IV:1", DocInvoice, 1, true}, {"RC:0", "", 0, false}, {"RC", "", 0, false}, {":1", "", 0, false}, {"RC:-1", "", 0, false}, {"", "", 0, false}} {
		kind, id, ok := ParseWriteOffKey(tc.in)
		if kind != tc.kind || id != tc.id || ok != tc.ok {
			t.Errorf("%q: %q %d %v", tc.in, kind, id, ok)
		}
	}
	if f := WriteOffField(3, "amount"); f != "amount.3" {
		t.Fatalf("field %q", f)
	}
}

// TestWriteOffLineProblem is the table of what a pushed write-off's line
// must satisfy: an invoice of the write-off's customer, named once.
func TestWriteOffLineProblem(t *testing.T) {
	for _, c := range []struct {
		name                   string
		cust, inv, invCustomer uint64
		earlier                []uint64
		want                   string
	}{
		{"the customer's invoice", 1, 10, 1, nil, ""},
		{"after other invoices", 1, 10, 1, []uint64{11, 12}, ""},
		{"another customer's", 1, 10, 2, nil, "api.err_fin_other_customer"},
		{"named twice", 1, 10, 1, []uint64{11, 10}, "api.err_fin_line_twice"},
		{"another customer's, named twice", 1, 10, 2, []uint64{10}, "api.err_fin_other_customer"},
	} {
		if got := WriteOffLineProblem(c.cust, c.inv, c.invCustomer, c.earlier); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
