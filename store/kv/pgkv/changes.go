package pgkv

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"sync"
)

// The change feed (docs/DESIGN.md, "PostgreSQL: the read cache kept per key
// range"). A bucket's write generation says that something in it changed;
// it cannot say what, so one dealer's order made every dealer's cached list
// of the same bucket miss. So every writer that moves the generations also
// records which keys it changed: one kv_changes row per batch that carries
// its changes (wgen W+1, the keys it changed, each with its bucket, or the
// whole bucket for a bucket created, deleted or rekeyed, and for every
// bucket of a writer that changed more than maxTxKeys keys). Every opening
// reads, with the generations, the rows above the process's known
// generation, when it is at most changesWindow behind; the process keeps
// them in a change log, and a cache entry whose bucket generation moved
// still answers when no change since the generation it was last found
// valid at falls in the key range it read (its span).

const (
	// changesWindow: an opening reads the changes only when the process
	// is at most this many generations behind; further behind, its log
	// starts again from the snapshot (the entries read before answer only
	// while their buckets' generations are unchanged).
	changesWindow = 512
	// changesKeep: the writer of every pruneEvery-th generation deletes
	// the rows older than this many generations (more than the window, so
	// a reader within it finds them all).
	changesKeep = 1024
	pruneEvery  = 64
	// maxTxKeys: a transaction that changes more keys than this records
	// the buckets it changes whole from then on.
	maxTxKeys = 1024
	// maxLogChanges bounds the process's change log; past it the oldest
	// half of its generations go.
	maxLogChanges = 1 << 16
)

// change is a key a writer of generation gen changed in bucket, or the
// whole bucket.
type change struct {
	gen    int64
	bucket int64
	key    []byte
	whole  bool
}

// noteChange records that the transaction changed key in bucket id (nil:
// the whole bucket), for the kv_changes row its next batch sends.
func (t *tx) noteChange(id int64, key []byte) {
	if !t.db.wgens {
		return
	}
	if key != nil && t.chgKeys >= maxTxKeys {
		key = nil
	}
	if key == nil {
		if t.chgWhole[id] {
			return
		}
		if t.chgWhole == nil {
			t.chgWhole = map[int64]bool{}
		}
		t.chgWhole[id] = true
	} else if t.chgWhole[id] {
		return
	} else {
		t.chgKeys++
	}
	t.chg = append(t.chg, change{bucket: id, key: key, whole: key == nil})
}

// encodeChanges returns the changes noted since the last batch as a
// kv_changes row's keys (nil when none): for each, the bucket id and the
// key's length plus one (0: the whole bucket) as uvarints, and the key.
func (t *tx) encodeChanges() []byte {
	if t.chgSent >= len(t.chg) {
		return nil
	}
	n := 0
	for _, c := range t.chg[t.chgSent:] {
		n += 2*binary.MaxVarintLen64 + len(c.key)
	}
	buf := make([]byte, 0, n)
	for _, c := range t.chg[t.chgSent:] {
		buf = binary.AppendUvarint(buf, uint64(c.bucket))
		if c.whole {
			buf = binary.AppendUvarint(buf, 0)
			continue
		}
		buf = binary.AppendUvarint(buf, uint64(len(c.key))+1)
		buf = append(buf, c.key...)
	}
	t.chgSent = len(t.chg)
	return buf
}

// changesSQL reads the kv_changes rows above the generation at (an SQL
// expression) as one bytea: each row's generation (8 bytes), the length
// of its keys (4) and its keys, in generation order; NULL when none.
func changesSQL(at string) string {
	return "(SELECT string_agg(int8send(c.wgen) || int4send(length(c.keys)) || c.keys, ''::bytea ORDER BY c.wgen) " +
		"FROM kv_changes c WHERE c.wgen > " + at + ")"
}

// changesWithin is changesSQL when kv_meta.wgen (the expression wgen) is
// at most changesWindow above at, else NULL.
func changesWithin(wgen, at string) string {
	return "CASE WHEN " + wgen + " <= " + at + " + " + strconv.Itoa(changesWindow) + " THEN " + changesSQL(at) + " END"
}

var errBadChanges = errors.New("kv_changes: bad row")

// parseChanges decodes what changesSQL read (raw; text: in PostgreSQL's
// hex text form) and reports whether it holds every generation in (at,
// snap]: when not, the caller's log cannot tell what changed.
func parseChanges(raw []byte, text bool, at, snap int64) ([]change, bool, error) {
	if snap <= at {
		return nil, true, nil
	}
	if raw == nil {
		return nil, false, nil
	}
	if text {
		if !bytes.HasPrefix(raw, []byte(`\x`)) {
			return nil, false, errBadChanges
		}
		dec := make([]byte, hex.DecodedLen(len(raw)-2))
		if _, err := hex.Decode(dec, raw[2:]); err != nil {
			return nil, false, errBadChanges
		}
		raw = dec
	}
	var out []change
	seen, last := int64(0), int64(0)
	for len(raw) > 0 {
		if len(raw) < 12 {
			return nil, false, errBadChanges
		}
		gen := int64(binary.BigEndian.Uint64(raw))
		n := int(binary.BigEndian.Uint32(raw[8:]))
		raw = raw[12:]
		if n > len(raw) || gen < last {
			return nil, false, errBadChanges
		}
		row := raw[:n]
		raw = raw[n:]
		if gen > snap {
			continue // committed after the snapshot: not in it
		}
		if gen != last {
			seen++
			last = gen
		}
		for len(row) > 0 {
			id, k := binary.Uvarint(row)
			if k <= 0 {
				return nil, false, errBadChanges
			}
			row = row[k:]
			l, k := binary.Uvarint(row)
			if k <= 0 || l > uint64(len(row)-k)+1 {
				return nil, false, errBadChanges
			}
			row = row[k:]
			c := change{gen: gen, bucket: int64(id), whole: l == 0}
			if l > 0 {
				c.key, row = row[:l-1:l-1], row[l-1:]
			}
			out = append(out, c)
		}
	}
	return out, seen == snap-at, nil
}

