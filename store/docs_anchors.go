package store

import (
	"slices"
	"strings"

	"dealerportal/model"
)

// Page anchors make a page number typed into a document list's URL
// (?page=1000) cheap. bbolt has no positional seek, so an offset walks every
// row before it; the walk records, every anchorEvery rows, the id of the row
// at that position, per list (document type, customer filter, scope's
// customers, status filter). The next deep page of the same list seeks to
// the anchor at or before its offset and walks fewer than anchorEvery rows.
//
// Anchors are kept in memory only, for one generation of the document
// type: docgen:<type> in meta counts the writes of that type (bumped by
// every insert, update and delete, in the writing transaction, like
// catalog_gen), and a reader uses a set only when it was walked at the
// generation its own snapshot holds. So a reader never uses anchors of
// another state of the list, in this process or, with several processes on
// one database, in any; after a write the next deep page walks (and records)
// again, costing what it cost before anchors. A write transaction neither
// uses nor keeps anchors (it may roll back). Bounded: at most maxAnchorSets
// lists, each one id per anchorEvery rows (8 bytes per 64 documents:
// 25 KB for 200,000).

const (
	anchorEvery   = 64
	maxAnchorSets = 64
)

type anchorKey struct {
	kind     model.DocType
	cust     uint64 // the customer filter (a prefix of doc:T:cust), or 0
	statuses string // the status filter, sorted
	scope    uint64 // a hash of the scope's customers (0: every customer)
}

type anchorSet struct {
	gen      uint64   // the document type's generation walked
	scopeIDs []uint64 // the scope's customers (nil: every customer)
	ids      []uint64 // ids[i]: the id of the row at position (i+1)*anchorEvery
}

// docGenKey is the meta key of a document type's write generation.
func docGenKey(kind model.DocType) []byte { return []byte("docgen:" + string(kind)) }

// bumpDocGen marks documents of kind as changed in this transaction.
func (t *Tx) bumpDocGen(kind model.DocType) error {
	k := docGenKey(kind)
	return t.b(bMeta).Put(k, itob(btoi(t.b(bMeta).Get(k))+1))
}

// docAnchors is the recorder of one list read: the anchors known for the
// reader's generation and the ones its walk adds.
type docAnchors struct {
	t   *Tx
	key anchorKey
	gen uint64
	ids []uint64 // known, then extended by the walk
	set []uint64 // the scope's customers, nil for every customer
}

func anchorKeyOf(kind model.DocType, cust uint64, statuses []model.Status, scopeIDs []uint64) anchorKey {
	st := make([]string, len(statuses))
	for i, s := range statuses {
		st[i] = string(s)
	}
	slices.Sort(st)
	k := anchorKey{kind: kind, cust: cust, statuses: strings.Join(slices.Compact(st), "\x1f")}
	if scopeIDs != nil {
		h := uint64(14695981039346656037) // FNV-1a over the ids
		for _, id := range scopeIDs {
			h = (h ^ id) * 1099511628211
		}
		k.scope = h | 1
	}
	return k
}

// anchorsFor returns the recorder of a list read in t, with the anchors
// of the set walked at t's generation, if any; nil in a write transaction.
func (t *Tx) anchorsFor(key anchorKey, scopeIDs []uint64) *docAnchors {
	if t.tx.Writable() {
		return nil
	}
	a := &docAnchors{t: t, key: key, gen: btoi(t.b(bMeta).Get(docGenKey(key.kind))), set: scopeIDs}
	lc := &t.s.lists
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if s := lc.anchors[key]; s != nil && s.gen == a.gen && slices.Equal(s.scopeIDs, scopeIDs) {
		a.ids = s.ids // kept clipped: the walk's appends copy it
	}
	return a
}

// start returns the anchor to start a walk for offset from: its position
// (0: the top of the list) and the id of the row there.
func (a *docAnchors) start(offset int) (pos int, id uint64) {
	i := min(offset/anchorEvery, len(a.ids))
	if i == 0 {
		return 0, 0
	}
	return i * anchorEvery, a.ids[i-1]
}

// at is called for the row at position pos (counted from the top of the
// list) with its id.
func (a *docAnchors) at(pos int, id uint64) {
	if pos > 0 && pos%anchorEvery == 0 && pos/anchorEvery == len(a.ids)+1 {
		a.ids = append(a.ids, id)
	}
}

// keep stores the anchors walked, unless a set of a newer generation, or
// as long of the same, is kept.
func (a *docAnchors) keep() {
	lc := &a.t.s.lists
	lc.mu.Lock()
	defer lc.mu.Unlock()
	old := lc.anchors[a.key]
	if old != nil && (old.gen > a.gen || old.gen == a.gen && len(old.ids) >= len(a.ids)) {
		return
	}
	if lc.anchors == nil {
		lc.anchors = map[anchorKey]*anchorSet{}
	}
	if old == nil && len(lc.anchors) >= maxAnchorSets {
		for k := range lc.anchors { // drop one at random
			delete(lc.anchors, k)
			break
		}
	}
	lc.anchors[a.key] = &anchorSet{gen: a.gen, scopeIDs: a.set, ids: slices.Clip(a.ids)}
}
