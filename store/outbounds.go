package store

import (
	"errors"
	"strings"

	"dealerportal/model"
)

// Sales outbounds (销售出库单) and red outbounds (红字销售出库单): made and
// posted in one transaction that moves everything the posting touches —
// stock on hand and reserved, the customer's un-invoiced and open-order
// balances, the sales order lines' figures, the notice's or return notice's
// own figures, the order's downstream count and automatic close, and the
// per-product ledger of outbound quantities that the integrity check
// compares with the documents.

var (
	docOutbound = RegisterDocType(model.DocOutbound)

	// bStockMoves: productID → net quantity moved by outbounds (blue
	// negative, red positive), kept beside the stock record so that the
	// integrity check can prove that on-hand moved exactly with the
	// documents.
	bStockMoves = []byte("stock_moves_outbound")
)

func init() { allBuckets = append(allBuckets, bStockMoves) }

// OutboundInput is the form of a new outbound. Exactly one source: a sales
// order (an outbound made directly from the order), a delivery notice, or a
// return notice (a red outbound). Qty is by line number of the source
// document, always positive (a red outbound's lines are stored negative).
type OutboundInput struct {
	SalesOrderID     uint64
	DeliveryNoticeID uint64
	ReturnNoticeID   uint64
	PostDate         string
	Remarks          string
	Qty              map[int]model.Qty
}

// PostOutbound makes and posts an outbound from its source in sc. A blue one
// takes at most the order line's unscheduled quantity (from the order) or
// the notice line's rest (from a notice); a red one at most the return
// notice line's rest. ErrNotFound when the source is outside sc, a
// StateError when the source
// is not open, field errors ("qty.<line>", "post_date") for bad input or
// stock that would go negative.
func (t *Tx) PostOutbound(sc Scope, u *model.User, in *OutboundInput) (*model.Outbound, error) {
	var (
		ob  *model.Outbound
		err error
	)
	switch {
	case in.ReturnNoticeID != 0:
		ob, err = t.postRed(sc, u, in)
	case in.DeliveryNoticeID != 0:
		ob, err = t.postFromNotice(sc, u, in)
	default:
		ob, err = t.postFromOrder(sc, u, in)
	}
	return ob, err
}

func newOutbound(so *model.SalesOrder, in *OutboundInput) (*model.Outbound, *model.ValidationError) {
	ob := &model.Outbound{CustomerID: so.CustomerID, SalesOrderID: so.ID, PostDate: in.PostDate, Remarks: strings.TrimSpace(in.Remarks)}
	ve := &model.ValidationError{}
	var hv *model.ValidationError
	if err := ob.Validate(); errors.As(err, &hv) {
		ve.Fields = append(ve.Fields, hv.Fields...)
	}
	return ob, ve
}

// shipOrder checks that so may be shipped from.
func shipOrder(so *model.SalesOrder) error {
	if so.Status != model.StatusAudited {
		return &model.StateError{Action: "ship", Status: string(so.Status)}
	}
	return nil
}

func (t *Tx) postFromOrder(sc Scope, u *model.User, in *OutboundInput) (*model.Outbound, error) {
	so, err := t.SalesOrder(sc, in.SalesOrderID)
	if err != nil {
		return nil, err
	}
	if err := shipOrder(so); err != nil {
		return nil, err
	}
	ob, ve := newOutbound(so, in)
	checkLineNumbers(ve, in.Qty, func(no int) bool { return so.LineByNo(no) != nil })
	release := map[int]model.Qty{} // by outbound line index
	var openDrop model.Money
	for i := range so.Lines {
		l := &so.Lines[i]
		q := in.Qty[l.No]
		if q == 0 {
			continue
		}
		limit := l.Unscheduled()
		rel, drop, err := l.Ship(q, false)
		if err != nil {
			addLineError(ve, l.No, err, limit)
			continue
		}
		release[len(ob.Lines)] = rel
		openDrop += drop
		ob.Lines = append(ob.Lines, lineFrom(so, l, len(ob.Lines)+1, q))
	}
	return ob, t.post(sc, u, so, ob, ve, release, func(i int) int { return ob.Lines[i].Source.Line }, openDrop)
}

