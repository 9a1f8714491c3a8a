package model

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"time"
)

// Shipping and returns (发货与退货): the state machines of delivery notices
// (发货通知单), sales outbounds (销售出库单, red ones too) and return notices
// (退货通知单), and the rules that move a sales order line's execution
// figures. The figures live on SalesOrderLine and are changed only through
// the methods below, in the transaction of the document that moves them:
//
//	NoticedQty    on delivery notices: Σ notice lines of notices not void (a
//	              closed notice keeps only what it shipped)
//	NoticeOpenQty noticed and not yet shipped (on open notices)
//	ShippedQty    on outbounds, net of red outbounds
//	ReturnedQty   on red outbounds
//	ClaimedQty    claimed by open returns: draft or submitted online returns
//	              and the part of audited return notices not yet received
//
// and derived:
//
//	OpenQty     = Qty − ShippedQty: still to ship. A return brings back into
//	              the open quantity what it returns (the goods may ship again);
//	              once the order is closed nothing is open any more.
//	Unscheduled = OpenQty − NoticeOpenQty: what a new delivery notice or an
//	              outbound made directly from the order may take.
//	Returnable  = ShippedQty − ClaimedQty (model.Returnable of shipped gross,
//	              returned and claimed).
//
// Stock follows: an audited, open sales order reserves its OpenQty, so an
// outbound releases min(qty, open) and a red outbound on an open order
// reserves again what it brought back. The customer's OpenOrders balance
// holds the open part's amount, MulQtyPrice(OpenQty, Price) per line.

// Statuses of delivery notices (besides audited, closed, void).
const (
	// StatusShipped: every line of the notice has shipped.
	StatusShipped Status = "shipped"
	// StatusReceived: the dealer confirmed receipt (到货签收).
	StatusReceived Status = "received"
)

// DeliveryNoticeMachine: a notice is issued audited (the dealer sees it at
// once); outbounds made from it move it to shipped when every line has
// shipped; staff close it (the unshipped rest is released) or void it while
// nothing has shipped; the dealer confirms receipt once goods have shipped.
var DeliveryNoticeMachine = Machine{
	{Action: "close", From: []Status{StatusAudited}, To: StatusClosed, Perm: PermManageOrders},
	{Action: "void", From: []Status{StatusAudited}, To: StatusVoid, Perm: PermManageOrders, NeedsReason: true},
	{Action: "confirm_receipt", From: []Status{StatusShipped, StatusClosed}, To: StatusReceived, Perm: PermOrder},
}

// OutboundMachine: an outbound is posted when it is made (status audited:
// stock and balances move in that transaction); the dealer confirms receipt
// of a (blue) outbound once, which records the receipt and keeps the status.
var OutboundMachine = Machine{
	{Action: "confirm_receipt", From: []Status{StatusAudited}, To: StatusAudited, Perm: PermOrder},
}

// ReturnNoticeMachine: a return notice is issued audited; red outbounds
// receive its goods and close it when complete; staff may close it early
// (the unreceived rest stops being claimed).
var ReturnNoticeMachine = Machine{
	{Action: "close", From: []Status{StatusAudited}, To: StatusClosed, Perm: PermManageOrders},
}

// Record moves d to status to by an action the system takes on its own
// (creation, a notice becoming shipped, a return notice completed), with an
// audit trail entry.
func Record(d *Doc, action string, to Status, by string, now time.Time) {
	d.Trail = append(d.Trail, AuditEntry{At: now.UTC(), By: by, Action: action, From: d.Status, To: to})
	d.Status = to
}

// Errors of the line rules; the store turns them into field errors with the
// limit as argument.
var (
	// ErrQtyNotPositive: a line quantity of zero or less.
	ErrQtyNotPositive = errors.New("quantity must be positive")
	// ErrOverShip: more than the line still has open (or than its notice).
	ErrOverShip = errors.New("quantity above what is open")
	// ErrOverReturn: more than the line can still return (or than its notice).
	ErrOverReturn = errors.New("quantity above what is returnable")
)

