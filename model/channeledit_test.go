package model

import (
	"strings"
	"testing"
)

// The edit rules of the channel documents, for each kind of user: the
// customer's own dealer user (roleUser gives dealers customer 7), another
// customer's, staff with and without the permission, a disabled user.
func TestChannelEditRules(t *testing.T) {
	other := roleUser(RoleBuyer)
	other.CustomerID = 8
	disabled := roleUser(RoleManager)
	disabled.Disabled = true
	users := map[string]*User{
		"buyer": roleUser(RoleBuyer), "manager": roleUser(RoleManager), "dealer finance": roleUser(RoleDealerFinance),
		"other buyer": other, "disabled": disabled, "service": roleUser(RoleService), "sales": roleUser(RoleSales),
		"finance": roleUser(RoleFinance), "viewer": roleUser(RoleViewer), "admin": roleUser(RoleAdmin), "nobody": nil,
	}
	cases := []struct {
		user   string
		status Status
		cp     bool // CanEditComplaint
		sr     bool // CanEditServiceRequest
		opp    bool // CanEditOpportunity
	}{
		{"buyer", StatusDraft, true, false, true},
		{"buyer", StatusNew, false, true, false},
		{"buyer", StatusNeedsInfo, false, false, true},
		{"buyer", StatusSubmitted, false, false, false},
		{"manager", StatusDraft, true, false, true},
		{"dealer finance", StatusDraft, false, false, false},
		{"dealer finance", StatusNew, false, false, false},
		{"other buyer", StatusDraft, false, false, false},
		{"other buyer", StatusNew, false, false, false},
		{"disabled", StatusDraft, false, false, false},
		{"service", StatusDraft, true, false, false},
		{"service", StatusNew, false, true, false},
		{"sales", StatusDraft, false, false, true},
		{"sales", StatusNew, false, false, false},
		{"finance", StatusDraft, false, false, false},
		{"viewer", StatusNeedsInfo, false, false, false},
		{"admin", StatusDraft, true, false, true},
		{"admin", StatusNew, false, true, false},
		{"admin", StatusClosed, false, false, false},
		{"nobody", StatusDraft, false, false, false},
	}
	for _, c := range cases {
		u := users[c.user]
		cp := &Complaint{CustomerID: 7, Doc: Doc{Status: c.status}}
		sr := &ServiceRequest{CustomerID: 7, Doc: Doc{Status: c.status}}
		o := &Opportunity{CustomerID: 7, Doc: Doc{Status: c.status}}
		if got := CanEditComplaint(cp, u); got != c.cp {
			t.Errorf("%s edits a %s complaint: %v", c.user, c.status, got)
		}
		if got := CanEditServiceRequest(sr, u); got != c.sr {
			t.Errorf("%s edits a %s service request: %v", c.user, c.status, got)
		}
		if got := CanEditOpportunity(o, u); got != c.opp {
			t.Errorf("%s edits a %s opportunity: %v", c.user, c.status, got)
		}
	}
}

func TestServiceLogRules(t *testing.T) {
	cases := []struct {
		user    *User
		status  Status
		log     bool // CanLogServiceRequest
		handler bool // ServiceHandler
	}{
		{roleUser(RoleService), StatusNew, true, true},
		{roleUser(RoleService), StatusResolved, true, true},
		{roleUser(RoleService), StatusClosed, false, true},
		{roleUser(RoleAdmin), StatusInProgress, true, true},
		{roleUser(RoleSales), StatusInProgress, false, false},
		{roleUser(RoleBuyer), StatusNew, false, false},
		{&User{Kind: KindStaff, Roles: []Role{RoleService}, Disabled: true}, StatusNew, false, false},
		{nil, StatusNew, false, false},
	}
	for i, c := range cases {
		r := &ServiceRequest{CustomerID: 7, Doc: Doc{Status: c.status}}
		if got := CanLogServiceRequest(r, c.user); got != c.log {
			t.Errorf("%d: log on %s: %v", i, c.status, got)
		}
		if got := ServiceHandler(c.user); got != c.handler {
			t.Errorf("%d: handler: %v", i, got)
		}
	}
}

func TestCheckServiceInput(t *testing.T) {
	long := func(n int) string { return strings.Repeat("字", n) }
	cases := []struct {
		action, solution, note string
		field, key             string // the refusal; "" when accepted
		wantSolution, wantNote string
	}{
		{"resolve", "  更换电机 ", "", "", "", "更换电机", ""},
		{"resolve", "x", "", "solution", "err.required", "", ""},
		{"resolve", long(2000), "", "", "", long(2000), ""},
		{"resolve", long(2001), "", "solution", "err.too_long", "", ""},
		{"resolve", "x", long(1001), "solution", "err.required", "", ""},
		{"start", "ignored", " 已派工 ", "", "", "ignored", "已派工"},
		{"start", "", long(1000), "", "", "", long(1000)},
		{"start", "", long(1001), "note", "err.too_long", "", ""},
		{"close", "", "", "", "", "", ""},
		{"log", "", "x", "note", "err.required", "", ""},
		{"log", "", "  ", "note", "err.required", "", ""},
		{"log", "", "已回访", "", "", "", "已回访"},
		{"log", "", long(1001), "note", "err.too_long", "", ""},
	}
	for i, c := range cases {
		sol, note, err := CheckServiceInput(c.action, c.solution, c.note)
		if c.field == "" {
			if err != nil || sol != c.wantSolution || note != c.wantNote {
				t.Errorf("%d %s: %q %q %v", i, c.action, sol, note, err)
			}
			continue
		}
		ve, ok := err.(*ValidationError)
		if !ok || len(ve.Fields) != 1 || ve.Fields[0].Field != c.field || ve.Fields[0].Key != c.key {
			t.Errorf("%d %s: %v, want %s %s", i, c.action, err, c.field, c.key)
		}
	}
}

func TestComplaintParty(t *testing.T) {
	c := &Complaint{CustomerID: 7}
	for id, want := range map[uint64]bool{0: false, 7: false, 8: true} {
		if got := c.ComplaintParty(id); got != want {
			t.Errorf("party %d: %v", id, got)
		}
	}
}
