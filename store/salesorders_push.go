package store

import (
	"errors"

	"dealerportal/model"
)

// SalesOrderPush is a sales order the ERP pushed, its references resolved
// through the client's scope (SalesOrderPushInput.Resolve): the customer,
// the header as sent ("" keeps NewSalesOrder's default order date; the
// contact and phone win over the location's), the ship-to location
// (LocationField names the request's field when one was named; Location
// 0 then means it did not resolve), the lines with their product codes,
// the references that did not resolve (Invalid), and Rename, the request's
// field name for a field the order's rules refuse.
type SalesOrderPush struct {
	Customer      uint64
	OrderDate     string
	DeliveryDate  string
	Remarks       string
	Settlement    string
	Contact       string
	Phone         string
	Location      uint64
	LocationField string
	Lines         []LineInput
	Invalid       *model.ValidationError
	Rename        func(field string) string
}

// SalesOrderPushInput is the API's sales order push: its external id, the
// fingerprint of what it asks for, whether it stays a draft (else it is
// audited in the same transaction), and Resolve, which reads its
// references inside the use case's transaction (nil and a ValidationError
// when the customer does not resolve).
type SalesOrderPushInput struct {
	ExternalID  string
	Fingerprint string
	Draft       bool
	Resolve     func(t *Tx) (*SalesOrderPush, error)
}

// PushSalesOrder is the use case "the ERP pushes a sales order", the
// API's sibling of SaveSalesOrderForm: the order gets NewSalesOrder's
// defaults, the ship-to through the form's check (checkSalesHeader), its
// lines priced and checked by SaveSalesOrder, and unless in.Draft it is
// audited (ActOnSalesOrder) in the same transaction; then it is tied to
// its external id. The same external id again answers the order it made
// (created false) when the fingerprint is the same, else a
// *PushedDiffersError naming it. At most once per a.Once. It returns the
// order's id. The caller checks the client's grant.
func (s *Store) PushSalesOrder(a Actor, in SalesOrderPushInput) (id uint64, created bool, err error) {
	id, err = s.act(a, func(t *Tx) (uint64, error) {
		created = false
		if id, number, was, err := t.PushedDoc(a.Scope, ExtSalesOrder, model.DocSalesOrder, in.ExternalID); id != 0 || err != nil {
			if err == nil && was != in.Fingerprint {
				return 0, &PushedDiffersError{Number: number}
			}
			return id, err
		}
		p, err := in.Resolve(t)
		if err != nil {
			return 0, err
		}
		o, err := t.pushSalesOrder(a, p)
		if err != nil {
			return 0, err
		}
		if !in.Draft {
			if _, err := t.ActOnSalesOrder(a.Scope, o.ID, o.Version, "audit", a.User, ""); err != nil {
				return 0, err
			}
		}
		created = true
		return o.ID, t.SetExternalDoc(ExtSalesOrder, in.ExternalID, o.ID, in.Fingerprint)
	})
	return id, created, err
}

// pushSalesOrder saves pushed order p as a draft and returns it. The
// lines are priced first on their own, as the form does when the header
// has errors: their field errors then name the request's lines.
func (t *Tx) pushSalesOrder(a Actor, p *SalesOrderPush) (*model.SalesOrder, error) {
	ve := &model.ValidationError{}
	if p.Invalid != nil {
		ve.Fields = append(ve.Fields, p.Invalid.Fields...)
	}
	o, err := t.NewSalesOrder(a.Scope, p.Customer)
	if err != nil {
		return nil, err
	}
	if p.OrderDate != "" {
		o.OrderDate = p.OrderDate
	}
	o.DeliveryDate, o.Remarks, o.Settlement = p.DeliveryDate, p.Remarks, p.Settlement
	if p.LocationField != "" {
		// The form's check of a ship-to: one of the customer's, in scope.
		if st, err := t.ShipTo(a.Scope, p.Customer, p.Location); err != nil {
			ve.Add(p.LocationField, "err.order_location", nil)
		} else {
			o.ShipTo, o.Contact, o.Phone = st, st.Contact, st.Phone
		}
	}
	if p.Contact != "" {
		o.Contact = p.Contact
	}
	if p.Phone != "" {
		o.Phone = p.Phone
	}
	if _, err := t.PriceSalesLines(p.Customer, p.Lines, nil); err != nil || len(ve.Fields) > 0 {
		return nil, renameBy(mergeValidation(ve.Err(), err), p.Rename)
	}
	if err := t.SaveSalesOrder(a.Scope, o, p.Lines); err != nil {
		return nil, renameBy(err, p.Rename)
	}
	return o, nil
}

// renameBy puts a ValidationError's fields at rename's names (rename nil:
// as they are); other errors stay as they are.
func renameBy(err error, rename func(string) string) error {
	var ve *model.ValidationError
	if !errors.As(err, &ve) || rename == nil {
		return err
	}
	out := &model.ValidationError{}
	for _, f := range ve.Fields {
		out.Add(rename(f.Field), f.Key, f.Args)
	}
	return out
}
