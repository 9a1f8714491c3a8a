package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// The catalog (商品目录) keeps, besides the entries themselves:
//   - catalog_summary: entry id → a compact summary (product, category,
//     visibility, code, name, search text), so lists filter without decoding
//     entries;
//   - catalog_targets: kind + target id + entry id, to find the entries that
//     may cover a customer;
//   - customer_catalog: customer id + entry id for every entry a customer may
//     see now (audited, product active, covered by a target). A dealer's
//     catalog page, search, favorites, cart and quick order read this index
//     and never scan all entries. It is maintained in the transaction of
//     every change that can alter it: an entry's save, audit, unaudit and
//     targets; a product's activation; a customer's group or org unit; an
//     org unit's move (RebuildCatalogIndex recomputes it all).
//   - catalog_notified: entry id + customer id → the outbox message that told
//     the customer, so that catalog.published reaches a customer once per
//     entry.

// entrySummary is the value of catalog_summary.
type entrySummary struct {
	id, product, category uint64
	visible               bool // audited and product active
	audited               bool
	active                bool
	code, name            string
	search                string // lower-case code, name, spec, title, barcode
	// The display fields (catalog_view.go), decoded only for rows shown.
	spec, unit       string
	thumbID          uint64
	thumbHash        string
	minQty, multiple model.Qty
	listPrice        model.Money
	showList         bool
}

func encodeSummary(s entrySummary) []byte {
	b := make([]byte, 0, 64+len(s.code)+len(s.name)+len(s.search))
	b = binary.BigEndian.AppendUint64(b, s.id)
	b = binary.BigEndian.AppendUint64(b, s.product)
	b = binary.BigEndian.AppendUint64(b, s.category)
	var flags byte
	if s.audited {
		flags |= 1
	}
	if s.active {
		flags |= 2
	}
	b = append(b, flags)
	b = appendStr(b, s.code)
	b = appendStr(b, s.name)
	b = appendStr(b, s.search)
	return appendRow(b, s)
}

func decodeEntrySummary(b []byte) entrySummary {
	if len(b) < 25 {
		return entrySummary{}
	}
	s := entrySummary{
		id:       binary.BigEndian.Uint64(b),
		product:  binary.BigEndian.Uint64(b[8:]),
		category: binary.BigEndian.Uint64(b[16:]),
		audited:  b[24]&1 != 0,
		active:   b[24]&2 != 0,
	}
	s.visible = s.audited && s.active
	rest := b[25:]
	s.code, rest = readStr(rest)
	s.name, rest = readStr(rest)
	s.search, _ = readStr(rest)
	return s
}

func summarize(e *model.CatalogEntry, p *model.Product) entrySummary {
	name := e.Title
	if name == "" {
		name = p.Name
	}
	s := entrySummary{
		id: e.ID, product: p.ID, category: e.CategoryID,
		audited: e.Status == model.StatusAudited, active: p.Active,
		visible: e.Status == model.StatusAudited && p.Active,
		code:    p.Code, name: name,
		search: strings.ToLower(p.Code + "\x1f" + p.Name + "\x1f" + p.Spec + "\x1f" + e.Title + "\x1f" + p.Barcode),
		spec:   p.Spec, unit: p.Unit, minQty: e.MinQty, multiple: e.Multiple,
		listPrice: p.ListPrice, showList: e.ShowListPrice,
	}
	if im := p.Thumb(); im != nil {
		s.thumbID, s.thumbHash = im.ID, im.Hash
	}
	return s
}

func targetKey(tg model.Target, entryID uint64) []byte {
	k := make([]byte, 0, 17)
	k = append(k, tg.Kind[0])
	k = binary.BigEndian.AppendUint64(k, tg.ID)
	return binary.BigEndian.AppendUint64(k, entryID)
}

func (t *Tx) catalogEntry(id uint64) (*model.CatalogEntry, error) {
	e := &model.CatalogEntry{}
	if err := t.getJSONID(t.b(bCatalog), id, e); err != nil {
		return nil, err
	}
	return e, nil
}

// visibleTo reports whether customer custID may see entry id now.
func (t *Tx) visibleTo(custID, entryID uint64) bool {
	return custID != 0 && t.b(bCustCatalog).Get(key(custID, entryID)) != nil
}

