package pgkv_test

import (
	"fmt"
	"strings"
	"testing"

	"dealerportal/store/kv"
	"dealerportal/store/kv/pgtest"
)

// fillCustomers fills bucket d with five keys for each of nine customers,
// c1/01 … c9/05, as the store keys a customer's documents.
func fillCustomers(tx kv.Tx) error {
	d, err := tx.CreateBucketIfNotExists([]byte("d"))
	if err != nil {
		return err
	}
	for c := 1; c <= 9; c++ {
		for i := 1; i <= 5; i++ {
			if err := d.Put(fmt.Appendf(nil, "c%d/%02d", c, i), fmt.Appendf(nil, "v%d.%d", c, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// readC1 reads customer c1's keys of bucket d every way a page does: Gets
// (one absent), a read-ahead, the prefix scan, a Seek walked to the end of
// the prefix (its batch reaches into c2, c3 and c4/01) and the newest key
// found backwards from past the prefix (a batch forward from there to
// c5/01, one backward from c2/01 to the bucket's start).
func readC1(tx kv.Tx) string {
	var sb strings.Builder
	d := tx.Bucket([]byte("d"))
	if pf, ok := d.(kv.Prefetcher); ok {
		pf.Prefetch([][]byte{[]byte("c1/04"), []byte("c1/05")})
	}
	for _, k := range []string{"c1/03", "c1/04", "c1/05", "c1/99"} {
		fmt.Fprintf(&sb, "%s=%q ", k, d.Get([]byte(k)))
	}
	c := d.Cursor()
	sb.WriteString("\n seek")
	for k, v := c.Seek([]byte("c1/")); k != nil && strings.HasPrefix(string(k), "c1/"); k, v = c.Next() {
		fmt.Fprintf(&sb, " %s=%s", k, v)
	}
	sb.WriteString("\n last")
	c = d.Cursor() // its own batches: forward from past the prefix, then backward
	if k, _ := c.Seek([]byte("c1/\xff")); k != nil {
		k, v := c.Prev()
		fmt.Fprintf(&sb, " %s=%s", k, v)
	}
	sb.WriteString("\n prefix")
	_ = d.(kv.PrefixScanner).ScanPrefixes([][]byte{[]byte("c1/")}, func(_ int, k, v []byte) error {
		fmt.Fprintf(&sb, " %s=%s", k, v)
		return nil
	})
	return sb.String()
}

// TestCacheKeyRanges: process a's cached reads of one customer's keys
// keep answering after process b changes other customers' keys of the same
// bucket — the change feed shows the changes fell outside what they read —
// and miss when b changes a key inside a read's range, including a key a
// writer changed after it had already sent a batch, and after more writes
// than the feed window (the log starts again). Every read equals a process
// without a cache.
func TestCacheKeyRanges(t *testing.T) {
	schema := pgtest.Schema()
	a, b, oracle := openOn(t, schema, 0), openOn(t, schema, 0), openOn(t, schema, -1)
	update(t, b, fillCustomers)
	view := func(db kv.DB) string {
		t.Helper()
		var s string
		if err := db.View(func(tx kv.Tx) error { s = readC1(tx); return nil }); err != nil {
			t.Fatal(err)
		}
		return s
	}
	put := func(keys ...string) func(tx kv.Tx) error {
		return func(tx kv.Tx) error {
			d := tx.Bucket([]byte("d"))
			for _, k := range keys {
				if err := d.Put([]byte(k), []byte("new "+k)); err != nil {
					return err
				}
			}
			return nil
		}
	}
	steps := []struct {
		name string
		fn   func(tx kv.Tx) error
		miss bool // a's next View must miss
	}{
		{"another customer's key", put("c7/03"), false},
		{"other customers' keys, one added, one deleted", func(tx kv.Tx) error {
			d := tx.Bucket([]byte("d"))
			if err := d.Put([]byte("c8/06"), []byte("v")); err != nil {
				return err
			}
			return d.Delete([]byte("c6/01"))
		}, false},
		{"the customer's key", put("c1/03"), true},
		{"a key the forward batch read past the prefix", put("c3/02"), true},
		{"a key between the prefix and the backward batch's start", put("c1/50"), true},
		{"a key sent after the writer's first batch", func(tx kv.Tx) error {
			d := tx.Bucket([]byte("d"))
			if err := d.Put([]byte("c9/01"), []byte("first batch")); err != nil {
				return err
			}
			// A range read sends the buffered write first.
			if k, _ := d.Cursor().Seek([]byte("c9/")); k == nil {
				return fmt.Errorf("c9/ has no key")
			}
			return d.Put([]byte("c1/04"), []byte("second batch"))
		}, true},
		{"a new key in the customer's range", put("c1/06"), true},
		{"another customer's key after the customer's", put("c5/05"), false},
	}
	for _, st := range steps {
		view(a)
		s0 := a.CacheStats()
		if got, want := view(a), view(oracle); got != want {
			t.Fatalf("before %s: a reads\n%s\nwant\n%s", st.name, got, want)
		}
		if s1 := a.CacheStats(); s1.Misses != s0.Misses {
			t.Fatalf("before %s: a warm View missed %d times", st.name, s1.Misses-s0.Misses)
		}
		update(t, b, st.fn)
		want := view(oracle)
		s1 := a.CacheStats()
		if got := view(a); got != want {
			t.Errorf("after %s: a reads\n%s\nwant\n%s", st.name, got, want)
		}
		s2 := a.CacheStats()
		if missed := s2.Misses - s1.Misses; (missed > 0) != st.miss {
			t.Errorf("after %s: a's View missed %d times, hit %d times; want misses: %v", st.name, missed, s2.Hits-s1.Hits, st.miss)
		}
	}

	// More writes than the window: a's log starts again at its next
	// snapshot, so its entries answer again only once read anew.
	view(a)
	for i := range 1100 {
		update(t, b, put(fmt.Sprintf("c9/%03d", 100+i%50)))
	}
	s1 := a.CacheStats()
	if got, want := view(a), view(oracle); got != want {
		t.Errorf("after the window: a reads\n%s\nwant\n%s", got, want)
	}
	if s2 := a.CacheStats(); s2.Misses == s1.Misses {
		t.Error("after more writes than the window a's View missed nothing")
	}
	update(t, b, put("c8/01"))
	s1 = a.CacheStats()
	if got, want := view(a), view(oracle); got != want {
		t.Errorf("after the window and one write: a reads\n%s\nwant\n%s", got, want)
	}
	if s2 := a.CacheStats(); s2.Misses != s1.Misses {
		t.Errorf("after the window and another customer's write: a's View missed %d times", s2.Misses-s1.Misses)
	}

	// The writers prune the feed: at most changesKeep generations and a
	// batch of pruneEvery are kept.
	var rows, oldest, newest int64
	err := a.Pool().QueryRow(t.Context(), "SELECT count(DISTINCT wgen), min(wgen), max(wgen) FROM kv_changes").Scan(&rows, &oldest, &newest)
	if err != nil {
		t.Fatal(err)
	}
	if newest-oldest >= 1024+64 || rows != newest-oldest+1 {
		t.Errorf("kv_changes holds %d generations, %d to %d; want every generation of at most the last 1,088", rows, oldest, newest)
	}

	// A change made by hand as docs/POSTGRES.md says (the generations
	// moved, no kv_changes row), then one by a portal: a's log has a hole,
	// and the entries of the changed bucket miss.
	view(a)
	_, err = a.Pool().Exec(t.Context(), `BEGIN;
		SELECT wgen FROM kv_meta FOR NO KEY UPDATE;
		UPDATE kv SET value = 'by hand' WHERE bucket = (SELECT id FROM kv_buckets WHERE name = 'd') AND key = 'c1/02';
		UPDATE kv_meta SET wgen = wgen + 1;
		UPDATE kv_buckets SET wgen = (SELECT wgen FROM kv_meta) WHERE name = 'd';
		COMMIT`)
	if err != nil {
		t.Fatal(err)
	}
	update(t, b, put("c8/02")) // a row for the next generation, none for the hand's
	if got, want := view(a), view(oracle); got != want || !strings.Contains(got, "by hand") {
		t.Errorf("after a change by hand: a reads\n%s\nwant\n%s", got, want)
	}
}
