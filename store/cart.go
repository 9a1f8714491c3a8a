package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// Favorites (收藏夹) and carts (购物车) belong to one dealer user each (two
// users of one customer have separate ones), keyed user id + entry id. Every
// change is a read-modify-write inside the caller's transaction, so
// concurrent "add" requests never lose one.

// ShopRow is one favorite or cart line with the entry as the user may see it
// now: Item is nil when the entry was unpublished from the customer or its
// product deactivated (shown as unavailable, never orderable).
type ShopRow struct {
	Favorite *model.Favorite
	Line     *model.CartLine
	Item     *CatalogItem
	// Amount is qty × the current effective price (cart lines).
	Amount model.Money
	// PriceChanged: the current price differs from the one last seen.
	PriceChanged bool
	// QtyErr is the catalog key of a quantity that breaks the entry's rules now.
	QtyErr  string
	QtyArgs map[string]any
}

// Available reports whether the row's entry can still be ordered.
func (r *ShopRow) Available() bool { return r.Item != nil }

func shopScope(sc Scope) error {
	if sc.IsStaff() || sc.CustomerID() == 0 {
		return model.ErrNotFound
	}
	return nil
}

// AddFavorite puts an entry into the user's favorites (again: refreshes its
// snapshot). The entry must be published to the user's customer.
func (t *Tx) AddFavorite(sc Scope, userID, entryID uint64) error {
	if err := shopScope(sc); err != nil {
		return err
	}
	it, err := t.CatalogItem(sc, entryID, 0)
	if err != nil {
		return err
	}
	f := &model.Favorite{}
	k := key(userID, entryID)
	if getJSON(t.b(bFavorites), k, f) != nil {
		f = &model.Favorite{UserID: userID, EntryID: entryID, AddedAt: t.Now}
	}
	snapFavorite(f, it)
	return putJSON(t.b(bFavorites), k, f)
}

func snapFavorite(f *model.Favorite, it *CatalogItem) {
	f.Code, f.Title, f.Unit, f.Price = it.Product.Code, itemTitle(it), it.Product.Unit, it.Quote.Price
}

func itemTitle(it *CatalogItem) string {
	if it.Entry.Title != "" {
		return it.Entry.Title
	}
	return it.Product.Name
}

// Favorites lists the user's favorites, newest first, each with the entry as
// it is now (nil Item: unavailable).
func (t *Tx) Favorites(sc Scope, userID uint64) ([]*ShopRow, error) {
	if err := shopScope(sc); err != nil {
		return nil, err
	}
	pc := t.newPricer(sc)
	var out []*ShopRow
	prefix := itob(userID)
	c := t.b(bFavorites).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		f := &model.Favorite{}
		if err := json.Unmarshal(v, f); err != nil {
			return nil, err
		}
		row := &ShopRow{Favorite: f}
		if t.visibleTo(sc.CustomerID(), f.EntryID) {
			it, err := t.catalogItem(pc, f.EntryID, 0)
			if err != nil {
				return nil, err
			}
			row.Item = it
			row.PriceChanged = it.Quote.Price != f.Price
		}
		out = append(out, row)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// RefreshFavorites re-reads the latest catalog values into the user's
// favorites (unavailable ones keep their last values).
func (t *Tx) RefreshFavorites(sc Scope, userID uint64) error {
	rows, err := t.Favorites(sc, userID)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.Item == nil {
			continue
		}
		snapFavorite(r.Favorite, r.Item)
		r.Favorite.RefreshedAt = t.Now
		if err := putJSON(t.b(bFavorites), key(userID, r.Favorite.EntryID), r.Favorite); err != nil {
			return err
		}
	}
	return nil
}

// DeleteFavorite removes an entry from the user's favorites (ErrNotFound when
// it is not there).
func (t *Tx) DeleteFavorite(userID, entryID uint64) error {
	k := key(userID, entryID)
	if t.b(bFavorites).Get(k) == nil {
		return model.ErrNotFound
	}
	return t.b(bFavorites).Delete(k)
}

