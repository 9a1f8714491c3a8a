package handlers

import (
	"net/http"
	"net/url"
	"testing"
)

// TestFulfilmentRefusals: the order fulfilment's posts refuse who may not
// run them (403) before their use case runs — the store no longer checks
// who may — and a document outside the user's scope is not found (404).
func TestFulfilmentRefusals(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	shippingFixture(t, e)
	so, dn, rn, oo := e.id("ship.so:C1"), e.id("ship.dn:C1"), e.id("ship.rn:C1"), e.id("ship.oo:C1")
	qty := url.Values{"qty.1": {"1"}, "date": {"2026-03-20"}, "reason": {"质量问题"}}
	for _, c := range []struct {
		who, path string
		form      url.Values
		want      int
	}{
		{"viewer", "/delivery-notices?so=" + so, qty, http.StatusForbidden},
		{"c1.manager", "/delivery-notices?so=" + so, qty, http.StatusForbidden},
		{"c1.manager", "/outbounds?so=" + so, qty, http.StatusForbidden},
		{"c1.manager", "/outbounds?dn=" + dn, qty, http.StatusForbidden},
		{"viewer", "/outbounds?dn=" + dn, qty, http.StatusForbidden},
		{"viewer", "/outbounds?rn=" + rn, qty, http.StatusForbidden},
		{"c1.manager", "/outbounds?rn=" + rn, qty, http.StatusForbidden},
		{"admin", "/returns?so=" + so, qty, http.StatusForbidden},
		{"east", "/returns?so=" + so, qty, http.StatusForbidden},
		{"c2.manager", "/returns?so=" + so, qty, http.StatusNotFound},
		{"c1.manager", "/return-notices?so=" + so, qty, http.StatusForbidden},
		{"viewer", "/return-notices?so=" + so, qty, http.StatusForbidden},
		{"c1.manager", "/sales-orders", url.Values{"customer_id": {e.id("customer:C1")}}, http.StatusForbidden},
		{"viewer", "/sales-orders/" + so + "/change-requests", url.Values{"qty.1": {"6"}}, http.StatusForbidden},
		{"c2.manager", "/sales-orders/" + so + "/change-requests", url.Values{"qty.1": {"6"}}, http.StatusNotFound},
		{"admin", "/online-orders/" + oo + "/delete", url.Values{"version": {"1"}}, http.StatusForbidden},
		{"east", "/online-orders/" + oo + "/release_credit", url.Values{"version": {"1"}}, http.StatusForbidden},
		{"c1.manager", "/online-orders/" + oo + "/convert", url.Values{"version": {"1"}}, http.StatusForbidden},
		// Who may is let through: the refusals above are not the token's.
		{"admin", "/delivery-notices?so=" + so, url.Values{"qty.1": {"1"}, "date": {"2026-03-20"}}, http.StatusSeeOther},
		// (everything shipped is claimed already: refused at the quantity)
		{"c1.buyer", "/returns?so=" + so, url.Values{"qty.1": {"0.5"}, "date": {"2026-03-20"}, "reason": {"包装破损"}}, http.StatusUnprocessableEntity},
	} {
		form := url.Values{} // post adds the session's CSRF token
		for k, v := range c.form {
			form[k] = v
		}
		cl := e.login(c.who)
		cl.get("/") // a page with the session's CSRF token
		if r := cl.post(c.path, form); r.Code != c.want {
			t.Errorf("%s POST %s: %d, want %d: %s", c.who, c.path, r.Code, c.want, excerpt(r.Body))
		}
	}
}
