package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dealerportal/demo"
	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/kv"
	"dealerportal/store/kv/boltkv"
	"dealerportal/store/kv/pgtest"

	"github.com/jackc/pgx/v5"
	bolt "go.etcd.io/bbolt"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var dbSeq atomic.Int64

// newPostgres returns the URL of a new, empty database on the private
// cluster.
func newPostgres(t *testing.T) string {
	t.Helper()
	base := pgtest.URL(t)
	conn, err := pgx.Connect(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	name := fmt.Sprintf("portal_%d_%d", os.Getpid(), dbSeq.Add(1))
	if _, err := conn.Exec(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// demoFile returns a bbolt file holding a small demo enterprise at
// volume (portal demo): dealers, products, catalog, sales orders with
// their notices, outbounds and returns, channel documents, stocktakes,
// invoices, receipts and write-offs.
func demoFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "portal.db")
	err := demo.Main([]string{"--db", path, "--customers", "12", "--products", "40", "--entries", "30",
		"--orders", "60", "--channel", "6", "--stocktakes", "3", "--reconciliation"})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// logical is a database's content with values decoded: a record (plain or
// compressed JSON) as its decoded JSON, anything else as its bytes.
type logical map[string]logicalBucket

type logicalBucket struct {
	seq  uint64
	vals map[string]any
}

func readLogical(t *testing.T, db kv.DB) logical {
	t.Helper()
	out := logical{}
	err := db.View(func(tx kv.Tx) error {
		return tx.ForEach(func(name []byte, b kv.Bucket) error {
			lb := logicalBucket{seq: b.Sequence(), vals: map[string]any{}}
			err := b.ForEach(func(k, v []byte) error {
				var d any
				if len(v) > 0 && (v[0] == '{' || v[0] == 1) && store.DecodeRecord(v, &d) == nil {
					lb.vals[string(k)] = d
				} else {
					lb.vals[string(k)] = string(v)
				}
				return nil
			})
			out[string(name)] = lb
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// logicalFile is readLogical of a bbolt file, closed again.
func logicalFile(t *testing.T, path string) logical {
	t.Helper()
	db := openBolt(t, path)
	defer db.Close()
	return readLogical(t, db)
}

func compareLogical(t *testing.T, what string, want, got logical) {
	t.Helper()
	if !maps.EqualFunc(want, got, func(a, b logicalBucket) bool { return a.seq == b.seq && reflect.DeepEqual(a.vals, b.vals) }) {
		for name, a := range want {
			b, ok := got[name]
			switch {
			case !ok:
				t.Errorf("%s: bucket %q missing", what, name)
			case a.seq != b.seq:
				t.Errorf("%s: bucket %q sequence %d, want %d", what, name, b.seq, a.seq)
			case len(a.vals) != len(b.vals):
				t.Errorf("%s: bucket %q has %d keys, want %d", what, name, len(b.vals), len(a.vals))
			case !reflect.DeepEqual(a.vals, b.vals):
				t.Errorf("%s: bucket %q values differ", what, name)
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				t.Errorf("%s: bucket %q not expected", what, name)
			}
		}
	}
}

func openBolt(t *testing.T, path string) kv.DB {
	t.Helper()
	db, err := boltkv.Open(path, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openPG(t *testing.T, u string) kv.DB {
	t.Helper()
	db, err := store.OpenPostgresKV(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func runMigrateTest(t *testing.T, from, to string) string {
	t.Helper()
	var out bytes.Buffer
	if err := migrate([]string{"--from", from, "--to", to}, &out); err != nil {
		t.Fatalf("migrate %s → %s: %v\n%s", from, to, err, out.String())
	}
	return out.String()
}

// checkStore runs `portal check` and `portal verify` on a database (a
// bbolt file or a PostgreSQL URL): both open it as the portal does and
// fail on any problem.
func checkStore(t *testing.T, dsn string) {
	t.Helper()
	if err := runCheck([]string{"--db", dsn}); err != nil {
		t.Fatalf("portal check %s: %v", store.RedactDSN(dsn), err)
	}
	if err := runVerify([]string{"--db", dsn}); err != nil {
		t.Fatalf("portal verify %s: %v", store.RedactDSN(dsn), err)
	}
}

// TestMigrateBothWays moves the demo enterprise from a bbolt file into
// PostgreSQL and from there into a new bbolt file, and compares every
// bucket, key, decoded value and sequence at each step.
func TestMigrateBothWays(t *testing.T) {
	src := demoFile(t)
	pg := newPostgres(t)
	back := filepath.Join(t.TempDir(), "back.db")

	out := runMigrateTest(t, src, pg)
	if !strings.Contains(out, "verified:") {
		t.Fatalf("no verification reported:\n%s", out)
	}
	t.Log(out)
	want := logicalFile(t, src)
	if len(want) < 50 || len(want["doc:SO"].vals) == 0 {
		t.Fatalf("the demo data is smaller than expected: %d buckets, %d sales orders", len(want), len(want["doc:SO"].vals))
	}
	pgdb := openPG(t, pg)
	compareLogical(t, "bbolt → PostgreSQL", want, readLogical(t, pgdb))

	// On PostgreSQL the documents are plain JSON, in the json column.
	err := pgdb.View(func(tx kv.Tx) error {
		return tx.Bucket([]byte("doc:SO")).ForEach(func(k, v []byte) error {
			if v[0] != '{' {
				return fmt.Errorf("doc:SO %x on PostgreSQL starts with %#x", k, v[0])
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(context.Background(), pg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var docs, opaque int
	if err := conn.QueryRow(context.Background(),
		`SELECT count(doc), count(value) FROM kv_records WHERE bucket = 'doc:SO'`).Scan(&docs, &opaque); err != nil {
		t.Fatal(err)
	}
	if docs == 0 || opaque != 0 {
		t.Fatalf("doc:SO on PostgreSQL: %d json rows, %d bytea rows; want all json", docs, opaque)
	}

	pgdb.Close()
	checkStore(t, src)
	checkStore(t, pg)

	// The portal writes on PostgreSQL before the way back.
	st, err := store.Open(pg)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update("t", func(tx *store.Tx) error { return tx.SaveOrgUnit(&model.OrgUnit{Code: "MOVED", Name: "迁回"}) })
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	want = readLogical(t, openPG(t, pg))
	if len(want["org_units"].vals) != len(logicalFile(t, src)["org_units"].vals)+1 {
		t.Fatal("the org unit written on PostgreSQL is not there")
	}

	out = runMigrateTest(t, pg, back)
	t.Log(out)
	backDB := openBolt(t, back)
	compareLogical(t, "PostgreSQL → bbolt", want, readLogical(t, backDB))
	// Back on bbolt the documents are compressed again.
	err = backDB.View(func(tx kv.Tx) error {
		k, v := tx.Bucket([]byte("doc:SO")).Cursor().First()
		if v[0] != 1 {
			return fmt.Errorf("doc:SO %x on bbolt starts with %#x, not the compressed record's version byte", k, v[0])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	backDB.Close()
	checkStore(t, back)
	// Pages filled as a compaction fills them.
	compacted, err := store.CompactFile(src, filepath.Join(t.TempDir(), "compacted.db"))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(back)
	if err != nil || fi.Size() > compacted*11/10 {
		t.Fatalf("the file back from PostgreSQL is %d bytes, the source compacted %d", fi.Size(), compacted)
	}
}

// TestMigrateRefuses: a destination with data, a source a portal holds,
// a missing source; a refused migration leaves nothing behind.
func TestMigrateRefuses(t *testing.T) {
	src := demoFile(t)
	dir := filepath.Dir(src)

	var out bytes.Buffer
	if err := migrate([]string{"--from", src, "--to", src}, &out); err == nil {
		t.Fatal("migrate into its own source succeeded")
	}
	other := filepath.Join(t.TempDir(), "other.db")
	runMigrateTest(t, src, other)
	err := migrate([]string{"--from", src, "--to", other}, &out)
	if err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Fatalf("migrate into a file with data: %v", err)
	}

	pg := newPostgres(t)
	runMigrateTest(t, src, pg)
	err = migrate([]string{"--from", src, "--to", pg}, &out)
	if err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Fatalf("migrate into a PostgreSQL database with data: %v", err)
	}

	st, err := store.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	err = migrate([]string{"--from", src, "--to", filepath.Join(dir, "new.db")}, &out)
	st.Close()
	if err == nil || !strings.Contains(err.Error(), "in use by a running portal") {
		t.Fatalf("migrate from a file a portal holds: %v", err)
	}
	err = migrate([]string{"--from", filepath.Join(dir, "missing.db"), "--to", filepath.Join(dir, "new.db")}, &out)
	if err == nil {
		t.Fatal("migrate from a missing file succeeded")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".migrate-*")); len(left) > 0 || fileExists(filepath.Join(dir, "new.db")) {
		t.Fatalf("a refused migration left files: %v", left)
	}
	if fileExists(filepath.Join(dir, "missing.db")) {
		t.Fatal("migrate created its missing source")
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestDigestSeesDifferences: the digest that verifies a migration tells a
// changed value, a missing key and a changed sequence apart from equal
// content.
func TestDigestSeesDifferences(t *testing.T) {
	src := demoFile(t)
	digest := func(path string) store.Digest { return fileDigest(t, path) }
	want := digest(src)
	for _, change := range []func(tx kv.Tx) error{
		func(tx kv.Tx) error { return tx.Bucket([]byte("customers")).Put([]byte("x"), []byte("{}")) },
		func(tx kv.Tx) error {
			k, _ := tx.Bucket([]byte("doc:SO")).Cursor().Last()
			return tx.Bucket([]byte("doc:SO")).Delete(k)
		},
		func(tx kv.Tx) error { return tx.Bucket([]byte("doc_seq")).SetSequence(999) },
		func(tx kv.Tx) error {
			b := tx.Bucket([]byte("doc:SO"))
			k, v := b.Cursor().First()
			var doc map[string]any
			if err := store.DecodeRecord(v, &doc); err != nil {
				return err
			}
			doc["remarks"] = "changed"
			js, _ := json.Marshal(doc)
			return b.Put(append([]byte(nil), k...), js)
		},
	} {
		copyPath := filepath.Join(t.TempDir(), "c.db")
		runMigrateTest(t, src, copyPath)
		if d := digest(copyPath); d.Sum() != want.Sum() || len(want.Diff(d)) > 0 {
			t.Fatalf("a copy differs: %v", want.Diff(d))
		}
		db, err := boltkv.Open(copyPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(change); err != nil {
			t.Fatal(err)
		}
		db.Close()
		d := digest(copyPath)
		if d.Sum() == want.Sum() || len(want.Diff(d)) != 1 {
			t.Fatalf("a change is not seen: sum equal %v, diff %q", d.Sum() == want.Sum(), want.Diff(d))
		}
	}
}

// bigFile writes a portal-shaped bbolt file of about mb megabytes of
// keys and values: incompressible blobs and compressed document records,
// written a transaction at a time so that the test holds none of it.
func bigFile(t *testing.T, mb int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "big.db")
	db, err := boltkv.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	chacha := rand.NewChaCha8([32]byte{1})
	rng := rand.New(chacha)
	put := func(bucket string, n int, value func(i int) []byte) {
		for i := 0; i < n; {
			err := db.Update(func(tx kv.Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte(bucket))
				if err != nil {
					return err
				}
				for end := min(n, i+200); i < end; i++ {
					if err := b.Put(binary.BigEndian.AppendUint64(nil, uint64(i+1)), value(i)); err != nil {
						return err
					}
				}
				return b.SetSequence(uint64(i))
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := db.Update(func(tx kv.Tx) error {
		meta, err := tx.CreateBucketIfNotExists([]byte("meta"))
		if err != nil {
			return err
		}
		return meta.Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, store.SchemaVersion()))
	}); err != nil {
		t.Fatal(err)
	}
	blobs := mb << 20 * 3 / 4 / (256 << 10)
	put("attachment_blobs", blobs, func(int) []byte {
		v := make([]byte, 256<<10)
		_, _ = chacha.Read(v)
		return v
	})
	records := mb << 20 / 4 / 2048
	put("doc:SO", records, func(i int) []byte {
		js := fmt.Appendf(nil, `{"id":%d,"customer_id":%d,"remarks":"%x","lines":[`, i+1, i%97, rng.Uint64())
		for l := 0; len(js) < 1900; l++ {
			js = fmt.Appendf(js, `{"no":%d,"product_id":%d,"qty":%d,"price":%d},`, l+1, rng.IntN(5000), rng.IntN(100)*1000, rng.IntN(1e6))
		}
		js = append(js[:len(js)-1], "]}"...)
		return store.PackValue([]byte("doc:SO"), js)
	})
	return path
}

// peakHeap samples the heap while fn runs and returns the largest live
// heap (as of a garbage collection) and the largest heap including
// garbage not yet collected.
func peakHeap(fn func()) (live, total uint64) {
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(samples)
			live = max(live, samples[0].Value.Uint64())
			total = max(total, samples[1].Value.Uint64())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(stop)
	<-done
	return live, total
}

// TestMigrateBoundedMemory: moving a database several times larger than
// the memory budget, both ways, stays within the budget (docs/DESIGN.md,
// "Moving between backends").
func TestMigrateBoundedMemory(t *testing.T) {
	const dataMB, budgetMB = 200, 80
	src := bigFile(t, dataMB)
	pg := newPostgres(t)
	back := filepath.Join(t.TempDir(), "back.db")
	runtime.GC()
	for _, step := range [][2]string{{src, pg}, {pg, back}} {
		var out string
		live, total := peakHeap(func() { out = runMigrateTest(t, step[0], step[1]) })
		t.Logf("%s\npeak live heap %d MiB, peak heap with garbage %d MiB", out, live>>20, total>>20)
		if live > budgetMB<<20 {
			t.Errorf("%s → %s: peak live heap %d MiB, over the budget of %d MiB", step[0], step[1], live>>20, budgetMB)
		}
		runtime.GC()
	}
	if a, b := fileDigest(t, src), fileDigest(t, back); a.Sum() != b.Sum() {
		t.Fatalf("bbolt → PostgreSQL → bbolt changed the data: %q", a.Diff(b))
	}
}

func fileDigest(t *testing.T, path string) store.Digest {
	t.Helper()
	db := openBolt(t, path)
	defer db.Close()
	var d store.Digest
	if err := db.View(func(tx kv.Tx) error {
		var err error
		d, err = store.DigestOf(tx, nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return d
}
