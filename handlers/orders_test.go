package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"dealerportal/demo"
	"dealerportal/model"
	"dealerportal/store"
)

// ordersFixture gives each customer C1, C2 (after orderingFixture): a
// submitted online order of its buyer ("oo:C1"), an audited sales order
// ("so:C1", made directly by the admin) and a draft change request of that
// order by the admin ("cr:C1").
func ordersFixture(t *testing.T, e *testEnv) {
	t.Helper()
	admin := e.user("admin")
	for _, code := range []string{"C1", "C2"} {
		cust := e.ids["customer:"+code]
		buyer := e.user(strings.ToLower(code) + ".buyer")
		dsc := store.CustomerScope(cust)
		e.step(buyer, func(tx *store.Tx) error {
			o, err := tx.NewOnlineOrder(dsc, cust)
			if err != nil {
				return err
			}
			if err := tx.SaveOnlineOrder(dsc, o, []store.LineInput{{Code: "P-ALL", Qty: 2000}}, buyer, true); err != nil {
				return err
			}
			e.ids["oo:"+code] = o.ID
			return nil
		})
		e.step(admin, func(tx *store.Tx) error {
			so, err := tx.NewSalesOrder(store.AdminScope(), cust)
			if err != nil {
				return err
			}
			if err := tx.SaveSalesOrder(store.AdminScope(), so, []store.LineInput{{Code: "P-ALL", Qty: 3000}}); err != nil {
				return err
			}
			if so, err = tx.ActOnSalesOrder(store.AdminScope(), so.ID, so.Version, "audit", admin, ""); err != nil {
				return err
			}
			nq := model.Qty(2000)
			cr := &model.ChangeRequest{SalesOrderID: so.ID, Lines: []model.ChangeLine{{Line: 1, NewQty: &nq}}}
			if err := tx.SaveChangeRequest(store.AdminScope(), cr, admin, false); err != nil {
				return err
			}
			e.ids["so:"+code], e.ids["cr:"+code] = so.ID, cr.ID
			return nil
		})
	}
}

// user reads a fixture user by name.
func (e *testEnv) user(name string) *model.User {
	e.t.Helper()
	var u *model.User
	if err := e.st.View(func(tx *store.Tx) (err error) { u, err = tx.UserByID(e.ids["user:"+name]); return err }); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// step runs fn as user by and fails the test on error.
func (e *testEnv) step(by *model.User, fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.st.Update(by.Username, fn); err != nil {
		e.t.Fatal(err)
	}
}

var (
	ordIdemRe    = regexp.MustCompile(`name="_idem" value="([^"]+)"`)
	ordVersionRe = regexp.MustCompile(`name="version" value="(\d+)"`)
	ooLinkRe     = regexp.MustCompile(`^/online-orders/(\d+)$`)
	soLinkRe     = regexp.MustCompile(`^/sales-orders/(\d+)$`)
)

func field(t *testing.T, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in page: %s", re, excerpt(body))
	}
	return m[1]
}

// wantCode fails unless r has status code.
func wantCode(t *testing.T, what string, r resp, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Code, code, excerpt(r.Body))
	}
}

func (e *testEnv) balance(code string) *model.CustomerBalance {
	var b *model.CustomerBalance
	_ = e.st.View(func(tx *store.Tx) (err error) {
		b, err = tx.Balance(store.AdminScope(), e.ids["customer:"+code])
		return err
	})
	return b
}

func (e *testEnv) stock(code string) *model.Stock {
	var s *model.Stock
	_ = e.st.View(func(tx *store.Tx) (err error) { s, err = tx.Stock(e.ids["product:"+code]); return err })
	return s
}

