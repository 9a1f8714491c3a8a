// Package kvtest is the conformance suite of the storage seam: every
// backend of package kv runs it (boltkv on a temp file, pgkv on a private
// PostgreSQL cluster), so the store can rely on the contract written in
// kv's package doc and nothing more.
package kvtest

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"dealerportal/store/kv"
)

// Backend describes the implementation under test.
type Backend struct {
	// Open returns a new, empty database, closed at the test's end.
	Open func(t *testing.T) kv.DB
	// ConcurrentWriters: write transactions of different goroutines run
	// at the same time (and may fail with a serialization failure that
	// the backend retries). false for backends whose writers take turns.
	ConcurrentWriters bool
}

// Run runs the suite.
func Run(t *testing.T, be Backend) {
	tests := []struct {
		name string
		fn   func(*testing.T, Backend)
	}{
		{"Ordering", testOrdering},
		{"Seek", testSeek},
		{"Edges", testEdges},
		{"CursorDelete", testCursorDelete},
		{"CursorMoves", testCursorMoves},
		{"Prefetch", testPrefetch},
		{"ScanPrefixes", testScanPrefixes},
		{"PrefixCursor", testPrefixCursor},
		{"Peek", testPeek},
		{"PeekMany", testPeekMany},
		{"OwnWrites", testOwnWrites},
		{"Snapshot", testSnapshot},
		{"Rollback", testRollback},
		{"ReadOnly", testReadOnly},
		{"Buckets", testBuckets},
		{"Keys", testKeys},
		{"Values", testValues},
		{"LargeValues", testLargeValues},
		{"OnCommit", testOnCommit},
		{"Sequences", testSequences},
		{"SequencesConcurrent", testSequencesConcurrent},
		{"Counter", testCounter},
		{"Retry", testRetry},
		{"Batch", testBatch},
		{"Stream", testStream},
		{"Rekey", testRekey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, be) })
	}
}

var bName = []byte("b")

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fill creates bucket b with the given keys, each valued "v:"+key.
func fill(t *testing.T, db kv.DB, name []byte, keys ...string) {
	t.Helper()
	must(t, db.Update(func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(name)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := b.Put([]byte(k), []byte("v:"+k)); err != nil {
				return err
			}
		}
		return nil
	}))
}

func walk(c kv.Cursor, first func() ([]byte, []byte), next func() ([]byte, []byte)) []string {
	var out []string
	for k, v := first(); k != nil; k, v = next() {
		if string(v) != "v:"+string(k) {
			out = append(out, "BAD VALUE "+string(v))
		}
		out = append(out, string(k))
	}
	return out
}

func testOrdering(t *testing.T, be Backend) {
	db := be.Open(t)
	keys := []string{"a", "a\x00", "a\x00\x00", "ab", "b", "\x00", "\x01", "\xff", "\xff\xff", "\x7f", "\x80", "B", "aa"}
	for i := range 300 {
		keys = append(keys, fmt.Sprintf("k%05d", rand.IntN(100000)), string([]byte{byte(i), byte(i >> 8)}))
	}
	shuffled := slices.Clone(keys)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	fill(t, db, bName, shuffled...)
	fill(t, db, []byte("a"), "zz")
	fill(t, db, []byte("c"), "\x00")
	want := slices.Clone(keys)
	slices.Sort(want) // Go compares strings bytewise
	want = slices.Compact(want)
	must(t, db.View(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		c := b.Cursor()
		if got := walk(c, c.First, c.Next); !slices.Equal(got, want) {
			t.Errorf("forward order:\n got %q\nwant %q", got, want)
		}
		rev := slices.Clone(want)
		slices.Reverse(rev)
		if got := walk(c, c.Last, c.Prev); !slices.Equal(got, rev) {
			t.Errorf("backward order:\n got %q\nwant %q", got, rev)
		}
		var fe []string
		_ = b.ForEach(func(k, v []byte) error { fe = append(fe, string(k)); return nil })
		if !slices.Equal(fe, want) {
			t.Errorf("ForEach order: got %q", fe)
		}
		if n := b.Stats().KeyN; n != len(want) {
			t.Errorf("KeyN = %d, want %d", n, len(want))
		}
		var names []string
		_ = tx.ForEach(func(name []byte, _ kv.Bucket) error { names = append(names, string(name)); return nil })
		if !slices.Equal(names, []string{"a", "b", "c"}) {
			t.Errorf("bucket order %q", names)
		}
		return nil
	}))
	// ForEach stops at the first error and returns it.
	stop := errors.New("stop")
	n := 0
	err := db.View(func(tx kv.Tx) error {
		return tx.Bucket(bName).ForEach(func(k, v []byte) error { n++; return stop })
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("ForEach error: %v after %d", err, n)
	}
}

func testSeek(t *testing.T, be Backend) {
	db := be.Open(t)
	fill(t, db, bName, "b", "d", "f")
	fill(t, db, []byte("c"), "a", "z")
	cases := []struct{ seek, want string }{
		{"", "b"}, {"a", "b"}, {"b", "b"}, {"b\x00", "d"}, {"c", "d"}, {"d", "d"}, {"e", "f"}, {"f", "f"}, {"f\x00", ""}, {"g", ""}, {"\xff\xff", ""},
	}
	must(t, db.View(func(tx kv.Tx) error {
		c := tx.Bucket(bName).Cursor()
		for _, tc := range cases {
			k, v := c.Seek([]byte(tc.seek))
			if string(k) != tc.want || (k != nil && string(v) != "v:"+tc.want) || (k == nil && v != nil) {
				t.Errorf("Seek(%q) = %q, %q; want %q", tc.seek, k, v, tc.want)
			}
		}
		// After a seek at or after a key, Next and Prev go on from it.
		c.Seek([]byte("c"))
		if k, _ := c.Next(); string(k) != "f" {
			t.Errorf("Seek(c), Next = %q", k)
		}
		c.Seek([]byte("c"))
		if k, _ := c.Prev(); string(k) != "b" {
			t.Errorf("Seek(c), Prev = %q", k)
		}
		// The store's idiom for "last key before end": Seek past the end
		// gives nil, then Last.
		if k, _ := c.Seek([]byte("g")); k != nil {
			t.Errorf("Seek past end = %q", k)
		}
		if k, _ := c.Last(); string(k) != "f" {
			t.Errorf("Last after a seek past the end = %q", k)
		}
		return nil
	}))
}

