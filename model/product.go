package model

import (
	"strings"
	"time"
)

// Product (商品 / 物料) is master data: what the enterprise sells. Its stock is
// kept apart in a Stock record so that reservations and shipments never
// rewrite (and never conflict with) the product's own fields.
type Product struct {
	ID        uint64 `json:"id"`
	Code      string `json:"code"`
	Name      string `json:"name" validate:"required,max=100"`
	Spec      string `json:"spec,omitempty" validate:"max=100"`
	Unit      string `json:"unit" validate:"required,max=10"`
	Barcode   string `json:"barcode,omitempty" validate:"max=40"`
	ListPrice Money  `json:"list_price" validate:"gte=0"`
	// TaxRate in basis points: 1300 is 13%.
	TaxRate int64 `json:"tax_rate" validate:"gte=0,lte=10000"`
	// Weight in kilograms, as milli-units (grams).
	Weight Qty            `json:"weight,omitempty" validate:"gte=0"`
	Active bool           `json:"active"`
	Images []ProductImage `json:"images,omitempty"`
	Meta
}

// ProductImage is one uploaded picture of a product: the attachment holding
// the original and the short hash that makes its URLs immutable.
type ProductImage struct {
	ID   uint64 `json:"id"`
	Hash string `json:"hash"`
}

// Thumb returns the first image, or nil when the product has none.
func (p *Product) Thumb() *ProductImage {
	if len(p.Images) == 0 {
		return nil
	}
	return &p.Images[0]
}

var barcodeRe = codeRe

// Validate trims and checks the product's own fields (the store checks that
// the code is unique).
func (p *Product) Validate() error {
	trimAll(&p.Code, &p.Name, &p.Spec, &p.Unit, &p.Barcode)
	p.Code = strings.ToUpper(p.Code)
	v := &ValidationError{}
	if !codeRe.MatchString(p.Code) {
		v.Add("code", "err.code", nil)
	}
	if p.Barcode != "" && !barcodeRe.MatchString(p.Barcode) {
		v.Add("barcode", "err.code", nil)
	}
	checkTags(p, v)
	if err := CheckPrice(p.ListPrice); err != nil && !v.Has("list_price") {
		v.AddErr("list_price", err, "err.not_negative")
	}
	if err := CheckQty(p.Weight); err != nil {
		v.AddErr("weight", err, "")
	}
	return v.Err()
}

// ParseTaxRate reads "13", "13%" or "13.5 %" into basis points (1300, 1350).
// Error when it is not a percentage between 0 and 100 with at most two decimals.
func ParseTaxRate(s string) (int64, error) {
	s = strings.TrimSpace(strings.TrimSpace(normalizeDigits(s)))
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(s, "%"), "％"))
	n, err := parseFixed(s, 2)
	if err != nil || n < 0 || n > 10000 {
		return 0, errNumber
	}
	return n, nil
}

// FormatTaxRate shows basis points as a percentage: 1300 → "13%".
func FormatTaxRate(bp int64) string {
	s := strings.TrimSuffix(strings.TrimRight(formatFixed(bp, 2), "0"), ".")
	return s + "%"
}

