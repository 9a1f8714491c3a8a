package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"dealerportal/store/kv"
	"dealerportal/store/kv/boltkv"
	"dealerportal/store/kv/pgkv"
)

// The portable form of an enterprise's data: what `portal backup` writes
// on PostgreSQL (and with --portable on bbolt), what `portal restore`
// reads into either backend, and what `portal migrate` pipes from one
// backend into the other. It is kv.WriteTo's stream with one rule added:
// records the bbolt store keeps compressed (codec.go: a version byte and
// zstd) appear as their plain JSON. So the same enterprise gives the same
// bytes whichever backend it was read from, operators' tools see JSON,
// and the stream restores into PostgreSQL as queryable json rows. Written
// into a bbolt file, records are compressed again (PackValue), so a file
// that went to PostgreSQL and back is as small as before.

// recordBucket reports whether the store writes compressed records into
// the bucket: a document type's main bucket (doc:T), the outbox, the API
// feed. Other buckets hold plain JSON or binary values, which the
// portable form keeps as they are, whatever their first byte.
func recordBucket(name []byte) bool {
	if bytes.Equal(name, bOutbox) || bytes.Equal(name, bAPIEvents) {
		return true
	}
	if !bytes.HasPrefix(name, []byte("doc:")) {
		return false
	}
	for _, b := range docKinds {
		if bytes.Equal(b.main, name) {
			return true
		}
	}
	return false
}

// PlainValue returns a value of bucket in its portable form: a compressed
// record as its JSON (a new slice), anything else as given. An error for
// a compressed record that does not decode (a damaged value).
func PlainValue(bucket, v []byte) ([]byte, error) {
	if !isCompressed(v) || !recordBucket(bucket) {
		return v, nil
	}
	return recordJSON(v)
}

// PackValue returns a value of bucket in the portable form as the bbolt
// store writes it: a record in plain JSON compressed (encZstdV1, a new
// slice), anything else as given.
func PackValue(bucket, v []byte) []byte {
	if len(v) == 0 || v[0] != '{' || !recordBucket(bucket) {
		return v
	}
	return zEncoder().EncodeAll(v, append(make([]byte, 0, 64+len(v)/3), encZstdV1))
}

// Digest is a fingerprint of a database's logical content: per bucket its
// sequence, its number of keys and a SHA-256 over its keys and portable
// values in order. Two databases with equal digests hold the same data,
// whatever backend and record encoding each uses.
type Digest struct {
	Buckets []BucketDigest
}

// BucketDigest is one bucket's part of a Digest.
type BucketDigest struct {
	Name     string
	Sequence uint64
	Keys     int64
	Bytes    int64 // keys and portable values
	Sum      [sha256.Size]byte
}

// Keys is the number of keys in all buckets.
func (d Digest) Keys() int64 {
	var n int64
	for _, b := range d.Buckets {
		n += b.Keys
	}
	return n
}

// Bytes is the size of all keys and portable values.
func (d Digest) Bytes() int64 {
	var n int64
	for _, b := range d.Buckets {
		n += b.Bytes
	}
	return n
}