// TestOrderFlowThroughHandlers: a dealer orders from the cart, staff reject
// (reason required), unreject, generate the sales order with an adjusted
// quantity, audit it (stock reserved, open orders moved); the dealer sees
// it, comments, orders again; staff unaudit, audit and close.
func TestOrderFlowThroughHandlers(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	d := e.login("c1.buyer")
	d.get("/catalog")
	wantCode(t, "add to cart", d.post("/catalog/"+e.id("entry:ALL")+"/cart", url.Values{"qty": {"4"}}), http.StatusSeeOther)
	wantCode(t, "add to cart", d.post("/catalog/"+e.id("entry:C1")+"/cart", url.Values{"qty": {"2"}}), http.StatusSeeOther)
	page := d.get("/online-orders/checkout")
	wantCode(t, "checkout", page, http.StatusOK)
	mustRender(t, "/online-orders/checkout", page)
	if !strings.Contains(page.Body, "通用电机") || !strings.Contains(page.Body, "仓库C1") {
		t.Fatalf("checkout page: %s", excerpt(page.Body))
	}
	tok := field(t, ordIdemRe, page.Body)
	r := d.post("/online-orders/checkout", url.Values{"_idem": {tok}, "entry": {e.id("entry:ALL"), e.id("entry:C1")},
		"location": {e.id("location:C1")}, "requested_date": {"2027/12/01"}, "allow_adjust": {"1"}, "action": {"submit"},
		"delivery." + e.id("entry:ALL"): {"2027-12-05"}})
	wantCode(t, "checkout submit", r, http.StatusSeeOther)
	ooURL := r.Header.Get("Location")
	if !ooLinkRe.MatchString(ooURL) {
		t.Fatalf("redirect %q", ooURL)
	}
	view := d.get(ooURL)
	mustRender(t, ooURL, view)
	for _, want := range []string{"OO-", "submitted", "通用电机", "2027-12-05", "2027-12-01", "¥760.00"} {
		if !strings.Contains(view.Body, want) {
			t.Errorf("order page lacks %q", want)
		}
	}
	if b := e.balance("C1"); b.OpenOrders != 76000 {
		t.Fatalf("open orders %v", b.OpenOrders)
	}
	if r := d.get("/cart"); strings.Contains(r.Body, "通用电机") {
		t.Error("ordered lines still in the cart")
	}
	// Staff of the region: reject needs a reason.
	s := e.login("east")
	sv := s.get(ooURL)
	wantCode(t, "staff view", sv, http.StatusOK)
	ver := field(t, ordVersionRe, sv.Body)
	r = s.post(ooURL+"/reject", url.Values{"version": {ver}, "reason": {""}})
	wantCode(t, "reject without reason", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, "reason") && !strings.Contains(r.Body, "原因") {
		t.Errorf("no reason message: %s", excerpt(r.Body))
	}
	wantCode(t, "reject", s.post(ooURL+"/reject", url.Values{"version": {ver}, "reason": {"缺货"}}), http.StatusSeeOther)
	if b := e.balance("C1"); b.OpenOrders != 0 {
		t.Fatalf("rejected still open: %v", b.OpenOrders)
	}
	if r := d.get(ooURL); !strings.Contains(r.Body, "缺货") || strings.Contains(r.Body, "/edit\"") {
		t.Error("dealer does not see the rejection, or may still edit")
	}
	ver = field(t, ordVersionRe, s.get(ooURL).Body)
	wantCode(t, "unreject", s.post(ooURL+"/unreject", url.Values{"version": {ver}}), http.StatusSeeOther)
	// Generate the sales order, adjusting line 1 to 3 units.
	conv := s.get(ooURL + "/convert")
	wantCode(t, "convert form", conv, http.StatusOK)
	mustRender(t, ooURL+"/convert", conv)
	ver = field(t, ordVersionRe, conv.Body)
	r = s.post(ooURL+"/convert", url.Values{"version": {ver}, "qty.1": {"3"}, "price.1": {"95"}})
	wantCode(t, "convert", r, http.StatusSeeOther)
	soURL := r.Header.Get("Location")
	if !soLinkRe.MatchString(soURL) {
		t.Fatalf("convert redirect %q", soURL)
	}
	so := s.get(soURL)
	mustRender(t, soURL, so)
	if !strings.Contains(so.Body, "¥285.00") || !strings.Contains(so.Body, "OO-") {
		t.Errorf("sales order page: %s", excerpt(so.Body))
	}
	if r := d.get(ooURL); !strings.Contains(r.Body, "Sales order generated") {
		t.Error("online order does not show its execution")
	}
	// The dealer does not see the draft sales order.
	wantCode(t, "dealer draft SO", d.get(soURL), http.StatusNotFound)
	ver = field(t, ordVersionRe, so.Body)
	wantCode(t, "audit", s.post(soURL+"/audit", url.Values{"version": {ver}}), http.StatusSeeOther)
	if st := e.stock("ALL"); st.Reserved != 3000 {
		t.Fatalf("reserved %v", st.Reserved)
	}
	if b := e.balance("C1"); b.OpenOrders != 28500+2*18000 {
		t.Fatalf("open orders after audit %v", b.OpenOrders)
	}
	if r := d.get(ooURL); !strings.Contains(r.Body, "Sales order audited") {
		t.Error("execution status not audited")
	}
	// The dealer sees it in the list and on its page, comments, orders again.
	list := d.get("/sales-orders")
	if !strings.Contains(list.Body, soURL) {
		t.Fatalf("dealer list lacks the order: %s", excerpt(list.Body))
	}
	dso := d.get(soURL)
	wantCode(t, "dealer SO", dso, http.StatusOK)
	r = d.post("/comments/SO/"+strings.TrimPrefix(soURL, "/sales-orders/"), url.Values{"text": {"请周五前发货"}, "_idem": {"c1"}})
	wantCode(t, "comment", r, http.StatusSeeOther)
	if r := s.get(soURL); !strings.Contains(r.Body, "请周五前发货") {
		t.Error("staff do not see the comment")
	}
	r = d.post(soURL+"/again", url.Values{"_idem": {field(t, regexp.MustCompile(`name="_idem" value="([^"]+-cart)"`), dso.Body)}})
	wantCode(t, "order again", r, http.StatusSeeOther)
	again := d.get(r.Header.Get("Location"))
	if !strings.Contains(again.Body, "2 lines added to your cart") {
		t.Errorf("order again: %s", excerpt(again.Body))
	}
	// Staff: close releases the rest.
	ver = field(t, ordVersionRe, s.get(soURL).Body)
	wantCode(t, "close", s.post(soURL+"/close", url.Values{"version": {ver}}), http.StatusSeeOther)
	if st := e.stock("ALL"); st.Reserved != 0 {
		t.Fatalf("reserved after close %v", st.Reserved)
	}
	if b := e.balance("C1"); b.OpenOrders != 0 {
		t.Fatalf("open orders after close %v", b.OpenOrders)
	}
	if r := d.get(ooURL); !strings.Contains(r.Body, "Sales order closed") {
		t.Error("execution status not closed")
	}
}

