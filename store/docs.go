package store

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sort"
	"strings"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// Business documents (orders, outbounds, invoices, complaints…) share one
// storage mechanism. For a document type T:
//   - doc:T           id → the document (compressed JSON, codec.go): ids
//     increase, so the documents a group commit adds append to the same
//     last page instead of dirtying one page per customer (schema 15;
//     customerID|id before);
//   - doc:T:cust      customerID|id → its DocSummary (binary, docsum.go: a
//     dealer's list, and the rows of every list);
//   - doc:T:all       id → customerID|status (staff lists in id order, and
//     finding the owner of an id without decoding anything);
//   - doc:T:count     customerID|status → how many (totals without scans);
//     customer 0 holds the totals of every customer (staff lists).
// The summary is stored once: staff lists walk doc:T:all, filter on the
// owner and status it holds, and read the summaries of the rows they show.
// Every read goes through the caller's Scope, checked against the owner in
// doc:T:all (never a customer taken from the request): another customer's
// document is model.ErrNotFound.

type docBuckets struct{ main, cust, all, count []byte }

var docKinds = map[model.DocType]docBuckets{}

// RegisterDocType declares a document type's buckets (created at Open). Call
// it from a package-level var or init in the module's store file.
func RegisterDocType(kind model.DocType) model.DocType {
	name := "doc:" + string(kind)
	b := docBuckets{[]byte(name), []byte(name + ":cust"), []byte(name + ":all"), []byte(name + ":count")}
	docKinds[kind] = b
	for _, n := range []string{name, name + ":cust", name + ":all"} {
		fillPercent[n] = 1.0
	}
	allBuckets = append(allBuckets, b.main, b.cust, b.all, b.count)
	return kind
}

func (t *Tx) docB(kind model.DocType) docBuckets {
	b, ok := docKinds[kind]
	if !ok {
		panic("store: unregistered document type " + string(kind))
	}
	return b
}

// docOwner reads the owner and status of document id from doc:T:all;
// ErrNotFound when there is none.
func (t *Tx) docOwner(kind model.DocType, id uint64) (uint64, model.Status, error) {
	cust, st, ok := decodeOwner(t.b(t.docB(kind).all).Get(itob(id)))
	if !ok {
		return 0, "", model.ErrNotFound
	}
	return cust, st, nil
}

func (t *Tx) summaryOf(kind model.DocType, id uint64) (*model.DocSummary, error) {
	cust, _, err := t.docOwner(kind, id)
	if err != nil {
		return nil, err
	}
	k := key(cust, id)
	s, err := decodeDocSummary(k, t.b(t.docB(kind).cust).Get(k))
	return &s, err
}

// DocOwner returns the customer of document id when sc may see it;
// ErrNotFound otherwise.
func (t *Tx) DocOwner(sc Scope, kind model.DocType, id uint64) (uint64, error) {
	cust, _, err := t.docOwner(kind, id)
	if err != nil {
		return 0, err
	}
	if !t.AllowsCustomer(sc, cust) {
		return 0, model.ErrNotFound
	}
	return cust, nil
}

// GetDoc reads document id of kind into d when sc may see it; ErrNotFound
// otherwise.
func (t *Tx) GetDoc(sc Scope, kind model.DocType, id uint64, d model.Document) error {
	if _, err := t.DocOwner(sc, kind, id); err != nil {
		return err
	}
	return getJSON(t.b(t.docB(kind).main), itob(id), d)
}

// eachDocValue calls fn with the owner, id and stored value of every
// document of kind in id order (nothing when the type is not registered).
// The owner comes from doc:T:all, walked beside the documents; a document
// without an owner row has owner 0 (portal check reports it).
func (t *Tx) eachDocValue(kind model.DocType, fn func(cust, id uint64, v []byte) error) error {
	b, ok := docKinds[kind]
	if !ok {
		return nil
	}
	main := t.b(b.main)
	if main == nil {
		return nil
	}
	ac := t.b(b.all).Cursor()
	ak, av := ac.First()
	return main.ForEach(func(k, v []byte) error {
		id := btoi(k)
		for ak != nil && btoi(ak) < id {
			ak, av = ac.Next()
		}
		var cust uint64
		if ak != nil && btoi(ak) == id {
			cust, _, _ = decodeOwner(av)
		}
		return fn(cust, id, v)
	})
}