// Sum is the SHA-256 of the whole digest (names, sequences, counts and
// bucket sums), in hex: one string to compare between a backup and its
// restore, or the two ends of a migration.
func (d Digest) Sum() string {
	h := sha256.New()
	var buf [binary.MaxVarintLen64]byte
	for _, b := range d.Buckets {
		h.Write(buf[:binary.PutUvarint(buf[:], uint64(len(b.Name)))])
		h.Write([]byte(b.Name))
		h.Write(buf[:binary.PutUvarint(buf[:], b.Sequence)])
		h.Write(buf[:binary.PutUvarint(buf[:], uint64(b.Keys))])
		h.Write(b.Sum[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Diff lists how other differs from d, bucket by bucket; empty when equal.
func (d Digest) Diff(other Digest) []string {
	var out []string
	theirs := map[string]BucketDigest{}
	for _, b := range other.Buckets {
		theirs[b.Name] = b
	}
	for _, a := range d.Buckets {
		b, ok := theirs[a.Name]
		delete(theirs, a.Name)
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("bucket %q: missing", a.Name))
		case a.Keys != b.Keys:
			out = append(out, fmt.Sprintf("bucket %q: %d keys, expected %d", a.Name, b.Keys, a.Keys))
		case a.Sequence != b.Sequence:
			out = append(out, fmt.Sprintf("bucket %q: sequence %d, expected %d", a.Name, b.Sequence, a.Sequence))
		case a.Sum != b.Sum:
			out = append(out, fmt.Sprintf("bucket %q: content differs (same number of keys)", a.Name))
		}
	}
	for _, b := range other.Buckets {
		if _, ok := theirs[b.Name]; ok {
			out = append(out, fmt.Sprintf("bucket %q: not expected", b.Name))
		}
	}
	return out
}

// Progress reports a walk over a database: called after each bucket and
// about every 10,000 keys.
type Progress func(bucket string, keys, bytes int64)

// WritePortable writes the portable backup stream of everything tx sees
// to w (kv.WriteTo, records as plain JSON) and returns the bytes written
// and the digest of what it wrote. It refuses a database that is not the
// portal's or has a newer schema. progress may be nil.
func WritePortable(tx kv.Tx, w io.Writer, progress Progress) (int64, Digest, error) {
	if err := checkPortalData(tx); err != nil {
		return 0, Digest{}, err
	}
	p := &portableTx{Tx: tx, progress: progress}
	n, err := kv.WriteTo(p, w)
	if err == nil {
		err = p.err
	}
	p.closeBucket()
	return n, p.digest, err
}

// DigestOf walks everything tx sees and returns its digest.
func DigestOf(tx kv.Tx, progress Progress) (Digest, error) {
	p := &portableTx{Tx: tx, progress: progress}
	err := p.ForEach(func(_ []byte, b kv.Bucket) error {
		b.Sequence()
		return b.ForEach(func(_, _ []byte) error { return nil })
	})
	if err == nil {
		err = p.err
	}
	p.closeBucket()
	return p.digest, err
}

// checkPortalData refuses what is not a portal database this program can
// read.
func checkPortalData(tx kv.Tx) error {
	meta := tx.Bucket(bMeta)
	if meta == nil {
		return errors.New("not a portal database (no meta bucket)")
	}
	if v := btoi(meta.Get(keySchemaVersion)); v == 0 || v > SchemaVersion() {
		return fmt.Errorf("schema version %d: this program reads 1 to %d", v, SchemaVersion())
	}
	return nil
}

// portableTx is a read transaction seen in the portable form: its buckets'
// ForEach gives plain values, and it adds each bucket to a digest as it
// goes. Only what kv.WriteTo and DigestOf call is changed.
type portableTx struct {
	kv.Tx
	progress Progress
	digest   Digest
	cur      *BucketDigest
	h        hash.Hash
	keys     int64
	bytes    int64
	err      error
}

func (p *portableTx) ForEach(fn func(name []byte, b kv.Bucket) error) error {
	return p.Tx.ForEach(func(name []byte, b kv.Bucket) error {
		p.closeBucket()
		p.cur = &BucketDigest{Name: string(name)}
		p.h = sha256.New()
		return fn(name, &portableBucket{Bucket: b, p: p, name: name})
	})
}

// closeBucket finishes the digest of the current bucket.
func (p *portableTx) closeBucket() {
	if p.cur == nil {
		return
	}
	copy(p.cur.Sum[:], p.h.Sum(nil))
	p.digest.Buckets = append(p.digest.Buckets, *p.cur)
	if p.progress != nil {
		p.progress(p.cur.Name, p.keys, p.bytes)
	}
	p.cur = nil
}

type portableBucket struct {
	kv.Bucket
	p    *portableTx
	name []byte
}

func (b *portableBucket) Sequence() uint64 {
	s := b.Bucket.Sequence()
	b.p.cur.Sequence = s
	return s
}

func (b *portableBucket) ForEach(fn func(k, v []byte) error) error {
	p := b.p
	var buf [binary.MaxVarintLen64]byte
	return b.Bucket.ForEach(func(k, v []byte) error {
		pv, err := PlainValue(b.name, v)
		if err != nil {
			p.err = fmt.Errorf("bucket %q key %x: %w", b.name, k, err)
			return p.err
		}
		p.h.Write(buf[:binary.PutUvarint(buf[:], uint64(len(k)))])
		p.h.Write(k)
		p.h.Write(buf[:binary.PutUvarint(buf[:], uint64(len(pv)))])
		p.h.Write(pv)
		p.cur.Keys++
		n := int64(len(k) + len(pv))
		p.cur.Bytes += n
		p.keys++
		p.bytes += n
		if p.progress != nil && p.keys%10_000 == 0 {
			p.progress(p.cur.Name, p.keys, p.bytes)
		}
		return fn(k, pv)
	})
}

// RestorePortable reads a portable backup stream (WritePortable's, or
// kv.WriteTo's of any portal database) into db, which must hold no
// buckets (kv.Restore). With pack, records are written compressed, as the
// bbolt store writes them (for a bbolt file); without, as they come (plain
// JSON: for PostgreSQL). A failed restore leaves a partial database.
func RestorePortable(db kv.DB, r io.Reader, pack bool) error {
	if pack {
		db = packDB{db}
	}
	return kv.Restore(db, r)
}

// packDB is a bbolt destination: records are compressed (PackValue) and
// pages filled completely, as a compaction fills them, since a restore
// writes every bucket's keys in order (bbolt splits at half a page by
// default, which leaves a restored file twice its size). Only what
// kv.Restore calls is changed.
type packDB struct{ kv.DB }

func (d packDB) Update(fn func(kv.Tx) error) error {
	return d.DB.Update(func(tx kv.Tx) error { return fn(packTx{tx}) })
}

type packTx struct{ kv.Tx }

func (t packTx) Bucket(name []byte) kv.Bucket { return pack(t.Tx.Bucket(name), name) }

func (t packTx) CreateBucketIfNotExists(name []byte) (kv.Bucket, error) {
	b, err := t.Tx.CreateBucketIfNotExists(name)
	return pack(b, name), err
}

func pack(b kv.Bucket, name []byte) kv.Bucket {
	if b == nil {
		return nil
	}
	boltkv.SetFillPercent(b, 1.0)
	if !recordBucket(name) {
		return b
	}
	return packBucket{b, name}
}

type packBucket struct {
	kv.Bucket
	name []byte
}

func (b packBucket) Put(k, v []byte) error { return b.Bucket.Put(k, PackValue(b.name, v)) }

// PortableMagic is how a portable backup stream starts (kv.WriteTo), and
// a bbolt file does not.
const PortableMagic = "PORTALKV"

// IsPortableFile reports whether the file at path is a portable backup
// stream rather than a bbolt file.
func IsPortableFile(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, len(PortableMagic))
	if _, err := io.ReadFull(f, head); err != nil {
		return false, nil
	}
	return string(head) == PortableMagic, nil
}

// VerifyPortable reads a whole portable backup stream, checks it as a
// restore would (magic, version, counts, checksum) without writing
// anything, and returns the digest of its content.
func VerifyPortable(r io.Reader) (Digest, error) {
	d := &digestDB{buckets: map[string]*digestBucket{}}
	if err := kv.Restore(d, r); err != nil {
		return Digest{}, err
	}
	var out Digest
	for _, name := range slices.Sorted(maps.Keys(d.buckets)) {
		b := d.buckets[name]
		if b.err != nil {
			return Digest{}, b.err
		}
		b.d.Sum = [sha256.Size]byte(b.h.Sum(nil))
		out.Buckets = append(out.Buckets, b.d)
	}
	return out, nil
}

// VerifyPortableFile is VerifyPortable of the file at path.
func VerifyPortableFile(path string) (Digest, error) {
	f, err := os.Open(path)
	if err != nil {
		return Digest{}, err
	}
	defer f.Close()
	return VerifyPortable(f)
}

// digestDB is an empty database that kv.Restore writes into: it keeps a
// digest of the writes, nothing else. Only what kv.Restore calls is
// implemented.
type digestDB struct {
	kv.DB
	buckets map[string]*digestBucket
}

type digestBucket struct {
	kv.Bucket
	d   BucketDigest
	h   hash.Hash
	err error
}

func (d *digestDB) View(fn func(kv.Tx) error) error   { return fn(digestTx{d: d}) }
func (d *digestDB) Update(fn func(kv.Tx) error) error { return fn(digestTx{d: d}) }

type digestTx struct {
	kv.Tx
	d *digestDB
}

func (t digestTx) ForEach(func([]byte, kv.Bucket) error) error { return nil }

func (t digestTx) Bucket(name []byte) kv.Bucket {
	if b, ok := t.d.buckets[string(name)]; ok {
		return b
	}
	return nil
}

func (t digestTx) CreateBucketIfNotExists(name []byte) (kv.Bucket, error) {
	b, ok := t.d.buckets[string(name)]
	if !ok {
		b = &digestBucket{d: BucketDigest{Name: string(name)}, h: sha256.New()}
		t.d.buckets[string(name)] = b
	}
	return b, nil
}

func (b *digestBucket) SetSequence(v uint64) error { b.d.Sequence = v; return nil }

func (b *digestBucket) Put(k, v []byte) error {
	pv, err := PlainValue([]byte(b.d.Name), v)
	if err != nil && b.err == nil {
		b.err = fmt.Errorf("bucket %q key %x: %w", b.d.Name, k, err)
	}
	var buf [binary.MaxVarintLen64]byte
	b.h.Write(buf[:binary.PutUvarint(buf[:], uint64(len(k)))])
	b.h.Write(k)
	b.h.Write(buf[:binary.PutUvarint(buf[:], uint64(len(pv)))])
	b.h.Write(pv)
	b.d.Keys++
	b.d.Bytes += int64(len(k) + len(pv))
	return nil
}

// WritePortableFile writes a portable backup to path: into a temporary
// file beside it, synced, read back and verified (VerifyPortable: its
// digest must be the one write returned), then renamed, so path is never
// a half-written file. It returns the bytes written and the digest.
func WritePortableFile(path string, write func(io.Writer) (int64, Digest, error)) (int64, Digest, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return 0, Digest{}, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".backup-*")
	if err != nil {
		return 0, Digest{}, err
	}
	defer os.Remove(tmp.Name())
	n, d, err := write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, Digest{}, err
	}
	got, err := VerifyPortableFile(tmp.Name())
	if err != nil {
		return 0, Digest{}, fmt.Errorf("backup does not verify: %w", err)
	}
	if diff := d.Diff(got); len(diff) > 0 {
		return 0, Digest{}, fmt.Errorf("backup does not verify: %s", strings.Join(diff, "; "))
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return 0, Digest{}, err
	}
	return n, d, os.Rename(tmp.Name(), path)
}

