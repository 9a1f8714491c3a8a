package model

import (
	"errors"
	"testing"
)

func crQty(n int64) Qty { return Qty(n * QtyScale) }

// changeOrder is an audited order of one line of product 7: 100 ordered,
// 50 shipped from a notice of 100.
func changeOrder() (*SalesOrder, *DeliveryNotice) {
	so := &SalesOrder{ID: 1, Lines: []SalesOrderLine{{OrderLine: OrderLine{No: 1, ProductID: 7, Qty: crQty(100), Price: 11300, TaxRate: 1300},
		NoticedQty: crQty(100), NoticeOpenQty: crQty(50), ShippedQty: crQty(50)}}}
	so.Status = StatusAudited
	dn := &DeliveryNotice{ID: 3, SalesOrderID: 1, Lines: []OrderLine{{No: 1, ProductID: 7, Qty: crQty(100), Price: 11300, TaxRate: 1300,
		Source: LineRef{Type: DocSalesOrder, ID: 1, Line: 1}}}, ShippedQty: []Qty{crQty(50)}}
	dn.Status, dn.Number = StatusAudited, "DN-2026-000003"
	return so, dn
}

func TestValidateChangeShippedAndQtyRule(t *testing.T) {
	rules := map[uint64]QtyRule{7: {Min: crQty(10), Multiple: crQty(5)}}
	for _, c := range []struct {
		qty Qty
		key string
	}{
		{crQty(40), "err.change_below_shipped"},
		{-1, "err.not_negative"},
		{crQty(82), "err.qty_multiple"},
		{crQty(80), ""},
		{crQty(50), ""}, // the shipped quantity: cancels the rest
	} {
		so, _ := changeOrder()
		q := c.qty
		r := &ChangeRequest{Lines: []ChangeLine{{Line: 1, NewQty: &q}}}
		err := r.ValidateChange(so, rules)
		var ve *ValidationError
		switch {
		case c.key == "" && err != nil:
			t.Errorf("%v: %v", q, err)
		case c.key != "" && (!errors.As(err, &ve) || ve.Fields[0].Field != "line.0.new_qty" || ve.Fields[0].Key != c.key):
			t.Errorf("%v: %v, want %s", q, err, c.key)
		}
	}
	// Below the minimum, nothing shipped.
	so, _ := changeOrder()
	so.Lines[0].ShippedQty, so.Lines[0].NoticeOpenQty = 0, crQty(100)
	q := crQty(5)
	var ve *ValidationError
	if err := (&ChangeRequest{Lines: []ChangeLine{{Line: 1, NewQty: &q}}}).ValidateChange(so, rules); !errors.As(err, &ve) || ve.Fields[0].Key != "err.qty_min" {
		t.Errorf("below the minimum: %v", err)
	}
	// Without a rule any quantity from what shipped up goes.
	q = crQty(51)
	if err := (&ChangeRequest{Lines: []ChangeLine{{Line: 1, NewQty: &q}}}).ValidateChange(so, nil); err != nil {
		t.Errorf("no rule: %v", err)
	}
}

// TestApplyChangeCutsOpenNotice: 100 ordered, noticed 100, shipped 50;
// a change to 80 at a new price leaves the notice 80 (30 to ship), the
// line noticed 80 and notice-open 30, and records the change on the order.
func TestApplyChangeCutsOpenNotice(t *testing.T) {
	so, dn := changeOrder()
	q, p := crQty(80), Money(12000)
	r := &ChangeRequest{ID: 9, Lines: []ChangeLine{{Line: 1, NewQty: &q, NewPrice: &p}}}
	r.Number = "CR-2026-000009"
	changed, err := ApplyChange(so, r, nil, []*DeliveryNotice{dn}, "s", shipNow)
	if err != nil {
		t.Fatal(err)
	}
	l := so.Lines[0]
	if l.Qty != crQty(80) || l.Price != 12000 || l.NoticedQty != crQty(80) || l.NoticeOpenQty != crQty(30) || l.Unscheduled() != 0 {
		t.Fatalf("line %+v", l)
	}
	if len(changed) != 1 || dn.Lines[0].Qty != crQty(80) || dn.NoticeRest(0) != crQty(30) || dn.Status != StatusAudited || dn.Totals.Amount != 80*11300 {
		t.Fatalf("notice %+v %+v", dn.Lines[0], dn.Totals)
	}
	if len(r.NoticeCuts) != 1 || r.NoticeCuts[0] != (NoticeCut{NoticeID: 3, Number: dn.Number, Line: 1, Qty: crQty(20)}) {
		t.Fatalf("cuts %+v", r.NoticeCuts)
	}
	if e := so.Trail[len(so.Trail)-1]; e.Action != "change_effective" || e.Reason != r.Number || e.By != "s" {
		t.Fatalf("order trail %+v", so.Trail)
	}
	if e := dn.Trail[len(dn.Trail)-1]; e.Action != "change_effective" || e.Reason != r.Number || e.To != "" {
		t.Fatalf("notice trail %+v", dn.Trail)
	}
	// Down to what shipped: the notice has nothing left and becomes shipped.
	so, dn = changeOrder()
	q = crQty(50)
	r = &ChangeRequest{Lines: []ChangeLine{{Line: 1, NewQty: &q}}}
	if _, err := ApplyChange(so, r, nil, []*DeliveryNotice{dn}, "s", shipNow); err != nil {
		t.Fatal(err)
	}
	if dn.Status != StatusShipped || so.Lines[0].NoticeOpenQty != 0 || so.Lines[0].NoticedQty != crQty(50) {
		t.Fatalf("notice %s, line %+v", dn.Status, so.Lines[0])
	}
	// Below what shipped: refused, nothing touched.
	so, dn = changeOrder()
	q = crQty(49)
	r = &ChangeRequest{Lines: []ChangeLine{{Line: 1, NewQty: &q}}}
	if _, err := ApplyChange(so, r, nil, []*DeliveryNotice{dn}, "s", shipNow); err == nil || so.Lines[0].Qty != crQty(100) || dn.Lines[0].Qty != crQty(100) || len(so.Trail) != 0 {
		t.Fatalf("below shipped applied: %v", err)
	}
}

