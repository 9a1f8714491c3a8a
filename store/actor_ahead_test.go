package store

import (
	"testing"

	"dealerportal/model"
	"dealerportal/store/kv"
	"dealerportal/store/kv/pgtest"
)

// actAhead gives its read-ahead the key the replay check reads, so that on
// PostgreSQL the check costs no round trip of its own when the read-ahead
// reads it with the body's keys (the prepared order's submission under the
// writers' lock); a replay returns the first run's id without the body.
func TestActAheadReadsReplayKey(t *testing.T) {
	if !pgtest.Selected() {
		t.Skip("round trips: PORTAL_TEST_BACKEND=postgres")
	}
	s, err := Open(testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	trips := roundTrips(s)
	a := Actor{User: &model.User{ID: 7, Username: "c1.buyer"}, Once: NewFormToken(s.Now())}
	settings := kv.BucketKey{Bucket: bSettings, Key: keyOrdering}
	// checkTrips runs one action with ahead reading withReplay's keys and
	// returns the round trips the replay check made between ahead and body.
	checkTrips := func(a Actor, withReplay bool) (uint64, bool) {
		t.Helper()
		var afterAhead, atBody uint64
		ran := false
		id, err := s.actAhead(a, func(tx *Tx, replay kv.BucketKey) {
			if len(replay.Key) == 0 {
				t.Fatal("no replay key given to the read-ahead")
			}
			keys := []kv.BucketKey{settings, {Bucket: bCustomers, Key: itob(1)}}
			if withReplay {
				keys = append(keys, replay)
			}
			kv.PrefetchKeys(tx.tx, keys)
			afterAhead = trips()
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
