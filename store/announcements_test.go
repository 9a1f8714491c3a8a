package store

import (
	"errors"
	"testing"
	"time"

	"dealerportal/model"
)

func (f *fixture) announce(t *testing.T, title string, aud model.Audience, from, until time.Time) *model.Announcement {
	t.Helper()
	a := &model.Announcement{Title: title, Body: "正文", Audience: aud, EffectiveFrom: from, ExpiresAt: until}
	update(t, f.s, func(tx *Tx) error { return tx.SaveAnnouncement(AdminScope(), a) })
	return a
}

func (f *fixture) act(t *testing.T, a *model.Announcement, action string) *model.Announcement {
	t.Helper()
	var out *model.Announcement
	update(t, f.s, func(tx *Tx) (err error) {
		out, err = tx.ActOnAnnouncement(AdminScope(), a.ID, a.Version, action, f.admin)
		return
	})
	*a = *out
	return a
}

func (f *fixture) outboxFor(t *testing.T, docID uint64) map[uint64]bool {
	t.Helper()
	got := map[uint64]bool{}
	view(t, f.s, func(tx *Tx) error {
		ms, err := tx.PendingOutbox(1000)
		for _, m := range ms {
			if m.Event == model.EventAnnouncementPublished && m.DocID == docID {
				if got[m.CustomerID] {
					t.Errorf("customer %d twice", m.CustomerID)
				}
				got[m.CustomerID] = true
			}
		}
		return err
	})
	return got
}

func (f *fixture) mine(t *testing.T, u *model.User) []uint64 {
	t.Helper()
	var out []uint64
	view(t, f.s, func(tx *Tx) error {
		rows, total, err := tx.MyAnnouncements(f.scope(u), "", Page{})
		if total != len(rows) {
			t.Errorf("total %d rows %d", total, len(rows))
		}
		for _, a := range rows {
			out = append(out, a.ID)
		}
		return err
	})
	return out
}

// TestAnnouncementLifeCycle: numbering, audit = publish (one event per
// active audience customer), dealer visibility, unaudit, invalidate, expiry.
func TestAnnouncementLifeCycle(t *testing.T) {
	f := newFixture(t)
	from := testNow.Add(-time.Hour)
	// Audience: group VIP (C001, C004 inactive) and org NORTH subtree (C001, C002, C003).
	a := f.announce(t, "春节放假通知", model.Audience{Groups: []uint64{f.vip}, OrgUnits: []uint64{f.north}}, from, testNow.Add(24*time.Hour))
	if a.Number != "AN-2026-000001" || a.Status != model.StatusDraft || a.Version != 1 {
		t.Fatalf("new: %+v", a)
	}
	if got := f.mine(t, f.d1a); len(got) != 0 {
		t.Fatalf("draft visible: %v", got)
	}
	f.act(t, a, "audit")
	if got := f.outboxFor(t, a.ID); !sameIDs(keys(got), ids(f.c1, f.c2, f.c3)) {
		t.Errorf("published to %v", keys(got))
	}
	if got := f.mine(t, f.d1a); !sameIDs(got, []uint64{a.ID}) {
		t.Errorf("C001 dealer sees %v", got)
	}
	// A dealer outside the audience (C004 is VIP but inactive; use a new C005 dealer).
	var d5 *model.User
	update(t, f.s, func(tx *Tx) error {
		d5 = &model.User{Username: "c005.x", Name: "x", Kind: model.KindDealer, Roles: []model.Role{model.RoleBuyer}, CustomerID: f.c5.ID, PasswordHash: "x"}
		return tx.SaveUser(AdminScope(), d5)
	})
	if got := f.mine(t, d5); len(got) != 0 {
		t.Errorf("C005 sees %v", got)
	}
	_, err := f.s.Announcement(f.scope(d5), a.ID)
	wantNotFound(t, err)
	if _, err := f.s.Announcement(f.scope(f.d1a), a.ID); err != nil {
		t.Errorf("addressed dealer: %v", err)
	}
	if _, err := f.s.Announcement(AdminScope(), a.ID); err != nil {
		t.Errorf("admin: %v", err)
	}
	// Staff see it only when the whole audience lies within their scope: not
	// SOUTH (NORTH is named), not NORTH either (VIP spans C004 in GZ).
	for _, u := range []*model.User{f.southViewer, f.northLead} {
		_, err := f.s.Announcement(f.scope(u), a.ID)
		wantNotFound(t, err)
	}
	// Editing a published one is refused; unaudit first.
	a2 := *a
	a2.Title = "改"
	err = f.s.Update("x", func(tx *Tx) error { return tx.SaveAnnouncement(AdminScope(), &a2) })
	var se *model.StateError
	if !errors.As(err, &se) {
		t.Errorf("edit published: %v", err)
	}
	// Expiry: valid until the moment, then gone without any status change.
	f.s.SetClock(func() time.Time { return testNow.Add(24 * time.Hour) })
	if got := f.mine(t, f.d1a); len(got) != 0 {
		t.Errorf("expired still listed: %v", got)
	}
	_, err = f.s.Announcement(f.scope(f.d1a), a.ID)
	wantNotFound(t, err)
	f.s.SetClock(func() time.Time { return testNow })
	f.act(t, a, "invalidate")
	if got := f.mine(t, f.d1a); len(got) != 0 {
		t.Errorf("invalidated still listed: %v", got)
	}
	f.act(t, a, "unaudit")
	if a.Status != model.StatusDraft {
		t.Fatal(a.Status)
	}
	// Stale version refused.
	err = f.s.Update("x", func(tx *Tx) error {
		_, err := tx.ActOnAnnouncement(AdminScope(), a.ID, a.Version-1, "audit", f.admin)
		return err
	})
	wantConflict(t, err)
	// Dealers cannot save or act.
	err = f.s.Update("x", func(tx *Tx) error {
		_, err := tx.ActOnAnnouncement(f.scope(f.d1a), a.ID, a.Version, "audit", f.d1a)
		return err
	})
	wantNotFound(t, err)
}

