package kv

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// The nested-transaction check. bbolt deadlocks when one goroutine opens a
// transaction while it holds another: a read inside a read waits for a
// writer that waits (to remap the grown file) for the outer read; an
// update inside a read, or a read or an update inside an update, the same
// or worse. On PostgreSQL a nested transaction takes a second pooled
// connection and sees another snapshot. The store must never nest, and
// caches (the settings, the org tree, the sessions) can hide a nested read
// behind a hit that only a cold cache misses.
//
// CheckNested wraps a DB so that, while the check is on, every transaction
// is recorded against the goroutine that runs its function, and opening
// one on a goroutine that holds another panics with NestedError, which
// carries the stacks of both openings. Tests switch it on (SetNestedCheck,
// or PORTAL_CHECK_NESTED_TX=1 in the environment of a portal process;
// PORTAL_CHECK_NESTED_TX=report prints each one found on stderr and goes
// on, to list them all in one run: go test -v, or a passing package's
// output is not shown); off, the wrapper costs one atomic load per
// transaction.

var nestedOn, reportOnly atomic.Bool

func init() {
	switch os.Getenv("PORTAL_CHECK_NESTED_TX") {
	case "1":
		nestedOn.Store(true)
	case "report":
		// Print every one found and go on, to list them all in one run.
		nestedOn.Store(true)
		reportOnly.Store(true)
	}
}

// SetNestedCheck switches the nested-transaction check on or off for the
// whole process and returns its previous state.
func SetNestedCheck(on bool) (was bool) { return nestedOn.Swap(on) }

// NestedCheck reports whether the nested-transaction check is on.
func NestedCheck() bool { return nestedOn.Load() }

// NestedError is the panic value of a nested transaction: what was opened
// (Inner) inside what (Outer), with the stack of each opening.
type NestedError struct {
	Outer, Inner           string // "view", "update", "batch"
	OuterStack, InnerStack string
}

func (e *NestedError) Error() string {
	return fmt.Sprintf("nested transaction: %s opened inside %s on the same goroutine\n--- the %s was opened at:\n%s\n--- the %s at:\n%s",
		e.Inner, e.Outer, e.Outer, e.OuterStack, e.Inner, e.InnerStack)
}

type opening struct {
	kind  string
	stack string
}

var (
	openMu sync.Mutex
	open   = map[uint64]*opening{}
	found  atomic.Int64
)

// NestedFound returns how many nested transactions the check has found
// since the process started (each also panicked where it happened), for a
// test binary to fail on at its end even when a panic was recovered.
func NestedFound() int64 { return found.Load() }

func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}

func stack() string {
	buf := make([]byte, 16<<10)
	return string(buf[:runtime.Stack(buf, false)])
}

// CheckFree panics with a NestedError when the check is on and the calling
// goroutine holds a transaction: for a caller that is about to wait for a
// transaction run by another goroutine (a group commit). kind names it.
func CheckFree(kind string) {
	if !nestedOn.Load() {
		return
	}
	checkFree(goroutineID(), kind)
}

func checkFree(g uint64, kind string) {
	openMu.Lock()
	o := open[g]
	openMu.Unlock()
	if o != nil {
		found.Add(1)
		e := &NestedError{Outer: o.kind, Inner: kind, OuterStack: o.stack, InnerStack: stack()}
		// Also on stderr: a recovered panic (a request's 500) still shows
		// in the log of the test run.
		fmt.Fprintln(os.Stderr, "kv:", e.Error())
		if !reportOnly.Load() {
			panic(e)
		}
	}
}

// enter records that the calling goroutine runs a transaction's function,
// after checking it holds none; the returned function forgets it.
func enter(kind string) func() {
	g := goroutineID()
	checkFree(g, kind)
	openMu.Lock()
	if open[g] != nil { // report only: the outer one stays recorded
		openMu.Unlock()
		return func() {}
	}
	open[g] = &opening{kind: kind, stack: stack()}
	openMu.Unlock()
	return func() {
		openMu.Lock()
		delete(open, g)
		openMu.Unlock()
	}
}

// CheckNested returns db with the nested-transaction check (see
// SetNestedCheck). Unwrap gives db back.
func CheckNested(db DB) DB { return nestChecked{db} }

type nestChecked struct{ DB }

// Unwrap returns the wrapped DB.
func (c nestChecked) Unwrap() DB { return c.DB }

func (c nestChecked) View(fn func(Tx) error) error { return c.checkedView(DB.View, fn) }

// ViewFresh is kv.ViewFresh on the wrapped DB, checked as View is.
func (c nestChecked) ViewFresh(fn func(Tx) error) error { return c.checkedView(ViewFresh, fn) }

// ViewOnce is kv.ViewOnce on the wrapped DB, checked as View is.
func (c nestChecked) ViewOnce(fn func(Tx) error) error { return c.checkedView(ViewOnce, fn) }

// checkedView runs fn through view (DB.View or one of its variants) on the
// wrapped DB, checked for a transaction already open in its goroutine.
func (c nestChecked) checkedView(view func(DB, func(Tx) error) error, fn func(Tx) error) error {
	if nestedOn.Load() {
		fn = checkedFn("view", fn)
	}
	return view(c.DB, fn)
}

func (c nestChecked) Update(fn func(Tx) error) error {
	if !nestedOn.Load() {
		return c.DB.Update(fn)
	}
	// The caller may wait for another goroutine that runs fn (PostgreSQL's
	// group commit): check it first, then record fn's goroutine.
	CheckFree("update")
	return c.DB.Update(checkedFn("update", fn))
}

func (c nestChecked) Batch(fn func(Tx) error) error {
	if !nestedOn.Load() {
		return c.DB.Batch(fn)
	}
	CheckFree("batch")
	return c.DB.Batch(checkedFn("batch", fn))
}

// Peek is kv.Peek on the wrapped DB: a transaction of its own (a View on
// bbolt), so not inside another.
func (c nestChecked) Peek(bucket, key []byte) ([]byte, error) {
	if nestedOn.Load() {
		CheckFree("view")
	}
	return Peek(c.DB, bucket, key)
}

// CountPrefix is kv.CountPrefix on the wrapped DB: a transaction of its
// own (a View on bbolt), so not inside another.
func (c nestChecked) CountPrefix(bucket, prefix []byte, limit int) (int, error) {
	if nestedOn.Load() {
		CheckFree("view")
	}
	return CountPrefix(c.DB, bucket, prefix, limit)
}

// PeekMany is kv.PeekMany on the wrapped DB: a transaction of its own (a
// View on bbolt), so not inside another.
func (c nestChecked) PeekMany(reads []PeekRead) error {
	if nestedOn.Load() {
		CheckFree("view")
	}
	return PeekMany(c.DB, reads)
}

func checkedFn(kind string, fn func(Tx) error) func(Tx) error {
	return func(tx Tx) error {
		defer enter(kind)()
		return fn(tx)
	}
}

// SetNestedCheckForTests switches the check on for a test binary (from an
// init function of its package) unless PORTAL_CHECK_NESTED_TX=0 or the
// binary runs benchmarks (-test.bench), which it would slow: the check
// reads a stack per transaction.
func SetNestedCheckForTests() {
	if v := os.Getenv("PORTAL_CHECK_NESTED_TX"); v == "0" || v == "report" {
		return
	}
	for i, a := range os.Args {
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, "test.bench="); ok && v != "" ||
			a == "test.bench" && i+1 < len(os.Args) && os.Args[i+1] != "" {
			return
		}
	}
	nestedOn.Store(true)
}
