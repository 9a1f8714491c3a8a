package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"dealerportal/model"
)

// TestInvitations: an invitation is issued only to an enabled user without a
// password who has an address, queues its personal e-mail, keeps only the
// token's hash, replaces the previous one, works once, and expires by the
// store's clock.
func TestInvitations(t *testing.T) {
	f := newFixture(t)
	s := f.s
	u := &model.User{Username: "c001.new", Name: "新用户", Kind: model.KindDealer, Roles: []model.Role{model.RoleBuyer},
		CustomerID: f.c1.ID, Email: "new@c001.example.com"}
	update(t, s, func(tx *Tx) error { return tx.SaveUser(AdminScope(), u) })

	// Refusals: a user with a password, out of scope, disabled, no address.
	view(t, s, func(tx *Tx) error {
		if _, err := tx.InviteUser(AdminScope(), f.d1b.ID); !errors.Is(err, ErrPasswordSet) {
			t.Errorf("user with a password: %v", err)
		}
		if _, err := tx.InviteUser(tx.ScopeFor(f.southViewer), u.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("out of scope: %v", err)
		}
		return nil
	})
	issue := func() string {
		t.Helper()
		var msg *model.OutboxMessage
		update(t, s, func(tx *Tx) error {
			inv, err := tx.InviteUser(tx.ScopeFor(f.northLead), u.ID)
			if err != nil {
				return err
			}
			if !inv.ExpiresAt.Equal(tx.Now.AddDate(0, 0, model.InvitationDays)) || inv.Email != u.Email || inv.CreatedBy != "tester" {
				t.Errorf("invitation %+v", inv)
			}
			pending, err := tx.PendingOutbox(100)
			msg = pending[len(pending)-1]
			return err
		})
		if msg.Event != model.EventUserInvited || msg.UserID != u.ID || msg.CustomerID != f.c1.ID || msg.Params["username"] != "c001.new" ||
			!strings.HasPrefix(msg.Params["link"], InvitationPath) || msg.Params["expires_at"] != "2026-03-22 18:00" {
			t.Fatalf("outbox %+v", msg)
		}
		return strings.TrimPrefix(msg.Params["link"], InvitationPath)
	}
	first := issue()
	second := issue()
	view(t, s, func(tx *Tx) error {
		// The file keeps hashes only.
		return tx.b(bInvitations).ForEach(func(k, v []byte) error {
			if strings.Contains(string(k)+string(v), second) {
				t.Error("the token is stored")
			}
			return nil
		})
	})
	open := func(token string) error {
		return s.View(func(tx *Tx) error { _, _, err := tx.OpenInvitation(token); return err })
	}
	if err := open(first); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("replaced token: %v", err)
	}
	if err := open(second); err != nil {
		t.Fatalf("live token: %v", err)
	}
	for _, bad := range []string{"", "x", strings.Repeat("a", 200)} {
		if err := open(bad); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("token %q: %v", bad, err)
		}
	}
	// Expiry by the store's clock.
	s.SetClock(func() time.Time { return testNow.AddDate(0, 0, model.InvitationDays) })
	if err := open(second); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("expired token: %v", err)
	}
	s.SetClock(func() time.Time { return testNow.AddDate(0, 0, model.InvitationDays).Add(-time.Second) })
	// A disabled user's invitation does not open.
	u.Disabled = true
	update(t, s, func(tx *Tx) error { return tx.SaveUser(AdminScope(), u) })
	if err := open(second); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("disabled user: %v", err)
	}
	update(t, s, func(tx *Tx) error {
		if _, err := tx.InviteUser(AdminScope(), u.ID); !errors.Is(err, model.ErrNotAllowed) {
			t.Errorf("invite a disabled user: %v", err)
		}
		u.Disabled = false
		return tx.SaveUser(AdminScope(), u)
	})
	// Accept: the password is set, the language kept, the token spent.
	hash, _ := HashPassword("long-enough-1")
	var got *model.User
	update(t, s, func(tx *Tx) (err error) { got, err = tx.AcceptInvitation(second, hash, "en"); return })
	if !CheckPassword(got.PasswordHash, "long-enough-1") || got.Lang != "en" || got.AuthEpoch != u.AuthEpoch+1 {
		t.Fatalf("accepted %+v", got)
	}
	if err := s.Update("tester", func(tx *Tx) error { _, err := tx.AcceptInvitation(second, hash, "en"); return err }); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("second use: %v", err)
	}
	view(t, s, func(tx *Tx) error {
		if tx.PendingInvitation(u.ID) != nil {
			t.Error("invitation kept after acceptance")
		}
		if _, err := tx.InviteUser(AdminScope(), u.ID); !errors.Is(err, ErrPasswordSet) {
			t.Errorf("invite an accepted user: %v", err)
		}
		return nil
	})
	// No address, no invitation.
	v := &model.User{Username: "c001.mute", Name: "无邮箱", Kind: model.KindDealer, Roles: []model.Role{model.RoleBuyer}, CustomerID: f.c1.ID}
	update(t, s, func(tx *Tx) error { return tx.SaveUser(AdminScope(), v) })
	view(t, s, func(tx *Tx) error {
		var ve *model.ValidationError
		if _, err := tx.InviteUser(AdminScope(), v.ID); !errors.As(err, &ve) || ve.Fields[0].Field != "email" {
			t.Errorf("no address: %v", err)
		}
		return nil
	})
	// A password reset by staff ends a pending invitation too.
	w := &model.User{Username: "c001.reset", Name: "重置", Kind: model.KindDealer, Roles: []model.Role{model.RoleBuyer}, CustomerID: f.c1.ID, Email: "r@example.com"}
	update(t, s, func(tx *Tx) error { return tx.SaveUser(AdminScope(), w) })
	s.SetClock(func() time.Time { return testNow })
	var token string
	update(t, s, func(tx *Tx) error {
		if _, err := tx.InviteUser(AdminScope(), w.ID); err != nil {
			return err
		}
		pending, err := tx.PendingOutbox(100)
		token = strings.TrimPrefix(pending[len(pending)-1].Params["link"], InvitationPath)
		return err
	})
	update(t, s, func(tx *Tx) error { _, err := tx.SetPassword(AdminScope(), w.ID, hash); return err })
	if err := open(token); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("token after a password reset: %v", err)
	}
}

