package kvtest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"

	"dealerportal/store/kv"
)

// plainTx hides a backend's kv.Rekeyer, so that kv.CutKeyPrefix takes the
// portable path (kv.CopyCutKeyPrefix) on that backend.
type plainTx struct{ kv.Tx }

// rekeyKey is an owner|id key of 16 bytes, as the documents' buckets had
// before schema 15.
func rekeyKey(owner, id uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, owner)
	binary.BigEndian.PutUint64(k[8:], id)
	return k
}

func rekeyID(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// testRekey: CutKeyPrefix, through the backend's Rekeyer and through the
// portable copy, rewrites every key of one bucket to its suffix, with the
// values (a JSON document, bytes, an empty value) and the sequence kept,
// the transaction's unsent writes included, Get and cursors of the same
// transaction seeing the new keys, other buckets untouched and no scratch
// bucket left; a key of another length, two keys that would become one, a
// missing bucket or a read-only transaction change nothing.
func testRekey(t *testing.T, be Backend) {
	for _, mode := range []string{"backend", "portable"} {
		t.Run(mode, func(t *testing.T) {
			wrap := func(tx kv.Tx) kv.Tx {
				if mode == "portable" {
					return plainTx{tx}
				}
				return tx
			}
			db := be.Open(t)
			value := func(id uint64) []byte {
				switch id % 3 {
				case 0:
					return fmt.Appendf(nil, `{"id":%d,"note":"备注"}`, id)
				case 1:
					return []byte{0, byte(id), 0xff}
				}
				return []byte{}
			}
			var ids []uint64
			must(t, db.Update(func(tx kv.Tx) error {
				b, err := tx.CreateBucketIfNotExists(bName)
				if err != nil {
					return err
				}
				o, err := tx.CreateBucketIfNotExists([]byte("other"))
				if err != nil {
					return err
				}
				for i := range 300 {
					id := uint64(1000 - 3*i) // owners do not follow the ids' order
					ids = append(ids, id)
					if err := b.Put(rekeyKey(uint64(i%7+1), id), value(id)); err != nil {
						return err
					}
				}
				if err := b.SetSequence(4242); err != nil {
					return err
				}
				return o.Put(rekeyKey(1, 1), []byte("other"))
			}))
			slices.Sort(ids)

			var n int
			must(t, db.Update(func(tx kv.Tx) error {
				b := tx.Bucket(bName)
				// A read kept by the transaction, a write not sent yet and a
				// cursor positioned before the rewrite.
				if err := b.Put(rekeyKey(3, 2000), value(2000)); err != nil {
					return err
				}
				if v := b.Get(rekeyKey(1, 1000)); !bytes.Equal(v, value(1000)) {
					return fmt.Errorf("before: Get = %q", v)
				}
				c := b.Cursor()
				if k, _ := c.First(); len(k) != 16 {
					return fmt.Errorf("before: first key %x", k)
				}
				var err error
				if n, err = kv.CutKeyPrefix(wrap(tx), bName, 16, 8); err != nil {
					return err
				}
				b = tx.Bucket(bName)
				for _, k := range [][]byte{rekeyKey(1, 1000), rekeyKey(3, 2000)} {
					if v := b.Get(k); v != nil {
						t.Errorf("the old key %x still reads %q in the transaction", k, v)
					}
				}
				if v := b.Get(rekeyID(1000)); !bytes.Equal(v, value(1000)) {
					t.Errorf("Get of the new key = %q", v)
				}
				if v := b.Get(rekeyID(2000)); !bytes.Equal(v, value(2000)) {
					t.Errorf("the unsent write under its new key = %q", v)
				}
				c = b.Cursor()
				if k, _ := c.First(); !bytes.Equal(k, rekeyID(ids[0])) {
					t.Errorf("first key in the transaction after the rewrite: %x", k)
				}
				if k, _ := c.Last(); !bytes.Equal(k, rekeyID(2000)) {
					t.Errorf("last key in the transaction after the rewrite: %x", k)
				}
				// The sequence goes on from where it was.
				if s, err := b.NextSequence(); err != nil || s != 4243 {
					t.Errorf("NextSequence after the rewrite = %d, %v", s, err)
				}
				return nil
			}))
			if n != len(ids)+1 {
				t.Errorf("CutKeyPrefix rewrote %d keys, want %d", n, len(ids)+1)
			}
			ids = append(ids, 2000)
			must(t, db.View(func(tx kv.Tx) error {
				b := tx.Bucket(bName)
				var got []uint64
				err := b.ForEach(func(k, v []byte) error {
					if len(k) != 8 {
						return fmt.Errorf("key %x after the rewrite", k)
					}
					id := binary.BigEndian.Uint64(k)
					if !bytes.Equal(v, value(id)) || v == nil {
						t.Errorf("value of %d = %q, want %q", id, v, value(id))
					}
					got = append(got, id)
					return nil
				})
				if err != nil {
					return err
				}
				if !slices.Equal(got, ids) {
					t.Errorf("keys after the rewrite: %v\nwant %v", got, ids)
				}
				if s := b.Sequence(); s != 4243 {
					t.Errorf("sequence after the rewrite = %d, want 4243", s)
				}
				if v := tx.Bucket([]byte("other")).Get(rekeyKey(1, 1)); string(v) != "other" {
					t.Errorf("another bucket's key after the rewrite: %q", v)
				}
				var names []string
				_ = tx.ForEach(func(name []byte, _ kv.Bucket) error { names = append(names, string(name)); return nil })
				if !slices.Equal(names, []string{"b", "other"}) {
					t.Errorf("buckets after the rewrite: %q", names)
				}
				return nil
			}))

			// Failures change nothing.
			snapshot := func(name string) []string {
				var out []string
				must(t, db.View(func(tx kv.Tx) error {
					b := tx.Bucket([]byte(name))
					out = append(out, fmt.Sprint(b.Sequence()))
					return b.ForEach(func(k, v []byte) error { out = append(out, fmt.Sprintf("%x=%x", k, v)); return nil })
				}))
				return out
			}
			fillRaw := func(name string, keys ...[]byte) {
				must(t, db.Update(func(tx kv.Tx) error {
					b, err := tx.CreateBucketIfNotExists([]byte(name))
					if err != nil {
						return err
					}
					if err := b.SetSequence(9); err != nil {
						return err
					}
					for _, k := range keys {
						if err := b.Put(k, append([]byte("v"), k...)); err != nil {
							return err
						}
					}
					return nil
				}))
			}
			fillRaw("mixed", rekeyKey(1, 5), rekeyKey(2, 6), rekeyID(7))
			fillRaw("twice", rekeyKey(1, 5), rekeyKey(2, 5), rekeyKey(2, 6))
			for _, tc := range []struct {
				bucket string
				want   error
			}{
				{"mixed", kv.ErrRekeyLength},
				{"twice", kv.ErrRekeyCollision},
				{"none", kv.ErrBucketNotFound},
			} {
				var before []string
				if tc.bucket != "none" {
					before = snapshot(tc.bucket)
				}
				err := db.Update(func(tx kv.Tx) error {
					_, err := kv.CutKeyPrefix(wrap(tx), []byte(tc.bucket), 16, 8)
					return err
				})
				if !errors.Is(err, tc.want) {
					t.Errorf("CutKeyPrefix of %s: %v, want %v", tc.bucket, err, tc.want)
				}
				if tc.bucket != "none" {
					if after := snapshot(tc.bucket); !slices.Equal(after, before) {
						t.Errorf("%s after a failed CutKeyPrefix:\n%q\nwant %q", tc.bucket, after, before)
					}
				}
			}
			err := db.View(func(tx kv.Tx) error {
				_, err := kv.CutKeyPrefix(wrap(tx), bName, 8, 4)
				return err
			})
			if !errors.Is(err, kv.ErrTxNotWritable) {
				t.Errorf("CutKeyPrefix in a read-only transaction: %v", err)
			}
		})
	}
}