// Unscheduled is what a new delivery notice or an outbound made directly
// from the order may take: open and not on an open notice, never below zero.
func (l *SalesOrderLine) Unscheduled() Qty {
	if q := l.OpenQty() - l.NoticeOpenQty; q > 0 {
		return q
	}
	return 0
}

// ReturnableQty is what may still be claimed by a new return.
func (l *SalesOrderLine) ReturnableQty() Qty {
	return Returnable(l.ShippedQty+l.ReturnedQty, l.ReturnedQty, l.ClaimedQty)
}

// OpenAmount is the amount (incl. tax) of the open quantity.
func (l *SalesOrderLine) OpenAmount() Money { return MulQtyPrice(l.OpenQty(), l.Price) }

// Notice puts q on a new delivery notice: at most Unscheduled.
func (l *SalesOrderLine) Notice(q Qty) error {
	switch {
	case q <= 0:
		return ErrQtyNotPositive
	case q > l.Unscheduled():
		return ErrOverShip
	}
	l.NoticedQty += q
	l.NoticeOpenQty += q
	return nil
}

// Unnotice takes back rest, the unshipped part of a notice line that is
// closed or void.
func (l *SalesOrderLine) Unnotice(rest Qty) {
	rest = min(rest, l.NoticeOpenQty)
	if rest <= 0 {
		return
	}
	l.NoticedQty -= rest
	l.NoticeOpenQty -= rest
}

// Ship applies an outbound line of q: from a notice (which scheduled it)
// it may take at most what the notice still has open (the caller checks the
// notice line) and the line's open quantity; directly, at most Unscheduled.
// It returns the reserved quantity to release, min(q, open before), and
// by how much the open amount fell.
func (l *SalesOrderLine) Ship(q Qty, fromNotice bool) (release Qty, openDrop Money, err error) {
	if q <= 0 {
		return 0, 0, ErrQtyNotPositive
	}
	if fromNotice && (q > l.NoticeOpenQty || q > l.OpenQty()) || !fromNotice && q > l.Unscheduled() {
		return 0, 0, ErrOverShip
	}
	open, amount := l.OpenQty(), l.OpenAmount()
	l.ShippedQty += q
	if fromNotice {
		l.NoticeOpenQty -= q
	}
	return min(q, open), amount - l.OpenAmount(), nil
}

// Claim reserves q of the returnable quantity for a return.
func (l *SalesOrderLine) Claim(q Qty) error {
	switch {
	case q <= 0:
		return ErrQtyNotPositive
	case q > l.ReturnableQty():
		return ErrOverReturn
	}
	l.ClaimedQty += q
	return nil
}

// Unclaim gives back q claimed by a return that is rejected, deleted,
// changed or closed.
func (l *SalesOrderLine) Unclaim(q Qty) { l.ClaimedQty = max(0, l.ClaimedQty-q) }

// Return applies a red outbound line bringing back q (positive) that a
// return notice claimed. It returns how much the open quantity and the open
// amount grew: the order reserves and counts them again while it is open.
func (l *SalesOrderLine) Return(q Qty) (reopen Qty, openRise Money, err error) {
	switch {
	case q <= 0:
		return 0, 0, ErrQtyNotPositive
	case q > l.ClaimedQty || q > l.ShippedQty:
		return 0, 0, ErrOverReturn
	}
	open, amount := l.OpenQty(), l.OpenAmount()
	l.ShippedQty -= q
	l.ReturnedQty += q
	l.ClaimedQty -= q
	return l.OpenQty() - open, l.OpenAmount() - amount, nil
}

// LineByNo returns the sales order line numbered no, or nil.
func (o *SalesOrder) LineByNo(no int) *SalesOrderLine {
	for i := range o.Lines {
		if o.Lines[i].No == no {
			return &o.Lines[i]
		}
	}
	return nil
}

