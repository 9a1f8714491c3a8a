package store

import (
	"testing"

	"dealerportal/model"
)

// A record read through the read cache is the stored record: the same
// bytes give the same decoded value without decoding, changed bytes (a
// save, or a write of any transaction) give the new value, a missing one
// ErrNotFound, and the cache stays bounded.
func TestReadCacheFollowsStoredBytes(t *testing.T) {
	f := newFixture(t)
	c := &model.Customer{Code: "C900", Name: "Cached", OrgUnitID: f.sz, Status: model.CustomerActive, CreditLimit: 1000}
	update(t, f.s, func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), c) })
	read := func() *model.Customer {
		var got *model.Customer
		view(t, f.s, func(tx *Tx) (err error) { got, err = tx.customerRead(c.ID); return err })
		return got
	}
	first := read()
	if first.CreditLimit != 1000 || read() != first {
		t.Fatalf("read %+v, then another value for the same bytes", first)
	}
	c.CreditLimit = 2500
	update(t, f.s, func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), c) })
	if got := read(); got == first || got.CreditLimit != 2500 || got.Version != c.Version {
		t.Fatalf("after a save: %+v", got)
	}
	// A write transaction sees its own change.
	update(t, f.s, func(tx *Tx) error {
		c.CreditLimit = 4000
		if err := tx.SaveCustomer(AdminScope(), c); err != nil {
			return err
		}
		got, err := tx.customerRead(c.ID)
		if err == nil && got.CreditLimit != 4000 {
			t.Errorf("inside the saving transaction: %d", got.CreditLimit)
		}
		return err
	})
	view(t, f.s, func(tx *Tx) error {
		if _, err := tx.customerRead(1 << 40); err != model.ErrNotFound {
			t.Errorf("missing customer: %v", err)
		}
		return nil
	})
	// The settings: defaults under a missing record, the saved ones after.
	view(t, f.s, func(tx *Tx) error {
		if got, want := tx.settingsRead().CurrencySymbol, tx.Settings().CurrencySymbol; got != want {
			t.Errorf("settings before: %q, want %q", got, want)
		}
		return nil
	})
	update(t, f.s, func(tx *Tx) error {
		st := tx.Settings()
		st.CurrencySymbol = "US$"
		return tx.SaveSettings(st)
	})
	view(t, f.s, func(tx *Tx) error {
		if got := tx.settingsRead().CurrencySymbol; got != "US$" {
			t.Errorf("settings after a save: %q", got)
		}
		return nil
	})
	var rc readCache[model.Customer]
	for id := range uint64(readCacheMax + 10) {
		if _, err := rc.get(id, []byte(`{"id":1}`), nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(rc.m) != readCacheMax {
		t.Errorf("cache holds %d values, at most %d", len(rc.m), readCacheMax)
	}
}
