package model

import (
	"reflect"
	"testing"
)

func TestAlreadyDone(t *testing.T) {
	for _, c := range []struct {
		m      Machine
		action string
		s      Status
		want   bool
	}{
		{CatalogMachine, "audit", StatusAudited, true},
		{CatalogMachine, "audit", StatusDraft, false},
		{CatalogMachine, "unaudit", StatusDraft, true},
		{CatalogMachine, "unaudit", StatusAudited, false},
		{PriceMachine, "audit", StatusAudited, true},
		{PriceMachine, "close", StatusAudited, false},
	} {
		if got := AlreadyDone(c.m, c.action, c.s); got != c.want {
			t.Errorf("AlreadyDone(%s, %s) = %v, want %v", c.action, c.s, got, c.want)
		}
	}
}

// importErrs is what a row's problems say: column and key.
func importErrs(errs []ImportError) []string {
	out := []string{}
	for _, e := range errs {
		out = append(out, e.Column+":"+e.Key)
	}
	return out
}

func TestReadCatalogImportRow(t *testing.T) {
	idx, _ := MapHeader(CatalogImportColumns, []string{"product_code", "category_code", "title", "min_qty", "multiple", "show_list_price", "customers", "groups", "org_units"})
	for _, c := range []struct {
		name string
		row  []string
		want []string
		min  Qty
		show bool
		cust []string
	}{
		{"good", []string{"p-1", "motor", "  A（新品） ", "2", "1", "是", "c1;c2", "", ""}, []string{}, 2000, true, []string{"C1", "C2"}},
		{"codes required", []string{"", "", "", "", "", "", "", "", ""}, []string{"product_code:err.required", "category_code:err.required"}, 0, false, nil},
		{"negative quantity", []string{"P", "C", "", "-1", "x", "", "", "", ""}, []string{"min_qty:err.qty_invalid", "multiple:err.qty_invalid"}, 0, false, nil},
		{"beyond the bound", []string{"P", "C", "", "99999999999", "", "", "", "", ""}, []string{"min_qty:err.qty_range"}, 0, false, nil},
		{"not yes or no", []string{"P", "C", "", "", "", "maybe", "", "", ""}, []string{"show_list_price:err.yes_no"}, 0, false, nil},
	} {
		r, errs := ReadCatalogImportRow(c.row, idx, 7)
		if got := importErrs(errs); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: problems %v, want %v", c.name, got, c.want)
		}
		for _, e := range errs {
			if e.Row != 7 {
				t.Errorf("%s: row %d, want 7", c.name, e.Row)
			}
		}
		if len(c.want) == 0 {
			if r.ProductCode != "P-1" && r.ProductCode != "p-1" || r.Entry.MinQty != c.min || r.Entry.ShowListPrice != c.show ||
				!reflect.DeepEqual(r.Customers, c.cust) || r.Entry.Title != "A（新品）" || r.Entry.Status != StatusDraft {
				t.Errorf("%s: read %+v", c.name, r)
			}
		}
	}
}

func TestReadPriceImportRow(t *testing.T) {
	idx, _ := MapHeader(PriceImportColumns, []string{"customer_code", "group_code", "product_code", "price", "min_qty", "from", "to", "remarks"})
	for _, c := range []struct {
		name  string
		row   []string
		want  []string
		price Money
	}{
		{"customer price", []string{"C1", "", "P1", "12.50", "10", "2026-01-01", "", "note"}, []string{}, 1250},
		{"group price", []string{"", "T1", "P1", "１２", "", "", "", ""}, []string{}, 1200},
		{"both targets", []string{"C1", "T1", "P1", "1", "", "", "", ""}, []string{"customer_code:err.price_target"}, 0},
		{"no target", []string{"", "", "P1", "1", "", "", "", ""}, []string{"customer_code:err.price_target"}, 0},
		{"everything missing", []string{"", "", "", "", "", "", "", ""}, []string{"customer_code:err.price_target", "product_code:err.required", "price:err.required"}, 0},
		{"negative price, bad quantity", []string{"C1", "", "P1", "-3", "x", "", "", ""}, []string{"price:err.money", "min_qty:err.qty_invalid"}, 0},
	} {
		r, errs := ReadPriceImportRow(c.row, idx, 3)
		if got := importErrs(errs); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: problems %v, want %v", c.name, got, c.want)
		}
		if len(c.want) == 0 && (r.Record.Price != c.price || r.Record.Status != StatusDraft) {
			t.Errorf("%s: read %+v", c.name, r.Record)
		}
	}
}

