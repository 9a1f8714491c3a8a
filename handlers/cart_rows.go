package handlers

import (
	"bytes"
	"html/template"
	"strings"

	"dealerportal/model"
	"dealerportal/store"
)

// The cart's lines are written here rather than by a template, as the
// catalog's rows are (shop_rows.go): each line placed about forty values,
// two CSRF fields and three icons through html/template's reflective calls.
// The markup is the one views/shop/cart_body.html had; every value is
// escaped as html/template escaped it in its place (writeEscaped for text
// and attributes, writeURL for the image address, moneyAttr for a price in
// an attribute), and TestCartLinesHTML compares both with hostile values.

// CartLinesHTML writes the <li> lines of the cart (v.Data is the cart's
// *shopListData).
func (v *View) CartLinesHTML() template.HTML {
	d, _ := v.Data.(*shopListData)
	if d == nil {
		return ""
	}
	return template.HTML(cartLinesHTML(v, d))
}

func cartLinesHTML(v *View, d *shopListData) string {
	var b bytes.Buffer
	b.Grow(len(d.Rows) * 3000)
	w := b.WriteString
	e := func(s string) { writeEscaped(&b, s) }
	tUnavailable, tMin, tMultiple := v.T("shop.unavailable"), v.T("entry.min_qty"), v.T("entry.multiple")
	tChanged, tPricing, tRemove := v.T("shop.price_changed"), v.T("cart.pricing"), v.T("cart.remove")
	tQty, tUpdate, tAmount, tShort := v.T("cart.qty"), v.T("cart.update"), v.T("cart.amount"), v.T("quick.short")
	csrf := `<input type="hidden" name="_csrf" value="` + esc(v.CSRF) + "\">\n"
	icon := func(name string) string {
		return `<svg class="icon" aria-hidden="true" focusable="false"><use href="/static/icons.svg#` + name + "\"></use></svg>\n"
	}
	iconTrash, iconMinus, iconPlus := icon("trash"), icon("minus"), icon("plus")
	for _, r := range d.Rows {
		l := r.Line
		id := itoa(l.EntryID)
		avail := r.Available()
		var it *store.CatalogItem
		if avail {
			it = r.Item
		}
		w("\n  <li class=\"cart-line")
		if !avail {
			w(" unavailable")
		}
		w(`" id="line-` + id + "\">\n    ")
		if avail {
			w(`<a class="cart-thumb" href="/catalog/` + id + `?back=/cart" tabindex="-1" aria-hidden="true">`)
			if th := it.Product.Thumb(); th != nil {
				w(`<img class="thumb" src="`)
				writeURL(&b, v.Img(th, "s"))
				w(`" alt="" width="64" height="64" loading="lazy" decoding="async">`)
			} else {
				w(`<span class="thumb none"></span>`)
			}
			w(`</a>`)
		} else {
			w(`<span class="cart-thumb"><span class="thumb none"></span></span>`)
		}
		w("\n    <div class=\"cart-main\">\n      ")
		if avail {
			w(`<a class="item-title" href="/catalog/` + id + `?back=/cart">`)
			e(l.Title)
			w(`</a>`)
		} else {
			w(`<span class="item-title">`)
			e(l.Title)
			w(`</span> <span class="badge bad">`)
			e(tUnavailable)
			w(`</span>`)
		}
		w("\n      <div class=\"muted small\">")
		e(l.Code)
		if avail {
			if it.Product.Spec != "" {
				w(" · ")
				e(it.Product.Spec)
			}
			if it.Entry.MinQty != 0 {
				w(" · ")
				e(tMin)
				w(" ")
				e(it.Entry.MinQty.String())
			}
			if it.Entry.Multiple != 0 {
				w(" · ")
				e(tMultiple)
				w(" ")
				e(it.Entry.Multiple.String())
			}
		}
		w("</div>\n      ")
		if avail {
			w(`<div class="small"><span class="money">`)
			w(string(v.Money(it.Quote.Price)))
			w(`</span>`)
			if l.Unit != "" {
				w("/")
				e(l.Unit)
			}
			if r.PriceChanged {
				w(` <span class="badge warn" title="`)
				w(moneyAttr(v, l.Price))
				w(`">`)
				e(tChanged)
				w(`</span>`)
			}
			w("\n        <span class=\"badge ")
			e(v.StockClass(d.Settings, it.Stock))
			w(`">`)
			e(v.StockText(d.Settings, it.Stock))
			w("</span>\n        <a class=\"small\" href=\"/catalog/" + id + `/prices">`)
			e(tPricing)
			w(`</a></div>`)
		}
		confirm := esc(v.T("phone.confirm_remove", "code", l.Code))
		w("\n    </div>\n    <form class=\"cart-remove\" method=\"post\" action=\"/cart/" + id + `/delete" hx-post="/cart/` + id +
			`/delete" hx-target="#cart-body" hx-swap="innerHTML" data-confirm="` + confirm + `" hx-confirm="` + confirm + `">`)
		w(csrf)
		w(`<button type="submit" class="link remove" aria-label="`)
		e(tRemove)
		w(" ")
		e(l.Code)
		w(`" title="`)
		e(tRemove)
		w(`">`)
		w(iconTrash)
		w(`<span class="vh-narrow">`)
		e(tRemove)
		w("</span></button></form>\n    <div class=\"cart-qty\">\n      ")
		if avail {
			s := stepQty(it.Entry, l.Qty)
			w("\n      <form method=\"post\" action=\"/cart/" + id + `" class="stepper" hx-post="/cart/` + id +
				"\" hx-target=\"#cart-body\" hx-swap=\"innerHTML\" hx-trigger=\"change, submit\">\n        ")
			w(csrf)
			// step writes the − or + button posting q.
			step := func(dir, key string, q model.Qty, icon string) {
				w("<button type=\"submit\" name=\"set\" value=\"")
				e(q.String())
				w(`" class="step ` + dir + `" aria-label="`)
				e(v.T(key, "code", l.Code, "qty", q))
				w(`"`)
				if q == 0 {
					w(" disabled")
				}
				w(">" + icon + "</button>")
			}
			w("\n        <button type=\"submit\" hidden tabindex=\"-1\" aria-hidden=\"true\"></button>\n        ")
			step("down", "phone.qty_down", s.Down, iconMinus)
			w("\n        <input name=\"qty\" type=\"text\" inputmode=\"decimal\" value=\"")
			e(l.Qty.String())
			w(`" class="qty" aria-label="`)
			e(tQty)
			w(" ")
			e(l.Code)
			w(`"`)
			if d.Errors[l.EntryID] != "" {
				w(` aria-invalid="true"`)
			}
			w(">\n        ")
			step("up", "phone.qty_up", s.Up, iconPlus)
			w("\n        <noscript><button type=\"submit\" class=\"small-btn\">")
			e(tUpdate)
			w("</button></noscript>\n      </form>\n      <span class=\"cart-amount money\" aria-label=\"")
			e(tAmount)
			w(`">`)
			w(string(v.Money(r.Amount)))
			w("</span>\n      ")
		} else {
			w(`<span class="muted">`)
			e(tQty)
			w(" ")
			e(l.Qty.String())
			w(`</span>`)
		}
		w("\n    </div>\n    ")
		if avail {
			w("\n    ")
			if msg := d.Errors[l.EntryID]; msg != "" {
				w(`<p class="err cart-note" role="alert">`)
				e(msg)
				w(`</p>`)
			} else if r.QtyErr != "" {
				w(`<p class="err cart-note">`)
				e(v.ErrText(r.QtyErr, r.QtyArgs))
				w(`</p>`)
			}
			w("\n    ")
			if l.Qty > it.Stock.Available() {
				w(`<p class="muted small cart-note">`)
				e(tShort)
				w(`</p>`)
			}
			w("\n    ")
		}
		w("\n  </li>\n  ")
	}
	return b.String()
}

// moneyAttr is an amount (Money's HTML) placed in a quoted attribute, as
// html/template places HTML there: its text, tags dropped, '+' escaped.
func moneyAttr(v *View, m model.Money) string {
	return strings.ReplaceAll(template.HTMLEscapeString(v.Settings.Money(m)), "+", "&#43;")
}

// writeURL writes a URL attribute value as html/template does (its URL
// normaliser, then attribute escaping): bytes outside the URL's allowed
// set are percent-encoded. For the portal's own paths only (no scheme
// check).
func writeURL(w *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	var n bytes.Buffer
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$&*+,/:;=?@[]-._~%", c) >= 0:
		default:
			n.WriteByte('%')
			n.WriteByte(hex[c>>4])
			n.WriteByte(hex[c&15])
			continue
		}
		n.WriteByte(c)
	}
	writeEscaped(w, n.String())
}
