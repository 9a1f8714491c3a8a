package store

import (
	"dealerportal/model"
)

// Scope is the data scope of one caller (SPEC §4): which customers' records it
// may see. Every store read that returns customer data takes a Scope, so a
// handler cannot forget it. The zero Scope sees nothing.
type Scope struct {
	all         bool
	staff       bool
	customerID  uint64          // a dealer user: this customer only
	salesperson uint64          // staff "own customers"
	orgs        map[uint64]bool // staff org subtrees, expanded
}

// AdminScope sees everything; for admins, the system itself and the API.
func AdminScope() Scope { return Scope{all: true, staff: true} }

// CustomerScope sees one customer's records only.
func CustomerScope(customerID uint64) Scope { return Scope{customerID: customerID} }

// ScopeFor returns u's data scope: all for admins, the org subtrees or own
// customers for other staff, the own customer for a dealer user. A nil or
// disabled user, or one of no known kind, gets the empty scope.
func (s *Store) ScopeFor(u *model.User) Scope { return scopeFor(u, s.OrgTree) }

// scopeFor derives u's scope; tree is called only for org-subtree staff.
func scopeFor(u *model.User, tree func() *model.OrgTree) Scope {
	switch {
	case u == nil || u.Disabled:
		return Scope{}
	case u.Kind == model.KindDealer:
		return CustomerScope(u.CustomerID)
	case u.Kind != model.KindStaff:
		return Scope{}
	case u.IsAdmin():
		return AdminScope()
	case u.ScopeMode == model.ScopeOwn:
		return Scope{staff: true, salesperson: u.ID}
	}
	t := tree()
	sc := Scope{staff: true, orgs: map[uint64]bool{}}
	for _, root := range u.ScopeOrgs {
		for _, id := range t.Subtree(root) {
			sc.orgs[id] = true
		}
	}
	return sc
}

// IsStaff reports whether the scope belongs to enterprise staff (who may see
// enterprise-internal records such as staff-only attachments).
func (sc Scope) IsStaff() bool { return sc.staff }

// IsAll reports whether the scope is unrestricted.
func (sc Scope) IsAll() bool { return sc.all }

// CustomerID is the dealer's own customer, 0 for staff scopes.
func (sc Scope) CustomerID() uint64 { return sc.customerID }

// allows reports whether the scope covers customer c.
func (sc Scope) allows(c *model.Customer) bool {
	switch {
	case c == nil:
		return false
	case sc.all:
		return true
	case sc.customerID != 0:
		return c.ID == sc.customerID
	case sc.salesperson != 0:
		return c.SalespersonID == sc.salesperson
	}
	return sc.orgs[c.OrgUnitID]
}

// allowsSummary is allows on an index summary, without decoding the record.
func (sc Scope) allowsSummary(id uint64, s custSummary) bool {
	switch {
	case sc.all:
		return true
	case sc.customerID != 0:
		return id == sc.customerID
	case sc.salesperson != 0:
		return s.salesperson == sc.salesperson
	}
	return sc.orgs[s.org]
}

// AllowsCustomer reports whether the customer with id lies in scope; false when
// it does not exist.
func (t *Tx) AllowsCustomer(sc Scope, id uint64) bool {
	if sc.customerID != 0 {
		return id == sc.customerID && t.b(bCustomers).Get(itob(id)) != nil
	}
	c, err := t.customer(id)
	return err == nil && sc.allows(c)
}

// CustomerIDs lists the ids of all customers in scope, in id order, for
// modules whose lists filter a global index by customer.
func (t *Tx) CustomerIDs(sc Scope) []uint64 {
	if sc.customerID != 0 {
		return []uint64{sc.customerID}
	}
	var out []uint64
	c := t.b(bCustomersByCode).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		s := decodeSummary(v)
		if sc.allowsSummary(s.id, s) {
			out = append(out, s.id)
		}
	}
	return out
}
