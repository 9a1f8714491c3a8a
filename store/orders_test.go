package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"dealerportal/model"
)

// orderFixture publishes P1 (¥100, stock 100), P2 (¥200, min 2, multiple 2)
// and P3 (¥300, unpublished later) to C001, gives C001 a primary location
// and returns the products and entries.
type orderFix struct {
	*fixture
	prods   []*model.Product
	entries []*model.CatalogEntry
	loc     *model.Location
}

func newOrderFixture(t *testing.T) *orderFix {
	t.Helper()
	f := &orderFix{fixture: newFixture(t)}
	cat, prods := catalogFixture(t, f.fixture)
	f.prods = prods
	update(t, f.s, func(tx *Tx) error {
		for i, p := range prods {
			e := &model.CatalogEntry{ProductID: p.ID, CategoryID: cat, Targets: []model.Target{{Kind: model.TargetCustomer, ID: f.c1.ID}}}
			if i == 1 {
				e.MinQty, e.Multiple = 2000, 2000
			}
			if err := tx.SaveCatalogEntry(AdminScope(), e); err != nil {
				return err
			}
			if err := tx.AuditCatalogQuiet(e.ID, f.admin); err != nil {
				return err
			}
			f.entries = append(f.entries, e)
		}
		if _, err := tx.AdjustStock(prods[1].ID, 50_000, 0); err != nil {
			return err
		}
		f.loc = &model.Location{CustomerID: f.c1.ID, Name: "北京仓", Address: "北京市朝阳区 1 号", Contact: "李四", Phone: "010-5555 6666"}
		return tx.SaveLocation(AdminScope(), f.loc)
	})
	return f
}

func qty(n int64) model.Qty { return model.Qty(n * model.QtyScale) }

// as runs fn as user u (its name stamps created/updated by) and fails the
// test on error.
func (f *orderFix) as(t *testing.T, u *model.User, fn func(tx *Tx) error) {
	t.Helper()
	if err := f.s.Update(u.Username, fn); err != nil {
		t.Fatal(err)
	}
}

// placeOrder creates (and optionally submits) an online order for dealer u.
func (f *orderFix) placeOrder(t *testing.T, u *model.User, submit bool, lines ...LineInput) *model.OnlineOrder {
	t.Helper()
	var o *model.OnlineOrder
	f.as(t, u, func(tx *Tx) error {
		var err error
		if o, err = tx.NewOnlineOrder(f.scope(u), u.CustomerID); err != nil {
			return err
		}
		return tx.SaveOnlineOrder(f.scope(u), o, lines, u, submit)
	})
	return o
}

func (f *orderFix) balance(t *testing.T, cust uint64) *model.CustomerBalance {
	var b *model.CustomerBalance
	view(t, f.s, func(tx *Tx) error { b = tx.balance(cust); return nil })
	return b
}

func (f *orderFix) stock(t *testing.T, p int) *model.Stock {
	var st *model.Stock
	view(t, f.s, func(tx *Tx) error { st, _ = tx.Stock(f.prods[p].ID); return nil })
	return st
}

func orderEvents(t *testing.T, s *Store, ev model.Event) []*model.OutboxMessage {
	var out []*model.OutboxMessage
	view(t, s, func(tx *Tx) error {
		msgs, _ := tx.PendingOutbox(10000)
		for _, m := range msgs {
			if m.Event == ev {
				out = append(out, m)
			}
		}
		return nil
	})
	return out
}

