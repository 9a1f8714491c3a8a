package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// shippingFixture gives each customer C1, C2 a whole chain, made through
// the store functions as the pages would: its buyer orders 5 × P-ALL
// (published to everyone by orderingFixture, which must run first) and
// submits; admin generates and audits the sales order, issues a delivery
// notice of 2 and ships it; the buyer returns 1 (submitted); admin issues a
// return notice of 1 more. Ids: "ship.oo:C1", "ship.so:C1", "ship.dn:C1",
// "ship.ob:C1", "ship.rt:C1", "ship.rn:C1".
func shippingFixture(t *testing.T, e *testEnv) {
	t.Helper()
	user := func(name string) *model.User {
		var u *model.User
		_ = e.st.View(func(tx *store.Tx) (err error) { u, err = tx.UserByID(e.ids["user:"+name]); return err })
		return u
	}
	admin := user("admin")
	step := func(by *model.User, fn func(tx *store.Tx) error) {
		t.Helper()
		if err := e.st.Update(by.Username, fn); err != nil {
			t.Fatal(err)
		}
	}
	for _, code := range []string{"C1", "C2"} {
		cust := e.ids["customer:"+code]
		buyer := user(strings.ToLower(code) + ".buyer")
		dsc := store.CustomerScope(cust)
		var oo *model.OnlineOrder
		var so *model.SalesOrder
		step(buyer, func(tx *store.Tx) (err error) {
			if oo, err = tx.NewOnlineOrder(dsc, cust); err != nil {
				return err
			}
			return tx.SaveOnlineOrder(dsc, oo, []store.LineInput{{Code: "P-ALL", Qty: 5000}}, buyer, true)
		})
		step(admin, func(tx *store.Tx) (err error) {
			if so, err = tx.ConvertOnlineOrder(store.AdminScope(), oo.ID, oo.Version, admin, nil); err != nil {
				return err
			}
			if so, err = tx.ActOnSalesOrder(store.AdminScope(), so.ID, so.Version, "audit", admin, ""); err != nil {
				return err
			}
			dn, err := tx.CreateDeliveryNotice(store.AdminScope(), admin, &store.DeliveryNoticeInput{SalesOrderID: so.ID, ShipDate: "2026-03-16",
				Carrier: "顺丰速运", TrackingNo: "SF" + code, Qty: map[int]model.Qty{1: 2000}})
			if err != nil {
				return err
			}
			ob, err := tx.PostOutbound(store.AdminScope(), admin, &store.OutboundInput{DeliveryNoticeID: dn.ID, PostDate: "2026-03-16", Qty: map[int]model.Qty{1: 2000}})
			if err != nil {
				return err
			}
			e.ids["ship.dn:"+code], e.ids["ship.ob:"+code] = dn.ID, ob.ID
			return nil
		})
		step(buyer, func(tx *store.Tx) error {
			r, err := tx.CreateOnlineReturn(dsc, buyer, &store.ReturnInput{SalesOrderID: so.ID, Date: "2026-03-17", Reason: "包装破损", Qty: map[int]model.Qty{1: 1000}}, true)
			if err == nil {
				e.ids["ship.rt:"+code] = r.ID
			}
			return err
		})
		step(admin, func(tx *store.Tx) error {
			rn, err := tx.CreateReturnNotice(store.AdminScope(), admin, &store.ReturnInput{SalesOrderID: so.ID, Date: "2026-03-17", Reason: "质量问题", Qty: map[int]model.Qty{1: 1000}})
			if err == nil {
				e.ids["ship.rn:"+code] = rn.ID
			}
			return err
		})
		e.ids["ship.oo:"+code], e.ids["ship.so:"+code] = oo.ID, so.ID
	}
}

// salesOrderOf reads a sales order (admin scope).
func (e *testEnv) salesOrderOf(id uint64) *model.SalesOrder {
	e.t.Helper()
	var so *model.SalesOrder
	if err := e.st.View(func(tx *store.Tx) (err error) { so, err = tx.SalesOrder(store.AdminScope(), id); return err }); err != nil {
		e.t.Fatal(err)
	}
	return so
}

func (e *testEnv) stockOf(productID uint64) *model.Stock {
	e.t.Helper()
	var s *model.Stock
	if err := e.st.View(func(tx *store.Tx) (err error) { s, err = tx.Stock(productID); return err }); err != nil {
		e.t.Fatal(err)
	}
	return s
}

