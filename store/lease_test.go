package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testClock is a store clock the test moves by hand, shared by the stores
// of one test (the processes of a fleet agree on the time).
type testClock struct {
	mu sync.Mutex
	at time.Time
}

func newTestClock() *testClock {
	return &testClock{at: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.at }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.at = c.at.Add(d)
	c.mu.Unlock()
}

// sharedPair returns two stores of one database as two processes see it:
// on the embedded file the same store twice, marked shared so that leases
// and versions are written as on PostgreSQL (pg_multi_test.go runs the same
// tests on two Stores of one PostgreSQL database).
var sharedPairs = map[string]func(t *testing.T) (*Store, *Store){
	"bolt": func(t *testing.T) (*Store, *Store) {
		s := openStore(t)
		s.shared = true
		return s, s
	},
}

func forPairs(t *testing.T, test func(t *testing.T, a, b *Store)) {
	for name, open := range sharedPairs {
		t.Run(name, func(t *testing.T) {
			a, b := open(t)
			test(t, a, b)
		})
	}
}

func TestLeaseTakeOverAfterExpiry(t *testing.T) {
	forPairs(t, func(t *testing.T, sa, sb *Store) {
		clock := newTestClock()
		sa.SetClock(clock.now)
		sb.SetClock(clock.now)
		const ttl = 15 * time.Second
		a := sa.NewLease("workers", "a", ttl)
		b := sb.NewLease("workers", "b", ttl)
		neverBoth := func(when string) {
			t.Helper()
			if a.Held() && b.Held() {
				t.Fatalf("%s: both hold the lease", when)
			}
		}
		mustAcquire := func(l *Lease, want bool, when string) {
			t.Helper()
			got, err := l.Acquire()
			if err != nil || got != want {
				t.Fatalf("%s: %s.Acquire = %v, %v; want %v", when, l.Holder(), got, err, want)
			}
			neverBoth(when)
		}
		mustAcquire(a, true, "first")
		if r := a.Record(); r.Term != 1 || r.Holder != "a" || !r.Expires.Equal(clock.now().Add(ttl)) {
			t.Fatalf("record: %+v", r)
		}
		mustAcquire(b, false, "while a holds it")
		if r := b.Record(); r.Holder != "a" {
			t.Fatalf("b saw %+v", r)
		}
		// a renews: the expiry moves, the term stays.
		clock.add(ttl / 3)
		mustAcquire(a, true, "renewal")
		if r := a.Record(); r.Term != 1 || !r.Expires.Equal(clock.now().Add(ttl)) {
			t.Fatalf("renewed: %+v", r)
		}
		// a stops renewing: it stops counting itself the holder TTL/3
		// before the expiry, and b may take it only at the expiry.
		clock.add(2*ttl/3 - time.Nanosecond)
		if !a.Held() {
			t.Fatal("a gave up before its deadline")
		}
		clock.add(time.Nanosecond)
		if a.Held() {
			t.Fatal("a still holds past its deadline")
		}
		clock.add(ttl/3 - time.Nanosecond)
		mustAcquire(b, false, "just before the expiry")
		clock.add(time.Nanosecond)
		mustAcquire(b, true, "at the expiry")
		if r := b.Record(); r.Term != 2 || r.Holder != "b" || !r.Since.Equal(clock.now()) {
			t.Fatalf("taken over: %+v", r)
		}
		mustAcquire(a, false, "the old holder comes back")
		if !b.Held() {
			t.Fatal("b lost it to the old holder")
		}
		// A clean stop hands over at once.
		if err := b.Release(); err != nil {
			t.Fatal(err)
		}
		if b.Held() {
			t.Fatal("released but held")
		}
		mustAcquire(a, true, "after the release")
		if r := a.Record(); r.Term != 3 {
			t.Fatalf("term after release: %+v", r)
		}
		// Releasing a lease one does not hold changes nothing.
		if err := b.Release(); err != nil {
			t.Fatal(err)
		}
		mustAcquire(b, false, "b released what it did not hold")
	})
}

