package store

import (
	"strings"

	"dealerportal/model"
)

// CustomerGroups returns all customer groups in code order.
func (t *Tx) CustomerGroups() ([]*model.CustomerGroup, error) {
	var out []*model.CustomerGroup
	c := t.b(bGroupsByCode).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		g, err := t.CustomerGroup(btoi(v))
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// CustomerGroup returns a group or ErrNotFound. Groups are enterprise master
// data, visible to all staff.
func (t *Tx) CustomerGroup(id uint64) (*model.CustomerGroup, error) {
	g := &model.CustomerGroup{}
	if err := t.getJSONID(t.b(bGroups), id, g); err != nil {
		return nil, err
	}
	return g, nil
}

// CustomerGroupByCode returns the group with code (in any case), or
// model.ErrNotFound.
func (t *Tx) CustomerGroupByCode(code string) (*model.CustomerGroup, error) {
	v := t.b(bGroupsByCode).Get([]byte(strings.ToUpper(strings.TrimSpace(code))))
	if v == nil {
		return nil, model.ErrNotFound
	}
	return t.CustomerGroup(btoi(v))
}

// SaveCustomerGroup creates (ID 0) or updates a group with optimistic locking;
// codes are unique.
func (t *Tx) SaveCustomerGroup(g *model.CustomerGroup) (err error) {
	defer keepOnError(&g.ID, &g.Meta, &err)()
	if err := g.Validate(); err != nil {
		return err
	}
	b := t.b(bGroups)
	if g.ID == 0 {
		id, err := nextID(b)
		if err != nil {
			return err
		}
		g.ID = id
		t.stamp(g)
	} else {
		old, err := t.CustomerGroup(g.ID)
		if err != nil {
			return err
		}
		if err := t.checkVersion(old, g); err != nil {
			return err
		}
		if err := t.b(bGroupsByCode).Delete([]byte(old.Code)); err != nil {
			return err
		}
	}
	if err := putUnique(t.b(bGroupsByCode), []byte(g.Code), itob(g.ID), "code"); err != nil {
		return err
	}
	return putJSON(b, itob(g.ID), g)
}

// SaveGroup creates (ID 0) or changes customer group g with its audit
// entry: one use case, at most once per a.Once for a new one. It returns
// the group's id. The caller has checked that a.User manages customers;
// errors as SaveCustomerGroup's (a taken code, a stale version).
func (s *Store) SaveGroup(a Actor, g *model.CustomerGroup) (uint64, error) {
	form := *g
	return s.act(a, func(t *Tx) (uint64, error) {
		*g = form // the body may run twice (a retried transaction)
		action := "update"
		if g.ID == 0 {
			action = "create"
		}
		if err := t.SaveCustomerGroup(g); err != nil {
			return 0, err
		}
		return g.ID, t.Log("customer_group", g.ID, action, g.Code+" "+g.Name)
	})
}
