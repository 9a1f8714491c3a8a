package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// TestOnlineOrderRefusals: the online order's form (new and edit), the
// cart's checkout and the submit action refuse through the handlers — no
// permission (404 on the dealer's order pages, 403 for the edit and the
// action), another customer's order (404), a status that does not allow it
// (409), a stale version (409), a bad form (422 at the field) — and a
// refused post changes nothing: no order, no version, no balance, no cart
// line moves. The store checks no permission: removing the handler's
// check (orderDealer, CanEditOnlineOrders, CanOrderOnline) lets the rows
// marked "handler only" through.
func TestOnlineOrderRefusals(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	ordersFixture(t, e)
	c1 := e.ids["customer:C1"]
	buyer, admin := e.user("c1.buyer"), e.user("admin")
	hash, _ := store.HashPassword(testPassword)
	dsc := store.CustomerScope(c1)
	e.step(admin, func(tx *store.Tx) error {
		u := &model.User{Username: "c1.finance", Name: "C1 财务", Kind: model.KindDealer, CustomerID: c1,
			Roles: []model.Role{model.RoleDealerFinance}, PasswordHash: hash}
		return tx.SaveUser(store.AdminScope(), u)
	})
	// c1.buyer's orders: a draft (not adjustable), a submitted adjustable
	// one, a rejected one; and one line in its cart.
	order := func(name string, adjust, submit bool) {
		e.step(buyer, func(tx *store.Tx) error {
			o, err := tx.NewOnlineOrder(dsc, c1)
			if err != nil {
				return err
			}
			o.AllowAdjust = adjust
			if err := tx.SaveOnlineOrder(dsc, o, []store.LineInput{{Code: "P-ALL", Qty: 1000}}, buyer, submit); err != nil {
				return err
			}
			e.ids[name] = o.ID
			return nil
		})
	}
	order("oo.draft", false, false)
	order("oo.adj", true, true)
	order("oo.rej", false, true)
	e.step(admin, func(tx *store.Tx) error {
		o, err := tx.OnlineOrder(store.AdminScope(), e.ids["oo.rej"])
		if err != nil {
			return err
		}
		_, err = tx.ActOnOnlineOrder(store.AdminScope(), o.ID, o.Version, "reject", admin, "缺货")
		return err
	})
	entry := e.ids["entry:ALL"]
	e.step(buyer, func(tx *store.Tx) error { _, err := tx.AddToCart(dsc, buyer.ID, entry, 3000); return err })

	ids := []uint64{e.ids["oo.draft"], e.ids["oo.adj"], e.ids["oo.rej"], e.ids["oo:C1"], e.ids["oo:C2"]}
	version := map[uint64]string{}
	// state is what a refused post must leave as it was.
	state := func() string {
		var b strings.Builder
		_ = e.st.View(func(tx *store.Tx) error {
			fmt.Fprintf(&b, "orders %d; cart %d;", tx.CountDocs(store.AdminScope(), model.DocOnlineOrder), tx.CartLineQty(buyer.ID, entry))
			for _, id := range ids {
				o, err := tx.OnlineOrder(store.AdminScope(), id)
				if err != nil {
					t.Fatal(err)
				}
				version[id] = fmt.Sprint(o.Version)
				fmt.Fprintf(&b, " %d %s v%d %v;", id, o.Status, o.Version, o.Totals.Amount)
			}
			return nil
		})
		for _, code := range []string{"C1", "C2"} {
			fmt.Fprintf(&b, " %s open %v;", code, e.balance(code).OpenOrders)
		}
		return b.String()
	}
	before := state()
	path := func(name string) string { return "/online-orders/" + e.id(name) }
	draft, adj, rej := e.ids["oo.draft"], e.ids["oo.adj"], e.ids["oo.rej"]
	newForm := func(kv ...string) url.Values {
		f := url.Values{"_idem": {"tok-" + kv[0]}, "location": {e.id("location:C1")}, "line.0.code": {"P-ALL"}, "line.0.qty": {"2"}, "action": {"submit"}}
		for i := 1; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	editForm := func(v string, kv ...string) url.Values {
		f := url.Values{"version": {v}, "location": {e.id("location:C1")}, "allow_adjust": {"1"}, "line.0.code": {"P-ALL"}, "line.0.qty": {"5"}, "action": {"save"}}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	checkoutForm := func(tok string, kv ...string) url.Values {
		f := url.Values{"_idem": {tok}, "entry": {e.id("entry:ALL")}, "location": {e.id("location:C1")}, "action": {"submit"}}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	cur := func(id uint64) string { return version[id] }
	stale := func(id uint64) string { return fmt.Sprint(mustUint(t, version[id]) - 1) }
	for _, r := range []struct {
		who, path string
		form      func() url.Values
		want      int
		// at is a text the refusal shows (a field's message), "" for none.
		at string
	}{
		// The order form: only a dealer user who may order (handler only for
		// the dealer's finance user: the store would save its order).
		{"c1.finance", "/online-orders", func() url.Values { return newForm("a") }, http.StatusNotFound, ""},
		{"c1.finance", "/online-orders", func() url.Values { return newForm("b", "action", "save") }, http.StatusNotFound, ""},
		{"east", "/online-orders", func() url.Values { return newForm("c") }, http.StatusNotFound, ""},
		{"c1.buyer", "/online-orders", func() url.Values { return newForm("d", "line.0.qty", "x") }, http.StatusUnprocessableEntity, "Not a valid quantity"},
		{"c1.buyer", "/online-orders", func() url.Values { return newForm("e", "location", e.id("location:C2")) }, http.StatusUnprocessableEntity, "Choose one of the customer"},
		{"c1.buyer", "/online-orders", func() url.Values { return newForm("f", "location", "") }, http.StatusUnprocessableEntity, "Choose one of the customer"},
		{"c1.buyer", "/online-orders", func() url.Values { return newForm("g", "line.0.code", "P-C2") }, http.StatusUnprocessableEntity, "P-C2: not a product published to you"},
		// The checkout (handler only for the finance user: the store would
		// answer its empty cart at the lines).
		{"c1.finance", "/online-orders/checkout", func() url.Values { return checkoutForm("h") }, http.StatusNotFound, ""},
		{"east", "/online-orders/checkout", func() url.Values { return checkoutForm("i") }, http.StatusNotFound, ""},
		{"c1.buyer", "/online-orders/checkout", func() url.Values { return checkoutForm("j", "entry", "") }, http.StatusUnprocessableEntity, "Tick at least one line of the cart."},
		{"c1.buyer", "/online-orders/checkout", func() url.Values { return checkoutForm("k", "location", e.id("location:C2")) }, http.StatusUnprocessableEntity, "Choose one of the customer"},
		{"c2.buyer", "/online-orders/checkout", func() url.Values { return checkoutForm("l") }, http.StatusUnprocessableEntity, ""},
		// The edit: staff who do not manage orders (handler only: the order
		// is submitted and adjustable, which the store lets staff edit).
		{"viewer", path("oo.adj"), func() url.Values { return editForm(cur(adj)) }, http.StatusForbidden, ""},
		{"c1.finance", path("oo.draft"), func() url.Values { return editForm(cur(draft)) }, http.StatusForbidden, ""},
		{"c2.buyer", path("oo.draft"), func() url.Values { return editForm(cur(draft)) }, http.StatusNotFound, ""},
		{"c2.manager", path("oo.adj"), func() url.Values { return editForm(cur(adj)) }, http.StatusNotFound, ""},
		{"south", path("oo.adj"), func() url.Values { return editForm(cur(adj)) }, http.StatusNotFound, ""},
		{"c1.manager", path("oo.draft"), func() url.Values { return editForm(cur(draft)) }, http.StatusConflict, ""},
		{"c1.buyer", path("oo.rej"), func() url.Values { return editForm(cur(rej)) }, http.StatusConflict, ""},
		{"c1.buyer", path("oo.draft"), func() url.Values { return editForm(stale(draft)) }, http.StatusConflict, "changed this record after you opened it"},
		{"east", path("oo.adj"), func() url.Values { return editForm(stale(adj)) }, http.StatusConflict, "changed this record after you opened it"},
		{"c1.buyer", path("oo.draft"), func() url.Values { return editForm(cur(draft), "line.0.qty", "x") }, http.StatusUnprocessableEntity, "Not a valid quantity"},
		{"c1.buyer", path("oo.draft"), func() url.Values { return editForm(cur(draft), "location", e.id("location:C2")) }, http.StatusUnprocessableEntity, "Choose one of the customer"},
		// Submit: staff and users who do not order, another customer's
		// order, the status, the version, the colleague of an order that
		// does not allow adjustment.
		{"east", path("oo.draft") + "/submit", func() url.Values { return url.Values{"version": {cur(draft)}} }, http.StatusForbidden, ""},
		{"admin", path("oo.draft") + "/submit", func() url.Values { return url.Values{"version": {cur(draft)}} }, http.StatusForbidden, ""},
		{"c1.finance", path("oo.draft") + "/submit", func() url.Values { return url.Values{"version": {cur(draft)}} }, http.StatusForbidden, ""},
		{"c2.buyer", path("oo.draft") + "/submit", func() url.Values { return url.Values{"version": {cur(draft)}} }, http.StatusNotFound, ""},
		{"c1.buyer", path("oo.adj") + "/submit", func() url.Values { return url.Values{"version": {cur(adj)}} }, http.StatusConflict, ""},
		{"c1.buyer", path("oo.rej") + "/submit", func() url.Values { return url.Values{"version": {cur(rej)}} }, http.StatusConflict, ""},
		{"c1.buyer", path("oo.draft") + "/submit", func() url.Values { return url.Values{"version": {stale(draft)}} }, http.StatusConflict, "changed this record after you opened it"},
		{"c1.manager", path("oo.draft") + "/submit", func() url.Values { return url.Values{"version": {cur(draft)}} }, http.StatusForbidden, ""},
	} {
		cl := e.login(r.who)
		cl.get("/") // the session's CSRF token
		got := cl.post(r.path, r.form())
		if got.Code != r.want {
			t.Errorf("%s POST %s: %d, want %d: %s", r.who, r.path, got.Code, r.want, excerpt(got.Body))
		}
		if r.at != "" && !strings.Contains(got.Body, r.at) {
			t.Errorf("%s POST %s: no %q in %s", r.who, r.path, r.at, excerpt(got.Body))
		}
		if now := state(); now != before {
			t.Fatalf("%s POST %s changed the data:\n%s\nwas\n%s", r.who, r.path, now, before)
		}
	}
	// Who may is let through: the refusals above were not the forms'.
	b, m := e.login("c1.buyer"), e.login("east")
	b.get("/")
	m.get("/")
	wantCode(t, "buyer edits its draft", b.post(path("oo.draft"), editForm(cur(draft))), http.StatusSeeOther)
	wantCode(t, "sales edit the adjustable order", m.post(path("oo.adj"), editForm(cur(adj))), http.StatusSeeOther)
	state()
	wantCode(t, "buyer submits its draft", b.post(path("oo.draft")+"/submit", url.Values{"version": {cur(draft)}}), http.StatusSeeOther)
	wantCode(t, "buyer checks out", b.post("/online-orders/checkout", checkoutForm("ok-1")), http.StatusSeeOther)
	wantCode(t, "buyer orders", b.post("/online-orders", newForm("ok-2")), http.StatusSeeOther)
	if now := state(); !strings.HasPrefix(now, fmt.Sprintf("orders %d; cart 0;", 7)) {
		t.Errorf("after the allowed posts: %s", now)
	}
}

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := parseUint(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
