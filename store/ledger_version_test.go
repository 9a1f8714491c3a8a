package store

import (
	"testing"

	"dealerportal/model"
)

// TestLedgerVersion: a customer's ledger version moves with every write
// its statement prints — an outbound, an invoice, a receipt (and its
// write-off at audit), a reversed write-off, a confirmation — and only
// that customer's; reads do not move it.
func TestLedgerVersion(t *testing.T) {
	f := newReconFixture(t)
	ver := func(c *model.Customer) uint64 {
		var v uint64
		view(t, f.s, func(tx *Tx) error { v = tx.LedgerVersion(c.ID); return nil })
		return v
	}
	last, other := ver(f.c1), ver(f.c2)
	moved := func(what string) {
		t.Helper()
		if v := ver(f.c1); v <= last {
			t.Errorf("%s: ledger version %d, was %d", what, v, last)
		} else {
			last = v
		}
		if v := ver(f.c2); v != other {
			t.Errorf("%s: another customer's version moved %d → %d", what, other, v)
		}
	}
	so := f.auditedOrder(t, f.c1, orderLine{f.p1, units(10), 10000})
	ob := f.outbound(t, so, "2026-03-01", map[int]model.Qty{1: units(6)})
	moved("an outbound")
	inv := f.invoice(t, ob, "2026-03-02", map[int]model.Qty{1: units(4)})
	moved("an invoice")
	_, made, err := f.receipt(t, model.DocReceipt, f.c1.ID, "2026-03-03", 1000, inv.ID)
	if err != nil || len(made) != 1 {
		t.Fatalf("receipt: %v, %d write-offs", err, len(made))
	}
	moved("a receipt written off at audit")
	update(t, f.s, func(tx *Tx) error {
		_, err := tx.ReverseWriteOff(AdminScope(), f.admin, made[0].ID)
		return err
	})
	moved("a reversed write-off")
	update(t, f.s, func(tx *Tx) error {
		_, err := tx.Reconcile(f.scope(f.d1a), f.d1a, model.DocOutbound, ob.ID, 0, model.ReconConfirm, "")
		return err
	})
	moved("a confirmation")
	view(t, f.s, func(tx *Tx) error {
		_, err := tx.BalanceDetail(AdminScope(), f.c1.ID, "", "")
		return err
	})
	if v := ver(f.c1); v != last {
		t.Errorf("a read moved the version: %d → %d", last, v)
	}
	if problems, err := f.s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
}

// TestLedgerVersionMigration: a file of the layout before the ledger
// versions (schema 10) opens with the bucket created, every customer at 0,
// and postings then move the versions.
func TestLedgerVersionMigration(t *testing.T) {
	f := newReconFixture(t)
	so := f.auditedOrder(t, f.c1, orderLine{f.p1, units(10), 10000})
	f.outbound(t, so, "2026-03-01", map[int]model.Qty{1: units(2)})
	f.reopenAt(t, 12, bLedgerVersions)
	view(t, f.s, func(tx *Tx) error {
		if tx.b(bLedgerVersions) == nil {
			t.Fatal("no ledger_versions bucket after the migration")
		}
		if v := tx.LedgerVersion(f.c1.ID); v != 0 {
			t.Errorf("version after the migration %d, want 0", v)
		}
		return nil
	})
	f.outbound(t, so, "2026-03-02", map[int]model.Qty{1: units(1)})
	view(t, f.s, func(tx *Tx) error {
		if v := tx.LedgerVersion(f.c1.ID); v == 0 {
			t.Error("a posting after the migration did not move the version")
		}
		return nil
	})
	if problems, err := f.s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check after the migration: %v %v", problems, err)
	}
}
