package store

import (
	"testing"

	"dealerportal/model"
)

// TestImportKeepsFreeText: an import reads codes and numbers typed in
// full width as ASCII, and keeps titles, descriptions and remarks exactly
// as written, full-width punctuation included — in the catalog, price and
// stocktake imports alike.
func TestImportKeepsFreeText(t *testing.T) {
	f := newChannelFixture(t)
	const title, desc, remarks = "（新品）A，B", "适用于：伺服系统（２０２６款）。", "备注：含税，月结！"
	update(t, f.s, func(tx *Tx) error {
		return tx.SaveProduct(&model.Product{Code: "AB12", Name: "新品", Unit: "台", Active: true})
	})
	view(t, f.s, func(tx *Tx) error {
		plan := tx.PlanCatalogImport(AdminScope(), [][]string{
			{"product_code", "category_code", "title", "description", "min_qty", "multiple", "customers"},
			{"ＡＢ１２", "ｍｏｔｏｒ", " " + title + " ", desc, "１２", "６", "Ｃ００１"},
		})
		if len(plan.Errors) != 0 || len(plan.Entries) != 1 {
			t.Fatalf("catalog plan: %+v", plan.Errors)
		}
		e := plan.Entries[0]
		if e.Title != title || e.Description != desc || e.MinQty != 12000 || e.Multiple != 6000 || len(e.Targets) != 1 || e.Targets[0].ID != f.c1.ID {
			t.Errorf("entry: title %q description %q min %v multiple %v targets %+v", e.Title, e.Description, e.MinQty, e.Multiple, e.Targets)
		}
		prices := tx.PlanPriceImport(AdminScope(), [][]string{
			{"customer_code", "product_code", "price", "min_qty", "from", "remarks"},
			{"ｃ００１", "ＡＢ１２", "１，２００．５０", "１２", "２０２６－０１－０１", remarks},
		})
		if len(prices.Errors) != 0 || len(prices.Prices) != 1 {
			t.Fatalf("price plan: %+v", prices.Errors)
		}
		r := prices.Prices[0]
		if r.CustomerID != f.c1.ID || r.Price != 120050 || r.MinQty != 12000 || r.From != "2026-01-01" || r.Remarks != remarks {
			t.Errorf("price: %+v", r)
		}
		st := tx.PlanStocktakeImport(CustomerScope(f.c1.ID), f.c1.ID, [][]string{{"商品编码", "数量"}, {"Ｐ１", "１２"}})
		if len(st.Errors) != 0 || len(st.Lines) != 1 || st.Lines[0].Qty != 12000 {
			t.Errorf("stocktake: %+v %+v", st.Errors, st.Lines)
		}
		return nil
	})
}
