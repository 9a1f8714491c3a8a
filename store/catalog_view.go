package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// The catalog view: what a catalog list shows and sorts on, without
// decoding entries or products.
//
//   - catalog_summary (one compact value per entry, written by reindexEntry
//     in the transaction of every change of the entry or its product) holds,
//     besides the sort and filter fields, the row's display fields: spec,
//     unit, thumbnail, minimum and multiple, list price and whether the list
//     price is shown. A page decodes the summaries of the rows it shows and
//     nothing else of the entries and products.
//   - catalog_gen (in meta) counts the changes of catalog_summary, so that a
//     process can keep the whole catalog's sort order in memory
//     (catalogOrder) and know, in any read transaction, whether it still
//     holds: a dealer's page then walks the entries in the requested order
//     and picks those of its customer's index (customer_catalog), instead of
//     decoding and sorting every entry the customer may see.
//
// Who may see what stays in customer_catalog; effective prices are computed
// for the rows shown only (they depend on the day: price records have
// validity dates).

var keyCatalogGen = []byte("catalog_gen")

// bumpCatalogGen marks catalog_summary as changed in this transaction.
func (t *Tx) bumpCatalogGen() error {
	return t.b(bMeta).Put(keyCatalogGen, itob(btoi(t.b(bMeta).Get(keyCatalogGen))+1))
}

// summaryRowVersion marks the display fields appended to a summary value.
const summaryRowVersion = 1

// appendRow appends the display fields of s to an encoded summary.
func appendRow(b []byte, s entrySummary) []byte {
	b = append(b, summaryRowVersion)
	b = appendStr(b, s.spec)
	b = appendStr(b, s.unit)
	b = binary.BigEndian.AppendUint64(b, s.thumbID)
	b = appendStr(b, s.thumbHash)
	b = binary.BigEndian.AppendUint64(b, uint64(s.minQty))
	b = binary.BigEndian.AppendUint64(b, uint64(s.multiple))
	b = binary.BigEndian.AppendUint64(b, uint64(s.listPrice))
	var flags byte
	if s.showList {
		flags |= 1
	}
	return append(b, flags)
}

// decodeRow reads the display fields after the search text (rest); false
// when the value was written before they existed.
func decodeRow(s *entrySummary, rest []byte) bool {
	if len(rest) < 1 || rest[0] != summaryRowVersion {
		return false
	}
	rest = rest[1:]
	s.spec, rest = readStr(rest)
	s.unit, rest = readStr(rest)
	if len(rest) < 8 {
		return false
	}
	s.thumbID = binary.BigEndian.Uint64(rest)
	s.thumbHash, rest = readStr(rest[8:])
	if len(rest) < 25 {
		return false
	}
	s.minQty = model.Qty(int64(binary.BigEndian.Uint64(rest)))
	s.multiple = model.Qty(int64(binary.BigEndian.Uint64(rest[8:])))
	s.listPrice = model.Money(int64(binary.BigEndian.Uint64(rest[16:])))
	s.showList = rest[24]&1 != 0
	return true
}

// catalogOrder is the whole catalog's summaries in entry id order with the
// code and name orders, as of one catalog_gen.
type catalogOrder struct {
	gen    uint64
	rows   []entrySummary // by id
	byCode []int32        // indexes into rows, by code then id
	byName []int32        // by name then id
}

// catalogOrder returns the catalog's order as this transaction sees it:
// the process's copy when it is of this generation, else one built from
// catalog_summary (and kept when it is newer than the copy).
func (t *Tx) catalogOrder() *catalogOrder {
	gen := btoi(t.b(bMeta).Get(keyCatalogGen))
	if o := t.s.catalog.Load(); o != nil && o.gen == gen && !t.tx.Writable() {
		return o
	}
	o := &catalogOrder{gen: gen}
	c := t.b(bCatalogSummary).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		o.rows = append(o.rows, decodeEntrySummary(v))
	}
	o.byCode = make([]int32, len(o.rows))
	for i := range o.byCode {
		o.byCode[i] = int32(i)
	}
	o.byName = slices.Clone(o.byCode)
	slices.SortStableFunc(o.byCode, func(a, b int32) int { return strings.Compare(o.rows[a].code, o.rows[b].code) })
	slices.SortStableFunc(o.byName, func(a, b int32) int { return strings.Compare(o.rows[a].name, o.rows[b].name) })
	if t.tx.Writable() {
		return o // this transaction may still roll back
	}
	for {
		old := t.s.catalog.Load()
		if old != nil && old.gen >= gen || t.s.catalog.CompareAndSwap(old, o) {
			return o
		}
	}
}

