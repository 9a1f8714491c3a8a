package model

import (
	"errors"
	"sort"
	"strings"
	"testing"
)

// fieldKeys returns field→key of a ValidationError, or nil for nil.
func fieldKeys(t *testing.T, err error) map[string]string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
	}
	out := map[string]string{}
	for _, f := range ve.Fields {
		out[f.Field] = f.Key
	}
	return out
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkFields compares the invalid fields of err with want (field→key); an
// empty want means valid.
func checkFields(t *testing.T, name string, err error, want map[string]string) {
	t.Helper()
	got := fieldKeys(t, err)
	if len(got) != len(want) {
		t.Errorf("%s: invalid fields %v (%v), want %v", name, keysOf(got), err, want)
		return
	}
	for f, k := range want {
		if got[f] != k {
			t.Errorf("%s: field %s key %q, want %q (all: %v)", name, f, got[f], k, got)
		}
	}
}

func validStaff() User {
	return User{Username: "li.lei", Name: "李雷", Kind: KindStaff, Roles: []Role{RoleSales}, OrgUnitID: 1, ScopeMode: ScopeOrg, ScopeOrgs: []uint64{2}}
}

func validDealer() User {
	return User{Username: "buyer-01", Name: "Han Meimei", Kind: KindDealer, Roles: []Role{RoleBuyer}, CustomerID: 9}
}

func TestUserValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(u *User)
		base func() User
		want map[string]string
	}{
		{"valid staff", func(u *User) {}, validStaff, nil},
		{"valid dealer", func(u *User) {}, validDealer, nil},
		{"staff own scope", func(u *User) { u.ScopeMode, u.ScopeOrgs = ScopeOwn, nil }, validStaff, nil},
		{"admin needs no scope orgs", func(u *User) { u.Roles, u.ScopeOrgs = []Role{RoleAdmin}, nil }, validStaff, nil},
		{"several roles", func(u *User) { u.Roles = []Role{RoleSales, RoleFinance, RoleService} }, validStaff, nil},
		{"dealer several roles", func(u *User) { u.Roles = []Role{RoleManager, RoleDealerFinance} }, validDealer, nil},
		{"with email and mobile", func(u *User) { u.Email, u.Mobile = "li@example.com", "+86 138-0000-0000" }, validStaff, nil},
		{"40-char username", func(u *User) { u.Username = "a" + strings.Repeat("b", 39) }, validStaff, nil},

		{"username too short", func(u *User) { u.Username = "a" }, validStaff, map[string]string{"username": "err.username"}},
		{"username too long", func(u *User) { u.Username = "a" + strings.Repeat("b", 40) }, validStaff, map[string]string{"username": "err.username"}},
		{"username starts with dot", func(u *User) { u.Username = ".abc" }, validStaff, map[string]string{"username": "err.username"}},
		{"username with space", func(u *User) { u.Username = "li lei" }, validStaff, map[string]string{"username": "err.username"}},
		{"username chinese", func(u *User) { u.Username = "李雷" }, validStaff, map[string]string{"username": "err.username"}},
		{"username with @", func(u *User) { u.Username = "li@x" }, validStaff, map[string]string{"username": "err.username"}},
		{"username empty", func(u *User) { u.Username = "" }, validStaff, map[string]string{"username": "err.username"}},
		{"name missing", func(u *User) { u.Name = "" }, validStaff, map[string]string{"name": "err.required"}},
		{"name too long", func(u *User) { u.Name = strings.Repeat("名", 61) }, validStaff, map[string]string{"name": "err.too_long"}},
		{"bad email", func(u *User) { u.Email = "not-an-email" }, validStaff, map[string]string{"email": "err.email"}},
		{"bad mobile", func(u *User) { u.Mobile = "call me" }, validStaff, map[string]string{"mobile": "err.phone"}},
		{"no roles", func(u *User) { u.Roles = nil }, validStaff, map[string]string{"roles": "err.roles_required"}},

		{"staff with dealer role", func(u *User) { u.Roles = []Role{RoleSales, RoleBuyer} }, validStaff, map[string]string{"roles": "err.role_invalid"}},
		{"dealer with staff role", func(u *User) { u.Roles = []Role{RoleAdmin} }, validDealer, map[string]string{"roles": "err.role_invalid"}},
		{"unknown role", func(u *User) { u.Roles = []Role{"superuser"} }, validStaff, map[string]string{"roles": "err.role_invalid"}},
		{"dealer without customer", func(u *User) { u.CustomerID = 0 }, validDealer, map[string]string{"customer_id": "err.required"}},
		{"staff without org", func(u *User) { u.OrgUnitID = 0 }, validStaff, map[string]string{"org_unit_id": "err.required"}},
		{"staff without scope mode", func(u *User) { u.ScopeMode = "" }, validStaff, map[string]string{"scope_mode": "err.required"}},
		{"staff unknown scope mode", func(u *User) { u.ScopeMode = "everything" }, validStaff, map[string]string{"scope_mode": "err.required"}},
		{"org scope without orgs", func(u *User) { u.ScopeOrgs = nil }, validStaff, map[string]string{"scope_orgs": "err.scope_orgs"}},
		// A user of no known kind would escape both sides' role rules.
		{"kind missing", func(u *User) { u.Kind = "" }, validStaff, map[string]string{"kind": "err.choice"}},
		{"kind unknown", func(u *User) { u.Kind = "robot" }, validDealer, map[string]string{"kind": "err.choice"}},
		{"many errors at once", func(u *User) { u.Username, u.Name, u.OrgUnitID = "!", "", 0 }, validStaff,
			map[string]string{"username": "err.username", "name": "err.required", "org_unit_id": "err.required"}},
	}
	for _, tt := range tests {
		u := tt.base()
		tt.edit(&u)
		checkFields(t, tt.name, u.Validate(), tt.want)
	}
}

