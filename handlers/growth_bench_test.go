package handlers

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"dealerportal/demo"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// BenchmarkGrowth walks the pages of the load script (bench/prepare's
// scenarios, the same users and paths) at each size, so that a page's cost
// at 10× the customers and products can be read beside its cost at 1×
// (docs/PERFORMANCE.md, "Growth"):
//
//	GROWTH_BENCH_DBS=/tmp/x1.db,/tmp/x10.db go test ./handlers -run '^$' -bench Growth -benchtime 20x
//
// GROWTH_BENCH_DBS lists generated databases (`portal demo … --orders N
// --reconciliation`), used in place: the benchmark logs in, fills a cart and
// submits orders into them. Without it two small sizes are generated (40
// and 400 customers). Each sub-benchmark, <file>/<page>, reports cpu-ns/op
// (process CPU, GC included), allocs/op and rows: what the page shows (its
// table rows, or a PDF's KB), so that an empty page is not taken for a fast
// one. The deep page is the sales-order list's page 1,000 reached through
// the "next" links (the last page when the list is shorter; its number is
// in the name).
func BenchmarkGrowth(b *testing.B) {
	var paths []string
	if v := os.Getenv("GROWTH_BENCH_DBS"); v != "" {
		paths = strings.Split(v, ",")
	} else {
		for _, n := range []int{40, 400} {
			p := filepath.Join(b.TempDir(), fmt.Sprintf("c%d.db", n))
			if err := demo.GenerateVolume([]string{"--db", p, "--customers", strconv.Itoa(n), "--products", strconv.Itoa(20 * n),
				"--entries", "200", "--orders", strconv.Itoa(20 * n), "--reconciliation"}, io.Discard); err != nil {
				b.Fatal(err)
			}
			paths = append(paths, p)
		}
	}
	for _, path := range paths {
		b.Run(strings.TrimSuffix(filepath.Base(path), ".db"), func(b *testing.B) { growthPages(b, path) })
	}
}

// growthPage is one request of the load script as one user.
type growthPage struct {
	name, cookie, method, path string
	form                       func(i int) string // POST body of the i-th request
	status                     int
}

func growthPages(b *testing.B, path string) {
	st, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	h, err := New(st, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	app := h.App()
	dealer := "c0001.buyer" // c00001.buyer from 10,000 customers on
	if st.View(func(t *store.Tx) error { _, err := t.UserByUsername(dealer); return err }) != nil {
		dealer = "c00001.buyer"
	}
	d := loginEnv(b, app, dealer)
	// The cart: the first five items of the catalog, as bench/prepare fills it.
	var ids []string
	for _, m := range regexp.MustCompile(`name="ids" value="(\d+)"`).FindAllStringSubmatch(d.get(b, "/catalog?size=5&sort=code"), 5) {
		ids = append(ids, m[1])
	}
	d.post(b, "/catalog/selected", map[string][]string{"ids": ids, "action": {"cart"}})
	// Orders of its own for the order list and the tracking pages.
	order := storageSession(b, app, st, dealer)
	run := time.Now().UnixNano() // the form tokens of this run
	submit := func(i int) string {
		f := cloneValues(order.form)
		f.Set("_idem", fmt.Sprintf("growth-%d-%d", run, i))
		return f.Encode()
	}
	var last string
	for i := range 5 {
		last = growthDo(b, app, growthPage{cookie: order.cookie, method: http.MethodPost, path: "/online-orders", form: submit, status: http.StatusSeeOther}, -1-i)
	}
	finance, admin := loginEnv(b, app, "finance").cookie, loginEnv(b, app, "admin").cookie
	summary := growthDo(b, app, growthPage{cookie: d.cookie, method: http.MethodGet, path: "/balances", status: http.StatusOK}, 0)
	detail := regexp.MustCompile(`href="(/balances/\d+)[?"]`).FindStringSubmatch(summary)
	if detail == nil {
		b.Fatal("no link to the balance detail on the dealer's /balances")
	}
	deep, n := "/sales-orders", 1
	for ; n < 1000; n++ {
		m := reGrowthNext.FindStringSubmatch(growthDo(b, app, growthPage{cookie: admin, method: http.MethodGet, path: deep, status: http.StatusOK}, 0))
		if m == nil {
			break
		}
		deep = html.UnescapeString(m[1])
	}
	get := func(name, cookie, path string) growthPage {
		return growthPage{name: name, cookie: cookie, method: http.MethodGet, path: path, status: http.StatusOK}
	}
	pages := []growthPage{
		{name: "submit", cookie: order.cookie, method: http.MethodPost, path: "/online-orders", form: submit, status: http.StatusSeeOther},
		get("catalog", d.cookie, "/catalog"),
		get("cart", d.cookie, "/cart"),
		get("order-list", d.cookie, "/online-orders"),
		get("tracking-list", d.cookie, "/tracking"),
		get("order-tracking", d.cookie, "/tracking"+last),
		get("balance-detail", d.cookie, detail[1]),
		get("order-desk", admin, "/online-orders"),
		get("sales-orders-page1", admin, "/sales-orders"),
		get(fmt.Sprintf("sales-orders-page%d", n), admin, deep),
		get("balance-summary", finance, "/balances"),
		get("statement-pdf", d.cookie, strings.Replace(detail[1], "/balances/", "/statements/", 1)),
		get("execution-report", admin, "/reports/sales-order-execution"),
		get("invoice-list", finance, "/invoices"),
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			rows := growthRows(growthDo(b, app, p, -1000))
			b.ReportAllocs()
			defer reportCPU(b)()
			i := 0
			for b.Loop() {
				growthDo(b, app, p, i)
				i++
			}
			b.ReportMetric(rows, "rows")
		})
	}
}

var reGrowthNext = regexp.MustCompile(`<a href="([^"]+)"[^>]*rel="next"`)

// growthDo sends the i-th request of p like a browser (gzip accepted) and
// returns the body (decompressed), or the Location of a redirect.
func growthDo(b *testing.B, app *fiber.App, p growthPage, i int) string {
	var body io.Reader
	if p.form != nil {
		body = strings.NewReader(p.form(i))
	}
	req := httptest.NewRequest(p.method, p.path, body)
	req.Header.Set("Cookie", p.cookie)
	if p.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := app.Test(req, -1)
	if err == nil && res.StatusCode != p.status {
		err = errors.New(res.Status)
	}
	if err != nil {
		b.Fatalf("%s %s: %v", p.method, p.path, err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusSeeOther {
		return res.Header.Get("Location")
	}
	out, err := io.ReadAll(res.Body)
	if err != nil {
		b.Fatal(err)
	}
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(out))
		if err == nil {
			out, err = io.ReadAll(zr)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	return string(out)
}

var (
	reGrowthTbody = regexp.MustCompile(`(?s)<tbody[^>]*>(.*?)</tbody>`)
	reGrowthRow   = regexp.MustCompile(`<tr[\s>]`)
	reGrowthItem  = regexp.MustCompile(`class="(?:item-row|cart-line|step done)`)
)

// growthRows counts what a page shows: its tbody rows, catalog items, cart
// lines and tracking steps reached, or a PDF's KB.
func growthRows(body string) float64 {
	if strings.HasPrefix(body, "%PDF") {
		return float64(len(body)) / 1024
	}
	n := len(reGrowthItem.FindAllStringIndex(body, -1))
	for _, m := range reGrowthTbody.FindAllStringSubmatch(body, -1) {
		n += len(reGrowthRow.FindAllStringIndex(m[1], -1))
	}
	return float64(n)
}
