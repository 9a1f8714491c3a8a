package kv_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"dealerportal/store/kv"
	"dealerportal/store/kv/boltkv"

	bolt "go.etcd.io/bbolt"
)

// nestedPanic runs fn and returns the NestedError it panicked with, nil
// when it did not panic.
func nestedPanic(t *testing.T, fn func()) (ne *kv.NestedError) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*kv.NestedError)
			if !ok {
				panic(r)
			}
			ne = e
		}
	}()
	fn()
	return nil
}

func TestNestedCheck(t *testing.T) {
	bdb, err := bolt.Open(filepath.Join(t.TempDir(), "n.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db := kv.CheckNested(boltkv.Wrap(bdb))
	defer db.Close()
	nop := func(kv.Tx) error { return nil }
	nest := map[string]func(fn func(kv.Tx) error) error{"view": db.View, "update": db.Update, "batch": db.Batch}

	was := kv.SetNestedCheck(false)
	defer kv.SetNestedCheck(was)
	// Off: nothing is checked (a nested read on bbolt works until a
	// writer needs to remap, which this test does not provoke).
	if ne := nestedPanic(t, func() { _ = db.View(func(kv.Tx) error { return db.View(nop) }) }); ne != nil {
		t.Fatalf("check off: %v", ne)
	}

	kv.SetNestedCheck(true)
	for outer, open := range map[string]func(fn func(kv.Tx) error) error{"view": db.View, "update": db.Update} {
		for inner, in := range nest {
			// An update inside an update would wait for bbolt's writer
			// lock for ever: the check panics before it asks.
			found := kv.NestedFound()
			ne := nestedPanic(t, func() { _ = open(func(kv.Tx) error { return in(nop) }) })
			if ne == nil {
				t.Fatalf("%s inside %s: no panic", inner, outer)
			}
			if ne.Outer != outer || ne.Inner != inner || !strings.Contains(ne.OuterStack, "TestNestedCheck") ||
				!strings.Contains(ne.InnerStack, "TestNestedCheck") || kv.NestedFound() != found+1 {
				t.Fatalf("%s inside %s: %+v", inner, outer, ne)
			}
		}
	}
	// One after the other, and in other goroutines, is not nesting; the
	// records of the panicked ones above are gone.
	for _, open := range nest {
		if err := open(nop); err != nil {
			t.Fatal(err)
		}
	}
	err = db.View(func(kv.Tx) error {
		done := make(chan error)
		go func() { done <- db.View(nop) }()
		return <-done
	})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(db.View(func(kv.Tx) error { return kv.ErrTxClosed }), kv.ErrTxClosed) {
		t.Fatal("the function's error is not returned")
	}
}