// TestCutOpenNoticesNewestFirst: two open notices and a closed one; the
// cut takes the newest open notice first, voids it when nothing shipped
// from it, and leaves the closed notice alone.
func TestCutOpenNoticesNewestFirst(t *testing.T) {
	so := &SalesOrder{ID: 1, Lines: []SalesOrderLine{{OrderLine: OrderLine{No: 1, Qty: crQty(50), Price: 100},
		NoticedQty: crQty(110), NoticeOpenQty: crQty(100), ShippedQty: crQty(10)}}}
	mk := func(id uint64, st Status, qty, shipped Qty) *DeliveryNotice {
		d := &DeliveryNotice{ID: id, SalesOrderID: 1, Lines: []OrderLine{{No: 1, Qty: qty, Price: 100, Source: LineRef{Line: 1}}}, ShippedQty: []Qty{shipped}}
		d.Status = st
		return d
	}
	closed, older, newer := mk(1, StatusClosed, crQty(10), crQty(10)), mk(2, StatusAudited, crQty(60), 0), mk(3, StatusAudited, crQty(40), 0)
	cuts, changed := CutOpenNotices(so, []*DeliveryNotice{closed, older, newer}, "s", "CR-1", shipNow)
	// Open 40: notices must come down from 100 to 40.
	if len(cuts) != 2 || cuts[0].NoticeID != 3 || cuts[0].Qty != crQty(40) || cuts[1].NoticeID != 2 || cuts[1].Qty != crQty(20) || len(changed) != 2 {
		t.Fatalf("cuts %+v", cuts)
	}
	if newer.Status != StatusVoid || older.Status != StatusAudited || older.Lines[0].Qty != crQty(40) || closed.Lines[0].Qty != crQty(10) {
		t.Fatalf("notices %s %s %v", newer.Status, older.Status, older.Lines[0].Qty)
	}
	if e := newer.Trail[0]; e.From != StatusAudited || e.To != StatusVoid || e.Reason != "CR-1" {
		t.Fatalf("void trail %+v", e)
	}
	if l := so.Lines[0]; l.NoticeOpenQty != crQty(40) || l.NoticedQty != crQty(50) {
		t.Fatalf("line %+v", l)
	}
	// Nothing to cut: nothing changes.
	if cuts, changed := CutOpenNotices(so, []*DeliveryNotice{older}, "s", "CR-2", shipNow); cuts != nil || changed != nil || len(older.Trail) != 1 {
		t.Fatalf("second cut %+v", cuts)
	}
}

func TestCanDeleteOnlineOrder(t *testing.T) {
	creator := &User{Kind: KindDealer, CustomerID: 1, Username: "a", Roles: []Role{RoleBuyer}}
	sales := &User{Kind: KindStaff, Username: "s", Roles: []Role{RoleSales}}
	admin := &User{Kind: KindStaff, Username: "root", Roles: []Role{RoleAdmin}}
	for _, c := range []struct {
		status Status
		u      *User
		want   bool
	}{
		{StatusDraft, creator, true},
		{StatusSubmitted, creator, true},
		{StatusConverted, creator, false},
		{StatusSubmitted, sales, false},
		{StatusSubmitted, admin, false},
		{StatusSubmitted, nil, false},
	} {
		if got := CanDeleteOnlineOrder(c.status, "a", true, 1, c.u); got != c.want {
			t.Errorf("%s by %v: %v, want %v", c.status, c.u, got, c.want)
		}
		r := &OnlineReturn{CustomerID: 1, AllowAdjust: true}
		r.Status, r.CreatedBy = c.status, "a"
		if got := CanDeleteOnlineReturn(r, c.u); got != c.want {
			t.Errorf("return %s by %v: %v, want %v", c.status, c.u, got, c.want)
		}
	}
}
