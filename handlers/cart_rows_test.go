package handlers

import (
	"bytes"
	"os"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// TestCartLinesHTML: cartLinesHTML writes exactly what the cart's line
// template (testdata/cart_lines_old.html, the markup views/shop/cart_body.html
// had) made, in both languages, for available and unavailable lines, a
// changed price, a refused quantity, a rule error and a short stock, with
// hostile texts and a hostile currency symbol.
func TestCartLinesHTML(t *testing.T) {
	e := newTestEnv(t)
	old, err := os.ReadFile("testdata/cart_lines_old.html")
	if err != nil {
		t.Fatal(err)
	}
	set, err := e.h.engine.Templates.Clone()
	if err != nil {
		t.Fatal(err)
	}
	oldT, err := set.New("old_cart_lines").Parse(string(old))
	if err != nil {
		t.Fatal(err)
	}
	newT, err := set.New("new_cart_lines").Parse("  {{- /* */}}\n  {{.CartLinesHTML}}")
	if err != nil {
		t.Fatal(err)
	}
	hostile := `<b a="1" b='2'>&amp; +x` + "\x00</b> ⟦中文⟧"
	item := func(thumb bool, spec string, minQty, multiple, stock model.Qty, price model.Money) *store.CatalogItem {
		p := &model.Product{Spec: spec}
		if thumb {
			p.Images = []model.ProductImage{{ID: 9, Hash: `ab"c d+é`}}
		}
		return &store.CatalogItem{Entry: &model.CatalogEntry{MinQty: minQty, Multiple: multiple}, Product: p,
			Stock: &model.Stock{OnHand: stock}, Quote: model.PriceQuote{Price: price}}
	}
	d := &shopListData{Settings: &model.OrderingSettings{}, Errors: map[uint64]string{3: "refused " + hostile}, Rows: []*store.ShopRow{
		{Line: &model.CartLine{EntryID: 1, Qty: 5000, Code: "P1" + hostile, Title: "T" + hostile, Unit: "台" + hostile, Price: 100},
			Item: item(true, "S"+hostile, 2000, 1000, 9000, -250), Amount: 123456, PriceChanged: true},
		{Line: &model.CartLine{EntryID: 2, Qty: 1000, Code: "P2", Title: "电机"}, Item: item(false, "", 0, 0, 0, 990), Amount: 990,
			QtyErr: "err.qty_min", QtyArgs: map[string]any{"min": "2"}},
		{Line: &model.CartLine{EntryID: 3, Qty: 1500, Code: "P3", Title: "x"}, Item: item(false, "", 0, 500, 100000, 1)},
		{Line: &model.CartLine{EntryID: 4, Qty: 250, Code: "P4" + hostile, Title: "gone" + hostile}},
	}}
	for _, l := range Languages {
		for _, stockAsNumber := range []bool{false, true} {
			if stockAsNumber {
				d.Settings.StockDisplay = model.StockAsNumber
			}
			v := &View{h: e.h, Lang: l, CSRF: "tok" + hostile, Data: d,
				Settings: &model.Settings{CurrencySymbol: `<¥+"&>`}}
			var want, got bytes.Buffer
			if err := oldT.Execute(&want, v); err != nil {
				t.Fatal(err)
			}
			if err := newT.Execute(&got, v); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("%s: cart lines differ from the template's:\n got %s\nwant %s", l, got.String(), want.String())
			}
		}
	}
}