// Stock (库存) is the enterprise's stock of one product. Reserved is held by
// audited, not fully shipped sales orders; available = on hand − reserved.
type Stock struct {
	ProductID uint64    `json:"product_id"`
	OnHand    Qty       `json:"on_hand"`
	Reserved  Qty       `json:"reserved"`
	Version   uint64    `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

// Available is on hand minus reserved (negative when over-reserved).
func (s *Stock) Available() Qty { return s.OnHand - s.Reserved }

// StockDisplay says how dealers see stock: as a number or as a level.
type StockDisplay string

const (
	StockAsNumber StockDisplay = "number"
	StockAsLevel  StockDisplay = "level"
)

// Stock levels shown instead of numbers.
const (
	StockIn  = "in"
	StockLow = "low"
	StockOut = "out"
)

// OrderingSettings are the ordering center's own settings (订货参数), kept in
// a record of their own, not in the enterprise Settings.
type OrderingSettings struct {
	StockDisplay StockDisplay `json:"stock_display"`
	// LowStock: at or below this available quantity stock shows as low.
	LowStock Qty `json:"low_stock"`
	// CreditBlock: an online order past the customer's credit limit is
	// refused to the dealer at submit (SPEC §7); off, it is submitted with a
	// credit hold for finance to approve.
	CreditBlock bool `json:"credit_block,omitempty"`
	Meta
}

// DefaultOrderingSettings: stock as a level, low at 10 units.
func DefaultOrderingSettings() *OrderingSettings {
	return &OrderingSettings{StockDisplay: StockAsLevel, LowStock: 10 * QtyScale}
}

// Validate checks the settings.
func (o *OrderingSettings) Validate() error {
	v := &ValidationError{}
	if o.StockDisplay != StockAsNumber && o.StockDisplay != StockAsLevel {
		v.Add("stock_display", "err.choice", nil)
	}
	if o.LowStock < 0 {
		v.Add("low_stock", "err.not_negative", nil)
	}
	return v.Err()
}

// StockLevel classifies an available quantity: out (nothing available), low
// (at or below the threshold) or in stock.
func (o *OrderingSettings) StockLevel(avail Qty) string {
	switch {
	case avail <= 0:
		return StockOut
	case avail <= o.LowStock:
		return StockLow
	}
	return StockIn
}

// Category (商品分类) is a node of the product category tree; ParentID 0
// marks a root. Every catalog entry has one.
type Category struct {
	ID       uint64 `json:"id"`
	ParentID uint64 `json:"parent_id,omitempty"`
	Code     string `json:"code"`
	Name     string `json:"name" validate:"required,max=60"`
	Meta
}

// Validate checks the category's own fields.
func (c *Category) Validate() error {
	trimAll(&c.Code, &c.Name)
	c.Code = strings.ToUpper(c.Code)
	v := &ValidationError{}
	if !codeRe.MatchString(c.Code) {
		v.Add("code", "err.code", nil)
	}
	checkTags(c, v)
	if c.ParentID != 0 && c.ParentID == c.ID {
		v.Add("parent_id", "err.category_cycle", nil)
	}
	return v.Err()
}

// CategoryTree is an in-memory view of all categories.
type CategoryTree struct {
	cats     map[uint64]*Category
	children map[uint64][]uint64
	roots    []uint64
}

// NewCategoryTree indexes cats (the order given becomes child order).
func NewCategoryTree(cats []*Category) *CategoryTree {
	t := &CategoryTree{cats: map[uint64]*Category{}, children: map[uint64][]uint64{}}
	for _, c := range cats {
		t.cats[c.ID] = c
	}
	for _, c := range cats {
		if _, ok := t.cats[c.ParentID]; c.ParentID != 0 && ok {
			t.children[c.ParentID] = append(t.children[c.ParentID], c.ID)
		} else {
			t.roots = append(t.roots, c.ID)
		}
	}
	return t
}

// Get returns the category with id, or nil.
func (t *CategoryTree) Get(id uint64) *Category { return t.cats[id] }

// Subtree returns id and all its descendants as a set; empty when unknown.
func (t *CategoryTree) Subtree(id uint64) map[uint64]bool {
	out := map[uint64]bool{}
	if _, ok := t.cats[id]; !ok {
		return out
	}
	queue := []uint64{id}
	out[id] = true
	for i := 0; i < len(queue); i++ {
		for _, c := range t.children[queue[i]] {
			if !out[c] {
				out[c] = true
				queue = append(queue, c)
			}
		}
	}
	return out
}

// IsWithin reports whether id lies in the subtree of ancestor (itself included).
func (t *CategoryTree) IsWithin(id, ancestor uint64) bool {
	for seen := 0; id != 0 && seen <= len(t.cats); seen++ {
		if id == ancestor {
			return true
		}
		c := t.cats[id]
		if c == nil {
			return false
		}
		id = c.ParentID
	}
	return false
}

// Path returns the names from the root down to id, joined by " / ".
func (t *CategoryTree) Path(id uint64) string {
	var names []string
	for seen := 0; id != 0 && seen <= len(t.cats); seen++ {
		c := t.cats[id]
		if c == nil {
			break
		}
		names = append([]string{c.Name}, names...)
		id = c.ParentID
	}
	return strings.Join(names, " / ")
}

// CategoryNode is one category with its depth, for an indented listing.
type CategoryNode struct {
	Cat   *Category
	Depth int
}

// Flatten lists the tree depth-first with depths.
func (t *CategoryTree) Flatten() []CategoryNode {
	var out []CategoryNode
	seen := map[uint64]bool{}
	var walk func(id uint64, d int)
	walk = func(id uint64, d int) {
		if seen[id] {
			return
		}
		seen[id] = true
		out = append(out, CategoryNode{t.cats[id], d})
		for _, c := range t.children[id] {
			walk(c, d+1)
		}
	}
	for _, r := range t.roots {
		walk(r, 0)
	}
	return out
}