// TestOnlineOrderFormsAndStock: direct entry with stock query, field
// errors at the line, unpublished products refused, HTMX look-up.
func TestOnlineOrderFormsAndStock(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	d := e.login("c1.buyer")
	form := d.get("/online-orders/new")
	wantCode(t, "new", form, http.StatusOK)
	mustRender(t, "/online-orders/new", form)
	tok := field(t, ordIdemRe, form.Body)
	base := url.Values{"_idem": {tok}, "location": {e.id("location:C1")}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	// Check stock: no order, the line shows name, price, stock level.
	r := d.post("/online-orders", with("line.0.code", "P-C1", "line.0.qty", "2", "action", "check"))
	wantCode(t, "check", r, http.StatusOK)
	if !strings.Contains(r.Body, "一号专供电机") || !strings.Contains(r.Body, "¥180.00") || !strings.Contains(r.Body, "In stock") {
		t.Errorf("stock query: %s", excerpt(r.Body))
	}
	// An unpublished product and a wrong multiple, at their lines.
	r = d.post("/online-orders", with("line.0.code", "P-C2", "line.0.qty", "1", "line.1.code", "P-MULT", "line.1.qty", "5", "action", "save"))
	wantCode(t, "bad lines", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, "P-C2: not a product published to you") || !strings.Contains(r.Body, "6") {
		t.Errorf("line errors: %s", excerpt(r.Body))
	}
	// HTMX look-up of one row.
	r = d.get("/online-orders/lookup?i=0&line.0.code=P-ALL&line.0.qty=2", "HX-Request", "true")
	wantCode(t, "lookup", r, http.StatusOK)
	if !strings.Contains(r.Body, "通用电机") || !strings.Contains(r.Body, "¥200.00") || strings.Contains(r.Body, "<html") {
		t.Errorf("lookup: %s", r.Body)
	}
	if r := d.get("/online-orders/lookup?i=0&line.0.code=P-C2"); !strings.Contains(r.Body, "not a product published") {
		t.Errorf("lookup leaks an unpublished product: %s", r.Body)
	}
	// Save a draft, edit it, submit from its page.
	r = d.post("/online-orders", with("line.0.code", "P-ALL", "line.0.qty", "1", "action", "save"))
	wantCode(t, "save", r, http.StatusSeeOther)
	url1 := r.Header.Get("Location")
	edit := d.get(url1 + "/edit")
	wantCode(t, "edit", edit, http.StatusOK)
	mustRender(t, url1+"/edit", edit)
	ver := field(t, ordVersionRe, edit.Body)
	wantCode(t, "update", d.post(url1, url.Values{"version": {ver}, "location": {e.id("location:C1")}, "line.0.code": {"P-ALL"}, "line.0.qty": {"2"}, "action": {"save"}}), http.StatusSeeOther)
	page := d.get(url1)
	ver = field(t, ordVersionRe, page.Body)
	tokAct := field(t, ordIdemRe, page.Body)
	wantCode(t, "submit", d.post(url1+"/submit", url.Values{"version": {ver}, "_idem": {tokAct}}), http.StatusSeeOther)
	// A retried submit with the same token is answered like the first.
	wantCode(t, "retried submit", d.post(url1+"/submit", url.Values{"version": {ver}, "_idem": {tokAct}}), http.StatusSeeOther)
	// Without the token, a second submit is refused with the state message.
	r = d.post(url1+"/submit", url.Values{"version": {ver}})
	if r.Code != http.StatusConflict {
		t.Fatalf("second submit: %d", r.Code)
	}
	if b := e.balance("C1"); b.OpenOrders != 20000 {
		t.Fatalf("open orders %v", b.OpenOrders)
	}
	// Staff cannot enter online orders.
	s := e.login("east")
	wantCode(t, "staff new", s.get("/online-orders/new"), http.StatusNotFound)
}

// TestSameOrderPostedTenTimesConcurrently: the order form and the cart's
// checkout form, each posted ten times at once (a double click, retries),
// make one order and answer every post with its page: the lines are
// prepared outside the group commit, and the form token's replay check (and
// the cart lines' removal) happen in it.
func TestSameOrderPostedTenTimesConcurrently(t *testing.T) {
	for _, c := range []struct {
		name, path string
		// form fills the posted form in after the client's first steps.
		form func(t *testing.T, e *testEnv, d *client) url.Values
		// after checks what else the post changed.
		after func(t *testing.T, d *client)
	}{
		{"order form", "/online-orders", func(t *testing.T, e *testEnv, d *client) url.Values {
			page := d.get("/online-orders/new")
			return url.Values{"_idem": {field(t, ordIdemRe, page.Body)}, "location": {e.id("location:C1")},
				"line.0.code": {"P-ALL"}, "line.0.qty": {"3"}, "action": {"submit"}}
		}, nil},
		{"checkout", "/online-orders/checkout", func(t *testing.T, e *testEnv, d *client) url.Values {
			d.get("/catalog")
			wantCode(t, "add to cart", d.post("/catalog/"+e.id("entry:ALL")+"/cart", url.Values{"qty": {"3"}}), http.StatusSeeOther)
			page := d.get("/online-orders/checkout")
			return url.Values{"_idem": {field(t, ordIdemRe, page.Body)}, "entry": {e.id("entry:ALL")},
				"location": {e.id("location:C1")}, "action": {"submit"}}
		}, func(t *testing.T, d *client) {
			if r := d.get("/cart"); strings.Contains(r.Body, "通用电机") {
				t.Error("ordered line still in the cart")
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEnv(t)
			orderingFixture(t, e)
			d := e.login("c1.buyer")
			form := c.form(t, e, d)
			form.Set("_csrf", d.csrf)
			codes, locs := d.postMany(10, c.path, form)
			for i := range codes {
				if codes[i] != http.StatusSeeOther || locs[i] != locs[0] || !ooLinkRe.MatchString(locs[i]) {
					t.Fatalf("post %d: %d %q (first %q)", i, codes[i], locs[i], locs[0])
				}
			}
			_ = e.st.View(func(tx *store.Tx) error {
				if n := tx.CountDocs(store.AdminScope(), model.DocOnlineOrder); n != 1 {
					t.Fatalf("%d orders from one form", n)
				}
				return nil
			})
			if b := e.balance("C1"); b.OpenOrders != 30000 {
				t.Fatalf("open orders %v", b.OpenOrders)
			}
			if c.after != nil {
				c.after(t, d)
			}
		})
	}
}

// TestTwoUsersEditOneOrder: two users of the customer edit the same order
// (it allows adjustment): the first save wins, the second gets a conflict
// naming who changed it.
func TestTwoUsersEditOneOrder(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	buyer, boss := e.login("c1.buyer"), e.login("c1.manager")
	form := buyer.get("/online-orders/new")
	r := buyer.post("/online-orders", url.Values{"_idem": {field(t, ordIdemRe, form.Body)}, "location": {e.id("location:C1")},
		"allow_adjust": {"1"}, "line.0.code": {"P-ALL"}, "line.0.qty": {"1"}, "action": {"save"}})
	wantCode(t, "create", r, http.StatusSeeOther)
	u := r.Header.Get("Location")
	f1, f2 := buyer.get(u+"/edit"), boss.get(u+"/edit")
	wantCode(t, "boss edit form", f2, http.StatusOK)
	v1, v2 := field(t, ordVersionRe, f1.Body), field(t, ordVersionRe, f2.Body)
	post := func(c *client, v, q string) resp {
		return c.post(u, url.Values{"version": {v}, "location": {e.id("location:C1")}, "allow_adjust": {"1"}, "line.0.code": {"P-ALL"}, "line.0.qty": {q}, "action": {"save"}})
	}
	wantCode(t, "boss saves", post(boss, v2, "5"), http.StatusSeeOther)
	r = post(buyer, v1, "7")
	wantCode(t, "buyer saves stale", r, http.StatusConflict)
	if !strings.Contains(r.Body, "c1.manager") {
		t.Errorf("conflict does not say who: %s", excerpt(r.Body))
	}
	if p := buyer.get(u); !strings.Contains(p.Body, "¥500.00") {
		t.Error("the winner's change was lost")
	}
	// Without allow adjustment the colleague may not edit.
	r = buyer.post("/online-orders", url.Values{"_idem": {"other"}, "location": {e.id("location:C1")}, "line.0.code": {"P-ALL"}, "line.0.qty": {"1"}, "action": {"save"}})
	u2 := r.Header.Get("Location")
	if r := boss.get(u2 + "/edit"); r.Code != http.StatusConflict {
		t.Errorf("colleague edits a non-adjustable order: %d", r.Code)
	}
}

// TestCreditCheckThroughHandlers: flag mode submits on credit hold (staff
// cannot convert until approved by credit.approve), block mode refuses the
// dealer with the figures.
func TestCreditCheckThroughHandlers(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	d := e.login("c1.buyer")
	order := func(q string) resp {
		f := d.get("/online-orders/new")
		return d.post("/online-orders", url.Values{"_idem": {field(t, ordIdemRe, f.Body)}, "location": {e.id("location:C1")},
			"line.0.code": {"P-ALL"}, "line.0.qty": {q}, "action": {"submit"}})
	}
	// Limit ¥1,000: ¥1,200 goes on hold.
	r := order("12")
	wantCode(t, "flagged submit", r, http.StatusSeeOther)
	u := r.Header.Get("Location")
	if p := d.get(u); !strings.Contains(p.Body, `id="credit-hold"`) {
		t.Fatalf("no credit hold shown: %s", excerpt(p.Body))
	}
	s := e.login("east")
	sv := s.get(u)
	if strings.Contains(sv.Body, "/release_credit") {
		t.Error("sales may approve credit")
	}
	r = s.post(u+"/convert", url.Values{"version": {field(t, ordVersionRe, sv.Body)}})
	wantCode(t, "convert on hold", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, "credit hold") {
		t.Errorf("convert message: %s", excerpt(r.Body))
	}
	a := e.login("admin")
	av := a.get(u)
	wantCode(t, "approve", a.post(u+"/release_credit", url.Values{"version": {field(t, ordVersionRe, av.Body)}}), http.StatusSeeOther)
	sv = s.get(u)
	wantCode(t, "convert approved", s.post(u+"/convert", url.Values{"version": {field(t, ordVersionRe, sv.Body)}}), http.StatusSeeOther)
	// Block mode: set by the admin in the ordering settings.
	set := a.get("/settings/ordering")
	wantCode(t, "settings", a.post("/settings/ordering", url.Values{"version": {field(t, ordVersionRe, set.Body)}, "stock_display": {"level"},
		"low_stock": {"10"}, "credit_block": {"1"}}), http.StatusSeeOther)
	r = order("12")
	wantCode(t, "blocked submit", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, "would exceed your credit limit of ¥1,000.00") {
		t.Errorf("block message: %s", excerpt(r.Body))
	}
	d.lang = "zh"
	d.cookies["lang"] = "zh"
	d.post("/lang", url.Values{"lang": {"zh"}})
	if r := order("12"); !strings.Contains(r.Body, "超出您的信用额度") {
		t.Errorf("block message in Chinese: %s", excerpt(r.Body))
	}
	// Within the limit it passes.
	wantCode(t, "small order", order("1"), http.StatusSeeOther)
}

// TestOrderActionsByRole: the document actions through the handlers, each
// from the status it needs and from one it does not, as each role.
func TestOrderActionsByRole(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	ordersFixture(t, e)
	oo, so, cr := "/online-orders/"+e.id("oo:C1"), "/sales-orders/"+e.id("so:C1"), "/change-requests/"+e.id("cr:C1")
	act := func(user, path, action string, extra ...string) resp {
		c := e.login(user)
		page := c.get(path)
		v := url.Values{"reason": {"a reason"}}
		if m := ordVersionRe.FindStringSubmatch(page.Body); m != nil {
			v.Set("version", m[1])
		}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return c.post(path+"/"+action, v)
	}
	cases := []struct {
		user, path, action string
		want               int
	}{
		// Online order (submitted).
		{"c1.buyer", oo, "submit", http.StatusConflict},      // not from submitted
		{"c1.buyer", oo, "reject", http.StatusForbidden},     // dealers do not reject
		{"viewer", oo, "reject", http.StatusForbidden},       // read only
		{"east", oo, "unreject", http.StatusConflict},        // not rejected
		{"east", oo, "release_credit", http.StatusForbidden}, // sales do not approve credit
		{"admin", oo, "release_credit", http.StatusConflict}, // not on hold
		{"east", oo, "reject", http.StatusSeeOther},
		{"c1.buyer", oo, "submit", http.StatusConflict}, // rejected
		{"east", oo, "reject", http.StatusConflict},     // already rejected
		{"east", oo, "unreject", http.StatusSeeOther},
		// Sales order (audited, one open change request downstream).
		{"c1.buyer", so, "close", http.StatusForbidden},
		{"viewer", so, "close", http.StatusForbidden},
		{"east", so, "audit", http.StatusConflict},
		{"east", so, "void", http.StatusConflict},
		{"east", so, "unaudit", http.StatusUnprocessableEntity}, // the change request is downstream
		// Change request (draft by admin).
		{"c1.buyer", cr, "submit", http.StatusForbidden}, // not its creator
		{"east", cr, "make_effective", http.StatusConflict},
		{"admin", cr, "submit", http.StatusSeeOther},
		{"c1.buyer", cr, "make_effective", http.StatusForbidden},
		{"viewer", cr, "reject", http.StatusForbidden},
		{"east", cr, "reject", http.StatusSeeOther},
		{"east", cr, "make_effective", http.StatusConflict}, // rejected
		// With the request ended, the order can be unaudited, then voided.
		{"east", so, "unaudit", http.StatusSeeOther},
		{"east", so, "close", http.StatusConflict},
		{"east", so, "void", http.StatusSeeOther},
		{"east", so, "audit", http.StatusConflict},
		{"c1.buyer", so, "audit", http.StatusNotFound}, // a void order is not shown to dealers
	}
	for _, tc := range cases {
		r := act(tc.user, tc.path, tc.action)
		if r.Code != tc.want {
			t.Errorf("%s %s/%s: %d, want %d: %s", tc.user, tc.path, tc.action, r.Code, tc.want, excerpt(r.Body))
		}
		if tc.want == http.StatusConflict && !strings.Contains(r.Body, "not possible while") {
			t.Errorf("%s %s/%s: no state message", tc.user, tc.path, tc.action)
		}
	}
}

// TestChangeRequestThroughHandlers: a dealer asks for a change of an
// audited order; a quantity below what shipped is refused at the line;
// staff make it effective and the order shows the new values and the
// history.
func TestChangeRequestThroughHandlers(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	ordersFixture(t, e)
	soURL := "/sales-orders/" + e.id("so:C1")
	d := e.login("c1.buyer")
	form := d.get(soURL + "/change-requests/new")
	wantCode(t, "change form", form, http.StatusOK)
	mustRender(t, "change form", form)
	tok := field(t, ordIdemRe, form.Body)
	r := d.post(soURL+"/change-requests", url.Values{"_idem": {tok}, "line.0.on": {"1"}, "action": {"submit"}})
	wantCode(t, "nothing to change", r, http.StatusUnprocessableEntity)
	r = d.post(soURL+"/change-requests", url.Values{"_idem": {tok}, "line.0.on": {"1"}, "line.0.new_qty": {"5"},
		"line.0.new_delivery": {"2027-12-24"}, "reason": {"项目延期"}, "action": {"submit"}})
	wantCode(t, "submit change", r, http.StatusSeeOther)
	crURL := r.Header.Get("Location")
	s := e.login("east")
	page := s.get(crURL)
	mustRender(t, crURL, page)
	reserved := e.stock("ALL").Reserved
	wantCode(t, "effective", s.post(crURL+"/make_effective", url.Values{"version": {field(t, ordVersionRe, page.Body)}}), http.StatusSeeOther)
	if got := e.stock("ALL").Reserved; got != reserved+2000 {
		t.Fatalf("reserved %v → %v", reserved, got)
	}
	so := d.get(soURL)
	for _, want := range []string{"2027-12-24", "was 3 at ¥100.00"} {
		if !strings.Contains(so.Body, want) {
			t.Errorf("order after change lacks %q", want)
		}
	}
	if p := d.get(crURL); !strings.Contains(p.Body, "effective") {
		t.Error("request not effective")
	}
}

// TestOrderPDF: the sales order's PDF carries the Chinese and the Latin
// text in both languages; the print view renders.
func TestOrderPDF(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	ordersFixture(t, e)
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext missing")
		}
		t.Skip("pdftotext not installed")
	}
	for _, lang := range []string{"en", "zh"} {
		for _, path := range []string{"/sales-orders/" + e.id("so:C1"), "/online-orders/" + e.id("oo:C1")} {
			c := e.login("c1.buyer")
			c.cookies["lang"] = lang
			c.get("/")
			c.post("/lang", url.Values{"lang": {lang}})
			pr := c.get(path + "/print")
			wantCode(t, "print", pr, http.StatusOK)
			mustRender(t, path+"/print", pr)
			res := c.get(path + "/pdf")
			wantCode(t, "pdf", res, http.StatusOK)
			if res.Header.Get("Content-Type") != "application/pdf" {
				t.Fatalf("content type %q", res.Header.Get("Content-Type"))
			}
			cmd := exec.Command(bin, "-layout", "-enc", "UTF-8", "-", "-")
			cmd.Stdin = bytes.NewReader([]byte(res.Body))
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			text := string(out)
			want := []string{"客户C1", "通用电机", "P-ALL", "1/1"}
			if strings.Contains(path, "sales") {
				want = append(want, "SO-")
			} else {
				want = append(want, "OO-")
			}
			switch {
			case lang == "zh":
				want = append(want, "价税合计", "数量")
			case strings.Contains(path, "sales"):
				want = append(want, "Sales order", "Qty", "Tax")
			default:
				want = append(want, "Online order", "Qty", "Tax")
			}
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("%s %s PDF lacks %q:\n%s", lang, path, w, text)
				}
			}
		}
	}
}

