package demo

import (
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/kv/pgtest"
)

// TestReconDemo: the demo's reconciliation history is what the postings
// made it (verify and check find nothing), with an un-invoiced outbound
// for C0001, a confirmation and a dispute, and no message raised.
func TestReconDemo(t *testing.T) {
	st := openStore(t, pgtest.DSN(t, "portal.db"))
	if _, err := FirstStart(st, Options{Demo: true}); err != nil {
		t.Fatal(err)
	}
	reconClean(t, st)
	err := st.View(func(tx *store.Tx) error {
		sc := store.AdminScope()
		c1, err := tx.CustomerByCode(sc, "C0001")
		if err != nil {
			return err
		}
		obs, err := tx.UninvoicedOutbounds(sc, c1.ID, false, 0, 0)
		if err != nil || len(obs) != 1 {
			t.Errorf("C0001 un-invoiced outbounds: %d, %v", len(obs), err)
		}
		b, _ := tx.Balance(sc, c1.ID)
		if b.Uninvoiced <= 0 || b.InvoicedReceivable <= 0 || b.ReceiptBalance <= 0 {
			t.Errorf("C0001 balances %+v", b)
		}
		if n := tx.CountRecon(sc, model.ReconConfirmed, store.ReconKinds...); n != 1 {
			t.Errorf("confirmed: %d", n)
		}
		if n := tx.CountRecon(sc, model.ReconDisputed, store.ReconKinds...); n != 1 {
			t.Errorf("disputed: %d", n)
		}
		ms, _ := tx.PendingOutbox(1000)
		for _, m := range ms {
			if strings.HasPrefix(string(m.Event), "reconciliation.") || m.Event == model.EventMonthlyStatement {
				t.Errorf("the demo raised %s", m.Event)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func reconClean(t *testing.T, st *store.Store) {
	t.Helper()
	problems, err := st.VerifyReconciliation()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("verify: %s", p)
	}
	all, err := st.Check()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		t.Errorf("check: %s", p)
	}
}

// TestReconVolume: generated history reconciled at volume; verify finds
// nothing; every kind of document exists.
func TestReconVolume(t *testing.T) {
	path := pgtest.DSN(t, "recon.db")
	var out strings.Builder
	if err := run([]string{"--db", path, "--customers", "30", "--users", "3", "--orders", "300", "--seed", "5", "--reconciliation"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Reconciliation: ") {
		t.Fatalf("output: %s", out.String())
	}
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reconClean(t, st)
	_ = st.View(func(tx *store.Tx) error {
		sc := store.AdminScope()
		for _, k := range []model.DocType{model.DocInvoice, model.DocReceipt, model.DocAdvanceReceipt} {
			if tx.CountDocs(sc, k) == 0 {
				t.Errorf("no %s", k)
			}
		}
		if ws, _, _ := tx.ListWriteOffs(sc, store.WriteOffFilter{}, store.Page{}); len(ws) == 0 {
			t.Error("no write-offs")
		}
		if tx.CountRecon(sc, model.ReconConfirmed, store.ReconKinds...) == 0 {
			t.Error("no confirmations")
		}
		if _, pending := tx.OutboxCount(); pending != 0 {
			t.Errorf("%d messages raised", pending)
		}
		return nil
	})
	t.Log(out.String())
}
