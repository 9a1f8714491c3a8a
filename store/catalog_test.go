package store

import (
	"sync"
	"testing"

	"dealerportal/model"
)

// catalogFixture adds categories, products (P1 with stock 100) and returns
// their ids.
func catalogFixture(t *testing.T, f *fixture) (cat uint64, prods []*model.Product) {
	t.Helper()
	update(t, f.s, func(tx *Tx) error {
		c := &model.Category{Code: "MOTOR", Name: "电机"}
		if err := tx.SaveCategory(c); err != nil {
			return err
		}
		cat = c.ID
		for i, code := range []string{"P1", "P2", "P3"} {
			p := &model.Product{Code: code, Name: "产品" + code, Unit: "台", ListPrice: model.Money(10000 * (i + 1)), TaxRate: 1300, Active: true}
			if err := tx.SaveProduct(p); err != nil {
				return err
			}
			prods = append(prods, p)
		}
		_, err := tx.AdjustStock(prods[0].ID, 100_000, 0)
		return err
	})
	return
}

func outboxFor(t *testing.T, s *Store) map[uint64]int {
	out := map[uint64]int{}
	view(t, s, func(tx *Tx) error {
		msgs, _ := tx.PendingOutbox(1000)
		for _, m := range msgs {
			if m.Event == model.EventCatalogPublished {
				out[m.CustomerID]++
			}
		}
		return nil
	})
	return out
}

func visible(t *testing.T, s *Store, custID, entryID uint64) bool {
	var ok bool
	view(t, s, func(tx *Tx) error { ok = tx.visibleTo(custID, entryID); return nil })
	return ok
}

