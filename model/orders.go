package model

import "time"

// Orders (订单管理, SPEC §2.3): online orders, sales orders, delivery
// notices, sales outbounds (red ones too), online returns, return notices and
// change requests. Quantities are milli-units, amounts cents; a line's unit
// price is tax-inclusive (含税单价) and its amounts are derived by LineAmounts.

// Order permissions.
const (
	PermOrder         Perm = "orders.dealer"  // dealers: online orders, returns, change requests, tracking
	PermViewOrders    Perm = "orders.view"    // staff: every order document in scope
	PermManageOrders  Perm = "orders.manage"  // staff: sales orders, notices, outbounds, returns, changes
	PermApproveCredit Perm = "credit.approve" // finance: release a credit hold
)

func init() {
	rolePerms[RoleAdmin] = append(rolePerms[RoleAdmin], PermViewOrders, PermManageOrders, PermApproveCredit)
	rolePerms[RoleSales] = append(rolePerms[RoleSales], PermViewOrders, PermManageOrders)
	rolePerms[RoleFinance] = append(rolePerms[RoleFinance], PermViewOrders, PermApproveCredit)
	rolePerms[RoleService] = append(rolePerms[RoleService], PermViewOrders)
	rolePerms[RoleViewer] = append(rolePerms[RoleViewer], PermViewOrders)
	rolePerms[RoleManager] = append(rolePerms[RoleManager], PermOrder)
	rolePerms[RoleBuyer] = append(rolePerms[RoleBuyer], PermOrder)
}

// DateOf is t's calendar date (YYYY-MM-DD) in loc; business dates are kept
// as such strings (see ParseDate).
func DateOf(t time.Time, loc *time.Location) string { return t.In(loc).Format(DateLayout) }

// LineAmounts splits qty × tax-inclusive price into the amount excluding tax,
// the tax and the amount including tax (价税合计), each rounded to the cent;
// excl + tax always equals incl. taxRate is in basis points (1300 = 13%).
func LineAmounts(qty Qty, price Money, taxRate int64) (excl, tax, incl Money) {
	incl = MulQtyPrice(qty, price)
	num := int64(incl) * 10000
	den := 10000 + taxRate
	if num >= 0 {
		excl = Money((num + den/2) / den)
	} else {
		excl = Money((num - den/2) / den)
	}
	return excl, incl - excl, incl
}

// ShipTo is a delivery address as it was when the document was made (a copy:
// later changes to the customer's locations do not move old documents).
type ShipTo struct {
	LocationID uint64 `json:"location_id,omitempty"`
	Name       string `json:"name,omitempty"`
	Address    string `json:"address,omitempty"`
	Contact    string `json:"contact,omitempty"`
	Phone      string `json:"phone,omitempty"`
}

// LineRef points at a line of another document (the source of a line).
type LineRef struct {
	Type DocType `json:"type,omitempty"`
	ID   uint64  `json:"id,omitempty"`
	Line int     `json:"line,omitempty"`
}

// OrderLine is a line of any order document. The product fields are a copy
// taken when the line was made.
type OrderLine struct {
	No           int     `json:"no"`
	ProductID    uint64  `json:"product_id"`
	EntryID      uint64  `json:"entry_id,omitempty"`
	Code         string  `json:"code"`
	Name         string  `json:"name"`
	Spec         string  `json:"spec,omitempty"`
	Unit         string  `json:"unit,omitempty"`
	Qty          Qty     `json:"qty"`
	Price        Money   `json:"price"`
	TaxRate      int64   `json:"tax_rate"`
	AmountExcl   Money   `json:"amount_excl"`
	Tax          Money   `json:"tax"`
	Amount       Money   `json:"amount"`
	DeliveryDate string  `json:"delivery_date,omitempty"`
	Remark       string  `json:"remark,omitempty"`
	Source       LineRef `json:"source,omitempty"`
}

// Compute fills the line's amounts from its quantity, price and tax rate.
func (l *OrderLine) Compute() { l.AmountExcl, l.Tax, l.Amount = LineAmounts(l.Qty, l.Price, l.TaxRate) }

// Totals are a document's sums.
type Totals struct {
	Qty        Qty   `json:"qty"`
	AmountExcl Money `json:"amount_excl"`
	Tax        Money `json:"tax"`
	Amount     Money `json:"amount"`
}

