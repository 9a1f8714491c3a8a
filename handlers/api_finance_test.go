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
		// A bulk whose every invoice is refused is a 422 with each one's
		// errors (with others, the refused one fails alone:
		// TestAPIFinanceBulkScope).
		apiScopeRow{"POST", "/invoices/bulk", `{"items":[` + inv + `]}`, 422},
	)
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
			if err := tx.SaveSalesOrder(store.AdminScope(), so, []store.LineInput{{Code: "FIN-P", Qty: 10_000, Price: &price}}); err != nil {
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
				if err := tx.SetExternalID(store.ExtOutbound, ext, id); err != nil {
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
			kinds := map[string]string{"fin.iv": store.ExtInvoice, "fin.rc": store.ExtReceipt, "fin.ar": store.ExtAdvanceReceipt, "fin.rf": store.ExtRefund, "fin.wo": store.ExtWriteOff}
			for name, id := range docs {
				ext := strings.ToUpper(strings.ReplaceAll(name, ".", "-")) + "-" + code
				if err := tx.SetExternalID(kinds[name], ext, id); err != nil {
					return err
				}
				e.ids[name+":"+code], e.exts[name+":"+code] = id, ext
			}
			if err := tx.SetExternalID(store.ExtWriteOffLine, store.WriteOffLineExt(e.exts["fin.wo:"+code], 1), w.ID); err != nil {
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

// finPush calls the API and fails the test unless the answer has status want;
// it decodes the answer into out (when not nil).
func (e *testEnv) finPush(method, path string, body any, tok string, want int, out any) apiResp {
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

// finCheckClean runs the store's integrity check and the reconciliation
// verification: both must find nothing.
func (e *testEnv) finCheckClean() {
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

// finUIPost fetches a form page (for its one-time token), posts the form and
// returns the new document's id from the redirect.
func finUIPost(t *testing.T, c *client, form, action string, v url.Values) uint64 {
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
	iv1 := finUIPost(t, ui, "/invoices/new?customer=C2", "/invoices", url.Values{"customer_id": {c2}, "invoice_date": {finInvDate}, "qty." + ob + ".1": {"6"}, "audit": {"1"}})
	iv2 := finUIPost(t, ui, "/invoices/new?customer=C2", "/invoices", url.Values{"customer_id": {c2}, "invoice_date": {finInvDate}, "qty." + ob2 + ".1": {"2"}, "audit": {"1"}})
	iv3 := finUIPost(t, ui, "/invoices/new?customer=C2&red=1", "/invoices", url.Values{"customer_id": {c2}, "red": {"1"}, "invoice_date": {finInvDate}, "qty." + red + ".1": {"2"}, "audit": {"1"}})
	finUIPost(t, ui, "/receipts/new?customer=C2", "/receipts", url.Values{"customer_id": {c2}, "date": {finRcDate}, "amount": {"300.00"}, "method": {"transfer"},
		"invoices": {strconv.FormatUint(iv1, 10)}, "audit": {"1"}})
	ar := finUIPost(t, ui, "/advance-receipts/new?customer=C2", "/advance-receipts", url.Values{"customer_id": {c2}, "date": {finRcDate}, "amount": {"500.00"}, "method": {"cash"}, "audit": {"1"}})
	grid := "/write-offs?customer_id=" + c2
	for _, pair := range [][3]string{
		{model.WriteOffKey(model.DocAdvanceReceipt, ar), model.WriteOffKey(model.DocInvoice, iv2), "50.00"},
		{model.WriteOffKey(model.DocInvoice, iv3), model.WriteOffKey(model.DocInvoice, iv1), "100.00"},
	} {
		v := woForm(t, ui.get(grid).Body) // a pair picked in the grid's first empty row
		v.Set(model.WriteOffField(0, "source"), pair[0])
		v.Set(model.WriteOffField(0, "invoice"), pair[1])
		v.Set(model.WriteOffField(0, "amount"), pair[2])
		if r := ui.post("/write-offs", v); r.Code != http.StatusSeeOther {
			t.Fatalf("UI write-off: %d %s", r.Code, excerpt(r.Body))
		}
	}
	finUIPost(t, ui, "/refunds/new?customer=C2", "/refunds", url.Values{"customer_id": {c2}, "date": {finRcDate}, "amount": {"20.00"},
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
	ui.get(grid)
	if r := ui.post("/write-offs/"+strconv.FormatUint(woAR, 10)+"/reverse", url.Values{"_idem": {"rev"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("UI reverse: %d %s", r.Code, excerpt(r.Body))
	}

	// The same through the API, naming records every way the API allows.
	var iv apiInvoiceResult
	e.finPush("POST", "/invoices", map[string]any{"external_id": "IV-1", "customer_code": "C1", "invoice_date": finInvDate,
		"lines": []any{map[string]any{"outbound_external_id": e.exts["fin.ob:C1"], "line": 1, "qty": 6, "amount": 67800}}}, tok, 201, &iv)
	if iv.Status != "created" || iv.Invoice.Status != "audited" || iv.Invoice.Amount != 67800 || iv.Invoice.Open != 67800 || iv.Invoice.ExternalID != "IV-1" ||
		iv.Invoice.Lines[0].OutboundExternalID != e.exts["fin.ob:C1"] || iv.Invoice.CustomerCode != "C1" {
		t.Fatalf("invoice: %+v", iv)
	}
	e.finPush("POST", "/invoices", map[string]any{"external_id": "IV-2", "customer_id": e.ids["customer:C1"], "invoice_date": finInvDate,
		"lines": []any{map[string]any{"outbound_id": e.ids["fin.ob2:C1"], "line": 1, "qty": 2}}}, tok, 201, nil)
	e.finPush("POST", "/invoices", map[string]any{"external_id": "IV-3", "red": true, "invoice_date": finInvDate,
		"lines": []any{map[string]any{"outbound_external_id": e.exts["fin.red:C1"], "line": 1, "qty": 2, "amount": 22600}}}, tok, 201, &iv)
	if !iv.Invoice.Red || iv.Invoice.Amount != -22600 || iv.Invoice.Lines[0].Qty != "-2" || iv.Invoice.Open != -22600 {
		t.Fatalf("red invoice: %+v", iv.Invoice)
	}
	var rc apiReceiptResult
	e.finPush("POST", "/receipts", map[string]any{"external_id": "RC-1", "customer_code": "C1", "date": finRcDate, "amount": 30000,
		"invoices": []any{map[string]any{"external_id": "IV-1"}}}, tok, 201, &rc)
	if rc.Receipt.Applied != 30000 || rc.Receipt.Unapplied != 0 || len(rc.Receipt.WriteOffs) != 1 || rc.Receipt.Number == "" || rc.Receipt.Kind != "receipt" {
		t.Fatalf("receipt: %+v", rc.Receipt)
	}
	e.finPush("POST", "/advance-receipts", map[string]any{"external_id": "AR-1", "customer_id": e.ids["customer:C1"], "date": finRcDate, "amount": 50000, "method": "cash"}, tok, 201, nil)
	var wo apiWriteOffResult
	e.finPush("POST", "/write-offs", map[string]any{"external_id": "WO-1", "source_kind": "advance_receipt", "source_external_id": "AR-1",
		"lines": []any{map[string]any{"invoice_external_id": "IV-2", "amount": 5000}}}, tok, 201, &wo)
	woID := wo.WriteOff.ID
	e.finPush("POST", "/write-offs", map[string]any{"external_id": "WO-2", "source_kind": "red_invoice", "source_external_id": "IV-3",
		"lines": []any{map[string]any{"invoice_external_id": "IV-1", "amount": 10000}}}, tok, 201, &wo)
	if wo.WriteOff.Amount != 10000 || wo.WriteOff.Lines[0].Source.Kind != "red_invoice" {
		t.Fatalf("write-off from a red invoice: %+v", wo.WriteOff)
	}
	e.finPush("POST", "/refunds", map[string]any{"external_id": "RF-1", "customer_code": "C1", "date": finRcDate, "amount": 2000,
		"source_kind": "advance_receipt", "source_external_id": "AR-1"}, tok, 201, &rc)
	if len(rc.Receipt.Allocations) != 1 || rc.Receipt.Allocations[0].Amount != 2000 || rc.Receipt.Source == nil {
		t.Fatalf("refund: %+v", rc.Receipt)
	}
	var rev apiWriteOff
	e.finPush("POST", "/write-offs/"+strconv.FormatUint(woID, 10)+"/reverse", nil, tok, 200, &rev)
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
	e.finCheckClean()
}

// TestAPIFinanceIdempotency: the same external id or Idempotency-Key again
// never makes a second document; other content with the same external id
// is refused; a draft pushed again without draft is audited; concurrent
// pushes of one external id make exactly one invoice.
func TestAPIFinanceIdempotency(t *testing.T) {
	e, tok := finEnv(t)
	body := map[string]any{"external_id": "IV-9", "invoice_date": finInvDate, "lines": []any{map[string]any{"outbound_id": e.ids["fin.ob:C1"], "line": 1, "qty": 1}}}
	var first, again apiInvoiceResult
	e.finPush("POST", "/invoices", body, tok, 201, &first)
	before := e.finFigures("C1")
	e.finPush("POST", "/invoices", body, tok, 200, &again)
	if again.Status != "unchanged" || again.Invoice.ID != first.Invoice.ID || again.Invoice.Number != first.Invoice.Number {
		t.Fatalf("replay: %+v vs %+v", again, first)
	}
	// Other content under the same external id: a 409 naming the invoice,
	// as for every document; nothing moves.
	other := map[string]any{"external_id": "IV-9", "invoice_date": finInvDate, "lines": []any{map[string]any{"outbound_id": e.ids["fin.ob:C1"], "line": 1, "qty": 2}}}
	r := e.api("POST", "/invoices", other, apiCallOpts{token: tok})
	if p := r.problem(t); r.Code != 409 || p.Code != "api.err_exists_differs" || !strings.Contains(p.Detail, first.Invoice.Number) ||
		!strings.Contains(p.Detail, "IV-9") {
		t.Fatalf("other content: %d %s", r.Code, r.Body)
	}
	// In a bulk, the same refusal is the invoice's own error.
	if f := problemFieldCodes(t, e.api("POST", "/invoices/bulk", map[string]any{"items": []any{other}}, apiCallOpts{token: tok})); f["items[0].external_id"] != "api.err_exists_differs" {
		t.Fatalf("other content in a bulk: %v", f)
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
	e.finPush("POST", "/invoices", draft, tok, 201, &d)
	if d.Invoice.Status != "draft" || e.finFigures("C1").Balance != b0 {
		t.Fatalf("a draft posted: %+v", d.Invoice)
	}
	delete(draft, "draft")
	e.finPush("POST", "/invoices", draft, tok, 200, &d)
	if d.Status != "updated" || d.Invoice.Status != "audited" || e.finFigures("C1").Balance.InvoicedReceivable != b0.InvoicedReceivable+11300 {
		t.Fatalf("draft audited: %+v", d)
	}
	draft["draft"] = true
	if e.finPush("POST", "/invoices", draft, tok, 200, &d); d.Status != "unchanged" {
		t.Fatalf("the first push replayed after audit: %+v", d)
	}
	// A draft deleted in the UI frees its external id.
	draft["external_id"] = "IV-DEL"
	e.finPush("POST", "/invoices", draft, tok, 201, &d)
	err := e.st.Update("admin", func(tx *store.Tx) error {
		return tx.DeleteInvoice(store.AdminScope(), d.Invoice.ID, d.Invoice.Version)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.finPush("GET", "/invoices/external/IV-DEL", nil, tok, 404, nil)
	var d2 apiInvoiceResult
	if e.finPush("POST", "/invoices", draft, tok, 201, &d2); d2.Invoice.ID == d.Invoice.ID {
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
	// An external id with spaces, slashes and the like is read back by its
	// percent-encoded path.
	odd := map[string]any{"external_id": "IV 2026/01#a?b", "invoice_date": finInvDate, "lines": []any{map[string]any{"outbound_id": e.ids["fin.ob2:C1"], "line": 1, "qty": 1}}}
	e.finPush("POST", "/invoices", odd, tok, 201, nil)
	var oddGot apiInvoice
	if r := e.api("GET", "/invoices/external/IV%202026%2F01%23a%3Fb", nil, apiCallOpts{token: tok, badRequest: true}); r.Code != 200 {
		t.Fatalf("read by an encoded external id: %d %s", r.Code, r.Body)
	} else if r.JSON(t, &oddGot); oddGot.ExternalID != "IV 2026/01#a?b" {
		t.Fatalf("read by an encoded external id: %+v", oddGot)
	}
	// Receipts and write-offs replay alike.
	rc := map[string]any{"external_id": "RC-9", "customer_code": "C1", "date": finRcDate, "amount": 1000}
	var r9, r9b apiReceiptResult
	e.finPush("POST", "/receipts", rc, tok, 201, &r9)
	e.finPush("POST", "/receipts", rc, tok, 200, &r9b)
	if r9b.Status != "unchanged" || r9b.Receipt.ID != r9.Receipt.ID {
		t.Fatalf("receipt replay: %+v", r9b)
	}
	rc["amount"] = 1001
	if r := e.api("POST", "/receipts", rc, apiCallOpts{token: tok}); r.Code != 409 || r.problem(t).Code != "api.err_exists_differs" ||
		!strings.Contains(r.problem(t).Detail, r9.Receipt.Number) {
		t.Fatalf("receipt with other content: %d %s", r.Code, r.Body)
	}
	wo := map[string]any{"external_id": "WO-9", "source_kind": "receipt", "source_external_id": "RC-9",
		"lines": []any{map[string]any{"invoice_external_id": "IV-9", "amount": 500}}}
	var w1, w2 apiWriteOffResult
	e.finPush("POST", "/write-offs", wo, tok, 201, &w1)
	e.finPush("POST", "/write-offs", wo, tok, 200, &w2)
	if w2.Status != "unchanged" || w2.WriteOff.ID != w1.WriteOff.ID || len(w2.WriteOff.Lines) != 1 {
		t.Fatalf("write-off replay: %+v", w2)
	}
	wo["lines"] = []any{map[string]any{"invoice_external_id": "IV-9", "amount": 400}}
	if r := e.api("POST", "/write-offs", wo, apiCallOpts{token: tok}); r.Code != 409 || r.problem(t).Code != "api.err_exists_differs" {
		t.Fatalf("write-off with other content: %d %s", r.Code, r.Body)
	}
	var got apiReceipt
	if e.finPush("GET", "/receipts/external/RC-9", nil, tok, 200, &got); got.Applied != 500 {
		t.Fatalf("the receipt was written off twice: %+v", got)
	}
	e.finCheckClean()
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
	e.finPush("POST", "/invoices/bulk", body, tok, 200, &res)
	if res.Created != 2 || res.Failed != 1 || res.Results[1].Status != "failed" || res.Results[1].Errors[0].Field != "items[1].lines[0].qty" ||
		res.Results[1].Errors[0].Code != "err.recon_over_invoice" || res.Results[0].ExternalID != "B-1" {
		t.Fatalf("bulk: %+v", res)
	}
	e.finPush("POST", "/invoices/bulk", body, tok, 200, &res)
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
	e.finCheckClean()
}

// TestAPIFinanceBulkScope: a client scoped to East pushing a bulk request
// with an invoice of South's C2 gets that invoice refused at its field,
// and East's C1's made.
func TestAPIFinanceBulkScope(t *testing.T) {
	e := newTestEnv(t)
	finOutbounds(t, e)
	tok, _ := e.newAPIClient("east-erp", apiClientOpts{scopes: []model.APIScope{model.ScopeOf(model.APIFinance, true)}, orgs: []string{"EAST"}})
	var res apiBulkResult
	e.finPush("POST", "/invoices/bulk", map[string]any{"items": []any{
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

// finCounts counts every finance document and write-off record.
func (e *testEnv) finCounts() string {
	e.t.Helper()
	var out string
	err := e.st.View(func(tx *store.Tx) error {
		for _, k := range []model.DocType{model.DocInvoice, model.DocReceipt, model.DocAdvanceReceipt, model.DocRefund} {
			out += fmt.Sprintf("%s %d; ", k, tx.CountDocs(store.AdminScope(), k))
		}
		_, n, err := tx.ListWriteOffs(store.AdminScope(), store.WriteOffFilter{}, store.Page{})
		out += fmt.Sprintf("write-offs %d", n)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// finBad is a request the API must refuse: its status, and (for a 422)
// the field and the code of the first error, or (otherwise) the problem's
// code.
type finBad struct {
	name, path string
	body       any
	raw        string
	headers    map[string]string
	status     int
	field      string
	code       string
}

// TestAPIFinanceBadInput sends every kind of bad input to every push: each
// is refused with a problem+json answer naming the field, in both
// languages' catalogs, and nothing is written.
func TestAPIFinanceBadInput(t *testing.T) {
	e, tok := finEnv(t)
	ob, ob2, red, obC2 := e.ids["fin.ob:C1"], e.ids["fin.ob2:C1"], e.ids["fin.red:C1"], e.ids["fin.ob:C2"]
	c1, c2 := e.ids["customer:C1"], e.ids["customer:C2"]
	line := func(kv ...any) map[string]any {
		m := map[string]any{"outbound_id": ob, "line": 1, "qty": 1}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	inv := func(kv ...any) map[string]any {
		m := map[string]any{"external_id": "BAD", "invoice_date": finInvDate, "lines": []any{line()}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	rc := func(kv ...any) map[string]any {
		m := map[string]any{"external_id": "BAD", "customer_code": "C1", "date": finRcDate, "amount": 100}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	// What the write-offs work on: two invoices, a posted and a draft
	// receipt, a red invoice, and C2's invoice.
	e.finPush("POST", "/invoices", inv("external_id", "IV-A", "lines", []any{line("qty", 3)}), tok, 201, nil)
	e.finPush("POST", "/invoices", inv("external_id", "IV-B", "lines", []any{line("outbound_id", ob2)}), tok, 201, nil)
	e.finPush("POST", "/invoices", inv("external_id", "IV-RED", "red", true, "lines", []any{line("outbound_id", red)}), tok, 201, nil)
	e.finPush("POST", "/invoices", inv("external_id", "IV-C2", "lines", []any{line("outbound_id", obC2)}), tok, 201, nil)
	e.finPush("POST", "/receipts", rc("external_id", "RC-A", "amount", 20000), tok, 201, nil)
	e.finPush("POST", "/receipts", rc("external_id", "RC-DRAFT", "draft", true), tok, 201, nil)
	wo := func(kv ...any) map[string]any {
		m := map[string]any{"external_id": "BAD", "source_kind": "receipt", "source_external_id": "RC-A",
			"lines": []any{map[string]any{"invoice_external_id": "IV-B", "amount": 100}}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	manyLines := make([]any, model.MaxLines+1)
	for i := range manyLines {
		manyLines[i] = line("line", i+1)
	}
	before, counts := fmt.Sprint(e.finFigures("C1"), e.finFigures("C2")), e.finCounts()

	cases := []finBad{
		// Shape: types, unknown fields, missing fields, JSON, media type, size.
		{name: "wrong type", path: "/invoices", raw: `{"external_id":5,"invoice_date":"2026-03-10","lines":[]}`, status: 422, field: "external_id", code: "api.err_type"},
		{name: "qty as text", path: "/invoices", body: inv("lines", []any{line("qty", true)}), status: 422, field: "lines[0].qty", code: "api.err_type"},
		{name: "unknown field", path: "/invoices", body: inv("colour", "red"), status: 422, field: "colour", code: "api.err_unknown_field"},
		{name: "unknown line field", path: "/invoices", body: inv("lines", []any{line("price", 1)}), status: 422, field: "lines[0].price", code: "api.err_unknown_field"},
		{name: "missing everything", path: "/invoices", raw: `{}`, status: 422, field: "external_id", code: "err.required"},
		{name: "missing date", path: "/invoices", body: inv("invoice_date", nil), status: 422, field: "invoice_date", code: "err.required"},
		{name: "missing lines", path: "/invoices", body: inv("lines", nil), status: 422, field: "lines", code: "err.no_lines"},
		{name: "missing qty", path: "/invoices", body: inv("lines", []any{line("qty", nil)}), status: 422, field: "lines[0].qty", code: "err.required"},
		{name: "missing line", path: "/invoices", body: inv("lines", []any{line("line", nil)}), status: 422, field: "lines[0].line", code: "err.required"},
		{name: "missing outbound", path: "/invoices", body: inv("lines", []any{line("outbound_id", nil)}), status: 422, field: "lines[0].outbound_id", code: "err.required"},
		{name: "not JSON", path: "/invoices", raw: `{"external_id":`, status: 400, code: "api.err_json_empty"},
		{name: "two values", path: "/invoices", raw: `{} {}`, status: 400, code: "api.err_json_trailing"},
		{name: "not JSON media", path: "/invoices", raw: `{}`, headers: map[string]string{"Content-Type": "text/plain"}, status: 415, code: "api.err_content_type"},
		{name: "oversized", path: "/invoices", raw: `{"remarks":"` + strings.Repeat("x", APIBodyLimit) + `"}`, status: 413, code: "api.err_too_large"},
		// Bounds, as in the UI.
		{name: "qty above the bound", path: "/invoices", body: inv("lines", []any{line("qty", 1000001)}), status: 422, field: "lines[0].qty", code: "err.qty_range"},
		{name: "qty of four decimals", path: "/invoices", body: inv("lines", []any{line("qty", 1.2345)}), status: 422, field: "lines[0].qty", code: "err.qty_invalid"},
		{name: "qty zero", path: "/invoices", body: inv("lines", []any{line("qty", 0)}), status: 422, field: "lines[0].qty", code: "err.qty_positive"},
		{name: "qty negative", path: "/invoices", body: inv("lines", []any{line("qty", -1)}), status: 422, field: "lines[0].qty", code: "err.qty_positive"},
		{name: "amount above the bound", path: "/invoices", body: inv("lines", []any{line("amount", 100000000001)}), status: 422, field: "lines[0].amount", code: "err.amount_range"},
		{name: "too many lines", path: "/invoices", body: inv("lines", manyLines), status: 422, field: "lines", code: "err.too_many_lines"},
		{name: "above the un-invoiced", path: "/invoices", body: inv("lines", []any{line("qty", 4)}), status: 422, field: "lines[0].qty", code: "err.recon_over_invoice"},
		{name: "date", path: "/invoices", body: inv("invoice_date", "2026-13-01"), status: 422, field: "invoice_date", code: "err.doc_date"},
		{name: "date shape", path: "/invoices", body: inv("invoice_date", "10/03/2026"), status: 422, field: "invoice_date", code: "err.doc_date"},
		{name: "date before the outbound", path: "/invoices", body: inv("invoice_date", "2026-03-01"), status: 422, field: "invoice_date", code: "err.recon_date_before"},
		{name: "amount differs", path: "/invoices", body: inv("lines", []any{line("amount", 11200)}), status: 422, field: "lines[0].amount", code: "api.err_fin_amount"},
		{name: "external id control", path: "/invoices", body: inv("external_id", "A\u0001"), status: 422, field: "external_id", code: "api.err_fin_external_id"},
		{name: "external id long", path: "/invoices", body: inv("external_id", strings.Repeat("x", 101)), status: 422, field: "external_id", code: "err.too_long"},
		{name: "invoice no long", path: "/invoices", body: inv("invoice_no", strings.Repeat("9", 41)), status: 422, field: "invoice_no", code: "err.too_long"},
		// Unknown or wrong references.
		{name: "unknown outbound", path: "/invoices", body: inv("lines", []any{line("outbound_id", 999999)}), status: 422, field: "lines[0].outbound_id", code: "api.err_fin_unknown_outbound"},
		{name: "unknown outbound external id", path: "/invoices", body: inv("lines", []any{line("outbound_id", nil, "outbound_external_id", "NOPE")}), status: 422, field: "lines[0].outbound_external_id", code: "api.err_fin_unknown_outbound"},
		{name: "id and external id differ", path: "/invoices", body: inv("lines", []any{line("outbound_external_id", e.exts["fin.red:C1"])}), status: 422, field: "lines[0].outbound_external_id", code: "api.err_fin_ref_mismatch"},
		{name: "unknown customer", path: "/invoices", body: inv("customer_code", "ZZ"), status: 422, field: "customer_code", code: "api.err_fin_unknown_customer"},
		{name: "another customer's outbound", path: "/invoices", body: inv("customer_id", c1, "lines", []any{line("outbound_id", obC2)}), status: 422, field: "lines[0].outbound_id", code: "api.err_fin_other_customer"},
		{name: "colour", path: "/invoices", body: inv("red", true), status: 422, field: "lines[0].outbound_id", code: "api.err_fin_colour"},
		{name: "no such line", path: "/invoices", body: inv("lines", []any{line("line", 9)}), status: 422, field: "lines[0].line", code: "api.err_fin_no_line"},
		{name: "a line twice", path: "/invoices", body: inv("lines", []any{line(), line()}), status: 422, field: "lines[1].line", code: "api.err_fin_line_twice"},
		{name: "bulk with nothing", path: "/invoices/bulk", body: map[string]any{"items": []any{}}, status: 422, field: "items", code: "err.required"},
		// Receipts, advance receipts, refunds.
		{name: "receipt amount zero", path: "/receipts", body: rc("amount", 0), status: 422, field: "amount", code: "err.recon_amount_positive"},
		{name: "receipt amount negative", path: "/advance-receipts", body: rc("amount", -5), status: 422, field: "amount", code: "err.recon_amount_positive"},
		{name: "receipt amount above the bound", path: "/receipts", body: rc("amount", 100000000001), status: 422, field: "amount", code: "err.amount_range"},
		{name: "receipt amount as text", path: "/receipts", body: rc("amount", "100"), status: 422, field: "amount", code: "api.err_type"},
		{name: "receipt method", path: "/receipts", body: rc("method", "wire"), status: 422, field: "method", code: "err.choice"},
		{name: "receipt without customer", path: "/receipts", body: rc("customer_code", nil), status: 422, field: "customer_external_id", code: "api.err_fin_customer_required"},
		{name: "receipt of an unknown customer", path: "/receipts", body: rc("customer_code", nil, "customer_id", 999999), status: 422, field: "customer_id", code: "api.err_fin_unknown_customer"},
		{name: "receipt of two customers", path: "/receipts", body: rc("customer_id", c2), status: 422, field: "customer_code", code: "api.err_fin_ref_mismatch"},
		{name: "receipt without date", path: "/receipts", body: rc("date", nil), status: 422, field: "date", code: "err.required"},
		{name: "receipt reference long", path: "/receipts", body: rc("reference", strings.Repeat("r", 61)), status: 422, field: "reference", code: "err.too_long"},
		{name: "receipt with a source", path: "/receipts", body: rc("source_id", 1), status: 422, field: "source_id", code: "api.err_fin_not_for_kind"},
		{name: "advance receipt with invoices", path: "/advance-receipts", body: rc("invoices", []any{map[string]any{"external_id": "IV-B"}}), status: 422, field: "invoices", code: "api.err_fin_not_for_kind"},
		{name: "receipt of an unknown invoice", path: "/receipts", body: rc("invoices", []any{map[string]any{"id": 999999}}), status: 422, field: "invoices[0].id", code: "api.err_fin_unknown_invoice"},
		{name: "receipt of a red invoice", path: "/receipts", body: rc("invoices", []any{map[string]any{"external_id": "IV-RED"}}), status: 422, field: "invoices[0].external_id", code: "api.err_fin_red_invoice"},
		{name: "receipt of another customer's invoice", path: "/receipts", body: rc("invoices", []any{map[string]any{"external_id": "IV-C2"}}), status: 422, field: "invoices[0].external_id", code: "api.err_fin_other_customer"},
		{name: "advance receipt of an unknown order", path: "/advance-receipts", body: rc("sales_order_number", "SO-1999-000001"), status: 422, field: "sales_order_number", code: "api.err_fin_unknown_sales_order"},
		{name: "advance receipt of another customer's order", path: "/advance-receipts", body: rc("sales_order_id", e.ids["fin.so:C2"]), status: 422, field: "sales_order_id", code: "api.err_fin_other_customer"},
		{name: "refund above the unapplied receipts", path: "/refunds", body: rc("amount", 20001), status: 422, field: "amount", code: "err.recon_refund_limit"},
		{name: "refund of an unknown receipt", path: "/refunds", body: rc("source_kind", "receipt", "source_external_id", "NOPE"), status: 422, field: "source_external_id", code: "api.err_fin_unknown_receipt"},
		{name: "refund source without kind", path: "/refunds", body: rc("source_external_id", "RC-A"), status: 422, field: "source_kind", code: "err.required"},
		{name: "refund of a refund", path: "/refunds", body: rc("source_kind", "refund", "source_id", 1), status: 422, field: "source_kind", code: "err.choice"},
		// Write-offs.
		{name: "write-off without source", path: "/write-offs", body: wo("source_kind", nil, "source_external_id", nil), status: 422, field: "source_kind", code: "err.required"},
		{name: "write-off source kind", path: "/write-offs", body: wo("source_kind", "refund"), status: 422, field: "source_kind", code: "err.choice"},
		{name: "write-off without lines", path: "/write-offs", body: wo("lines", nil), status: 422, field: "lines", code: "err.no_lines"},
		{name: "write-off of nothing", path: "/write-offs", body: wo("lines", []any{map[string]any{"invoice_external_id": "IV-B"}}), status: 422, field: "lines[0].amount", code: "err.recon_amount_positive"},
		{name: "write-off above the open", path: "/write-offs", body: wo("lines", []any{map[string]any{"invoice_external_id": "IV-B", "amount": 11301}}), status: 422, field: "lines[0].amount", code: "err.recon_amount_max"},
		{name: "write-off all or nothing", path: "/write-offs", body: wo("lines", []any{map[string]any{"invoice_external_id": "IV-A", "amount": 1000}, map[string]any{"invoice_external_id": "IV-B", "amount": 99999}}),
			status: 422, field: "lines[1].amount", code: "err.recon_amount_max"},
		{name: "write-off of a draft receipt", path: "/write-offs", body: wo("source_external_id", "RC-DRAFT"), status: 422, field: "source_external_id", code: "err.recon_not_posted"},
		{name: "write-off against a red invoice", path: "/write-offs", body: wo("lines", []any{map[string]any{"invoice_external_id": "IV-RED", "amount": 100}}), status: 422, field: "lines[0].invoice_external_id", code: "err.recon_nothing_open"},
		{name: "write-off against another customer's invoice", path: "/write-offs", body: wo("lines", []any{map[string]any{"invoice_external_id": "IV-C2", "amount": 100}}), status: 422, field: "lines[0].invoice_external_id", code: "api.err_fin_other_customer"},
		{name: "write-off of an unknown invoice", path: "/write-offs", body: wo("lines", []any{map[string]any{"invoice_id": 999999, "amount": 100}}), status: 422, field: "lines[0].invoice_id", code: "api.err_fin_unknown_invoice"},
		{name: "automatic write-off with amounts", path: "/write-offs", body: wo("auto", true), status: 422, field: "lines[0].amount", code: "api.err_fin_auto_amount"},
		{name: "automatic write-off without customer", path: "/write-offs", body: wo("auto", true, "source_kind", nil, "source_external_id", nil, "lines", nil), status: 422, field: "customer_external_id", code: "api.err_fin_customer_required"},
		{name: "automatic write-off of nothing", path: "/write-offs", body: wo("auto", true, "source_kind", nil, "source_external_id", nil, "lines", nil, "customer_code", "C2"), status: 422, field: "auto", code: "api.err_fin_nothing_open"},
		{name: "reverse nothing", path: "/write-offs/999999/reverse", status: 404, code: "err.not_found"},
		{name: "reverse no id", path: "/write-offs/x/reverse", status: 404, code: "err.not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := apiCallOpts{token: tok, badRequest: true, headers: c.headers}
			if c.raw != "" {
				o.raw = []byte(c.raw)
			}
			for _, lang := range []string{"en", "zh-CN"} {
				o.lang = lang
				r := e.api("POST", c.path, c.body, o)
				if r.Code != c.status {
					t.Fatalf("%d, want %d: %.400s", r.Code, c.status, r.Body)
				}
				p := r.problem(t)
				if strings.Contains(string(r.Body), "⟦") {
					t.Fatalf("a message without a text: %s", r.Body)
				}
				if c.field == "" {
					if p.Code != c.code {
						t.Fatalf("problem %q, want %q: %s", p.Code, c.code, r.Body)
					}
					continue
				}
				found := false
				for _, f := range p.Errors {
					found = found || f.Field == c.field && f.Code == c.code && f.Message != ""
				}
				if !found {
					t.Fatalf("no %s at %s: %s", c.code, c.field, r.Body)
				}
			}
		})
	}
	if after := fmt.Sprint(e.finFigures("C1"), e.finFigures("C2")); after != before {
		t.Fatalf("refused requests moved figures:\n%s\n%s", before, after)
	}
	if after := e.finCounts(); after != counts {
		t.Fatalf("refused requests wrote documents: %s, was %s", after, counts)
	}
	// Reads of what does not exist, or of another kind.
	for _, p := range []string{"/invoices/999999", "/invoices/external/NOPE", "/receipts/external/IV-A", "/refunds/external/RC-A", "/write-offs/999999", "/write-offs/external/NOPE"} {
		if r := e.api("GET", p, nil, apiCallOpts{token: tok}); r.Code != 404 || r.problem(t).Code != "err.not_found" {
			t.Errorf("GET %s: %d %s", p, r.Code, r.Body)
		}
	}
	e.finCheckClean()
}

// TestAPIFinanceGrants: a client without the finance family is refused
// every finance call (403); one that may only read it reads but cannot push.
func TestAPIFinanceGrants(t *testing.T) {
	e, tok := finEnv(t)
	var iv apiInvoiceResult
	e.finPush("POST", "/invoices", map[string]any{"external_id": "IV-G", "invoice_date": finInvDate,
		"lines": []any{map[string]any{"outbound_id": e.ids["fin.ob:C1"], "line": 1, "qty": 1}}}, tok, 201, &iv)
	other, _ := e.newAPIClient("products-only", apiClientOpts{scopes: []model.APIScope{model.ScopeOf(model.APIProducts, true)}})
	reader, _ := e.newAPIClient("reader", apiClientOpts{scopes: []model.APIScope{model.ScopeOf(model.APIFinance, false)}})
	path := "/invoices/" + strconv.FormatUint(iv.Invoice.ID, 10)
	for _, c := range []struct {
		tok, method, path string
		body              any
		want              int
	}{
		{other, "GET", path, nil, 403},
		{other, "POST", "/receipts", map[string]any{"external_id": "X", "customer_code": "C1", "date": finRcDate, "amount": 1}, 403},
		{reader, "GET", path, nil, 200},
		{reader, "GET", "/invoices/external/IV-G", nil, 200},
		{reader, "POST", "/write-offs/1/reverse", nil, 403},
		{reader, "POST", "/invoices/bulk", map[string]any{"items": []any{}}, 403},
	} {
		r := e.api(c.method, c.path, c.body, apiCallOpts{token: c.tok, badRequest: true})
		if r.Code != c.want || c.want == 403 && r.problem(t).Code != "api.err_scope" {
			t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, r.Code, c.want, r.Body)
		}
	}
}

// TestAPIFinanceRefundLimit: a refund pays back at most what the
// customer's posted receipts hold unapplied, to the cent.
func TestAPIFinanceRefundLimit(t *testing.T) {
	e, tok := finEnv(t)
	rc := func(path, ext string, amount int64, extra ...any) apiResp {
		m := map[string]any{"external_id": ext, "customer_code": "C1", "date": finRcDate, "amount": amount}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i].(string)] = extra[i+1]
		}
		return e.api("POST", path, m, apiCallOpts{token: tok})
	}
	if r := rc("/refunds", "RF-0", 1); r.Code != 422 || !strings.Contains(string(r.Body), `"max":`) && !strings.Contains(string(r.Body), "0.00") {
		t.Fatalf("refund without receipts: %d %s", r.Code, r.Body)
	}
	if r := rc("/receipts", "RC-L", 10000); r.Code != 201 {
		t.Fatalf("receipt: %d %s", r.Code, r.Body)
	}
	if r := rc("/advance-receipts", "AR-L", 5000); r.Code != 201 {
		t.Fatalf("advance receipt: %d %s", r.Code, r.Body)
	}
	// Named: at most what that advance receipt holds.
	if r := rc("/refunds", "RF-1", 5001, "source_kind", "advance_receipt", "source_external_id", "AR-L"); r.Code != 422 || !strings.Contains(string(r.Body), "50.00") {
		t.Fatalf("refund above its source: %d %s", r.Code, r.Body)
	}
	// Unnamed: the customer's receipts, oldest first.
	if r := rc("/refunds", "RF-2", 15001); r.Code != 422 || r.problem(t).Errors[0].Code != "err.recon_refund_limit" {
		t.Fatalf("refund above every receipt: %d %s", r.Code, r.Body)
	}
	var res apiReceiptResult
	r := rc("/refunds", "RF-3", 15000)
	r.JSON(t, &res)
	if r.Code != 201 || len(res.Receipt.Allocations) != 2 || res.Receipt.Allocations[0].Kind != "receipt" || res.Receipt.Allocations[1].Amount != 5000 {
		t.Fatalf("refund of everything: %d %s", r.Code, r.Body)
	}
	if r := rc("/refunds", "RF-4", 1); r.Code != 422 {
		t.Fatalf("a cent more: %d %s", r.Code, r.Body)
	}
	var got apiReceipt
	if e.finPush("GET", "/receipts/external/RC-L", nil, tok, 200, &got); got.Unapplied != 0 || got.Refunded != 10000 {
		t.Fatalf("receipt after the refund: %+v", got)
	}
	if b := e.finFigures("C1").Balance; b.ReceiptBalance != 0 {
		t.Fatalf("receipt balance after refunding everything: %+v", b)
	}
	e.finCheckClean()
}

// TestAPIFinanceWriteOffs: a write-off of several lines is written at once
// and read back by its id, any record's id and its external id; automatic
// write-offs from one source and customer-wide; reversal of every record
// (once; a key makes a retry safe), and of a record the UI made.
func TestAPIFinanceWriteOffs(t *testing.T) {
	e, tok := finEnv(t)
	invoice := func(ext string, ob uint64, qty int) {
		e.finPush("POST", "/invoices", map[string]any{"external_id": ext, "invoice_date": finInvDate,
			"lines": []any{map[string]any{"outbound_id": ob, "line": 1, "qty": qty}}}, tok, 201, nil)
	}
	invoice("IV-1", e.ids["fin.ob:C1"], 2) // ¥226.00
	invoice("IV-2", e.ids["fin.ob:C1"], 1) // ¥113.00
	invoice("IV-3", e.ids["fin.ob2:C1"], 1)
	e.finPush("POST", "/receipts", map[string]any{"external_id": "RC-1", "customer_code": "C1", "date": finRcDate, "amount": 50000}, tok, 201, nil)
	start := e.finFigures("C1")
	var w apiWriteOffResult
	e.finPush("POST", "/write-offs", map[string]any{"external_id": "WO-1", "customer_code": "C1", "source_kind": "receipt", "source_external_id": "RC-1",
		"lines": []any{map[string]any{"invoice_external_id": "IV-1", "amount": 22600}, map[string]any{"invoice_external_id": "IV-2", "amount": 1300}}}, tok, 201, &w)
	if len(w.WriteOff.Lines) != 2 || w.WriteOff.Amount != 23900 || w.WriteOff.Lines[1].Invoice.Number == "" || w.WriteOff.Lines[0].Source.Number == "" {
		t.Fatalf("write-off: %+v", w.WriteOff)
	}
	if b := e.finFigures("C1").Balance; b.InvoicedReceivable != start.Balance.InvoicedReceivable-23900 || b.ReceiptBalance != start.Balance.ReceiptBalance-23900 {
		t.Fatalf("balance after the write-off: %+v", b)
	}
	for _, p := range []string{"/write-offs/" + strconv.FormatUint(w.WriteOff.ID, 10), "/write-offs/" + strconv.FormatUint(w.WriteOff.Lines[1].ID, 10), "/write-offs/external/WO-1"} {
		var got apiWriteOff
		if e.finPush("GET", p, nil, tok, 200, &got); got.ID != w.WriteOff.ID || len(got.Lines) != 2 || got.ExternalID != "WO-1" {
			t.Fatalf("GET %s: %+v", p, got)
		}
	}
	var iv apiInvoice
	if e.finPush("GET", "/invoices/external/IV-1", nil, tok, 200, &iv); iv.Open != 0 || iv.WrittenOff != 22600 || iv.Lines[0].Received != 22600 {
		t.Fatalf("invoice after the write-off: %+v", iv)
	}
	// Automatic: from the receipt against the invoices named, oldest first.
	var a apiWriteOffResult
	e.finPush("POST", "/write-offs", map[string]any{"external_id": "WO-AUTO", "auto": true, "source_kind": "receipt", "source_external_id": "RC-1",
		"lines": []any{map[string]any{"invoice_external_id": "IV-2"}}}, tok, 201, &a)
	if len(a.WriteOff.Lines) != 1 || a.WriteOff.Amount != 10000 || !a.WriteOff.Lines[0].Auto {
		t.Fatalf("automatic write-off: %+v", a.WriteOff)
	}
	// Customer-wide: whatever is left.
	e.finPush("POST", "/write-offs", map[string]any{"external_id": "WO-ALL", "auto": true, "customer_code": "C1"}, tok, 201, &a)
	if a.WriteOff.Amount != 11300 {
		t.Fatalf("customer-wide write-off: %+v", a.WriteOff)
	}
	// Reverse the first, with a key: a retry is answered, a second reversal refused.
	rev := "/write-offs/" + strconv.FormatUint(w.WriteOff.ID, 10) + "/reverse"
	hdr := map[string]string{"Idempotency-Key": "rev-WO-1"}
	var back apiWriteOff
	if r := e.api("POST", rev, nil, apiCallOpts{token: tok, headers: hdr}); r.Code != 200 {
		t.Fatalf("reverse: %d %s", r.Code, r.Body)
	} else {
		r.JSON(t, &back)
	}
	if !back.Reversed || !back.Lines[0].Reversed || !back.Lines[1].Reversed || back.Lines[0].ReversedDate == "" {
		t.Fatalf("reversed: %+v", back)
	}
	if r := e.api("POST", rev, nil, apiCallOpts{token: tok, headers: hdr}); r.Code != 200 {
		t.Fatalf("reverse retried with its key: %d %s", r.Code, r.Body)
	}
	if r := e.api("POST", rev, map[string]any{"note": "x"}, apiCallOpts{token: tok, headers: hdr}); r.Code != 422 || r.problem(t).Code != "api.err_idempotency_reuse" {
		t.Fatalf("reverse's key with another body: %d %s", r.Code, r.Body)
	}
	if r := e.api("POST", rev, nil, apiCallOpts{token: tok}); r.Code != 409 || r.problem(t).Code != "err.state" {
		t.Fatalf("reverse twice: %d %s", r.Code, r.Body)
	}
	if e.finPush("GET", "/invoices/external/IV-1", nil, tok, 200, &iv); iv.Open != 22600 || iv.Lines[0].Received != 0 {
		t.Fatalf("invoice after the reversal: %+v", iv)
	}
	// A record the UI made is a write-off of one line, reversible here too.
	var uiWO uint64
	admin := e.finUser("admin")
	err := e.st.Update("admin", func(tx *store.Tx) error {
		var rcID uint64
		if rcID = tx.ExternalID(store.ExtReceipt, "RC-1"); rcID == 0 {
			return model.ErrNotFound
		}
		w, err := tx.ApplyWriteOff(store.AdminScope(), admin, e.ids["customer:C1"], store.WriteOffSource{Kind: model.DocReceipt, ID: rcID},
			tx.ExternalID(store.ExtInvoice, "IV-1"), 100, false)
		if err == nil {
			uiWO = w.ID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var one apiWriteOff
	e.finPush("POST", "/write-offs/"+strconv.FormatUint(uiWO, 10)+"/reverse", nil, tok, 200, &one)
	if one.ID != uiWO || one.ExternalID != "" || len(one.Lines) != 1 || !one.Reversed {
		t.Fatalf("the UI's write-off reversed: %+v", one)
	}
	var rcOut apiReceipt
	if e.finPush("GET", "/receipts/external/RC-1", nil, tok, 200, &rcOut); len(rcOut.WriteOffs) != 5 || rcOut.Applied != 21300 {
		t.Fatalf("receipt's write-offs: applied %d, %d records", rcOut.Applied, len(rcOut.WriteOffs))
	}
	e.finCheckClean()
}

// TestAPIFinanceReceiptDrafts: a draft receipt moves nothing until it is
// pushed again without draft; an advance receipt names its sales order by
// number, external id or id; a receipt with auto_write_off pays the oldest
// invoices at once.
func TestAPIFinanceReceiptDrafts(t *testing.T) {
	e, tok := finEnv(t)
	b0 := e.finFigures("C1").Balance
	body := map[string]any{"external_id": "AR-D", "customer_code": "C1", "date": finRcDate, "amount": 7000, "draft": true, "sales_order_number": "  "}
	var res apiReceiptResult
	var so *model.SalesOrder
	_ = e.st.View(func(tx *store.Tx) (err error) {
		so, err = tx.SalesOrder(store.AdminScope(), e.ids["fin.so:C1"])
		return err
	})
	body["sales_order_number"] = so.Number
	e.finPush("POST", "/advance-receipts", body, tok, 201, &res)
	if res.Receipt.Status != "draft" || res.Receipt.Unapplied != 0 || res.Receipt.SalesOrder == nil || res.Receipt.SalesOrder.Number != so.Number ||
		e.finFigures("C1").Balance != b0 {
		t.Fatalf("draft: %+v", res.Receipt)
	}
	delete(body, "draft")
	e.finPush("POST", "/advance-receipts", body, tok, 200, &res)
	if res.Status != "updated" || res.Receipt.Status != "audited" || res.Receipt.Unapplied != 7000 || e.finFigures("C1").Balance.ReceiptBalance != b0.ReceiptBalance+7000 {
		t.Fatalf("audited: %+v", res)
	}
	// The same order by its id, with the number: one order, accepted.
	e.finPush("POST", "/advance-receipts", map[string]any{"external_id": "AR-2", "customer_code": "C1", "date": finRcDate, "amount": 1,
		"sales_order_id": so.ID, "sales_order_number": so.Number}, tok, 201, &res)
	if res.Receipt.SalesOrder == nil || res.Receipt.SalesOrder.ID != so.ID {
		t.Fatalf("advance receipt by order id: %+v", res.Receipt)
	}
	// A receipt asking for the automatic write-off pays the invoices
	// oldest first when it is posted.
	for i, ob := range []uint64{e.ids["fin.ob:C1"], e.ids["fin.ob2:C1"]} {
		e.finPush("POST", "/invoices", map[string]any{"external_id": fmt.Sprintf("IV-%d", i), "invoice_date": finInvDate,
			"lines": []any{map[string]any{"outbound_id": ob, "line": 1, "qty": 1}}}, tok, 201, nil)
	}
	e.finPush("POST", "/receipts", map[string]any{"external_id": "RC-AUTO", "customer_code": "C1", "date": finRcDate, "amount": 20000, "auto_write_off": true}, tok, 201, &res)
	if res.Receipt.Applied != 20000 || len(res.Receipt.WriteOffs) != 2 || !res.Receipt.WriteOffs[0].Auto {
		t.Fatalf("receipt written off at audit: %+v", res.Receipt)
	}
	e.finCheckClean()
}

// FuzzAPIFinanceDecode feeds arbitrary bodies to the finance pushes'
// decoders and checks: never a panic, and a body that decodes is either
// refused with field errors or fully checked.
func FuzzAPIFinanceDecode(f *testing.F) {
	for _, s := range []string{
		`{"external_id":"IV-1","invoice_date":"2026-03-10","lines":[{"outbound_id":1,"line":1,"qty":1.5,"amount":100}]}`,
		`{"external_id":"RC-1","customer_code":"C1","date":"2026-03-12","amount":100,"invoices":[{"external_id":"IV-1"}]}`,
		`{"external_id":"WO-1","source_kind":"receipt","source_id":1,"lines":[{"invoice_id":2,"amount":1}],"auto":false}`,
		`{"external_id":"\u0000","lines":[{"qty":1e400}]}`, `{"lines":[{"qty":"-0.0001"}]}`, `[]`, `{"amount":-9223372036854775808}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var iv apiNewInvoice
		if decodeStrict(body, &iv) == nil {
			if p, err := finParseInvoice(&iv); err == nil && (p.ext == "" || len(p.qty) == 0) {
				t.Fatalf("accepted an invoice without external id or lines: %s", body)
			}
		}
		var rc apiNewReceipt
		if decodeStrict(body, &rc) == nil {
			for _, k := range finReceiptKinds {
				if p, err := finParseReceipt(k.Kind, &rc); err == nil && (p.amount <= 0 || p.amount > model.MaxAmount) {
					t.Fatalf("accepted an amount out of bounds: %s", body)
				}
			}
		}
		var wo apiNewWriteOff
		if decodeStrict(body, &wo) == nil {
			if p, err := finParseWriteOff(&wo); err == nil && !wo.Auto && p.srcKind == "" {
				t.Fatalf("accepted a write-off without source: %s", body)
			}
		}
	})
}