func TestOnlineOrderLifecycleAndOpenOrders(t *testing.T) {
	f := newOrderFixture(t)
	d := f.d1b
	// Entered directly: priced at the effective (list) price, ship-to from
	// the primary location.
	o := f.placeOrder(t, d, false, LineInput{Code: "P1", Qty: qty(3)}, LineInput{Code: "p2", Qty: qty(4), DeliveryDate: "2026-04-01"})
	if o.Number != "OO-2026-000001" || o.Status != model.StatusDraft || o.ShipTo.LocationID != f.loc.ID || o.Contact != "李四" {
		t.Fatalf("order %+v", o)
	}
	if o.Totals.Amount != 3*10000+4*20000 || o.Lines[1].AmountExcl+o.Lines[1].Tax != o.Lines[1].Amount {
		t.Fatalf("totals %+v", o.Totals)
	}
	if b := f.balance(t, f.c1.ID); b.OpenOrders != 0 {
		t.Fatalf("draft counts in open orders: %v", b.OpenOrders)
	}
	// Product rules: unpublished code, quantity not a multiple.
	err := f.s.Update("x", func(tx *Tx) error {
		o2, _ := tx.NewOnlineOrder(f.scope(d), d.CustomerID)
		return tx.SaveOnlineOrder(f.scope(d), o2, []LineInput{{Code: "NOPE", Qty: qty(1)}, {Code: "P2", Qty: qty(3)}}, d, false)
	})
	wantField(t, err, "line.0.code", "err.order_unpublished")
	wantField(t, err, "line.1.qty", "err.qty_multiple")
	// Submit: counts in the open orders, raises online_order.submitted.
	f.as(t, d, func(tx *Tx) error {
		var err error
		o, err = tx.ActOnOnlineOrder(f.scope(d), o.ID, o.Version, "submit", d, "")
		return err
	})
	if b := f.balance(t, f.c1.ID); b.OpenOrders != o.Totals.Amount {
		t.Fatalf("open orders %v, want %v", b.OpenOrders, o.Totals.Amount)
	}
	if n := len(orderEvents(t, f.s, model.EventOrderSubmitted)); n != 1 {
		t.Fatalf("%d submitted events", n)
	}
	// Reject needs a reason; with one it leaves the open orders.
	err = f.s.Update("x", func(tx *Tx) error {
		_, err := tx.ActOnOnlineOrder(AdminScope(), o.ID, o.Version, "reject", f.admin, " ")
		return err
	})
	wantField(t, err, "reason", "err.reason_required")
	update(t, f.s, func(tx *Tx) error {
		var err error
		o, err = tx.ActOnOnlineOrder(AdminScope(), o.ID, o.Version, "reject", f.admin, "价格有误")
		return err
	})
	if o.Status != model.StatusRejected || o.RejectReason != "价格有误" || f.balance(t, f.c1.ID).OpenOrders != 0 {
		t.Fatalf("after reject: %s %q %v", o.Status, o.RejectReason, f.balance(t, f.c1.ID).OpenOrders)
	}
	rej := orderEvents(t, f.s, model.EventOrderRejected)
	if len(rej) != 1 || rej[0].Params["reason"] != "价格有误" || rej[0].Params["link"] != fmt.Sprintf("/online-orders/%d", o.ID) {
		t.Fatalf("rejected event %+v", rej)
	}
	// A rejected order is never executed nor edited by its dealer.
	err = f.s.Update("x", func(tx *Tx) error {
		_, err := tx.ConvertOnlineOrder(AdminScope(), o.ID, o.Version, f.admin, nil)
		return err
	})
	if !errors.Is(err, model.ErrNotAllowed) {
		t.Fatalf("convert rejected: %v", err)
	}
	update(t, f.s, func(tx *Tx) error {
		var err error
		o, err = tx.ActOnOnlineOrder(AdminScope(), o.ID, o.Version, "unreject", f.admin, "")
		return err
	})
	if o.Status != model.StatusSubmitted || f.balance(t, f.c1.ID).OpenOrders != o.Totals.Amount {
		t.Fatal("unreject did not restore")
	}
	// Convert: a draft sales order linked both ways, open orders move from
	// the online order to the (not yet audited) sales order: zero.
	var so *model.SalesOrder
	update(t, f.s, func(tx *Tx) error {
		var err error
		so, err = tx.ConvertOnlineOrder(AdminScope(), o.ID, o.Version, f.admin, nil)
		return err
	})
	view(t, f.s, func(tx *Tx) error { o, _ = tx.OnlineOrder(AdminScope(), o.ID); return nil })
	if o.Status != model.StatusConverted || o.SalesOrderID != so.ID || so.OnlineOrderID != o.ID || so.Status != model.StatusDraft ||
		so.Lines[0].Source != (model.LineRef{Type: model.DocOnlineOrder, ID: o.ID, Line: 1}) || so.Totals.Amount != o.Totals.Amount {
		t.Fatalf("convert: %+v / %+v", o, so)
	}
	if f.balance(t, f.c1.ID).OpenOrders != 0 {
		t.Fatal("converted order still open")
	}
	var exec string
	view(t, f.s, func(tx *Tx) error { exec = tx.OnlineExecution(o); return nil })
	if exec != model.ExecGenerated {
		t.Fatalf("execution %q", exec)
	}
	// Dealers do not see a draft sales order.
	view(t, f.s, func(tx *Tx) error {
		_, err := tx.SalesOrder(f.scope(d), so.ID)
		wantNotFound(t, err)
		return nil
	})
}

func TestCreditCheckFlagAndBlock(t *testing.T) {
	f := newOrderFixture(t)
	d := f.d1b
	update(t, f.s, func(tx *Tx) error {
		f.c1.CreditLimit = 100000 // ¥1,000
		if err := tx.SaveCustomer(AdminScope(), f.c1); err != nil {
			return err
		}
		// Existing exposure: ¥300 un-invoiced.
		return tx.AdjustBalance(f.c1.ID, func(b *model.CustomerBalance) { b.Uninvoiced = 30000 })
	})
	// ¥600 fits (300 + 600 ≤ 1000).
	small := f.placeOrder(t, d, true, LineInput{Code: "P1", Qty: qty(6)})
	if small.CreditHold || small.Status != model.StatusSubmitted {
		t.Fatalf("small order: %+v", small)
	}
	// Flag mode (default): ¥200 more passes (300+600+200 = 1100 > 1000) on hold.
	big := f.placeOrder(t, d, true, LineInput{Code: "P1", Qty: qty(2)})
	if !big.CreditHold || big.CreditApprovedBy != "" || big.CreditExposure != 90000 || big.CreditLimit != 100000 {
		t.Fatalf("flagged order: %+v", big)
	}
	holds := orderEvents(t, f.s, model.EventOrderCreditHold)
	if len(holds) != 1 || holds[0].DocID != big.ID || holds[0].Params["credit_limit"] != "¥1,000.00" {
		t.Fatalf("hold events %+v", holds)
	}
	// Staff cannot convert it before finance approves; sales cannot approve.
	err := f.s.Update("x", func(tx *Tx) error {
		_, err := tx.ConvertOnlineOrder(AdminScope(), big.ID, big.Version, f.admin, nil)
		return err
	})
	wantField(t, err, "_form", "err.credit_hold_open")
	// Who may approve is the handlers' check (TestFulfilmentRefusals).
	update(t, f.s, func(tx *Tx) error {
		var err error
		big, err = tx.ActOnOnlineOrder(tx.ScopeFor(f.multi), big.ID, big.Version, "release_credit", f.multi, "老客户")
		return err
	})
	if big.CreditApprovedBy != "multi" || big.Summarize().Flag != "" {
		t.Fatalf("released: %+v", big)
	}
	update(t, f.s, func(tx *Tx) error {
		_, err := tx.ConvertOnlineOrder(AdminScope(), big.ID, big.Version, f.admin, nil)
		return err
	})
	// Block mode: the dealer is refused with the figures, nothing is saved.
	update(t, f.s, func(tx *Tx) error {
		o := tx.OrderingSettings()
		o.CreditBlock = true
		return tx.SaveOrderingSettings(o)
	})
	var n0 int
	view(t, f.s, func(tx *Tx) error { n0 = tx.CountDocs(AdminScope(), docOnlineOrder); return nil })
	err = f.s.Update("x", func(tx *Tx) error {
		o, _ := tx.NewOnlineOrder(f.scope(d), d.CustomerID)
		return tx.SaveOnlineOrder(f.scope(d), o, []LineInput{{Code: "P1", Qty: qty(2)}}, d, true)
	})
	wantField(t, err, "_form", "err.credit_blocked")
	var ve *model.ValidationError
	errors.As(err, &ve)
	if ve.Fields[0].Args["available"] != "¥100.00" {
		t.Fatalf("block message args %v", ve.Fields[0].Args)
	}
	view(t, f.s, func(tx *Tx) error {
		if n := tx.CountDocs(AdminScope(), docOnlineOrder); n != n0 {
			t.Fatalf("a refused submit saved an order: %d → %d", n0, n)
		}
		return nil
	})
	// Growing a submitted order past the limit is refused too.
	err = f.s.Update(d.Username, func(tx *Tx) error {
		o, _ := tx.OnlineOrder(f.scope(d), small.ID)
		return tx.SaveOnlineOrder(f.scope(d), o, []LineInput{{Code: "P1", Qty: qty(8)}}, d, false)
	})
	wantField(t, err, "_form", "err.credit_blocked")
}