func keys(m map[uint64]bool) []uint64 {
	var out []uint64
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestAnnouncementScheduledPublication: audited before its effective time,
// the publication event waits and goes out once it takes effect; unaudit in
// between cancels it.
func TestAnnouncementScheduledPublication(t *testing.T) {
	f := newFixture(t)
	later := testNow.Add(2 * time.Hour)
	a := f.announce(t, "新品预告", model.Audience{Customers: []uint64{f.c1.ID}}, later, time.Time{})
	b := f.announce(t, "撤回的", model.Audience{Customers: []uint64{f.c1.ID}}, later, time.Time{})
	f.act(t, a, "audit")
	f.act(t, b, "audit")
	f.act(t, b, "unaudit")
	if len(f.outboxFor(t, a.ID)) != 0 || len(f.mine(t, f.d1a)) != 0 {
		t.Fatal("published before its time")
	}
	update(t, f.s, func(tx *Tx) error {
		n, err := tx.PublishDueAnnouncements()
		if n != 0 {
			t.Errorf("published %d early", n)
		}
		return err
	})
	f.s.SetClock(func() time.Time { return later })
	update(t, f.s, func(tx *Tx) error {
		n, err := tx.PublishDueAnnouncements()
		if n != 1 {
			t.Errorf("published %d", n)
		}
		return err
	})
	if got := f.outboxFor(t, a.ID); !sameIDs(keys(got), ids(f.c1)) {
		t.Errorf("outbox %v", keys(got))
	}
	if len(f.outboxFor(t, b.ID)) != 0 {
		t.Error("withdrawn announcement published")
	}
	if got := f.mine(t, f.d1a); !sameIDs(got, []uint64{a.ID}) {
		t.Errorf("mine %v", got)
	}
}

// TestAnnouncementListsAndReads: staff filters, dealer reads, attachments.
func TestAnnouncementListsAndReads(t *testing.T) {
	f := newFixture(t)
	all := f.announce(t, "全体通知", model.Audience{All: true}, testNow.Add(-time.Hour), time.Time{})
	one := f.announce(t, "C003 专属", model.Audience{Customers: []uint64{f.c3.ID}}, testNow.Add(-2*time.Hour), time.Time{})
	draft := f.announce(t, "草稿", model.Audience{All: true}, testNow, time.Time{})
	f.act(t, all, "audit")
	f.act(t, one, "audit")
	list := func(fl AnnouncementFilter) []uint64 {
		var out []uint64
		view(t, f.s, func(tx *Tx) error {
			rows, _, err := tx.ListAnnouncements(AdminScope(), fl, Page{Desc: true})
			for _, a := range rows {
				out = append(out, a.ID)
			}
			return err
		})
		return out
	}
	if got := list(AnnouncementFilter{}); len(got) != 3 || got[0] != draft.ID {
		t.Errorf("all, newest effective first: %v", got)
	}
	if got := list(AnnouncementFilter{State: model.StatusDraft}); !sameIDs(got, []uint64{draft.ID}) {
		t.Errorf("drafts %v", got)
	}
	if got := list(AnnouncementFilter{CustomerID: f.c1.ID}); !sameIDs(got, []uint64{all.ID, draft.ID}) {
		t.Errorf("for C001 %v", got)
	}
	if got := list(AnnouncementFilter{Q: "c003"}); !sameIDs(got, []uint64{one.ID}) {
		t.Errorf("q %v", got)
	}
	if got := list(AnnouncementFilter{Q: "an-2026-000003"}); !sameIDs(got, []uint64{draft.ID}) {
		t.Errorf("q number %v", got)
	}
	// Dealers have no staff list.
	err := f.s.View(func(tx *Tx) error {
		_, _, err := tx.ListAnnouncements(f.scope(f.d1a), AnnouncementFilter{}, Page{})
		return err
	})
	wantNotFound(t, err)

	// Read marks are per user.
	view(t, f.s, func(tx *Tx) error {
		if n := tx.UnreadAnnouncements(f.scope(f.d1a), f.d1a.ID); n != 1 {
			t.Errorf("unread %d", n)
		}
		return nil
	})
	update(t, f.s, func(tx *Tx) error { return tx.MarkAnnouncementRead(f.d1a.ID, all.ID) })
	view(t, f.s, func(tx *Tx) error {
		if n := tx.UnreadAnnouncements(f.scope(f.d1a), f.d1a.ID); n != 0 {
			t.Errorf("unread after reading %d", n)
		}
		if n := tx.UnreadAnnouncements(f.scope(f.d1b), f.d1b.ID); n != 1 {
			t.Errorf("another user's unread %d", n)
		}
		if tx.AnnouncementReadAt(f.d1a.ID, all.ID).IsZero() {
			t.Error("no read time")
		}
		return nil
	})

	// Attachments follow the announcement's visibility.
	var att uint64
	update(t, f.s, func(tx *Tx) error {
		a := &model.Attachment{OwnerType: OwnerAnnouncement, OwnerID: one.ID, Name: "a.txt", ContentType: "text/plain"}
		err := tx.AddAttachment(a, []byte("hi"))
		att = a.ID
		return err
	})
	view(t, f.s, func(tx *Tx) error {
		var d3 = Scope{customerID: f.c3.ID}
		if _, _, err := tx.Attachment(d3, att); err != nil {
			t.Errorf("addressed dealer: %v", err)
		}
		_, _, err := tx.Attachment(f.scope(f.d1a), att)
		wantNotFound(t, err)
		if _, _, err := tx.Attachment(tx.ScopeFor(f.northLead), att); err != nil {
			t.Errorf("staff covering C003: %v", err)
		}
		_, _, err = tx.Attachment(tx.ScopeFor(f.southViewer), att)
		wantNotFound(t, err)
		return nil
	})
	f.act(t, one, "invalidate")
	view(t, f.s, func(tx *Tx) error {
		_, _, err := tx.Attachment(Scope{customerID: f.c3.ID}, att)
		wantNotFound(t, err)
		return nil
	})
	// Only drafts can be deleted; deleting takes the attachments along.
	f.act(t, one, "unaudit")
	update(t, f.s, func(tx *Tx) error { return tx.DeleteAnnouncement(AdminScope(), one.ID, one.Version) })
	view(t, f.s, func(tx *Tx) error {
		_, _, err := tx.Attachment(AdminScope(), att)
		wantNotFound(t, err)
		return nil
	})
	err = f.s.Update("x", func(tx *Tx) error { return tx.DeleteAnnouncement(AdminScope(), all.ID, all.Version) })
	var se *model.StateError
	if !errors.As(err, &se) {
		t.Errorf("delete published: %v", err)
	}
}

// TestAnnouncementAudienceChecks: chosen customers must be in the editor's
// scope and exist; groups and org units must exist.
func TestAnnouncementAudienceChecks(t *testing.T) {
	f := newFixture(t)
	save := func(sc Scope, aud model.Audience) error {
		a := &model.Announcement{Title: "t", Body: "b", Audience: aud, EffectiveFrom: testNow}
		return f.s.Update("x", func(tx *Tx) error { return tx.SaveAnnouncement(sc, a) })
	}
	wantField(t, save(f.scope(f.northLead), model.Audience{Customers: []uint64{f.c4.ID}}), "audience_customers", "err.audience_out_of_scope")
	if err := save(f.scope(f.northLead), model.Audience{Customers: []uint64{f.c1.ID}}); err != nil {
		t.Error(err)
	}
	wantField(t, save(AdminScope(), model.Audience{Groups: []uint64{999}}), "audience_groups", "err.choice")
	wantField(t, save(AdminScope(), model.Audience{OrgUnits: []uint64{999}}), "audience_orgs", "err.choice")
	wantNotFound(t, save(f.scope(f.d1a), model.Audience{All: true}))
}

// TestAnnouncementStaffScope: regional staff see, list, change and publish
// only announcements whose audience lies within their scope, and may
// address only targets within it.
func TestAnnouncementStaffScope(t *testing.T) {
	f := newFixture(t)
	north, south := f.scope(f.northLead), f.scope(f.southViewer)
	forC4 := f.announce(t, "华南专属", model.Audience{Customers: []uint64{f.c4.ID}}, testNow.Add(-time.Hour), time.Time{})
	forNorth := f.announce(t, "华北", model.Audience{OrgUnits: []uint64{f.north}}, testNow.Add(-time.Hour), time.Time{})
	forAll := f.announce(t, "全体", model.Audience{All: true}, testNow.Add(-time.Hour), time.Time{})
	list := func(sc Scope) (out []uint64) {
		view(t, f.s, func(tx *Tx) error {
			rows, total, err := tx.ListAnnouncements(sc, AnnouncementFilter{}, Page{})
			if total != len(rows) {
				t.Errorf("total %d, rows %d", total, len(rows))
			}
			for _, a := range rows {
				out = append(out, a.ID)
			}
			return err
		})
		return
	}
	if got := list(north); !sameIDs(got, []uint64{forNorth.ID}) {
		t.Errorf("north lists %v", got)
	}
	if got := list(south); !sameIDs(got, []uint64{forC4.ID}) {
		t.Errorf("south lists %v", got)
	}
	if got := list(AdminScope()); len(got) != 3 {
		t.Errorf("admin lists %v", got)
	}
	_, err := f.s.Announcement(north, forC4.ID)
	wantNotFound(t, err)
	_, err = f.s.Announcement(north, forAll.ID)
	wantNotFound(t, err)
	// Acting on one outside the scope: not found, nothing changes.
	for _, action := range []string{"audit", "unaudit", "invalidate"} {
		err := f.s.Update("x", func(tx *Tx) error {
			_, err := tx.ActOnAnnouncement(north, forC4.ID, forC4.Version, action, f.northLead)
			return err
		})
		wantNotFound(t, err)
	}
	wantNotFound(t, f.s.Update("x", func(tx *Tx) error { return tx.DeleteAnnouncement(north, forC4.ID, forC4.Version) }))
	edit := *forC4
	edit.Audience = model.Audience{Customers: []uint64{f.c1.ID}}
	wantNotFound(t, f.s.Update("x", func(tx *Tx) error { return tx.SaveAnnouncement(north, &edit) }))
	if got, _ := f.s.Announcement(AdminScope(), forC4.ID); got.Status != model.StatusDraft || got.Audience.Customers[0] != f.c4.ID {
		t.Errorf("changed: %+v", got)
	}
	// Addressing targets outside the scope: a field error at the audience.
	save := func(aud model.Audience) error {
		a := &model.Announcement{Title: "t", Body: "b", Audience: aud, EffectiveFrom: testNow}
		return f.s.Update("x", func(tx *Tx) error { return tx.SaveAnnouncement(north, a) })
	}
	wantField(t, save(model.Audience{All: true}), "audience", "err.audience_out_of_scope")
	wantField(t, save(model.Audience{OrgUnits: []uint64{f.south}}), "audience_orgs", "err.audience_out_of_scope")
	wantField(t, save(model.Audience{Groups: []uint64{f.vip}}), "audience_groups", "err.audience_out_of_scope")
	if err := save(model.Audience{OrgUnits: []uint64{f.bj}, Customers: []uint64{f.c3.ID}}); err != nil {
		t.Errorf("within the scope: %v", err)
	}
}
