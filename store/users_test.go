package store

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"dealerportal/model"
)

func usernames(us []*model.User) []string {
	out := make([]string, 0, len(us))
	for _, u := range us {
		out = append(out, u.Username)
	}
	return out
}

func TestSaveUserUniqueUsername(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		u    *model.User
	}{
		{"same staff name", &model.User{Username: "admin", Name: "x", Kind: model.KindStaff, Roles: []model.Role{model.RoleViewer}, OrgUnitID: f.hq, ScopeMode: model.ScopeOwn}},
		{"other case and spaces", &model.User{Username: " ADMIN ", Name: "x", Kind: model.KindStaff, Roles: []model.Role{model.RoleViewer}, OrgUnitID: f.hq, ScopeMode: model.ScopeOwn}},
		{"dealer taking a staff name", &model.User{Username: "north.lead", Name: "x", Kind: model.KindDealer, Roles: []model.Role{model.RoleBuyer}, CustomerID: f.c2.ID}},
		{"dealer taking a dealer name", &model.User{Username: "C001.Buyer", Name: "x", Kind: model.KindDealer, Roles: []model.Role{model.RoleBuyer}, CustomerID: f.c2.ID}},
	}
	for _, tt := range tests {
		err := f.s.Update("x", func(tx *Tx) error { return tx.SaveUser(AdminScope(), tt.u) })
		if err == nil {
			t.Errorf("%s: saved", tt.name)
			continue
		}
		wantField(t, err, "username", "sec.username_unavailable")
	}
	// Renaming an existing user onto a taken name is refused too, and
	// renaming frees the old name.
	u := *f.bjOwn
	u.Username = "Admin"
	wantField(t, f.s.Update("x", func(tx *Tx) error { return tx.SaveUser(AdminScope(), &u) }), "username", "sec.username_unavailable")
	u = *f.bjOwn
	u.Username = "bj.sales2"
	update(t, f.s, func(tx *Tx) error { return tx.SaveUser(AdminScope(), &u) })
	view(t, f.s, func(tx *Tx) error {
		if got, err := tx.UserByUsername(" BJ.Sales2 "); err != nil || got.ID != f.bjOwn.ID {
			t.Errorf("new name = %v, %v", got, err)
		}
		_, err := tx.UserByUsername("bj.sales")
		wantNotFound(t, err)
		return nil
	})
	newcomer := &model.User{Username: "bj.sales", Name: "new", Kind: model.KindStaff, Roles: []model.Role{model.RoleViewer}, OrgUnitID: f.bj, ScopeMode: model.ScopeOwn}
	update(t, f.s, func(tx *Tx) error { return tx.SaveUser(AdminScope(), newcomer) })
}

