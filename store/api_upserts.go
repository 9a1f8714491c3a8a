package store

import (
	"encoding/json"
	"errors"
	"strings"

	"dealerportal/model"
)

// The ERP API's upserts of master data (customers, their locations and
// dealer users, categories, products, stock counts, price records) as use
// cases: one record is one call, in the group commit (the API sends many
// at once: Actor.Batched), with no replay key (the external id is the
// record's idempotency: the same record sent again writes nothing and is
// "unchanged"). The use case finds the record the external id names
// through a.Scope (ErrNotFound outside it) or adopts one keyed in by hand
// before the ERP was connected, lets the input's Apply put the payload on
// a copy (resolving its references inside the transaction, with the
// request's field names for its refusals), checks the record's own rules,
// and writes it, its activity entry and its external id only when
// something changed. The caller checks the client's grant.

// metaRecord is a stored record with its Meta (version, who and when).
type metaRecord[T any] interface {
	*T
	GetMeta() *model.Meta
}

// sameRecord reports whether two versions of a record are equal apart
// from their Meta, as they would be stored.
func sameRecord[T any, P metaRecord[T]](a, b P) bool {
	x, y := *a, *b
	*P(&x).GetMeta(), *P(&y).GetMeta() = model.Meta{}, model.Meta{}
	jx, errx := json.Marshal(&x)
	jy, erry := json.Marshal(&y)
	return errx == nil && erry == nil && string(jx) == string(jy)
}

// writtenOutcome is the outcome of an upsert that wrote: created or
// updated.
func writtenOutcome(created bool) Outcome {
	if created {
		return OutcomeCreated
	}
	return OutcomeUpdated
}

// upsertByExt ends every upsert by external id ext of kind. old is the
// stored record it updates (nil: a new one; it may be a record keyed in by
// hand and adopted, whose external id is not ext yet), rec the record
// after the payload (a copy of old with the payload's fields), id its id
// (old's, or rec's once saved). When rec is old and ext names it already,
// nothing is written: unchanged. Otherwise save writes rec (and its
// activity entry) unless it is old as it is, and ext is mapped to it.
func upsertByExt[T any, P metaRecord[T]](t *Tx, kind, ext string, old, rec P, id func() uint64, save func() error) (uint64, Outcome, error) {
	linked := old != nil && t.ExternalOf(kind, id()) == ext
	same := old != nil && sameRecord(old, rec)
	if linked && same {
		return id(), OutcomeUnchanged, nil
	}
	if !same {
		if err := save(); err != nil {
			return 0, "", err
		}
	}
	if !linked {
		if err := t.SetExternalID(kind, ext, id()); err != nil {
			return 0, "", err
		}
	}
	return id(), writtenOutcome(old == nil), nil
}

// findOrAdopt finds the record an upsert of kind updates: the one its
// external id ext names (byID's error, ErrNotFound outside the scope,
// refuses the upsert), else one keyed in by hand before the ERP was
// connected that byCode finds and no external id names yet (the first
// upsert links it instead of refusing its code), else none. It returns
// that record (nil: a new one) and a copy to put the payload on.
func findOrAdopt[T any](t *Tx, kind, ext string, byID func(uint64) (*T, error), byCode func() (*T, error), id func(*T) uint64) (old, rec *T, err error) {
	if n := t.ExternalID(kind, ext); n != 0 {
		if old, err = byID(n); err != nil {
			return nil, nil, err
		}
	} else if c, err := byCode(); err == nil && t.ExternalOf(kind, id(c)) == "" {
		old = c
	}
	rec = new(T)
	if old != nil {
		*rec = *old
	}
	return old, rec, nil
}

// checked joins the payload's refusals (applied) with the record's own
// rules (valid), the latter at the request's names: a ValidationError
// with both, or another error as it is.
func checked(applied, valid error, names map[string]string) error {
	return mergeValidation(applied, renameFields(valid, names))
}

// customerNamed is the customer within sc that a record names by its
// external id ext at the request's field: none named, unknown and out of
// sc are field errors (the last two the same, so that a client learns
// nothing of customers it cannot see).
func (t *Tx) customerNamed(sc Scope, ext, field string) (*model.Customer, error) {
	if ext == "" {
		return nil, model.Invalid(field, "err.required")
	}
	id := t.ExternalID(ExtCustomer, ext)
	if id == 0 {
		return nil, model.Invalid(field, "api.customers.unknown_customer")
	}
	cu, err := t.Customer(sc, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, model.Invalid(field, "api.customers.unknown_customer")
	}
	return cu, err
}