// TestOnlineOrderStateTable: every action from every status by each role.
func TestOnlineOrderStateTable(t *testing.T) {
	f := newOrderFixture(t)
	statuses := []model.Status{model.StatusDraft, model.StatusSubmitted, model.StatusRejected, model.StatusConverted}
	actors := map[string]*model.User{"dealer": f.d1b, "sales": f.northLead, "finance": f.multi, "viewer": f.southViewer}
	// reach puts a fresh order into status st.
	reach := func(st model.Status) *model.OnlineOrder {
		o := f.placeOrder(t, f.d1b, st != model.StatusDraft, LineInput{Code: "P1", Qty: qty(1)})
		update(t, f.s, func(tx *Tx) error {
			var err error
			switch st {
			case model.StatusRejected:
				o, err = tx.ActOnOnlineOrder(AdminScope(), o.ID, o.Version, "reject", f.admin, "no stock")
			case model.StatusConverted:
				_, err = tx.ConvertOnlineOrder(AdminScope(), o.ID, o.Version, f.admin, nil)
				if err == nil {
					o, err = tx.OnlineOrder(AdminScope(), o.ID)
				}
			}
			return err
		})
		return o
	}
	want := func(actor string, st model.Status, action string) bool {
		switch actor + "/" + action {
		case "dealer/submit":
			return st == model.StatusDraft
		case "sales/reject":
			return st == model.StatusSubmitted
		case "sales/unreject":
			return st == model.StatusRejected
		case "sales/convert":
			return st == model.StatusSubmitted
		}
		return false
	}
	for _, st := range statuses {
		for name, u := range actors {
			for _, action := range []string{"submit", "reject", "unreject", "convert"} {
				o := reach(st)
				sc := f.scope(u)
				err := f.s.Update(u.Username, func(tx *Tx) error {
					if action == "convert" {
						_, err := tx.ConvertOnlineOrder(sc, o.ID, o.Version, u, nil)
						return err
					}
					_, err := tx.ActOnOnlineOrder(sc, o.ID, o.Version, action, u, "a reason")
					return err
				})
				ok := want(name, st, action)
				switch {
				case ok && err != nil:
					t.Errorf("%s %s from %s: %v", name, action, st, err)
				case !ok && err == nil:
					t.Errorf("%s %s from %s: allowed", name, action, st)
				case !ok && !errors.Is(err, model.ErrNotAllowed) && !errors.Is(err, model.ErrNotFound):
					t.Errorf("%s %s from %s: refused with %v, want a state/permission error", name, action, st, err)
				}
				// A refused action changes nothing.
				if !ok {
					view(t, f.s, func(tx *Tx) error {
						got, _ := tx.OnlineOrder(AdminScope(), o.ID)
						if got.Status != o.Status || got.Version != o.Version {
							t.Errorf("%s %s from %s changed the order", name, action, st)
						}
						return nil
					})
				}
			}
		}
	}
}