// CatalogEntry returns an entry: for staff one whose publish targets all lie
// within their scope (CoversTargets), for a dealer only one published to its
// customer (audited, product active, covered by a target). Otherwise
// ErrNotFound.
func (t *Tx) CatalogEntry(sc Scope, id uint64) (*model.CatalogEntry, error) {
	if !sc.IsStaff() {
		if !t.visibleTo(sc.CustomerID(), id) {
			return nil, model.ErrNotFound
		}
		return t.catalogEntry(id)
	}
	e, err := t.catalogEntry(id)
	if err != nil {
		return nil, err
	}
	if !t.CoversTargets(sc, e.Targets) {
		return nil, model.ErrNotFound
	}
	return e, nil
}

// CatalogEntryOfProduct returns the catalog entry of a product as sc may see
// it, or ErrNotFound (a product has at most one entry).
func (t *Tx) CatalogEntryOfProduct(sc Scope, productID uint64) (*model.CatalogEntry, error) {
	id := btoi(t.b(bCatalogByProduct).Get(itob(productID)))
	if id == 0 {
		return nil, model.ErrNotFound
	}
	return t.CatalogEntry(sc, id)
}

// CatalogEntryByCode finds the entry of the product with code as sc may see
// it; an unknown code and an entry not published to a dealer are both
// ErrNotFound (a dealer cannot learn what exists beyond its catalog).
func (t *Tx) CatalogEntryByCode(sc Scope, code string) (*model.CatalogEntry, error) {
	// The code index gives the product's id: the product itself is not
	// decoded here (order lines decode it once, after the entry).
	id := btoi(t.b(bProductsByCode).Get([]byte(strings.ToUpper(strings.TrimSpace(code)))))
	if id == 0 {
		return nil, model.ErrNotFound
	}
	return t.CatalogEntryOfProduct(sc, id)
}

// coverage returns the customers that e's targets cover now (empty when e is
// not visible: draft, or its product inactive).
func (t *Tx) coverage(e *model.CatalogEntry, visible bool) map[uint64]bool {
	out := map[uint64]bool{}
	if !visible || len(e.Targets) == 0 {
		return out
	}
	groups := map[uint64]bool{}
	orgs := map[uint64]bool{}
	var tree *model.OrgTree
	for _, tg := range e.Targets {
		switch tg.Kind {
		case model.TargetCustomer:
			if t.b(bCustomers).Get(itob(tg.ID)) != nil {
				out[tg.ID] = true
			}
		case model.TargetGroup:
			groups[tg.ID] = true
		case model.TargetOrg:
			if tree == nil {
				tree = t.OrgTree()
			}
			for _, id := range tree.Subtree(tg.ID) {
				orgs[id] = true
			}
		}
	}
	if len(groups) == 0 && len(orgs) == 0 {
		return out
	}
	c := t.b(bCustomersByCode).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		s := decodeSummary(v)
		if groups[s.group] || orgs[s.org] {
			out[s.id] = true
		}
	}
	return out
}

