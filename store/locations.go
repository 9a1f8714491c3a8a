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
	locs, err := t.Locations(sc, l.CustomerID)
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
		old, err := t.Location(sc, l.CustomerID, l.ID)
		if err != nil {
			return err
		}
		if err := t.checkVersion(old, l); err != nil {
			return err
		}
		if old.Primary && !l.Primary {
			return model.Invalid("primary", "err.primary_required")
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
	locs, _ := t.Locations(sc, customerID)
	if l.Primary && len(locs) > 1 {
		return model.Invalid("primary", "err.primary_delete")
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