func TestOnlineOrderFromCartAndEditRules(t *testing.T) {
	f := newOrderFixture(t)
	d, boss := f.d1b, f.d1a
	update(t, f.s, func(tx *Tx) error {
		for _, e := range f.entries[:2] {
			if _, err := tx.AddToCart(f.scope(d), d.ID, e.ID, 0); err != nil {
				return err
			}
		}
		return nil
	})
	// Only P2's line: P1 stays in the cart.
	o := &model.OnlineOrder{ShipTo: model.ShipTo{LocationID: f.loc.ID, Name: f.loc.Name}}
	f.as(t, d, func(tx *Tx) error {
		return tx.OnlineOrderFromCart(f.scope(d), d, []uint64{f.entries[1].ID}, o, false)
	})
	if len(o.Lines) != 1 || o.Lines[0].ProductID != f.prods[1].ID || o.Lines[0].Qty != qty(2) || o.AllowAdjust {
		t.Fatalf("from cart: %+v", o.Lines)
	}
	view(t, f.s, func(tx *Tx) error {
		if tx.CartLineQty(d.ID, f.entries[1].ID) != 0 || tx.CartLineQty(d.ID, f.entries[0].ID) == 0 {
			t.Fatal("cart not updated")
		}
		return nil
	})
	// Another user of the customer may not edit it (no allow adjustment)…
	err := f.s.Update("x", func(tx *Tx) error {
		o2, _ := tx.OnlineOrder(f.scope(boss), o.ID)
		return tx.SaveOnlineOrder(f.scope(boss), o2, []LineInput{{Code: "P2", Qty: qty(4)}}, boss, false)
	})
	if !errors.Is(err, model.ErrNotAllowed) {
		t.Fatalf("colleague edited: %v", err)
	}
	// …the creator may, and turns allow adjustment on: now the colleague may.
	f.as(t, d, func(tx *Tx) error {
		o2, _ := tx.OnlineOrder(f.scope(d), o.ID)
		o2.AllowAdjust = true
		return tx.SaveOnlineOrder(f.scope(d), o2, []LineInput{{Code: "P2", Qty: qty(4)}}, d, false)
	})
	f.as(t, boss, func(tx *Tx) error {
		o2, _ := tx.OnlineOrder(f.scope(boss), o.ID)
		return tx.SaveOnlineOrder(f.scope(boss), o2, []LineInput{{Code: "P2", Qty: qty(6)}}, boss, false)
	})
	// Two users save the same version: one wins, the other gets a conflict.
	var o1, o2 *model.OnlineOrder
	view(t, f.s, func(tx *Tx) error {
		o1, _ = tx.OnlineOrder(f.scope(d), o.ID)
		o2, _ = tx.OnlineOrder(f.scope(boss), o.ID)
		return nil
	})
	f.as(t, d, func(tx *Tx) error {
		return tx.SaveOnlineOrder(f.scope(d), o1, []LineInput{{Code: "P2", Qty: qty(8)}}, d, false)
	})
	err = f.s.Update("x", func(tx *Tx) error {
		return tx.SaveOnlineOrder(f.scope(boss), o2, []LineInput{{Code: "P2", Qty: qty(10)}}, boss, false)
	})
	if ce := wantConflict(t, err); ce.By != d.Username {
		t.Fatalf("conflict names %q", ce.By)
	}
	// Staff of another region cannot see it; an empty cart selection is refused.
	view(t, f.s, func(tx *Tx) error {
		_, err := tx.OnlineOrder(tx.ScopeFor(f.southViewer), o.ID)
		wantNotFound(t, err)
		return nil
	})
	err = f.s.Update("x", func(tx *Tx) error {
		return tx.OnlineOrderFromCart(f.scope(d), d, []uint64{f.entries[2].ID}, &model.OnlineOrder{}, false)
	})
	wantField(t, err, "lines", "err.cart_empty")
}

func TestIdempotentSubmitConcurrent(t *testing.T) {
	f := newOrderFixture(t)
	d := f.d1b
	var wg sync.WaitGroup
	ids := make([]uint64, 10)
	errs := make([]error, 10)
	for i := range 10 {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = f.s.Update(d.Username, func(tx *Tx) error {
				id, _, err := tx.Idempotent(d.ID, "same-form-token", func() (uint64, error) {
					o, err := tx.NewOnlineOrder(f.scope(d), d.CustomerID)
					if err != nil {
						return 0, err
					}
					return o.ID, tx.SaveOnlineOrder(f.scope(d), o, []LineInput{{Code: "P1", Qty: qty(1)}}, d, true)
				})
				ids[i] = id
				return err
			})
		}(i)
	}
	wg.Wait()
	for i := range 10 {
		if errs[i] != nil || ids[i] != ids[0] || ids[0] == 0 {
			t.Fatalf("post %d: id %d err %v (first %d)", i, ids[i], errs[i], ids[0])
		}
	}
	view(t, f.s, func(tx *Tx) error {
		if n := tx.CountDocs(AdminScope(), docOnlineOrder); n != 1 {
			t.Fatalf("%d orders", n)
		}
		return nil
	})
	if b := f.balance(t, f.c1.ID); b.OpenOrders != 10000 {
		t.Fatalf("open orders %v", b.OpenOrders)
	}
}

// salesOrder makes and audits a direct sales order of C001 for 10 × P1 and
// 4 × P2.
func (f *orderFix) salesOrder(t *testing.T, audit bool) *model.SalesOrder {
	t.Helper()
	var so *model.SalesOrder
	update(t, f.s, func(tx *Tx) error {
		var err error
		if so, err = tx.NewSalesOrder(AdminScope(), f.c1.ID); err != nil {
			return err
		}
		price := model.Money(9000)
		if err := tx.SaveSalesOrder(AdminScope(), so, []LineInput{{Code: "P1", Qty: qty(10), Price: &price}, {Code: "P2", Qty: qty(4)}}); err != nil {
			return err
		}
		if audit {
			so, err = tx.ActOnSalesOrder(AdminScope(), so.ID, so.Version, "audit", f.admin, "")
		}
		return err
	})
	return so
}

