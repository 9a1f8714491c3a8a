package handlers

import (
	"os"
	"testing"

	"dealerportal/store/kv/pgtest"
)

// TestMain starts a private PostgreSQL cluster (store/kv/pgtest) for the
// tests of several processes on one database when
// PORTAL_TEST_BACKEND=postgres; the other tests use bbolt files.
func TestMain(m *testing.M) {
	if os.Getenv("PORTAL_TEST_BACKEND") == "postgres" {
		pgtest.Main(m)
		return
	}
	os.Exit(m.Run())
}

// TestTestEnvBackend: with PORTAL_TEST_BACKEND=postgres the handler tests'
// portal (newTestEnv, used by the scope matrices) really is on PostgreSQL,
// so that the matrices run there in the test command; otherwise on a file.
func TestTestEnvBackend(t *testing.T) {
	e := newTestEnv(t)
	if want := os.Getenv("PORTAL_TEST_BACKEND") == "postgres"; e.st.Postgres() != want {
		t.Fatalf("store on PostgreSQL: %v, want %v", e.st.Postgres(), want)
	}
}