func TestCatalogPublishIndexAndMessages(t *testing.T) {
	f := newFixture(t)
	cat, prods := catalogFixture(t, f)
	e := &model.CatalogEntry{ProductID: prods[0].ID, CategoryID: cat, Targets: []model.Target{{Kind: model.TargetCustomer, ID: f.c1.ID}}}
	update(t, f.s, func(tx *Tx) error { return tx.SaveCatalogEntry(AdminScope(), e) })
	if visible(t, f.s, f.c1.ID, e.ID) {
		t.Fatal("a draft is visible")
	}
	if n := len(outboxFor(t, f.s)); n != 0 {
		t.Fatalf("draft raised %d messages", n)
	}
	update(t, f.s, func(tx *Tx) error {
		var err error
		e, err = tx.ApplyCatalogAction(AdminScope(), e.ID, "audit", f.admin, e.Version)
		return err
	})
	if !visible(t, f.s, f.c1.ID, e.ID) || visible(t, f.s, f.c2.ID, e.ID) {
		t.Fatal("audit: wrong visibility")
	}
	if got := outboxFor(t, f.s); len(got) != 1 || got[f.c1.ID] != 1 {
		t.Fatalf("audit messages %v", got)
	}
	// Add the NORTH org unit: C001 (already told), C002, C003 are covered.
	update(t, f.s, func(tx *Tx) error {
		var err error
		e, err = tx.ChangeCatalogTargets(AdminScope(), e.ID, []model.Target{{Kind: model.TargetOrg, ID: f.north}}, true, e.Version)
		return err
	})
	got := outboxFor(t, f.s)
	if got[f.c1.ID] != 1 || got[f.c2.ID] != 1 || got[f.c3.ID] != 1 || got[f.c5.ID] != 0 {
		t.Fatalf("after adding NORTH: %v", got)
	}
	// A stale version is refused.
	err := f.s.Update("x", func(tx *Tx) error {
		_, err := tx.ChangeCatalogTargets(AdminScope(), e.ID, []model.Target{{Kind: model.TargetGroup, ID: f.std}}, true, e.Version-1)
		return err
	})
	wantConflict(t, err)
	// A staff member cannot target a customer outside the scope.
	err = f.s.Update("x", func(tx *Tx) error {
		_, err := tx.ChangeCatalogTargets(tx.ScopeFor(f.northLead), e.ID, []model.Target{{Kind: model.TargetCustomer, ID: f.c4.ID}}, true, e.Version)
		return err
	})
	wantField(t, err, "targets", "err.target_unknown")
	// Remove NORTH: C002 and C003 lose the entry, C001 keeps it.
	update(t, f.s, func(tx *Tx) error {
		var err error
		e, err = tx.ChangeCatalogTargets(AdminScope(), e.ID, []model.Target{{Kind: model.TargetOrg, ID: f.north}}, false, e.Version)
		return err
	})
	if !visible(t, f.s, f.c1.ID, e.ID) || visible(t, f.s, f.c2.ID, e.ID) {
		t.Fatal("remove target: wrong visibility")
	}
	// Add it back: nobody is told twice.
	update(t, f.s, func(tx *Tx) error {
		var err error
		e, err = tx.ChangeCatalogTargets(AdminScope(), e.ID, []model.Target{{Kind: model.TargetGroup, ID: f.std}}, true, e.Version)
		return err
	})
	got = outboxFor(t, f.s)
	if got[f.c2.ID] != 1 || got[f.c5.ID] != 1 {
		t.Fatalf("group STD: %v", got)
	}
	// Moving C003 into group STD reindexes it (no message: nothing was published).
	update(t, f.s, func(tx *Tx) error {
		c, _ := tx.Customer(AdminScope(), f.c3.ID)
		c.GroupID = f.std
		return tx.SaveCustomer(AdminScope(), c)
	})
	if !visible(t, f.s, f.c3.ID, e.ID) {
		t.Fatal("customer moved into a targeted group does not see the entry")
	}
	// Deactivating the product hides the entry from everyone.
	update(t, f.s, func(tx *Tx) error {
		p, _ := tx.Product(prods[0].ID)
		p.Active = false
		return tx.SaveProduct(p)
	})
	if visible(t, f.s, f.c1.ID, e.ID) {
		t.Fatal("inactive product still visible")
	}
	update(t, f.s, func(tx *Tx) error {
		p, _ := tx.Product(prods[0].ID)
		p.Active = true
		return tx.SaveProduct(p)
	})
	// Org targets follow org moves: target SOUTH, move TJ under SOUTH.
	e2 := &model.CatalogEntry{ProductID: prods[1].ID, CategoryID: cat, Targets: []model.Target{{Kind: model.TargetOrg, ID: f.south}}}
	update(t, f.s, func(tx *Tx) error {
		if err := tx.SaveCatalogEntry(AdminScope(), e2); err != nil {
			return err
		}
		_, err := tx.ApplyCatalogAction(AdminScope(), e2.ID, "audit", f.admin, 0)
		return err
	})
	if visible(t, f.s, f.c3.ID, e2.ID) || !visible(t, f.s, f.c4.ID, e2.ID) {
		t.Fatal("SOUTH target")
	}
	update(t, f.s, func(tx *Tx) error {
		u, _ := tx.OrgUnit(f.tj)
		u.ParentID = f.south
		return tx.SaveOrgUnit(u)
	})
	if !visible(t, f.s, f.c3.ID, e2.ID) {
		t.Fatal("TJ moved under SOUTH: C003 does not see the SOUTH entry")
	}
	// The incrementally kept index agrees with a rebuild.
	update(t, f.s, func(tx *Tx) error {
		n, err := tx.RebuildCatalogIndex()
		if n != 0 {
			t.Errorf("rebuild fixed %d rows", n)
		}
		return err
	})
	// A second entry for the same product is refused.
	err = f.s.Update("x", func(tx *Tx) error {
		return tx.SaveCatalogEntry(AdminScope(), &model.CatalogEntry{ProductID: prods[0].ID, CategoryID: cat})
	})
	wantField(t, err, "product_id", "err.already_in_catalog")
	// Dealer lists read the customer's index.
	view(t, f.s, func(tx *Tx) error {
		items, n, err := tx.ListCatalog(CustomerScope(f.c1.ID), CatalogFilter{}, Page{Limit: 10})
		if err != nil || n != 1 || items[0].Entry.ID != e.ID || items[0].Stock.Available() != 100_000 {
			t.Errorf("C001 catalog: %d %v", n, err)
		}
		if _, err := tx.CatalogEntry(CustomerScope(f.c1.ID), e2.ID); err == nil {
			t.Error("C001 reads the SOUTH entry by id")
		}
		if _, err := tx.CatalogEntryByCode(CustomerScope(f.c1.ID), "P2"); err == nil {
			t.Error("C001 reads the SOUTH entry by code")
		}
		return nil
	})
}

