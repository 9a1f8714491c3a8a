package store

import (
	"strings"
	"testing"

	"dealerportal/model"
)

func TestProductsAfter(t *testing.T) {
	s := openStore(t)
	var ids []uint64
	update(t, s, func(tx *Tx) error {
		for _, code := range []string{"Z", "A", "M", "B", "K"} {
			p := &model.Product{Code: code, Name: code, Unit: "PCS", Active: true}
			if err := tx.SaveProduct(p); err != nil {
				return err
			}
			ids = append(ids, p.ID)
		}
		return nil
	})
	view(t, s, func(tx *Tx) error {
		// Pages of two follow the order of creation, not of codes.
		var got []uint64
		after, more := uint64(0), true
		for pages := 0; more; pages++ {
			ps, m, err := tx.ProductsAfter(after, 2)
			if err != nil {
				return err
			}
			for _, p := range ps {
				got = append(got, p.ID)
			}
			after, more = ps[len(ps)-1].ID, m
			if pages > 5 {
				t.Fatal("no end")
			}
		}
		if len(got) != 5 || got[0] != ids[0] || got[4] != ids[4] {
			t.Errorf("paged %v, created %v", got, ids)
		}
		if ps, more, _ := tx.ProductsAfter(ids[4], 2); len(ps) != 0 || more {
			t.Errorf("after the last: %d, more %v", len(ps), more)
		}
		return nil
	})
}

func TestCustomerGroupByCode(t *testing.T) {
	s := openStore(t)
	update(t, s, func(tx *Tx) error { return tx.SaveCustomerGroup(&model.CustomerGroup{Code: "VIP", Name: "重点"}) })
	view(t, s, func(tx *Tx) error {
		if g, err := tx.CustomerGroupByCode(" vip "); err != nil || g.Name != "重点" {
			t.Errorf("by code: %+v %v", g, err)
		}
		if _, err := tx.CustomerGroupByCode("NOPE"); err != model.ErrNotFound {
			t.Errorf("unknown: %v", err)
		}
		return nil
	})
}

func TestCheckExternalIDMaps(t *testing.T) {
	s := openStore(t)
	update(t, s, func(tx *Tx) error {
		if err := tx.SetExternalID(ExtProduct, "ERP-1", 7); err != nil {
			return err
		}
		return tx.SetExternalID(ExtProduct, "ERP-2", 7) // replaces ERP-1
	})
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("clean file: %v %v", problems, err)
	}
	update(t, s, func(tx *Tx) error { return tx.b(bExtIDs).Put(extKey("product", "ERP-9"), itob(8)) })
	problems, err := s.Check()
	if err != nil || len(problems) != 2 || !strings.Contains(strings.Join(problems, "\n"), `"ERP-9" maps to id 8`) {
		t.Fatalf("damaged map: %v %v", problems, err)
	}
}