var idemRe = regexp.MustCompile(`name="_idem" value="([^"]+)"`)
var versionRe = regexp.MustCompile(`name="version" value="(\d+)"`)

func formValue(re *regexp.Regexp, body string) string {
	if m := re.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// wantStatus fails unless r has status code.
func wantStatus(t *testing.T, what string, r resp, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Code, code, excerpt(r.Body))
	}
}

// TestShippingPages walks the chain through the pages as staff and dealer:
// bad input is refused at the field (422) and changes nothing, a doubled
// post makes one document, and every figure lands where it should.
func TestShippingPages(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	shippingFixture(t, e)
	soID := e.ids["ship.so:C1"]
	so := e.id("ship.so:C1")
	pid := e.ids["product:ALL"]
	staff := e.login("east")
	dealer := e.login("c1.buyer")

	// A notice for more than is unscheduled (5 − 2 noticed = 3).
	r := staff.get("/delivery-notices/new?so=" + so)
	wantStatus(t, "new notice", r, http.StatusOK)
	mustRender(t, "notice form", r)
	tok := formValue(idemRe, r.Body)
	before := e.salesOrderOf(soID)
	r = staff.post("/delivery-notices", url.Values{"so": {so}, "_idem": {tok}, "date": {"2026-03-18"}, "qty.1": {"4"}})
	wantStatus(t, "over-noticed", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, `id="e-qty.1"`) || !strings.Contains(r.Body, "At most 3") {
		t.Fatalf("error not at the line: %s", excerpt(r.Body))
	}
	for _, bad := range []url.Values{{"qty.1": {"-1"}}, {"qty.1": {"1.2345"}}, {"qty.1": {"abc"}}, {"qty.1": {"0"}}, {"qty.1": {"1"}, "date": {"soon"}}} {
		bad.Set("so", so)
		bad.Set("_idem", tok)
		if bad.Get("date") == "" {
			bad.Set("date", "2026-03-18")
		}
		r = staff.post("/delivery-notices", bad)
		wantStatus(t, "bad notice "+bad.Encode(), r, http.StatusUnprocessableEntity)
	}
	if after := e.salesOrderOf(soID); after.Version != before.Version || after.Lines[0].NoticedQty != 2000 {
		t.Fatalf("refused notices changed the order: v%d→v%d noticed %v", before.Version, after.Version, after.Lines[0].NoticedQty)
	}
	// The same form posted twice: one notice.
	good := url.Values{"so": {so}, "_idem": {tok}, "date": {"2026-03-18"}, "carrier": {"德邦物流"}, "tracking_no": {"DB778899"}, "qty.1": {"3"}}
	r1 := staff.post("/delivery-notices", good)
	r2 := staff.post("/delivery-notices", good)
	wantStatus(t, "notice", r1, http.StatusSeeOther)
	if r1.Header.Get("Location") != r2.Header.Get("Location") {
		t.Fatalf("double post: %s vs %s", r1.Header.Get("Location"), r2.Header.Get("Location"))
	}
	dnURL := r1.Header.Get("Location")
	if got := e.salesOrderOf(soID).Lines[0]; got.NoticedQty != 5000 || got.NoticeOpenQty != 3000 {
		t.Fatalf("noticed %v open %v", got.NoticedQty, got.NoticeOpenQty)
	}
	// The dealer sees it with its tracking number, but may not close it.
	r = dealer.get(dnURL)
	wantStatus(t, "dealer notice", r, http.StatusOK)
	if !strings.Contains(r.Body, "DB778899") || strings.Contains(r.Body, "/close") {
		t.Fatalf("dealer notice page: %s", excerpt(r.Body))
	}
	dnID := strings.TrimPrefix(dnURL, "/delivery-notices/")
	version := formValue(versionRe, staff.get(dnURL).Body)
	wantStatus(t, "dealer closes", dealer.post(dnURL+"/close", url.Values{"version": {version}}), http.StatusForbidden)

	// Outbound from the notice: more than its rest is refused, then 3 ship.
	stock := e.stockOf(pid)
	r = staff.get("/outbounds/new?dn=" + dnID)
	wantStatus(t, "new outbound", r, http.StatusOK)
	tok = formValue(idemRe, r.Body)
	r = staff.post("/outbounds", url.Values{"dn": {dnID}, "_idem": {tok}, "date": {"2026-03-18"}, "qty.1": {"3.001"}})
	wantStatus(t, "over-shipped", r, http.StatusUnprocessableEntity)
	if s := e.stockOf(pid); s.OnHand != stock.OnHand || s.Reserved != stock.Reserved {
		t.Fatalf("refused outbound moved stock")
	}
	r = staff.post("/outbounds", url.Values{"dn": {dnID}, "_idem": {tok}, "date": {"2026-03-18"}, "qty.1": {"3"}})
	wantStatus(t, "outbound", r, http.StatusSeeOther)
	obURL := r.Header.Get("Location")
	if s := e.stockOf(pid); s.OnHand != stock.OnHand-3000 || s.Reserved != stock.Reserved-3000 {
		t.Fatalf("stock after outbound %+v (before %+v)", s, stock)
	}
	if got := e.salesOrderOf(soID); got.Status != model.StatusClosed || got.Lines[0].ShippedQty != 5000 {
		t.Fatalf("order after full shipment: %s shipped %v", got.Status, got.Lines[0].ShippedQty)
	}
	// Receipt: a problem needs a note; the dealer's confirmation shows.
	r = dealer.get(dnURL)
	if !strings.Contains(r.Body, `id="receipt-form"`) {
		t.Fatalf("no receipt form: %s", excerpt(r.Body))
	}
	version = formValue(versionRe, r.Body)
	r = dealer.post(dnURL+"/confirm_receipt", url.Values{"version": {version}, "problems": {"1"}})
	wantStatus(t, "receipt without note", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, "Describe the shortage") {
		t.Fatal("receipt note error not shown")
	}
	wantStatus(t, "receipt", dealer.post(dnURL+"/confirm_receipt", url.Values{"version": {version}, "problems": {"1"}, "note": {"一箱外包装破损"}}), http.StatusSeeOther)
	r = dealer.get(dnURL)
	if !strings.Contains(r.Body, "一箱外包装破损") || !strings.Contains(r.Body, "received") {
		t.Fatalf("receipt not shown: %s", excerpt(r.Body))
	}
	wantStatus(t, "outbound page", dealer.get(obURL), http.StatusOK)

	// Returns: over-returning is refused at the line. Shipped 5, already
	// claimed 1 (return) + 1 (return notice): 3 returnable.
	r = dealer.get("/returns/new?so=" + so)
	wantStatus(t, "new return", r, http.StatusOK)
	tok = formValue(idemRe, r.Body)
	r = dealer.post("/returns", url.Values{"so": {so}, "_idem": {tok}, "date": {"2026-03-19"}, "reason": {"多发了"}, "qty.1": {"4"}, "submit": {"1"}})
	wantStatus(t, "over-returned", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, "At most 3") {
		t.Fatalf("returnable not shown: %s", excerpt(r.Body))
	}
	r = dealer.post("/returns", url.Values{"so": {so}, "_idem": {tok}, "date": {"2026-03-19"}, "reason": {""}, "qty.1": {"2"}})
	wantStatus(t, "return without reason", r, http.StatusUnprocessableEntity)
	r = dealer.post("/returns", url.Values{"so": {so}, "_idem": {tok}, "date": {"2026-03-19"}, "reason": {"多发了"}, "qty.1": {"2"}, "submit": {"1"}})
	wantStatus(t, "return", r, http.StatusSeeOther)
	rtURL := r.Header.Get("Location")
	// Staff generate the return notice and receive the goods.
	r = staff.get(rtURL)
	version = formValue(versionRe, r.Body)
	wantStatus(t, "dealer converts", dealer.post(rtURL+"/convert", url.Values{"version": {version}}), http.StatusForbidden)
	r = staff.post(rtURL+"/reject", url.Values{"version": {version}, "reason": {""}})
	wantStatus(t, "reject without reason", r, http.StatusUnprocessableEntity)
	r = staff.post(rtURL+"/convert", url.Values{"version": {version}})
	wantStatus(t, "convert", r, http.StatusSeeOther)
	rnURL := r.Header.Get("Location")
	if !strings.HasPrefix(rnURL, "/return-notices/") {
		t.Fatalf("convert went to %s", rnURL)
	}
	rnID := strings.TrimPrefix(rnURL, "/return-notices/")
	r = staff.get("/outbounds/new?rn=" + rnID)
	wantStatus(t, "new red", r, http.StatusOK)
	tok = formValue(idemRe, r.Body)
	stock = e.stockOf(pid)
	wantStatus(t, "red too many", staff.post("/outbounds", url.Values{"rn": {rnID}, "_idem": {tok}, "date": {"2026-03-20"}, "qty.1": {"3"}}), http.StatusUnprocessableEntity)
	r = staff.post("/outbounds", url.Values{"rn": {rnID}, "_idem": {tok}, "date": {"2026-03-20"}, "qty.1": {"2"}})
	wantStatus(t, "red", r, http.StatusSeeOther)
	if s := e.stockOf(pid); s.OnHand != stock.OnHand+2000 || s.Reserved != stock.Reserved {
		t.Fatalf("stock after red %+v (before %+v)", s, stock)
	}
	got := e.salesOrderOf(soID).Lines[0]
	if got.ShippedQty != 3000 || got.ReturnedQty != 2000 || got.ClaimedQty != 2000 {
		t.Fatalf("line after red: shipped %v returned %v claimed %v", got.ShippedQty, got.ReturnedQty, got.ClaimedQty)
	}

	// The execution report and tracking show it, for the dealer and staff.
	r = dealer.get("/reports/sales-order-execution")
	wantStatus(t, "report", r, http.StatusOK)
	so1 := e.salesOrderOf(soID)
	row := regexp.MustCompile(`data-order="` + so1.Number + `" data-line="1">(?s:.*?)</tr>`).FindString(r.Body)
	for _, want := range []string{`c-ordered">5<`, `c-noticed">5<`, `c-shipped">3<`, `c-returned">2<`, `c-open">0<`} {
		if !strings.Contains(row, want) {
			t.Errorf("report row lacks %s: %s", want, row)
		}
	}
	if strings.Contains(r.Body, e.salesOrderOf(e.ids["ship.so:C2"]).Number) {
		t.Error("dealer report shows another customer's order")
	}
	r = dealer.get("/reports/sales-order-execution?export=csv")
	if r.Code != http.StatusOK || !strings.Contains(r.Body, so1.Number) || !strings.Contains(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", r.Code, r.Header.Get("Content-Type"))
	}
	r = staff.get("/reports/sales-order-execution?export=xlsx&customer=C1")
	if r.Code != http.StatusOK || !strings.HasPrefix(r.Body, "PK") {
		t.Fatalf("xlsx: %d", r.Code)
	}
	r = dealer.get("/tracking/sales-orders/" + so)
	wantStatus(t, "tracking", r, http.StatusOK)
	for _, want := range []string{"DB778899", "SFC1", so1.Number, rtURL, rnURL, obURL} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("tracking lacks %s", want)
		}
	}
	r = dealer.get("/tracking/online-orders/" + e.id("ship.oo:C1"))
	if r.Code != http.StatusOK || !strings.Contains(r.Body, so1.Number) {
		t.Fatalf("online order tracking: %d", r.Code)
	}
	problems, err := e.st.Check()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("integrity: %s", p)
	}
}