// CountFavorites counts the user's favorites.
func (t *Tx) CountFavorites(userID uint64) int { return countPrefix(t.b(bFavorites), itob(userID)) }

func countPrefix(b kv.Bucket, prefix []byte) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

// AddToCart adds qty of an entry to the user's cart (read-modify-write in the
// caller's transaction). qty 0 adds one step: the entry's first quantity for
// a new line (its minimum rounded to the multiple), its multiple (or one
// unit) for an existing line. The resulting quantity must respect the
// entry's minimum and multiple (a ValidationError on "qty" says which). The
// entry must be published to the user's customer.
func (t *Tx) AddToCart(sc Scope, userID, entryID uint64, qty model.Qty) (*model.CartLine, error) {
	if err := shopScope(sc); err != nil {
		return nil, err
	}
	it, err := t.CatalogItem(sc, entryID, 0)
	if err != nil {
		return nil, err
	}
	k := key(userID, entryID)
	l := &model.CartLine{}
	if getJSON(t.b(bCart), k, l) != nil {
		l = &model.CartLine{UserID: userID, EntryID: entryID, AddedAt: t.Now}
		if qty == 0 {
			qty = it.Entry.FirstQty()
		}
	} else if qty == 0 {
		qty = it.Entry.Step()
	}
	next, err := model.AddQty(l.Qty, qty)
	if err != nil {
		next = model.MaxQty + 1 // refused just below, at the field
	}
	if err := model.CheckOrderQty(next, it.Entry.MinQty, it.Entry.Multiple); err != nil {
		return nil, err
	}
	l.Qty = next
	// The user sees the price for the new quantity now: "price changed"
	// marks only later changes of the catalog or the price records.
	t.snapLine(l, it, sc)
	l.UpdatedAt = t.Now
	return l, putJSON(t.b(bCart), k, l)
}

func (t *Tx) snapLine(l *model.CartLine, it *CatalogItem, sc Scope) {
	q := t.newPricer(sc).quote(it.Product, l.Qty)
	l.Code, l.Title, l.Unit, l.Price = it.Product.Code, itemTitle(it), it.Product.Unit, q.Price
}

// SetCartQty changes the quantity of a line in the user's cart, within the
// entry's minimum and multiple. ErrNotFound when the line is not in the cart
// or the entry is no longer published to the customer (remove it instead).
func (t *Tx) SetCartQty(sc Scope, userID, entryID uint64, qty model.Qty) (*model.CartLine, error) {
	if err := shopScope(sc); err != nil {
		return nil, err
	}
	k := key(userID, entryID)
	l := &model.CartLine{}
	if err := getJSON(t.b(bCart), k, l); err != nil {
		return nil, err
	}
	e, err := t.CatalogEntry(sc, entryID)
	if err != nil {
		return nil, err
	}
	if err := model.CheckOrderQty(qty, e.MinQty, e.Multiple); err != nil {
		return nil, err
	}
	l.Qty = qty
	it, err := t.catalogItem(t.newPricer(sc), entryID, qty)
	if err != nil {
		return nil, err
	}
	t.snapLine(l, it, sc)
	l.UpdatedAt = t.Now
	return l, putJSON(t.b(bCart), k, l)
}

// RemoveCartLine takes an entry out of the user's cart (ErrNotFound when it
// is not there).
func (t *Tx) RemoveCartLine(userID, entryID uint64) error {
	k := key(userID, entryID)
	if t.b(bCart).Get(k) == nil {
		return model.ErrNotFound
	}
	return t.b(bCart).Delete(k)
}

// EmptyCart removes every line of the user's cart.
func (t *Tx) EmptyCart(userID uint64) error {
	prefix := itob(userID)
	var ks [][]byte
	c := t.b(bCart).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		ks = append(ks, bytes.Clone(k))
	}
	for _, k := range ks {
		if err := t.b(bCart).Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// CartLineQty returns the quantity of an entry in the user's cart (0: none).
func (t *Tx) CartLineQty(userID, entryID uint64) model.Qty {
	l := &model.CartLine{}
	if getJSON(t.b(bCart), key(userID, entryID), l) != nil {
		return 0
	}
	return l.Qty
}

// CartQuantities returns the quantity of every entry in the user's cart, by
// entry id (empty for an empty cart).
func (t *Tx) CartQuantities(userID uint64) map[uint64]model.Qty {
	out := map[uint64]model.Qty{}
	prefix := itob(userID)
	c := t.b(bCart).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		l := &model.CartLine{}
		if json.Unmarshal(v, l) == nil {
			out[btoi(k[8:])] = l.Qty
		}
	}
	return out
}

