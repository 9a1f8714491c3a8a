package model

import (
	"errors"
	"testing"
	"time"
)

func TestAnnouncementValidate(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	good := func() *Announcement {
		return &Announcement{Title: " 五一放假通知 ", Body: "正文\r\n第二行\n\n", Audience: Audience{Customers: []uint64{3, 3, 0, 4}}, EffectiveFrom: now}
	}
	a := good()
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.Title != "五一放假通知" || a.Body != "正文\n第二行" || len(a.Audience.Customers) != 2 {
		t.Errorf("normalised: %+v", a)
	}
	cases := []struct {
		field string
		edit  func(a *Announcement)
	}{
		{"title", func(a *Announcement) { a.Title = "" }},
		{"body", func(a *Announcement) { a.Body = " \n" }},
		{"audience", func(a *Announcement) { a.Audience = Audience{} }},
		{"effective_from", func(a *Announcement) { a.EffectiveFrom = time.Time{} }},
		{"expires_at", func(a *Announcement) { a.ExpiresAt = now }},
	}
	for _, tc := range cases {
		a := good()
		tc.edit(a)
		var ve *ValidationError
		if err := a.Validate(); !errors.As(err, &ve) || !ve.Has(tc.field) {
			t.Errorf("%s: %v", tc.field, err)
		}
	}
}

func TestAnnouncementValidAndState(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	until := from.Add(48 * time.Hour)
	cases := []struct {
		status Status
		exp    time.Time
		at     time.Time
		valid  bool
		state  Status
	}{
		{StatusDraft, time.Time{}, from.Add(time.Hour), false, StatusDraft},
		{StatusAudited, until, from.Add(-time.Second), false, AnnouncementScheduled},
		{StatusAudited, until, from, true, StatusAudited},
		{StatusAudited, until, until.Add(-time.Second), true, StatusAudited},
		{StatusAudited, until, until, false, AnnouncementExpired},
		{StatusAudited, time.Time{}, from.AddDate(5, 0, 0), true, StatusAudited},
		{AnnouncementInvalid, until, from.Add(time.Hour), false, AnnouncementInvalid},
	}
	for i, tc := range cases {
		a := &Announcement{EffectiveFrom: from, ExpiresAt: tc.exp}
		a.Status = tc.status
		if got := a.Valid(tc.at); got != tc.valid {
			t.Errorf("%d: Valid = %v", i, got)
		}
		if got := a.State(tc.at); got != tc.state {
			t.Errorf("%d: State = %v, want %v", i, got, tc.state)
		}
	}
}

func TestAudienceCovers(t *testing.T) {
	tree := NewOrgTree([]*OrgUnit{{ID: 1}, {ID: 2, ParentID: 1}, {ID: 3, ParentID: 2}, {ID: 4, ParentID: 1}})
	c := &Customer{ID: 7, GroupID: 5, OrgUnitID: 3}
	cases := []struct {
		a    Audience
		want bool
	}{
		{Audience{All: true}, true},
		{Audience{Customers: []uint64{8, 7}}, true},
		{Audience{Customers: []uint64{8}}, false},
		{Audience{Groups: []uint64{5}}, true},
		{Audience{Groups: []uint64{6}}, false},
		{Audience{OrgUnits: []uint64{2}}, true}, // subtree
		{Audience{OrgUnits: []uint64{1}}, true},
		{Audience{OrgUnits: []uint64{4}}, false},
		{Audience{}, false},
	}
	for i, tc := range cases {
		if got := tc.a.Covers(c, tree); got != tc.want {
			t.Errorf("%d: %+v covers = %v", i, tc.a, got)
		}
	}
	if (Audience{Groups: []uint64{0}}).Covers(&Customer{ID: 1}, tree) {
		t.Error("group 0 covers a customer without group")
	}
}

func TestAnnouncementMachine(t *testing.T) {
	sales := &User{Username: "s", Kind: KindStaff, Roles: []Role{RoleSales}}
	viewer := &User{Username: "v", Kind: KindStaff, Roles: []Role{RoleViewer}}
	dealer := &User{Username: "d", Kind: KindDealer, Roles: []Role{RoleManager}, CustomerID: 1}
	now := shipNow
	d := &Doc{Status: StatusDraft}
	if err := AnnouncementMachine.Apply(d, "invalidate", sales, "", now); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("invalidate a draft: %v", err)
	}
	for _, u := range []*User{viewer, dealer} {
		if err := AnnouncementMachine.Apply(d, "audit", u, "", now); !errors.Is(err, ErrNotAllowed) {
			t.Fatalf("%s audits: %v", u.Username, err)
		}
	}
	for _, step := range []struct {
		action string
		to     Status
	}{{"audit", StatusAudited}, {"invalidate", AnnouncementInvalid}, {"unaudit", StatusDraft}, {"audit", StatusAudited}, {"unaudit", StatusDraft}} {
		if err := AnnouncementMachine.Apply(d, step.action, sales, "", now); err != nil || d.Status != step.to {
			t.Fatalf("%s: %v %s", step.action, err, d.Status)
		}
	}
	if len(d.Trail) != 5 || d.Trail[0].Action != "audit" || d.Trail[0].By != "s" {
		t.Errorf("trail %+v", d.Trail)
	}
	if got := AnnouncementMachine.Allowed(StatusAudited, sales); len(got) != 2 {
		t.Errorf("allowed from audited: %v", got)
	}
}