func TestCartConcurrentAdds(t *testing.T) {
	f := newFixture(t)
	cat, prods := catalogFixture(t, f)
	e := &model.CatalogEntry{ProductID: prods[0].ID, CategoryID: cat, Targets: []model.Target{{Kind: model.TargetCustomer, ID: f.c1.ID}}}
	update(t, f.s, func(tx *Tx) error {
		if err := tx.SaveCatalogEntry(AdminScope(), e); err != nil {
			return err
		}
		return tx.AuditCatalogQuiet(e.ID, f.admin)
	})
	sc := CustomerScope(f.c1.ID)
	update(t, f.s, func(tx *Tx) error { _, err := tx.AddToCart(sc, f.d1a.ID, e.ID, 1000); return err })
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- f.s.Update("d", func(tx *Tx) error { _, err := tx.AddToCart(sc, f.d1a.ID, e.ID, 1000); return err })
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	view(t, f.s, func(tx *Tx) error {
		if q := tx.CartLineQty(f.d1a.ID, e.ID); q != 101_000 {
			t.Errorf("qty after 100 concurrent adds = %s, want 101", q)
		}
		if q := tx.CartLineQty(f.d1b.ID, e.ID); q != 0 {
			t.Errorf("the other user's cart has %s", q)
		}
		return nil
	})
}

func TestCartPricesAndAvailability(t *testing.T) {
	f := newFixture(t)
	cat, prods := catalogFixture(t, f)
	e := &model.CatalogEntry{ProductID: prods[0].ID, CategoryID: cat, MinQty: 2000, Multiple: 2000,
		Targets: []model.Target{{Kind: model.TargetGroup, ID: f.vip}}}
	update(t, f.s, func(tx *Tx) error {
		if err := tx.SaveCatalogEntry(AdminScope(), e); err != nil {
			return err
		}
		if err := tx.AuditCatalogQuiet(e.ID, f.admin); err != nil {
			return err
		}
		for _, r := range []*model.PriceRecord{
			{CustomerID: f.c1.ID, ProductID: prods[0].ID, Price: 9000},
			{CustomerID: f.c1.ID, ProductID: prods[0].ID, Price: 8000, MinQty: 10000},
			{GroupID: f.vip, ProductID: prods[0].ID, Price: 9500},
		} {
			if err := tx.SavePriceRecord(AdminScope(), r); err != nil {
				return err
			}
			if _, err := tx.ApplyPriceAction(AdminScope(), r.ID, "audit", f.admin, r.Version); err != nil {
				return err
			}
		}
		return nil
	})
	sc := CustomerScope(f.c1.ID)
	err := f.s.Update("d", func(tx *Tx) error { _, err := tx.AddToCart(sc, f.d1a.ID, e.ID, 1000); return err })
	wantField(t, err, "qty", "err.qty_min")
	update(t, f.s, func(tx *Tx) error { _, err := tx.AddToCart(sc, f.d1a.ID, e.ID, 0); return err })
	view(t, f.s, func(tx *Tx) error {
		rows, tot, err := tx.Cart(sc, f.d1a.ID)
		if err != nil || len(rows) != 1 || rows[0].Line.Qty != 2000 || rows[0].Item.Quote.Price != 9000 || tot.Amount != 18000 {
			t.Errorf("cart: %v %+v %+v", err, rows[0].Line, tot)
		}
		return nil
	})
	err = f.s.Update("d", func(tx *Tx) error { _, err := tx.SetCartQty(sc, f.d1a.ID, e.ID, 3000); return err })
	wantField(t, err, "qty", "err.qty_multiple")
	update(t, f.s, func(tx *Tx) error { _, err := tx.SetCartQty(sc, f.d1a.ID, e.ID, 10000); return err })
	view(t, f.s, func(tx *Tx) error {
		rows, tot, _ := tx.Cart(sc, f.d1a.ID)
		if rows[0].Item.Quote.Price != 8000 || tot.Amount != 80000 || rows[0].PriceChanged {
			t.Errorf("quantity break: %+v %+v", rows[0].Item.Quote, tot)
		}
		lines, err := tx.OrderableCartLines(sc, f.d1a.ID, nil)
		if err != nil || len(lines) != 1 || lines[0].UnitPrice != 8000 {
			t.Errorf("orderable: %v %+v", err, lines)
		}
		// C005 (group STD) gets the list price and cannot see the VIP entry.
		if q, _ := tx.Quote(f.c5.ID, prods[0].ID, 1000); q.Price != 10000 {
			t.Errorf("C005 quote %+v", q)
		}
		recs, err := tx.PriceLookup(CustomerScope(f.c1.ID), e.ID)
		if err != nil || len(recs) != 3 {
			t.Errorf("dealer price look-up: %d %v", len(recs), err)
		}
		if _, err := tx.PriceLookup(CustomerScope(f.c5.ID), e.ID); err == nil {
			t.Error("C005 looks up prices of an entry not published to it")
		}
		return nil
	})
	// Unpublish: the line stays, unavailable, not orderable.
	update(t, f.s, func(tx *Tx) error {
		_, err := tx.ChangeCatalogTargets(AdminScope(), e.ID, []model.Target{{Kind: model.TargetGroup, ID: f.vip}}, false, 2)
		return err
	})
	view(t, f.s, func(tx *Tx) error {
		rows, tot, _ := tx.Cart(sc, f.d1a.ID)
		if len(rows) != 1 || rows[0].Available() || tot.Unavailable != 1 || tot.Amount != 0 {
			t.Errorf("unpublished line: %+v", tot)
		}
		if _, err := tx.OrderableCartLines(sc, f.d1a.ID, nil); err == nil {
			t.Error("an unavailable line is orderable")
		}
		return nil
	})
}