// selectCatalog picks the page p of the entries sc sees that match f, in
// f's order, and counts the matches.
func (t *Tx) selectCatalog(sc Scope, f CatalogFilter, p Page) ([]*entrySummary, int) {
	var cats map[uint64]bool
	if f.CategoryID != 0 {
		cats = t.CategoryTree().Subtree(f.CategoryID)
	}
	q := strings.ToLower(strings.TrimSpace(f.Q))
	match := func(s *entrySummary) bool {
		return (cats == nil || cats[s.category]) && (q == "" || strings.Contains(s.search, q)) &&
			(f.Status == "" || s.audited == (f.Status == model.StatusAudited))
	}
	o := t.catalogOrder()
	// hit marks the rows (by index) that sc sees and f matches.
	hit := make([]bool, len(o.rows))
	total := 0
	if sc.IsStaff() {
		hidden := t.idsOutside(sc, bCatalogTargets)
		for i := range o.rows {
			if s := &o.rows[i]; !hidden[s.id] && match(s) {
				hit[i] = true
				total++
			}
		}
	} else {
		if sc.CustomerID() == 0 {
			return nil, 0
		}
		// Both the customer's index and rows are in entry id order: one pass.
		i := 0
		see := func(k []byte) {
			id := btoi(k[8:])
			for i < len(o.rows) && o.rows[i].id < id {
				i++
			}
			if i < len(o.rows) && o.rows[i].id == id {
				if s := &o.rows[i]; s.visible && match(s) {
					hit[i] = true
					total++
				}
			}
		}
		// The index is read whole: on PostgreSQL in one query
		// (prefixKeys), on bbolt with a cursor.
		prefix := itob(sc.CustomerID())
		if keys, ok := prefixKeys(t.b(bCustCatalog), prefix); ok {
			for _, k := range keys {
				see(k)
			}
		} else {
			c := t.b(bCustCatalog).Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				see(k)
			}
		}
	}
	if p.Limit < 0 || p.Offset >= total {
		return nil, total
	}
	want := total - p.Offset
	if p.Limit > 0 {
		want = min(want, p.Limit)
	}
	out := make([]*entrySummary, 0, want)
	skip := p.Offset
	take := func(i int32) bool {
		if !hit[i] {
			return true
		}
		if skip > 0 {
			skip--
			return true
		}
		out = append(out, &o.rows[i])
		return len(out) < want
	}
	walk := func(order []int32) {
		if p.Desc {
			for j := len(order) - 1; j >= 0 && take(order[j]); j-- {
			}
			return
		}
		for j := 0; j < len(order) && take(order[j]); j++ {
		}
	}
	switch f.Sort {
	case "name":
		walk(o.byName)
	case "new":
		// Newest first: id descending, the reverse of rows' order.
		desc := !p.Desc
		for j := range o.rows {
			i := int32(j)
			if desc {
				i = int32(len(o.rows) - 1 - j)
			}
			if !take(i) {
				break
			}
		}
	default:
		walk(o.byCode)
	}
	return out, total
}

// CatalogRow is one row of a catalog list as a dealer sees it, from the
// compact catalog view: display fields, stock and the effective price for
// the viewing customer (the list price for staff) at the entry's first
// order quantity.
type CatalogRow struct {
	EntryID, ProductID uint64
	// Title is the entry's title, or the product's name when it has none.
	Title, Code, Spec, Unit string
	Thumb                   *model.ProductImage
	MinQty, Multiple        model.Qty
	ShowListPrice           bool
	ListPrice               model.Money
	// Stock holds the product's quantities only (on hand, reserved).
	Stock *model.Stock
	Quote model.PriceQuote
}

// ListCatalogRows is ListCatalog for list pages: the same entries in the
// same order, each as a CatalogRow read from the catalog view (no entry or
// product is decoded).
func (t *Tx) ListCatalogRows(sc Scope, f CatalogFilter, p Page) ([]*CatalogRow, int, error) {
	t.prefetchCatalogHead(sc)
	sums, total := t.selectCatalog(sc, f, p)
	pc := t.newPricer(sc)
	out := make([]*CatalogRow, 0, len(sums))
	// Each row reads its summary, its stock and its price records: on
	// PostgreSQL two queries for the page (the price index of its
	// products, then every summary, stock and price record in one) rather
	// than three or more per row (pricer.prefetch; nothing on bbolt).
	if _, ok := t.b(bStock).(kv.Prefetcher); ok && len(sums) > 1 {
		also := make([]kv.BucketKey, 0, 2*len(sums))
		products := make([]uint64, len(sums))
		for i, s := range sums {
			also = append(also, kv.BucketKey{Bucket: bCatalogSummary, Key: itob(s.id)}, kv.BucketKey{Bucket: bStock, Key: itob(s.product)})
			products[i] = s.product
		}
		pc.prefetch(products, also)
	}
	for _, s := range sums {
		full := *s
		if !decodeRow(&full, t.summaryTail(s.id)) {
			return nil, 0, fmt.Errorf("catalog entry %d: %w (run portal check)", s.id, errOldSummary)
		}
		st := t.stockQty(s.product)
		r := &CatalogRow{EntryID: s.id, ProductID: s.product, Title: s.name, Code: s.code, Spec: full.spec, Unit: full.unit,
			MinQty: full.minQty, Multiple: full.multiple, ShowListPrice: full.showList, ListPrice: full.listPrice, Stock: st}
		if full.thumbID != 0 {
			r.Thumb = &model.ProductImage{ID: full.thumbID, Hash: full.thumbHash}
		}
		e := model.CatalogEntry{MinQty: full.minQty, Multiple: full.multiple}
		r.Quote = pc.quoteOf(s.product, full.listPrice, e.FirstQty())
		out = append(out, r)
	}
	return out, total, nil
}

