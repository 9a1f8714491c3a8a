package handlers

import (
	"testing"

	"dealerportal/model"
)

// apiPushRow is one document push (a store use case under the call's
// Idempotency-Key) and its refusals: body pushes it; other is another
// request sent under the same key; bad names a reference that does not
// resolve (a 422 at badField, with badCode); out, sent by a client scoped
// to the East region, names South's C2 (a 404 for a record in the path,
// else a 422 at outField).
type apiPushRow struct {
	name     string
	path     string
	body     map[string]any
	other    map[string]any
	badPath  string // "": path
	bad      map[string]any
	badField string
	badCode  string
	outPath  string // "": path
	out      map[string]any
	outWant  int
	outField string
}

// pushAnswerID reads a push's answer: the document's id and the outcome
// (an order document carries both; a finance answer has its status and
// the document under its kind).
func pushAnswerID(t *testing.T, r apiResp) (uint64, string) {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	if o, ok := m["outcome"].(string); ok {
		return uint64(num(m["id"])), o
	}
	for _, k := range []string{"invoice", "receipt"} {
		if d, ok := m[k].(map[string]any); ok {
			return uint64(num(d["id"])), m["status"].(string)
		}
	}
	t.Fatalf("no document in %s", r.Body)
	return 0, ""
}

// runPushRefusals checks each row: a reference that does not resolve and
// a record out of the client's scope are refused and write nothing; the
// push creates its document (201); the same key and body again answer the
// same document, unchanged, and write nothing; the same key with another
// body is a 422 and writes nothing.
func runPushRefusals(t *testing.T, e *testEnv, tok, east string, rows []apiPushRow) {
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			key := map[string]string{"Idempotency-Key": "refusals-" + row.name}
			before := storeFingerprint(t, e)
			badPath := row.badPath
			if badPath == "" {
				badPath = row.path
			}
			if f := problemFieldCodes(t, e.api("POST", badPath, row.bad, apiCallOpts{token: tok})); f[row.badField] != row.badCode {
				t.Fatalf("a bad reference: %v, want %s at %s", f, row.badCode, row.badField)
			}
			outPath := row.outPath
			if outPath == "" {
				outPath = row.path
			}
			r := e.api("POST", outPath, row.out, apiCallOpts{token: east})
			switch {
			case r.Code != row.outWant:
				t.Fatalf("out of the client's scope: %d, want %d: %s", r.Code, row.outWant, r.Body)
			case row.outWant == 422 && problemFieldCodes(t, r)[row.outField] == "":
				t.Fatalf("out of the client's scope: no error at %s: %s", row.outField, r.Body)
			}
			if storeFingerprint(t, e) != before {
				t.Fatal("a refused push wrote something")
			}

			r1 := e.api("POST", row.path, row.body, apiCallOpts{token: tok, headers: key})
			if r1.Code != 201 {
				t.Fatalf("push: %d %s", r1.Code, r1.Body)
			}
			id, outcome := pushAnswerID(t, r1)
			if outcome != "created" {
				t.Fatalf("push: outcome %q", outcome)
			}
			made := storeFingerprint(t, e)
			r2 := e.api("POST", row.path, row.body, apiCallOpts{token: tok, headers: key})
			if r2.Code != 200 {
				t.Fatalf("replay of the key: %d %s", r2.Code, r2.Body)
			}
			if again, outcome := pushAnswerID(t, r2); again != id || outcome != "unchanged" {
				t.Fatalf("replay of the key: document %d %q, first %d", again, outcome, id)
			}
			if r := e.api("POST", row.path, row.other, apiCallOpts{token: tok, headers: key}); r.Code != 422 || r.problem(t).Code != "api.err_idempotency_reuse" {
				t.Fatalf("the key with another body: %d %s", r.Code, r.Body)
			}
			if storeFingerprint(t, e) != made {
				t.Fatal("a replay of the key, or its reuse, wrote something")
			}
		})
	}
}