func TestSalesOrderReservedStockAndOpenOrders(t *testing.T) {
	f := newOrderFixture(t)
	so := f.salesOrder(t, false)
	if so.Lines[0].Price != 9000 || so.Lines[1].Price != 20000 || so.Lines[0].TaxRate != 1300 || so.ShipTo.LocationID != f.loc.ID ||
		so.SalespersonID != f.bjOwn.ID || so.OrgUnitID != f.bj {
		t.Fatalf("sales order %+v", so)
	}
	excl, tax, incl := model.LineAmounts(qty(10), 9000, 1300)
	if so.Lines[0].AmountExcl != excl || so.Lines[0].Tax != tax || so.Lines[0].Amount != incl || incl != 90000 {
		t.Fatalf("line amounts %+v", so.Lines[0])
	}
	if st := f.stock(t, 0); st.Reserved != 0 {
		t.Fatal("a draft reserves")
	}
	update(t, f.s, func(tx *Tx) error {
		var err error
		so, err = tx.ActOnSalesOrder(AdminScope(), so.ID, so.Version, "audit", f.admin, "")
		return err
	})
	if f.stock(t, 0).Reserved != qty(10) || f.stock(t, 1).Reserved != qty(4) || f.balance(t, f.c1.ID).OpenOrders != 90000+80000 {
		t.Fatalf("after audit: %+v %+v %v", f.stock(t, 0), f.stock(t, 1), f.balance(t, f.c1.ID))
	}
	// Previously bought is filled at audit.
	view(t, f.s, func(tx *Tx) error {
		rows, _ := tx.PreviouslyBought(f.scope(f.d1b))
		if len(rows) != 2 || rows[0].Purchase.LastDoc != so.Number {
			t.Fatalf("previously bought %+v", rows)
		}
		return nil
	})
	// Dealers see it now.
	view(t, f.s, func(tx *Tx) error {
		_, err := tx.SalesOrder(f.scope(f.d1b), so.ID)
		if err != nil {
			t.Fatal(err)
		}
		rows, n, _ := tx.ListSalesOrders(f.scope(f.d1b), DocFilter{}, Page{Limit: 10})
		if n != 1 || len(rows) != 1 {
			t.Fatalf("dealer list %d", n)
		}
		return nil
	})
	// Unaudit refused with a downstream document; allowed without.
	update(t, f.s, func(tx *Tx) error {
		so.Downstream = 1
		return tx.UpdateDoc(AdminScope(), docSalesOrder, so)
	})
	err := f.s.Update("x", func(tx *Tx) error {
		_, err := tx.ActOnSalesOrder(AdminScope(), so.ID, so.Version, "unaudit", f.admin, "")
		return err
	})
	wantField(t, err, "_form", "err.so_downstream")
	update(t, f.s, func(tx *Tx) error {
		so.Downstream = 0
		if err := tx.UpdateDoc(AdminScope(), docSalesOrder, so); err != nil {
			return err
		}
		var err error
		so, err = tx.ActOnSalesOrder(AdminScope(), so.ID, so.Version, "unaudit", f.admin, "")
		return err
	})
	if f.stock(t, 0).Reserved != 0 || f.balance(t, f.c1.ID).OpenOrders != 0 || so.Status != model.StatusDraft {
		t.Fatal("unaudit did not release")
	}
	// Audit again, ship part (as the shipping module does), close: the rest
	// is released.
	update(t, f.s, func(tx *Tx) error {
		var err error
		if so, err = tx.ActOnSalesOrder(AdminScope(), so.ID, so.Version, "audit", f.admin, ""); err != nil {
			return err
		}
		release, drop, err := so.Lines[0].Ship(qty(3), false)
		if err != nil {
			return err
		}
		if _, err := tx.AdjustStock(so.Lines[0].ProductID, -qty(3), -release); err != nil {
			return err
		}
		if err := tx.AdjustBalance(so.CustomerID, func(b *model.CustomerBalance) { b.OpenOrders -= drop }); err != nil {
			return err
		}
		if err := tx.UpdateDoc(AdminScope(), docSalesOrder, so); err != nil {
			return err
		}
		closed, err := tx.SalesOrderExecuted(so.ID)
		if closed || err != nil {
			return fmt.Errorf("auto-closed a partly shipped order: %v", err)
		}
		so, err = tx.SalesOrder(AdminScope(), so.ID)
		return err
	})
	if f.stock(t, 0).Reserved != qty(7) || f.balance(t, f.c1.ID).OpenOrders != 7*9000+80000 {
		t.Fatalf("after shipping 3: %+v %v", f.stock(t, 0), f.balance(t, f.c1.ID).OpenOrders)
	}
	update(t, f.s, func(tx *Tx) error {
		var err error
		so, err = tx.ActOnSalesOrder(AdminScope(), so.ID, so.Version, "close", f.admin, "")
		return err
	})
	if f.stock(t, 0).Reserved != 0 || f.stock(t, 1).Reserved != 0 || f.balance(t, f.c1.ID).OpenOrders != 0 || f.stock(t, 0).OnHand != qty(97) {
		t.Fatalf("after close: %+v %v", f.stock(t, 0), f.balance(t, f.c1.ID).OpenOrders)
	}
	// Void only while draft.
	err = f.s.Update("x", func(tx *Tx) error {
		_, err := tx.ActOnSalesOrder(AdminScope(), so.ID, so.Version, "void", f.admin, "")
		return err
	})
	if !errors.Is(err, model.ErrNotAllowed) {
		t.Fatalf("void closed: %v", err)
	}
}

