package notify

import (
	"testing"

	"dealerportal/store/kv/pgtest"
)

// TestMain: the tests' databases are bbolt files, or schemas on a private
// PostgreSQL cluster with PORTAL_TEST_BACKEND=postgres (pgtest.DSN).
func TestMain(m *testing.M) { pgtest.MainSelected(m) }
