package kv

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
)

// The backup stream is the portable form of a whole database: the same
// bytes from either backend for the same contents, so a backup taken on
// one restores on the other (and `portal migrate` is a dump into a
// restore). It is written from one read transaction, so it is one
// consistent state.
//
// Layout: the magic "PORTALKV" and a version byte (1); then records, each
// a tag byte:
//
//	'B' uvarint(len(name)) name uvarint(sequence)   a bucket; its keys follow
//	'K' uvarint(len(key)) key uvarint(len(value)) value
//	'E' uvarint(buckets) uvarint(keys) crc32c       the end
//
// Buckets come in name order and keys in key order. The CRC-32C (4 bytes,
// big-endian) covers every byte before it; a stream without its end
// record, or with a wrong count or checksum, does not restore.
const (
	streamMagic   = "PORTALKV"
	streamVersion = 1
)

// ErrBadStream: the input is not a complete, intact backup stream.
var ErrBadStream = errors.New("not a complete backup stream")

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// WriteTo writes the backup stream of everything tx sees to w and returns
// the bytes written.
func WriteTo(tx Tx, w io.Writer) (int64, error) {
	sw := &streamWriter{w: bufio.NewWriterSize(w, 256<<10), crc: crc32.New(crcTable)}
	sw.raw([]byte(streamMagic))
	sw.raw([]byte{streamVersion})
	var buckets, keys uint64
	err := tx.ForEach(func(name []byte, b Bucket) error {
		buckets++
		sw.tag('B')
		sw.bytes(name)
		sw.uvarint(b.Sequence())
		err := b.ForEach(func(k, v []byte) error {
			keys++
			sw.tag('K')
			sw.bytes(k)
			sw.bytes(v)
			return sw.err
		})
		if err != nil {
			return err
		}
		return sw.err
	})
	if err != nil {
		return sw.n, err
	}
	sw.tag('E')
	sw.uvarint(buckets)
	sw.uvarint(keys)
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], sw.crc.Sum32())
	sw.raw(sum[:])
	if sw.err == nil {
		sw.err = sw.w.Flush()
	}
	return sw.n, sw.err
}

type streamWriter struct {
	w   *bufio.Writer
	crc hash.Hash32
	n   int64
	err error
	buf [binary.MaxVarintLen64]byte
}

func (s *streamWriter) raw(p []byte) {
	if s.err != nil {
		return
	}
	_, _ = s.crc.Write(p)
	var n int
	n, s.err = s.w.Write(p)
	s.n += int64(n)
}

func (s *streamWriter) tag(t byte) { s.raw([]byte{t}) }

func (s *streamWriter) uvarint(v uint64) {
	s.raw(s.buf[:binary.PutUvarint(s.buf[:], v)])
}

func (s *streamWriter) bytes(p []byte) {
	s.uvarint(uint64(len(p)))
	s.raw(p)
}

// restoreTxBytes is about how much one restore transaction writes before
// the next begins: it bounds the memory a restore (and `portal migrate`)
// holds: these bytes, the destination's transaction (bbolt's dirty pages;
// PostgreSQL's buffered writes and the statement they are encoded into),
// a few times 8 MB in all. Larger transactions save little: a commit per
// 8 MB is a fraction of the time the bytes take to write.
const restoreTxBytes = 8 << 20

