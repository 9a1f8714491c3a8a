package store

import (
	"testing"

	"dealerportal/model"
)

// A refused save leaves the caller's record with the id and version it was
// loaded with: the handler re-renders the form from it, and the corrected
// resubmission must not meet a conflict of its own making (nor turn a create
// into an update of a record that was never written).
func TestRefusedSaveKeepsIDAndVersion(t *testing.T) {
	f := newFixture(t)
	s := f.s
	tests := []struct {
		name string
		// save tries once with bad input, then fixes it and tries again.
		run func(t *testing.T) (meta *model.Meta, id *uint64, bad, good func() error)
	}{
		{"customer update, duplicate code", func(t *testing.T) (*model.Meta, *uint64, func() error, func() error) {
			c, _ := s.Customer(AdminScope(), f.c2.ID)
			return &c.Meta, &c.ID,
				func() error {
					c.Code = "C001"
					return s.Update("x", func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), c) })
				},
				func() error {
					c.Code = "C099"
					return s.Update("x", func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), c) })
				}
		}},
		{"customer update, out of scope move", func(t *testing.T) (*model.Meta, *uint64, func() error, func() error) {
			c, _ := s.Customer(AdminScope(), f.c1.ID)
			sc := f.scope(f.northLead)
			return &c.Meta, &c.ID,
				func() error {
					c.OrgUnitID = f.gz
					return s.Update("x", func(tx *Tx) error { return tx.SaveCustomer(sc, c) })
				},
				func() error {
					c.OrgUnitID = f.tj
					return s.Update("x", func(tx *Tx) error { return tx.SaveCustomer(sc, c) })
				}
		}},
		{"customer create, duplicate code", func(t *testing.T) (*model.Meta, *uint64, func() error, func() error) {
			c := &model.Customer{Code: "C001", Name: "New", OrgUnitID: f.bj, Status: model.CustomerActive}
			return &c.Meta, &c.ID,
				func() error { return s.Update("x", func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), c) }) },
				func() error {
					c.Code = "C098"
					return s.Update("x", func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), c) })
				}
		}},
		{"group, duplicate code", func(t *testing.T) (*model.Meta, *uint64, func() error, func() error) {
			var g *model.CustomerGroup
			_ = s.View(func(tx *Tx) (err error) { g, err = tx.CustomerGroup(f.std); return })
			return &g.Meta, &g.ID,
				func() error {
					g.Code = "VIP"
					return s.Update("x", func(tx *Tx) error { return tx.SaveCustomerGroup(g) })
				},
				func() error {
					g.Code = "STD2"
					return s.Update("x", func(tx *Tx) error { return tx.SaveCustomerGroup(g) })
				}
		}},
		{"org unit, duplicate code", func(t *testing.T) (*model.Meta, *uint64, func() error, func() error) {
			u := orgUnit(t, s, f.sz)
			return &u.Meta, &u.ID,
				func() error { u.Code = "GZ"; return saveOrg(s, u) },
				func() error { u.Code = "SZ2"; return saveOrg(s, u) }
		}},
		{"org unit, deactivate refused", func(t *testing.T) (*model.Meta, *uint64, func() error, func() error) {
			u := orgUnit(t, s, f.bj)
			return &u.Meta, &u.ID,
				func() error { u.Inactive = true; return saveOrg(s, u) },
				func() error { u.Inactive, u.Name = false, "北京分公司"; return saveOrg(s, u) }
		}},
		{"user, duplicate username", func(t *testing.T) (*model.Meta, *uint64, func() error, func() error) {
			var u *model.User
			_ = s.View(func(tx *Tx) (err error) { u, err = tx.UserByID(f.multi.ID); return })
			return &u.Meta, &u.ID,
				func() error {
					u.Username = "admin"
					return s.Update("x", func(tx *Tx) error { return tx.SaveUser(AdminScope(), u) })
				},
				func() error {
					u.Username = "multi2"
					return s.Update("x", func(tx *Tx) error { return tx.SaveUser(AdminScope(), u) })
				}
		}},
		{"location, un-flag primary", func(t *testing.T) (*model.Meta, *uint64, func() error, func() error) {
			l := &model.Location{CustomerID: f.c1.ID, Name: "Main", Address: "addr"}
			update(t, s, func(tx *Tx) error { return tx.SaveLocation(AdminScope(), l) })
			return &l.Meta, &l.ID,
				func() error {
					l.Primary = false
					return s.Update("x", func(tx *Tx) error { return tx.SaveLocation(AdminScope(), l) })
				},
				func() error {
					l.Primary, l.Name = true, "Main 2"
					return s.Update("x", func(tx *Tx) error { return tx.SaveLocation(AdminScope(), l) })
				}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta, id, bad, good := tt.run(t)
			wantMeta, wantID := *meta, *id
			if err := bad(); err == nil {
				t.Fatal("bad input saved")
			}
			if *id != wantID || meta.Version != wantMeta.Version {
				t.Errorf("refused save left id %d version %d, want id %d version %d", *id, meta.Version, wantID, wantMeta.Version)
			}
			if err := good(); err != nil {
				t.Fatalf("corrected resubmission: %v", err)
			}
		})
	}
}
