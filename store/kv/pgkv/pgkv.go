// Package pgkv is the seam (package kv) on PostgreSQL, for enterprises that
// run several portal processes on one database they operate themselves.
//
// # Layout
//
// Three tables in one schema (docs/POSTGRES.md has the SQL):
//
//	kv_meta     one row: the layout version, a generation counter that
//	            every bucket creation or deletion bumps (the processes'
//	            bucket-name caches follow it), and the write generation
//	            wgen that every writer that changes anything moves
//	kv_buckets  one row per bucket: id, name (text), sequence, and the
//	            write generation of the bucket's last change (wgen)
//	kv          one row per key: bucket id, key (bytea), and the value as
//	            either doc (json, when the value is JSON) or value (bytea)
//
// A value that is valid UTF-8 JSON starting with '{' or '[' is kept in the
// json column, which PostgreSQL stores as the exact text given (unlike
// jsonb), so reads return the bytes written and operators can query
// documents with ->, ->> and json functions; any other value stays bytea.
//
// # Transactions
//
// View runs in REPEATABLE READ READ ONLY: one snapshot, no locks, never a
// serialization failure. Update has two modes (Options.Isolation):
//
//   - SerialWriters (the default): READ COMMITTED, and the first statement
//     locks the kv_meta row, so writers of all processes take turns exactly
//     as bbolt's single writer does, and every statement sees everything
//     committed before the lock was granted. No serialization failures, no
//     predicate-lock bookkeeping; throughput is bounded by one writer at a
//     time, which the store's group commit (Batch) amortizes.
//   - Serializable: SERIALIZABLE, writers run concurrently and PostgreSQL
//     aborts one of two conflicting transactions with SQLSTATE 40001.
//
// Either way a transaction that fails with 40001 or 40P01 is run again
// from the start, up to Options.MaxAttempts times, after a jittered pause
// that doubles each time.
//
// # Round trips
//
// Writes are buffered in the transaction (the last write of a key wins)
// and sent in one pipelined batch with the next range read or with the
// COMMIT; Get answers from the buffer and from what the transaction has
// read before, so a repeated Get costs nothing; Prefetch (kv.Prefetcher)
// reads many keys in one query ahead of their Gets, and ScanPrefixes
// (kv.PrefixScanner) the keys under many prefixes in one query (an index
// range scan per prefix, joined laterally to the prefixes). Cursors fetch ordered
// key ranges in batches (16 rows, doubling to 1024), not a row per step,
// answer a Seek that lands inside their batch from it (and a forward Seek
// past it with a batch twice as large), and fetch again when the
// transaction has written since. Peek (kv.Peeker) is one committed read
// in one statement, without a transaction.
//
// A read-only transaction that ended well is not committed at once: its
// connection is parked for at most parkFor, and the next transaction that
// begins takes it and sends the COMMIT with its BEGIN, in one round trip
// (DB.park). With SerialWriters a write transaction sends its BEGIN, the
// writers' lock and every bucket's sequence with its first statement
// (tx.sendFirst), so the opening costs no round trip of its own and
// NextSequence none. A View, too, sends its BEGIN and the generation read
// with its first statement (tx.sendFirstRead), and nothing when it reads
// nothing.
//
// # The process read cache
//
// With SerialWriters each process keeps the results of reads (Get, the
// read-aheads per key, cursor batches, ScanPrefixes) tagged with their
// bucket's write generation, and answers a transaction from them when its
// snapshot's generation of the bucket is the tag (cache.go). A View whose
// reads all hit opens no transaction: it floats on a generation read by a
// statement that began after it was called, shared with the Views that
// start meanwhile (float.go). Values so answered are shared with other
// transactions: callers must not change them (the kv contract).
package pgkv

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"dealerportal/store/kv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Isolation chooses how write transactions keep their guarantees.
type Isolation int

const (
	// SerialWriters: writers take turns on a row lock (see the package doc).
	SerialWriters Isolation = iota
	// Serializable: PostgreSQL's SERIALIZABLE isolation, concurrent writers.
	Serializable
)

func (i Isolation) String() string {
	if i == Serializable {
		return "serializable"
	}
	return "serial-writers"
}

// Options configure Open. The zero value is usable.
type Options struct {
	// Schema holds the tables; created when missing. Default "public".
	Schema string
	// Isolation of write transactions. Default SerialWriters.
	Isolation Isolation
	// MaxConns is the size of the connection pool. Default
	// 2×GOMAXPROCS+2, at least 6: readers run in parallel, writers need one
	// connection at a time (SerialWriters) or one per concurrent writer.
	MaxConns int32
	// MaxAttempts bounds how many times a transaction runs on
	// serialization failures and deadlocks. Default 10.
	MaxAttempts int
	// TxTimeout bounds one attempt of a transaction, waiting for a
	// connection and for the writers' lock included: past it the
	// transaction fails (context.DeadlineExceeded) instead of hanging on a
	// lost network or a lock an operator holds. Default 60 s; negative: no
	// bound.
	TxTimeout time.Duration
	// CacheBytes bounds the process read cache (cache.go): keys, values and
	// a fixed overhead per entry. Default DefaultCacheBytes (64 MiB);
	// negative: no cache. With Serializable there is none: writers run
	// concurrently there, so their commit order is not the order of the
	// write generations the cache is checked with.
	CacheBytes int64
}

// layoutVersion is the version of the tables this package creates, kept
// in kv_meta.layout; Open refuses a newer one.
//
// Version 2 added the write generations (kv_meta.wgen, kv_buckets.wgen):
// a program of version 1 would write without moving them, and the read
// caches of the others would go on answering with what it changed.
//
// Version 3 added the change feed (kv_changes): a program of version 2
// would write without recording its keys there, and the others' caches
// would go on answering the key ranges it changed. It also dropped the
// foreign key from kv to kv_buckets, whose cascade a program of version 2
// relies on to delete a bucket's keys.
const layoutVersion = 3

// DB is a kv.DB on a PostgreSQL database.
type DB struct {
	pool    *pgxpool.Pool
	opts    Options
	writeMu sync.Mutex // SerialWriters: one connection per process waits for the lock
	commits *kv.GroupCommitter
	closed  atomic.Bool

	// The bucket-name cache: complete as of generation gen of kv_meta.
	cacheMu sync.Mutex
	cache   *bucketNames

	// The read cache (cache.go): nil when off. wgens: writers move the
	// write generations (SerialWriters, whether or not this process
	// caches); gens: the generations this process knows.
	rc    *readCache
	wgens bool
	gens  atomic.Pointer[gens]

	retries atomic.Uint64
	trips   atomic.Uint64 // statements or pipelined batches sent (RoundTrips)
	swept   atomic.Uint64 // parked COMMITs sent by the sweep or Close

	// Connections of ended read-only transactions whose COMMIT is still to
	// be sent: the next transaction's BEGIN takes one and sends the COMMIT
	// in the same round trip (see park).
	parkMu    sync.Mutex
	parked    []parkedConn
	parkTimer bool // a sweep is scheduled
	parkMax   int

	// The rounds floating Views share (float.go).
	rounds rounds
}

type parkedConn struct {
	conn *pgxpool.Conn
	at   time.Time
}

// parkFor bounds how long a read-only transaction stays open on a parked
// connection: its snapshot holds back the cleanup of rows deleted since
// (VACUUM), so it is short; a busy process reuses the connection long
// before.
const parkFor = 20 * time.Millisecond

type bucketNames struct {
	gen int64
	ids map[string]int64
}

