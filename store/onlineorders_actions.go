package store

import (
	"dealerportal/model"
	"dealerportal/store/kv"
)

// Online orders as use cases: the order form (a new order or the edit of
// one, saved or submitted), the cart's checkout, and the actions on an
// order once it exists (submit, reject, unreject, approve a credit hold,
// delete, generate the sales order), each one call that owns its
// transaction and checks the data scope at its top. Who may (the dealer's
// PermOrder, the staff's PermManageOrders, PermApproveCredit) is the
// handler's check; the store asks the model only the document's half of
// the rules (model.OnlineOrderEditableBy, OnlineOrderCreator, the machine).

// OnlineOrderForm is the order form as posted: Order holds the header as
// typed (requested date, contact, phone, remarks, allow adjustment) and,
// for an edit, the order's id and the version the form showed (ID 0: a new
// order of the actor's customer); Location is the chosen ship-to (0: keep
// the order's, which a new order has not); Lines the typed lines; Invalid
// the errors the form's own parsing found; Submit also submits the order.
type OnlineOrderForm struct {
	Order    *model.OnlineOrder
	Location uint64
	Lines    []LineInput
	Invalid  *model.ValidationError
	Submit   bool
}

// SaveOnlineOrderForm saves (and with in.Submit submits) an online order
// from its form as one user action in the group commit, and returns its
// id: a new one at most once per a.Once, an edit every time (its version
// guards it). A new order that passes is priced, checked and encoded in a
// read transaction first (Tx.PrepareOnlineOrder), so that the group commit
// only numbers it, checks credit and puts its bytes
// (Tx.InsertPreparedOnlineOrder, behind the replay check); any other form
// is checked in the write transaction, after the replay check: the scope
// (the actor's customer, or the stored order through a.Scope: ErrNotFound),
// the edit rule (a StateError), the ship-to and the lines (a
// ValidationError with every field at once), then SaveOnlineOrder's work.
// in.Order receives what was saved or, refused, the order as the form
// shows it again (a new one without id and number).
func (s *Store) SaveOnlineOrderForm(a Actor, in OnlineOrderForm) (uint64, error) {
	o, isNew := in.Order, in.Order.ID == 0
	a.Batched = true
	if !isNew {
		a.Once = "" // the version check guards an edit
	} else {
		o.CustomerID = a.User.CustomerID
	}
	if isNew && in.Invalid.Err() == nil {
		var pre *PreparedOnlineOrder
		_ = s.viewFor(a, func(t *Tx) error {
			pre = nil // fn may run again (Store.View)
			if hdr := t.preparedHeader(o, in.Location); hdr != nil {
				pre, _ = t.PrepareOnlineOrder(a.Scope, hdr, in.Lines, a.User, in.Submit)
			}
			return nil
		})
		if pre != nil {
			id, err := s.actAhead(a, func(t *Tx, replay kv.BucketKey) []kv.BucketKey { return t.orderInsertKeys(pre, replay) },
				func(t *Tx) (uint64, error) { return t.InsertPreparedOnlineOrder(a.Scope, pre, a.User) })
			if err != nil {
				*o = *pre.Order()
			}
			return id, err
		}
	}
	// A group commit may run the body again: each run starts from the form.
	form := cloneOrder(o)
	id, err := s.act(a, func(t *Tx) (uint64, error) {
		*o = *cloneOrder(form)
		return t.saveOnlineForm(a, o, in)
	})
	if err != nil && isNew {
		o.ID, o.Number, o.Meta = 0, "", model.Meta{}
	}
	return id, err
}

// saveOnlineForm is SaveOnlineOrderForm's write transaction for o (the
// form's order): the scope once (the new order's customer, or the stored
// order), then the edit rule, the header and the lines, then the save in
// the scope of that one customer.
func (t *Tx) saveOnlineForm(a Actor, o *model.OnlineOrder, in OnlineOrderForm) (uint64, error) {
	var stored *model.OnlineOrder
	if o.ID == 0 {
		if !t.AllowsCustomer(a.Scope, o.CustomerID) {
			return 0, model.ErrNotFound
		}
	} else {
		var err error
		if stored, err = t.editableOnline(a.Scope, o.ID, a.User); err != nil {
			return 0, err
		}
		o.CustomerID = stored.CustomerID
	}
	ve := &model.ValidationError{}
	if in.Invalid != nil {
		ve.Fields = append(ve.Fields, in.Invalid.Fields...)
	}
	t.OnlineShipTo(o, in.Location, ve)
	if err := ve.Err(); err != nil {
		// Report the catalog's errors too, in one go.
		_, perr := t.PriceOnlineLines(o.CustomerID, in.Lines)
		return 0, mergeValidation(err, perr)
	}
	if err := t.saveOnline(pinned(a.Scope, o.CustomerID), o, stored, in.Lines, a.User, in.Submit); err != nil {
		return 0, err
	}
	return o.ID, nil
}

// OnlineShipTo sets o's ship-to from location, one of the locations of
// o's customer (0 keeps o's; an order without one must choose: a
// ValidationError on "location" in ve), and fills an empty contact and
// phone from it (model.OnlineOrder.DefaultContact).
func (t *Tx) OnlineShipTo(o *model.OnlineOrder, location uint64, ve *model.ValidationError) {
	if location != 0 {
		st, err := t.ShipTo(CustomerScope(o.CustomerID), o.CustomerID, location)
		if err != nil {
			ve.Add("location", "err.order_location", nil)
		} else {
			o.ShipTo = st
		}
	} else if o.ShipTo.LocationID == 0 && o.ShipTo.Address == "" {
		ve.Add("location", "err.order_location", nil)
	}
	o.DefaultContact()
}

