package store

import (
	"errors"
	"reflect"
	"sort"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store/kv"
	"dealerportal/store/kv/pgtest"

	"golang.org/x/crypto/bcrypt"
)

func TestMain(m *testing.M) {
	BcryptCost = bcrypt.MinCost
	pgtest.MainSelected(m)
}

// testBackend is the backend the store tests run on: "bbolt" (a file in a
// temporary folder) unless PORTAL_TEST_BACKEND=postgres, which runs them on
// a private PostgreSQL cluster (store/kv/pgtest), each store in a schema
// of its own.
func testBackend() string {
	if pgtest.Selected() {
		return "postgres"
	}
	return "bbolt"
}

// testDSN is where a test's new store lives on the test backend.
func testDSN(t testing.TB) string {
	t.Helper()
	return pgtest.DSN(t, "t.db")
}

// onBbolt skips a test of the bbolt file itself (its pages, its copy) on
// another backend.
func onBbolt(t testing.TB) {
	t.Helper()
	if testBackend() != "bbolt" {
		t.Skip("a test of the bbolt file")
	}
}

// testNow is the fixture's clock: 2026-03-15 10:00 UTC (18:00 in Shanghai).
var testNow = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

// openStore opens a new store in a temporary file with a fixed clock.
func openStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	s.SetClock(func() time.Time { return testNow })
	t.Cleanup(func() { s.Close() })
	return s
}

// update runs fn as "tester" and fails the test on error.
func update(t *testing.T, s *Store, fn func(tx *Tx) error) {
	t.Helper()
	if err := s.Update("tester", fn); err != nil {
		t.Fatal(err)
	}
}

// view runs fn in a read transaction and fails the test on error.
func view(t *testing.T, s *Store, fn func(tx *Tx) error) {
	t.Helper()
	if err := s.View(fn); err != nil {
		t.Fatal(err)
	}
}

// fixture is a small enterprise:
//
//	HQ (总部)
//	├── NORTH (华北): BJ (北京), TJ (天津)
//	└── SOUTH (华南): GZ (广州), SZ (深圳)
//
// Customers: C001 BJ (salesperson bjOwn, VIP, A), C002 BJ (northLead, STD, B),
// C003 TJ (bjOwn, A), C004 GZ (multi, VIP, C, inactive), C005 HQ (STD, A).
type fixture struct {
	s *Store

	hq, north, south, bj, tj, gz, sz uint64
	vip, std                         uint64

	admin       *model.User // admin role: everything
	northLead   *model.User // sales, org scope NORTH
	bjOwn       *model.User // sales, own customers (C001, C003)
	southViewer *model.User // viewer, org scope SOUTH
	multi       *model.User // finance, org scopes BJ and GZ
	disabled    *model.User // disabled admin

	c1, c2, c3, c4, c5 *model.Customer

	d1a, d1b *model.User // dealer users of C001
	d4       *model.User // dealer user of C004 (inactive customer)
}

