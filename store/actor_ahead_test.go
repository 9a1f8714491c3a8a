package store

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store/kv"
	"dealerportal/store/kv/pgkv"
	"dealerportal/store/kv/pgtest"
)

// pgStoreTrips opens a store on PostgreSQL (closed when the test ends)
// and its round-trip counter; the test is skipped on bbolt.
func pgStoreTrips(t *testing.T) (*Store, func() uint64) {
	t.Helper()
	if !pgtest.Selected() {
		t.Skip("round trips: PORTAL_TEST_BACKEND=postgres")
	}
	s, err := Open(testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, roundTrips(s)
}

// settleStore waits until s's PostgreSQL pool has no connection taken (a
// read transaction's COMMIT parked on one is sent by then: pgtest.Settle).
func settleStore(t *testing.T, s *Store) {
	t.Helper()
	db := s.db
	for {
		u, ok := db.(interface{ Unwrap() kv.DB })
		if !ok {
			break
		}
		db = u.Unwrap()
	}
	pg := db.(*pgkv.DB)
	pgtest.Settle(t, func() int32 { return pg.Pool().Stat().AcquiredConns() })
}

// actAhead gives its read-ahead the key the replay check reads, so that on
// PostgreSQL the check costs no round trip of its own when the read-ahead
// reads it with the body's keys (the prepared order's submission under the
// writers' lock); a replay returns the first run's id without the body.
func TestActAheadReadsReplayKey(t *testing.T) {
	s, trips := pgStoreTrips(t)
	a := Actor{User: &model.User{ID: 7, Username: "c1.buyer"}, Once: NewFormToken(s.Now())}
	settings := kv.BucketKey{Bucket: bSettings, Key: keyOrdering}
	// checkTrips runs one action with ahead giving withReplay's keys and
	// returns the round trips the replay check made between the read-ahead
	// and body. ahead reads the keys itself first, to count from after
	// that round trip (actAhead's read of them then finds them read).
	checkTrips := func(a Actor, withReplay bool) (uint64, bool) {
		t.Helper()
		settleStore(t, s) // a parked COMMIT sent meanwhile would count
		var afterAhead, atBody uint64
		ran := false
		id, err := s.actAhead(a, func(tx *Tx, replay kv.BucketKey) []kv.BucketKey {
			if len(replay.Key) == 0 {
				t.Fatal("no replay key given to the read-ahead")
			}
			keys := []kv.BucketKey{settings, {Bucket: bCustomers, Key: itob(1)}}
			if withReplay {
				keys = append(keys, replay)
			}
			kv.PrefetchKeys(tx.tx, keys)
			afterAhead = trips()
			return keys
		}, func(tx *Tx) (uint64, error) {
			atBody, ran = trips(), true
			return 42, nil
		})
		if err != nil || id != 42 {
			t.Fatalf("act: %d %v", id, err)
		}
		if !ran {
			return 0, false
		}
		return atBody - afterAhead, true
	}
	if n, ran := checkTrips(a, true); !ran || n != 0 {
		t.Fatalf("replay check after a read-ahead of its key: %d round trips (ran %v), want 0", n, ran)
	}
	// Control: without the key in the read-ahead the check reads it.
	b := a
	b.Once = NewFormToken(s.Now())
	if n, ran := checkTrips(b, false); !ran || n != 1 {
		t.Fatalf("replay check without the read-ahead: %d round trips (ran %v), want 1", n, ran)
	}
	// A replay answers the first run's id and does not run the body.
	if _, ran := checkTrips(a, true); ran {
		t.Fatal("the replay ran the body again")
	}
}

// In a group commit the read-aheads of all the group's actions are read in
// one round trip before the first action runs (batchAhead), so the actions
// themselves read nothing more: the round trip count does not move from the
// first action's body to the last's. A group is made by holding the commit
// goroutine in a first Batch while the others queue.
func TestBatchAheadReadsTheGroupOnce(t *testing.T) {
	s, trips := pgStoreTrips(t)
	settleStore(t, s)
	hold, held := make(chan struct{}), make(chan struct{})
	go func() {
		_ = s.Batch("holder", func(*Tx) error { close(held); <-hold; return nil })
	}()
	<-held
	const members = 8
	at := make([]uint64, members)
	var wg sync.WaitGroup
	for i := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := Actor{User: &model.User{ID: uint64(10 + i), Username: fmt.Sprintf("d%d", i)}, Once: NewFormToken(s.Now()), Batched: true}
			_, err := s.actAhead(a, func(tx *Tx, replay kv.BucketKey) []kv.BucketKey {
				return []kv.BucketKey{{Bucket: bCustomers, Key: itob(uint64(100 + i))}, {Bucket: bBalances, Key: itob(uint64(100 + i))}, replay}
			}, func(tx *Tx) (uint64, error) {
				tx.b(bCustomers).Get(itob(uint64(100 + i)))
				tx.b(bBalances).Get(itob(uint64(100 + i)))
				at[i] = trips()
				return uint64(i + 1), tx.b(bCustomers).Put(itob(uint64(100+i)), []byte(`{}`))
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	for {
		s.commits.mu.Lock()
		n := len(s.commits.pending)
		s.commits.mu.Unlock()
		if n == members {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(hold)
	wg.Wait()
	if lo, hi := slices.Min(at), slices.Max(at); hi != lo {
		t.Errorf("the group's actions made %d round trips between the first body and the last, want 0", hi-lo)
	}
	if commits, calls := s.CommitStats(); calls != members+1 || commits != 2 {
		t.Errorf("%d commits of %d calls, want 2 of %d: the actions did not run as one group", commits, calls, members+1)
	}
}
