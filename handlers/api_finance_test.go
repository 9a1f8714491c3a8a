package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// The finance family's tests: documents pushed through the API move the
// same figures as the same documents entered in the UI; red invoices,
// refunds within their limit, write-offs of several lines all or nothing,
// idempotent replays, bad input of every kind (nothing written), and the
// scope rows of every route.

func init() {
	apiScopeFixtures = append(apiScopeFixtures, finScopeFixture)
	inv := `{"external_id":"SCOPE-IV","invoice_date":"2026-03-10","lines":[{"outbound_id":{fin.ob},"line":1,"qty":1}]}`
	rc := `{"external_id":"SCOPE-%s","customer_id":{customer},"date":"2026-03-12","amount":%d}`
	wo := `{"external_id":"SCOPE-WO","source_kind":"receipt","source_id":{fin.rc},"lines":[{"invoice_id":{fin.iv},"amount":1}]}`
	apiScopeRows = append(apiScopeRows,
		apiScopeRow{"GET", "/invoices/{fin.iv}", "", 404},
		apiScopeRow{"GET", "/invoices/external/{ext:fin.iv}", "", 404},
		apiScopeRow{"POST", "/invoices", inv, 422},
		apiScopeRow{"POST", "/invoices", strings.Replace(strings.Replace(inv, `"outbound_id":{fin.ob}`, `"outbound_external_id":"{ext:fin.ob}"`, 1), "SCOPE-IV", "SCOPE-IV2", 1), 422},
		apiScopeRow{"GET", "/receipts/{fin.rc}", "", 404},
		apiScopeRow{"GET", "/receipts/external/{ext:fin.rc}", "", 404},
		apiScopeRow{"POST", "/receipts", fmt.Sprintf(rc, "RC", 100), 422},
		apiScopeRow{"GET", "/advance-receipts/{fin.ar}", "", 404},
		apiScopeRow{"GET", "/advance-receipts/external/{ext:fin.ar}", "", 404},
		apiScopeRow{"POST", "/advance-receipts", fmt.Sprintf(rc, "AR", 100), 422},
		apiScopeRow{"GET", "/refunds/{fin.rf}", "", 404},
		apiScopeRow{"GET", "/refunds/external/{ext:fin.rf}", "", 404},
		apiScopeRow{"POST", "/refunds", fmt.Sprintf(rc, "RF", 1), 422},
		apiScopeRow{"GET", "/write-offs/{fin.wo}", "", 404},
		apiScopeRow{"GET", "/write-offs/external/{ext:fin.wo}", "", 404},
		apiScopeRow{"POST", "/write-offs", wo, 422},
		apiScopeRow{"POST", "/write-offs/{fin.wo}/reverse", "", 404},
	)
	scopeExemptions = append(scopeExemptions, struct {
		reason string
		routes []string
	}{"bulk invoices answer 200 with each record's own result: an invoice naming an out-of-scope outbound fails alone, with its field error (TestAPIFinanceBulkScope)",
		[]string{"POST " + APIPrefix + "/invoices/bulk"}})
}

// finDates of the fixture: outbounds post on finShipDate, invoices and
// receipts follow.
const (
	finShipDate = "2026-03-02"
	finInvDate  = "2026-03-10"
	finRcDate   = "2026-03-12"
)