func TestSaveUserRules(t *testing.T) {
	f := newFixture(t)
	staff := func() *model.User {
		return &model.User{Username: "new.staff", Name: "New", Kind: model.KindStaff, Roles: []model.Role{model.RoleSales},
			OrgUnitID: f.bj, ScopeMode: model.ScopeOrg, ScopeOrgs: []uint64{f.bj}, PasswordHash: "x"}
	}
	dealer := func(customer uint64) *model.User {
		return &model.User{Username: "new.dealer", Name: "New", Kind: model.KindDealer, Roles: []model.Role{model.RoleBuyer},
			CustomerID: customer, PasswordHash: "x"}
	}
	tests := []struct {
		name  string
		sc    Scope
		u     *model.User
		check func(t *testing.T, err error)
	}{
		{"admin creates staff", AdminScope(), staff(), nil},
		{"sales cannot create staff", f.scope(f.northLead), staff(), func(t *testing.T, err error) { wantNotFound(t, err) }},
		{"disabled admin cannot create staff", f.scope(f.disabled), staff(), func(t *testing.T, err error) { wantNotFound(t, err) }},
		{"staff in unknown org", AdminScope(), func() *model.User { u := staff(); u.OrgUnitID = 999; return u }(),
			func(t *testing.T, err error) { wantField(t, err, "org_unit_id", "err.choice") }},
		{"staff scoped to unknown org", AdminScope(), func() *model.User { u := staff(); u.ScopeOrgs = []uint64{f.bj, 999}; return u }(),
			func(t *testing.T, err error) { wantField(t, err, "scope_orgs", "err.choice") }},
		{"invalid user", AdminScope(), func() *model.User { u := staff(); u.Roles = []model.Role{model.RoleBuyer}; return u }(),
			func(t *testing.T, err error) { wantField(t, err, "roles", "err.role_invalid") }},
		{"north lead creates dealer of C002", f.scope(f.northLead), dealer(f.c2.ID), nil},
		{"north lead creates dealer of C004", f.scope(f.northLead), dealer(f.c4.ID), func(t *testing.T, err error) { wantNotFound(t, err) }},
		{"dealer manager creates for own customer", f.scope(f.d1a), dealer(f.c1.ID), nil},
		{"dealer manager creates for other customer", f.scope(f.d1a), dealer(f.c2.ID), func(t *testing.T, err error) { wantNotFound(t, err) }},
		{"dealer of missing customer", AdminScope(), dealer(999), func(t *testing.T, err error) { wantNotFound(t, err) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.s.Update("x", func(tx *Tx) error {
				if err := tx.SaveUser(tt.sc, tt.u); err != nil {
					return err
				}
				return errRollback // keep the username free for the next case
			})
			if tt.check == nil {
				if !errors.Is(err, errRollback) {
					t.Fatalf("err = %v", err)
				}
				if tt.u.ID == 0 || tt.u.Version != 1 || tt.u.AuthEpoch != 1 {
					t.Errorf("new user = %+v", tt.u)
				}
				return
			}
			tt.check(t, err)
		})
	}
}

func TestSaveUserUpdate(t *testing.T) {
	f := newFixture(t)
	// A form carries no password hash and a stale epoch: both are kept.
	u := *f.northLead
	u.PasswordHash, u.AuthEpoch, u.Name = "", 0, "North Lead"
	update(t, f.s, func(tx *Tx) error { return tx.SaveUser(AdminScope(), &u) })
	var got *model.User
	view(t, f.s, func(tx *Tx) error { got, _ = tx.UserByID(u.ID); return nil })
	if got.PasswordHash != f.northLead.PasswordHash || got.AuthEpoch != 1 || got.Name != "North Lead" || got.Version != 2 {
		t.Errorf("after update: %+v", got)
	}
	if !CheckPassword(got.PasswordHash, testPassword) {
		t.Errorf("password lost")
	}

	// Stale version.
	stale := *f.northLead // version 1
	stale.Name = "stale"
	wantConflict(t, f.s.Update("x", func(tx *Tx) error { return tx.SaveUser(AdminScope(), &stale) }))

	// Kind and customer cannot change.
	asDealer := *got
	asDealer.Kind, asDealer.CustomerID, asDealer.Roles = model.KindDealer, f.c1.ID, []model.Role{model.RoleBuyer}
	if err := f.s.Update("x", func(tx *Tx) error { return tx.SaveUser(AdminScope(), &asDealer) }); err == nil {
		t.Errorf("staff turned into a dealer user")
	}
	moved := *f.d1b
	moved.CustomerID = f.c2.ID
	if err := f.s.Update("x", func(tx *Tx) error { return tx.SaveUser(AdminScope(), &moved) }); !errors.Is(err, model.ErrNotAllowed) {
		t.Errorf("moving a dealer user to another customer: %v", err)
	}
	// A dealer cannot edit staff, nor another customer's users.
	staffEdit := *got
	wantNotFound(t, f.s.Update("x", func(tx *Tx) error { return tx.SaveUser(f.scope(f.d1a), &staffEdit) }))
	otherDealer := *f.d4
	otherDealer.Name = "hacked"
	wantNotFound(t, f.s.Update("x", func(tx *Tx) error { return tx.SaveUser(f.scope(f.d1a), &otherDealer) }))
	view(t, f.s, func(tx *Tx) error {
		d4, _ := tx.UserByID(f.d4.ID)
		if d4.Name == "hacked" {
			t.Errorf("out-of-scope user changed")
		}
		return nil
	})
}

