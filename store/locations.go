package store

import (
	"bytes"
	"encoding/json"

	"dealerportal/model"
)

// Locations returns the customer's locations (primary first), or ErrNotFound
// when the customer lies outside sc.
func (t *Tx) Locations(sc Scope, customerID uint64) ([]*model.Location, error) {
	if !t.AllowsCustomer(sc, customerID) {
		return nil, model.ErrNotFound
	}
	return t.locations(customerID)
}

// locations is Locations after the scope check.
func (t *Tx) locations(customerID uint64) ([]*model.Location, error) {
	var out []*model.Location
	prefix := itob(customerID)
	c := t.b(bLocations).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		l := &model.Location{}
		if err := json.Unmarshal(v, l); err != nil {
			return nil, err
		}
		if l.Primary {
			out = append([]*model.Location{l}, out...)
		} else {
			out = append(out, l)
		}
	}
	return out, nil
}

// Location returns one location of a customer in scope, or ErrNotFound.
func (t *Tx) Location(sc Scope, customerID, id uint64) (*model.Location, error) {
	if !t.AllowsCustomer(sc, customerID) {
		return nil, model.ErrNotFound
	}
	return t.location(customerID, id)
}

// location is Location after the scope check.
func (t *Tx) location(customerID, id uint64) (*model.Location, error) {
	l := &model.Location{}
	if err := getJSON(t.b(bLocations), key(customerID, id), l); err != nil {
		return nil, err
	}
	return l, nil
}

// PrimaryLocation returns the customer's primary location, or ErrNotFound when
// it has none.
func (t *Tx) PrimaryLocation(sc Scope, customerID uint64) (*model.Location, error) {
	locs, err := t.Locations(sc, customerID)
	if err != nil {
		return nil, err
	}
	if len(locs) == 0 || !locs[0].Primary {
		return nil, model.ErrNotFound
	}
	return locs[0], nil
}

// SaveLocation creates (ID 0) or updates a location with optimistic locking
// and keeps exactly one primary per customer: the first location becomes
// primary, making one primary clears the flag on the others, and the primary
// cannot be un-flagged directly (make another one primary instead).
func (t *Tx) SaveLocation(sc Scope, l *model.Location) (err error) {
	defer keepOnError(&l.ID, &l.Meta, &err)()
	if err := l.Validate(); err != nil {
		return err
	}
	if !t.AllowsCustomer(sc, l.CustomerID) {
		return model.ErrNotFound
	}
	locs, err := t.locations(l.CustomerID)
	if err != nil {
		return err
	}
	b := t.b(bLocations)
	if l.ID == 0 {
		id, err := nextID(b)
		if err != nil {
			return err
		}
		l.ID = id
		t.stamp(l)
		if len(locs) == 0 {
			l.Primary = true
		}
	} else {
		old, err := t.location(l.CustomerID, l.ID)
		if err != nil {
			return err
		}
		if err := t.checkVersion(old, l); err != nil {
			return err
		}
		if err := model.CheckLocationChange(old, l); err != nil {
			return err
		}
	}
	if l.Primary {
		for _, o := range locs {
			if o.ID != l.ID && o.Primary {
				o.Primary = false
				o.Version++
				o.UpdatedAt, o.UpdatedBy = t.Now, t.By
				if err := putJSON(b, key(o.CustomerID, o.ID), o); err != nil {
					return err
				}
			}
		}
	}
	return putJSON(b, key(l.CustomerID, l.ID), l)
}

// DeleteLocation removes a non-primary location (the primary cannot be
// removed while others exist; the last one can). version must be current.
func (t *Tx) DeleteLocation(sc Scope, customerID, id, version uint64) error {
	l, err := t.Location(sc, customerID, id)
	if err != nil {
		return err
	}
	if l.Version != version {
		return &model.ConflictError{By: l.UpdatedBy, At: l.UpdatedAt}
	}
	locs, _ := t.locations(customerID)
	if err := model.CheckLocationDelete(l, len(locs)); err != nil {
		return err
	}
	if err := t.forgetExternalID(ExtLocation, id); err != nil {
		return err
	}
	return t.b(bLocations).Delete(key(customerID, id))
}

// forgetExternalID drops the external id of a record that is deleted, so
// that the ERP's next upsert under that id makes a new record rather than
// meet a mapping to nothing.
func (t *Tx) forgetExternalID(kind string, id uint64) error {
	of := t.b(bExtOf)
	ext := of.Get(extOfKey(kind, id))
	if ext == nil {
		return nil
	}
	if err := t.b(bExtIDs).Delete(extKey(kind, string(ext))); err != nil {
		return err
	}
	return of.Delete(extOfKey(kind, id))
}

// SaveCustomerLocation creates (ID 0, at most once per a.Once) or updates
// location l of its customer as Tx.SaveLocation, with the audit entry, and
// returns its id. ErrNotFound when the customer lies outside a.Scope,
// ConflictError for a stale version, ValidationError for bad fields or an
// un-flagged primary (model.CheckLocationChange).
func (s *Store) SaveCustomerLocation(a Actor, l *model.Location) (uint64, error) {
	form := *l
	return s.act(a, func(t *Tx) (uint64, error) {
		*l = form
		if err := t.PutLocation(a.Scope, l); err != nil {
			return 0, err
		}
		return l.ID, nil
	})
}

// PutLocation is the Tx form of SaveCustomerLocation, for a caller that
// owns the transaction (the integration API's upserts): Tx.SaveLocation
// and its audit entry. Errors as SaveLocation's.
func (t *Tx) PutLocation(sc Scope, l *model.Location) error {
	action := "location.update"
	if l.ID == 0 {
		action = "location.create"
	}
	if err := t.SaveLocation(sc, l); err != nil {
		return err
	}
	return t.Log("customer", l.CustomerID, action, l.Name)
}

// MakePrimaryLocation makes location id of customerID its primary at the
// version the user saw (the old primary stops being one in the same
// transaction). ErrNotFound outside a.Scope, ConflictError for a stale
// version.
func (s *Store) MakePrimaryLocation(a Actor, customerID, id, version uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		l, err := t.Location(a.Scope, customerID, id)
		if err != nil {
			return 0, err
		}
		if l.Version != version {
			return 0, &model.ConflictError{By: l.UpdatedBy, At: l.UpdatedAt}
		}
		l.Primary = true
		if err := t.SaveLocation(a.Scope, l); err != nil {
			return 0, err
		}
		return 0, t.Log("customer", customerID, "location.primary", l.Name)
	})
	return err
}

// RemoveLocation deletes location id of customerID at the version the user
// saw, as Tx.DeleteLocation, with the audit entry.
func (s *Store) RemoveLocation(a Actor, customerID, id, version uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		l, err := t.Location(a.Scope, customerID, id)
		if err != nil {
			return 0, err
		}
		if err := t.DeleteLocation(a.Scope, customerID, id, version); err != nil {
			return 0, err
		}
		return 0, t.Log("customer", customerID, "location.delete", l.Name)
	})
	return err
}
