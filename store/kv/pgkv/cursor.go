package pgkv

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"dealerportal/store/kv"
)

// Prefetch sizes: a first fetch is small, because most cursors of the
// store are a Seek and a few steps (a prefix, one page of a list); a cursor
// that goes on fetches twice as many each time, up to the most.
//
// A batch also stops at maxFetchBytes of keys and values (after the row
// that crosses it), so that a walk over large values (attachments, a
// whole-database backup) holds a few megabytes, not 1,024 of them; the
// next fetch then asks for as many rows as that batch kept.
const (
	firstFetch    = 16
	maxFetch      = 1024
	maxFetchBytes = 4 << 20
)

// cursor walks a bucket through ordered batches of rows. items hold the
// batch in the direction it was fetched (ascending keys when fwd,
// descending otherwise); pos is the current row in it.
type cursor struct {
	b     *bucket
	items []item
	pos   int
	fwd   bool
	more  bool   // the database may hold keys beyond the batch's end
	wgen  uint64 // the transaction's write count when the batch was fetched
	size  int    // the next fetch's size
	state int8   // on a key (onKey), past the last (offEnd), before the first (offStart), nowhere
	// holes: a key of the batch was deleted through the cursor (Delete
	// keeps the batch for the moves onward, not for Seek or going back).
	holes bool
	// shared: items are the read cache's too; the next fetch does not
	// reuse their array.
	shared bool
	// lo, hi: a prefix cursor's bounds (kv.PrefixCursorer), the keys
	// from lo up to hi (excluded); nil: the whole bucket.
	lo, hi []byte
}

// PrefixCursor returns a cursor over the keys under prefix whose batches
// end at the prefix (kv.PrefixCursorer).
func (b *bucket) PrefixCursor(prefix []byte) kv.Cursor {
	if len(prefix) == 0 {
		return b.Cursor()
	}
	return &cursor{b: b, lo: bytes.Clone(prefix), hi: prefixEnd(prefix)}
}

type item struct{ k, v []byte }

const (
	nowhere int8 = iota
	onKey
	offEnd
	offStart
)

func (c *cursor) First() ([]byte, []byte) { return c.fetch(true, nil, true, firstFetch*4) }
func (c *cursor) Last() ([]byte, []byte)  { return c.fetch(false, nil, true, firstFetch*4) }

// Seek answers from the batch when it holds the key's place: a walk that
// seeks forward from prefix to prefix (a count per customer in id order)
// reads on through one batch instead of a query per seek, and each
// further seek past the batch fetches twice as many rows as the last.
func (c *cursor) Seek(seek []byte) ([]byte, []byte) {
	if c.usable() {
		n := len(c.items)
		if c.fwd && bytes.Compare(seek, c.items[0].k) >= 0 {
			i, _ := slices.BinarySearchFunc(c.items, seek, func(it item, s []byte) int { return bytes.Compare(it.k, s) })
			switch {
			case i < n:
				c.pos, c.state = i, onKey
				return c.cur()
			case !c.more:
				c.pos, c.state = n-1, offEnd
				return nil, nil
			}
			return c.fetch(true, seek, true, c.size)
		}
		if !c.fwd && bytes.Compare(seek, c.items[n-1].k) >= 0 && bytes.Compare(seek, c.items[0].k) <= 0 {
			// Descending: the last row at or after seek.
			j, _ := slices.BinarySearchFunc(c.items, seek, func(it item, s []byte) int { return -bytes.Compare(it.k, s) })
			for j < n && bytes.Equal(c.items[j].k, seek) {
				j++
			}
			c.pos, c.state = j-1, onKey
			return c.cur()
		}
	}
	return c.fetch(true, seek, true, firstFetch)
}

// usable reports whether the batch still shows the transaction's data:
// fetched since its last write, and with no key deleted through the cursor
// still in it.
func (c *cursor) usable() bool {
	return len(c.items) > 0 && !c.holes && c.wgen == c.b.tx.wgen
}

func (c *cursor) Next() ([]byte, []byte) {
	switch c.state {
	case offStart:
		return c.First()
	case onKey:
	default:
		return nil, nil
	}
	if c.wgen == c.b.tx.wgen {
		switch {
		case c.fwd && c.pos+1 < len(c.items):
			c.pos++
			return c.cur()
		case c.fwd && !c.more:
			c.state = offEnd
			return nil, nil
		case !c.fwd && c.pos > 0 && !c.holes:
			// A descending batch read backwards.
			c.pos--
			return c.cur()
		}
	}
	return c.fetch(true, c.items[c.pos].k, false, c.size)
}

