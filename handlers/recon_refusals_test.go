package handlers

import (
	"net/http"
	"net/url"
	"testing"
)

// TestReconRefusals: every action of the reconciliation area that changes
// data refuses, in the handlers, who lacks the reconcile permission (403
// for a document or customer they can see, 404 for one they cannot), and
// a refused caller writes nothing. The store no longer checks the
// permission: this table is where the refusals are held.
func TestReconRefusals(t *testing.T) {
	e := newReconEnv(t)
	c1, c2 := e.id("customer:C1"), e.id("customer:C2")
	ob1 := e.id("ship.ob:C1")
	iv1, rc1, ar1, rf1 := e.id("rc.iv:C1"), e.id("rc.rc:C1"), e.id("rc.ar:C1"), e.id("rc.rf:C1")
	wo1 := e.id("rc.wo:C1")
	invoice := func(cust string) url.Values {
		return url.Values{"_idem": {"tok-iv"}, "customer_id": {cust}, "invoice_date": {"2026-03-25"}, "qty." + ob1 + ".1": {"1"}, "audit": {"1"}}
	}
	receipt := func(cust string) url.Values {
		return url.Values{"_idem": {"tok-rc"}, "customer_id": {cust}, "date": {"2026-03-25"}, "amount": {"10.00"}, "method": {"transfer"}, "audit": {"1"}}
	}
	v1 := url.Values{"version": {"1"}, "_idem": {"tok-act"}}
	rows := []struct {
		who, path string
		form      url.Values
		want      int
	}{
		// Sales staff and viewers see C1 (east) but may not reconcile.
		{"east", "/invoices", invoice(c1), http.StatusForbidden},
		{"east", "/invoices", invoice(c2), http.StatusNotFound},
		{"viewer", "/invoices", invoice(c1), http.StatusForbidden},
		{"east", "/invoices/" + iv1 + "/unaudit", v1, http.StatusForbidden},
		{"east", "/receipts", receipt(c1), http.StatusForbidden},
		{"east", "/receipts", receipt(c2), http.StatusNotFound},
		{"viewer", "/advance-receipts/" + ar1, receipt(c1), http.StatusForbidden},
		{"east", "/advance-receipts/" + ar1 + "/audit", v1, http.StatusForbidden},
		{"east", "/receipts/" + rc1 + "/unaudit", v1, http.StatusConflict}, // written off: the status refuses first
		{"east", "/refunds/" + rf1 + "/delete", v1, http.StatusForbidden},
		{"east", "/write-offs/" + wo1 + "/reverse", v1, http.StatusForbidden},
		// A dealer's finance user confirms, but does not reconcile.
		{"c1.finance", "/invoices", invoice(c1), http.StatusForbidden},
		{"c1.finance", "/receipts", receipt(c1), http.StatusForbidden},
		{"c1.finance", "/invoices/" + iv1 + "/unaudit", v1, http.StatusForbidden},
		{"c1.finance", "/receipts/" + rc1 + "/unaudit", v1, http.StatusForbidden},
		{"c1.finance", "/advance-receipts/" + ar1 + "/audit", v1, http.StatusForbidden},
	}
	users := map[string]*client{}
	for _, r := range rows {
		if users[r.who] == nil {
			users[r.who] = e.login(r.who)
			users[r.who].get("/")
		}
	}
	before := storeFingerprint(t, e)
	for _, r := range rows {
		if got := users[r.who].post(r.path, r.form); got.Code != r.want {
			t.Errorf("%s POST %s: %d, want %d: %s", r.who, r.path, got.Code, r.want, excerpt(got.Body))
		}
	}
	if storeFingerprint(t, e) != before {
		t.Fatal("a refused caller wrote")
	}
	// The same posts by finance staff go through.
	a := e.login("admin")
	a.get("/")
	if r := a.post("/receipts", receipt(c1)); r.Code != http.StatusSeeOther {
		t.Fatalf("admin receipt: %d %s", r.Code, excerpt(r.Body))
	}
	e.verifyClean()
}
