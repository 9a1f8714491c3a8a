package store

import (
	"bytes"
	"encoding/binary"
	"sort"
	"strings"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// Buckets of the ordering center (订货中心). Index buckets are named after
// what they index; allBuckets lists them.
var (
	bProducts         = []byte("products")
	bProductsByCode   = []byte("products_by_code")
	bStock            = []byte("product_stock")
	bImageVariants    = []byte("product_image_variants")
	bCategories       = []byte("categories")
	bCategoriesByCode = []byte("categories_by_code")
	bCatalog          = []byte("catalog_entries")
	bCatalogByProduct = []byte("catalog_by_product")
	bCatalogSummary   = []byte("catalog_summary")
	bCatalogTargets   = []byte("catalog_targets")
	bCustCatalog      = []byte("customer_catalog")
	bCatalogNotified  = []byte("catalog_notified")
	bPrices           = []byte("price_records")
	bPricesByProduct  = []byte("prices_by_product")
	bFavorites        = []byte("favorites")
	bCart             = []byte("cart_lines")
	bPurchases        = []byte("purchases")
	bVisits           = []byte("catalog_visits")
	bImportJobs       = []byte("import_jobs")
)

// ---- products ----

func (t *Tx) product(id uint64) (*model.Product, error) {
	p := &model.Product{}
	if err := t.getJSONID(t.b(bProducts), id, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Product returns a product for staff (master data, no data scope), or
// ErrNotFound. Dealers reach products only through catalog entries.
func (t *Tx) Product(id uint64) (*model.Product, error) { return t.product(id) }

// ProductByCode finds a product by its code (any case), or ErrNotFound.
func (t *Tx) ProductByCode(code string) (*model.Product, error) {
	v := t.b(bProductsByCode).Get([]byte(strings.ToUpper(strings.TrimSpace(code))))
	if v == nil {
		return nil, model.ErrNotFound
	}
	return t.product(btoi(v))
}

// ProductFilter narrows the product list. Zero fields do not filter.
type ProductFilter struct {
	Q       string // code, name, spec or barcode contains
	Active  string // "yes", "no" or ""
	Listed  string // "yes": has a catalog entry, "no": has none
	SortKey string // "code" (default) or "name"
}

// ListProducts returns one page of products in code order and how many
// match. Products are master data: every staff member sees them all.
func (t *Tx) ListProducts(f ProductFilter, p Page) ([]*model.Product, int, error) {
	q := strings.ToLower(strings.TrimSpace(f.Q))
	var matched []*model.Product
	c := t.b(bProductsByCode).Cursor()
	total := 0
	type row struct {
		id   uint64
		name string
	}
	var rows []row
	for k, v := c.First(); k != nil; k, v = c.Next() {
		id := btoi(v)
		if f.Listed != "" && (t.b(bCatalogByProduct).Get(itob(id)) != nil) != (f.Listed == "yes") {
			continue
		}
		if q == "" && f.Active == "" && f.SortKey != "name" {
			rows = append(rows, row{id: id})
			continue
		}
		pr, err := t.product(id)
		if err != nil {
			return nil, 0, err
		}
		if f.Active != "" && pr.Active != (f.Active == "yes") {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(pr.Code+"\x1f"+pr.Name+"\x1f"+pr.Spec+"\x1f"+pr.Barcode), q) {
			continue
		}
		rows = append(rows, row{id: id, name: pr.Name})
	}
	if f.SortKey == "name" {
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	}
	if p.Desc {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	total = len(rows)
	for i, r := range rows {
		if i < p.Offset || p.Limit < 0 || p.Limit > 0 && len(matched) >= p.Limit {
			continue
		}
		pr, err := t.product(r.id)
		if err != nil {
			return nil, 0, err
		}
		matched = append(matched, pr)
	}
	return matched, total, nil
}

// SaveProduct creates (ID 0, with a zero stock record) or updates a product
// with optimistic locking. Codes are unique. A change that matters to the
// catalog (code, name, spec, active) updates the catalog index in the same
// transaction; reactivating a product publishes its entry again to the
// customers its targets cover (raising catalog.published only for customers
// never told about it).
func (t *Tx) SaveProduct(p *model.Product) (err error) {
	defer keepOnError(&p.ID, &p.Meta, &err)()
	if err := p.Validate(); err != nil {
		return err
	}
	b := t.b(bProducts)
	var old *model.Product
	if p.ID == 0 {
		id, err := nextID(b)
		if err != nil {
			return err
		}
		p.ID = id
		t.stamp(p)
		if err := putJSON(t.b(bStock), itob(id), &model.Stock{ProductID: id, Version: 1, UpdatedAt: t.Now, UpdatedBy: t.By}); err != nil {
			return err
		}
	} else {
		if old, err = t.product(p.ID); err != nil {
			return err
		}
		if err := t.checkVersion(old, p); err != nil {
			return err
		}
		p.Images = old.Images // images change through their own actions
		if err := t.b(bProductsByCode).Delete([]byte(old.Code)); err != nil {
			return err
		}
	}
	if err := putUnique(t.b(bProductsByCode), []byte(p.Code), itob(p.ID), "code"); err != nil {
		return err
	}
	if err := putJSON(b, itob(p.ID), p); err != nil {
		return err
	}
	return t.productChanged(p)
}

// putProductImages stores a product's image list without touching its version
// (images are added and removed by their own actions).
func (t *Tx) putProductImages(p *model.Product) error {
	p.UpdatedAt, p.UpdatedBy = t.Now, t.By
	if err := putJSON(t.b(bProducts), itob(p.ID), p); err != nil {
		return err
	}
	return t.refreshCatalogSummary(p) // the thumbnail lists show
}

// ---- stock ----

// Stock returns a product's enterprise stock, or ErrNotFound for an unknown
// product.
func (t *Tx) Stock(productID uint64) (*model.Stock, error) {
	s := &model.Stock{}
	if err := t.getJSONID(t.b(bStock), productID, s); err != nil {
		if t.b(bProducts).Get(itob(productID)) == nil {
			return nil, err
		}
		return &model.Stock{ProductID: productID}, nil
	}
	return s, nil
}

// AdjustStock changes a product's on-hand and reserved quantities by the
// given amounts, reading and writing the stock record in the caller's
// transaction (so concurrent changes never lose one). It refuses to make
// either quantity negative. The orders module reserves at sales-order audit
// (dOnHand 0, dReserved +q), releases at close or unaudit (0, −q) and ships at
// outbound (−q, −q); a red outbound restocks (+q, 0).
func (t *Tx) AdjustStock(productID uint64, dOnHand, dReserved model.Qty) (*model.Stock, error) {
	s, err := t.Stock(productID)
	if err != nil {
		return nil, err
	}
	if s.OnHand+dOnHand < 0 {
		return nil, model.Invalid("on_hand", "err.stock_negative")
	}
	if s.Reserved+dReserved < 0 {
		return nil, model.Invalid("reserved", "err.stock_negative")
	}
	s.OnHand += dOnHand
	s.Reserved += dReserved
	s.Version++
	s.UpdatedAt, s.UpdatedBy = t.Now, t.By
	return s, putJSON(t.b(bStock), itob(productID), s)
}

// SetStockOnHand records a stock count: on hand becomes onHand, with an
// optimistic-lock check on the stock record's version.
func (t *Tx) SetStockOnHand(productID uint64, onHand model.Qty, version uint64) (*model.Stock, error) {
	s, err := t.Stock(productID)
	if err != nil {
		return nil, err
	}
	if s.Version != version {
		return nil, &model.ConflictError{By: s.UpdatedBy, At: s.UpdatedAt}
	}
	if onHand < 0 {
		return nil, model.Invalid("on_hand", "err.not_negative")
	}
	return t.AdjustStock(productID, onHand-s.OnHand, 0)
}

// ---- product images ----

// AddProductImage stores an uploaded, checked picture of product id as an
// attachment (owner "product") with its pre-computed variants, and appends
// it to the product's images.
func (t *Tx) AddProductImage(productID uint64, a *model.Attachment, original []byte, variants map[byte][]byte) error {
	p, err := t.product(productID)
	if err != nil {
		return err
	}
	a.OwnerType, a.OwnerID, a.CustomerID = "product", productID, 0
	if err := t.AddAttachment(a, original); err != nil {
		return err
	}
	for v, data := range variants {
		if err := t.b(bImageVariants).Put(append(itob(a.ID), v), data); err != nil {
			return err
		}
	}
	p.Images = append(p.Images, model.ProductImage{ID: a.ID, Hash: a.SHA256[:12]})
	return t.putProductImages(p)
}

// DeleteProductImage removes one picture of a product and its variants.
func (t *Tx) DeleteProductImage(productID, imageID uint64) error {
	p, err := t.product(productID)
	if err != nil {
		return err
	}
	kept := p.Images[:0]
	found := false
	for _, im := range p.Images {
		if im.ID == imageID {
			found = true
			continue
		}
		kept = append(kept, im)
	}
	if !found {
		return model.ErrNotFound
	}
	p.Images = kept
	if err := t.DeleteAttachment(AdminScope(), imageID); err != nil {
		return err
	}
	for _, v := range []byte{model.ImageSmall, model.ImageMedium} {
		if err := t.b(bImageVariants).Delete(append(itob(imageID), v)); err != nil {
			return err
		}
	}
	return t.putProductImages(p)
}

// ProductImage returns the bytes of an image variant (0: the original) and
// its content type, when sc may see the product: staff always, a dealer only
// when the product's catalog entry is published to its customer. Otherwise
// ErrNotFound.
func (t *Tx) ProductImage(sc Scope, imageID uint64, variant byte) ([]byte, string, error) {
	a, data, err := t.Attachment(sc, imageID)
	if err != nil || a.OwnerType != "product" {
		return nil, "", model.ErrNotFound
	}
	if variant == 0 {
		return data, a.ContentType, nil
	}
	v := t.b(bImageVariants).Get(append(itob(imageID), variant))
	if v == nil {
		return data, a.ContentType, nil
	}
	return bytes.Clone(v), "image/jpeg", nil
}

func init() {
	RegisterAttachmentAccess("product", func(t *Tx, sc Scope, a *model.Attachment) bool {
		if sc.IsStaff() {
			return true
		}
		if sc.CustomerID() == 0 {
			return false
		}
		eid := btoi(t.b(bCatalogByProduct).Get(itob(a.OwnerID)))
		return eid != 0 && t.b(bCustCatalog).Get(key(sc.CustomerID(), eid)) != nil
	})
}

// ---- categories ----

// Categories returns every category in code order.
func (t *Tx) Categories() ([]*model.Category, error) {
	var out []*model.Category
	cats := t.b(bCategories)
	var ids [][]byte
	c := t.b(bCategoriesByCode).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		ids = append(ids, v)
	}
	// On PostgreSQL one query for the tree, not one per category.
	kv.Prefetch(cats, ids)
	for _, id := range ids {
		cat := &model.Category{}
		if err := getJSON(cats, id, cat); err != nil {
			return nil, err
		}
		out = append(out, cat)
	}
	return out, nil
}

// CategoryTree returns the category tree as this transaction sees it.
func (t *Tx) CategoryTree() *model.CategoryTree {
	cats, _ := t.Categories()
	return model.NewCategoryTree(cats)
}

// Category returns one category or ErrNotFound.
func (t *Tx) Category(id uint64) (*model.Category, error) {
	c := &model.Category{}
	if err := t.getJSONID(t.b(bCategories), id, c); err != nil {
		return nil, err
	}
	return c, nil
}

// CategoryByCode finds a category by code, or ErrNotFound.
func (t *Tx) CategoryByCode(code string) (*model.Category, error) {
	v := t.b(bCategoriesByCode).Get([]byte(strings.ToUpper(strings.TrimSpace(code))))
	if v == nil {
		return nil, model.ErrNotFound
	}
	return t.Category(btoi(v))
}

// SaveCategory creates (ID 0) or updates a category with optimistic locking;
// codes are unique, the parent must exist and a move may not put a category
// below itself.
func (t *Tx) SaveCategory(c *model.Category) (err error) {
	defer keepOnError(&c.ID, &c.Meta, &err)()
	if err := c.Validate(); err != nil {
		return err
	}
	if c.ParentID != 0 {
		tree := t.CategoryTree()
		if tree.Get(c.ParentID) == nil {
			return model.Invalid("parent_id", "err.choice")
		}
		if c.ID != 0 && tree.IsWithin(c.ParentID, c.ID) {
			return model.Invalid("parent_id", "err.category_cycle")
		}
	}
	b := t.b(bCategories)
	if c.ID == 0 {
		id, err := nextID(b)
		if err != nil {
			return err
		}
		c.ID = id
		t.stamp(c)
	} else {
		old, err := t.Category(c.ID)
		if err != nil {
			return err
		}
		if err := t.checkVersion(old, c); err != nil {
			return err
		}
		if err := t.b(bCategoriesByCode).Delete([]byte(old.Code)); err != nil {
			return err
		}
	}
	if err := putUnique(t.b(bCategoriesByCode), []byte(c.Code), itob(c.ID), "code"); err != nil {
		return err
	}
	return putJSON(b, itob(c.ID), c)
}

// ---- small helpers ----

// appendStr and readStr encode length-prefixed strings in index values.
func appendStr(b []byte, s string) []byte {
	if len(s) > 0xffff {
		s = s[:0xffff]
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func readStr(b []byte) (string, []byte) {
	if len(b) < 2 {
		return "", nil
	}
	n := int(binary.BigEndian.Uint16(b))
	if len(b) < 2+n {
		return "", nil
	}
	return string(b[2 : 2+n]), b[2+n:]
}