func testEdges(t *testing.T, be Backend) {
	db := be.Open(t)
	fill(t, db, []byte("a"), "x", "y", "z")
	fill(t, db, []byte("b"), "m", "n")
	fill(t, db, []byte("c"), "a", "b")
	fill(t, db, []byte("e"))
	must(t, db.View(func(tx kv.Tx) error {
		c := tx.Bucket([]byte("b")).Cursor()
		if k, _ := c.First(); string(k) != "m" {
			t.Errorf("First = %q", k)
		}
		if k, v := c.Prev(); k != nil || v != nil {
			t.Errorf("Prev before first = %q (from the bucket before?)", k)
		}
		if k, _ := c.Last(); string(k) != "n" {
			t.Errorf("Last = %q", k)
		}
		if k, v := c.Next(); k != nil || v != nil {
			t.Errorf("Next after last = %q (from the bucket after?)", k)
		}
		if k, _ := c.Seek([]byte("a")); string(k) != "m" {
			t.Errorf("Seek before first = %q", k)
		}
		if k, _ := c.Seek([]byte("zz")); k != nil {
			t.Errorf("Seek past the last key = %q", k)
		}
		e := tx.Bucket([]byte("e")).Cursor()
		for i, f := range []func() ([]byte, []byte){e.First, e.Last, func() ([]byte, []byte) { return e.Seek(nil) }} {
			if k, v := f(); k != nil || v != nil {
				t.Errorf("empty bucket, move %d = %q", i, k)
			}
		}
		// A walk of more keys than any prefetch batch, both ways.
		return nil
	}))
	var keys []string
	for i := range 2500 {
		keys = append(keys, fmt.Sprintf("%06d", i))
	}
	fill(t, db, []byte("d"), keys...)
	must(t, db.View(func(tx kv.Tx) error {
		c := tx.Bucket([]byte("d")).Cursor()
		if got := walk(c, c.First, c.Next); !slices.Equal(got, keys) {
			t.Errorf("long forward walk: %d keys", len(got))
		}
		rev := slices.Clone(keys)
		slices.Reverse(rev)
		if got := walk(c, c.Last, c.Prev); !slices.Equal(got, rev) {
			t.Errorf("long backward walk: %d keys", len(got))
		}
		// Changing direction in the middle.
		c.Seek([]byte("001000"))
		for range 10 {
			c.Next()
		}
		if k, _ := c.Prev(); string(k) != "001009" {
			t.Errorf("Prev after 10 Next from 001000 = %q", k)
		}
		return nil
	}))
}

func testCursorDelete(t *testing.T, be Backend) {
	db := be.Open(t)
	fill(t, db, bName, "a", "b", "c", "d", "e")
	must(t, db.Update(func(tx kv.Tx) error {
		c := tx.Bucket(bName).Cursor()
		if err := c.Delete(); !errors.Is(err, kv.ErrIncompatibleValue) {
			t.Errorf("Delete on no key = %v", err)
		}
		c.Seek([]byte("b"))
		must(t, c.Delete())
		// The position after a delete is the backend's: reposition.
		if k, _ := c.Seek([]byte("b")); string(k) != "c" {
			t.Errorf("Seek(b) after deleting b = %q", k)
		}
		if k, _ := c.Prev(); string(k) != "a" {
			t.Errorf("Prev after deleting b = %q", k)
		}
		c.Last()
		must(t, c.Delete())
		if k, _ := c.Last(); string(k) != "d" {
			t.Errorf("Last after deleting e = %q", k)
		}
		// Delete every key: seek, delete, seek again.
		for k, _ := c.First(); k != nil; k, _ = c.Seek(k) {
			k = bytes.Clone(k)
			must(t, c.Delete())
		}
		if k, _ := c.First(); k != nil {
			t.Errorf("left after deleting all: %q", k)
		}
		return nil
	}))
	fill(t, db, bName, "x")
	must(t, db.View(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		if n := b.Stats().KeyN; n != 1 {
			t.Errorf("KeyN after deletes = %d", n)
		}
		c := b.Cursor()
		c.First()
		if err := c.Delete(); !errors.Is(err, kv.ErrTxNotWritable) {
			t.Errorf("cursor Delete in View = %v", err)
		}
		return nil
	}))
}

func testOwnWrites(t *testing.T, be Backend) {
	db := be.Open(t)
	var many []string
	for i := range 1000 {
		many = append(many, fmt.Sprintf("m%04d", i))
	}
	fill(t, db, bName, many...)
	must(t, db.Update(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		must(t, b.Put([]byte("a"), []byte("v:a")))
		if v := b.Get([]byte("a")); string(v) != "v:a" {
			t.Errorf("Get of own put = %q", v)
		}
		must(t, b.Put([]byte("a"), []byte("v:a2")))
		if v := b.Get([]byte("a")); string(v) != "v:a2" {
			t.Errorf("Get of own overwrite = %q", v)
		}
		must(t, b.Put([]byte("a"), []byte("v:a")))
		must(t, b.Delete([]byte("m0500")))
		if v := b.Get([]byte("m0500")); v != nil {
			t.Errorf("Get of own delete = %q", v)
		}
		must(t, b.Put([]byte("m0500x"), []byte("v:m0500x")))
		c := b.Cursor()
		k, _ := c.Seek([]byte("m0499"))
		k2, _ := c.Next()
		if string(k) != "m0499" || string(k2) != "m0500x" {
			t.Errorf("cursor over own writes: %q, %q", k, k2)
		}
		if k, _ := c.First(); string(k) != "a" {
			t.Errorf("First sees own put: %q", k)
		}
		// A cursor positioned before a write, repositioned after it.
		c.Seek([]byte("m0700"))
		must(t, b.Put([]byte("m0700a"), []byte("v:m0700a")))
		c.Seek([]byte("m0700"))
		if k, _ := c.Next(); string(k) != "m0700a" {
			t.Errorf("repositioned cursor misses a later put: %q", k)
		}
		// A bucket created in this transaction, read back at once.
		nb, err := tx.CreateBucketIfNotExists([]byte("new"))
		must(t, err)
		must(t, nb.Put([]byte("k"), []byte("v:k")))
		if got := tx.Bucket([]byte("new")); got == nil || string(got.Get([]byte("k"))) != "v:k" {
			t.Errorf("new bucket not visible in its transaction")
		}
		if n := b.Stats().KeyN; n != 1002 {
			t.Errorf("KeyN with own writes = %d, want 1002", n)
		}
		return nil
	}))
	must(t, db.View(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		c := b.Cursor()
		got := walk(c, c.First, c.Next)
		if len(got) != 1002 || got[0] != "a" || !slices.Contains(got, "m0700a") || slices.Contains(got, "m0500") {
			t.Errorf("after commit: %d keys, first %q", len(got), got[0])
		}
		return nil
	}))
}

