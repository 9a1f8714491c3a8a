package store

import (
	"errors"
	"testing"
	"time"

	"dealerportal/model"
)

// customerCount counts the records and both index entries, which must agree.
func customerCount(t *testing.T, s *Store) int {
	t.Helper()
	var n, byCode, byName int
	view(t, s, func(tx *Tx) error {
		n = tx.b(bCustomers).Stats().KeyN
		byCode = tx.b(bCustomersByCode).Stats().KeyN
		byName = tx.b(bCustomersByName).Stats().KeyN
		return nil
	})
	if n != byCode || n != byName {
		t.Fatalf("customers %d, by code %d, by name %d", n, byCode, byName)
	}
	return n
}

func TestSaveCustomerStampsMeta(t *testing.T) {
	f := newFixture(t)
	c := &model.Customer{Code: " c100 ", Name: "New One", OrgUnitID: f.sz, Status: model.CustomerActive}
	if err := f.s.Update("li", func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), c) }); err != nil {
		t.Fatal(err)
	}
	if c.ID == 0 || c.Code != "C100" || c.Version != 1 || c.CreatedBy != "li" || c.UpdatedBy != "li" || !c.CreatedAt.Equal(testNow) {
		t.Fatalf("new customer = %+v", c)
	}
	later := testNow.Add(time.Hour)
	f.s.SetClock(func() time.Time { return later })
	c.Name = "Renamed"
	if err := f.s.Update("wang", func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), c) }); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.Customer(AdminScope(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.CreatedBy != "li" || !got.CreatedAt.Equal(testNow) || got.UpdatedBy != "wang" || !got.UpdatedAt.Equal(later) || got.Name != "Renamed" {
		t.Errorf("updated customer = %+v", got)
	}
	// Forged Meta from a form does not stick.
	got.CreatedBy, got.CreatedAt = "mallory", time.Time{}
	update(t, f.s, func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), got) })
	again, _ := f.s.Customer(AdminScope(), c.ID)
	if again.CreatedBy != "li" || !again.CreatedAt.Equal(testNow) || again.Version != 3 {
		t.Errorf("created stamp overwritten: %+v", again.Meta)
	}
}

func TestSaveCustomerUniqueCode(t *testing.T) {
	f := newFixture(t)
	before := customerCount(t, f.s)
	tests := []struct {
		name string
		c    *model.Customer
	}{
		{"new with taken code", &model.Customer{Code: "C001", Name: "Copy", OrgUnitID: f.bj, Status: model.CustomerActive}},
		{"new with taken code in other case", &model.Customer{Code: " c002", Name: "Copy", OrgUnitID: f.bj, Status: model.CustomerActive}},
	}
	for _, tt := range tests {
		err := f.s.Update("tester", func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), tt.c) })
		wantField(t, err, "code", "err.duplicate")
	}
	// An update to another customer's code.
	c := *f.c3
	c.Code, c.Name = "C001", "Hijack"
	err := f.s.Update("tester", func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), &c) })
	wantField(t, err, "code", "err.duplicate")
	if n := customerCount(t, f.s); n != before {
		t.Errorf("customers %d, want %d", n, before)
	}
	for _, want := range []*model.Customer{f.c1, f.c3} {
		got, err := f.s.Customer(AdminScope(), want.ID)
		if err != nil || got.Code != want.Code || got.Name != want.Name || got.Version != want.Version {
			t.Errorf("customer %d changed: %+v", want.ID, got)
		}
	}
	view(t, f.s, func(tx *Tx) error {
		got, err := tx.CustomerByCode(AdminScope(), "C001")
		if err != nil || got.ID != f.c1.ID {
			t.Errorf("C001 index points to %v, %v", got, err)
		}
		got, err = tx.CustomerByCode(AdminScope(), "C003")
		if err != nil || got.ID != f.c3.ID {
			t.Errorf("C003 index points to %v, %v", got, err)
		}
		return nil
	})
	// Saving a customer with its own unchanged code is no conflict.
	same := *f.c3
	update(t, f.s, func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), &same) })
}

