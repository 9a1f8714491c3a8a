package handlers

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/kv"
	"dealerportal/store/kv/pgkv"
	"dealerportal/store/kv/pgtest"
)

var bellCountRe = regexp.MustCompile(`class="count">([^<]*)<`)

// bellOf is the unread count the page's header bell shows, "" for none.
func bellOf(body string) string {
	if m := bellCountRe.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// TestBellReadWithVersions: on PostgreSQL the header's unread count is read
// in the same round trip as the shared versions record, so the polled bell
// (/inbox/count, no transaction of its own) costs one round trip where it
// cost two; on either backend the bell shows the signed-in user's own
// count, the count after the page's own action (reading a message), after
// a message delivered through another process, and nothing for a session
// whose user's auth epoch moved through another process.
func TestBellReadWithVersions(t *testing.T) {
	a := newTestEnv(t)
	b := a
	if onPostgres() {
		b = a.openAt(t, a.dsn)
	}
	messagingScopeFixtures(t, a)
	emit := func(e *testEnv, doc string) {
		t.Helper()
		if err := e.st.Update("t", func(tx *store.Tx) error {
			return tx.Emit(&model.OutboxMessage{Event: model.EventOrderRejected, CustomerID: a.ids["customer:C1"], DocNumber: doc,
				Params: map[string]string{"reason": "缺货", "link": "/online-orders/1"}})
		}); err != nil {
			t.Fatal(err)
		}
		deliver(t, e)
	}
	emit(a, "OO-2026-000001")
	// The count as a transaction of the test reads it.
	unread := func(user string) string {
		t.Helper()
		n := 0
		if err := a.st.View(func(tx *store.Tx) error { n = tx.UnreadCount(a.ids["user:"+user], bellLimit); return nil }); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return ""
		}
		return fmt.Sprint(n)
	}
	buyer, manager := a.login("c1.buyer"), a.login("c1.manager")
	if unread("c1.buyer") != "2" || unread("c1.manager") == "" {
		t.Fatalf("fixture: buyer %q, manager %q unread", unread("c1.buyer"), unread("c1.manager"))
	}
	for range 2 { // the second request of each is served from the sign-in cache
		for _, c := range []struct {
			user string
			cl   *client
		}{{"c1.buyer", buyer}, {"c1.manager", manager}} {
			if r := c.cl.get("/inbox/count"); r.Code != http.StatusOK || bellOf(r.Body) != unread(c.user) {
				t.Fatalf("%s's bell: %d %q, want %q", c.user, r.Code, bellOf(r.Body), unread(c.user))
			}
			if r := c.cl.get("/inbox"); r.Code != http.StatusOK || bellOf(r.Body) != unread(c.user) {
				t.Fatalf("%s's inbox page bell: %d %q, want %q", c.user, r.Code, bellOf(r.Body), unread(c.user))
			}
		}
	}

	if onPostgres() {
		pg, trips := pgOf(t, a.st.KV())
		count := func() uint64 {
			t.Helper()
			settlePool(t, pg)
			n := trips()
			if r := buyer.get("/inbox/count"); bellOf(r.Body) != "2" {
				t.Fatalf("bell: %q", bellOf(r.Body))
			}
			return trips() - n
		}
		if n := count(); n != 1 {
			t.Errorf("the polled bell: %d round trips, want 1 (the versions record and the count in one batch)", n)
		}
		// The versions record alone (as before, the count in a second
		// round trip): what the bell cost before.
		settlePool(t, pg)
		n := trips()
		if err := a.st.Sync(); err != nil {
			t.Fatal(err)
		}
		if _, err := a.st.UnreadCount(a.ids["user:c1.buyer"], bellLimit); err != nil {
			t.Fatal(err)
		}
		if n := trips() - n; n != 2 {
			t.Errorf("the versions record, then the count: %d round trips, want 2", n)
		}
	}

	// Reading a message changes the count the request read at its start:
	// the page shows the count after its own action.
	r := buyer.get("/inbox/" + a.id("msg:C1"))
	if r.Code != http.StatusOK || bellOf(r.Body) != "1" || unread("c1.buyer") != "1" {
		t.Errorf("the message page's bell: %d %q, want 1", r.Code, bellOf(r.Body))
	}
	// A message delivered through the other process.
	emit(b, "OO-2026-000002")
	if r := buyer.get("/inbox/count"); bellOf(r.Body) != "2" {
		t.Errorf("after a delivery through the other process: %q, want 2", bellOf(r.Body))
	}
	if r := manager.get("/inbox/count"); bellOf(r.Body) != unread("c1.manager") {
		t.Errorf("the manager's bell: %q, want %q", bellOf(r.Body), unread("c1.manager"))
	}
	// The buyer's password set through the other process: the session
	// ends, and no count is shown for it.
	if err := b.st.Update("t", func(tx *store.Tx) error {
		hash, err := store.HashPassword("another-secret")
		if err != nil {
			return err
		}
		_, err = tx.SetPassword(store.AdminScope(), a.ids["user:c1.buyer"], hash)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if r := buyer.get("/inbox/count"); r.Code == http.StatusOK || strings.Contains(r.Body, `class="count"`) {
		t.Errorf("after the buyer's auth epoch moved: %d %q", r.Code, bellOf(r.Body))
	}
	if r := manager.get("/inbox/count"); r.Code != http.StatusOK || bellOf(r.Body) != unread("c1.manager") {
		t.Errorf("the manager after the buyer's password changed: %d %q", r.Code, bellOf(r.Body))
	}
}

// pgOf returns the PostgreSQL database under db's wrappers and its
// round-trip counter; it fails the test on another backend.
func pgOf(t *testing.T, db kv.DB) (*pgkv.DB, func() uint64) {
	t.Helper()
	trips := pgkv.RoundTripsOf(db)
	for {
		u, ok := db.(interface{ Unwrap() kv.DB })
		if !ok {
			break
		}
		db = u.Unwrap()
	}
	pg, ok := db.(*pgkv.DB)
	if !ok || trips == nil {
		t.Fatalf("%T is not PostgreSQL", db)
	}
	return pg, trips
}

// settlePool waits for db's parked COMMIT (pgtest.Settle), so that the
// round trips counted next are the request's own.
func settlePool(t *testing.T, db *pgkv.DB) {
	t.Helper()
	pgtest.Settle(t, func() int32 { return db.Pool().Stat().AcquiredConns() })
}
