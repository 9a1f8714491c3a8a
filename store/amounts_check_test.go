package store

import (
	"strings"
	"testing"

	"dealerportal/model"
)

// wrappedTotal is the reported order's total: ¥-16,074,833,169,298.23.
const wrappedTotal model.Money = -1607483316929823

// TestCheckReportsImpossibleAmounts plants what the overflow left behind —
// an online order of 7,816,000,000,000 units with a wrapped negative total
// and open orders moved by it — and sees check report each figure, while
// the credit check holds the customer's next normal order instead of
// trusting the damaged balance.
func TestCheckReportsImpossibleAmounts(t *testing.T) {
	f := newOrderFixture(t)
	d := f.d1b
	update(t, f.s, func(tx *Tx) error {
		f.c1.CreditLimit = 100000 // ¥1,000
		return tx.SaveCustomer(AdminScope(), f.c1)
	})
	o := f.placeOrder(t, d, true, LineInput{Code: "P1", Qty: qty(3)})
	if problems, err := f.s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("sound database: %v %v", problems, err)
	}
	update(t, f.s, func(tx *Tx) error {
		stored, err := tx.OnlineOrder(AdminScope(), o.ID)
		if err != nil {
			return err
		}
		stored.Lines[0].Qty = 7816000000000 * model.QtyScale
		stored.Totals = model.Totals{Qty: stored.Lines[0].Qty, Amount: wrappedTotal, AmountExcl: wrappedTotal}
		if err := tx.UpdateDoc(AdminScope(), docOnlineOrder, stored); err != nil {
			return err
		}
		b := tx.balance(f.c1.ID)
		b.OpenOrders += wrappedTotal - o.Totals.Amount
		return putJSON(tx.b(bBalances), itob(f.c1.ID), b)
	})
	problems, err := f.s.Check()
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(problems, "\n")
	for _, want := range []string{
		"amounts and bounds: OO " + o.Number + " line 1: quantity 7816000000000 beyond 1000000",
		"amounts and bounds: OO " + o.Number + ": total -16,074,833,169,298.23 beyond 1,000,000,000.00",
		"amounts and bounds: OO " + o.Number + ": lines beyond the bounds",
		"negative open orders -16,074,833,169,298.23",
		"balance beyond 100,000,000,000.00",
		"credit exposure cannot be computed",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("check does not report %q:\n%s", want, all)
		}
	}

	// The damaged balance no longer waves orders through: a ¥100 order
	// within the ¥1,000 limit cannot post onto a balance beyond the bounds,
	err = f.s.Update(d.Username, func(tx *Tx) error {
		next, _ := tx.NewOnlineOrder(f.scope(d), d.CustomerID)
		return tx.SaveOnlineOrder(f.scope(d), next, []LineInput{{Code: "P1", Qty: qty(1)}}, d, true)
	})
	wantField(t, err, "_form", "err.balance_range")
	// and with open orders negative but within the bounds it is held.
	update(t, f.s, func(tx *Tx) error {
		b := tx.balance(f.c1.ID)
		b.OpenOrders = -1_000_000_000
		return putJSON(tx.b(bBalances), itob(f.c1.ID), b)
	})
	if next := f.placeOrder(t, d, true, LineInput{Code: "P1", Qty: qty(1)}); !next.CreditHold {
		t.Fatal("an order on a damaged balance passed the credit check")
	}
}

// TestCheckReportsTotalsNotMatchingLines: a stored total that is not the
// sum of its lines (within the bounds, so no other figure notices).
func TestCheckReportsTotalsNotMatchingLines(t *testing.T) {
	f := newOrderFixture(t)
	o := f.placeOrder(t, f.d1b, false, LineInput{Code: "P1", Qty: qty(2)})
	update(t, f.s, func(tx *Tx) error {
		stored, err := tx.OnlineOrder(AdminScope(), o.ID)
		if err != nil {
			return err
		}
		stored.Totals.Amount++
		return tx.UpdateDoc(AdminScope(), docOnlineOrder, stored)
	})
	problems, err := f.s.Check()
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0], "are not the sum of the lines") {
		t.Fatalf("check: %v %v", problems, err)
	}
}

// TestSaveRefusesOverflow: the store refuses the reported line whoever
// calls it (no handler in between), with nothing saved.
func TestSaveRefusesOverflow(t *testing.T) {
	f := newOrderFixture(t)
	d := f.d1b
	err := f.s.Update(d.Username, func(tx *Tx) error {
		o, _ := tx.NewOnlineOrder(f.scope(d), d.CustomerID)
		return tx.SaveOnlineOrder(f.scope(d), o, []LineInput{{Code: "P1", Qty: 7816000000000 * model.QtyScale}}, d, true)
	})
	wantField(t, err, "line.0.qty", "err.qty_range")
	err = f.s.Update(f.admin.Username, func(tx *Tx) error {
		so, _ := tx.NewSalesOrder(AdminScope(), f.c1.ID)
		price := model.MaxPrice
		return tx.SaveSalesOrder(AdminScope(), so, []LineInput{{Code: "P1", Qty: qty(101), Price: &price}})
	})
	wantField(t, err, "line.0.qty", "err.line_amount_range")
	view(t, f.s, func(tx *Tx) error {
		if n := tx.CountDocs(AdminScope(), model.DocOnlineOrder) + tx.CountDocs(AdminScope(), model.DocSalesOrder); n != 0 {
			t.Errorf("%d documents saved", n)
		}
		if b := tx.balance(f.c1.ID); b.OpenOrders != 0 {
			t.Errorf("open orders %s", b.OpenOrders)
		}
		return nil
	})
}