func TestUserScope(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		sc   Scope
		id   uint64
		ok   bool
	}{
		{"admin sees staff", AdminScope(), f.bjOwn.ID, true},
		{"sales sees staff", f.scope(f.northLead), f.bjOwn.ID, true},
		{"dealer does not see staff", f.scope(f.d1a), f.admin.ID, false},
		{"dealer sees own colleague", f.scope(f.d1a), f.d1b.ID, true},
		{"dealer does not see other customer's user", f.scope(f.d1a), f.d4.ID, false},
		{"north lead sees C001 user", f.scope(f.northLead), f.d1a.ID, true},
		{"north lead does not see C004 user", f.scope(f.northLead), f.d4.ID, false},
		{"south viewer sees C004 user", f.scope(f.southViewer), f.d4.ID, true},
		{"zero scope", Scope{}, f.d1a.ID, false},
		{"missing", AdminScope(), 999, false},
	}
	for _, tt := range tests {
		var u *model.User
		var err error
		_ = f.s.View(func(tx *Tx) error { u, err = tx.User(tt.sc, tt.id); return nil })
		if tt.ok && (err != nil || u.ID != tt.id) {
			t.Errorf("%s: %v, %v", tt.name, u, err)
		}
		if !tt.ok && (!errors.Is(err, model.ErrNotFound) || u != nil) {
			t.Errorf("%s: %v, %v; want ErrNotFound", tt.name, u, err)
		}
	}
}

func TestListStaff(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		filter UserFilter
		page   Page
		want   []string
		total  int
	}{
		{"all, by id", UserFilter{}, Page{}, []string{"admin", "north.lead", "bj.sales", "south.viewer", "multi", "gone"}, 6},
		{"role sales", UserFilter{Role: model.RoleSales}, Page{}, []string{"north.lead", "bj.sales"}, 2},
		{"role admin", UserFilter{Role: model.RoleAdmin}, Page{}, []string{"admin", "gone"}, 2},
		{"dealer role matches no staff", UserFilter{Role: model.RoleBuyer}, Page{}, nil, 0},
		{"search", UserFilter{Q: "SOUTH"}, Page{}, []string{"south.viewer"}, 1},
		{"search none", UserFilter{Q: "c001"}, Page{}, nil, 0},
		{"page", UserFilter{}, Page{Offset: 1, Limit: 2}, []string{"north.lead", "bj.sales"}, 6},
		{"last page", UserFilter{}, Page{Offset: 5, Limit: 2}, []string{"gone"}, 6},
		{"beyond", UserFilter{}, Page{Offset: 6, Limit: 2}, nil, 6},
		{"count only", UserFilter{}, Page{Limit: -1}, nil, 6},
	}
	for _, tt := range tests {
		var got []*model.User
		var total int
		view(t, f.s, func(tx *Tx) error {
			var err error
			got, total, err = tx.ListStaff(tt.filter, tt.page)
			return err
		})
		if fmt.Sprint(usernames(got)) != fmt.Sprint(tt.want) && !(len(got) == 0 && len(tt.want) == 0) || total != tt.total {
			t.Errorf("%s: %v (%d), want %v (%d)", tt.name, usernames(got), total, tt.want, tt.total)
		}
	}
}

