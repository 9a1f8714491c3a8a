package pgkv_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"dealerportal/store/kv"
	"dealerportal/store/kv/pgkv"
	"dealerportal/store/kv/pgtest"
)

const benchKeys = 10_000

var benchBucket = []byte("docs")

func benchKey(i int) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(i))
	return k[:]
}

func openBench(b *testing.B, iso pgkv.Isolation) *pgkv.DB {
	b.Helper()
	db, err := pgkv.Open(context.Background(), pgtest.URL(b), &pgkv.Options{Schema: pgtest.Schema(), Isolation: iso, MaxAttempts: 100})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	val := []byte(`{"id":1,"status":"submitted","lines":[{"no":1,"qty":1000,"price":100}],"remarks":"` + fmt.Sprintf("%0200d", 0) + `"}`)
	err = db.Update(func(tx kv.Tx) error {
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

// BenchmarkGet: a Get of a key the transaction has not read yet (one
// round trip), in read transactions of 100 Gets.
func BenchmarkGet(b *testing.B) {
	db := openBench(b, pgkv.SerialWriters)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		{
			_ = db.View(func(tx kv.Tx) error {
				bk := tx.Bucket(benchBucket)
				for range 100 {
					sink += len(bk.Get(benchKey((i * 7919) % benchKeys)))
					i++
				}
				return nil
			})
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i), "ns/get")
}

// BenchmarkScan10k: a cursor over 10,000 keys (batches of up to 1024).
func BenchmarkScan10k(b *testing.B) {
	db := openBench(b, pgkv.SerialWriters)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		_ = db.View(func(tx kv.Tx) error {
			c := tx.Bucket(benchBucket).Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				sink += len(v)
				n++
			}
			return nil
		})
		if n != benchKeys {
			b.Fatalf("scanned %d", n)
		}
	}
}

// BenchmarkPutUpdate: 100 Puts in one Update (one pipelined statement and
// the commit).
func BenchmarkPutUpdate(b *testing.B) {
	db := openBench(b, pgkv.SerialWriters)
	val := []byte(`{"id":1,"status":"submitted"}`)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		err := db.Update(func(tx kv.Tx) error {
			bk := tx.Bucket(benchBucket)
			for j := range 100 {
				if err := bk.Put(benchKey((i*100+j)%benchKeys), val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOrders: 16 concurrent writers, each transaction shaped like
// the store's order submission: a document number from a shared
// sequence, the customer's record read, the document and two index
// entries written, and the customer's balance read, changed and written
// (64 customers). It compares the isolation modes and Batch.
func BenchmarkOrders(b *testing.B) {
	for _, mode := range []struct {
		name  string
		iso   pgkv.Isolation
		batch bool
	}{
		{"serial-writers/Update", pgkv.SerialWriters, false},
		{"serial-writers/Batch", pgkv.SerialWriters, true},
		{"serializable/Update", pgkv.Serializable, false},
	} {
		b.Run(mode.name, func(b *testing.B) {
			db := openBench(b, mode.iso)
			err := db.Update(func(tx kv.Tx) error {
				for _, n := range []string{"orders", "orders_by_customer", "orders_by_status", "balances", "customers", "doc_seq"} {
					bk, err := tx.CreateBucketIfNotExists([]byte(n))
					if err != nil {
						return err
					}
					if n == "customers" || n == "balances" {
						for c := range 64 {
							if err := bk.Put(benchKey(c), []byte(`{"id":1,"code":"C0001","balance":0}`)); err != nil {
								return err
							}
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			run := db.Update
			if mode.batch {
				run = db.Batch
			}
			retries0 := db.Retries()
			b.SetParallelism(8) // 16 writers on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					cust := rand.IntN(64)
					err := run(func(tx kv.Tx) error {
						seq, err := tx.Bucket([]byte("doc_seq")).NextSequence()
						if err != nil {
							return err
						}
						if tx.Bucket([]byte("customers")).Get(benchKey(cust)) == nil {
							return fmt.Errorf("no customer %d", cust)
						}
						doc := fmt.Appendf(nil, `{"id":%d,"customer_id":%d,"number":"OO-2026-%06d","status":"submitted","lines":[{"qty":1000,"price":100}]}`, seq, cust, seq)
						if err := tx.Bucket([]byte("orders")).Put(benchKey(int(seq)), doc); err != nil {
							return err
						}
						if err := tx.Bucket([]byte("orders_by_customer")).Put(append(benchKey(cust), benchKey(int(seq))...), nil); err != nil {
							return err
						}
						if err := tx.Bucket([]byte("orders_by_status")).Put(append([]byte("submitted/"), benchKey(int(seq))...), nil); err != nil {
							return err
						}
						bal := tx.Bucket([]byte("balances"))
						v := bal.Get(benchKey(cust))
						return bal.Put(benchKey(cust), append(v[:len(v):len(v)], ' '))
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(db.Retries()-retries0)/float64(b.N), "retries/op")
		})
	}
}
