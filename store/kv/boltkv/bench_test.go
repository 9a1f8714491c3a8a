package boltkv_test

import (
	"encoding/binary"
	"path/filepath"
	"testing"

	"dealerportal/store/kv"
	"dealerportal/store/kv/boltkv"

	bolt "go.etcd.io/bbolt"
)

// The seam against raw bbolt on the same file: Get, a cursor scan of
// 10,000 keys, and Puts in an Update. Each pair runs the same work; the
// difference is the seam's cost (it should be within noise).

const benchKeys = 10_000

var benchBucket = []byte("docs")

func benchKey(i int) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(i))
	return k[:]
}

func openBench(b *testing.B, noSync bool) *boltkv.DB {
	return openBenchTB(b, noSync)
}

func openBenchT(t *testing.T) *boltkv.DB { return openBenchTB(t, true) }

func openBenchTB(b testing.TB, noSync bool) *boltkv.DB {
	b.Helper()
	db, err := boltkv.Open(filepath.Join(b.TempDir(), "bench.db"), &bolt.Options{NoSync: noSync, FreelistType: bolt.FreelistMapType})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	val := make([]byte, 300)
	err = db.Bolt().Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(benchBucket)
		if err != nil {
			return err
		}
		for i := range benchKeys {
			if err := bk.Put(benchKey(i), val); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

var sink int

func BenchmarkGet(b *testing.B) {
	db := openBench(b, true)
	keys := make([][]byte, benchKeys)
	for i := range keys {
		keys[i] = benchKey((i * 7919) % benchKeys)
	}
	b.Run("bolt", func(b *testing.B) {
		_ = db.Bolt().View(func(tx *bolt.Tx) error {
			bk := tx.Bucket(benchBucket)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				sink += len(bk.Get(keys[i%benchKeys]))
			}
			return nil
		})
	})
	b.Run("kv", func(b *testing.B) {
		_ = db.View(func(tx kv.Tx) error {
			bk := tx.Bucket(benchBucket)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				sink += len(bk.Get(keys[i%benchKeys]))
			}
			return nil
		})
	})
}

func BenchmarkScan10k(b *testing.B) {
	db := openBench(b, true)
	b.Run("bolt", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = db.Bolt().View(func(tx *bolt.Tx) error {
				c := tx.Bucket(benchBucket).Cursor()
				for k, v := c.First(); k != nil; k, v = c.Next() {
					sink += len(v)
				}
				return nil
			})
		}
	})
	b.Run("kv", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = db.View(func(tx kv.Tx) error {
				c := tx.Bucket(benchBucket).Cursor()
				for k, v := c.First(); k != nil; k, v = c.Next() {
					sink += len(v)
				}
				return nil
			})
		}
	})
}

// BenchmarkPutUpdate: 100 Puts in one Update, without fsync so that the
// disk does not drown the difference (the fsync is the same for both).
func BenchmarkPutUpdate(b *testing.B) {
	db := openBench(b, true)
	val := make([]byte, 300)
	b.Run("bolt", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_ = db.Bolt().Update(func(tx *bolt.Tx) error {
				bk := tx.Bucket(benchBucket)
				for j := range 100 {
					if err := bk.Put(benchKey((i*100+j)%benchKeys), val); err != nil {
						return err
					}
				}
				return nil
			})
		}
	})
	b.Run("kv", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_ = db.Update(func(tx kv.Tx) error {
				bk := tx.Bucket(benchBucket)
				for j := range 100 {
					if err := bk.Put(benchKey((i*100+j)%benchKeys), val); err != nil {
						return err
					}
				}
				return nil
			})
		}
	})
}
