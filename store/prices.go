package store

import (
	"bytes"
	"encoding/binary"
	"sort"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// prices_by_product: product id + record id → customer id, group id and an
// audited flag, so that pricing reads only the records that may apply.

func priceIndexValue(r *model.PriceRecord) []byte {
	b := make([]byte, 0, 17)
	b = binary.BigEndian.AppendUint64(b, r.CustomerID)
	b = binary.BigEndian.AppendUint64(b, r.GroupID)
	if r.Status == model.StatusAudited {
		return append(b, 1)
	}
	return append(b, 0)
}

type priceSum struct {
	product, id, customer, group uint64
	audited                      bool
}

func decodePriceIndex(k, v []byte) priceSum {
	if len(k) < 16 || len(v) < 17 {
		return priceSum{}
	}
	return priceSum{product: btoi(k), id: btoi(k[8:]), customer: btoi(v), group: btoi(v[8:]), audited: v[16] == 1}
}

func (t *Tx) priceRecord(id uint64) (*model.PriceRecord, error) {
	r := &model.PriceRecord{}
	if err := t.getJSONID(t.b(bPrices), id, r); err != nil {
		return nil, err
	}
	return r, nil
}

// PriceRecord returns a price record to staff: a customer's record only when
// sc covers the customer, a group's only when sc covers every member of the
// group (the audience rule: a group price sets what those customers pay).
// Dealers read prices only through PriceLookup. ErrNotFound otherwise.
func (t *Tx) PriceRecord(sc Scope, id uint64) (*model.PriceRecord, error) {
	if !sc.IsStaff() {
		return nil, model.ErrNotFound
	}
	r, err := t.priceRecord(id)
	if err != nil {
		return nil, err
	}
	if r.CustomerID != 0 && !t.AllowsCustomer(sc, r.CustomerID) || r.GroupID != 0 && !t.audienceScope(sc).group(r.GroupID) {
		return nil, model.ErrNotFound
	}
	return r, nil
}

// SavePriceRecord creates (ID 0, as a draft) or updates a record with
// optimistic locking. The product must exist; the customer must lie in sc,
// the group must exist and every member lie in sc. Status changes go
// through ApplyPriceAction.
func (t *Tx) SavePriceRecord(sc Scope, r *model.PriceRecord) (err error) {
	defer keepOnError(&r.ID, &r.Meta, &err)()
	if err := r.Validate(); err != nil {
		return err
	}
	if t.b(bProducts).Get(itob(r.ProductID)) == nil {
		return model.Invalid("product_id", "err.choice")
	}
	if r.CustomerID != 0 && !t.AllowsCustomer(sc, r.CustomerID) {
		return model.Invalid("customer_id", "err.choice")
	}
	if r.GroupID != 0 && t.b(bGroups).Get(itob(r.GroupID)) == nil {
		return model.Invalid("group_id", "err.choice")
	}
	if r.GroupID != 0 && !t.audienceScope(sc).group(r.GroupID) {
		return model.Invalid("group_id", "err.audience_out_of_scope")
	}
	b := t.b(bPrices)
	if r.ID == 0 {
		id, err := nextID(b)
		if err != nil {
			return err
		}
		r.ID = id
		if r.Status == "" {
			r.Status = model.StatusDraft
		}
		t.stamp(r)
	} else {
		old, err := t.PriceRecord(sc, r.ID)
		if err != nil {
			return err
		}
		if err := t.checkVersion(old, r); err != nil {
			return err
		}
		r.Status, r.Trail = old.Status, old.Trail
		if old.ProductID != r.ProductID {
			if err := t.b(bPricesByProduct).Delete(key(old.ProductID, old.ID)); err != nil {
				return err
			}
		}
	}
	return t.putPrice(r)
}

func (t *Tx) putPrice(r *model.PriceRecord) error {
	if err := t.b(bPricesByProduct).Put(key(r.ProductID, r.ID), priceIndexValue(r)); err != nil {
		return err
	}
	return putJSON(t.b(bPrices), itob(r.ID), r)
}

// ApplyPriceAction audits or unaudits a price record by u, with a version
// check (0 skips it, for bulk actions on records just listed).
func (t *Tx) ApplyPriceAction(sc Scope, id uint64, action string, u *model.User, version uint64) (*model.PriceRecord, error) {
	r, err := t.PriceRecord(sc, id)
	if err != nil {
		return nil, err
	}
	if version != 0 && r.Version != version {
		return nil, &model.ConflictError{By: r.UpdatedBy, At: r.UpdatedAt}
	}
	if err := model.PriceMachine.Apply(&r.Doc, action, u, "", t.Now); err != nil {
		return nil, err
	}
	r.Version++
	r.UpdatedAt, r.UpdatedBy = t.Now, t.By
	return r, t.putPrice(r)
}

// PriceFilter narrows the price record list. Zero fields do not filter.
type PriceFilter struct {
	ProductID  uint64
	CustomerID uint64
	GroupID    uint64
	Status     model.Status
	Kind       string // "customer" or "group"
}

// ListPrices returns one page of the price records sc may see (customer
// records of customers in scope, group records of groups whose members all
// lie in scope), by product, and how many match.
func (t *Tx) ListPrices(sc Scope, f PriceFilter, p Page) ([]*model.PriceRecord, int, error) {
	if !sc.IsStaff() {
		return nil, 0, nil
	}
	allowed := map[uint64]bool{}
	allows := func(cid uint64) bool {
		if sc.IsAll() {
			return true
		}
		ok, seen := allowed[cid]
		if !seen {
			ok = t.AllowsCustomer(sc, cid)
			allowed[cid] = ok
		}
		return ok
	}
	groups := t.audienceScope(sc)
	var prefix []byte
	if f.ProductID != 0 {
		prefix = itob(f.ProductID)
	}
	match := func(s priceSum) bool {
		return (f.CustomerID == 0 || s.customer == f.CustomerID) && (f.GroupID == 0 || s.group == f.GroupID) &&
			(f.Status == "" || s.audited == (f.Status == model.StatusAudited)) &&
			(f.Kind == "" || (f.Kind == "customer") == (s.customer != 0)) &&
			(s.customer == 0 || allows(s.customer)) && (s.group == 0 || groups.group(s.group))
	}
	var out []*model.PriceRecord
	total := 0
	c, k, v := firstUnder(t.b(bPricesByProduct), prefix, p.Desc)
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = step(c, p.Desc) {
		s := decodePriceIndex(k, v)
		if !match(s) {
			continue
		}
		if total >= p.Offset && (p.Limit == 0 || p.Limit > 0 && len(out) < p.Limit) {
			r, err := t.priceRecord(s.id)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, r)
		}
		total++
	}
	return out, total, nil
}

