package store

import (
	"testing"

	"dealerportal/model"
)

// The API's upsert use cases: a customer adopted by its code, the same
// record again unchanged without a write, a change updated, a refusal
// writing nothing, a record out of the client's scope not found, and a
// location's customer checked through the scope as a field error.
func TestAPIUpsertUseCases(t *testing.T) {
	f := newFixture(t)
	admin := Actor{User: f.admin, Scope: AdminScope(), Batched: true}
	south := Actor{User: f.southViewer, Scope: f.scope(f.southViewer), Batched: true}
	customer := func(ext, code, name string) CustomerUpsert {
		return CustomerUpsert{ExternalID: ext, Code: code, Names: map[string]string{"org_unit_id": "org_unit"},
			Apply: func(t *Tx, cu *model.Customer) error {
				cu.Code, cu.Name, cu.Status = code, name, model.CustomerActive
				if name == "" {
					return model.Invalid("name", "err.required")
				}
				return nil
			}}
	}
	version := func(id uint64) uint64 {
		var v uint64
		view(t, f.s, func(tx *Tx) error {
			cu, err := tx.Customer(AdminScope(), id)
			if err == nil {
				v = cu.Version
			}
			return err
		})
		return v
	}

	// C001 was keyed in by hand: the first upsert of its code adopts it.
	id, outcome, err := f.s.UpsertCustomer(admin, customer("ERP-1", f.c1.Code, f.c1.Name))
	if err != nil || id != f.c1.ID || outcome != OutcomeUpdated {
		t.Fatalf("adopt: %d %s %v", id, outcome, err)
	}
	v := version(id)
	if id, outcome, err = f.s.UpsertCustomer(admin, customer("ERP-1", f.c1.Code, f.c1.Name)); err != nil || outcome != OutcomeUnchanged || version(id) != v {
		t.Fatalf("the same again: %s %v, version %d → %d", outcome, err, v, version(id))
	}
	if _, outcome, err = f.s.UpsertCustomer(admin, customer("ERP-1", f.c1.Code, "Delta 改名")); err != nil || outcome != OutcomeUpdated || version(id) != v+1 {
		t.Fatalf("a change: %s %v", outcome, err)
	}
	// C001 (Beijing) lies outside South's scope: not found, nothing written.
	_, _, err = f.s.UpsertCustomer(south, customer("ERP-1", f.c1.Code, "南方改名"))
	wantNotFound(t, err)
	// A refused record writes nothing; its fields are the request's.
	n := customerCount(t, f.s)
	_, _, err = f.s.UpsertCustomer(admin, customer("ERP-2", "C900", ""))
	if ve, ok := err.(*model.ValidationError); !ok || !ve.Has("name") || !ve.Has("org_unit") {
		t.Fatalf("refused: %v", err)
	}
	if customerCount(t, f.s) != n {
		t.Errorf("a refused upsert made a customer")
	}
	view(t, f.s, func(tx *Tx) error {
		if tx.ExternalID(ExtCustomer, "ERP-2") != 0 {
			t.Errorf("a refused upsert tied its external id")
		}
		return nil
	})

	// A location names its customer by its external id, through the scope.
	loc := func(a Actor, cust string) error {
		_, _, err := f.s.UpsertLocation(a, LocationUpsert{ExternalID: "L-1", Customer: cust, CustomerField: "customer", Name: "仓库",
			Apply: func(l *model.Location) error { l.Name, l.Address = "仓库", "北京"; return nil }})
		return err
	}
	for _, c := range []struct {
		a    Actor
		cust string
	}{{admin, "ERP-NONE"}, {south, "ERP-1"}} {
		if ve, ok := loc(c.a, c.cust).(*model.ValidationError); !ok || !ve.Has("customer") {
			t.Errorf("location of %s: %v", c.cust, ve)
		}
	}
	if err := loc(admin, "ERP-1"); err != nil {
		t.Fatal(err)
	}
	view(t, f.s, func(tx *Tx) error {
		if lid := tx.ExternalID(ExtLocation, "L-1"); lid == 0 {
			t.Errorf("the location is not tied to its external id")
		}
		return nil
	})
}
