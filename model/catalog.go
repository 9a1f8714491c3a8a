package model

import (
	"strings"
	"time"
)

// TargetKind is what a publish target names: one customer, a customer group,
// or an org unit (covering every customer in its subtree).
type TargetKind string

const (
	TargetCustomer TargetKind = "customer"
	TargetGroup    TargetKind = "group"
	TargetOrg      TargetKind = "org"
)

// Target is one publish target (发布对象) of a catalog entry.
type Target struct {
	Kind TargetKind `json:"kind"`
	ID   uint64     `json:"id"`
}

// CatalogEntry (商品目录) offers a product to the customers its targets cover,
// once audited: a customer sees the entry when any target covers it.
type CatalogEntry struct {
	ID          uint64 `json:"id"`
	ProductID   uint64 `json:"product_id"`
	CategoryID  uint64 `json:"category_id"`
	Title       string `json:"title" validate:"max=120"`
	Description string `json:"description,omitempty" validate:"max=2000"`
	// MinQty is the smallest quantity a dealer may order (0: no minimum).
	MinQty Qty `json:"min_qty" validate:"gte=0"`
	// Multiple: ordered quantities must be a multiple of it (0: any).
	Multiple Qty `json:"multiple" validate:"gte=0"`
	// ShowListPrice shows dealers the list price beside their own price.
	ShowListPrice bool     `json:"show_list_price,omitempty"`
	Targets       []Target `json:"targets,omitempty"`
	Doc
}

// Validate checks the entry's own fields (the store checks that product,
// category and targets exist).
func (e *CatalogEntry) Validate() error {
	trimAll(&e.Title, &e.Description)
	v := &ValidationError{}
	checkTags(e, v)
	if e.ProductID == 0 {
		v.Add("product_id", "err.required", nil)
	}
	if e.CategoryID == 0 {
		v.Add("category_id", "err.required", nil)
	}
	if e.Multiple > 0 && e.MinQty > 0 && e.MinQty%e.Multiple != 0 {
		v.Add("min_qty", "err.min_not_multiple", map[string]any{"multiple": e.Multiple.String()})
	}
	for _, t := range e.Targets {
		if t.ID == 0 || (t.Kind != TargetCustomer && t.Kind != TargetGroup && t.Kind != TargetOrg) {
			v.Add("targets", "err.choice", nil)
		}
	}
	return v.Err()
}

// HasTarget reports whether the entry already names t.
func (e *CatalogEntry) HasTarget(t Target) bool {
	for _, x := range e.Targets {
		if x == t {
			return true
		}
	}
	return false
}

// TargetsAudience is the audience that publish targets name, so that one
// rule (store.Tx.CoversAudience) decides both announcements and entries.
func TargetsAudience(ts []Target) Audience {
	var a Audience
	for _, t := range ts {
		switch t.Kind {
		case TargetCustomer:
			a.Customers = append(a.Customers, t.ID)
		case TargetGroup:
			a.Groups = append(a.Groups, t.ID)
		case TargetOrg:
			a.OrgUnits = append(a.OrgUnits, t.ID)
		}
	}
	return a
}

// Step is the quantity one "add" puts into the cart: the multiple, or one
// unit. A new cart line starts at FirstQty.
func (e *CatalogEntry) Step() Qty {
	if e.Multiple > 0 {
		return e.Multiple
	}
	return QtyScale
}

// FirstQty is the quantity of a new cart line: the minimum rounded up to the
// multiple, at least one step.
func (e *CatalogEntry) FirstQty() Qty {
	q := max(e.MinQty, e.Step())
	if e.Multiple > 0 && q%e.Multiple != 0 {
		q += e.Multiple - q%e.Multiple
	}
	return q
}

// CatalogMachine is the catalog entry's life cycle: draft ⇄ audited (审核 =
// published to its targets).
var CatalogMachine = Machine{
	{Action: "audit", From: []Status{StatusDraft}, To: StatusAudited, Perm: PermManageCatalog},
	{Action: "unaudit", From: []Status{StatusAudited}, To: StatusDraft, Perm: PermManageCatalog},
}