// CartTotals are the sums of the orderable lines of a cart.
type CartTotals struct {
	Lines       int
	Orderable   int
	Unavailable int
	Amount      model.Money // tax-inclusive, at current effective prices
	Tax         model.Money // the tax part of Amount
}

// Cart lists the user's cart in the order lines were added, each priced at
// the current effective price for its quantity, with totals over the lines
// that can be ordered.
func (t *Tx) Cart(sc Scope, userID uint64) ([]*ShopRow, CartTotals, error) {
	var tot CartTotals
	if err := shopScope(sc); err != nil {
		return nil, tot, err
	}
	pc := t.newPricer(sc)
	var out []*ShopRow
	var lines []*model.CartLine
	var entries []uint64
	prefix := itob(userID)
	c := t.b(bCart).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		l := &model.CartLine{}
		if err := json.Unmarshal(v, l); err != nil {
			return nil, tot, err
		}
		lines, entries = append(lines, l), append(entries, l.EntryID)
	}
	t.prefetchItems(pc, sc.CustomerID(), entries)
	for _, l := range lines {
		row := &ShopRow{Line: l}
		tot.Lines++
		if t.visibleTo(sc.CustomerID(), l.EntryID) {
			it, err := t.catalogItem(pc, l.EntryID, l.Qty)
			if err != nil {
				return nil, tot, err
			}
			row.Item = it
			row.PriceChanged = it.Quote.Price != l.Price
			amount, aerr := model.LineAmount(l.Qty, it.Quote.Price)
			sum, serr := model.AddMoney(tot.Amount, amount)
			var re *model.RangeError
			switch err := model.CheckOrderQty(l.Qty, it.Entry.MinQty, it.Entry.Multiple); {
			case err != nil:
				f := err.(*model.ValidationError).Fields[0]
				row.QtyErr, row.QtyArgs = f.Key, f.Args
			case errors.As(aerr, &re):
				row.QtyErr, row.QtyArgs = re.Key, re.Args
			case serr != nil || model.CheckAmount(sum) != nil:
				// The cart as a whole would pass what one order may hold.
				row.Amount = amount
				row.QtyErr, row.QtyArgs = "err.total_range", map[string]any{"max": model.MaxAmount.String()}
			default:
				row.Amount = amount
				tot.Orderable++
				tot.Amount = sum
				tot.Tax += taxPart(row.Amount, it.Product.TaxRate)
			}
		} else {
			tot.Unavailable++
		}
		out = append(out, row)
	}
	sortRowsByAdded(out)
	return out, tot, nil
}

// taxPart is the tax contained in a tax-inclusive amount at rate (basis
// points), rounded half away from zero to the cent.
func taxPart(incl model.Money, rate int64) model.Money {
	if rate <= 0 {
		return 0
	}
	num := int64(incl) * rate
	den := int64(10000 + rate)
	if num >= 0 {
		return model.Money((num + den/2) / den)
	}
	return model.Money((num - den/2) / den)
}

func sortRowsByAdded(rows []*ShopRow) {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Line.AddedAt.Before(rows[j].Line.AddedAt) })
}

// RefreshCart re-reads the latest catalog values (title, unit, price) into
// the user's cart lines; unavailable lines keep their last values.
func (t *Tx) RefreshCart(sc Scope, userID uint64) error {
	rows, _, err := t.Cart(sc, userID)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.Item == nil {
			continue
		}
		r.Line.Code, r.Line.Title, r.Line.Unit, r.Line.Price = r.Item.Product.Code, itemTitle(r.Item), r.Item.Product.Unit, r.Item.Quote.Price
		if err := putJSON(t.b(bCart), key(userID, r.Line.EntryID), r.Line); err != nil {
			return err
		}
	}
	return nil
}

