package handlers

import (
	"bytes"
	"html/template"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// oldCatalogRow is the row markup views/shop/catalog.html had, as a
// template over precomputed values: catalogRowsHTML must write exactly
// what html/template made of it, hostile values included.
var oldCatalogRow = template.Must(template.New("row").Parse(`{{range .}}
    <li class="item-row">
      <label class="pick"><input type="checkbox" name="ids" value="{{.ID}}" aria-label="{{.Code}}"></label>
      <a class="thumb-link" href="/catalog/{{.ID}}" tabindex="-1" aria-hidden="true">{{with .Img}}<img class="thumb" src="{{.}}" alt="" width="64" height="64" loading="lazy" decoding="async">{{else}}<span class="thumb none"></span>{{end}}</a>
      <div class="item-main">
        <a href="/catalog/{{.ID}}" class="item-title">{{.Title}}</a>
        <div class="muted small">{{.Code}} · {{.Spec}} · {{.Unit}}</div>
        <div class="small">{{.Rules}}<span class="badge {{.StockClass}}">{{.StockLabel}} {{.StockText}}</span></div>
      </div>
      <div class="item-buy">
        <div class="price">{{.Price}}</div>
{{with .ListPrice}}        <div class="muted small strike">{{.}}</div>
{{end}}        <button type="submit" formaction="/catalog/{{.ID}}/cart" hx-post="/catalog/{{.ID}}/cart" hx-target="#st-{{.ID}}" hx-swap="innerHTML" class="primary small-btn">{{.AddCart}}</button>
        <button type="submit" formaction="/catalog/{{.ID}}/favorite" hx-post="/catalog/{{.ID}}/favorite" hx-target="#st-{{.ID}}" hx-swap="innerHTML" class="small-btn">{{.AddFav}}</button>
        <span id="st-{{.ID}}" class="status small" role="status">{{.InCart}}</span>
      </div>
    </li>{{end}}`))

func TestCatalogRowsHTML(t *testing.T) {
	e := newTestEnv(t)
	for _, l := range Languages {
		v := &View{h: e.h, Lang: l, Settings: &model.Settings{}}
		set := &model.OrderingSettings{}
		rows := []*store.CatalogRow{
			{EntryID: 7, Title: `<script>alert("x")</script> & 'q'`, Code: `P&1"`, Spec: "<b>", Unit: "台", MinQty: 5000, Multiple: 2500,
				ShowListPrice: true, ListPrice: 12345, Stock: &model.Stock{OnHand: 3000}, Quote: model.PriceQuote{Price: 9900},
				Thumb: &model.ProductImage{ID: 3, Hash: "ab\"cd"}},
			{EntryID: 8, Title: "电机", Code: "P2", Stock: &model.Stock{}, Quote: model.PriceQuote{Price: -5}},
		}
		inCart := map[uint64]model.Qty{7: 1500}
		type old struct {
			ID, Code, Img, Title, Spec, Unit, Rules, StockClass, StockLabel, StockText, AddCart, AddFav, InCart string
			Price, ListPrice                                                                                    template.HTML
		}
		var want []old
		for _, r := range rows {
			o := old{ID: itoa(r.EntryID), Code: r.Code, Img: v.Img(r.Thumb, "s"), Title: r.Title, Spec: r.Spec, Unit: r.Unit,
				StockClass: v.StockClass(set, r.Stock), StockLabel: v.T("stock.label"), StockText: v.StockText(set, r.Stock),
				AddCart: v.T("shop.add_cart"), AddFav: v.T("shop.add_fav"), Price: v.Money(r.Quote.Price)}
			if r.MinQty != 0 {
				o.Rules += v.T("entry.min_qty") + " " + r.MinQty.String() + " "
			}
			if r.Multiple != 0 {
				o.Rules += v.T("entry.multiple") + " " + r.Multiple.String() + " "
			}
			if r.ShowListPrice && r.ListPrice != r.Quote.Price {
				o.ListPrice = v.Money(r.ListPrice)
			}
			if n := inCart[r.EntryID]; n != 0 {
				o.InCart = v.T("shop.in_cart", "qty", n)
			}
			want = append(want, o)
		}
		var buf bytes.Buffer
		if err := oldCatalogRow.Execute(&buf, want); err != nil {
			t.Fatal(err)
		}
		if got := string(catalogRowsHTML(v, set, rows, inCart)); got != buf.String() {
			t.Errorf("%s rows differ from the template's:\n got %s\nwant %s", l, got, buf.String())
		}
	}
}
