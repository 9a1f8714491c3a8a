package model

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Rules of online orders, sales orders and change requests that need no
// storage: validation, open amounts, execution status, change write-back.

// Validate checks an online order's header and lines: at least
// one line, positive quantities, dates as YYYY-MM-DD, field lengths. The
// store checks what needs the catalog (published products, prices).
func (o *OnlineOrder) Validate() error {
	trimAll(&o.Contact, &o.Phone, &o.Remarks)
	v := &ValidationError{}
	checkTags(o, v)
	checkPhone(v, "phone", o.Phone)
	businessDateErr(v, "order_date", o.OrderDate)
	if d, err := ParseDate(o.RequestedDate); err != nil {
		v.Add("requested_date", "err.order_date", nil)
	} else {
		o.RequestedDate = d
		CheckDeliveryDate(v, "requested_date", d, o.OrderDate, false)
	}
	validateLines(o.Lines, o.OrderDate, v)
	return v.Err()
}

// DefaultContact fills an empty contact and phone from the ship-to
// location, so that choosing a location brings its contact even when the
// form was posted without JavaScript with those fields left empty.
func (o *OnlineOrder) DefaultContact() {
	if strings.TrimSpace(o.Contact) == "" {
		o.Contact = o.ShipTo.Contact
	}
	if strings.TrimSpace(o.Phone) == "" {
		o.Phone = o.ShipTo.Phone
	}
}

// validateLines checks an order's lines: at least one and at most
// MaxLines, each with a positive quantity and a price within bounds, an
// amount within MaxAmount, a delivery date in range of the order date, a
// short remark.
func validateLines(lines []OrderLine, orderDate string, v *ValidationError) {
	if len(lines) == 0 {
		v.Add("lines", "err.order_no_lines", nil)
	}
	if len(lines) > MaxLines {
		v.Add("lines", "err.too_many_lines", map[string]any{"max": MaxLines, "n": len(lines)})
	}
	for i := range lines {
		l := &lines[i]
		l.Remark = strings.TrimSpace(l.Remark)
		if l.Qty <= 0 {
			v.Add(LineField(i, "qty"), "err.qty_positive", nil)
		} else if err := CheckQty(l.Qty); err != nil {
			v.AddErr(LineField(i, "qty"), err, "")
		}
		if err := CheckPrice(l.Price); err != nil {
			v.AddErr(LineField(i, "price"), err, "err.not_negative")
		}
		if !v.Has(LineField(i, "qty")) && !v.Has(LineField(i, "price")) {
			if _, err := LineAmount(l.Qty, l.Price); err != nil {
				v.AddErr(LineField(i, "qty"), err, "")
			}
		}
		if d, err := ParseDate(l.DeliveryDate); err != nil {
			v.Add(LineField(i, "delivery"), "err.order_date", nil)
		} else {
			l.DeliveryDate = d
			CheckDeliveryDate(v, LineField(i, "delivery"), d, orderDate, l.Source.Type == DocOnlineOrder)
		}
		if len([]rune(l.Remark)) > 200 {
			v.Add(LineField(i, "remark"), "err.too_long", map[string]any{"max": 200})
		}
	}
}

// LineField names the form field of line i (0-based): "line.3.qty".
func LineField(i int, name string) string { return "line." + strconv.Itoa(i) + "." + name }

// Validate checks a sales order: customer, lines with positive quantities,
// non-negative prices and tax rates, dates, field lengths.
func (o *SalesOrder) Validate() error {
	trimAll(&o.Contact, &o.Phone, &o.Remarks, &o.Settlement)
	v := &ValidationError{}
	checkTags(o, v)
	if o.CustomerID == 0 {
		v.Add("customer", "err.required", nil)
	}
	checkPhone(v, "phone", o.Phone)
	for _, f := range []struct {
		name string
		val  *string
	}{{"order_date", &o.OrderDate}, {"delivery_date", &o.DeliveryDate}} {
		if d, err := ParseDate(*f.val); err != nil {
			v.Add(f.name, "err.order_date", nil)
		} else {
			*f.val = d
		}
	}
	if o.OrderDate == "" {
		v.Add("order_date", "err.required", nil)
	}
	businessDateErr(v, "order_date", o.OrderDate)
	// A sales order generated from an online order keeps the dealer's
	// requested date, which may lie before the day it was generated.
	CheckDeliveryDate(v, "delivery_date", o.DeliveryDate, o.OrderDate, o.OnlineOrderID != 0)
	lines := make([]OrderLine, len(o.Lines))
	for i := range o.Lines {
		lines[i] = o.Lines[i].OrderLine
		if o.Lines[i].TaxRate < 0 || o.Lines[i].TaxRate > 10000 {
			v.Add(LineField(i, "tax_rate"), "err.tax_rate", nil)
		}
	}
	validateLines(lines, o.OrderDate, v)
	for i := range o.Lines {
		o.Lines[i].DeliveryDate, o.Lines[i].Remark = lines[i].DeliveryDate, lines[i].Remark
	}
	return v.Err()
}

