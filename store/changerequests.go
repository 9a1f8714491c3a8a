package store

import (
	"strings"

	"dealerportal/model"
)

// Sales order change requests (销售订单变更申请, SPEC §2.3): a dealer or staff
// propose new quantities, prices or delivery dates for some lines of an
// audited sales order; staff make the request effective (生效: written back
// to the order in one transaction, the order's version increased, the old
// values kept in the request and in each line's history, reserved stock and
// open orders following) or reject it (the order untouched). An open request
// (draft or submitted) counts as a downstream document of its order, so the
// order cannot be unaudited under it.

var docChangeRequest = RegisterDocType(model.DocChangeRequest)

// ChangeRequest returns change request id when sc may see it; ErrNotFound
// otherwise.
func (t *Tx) ChangeRequest(sc Scope, id uint64) (*model.ChangeRequest, error) {
	r := &model.ChangeRequest{}
	if err := t.GetDoc(sc, docChangeRequest, id, r); err != nil {
		return nil, err
	}
	return r, nil
}

// SaveChangeRequest creates (ID 0, for the audited sales order
// r.SalesOrderID) or updates a draft change request by u; submit also
// submits it (change_request.submitted). Lines are validated against the
// order (model.ChangeRequest.ValidateChange). A new request counts as a
// downstream document of its order. Who may request a change is the
// caller's check (model.CanRequestChange); an existing request only its
// creator edits while draft (model.ChangeEditableBy, a StateError
// otherwise).
func (t *Tx) SaveChangeRequest(sc Scope, r *model.ChangeRequest, u *model.User, submit bool) error {
	so, err := t.SalesOrder(sc, r.SalesOrderID)
	if err != nil {
		return err
	}
	if r.ID == 0 {
		if so.Status != model.StatusAudited {
			return &model.StateError{Action: "change", Status: string(so.Status)}
		}
		r.CustomerID, r.SalesOrderNo, r.RequestDate = so.CustomerID, so.Number, t.Today()
		r.Status = model.StatusDraft
	} else {
		stored, err := t.ChangeRequest(sc, r.ID)
		if err != nil {
			return err
		}
		if !model.ChangeEditableBy(stored, u.Username) {
			return &model.StateError{Action: "edit", Status: string(stored.Status)}
		}
		r.CustomerID, r.SalesOrderID, r.SalesOrderNo, r.RequestDate = stored.CustomerID, stored.SalesOrderID, stored.SalesOrderNo, stored.RequestDate
		r.Status, r.Trail, r.Number = stored.Status, stored.Trail, stored.Number
	}
	if err := r.ValidateChange(so, t.qtyRules(so)); err != nil {
		return err
	}
	if r.ID == 0 {
		if err := t.InsertDoc(sc, docChangeRequest, r); err != nil {
			return err
		}
		so.Downstream++
		if err := t.UpdateDoc(sc, docSalesOrder, so); err != nil {
			return err
		}
	} else if err := t.UpdateDoc(sc, docChangeRequest, r); err != nil {
		return err
	}
	if submit {
		return t.submitChange(sc, r, u)
	}
	return nil
}

func (t *Tx) submitChange(sc Scope, r *model.ChangeRequest, u *model.User) (err error) {
	saved := r.Doc
	defer func() {
		if err != nil {
			r.Doc = saved
		}
	}()
	if !model.ChangeEditableBy(r, u.Username) {
		return model.ErrNotAllowed
	}
	if err := model.ChangeRequestMachine.Apply(&r.Doc, "submit", u, "", t.Now); err != nil {
		return err
	}
	if err := t.UpdateDoc(sc, docChangeRequest, r); err != nil {
		return err
	}
	return t.emitOrder(model.EventChangeSubmitted, docChangeRequest, r.ID, r.CustomerID, r.Number, 0, "sales_order", r.SalesOrderNo)
}

// ActOnChangeRequest performs submit (a draft, by its creator: the caller
// checks that u may still request changes), make_effective or reject (with
// a reason) on change request id by u, checking the version, and raises the
// event. make_effective writes the request back to its sales order
// (model.ApplyChange) in this transaction: the order must still be audited
// and each new quantity still at least what has shipped (else a
// ValidationError and nothing changes); open delivery notices that would
// ship more than a line still has open are cut, newest first; reserved
// stock moves by each line's change of open quantity and the open-orders
// balance by the change of the open amount; an order left with nothing open
// is closed. Reject leaves the
// order untouched. Either ends the request's downstream count on the order.
func (t *Tx) ActOnChangeRequest(sc Scope, id, version uint64, action string, u *model.User, reason string) (*model.ChangeRequest, error) {
	r, err := t.ChangeRequest(sc, id)
	if err != nil {
		return nil, err
	}
	if err := model.CheckAction(model.ChangeRequestMachine, r.Status, action, u); err != nil {
		return nil, err
	}
	if action == "submit" && !model.ChangeEditableBy(r, u.Username) {
		return nil, model.ErrNotAllowed
	}
	if r.Version != version {
		return nil, &model.ConflictError{By: r.UpdatedBy, At: r.UpdatedAt}
	}
	reason = strings.TrimSpace(reason)
	switch action {
	case "submit":
		if err := t.submitChange(sc, r, u); err != nil {
			return nil, err
		}
		return r, nil
	case "make_effective", "reject":
	default:
		return nil, &model.StateError{Action: action, Status: string(r.Status)}
	}
	if err := model.ChangeRequestMachine.Apply(&r.Doc, action, u, reason, t.Now); err != nil {
		return nil, err
	}
	so, err := t.SalesOrder(AdminScope(), r.SalesOrderID)
	if err != nil {
		return nil, err
	}
	ev, extra := model.EventChangeRejected, []string{"sales_order", so.Number, "reason", reason}
	if action == "reject" {
		r.RejectReason = reason
	} else {
		ev, extra = model.EventChangeEffective, []string{"sales_order", so.Number}
		if so.Status != model.StatusAudited {
			return nil, model.Invalid("_form", "err.cr_order_not_audited")
		}
		if err := t.applyChange(so, r, u.Username); err != nil {
			return nil, err
		}
	}
	so.Downstream = max(0, so.Downstream-1)
	if err := t.UpdateDoc(AdminScope(), docSalesOrder, so); err != nil {
		return nil, err
	}
	if action == "make_effective" {
		if _, err := t.SalesOrderExecuted(so.ID); err != nil {
			return nil, err
		}
	}
	if err := t.UpdateDoc(sc, docChangeRequest, r); err != nil {
		return nil, err
	}
	return r, t.emitOrder(ev, docChangeRequest, r.ID, r.CustomerID, r.Number, 0, extra...)
}

