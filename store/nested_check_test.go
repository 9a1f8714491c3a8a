package store

import (
	"errors"
	"testing"

	"dealerportal/store/kv"
)

// The store's tests run with the nested-transaction check on (kv/nested.go):
// a transaction opened inside another on the same goroutine panics.
func init() { kv.SetNestedCheckForTests() }

// TestNestedTransactionCheck proves the check on the store's own entry
// points, including a read hidden behind a cache that a cold cache misses.
func TestNestedTransactionCheck(t *testing.T) {
	if !kv.NestedCheck() {
		t.Skip("the check is off (PORTAL_CHECK_NESTED_TX=0)")
	}
	s := openStore(t)
	catch := func(fn func()) (ne *kv.NestedError) {
		defer func() {
			if r := recover(); r != nil {
				if !errors.As(asError(r), &ne) {
					panic(r)
				}
			}
		}()
		fn()
		return nil
	}
	nop := func(*Tx) error { return nil }
	cases := map[string]func(){
		"view in view":   func() { _ = s.View(func(*Tx) error { return s.View(nop) }) },
		"batch in view":  func() { _ = s.View(func(*Tx) error { return s.Batch("t", nop) }) },
		"update in view": func() { _ = s.View(func(*Tx) error { return s.Update("t", nop) }) },
		"view in update": func() { _ = s.Update("t", func(*Tx) error { return s.View(nop) }) },
		"view in batch":  func() { _ = s.Batch("t", func(*Tx) error { return s.View(nop) }) },
		"settings read in view, cold cache": func() {
			s.settingsGen.Add(1) // what a save or another process's change does
			_ = s.View(func(*Tx) error { _ = s.Settings(); return nil })
		},
	}
	for name, fn := range cases {
		if catch(fn) == nil {
			t.Errorf("%s: not found", name)
		}
	}
	// The same reads one after the other are fine.
	if ne := catch(func() {
		_ = s.View(nop)
		_ = s.Settings()
		_ = s.Batch("t", nop)
	}); ne != nil {
		t.Fatal(ne)
	}
}

func asError(r any) error {
	if e, ok := r.(error); ok {
		return e
	}
	return nil
}