// TestOrderPagesRender renders every order page as each role that sees it,
// in both languages, whole and as an HTMX fragment.
func TestOrderPagesRender(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	ordersFixture(t, e)
	oo, so, cr := "/online-orders/"+e.id("oo:C1"), "/sales-orders/"+e.id("so:C1"), "/change-requests/"+e.id("cr:C1")
	pages := map[string][]string{
		"admin":      {"/", "/online-orders", "/online-orders?status=submitted&flag=hold&customer=C1", oo, oo + "/convert", "/sales-orders", "/sales-orders?after=99&page=2", "/sales-orders/new", "/sales-orders/new?customer=C1", so, so + "/change-requests/new", "/change-requests", cr, cr + "/edit", "/settings/ordering"},
		"viewer":     {"/", "/online-orders", oo, "/sales-orders", so, "/change-requests", cr},
		"c1.buyer":   {"/", "/online-orders", "/online-orders/new", "/online-orders/checkout", oo, oo + "/edit", "/sales-orders", so, so + "/change-requests/new", "/change-requests", cr, "/cart"},
		"c1.manager": {"/online-orders", oo, so},
	}
	for user, paths := range pages {
		for _, lang := range Languages {
			c := e.login(user)
			c.cookies["lang"] = lang
			c.get("/")
			c.post("/lang", url.Values{"lang": {lang}})
			for _, p := range paths {
				for _, hx := range []bool{false, true} {
					var r resp
					if hx {
						r = c.get(p, "HX-Request", "true")
					} else {
						r = c.get(p)
					}
					if r.Code != http.StatusOK {
						t.Errorf("%s %s %s hx=%v: %d %s", user, lang, p, hx, r.Code, excerpt(r.Body))
						continue
					}
					mustRender(t, p, r)
				}
			}
		}
	}
	// Exports of the lists.
	c := e.login("admin")
	for _, p := range []string{"/online-orders?export=csv", "/sales-orders?export=xlsx", "/change-requests?export=csv"} {
		if r := c.get(p); r.Code != http.StatusOK || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s: %d", p, r.Code)
		}
	}
	if r := c.get("/online-orders?export=csv"); !strings.Contains(r.Body, "OO-") || !strings.Contains(r.Body, "客户C1") {
		t.Errorf("csv export: %s", r.Body)
	}
	// Dealers never list another customer's documents.
	d := e.login("c1.buyer")
	for _, p := range []string{"/online-orders", "/sales-orders", "/change-requests"} {
		if r := d.get(p); strings.Contains(r.Body, "客户C2") || strings.Contains(r.Body, fmt.Sprintf(">%s<", "C2")) {
			t.Errorf("%s shows C2", p)
		}
	}
}