// pricer computes effective prices for one viewer: a dealer's customer (and
// its group) on the enterprise's today; staff get list prices.
type pricer struct {
	t               *Tx
	customer, group uint64
	day             string
	// recs holds the records of the products read ahead (prefetch), by
	// product; a product not in it is read when quoted.
	recs map[uint64][]*model.PriceRecord
}

func (t *Tx) newPricer(sc Scope) *pricer {
	pc := &pricer{t: t, day: t.priceDay()}
	if cid := sc.CustomerID(); cid != 0 {
		pc.customer = cid
		if c, err := t.customerRead(cid); err == nil {
			pc.group = c.GroupID
		}
	}
	return pc
}

// priceDay is the transaction's date in the enterprise's time zone
// (YYYY-MM-DD): the day price records must be effective on.
func (t *Tx) priceDay() string { return t.Today() }

// recordsFor returns the audited records of a product that concern the
// customer or its group.
func (t *Tx) recordsFor(productID, customer, group uint64) []*model.PriceRecord {
	var out []*model.PriceRecord
	prefix := itob(productID)
	c := t.b(bPricesByProduct).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		s := decodePriceIndex(k, v)
		if !s.concerns(customer, group) {
			continue
		}
		if r, err := t.priceRecord(s.id); err == nil {
			out = append(out, r)
		}
	}
	return out
}

// concerns reports whether an index entry is an audited record for the
// customer or for its group.
func (s priceSum) concerns(customer, group uint64) bool {
	return s.audited && (s.customer != 0 && s.customer == customer || s.customer == 0 && s.group != 0 && s.group == group)
}

