package store

import (
	"testing"

	"dealerportal/model"
)

// locations lists a customer's locations as admin and checks the invariant:
// exactly one primary when there are any, and it comes first.
func locations(t *testing.T, s *Store, customerID uint64) []*model.Location {
	t.Helper()
	var locs []*model.Location
	view(t, s, func(tx *Tx) (err error) { locs, err = tx.Locations(AdminScope(), customerID); return })
	primaries := 0
	for i, l := range locs {
		if l.Primary {
			primaries++
			if i != 0 {
				t.Errorf("primary %d listed at position %d", l.ID, i)
			}
		}
		if l.CustomerID != customerID {
			t.Errorf("location %d of customer %d listed for %d", l.ID, l.CustomerID, customerID)
		}
	}
	if len(locs) > 0 && primaries != 1 {
		t.Errorf("%d primaries among %d locations", primaries, len(locs))
	}
	return locs
}

func primaryID(locs []*model.Location) uint64 {
	for _, l := range locs {
		if l.Primary {
			return l.ID
		}
	}
	return 0
}

func saveLoc(t *testing.T, s *Store, sc Scope, l *model.Location) error {
	t.Helper()
	return s.Update("tester", func(tx *Tx) error { return tx.SaveLocation(sc, l) })
}

func TestLocationsPrimary(t *testing.T) {
	f := newFixture(t)
	s, admin, cid := f.s, AdminScope(), f.c1.ID
	if locs := locations(t, s, cid); len(locs) != 0 {
		t.Fatalf("new customer has locations: %v", locs)
	}
	view(t, s, func(tx *Tx) error {
		_, err := tx.PrimaryLocation(admin, cid)
		wantNotFound(t, err)
		return nil
	})

	// The first location becomes primary even when not asked.
	a := &model.Location{CustomerID: cid, Name: "Warehouse A", Address: "北京市朝阳区 1 号"}
	if err := saveLoc(t, s, admin, a); err != nil {
		t.Fatal(err)
	}
	if !a.Primary || a.Version != 1 {
		t.Fatalf("first location = %+v", a)
	}
	// The second does not.
	b := &model.Location{CustomerID: cid, Name: "Warehouse B", Address: "北京市海淀区 2 号"}
	if err := saveLoc(t, s, admin, b); err != nil {
		t.Fatal(err)
	}
	if b.Primary {
		t.Fatalf("second location became primary")
	}
	if locs := locations(t, s, cid); len(locs) != 2 || primaryID(locs) != a.ID {
		t.Fatalf("locations = %v", locs)
	}

	// Making B primary clears A (and bumps A's version).
	b.Primary = true
	if err := saveLoc(t, s, admin, b); err != nil {
		t.Fatal(err)
	}
	locs := locations(t, s, cid)
	if primaryID(locs) != b.ID || locs[0].ID != b.ID {
		t.Fatalf("primary = %d, want %d", primaryID(locs), b.ID)
	}
	if locs[1].Version != 2 {
		t.Errorf("old primary version = %d, want 2", locs[1].Version)
	}
	view(t, s, func(tx *Tx) error {
		p, err := tx.PrimaryLocation(admin, cid)
		if err != nil || p.ID != b.ID {
			t.Errorf("PrimaryLocation = %v, %v", p, err)
		}
		return nil
	})

	// The stale copy of A (still saying primary, version 1) conflicts.
	wantConflict(t, saveLoc(t, s, admin, a))

	// A new location asking to be primary takes over.
	c := &model.Location{CustomerID: cid, Name: "Shop C", Address: "北京市东城区 3 号", Primary: true}
	if err := saveLoc(t, s, admin, c); err != nil {
		t.Fatal(err)
	}
	if locs := locations(t, s, cid); len(locs) != 3 || primaryID(locs) != c.ID {
		t.Fatalf("after new primary: %v", locs)
	}

	// The primary cannot be un-flagged directly.
	c.Primary = false
	wantField(t, saveLoc(t, s, admin, c), "primary", "err.primary_required")
	if locs := locations(t, s, cid); primaryID(locs) != c.ID {
		t.Errorf("refused un-flag changed the primary")
	}
	view(t, s, func(tx *Tx) (err error) { c, err = tx.Location(admin, cid, c.ID); return })

	// Nor deleted while others exist.
	wantField(t, s.Update("x", func(tx *Tx) error { return tx.DeleteLocation(admin, cid, c.ID, c.Version) }), "primary", "err.primary_delete")

	// Deleting with a stale version conflicts.
	var bNow *model.Location
	view(t, s, func(tx *Tx) (err error) { bNow, err = tx.Location(admin, cid, b.ID); return })
	wantConflict(t, s.Update("x", func(tx *Tx) error { return tx.DeleteLocation(admin, cid, b.ID, bNow.Version-1) }))
	if len(locations(t, s, cid)) != 3 {
		t.Fatalf("stale delete removed something")
	}

	// Non-primary ones go; then the last one, primary, may go too.
	update(t, s, func(tx *Tx) error { return tx.DeleteLocation(admin, cid, b.ID, bNow.Version) })
	var aNow *model.Location
	view(t, s, func(tx *Tx) (err error) { aNow, err = tx.Location(admin, cid, a.ID); return })
	update(t, s, func(tx *Tx) error { return tx.DeleteLocation(admin, cid, a.ID, aNow.Version) })
	if locs := locations(t, s, cid); len(locs) != 1 || locs[0].ID != c.ID || !locs[0].Primary {
		t.Fatalf("after deletes: %v", locs)
	}
	update(t, s, func(tx *Tx) error { return tx.DeleteLocation(admin, cid, c.ID, c.Version) })
	if locs := locations(t, s, cid); len(locs) != 0 {
		t.Fatalf("last location not deleted")
	}
	// Deleting what is gone: not found.
	wantNotFound(t, s.Update("x", func(tx *Tx) error { return tx.DeleteLocation(admin, cid, c.ID, c.Version) }))
}

