package store

import (
	"testing"

	"dealerportal/model"
)

// changeOrder saves, submits and makes effective a change request of one
// line of so by staff; the error of the first step that fails.
func (f *shipFix) changeOrder(t *testing.T, so *model.SalesOrder, line int, newQty *model.Qty, newPrice *model.Money) (*model.ChangeRequest, error) {
	t.Helper()
	staff := f.northLead
	cr := &model.ChangeRequest{SalesOrderID: so.ID, Reason: "客户减少订货", Lines: []model.ChangeLine{{Line: line, NewQty: newQty, NewPrice: newPrice}}}
	err := f.s.Update(staff.Username, func(tx *Tx) error {
		if err := tx.SaveChangeRequest(tx.ScopeFor(staff), cr, staff, true); err != nil {
			return err
		}
		var err error
		cr, err = tx.ActOnChangeRequest(tx.ScopeFor(staff), cr.ID, cr.Version, "make_effective", staff, "")
		return err
	})
	return cr, err
}

func (f *shipFix) notice(t *testing.T, id uint64) *model.DeliveryNotice {
	t.Helper()
	var d *model.DeliveryNotice
	view(t, f.s, func(tx *Tx) (err error) { d, err = tx.DeliveryNotice(AdminScope(), id); return err })
	return d
}

// TestChangeBelowNoticedCutsTheNotice: an order of 100, a notice of 100 and
// an outbound of 50 from it; a change below 50 is refused, a change to 80
// takes 20 off the notice, so that the notice can complete with 30, the
// execution report shows 80 noticed against 80 ordered and the integrity
// check agrees at every step.
func TestChangeBelowNoticedCutsTheNotice(t *testing.T) {
	f := newShipFixture(t)
	staff := f.northLead
	ssc := f.scope(staff)
	so := f.auditedOrder(t, f.c1, orderLine{f.p1, units(100), 11300})
	var dn *model.DeliveryNotice
	update(t, f.s, func(tx *Tx) (err error) {
		dn, err = tx.CreateDeliveryNotice(ssc, staff, &DeliveryNoticeInput{SalesOrderID: so.ID, ShipDate: "2026-03-16", Qty: map[int]model.Qty{1: units(100)}})
		return err
	})
	update(t, f.s, func(tx *Tx) error {
		_, err := tx.PostOutbound(ssc, staff, &OutboundInput{DeliveryNoticeID: dn.ID, PostDate: "2026-03-16", Qty: map[int]model.Qty{1: units(50)}})
		return err
	})
	f.wantFigures(t, so.ID, 1, [5]model.Qty{100, 50, 50, 0, 0})

	forty := units(40)
	_, err := f.changeOrder(t, so, 1, &forty, nil)
	wantField(t, err, "line.0.new_qty", "err.change_below_shipped")
	f.wantFigures(t, so.ID, 1, [5]model.Qty{100, 50, 50, 0, 0})

	eighty, price := units(80), model.Money(12000)
	cr, err := f.changeOrder(t, so, 1, &eighty, &price)
	if err != nil {
		t.Fatal(err)
	}
	if len(cr.NoticeCuts) != 1 || cr.NoticeCuts[0] != (model.NoticeCut{NoticeID: dn.ID, Number: dn.Number, Line: 1, Qty: units(20)}) {
		t.Fatalf("cuts %+v", cr.NoticeCuts)
	}
	f.wantFigures(t, so.ID, 1, [5]model.Qty{80, 30, 50, 0, 0})
	dn = f.notice(t, dn.ID)
	if dn.Status != model.StatusAudited || dn.Lines[0].Qty != units(80) || dn.NoticeRest(0) != units(30) || dn.Totals.Amount != 80*11300 {
		t.Fatalf("notice %+v rest %v totals %+v", dn.Lines[0], dn.NoticeRest(0), dn.Totals)
	}
	if last := dn.Trail[len(dn.Trail)-1]; last.Action != "change_effective" || last.Reason != cr.Number {
		t.Fatalf("notice trail %+v", dn.Trail)
	}
	so = f.order(t, so.ID)
	if last := so.Trail[len(so.Trail)-1]; last.Action != "change_effective" || last.Reason != cr.Number || last.By != staff.Username {
		t.Fatalf("order trail %+v", so.Trail)
	}
	if s := f.stock(t, f.p1); s.Reserved != units(30) {
		t.Fatalf("reserved %v", s.Reserved)
	}
	if err := f.s.EnsureExecutionIndex(); err != nil {
		t.Fatal(err)
	}
	view(t, f.s, func(tx *Tx) error {
		rows, tot, err := tx.ExecutionReport(AdminScope(), ExecutionFilter{CustomerID: f.c1.ID}, Page{})
		if err != nil {
			return err
		}
		if len(rows) != 1 || tot.Qty != units(80) || tot.NoticedQty != units(80) || tot.ShippedQty != units(50) || tot.OpenQty != units(30) {
			t.Fatalf("report %+v", tot)
		}
		return nil
	})
	f.check(t)

	// The notice completes with its 30, at the price now in force.
	post := func(q model.Qty) (*model.Outbound, error) {
		var ob *model.Outbound
		err := f.s.Update("s", func(tx *Tx) (err error) {
			ob, err = tx.PostOutbound(ssc, staff, &OutboundInput{DeliveryNoticeID: dn.ID, PostDate: "2026-03-17", Qty: map[int]model.Qty{1: q}})
			return err
		})
		return ob, err
	}
	_, err = post(units(31))
	wantField(t, err, "qty.1", "err.qty_over_open")
	ob, err := post(units(30))
	if err != nil {
		t.Fatal(err)
	}
	if ob.Lines[0].Price != 12000 {
		t.Fatalf("outbound price %v", ob.Lines[0].Price)
	}
	if dn = f.notice(t, dn.ID); dn.Status != model.StatusShipped {
		t.Fatalf("notice status %s", dn.Status)
	}
	if so = f.order(t, so.ID); so.Status != model.StatusClosed {
		t.Fatalf("order status %s", so.Status)
	}
	f.wantFigures(t, so.ID, 1, [5]model.Qty{80, 0, 80, 0, 0})
	f.check(t)
}