func TestListCustomerUsers(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name     string
		sc       Scope
		customer uint64
		filter   UserFilter
		page     Page
		want     []string
		total    int
		notFound bool
	}{
		{"admin", AdminScope(), f.c1.ID, UserFilter{}, Page{}, []string{"c001.boss", "c001.buyer"}, 2, false},
		{"north lead", f.scope(f.northLead), f.c1.ID, UserFilter{}, Page{}, []string{"c001.boss", "c001.buyer"}, 2, false},
		{"own dealer", f.scope(f.d1b), f.c1.ID, UserFilter{}, Page{}, []string{"c001.boss", "c001.buyer"}, 2, false},
		{"role filter", AdminScope(), f.c1.ID, UserFilter{Role: model.RoleManager}, Page{}, []string{"c001.boss"}, 1, false},
		{"search", AdminScope(), f.c1.ID, UserFilter{Q: "BUYER"}, Page{}, []string{"c001.buyer"}, 1, false},
		{"paged", AdminScope(), f.c1.ID, UserFilter{}, Page{Offset: 1, Limit: 1}, []string{"c001.buyer"}, 2, false},
		{"count only", AdminScope(), f.c1.ID, UserFilter{}, Page{Limit: -1}, nil, 2, false},
		{"customer without users", AdminScope(), f.c2.ID, UserFilter{}, Page{}, nil, 0, false},
		{"south viewer on C001", f.scope(f.southViewer), f.c1.ID, UserFilter{}, Page{}, nil, 0, true},
		{"other dealer on C001", f.scope(f.d4), f.c1.ID, UserFilter{}, Page{}, nil, 0, true},
		{"own-customers on C002", f.scope(f.bjOwn), f.c2.ID, UserFilter{}, Page{}, nil, 0, true},
		{"missing customer", AdminScope(), 999, UserFilter{}, Page{}, nil, 0, true},
	}
	for _, tt := range tests {
		var got []*model.User
		var total int
		var err error
		_ = f.s.View(func(tx *Tx) error {
			got, total, err = tx.ListCustomerUsers(tt.sc, tt.customer, tt.filter, tt.page)
			return nil
		})
		if tt.notFound {
			if !errors.Is(err, model.ErrNotFound) || len(got) != 0 {
				t.Errorf("%s: %v, %v; want ErrNotFound", tt.name, usernames(got), err)
			}
			continue
		}
		if err != nil || fmt.Sprint(usernames(got)) != fmt.Sprint(tt.want) && len(tt.want) > 0 || len(got) != len(tt.want) || total != tt.total {
			t.Errorf("%s: %v (%d) %v, want %v (%d)", tt.name, usernames(got), total, err, tt.want, tt.total)
		}
	}
}

func newSession(id string, userID uint64, expires time.Time) *Session {
	return &Session{ID: id, UserID: userID, Epoch: 1, CSRF: "tok-" + id, CreatedAt: testNow, LastSeen: testNow, ExpiresAt: expires}
}

func sessionExists(t *testing.T, s *Store, id string) bool {
	t.Helper()
	var ok bool
	view(t, s, func(tx *Tx) error {
		_, err := tx.Session(id)
		ok = err == nil
		return nil
	})
	return ok
}

func TestSetPassword(t *testing.T) {
	f := newFixture(t)
	exp := testNow.Add(24 * time.Hour)
	update(t, f.s, func(tx *Tx) error {
		for _, se := range []*Session{newSession("a1", f.d1a.ID, exp), newSession("a2", f.d1a.ID, exp), newSession("b1", f.d1b.ID, exp)} {
			if err := tx.SaveSession(se); err != nil {
				return err
			}
		}
		return nil
	})
	hash, _ := HashPassword("n3w-password")
	var u *model.User
	update(t, f.s, func(tx *Tx) (err error) {
		u, err = tx.SetPassword(tx.ScopeFor(f.northLead), f.d1a.ID, hash)
		return err
	})
	if u.AuthEpoch != f.d1a.AuthEpoch+1 || u.Version != f.d1a.Version+1 || u.UpdatedBy != "tester" {
		t.Errorf("after SetPassword: epoch %d version %d by %s", u.AuthEpoch, u.Version, u.UpdatedBy)
	}
	var stored *model.User
	view(t, f.s, func(tx *Tx) error { stored, _ = tx.UserByID(f.d1a.ID); return nil })
	if !CheckPassword(stored.PasswordHash, "n3w-password") || CheckPassword(stored.PasswordHash, testPassword) {
		t.Errorf("stored hash not replaced")
	}
	if stored.AuthEpoch != u.AuthEpoch {
		t.Errorf("stored epoch %d", stored.AuthEpoch)
	}
	if sessionExists(t, f.s, "a1") || sessionExists(t, f.s, "a2") {
		t.Errorf("the user's sessions survived a password change")
	}
	if !sessionExists(t, f.s, "b1") {
		t.Errorf("another user's session was ended")
	}
	view(t, f.s, func(tx *Tx) error {
		if n := tx.UserSessionCount(f.d1a.ID); n != 0 {
			t.Errorf("UserSessionCount = %d", n)
		}
		if n := tx.b(bSessionsByUser).Stats().KeyN; n != 1 {
			t.Errorf("session index has %d entries, want 1", n)
		}
		return nil
	})
	// Out of scope: not found, nothing changed.
	err := f.s.Update("x", func(tx *Tx) error { _, err := tx.SetPassword(tx.ScopeFor(f.southViewer), f.d1b.ID, hash); return err })
	wantNotFound(t, err)
	if !sessionExists(t, f.s, "b1") {
		t.Errorf("refused SetPassword ended a session")
	}
	err = f.s.Update("x", func(tx *Tx) error { _, err := tx.SetPassword(f.scope(f.d1a), f.admin.ID, hash); return err })
	wantNotFound(t, err)
	// A stale form after SetPassword conflicts instead of reverting it.
	old := *f.d1a
	old.Name = "stale"
	wantConflict(t, f.s.Update("x", func(tx *Tx) error { return tx.SaveUser(AdminScope(), &old) }))
}

