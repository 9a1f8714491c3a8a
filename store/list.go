package store

import (
	"bytes"

	bolt "go.etcd.io/bbolt"
)

// Page asks for one page of a list: Offset rows skipped, at most Limit rows
// (0: all rows, negative: count only).
type Page struct {
	Offset int
	Limit  int
	Desc   bool
	// After continues a newest-first document list below this id (keyset
	// paging: deep pages cost what the first does).
	After uint64
}

// scanIndex walks an index bucket in key order (reverse when desc) over the
// keys starting with prefix, counts the entries that match, and returns the
// values of those on the requested page. match sees the key and value without
// decoding the record, so a page costs one pass over the index and one record
// decode per row shown. Keys and values returned are copies.
func scanIndex(b *bolt.Bucket, prefix []byte, p Page, match func(k, v []byte) bool) (vals [][]byte, total int) {
	c := b.Cursor()
	var k, v []byte
	if p.Desc {
		if len(prefix) == 0 {
			k, v = c.Last()
		} else {
			k, v = seekLast(c, prefix)
		}
	} else {
		k, v = c.Seek(prefix)
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = step(c, p.Desc) {
		if match != nil && !match(k, v) {
			continue
		}
		if total >= p.Offset && (p.Limit == 0 || p.Limit > 0 && len(vals) < p.Limit) {
			vals = append(vals, bytes.Clone(v))
		}
		total++
	}
	return vals, total
}

func step(c *bolt.Cursor, desc bool) ([]byte, []byte) {
	if desc {
		return c.Prev()
	}
	return c.Next()
}

// seekLast positions c on the last key with prefix.
func seekLast(c *bolt.Cursor, prefix []byte) ([]byte, []byte) {
	end := append(bytes.Clone(prefix), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	if k, _ := c.Seek(end); k == nil {
		return c.Last()
	}
	return c.Prev()
}
