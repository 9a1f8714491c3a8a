package model

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestFormatDocNumber(t *testing.T) {
	tests := []struct {
		t    DocType
		year int
		n    uint64
		want string
	}{
		{DocSalesOrder, 2026, 123, "SO-2026-000123"},
		{DocOnlineOrder, 2026, 1, "OO-2026-000001"},
		{DocReceipt, 2027, 999999, "RC-2027-999999"},
		{DocAnnouncement, 2026, 1000000, "AN-2026-1000000"}, // grows, never wraps
		{DocStocktake, 999, 7, "ST-0999-000007"},
	}
	for _, tt := range tests {
		if got := FormatDocNumber(tt.t, tt.year, tt.n); got != tt.want {
			t.Errorf("FormatDocNumber(%s, %d, %d) = %q, want %q", tt.t, tt.year, tt.n, got, tt.want)
		}
	}
}

// testMachine is a small order-like life cycle.
var testMachine = Machine{
	{Action: "submit", From: []Status{StatusDraft}, To: StatusSubmitted, Perm: PermManageCustomers},
	{Action: "audit", From: []Status{StatusSubmitted}, To: StatusAudited, Perm: PermAdmin},
	{Action: "reject", From: []Status{StatusSubmitted}, To: StatusDraft, Perm: PermManageCustomers, NeedsReason: true},
	{Action: "close", From: []Status{StatusSubmitted, StatusAudited}, To: StatusClosed, Perm: PermManageCustomers},
	{Action: "note", From: []Status{StatusDraft, StatusSubmitted}, To: StatusDraft}, // no permission needed
}

var (
	adminUser  = &User{Username: "root", Kind: KindStaff, Roles: []Role{RoleAdmin}}
	salesUser  = &User{Username: "li", Kind: KindStaff, Roles: []Role{RoleSales}}
	viewerUser = &User{Username: "wang", Kind: KindStaff, Roles: []Role{RoleViewer}}
	dealerUser = &User{Username: "buyer1", Kind: KindDealer, CustomerID: 7, Roles: []Role{RoleManager}}
)

func newDoc(s Status) *Doc {
	return &Doc{Number: "SO-2026-000001", Status: s, Trail: []AuditEntry{{Action: "create", By: "li", To: s}}}
}

