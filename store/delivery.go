package store

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"dealerportal/model"
)

// Delivery notices (发货通知单, SPEC §2.3) and what the shipping and returns
// module shares: the links from a sales order to the documents made from it
// (order tracking reads them) and the conversion of the line rules' errors
// into field errors. The rules themselves are in model/shipping.go.

var (
	docDeliveryNotice = RegisterDocType(model.DocDeliveryNotice)

	// bSalesOrderLinks: salesOrderID|docType|docID → nil, every document
	// made from a sales order (notices, outbounds, returns, return notices
	// and whatever other modules link), for order tracking.
	bSalesOrderLinks = []byte("sales_order_links")
)

func init() { allBuckets = append(allBuckets, bSalesOrderLinks) }

func linkKey(soID uint64, kind model.DocType, id uint64) []byte {
	k := append(itob(soID), kind[0], kind[1])
	return append(k, itob(id)...)
}

// LinkToSalesOrder records that document id of kind was made from sales
// order soID (order tracking lists it). Modules that make documents from a
// sales order (change requests…) call it in their transaction.
func (t *Tx) LinkToSalesOrder(soID uint64, kind model.DocType, id uint64) error {
	return t.b(bSalesOrderLinks).Put(linkKey(soID, kind, id), nil)
}

// UnlinkFromSalesOrder removes a link (a deleted document).
func (t *Tx) UnlinkFromSalesOrder(soID uint64, kind model.DocType, id uint64) error {
	return t.b(bSalesOrderLinks).Delete(linkKey(soID, kind, id))
}

// SalesOrderLinks returns the ids of the documents of kind made from sales
// order soID, oldest first. It reads no document: the caller reads them
// through its scope.
func (t *Tx) SalesOrderLinks(soID uint64, kind model.DocType) []uint64 {
	prefix := append(itob(soID), kind[0], kind[1])
	var out []uint64
	c := t.b(bSalesOrderLinks).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		out = append(out, btoi(k[len(prefix):]))
	}
	return out
}

// QtyField is the form field of a line quantity: "qty.<line number>", the
// number of the line in the document the new one is made from.
func QtyField(no int) string { return "qty." + strconv.Itoa(no) }

// addLineError records a line rule's error at the line's quantity field,
// with the limit the user may enter.
func addLineError(ve *model.ValidationError, no int, err error, limit model.Qty) {
	f := QtyField(no)
	switch {
	case errors.Is(err, model.ErrQtyNotPositive):
		ve.Add(f, "err.qty_positive", nil)
	case errors.Is(err, model.ErrOverShip):
		ve.Add(f, "err.qty_over_open", map[string]any{"max": limit.String()})
	case errors.Is(err, model.ErrOverReturn):
		ve.Add(f, "err.qty_over_returnable", map[string]any{"max": limit.String()})
	default:
		ve.Add(f, "err.invalid", nil)
	}
}

// checkLineNumbers refuses quantities for lines the source does not have.
func checkLineNumbers(ve *model.ValidationError, qty map[int]model.Qty, has func(no int) bool) {
	for no, q := range qty {
		if q != 0 && !has(no) {
			ve.Add(QtyField(no), "err.invalid", nil)
		}
	}
}

// lineFrom copies a sales order line for a document made from it: qty,
// renumbered no, amounts computed, and the source link.
func lineFrom(so *model.SalesOrder, l *model.SalesOrderLine, no int, qty model.Qty) model.OrderLine {
	ln := l.OrderLine
	ln.No, ln.Qty = no, qty
	ln.Source = model.LineRef{Type: model.DocSalesOrder, ID: so.ID, Line: l.No}
	ln.Compute()
	return ln
}

