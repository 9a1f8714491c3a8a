package pgkv

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"dealerportal/store/kv"
	"dealerportal/store/kv/pgtest"
)

// TestFetchBoundedBytes: a cursor over large values holds at most about
// maxFetchBytes of them at a time, and still walks every key once, in
// order, both ways.
func TestFetchBoundedBytes(t *testing.T) {
	db, err := Open(context.Background(), pgtest.URL(t), &Options{Schema: pgtest.Schema()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n, size = 40, 512 << 10
	val := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, size+i) }
	err = db.Update(func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("blobs"))
		if err != nil {
			return err
		}
		for i := range n {
			if err := b.Put(fmt.Appendf(nil, "k%03d", i), val(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx kv.Tx) error {
		c := tx.Bucket([]byte("blobs")).Cursor().(*cursor)
		held := func() int {
			s := 0
			for _, it := range c.items {
				s += len(it.k) + len(it.v)
			}
			return s
		}
		i := 0
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if want := fmt.Sprintf("k%03d", i); string(k) != want || !bytes.Equal(v, val(i)) {
				return fmt.Errorf("forward step %d: key %s", i, k)
			}
			if h := held(); h > maxFetchBytes+size+n {
				return fmt.Errorf("the cursor holds %d bytes", h)
			}
			i++
		}
		if i != n {
			return fmt.Errorf("forward walk saw %d keys, want %d", i, n)
		}
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			i--
			if want := fmt.Sprintf("k%03d", i); string(k) != want || !bytes.Equal(v, val(i)) {
				return fmt.Errorf("backward step %d: key %s", i, k)
			}
			if h := held(); h > maxFetchBytes+size+n {
				return fmt.Errorf("the cursor holds %d bytes", h)
			}
		}
		if i != 0 {
			return fmt.Errorf("backward walk stopped at %d", i)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
