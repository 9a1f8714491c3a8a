package pgkv

import (
	"context"
	"errors"

	"dealerportal/store/kv"

	"github.com/jackc/pgx/v5"
)

// The statements of PeekMany: Peek's and CountPrefix's reads.
const (
	peekSQL = `SELECT coalesce(k.value, convert_to(k.doc::text, 'UTF8'))
		FROM kv k JOIN kv_buckets b ON b.id = k.bucket WHERE b.name = $1 AND k.key = $2`
	countSQL = `SELECT count(*) FROM (SELECT 1 FROM kv k JOIN kv_buckets b ON b.id = k.bucket
		WHERE b.name = $1 AND k.key >= $2 AND k.key < $3 LIMIT $4) s`
)

// PeekMany makes the committed reads of reads (kv.MultiPeeker) in one
// round trip: one pipelined batch of Peek's and CountPrefix's statements,
// outside any transaction. The batch runs as one implicit transaction of
// READ COMMITTED statements, each seeing what was committed before it
// began.
func (d *DB) PeekMany(reads []kv.PeekRead) error {
	if d.closed.Load() {
		return kv.ErrDatabaseNotOpen
	}
	b := &pgx.Batch{}
	for i := range reads {
		r := &reads[i]
		r.Value, r.N = nil, 0
		switch {
		case !r.Count:
			b.Queue(peekSQL, string(r.Bucket), r.Key).QueryRow(func(row pgx.Row) error {
				var v []byte
				switch err := row.Scan(&v); {
				case errors.Is(err, pgx.ErrNoRows):
					return nil
				case err != nil:
					return err
				case v == nil:
					v = []byte{}
				}
				r.Value = v
				return nil
			})
		case r.Limit > 0:
			b.Queue(countSQL, string(r.Bucket), r.Key, prefixEnd(r.Key), r.Limit).QueryRow(func(row pgx.Row) error {
				return row.Scan(&r.N)
			})
		}
	}
	if b.Len() == 0 {
		return nil
	}
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if d.opts.TxTimeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, d.opts.TxTimeout)
	}
	defer cancel()
	d.trips.Add(1)
	return d.pool.SendBatch(ctx, b).Close()
}
