package store

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// Online orders (网上订货单, SPEC §2.3 and §7): a dealer's order, entered
// directly or generated from the cart, submitted (with the credit check),
// then rejected ⇄ unrejected or converted into a sales order by staff. They
// live in the shared document storage (docs.go). A submitted order counts
// in its customer's open orders (CustomerBalance.OpenOrders) until it is
// rejected, deleted or converted; every transition raises its event in the
// same transaction.

// DocOnlineOrder is registered with the shared document storage.
var docOnlineOrder = RegisterDocType(model.DocOnlineOrder)

// bCreditHolds indexes the online orders waiting for credit approval
// (customerID|id), so that finance's count and list cost what they hold.
var bCreditHolds = []byte("oo_credit_holds")

func init() {
	allBuckets = append(allBuckets, bCreditHolds)
	RegisterIntegrityCheck(IntegrityCheck{"credit hold index", checkCreditHolds})
}

// checkCreditHolds recomputes the credit-hold index from the online orders.
func checkCreditHolds(t *Tx) []string {
	var out []string
	want := map[string]bool{}
	_ = t.eachDocValue(docOnlineOrder, func(_, id uint64, v []byte) error {
		o := &model.OnlineOrder{}
		if err := jsonUnmarshal(v, o); err != nil {
			out = append(out, fmt.Sprintf("online order %d: %v", id, err))
			return nil
		}
		if o.Status == model.StatusSubmitted && o.CreditHold && o.CreditApprovedBy == "" {
			k := key(o.CustomerID, o.ID)
			want[string(k)] = true
			if t.b(bCreditHolds).Get(k) == nil {
				out = append(out, fmt.Sprintf("online order %s on credit hold is not indexed", o.Number))
			}
		}
		return nil
	})
	_ = t.b(bCreditHolds).ForEach(func(k, _ []byte) error {
		if !want[string(k)] {
			out = append(out, fmt.Sprintf("online order %d indexed as on credit hold, but is not", btoi(k[8:])))
		}
		return nil
	})
	return out
}

func (t *Tx) insertOnline(sc Scope, o *model.OnlineOrder) error {
	if err := t.InsertDoc(sc, docOnlineOrder, o); err != nil {
		return err
	}
	return t.indexHold(o)
}

func (t *Tx) updateOnline(sc Scope, o *model.OnlineOrder) error {
	if err := t.UpdateDoc(sc, docOnlineOrder, o); err != nil {
		return err
	}
	return t.indexHold(o)
}

// indexHold keeps o in the credit-hold index while it waits for approval.
func (t *Tx) indexHold(o *model.OnlineOrder) error {
	k := key(o.CustomerID, o.ID)
	if o.Status == model.StatusSubmitted && o.CreditHold && o.CreditApprovedBy == "" {
		return t.b(bCreditHolds).Put(k, nil)
	}
	return t.b(bCreditHolds).Delete(k)
}

// CountCreditHolds counts the online orders in sc waiting for credit
// approval, from their index.
func (t *Tx) CountCreditHolds(sc Scope) int {
	if sc.IsAll() {
		return t.b(bCreditHolds).Stats().KeyN
	}
	n := 0
	for _, id := range t.CustomerIDs(sc) {
		n += countPrefix(t.b(bCreditHolds), itob(id))
	}
	return n
}

// orderLinks are the pages of the order documents, for message links.
var orderLinks = map[model.DocType]string{
	model.DocOnlineOrder:   "/online-orders/",
	model.DocSalesOrder:    "/sales-orders/",
	model.DocChangeRequest: "/change-requests/",
}

func docLink(kind model.DocType, id uint64) string {
	if p, ok := orderLinks[kind]; ok {
		return p + strconv.FormatUint(id, 10)
	}
	return ""
}

// LineInput is one order line as typed on a form: a product code (or the
// catalog entry it came from), a quantity, for sales orders optionally a
// price and a tax rate (nil: the effective price, the product's rate), a
// delivery date and a remark. No keeps the number of an existing line.
type LineInput struct {
	No           int
	EntryID      uint64
	Code         string
	Qty          model.Qty
	Price        *model.Money
	TaxRate      *int64
	DeliveryDate string
	Remark       string
}

// OnlineOrder returns online order id when sc may see it; ErrNotFound
// otherwise.
func (t *Tx) OnlineOrder(sc Scope, id uint64) (*model.OnlineOrder, error) {
	o := &model.OnlineOrder{}
	if err := t.GetDoc(sc, docOnlineOrder, id, o); err != nil {
		return nil, err
	}
	return o, nil
}

// NewOnlineOrder returns a new draft online order of customerID with its
// defaults: today's date and the ship-to of the customer's primary location
// (SPEC §2.6), its contact and phone. ErrNotFound outside sc.
func (t *Tx) NewOnlineOrder(sc Scope, customerID uint64) (*model.OnlineOrder, error) {
	if !t.AllowsCustomer(sc, customerID) {
		return nil, model.ErrNotFound
	}
	o := &model.OnlineOrder{CustomerID: customerID, OrderDate: t.Today()}
	o.Status = model.StatusDraft
	if l, err := t.PrimaryLocation(sc, customerID); err == nil {
		o.ShipTo = shipToOf(l)
		o.Contact, o.Phone = l.Contact, l.Phone
	}
	return o, nil
}