func TestLocationsPerCustomer(t *testing.T) {
	f := newFixture(t)
	s, admin := f.s, AdminScope()
	// Each customer has its own primary.
	for _, cid := range []uint64{f.c1.ID, f.c2.ID} {
		for i := 0; i < 2; i++ {
			if err := saveLoc(t, s, admin, &model.Location{CustomerID: cid, Name: "L", Address: "addr"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	l1, l2 := locations(t, s, f.c1.ID), locations(t, s, f.c2.ID)
	if len(l1) != 2 || len(l2) != 2 {
		t.Fatalf("locations %d/%d", len(l1), len(l2))
	}
	// Making a C002 location primary leaves C001's primary alone.
	other := l2[1]
	other.Primary = true
	if err := saveLoc(t, s, admin, other); err != nil {
		t.Fatal(err)
	}
	if primaryID(locations(t, s, f.c1.ID)) != l1[0].ID {
		t.Errorf("C001 primary changed by C002's save")
	}
	// A location cannot be read or updated through another customer's id.
	view(t, s, func(tx *Tx) error {
		_, err := tx.Location(admin, f.c2.ID, l1[0].ID)
		wantNotFound(t, err)
		return nil
	})
	moved := *l1[1]
	moved.CustomerID = f.c2.ID
	wantNotFound(t, saveLoc(t, s, admin, &moved))
	// Invalid input is refused before anything is written.
	wantField(t, saveLoc(t, s, admin, &model.Location{CustomerID: f.c1.ID, Name: "", Address: "x"}), "name", "err.required")
	if len(locations(t, s, f.c1.ID)) != 2 {
		t.Errorf("invalid location stored")
	}
}

func TestLocationsScope(t *testing.T) {
	f := newFixture(t)
	s := f.s
	l := &model.Location{CustomerID: f.c1.ID, Name: "Main", Address: "addr"}
	if err := saveLoc(t, s, AdminScope(), l); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		sc   Scope
		ok   bool
	}{
		{"admin", AdminScope(), true},
		{"north lead", f.scope(f.northLead), true},
		{"own customers", f.scope(f.bjOwn), true},
		{"own dealer", f.scope(f.d1b), true},
		{"south viewer", f.scope(f.southViewer), false},
		{"other dealer", f.scope(f.d4), false},
		{"disabled", f.scope(f.disabled), false},
		{"zero", Scope{}, false},
	}
	for _, tt := range tests {
		view(t, s, func(tx *Tx) error {
			locs, err1 := tx.Locations(tt.sc, f.c1.ID)
			one, err2 := tx.Location(tt.sc, f.c1.ID, l.ID)
			prim, err3 := tx.PrimaryLocation(tt.sc, f.c1.ID)
			if tt.ok {
				if err1 != nil || len(locs) != 1 || err2 != nil || one.ID != l.ID || err3 != nil || prim.ID != l.ID {
					t.Errorf("%s: %v %v %v", tt.name, err1, err2, err3)
				}
				return nil
			}
			for _, err := range []error{err1, err2, err3} {
				wantNotFound(t, err)
			}
			if locs != nil || one != nil || prim != nil {
				t.Errorf("%s: data leaked", tt.name)
			}
			return nil
		})
		if !tt.ok {
			err := saveLoc(t, s, tt.sc, &model.Location{CustomerID: f.c1.ID, Name: "Sneaky", Address: "x"})
			wantNotFound(t, err)
			err = s.Update("x", func(tx *Tx) error { return tx.DeleteLocation(tt.sc, f.c1.ID, l.ID, l.Version) })
			wantNotFound(t, err)
		}
	}
	if locs := locations(t, s, f.c1.ID); len(locs) != 1 {
		t.Errorf("out-of-scope writes changed locations: %d", len(locs))
	}
}