// Open connects to the database at url (a postgres:// URL or key=value
// string), creates the schema and tables when missing, and returns the
// seam on it. It fails when the database is unreachable or holds a newer
// layout.
func Open(ctx context.Context, url string, opts *Options) (*DB, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Schema == "" {
		o.Schema = "public"
	}
	if o.MaxConns == 0 {
		o.MaxConns = int32(max(6, 2*runtime.GOMAXPROCS(0)+2))
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.TxTimeout == 0 {
		o.TxTimeout = time.Minute
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = o.MaxConns
	cfg.ConnConfig.RuntimeParams["search_path"] = o.Schema
	cfg.ConnConfig.RuntimeParams["application_name"] = "dealer portal"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	d := &DB{pool: pool, opts: o, parkMax: max(1, int(o.MaxConns)/3), wgens: o.Isolation == SerialWriters}
	d.gens.Store(&gens{})
	if o.CacheBytes == 0 {
		o.CacheBytes = DefaultCacheBytes
		d.opts.CacheBytes = o.CacheBytes
	}
	if o.CacheBytes > 0 && o.Isolation == SerialWriters {
		d.rc = newReadCache(o.CacheBytes)
	}
	if err := d.createSchema(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if o.Isolation == SerialWriters {
		d.commits = kv.NewGroupCommitter(d.beginGroup, retryable)
	}
	return d, nil
}

// schemaSQL creates the layout; docs/POSTGRES.md explains it. Identifiers
// are unqualified: the pool's search_path names the schema.
const schemaSQL = `
CREATE TABLE IF NOT EXISTS kv_meta (
	one    boolean PRIMARY KEY DEFAULT true CHECK (one),
	layout integer NOT NULL,
	gen    bigint  NOT NULL DEFAULT 0,
	wgen   bigint  NOT NULL DEFAULT 0
);
INSERT INTO kv_meta (layout) VALUES (3) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS kv_buckets (
	id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name text   NOT NULL UNIQUE,
	seq  bigint NOT NULL DEFAULT 0,
	wgen bigint NOT NULL DEFAULT 0
);
DO $$ BEGIN
	IF NOT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'kv_meta' AND column_name = 'wgen') THEN
		ALTER TABLE kv_meta ADD COLUMN IF NOT EXISTS wgen bigint NOT NULL DEFAULT 0;
		ALTER TABLE kv_buckets ADD COLUMN IF NOT EXISTS wgen bigint NOT NULL DEFAULT 0;
	END IF;
	UPDATE kv_meta SET layout = 3 WHERE layout < 3;
END $$;
CREATE TABLE IF NOT EXISTS kv_changes (
	wgen bigint NOT NULL,
	keys bytea  NOT NULL
);
CREATE INDEX IF NOT EXISTS kv_changes_wgen ON kv_changes (wgen);
CREATE TABLE IF NOT EXISTS kv (
	bucket bigint NOT NULL,
	key    bytea  NOT NULL,
	value  bytea,
	doc    json,
	PRIMARY KEY (bucket, key),
	CHECK ((value IS NULL) <> (doc IS NULL))
);
DO $$ BEGIN
	-- Layouts before 3 had kv.bucket REFERENCES kv_buckets: a check per
	-- row written (docs/DESIGN.md, "The foreign key").
	IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'kv'::regclass AND conname = 'kv_bucket_fkey') THEN
		ALTER TABLE kv DROP CONSTRAINT IF EXISTS kv_bucket_fkey;
	END IF;
END $$;
CREATE OR REPLACE VIEW kv_records AS
	SELECT b.name AS bucket, k.key, k.doc, k.value
	FROM kv k JOIN kv_buckets b ON b.id = k.bucket;
`

func (d *DB) createSchema(ctx context.Context) error {
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	// Two processes starting at once: the advisory lock makes one create
	// and the other find.
	sql := fmt.Sprintf("BEGIN; SELECT pg_advisory_xact_lock(%d); CREATE SCHEMA IF NOT EXISTS %s; %s COMMIT;",
		lockKey(d.opts.Schema), pgx.Identifier{d.opts.Schema}.Sanitize(), schemaSQL)
	if _, err := conn.Conn().PgConn().Exec(ctx, sql).ReadAll(); err != nil {
		return fmt.Errorf("creating the tables: %w", err)
	}
	var layout int
	if err := conn.QueryRow(ctx, "SELECT layout FROM kv_meta").Scan(&layout); err != nil {
		return err
	}
	if layout > layoutVersion {
		return fmt.Errorf("database layout %d: this program reads up to %d", layout, layoutVersion)
	}
	return nil
}

func lockKey(schema string) int64 {
	h := int64(0x6b76) << 32 // "kv"
	for _, c := range []byte(schema) {
		h = h*31 + int64(c)
	}
	return h
}

// Peek reads the committed value of key in bucket in one statement
// (kv.Peeker), outside any transaction; nil when there is none.
func (d *DB) Peek(bucket, key []byte) ([]byte, error) {
	if d.closed.Load() {
		return nil, kv.ErrDatabaseNotOpen
	}
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if d.opts.TxTimeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, d.opts.TxTimeout)
	}
	defer cancel()
	d.trips.Add(1)
	var v []byte
	err := d.pool.QueryRow(ctx, `SELECT coalesce(k.value, convert_to(k.doc::text, 'UTF8'))
		FROM kv k JOIN kv_buckets b ON b.id = k.bucket WHERE b.name = $1 AND k.key = $2`, string(bucket), key).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	case v == nil:
		v = []byte{}
	}
	return v, nil
}

