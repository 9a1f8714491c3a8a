package handlers

import (
	"net/http"
	"net/url"
	"testing"
)

// TestCatalogRefusals: every write of catalog administration and the
// shop is refused by the handler's one permission check — 403 for staff
// without the catalog permission, 404 for a record outside the scope
// (before the 403, for the bulk actions too) and for dealers on staff
// pages — and "order again" only by a dealer who may order. The store
// behind these actions checks no permission: removing a handler's check
// lets the post through and fails its row.
func TestCatalogRefusals(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	ordersFixture(t, e)
	entry, price := e.id("entry:C1"), e.id("price:C1")
	product := e.id("product:ALL")
	rows := []struct {
		who, path string
		form      url.Values
		want      int
	}{
		// Viewers see the catalog but may not keep it.
		{"viewer", "/catalog-entries", url.Values{"_idem": {"t1"}, "product_id": {e.id("product:NEW")}, "category_id": {e.id("cat:SERVO")}, "min_qty": {"0"}, "multiple": {"0"}}, http.StatusForbidden},
		{"viewer", "/catalog-entries/batch", url.Values{"_idem": {"t2"}, "product_ids": {e.id("product:NEW")}, "category_id": {e.id("cat:SERVO")}, "min_qty": {"0"}, "multiple": {"0"}}, http.StatusForbidden},
		{"viewer", "/catalog-entries/" + entry, url.Values{"version": {"2"}, "category_id": {e.id("cat:SERVO")}, "min_qty": {"0"}, "multiple": {"0"}}, http.StatusForbidden},
		{"viewer", "/catalog-entries/" + entry + "/unaudit", url.Values{"version": {"2"}}, http.StatusForbidden},
		{"viewer", "/catalog-entries/" + entry + "/targets", url.Values{"version": {"2"}, "customer_codes": {"C1"}}, http.StatusForbidden},
		{"viewer", "/catalog-entries/" + entry + "/targets/remove", url.Values{"version": {"2"}, "target": {"org:1"}}, http.StatusForbidden},
		{"viewer", "/catalog-entries/bulk", url.Values{"action": {"unaudit"}, "ids": {entry}}, http.StatusForbidden},
		{"viewer", "/catalog-entries/bulk", url.Values{"action": {"unaudit"}, "ids": {entry, e.id("entry:C2")}}, http.StatusNotFound},
		{"viewer", "/products", url.Values{"_idem": {"t3"}, "code": {"P-X"}, "name": {"X"}, "unit": {"台"}, "list_price": {"1"}, "tax_rate": {"13"}, "weight": {"0"}}, http.StatusForbidden},
		{"viewer", "/products/" + product + "/stock", url.Values{"on_hand": {"3"}, "stock_version": {"1"}}, http.StatusForbidden},
		{"viewer", "/categories", url.Values{"_idem": {"t4"}, "code": {"X"}, "name": {"X"}}, http.StatusForbidden},
		{"viewer", "/prices", url.Values{"_idem": {"t5"}, "product_code": {"P-ALL"}, "customer_code": {"C1"}, "price": {"1"}, "min_qty": {"0"}}, http.StatusForbidden},
		{"viewer", "/prices/" + price + "/unaudit", url.Values{"version": {"2"}}, http.StatusForbidden},
		{"viewer", "/prices/bulk", url.Values{"action": {"unaudit"}, "ids": {price}}, http.StatusForbidden},
		{"viewer", "/prices/bulk", url.Values{"action": {"unaudit"}, "ids": {price, e.id("price:C2")}}, http.StatusNotFound},
		{"viewer", "/catalog-entries/import/confirm", url.Values{"token": {"x"}}, http.StatusForbidden},
		{"viewer", "/prices/import/confirm", url.Values{"token": {"x"}}, http.StatusForbidden},
		// Sales keep the catalog in their scope, not the ordering settings.
		{"east", "/settings/ordering", url.Values{"version": {"0"}, "stock_display": {"exact"}, "low_stock": {"1"}}, http.StatusForbidden},
		{"east", "/prices/bulk", url.Values{"action": {"unaudit"}, "ids": {e.id("price:C2")}}, http.StatusNotFound},
		// Dealers shop; they keep nothing of the catalog, and staff have no cart.
		{"c1.buyer", "/catalog-entries/" + entry + "/unaudit", url.Values{"version": {"2"}}, http.StatusNotFound},
		{"c1.buyer", "/products/" + product + "/stock", url.Values{"on_hand": {"3"}, "stock_version": {"1"}}, http.StatusNotFound},
		{"east", "/catalog/" + entry + "/cart", url.Values{"qty": {"1"}}, http.StatusNotFound},
		{"east", "/catalog/" + entry + "/favorite", nil, http.StatusNotFound},
		{"east", "/cart/empty", nil, http.StatusNotFound},
		{"c1.buyer", "/catalog/" + e.id("entry:C2") + "/cart", url.Values{"qty": {"1"}}, http.StatusNotFound},
		// Order again: only the dealer who may order, and only its own orders.
		{"east", "/sales-orders/" + e.id("so:C1") + "/again", url.Values{"_idem": {"t6"}}, http.StatusNotFound},
		{"admin", "/online-orders/" + e.id("oo:C1") + "/again", url.Values{"_idem": {"t7"}}, http.StatusNotFound},
		{"c1.buyer", "/sales-orders/" + e.id("so:C2") + "/again", url.Values{"_idem": {"t8"}}, http.StatusNotFound},
		{"c1.buyer", "/sales-orders/" + e.id("so:C1") + "/again", url.Values{"_idem": {"t9"}}, http.StatusSeeOther},
		// Sales may.
		{"east", "/prices/bulk", url.Values{"action": {"unaudit"}, "ids": {price}}, http.StatusSeeOther},
	}
	for _, r := range rows {
		cl := e.login(r.who)
		cl.get("/") // the form token
		if got := cl.post(r.path, r.form); got.Code != r.want {
			t.Errorf("%s POST %s: %d, want %d: %s", r.who, r.path, got.Code, r.want, excerpt(got.Body))
		}
	}
}
