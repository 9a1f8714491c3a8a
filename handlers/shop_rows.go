package handlers

import (
	"html/template"
	"net/url"
	"strings"

	"dealerportal/model"
	"dealerportal/store"
)

// The catalog page's rows are written here rather than by a template: the
// page is the portal's busiest list, and html/template calls its escapers
// by reflection for every value it places (a catalog row places about 25:
// the entry id alone ten times), which cost more than everything else of
// the page together. The markup is the one views/shop/catalog.html had;
// every value goes through esc (html.EscapeString's rules, also right for
// quoted attributes) and every text is translated once per page.

// esc escapes s for HTML text and quoted attribute values exactly as
// html/template escapes a string placed there (its replacement table: NUL,
// quotes, &, +, < and >), so that rows written here match the template's
// bytes for any value. Every row written in Go (catalog, cart, document
// lists, reports) escapes with it.
var esc = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;").Replace

// catalogRowsHTML writes the <li> rows of the dealer's catalog page.
func catalogRowsHTML(v *View, set *model.OrderingSettings, rows []*store.CatalogRow, inCart map[uint64]model.Qty) template.HTML {
	if len(rows) == 0 {
		return ""
	}
	stock, addCart, addFav := esc(v.T("stock.label")), esc(v.T("shop.add_cart")), esc(v.T("shop.add_fav"))
	minLabel, multLabel := esc(v.T("entry.min_qty")), esc(v.T("entry.multiple"))
	var b strings.Builder
	b.Grow(len(rows) * 1400)
	w := b.WriteString
	for _, r := range rows {
		id, code := itoa(r.EntryID), esc(r.Code)
		w("\n    <li class=\"item-row\">\n      <label class=\"pick\"><input type=\"checkbox\" name=\"ids\" value=\"")
		w(id)
		w(`" aria-label="`)
		w(code)
		w("\"></label>\n      <a class=\"thumb-link\" href=\"/catalog/")
		w(id)
		w(`" tabindex="-1" aria-hidden="true">`)
		if r.Thumb != nil {
			// v.Img's URL; the hash (hex from the store) escaped as a path part.
			w(`<img class="thumb" src="`)
			w(esc(v.Img(&model.ProductImage{ID: r.Thumb.ID, Hash: url.PathEscape(r.Thumb.Hash)}, "s")))
			w(`" alt="" width="64" height="64" loading="lazy" decoding="async">`)
		} else {
			w(`<span class="thumb none"></span>`)
		}
		w("</a>\n      <div class=\"item-main\">\n        <a href=\"/catalog/")
		w(id)
		w(`" class="item-title">`)
		w(esc(r.Title))
		w("</a>\n        <div class=\"muted small\">")
		w(code + " · " + esc(r.Spec) + " · " + esc(r.Unit))
		w("</div>\n        <div class=\"small\">")
		if r.MinQty != 0 {
			w(minLabel + " " + r.MinQty.String() + " ")
		}
		if r.Multiple != 0 {
			w(multLabel + " " + r.Multiple.String() + " ")
		}
		w(`<span class="badge `)
		w(esc(v.StockClass(set, r.Stock)))
		w(`">`)
		w(stock + " " + esc(v.StockText(set, r.Stock)))
		w("</span></div>\n      </div>\n      <div class=\"item-buy\">\n        <div class=\"price\">")
		w(string(v.Money(r.Quote.Price)))
		w("</div>\n")
		if r.ShowListPrice && r.Quote.Price != r.ListPrice {
			w(`        <div class="muted small strike">`)
			w(string(v.Money(r.ListPrice)))
			w("</div>\n")
		}
		for _, btn := range [2]struct{ action, class, label string }{{"cart", "primary small-btn", addCart}, {"favorite", "small-btn", addFav}} {
			w(`        <button type="submit" formaction="/catalog/` + id + "/" + btn.action + `" hx-post="/catalog/` + id + "/" + btn.action +
				`" hx-target="#st-` + id + `" hx-swap="innerHTML" class="` + btn.class + `">` + btn.label + "</button>\n")
		}
		w(`        <span id="st-` + id + `" class="status small" role="status">`)
		if n := inCart[r.EntryID]; n != 0 {
			w(esc(v.T("shop.in_cart", "qty", n)))
		}
		w("</span>\n      </div>\n    </li>")
	}
	return template.HTML(b.String())
}