func testSnapshot(t *testing.T, be Backend) {
	db := be.Open(t)
	// A bbolt writer that must grow the file waits for the open readers
	// (TOOLCHAIN.md): give the file room first, so that the writer below
	// can commit while the read transaction is open.
	var room []string
	for i := range 2000 {
		room = append(room, fmt.Sprintf("room%04d-%0200d", i, 0))
	}
	fill(t, db, []byte("room"), room...)
	must(t, db.Update(func(tx kv.Tx) error { return tx.DeleteBucket([]byte("room")) }))
	fill(t, db, bName, "a")
	read := make(chan struct{})
	written := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-read
		fill(t, db, bName, "b")
		must(t, db.Update(func(tx kv.Tx) error { return tx.Bucket(bName).Delete([]byte("a")) }))
		close(written)
	}()
	must(t, db.View(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		if v := b.Get([]byte("a")); string(v) != "v:a" {
			t.Errorf("before: %q", v)
		}
		close(read)
		<-written
		if v := b.Get([]byte("a")); string(v) != "v:a" {
			t.Errorf("a read transaction sees a later delete: %q", v)
		}
		if v := b.Get([]byte("b")); v != nil {
			t.Errorf("a read transaction sees a later put: %q", v)
		}
		c := b.Cursor()
		if got := walk(c, c.First, c.Next); !slices.Equal(got, []string{"a"}) {
			t.Errorf("a read transaction's cursor sees %q", got)
		}
		return nil
	}))
	wg.Wait()
}

func testRollback(t *testing.T, be Backend) {
	db := be.Open(t)
	fill(t, db, bName, "a")
	boom := errors.New("boom")
	err := db.Update(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		must(t, b.Put([]byte("b"), []byte("v:b")))
		must(t, b.Delete([]byte("a")))
		_, _ = b.NextSequence()
		_, err := tx.CreateBucketIfNotExists([]byte("other"))
		must(t, err)
		return fmt.Errorf("wrapped: %w", boom)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	func() {
		defer func() {
			if r := recover(); r != "panic in fn" {
				t.Errorf("recovered %v", r)
			}
		}()
		_ = db.Update(func(tx kv.Tx) error {
			must(t, tx.Bucket(bName).Put([]byte("c"), []byte("v:c")))
			panic("panic in fn")
		})
	}()
	must(t, db.View(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		c := b.Cursor()
		if got := walk(c, c.First, c.Next); !slices.Equal(got, []string{"a"}) {
			t.Errorf("after rollbacks: %q", got)
		}
		if s := b.Sequence(); s != 0 {
			t.Errorf("sequence after rollback = %d", s)
		}
		if tx.Bucket([]byte("other")) != nil {
			t.Errorf("bucket created in a rolled-back transaction exists")
		}
		return nil
	}))
}

func testReadOnly(t *testing.T, be Backend) {
	db := be.Open(t)
	fill(t, db, bName, "a")
	must(t, db.View(func(tx kv.Tx) error {
		if tx.Writable() {
			t.Error("View's transaction is writable")
		}
		b := tx.Bucket(bName)
		if b.Writable() {
			t.Error("View's bucket is writable")
		}
		if err := b.Put([]byte("x"), nil); !errors.Is(err, kv.ErrTxNotWritable) {
			t.Errorf("Put in View = %v", err)
		}
		if err := b.Delete([]byte("a")); !errors.Is(err, kv.ErrTxNotWritable) {
			t.Errorf("Delete in View = %v", err)
		}
		if _, err := b.NextSequence(); !errors.Is(err, kv.ErrTxNotWritable) {
			t.Errorf("NextSequence in View = %v", err)
		}
		if err := b.SetSequence(3); !errors.Is(err, kv.ErrTxNotWritable) {
			t.Errorf("SetSequence in View = %v", err)
		}
		if _, err := tx.CreateBucketIfNotExists([]byte("n")); !errors.Is(err, kv.ErrTxNotWritable) {
			t.Errorf("CreateBucketIfNotExists in View = %v", err)
		}
		if err := tx.DeleteBucket(bName); !errors.Is(err, kv.ErrTxNotWritable) {
			t.Errorf("DeleteBucket in View = %v", err)
		}
		if tx.Size() <= 0 {
			t.Errorf("Size = %d", tx.Size())
		}
		return nil
	}))
	must(t, db.Update(func(tx kv.Tx) error {
		if !tx.Writable() || !tx.Bucket(bName).Writable() {
			t.Error("Update's transaction is not writable")
		}
		return nil
	}))
}

func testBuckets(t *testing.T, be Backend) {
	db := be.Open(t)
	must(t, db.Update(func(tx kv.Tx) error {
		if tx.Bucket([]byte("missing")) != nil {
			t.Error("a missing bucket is not nil")
		}
		if err := tx.DeleteBucket([]byte("missing")); !errors.Is(err, kv.ErrBucketNotFound) {
			t.Errorf("DeleteBucket(missing) = %v", err)
		}
		for _, name := range [][]byte{nil, {}} {
			if _, err := tx.CreateBucketIfNotExists(name); !errors.Is(err, kv.ErrBucketNameRequired) {
				t.Errorf("CreateBucketIfNotExists(%q) = %v", name, err)
			}
		}
		for _, name := range [][]byte{[]byte("a\x00b"), {0xff, 0xfe}} {
			if _, err := tx.CreateBucketIfNotExists(name); !errors.Is(err, kv.ErrBucketNameInvalid) {
				t.Errorf("CreateBucketIfNotExists(%q) = %v", name, err)
			}
		}
		b, err := tx.CreateBucketIfNotExists([]byte("订单"))
		must(t, err)
		must(t, b.Put([]byte("k"), []byte("v")))
		b2, err := tx.CreateBucketIfNotExists([]byte("订单"))
		must(t, err)
		if v := b2.Get([]byte("k")); string(v) != "v" {
			t.Errorf("CreateBucketIfNotExists of an existing bucket lost its keys: %q", v)
		}
		return nil
	}))
	fill(t, db, bName, "a", "b")
	must(t, db.Update(func(tx kv.Tx) error {
		_, err := tx.Bucket(bName).NextSequence()
		return err
	}))
	must(t, db.Update(func(tx kv.Tx) error {
		must(t, tx.DeleteBucket(bName))
		if tx.Bucket(bName) != nil {
			t.Error("deleted bucket still there in its transaction")
		}
		b, err := tx.CreateBucketIfNotExists(bName)
		must(t, err)
		if v := b.Get([]byte("a")); v != nil {
			t.Errorf("recreated bucket has an old key: %q", v)
		}
		if s := b.Sequence(); s != 0 {
			t.Errorf("recreated bucket has the old sequence %d", s)
		}
		return nil
	}))
	must(t, db.View(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		if b == nil || b.Stats().KeyN != 0 || b.Sequence() != 0 {
			t.Error("recreated bucket not empty after commit")
		}
		return nil
	}))
}

