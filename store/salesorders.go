package store

import (
	"strings"

	"dealerportal/model"
)

// Sales orders (销售订单, SPEC §2.3): made by staff directly or from an online
// order (ConvertOnlineOrder), audited ⇄ unaudited while nothing downstream
// exists, closed by hand or automatically once fully shipped, voided while
// draft. Two maintained figures follow every transition, in the same
// transaction:
//
//   - stock: an audited, open order reserves each line's open quantity
//     (Stock.Reserved += OpenQty at audit, −= at unaudit and close; the
//     shipping module's outbounds release what they ship, model/shipping.go);
//   - the customer's open orders (CustomerBalance.OpenOrders) hold the
//     order's open amount (SalesOrder.OpenAmount) while it is audited.
//
// Dealers see only audited (and later closed) orders of their own customer.

var docSalesOrder = RegisterDocType(model.DocSalesOrder)

// dealerVisible reports whether a sales order in status s is shown to the
// customer's users.
func dealerVisible(s model.Status) bool { return s == model.StatusAudited || s == model.StatusClosed }

// SalesOrder returns sales order id when sc may see it (a dealer only once
// audited); ErrNotFound otherwise.
func (t *Tx) SalesOrder(sc Scope, id uint64) (*model.SalesOrder, error) {
	o := &model.SalesOrder{}
	if err := t.GetDoc(sc, docSalesOrder, id, o); err != nil {
		return nil, err
	}
	if !sc.IsStaff() && !dealerVisible(o.Status) {
		return nil, model.ErrNotFound
	}
	return o, nil
}

// ListSalesOrders is ListDocs for sales orders: a dealer's list holds only
// audited and closed orders whatever the filter asks.
func (t *Tx) ListSalesOrders(sc Scope, f DocFilter, p Page) ([]model.DocSummary, int, error) {
	if !sc.IsStaff() {
		var keep []model.Status
		for _, s := range f.Statuses {
			if dealerVisible(s) {
				keep = append(keep, s)
			}
		}
		if len(f.Statuses) > 0 && len(keep) == 0 {
			return nil, 0, nil
		}
		if len(keep) == 0 {
			keep = []model.Status{model.StatusAudited, model.StatusClosed}
		}
		f.Statuses = keep
	}
	return t.ListDocs(sc, docSalesOrder, f, p)
}

// NewSalesOrder returns a new draft sales order of customerID with its
// defaults: today, the primary location as ship-to, the customer's
// salesperson and org unit. ErrNotFound outside sc.
func (t *Tx) NewSalesOrder(sc Scope, customerID uint64) (*model.SalesOrder, error) {
	cust, err := t.Customer(sc, customerID)
	if err != nil {
		return nil, err
	}
	o := &model.SalesOrder{CustomerID: cust.ID, OrderDate: t.Today(), SalespersonID: cust.SalespersonID, OrgUnitID: cust.OrgUnitID}
	o.Status = model.StatusDraft
	if l, err := t.PrimaryLocation(sc, cust.ID); err == nil {
		o.ShipTo = shipToOf(l)
		o.Contact, o.Phone = l.Contact, l.Phone
	}
	return o, nil
}

// PriceSalesLines turns typed lines into sales order lines for customer: any
// active product of the master (by code), the quantity as typed, the price as
// typed or else the customer's effective price for that quantity, the tax
// rate as typed or else the product's. Lines keep their source (a line of
// the online order it came from) through old, matched by number.
func (t *Tx) PriceSalesLines(customerID uint64, in []LineInput, old []model.SalesOrderLine) ([]model.SalesOrderLine, error) {
	pc := t.newPricer(CustomerScope(customerID))
	ve := &model.ValidationError{}
	out := make([]model.SalesOrderLine, 0, len(in))
	for i, li := range in {
		p, err := t.ProductByCode(strings.TrimSpace(li.Code))
		if err != nil || !p.Active {
			ve.Add(model.LineField(i, "code"), "err.order_unknown_product", map[string]any{"code": li.Code})
			continue
		}
		l := model.SalesOrderLine{OrderLine: model.OrderLine{No: len(out) + 1, ProductID: p.ID, Code: p.Code, Name: p.Name,
			Spec: p.Spec, Unit: p.Unit, Qty: li.Qty, TaxRate: p.TaxRate, DeliveryDate: li.DeliveryDate, Remark: li.Remark}}
		if e, err := t.CatalogEntryOfProduct(AdminScope(), p.ID); err == nil {
			l.EntryID = e.ID
		}
		if li.Price != nil {
			l.Price = *li.Price
		} else {
			l.Price = pc.quote(p, li.Qty).Price
		}
		if li.TaxRate != nil {
			l.TaxRate = *li.TaxRate
		}
		for _, o := range old {
			if li.No != 0 && o.No == li.No && o.ProductID == p.ID {
				l.Source = o.Source
			}
		}
		out = append(out, l)
	}
	return out, ve.Err()
}