// finUser reads a user.
func (e *testEnv) finUser(name string) *model.User {
	e.t.Helper()
	var u *model.User
	if err := e.st.View(func(tx *store.Tx) (err error) { u, err = tx.UserByID(e.ids["user:"+name]); return err }); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// finOutbounds gives C1 and C2 the same goods to invoice, posted through the
// store as the UI posts them: product FIN-P (¥113.00 incl. 13% tax), an
// audited sales order of 10 units ("fin.so"), a blue outbound of 6 units
// ("fin.ob", external id FIN-OB-<code>) and one of 4 ("fin.ob2"), a return
// notice of 2 units and its red outbound ("fin.red", FIN-RED-<code>).
func finOutbounds(t *testing.T, e *testEnv) {
	t.Helper()
	admin := e.finUser("admin")
	err := e.st.Update("admin", func(tx *store.Tx) error {
		if e.ids["product:FIN-P"] == 0 {
			p := &model.Product{Code: "FIN-P", Name: "财务测试电机", Unit: "台", ListPrice: 11300, TaxRate: 1300, Active: true}
			if err := tx.SaveProduct(p); err != nil {
				return err
			}
			if _, err := tx.AdjustStock(p.ID, 1_000_000, 0); err != nil {
				return err
			}
			e.ids["product:FIN-P"] = p.ID
		}
		price := model.Money(11300)
		for _, code := range []string{"C1", "C2"} {
			so, err := tx.NewSalesOrder(store.AdminScope(), e.ids["customer:"+code])
			if err != nil {
				return err
			}
			so.OrderDate = finShipDate
			if err := tx.SaveSalesOrder(store.AdminScope(), so, []store.LineInput{{Code: "FIN-P", Qty: 10_000, Price: &price}}, admin); err != nil {
				return err
			}
			if so, err = tx.ActOnSalesOrder(store.AdminScope(), so.ID, so.Version, "audit", admin, ""); err != nil {
				return err
			}
			ob, err := tx.PostOutbound(store.AdminScope(), admin, &store.OutboundInput{SalesOrderID: so.ID, PostDate: finShipDate, Qty: map[int]model.Qty{1: 6000}})
			if err != nil {
				return err
			}
			ob2, err := tx.PostOutbound(store.AdminScope(), admin, &store.OutboundInput{SalesOrderID: so.ID, PostDate: finShipDate, Qty: map[int]model.Qty{1: 4000}})
			if err != nil {
				return err
			}
			rn, err := tx.CreateReturnNotice(store.AdminScope(), admin, &store.ReturnInput{SalesOrderID: so.ID, Date: finShipDate, Reason: "破损", Qty: map[int]model.Qty{1: 2000}})
			if err != nil {
				return err
			}
			red, err := tx.PostOutbound(store.AdminScope(), admin, &store.OutboundInput{ReturnNoticeID: rn.ID, PostDate: finShipDate, Qty: map[int]model.Qty{1: 2000}})
			if err != nil {
				return err
			}
			for name, id := range map[string]uint64{"fin.ob": ob.ID, "fin.red": red.ID} {
				ext := strings.ToUpper(strings.ReplaceAll(name, ".", "-")) + "-" + code
				if err := tx.SetExternalID(finExtOutbound, ext, id); err != nil {
					return err
				}
				e.exts[name+":"+code] = ext
			}
			e.ids["fin.so:"+code], e.ids["fin.ob:"+code], e.ids["fin.ob2:"+code], e.ids["fin.red:"+code] = so.ID, ob.ID, ob2.ID, red.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// finScopeFixture adds to finOutbounds, for C1 and C2, the documents the
// scope rows name, posted through the store: an invoice of one unit of
// fin.ob2 ("fin.iv"), a receipt of ¥50.00 ("fin.rc"), an advance receipt
// ("fin.ar"), a refund of one cent from it ("fin.rf") and a write-off of
// ¥1.00 from the receipt against the invoice ("fin.wo"), each with an
// external id (FIN-IV-<code> …).
func finScopeFixture(t *testing.T, e *testEnv) {
	t.Helper()
	finOutbounds(t, e)
	admin := e.finUser("admin")
	sc := store.AdminScope()
	err := e.st.Update("admin", func(tx *store.Tx) error {
		for _, code := range []string{"C1", "C2"} {
			cust := e.ids["customer:"+code]
			inv, err := tx.CreateInvoice(sc, admin, &store.InvoiceInput{CustomerID: cust, Date: finInvDate,
				Qty: map[store.InvoiceLineRef]model.Qty{{OutboundID: e.ids["fin.ob2:"+code], Line: 1}: 1000}, Audit: true})
			if err != nil {
				return err
			}
			docs := map[string]uint64{"fin.iv": inv.ID}
			for _, d := range []struct {
				name   string
				kind   model.DocType
				amount model.Money
			}{{"fin.rc", model.DocReceipt, 5000}, {"fin.ar", model.DocAdvanceReceipt, 3000}, {"fin.rf", model.DocRefund, 1}} {
				r := &model.ReceiptDoc{CustomerID: cust, Kind: d.kind, Date: finRcDate, Amount: d.amount}
				if d.kind == model.DocRefund {
					r.SourceType, r.SourceID = model.DocAdvanceReceipt, docs["fin.ar"]
				}
				if err := tx.SaveReceiptDoc(sc, admin, r); err != nil {
					return err
				}
				if _, _, err := tx.ActOnReceiptDoc(sc, admin, d.kind, r.ID, r.Version, "audit"); err != nil {
					return err
				}
				docs[d.name] = r.ID
			}
			w, err := tx.ApplyWriteOff(sc, admin, cust, store.WriteOffSource{Kind: model.DocReceipt, ID: docs["fin.rc"]}, inv.ID, 100, false)
			if err != nil {
				return err
			}
			docs["fin.wo"] = w.ID
			kinds := map[string]string{"fin.iv": finExtInvoice, "fin.rc": "receipt", "fin.ar": "advance_receipt", "fin.rf": "refund", "fin.wo": finExtWriteOff}
			for name, id := range docs {
				ext := strings.ToUpper(strings.ReplaceAll(name, ".", "-")) + "-" + code
				if err := tx.SetExternalID(kinds[name], ext, id); err != nil {
					return err
				}
				e.ids[name+":"+code], e.exts[name+":"+code] = id, ext
			}
			if err := tx.SetExternalID(finExtWriteOffLine, finLineExt(e.exts["fin.wo:"+code], 1), w.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// finEnv is a test portal with finOutbounds and a client of the finance
// family that reaches every customer.
func finEnv(t *testing.T) (*testEnv, string) {
	t.Helper()
	e := newTestEnv(t)
	finOutbounds(t, e)
	tok, _ := e.newAPIClient("ERP", apiClientOpts{scopes: []model.APIScope{model.ScopeOf(model.APIFinance, true)}})
	return e, tok
}

// push calls the API and fails the test unless the answer has status want;
// it decodes the answer into out (when not nil).
func (e *testEnv) push(method, path string, body any, tok string, want int, out any) apiResp {
	e.t.Helper()
	r := e.api(method, path, body, apiCallOpts{token: tok})
	if r.Code != want {
		e.t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Code, want, r.Body)
	}
	if out != nil {
		r.JSON(e.t, out)
	}
	return r
}

// finFigures are everything the reconciliation reports show of a customer:
// the maintained balance, the as-of position and aging, the detail's
// closing figure, the sales order's execution figures and each posted
// document's open amount in order.
type finFigures struct {
	Balance  model.CustomerBalance
	Position model.Position
	Aging    model.Aging
	Closing  model.Money
	Totals   map[model.DocType]model.Money
	SO       []string
	Open     []model.Money
}

func (e *testEnv) finFigures(code string) finFigures {
	e.t.Helper()
	var f finFigures
	cust := e.ids["customer:"+code]
	sc := store.AdminScope()
	err := e.st.View(func(tx *store.Tx) error {
		b, err := tx.Balance(sc, cust)
		if err != nil {
			return err
		}
		f.Balance = *b
		f.Balance.CustomerID = 0
		if f.Position, f.Aging, err = tx.BalanceAt(sc, cust, tx.Today()); err != nil {
			return err
		}
		d, err := tx.BalanceDetail(sc, cust, "2026-01-01", tx.Today())
		if err != nil {
			return err
		}
		f.Closing, f.Totals = d.Closing, d.Totals
		so, err := tx.SalesOrder(sc, e.ids["fin.so:"+code])
		if err != nil {
			return err
		}
		for _, l := range so.Lines {
			f.SO = append(f.SO, fmt.Sprintf("shipped %s invoiced %s / %s received %s", l.ShippedQty, l.InvoicedQty, l.InvoicedAmount, l.ReceivedAmount))
		}
		items, err := tx.OpenItems(sc, cust, model.DocInvoice, model.DocReceipt, model.DocAdvanceReceipt)
		if err != nil {
			return err
		}
		for _, it := range items {
			f.Open = append(f.Open, it.Amount)
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// checkClean runs the store's integrity check and the reconciliation
// verification: both must find nothing.
func (e *testEnv) checkClean() {
	e.t.Helper()
	problems, err := e.st.Check()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range problems {
		e.t.Errorf("check: %s", p)
	}
	e.verifyClean()
}

// uiPost fetches a form page (for its one-time token), posts the form and
// returns the new document's id from the redirect.
func uiPost(t *testing.T, c *client, form, action string, v url.Values) uint64 {
	t.Helper()
	r := c.get(form)
	if m := rcIdemRe.FindStringSubmatch(r.Body); m != nil {
		v.Set("_idem", m[1])
	}
	r = c.post(action, v)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("POST %s: %d %s", action, r.Code, excerpt(r.Body))
	}
	loc := r.Header.Get("Location")
	id, _ := strconv.ParseUint(loc[strings.LastIndexByte(loc, '/')+1:], 10, 64)
	return id
}

// TestAPIFinanceSameAsUI enters the same documents for C2 in the UI and for
// C1 through the API: invoices (one of a whole outbound line, one partial,
// a red one), a receipt that pays an invoice at audit, an advance receipt,
// write-offs by hand from it and from the red invoice's credit, a refund
// from the advance receipt, and a reversal. Every figure the reports show
// must agree to the cent, and the integrity checks stay clean.
func TestAPIFinanceSameAsUI(t *testing.T) {
	e, tok := finEnv(t)
	c2 := strconv.FormatUint(e.ids["customer:C2"], 10)
	ui := e.login("admin")
	ob, ob2, red := e.id("fin.ob:C2"), e.id("fin.ob2:C2"), e.id("fin.red:C2")
	iv1 := uiPost(t, ui, "/invoices/new?customer=C2", "/invoices", url.Values{"customer_id": {c2}, "invoice_date": {finInvDate}, "qty." + ob + ".1": {"6"}, "audit": {"1"}})
	iv2 := uiPost(t, ui, "/invoices/new?customer=C2", "/invoices", url.Values{"customer_id": {c2}, "invoice_date": {finInvDate}, "qty." + ob2 + ".1": {"2"}, "audit": {"1"}})
	iv3 := uiPost(t, ui, "/invoices/new?customer=C2&red=1", "/invoices", url.Values{"customer_id": {c2}, "red": {"1"}, "invoice_date": {finInvDate}, "qty." + red + ".1": {"2"}, "audit": {"1"}})
	uiPost(t, ui, "/receipts/new?customer=C2", "/receipts", url.Values{"customer_id": {c2}, "date": {finRcDate}, "amount": {"300.00"}, "method": {"transfer"},
		"invoices": {strconv.FormatUint(iv1, 10)}, "audit": {"1"}})
	ar := uiPost(t, ui, "/advance-receipts/new?customer=C2", "/advance-receipts", url.Values{"customer_id": {c2}, "date": {finRcDate}, "amount": {"500.00"}, "method": {"cash"}, "audit": {"1"}})
	woForm := "/write-offs?customer_id=" + c2
	ui.get(woForm)
	for _, v := range []url.Values{
		{"customer_id": {c2}, "source": {"AR:" + strconv.FormatUint(ar, 10)}, "invoice": {strconv.FormatUint(iv2, 10)}, "amount": {"50.00"}},
		{"customer_id": {c2}, "source": {"IV:" + strconv.FormatUint(iv3, 10)}, "invoice": {strconv.FormatUint(iv1, 10)}, "amount": {"100.00"}},
	} {
		r := ui.get(woForm)
		v.Set("_idem", rcIdemRe.FindStringSubmatch(r.Body)[1])
		if r := ui.post("/write-offs", v); r.Code != http.StatusSeeOther {
			t.Fatalf("UI write-off: %d %s", r.Code, excerpt(r.Body))
		}
	}
	uiPost(t, ui, "/refunds/new?customer=C2", "/refunds", url.Values{"customer_id": {c2}, "date": {finRcDate}, "amount": {"20.00"},
		"source": {"AR:" + strconv.FormatUint(ar, 10)}, "audit": {"1"}})
	var woAR uint64
	_ = e.st.View(func(tx *store.Tx) error {
		ws, _, err := tx.ListWriteOffs(store.AdminScope(), store.WriteOffFilter{CustomerID: e.ids["customer:C2"]}, store.Page{})
		for _, w := range ws {
			if w.SourceType == model.DocAdvanceReceipt {
				woAR = w.ID
			}
		}
		return err
	})
	ui.get(woForm)
	if r := ui.post("/write-offs/"+strconv.FormatUint(woAR, 10)+"/reverse", url.Values{"_idem": {"rev"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("UI reverse: %d %s", r.Code, excerpt(r.Body))
	}

	// The same through the API, naming records every way the API allows.
	var iv apiInvoiceResult
	e.push("POST", "/invoices", map[string]any{"external_id": "IV-1", "customer_code": "C1", "invoice_date": finInvDate,
		"lines": []any{map[string]any{"outbound_external_id": e.exts["fin.ob:C1"], "line": 1, "qty": 6, "amount": 67800}}}, tok, 201, &iv)
	if iv.Status != "created" || iv.Invoice.Status != "audited" || iv.Invoice.Amount != 67800 || iv.Invoice.Open != 67800 || iv.Invoice.ExternalID != "IV-1" ||
		iv.Invoice.Lines[0].OutboundExternalID != e.exts["fin.ob:C1"] || iv.Invoice.CustomerCode != "C1" {
		t.Fatalf("invoice: %+v", iv)
	}
	e.push("POST", "/invoices", map[string]any{"external_id": "IV-2", "customer_id": e.ids["customer:C1"], "invoice_date": finInvDate,
		"lines": []any{map[string]any{"outbound_id": e.ids["fin.ob2:C1"], "line": 1, "qty": 2}}}, tok, 201, nil)
	e.push("POST", "/invoices", map[string]any{"external_id": "IV-3", "red": true, "invoice_date": finInvDate,
		"lines": []any{map[string]any{"outbound_external_id": e.exts["fin.red:C1"], "line": 1, "qty": 2, "amount": 22600}}}, tok, 201, &iv)
	if !iv.Invoice.Red || iv.Invoice.Amount != -22600 || iv.Invoice.Lines[0].Qty != "-2" || iv.Invoice.Open != -22600 {
		t.Fatalf("red invoice: %+v", iv.Invoice)
	}
	var rc apiReceiptResult
	e.push("POST", "/receipts", map[string]any{"external_id": "RC-1", "customer_code": "C1", "date": finRcDate, "amount": 30000,
		"invoices": []any{map[string]any{"external_id": "IV-1"}}}, tok, 201, &rc)
	if rc.Receipt.Applied != 30000 || rc.Receipt.Unapplied != 0 || len(rc.Receipt.WriteOffs) != 1 || rc.Receipt.Number == "" || rc.Receipt.Kind != "receipt" {
		t.Fatalf("receipt: %+v", rc.Receipt)
	}
	e.push("POST", "/advance-receipts", map[string]any{"external_id": "AR-1", "customer_id": e.ids["customer:C1"], "date": finRcDate, "amount": 50000, "method": "cash"}, tok, 201, nil)
	var wo apiWriteOffResult
	e.push("POST", "/write-offs", map[string]any{"external_id": "WO-1", "source_kind": "advance_receipt", "source_external_id": "AR-1",
		"lines": []any{map[string]any{"invoice_external_id": "IV-2", "amount": 5000}}}, tok, 201, &wo)
	woID := wo.WriteOff.ID
	e.push("POST", "/write-offs", map[string]any{"external_id": "WO-2", "source_kind": "red_invoice", "source_external_id": "IV-3",
		"lines": []any{map[string]any{"invoice_external_id": "IV-1", "amount": 10000}}}, tok, 201, &wo)
	if wo.WriteOff.Amount != 10000 || wo.WriteOff.Lines[0].Source.Kind != "red_invoice" {
		t.Fatalf("write-off from a red invoice: %+v", wo.WriteOff)
	}
	e.push("POST", "/refunds", map[string]any{"external_id": "RF-1", "customer_code": "C1", "date": finRcDate, "amount": 2000,
		"source_kind": "advance_receipt", "source_external_id": "AR-1"}, tok, 201, &rc)
	if len(rc.Receipt.Allocations) != 1 || rc.Receipt.Allocations[0].Amount != 2000 || rc.Receipt.Source == nil {
		t.Fatalf("refund: %+v", rc.Receipt)
	}
	var rev apiWriteOff
	e.push("POST", "/write-offs/"+strconv.FormatUint(woID, 10)+"/reverse", nil, tok, 200, &rev)
	if !rev.Reversed || rev.ExternalID != "WO-1" {
		t.Fatalf("reversed: %+v", rev)
	}

	api, uiF := e.finFigures("C1"), e.finFigures("C2")
	a, b := fmt.Sprintf("%+v", api), fmt.Sprintf("%+v", uiF)
	if a != b {
		t.Fatalf("the API's figures differ from the UI's:\nAPI %s\nUI  %s", a, b)
	}
	if api.Balance.InvoicedReceivable == 0 || api.Balance.ReceiptBalance == 0 || len(api.Open) == 0 {
		t.Fatalf("figures did not move: %+v", api)
	}
	e.checkClean()
}

// TestAPIFinanceIdempotency: the same external id or Idempotency-Key again
// never makes a second document; other content with the same external id
// is refused; a draft pushed again without draft is audited; concurrent
// pushes of one external id make exactly one invoice.
func TestAPIFinanceIdempotency(t *testing.T) {
	e, tok := finEnv(t)
	body := map[string]any{"external_id": "IV-9", "invoice_date": finInvDate, "lines": []any{map[string]any{"outbound_id": e.ids["fin.ob:C1"], "line": 1, "qty": 1}}}
	var first, again apiInvoiceResult
	e.push("POST", "/invoices", body, tok, 201, &first)
	before := e.finFigures("C1")
	e.push("POST", "/invoices", body, tok, 200, &again)
	if again.Status != "unchanged" || again.Invoice.ID != first.Invoice.ID || again.Invoice.Number != first.Invoice.Number {
		t.Fatalf("replay: %+v vs %+v", again, first)
	}
	// Other content under the same external id: refused, nothing moves.
	other := map[string]any{"external_id": "IV-9", "invoice_date": finInvDate, "lines": []any{map[string]any{"outbound_id": e.ids["fin.ob:C1"], "line": 1, "qty": 2}}}
	r := e.api("POST", "/invoices", other, apiCallOpts{token: tok})
	if p := r.problem(t); r.Code != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "external_id" || p.Errors[0].Code != "api.err_fin_ext_differs" ||
		!strings.Contains(p.Errors[0].Message, first.Invoice.Number) {
		t.Fatalf("other content: %d %s", r.Code, r.Body)
	}
	if after := e.finFigures("C1"); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a replay moved figures:\n%+v\n%+v", before, after)
	}
	// Idempotency-Key: the same key and body answers the same invoice; the
	// same key with another body is refused.
	keyed := map[string]any{"external_id": "IV-K", "invoice_date": finInvDate, "lines": []any{map[string]any{"outbound_id": e.ids["fin.ob:C1"], "line": 1, "qty": 1}}}
	hdr := map[string]string{"Idempotency-Key": "erp-run-7:IV-K"}
	r1 := e.api("POST", "/invoices", keyed, apiCallOpts{token: tok, headers: hdr})
	r2 := e.api("POST", "/invoices", keyed, apiCallOpts{token: tok, headers: hdr})
	var k1, k2 apiInvoiceResult
	r1.JSON(t, &k1)
	r2.JSON(t, &k2)
	if r1.Code != 201 || r2.Code != 200 || k2.Status != "unchanged" || k1.Invoice.ID != k2.Invoice.ID {
		t.Fatalf("Idempotency-Key replay: %d %d %s", r1.Code, r2.Code, r2.Body)
	}
	keyed["external_id"] = "IV-K2"
	if r := e.api("POST", "/invoices", keyed, apiCallOpts{token: tok, headers: hdr}); r.Code != 422 || r.problem(t).Code != "api.err_idempotency_reuse" {
		t.Fatalf("key reused with another body: %d %s", r.Code, r.Body)
	}
	if r := e.api("POST", "/invoices", keyed, apiCallOpts{token: tok, headers: map[string]string{"Idempotency-Key": "bad key!"}, badRequest: true}); r.Code != 400 {
		t.Fatalf("malformed key: %d %s", r.Code, r.Body)
	}
	// A draft, then the same again without draft: audited (posted) once.
	draft := map[string]any{"external_id": "IV-D", "draft": true, "invoice_date": finInvDate, "lines": []any{map[string]any{"outbound_id": e.ids["fin.ob:C1"], "line": 1, "qty": 1}}}
	var d apiInvoiceResult
	b0 := e.finFigures("C1").Balance
	e.push("POST", "/invoices", draft, tok, 201, &d)
	if d.Invoice.Status != "draft" || e.finFigures("C1").Balance != b0 {
		t.Fatalf("a draft posted: %+v", d.Invoice)
	}
	delete(draft, "draft")
	e.push("POST", "/invoices", draft, tok, 200, &d)
	if d.Status != "updated" || d.Invoice.Status != "audited" || e.finFigures("C1").Balance.InvoicedReceivable != b0.InvoicedReceivable+11300 {
		t.Fatalf("draft audited: %+v", d)
	}
	draft["draft"] = true
	if e.push("POST", "/invoices", draft, tok, 200, &d); d.Status != "unchanged" {
		t.Fatalf("the first push replayed after audit: %+v", d)
	}
	// A draft deleted in the UI frees its external id.
	draft["external_id"] = "IV-DEL"
	e.push("POST", "/invoices", draft, tok, 201, &d)
	err := e.st.Update("admin", func(tx *store.Tx) error {
		return tx.DeleteInvoice(store.AdminScope(), e.finUser("admin"), d.Invoice.ID, d.Invoice.Version)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.push("GET", "/invoices/external/IV-DEL", nil, tok, 404, nil)
	var d2 apiInvoiceResult
	if e.push("POST", "/invoices", draft, tok, 201, &d2); d2.Invoice.ID == d.Invoice.ID {
		t.Fatal("the deleted draft's id again")
	}
	// Eight clients push the same invoice at once: one invoice.
	same := map[string]any{"external_id": "IV-RACE", "invoice_date": finInvDate, "lines": []any{map[string]any{"outbound_id": e.ids["fin.ob2:C1"], "line": 1, "qty": 1}}}
	var wg sync.WaitGroup
	ids := make([]uint64, 8)
	codes := make([]int, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data, _ := json.Marshal(same)
			r := e.api("POST", "/invoices", nil, apiCallOpts{token: tok, raw: data})
			var res apiInvoiceResult
			_ = json.Unmarshal(r.Body, &res)
			ids[i], codes[i] = res.Invoice.ID, r.Code
		}()
	}
	wg.Wait()
	created := 0
	for i := range 8 {
		if ids[i] != ids[0] || codes[i] != 201 && codes[i] != 200 {
			t.Fatalf("concurrent pushes: ids %v codes %v", ids, codes)
		}
		if codes[i] == 201 {
			created++
		}
	}
	if created != 1 {
		t.Fatalf("concurrent pushes created %d invoices", created)
	}
	// Receipts and write-offs replay alike.
	rc := map[string]any{"external_id": "RC-9", "customer_code": "C1", "date": finRcDate, "amount": 1000}
	var r9, r9b apiReceiptResult
	e.push("POST", "/receipts", rc, tok, 201, &r9)
	e.push("POST", "/receipts", rc, tok, 200, &r9b)
	if r9b.Status != "unchanged" || r9b.Receipt.ID != r9.Receipt.ID {
		t.Fatalf("receipt replay: %+v", r9b)
	}
	rc["amount"] = 1001
	if r := e.api("POST", "/receipts", rc, apiCallOpts{token: tok}); r.Code != 422 || !strings.Contains(string(r.Body), "api.err_fin_ext_differs") {
		t.Fatalf("receipt with other content: %d %s", r.Code, r.Body)
	}
	wo := map[string]any{"external_id": "WO-9", "source_kind": "receipt", "source_external_id": "RC-9",
		"lines": []any{map[string]any{"invoice_external_id": "IV-9", "amount": 500}}}
	var w1, w2 apiWriteOffResult
	e.push("POST", "/write-offs", wo, tok, 201, &w1)
	e.push("POST", "/write-offs", wo, tok, 200, &w2)
	if w2.Status != "unchanged" || w2.WriteOff.ID != w1.WriteOff.ID || len(w2.WriteOff.Lines) != 1 {
		t.Fatalf("write-off replay: %+v", w2)
	}
	var got apiReceipt
	if e.push("GET", "/receipts/external/RC-9", nil, tok, 200, &got); got.Applied != 500 {
		t.Fatalf("the receipt was written off twice: %+v", got)
	}
	e.checkClean()
}

// TestAPIFinanceBulk: a bulk push gives each invoice its own result; a
// refused one leaves the others; repeating the request changes nothing.
func TestAPIFinanceBulk(t *testing.T) {
	e, tok := finEnv(t)
	line := func(ob string, qty int) []any {
		return []any{map[string]any{"outbound_id": e.ids[ob], "line": 1, "qty": qty}}
	}
	body := map[string]any{"items": []any{
		map[string]any{"external_id": "B-1", "invoice_date": finInvDate, "lines": line("fin.ob:C1", 1)},
		map[string]any{"external_id": "B-2", "invoice_date": finInvDate, "lines": line("fin.ob:C1", 99)},
		map[string]any{"external_id": "B-3", "invoice_date": finInvDate, "lines": line("fin.ob2:C2", 4)},
	}}
	var res apiBulkResult
	e.push("POST", "/invoices/bulk", body, tok, 200, &res)
	if res.Created != 2 || res.Failed != 1 || res.Results[1].Status != "failed" || res.Results[1].Errors[0].Field != "items[1].lines[0].qty" ||
		res.Results[1].Errors[0].Code != "err.recon_over_invoice" || res.Results[0].ExternalID != "B-1" {
		t.Fatalf("bulk: %+v", res)
	}
	e.push("POST", "/invoices/bulk", body, tok, 200, &res)
	if res.Created != 0 || res.Unchanged != 2 || res.Failed != 1 {
		t.Fatalf("bulk again: %+v", res)
	}
	over := map[string]any{"items": make([]any, APIBulkMax+1)}
	for i := range over["items"].([]any) {
		over["items"].([]any)[i] = map[string]any{"external_id": "X", "invoice_date": finInvDate, "lines": line("fin.ob:C1", 1)}
	}
	if r := e.api("POST", "/invoices/bulk", over, apiCallOpts{token: tok, badRequest: true}); r.Code != 422 || r.problem(t).Errors[0].Code != "api.err_bulk_max" {
		t.Fatalf("bulk over the limit: %d %.300s", r.Code, r.Body)
	}
	e.checkClean()
}

// TestAPIFinanceBulkScope: a client scoped to East pushing a bulk request
// with an invoice of South's C2 gets that invoice refused at its field,
// and East's C1's made.
func TestAPIFinanceBulkScope(t *testing.T) {
	e := newTestEnv(t)
	finOutbounds(t, e)
	tok, _ := e.newAPIClient("east-erp", apiClientOpts{scopes: []model.APIScope{model.ScopeOf(model.APIFinance, true)}, orgs: []string{"EAST"}})
	var res apiBulkResult
	e.push("POST", "/invoices/bulk", map[string]any{"items": []any{
		map[string]any{"external_id": "E-1", "invoice_date": finInvDate, "lines": []any{map[string]any{"outbound_id": e.ids["fin.ob:C1"], "line": 1, "qty": 1}}},
		map[string]any{"external_id": "E-2", "invoice_date": finInvDate, "lines": []any{map[string]any{"outbound_external_id": e.exts["fin.ob:C2"], "line": 1, "qty": 1}}},
	}}, tok, 200, &res)
	if res.Created != 1 || res.Failed != 1 || res.Results[1].Errors[0].Field != "items[1].lines[0].outbound_external_id" ||
		res.Results[1].Errors[0].Code != "api.err_fin_unknown_outbound" {
		t.Fatalf("bulk across scopes: %+v", res)
	}
	if f := e.finFigures("C2"); f.Balance.InvoicedReceivable != 0 {
		t.Fatalf("South's customer was invoiced: %+v", f.Balance)
	}
}