// preparedHeader is the header a preparation works on (in the read
// transaction before the group commit): a copy of o with the ship-to of
// location; nil when the ship-to is refused. The use case then leaves the
// form to its write transaction, which reports why after the replay check
// (as it does when the preparation itself refuses).
func (t *Tx) preparedHeader(o *model.OnlineOrder, location uint64) *model.OnlineOrder {
	hdr, ve := cloneOrder(o), &model.ValidationError{}
	if t.OnlineShipTo(hdr, location, ve); ve.Err() != nil {
		return nil
	}
	return hdr
}

// CheckoutForm is the cart's checkout form as posted: Order holds the
// header as typed and, in its Lines, the delivery date and remark typed for
// each cart line (by EntryID); Location is the chosen ship-to; Entries are
// the ticked cart lines; Submit also submits the order.
type CheckoutForm struct {
	Order    *model.OnlineOrder
	Location uint64
	Entries  []uint64
	Submit   bool
}

// CheckoutCart generates the online order from the ticked lines of the
// actor's cart (at least one: a ValidationError on "lines"), as a draft or
// submitted, and takes those lines out of the cart, as one user action in
// the group commit at most once per a.Once; it returns the order's id. As
// on the order form, the order is prepared in a read transaction first
// (Tx.PrepareOnlineOrderFromCart) and the commit only inserts it and
// removes its cart lines (Tx.InsertPreparedCartOrder, which does the whole
// checkout itself when those lines changed meanwhile); a form that does not
// pass is checked in the write transaction, after the replay check: the
// scope (the actor's customer), the ship-to, then Tx.OnlineOrderFromCart.
// in.Order receives the order as the form shows it again on a refusal.
func (s *Store) CheckoutCart(a Actor, in CheckoutForm) (uint64, error) {
	o := in.Order
	o.ID, o.CustomerID = 0, a.User.CustomerID
	a.Batched = true
	if len(in.Entries) > 0 {
		var pre *PreparedOnlineOrder
		_ = s.viewFor(a, func(t *Tx) error {
			pre = nil // fn may run again (Store.View)
			if hdr := t.preparedHeader(o, in.Location); hdr != nil {
				pre, _ = t.PrepareOnlineOrderFromCart(a.Scope, a.User, in.Entries, hdr, in.Submit)
			}
			return nil
		})
		if pre != nil {
			id, err := s.act(a, func(t *Tx) (uint64, error) { return t.InsertPreparedCartOrder(a.Scope, pre, a.User) })
			if err != nil {
				*o = *pre.Order()
			}
			return id, err
		}
	}
	form := cloneOrder(o)
	id, err := s.act(a, func(t *Tx) (uint64, error) {
		*o = *cloneOrder(form)
		if err := shopScope(a.Scope); err != nil || !t.AllowsCustomer(a.Scope, o.CustomerID) {
			return 0, model.ErrNotFound
		}
		if len(in.Entries) == 0 {
			return 0, model.Invalid("lines", "err.order_none_chosen")
		}
		ve := &model.ValidationError{}
		if t.OnlineShipTo(o, in.Location, ve); ve.Err() != nil {
			return 0, ve.Err()
		}
		if err := t.OnlineOrderFromCart(pinned(a.Scope, o.CustomerID), a.User, in.Entries, o, in.Submit); err != nil {
			return 0, err
		}
		return o.ID, nil
	})
	if err != nil {
		o.ID, o.Number, o.Meta = 0, "", model.Meta{}
	}
	return id, err
}

// SubmitOnlineOrder submits draft online order id at the version the user
// saw, as one user action (Tx.ActOnOnlineOrder's submit: the machine, the
// document's half of the edit rule, the credit check, the open-orders
// balance, the events). Whether the user may order at all is the caller's
// check (model.CanOrderOnline).
func (s *Store) SubmitOnlineOrder(a Actor, id, version uint64) error {
	return s.ActOnOnlineOrder(a, id, version, "submit", "")
}

// ActOnOnlineOrder runs reject, unreject or release_credit on online order
// id at the version the user saw, as one user action. Who may approve a
// credit hold is the caller's check (PermApproveCredit); the machine says
// who rejects. Errors as Tx.ActOnOnlineOrder's.
func (s *Store) ActOnOnlineOrder(a Actor, id, version uint64, action, reason string) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		_, err := t.ActOnOnlineOrder(a.Scope, id, version, action, a.User, reason)
		return 0, err
	})
	return err
}

// RemoveOnlineOrder deletes online order id at the version the user saw,
// as one user action (Tx.DeleteOnlineOrder; the caller lets only dealer
// users delete).
func (s *Store) RemoveOnlineOrder(a Actor, id, version uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		return 0, t.DeleteOnlineOrder(a.Scope, id, version, a.User)
	})
	return err
}

// ConvertOnlineOrder generates the sales order of online order id (with
// the staff's adjustments) at the version the user saw, as one user
// action, and returns the sales order's id. Who may is the caller's check
// (PermManageOrders). Errors as Tx.ConvertOnlineOrder's.
func (s *Store) ConvertOnlineOrder(a Actor, id, version uint64, adj []LineAdjust) (uint64, error) {
	return s.act(a, func(t *Tx) (uint64, error) {
		so, err := t.ConvertOnlineOrder(a.Scope, id, version, a.User, adj)
		if err != nil {
			return 0, err
		}
		return so.ID, nil
	})
}
