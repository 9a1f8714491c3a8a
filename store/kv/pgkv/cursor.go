package pgkv

import (
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

func (c *cursor) Seek(seek []byte) ([]byte, []byte) {
	return c.fetch(true, seek, true, firstFetch)
}

func (c *cursor) Next() ([]byte, []byte) {
	switch c.state {
	case offStart:
		return c.First()
	case onKey:
	default:
		return nil, nil
	}
	if c.fwd && c.wgen == c.b.tx.wgen {
		if c.pos+1 < len(c.items) {
			c.pos++
			return c.cur()
		}
		if !c.more {
			c.state = offEnd
			return nil, nil
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
	if !c.fwd && c.wgen == c.b.tx.wgen {
		if c.pos+1 < len(c.items) {
			c.pos++
			return c.cur()
		}
		if !c.more {
			c.state = offStart
			return nil, nil
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
	}
	return nil
}

// fetch reads up to n rows from the key from (nil: the start or end of
// the bucket), in the direction fwd, from included or not, and moves to
// the first of them. The transaction's buffered writes go in the same
// round trip, first.
func (c *cursor) fetch(fwd bool, from []byte, incl bool, n int) ([]byte, []byte) {
	t := c.b.tx
	c.items, c.pos, c.fwd, c.state = c.items[:0], 0, fwd, nowhere
	if t.err != nil || c.b.deleted {
		return nil, nil
	}
	var sql string
	args := []any{c.b.id, n}
	switch {
	case from == nil && fwd:
		sql = `SELECT key, coalesce(value, convert_to(doc::text, 'UTF8')) FROM kv WHERE bucket = $1 ORDER BY key LIMIT $2`
	case from == nil:
		sql = `SELECT key, coalesce(value, convert_to(doc::text, 'UTF8')) FROM kv WHERE bucket = $1 ORDER BY key DESC LIMIT $2`
	case fwd && incl:
		sql = `SELECT key, coalesce(value, convert_to(doc::text, 'UTF8')) FROM kv WHERE bucket = $1 AND key >= $3 ORDER BY key LIMIT $2`
	case fwd:
		sql = `SELECT key, coalesce(value, convert_to(doc::text, 'UTF8')) FROM kv WHERE bucket = $1 AND key > $3 ORDER BY key LIMIT $2`
	default:
		sql = `SELECT key, coalesce(value, convert_to(doc::text, 'UTF8')) FROM kv WHERE bucket = $1 AND key < $3 ORDER BY key DESC LIMIT $2`
	}
	if from != nil {
		args = append(args, from)
	}
	rows, err := t.query(sql, args...)
	if err != nil {
		t.fail(err)
		return nil, nil
	}
	// One slab for the batch's keys and values: one allocation, not two
	// per row.
	var slab []byte
	held, full := 0, false
	for rows.Next() {
		if held >= maxFetchBytes {
			full = true
			break
		}
		raw := rows.RawValues()
		if len(slab)+len(raw[0])+len(raw[1]) > cap(slab) {
			slab = make([]byte, 0, max(32<<10, len(raw[0])+len(raw[1])))
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
	c.more = full || len(c.items) == n
	c.wgen = t.wgen
	if full {
		c.size = len(c.items)
	} else {
		c.size = min(2*n, maxFetch)
	}
	if len(c.items) == 0 {
		if fwd {
			c.state = offEnd
		} else {
			c.state = offStart
		}
		return nil, nil
	}
	c.state = onKey
	return c.cur()
}