// SumSalesLines computes every sales order line's amounts and returns the
// totals, checked like SumLines.
func SumSalesLines(lines []SalesOrderLine) (Totals, error) {
	plain := make([]OrderLine, len(lines))
	for i := range lines {
		plain[i] = lines[i].OrderLine
	}
	t, err := CheckTotals(plain)
	if err != nil {
		return Totals{}, err
	}
	for i := range lines {
		lines[i].Compute()
	}
	return t, nil
}

// CountedOpen is what the order adds to its customer's open orders
// (CustomerBalance.OpenOrders) in its status: the open amount while audited
// (the shipping module lowers it as outbounds post, model/shipping.go),
// nothing otherwise.
func (o *SalesOrder) CountedOpen() Money {
	if o.Status == StatusAudited {
		return o.OpenAmount()
	}
	return 0
}

// CountedOpen is what an online order adds to OpenOrders: its amount while
// submitted (not rejected, not yet converted).
func (o *OnlineOrder) CountedOpen() Money {
	if o.Status == StatusSubmitted {
		return o.Totals.Amount
	}
	return 0
}

// Execution statuses of an online order (shown on it): what became of the
// sales order generated from it.
const (
	ExecNone      = ""
	ExecGenerated = "generated" // sales order generated (draft)
	ExecAudited   = "audited"   // sales order audited
	ExecClosed    = "closed"    // sales order closed
	ExecVoid      = "void"      // sales order voided
)

// ExecutionOf maps the status of the generated sales order to the online
// order's execution status.
func ExecutionOf(so Status) string {
	switch so {
	case StatusDraft:
		return ExecGenerated
	case StatusAudited:
		return ExecAudited
	case StatusClosed:
		return ExecClosed
	case StatusVoid:
		return ExecVoid
	}
	return ExecNone
}

// QtyRule is the ordering rule of a product's catalog entry: the minimum
// order quantity and the multiple (0: none), as the cart applies them
// (CheckOrderQty).
type QtyRule struct {
	Min, Multiple Qty
}

// ValidateChange checks a change request's lines against its sales order:
// at least one line, each an existing line of the order named once, with at
// least one new value; a new quantity never below what already shipped nor
// negative, a new price not negative, a new delivery date a date. A new
// quantity also follows its product's catalog rule in rules (by product id;
// a product without one has none), as the cart does — except a new quantity
// equal to what has shipped, which only cancels the rest of the line.
func (r *ChangeRequest) ValidateChange(so *SalesOrder, rules map[uint64]QtyRule) error {
	r.Reason = strings.TrimSpace(r.Reason)
	v := &ValidationError{}
	checkTags(r, v)
	seen := map[int]bool{}
	n := 0
	for i := range r.Lines {
		c := &r.Lines[i]
		l := so.LineByNo(c.Line)
		if l == nil || seen[c.Line] {
			v.Add(LineField(i, "line"), "err.invalid", nil)
			continue
		}
		seen[c.Line] = true
		if d, err := ParseDate(c.NewDelivery); err != nil {
			v.Add(LineField(i, "new_delivery"), "err.order_date", nil)
		} else {
			c.NewDelivery = d
			CheckDeliveryDate(v, LineField(i, "new_delivery"), d, so.OrderDate, l.Source.Type == DocOnlineOrder)
		}
		if c.NewQty == nil && c.NewPrice == nil && c.NewDelivery == "" {
			v.Add(LineField(i, "new_qty"), "err.change_nothing", nil)
			continue
		}
		if c.NewQty != nil {
			switch {
			case *c.NewQty < 0:
				v.Add(LineField(i, "new_qty"), "err.not_negative", nil)
			case CheckQty(*c.NewQty) != nil:
				v.AddErr(LineField(i, "new_qty"), CheckQty(*c.NewQty), "")
			case *c.NewQty < l.ShippedQty:
				v.Add(LineField(i, "new_qty"), "err.change_below_shipped", map[string]any{"shipped": l.ShippedQty.String()})
			case *c.NewQty != l.ShippedQty:
				rule := rules[l.ProductID]
				var qe *ValidationError
				if errors.As(CheckOrderQty(*c.NewQty, rule.Min, rule.Multiple), &qe) {
					v.Add(LineField(i, "new_qty"), qe.Fields[0].Key, qe.Fields[0].Args)
				}
			}
		}
		if c.NewPrice != nil {
			if err := CheckPrice(*c.NewPrice); err != nil {
				v.AddErr(LineField(i, "new_price"), err, "err.not_negative")
			}
		}
		if !v.Has(LineField(i, "new_qty")) && !v.Has(LineField(i, "new_price")) {
			q, p := l.Qty, l.Price
			if c.NewQty != nil {
				q = *c.NewQty
			}
			if c.NewPrice != nil {
				p = *c.NewPrice
			}
			if _, err := LineAmount(q, p); err != nil {
				v.AddErr(LineField(i, "new_qty"), err, "")
			}
		}
		n++
	}
	if len(r.Lines) == 0 || n == 0 && len(v.Fields) == 0 {
		v.Add("lines", "err.change_no_lines", nil)
	}
	return v.Err()
}

