package model

import "strings"

// OrgUnit (组织) is a node of the enterprise's org tree: company → region →
// branch → team. ParentID 0 marks the root(s).
type OrgUnit struct {
	ID       uint64 `json:"id"`
	ParentID uint64 `json:"parent_id,omitempty"`
	Code     string `json:"code"`
	Name     string `json:"name" validate:"required,max=60"`
	Inactive bool   `json:"inactive,omitempty"`
	Meta
}

// Validate checks the unit's own fields.
func (o *OrgUnit) Validate() error {
	o.Code = strings.TrimSpace(o.Code)
	o.Name = strings.TrimSpace(o.Name)
	v := &ValidationError{}
	if !codeRe.MatchString(o.Code) {
		v.Add("code", "err.code", nil)
	}
	checkTags(o, v)
	if o.ParentID != 0 && o.ParentID == o.ID {
		v.Add("parent_id", "err.org_cycle", nil)
	}
	return v.Err()
}

// OrgTree is an in-memory view of all org units, for subtree questions.
type OrgTree struct {
	units    map[uint64]*OrgUnit
	children map[uint64][]uint64
	roots    []uint64
}

// NewOrgTree indexes units (in the order given, which becomes child order).
func NewOrgTree(units []*OrgUnit) *OrgTree {
	t := &OrgTree{units: map[uint64]*OrgUnit{}, children: map[uint64][]uint64{}}
	for _, u := range units {
		t.units[u.ID] = u
	}
	for _, u := range units {
		if _, ok := t.units[u.ParentID]; u.ParentID != 0 && ok {
			t.children[u.ParentID] = append(t.children[u.ParentID], u.ID)
		} else {
			t.roots = append(t.roots, u.ID)
		}
	}
	return t
}

// Unit returns the unit with id, or nil.
func (t *OrgTree) Unit(id uint64) *OrgUnit { return t.units[id] }

// Subtree returns id and all its descendants; empty when id is unknown.
func (t *OrgTree) Subtree(id uint64) []uint64 {
	if _, ok := t.units[id]; !ok {
		return nil
	}
	out := []uint64{id}
	seen := map[uint64]bool{id: true}
	for i := 0; i < len(out); i++ {
		for _, c := range t.children[out[i]] {
			// Guard against a cycle in stored data, as IsWithin and Path do.
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// IsWithin reports whether id lies in the subtree of ancestor (itself included).
func (t *OrgTree) IsWithin(id, ancestor uint64) bool {
	for seen := 0; id != 0 && seen <= len(t.units); seen++ {
		if id == ancestor {
			return true
		}
		u := t.units[id]
		if u == nil {
			return false
		}
		id = u.ParentID
	}
	return false
}

// Path returns the names from the root down to id, joined by " / ".
func (t *OrgTree) Path(id uint64) string {
	var names []string
	for seen := 0; id != 0 && seen <= len(t.units); seen++ {
		u := t.units[id]
		if u == nil {
			break
		}
		names = append([]string{u.Name}, names...)
		id = u.ParentID
	}
	return strings.Join(names, " / ")
}

// Node is one unit with its depth, for an indented tree listing.
type Node struct {
	Unit  *OrgUnit
	Depth int
}

// Flatten lists the tree depth-first with depths.
func (t *OrgTree) Flatten() []Node {
	var out []Node
	var walk func(id uint64, d int)
	walk = func(id uint64, d int) {
		out = append(out, Node{t.units[id], d})
		for _, c := range t.children[id] {
			walk(c, d+1)
		}
	}
	for _, r := range t.roots {
		walk(r, 0)
	}
	return out
}

// CheckParentActive refuses, at field, an active unit u under parent when
// the parent is inactive (a unit is reactivated top down); parent nil (top
// level or unknown) passes.
func CheckParentActive(u, parent *OrgUnit, field string) error {
	if u.Inactive || parent == nil || !parent.Inactive {
		return nil
	}
	return Invalid(field, "err.org_parent_inactive")
}
