package store

import (
	"reflect"
	"slices"

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
	root        bool            // staff whose subtrees cover every org unit
}

// AdminScope sees everything; for admins, the system itself and the API.
func AdminScope() Scope { return Scope{all: true, staff: true} }

// CustomerScope sees one customer's records only.
func CustomerScope(customerID uint64) Scope { return Scope{customerID: customerID} }

// ScopeFor returns u's data scope: all for admins, the org subtrees or own
// customers for other staff, the own customer for a dealer user. A nil or
// disabled user, or one of no known kind, gets the empty scope.
func (s *Store) ScopeFor(u *model.User) Scope { return scopeFor(u, s.OrgTree) }

// ScopeFor is Store.ScopeFor inside a transaction: the org tree comes from
// the process's copy or, when that is cold, from this transaction, never
// from a second transaction opened inside it (kv/nested.go).
func (t *Tx) ScopeFor(u *model.User) Scope { return scopeFor(u, t.OrgTree) }

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
	units := t.Flatten()
	sc.root = len(units) > 0
	for _, n := range units {
		sc.root = sc.root && sc.orgs[n.Unit.ID]
	}
	return sc
}

// IsStaff reports whether the scope belongs to enterprise staff (who may see
// enterprise-internal records such as staff-only attachments).
func (sc Scope) IsStaff() bool { return sc.staff }

// IsAll reports whether the scope is unrestricted.
func (sc Scope) IsAll() bool { return sc.all }

// CoversEveryone reports whether the scope reaches every customer, now and
// later: an admin's, or staff whose org subtrees cover the whole org tree
// (org-root scope). Only such a scope may address "all customers".
func (sc Scope) CoversEveryone() bool { return sc.all || sc.root }

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
	if sc.customerID != 0 || sc.all {
		// Existence is all these scopes ask: no need to decode the
		// customer (every document read and write checks its owner).
		return (sc.all || id == sc.customerID) && t.b(bCustomers).Get(itob(id)) != nil
	}
	c, err := t.customer(id)
	return err == nil && sc.allows(c)
}

// CustomerIDs lists the ids of all customers in scope, in customer code
// order (ChannelReportAll lists by it), for modules whose lists filter a
// global index by customer. A read-only
// transaction keeps the last scope's list (the caller gets its own copy):
// a page's counts and list ask for it several times, and on PostgreSQL
// each walk of the customers is a query.
func (t *Tx) CustomerIDs(sc Scope) []uint64 {
	if sc.customerID != 0 {
		return []uint64{sc.customerID}
	}
	ro := !t.tx.Writable()
	if ro && t.custIDs != nil && t.custIDs.sc.same(sc) {
		return slices.Clone(t.custIDs.ids)
	}
	var out []uint64
	c := t.b(bCustomersByCode).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		s := decodeSummary(v)
		if sc.allowsSummary(s.id, s) {
			out = append(out, s.id)
		}
	}
	if ro {
		t.custIDs = &scopeIDs{sc: sc, ids: slices.Clone(out)}
	}
	return out
}

// scopeIDs is a transaction's last CustomerIDs answer.
type scopeIDs struct {
	sc  Scope
	ids []uint64
}

// same reports whether sc is o (the same org-subtree set, not only an
// equal one: a transaction passes one scope value around).
func (sc Scope) same(o Scope) bool {
	return sc.all == o.all && sc.staff == o.staff && sc.customerID == o.customerID &&
		sc.salesperson == o.salesperson && sc.root == o.root &&
		reflect.ValueOf(sc.orgs).UnsafePointer() == reflect.ValueOf(o.orgs).UnsafePointer()
}

// audienceScope decides, for one scope inside one transaction, whether the
// targets of an audience (an announcement's audience, a catalog entry's
// publish targets) lie within the scope (DESIGN.md, Data scope):
//   - one customer: the customer is in scope;
//   - an org unit: its whole subtree is in scope (org-subtree staff only; an
//     own-customers scope holds no org unit);
//   - a customer group: every member, active or not, is in scope (a group
//     that spans regions belongs to those who cover all of them);
//   - all customers: CoversEveryone.
//
// Group membership is read once, on the first group asked about.
type audienceScope struct {
	t     *Tx
	sc    Scope
	mixed map[uint64]bool // groups with a member outside the scope
}

