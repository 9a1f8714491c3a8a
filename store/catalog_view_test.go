package store

import (
	"bytes"
	"fmt"
	"testing"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// TestCatalogViewRows: the compact rows a list page reads agree with the
// entries and products, in every order and filter and page the list offers,
// and the process's sort order follows a rename and an image made in
// another transaction.
func TestCatalogViewRows(t *testing.T) {
	f := newFixture(t)
	cat, prods := catalogFixture(t, f)
	var ids []uint64
	update(t, f.s, func(tx *Tx) error {
		for i, p := range prods {
			e := &model.CatalogEntry{ProductID: p.ID, CategoryID: cat, MinQty: model.Qty(1000 * (i + 1)), Multiple: 500 * model.Qty(i),
				ShowListPrice: i == 1, Targets: []model.Target{{Kind: model.TargetCustomer, ID: f.c1.ID}}}
			if i == 2 {
				e.Title = "Aa 标题"
			}
			if err := tx.SaveCatalogEntry(AdminScope(), e); err != nil {
				return err
			}
			if err := tx.AuditCatalogQuiet(e.ID, f.admin); err != nil {
				return err
			}
			ids = append(ids, e.ID)
		}
		return nil
	})
	sc := CustomerScope(f.c1.ID)
	same := func(label string) {
		t.Helper()
		view(t, f.s, func(tx *Tx) error {
			for _, sort := range []string{"code", "name", "new"} {
				for _, desc := range []bool{false, true} {
					for _, pg := range []Page{{Limit: 2}, {Limit: 2, Offset: 2}, {}} {
						for _, q := range []string{"", "p2", "标题"} {
							pg.Desc = desc
							fl := CatalogFilter{Sort: sort, Q: q}
							items, n1, err1 := tx.ListCatalog(sc, fl, pg)
							rows, n2, err2 := tx.ListCatalogRows(sc, fl, pg)
							if err1 != nil || err2 != nil || n1 != n2 || len(items) != len(rows) {
								t.Fatalf("%s %s %v %+v %q: %d/%d rows, totals %d/%d, %v %v", label, sort, desc, pg, q, len(items), len(rows), n1, n2, err1, err2)
							}
							for i, it := range items {
								r := rows[i]
								want := fmt.Sprint(it.Entry.ID, itemTitle(it), it.Product.Code, it.Product.Spec, it.Product.Unit, it.Product.Thumb(),
									it.Entry.MinQty, it.Entry.Multiple, it.Entry.ShowListPrice, it.Product.ListPrice, it.Stock.Available(), it.Quote)
								got := fmt.Sprint(r.EntryID, r.Title, r.Code, r.Spec, r.Unit, r.Thumb, r.MinQty, r.Multiple, r.ShowListPrice, r.ListPrice,
									r.Stock.Available(), r.Quote)
								if got != want {
									t.Errorf("%s %s %v %+v %q row %d:\n got %s\nwant %s", label, sort, desc, pg, q, i, got, want)
								}
							}
						}
					}
				}
			}
			return nil
		})
	}
	same("fresh")
	// A rename moves the entry in the name order ("Aa 标题" < "Zz 最后" <
	// "产品P2" in byte order); an image shows at once.
	update(t, f.s, func(tx *Tx) error {
		p, err := tx.product(prods[0].ID)
		if err != nil {
			return err
		}
		p.Name = "Zz 最后"
		if err := tx.SaveProduct(p); err != nil {
			return err
		}
		p.Images = []model.ProductImage{{ID: 7, Hash: "abc"}}
		return tx.putProductImages(p)
	})
	same("renamed")
	view(t, f.s, func(tx *Tx) error {
		rows, _, _ := tx.ListCatalogRows(sc, CatalogFilter{Sort: "name"}, Page{})
		if len(rows) != 3 || rows[1].EntryID != ids[0] || rows[1].Thumb == nil || rows[1].Thumb.Hash != "abc" {
			t.Errorf("after the rename: %+v", rows)
		}
		return nil
	})
	if problems, err := f.s.Check(); err != nil || len(problems) > 0 {
		t.Errorf("check: %v %v", problems, err)
	}
}

// TestMigrateCatalogView: a file of schema 5 (summaries without display
// fields, no invoice rows) is upgraded by migrations 6 and 7, after which
// the list reads its rows and portal check is clean.
func TestMigrateCatalogView(t *testing.T) {
	f := newFixture(t)
	cat, prods := catalogFixture(t, f)
	update(t, f.s, func(tx *Tx) error {
		e := &model.CatalogEntry{ProductID: prods[0].ID, CategoryID: cat, MinQty: 2000, Targets: []model.Target{{Kind: model.TargetCustomer, ID: f.c1.ID}}}
		if err := tx.SaveCatalogEntry(AdminScope(), e); err != nil {
			return err
		}
		return tx.AuditCatalogQuiet(e.ID, f.admin)
	})
	// Back to the layout of schema 5.
	err := f.s.db.Update(func(btx kv.Tx) error {
		t := &Tx{tx: btx}
		c := t.b(bCatalogSummary).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			old := bytes.Clone(v[:len(v)-len(t.summaryTail(btoi(k)))])
			if err := t.b(bCatalogSummary).Put(bytes.Clone(k), old); err != nil {
				return err
			}
		}
		if err := btx.DeleteBucket(bInvoiceRows); err != nil {
			return err
		}
		return t.b(bMeta).Put(keySchemaVersion, itob(5))
	})
	if err != nil {
		t.Fatal(err)
	}
	view(t, f.s, func(tx *Tx) error {
		if _, _, err := tx.ListCatalogRows(CustomerScope(f.c1.ID), CatalogFilter{}, Page{}); err == nil {
			t.Error("rows read from summaries without display fields")
		}
		return nil
	})
	if err := f.s.migrate(); err != nil {
		t.Fatal(err)
	}
	view(t, f.s, func(tx *Tx) error {
		rows, n, err := tx.ListCatalogRows(CustomerScope(f.c1.ID), CatalogFilter{}, Page{})
		if err != nil || n != 1 || rows[0].MinQty != 2000 || rows[0].Unit != "台" {
			t.Errorf("after the migration: %d %v", n, err)
		}
		return nil
	})
	if problems, err := f.s.Check(); err != nil || len(problems) > 0 {
		t.Errorf("check: %v %v", problems, err)
	}
}
