package handlers

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// The scope matrix is derived from the router: every route that takes a
// parameter or writes (POST, PUT, PATCH, DELETE) must be called by at least
// one row of scopeMatrix, or be named in scopeExemptions with its reason.
//
// To add a row for a new route: append {method, path} to scopeMatrix (or to
// the module's own rows, appended in an init as channelScopeRows is), with
// the target customer's record as a placeholder such as {oo}; fill the
// placeholder in a replacer (scopePlaceholders below, or the module's
// replacer) from an id its fixture stores in e.ids as "<name>:C1" and
// "<name>:C2". A path's "?query" is sent; a "#fragment" holds extra form
// fields (url-encoded) for a POST whose ids travel in the body, e.g.
// "/catalog-entries/bulk#action=unaudit&ids={entry}".

// scopeExemptions are the routes the matrix does not call, by reason. Keep
// it short: a route that reads or changes one customer's records, or an
// announcement or catalog entry, belongs in the matrix.
var scopeExemptions = []struct {
	reason string
	routes []string
}{
	{"public or the caller's own session, account, language, notification settings and inbox: no other customer's data can be named", []string{
		"GET /static/:file", "POST /login", "POST /logout", "POST /lang", "POST /account", "POST /account/password",
		"POST /account/notifications", "POST /account/sessions/revoke", "POST /inbox/read-all"}},
	{"the public invitation page: its secret one-time token is the visitor's only credential and names its own user only; no session, so no other customer's data can be named", []string{
		"GET /invite/:token", "POST /invite/:token"}},
	{"the dealer's own cart and favorites as a whole (per user): entries are read through the dealer's catalog index", []string{
		"POST /cart/refresh", "POST /cart/empty", "POST /favorites/refresh", "POST /favorites/cart", "POST /quick-order", "POST /quick-order/add",
		"POST /online-orders/checkout"}},
	{"import templates: one fixed file per format, with no data", []string{
		"GET /catalog-entries/import/template.:fmt", "GET /prices/import/template.:fmt", "GET /quick-order/template.:fmt", "GET /stocktakes/import/template.:fmt"}},
	{"admin only (settings, org units, staff, message templates and outbox): an admin's scope is everything; everyone else gets 403", []string{
		"POST /settings/api", "GET /settings/api/:id", "GET /settings/api/:id/edit", "POST /settings/api/:id", "POST /settings/api/:id/tokens", "POST /settings/api/:id/tokens/:token/revoke", "POST /settings/api/:id/webhook-secret", "POST /settings/api/:id/webhook-secret/rotate", "GET /settings/api/:id/deliveries", "POST /settings/api/:id/deliveries/resend", "POST /settings/api/:id/deliveries/replay", "POST /settings/api/:id/deliveries/:delivery/resend",
		"POST /settings", "POST /settings/ordering", "POST /org-units", "GET /org-units/:id/edit", "POST /org-units/:id",
		"POST /staff", "GET /staff/:id/edit", "POST /staff/:id", "POST /staff/:id/password", "POST /staff/:id/disable", "POST /staff/:id/enable",
		"GET /messages/templates/:event", "POST /messages/templates/:event", "POST /messages/templates/:event/preview",
		"GET /messages/outbox/:id", "POST /messages/outbox/:id/retry", "POST /messages/outbox/retry", "POST /messages/outbox/retry-events",
		"POST /messages/settings", "POST /messages/settings/test-email", "POST /messages/settings/test-sms"}},
	{"customer groups are enterprise master data (a code and a name, no customer's records); who may target a group is the audience rule, tested in TestAudienceScopeRefused", []string{
		"POST /customer-groups", "GET /customer-groups/:id/edit", "POST /customer-groups/:id"}},
	{"creating products and categories: enterprise master data without customers", []string{"POST /products", "POST /categories"}},
	{"create without an id: the customer, audience or targets are form fields, refused at the field (422) when out of scope (TestAudienceScopeRefused and each module's form tests)", []string{
		"POST /customers", "POST /announcements", "POST /catalog-entries", "POST /catalog-entries/batch", "POST /catalog-entries/import",
		"POST /catalog-entries/import/confirm", "POST /prices", "POST /prices/import", "POST /prices/import/confirm",
		"POST /online-orders", "POST /sales-orders", "POST /opportunities", "POST /complaints", "POST /service-requests",
		"POST /stocktakes", "POST /stocktakes/import", "POST /stocktakes/import/confirm", "POST /advance-receipts"}},
}

