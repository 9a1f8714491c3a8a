package handlers

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// The order documents of the API: every push posts exactly what the same
// action in the UI posts (the same store functions, compared figure by
// figure against a twin portal driven as the pages drive it), repeats are
// idempotent, bad input writes nothing, and the store's integrity check
// stays clean.

// apiOrdFixture adds to the test env (once): products AO-1 (list ¥10.00,
// C1's price ¥9.00) and AO-2 (¥5.00), 100 of each in stock, published to
// every customer, with the ERP's ids ERP-AO-1 and ERP-AO-2; and for each
// of C1 and C2 a submitted online order of its buyer (2 × AO-1), an
// audited sales order (10 × AO-1, 4 × AO-2, ERP number FX-SO-<code>), a
// delivery notice of 3 × AO-1 (FX-DN-<code>) of which an outbound shipped 2
// (FX-OB-<code>), and a return notice of 1 × AO-1. Ids: "apiord.oo:C1",
// "apiord.so:C1", "apiord.dn:C1", "apiord.ob:C1", "apiord.rn:C1"; external
// ids "apiord.so:C1", "apiord.dn:C1", "apiord.ob:C1", and the customer's
// code as "apiord.code:C1".
func apiOrdFixture(t *testing.T, e *testEnv) {
	t.Helper()
	if e.ids["apiord.ready"] != 0 {
		return
	}
	admin := e.user("admin")
	sc := store.AdminScope()
	e.step(admin, func(tx *store.Tx) error {
		cat := &model.Category{Code: "AOCAT", Name: "接口测试"}
		if err := tx.SaveCategory(cat); err != nil {
			return err
		}
		for _, p := range []*model.Product{
			{Code: "AO-1", Name: "接口电机", Unit: "台", ListPrice: 1000, TaxRate: 1300, Active: true},
			{Code: "AO-2", Name: "接口轴承", Unit: "个", ListPrice: 500, TaxRate: 1300, Active: true},
		} {
			if err := tx.SaveProduct(p); err != nil {
				return err
			}
			if _, err := tx.AdjustStock(p.ID, 100_000, 0); err != nil {
				return err
			}
			if err := tx.SetExternalID(store.ExtProduct, "ERP-"+p.Code, p.ID); err != nil {
				return err
			}
			e.ids["apiord.product:"+p.Code] = p.ID
			en := &model.CatalogEntry{ProductID: p.ID, CategoryID: cat.ID, Targets: []model.Target{{Kind: model.TargetOrg, ID: e.ids["org:HQ"]}}}
			if err := tx.SaveCatalogEntryQuiet(sc, en); err != nil {
				return err
			}
			if err := tx.AuditCatalogQuiet(en.ID, admin); err != nil {
				return err
			}
		}
		r := &model.PriceRecord{CustomerID: e.ids["customer:C1"], ProductID: e.ids["apiord.product:AO-1"], Price: 900}
		if err := tx.SavePriceRecord(sc, r); err != nil {
			return err
		}
		_, err := tx.ApplyPriceAction(sc, r.ID, "audit", admin, 0)
		return err
	})
	for _, code := range []string{"C1", "C2"} {
		cust := e.ids["customer:"+code]
		buyer := e.user(strings.ToLower(code) + ".buyer")
		dsc := store.CustomerScope(cust)
		e.step(buyer, func(tx *store.Tx) error {
			o, err := tx.NewOnlineOrder(dsc, cust)
			if err != nil {
				return err
			}
			if err := tx.SaveOnlineOrder(dsc, o, []store.LineInput{{Code: "AO-1", Qty: 2000}}, buyer, true); err != nil {
				return err
			}
			e.ids["apiord.oo:"+code] = o.ID
			return nil
		})
		e.step(admin, func(tx *store.Tx) error {
			so, err := tx.NewSalesOrder(sc, cust)
			if err != nil {
				return err
			}
			if err := tx.SaveSalesOrder(sc, so, []store.LineInput{{Code: "AO-1", Qty: 10_000}, {Code: "AO-2", Qty: 4000}}); err != nil {
				return err
			}
			if so, err = tx.ActOnSalesOrder(sc, so.ID, so.Version, "audit", admin, ""); err != nil {
				return err
			}
			dn, err := tx.CreateDeliveryNotice(sc, admin, &store.DeliveryNoticeInput{SalesOrderID: so.ID, ShipDate: "2026-03-16", Qty: map[int]model.Qty{1: 3000}})
			if err != nil {
				return err
			}
			ob, err := tx.PostOutbound(sc, admin, &store.OutboundInput{DeliveryNoticeID: dn.ID, PostDate: "2026-03-16", Qty: map[int]model.Qty{1: 2000}})
			if err != nil {
				return err
			}
			rn, err := tx.CreateReturnNotice(sc, admin, &store.ReturnInput{SalesOrderID: so.ID, Date: "2026-03-17", Reason: "质量问题", Qty: map[int]model.Qty{1: 1000}})
			if err != nil {
				return err
			}
			for kind, d := range map[string]uint64{store.ExtSalesOrder: so.ID, store.ExtDeliveryNotice: dn.ID, store.ExtOutbound: ob.ID} {
				ext := "FX-" + map[string]string{store.ExtSalesOrder: "SO", store.ExtDeliveryNotice: "DN", store.ExtOutbound: "OB"}[kind] + "-" + code
				if err := tx.SetExternalDoc(kind, ext, d, "fixture"); err != nil {
					return err
				}
			}
			e.ids["apiord.so:"+code], e.ids["apiord.dn:"+code], e.ids["apiord.ob:"+code], e.ids["apiord.rn:"+code] = so.ID, dn.ID, ob.ID, rn.ID
			e.exts["apiord.so:"+code], e.exts["apiord.dn:"+code], e.exts["apiord.ob:"+code] = "FX-SO-"+code, "FX-DN-"+code, "FX-OB-"+code
			e.exts["apiord.code:"+code] = code
			return nil
		})
	}
	e.ids["apiord.ready"] = 1
}

