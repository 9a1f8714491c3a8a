package handlers

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"dealerportal/demo"
	"dealerportal/store"
	"dealerportal/store/kv"
	"dealerportal/store/kv/pgkv"
	"dealerportal/store/kv/pgtest"

	"github.com/gofiber/fiber/v2"
)

// BenchmarkLoadPages runs the pages of bench/load.sh's scenarios in
// process, one request at a time, on the backend of the test run (a bbolt
// file, or the private PostgreSQL cluster with PORTAL_TEST_BACKEND=postgres)
// on a small generated volume (200 customers, 2,000 products, 300 catalog
// entries, 1,000 sales orders, with reconciliation). Per page it reports
// the process's CPU per request (cpu-µs/op: the portal's work, PostgreSQL's
// own CPU is not in it) and, on PostgreSQL, the round trips per request
// (trips/op). Run it on both backends and compare page by page, beside the
// baseline page of the same run:
//
//	go test ./handlers -run '^$' -bench LoadPages -benchtime 200x
//	PORTAL_TEST_BACKEND=postgres go test ./handlers -run '^$' -bench LoadPages -benchtime 200x
func BenchmarkLoadPages(b *testing.B) {
	dsn := pgtest.DSN(b, "load.db")
	if err := demo.GenerateVolume([]string{"--db", dsn, "--customers", "200", "--products", "2000", "--entries", "300",
		"--orders", "1000", "--reconciliation"}, io.Discard); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	app := openAppOn(b, st)
	dealer := loginEnv(b, app, "c0001.buyer")
	staff := loginEnv(b, app, "admin")
	finance := loginEnv(b, app, "finance")

	// The dealer's cart (five lines) and a few orders, as bench/prepare
	// leaves them.
	page := dealer.get(b, "/catalog?size=5&sort=name")
	for _, m := range regexp.MustCompile(`name="ids" value="(\d+)"`).FindAllStringSubmatch(page, 5) {
		dealer.post(b, "/catalog/"+m[1]+"/cart", url.Values{"qty": {"0"}})
	}
	order := dealer.orderForm(b, st, "C0001")
	var last string
	for i := range 5 {
		last = dealer.submit(b, order, fmt.Sprintf("warm-%d", i))
	}
	balances := finance.get(b, "/balances")
	detail := regexp.MustCompile(`href="(/balances/\d+)[?"]`).FindStringSubmatch(dealer.get(b, "/balances"))
	if detail == nil || balances == "" {
		b.Fatal("no link to the dealer's balance detail")
	}
	next := regexp.MustCompile(`<a href="([^"]+)"[^>]*rel="next"`)
	deep := "/sales-orders"
	for range 20 {
		m := next.FindStringSubmatch(staff.get(b, deep))
		if m == nil {
			break
		}
		deep = strings.ReplaceAll(m[1], "&amp;", "&")
	}

	trips := roundTripCounter(st.KV())
	benchBaseline(b)
	run := func(name string, do func(i int)) {
		b.Run(name, func(b *testing.B) {
			do(-1)
			b.ReportAllocs()
			var t0 uint64
			if trips != nil {
				t0 = trips()
			}
			stop := profilePage(b, name)
			pg0 := postgresCPU()
			cpu0 := processCPU()
			i := 0
			for b.Loop() {
				do(i)
				i++
			}
			stop()
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
			if pg0 >= 0 {
				b.ReportMetric(float64((postgresCPU()-pg0).Microseconds())/float64(b.N), "pg-cpu-µs/op")
			}
			if trips != nil {
				b.ReportMetric(float64(trips()-t0)/float64(b.N), "trips/op")
			}
		})
	}
	runID := strconv.FormatInt(time.Now().UnixNano(), 36)
	run("submit", func(i int) { dealer.submit(b, order, runID+"-"+strconv.Itoa(i)) })
	for _, p := range []struct {
		name string
		e    *benchEnv
		path string
	}{
		{"catalog", dealer, "/catalog"},
		{"cart", dealer, "/cart"},
		{"dealer_orders", dealer, "/online-orders"},
		{"tracking", dealer, "/tracking"},
		{"order_tracking", dealer, last},
		{"balance_detail", dealer, detail[1]},
		{"desk", staff, "/online-orders"},
		{"sales_orders", staff, "/sales-orders"},
		{"balances", finance, "/balances"},
		{"statement_pdf", dealer, strings.Replace(detail[1], "/balances", "/statements", 1)},
		{"execution", staff, "/reports/sales-order-execution"},
		{"invoices", finance, "/invoices"},
		{"sales_deep", staff, deep},
	} {
		run(p.name, func(int) { p.e.fetch(b, p.path) })
	}
}