// Restore reads a backup stream from r into db, which must hold no
// buckets: it fails on a database with data, and on a damaged or
// truncated stream. It writes in transactions of tens of megabytes, so a
// failed restore leaves a partial database: restore into a new one, and
// discard it on failure.
func Restore(db DB, r io.Reader) error {
	sr := &streamReader{r: bufio.NewReaderSize(r, 256<<10), crc: crc32.New(crcTable)}
	head := make([]byte, len(streamMagic)+1)
	sr.full(head)
	if sr.err != nil || string(head[:len(streamMagic)]) != streamMagic {
		return ErrBadStream
	}
	if head[len(streamMagic)] != streamVersion {
		return fmt.Errorf("backup stream version %d: this program reads %d", head[len(streamMagic)], streamVersion)
	}
	err := db.View(func(tx Tx) error {
		return tx.ForEach(func(name []byte, _ Bucket) error {
			return fmt.Errorf("restore into a database that has data (bucket %q)", name)
		})
	})
	if err != nil {
		return err
	}
	var (
		bucket          []byte
		seq             uint64
		buckets, keys   uint64
		pendingKeys     []streamKV
		pendingBytes    int
		pendingBuckets  [][]byte
		pendingSequence []uint64
	)
	flush := func() error {
		if len(pendingKeys) == 0 && len(pendingBuckets) == 0 {
			return nil
		}
		err := db.Update(func(tx Tx) error {
			for i, name := range pendingBuckets {
				b, err := tx.CreateBucketIfNotExists(name)
				if err != nil {
					return err
				}
				if err := b.SetSequence(pendingSequence[i]); err != nil {
					return err
				}
			}
			var b Bucket
			var bname []byte
			for _, p := range pendingKeys {
				if b == nil || string(bname) != string(p.bucket) {
					bname = p.bucket
					if b = tx.Bucket(bname); b == nil {
						return fmt.Errorf("backup stream: key before its bucket %q", bname)
					}
				}
				if err := b.Put(p.k, p.v); err != nil {
					return err
				}
			}
			return nil
		})
		pendingKeys, pendingBytes, pendingBuckets, pendingSequence = nil, 0, nil, nil
		return err
	}
	for {
		t := sr.byte()
		if sr.err != nil {
			return ErrBadStream
		}
		switch t {
		case 'B':
			bucket = sr.bytes()
			seq = sr.uvarint()
			if sr.err != nil {
				return ErrBadStream
			}
			buckets++
			pendingBuckets = append(pendingBuckets, bucket)
			pendingSequence = append(pendingSequence, seq)
		case 'K':
			k := sr.bytes()
			v := sr.bytes()
			if sr.err != nil || bucket == nil {
				return ErrBadStream
			}
			keys++
			pendingKeys = append(pendingKeys, streamKV{bucket, k, v})
			pendingBytes += len(k) + len(v)
			if pendingBytes >= restoreTxBytes {
				if err := flush(); err != nil {
					return err
				}
			}
		case 'E':
			nb, nk := sr.uvarint(), sr.uvarint()
			want := sr.crc.Sum32()
			var sum [4]byte
			sr.full(sum[:])
			if sr.err != nil || nb != buckets || nk != keys || binary.BigEndian.Uint32(sum[:]) != want {
				return ErrBadStream
			}
			return flush()
		default:
			return ErrBadStream
		}
	}
}

type streamKV struct{ bucket, k, v []byte }

type streamReader struct {
	r   *bufio.Reader
	crc hash.Hash32
	err error
}

func (s *streamReader) full(p []byte) {
	if s.err != nil {
		return
	}
	_, s.err = io.ReadFull(s.r, p)
	_, _ = s.crc.Write(p)
}

func (s *streamReader) byte() byte {
	var b [1]byte
	s.full(b[:])
	return b[0]
}

func (s *streamReader) uvarint() uint64 {
	if s.err != nil {
		return 0
	}
	var buf [binary.MaxVarintLen64]byte
	for i := range buf {
		c := s.byte()
		if s.err != nil {
			return 0
		}
		buf[i] = c
		if c < 0x80 {
			v, n := binary.Uvarint(buf[:i+1])
			if n <= 0 {
				s.err = ErrBadStream
			}
			return v
		}
	}
	s.err = ErrBadStream
	return 0
}

func (s *streamReader) bytes() []byte {
	n := s.uvarint()
	if s.err != nil {
		return nil
	}
	if n > MaxValueSize {
		s.err = ErrBadStream
		return nil
	}
	if n <= 1<<20 {
		p := make([]byte, n)
		s.full(p)
		return p
	}
	// A large length is read as it arrives, so a damaged length does not
	// allocate gigabytes before the stream runs out.
	var buf bytes.Buffer
	buf.Grow(1 << 20)
	if _, err := io.CopyN(io.MultiWriter(&buf, s.crc), s.r, int64(n)); err != nil {
		s.err = err
		return nil
	}
	return buf.Bytes()
}