func TestDisableUserEndsSessions(t *testing.T) {
	f := newFixture(t)
	exp := testNow.Add(time.Hour)
	update(t, f.s, func(tx *Tx) error {
		_ = tx.SaveSession(newSession("s1", f.northLead.ID, exp))
		_ = tx.SaveSession(newSession("s2", f.northLead.ID, exp))
		return tx.SaveSession(newSession("s3", f.bjOwn.ID, exp))
	})
	u := *f.northLead
	u.Disabled = true
	update(t, f.s, func(tx *Tx) error { return tx.SaveUser(AdminScope(), &u) })
	if u.AuthEpoch != 2 {
		t.Errorf("epoch = %d, want 2", u.AuthEpoch)
	}
	if sessionExists(t, f.s, "s1") || sessionExists(t, f.s, "s2") || !sessionExists(t, f.s, "s3") {
		t.Errorf("sessions after disabling: s1 %v s2 %v s3 %v", sessionExists(t, f.s, "s1"), sessionExists(t, f.s, "s2"), sessionExists(t, f.s, "s3"))
	}
	// Saving the still-disabled user again does not advance the epoch.
	u.Name = "still off"
	update(t, f.s, func(tx *Tx) error { return tx.SaveUser(AdminScope(), &u) })
	if u.AuthEpoch != 2 {
		t.Errorf("epoch = %d after a second save", u.AuthEpoch)
	}
	view(t, f.s, func(tx *Tx) error {
		if tx.CanLogin(&u) {
			t.Errorf("disabled user can log in")
		}
		return nil
	})
	// Re-enabled, the user may log in again (with a new session).
	u.Disabled = false
	update(t, f.s, func(tx *Tx) error { return tx.SaveUser(AdminScope(), &u) })
	view(t, f.s, func(tx *Tx) error {
		if !tx.CanLogin(&u) {
			t.Errorf("re-enabled user cannot log in")
		}
		return nil
	})
}

func TestCanLogin(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		u    *model.User
		want bool
	}{
		{"active staff", f.northLead, true},
		{"disabled staff", f.disabled, false},
		{"dealer of active customer", f.d1a, true},
		{"dealer of inactive customer", f.d4, false},
		{"disabled dealer", func() *model.User { u := *f.d1b; u.Disabled = true; return &u }(), false},
		{"dealer of missing customer", &model.User{Kind: model.KindDealer, CustomerID: 999}, false},
		{"no kind", &model.User{CustomerID: f.c1.ID}, false},
	}
	for _, tt := range tests {
		view(t, f.s, func(tx *Tx) error {
			if got := tx.CanLogin(tt.u); got != tt.want {
				t.Errorf("%s: CanLogin = %v", tt.name, got)
			}
			return nil
		})
	}
	// Deactivating the customer locks its users out.
	c := *f.c1
	c.Status = model.CustomerInactive
	update(t, f.s, func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), &c) })
	view(t, f.s, func(tx *Tx) error {
		if tx.CanLogin(f.d1a) {
			t.Errorf("user of a deactivated customer can log in")
		}
		return nil
	})
}

