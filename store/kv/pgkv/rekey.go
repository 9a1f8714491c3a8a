package pgkv

import (
	"encoding/binary"
	"errors"
	"fmt"

	"dealerportal/store/kv"

	"github.com/jackc/pgx/v5/pgconn"
)

// rekeySQL cuts the first $3-1 bytes of every $2-byte key of bucket $1 in
// one statement, and counts the bucket's keys as they were before it (the
// statements of a WITH share one snapshot), so that a key of another
// length, left alone by the UPDATE, shows as a difference of the counts.
// The rows keep their values as stored (a json document is not parsed
// again, a TOASTed value not copied) and the bucket its kv_buckets row,
// sequence included. The primary key is checked row by row as the UPDATE
// goes, which is safe here: a cut key is shorter than every key the
// statement has yet to rewrite, so it can only meet another cut key, or a
// key of that shorter length already there, both real collisions.
const rekeySQL = `WITH cut AS (
	UPDATE kv SET key = substring(key FROM $3::int) WHERE bucket = $1 AND length(key) = $2::int RETURNING 1
)
SELECT (SELECT count(*) FROM cut), (SELECT count(*) FROM kv WHERE bucket = $1)`

// CutKeyPrefix rewrites the keys of a bucket in one UPDATE statement
// (kv.Rekeyer), sent after the transaction's buffered writes in one round
// trip. A failure fails the transaction.
func (t *tx) CutKeyPrefix(name []byte, keyLen, n int) (int, error) {
	switch {
	case !t.writable:
		return 0, kv.ErrTxNotWritable
	case t.done:
		return 0, kv.ErrTxClosed
	case n <= 0 || n >= keyLen || keyLen > kv.MaxKeySize:
		return 0, fmt.Errorf("cutting %d bytes of %d-byte keys: %w", n, keyLen, kv.ErrRekeyLength)
	}
	b := t.bucket(name)
	if b == nil {
		if t.err != nil {
			return 0, t.err
		}
		return 0, kv.ErrBucketNotFound
	}
	var cut, total int64
	t.touch(b.id)
	t.noteChange(b.id, nil)
	rows, err := t.query(rekeySQL, b.id, keyLen, n+1)
	if err == nil {
		if rows.Next() {
			err = rows.Scan(&cut, &total)
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == "23505" {
		err = fmt.Errorf("bucket %q: %w (%s)", name, kv.ErrRekeyCollision, pe.Detail)
	}
	if err == nil && cut != total {
		err = fmt.Errorf("bucket %q: %d of %d keys are not %d bytes long: %w", name, total-cut, total, keyLen, kv.ErrRekeyLength)
	}
	if err != nil {
		t.fail(err)
		return 0, err
	}
	// What Get read or wrote under the old keys is gone; cursors fetch
	// again (wgen).
	var prefix [8]byte
	binary.BigEndian.PutUint64(prefix[:], uint64(b.id))
	for lk := range t.local {
		if len(lk) >= 8 && lk[:8] == string(prefix[:]) {
			delete(t.local, lk)
		}
	}
	t.wgen++
	return int(cut), nil
}
