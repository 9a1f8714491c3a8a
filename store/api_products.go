package store

import (
	"bytes"
	"fmt"

	"dealerportal/model"
)

// Reads the integration API needs for the ordering center's master data
// (products, categories, stock, customer prices) beyond what the pages use.

// ProductsAfter returns at most limit products whose id is above after, in
// id order — the order they were created in, which never changes, so that
// an ERP paging with the last id it saw reads every product exactly once
// even while others are added — and whether more follow. Products are
// master data: no scope applies.
func (t *Tx) ProductsAfter(after uint64, limit int) ([]*model.Product, bool, error) {
	var out []*model.Product
	c := t.b(bProducts).Cursor()
	for k, v := c.Seek(itob(after + 1)); k != nil; k, v = c.Next() {
		if len(out) == limit {
			return out, true, nil
		}
		p := &model.Product{}
		if err := jsonUnmarshal(v, p); err != nil {
			return nil, false, err
		}
		out = append(out, p)
	}
	return out, false, nil
}

func init() {
	RegisterIntegrityCheck(IntegrityCheck{Name: "external ids", Run: checkExternalIDMaps})
}

// checkExternalIDMaps checks that the two maps of external ids agree: every
// external id points at a record whose own external id it is, and back, so
// that an upsert by external id and a read showing it cannot disagree.
func checkExternalIDMaps(t *Tx) []string {
	var out []string
	n := 0
	_ = t.b(bExtIDs).ForEach(func(k, v []byte) error {
		n++
		kind, ext, _ := bytes.Cut(k, []byte{0})
		if got := t.ExternalOf(string(kind), btoi(v)); got != string(ext) {
			out = append(out, fmt.Sprintf("%s %q maps to id %d, whose external id is %q", kind, ext, btoi(v), got))
		}
		return nil
	})
	m := 0
	_ = t.b(bExtOf).ForEach(func(k, v []byte) error {
		m++
		kind, id, _ := bytes.Cut(k, []byte{0})
		if got := t.ExternalID(string(kind), string(v)); got != btoi(id) {
			out = append(out, fmt.Sprintf("%s id %d has external id %q, which maps to id %d", kind, btoi(id), v, got))
		}
		return nil
	})
	if n != m {
		out = append(out, fmt.Sprintf("%d external ids, %d records with one", n, m))
	}
	return out
}
