package demo

import (
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/kv/pgtest"
)

// TestVolumeOrders generates a small order history through the store
// functions and checks that every maintained figure agrees with the
// documents (the integrity checks find nothing), that every kind of
// document exists, that no message was raised, and that the key account
// has a tenth of the orders.
func TestVolumeOrders(t *testing.T) {
	path := pgtest.DSN(t, "orders.db")
	var out strings.Builder
	if err := run([]string{"--db", path, "--customers", "40", "--users", "2", "--orders", "600", "--seed", "3"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "600 / 600 sales orders") {
		t.Fatalf("progress: %s", out.String())
	}
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	problems, err := st.Check()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("integrity: %s", p)
	}
	err = st.View(func(tx *store.Tx) error {
		sc := store.AdminScope()
		for kind, min := range map[model.DocType]int{model.DocSalesOrder: 600, model.DocDeliveryNotice: 100, model.DocOutbound: 200,
			model.DocOnlineReturn: 5, model.DocReturnNotice: 3} {
			if n := tx.CountDocs(sc, kind); n < min {
				t.Errorf("%s: %d documents, want ≥ %d", kind, n, min)
			}
		}
		for _, st := range []model.Status{model.StatusDraft, model.StatusVoid, model.StatusAudited, model.StatusClosed} {
			if tx.CountDocs(sc, model.DocSalesOrder, st) == 0 {
				t.Errorf("no sales order %s", st)
			}
		}
		if tx.CountDocs(sc, model.DocDeliveryNotice, model.StatusReceived) == 0 || tx.CountDocs(sc, model.DocOnlineReturn, model.StatusRejected) == 0 {
			t.Error("no receipts or no rejected returns")
		}
		if _, red, _ := tx.ListDocs(sc, model.DocOutbound, store.DocFilter{Flag: "red"}, store.Page{Limit: -1}); red == 0 {
			t.Error("no red outbounds")
		}
		if all, pending := tx.OutboxCount(); pending != 0 {
			t.Errorf("the history raised %d messages (%d in all)", pending, all)
		}
		key := tx.CustomerIDs(sc)[0]
		if n := tx.CountDocs(store.CustomerScope(key), model.DocSalesOrder); n < 60 {
			t.Errorf("key account has %d orders", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