// CheckOrderQty checks a quantity against an entry's minimum and multiple;
// the error (field "qty") says which rule failed, with the numbers.
func CheckOrderQty(q, minQty, multiple Qty) error {
	v := &ValidationError{}
	switch {
	case q <= 0:
		v.Add("qty", "err.qty_positive", nil)
	case q > MaxQty:
		v.AddErr("qty", qtyRange(), "")
	case minQty > 0 && q < minQty:
		v.Add("qty", "err.qty_min", map[string]any{"min": minQty.String()})
	case multiple > 0 && q%multiple != 0:
		v.Add("qty", "err.qty_multiple", map[string]any{"multiple": multiple.String()})
	}
	return v.Err()
}

// PriceRecord (客户价格资料) is a negotiated price of a product for one
// customer or one customer group, from a minimum quantity (quantity breaks),
// valid between two dates (inclusive, in the enterprise's zone; empty means
// open). Only audited records count.
type PriceRecord struct {
	ID         uint64 `json:"id"`
	CustomerID uint64 `json:"customer_id,omitempty"`
	GroupID    uint64 `json:"group_id,omitempty"`
	ProductID  uint64 `json:"product_id"`
	Price      Money  `json:"price" validate:"gte=0"`
	MinQty     Qty    `json:"min_qty" validate:"gte=0"`
	From       string `json:"from,omitempty"`
	To         string `json:"to,omitempty"`
	Remarks    string `json:"remarks,omitempty" validate:"max=200"`
	Doc
}

// DateLayout is how civil dates are kept in records and typed in forms.
const DateLayout = "2006-01-02"

// ParseDate normalises a date typed as 2026-03-01, 2026/3/1 or 2026.3.1 (full
// width tolerated) to YYYY-MM-DD; "" stays "".
func ParseDate(s string) (string, error) {
	s = strings.TrimSpace(normalizeDigits(s))
	if s == "" {
		return "", nil
	}
	s = strings.NewReplacer("/", "-", ".", "-", "年", "-", "月", "-", "日", "").Replace(s)
	for _, layout := range []string{"2006-1-2", DateLayout} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(DateLayout), nil
		}
	}
	return "", errNumber
}

// Validate checks the record's own fields: exactly one of customer and group,
// a product, and from ≤ to.
func (p *PriceRecord) Validate() error {
	trimAll(&p.Remarks)
	v := &ValidationError{}
	checkTags(p, v)
	if (p.CustomerID == 0) == (p.GroupID == 0) {
		v.Add("customer_id", "err.price_target", nil)
	}
	if p.ProductID == 0 {
		v.Add("product_id", "err.required", nil)
	}
	var err error
	if p.From, err = ParseDate(p.From); err != nil {
		v.Add("from", "err.price_date", nil)
	}
	if p.To, err = ParseDate(p.To); err != nil {
		v.Add("to", "err.price_date", nil)
	}
	if p.From != "" && p.To != "" && p.To < p.From {
		v.Add("to", "err.price_date_order", nil)
	}
	if err := CheckPrice(p.Price); err != nil && !v.Has("price") {
		v.AddErr("price", err, "err.not_negative")
	}
	if err := CheckQty(p.MinQty); err != nil {
		v.AddErr("min_qty", err, "")
	}
	return v.Err()
}

// EffectiveOn reports whether the record is valid on day (YYYY-MM-DD).
func (p *PriceRecord) EffectiveOn(day string) bool {
	return (p.From == "" || p.From <= day) && (p.To == "" || day <= p.To)
}

// PriceMachine is the price record's life cycle: draft ⇄ audited.
var PriceMachine = Machine{
	{Action: "audit", From: []Status{StatusDraft}, To: StatusAudited, Perm: PermManageCatalog},
	{Action: "unaudit", From: []Status{StatusAudited}, To: StatusDraft, Perm: PermManageCatalog},
}