// SumLines computes every line's amounts and returns the totals, with
// checked arithmetic (CheckTotals): a quantity, price or amount beyond its
// bound is a ValidationError at its line and leaves the lines and the
// totals unset, never a wrapped number.
func SumLines(lines []OrderLine) (Totals, error) {
	t, err := CheckTotals(lines)
	if err != nil {
		return Totals{}, err
	}
	for i := range lines {
		lines[i].Compute()
	}
	return t, nil
}

// Online order statuses (网上订货单).
const (
	StatusRejected  Status = "rejected"
	StatusConverted Status = "converted"
	StatusVoid      Status = "void"
)

// OnlineOrderMachine: draft → submitted (dealer) → rejected ⇄ unreject, or
// converted when staff generate the sales order.
var OnlineOrderMachine = Machine{
	{Action: "submit", From: []Status{StatusDraft}, To: StatusSubmitted, Perm: PermOrder},
	{Action: "reject", From: []Status{StatusSubmitted}, To: StatusRejected, Perm: PermManageOrders, NeedsReason: true},
	{Action: "unreject", From: []Status{StatusRejected}, To: StatusSubmitted, Perm: PermManageOrders},
	{Action: "convert", From: []Status{StatusSubmitted}, To: StatusConverted, Perm: PermManageOrders},
}

// SalesOrderMachine: draft → audited ⇄ unaudit (only without downstream
// documents: the store checks) → closed; void only while draft.
var SalesOrderMachine = Machine{
	{Action: "audit", From: []Status{StatusDraft}, To: StatusAudited, Perm: PermManageOrders},
	{Action: "unaudit", From: []Status{StatusAudited}, To: StatusDraft, Perm: PermManageOrders},
	{Action: "close", From: []Status{StatusAudited}, To: StatusClosed, Perm: PermManageOrders},
	{Action: "void", From: []Status{StatusDraft}, To: StatusVoid, Perm: PermManageOrders},
}

// OnlineReturnMachine mirrors the online order: draft → submitted → rejected
// ⇄ unreject, converted when staff generate the return notice.
var OnlineReturnMachine = Machine{
	{Action: "submit", From: []Status{StatusDraft}, To: StatusSubmitted, Perm: PermOrder},
	{Action: "reject", From: []Status{StatusSubmitted}, To: StatusRejected, Perm: PermManageOrders, NeedsReason: true},
	{Action: "unreject", From: []Status{StatusRejected}, To: StatusSubmitted, Perm: PermManageOrders},
	{Action: "convert", From: []Status{StatusSubmitted}, To: StatusConverted, Perm: PermManageOrders},
}

// ChangeRequestMachine: draft → submitted → effective (生效) or rejected.
var ChangeRequestMachine = Machine{
	{Action: "submit", From: []Status{StatusDraft}, To: StatusSubmitted},
	{Action: "make_effective", From: []Status{StatusSubmitted}, To: StatusEffective, Perm: PermManageOrders},
	{Action: "reject", From: []Status{StatusSubmitted}, To: StatusRejected, Perm: PermManageOrders, NeedsReason: true},
}

// StatusEffective: a change request written back to its sales order.
const StatusEffective Status = "effective"

// CanEditOnlineOrder says whether u may edit order o (SPEC §2.3): its
// creator while it is a draft or submitted and not converted; another user
// of the same customer only when the order allows adjustment; staff with the
// manage permission while submitted (CanDeleteOnlineOrder says who deletes).
// It is the permission (CanEditOnlineOrders) and the document's half
// (OnlineOrderEditableBy) together.
func CanEditOnlineOrder(status Status, createdBy string, allowAdjust bool, customerID uint64, u *User) bool {
	return CanEditOnlineOrders(u) && OnlineOrderEditableBy(status, createdBy, allowAdjust, customerID, u)
}

// CanEditOnlineOrders is the permission half of the edit rule, what the
// handler asks before anything is read: a dealer user who may order
// (PermOrder), a staff user who manages orders (PermManageOrders).
func CanEditOnlineOrders(u *User) bool {
	if u == nil || u.Disabled {
		return false
	}
	if u.Kind == KindDealer {
		return u.Can(PermOrder)
	}
	return u.Can(PermManageOrders)
}

