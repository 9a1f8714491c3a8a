package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"time"
)

// Leases: background work that must run once across the fleet (the
// outbox's e-mail and SMS, webhooks, monthly statements, purges, scheduled
// backups) runs in the one process that holds the workers' lease. The lease
// is a record in meta ("lease:<name>", JSON: holder, term, since, renewed,
// expires) written in an ordinary write transaction, so on PostgreSQL the
// writers' lock makes taking it a compare-and-set: a process takes it when
// there is none, when it is its own, or when the holder's expiry (by the
// store clock) has passed. The holder renews it every TTL/3 and counts
// itself the holder only until TTL/3 before the recorded expiry: a holder
// that cannot renew stops its work before anyone else may start (process
// clocks must agree to within TTL/3, as NTP keeps them). A holder that dies
// is replaced at most TTL + TTL/3 after its last renewal; one that stops
// cleanly releases the record and is replaced within TTL/3.
//
// On the embedded file the process is alone: it always holds the lease and
// writes no record.

// LeaseTTL is how long a lease lasts past its last renewal.
const LeaseTTL = 15 * time.Second

// LeaseRecord is the stored lease.
type LeaseRecord struct {
	Holder  string    `json:"holder"`
	Term    uint64    `json:"term"` // counts the changes of holder
	Since   time.Time `json:"since"`
	Renewed time.Time `json:"renewed"`
	Expires time.Time `json:"expires"`
}

// Lease is one process's claim on a named lease. Its methods are safe for
// concurrent use.
type Lease struct {
	s         *Store
	key       []byte
	holder    string
	ttl       time.Duration
	exclusive bool // the embedded file: always held, no record

	mu    sync.Mutex
	rec   LeaseRecord // the latest record read or written
	until time.Time   // held until then (store clock); zero when not held
}

// NewLease returns holder's claim on the lease name, not taken yet; ttl 0
// means LeaseTTL. holder must be unique per process (NewHolderID).
func (s *Store) NewLease(name, holder string, ttl time.Duration) *Lease {
	if ttl <= 0 {
		ttl = LeaseTTL
	}
	l := &Lease{s: s, key: []byte("lease:" + name), holder: holder, ttl: ttl, exclusive: !s.shared}
	if l.exclusive {
		now := s.Now()
		l.rec = LeaseRecord{Holder: holder, Term: 1, Since: now, Renewed: now}
	}
	return l
}

// NewHolderID returns a holder id for this process: host, pid and a random
// part, so that a restarted process is a new holder.
func NewHolderID() string {
	host, _ := os.Hostname()
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(r[:]))
}

// Holder is this claim's holder id.
func (l *Lease) Holder() string { return l.holder }

// TTL is the lease's duration past a renewal.
func (l *Lease) TTL() time.Duration { return l.ttl }

// Acquire takes the lease when it is free, expired or this holder's, and
// renews it; it reports whether this holder has it now. An error (the
// database does not answer) reports false.
func (l *Lease) Acquire() (bool, error) {
	if l.exclusive {
		return true, nil
	}
	var rec LeaseRecord
	var held bool
	err := l.s.Update("system", func(t *Tx) error {
		held = false
		var cur LeaseRecord
		found := getJSON(t.b(bMeta), l.key, &cur) == nil
		now := t.Now
		if found && cur.Holder != l.holder && now.Before(cur.Expires) {
			rec = cur
			return nil
		}
		rec = LeaseRecord{Holder: l.holder, Term: cur.Term, Since: cur.Since, Renewed: now, Expires: now.Add(l.ttl)}
		if !found || cur.Holder != l.holder {
			rec.Term, rec.Since = cur.Term+1, now
		}
		held = true
		return putJSON(t.b(bMeta), l.key, &rec)
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.until = time.Time{}
		return false, err
	}
	l.rec = rec
	if held {
		l.until = rec.Expires.Add(-l.ttl / 3)
	} else {
		l.until = time.Time{}
	}
	return held, nil
}

// Held reports whether this holder has the lease now: on the embedded file
// always; else until TTL/3 before the expiry of its last renewal.
func (l *Lease) Held() bool {
	if l.exclusive {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Now().Before(l.until)
}

// Record returns the latest lease record this claim read or wrote (the
// holder it saw, its term and expiry).
func (l *Lease) Record() LeaseRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rec
}

// left is how long this holder still counts as holding the lease.
func (l *Lease) left() time.Duration {
	if l.exclusive {
		return 1<<63 - 1
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.until.Sub(l.s.Now())
}

// Release gives the lease up when this holder has it (its record expires
// now), so that another process takes over at its next try rather than
// after the expiry.
func (l *Lease) Release() error {
	l.mu.Lock()
	l.until = time.Time{}
	l.mu.Unlock()
	if l.exclusive {
		return nil
	}
	return l.s.Update("system", func(t *Tx) error {
		var cur LeaseRecord
		if getJSON(t.b(bMeta), l.key, &cur) != nil || cur.Holder != l.holder {
			return nil
		}
		cur.Expires = t.Now
		return putJSON(t.b(bMeta), l.key, &cur)
	})
}

// Run keeps trying to take the lease and renewing it every TTL/3 until ctx
// ends; while this holder has it, work runs with a context that ends when
// the lease is lost, when the holder could not renew in time, or with ctx.
// work must return once its context ends; Run waits for it before trying
// again, and at the end releases the lease. onErr (may be nil) hears of
// failed attempts.
func (l *Lease) Run(ctx context.Context, work func(context.Context), onErr func(error)) {
	var (
		cancel context.CancelFunc
		done   chan struct{}
		timer  *time.Timer
	)
	stop := func() {
		if cancel != nil {
			timer.Stop()
			cancel()
			<-done
			cancel = nil
		}
	}
	defer func() {
		stop()
		if err := l.Release(); err != nil && onErr != nil {
			onErr(err)
		}
	}()
	tick := time.NewTicker(l.ttl / 3)
	defer tick.Stop()
	for {
		if cancel != nil {
			select {
			case <-done: // the work ended: its time ran out, or it returned
				stop()
			default:
			}
		}
		held, err := l.Acquire()
		if err != nil && onErr != nil {
			onErr(err)
		}
		switch {
		case held && cancel == nil:
			var wctx context.Context
			wctx, cancel = context.WithCancel(ctx)
			done = make(chan struct{})
			go func() { defer close(done); work(wctx) }()
			// The work ends when the holder could not renew in time, even
			// when a renewal hangs.
			timer = time.AfterFunc(l.left(), cancel)
		case held:
			timer.Reset(l.left())
		default:
			stop()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