func (t *Tx) postFromNotice(sc Scope, u *model.User, in *OutboundInput) (*model.Outbound, error) {
	dn, err := t.DeliveryNotice(sc, in.DeliveryNoticeID)
	if err != nil {
		return nil, err
	}
	so, err := t.SalesOrder(sc, dn.SalesOrderID)
	if err != nil {
		return nil, err
	}
	if err := shipOrder(so); err != nil {
		return nil, err
	}
	if dn.Status != model.StatusAudited {
		return nil, &model.StateError{Action: "ship", Status: string(dn.Status)}
	}
	ob, ve := newOutbound(so, in)
	ob.DeliveryNoticeID = dn.ID
	checkLineNumbers(ve, in.Qty, func(no int) bool { return no >= 1 && no <= len(dn.Lines) })
	if len(dn.ShippedQty) < len(dn.Lines) {
		dn.ShippedQty = append(dn.ShippedQty, make([]model.Qty, len(dn.Lines)-len(dn.ShippedQty))...)
	}
	release := map[int]model.Qty{}
	var openDrop model.Money
	for i := range dn.Lines {
		no := dn.Lines[i].No
		q := in.Qty[no]
		if q == 0 {
			continue
		}
		l := so.LineByNo(dn.Lines[i].Source.Line)
		rest := dn.NoticeRest(i)
		if l == nil {
			ve.Add(QtyField(no), "err.invalid", nil)
			continue
		}
		limit := min(rest, l.OpenQty())
		if q > rest {
			addLineError(ve, no, model.ErrOverShip, limit)
			continue
		}
		rel, drop, err := l.Ship(q, true)
		if err != nil {
			addLineError(ve, no, err, limit)
			continue
		}
		dn.ShippedQty[i] += q
		release[len(ob.Lines)] = rel
		openDrop += drop
		ob.Lines = append(ob.Lines, lineFrom(so, l, len(ob.Lines)+1, q))
	}
	// A form field per notice line: errors from stock are reported there.
	field := func(i int) int {
		for j := range dn.Lines {
			if dn.Lines[j].Source.Line == ob.Lines[i].Source.Line {
				return dn.Lines[j].No
			}
		}
		return ob.Lines[i].No
	}
	if err := t.post(sc, u, so, ob, ve, release, field, openDrop); err != nil {
		return nil, err
	}
	if dn.FullyShipped() {
		model.Record(&dn.Doc, "ship", model.StatusShipped, u.Username, t.Now)
	}
	return ob, t.UpdateDoc(sc, docDeliveryNotice, dn)
}

// post finishes a blue outbound whose lines have been applied to so's
// lines: stock, balances, ledger, the order (downstream, auto close), the
// document and its link. release is the reserved quantity to release per
// outbound line; field names the form field of an outbound line for stock
// errors.
func (t *Tx) post(sc Scope, u *model.User, so *model.SalesOrder, ob *model.Outbound, ve *model.ValidationError,
	release map[int]model.Qty, field func(i int) int, openDrop model.Money) error {
	if len(ob.Lines) == 0 && len(ve.Fields) == 0 {
		ve.Add("lines", "err.no_lines", nil)
	}
	if err := ve.Err(); err != nil {
		return err
	}
	for i := range ob.Lines {
		ln := &ob.Lines[i]
		if err := t.moveStock(ln.ProductID, -ln.Qty, -release[i]); err != nil {
			if s, serr := t.Stock(ln.ProductID); serr == nil && errors.Is(err, errStockShort) {
				ve.Add(QtyField(field(i)), "err.stock_short", map[string]any{"max": s.OnHand.String()})
				continue
			}
			return err
		}
	}
	if err := ve.Err(); err != nil {
		return err
	}
	tot, terr := model.SumLines(ob.Lines)
	if terr != nil {
		return terr
	}
	ob.Totals = tot
	model.Record(&ob.Doc, "post", model.StatusAudited, u.Username, t.Now)
	if err := t.InsertDoc(sc, docOutbound, ob); err != nil {
		return err
	}
	if err := t.AdjustBalance(ob.CustomerID, func(b *model.CustomerBalance) {
		b.Uninvoiced += ob.Totals.Amount
		b.OpenOrders -= openDrop
	}); err != nil {
		return err
	}
	so.Downstream++
	if err := t.UpdateDoc(sc, model.DocSalesOrder, so); err != nil {
		return err
	}
	if err := t.LinkToSalesOrder(so.ID, docOutbound, ob.ID); err != nil {
		return err
	}
	// Closed automatically when fully shipped (the orders module's rule).
	if !so.FullyShipped() {
		return nil
	}
	_, err := t.SalesOrderExecuted(so.ID)
	return err
}