func testKeys(t *testing.T, be Backend) {
	db := be.Open(t)
	fill(t, db, bName)
	must(t, db.Update(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		if err := b.Put(nil, []byte("v")); !errors.Is(err, kv.ErrKeyRequired) {
			t.Errorf("Put(nil key) = %v", err)
		}
		if err := b.Put([]byte{}, []byte("v")); !errors.Is(err, kv.ErrKeyRequired) {
			t.Errorf("Put(empty key) = %v", err)
		}
		if err := b.Put(make([]byte, kv.MaxKeySize+1), []byte("v")); !errors.Is(err, kv.ErrKeyTooLarge) {
			t.Errorf("Put(too long key) = %v", err)
		}
		long := make([]byte, kv.MaxKeySize) // random: nothing to compress
		for i := range long {
			long[i] = byte(rand.IntN(256))
		}
		must(t, b.Put(long, []byte("long")))
		if v := b.Get(long); string(v) != "long" {
			t.Errorf("longest key: %q", v)
		}
		if err := b.Put([]byte("huge"), make([]byte, kv.MaxValueSize+1)); !errors.Is(err, kv.ErrValueTooLarge) {
			t.Errorf("Put(value of MaxValueSize+1) = %v", err)
		}
		if v := b.Get(nil); v != nil {
			t.Errorf("Get(nil) = %q", v)
		}
		if err := b.Delete([]byte("missing")); err != nil {
			t.Errorf("Delete(missing) = %v", err)
		}
		return nil
	}))
}

// values the store writes: JSON (which PostgreSQL keeps queryable), JSON
// with odd spacing and key order (kept byte for byte), compressed records
// behind their version byte, binary summaries, text that only looks like
// JSON.
var values = map[string][]byte{
	"json":       []byte(`{"id":1,"status":"submitted","lines":[{"qty":1000}],"name":"公司"}`),
	"json-space": []byte("{ \"b\" : 1,\n \"a\":[ 1.50, 1e2, -0.0 ], \"a\":2 }"),
	"json-array": []byte(`[1,"x",null,true]`),
	"json-nul":   []byte(`{"a":"\u0000"}`),
	"json-bad":   []byte(`{"a":`),
	"json-utf8":  []byte("{\"a\":\"\xff\"}"),
	"json-num":   []byte(`12`),
	"zstd":       {0x01, 0x28, 0xb5, 0x2f, 0xfd, 0x00, '{', '}'},
	"binary":     {0, 1, 2, 0xff, 0, '{'},
	"empty":      {},
	"string":     []byte(`"text"`),
}

func testValues(t *testing.T, be Backend) {
	db := be.Open(t)
	must(t, db.Update(func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bName)
		must(t, err)
		for k, v := range values {
			must(t, b.Put([]byte(k), v))
		}
		must(t, b.Put([]byte("nil"), nil))
		return nil
	}))
	must(t, db.View(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		for k, want := range values {
			if got := b.Get([]byte(k)); !bytes.Equal(got, want) || got == nil {
				t.Errorf("%s: got %q, want %q", k, got, want)
			}
		}
		if got := b.Get([]byte("nil")); got == nil || len(got) != 0 {
			t.Errorf("a nil value reads back as %q (nil: %v), want empty", got, got == nil)
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if want, ok := values[string(k)]; ok && !bytes.Equal(v, want) {
				t.Errorf("cursor %s: got %q", k, v)
			}
		}
		return nil
	}))
}

func testLargeValues(t *testing.T, be Backend) {
	db := be.Open(t)
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(rand.IntN(256))
	}
	bigJSON := []byte(`{"blob":"` + strings.Repeat("数据x", (1<<20)/4) + `"}`)
	must(t, db.Update(func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bName)
		must(t, err)
		must(t, b.Put([]byte("bin"), big))
		must(t, b.Put([]byte("json"), bigJSON))
		must(t, b.Put([]byte("small"), []byte("s")))
		return nil
	}))
	must(t, db.View(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		if !bytes.Equal(b.Get([]byte("bin")), big) || !bytes.Equal(b.Get([]byte("json")), bigJSON) {
			t.Error("1 MB values do not read back")
		}
		c := b.Cursor()
		k, v := c.First()
		if string(k) != "bin" || !bytes.Equal(v, big) {
			t.Error("1 MB value through a cursor")
		}
		if k, v = c.Next(); string(k) != "json" || !bytes.Equal(v, bigJSON) {
			t.Error("1 MB JSON through a cursor")
		}
		return nil
	}))
}

func testOnCommit(t *testing.T, be Backend) {
	db := be.Open(t)
	fill(t, db, bName)
	var ran atomic.Int32
	must(t, db.Update(func(tx kv.Tx) error {
		tx.OnCommit(func() { ran.Add(1) })
		if ran.Load() != 0 {
			t.Error("OnCommit ran before the commit")
		}
		return tx.Bucket(bName).Put([]byte("a"), []byte("a"))
	}))
	if ran.Load() != 1 {
		t.Errorf("OnCommit ran %d times after a commit", ran.Load())
	}
	_ = db.Update(func(tx kv.Tx) error {
		tx.OnCommit(func() { ran.Add(10) })
		return errors.New("no")
	})
	if ran.Load() != 1 {
		t.Error("OnCommit ran after a rollback")
	}
}

func testSequences(t *testing.T, be Backend) {
	db := be.Open(t)
	fill(t, db, bName)
	fill(t, db, []byte("other"))
	must(t, db.Update(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		for i := uint64(1); i <= 3; i++ {
			if n, err := b.NextSequence(); err != nil || n != i {
				t.Errorf("NextSequence = %d, %v; want %d", n, err, i)
			}
		}
		if s := b.Sequence(); s != 3 {
			t.Errorf("Sequence = %d", s)
		}
		if s := tx.Bucket([]byte("other")).Sequence(); s != 0 {
			t.Errorf("another bucket's sequence = %d", s)
		}
		must(t, b.SetSequence(1<<63+5))
		n, err := b.NextSequence()
		if err != nil || n != 1<<63+6 {
			t.Errorf("NextSequence past 2^63 = %d, %v", n, err)
		}
		return nil
	}))
	must(t, db.View(func(tx kv.Tx) error {
		if s := tx.Bucket(bName).Sequence(); s != 1<<63+6 {
			t.Errorf("committed Sequence = %d", s)
		}
		return nil
	}))
}

