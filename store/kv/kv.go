// Package kv is the storage seam of the portal: the narrow, ordered
// key-value interface the store reaches its data through, with one
// implementation on an embedded bbolt file (kv/boltkv, the default) and one
// on PostgreSQL (kv/pgkv, for several portal processes on one database).
//
// The interfaces mirror bbolt's method names and meanings, so that moving
// the store onto the seam is mostly a change of types (*bolt.Tx becomes
// kv.Tx, *bolt.Bucket kv.Bucket, *bolt.Cursor kv.Cursor). What the store
// does not use is left out: nested buckets, Tx.Check, Tx.Copy, Tx.Page,
// Bucket.Root, most of bbolt's statistics.
//
// # The contract
//
// Every implementation keeps these rules; the conformance suite (kv/kvtest)
// checks them against each one.
//
//   - Transactions. View runs fn in a read-only transaction that sees one
//     committed state of the whole database, with everything committed
//     before View was called (on PostgreSQL it may be a later state than
//     the one at the call: see below). Update runs fn in a read-write transaction: all its writes
//     commit together when fn returns nil, and none of them when fn returns
//     an error or panics (the panic goes on up). Update transactions behave
//     as if they ran one after another (serializable): a read-modify-write
//     of a balance, a counter or a sequence never loses an update.
//   - Functions may run more than once. Batch may run fn again when
//     another caller's function in the same group fails, and the
//     PostgreSQL backend runs the whole of an Update or Batch function again
//     after a serialization failure or a deadlock (SQLSTATE 40001, 40P01),
//     a bounded number of times with a growing, jittered pause. So an update
//     function must have no effect outside its transaction: build every
//     record afresh inside fn, reset what it fills for its caller at its
//     start, and do the rest (notify, invalidate caches, send) after it
//     returns or through Tx.OnCommit, which runs only for the attempt that
//     committed. A View function may run more than once too, and the same
//     rule holds for it: on PostgreSQL a View whose first reads the
//     process cache answered runs fn again, in a transaction from its
//     start, when what it read changed before its first read of the
//     database (pgkv, float.go), and a View function that read nothing
//     from the database runs once more when another process created or
//     deleted a bucket it asked for since the process's cached bucket names
//     were read (a View that had begun reading a bucket another process
//     deleted so fails with a serialization failure, SQLSTATE 40001). On
//     bbolt a View function runs once.
//   - Byte slices. Keys and values returned by Get, cursors and ForEach are
//     valid only until the transaction ends and must not be modified; copy
//     them to keep them. (bbolt returns its mapped pages; PostgreSQL may
//     return the bytes its process read cache shares with other
//     transactions.) Slices passed to Put must stay unchanged until
//     the transaction ends: both backends keep references to them (bbolt
//     in its dirty pages, PostgreSQL in its buffer of writes).
//   - Ordering. Keys in a bucket are ordered bytewise (bytes.Compare);
//     buckets in a transaction are ordered bytewise by name.
//   - Keys. A key is 1 to MaxKeySize (2048) bytes: Put with an empty key
//     returns ErrKeyRequired, a longer one ErrKeyTooLarge. A value may be
//     empty (Get then returns a non-nil empty slice) and at most
//     MaxValueSize (256 MiB) bytes, else ErrValueTooLarge. A missing key
//     reads as nil.
//   - Buckets. A bucket name is 1 to MaxKeySize bytes of valid UTF-8 without
//     NUL (the PostgreSQL backend keeps names as text, for SQL). There are no
//     nested buckets: every value is a value. Tx.Bucket returns nil for a
//     missing bucket; writing through a bucket of a read-only transaction
//     returns ErrTxNotWritable.
//   - Cursors. Seek moves to the first key at or after its argument, nil
//     past the last key. A move that finds no key (Next after the last,
//     Prev before the first, Seek past the end) returns nil, nil; where
//     the cursor then is differs between backends (bbolt's Prev after a
//     Next past the end skips the last key): reposition it with First,
//     Last or Seek, as the store does (Seek past the end, then Last). A
//     cursor sees the writes made earlier in its own transaction. After
//     writing to the bucket, Cursor.Delete included, reposition the cursor
//     before going on, as bbolt requires: after Cursor.Delete, Next on
//     bbolt skips a key; Seek to the deleted key gives the one after it.
//   - Sequences. Each bucket has a sequence, starting at 0, that is part of
//     the transaction: NextSequence increments it and returns the new
//     value, and a rolled-back transaction leaves it as it was.
//   - Errors of reads. Get, cursor moves, Sequence and Stats return no
//     error, as in bbolt; on PostgreSQL a failed read returns nil and its
//     error is returned by the enclosing View, Update or Batch (and the
//     transaction does not commit). After a failed read Tx.Bucket returns a
//     bucket that reads nothing rather than nil, so that code which knows
//     its buckets exist does not dereference nil on the way out.
package kv