func shipToOf(l *model.Location) model.ShipTo {
	return model.ShipTo{LocationID: l.ID, Name: l.Name, Address: l.Address, Contact: l.Contact, Phone: l.Phone}
}

// ShipTo returns the ship-to copy of one of the customer's locations; a
// ValidationError on "location" when it is not one of them.
func (t *Tx) ShipTo(sc Scope, customerID, locationID uint64) (model.ShipTo, error) {
	if !t.AllowsCustomer(sc, customerID) {
		return model.ShipTo{}, model.Invalid("location", "err.order_location")
	}
	l, err := t.s.reads.locations.get(locationID, t.b(bLocations).Get(key(customerID, locationID)), nil)
	if err != nil {
		return model.ShipTo{}, model.Invalid("location", "err.order_location")
	}
	return shipToOf(l), nil
}

// PriceOnlineLines turns typed lines into online order lines for customer:
// each product must be published to the customer (an unknown or unpublished
// code is an error at "line.<i>.code"), its quantity must respect the
// entry's minimum and multiple, and its price is the customer's effective
// price for that quantity today. Errors name the line's fields.
func (t *Tx) PriceOnlineLines(customerID uint64, in []LineInput) ([]model.OrderLine, error) {
	sc := CustomerScope(customerID)
	pc := t.newPricer(sc)
	ve := &model.ValidationError{}
	out := make([]model.OrderLine, 0, len(in))
	for i, li := range in {
		e, err := t.lineEntry(sc, li)
		if err != nil {
			ve.Add(model.LineField(i, "code"), "err.order_unpublished", map[string]any{"code": li.Code})
			continue
		}
		p, err := t.productRead(e.ProductID)
		if err != nil {
			ve.Add(model.LineField(i, "code"), "err.order_unpublished", map[string]any{"code": li.Code})
			continue
		}
		if err := model.CheckOrderQty(li.Qty, e.MinQty, e.Multiple); err != nil {
			f := err.(*model.ValidationError).Fields[0]
			ve.Add(model.LineField(i, "qty"), f.Key, f.Args)
		}
		q := pc.quote(p, li.Qty)
		out = append(out, model.OrderLine{No: len(out) + 1, ProductID: p.ID, EntryID: e.ID, Code: p.Code, Name: p.Name,
			Spec: p.Spec, Unit: p.Unit, Qty: li.Qty, Price: q.Price, TaxRate: p.TaxRate,
			DeliveryDate: li.DeliveryDate, Remark: li.Remark})
	}
	return out, ve.Err()
}

// SaveOnlineOrder creates (ID 0) or updates an online order for user u from
// typed lines, priced afresh (PriceOnlineLines); submit also submits it in
// the same transaction (with the credit check). A new order belongs to u's
// customer (model.OnlineOrderCreator: u is a dealer user of it); an update
// follows the document's half of the edit rule (model.OnlineOrderEditableBy:
// the creator, colleagues when it allows adjustment, staff while submitted
// and adjustable) and the optimistic lock. Editing a submitted order moves
// the open-orders balance by the change, checks credit again and raises
// online_order.changed. Whether u may order or edit at all is the caller's
// check (model.CanOrderOnline, model.CanEditOnlineOrders).
func (t *Tx) SaveOnlineOrder(sc Scope, o *model.OnlineOrder, lines []LineInput, u *model.User, submit bool) error {
	var stored *model.OnlineOrder
	if o.ID != 0 {
		var err error
		if stored, err = t.editableOnline(sc, o.ID, u); err != nil {
			return err
		}
	}
	return t.saveOnline(sc, o, stored, lines, u, submit)
}

// editableOnline loads online order id through sc for an edit by u: a
// StateError when the document's half of the edit rule refuses u.
func (t *Tx) editableOnline(sc Scope, id uint64, u *model.User) (*model.OnlineOrder, error) {
	stored, err := t.OnlineOrder(sc, id)
	if err != nil {
		return nil, err
	}
	if !model.OnlineOrderEditableBy(stored.Status, stored.CreatedBy, stored.AllowAdjust, stored.CustomerID, u) {
		return nil, &model.StateError{Action: "edit", Status: string(stored.Status)}
	}
	return stored, nil
}