// OpenAmount is the amount of every line's open quantity.
func (o *SalesOrder) OpenAmount() Money {
	var m Money
	for i := range o.Lines {
		m += o.Lines[i].OpenAmount()
	}
	return m
}

// NoticeRest is what line i of the notice has not shipped yet.
func (d *DeliveryNotice) NoticeRest(i int) Qty {
	q := d.Lines[i].Qty
	if i < len(d.ShippedQty) {
		q -= d.ShippedQty[i]
	}
	return max(0, q)
}

// AnyShipped reports whether an outbound has taken any of the notice.
func (d *DeliveryNotice) AnyShipped() bool {
	for _, q := range d.ShippedQty {
		if q > 0 {
			return true
		}
	}
	return false
}

// FullyShipped reports whether every line of the notice has shipped.
func (d *DeliveryNotice) FullyShipped() bool {
	for i := range d.Lines {
		if d.NoticeRest(i) > 0 {
			return false
		}
	}
	return true
}

// ReturnRest is what line i of the return notice has not received yet.
func (r *ReturnNotice) ReturnRest(i int) Qty {
	q := r.Lines[i].Qty
	if i < len(r.ReceivedQty) {
		q -= r.ReceivedQty[i]
	}
	return max(0, q)
}

// FullyReceived reports whether red outbounds received every line.
func (r *ReturnNotice) FullyReceived() bool {
	for i := range r.Lines {
		if r.ReturnRest(i) > 0 {
			return false
		}
	}
	return true
}

// ReturnClaims reports whether an online return in status s claims its
// quantities (draft and submitted ones do; a rejected one does not until it
// is unrejected; a converted one passed its claim to its return notice).
func ReturnClaims(s Status) bool { return s == StatusDraft || s == StatusSubmitted }

// CanEditOnlineReturn applies the online order's edit rule (SPEC §2.3) to an
// online return: the creator while draft or submitted, colleagues only when
// it allows adjustment, staff while submitted and adjustable.
func CanEditOnlineReturn(r *OnlineReturn, u *User) bool {
	return CanEditOnlineOrder(r.Status, r.CreatedBy, r.AllowAdjust, r.CustomerID, u)
}

// CanDeleteOnlineReturn applies the online order's delete rule: the dealer
// users who may edit it; staff reject a submitted return instead.
func CanDeleteOnlineReturn(r *OnlineReturn, u *User) bool {
	return CanDeleteOnlineOrder(r.Status, r.CreatedBy, r.AllowAdjust, r.CustomerID, u)
}

// NewReceipt builds the dealer's receipt confirmation: a note of at most
// 500 characters, required when the goods had a shortage or damage.
func NewReceipt(by string, now time.Time, note string, problems bool) (*Receipt, error) {
	note = strings.TrimSpace(note)
	switch {
	case len([]rune(note)) > 500:
		v := &ValidationError{}
		v.Add("note", "err.too_long", map[string]any{"max": 500})
		return nil, v
	case problems && len([]rune(note)) < 2:
		return nil, Invalid("note", "err.receipt_note_required")
	}
	return &Receipt{By: by, At: now.UTC().Format(time.RFC3339), Note: note, Problems: problems}, nil
}

// ReceiptTime is when the receipt was confirmed (zero when unreadable).
func (r *Receipt) ReceiptTime() time.Time {
	t, _ := time.Parse(time.RFC3339, r.At)
	return t
}

// checkDate normalises a required business date field (YYYY-MM-DD).
func checkDate(v *ValidationError, field string, s *string) {
	d, err := ParseDate(*s)
	switch {
	case err != nil:
		v.Add(field, "err.doc_date", nil)
	case d == "":
		v.Add(field, "err.required", nil)
	default:
		*s = d
	}
}

// Validate checks a delivery notice's header: a ship date, carrier,
// tracking number and remarks within their lengths.
func (d *DeliveryNotice) Validate() error {
	v := &ValidationError{}
	checkTags(d, v)
	checkDate(v, "ship_date", &d.ShipDate)
	return v.Err()
}