// testSequencesConcurrent: 16 updaters, half through Update and half
// through Batch, each taking numbers one transaction at a time: every
// number from 1 to the total is handed out exactly once.
func testSequencesConcurrent(t *testing.T, be Backend) {
	db := be.Open(t)
	fill(t, db, bName)
	const workers, each = 16, 25
	got := make([][]uint64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run := db.Update
			if w%2 == 1 {
				run = db.Batch
			}
			for range each {
				var n uint64
				err := run(func(tx kv.Tx) error {
					var err error
					n, err = tx.Bucket(bName).NextSequence()
					if err != nil {
						return err
					}
					return tx.Bucket(bName).Put(fmt.Appendf(nil, "%08d", n), []byte("x"))
				})
				if err != nil {
					t.Error(err)
					return
				}
				got[w] = append(got[w], n)
			}
		}()
	}
	wg.Wait()
	all := slices.Concat(got...)
	slices.Sort(all)
	for i, n := range all {
		if n != uint64(i+1) {
			t.Fatalf("numbers handed out: position %d has %d (lost or doubled increment)", i, n)
		}
	}
	must(t, db.View(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		if s, n := b.Sequence(), b.Stats().KeyN; s != workers*each || n != workers*each {
			t.Errorf("sequence %d, keys %d; want %d", s, n, workers*each)
		}
		return nil
	}))
}

// testCounter: a read-modify-write of one value by 16 concurrent
// updaters loses no update.
func testCounter(t *testing.T, be Backend) {
	db := be.Open(t)
	fill(t, db, bName)
	const workers, each = 16, 10
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				err := db.Update(func(tx kv.Tx) error {
					b := tx.Bucket(bName)
					n, _ := strconv.Atoi(string(b.Get([]byte("n"))))
					return b.Put([]byte("n"), fmt.Appendf(nil, "%d", n+1))
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	must(t, db.View(func(tx kv.Tx) error {
		if v := tx.Bucket(bName).Get([]byte("n")); string(v) != fmt.Sprint(workers*each) {
			t.Errorf("counter = %s, want %d", v, workers*each)
		}
		return nil
	}))
}

// testRetry provokes a serialization failure: two updaters read the same
// key, wait until both have read it, then write it. One of them must run
// again, and the result counts both.
func testRetry(t *testing.T, be Backend) {
	if !be.ConcurrentWriters {
		t.Skip("writers take turns on this backend: no serialization failure to provoke")
	}
	db := be.Open(t)
	fill(t, db, bName, "n")
	var runs atomic.Int32
	var both sync.WaitGroup
	both.Add(2)
	var once [2]sync.Once
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.Update(func(tx kv.Tx) error {
				runs.Add(1)
				b := tx.Bucket(bName)
				v := bytes.Clone(b.Get([]byte("n")))
				once[i].Do(both.Done)
				both.Wait() // the first attempts of both have read n
				return b.Put([]byte("n"), append(v, '+'))
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if runs.Load() < 3 {
		t.Errorf("%d runs: no serialization failure was retried", runs.Load())
	}
	must(t, db.View(func(tx kv.Tx) error {
		if v := tx.Bucket(bName).Get([]byte("n")); string(v) != "v:n++" {
			t.Errorf("after a retried conflict: %q, want v:n++", v)
		}
		return nil
	}))
}

func testBatch(t *testing.T, be Backend) {
	db := be.Open(t)
	fill(t, db, bName)
	const callers = 40
	errs := make([]error, callers)
	panics := make([]any, callers)
	runs := make([]atomic.Int32, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			errs[i] = db.Batch(func(tx kv.Tx) error {
				runs[i].Add(1)
				b := tx.Bucket(bName)
				if err := b.Put(fmt.Appendf(nil, "%02d", i), []byte("x")); err != nil {
					return err
				}
				switch i % 10 {
				case 3:
					return fmt.Errorf("caller %d fails", i)
				case 7:
					panic(fmt.Sprintf("caller %d panics", i))
				}
				return nil
			})
		}()
	}
	wg.Wait()
	must(t, db.View(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		for i := range callers {
			v := b.Get(fmt.Appendf(nil, "%02d", i))
			switch i % 10 {
			case 3:
				if errs[i] == nil || v != nil {
					t.Errorf("failing caller %d: err %v, its write kept: %v", i, errs[i], v != nil)
				}
			case 7:
				if panics[i] == nil || v != nil {
					t.Errorf("panicking caller %d: panic %v, its write kept: %v", i, panics[i], v != nil)
				}
			default:
				if errs[i] != nil || panics[i] != nil || v == nil {
					t.Errorf("caller %d failed with the others: %v %v", i, errs[i], panics[i])
				}
			}
		}
		return nil
	}))
	must(t, db.Close())
	if err := db.Batch(func(kv.Tx) error { return nil }); !errors.Is(err, kv.ErrDatabaseNotOpen) {
		t.Errorf("Batch after Close = %v", err)
	}
}

// Contents returns every bucket of db with its sequence and keys, for
// comparing two databases.
func Contents(t *testing.T, db kv.DB) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	must(t, db.View(func(tx kv.Tx) error {
		return tx.ForEach(func(name []byte, b kv.Bucket) error {
			m := map[string]string{"\x00sequence": fmt.Sprint(b.Sequence())}
			out[string(name)] = m
			return b.ForEach(func(k, v []byte) error { m[string(k)] = string(v); return nil })
		})
	}))
	return out
}

// Populate fills db with buckets of every kind of value, for the stream
// tests.
func Populate(t *testing.T, db kv.DB) {
	t.Helper()
	must(t, db.Update(func(tx kv.Tx) error {
		for i := range 5 {
			b, err := tx.CreateBucketIfNotExists(fmt.Appendf(nil, "bucket%d", i))
			if err != nil {
				return err
			}
			for j := range 200 * i {
				must(t, b.Put(fmt.Appendf(nil, "%d/%05d", j%7, j), fmt.Appendf(nil, `{"i":%d,"j":%d}`, i, j)))
			}
			must(t, b.SetSequence(uint64(1000*i+3)))
		}
		b, err := tx.CreateBucketIfNotExists([]byte("values"))
		must(t, err)
		for k, v := range values {
			must(t, b.Put([]byte(k), v))
		}
		must(t, b.Put([]byte("big"), bytes.Repeat([]byte("0123456789"), 100_000)))
		_, err = tx.CreateBucketIfNotExists([]byte("empty"))
		return err
	}))
}

func testStream(t *testing.T, be Backend) {
	src := be.Open(t)
	Populate(t, src)
	var buf bytes.Buffer
	must(t, src.View(func(tx kv.Tx) error { _, err := kv.WriteTo(tx, &buf); return err }))
	dst := be.Open(t)
	must(t, kv.Restore(dst, bytes.NewReader(buf.Bytes())))
	a, b := Contents(t, src), Contents(t, dst)
	if !Equal(a, b) {
		t.Errorf("restored contents differ: %d buckets vs %d", len(a), len(b))
	}
	var again bytes.Buffer
	must(t, dst.View(func(tx kv.Tx) error { _, err := kv.WriteTo(tx, &again); return err }))
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("the stream of a restored database differs from the stream it was restored from")
	}
	// A restore refuses a database with data, and a damaged stream.
	if err := kv.Restore(dst, bytes.NewReader(buf.Bytes())); err == nil {
		t.Error("restore into a database with data")
	}
	hugeLength := []byte("PORTALKV\x01B\x01b\x00K\x01k\xfd\xff\xff\xff\x07") // a 2 GB value that is not there
	for _, bad := range [][]byte{buf.Bytes()[:buf.Len()-1], buf.Bytes()[:buf.Len()/2], nil, []byte("PORTALKV\x01E"), hugeLength} {
		if err := kv.Restore(be.Open(t), bytes.NewReader(bad)); err == nil {
			t.Errorf("restore of a damaged stream (%d bytes)", len(bad))
		}
	}
	flipped := bytes.Clone(buf.Bytes())
	flipped[len(flipped)/3] ^= 0x20
	if err := kv.Restore(be.Open(t), bytes.NewReader(flipped)); err == nil {
		t.Error("restore of a stream with a flipped bit")
	}
}

