package handlers

import (
	"testing"

	"dealerportal/store"
	"dealerportal/store/kv/pgtest"

	"golang.org/x/crypto/bcrypt"
)

// TestMain starts a private PostgreSQL cluster (store/kv/pgtest) when
// PORTAL_TEST_BACKEND=postgres: every test's portal then lives in a schema
// of its own on it (testDSN); otherwise on bbolt files.
func TestMain(m *testing.M) {
	store.BcryptCost = bcrypt.MinCost // once, before any test runs: tests may run in parallel
	pgtest.MainSelected(m)
}

// TestTestEnvBackend: with PORTAL_TEST_BACKEND=postgres the handler tests'
// portal (newTestEnv) really is on PostgreSQL, so that the package runs
// there in the test command; otherwise on a file.
func TestTestEnvBackend(t *testing.T) {
	e := newTestEnv(t)
	if want := onPostgres(); e.st.Postgres() != want {
		t.Fatalf("store on PostgreSQL: %v, want %v", e.st.Postgres(), want)
	}
}