// changeLog is what the process knows of the changed keys: for every
// generation in (floor, at], the changes of that generation, per bucket in
// generation order. Its at is the process's gens' at: both move together,
// under mu.
type changeLog struct {
	mu       sync.RWMutex
	floor    int64
	at       int64
	byBucket map[int64][]change
	n        int
}

// append adds the changes of the generations (l.at, snap] (chg: in
// generation order, those at or below l.at ignored), or when they are not
// all known (!complete) starts the log again at snap. Called with mu held.
func (l *changeLog) append(snap int64, chg []change, complete bool) {
	if snap <= l.at {
		return
	}
	if !complete {
		l.floor, l.at, l.byBucket, l.n = snap, snap, nil, 0
		return
	}
	for _, c := range chg {
		if c.gen <= l.at {
			continue
		}
		if l.byBucket == nil {
			l.byBucket = map[int64][]change{}
		}
		l.byBucket[c.bucket] = append(l.byBucket[c.bucket], c)
		l.n++
	}
	l.at = snap
	for l.n > maxLogChanges && l.floor < l.at {
		l.cut(l.floor + (l.at-l.floor+1)/2)
	}
}

// cut forgets the generations at or below floor.
func (l *changeLog) cut(floor int64) {
	l.floor = floor
	l.n = 0
	for id, cs := range l.byBucket {
		i, _ := slices.BinarySearchFunc(cs, floor+1, func(c change, g int64) int { return int(c.gen - g) })
		if i == len(cs) {
			delete(l.byBucket, id)
			continue
		}
		l.byBucket[id] = slices.Clone(cs[i:])
		l.n += len(cs) - i
	}
}

// unchanged reports whether no change of bucket id in the generations
// (from, snap] falls in sp: then what a snapshot of generation from read
// there, a snapshot of generation snap reads too. False when the log does
// not cover them.
func (l *changeLog) unchanged(id int64, sp *span, from, snap int64) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if from < l.floor || snap > l.at {
		return false
	}
	cs := l.byBucket[id]
	for i := len(cs) - 1; i >= 0 && cs[i].gen > from; i-- {
		if cs[i].gen <= snap && (cs[i].whole || sp.covers(cs[i].key)) {
			return false
		}
	}
	return true
}

// span is the key range a cached read depends on: a change of a key in it
// may change the read's answer, a change outside may not.
type span struct {
	lo, hi     []byte // bounds, inclusive
	noLo, noHi bool   // unbounded below, above
	prefixes   [][]byte
	within     []byte // a prefix cursor's: only keys under it (the cursor's copy, never changed)
}

func (s *span) covers(k []byte) bool {
	if s.within != nil && !bytes.HasPrefix(k, s.within) {
		return false
	}
	if s.prefixes != nil {
		for _, p := range s.prefixes {
			if bytes.HasPrefix(k, p) {
				return true
			}
		}
		return false
	}
	return (s.noLo || bytes.Compare(k, s.lo) >= 0) && (s.noHi || bytes.Compare(k, s.hi) <= 0)
}

// keySpan is a Get's span: the key.
func keySpan(k []byte) *span {
	k = slices.Clone(k)
	return &span{lo: k, hi: k}
}

// batchSpan is the span of a cursor's fetch: from the key it started at
// (nil: the bucket's start or end) to its last row when more may follow,
// else to the bucket's end in its direction; a prefix cursor's (lo: its
// prefix) within its prefix.
func batchSpan(fwd bool, from []byte, items []item, more bool, lo []byte) *span {
	s := &span{within: lo}
	from = slices.Clone(from)
	var end []byte
	endless := !more || len(items) == 0
	if !endless {
		end = items[len(items)-1].k
	}
	if fwd {
		s.lo, s.noLo = from, from == nil
		s.hi, s.noHi = end, endless
	} else {
		s.hi, s.noHi = from, from == nil
		s.lo, s.noLo = end, endless
	}
	return s
}

// prefixSpan is ScanPrefixes' span: the keys under its prefixes.
func prefixSpan(prefixes [][]byte) *span {
	ps := make([][]byte, len(prefixes))
	for i, p := range prefixes {
		ps[i] = slices.Clone(p)
	}
	return &span{prefixes: ps}
}