func TestSetUserPrefs(t *testing.T) {
	f := newFixture(t)
	var u *model.User
	update(t, f.s, func(tx *Tx) (err error) {
		u, err = tx.SetUserPrefs(f.d1a.ID, func(u *model.User) error { u.Lang = "en"; return nil })
		return err
	})
	if u.Lang != "en" || u.Version != f.d1a.Version+1 {
		t.Errorf("prefs = %+v", u)
	}
	err := f.s.Update("x", func(tx *Tx) error {
		_, err := tx.SetUserPrefs(f.d1a.ID, func(u *model.User) error { return model.Invalid("email", "err.email") })
		return err
	})
	wantField(t, err, "email", "err.email")
	err = f.s.Update("x", func(tx *Tx) error {
		_, err := tx.SetUserPrefs(999, func(u *model.User) error { return nil })
		return err
	})
	wantNotFound(t, err)
}

func TestSessions(t *testing.T) {
	f := newFixture(t)
	s := f.s
	update(t, s, func(tx *Tx) error {
		_ = tx.SaveSession(newSession("live", f.admin.ID, testNow.Add(time.Hour)))
		_ = tx.SaveSession(newSession("edge", f.admin.ID, testNow))                      // expires exactly now
		_ = tx.SaveSession(newSession("old", f.northLead.ID, testNow.Add(-time.Minute))) // expired
		return tx.SaveSession(newSession("other", f.northLead.ID, testNow.Add(2*time.Hour)))
	})
	view(t, s, func(tx *Tx) error {
		se, err := tx.Session("live")
		if err != nil || se.UserID != f.admin.ID || se.CSRF != "tok-live" || !se.ExpiresAt.Equal(testNow.Add(time.Hour)) {
			t.Errorf("Session(live) = %+v, %v", se, err)
		}
		for _, id := range []string{"edge", "old", "missing", ""} {
			_, err := tx.Session(id)
			wantNotFound(t, err)
		}
		if n := tx.UserSessionCount(f.admin.ID); n != 1 {
			t.Errorf("admin live sessions = %d", n)
		}
		return nil
	})
	// Touching a session (save again) keeps one record.
	update(t, s, func(tx *Tx) error {
		se, err := tx.Session("live")
		if err != nil {
			return err
		}
		se.LastSeen, se.ExpiresAt = testNow.Add(time.Minute), testNow.Add(3*time.Hour)
		return tx.SaveSession(se)
	})
	n, err := s.PurgeSessions()
	if err != nil || n != 2 {
		t.Fatalf("PurgeSessions = %d, %v; want 2", n, err)
	}
	view(t, s, func(tx *Tx) error {
		if k := tx.b(bSessions).Stats().KeyN; k != 2 {
			t.Errorf("sessions left %d", k)
		}
		if k := tx.b(bSessionsByUser).Stats().KeyN; k != 2 {
			t.Errorf("session index left %d", k)
		}
		return nil
	})
	if n, _ := s.PurgeSessions(); n != 0 {
		t.Errorf("second purge removed %d", n)
	}
	// Later on, "live" expires too.
	s.SetClock(func() time.Time { return testNow.Add(3 * time.Hour) })
	if sessionExists(t, s, "live") {
		t.Errorf("session alive at its expiry")
	}
	update(t, s, func(tx *Tx) error { return tx.DeleteSession("other") })
	update(t, s, func(tx *Tx) error { return tx.DeleteSession("other") }) // missing: no error
	if sessionExists(t, s, "other") {
		t.Errorf("deleted session still there")
	}
	update(t, s, func(tx *Tx) error { return tx.EndUserSessions(f.admin.ID) })
	view(t, s, func(tx *Tx) error {
		if k := tx.b(bSessions).Stats().KeyN + tx.b(bSessionsByUser).Stats().KeyN; k != 0 {
			t.Errorf("records left: %d", k)
		}
		return nil
	})
}