// ---- customers ----

// CustomerUpsert is one customer of the ERP: its external id, its code
// (a customer with that code and no external id yet is adopted), Apply,
// which puts the payload on the record (resolving its org unit, group
// and salesperson; a ValidationError at the request's fields), and Names,
// the request's names of the model's fields.
type CustomerUpsert struct {
	ExternalID string
	Code       string
	Apply      func(t *Tx, cu *model.Customer) error
	Names      map[string]string
}

// UpsertCustomer is the use case "the ERP upserts a customer", the API's
// sibling of SaveCustomer: a customer its external id names outside
// a.Scope is ErrNotFound; the record is written with WriteCustomer (and
// its entry) and tied to its external id. It returns the customer's id.
func (s *Store) UpsertCustomer(a Actor, in CustomerUpsert) (uint64, Outcome, error) {
	return s.actOutcome(a, func(t *Tx) (uint64, Outcome, error) {
		old, cu, err := findOrAdopt(t, ExtCustomer, in.ExternalID,
			func(id uint64) (*model.Customer, error) { return t.Customer(a.Scope, id) },
			func() (*model.Customer, error) { return t.CustomerByCode(a.Scope, in.Code) },
			func(c *model.Customer) uint64 { return c.ID })
		if err != nil {
			return 0, "", err
		}
		if err := checked(in.Apply(t, cu), cu.Validate(), in.Names); err != nil {
			return 0, "", err
		}
		return upsertByExt(t, ExtCustomer, in.ExternalID, old, cu, func() uint64 { return cu.ID }, func() error {
			return renameFields(t.WriteCustomer(a.Scope, cu), in.Names)
		})
	})
}

// ---- locations ----

// LocationUpsert is one delivery location of the ERP: its external id,
// its customer's external id and the request's field naming it, its name
// (the one location of the customer with that name and no external id yet
// is adopted), and Apply, which puts the payload on the record.
type LocationUpsert struct {
	ExternalID    string
	Customer      string
	CustomerField string
	Name          string
	Apply         func(l *model.Location) error
}

// UpsertLocation is the use case "the ERP upserts a delivery location",
// the API's sibling of SaveCustomerLocation: its customer is checked
// through a.Scope once at the top (a field error outside it); an external
// id held by another customer's location is refused (a location never
// moves between customers). It returns the location's id.
func (s *Store) UpsertLocation(a Actor, in LocationUpsert) (uint64, Outcome, error) {
	return s.actOutcome(a, func(t *Tx) (uint64, Outcome, error) {
		cu, err := t.customerNamed(a.Scope, in.Customer, in.CustomerField)
		if err != nil {
			return 0, "", err
		}
		sc := pinned(a.Scope, cu.ID)
		var old *model.Location
		if id := t.ExternalID(ExtLocation, in.ExternalID); id != 0 {
			if old, err = t.Location(sc, cu.ID, id); err != nil {
				return 0, "", model.Invalid("external_id", "api.customers.location_elsewhere")
			}
		} else {
			old = t.adoptLocation(sc, cu.ID, in.Name)
		}
		l := &model.Location{CustomerID: cu.ID}
		if old != nil {
			*l = *old
		}
		if err := checked(in.Apply(l), l.Validate(), nil); err != nil {
			return 0, "", err
		}
		return upsertByExt(t, ExtLocation, in.ExternalID, old, l, func() uint64 { return l.ID }, func() error {
			return t.PutLocation(sc, l)
		})
	})
}

// adoptLocation finds the one location of customer cust named name that
// has no external id yet (keyed in by hand before the ERP was connected),
// or nil.
func (t *Tx) adoptLocation(sc Scope, cust uint64, name string) *model.Location {
	locs, _ := t.Locations(sc, cust)
	var found *model.Location
	for _, l := range locs {
		if l.Name != strings.TrimSpace(name) || t.ExternalOf(ExtLocation, l.ID) != "" {
			continue
		}
		if found != nil {
			return nil // ambiguous: make a new one rather than guess
		}
		found = l
	}
	return found
}

// ---- dealer users ----

// DealerUserUpsert is one dealer user of the ERP: its external id, its
// customer's external id and the request's field naming it, the username
// sent (a dealer user of the customer with that username and no external
// id yet is adopted; "" none), Apply, which puts the payload on the record
// (old: the stored user, nil for a new one), and Names, the request's
// names of the model's fields.
type DealerUserUpsert struct {
	ExternalID    string
	Customer      string
	CustomerField string
	Username      string
	Apply         func(t *Tx, cu *model.Customer, old, u *model.User) error
	Names         map[string]string
}