// The embedded file: the one process always holds the lease, and no record
// is written (a restart after a crash does not wait for an expiry).
func TestLeaseExclusive(t *testing.T) {
	onBbolt(t)
	s := openStore(t)
	l := s.NewLease("workers", NewHolderID(), 0)
	if !l.Held() {
		t.Fatal("not held before Acquire")
	}
	if ok, err := l.Acquire(); !ok || err != nil {
		t.Fatalf("Acquire: %v %v", ok, err)
	}
	_ = s.View(func(t2 *Tx) error {
		if v := t2.b(bMeta).Get([]byte("lease:workers")); v != nil {
			t.Errorf("record written on the embedded file: %s", v)
		}
		return nil
	})
	ran := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	go l.Run(ctx, func(wctx context.Context) { close(ran); <-wctx.Done() }, nil)
	<-ran
	cancel()
}

// Two contenders running Run: the work runs in one at a time, the holder
// that stops hands over, and one that dies without releasing is replaced
// after the expiry.
func TestLeaseRunHandOver(t *testing.T) {
	forPairs(t, func(t *testing.T, sa, sb *Store) {
		const ttl = 900 * time.Millisecond // the work must stop within TTL/3 even on a loaded machine
		sa.SetClock(time.Now)
		sb.SetClock(time.Now)
		var running, overlaps atomic.Int32
		started := make(chan string, 8)
		work := func(name string) func(context.Context) {
			return func(ctx context.Context) {
				if running.Add(1) > 1 {
					overlaps.Add(1)
				}
				started <- name
				<-ctx.Done()
				running.Add(-1)
			}
		}
		ctxA, stopA := context.WithCancel(context.Background())
		doneA := make(chan struct{})
		a := sa.NewLease("workers", "a", ttl)
		go func() { defer close(doneA); a.Run(ctxA, work("a"), nil) }()
		if got := <-started; got != "a" {
			t.Fatalf("first started: %s", got)
		}
		ctxB, stopB := context.WithCancel(context.Background())
		doneB := make(chan struct{})
		b := sb.NewLease("workers", "b", ttl)
		go func() { defer close(doneB); b.Run(ctxB, work("b"), nil) }()
		// b keeps trying while a renews: let it try several times.
		deadline := time.Now().Add(3 * ttl)
		for time.Now().Before(deadline) {
			select {
			case got := <-started:
				// a may restart its work when a renewal came too late on a
				// loaded machine; b must not start.
				if got != "a" {
					t.Fatalf("%s started while a holds the lease", got)
				}
			case <-time.After(ttl / 10):
			}
		}
		stopA()
		<-doneA // a's work ended and the lease is released
		// next waits for want's work to start; a restart of an earlier
		// holder's work (already queued) is skipped.
		earlier := map[string]bool{"a": true}
		next := func(want string) {
			t.Helper()
			for got := <-started; got != want; got = <-started {
				if !earlier[got] {
					t.Fatalf("%s started, want %s", got, want)
				}
			}
			earlier[want] = true
		}
		next("b")
		if r := b.Record(); r.Holder != "b" || r.Term != 2 {
			t.Fatalf("b's record: %+v", r)
		}
		// b dies: it neither renews nor releases. A third holder takes over
		// only after the expiry.
		rec := b.Record()
		stopB()
		<-doneB
		_ = sb.Update("system", func(t *Tx) error { return putJSON(t.b(bMeta), []byte("lease:workers"), &rec) })
		c := sa.NewLease("workers", "c", ttl)
		ctxC, stopC := context.WithCancel(context.Background())
		defer stopC()
		go c.Run(ctxC, work("c"), nil)
		next("c")
		if now := sa.Now(); now.Before(rec.Expires) {
			t.Fatalf("c took over at %v, before b's expiry %v", now, rec.Expires)
		}
		if n := overlaps.Load(); n != 0 {
			t.Fatalf("%d overlaps", n)
		}
	})
}
