package pgkv_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"dealerportal/store/kv"
	"dealerportal/store/kv/pgkv"
	"dealerportal/store/kv/pgtest"
)

func getP(tx kv.Tx, k string) string { return string(tx.Bucket([]byte("p")).Get([]byte(k))) }

// TestFloatMoved: a View whose first reads the cache answers floats; when
// another process changes what it read before its first database read, the
// View does not go on with two states of the database: fn runs again and
// reads the new state whole. A change elsewhere lets it go on, once. And a
// View sees every commit that ended before it began, though its cache still
// held the value before.
func TestFloatMoved(t *testing.T) {
	schema := pgtest.Schema()
	a, b := openOn(t, schema, 0), openOn(t, schema, 0)
	update(t, b, fillP)
	readView(t, a) // a's cache: p as filled
	put := func(kvs ...string) func(tx kv.Tx) error {
		return func(tx kv.Tx) error {
			for i := 0; i < len(kvs); i += 2 {
				if err := tx.Bucket([]byte("p")).Put([]byte(kvs[i]), []byte(kvs[i+1])); err != nil {
					return err
				}
			}
			return nil
		}
	}
	for _, c := range []struct {
		name     string
		change   []string // b's change, during a's first run
		runs     int
		k01, k02 string
	}{
		{"what it read changed", []string{"k01", "new1", "k02", "new2"}, 2, "new1", "new2"},
		{"a key it had not read changed", []string{"k30", "new30", "k02", "new2b"}, 1, "new1", "new2b"},
	} {
		t.Run(c.name, func(t *testing.T) {
			readView(t, a)
			sentBefore, _ := pgkv.Rounds(a)
			runs := 0
			var k01, k02 string
			err := a.View(func(tx kv.Tx) error {
				runs++
				k01 = getP(tx, "k01") // answered by the cache: the View floats
				if runs == 1 {
					update(t, b, put(c.change...))
				}
				_ = getP(tx, fmt.Sprintf("never read %d", runs)) // the cache cannot answer: the transaction begins
				k02 = getP(tx, "k02")
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if sent, _ := pgkv.Rounds(a); sent == sentBefore {
				t.Errorf("the View did not float (no round sent)")
			}
			if runs != c.runs || k01 != c.k01 || k02 != c.k02 {
				t.Errorf("fn ran %d times and read k01=%q k02=%q; want %d runs, %q and %q", runs, k01, k02, c.runs, c.k01, c.k02)
			}
		})
	}
	// b changes k01; a's cache holds its value before, and a's next View,
	// floating, reads the new one.
	update(t, b, put("k01", "fresh"))
	var got string
	if err := a.View(func(tx kv.Tx) error { got = getP(tx, "k01"); return nil }); err != nil {
		t.Fatal(err)
	}
	if got != "fresh" {
		t.Errorf("a View after b's commit reads k01=%q, want fresh", got)
	}
}

// TestFloatRoundsShared: Views and PeekMany calls that begin while a round
// is in flight share the next one: one statement answers them all (the
// PeekMany calls' reads are its columns), and no View opens a transaction
// when the cache answers its reads.
func TestFloatRoundsShared(t *testing.T) {
	schema := pgtest.Schema()
	a, b := openOn(t, schema, 0), openOn(t, schema, 0)
	update(t, b, fillP)
	readView(t, a)
	release := make(chan struct{})
	var once sync.Once
	pgkv.SetRoundHook(a, func() { once.Do(func() { <-release }) })
	defer pgkv.SetRoundHook(a, nil)
	sent0, queued0 := pgkv.Rounds(a)
	trips0 := a.RoundTrips()
	const n = 20
	got := make([]string, n+1)
	var wg sync.WaitGroup
	view := func(i int) {
		defer wg.Done()
		if err := a.View(func(tx kv.Tx) error { got[i] = getP(tx, "k05"); return nil }); err != nil {
			t.Error(err)
		}
	}
	wg.Add(1)
	go view(0) // sends the first round, held in the hook
	waitFor(t, func() bool { s, _ := pgkv.Rounds(a); return s == sent0+1 })
	wg.Add(n)
	for i := 1; i <= n; i++ {
		go view(i)
	}
	// Committed reads (a request's versions read, PeekMany) ride in the
	// same round, each with its own reads.
	const m = 3
	peeks := make([][]kv.PeekRead, m)
	wg.Add(m)
	for i := range m {
		peeks[i] = []kv.PeekRead{{Bucket: []byte("p"), Key: fmt.Appendf(nil, "k%02d", i+10)},
			{Bucket: []byte("p"), Key: []byte("k1"), Count: true, Limit: 100}, {Bucket: []byte("p"), Key: []byte("none")}}
		go func() {
			defer wg.Done()
			if err := a.PeekMany(peeks[i]); err != nil {
				t.Error(err)
			}
		}()
	}
	waitFor(t, func() bool { _, q := pgkv.Rounds(a); return q == queued0+n+m })
	close(release)
	wg.Wait()
	for i, v := range got {
		if v != "v5" {
			t.Fatalf("View %d read %q", i, v)
		}
	}
	for i, p := range peeks {
		if v, want := string(p[0].Value), fmt.Sprintf("v%d", i+10); v != want || p[1].N != 10 || p[2].Value != nil {
			t.Errorf("PeekMany %d read %q, counted %d, read %q for a missing key; want %q, 10, nil", i, v, p[1].N, p[2].Value, want)
		}
	}
	if sent, _ := pgkv.Rounds(a); sent != sent0+2 {
		t.Errorf("%d rounds for %d Views and %d PeekMany calls, want 2", sent-sent0, n+1, m)
	}
	if trips := a.RoundTrips() - trips0; trips != 2 {
		t.Errorf("%d round trips for %d Views and %d PeekMany calls, want 2", trips, n+1, m)
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestViewFresh: a ViewFresh after its request's round (a PeekMany, as the
// versions read at a request's start) floats on that round: no statement
// of its own while the cache answers, and a change another process
// committed before the round is read. Without a round before it, it sends
// one as View does.
func TestViewFresh(t *testing.T) {
	schema := pgtest.Schema()
	a, b := openOn(t, schema, 0), openOn(t, schema, 0)
	update(t, b, fillP)
	readView(t, a) // a's cache: p as filled
	viewFresh := func() (k01, k02 string) {
		t.Helper()
		err := a.ViewFresh(func(tx kv.Tx) error { k01, k02 = getP(tx, "k01"), getP(tx, "k02"); return nil })
		if err != nil {
			t.Fatal(err)
		}
		return k01, k02
	}
	request := func() { // the request's start: a committed read that joins a round
		t.Helper()
		if err := a.PeekMany([]kv.PeekRead{{Bucket: []byte("p"), Key: []byte("k00")}}); err != nil {
			t.Fatal(err)
		}
	}
	request()
	trips0 := a.RoundTrips()
	if k01, k02 := viewFresh(); k01 != "v1" || k02 != "v2" {
		t.Errorf("ViewFresh read k01=%q k02=%q, want v1 v2", k01, k02)
	}
	if n := a.RoundTrips() - trips0; n != 0 {
		t.Errorf("ViewFresh answered by the cache after its request's round: %d round trips, want 0", n)
	}
	// b commits before the next request arrives: its round learns the
	// change, and the ViewFresh after it reads b's value.
	update(t, b, func(tx kv.Tx) error { return tx.Bucket([]byte("p")).Put([]byte("k01"), []byte("b's")) })
	request()
	if k01, k02 := viewFresh(); k01 != "b's" || k02 != "v2" {
		t.Errorf("ViewFresh after b's commit and the request's round read k01=%q k02=%q, want b's v2", k01, k02)
	}
	// A plain View after the same commit, with no request round between,
	// sends its own round (View's guarantee, unchanged).
	update(t, b, func(tx kv.Tx) error { return tx.Bucket([]byte("p")).Put([]byte("k02"), []byte("b's 2")) })
	sent0, _ := pgkv.Rounds(a)
	var k02 string
	if err := a.View(func(tx kv.Tx) error { k02 = getP(tx, "k02"); return nil }); err != nil {
		t.Fatal(err)
	}
	if sent, _ := pgkv.Rounds(a); sent != sent0+1 || k02 != "b's 2" {
		t.Errorf("View after b's commit: %d rounds, read %q; want 1 and b's 2", sent-sent0, k02)
	}
	// A request that writes, then reads: a's commit comes after one of b's
	// that a's generations do not know, so it cannot move them, and the
	// latest round is older than a's write. The ViewFresh after it still
	// reads a's own write.
	readView(t, a)
	request()
	update(t, b, func(tx kv.Tx) error { return tx.Bucket([]byte("p")).Put([]byte("k03"), []byte("b's 3")) })
	update(t, a, func(tx kv.Tx) error { return tx.Bucket([]byte("p")).Put([]byte("k01"), []byte("a's")) })
	if k01, _ := viewFresh(); k01 != "a's" {
		t.Errorf("ViewFresh after the request's own commit read k01=%q, want a's", k01)
	}
}