// profilePage writes a CPU profile of the page's requests alone to
// $LOADPAGES_PROFILE/<name>.pb.gz when LOADPAGES_PROFILE names a folder; it
// returns the function that stops it.
func profilePage(b *testing.B, name string) func() {
	dir := os.Getenv("LOADPAGES_PROFILE")
	if dir == "" {
		return func() {}
	}
	return cpuProfile(b, filepath.Join(dir, name+".pb.gz"))
}

// postgresCPU returns the CPU time (user + system) of the private
// PostgreSQL cluster this test binary started (the postmaster is its
// child): the postmaster's, its live processes' (the pool's backends, the
// WAL writer …) and its reaped ones'; -1 when there is none (bbolt).
func postgresCPU() time.Duration {
	self := strconv.Itoa(os.Getpid())
	stat := func(pid string) []string {
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			return nil
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			return nil
		}
		return strings.Fields(s[i+1:]) // from field 3 (state) on
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	parent := map[string]string{}
	fields := map[string][]string{}
	for _, p := range procs {
		pid := filepath.Base(p)
		if f := stat(pid); len(f) > 14 {
			parent[pid], fields[pid] = f[1], f
		}
	}
	ticks := func(f []string, from, to int) int64 {
		var n int64
		for i := from; i <= to; i++ {
			v, _ := strconv.ParseInt(f[i], 10, 64)
			n += v
		}
		return n
	}
	var total int64
	found := false
	for pid, f := range fields {
		switch {
		case parent[pid] == self && strings.Contains(readComm(pid), "postgres"):
			found = true
			total += ticks(f, 11, 14) // utime, stime, cutime, cstime
		case parent[parent[pid]] == self && strings.Contains(readComm(parent[pid]), "postgres"):
			total += ticks(f, 11, 12)
		}
	}
	if !found {
		return -1
	}
	return time.Duration(total) * (time.Second / 100) // USER_HZ
}

func readComm(pid string) string {
	b, _ := os.ReadFile("/proc/" + pid + "/comm")
	return string(b)
}

// roundTripCounter returns the PostgreSQL round-trip counter of db, nil on
// bbolt.
func roundTripCounter(db kv.DB) func() uint64 { return pgkv.RoundTripsOf(db) }

// openAppOn builds the portal's app on st.
func openAppOn(b *testing.B, st *store.Store) *fiber.App {
	b.Helper()
	h, err := New(st, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return h.App()
}

// fetch requests path like a browser (gzip accepted) and fails on another
// status than 200.
func (e *benchEnv) fetch(b *testing.B, path string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Cookie", e.cookie)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := e.app.Test(req, -1)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("%s: %v %v", path, err, res)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
}

// orderForm returns the submit form of a one-line order of the dealer's
// cheapest visible item at its first order quantity, shipped to the first
// location offered (as bench/prepare orders).
func (e *benchEnv) orderForm(b *testing.B, st *store.Store, code string) url.Values {
	item, err := cheapestItem(st, code)
	loc := reOrderLocation.FindStringSubmatch(e.get(b, "/online-orders/new"))
	if err != nil || item == nil || loc == nil {
		b.Fatalf("%s: nothing to order or no location (%v)", code, err)
	}
	return url.Values{"location": {loc[1]}, "line.0.code": {item.Product.Code}, "line.0.qty": {item.Qty.String()},
		"remarks": {"bench"}, "action": {"submit"}}
}

// cheapestItem returns the customer's cheapest visible catalog item at its
// first order quantity, nil when it sees none with a price.
func cheapestItem(st *store.Store, code string) (*store.CatalogItem, error) {
	var item *store.CatalogItem
	err := st.View(func(t *store.Tx) error {
		c, err := t.CustomerByCode(store.AdminScope(), code)
		if err != nil {
			return err
		}
		items, _, err := t.ListCatalog(store.CustomerScope(c.ID), store.CatalogFilter{}, store.Page{Limit: 0})
		for _, it := range items {
			if it.Quote.Price > 0 && (item == nil || int64(it.Quote.Price)*int64(it.Qty) < int64(item.Quote.Price)*int64(item.Qty)) {
				item = it
			}
		}
		return err
	})
	return item, err
}

// submit posts the order form with the token idem and returns the new
// order's tracking path.
func (e *benchEnv) submit(b *testing.B, form url.Values, idem string) string {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_idem", idem)
	req := httptest.NewRequest(http.MethodPost, "/online-orders", strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", e.cookie)
	req.Header.Set("X-CSRF-Token", e.csrf)
	res, err := e.app.Test(req, -1)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/online-orders/") {
		b.Fatalf("submit: %d %s", res.StatusCode, errText(string(body)))
	}
	return "/tracking" + loc
}