func TestSaveCustomerOptimisticLocking(t *testing.T) {
	f := newFixture(t)
	a, _ := f.s.Customer(AdminScope(), f.c2.ID)
	b, _ := f.s.Customer(AdminScope(), f.c2.ID)
	a.Name = "First writer"
	if err := f.s.Update("li", func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), a) }); err != nil {
		t.Fatal(err)
	}
	b.Name, b.Code = "Second writer", "C900"
	err := f.s.Update("wang", func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), b) })
	ce := wantConflict(t, err)
	if ce.By != "li" || !ce.At.Equal(testNow) || ce.At.Location() != time.UTC {
		t.Errorf("conflict = %+v, want by li", ce)
	}
	got, _ := f.s.Customer(AdminScope(), f.c2.ID)
	if got.Name != "First writer" || got.Code != "C002" || got.Version != a.Version {
		t.Errorf("stale save overwrote: %+v", got)
	}
	// The stale writer's code was not reserved either.
	view(t, f.s, func(tx *Tx) error {
		_, err := tx.CustomerByCode(AdminScope(), "C900")
		wantNotFound(t, err)
		return nil
	})
	// A version from the future is just as wrong.
	got.Version += 5
	wantConflict(t, f.s.Update("x", func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), got) }))
}

func TestSaveCustomerScope(t *testing.T) {
	f := newFixture(t)
	newCust := func(code string, org, sp uint64) *model.Customer {
		return &model.Customer{Code: code, Name: code, OrgUnitID: org, SalespersonID: sp, Status: model.CustomerActive}
	}
	moved := func(c *model.Customer, org uint64) *model.Customer {
		cp := *c
		cp.OrgUnitID = org
		return &cp
	}
	renamed := func(c *model.Customer) *model.Customer {
		cp := *c
		cp.Name = "edited"
		return &cp
	}
	tests := []struct {
		name    string
		sc      Scope
		c       *model.Customer
		wantErr string // "", "notfound", "scope"
	}{
		{"north lead creates in BJ", f.scope(f.northLead), newCust("N1", f.bj, 0), ""},
		{"north lead creates in GZ", f.scope(f.northLead), newCust("N2", f.gz, 0), "scope"},
		{"north lead creates at HQ", f.scope(f.northLead), newCust("N3", f.hq, 0), "scope"},
		{"north lead edits C002", f.scope(f.northLead), renamed(f.c2), ""},
		{"north lead edits C004", f.scope(f.northLead), renamed(f.c4), "notfound"},
		{"north lead moves C001 to TJ", f.scope(f.northLead), moved(f.c1, f.tj), ""},
		{"north lead moves C003 to GZ", f.scope(f.northLead), moved(f.c3, f.gz), "scope"},
		{"south viewer edits C001", f.scope(f.southViewer), renamed(f.c1), "notfound"},
		{"own-customers creates for self", f.scope(f.bjOwn), newCust("O1", f.gz, f.bjOwn.ID), ""},
		{"own-customers creates for other", f.scope(f.bjOwn), newCust("O2", f.bj, f.northLead.ID), "scope"},
		{"own-customers creates without salesperson", f.scope(f.bjOwn), newCust("O3", f.bj, 0), "scope"},
		{"own-customers edits C002", f.scope(f.bjOwn), renamed(f.c2), "notfound"},
		{"dealer creates", f.scope(f.d1a), newCust("D1", f.bj, 0), "scope"},
		{"dealer edits other customer", f.scope(f.d1a), renamed(f.c2), "notfound"},
		{"disabled admin creates", f.scope(f.disabled), newCust("X1", f.bj, 0), "scope"},
		{"disabled admin edits", f.scope(f.disabled), renamed(f.c1), "notfound"},
		{"zero scope creates", Scope{}, newCust("X2", f.bj, 0), "scope"},
		{"admin edits missing", AdminScope(), &model.Customer{ID: 999, Code: "C999", Name: "x", OrgUnitID: f.bj, Status: model.CustomerActive}, "notfound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := f.s.Customer(AdminScope(), tt.c.ID)
			n := customerCount(t, f.s)
			err := f.s.Update("tester", func(tx *Tx) error { return tx.SaveCustomer(tt.sc, tt.c) })
			switch tt.wantErr {
			case "":
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				got, err := f.s.Customer(tt.sc, tt.c.ID)
				if err != nil || got.Name != tt.c.Name {
					t.Errorf("saved customer not visible to its scope: %v, %v", got, err)
				}
				return
			case "notfound":
				wantNotFound(t, err)
			case "scope":
				wantField(t, err, "org_unit_id", "err.out_of_scope")
			}
			if customerCount(t, f.s) != n {
				t.Errorf("a refused save added a customer")
			}
			if before != nil {
				after, _ := f.s.Customer(AdminScope(), before.ID)
				if after.Version != before.Version || after.Name != before.Name || after.OrgUnitID != before.OrgUnitID {
					t.Errorf("refused save changed %+v into %+v", before, after)
				}
			}
		})
	}
}