import (
	"bytes"
	"errors"

	berrors "go.etcd.io/bbolt/errors"
)

// Limits.
const (
	// MaxKeySize is the largest key (and bucket name) in bytes: less than
	// bbolt's 32768, because a PostgreSQL b-tree entry holds at most about
	// 2700 bytes. The store's keys are ids and short codes or names.
	MaxKeySize = 2048
	// MaxValueSize is the largest value in bytes: 256 MiB, under bbolt's
	// 2 GiB and PostgreSQL's 1 GiB for bytea, far above the store's largest
	// record (attachments are at most 10 MiB).
	MaxValueSize = 256 << 20
)

// Errors. They are bbolt's own values, so that code which tests for them
// with errors.Is keeps working on either backend.
var (
	ErrKeyRequired        = berrors.ErrKeyRequired
	ErrKeyTooLarge        = berrors.ErrKeyTooLarge
	ErrValueTooLarge      = berrors.ErrValueTooLarge
	ErrTxNotWritable      = berrors.ErrTxNotWritable
	ErrTxClosed           = berrors.ErrTxClosed
	ErrDatabaseNotOpen    = berrors.ErrDatabaseNotOpen
	ErrBucketNotFound     = berrors.ErrBucketNotFound
	ErrBucketNameRequired = berrors.ErrBucketNameRequired
	// ErrBucketNameInvalid: a bucket name that is not valid UTF-8 or holds
	// a NUL byte (bbolt accepts those; the seam does not, so that the
	// PostgreSQL backend can keep names as text).
	ErrBucketNameInvalid = errors.New("bucket name must be UTF-8 without NUL")
	// ErrIncompatibleValue: the cursor is not on a key (Cursor.Delete).
	ErrIncompatibleValue = berrors.ErrIncompatibleValue
)

// DB is an open database.
type DB interface {
	// View runs fn in a read-only transaction and returns fn's error, or
	// the error of a failed read inside it. fn may run more than once, as
	// Update's may (see the package doc): it must not accumulate into state
	// outside it unless it resets that state at its start.
	View(fn func(Tx) error) error
	// Update runs fn in a read-write transaction and commits it when fn
	// returns nil. It returns fn's error (nothing committed), or the
	// commit's. fn may run more than once (see the package doc).
	Update(fn func(Tx) error) error
	// Batch is Update for many concurrent callers: an implementation may
	// run the functions of several callers in one transaction (group
	// commit). A failing function fails only its own caller: the others'
	// functions run again without it, so fn may run more than once.
	Batch(fn func(Tx) error) error
	// Close waits for queued Batch calls and closes the database. Calls
	// after Close return ErrDatabaseNotOpen.
	Close() error
}

// Tx is a transaction. It is not safe for use by several goroutines.
type Tx interface {
	// Bucket returns the named bucket, or nil when there is none.
	Bucket(name []byte) Bucket
	// CreateBucketIfNotExists returns the named bucket, creating it when
	// missing. ErrTxNotWritable in a read-only transaction;
	// ErrBucketNameRequired, ErrBucketNameInvalid or ErrKeyTooLarge for a
	// bad name.
	CreateBucketIfNotExists(name []byte) (Bucket, error)
	// DeleteBucket deletes the named bucket with its keys and sequence;
	// ErrBucketNotFound when there is none.
	DeleteBucket(name []byte) error
	// ForEach calls fn for every bucket, in name order, until fn returns
	// an error, which it returns.
	ForEach(fn func(name []byte, b Bucket) error) error
	// Writable reports whether this is a read-write transaction.
	Writable() bool
	// OnCommit registers fn to run after this transaction commits (not
	// after a rolled-back attempt).
	OnCommit(fn func())
	// Size returns the size of the database in bytes as the backend
	// counts it (bbolt: the file; PostgreSQL: its tables and indexes).
	Size() int64
}