// InsertDoc stores a new document: a new id, the next number of its type
// (unless it has one), Meta stamped, indexes and counts written. The owner
// customer must lie in sc.
func (t *Tx) InsertDoc(sc Scope, kind model.DocType, d model.Document) error {
	return t.insertDoc(sc, kind, d, nil)
}

// docRecord returns the stored value of a new document once its id and
// number are known (a record prepared before the transaction, codec.go's
// preRecord); nil: encode the document as it stands.
type docRecord func(id uint64, number string) []byte

// insertDoc is InsertDoc with the document's value from enc when given.
func (t *Tx) insertDoc(sc Scope, kind model.DocType, d model.Document, enc docRecord) (err error) {
	id0, meta0, hdr0 := d.DocID(), *d.GetMeta(), *d.Header()
	defer func() {
		if err != nil {
			d.SetDocID(id0)
			*d.GetMeta() = meta0
			*d.Header() = hdr0
		}
	}()
	if !t.AllowsCustomer(sc, d.Owner()) {
		return model.ErrNotFound
	}
	b := t.docB(kind)
	id, err := nextID(t.b(b.main))
	if err != nil {
		return err
	}
	d.SetDocID(id)
	t.stamp(d)
	if h := d.Header(); h.Number == "" {
		if h.Number, err = t.NextDocNumber(kind, t.Zone()); err != nil {
			return err
		}
	}
	var data []byte
	if enc != nil {
		data = enc(id, d.Header().Number)
	}
	return t.writeDocData(kind, d, nil, data)
}

// UpdateDoc writes a changed document with optimistic locking: its Version
// must be the stored one (else a ConflictError naming who changed it). The
// owner cannot change.
func (t *Tx) UpdateDoc(sc Scope, kind model.DocType, d model.Document) (err error) {
	meta0 := *d.GetMeta()
	defer func() {
		if err != nil {
			*d.GetMeta() = meta0
		}
	}()
	cust, status, err := t.docOwner(kind, d.DocID())
	if err != nil || !t.AllowsCustomer(sc, cust) {
		return model.ErrNotFound
	}
	if cust != d.Owner() {
		return model.ErrNotAllowed
	}
	stored := &storedMeta{}
	if err := getJSON(t.b(t.docB(kind).main), itob(d.DocID()), stored); err != nil {
		return err
	}
	if err := t.checkVersion(stored, d); err != nil {
		return err
	}
	return t.writeDoc(kind, d, &model.DocSummary{CustomerID: cust, Status: status})
}

// storedMeta reads only the Meta of a stored document.
type storedMeta struct{ model.Meta }

func (t *Tx) writeDoc(kind model.DocType, d model.Document, old *model.DocSummary) error {
	return t.writeDocData(kind, d, old, nil)
}

// writeDocData writes d with its indexes; data is d's stored value when
// already encoded (nil: encode d).
func (t *Tx) writeDocData(kind model.DocType, d model.Document, old *model.DocSummary, data []byte) error {
	b := t.docB(kind)
	s := d.Summarize()
	s.ID, s.CustomerID, s.Number = d.DocID(), d.Owner(), d.Header().Number
	s.Text = strings.ToLower(s.Number + "\x1f" + s.Text)
	k := key(s.CustomerID, s.ID)
	if err := t.bumpDocGen(kind); err != nil {
		return err
	}
	if old != nil {
		if err := t.addCount(b, old.CustomerID, old.Status, -1); err != nil {
			return err
		}
	}
	if err := t.addCount(b, s.CustomerID, s.Status, 1); err != nil {
		return err
	}
	if err := t.b(b.cust).Put(k, encodeDocSummary(&s)); err != nil {
		return err
	}
	if err := t.b(b.all).Put(itob(s.ID), encodeOwner(s.CustomerID, s.Status)); err != nil {
		return err
	}
	if data != nil {
		if err := t.b(b.main).Put(itob(s.ID), data); err != nil {
			return err
		}
	} else if err := putRecord(t.b(b.main), itob(s.ID), d); err != nil {
		return err
	}
	return t.runDocHooks(kind, s.CustomerID, s.ID, d)
}

// DocHook keeps a module's own index of a document type in step with the
// stored documents: it runs in the writing transaction after every insert
// or update (d set) and delete (d nil) of that type.
type DocHook func(t *Tx, cust, id uint64, d model.Document) error

var docHooks = map[model.DocType][]DocHook{}