func TestSalesOrderAutoClose(t *testing.T) {
	f := newOrderFixture(t)
	so := f.salesOrder(t, true)
	update(t, f.s, func(tx *Tx) error {
		for i := range so.Lines {
			q := so.Lines[i].Qty
			release, drop, err := so.Lines[i].Ship(q, false)
			if err != nil {
				return err
			}
			if _, err := tx.AdjustStock(so.Lines[i].ProductID, -q, -release); err != nil {
				return err
			}
			if err := tx.AdjustBalance(so.CustomerID, func(b *model.CustomerBalance) { b.OpenOrders -= drop }); err != nil {
				return err
			}
		}
		if err := tx.UpdateDoc(AdminScope(), docSalesOrder, so); err != nil {
			return err
		}
		closed, err := tx.SalesOrderExecuted(so.ID)
		if !closed {
			return fmt.Errorf("not closed: %v", err)
		}
		return err
	})
	view(t, f.s, func(tx *Tx) error {
		so, _ = tx.SalesOrder(AdminScope(), so.ID)
		return nil
	})
	if so.Status != model.StatusClosed || so.Trail[len(so.Trail)-1].Action != "auto_close" || f.stock(t, 0).Reserved != 0 || f.balance(t, f.c1.ID).OpenOrders != 0 {
		t.Fatalf("auto close: %s %+v", so.Status, f.stock(t, 0))
	}
}

func TestSalesOrderStateTable(t *testing.T) {
	f := newOrderFixture(t)
	reach := func(st model.Status) *model.SalesOrder {
		so := f.salesOrder(t, st != model.StatusDraft && st != model.StatusVoid)
		if st == model.StatusClosed || st == model.StatusVoid {
			action := map[model.Status]string{model.StatusClosed: "close", model.StatusVoid: "void"}[st]
			update(t, f.s, func(tx *Tx) error {
				var err error
				so, err = tx.ActOnSalesOrder(AdminScope(), so.ID, so.Version, action, f.admin, "")
				return err
			})
		}
		return so
	}
	allowed := map[string][]model.Status{
		"audit": {model.StatusDraft}, "unaudit": {model.StatusAudited}, "close": {model.StatusAudited}, "void": {model.StatusDraft},
	}
	for _, st := range []model.Status{model.StatusDraft, model.StatusAudited, model.StatusClosed, model.StatusVoid} {
		for _, u := range []*model.User{f.admin, f.northLead, f.multi, f.southViewer, f.d1b} {
			for _, action := range []string{"audit", "unaudit", "close", "void"} {
				so := reach(st)
				before := f.stock(t, 0).Reserved
				err := f.s.Update(u.Username, func(tx *Tx) error {
					_, err := tx.ActOnSalesOrder(tx.ScopeFor(u), so.ID, so.Version, action, u, "")
					return err
				})
				ok := u.Can(model.PermManageOrders) && u.Kind == model.KindStaff
				can := false
				for _, s := range allowed[action] {
					can = can || s == st
				}
				switch {
				case ok && can && err != nil:
					t.Errorf("%s %s from %s: %v", u.Username, action, st, err)
				case !(ok && can) && err == nil:
					t.Errorf("%s %s from %s: allowed", u.Username, action, st)
				case !(ok && can) && !errors.Is(err, model.ErrNotAllowed) && !errors.Is(err, model.ErrNotFound):
					t.Errorf("%s %s from %s: %v", u.Username, action, st, err)
				case err != nil && f.stock(t, 0).Reserved != before:
					t.Errorf("%s %s from %s: refused but stock moved", u.Username, action, st)
				}
				// Reset reservations for the next round.
				update(t, f.s, func(tx *Tx) error {
					for p := range f.prods {
						st, _ := tx.Stock(f.prods[p].ID)
						if _, err := tx.AdjustStock(f.prods[p].ID, 0, -st.Reserved); err != nil {
							return err
						}
					}
					return tx.AdjustBalance(f.c1.ID, func(b *model.CustomerBalance) { b.OpenOrders = 0 })
				})
			}
		}
	}
}