// OnlineOrderEditableBy is the document's half of the edit rule, which the
// store asks of the order it loaded in its transaction (the permission is
// the handler's, CanEditOnlineOrders): a draft or submitted order; a dealer
// user of its customer who created it, or any of them when it allows
// adjustment; staff only while submitted and adjustable.
func OnlineOrderEditableBy(status Status, createdBy string, allowAdjust bool, customerID uint64, u *User) bool {
	if u == nil || status != StatusDraft && status != StatusSubmitted {
		return false
	}
	if u.Kind == KindDealer {
		return u.CustomerID == customerID && (u.Username == createdBy || allowAdjust)
	}
	return u.Kind == KindStaff && status == StatusSubmitted && allowAdjust
}

// CanOrderOnline says whether u may enter online orders (the order form,
// the cart's checkout, submitting a draft): an enabled dealer user who may
// order. Staff never enter a dealer's order.
func CanOrderOnline(u *User) bool {
	return u != nil && !u.Disabled && u.Kind == KindDealer && u.Can(PermOrder)
}

// OnlineOrderCreator says whether a new online order of customerID may be
// made with u as its creator: a dealer user of that customer (whether u may
// order is the caller's check, CanOrderOnline). The store asks it of every
// new order, whatever the path.
func OnlineOrderCreator(u *User, customerID uint64) bool {
	return u != nil && u.Kind == KindDealer && customerID != 0 && u.CustomerID == customerID
}

// CanDeleteOnlineOrder says whether u may delete order o: the dealer users
// who may edit it (CanEditOnlineOrder). Staff never delete a dealer's order:
// they reject a submitted one with a reason, which the dealer is told.
func CanDeleteOnlineOrder(status Status, createdBy string, allowAdjust bool, customerID uint64, u *User) bool {
	return u != nil && u.Kind == KindDealer && CanEditOnlineOrder(status, createdBy, allowAdjust, customerID, u)
}

// OnlineOrderDeletableBy is the document's half of the delete rule (the
// store's): a dealer user to whom the order is editable
// (OnlineOrderEditableBy).
func OnlineOrderDeletableBy(status Status, createdBy string, allowAdjust bool, customerID uint64, u *User) bool {
	return u != nil && u.Kind == KindDealer && OnlineOrderEditableBy(status, createdBy, allowAdjust, customerID, u)
}

// Returnable is how much of a shipped line can still be returned: shipped
// minus already returned (and minus what open returns already claim), never
// below zero.
func Returnable(shipped, returned, claimed Qty) Qty {
	if r := shipped - returned - claimed; r > 0 {
		return r
	}
	return 0
}

// CreditExposure is what a customer owes or has ordered and not yet been
// invoiced for (SPEC §7): un-invoiced + invoiced receivable − receipt
// balance + open orders. ErrOverflow when a part or the result passes
// MaxBalance, or open orders are negative (no posting subtracts more than
// was counted: such a figure is damage): the credit check then holds the
// order instead of trusting it.
func CreditExposure(uninvoiced, invoicedReceivable, receiptBalance, openOrders Money) (Money, error) {
	if openOrders < 0 {
		return 0, ErrOverflow
	}
	e, err := SumMoney(uninvoiced, invoicedReceivable, openOrders)
	if err == nil {
		e, err = SubMoney(e, receiptBalance)
	}
	if err != nil || receiptBalance > MaxBalance || receiptBalance < -MaxBalance {
		return 0, ErrOverflow
	}
	return e, nil
}

// CreditExceeded reports whether an order of amount would take the customer
// past its credit limit; a limit of 0 means no limit. It fails closed: an
// amount below zero or beyond MaxAmount, or an exposure beyond MaxBalance,
// exceeds any limit, so that no wrapped number can pass the check.
func CreditExceeded(limit, exposure, amount Money) bool {
	if limit <= 0 {
		return false
	}
	if amount < 0 || CheckAmount(amount) != nil || exposure > MaxBalance || exposure < -MaxBalance {
		return true
	}
	total, err := AddMoney(exposure, amount)
	return err != nil || total > limit
}