// Validate checks an outbound's header: its posting date and remarks.
func (o *Outbound) Validate() error {
	v := &ValidationError{}
	checkTags(o, v)
	checkDate(v, "post_date", &o.PostDate)
	return v.Err()
}

// Validate checks an online return's header: a reason and its date.
func (r *OnlineReturn) Validate() error {
	v := &ValidationError{}
	r.Reason = strings.TrimSpace(r.Reason)
	checkTags(r, v)
	checkDate(v, "return_date", &r.ReturnDate)
	return v.Err()
}

// Validate checks a return notice's header.
func (r *ReturnNotice) Validate() error {
	v := &ValidationError{}
	checkTags(r, v)
	checkDate(v, "notice_date", &r.NoticeDate)
	return v.Err()
}

// NoticeCut is what making a change request effective took back from one
// open delivery notice line: the notice, its line number, the quantity.
type NoticeCut struct {
	NoticeID uint64 `json:"notice_id"`
	Number   string `json:"number"`
	Line     int    `json:"line"`
	Qty      Qty    `json:"qty"`
}

// CutOpenNotices brings the open delivery notices of sales order so back
// within what its lines still have open, after a change lowered a line's
// quantity: where a line's notice-open quantity exceeds its open quantity,
// the excess comes off the unshipped rest of its open (audited) notices,
// newest notice first (highest id), so that together they never ask for
// more than the order still wants. A cut notice line keeps what it shipped;
// its amounts and the notice's totals are recomputed, the order line's
// noticed and notice-open quantities fall by the same amount, and the
// notice's trail records the cut with reason (the change request's number)
// by user by at now. A notice left with nothing to ship becomes shipped
// when an outbound took something from it, void otherwise (then it is no
// longer downstream of the order: the caller lowers the count).
//
// notices are the order's notices in any status; the changed ones are
// returned (each once), with the cuts in the order made.
func CutOpenNotices(so *SalesOrder, notices []*DeliveryNotice, by, reason string, now time.Time) ([]NoticeCut, []*DeliveryNotice) {
	open := make([]*DeliveryNotice, 0, len(notices))
	for _, d := range notices {
		if d.Status == StatusAudited && d.SalesOrderID == so.ID {
			open = append(open, d)
		}
	}
	sort.Slice(open, func(i, j int) bool { return open[i].ID > open[j].ID })
	var cuts []NoticeCut
	var changed []*DeliveryNotice
	for li := range so.Lines {
		l := &so.Lines[li]
		excess := l.NoticeOpenQty - l.OpenQty()
		for _, d := range open {
			if excess <= 0 {
				break
			}
			for i := range d.Lines {
				if d.Lines[i].Source.Line != l.No || excess <= 0 {
					continue
				}
				q := min(excess, d.NoticeRest(i))
				if q <= 0 {
					continue
				}
				d.Lines[i].Qty -= q
				d.Lines[i].Compute()
				l.Unnotice(q)
				excess -= q
				cuts = append(cuts, NoticeCut{NoticeID: d.ID, Number: d.Number, Line: d.Lines[i].No, Qty: q})
				if !slices.Contains(changed, d) {
					changed = append(changed, d)
				}
			}
		}
	}
	for _, d := range changed {
		// Cuts only lower quantities of lines that were within bounds, so
		// the new totals are too.
		if t, err := SumLines(d.Lines); err == nil {
			d.Totals = t
		}
		to := d.Status
		if d.FullyShipped() {
			to = StatusVoid
			if d.AnyShipped() {
				to = StatusShipped
			}
		}
		e := AuditEntry{At: now.UTC(), By: by, Action: "change_effective", Reason: reason}
		if to != d.Status {
			e.From, e.To = d.Status, to
		}
		d.Trail = append(d.Trail, e)
		d.Status = to
	}
	return cuts, changed
}
