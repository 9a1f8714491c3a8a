// Package demo fills a database with data: on the first start of a new
// installation either a complete demo (org tree, staff of every role and data
// scope, dealers with locations and users) or only an admin user, and, as the
// `portal demo` subcommand, a fresh database with thousands of generated
// dealers for load and volume tests.
//
// It is a top-level package because demo data and the volume generator belong
// to neither model (pure domain types and rules), store (persistence, which
// must not know sample data) nor handlers (HTTP): like main, it is a client of
// the store that writes through the store's ordinary, validating methods.
package demo

import (
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"unicode/utf8"

	"dealerportal/model"
	"dealerportal/store"
)

// Options say what FirstStart seeds into a new database.
type Options struct {
	// Demo seeds the demo enterprise; otherwise only an admin user is created.
	Demo bool
	// AdminPassword is the admin's password without Demo; empty generates a
	// random one, returned in the logins so that it is printed once.
	AdminPassword string
}

// Login is one account to print after seeding. Password is empty when the
// operator chose it (Options.AdminPassword).
type Login struct {
	Username, Password, Role string
}

// actor is the name written into created-by fields and the activity log.
const actor = "system"

// counts reports how many staff users and customers the database holds.
func counts(st *store.Store) (staff, customers int, err error) {
	err = st.View(func(t *store.Tx) error {
		var err error
		if _, staff, err = t.ListStaff(store.UserFilter{}, store.Page{Limit: -1}); err != nil {
			return err
		}
		customers = t.CountCustomers(store.AdminScope())
		return nil
	})
	return
}