func (c *cursor) Prev() ([]byte, []byte) {
	switch c.state {
	case offEnd:
		return c.Last()
	case onKey:
	default:
		return nil, nil
	}
	if c.wgen == c.b.tx.wgen {
		switch {
		case !c.fwd && c.pos+1 < len(c.items):
			c.pos++
			return c.cur()
		case !c.fwd && !c.more:
			c.state = offStart
			return nil, nil
		case c.fwd && c.pos > 0 && !c.holes:
			// An ascending batch read backwards (Seek, then Prev: the
			// last key under a prefix).
			c.pos--
			return c.cur()
		}
	}
	return c.fetch(false, c.items[c.pos].k, false, c.size)
}

func (c *cursor) cur() ([]byte, []byte) {
	it := c.items[c.pos]
	return it.k, it.v
}

// Delete deletes the current key. The cursor's own batch stays valid (the
// key is gone from it too), so a walk that deletes as it goes does not
// fetch again for every key.
func (c *cursor) Delete() error {
	t := c.b.tx
	if !t.writable {
		return kv.ErrTxNotWritable
	}
	if c.state != onKey {
		return kv.ErrIncompatibleValue
	}
	fresh := c.wgen == t.wgen
	if err := c.b.Delete(c.items[c.pos].k); err != nil {
		return err
	}
	if fresh {
		c.wgen = t.wgen
		c.holes = true
	}
	return nil
}

// fetch reads up to n rows from the key from (nil: the start or end of
// the bucket), in the direction fwd, from included or not, and moves to
// the first of them. The transaction's buffered writes go in the same
// round trip, first.
func (c *cursor) fetch(fwd bool, from []byte, incl bool, n int) ([]byte, []byte) {
	t := c.b.tx
	if c.shared {
		c.items, c.shared = nil, false
	}
	c.items, c.pos, c.fwd, c.state, c.holes = c.items[:0], 0, fwd, nowhere, false
	if t.err != nil || c.b.deleted {
		return nil, nil
	}
	if cv, ok := t.fromCache(c.b, func(id int64) string { return batchKey(id, fwd, from, incl, n, c.lo) }); ok {
		cb := cv.(*cachedBatch)
		c.items, c.shared = cb.items, true
		return c.fetched(n, cb.more, cb.full)
	}
	if t.err != nil || c.b.deleted {
		return nil, nil
	}
	args := []any{c.b.id, n}
	if from != nil {
		args = append(args, from)
	}
	if c.lo != nil {
		args = append(args, c.lo, c.hi)
	}
	sql := fetchSQL[fetchShape(fwd, from != nil, incl, c.lo != nil)]
	rows, err := t.query(sql, args...)
	if err != nil {
		t.fail(err)
		return nil, nil
	}
	// Slabs for the batch's keys and values: a few allocations, not two
	// per row. The first is sized for a few rows (most fetches are a Seek
	// and a step or two: a 32 KB slab each made a page's fetches allocate
	// a megabyte), each next one twice the last, up to 32 KB.
	var slab []byte
	next := 1 << 10
	held, full, slabs := 0, false, 0
	for rows.Next() {
		if held >= maxFetchBytes {
			full = true
			break
		}
		raw := rows.RawValues()
		if need := len(raw[0]) + len(raw[1]); len(slab)+need > cap(slab) {
			slab = make([]byte, 0, max(next, need))
			next = min(2*next, 32<<10)
			slabs += cap(slab)
		}
		// Within the slab's capacity (checked above): no reallocation
		// moves the rows before.
		start, mid := len(slab), len(slab)+len(raw[0])
		slab = append(append(slab, raw[0]...), raw[1]...)
		c.items = append(c.items, item{slab[start:mid:mid], slab[mid:len(slab):len(slab)]})
		held += len(raw[0]) + len(raw[1])
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.fail(err)
		c.items = c.items[:0]
		return nil, nil
	}
	more := full || len(c.items) == n
	if t.db.rc != nil {
		// The memory held: the slabs and the rows' array.
		size := int64(slabs) + rowOverhead*int64(cap(c.items))
		items := c.items
		lo := c.lo
		c.shared = t.toCache(c.b.id, batchKey(c.b.id, fwd, from, incl, n, lo), func() *span { return batchSpan(fwd, from, items, more, lo) },
			&cachedBatch{items: c.items, more: more, full: full}, size)
	}
	return c.fetched(n, more, full)
}

// fetched moves to the first row of a batch of c.items, fetched with n
// rows asked for; more: the database may hold keys beyond it; full: the
// byte bound ended it.
func (c *cursor) fetched(n int, more, full bool) ([]byte, []byte) {
	t := c.b.tx
	c.more = more
	c.wgen = t.wgen
	if full {
		c.size = len(c.items)
	} else {
		c.size = min(2*n, maxFetch)
	}
	if len(c.items) == 0 {
		if c.fwd {
			c.state = offEnd
		} else {
			c.state = offStart
		}
		return nil, nil
	}
	c.state = onKey
	return c.cur()
}