func TestMachineApply(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	tests := []struct {
		name      string
		from      Status
		action    string
		user      *User
		reason    string
		wantTo    Status
		wantState bool // *StateError
		wantPerm  bool // plain ErrNotAllowed
		wantField string
	}{
		{name: "submit draft", from: StatusDraft, action: "submit", user: salesUser, wantTo: StatusSubmitted},
		{name: "admin submits", from: StatusDraft, action: "submit", user: adminUser, wantTo: StatusSubmitted},
		{name: "audit submitted", from: StatusSubmitted, action: "audit", user: adminUser, wantTo: StatusAudited},
		{name: "close from second from-status", from: StatusAudited, action: "close", user: salesUser, wantTo: StatusClosed},
		{name: "reject with reason", from: StatusSubmitted, action: "reject", user: salesUser, reason: "价格错误", wantTo: StatusDraft},
		{name: "no-perm action by anyone", from: StatusSubmitted, action: "note", user: viewerUser, wantTo: StatusDraft},

		{name: "submit twice", from: StatusSubmitted, action: "submit", user: salesUser, wantState: true},
		{name: "audit a draft", from: StatusDraft, action: "audit", user: adminUser, wantState: true},
		{name: "close a closed", from: StatusClosed, action: "close", user: salesUser, wantState: true},
		{name: "unknown action", from: StatusDraft, action: "explode", user: adminUser, wantState: true},

		{name: "viewer cannot submit", from: StatusDraft, action: "submit", user: viewerUser, wantPerm: true},
		{name: "sales cannot audit", from: StatusSubmitted, action: "audit", user: salesUser, wantPerm: true},
		{name: "dealer cannot submit", from: StatusDraft, action: "submit", user: dealerUser, wantPerm: true},
		{name: "disabled admin", from: StatusSubmitted, action: "audit", user: &User{Username: "x", Kind: KindStaff, Roles: []Role{RoleAdmin}, Disabled: true}, wantPerm: true},
		{name: "nil user", from: StatusSubmitted, action: "audit", user: nil, wantPerm: true},
		// Actions that need no permission still need a usable user.
		{name: "nil user, no-perm action", from: StatusSubmitted, action: "note", user: nil, wantPerm: true},
		{name: "disabled user, no-perm action", from: StatusDraft, action: "note", user: &User{Username: "x", Kind: KindStaff, Roles: []Role{RoleViewer}, Disabled: true}, wantPerm: true},

		{name: "reject without reason", from: StatusSubmitted, action: "reject", user: salesUser, wantField: "reason"},
		{name: "reject with one-letter reason", from: StatusSubmitted, action: "reject", user: salesUser, reason: "x", wantField: "reason"},
		{name: "reject with blank reason", from: StatusSubmitted, action: "reject", user: salesUser, reason: "   \t ", wantField: "reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDoc(tt.from)
			before := *d
			before.Trail = append([]AuditEntry(nil), d.Trail...)
			err := testMachine.Apply(d, tt.action, tt.user, tt.reason, now)
			switch {
			case tt.wantState:
				var se *StateError
				if !errors.As(err, &se) {
					t.Fatalf("err = %v, want *StateError", err)
				}
				if !errors.Is(err, ErrNotAllowed) {
					t.Errorf("StateError does not match ErrNotAllowed")
				}
				if se.Action != tt.action || se.Status != string(tt.from) {
					t.Errorf("StateError = %+v", se)
				}
			case tt.wantPerm:
				if !errors.Is(err, ErrNotAllowed) {
					t.Fatalf("err = %v, want ErrNotAllowed", err)
				}
			case tt.wantField != "":
				var ve *ValidationError
				if !errors.As(err, &ve) || !ve.Has(tt.wantField) {
					t.Fatalf("err = %v, want ValidationError on %s", err, tt.wantField)
				}
				if errors.Is(err, ErrNotAllowed) {
					t.Errorf("validation error must not be ErrNotAllowed")
				}
			default:
				if err != nil {
					t.Fatalf("Apply: %v", err)
				}
				if d.Status != tt.wantTo {
					t.Errorf("status = %s, want %s", d.Status, tt.wantTo)
				}
				if len(d.Trail) != len(before.Trail)+1 {
					t.Fatalf("trail has %d entries, want %d", len(d.Trail), len(before.Trail)+1)
				}
				if !reflect.DeepEqual(d.Trail[:len(before.Trail)], before.Trail) {
					t.Errorf("earlier trail entries changed")
				}
				want := AuditEntry{At: now.UTC(), By: tt.user.Username, Action: tt.action, From: tt.from, To: tt.wantTo, Reason: tt.reason}
				got := d.Trail[len(d.Trail)-1]
				if !reflect.DeepEqual(got, want) {
					t.Errorf("audit entry = %+v, want %+v", got, want)
				}
				if got.At.Location() != time.UTC {
					t.Errorf("audit time not in UTC: %v", got.At)
				}
				if d.Number != before.Number {
					t.Errorf("number changed")
				}
				return
			}
			if !reflect.DeepEqual(*d, before) {
				t.Errorf("refused action changed the doc: %+v, was %+v", *d, before)
			}
		})
	}
}

