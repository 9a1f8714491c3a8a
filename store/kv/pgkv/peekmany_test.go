package pgkv_test

import (
	"testing"

	"dealerportal/store/kv"
)

// TestPeekManyRoundTrips: PeekMany makes its reads in one round trip,
// however many there are, where Peek and CountPrefix cost one each, and the
// portable fallback (a View) more than one.
func TestPeekManyRoundTrips(t *testing.T) {
	db := openCounted(t)
	reads := func() []kv.PeekRead {
		return []kv.PeekRead{
			{Bucket: []byte("s"), Key: []byte("s")},
			{Bucket: []byte("b"), Key: []byte(""), Count: true, Limit: 100},
			{Bucket: []byte("b"), Key: []byte("b")},
			{Bucket: []byte("b"), Key: []byte("c"), Count: true, Limit: 100},
			{Bucket: []byte("none"), Key: []byte("a")},
		}
	}
	check := func(name string, got []kv.PeekRead) {
		t.Helper()
		if string(got[0].Value) != `{"s":1}` || got[1].N != 3 || string(got[2].Value) != "vb" || got[3].N != 1 || got[4].Value != nil {
			t.Errorf("%s: %+v", name, got)
		}
	}
	var err error
	got := reads()
	if n := trips(db, func() { err = kv.PeekMany(db, got) }); err != nil || n != 1 {
		t.Errorf("PeekMany: %d round trips, %v; want 1", n, err)
	}
	check("PeekMany", got)
	// The same reads one by one, and in a View.
	one := 0
	n := trips(db, func() {
		for _, r := range reads() {
			if r.Count {
				_, err = kv.CountPrefix(db, r.Bucket, r.Key, r.Limit)
			} else {
				_, err = kv.Peek(db, r.Bucket, r.Key)
			}
			one++
		}
	})
	if err != nil || n != uint64(one) {
		t.Errorf("one by one: %d round trips, %v; want %d", n, err, one)
	}
	got = reads()
	settle(t, db)
	if n := trips(db, func() { err = kv.PeekMany(struct{ kv.DB }{db}, got) }); err != nil || n < 2 {
		t.Errorf("in a View: %d round trips, %v; want 2 or more", n, err)
	}
	check("View", got)
	// Many reads, past the shapes whose text is kept: still one round trip.
	var many []kv.PeekRead
	for i := range 70 {
		key := []string{"a", "b", "c", "x"}[i%4]
		many = append(many, kv.PeekRead{Bucket: []byte("b"), Key: []byte(key), Count: i%3 == 0, Limit: i % 5})
	}
	settle(t, db) // the View's parked COMMIT is sent by then, not counted below
	if n := trips(db, func() { err = kv.PeekMany(db, many) }); err != nil || n != 1 {
		t.Errorf("70 reads: %d round trips, %v; want 1", n, err)
	}
	for i, r := range many {
		want, wantN := "v"+string(r.Key), 0
		switch {
		case r.Count && r.Key[0] != 'x':
			want, wantN = "", min(1, r.Limit)
		case r.Count || r.Key[0] == 'x':
			want = ""
		}
		if string(r.Value) != want || r.N != wantN || (want == "") != (r.Value == nil) {
			t.Errorf("read %d of 70 (%q, count %v up to %d): %q, %d; want %q, %d", i, r.Key, r.Count, r.Limit, r.Value, r.N, want, wantN)
		}
	}
	// Nothing to read: no round trip.
	settle(t, db)
	if n := trips(db, func() { err = kv.PeekMany(db, []kv.PeekRead{{Bucket: []byte("b"), Count: true}}) }); err != nil || n != 0 {
		t.Errorf("a count up to 0: %d round trips, %v", n, err)
	}
}