// Equal reports whether two Contents are the same.
func Equal(a, b map[string]map[string]string) bool {
	return maps.EqualFunc(a, b, maps.Equal[map[string]string])
}

// testCursorMoves checks long mixed runs of cursor moves against a sorted
// list, in a read and in a write transaction that changes the bucket
// between them: backends that answer moves from rows fetched ahead
// (PostgreSQL) must give what a walk of the pages gives.
func testCursorMoves(t *testing.T, be Backend) {
	db := be.Open(t)
	var keys []string
	for i := 0; i < 600; i += 2 {
		keys = append(keys, fmt.Sprintf("k%04d", i))
	}
	fill(t, db, bName, keys...)
	rng := rand.New(rand.NewPCG(7, 15))
	run := func(tx kv.Tx, keys []string, steps int) {
		t.Helper()
		c := tx.Bucket(bName).Cursor()
		pos := -1 // -1: not on a key; only a Seek, First or Last may follow
		for step := range steps {
			var k []byte
			var op string
			switch r := rng.IntN(10); {
			case pos < 0 || r < 3:
				n := rng.IntN(620)
				seek := fmt.Sprintf("k%04d", n)
				if rng.IntN(8) == 0 {
					seek = fmt.Sprintf("k%04d", max(n, 4)-rng.IntN(4)) // close behind
				}
				op = "Seek(" + seek + ")"
				k, _ = c.Seek([]byte(seek))
				pos, _ = slices.BinarySearch(keys, seek)
			case r < 6:
				op = "Next"
				k, _ = c.Next()
				pos++
			case r < 9:
				op = "Prev"
				k, _ = c.Prev()
				pos--
			case rng.IntN(2) == 0:
				op = "First"
				k, _ = c.First()
				pos = 0
			default:
				op = "Last"
				k, _ = c.Last()
				pos = len(keys) - 1
			}
			want := ""
			if pos >= 0 && pos < len(keys) {
				want = keys[pos]
			} else {
				pos = -1
			}
			if string(k) != want {
				t.Fatalf("step %d %s = %q, want %q", step, op, k, want)
			}
		}
	}
	must(t, db.View(func(tx kv.Tx) error {
		run(tx, keys, 3000)
		return nil
	}))
	must(t, db.Update(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		for round := range 20 {
			// Change the bucket, then walk again (a new cursor: the
			// contract asks a repositioning after a write anyway).
			for range 10 {
				k := fmt.Sprintf("k%04d", rng.IntN(600))
				if i, found := slices.BinarySearch(keys, k); found {
					must(t, b.Delete([]byte(k)))
					keys = slices.Delete(keys, i, i+1)
				} else {
					must(t, b.Put([]byte(k), []byte("v:"+k)))
					keys = slices.Insert(keys, i, k)
				}
			}
			run(tx, keys, 100+round)
		}
		return nil
	}))
	must(t, db.View(func(tx kv.Tx) error {
		run(tx, keys, 500)
		return nil
	}))
}