func TestUserNormalize(t *testing.T) {
	u := User{Username: "  Li.Lei ", Name: " 李雷 ", Email: " a@b.cn ", Mobile: " 13800000000 "}
	u.Normalize()
	if u.Username != "li.lei" || u.Name != "李雷" || u.Email != "a@b.cn" || u.Mobile != "13800000000" {
		t.Errorf("Normalize = %+v", u)
	}
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		pw   string
		want string // key, "" for valid
	}{
		{"s3cret-pass", ""},
		{"abcdefgh", ""},
		{"密码密码密码密码", ""},
		{strings.Repeat("a", 72), ""},
		{"", "err.password_short"},
		{"short1", "err.password_short"},
		{"1234567", "err.password_short"},
		{"12345678", "err.password_digits"},
		{"1234567890123", "err.password_digits"},
		{strings.Repeat("a", 73), "err.too_long"},
	}
	for _, tt := range tests {
		err := ValidatePassword("new_password", tt.pw)
		if tt.want == "" {
			if err != nil {
				t.Errorf("ValidatePassword(%q) = %v", tt.pw, err)
			}
			continue
		}
		checkFields(t, "password "+tt.pw, err, map[string]string{"new_password": tt.want})
	}
}

func TestCan(t *testing.T) {
	staffPerms := []Perm{PermAdmin, PermManageOrg, PermManageStaff, PermViewCustomers, PermManageCustomers, PermManageDealers}
	dealerPerms := []Perm{PermViewOwnCustomer, PermManageOwnUsers, PermManageOwnLocs}
	all := append(append([]Perm{}, staffPerms...), dealerPerms...)
	grants := func(ps ...Perm) map[Perm]bool {
		m := map[Perm]bool{}
		for _, p := range ps {
			m[p] = true
		}
		return m
	}
	tests := []struct {
		name string
		u    *User
		want map[Perm]bool
	}{
		{"admin", &User{Kind: KindStaff, Roles: []Role{RoleAdmin}}, grants(staffPerms...)},
		{"sales", &User{Kind: KindStaff, Roles: []Role{RoleSales}}, grants(PermViewCustomers, PermManageCustomers, PermManageDealers)},
		{"finance", &User{Kind: KindStaff, Roles: []Role{RoleFinance}}, grants(PermViewCustomers)},
		{"service", &User{Kind: KindStaff, Roles: []Role{RoleService}}, grants(PermViewCustomers)},
		{"viewer", &User{Kind: KindStaff, Roles: []Role{RoleViewer}}, grants(PermViewCustomers)},
		{"viewer+sales", &User{Kind: KindStaff, Roles: []Role{RoleViewer, RoleSales}}, grants(PermViewCustomers, PermManageCustomers, PermManageDealers)},
		{"manager", &User{Kind: KindDealer, Roles: []Role{RoleManager}}, grants(dealerPerms...)},
		{"buyer", &User{Kind: KindDealer, Roles: []Role{RoleBuyer}}, grants(PermViewOwnCustomer)},
		{"dealer finance", &User{Kind: KindDealer, Roles: []Role{RoleDealerFinance}}, grants(PermViewOwnCustomer)},
		// Roles of the wrong side grant nothing, even if stored by mistake.
		{"dealer holding admin", &User{Kind: KindDealer, Roles: []Role{RoleAdmin, RoleSales}}, grants()},
		{"dealer holding admin and buyer", &User{Kind: KindDealer, Roles: []Role{RoleAdmin, RoleBuyer}}, grants(PermViewOwnCustomer)},
		{"staff holding manager", &User{Kind: KindStaff, Roles: []Role{RoleManager}}, grants()},
		{"staff holding viewer and manager", &User{Kind: KindStaff, Roles: []Role{RoleViewer, RoleManager}}, grants(PermViewCustomers)},
		{"disabled admin", &User{Kind: KindStaff, Roles: []Role{RoleAdmin}, Disabled: true}, grants()},
		{"disabled manager", &User{Kind: KindDealer, Roles: []Role{RoleManager}, Disabled: true}, grants()},
		{"no roles", &User{Kind: KindStaff}, grants()},
		{"unknown role", &User{Kind: KindStaff, Roles: []Role{"root"}}, grants()},
		{"nil", nil, grants()},
		{"no kind holding admin", &User{Roles: []Role{RoleAdmin, RoleManager}}, grants()},
		{"unknown kind holding admin", &User{Kind: "robot", Roles: []Role{RoleAdmin}}, grants()},
	}
	for _, tt := range tests {
		for _, p := range append(all, "no.such.perm") {
			if got := tt.u.Can(p); got != tt.want[p] {
				t.Errorf("%s: Can(%s) = %v, want %v", tt.name, p, got, tt.want[p])
			}
		}
	}
}

