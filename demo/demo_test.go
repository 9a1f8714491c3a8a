package demo

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/kv/pgtest"

	"golang.org/x/crypto/bcrypt"
)

func init() { store.BcryptCost = bcrypt.MinCost }

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func allStaff(t *testing.T, st *store.Store) []*model.User {
	t.Helper()
	var users []*model.User
	if err := st.View(func(tx *store.Tx) error {
		var err error
		users, _, err = tx.ListStaff(store.UserFilter{}, store.Page{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return users
}

func TestFirstStartDemo(t *testing.T) {
	st := openStore(t, pgtest.DSN(t, "portal.db"))
	logins, err := FirstStart(st, Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Settings().EnterpriseName; got != EnterpriseName {
		t.Errorf("enterprise name %q", got)
	}
	if s := st.Settings(); s.CurrencyCode != "CNY" || s.CurrencySymbol != "¥" || s.TimeZone != "Asia/Shanghai" {
		t.Errorf("settings %+v", s)
	}

	tree := st.OrgTree()
	byCode := map[string]*model.OrgUnit{}
	for _, n := range tree.Flatten() {
		byCode[n.Unit.Code] = n.Unit
	}
	hq := byCode["HQ"]
	if hq == nil || hq.ParentID != 0 {
		t.Fatalf("no root HQ: %v", byCode)
	}
	var regions []uint64
	for _, code := range []string{"EAST", "SOUTH", "NORTH"} {
		r := byCode[code]
		if r == nil || r.ParentID != hq.ID {
			t.Fatalf("region %s missing or not below HQ", code)
		}
		regions = append(regions, r.ID)
		if len(tree.Subtree(r.ID)) < 2 {
			t.Errorf("region %s has no branch", code)
		}
	}
	if team := byCode["SH1"]; team == nil || team.ParentID != byCode["SH"].ID {
		t.Error("no team below the Shanghai branch")
	}
	regionOf := func(org uint64) uint64 {
		for _, r := range regions {
			if tree.IsWithin(org, r) {
				return r
			}
		}
		return 0
	}

	staff := allStaff(t, st)
	staffByName := map[string]*model.User{}
	roles, modes := map[model.Role]bool{}, map[model.ScopeMode]bool{}
	for _, u := range staff {
		staffByName[u.Username] = u
		for _, r := range u.Roles {
			roles[r] = true
		}
		modes[u.ScopeMode] = true
	}
	for _, name := range []string{"admin", "east.sales", "south.sales", "north.rep", "finance", "service", "viewer"} {
		if staffByName[name] == nil {
			t.Errorf("staff %s missing", name)
		}
	}
	if len(roles) < 5 || len(modes) < 2 {
		t.Errorf("staff roles %v, scope modes %v: want all five roles and both modes", roles, modes)
	}
	if u := staffByName["admin"]; u == nil || !u.IsAdmin() || !st.ScopeFor(u).IsAll() {
		t.Error("admin does not see everything")
	}
	if u := staffByName["east.sales"]; u == nil || u.ScopeMode != model.ScopeOrg || len(u.ScopeOrgs) != 1 || u.ScopeOrgs[0] != byCode["EAST"].ID {
		t.Errorf("east.sales scope: %+v", u)
	}
	if u := staffByName["north.rep"]; u == nil || u.ScopeMode != model.ScopeOwn {
		t.Errorf("north.rep scope: %+v", u)
	}

	customers, total, err := st.ListCustomers(store.AdminScope(), store.CustomerFilter{}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if total < 6 || len(customers) != total {
		t.Fatalf("%d customers", total)
	}
	perRegion := map[uint64]int{}
	codes := map[string]bool{}
	err = st.View(func(tx *store.Tx) error {
		for _, c := range customers {
			codes[c.Code] = true
			if err := c.Validate(); err != nil {
				t.Errorf("%s: %v", c.Code, err)
			}
			if c.ShortName == "" || c.GroupID == 0 || c.Level == "" || c.Contact == "" || c.Phone == "" || c.Email == "" ||
				c.Address == "" || len(c.TaxNumber) != 18 || c.Bank == "" || c.BankAccount == "" || c.CreditLimit <= 0 ||
				c.Status != model.CustomerActive || c.SalespersonID == 0 {
				t.Errorf("%s: incomplete profile %+v", c.Code, c)
			}
			region := regionOf(c.OrgUnitID)
			perRegion[region]++
			want := map[uint64]string{byCode["EAST"].ID: "east.sales", byCode["SOUTH"].ID: "south.sales", byCode["NORTH"].ID: "north.rep"}[region]
			if sp := staffByName[want]; sp == nil || c.SalespersonID != sp.ID {
				t.Errorf("%s: salesperson %d, want %s", c.Code, c.SalespersonID, want)
			}
			locs, err := tx.Locations(store.AdminScope(), c.ID)
			if err != nil {
				return err
			}
			primaries := 0
			for _, l := range locs {
				if l.Primary {
					primaries++
				}
			}
			if len(locs) < 2 || primaries != 1 {
				t.Errorf("%s: %d locations, %d primary", c.Code, len(locs), primaries)
			}
			users, _, err := tx.ListCustomerUsers(store.AdminScope(), c.ID, store.UserFilter{}, store.Page{})
			if err != nil {
				return err
			}
			if len(users) < 2 {
				t.Errorf("%s: %d users", c.Code, len(users))
			}
			for _, u := range users {
				if u.Kind != model.KindDealer || u.CustomerID != c.ID || !strings.HasPrefix(u.Username, strings.ToLower(c.Code)+".") {
					t.Errorf("%s: user %+v", c.Code, u)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !codes["C0001"] || !codes["C0002"] {
		t.Errorf("codes %v", codes)
	}
	if len(perRegion) < 3 || perRegion[0] > 0 {
		t.Errorf("customers per region %v", perRegion)
	}

	// north.rep sees exactly the North customers (own scope).
	north := st.ScopeFor(staffByName["north.rep"])
	_, nNorth, _ := st.ListCustomers(north, store.CustomerFilter{}, store.Page{Limit: -1})
	if nNorth != perRegion[byCode["NORTH"].ID] || nNorth == 0 {
		t.Errorf("north.rep sees %d customers, want %d", nNorth, perRegion[byCode["NORTH"].ID])
	}
	east := st.ScopeFor(staffByName["viewer"])
	_, nEast, _ := st.ListCustomers(east, store.CustomerFilter{}, store.Page{Limit: -1})
	if nEast != perRegion[byCode["EAST"].ID] {
		t.Errorf("viewer sees %d customers, want %d", nEast, perRegion[byCode["EAST"].ID])
	}

	// The logins: all staff and the three users of the first two customers,
	// with working passwords.
	if len(logins) != len(demoStaff)+6 {
		t.Errorf("%d logins: %+v", len(logins), logins)
	}
	err = st.View(func(tx *store.Tx) error {
		for _, l := range logins {
			u, err := tx.UserByUsername(l.Username)
			if err != nil {
				t.Errorf("login %s: %v", l.Username, err)
				continue
			}
			if l.Password != DemoPassword || !store.CheckPassword(u.PasswordHash, l.Password) || !tx.CanLogin(u) {
				t.Errorf("login %s: password does not work", l.Username)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"c0001.manager", "c0001.buyer", "c0001.finance", "c0002.manager"} {
		found := false
		for _, l := range logins {
			found = found || l.Username == name
		}
		if !found {
			t.Errorf("login %s not returned", name)
		}
	}
	out := FormatLogins(logins)
	if !strings.HasPrefix(out, "Demo logins") || !strings.HasSuffix(out, "\n") || !strings.Contains(out, "c0001.manager") || !strings.Contains(out, "same pattern") {
		t.Errorf("FormatLogins:\n%s", out)
	}

	// A second start adds nothing.
	again, err := FirstStart(st, Options{Demo: true})
	if err != nil || again != nil {
		t.Fatalf("second FirstStart: %v, %v", again, err)
	}
	if n := len(allStaff(t, st)); n != len(staff) {
		t.Errorf("staff %d after second start, want %d", n, len(staff))
	}
	if _, n, _ := st.ListCustomers(store.AdminScope(), store.CustomerFilter{}, store.Page{Limit: -1}); n != total {
		t.Errorf("customers %d after second start, want %d", n, total)
	}
	if n := len(st.OrgTree().Flatten()); n != len(demoOrg) {
		t.Errorf("%d org units after second start, want %d", n, len(demoOrg))
	}
}

func TestFirstStartPlain(t *testing.T) {
	st := openStore(t, pgtest.DSN(t, "portal.db"))
	logins, err := FirstStart(st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(logins) != 1 || logins[0].Username != "admin" || len(logins[0].Password) != 16 {
		t.Fatalf("logins %+v", logins)
	}
	staff := allStaff(t, st)
	if len(staff) != 1 || !staff[0].IsAdmin() || !store.CheckPassword(staff[0].PasswordHash, logins[0].Password) {
		t.Fatalf("staff %+v", staff)
	}
	if _, n, _ := st.ListCustomers(store.AdminScope(), store.CustomerFilter{}, store.Page{Limit: -1}); n != 0 {
		t.Errorf("%d customers", n)
	}
	if n := len(st.OrgTree().Flatten()); n != 1 {
		t.Errorf("%d org units", n)
	}
	if out := FormatLogins(logins); !strings.Contains(out, logins[0].Password) || !strings.HasSuffix(out, "\n") {
		t.Errorf("FormatLogins:\n%s", out)
	}
	if again, err := FirstStart(st, Options{}); err != nil || again != nil {
		t.Fatalf("second FirstStart: %v, %v", again, err)
	}
}

func TestFirstStartAdminPassword(t *testing.T) {
	st := openStore(t, pgtest.DSN(t, "portal.db"))
	if _, err := FirstStart(st, Options{AdminPassword: "1234"}); err == nil {
		t.Fatal("a weak admin password was accepted")
	}
	logins, err := FirstStart(st, Options{AdminPassword: "s3cret-pass"})
	if err != nil {
		t.Fatal(err)
	}
	if len(logins) != 1 || logins[0].Password != "" {
		t.Fatalf("logins %+v: a chosen password must not be echoed", logins)
	}
	staff := allStaff(t, st)
	if len(staff) != 1 || !store.CheckPassword(staff[0].PasswordHash, "s3cret-pass") {
		t.Fatalf("staff %+v", staff)
	}
}

func TestVolume(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "volume.db")
	if err := run([]string{"--db", path, "--customers", "200", "--locations", "3", "--users", "4", "--seed", "7"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, path)
	customers, total, err := st.ListCustomers(store.AdminScope(), store.CustomerFilter{}, store.Page{})
	if err != nil || total != 200 {
		t.Fatalf("%d customers, %v", total, err)
	}
	names := map[string]bool{}
	locs, users := 0, 0
	err = st.View(func(tx *store.Tx) error {
		for _, c := range customers {
			names[c.Name] = true
			if err := c.Validate(); err != nil || c.SalespersonID == 0 || c.GroupID == 0 || c.CreditLimit <= 0 {
				t.Errorf("%s: %v %+v", c.Code, err, c)
			}
			ls, err := tx.Locations(store.AdminScope(), c.ID)
			if err != nil {
				return err
			}
			if len(ls) != 3 || !ls[0].Primary || ls[1].Primary || ls[2].Primary {
				t.Errorf("%s: locations %+v", c.Code, ls)
			}
			locs += len(ls)
			_, n, err := tx.ListCustomerUsers(store.AdminScope(), c.ID, store.UserFilter{}, store.Page{})
			if err != nil {
				return err
			}
			users += n
		}
		u, err := tx.UserByUsername("c0200.buyer2")
		if err != nil || !store.CheckPassword(u.PasswordHash, DemoPassword) || u.Roles[0] != model.RoleBuyer {
			t.Errorf("c0200.buyer2: %+v %v", u, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if locs != 600 || users != 800 {
		t.Errorf("%d locations, %d users", locs, users)
	}
	if len(names) < 195 {
		t.Errorf("only %d distinct names of 200", len(names))
	}
	if n := len(allStaff(t, st)); n != len(demoStaff) {
		t.Errorf("%d staff", n)
	}
	// The generated customers are spread over every branch.
	seen := map[uint64]bool{}
	for _, c := range customers {
		seen[c.OrgUnitID] = true
	}
	if len(seen) != len(branchWeights) {
		t.Errorf("customers in %d units, want %d", len(seen), len(branchWeights))
	}
	st.Close()

	// A non-empty database is refused.
	err = run([]string{"--db", path, "--customers", "5"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "fresh database") {
		t.Errorf("non-empty database: %v", err)
	}
	// So is one seeded by FirstStart.
	path2 := pgtest.DSN(t, "first.db")
	st2 := openStore(t, path2)
	if _, err := FirstStart(st2, Options{}); err != nil {
		t.Fatal(err)
	}
	st2.Close()
	if err := Main([]string{"--db", path2, "--customers", "5"}); err == nil {
		t.Error("a database with an admin was accepted")
	}
}

// The same seed gives the same customers.
func TestVolumeDeterministic(t *testing.T) {
	profiles := func(name string, seed string) []string {
		path := pgtest.DSN(t, name)
		if err := run([]string{"--db", path, "--customers", "30", "--seed", seed}, io.Discard); err != nil {
			t.Fatal(err)
		}
		st := openStore(t, path)
		defer st.Close()
		cs, _, err := st.ListCustomers(store.AdminScope(), store.CustomerFilter{}, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, strings.Join([]string{c.Code, c.Name, c.TaxNumber, c.BankAccount, c.Level, c.CreditLimit.String()}, "|"))
		}
		return out
	}
	a, b, c := profiles("a.db", "3"), profiles("b.db", "3"), profiles("c.db", "4")
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Error("the same seed gave different data")
	}
	if strings.Join(a, "\n") == strings.Join(c, "\n") {
		t.Error("different seeds gave the same data")
	}
}

func TestMainFlags(t *testing.T) {
	path := pgtest.DSN(t, "x.db")
	for _, args := range [][]string{
		{"--db", path, "--customers", "0"},
		{"--db", path, "--locations", "-1"},
		{"--db", path, "--bogus", "5"},
		{"--db", path, "--products", "5", "--entries", "6"}, // more entries than products
		{"--db", path, "--products", "-1"},
		{"--db", path, "extra"},
	} {
		if err := run(args, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
