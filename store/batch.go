package store

import (
	bolt "go.etcd.io/bbolt"
)

// Batch is Update for many concurrent writers: bbolt coalesces the functions
// of concurrent callers into one transaction and one fsync (up to
// db.MaxBatchSize of them, set at Open to the expected concurrency), which
// multiplies durable throughput under load. Its catch: when one function of
// a batch fails, the batch is rolled back and every function is run again on
// its own, so fn may run twice. fn must therefore be idempotent: build every
// record it writes afresh inside fn (never reuse an object a first run
// stamped with an id or a number) and keep no side effects outside the
// transaction. A single caller gains nothing (it waits MaxBatchDelay).
func (s *Store) Batch(by string, fn func(*Tx) error) error {
	var dirty bool
	err := s.db.Batch(func(btx *bolt.Tx) error {
		t := &Tx{tx: btx, s: s, Now: s.Now(), By: by}
		if err := fn(t); err != nil {
			return err
		}
		dirty = dirty || t.orgDirty
		return nil
	})
	if err == nil && dirty {
		s.orgGen.Add(1)
		s.orgTree.Store(nil)
	}
	return err
}
