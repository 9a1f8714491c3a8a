package store

import (
	"testing"

	"dealerportal/model"
)

// A username that starts with a customer's code and a dot is available to
// that customer's users only, with the same answer as a taken name.
func TestUsernameNamespace(t *testing.T) {
	f := newFixture(t)
	staff := func(name string) *model.User {
		return &model.User{Username: name, Name: "x", Kind: model.KindStaff, Roles: []model.Role{model.RoleViewer}, OrgUnitID: f.hq, ScopeMode: model.ScopeOwn, PasswordHash: "x"}
	}
	dealer := func(name string, c *model.Customer) *model.User {
		return &model.User{Username: name, Name: "x", Kind: model.KindDealer, Roles: []model.Role{model.RoleBuyer}, CustomerID: c.ID, PasswordHash: "x"}
	}
	save := func(u *model.User) error {
		return f.s.Update("x", func(tx *Tx) error { return tx.SaveUser(AdminScope(), u) })
	}
	for _, tc := range []struct {
		name string
		u    *model.User
	}{
		{"staff in a customer's namespace", staff("c001.ops")},
		{"dealer in another customer's namespace", dealer("c001.spy", f.c2)},
		{"upper case", dealer("C001.Spy", f.c2)},
	} {
		if err := save(tc.u); err == nil {
			t.Errorf("%s: saved", tc.name)
		} else {
			wantField(t, err, "username", "sec.username_unavailable")
		}
	}
	for _, tc := range []struct {
		name string
		u    *model.User
	}{
		{"dealer in its own namespace", dealer("c001.new", f.c1)},
		{"staff outside any namespace", staff("zhang.wei")},
		{"dealer outside any namespace", dealer("alpha-buyer", f.c2)},
	} {
		if err := save(tc.u); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// Renaming into another customer's namespace is refused too.
	u := dealer("c002.mover", f.c2)
	if err := save(u); err != nil {
		t.Fatal(err)
	}
	u.Username = "c001.mover"
	if err := save(u); err == nil {
		t.Error("renamed into another namespace")
	}
}