func TestSortImportErrors(t *testing.T) {
	errs := []ImportError{{Column: "customers", Key: "a"}, {Column: "product_code", Key: "b"}, {Column: "customers", Key: "c"}, {Column: "category_code", Key: "d"}}
	SortImportErrors(CatalogImportColumns, errs)
	if got := importErrs(errs); !reflect.DeepEqual(got, []string{"product_code:b", "category_code:d", "customers:a", "customers:c"}) {
		t.Errorf("sorted %v", got)
	}
}

func TestRowChecks(t *testing.T) {
	bad := func() error { return Invalid("min_qty", "err.choice") }
	if got := importErrs(RowChecks(nil, 4, bad)); !reflect.DeepEqual(got, []string{"min_qty:err.choice"}) {
		t.Errorf("a clean row gets its record's checks: %v", got)
	}
	prior := []ImportError{{Row: 4, Column: "price", Key: "err.required"}}
	if got := importErrs(RowChecks(prior, 4, bad)); !reflect.DeepEqual(got, []string{"price:err.required"}) {
		t.Errorf("a row with problems is not checked further: %v", got)
	}
}

func TestImportAllowed(t *testing.T) {
	for _, c := range []struct {
		problems, good int
		goodOnly, ok   bool
	}{
		{0, 3, false, true},
		{2, 3, false, false},
		{2, 3, true, true},
		{2, 0, true, false},
		{0, 0, false, false},
	} {
		if err := ImportAllowed(c.problems, c.good, c.goodOnly); (err == nil) != c.ok {
			t.Errorf("ImportAllowed(%d, %d, %v) = %v", c.problems, c.good, c.goodOnly, err)
		}
	}
}

func TestStocktakeImportDate(t *testing.T) {
	for _, c := range []struct {
		raw, want, key string
	}{
		{"2026-03-01", "2026-03-01", ""},
		{"2026/3/1", "2026-03-01", ""},
		{"", "", "err.required"},
		{"soon", "", "err.ch_date"},
		{"2026-03-03", "", "err.ch_date_future"},
	} {
		got, err := StocktakeImportDate(c.raw, "2026-03-02")
		key := ""
		if ve, ok := err.(*ValidationError); ok {
			key = ve.Fields[0].Key
		}
		if got != c.want || key != c.key {
			t.Errorf("StocktakeImportDate(%q) = %q, %q; want %q, %q", c.raw, got, key, c.want, c.key)
		}
	}
}

func TestMayOrderAgain(t *testing.T) {
	buyer := &User{Kind: KindDealer, Roles: []Role{RoleBuyer}}
	finance := &User{Kind: KindDealer, Roles: []Role{RoleDealerFinance}}
	staff := &User{Kind: KindStaff, Roles: []Role{RoleAdmin}}
	for _, c := range []struct {
		name    string
		u       *User
		toDraft bool
		want    bool
	}{
		{"buyer to cart", buyer, false, true},
		{"buyer to draft", buyer, true, true},
		{"dealer finance may not order", finance, true, false},
		{"staff have no cart", staff, false, false},
		{"staff order no drafts of their own", staff, true, false},
		{"nobody", nil, true, false},
	} {
		if got := MayOrderAgain(c.u, c.toDraft); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
