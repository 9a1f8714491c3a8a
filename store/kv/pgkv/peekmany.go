package pgkv

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"dealerportal/store/kv"
)

// PeekMany makes the committed reads of reads (kv.MultiPeeker) in one
// round trip, outside any transaction: it joins the process's next round
// (float.go), whose one statement reads the generations for the floating
// Views and, as scalar subqueries of their own, every joined call's reads,
// each seeing what was committed before the statement began (one READ
// COMMITTED snapshot). The round begins after the call, as a statement of
// its own would.
func (d *DB) PeekMany(reads []kv.PeekRead) error {
	if d.closed.Load() {
		return kv.ErrDatabaseNotOpen
	}
	if len(reads) == 0 {
		return nil
	}
	r, off := d.fresh(reads)
	if r.err != nil {
		return r.err
	}
	for i := range reads {
		reads[i].Value, reads[i].N = r.reads[off+i].Value, r.reads[off+i].N
	}
	return nil
}

// peekArgs appends the arguments and destinations of reads' columns (see
// peekShape) to args and dest.
func peekArgs(reads []kv.PeekRead, args, dest []any) ([]any, []any) {
	for i := range reads {
		r := &reads[i]
		switch {
		case !r.Count:
			args = append(args, string(r.Bucket), r.Key)
			dest = append(dest, &r.Value)
		case r.Limit > 0:
			args = append(args, string(r.Bucket), r.Key, prefixEnd(r.Key), r.Limit)
			dest = append(dest, &r.N)
		}
	}
	return args, dest
}

// peekShape is the kinds of a PeekMany statement's reads in order (a bit
// set for a count), which its text follows; shapes of up to 64 reads are
// built once.
type peekShape struct {
	n      int
	counts uint64
	long   []bool // past 64 reads
}

func (s *peekShape) add(count bool) {
	switch {
	case s.n < 64 && count:
		s.counts |= 1 << s.n
	case s.n >= 64:
		s.long = append(s.long, count)
	}
	s.n++
}

func (s *peekShape) count(i int) bool {
	if i < 64 {
		return s.counts&(1<<i) != 0
	}
	return s.long[i-64]
}

type peekShapeKey struct {
	n      int
	counts uint64
	gens   bool // with the round's generations (roundSQL)
}

// peekSQLs keeps the texts of up to maxPeekShapes shapes (the store asks
// for a handful: the versions record and the counts of the callers that
// share its read); others are built each time.
var (
	peekSQLs      sync.Map // peekShapeKey → string
	peekSQLsKept  atomic.Int32
	maxPeekShapes = int32(256)
)

// roundSQL returns the text of a round's statement with this shape's
// reads: with gens, sqlReadMetaSync's columns ($1 the known generation)
// then one column per read, its arguments from $2 on; without, the reads'
// columns alone, from $1. A value's column is NULL for a missing key (a
// Peek's nil) and the value's bytes otherwise, an empty value included.
func (s *peekShape) roundSQL(gens bool) string {
	key := peekShapeKey{s.n, s.counts, gens}
	if s.n <= 64 {
		if q, ok := peekSQLs.Load(key); ok {
			return q.(string)
		}
	}
	var b strings.Builder
	p := 1
	if gens {
		b.WriteString(strings.TrimSuffix(sqlReadMetaSync, " FROM kv_meta"))
		p = 2
	} else {
		b.WriteString("SELECT ")
	}
	arg := func() string { p++; return "$" + strconv.Itoa(p-1) }
	for i := range s.n {
		if gens || i > 0 {
			b.WriteString(",\n\t")
		}
		if s.count(i) {
			b.WriteString("(SELECT count(*) FROM (SELECT 1 FROM kv k JOIN kv_buckets b ON b.id = k.bucket WHERE b.name = " + arg() +
				" AND k.key >= " + arg() + " AND k.key < " + arg() + " LIMIT " + arg() + ") s)")
			continue
		}
		b.WriteString("(SELECT coalesce(k.value, convert_to(k.doc::text, 'UTF8')) FROM kv k JOIN kv_buckets b ON b.id = k.bucket WHERE b.name = " +
			arg() + " AND k.key = " + arg() + ")")
	}
	if gens {
		b.WriteString(" FROM kv_meta")
	}
	q := b.String()
	if s.n <= 64 && peekSQLsKept.Add(1) <= maxPeekShapes {
		peekSQLs.Store(key, q)
	}
	return q
}