func TestMachineApplyChain(t *testing.T) {
	d := newDoc(StatusDraft)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	steps := []struct {
		action string
		user   *User
		reason string
	}{
		{"submit", salesUser, ""},
		{"reject", salesUser, "数量不对"},
		{"submit", salesUser, ""},
		{"audit", adminUser, ""},
		{"close", salesUser, ""},
	}
	for i, s := range steps {
		if err := testMachine.Apply(d, s.action, s.user, s.reason, now.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatalf("step %d %s: %v", i, s.action, err)
		}
	}
	if d.Status != StatusClosed || len(d.Trail) != 1+len(steps) {
		t.Fatalf("status %s, trail %d", d.Status, len(d.Trail))
	}
	for i, s := range steps {
		e := d.Trail[i+1]
		if e.Action != s.action || e.By != s.user.Username || e.Reason != s.reason {
			t.Errorf("trail[%d] = %+v", i+1, e)
		}
		if i > 0 && e.From != d.Trail[i].To {
			t.Errorf("trail[%d].From = %s, previous To = %s", i+1, e.From, d.Trail[i].To)
		}
	}
}

func TestMachineAllowed(t *testing.T) {
	tests := []struct {
		status Status
		user   *User
		want   []string
	}{
		{StatusDraft, salesUser, []string{"submit", "note"}},
		{StatusDraft, adminUser, []string{"submit", "note"}},
		{StatusDraft, viewerUser, []string{"note"}},
		{StatusSubmitted, adminUser, []string{"audit", "reject", "close", "note"}},
		{StatusSubmitted, salesUser, []string{"reject", "close", "note"}},
		{StatusAudited, salesUser, []string{"close"}},
		{StatusAudited, viewerUser, nil},
		{StatusClosed, adminUser, nil},
		{StatusSubmitted, dealerUser, []string{"note"}},
		{StatusSubmitted, nil, nil},
		{StatusDraft, &User{Username: "x", Kind: KindStaff, Roles: []Role{RoleAdmin}, Disabled: true}, nil},
	}
	for _, tt := range tests {
		got := testMachine.Allowed(tt.status, tt.user)
		if !reflect.DeepEqual(got, tt.want) {
			name := "<nil>"
			if tt.user != nil {
				name = tt.user.Username
			}
			t.Errorf("Allowed(%s, %s) = %v, want %v", tt.status, name, got, tt.want)
		}
	}
	// What Allowed offers, Apply accepts.
	for _, s := range []Status{StatusDraft, StatusSubmitted, StatusAudited} {
		for _, a := range testMachine.Allowed(s, adminUser) {
			if err := testMachine.Apply(newDoc(s), a, adminUser, "because", shipNow); err != nil {
				t.Errorf("Allowed offers %s from %s but Apply says %v", a, s, err)
			}
		}
	}
}

func TestMachineFind(t *testing.T) {
	if tr := testMachine.Find("audit"); tr == nil || tr.To != StatusAudited {
		t.Errorf("Find(audit) = %+v", tr)
	}
	if tr := testMachine.Find("nope"); tr != nil {
		t.Errorf("Find(nope) = %+v, want nil", tr)
	}
}

func TestErrors(t *testing.T) {
	v := &ValidationError{}
	if v.Err() != nil {
		t.Errorf("empty ValidationError.Err() != nil")
	}
	var nilV *ValidationError
	if nilV.Err() != nil {
		t.Errorf("nil ValidationError.Err() != nil")
	}
	v.Add("name", "err.required", nil)
	v.Add("name", "err.too_long", nil) // ignored: first reason wins
	v.Add("code", "err.code", nil)
	if len(v.Fields) != 2 || v.Fields[0].Key != "err.required" {
		t.Errorf("fields = %+v", v.Fields)
	}
	if !v.Has("code") || v.Has("email") {
		t.Errorf("Has wrong")
	}
	if got := v.Err().Error(); got != "invalid input: code: err.code, name: err.required" {
		t.Errorf("Error() = %q", got)
	}
	// The instant stays an instant; Error() (for logs) shows it in UTC
	// whatever zone it was given in.
	ce := &ConflictError{By: "li", At: time.Date(2026, 1, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))}
	if got := ce.Error(); got != "conflict: changed by li at 2026-01-01T00:00:00Z" || errors.Is(ce, ErrNotAllowed) {
		t.Errorf("ConflictError = %q", got)
	}
}
