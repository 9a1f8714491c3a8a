package handlers

import (
	"net/http"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// scopeRoute is one row of the scope matrix: a route that takes ids. {cust},
// {loc}, {user} and {att} are replaced by ids belonging to the target
// customer. Later modules append their rows here.
type scopeRoute struct {
	method, path string
}

// Channel management rows (opportunities, complaints and their notices,
// service requests, stocktakes) are channelScopeRows in channel_test.go,
// appended by its init.
var scopeMatrix = []scopeRoute{
	{"GET", "/customers/{cust}"},
	{"GET", "/customers/{cust}/edit"},
	{"POST", "/customers/{cust}"},
	{"GET", "/customers/{cust}/print"},
	{"POST", "/customers/{cust}/attachments"},
	{"GET", "/customers/{cust}/locations/new"},
	{"POST", "/customers/{cust}/locations"},
	{"GET", "/customers/{cust}/locations/{loc}/edit"},
	{"POST", "/customers/{cust}/locations/{loc}"},
	{"POST", "/customers/{cust}/locations/{loc}/primary"},
	{"POST", "/customers/{cust}/locations/{loc}/delete"},
	{"GET", "/customers/{cust}/users/new"},
	{"POST", "/customers/{cust}/users"},
	{"GET", "/customers/{cust}/users/{user}/edit"},
	{"POST", "/customers/{cust}/users/{user}"},
	{"POST", "/customers/{cust}/users/{user}/password"},
	{"POST", "/customers/{cust}/users/{user}/disable"},
	{"POST", "/customers/{cust}/users/{user}/enable"},
	{"GET", "/attachments/{att}"},
	{"POST", "/attachments/{att}/delete"},
	// Announcements: {ann} is published to the target customer only, {annatt}
	// is its attachment: staff outside the target's scope see neither.
	{"GET", "/announcements/{ann}"},
	{"GET", "/announcements/{ann}/edit"},
	{"GET", "/announcements/{ann}/print"},
	{"GET", "/announcements/{ann}/pdf"},
	{"POST", "/announcements/{ann}"},
	{"POST", "/announcements/{ann}/audit"},
	{"POST", "/announcements/{ann}/unaudit"},
	{"POST", "/announcements/{ann}/invalidate"},
	{"POST", "/announcements/{ann}/delete"},
	{"POST", "/announcements/{ann}/attachments"},
	{"GET", "/attachments/{annatt}"},
	{"POST", "/attachments/{annatt}/delete"},
	// The target customer's buyer's in-app message: nobody else's.
	{"GET", "/inbox/{msg}"},
	{"POST", "/inbox/{msg}/read"},
	// Ordering center: {entry} is a catalog entry published to the target
	// customer only (staff have no shop: 404 too), {price} a price record of
	// the target customer. Staff-visible routes of entries (price look-up,
	// images) are in TestOrderingScopeDealer.
	{"GET", "/catalog/{entry}"},
	{"POST", "/catalog/{entry}/favorite"},
	{"POST", "/catalog/{entry}/cart"},
	{"POST", "/cart/{entry}"},
	{"GET", "/prices/{price}/edit"},
	{"POST", "/prices/{price}"},
	{"POST", "/prices/{price}/audit"},
	{"POST", "/prices/{price}/unaudit"},
	// Shipping and returns (shippingFixture): the target customer's sales
	// order {shso} and online order {shoo}, delivery notice {shdn}, outbound
	// {shob}, online return {shrt} and return notice {shrn}; sources named
	// in the query string are scoped like ids in the path.
	{"GET", "/delivery-notices/new?so={shso}"},
	{"POST", "/delivery-notices?so={shso}"},
	{"GET", "/delivery-notices/{shdn}"},
	{"GET", "/delivery-notices/{shdn}/print"},
	{"GET", "/delivery-notices/{shdn}/print?format=pdf"},
	{"POST", "/delivery-notices/{shdn}/close"},
	{"POST", "/delivery-notices/{shdn}/void"},
	{"POST", "/delivery-notices/{shdn}/confirm_receipt"},
	{"GET", "/outbounds/new?so={shso}"},
	{"GET", "/outbounds/new?dn={shdn}"},
	{"GET", "/outbounds/new?rn={shrn}"},
	{"POST", "/outbounds?so={shso}"},
	{"POST", "/outbounds?dn={shdn}"},
	{"POST", "/outbounds?rn={shrn}"},
	{"GET", "/outbounds/{shob}"},
	{"GET", "/outbounds/{shob}/print"},
	{"POST", "/outbounds/{shob}/confirm_receipt"},
	{"GET", "/returns/new?so={shso}"},
	{"GET", "/returns/new?ob={shob}"},
	{"POST", "/returns?so={shso}"},
	{"POST", "/returns?ob={shob}"},
	{"GET", "/returns/{shrt}"},
	{"GET", "/returns/{shrt}/edit"},
	{"GET", "/returns/{shrt}/print"},
	{"POST", "/returns/{shrt}"},
	{"POST", "/returns/{shrt}/delete"},
	{"POST", "/returns/{shrt}/submit"},
	{"POST", "/returns/{shrt}/reject"},
	{"POST", "/returns/{shrt}/unreject"},
	{"POST", "/returns/{shrt}/convert"},
	{"GET", "/return-notices/new?so={shso}"},
	{"POST", "/return-notices?so={shso}"},
	{"GET", "/return-notices/{shrn}"},
	{"GET", "/return-notices/{shrn}/print"},
	{"POST", "/return-notices/{shrn}/close"},
	{"GET", "/tracking/sales-orders/{shso}"},
	{"GET", "/tracking/online-orders/{shoo}"},
	// Orders (ordersFixture): the target customer's submitted online order
	// {oo}, audited sales order {so} and draft change request {cr}, and
	// their comment threads.
	{"GET", "/online-orders/{oo}"},
	{"GET", "/online-orders/{oo}/edit"},
	{"POST", "/online-orders/{oo}"},
	{"POST", "/online-orders/{oo}/delete"},
	{"POST", "/online-orders/{oo}/submit"},
	{"POST", "/online-orders/{oo}/reject"},
	{"POST", "/online-orders/{oo}/unreject"},
	{"POST", "/online-orders/{oo}/release_credit"},
	{"GET", "/online-orders/{oo}/convert"},
	{"POST", "/online-orders/{oo}/convert"},
	{"POST", "/online-orders/{oo}/again"},
	{"GET", "/online-orders/{oo}/print"},
	{"GET", "/online-orders/{oo}/pdf"},
	{"GET", "/online-orders/lookup?customer={cust}&i=0&line.0.code=P-ALL"},
	{"GET", "/sales-orders/{so}"},
	{"GET", "/sales-orders/{so}/edit"},
	{"POST", "/sales-orders/{so}"},
	{"POST", "/sales-orders/{so}/audit"},
	{"POST", "/sales-orders/{so}/unaudit"},
	{"POST", "/sales-orders/{so}/close"},
	{"POST", "/sales-orders/{so}/void"},
	{"POST", "/sales-orders/{so}/again"},
	{"GET", "/sales-orders/{so}/print"},
	{"GET", "/sales-orders/{so}/pdf"},
	{"GET", "/sales-orders/{so}/change-requests/new"},
	{"POST", "/sales-orders/{so}/change-requests"},
	{"GET", "/change-requests/{cr}"},
	{"GET", "/change-requests/{cr}/edit"},
	{"GET", "/change-requests/{cr}/print"},
	{"GET", "/change-requests/{cr}/pdf"},
	{"POST", "/change-requests/{cr}"},
	{"POST", "/change-requests/{cr}/delete"},
	{"POST", "/change-requests/{cr}/submit"},
	{"POST", "/change-requests/{cr}/make_effective"},
	{"POST", "/change-requests/{cr}/reject"},
	{"POST", "/comments/OO/{oo}"},
	{"POST", "/comments/SO/{so}"},
	{"POST", "/comments/CR/{cr}"},
	// Reconciliation (reconFixture, reconScopeReplacer): the target
	// customer's posted invoice {rciv}, posted receipt {rcrc}, draft advance
	// receipt {rcar} and refund {rcrf}, write-off {rcwo}, its outbound
	// {shob}; the customer itself for forms, balances and the statement PDF.
	{"GET", "/invoices/{rciv}"},
	{"GET", "/invoices/{rciv}/print"},
	{"GET", "/invoices/{rciv}/print?format=pdf"},
	{"POST", "/invoices/{rciv}/audit"},
	{"POST", "/invoices/{rciv}/unaudit"},
	{"POST", "/invoices/{rciv}/delete"},
	{"GET", "/invoices/new?ob={shob}"},
	{"GET", "/invoices/new?customer_id={cust}"},
	{"POST", "/invoices?customer_id={cust}"},
	{"POST", "/invoices?ob={shob}"},
	{"GET", "/receipts/{rcrc}"},
	{"GET", "/receipts/{rcrc}/print"},
	{"POST", "/receipts/{rcrc}/unaudit"},
	{"POST", "/receipts/{rcrc}/audit"},
	{"POST", "/receipts/{rcrc}/delete"},
	{"POST", "/advance-receipts/{rcar}/unaudit"},
	{"GET", "/advance-receipts/{rcar}"},
	{"GET", "/advance-receipts/{rcar}/edit"},
	{"POST", "/advance-receipts/{rcar}"},
	{"POST", "/advance-receipts/{rcar}/audit"},
	{"POST", "/advance-receipts/{rcar}/delete"},
	{"GET", "/refunds/{rcrf}"},
	{"POST", "/refunds/{rcrf}/audit"},
	{"POST", "/refunds/{rcrf}/unaudit"},
	{"POST", "/refunds/{rcrf}/delete"},
	{"GET", "/receipts/new?customer_id={cust}"},
	{"POST", "/receipts?customer_id={cust}"},
	{"POST", "/refunds?customer_id={cust}"},
	{"GET", "/reconciliation/outbounds/{shob}"},
	{"POST", "/reconciliation/outbounds/{shob}/confirm"},
	{"GET", "/reconciliation/invoices/{rciv}"},
	{"POST", "/reconciliation/invoices/{rciv}/confirm"},
	{"POST", "/reconciliation/invoices/{rciv}/cancel"},
	{"POST", "/reconciliation/invoices/{rciv}/dispute"},
	{"GET", "/reconciliation/receipts/{rcrc}"},
	{"POST", "/reconciliation/receipts/{rcrc}/confirm"},
	{"GET", "/write-offs?customer_id={cust}"},
	{"POST", "/write-offs?customer_id={cust}"},
	{"POST", "/write-offs/{rcwo}/reverse"},
	{"GET", "/balances/{cust}"},
	{"GET", "/balances/{cust}?export=csv"},
	{"POST", "/balances/{cust}/statement-setting"},
	{"GET", "/statements/{cust}"},
	{"GET", "/statements/{cust}?from=2026-01-01&to=2026-12-31"},
}

// scopeActors are users who must not see the target customer's data, each
// with the customer outside their scope.
var scopeActors = []struct{ user, target string }{
	{"c2.manager", "C1"}, // a dealer (manager) of another customer
	{"c1.manager", "C2"},
	{"c2.buyer", "C1"},
	{"south", "C1"}, // staff outside the org subtree
	{"east", "C2"},
	{"own", "C2"}, // staff with own customers only
	{"viewer", "C2"},
}

func TestScopeMatrix(t *testing.T) {
	e := newTestEnv(t)
	// An attachment per customer.
	for _, code := range []string{"C1", "C2"} {
		err := e.st.Update("test", func(tx *store.Tx) error {
			a := &model.Attachment{CustomerID: e.ids["customer:"+code], OwnerType: "customer", OwnerID: e.ids["customer:"+code], Name: "x.txt", ContentType: "text/plain"}
			if err := tx.AddAttachment(a, []byte("hello")); err != nil {
				return err
			}
			e.ids["att:"+code] = a.ID
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	documentFixtures(t, e)
	scopeRowsFixture(t, e)
	for _, a := range scopeActors {
		c := e.login(a.user)
		c.get("/")
		target := strings.ToLower(a.target)
		repl := strings.NewReplacer(
			"{cust}", e.id("customer:"+a.target), "{loc}", e.id("location:"+a.target),
			"{user}", e.id("user:"+target+".buyer"), "{att}", e.id("att:"+a.target),
			"{ann}", e.id("ann:"+a.target), "{annatt}", e.id("annatt:"+a.target), "{msg}", e.id("msg:"+a.target),
			"{entry}", e.id("entry:"+a.target), "{price}", e.id("price:"+a.target),
			"{shso}", e.id("ship.so:"+a.target), "{shoo}", e.id("ship.oo:"+a.target), "{shdn}", e.id("ship.dn:"+a.target),
			"{shob}", e.id("ship.ob:"+a.target), "{shrt}", e.id("ship.rt:"+a.target), "{shrn}", e.id("ship.rn:"+a.target),
			"{oo}", e.id("oo:"+a.target), "{so}", e.id("so:"+a.target), "{cr}", e.id("cr:"+a.target))
		for _, r := range scopeMatrix {
			if staffSeeAllRow(r.path, a.user) {
				continue
			}
			path := strings.NewReplacer(channelScopeReplacer(e, a.target)...).Replace(repl.Replace(r.path))
			path = strings.NewReplacer(reconScopeReplacer(e, a.target)...).Replace(path)
			path = strings.NewReplacer(scopePlaceholders(e, a.target)...).Replace(path)
			path, form := scopeRowForm(path)
			if strings.Contains(path, "{") {
				t.Errorf("%s: placeholder not filled (a 404 that proves nothing)", path)
				continue
			}
			var res resp
			if r.method == "GET" {
				res = c.get(path)
			} else {
				res = c.post(path, form)
			}
			if res.Code != http.StatusNotFound {
				t.Errorf("%s %s %s (target %s): status %d, want 404", a.user, r.method, path, a.target, res.Code)
			}
		}
	}
	// The same routes are reachable by a user in scope (the matrix tests scope, not broken routes).
	c := e.login("admin")
	c.get("/")
	for _, p := range []string{"/customers/" + e.id("customer:C1"), "/attachments/" + e.id("att:C1"), "/customers/" + e.id("customer:C1") + "/users/" + e.id("user:c1.buyer") + "/edit"} {
		if r := c.get(p); r.Code != http.StatusOK {
			t.Errorf("admin %s: %d", p, r.Code)
		}
	}
	d := e.login("c1.manager")
	d.get("/")
	for _, p := range []string{"/customers/" + e.id("customer:C1"), "/attachments/" + e.id("att:C1"), "/customers/" + e.id("customer:C1") + "/locations/" + e.id("location:C1") + "/edit"} {
		if r := d.get(p); r.Code != http.StatusOK {
			t.Errorf("c1.manager %s: %d", p, r.Code)
		}
	}
}

// TestScopedLists: lists and exports show only what is in scope.
func TestScopedLists(t *testing.T) {
	e := newTestEnv(t)
	cases := []struct {
		user      string
		see, hide []string
	}{
		{"admin", []string{"客户C1", "客户C2"}, nil},
		{"east", []string{"客户C1"}, []string{"客户C2"}},
		{"south", []string{"客户C2"}, []string{"客户C1"}},
		{"own", []string{"客户C1"}, []string{"客户C2"}},
	}
	for _, tc := range cases {
		c := e.login(tc.user)
		for _, path := range []string{"/customers", "/customers?export=csv", "/customers?q=%E5%AE%A2%E6%88%B7"} {
			r := c.get(path)
			if r.Code != http.StatusOK {
				t.Fatalf("%s %s: %d", tc.user, path, r.Code)
			}
			for _, s := range tc.see {
				if !strings.Contains(r.Body, s) {
					t.Errorf("%s %s: missing %s", tc.user, path, s)
				}
			}
			for _, s := range tc.hide {
				if strings.Contains(r.Body, s) {
					t.Errorf("%s %s: shows %s", tc.user, path, s)
				}
			}
		}
	}
	// Dealers have no customer list at all.
	c := e.login("c1.manager")
	if r := c.get("/customers"); r.Code != http.StatusForbidden {
		t.Errorf("dealer /customers: %d", r.Code)
	}
}
