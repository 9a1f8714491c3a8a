package store

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"dealerportal/model"
)

// The fixture testdata/schema-v1.db is a database written by this program at
// schema version 1. Every migration added later must upgrade it; this test
// opens a copy, lets Open run the migrations, and checks the data survived.
// Regenerate it (only when the fixture itself must change) with
//
//	UPDATE_FIXTURE=1 go test ./store -run TestMigrationFixture
const fixtureV1 = "testdata/schema-v1.db"

func TestMigrationFixture(t *testing.T) {
	if os.Getenv("UPDATE_FIXTURE") == "1" {
		writeFixtureV1(t)
	}
	path := filepath.Join(t.TempDir(), "upgrade.db")
	in, err := os.Open(fixtureV1)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := os.Create(path)
	io.Copy(out, in)
	in.Close()
	out.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatalf("open fixture: %v", err)
	}
	defer s.Close()
	err = s.View(func(tx *Tx) error {
		if v := btoi(tx.b(bMeta).Get(keySchemaVersion)); v != SchemaVersion() {
			t.Errorf("schema version %d after open, want %d", v, SchemaVersion())
		}
		c, err := tx.CustomerByCode(AdminScope(), "FX1")
		if err != nil || c.Name != "迁移测试客户" || c.CreditLimit != 123456 {
			t.Errorf("customer after upgrade: %+v %v", c, err)
		}
		u, err := tx.UserByUsername("fx.buyer")
		if err != nil || u.CustomerID != c.ID || !u.HasRole(model.RoleBuyer) {
			t.Errorf("user after upgrade: %+v %v", u, err)
		}
		locs, _ := tx.Locations(AdminScope(), c.ID)
		if len(locs) != 1 || !locs[0].Primary {
			t.Errorf("locations after upgrade: %+v", locs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("integrity after upgrade: %v %v", problems, err)
	}
}

func writeFixtureV1(t *testing.T) {
	if SchemaVersion() != 1 {
		t.Fatal("the v1 fixture can only be written by a schema-v1 program")
	}
	os.Remove(fixtureV1)
	s, err := Open(fixtureV1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Update("fixture", func(tx *Tx) error {
		o := &model.OrgUnit{Code: "HQ", Name: "总部"}
		if err := tx.SaveOrgUnit(o); err != nil {
			return err
		}
		c := &model.Customer{Code: "FX1", Name: "迁移测试客户", OrgUnitID: o.ID, Status: model.CustomerActive, CreditLimit: 123456}
		if err := tx.SaveCustomer(AdminScope(), c); err != nil {
			return err
		}
		if err := tx.SaveLocation(AdminScope(), &model.Location{CustomerID: c.ID, Name: "仓库", Address: "地址"}); err != nil {
			return err
		}
		return tx.SaveUser(AdminScope(), &model.User{Username: "fx.buyer", Name: "采购", Kind: model.KindDealer, CustomerID: c.ID,
			Roles: []model.Role{model.RoleBuyer}, PasswordHash: "x"})
	})
	if err != nil {
		t.Fatal(err)
	}
}
