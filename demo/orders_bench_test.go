package demo

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// BenchmarkCustomerOrderPages lists page 1 and page 1,000 (20 rows a page)
// of one customer's sales orders (staff's list filtered by the customer: a
// prefix of the customer index), on a generated history: keyset paging
// (store.Page.After, the "next" links of every document list) makes the
// deep page cost what the first does. The key account of `portal demo
// --orders N` has a tenth of the orders, so N = 200,000 gives it about
// 20,170 (1,009 pages):
//
//	go run . demo --db /tmp/orders.db --customers 1000 --orders 200000
//	SHIPPING_BENCH_DB=/tmp/orders.db go test ./demo -run '^$' -bench CustomerOrderPages
//
// Without SHIPPING_BENCH_DB it first generates 20,100 orders of a single
// customer (about 30 s).
func BenchmarkCustomerOrderPages(b *testing.B) {
	path := os.Getenv("SHIPPING_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "orders.db")
		if err := run([]string{"--db", path, "--customers", "1", "--users", "1", "--orders", "20100"}, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	st, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const size = 20
	sc := store.AdminScope()
	var f store.DocFilter
	var after uint64 // the cursor of page 1,000
	err = st.View(func(t *store.Tx) error {
		f.CustomerID = t.CustomerIDs(sc)[0]
		for page := 1; page < 1000; page++ {
			rows, _, err := t.ListSalesOrders(sc, f, store.Page{Limit: size, After: after})
			if err != nil {
				return err
			}
			if len(rows) < size {
				b.Skipf("the key account has only %d pages", page)
			}
			after = rows[len(rows)-1].ID
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		after uint64
	}{{"page1", 0}, {"page1000", after}} {
		b.Run(c.name, func(b *testing.B) {
			var rows []model.DocSummary
			for b.Loop() {
				err := st.View(func(t *store.Tx) (err error) {
					rows, _, err = t.ListSalesOrders(sc, f, store.Page{Limit: size, After: c.after})
					return err
				})
				if err != nil || len(rows) != size {
					b.Fatalf("%d rows: %v", len(rows), err)
				}
			}
		})
	}
}