// SaveSalesOrder creates (ID 0) or updates a draft sales order from typed
// lines (PriceSalesLines), with the optimistic lock; only while draft (a
// StateError otherwise). The customer of an existing order cannot change.
// Who may save one is the caller's check (PermManageOrders).
func (t *Tx) SaveSalesOrder(sc Scope, o *model.SalesOrder, lines []LineInput) error {
	var old []model.SalesOrderLine
	if o.ID == 0 {
		if !t.AllowsCustomer(sc, o.CustomerID) {
			return model.ErrNotFound
		}
		o.Status = model.StatusDraft
	} else {
		stored, err := t.SalesOrder(sc, o.ID)
		if err != nil {
			return err
		}
		if stored.Status != model.StatusDraft {
			return &model.StateError{Action: "edit", Status: string(stored.Status)}
		}
		o.CustomerID, o.Status, o.Trail, o.Number = stored.CustomerID, stored.Status, stored.Trail, stored.Number
		o.OnlineOrderID, o.OnlineOrderNumber, o.Downstream, o.PurchaseRecorded = stored.OnlineOrderID, stored.OnlineOrderNumber, stored.Downstream, stored.PurchaseRecorded
		old = stored.Lines
	}
	cust, err := t.customer(o.CustomerID)
	if err != nil {
		return err
	}
	if o.OrgUnitID == 0 {
		o.OrgUnitID = cust.OrgUnitID
	}
	priced, perr := t.PriceSalesLines(o.CustomerID, lines, old)
	o.Lines = priced
	tot, terr := model.SumSalesLines(o.Lines)
	o.Totals = tot
	if err := mergeValidation(mergeValidation(perr, terr), o.Validate()); err != nil {
		return err
	}
	if o.ID == 0 {
		return t.InsertDoc(sc, docSalesOrder, o)
	}
	return t.UpdateDoc(sc, docSalesOrder, o)
}

// ActOnSalesOrder performs audit, unaudit, close or void on sales order id
// by u, checking the version, with its consequences in the same transaction:
//
//   - audit: reserves every line's open quantity, adds the open amount to the
//     customer's open orders, records the lines as "previously bought" (the
//     ordering center's hook, once per order);
//   - unaudit: only while nothing downstream exists (Downstream == 0, else a
//     ValidationError "err.so_downstream"); releases and subtracts again;
//   - close: releases what is still open and subtracts its amount;
//   - void: only while draft.
//
// Refused actions change nothing.
func (t *Tx) ActOnSalesOrder(sc Scope, id, version uint64, action string, u *model.User, reason string) (*model.SalesOrder, error) {
	o, err := t.SalesOrder(sc, id)
	if err != nil {
		return nil, err
	}
	if err := model.CheckAction(model.SalesOrderMachine, o.Status, action, u); err != nil {
		return nil, err
	}
	if o.Version != version {
		return nil, &model.ConflictError{By: o.UpdatedBy, At: o.UpdatedAt}
	}
	if err := model.CheckSalesOrderAction(o, action); err != nil {
		return nil, err
	}
	if err := t.moveSalesOrder(o, action, u, strings.TrimSpace(reason)); err != nil {
		return nil, err
	}
	if err := t.UpdateDoc(sc, docSalesOrder, o); err != nil {
		return nil, err
	}
	return o, nil
}

// moveSalesOrder applies a transition to o in memory and moves stock, the
// open-orders balance and "previously bought" accordingly.
func (t *Tx) moveSalesOrder(o *model.SalesOrder, action string, u *model.User, reason string) error {
	before := o.CountedOpen()
	wasAudited := o.Status == model.StatusAudited
	if err := model.SalesOrderMachine.Apply(&o.Doc, action, u, reason, t.Now); err != nil {
		return err
	}
	return t.followSalesOrder(o, before, wasAudited)
}

// followSalesOrder moves reserved stock and the open-orders balance after o
// changed status from one where it counted before (reserving its lines'
// open quantities when wasAudited).
func (t *Tx) followSalesOrder(o *model.SalesOrder, before model.Money, wasAudited bool) error {
	isAudited := o.Status == model.StatusAudited
	if isAudited != wasAudited {
		sign := model.Qty(1)
		if wasAudited {
			sign = -1
		}
		for i := range o.Lines {
			if err := t.reserve(o.Lines[i].ProductID, sign*o.Lines[i].OpenQty()); err != nil {
				return err
			}
		}
	}
	if isAudited && !o.PurchaseRecorded {
		for _, l := range o.Lines {
			if err := t.RecordPurchase(o.CustomerID, l.ProductID, l.Qty, l.Price, o.Number); err != nil {
				return err
			}
		}
		o.PurchaseRecorded = true
	}
	if d := o.CountedOpen() - before; d != 0 {
		return t.AdjustBalance(o.CustomerID, func(b *model.CustomerBalance) { b.OpenOrders += d })
	}
	return nil
}

