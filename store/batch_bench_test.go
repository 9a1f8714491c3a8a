package store

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"dealerportal/store/kv"
)

// BenchmarkGroupCommit compares the ways a write can reach the disk, with
// durable commits (an fsync each): "update" gives every call its own
// transaction, "kv-batch" is the seam's Batch (kv.GroupCommitter, the same
// algorithm without the store's Tx), "batch" is Store.Batch (the
// group-commit queue, no wait). (bbolt's own db.Batch, which waits up to
// MaxBatchDelay to fill a batch, was measured before the store moved onto
// the seam: docs/PERFORMANCE.md.) Each call writes a 1 KB record under a new
// key, bumps a counter and takes a sequence number, like an order's
// document, balance and outbox row. writers is how many goroutines call at
// once: 1 shows what a lone writer pays, 64 what 64 sessions get.
//
//	go test ./store -run '^$' -bench GroupCommit -benchtime 2000x
func BenchmarkGroupCommit(b *testing.B) {
	value := make([]byte, 1024)
	bucket := []byte("bench")
	write := func(t *Tx, n uint64) error {
		bk := t.b(bucket)
		if _, err := bk.NextSequence(); err != nil {
			return err
		}
		if err := bk.Put([]byte("counter"), itob(btoi(bk.Get([]byte("counter")))+1)); err != nil {
			return err
		}
		return bk.Put(itob(n), value)
	}
	for _, writers := range []int{1, 64} {
		for _, mode := range []string{"update", "kv-batch", "batch"} {
			b.Run(fmt.Sprintf("%s/writers=%d", mode, writers), func(b *testing.B) {
				s := openStore(b)
				if err := s.Update("bench", func(t *Tx) error {
					_, err := t.tx.CreateBucketIfNotExists(bucket)
					return err
				}); err != nil {
					b.Fatal(err)
				}
				call := map[string]func(uint64) error{
					"update": func(n uint64) error {
						return s.Update("bench", func(t *Tx) error { return write(t, n) })
					},
					"kv-batch": func(n uint64) error {
						return s.db.Batch(func(btx kv.Tx) error { return write(&Tx{tx: btx, s: s}, n) })
					},
					"batch": func(n uint64) error {
						return s.Batch("bench", func(t *Tx) error { return write(t, n) })
					},
				}[mode]
				var next atomic.Uint64
				var wg sync.WaitGroup
				b.ResetTimer()
				for range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for n := next.Add(1); n <= uint64(b.N); n = next.Add(1) {
							if err := call(n); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
				if commits, calls := s.CommitStats(); commits > 0 {
					b.ReportMetric(float64(calls)/float64(commits), "writes/commit")
				}
			})
		}
	}
}