func TestSaveCustomerReferences(t *testing.T) {
	f := newFixture(t)
	base := func() *model.Customer {
		return &model.Customer{Code: "R1", Name: "Ref", OrgUnitID: f.bj, Status: model.CustomerActive}
	}
	tests := []struct {
		name  string
		edit  func(c *model.Customer)
		field string
		key   string
	}{
		{"unknown org", func(c *model.Customer) { c.OrgUnitID = 999 }, "org_unit_id", "err.choice"},
		{"no org", func(c *model.Customer) { c.OrgUnitID = 0 }, "org_unit_id", "err.required"},
		{"unknown group", func(c *model.Customer) { c.GroupID = 999 }, "group_id", "err.choice"},
		{"unknown salesperson", func(c *model.Customer) { c.SalespersonID = 999 }, "salesperson_id", "err.choice"},
		{"dealer as salesperson", func(c *model.Customer) { c.SalespersonID = f.d1a.ID }, "salesperson_id", "err.choice"},
		{"invalid field", func(c *model.Customer) { c.Email = "nope" }, "email", "err.email"},
	}
	for _, tt := range tests {
		c := base()
		tt.edit(c)
		err := f.s.Update("tester", func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), c) })
		wantField(t, err, tt.field, tt.key)
	}
	if n := customerCount(t, f.s); n != 5 {
		t.Errorf("customers = %d", n)
	}
}

func TestSaveCustomerIndexAfterRename(t *testing.T) {
	f := newFixture(t)
	c := *f.c1
	c.Code, c.Name = "c100", "Zulu Trading"
	update(t, f.s, func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), &c) })
	if c.Code != "C100" {
		t.Fatalf("code not normalized: %q", c.Code)
	}
	if n := customerCount(t, f.s); n != 5 {
		t.Fatalf("customers = %d", n)
	}
	view(t, f.s, func(tx *Tx) error {
		_, err := tx.CustomerByCode(AdminScope(), "C001")
		wantNotFound(t, err)
		got, err := tx.CustomerByCode(AdminScope(), "C100")
		if err != nil || got.ID != f.c1.ID {
			t.Errorf("C100 = %v, %v", got, err)
		}
		return nil
	})
	byName, _, _ := f.s.ListCustomers(AdminScope(), CustomerFilter{Sort: "name"}, Page{})
	if got := customerIDsOf(byName); !equalOrder(got, ids(f.c2, f.c4, f.c3, f.c5, f.c1)) {
		t.Errorf("by name after rename = %v", got)
	}
	if _, n, _ := f.s.ListCustomers(AdminScope(), CustomerFilter{Q: "delta"}, Page{}); n != 0 {
		t.Errorf("old name still found")
	}
	if _, n, _ := f.s.ListCustomers(AdminScope(), CustomerFilter{Q: "zulu"}, Page{}); n != 1 {
		t.Errorf("new name not found")
	}
	// The old code is free again.
	reuse := &model.Customer{Code: "C001", Name: "Second C001", OrgUnitID: f.bj, Status: model.CustomerActive}
	update(t, f.s, func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), reuse) })
	if reuse.ID == f.c1.ID {
		t.Errorf("reused id")
	}
	// Two customers with the same name both stay listed.
	twin := &model.Customer{Code: "C101", Name: "zulu trading", OrgUnitID: f.bj, Status: model.CustomerActive}
	update(t, f.s, func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), twin) })
	if _, n, _ := f.s.ListCustomers(AdminScope(), CustomerFilter{Q: "zulu", Sort: "name"}, Page{}); n != 2 {
		t.Errorf("same-name customers listed %d times, want 2", n)
	}
	customerCount(t, f.s)
}