// UpsertDealerUser is the use case "the ERP upserts a dealer user", the
// API's sibling of CreateUser: its customer is checked through a.Scope
// once at the top (a field error outside it); a user its external id
// names outside a.Scope is ErrNotFound, another customer's a field error.
// A user who has no password yet is invited when new, when its address
// changed or when it was enabled again (model.InviteOnUpsert). It returns
// the user's id.
func (s *Store) UpsertDealerUser(a Actor, in DealerUserUpsert) (uint64, Outcome, error) {
	return s.actOutcome(a, func(t *Tx) (uint64, Outcome, error) {
		cu, err := t.customerNamed(a.Scope, in.Customer, in.CustomerField)
		if err != nil {
			return 0, "", err
		}
		var old *model.User
		if id := t.ExternalID(ExtDealerUser, in.ExternalID); id != 0 {
			u, err := t.User(a.Scope, id)
			switch {
			case err != nil || u.Kind != model.KindDealer:
				return 0, "", model.ErrNotFound
			case u.CustomerID != cu.ID:
				return 0, "", model.Invalid("external_id", "api.customers.user_elsewhere")
			}
			old = u
		} else if in.Username != "" {
			// A user keyed in by hand before the ERP was connected.
			if u, err := t.UserByUsername(in.Username); err == nil && u.Kind == model.KindDealer && u.CustomerID == cu.ID && t.ExternalOf(ExtDealerUser, u.ID) == "" {
				old = u
			}
		}
		u := &model.User{Kind: model.KindDealer, CustomerID: cu.ID}
		if old != nil {
			*u = *old
		}
		if err := checked(in.Apply(t, cu, old, u), u.Validate(), in.Names); err != nil {
			return 0, "", err
		}
		invite := model.InviteOnUpsert(old, u, old != nil && t.PendingInvitation(old.ID) != nil)
		return upsertByExt(t, ExtDealerUser, in.ExternalID, old, u, func() uint64 { return u.ID }, func() error {
			return renameFields(t.PutUser(a.Scope, u, invite), in.Names)
		})
	})
}

// ---- categories ----

// CategoryUpsert is one product category of the ERP: its external id, its
// code (a category with that code and no external id yet is adopted),
// Apply, which puts the payload on the record (resolving its parent; a
// ValidationError at the request's fields refuses it before the record's
// own rules are asked), and Names, the request's names of the model's
// fields.
type CategoryUpsert struct {
	ExternalID string
	Code       string
	Apply      func(t *Tx, c *model.Category) error
	Names      map[string]string
}

// UpsertCategory is the use case "the ERP upserts a category", the API's
// sibling of SaveCategoryForm (staff master data: no customer scope). It
// returns the category's id.
func (s *Store) UpsertCategory(a Actor, in CategoryUpsert) (uint64, Outcome, error) {
	return s.actOutcome(a, func(t *Tx) (uint64, Outcome, error) {
		old, rec, err := findOrAdopt(t, ExtCategory, in.ExternalID, t.Category,
			func() (*model.Category, error) { return t.CategoryByCode(in.Code) },
			func(c *model.Category) uint64 { return c.ID })
		if err != nil {
			return 0, "", err
		}
		if err := in.Apply(t, rec); err != nil {
			return 0, "", err
		}
		if err := rec.Validate(); err != nil {
			return 0, "", renameFields(err, in.Names)
		}
		return upsertByExt(t, ExtCategory, in.ExternalID, old, rec, func() uint64 { return rec.ID }, func() error {
			if err := t.SaveCategory(rec); err != nil {
				return renameFields(err, in.Names)
			}
			action := "update"
			if old == nil {
				action = "create"
			}
			return t.Log("category", rec.ID, action, rec.Code+" "+rec.Name)
		})
	})
}

// ---- products ----

// ProductUpsert is one product of the ERP: its external id, its code (a
// product with that code and no external id yet is adopted), Apply, which
// puts the payload on the record (every field set, none kept), and Names,
// the request's names of the model's fields.
type ProductUpsert struct {
	ExternalID string
	Code       string
	Apply      func(p *model.Product) error
	Names      map[string]string
}