// reserve changes a product's reserved stock by q; a release never takes
// the reservation below zero (stock counted by hand in between may have
// reset it), so closing an order is never blocked by the stock record.
func (t *Tx) reserve(productID uint64, q model.Qty) error {
	if q == 0 {
		return nil
	}
	if q < 0 {
		st, err := t.Stock(productID)
		if err != nil {
			return err
		}
		q = max(q, -st.Reserved)
		if q == 0 {
			return nil
		}
	}
	_, err := t.AdjustStock(productID, 0, q)
	return err
}

// SalesOrderExecuted is called by the documents that execute sales order id
// (outbounds, red outbounds…) after they saved its changed line figures, in
// the same transaction: an audited order whose every line has shipped is
// closed automatically (its trail says "auto_close"; nothing is left to
// release). It returns whether it closed the order; ErrNotFound for an
// unknown id. Call it last: it saves the order again (its version grows).
func (t *Tx) SalesOrderExecuted(id uint64) (bool, error) {
	o, err := t.SalesOrder(AdminScope(), id)
	if err != nil {
		return false, err
	}
	if o.Status != model.StatusAudited || !o.FullyShipped() {
		return false, nil
	}
	before := o.CountedOpen()
	model.Record(&o.Doc, "auto_close", model.StatusClosed, t.By, t.Now)
	if err := t.followSalesOrder(o, before, true); err != nil {
		return false, err
	}
	return true, t.UpdateDoc(AdminScope(), docSalesOrder, o)
}

// SalesOrderLines returns the lines of a sales order the dealer may see, as
// order lines (for "order again"); ErrNotFound otherwise.
func (t *Tx) SalesOrderLines(sc Scope, id uint64) ([]model.OrderLine, error) {
	o, err := t.SalesOrder(sc, id)
	if err != nil {
		return nil, err
	}
	out := make([]model.OrderLine, len(o.Lines))
	for i := range o.Lines {
		out[i] = o.Lines[i].OrderLine
	}
	return out, nil
}

// SalesOrderForm is the sales order form as posted: the order with its
// header as typed (ID 0: a new order of Order.CustomerID with
// NewSalesOrder's defaults), the chosen ship-to location (0: keep), the
// typed lines, and the errors the form's own parsing found.
type SalesOrderForm struct {
	Order    *model.SalesOrder
	Location uint64
	Lines    []LineInput
	Invalid  *model.ValidationError
}

// SaveSalesOrderForm saves a sales order from its form as one user action
// (a new one at most once per a.Once): checks the salesperson and the
// ship-to, prices the lines and saves the draft (SaveSalesOrder). It
// returns the order's id; in.Order holds what was saved (or, refused, the
// header as checked, for the form shown again). A form with errors still
// prices its lines, so that every line's error shows at once.
func (s *Store) SaveSalesOrderForm(a Actor, in SalesOrderForm) (uint64, error) {
	o, isNew := in.Order, in.Order.ID == 0
	if !isNew {
		a.Once = ""
	}
	return s.act(a, func(t *Tx) (uint64, error) {
		if isNew { // a retried transaction starts again from the form
			o.ID, o.Number, o.Meta = 0, "", model.Meta{}
		}
		ve := &model.ValidationError{}
		if in.Invalid != nil {
			ve.Fields = append(ve.Fields, in.Invalid.Fields...)
		}
		t.checkSalesHeader(a.Scope, o, in.Location, ve)
		if err := ve.Err(); err != nil {
			_, perr := t.PriceSalesLines(o.CustomerID, in.Lines, nil)
			return 0, mergeValidation(err, perr)
		}
		if err := t.SaveSalesOrder(a.Scope, o, in.Lines); err != nil {
			return 0, err
		}
		return o.ID, nil
	})
}

// checkSalesHeader checks the salesperson of o (a staff user) and sets its
// ship-to from location (one of the customer's, in sc).
func (t *Tx) checkSalesHeader(sc Scope, o *model.SalesOrder, location uint64, ve *model.ValidationError) {
	if o.SalespersonID != 0 {
		if u, err := t.UserByID(o.SalespersonID); err != nil || !u.IsStaff() {
			ve.Add("salesperson", "err.invalid", nil)
		}
	}
	if location != 0 {
		st, err := t.ShipTo(sc, o.CustomerID, location)
		if err != nil {
			ve.Add("location", "err.order_location", nil)
		} else {
			o.ShipTo = st
		}
	}
}

// MoveSalesOrder runs audit, unaudit, close or void on sales order id at
// the version the user saw, as one user action (ActOnSalesOrder).
func (s *Store) MoveSalesOrder(a Actor, id, version uint64, action, reason string) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		_, err := t.ActOnSalesOrder(a.Scope, id, version, action, a.User, reason)
		return 0, err
	})
	return err
}
