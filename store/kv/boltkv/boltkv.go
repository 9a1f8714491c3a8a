// Package boltkv is the seam (package kv) on an embedded bbolt file: the
// portal's default backend. It is a set of conversions, not a layer: a
// kv.Tx is a *bolt.Tx, a kv.Bucket a *bolt.Bucket and a kv.Cursor a
// *bolt.Cursor under other method sets, so a Get or a cursor step costs
// what it costs in bbolt, with no allocation of its own.
package boltkv

import (
	"unicode/utf8"

	"dealerportal/store/kv"

	bolt "go.etcd.io/bbolt"
)

// DB is a kv.DB on an open bbolt database.
type DB struct {
	db      *bolt.DB
	commits *kv.GroupCommitter
}

// Open opens (creating when missing) the bbolt file at path; opts may be
// nil. It fails with bbolt's error when the file is locked by another
// process or is not a bbolt file.
func Open(path string, opts *bolt.Options) (*DB, error) {
	db, err := bolt.Open(path, 0o600, opts)
	if err != nil {
		return nil, err
	}
	return Wrap(db), nil
}

// Wrap returns the seam on an already open bbolt database, which Close
// then closes.
func Wrap(db *bolt.DB) *DB {
	d := &DB{db: db}
	d.commits = kv.NewGroupCommitter(d.begin, nil)
	return d
}

// Bolt returns the underlying database, for what stays bbolt-specific
// (compaction, the file's consistency check).
func (d *DB) Bolt() *bolt.DB { return d.db }

// View runs fn in a bbolt read transaction.
func (d *DB) View(fn func(kv.Tx) error) error {
	return d.db.View(func(t *bolt.Tx) error { return fn((*tx)(t)) })
}

// Update runs fn in a bbolt write transaction, once.
func (d *DB) Update(fn func(kv.Tx) error) error {
	return d.db.Update(func(t *bolt.Tx) error { return fn((*tx)(t)) })
}

// Batch runs fn with the functions of other concurrent callers in one
// write transaction (kv.GroupCommitter: no fixed wait, unlike bbolt's own
// Batch).
func (d *DB) Batch(fn func(kv.Tx) error) error { return d.commits.Run(fn) }

// Close finishes queued Batch calls and closes the file.
func (d *DB) Close() error {
	d.commits.Close()
	return d.db.Close()
}

func (d *DB) begin() (kv.GroupTx, error) {
	t, err := d.db.Begin(true)
	if err != nil {
		return nil, err
	}
	return (*tx)(t), nil
}

type tx bolt.Tx

func (t *tx) bolt() *bolt.Tx { return (*bolt.Tx)(t) }

func (t *tx) Bucket(name []byte) kv.Bucket {
	b := t.bolt().Bucket(name)
	if b == nil {
		return nil
	}
	return (*bucket)(b)
}

func (t *tx) CreateBucketIfNotExists(name []byte) (kv.Bucket, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	b, err := t.bolt().CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	return (*bucket)(b), nil
}

// checkName refuses the names bbolt accepts but the seam does not.
func checkName(name []byte) error {
	if len(name) == 0 {
		return kv.ErrBucketNameRequired
	}
	if len(name) > kv.MaxKeySize {
		return kv.ErrKeyTooLarge
	}
	if !utf8.Valid(name) {
		return kv.ErrBucketNameInvalid
	}
	for _, c := range name {
		if c == 0 {
			return kv.ErrBucketNameInvalid
		}
	}
	return nil
}

func (t *tx) DeleteBucket(name []byte) error { return t.bolt().DeleteBucket(name) }

func (t *tx) ForEach(fn func(name []byte, b kv.Bucket) error) error {
	return t.bolt().ForEach(func(name []byte, b *bolt.Bucket) error { return fn(name, (*bucket)(b)) })
}

func (t *tx) Writable() bool      { return t.bolt().Writable() }
func (t *tx) OnCommit(fn func())  { t.bolt().OnCommit(fn) }
func (t *tx) Size() int64         { return t.bolt().Size() }
func (t *tx) Commit() error       { return t.bolt().Commit() }
func (t *tx) Rollback() error     { return t.bolt().Rollback() }
func (t *tx) Err() error          { return nil }
func (b *bucket) b() *bolt.Bucket { return (*bolt.Bucket)(b) }

// BoltTx returns the bbolt transaction under a kv.Tx of this package, or
// nil for another backend's: for code that has not moved onto the seam.
func BoltTx(t kv.Tx) *bolt.Tx {
	if bt, ok := t.(*tx); ok {
		return bt.bolt()
	}
	return nil
}

// Tx returns the seam's view of bbolt transaction t, for file tools that
// open bbolt themselves and then read through the store's kv code.
func Tx(t *bolt.Tx) kv.Tx { return (*tx)(t) }

type bucket bolt.Bucket

// SetFillPercent sets how full bbolt fills a page of b before it splits it
// (bbolt's Bucket.FillPercent, not kept in the file: set it in each write
// transaction). It does nothing to another backend's bucket.
func SetFillPercent(b kv.Bucket, f float64) {
	if bb, ok := b.(*bucket); ok {
		bb.b().FillPercent = f
	}
}

// Put is bbolt's, with the seam's smaller limits (kv.MaxKeySize,
// kv.MaxValueSize).
func (b *bucket) Put(key, value []byte) error {
	if len(key) > kv.MaxKeySize {
		return kv.ErrKeyTooLarge
	}
	if len(value) > kv.MaxValueSize {
		return kv.ErrValueTooLarge
	}
	return b.b().Put(key, value)
}

func (b *bucket) Get(key []byte) []byte         { return b.b().Get(key) }
func (b *bucket) Delete(key []byte) error       { return b.b().Delete(key) }
func (b *bucket) Cursor() kv.Cursor             { return (*cursor)(b.b().Cursor()) }
func (b *bucket) NextSequence() (uint64, error) { return b.b().NextSequence() }
func (b *bucket) Sequence() uint64              { return b.b().Sequence() }
func (b *bucket) SetSequence(v uint64) error    { return b.b().SetSequence(v) }
func (b *bucket) Writable() bool                { return b.b().Writable() }

func (b *bucket) ForEach(fn func(k, v []byte) error) error { return b.b().ForEach(fn) }

type cursor bolt.Cursor

func (c *cursor) c() *bolt.Cursor                   { return (*bolt.Cursor)(c) }
func (c *cursor) First() ([]byte, []byte)           { return c.c().First() }
func (c *cursor) Last() ([]byte, []byte)            { return c.c().Last() }
func (c *cursor) Seek(seek []byte) ([]byte, []byte) { return c.c().Seek(seek) }
func (c *cursor) Next() ([]byte, []byte)            { return c.c().Next() }
func (c *cursor) Prev() ([]byte, []byte)            { return c.c().Prev() }

// Delete removes the key the cursor is on. bbolt panics when the cursor is
// on no key (a new cursor, or after a move returned nil); the seam answers
// ErrIncompatibleValue instead.
func (c *cursor) Delete() (err error) {
	defer func() {
		if recover() != nil {
			err = kv.ErrIncompatibleValue
		}
	}()
	return c.c().Delete()
}

// Stats counts the keys. bbolt's own Stats reads the committed pages and
// misses what a write transaction changed, so a writable transaction counts
// with a cursor instead (both walk the whole bucket).
func (b *bucket) Stats() kv.BucketStats {
	if !b.b().Writable() {
		return kv.BucketStats{KeyN: b.b().Stats().KeyN}
	}
	n := 0
	c := b.b().Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return kv.BucketStats{KeyN: n}
}
