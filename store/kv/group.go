package kv

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// maxGroup bounds how many callers' functions share one transaction, so
// that one commit stays small and a caller waits for at most that many
// others.
const maxGroup = 128

// GroupTx is a write transaction a GroupCommitter runs functions in.
type GroupTx interface {
	Tx
	Commit() error
	Rollback() error
	// Err returns the failure of a read inside the transaction (which
	// Tx methods without an error result cannot return), or nil. A
	// function after which Err is set fails as if it had returned it.
	Err() error
}

// GroupCommitter implements Batch for a backend whose writers run one at a
// time (bbolt; PostgreSQL with serial writers): the functions of callers
// that arrive while a commit is under way run one after another in the
// next single transaction, which commits once. There is no fixed wait: a
// lone caller's function starts at once, and under load the group grows
// by itself to the callers that queued during the last commit (up to
// maxGroup).
//
// A failing function must not leave its partial writes in the group, so
// the transaction is rolled back, that caller gets its error, and the
// others' functions run again in a new transaction: the failed function
// saw the state the functions before it left, exactly as if it had run
// alone right after them. A panic in fn is a failure of that caller only:
// it panics again in the caller's goroutine.
type GroupCommitter struct {
	begin func() (GroupTx, error)
	// retry, when set, says which failures (of the commit, or of a read
	// inside the transaction) run the whole group again rather than fail
	// it: PostgreSQL's serialization failures and deadlocks.
	retry   func(error) bool
	mu      sync.Mutex
	pending []*groupReq
	closed  bool
	wake    chan struct{} // capacity 1: "there is work"
	stopped chan struct{}
	// commits and calls count the committed groups and the calls they
	// carried: calls/commits is the mean group size.
	commits, calls atomic.Uint64
}

type groupReq struct {
	fn       func(Tx) error
	err      error
	panicked bool
	panicVal any
	done     chan struct{}
}

// NewGroupCommitter starts a committer that opens its write transactions
// with begin. retry may be nil; when it returns true for a failure, the
// group runs again (up to maxGroupAttempts times, after a growing pause).
func NewGroupCommitter(begin func() (GroupTx, error), retry func(error) bool) *GroupCommitter {
	g := &GroupCommitter{begin: begin, retry: retry, wake: make(chan struct{}, 1), stopped: make(chan struct{})}
	go g.loop()
	return g
}

// Run queues fn for the next group and returns its error or the commit's;
// ErrDatabaseNotOpen after Close.
func (g *GroupCommitter) Run(fn func(Tx) error) error {
	r := &groupReq{fn: fn, done: make(chan struct{})}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return ErrDatabaseNotOpen
	}
	g.pending = append(g.pending, r)
	g.mu.Unlock()
	select {
	case g.wake <- struct{}{}:
	default:
	}
	<-r.done
	if r.panicked {
		panic(r.panicVal)
	}
	return r.err
}

// Stats returns how many groups were committed and how many calls they
// carried.
func (g *GroupCommitter) Stats() (commits, calls uint64) {
	return g.commits.Load(), g.calls.Load()
}

// Close lets the committer finish what is queued and waits for it.
func (g *GroupCommitter) Close() {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return
	}
	g.closed = true
	g.mu.Unlock()
	select {
	case g.wake <- struct{}{}:
	default:
	}
	<-g.stopped
}

func (g *GroupCommitter) take() (group []*groupReq, closed bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := min(len(g.pending), maxGroup)
	group = append(group, g.pending[:n]...)
	rest := copy(g.pending, g.pending[n:])
	clear(g.pending[rest:])
	g.pending = g.pending[:rest]
	return group, g.closed
}

func (g *GroupCommitter) loop() {
	defer close(g.stopped)
	for range g.wake {
		for {
			group, closed := g.take()
			if len(group) == 0 {
				if closed {
					return
				}
				break
			}
			g.commitGroup(group)
		}
	}
}

// maxGroupAttempts bounds the runs of a group on retryable failures.
const maxGroupAttempts = 10

func (g *GroupCommitter) commitGroup(group []*groupReq) {
	pause := time.Millisecond
	for attempt := 1; len(group) > 0; {
		tx, err := g.begin()
		if err != nil {
			finishAll(group, err)
			return
		}
		failed := -1
		for i, r := range group {
			if r.run(tx) != nil {
				failed = i
				break
			}
			if err := tx.Err(); err != nil {
				r.err = err
				failed = i
				break
			}
		}
		if failed >= 0 {
			_ = tx.Rollback()
			if err := tx.Err(); err != nil && g.retryable(err, attempt) {
				// The transaction failed under the function (a deadlock, a
				// serialization failure): not the caller's fault.
				attempt++
				pause = sleep(pause)
				continue
			}
			close(group[failed].done)
			group = append(group[:failed:failed], group[failed+1:]...)
			continue
		}
		err = tx.Commit()
		if err != nil && g.retryable(err, attempt) {
			attempt++
			pause = sleep(pause)
			continue
		}
		if err == nil {
			g.commits.Add(1)
			g.calls.Add(uint64(len(group)))
		}
		finishAll(group, err)
		return
	}
}

func (g *GroupCommitter) retryable(err error, attempt int) bool {
	return g.retry != nil && attempt < maxGroupAttempts && g.retry(err)
}

// sleep pauses for about pause (jittered to ½–1½ of it) and returns the
// next, doubled up to 200 ms.
func sleep(pause time.Duration) time.Duration {
	time.Sleep(pause/2 + rand.N(pause))
	return min(2*pause, 200*time.Millisecond)
}

// run calls fn, turning a panic into this request's failure.
func (r *groupReq) run(tx Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			r.panicked, r.panicVal = true, v
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	r.err = r.fn(tx)
	return r.err
}

func finishAll(group []*groupReq, err error) {
	for _, r := range group {
		r.err = err
		close(r.done)
	}
}
