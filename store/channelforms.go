package store

import (
	"strings"

	"dealerportal/model"
)

// What the channel documents' use cases (opportunities, complaints, service
// requests) share: the customer a new one is for and the refusals of a form.

// ChannelCustomer returns the customer a new channel document is for,
// inside sc: customer id when given (a dealer's own), else the one whose
// code staff typed. A missing or unknown code is a field error on field.
func (t *Tx) ChannelCustomer(sc Scope, id uint64, code, field string) (*model.Customer, error) {
	if id != 0 {
		return t.Customer(sc, id)
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return nil, model.Invalid(field, "err.required")
	}
	cu, err := t.CustomerByCode(sc, code)
	if err != nil {
		return nil, model.Invalid(field, "err.ch_customer_unknown")
	}
	return cu, nil
}

// customerCode returns the id of the customer whose code is code inside sc,
// or adds err.ch_customer_unknown on field to ve (0); "" is no customer.
func (t *Tx) customerCode(sc Scope, code, field string, ve *model.ValidationError) uint64 {
	if code = strings.TrimSpace(code); code == "" {
		return 0
	}
	cu, err := t.CustomerByCode(sc, code)
	if err != nil {
		ve.Add(field, "err.ch_customer_unknown", nil)
		return 0
	}
	return cu.ID
}

// formRefusal joins a form's refusals: the use case's own (ve), then those
// the form's parsing found (parsed, may be nil), then err's when it is a
// ValidationError; another err is returned as it is. nil when none.
func formRefusal(ve, parsed *model.ValidationError, err error) error {
	if parsed != nil {
		for _, f := range parsed.Fields {
			ve.Add(f.Field, f.Key, f.Args)
		}
	}
	if v, ok := err.(*model.ValidationError); ok {
		for _, f := range v.Fields {
			ve.Add(f.Field, f.Key, f.Args)
		}
	} else if err != nil {
		return err
	}
	return ve.Err()
}

// channelSave is what differs between the save use cases of the channel
// documents (SaveOpportunity, SaveComplaint, SaveServiceRequest);
// saveChannelDoc carries the rest.
type channelSave[D any, P interface {
	*D
	model.Document
}] struct {
	// Doc is the posted form: ID 0 for a new document (with its customer
	// set to a dealer's own; staff give CustomerCode), else the id and the
	// version the form showed.
	Doc          P
	CustomerCode string
	// SetCustomer sets the customer of a new document.
	SetCustomer func(d P, customerID uint64)
	// Load reads the stored document inside the scope (ErrNotFound outside).
	Load func(t *Tx, sc Scope, id uint64) (P, error)
	// Products resolves the form's product codes into d through product.
	Products func(d P, product func(code, field string, optional bool) model.ProductRef)
	// Invalid is what the form's parsing refused (may be nil).
	Invalid *model.ValidationError
	// ResolveOnly stops after the products: nothing is stored, only the
	// form's refusals return (a form shown again with more rows).
	ResolveOnly bool
	// Validate checks the document's own fields (today: the enterprise's date).
	Validate func(d P, today string) error
	// Save stores d as new (old nil) or over old.
	Save func(t *Tx, u *model.User, old, d P) error
}

// saveChannelDoc is a channel document's save use case: one transaction
// through s.act (at most once per a.Once), the form restored at each run
// (the body may run twice, a retried transaction), the customer of a new
// document through ChannelCustomer or the stored document through a.Scope,
// the products through ChannelProduct in the customer's catalog (a code
// that is none of them is err.ch_product on its field), then every refusal
// of the form together, then Save. It returns the document's id (0 for a
// new one refused, or ResolveOnly).
func saveChannelDoc[D any, P interface {
	*D
	model.Document
}](s *Store, a Actor, in channelSave[D, P]) (uint64, error) {
	d, form := in.Doc, *in.Doc
	return s.act(a, func(t *Tx) (uint64, error) {
		*d = form
		var old P
		if d.DocID() == 0 {
			cu, err := t.ChannelCustomer(a.Scope, d.Owner(), in.CustomerCode, "customer_code")
			if err != nil {
				return 0, err
			}
			in.SetCustomer(d, cu.ID)
		} else {
			var err error
			if old, err = in.Load(t, a.Scope, d.DocID()); err != nil {
				return 0, err
			}
		}
		ve := &model.ValidationError{}
		in.Products(d, func(code, field string, optional bool) model.ProductRef {
			code = strings.TrimSpace(code)
			if code == "" && optional {
				return model.ProductRef{}
			}
			ref, err := t.ChannelProduct(a.Scope, d.Owner(), code, false)
			if err != nil {
				ve.Add(field, "err.ch_product", nil)
			}
			return ref
		})
		if in.ResolveOnly {
			return 0, formRefusal(ve, in.Invalid, nil)
		}
		if err := formRefusal(ve, in.Invalid, in.Validate(d, t.Today())); err != nil {
			return 0, err
		}
		if err := in.Save(t, a.User, old, d); err != nil {
			return 0, err
		}
		return d.DocID(), nil // a new one's id is known once saved
	})
}