// docEvent emits a document event for the customer's users or staff, with
// the document's link and amount besides params.
func (t *Tx) docEvent(ev model.Event, kind model.DocType, id, cust uint64, number, link string, amount model.Money, params map[string]string) error {
	p := map[string]string{"link": link, "amount": t.Settings().Money(amount)}
	for k, v := range params {
		p[k] = v
	}
	return t.Emit(&model.OutboxMessage{Event: ev, CustomerID: cust, DocType: kind, DocID: id, DocNumber: number, Params: p})
}

// DeliveryNoticeInput is the form of a new delivery notice: the audited
// sales order it ships, the header, and the quantity per sales order line
// number (lines left at zero are not on the notice).
type DeliveryNoticeInput struct {
	SalesOrderID uint64
	ShipDate     string
	Carrier      string
	TrackingNo   string
	Remarks      string
	Qty          map[int]model.Qty
}

// CreateDeliveryNotice issues a delivery notice from an audited sales order
// in sc: every line at most the order line's unscheduled quantity (open and
// not on another open notice). It moves the order lines' NoticedQty and
// NoticeOpenQty, counts the notice as downstream of the order and raises
// delivery_notice.created for the dealer. ErrNotFound when the order is
// outside sc, a StateError when the order is not audited, field errors ("qty.<line>", "ship_date"…)
// for bad input.
func (t *Tx) CreateDeliveryNotice(sc Scope, u *model.User, in *DeliveryNoticeInput) (*model.DeliveryNotice, error) {
	so, err := t.SalesOrder(sc, in.SalesOrderID)
	if err != nil {
		return nil, err
	}
	if so.Status != model.StatusAudited {
		return nil, &model.StateError{Action: "deliver", Status: string(so.Status)}
	}
	d := &model.DeliveryNotice{CustomerID: so.CustomerID, SalesOrderID: so.ID, ShipDate: in.ShipDate,
		Carrier: strings.TrimSpace(in.Carrier), TrackingNo: strings.TrimSpace(in.TrackingNo), ShipTo: so.ShipTo,
		Remarks: strings.TrimSpace(in.Remarks)}
	ve := &model.ValidationError{}
	var hv *model.ValidationError
	if err := d.Validate(); errors.As(err, &hv) {
		ve.Fields = append(ve.Fields, hv.Fields...)
	}
	checkLineNumbers(ve, in.Qty, func(no int) bool { return so.LineByNo(no) != nil })
	for i := range so.Lines {
		l := &so.Lines[i]
		q := in.Qty[l.No]
		if q == 0 {
			continue
		}
		if err := l.Notice(q); err != nil {
			addLineError(ve, l.No, err, l.Unscheduled())
			continue
		}
		d.Lines = append(d.Lines, lineFrom(so, l, len(d.Lines)+1, q))
	}
	if len(d.Lines) == 0 && len(ve.Fields) == 0 {
		ve.Add("lines", "err.no_lines", nil)
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	tot, terr := model.SumLines(d.Lines)
	if terr != nil {
		return nil, terr
	}
	d.Totals = tot
	d.ShippedQty = make([]model.Qty, len(d.Lines))
	model.Record(&d.Doc, "create", model.StatusAudited, u.Username, t.Now)
	if err := t.InsertDoc(sc, docDeliveryNotice, d); err != nil {
		return nil, err
	}
	so.Downstream++
	if err := t.UpdateDoc(sc, model.DocSalesOrder, so); err != nil {
		return nil, err
	}
	if err := t.LinkToSalesOrder(so.ID, docDeliveryNotice, d.ID); err != nil {
		return nil, err
	}
	return d, t.docEvent(model.EventDeliveryNoticeCreated, docDeliveryNotice, d.ID, d.CustomerID, d.Number,
		"/delivery-notices/"+strconv.FormatUint(d.ID, 10), d.Totals.Amount, map[string]string{
			"sales_order": so.Number, "ship_date": d.ShipDate, "carrier": d.Carrier, "tracking_number": d.TrackingNo})
}

// DeliveryNotice returns notice id when sc may see it; ErrNotFound otherwise.
func (t *Tx) DeliveryNotice(sc Scope, id uint64) (*model.DeliveryNotice, error) {
	d := &model.DeliveryNotice{}
	if err := t.GetDoc(sc, docDeliveryNotice, id, d); err != nil {
		return nil, err
	}
	return d, nil
}

// ActOnDeliveryNotice performs action on notice id (version: the one the
// user saw): close (staff: the unshipped rest goes back to the order's open
// quantity), void (staff, with a reason, only while nothing has shipped) or
// confirm_receipt (the dealer, once goods have shipped, with a note that is
// required when there was a shortage or damage). ErrNotFound outside sc, a
// StateError when the status does not allow it, ErrNotAllowed for the wrong
// role, a ConflictError for a stale version.
func (t *Tx) ActOnDeliveryNotice(sc Scope, u *model.User, id, version uint64, action, reason string, note string, problems bool) (*model.DeliveryNotice, error) {
	d, err := t.DeliveryNotice(sc, id)
	if err != nil {
		return nil, err
	}
	if model.DeliveryNoticeMachine.Find(action) == nil {
		return nil, &model.StateError{Action: action, Status: string(d.Status)}
	}
	status := d.Status
	if err := model.DeliveryNoticeMachine.Apply(&d.Doc, action, u, reason, t.Now); err != nil {
		return nil, err
	}
	if err := model.CheckNoticeAction(d, status, action); err != nil {
		return nil, err
	}
	if action == "confirm_receipt" {
		if d.Receipt, err = model.NewReceipt(u.Username, t.Now, note, problems); err != nil {
			return nil, err
		}
	}
	if action == "close" || action == "void" {
		so, err := t.SalesOrder(AdminScope(), d.SalesOrderID)
		if err != nil {
			return nil, err
		}
		for i := range d.Lines {
			if l := so.LineByNo(d.Lines[i].Source.Line); l != nil {
				l.Unnotice(d.NoticeRest(i))
			}
		}
		if action == "void" {
			so.Downstream = max(0, so.Downstream-1)
		}
		if err := t.UpdateDoc(AdminScope(), model.DocSalesOrder, so); err != nil {
			return nil, err
		}
	}
	d.Version = version
	return d, t.UpdateDoc(sc, docDeliveryNotice, d)
}

// Quietly runs fn and withdraws every business event fn raised in this
// transaction, for documents that must message nobody (history loaded by the
// volume generator). The events are deleted before commit: no worker ever
// sees them.
func (t *Tx) Quietly(fn func() error) error {
	b := t.b(bOutbox)
	first := b.Sequence() + 1
	if err := fn(); err != nil {
		return err
	}
	for id := first; id <= b.Sequence(); id++ {
		if err := b.Delete(itob(id)); err != nil {
			return err
		}
		if err := t.b(bOutboxPending).Delete(itob(id)); err != nil {
			return err
		}
	}
	return nil
}

// CreateDeliveryNotice issues a delivery notice from its form as one user
// action, at most once per a.Once, and returns its id. Who may issue one
// is the caller's check (PermManageOrders). Errors as
// Tx.CreateDeliveryNotice's.
func (s *Store) CreateDeliveryNotice(a Actor, in DeliveryNoticeInput) (uint64, error) {
	return s.act(a, func(t *Tx) (uint64, error) {
		d, err := t.CreateDeliveryNotice(a.Scope, a.User, &in)
		if err != nil {
			return 0, err
		}
		return d.ID, nil
	})
}

// ActOnDeliveryNotice runs close, void or confirm_receipt on notice id at
// the version the user saw, as one user action (Tx.ActOnDeliveryNotice).
func (s *Store) ActOnDeliveryNotice(a Actor, id, version uint64, action, reason, note string, problems bool) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		_, err := t.ActOnDeliveryNotice(a.Scope, a.User, id, version, action, reason, note, problems)
		return 0, err
	})
	return err
}