// UpsertProduct is the use case "the ERP upserts a product", the API's
// sibling of SaveProductForm (staff master data: no customer scope). Its
// images, catalog entry and stock are not the payload's: they stay. It
// returns the product's id.
func (s *Store) UpsertProduct(a Actor, in ProductUpsert) (uint64, Outcome, error) {
	return s.actOutcome(a, func(t *Tx) (uint64, Outcome, error) {
		old, p, err := findOrAdopt(t, ExtProduct, in.ExternalID, t.Product,
			func() (*model.Product, error) { return t.ProductByCode(in.Code) },
			func(p *model.Product) uint64 { return p.ID })
		if err != nil {
			return 0, "", err
		}
		if err := checked(in.Apply(p), p.Validate(), in.Names); err != nil {
			return 0, "", err
		}
		return upsertByExt(t, ExtProduct, in.ExternalID, old, p, func() uint64 { return p.ID }, func() error {
			if err := t.SaveProduct(p); err != nil {
				return renameFields(err, in.Names)
			}
			action := "product.update"
			if old == nil {
				action = "product.create"
			}
			return t.Log("product", p.ID, action, p.Code)
		})
	})
}

// ---- stock counts ----

// StockCountInput is one product's stock count from the ERP: Resolve
// finds the product and reads the count inside the use case's
// transaction (a ValidationError at the request's fields).
type StockCountInput struct {
	Resolve func(t *Tx) (productID uint64, onHand model.Qty, err error)
}

// SetStockCount is the use case "the ERP sets a product's stock on hand":
// the count without a version check (the ERP's count is the truth),
// keeping what is reserved, with its activity entry; unchanged when on
// hand already is the count. It returns the product's id.
func (s *Store) SetStockCount(a Actor, in StockCountInput) (uint64, Outcome, error) {
	return s.actOutcome(a, func(t *Tx) (uint64, Outcome, error) {
		id, q, err := in.Resolve(t)
		if err != nil {
			return 0, "", err
		}
		st, err := t.Stock(id)
		if err != nil {
			return 0, "", err
		}
		if st.OnHand == q {
			return id, OutcomeUnchanged, nil
		}
		if st, err = t.SetStockOnHand(id, q, st.Version); err != nil {
			return 0, "", err
		}
		return id, OutcomeUpdated, t.Log("product", id, "stock.set", st.OnHand.String())
	})
}

// ---- price records ----

// PriceUpsert is one price record of the ERP: its external id, the status
// it is to have (draft or audited), Apply, which puts the payload on the
// record (resolving its customer through the scope, its group within the
// scope's audience, its product; a ValidationError at the request's
// fields), and Names, the request's names of the model's fields.
type PriceUpsert struct {
	ExternalID string
	Status     model.Status
	Apply      func(t *Tx, r *model.PriceRecord) error
	Names      map[string]string
}

// UpsertPrice is the use case "the ERP upserts a price record", the API's
// sibling of SavePriceForm and the price actions: a record its external id
// names outside a.Scope is ErrNotFound; the record is saved when it
// changed, tied to its external id, then audited or unaudited to the
// status sent; unchanged when it already is as sent. It returns the
// record's id.
func (s *Store) UpsertPrice(a Actor, in PriceUpsert) (uint64, Outcome, error) {
	return s.actOutcome(a, func(t *Tx) (uint64, Outcome, error) {
		var old *model.PriceRecord
		if id := t.ExternalID(ExtPrice, in.ExternalID); id != 0 {
			var err error
			if old, err = t.PriceRecord(a.Scope, id); err != nil {
				return 0, "", err
			}
		}
		r := &model.PriceRecord{}
		if old != nil {
			*r = *old
		}
		if err := checked(in.Apply(t, r), r.Validate(), in.Names); err != nil {
			return 0, "", err
		}
		same := old != nil && sameRecord(old, r)
		if same && old.Status == in.Status {
			return old.ID, OutcomeUnchanged, nil
		}
		if !same {
			if err := t.SavePriceRecord(a.Scope, r); err != nil {
				return 0, "", renameFields(err, in.Names)
			}
			action := "update"
			if old == nil {
				action = "create"
			}
			if err := t.Log("price", r.ID, action, r.Price.String()); err != nil {
				return 0, "", err
			}
		}
		if err := t.SetExternalID(ExtPrice, in.ExternalID, r.ID); err != nil {
			return 0, "", err
		}
		if r.Status != in.Status {
			action := "unaudit"
			if in.Status == model.StatusAudited {
				action = "audit"
			}
			if _, err := t.ApplyPriceAction(a.Scope, r.ID, action, a.User, 0); err != nil {
				return 0, "", err
			}
			if err := t.Log("price", r.ID, "price."+action, ""); err != nil {
				return 0, "", err
			}
		}
		return r.ID, writtenOutcome(old == nil), nil
	})
}
