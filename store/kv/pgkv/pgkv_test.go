package pgkv_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dealerportal/store/kv"
	"dealerportal/store/kv/boltkv"
	"dealerportal/store/kv/kvtest"
	"dealerportal/store/kv/pgkv"
	"dealerportal/store/kv/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openSchema returns a new, empty database: its own schema on the private
// cluster. The conformance suite's concurrent cases run 16 writers on one
// row; under SERIALIZABLE every one of them may be aborted again and again
// while the machine is busy (30 attempts were once used up at load 40), and
// those cases check that no increment is lost or doubled, not the retry
// bound: so the bound here is generous.
func openSchema(t *testing.T, iso pgkv.Isolation) kv.DB {
	t.Helper()
	return openSchemaWith(t, &pgkv.Options{Isolation: iso})
}

// openSchemaWith is openSchema with the options o (its schema and retry
// bound set here).
func openSchemaWith(t *testing.T, o *pgkv.Options) kv.DB {
	t.Helper()
	o.Schema, o.MaxAttempts = pgtest.Schema(), 300
	db, err := pgkv.Open(context.Background(), pgtest.URL(t), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestConformanceSerialWriters(t *testing.T) {
	kvtest.Run(t, kvtest.Backend{Open: func(t *testing.T) kv.DB { return openSchema(t, pgkv.SerialWriters) }})
}

// TestConformanceNoCache: the suite with the read cache off (the other
// serial-writers run has it on, as by default).
func TestConformanceNoCache(t *testing.T) {
	kvtest.Run(t, kvtest.Backend{Open: func(t *testing.T) kv.DB { return openSchemaWith(t, &pgkv.Options{CacheBytes: -1}) }})
}

func TestConformanceSerializable(t *testing.T) {
	kvtest.Run(t, kvtest.Backend{Open: func(t *testing.T) kv.DB { return openSchema(t, pgkv.Serializable) }, ConcurrentWriters: true})
}

// TestStreamAcrossBackends: bbolt → stream → PostgreSQL → stream → bbolt
// gives the same buckets, keys, values and sequences, and the same stream.
func TestStreamAcrossBackends(t *testing.T) {
	src, err := boltkv.Open(filepath.Join(t.TempDir(), "src.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	kvtest.Populate(t, src)
	var s1, s2 bytes.Buffer
	if err := src.View(func(tx kv.Tx) error { _, err := kv.WriteTo(tx, &s1); return err }); err != nil {
		t.Fatal(err)
	}
	pg := openSchema(t, pgkv.SerialWriters)
	if err := kv.Restore(pg, bytes.NewReader(s1.Bytes())); err != nil {
		t.Fatal(err)
	}
	if err := pg.View(func(tx kv.Tx) error { _, err := kv.WriteTo(tx, &s2); return err }); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s1.Bytes(), s2.Bytes()) {
		t.Error("PostgreSQL's stream differs from bbolt's for the same contents")
	}
	dst, err := boltkv.Open(filepath.Join(t.TempDir(), "dst.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if err := kv.Restore(dst, bytes.NewReader(s2.Bytes())); err != nil {
		t.Fatal(err)
	}
	a, b, c := kvtest.Contents(t, src), kvtest.Contents(t, pg), kvtest.Contents(t, dst)
	if !kvtest.Equal(a, b) || !kvtest.Equal(a, c) {
		t.Error("bucket contents differ after bbolt → PostgreSQL → bbolt")
	}
	if len(a) != 7 {
		t.Errorf("%d buckets in the source", len(a))
	}
}

// TestQueryableDocuments: JSON values are in the json column, readable by
// operators with SQL; other values are bytea.
func TestQueryableDocuments(t *testing.T) {
	schema := pgtest.Schema()
	db, err := pgkv.Open(context.Background(), pgtest.URL(t), &pgkv.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("orders"))
		if err != nil {
			return err
		}
		if err := b.Put([]byte{0, 0, 0, 1}, []byte(`{"number":"OO-2026-000001","status":"submitted","lines":[{"qty":1000}]}`)); err != nil {
			return err
		}
		return b.Put([]byte{0, 0, 0, 2}, []byte{0x01, 0x28, 0xb5})
	})
	if err != nil {
		t.Fatal(err)
	}
	var status string
	var docs, bins int
	err = db.Pool().QueryRow(context.Background(),
		`SELECT (SELECT doc->>'status' FROM `+schema+`.kv_records WHERE bucket = 'orders' AND doc->>'number' = 'OO-2026-000001'),
		        (SELECT count(*) FROM `+schema+`.kv WHERE doc IS NOT NULL),
		        (SELECT count(*) FROM `+schema+`.kv WHERE value IS NOT NULL)`).Scan(&status, &docs, &bins)
	if err != nil {
		t.Fatal(err)
	}
	if status != "submitted" || docs != 1 || bins != 1 {
		t.Errorf("status %q, %d documents, %d binary values", status, docs, bins)
	}
	// The queries docs/POSTGRES.md gives operators.
	var id int64
	err = db.Pool().QueryRow(context.Background(), `SELECT ('x' || encode(substring(key FROM 1 FOR 8), 'hex'))::bit(64)::bigint
		FROM `+schema+`.kv_records WHERE bucket = 'orders' ORDER BY key LIMIT 1`).Scan(&id)
	if err != nil || id != 1<<32 {
		t.Errorf("id from a key: %d, %v", id, err)
	}
	rows, err := db.Pool().Query(context.Background(), `SELECT b.name, count(k.key) AS records, pg_size_pretty(sum(pg_column_size(k.*))) AS size, b.seq
		FROM `+schema+`.kv_buckets b LEFT JOIN `+schema+`.kv k ON k.bucket = b.id
		GROUP BY b.name, b.seq ORDER BY sum(pg_column_size(k.*)) DESC NULLS LAST`)
	if err == nil {
		rows.Close()
		err = rows.Err()
	}
	if err != nil {
		t.Errorf("bucket sizes query: %v", err)
	}
}

// TestTwoProcesses: two pools on one schema stand for two portal
// processes. Their writers take turns (no lost increment of a counter or
// a sequence), and a bucket created or deleted by one is seen by the
// other's next transaction (the bucket-name cache follows kv_meta.gen).
func TestTwoProcesses(t *testing.T) {
	for _, iso := range []pgkv.Isolation{pgkv.SerialWriters, pgkv.Serializable} {
		t.Run(fmt.Sprint(iso), func(t *testing.T) {
			dbs := twoHandles(t, iso, 50)
			name := []byte("counters")
			if err := dbs[0].Update(func(tx kv.Tx) error { _, err := tx.CreateBucketIfNotExists(name); return err }); err != nil {
				t.Fatal(err)
			}
			const workers, each = 8, 10
			var wg sync.WaitGroup
			for w := range 2 * workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					db := dbs[w%2]
					for range each {
						err := db.Update(func(tx kv.Tx) error {
							b := tx.Bucket(name)
							if b == nil {
								return errors.New("bucket not seen")
							}
							if _, err := b.NextSequence(); err != nil {
								return err
							}
							n, _ := strconv.Atoi(string(b.Get([]byte("n"))))
							return b.Put([]byte("n"), []byte(strconv.Itoa(n+1)))
						})
						if err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			err := dbs[1].View(func(tx kv.Tx) error {
				b := tx.Bucket(name)
				if got := string(b.Get([]byte("n"))); got != strconv.Itoa(2*workers*each) || b.Sequence() != 2*workers*each {
					t.Errorf("counter %s, sequence %d; want %d", got, b.Sequence(), 2*workers*each)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// Bucket changes travel between the processes' caches.
			seen := func(db *pgkv.DB, n string) (ok bool) {
				_ = db.View(func(tx kv.Tx) error { ok = tx.Bucket([]byte(n)) != nil; return nil })
				return ok
			}
			if seen(dbs[1], "later") {
				t.Fatal("a bucket nobody created")
			}
			if err := dbs[0].Update(func(tx kv.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("later")); return err }); err != nil {
				t.Fatal(err)
			}
			if !seen(dbs[1], "later") {
				t.Error("the other process does not see a new bucket")
			}
			if err := dbs[0].Update(func(tx kv.Tx) error { return tx.DeleteBucket(name) }); err != nil {
				t.Fatal(err)
			}
			if seen(dbs[1], string(name)) {
				t.Error("the other process still sees a deleted bucket")
			}
		})
	}
}

// TestTxTimeout: a transaction that outlives TxTimeout fails instead of
// hanging, and its connection does not come back broken.
func TestTxTimeout(t *testing.T) {
	db, err := pgkv.Open(context.Background(), pgtest.URL(t), &pgkv.Options{Schema: pgtest.Schema(), TxTimeout: 300 * time.Millisecond, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx kv.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx kv.Tx) error {
		time.Sleep(500 * time.Millisecond)
		if v := tx.Bucket([]byte("b")).Get([]byte("k")); v != nil {
			t.Errorf("Get after the deadline = %q", v)
		}
		return nil
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("View past its deadline = %v", err)
	}
	for range 3 { // the pool's connections still work
		if err := db.Update(func(tx kv.Tx) error { return tx.Bucket([]byte("b")).Put([]byte("k"), []byte("v")) }); err != nil {
			t.Fatal(err)
		}
	}
}

// TestUpdateUnbounded: an update that outlasts Options.TxTimeout fails
// through Update and commits through UpdateUnbounded (the migrations'
// path, which may rewrite whole buckets of a large database).
func TestUpdateUnbounded(t *testing.T) {
	db, err := pgkv.Open(context.Background(), pgtest.URL(t), &pgkv.Options{Schema: pgtest.Schema(), TxTimeout: 100 * time.Millisecond, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	slow := func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("slow"))
		if err != nil {
			return err
		}
		time.Sleep(300 * time.Millisecond)
		return b.Put([]byte("k"), []byte("v"))
	}
	if err := db.Update(slow); err == nil {
		t.Fatal("an update longer than TxTimeout committed through Update")
	}
	if err := db.UpdateUnbounded(slow); err != nil {
		t.Fatalf("UpdateUnbounded: %v", err)
	}
	if err := db.View(func(tx kv.Tx) error {
		if b := tx.Bucket([]byte("slow")); b == nil || string(b.Get([]byte("k"))) != "v" {
			return fmt.Errorf("the unbounded update's write is missing")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// twoHandles opens two handles on a new schema, as two processes would,
// with isolation iso and attempts as the retry bound; closed when the test
// ends.
func twoHandles(t *testing.T, iso pgkv.Isolation, attempts int) [2]*pgkv.DB {
	t.Helper()
	schema := pgtest.Schema()
	var dbs [2]*pgkv.DB
	for i := range dbs {
		db, err := pgkv.Open(context.Background(), pgtest.URL(t), &pgkv.Options{Schema: schema, Isolation: iso, MaxAttempts: attempts})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs
}

// TestDeleteBucketWhileWriting: kv has no foreign key to kv_buckets (a
// check per row written), so the writers themselves must never leave rows
// of a deleted bucket: one process deletes and creates again a bucket that
// writers of both processes put keys into (their bucket names cached), in
// both isolation modes; afterwards every row belongs to a bucket, and a
// bucket deleted last leaves no row.
func TestDeleteBucketWhileWriting(t *testing.T) {
	for _, iso := range []pgkv.Isolation{pgkv.SerialWriters, pgkv.Serializable} {
		t.Run(fmt.Sprint(iso), func(t *testing.T) {
			dbs := twoHandles(t, iso, 300)
			name := []byte("churn")
			create := func(tx kv.Tx) error { _, err := tx.CreateBucketIfNotExists(name); return err }
			if err := dbs[0].Update(create); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var stop atomic.Bool
			for w := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; !stop.Load(); i++ {
						err := dbs[w].Update(func(tx kv.Tx) error {
							if b := tx.Bucket(name); b != nil {
								return b.Put(fmt.Appendf(nil, "w%d-%d", w, i), []byte("v"))
							}
							return nil
						})
						if err != nil {
							t.Error(err)
							return
						}
						// Under SERIALIZABLE the deleter's conflicts with these
						// writers abort it (SSI, no lock to wait for): leave it
						// turns.
						time.Sleep(3 * time.Millisecond)
					}
				}()
			}
			defer func() { stop.Store(true); wg.Wait() }() // before the Closes (Cleanup)
			for range 20 {
				err := dbs[0].Update(func(tx kv.Tx) error {
					if err := tx.DeleteBucket(name); err != nil {
						return err
					}
					return create(tx)
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := dbs[1].Update(func(tx kv.Tx) error { return tx.DeleteBucket(name) }); err != nil {
				t.Fatal(err)
			}
			stop.Store(true)
			wg.Wait()
			var orphans, rows int
			err := dbs[0].Pool().QueryRow(t.Context(), `SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM kv_buckets b WHERE b.id = k.bucket)), count(*) FROM kv k`).Scan(&orphans, &rows)
			if err != nil || orphans != 0 || rows != 0 {
				t.Errorf("after the bucket was deleted: %d rows, %d of them of no bucket, %v; want none", rows, orphans, err)
			}
		})
	}
}
