package kv_test

import (
	"errors"
	"sync/atomic"
	"testing"

	"dealerportal/store/kv"
)

var errConflict = errors.New("conflict")

// fakeTx fails its commit while fail counts down.
type fakeTx struct {
	kv.Tx
	fail *atomic.Int32
	err  error
}

func (f *fakeTx) Commit() error {
	if f.fail.Add(-1) >= 0 {
		return errConflict
	}
	return nil
}
func (f *fakeTx) Rollback() error { return nil }
func (f *fakeTx) Err() error      { return f.err }

func TestGroupRetry(t *testing.T) {
	for _, tc := range []struct {
		name      string
		failures  int32
		retry     func(error) bool
		wantErr   error
		wantRuns  int32
		wantBegin int32
	}{
		{"no failure", 0, nil, nil, 1, 1},
		{"retried commit", 2, func(err error) bool { return errors.Is(err, errConflict) }, nil, 3, 3},
		{"not retryable", 1, nil, errConflict, 1, 1},
		{"retries bounded", 100, func(error) bool { return true }, errConflict, 10, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fail, begins, runs atomic.Int32
			fail.Store(tc.failures)
			g := kv.NewGroupCommitter(func() (kv.GroupTx, error) {
				begins.Add(1)
				return &fakeTx{fail: &fail}, nil
			}, tc.retry)
			defer g.Close()
			err := g.Run(func(kv.Tx) error { runs.Add(1); return nil })
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if runs.Load() != tc.wantRuns || begins.Load() != tc.wantBegin {
				t.Errorf("%d runs in %d transactions, want %d in %d", runs.Load(), begins.Load(), tc.wantRuns, tc.wantBegin)
			}
		})
	}
}
