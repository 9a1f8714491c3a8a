package store

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store/kv"
)

func init() {
	// On PostgreSQL: two Stores on one database, as two portal processes.
	sharedPairs["postgres"] = func(t *testing.T) (*Store, *Store) {
		if testBackend() != "postgres" {
			t.Skip("two processes on one database: PORTAL_TEST_BACKEND=postgres")
		}
		dsn := testDSN(t)
		open := func() *Store {
			s, err := Open(dsn)
			if err != nil {
				t.Fatal(err)
			}
			s.SetClock(func() time.Time { return testNow })
			t.Cleanup(func() { s.Close() })
			return s
		}
		return open(), open()
	}
	// On the embedded file the pair is one store: its part is the bbolt
	// test of the lease's and the versions' logic.
	if testBackend() != "bbolt" {
		delete(sharedPairs, "bolt")
	}
}

// A change committed by one process moves the other's generations at its
// next Sync, and only then: sessions and users (AuthGen), the org tree,
// the settings and the zone.
func TestVersionsAcrossProcesses(t *testing.T) {
	// A test of the process's copies, which the nested-transaction check
	// bypasses (kv/nested.go); no test of this package runs in parallel.
	defer kv.SetNestedCheck(kv.SetNestedCheck(false))
	forPairs(t, func(t *testing.T, a, b *Store) {
		if err := a.Sync(); err != nil {
			t.Fatal(err)
		}
		if a.Settings().EnterpriseName != "Enterprise" || len(a.OrgTree().Flatten()) != 0 {
			t.Fatal("not a new database")
		}
		authGen, orgGen := a.AuthGen(), a.OrgGen()

		// Settings and the zone.
		update(t, b, func(tx *Tx) error {
			s := tx.Settings()
			s.EnterpriseName, s.TimeZone = "Changed elsewhere", "Europe/Berlin"
			return tx.SaveSettings(s)
		})
		if a != b && (a.Settings().EnterpriseName != "Enterprise" || a.Zone().String() != "Asia/Shanghai") {
			t.Fatal("the other process saw the settings before Sync (this test cannot tell)")
		}
		if err := a.Sync(); err != nil {
			t.Fatal(err)
		}
		if got := a.Settings().EnterpriseName; got != "Changed elsewhere" {
			t.Fatalf("settings after Sync: %q", got)
		}
		if got := a.Zone().String(); got != "Europe/Berlin" {
			t.Fatalf("zone after Sync: %q", got)
		}
		if a.AuthGen() != authGen || a.OrgGen() != orgGen {
			t.Fatal("a settings change moved the sign-in or org generations")
		}

		// The org tree.
		update(t, b, func(tx *Tx) error { return tx.SaveOrgUnit(&model.OrgUnit{Code: "HQ", Name: "HQ"}) })
		if err := a.Sync(); err != nil {
			t.Fatal(err)
		}
		if a.OrgGen() == orgGen || len(a.OrgTree().Flatten()) != 1 {
			t.Fatalf("org tree after Sync: gen %d→%d, %d units", orgGen, a.OrgGen(), len(a.OrgTree().Flatten()))
		}

		// A session (a sign-in, a revocation).
		update(t, b, func(tx *Tx) error {
			return tx.SaveSession(&Session{ID: "s1", UserID: 1, ExpiresAt: testNow.Add(time.Hour)})
		})
		if err := a.Sync(); err != nil {
			t.Fatal(err)
		}
		if a.AuthGen() == authGen {
			t.Fatal("AuthGen did not move for a session written elsewhere")
		}
		authGen = a.AuthGen()
		update(t, b, func(tx *Tx) error { return tx.DeleteSession("s1") })
		if err := a.Sync(); err != nil {
			t.Fatal(err)
		}
		if a.AuthGen() == authGen {
			t.Fatal("AuthGen did not move for a session ended elsewhere")
		}

		// Nothing changed: Sync moves nothing.
		authGen, orgGen, setGen := a.AuthGen(), a.OrgGen(), a.settingsGen.Load()
		if err := a.Sync(); err != nil {
			t.Fatal(err)
		}
		if a.AuthGen() != authGen || a.OrgGen() != orgGen || a.settingsGen.Load() != setGen {
			t.Fatal("Sync without a change moved a generation")
		}
		// A process's own change moves its generation once, on commit, and
		// its next Sync does not move it again.
		update(t, a, func(tx *Tx) error {
			return tx.SaveSession(&Session{ID: "s2", UserID: 1, ExpiresAt: testNow.Add(time.Hour)})
		})
		if a.AuthGen() != authGen+1 {
			t.Fatalf("own change: AuthGen %d → %d", authGen, a.AuthGen())
		}
		if err := a.Sync(); err != nil {
			t.Fatal(err)
		}
		if a.AuthGen() != authGen+1 {
			t.Fatalf("Sync after an own change moved AuthGen again: %d", a.AuthGen())
		}
	})
}

// Concurrent requests share the versions read, but each sees every change
// committed before it called Sync.
func TestVersionsSyncConcurrent(t *testing.T) {
	forPairs(t, func(t *testing.T, a, b *Store) {
		for i := range 30 {
			name := fmt.Sprintf("Name %d", i)
			update(t, b, func(tx *Tx) error {
				s := tx.Settings()
				s.EnterpriseName = name
				return tx.SaveSettings(s)
			})
			var wg sync.WaitGroup
			errs := make(chan string, 8)
			for range 8 {
				wg.Go(func() {
					if err := a.Sync(); err != nil {
						errs <- err.Error()
						return
					}
					if got := a.Settings().EnterpriseName; got != name {
						errs <- fmt.Sprintf("round %d: %q", i, got)
					}
				})
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Fatal(e)
			}
		}
	})
}

// The embedded file writes no versions record and Sync reads nothing.
func TestVersionsNotOnTheFile(t *testing.T) {
	onBbolt(t)
	s := openStore(t)
	update(t, s, func(tx *Tx) error {
		return tx.SaveSession(&Session{ID: "s1", UserID: 1, ExpiresAt: testNow.Add(time.Hour)})
	})
	_ = s.View(func(tx *Tx) error {
		if v := tx.b(bMeta).Get(keyVersions); v != nil {
			t.Errorf("versions written on the file: %x", v)
		}
		return nil
	})
	if s.Shared() {
		t.Fatal("a file store is shared")
	}
}

// BenchmarkVersionsSync is what a request pays for Sync: nothing on the
// embedded file, one read of the versions record on PostgreSQL
// (PORTAL_TEST_BACKEND=postgres), shared by concurrent requests
// (parallel).
func BenchmarkVersionsSync(b *testing.B) {
	s := openStore(b)
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if err := s.Sync(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel16", func(b *testing.B) {
		b.SetParallelism(8) // 8 × GOMAXPROCS(2) = 16 concurrent requests
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.Sync(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
