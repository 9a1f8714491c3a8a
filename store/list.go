package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"
	"sync"

	"dealerportal/model"
	"dealerportal/store/kv"
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
func scanIndex(b kv.Bucket, prefix []byte, p Page, match func(k, v []byte) bool) (vals [][]byte, total int) {
	c, k, v := firstUnder(b, prefix, p.Desc)
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

func step(c kv.Cursor, desc bool) ([]byte, []byte) {
	if desc {
		return c.Prev()
	}
	return c.Next()
}

// firstUnder returns a cursor over the keys under prefix (kv.PrefixCursor:
// on PostgreSQL its batches end at the prefix, so the walk reads no other
// customer's rows and the process read cache keeps them while only other
// customers' keys change), on the first of them, or the last when desc.
func firstUnder(b kv.Bucket, prefix []byte, desc bool) (kv.Cursor, []byte, []byte) {
	c := kv.PrefixCursor(b, prefix)
	if desc {
		k, v := c.Last()
		return c, k, v
	}
	k, v := c.First()
	return c, k, v
}

// seekLast positions c on the last key with prefix.
func seekLast(c kv.Cursor, prefix []byte) ([]byte, []byte) {
	end := append(bytes.Clone(prefix), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	if k, _ := c.Seek(end); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// listCache is what the document lists keep between requests, bounded and
// never trusted beyond what a reader can check in its own snapshot:
//   - derived: values a list derives from a stored record (a customer's
//     label, an online order's sales order), each with a copy of the record
//     it came from: a lookup compares the stored bytes, so a changed record
//     is decoded afresh and nothing needs invalidating (at most
//     maxDerived records, a few hundred bytes each);
//   - anchors: the page anchors of deep list pages (docs_anchors.go).
type listCache struct {
	mu      sync.Mutex
	derived map[string]*derivedValue
	anchors map[anchorKey]*anchorSet
}

// maxDerived bounds the records whose derived values are kept.
const maxDerived = 4096

type derivedValue struct {
	raw []byte // the stored record the value was made from
	val any
}

// derive returns what make derives from the record under k in bucket,
// decoding it only when its bytes differ from the last time;
// model.ErrNotFound when there is none.
func (t *Tx) derive(bucket, k []byte, make func(v []byte) (any, error)) (any, error) {
	v := t.b(bucket).Get(k)
	if v == nil {
		return nil, model.ErrNotFound
	}
	ck := string(bucket) + "\x00" + string(k)
	lc := &t.s.lists
	lc.mu.Lock()
	e := lc.derived[ck]
	lc.mu.Unlock()
	if e != nil && bytes.Equal(e.raw, v) {
		return e.val, nil
	}
	val, err := make(v)
	if err != nil {
		return nil, err
	}
	lc.mu.Lock()
	if lc.derived == nil {
		lc.derived = map[string]*derivedValue{}
	}
	if len(lc.derived) >= maxDerived {
		for k := range lc.derived { // drop one at random
			delete(lc.derived, k)
			break
		}
	}
	lc.derived[ck] = &derivedValue{raw: bytes.Clone(v), val: val}
	lc.mu.Unlock()
	return val, nil
}

type custLabel struct {
	c     model.Customer // ID, OrgUnitID and SalespersonID only (Scope.allows)
	label string
}

// CustomerLabel returns "code name" of customer id for lists; false when
// there is none or it lies outside sc. A customer whose record has not
// changed since it was last named is not decoded again.
func (t *Tx) CustomerLabel(sc Scope, id uint64) (string, bool) {
	val, err := t.derive(bCustomers, itob(id), func(v []byte) (any, error) {
		c := &model.Customer{}
		if err := decodeRecord(v, c); err != nil {
			return nil, err
		}
		return &custLabel{label: c.Code + " " + c.Name,
			c: model.Customer{ID: c.ID, OrgUnitID: c.OrgUnitID, SalespersonID: c.SalespersonID}}, nil
	})
	if err != nil {
		return "", false
	}
	e := val.(*custLabel)
	if !sc.allows(&e.c) {
		return "", false
	}
	return e.label, true
}

// OnlineOrderExecution is OnlineExecution of online order id for a list
// row: how far its sales order got; false when sc may not see the order.
// The order is decoded only when it changed since the last time.
func (t *Tx) OnlineOrderExecution(sc Scope, id uint64) (string, bool) {
	if _, err := t.DocOwner(sc, docOnlineOrder, id); err != nil {
		return "", false
	}
	val, err := t.derive(t.docB(docOnlineOrder).main, itob(id), func(v []byte) (any, error) {
		o := &struct {
			SalesOrderID uint64 `json:"sales_order_id"`
		}{}
		err := decodeRecord(v, o)
		return o.SalesOrderID, err
	})
	if err != nil {
		return "", false
	}
	return t.OnlineExecution(&model.OnlineOrder{SalesOrderID: val.(uint64)}), true
}

// scanDocSummaries is ListDocs for a filter that needs every candidate's
// summary (a search, dates, a flag) over all customers in scope (scopeIDs;
// nil: every customer): it reads the summaries in storage order (a
// customer's documents together) rather than one lookup per id, matches
// them in place, keeps the ids of the newest Offset+Limit matches and
// decodes only the rows of the page. The total is every match, or -1
// after a keyset cursor (as ListDocs says).
func (t *Tx) scanDocSummaries(b docBuckets, scopeIDs []uint64, statuses map[model.Status]bool,
	match func(k, v []byte) (bool, error), p Page) ([]model.DocSummary, int, error) {
	keep := p.Offset + p.Limit
	if p.Limit <= 0 {
		keep = 0 // every match
	}
	var sel docKeyHeap
	total := 0
	c := t.b(b.cust).Cursor()
	scan := func(prefix []byte) error {
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(k) != 16 {
				return errBadSummary
			}
			id := btoi(k[8:])
			if p.After != 0 && id >= p.After {
				continue
			}
			if len(statuses) > 0 {
				st := rawStatus(v)
				if st == nil {
					st = []byte(summaryStatus(v))
				}
				if !statuses[model.Status(st)] {
					continue
				}
			}
			ok, err := match(k, v)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			total++
			sel.offer(docKey{btoi(k[:8]), id}, keep)
		}
		return nil
	}
	if scopeIDs == nil {
		if err := scan(nil); err != nil {
			return nil, 0, err
		}
	} else {
		for _, cust := range scopeIDs {
			if err := scan(itob(cust)); err != nil {
				return nil, 0, err
			}
		}
	}
	keys := sel.newestFirst()
	if p.Offset >= len(keys) {
		keys = nil
	} else {
		keys = keys[p.Offset:]
	}
	var rows []model.DocSummary // nil when none, as ListDocs
	if len(keys) > 0 {
		rows = make([]model.DocSummary, 0, len(keys))
	}
	sums := t.b(b.cust)
	k := make([]byte, 16) // one buffer: a key given to the seam's Get escapes
	for _, dk := range keys {
		binary.BigEndian.PutUint64(k, dk.cust)
		binary.BigEndian.PutUint64(k[8:], dk.id)
		s, err := decodeDocSummary(k, sums.Get(k))
		if err != nil {
			return nil, 0, err
		}
		rows = append(rows, s)
	}
	if p.After != 0 {
		total = -1
	}
	return rows, total, nil
}

type docKey struct{ cust, id uint64 }

// docKeyHeap keeps the newest (highest id) documents offered: a min-heap on
// the id, at most n of them (n 0: all).
type docKeyHeap []docKey

func (h *docKeyHeap) offer(k docKey, n int) {
	s := *h
	if n > 0 && len(s) == n {
		if k.id <= s[0].id {
			return
		}
		s[0] = k
		s.down(0)
		return
	}
	s = append(s, k)
	for i := len(s) - 1; i > 0; { // up
		parent := (i - 1) / 2
		if s[parent].id <= s[i].id {
			break
		}
		s[parent], s[i] = s[i], s[parent]
		i = parent
	}
	*h = s
}

func (h docKeyHeap) down(i int) {
	for {
		l, m := 2*i+1, i
		if l < len(h) && h[l].id < h[m].id {
			m = l
		}
		if r := l + 1; r < len(h) && h[r].id < h[m].id {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// newestFirst returns the kept documents by id, newest first.
func (h docKeyHeap) newestFirst() []docKey {
	out := []docKey(h)
	slices.SortFunc(out, func(a, b docKey) int { return cmp.Compare(b.id, a.id) })
	return out
}