// qtyRules returns the catalog rules (minimum, multiple) of the products on
// so, by product id: a product without a catalog entry has none.
func (t *Tx) qtyRules(so *model.SalesOrder) map[uint64]model.QtyRule {
	out := map[uint64]model.QtyRule{}
	for _, l := range so.Lines {
		id := btoi(t.b(bCatalogByProduct).Get(itob(l.ProductID)))
		if id == 0 {
			continue
		}
		if e, err := t.catalogEntry(id); err == nil {
			out[l.ProductID] = model.QtyRule{Min: e.MinQty, Multiple: e.Multiple}
		}
	}
	return out
}

// applyChange writes r into the audited order so (model.ApplyChange), cuts
// the open delivery notices that now ask for more than a line has open and
// stores them (a notice left with nothing shipped and nothing to ship is
// void and no longer downstream), and moves reserved stock and the
// open-orders balance by what the change did to the open part.
func (t *Tx) applyChange(so *model.SalesOrder, r *model.ChangeRequest, by string) error {
	open := map[int]model.Qty{}
	for _, l := range so.Lines {
		open[l.No] = l.OpenQty()
	}
	before := so.CountedOpen()
	var notices []*model.DeliveryNotice
	for _, id := range t.SalesOrderLinks(so.ID, docDeliveryNotice) {
		d, err := t.DeliveryNotice(AdminScope(), id)
		if err != nil {
			return err
		}
		notices = append(notices, d)
	}
	changed, err := model.ApplyChange(so, r, t.qtyRules(so), notices, by, t.Now)
	if err != nil {
		return err
	}
	for _, d := range changed {
		if d.Status == model.StatusVoid {
			so.Downstream = max(0, so.Downstream-1)
		}
		if err := t.UpdateDoc(AdminScope(), docDeliveryNotice, d); err != nil {
			return err
		}
	}
	for _, l := range so.Lines {
		if err := t.reserve(l.ProductID, l.OpenQty()-open[l.No]); err != nil {
			return err
		}
	}
	if d := so.CountedOpen() - before; d != 0 {
		return t.AdjustBalance(so.CustomerID, func(b *model.CustomerBalance) { b.OpenOrders += d })
	}
	return nil
}

// DeleteChangeRequest deletes a draft change request of u's (a
// StateError otherwise), checking the version; its order's downstream
// count goes down. Whether u may still request changes is the caller's
// check (model.CanEditChangeRequest).
func (t *Tx) DeleteChangeRequest(sc Scope, id, version uint64, u *model.User) error {
	r, err := t.ChangeRequest(sc, id)
	if err != nil {
		return err
	}
	if !model.ChangeEditableBy(r, u.Username) {
		return &model.StateError{Action: "delete", Status: string(r.Status)}
	}
	if err := t.DeleteDoc(sc, docChangeRequest, id, version); err != nil {
		return err
	}
	so, err := t.SalesOrder(AdminScope(), r.SalesOrderID)
	if err != nil {
		return err
	}
	so.Downstream = max(0, so.Downstream-1)
	return t.UpdateDoc(AdminScope(), docSalesOrder, so)
}

// SaveChangeRequestForm saves a change request from its form (a new one
// for r.SalesOrderID, at most once per a.Once) and, with submit, submits
// it: one user action. It returns the request's id. Errors as
// SaveChangeRequest's.
func (s *Store) SaveChangeRequestForm(a Actor, r *model.ChangeRequest, submit bool) (uint64, error) {
	isNew := r.ID == 0
	if !isNew {
		a.Once = ""
	}
	return s.act(a, func(t *Tx) (uint64, error) {
		if isNew { // a retried transaction starts again from the form
			r.ID, r.Number, r.Meta = 0, "", model.Meta{}
		}
		if err := t.SaveChangeRequest(a.Scope, r, a.User, submit); err != nil {
			return 0, err
		}
		return r.ID, nil
	})
}

// ActOnChangeRequest runs submit, make_effective or reject on change
// request id at the version the user saw, as one user action.
func (s *Store) ActOnChangeRequest(a Actor, id, version uint64, action, reason string) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		_, err := t.ActOnChangeRequest(a.Scope, id, version, action, a.User, reason)
		return 0, err
	})
	return err
}

// RemoveChangeRequest deletes change request id at the version the user
// saw, as one user action (DeleteChangeRequest), and returns the id of its
// sales order (a replay too).
func (s *Store) RemoveChangeRequest(a Actor, id, version uint64) (uint64, error) {
	return s.act(a, func(t *Tx) (uint64, error) {
		r, err := t.ChangeRequest(a.Scope, id)
		if err != nil {
			return 0, err
		}
		return r.SalesOrderID, t.DeleteChangeRequest(a.Scope, id, version, a.User)
	})
}