func TestChangeRequestEffectiveAndReject(t *testing.T) {
	f := newOrderFixture(t)
	so := f.salesOrder(t, true)
	d := f.d1b
	// Ship 3 of line 1 (as the shipping module does).
	update(t, f.s, func(tx *Tx) error {
		release, drop, err := so.Lines[0].Ship(qty(3), false)
		if err != nil {
			return err
		}
		if _, err := tx.AdjustStock(so.Lines[0].ProductID, -qty(3), -release); err != nil {
			return err
		}
		if err := tx.AdjustBalance(so.CustomerID, func(b *model.CustomerBalance) { b.OpenOrders -= drop }); err != nil {
			return err
		}
		return tx.UpdateDoc(AdminScope(), docSalesOrder, so)
	})
	// A new quantity below what shipped is refused.
	two, six, price := qty(2), qty(6), model.Money(8500)
	err := f.s.Update(d.Username, func(tx *Tx) error {
		return tx.SaveChangeRequest(f.scope(d), &model.ChangeRequest{SalesOrderID: so.ID, Lines: []model.ChangeLine{{Line: 1, NewQty: &two}}}, d, false)
	})
	wantField(t, err, "line.0.new_qty", "err.change_below_shipped")
	// Line 1: 10 → 6 at ¥85; line 2: new delivery date only.
	cr := &model.ChangeRequest{SalesOrderID: so.ID, Reason: "客户减少订货", Lines: []model.ChangeLine{
		{Line: 1, NewQty: &six, NewPrice: &price}, {Line: 2, NewDelivery: "2026-05-01"}}}
	f.as(t, d, func(tx *Tx) error { return tx.SaveChangeRequest(f.scope(d), cr, d, true) })
	if cr.Status != model.StatusSubmitted || cr.Number != "CR-2026-000001" || cr.SalesOrderNo != so.Number {
		t.Fatalf("request %+v", cr)
	}
	if n := len(orderEvents(t, f.s, model.EventChangeSubmitted)); n != 1 {
		t.Fatalf("%d submitted events", n)
	}
	view(t, f.s, func(tx *Tx) error {
		so, _ = tx.SalesOrder(AdminScope(), so.ID)
		return nil
	})
	if so.Downstream != 1 {
		t.Fatalf("downstream %d", so.Downstream)
	}
	openBefore := f.balance(t, f.c1.ID).OpenOrders
	verBefore := so.Version
	// The dealer cannot make it effective; staff can.
	err = f.s.Update(d.Username, func(tx *Tx) error {
		_, err := tx.ActOnChangeRequest(f.scope(d), cr.ID, cr.Version, "make_effective", d, "")
		return err
	})
	if !errors.Is(err, model.ErrNotAllowed) {
		t.Fatalf("dealer made it effective: %v", err)
	}
	update(t, f.s, func(tx *Tx) error {
		var err error
		cr, err = tx.ActOnChangeRequest(tx.ScopeFor(f.northLead), cr.ID, cr.Version, "make_effective", f.northLead, "")
		return err
	})
	view(t, f.s, func(tx *Tx) error {
		so, _ = tx.SalesOrder(AdminScope(), so.ID)
		return nil
	})
	l1, l2 := so.Lines[0], so.Lines[1]
	if l1.Qty != six || l1.Price != 8500 || l2.DeliveryDate != "2026-05-01" || l2.Qty != qty(4) || so.Version <= verBefore || so.Downstream != 0 {
		t.Fatalf("written back: %+v / %+v v%d", l1, l2, so.Version)
	}
	if len(l1.Changes) != 1 || l1.Changes[0].OldQty != qty(10) || l1.Changes[0].OldPrice != 9000 || l1.Changes[0].Number != cr.Number {
		t.Fatalf("line history %+v", l1.Changes)
	}
	if cr.Lines[0].OldQty != qty(10) || cr.Lines[0].OldPrice != 9000 || cr.Lines[1].OldDelivery != "" || cr.Status != model.StatusEffective {
		t.Fatalf("request history %+v", cr.Lines)
	}
	if so.Totals.Amount != model.MulQtyPrice(six, 8500)+80000 {
		t.Fatalf("totals %v", so.Totals.Amount)
	}
	// Reserved: line 1 open 7 → 3; open orders: 7 × 90 → 3 × 85.
	if r := f.stock(t, 0).Reserved; r != qty(3) {
		t.Fatalf("reserved %v", r)
	}
	if got, want := f.balance(t, f.c1.ID).OpenOrders, openBefore-7*9000+3*8500; got != want {
		t.Fatalf("open orders %v, want %v", got, want)
	}
	if n := len(orderEvents(t, f.s, model.EventChangeEffective)); n != 1 {
		t.Fatalf("%d effective events", n)
	}
	// A rejected request leaves the order untouched.
	cr2 := &model.ChangeRequest{SalesOrderID: so.ID, Lines: []model.ChangeLine{{Line: 2, NewQty: &two}}}
	f.as(t, f.admin, func(tx *Tx) error { return tx.SaveChangeRequest(AdminScope(), cr2, f.admin, true) })
	view(t, f.s, func(tx *Tx) error { so, _ = tx.SalesOrder(AdminScope(), so.ID); return nil })
	ver := so.Version
	update(t, f.s, func(tx *Tx) error {
		var err error
		cr2, err = tx.ActOnChangeRequest(AdminScope(), cr2.ID, cr2.Version, "reject", f.admin, "库存已备")
		return err
	})
	view(t, f.s, func(tx *Tx) error { so, _ = tx.SalesOrder(AdminScope(), so.ID); return nil })
	if so.Lines[1].Qty != qty(4) || cr2.Status != model.StatusRejected || so.Downstream != 0 || so.Version != ver+1 {
		t.Fatalf("reject changed the order: %+v", so.Lines[1])
	}
	// Not from a draft order; dealers of another customer cannot see it.
	draft := f.salesOrder(t, false)
	err = f.s.Update("x", func(tx *Tx) error {
		return tx.SaveChangeRequest(AdminScope(), &model.ChangeRequest{SalesOrderID: draft.ID, Lines: []model.ChangeLine{{Line: 1, NewQty: &two}}}, f.admin, false)
	})
	if !errors.Is(err, model.ErrNotAllowed) {
		t.Fatalf("change of a draft: %v", err)
	}
	view(t, f.s, func(tx *Tx) error {
		_, err := tx.ChangeRequest(f.scope(f.d4), cr.ID)
		wantNotFound(t, err)
		return nil
	})
}

func TestCommentsThreadAndSides(t *testing.T) {
	f := newOrderFixture(t)
	o := f.placeOrder(t, f.d1b, true, LineInput{Code: "P1", Qty: qty(1)})
	update(t, f.s, func(tx *Tx) error {
		if _, err := tx.AddComment(f.scope(f.d1b), model.DocOnlineOrder, o.ID, f.d1b, "请尽快发货", "/online-orders/1"); err != nil {
			return err
		}
		_, err := tx.AddComment(f.scope(f.bjOwn), model.DocOnlineOrder, o.ID, f.bjOwn, "明天发", "/online-orders/1")
		return err
	})
	view(t, f.s, func(tx *Tx) error {
		cs, err := tx.Comments(f.scope(f.d1a), model.DocOnlineOrder, o.ID)
		if err != nil || len(cs) != 2 || cs[0].Text != "请尽快发货" || cs[0].Staff || !cs[1].Staff {
			t.Fatalf("thread %+v %v", cs, err)
		}
		_, err = tx.Comments(f.scope(f.d4), model.DocOnlineOrder, o.ID)
		wantNotFound(t, err)
		_, err = tx.Comments(tx.ScopeFor(f.southViewer), model.DocOnlineOrder, o.ID)
		wantNotFound(t, err)
		return nil
	})
	err := f.s.Update("x", func(tx *Tx) error {
		_, err := tx.AddComment(f.scope(f.d4), model.DocOnlineOrder, o.ID, f.d4, "x", "")
		return err
	})
	wantNotFound(t, err)
	err = f.s.Update("x", func(tx *Tx) error {
		_, err := tx.AddComment(f.scope(f.d1b), model.DocOnlineOrder, o.ID, f.d1b, "  ", "")
		return err
	})
	wantField(t, err, "text", "err.required")
	evs := orderEvents(t, f.s, model.EventCommentAdded)
	if len(evs) != 2 || evs[0].Params["to_side"] != "staff" || evs[1].Params["to_side"] != "dealer" || evs[0].DocNumber != o.Number {
		t.Fatalf("comment events %+v", evs)
	}
}

