package store

import (
	"encoding/json"
	"strings"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// OrgTree returns the whole org tree (cached; org-unit writes clear the cache).
func (s *Store) OrgTree() *model.OrgTree {
	// Under the nested-transaction check the copy is not used, so that a
	// call inside a transaction is found whether the copy is warm or not.
	if t := s.orgTree.Load(); t != nil && !kv.NestedCheck() {
		return t
	}
	gen := s.orgGen.Load()
	var units []*model.OrgUnit
	_ = s.db.View(func(ktx kv.Tx) error {
		units = loadOrgUnits(ktx.Bucket(bOrgUnits))
		return nil
	})
	t := model.NewOrgTree(units)
	if s.orgGen.Load() == gen {
		s.orgTree.CompareAndSwap(nil, t)
		// A writer may have committed between the check and the swap:
		// then the tree just cached is old, so drop it again.
		if s.orgGen.Load() != gen {
			s.orgTree.CompareAndSwap(t, nil)
		}
	}
	return t
}

// OrgUnits returns all org units, in id order.
func (t *Tx) OrgUnits() []*model.OrgUnit { return loadOrgUnits(t.b(bOrgUnits)) }

func loadOrgUnits(b kv.Bucket) []*model.OrgUnit {
	var units []*model.OrgUnit
	if b == nil {
		return nil
	}
	_ = b.ForEach(func(_, v []byte) error {
		u := &model.OrgUnit{}
		if err := json.Unmarshal(v, u); err == nil {
			units = append(units, u)
		}
		return nil
	})
	return units
}

// OrgUnit returns the unit with id or model.ErrNotFound.
func (t *Tx) OrgUnit(id uint64) (*model.OrgUnit, error) {
	u := &model.OrgUnit{}
	if err := t.getJSONID(t.b(bOrgUnits), id, u); err != nil {
		return nil, err
	}
	return u, nil
}

// OrgUnitByCode returns the unit with code (as stored, or in any case), or
// model.ErrNotFound.
func (t *Tx) OrgUnitByCode(code string) (*model.OrgUnit, error) {
	id := t.orgIDByCode(strings.TrimSpace(code))
	if id == 0 {
		return nil, model.ErrNotFound
	}
	return t.OrgUnit(id)
}

// SaveOrgUnit creates (ID 0) or updates a unit with optimistic locking. The
// code must be unique, the parent must exist, and a move may not put a unit
// below itself. Deactivating a unit that still has active children or
// customers is refused.
func (t *Tx) SaveOrgUnit(u *model.OrgUnit) (err error) {
	defer keepOnError(&u.ID, &u.Meta, &err)()
	if err := u.Validate(); err != nil {
		return err
	}
	tree := model.NewOrgTree(t.OrgUnits())
	if u.ParentID != 0 {
		if tree.Unit(u.ParentID) == nil {
			return model.Invalid("parent_id", "err.choice")
		}
		if u.ID != 0 && tree.IsWithin(u.ParentID, u.ID) {
			return model.Invalid("parent_id", "err.org_cycle")
		}
	}
	b := t.b(bOrgUnits)
	if u.ID == 0 {
		id, err := nextID(b)
		if err != nil {
			return err
		}
		u.ID = id
		t.stamp(u)
	} else {
		old, err := t.OrgUnit(u.ID)
		if err != nil {
			return err
		}
		if err := t.checkVersion(old, u); err != nil {
			return err
		}
		if u.Inactive && !old.Inactive {
			for _, c := range tree.Subtree(u.ID)[1:] {
				if !tree.Unit(c).Inactive {
					return model.Invalid("inactive", "err.org_has_children")
				}
			}
			if t.orgHasCustomers(u.ID) {
				return model.Invalid("inactive", "err.org_has_customers")
			}
		}
		if err := t.b(bOrgUnitsByCode).Delete([]byte(old.Code)); err != nil {
			return err
		}
	}
	if err := putUnique(t.b(bOrgUnitsByCode), []byte(u.Code), itob(u.ID), "code"); err != nil {
		return err
	}
	t.orgChanged()
	if err := putJSON(b, itob(u.ID), u); err != nil {
		return err
	}
	// A move changes which org publish targets cover the customers below.
	return t.catalogOrgChanged(u.ID)
}

// orgChanged marks the transaction as changing org units: it reads the tree
// from itself from now on, and its commit (only the attempt that commits)
// moves OrgGen on and drops the cached tree.
func (t *Tx) orgChanged() {
	if t.orgDirty {
		return
	}
	t.orgDirty = true
	t.bumpVersion(verOrg)
	s := t.s
	t.tx.OnCommit(func() {
		s.orgGen.Add(1)
		s.orgTree.Store(nil)
	})
}

func (t *Tx) orgHasCustomers(org uint64) bool {
	c := t.b(bCustomersByCode).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if s := decodeSummary(v); s.org == org && s.active {
			return true
		}
	}
	return false
}

