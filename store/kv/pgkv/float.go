package pgkv

import (
	"bytes"
	"context"
	"sync"

	"dealerportal/store/kv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Floating reads (docs/DESIGN.md, "PostgreSQL: reads answered without a
// transaction").
//
// A View whose first read the process cache likely answers does not open a
// transaction for it. It asks for a round: one statement, outside any
// transaction, that reads the generations (sqlReadMetaSync) and moves the
// process's gens and change log forward. A round that began after the View
// began has seen every commit that ended before the View began, so the
// cache's answers at the generation the process then knows are what a
// transaction begun at that moment would read: the View floats on that
// generation (floatAt) and sends nothing while its reads hit. Views that
// begin while a round is in flight share the next one, so under load a
// round answers many Views.
//
// At the View's first read the cache cannot answer, the transaction begins
// as any View's does (sendFirstRead: the opening, the generations and the
// read in one round trip), in a snapshot of a later generation. When no
// change between floatAt and that generation falls in the span of a read
// already answered (the change log), those answers are the snapshot's too
// and the View goes on in it. Otherwise the View has seen two states of
// the database: it fails with errFloatMoved and View runs fn again, this
// time in a transaction from the start (kv.DB's contract: a View's fn may
// run more than once).

// round is one shared read of the generations outside a transaction. The
// committed reads of the PeekMany calls that joined it (the versions read
// every request of a fleet makes at its start, with the header's unread
// counts: store.Sync) ride in the same statement as columns of their own,
// so a request's versions read and its Views' rounds are one stream of
// statements, not two.
type round struct {
	done chan struct{}
	err  error
	gen  int64 // kv_meta.gen: the bucket names' generation
	snap int64 // kv_meta.wgen of the statement's snapshot
	// reads are the joined PeekMany calls' reads, appended only while the
	// round is the queued one (or by its leader before it is sent).
	reads []kv.PeekRead
}

// rounds are a process's rounds: the one in flight and the one queued
// behind it.
type rounds struct {
	mu        sync.Mutex
	cur, next *round
	// sent counts the rounds sent, queued the callers that joined a
	// queued round (tests).
	sent, queued int
	// hook, when set (tests), runs before a round is sent.
	hook func()
	// last is the latest round that completed without an error (ViewFresh).
	last *round
}

// latest returns the latest round that completed without an error, nil
// when there is none yet.
func (rs *rounds) latest() *round {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.last
}

// served is a read a floating View answered from the cache: its bucket
// and the keys it depends on.
type served struct {
	id int64
	sp *span
}

// errFloatMoved: a floating View's answers changed before its transaction
// began; View runs fn again in a transaction.
var errFloatMoved = &pgconn.PgError{Code: "40001", Message: "a floating read's keys changed before its transaction began"}

// fresh returns a round that began after the call: the one queued behind
// the round in flight (joined, or queued now), or a new one sent now when
// none is in flight. reads, when any, ride in the round (see round); the
// caller finds their results in the round's reads from index off.
func (d *DB) fresh(reads []kv.PeekRead) (r *round, off int) {
	rs := &d.rounds
	rs.mu.Lock()
	mine := rs.next
	lead := rs.cur == nil
	switch {
	case lead:
		mine = &round{done: make(chan struct{})}
		rs.cur = mine
	case mine == nil:
		mine = &round{done: make(chan struct{})}
		rs.next = mine
	}
	if !lead {
		rs.queued++
	}
	off = len(mine.reads)
	mine.reads = append(mine.reads, reads...)
	rs.mu.Unlock()
	if lead {
		d.runRounds(mine)
	}
	<-mine.done
	return mine, off
}

// runRounds sends round r and, when another was queued meanwhile, hands it
// to a goroutine of its own, so that r's caller goes on at once.
func (d *DB) runRounds(r *round) {
	rs := &d.rounds
	rs.mu.Lock()
	rs.sent++
	hook := rs.hook
	rs.mu.Unlock()
	if hook != nil {
		hook()
	}
	r.gen, r.snap, r.err = d.readGens(r.reads)
	close(r.done)
	rs.mu.Lock()
	if r.err == nil {
		rs.last = r
	}
	next := rs.next
	rs.cur, rs.next = next, nil
	rs.mu.Unlock()
	if next != nil {
		go d.runRounds(next)
	}
}

// readGens reads kv_meta's generations and the buckets and keys changed
// since the process's known generation in one statement outside a
// transaction (on a parked connection, whose COMMIT goes first), and
// publishes what changed (DB.learn). The statement also makes reads (the
// joined PeekMany calls'), filling their Value or N.
func (d *DB) readGens(reads []kv.PeekRead) (gen, snap int64, err error) {
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if d.opts.TxTimeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, d.opts.TxTimeout)
	}
	defer cancel()
	base := d.gens.Load()
	// The joined calls' reads, each distinct read once (every request's
	// versions read is the same key): col[i] is reads[i]'s in uniq.
	var uniq []kv.PeekRead
	col := make([]int, len(reads))
	seen := map[peekKey]int{}
	var shape peekShape
	for i := range reads {
		r := &reads[i]
		r.Value, r.N = nil, 0
		col[i] = -1
		if r.Count && r.Limit <= 0 {
			continue // counts nothing
		}
		k := peekKey{string(r.Bucket), string(r.Key), r.Count, r.Limit}
		j, ok := seen[k]
		if !ok {
			j = len(uniq)
			seen[k] = j
			uniq = append(uniq, kv.PeekRead{Bucket: r.Bucket, Key: r.Key, Count: r.Count, Limit: r.Limit})
			shape.add(r.Count)
		}
		col[i] = j
	}
	defer func() {
		if err != nil {
			return
		}
		for i, j := range col {
			if j >= 0 {
				reads[i].Value, reads[i].N = bytes.Clone(uniq[j].Value), uniq[j].N
			}
		}
	}()
	// Without the read cache (Options.CacheBytes 0) no View floats and
	// nothing learns generations: a round is its reads alone.
	withGens := d.rc != nil
	sql, args := sqlReadMetaSync, []any{base.at}
	var g, chg []byte
	dest := []any{&gen, &snap, &g, &chg}
	if !withGens {
		args, dest = nil, nil
	}
	switch {
	case shape.n > 0:
		sql = shape.roundSQL(withGens)
		args, dest = peekArgs(uniq, args, dest)
	case !withGens:
		return 0, 0, nil
	}
	for {
		conn, parked := d.unpark(), true
		if conn == nil {
			parked = false
			if conn, err = d.pool.Acquire(ctx); err != nil {
				return 0, 0, err
			}
		}
		b := &pgx.Batch{}
		if parked {
			b.Queue("COMMIT")
		}
		b.Queue(sql, args...)
		d.trips.Add(1)
		br := conn.SendBatch(ctx, b)
		if parked {
			_, err = br.Exec()
		}
		if err == nil {
			err = br.QueryRow().Scan(dest...)
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		broken := parked && err != nil && conn.Conn().IsClosed() && ctx.Err() == nil
		conn.Release() // the pool drops a connection left in a transaction
		if broken {
			continue // the parked connection broke meanwhile: take another
		}
		if err != nil || !withGens {
			return gen, snap, err
		}
		if _, err := d.learnRead(base, snap, g, chg, false); err != nil {
			return 0, 0, err
		}
		return gen, snap, nil
	}
}

