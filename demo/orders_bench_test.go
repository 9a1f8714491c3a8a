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
// deep page cost what the first does; a page number typed into the URL
// (an offset) costs about as much from the second read on, when the list's
// page anchors are recorded. The key account of `portal demo
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
		name string
		page store.Page
	}{
		{"page1", store.Page{Limit: size}},
		{"page1000", store.Page{Limit: size, After: after}},
		// typed as ?page=1000: an offset, served from the list's page
		// anchors once a walk has recorded them (store/docs_anchors.go)
		{"page1000_typed", store.Page{Limit: size, Offset: 999 * size}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var rows []model.DocSummary
			for b.Loop() {
				err := st.View(func(t *store.Tx) (err error) {
					rows, _, err = t.ListSalesOrders(sc, f, c.page)
					return err
				})
				if err != nil || len(rows) != size {
					b.Fatalf("%d rows: %v", len(rows), err)
				}
			}
		})
	}
}