// OrgTree returns the org tree as this transaction sees it: the cached tree
// when the transaction has not changed org units, else one built from the
// transaction. (Never Store.OrgTree inside a transaction: a second
// transaction in the same goroutine can deadlock bbolt.)
func (t *Tx) OrgTree() *model.OrgTree {
	if cached := t.s.orgTree.Load(); cached != nil && !t.orgDirty {
		return cached
	}
	return model.NewOrgTree(t.OrgUnits())
}

// checkParentActive applies model.CheckParentActive to u and its stored
// parent: with SaveOrgUnit's refusal to deactivate a unit with active
// children, every active unit stays under an active parent.
func (t *Tx) checkParentActive(u *model.OrgUnit, field string) error {
	var parent *model.OrgUnit
	if u.ParentID != 0 {
		parent, _ = t.OrgUnit(u.ParentID)
	}
	return model.CheckParentActive(u, parent, field)
}

// SaveOrgUnitForm creates (ID 0) or changes org unit u with its audit
// entries (create, or update and, when its parent changed, a move with the
// new path): one use case, at most once per a.Once for a new one. It
// returns the unit's id. The caller has checked that a.User manages the
// organisation; errors as SaveOrgUnit's, and a ValidationError at
// parent_id for an active unit under an inactive parent.
func (s *Store) SaveOrgUnitForm(a Actor, u *model.OrgUnit) (uint64, error) {
	form := *u
	return s.act(a, func(t *Tx) (uint64, error) {
		*u = form // the body may run twice (a retried transaction)
		if err := u.Validate(); err != nil {
			return 0, err
		}
		if err := t.checkParentActive(u, "parent_id"); err != nil {
			return 0, err
		}
		var oldParent uint64
		isNew := u.ID == 0
		if !isNew {
			if old, err := t.OrgUnit(u.ID); err == nil {
				oldParent = old.ParentID
			}
		}
		if err := t.SaveOrgUnit(u); err != nil {
			return 0, err
		}
		if isNew {
			return u.ID, t.Log("org_unit", u.ID, "create", u.Code+" "+u.Name)
		}
		if err := t.Log("org_unit", u.ID, "update", u.Code+" "+u.Name); err != nil {
			return 0, err
		}
		if u.ParentID != oldParent {
			path := "—"
			if u.ParentID != 0 {
				path = model.NewOrgTree(t.OrgUnits()).Path(u.ParentID)
			}
			return u.ID, t.Log("org_unit", u.ID, "orgunit.move", path)
		}
		return u.ID, nil
	})
}

// SetOrgUnitInactive deactivates or reactivates org unit u (as loaded, with
// the version the user saw) with its audit entry: one use case. Errors as
// SaveOrgUnit's (a unit with active sub-units or customers stays active),
// and a ValidationError at "inactive" for reactivating a unit under an
// inactive parent.
func (s *Store) SetOrgUnitInactive(a Actor, u *model.OrgUnit, inactive bool) error {
	form := *u
	form.Inactive = inactive
	action := "orgunit.reactivate"
	if inactive {
		action = "orgunit.deactivate"
	}
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		*u = form // the body may run twice (a retried transaction)
		if err := t.checkParentActive(u, "inactive"); err != nil {
			return 0, err
		}
		if err := t.SaveOrgUnit(u); err != nil {
			return 0, err
		}
		return 0, t.Log("org_unit", u.ID, action, u.Code+" "+u.Name)
	})
	return err
}
