package kv

import (
	"bytes"
	"errors"
	"fmt"
)

// Errors of CutKeyPrefix.
var (
	// ErrRekeyLength: a key of the bucket is not of the length given.
	ErrRekeyLength = errors.New("a key of the bucket is not of the length to cut")
	// ErrRekeyCollision: two keys of the bucket end in the same bytes, so
	// cutting their prefix would make one key of them.
	ErrRekeyCollision = errors.New("two keys of the bucket are the same once cut")
)

// Rekeyer is a Tx that rewrites the keys of a whole bucket in one go: on
// PostgreSQL one UPDATE statement, where moving the keys through the
// interface costs a read of every key, a delete and a put each, and
// copies every value through the program twice. Schema migrations that
// change a bucket's key layout use it (through CutKeyPrefix).
type Rekeyer interface {
	// CutKeyPrefix replaces every key of the named bucket, each of which
	// must be keyLen bytes long, by its last keyLen-n bytes (0 < n <
	// keyLen), keeping the values and the bucket's sequence, and returns
	// the number of keys rewritten. It sees the transaction's own writes
	// and afterwards Get and cursors see the new keys. It fails with
	// ErrBucketNotFound, ErrTxNotWritable, ErrRekeyLength (a key of
	// another length) or ErrRekeyCollision (two keys with the same last
	// keyLen-n bytes); after a failure the transaction must not commit:
	// return the error from the transaction's function (on PostgreSQL the
	// transaction has failed anyway).
	CutKeyPrefix(bucket []byte, keyLen, n int) (int, error)
}

// CutKeyPrefix rewrites the keys of the named bucket in tx (see Rekeyer):
// through the backend's Rekeyer when it has one, else by CopyCutKeyPrefix,
// through the interface.
func CutKeyPrefix(tx Tx, bucket []byte, keyLen, n int) (int, error) {
	if r, ok := tx.(Rekeyer); ok {
		return r.CutKeyPrefix(bucket, keyLen, n)
	}
	return CopyCutKeyPrefix(tx, bucket, keyLen, n, nil)
}

// CopyCutKeyPrefix is CutKeyPrefix through the interface, for any
// backend: the keys go, cut, into a scratch bucket (the bucket's name and
// ":rekey"), the bucket is deleted and created again with its sequence,
// and the keys come back in order, so neither bucket is written at a
// cursor that walks it. Nothing is changed when a key has the wrong length
// or two cut keys collide: the walk that checks them comes before the
// first deletion. prepare, when not nil, is called with each bucket
// before it is filled (bbolt: fill its pages full, as the keys arrive in
// order).
func CopyCutKeyPrefix(tx Tx, bucket []byte, keyLen, n int, prepare func(Bucket)) (int, error) {
	if !tx.Writable() {
		return 0, ErrTxNotWritable
	}
	if n <= 0 || n >= keyLen {
		return 0, fmt.Errorf("cutting %d bytes of %d-byte keys: %w", n, keyLen, ErrRekeyLength)
	}
	main := tx.Bucket(bucket)
	if main == nil {
		return 0, ErrBucketNotFound
	}
	scratchName := append(bytes.Clone(bucket), ":rekey"...)
	if tx.Bucket(scratchName) != nil {
		if err := tx.DeleteBucket(scratchName); err != nil {
			return 0, err
		}
	}
	scratch, err := tx.CreateBucketIfNotExists(scratchName)
	if err != nil {
		return 0, err
	}
	if prepare != nil {
		prepare(scratch)
	}
	count := 0
	err = main.ForEach(func(k, v []byte) error {
		if len(k) != keyLen {
			return fmt.Errorf("key %x: %w", k, ErrRekeyLength)
		}
		nk := k[n:]
		if scratch.Get(nk) != nil {
			return fmt.Errorf("key %x: %w", k, ErrRekeyCollision)
		}
		count++
		return scratch.Put(bytes.Clone(nk), bytes.Clone(v))
	})
	if err != nil {
		_ = tx.DeleteBucket(scratchName)
		return 0, err
	}
	seq := main.Sequence()
	if err := tx.DeleteBucket(bucket); err != nil {
		return 0, err
	}
	if main, err = tx.CreateBucketIfNotExists(bucket); err != nil {
		return 0, err
	}
	if prepare != nil {
		prepare(main)
	}
	if err := main.SetSequence(seq); err != nil {
		return 0, err
	}
	err = scratch.ForEach(func(k, v []byte) error {
		return main.Put(bytes.Clone(k), bytes.Clone(v))
	})
	if err != nil {
		return 0, err
	}
	return count, tx.DeleteBucket(scratchName)
}