var errStockShort = errors.New("stock short")

// moveStock changes on hand and reserved for an outbound line and keeps the
// outbound ledger. Reserved never goes below zero: an order reserves its
// open quantity, so a release larger than the reservation means the figures
// were already wrong, which the integrity check reports; shipping goes on.
func (t *Tx) moveStock(productID uint64, dOnHand, dReserved model.Qty) error {
	s, err := t.Stock(productID)
	if err != nil {
		return err
	}
	if s.OnHand+dOnHand < 0 {
		return errStockShort
	}
	if s.Reserved+dReserved < 0 {
		dReserved = -s.Reserved
	}
	if _, err := t.AdjustStock(productID, dOnHand, dReserved); err != nil {
		return err
	}
	k := itob(productID)
	n := int64(btoi(t.b(bStockMoves).Get(k))) + int64(dOnHand)
	return t.b(bStockMoves).Put(k, itob(uint64(n)))
}

// StockMoved returns the net quantity outbounds have moved for a product
// (blue negative, red positive).
func (t *Tx) StockMoved(productID uint64) model.Qty {
	return model.Qty(int64(btoi(t.b(bStockMoves).Get(itob(productID)))))
}

func (t *Tx) postRed(sc Scope, u *model.User, in *OutboundInput) (*model.Outbound, error) {
	rn, err := t.ReturnNotice(sc, in.ReturnNoticeID)
	if err != nil {
		return nil, err
	}
	if rn.Status != model.StatusAudited {
		return nil, &model.StateError{Action: "receive", Status: string(rn.Status)}
	}
	so, err := t.SalesOrder(sc, rn.SalesOrderID)
	if err != nil {
		return nil, err
	}
	ob, ve := newOutbound(so, in)
	ob.Red, ob.ReturnNoticeID = true, rn.ID
	checkLineNumbers(ve, in.Qty, func(no int) bool { return no >= 1 && no <= len(rn.Lines) })
	if len(rn.ReceivedQty) < len(rn.Lines) {
		rn.ReceivedQty = append(rn.ReceivedQty, make([]model.Qty, len(rn.Lines)-len(rn.ReceivedQty))...)
	}
	open := so.Status == model.StatusAudited
	reserve := map[int]model.Qty{}
	var openRise model.Money
	for i := range rn.Lines {
		no := rn.Lines[i].No
		q := in.Qty[no]
		if q == 0 {
			continue
		}
		rest := rn.ReturnRest(i)
		l := so.LineByNo(rn.Lines[i].Source.Line)
		if l == nil {
			ve.Add(QtyField(no), "err.invalid", nil)
			continue
		}
		if q > rest {
			addLineError(ve, no, model.ErrOverReturn, rest)
			continue
		}
		reopen, rise, err := l.Return(q)
		if err != nil {
			addLineError(ve, no, err, min(rest, l.ClaimedQty, l.ShippedQty))
			continue
		}
		rn.ReceivedQty[i] += q
		if open {
			reserve[len(ob.Lines)] = reopen
			openRise += rise
		}
		ob.Lines = append(ob.Lines, lineFrom(so, l, len(ob.Lines)+1, -q))
	}
	if len(ob.Lines) == 0 && len(ve.Fields) == 0 {
		ve.Add("lines", "err.no_lines", nil)
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	for i := range ob.Lines {
		if err := t.moveStock(ob.Lines[i].ProductID, -ob.Lines[i].Qty, reserve[i]); err != nil {
			return nil, err
		}
	}
	tot, terr := model.SumLines(ob.Lines)
	if terr != nil {
		return nil, terr
	}
	ob.Totals = tot
	model.Record(&ob.Doc, "post", model.StatusAudited, u.Username, t.Now)
	if err := t.InsertDoc(sc, docOutbound, ob); err != nil {
		return nil, err
	}
	if err := t.AdjustBalance(ob.CustomerID, func(b *model.CustomerBalance) {
		b.Uninvoiced += ob.Totals.Amount // negative
		b.OpenOrders += openRise
	}); err != nil {
		return nil, err
	}
	so.Downstream++
	if err := t.UpdateDoc(sc, model.DocSalesOrder, so); err != nil {
		return nil, err
	}
	if rn.FullyReceived() {
		model.Record(&rn.Doc, "complete", model.StatusClosed, u.Username, t.Now)
	}
	if err := t.UpdateDoc(sc, docReturnNotice, rn); err != nil {
		return nil, err
	}
	return ob, t.LinkToSalesOrder(so.ID, docOutbound, ob.ID)
}

// Outbound returns outbound id when sc may see it; ErrNotFound otherwise.
func (t *Tx) Outbound(sc Scope, id uint64) (*model.Outbound, error) {
	ob := &model.Outbound{}
	if err := t.GetDoc(sc, docOutbound, id, ob); err != nil {
		return nil, err
	}
	return ob, nil
}

// ConfirmOutboundReceipt records the dealer's receipt (到货签收) of a blue
// outbound, once: a note is required when there was a shortage or damage.
// ErrNotFound outside sc, ErrNotAllowed for a user without the dealer's
// order permission, a StateError for a red outbound or one already
// confirmed, a ConflictError for a stale version.
func (t *Tx) ConfirmOutboundReceipt(sc Scope, u *model.User, id, version uint64, note string, problems bool) (*model.Outbound, error) {
	ob, err := t.Outbound(sc, id)
	if err != nil {
		return nil, err
	}
	if err := model.OutboundMachine.Apply(&ob.Doc, "confirm_receipt", u, "", t.Now); err != nil {
		return nil, err
	}
	if err := model.CheckOutboundReceipt(ob); err != nil {
		return nil, err
	}
	if ob.Receipt, err = model.NewReceipt(u.Username, t.Now, note, problems); err != nil {
		return nil, err
	}
	ob.Version = version
	return ob, t.UpdateDoc(sc, docOutbound, ob)
}

// PostOutbound makes and posts an outbound from its form as one user
// action, at most once per a.Once, and returns its id. Who may post one
// is the caller's check (PermManageOrders). Errors as Tx.PostOutbound's.
func (s *Store) PostOutbound(a Actor, in OutboundInput) (uint64, error) {
	return s.act(a, func(t *Tx) (uint64, error) {
		ob, err := t.PostOutbound(a.Scope, a.User, &in)
		if err != nil {
			return 0, err
		}
		return ob.ID, nil
	})
}

// ConfirmOutboundReceipt records the dealer's receipt of outbound id at
// the version the user saw, as one user action (Tx.ConfirmOutboundReceipt).
func (s *Store) ConfirmOutboundReceipt(a Actor, id, version uint64, note string, problems bool) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		_, err := t.ConfirmOutboundReceipt(a.Scope, a.User, id, version, note, problems)
		return 0, err
	})
	return err
}
