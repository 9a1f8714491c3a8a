package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"dealerportal/store/kv"
)

// maxGroup bounds how many callers' functions share one transaction, so
// that one commit stays a few hundred kilobytes and a caller waits for at
// most that many others.
const maxGroup = 128

// Batch is Update for many concurrent writers (group commit): the functions
// of callers that arrive while a commit is under way run one after another
// in the next single transaction, which commits with one fsync; each caller
// returns only after that commit, with its own function's error or the
// commit's. There is no fixed wait: a lone caller's function starts at
// once, so a single writer is as fast as with Update, and under load the
// group grows by itself to the callers that queued during the last fsync
// (up to maxGroup).
//
// Its catch: a failing function must not leave its partial writes in the
// group, so the transaction is rolled back, the failing caller gets its
// error, and the others' functions run again in a new transaction. fn may
// therefore run more than once, and must be safe to: build every record it
// writes afresh inside fn (never reuse an object a first run stamped with
// an id, a number or a version), reset what it fills for its caller at its
// start, and keep no side effects outside the transaction (notify, invalidate
// caches, send after Batch returns, or through Tx.OnCommit). A panic in fn
// is a failure of that caller only: it panics again in the caller's
// goroutine.
func (s *Store) Batch(by string, fn func(*Tx) error) error { return s.batchAhead(by, nil, fn) }

// batchAhead is Batch with a read-ahead: ahead, when not nil, gives the
// keys fn will read; the group's transaction reads the keys of all its
// functions in one go (kv.PrefetchKeys) before running the first, so that
// on PostgreSQL the functions of a group do not each make a round trip
// under the writers' lock for their own.
func (s *Store) batchAhead(by string, ahead func(t *Tx) []kv.BucketKey, fn func(*Tx) error) error {
	// Waiting for the commit goroutine while holding a transaction would
	// deadlock on bbolt (kv/nested.go).
	kv.CheckFree("batch")
	r := &commitReq{by: by, fn: fn, ahead: ahead, done: make(chan struct{})}
	if !s.commits.enqueue(r) {
		return kv.ErrDatabaseNotOpen
	}
	<-r.done
	if r.panicked {
		panic(r.panicVal)
	}
	return r.err
}

// commitReq is one caller's function waiting for a group commit.
type commitReq struct {
	by       string
	fn       func(*Tx) error
	ahead    func(*Tx) []kv.BucketKey // the keys fn reads (batchAhead), or nil
	err      error
	panicked bool
	panicVal any
	done     chan struct{}
}

// committer is the store's group-commit queue: callers append requests, one
// goroutine takes whatever is pending, runs it in one transaction and
// commits.
type committer struct {
	mu      sync.Mutex
	pending []*commitReq
	closed  bool
	wake    chan struct{} // capacity 1: "there is work"
	stopped chan struct{}
	// commits and calls count the committed groups and the Batch calls
	// they carried (CommitStats).
	commits, calls atomic.Uint64
	// busy and inFns sum the wall time of commitGroup (the functions, the
	// commit and its fsync) and of the functions alone (CommitTimes).
	busy, inFns atomic.Int64
}

// CommitStats returns how many group commits Batch made since Open and how
// many calls they carried: calls/commits is the mean group size.
func (s *Store) CommitStats() (commits, calls uint64) {
	return s.commits.commits.Load(), s.commits.calls.Load()
}

// CommitTimes returns the wall time the commit goroutine spent on groups
// since Open (running their functions, writing and fsyncing) and, of that,
// running the functions: busy divided by the elapsed time says how close
// the single commit queue is to being what limits the rate.
func (s *Store) CommitTimes() (busy, functions time.Duration) {
	return time.Duration(s.commits.busy.Load()), time.Duration(s.commits.inFns.Load())
}

func (s *Store) startCommitter() {
	s.commits = &committer{wake: make(chan struct{}, 1), stopped: make(chan struct{})}
	go s.commitLoop()
}

// enqueue adds r; false when the store is closing.
func (c *committer) enqueue(r *commitReq) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	c.pending = append(c.pending, r)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

// take returns up to maxGroup pending requests, oldest first.
func (c *committer) take() (group []*commitReq, closed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := min(len(c.pending), maxGroup)
	group = append(group, c.pending[:n]...)
	rest := copy(c.pending, c.pending[n:])
	clear(c.pending[rest:])
	c.pending = c.pending[:rest]
	return group, c.closed
}

// stop lets the loop finish what is queued and waits for it.
func (c *committer) stop() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	<-c.stopped
}

func (s *Store) commitLoop() {
	c := s.commits
	defer close(c.stopped)
	for range c.wake {
		for {
			group, closed := c.take()
			if len(group) == 0 {
				if closed {
					return
				}
				break
			}
			s.commitGroup(group)
		}
	}
}

// commitGroup runs the group's functions in one write transaction of the
// seam and commits it. When a function fails (or panics) the transaction is
// rolled back, that caller gets its error, and the rest run again without
// it: the failed function saw the state the functions before it left,
// exactly as if it had run alone right after them, and left nothing behind.
// The caches' invalidations (org tree, settings, sign-ins) run through
// Tx.OnCommit, so only for the attempt that committed: on PostgreSQL the
// seam may run the whole group again after a serialization failure.
func (s *Store) commitGroup(group []*commitReq) {
	start := time.Now()
	defer func() { s.commits.busy.Add(int64(time.Since(start))) }()
	for len(group) > 0 {
		failed := -1
		err := s.db.Update(func(ktx kv.Tx) error {
			fnStart := time.Now()
			failed = runGroup(s, ktx, group)
			s.commits.inFns.Add(int64(time.Since(fnStart)))
			if failed >= 0 {
				return errGroupMember
			}
			return nil
		})
		if failed >= 0 && err == errGroupMember {
			close(group[failed].done)
			group = append(group[:failed:failed], group[failed+1:]...)
			continue
		}
		if err == nil {
			s.commits.commits.Add(1)
			s.commits.calls.Add(uint64(len(group)))
		}
		finishAll(group, err)
		return
	}
}

// errGroupMember rolls a group back when one of its functions failed (that
// caller gets its own error).
var errGroupMember = errors.New("a function of the group failed")

// runGroup runs each function in ktx in order; it returns the index of the
// first one that failed (its error set) or -1. A function that changed the
// org tree makes the ones after it read the tree from the transaction, not
// from the committed cache.
func runGroup(s *Store, ktx kv.Tx, group []*commitReq) (failed int) {
	// Every function's read-ahead in one go (a hint: nothing fails here).
	var keys []kv.BucketKey
	for _, r := range group {
		if r.ahead != nil {
			keys = append(keys, r.ahead(&Tx{tx: ktx, s: s, Now: s.Now(), By: r.by})...)
		}
	}
	if len(keys) > 0 {
		kv.PrefetchKeys(ktx, keys)
	}
	dirty := false
	for i, r := range group {
		t := &Tx{tx: ktx, s: s, Now: s.Now(), By: r.by, orgDirty: dirty}
		if r.run(t) != nil {
			return i
		}
		dirty = t.orgDirty
	}
	return -1
}

// run calls fn, turning a panic into this request's failure.
func (r *commitReq) run(t *Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			r.panicked, r.panicVal = true, v
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	r.err = r.fn(t)
	return r.err
}

func finishAll(group []*commitReq, err error) {
	for _, r := range group {
		r.err = err
		close(r.done)
	}
}
