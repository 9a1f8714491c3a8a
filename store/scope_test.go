package store

import (
	"errors"
	"testing"

	"dealerportal/model"
)

func TestScopeFor(t *testing.T) {
	f := newFixture(t)
	all := ids(f.c1, f.c2, f.c3, f.c4, f.c5)
	inactiveDealer := *f.d1a
	inactiveDealer.Disabled = true
	tests := []struct {
		name     string
		user     *model.User
		want     []uint64
		staff    bool
		all      bool
		customer uint64
	}{
		{"admin", f.admin, all, true, true, 0},
		{"org subtree NORTH", f.northLead, ids(f.c1, f.c2, f.c3), true, false, 0},
		{"own customers", f.bjOwn, ids(f.c1, f.c3), true, false, 0},
		{"org subtree SOUTH", f.southViewer, ids(f.c4), true, false, 0},
		{"two subtrees", f.multi, ids(f.c1, f.c2, f.c4), true, false, 0},
		{"disabled admin", f.disabled, nil, false, false, 0},
		{"dealer", f.d1b, ids(f.c1), false, false, f.c1.ID},
		{"dealer of inactive customer", f.d4, ids(f.c4), false, false, f.c4.ID},
		{"disabled dealer", &inactiveDealer, nil, false, false, 0},
		{"nil", nil, nil, false, false, 0},
		{"staff with org scope but no orgs", &model.User{ID: 99, Kind: model.KindStaff, Roles: []model.Role{model.RoleSales}, ScopeMode: model.ScopeOrg}, nil, true, false, 0},
		{"staff scoped to an unknown org", &model.User{ID: 99, Kind: model.KindStaff, Roles: []model.Role{model.RoleSales}, ScopeMode: model.ScopeOrg, ScopeOrgs: []uint64{777}}, nil, true, false, 0},
		{"dealer role on a staff user is still staff scope", &model.User{ID: 98, Kind: model.KindStaff, Roles: []model.Role{model.RoleManager}, ScopeMode: model.ScopeOrg, ScopeOrgs: []uint64{f.tj}}, ids(f.c3), true, false, 0},
		{"no kind", &model.User{ID: 96, Roles: []model.Role{model.RoleAdmin}, ScopeMode: model.ScopeOrg, ScopeOrgs: []uint64{f.hq}}, nil, false, false, 0},
		{"admin role on a dealer user is still the dealer's scope", &model.User{ID: 97, Kind: model.KindDealer, Roles: []model.Role{model.RoleAdmin}, CustomerID: f.c2.ID}, ids(f.c2), false, false, f.c2.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := f.scope(tt.user)
			if got := f.customerIDs(sc); !sameIDs(got, tt.want) {
				t.Errorf("CustomerIDs = %v, want %v", got, tt.want)
			}
			if sc.IsStaff() != tt.staff || sc.IsAll() != tt.all || sc.CustomerID() != tt.customer {
				t.Errorf("IsStaff %v IsAll %v CustomerID %d; want %v %v %d", sc.IsStaff(), sc.IsAll(), sc.CustomerID(), tt.staff, tt.all, tt.customer)
			}
			// Every customer: in scope ↔ Customer finds it ↔ AllowsCustomer.
			for _, c := range []*model.Customer{f.c1, f.c2, f.c3, f.c4, f.c5} {
				in := false
				for _, id := range tt.want {
					in = in || id == c.ID
				}
				got, err := f.s.Customer(sc, c.ID)
				if in && (err != nil || got.ID != c.ID) {
					t.Errorf("Customer(%s) = %v, %v; want it", c.Code, got, err)
				}
				if !in && (!errors.Is(err, model.ErrNotFound) || got != nil) {
					t.Errorf("Customer(%s) = %v, %v; want ErrNotFound", c.Code, got, err)
				}
				var allows bool
				_ = f.s.View(func(tx *Tx) error { allows = tx.AllowsCustomer(sc, c.ID); return nil })
				if allows != in {
					t.Errorf("AllowsCustomer(%s) = %v, want %v", c.Code, allows, in)
				}
				var n int
				_ = f.s.View(func(tx *Tx) error { n = tx.CountCustomers(sc); return nil })
				if n != len(tt.want) {
					t.Errorf("CountCustomers = %d, want %d", n, len(tt.want))
				}
			}
		})
	}
}

