package store

import (
	"testing"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// TestPricerPrefetch: the quotes of a page whose price records were read
// ahead (pricer.prefetch: one range query and one key query on PostgreSQL)
// equal those read product by product, for customer and group records, a
// quantity break, an unaudited record and another customer's, and in a
// write transaction that has just saved a record.
func TestPricerPrefetch(t *testing.T) {
	f := newFixture(t)
	_, prods := catalogFixture(t, f)
	update(t, f.s, func(tx *Tx) error {
		for i, r := range []*model.PriceRecord{
			{CustomerID: f.c1.ID, ProductID: prods[0].ID, Price: 9000},
			{CustomerID: f.c1.ID, ProductID: prods[0].ID, Price: 8000, MinQty: 10000},
			{GroupID: f.vip, ProductID: prods[0].ID, Price: 9500},
			{GroupID: f.vip, ProductID: prods[1].ID, Price: 15000},
			{CustomerID: f.c1.ID, ProductID: prods[1].ID, Price: 1000}, // not audited
			{CustomerID: f.c2.ID, ProductID: prods[2].ID, Price: 2000},
		} {
			if err := tx.SavePriceRecord(AdminScope(), r); err != nil {
				return err
			}
			if i == 4 {
				continue
			}
			if _, err := tx.ApplyPriceAction(AdminScope(), r.ID, "audit", f.admin, r.Version); err != nil {
				return err
			}
		}
		return nil
	})
	ids := []uint64{prods[0].ID, prods[1].ID, prods[2].ID, 999_999}
	// Other keys read in the same query as the price records.
	var stock []kv.BucketKey
	for _, id := range ids {
		stock = append(stock, kv.BucketKey{Bucket: bStock, Key: itob(id)})
	}
	compare := func(tx *Tx, customer uint64, want map[uint64]model.Money) {
		t.Helper()
		for _, qty := range []model.Qty{1000, 10000} {
			one, ahead := tx.newPricer(CustomerScope(customer)), tx.newPricer(CustomerScope(customer))
			ahead.prefetch(ids, stock)
			if f.s.Postgres() && ahead.recs == nil {
				t.Error("nothing read ahead on PostgreSQL") // not Fatal: this may run in the committer's goroutine
				return
			}
			for _, p := range prods {
				a, b := one.quoteOf(p.ID, p.ListPrice, qty), ahead.quoteOf(p.ID, p.ListPrice, qty)
				if a != b {
					t.Errorf("customer %d, product %s, qty %s: %+v read ahead, %+v one by one", customer, p.Code, qty, b, a)
				}
				if w, ok := want[p.ID]; ok && qty == 1000 && b.Price != w {
					t.Errorf("customer %d, product %s: price %d, want %d", customer, p.Code, b.Price, w)
				}
			}
		}
	}
	view(t, f.s, func(tx *Tx) error {
		compare(tx, f.c1.ID, map[uint64]model.Money{prods[0].ID: 9000, prods[2].ID: 30000})
		compare(tx, f.c2.ID, map[uint64]model.Money{prods[2].ID: 2000})
		compare(tx, f.c5.ID, nil)
		return nil
	})
	update(t, f.s, func(tx *Tx) error {
		r := &model.PriceRecord{CustomerID: f.c1.ID, ProductID: prods[2].ID, Price: 100}
		if err := tx.SavePriceRecord(AdminScope(), r); err != nil {
			return err
		}
		if _, err := tx.ApplyPriceAction(AdminScope(), r.ID, "audit", f.admin, r.Version); err != nil {
			return err
		}
		compare(tx, f.c1.ID, map[uint64]model.Money{prods[2].ID: 100})
		return nil
	})
}
