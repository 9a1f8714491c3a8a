package pgkv

import (
	"encoding/binary"
	"maps"
	"slices"
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
// kv_meta.wgen = snap: newer holds every bucket whose wgen there is above
// the at of the gens the read was made against, which is at most the at
// of any gens published since (they never move back). A bucket not in
// newer kept its wgen from that at to snap, so the merge with the current
// gens is right as of snap.
func (d *DB) learn(snap int64, newer map[int64]int64) {
	for {
		cur := d.gens.Load()
		if cur.at >= snap {
			return
		}
		by := maps.Clone(cur.byBucket)
		if by == nil {
			by = map[int64]int64{}
		}
		maps.Copy(by, newer)
		if d.gens.CompareAndSwap(cur, &gens{at: snap, byBucket: by}) {
			return
		}
	}
}

// advance publishes a committed writer's generation: w is kv_meta.wgen
// under its lock, ids the buckets it changed (now of wgen w+1). Only when
// the process's gens are of w: otherwise another process wrote meanwhile
// or the gens are behind, and the next sync moves them.
func (d *DB) advance(w int64, ids []int64) {
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
	d.gens.CompareAndSwap(cur, &gens{at: w + 1, byBucket: by})
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
}

type centry struct {
	key        string
	tag        int64 // the bucket's wgen in the snapshot that read val
	val        any   // []byte (nil: absent), *cachedBatch or []prefixRow
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

// likely reports whether an entry of key is there with tag: a transaction
// that has not begun sends its opening alone for it (the entry answers
// when the snapshot's generation is tag, the process's latest known).
func (c *readCache) likely(key string, tag int64) bool {
	c.mu.Lock()
	e := c.entries[key]
	c.mu.Unlock()
	return e != nil && e.tag == tag
}

// get returns the value of key's entry when its tag is tag.
func (c *readCache) get(key string, tag int64) (any, bool) {
	c.mu.Lock()
	e := c.entries[key]
	if e == nil || e.tag != tag {
		c.mu.Unlock()
		c.misses.Add(1)
		return nil, false
	}
	c.unlink(e)
	c.pushFront(e)
	c.mu.Unlock()
	c.hits.Add(1)
	return e.val, true
}

// put keeps val under key, tagged; not when it is larger than a
// sixteenth of the budget, nor over an entry of a newer tag (one read in
// an older snapshot). Least recently used entries go to make room.
func (c *readCache) put(key string, tag int64, val any, size int64) bool {
	size += int64(len(key)) + entryOverhead
	if size > c.budget/16 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[key]; e != nil {
		if e.tag > tag {
			return false
		}
		c.remove(e)
	}
	e := &centry{key: key, tag: tag, val: val, size: size}
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

func batchKey(id int64, fwd bool, from []byte, incl bool, n int) string {
	buf := make([]byte, 0, 1+8+1+4+len(from))
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
	buf = append(buf, f)
	buf = binary.BigEndian.AppendUint32(buf, uint32(n))
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
// once a transaction, and the buckets changed since the last batch to it.
// Under the writers' lock kv_meta.wgen is W until this transaction's own
// update, which the statements after it see (READ COMMITTED).
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
	gens := t.db.wgens && len(t.touchList) > t.gensSent
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
	}
	switch {
	case len(ids) == 0:
	case !t.db.wgens:
		b.Queue(sqlSeqs, ids, seqs)
	case gens && !t.metaQueued:
		b.Queue(sqlBucketsFirstGen, ids, seqs, hasSeq, gen)
		t.metaQueued = true
	default:
		b.Queue(sqlBuckets, ids, seqs, hasSeq, gen)
	}
}

// The bucket rows' update (queueBuckets): $1 ids, $2 sequences, $3 whether
// the sequence moved, $4 whether the bucket changed (its wgen is the
// transaction's). The first of a transaction that changed anything moves
// kv_meta.wgen too (a data-modifying WITH runs once whether read or not).
const (
	sqlSeqs            = `UPDATE kv_buckets AS b SET seq = u.seq FROM unnest($1::bigint[], $2::bigint[]) AS u(id, seq) WHERE b.id = u.id`
	sqlBucketsFirstGen = `WITH m AS (UPDATE kv_meta SET wgen = wgen + 1 RETURNING wgen)
		UPDATE kv_buckets AS b SET seq = CASE WHEN u.s THEN u.seq ELSE b.seq END,
		wgen = CASE WHEN u.g THEN (SELECT wgen FROM m) ELSE b.wgen END
		FROM unnest($1::bigint[], $2::bigint[], $3::bool[], $4::bool[]) AS u(id, seq, s, g) WHERE b.id = u.id`
	sqlBuckets = `UPDATE kv_buckets AS b SET seq = CASE WHEN u.s THEN u.seq ELSE b.seq END,
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
// (kv_meta.wgen) and raw (the row of the buckets whose wgen is above
// base.at: "id wgen id wgen …", NULL when none).
func (t *tx) setSync(snap int64, base *gens, raw []byte) error {
	m, err := parseSeqs([][][]byte{{raw}})
	if err != nil {
		return err
	}
	newer := make(map[int64]int64, len(m))
	for id, g := range m {
		newer[id] = int64(g)
	}
	t.snap, t.base, t.newer = snap, base, newer
	if snap > base.at {
		t.db.learn(snap, newer)
	}
	return nil
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
	if !t.begun {
		if !c.likely(key(b.id), t.db.gens.Load().byBucket[b.id]) {
			c.misses.Add(1)
			return nil, false
		}
		if !t.ensureBegun() || !t.eligible(b) {
			return nil, false
		}
	}
	g, ok := t.bucketGen(b.id)
	if !ok {
		return nil, false
	}
	return c.get(key(b.id), g)
}

// toCache keeps the result of a read of bucket id (in the transaction's
// snapshot, not after its own writes to the bucket).
func (t *tx) toCache(id int64, key string, val any, size int64) bool {
	if t.db.rc == nil || t.err != nil || t.touched[id] {
		return false
	}
	g, ok := t.bucketGen(id)
	return ok && t.db.rc.put(key, g, val, size)
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
	if !t.begun {
		g := t.db.gens.Load()
		for i, b := range bs {
			if !t.eligible(b) || !c.likely(getKey(b.id, keys[i]), g.byBucket[b.id]) {
				c.misses.Add(uint64(len(keys)))
				return bs, keys
			}
		}
		if !t.ensureBegun() {
			return bs, keys
		}
	}
	var rb []*bucket
	var rk [][]byte
	for i, b := range bs {
		k := keys[i]
		if t.eligible(b) {
			if g, ok := t.bucketGen(b.id); ok {
				if v, ok := c.get(getKey(b.id, k), g); ok {
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
			t.toCache(b.id, getKey(b.id, keys[i]), v, int64(len(v)))
		}
	}
}

// committed publishes the generation of a writer that committed its
// changes (DB.advance).
func (t *tx) committed() {
	if t.metaQueued && t.db.rc != nil {
		t.db.advance(t.w, t.touchList)
	}
}