func TestScopeMissingCustomer(t *testing.T) {
	f := newFixture(t)
	for _, sc := range []Scope{AdminScope(), CustomerScope(12345), f.scope(f.northLead), {}} {
		_, err := f.s.Customer(sc, 12345)
		wantNotFound(t, err)
		_ = f.s.View(func(tx *Tx) error {
			if tx.AllowsCustomer(sc, 12345) {
				t.Errorf("AllowsCustomer of a missing customer")
			}
			return nil
		})
	}
	// The zero Scope sees nothing at all.
	if got := f.customerIDs(Scope{}); len(got) != 0 {
		t.Errorf("zero scope sees %v", got)
	}
	if got := f.customerIDs(CustomerScope(f.c2.ID)); !sameIDs(got, ids(f.c2)) {
		t.Errorf("CustomerScope sees %v", got)
	}
}

func TestCustomerByCodeScope(t *testing.T) {
	f := newFixture(t)
	view(t, f.s, func(tx *Tx) error {
		c, err := tx.CustomerByCode(tx.ScopeFor(f.northLead), " c002 ")
		if err != nil || c.ID != f.c2.ID {
			t.Errorf("CustomerByCode(c002) = %v, %v", c, err)
		}
		_, err = tx.CustomerByCode(tx.ScopeFor(f.northLead), "C004")
		wantNotFound(t, err)
		_, err = tx.CustomerByCode(AdminScope(), "C999")
		wantNotFound(t, err)
		return nil
	})
}