// CatalogCoverage lists the customers (ids) in sc that an entry is
// published to now: a count shown to staff never includes customers they
// may not see.
func (t *Tx) CatalogCoverage(sc Scope, e *model.CatalogEntry) []uint64 {
	sum := decodeEntrySummary(t.b(bCatalogSummary).Get(itob(e.ID)))
	var out []uint64
	for id := range t.coverage(e, sum.visible) {
		if t.AllowsCustomer(sc, id) {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// reindexEntry brings every index of entry e up to date, given what it was
// before (old nil for a new entry; oldVisible whether it was visible). With
// notify, customers that can see the entry now and were never told about it
// get a catalog.published message in this transaction.
func (t *Tx) reindexEntry(old *model.CatalogEntry, oldVisible bool, e *model.CatalogEntry, p *model.Product, notify bool) error {
	sum := summarize(e, p)
	if err := t.b(bCatalogSummary).Put(itob(e.ID), encodeSummary(sum)); err != nil {
		return err
	}
	if err := t.bumpCatalogGen(); err != nil {
		return err
	}
	var before map[uint64]bool
	if old != nil {
		for _, tg := range old.Targets {
			if err := t.b(bCatalogTargets).Delete(targetKey(tg, e.ID)); err != nil {
				return err
			}
		}
		before = t.coverage(old, oldVisible)
	}
	for _, tg := range e.Targets {
		if err := t.b(bCatalogTargets).Put(targetKey(tg, e.ID), nil); err != nil {
			return err
		}
	}
	after := t.coverage(e, sum.visible)
	cc := t.b(bCustCatalog)
	for id := range before {
		if !after[id] {
			if err := cc.Delete(key(id, e.ID)); err != nil {
				return err
			}
		}
	}
	var added []uint64
	for id := range after {
		if !before[id] {
			if err := cc.Put(key(id, e.ID), nil); err != nil {
				return err
			}
			added = append(added, id)
		}
	}
	if !notify {
		return nil
	}
	sort.Slice(added, func(i, j int) bool { return added[i] < added[j] })
	var catName string
	for _, id := range added {
		nk := key(e.ID, id)
		if t.b(bCatalogNotified).Get(nk) != nil {
			continue
		}
		if catName == "" {
			if cat, err := t.Category(e.CategoryID); err == nil {
				catName = cat.Name
			}
		}
		m := &model.OutboxMessage{Event: model.EventCatalogPublished, CustomerID: id,
			Params: map[string]string{"title": sum.name, "product_code": p.Code, "product_name": p.Name, "category": catName,
				"link": "/catalog/" + strconv.FormatUint(e.ID, 10)}}
		if err := t.Emit(m); err != nil {
			return err
		}
		if err := t.b(bCatalogNotified).Put(nk, itob(m.ID)); err != nil {
			return err
		}
	}
	return nil
}

// CatalogNotice is one customer told about an entry: the outbox message.
type CatalogNotice struct {
	CustomerID uint64
	MessageID  uint64
}

// CatalogNotices lists the customers that got catalog.published for entry
// id, with their outbox message ids, limited to those sc covers.
func (t *Tx) CatalogNotices(sc Scope, entryID uint64) []CatalogNotice {
	var out []CatalogNotice
	prefix := itob(entryID)
	c := t.b(bCatalogNotified).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		cid := btoi(k[8:])
		if t.AllowsCustomer(sc, cid) {
			out = append(out, CatalogNotice{CustomerID: cid, MessageID: btoi(v)})
		}
	}
	return out
}

// SaveCatalogEntry creates (ID 0) or updates an entry with optimistic
// locking. A product has at most one entry; product, category and targets
// must exist, and every target must lie in sc (CoversTargets; a
// ValidationError at "targets" otherwise). Only staff save entries; an
// existing entry outside sc is ErrNotFound. Status changes go through
// ApplyCatalogAction, not here. A published entry whose targets now cover
// more customers raises catalog.published for those customers.
func (t *Tx) SaveCatalogEntry(sc Scope, e *model.CatalogEntry) error {
	return t.saveCatalogEntry(sc, e, true)
}

// SaveCatalogEntryQuiet is SaveCatalogEntry without messages, for seeding
// demo and volume data that is "already published".
func (t *Tx) SaveCatalogEntryQuiet(sc Scope, e *model.CatalogEntry) error {
	return t.saveCatalogEntry(sc, e, false)
}

func (t *Tx) saveCatalogEntry(sc Scope, e *model.CatalogEntry, notify bool) (err error) {
	defer keepOnError(&e.ID, &e.Meta, &err)()
	if !sc.IsStaff() {
		return model.ErrNotFound
	}
	var old *model.CatalogEntry
	if e.ID != 0 {
		if old, err = t.CatalogEntry(sc, e.ID); err != nil {
			return err
		}
	}
	if err := e.Validate(); err != nil {
		return err
	}
	p, err := t.product(e.ProductID)
	if err != nil {
		return model.Invalid("product_id", "err.choice")
	}
	if _, err := t.Category(e.CategoryID); err != nil {
		return model.Invalid("category_id", "err.choice")
	}
	if err := t.checkTargets(sc, e.Targets); err != nil {
		return err
	}
	b := t.b(bCatalog)
	oldVisible := false
	if e.ID == 0 {
		if t.b(bCatalogByProduct).Get(itob(p.ID)) != nil {
			return model.Invalid("product_id", "err.already_in_catalog")
		}
		id, err := nextID(b)
		if err != nil {
			return err
		}
		e.ID = id
		if e.Status == "" {
			e.Status = model.StatusDraft
		}
		t.stamp(e)
	} else {
		if err := t.checkVersion(old, e); err != nil {
			return err
		}
		if old.ProductID != e.ProductID {
			return model.Invalid("product_id", "err.product_fixed")
		}
		e.Status, e.Trail, e.Number = old.Status, old.Trail, old.Number
		oldVisible = decodeEntrySummary(t.b(bCatalogSummary).Get(itob(e.ID))).visible
	}
	if err := t.b(bCatalogByProduct).Put(itob(p.ID), itob(e.ID)); err != nil {
		return err
	}
	if err := putJSON(b, itob(e.ID), e); err != nil {
		return err
	}
	return t.reindexEntry(old, oldVisible, e, p, notify)
}

// checkTargets refuses unknown targets and targets outside sc. A customer
// outside sc is unknown (its existence stays unsaid).
func (t *Tx) checkTargets(sc Scope, targets []model.Target) error {
	tree := t.OrgTree()
	in := t.audienceScope(sc)
	for _, tg := range targets {
		exists := false
		switch tg.Kind {
		case model.TargetCustomer:
			exists = in.customer(tg.ID) // the scope check too
		case model.TargetGroup:
			exists = t.b(bGroups).Get(itob(tg.ID)) != nil
		case model.TargetOrg:
			exists = tree.Unit(tg.ID) != nil
		}
		if !exists {
			return model.Invalid("targets", "err.target_unknown")
		}
		if tg.Kind != model.TargetCustomer && !in.target(tg) {
			return model.Invalid("targets", "err.audience_out_of_scope")
		}
	}
	return nil
}

func containsTarget(list []model.Target, tg model.Target) bool {
	for _, x := range list {
		if x == tg {
			return true
		}
	}
	return false
}

// ApplyCatalogAction audits (publishes) or unaudits an entry by user u, with
// a version check. Auditing raises catalog.published for every covered
// customer not told before.
func (t *Tx) ApplyCatalogAction(sc Scope, id uint64, action string, u *model.User, version uint64) (*model.CatalogEntry, error) {
	return t.applyCatalogAction(sc, id, action, u, version, true)
}

func (t *Tx) applyCatalogAction(sc Scope, id uint64, action string, u *model.User, version uint64, notify bool) (*model.CatalogEntry, error) {
	if !sc.IsStaff() {
		return nil, model.ErrNotFound
	}
	e, err := t.CatalogEntry(sc, id)
	if err != nil {
		return nil, err
	}
	if version != 0 && e.Version != version {
		return nil, &model.ConflictError{By: e.UpdatedBy, At: e.UpdatedAt}
	}
	old := *e
	old.Targets = append([]model.Target(nil), e.Targets...)
	oldVisible := decodeEntrySummary(t.b(bCatalogSummary).Get(itob(e.ID))).visible
	if err := model.CatalogMachine.Apply(&e.Doc, action, u, "", t.Now); err != nil {
		return nil, err
	}
	e.Version++
	e.UpdatedAt, e.UpdatedBy = t.Now, t.By
	p, err := t.product(e.ProductID)
	if err != nil {
		return nil, err
	}
	if err := putJSON(t.b(bCatalog), itob(e.ID), e); err != nil {
		return nil, err
	}
	return e, t.reindexEntry(&old, oldVisible, e, p, notify)
}

// AuditCatalogQuiet audits an entry without messages (demo and volume data).
func (t *Tx) AuditCatalogQuiet(id uint64, u *model.User) error {
	_, err := t.applyCatalogAction(AdminScope(), id, "audit", u, 0, false)
	return err
}

// ChangeCatalogTargets adds (add true) or removes publish targets of an entry
// (增加/取消发布对象), with a version check. The entry and every added target
// must lie in sc (ErrNotFound, a ValidationError at "targets"). Customers newly covered
// by a published entry get catalog.published; those no longer covered lose the
// entry at once (their carts and favorites show it as unavailable).
func (t *Tx) ChangeCatalogTargets(sc Scope, id uint64, targets []model.Target, add bool, version uint64) (*model.CatalogEntry, error) {
	if !sc.IsStaff() {
		return nil, model.ErrNotFound
	}
	e, err := t.CatalogEntry(sc, id)
	if err != nil {
		return nil, err
	}
	if e.Version != version {
		return nil, &model.ConflictError{By: e.UpdatedBy, At: e.UpdatedAt}
	}
	if len(targets) == 0 {
		return nil, model.Invalid("targets", "err.required")
	}
	next := append([]model.Target(nil), e.Targets...)
	if add {
		if err := t.checkTargets(sc, targets); err != nil {
			return nil, err
		}
		for _, tg := range targets {
			if !containsTarget(next, tg) {
				next = append(next, tg)
			}
		}
	} else {
		in := t.audienceScope(sc)
		for _, tg := range targets {
			if !in.target(tg) {
				return nil, model.Invalid("targets", "err.target_unknown")
			}
		}
		kept := next[:0]
		for _, tg := range next {
			if !containsTarget(targets, tg) {
				kept = append(kept, tg)
			}
		}
		next = kept
	}
	e.Targets = next
	e.Version = version
	if err := t.saveCatalogEntry(sc, e, true); err != nil {
		return nil, err
	}
	return e, nil
}

// productChanged refreshes the catalog index after a product save: its
// entry's summary (code, name, search) and, when the product was activated or
// deactivated, who may see the entry.
func (t *Tx) productChanged(p *model.Product) error {
	eid := btoi(t.b(bCatalogByProduct).Get(itob(p.ID)))
	if eid == 0 {
		return nil
	}
	e, err := t.catalogEntry(eid)
	if err != nil {
		return err
	}
	oldVisible := decodeEntrySummary(t.b(bCatalogSummary).Get(itob(eid))).visible
	return t.reindexEntry(e, oldVisible, e, p, true)
}

// reindexCustomerCatalog recomputes which entries customer id may see after
// its group or org unit changed (or it was created). No message is sent: the
// customer was moved, nothing was published.
func (t *Tx) reindexCustomerCatalog(id uint64) error {
	c, err := t.customer(id)
	if err != nil {
		return err
	}
	want := map[uint64]bool{}
	collect := func(tg model.Target) {
		prefix := targetKey(tg, 0)[:9]
		cur := t.b(bCatalogTargets).Cursor()
		for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
			eid := btoi(k[9:])
			if decodeEntrySummary(t.b(bCatalogSummary).Get(itob(eid))).visible {
				want[eid] = true
			}
		}
	}
	collect(model.Target{Kind: model.TargetCustomer, ID: id})
	if c.GroupID != 0 {
		collect(model.Target{Kind: model.TargetGroup, ID: c.GroupID})
	}
	tree := t.OrgTree()
	for org, n := c.OrgUnitID, 0; org != 0 && n < 64; n++ {
		collect(model.Target{Kind: model.TargetOrg, ID: org})
		u := tree.Unit(org)
		if u == nil {
			break
		}
		org = u.ParentID
	}
	cc := t.b(bCustCatalog)
	prefix := itob(id)
	var drop [][]byte
	cur := cc.Cursor()
	for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
		eid := btoi(k[8:])
		if want[eid] {
			delete(want, eid)
		} else {
			drop = append(drop, bytes.Clone(k))
		}
	}
	for _, k := range drop {
		if err := cc.Delete(k); err != nil {
			return err
		}
	}
	for eid := range want {
		if err := cc.Put(key(id, eid), nil); err != nil {
			return err
		}
	}
	return nil
}

