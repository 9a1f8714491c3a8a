package pgkv

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"dealerportal/store/kv"
)

// PeekMany makes the committed reads of reads (kv.MultiPeeker) in one
// round trip, outside any transaction: one statement whose columns are
// Peek's and CountPrefix's reads as scalar subqueries, each seeing what
// was committed before the statement began (one READ COMMITTED snapshot).
// A single read is Peek's or CountPrefix's own statement.
func (d *DB) PeekMany(reads []kv.PeekRead) error {
	if d.closed.Load() {
		return kv.ErrDatabaseNotOpen
	}
	var shape peekShape
	for i := range reads {
		r := &reads[i]
		r.Value, r.N = nil, 0
		if !r.Count || r.Limit > 0 {
			shape.add(r.Count)
		}
	}
	switch {
	case shape.n == 0:
		return nil
	case shape.n == 1:
		for i := range reads {
			r := &reads[i]
			switch {
			case !r.Count:
				v, err := d.Peek(r.Bucket, r.Key)
				r.Value = v
				return err
			case r.Limit > 0:
				n, err := d.CountPrefix(r.Bucket, r.Key, r.Limit)
				r.N = n
				return err
			}
		}
	}
	args := make([]any, 0, 4*shape.n)
	dest := make([]any, 0, shape.n)
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
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if d.opts.TxTimeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, d.opts.TxTimeout)
	}
	defer cancel()
	d.trips.Add(1)
	return d.pool.QueryRow(ctx, shape.sql(), args...).Scan(dest...)
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
}

// peekSQLs keeps the texts of up to maxPeekShapes shapes (the store asks
// for a handful: the versions record and the counts of the callers that
// share its read); others are built each time.
var (
	peekSQLs      sync.Map // peekShapeKey → string
	peekSQLsKept  atomic.Int32
	maxPeekShapes = int32(256)
)

// sql returns the statement's text. A value's column is NULL for a
// missing key (a Peek's nil) and the value's bytes otherwise, an empty
// value included.
func (s *peekShape) sql() string {
	key := peekShapeKey{s.n, s.counts}
	if s.n <= 64 {
		if q, ok := peekSQLs.Load(key); ok {
			return q.(string)
		}
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	p := 1
	arg := func() string { p++; return "$" + strconv.Itoa(p-1) }
	for i := range s.n {
		if i > 0 {
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
	q := b.String()
	if s.n <= 64 && peekSQLsKept.Add(1) <= maxPeekShapes {
		peekSQLs.Store(key, q)
	}
	return q
}
