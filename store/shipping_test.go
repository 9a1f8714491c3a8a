package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store/kv"
	"dealerportal/store/kv/boltkv"
	"dealerportal/store/kv/pgkv"
)

// shipFix is the store fixture plus two products with stock: P1 (100 on
// hand) and P2 (5 on hand).
type shipFix struct {
	*fixture
	p1, p2 *model.Product
}

func newShipFixture(t *testing.T) *shipFix {
	t.Helper()
	f := &shipFix{fixture: newFixture(t)}
	update(t, f.s, func(tx *Tx) error {
		for i, spec := range []struct {
			code  string
			stock model.Qty
			p     **model.Product
		}{{"P1", 100000, &f.p1}, {"P2", 5000, &f.p2}} {
			p := &model.Product{Code: spec.code, Name: "商品" + spec.code, Unit: "台", ListPrice: model.Money(1000 * (i + 1)), TaxRate: 1300, Active: true}
			if err := tx.SaveProduct(p); err != nil {
				return err
			}
			if _, err := tx.AdjustStock(p.ID, spec.stock, 0); err != nil {
				return err
			}
			*spec.p = p
		}
		return nil
	})
	return f
}

// orderLine is a sales order line for the fixture: product, quantity in
// milli-units, tax-inclusive price in cents.
type orderLine struct {
	p     *model.Product
	qty   model.Qty
	price model.Money
}