var errOldSummary = fmt.Errorf("summary without display fields")

// summaryTail returns the part of an entry's summary value after the search
// text (the display fields).
func (t *Tx) summaryTail(id uint64) []byte {
	b := t.getID(t.b(bCatalogSummary), id)
	if len(b) < 25 {
		return nil
	}
	rest := b[25:]
	for range 3 { // code, name, search
		if len(rest) < 2 {
			return nil
		}
		n := int(binary.BigEndian.Uint16(rest))
		if len(rest) < 2+n {
			return nil
		}
		rest = rest[2+n:]
	}
	return rest
}

// checkCatalogIndex recomputes every entry's summary and the customer
// catalog index and reports what differs (portal check).
func checkCatalogIndex(t *Tx) []string {
	var out []string
	want := map[string]bool{}
	cur := t.b(bCatalog).Cursor()
	n := 0
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		n++
		e := &model.CatalogEntry{}
		if err := jsonUnmarshal(v, e); err != nil {
			out = append(out, fmt.Sprintf("entry %d: %v", btoi(k), err))
			continue
		}
		p, err := t.product(e.ProductID)
		if err != nil {
			out = append(out, fmt.Sprintf("entry %d: product %d: %v", e.ID, e.ProductID, err))
			continue
		}
		sum := summarize(e, p)
		if got := t.b(bCatalogSummary).Get(itob(e.ID)); !bytes.Equal(got, encodeSummary(sum)) {
			out = append(out, fmt.Sprintf("entry %d: catalog summary differs", e.ID))
		}
		for id := range t.coverage(e, sum.visible) {
			want[string(key(id, e.ID))] = true
		}
	}
	if m := t.b(bCatalogSummary).Stats().KeyN; m != n {
		out = append(out, fmt.Sprintf("catalog summary has %d rows for %d entries", m, n))
	}
	extra := 0
	c := t.b(bCustCatalog).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if want[string(k)] {
			delete(want, string(k))
		} else {
			extra++
		}
	}
	if extra > 0 || len(want) > 0 {
		out = append(out, fmt.Sprintf("customer catalog index: %d rows too many, %d missing", extra, len(want)))
	}
	return out
}

func init() {
	RegisterIntegrityCheck(IntegrityCheck{Name: "catalog index", Run: checkCatalogIndex})
}

// migrateCatalogView writes the display fields into every entry's summary
// (files written before the catalog view).
func migrateCatalogView(btx kv.Tx) error {
	t := &Tx{tx: btx}
	if t.b(bCatalog) == nil || t.b(bCatalogSummary) == nil {
		return nil // a file from before the catalog: migration 1 made none yet
	}
	c := t.b(bCatalog).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		e := &model.CatalogEntry{}
		if err := jsonUnmarshal(v, e); err != nil {
			return fmt.Errorf("entry %d: %w", btoi(k), err)
		}
		p, err := t.product(e.ProductID)
		if err != nil {
			return fmt.Errorf("entry %d: product %d: %w", e.ID, e.ProductID, err)
		}
		if err := t.b(bCatalogSummary).Put(itob(e.ID), encodeSummary(summarize(e, p))); err != nil {
			return err
		}
	}
	return t.bumpCatalogGen()
}

// refreshCatalogSummary rewrites the summary of p's catalog entry after a
// change that alters only what lists show (its images), not who sees it.
func (t *Tx) refreshCatalogSummary(p *model.Product) error {
	eid := btoi(t.b(bCatalogByProduct).Get(itob(p.ID)))
	if eid == 0 {
		return nil
	}
	e, err := t.catalogEntry(eid)
	if err != nil {
		return err
	}
	if err := t.b(bCatalogSummary).Put(itob(eid), encodeSummary(summarize(e, p))); err != nil {
		return err
	}
	return t.bumpCatalogGen()
}

// stockQty reads only the quantities of a product's stock record (a missing
// record is zero stock).
func (t *Tx) stockQty(productID uint64) *model.Stock {
	var q struct {
		OnHand   model.Qty `json:"on_hand"`
		Reserved model.Qty `json:"reserved"`
	}
	if v := t.getID(t.b(bStock), productID); v != nil {
		_ = jsonUnmarshal(v, &q)
	}
	return &model.Stock{ProductID: productID, OnHand: q.OnHand, Reserved: q.Reserved}
}