func init() {
	apiScopeFixtures = append(apiScopeFixtures, apiOrdFixture)
	apiScopeRows = append(apiScopeRows,
		apiScopeRow{"POST", "/sales-orders", `{"external_id":"SCOPE-SO","customer_code":"{ext:apiord.code}","lines":[{"product_code":"AO-1","qty":1}]}`, 422},
		apiScopeRow{"GET", "/sales-orders/{apiord.so}", "", 404},
		apiScopeRow{"GET", "/sales-orders/by-external/{ext:apiord.so}", "", 404},
		apiScopeRow{"POST", "/online-orders/{apiord.oo}/confirm", `{"draft":false}`, 404},
		apiScopeRow{"POST", "/delivery-notices", `{"external_id":"SCOPE-DN","sales_order_id":{apiord.so},"lines":[{"line":2,"qty":1}]}`, 422},
		apiScopeRow{"POST", "/delivery-notices", `{"external_id":"SCOPE-DN2","sales_order_external_id":"{ext:apiord.so}","lines":[{"product_code":"AO-2","qty":1}]}`, 422},
		apiScopeRow{"GET", "/delivery-notices/{apiord.dn}", "", 404},
		apiScopeRow{"GET", "/delivery-notices/by-external/{ext:apiord.dn}", "", 404},
		apiScopeRow{"POST", "/outbounds", `{"external_id":"SCOPE-OB","sales_order_id":{apiord.so},"lines":[{"line":2,"qty":1}]}`, 422},
		apiScopeRow{"POST", "/outbounds", `{"external_id":"SCOPE-OB2","delivery_notice_id":{apiord.dn},"lines":[{"line":1,"qty":1}]}`, 422},
		apiScopeRow{"POST", "/outbounds", `{"external_id":"SCOPE-OB3","return_notice_id":{apiord.rn},"lines":[{"line":1,"qty":1}]}`, 422},
		apiScopeRow{"GET", "/outbounds/{apiord.ob}", "", 404},
		apiScopeRow{"GET", "/outbounds/by-external/{ext:apiord.ob}", "", 404},
	)
}

// ordEnv is a test portal with the order fixture, an ERP client with every
// grant and the ERP's ids of customers C1 and C2.
func ordEnv(t *testing.T) (*testEnv, string) {
	e := newTestEnv(t)
	apiOrdFixture(t, e)
	e.step(e.user("admin"), func(tx *store.Tx) error {
		for _, code := range []string{"C1", "C2"} {
			if err := tx.SetExternalID(store.ExtCustomer, "ERP-"+code, e.ids["customer:"+code]); err != nil {
				return err
			}
		}
		return nil
	})
	tok, _ := e.newAPIClient("ERP", apiClientOpts{scopes: allScopes()})
	return e, tok
}

// push sends a create and fails unless it answers want; it returns the
// decoded answer.
func (e *testEnv) push(tok, path string, body any, want int, o ...apiCallOpts) map[string]any {
	e.t.Helper()
	opts := apiCallOpts{token: tok}
	if len(o) > 0 {
		opts = o[0]
		opts.token = tok
	}
	r := e.api("POST", path, body, opts)
	if r.Code != want {
		e.t.Fatalf("POST %s: %d, want %d: %s", path, r.Code, want, r.Body)
	}
	var out map[string]any
	r.JSON(e.t, &out)
	return out
}

// mustCheck fails on any problem of the store's integrity check.
func (e *testEnv) mustCheck() {
	e.t.Helper()
	problems, err := e.st.Check()
	if err != nil || len(problems) > 0 {
		e.t.Fatalf("integrity check: %v %v", problems, err)
	}
}

func num(v any) uint64 {
	f, _ := v.(float64)
	return uint64(f)
}

// ordSnap is every figure a posting of the orders family moves, for
// customer C1: stock of the two products, the balance, the lines and
// status of sales orders, and the messages raised.
func ordSnap(t *testing.T, e *testEnv, orders ...uint64) string {
	t.Helper()
	var b strings.Builder
	err := e.st.View(func(tx *store.Tx) error {
		for _, code := range []string{"AO-1", "AO-2"} {
			s, err := tx.Stock(e.ids["apiord.product:"+code])
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "stock %s on hand %s reserved %s\n", code, s.OnHand, s.Reserved)
		}
		bal, err := tx.Balance(store.AdminScope(), e.ids["customer:C1"])
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "balance %+v\n", *bal)
		for _, id := range orders {
			so, err := tx.SalesOrder(store.AdminScope(), id)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "order %s %s %+v\n", so.Number, so.Status, so.Totals)
			for _, l := range so.Lines {
				fmt.Fprintf(&b, "  line %d %s qty %s price %d amount %d noticed %s notice-open %s shipped %s returned %s claimed %s\n",
					l.No, l.Code, l.Qty, l.Price, l.Amount, l.NoticedQty, l.NoticeOpenQty, l.ShippedQty, l.ReturnedQty, l.ClaimedQty)
			}
		}
		all, pending := tx.OutboxCount()
		fmt.Fprintf(&b, "outbox %d %d\n", all, pending)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestAPIOrdersPostAsTheUI drives two identical portals through the same