// peekKey is a joined read, for sharing one column among equal reads.
type peekKey struct {
	bucket, key string
	count       bool
	limit       int
}

// learnRead publishes the generations read in a snapshot of generation
// snap against base: raw, the buckets above base.at ("id wgen …", NULL when
// none), and chg, the changes (changesWithin); text: in the simple
// protocol's text form. It returns the buckets above base.at.
func (d *DB) learnRead(base *gens, snap int64, raw, chg []byte, text bool) (map[int64]int64, error) {
	m, err := parseSeqs([][][]byte{{raw}})
	if err != nil {
		return nil, err
	}
	changes, complete, err := parseChanges(chg, text, base.at, snap)
	if err != nil {
		return nil, err
	}
	newer := make(map[int64]int64, len(m))
	for id, g := range m {
		newer[id] = int64(g)
	}
	if snap > base.at {
		d.learn(snap, newer, changes, complete)
	}
	return newer, nil
}

// float makes a read-only transaction that has not begun float on the
// generation the process knows after a round that began now (see above);
// false when it may not (it ran again after its answers moved, the round
// failed, or the bucket names it holds are not the round's), and the caller
// begins it instead.
func (t *tx) float() bool {
	if t.noFloat || t.writable || t.begun || t.floating || !t.tentative {
		return false
	}
	var r *round
	if t.synced {
		// The latest round, though it may be older than a commit of the
		// request's own: a writer reads the generations under the writers'
		// lock (sqlWriterSeqsSync) and publishes its own after (advance),
		// so the gens floated on below hold every commit of this process
		// that has returned.
		r = t.db.rounds.latest()
	}
	if r == nil {
		r, _ = t.db.fresh(nil)
	}
	if r.err != nil || r.gen != t.gen {
		return false
	}
	g := t.db.gens.Load()
	if g.at < r.snap {
		return false // cannot be: the round published its generation
	}
	t.floating, t.floatAt = true, g.at
	t.snap, t.base, t.newer = g.at, g, nil
	return true
}

// landed checks, when a floating transaction has just begun in a snapshot
// of generation t.snap, that no read it answered from the cache changed
// since it floated: false when one did (the caller fails the transaction
// with errFloatMoved).
func (t *tx) landed() bool {
	t.floating = false
	if t.snap < t.floatAt {
		return false
	}
	l := &t.db.rc.log
	for _, s := range t.served {
		if !l.unchanged(s.id, s.sp, t.floatAt, t.snap) {
			return false
		}
	}
	t.served = nil
	return true
}