// CountPrefix counts the committed keys of bucket under prefix, up to
// limit, in one statement (kv.PrefixCounter), outside any transaction.
func (d *DB) CountPrefix(bucket, prefix []byte, limit int) (int, error) {
	if d.closed.Load() {
		return 0, kv.ErrDatabaseNotOpen
	}
	if limit <= 0 {
		return 0, nil
	}
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if d.opts.TxTimeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, d.opts.TxTimeout)
	}
	defer cancel()
	d.trips.Add(1)
	var n int
	err := d.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM kv k JOIN kv_buckets b ON b.id = k.bucket
		WHERE b.name = $1 AND k.key >= $2 AND k.key < $3 LIMIT $4) s`, string(bucket), prefix, prefixEnd(prefix), limit).Scan(&n)
	return n, err
}

// Pool returns the connection pool, for health checks.
func (d *DB) Pool() *pgxpool.Pool { return d.pool }

// RoundTrips returns how many times the transactions of this DB waited for
// PostgreSQL's answer since Open (a statement, or a pipelined batch of
// them, is one), for benchmarks that count them per request.
func (d *DB) RoundTrips() uint64 { return d.trips.Load() }

// RoundTripsOf returns the round-trip counter (DB.RoundTrips) of the
// PostgreSQL database under db's wrappers, nil when db is another backend.
func RoundTripsOf(db kv.DB) func() uint64 {
	for {
		u, ok := db.(interface{ Unwrap() kv.DB })
		if !ok {
			break
		}
		db = u.Unwrap()
	}
	if p, ok := db.(*DB); ok {
		return p.RoundTrips
	}
	return nil
}

// Retries returns how many transaction attempts were retried since Open.
func (d *DB) Retries() uint64 { return d.retries.Load() }

// Close finishes queued Batch calls and closes the pool.
func (d *DB) Close() error {
	if d.closed.Swap(true) {
		return nil
	}
	if d.commits != nil {
		d.commits.Close()
	}
	d.parkMu.Lock()
	parked := d.parked
	d.parked = nil
	d.parkMu.Unlock()
	for _, p := range parked {
		d.commitParked(p.conn)
	}
	d.pool.Close()
	return nil
}

// park keeps the connection of a read-only transaction that ended well
// instead of committing it now: the next transaction's BEGIN sends the
// COMMIT in its own round trip, one round trip less per View. A read-only
// transaction's COMMIT changes nothing, so when it is sent does not matter
// to anyone, except that its snapshot stays open meanwhile: connections
// parked longer than parkFor are committed and returned to the pool by a
// sweep, and at most parkMax are parked (else park returns false and the
// caller commits at once).
func (d *DB) park(conn *pgxpool.Conn) bool {
	pc := conn.Conn().PgConn()
	if pc.IsClosed() || pc.IsBusy() || pc.TxStatus() != 'T' || d.closed.Load() {
		return false
	}
	d.parkMu.Lock()
	defer d.parkMu.Unlock()
	if len(d.parked) >= d.parkMax {
		return false
	}
	d.parked = append(d.parked, parkedConn{conn, time.Now()})
	if !d.parkTimer {
		d.parkTimer = true
		time.AfterFunc(parkFor, d.sweep)
	}
	return true
}

// unpark takes the most recently parked connection, nil when there is none.
func (d *DB) unpark() *pgxpool.Conn {
	d.parkMu.Lock()
	defer d.parkMu.Unlock()
	n := len(d.parked)
	if n == 0 {
		return nil
	}
	c := d.parked[n-1].conn
	d.parked[n-1] = parkedConn{}
	d.parked = d.parked[:n-1]
	return c
}

// sweep commits the connections parked for parkFor or longer and returns
// them to the pool.
func (d *DB) sweep() {
	cutoff := time.Now().Add(-parkFor)
	d.parkMu.Lock()
	var old []*pgxpool.Conn
	keep := d.parked[:0]
	for _, p := range d.parked {
		if p.at.After(cutoff) {
			keep = append(keep, p)
		} else {
			old = append(old, p.conn)
		}
	}
	clear(d.parked[len(keep):])
	d.parked = keep
	if d.parkTimer = len(keep) > 0; d.parkTimer {
		time.AfterFunc(parkFor, d.sweep)
	}
	d.parkMu.Unlock()
	for _, c := range old {
		d.commitParked(c)
	}
}

// commitParked commits a parked connection's transaction and returns it
// to the pool (closed when the COMMIT fails). It is not counted in
// RoundTrips: no transaction waits for it, and when it runs depends on
// the timer, not on what the transactions did (a test that counts one
// action's round trips would otherwise count a sweep that fell in it).
func (d *DB) commitParked(c *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d.swept.Add(1)
	if _, err := c.Exec(ctx, "COMMIT"); err != nil {
		_ = c.Conn().Close(ctx)
	}
	c.Release()
}

// View runs fn in a REPEATABLE READ READ ONLY transaction, once — or,
// when fn read nothing from the database but bucket names the process had
// cached, and another process created or deleted one of those buckets
// meanwhile, once more with the names read again (sendFirstRead).
//
// A View whose reads the process cache answers floats (float.go): it may
// find, at its first read the cache cannot answer, that what it already
// read changed meanwhile, and then fn runs once more, in a transaction
// from its start.
func (d *DB) View(fn func(kv.Tx) error) error {
	if d.closed.Load() {
		return kv.ErrDatabaseNotOpen
	}
	return d.view(fn, false)
}

// ViewFresh is View for a caller whose request began with a round of this
// process (kv.FreshViewer): the versions read at a request's start, which
// joins one (PeekMany). A View whose reads the cache answers floats on the
// latest round the process completed instead of waiting for one of its
// own: rounds run one after another, so the latest began no sooner than
// the request's, after the request arrived, and saw every commit
// acknowledged before it. Otherwise as View.
func (d *DB) ViewFresh(fn func(kv.Tx) error) error {
	if d.closed.Load() {
		return kv.ErrDatabaseNotOpen
	}
	return d.view(fn, true)
}

func (d *DB) view(fn func(kv.Tx) error, synced bool) error {
	strict := false
	for run := 1; ; run++ {
		again, moved, err := d.viewOnce(fn, strict, synced)
		if !again || run == 3 {
			return err
		}
		strict = strict || moved
	}
}

// ViewOnce is View without floating (kv.OnceViewer): the transaction
// begins at fn's first read, so fn's answers never move and fn runs once
// (but for the bucket names' case above).
func (d *DB) ViewOnce(fn func(kv.Tx) error) error {
	if d.closed.Load() {
		return kv.ErrDatabaseNotOpen
	}
	for run := 1; ; run++ {
		again, _, err := d.viewOnce(fn, true, false)
		if !again || run == 3 {
			return err
		}
	}
}

// viewOnce is one run of View (strict: without floating; synced: for
// ViewFresh): whether it may run again, whether because its floating
// answers moved, and its error. The transaction ends even when fn panics
// (its connection goes back to the pool, which Close waits for).
func (d *DB) viewOnce(fn func(kv.Tx) error, strict, synced bool) (bool, bool, error) {
	t, err := d.begin(false)
	if err != nil {
		return false, false, err
	}
	defer t.release()
	t.noFloat, t.synced = strict, synced
	err = t.finish(fn(t))
	return t.moved || t.namesMoved && !t.statements, t.moved, err
}

// Update runs fn in a write transaction and commits it. With
// SerialWriters it is Batch: writers take turns anyway, and sharing a
// transaction among the callers that queue meanwhile shares its commit's
// WAL flush (BenchmarkOrders: 24 ms a transaction one by one, 1 ms in
// groups). With Serializable it runs fn alone, again on a serialization
// failure or deadlock.
func (d *DB) Update(fn func(kv.Tx) error) error {
	if d.closed.Load() {
		return kv.ErrDatabaseNotOpen
	}
	if d.commits != nil {
		return d.commits.Run(fn)
	}
	return d.update(fn)
}

func (d *DB) update(fn func(kv.Tx) error) error {
	return d.updateWithin(d.opts.TxTimeout, fn)
}

// UpdateUnbounded is Update without Options.TxTimeout, run alone, for
// work whose size grows with the database (a start-up migration that
// rewrites whole buckets); store.Open's migrations use it.
func (d *DB) UpdateUnbounded(fn func(kv.Tx) error) error {
	if d.closed.Load() {
		return kv.ErrDatabaseNotOpen
	}
	return d.updateWithin(-1, fn)
}

func (d *DB) updateWithin(timeout time.Duration, fn func(kv.Tx) error) error {
	return d.retry(func() error {
		t, err := d.beginWithin(true, timeout)
		if err != nil {
			return err
		}
		defer t.release()
		return t.finish(fn(t))
	})
}

// Batch is group commit with SerialWriters (the functions of concurrent
// callers share a transaction, as on bbolt) and Update with Serializable
// (PostgreSQL already shares one WAL flush among concurrent commits, and a
// group would turn one caller's conflict into everyone's retry).
func (d *DB) Batch(fn func(kv.Tx) error) error { return d.Update(fn) }

func (d *DB) beginGroup() (kv.GroupTx, error) {
	var t *tx
	err := d.retry(func() error {
		var err error
		t, err = d.begin(true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return groupTx{t}, nil
}

// groupTx gives the committer the transaction's commit and rollback.
type groupTx struct{ *tx }

func (g groupTx) Commit() error {
	defer g.release()
	return g.finish(nil)
}

func (g groupTx) Rollback() error {
	g.release()
	return nil
}

func (g groupTx) Err() error { return g.err }

// retry runs attempt until it succeeds, fails for a reason other than a
// serialization failure or deadlock, or has run MaxAttempts times.
func (d *DB) retry(attempt func() error) error {
	pause := time.Millisecond
	for n := 1; ; n++ {
		err := attempt()
		if err == nil || !retryable(err) || n >= d.opts.MaxAttempts {
			return err
		}
		d.retries.Add(1)
		time.Sleep(pause/2 + rand.N(pause))
		pause = min(2*pause, 200*time.Millisecond)
	}
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// tx is one attempt of a transaction on one pooled connection.
type tx struct {
	db       *DB
	conn     *pgxpool.Conn
	ctx      context.Context
	cancel   context.CancelFunc
	writable bool
	locked   bool // holds d.writeMu
	done     bool
	err      error // the first failure of a read; the transaction fails with it
	gen      int64
	names    map[string]int64 // bucket names as of gen, when not the shared cache's
	// begun: the opening statements were sent. A serial writer starts
	// without (beginWithin) and sends them with its first statement.
	begun bool
	// tentative: names and gen are the shared cache's, not yet checked
	// against kv_meta under the writers' lock (sendFirst checks them).
	tentative bool
	// namesMoved: the cached names a bucket was answered from were stale
	// and that bucket changed (errNamesMoved); statements: a read-only
	// transaction sent a statement of fn's (View runs fn again only when
	// not).
	namesMoved, statements bool
	// seqs: the buckets' sequences as of the writers' lock (SerialWriters),
	// by bucket id, those of 0 left out; nil otherwise.
	seqs     map[int64]uint64
	buckets  map[string]*bucket
	onCommit []func()

	// wgen counts writes, so cursors know when to fetch again.
	wgen    uint64
	genBump bool // a bucket was created or deleted (and not yet counted in kv_meta)
	// namesChanged: a bucket was created or deleted; the commit drops the
	// process's cached names, so its next View does not open on them.
	namesChanged bool
	pending      map[string]*write
	order        []*write
	local        map[string]local // what Get has read or the transaction wrote

	// The read cache (cache.go). w: kv_meta.wgen under the writers' lock
	// (SerialWriters); snap, base, newer: the generations the opening read
	// (kv_meta.wgen of the snapshot, the process's gens they were read
	// against, the buckets above base.at), base nil when none were read;
	// touched, touchList: the buckets the transaction changed; gensSent,
	// metaQueued: how far queueBuckets has gone.
	w          int64
	snap       int64
	base       *gens
	newer      map[int64]int64
	touched    map[int64]bool
	touchList  []int64
	gensSent   int
	metaQueued bool
	// The change feed (changes.go): the keys changed (chg; chgSent of
	// them sent, chgKeys of them keys), the buckets recorded whole.
	chg      []change
	chgSent  int
	chgKeys  int
	chgWhole map[int64]bool

	// Floating reads (float.go): floating, a View that has not begun
	// answers from the cache at generation floatAt, served being what it
	// answered; moved: its answers changed before it began (View runs fn
	// again, with noFloat); synced: a ViewFresh, which floats on the
	// process's latest round.
	floating, noFloat, moved, synced bool
	floatAt                          int64
	served                           []served
}

type write struct {
	b        *bucket
	key, val []byte
	del, doc bool
}

type local struct {
	val []byte
	ok  bool
}

func (d *DB) begin(writable bool) (*tx, error) { return d.beginWithin(writable, d.opts.TxTimeout) }

// beginWithin is begin with an attempt bounded by timeout (≤ 0: none).
//
// The first round trip opens the transaction and reads kv_meta's
// generation (and, with SerialWriters, takes the writers' lock and reads
// every bucket's sequence, see bucket.NextSequence); on a parked
// connection (park) it first commits the read-only transaction left on it.
func (d *DB) beginWithin(writable bool, timeout time.Duration) (*tx, error) {
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	serial := writable && d.opts.Isolation == SerialWriters
	if serial {
		d.writeMu.Lock()
	}
	var sql string
	switch {
	case !writable:
		sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT gen, wgen FROM kv_meta"
	case serial:
		sql = "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT gen, wgen FROM kv_meta FOR NO KEY UPDATE; " +
			"SELECT string_agg(id || ' ' || seq, ' ') FROM kv_buckets WHERE seq <> 0"
	default:
		sql = "BEGIN ISOLATION LEVEL SERIALIZABLE; SELECT gen, wgen FROM kv_meta"
	}
	// The generations, in the snapshot (a writer's: after the lock).
	base := d.gens.Load()
	withSync := d.rc != nil && (!writable || serial)
	if withSync {
		sql += "; " + syncSQL(base.at)
	}
	if !writable {
		// Lazy too: the opening goes with the first statement
		// (tx.sendFirstRead), on a parked or pooled connection taken then;
		// a View that reads nothing sends nothing.
		d.cacheMu.Lock()
		cache := d.cache
		d.cacheMu.Unlock()
		if cache != nil {
			return &tx{db: d, ctx: ctx, cancel: cancel, buckets: map[string]*bucket{},
				gen: cache.gen, names: cache.ids, tentative: true}, nil
		}
	}
	if serial {
		// Lazy: the opening goes with the first statement (tx.sendFirst)
		// when the bucket names are cached. A pooled connection, not a
		// parked one: a parked connection that broke meanwhile would fail
		// the first statement, where it can no longer be swapped.
		d.cacheMu.Lock()
		cache := d.cache
		d.cacheMu.Unlock()
		if cache != nil {
			conn, err := d.pool.Acquire(ctx)
			if err != nil {
				d.writeMu.Unlock()
				cancel()
				return nil, err
			}
			return &tx{db: d, conn: conn, ctx: ctx, cancel: cancel, writable: true, locked: true, buckets: map[string]*bucket{},
				gen: cache.gen, names: cache.ids, tentative: true}, nil
		}
	}
	for {
		conn, parked := d.unpark(), true
		if conn == nil {
			parked = false
			var err error
			if conn, err = d.pool.Acquire(ctx); err != nil {
				if serial {
					d.writeMu.Unlock()
				}
				cancel()
				return nil, err
			}
		}
		t := &tx{db: d, conn: conn, ctx: ctx, cancel: cancel, writable: writable, locked: serial, buckets: map[string]*bucket{}, begun: true}
		q, first := sql, 1
		if parked {
			q, first = "COMMIT; "+sql, 2
		}
		d.trips.Add(1)
		res, err := conn.Conn().PgConn().Exec(ctx, q).ReadAll()
		if err != nil && parked && conn.Conn().IsClosed() && ctx.Err() == nil {
			// The parked connection broke meanwhile: take another.
			conn.Release()
			continue
		}
		if err == nil && (len(res) < first+1 || len(res[first].Rows) != 1) {
			err = errors.New("kv_meta has no row")
		}
		if err == nil {
			t.gen, err = strconv.ParseInt(string(res[first].Rows[0][0]), 10, 64)
		}
		if err == nil {
			t.w, err = strconv.ParseInt(string(res[first].Rows[0][1]), 10, 64)
		}
		if err == nil && serial {
			t.seqs, err = parseSeqs(res[first+1].Rows)
		}
		if err == nil && withSync {
			err = t.setSyncText(base, res[len(res)-1].Rows)
		}
		if err != nil {
			t.release()
			return nil, err
		}
		return t, nil
	}
}

// parseSeqs reads the sequences of the buckets whose sequence is not 0,
// one row of "id seq id seq …" (NULL when there are none).
func parseSeqs(rows [][][]byte) (map[int64]uint64, error) {
	if len(rows) != 1 || len(rows[0]) != 1 {
		return nil, errors.New("kv_buckets: no sequences row")
	}
	f := bytes.Fields(rows[0][0])
	if len(f)%2 != 0 {
		return nil, errors.New("kv_buckets: odd sequences row")
	}
	seqs := make(map[int64]uint64, len(f)/2)
	for i := 0; i < len(f); i += 2 {
		id, ok1 := atou(f[i])
		seq, ok2 := atou(f[i+1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("kv_buckets: bad sequence %q %q", f[i], f[i+1])
		}
		seqs[int64(id)] = seq
	}
	return seqs, nil
}

// atou parses a decimal number without allocating.
func atou(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// The opening of a serial writer sent with its first statement: the
// writers' lock with a check that the generation is the one of the cached
// bucket names the statements after it were built with (a division by
// zero otherwise, which aborts the transaction before they run), and the
// sequences, read after the lock in a statement of their own so that its
// snapshot is taken after the lock was granted.
const (
	sqlWriterBegin = "BEGIN ISOLATION LEVEL READ COMMITTED"
	sqlWriterLock  = "SELECT gen, 1 / (gen = $1)::int, wgen FROM kv_meta FOR NO KEY UPDATE"
	sqlWriterSeqs  = "SELECT string_agg(id || ' ' || seq, ' ') FROM kv_buckets WHERE seq <> 0"
)

var (
	// With the read cache, the sequences, the buckets changed since the
	// generation the process knows ($1) and the keys changed since
	// (changes.go) in one statement.
	sqlWriterSeqsSync = "SELECT string_agg(id || ' ' || seq, ' ') FILTER (WHERE seq <> 0), " +
		"string_agg(id || ' ' || wgen, ' ') FILTER (WHERE wgen > $1), " +
		"(SELECT " + changesWithin("m.wgen", "$1") + " FROM kv_meta m) FROM kv_buckets"
	// A View's generations: kv_meta's, the buckets changed since the
	// generation the process knows ($1) and the keys changed since, in one
	// statement; kv_buckets and kv_changes are not read at all when nothing
	// was written since (the CASE evaluates its subquery only when
	// kv_meta.wgen moved).
	sqlReadMetaSync = "SELECT gen, wgen, CASE WHEN wgen > $1 THEN " +
		"(SELECT string_agg(id || ' ' || wgen, ' ') FROM kv_buckets WHERE wgen > $1) END, " +
		"CASE WHEN wgen > $1 THEN " + changesWithin("wgen", "$1") + " END FROM kv_meta"
)

// errNamesMoved: a bucket was created or deleted since the cached names a
// lazily opened transaction used; the attempt runs again with fresh names
// (an Update's always, a View's when it had read nothing).
func errNamesMoved() error {
	return &pgconn.PgError{Code: "40001", Message: "bucket names changed since the transaction's cached names were read"}
}

// sendFirst sends, in one round trip, the opening of a writer that has not
// begun (sqlWriterBegin, sqlWriterLock, sqlWriterSeqs), its buffered
// writes, and sql when not empty; it reads the results up to sql's and
// returns the batch for the caller to read sql's and close.
//
// When the cached bucket names turn out older than the lock's generation
// (the check aborted the transaction before the writes and sql ran), the
// transaction opens again with the names read under the lock (restart),
// and goes on as if nothing happened when every bucket fn was given has
// kept its id: fn has read nothing from the database yet. Otherwise it
// fails with a serialization failure, so that fn runs again.
func (t *tx) sendFirst(sql string, args ...any) (pgx.BatchResults, error) {
	if !t.writable {
		return t.sendFirstRead(sql, args...)
	}
	saved := slices.Clone(t.order)
	var dirty []*bucket
	for _, bk := range t.buckets {
		if bk != nil && bk.seqDirty {
			dirty = append(dirty, bk)
		}
	}
	gensSent, metaQueued, chgSent := t.gensSent, t.metaQueued, t.chgSent
	b := &pgx.Batch{}
	b.Queue(sqlWriterBegin)
	b.Queue(sqlWriterLock, t.gen)
	base := t.syncBase()
	if base != nil {
		b.Queue(sqlWriterSeqsSync, base.at)
	} else {
		b.Queue(sqlWriterSeqs)
	}
	n := b.Len()
	t.queueWrites(b)
	writes := b.Len() - n
	if sql != "" {
		b.Queue(sql, args...)
	}
	t.begun = true // whatever happens, release ends it
	t.db.trips.Add(1)
	br := t.conn.SendBatch(t.ctx, b)
	fail := func(err error) (pgx.BatchResults, error) {
		_ = br.Close()
		if pe := (*pgconn.PgError)(nil); !errors.As(err, &pe) || pe.Code != "22012" {
			return nil, err
		}
		// Not run: the writes are still to be sent.
		t.order = saved
		for _, w := range saved {
			t.pending[localKey(w.b.id, w.key)] = w
		}
		for _, bk := range dirty {
			bk.seqDirty = true
		}
		t.gensSent, t.metaQueued, t.chgSent = gensSent, metaQueued, chgSent
		if err := t.restart(); err != nil {
			return nil, err
		}
		return t.sendAfter(sql, args...)
	}
	if _, err := br.Exec(); err != nil {
		return fail(err)
	}
	var gen, w int64
	var one int32
	if err := br.QueryRow().Scan(&gen, &one, &w); err != nil {
		return fail(err)
	}
	var raw, g, chg []byte
	dst := []any{&raw}
	if base != nil {
		dst = append(dst, &g, &chg)
	}
	if err := br.QueryRow().Scan(dst...); err != nil {
		return fail(err)
	}
	seqs, err := parseSeqs([][][]byte{{raw}})
	if err != nil {
		return fail(err)
	}
	t.w = w
	if base != nil {
		if err := t.setSync(w, base, g, chg, false); err != nil {
			return fail(err)
		}
	}
	t.tentative = false
	t.seqs = seqs
	t.applySeqs()
	for range writes {
		if _, err := br.Exec(); err != nil {
			return fail(err)
		}
	}
	return br, nil
}

// sqlReadBegin opens a read-only transaction; sendFirstRead sends it with
// the generation read and the transaction's first statement.
const sqlReadBegin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"

// sendFirstRead sends, in one round trip on a parked connection (its
// COMMIT first) or a pooled one, the opening of a read-only transaction
// that has not begun, the generation read, and sql when not empty; it
// returns the batch for the caller to read sql's result and close.
//
// The statements sent with the opening were built with the cached bucket
// names; the generation read in the same snapshot says whether they were
// current. When they were not, the names are read again (in the same
// snapshot) and sql is sent again: with the same ids when every bucket fn
// was given kept its id (its result was right, but discarded), else with
// the new id of a bucket created again under its name (remapBucket; the
// bucket fn holds takes it). When a bucket fn was given is gone, the
// transaction fails (errNamesMoved, namesMoved set) and View runs fn again
// when it had read nothing yet.
func (t *tx) sendFirstRead(sql string, args ...any) (pgx.BatchResults, error) {
	t.begun = true // whatever happens, release ends it
	if sql != "" {
		t.statements = true
	}
	for {
		conn, parked := t.db.unpark(), true
		if conn == nil {
			parked = false
			var err error
			if conn, err = t.db.pool.Acquire(t.ctx); err != nil {
				return nil, err
			}
		}
		t.conn = conn
		b := &pgx.Batch{}
		if parked {
			b.Queue("COMMIT")
		}
		b.Queue(sqlReadBegin)
		base := t.syncBase()
		if base != nil {
			b.Queue(sqlReadMetaSync, base.at)
		} else {
			b.Queue("SELECT gen, wgen FROM kv_meta")
		}
		if sql != "" {
			b.Queue(sql, args...)
		}
		t.db.trips.Add(1)
		br := conn.SendBatch(t.ctx, b)
		var err error
		if parked {
			_, err = br.Exec()
		}
		if err == nil {
			_, err = br.Exec()
		}
		var gen, snap int64
		var g, chg []byte
		if err == nil && base != nil {
			if err = br.QueryRow().Scan(&gen, &snap, &g, &chg); err == nil {
				err = t.setSync(snap, base, g, chg, false)
			}
			if err == nil && t.floating && !t.landed() {
				t.moved, err = true, errFloatMoved
			}
		} else if err == nil {
			err = br.QueryRow().Scan(&gen, &snap)
		}
		if err != nil {
			_ = br.Close()
			if parked && conn.Conn().IsClosed() && t.ctx.Err() == nil {
				// The parked connection broke meanwhile: take another.
				conn.Release()
				t.conn = nil
				continue
			}
			return nil, err
		}
		wasTentative := t.tentative
		t.tentative = false
		if gen == t.gen || !wasTentative {
			t.gen = gen
			return br, nil
		}
		// The cached names are older than the snapshot.
		_ = br.Close()
		t.gen, t.names = gen, nil
		if t.loadNames(); t.err != nil {
			return nil, t.err
		}
		moved := map[int64]int64{}
		for name, bk := range t.buckets {
			switch id := t.names[name]; {
			case bk == nil || id == bk.id:
			case id == 0:
				t.namesMoved = true
				return nil, errNamesMoved()
			default:
				moved[bk.id], bk.id = id, id
			}
		}
		return t.sendAfter(sql, remapBucket(args, moved)...)
	}
}

// remapBucket returns a read's arguments with its buckets' ids moved to
// their new ones (a bucket deleted and created again under the same name
// by another process, as Rekey does). Every statement that reads keys
// takes the bucket's id as $1, or the ids of several as a bigint array
// (PrefetchKeys); ids are never reused, so an old id means that bucket.
func remapBucket(args []any, moved map[int64]int64) []any {
	if len(moved) == 0 || len(args) == 0 {
		return args
	}
	args = slices.Clone(args)
	switch a := args[0].(type) {
	case int64:
		if id, ok := moved[a]; ok {
			args[0] = id
		}
	case []int64:
		ids := slices.Clone(a)
		for i, old := range ids {
			if id, ok := moved[old]; ok {
				ids[i] = id
			}
		}
		args[0] = ids
	}
	return args
}

// restart opens the transaction again after the check of the cached names
// failed: ROLLBACK, the opening, the sequences and the bucket names, in
// one round trip. It fails (40001) when a bucket fn was given has gone or
// changed its id meanwhile.
func (t *tx) restart() error {
	t.db.dropNames(t.gen)
	t.db.trips.Add(1)
	base := t.syncBase()
	q := "ROLLBACK; " + sqlWriterBegin + "; SELECT gen, wgen FROM kv_meta FOR NO KEY UPDATE; " +
		sqlWriterSeqs + "; SELECT id, name FROM kv_buckets"
	want := 5
	if base != nil {
		q += "; " + syncSQL(base.at)
		want++
	}
	res, err := t.conn.Conn().PgConn().Exec(t.ctx, q).ReadAll()
	if err == nil && (len(res) != want || len(res[2].Rows) != 1) {
		err = errors.New("kv_meta has no row")
	}
	if err != nil {
		return err
	}
	if t.gen, err = strconv.ParseInt(string(res[2].Rows[0][0]), 10, 64); err != nil {
		return err
	}
	if t.w, err = strconv.ParseInt(string(res[2].Rows[0][1]), 10, 64); err != nil {
		return err
	}
	if base != nil {
		if err := t.setSyncText(base, res[5].Rows); err != nil {
			return err
		}
	}
	if t.seqs, err = parseSeqs(res[3].Rows); err != nil {
		return err
	}
	ids := make(map[string]int64, len(res[4].Rows))
	for _, r := range res[4].Rows {
		id, err := strconv.ParseInt(string(r[0]), 10, 64)
		if err != nil {
			return err
		}
		ids[string(r[1])] = id
	}
	t.names, t.tentative = ids, false
	t.db.cacheMu.Lock()
	if t.db.cache == nil || t.db.cache.gen < t.gen {
		t.db.cache = &bucketNames{gen: t.gen, ids: ids}
	}
	t.db.cacheMu.Unlock()
	for name, bk := range t.buckets {
		if bk != nil && ids[name] != bk.id {
			return errNamesMoved()
		}
	}
	t.applySeqs()
	return nil
}

// sendAfter sends the buffered writes and sql (when not empty) in one
// round trip in a transaction that has begun, reads the writes' results
// and returns the batch for the caller to read sql's and close.
func (t *tx) sendAfter(sql string, args ...any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	t.queueWrites(b)
	writes := b.Len()
	if sql != "" {
		b.Queue(sql, args...)
	}
	if b.Len() == 0 {
		return nil, nil // nothing to send (ensureBegun)
	}
	t.db.trips.Add(1)
	br := t.conn.SendBatch(t.ctx, b)
	for range writes {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return nil, err
		}
	}
	return br, nil
}

// ensureBegun sends the opening of a writer that has not begun on its own,
// before a statement that does not go through sendFirst. False when the
// transaction failed (its error recorded).
func (t *tx) ensureBegun() bool {
	if t.err != nil {
		return false
	}
	if t.begun {
		return true
	}
	br, err := t.sendFirst("")
	if err == nil && br != nil {
		err = br.Close()
	}
	if err != nil {
		t.fail(err)
		return false
	}
	return true
}

// applySeqs gives the buckets opened before the writers' lock their
// sequences.
func (t *tx) applySeqs() {
	for _, b := range t.buckets {
		if b == nil {
			continue
		}
		if !b.seqKnown {
			b.seq, b.seqKnown = t.seqs[b.id], true
		}
		b.seqOwned = true
	}
}

// dropNames forgets the cached bucket names of generation gen.
func (d *DB) dropNames(gen int64) {
	d.cacheMu.Lock()
	if d.cache != nil && d.cache.gen == gen {
		d.cache = nil
	}
	d.cacheMu.Unlock()
}

// release ends the transaction if it is still open and returns the
// connection.
func (t *tx) release() {
	if t.conn == nil {
		if t.cancel != nil {
			t.cancel()
			t.cancel = nil
		}
		return
	}
	if !t.conn.Conn().IsClosed() && t.conn.Conn().PgConn().TxStatus() != 'I' {
		// Its own deadline: the transaction's may be what ran out.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		t.db.trips.Add(1)
		if _, err := t.conn.Exec(ctx, "ROLLBACK"); err != nil {
			// A connection in an unknown state does not go back to the pool.
			_ = t.conn.Conn().Close(ctx)
		}
		cancel()
	}
	t.conn.Release()
	t.conn = nil
	t.cancel()
	if t.locked {
		t.locked = false
		t.db.writeMu.Unlock()
	}
}

// finish commits (fnErr nil, writable) or ends the transaction, and runs
// the OnCommit functions after a commit. A failed read's error wins over
// fn's, which may only be its consequence.
func (t *tx) finish(fnErr error) error {
	if t.err != nil {
		return t.err
	}
	if fnErr != nil {
		return fnErr
	}
	if !t.writable && !t.begun {
		t.done = true
		if len(t.buckets) == 0 || t.floating {
			return nil // fn read nothing, or floated: nothing to end
		}
		// fn only asked for buckets, answered from the cached names:
		// confirm them (one round trip, as the opening always cost).
		if !t.ensureBegun() {
			return t.err
		}
	}
	if !t.writable {
		t.done = true
		if t.db.park(t.conn) {
			t.conn = nil // release: nothing to do but end the context
			return nil
		}
		t.db.trips.Add(1)
		_, err := t.conn.Exec(t.ctx, "COMMIT")
		return err
	}
	if !t.begun {
		if len(t.buckets) == 0 && len(t.order) == 0 {
			// The functions touched nothing: nothing to send.
			t.done = true
			for _, f := range t.onCommit {
				f()
			}
			return nil
		}
		// The opening, the writes and the COMMIT in one round trip; the
		// lock's check also confirms the bucket names fn was given.
		br, err := t.sendFirst("COMMIT")
		if err == nil {
			_, err = br.Exec()
			if cerr := br.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return err
		}
		t.done = true
		t.committed()
		for _, f := range t.onCommit {
			f()
		}
		return nil
	}
	b := &pgx.Batch{}
	t.queueWrites(b)
	b.Queue("COMMIT")
	t.db.trips.Add(1)
	if err := t.conn.SendBatch(t.ctx, b).Close(); err != nil {
		return err
	}
	if t.namesChanged {
		t.db.cacheMu.Lock()
		t.db.cache = nil
		t.db.cacheMu.Unlock()
	}
	t.done = true
	t.committed()
	for _, f := range t.onCommit {
		f()
	}
	return nil
}

// fail records the first failure of a read.
func (t *tx) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

// queueWrites adds the buffered writes to b and forgets them.
func (t *tx) queueWrites(b *pgx.Batch) {
	if len(t.order) > 0 {
		var pb []int64
		var pk, pv [][]byte
		var pj []bool
		var db []int64
		var dk [][]byte
		for _, w := range t.order {
			if w.del {
				db, dk = append(db, w.b.id), append(dk, w.key)
			} else {
				pb, pk, pv, pj = append(pb, w.b.id), append(pk, w.key), append(pv, w.val), append(pj, w.doc)
			}
		}
		if len(dk) > 0 {
			b.Queue(`DELETE FROM kv WHERE (bucket, key) IN (SELECT * FROM unnest($1::bigint[], $2::bytea[]))`, db, dk)
		}
		if len(pk) > 0 {
			b.Queue(`INSERT INTO kv (bucket, key, value, doc)
				SELECT b, k, CASE WHEN j THEN NULL ELSE v END, CASE WHEN j THEN convert_from(v, 'UTF8')::json END
				FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::bool[]) AS u(b, k, v, j)
				ON CONFLICT (bucket, key) DO UPDATE SET value = EXCLUDED.value, doc = EXCLUDED.doc`, pb, pk, pv, pj)
		}
		t.order = t.order[:0]
		clear(t.pending)
	}
	if t.genBump {
		b.Queue(`UPDATE kv_meta SET gen = gen + 1`)
		t.genBump = false
	}
	t.queueBuckets(b)
}

// flush sends the buffered writes, before a read that needs them in the
// database (a range, a count, a bucket deletion).
func (t *tx) flush() bool {
	if t.err != nil {
		return false
	}
	if !t.begun {
		return t.ensureBegun() // sends the writes too
	}
	if !t.buffered() {
		return true
	}
	br, err := t.sendAfter("")
	if err == nil && br != nil {
		err = br.Close()
	}
	if err != nil {
		t.fail(err)
		return false
	}
	return true
}

// buffered reports whether the transaction holds writes a read must not
// pass: keys, a bucket created or deleted, sequences. (The write
// generations they carry go with them, or with the COMMIT.)
func (t *tx) buffered() bool {
	return len(t.order) > 0 || t.genBump || t.seqDirty()
}

func (t *tx) seqDirty() bool {
	for _, b := range t.buckets {
		if b != nil && b.seqDirty {
			return true
		}
	}
	return false
}

// bucketID returns the id of the named bucket as this transaction sees
// it, 0 when there is none.
func (t *tx) bucketID(name string) int64 {
	t.loadNames()
	return t.names[name]
}

// loadNames sets t.names: the shared cache when it is of this
// transaction's generation, else read from kv_buckets (and shared when
// newer than the cache).
func (t *tx) loadNames() {
	if t.names != nil || t.err != nil {
		return
	}
	{
		t.db.cacheMu.Lock()
		if t.db.cache != nil && t.db.cache.gen == t.gen {
			t.names = t.db.cache.ids
		}
		t.db.cacheMu.Unlock()
	}
	if t.names == nil {
		t.db.trips.Add(1)
		rows, err := t.conn.Query(t.ctx, "SELECT id, name FROM kv_buckets")
		if err != nil {
			t.fail(err)
			return
		}
		ids := map[string]int64{}
		var id int64
		var n string
		_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error { ids[n] = id; return nil })
		if err != nil {
			t.fail(err)
			return
		}
		t.names = ids
		t.db.cacheMu.Lock()
		if t.db.cache == nil || t.db.cache.gen < t.gen {
			t.db.cache = &bucketNames{gen: t.gen, ids: ids}
		}
		t.db.cacheMu.Unlock()
	}
}

// Bucket returns the named bucket, nil when there is none. After a failed
// read it returns a bucket that reads nothing, rather than nil: code that
// knows its buckets exist does not dereference nil, and the transaction
// fails with the read's error anyway.
func (t *tx) Bucket(name []byte) kv.Bucket {
	if b := t.bucket(name); b != nil {
		return b
	}
	if t.err != nil {
		return &bucket{tx: t, name: string(name), deleted: true}
	}
	return nil
}

func (t *tx) bucket(name []byte) *bucket {
	if b, ok := t.buckets[string(name)]; ok {
		return b // nil: deleted in this transaction
	}
	if t.err != nil {
		return nil
	}
	id := t.bucketID(string(name))
	if id == 0 && t.tentative {
		// Not in the cached names: confirm them under the lock.
		if !t.ensureBegun() {
			return nil
		}
		id = t.bucketID(string(name))
	}
	if id == 0 {
		return nil
	}
	b := &bucket{tx: t, id: id, name: string(name)}
	if t.seqs != nil {
		// Every sequence that is not 0 is in seqs.
		b.seq, b.seqKnown, b.seqOwned = t.seqs[id], true, true
	}
	t.buckets[b.name] = b
	return b
}

func checkName(name []byte) error {
	switch {
	case len(name) == 0:
		return kv.ErrBucketNameRequired
	case len(name) > kv.MaxKeySize:
		return kv.ErrKeyTooLarge
	case !utf8.Valid(name) || bytes.IndexByte(name, 0) >= 0:
		return kv.ErrBucketNameInvalid
	}
	return nil
}

func (t *tx) CreateBucketIfNotExists(name []byte) (kv.Bucket, error) {
	if !t.writable {
		return nil, kv.ErrTxNotWritable
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	if b := t.bucket(name); b != nil {
		return b, nil
	}
	if t.err != nil {
		return nil, t.err
	}
	if !t.ensureBegun() {
		return nil, t.err
	}
	var id int64
	t.db.trips.Add(1)
	err := t.conn.QueryRow(t.ctx, `INSERT INTO kv_buckets (name) VALUES ($1) RETURNING id`, string(name)).Scan(&id)
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == "23505" {
		// Another transaction created it after this one's snapshot: run
		// again, to find it.
		err = &pgconn.PgError{Code: "40001", Message: "bucket " + strconv.Quote(string(name)) + " created concurrently"}
	}
	if err != nil {
		t.fail(err)
		return nil, err
	}
	t.genBump = true
	t.namesChanged = true
	// Its row is this transaction's until it commits: the sequence is
	// counted here.
	b := &bucket{tx: t, id: id, name: string(name), seqKnown: true, seqOwned: true}
	t.buckets[b.name] = b
	t.wgen++
	t.touch(id)
	t.noteChange(id, nil)
	return b, nil
}

func (t *tx) DeleteBucket(name []byte) error {
	if !t.writable {
		return kv.ErrTxNotWritable
	}
	if !t.ensureBegun() {
		return t.err
	}
	b := t.bucket(name)
	if b == nil {
		if t.err != nil {
			return t.err
		}
		return kv.ErrBucketNotFound
	}
	if !t.flush() {
		return t.err
	}
	t.db.trips.Add(1)
	if _, err := t.conn.Exec(t.ctx, `WITH k AS (DELETE FROM kv WHERE bucket = $1) DELETE FROM kv_buckets WHERE id = $1`, b.id); err != nil {
		t.fail(err)
		return err
	}
	b.deleted = true
	b.seqDirty = false
	t.buckets[b.name] = nil
	t.genBump = true
	t.namesChanged = true
	t.wgen++
	t.touch(b.id)
	t.noteChange(b.id, nil)
	return nil
}

func (t *tx) ForEach(fn func(name []byte, b kv.Bucket) error) error {
	if t.err != nil {
		return t.err
	}
	if !t.ensureBegun() {
		return t.err
	}
	if t.loadNames(); t.err != nil {
		return t.err
	}
	var names []string
	for n := range t.names {
		if b, ok := t.buckets[n]; !ok || b != nil {
			names = append(names, n)
		}
	}
	for n, b := range t.buckets {
		if _, ok := t.names[n]; !ok && b != nil {
			names = append(names, n)
		}
	}
	slices.Sort(names) // Go's string order is bytewise, as bbolt's

	for _, n := range names {
		b := t.bucket([]byte(n))
		if b == nil {
			continue
		}
		if err := fn([]byte(n), b); err != nil {
			return err
		}
	}
	return t.err
}

func (t *tx) Writable() bool     { return t.writable }
func (t *tx) OnCommit(fn func()) { t.onCommit = append(t.onCommit, fn) }

func (t *tx) Size() int64 {
	var n int64
	if !t.ensureBegun() {
		return 0
	}
	t.db.trips.Add(1)
	err := t.conn.QueryRow(t.ctx, `SELECT pg_total_relation_size('kv') + pg_total_relation_size('kv_buckets')`).Scan(&n)
	if err != nil {
		t.fail(err)
	}
	return n
}

type bucket struct {
	tx       *tx
	id       int64
	name     string
	seq      uint64
	seqKnown bool // seq holds the sequence
	seqOwned bool // this transaction holds the row's lock (NextSequence)
	seqDirty bool // seq is to be written
	deleted  bool
}

// localKey is the key of the transaction's maps: bucket id and key.
func localKey(id int64, key []byte) string {
	buf := make([]byte, 8+len(key))
	binary.BigEndian.PutUint64(buf, uint64(id))
	copy(buf[8:], key)
	return string(buf)
}

func (b *bucket) Get(key []byte) []byte {
	t := b.tx
	if t.err != nil || len(key) == 0 {
		return nil
	}
	if l, ok := t.local[localKey(b.id, key)]; ok {
		return l.val
	}
	if cv, ok := t.fromCache(b, func(id int64) string { return getKey(id, key) }); ok {
		v := cv.([]byte)
		if t.local == nil {
			t.local = map[string]local{}
		}
		t.local[localKey(b.id, key)] = local{v, v != nil}
		return v
	}
	if t.err != nil {
		return nil
	}
	id, lk := b.id, localKey(b.id, key)
	var v []byte
	const sql = `SELECT coalesce(value, convert_to(doc::text, 'UTF8')) FROM kv WHERE bucket = $1 AND key = $2`
	var err error
	if t.begun {
		t.db.trips.Add(1)
		err = t.conn.QueryRow(t.ctx, sql, b.id, key).Scan(&v)
	} else {
		var br pgx.BatchResults
		if br, err = t.sendFirst(sql, b.id, key); err == nil {
			err = br.QueryRow().Scan(&v)
			if cerr := br.Close(); err == nil || errors.Is(err, pgx.ErrNoRows) && cerr != nil {
				err = cerr
			}
		}
	}
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		v = nil
	case err != nil:
		t.fail(err)
		return nil
	case v == nil:
		v = []byte{}
	}
	if t.local == nil {
		t.local = map[string]local{}
	}
	if b.id != id {
		lk = localKey(b.id, key) // the read moved the bucket to its new id (remapBucket)
	}
	t.local[lk] = local{v, v != nil}
	t.toCache(b.id, getKey(b.id, key), func() *span { return keySpan(key) }, v, int64(len(v)))
	return v
}

// Prefetch reads the keys the transaction has not read or written yet in
// one query (kv.Prefetcher), into what Get answers from.
func (b *bucket) Prefetch(keys [][]byte) {
	t := b.tx
	if t.err != nil || b.deleted {
		return
	}
	want := make([][]byte, 0, len(keys))
	asked := make(map[string]bool, len(keys))
	for _, k := range keys {
		if len(k) == 0 || len(k) > kv.MaxKeySize {
			continue
		}
		lk := localKey(b.id, k)
		if _, ok := t.local[lk]; ok || asked[lk] {
			continue
		}
		asked[lk] = true
		want = append(want, k)
	}
	bs := make([]*bucket, len(want))
	for i := range bs {
		bs[i] = b
	}
	if bs, want = t.cachedKeys(bs, want); len(want) < 2 || t.err != nil {
		return // a Get costs the same
	}
	asked = make(map[string]bool, len(want))
	for _, k := range want {
		asked[localKey(b.id, k)] = true
	}
	rows, err := t.query(`SELECT key, coalesce(value, convert_to(doc::text, 'UTF8')) FROM kv WHERE bucket = $1 AND key = ANY($2)`, b.id, want)
	t.keepRows(rows, err, asked, func(raw [][]byte) (string, []byte, bool) { return localKey(b.id, raw[0]), raw[1], true })
	t.keepKeys(bs, want)
}

// keepRows keeps the rows of a read-ahead query (or its error) in what Get
// answers from: row gives a row's local key and value (false: not a row to
// keep), and every key asked for that no row answered reads as absent.
func (t *tx) keepRows(rows pgx.Rows, err error, asked map[string]bool, row func(raw [][]byte) (string, []byte, bool)) {
	if err != nil {
		t.fail(err)
		return
	}
	if t.local == nil {
		t.local = map[string]local{}
	}
	for rows.Next() {
		lk, val, ok := row(rows.RawValues())
		if !ok {
			continue
		}
		t.local[lk] = local{append([]byte{}, val...), true}
		delete(asked, lk)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.fail(err)
		return
	}
	for lk := range asked { // none stored
		t.local[lk] = local{}
	}
}

// PrefetchKeys reads the keys of several buckets that the transaction
// has not read or written yet in one query (kv.TxPrefetcher), into what
// Get answers from.
func (t *tx) PrefetchKeys(keys []kv.BucketKey) {
	if t.err != nil {
		return
	}
	bs := make([]*bucket, 0, len(keys))
	want := make([][]byte, 0, len(keys))
	asked := make(map[string]bool, len(keys))
	for _, bk := range keys {
		if len(bk.Key) == 0 || len(bk.Key) > kv.MaxKeySize {
			continue
		}
		b := t.bucket(bk.Bucket)
		if b == nil || b.deleted {
			continue
		}
		lk := localKey(b.id, bk.Key)
		if _, ok := t.local[lk]; ok || asked[lk] {
			continue
		}
		asked[lk] = true
		bs, want = append(bs, b), append(want, bk.Key)
	}
	if bs, want = t.cachedKeys(bs, want); len(want) < 2 || t.err != nil {
		return // a Get costs the same
	}
	ids := make([]int64, len(bs))
	clear(asked)
	for i, b := range bs {
		ids[i] = b.id
		asked[localKey(b.id, want[i])] = true
	}
	rows, err := t.query(`SELECT bucket, key, coalesce(value, convert_to(doc::text, 'UTF8')) FROM kv
		WHERE (bucket, key) IN (SELECT * FROM unnest($1::bigint[], $2::bytea[]))`, ids, want)
	t.keepRows(rows, err, asked, func(raw [][]byte) (string, []byte, bool) {
		if len(raw[0]) != 8 {
			return "", nil, false
		}
		return localKey(int64(binary.BigEndian.Uint64(raw[0])), raw[1]), raw[2], true
	})
	t.keepKeys(bs, want)
}

func (b *bucket) checkWrite(key []byte) error {
	switch {
	case !b.tx.writable:
		return kv.ErrTxNotWritable
	case b.tx.done:
		return kv.ErrTxClosed
	case len(key) == 0:
		return kv.ErrKeyRequired
	case len(key) > kv.MaxKeySize:
		return kv.ErrKeyTooLarge
	}
	return nil
}

func (b *bucket) Put(key, value []byte) error {
	if err := b.checkWrite(key); err != nil {
		return err
	}
	if len(value) > kv.MaxValueSize {
		return kv.ErrValueTooLarge
	}
	if value == nil {
		value = []byte{}
	}
	b.tx.buffer(b, key, value, false)
	return nil
}

func (b *bucket) Delete(key []byte) error {
	if err := b.checkWrite(key); err != nil {
		return err
	}
	b.tx.buffer(b, key, nil, true)
	return nil
}

// buffer records a write; the last write of a key wins.
func (t *tx) buffer(b *bucket, key, value []byte, del bool) {
	lk := localKey(b.id, key)
	// The values read before the first write stay: the transaction's
	// snapshot (or, with SerialWriters, the writers' lock) keeps them
	// current, and a key read again after a write costs no second trip.
	if t.pending == nil {
		t.pending = map[string]*write{}
	}
	if t.local == nil {
		t.local = map[string]local{}
	}
	w := t.pending[lk]
	fresh := w == nil
	if fresh {
		w = &write{b: b, key: key}
		t.pending[lk] = w
		t.order = append(t.order, w)
	}
	w.val, w.del, w.doc = value, del, !del && isDoc(value)
	t.local[lk] = local{value, !del}
	t.wgen++
	t.touch(b.id)
	if fresh {
		t.noteChange(b.id, key)
	}
}

// isDoc reports whether v goes into the json column: a JSON object or
// array in valid UTF-8. Values with \u escapes of UTF-16 surrogates stay
// bytea: Go never writes them, and PostgreSQL may refuse a lone one.
func isDoc(v []byte) bool {
	if len(v) < 2 || (v[0] != '{' && v[0] != '[') {
		return false
	}
	if bytes.Contains(v, []byte(`\ud`)) || bytes.Contains(v, []byte(`\uD`)) {
		return false
	}
	return utf8.Valid(v) && json.Valid(v)
}

func (b *bucket) Cursor() kv.Cursor { return &cursor{b: b} }

func (b *bucket) ForEach(fn func(k, v []byte) error) error {
	c := &cursor{b: b}
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return b.tx.err
}

func (b *bucket) loadSeq() {
	t := b.tx
	if b.seqKnown || !t.ensureBegun() || b.seqKnown {
		return
	}
	var s int64
	t.db.trips.Add(1)
	if err := t.conn.QueryRow(t.ctx, `SELECT seq FROM kv_buckets WHERE id = $1`, b.id).Scan(&s); err != nil {
		t.fail(err)
		return
	}
	b.seq, b.seqKnown = uint64(s), true
}

func (b *bucket) Sequence() uint64 {
	b.loadSeq()
	return b.seq
}

// NextSequence increments the sequence. With SerialWriters the
// transaction read every sequence with the writers' lock (no other writer
// can change one until it commits), so it counts in memory from the
// start. Otherwise the first call of a transaction increments the row
// (taking its lock, so no other transaction can hand out the same number)
// and later calls count in memory. Either way the last value is written
// with the commit.
func (b *bucket) NextSequence() (uint64, error) {
	t := b.tx
	if !t.writable {
		return 0, kv.ErrTxNotWritable
	}
	if t.err != nil {
		return 0, t.err
	}
	if !b.seqOwned && !t.ensureBegun() {
		return 0, t.err
	}
	if !b.seqOwned {
		var s int64
		var err error
		t.db.trips.Add(1)
		if b.seqDirty {
			// SetSequence came first: write its value plus one.
			err = t.conn.QueryRow(t.ctx, `UPDATE kv_buckets SET seq = $2 WHERE id = $1 RETURNING seq`, b.id, int64(b.seq+1)).Scan(&s)
		} else {
			err = t.conn.QueryRow(t.ctx, `UPDATE kv_buckets SET seq = seq + 1 WHERE id = $1 RETURNING seq`, b.id).Scan(&s)
		}
		if err != nil {
			t.fail(err)
			return 0, err
		}
		b.seq, b.seqKnown, b.seqOwned, b.seqDirty = uint64(s), true, true, false
		return b.seq, nil
	}
	b.seq++
	b.seqDirty = true
	return b.seq, nil
}

func (b *bucket) SetSequence(v uint64) error {
	if !b.tx.writable {
		return kv.ErrTxNotWritable
	}
	b.seq, b.seqKnown, b.seqDirty = v, true, true
	return nil
}

func (b *bucket) Stats() kv.BucketStats {
	t := b.tx
	if !t.flush() {
		return kv.BucketStats{}
	}
	var n int
	t.db.trips.Add(1)
	if err := t.conn.QueryRow(t.ctx, `SELECT count(*) FROM kv WHERE bucket = $1`, b.id).Scan(&n); err != nil {
		t.fail(err)
	}
	return kv.BucketStats{KeyN: n}
}

func (b *bucket) Writable() bool { return b.tx.writable }

// query runs a range read, sending the buffered writes first in the same
// round trip (a pipelined batch) so that the read sees them.
func (t *tx) query(sql string, args ...any) (pgx.Rows, error) {
	if !t.begun {
		br, err := t.sendFirst(sql, args...)
		if err != nil {
			return nil, err
		}
		return batchQuery(br)
	}
	if !t.buffered() {
		t.db.trips.Add(1)
		return t.conn.Query(t.ctx, sql, args...)
	}
	br, err := t.sendAfter(sql, args...)
	if err != nil {
		return nil, err
	}
	return batchQuery(br)
}

// batchQuery reads the rows of the next statement of a batch; the batch
// closes with them (or at once on an error).
func batchQuery(br pgx.BatchResults) (pgx.Rows, error) {
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// batchRows closes their batch with them.
type batchRows struct {
	pgx.Rows
	br       pgx.BatchResults
	closeErr error
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if r.br != nil {
		r.closeErr = r.br.Close()
		r.br = nil
	}
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.closeErr
}
