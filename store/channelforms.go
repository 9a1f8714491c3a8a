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