// ScanPrefixes reads the keys under every prefix in one query
// (kv.PrefixScanner), after the buffered writes, and then calls fn for
// each: the rows are read whole first, so fn may read the database too.
func (b *bucket) ScanPrefixes(prefixes [][]byte, fn func(i int, k, v []byte) error) error {
	t := b.tx
	if t.err != nil {
		return t.err
	}
	if b.deleted || len(prefixes) == 0 {
		return nil
	}
	if cv, ok := t.fromCache(b, func(id int64) string { return scanKey(id, prefixes) }); ok {
		for _, r := range cv.([]prefixRow) {
			if err := fn(r.i, r.k, r.v); err != nil {
				return err
			}
		}
		return nil
	}
	if t.err != nil {
		return t.err
	}
	if b.deleted {
		return nil
	}
	lo, hi := make([][]byte, len(prefixes)), make([][]byte, len(prefixes))
	for i, p := range prefixes {
		lo[i], hi[i] = p, prefixEnd(p)
	}
	rows, err := t.query(`SELECT r.i, k.key, coalesce(k.value, convert_to(k.doc::text, 'UTF8'))
		FROM unnest($2::bytea[], $3::bytea[]) WITH ORDINALITY AS r(lo, hi, i)
		CROSS JOIN LATERAL (SELECT key, value, doc FROM kv WHERE bucket = $1 AND key >= r.lo AND key < r.hi ORDER BY key) k
		ORDER BY r.i, k.key`, b.id, lo, hi)
	if err != nil {
		t.fail(err)
		return err
	}
	var out []prefixRow
	slabs := 0
	var slab []byte
	next := 1 << 10
	for rows.Next() {
		raw := rows.RawValues()
		if len(raw[0]) != 8 {
			continue
		}
		if need := len(raw[1]) + len(raw[2]); len(slab)+need > cap(slab) {
			slab = make([]byte, 0, max(next, need))
			next = min(2*next, 32<<10)
			slabs += cap(slab)
		}
		start, mid := len(slab), len(slab)+len(raw[1])
		slab = append(append(slab, raw[1]...), raw[2]...)
		out = append(out, prefixRow{int(binary.BigEndian.Uint64(raw[0])) - 1, slab[start:mid:mid], slab[mid:len(slab):len(slab)]})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.fail(err)
		return err
	}
	t.toCache(b.id, scanKey(b.id, prefixes), func() *span { return prefixSpan(prefixes) }, out, int64(slabs)+rowOverhead*int64(cap(out)))
	for _, r := range out {
		if err := fn(r.i, r.k, r.v); err != nil {
			return err
		}
	}
	return nil
}

// prefixEnd is kv.PrefixEnd, or above every key when there is none (p
// empty or all 0xff).
func prefixEnd(p []byte) []byte {
	if end := kv.PrefixEnd(p); end != nil {
		return end
	}
	return bytes.Repeat([]byte{0xff}, kv.MaxKeySize+1)
}

// fetchSQL are a cursor's fetches by shape (fetchShape): the direction,
// whether from a key ($3) and whether it is included, and whether bounded
// by a prefix cursor's lo and hi (the next two parameters).
var fetchSQL = func() (q [16]string) {
	for i := range q {
		fwd, hasFrom, incl, bounded := i&1 != 0, i&2 != 0, i&4 != 0, i&8 != 0
		where, next := "bucket = $1", 3
		if hasFrom {
			switch {
			case fwd && incl:
				where += " AND key >= $3"
			case fwd:
				where += " AND key > $3"
			default:
				where += " AND key < $3"
			}
			next = 4
		}
		if bounded {
			where += fmt.Sprintf(" AND key >= $%d AND key < $%d", next, next+1)
		}
		order := "key"
		if !fwd {
			order = "key DESC"
		}
		q[i] = "SELECT key, coalesce(value, convert_to(doc::text, 'UTF8')) FROM kv WHERE " + where + " ORDER BY " + order + " LIMIT $2"
	}
	return q
}()

// fetchShape indexes fetchSQL; incl counts only forward from a key (a
// backward fetch from a key starts below it).
func fetchShape(fwd, hasFrom, incl, bounded bool) int {
	i := 0
	if fwd {
		i |= 1
	}
	if hasFrom {
		i |= 2
		if fwd && incl {
			i |= 4
		}
	}
	if bounded {
		i |= 8
	}
	return i
}
