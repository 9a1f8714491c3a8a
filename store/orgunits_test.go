package store

import (
	"errors"
	"testing"

	"dealerportal/model"
	"dealerportal/store/kv"
)

func orgUnit(t *testing.T, s *Store, id uint64) *model.OrgUnit {
	t.Helper()
	var u *model.OrgUnit
	view(t, s, func(tx *Tx) (err error) { u, err = tx.OrgUnit(id); return })
	return u
}

func saveOrg(s *Store, u *model.OrgUnit) error {
	return s.Update("tester", func(tx *Tx) error { return tx.SaveOrgUnit(u) })
}

func TestOrgUnitsSave(t *testing.T) {
	f := newFixture(t)
	s := f.s
	tests := []struct {
		name  string
		u     func() *model.OrgUnit
		field string
		key   string
	}{
		{"duplicate code", func() *model.OrgUnit { return &model.OrgUnit{ParentID: f.north, Code: "BJ", Name: "dup"} }, "code", "err.duplicate"},
		{"rename onto taken code", func() *model.OrgUnit { u := orgUnit(t, s, f.tj); u.Code = "GZ"; return u }, "code", "err.duplicate"},
		{"unknown parent", func() *model.OrgUnit { return &model.OrgUnit{ParentID: 999, Code: "X1", Name: "x"} }, "parent_id", "err.choice"},
		{"invalid code", func() *model.OrgUnit { return &model.OrgUnit{ParentID: f.hq, Code: "北京", Name: "x"} }, "code", "err.code"},
		{"own parent", func() *model.OrgUnit { u := orgUnit(t, s, f.north); u.ParentID = f.north; return u }, "parent_id", "err.org_cycle"},
		{"under own child", func() *model.OrgUnit { u := orgUnit(t, s, f.north); u.ParentID = f.bj; return u }, "parent_id", "err.org_cycle"},
		{"root under a grandchild", func() *model.OrgUnit { u := orgUnit(t, s, f.hq); u.ParentID = f.gz; return u }, "parent_id", "err.org_cycle"},
		{"deactivate with active children", func() *model.OrgUnit { u := orgUnit(t, s, f.north); u.Inactive = true; return u }, "inactive", "err.org_has_children"},
		{"deactivate with active customers", func() *model.OrgUnit { u := orgUnit(t, s, f.bj); u.Inactive = true; return u }, "inactive", "err.org_has_customers"},
	}
	for _, tt := range tests {
		u := tt.u()
		var stored *model.OrgUnit
		if u.ID != 0 {
			stored = orgUnit(t, s, u.ID)
		}
		err := saveOrg(s, u)
		if err == nil {
			t.Errorf("%s: saved", tt.name)
			continue
		}
		wantField(t, err, tt.field, tt.key)
		if stored != nil {
			after := orgUnit(t, s, stored.ID)
			if after.Version != stored.Version || after.ParentID != stored.ParentID || after.Code != stored.Code || after.Inactive != stored.Inactive {
				t.Errorf("%s: refused save changed the unit: %+v", tt.name, after)
			}
		}
	}
	view(t, s, func(tx *Tx) error {
		if n := len(tx.OrgUnits()); n != 7 {
			t.Errorf("%d units, want 7", n)
		}
		_, err := tx.OrgUnit(999)
		wantNotFound(t, err)
		return nil
	})

	// Stale version.
	a, b := orgUnit(t, s, f.sz), orgUnit(t, s, f.sz)
	a.Name = "Shenzhen"
	if err := saveOrg(s, a); err != nil {
		t.Fatal(err)
	}
	b.Name = "stale"
	wantConflict(t, saveOrg(s, b))

	// A unit with no active customers and no children may be deactivated,
	// and then its parent too once all children are inactive.
	a.Inactive = true
	if err := saveOrg(s, a); err != nil {
		t.Fatalf("deactivate SZ: %v", err)
	}
	gz := orgUnit(t, s, f.gz) // only an inactive customer there
	gz.Inactive = true
	if err := saveOrg(s, gz); err != nil {
		t.Fatalf("deactivate GZ (inactive customer only): %v", err)
	}
	south := orgUnit(t, s, f.south)
	south.Inactive = true
	if err := saveOrg(s, south); err != nil {
		t.Fatalf("deactivate SOUTH: %v", err)
	}
	// TJ has an active customer until it becomes inactive.
	tj := orgUnit(t, s, f.tj)
	tj.Inactive = true
	wantField(t, saveOrg(s, tj), "inactive", "err.org_has_customers")
	c3 := *f.c3
	c3.Status = model.CustomerInactive
	update(t, s, func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), &c3) })
	tj = orgUnit(t, s, f.tj)
	tj.Inactive = true
	if err := saveOrg(s, tj); err != nil {
		t.Fatalf("deactivate TJ after its customer: %v", err)
	}

	// Renaming a code frees the old one.
	bj := orgUnit(t, s, f.bj)
	bj.Code = "BJ-1"
	if err := saveOrg(s, bj); err != nil {
		t.Fatal(err)
	}
	if err := saveOrg(s, &model.OrgUnit{ParentID: f.north, Code: "BJ", Name: "new BJ"}); err != nil {
		t.Errorf("old code not freed: %v", err)
	}
}