// saveOnline is SaveOnlineOrder once the stored order of an edit (nil for
// a new order) is loaded through the scope and its edit rule checked.
func (t *Tx) saveOnline(sc Scope, o, stored *model.OnlineOrder, lines []LineInput, u *model.User, submit bool) error {
	var prev model.Money // what the stored order counts in the open orders
	if stored == nil {
		if o.ID != 0 || !model.OnlineOrderCreator(u, o.CustomerID) {
			return model.ErrNotAllowed
		}
		o.Status = model.StatusDraft
		if o.OrderDate == "" {
			o.OrderDate = t.Today() // the checkout form carries no order date
		}
	} else {
		// What the form may not change.
		o.CustomerID, o.Status, o.Trail, o.Number = stored.CustomerID, stored.Status, stored.Trail, stored.Number
		o.CreditHold, o.CreditApprovedBy, o.CreditLimit, o.CreditExposure = stored.CreditHold, stored.CreditApprovedBy, stored.CreditLimit, stored.CreditExposure
		o.RejectReason, o.SalesOrderID, o.SalesOrderNumber = stored.RejectReason, stored.SalesOrderID, stored.SalesOrderNumber
		if u.IsStaff() {
			o.AllowAdjust = stored.AllowAdjust // the dealer's choice
		}
		prev = stored.CountedOpen()
	}
	priced, perr := t.PriceOnlineLines(o.CustomerID, lines)
	o.Lines = priced
	tot, terr := model.SumLines(o.Lines)
	o.Totals = tot
	if err := mergeValidation(mergeValidation(perr, terr), o.Validate()); err != nil {
		return err
	}
	if o.ID == 0 {
		if submit {
			// A new order submitted at once is written once, already
			// submitted: the same checks and events as submitting a stored
			// draft, without writing the draft first.
			return t.insertSubmitted(sc, o, u)
		}
		if err := t.insertOnline(sc, o); err != nil {
			return err
		}
	} else {
		// A submitted order that grows is checked again (no way around the
		// credit limit by editing after submit).
		var hold bool
		if o.Status == model.StatusSubmitted && o.Totals.Amount > prev {
			var err error
			if hold, err = t.creditCheck(o, prev, u); err != nil {
				return err
			}
		}
		if err := t.updateOnline(sc, o); err != nil {
			return err
		}
		if d := o.CountedOpen() - prev; d != 0 {
			if err := t.AdjustBalance(o.CustomerID, func(b *model.CustomerBalance) { b.OpenOrders += d }); err != nil {
				return err
			}
		}
		// Staff and the ERP already hold the submitted order: they are told
		// it changed.
		if o.Status == model.StatusSubmitted {
			if err := t.emitOrder(model.EventOrderChanged, docOnlineOrder, o.ID, o.CustomerID, o.Number, o.Totals.Amount); err != nil {
				return err
			}
		}
		if hold {
			if err := t.emitCreditHold(o); err != nil {
				return err
			}
		}
	}
	if submit {
		return t.submitOnlineOrder(sc, o, u)
	}
	return nil
}

// mergeValidation joins two validation results (either may be nil); a
// non-validation error wins.
func mergeValidation(a, b error) error {
	va, oka := a.(*model.ValidationError)
	vb, okb := b.(*model.ValidationError)
	switch {
	case a != nil && !oka:
		return a
	case b != nil && !okb:
		return b
	case va == nil:
		return b
	case vb == nil:
		return a
	}
	for _, f := range vb.Fields {
		va.Add(f.Field, f.Key, f.Args)
	}
	return va
}

// creditCheck applies the credit check (SPEC §7) to o, whose amount is about
// to count in its customer's open orders where prev counted so far: when
// the amount plus the exposure would pass the credit limit, either refuses
// the dealer u (the ordering settings' CreditBlock: a ValidationError on
// "_form" with the figures) or flags the order with a credit hold. It
// reports whether it set a new hold; the caller then raises
// online_order.credit_hold after its own event (emitCreditHold).
func (t *Tx) creditCheck(o *model.OnlineOrder, prev model.Money, u *model.User) (bool, error) {
	cust, err := t.customerRead(o.CustomerID)
	if err != nil {
		return false, err
	}
	// A figure out of its bounds (a balance damaged before the bounds
	// existed) fails the check: the order is held, never waved through.
	exposure, xerr := t.balance(o.CustomerID).Exposure()
	if xerr == nil {
		exposure, xerr = model.SubMoney(exposure, prev)
	}
	if xerr == nil && !model.CreditExceeded(cust.CreditLimit, exposure, o.Totals.Amount) {
		return false, nil
	}
	// Read from the decoded copies (readcache.go): a customer past its limit
	// has every order held, and this runs twice per submit, once of them in
	// the group commit. On PostgreSQL both settings come in one query.
	if p, ok := t.b(bSettings).(kv.Prefetcher); ok {
		p.Prefetch([][]byte{keyEnterprise, keyOrdering})
	}
	sym := t.settingsRead().CurrencySymbol
	if t.orderingRead().CreditBlock && u != nil && u.Kind == model.KindDealer {
		ve := &model.ValidationError{}
		ve.Add("_form", "err.credit_blocked", map[string]any{"limit": cust.CreditLimit.Format(sym),
			"exposure": exposure.Format(sym), "amount": o.Totals.Amount.Format(sym),
			"available": max(cust.CreditLimit-exposure, 0).Format(sym)})
		return false, ve
	}
	o.CreditHold, o.CreditApprovedBy = true, ""
	o.CreditLimit, o.CreditExposure = cust.CreditLimit, exposure
	return true, nil
}

// emitCreditHold raises online_order.credit_hold for o with the figures the
// hold was decided on. It follows the event of the action that caused the
// hold (submitted, changed), so that a reader of the feed meets the order
// before its hold.
func (t *Tx) emitCreditHold(o *model.OnlineOrder) error {
	sym := t.Settings().CurrencySymbol
	return t.emitOrder(model.EventOrderCreditHold, docOnlineOrder, o.ID, o.CustomerID, o.Number, o.Totals.Amount,
		"credit_limit", o.CreditLimit.Format(sym), "exposure", o.CreditExposure.Format(sym))
}

// emitOrder raises an event about an order document with the common
// placeholders (number, type, amount, link) and extra name, value pairs.
func (t *Tx) emitOrder(ev model.Event, kind model.DocType, id, customerID uint64, number string, amount model.Money, extra ...string) error {
	p := map[string]string{"link": docLink(kind, id), "amount": t.Settings().Money(amount)}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i]] = extra[i+1]
	}
	return t.Emit(&model.OutboxMessage{Event: ev, CustomerID: customerID, DocType: kind, DocID: id, DocNumber: number, Params: p})
}