// chain — a sales order, a delivery notice, partial outbounds from the
// notice and from the order, a red outbound, a confirmed online order and
// the outbounds that complete the order — one through the API, the other
// through the store functions the pages call, and compares every figure
// after every step.
func TestAPIOrdersPostAsTheUI(t *testing.T) {
	api, tok := ordEnv(t)
	ui, _ := ordEnv(t)
	admin := ui.user("admin")
	sc := store.AdminScope()
	c1 := ui.ids["customer:C1"]
	same := func(step string, apiSO, uiSO uint64) {
		t.Helper()
		a, u := ordSnap(t, api, apiSO), ordSnap(t, ui, uiSO)
		if a != u {
			t.Fatalf("%s: the API and the UI differ:\nAPI:\n%s\nUI:\n%s", step, a, u)
		}
	}

	// A sales order: C1's price for AO-1 (no price given), AO-2 as priced.
	so := api.push(tok, "/sales-orders", map[string]any{"external_id": "ERP-SO-1", "customer_external_id": "ERP-C1", "remarks": "急单",
		"lines": []map[string]any{{"product_external_id": "ERP-AO-1", "qty": 5}, {"product_code": "AO-2", "qty": 2.5, "unit_price": 480, "tax_rate": 9}}}, 201)
	soID := num(so["id"])
	var uiSO *model.SalesOrder
	ui.step(admin, func(tx *store.Tx) (err error) {
		if uiSO, err = tx.NewSalesOrder(sc, c1); err != nil {
			return err
		}
		uiSO.Remarks = "急单"
		p, tax := model.Money(480), int64(900)
		if err := tx.SaveSalesOrder(sc, uiSO, []store.LineInput{{Code: "AO-1", Qty: 5000}, {Code: "AO-2", Qty: 2500, Price: &p, TaxRate: &tax}}); err != nil {
			return err
		}
		uiSO, err = tx.ActOnSalesOrder(sc, uiSO.ID, uiSO.Version, "audit", admin, "")
		return err
	})
	if so["outcome"] != "created" || so["status"] != "audited" || so["external_id"] != "ERP-SO-1" || so["customer_code"] != "C1" {
		t.Fatalf("pushed order: %v", so)
	}
	lines := so["lines"].([]any)
	if l := lines[0].(map[string]any); l["unit_price"] != 900.0 || l["product_external_id"] != "ERP-AO-1" || l["open_qty"] != 5.0 || l["tax_rate"] != 13.0 {
		t.Fatalf("line 1 at the price in force: %v", l)
	}
	if l := lines[1].(map[string]any); l["unit_price"] != 480.0 || l["tax_rate"] != 9.0 || l["qty"] != 2.5 {
		t.Fatalf("line 2 as priced: %v", l)
	}
	same("sales order", soID, uiSO.ID)

	// A delivery notice of 3 × AO-1, by the order's ERP number and the product.
	dn := api.push(tok, "/delivery-notices", map[string]any{"external_id": "ERP-DN-1", "sales_order_external_id": "ERP-SO-1", "ship_date": "2026-03-18",
		"carrier": "顺丰速运", "tracking_number": "SF1001", "lines": []map[string]any{{"product_code": "AO-1", "qty": 3}}}, 201)
	var uiDN *model.DeliveryNotice
	ui.step(admin, func(tx *store.Tx) (err error) {
		uiDN, err = tx.CreateDeliveryNotice(sc, admin, &store.DeliveryNoticeInput{SalesOrderID: uiSO.ID, ShipDate: "2026-03-18",
			Carrier: "顺丰速运", TrackingNo: "SF1001", Qty: map[int]model.Qty{1: 3000}})
		return err
	})
	if dn["status"] != "audited" || dn["tracking_number"] != "SF1001" || dn["sales_order_id"] != float64(soID) || dn["sales_order_external_id"] != "ERP-SO-1" {
		t.Fatalf("pushed notice: %v", dn)
	}
	same("delivery notice", soID, uiSO.ID)
	api.wantMessage(t, model.EventDeliveryNoticeCreated, "SF1001")

	// Partial outbounds: 2 of the notice's 3, then 1 of AO-2 straight from the order.
	ob := api.push(tok, "/outbounds", map[string]any{"external_id": "ERP-OB-1", "delivery_notice_external_id": "ERP-DN-1", "post_date": "2026-03-18",
		"lines": []map[string]any{{"line": 1, "qty": 2}}}, 201)
	api.push(tok, "/outbounds", map[string]any{"external_id": "ERP-OB-2", "sales_order_id": soID, "post_date": "2026-03-18",
		"lines": []map[string]any{{"product_external_id": "ERP-AO-2", "qty": 1}}}, 201)
	ui.step(admin, func(tx *store.Tx) error {
		if _, err := tx.PostOutbound(sc, admin, &store.OutboundInput{DeliveryNoticeID: uiDN.ID, PostDate: "2026-03-18", Qty: map[int]model.Qty{1: 2000}}); err != nil {
			return err
		}
		_, err := tx.PostOutbound(sc, admin, &store.OutboundInput{SalesOrderID: uiSO.ID, PostDate: "2026-03-18", Qty: map[int]model.Qty{2: 1000}})
		return err
	})
	if ob["red"] != false || ob["delivery_notice_external_id"] != "ERP-DN-1" || ob["totals"].(map[string]any)["amount"] != 1800.0 {
		t.Fatalf("pushed outbound: %v", ob)
	}
	same("partial outbounds", soID, uiSO.ID)

	// A red outbound: 1 × AO-1 back, through a return notice made in the portal.
	var apiRN, uiRN *model.ReturnNotice
	for _, side := range []struct {
		e  *testEnv
		so uint64
		rn **model.ReturnNotice
	}{{api, soID, &apiRN}, {ui, uiSO.ID, &uiRN}} {
		side.e.step(admin, func(tx *store.Tx) (err error) {
			*side.rn, err = tx.CreateReturnNotice(sc, admin, &store.ReturnInput{SalesOrderID: side.so, Date: "2026-03-19", Reason: "包装破损", Qty: map[int]model.Qty{1: 1000}})
			return err
		})
	}
	red := api.push(tok, "/outbounds", map[string]any{"external_id": "ERP-RED-1", "return_notice_id": apiRN.ID, "post_date": "2026-03-19",
		"lines": []map[string]any{{"product_code": "AO-1", "qty": 1}}}, 201)
	ui.step(admin, func(tx *store.Tx) error {
		_, err := tx.PostOutbound(sc, admin, &store.OutboundInput{ReturnNoticeID: uiRN.ID, PostDate: "2026-03-19", Qty: map[int]model.Qty{1: 1000}})
		return err
	})
	if red["red"] != true || red["lines"].([]any)[0].(map[string]any)["qty"] != -1.0 || red["totals"].(map[string]any)["amount"] != -900.0 {
		t.Fatalf("red outbound: %v", red)
	}
	same("red outbound", soID, uiSO.ID)

	// The dealer's online order, confirmed as staff generate and audit it.
	oo := api.ids["apiord.oo:C1"]
	conf := api.push(tok, "/online-orders/"+itoa(oo)+"/confirm", map[string]any{"external_id": "ERP-SO-2"}, 201)
	var uiConv *model.SalesOrder
	ui.step(admin, func(tx *store.Tx) error {
		o, err := tx.OnlineOrder(sc, ui.ids["apiord.oo:C1"])
		if err != nil {
			return err
		}
		if uiConv, err = tx.ConvertOnlineOrder(sc, o.ID, o.Version, admin, nil); err != nil {
			return err
		}
		uiConv, err = tx.ActOnSalesOrder(sc, uiConv.ID, uiConv.Version, "audit", admin, "")
		return err
	})
	if conf["online_order_id"] != float64(oo) || conf["status"] != "audited" || conf["external_id"] != "ERP-SO-2" {
		t.Fatalf("confirmed order: %v", conf)
	}
	same("confirmed online order", num(conf["id"]), uiConv.ID)

	// The rest: the notice's last one, then everything open from the order,
	// which closes it.
	api.push(tok, "/outbounds", map[string]any{"external_id": "ERP-OB-3", "delivery_notice_id": num(dn["id"]), "lines": []map[string]any{{"line": 1, "qty": 1}}}, 201)
	rest := api.push(tok, "/outbounds", map[string]any{"external_id": "ERP-OB-4", "sales_order_external_id": "ERP-SO-1",
		"lines": []map[string]any{{"line": 1, "qty": 3}, {"line": 2, "qty": 1.5}}}, 201)
	ui.step(admin, func(tx *store.Tx) error {
		if _, err := tx.PostOutbound(sc, admin, &store.OutboundInput{DeliveryNoticeID: uiDN.ID, PostDate: ui.st.Now().Format("2006-01-02"), Qty: map[int]model.Qty{1: 1000}}); err != nil {
			return err
		}
		_, err := tx.PostOutbound(sc, admin, &store.OutboundInput{SalesOrderID: uiSO.ID, PostDate: ui.st.Now().Format("2006-01-02"), Qty: map[int]model.Qty{1: 3000, 2: 1500}})
		return err
	})
	if rest["post_date"] == "" {
		t.Fatalf("post date defaults to today: %v", rest)
	}
	same("order completed", soID, uiSO.ID)

	// Reading back: the order closed, with its execution figures.
	r := api.api("GET", "/sales-orders/"+itoa(soID), nil, apiCallOpts{token: tok})
	var got apiSalesOrder
	r.JSON(t, &got)
	if r.Code != 200 || got.Status != "closed" || got.Outcome != "" || got.Lines[0].ShippedQty != "5" || got.Lines[0].ReturnedQty != "1" ||
		got.Lines[0].NoticedQty != "3" || got.Lines[0].OpenQty != "0" || got.Lines[1].ShippedQty != "2.5" || got.Lines[0].ShippedAmount != 4500 {
		t.Fatalf("read back: %d %s", r.Code, r.Body)
	}
	r2 := api.api("GET", "/sales-orders/by-external/ERP-SO-1", nil, apiCallOpts{token: tok})
	if r2.Code != 200 || string(r2.Body) != string(r.Body) {
		t.Fatalf("by external id: %d %s", r2.Code, r2.Body)
	}
	var gdn apiDeliveryNotice
	if r := api.api("GET", "/delivery-notices/by-external/ERP-DN-1", nil, apiCallOpts{token: tok}); r.Code != 200 {
		t.Fatalf("notice by external id: %d %s", r.Code, r.Body)
	} else if r.JSON(t, &gdn); gdn.Status != "shipped" || gdn.Lines[0].ShippedQty != "3" {
		t.Fatalf("notice read back: %s", r.Body)
	}
	var gob apiOutbound
	if r := api.api("GET", "/outbounds/"+itoa(num(red["id"])), nil, apiCallOpts{token: tok}); r.Code != 200 {
		t.Fatalf("outbound: %d %s", r.Code, r.Body)
	} else if r.JSON(t, &gob); !gob.Red || gob.ReturnNoticeID != apiRN.ID || gob.ExternalID != "ERP-RED-1" {
		t.Fatalf("red outbound read back: %s", r.Body)
	}
	api.mustCheck()
	ui.mustCheck()
}