// TestChangeRequestStateTable: every action from every status by each role.
func TestChangeRequestStateTable(t *testing.T) {
	f := newOrderFixture(t)
	so := f.salesOrder(t, true)
	nq := qty(8)
	reach := func(st model.Status) *model.ChangeRequest {
		cr := &model.ChangeRequest{SalesOrderID: so.ID, Lines: []model.ChangeLine{{Line: 1, NewQty: &nq}}}
		f.as(t, f.d1b, func(tx *Tx) error { return tx.SaveChangeRequest(f.scope(f.d1b), cr, f.d1b, st != model.StatusDraft) })
		if st == model.StatusEffective || st == model.StatusRejected {
			action := map[model.Status]string{model.StatusEffective: "make_effective", model.StatusRejected: "reject"}[st]
			f.as(t, f.admin, func(tx *Tx) error {
				var err error
				cr, err = tx.ActOnChangeRequest(AdminScope(), cr.ID, cr.Version, action, f.admin, "a reason")
				return err
			})
		}
		return cr
	}
	want := map[string]map[string]model.Status{ // actor → action → the status it works from
		"dealer": {"submit": model.StatusDraft},
		"sales":  {"make_effective": model.StatusSubmitted, "reject": model.StatusSubmitted},
	}
	actors := map[string]*model.User{"dealer": f.d1b, "colleague": f.d1a, "sales": f.northLead, "finance": f.multi}
	for _, st := range []model.Status{model.StatusDraft, model.StatusSubmitted, model.StatusEffective, model.StatusRejected} {
		for name, u := range actors {
			for _, action := range []string{"submit", "make_effective", "reject"} {
				cr := reach(st)
				err := f.s.Update(u.Username, func(tx *Tx) error {
					_, err := tx.ActOnChangeRequest(tx.ScopeFor(u), cr.ID, cr.Version, action, u, "a reason")
					return err
				})
				from, ok := want[name][action]
				ok = ok && from == st
				switch {
				case ok && err != nil:
					t.Errorf("%s %s from %s: %v", name, action, st, err)
				case !ok && err == nil:
					t.Errorf("%s %s from %s: allowed", name, action, st)
				case !ok && !errors.Is(err, model.ErrNotAllowed):
					t.Errorf("%s %s from %s: %v", name, action, st, err)
				}
			}
		}
	}
}

func TestCreditHoldIndex(t *testing.T) {
	f := newOrderFixture(t)
	update(t, f.s, func(tx *Tx) error {
		f.c1.CreditLimit = 10000
		return tx.SaveCustomer(AdminScope(), f.c1)
	})
	held := f.placeOrder(t, f.d1b, true, LineInput{Code: "P1", Qty: qty(2)})
	count := func(u *model.User) (n int) {
		view(t, f.s, func(tx *Tx) error { n = tx.CountCreditHolds(tx.ScopeFor(u)); return nil })
		return
	}
	if !held.CreditHold || count(f.admin) != 1 || count(f.multi) != 1 || count(f.southViewer) != 0 {
		t.Fatalf("holds: %v %d %d %d", held.CreditHold, count(f.admin), count(f.multi), count(f.southViewer))
	}
	f.as(t, f.multi, func(tx *Tx) error {
		_, err := tx.ActOnOnlineOrder(tx.ScopeFor(f.multi), held.ID, held.Version, "release_credit", f.multi, "")
		return err
	})
	if count(f.admin) != 0 {
		t.Fatal("released order still counted")
	}
}

// TestOrderFiguresCheck: after a whole life cycle the integrity checks
// (open orders, reserved stock, the credit-hold index) find nothing.
func TestOrderFiguresCheck(t *testing.T) {
	f := newOrderFixture(t)
	update(t, f.s, func(tx *Tx) error {
		f.c1.CreditLimit = 30000
		return tx.SaveCustomer(AdminScope(), f.c1)
	})
	f.placeOrder(t, f.d1b, true, LineInput{Code: "P1", Qty: qty(2)})
	held := f.placeOrder(t, f.d1b, true, LineInput{Code: "P1", Qty: qty(3)})
	so := f.salesOrder(t, true)
	six := qty(6)
	cr := &model.ChangeRequest{SalesOrderID: so.ID, Lines: []model.ChangeLine{{Line: 1, NewQty: &six}}}
	f.as(t, f.admin, func(tx *Tx) error {
		if err := tx.SaveChangeRequest(AdminScope(), cr, f.admin, true); err != nil {
			return err
		}
		_, err := tx.ActOnChangeRequest(AdminScope(), cr.ID, cr.Version, "make_effective", f.admin, "")
		return err
	})
	if !held.CreditHold {
		t.Fatal("no hold")
	}
	problems, err := f.s.Check()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