// A transaction that creates an org unit can put a customer (and a staff
// member) into it before it commits.
func TestSaveCustomerUnderOrgCreatedInSameTx(t *testing.T) {
	f := newFixture(t)
	_ = f.s.OrgTree() // warm the cache
	var c *model.Customer
	var u *model.User
	update(t, f.s, func(tx *Tx) error {
		unit := &model.OrgUnit{ParentID: f.north, Code: "HEB", Name: "河北"}
		if err := tx.SaveOrgUnit(unit); err != nil {
			return err
		}
		c = &model.Customer{Code: "C200", Name: "Hebei Co", OrgUnitID: unit.ID, Status: model.CustomerActive}
		if err := tx.SaveCustomer(AdminScope(), c); err != nil {
			return err
		}
		u = &model.User{Username: "heb.sales", Name: "Heb", Kind: model.KindStaff, Roles: []model.Role{model.RoleSales},
			OrgUnitID: unit.ID, ScopeMode: model.ScopeOrg, ScopeOrgs: []uint64{unit.ID}}
		return tx.SaveUser(AdminScope(), u)
	})
	if _, err := f.s.Customer(f.scope(f.northLead), c.ID); err != nil {
		t.Errorf("north lead does not see the new unit's customer: %v", err)
	}
	if got := f.customerIDs(f.scope(u)); !sameIDs(got, ids(c)) {
		t.Errorf("new staff sees %v", got)
	}
}

func TestSaveCustomerRollback(t *testing.T) {
	f := newFixture(t)
	c := &model.Customer{Code: "C300", Name: "Ghost", OrgUnitID: f.bj, Status: model.CustomerActive}
	err := f.s.Update("tester", func(tx *Tx) error {
		if err := tx.SaveCustomer(AdminScope(), c); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if n := customerCount(t, f.s); n != 5 {
		t.Errorf("rolled-back customer stored: %d", n)
	}
	c.ID, c.Version = 0, 0
	update(t, f.s, func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), c) })
}

func TestCustomerGroups(t *testing.T) {
	f := newFixture(t)
	var groups []*model.CustomerGroup
	view(t, f.s, func(tx *Tx) error {
		var err error
		groups, err = tx.CustomerGroups()
		return err
	})
	if len(groups) != 2 || groups[0].Code != "STD" || groups[1].Code != "VIP" {
		t.Fatalf("groups = %+v", groups)
	}
	// Unique codes, also on rename.
	err := f.s.Update("x", func(tx *Tx) error { return tx.SaveCustomerGroup(&model.CustomerGroup{Code: "vip", Name: "dup"}) })
	wantField(t, err, "code", "err.duplicate")
	g := *groups[0]
	g.Code = "VIP"
	wantField(t, f.s.Update("x", func(tx *Tx) error { return tx.SaveCustomerGroup(&g) }), "code", "err.duplicate")

	// Optimistic locking through checkVersion.
	a, b := *groups[0], *groups[0]
	a.Name = "A wins"
	if err := f.s.Update("li", func(tx *Tx) error { return tx.SaveCustomerGroup(&a) }); err != nil {
		t.Fatal(err)
	}
	if a.Version != 2 || a.UpdatedBy != "li" || a.CreatedBy != "tester" {
		t.Errorf("group meta after update = %+v", a.Meta)
	}
	b.Name = "B loses"
	wantConflict(t, f.s.Update("wang", func(tx *Tx) error { return tx.SaveCustomerGroup(&b) }))
	view(t, f.s, func(tx *Tx) error {
		got, err := tx.CustomerGroup(a.ID)
		if err != nil || got.Name != "A wins" || got.Version != 2 {
			t.Errorf("group = %+v, %v", got, err)
		}
		_, err = tx.CustomerGroup(999)
		wantNotFound(t, err)
		return nil
	})

	// Rename frees the old code.
	a.Code = "NEW"
	update(t, f.s, func(tx *Tx) error { return tx.SaveCustomerGroup(&a) })
	update(t, f.s, func(tx *Tx) error { return tx.SaveCustomerGroup(&model.CustomerGroup{Code: "STD", Name: "again"}) })
	view(t, f.s, func(tx *Tx) error {
		gs, _ := tx.CustomerGroups()
		var codes []string
		for _, g := range gs {
			codes = append(codes, g.Code)
		}
		if len(codes) != 3 || codes[0] != "NEW" || codes[1] != "STD" || codes[2] != "VIP" {
			t.Errorf("codes = %v", codes)
		}
		return nil
	})
}
