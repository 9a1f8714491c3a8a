package handlers

import (
	"strings"

	"dealerportal/model"
	"dealerportal/store"
)

// References: how a request names a record of another family (a price's
// customer, an order line's product, an invoice's outbound). Every family
// resolves names with these functions, so that a name means the same
// record wherever it is written, and a record that belongs to a customer
// outside the client's data scope is unknown alike everywhere (never a
// hint that it exists).

// byExt finds the record of kind that the ERP's external id ext names;
// ErrNotFound when it names none.
func byExt[T any](t *store.Tx, kind, ext string, byID func(uint64) (T, error)) (T, error) {
	if id := t.ExternalID(kind, ext); id != 0 {
		return byID(id)
	}
	var zero T
	return zero, model.ErrNotFound
}

// byExtOrCode finds the record of kind that ref names: the one whose
// external id it is, or failing that the one with that code. A field
// that takes either names master data the ERP may not have linked yet.
func byExtOrCode[T any](t *store.Tx, kind, ref string, byID func(uint64) (T, error), byCode func(string) (T, error)) (T, error) {
	if id := t.ExternalID(kind, ref); id != 0 {
		return byID(id)
	}
	return byCode(ref)
}

// productByExt is the product an external id names (any product of the
// master, active or not: the caller's rules decide).
func productByExt(t *store.Tx, ext string) (*model.Product, error) {
	return byExt(t, store.ExtProduct, ext, t.Product)
}

// productRef is the product ref names by its external id or its code.
func productRef(t *store.Tx, ref string) (*model.Product, error) {
	return byExtOrCode(t, store.ExtProduct, ref, t.Product, t.ProductByCode)
}

// categoryRef is the category ref names by its external id or its code.
func categoryRef(t *store.Tx, ref string) (*model.Category, error) {
	return byExtOrCode(t, store.ExtCategory, ref, t.Category, t.CategoryByCode)
}

// groupRef is the customer group ref names by its external id or its
// code.
func groupRef(t *store.Tx, ref string) (*model.CustomerGroup, error) {
	return byExtOrCode(t, store.ExtCustomerGroup, ref, t.CustomerGroup, t.CustomerGroupByCode)
}

// customerByExt is the customer within sc that an external id names;
// ErrNotFound when unknown or outside sc.
func customerByExt(t *store.Tx, sc store.Scope, ext string) (*model.Customer, error) {
	return byExt(t, store.ExtCustomer, ext, func(id uint64) (*model.Customer, error) { return t.Customer(sc, id) })
}

// customerRef is the customer within sc that ref names by its external id
// or its code; ErrNotFound when unknown or outside sc.
func customerRef(t *store.Tx, sc store.Scope, ref string) (*model.Customer, error) {
	return byExtOrCode(t, store.ExtCustomer, ref, func(id uint64) (*model.Customer, error) { return t.Customer(sc, id) },
		func(code string) (*model.Customer, error) { return t.CustomerByCode(sc, code) })
}

// customerRefs is how a document names its customer: by the portal's id
// (customer_id), the ERP's external id (customer_external_id) or the code
// (customer_code). A family decides which it accepts and how many; names
// given together must name the same customer.
type customerRefs struct {
	id        uint64
	ext, code string
}

func (r customerRefs) given() bool { return r.id != 0 || r.ext != "" || r.code != "" }

// resolve finds the named customer within sc. A name that finds none is
// the field error unknown at its field (a customer outside sc is unknown),
// two names of different customers api.err_fin_ref_mismatch; nil when
// none is named or any name fails.
func (r customerRefs) resolve(t *store.Tx, sc store.Scope, unknown string, ve *model.ValidationError) *model.Customer {
	var found *model.Customer
	failed := false
	try := func(field string, c *model.Customer, err error) {
		switch {
		case err != nil:
			ve.Add(field, unknown, nil)
			failed = true
		case found != nil && found.ID != c.ID:
			ve.Add(field, "api.err_fin_ref_mismatch", nil)
			failed = true
		default:
			found = c
		}
	}
	if r.id != 0 {
		c, err := t.Customer(sc, r.id)
		try("customer_id", c, err)
	}
	if ext := strings.TrimSpace(r.ext); ext != "" {
		c, err := customerByExt(t, sc, ext)
		try("customer_external_id", c, err)
	}
	if code := strings.TrimSpace(r.code); code != "" {
		c, err := t.CustomerByCode(sc, code)
		try("customer_code", c, err)
	}
	if failed {
		return nil
	}
	return found
}

// docRef resolves a record (a document, mostly) named by the portal's id
// at idField and/or the ERP's external id of kind at extField: ok tells
// whether the client's scope reaches a record of the right type with an
// id. It records unknown at the field that names no such record and
// api.err_fin_ref_mismatch when both are given and differ, and returns
// the id (0 on failure) and the field the request named it by.
func docRef(t *store.Tx, kind string, id uint64, idField, ext, extField string, ok func(uint64) bool, unknown string, ve *model.ValidationError) (uint64, string) {
	var found uint64
	field := idField
	if id != 0 {
		if !ok(id) {
			ve.Add(idField, unknown, nil)
			return 0, idField
		}
		found = id
	}
	if ext = strings.TrimSpace(ext); ext != "" {
		if found == 0 {
			field = extField
		}
		eid := t.ExternalID(kind, ext)
		switch {
		case eid == 0 || !ok(eid):
			ve.Add(extField, unknown, nil)
			return 0, extField
		case found != 0 && eid != found:
			ve.Add(extField, "api.err_fin_ref_mismatch", nil)
			return 0, extField
		}
		found = eid
	}
	return found, field
}

// refOf is docRef for a record that read reads by id (its error: not
// found): the record, nil on failure, and the field that named it.
func refOf[T any](t *store.Tx, kind string, id uint64, idField, ext, extField string, read func(uint64) (*T, error), unknown string, ve *model.ValidationError) (*T, string) {
	var rec *T
	found, field := docRef(t, kind, id, idField, ext, extField, func(id uint64) bool {
		v, err := read(id)
		if err == nil {
			rec = v
		}
		return err == nil
	}, unknown, ve)
	if found == 0 {
		return nil, field
	}
	return rec, field
}

// salesOrderRef is refOf for a sales order within sc.
func salesOrderRef(t *store.Tx, sc store.Scope, id uint64, idField, ext, extField, unknown string, ve *model.ValidationError) (*model.SalesOrder, string) {
	return refOf(t, store.ExtSalesOrder, id, idField, ext, extField, func(id uint64) (*model.SalesOrder, error) { return t.SalesOrder(sc, id) }, unknown, ve)
}

// invoiceRef is refOf for an invoice within sc.
func invoiceRef(t *store.Tx, sc store.Scope, id uint64, idField, ext, extField, unknown string, ve *model.ValidationError) (*model.Invoice, string) {
	return refOf(t, store.ExtInvoice, id, idField, ext, extField, func(id uint64) (*model.Invoice, error) { return t.Invoice(sc, id) }, unknown, ve)
}

// customerLabel is how an answer names a document's customer: its code
// (read through sc, which the document was read through) and external id.
func customerLabel(t *store.Tx, sc store.Scope, id uint64) (code, ext string) {
	if c, err := t.Customer(sc, id); err == nil {
		code = c.Code
	}
	return code, t.ExternalOf(store.ExtCustomer, id)
}