// TestAPIOrderPushRefusals: the orders family's pushes that are store use
// cases (the online order's confirmation, delivery notices, outbounds)
// under their Idempotency-Key, and their refusals.
func TestAPIOrderPushRefusals(t *testing.T) {
	e, tok := ordEnv(t)
	east, _ := e.newAPIClient("east-erp", apiClientOpts{scopes: allScopes(), orgs: []string{"EAST"}})
	id := func(name string) uint64 { return e.ids[name] }
	runPushRefusals(t, e, tok, east, []apiPushRow{
		{name: "confirm", path: "/online-orders/" + itoa(id("apiord.oo:C1")) + "/confirm",
			body:  map[string]any{"external_id": "RF-SO-1", "draft": true},
			other: map[string]any{"external_id": "RF-SO-2", "draft": true},
			bad:   map[string]any{"lines": []map[string]any{{"line": 9, "qty": 1}}}, badField: "lines[0].line", badCode: "api.err_no_line",
			outPath: "/online-orders/" + itoa(id("apiord.oo:C2")) + "/confirm", out: map[string]any{}, outWant: 404},
		{name: "delivery-notice", path: "/delivery-notices",
			body:     map[string]any{"external_id": "RF-DN-1", "sales_order_id": id("apiord.so:C1"), "lines": []map[string]any{{"line": 2, "qty": 1}}},
			other:    map[string]any{"external_id": "RF-DN-1", "sales_order_id": id("apiord.so:C1"), "lines": []map[string]any{{"line": 2, "qty": 2}}},
			bad:      map[string]any{"external_id": "RF-DN-2", "sales_order_id": id("apiord.so:C1"), "lines": []map[string]any{{"product_code": "NO-SUCH", "qty": 1}}},
			badField: "lines[0].product_code", badCode: "err.order_unknown_product",
			out:     map[string]any{"external_id": "RF-DN-3", "sales_order_id": id("apiord.so:C2"), "lines": []map[string]any{{"line": 2, "qty": 1}}},
			outWant: 422, outField: "sales_order_id"},
		{name: "outbound", path: "/outbounds",
			body:     map[string]any{"external_id": "RF-OB-1", "delivery_notice_id": id("apiord.dn:C1"), "lines": []map[string]any{{"line": 1, "qty": 1}}},
			other:    map[string]any{"external_id": "RF-OB-2", "delivery_notice_id": id("apiord.dn:C1"), "lines": []map[string]any{{"line": 1, "qty": 1}}},
			bad:      map[string]any{"external_id": "RF-OB-3", "delivery_notice_external_id": "NO-SUCH", "lines": []map[string]any{{"line": 1, "qty": 1}}},
			badField: "delivery_notice_external_id", badCode: "api.err_no_delivery_notice",
			out:     map[string]any{"external_id": "RF-OB-4", "delivery_notice_id": id("apiord.dn:C2"), "lines": []map[string]any{{"line": 1, "qty": 1}}},
			outWant: 422, outField: "delivery_notice_id"},
	})
	e.mustCheck()
}

// TestAPIFinancePushRefusals: the finance family's invoice and receipt
// pushes under their Idempotency-Key, and their refusals.
func TestAPIFinancePushRefusals(t *testing.T) {
	e, tok := finEnv(t)
	east, _ := e.newAPIClient("east-erp", apiClientOpts{scopes: []model.APIScope{model.ScopeOf(model.APIFinance, true)}, orgs: []string{"EAST"}})
	line := func(ob string, qty int) []any {
		return []any{map[string]any{"outbound_id": e.ids[ob], "line": 1, "qty": qty}}
	}
	runPushRefusals(t, e, tok, east, []apiPushRow{
		{name: "invoice", path: "/invoices",
			body:  map[string]any{"external_id": "RF-IV-1", "invoice_date": finInvDate, "lines": line("fin.ob:C1", 1)},
			other: map[string]any{"external_id": "RF-IV-1", "invoice_date": finInvDate, "lines": line("fin.ob:C1", 2)},
			bad: map[string]any{"external_id": "RF-IV-2", "invoice_date": finInvDate,
				"lines": []any{map[string]any{"outbound_external_id": "NO-SUCH", "line": 1, "qty": 1}}},
			badField: "lines[0].outbound_external_id", badCode: "api.err_fin_unknown_outbound",
			out:     map[string]any{"external_id": "RF-IV-3", "invoice_date": finInvDate, "lines": line("fin.ob:C2", 1)},
			outWant: 422, outField: "lines[0].outbound_id"},
		{name: "receipt", path: "/receipts",
			body:     map[string]any{"external_id": "RF-RC-1", "customer_id": e.ids["customer:C1"], "date": finInvDate, "amount": 100},
			other:    map[string]any{"external_id": "RF-RC-1", "customer_id": e.ids["customer:C1"], "date": finInvDate, "amount": 200},
			bad:      map[string]any{"external_id": "RF-RC-2", "customer_id": e.ids["customer:C1"], "date": finInvDate, "amount": 100, "invoices": []any{map[string]any{"external_id": "NO-SUCH"}}},
			badField: "invoices[0].external_id", badCode: "api.err_fin_unknown_invoice",
			out:     map[string]any{"external_id": "RF-RC-3", "customer_id": e.ids["customer:C2"], "date": finInvDate, "amount": 100},
			outWant: 422, outField: "customer_id"},
	})
	e.finCheckClean()
}