// submitOnlineOrder submits a stored draft: the state machine (dealers only),
// the credit check, the open-orders balance, the event.
func (t *Tx) submitOnlineOrder(sc Scope, o *model.OnlineOrder, u *model.User) error {
	return t.submitOnline(o, u, func() error { return t.updateOnline(sc, o) })
}

// insertSubmitted stores a new draft o submitted in the same step
// (SaveOnlineOrder with submit): one write of the document.
func (t *Tx) insertSubmitted(sc Scope, o *model.OnlineOrder, u *model.User) error {
	return t.submitOnline(o, u, func() error { return t.insertOnline(sc, o) })
}

// submitOnline applies the submit transition to o, checks credit, writes o
// (write) and then moves the open-orders balance and raises the events.
func (t *Tx) submitOnline(o *model.OnlineOrder, u *model.User, write func() error) (err error) {
	saved, hold, by := o.Doc, o.CreditHold, o.CreditApprovedBy
	defer func() {
		if err != nil { // the caller may show o again: as it was
			o.Doc, o.CreditHold, o.CreditApprovedBy = saved, hold, by
		}
	}()
	if err := model.OnlineOrderMachine.Apply(&o.Doc, "submit", u, "", t.Now); err != nil {
		return err
	}
	if len(o.Lines) == 0 {
		return model.Invalid("lines", "err.order_no_lines")
	}
	newHold, err := t.creditCheck(o, 0, u)
	if err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	if err := t.AdjustBalance(o.CustomerID, func(b *model.CustomerBalance) { b.OpenOrders += o.Totals.Amount }); err != nil {
		return err
	}
	if err := t.emitOrder(model.EventOrderSubmitted, docOnlineOrder, o.ID, o.CustomerID, o.Number, o.Totals.Amount); err != nil {
		return err
	}
	if newHold {
		return t.emitCreditHold(o)
	}
	return nil
}

// OnlineOrderFromCart creates a draft online order for dealer u from the
// lines of u's cart (all, or only entryIDs), at current effective prices,
// and removes those lines from the cart, all in the caller's transaction;
// hdr carries the header the user chose (ship-to, dates, contact, remarks,
// allow adjustment) and receives the new order. submit also submits it.
// Refuses with a ValidationError on "lines" when a chosen line cannot be
// ordered or nothing is left (store.OrderableCartLines).
func (t *Tx) OnlineOrderFromCart(sc Scope, u *model.User, entryIDs []uint64, hdr *model.OnlineOrder, submit bool) error {
	if u == nil || !model.OnlineOrderCreator(u, u.CustomerID) {
		return model.ErrNotAllowed
	}
	cl, err := t.OrderableCartLines(sc, u.ID, entryIDs)
	if err != nil {
		return err
	}
	hdr.ID, hdr.CustomerID = 0, u.CustomerID
	if err := t.SaveOnlineOrder(sc, hdr, cartLineInputs(cl, hdr), u, submit); err != nil {
		return err
	}
	for _, l := range cl {
		if err := t.RemoveCartLine(u.ID, l.Entry.ID); err != nil {
			return err
		}
	}
	return nil
}

// cartLineInputs are the order lines of cart lines cl, with the per-line
// delivery dates and remarks typed on the checkout form (hdr's lines).
func cartLineInputs(cl []OrderLine, hdr *model.OnlineOrder) []LineInput {
	lines := make([]LineInput, len(cl))
	for i, l := range cl {
		lines[i] = LineInput{EntryID: l.Entry.ID, Code: l.Product.Code, Qty: l.Qty}
		for _, hl := range hdr.Lines {
			if hl.EntryID == l.Entry.ID {
				lines[i].DeliveryDate, lines[i].Remark = hl.DeliveryDate, hl.Remark
			}
		}
	}
	return lines
}

// preparedCart is what a checkout prepared outside the write transaction
// took from the cart: the chosen entries, the header as the form gave it,
// and each cart line it ordered with its stored bytes.
type preparedCart struct {
	entryIDs []uint64
	hdr      *model.OnlineOrder
	lines    []preparedCartLine
}

type preparedCartLine struct{ key, raw []byte }

// PrepareOnlineOrderFromCart prepares OnlineOrderFromCart's order in a
// read transaction (PrepareOnlineOrder's work: priced, checked, encoded)
// from the chosen cart lines of dealer u (at least one: ErrNotAllowed
// without), remembering those lines as stored; hdr is not changed. It
// fails as OnlineOrderFromCart would now; the caller then lets that run
// in the write transaction, which reports it there.
func (t *Tx) PrepareOnlineOrderFromCart(sc Scope, u *model.User, entryIDs []uint64, hdr *model.OnlineOrder, submit bool) (*PreparedOnlineOrder, error) {
	if len(entryIDs) == 0 || u == nil || !model.OnlineOrderCreator(u, u.CustomerID) {
		return nil, model.ErrNotAllowed
	}
	cl, err := t.OrderableCartLines(sc, u.ID, entryIDs)
	if err != nil {
		return nil, err
	}
	o := cloneOrder(hdr)
	o.ID, o.CustomerID = 0, u.CustomerID
	p, err := t.PrepareOnlineOrder(sc, o, cartLineInputs(cl, hdr), u, submit)
	if err != nil {
		return nil, err
	}
	p.cart = &preparedCart{entryIDs: slices.Clone(entryIDs), hdr: o}
	for _, l := range cl {
		k := key(u.ID, l.Entry.ID)
		p.cart.lines = append(p.cart.lines, preparedCartLine{key: k, raw: bytes.Clone(t.b(bCart).Get(k))})
	}
	return p, nil
}

