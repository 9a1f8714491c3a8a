package handlers

import (
	"net/http"
	"strings"
	"testing"

	"dealerportal/store"
	"dealerportal/store/kv"
)

// On PostgreSQL a page whose reads the process keeps costs one round trip:
// the request's versions read (syncVersions). The page's own reads float
// on it (Handler.read, store.ViewFresh) instead of each waiting for a round
// of their own; a change committed through the other process before the
// request still shows.
func TestPageReadsFloatOnTheRequestsRound(t *testing.T) {
	// As in production: the settings and the org tree answered from the
	// process's copies, which the nested-transaction check bypasses
	// (kv/nested.go); this test does not run in parallel with another.
	defer kv.SetNestedCheck(kv.SetNestedCheck(false))
	a, b := twoProcesses(t)
	orderingFixture(t, a)
	buyer := a.login("c1.buyer")
	pg, trips := pgOf(t, a.st.KV())
	pages := []string{"/catalog", "/cart", "/online-orders", "/balances"}
	get := func(path string) (string, uint64) {
		t.Helper()
		settlePool(t, pg)
		n := trips()
		r := buyer.get(path)
		if r.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, r.Code)
		}
		return r.Body, trips() - n
	}
	for _, p := range pages {
		get(p) // what the page reads, kept
		if _, n := get(p); n != 1 {
			t.Errorf("GET %s again: %d round trips, want 1 (the request's versions read)", p, n)
		}
	}
	// A product renamed through b before the request: a's next catalog
	// shows the new name.
	b.step(b.user("admin"), func(tx *store.Tx) error {
		p, err := tx.Product(b.ids["product:ALL"])
		if err != nil {
			return err
		}
		p.Name = "通用电机（另一进程改名）"
		return tx.SaveProduct(p)
	})
	if body, _ := get("/catalog"); !strings.Contains(body, "通用电机（另一进程改名）") {
		t.Error("the catalog after a rename through the other process shows the old name")
	}
}