func TestVisitRecorder(t *testing.T) {
	f := newFixture(t)
	r := NewVisitRecorder(f.s)
	for range 5 {
		r.Record(7, f.d1a.ID, testNow)
	}
	r.Record(7, f.d1b.ID, testNow.Add(3600e9))
	if r.Pending() != 2 {
		t.Fatalf("pending %d", r.Pending())
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	r.Record(7, f.d1a.ID, testNow.Add(7200e9))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r.Record(7, f.d1a.ID, testNow.Add(9000e9)) // after close: written through
	view(t, f.s, func(tx *Tx) error {
		v := tx.VisitOf(7, f.d1a.ID)
		if v == nil || v.Count != 7 || !v.First.Equal(testNow) || !v.Last.Equal(testNow.Add(9000e9)) {
			t.Errorf("visit %+v", v)
		}
		return nil
	})
}

// TestCatalogStaffScope: regional staff see, count and act on only the
// entries whose publish targets lie within their scope, may target only
// groups and org units within it (form and import alike), and count only
// customers in scope.
func TestCatalogStaffScope(t *testing.T) {
	f := newFixture(t)
	cat, prods := catalogFixture(t, f)
	north, south := f.scope(f.northLead), f.scope(f.southViewer)
	save := func(sc Scope, e *model.CatalogEntry) error {
		return f.s.Update("x", func(tx *Tx) error { return tx.SaveCatalogEntry(sc, e) })
	}
	southOnly := &model.CatalogEntry{ProductID: prods[0].ID, CategoryID: cat, Targets: []model.Target{{Kind: model.TargetOrg, ID: f.south}}}
	everyone := &model.CatalogEntry{ProductID: prods[1].ID, CategoryID: cat, Targets: []model.Target{{Kind: model.TargetOrg, ID: f.hq}}}
	for _, e := range []*model.CatalogEntry{southOnly, everyone} {
		if err := save(AdminScope(), e); err != nil {
			t.Fatal(err)
		}
	}
	update(t, f.s, func(tx *Tx) error {
		_, err := tx.ApplyCatalogAction(AdminScope(), everyone.ID, "audit", f.admin, 0)
		return err
	})
	view(t, f.s, func(tx *Tx) error {
		for _, id := range []uint64{southOnly.ID, everyone.ID} {
			_, err := tx.CatalogEntry(north, id)
			wantNotFound(t, err)
		}
		if _, err := tx.CatalogEntry(south, southOnly.ID); err != nil {
			t.Errorf("south: %v", err)
		}
		for sc, want := range map[*Scope]int{&north: 0, &south: 1} {
			rows, total, err := tx.ListCatalog(*sc, CatalogFilter{}, Page{})
			if err != nil || total != want || len(rows) != want || tx.CountCatalog(*sc) != want {
				t.Errorf("list %d/%d, count %d, want %d (%v)", len(rows), total, tx.CountCatalog(*sc), want, err)
			}
		}
		if n := tx.CountCatalog(AdminScope()); n != 2 {
			t.Errorf("admin counts %d", n)
		}
		// Covered customers as each scope counts them: HQ covers C001, C002,
		// C003, C005 (C004 is inactive but covered too).
		if got := tx.CatalogCoverage(AdminScope(), everyone); len(got) != 5 {
			t.Errorf("admin coverage %v", got)
		}
		if got := tx.CatalogCoverage(north, everyone); !sameIDs(got, ids(f.c1, f.c2, f.c3)) {
			t.Errorf("north coverage %v", got)
		}
		return nil
	})
	// Acting on an entry outside the scope: not found.
	for _, fn := range []func(tx *Tx) error{
		func(tx *Tx) error {
			_, err := tx.ApplyCatalogAction(north, southOnly.ID, "audit", f.northLead, 0)
			return err
		},
		func(tx *Tx) error {
			_, err := tx.ApplyCatalogAction(north, everyone.ID, "unaudit", f.northLead, 0)
			return err
		},
		func(tx *Tx) error {
			_, err := tx.ChangeCatalogTargets(north, everyone.ID, []model.Target{{Kind: model.TargetOrg, ID: f.hq}}, false, everyone.Version)
			return err
		},
		func(tx *Tx) error { e := *southOnly; e.Title = "x"; return tx.SaveCatalogEntry(north, &e) },
	} {
		wantNotFound(t, f.s.Update("x", fn))
	}
	// Targets outside the scope are refused at the field.
	for _, tg := range []model.Target{{Kind: model.TargetOrg, ID: f.south}, {Kind: model.TargetOrg, ID: f.hq}, {Kind: model.TargetGroup, ID: f.vip}} {
		e := &model.CatalogEntry{ProductID: prods[2].ID, CategoryID: cat, Targets: []model.Target{tg}}
		wantField(t, save(north, e), "targets", "err.audience_out_of_scope")
	}
	mine := &model.CatalogEntry{ProductID: prods[2].ID, CategoryID: cat, Targets: []model.Target{{Kind: model.TargetOrg, ID: f.bj}}}
	if err := save(north, mine); err != nil {
		t.Fatalf("own branch: %v", err)
	}
	err := f.s.Update("x", func(tx *Tx) error {
		_, err := tx.ChangeCatalogTargets(north, mine.ID, []model.Target{{Kind: model.TargetOrg, ID: f.south}}, true, mine.Version)
		return err
	})
	wantField(t, err, "targets", "err.audience_out_of_scope")
	// The import refuses the row, naming the column.
	update(t, f.s, func(tx *Tx) error {
		for _, code := range []string{"P8", "P9"} {
			if err := tx.SaveProduct(&model.Product{Code: code, Name: code, Unit: "台", Active: true}); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, f.s, func(tx *Tx) error {
		plan := tx.PlanCatalogImport(north, [][]string{
			{"product_code", "category_code", "org_units", "groups"},
			{"P8", "MOTOR", "SOUTH", ""},
			{"P9", "MOTOR", "", "VIP"},
		})
		if len(plan.Entries) != 0 || len(plan.Errors) != 2 {
			t.Fatalf("plan: %d entries, errors %+v", len(plan.Entries), plan.Errors)
		}
		for i, col := range []string{"org_units", "groups"} {
			if e := plan.Errors[i]; e.Row != i+2 || e.Column != col || e.Key != "err.audience_out_of_scope_value" {
				t.Errorf("row error %+v", e)
			}
		}
		return nil
	})
}

// TestGroupPriceStaffScope: a group price sets what every member pays, so
// regional staff see, save, list and import one only for a group whose
// members all lie in their scope (the audience rule); admins see all.
func TestGroupPriceStaffScope(t *testing.T) {
	f := newFixture(t)
	_, prods := catalogFixture(t, f)
	north, admin := f.scope(f.northLead), AdminScope()
	rec := &model.PriceRecord{GroupID: f.vip, ProductID: prods[0].ID, Price: 9000, MinQty: 1, From: "2026-01-01"}
	update(t, f.s, func(tx *Tx) error { return tx.SavePriceRecord(AdminScope(), rec) })
	view(t, f.s, func(tx *Tx) error {
		_, err := tx.PriceRecord(north, rec.ID)
		wantNotFound(t, err)
		if _, err := tx.PriceRecord(AdminScope(), rec.ID); err != nil {
			t.Errorf("admin: %v", err)
		}
		for sc, want := range map[*Scope]bool{&north: false, &admin: true} {
			rows, total, err := tx.ListPrices(*sc, PriceFilter{GroupID: f.vip}, Page{})
			found := false
			for _, r := range rows {
				found = found || r.ID == rec.ID
			}
			if err != nil || found != want || (total > 0) != want {
				t.Errorf("list as %v: found %v of %d (%v), want %v", sc, found, total, err, want)
			}
		}
		plan := tx.PlanPriceImport(north, [][]string{
			{"group_code", "product_code", "price", "min_qty", "from"},
			{"VIP", prods[1].Code, "88", "1", "2026-01-01"},
		})
		if len(plan.Errors) == 0 || plan.Errors[0].Column != "group_code" || plan.Errors[0].Key != "err.audience_out_of_scope_value" {
			t.Errorf("import plan errors %+v", plan.Errors)
		}
		return nil
	})
	mine := &model.PriceRecord{GroupID: f.vip, ProductID: prods[1].ID, Price: 8000, MinQty: 1, From: "2026-01-01"}
	wantField(t, f.s.Update("x", func(tx *Tx) error { return tx.SavePriceRecord(north, mine) }), "group_id", "err.audience_out_of_scope")
}