// catalogOrgChanged reindexes the customers below org unit id after the unit
// was saved (a move changes which org targets cover them).
func (t *Tx) catalogOrgChanged(id uint64) error {
	if t.b(bCatalogTargets).Stats().KeyN == 0 {
		return nil
	}
	below := map[uint64]bool{}
	for _, o := range t.OrgTree().Subtree(id) {
		below[o] = true
	}
	var ids []uint64
	c := t.b(bCustomersByCode).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if s := decodeSummary(v); below[s.org] {
			ids = append(ids, s.id)
		}
	}
	for _, cid := range ids {
		if err := t.reindexCustomerCatalog(cid); err != nil {
			return err
		}
	}
	return nil
}

// RebuildCatalogIndex recomputes the customer catalog index from the entries,
// and reports how many index rows were wrong (0 when all agreed).
func (t *Tx) RebuildCatalogIndex() (int, error) {
	if err := t.bumpCatalogGen(); err != nil {
		return 0, err
	}
	want := map[string]bool{}
	cur := t.b(bCatalog).Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		e := &model.CatalogEntry{}
		if err := json.Unmarshal(v, e); err != nil {
			return 0, err
		}
		p, err := t.product(e.ProductID)
		if err != nil {
			return 0, err
		}
		sum := summarize(e, p)
		if err := t.b(bCatalogSummary).Put(itob(e.ID), encodeSummary(sum)); err != nil {
			return 0, err
		}
		for id := range t.coverage(e, sum.visible) {
			want[string(key(id, e.ID))] = true
		}
	}
	wrong := 0
	cc := t.b(bCustCatalog)
	var drop [][]byte
	c := cc.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if want[string(k)] {
			delete(want, string(k))
		} else {
			drop = append(drop, bytes.Clone(k))
		}
	}
	for _, k := range drop {
		wrong++
		if err := cc.Delete(k); err != nil {
			return 0, err
		}
	}
	for k := range want {
		wrong++
		if err := cc.Put([]byte(k), nil); err != nil {
			return 0, err
		}
	}
	return wrong, nil
}