// RegisterDocHook adds a hook for kind; call it from init or a package var.
func RegisterDocHook(kind model.DocType, h DocHook) { docHooks[kind] = append(docHooks[kind], h) }

func (t *Tx) runDocHooks(kind model.DocType, cust, id uint64, d model.Document) error {
	for _, h := range docHooks[kind] {
		if err := h(t, cust, id, d); err != nil {
			return err
		}
	}
	return nil
}

// DeleteDoc removes a document (only drafts should be deletable: the caller
// decides) after checking scope and version.
func (t *Tx) DeleteDoc(sc Scope, kind model.DocType, id, version uint64) error {
	cust, status, err := t.docOwner(kind, id)
	if err != nil || !t.AllowsCustomer(sc, cust) {
		return model.ErrNotFound
	}
	b := t.docB(kind)
	k := key(cust, id)
	stored := &storedMeta{}
	if err := getJSON(t.b(b.main), itob(id), stored); err != nil {
		return err
	}
	if stored.Version != version {
		return &model.ConflictError{By: stored.UpdatedBy, At: stored.UpdatedAt}
	}
	if err := t.bumpDocGen(kind); err != nil {
		return err
	}
	if err := t.addCount(b, cust, status, -1); err != nil {
		return err
	}
	for _, del := range []struct {
		bk []byte
		k  []byte
	}{{b.main, itob(id)}, {b.cust, k}, {b.all, itob(id)}} {
		if err := t.b(del.bk).Delete(del.k); err != nil {
			return err
		}
	}
	return t.runDocHooks(kind, cust, id, nil)
}

func countKey(cust uint64, st model.Status) []byte { return append(itob(cust), st...) }