// TestDeletedLocationForgetsExternalID: a location deleted in the portal
// gives its external id back, so that the ERP's next upsert makes it anew.
func TestDeletedLocationForgetsExternalID(t *testing.T) {
	f := newFixture(t)
	s := f.s
	a := &model.Location{CustomerID: f.c1.ID, Name: "A", Address: "a"}
	b := &model.Location{CustomerID: f.c1.ID, Name: "B", Address: "b"}
	update(t, s, func(tx *Tx) error {
		if err := tx.SaveLocation(AdminScope(), a); err != nil {
			return err
		}
		if err := tx.SaveLocation(AdminScope(), b); err != nil {
			return err
		}
		return tx.SetExternalID(ExtLocation, "ERP-B", b.ID)
	})
	update(t, s, func(tx *Tx) error { return tx.DeleteLocation(AdminScope(), f.c1.ID, b.ID, b.Version) })
	view(t, s, func(tx *Tx) error {
		if tx.ExternalID(ExtLocation, "ERP-B") != 0 || tx.ExternalOf(ExtLocation, b.ID) != "" {
			t.Error("external id kept")
		}
		return nil
	})
}

// TestLookupsByCode: org units and customer groups by code, in any case.
func TestLookupsByCode(t *testing.T) {
	f := newFixture(t)
	view(t, f.s, func(tx *Tx) error {
		if u, err := tx.OrgUnitByCode(" bj "); err != nil || u.ID != f.bj {
			t.Errorf("org BJ: %v %v", u, err)
		}
		if g, err := tx.CustomerGroupByCode("vip"); err != nil || g.ID != f.vip {
			t.Errorf("group VIP: %v %v", g, err)
		}
		if _, err := tx.OrgUnitByCode("NOPE"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("unknown org: %v", err)
		}
		if _, err := tx.CustomerGroupByCode(""); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("empty group code: %v", err)
		}
		return nil
	})
}