// testScanPrefixes: kv.ScanPrefixes gives the keys under each prefix, in
// the order of the prefixes and in key order under each, with the
// transaction's own writes and deletions, for prefixes that match nothing,
// overlap, end in 0xff bytes or are empty; and fn's error stops it.
func testScanPrefixes(t *testing.T, be Backend) {
	db := be.Open(t)
	keys := []string{"a", "a1", "a2", "ab", "b", "b\xff", "b\xff\xff", "b\xff\xffz", "c", "c\x00", "d"}
	fill(t, db, bName, keys...)
	scan := func(b kv.Bucket, prefixes ...string) string {
		ps := make([][]byte, len(prefixes))
		for i, p := range prefixes {
			ps[i] = []byte(p)
		}
		var got []string
		must(t, kv.ScanPrefixes(b, ps, func(i int, k, v []byte) error {
			if string(v) != "v:"+string(k) && string(v) != "new" {
				t.Errorf("%q = %q", k, v)
			}
			got = append(got, fmt.Sprintf("%d:%q", i, k))
			return nil
		}))
		return strings.Join(got, " ")
	}
	must(t, db.View(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		for _, tc := range []struct {
			prefixes []string
			want     string
		}{
			{[]string{"b", "a"}, `0:"b" 0:"b\xff" 0:"b\xff\xff" 0:"b\xff\xffz" 1:"a" 1:"a1" 1:"a2" 1:"ab"`},
			{[]string{"x", "a1", "zz"}, `1:"a1"`},
			{[]string{"b\xff\xff", "c"}, `0:"b\xff\xff" 0:"b\xff\xffz" 1:"c" 1:"c\x00"`},
			{[]string{"a", "a"}, `0:"a" 0:"a1" 0:"a2" 0:"ab" 1:"a" 1:"a1" 1:"a2" 1:"ab"`},
			{[]string{"d", ""}, `0:"d" 1:"a" 1:"a1" 1:"a2" 1:"ab" 1:"b" 1:"b\xff" 1:"b\xff\xff" 1:"b\xff\xffz" 1:"c" 1:"c\x00" 1:"d"`},
			{[]string{"a2"}, `0:"a2"`},
		} {
			if got := scan(b, tc.prefixes...); got != tc.want {
				t.Errorf("ScanPrefixes(%q) = %s, want %s", tc.prefixes, got, tc.want)
			}
		}
		stop := errors.New("stop")
		n := 0
		err := kv.ScanPrefixes(b, [][]byte{[]byte("a"), []byte("b")}, func(int, []byte, []byte) error {
			if n++; n == 2 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 2 {
			t.Errorf("fn's error: %v after %d keys", err, n)
		}
		return nil
	}))
	// The transaction's own writes, before the scan.
	must(t, db.Update(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		must(t, b.Delete([]byte("a1")))
		must(t, b.Put([]byte("a3"), []byte("new")))
		must(t, b.Put([]byte("c"), []byte("new")))
		if got, want := scan(b, "c", "a"), `0:"c" 0:"c\x00" 1:"a" 1:"a2" 1:"a3" 1:"ab"`; got != want {
			t.Errorf("after writes: %s, want %s", got, want)
		}
		return nil
	}))
}

// testPrefixCursor: kv.PrefixCursor walks only the keys under its prefix,
// forward, backward and from a Seek (below, inside and past the prefix),
// and gives nil, nil past them; for prefixes ending in 0xff bytes, matching
// nothing, and more keys than a batch; with the transaction's own writes
// and deletions (through the cursor too).
func testPrefixCursor(t *testing.T, be Backend) {
	db := be.Open(t)
	keys := []string{"a", "a1", "a2", "ab", "b", "b\xff", "b\xff\xff", "b\xff\xffz", "c", "c\x00", "d"}
	for i := range 150 { // more than a batch of PostgreSQL's cursor
		keys = append(keys, fmt.Sprintf("m%03d", i))
	}
	keys = append(keys, "n")
	fill(t, db, bName, keys...)
	walk := func(c kv.Cursor, k, v []byte, next func() ([]byte, []byte)) string {
		var got []string
		for ; k != nil; k, v = next() {
			if string(v) != "v:"+string(k) && string(v) != "new" {
				t.Errorf("%q = %q", k, v)
			}
			got = append(got, fmt.Sprintf("%q", k))
		}
		return strings.Join(got, " ")
	}
	fwd := func(b kv.Bucket, p string) string {
		c := kv.PrefixCursor(b, []byte(p))
		k, v := c.First()
		return walk(c, k, v, c.Next)
	}
	back := func(b kv.Bucket, p string) string {
		c := kv.PrefixCursor(b, []byte(p))
		k, v := c.Last()
		return walk(c, k, v, c.Prev)
	}
	seek := func(b kv.Bucket, p, s string) string {
		c := kv.PrefixCursor(b, []byte(p))
		k, v := c.Seek([]byte(s))
		return walk(c, k, v, c.Next)
	}
	many := func(from, to int) string { // from to to, either way
		var s []string
		for i := from; ; {
			s = append(s, fmt.Sprintf(`"m%03d"`, i))
			if i == to {
				return strings.Join(s, " ")
			}
			if from < to {
				i++
			} else {
				i--
			}
		}
	}
	must(t, db.View(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		for _, tc := range []struct{ name, got, want string }{
			{"forward a", fwd(b, "a"), `"a" "a1" "a2" "ab"`},
			{"backward a", back(b, "a"), `"ab" "a2" "a1" "a"`},
			{"forward b\xff", fwd(b, "b\xff"), `"b\xff" "b\xff\xff" "b\xff\xffz"`},
			{"backward b\xff\xff", back(b, "b\xff\xff"), `"b\xff\xffz" "b\xff\xff"`},
			{"backward c", back(b, "c"), `"c\x00" "c"`},
			{"forward x", fwd(b, "x"), ``},
			{"backward x", back(b, "x"), ``},
			{"backward 0", back(b, "0"), ``},
			{"forward m", fwd(b, "m"), many(0, 149)},
			{"backward m", back(b, "m"), many(149, 0)},
			{"seek below", seek(b, "a", "0"), `"a" "a1" "a2" "ab"`},
			{"seek inside", seek(b, "a", "a15"), `"a2" "ab"`},
			{"seek past", seek(b, "a", "a\xff"), ``},
			{"seek inside m", seek(b, "m", "m140"), many(140, 149)},
			{"empty prefix", fwd(b, "")[:11], `"a" "a1" "a`},
		} {
			if tc.got != tc.want {
				t.Errorf("%s: %s, want %s", tc.name, tc.got, tc.want)
			}
		}
		return nil
	}))
	// The transaction's own writes, and a delete through the cursor.
	must(t, db.Update(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		must(t, b.Delete([]byte("a1")))
		must(t, b.Put([]byte("a3"), []byte("new")))
		must(t, b.Put([]byte("b0"), []byte("new")))
		if got, want := fwd(b, "a"), `"a" "a2" "a3" "ab"`; got != want {
			t.Errorf("after writes: %s, want %s", got, want)
		}
		c := kv.PrefixCursor(b, []byte("a"))
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if string(k) == "a2" {
				must(t, c.Delete())
			}
		}
		if got, want := back(b, "a"), `"ab" "a3" "a"`; got != want {
			t.Errorf("after a delete through the cursor: %s, want %s", got, want)
		}
		return nil
	}))
	must(t, db.View(func(tx kv.Tx) error {
		if got, want := fwd(tx.Bucket(bName), "a"), `"a" "a3" "ab"`; got != want {
			t.Errorf("committed: %s, want %s", got, want)
		}
		return nil
	}))
}