// TestShippingRenderBothLanguages renders every shipping page as staff and
// dealer, in both languages, full and as an HTMX fragment.
func TestShippingRenderBothLanguages(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	shippingFixture(t, e)
	so, dn, ob, rt, rn, oo := e.id("ship.so:C1"), e.id("ship.dn:C1"), e.id("ship.ob:C1"), e.id("ship.rt:C1"), e.id("ship.rn:C1"), e.id("ship.oo:C1")
	common := []string{"/delivery-notices", "/delivery-notices?status=shipped&q=SF", "/delivery-notices/" + dn, "/delivery-notices/" + dn + "/print",
		"/outbounds", "/outbounds?red=1", "/outbounds/" + ob, "/outbounds/" + ob + "/print",
		"/returns", "/returns/" + rt, "/returns/" + rt + "/print", "/return-notices", "/return-notices/" + rn, "/return-notices/" + rn + "/print",
		"/tracking", "/tracking/sales-orders/" + so, "/tracking/online-orders/" + oo, "/reports/sales-order-execution", "/"}
	pages := map[string][]string{
		"admin": append([]string{"/delivery-notices/new?so=" + so, "/outbounds/new?so=" + so, "/outbounds/new?rn=" + rn,
			"/return-notices/new?so=" + so, "/reports/sales-order-execution?customer=C1&status=audited"}, common...),
		"c1.buyer": append([]string{"/returns/new?so=" + so, "/returns/new?ob=" + ob, "/returns/" + rt + "/edit"}, common...),
	}
	for user, paths := range pages {
		for _, l := range Languages {
			c := e.login(user)
			c.get("/")
			c.post("/lang", url.Values{"lang": {l}})
			for _, p := range paths {
				for _, hx := range []bool{false, true} {
					var r resp
					if hx {
						r = c.get(p, "HX-Request", "true")
					} else {
						r = c.get(p)
					}
					if r.Code != http.StatusOK {
						t.Errorf("%s %s %s hx=%v: %d %s", user, l, p, hx, r.Code, excerpt(r.Body))
						continue
					}
					mustRender(t, p, r)
					if !hx && l == "zh" && !strings.Contains(r.Body, `lang="zh-CN"`) {
						t.Errorf("%s: not in Chinese", p)
					}
				}
			}
		}
	}
	// The PDF of each document.
	c := e.login("admin")
	for _, p := range []string{"/delivery-notices/" + dn, "/outbounds/" + ob, "/returns/" + rt, "/return-notices/" + rn} {
		r := c.get(p + "/print?format=pdf")
		if r.Code != http.StatusOK || !strings.HasPrefix(r.Body, "%PDF") || r.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("%s pdf: %d %s", p, r.Code, r.Header.Get("Content-Type"))
		}
	}
}