// TestChangeCutsNewestNoticeFirst: two open notices (60, then 40) and
// nothing shipped; a change to 50 takes the newer notice's 40 (void, no
// longer downstream) and 10 of the older one.
func TestChangeCutsNewestNoticeFirst(t *testing.T) {
	f := newShipFixture(t)
	staff := f.northLead
	ssc := f.scope(staff)
	so := f.auditedOrder(t, f.c1, orderLine{f.p1, units(100), 11300})
	var older, newer *model.DeliveryNotice
	update(t, f.s, func(tx *Tx) (err error) {
		if older, err = tx.CreateDeliveryNotice(ssc, staff, &DeliveryNoticeInput{SalesOrderID: so.ID, ShipDate: "2026-03-16", Qty: map[int]model.Qty{1: units(60)}}); err != nil {
			return err
		}
		newer, err = tx.CreateDeliveryNotice(ssc, staff, &DeliveryNoticeInput{SalesOrderID: so.ID, ShipDate: "2026-03-17", Qty: map[int]model.Qty{1: units(40)}})
		return err
	})
	fifty := units(50)
	cr, err := f.changeOrder(t, so, 1, &fifty, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.NoticeCut{{NoticeID: newer.ID, Number: newer.Number, Line: 1, Qty: units(40)}, {NoticeID: older.ID, Number: older.Number, Line: 1, Qty: units(10)}}
	if len(cr.NoticeCuts) != 2 || cr.NoticeCuts[0] != want[0] || cr.NoticeCuts[1] != want[1] {
		t.Fatalf("cuts %+v", cr.NoticeCuts)
	}
	if d := f.notice(t, newer.ID); d.Status != model.StatusVoid || d.Lines[0].Qty != 0 {
		t.Fatalf("newer notice %s %+v", d.Status, d.Lines[0])
	}
	if d := f.notice(t, older.ID); d.Status != model.StatusAudited || d.Lines[0].Qty != units(50) {
		t.Fatalf("older notice %s %+v", d.Status, d.Lines[0])
	}
	f.wantFigures(t, so.ID, 1, [5]model.Qty{50, 50, 0, 0, 0})
	if so = f.order(t, so.ID); so.Downstream != 1 {
		t.Fatalf("downstream %d, want the older notice only", so.Downstream)
	}
	f.check(t)
}

// TestChangeFollowsCatalogQtyRule: a change request's new quantity meets
// the catalog entry's minimum and multiple as the cart does (P2: min 2,
// multiple 2); cancelling the unshipped rest (new quantity = shipped) is
// always possible.
func TestChangeFollowsCatalogQtyRule(t *testing.T) {
	f := newOrderFixture(t)
	so := f.salesOrder(t, true)
	d := f.d1b
	for _, c := range []struct {
		q   model.Qty
		key string
	}{{qty(3), "err.qty_multiple"}, {qty(1), "err.qty_min"}} {
		q := c.q
		err := f.s.Update(d.Username, func(tx *Tx) error {
			return tx.SaveChangeRequest(f.scope(d), &model.ChangeRequest{SalesOrderID: so.ID, Lines: []model.ChangeLine{{Line: 2, NewQty: &q}}}, d, false)
		})
		wantField(t, err, "line.0.new_qty", c.key)
	}
	for _, q := range []model.Qty{qty(6), 0} {
		q := q
		f.as(t, d, func(tx *Tx) error {
			cr := &model.ChangeRequest{SalesOrderID: so.ID, Lines: []model.ChangeLine{{Line: 2, NewQty: &q}}}
			if err := tx.SaveChangeRequest(f.scope(d), cr, d, false); err != nil {
				return err
			}
			return tx.DeleteChangeRequest(f.scope(d), cr.ID, cr.Version, d)
		})
	}
}
