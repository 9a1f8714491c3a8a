package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"
)

// twoProcesses returns two portals on one PostgreSQL database, as two
// processes behind a load balancer: a is seeded with the usual fixture,
// b opens the same database with a store and a handler of its own.
func twoProcesses(t *testing.T) (a, b *testEnv) {
	t.Helper()
	if !onPostgres() {
		t.Skip("several processes on one database: PORTAL_TEST_BACKEND=postgres")
	}
	dsn := testDSN(t)
	a = newTestEnvAt(t, dsn)
	b = a.openAt(t, dsn)
	return a, b
}

// via is the same browser (its cookies) sent to another process.
func (c *client) via(e *testEnv) *client {
	c2 := *c
	c2.e = e
	return &c2
}

// A change committed through one process is seen by the other on its next
// request, though the other had the sign-in, the org tree and the
// settings in its caches: a revoked session, a changed role, an org-tree
// move that changes a scope, new settings; login limits count failures
// through both; a form token posted to both creates one record.
func TestSeveralProcessesOneDatabase(t *testing.T) {
	a, b := twoProcesses(t)
	c1 := a.id("customer:C1")
	east := a.login("east")
	eastB := east.via(b)
	for range 2 { // the second request is served from b's sign-in cache
		if r := eastB.get("/customers/" + c1); r.Code != http.StatusOK {
			t.Fatalf("east on b: %d", r.Code)
		}
	}

	// The org tree: SH (C1's branch) moves from EAST to SOUTH, out of
	// east's scope.
	if err := a.st.Update("test", func(tx *store.Tx) error {
		sh, err := tx.OrgUnit(a.ids["org:SH"])
		if err != nil {
			return err
		}
		sh.ParentID = a.ids["org:SOUTH"]
		return tx.SaveOrgUnit(sh)
	}); err != nil {
		t.Fatal(err)
	}
	if r := eastB.get("/customers/" + c1); r.Code != http.StatusNotFound {
		t.Fatalf("east on b after SH moved out of the scope: %d", r.Code)
	}

	// The session ends through a: b refuses it at once.
	east.get("/customers")
	if r := east.post("/logout", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("logout on a: %d", r.Code)
	}
	if r := eastB.get("/customers"); r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("ended session on b: %d %s", r.Code, r.Header.Get("Location"))
	}

	// A role taken away through a: b refuses the page.
	admin := a.login("admin").via(b)
	for range 2 {
		if r := admin.get("/admin/system"); r.Code != http.StatusOK {
			t.Fatalf("admin on b: %d", r.Code)
		}
	}
	if err := a.st.Update("test", func(tx *store.Tx) error {
		u, err := tx.User(store.AdminScope(), a.ids["user:admin"])
		if err != nil {
			return err
		}
		u.Roles = []model.Role{model.RoleViewer}
		return tx.SaveUser(store.AdminScope(), u)
	}); err != nil {
		t.Fatal(err)
	}
	if r := admin.get("/admin/system"); r.Code != http.StatusForbidden {
		t.Fatalf("former admin on b: %d", r.Code)
	}

	// Settings saved through a: b's pages show them.
	south := a.login("south").via(b)
	if r := south.get("/"); !strings.Contains(r.Body, "Enterprise") {
		t.Fatalf("b's page before: %d", r.Code)
	}
	if err := a.st.Update("test", func(tx *store.Tx) error {
		s := tx.Settings()
		s.EnterpriseName = "Renamed Elsewhere"
		return tx.SaveSettings(s)
	}); err != nil {
		t.Fatal(err)
	}
	if r := south.get("/"); !strings.Contains(r.Body, "Renamed Elsewhere") {
		t.Fatalf("b's page after the settings changed on a: %d", r.Code)
	}

	// Login limits: failures through either process count together.
	for i := range loginPerUser {
		wrong := url.Values{"username": {"viewer"}, "password": {"wrong-password"}}
		e := a
		if i%2 == 1 {
			e = b
		}
		c := e.client()
		c.get("/login")
		if r := c.post("/login", wrong); r.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, r.Code)
		}
	}
	for _, e := range []*testEnv{a, b} {
		c := e.client()
		c.get("/login")
		if r := c.post("/login", url.Values{"username": {"viewer"}, "password": {testPassword}}); r.Code != http.StatusTooManyRequests {
			t.Fatalf("right password after %d failures spread over two processes: %d", loginPerUser, r.Code)
		}
	}

	// A form token posted to both processes (a retry through the load
	// balancer) creates one customer.
	staff := a.login("south")
	staff.get("/customers/new")
	form := customerForm(a, "C9", "org_unit_id", a.id("org:GZ"))
	if r := staff.post("/customers", form); r.Code != http.StatusSeeOther {
		t.Fatalf("create on a: %d", r.Code)
	}
	staffB := staff.via(b)
	if r := staffB.post("/customers", form); r.Code != http.StatusSeeOther {
		t.Fatalf("the same post on b: %d", r.Code)
	}
	n := 0
	_ = b.st.View(func(tx *store.Tx) error {
		if _, err := tx.CustomerByCode(store.AdminScope(), "C9"); err == nil {
			n++
		}
		return nil
	})
	if n != 1 {
		t.Fatalf("customer C9: %d", n)
	}
}

// The background jobs run in one process of the two: /readyz says which,
// and when that one stops the other takes over.
func TestSeveralProcessesOneLeader(t *testing.T) {
	a, b := twoProcesses(t)
	const ttl = 600 * time.Millisecond
	for _, e := range []*testEnv{a, b} {
		e.h.lease = e.st.NewLease("workers", e.h.lease.Holder(), ttl)
	}
	role := func(e *testEnv) readiness {
		t.Helper()
		r := e.client().get("/readyz")
		var got readiness
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil || r.Code != http.StatusOK || !got.Database.Shared {
			t.Fatalf("readyz: %d %s", r.Code, r.Body)
		}
		return got
	}
	ctxA, stopA := context.WithCancel(context.Background())
	wgA := a.h.StartWorkers(ctxA)
	t.Cleanup(func() { stopA(); wgA.Wait() })
	waitFor := func(e *testEnv, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * ttl)
		for role(e).Workers.Role != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s never became %s: %+v", e.h.lease.Holder(), want, role(e).Workers)
			}
			time.Sleep(ttl / 20)
		}
	}
	waitFor(a, "leader")
	ctxB, stopB := context.WithCancel(context.Background())
	wgB := b.h.StartWorkers(ctxB)
	t.Cleanup(func() { stopB(); wgB.Wait() })
	// b keeps trying for a few renewals of a's lease: it stays follower.
	for end := time.Now().Add(2 * ttl); time.Now().Before(end); time.Sleep(ttl / 10) {
		if ra, rb := role(a), role(b); rb.Workers.Role != "follower" || ra.Workers.Role != "leader" {
			t.Fatalf("a %s, b %s", ra.Workers.Role, rb.Workers.Role)
		}
	}
	if got := role(b).Workers; got.Holder != a.h.lease.Holder() {
		t.Fatalf("b sees holder %q, want %q", got.Holder, a.h.lease.Holder())
	}
	stopA()
	wgA.Wait()
	waitFor(b, "leader")
	if got := role(b).Workers; got.Holder != b.h.lease.Holder() || got.Term < 2 {
		t.Fatalf("after the hand-over: %+v", got)
	}
}