// wantMessage fails unless a pending outbox message of event carries text
// in one of its parameters.
func (e *testEnv) wantMessage(t *testing.T, ev model.Event, text string) {
	t.Helper()
	err := e.st.View(func(tx *store.Tx) error {
		msgs, err := tx.PendingOutbox(1000)
		for _, m := range msgs {
			for _, v := range m.Params {
				if m.Event == ev && v == text {
					return err
				}
			}
		}
		t.Errorf("no %s message with %q", ev, text)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAPIOrdersIdempotent: the same external id again answers the first
// document (200, unchanged) however the JSON is spelled; a different
// request under it is a 409; the Idempotency-Key replays the first answer;
// concurrent pushes of one number make one document.
func TestAPIOrdersIdempotent(t *testing.T) {
	e, tok := ordEnv(t)
	body := `{"external_id":"ERP-SO-9","customer_code":"C1","lines":[{"product_code":"AO-2","qty":2}]}`
	first := e.push(tok, "/sales-orders", nil, 201, apiCallOpts{raw: []byte(body)})
	before := storeFingerprint(t, e)
	again := e.push(tok, "/sales-orders", nil, 200, apiCallOpts{raw: []byte(` { "lines": [ {"qty": 2.000, "product_code": "AO-2"} ], "customer_code": "C1", "external_id": "ERP-SO-9" }`)})
	if again["id"] != first["id"] || again["outcome"] != "unchanged" || again["number"] != first["number"] {
		t.Fatalf("replay: %v, first %v", again, first)
	}
	r := e.api("POST", "/sales-orders", nil, apiCallOpts{token: tok, raw: []byte(strings.Replace(body, `"qty":2`, `"qty":3`, 1))})
	if p := r.problem(t); r.Code != 409 || p.Code != "api.err_exists_differs" || !strings.Contains(p.Detail, "ERP-SO-9") ||
		!strings.Contains(p.Detail, first["number"].(string)) {
		t.Fatalf("same number, other content: %d %s", r.Code, r.Body)
	}
	if storeFingerprint(t, e) != before {
		t.Fatal("a replay or a refused push wrote something")
	}

	// The Idempotency-Key: the same key and body replay, another body is refused.
	key := map[string]string{"Idempotency-Key": "push-7f3a"}
	dn := map[string]any{"external_id": "ERP-DN-9", "sales_order_id": num(first["id"]), "lines": []map[string]any{{"line": 1, "qty": 1}}}
	d1 := e.push(tok, "/delivery-notices", dn, 201, apiCallOpts{headers: key})
	d2 := e.push(tok, "/delivery-notices", dn, 200, apiCallOpts{headers: key})
	if d1["id"] != d2["id"] || d2["outcome"] != "unchanged" {
		t.Fatalf("key replay: %v %v", d1, d2)
	}
	dn["external_id"] = "ERP-DN-10"
	r = e.api("POST", "/delivery-notices", dn, apiCallOpts{token: tok, headers: key})
	if r.Code != 422 || r.problem(t).Code != "api.err_idempotency_reuse" {
		t.Fatalf("key reused with another body: %d %s", r.Code, r.Body)
	}

	// Eight concurrent pushes of one outbound: one document, one posting.
	stock := e.stockOf(e.ids["apiord.product:AO-2"])
	ob := map[string]any{"external_id": "ERP-OB-9", "delivery_notice_id": num(d1["id"]), "lines": []map[string]any{{"line": 1, "qty": 1}}}
	var wg sync.WaitGroup
	ids := make([]any, 8)
	codes := make([]int, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.api("POST", "/outbounds", ob, apiCallOpts{token: tok})
			codes[i] = r.Code
			var m map[string]any
			r.JSON(t, &m)
			ids[i] = m["id"]
		}()
	}
	wg.Wait()
	created := 0
	for i := range 8 {
		if codes[i] == 201 {
			created++
		}
		if ids[i] != ids[0] || codes[i] != 201 && codes[i] != 200 {
			t.Fatalf("concurrent pushes: %v %v", codes, ids)
		}
	}
	if after := e.stockOf(e.ids["apiord.product:AO-2"]); created != 1 || after.OnHand != stock.OnHand-1000 {
		t.Fatalf("concurrent pushes made %d documents, stock %s → %s", created, stock.OnHand, after.OnHand)
	}

	// Confirming an online order twice answers its sales order.
	oo := itoa(e.ids["apiord.oo:C1"])
	c1 := e.push(tok, "/online-orders/"+oo+"/confirm", map[string]any{"external_id": "ERP-SO-10", "draft": true}, 201)
	c2 := e.push(tok, "/online-orders/"+oo+"/confirm", map[string]any{"external_id": "ERP-SO-10", "draft": true}, 200)
	c3 := e.push(tok, "/online-orders/"+oo+"/confirm", map[string]any{}, 200)
	if c1["id"] != c2["id"] || c1["id"] != c3["id"] || c1["status"] != "draft" || c2["outcome"] != "unchanged" {
		t.Fatalf("confirmed twice: %v %v %v", c1, c2, c3)
	}
	for _, b := range []map[string]any{{"external_id": "ERP-SO-11"}, {"external_id": "ERP-SO-10"}} {
		r := e.api("POST", "/online-orders/"+oo+"/confirm", b, apiCallOpts{token: tok})
		if r.Code != 409 || r.problem(t).Code != "api.err_exists_differs" {
			t.Fatalf("confirmed again as %v: %d %s", b, r.Code, r.Body)
		}
	}
	// One Idempotency-Key guards one request: the same empty body confirming
	// another order is refused, never answered with the first's order.
	var other *model.OnlineOrder
	buyer := e.user("c1.buyer")
	dsc := store.CustomerScope(e.ids["customer:C1"])
	e.step(buyer, func(tx *store.Tx) (err error) {
		if other, err = tx.NewOnlineOrder(dsc, e.ids["customer:C1"]); err != nil {
			return err
		}
		return tx.SaveOnlineOrder(dsc, other, []store.LineInput{{Code: "AO-2", Qty: 1000}}, buyer, true)
	})
	ckey := map[string]string{"Idempotency-Key": "confirm-1"}
	c4 := e.push(tok, "/online-orders/"+oo+"/confirm", map[string]any{}, 200, apiCallOpts{headers: ckey})
	if r := e.api("POST", "/online-orders/"+itoa(other.ID)+"/confirm", map[string]any{}, apiCallOpts{token: tok, headers: ckey}); r.Code != 422 || r.problem(t).Code != "api.err_idempotency_reuse" {
		t.Fatalf("a key reused for another order: %d %s", r.Code, r.Body)
	}
	if c4["id"] != c1["id"] {
		t.Fatalf("confirmed with a key: %v", c4)
	}
	// A sales order pushed under a number an online order's took is refused.
	r = e.api("POST", "/sales-orders", map[string]any{"external_id": "ERP-SO-10", "customer_code": "C1", "lines": []map[string]any{{"product_code": "AO-2", "qty": 2}}}, apiCallOpts{token: tok})
	if r.Code != 409 {
		t.Fatalf("a number taken by a confirmation: %d %s", r.Code, r.Body)
	}
	e.mustCheck()
}

// TestAPIConfirmOnlineOrderRules: adjustments only where the dealer allowed
// them, a credit hold released only with the finance grant, the version
// the ERP saw, and only a submitted order.
func TestAPIConfirmOnlineOrderRules(t *testing.T) {
	e, tok := ordEnv(t)
	c1 := e.ids["customer:C1"]
	buyer := e.user("c1.buyer")
	dsc := store.CustomerScope(c1)
	order := func(adjust bool) *model.OnlineOrder {
		var o *model.OnlineOrder
		e.step(buyer, func(tx *store.Tx) (err error) {
			if o, err = tx.NewOnlineOrder(dsc, c1); err != nil {
				return err
			}
			o.AllowAdjust = adjust
			return tx.SaveOnlineOrder(dsc, o, []store.LineInput{{Code: "AO-1", Qty: 3000}, {Code: "AO-2", Qty: 1000}}, buyer, true)
		})
		return o
	}
	confirm := func(o *model.OnlineOrder, body any, tok string) apiResp {
		return e.api("POST", "/online-orders/"+itoa(o.ID)+"/confirm", body, apiCallOpts{token: tok})
	}
	wantField := func(r apiResp, status int, field, code string) {
		t.Helper()
		p := r.problem(t)
		if r.Code != status || len(p.Errors) == 0 || p.Errors[0].Field != field || p.Errors[0].Code != code {
			t.Fatalf("want %d %s %s: %d %s", status, field, code, r.Code, r.Body)
		}
	}
	fixed := order(false)
	before := storeFingerprint(t, e)
	wantField(confirm(fixed, map[string]any{"lines": []map[string]any{{"line": 2, "qty": 5}}}, tok), 422, "lines[0].qty", "err.order_no_adjust")
	wantField(confirm(fixed, map[string]any{"lines": []map[string]any{{"line": 7, "qty": 5}}}, tok), 422, "lines[0].line", "api.err_no_line")
	wantField(confirm(fixed, map[string]any{"lines": []map[string]any{{"line": 1, "qty": 5}, {"line": 1, "unit_price": 5}}}, tok), 422, "lines[1].line", "api.err_line_twice")
	if r := confirm(fixed, map[string]any{"version": fixed.Version + 1}, tok); r.Code != 409 || r.problem(t).Code != "err.conflict" {
		t.Fatalf("stale version: %d %s", r.Code, r.Body)
	}
	if storeFingerprint(t, e) != before {
		t.Fatal("a refused confirmation wrote something")
	}

	// Adjusted where allowed: 3 → 4 at ¥8.50.
	adj := order(true)
	so := e.push(tok, "/online-orders/"+itoa(adj.ID)+"/confirm", map[string]any{"version": adj.Version, "lines": []map[string]any{{"line": 1, "qty": 4, "unit_price": 850}}}, 201)
	if l := so["lines"].([]any)[0].(map[string]any); l["qty"] != 4.0 || l["unit_price"] != 850.0 || so["status"] != "audited" {
		t.Fatalf("adjusted: %v", so)
	}

	// A rejected order is not confirmed.
	rej := order(false)
	admin := e.user("admin")
	e.step(admin, func(tx *store.Tx) error {
		_, err := tx.ActOnOnlineOrder(store.AdminScope(), rej.ID, rej.Version, "reject", admin, "缺货")
		return err
	})
	if r := confirm(rej, map[string]any{}, tok); r.Code != 409 || r.problem(t).Code != "err.state" {
		t.Fatalf("rejected: %d %s", r.Code, r.Body)
	}

	// Credit: C1's limit is ¥1,000.00; an order past it is held at submit.
	var big *model.OnlineOrder
	e.step(buyer, func(tx *store.Tx) (err error) {
		if big, err = tx.NewOnlineOrder(dsc, c1); err != nil {
			return err
		}
		return tx.SaveOnlineOrder(dsc, big, []store.LineInput{{Code: "AO-1", Qty: 99_000}}, buyer, true)
	})
	e.step(buyer, func(tx *store.Tx) (err error) { big, err = tx.OnlineOrder(dsc, big.ID); return err })
	if !big.CreditHold {
		t.Fatal("the big order is not on credit hold")
	}
	wantField(confirm(big, map[string]any{}, tok), 422, "release_credit", "err.credit_hold_open")
	ordersOnly, _ := e.newAPIClient("orders-only", apiClientOpts{scopes: []model.APIScope{"orders:write"}})
	if r := confirm(big, map[string]any{"release_credit": true}, ordersOnly); r.Code != 403 || r.problem(t).Code != "api.err_scope" {
		t.Fatalf("release without finance: %d %s", r.Code, r.Body)
	}
	so = e.push(tok, "/online-orders/"+itoa(big.ID)+"/confirm", map[string]any{"release_credit": true, "draft": true}, 201)
	e.step(buyer, func(tx *store.Tx) (err error) { big, err = tx.OnlineOrder(dsc, big.ID); return err })
	if big.Status != model.StatusConverted || big.CreditApprovedBy != "api:ERP" || big.SalesOrderID != num(so["id"]) {
		t.Fatalf("released and converted: %+v", big)
	}
	// An unknown or another region's online order is a 404.
	east, _ := e.newAPIClient("east", apiClientOpts{scopes: allScopes(), orgs: []string{"EAST"}})
	for _, id := range []uint64{999999, e.ids["apiord.oo:C2"]} {
		if r := e.api("POST", "/online-orders/"+itoa(id)+"/confirm", map[string]any{}, apiCallOpts{token: east}); r.Code != 404 {
			t.Fatalf("online order %d: %d", id, r.Code)
		}
	}
	e.mustCheck()
}

// TestAPIOrdersBadInput: every kind of bad input is refused with its
// status and field, in the caller's language, and writes nothing.
func TestAPIOrdersBadInput(t *testing.T) {
	e, tok := ordEnv(t)
	so := e.ids["apiord.so:C1"]
	var draft *model.SalesOrder
	admin := e.user("admin")
	e.step(admin, func(tx *store.Tx) (err error) {
		if draft, err = tx.NewSalesOrder(store.AdminScope(), e.ids["customer:C1"]); err != nil {
			return err
		}
		return tx.SaveSalesOrder(store.AdminScope(), draft, []store.LineInput{{Code: "AO-1", Qty: 1000}})
	})
	line := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	soBody := func(lines ...map[string]any) map[string]any {
		return map[string]any{"external_id": "BAD-1", "customer_code": "C1", "lines": lines}
	}
	ok := line("product_code", "AO-1", "qty", 1)
	for _, c := range []struct {
		name, path string
		body       any
		raw        string
		status     int
		field      string
		code       string
	}{
		{name: "not JSON", path: "/sales-orders", raw: `{"external_id":`, status: 400, code: "api.err_json_empty"},
		{name: "wrong type", path: "/sales-orders", raw: `{"external_id":7,"customer_code":"C1","lines":[]}`, status: 422, field: "external_id", code: "api.err_type"},
		{name: "qty of the wrong type", path: "/sales-orders", raw: `{"external_id":"B","customer_code":"C1","lines":[{"product_code":"AO-1","qty":true}]}`, status: 422, field: "lines[0].qty", code: "api.err_type"},
		{name: "oversized body", path: "/delivery-notices", raw: `{"external_id":"B","remarks":"` + strings.Repeat("x", APIBodyLimit) + `"}`, status: 413, code: "api.err_too_large"},
		{name: "qty not a number", path: "/sales-orders", raw: `{"external_id":"B","customer_code":"C1","lines":[{"product_code":"AO-1","qty":"many"}]}`, status: 422, field: "lines[0].qty", code: "api.err_type"},
		{name: "unknown field", path: "/sales-orders", body: map[string]any{"external_id": "B", "customer_code": "C1", "lines": []any{ok}, "discount": 5}, status: 422, field: "discount", code: "api.err_unknown_field"},
		{name: "missing external id", path: "/sales-orders", body: map[string]any{"customer_code": "C1", "lines": []any{ok}}, status: 422, field: "external_id", code: "err.required"},
		{name: "missing lines", path: "/sales-orders", body: map[string]any{"external_id": "B", "customer_code": "C1"}, status: 422, field: "lines", code: "err.order_no_lines"},
		{name: "missing qty", path: "/sales-orders", body: soBody(line("product_code", "AO-1")), status: 422, field: "lines[0].qty", code: "err.required"},
		{name: "no customer", path: "/sales-orders", body: map[string]any{"external_id": "B", "lines": []any{ok}}, status: 422, field: "customer_external_id", code: "api.err_one_of"},
		{name: "two customers", path: "/sales-orders", body: map[string]any{"external_id": "B", "customer_code": "C1", "customer_external_id": "ERP-C1", "lines": []any{ok}}, status: 422, field: "customer_external_id", code: "api.err_one_of"},
		{name: "unknown customer", path: "/sales-orders", body: map[string]any{"external_id": "B", "customer_external_id": "NOPE", "lines": []any{ok}}, status: 422, field: "customer_external_id", code: "err.so_customer"},
		{name: "unknown product", path: "/sales-orders", body: soBody(ok, ok, line("product_code", "NOPE", "qty", 1)), status: 422, field: "lines[2].product_code", code: "err.order_unknown_product"},
		{name: "unknown product id", path: "/sales-orders", body: soBody(ok, line("product_external_id", "NOPE", "qty", 1)), status: 422, field: "lines[1].product_external_id", code: "err.order_unknown_product"},
		{name: "qty zero", path: "/sales-orders", body: soBody(line("product_code", "AO-1", "qty", 0)), status: 422, field: "lines[0].qty", code: "err.qty_positive"},
		{name: "qty four decimals", path: "/sales-orders", body: soBody(line("product_code", "AO-1", "qty", 1.2345)), status: 422, field: "lines[0].qty", code: "err.qty_invalid"},
		{name: "qty out of range", path: "/sales-orders", body: soBody(line("product_code", "AO-1", "qty", 1000001)), status: 422, field: "lines[0].qty", code: "err.qty_range"},
		{name: "price out of range", path: "/sales-orders", body: soBody(line("product_code", "AO-1", "qty", 1, "unit_price", int64(model.MaxPrice)+1)), status: 422, field: "lines[0].unit_price", code: "err.price_range"},
		{name: "negative price", path: "/sales-orders", body: soBody(line("product_code", "AO-1", "qty", 1, "unit_price", -1)), status: 422, field: "lines[0].unit_price", code: "err.not_negative"},
		{name: "tax rate", path: "/sales-orders", body: soBody(line("product_code", "AO-1", "qty", 1, "tax_rate", 101)), status: 422, field: "lines[0].tax_rate", code: "err.tax_rate"},
		{name: "amount out of range", path: "/sales-orders", body: soBody(line("product_code", "AO-1", "qty", 1000000, "unit_price", int64(model.MaxPrice))), status: 422, field: "lines[0].qty", code: "err.line_amount_range"},
		{name: "bad date", path: "/sales-orders", body: map[string]any{"external_id": "B", "customer_code": "C1", "order_date": "9999-12-31", "lines": []any{ok}}, status: 422, field: "order_date"},
		{name: "bad delivery date", path: "/sales-orders", body: soBody(line("product_code", "AO-1", "qty", 1, "delivery_date", "someday")), status: 422, field: "lines[0].delivery_date", code: "err.order_date"},
		{name: "unknown location", path: "/sales-orders", body: map[string]any{"external_id": "B", "customer_code": "C1", "location_id": e.ids["location:C2"], "lines": []any{ok}}, status: 422, field: "location_id", code: "err.order_location"},
		{name: "external id too long", path: "/sales-orders", body: map[string]any{"external_id": strings.Repeat("x", 101), "customer_code": "C1", "lines": []any{ok}}, status: 422, field: "external_id", code: "err.too_long"},

		{name: "notice: unknown order", path: "/delivery-notices", body: map[string]any{"external_id": "B", "sales_order_id": 999999, "lines": []any{line("line", 1, "qty", 1)}}, status: 422, field: "sales_order_id", code: "api.err_no_sales_order"},
		{name: "notice: unknown order number", path: "/delivery-notices", body: map[string]any{"external_id": "B", "sales_order_external_id": "NOPE", "lines": []any{line("line", 1, "qty", 1)}}, status: 422, field: "sales_order_external_id", code: "api.err_no_sales_order"},
		{name: "notice: no order", path: "/delivery-notices", body: map[string]any{"external_id": "B", "lines": []any{line("line", 1, "qty", 1)}}, status: 422, field: "sales_order_id", code: "api.err_one_of"},
		{name: "notice: draft order", path: "/delivery-notices", body: map[string]any{"external_id": "B", "sales_order_id": draft.ID, "lines": []any{line("line", 1, "qty", 1)}}, status: 409, code: "err.state"},
		{name: "notice: unknown line", path: "/delivery-notices", body: map[string]any{"external_id": "B", "sales_order_id": so, "lines": []any{line("line", 9, "qty", 1)}}, status: 422, field: "lines[0].line", code: "api.err_no_line"},
		{name: "notice: product not on order", path: "/delivery-notices", body: map[string]any{"external_id": "B", "sales_order_id": so, "lines": []any{line("line", 2, "qty", 1), line("product_code", "P-NONE", "qty", 1)}}, status: 422, field: "lines[1].product_code", code: "err.order_unknown_product"},
		{name: "notice: line twice", path: "/delivery-notices", body: map[string]any{"external_id": "B", "sales_order_id": so, "lines": []any{line("line", 2, "qty", 1), line("product_code", "AO-2", "qty", 1)}}, status: 422, field: "lines[1].line", code: "api.err_line_twice"},
		{name: "notice: line and product", path: "/delivery-notices", body: map[string]any{"external_id": "B", "sales_order_id": so, "lines": []any{line("line", 2, "product_code", "AO-2", "qty", 1)}}, status: 422, field: "lines[0].line", code: "api.err_one_of"},
		{name: "notice: over open", path: "/delivery-notices", body: map[string]any{"external_id": "B", "sales_order_id": so, "lines": []any{line("line", 2, "qty", 1), line("line", 1, "qty", 8)}}, status: 422, field: "lines[1].qty", code: "err.qty_over_open"},
		{name: "notice: bad ship date", path: "/delivery-notices", body: map[string]any{"external_id": "B", "sales_order_id": so, "ship_date": "2026-02-30", "lines": []any{line("line", 2, "qty", 1)}}, status: 422, field: "ship_date", code: "err.doc_date"},
		{name: "notice: tracking number too long", path: "/delivery-notices", body: map[string]any{"external_id": "B", "sales_order_id": so, "tracking_number": strings.Repeat("9", 61), "lines": []any{line("line", 2, "qty", 1)}}, status: 422, field: "tracking_number", code: "err.too_long"},

		{name: "outbound: no source", path: "/outbounds", body: map[string]any{"external_id": "B", "lines": []any{line("line", 1, "qty", 1)}}, status: 422, field: "sales_order_id", code: "api.err_one_of"},
		{name: "outbound: two sources", path: "/outbounds", body: map[string]any{"external_id": "B", "sales_order_id": so, "delivery_notice_id": e.ids["apiord.dn:C1"], "lines": []any{line("line", 1, "qty", 1)}}, status: 422, field: "sales_order_id", code: "api.err_one_of"},
		{name: "outbound: unknown notice", path: "/outbounds", body: map[string]any{"external_id": "B", "delivery_notice_external_id": "NOPE", "lines": []any{line("line", 1, "qty", 1)}}, status: 422, field: "delivery_notice_external_id", code: "api.err_no_delivery_notice"},
		{name: "outbound: unknown return notice", path: "/outbounds", body: map[string]any{"external_id": "B", "return_notice_id": 999999, "lines": []any{line("line", 1, "qty", 1)}}, status: 422, field: "return_notice_id", code: "api.err_no_return_notice"},
		{name: "outbound: over the notice", path: "/outbounds", body: map[string]any{"external_id": "B", "delivery_notice_id": e.ids["apiord.dn:C1"], "lines": []any{line("line", 1, "qty", 2)}}, status: 422, field: "lines[0].qty", code: "err.qty_over_open"},
		{name: "outbound: over the return", path: "/outbounds", body: map[string]any{"external_id": "B", "return_notice_id": e.ids["apiord.rn:C1"], "lines": []any{line("line", 1, "qty", 2)}}, status: 422, field: "lines[0].qty", code: "err.qty_over_returnable"},
		{name: "outbound: negative qty", path: "/outbounds", body: map[string]any{"external_id": "B", "sales_order_id": so, "lines": []any{line("line", 2, "qty", -1)}}, status: 422, field: "lines[0].qty", code: "err.qty_positive"},
		{name: "outbound: bad post date", path: "/outbounds", body: map[string]any{"external_id": "B", "sales_order_id": so, "post_date": "tomorrow", "lines": []any{line("line", 2, "qty", 1)}}, status: 422, field: "post_date", code: "err.doc_date"},
		{name: "outbound: product twice on the order", path: "/outbounds", body: map[string]any{"external_id": "B", "return_notice_id": e.ids["apiord.rn:C1"], "lines": []any{line("product_code", "AO-2", "qty", 1)}}, status: 422, field: "lines[0].product_code", code: "api.err_product_not_on_doc"},
		{name: "outbound: wrong content type", path: "/outbounds", raw: "external_id=B", status: 415, code: "api.err_content_type"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := storeFingerprint(t, e)
			o := apiCallOpts{token: tok, badRequest: true}
			if c.raw != "" {
				o.raw = []byte(c.raw)
			}
			if c.status == 415 {
				o.headers = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
			}
			r := e.api("POST", c.path, c.body, o)
			p := r.problem(t)
			if r.Code != c.status {
				t.Fatalf("%d, want %d: %s", r.Code, c.status, r.Body)
			}
			if c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field || c.code != "" && p.Errors[0].Code != c.code || p.Errors[0].Message == "") {
				t.Fatalf("want %s %s: %s", c.field, c.code, r.Body)
			}
			if c.field == "" && c.code != "" && p.Code != c.code {
				t.Fatalf("want %s: %s", c.code, r.Body)
			}
			if storeFingerprint(t, e) != before {
				t.Fatal("a refused push wrote something")
			}
		})
	}

	// Stock that would go negative: refused at the line, in Chinese too.
	e.step(e.user("admin"), func(tx *store.Tx) error {
		_, err := tx.AdjustStock(e.ids["apiord.product:AO-2"], -99_000, 0)
		return err
	})
	before := storeFingerprint(t, e)
	r := e.api("POST", "/outbounds", map[string]any{"external_id": "B", "sales_order_id": so, "lines": []any{line("line", 2, "qty", 2)}}, apiCallOpts{token: tok, lang: "zh-CN"})
	if p := r.problem(t); r.Code != 422 || p.Errors[0].Field != "lines[0].qty" || p.Errors[0].Code != "err.stock_short" || !strings.Contains(p.Errors[0].Message, "库存") {
		t.Fatalf("stock short: %d %s", r.Code, r.Body)
	}
	if storeFingerprint(t, e) != before {
		t.Fatal("a refused outbound wrote something")
	}

	// GETs: unknown ids and numbers are 404s; a client without the orders
	// grant is a 403.
	for _, p := range []string{"/sales-orders/999999", "/sales-orders/abc", "/sales-orders/by-external/NOPE", "/delivery-notices/999999",
		"/delivery-notices/by-external/" + url.PathEscape("FX-SO-C1"), "/outbounds/999999", "/outbounds/by-external/NOPE"} {
		if r := e.api("GET", p, nil, apiCallOpts{token: tok, badRequest: true}); r.Code != 404 || r.problem(t).Code != "err.not_found" {
			t.Errorf("GET %s: %d %s", p, r.Code, r.Body)
		}
	}
	products, _ := e.newAPIClient("products", apiClientOpts{scopes: []model.APIScope{"products:write", "orders:read"}})
	if r := e.api("POST", "/outbounds", map[string]any{"external_id": "B", "sales_order_id": so, "lines": []any{line("line", 2, "qty", 1)}}, apiCallOpts{token: products}); r.Code != 403 {
		t.Fatalf("read-only client pushes: %d %s", r.Code, r.Body)
	}
	if r := e.api("GET", "/sales-orders/"+itoa(so), nil, apiCallOpts{token: products}); r.Code != 200 {
		t.Fatalf("read-only client reads: %d %s", r.Code, r.Body)
	}
	e.mustCheck()
}