// Bucket is an ordered collection of keys and values, valid for the
// transaction that returned it.
type Bucket interface {
	// Get returns the value of key, or nil when there is none.
	Get(key []byte) []byte
	// Put sets key to value. ErrTxNotWritable, ErrKeyRequired,
	// ErrKeyTooLarge, ErrValueTooLarge.
	Put(key, value []byte) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(key []byte) error
	// Cursor returns a cursor over the bucket, not positioned yet.
	Cursor() Cursor
	// ForEach calls fn for every key in order until fn returns an error,
	// which it returns. fn must not modify the bucket.
	ForEach(fn func(k, v []byte) error) error
	// NextSequence increments the bucket's sequence and returns it.
	NextSequence() (uint64, error)
	// Sequence returns the bucket's sequence.
	Sequence() uint64
	// SetSequence sets the bucket's sequence.
	SetSequence(v uint64) error
	// Stats returns the bucket's statistics.
	Stats() BucketStats
	// Writable reports whether the bucket's transaction is read-write.
	Writable() bool
}

// BucketStats is what the store needs of bbolt's bucket statistics.
type BucketStats struct {
	// KeyN is the number of keys in the bucket. Counting costs a walk of
	// the bucket on both backends: the store uses it in checks, not on
	// hot paths.
	KeyN int
}

// Cursor walks a bucket's keys in order. Every move returns the key and
// value it lands on, or nil, nil when there is none.
type Cursor interface {
	First() (key, value []byte)
	Last() (key, value []byte)
	// Seek moves to the first key at or after seek.
	Seek(seek []byte) (key, value []byte)
	Next() (key, value []byte)
	Prev() (key, value []byte)
	// Delete removes the key the cursor is on. ErrTxNotWritable in a
	// read-only transaction, ErrIncompatibleValue when not on a key.
	Delete() error
}

// Prefetcher is a Bucket that can read several keys in one go ahead of
// their Gets: on PostgreSQL one query instead of one round trip per key.
type Prefetcher interface {
	// Prefetch reads keys so that their Gets in this transaction answer
	// without asking the database. It is a hint: Get answers the same
	// either way, and a failed read fails the transaction as a Get's
	// would.
	Prefetch(keys [][]byte)
}

// Prefetch tells b that keys are about to be read (Prefetcher); nothing on
// a backend without it (bbolt reads its mapped pages).
func Prefetch(b Bucket, keys [][]byte) {
	if p, ok := b.(Prefetcher); ok && len(keys) > 1 {
		p.Prefetch(keys)
	}
}

// Peeker is a DB that reads one key's committed value without a
// transaction around it: on PostgreSQL one statement, where a View costs
// its BEGIN, the read and its COMMIT.
type Peeker interface {
	// Peek returns a copy of the value of key in bucket as last committed,
	// nil when there is none (or no such bucket).
	Peek(bucket, key []byte) ([]byte, error)
}

// Peek returns a copy of the committed value of key in bucket, nil when
// there is none: through Peeker when db has it, else in a View.
func Peek(db DB, bucket, key []byte) ([]byte, error) {
	if p, ok := db.(Peeker); ok {
		return p.Peek(bucket, key)
	}
	var out []byte
	err := db.View(func(tx Tx) error {
		if b := tx.Bucket(bucket); b != nil {
			if v := b.Get(key); v != nil {
				out = append([]byte{}, v...)
			}
		}
		return nil
	})
	return out, err
}

// PrefixScanner is a Bucket that reads the keys under several prefixes in
// one go: on PostgreSQL one query instead of a cursor's seek (a round
// trip) per prefix.
type PrefixScanner interface {
	// ScanPrefixes calls fn for every key that starts with one of
	// prefixes, prefix by prefix in the order given and in key order under
	// each, with the index of its prefix, until fn returns an error, which
	// it returns. It sees the transaction's own writes. Keys and values are
	// valid until the transaction ends. fn must not modify the bucket.
	ScanPrefixes(prefixes [][]byte, fn func(i int, k, v []byte) error) error
}

