package store

import (
	"errors"
	"testing"

	"dealerportal/model"
)

// TestPostWriteOffs: the grid's candidates oldest first (a red invoice's
// credit among the sources), the FIFO proposal posted as several records
// in one transaction, an over-allocation and a stale grid refused with
// nothing written, scope and permission, and verify clean throughout.
func TestPostWriteOffs(t *testing.T) {
	f := newReconFixture(t)
	c := f.c1
	so := f.auditedOrder(t, c, orderLine{f.p1, units(10), 10000})
	ob := f.outbound(t, so, "2026-03-01", map[int]model.Qty{1: units(8)})
	inv1 := f.invoice(t, ob, "2026-03-02", map[int]model.Qty{1: units(3)}) // 30000
	inv2 := f.invoice(t, ob, "2026-03-03", map[int]model.Qty{1: units(5)}) // 50000
	red := f.redOutbound(t, so, "2026-03-04", map[int]model.Qty{1: units(1)})
	rinv := f.invoice(t, red, "2026-03-04", map[int]model.Qty{1: units(1)}) // −10000
	ar, _, err := f.receipt(t, model.DocAdvanceReceipt, c.ID, "2026-03-05", 25000)
	if err != nil {
		t.Fatal(err)
	}
	rc, _, err := f.receipt(t, model.DocReceipt, c.ID, "2026-03-05", 20000)
	if err != nil {
		t.Fatal(err)
	}

	var sources, invoices []WriteOffCandidate
	view(t, f.s, func(tx *Tx) (err error) {
		sources, invoices, err = tx.WriteOffCandidates(AdminScope(), c.ID)
		return err
	})
	keys := func(cs []WriteOffCandidate) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Key+"="+c.Open.Plain())
		}
		return out
	}
	wantKeys := []string{model.WriteOffKey(model.DocInvoice, rinv.ID) + "=100.00", model.WriteOffKey(model.DocReceipt, rc.ID) + "=200.00",
		model.WriteOffKey(model.DocAdvanceReceipt, ar.ID) + "=250.00"}
	if got := keys(sources); len(got) != 3 || got[0] != wantKeys[0] || got[1] != wantKeys[1] || got[2] != wantKeys[2] {
		t.Fatalf("sources %v, want %v", got, wantKeys)
	}
	if got := keys(invoices); len(got) != 2 || got[0] != model.WriteOffKey(model.DocInvoice, inv1.ID)+"=300.00" {
		t.Fatalf("invoices %v", got)
	}
	if sources[0].Total != 10000 || !sources[0].Red || sources[1].Number != rc.Number {
		t.Fatalf("source figures %+v", sources)
	}

	pairs := model.MatchOldestFirst(writeOffItems(sources), writeOffItems(invoices))
	// red 100 → inv1, RC 200 → inv1, AR 250 → inv2.
	if len(pairs) != 3 || pairs[2].Amount != 25000 {
		t.Fatalf("proposal %+v", pairs)
	}
	shown := model.ParseShownOpen(model.FormatShownOpen(writeOffItems(sources), writeOffItems(invoices)), 100)

	// One pair too many: nothing is written.
	before := f.snapshot(t, c.ID, inv1.ID, so.ID, rc.ID)
	over := append(append([]model.WriteOffPair(nil), pairs...), model.WriteOffPair{Row: 3, Source: pairs[1].Source, Invoice: pairs[2].Invoice, Amount: 1})
	err = f.s.Update("multi", func(tx *Tx) error {
		_, err := tx.PostWriteOffs(tx.ScopeFor(f.multi), f.multi, c.ID, over, shown)
		return err
	})
	wantField(t, err, "amount.3", "err.recon_amount_max")
	if after := f.snapshot(t, c.ID, inv1.ID, so.ID, rc.ID); !sameSnapshot(before, after) {
		t.Fatal("a refused grid changed figures")
	}

	// Out of scope.
	err = f.s.Update("multi", func(tx *Tx) error {
		_, err := tx.PostWriteOffs(tx.ScopeFor(f.multi), f.multi, f.c3.ID, pairs, nil)
		return err
	})
	wantNotFound(t, err)
	// Without the permission: the handlers' refusal (TestWriteOffGridWho).

	// The proposal, posted: three records, every figure moved.
	var made []*model.WriteOff
	update(t, f.s, func(tx *Tx) (err error) {
		made, err = tx.PostWriteOffs(tx.ScopeFor(f.multi), f.multi, c.ID, pairs, shown)
		return err
	})
	if len(made) != 3 || made[0].SourceType != model.DocInvoice || made[1].Amount != 20000 || made[2].InvoiceID != inv2.ID || made[2].Auto {
		t.Fatalf("made %+v", made)
	}
	view(t, f.s, func(tx *Tx) error {
		s, i, err := tx.WriteOffCandidates(AdminScope(), c.ID)
		if len(s) != 0 || len(i) != 1 || i[0].ID != inv2.ID || i[0].Open != 25000 {
			t.Fatalf("after posting: sources %v, invoices %v", keys(s), keys(i))
		}
		return err
	})
	if b := f.balance(t, c); b.ReceiptBalance != 0 || b.InvoicedReceivable != 25000 {
		t.Fatalf("balance after posting %+v", b)
	}
	f.verify(t)

	// The same grid again is stale: the documents it pairs changed.
	err = f.s.Update("multi", func(tx *Tx) error {
		_, err := tx.PostWriteOffs(tx.ScopeFor(f.multi), f.multi, c.ID, pairs[:1], shown)
		return err
	})
	var oc *model.OpenChangedError
	if !errors.As(err, &oc) || len(oc.Changes) != 2 || oc.Changes[0].Number != rinv.Number || oc.Changes[0].Was != 10000 || oc.Changes[0].Now != 0 ||
		oc.Changes[1].Number != inv1.Number || oc.Changes[1].Now != 0 {
		t.Fatalf("stale grid: %v %+v", err, oc)
	}
	// Without what was shown, the refusal is the rows'.
	err = f.s.Update("multi", func(tx *Tx) error {
		_, err := tx.PostWriteOffs(tx.ScopeFor(f.multi), f.multi, c.ID, pairs[:1], nil)
		return err
	})
	wantField(t, err, "source.0", "err.recon_nothing_open")
	f.verify(t)
	if problems, err := f.s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
}