// OpenPostgresKV opens the PostgreSQL database dsn names (its schema as
// Open takes it) on the seam for a whole-database tool (backup, restore,
// migrate): no time bound on a transaction, since one read of everything
// takes as long as it takes. The tables are created when missing.
func OpenPostgresKV(dsn string) (kv.DB, error) {
	ctx, cancel := context.WithTimeout(context.Background(), pgOpenTimeout)
	defer cancel()
	db, err := pgkv.Open(ctx, dsn, &pgkv.Options{Schema: pgSchema(dsn), TxTimeout: -1})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", RedactDSN(dsn), err)
	}
	return db, nil
}

// PortableBackupToFile writes a portable backup of the open database to
// path (WritePortableFile) and returns its size and digest; the portal
// keeps serving.
func (s *Store) PortableBackupToFile(path string) (int64, Digest, error) {
	return WritePortableFile(path, s.PortableBackup)
}

// PortableBackup writes the portable backup stream of the open database
// to w (WritePortable) from one read transaction; the portal keeps
// serving. On PostgreSQL it reads through a connection of its own, with no
// time bound on its one long read.
func (s *Store) PortableBackup(w io.Writer) (n int64, d Digest, err error) {
	db := s.db
	if s.Postgres() {
		pg, err := OpenPostgresKV(s.dsn)
		if err != nil {
			return 0, Digest{}, err
		}
		defer pg.Close()
		db = pg
	}
	err = kv.ViewOnce(db, func(tx kv.Tx) error { // it writes the backup as it reads
		n, d, err = WritePortable(tx, w, nil)
		return err
	})
	return n, d, err
}

// PortableBackupName is the file name of a portable backup taken at
// instant at: "portal-20260315T100000Z.portal" (BackupName's stamp).
func PortableBackupName(at time.Time) string {
	return "portal-" + at.UTC().Format(backupStamp) + ".portal"
}