// CatalogFilter narrows a catalog list. Zero fields do not filter.
type CatalogFilter struct {
	Q          string // code, name, spec, title or barcode contains
	CategoryID uint64 // the category's whole subtree
	Status     model.Status
	Sort       string // "code" (default), "name" or "new"
}

// CatalogItem is one entry as a list or detail page shows it: the entry, its
// product and stock, and the effective price for the viewing customer (the
// list price for staff) at the entry's first order quantity.
type CatalogItem struct {
	Entry   *model.CatalogEntry
	Product *model.Product
	Stock   *model.Stock
	Quote   model.PriceQuote
	Qty     model.Qty
}

// ListCatalog returns one page of the catalog as sc sees it and how many
// entries match: for a dealer the entries published to its customer (read
// from the customer's own index), for staff the entries whose targets lie
// within their scope.
func (t *Tx) ListCatalog(sc Scope, f CatalogFilter, p Page) ([]*CatalogItem, int, error) {
	sums, total := t.selectCatalog(sc, f, p)
	pc := t.newPricer(sc)
	out := make([]*CatalogItem, 0, len(sums))
	for _, s := range sums {
		it, err := t.catalogItem(pc, s.id, 0)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, it)
	}
	return out, total, nil
}

// CatalogItem returns one entry with product, stock and the effective price
// at qty (0: the entry's first order quantity), as sc may see it; ErrNotFound
// otherwise.
func (t *Tx) CatalogItem(sc Scope, id uint64, qty model.Qty) (*CatalogItem, error) {
	if _, err := t.CatalogEntry(sc, id); err != nil {
		return nil, err
	}
	return t.catalogItem(t.newPricer(sc), id, qty)
}