// InsertPreparedCartOrder stores the order PrepareOnlineOrderFromCart
// prepared for dealer u and removes its lines from the cart, in the write
// transaction (InsertPreparedOnlineOrder's work); it returns the order's
// id. When the cart's ordered lines changed since the preparation (another
// tab changed a quantity or ordered them), it does OnlineOrderFromCart's
// whole work here instead, with its refusals. It may run more than once
// (store.Batch).
func (t *Tx) InsertPreparedCartOrder(sc Scope, p *PreparedOnlineOrder, u *model.User) (uint64, error) {
	pc := p.cart
	if pc == nil {
		return 0, model.ErrNotAllowed
	}
	same := u.ID != 0
	for _, l := range pc.lines {
		same = same && bytes.Equal(t.b(bCart).Get(l.key), l.raw)
	}
	if !same || len(pc.lines) == 0 {
		o := cloneOrder(pc.hdr)
		err := t.OnlineOrderFromCart(sc, u, pc.entryIDs, o, p.submit)
		return o.ID, err
	}
	id, err := t.InsertPreparedOnlineOrder(sc, p, u)
	if err != nil {
		return 0, err
	}
	for _, l := range pc.lines {
		if err := t.b(bCart).Delete(l.key); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// ActOnOnlineOrder performs submit (dealers), reject (with a reason),
// unreject, or release_credit (finance: approve an order on credit hold) on
// online order id by u, checking the version, and raises the event. The
// open-orders balance follows: + on submit and unreject, − on reject.
// Refused actions change nothing: a StateError for the status, ErrNotAllowed
// for the role, a ValidationError for a missing reason or the credit block.
func (t *Tx) ActOnOnlineOrder(sc Scope, id, version uint64, action string, u *model.User, reason string) (*model.OnlineOrder, error) {
	o, err := t.OnlineOrder(sc, id)
	if err != nil {
		return nil, err
	}
	if action != "release_credit" {
		if err := model.CheckAction(model.OnlineOrderMachine, o.Status, action, u); err != nil {
			return nil, err
		}
	}
	if o.Version != version {
		return nil, &model.ConflictError{By: o.UpdatedBy, At: o.UpdatedAt}
	}
	reason = strings.TrimSpace(reason)
	switch action {
	case "submit":
		if o.Status == model.StatusDraft && !model.OnlineOrderEditableBy(o.Status, o.CreatedBy, o.AllowAdjust, o.CustomerID, u) {
			return nil, model.ErrNotAllowed
		}
		if err := t.submitOnlineOrder(sc, o, u); err != nil {
			return nil, err
		}
		return o, nil
	case "release_credit": // who may approve is the caller's check (PermApproveCredit)
		if err := model.CheckReleaseCredit(o); err != nil {
			return nil, err
		}
		o.CreditApprovedBy = u.Username
		o.Trail = append(o.Trail, model.AuditEntry{At: t.Now, By: u.Username, Action: action, From: o.Status, To: o.Status, Reason: reason})
		return o, t.updateOnline(sc, o)
	case "reject", "unreject":
	default:
		return nil, &model.StateError{Action: action, Status: string(o.Status)}
	}
	before := o.CountedOpen()
	if err := model.OnlineOrderMachine.Apply(&o.Doc, action, u, reason, t.Now); err != nil {
		return nil, err
	}
	ev := model.EventOrderUnrejected
	var extra []string
	if action == "reject" {
		o.RejectReason = reason
		ev, extra = model.EventOrderRejected, []string{"reason", reason}
	} else {
		o.RejectReason = ""
	}
	if err := t.updateOnline(sc, o); err != nil {
		return nil, err
	}
	if d := o.CountedOpen() - before; d != 0 {
		if err := t.AdjustBalance(o.CustomerID, func(b *model.CustomerBalance) { b.OpenOrders += d }); err != nil {
			return nil, err
		}
	}
	return o, t.emitOrder(ev, docOnlineOrder, o.ID, o.CustomerID, o.Number, o.Totals.Amount, extra...)
}

// DeleteOnlineOrder deletes an online order dealer user u may edit
// (model.OnlineOrderDeletableBy: draft or submitted, never converted or
// rejected), checking the version; a submitted one leaves the open-orders
// balance and raises online_order.withdrawn. Staff never delete a dealer's
// order (the caller refuses them: ErrNotAllowed): they reject it with a
// reason, which the dealer is told.
func (t *Tx) DeleteOnlineOrder(sc Scope, id, version uint64, u *model.User) error {
	o, err := t.OnlineOrder(sc, id)
	if err != nil {
		return err
	}
	if !model.OnlineOrderDeletableBy(o.Status, o.CreatedBy, o.AllowAdjust, o.CustomerID, u) {
		return &model.StateError{Action: "delete", Status: string(o.Status)}
	}
	if err := t.DeleteDoc(sc, docOnlineOrder, id, version); err != nil {
		return err
	}
	if err := t.b(bCreditHolds).Delete(key(o.CustomerID, o.ID)); err != nil {
		return err
	}
	if d := o.CountedOpen(); d != 0 {
		if err := t.AdjustBalance(o.CustomerID, func(b *model.CustomerBalance) { b.OpenOrders -= d }); err != nil {
			return err
		}
	}
	if o.Status == model.StatusSubmitted {
		// Staff and the ERP may already hold it: they are told it is gone.
		return t.emitOrder(model.EventOrderWithdrawn, docOnlineOrder, o.ID, o.CustomerID, o.Number, o.Totals.Amount)
	}
	return nil
}

// LineAdjust is staff's adjustment of one online order line when generating
// the sales order: a new quantity and/or unit price (nil: unchanged).
type LineAdjust struct {
	Line  int
	Qty   *model.Qty
	Price *model.Money
}

// ConvertOnlineOrder generates the sales order of a submitted online order
// (生成销售订单) by u: a draft sales order with the order's header and lines
// (each linked to its source line), quantities and prices adjusted per adj
// where the order allows adjustment (adjusting one that does not is a
// ValidationError), the online order converted and linked both ways, its
// amount leaving the open-orders balance, and online_order.converted raised
// — one transaction. An order on credit hold must be approved first.
func (t *Tx) ConvertOnlineOrder(sc Scope, id, version uint64, u *model.User, adj []LineAdjust) (*model.SalesOrder, error) {
	o, err := t.OnlineOrder(sc, id)
	if err != nil {
		return nil, err
	}
	if err := model.CheckAction(model.OnlineOrderMachine, o.Status, "convert", u); err != nil {
		return nil, err
	}
	if o.Version != version {
		return nil, &model.ConflictError{By: o.UpdatedBy, At: o.UpdatedAt}
	}
	if err := model.CheckConvertOnlineOrder(o); err != nil {
		return nil, err
	}
	before := o.CountedOpen()
	if err := model.OnlineOrderMachine.Apply(&o.Doc, "convert", u, "", t.Now); err != nil {
		return nil, err
	}
	cust, err := t.customer(o.CustomerID)
	if err != nil {
		return nil, err
	}
	so := &model.SalesOrder{CustomerID: o.CustomerID, OnlineOrderID: o.ID, OnlineOrderNumber: o.Number,
		OrderDate: t.Today(), DeliveryDate: o.RequestedDate, ShipTo: o.ShipTo, Contact: o.Contact, Phone: o.Phone,
		Remarks: o.Remarks, SalespersonID: cust.SalespersonID, OrgUnitID: cust.OrgUnitID}
	so.Status = model.StatusDraft
	so.Trail = []model.AuditEntry{{At: t.Now.UTC(), By: u.Username, Action: "generate", To: model.StatusDraft, Reason: o.Number}}
	ve := &model.ValidationError{}
	for i, l := range o.Lines {
		sl := model.SalesOrderLine{OrderLine: l}
		sl.No = i + 1
		sl.Source = model.LineRef{Type: model.DocOnlineOrder, ID: o.ID, Line: l.No}
		if sl.DeliveryDate == "" {
			sl.DeliveryDate = o.RequestedDate
		}
		for _, a := range adj {
			if a.Line != l.No || (a.Qty == nil || *a.Qty == l.Qty) && (a.Price == nil || *a.Price == l.Price) {
				continue
			}
			if !o.AllowAdjust {
				ve.Add(model.LineField(i, "qty"), "err.order_no_adjust", nil)
				continue
			}
			if a.Qty != nil {
				sl.Qty = *a.Qty
			}
			if a.Price != nil {
				sl.Price = *a.Price
			}
		}
		so.Lines = append(so.Lines, sl)
	}
	tot, terr := model.SumSalesLines(so.Lines)
	so.Totals = tot
	if err := mergeValidation(mergeValidation(ve.Err(), terr), so.Validate()); err != nil {
		return nil, err
	}
	if err := t.InsertDoc(sc, docSalesOrder, so); err != nil {
		return nil, err
	}
	o.SalesOrderID, o.SalesOrderNumber = so.ID, so.Number
	if err := t.updateOnline(sc, o); err != nil {
		return nil, err
	}
	if before != 0 {
		if err := t.AdjustBalance(o.CustomerID, func(b *model.CustomerBalance) { b.OpenOrders -= before }); err != nil {
			return nil, err
		}
	}
	return so, t.emitOrder(model.EventOrderConverted, docOnlineOrder, o.ID, o.CustomerID, o.Number, o.Totals.Amount, "sales_order", so.Number)
}

// OnlineExecution is the execution status of online order o (shown on it):
// what became of its sales order ("" while none was generated).
func (t *Tx) OnlineExecution(o *model.OnlineOrder) string {
	if o.SalesOrderID == 0 {
		return model.ExecNone
	}
	s, err := t.summaryOf(docSalesOrder, o.SalesOrderID)
	if err != nil {
		return model.ExecNone
	}
	return model.ExecutionOf(s.Status)
}

// OrderAgainResult says what "order again" did: how many lines went into
// the cart or the new draft, and the codes it skipped because they are no
// longer published to the customer (or their quantity no longer fits the
// entry's rules), each with the reason's catalog key.
type OrderAgainResult struct {
	Added   int
	OrderID uint64 // the new draft online order (to draft)
	Skipped []SkippedLine
}

// SkippedLine is a line "order again" could not take.
type SkippedLine struct {
	Code string
	Key  string
}

// OrderAgain copies the available lines of a past order (online or sales
// order: its lines) into dealer u's cart (toDraft false: quantities add up
// there) or into a new draft online order (toDraft true), at today's
// effective prices, skipping entries no longer published to the customer and
// quantities the entry's rules now refuse. Nothing available at all is a
// ValidationError on "_form". Who may order again is the caller's check
// (model.MayOrderAgain).
func (t *Tx) OrderAgain(sc Scope, u *model.User, lines []model.OrderLine, toDraft bool) (*OrderAgainResult, error) {
	res := &OrderAgainResult{}
	var keep []LineInput
	for _, l := range lines {
		e, err := t.CatalogEntryOfProduct(sc, l.ProductID)
		if err != nil {
			res.Skipped = append(res.Skipped, SkippedLine{Code: l.Code, Key: "oo.again_unavailable"})
			continue
		}
		if err := model.CheckOrderQty(l.Qty, e.MinQty, e.Multiple); err != nil {
			res.Skipped = append(res.Skipped, SkippedLine{Code: l.Code, Key: err.(*model.ValidationError).Fields[0].Key})
			continue
		}
		if toDraft {
			keep = append(keep, LineInput{EntryID: e.ID, Code: l.Code, Qty: l.Qty, Remark: l.Remark})
			continue
		}
		if _, err := t.AddToCart(sc, u.ID, e.ID, l.Qty); err != nil {
			key := "oo.again_unavailable"
			if ve, ok := err.(*model.ValidationError); ok {
				key = ve.Fields[0].Key
			}
			res.Skipped = append(res.Skipped, SkippedLine{Code: l.Code, Key: key})
			continue
		}
		res.Added++
	}
	if toDraft && len(keep) > 0 {
		o, err := t.NewOnlineOrder(sc, u.CustomerID)
		if err != nil {
			return nil, err
		}
		if err := t.SaveOnlineOrder(sc, o, keep, u, false); err != nil {
			return nil, err
		}
		res.Added, res.OrderID = len(keep), o.ID
	}
	if res.Added == 0 {
		return res, model.Invalid("_form", "err.again_nothing")
	}
	return res, nil
}

// PreparedOnlineOrder is a new online order made ready outside the write
// transaction (PrepareOnlineOrder, in a read transaction of the submitting
// request): its lines priced, its form checked, and — when submitted — the
// submit transition applied, the credit check predicted, the document, its
// outbox message and its feed event encoded (preRecord). The commit
// (InsertPreparedOnlineOrder) then assigns the id and the number, checks
// credit again against the balance as it is at that moment, and puts the
// prepared bytes; it encodes afresh only when its credit decision differs
// from the predicted one.
//
// The order is priced on the catalog and the customer as they were when
// the request was read (a few milliseconds before its commit): a price or
// catalog change committed in between counts as if it came right after the
// order. Its times are those of the request, not of the commit.
type PreparedOnlineOrder struct {
	base    *model.OnlineOrder // priced and checked, as the form gave it (a draft)
	ready   *model.OnlineOrder // base stamped, and submitted with the predicted credit figures
	submit  bool
	by      string
	now     time.Time
	cust    *model.Customer // read for the credit check, with its stored bytes
	custRaw []byte
	doc     preRecord
	docOK   bool
	events  []preEvent    // online_order.submitted (a held order is not prepared)
	cart    *preparedCart // a checkout's cart lines (PrepareOnlineOrderFromCart)
}

// preEvent is an outbox message encoded before its transaction, with its
// feed event when the event is on the feed, and the parameters it was
// prepared with (without the link, which names the new document).
type preEvent struct {
	ev        model.Event
	params    map[string]string
	msg, feed preRecord
	onFeed    bool
}

// PrepareOnlineOrder prepares new online order o of dealer u from typed
// lines (SaveOnlineOrder's rules for a new order) in a read transaction:
// the same errors as SaveOnlineOrder for a form that is not valid; the
// caller then lets SaveOnlineOrder run in the write transaction, which
// reports them there (after the form token's replay check). The credit
// check is left to the write transaction (InsertPreparedOnlineOrder): the
// balance it reads moves with every order of the customer, so reading it
// here would cost PostgreSQL's process cache a miss per order; the
// prepared order is the one without a credit hold, and a hold there falls
// back to SaveOnlineOrder's whole submit. o is not changed.
func (t *Tx) PrepareOnlineOrder(sc Scope, o *model.OnlineOrder, lines []LineInput, u *model.User, submit bool) (*PreparedOnlineOrder, error) {
	if !t.AllowsCustomer(sc, o.CustomerID) {
		return nil, model.ErrNotFound
	}
	if o.ID != 0 || !model.OnlineOrderCreator(u, o.CustomerID) {
		return nil, model.ErrNotAllowed
	}
	t.prefetchOrderPrepare(o.CustomerID, lines)
	b := cloneOrder(o)
	b.Status = model.StatusDraft
	if b.OrderDate == "" {
		b.OrderDate = t.Today()
	}
	priced, perr := t.PriceOnlineLines(b.CustomerID, lines)
	b.Lines = priced
	tot, terr := model.SumLines(b.Lines)
	b.Totals = tot
	if err := mergeValidation(mergeValidation(perr, terr), b.Validate()); err != nil {
		return nil, err
	}
	p := &PreparedOnlineOrder{base: b, submit: submit, by: u.Username, now: t.Now}
	r := cloneOrder(b)
	r.Version, r.CreatedAt, r.UpdatedAt, r.CreatedBy, r.UpdatedBy = 1, t.Now, t.Now, u.Username, u.Username
	if raw := t.b(bCustomers).Get(itob(b.CustomerID)); raw != nil {
		p.custRaw = append([]byte(nil), raw...)
		if c, err := t.customerRead(b.CustomerID); err == nil { // the pricer's
			p.cust = c
		}
	}
	events := []model.Event{}
	if submit {
		if err := model.OnlineOrderMachine.Apply(&r.Doc, "submit", u, "", t.Now); err != nil {
			return nil, err
		}
		if len(r.Lines) == 0 {
			return nil, model.Invalid("lines", "err.order_no_lines")
		}
		events = append(events, model.EventOrderSubmitted)
	}
	p.ready = r
	// A new order has no id and no number yet (o.ID is 0 above; preEncode
	// refuses any other number): r is encoded as it is.
	p.doc, p.docOK = preEncode(r, "id", "number")
	settings := t.settingsRead()
	for _, ev := range events {
		pe := preEvent{ev: ev, params: map[string]string{"amount": settings.Money(r.Totals.Amount)}, onFeed: model.OnFeed(ev)}
		var ok bool
		m := &model.OutboxMessage{Event: ev, CustomerID: r.CustomerID, DocType: model.DocOnlineOrder, Actor: u.Username,
			CreatedAt: t.Now, Status: model.OutboxPending, NextTry: t.Now}
		if pe.msg, ok = preEncodePlain(m, "id"); !ok {
			p.docOK = false
		}
		fe := &model.FeedEvent{Event: ev, CustomerID: r.CustomerID, DocType: model.DocOnlineOrder, Actor: u.Username, At: t.Now}
		if pe.onFeed {
			if pe.feed, ok = preEncodePlain(fe, "seq"); !ok {
				p.docOK = false
			}
		}
		p.events = append(p.events, pe)
	}
	return p, nil
}

// cloneOrder copies o with its own lines and trail.
func cloneOrder(o *model.OnlineOrder) *model.OnlineOrder {
	c := *o
	c.Lines, c.Trail = slices.Clone(o.Lines), slices.Clone(o.Trail)
	return &c
}

// Order returns a copy of the prepared order as the form gave it (priced,
// not yet stored): what a form shows again when the commit refuses it.
func (p *PreparedOnlineOrder) Order() *model.OnlineOrder { return cloneOrder(p.base) }

// InsertPreparedOnlineOrder stores prepared order p for dealer u in the
// write transaction and returns its id: a new id and number, and when
// submitted the credit check against the balance as it stands, the
// open-orders balance and the events — SaveOnlineOrder's outcome for the
// same form. It may run more than once (store.Batch): each run starts from
// p afresh. The transaction's time becomes the request's (p's).
func (t *Tx) InsertPreparedOnlineOrder(sc Scope, p *PreparedOnlineOrder, u *model.User) (uint64, error) {
	t.Now = p.now
	t.prefetchOrderInsert(p)
	if p.cust != nil && bytes.Equal(t.b(bCustomers).Get(itob(p.base.CustomerID)), p.custRaw) {
		t.custRead = p.cust // unchanged since it was read: no second decoding
	}
	fast := p.docOK && t.By == p.by
	if !p.submit {
		o := cloneOrder(p.base)
		if !fast {
			err := t.insertOnline(sc, o)
			return o.ID, err
		}
		if err := t.insertDoc(sc, docOnlineOrder, o, p.docRecord); err != nil {
			return 0, err
		}
		return o.ID, t.indexHold(o)
	}
	o := cloneOrder(p.ready)
	o.CreditHold, o.CreditApprovedBy, o.CreditLimit, o.CreditExposure = p.base.CreditHold, p.base.CreditApprovedBy, p.base.CreditLimit, p.base.CreditExposure
	if _, err := t.creditCheck(o, 0, u); err != nil {
		return 0, err
	}
	if !fast || o.CreditHold != p.ready.CreditHold || o.CreditLimit != p.ready.CreditLimit || o.CreditExposure != p.ready.CreditExposure {
		// Not what was prepared (the order is held): the whole submit as
		// SaveOnlineOrder does it, encoding here.
		o = cloneOrder(p.base)
		err := t.insertSubmitted(sc, o, u)
		return o.ID, err
	}
	if err := t.insertDoc(sc, docOnlineOrder, o, p.docRecord); err != nil {
		return 0, err
	}
	if err := t.indexHold(o); err != nil {
		return 0, err
	}
	if err := t.AdjustBalance(o.CustomerID, func(b *model.CustomerBalance) { b.OpenOrders += o.Totals.Amount }); err != nil {
		return 0, err
	}
	for i := range p.events {
		pe := &p.events[i]
		params := maps.Clone(pe.params)
		params["link"] = docLink(model.DocOnlineOrder, o.ID)
		m := &model.OutboxMessage{Event: pe.ev, CustomerID: o.CustomerID, DocType: model.DocOnlineOrder, DocID: o.ID,
			DocNumber: o.Number, Actor: p.by, Params: params}
		if err := t.emit(m, pe); err != nil {
			return 0, err
		}
	}
	return o.ID, nil
}

// docRecord is the prepared document's stored value with its id and number.
func (p *PreparedOnlineOrder) docRecord(id uint64, number string) []byte {
	head, err := appendJSONField(jsonHead("id", id), "number", number)
	if err != nil {
		return nil
	}
	return p.doc.record(append(head, ','))
}
