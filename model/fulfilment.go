package model

// Order fulfilment's rules beyond the documents' machines: the conditions
// an action needs besides the status it starts from. Pure functions of the
// documents as loaded; the store calls them before it writes.

// CheckSalesOrderAction refuses an action on sales order o that its status
// allows but its execution does not: unaudit while documents downstream
// (notices, outbounds…) exist.
func CheckSalesOrderAction(o *SalesOrder, action string) error {
	if action == "unaudit" && o.Downstream > 0 {
		ve := &ValidationError{}
		ve.Add("_form", "err.so_downstream", map[string]any{"n": o.Downstream})
		return ve
	}
	return nil
}

// CheckNoticeAction refuses an action on delivery notice d (from: its
// status before the action) that the machine allowed but its shipments do
// not: void once anything has shipped, confirm the receipt of a notice
// closed with nothing shipped.
func CheckNoticeAction(d *DeliveryNotice, from Status, action string) error {
	switch {
	case action == "void" && d.AnyShipped():
		return Invalid("_form", "err.notice_has_shipments")
	case action == "confirm_receipt" && from == StatusClosed && !d.AnyShipped():
		return Invalid("_form", "err.notice_nothing_shipped")
	}
	return nil
}

// CheckOutboundReceipt refuses the receipt of outbound ob when it is a red
// one (goods coming back) or its receipt is already confirmed.
func CheckOutboundReceipt(ob *Outbound) error {
	switch {
	case ob.Red:
		return Invalid("_form", "err.receipt_red")
	case ob.Receipt != nil:
		return &StateError{Action: "confirm_receipt", Status: string(StatusReceived)}
	}
	return nil
}

// ReturnSource is what a return is made from: its sales order and, when it
// was made from a (blue) outbound of that order, the outbound.
type ReturnSource struct {
	Order    *SalesOrder
	Outbound *Outbound
}

// CheckReturnSource refuses a return from an order that is neither audited
// nor closed (a StateError); a red outbound is no source (ErrNotFound).
func CheckReturnSource(src ReturnSource) error {
	if src.Outbound != nil && src.Outbound.Red {
		return ErrNotFound
	}
	if s := src.Order.Status; s != StatusAudited && s != StatusClosed {
		return &StateError{Action: "return", Status: string(s)}
	}
	return nil
}

// Limit is what line no of the source (an outbound's line number, else the
// order's) may still return: the order line's returnable quantity, and from
// an outbound at most that outbound line's quantity. A nil line: no such
// line.
func (src ReturnSource) Limit(no int) (l *SalesOrderLine, limit Qty) {
	if src.Outbound != nil {
		if no < 1 || no > len(src.Outbound.Lines) {
			return nil, 0
		}
		obl := &src.Outbound.Lines[no-1]
		l = src.Order.LineByNo(obl.Source.Line)
		if l == nil {
			return nil, 0
		}
		return l, min(obl.Qty, l.ReturnableQty())
	}
	l = src.Order.LineByNo(no)
	if l == nil {
		return nil, 0
	}
	return l, l.ReturnableQty()
}

// LineNos lists the source's line numbers in order.
func (src ReturnSource) LineNos() []int {
	var out []int
	if src.Outbound != nil {
		for i := range src.Outbound.Lines {
			out = append(out, src.Outbound.Lines[i].No)
		}
		return out
	}
	for i := range src.Order.Lines {
		out = append(out, src.Order.Lines[i].No)
	}
	return out
}

// Claim claims q of source line no on its order line for a return: at
// most Limit(no) (ErrOverReturn), a positive quantity. It returns the
// order line (nil: no such line) and the limit the error names.
func (src ReturnSource) Claim(no int, q Qty) (*SalesOrderLine, Qty, error) {
	l, limit := src.Limit(no)
	switch {
	case l == nil:
		return nil, 0, ErrNotFound
	case q > limit && q > 0:
		return l, limit, ErrOverReturn
	}
	return l, limit, l.Claim(q)
}

// Reclaim claims the lines of a rejected return again on its order so
// (unreject): a line whose goods are no longer returnable is refused with
// a message naming its product. so is changed only as far as it got.
func Reclaim(so *SalesOrder, lines []OrderLine) error {
	ve := &ValidationError{}
	for i := range lines {
		l := so.LineByNo(lines[i].Source.Line)
		if l == nil || l.Claim(lines[i].Qty) != nil {
			ve.Add("_form", "err.return_no_longer_returnable", map[string]any{"code": lines[i].Code})
		}
	}
	return ve.Err()
}

// CanCreateOnlineReturn reports whether u may make an online return for
// customerID: a user of that customer with the dealer's order permission.
func CanCreateOnlineReturn(u *User, customerID uint64) bool {
	return u.Can(PermOrder) && u.CustomerID == customerID
}

// CanRequestChange reports whether u may propose a change of a sales order
// of customerID: a dealer user of that customer who orders, or staff who
// manage orders.
func CanRequestChange(u *User, customerID uint64) bool {
	if u == nil || u.Disabled {
		return false
	}
	if u.Kind == KindDealer {
		return u.CustomerID == customerID && u.Can(PermOrder)
	}
	return u.Can(PermManageOrders)
}

// ChangeEditableBy reports whether change request r may still be edited,
// submitted or deleted by the user named username: a draft, by its
// creator (a dealer's draft is its own business until submitted, as with
// online orders).
func ChangeEditableBy(r *ChangeRequest, username string) bool {
	return r.Status == StatusDraft && r.CreatedBy == username
}

// CanEditChangeRequest reports whether u may edit, submit or delete r: a
// draft, by its creator, who may still request changes.
func CanEditChangeRequest(r *ChangeRequest, u *User) bool {
	return u != nil && ChangeEditableBy(r, u.Username) && CanRequestChange(u, r.CustomerID)
}

// CheckReleaseCredit refuses to approve online order o's credit hold
// unless it is submitted, held and not approved yet (a StateError).
func CheckReleaseCredit(o *OnlineOrder) error {
	if o.Status != StatusSubmitted || !o.CreditHold || o.CreditApprovedBy != "" {
		return &StateError{Action: "release_credit", Status: string(o.Status)}
	}
	return nil
}

// CheckConvertOnlineOrder refuses to generate the sales order of a
// submitted online order whose credit hold is not approved yet.
func CheckConvertOnlineOrder(o *OnlineOrder) error {
	if o.Status == StatusSubmitted && o.CreditHold && o.CreditApprovedBy == "" {
		return Invalid("_form", "err.credit_hold_open")
	}
	return nil
}

// CanEditStocktakes reports whether u may enter, import, replace or delete
// stocktakes of customer custID: its own dealers with the channel
// permission, or staff who manage stocktakes.
func CanEditStocktakes(u *User, custID uint64) bool {
	if u.IsStaff() {
		return u.Can(PermManageStocktakes)
	}
	return u.Can(PermChannel) && u.CustomerID == custID
}