func TestListCustomers(t *testing.T) {
	f := newFixture(t)
	admin := AdminScope()
	tests := []struct {
		name   string
		sc     Scope
		filter CustomerFilter
		page   Page
		want   []uint64 // in order
		total  int
	}{
		{"all by code", admin, CustomerFilter{}, Page{}, ids(f.c1, f.c2, f.c3, f.c4, f.c5), 5},
		{"all by code desc", admin, CustomerFilter{}, Page{Desc: true}, ids(f.c5, f.c4, f.c3, f.c2, f.c1), 5},
		{"explicit code sort", admin, CustomerFilter{Sort: "code"}, Page{}, ids(f.c1, f.c2, f.c3, f.c4, f.c5), 5},
		{"by name (case-insensitive)", admin, CustomerFilter{Sort: "name"}, Page{}, ids(f.c2, f.c4, f.c3, f.c1, f.c5), 5},
		{"by name desc", admin, CustomerFilter{Sort: "name"}, Page{Desc: true}, ids(f.c5, f.c1, f.c3, f.c4, f.c2), 5},

		{"search chinese name", admin, CustomerFilter{Q: "北京"}, Page{}, ids(f.c1), 1},
		{"search ignores case", admin, CustomerFilter{Q: "BEIJING"}, Page{}, ids(f.c2), 1},
		{"search code", admin, CustomerFilter{Q: "c00"}, Page{}, ids(f.c1, f.c2, f.c3, f.c4, f.c5), 5},
		{"search exact code", admin, CustomerFilter{Q: " c003 "}, Page{}, ids(f.c3), 1},
		{"search short name", admin, CustomerFilter{Q: "北贸"}, Page{}, ids(f.c1), 1},
		{"search contact", admin, CustomerFilter{Q: "张三"}, Page{}, ids(f.c1), 1},
		{"search phone", admin, CustomerFilter{Q: "1234 5678"}, Page{}, ids(f.c1), 1},
		{"search nothing", admin, CustomerFilter{Q: "zzz"}, Page{}, nil, 0},

		{"org subtree NORTH", admin, CustomerFilter{OrgUnitID: f.north}, Page{}, ids(f.c1, f.c2, f.c3), 3},
		{"org BJ", admin, CustomerFilter{OrgUnitID: f.bj}, Page{}, ids(f.c1, f.c2), 2},
		{"org root", admin, CustomerFilter{OrgUnitID: f.hq}, Page{}, ids(f.c1, f.c2, f.c3, f.c4, f.c5), 5},
		{"org without customers", admin, CustomerFilter{OrgUnitID: f.sz}, Page{}, nil, 0},
		{"unknown org", admin, CustomerFilter{OrgUnitID: 999}, Page{}, nil, 0},
		{"group VIP", admin, CustomerFilter{GroupID: f.vip}, Page{}, ids(f.c1, f.c4), 2},
		{"group STD", admin, CustomerFilter{GroupID: f.std}, Page{}, ids(f.c2, f.c5), 2},
		{"level A", admin, CustomerFilter{Level: "A"}, Page{}, ids(f.c1, f.c3, f.c5), 3},
		{"level D", admin, CustomerFilter{Level: "D"}, Page{}, nil, 0},
		{"active", admin, CustomerFilter{Status: model.CustomerActive}, Page{}, ids(f.c1, f.c2, f.c3, f.c5), 4},
		{"inactive", admin, CustomerFilter{Status: model.CustomerInactive}, Page{}, ids(f.c4), 1},
		{"salesperson", admin, CustomerFilter{SalespersonID: f.bjOwn.ID}, Page{}, ids(f.c1, f.c3), 2},
		{"combined", admin, CustomerFilter{Level: "A", GroupID: f.vip, Status: model.CustomerActive}, Page{}, ids(f.c1), 1},

		{"scope NORTH", f.scope(f.northLead), CustomerFilter{}, Page{}, ids(f.c1, f.c2, f.c3), 3},
		{"scope NORTH level A", f.scope(f.northLead), CustomerFilter{Level: "A"}, Page{}, ids(f.c1, f.c3), 2},
		{"scope NORTH filter SOUTH", f.scope(f.northLead), CustomerFilter{OrgUnitID: f.south}, Page{}, nil, 0},
		{"scope NORTH filter root", f.scope(f.northLead), CustomerFilter{OrgUnitID: f.hq}, Page{}, ids(f.c1, f.c2, f.c3), 3},
		{"scope NORTH search all codes", f.scope(f.northLead), CustomerFilter{Q: "c00"}, Page{}, ids(f.c1, f.c2, f.c3), 3},
		{"scope own", f.scope(f.bjOwn), CustomerFilter{Sort: "name"}, Page{}, ids(f.c3, f.c1), 2},
		{"scope own other salesperson", f.scope(f.bjOwn), CustomerFilter{SalespersonID: f.northLead.ID}, Page{}, nil, 0},
		{"scope SOUTH group STD", f.scope(f.southViewer), CustomerFilter{GroupID: f.std}, Page{}, nil, 0},
		{"scope dealer", f.scope(f.d1a), CustomerFilter{}, Page{}, ids(f.c1), 1},
		{"scope dealer search other", f.scope(f.d1a), CustomerFilter{Q: "alpha"}, Page{}, nil, 0},
		{"scope disabled", f.scope(f.disabled), CustomerFilter{}, Page{}, nil, 0},

		{"page 2 of 2-per-page", admin, CustomerFilter{}, Page{Offset: 2, Limit: 2}, ids(f.c3, f.c4), 5},
		{"first page", admin, CustomerFilter{}, Page{Limit: 2}, ids(f.c1, f.c2), 5},
		{"last partial page", admin, CustomerFilter{}, Page{Offset: 4, Limit: 2}, ids(f.c5), 5},
		{"beyond the end", admin, CustomerFilter{}, Page{Offset: 10, Limit: 2}, nil, 5},
		{"offset without limit", admin, CustomerFilter{}, Page{Offset: 3}, ids(f.c4, f.c5), 5},
		{"count only", admin, CustomerFilter{}, Page{Limit: -1}, nil, 5},
		{"desc page", admin, CustomerFilter{}, Page{Offset: 1, Limit: 2, Desc: true}, ids(f.c4, f.c3), 5},
		{"name desc page", admin, CustomerFilter{Sort: "name"}, Page{Offset: 1, Limit: 3, Desc: true}, ids(f.c1, f.c3, f.c4), 5},
		{"scoped page", f.scope(f.northLead), CustomerFilter{}, Page{Offset: 2, Limit: 5}, ids(f.c3), 3},
		{"filtered page", admin, CustomerFilter{Level: "A"}, Page{Offset: 1, Limit: 1}, ids(f.c3), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := f.s.ListCustomers(tt.sc, tt.filter, tt.page)
			if err != nil {
				t.Fatal(err)
			}
			gotIDs := customerIDsOf(got)
			if len(gotIDs) != len(tt.want) || (len(gotIDs) > 0 && !equalOrder(gotIDs, tt.want)) {
				t.Errorf("ids = %v, want %v", gotIDs, tt.want)
			}
			if total != tt.total {
				t.Errorf("total = %d, want %d", total, tt.total)
			}
		})
	}
}