// scopeRoutesAdded are the rows for routes the matrix once missed: the
// ordering center as staff manage it (entries publish only to the target
// customer), product master data as dealers reach it, favorites and cart
// lines, and the receipt documents' remaining pages.
var scopeRoutesAdded = []scopeRoute{
	{"GET", "/catalog-entries/{entry}"},
	{"GET", "/catalog-entries/{entry}/edit"},
	{"POST", "/catalog-entries/{entry}"},
	{"POST", "/catalog-entries/{entry}/audit"},
	{"POST", "/catalog-entries/{entry}/unaudit"},
	{"POST", "/catalog-entries/{entry}/targets#customer_codes=C1"},
	{"POST", "/catalog-entries/{entry}/targets/remove#target=customer:{cust}"},
	{"POST", "/catalog-entries/bulk#action=unaudit&ids={entry}"},
	{"POST", "/prices/bulk#action=unaudit&ids={price}"},
	{"GET", "/catalog/{entry}/prices"},
	{"POST", "/catalog/selected#action=cart&ids={entry}"},
	{"POST", "/favorites/{entry}/delete"},
	{"POST", "/cart/{entry}/delete"},
	{"GET", "/img/{img}/x-o.jpg"},
	{"GET", "/products/{prod}"},
	{"GET", "/products/{prod}/edit"},
	{"POST", "/products/{prod}"},
	{"POST", "/products/{prod}/stock"},
	{"POST", "/products/{prod}/images"},
	{"POST", "/products/{prod}/images/{img}/delete"},
	{"GET", "/categories/{cat}/edit"},
	{"POST", "/categories/{cat}"},
	{"GET", "/receipts/{rcrc}/edit"},
	{"POST", "/receipts/{rcrc}"},
	{"GET", "/advance-receipts/{rcar}/print"},
	{"GET", "/refunds/{rcrf}/edit"},
	{"GET", "/refunds/{rcrf}/print"},
	{"POST", "/refunds/{rcrf}"},
}

func init() { scopeMatrix = append(scopeMatrix, scopeRoutesAdded...) }

// staffSeeAllRow: product master data (products, their images, categories)
// holds no customer's records, so every staff user sees it; those rows are
// called by dealers only, who see a product only through an entry published
// to them.
func staffSeeAllRow(path, user string) bool {
	if strings.Contains(user, ".") {
		return false
	}
	for _, p := range []string{"{prod}", "{img}", "{cat}"} {
		if strings.Contains(path, p) {
			return true
		}
	}
	return false
}

// scopePlaceholders fills the placeholders of scopeRoutesAdded for target
// customer x (scopeRowsFixture stores their ids).
func scopePlaceholders(e *testEnv, x string) []string {
	return []string{"{prod}", e.id("product:" + x), "{img}", e.id("img:" + x), "{cat}", e.id("cat:SERVO")}
}

// scopeRowsFixture gives C2's product a picture too ("img:C2"), so that both
// targets have one.
func scopeRowsFixture(t *testing.T, e *testEnv) {
	t.Helper()
	img := testPNG(t)
	ctype, variants, err := model.CheckProductImage("m.png", img)
	if err != nil {
		t.Fatal(err)
	}
	err = e.st.Update("test", func(tx *store.Tx) error {
		a := &model.Attachment{Name: "m.png", ContentType: ctype}
		if err := tx.AddProductImage(e.ids["product:C2"], a, img, variants); err != nil {
			return err
		}
		e.ids["img:C2"] = a.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// scopeRowForm splits a row's path into the request path and the extra form
// fields of its "#fragment".
func scopeRowForm(path string) (string, url.Values) {
	form := url.Values{"version": {"1"}, "name": {"x"}, "password": {"longenough1"}}
	p, frag, ok := strings.Cut(path, "#")
	if ok {
		extra, _ := url.ParseQuery(frag)
		for k, v := range extra {
			form[k] = v
		}
	}
	return p, form
}

var placeholderRe = regexp.MustCompile(`\{[a-z0-9.]+\}`)

// TestScopeMatrixCoversRoutes derives the routes from the router and fails
// on every route that takes a parameter or writes and has neither a row in
// the scope matrix nor an exemption. A row covers the route Fiber would
// dispatch it to (the first matching route of its method, in registration
// order).
func TestScopeMatrixCoversRoutes(t *testing.T) {
	e := newTestEnv(t)
	routes := Routes(e.app)
	var needed []string
	seen := map[string]bool{}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		seen[key] = true
		if r.Params() || r.Method != "GET" {
			needed = append(needed, key)
		}
	}
	covered := map[string]bool{}
	for _, row := range append(scopeMatrix[:len(scopeMatrix):len(scopeMatrix)], apiScopeCovered()...) {
		p, _, _ := strings.Cut(row.path, "#")
		p, _, _ = strings.Cut(p, "?")
		r, ok := ServingRoute(routes, row.method, placeholderRe.ReplaceAllString(p, "1"))
		if !ok {
			t.Errorf("scope matrix row %s %s matches no route", row.method, row.path)
			continue
		}
		covered[r.Method+" "+r.Path] = true
	}
	exempt := map[string]bool{}
	for _, x := range scopeExemptions {
		if x.reason == "" {
			t.Errorf("exemption without a reason: %v", x.routes)
		}
		for _, k := range x.routes {
			if !seen[k] {
				t.Errorf("exemption %q names no route", k)
			}
			if covered[k] {
				t.Errorf("exemption %q has a matrix row too: drop the exemption", k)
			}
			exempt[k] = true
		}
	}
	var missing []string
	for _, k := range needed {
		if !covered[k] && !exempt[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d routes have no row in the scope matrix (scope_test.go) and no exemption (scope_routes_test.go):\n\t%s",
			len(missing), strings.Join(missing, "\n\t"))
	}
}