// addCount moves the count of a customer's documents in a status, and the
// total of all customers (customer 0), by d.
func (t *Tx) addCount(b docBuckets, cust uint64, st model.Status, d int64) error {
	bk := t.b(b.count)
	keys := [2][]byte{countKey(cust, st), countKey(0, st)}
	if p, ok := bk.(kv.Prefetcher); ok { // PostgreSQL: both counts in one query
		p.Prefetch([][]byte{keys[0], keys[1]})
	}
	for _, k := range keys {
		n := int64(btoi(bk.Get(k))) + d
		var err error
		if n <= 0 {
			err = bk.Delete(k)
		} else {
			err = bk.Put(k, itob(uint64(n)))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// CountDocs returns how many documents of kind in sc have one of statuses
// (all statuses when none given), from the maintained counts.
func (t *Tx) CountDocs(sc Scope, kind model.DocType, statuses ...model.Status) int {
	counts := t.docCounts(sc, kind)
	n := 0
	if len(statuses) == 0 {
		for _, c := range counts {
			n += c
		}
		return n
	}
	for i, s := range statuses {
		if !slices.Contains(statuses[:i], s) {
			n += counts[s]
		}
	}
	return n
}

// scopedCounts are the counts of one document type per status in a scope,
// kept by a read-only transaction: a page asks for several statuses (the
// tabs, the home tiles) and each would walk the same counts again.
type scopedCounts struct {
	kind model.DocType
	sc   Scope
	n    map[model.Status]int
}

// docCounts returns the counts per status of kind in sc.
func (t *Tx) docCounts(sc Scope, kind model.DocType) map[model.Status]int {
	ro := !t.tx.Writable()
	if ro {
		for _, c := range t.counts {
			if c.kind == kind && c.sc.same(sc) {
				return c.n
			}
		}
	}
	b := t.docB(kind)
	n := map[model.Status]int{}
	// Several customers: one cursor over them in id order (on PostgreSQL
	// its seeks read on through the rows it fetched instead of a query per
	// customer). One customer (a dealer, or the totals): a cursor over its
	// keys only (kv.PrefixCursor: no other customer's rows read, so
	// PostgreSQL's read cache keeps them while other customers' change).
	bk := t.b(b.count)
	count := func(c kv.Cursor, prefix []byte) {
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			n[model.Status(k[8:])] += int(btoi(v))
		}
	}
	if sc.CoversEveryone() {
		count(kv.PrefixCursor(bk, itob(0)), itob(0)) // the totals (staff of the org root see every customer too)
	} else {
		ids := t.CustomerIDs(sc) // the caller's own copy
		slices.Sort(ids)
		if len(ids) == 1 {
			count(kv.PrefixCursor(bk, itob(ids[0])), itob(ids[0]))
		} else {
			c := bk.Cursor()
			for _, id := range ids {
				count(c, itob(id))
			}
		}
	}
	if ro {
		t.counts = append(t.counts, &scopedCounts{kind: kind, sc: sc, n: n})
	}
	return n
}

// DocFilter narrows a document list. Zero fields do not filter.
type DocFilter struct {
	CustomerID uint64
	Statuses   []model.Status
	From, To   string // YYYY-MM-DD, inclusive
	Q          string
	Flag       string
}

func (f DocFilter) onlyStatus() bool { return f.From == "" && f.To == "" && f.Q == "" && f.Flag == "" }

// ListDocs returns one page of document summaries in sc matching f, newest
// first (oldest first with p.Desc false is not offered: documents list by
// recency), and how many match. A page after a given id (p.After, for "next"
// links) starts there without skipping rows, so deep pages cost no more than
// the first; totals of unfiltered or status-filtered lists come from the
// maintained counts.
func (t *Tx) ListDocs(sc Scope, kind model.DocType, f DocFilter, p Page) ([]model.DocSummary, int, error) {
	b := t.docB(kind)
	statuses := map[model.Status]bool{}
	for _, s := range f.Statuses {
		statuses[s] = true
	}
	q := strings.ToLower(strings.TrimSpace(f.Q))
	match := func(s *model.DocSummary) bool {
		return (len(statuses) == 0 || statuses[s.Status]) &&
			(f.From == "" || s.Date >= f.From) && (f.To == "" || s.Date <= f.To) &&
			(q == "" || strings.Contains(s.Text, q)) && (f.Flag == "" || s.Flag == f.Flag)
	}
	qb, from, to, flag := []byte(q), []byte(f.From), []byte(f.To), []byte(f.Flag)
	// matchStored filters a stored summary in place (docsum.go); a JSON one
	// (or a query holding the separator) is decoded.
	matchStored := func(k, v []byte) (bool, error) {
		r, ok := peekSummary(v)
		if !ok || strings.Contains(q, "\x1f") {
			s, err := decodeDocSummary(k, v)
			return err == nil && match(&s), err
		}
		return (len(from) == 0 || bytes.Compare(r.date, from) >= 0) && (len(to) == 0 || bytes.Compare(r.date, to) <= 0) &&
			(len(qb) == 0 || r.contains(qb)) && (len(flag) == 0 || bytes.Equal(r.flag, flag)), nil
	}
	var bucket kv.Bucket
	var prefix []byte
	var inScope func(cust uint64) bool
	var scopeIDs []uint64 // nil: every customer
	cust := f.CustomerID
	if sc.CustomerID() != 0 {
		if cust != 0 && cust != sc.CustomerID() {
			return nil, 0, nil
		}
		cust = sc.CustomerID()
	}
	onlyStatus := f.onlyStatus()
	if cust != 0 {
		if !t.AllowsCustomer(sc, cust) {
			return nil, 0, nil
		}
		bucket, prefix = t.b(b.cust), itob(cust)
	} else {
		if !sc.CoversEveryone() { // org-root staff: every customer, like an admin
			scopeIDs = t.CustomerIDs(sc)
		}
		if !onlyStatus {
			// A search or a date or flag filter reads every candidate's
			// summary: read them in storage order (list.go).
			return t.scanDocSummaries(b, scopeIDs, statuses, matchStored, p)
		}
		bucket = t.b(b.all)
		if scopeIDs != nil {
			set := make(map[uint64]bool, len(scopeIDs))
			for _, id := range scopeIDs {
				set[id] = true
			}
			inScope = func(c uint64) bool { return set[c] }
		}
	}
	// A page number typed deep into a list starts from a page anchor
	// (docs_anchors.go) instead of walking every row before it.
	var anchors *docAnchors
	known, pos := 0, 0
	if onlyStatus && p.After == 0 && p.Offset >= anchorEvery {
		if anchors = t.anchorsFor(anchorKeyOf(kind, cust, f.Statuses, scopeIDs), scopeIDs); anchors != nil {
			known = len(anchors.ids)
		}
	}
	var rows []model.DocSummary
	// A cursor over the prefix (kv.PrefixCursor; the whole bucket for
	// staff): its Last is the newest document.
	c := kv.PrefixCursor(bucket, prefix)
	var k, v []byte
	switch {
	case p.After != 0:
		k, _ = c.Seek(append(bytes.Clone(prefix), itob(p.After)...))
		if k != nil && bytes.HasPrefix(k, prefix) {
			k, v = c.Prev()
		} else {
			k, v = c.Last()
			for k != nil && bytes.HasPrefix(k, prefix) && btoi(k[len(prefix):]) >= p.After {
				k, v = c.Prev()
			}
		}
	case anchors != nil:
		var id uint64
		if pos, id = anchors.start(p.Offset); pos > 0 {
			want := append(bytes.Clone(prefix), itob(id)...)
			if k, v = c.Seek(want); !bytes.Equal(k, want) { // cannot be: the set is of this generation
				pos, anchors = 0, nil
				k, v = c.Last()
			}
		} else {
			k, v = c.Last()
		}
	default:
		k, v = c.Last()
	}
	// Rows are filtered on the owner and status without decoding (both
	// are in doc:T:all, the status at the front of a summary); only the
	// rows a page shows are decoded, unless the filter needs the summary.
	sums := t.b(b.cust)
	skipped, total := pos, pos
	full := p.Limit <= 0
	var kbuf [16]byte
	// The page's rows whose summaries are still to read (an index walk of
	// all customers): read together after the walk, which on PostgreSQL
	// is one query instead of one per row (kv.Prefetch).
	var later [][]byte
	var laterAt []int
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		var ck, sv, st []byte // the summary's key, value and status
		if cust != 0 {
			ck, sv, st = k, v, rawStatus(v)
			if st == nil { // a JSON summary
				st = []byte(summaryStatus(v))
			}
		} else {
			if len(v) < 8 {
				return nil, 0, errBadSummary
			}
			owner := btoi(v)
			if inScope != nil && !inScope(owner) {
				continue
			}
			binary.BigEndian.PutUint64(kbuf[:8], owner)
			copy(kbuf[8:], k)
			ck, st = kbuf[:], v[8:]
		}
		if len(statuses) > 0 && !statuses[model.Status(st)] {
			continue
		}
		if !onlyStatus {
			if sv == nil {
				sv = sums.Get(ck)
			}
			ok, err := matchStored(ck, sv)
			if err != nil {
				return nil, 0, err
			}
			if !ok {
				continue
			}
		}
		if anchors != nil {
			anchors.at(total, btoi(k[len(prefix):]))
		}
		total++
		if skipped < p.Offset {
			skipped++
			continue
		}
		if full || len(rows) < p.Limit {
			if sv == nil {
				later, laterAt = append(later, bytes.Clone(ck)), append(laterAt, len(rows))
				rows = append(rows, model.DocSummary{})
				continue
			}
			s, err := decodeDocSummary(ck, sv)
			if err != nil {
				return nil, 0, err
			}
			rows = append(rows, s)
			continue
		}
		if onlyStatus {
			break // the total comes from the counts
		}
	}
	if anchors != nil && len(anchors.ids) > known {
		anchors.keep()
	}
	kv.Prefetch(sums, later)
	for i, ck := range later {
		s, err := decodeDocSummary(ck, sums.Get(ck))
		if err != nil {
			return nil, 0, err
		}
		rows[laterAt[i]] = s
	}
	if cust == 0 && len(rows) > 1 {
		// Staff lists name each row's customer (CustomerLabel).
		custs := make([][]byte, 0, len(rows))
		for _, r := range rows {
			custs = append(custs, itob(r.CustomerID))
		}
		kv.Prefetch(t.b(bCustomers), custs)
	}
	if onlyStatus {
		total = t.countFor(sc, kind, cust, f.Statuses)
	} else if p.After != 0 {
		total = -1 // unknown after a cursor: the pager shows no total
	}
	return rows, total, nil
}

func (t *Tx) countFor(sc Scope, kind model.DocType, cust uint64, statuses []model.Status) int {
	if cust != 0 {
		return t.CountDocs(CustomerScope(cust), kind, statuses...)
	}
	return t.CountDocs(sc, kind, statuses...)
}

// SortDocSummaries orders summaries by date then id, newest first (for
// modules that merge several document types in one list).
func SortDocSummaries(rows []model.DocSummary) {
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Date != rows[j].Date {
			return rows[i].Date > rows[j].Date
		}
		return rows[i].ID > rows[j].ID
	})
}