// TestShippingRoles: who may do what on the pages (the store refuses the
// rest too): a viewer sees but cannot ship; a dealer cannot ship or handle
// returns; staff cannot make online returns; a dealer finance user sees no
// order documents.
func TestShippingRoles(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	shippingFixture(t, e)
	so, rt := e.id("ship.so:C1"), e.id("ship.rt:C1")
	viewer := e.login("viewer")
	wantStatus(t, "viewer list", viewer.get("/delivery-notices"), http.StatusOK)
	wantStatus(t, "viewer new notice", viewer.get("/delivery-notices/new?so="+so), http.StatusForbidden)
	wantStatus(t, "viewer posts outbound", viewer.post("/outbounds?so="+so, url.Values{"qty.1": {"1"}, "date": {"2026-03-20"}}), http.StatusForbidden)
	dealer := e.login("c1.manager")
	wantStatus(t, "dealer new outbound", dealer.get("/outbounds/new?so="+so), http.StatusForbidden)
	wantStatus(t, "dealer new return notice", dealer.get("/return-notices/new?so="+so), http.StatusForbidden)
	r := dealer.get("/returns/" + rt)
	wantStatus(t, "dealer return", r, http.StatusOK)
	wantStatus(t, "dealer rejects", dealer.post("/returns/"+rt+"/reject", url.Values{"version": {formValue(versionRe, r.Body)}, "reason": {"不行"}}), http.StatusForbidden)
	admin := e.login("admin")
	wantStatus(t, "staff online return", admin.get("/returns/new?so="+so), http.StatusForbidden)
	// A stale version is a conflict that says who changed it.
	r = admin.post("/returns/"+rt+"/reject", url.Values{"version": {"7"}, "reason": {"型号不符"}})
	if r.Code != http.StatusConflict {
		t.Fatalf("stale reject: %d", r.Code)
	}
	// A double click on an action button (same version) answers like the first.
	page := admin.get("/returns/" + rt)
	form := url.Values{"version": {formValue(versionRe, page.Body)}, "reason": {"型号不符"}}
	for i := range 2 {
		wantStatus(t, "reject "+strconv.Itoa(i), admin.post("/returns/"+rt+"/reject", form), http.StatusSeeOther)
	}
	var ret *model.OnlineReturn
	_ = e.st.View(func(tx *store.Tx) (err error) {
		ret, err = tx.OnlineReturn(store.AdminScope(), e.ids["ship.rt:C1"])
		return err
	})
	if ret.Status != model.StatusRejected || len(ret.Trail) != 3 { // create, submit, reject
		t.Fatalf("after a double reject: %s, trail %d", ret.Status, len(ret.Trail))
	}
}