// ApplyChange writes an effective change request back to its sales order
// (生效) by user by at now: each changed line gets its new quantity, price
// and delivery date, its amounts and the order's totals are recomputed, the
// old values are kept both in the request's lines and in the line's change
// history, and the order's trail records the change. Open delivery notices
// that now ask for more than a line has open are cut (CutOpenNotices, newest
// first): the cuts are kept in the request, and the notices changed are
// returned for the caller to store. It refuses (ValidationError, nothing
// touched) when the request no longer fits the order, e.g. a new quantity
// below what has shipped since.
func ApplyChange(so *SalesOrder, r *ChangeRequest, rules map[uint64]QtyRule, notices []*DeliveryNotice, by string, now time.Time) ([]*DeliveryNotice, error) {
	if err := r.ValidateChange(so, rules); err != nil {
		return nil, err
	}
	// The new totals first, on a copy of the figures: an order beyond the
	// bounds stays as it was.
	trial := make([]OrderLine, len(so.Lines))
	for i := range so.Lines {
		trial[i] = so.Lines[i].OrderLine
	}
	for _, c := range r.Lines {
		for i := range trial {
			if trial[i].No != c.Line {
				continue
			}
			if c.NewQty != nil {
				trial[i].Qty = *c.NewQty
			}
			if c.NewPrice != nil {
				trial[i].Price = *c.NewPrice
			}
		}
	}
	t, err := CheckTotals(trial)
	if err != nil {
		v := &ValidationError{}
		v.Add("lines", "err.total_range", map[string]any{"max": MaxAmount.String()})
		return nil, v
	}
	for i := range r.Lines {
		c := &r.Lines[i]
		l := so.LineByNo(c.Line)
		c.OldQty, c.OldPrice, c.OldDelivery = l.Qty, l.Price, l.DeliveryDate
		l.Changes = append(l.Changes, LineChange{RequestID: r.ID, Number: r.Number, OldQty: l.Qty, OldPrice: l.Price, OldDelivery: l.DeliveryDate})
		if c.NewQty != nil {
			l.Qty = *c.NewQty
		}
		if c.NewPrice != nil {
			l.Price = *c.NewPrice
		}
		if c.NewDelivery != "" {
			l.DeliveryDate = c.NewDelivery
		}
	}
	// The lines now hold the figures the totals were checked on.
	for i := range so.Lines {
		so.Lines[i].Compute()
	}
	so.Totals = t
	so.Trail = append(so.Trail, AuditEntry{At: now.UTC(), By: by, Action: "change_effective", Reason: r.Number})
	var changed []*DeliveryNotice
	r.NoticeCuts, changed = CutOpenNotices(so, notices, by, r.Number, now)
	return changed, nil
}

// Comment is one message of a document's comment thread (留言): dealer and
// staff talk about an online order, a return, a complaint…
type Comment struct {
	ID       uint64    `json:"id"`
	DocType  DocType   `json:"doc_type"`
	DocID    uint64    `json:"doc_id"`
	By       string    `json:"by"`
	ByName   string    `json:"by_name,omitempty"`
	Staff    bool      `json:"staff,omitempty"`
	Text     string    `json:"text"`
	At       time.Time `json:"at"`
	Customer uint64    `json:"customer_id"`
}

// MaxCommentLen is the longest comment accepted, in characters.
const MaxCommentLen = 2000

// Validate trims the text and checks it is neither empty nor too long.
func (c *Comment) Validate() error {
	c.Text = strings.TrimSpace(c.Text)
	switch n := len([]rune(c.Text)); {
	case n == 0:
		return Invalid("text", "err.required")
	case n > MaxCommentLen:
		v := &ValidationError{}
		v.Add("text", "err.too_long", map[string]any{"max": MaxCommentLen})
		return v
	}
	return nil
}

// CheckAction says whether u may take action on a document in status st by
// machine m, without changing anything: ErrNotAllowed when the role does
// not permit it (or the action is unknown to m… as a StateError), a
// StateError when the status does not allow it. The store checks this
// before the version, so a refused action reads as such, not as a
// conflict.
func CheckAction(m Machine, st Status, action string, u *User) error {
	t := m.Find(action)
	switch {
	case t == nil:
		return &StateError{Action: action, Status: string(st)}
	case u == nil || u.Disabled || t.Perm != "" && !u.Can(t.Perm):
		return ErrNotAllowed
	}
	for _, f := range t.From {
		if f == st {
			return nil
		}
	}
	return &StateError{Action: action, Status: string(st)}
}
