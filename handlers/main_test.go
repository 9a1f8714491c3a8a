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
