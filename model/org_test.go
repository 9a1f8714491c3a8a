package model

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

// testTree: 1 HQ → 2 North (→ 4 Beijing → 6 Team A, 5 Tianjin), 3 South (→ 7 Guangzhou).
// 9 points at a missing parent and so becomes a root.
func testTree() *OrgTree {
	return NewOrgTree([]*OrgUnit{
		{ID: 1, Code: "HQ", Name: "总部"},
		{ID: 2, ParentID: 1, Code: "N", Name: "North"},
		{ID: 3, ParentID: 1, Code: "S", Name: "South"},
		{ID: 4, ParentID: 2, Code: "BJ", Name: "Beijing"},
		{ID: 5, ParentID: 2, Code: "TJ", Name: "Tianjin"},
		{ID: 6, ParentID: 4, Code: "BJA", Name: "Team A"},
		{ID: 7, ParentID: 3, Code: "GZ", Name: "Guangzhou"},
		{ID: 9, ParentID: 99, Code: "ORPH", Name: "Orphan"},
	})
}

func sorted(ids []uint64) []uint64 {
	out := append([]uint64(nil), ids...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func TestOrgTreeSubtree(t *testing.T) {
	tr := testTree()
	tests := []struct {
		id   uint64
		want []uint64
	}{
		{1, []uint64{1, 2, 3, 4, 5, 6, 7}},
		{2, []uint64{2, 4, 5, 6}},
		{3, []uint64{3, 7}},
		{4, []uint64{4, 6}},
		{6, []uint64{6}},
		{9, []uint64{9}},
		{0, nil},
		{42, nil},
	}
	for _, tt := range tests {
		got := tr.Subtree(tt.id)
		if len(got) > 0 && got[0] != tt.id {
			t.Errorf("Subtree(%d) does not start with itself: %v", tt.id, got)
		}
		if !reflect.DeepEqual(sorted(got), sorted(tt.want)) {
			t.Errorf("Subtree(%d) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestOrgTreeIsWithin(t *testing.T) {
	tr := testTree()
	tests := []struct {
		id, anc uint64
		want    bool
	}{
		{6, 1, true},
		{6, 2, true},
		{6, 4, true},
		{6, 6, true},
		{6, 3, false},
		{6, 5, false},
		{7, 3, true},
		{7, 2, false},
		{1, 2, false}, // an ancestor is not within its child
		{2, 4, false},
		{9, 1, false},
		{9, 9, true},
		{42, 1, false}, // unknown unit
		{0, 1, false},
	}
	for _, tt := range tests {
		if got := tr.IsWithin(tt.id, tt.anc); got != tt.want {
			t.Errorf("IsWithin(%d, %d) = %v, want %v", tt.id, tt.anc, got, tt.want)
		}
	}
}

func TestOrgTreePath(t *testing.T) {
	tr := testTree()
	tests := []struct {
		id   uint64
		want string
	}{
		{1, "总部"},
		{2, "总部 / North"},
		{6, "总部 / North / Beijing / Team A"},
		{7, "总部 / South / Guangzhou"},
		{9, "Orphan"},
		{42, ""},
		{0, ""},
	}
	for _, tt := range tests {
		if got := tr.Path(tt.id); got != tt.want {
			t.Errorf("Path(%d) = %q, want %q", tt.id, got, tt.want)
		}
	}
	if u := tr.Unit(4); u == nil || u.Code != "BJ" {
		t.Errorf("Unit(4) = %+v", u)
	}
	if u := tr.Unit(42); u != nil {
		t.Errorf("Unit(42) = %+v, want nil", u)
	}
}

func TestOrgTreeFlatten(t *testing.T) {
	var got []string
	for _, n := range testTree().Flatten() {
		got = append(got, strings.Repeat("-", n.Depth)+n.Unit.Code)
	}
	want := []string{"HQ", "-N", "--BJ", "---BJA", "--TJ", "-S", "--GZ", "ORPH"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Flatten = %v, want %v", got, want)
	}
	if got := NewOrgTree(nil).Flatten(); len(got) != 0 {
		t.Errorf("empty tree flattens to %v", got)
	}
}

// Stored data with a cycle (which the store refuses to write) must not hang
// the scope computation.
func TestOrgTreeCycleTerminates(t *testing.T) {
	tr := NewOrgTree([]*OrgUnit{
		{ID: 1, Code: "A", Name: "A"},
		{ID: 2, ParentID: 3, Code: "B", Name: "B"},
		{ID: 3, ParentID: 2, Code: "C", Name: "C"},
	})
	if got := sorted(tr.Subtree(2)); !reflect.DeepEqual(got, []uint64{2, 3}) {
		t.Errorf("Subtree in a cycle = %v", got)
	}
	if tr.IsWithin(2, 1) {
		t.Errorf("IsWithin in a cycle = true")
	}
	_ = tr.Path(2)
}

func TestOrgUnitValidate(t *testing.T) {
	tests := []struct {
		name string
		u    OrgUnit
		want map[string]string
	}{
		{"valid", OrgUnit{Code: "BJ-01", Name: "北京分公司"}, nil},
		{"trims", OrgUnit{Code: "  BJ  ", Name: "  北京 "}, nil},
		{"no code", OrgUnit{Name: "x"}, map[string]string{"code": "err.code"}},
		{"bad code", OrgUnit{Code: "北京", Name: "x"}, map[string]string{"code": "err.code"}},
		{"code with space", OrgUnit{Code: "B J", Name: "x"}, map[string]string{"code": "err.code"}},
		{"code too long", OrgUnit{Code: strings.Repeat("A", 31), Name: "x"}, map[string]string{"code": "err.code"}},
		{"no name", OrgUnit{Code: "X"}, map[string]string{"name": "err.required"}},
		{"blank name", OrgUnit{Code: "X", Name: "   "}, map[string]string{"name": "err.required"}},
		{"name too long", OrgUnit{Code: "X", Name: strings.Repeat("名", 61)}, map[string]string{"name": "err.too_long"}},
		{"own parent", OrgUnit{ID: 5, ParentID: 5, Code: "X", Name: "x"}, map[string]string{"parent_id": "err.org_cycle"}},
	}
	for _, tt := range tests {
		u := tt.u
		checkFields(t, tt.name, u.Validate(), tt.want)
	}
}

func TestCheckParentActive(t *testing.T) {
	on, off := &OrgUnit{}, &OrgUnit{Inactive: true}
	cases := []struct {
		unit, parent *OrgUnit
		refused      bool
	}{
		{on, nil, false}, {on, on, false}, {on, off, true}, {off, off, false}, {off, on, false},
	}
	for i, c := range cases {
		err := CheckParentActive(c.unit, c.parent, "parent_id")
		if (err != nil) != c.refused {
			t.Errorf("%d: %v", i, err)
		}
		if ve, ok := err.(*ValidationError); c.refused && (!ok || ve.Fields[0].Field != "parent_id" || ve.Fields[0].Key != "err.org_parent_inactive") {
			t.Errorf("%d: %v", i, err)
		}
	}
}
