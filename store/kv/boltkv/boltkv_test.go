package boltkv_test

import (
	"path/filepath"
	"testing"

	"dealerportal/store/kv"
	"dealerportal/store/kv/boltkv"
	"dealerportal/store/kv/kvtest"
)

// OpenTemp opens a new bbolt file in t's temp dir, closed at the end.
func openTemp(t *testing.T) kv.DB {
	t.Helper()
	db, err := boltkv.Open(filepath.Join(t.TempDir(), "kv.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	kvtest.Run(t, kvtest.Backend{Open: openTemp})
}