// OrderLine is a cart line ready to become a line of an online order: the
// entry, its product, the quantity and the effective unit price now.
type OrderLine struct {
	Entry     *model.CatalogEntry
	Product   *model.Product
	Qty       model.Qty
	UnitPrice model.Money
	Amount    model.Money
	TaxRate   int64
}

// OrderableCartLines returns the lines of the user's cart that can be ordered
// now (all lines, or only entryIDs when given) at current effective prices,
// for "generate online order" (生成网上订货单). It refuses with a
// ValidationError on "lines" when a chosen line is unavailable or breaks the
// entry's quantity rules, and when nothing is left to order; the orders
// module then removes the ordered lines with RemoveCartLine in the same
// transaction as the order it creates.
func (t *Tx) OrderableCartLines(sc Scope, userID uint64, entryIDs []uint64) ([]OrderLine, error) {
	rows, _, err := t.Cart(sc, userID)
	if err != nil {
		return nil, err
	}
	want := map[uint64]bool{}
	for _, id := range entryIDs {
		want[id] = true
	}
	var out []OrderLine
	for _, r := range rows {
		if len(want) > 0 && !want[r.Line.EntryID] {
			continue
		}
		if r.Item == nil {
			return nil, model.Invalid("lines", "err.cart_unavailable")
		}
		if r.QtyErr != "" {
			return nil, model.Invalid("lines", r.QtyErr)
		}
		out = append(out, OrderLine{Entry: r.Item.Entry, Product: r.Item.Product, Qty: r.Line.Qty,
			UnitPrice: r.Item.Quote.Price, Amount: r.Amount, TaxRate: r.Item.Product.TaxRate})
	}
	if len(out) == 0 {
		return nil, model.Invalid("lines", "err.cart_empty")
	}
	return out, nil
}

// ---- previously bought ----

// RecordPurchase is the hook the orders module calls when an online order is
// submitted (or a sales order audited) for a customer: it remembers, per
// customer and product, how often, how much and at what price it was last
// bought, for the "previously bought" list.
func (t *Tx) RecordPurchase(customerID, productID uint64, qty model.Qty, price model.Money, doc string) error {
	k := key(customerID, productID)
	p := &model.Purchase{}
	if getJSON(t.b(bPurchases), k, p) != nil {
		p = &model.Purchase{CustomerID: customerID, ProductID: productID}
	}
	p.Times++
	p.LastQty, p.LastPrice, p.LastAt, p.LastDoc = qty, price, t.Now, doc
	return putJSON(t.b(bPurchases), k, p)
}

// BoughtRow is one previously bought product with its catalog entry as the
// customer may see it now (nil: no longer published, cannot be re-ordered).
type BoughtRow struct {
	Purchase *model.Purchase
	Product  *model.Product
	Item     *CatalogItem
}

// PreviouslyBought lists what the dealer's customer has bought before, most
// recent first. Empty until the orders module records purchases.
func (t *Tx) PreviouslyBought(sc Scope) ([]*BoughtRow, error) {
	if err := shopScope(sc); err != nil {
		return nil, err
	}
	pc := t.newPricer(sc)
	var out []*BoughtRow
	prefix := itob(sc.CustomerID())
	c := t.b(bPurchases).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		p := &model.Purchase{}
		if err := json.Unmarshal(v, p); err != nil {
			return nil, err
		}
		row := &BoughtRow{Purchase: p}
		row.Product, _ = t.product(p.ProductID)
		if eid := btoi(t.b(bCatalogByProduct).Get(itob(p.ProductID))); eid != 0 && t.visibleTo(sc.CustomerID(), eid) {
			if it, err := t.catalogItem(pc, eid, 0); err == nil {
				row.Item = it
			}
		}
		out = append(out, row)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Purchase.LastAt.After(out[j].Purchase.LastAt) })
	return out, nil
}
