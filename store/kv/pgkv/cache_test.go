package pgkv_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"dealerportal/store/kv"
	"dealerportal/store/kv/pgkv"
	"dealerportal/store/kv/pgtest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// openOn opens a handle on schema with a read cache of cacheBytes (0: the
// default, negative: none), closed when the test ends.
func openOn(t *testing.T, schema string, cacheBytes int64) *pgkv.DB {
	t.Helper()
	db, err := pgkv.Open(context.Background(), pgtest.URL(t), &pgkv.Options{Schema: schema, CacheBytes: cacheBytes, MaxAttempts: 50})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func update(t *testing.T, db kv.DB, fn func(tx kv.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// readAll reads buckets p, q and r every way a transaction reads: Get,
// cursors (forward, Seek, backward), ScanPrefixes, Prefetch and
// PrefetchKeys; the text shows what it read.
func readAll(tx kv.Tx) string {
	var sb strings.Builder
	if tp, ok := tx.(kv.TxPrefetcher); ok {
		tp.PrefetchKeys([]kv.BucketKey{{Bucket: []byte("p"), Key: []byte("k05")}, {Bucket: []byte("q"), Key: []byte("x")},
			{Bucket: []byte("p"), Key: []byte("k07")}})
	}
	for _, name := range []string{"p", "q", "r"} {
		b := tx.Bucket([]byte(name))
		if b == nil {
			fmt.Fprintf(&sb, "%s: none\n", name)
			continue
		}
		if pf, ok := b.(kv.Prefetcher); ok {
			pf.Prefetch([][]byte{[]byte("k09"), []byte("k10"), []byte("k11")})
		}
		fmt.Fprintf(&sb, "%s: get", name)
		for _, k := range []string{"k01", "k02", "k05", "k07", "k09", "k10", "k11", "x", "a"} {
			fmt.Fprintf(&sb, " %s=%q", k, b.Get([]byte(k)))
		}
		sb.WriteString("\n  forward")
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			fmt.Fprintf(&sb, " %s=%s", k, v)
		}
		sb.WriteString("\n  seek")
		k, v := c.Seek([]byte("k03"))
		fmt.Fprintf(&sb, " %s=%s", k, v)
		k, v = c.Prev()
		fmt.Fprintf(&sb, " prev %s=%s", k, v)
		sb.WriteString("\n  backward")
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			fmt.Fprintf(&sb, " %s=%s", k, v)
		}
		if ps, ok := b.(kv.PrefixScanner); ok {
			sb.WriteString("\n  prefixes")
			err := ps.ScanPrefixes([][]byte{[]byte("k1"), []byte("x"), []byte("k0")}, func(i int, k, v []byte) error {
				fmt.Fprintf(&sb, " %d:%s=%s", i, k, v)
				return nil
			})
			if err != nil {
				fmt.Fprintf(&sb, " error %v", err)
			}
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

// readView reads in a View. A View that read a bucket another process
// deleted meanwhile fails with a serialization failure (the kv contract,
// TestViewStaleNames), as without the cache: it runs once more then.
func readView(t *testing.T, db kv.DB) string {
	t.Helper()
	var s string
	err := db.View(func(tx kv.Tx) error { s = readAll(tx); return nil })
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == "40001" {
		err = db.View(func(tx kv.Tx) error { s = readAll(tx); return nil })
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readUpdate(t *testing.T, db kv.DB) string {
	t.Helper()
	var s string
	update(t, db, func(tx kv.Tx) error { s = readAll(tx); return nil })
	return s
}

func fillP(tx kv.Tx) error {
	b, err := tx.CreateBucketIfNotExists([]byte("p"))
	if err != nil {
		return err
	}
	for i := range 40 { // more than a cursor's first batch
		if err := b.Put(fmt.Appendf(nil, "k%02d", i), fmt.Appendf(nil, "v%d", i)); err != nil {
			return err
		}
	}
	return nil
}

// TestCacheTwoProcesses: process a reads (its cache fills and then
// answers), process b changes keys and buckets, and a's next View and
// next Update read what a process without a cache reads, every way.
func TestCacheTwoProcesses(t *testing.T) {
	schema := pgtest.Schema()
	a, b, oracle := openOn(t, schema, 0), openOn(t, schema, 0), openOn(t, schema, -1)
	update(t, b, fillP)
	changes := []struct {
		name string
		fn   func(tx kv.Tx) error
	}{
		{"put", func(tx kv.Tx) error { return tx.Bucket([]byte("p")).Put([]byte("k01"), []byte("new")) }},
		{"delete", func(tx kv.Tx) error { return tx.Bucket([]byte("p")).Delete([]byte("k05")) }},
		{"put past the first batch", func(tx kv.Tx) error { return tx.Bucket([]byte("p")).Put([]byte("k35"), []byte("new35")) }},
		{"create a bucket", func(tx kv.Tx) error {
			q, err := tx.CreateBucketIfNotExists([]byte("q"))
			if err != nil {
				return err
			}
			return q.Put([]byte("x"), []byte("vx"))
		}},
		{"keys rekeyed", func(tx kv.Tx) error {
			r, err := tx.CreateBucketIfNotExists([]byte("r"))
			if err != nil {
				return err
			}
			return r.Put([]byte("00a"), []byte("va"))
		}},
		{"rekey", func(tx kv.Tx) error {
			_, err := tx.(kv.Rekeyer).CutKeyPrefix([]byte("r"), 3, 2)
			return err
		}},
		{"sequence only", func(tx kv.Tx) error { _, err := tx.Bucket([]byte("p")).NextSequence(); return err }},
		{"delete a bucket", func(tx kv.Tx) error { return tx.DeleteBucket([]byte("q")) }},
		{"bucket created again", func(tx kv.Tx) error {
			if err := tx.DeleteBucket([]byte("p")); err != nil {
				return err
			}
			if err := fillP(tx); err != nil {
				return err
			}
			return tx.Bucket([]byte("p")).Put([]byte("k02"), []byte("again"))
		}},
	}
	var last string
	for i, ch := range changes {
		// a's cache filled, then answering everything.
		if got, want := readView(t, a), readView(t, oracle); got != want {
			t.Fatalf("before %s: a reads\n%s\nwant\n%s", ch.name, got, want)
		}
		before := a.CacheStats()
		readView(t, a)
		after := a.CacheStats()
		if after.Misses != before.Misses || after.Hits <= before.Hits {
			t.Errorf("before %s: a second View missed %d times, hit %d times; want 0 misses", ch.name,
				after.Misses-before.Misses, after.Hits-before.Hits)
		}
		update(t, b, ch.fn)
		want := readView(t, oracle)
		if want == last && ch.name != "sequence only" {
			t.Fatalf("%s changed nothing a reads", ch.name)
		}
		last = want
		first, second := readView, readUpdate
		if i%2 == 1 {
			first, second = readUpdate, readView
		}
		if got := first(t, a); got != want {
			t.Errorf("after %s: a's first transaction reads\n%s\nwant\n%s", ch.name, got, want)
		}
		if got := second(t, a); got != want {
			t.Errorf("after %s: a's second transaction reads\n%s\nwant\n%s", ch.name, got, want)
		}
	}
}

// TestCacheSnapshot: a View that began its transaction before another
// process's commit reads the state before it, whole, even when its
// process's cache already holds the state after it (read by a later View
// of the same process). (Its first read is one the cache cannot answer,
// so it begins there: a View that floats is TestFloatMoved's.)
func TestCacheSnapshot(t *testing.T) {
	schema := pgtest.Schema()
	a, b, oracle := openOn(t, schema, 0), openOn(t, schema, 0), openOn(t, schema, -1)
	update(t, b, fillP)
	update(t, b, func(tx kv.Tx) error {
		q, err := tx.CreateBucketIfNotExists([]byte("q"))
		if err != nil {
			return err
		}
		return q.Put([]byte("x"), []byte("vx"))
	})
	old := readView(t, oracle)
	readView(t, a)
	readView(t, a) // a's cache: the old state
	var inner, outer string
	err := a.View(func(tx kv.Tx) error {
		// The snapshot is taken by the first read, which the cache cannot
		// answer (a key never read).
		if v := tx.Bucket([]byte("q")).Get([]byte("never read")); v != nil {
			t.Errorf("Get never read = %q", v)
		}
		// b changes keys that cursors, Gets and read-aheads all see, in
		// one transaction.
		update(t, b, func(tx kv.Tx) error {
			p := tx.Bucket([]byte("p"))
			for _, k := range []string{"k01", "k07", "k10", "k11", "k20"} {
				if err := p.Put([]byte(k), []byte("new")); err != nil {
					return err
				}
			}
			if err := p.Delete([]byte("k09")); err != nil {
				return err
			}
			return tx.Bucket([]byte("q")).Put([]byte("x"), []byte("newx"))
		})
		// A later View of a fills the cache with the new state.
		inner = readView(t, a)
		readView(t, a)
		outer = readAll(tx)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if outer != old {
		t.Errorf("the View that began before the change reads\n%s\nwant the state before it\n%s", outer, old)
	}
	if want := readView(t, oracle); inner != want || inner == old {
		t.Errorf("the View after the change reads\n%s\nwant\n%s", inner, want)
	}
	if got, want := readView(t, a), readView(t, oracle); got != want {
		t.Errorf("after both: a reads\n%s\nwant\n%s", got, want)
	}
}

// TestCacheOwnWrites: a write transaction reads its own writes over the
// entries its process's cache holds for the bucket, every way, and what
// it read is what the others read after its commit.
func TestCacheOwnWrites(t *testing.T) {
	schema := pgtest.Schema()
	a, b, oracle := openOn(t, schema, 0), openOn(t, schema, 0), openOn(t, schema, -1)
	update(t, a, fillP)
	update(t, a, func(tx kv.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("q")); return err })
	readView(t, a)
	readView(t, a)
	readView(t, b)
	var inside string
	update(t, a, func(tx kv.Tx) error {
		before := readAll(tx) // from the cache
		p := tx.Bucket([]byte("p"))
		for _, k := range []string{"k01", "k10", "k35"} {
			if err := p.Put([]byte(k), []byte("mine")); err != nil {
				return err
			}
		}
		if err := p.Delete([]byte("k05")); err != nil {
			return err
		}
		if err := p.Delete([]byte("k09")); err != nil {
			return err
		}
		if err := tx.Bucket([]byte("q")).Put([]byte("x"), []byte("mine")); err != nil {
			return err
		}
		inside = readAll(tx)
		if inside == before {
			t.Error("the writes are not seen in their transaction")
		}
		return nil
	})
	want := readView(t, oracle)
	if inside != want {
		t.Errorf("the write transaction read\n%s\nits commit shows\n%s", inside, want)
	}
	for name, db := range map[string]*pgkv.DB{"the writing process": a, "the other process": b} {
		if got := readView(t, db); got != want {
			t.Errorf("%s reads after the commit\n%s\nwant\n%s", name, got, want)
		}
	}
}

// kvMetaWgen reads kv_meta.wgen as committed.
func kvMetaWgen(t *testing.T, db *pgkv.DB) int64 {
	t.Helper()
	var w int64
	if err := db.Pool().QueryRow(context.Background(), "SELECT wgen FROM kv_meta").Scan(&w); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestCacheRollback: a write transaction that fails after its writes went
// to the database (a range read flushed them, generations included) moves
// no generation and leaves the caches right; one that runs again after a
// serialization failure moves the generation once, and its writes are
// seen.
func TestCacheRollback(t *testing.T) {
	schema := pgtest.Schema()
	a, b, oracle := openOn(t, schema, 0), openOn(t, schema, 0), openOn(t, schema, -1)
	update(t, a, fillP)
	readView(t, a)
	readView(t, b)
	w0, g0 := kvMetaWgen(t, a), a.CacheStats().Generation
	if w0 == 0 || g0 != w0 {
		t.Fatalf("kv_meta.wgen %d, a's generation %d; want equal, not 0", w0, g0)
	}
	flushThen := func(tx kv.Tx, v string) {
		p := tx.Bucket([]byte("p"))
		if err := p.Put([]byte("k01"), []byte(v)); err != nil {
			t.Fatal(err)
		}
		if k, _ := p.Cursor().First(); string(k) != "k00" { // sends the write
			t.Errorf("first key %q", k)
		}
	}
	boom := errors.New("boom")
	if err := a.Update(func(tx kv.Tx) error { flushThen(tx, "lost"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("failing update: %v", err)
	}
	if w, g := kvMetaWgen(t, a), a.CacheStats().Generation; w != w0 || g != g0 {
		t.Errorf("after a failed update: kv_meta.wgen %d, a's generation %d; want %d, %d", w, g, w0, g0)
	}
	want := readView(t, oracle)
	if strings.Contains(want, "lost") {
		t.Fatal("the failed update's write was committed")
	}
	for _, db := range []*pgkv.DB{a, b} {
		if got := readView(t, db); got != want {
			t.Errorf("after a failed update a process reads\n%s\nwant\n%s", got, want)
		}
	}

	runs := 0
	err := a.UpdateUnbounded(func(tx kv.Tx) error {
		runs++
		flushThen(tx, fmt.Sprint("run", runs))
		if runs == 1 {
			return &pgconn.PgError{Code: "40001", Message: "made up"}
		}
		return nil
	})
	if err != nil || runs != 2 {
		t.Fatalf("update run again: %v, %d runs; want nil, 2", err, runs)
	}
	if w, g := kvMetaWgen(t, a), a.CacheStats().Generation; w != w0+1 || g != w0+1 {
		t.Errorf("after the update run again: kv_meta.wgen %d, a's generation %d; want %d, %d", w, g, w0+1, w0+1)
	}
	want = readView(t, oracle)
	if !strings.Contains(want, `k01="run2"`) {
		t.Fatalf("the second run's write is not there:\n%s", want)
	}
	for _, db := range []*pgkv.DB{a, b} {
		if got := readView(t, db); got != want {
			t.Errorf("after the update run again a process reads\n%s\nwant\n%s", got, want)
		}
	}
}

// TestCacheStaleNamesWrite: a writer opened on stale bucket names (another
// process created a bucket) opens again under the lock and sends its
// writes then — the generations with them: the other process's cache does
// not go on answering with the old value.
func TestCacheStaleNamesWrite(t *testing.T) {
	a, b := twoProcessesWith(t, 0)
	update(t, a, fillP)
	readView(t, a)
	readView(t, b)
	readView(t, b)
	update(t, b, func(tx kv.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("other")); return err })
	update(t, a, func(tx kv.Tx) error { return tx.Bucket([]byte("p")).Put([]byte("k01"), []byte("after")) })
	if got := readView(t, b); !strings.Contains(got, `k01="after"`) {
		t.Errorf("the other process reads\n%s\nwant k01 after", got)
	}
}

// TestCacheBudget: the cache holds at most its budget, dropping the least
// recently used entries, and does not keep a result larger than a
// sixteenth of it.
func TestCacheBudget(t *testing.T) {
	const budget = 64 << 10
	db := openOn(t, pgtest.Schema(), budget)
	val := bytes.Repeat([]byte("v"), 1<<10)
	update(t, db, func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("big"))
		if err != nil {
			return err
		}
		for i := range 200 {
			if err := b.Put(fmt.Appendf(nil, "k%03d", i), val); err != nil {
				return err
			}
		}
		return b.Put([]byte("huge"), bytes.Repeat([]byte("h"), budget/16))
	})
	for range 2 {
		if err := db.View(func(tx kv.Tx) error {
			b := tx.Bucket([]byte("big"))
			for i := range 200 {
				if v := b.Get(fmt.Appendf(nil, "k%03d", i)); !bytes.Equal(v, val) {
					t.Fatalf("Get k%03d: %d bytes", i, len(v))
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if s := db.CacheStats(); s.Bytes > s.Budget || s.Budget != budget || s.Entries == 0 {
			t.Errorf("cache holds %d bytes in %d entries, budget %d; want at most %d", s.Bytes, s.Entries, s.Budget, budget)
		}
	}
	if s := db.CacheStats(); s.Evictions == 0 {
		t.Error("200 KiB read into a 64 KiB cache and nothing was evicted")
	}
	getHuge := func() {
		if err := db.View(func(tx kv.Tx) error {
			if v := tx.Bucket([]byte("big")).Get([]byte("huge")); len(v) != budget/16 {
				t.Errorf("Get huge: %d bytes", len(v))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	getHuge()
	settle(t, db) // the first View's parked COMMIT is sent by then, not counted below
	before := db.CacheStats()
	n := trips(db, getHuge)
	after := db.CacheStats()
	if after.Hits != before.Hits || n != 1 {
		t.Errorf("a value above a sixteenth of the budget: %d hits, %d round trips; want 0 hits, 1 round trip (not kept)", after.Hits-before.Hits, n)
	}
	// A cursor batch past the bound is not kept either.
	walk := func() {
		if err := db.View(func(tx kv.Tx) error {
			n := 0
			c := tx.Bucket([]byte("big")).Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				n++
			}
			if n != 201 {
				t.Errorf("walked %d keys", n)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	walk()
	before = db.CacheStats()
	walk()
	if after := db.CacheStats(); after.Bytes > after.Budget || after.Hits != before.Hits {
		t.Errorf("a walk of batches above a sixteenth of the budget: %d hits, %d bytes held; want 0 hits, at most %d", after.Hits-before.Hits, after.Bytes, after.Budget)
	}
}

// TestRoundTripsWarm: a View whose reads the cache answers costs one round
// trip (its opening, with the generations), parked COMMIT or not; its
// first visit costs what it costs without a cache (TestRoundTripsView); a
// write transaction costs what it costs cold.
func TestRoundTripsWarm(t *testing.T) {
	db := openCountedWith(t, 0)
	cases := []struct {
		name       string
		fn         func(tx kv.Tx) error
		cold, warm uint64
	}{
		{"one Get", viewOneGet(t), 1, 1},
		{"Get and range", viewGetAndRange(t), 2, 1},
		{"read-aheads, prefixes, Seek", func(tx kv.Tx) error {
			tx.(kv.TxPrefetcher).PrefetchKeys([]kv.BucketKey{{Bucket: []byte("b"), Key: []byte("a")}, {Bucket: []byte("s"), Key: []byte("s")}})
			b := tx.Bucket([]byte("b"))
			b.(kv.Prefetcher).Prefetch([][]byte{[]byte("b"), []byte("c")})
			for _, k := range []string{"a", "b", "c"} {
				if v := b.Get([]byte(k)); string(v) != "v"+k {
					t.Errorf("Get %s = %q", k, v)
				}
			}
			n := 0
			_ = b.(kv.PrefixScanner).ScanPrefixes([][]byte{[]byte("a"), []byte("c")}, func(int, []byte, []byte) error { n++; return nil })
			if k, _ := b.Cursor().Seek([]byte("b")); string(k) != "b" || n != 2 {
				t.Errorf("Seek b = %q, %d keys under prefixes", k, n)
			}
			return nil
		}, 4, 1},
	}
	for _, c := range cases {
		for visit, want := range []uint64{c.cold, c.warm, c.warm} {
			settle(t, db)
			if visit == 2 { // a parked connection: its COMMIT goes with the opening
				if err := db.View(func(tx kv.Tx) error { tx.Bucket([]byte("b")).Get([]byte("b")); return nil }); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			if n := trips(db, func() { err = db.View(c.fn) }); n != want || err != nil {
				t.Errorf("%s (visit %d): %d round trips, %v; want %d, nil", c.name, visit+1, n, err, want)
			}
		}
	}
	// A write transaction: the opening alone for a Get the cache answers,
	// then the write with the COMMIT — as cold (the Get with the opening).
	settle(t, db)
	n := trips(db, func() {
		update(t, db, func(tx kv.Tx) error {
			b := tx.Bucket([]byte("s"))
			if v := b.Get([]byte("s")); string(v) != `{"s":1}` {
				t.Errorf("Get s = %q", v)
			}
			return b.Put([]byte("t"), []byte("vt"))
		})
	})
	if n != 2 {
		t.Errorf("write transaction on a warm cache: %d round trips, want 2", n)
	}
	// Its own process's cache follows its commit: the bucket it changed is
	// read again, the other is still answered.
	settle(t, db)
	before := db.CacheStats()
	var err error
	n = trips(db, func() {
		err = db.View(func(tx kv.Tx) error {
			if v := tx.Bucket([]byte("b")).Get([]byte("a")); string(v) != "va" {
				t.Errorf("Get a = %q", v)
			}
			if v := tx.Bucket([]byte("s")).Get([]byte("t")); string(v) != "vt" {
				t.Errorf("Get t = %q", v)
			}
			return nil
		})
	})
	after := db.CacheStats()
	if err != nil || n != 2 || after.Hits-before.Hits != 1 || after.Misses-before.Misses != 1 {
		t.Errorf("View after the process's own write: %v, %d round trips, %d hits, %d misses; want nil, 2, 1, 1",
			err, n, after.Hits-before.Hits, after.Misses-before.Misses)
	}
}

// TestLayoutUpgrade: a database of layout 1 (before the write
// generations) gets the wgen columns, the change feed, no foreign key and layout 3 at Open, and its
// processes' caches follow each other's writes; a program of this version
// refuses a newer layout, as one of layout 1 refuses this one.
func TestLayoutUpgrade(t *testing.T) {
	ctx := context.Background()
	schema := pgtest.Schema()
	conn, err := pgx.Connect(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	sid := pgx.Identifier{schema}.Sanitize()
	_, err = conn.Exec(ctx, `CREATE SCHEMA `+sid+`; SET search_path = `+sid+`;
CREATE TABLE kv_meta (one boolean PRIMARY KEY DEFAULT true CHECK (one), layout integer NOT NULL, gen bigint NOT NULL DEFAULT 0);
INSERT INTO kv_meta (layout) VALUES (1);
CREATE TABLE kv_buckets (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE, seq bigint NOT NULL DEFAULT 0);
CREATE TABLE kv (bucket bigint NOT NULL REFERENCES kv_buckets (id) ON DELETE CASCADE, key bytea NOT NULL, value bytea, doc json,
	PRIMARY KEY (bucket, key), CHECK ((value IS NULL) <> (doc IS NULL)));
INSERT INTO kv_buckets (name) VALUES ('p');
INSERT INTO kv (bucket, key, value) SELECT id, 'k01', 'old' FROM kv_buckets;`)
	if err != nil {
		t.Fatal(err)
	}
	a, b := openOn(t, schema, 0), openOn(t, schema, 0)
	var layout int
	var w int64
	if err := a.Pool().QueryRow(ctx, "SELECT layout, wgen FROM kv_meta").Scan(&layout, &w); err != nil || layout != 3 || w != 0 {
		t.Fatalf("after Open: layout %d, wgen %d, %v; want 3, 0", layout, w, err)
	}
	get := func(db *pgkv.DB) (v string) {
		t.Helper()
		if err := db.View(func(tx kv.Tx) error { v = string(tx.Bucket([]byte("p")).Get([]byte("k01"))); return nil }); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for range 2 {
		if v := get(b); v != "old" {
			t.Fatalf("k01 = %q", v)
		}
	}
	update(t, a, func(tx kv.Tx) error { return tx.Bucket([]byte("p")).Put([]byte("k01"), []byte("new")) })
	if v := get(b); v != "new" {
		t.Errorf("after the other process's write: k01 = %q, want new", v)
	}
	var rows int
	if err := a.Pool().QueryRow(ctx, "SELECT count(*) FROM kv_changes WHERE wgen = 1").Scan(&rows); err != nil || rows != 1 {
		t.Errorf("the write's kv_changes rows: %d, %v; want 1", rows, err)
	}
	var fks int
	if err := a.Pool().QueryRow(ctx, "SELECT count(*) FROM pg_constraint WHERE conrelid = 'kv'::regclass AND contype = 'f'").Scan(&fks); err != nil || fks != 0 {
		t.Errorf("kv's foreign keys after Open: %d, %v; want none", fks, err)
	}
	if _, err := conn.Exec(ctx, "UPDATE kv_meta SET layout = 4"); err != nil {
		t.Fatal(err)
	}
	if db, err := pgkv.Open(ctx, pgtest.URL(t), &pgkv.Options{Schema: schema}); err == nil {
		db.Close()
		t.Error("Open accepted a newer layout")
	}
}

// TestCacheConcurrentTransfers: writers of two processes move amounts
// between two keys while readers of both read them through their caches
// (Gets, a cursor): every transaction sees the same total — no mix of two
// states — and the last reads of both, and of a process without a cache,
// see every transfer.
func TestCacheConcurrentTransfers(t *testing.T) {
	schema := pgtest.Schema()
	a, b, oracle := openOn(t, schema, 0), openOn(t, schema, 0), openOn(t, schema, -1)
	update(t, a, func(tx kv.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte("acct"))
		if err != nil {
			return err
		}
		if err := bk.Put([]byte("x"), []byte("500")); err != nil {
			return err
		}
		return bk.Put([]byte("y"), []byte("500"))
	})
	atoi := func(v []byte) int {
		n := 0
		for _, c := range v {
			n = n*10 + int(c-'0')
		}
		return n
	}
	const transfers = 40
	check := func(tx kv.Tx, how string) error {
		bk := tx.Bucket([]byte("acct"))
		if sum := atoi(bk.Get([]byte("x"))) + atoi(bk.Get([]byte("y"))); sum != 1000 {
			return fmt.Errorf("%s: Gets total %d", how, sum)
		}
		sum := 0
		c := bk.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			sum += atoi(v)
		}
		if sum != 1000 {
			return fmt.Errorf("%s: cursor total %d", how, sum)
		}
		return nil
	}
	errs := make(chan error, 8)
	done := make(chan struct{})
	for i, db := range []*pgkv.DB{a, b} {
		go func() { // writer
			var err error
			for range transfers {
				err = db.Update(func(tx kv.Tx) error {
					if err := check(tx, "writer"); err != nil {
						return err
					}
					// a moves 7 from x to y, b 3 from y to x.
					bk := tx.Bucket([]byte("acct"))
					from, to, amount := []byte("x"), []byte("y"), 7
					if i == 1 {
						from, to, amount = to, from, 3
					}

					if err := bk.Put(from, []byte(strconv.Itoa(atoi(bk.Get(from))-amount))); err != nil {
						return err
					}
					return bk.Put(to, []byte(strconv.Itoa(atoi(bk.Get(to))+amount)))
				})
				if err != nil {
					break
				}
			}
			errs <- err
		}()
		go func() { // reader
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				if err := db.View(func(tx kv.Tx) error { return check(tx, "reader") }); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	close(done)
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	// x: 500 − 40×7 + 40×3.
	for _, db := range []*pgkv.DB{a, b, oracle} {
		if err := db.View(func(tx kv.Tx) error {
			bk := tx.Bucket([]byte("acct"))
			if x, y := string(bk.Get([]byte("x"))), string(bk.Get([]byte("y"))); x != "340" || y != "660" {
				return fmt.Errorf("after the transfers x=%s y=%s, want 340 660", x, y)
			}
			return nil
		}); err != nil {
			t.Error(err)
		}
	}
	if s := a.CacheStats(); s.Hits == 0 {
		t.Error("the readers never hit the cache")
	}
}

// TestViewPanicReleases: a View whose function panics after reading ends
// its transaction: its connection goes back to the pool (Close would wait
// for it for ever otherwise), as bbolt's View rolls back on a panic.
func TestViewPanicReleases(t *testing.T) {
	// Closed only when the connection came back (Close waits for it).
	db, err := pgkv.Open(context.Background(), pgtest.URL(t), &pgkv.Options{Schema: pgtest.Schema()})
	if err != nil {
		t.Fatal(err)
	}
	update(t, db, fillP)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the View's panic did not reach its caller")
			}
		}()
		_ = db.View(func(tx kv.Tx) error {
			tx.Bucket([]byte("p")).Cursor().First()
			panic("in the View")
		})
	}()
	if n := db.Pool().Stat().AcquiredConns(); n != 0 {
		t.Fatalf("%d connections still acquired after the View's panic", n)
	}
	_ = db.Close()
}
