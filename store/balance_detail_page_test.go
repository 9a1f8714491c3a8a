package store

import (
	"strings"
	"testing"

	"dealerportal/model"
)

// The ledger order follows the postings (the detail's pages equal the full
// detail's rows), is rebuilt by migration 11 on a file of the previous
// layout (schema 10, no ledger order), and a planted difference is found by
// portal check. The reconciliation property test compares the pages after
// every random step.
func TestLedgerOrder(t *testing.T) {
	f := newReconFixture(t)
	c := f.c1
	so := f.auditedOrder(t, c, orderLine{f.p1, units(10), 10000}, orderLine{f.p2, units(3), 333})
	ob1 := f.outbound(t, so, "2026-01-05", map[int]model.Qty{1: units(6), 2: units(3)})
	f.outbound(t, so, "2026-01-04", map[int]model.Qty{1: units(1)}) // posted later, dated earlier
	iv := f.invoice(t, ob1, "2026-01-06", map[int]model.Qty{1: units(2)})
	if _, _, err := f.receipt(t, model.DocReceipt, c.ID, "2026-01-05", 5000, iv.ID); err != nil {
		t.Fatal(err)
	}
	f.verify(t)

	pages := func() *model.Detail {
		var full *model.Detail
		view(t, f.s, func(tx *Tx) (err error) {
			if full, err = tx.BalanceDetail(AdminScope(), c.ID, "", ""); err == nil {
				detailPagesMatch(t, tx, c.ID, full)
			}
			return err
		})
		return full
	}
	full := pages()
	if len(full.Rows) != 4 || full.Rows[0].Date != "2026-01-04" || full.Rows[3].Kind != model.DocInvoice {
		t.Fatalf("detail rows %+v", full.Rows)
	}

	f.reopenAt(t, 11, bReconLedgerOrder)
	pages()
	if problems, err := f.s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check after the migration: %v %v", problems, err)
	}

	// A planted difference is found: a row moved to another date.
	update(t, f.s, func(tx *Tx) error {
		b := tx.b(bReconLedgerOrder)
		k, v := b.Cursor().First()
		moved := append([]byte(nil), k...)
		copy(moved[8:18], "2025-12-31")
		val := append([]byte(nil), v...)
		if err := b.Delete(k); err != nil {
			return err
		}
		return b.Put(moved, val)
	})
	problems, _ := f.s.Check()
	for _, want := range []string{"ledger order: row", "missing"} {
		if !strings.Contains(strings.Join(problems, "\n"), want) {
			t.Errorf("planted difference %q not found: %v", want, problems)
		}
	}
}