// TestAPIOrdersExternalIDInPath: an ERP number with a slash is found when
// the path carries it URL-encoded.
func TestAPIOrdersExternalIDInPath(t *testing.T) {
	e, tok := ordEnv(t)
	e.push(tok, "/sales-orders", map[string]any{"external_id": "SO/2026/0042", "customer_external_id": "ERP-C2", "draft": true,
		"lines": []map[string]any{{"product_code": "AO-1", "qty": 1}}}, 201)
	r := e.api("GET", "/sales-orders/by-external/"+url.PathEscape("SO/2026/0042"), nil, apiCallOpts{token: tok})
	var got apiSalesOrder
	r.JSON(t, &got)
	if r.Code != 200 || got.ExternalID != "SO/2026/0042" || got.Status != "draft" || got.Lines[0].OpenQty != "0" || got.Lines[0].UnitPrice != 1000 {
		t.Fatalf("%d %s", r.Code, r.Body)
	}
}

// FuzzOrderBodies feeds arbitrary bytes to the order documents' decoders
// and readers: they answer a refusal or values, never a panic, and a body
// they accept reads back to a fingerprint.
func FuzzOrderBodies(f *testing.F) {
	for _, s := range []string{
		`{"external_id":"SO-1","customer_code":"C1","lines":[{"product_code":"AO-1","qty":2.5,"unit_price":480,"tax_rate":9}]}`,
		`{"external_id":"DN-1","sales_order_id":3,"lines":[{"line":1,"qty":1}]}`,
		`{"external_id":"OB-1","return_notice_external_id":"RN","lines":[{"product_external_id":"P","qty":"1e3"}]}`,
		`{"lines":[{"line":1,"qty":-0.001,"unit_price":-5}],"release_credit":true}`,
		`{"lines":[{"qty":1.0000000000000000001}]}`, `[]`, `{"lines":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ve := &model.ValidationError{}
		var so apiNewSalesOrder
		if decodeStrict(body, &so) == nil {
			so.read(ve)
			_ = pushFingerprint(&so)
		}
		var conf apiConfirmOnlineOrder
		if decodeStrict(body, &conf) == nil {
			conf.read(ve)
		}
		var dn apiNewDeliveryNotice
		if decodeStrict(body, &dn) == nil {
			ordReadShipQtys(dn.Lines, ve)
		}
		var ob apiNewOutbound
		if decodeStrict(body, &ob) == nil {
			ordReadShipQtys(ob.Lines, ve)
			_ = pushFingerprint(&ob)
		}
	})
}