func (t *Tx) catalogItem(pc *pricer, id uint64, qty model.Qty) (*CatalogItem, error) {
	e, err := t.catalogEntry(id)
	if err != nil {
		return nil, err
	}
	p, err := t.product(e.ProductID)
	if err != nil {
		return nil, err
	}
	st, err := t.Stock(p.ID)
	if err != nil {
		return nil, err
	}
	if qty <= 0 {
		qty = e.FirstQty()
	}
	return &CatalogItem{Entry: e, Product: p, Stock: st, Qty: qty, Quote: pc.quote(p, qty)}, nil
}

// prefetchItems reads what catalogItem and visibleTo read of several
// entries (a cart's lines) ahead of them: on PostgreSQL three queries for
// all (the visibility and entries, the price index of their products,
// then the products, stock and price records), not five or more per entry;
// nothing on bbolt.
func (t *Tx) prefetchItems(pc *pricer, custID uint64, entries []uint64) {
	if _, ok := t.b(bCatalog).(kv.Prefetcher); !ok || len(entries) < 2 {
		return
	}
	keys := make([]kv.BucketKey, 0, 2*len(entries))
	for _, id := range entries {
		keys = append(keys, kv.BucketKey{Bucket: bCustCatalog, Key: key(custID, id)}, kv.BucketKey{Bucket: bCatalog, Key: itob(id)})
	}
	kv.PrefetchKeys(t.tx, keys)
	var products []uint64
	also := make([]kv.BucketKey, 0, 2*len(entries))
	for _, id := range entries {
		if e, err := t.catalogEntry(id); err == nil {
			products = append(products, e.ProductID)
			also = append(also, kv.BucketKey{Bucket: bProducts, Key: itob(e.ProductID)}, kv.BucketKey{Bucket: bStock, Key: itob(e.ProductID)})
		}
	}
	pc.prefetch(products, also)
}

// CountCatalog counts the entries sc sees (home tiles).
func (t *Tx) CountCatalog(sc Scope) int {
	if sc.IsStaff() {
		return t.b(bCatalog).Stats().KeyN - len(t.idsOutside(sc, bCatalogTargets))
	}
	n := 0
	prefix := itob(sc.CustomerID())
	c := t.b(bCustCatalog).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}