const testPassword = "s3cret-pass"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{s: openStore(t)}
	s := f.s
	org := func(tx *Tx, parent uint64, code, name string) uint64 {
		u := &model.OrgUnit{ParentID: parent, Code: code, Name: name}
		if err := tx.SaveOrgUnit(u); err != nil {
			t.Fatalf("org %s: %v", code, err)
		}
		return u.ID
	}
	update(t, s, func(tx *Tx) error {
		f.hq = org(tx, 0, "HQ", "总部")
		f.north = org(tx, f.hq, "NORTH", "华北")
		f.south = org(tx, f.hq, "SOUTH", "华南")
		f.bj = org(tx, f.north, "BJ", "北京")
		f.tj = org(tx, f.north, "TJ", "天津")
		f.gz = org(tx, f.south, "GZ", "广州")
		f.sz = org(tx, f.south, "SZ", "深圳")
		for _, g := range []*model.CustomerGroup{{Code: "VIP", Name: "重点客户"}, {Code: "STD", Name: "普通客户"}} {
			if err := tx.SaveCustomerGroup(g); err != nil {
				return err
			}
		}
		gs, _ := tx.CustomerGroups()
		f.std, f.vip = gs[0].ID, gs[1].ID // code order: STD, VIP
		return nil
	})
	hash, err := HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	staff := func(tx *Tx, username string, org uint64, role model.Role, mode model.ScopeMode, orgs ...uint64) *model.User {
		u := &model.User{Username: username, Name: username, Kind: model.KindStaff, Roles: []model.Role{role},
			OrgUnitID: org, ScopeMode: mode, ScopeOrgs: orgs, PasswordHash: hash}
		if err := tx.SaveUser(AdminScope(), u); err != nil {
			t.Fatalf("staff %s: %v", username, err)
		}
		return u
	}
	update(t, s, func(tx *Tx) error {
		f.admin = staff(tx, "admin", f.hq, model.RoleAdmin, model.ScopeOrg)
		f.northLead = staff(tx, "north.lead", f.north, model.RoleSales, model.ScopeOrg, f.north)
		f.bjOwn = staff(tx, "bj.sales", f.bj, model.RoleSales, model.ScopeOwn)
		f.southViewer = staff(tx, "south.viewer", f.south, model.RoleViewer, model.ScopeOrg, f.south)
		f.multi = staff(tx, "multi", f.hq, model.RoleFinance, model.ScopeOrg, f.bj, f.gz)
		f.disabled = staff(tx, "gone", f.hq, model.RoleAdmin, model.ScopeOrg)
		f.disabled.Disabled = true
		return tx.SaveUser(AdminScope(), f.disabled)
	})
	cust := func(tx *Tx, code, name string, org, sp, group uint64, level string, status model.CustomerStatus) *model.Customer {
		c := &model.Customer{Code: code, Name: name, OrgUnitID: org, SalespersonID: sp, GroupID: group, Level: level, Status: status}
		if err := tx.SaveCustomer(AdminScope(), c); err != nil {
			t.Fatalf("customer %s: %v", code, err)
		}
		return c
	}
	update(t, s, func(tx *Tx) error {
		f.c1 = cust(tx, "C001", "Delta 北京贸易", f.bj, f.bjOwn.ID, f.vip, "A", model.CustomerActive)
		f.c2 = cust(tx, "C002", "alpha Beijing", f.bj, f.northLead.ID, f.std, "B", model.CustomerActive)
		f.c3 = cust(tx, "C003", "Charlie Tianjin", f.tj, f.bjOwn.ID, 0, "A", model.CustomerActive)
		f.c4 = cust(tx, "C004", "Bravo Guangzhou", f.gz, f.multi.ID, f.vip, "C", model.CustomerInactive)
		f.c5 = cust(tx, "C005", "Echo HQ", f.hq, 0, f.std, "A", model.CustomerActive)
		return nil
	})
	// Contact and phone for the search tests.
	update(t, s, func(tx *Tx) error {
		f.c1.Contact, f.c1.Phone, f.c1.ShortName = "张三", "010-1234 5678", "北贸"
		return tx.SaveCustomer(AdminScope(), f.c1)
	})
	dealer := func(tx *Tx, username string, customerID uint64, role model.Role) *model.User {
		u := &model.User{Username: username, Name: username, Kind: model.KindDealer, Roles: []model.Role{role},
			CustomerID: customerID, PasswordHash: hash}
		if err := tx.SaveUser(AdminScope(), u); err != nil {
			t.Fatalf("dealer %s: %v", username, err)
		}
		return u
	}
	update(t, s, func(tx *Tx) error {
		f.d1a = dealer(tx, "c001.boss", f.c1.ID, model.RoleManager)
		f.d1b = dealer(tx, "c001.buyer", f.c1.ID, model.RoleBuyer)
		f.d4 = dealer(tx, "c004.buyer", f.c4.ID, model.RoleBuyer)
		return nil
	})
	return f
}

// scope is ScopeFor(u) in one short call.
func (f *fixture) scope(u *model.User) Scope { return f.s.ScopeFor(u) }

// customerIDs is Tx.CustomerIDs in its own transaction.
func (f *fixture) customerIDs(sc Scope) []uint64 {
	var ids []uint64
	_ = f.s.View(func(tx *Tx) error { ids = tx.CustomerIDs(sc); return nil })
	return ids
}

func ids(cs ...*model.Customer) []uint64 {
	out := make([]uint64, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func customerIDsOf(cs []*model.Customer) []uint64 {
	out := make([]uint64, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func sortedIDs(in []uint64) []uint64 {
	out := append([]uint64{}, in...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func sameIDs(a, b []uint64) bool {
	return reflect.DeepEqual(sortedIDs(a), sortedIDs(b))
}

// wantField fails unless err is a *model.ValidationError naming field with key.
func wantField(t *testing.T, err error, field, key string) {
	t.Helper()
	var ve *model.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v (%T), want validation error %s=%s", err, err, field, key)
	}
	for _, f := range ve.Fields {
		if f.Field == field {
			if f.Key != key {
				t.Fatalf("field %s has key %s, want %s", field, f.Key, key)
			}
			return
		}
	}
	t.Fatalf("err = %v, want field %s=%s", err, field, key)
}

// wantConflict fails unless err is a *model.ConflictError.
func wantConflict(t *testing.T, err error) *model.ConflictError {
	t.Helper()
	var ce *model.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v (%T), want *model.ConflictError", err, err)
	}
	return ce
}

// wantNotFound fails unless err is model.ErrNotFound.
func wantNotFound(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

// errRollback makes Update roll back on purpose.
var errRollback = errors.New("rollback on purpose")

// reopenAt sets the fixture's file back to the layout of schema version:
// the buckets drop are removed and the version recorded, then the store is
// closed and opened again, which runs the migrations after version.
func (f *fixture) reopenAt(t *testing.T, version uint64, drop ...[]byte) {
	t.Helper()
	path := f.s.dsn
	err := f.s.KV().Update(func(tx kv.Tx) error {
		for _, b := range drop {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bMeta).Put(keySchemaVersion, itob(version))
	})
	if err != nil {
		t.Fatal(err)
	}
	f.s.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.SetClock(f.s.now)
	f.s = s
	t.Cleanup(func() { s.Close() })
}