func TestUserHelpers(t *testing.T) {
	admin := &User{Kind: KindStaff, Roles: []Role{RoleSales, RoleAdmin}}
	if !admin.IsStaff() || !admin.IsAdmin() || !admin.HasRole(RoleSales) || admin.HasRole(RoleViewer) {
		t.Errorf("staff admin helpers wrong")
	}
	d := &User{Kind: KindDealer, Roles: []Role{RoleAdmin}}
	if d.IsStaff() || d.IsAdmin() {
		t.Errorf("a dealer holding the admin role must not be admin")
	}
	// Every listed role is known to Can's side check.
	for _, r := range DealerRoles {
		if !isDealerRole(r) {
			t.Errorf("%s not a dealer role", r)
		}
	}
	for _, r := range StaffRoles {
		if isDealerRole(r) {
			t.Errorf("%s is a dealer role", r)
		}
	}
}

func TestDealerUsernames(t *testing.T) {
	for _, tc := range []struct {
		code, old, name string
		ok              bool
	}{
		{"C1", "", "c1.wang", true},
		{"C1", "", " C1.Wang ", true},
		{"C1", "", "c1.", false},
		{"C1", "", "wang", false},
		{"C1", "wang", "wang", true},
		{"C1", "", "c2.wang", false},
	} {
		if err := CheckDealerUsername(tc.code, tc.old, tc.name); (err == nil) != tc.ok {
			t.Errorf("%s %q→%q: %v", tc.code, tc.old, tc.name, err)
		}
	}
	for _, tc := range []struct {
		code, email string
		n           int
		want        string
	}{
		{"C1", "Wang.Li@example.com", 1, "c1.wang.li"},
		{"C1", "Wang.Li@example.com", 2, "c1.wang.li2"},
		{"C1", "李雷@example.com", 1, "c1.user"},
		{"C1", "", 1, "c1.user"},
		{"C1", "-x+tag@example.com", 1, "c1.xtag"},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123", "someone.long@example.com", 12, "abcdefghijklmnopqrstuvwxyz0123.someone12"},
	} {
		got := SuggestDealerUsername(tc.code, tc.email, tc.n)
		if got != tc.want {
			t.Errorf("Suggest(%s, %s, %d) = %q, want %q", tc.code, tc.email, tc.n, got, tc.want)
		}
		u := &User{Username: got}
		if !usernameRe.MatchString(u.Username) || CheckDealerUsername(tc.code, "", got) != nil {
			t.Errorf("%q is not a valid dealer username", got)
		}
	}
}

// FuzzSuggestDealerUsername: whatever the address, the derived name is a
// valid username in the customer's namespace.
func FuzzSuggestDealerUsername(f *testing.F) {
	f.Add("C1", "Wang.Li@example.com", 1)
	f.Add("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123", "...@x", 99)
	f.Add("A.B-C_D", "李雷@例子.中国", 2)
	f.Fuzz(func(t *testing.T, code, email string, n int) {
		if !codeRe.MatchString(code) || n < 1 || n > 99 {
			return
		}
		got := SuggestDealerUsername(code, email, n)
		if !usernameRe.MatchString(got) || CheckDealerUsername(code, "", got) != nil {
			t.Fatalf("Suggest(%q, %q, %d) = %q", code, email, n, got)
		}
	})
}