// testPrefetch: Gets after kv.Prefetch answer as without it, for keys
// stored, missing, written and deleted in the transaction.
func testPrefetch(t *testing.T, be Backend) {
	db := be.Open(t)
	fill(t, db, bName, "a", "b", "c", "d")
	must(t, db.Update(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		must(t, b.Put([]byte("e"), []byte("v:e")))
		must(t, b.Delete([]byte("b")))
		must(t, b.Put([]byte("c"), []byte{}))
		kv.Prefetch(b, [][]byte{[]byte("a"), []byte("b"), []byte("c"), []byte("e"), []byte("x"), []byte("a"), {}})
		for k, want := range map[string]string{"a": "v:a", "b": "<nil>", "c": "", "d": "v:d", "e": "v:e", "x": "<nil>"} {
			v := b.Get([]byte(k))
			got := string(v)
			if v == nil {
				got = "<nil>"
			}
			if got != want {
				t.Errorf("Get(%q) after Prefetch = %q, want %q", k, got, want)
			}
		}
		// A write after the prefetch wins.
		must(t, b.Put([]byte("a"), []byte("new")))
		if v := b.Get([]byte("a")); string(v) != "new" {
			t.Errorf("Get(a) after Put = %q", v)
		}
		return nil
	}))
	must(t, db.View(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		kv.Prefetch(b, [][]byte{[]byte("a"), []byte("b"), []byte("zz")})
		if v := b.Get([]byte("a")); string(v) != "new" {
			t.Errorf("Get(a) = %q", v)
		}
		if v := b.Get([]byte("b")); v != nil {
			t.Errorf("Get(b) = %q", v)
		}
		if v := b.Get([]byte("c")); v == nil || len(v) != 0 {
			t.Errorf("Get(c) = %q (nil %v), want empty", v, v == nil)
		}
		return nil
	}))
}

// testPeek: kv.Peek reads the committed value, a copy, nil for a missing
// key or bucket, empty for an empty value.
func testPeek(t *testing.T, be Backend) {
	db := be.Open(t)
	fill(t, db, bName, "a")
	must(t, db.Update(func(tx kv.Tx) error { return tx.Bucket(bName).Put([]byte("e"), nil) }))
	for _, tc := range []struct {
		bucket, key string
		want        []byte
	}{{"b", "a", []byte("v:a")}, {"b", "e", []byte{}}, {"b", "x", nil}, {"none", "a", nil}} {
		v, err := kv.Peek(db, []byte(tc.bucket), []byte(tc.key))
		if err != nil || !bytes.Equal(v, tc.want) || (v == nil) != (tc.want == nil) {
			t.Errorf("Peek(%s, %s) = %q, %v; want %q", tc.bucket, tc.key, v, err, tc.want)
		}
	}
}

// testPeekMany: kv.PeekMany answers each read as kv.Peek and kv.CountPrefix
// do — values copied, nil for a missing key or bucket, empty for an empty
// value, counts under a prefix up to the limit — through the backend's
// MultiPeeker and through the portable View, and sees later commits.
func testPeekMany(t *testing.T, be Backend) {
	db := be.Open(t)
	fill(t, db, bName, "a", "a\x00", "a\xff", "a\xff\x01", "ab", "b", "\xff", "\xff\xff")
	must(t, db.Update(func(tx kv.Tx) error { return tx.Bucket(bName).Put([]byte("e"), nil) }))
	peek := func(bucket, key string) kv.PeekRead {
		// Results left from an earlier use are replaced.
		return kv.PeekRead{Bucket: []byte(bucket), Key: []byte(key), Value: []byte("old"), N: 99}
	}
	count := func(bucket, prefix string, limit int) kv.PeekRead {
		r := peek(bucket, prefix)
		r.Count, r.Limit = true, limit
		return r
	}
	reads := func() []kv.PeekRead {
		return []kv.PeekRead{
			peek("b", "a"), count("b", "a", 100), peek("b", "e"), count("b", "a\xff", 100), peek("b", "x"),
			count("b", "a", 2), count("b", "", 100), count("b", "\xff", 100), count("b", "a", 0), count("b", "x", 5),
			peek("none", "a"), count("none", "a", 5), peek("b", "\xff\xff"),
		}
	}
	check := func(name string, got []kv.PeekRead) {
		t.Helper()
		for i, r := range got {
			if r.Count {
				n, err := kv.CountPrefix(db, r.Bucket, r.Key, r.Limit)
				must(t, err)
				if r.N != n || r.Value != nil {
					t.Errorf("%s: read %d: count(%q, %q, %d) = %d (value %q), want %d", name, i, r.Bucket, r.Key, r.Limit, r.N, r.Value, n)
				}
				continue
			}
			v, err := kv.Peek(db, r.Bucket, r.Key)
			must(t, err)
			if !bytes.Equal(r.Value, v) || (r.Value == nil) != (v == nil) || r.N != 0 {
				t.Errorf("%s: read %d: peek(%q, %q) = %q (n %d), want %q", name, i, r.Bucket, r.Key, r.Value, r.N, v)
			}
		}
	}
	// The answers, written out once: the comparison above would pass
	// with Peek and CountPrefix wrong alike.
	want := []string{"v:a", "5", "", "2", "<nil>", "2", "9", "2", "0", "0", "<nil>", "0", "v:\xff\xff"}
	show := func(got []kv.PeekRead) []string {
		out := make([]string, len(got))
		for i, r := range got {
			switch {
			case r.Count:
				out[i] = strconv.Itoa(r.N)
			case r.Value == nil:
				out[i] = "<nil>"
			default:
				out[i] = string(r.Value)
			}
		}
		return out
	}
	for _, c := range []struct {
		name string
		db   kv.DB
	}{{"backend", db}, {"portable", struct{ kv.DB }{db}}} {
		got := reads()
		must(t, kv.PeekMany(c.db, got))
		if s := show(got); !slices.Equal(s, want) {
			t.Errorf("%s: %q, want %q", c.name, s, want)
		}
		check(c.name, got)
		// The values are copies: changing one changes nothing stored.
		got[0].Value[0] = 'X'
		if v, err := kv.Peek(db, bName, []byte("a")); err != nil || string(v) != "v:a" {
			t.Errorf("%s: after changing the copy: %q, %v", c.name, v, err)
		}
		must(t, kv.PeekMany(c.db, nil))
	}
	// Later commits are read.
	must(t, db.Update(func(tx kv.Tx) error {
		b := tx.Bucket(bName)
		must(t, b.Delete([]byte("a")))
		must(t, b.Put([]byte("a1"), []byte("new")))
		return b.Put([]byte("x"), []byte("v:x"))
	}))
	got := []kv.PeekRead{peek("b", "a"), count("b", "a", 100), peek("b", "x")}
	must(t, kv.PeekMany(db, got))
	if s := show(got); !slices.Equal(s, []string{"<nil>", "5", "v:x"}) {
		t.Errorf("after a commit: %q", s)
	}
}
