package pgtest

import (
	"os"
	"path/filepath"
	"testing"
)

// The packages whose tests open portal databases (store, handlers, notify,
// webhooks, demo…) run them on the backend the test run selects: bbolt
// files by default, the private cluster with PORTAL_TEST_BACKEND=postgres
// (scripts/test runs them both ways).

// Selected reports whether this test run puts its portal databases on
// PostgreSQL (PORTAL_TEST_BACKEND=postgres) rather than in bbolt files.
func Selected() bool { return os.Getenv("PORTAL_TEST_BACKEND") == "postgres" }

// MainSelected is the TestMain of a package whose tests run on the selected
// backend: Main (the private cluster) when Selected, else the tests alone.
func MainSelected(m *testing.M) {
	if Selected() {
		Main(m)
		return
	}
	os.Exit(m.Run())
}

// DSN is where a test's new portal database lives on the selected backend:
// the file name in a temporary folder of t's, or a schema of its own on
// the private cluster (when there is none, t skips, or fails under
// CI=true: URL). Each call gives a new, empty database.
func DSN(t testing.TB, name string) string {
	t.Helper()
	if Selected() {
		return URL(t) + "&search_path=" + Schema()
	}
	return filepath.Join(t.TempDir(), name)
}