func equalOrder(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestListCustomersSeesIndexChanges(t *testing.T) {
	f := newFixture(t)
	// C002 becomes inactive, moves to GZ and changes group, level and salesperson:
	// every filter must see the new values, none the old ones.
	c := *f.c2
	c.Status, c.OrgUnitID, c.GroupID, c.Level, c.SalespersonID = model.CustomerInactive, f.gz, f.vip, "D", f.multi.ID
	update(t, f.s, func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), &c) })
	count := func(sc Scope, fl CustomerFilter) int {
		_, n, err := f.s.ListCustomers(sc, fl, Page{Limit: -1})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	checks := []struct {
		name string
		sc   Scope
		fl   CustomerFilter
		want int
	}{
		{"inactive now 2", AdminScope(), CustomerFilter{Status: model.CustomerInactive}, 2},
		{"BJ now 1", AdminScope(), CustomerFilter{OrgUnitID: f.bj}, 1},
		{"GZ now 2", AdminScope(), CustomerFilter{OrgUnitID: f.gz}, 2},
		{"STD now 1", AdminScope(), CustomerFilter{GroupID: f.std}, 1},
		{"level D", AdminScope(), CustomerFilter{Level: "D"}, 1},
		{"level B gone", AdminScope(), CustomerFilter{Level: "B"}, 0},
		{"salesperson multi", AdminScope(), CustomerFilter{SalespersonID: f.multi.ID}, 2},
		{"NORTH lead lost it", f.scope(f.northLead), CustomerFilter{}, 2},
		{"SOUTH viewer gained it", f.scope(f.southViewer), CustomerFilter{}, 2},
	}
	for _, ch := range checks {
		if got := count(ch.sc, ch.fl); got != ch.want {
			t.Errorf("%s: %d, want %d", ch.name, got, ch.want)
		}
	}
}

// TestCoversAudience: an audience lies within a staff scope when every
// target does — a customer in scope, an org unit whose subtree is in scope,
// a group all of whose members are — and "all customers" only for a scope
// that covers everyone (admin, org root).
func TestCoversAudience(t *testing.T) {
	f := newFixture(t)
	var root *model.User
	update(t, f.s, func(tx *Tx) error {
		root = &model.User{Username: "hq.sales", Name: "hq", Kind: model.KindStaff, Roles: []model.Role{model.RoleSales},
			OrgUnitID: f.hq, ScopeMode: model.ScopeOrg, ScopeOrgs: []uint64{f.hq}, PasswordHash: "x"}
		return tx.SaveUser(AdminScope(), root)
	})
	all := model.Audience{All: true}
	cust := func(c *model.Customer) model.Audience { return model.Audience{Customers: []uint64{c.ID}} }
	org := func(id uint64) model.Audience { return model.Audience{OrgUnits: []uint64{id}} }
	group := func(id uint64) model.Audience { return model.Audience{Groups: []uint64{id}} }
	tests := []struct {
		name string
		user *model.User
		aud  model.Audience
		want bool
	}{
		{"admin: all customers", f.admin, all, true},
		{"org root: all customers", root, all, true},
		{"org root: a cross-region group", root, group(f.vip), true},
		{"region: all customers", f.northLead, all, false},
		{"region: own customer", f.northLead, cust(f.c1), true},
		{"region: customer of another region", f.northLead, cust(f.c4), false},
		{"region: own region", f.northLead, org(f.north), true},
		{"region: a branch of its region", f.northLead, org(f.bj), true},
		{"region: another region", f.northLead, org(f.south), false},
		{"region: the unit above its region", f.northLead, org(f.hq), false},
		{"region: group spanning regions (VIP: C001 BJ, C004 GZ)", f.northLead, group(f.vip), false},
		{"region: group with a member at HQ (STD: C002 BJ, C005 HQ)", f.northLead, group(f.std), false},
		{"two branches: group whose members all lie in them", f.multi, group(f.vip), true},
		{"mixed: one target outside spoils the audience", f.northLead, model.Audience{Customers: []uint64{f.c1.ID}, OrgUnits: []uint64{f.south}}, false},
		{"own customers: own customer", f.bjOwn, cust(f.c3), true},
		{"own customers: another's customer", f.bjOwn, cust(f.c2), false},
		{"own customers: no org unit", f.bjOwn, org(f.bj), false},
		{"dealer: no audience", f.d1a, cust(f.c1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := f.scope(tt.user)
			var got bool
			view(t, f.s, func(tx *Tx) error { got = tx.CoversAudience(sc, tt.aud); return nil })
			if got != tt.want {
				t.Errorf("CoversAudience = %v, want %v", got, tt.want)
			}
		})
	}
	if !f.scope(root).CoversEveryone() || f.scope(f.northLead).CoversEveryone() || f.scope(root).IsAll() {
		t.Error("CoversEveryone: org root yes (without becoming admin), region no")
	}
}