// TestDocListKeysetPaging: "next" links continue after the last row.
func TestDocListKeysetPaging(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	buyer := e.user("c1.buyer")
	sc := store.CustomerScope(e.ids["customer:C1"])
	for i := range 25 {
		e.step(buyer, func(tx *store.Tx) error {
			o, _ := tx.NewOnlineOrder(sc, e.ids["customer:C1"])
			return tx.SaveOnlineOrder(sc, o, []store.LineInput{{Code: "P-ALL", Qty: model.Qty(1000 * (i + 1))}}, buyer, false)
		})
	}
	d := e.login("c1.buyer")
	p1 := d.get("/online-orders?size=10")
	next := regexp.MustCompile(`href="([^"]*after=\d+[^"]*)" hx-push-url="true" rel="next"`).FindStringSubmatch(p1.Body)
	if next == nil {
		t.Fatalf("no keyset next link: %s", excerpt(p1.Body))
	}
	p2 := d.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if !strings.Contains(p2.Body, "OO-2026-000015") || strings.Contains(p2.Body, "OO-2026-000016") || !strings.Contains(p2.Body, "11–20 of 25") {
		t.Errorf("page 2: %s", excerpt(p2.Body))
	}
}

// TestCommentNotifiesOtherSide: a dealer's comment reaches the customer's
// salesperson, not the dealer's colleagues; a staff comment reaches the
// customer's users, not the salesperson.
func TestCommentNotifiesOtherSide(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	ordersFixture(t, e)
	e.step(e.user("admin"), func(tx *store.Tx) error {
		_, err := tx.AddMissingTemplates(demo.DefaultTemplates())
		return err
	})
	deliver(t, e)
	inbox := func(user string) int {
		var n int
		_ = e.st.View(func(tx *store.Tx) error {
			msgs, _, _ := tx.Inbox(e.ids["user:"+user], false, store.Page{})
			for _, m := range msgs {
				if m.Event == model.EventCommentAdded {
					n++
				}
			}
			return nil
		})
		return n
	}
	oo := "/online-orders/" + e.id("oo:C1")
	d := e.login("c1.buyer")
	d.get(oo)
	wantCode(t, "dealer comment", d.post("/comments/OO/"+e.id("oo:C1"), url.Values{"text": {"什么时候发货？"}}), http.StatusSeeOther)
	deliver(t, e)
	if inbox("own") != 1 || inbox("c1.manager") != 0 || inbox("c1.buyer") != 0 {
		t.Fatalf("dealer comment: own %d, c1.manager %d, c1.buyer %d", inbox("own"), inbox("c1.manager"), inbox("c1.buyer"))
	}
	s := e.login("east")
	page := s.get(oo)
	if !strings.Contains(page.Body, "什么时候发货？") {
		t.Fatal("staff do not see the comment")
	}
	wantCode(t, "staff comment", s.post("/comments/OO/"+e.id("oo:C1"), url.Values{"text": {"明天"}}), http.StatusSeeOther)
	deliver(t, e)
	if inbox("own") != 1 || inbox("c1.manager") != 1 || inbox("c1.buyer") != 1 {
		t.Fatalf("staff comment: own %d, c1.manager %d, c1.buyer %d", inbox("own"), inbox("c1.manager"), inbox("c1.buyer"))
	}
	// An empty comment is refused and nothing is sent; another customer's
	// dealer cannot comment.
	d.post("/comments/OO/"+e.id("oo:C1"), url.Values{"text": {"  "}})
	o := e.login("c2.buyer")
	o.get("/")
	wantCode(t, "foreign comment", o.post("/comments/OO/"+e.id("oo:C1"), url.Values{"text": {"x"}}), http.StatusNotFound)
	wantCode(t, "unknown kind", o.post("/comments/XX/1", url.Values{"text": {"x"}}), http.StatusNotFound)
}