// prefetch reads the records of several products (a catalog page's) ahead
// of their quotes, on a backend that reads ranges and keys in one query
// each (PostgreSQL: two queries for the page, not one or two per row);
// nothing on bbolt, whose per-product reads cost no round trip. The quotes
// are the same either way (TestPricerPrefetch). also are other keys the
// caller is about to read (the rows' summaries and stock): they go in the
// same query as the price records (kv.PrefetchKeys).
func (pc *pricer) prefetch(products []uint64, also []kv.BucketKey) {
	idx := pc.t.b(bPricesByProduct)
	if _, ok := idx.(kv.PrefixScanner); !ok || pc.customer == 0 || len(products) < 2 {
		kv.PrefetchKeys(pc.t.tx, also)
		return
	}
	prefixes := make([][]byte, len(products))
	for i, p := range products {
		prefixes[i] = itob(p)
	}
	byProduct := make(map[uint64][]uint64, len(products))
	keys := also
	err := kv.ScanPrefixes(idx, prefixes, func(i int, k, v []byte) error {
		if s := decodePriceIndex(k, v); s.concerns(pc.customer, pc.group) {
			byProduct[products[i]] = append(byProduct[products[i]], s.id)
			keys = append(keys, kv.BucketKey{Bucket: bPrices, Key: itob(s.id)})
		}
		return nil
	})
	if err != nil {
		return // the transaction fails with it
	}
	kv.PrefetchKeys(pc.t.tx, keys)
	pc.recs = make(map[uint64][]*model.PriceRecord, len(products))
	for _, p := range products {
		var out []*model.PriceRecord
		for _, id := range byProduct[p] {
			if r, err := pc.t.priceRecord(id); err == nil {
				out = append(out, r)
			}
		}
		pc.recs[p] = out
	}
}

func (pc *pricer) quote(p *model.Product, qty model.Qty) model.PriceQuote {
	return pc.quoteOf(p.ID, p.ListPrice, qty)
}

// quoteOf is quote for a product known by its id and list price.
func (pc *pricer) quoteOf(productID uint64, listPrice model.Money, qty model.Qty) model.PriceQuote {
	if pc.customer == 0 {
		return model.PriceQuote{Price: listPrice, Source: model.PriceFromList}
	}
	recs, ok := pc.recs[productID]
	if !ok {
		recs = pc.t.recordsFor(productID, pc.customer, pc.group)
	}
	return model.EffectivePrice(listPrice, recs, productID, pc.customer, pc.group, qty, pc.day)
}

// Quote is the effective price of a product for customer (0: list price) at
// qty today — the one function behind every price a screen, the cart or an
// order shows.
func (t *Tx) Quote(customerID, productID uint64, qty model.Qty) (model.PriceQuote, error) {
	p, err := t.product(productID)
	if err != nil {
		return model.PriceQuote{}, err
	}
	return t.newPricer(CustomerScope(customerID)).quote(p, qty), nil
}

// PriceLookup (定价查询) lists the audited price records of a catalog entry's
// product as sc may see them: staff all of them (customer records only of
// customers in their scope), a dealer only those for its own customer and
// its customer's group, when the entry is published to it (ErrNotFound
// otherwise). It only reads.
func (t *Tx) PriceLookup(sc Scope, entryID uint64) ([]*model.PriceRecord, error) {
	e, err := t.CatalogEntry(sc, entryID)
	if err != nil {
		return nil, err
	}
	var out []*model.PriceRecord
	if !sc.IsStaff() {
		pc := t.newPricer(sc)
		out = t.recordsFor(e.ProductID, pc.customer, pc.group)
	} else {
		recs, _, err := t.ListPrices(sc, PriceFilter{ProductID: e.ProductID, Status: model.StatusAudited}, Page{})
		if err != nil {
			return nil, err
		}
		out = recs
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.CustomerID != 0) != (b.CustomerID != 0) {
			return a.CustomerID != 0
		}
		if a.CustomerID != b.CustomerID || a.GroupID != b.GroupID {
			return a.CustomerID+a.GroupID < b.CustomerID+b.GroupID
		}
		if a.MinQty != b.MinQty {
			return a.MinQty < b.MinQty
		}
		return a.From < b.From
	})
	return out, nil
}
