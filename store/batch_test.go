package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dealerportal/model"
)

// TestBatchGroupFailure: 50 callers queue while a commit is under way, so
// their functions share the next transaction; each bumps a shared counter
// (read, add, write), takes a sequence number and writes its own key. One of
// them writes too and then fails with a validation error, another panics.
// The other 48 are committed exactly once (the counter is 48, 48 keys, 48
// sequence numbers in use), the failing caller gets its own error and left
// nothing, the panicking one panics in its own goroutine, and the functions
// that ran before a failure ran again.
func TestBatchGroupFailure(t *testing.T) {
	s := openStore(t)
	bucket := []byte("batch_test")
	if err := s.Update("test", func(tx *Tx) error {
		_, err := tx.tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Hold the committer in a first group until the 50 are queued.
	running, release := make(chan struct{}), make(chan struct{})
	go func() {
		_ = s.Batch("test", func(*Tx) error { close(running); <-release; return nil })
	}()
	<-running

	const n, failing, panicking = 50, 20, 35
	var runs atomic.Int64
	errs := make([]error, n)
	panics := make([]any, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			errs[i] = s.Batch(fmt.Sprintf("u%d", i), func(tx *Tx) error {
				runs.Add(1)
				b := tx.b(bucket)
				total := btoi(b.Get([]byte("total"))) + 1
				if err := b.Put([]byte("total"), itob(total)); err != nil {
					return err
				}
				seq, err := b.NextSequence()
				if err != nil {
					return err
				}
				if err := b.Put(fmt.Appendf(nil, "k%02d", i), itob(seq)); err != nil {
					return err
				}
				switch i {
				case failing:
					return model.Invalid("qty", "err.qty_invalid")
				case panicking:
					panic("boom")
				}
				return nil
			})
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		s.commits.mu.Lock()
		queued := len(s.commits.pending)
		s.commits.mu.Unlock()
		if queued == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d callers queued", queued, n)
		}
		time.Sleep(time.Millisecond)
	}
	commits0, _ := s.CommitStats()
	close(release)
	wg.Wait()

	var ve *model.ValidationError
	for i := range n {
		switch i {
		case failing:
			if !errors.As(errs[i], &ve) || panics[i] != nil {
				t.Errorf("failing caller: %v, panic %v", errs[i], panics[i])
			}
		case panicking:
			if panics[i] != "boom" {
				t.Errorf("panicking caller: %v, panic %v", errs[i], panics[i])
			}
		default:
			if errs[i] != nil || panics[i] != nil {
				t.Errorf("caller %d: %v, panic %v", i, errs[i], panics[i])
			}
		}
	}
	_ = s.View(func(tx *Tx) error {
		b := tx.b(bucket)
		if got := btoi(b.Get([]byte("total"))); got != n-2 {
			t.Errorf("counter %d, want %d", got, n-2)
		}
		seqs := map[uint64]bool{}
		for i := range n {
			v := b.Get(fmt.Appendf(nil, "k%02d", i))
			if (v == nil) != (i == failing || i == panicking) {
				t.Errorf("key of caller %d: %v", i, v)
			}
			if v != nil {
				seqs[btoi(v)] = true
			}
		}
		if len(seqs) != n-2 || b.Sequence() != n-2 {
			t.Errorf("%d distinct sequence numbers, sequence at %d, want %d", len(seqs), b.Sequence(), n-2)
		}
		return nil
	})
	// One more commit than the blocker's: the 48 shared one transaction.
	if commits, _ := s.CommitStats(); commits-commits0 != 2 {
		t.Errorf("%d commits after the queue filled, want 2", commits-commits0)
	}
	if r := runs.Load(); r <= n {
		t.Errorf("%d runs: the functions before a failure should have run again", r)
	}
}

// TestBatchAlone: a lone caller does not wait for company, and a Batch after
// Close fails instead of hanging.
func TestBatchAlone(t *testing.T) {
	s := openStore(t)
	for range 20 {
		if err := s.Batch("test", func(tx *Tx) error { _, err := tx.NextDocNumber(model.DocOnlineOrder, time.UTC); return err }); err != nil {
			t.Fatal(err)
		}
	}
	if commits, calls := s.CommitStats(); commits != 20 || calls != 20 {
		t.Errorf("%d commits of %d calls, want 20 of 20", commits, calls)
	}
	s.Close()
	if err := s.Batch("test", func(*Tx) error { return nil }); err == nil {
		t.Error("Batch after Close succeeded")
	}
}