// auditedOrder makes and audits a sales order for cust through the orders
// module (which reserves the open quantities and adds the open amount to the
// customer's open orders).
func (f *shipFix) auditedOrder(t *testing.T, cust *model.Customer, lines ...orderLine) *model.SalesOrder {
	t.Helper()
	so := &model.SalesOrder{CustomerID: cust.ID, OrderDate: "2026-03-15", ShipTo: model.ShipTo{Name: "仓库"}}
	var in []LineInput
	for _, l := range lines {
		price, rate := l.price, int64(1300)
		in = append(in, LineInput{Code: l.p.Code, Qty: l.qty, Price: &price, TaxRate: &rate})
	}
	err := f.s.Update(f.admin.Username, func(tx *Tx) error {
		if err := tx.SaveSalesOrder(AdminScope(), so, in); err != nil {
			return err
		}
		var err error
		so, err = tx.ActOnSalesOrder(AdminScope(), so.ID, so.Version, "audit", f.admin, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return so
}

func (f *shipFix) order(t *testing.T, id uint64) *model.SalesOrder {
	t.Helper()
	var so *model.SalesOrder
	view(t, f.s, func(tx *Tx) (err error) { so, err = tx.SalesOrder(AdminScope(), id); return err })
	return so
}

func (f *shipFix) stock(t *testing.T, p *model.Product) *model.Stock {
	t.Helper()
	var s *model.Stock
	view(t, f.s, func(tx *Tx) (err error) { s, err = tx.Stock(p.ID); return err })
	return s
}

func (f *shipFix) balance(t *testing.T, c *model.Customer) *model.CustomerBalance {
	t.Helper()
	var b *model.CustomerBalance
	view(t, f.s, func(tx *Tx) (err error) { b, err = tx.Balance(AdminScope(), c.ID); return err })
	return b
}

// figures are a sales order line's noticed, notice-open, shipped, returned
// and claimed quantities in whole units.
func figures(l *model.SalesOrderLine) [5]model.Qty {
	return [5]model.Qty{l.NoticedQty / 1000, l.NoticeOpenQty / 1000, l.ShippedQty / 1000, l.ReturnedQty / 1000, l.ClaimedQty / 1000}
}

func (f *shipFix) wantFigures(t *testing.T, soID uint64, no int, want [5]model.Qty) {
	t.Helper()
	so := f.order(t, soID)
	if got := figures(so.LineByNo(no)); got != want {
		t.Fatalf("line %d figures %v, want %v", no, got, want)
	}
}

// check runs the integrity check and fails on any problem of the shipping
// checks.
func (f *shipFix) check(t *testing.T) {
	t.Helper()
	problems, err := f.s.Check()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("integrity: %s", p)
	}
}

func units(n int64) model.Qty { return model.Qty(n * 1000) }

// TestShippingChain walks one order through notice, outbounds, receipt,
// returns and red outbounds, checking the figures, stock and balances after
// every step, refusals that change nothing, and finally that the integrity
// checks agree and find planted differences.
func TestShippingChain(t *testing.T) {
	f := newShipFixture(t)
	staff, dealer := f.northLead, f.d1b
	ssc, dsc := f.scope(staff), f.scope(dealer)
	so := f.auditedOrder(t, f.c2, orderLine{f.p1, units(10), 11300}, orderLine{f.p2, units(4), 999})
	// C002 belongs to north.lead's subtree; the dealer fixture users are C001's: use C001 for the dealer part.
	so1 := f.auditedOrder(t, f.c1, orderLine{f.p1, units(10), 11300}, orderLine{f.p2, units(4), 999})
	_ = so
	if s := f.stock(t, f.p1); s.Reserved != units(20) {
		t.Fatalf("reserved %v", s.Reserved)
	}
	total := so1.Totals.Amount
	// A notice asking for more than is open changes nothing.
	err := f.s.Update("s", func(tx *Tx) error {
		_, err := tx.CreateDeliveryNotice(ssc, staff, &DeliveryNoticeInput{SalesOrderID: so1.ID, ShipDate: "2026-03-16", Qty: map[int]model.Qty{1: units(4), 2: units(5)}})
		return err
	})
	wantField(t, err, "qty.2", "err.qty_over_open")
	f.wantFigures(t, so1.ID, 1, [5]model.Qty{})
	for _, bad := range []map[int]model.Qty{{1: 0}, {1: -units(1)}, {7: units(1)}, {}} {
		err := f.s.Update("s", func(tx *Tx) error {
			_, err := tx.CreateDeliveryNotice(ssc, staff, &DeliveryNoticeInput{SalesOrderID: so1.ID, ShipDate: "2026-03-16", Qty: bad})
			return err
		})
		var ve *model.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("notice %v: %v", bad, err)
		}
	}
	var dn *model.DeliveryNotice
	update(t, f.s, func(tx *Tx) (err error) {
		dn, err = tx.CreateDeliveryNotice(ssc, staff, &DeliveryNoticeInput{SalesOrderID: so1.ID, ShipDate: "2026-03-16", Carrier: "顺丰", TrackingNo: "SF100", Qty: map[int]model.Qty{1: units(4)}})
		return err
	})
	if dn.Status != model.StatusAudited || dn.Number != "DN-2026-000001" || dn.Lines[0].Qty != units(4) || dn.Totals.Amount != 45200 {
		t.Fatalf("notice %+v", dn)
	}
	f.wantFigures(t, so1.ID, 1, [5]model.Qty{4, 4, 0, 0, 0})
	view(t, f.s, func(tx *Tx) error {
		msgs, _ := tx.PendingOutbox(10)
		if len(msgs) != 1 || msgs[0].Event != model.EventDeliveryNoticeCreated || msgs[0].Params["tracking_number"] != "SF100" || msgs[0].CustomerID != f.c1.ID {
			t.Errorf("events %+v", msgs)
		}
		return nil
	})
	// Directly from the order: at most the unscheduled 6.
	post := func(in *OutboundInput) (*model.Outbound, error) {
		var ob *model.Outbound
		err := f.s.Update("s", func(tx *Tx) (err error) { ob, err = tx.PostOutbound(ssc, staff, in); return err })
		return ob, err
	}
	_, err = post(&OutboundInput{SalesOrderID: so1.ID, PostDate: "2026-03-16", Qty: map[int]model.Qty{1: units(7)}})
	wantField(t, err, "qty.1", "err.qty_over_open")
	ob1, err := post(&OutboundInput{SalesOrderID: so1.ID, PostDate: "2026-03-16", Qty: map[int]model.Qty{1: units(6), 2: units(4)}})
	if err != nil {
		t.Fatal(err)
	}
	if ob1.Totals.Amount != 6*11300+3996 || ob1.Status != model.StatusAudited || ob1.Number != "OB-2026-000001" {
		t.Fatalf("outbound %+v", ob1.Totals)
	}
	if s := f.stock(t, f.p1); s.OnHand != units(94) || s.Reserved != units(14) {
		t.Fatalf("P1 stock %+v", s)
	}
	if s := f.stock(t, f.p2); s.OnHand != units(1) || s.Reserved != units(4) {
		t.Fatalf("P2 stock %+v", s)
	}
	if b := f.balance(t, f.c1); b.Uninvoiced != ob1.Totals.Amount || b.OpenOrders != total-ob1.Totals.Amount {
		t.Fatalf("balance %+v (total %v)", b, total)
	}
	f.wantFigures(t, so1.ID, 1, [5]model.Qty{4, 4, 6, 0, 0})
	// From the notice: at most its rest.
	_, err = post(&OutboundInput{DeliveryNoticeID: dn.ID, PostDate: "2026-03-17", Qty: map[int]model.Qty{1: units(5)}})
	wantField(t, err, "qty.1", "err.qty_over_open")
	ob2, err := post(&OutboundInput{DeliveryNoticeID: dn.ID, PostDate: "2026-03-17", Qty: map[int]model.Qty{1: units(4)}})
	if err != nil {
		t.Fatal(err)
	}
	got := f.order(t, so1.ID)
	if got.Status != model.StatusClosed || got.Downstream != 3 || ob2.DeliveryNoticeID != dn.ID {
		t.Fatalf("order after full shipment: %s downstream %d", got.Status, got.Downstream)
	}
	f.wantFigures(t, so1.ID, 1, [5]model.Qty{4, 0, 10, 0, 0})
	if s := f.stock(t, f.p1); s.OnHand != units(90) || s.Reserved != units(10) { // the other order still reserves 10
		t.Fatalf("P1 stock %+v", s)
	}
	if b := f.balance(t, f.c1); b.Uninvoiced != total || b.OpenOrders != 0 {
		t.Fatalf("balance after full shipment %+v", b)
	}
	// Nothing more ships from a closed order.
	_, err = post(&OutboundInput{SalesOrderID: so1.ID, PostDate: "2026-03-17", Qty: map[int]model.Qty{1: units(1)}})
	if se := (*model.StateError)(nil); !errors.As(err, &se) {
		t.Fatalf("closed order shipped: %v", err)
	}
	f.check(t)

	// The dealer confirms receipt of the notice (now shipped).
	view(t, f.s, func(tx *Tx) (err error) { dn, err = tx.DeliveryNotice(dsc, dn.ID); return err })
	if dn.Status != model.StatusShipped {
		t.Fatalf("notice status %s", dn.Status)
	}
	err = f.s.Update(dealer.Username, func(tx *Tx) error {
		_, err := tx.ActOnDeliveryNotice(dsc, dealer, dn.ID, dn.Version, "confirm_receipt", "", "", true)
		return err
	})
	wantField(t, err, "note", "err.receipt_note_required")
	err = f.s.Update(dealer.Username, func(tx *Tx) error {
		_, err := tx.ActOnDeliveryNotice(dsc, dealer, dn.ID, dn.Version-1, "confirm_receipt", "", "ok", false)
		return err
	})
	wantConflict(t, err)
	update(t, f.s, func(tx *Tx) (err error) {
		dn, err = tx.ActOnDeliveryNotice(dsc, dealer, dn.ID, dn.Version, "confirm_receipt", "", "one box dented", true)
		return err
	})
	if dn.Status != model.StatusReceived || dn.Receipt == nil || dn.Receipt.By != dealer.Username || !dn.Receipt.Problems {
		t.Fatalf("receipt %+v", dn.Receipt)
	}
	// And of the direct outbound, once.
	update(t, f.s, func(tx *Tx) error {
		_, err := tx.ConfirmOutboundReceipt(dsc, dealer, ob1.ID, ob1.Version, "", false)
		return err
	})
	err = f.s.Update(dealer.Username, func(tx *Tx) error {
		_, err := tx.ConfirmOutboundReceipt(dsc, dealer, ob1.ID, ob1.Version+1, "", false)
		return err
	})
	if !errors.Is(err, model.ErrNotAllowed) {
		t.Fatalf("second receipt: %v", err)
	}

	// Returns: never more than shipped less what other returns claim.
	newReturn := func(qty map[int]model.Qty, submit bool, obID uint64) (*model.OnlineReturn, error) {
		var r *model.OnlineReturn
		in := &ReturnInput{SalesOrderID: so1.ID, OutboundID: obID, Date: "2026-03-18", Reason: "坏了", Qty: qty}
		if obID != 0 {
			in.SalesOrderID = 0
		}
		err := f.s.Update(dealer.Username, func(tx *Tx) (err error) { r, err = tx.CreateOnlineReturn(dsc, dealer, in, submit); return err })
		return r, err
	}
	_, err = newReturn(map[int]model.Qty{1: units(11)}, true, 0)
	wantField(t, err, "qty.1", "err.qty_over_returnable")
	rt, err := newReturn(map[int]model.Qty{1: units(3)}, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.wantFigures(t, so1.ID, 1, [5]model.Qty{4, 0, 10, 0, 3})
	_, err = newReturn(map[int]model.Qty{1: units(8)}, false, 0)
	wantField(t, err, "qty.1", "err.qty_over_returnable")
	// From the outbound that shipped 4 of P2 (its line 2): at most 4.
	_, err = newReturn(map[int]model.Qty{2: units(5)}, false, ob1.ID)
	wantField(t, err, "qty.2", "err.qty_over_returnable")
	rt2, err := newReturn(map[int]model.Qty{2: units(1)}, false, ob1.ID)
	if err != nil || rt2.Lines[0].ProductID != f.p2.ID || rt2.Status != model.StatusDraft {
		t.Fatalf("return from outbound: %+v %v", rt2, err)
	}
	f.wantFigures(t, so1.ID, 2, [5]model.Qty{0, 0, 4, 0, 1})
	update(t, f.s, func(tx *Tx) error { return tx.DeleteOnlineReturn(dsc, dealer, rt2.ID, rt2.Version) })
	f.wantFigures(t, so1.ID, 2, [5]model.Qty{0, 0, 4, 0, 0})

	act := func(u *model.User, action, reason string) (*model.ReturnNotice, error) {
		var rn *model.ReturnNotice
		err := f.s.Update(u.Username, func(tx *Tx) (err error) {
			r, n, err := tx.ActOnOnlineReturn(tx.ScopeFor(u), u, rt.ID, rt.Version, action, reason)
			if err == nil {
				rt, rn = r, n
			}
			return err
		})
		return rn, err
	}
	if _, err := act(dealer, "reject", "no"); !errors.Is(err, model.ErrNotAllowed) {
		t.Fatalf("dealer rejects: %v", err)
	}
	if _, err := act(staff, "reject", "x"); err == nil {
		t.Fatal("reject without a real reason")
	}
	if _, err := act(staff, "reject", "型号不符"); err != nil {
		t.Fatal(err)
	}
	f.wantFigures(t, so1.ID, 1, [5]model.Qty{4, 0, 10, 0, 0})
	if _, err := act(staff, "unreject", ""); err != nil {
		t.Fatal(err)
	}
	f.wantFigures(t, so1.ID, 1, [5]model.Qty{4, 0, 10, 0, 3})
	rn, err := act(staff, "convert", "")
	if err != nil {
		t.Fatal(err)
	}
	if rt.Status != model.StatusConverted || rt.NoticeID != rn.ID || rn.OnlineReturnID != rt.ID || rn.Lines[0].Qty != units(3) {
		t.Fatalf("convert: %+v %+v", rt, rn)
	}
	f.wantFigures(t, so1.ID, 1, [5]model.Qty{4, 0, 10, 0, 3})
	view(t, f.s, func(tx *Tx) error {
		var evs []string
		msgs, _ := tx.PendingOutbox(20)
		for _, m := range msgs {
			evs = append(evs, string(m.Event))
		}
		if got := strings.Join(evs, ","); got != "delivery_notice.created,return.submitted,return.rejected,return.unrejected,return.converted" {
			t.Errorf("events %s", got)
		}
		return nil
	})

	// Red outbounds receive the return notice, partly then fully.
	_, err = post(&OutboundInput{ReturnNoticeID: rn.ID, PostDate: "2026-03-19", Qty: map[int]model.Qty{1: units(4)}})
	wantField(t, err, "qty.1", "err.qty_over_returnable")
	red, err := post(&OutboundInput{ReturnNoticeID: rn.ID, PostDate: "2026-03-19", Qty: map[int]model.Qty{1: units(2)}})
	if err != nil {
		t.Fatal(err)
	}
	if !red.Red || red.Lines[0].Qty != -units(2) || red.Totals.Amount != -22600 || red.SalesOrderID != so1.ID {
		t.Fatalf("red %+v", red)
	}
	f.wantFigures(t, so1.ID, 1, [5]model.Qty{4, 0, 8, 2, 1})
	if s := f.stock(t, f.p1); s.OnHand != units(92) || s.Reserved != units(10) { // closed order: nothing reserved again
		t.Fatalf("P1 stock after red %+v", s)
	}
	if b := f.balance(t, f.c1); b.Uninvoiced != total-22600 || b.OpenOrders != 0 {
		t.Fatalf("balance after red %+v", b)
	}
	if _, err := post(&OutboundInput{ReturnNoticeID: rn.ID, PostDate: "2026-03-19", Qty: map[int]model.Qty{1: units(1)}}); err != nil {
		t.Fatal(err)
	}
	view(t, f.s, func(tx *Tx) (err error) { rn, err = tx.ReturnNotice(ssc, rn.ID); return err })
	if rn.Status != model.StatusClosed || rn.ReceivedQty[0] != units(3) {
		t.Fatalf("return notice %s %v", rn.Status, rn.ReceivedQty)
	}
	f.wantFigures(t, so1.ID, 1, [5]model.Qty{4, 0, 7, 3, 0})
	f.check(t)

	// The execution report reads the index: the same figures as the order.
	if err := f.s.EnsureExecutionIndex(); err != nil {
		t.Fatal(err)
	}
	so = f.order(t, so1.ID)
	view(t, f.s, func(tx *Tx) error {
		rows, tot, err := tx.ExecutionReport(CustomerScope(f.c1.ID), ExecutionFilter{}, Page{Limit: 10})
		if err != nil {
			return err
		}
		if tot.Orders != 1 || len(rows) != 2 || rows[0].Line.ShippedQty != so.Lines[0].ShippedQty || rows[0].Line.ReturnedQty != units(3) ||
			rows[0].Line.NoticedQty != units(4) || tot.ShippedQty != units(7+4) || tot.Amount != so.Totals.Amount || rows[0].OpenQty() != 0 {
			t.Errorf("report %+v totals %+v", rows, tot)
		}
		if _, tot, _ := tx.ExecutionReport(AdminScope(), ExecutionFilter{Q: "p2"}, Page{}); tot.Orders != 2 || tot.Lines != 4 {
			t.Errorf("search p2: %+v", tot)
		}
		if _, tot, _ := tx.ExecutionReport(tx.ScopeFor(f.southViewer), ExecutionFilter{}, Page{}); tot.Orders != 0 {
			t.Errorf("out of scope: %+v", tot)
		}
		if _, tot, _ := tx.ExecutionReport(AdminScope(), ExecutionFilter{Statuses: []model.Status{model.StatusAudited}}, Page{}); tot.Orders != 1 {
			t.Errorf("audited only: %+v", tot)
		}
		return nil
	})
	f.check(t)

	// Planted differences are found, each by its check.
	plant := []struct {
		name  string
		apply func(tx *Tx) error
		want  string
	}{
		{"line shipped", func(tx *Tx) error {
			so, _ := tx.SalesOrder(AdminScope(), so1.ID)
			so.Lines[0].ShippedQty += 1
			return putJSON(tx.b(tx.docB(model.DocSalesOrder).main), itob(so.ID), so)
		}, "orders and shipping: sales order " + so1.Number + " line 1: shipped"},
		{"index", func(tx *Tx) error {
			return tx.b(bExecIndex).Put(key(f.c1.ID, so1.ID), []byte("stale"))
		}, "sales order " + so1.Number + ": execution index differs"},
		{"reserved", func(tx *Tx) error { _, err := tx.AdjustStock(f.p2.ID, 0, 1); return err }, "orders and shipping: product"},
		{"on hand ledger", func(tx *Tx) error { return tx.b(bStockMoves).Put(itob(f.p1.ID), itob(7)) }, "outbounds moved on hand"},
		{"balance", func(tx *Tx) error {
			return tx.AdjustBalance(f.c1.ID, func(b *model.CustomerBalance) { b.Uninvoiced++ })
		}, "un-invoiced"},
		{"open orders", func(tx *Tx) error {
			return tx.AdjustBalance(f.c2.ID, func(b *model.CustomerBalance) { b.OpenOrders-- })
		}, "open orders"},
		{"notice shipped", func(tx *Tx) error {
			d, _ := tx.DeliveryNotice(AdminScope(), dn.ID)
			d.ShippedQty[0]--
			return putJSON(tx.b(tx.docB(docDeliveryNotice).main), itob(d.ID), d)
		}, "delivery notice " + dn.Number},
	}
	for _, p := range plant {
		bad := openCopy(t, f.s)
		if err := bad.Update("t", p.apply); err != nil {
			t.Fatal(err)
		}
		problems, err := bad.Check()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, pr := range problems {
			found = found || strings.Contains(pr, p.want)
		}
		if !found {
			t.Errorf("planted %s: not found in %q", p.name, problems)
		}
		bad.Close()
	}
}

// openCopy copies the store's data into a new store on the test backend
// (through the portable backup stream) and opens the copy: planted faults
// must not spoil the original.
func openCopy(t *testing.T, s *Store) *Store {
	t.Helper()
	var buf bytes.Buffer
	if err := s.db.View(func(tx kv.Tx) error { _, err := kv.WriteTo(tx, &buf); return err }); err != nil {
		t.Fatal(err)
	}
	path := testDSN(t)
	var db kv.DB
	var err error
	if IsPostgres(path) {
		db, err = pgkv.Open(context.Background(), path, &pgkv.Options{Schema: pgSchema(path)})
	} else {
		db, err = boltkv.Open(path, nil)
	}
	if err == nil {
		err = kv.Restore(db, &buf)
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	c.SetClock(func() time.Time { return testNow })
	return c
}

// TestShippingScopeAndRoles: documents of customers outside the scope are
// not found.
func TestShippingScopeAndRoles(t *testing.T) {
	f := newShipFixture(t)
	so := f.auditedOrder(t, f.c1, orderLine{f.p1, units(5), 1000})
	south, viewer := f.southViewer, f.scope(f.southViewer)
	in := &DeliveryNoticeInput{SalesOrderID: so.ID, ShipDate: "2026-03-16", Qty: map[int]model.Qty{1: units(1)}}
	err := f.s.Update("x", func(tx *Tx) error { _, err := tx.CreateDeliveryNotice(viewer, south, in); return err })
	wantNotFound(t, err)
	// A dealer of another customer.
	err = f.s.Update("x", func(tx *Tx) error {
		_, err := tx.CreateOnlineReturn(f.scope(f.d4), f.d4, &ReturnInput{SalesOrderID: so.ID, Date: "2026-03-16", Reason: "x1", Qty: map[int]model.Qty{1: 1}}, false)
		return err
	})
	wantNotFound(t, err)
	// Who may ship or return is the handlers' check (handlers'
	// TestFulfilmentRefusals): the store only keeps to the scope.
}

// TestNoticeCloseVoidAndStock: void gives the whole notice back and is
// refused once something shipped; close gives back the rest; an outbound
// that would take stock below zero is refused at the line.
func TestNoticeCloseVoidAndStock(t *testing.T) {
	f := newShipFixture(t)
	sc, u := AdminScope(), f.admin
	so := f.auditedOrder(t, f.c1, orderLine{f.p1, units(10), 1000}, orderLine{f.p2, units(8), 500})
	notice := func(q map[int]model.Qty) *model.DeliveryNotice {
		var dn *model.DeliveryNotice
		update(t, f.s, func(tx *Tx) (err error) {
			dn, err = tx.CreateDeliveryNotice(sc, u, &DeliveryNoticeInput{SalesOrderID: so.ID, ShipDate: "2026-03-16", Qty: q})
			return err
		})
		return dn
	}
	act := func(dn *model.DeliveryNotice, action, reason string) (*model.DeliveryNotice, error) {
		var out *model.DeliveryNotice
		err := f.s.Update("a", func(tx *Tx) (err error) {
			out, err = tx.ActOnDeliveryNotice(sc, u, dn.ID, dn.Version, action, reason, "", false)
			return err
		})
		return out, err
	}
	dn := notice(map[int]model.Qty{1: units(6)})
	if _, err := act(dn, "void", ""); err == nil {
		t.Fatal("void without reason")
	}
	dn, err := act(dn, "void", "客户取消")
	if err != nil || dn.Status != model.StatusVoid {
		t.Fatalf("void: %v", err)
	}
	f.wantFigures(t, so.ID, 1, [5]model.Qty{})
	if got := f.order(t, so.ID); got.Downstream != 0 {
		t.Fatalf("downstream after void %d", got.Downstream)
	}
	dn = notice(map[int]model.Qty{1: units(6), 2: units(8)})
	update(t, f.s, func(tx *Tx) error {
		_, err := tx.PostOutbound(sc, u, &OutboundInput{DeliveryNoticeID: dn.ID, PostDate: "2026-03-16", Qty: map[int]model.Qty{1: units(2)}})
		return err
	})
	// Only 5 of P2 on hand: the line says so.
	err = f.s.Update("a", func(tx *Tx) error {
		_, err := tx.PostOutbound(sc, u, &OutboundInput{DeliveryNoticeID: dn.ID, PostDate: "2026-03-16", Qty: map[int]model.Qty{2: units(8)}})
		return err
	})
	wantField(t, err, "qty.2", "err.stock_short")
	if s := f.stock(t, f.p2); s.OnHand != units(5) || s.Reserved != units(8) {
		t.Fatalf("refused outbound moved stock %+v", s)
	}
	view(t, f.s, func(tx *Tx) (err error) { dn, err = tx.DeliveryNotice(sc, dn.ID); return err })
	if _, err := act(dn, "void", "客户取消"); err == nil {
		t.Fatal("void after a shipment")
	}
	if _, err := act(dn, "confirm_receipt", ""); !errors.Is(err, model.ErrNotAllowed) {
		t.Fatalf("staff confirms receipt: %v", err)
	}
	dn, err = act(dn, "close", "")
	if err != nil || dn.Status != model.StatusClosed {
		t.Fatalf("close: %v", err)
	}
	f.wantFigures(t, so.ID, 1, [5]model.Qty{2, 0, 2, 0, 0})
	f.wantFigures(t, so.ID, 2, [5]model.Qty{0, 0, 0, 0, 0})
	// The dealer may confirm what did ship.
	update(t, f.s, func(tx *Tx) error {
		_, err := tx.ActOnDeliveryNotice(f.scope(f.d1b), f.d1b, dn.ID, dn.Version, "confirm_receipt", "", "", false)
		return err
	})
	f.check(t)
}

// TestConcurrentOutbounds: many staff post the whole open quantity of one
// order at once: exactly one wins, the others are told it is no longer open,
// and nothing is shipped twice.
func TestConcurrentOutbounds(t *testing.T) {
	f := newShipFixture(t)
	so := f.auditedOrder(t, f.c1, orderLine{f.p1, units(10), 1000})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := f.s.Batch("a", func(tx *Tx) error {
				_, err := tx.PostOutbound(AdminScope(), f.admin, &OutboundInput{SalesOrderID: so.ID, PostDate: "2026-03-16", Qty: map[int]model.Qty{1: units(10)}})
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else {
				refused++
			}
		}()
	}
	wg.Wait()
	if ok != 1 || refused != 15 {
		t.Fatalf("%d posted, %d refused", ok, refused)
	}
	if s := f.stock(t, f.p1); s.OnHand != units(90) || s.Reserved != 0 {
		t.Fatalf("stock %+v", s)
	}
	f.check(t)
}

// TestReturnConcurrency: the same return form posted ten times at once
// makes one return (and claims once); two users editing it with the same
// version: one wins, the other gets a conflict naming the winner.
func TestReturnConcurrency(t *testing.T) {
	f := newShipFixture(t)
	so := f.auditedOrder(t, f.c1, orderLine{f.p1, units(10), 1000})
	update(t, f.s, func(tx *Tx) error {
		_, err := tx.PostOutbound(AdminScope(), f.admin, &OutboundInput{SalesOrderID: so.ID, PostDate: "2026-03-16", Qty: map[int]model.Qty{1: units(6)}})
		return err
	})
	dsc := f.scope(f.d1b)
	in := &ReturnInput{SalesOrderID: so.ID, Date: "2026-03-17", Reason: "多发", AllowAdjust: true, Qty: map[int]model.Qty{1: units(2)}}
	var wg sync.WaitGroup
	ids := make([]uint64, 10)
	errs := make([]error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.s.Update(f.d1b.Username, func(tx *Tx) error {
				var err error
				ids[i], _, err = tx.Idempotent(f.d1b.ID, "form-token-1", func() (uint64, error) {
					r, err := tx.CreateOnlineReturn(dsc, f.d1b, in, true)
					if err != nil {
						return 0, err
					}
					return r.ID, nil
				})
				return err
			})
		}()
	}
	wg.Wait()
	for i := range 10 {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("post %d: id %d (first %d), %v", i, ids[i], ids[0], errs[i])
		}
	}
	f.wantFigures(t, so.ID, 1, [5]model.Qty{0, 0, 6, 0, 2})
	var r *model.OnlineReturn
	view(t, f.s, func(tx *Tx) (err error) { r, err = tx.OnlineReturn(dsc, ids[0]); return err })
	// Two colleagues edit it from the same version.
	edit := func(u *model.User, q model.Qty) error {
		return f.s.Update(u.Username, func(tx *Tx) error {
			in := *in
			in.Qty = map[int]model.Qty{1: q}
			_, err := tx.UpdateOnlineReturn(f.scope(u), u, r.ID, r.Version, &in)
			return err
		})
	}
	if err := edit(f.d1a, units(3)); err != nil {
		t.Fatal(err)
	}
	if ce := wantConflict(t, edit(f.d1b, units(1))); ce.By != f.d1a.Username {
		t.Fatalf("conflict names %q", ce.By)
	}
	f.wantFigures(t, so.ID, 1, [5]model.Qty{0, 0, 6, 0, 3})
	f.check(t)
}
