package store

import (
	"reflect"
	"strings"
	"testing"

	"dealerportal/model"
)

// The maintained figures and the ledger index follow the postings, agree
// with the open-items index, the balance and the documents, are rebuilt by
// the migration on a file of the previous layout (schema 5, none of the
// three buckets), and planted differences are found by portal check.
func TestBalanceFigures(t *testing.T) {
	f := newReconFixture(t)
	c := f.c1
	so := f.auditedOrder(t, c, orderLine{f.p1, units(10), 10000}, orderLine{f.p2, units(3), 333})
	ob := f.outbound(t, so, "2026-01-05", map[int]model.Qty{1: units(6), 2: units(3)})
	f.invoice(t, ob, "2026-01-06", map[int]model.Qty{1: units(2)})
	f.invoice(t, ob, "2026-03-02", map[int]model.Qty{1: units(1), 2: units(1)})
	f.verify(t)

	summary := func() BalanceRow {
		var row BalanceRow
		view(t, f.s, func(tx *Tx) error {
			sum, err := tx.BalanceSummary(AdminScope(), BalanceFilter{CustomerID: c.ID}, Page{})
			if err == nil {
				row = sum.Rows[0]
			}
			return err
		})
		return row
	}
	before := summary()
	detail := func() *model.Detail {
		var d *model.Detail
		view(t, f.s, func(tx *Tx) (err error) {
			d, err = tx.BalanceDetail(AdminScope(), c.ID, "", "")
			return err
		})
		return d
	}
	detailBefore := detail()
	if len(detailBefore.Rows) != 3 {
		t.Fatalf("detail rows %+v", detailBefore.Rows)
	}
	var ledgerAging model.Aging
	view(t, f.s, func(tx *Tx) error {
		_, ledgerAging, _ = tx.BalanceAt(AdminScope(), c.ID, "")
		return nil
	})
	if before.Aging != ledgerAging || before.Aging.Buckets[0] == 0 || before.Aging.Buckets[2] == 0 {
		t.Fatalf("summary aging %v, ledger %v", before.Aging.Buckets, ledgerAging.Buckets)
	}

	// The previous layout: no figures, schema 5.
	f.reopenAt(t, 5, bBalanceFigures, bBalanceOrgTotal, bReconLedger)
	s := f.s
	if after := summary(); after.Position != before.Position || after.Aging != before.Aging {
		t.Fatalf("after the migration %+v, before %+v", after, before)
	}
	if d := detail(); !reflect.DeepEqual(d, detailBefore) {
		t.Fatalf("detail after the migration %+v, before %+v", d, detailBefore)
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check after the migration: %v %v", problems, err)
	}

	// A planted difference is found.
	update(t, s, func(tx *Tx) error {
		fg := tx.figures(c.ID)
		fg.addOpen("2026-03-01", 1)
		if err := tx.putFigures(c.ID, &fg); err != nil {
			return err
		}
		return tx.b(bReconLedger).Delete(ledgerKey(c.ID, 0, detailBefore.Rows[0].ID))
	})
	problems, _ := s.Check()
	for _, want := range []string{"balance figures: customer", "balance figures: org unit", "ledger index: row"} {
		if !strings.Contains(strings.Join(problems, "\n"), want) {
			t.Errorf("planted difference %q not found: %v", want, problems)
		}
	}
}

func TestFiguresAddOpen(t *testing.T) {
	var f balanceFigures
	f.addOpen("2026-03-02", 5)
	f.addOpen("2026-01-01", 7)
	f.addOpen("2026-02-01", 3)
	f.addOpen("2026-01-01", -7)
	f.addOpen("2026-02-01", 0)
	if len(f.open) != 2 || f.open[0] != (datedAmount{"2026-02-01", 3}) || f.open[1] != (datedAmount{"2026-03-02", 5}) {
		t.Fatalf("open %v", f.open)
	}
	got, err := decodeFigures(f.encode())
	if err != nil || len(got.open) != 2 || got.open[1] != f.open[1] {
		t.Fatalf("round trip %v %v", got, err)
	}
}