// PriceSource says where an effective price came from.
type PriceSource string

const (
	PriceFromCustomer PriceSource = "customer"
	PriceFromGroup    PriceSource = "group"
	PriceFromList     PriceSource = "list"
)

// PriceQuote is an effective price and where it came from (the record, for
// a customer or group price).
type PriceQuote struct {
	Price    Money
	Source   PriceSource
	RecordID uint64
}

// EffectivePrice is the unit price of product for a customer (and its group)
// buying qty on day (YYYY-MM-DD in the enterprise's zone), per SPEC §2.2:
// among the audited records of that product for the customer that are
// effective on day and whose min quantity ≤ qty, the one with the largest min
// quantity (ties: the latest effective-from, then the newest record); if none,
// the same rule over the group's records; if none, the list price. Records of
// other products, customers or groups are ignored, so the caller may pass more
// than it needs.
func EffectivePrice(listPrice Money, records []*PriceRecord, productID, customerID, groupID uint64, qty Qty, day string) PriceQuote {
	pick := func(match func(*PriceRecord) bool) *PriceRecord {
		var best *PriceRecord
		for _, r := range records {
			if r == nil || r.Status != StatusAudited || r.ProductID != productID || !match(r) ||
				r.MinQty > qty || !r.EffectiveOn(day) {
				continue
			}
			if best == nil || r.MinQty > best.MinQty ||
				r.MinQty == best.MinQty && (r.From > best.From || r.From == best.From && r.ID > best.ID) {
				best = r
			}
		}
		return best
	}
	if customerID != 0 {
		if r := pick(func(r *PriceRecord) bool { return r.CustomerID == customerID }); r != nil {
			return PriceQuote{Price: r.Price, Source: PriceFromCustomer, RecordID: r.ID}
		}
	}
	if groupID != 0 {
		if r := pick(func(r *PriceRecord) bool { return r.CustomerID == 0 && r.GroupID == groupID }); r != nil {
			return PriceQuote{Price: r.Price, Source: PriceFromGroup, RecordID: r.ID}
		}
	}
	return PriceQuote{Price: listPrice, Source: PriceFromList}
}

// Favorite (收藏夹) is one catalog entry a dealer user keeps for later. The
// catalog values are a snapshot taken when added or refreshed.
type Favorite struct {
	UserID      uint64    `json:"user_id"`
	EntryID     uint64    `json:"entry_id"`
	Code        string    `json:"code"`
	Title       string    `json:"title"`
	Unit        string    `json:"unit"`
	Price       Money     `json:"price"`
	AddedAt     time.Time `json:"added_at"`
	RefreshedAt time.Time `json:"refreshed_at"`
}

// CartLine (购物车) is one catalog entry in a dealer user's cart. Code, Title,
// Unit and Price are a snapshot (the price as last seen by the user); the
// cart always shows and orders at the current effective price and flags a
// change until the user refreshes.
type CartLine struct {
	UserID    uint64    `json:"user_id"`
	EntryID   uint64    `json:"entry_id"`
	Qty       Qty       `json:"qty"`
	Code      string    `json:"code"`
	Title     string    `json:"title"`
	Unit      string    `json:"unit"`
	Price     Money     `json:"price"`
	AddedAt   time.Time `json:"added_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Visit is what the catalog visit statistics keep per entry and dealer user.
type Visit struct {
	Count uint64    `json:"count"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

// Purchase is one product a customer has bought before ("previously
// bought"), as recorded by the orders module.
type Purchase struct {
	CustomerID uint64    `json:"customer_id"`
	ProductID  uint64    `json:"product_id"`
	Times      int       `json:"times"`
	LastQty    Qty       `json:"last_qty"`
	LastPrice  Money     `json:"last_price"`
	LastAt     time.Time `json:"last_at"`
	LastDoc    string    `json:"last_doc,omitempty"`
}
