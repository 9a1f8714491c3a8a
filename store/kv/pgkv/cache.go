package pgkv

import (
	"encoding/binary"
	"errors"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// The process read cache (docs/DESIGN.md, "PostgreSQL: the process read
// cache").
//
// Write generations. With SerialWriters every write transaction that
// changes keys or buckets sets kv_meta.wgen to W+1, W being its value under
// the writers' lock, and the wgen of every bucket it changed to W+1, in the
// transaction itself (queueBuckets). Writers take turns on that lock, so their
// commit order is their W order, and a snapshot that sees kv_meta.wgen = S
// sees exactly the writes of generation ≤ S; a bucket's wgen in it names
// the last of them that changed the bucket. Two snapshots in which a
// bucket has the same wgen hold the same keys and values in it.
//
// Sync. Every transaction reads, in its opening round trip and in its
// snapshot (a writer's: after the lock), kv_meta.wgen and the buckets whose
// wgen is above the process's known generation (gens.at); with the
// process's map it then knows every bucket's wgen in its snapshot
// (tx.bucketGen), and the process moves its map forward (never back).
//
// Cache. Results of reads, keyed by operation, bucket id and arguments, are
// kept tagged with the bucket's wgen in the snapshot that read them; an
// entry answers a transaction whose bucket wgen equals its tag — exactly
// what PostgreSQL would return in that snapshot. A bucket the transaction
// has changed is neither answered from nor stored into the cache.

// gens is what the process knows of the write generations: as of
// kv_meta.wgen = at, the wgen of every bucket whose wgen is not 0. It is
// never changed once published (DB.gens).
type gens struct {
	at       int64
	byBucket map[int64]int64
}

// learn publishes the generations a transaction read in a snapshot of
// kv_meta.wgen = snap against base: newer holds every bucket whose wgen
// there is above base.at, which is at most the at of any gens published
// since (they never move back). A bucket not in newer kept its wgen from
// that at to snap, so the merge with the current gens is right as of snap.
// chg are the changes of the generations (base.at, snap] (complete: all of
// them), for the change log, which moves with the gens.
func (d *DB) learn(snap int64, newer map[int64]int64, chg []change, complete bool) {
	l := &d.rc.log
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := d.gens.Load()
	if cur.at >= snap {
		return
	}
	by := maps.Clone(cur.byBucket)
	if by == nil {
		by = map[int64]int64{}
	}
	maps.Copy(by, newer)
	l.append(snap, chg, complete)
	d.gens.Store(&gens{at: snap, byBucket: by})
}

// advance publishes a committed writer's generation: w is kv_meta.wgen
// under its lock, ids the buckets it changed (now of wgen w+1), chg its
// changes. Only when the process's gens are of w: otherwise another
// process wrote meanwhile or the gens are behind, and the next sync moves
// them.
func (d *DB) advance(w int64, ids []int64, chg []change) {
	l := &d.rc.log
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := d.gens.Load()
	if cur.at != w {
		return
	}
	by := maps.Clone(cur.byBucket)
	if by == nil {
		by = map[int64]int64{}
	}
	for _, id := range ids {
		by[id] = w + 1
	}
	for i := range chg {
		chg[i].gen = w + 1
	}
	l.append(w+1, chg, true)
	d.gens.Store(&gens{at: w + 1, byBucket: by})
}

// Cache entry sizes: an entry's bytes are its key's, the memory holding its
// keys and values (a batch's slabs, whole), and these fixed overheads (the
// entry and its map slot; a row of a batch's array, counted by capacity).
const (
	entryOverhead = 128
	rowOverhead   = 56
	// DefaultCacheBytes is the read cache's budget when Options.CacheBytes
	// is 0.
	DefaultCacheBytes = 64 << 20
)

// readCache is the process read cache: a map of entries in least recently
// used order, bounded by bytes.
type readCache struct {
	budget int64

	mu      sync.Mutex
	entries map[string]*centry
	head    *centry // most recently used
	tail    *centry
	size    int64

	hits, misses, evictions atomic.Uint64

	// log: the changed keys (changes.go), by which an entry whose
	// bucket's generation moved may still answer.
	log changeLog
}

// centry is a kept result: val, read in bucket id in a snapshot of
// kv_meta.wgen from in which the bucket's wgen was tag. It answers a
// snapshot in which the bucket's wgen is tag, or whose generation is in
// [from, upto]: no change fell in its span between (upto moves forward
// each time the change log shows none since).
type centry struct {
	key        string
	id         int64
	tag        int64
	from, upto int64
	span       *span
	val        any // []byte (nil: absent), *cachedBatch or []prefixRow
	size       int64
	prev, next *centry
}

// cachedBatch is a cursor's fetch: the rows in the fetch's direction,
// whether a row limit or the byte bound ended it (full).
type cachedBatch struct {
	items      []item
	more, full bool
}

// prefixRow is a row of ScanPrefixes: the prefix's index, key and value.
type prefixRow struct {
	i    int
	k, v []byte
}

// CacheStats are the read cache's counters since Open.
type CacheStats struct {
	// Hits and Misses count the reads the cache was asked for (those of
	// buckets the transaction had not changed): answered, or sent.
	Hits, Misses uint64
	// Evictions counts entries dropped for room.
	Evictions uint64
	// Entries and Bytes are what it holds now; Budget its bound (0: off).
	Entries      int
	Bytes        int64
	Budget       int64
	Generation   int64 // the process's known kv_meta.wgen
	BucketsKnown int   // buckets with a generation above 0
}

// CacheStats returns the read cache's counters.
func (d *DB) CacheStats() CacheStats {
	g := d.gens.Load()
	s := CacheStats{Generation: g.at, BucketsKnown: len(g.byBucket)}
	c := d.rc
	if c == nil {
		return s
	}
	s.Hits, s.Misses, s.Evictions = c.hits.Load(), c.misses.Load(), c.evictions.Load()
	c.mu.Lock()
	s.Entries, s.Bytes, s.Budget = len(c.entries), c.size, c.budget
	c.mu.Unlock()
	return s
}

func newReadCache(budget int64) *readCache {
	return &readCache{budget: budget, entries: map[string]*centry{}}
}

// likely reports whether an entry of key is there and answers the
// process's latest known generations (snap, the bucket's wgen tag): a
// transaction that has not begun sends its opening alone for it.
func (c *readCache) likely(key string, tag, snap int64) bool {
	return c.valid(key, tag, snap) != nil
}

// valid returns key's entry when it answers a snapshot of generation snap
// in which its bucket's wgen is tag, else nil; found valid through the
// change log, the entry's upto moves to snap.
func (c *readCache) valid(key string, tag, snap int64) *centry {
	c.mu.Lock()
	e := c.entries[key]
	if e == nil || e.tag == tag || snap >= e.from && snap <= e.upto {
		c.mu.Unlock()
		return e
	}
	if snap < e.from {
		c.mu.Unlock()
		return nil
	}
	id, sp, upto := e.id, e.span, e.upto
	c.mu.Unlock()
	if !c.log.unchanged(id, sp, upto, snap) {
		return nil
	}
	c.mu.Lock()
	if e.upto < snap {
		e.upto = snap
	}
	c.mu.Unlock()
	return e
}

// get returns the value of key's entry when it answers a snapshot of
// generation snap in which the bucket's wgen is tag, with the entry's span.
func (c *readCache) get(key string, tag, snap int64) (any, *span, bool) {
	e := c.valid(key, tag, snap)
	if e == nil {
		c.misses.Add(1)
		return nil, nil, false
	}
	c.mu.Lock()
	if c.entries[key] == e {
		c.unlink(e)
		c.pushFront(e)
	}
	c.mu.Unlock()
	c.hits.Add(1)
	return e.val, e.span, true
}

// put keeps val, read in bucket id in a snapshot of generation snap in
// which the bucket's wgen was tag, under key; not when it is larger than a
// sixteenth of the budget, nor over an entry known valid at a later
// generation (one read in an older snapshot). Least recently used entries
// go to make room.
func (c *readCache) put(key string, id, tag, snap int64, sp func() *span, val any, size int64) bool {
	size += int64(len(key)) + entryOverhead
	if size > c.budget/16 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[key]; e != nil {
		if e.upto > snap || e.tag > tag {
			return false
		}
		c.remove(e)
	}
	e := &centry{key: key, id: id, tag: tag, from: snap, upto: snap, span: sp(), val: val, size: size}
	c.entries[key] = e
	c.pushFront(e)
	c.size += size
	for c.size > c.budget && c.tail != nil {
		c.remove(c.tail)
		c.evictions.Add(1)
	}
	return true
}

func (c *readCache) remove(e *centry) {
	c.unlink(e)
	delete(c.entries, e.key)
	c.size -= e.size
}

func (c *readCache) unlink(e *centry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		c.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		c.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

func (c *readCache) pushFront(e *centry) {
	e.next = c.head
	if c.head != nil {
		c.head.prev = e
	}
	c.head = e
	if c.tail == nil {
		c.tail = e
	}
}

// Cache keys: an operation's letter, the bucket id, the arguments.
func getKey(id int64, key []byte) string { return "g" + localKey(id, key) }

func batchKey(id int64, fwd bool, from []byte, incl bool, n int, lo []byte) string {
	buf := make([]byte, 0, 1+8+1+4+2+len(lo)+len(from))
	buf = append(buf, 'c')
	buf = binary.BigEndian.AppendUint64(buf, uint64(id))
	var f byte
	if fwd {
		f |= 1
	}
	if incl {
		f |= 2
	}
	if from != nil {
		f |= 4
	}
	if lo != nil {
		f |= 8
	}
	buf = append(buf, f)
	buf = binary.BigEndian.AppendUint32(buf, uint32(n))
	if lo != nil {
		buf = binary.BigEndian.AppendUint16(buf, uint16(len(lo))) // ≤ MaxKeySize
		buf = append(buf, lo...)
	}
	return string(append(buf, from...))
}

func scanKey(id int64, prefixes [][]byte) string {
	n := 1 + 8
	for _, p := range prefixes {
		n += 2 + len(p)
	}
	buf := make([]byte, 0, n)
	buf = append(buf, 's')
	buf = binary.BigEndian.AppendUint64(buf, uint64(id))
	for _, p := range prefixes {
		buf = binary.BigEndian.AppendUint16(buf, uint16(len(p))) // ≤ MaxKeySize
		buf = append(buf, p...)
	}
	return string(buf)
}

// touch records that the transaction changed bucket id: its reads of it
// bypass the cache from now on, and the commit sets its wgen (queueBuckets).
func (t *tx) touch(id int64) {
	if t.touched[id] {
		return
	}
	if t.touched == nil {
		t.touched = map[int64]bool{}
	}
	t.touched[id] = true
	t.touchList = append(t.touchList, id)
}

// queueBuckets adds to a batch of writes one statement for the bucket
// rows the transaction changed since its last batch: the sequences it
// moved, and (SerialWriters) the write generations: kv_meta.wgen one up,
// once a transaction, the buckets changed since the last batch to it, and
// the keys changed since then as a kv_changes row (changes.go). Under the
// writers' lock kv_meta.wgen is W until this transaction's own update,
// which the statements after it see (READ COMMITTED).
func (t *tx) queueBuckets(b *pgx.Batch) {
	var ids, seqs []int64
	var hasSeq, gen []bool
	for _, bk := range t.buckets {
		if bk != nil && bk.seqDirty {
			ids, seqs = append(ids, bk.id), append(seqs, int64(bk.seq))
			hasSeq, gen = append(hasSeq, true), append(gen, false)
			bk.seqDirty = false
		}
	}
	var chg []byte
	gens := t.db.wgens && (len(t.touchList) > t.gensSent || t.chgSent < len(t.chg))
	if gens {
		for _, id := range t.touchList[t.gensSent:] {
			if i := slices.Index(ids, id); i >= 0 {
				gen[i] = true
				continue
			}
			ids, seqs = append(ids, id), append(seqs, 0)
			hasSeq, gen = append(hasSeq, false), append(gen, true)
		}
		t.gensSent = len(t.touchList)
		chg = t.encodeChanges()
	}
	switch {
	case len(ids) == 0 && chg == nil:
	case !t.db.wgens:
		b.Queue(sqlSeqs, ids, seqs)
	case gens && !t.metaQueued:
		b.Queue(sqlBucketsFirstGen, ids, seqs, hasSeq, gen, chg)
		t.metaQueued = true
	default:
		b.Queue(sqlBuckets, ids, seqs, hasSeq, gen, chg)
	}
}

// The bucket rows' update (queueBuckets): $1 ids, $2 sequences, $3 whether
// the sequence moved, $4 whether the bucket changed (its wgen is the
// transaction's), $5 the keys changed since the last batch (NULL: none).
// The first of a transaction that changed anything moves kv_meta.wgen too
// (a data-modifying WITH runs once whether read or not), and when its
// generation is a multiple of pruneEvery deletes the changes older than
// changesKeep generations.
var (
	sqlSeqs            = `UPDATE kv_buckets AS b SET seq = u.seq FROM unnest($1::bigint[], $2::bigint[]) AS u(id, seq) WHERE b.id = u.id`
	sqlBucketsFirstGen = `WITH m AS (UPDATE kv_meta SET wgen = wgen + 1 RETURNING wgen),
		c AS (INSERT INTO kv_changes (wgen, keys) SELECT wgen, $5::bytea FROM m WHERE $5::bytea IS NOT NULL),
		p AS (DELETE FROM kv_changes WHERE (SELECT wgen FROM m) % ` + strconv.Itoa(pruneEvery) + ` = 0
			AND wgen <= (SELECT wgen FROM m) - ` + strconv.Itoa(changesKeep) + `)
		UPDATE kv_buckets AS b SET seq = CASE WHEN u.s THEN u.seq ELSE b.seq END,
		wgen = CASE WHEN u.g THEN (SELECT wgen FROM m) ELSE b.wgen END
		FROM unnest($1::bigint[], $2::bigint[], $3::bool[], $4::bool[]) AS u(id, seq, s, g) WHERE b.id = u.id`
	sqlBuckets = `WITH c AS (INSERT INTO kv_changes (wgen, keys) SELECT wgen, $5::bytea FROM kv_meta WHERE $5::bytea IS NOT NULL)
		UPDATE kv_buckets AS b SET seq = CASE WHEN u.s THEN u.seq ELSE b.seq END,
		wgen = CASE WHEN u.g THEN (SELECT wgen FROM kv_meta) ELSE b.wgen END
		FROM unnest($1::bigint[], $2::bigint[], $3::bool[], $4::bool[]) AS u(id, seq, s, g) WHERE b.id = u.id`
)

// bucketGen returns bucket id's wgen in the transaction's snapshot; false
// when the transaction did not read the generations.
func (t *tx) bucketGen(id int64) (int64, bool) {
	if t.base == nil {
		return 0, false
	}
	if g, ok := t.newer[id]; ok {
		return g, true
	}
	return t.base.byBucket[id], true
}

// setSync takes the generations a transaction's opening read: snap
// (kv_meta.wgen), raw (the row of the buckets whose wgen is above base.at:
// "id wgen id wgen …", NULL when none) and chg (the changes above base.at,
// changesWithin; text: in the simple protocol's text form).
func (t *tx) setSync(snap int64, base *gens, raw, chg []byte, text bool) error {
	newer, err := t.db.learnRead(base, snap, raw, chg, text)
	if err != nil {
		return err
	}
	t.snap, t.base, t.newer = snap, base, newer
	return nil
}

// syncSQL is the generations' read of the simple-protocol openings: the
// buckets above at and the changes (changesWithin), in one row.
func syncSQL(at int64) string {
	a := strconv.FormatInt(at, 10)
	return "SELECT (SELECT string_agg(id || ' ' || wgen, ' ') FROM kv_buckets WHERE wgen > " + a + "), " +
		"CASE WHEN m.wgen > " + a + " THEN " + changesWithin("m.wgen", a) + " END FROM kv_meta m"
}

// setSyncText is setSync with syncSQL's rows in text form, read in a
// snapshot of generation t.w.
func (t *tx) setSyncText(base *gens, rows [][][]byte) error {
	if len(rows) != 1 || len(rows[0]) != 2 {
		return errors.New("kv_buckets: no generations row")
	}
	return t.setSync(t.w, base, rows[0][0], rows[0][1], true)
}

// syncBase returns the gens the next opening reads against, nil when the
// cache is off.
func (t *tx) syncBase() *gens {
	if t.db.rc == nil {
		return nil
	}
	return t.db.gens.Load()
}

// eligible reports whether a read of bucket b may use the cache.
func (t *tx) eligible(b *bucket) bool {
	return t.db.rc != nil && t.err == nil && !b.deleted && !t.touched[b.id]
}

// fromCache answers a read of bucket b from the cache: key gives the
// entry's key for the bucket's id. A transaction that has not begun sends
// its opening alone first when an entry of the process's latest generation
// is there (the opening tells whether it is the snapshot's), else the read
// goes with the opening as without the cache. After false the caller
// checks t.err (the opening may have failed) and reads b.id again (the
// opening may have moved the bucket to a new id).
func (t *tx) fromCache(b *bucket, key func(id int64) string) (any, bool) {
	if !t.eligible(b) {
		return nil, false
	}
	c := t.db.rc
	if !t.begun && !t.floating {
		if g := t.db.gens.Load(); !c.likely(key(b.id), g.byBucket[b.id], g.at) {
			c.misses.Add(1)
			return nil, false
		}
		if !t.float() && (!t.ensureBegun() || !t.eligible(b)) {
			return nil, false
		}
	}
	g, ok := t.bucketGen(b.id)
	if !ok {
		return nil, false
	}
	v, sp, ok := c.get(key(b.id), g, t.snap)
	if ok && t.floating {
		t.served = append(t.served, served{b.id, sp})
	}
	return v, ok
}

// toCache keeps the result of a read of bucket id (in the transaction's
// snapshot, not after its own writes to the bucket), which depends on the
// keys in sp.
func (t *tx) toCache(id int64, key string, sp func() *span, val any, size int64) bool {
	if t.db.rc == nil || t.err != nil || t.touched[id] {
		return false
	}
	g, ok := t.bucketGen(id)
	return ok && t.db.rc.put(key, id, g, t.snap, sp, val, size)
}

// cachedKeys answers what it can of a read-ahead of keys (bs[i], keys[i])
// from the cache into what Get answers from, and returns the rest. A
// transaction that has not begun sends its opening alone only when every
// key is likely answered.
func (t *tx) cachedKeys(bs []*bucket, keys [][]byte) ([]*bucket, [][]byte) {
	c := t.db.rc
	if c == nil || len(keys) == 0 {
		return bs, keys
	}
	if !t.begun && !t.floating {
		g := t.db.gens.Load()
		for i, b := range bs {
			if !t.eligible(b) || !c.likely(getKey(b.id, keys[i]), g.byBucket[b.id], g.at) {
				c.misses.Add(uint64(len(keys)))
				return bs, keys
			}
		}
		if !t.float() && !t.ensureBegun() {
			return bs, keys
		}
	}
	var rb []*bucket
	var rk [][]byte
	for i, b := range bs {
		k := keys[i]
		if t.eligible(b) {
			if g, ok := t.bucketGen(b.id); ok {
				if v, sp, ok := c.get(getKey(b.id, k), g, t.snap); ok {
					if t.floating {
						t.served = append(t.served, served{b.id, sp})
					}
					if t.local == nil {
						t.local = map[string]local{}
					}
					v := v.([]byte)
					t.local[localKey(b.id, k)] = local{v, v != nil}
					continue
				}
			}
		}
		rb, rk = append(rb, b), append(rk, k)
	}
	return rb, rk
}

// keepKeys keeps in the cache what a read-ahead read of keys (bs[i],
// keys[i]) into what Get answers from.
func (t *tx) keepKeys(bs []*bucket, keys [][]byte) {
	if t.db.rc == nil || t.err != nil {
		return
	}
	for i, b := range bs {
		if l, ok := t.local[localKey(b.id, keys[i])]; ok {
			v := l.val
			if !l.ok {
				v = nil
			}
			k := keys[i]
			t.toCache(b.id, getKey(b.id, k), func() *span { return keySpan(k) }, v, int64(len(v)))
		}
	}
}

// committed publishes the generation of a writer that committed its
// changes (DB.advance).
func (t *tx) committed() {
	if t.metaQueued && t.db.rc != nil {
		t.db.advance(t.w, t.touchList, t.chg)
	}
}