// FirstStart seeds a database that has no user yet and returns the logins to
// print; on a database with users it does nothing and returns nil.
//
// The org units are written in a transaction of their own, before the rest:
// the store validates the org unit of staff and customers against its cached
// org tree, which is read outside the writing transaction and so cannot see
// units created in it. Units are looked up by code first, so a start that
// failed after the org units were written can simply be repeated.
func FirstStart(st *store.Store, o Options) ([]Login, error) {
	if err := addDefaultTemplates(st); err != nil {
		return nil, fmt.Errorf("message templates: %w", err)
	}
	staff, _, err := counts(st)
	if err != nil || staff > 0 {
		return nil, err
	}
	if !o.Demo {
		return firstAdmin(st, o.AdminPassword)
	}
	hash, err := store.HashPassword(DemoPassword)
	if err != nil {
		return nil, err
	}
	w, err := seedOrg(st, demoOrg)
	if err != nil {
		return nil, err
	}
	var logins []Login
	err = st.Update(actor, func(t *store.Tx) error {
		logins = nil
		staffLogins, err := w.seedBase(t, hash)
		if err != nil {
			return err
		}
		logins = append(logins, staffLogins...)
		rng := mrand.New(mrand.NewPCG(2026, 8))
		for i, spec := range demoCustomers {
			c, locs, users := w.demoCustomer(rng, i+1, spec, hash)
			if err := w.addCustomer(t, c, locs, users); err != nil {
				return fmt.Errorf("customer %s: %w", c.Code, err)
			}
			if i < 2 {
				logins = append(logins, dealerLogins(c, users)...)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := seedAnnouncements(st, w); err != nil {
		return nil, err
	}
	if err := seedOrdering(st, w); err != nil {
		return nil, fmt.Errorf("ordering: %w", err)
	}
	if err := seedReconciliation(st, w); err != nil {
		return nil, fmt.Errorf("reconciliation: %w", err)
	}
	return logins, nil
}

// firstAdmin creates the org root and the admin user of an installation
// without demo data.
func firstAdmin(st *store.Store, pw string) ([]Login, error) {
	shown := ""
	if pw == "" {
		var err error
		if pw, err = randomPassword(16); err != nil {
			return nil, err
		}
		shown = pw
	} else if model.ValidatePassword("password", pw) != nil {
		return nil, errors.New("admin password: use 8 to 72 bytes, not only digits")
	}
	hash, err := store.HashPassword(pw)
	if err != nil {
		return nil, err
	}
	w, err := seedOrg(st, plainOrg)
	if err != nil {
		return nil, err
	}
	err = st.Update(actor, func(t *store.Tx) error {
		u := &model.User{
			Username: "admin", Name: "Administrator", Kind: model.KindStaff,
			Roles: []model.Role{model.RoleAdmin}, OrgUnitID: w.org["HQ"],
			ScopeMode: model.ScopeOrg, ScopeOrgs: []uint64{w.org["HQ"]}, PasswordHash: hash,
		}
		return t.SaveUser(store.AdminScope(), u)
	})
	if err != nil {
		return nil, err
	}
	return []Login{{Username: "admin", Password: shown, Role: "admin (all)"}}, nil
}

// randomPassword returns n characters from an alphabet without look-alikes,
// with at least one letter (the password rule refuses digits only).
func randomPassword(n int) (string, error) {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	for {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		if model.ValidatePassword("password", string(b)) == nil {
			return string(b), nil
		}
	}
}

// world remembers the ids of what has been written, by code.
type world struct {
	org    map[string]uint64      // org unit code → id
	parent map[string]string      // org unit code → parent code
	groups map[string]uint64      // customer group code → id
	staff  map[string]*model.User // username → staff user
}

// seedOrg writes the org units in specs (parents first), reusing units that
// already exist with the same code, in one transaction of its own (see
// FirstStart for why).
func seedOrg(st *store.Store, specs []orgSpec) (*world, error) {
	w := &world{org: map[string]uint64{}, parent: map[string]string{}, groups: map[string]uint64{}, staff: map[string]*model.User{}}
	err := st.Update(actor, func(t *store.Tx) error {
		existing := map[string]uint64{}
		for _, u := range t.OrgUnits() {
			existing[u.Code] = u.ID
		}
		for _, s := range specs {
			w.parent[s.code] = s.parent
			if id, ok := existing[s.code]; ok {
				w.org[s.code] = id
				continue
			}
			u := &model.OrgUnit{Code: s.code, Name: s.name, ParentID: w.org[s.parent]}
			if err := t.SaveOrgUnit(u); err != nil {
				return fmt.Errorf("org unit %s: %w", s.code, err)
			}
			w.org[s.code] = u.ID
		}
		return nil
	})
	return w, err
}

// regionOf returns the region (the unit right below the root) above code.
func (w *world) regionOf(code string) string {
	for i := 0; code != "" && i < 10; i++ {
		p := w.parent[code]
		if w.parent[p] == "" && p != "" {
			return code
		}
		code = p
	}
	return ""
}

// seedBase writes the demo settings, customer groups and staff, and returns
// the staff logins. Every user gets the same password hash.
func (w *world) seedBase(t *store.Tx, hash string) ([]Login, error) {
	s := t.Settings()
	s.EnterpriseName = EnterpriseName
	if err := t.SaveSettings(s); err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	for _, g := range demoGroups {
		cg := &model.CustomerGroup{Code: g.code, Name: g.name}
		if err := t.SaveCustomerGroup(cg); err != nil {
			return nil, fmt.Errorf("customer group %s: %w", g.code, err)
		}
		w.groups[g.code] = cg.ID
	}
	var logins []Login
	for _, s := range demoStaff {
		u := &model.User{
			Username: s.username, Name: s.name, Kind: model.KindStaff, Roles: s.roles,
			OrgUnitID: w.org[s.org], ScopeMode: s.mode, Email: s.username + "@" + staffDomain,
			Mobile: s.mobile, PasswordHash: hash,
		}
		for _, code := range s.scope {
			u.ScopeOrgs = append(u.ScopeOrgs, w.org[code])
		}
		if err := t.SaveUser(store.AdminScope(), u); err != nil {
			return nil, fmt.Errorf("staff %s: %w", s.username, err)
		}
		w.staff[s.username] = u
		logins = append(logins, Login{Username: s.username, Password: DemoPassword, Role: s.desc})
	}
	return logins, nil
}

// salesperson returns the id of the salesperson for customers of a branch.
func (w *world) salesperson(branch string) uint64 {
	if u := w.staff[regionSales[w.regionOf(branch)]]; u != nil {
		return u.ID
	}
	return 0
}

// addCustomer saves c, then its locations (the first becomes primary) and its
// users, all for c.
func (w *world) addCustomer(t *store.Tx, c *model.Customer, locs []*model.Location, users []*model.User) error {
	sc := store.AdminScope()
	if err := t.SaveCustomer(sc, c); err != nil {
		return err
	}
	for _, l := range locs {
		l.CustomerID = c.ID
		if err := t.SaveLocation(sc, l); err != nil {
			return fmt.Errorf("location %s: %w", l.Name, err)
		}
	}
	for _, u := range users {
		u.CustomerID = c.ID
		if err := t.SaveUser(sc, u); err != nil {
			return fmt.Errorf("user %s: %w", u.Username, err)
		}
	}
	return t.Log("customer", c.ID, "create", "demo data")
}

// dealerUsers returns n users for the customer with code: manager, buyer,
// finance, then more buyers (buyer2, buyer3, …), with e-mail at domain.
func dealerUsers(rng *mrand.Rand, code, domain, hash string, n int) []*model.User {
	users := make([]*model.User, 0, n)
	for i := range n {
		r := dealerRoles[min(i, len(dealerRoles)-1)]
		suffix := r.suffix
		if i >= len(dealerRoles) {
			r = dealerRoles[1]
			suffix = fmt.Sprintf("%s%d", r.suffix, i-1)
		}
		name := strings.ToLower(code) + "." + suffix
		users = append(users, &model.User{
			Username: name, Name: person(rng), Kind: model.KindDealer, Roles: []model.Role{r.role},
			Email: name + "@" + domain, PasswordHash: hash,
		})
	}
	return users
}

// dealerLogins describes the users of customer c for the printed logins.
func dealerLogins(c *model.Customer, users []*model.User) []Login {
	var out []Login
	for _, u := range users {
		desc := string(u.Roles[0])
		for _, r := range dealerRoles {
			if r.role == u.Roles[0] {
				desc = r.desc
			}
		}
		out = append(out, Login{Username: u.Username, Password: DemoPassword, Role: desc + " · " + c.Code + " " + c.ShortName})
	}
	return out
}

// demoCustomer builds the seq-th hand-written demo customer.
func (w *world) demoCustomer(rng *mrand.Rand, seq int, s customerSpec, hash string) (*model.Customer, []*model.Location, []*model.User) {
	ct := branchCities[s.branch][s.cityIdx]
	code := fmt.Sprintf("C%04d", seq)
	domain := s.domain + ".example.com"
	c := &model.Customer{
		Code: code, Name: s.name, ShortName: s.short, GroupID: w.groups[s.group], Level: s.level,
		OrgUnitID: w.org[s.branch], SalespersonID: w.salesperson(s.branch),
		Contact: s.contact, Phone: s.phone, Email: "sales@" + domain, Address: s.address,
		TaxNumber: taxNumber(rng, ct.taxRegion), Bank: s.bank, BankAccount: bankAccount(rng),
		CreditLimit: model.Money(s.creditYuan * 100), Status: model.CustomerActive,
	}
	var locs []*model.Location
	for _, l := range s.locs {
		locs = append(locs, &model.Location{Name: l.name, Contact: l.contact, Phone: l.phone, Address: l.address, Region: ct.prefix})
	}
	return c, locs, dealerUsers(rng, code, domain, hash, len(dealerRoles))
}

// taxNumberAlphabet is that of the unified social credit code (no I, O, S, V, Z).
const taxNumberAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// taxNumber returns an 18-character unified social credit code of a company
// (91…) registered in region (6 digits).
func taxNumber(rng *mrand.Rand, region string) string {
	b := []byte("91" + region)
	for len(b) < 18 {
		b = append(b, taxNumberAlphabet[rng.IntN(len(taxNumberAlphabet))])
	}
	return string(b)
}

// bankAccount returns a 19-digit corporate account number.
func bankAccount(rng *mrand.Rand) string {
	b := []byte{byte('1' + rng.IntN(9))}
	for len(b) < 19 {
		b = append(b, byte('0'+rng.IntN(10)))
	}
	return string(b)
}

// person returns a Chinese personal name.
func person(rng *mrand.Rand) string {
	return surnames[rng.IntN(len(surnames))] + givenNames[rng.IntN(len(givenNames))]
}

// shortPlace drops the administrative ending of a district ("浦东新区" → "浦东").
func shortPlace(d string) string {
	for _, suf := range []string{"新区", "开发区", "区", "县", "市", "镇"} {
		if strings.HasSuffix(d, suf) && utf8.RuneCountInString(d)-utf8.RuneCountInString(suf) >= 2 {
			return strings.TrimSuffix(d, suf)
		}
	}
	return d
}

// FormatLogins renders logins as an aligned table for the terminal, ending
// with a newline.
func FormatLogins(logins []Login) string {
	if len(logins) == 0 {
		return ""
	}
	demo, dealers := false, false
	for _, l := range logins {
		demo = demo || l.Password == DemoPassword
		dealers = dealers || strings.HasSuffix(l.Username, ".manager")
	}
	var b strings.Builder
	if demo {
		fmt.Fprintf(&b, "Demo logins (password %s unless shown):\n", DemoPassword)
	} else {
		b.WriteString("Logins (a generated password is shown only this once: note it and change it after signing in):\n")
	}
	rows := [][3]string{{"USERNAME", "PASSWORD", "ROLE"}}
	for _, l := range logins {
		pw := l.Password
		if pw == "" {
			pw = "(the one you set)"
		}
		rows = append(rows, [3]string{l.Username, pw, l.Role})
	}
	var w [2]int
	for _, r := range rows {
		w[0] = max(w[0], utf8.RuneCountInString(r[0]))
		w[1] = max(w[1], utf8.RuneCountInString(r[1]))
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-*s  %-*s  %s\n", w[0], r[0], w[1], r[1], r[2])
	}
	if dealers {
		b.WriteString("  Every other customer's users follow the same pattern: <customer code in lower case>.manager, .buyer, .finance.\n")
	}
	return b.String()
}
