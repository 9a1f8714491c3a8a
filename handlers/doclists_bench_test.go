package handlers

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// BenchmarkStaffDocLists renders the staff document lists of the load
// script through the whole Fiber stack as admin (every customer), beside
// the bare baseline page (bench/basepage), on a generated volume with
// sales-order history and online orders (figures in docs/PERFORMANCE.md):
//
//	go run . demo --db /tmp/v.db --customers 1000 --products 20000 --entries 3000 --orders 20000
//	STAFFLIST_BENCH_DB=/tmp/v.db go test ./handlers -run '^$' -bench StaffDocLists -benchtime 200x
//
// The file is used in place (the benchmark logs in and, the first time,
// adds 2,000 online orders, a tenth of them converted). Without
// STAFFLIST_BENCH_DB a smaller volume is generated into a temp dir.
func BenchmarkStaffDocLists(b *testing.B) {
	path := benchDB(b, "STAFFLIST_BENCH_DB", "--customers", "200", "--products", "400", "--entries", "100", "--orders", "3000")
	addBenchOnlineOrders(b, path)
	e := loginEnv(b, openApp(b, path), "admin")
	// page 200 the way the pager leads there (the "next" links).
	next := regexp.MustCompile(`href="([^"]*)"[^>]*rel="next"`)
	deep := "/sales-orders"
	for page := 1; page < 200; page++ {
		m := next.FindStringSubmatch(e.get(b, deep))
		if m == nil {
			break
		}
		deep = html.UnescapeString(m[1])
	}
	page1 := e.get(b, "/sales-orders")
	q := "so-"
	if m := regexp.MustCompile(`>(SO-\d+-)\d+<`).FindStringSubmatch(page1); m != nil {
		q = strings.ToLower(m[1]) + "00012"
	}
	benchBaseline(b)
	benchPages(b, e, []struct{ name, path string }{
		{"desk", "/online-orders"},
		{"desk_50", "/online-orders?size=50"},
		{"sales", "/sales-orders"},
		{"sales_50", "/sales-orders?size=50"},
		{"sales_page200_next", deep},
		{"sales_page1000_typed", "/sales-orders?page=1000"},
		{"sales_closed_page100_typed", "/sales-orders?status=closed&page=100"},
		{"sales_search", "/sales-orders?q=" + url.QueryEscape(q)},
		{"sales_from_date", "/sales-orders?from=2026-01-01"},
	})
}

// addBenchOnlineOrders adds 2,000 submitted online orders spread over the
// customers (a tenth converted, pointing at an existing sales order), once.
func addBenchOnlineOrders(b *testing.B, path string) {
	b.Helper()
	st, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	sc := store.AdminScope()
	err = st.Update("bench", func(t *store.Tx) error {
		if t.CountDocs(sc, model.DocOnlineOrder) >= 2000 {
			return nil
		}
		custs := t.CustomerIDs(sc)
		sos, _, err := t.ListSalesOrders(sc, store.DocFilter{}, store.Page{Limit: 200})
		if err != nil || len(sos) == 0 {
			return err
		}
		for i := range 2000 {
			o := &model.OnlineOrder{CustomerID: custs[i%len(custs)], OrderDate: "2026-11-20", Remarks: "load test",
				ShipTo: model.ShipTo{Name: "公司总部"}}
			o.Status = model.StatusSubmitted
			o.Totals.Amount = model.Money(100000 + i)
			if i%10 == 0 {
				o.Status, o.SalesOrderID = model.StatusConverted, sos[i/10%len(sos)].ID
			}
			if err := t.InsertDoc(sc, model.DocOnlineOrder, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