func (t *Tx) audienceScope(sc Scope) *audienceScope { return &audienceScope{t: t, sc: sc} }

func (a *audienceScope) customer(id uint64) bool { return a.t.AllowsCustomer(a.sc, id) }

func (a *audienceScope) org(id uint64) bool {
	if a.sc.CoversEveryone() {
		return true
	}
	return a.sc.orgs[id]
}

func (a *audienceScope) group(id uint64) bool {
	if a.sc.CoversEveryone() {
		return true
	}
	if !a.sc.staff {
		return false
	}
	if a.mixed == nil {
		a.mixed = map[uint64]bool{}
		c := a.t.b(bCustomersByCode).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if s := decodeSummary(v); s.group != 0 && !a.sc.allowsSummary(s.id, s) {
				a.mixed[s.group] = true
			}
		}
	}
	return !a.mixed[id]
}

// target reports whether one publish target lies within the scope.
func (a *audienceScope) target(tg model.Target) bool {
	switch tg.Kind {
	case model.TargetCustomer:
		return a.customer(tg.ID)
	case model.TargetGroup:
		return a.group(tg.ID)
	case model.TargetOrg:
		return a.org(tg.ID)
	}
	return false
}

// indexed reports whether the target named by an index key's kind byte and
// target id lies within the scope: 'C', 'G', 'O' in the announcement
// audience index, the target kind's first letter in the catalog target index.
func (a *audienceScope) indexed(kind byte, id uint64) bool {
	switch kind {
	case 'C', model.TargetCustomer[0]:
		return a.customer(id)
	case 'G', model.TargetGroup[0]:
		return a.group(id)
	case 'O', model.TargetOrg[0]:
		return a.org(id)
	}
	return false
}

// idsOutside returns the ids of the records of an audience index with a
// target outside sc, from one pass over the index (nil when sc covers
// everyone). Keys are kind + target id + record id; in the announcement
// index 'A' + record id addresses all customers.
func (t *Tx) idsOutside(sc Scope, index []byte) map[uint64]bool {
	if sc.CoversEveryone() {
		return nil
	}
	in := t.audienceScope(sc)
	out := map[uint64]bool{}
	c := t.b(index).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		var ok bool
		switch {
		case len(k) == 9 && k[0] == 'A': // all customers: outside
		case len(k) == 17:
			ok = in.indexed(k[0], btoi(k[1:9]))
		default:
			continue
		}
		if !ok {
			out[btoi(k[len(k)-8:])] = true
		}
	}
	return out
}

// covers reports whether every target of aud lies within the scope.
func (a *audienceScope) covers(aud model.Audience) bool {
	if aud.All && !a.sc.CoversEveryone() {
		return false
	}
	for _, id := range aud.Customers {
		if !a.customer(id) {
			return false
		}
	}
	for _, id := range aud.Groups {
		if !a.group(id) {
			return false
		}
	}
	for _, id := range aud.OrgUnits {
		if !a.org(id) {
			return false
		}
	}
	return true
}

// CoversAudience reports whether every target of aud (customers, groups, org
// units, all customers) lies within the staff scope sc, so that the caller
// may see, change and publish to it. A dealer's scope covers no audience.
func (t *Tx) CoversAudience(sc Scope, aud model.Audience) bool {
	if !sc.staff {
		return false
	}
	return t.audienceScope(sc).covers(aud)
}

// CoversTargets is CoversAudience for a catalog entry's publish targets (no
// targets: nobody addressed yet, within every staff scope).
func (t *Tx) CoversTargets(sc Scope, targets []model.Target) bool {
	return t.CoversAudience(sc, model.TargetsAudience(targets))
}

// AudienceChoices narrows the groups and org units a form offers to those
// sc may target; all customers is offered when everyone.
func (t *Tx) AudienceChoices(sc Scope, groups []*model.CustomerGroup, orgs []model.Node) ([]*model.CustomerGroup, []model.Node, bool) {
	a := t.audienceScope(sc)
	var gs []*model.CustomerGroup
	for _, g := range groups {
		if a.group(g.ID) {
			gs = append(gs, g)
		}
	}
	var units []model.Node
	for _, n := range orgs {
		if a.org(n.Unit.ID) {
			units = append(units, n)
		}
	}
	return gs, units, sc.CoversEveryone()
}
