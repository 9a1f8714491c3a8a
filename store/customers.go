package store

import (
	"encoding/binary"
	"strings"

	"dealerportal/model"
)

// custSummary is what the customer indexes carry as value, so that lists
// filter and check scope without decoding records.
type custSummary struct {
	id, org, salesperson, group uint64
	active                      bool
	level                       string
	search                      string
}

func summaryOf(c *model.Customer) []byte {
	b := make([]byte, 0, 64)
	b = binary.BigEndian.AppendUint64(b, c.ID)
	b = binary.BigEndian.AppendUint64(b, c.OrgUnitID)
	b = binary.BigEndian.AppendUint64(b, c.SalespersonID)
	b = binary.BigEndian.AppendUint64(b, c.GroupID)
	if c.Status == model.CustomerActive {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = append(b, byte(len(c.Level)))
	b = append(b, c.Level...)
	b = append(b, strings.ToLower(c.Code+"\x1f"+c.Name+"\x1f"+c.ShortName+"\x1f"+c.Contact+"\x1f"+c.Phone)...)
	return b
}

func decodeSummary(b []byte) custSummary {
	if len(b) < 34 {
		return custSummary{}
	}
	s := custSummary{
		id:          binary.BigEndian.Uint64(b[0:]),
		org:         binary.BigEndian.Uint64(b[8:]),
		salesperson: binary.BigEndian.Uint64(b[16:]),
		group:       binary.BigEndian.Uint64(b[24:]),
		active:      b[32] == 1,
	}
	n := int(b[33])
	if 34+n <= len(b) {
		s.level = string(b[34 : 34+n])
		s.search = string(b[34+n:])
	}
	return s
}

func nameKey(name string, id uint64) []byte {
	return append(append([]byte(strings.ToLower(name)), 0), itob(id)...)
}

// CustomerFilter narrows the customer list. Zero fields do not filter.
type CustomerFilter struct {
	Q             string // code, name, short name, contact or phone contains
	OrgUnitID     uint64 // the unit's whole subtree
	GroupID       uint64
	SalespersonID uint64
	Level         string
	Status        model.CustomerStatus
	Sort          string // "code" (default) or "name"
}

// ListCustomers returns one page of the customers in scope that match f, and
// how many match in all.
func (s *Store) ListCustomers(sc Scope, f CustomerFilter, p Page) (out []*model.Customer, total int, err error) {
	err = s.View(func(t *Tx) error {
		out, total, err = t.ListCustomers(sc, f, p)
		return err
	})
	return
}

// ListCustomers is the in-transaction form of Store.ListCustomers.
func (t *Tx) ListCustomers(sc Scope, f CustomerFilter, p Page) ([]*model.Customer, int, error) {
	var orgSet map[uint64]bool
	if f.OrgUnitID != 0 {
		orgSet = map[uint64]bool{}
		for _, id := range t.OrgTree().Subtree(f.OrgUnitID) {
			orgSet[id] = true
		}
	}
	q := strings.ToLower(strings.TrimSpace(f.Q))
	idx := bCustomersByCode
	if f.Sort == "name" {
		idx = bCustomersByName
	}
	vals, total := scanIndex(t.b(idx), nil, p, func(_, v []byte) bool {
		s := decodeSummary(v)
		return sc.allowsSummary(s.id, s) &&
			(orgSet == nil || orgSet[s.org]) &&
			(f.GroupID == 0 || s.group == f.GroupID) &&
			(f.SalespersonID == 0 || s.salesperson == f.SalespersonID) &&
			(f.Level == "" || s.level == f.Level) &&
			(f.Status == "" || s.active == (f.Status == model.CustomerActive)) &&
			(q == "" || strings.Contains(s.search, q))
	})
	out := make([]*model.Customer, 0, len(vals))
	for _, v := range vals {
		c, err := t.customer(binary.BigEndian.Uint64(v))
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, nil
}

// customerRead returns the customer for reading only (the pricer's group,
// the credit check's limit): decoded once per transaction function, and
// forgotten when that function saves a customer. Never change the result.
func (t *Tx) customerRead(id uint64) (*model.Customer, error) {
	if c := t.custRead; c != nil && c.ID == id {
		return c, nil
	}
	c, err := t.s.reads.customers.get(id, t.b(bCustomers).Get(itob(id)), nil)
	if err == nil {
		t.custRead = c
	}
	return c, err
}

func (t *Tx) customer(id uint64) (*model.Customer, error) {
	c := &model.Customer{}
	if err := t.getJSONID(t.b(bCustomers), id, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Customer returns the customer with id, or model.ErrNotFound when it does not
// exist or lies outside sc.
func (t *Tx) Customer(sc Scope, id uint64) (*model.Customer, error) {
	c, err := t.customer(id)
	if err != nil || !sc.allows(c) {
		return nil, model.ErrNotFound
	}
	return c, nil
}

// Customer is the one-transaction form of Tx.Customer.
func (s *Store) Customer(sc Scope, id uint64) (c *model.Customer, err error) {
	err = s.View(func(t *Tx) error { c, err = t.Customer(sc, id); return err })
	return
}

// CustomerByCode finds a customer by its code within sc; ErrNotFound otherwise.
func (t *Tx) CustomerByCode(sc Scope, code string) (*model.Customer, error) {
	v := t.b(bCustomersByCode).Get([]byte(strings.ToUpper(strings.TrimSpace(code))))
	if v == nil {
		return nil, model.ErrNotFound
	}
	return t.Customer(sc, decodeSummary(v).id)
}

// SaveCustomer creates c (ID 0) or updates it with optimistic locking. The
// caller's scope must cover the customer both before and after the change
// (staff cannot move a customer out of their own reach by accident, nor edit
// one they cannot see). The code must be unique; org unit, group and
// salesperson must exist.
func (t *Tx) SaveCustomer(sc Scope, c *model.Customer) (err error) {
	defer keepOnError(&c.ID, &c.Meta, &err)()
	if err := c.Validate(); err != nil {
		return err
	}
	v := &model.ValidationError{}
	if u := t.OrgTree().Unit(c.OrgUnitID); u == nil || u.Inactive {
		v.Add("org_unit_id", "err.choice", nil)
	}
	if c.GroupID != 0 && t.b(bGroups).Get(itob(c.GroupID)) == nil {
		v.Add("group_id", "err.choice", nil)
	}
	if c.SalespersonID != 0 {
		sp, err := t.user(c.SalespersonID)
		if err != nil || !sp.IsStaff() {
			v.Add("salesperson_id", "err.choice", nil)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	t.custRead = nil
	t.authChanged()
	b := t.b(bCustomers)
	var oldOrg uint64
	created := c.ID == 0
	if c.ID == 0 {
		if !sc.allows(&model.Customer{OrgUnitID: c.OrgUnitID, SalespersonID: c.SalespersonID, ID: ^uint64(0)}) {
			return model.Invalid("org_unit_id", "err.out_of_scope")
		}
		id, err := nextID(b)
		if err != nil {
			return err
		}
		c.ID = id
		t.stamp(c)
	} else {
		old, err := t.Customer(sc, c.ID)
		if err != nil {
			return err
		}
		if err := t.checkVersion(old, c); err != nil {
			return err
		}
		if !sc.allows(c) {
			return model.Invalid("org_unit_id", "err.out_of_scope")
		}
		oldOrg = old.OrgUnitID
		if err := t.b(bCustomersByCode).Delete([]byte(old.Code)); err != nil {
			return err
		}
		if err := t.b(bCustomersByName).Delete(nameKey(old.Name, old.ID)); err != nil {
			return err
		}
	}
	sum := summaryOf(c)
	if err := putUnique(t.b(bCustomersByCode), []byte(c.Code), sum, "code"); err != nil {
		return err
	}
	if err := t.b(bCustomersByName).Put(nameKey(c.Name, c.ID), sum); err != nil {
		return err
	}
	if err := putJSON(b, itob(c.ID), c); err != nil {
		return err
	}
	// Its card and the report totals per org unit (balance_figures.go).
	if err := t.customerSaved(c, oldOrg, created); err != nil {
		return err
	}
	// Its group or org unit decides which catalog entries it sees.
	return t.reindexCustomerCatalog(c.ID)
}

// CountCustomers counts the customers in scope (home tiles).
func (t *Tx) CountCustomers(sc Scope) int {
	_, n := scanIndex(t.b(bCustomersByCode), nil, Page{Limit: -1}, func(_, v []byte) bool {
		s := decodeSummary(v)
		return sc.allowsSummary(s.id, s)
	})
	return n
}

// customerActive reports whether the customer exists and is active.
func (t *Tx) customerActive(id uint64) bool {
	c, err := t.customer(id)
	return err == nil && c.Status == model.CustomerActive
}

// WriteCustomer saves cu (SaveCustomer: a new customer when its ID is 0)
// and logs the change: what the staff's form and the ERP API's upsert both
// do. Errors as SaveCustomer's.
func (t *Tx) WriteCustomer(sc Scope, cu *model.Customer) error {
	isNew := cu.ID == 0
	if err := t.SaveCustomer(sc, cu); err != nil {
		return err
	}
	if isNew {
		return t.Log("customer", cu.ID, "create", cu.Code)
	}
	return t.Log("customer", cu.ID, "update", "")
}

// CustomerInput is the customer form of the use case SaveCustomer: the
// customer with the posted fields (ID 0 for a new one, Version as the form
// showed it) and what the form's parsing refused.
type CustomerInput struct {
	Customer *model.Customer
	Invalid  *model.ValidationError
}

// SaveCustomer creates or changes a customer with its audit entry: one use
// case, at most once per a.Once for a new one. It returns the customer's
// id. The caller has checked that a.User manages customers; errors as
// Tx.SaveCustomer's (the scope must cover the customer before and after).
func (s *Store) SaveCustomer(a Actor, in CustomerInput) (uint64, error) {
	cu, form := in.Customer, *in.Customer
	return s.act(a, func(t *Tx) (uint64, error) {
		*cu = form // the body may run twice (a retried transaction)
		if err := formRefusal(&model.ValidationError{}, in.Invalid, cu.Validate()); err != nil {
			return 0, err
		}
		return cu.ID, t.WriteCustomer(a.Scope, cu)
	})
}