// ScanPrefixes calls fn for every key of b under each of prefixes (see
// PrefixScanner): in one query where b can, else with a cursor seek per
// prefix (bbolt reads its mapped pages). An empty prefix matches every
// key.
func ScanPrefixes(b Bucket, prefixes [][]byte, fn func(i int, k, v []byte) error) error {
	if p, ok := b.(PrefixScanner); ok && len(prefixes) > 1 {
		return p.ScanPrefixes(prefixes, fn)
	}
	c := b.Cursor()
	for i, p := range prefixes {
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			if err := fn(i, k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// PrefixCursorer is a Bucket that gives a cursor over the keys under one
// prefix only: on PostgreSQL its batches end at the prefix, so a walk over
// one customer's keys reads no row of the next customer's (and the process
// read cache keeps what it read while only keys outside the prefix change).
type PrefixCursorer interface {
	// PrefixCursor returns a cursor over the keys that start with prefix:
	// First and Last are the first and last of them, Seek moves to the
	// first of them at or after seek, and a move past them gives nil, nil.
	PrefixCursor(prefix []byte) Cursor
}

// PrefixCursor returns a cursor over the keys of b that start with prefix
// (see PrefixCursorer): b's own where it has one, else b's cursor kept to
// the prefix (bbolt: the same walk over its mapped pages). An empty
// prefix gives b's cursor.
func PrefixCursor(b Bucket, prefix []byte) Cursor {
	if len(prefix) == 0 {
		return b.Cursor()
	}
	if p, ok := b.(PrefixCursorer); ok {
		return p.PrefixCursor(prefix)
	}
	return &prefixCursor{c: b.Cursor(), p: bytes.Clone(prefix)}
}

// prefixCursor is the portable PrefixCursor: moves that leave the prefix
// give nil, nil.
type prefixCursor struct {
	c Cursor
	p []byte
}

func (c *prefixCursor) in(k, v []byte) ([]byte, []byte) {
	if k == nil || !bytes.HasPrefix(k, c.p) {
		return nil, nil
	}
	return k, v
}

func (c *prefixCursor) First() ([]byte, []byte) { return c.in(c.c.Seek(c.p)) }

func (c *prefixCursor) Last() ([]byte, []byte) {
	if end := PrefixEnd(c.p); end != nil {
		if k, _ := c.c.Seek(end); k != nil {
			return c.in(c.c.Prev())
		}
	}
	return c.in(c.c.Last())
}

func (c *prefixCursor) Seek(seek []byte) ([]byte, []byte) {
	if bytes.Compare(seek, c.p) < 0 {
		seek = c.p
	}
	return c.in(c.c.Seek(seek))
}

func (c *prefixCursor) Next() ([]byte, []byte) { return c.in(c.c.Next()) }
func (c *prefixCursor) Prev() ([]byte, []byte) { return c.in(c.c.Prev()) }
func (c *prefixCursor) Delete() error          { return c.c.Delete() }

// PrefixEnd is the smallest key after every key that starts with p: p
// with its last byte below 0xff incremented and the rest cut; nil when
// there is none (p empty or all 0xff).
func PrefixEnd(p []byte) []byte {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] != 0xff {
			end := append([]byte{}, p[:i+1]...)
			end[i]++
			return end
		}
	}
	return nil
}

// BucketKey names one key of one bucket (TxPrefetcher).
type BucketKey struct{ Bucket, Key []byte }

// TxPrefetcher is a Tx that reads keys of several buckets in one go ahead
// of their Gets: on PostgreSQL one query for all of them, where
// Prefetcher needs one per bucket.
type TxPrefetcher interface {
	// PrefetchKeys reads keys so that their Gets in this transaction
	// answer without asking the database. It is a hint, as
	// Prefetcher.Prefetch: Get answers the same either way; keys of a
	// missing bucket are left out.
	PrefetchKeys(keys []BucketKey)
}

// PrefetchKeys tells tx that keys are about to be read (TxPrefetcher);
// nothing on a backend without it.
func PrefetchKeys(tx Tx, keys []BucketKey) {
	if p, ok := tx.(TxPrefetcher); ok && len(keys) > 1 {
		p.PrefetchKeys(keys)
	}
}

// PrefixCounter is a DB that counts the committed keys under a prefix in
// one statement, without a transaction around it: on PostgreSQL one round
// trip, where a View costs its BEGIN and the cursor's read.
type PrefixCounter interface {
	// CountPrefix returns how many keys of bucket start with prefix as
	// last committed, counting up to limit (0 when there is no such
	// bucket).
	CountPrefix(bucket, prefix []byte, limit int) (int, error)
}

// CountPrefix counts the committed keys of bucket under prefix, up to
// limit: through PrefixCounter when db has it, else with a cursor in a
// View.
func CountPrefix(db DB, bucket, prefix []byte, limit int) (int, error) {
	if p, ok := db.(PrefixCounter); ok {
		return p.CountPrefix(bucket, prefix, limit)
	}
	n := 0
	err := db.View(func(tx Tx) error {
		n = 0 // fn may run again
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && n < limit; k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// PeekRead is one committed read of PeekMany: the value of Key in Bucket,
// as Peek reads it, or, with Count set, how many keys of Bucket start with
// Key, counting up to Limit, as CountPrefix counts them. PeekMany fills
// Value or N and leaves the other zero.
type PeekRead struct {
	Bucket, Key []byte
	Count       bool
	Limit       int

	// Value is a copy of the value read (nil when there is none, empty
	// for an empty value); N the count.
	Value []byte
	N     int
}

// MultiPeeker is a DB that makes several committed reads without a
// transaction around them in one round trip: on PostgreSQL one statement,
// where Peek and CountPrefix cost one round trip each.
type MultiPeeker interface {
	// PeekMany makes every read of reads (see PeekRead). Each read sees
	// what was committed before it began; the reads need not see one
	// snapshot together. On an error the results are not to be used.
	PeekMany(reads []PeekRead) error
}

// OnceViewer is a DB whose View may run fn more than once (PostgreSQL's
// floating reads) and that can run a read transaction whose fn runs once:
// it begins at its first read and never answers from a state it then has
// to leave.
type OnceViewer interface {
	ViewOnce(fn func(Tx) error) error
}

// ViewOnce runs fn in a read-only transaction as View does, where fn runs
// once: for a reader whose effect cannot be taken back, such as one that
// writes a backup or a move's stream as it reads. (On PostgreSQL a View
// function that read nothing from the database still runs once more when
// the bucket names it asked for moved: see the package doc.)
func ViewOnce(db DB, fn func(Tx) error) error {
	if o, ok := db.(OnceViewer); ok {
		return o.ViewOnce(fn)
	}
	return db.View(fn)
}

// FreshViewer is a DB whose View can rely on a committed read its caller's
// request already made: ViewFresh is View for a caller whose request began
// with such a read (store.Sync at a request's start), which may then answer
// from what the process learned since, without a read of its own to learn
// that nothing changed. Everything committed before the request arrived is
// still seen.
type FreshViewer interface {
	ViewFresh(fn func(Tx) error) error
}

// ViewFresh runs fn as View does, for a caller whose request began with a
// committed read of the database (FreshViewer); View on another backend.
func ViewFresh(db DB, fn func(Tx) error) error {
	if f, ok := db.(FreshViewer); ok {
		return f.ViewFresh(fn)
	}
	return db.View(fn)
}

// PeekMany makes the committed reads of reads (PeekRead): through
// MultiPeeker when db has it, else in one View, which reads one snapshot.
func PeekMany(db DB, reads []PeekRead) error {
	if p, ok := db.(MultiPeeker); ok {
		return p.PeekMany(reads)
	}
	return db.View(func(tx Tx) error {
		for i := range reads {
			r := &reads[i]
			r.Value, r.N = nil, 0
			b := tx.Bucket(r.Bucket)
			if b == nil {
				continue
			}
			if !r.Count {
				if v := b.Get(r.Key); v != nil {
					r.Value = append([]byte{}, v...)
				}
				continue
			}
			c := b.Cursor()
			for k, _ := c.Seek(r.Key); k != nil && bytes.HasPrefix(k, r.Key) && r.N < r.Limit; k, _ = c.Next() {
				r.N++
			}
		}
		return nil
	})
}