func TestOrgTreeCache(t *testing.T) {
	// A test of the process's copies, which the nested-transaction check
	// bypasses (kv/nested.go); no test of this package runs in parallel.
	defer kv.SetNestedCheck(kv.SetNestedCheck(false))
	f := newFixture(t)
	s := f.s
	before := s.OrgTree()
	if before != s.OrgTree() {
		t.Errorf("tree not cached between calls")
	}
	if got := before.Subtree(f.north); !sameIDs(got, []uint64{f.north, f.bj, f.tj}) {
		t.Fatalf("Subtree(NORTH) = %v", got)
	}

	// A rolled-back change leaves the tree as it is.
	var ghost uint64
	err := s.Update("x", func(tx *Tx) error {
		u := &model.OrgUnit{ParentID: f.north, Code: "GHOST", Name: "ghost"}
		if err := tx.SaveOrgUnit(u); err != nil {
			return err
		}
		ghost = u.ID
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if s.OrgTree().Unit(ghost) != nil {
		t.Errorf("rolled-back unit in the tree")
	}

	// A committed new unit shows at once, and in the scopes built from it.
	heb := &model.OrgUnit{ParentID: f.north, Code: "HEB", Name: "河北"}
	if err := saveOrg(s, heb); err != nil {
		t.Fatal(err)
	}
	if s.OrgTree().Unit(heb.ID) == nil || !s.OrgTree().IsWithin(heb.ID, f.north) {
		t.Fatalf("new unit missing from the cached tree")
	}
	c := &model.Customer{Code: "C400", Name: "Hebei", OrgUnitID: heb.ID, Status: model.CustomerActive}
	update(t, s, func(tx *Tx) error { return tx.SaveCustomer(tx.ScopeFor(f.northLead), c) })
	if _, err := s.Customer(f.scope(f.northLead), c.ID); err != nil {
		t.Errorf("north lead cannot see the new unit's customer: %v", err)
	}

	// Moving TJ (with C003) from NORTH to SOUTH moves the customer between scopes.
	tj := orgUnit(t, s, f.tj)
	tj.ParentID = f.south
	if err := saveOrg(s, tj); err != nil {
		t.Fatal(err)
	}
	tree := s.OrgTree()
	if tree.IsWithin(f.tj, f.north) || !tree.IsWithin(f.tj, f.south) {
		t.Fatalf("cached tree not refreshed after a move")
	}
	if got := tree.Path(f.tj); got != "总部 / 华南 / 天津" {
		t.Errorf("Path(TJ) = %q", got)
	}
	if _, err := s.Customer(f.scope(f.northLead), f.c3.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("north lead still sees C003 after its unit moved: %v", err)
	}
	if _, err := s.Customer(f.scope(f.southViewer), f.c3.ID); err != nil {
		t.Errorf("south viewer does not see C003 after the move: %v", err)
	}
	if _, n, _ := s.ListCustomers(AdminScope(), CustomerFilter{OrgUnitID: f.south}, Page{}); n != 2 {
		t.Errorf("SOUTH subtree filter finds %d, want 2", n)
	}
	// Own-customers scope does not depend on the tree.
	if _, err := s.Customer(f.scope(f.bjOwn), f.c3.ID); err != nil {
		t.Errorf("own-customers lost C003: %v", err)
	}
}
