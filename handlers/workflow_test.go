package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// userOf reads a fixture user.
func (e *testEnv) userOf(name string) *model.User {
	e.t.Helper()
	var u *model.User
	if err := e.st.View(func(tx *store.Tx) (err error) { u, err = tx.UserByID(e.ids["user:"+name]); return err }); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// TestOutboundFormAfterChange: an order of 100, a notice of 100, an
// outbound of 50, then a change to 80 at a new price. The outbound form
// offers the 30 the posting accepts, at the price in force; the change
// request shows the notice it adjusted and the order's history the change.
func TestOutboundFormAfterChange(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	admin := e.userOf("admin")
	cust := e.ids["customer:C1"]
	var dn *model.DeliveryNotice
	var cr *model.ChangeRequest
	err := e.st.Update(admin.Username, func(tx *store.Tx) error {
		if _, err := tx.AdjustStock(e.ids["product:ALL"], 100_000, 0); err != nil {
			return err
		}
		so, err := tx.NewSalesOrder(store.AdminScope(), cust)
		if err != nil {
			return err
		}
		price := model.Money(10000)
		if err := tx.SaveSalesOrder(store.AdminScope(), so, []store.LineInput{{Code: "P-ALL", Qty: 100_000, Price: &price}}); err != nil {
			return err
		}
		if so, err = tx.ActOnSalesOrder(store.AdminScope(), so.ID, so.Version, "audit", admin, ""); err != nil {
			return err
		}
		if dn, err = tx.CreateDeliveryNotice(store.AdminScope(), admin, &store.DeliveryNoticeInput{SalesOrderID: so.ID, ShipDate: "2026-03-16", Qty: map[int]model.Qty{1: 100_000}}); err != nil {
			return err
		}
		if _, err := tx.PostOutbound(store.AdminScope(), admin, &store.OutboundInput{DeliveryNoticeID: dn.ID, PostDate: "2026-03-16", Qty: map[int]model.Qty{1: 50_000}}); err != nil {
			return err
		}
		q, p := model.Qty(80_000), model.Money(12000)
		cr = &model.ChangeRequest{SalesOrderID: so.ID, Lines: []model.ChangeLine{{Line: 1, NewQty: &q, NewPrice: &p}}}
		if err := tx.SaveChangeRequest(store.AdminScope(), cr, admin, true); err != nil {
			return err
		}
		cr, err = tx.ActOnChangeRequest(store.AdminScope(), cr.ID, cr.Version, "make_effective", admin, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	staff := e.login("east")
	r := staff.get("/outbounds/new?dn=" + itoa(dn.ID))
	wantStatus(t, "outbound form", r, http.StatusOK)
	if !strings.Contains(r.Body, `name="qty.1" value="30"`) || !strings.Contains(r.Body, "¥120.00") || strings.Contains(r.Body, "¥100.00") {
		t.Fatalf("outbound form offers the wrong quantity or price: %s", excerpt(r.Body))
	}
	tok := formValue(idemRe, r.Body)
	wantStatus(t, "outbound of 30", staff.post("/outbounds", url.Values{"dn": {itoa(dn.ID)}, "_idem": {tok}, "date": {"2026-03-18"}, "qty.1": {"30"}}), http.StatusSeeOther)

	r = staff.get("/change-requests/" + itoa(cr.ID))
	mustContain(t, "change request", r, `id="notice-cuts"`, dn.Number)
	r = staff.get("/sales-orders/" + itoa(cr.SalesOrderID))
	mustContain(t, "sales order history", r, "Change request made effective", cr.Number)
}

// TestCheckoutFillsLocationContact: choosing a ship-to location fills its
// contact and phone — as an HTMX swap of the contact fields, and without
// JavaScript by the server when the fields are left empty.
func TestCheckoutFillsLocationContact(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	cust := e.ids["customer:C1"]
	loc := &model.Location{CustomerID: cust, Name: "门店", Address: "上海市 2 号", Contact: "王五", Phone: "021-6666 7777"}
	if err := e.st.Update("test", func(tx *store.Tx) error {
		if err := tx.SaveLocation(store.AdminScope(), loc); err != nil {
			return err
		}
		_, err := tx.AddToCart(store.CustomerScope(cust), e.ids["user:c1.buyer"], e.ids["entry:ALL"], 1000)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	d := e.login("c1.buyer")
	r := d.get("/online-orders/checkout")
	mustContain(t, "checkout", r, `hx-get="/online-orders/contact"`, `hx-target="#oo-contact"`, `id="oo-contact"`)
	r = d.get("/online-orders/contact?location="+itoa(loc.ID), "HX-Request", "true")
	mustContain(t, "contact fragment", r, `id="oo-contact"`, `value="王五"`, `value="021-6666 7777"`)
	if strings.Contains(r.Body, "<html") {
		t.Fatal("the fragment came with the layout")
	}
	wantStatus(t, "another customer's location", e.login("c2.buyer").get("/online-orders/contact?location="+itoa(loc.ID)), http.StatusNotFound)

	r = d.post("/online-orders/checkout", url.Values{"_idem": {formValue(idemRe, d.get("/online-orders/checkout").Body)}, "entry": {e.id("entry:ALL")},
		"location": {itoa(loc.ID)}, "contact": {""}, "phone": {""}, "action": {"save"}})
	wantStatus(t, "checkout", r, http.StatusSeeOther)
	id, _ := parseUint(strings.TrimPrefix(r.Header.Get("Location"), "/online-orders/"))
	var o *model.OnlineOrder
	if err := e.st.View(func(tx *store.Tx) (err error) { o, err = tx.OnlineOrder(store.AdminScope(), id); return err }); err != nil {
		t.Fatal(err)
	}
	if o.ShipTo.LocationID != loc.ID || o.Contact != "王五" || o.Phone != "021-6666 7777" {
		t.Fatalf("order ship-to %+v contact %q phone %q", o.ShipTo, o.Contact, o.Phone)
	}
}

// TestReceiptFormKeepsTick: a receipt with "shortage or damage" ticked and
// no note comes back with the error, the tick and the typed text kept.
func TestReceiptFormKeepsTick(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	shippingFixture(t, e)
	d := e.login("c1.buyer")
	for _, u := range []string{"/delivery-notices/" + e.id("ship.dn:C1"), "/outbounds/" + e.id("ship.ob:C1")} {
		r := d.get(u)
		mustContain(t, u, r, `id="receipt-form"`)
		if strings.Contains(r.Body, `name="problems" value="1" checked`) {
			t.Fatalf("%s: ticked before anything was posted", u)
		}
		r = d.post(u+"/confirm_receipt", url.Values{"version": {formValue(versionRe, r.Body)}, "problems": {"1"}, "note": {"x"}})
		wantStatus(t, u+" receipt without a note", r, http.StatusUnprocessableEntity)
		mustContain(t, u, r, `name="problems" value="1" checked`, ">x</textarea>")
	}
}

// TestStaffCannotDeleteDealerOrder: staff may adjust a dealer's submitted
// order but not delete it (no button, 403); they reject it with a reason,
// which reaches the dealer. Generating the sales order is in its history.
func TestStaffCannotDeleteDealerOrder(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	shippingFixture(t, e)
	cust := e.ids["customer:C1"]
	buyer := e.userOf("c1.buyer")
	var o *model.OnlineOrder
	if err := e.st.Update(buyer.Username, func(tx *store.Tx) (err error) {
		sc := store.CustomerScope(cust)
		if o, err = tx.NewOnlineOrder(sc, cust); err != nil {
			return err
		}
		o.AllowAdjust = true
		return tx.SaveOnlineOrder(sc, o, []store.LineInput{{Code: "P-ALL", Qty: 1000}}, buyer, true)
	}); err != nil {
		t.Fatal(err)
	}
	ooURL := "/online-orders/" + itoa(o.ID)
	s := e.login("east")
	r := s.get(ooURL)
	wantStatus(t, "staff view", r, http.StatusOK)
	if strings.Contains(r.Body, ooURL+"/delete") {
		t.Fatal("staff are offered to delete a dealer's order")
	}
	ver := formValue(versionRe, r.Body)
	wantStatus(t, "staff delete", s.post(ooURL+"/delete", url.Values{"version": {ver}}), http.StatusForbidden)
	wantStatus(t, "staff delete of a return", s.post("/returns/"+e.id("ship.rt:C1")+"/delete", url.Values{"version": {"1"}}), http.StatusForbidden)
	wantStatus(t, "still there", s.get(ooURL), http.StatusOK)
	if r := e.login("c1.buyer").get(ooURL); !strings.Contains(r.Body, ooURL+"/delete") {
		t.Fatal("the dealer lost the delete button")
	}
	wantStatus(t, "reject", s.post(ooURL+"/reject", url.Values{"version": {ver}, "reason": {"型号已停产"}}), http.StatusSeeOther)
	told := false
	_ = e.st.View(func(tx *store.Tx) error {
		msgs, _ := tx.PendingOutbox(100)
		for _, m := range msgs {
			told = told || m.Event == model.EventOrderRejected && m.CustomerID == cust && m.DocID == o.ID && m.Params["reason"] == "型号已停产"
		}
		return nil
	})
	if !told {
		t.Fatal("the dealer is not told of the rejection")
	}
	// The fixture's orders were generated from online orders: their history says so.
	r = s.get("/sales-orders/" + e.id("ship.so:C1"))
	var oo *model.OnlineOrder
	_ = e.st.View(func(tx *store.Tx) (err error) {
		oo, err = tx.OnlineOrder(store.AdminScope(), e.ids["ship.oo:C1"])
		return err
	})
	mustContain(t, "sales order history", r, "Generated from online order", oo.Number)
}

// TestBellOpensInboxPage: the bell link targets the page, not the polling
// span it sits in.
func TestBellOpensInboxPage(t *testing.T) {
	e := newTestEnv(t)
	d := e.login("c1.buyer")
	for _, p := range []string{"/", "/inbox/count"} {
		r := d.get(p)
		mustContain(t, p, r, `<a class="bell" href="/inbox" hx-target="#main" hx-swap="innerHTML show:window:top" hx-push-url="true"`)
	}
}

// TestHistoryOfCreations: publishing with 保存并审核发布 records the
// creation and the audit; a new announcement's trail starts with its
// creation; a new price record is logged as created, a change as changed.
func TestHistoryOfCreations(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	a := e.login("admin")
	a.get("/catalog-entries/new")
	r := a.post("/catalog-entries", url.Values{"product_id": {e.id("product:NEW")}, "category_id": {e.id("cat:SERVO")},
		"customer_codes": {"C1"}, "publish": {"1"}, "_idem": {"tok-entry"}})
	wantStatus(t, "save and publish", r, http.StatusSeeOther)
	entryID, _ := parseUint(strings.TrimPrefix(r.Header.Get("Location"), "/catalog-entries/"))
	actions := func(entity string, id uint64) []string {
		var out []string
		_ = e.st.View(func(tx *store.Tx) error {
			for _, act := range tx.ActivityOf(entity, id, 20) {
				out = append(out, act.Action)
			}
			return nil
		})
		return out
	}
	if got := strings.Join(actions("catalog_entry", entryID), ","); got != "catalog.audit,create" {
		t.Fatalf("entry history %q", got)
	}
	mustContain(t, "entry page", a.get("/catalog-entries/"+itoa(entryID)), "audited (published)", "created")

	a.get("/prices/new")
	r = a.post("/prices", url.Values{"product_code": {"P-ALL"}, "customer_code": {"C1"}, "price": {"95.00"}, "min_qty": {"0"}, "_idem": {"tok-price"}})
	wantStatus(t, "new price", r, http.StatusSeeOther)
	priceID, _ := parseUint(strings.TrimSuffix(strings.TrimPrefix(r.Header.Get("Location"), "/prices/"), "/edit"))
	r = a.get("/prices/" + itoa(priceID) + "/edit")
	r = a.post("/prices/"+itoa(priceID), url.Values{"product_code": {"P-ALL"}, "customer_code": {"C1"}, "price": {"96.00"}, "min_qty": {"0"}, "version": {formValue(versionRe, r.Body)}})
	wantStatus(t, "changed price", r, http.StatusSeeOther)
	if got := strings.Join(actions("price", priceID), ","); got != "update,create" {
		t.Fatalf("price history %q", got)
	}

	a.get("/announcements/new")
	r = a.post("/announcements", url.Values{"title": {"新品发布"}, "body": {"正文"}, "audience_customers": {"C1"}, "effective_from": {"2026-03-01T09:00"}, "_idem": {"tok-ann"}})
	wantStatus(t, "new announcement", r, http.StatusSeeOther)
	r = a.get(r.Header.Get("Location"))
	mustContain(t, "announcement history", r, `<ul class="timeline">`)
	if !strings.Contains(r.Body[strings.Index(r.Body, `<ul class="timeline">`):], "Created") {
		t.Fatalf("announcement history without its creation: %s", excerpt(r.Body))
	}
}
