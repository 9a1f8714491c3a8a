package e2e

import (
	"os"
	"testing"

	"dealerportal/store/kv/pgtest"
)

// crashPostgres starts a private PostgreSQL cluster for the crash test
// (store/kv/pgtest: initdb in a temporary folder, a loopback port, never
// the system's cluster), stopped when the test ends, and returns the URL of
// its database. Without PostgreSQL's binaries the test skips, and fails
// under CI=true, which installs them (.ci/run).
func crashPostgres(t *testing.T) string {
	t.Helper()
	url, stop, err := pgtest.Start()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no private PostgreSQL cluster (CI=true): %v", err)
		}
		t.Skipf("no private PostgreSQL cluster: %v (install Debian's postgresql package, or set PGBIN)", err)
	}
	t.Cleanup(stop)
	return url
}
