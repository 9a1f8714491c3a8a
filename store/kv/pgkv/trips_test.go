package pgkv_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"dealerportal/store/kv"
	"dealerportal/store/kv/boltkv"
	"dealerportal/store/kv/pgkv"
	"dealerportal/store/kv/pgtest"

	"github.com/jackc/pgx/v5/pgconn"
)

// openCounted opens a new schema with serial writers and fills bucket "b"
// with keys a, b, c and bucket "s" with key s. The read cache is off: the
// round trips counted here are the cold path's (cache_test.go counts the
// warm one).
func openCounted(t *testing.T) *pgkv.DB {
	t.Helper()
	return openCountedWith(t, -1)
}

// openCountedWith is openCounted with a read cache of cacheBytes.
func openCountedWith(t *testing.T, cacheBytes int64) *pgkv.DB {
	t.Helper()
	db, err := pgkv.Open(context.Background(), pgtest.URL(t), &pgkv.Options{Schema: pgtest.Schema(), CacheBytes: cacheBytes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	err = db.Update(func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("b"))
		if err != nil {
			return err
		}
		s, err := tx.CreateBucketIfNotExists([]byte("s"))
		if err != nil {
			return err
		}
		for _, k := range []string{"a", "b", "c"} {
			if err := b.Put([]byte(k), []byte("v"+k)); err != nil {
				return err
			}
		}
		return s.Put([]byte("s"), []byte(`{"s":1}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	// The bucket-name cache: loaded by the first transaction after the
	// buckets' creation.
	if err := db.View(func(kv.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx kv.Tx) error { tx.Bucket([]byte("b")); return nil }); err != nil {
		t.Fatal(err)
	}
	settle(t, db)
	return db
}

// settle waits until no read-only transaction's connection is parked
// (their COMMIT sent by the sweep), so that the round trips counted next
// are the transaction's own.
func settle(t *testing.T, db *pgkv.DB) {
	t.Helper()
	pgtest.Settle(t, func() int32 { return db.Pool().Stat().AcquiredConns() })
}

// trips returns how many round trips fn made.
func trips(db *pgkv.DB, fn func()) uint64 {
	n := db.RoundTrips()
	fn()
	return db.RoundTrips() - n
}

// TestRoundTripsSerialWriter: a write transaction's BEGIN reads the
// sequences with the writers' lock, so NextSequence costs no round trip;
// a key read before the transaction's first write is not read again.
func TestRoundTripsSerialWriter(t *testing.T) {
	db := openCounted(t)
	var seqs []uint64
	n := trips(db, func() {
		err := db.Update(func(tx kv.Tx) error {
			b := tx.Bucket([]byte("b"))
			if v := b.Get([]byte("a")); string(v) != "va" {
				t.Errorf("Get a = %q", v)
			}
			if err := b.Put([]byte("x"), []byte("vx")); err != nil {
				return err
			}
			if v := b.Get([]byte("a")); string(v) != "va" {
				t.Errorf("Get a after a write = %q", v)
			}
			for range 3 {
				s, err := b.NextSequence()
				if err != nil {
					return err
				}
				seqs = append(seqs, s)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	// The opening (BEGIN, the lock, the sequences) with the Get, then the
	// writes with the COMMIT.
	if n != 2 {
		t.Errorf("write transaction: %d round trips, want 2", n)
	}
	if want := []uint64{1, 2, 3}; !slices.Equal(seqs, want) {
		t.Errorf("sequences %v, want %v", seqs, want)
	}
	// The sequence was written with the commit and goes on from there.
	err := db.Update(func(tx kv.Tx) error {
		b := tx.Bucket([]byte("b"))
		if b.Sequence() != 3 {
			t.Errorf("Sequence after commit = %d, want 3", b.Sequence())
		}
		s, err := b.NextSequence()
		if s != 4 {
			t.Errorf("NextSequence = %d, want 4", s)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestParkedCommit: a View's COMMIT goes with the next transaction's
// BEGIN, and a parked connection is committed and returned to the pool
// soon when no transaction comes.
func TestParkedCommit(t *testing.T) {
	db := openCounted(t)
	view := func() {
		err := db.View(func(tx kv.Tx) error {
			if v := tx.Bucket([]byte("b")).Get([]byte("b")); string(v) != "vb" {
				t.Errorf("Get b = %q", v)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := trips(db, view); n != 1 { // BEGIN with the Get; the COMMIT waits
		t.Errorf("first View: %d round trips, want 1", n)
	}
	if n := db.Pool().Stat().AcquiredConns(); n != 1 {
		t.Errorf("%d connections taken after a View, want 1 (parked)", n)
	}
	if n := trips(db, view); n != 1 { // COMMIT, BEGIN and the Get
		t.Errorf("second View: %d round trips, want 1", n)
	}
	// A writer takes the parked connection too, and its data is committed.
	err := db.Update(func(tx kv.Tx) error { return tx.Bucket([]byte("b")).Put([]byte("b"), []byte("vb2")) })
	if err != nil {
		t.Fatal(err)
	}
	view2 := func() {
		_ = db.View(func(tx kv.Tx) error {
			if v := tx.Bucket([]byte("b")).Get([]byte("b")); string(v) != "vb2" {
				t.Errorf("Get b after the update = %q", v)
			}
			return nil
		})
	}
	view2()
	swept := pgkv.ParkedCommits(db)
	if n := trips(db, func() { settle(t, db) }); n != 0 {
		t.Errorf("sweep: %d round trips counted, want 0 (no transaction waits for it)", n)
	}
	if n := pgkv.ParkedCommits(db) - swept; n != 1 {
		t.Errorf("sweep: %d parked COMMITs sent, want 1", n)
	}
	// Another pool sees no transaction left open by this one.
	var open int
	other, err := pgkv.Open(context.Background(), pgtest.URL(t), &pgkv.Options{Schema: "public"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	err = other.Pool().QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE state LIKE 'idle in transaction%' AND application_name = 'dealer portal' AND pid <> pg_backend_pid()
		AND backend_xmin IS NOT NULL AND xact_start < now() - interval '1 second'`).Scan(&open)
	if err != nil {
		t.Fatal(err)
	}
	if open != 0 {
		t.Errorf("%d transactions idle for over a second", open)
	}
}

// TestPrefetchKeys: one round trip reads keys of several buckets; Gets
// then answer from it with the same values as without, including the
// transaction's own writes, missing keys and a missing bucket.
func TestPrefetchKeys(t *testing.T) {
	db := openCounted(t)
	keys := []kv.BucketKey{
		{Bucket: []byte("b"), Key: []byte("a")},
		{Bucket: []byte("b"), Key: []byte("c")},
		{Bucket: []byte("b"), Key: []byte("x")}, // written below
		{Bucket: []byte("b"), Key: []byte("missing")},
		{Bucket: []byte("s"), Key: []byte("s")},
		{Bucket: []byte("nobucket"), Key: []byte("a")},
	}
	want := map[string]string{"b/a": "va", "b/c": "vc", "b/x": "new", "s/s": `{"s":1}`}
	err := db.Update(func(tx kv.Tx) error {
		tx.Bucket([]byte("nobucket")) // the writer's opening: names confirmed
		if err := tx.Bucket([]byte("b")).Put([]byte("x"), []byte("new")); err != nil {
			return err
		}
		if n := trips(db, func() { kv.PrefetchKeys(tx, keys) }); n != 1 {
			t.Errorf("PrefetchKeys: %d round trips, want 1", n)
		}
		n := trips(db, func() {
			for _, k := range keys {
				b := tx.Bucket(k.Bucket)
				if b == nil {
					if string(k.Bucket) != "nobucket" {
						t.Errorf("bucket %s missing", k.Bucket)
					}
					continue
				}
				got := b.Get(k.Key)
				w, ok := want[string(k.Bucket)+"/"+string(k.Key)]
				if (got != nil) != ok || !bytes.Equal(got, []byte(w)) {
					t.Errorf("Get %s/%s = %q, want %q (%v)", k.Bucket, k.Key, got, w, ok)
				}
			}
		})
		if n != 0 {
			t.Errorf("Gets after PrefetchKeys: %d round trips, want 0", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCountPrefix: one statement counts the committed keys under a prefix
// up to a limit, as the View with a cursor does on bbolt.
func TestCountPrefix(t *testing.T) {
	pg := openCounted(t)
	bolt, err := boltkv.Open(filepath.Join(t.TempDir(), "b.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	for _, db := range []kv.DB{pg, bolt} {
		err := db.Update(func(tx kv.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("p"))
			if err != nil {
				return err
			}
			for _, k := range []string{"o", "p1", "p2", "p3", "q", "\xff", "\xff\xff"} {
				if err := b.Put([]byte(k), nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	settle(t, pg)
	for _, c := range []struct {
		bucket, prefix string
		limit, want    int
	}{
		{"p", "p", 10, 3}, {"p", "p", 2, 2}, {"p", "p", 0, 0}, {"p", "", 100, 7}, {"p", "\xff", 10, 2},
		{"p", "r", 10, 0}, {"nobucket", "p", 10, 0},
	} {
		for i, db := range []kv.DB{pg, bolt} {
			var got int
			n := trips(pg, func() { got, err = kv.CountPrefix(db, []byte(c.bucket), []byte(c.prefix), c.limit) })
			if err != nil || got != c.want {
				t.Errorf("backend %d: CountPrefix(%q, %q, %d) = %d, %v; want %d", i, c.bucket, c.prefix, c.limit, got, err, c.want)
			}
			if i == 0 && n != 1 && c.limit > 0 {
				t.Errorf("CountPrefix: %d round trips, want 1", n)
			}
		}
	}
}

// twoProcesses opens two handles on one new schema, as two portal
// processes on one database; they close when the test ends. Their read
// caches are off (the cold path's round trips are counted).
func twoProcesses(t *testing.T) (*pgkv.DB, *pgkv.DB) {
	t.Helper()
	return twoProcessesWith(t, -1)
}

// twoProcessesWith is twoProcesses with read caches of cacheBytes.
func twoProcessesWith(t *testing.T, cacheBytes int64) (*pgkv.DB, *pgkv.DB) {
	t.Helper()
	schema := pgtest.Schema()
	var dbs [2]*pgkv.DB
	for i := range dbs {
		db, err := pgkv.Open(context.Background(), pgtest.URL(t), &pgkv.Options{Schema: schema, CacheBytes: cacheBytes})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		dbs[i] = db
	}
	return dbs[0], dbs[1]
}

// TestWriterStaleNames: a serial writer opens with its first statement,
// built on the process's cached bucket names. When another process created
// a bucket meanwhile, the names are read again under the lock and the
// function goes on (it ran once); when a bucket the function was given is
// gone, the function runs again and sees it gone.
func TestWriterStaleNames(t *testing.T) {
	a, b := twoProcesses(t)
	create := func(db *pgkv.DB, name string) {
		t.Helper()
		if err := db.Update(func(tx kv.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte(name))
			if err != nil {
				return err
			}
			return bk.Put([]byte("k"), []byte("v"))
		}); err != nil {
			t.Fatal(err)
		}
	}
	create(a, "b")
	// a's cache: the names with "b".
	for range 2 {
		if err := a.View(func(tx kv.Tx) error { tx.Bucket([]byte("b")).Get([]byte("k")); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	create(b, "other") // a's cached names are now one generation behind

	settle(t, a)
	runs := 0
	var err error
	n := trips(a, func() {
		err = a.Update(func(tx kv.Tx) error {
			runs++
			bk := tx.Bucket([]byte("b"))
			if v := bk.Get([]byte("k")); string(v) != "v" {
				t.Errorf("Get k = %q", v)
			}
			return bk.Put([]byte("k2"), []byte("v2"))
		})
	})
	if err != nil || runs != 1 {
		t.Fatalf("update after another process's new bucket: %v, %d runs; want nil, 1", err, runs)
	}
	// The opening with the Get (refused by the check), the opening again
	// with the names, the Get, the write with the COMMIT.
	if n != 4 {
		t.Errorf("update after another process's new bucket: %d round trips, want 4", n)
	}
	if err := b.View(func(tx kv.Tx) error {
		if v := tx.Bucket([]byte("b")).Get([]byte("k2")); string(v) != "v2" {
			t.Errorf("the other process reads k2 = %q", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	if err := b.Update(func(tx kv.Tx) error { return tx.DeleteBucket([]byte("b")) }); err != nil {
		t.Fatal(err)
	}
	runs = 0
	var seen []bool
	err = a.Update(func(tx kv.Tx) error {
		runs++
		bk := tx.Bucket([]byte("b"))
		seen = append(seen, bk != nil)
		if bk != nil {
			bk.Get([]byte("k"))
		}
		return nil
	})
	if err != nil || runs != 2 || !seen[0] || seen[1] {
		t.Errorf("update after another process deleted its bucket: %v, %d runs, bucket seen %v; want nil, 2, [true false]", err, runs, seen)
	}
}

// TestRoundTripsView: a View's opening goes with its first statement, so a
// View costs the round trips of its statements only, and a View that reads
// nothing sends nothing; one that only asks for a bucket confirms the
// cached names in one.
func TestRoundTripsView(t *testing.T) {
	db := openCounted(t)
	cases := []struct {
		name string
		fn   func(tx kv.Tx) error
		want uint64
	}{
		{"empty", func(kv.Tx) error { return nil }, 0},
		{"bucket only", func(tx kv.Tx) error {
			if tx.Bucket([]byte("b")) == nil {
				t.Error("bucket b not seen")
			}
			return nil
		}, 1},
		{"one Get", viewOneGet(t), 1},
		{"Get and range", viewGetAndRange(t), 2},
		{"missing bucket", func(tx kv.Tx) error {
			if tx.Bucket([]byte("none")) != nil {
				t.Error("bucket none seen")
			}
			return nil
		}, 1},
	}
	for _, c := range cases {
		for _, parked := range []bool{false, true} {
			settle(t, db)
			if parked {
				if err := db.View(func(tx kv.Tx) error { tx.Bucket([]byte("b")).Get([]byte("b")); return nil }); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			if n := trips(db, func() { err = db.View(c.fn) }); n != c.want || err != nil {
				t.Errorf("%s (parked connection %v): %d round trips, %v; want %d, nil", c.name, parked, n, err, c.want)
			}
		}
	}
	settle(t, db)
	if n := db.Pool().Stat().AcquiredConns(); n != 0 {
		t.Errorf("%d connections taken after the Views settled", n)
	}
}

// viewOneGet is a View's function that reads one key of openCounted's
// data; viewGetAndRange one that reads a key of one bucket and walks the
// other (round-trip tables, cold and warm).
func viewOneGet(t *testing.T) func(tx kv.Tx) error {
	return func(tx kv.Tx) error {
		if v := tx.Bucket([]byte("b")).Get([]byte("a")); string(v) != "va" {
			t.Errorf("Get a = %q", v)
		}
		return nil
	}
}

func viewGetAndRange(t *testing.T) func(tx kv.Tx) error {
	return func(tx kv.Tx) error {
		if v := tx.Bucket([]byte("s")).Get([]byte("s")); string(v) != `{"s":1}` {
			t.Errorf("Get s = %q", v)
		}
		var keys []string
		c := tx.Bucket([]byte("b")).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			keys = append(keys, string(k))
		}
		if fmt.Sprint(keys) != "[a b c]" {
			t.Errorf("keys %v", keys)
		}
		return nil
	}
}

// TestViewStaleNames: a View opens on the process's cached bucket names and
// checks them with its first statement. After another process created a
// bucket, the names are read again in the View's snapshot and the View
// goes on (once, right values); after it deleted the bucket a View only
// asked for, the View runs again and sees it gone; after it deleted and
// created again a bucket a View reads, the read goes to the new bucket;
// after it deleted a bucket a View reads, the View fails with a
// serialization failure rather than read a bucket that is not there.
func TestViewStaleNames(t *testing.T) {
	a, b := twoProcesses(t)
	update := func(db *pgkv.DB, fn func(tx kv.Tx) error) {
		t.Helper()
		if err := db.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	create := func(name string) func(tx kv.Tx) error {
		return func(tx kv.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte(name))
			if err != nil {
				return err
			}
			return bk.Put([]byte("k"), []byte("v"+name))
		}
	}
	update(a, create("b"))
	update(a, create("c"))
	for range 2 { // a's cache: the names with b and c
		if err := a.View(func(tx kv.Tx) error { tx.Bucket([]byte("b")).Get([]byte("k")); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	update(b, create("other"))
	settle(t, a)
	runs := 0
	var err error
	n := trips(a, func() {
		err = a.View(func(tx kv.Tx) error {
			runs++
			if v := tx.Bucket([]byte("b")).Get([]byte("k")); string(v) != "vb" {
				t.Errorf("Get k = %q", v)
			}
			if v := tx.Bucket([]byte("other")).Get([]byte("k")); string(v) != "vother" {
				t.Errorf("Get other k = %q", v)
			}
			return nil
		})
	})
	// The opening with the Get (names found stale), the names, the Get
	// again, the other Get.
	if err != nil || runs != 1 || n != 4 {
		t.Errorf("view after another process's new bucket: %v, %d runs, %d round trips; want nil, 1, 4", err, runs, n)
	}

	update(b, func(tx kv.Tx) error { return tx.DeleteBucket([]byte("c")) })
	runs = 0
	var seen []bool
	err = a.View(func(tx kv.Tx) error {
		runs++
		seen = append(seen, tx.Bucket([]byte("c")) != nil)
		return nil
	})
	if err != nil || runs != 2 || fmt.Sprint(seen) != "[true false]" {
		t.Errorf("view after another process deleted a bucket: %v, %d runs, bucket seen %v; want nil, 2, [true false]", err, runs, seen)
	}

	warm := func() {
		t.Helper()
		for range 2 {
			if err := a.View(func(tx kv.Tx) error { tx.Bucket([]byte("b")).Get([]byte("k")); return nil }); err != nil {
				t.Fatal(err)
			}
		}
		settle(t, a)
	}
	warm()                           // a's cache: the names without c
	update(b, func(tx kv.Tx) error { // b created again under its name: a new id
		if err := tx.DeleteBucket([]byte("b")); err != nil {
			return err
		}
		return create("b")(tx)
	})
	update(b, func(tx kv.Tx) error { return tx.Bucket([]byte("b")).Put([]byte("k"), []byte("vnew")) })
	runs = 0
	n = trips(a, func() {
		err = a.View(func(tx kv.Tx) error {
			runs++
			bk := tx.Bucket([]byte("b"))
			for range 2 {
				if v := bk.Get([]byte("k")); string(v) != "vnew" {
					t.Errorf("Get k of the bucket created again = %q", v)
				}
			}
			return nil
		})
	})
	// The opening with the Get (old id), the names, the Get with the new
	// id; the second Get answers from the first.
	if err != nil || runs != 1 || n != 3 {
		t.Errorf("view after another process created the bucket again: %v, %d runs, %d round trips; want nil, 1, 3", err, runs, n)
	}

	warm()
	update(b, func(tx kv.Tx) error { return tx.DeleteBucket([]byte("b")) })
	err = a.View(func(tx kv.Tx) error {
		if bk := tx.Bucket([]byte("b")); bk != nil {
			if v := bk.Get([]byte("k")); v != nil {
				t.Errorf("Get k of a deleted bucket = %q", v)
			}
		}
		return nil
	})
	if pe := (*pgconn.PgError)(nil); !errors.As(err, &pe) || pe.Code != "40001" {
		t.Errorf("view reading a bucket another process deleted: %v; want a serialization failure", err)
	}
	if err := a.View(func(tx kv.Tx) error {
		if tx.Bucket([]byte("b")) != nil {
			t.Error("the deleted bucket is still seen")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
