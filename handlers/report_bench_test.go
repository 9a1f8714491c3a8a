package handlers

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"dealerportal/bench/basepage"

	"github.com/gofiber/fiber/v2"
)

// BenchmarkLoadReports sends three scenarios of the load script
// (bench/prepare) through the whole Fiber stack, beside the bare baseline
// page, as the script sends them (gzip accepted, no If-None-Match):
// "statements" cycles through the statements of this month of the dealers
// c0001…c0064 (each its own; c0001 is the key account), "execution" is the
// staff execution report, "page200" the staff sales-order list's page 200
// reached by its "next" links. The figure to compare is cpu-ns/op divided by
// the baseline's (docs/PERFORMANCE.md):
//
//	go run . demo --db /tmp/v.db --customers 1000 --products 2000 --entries 300 --orders 20000 --reconciliation
//	REPORT_BENCH_DB=/tmp/v.db go test ./handlers -run '^$' -bench LoadReports -benchtime 640x
//
// REPORT_BENCH_DUMP=dir writes the two HTML pages there. The file is copied first (logging in writes sessions). Without
// REPORT_BENCH_DB a smaller volume is generated into a temp dir.
func BenchmarkLoadReports(b *testing.B) {
	path := filepath.Join(b.TempDir(), "volume.db")
	if src := os.Getenv("REPORT_BENCH_DB"); src != "" {
		in, err := os.ReadFile(src)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, in, 0o600); err != nil {
			b.Fatal(err)
		}
	} else {
		path = benchDB(b, "", "--customers", "100", "--products", "400", "--entries", "100", "--orders", "3000", "--reconciliation")
	}
	app := openApp(b, path)
	var dealers []*benchEnv
	var statements []string
	for i := 1; i <= 64; i++ {
		user := fmt.Sprintf("c%04d.buyer", i)
		body := ""
		e := &benchEnv{app: app, cookie: benchLogin(b, app, user).cookie()}
		body = e.get(b, "/balances")
		m := regexp.MustCompile(`href="(/balances/\d+)[?"]`).FindStringSubmatch(body)
		if m == nil {
			if i == 1 {
				b.Fatal("no link to the balance detail")
			}
			break
		}
		dealers = append(dealers, e)
		statements = append(statements, strings.Replace(m[1], "/balances", "/statements", 1))
	}
	staff := &benchEnv{app: app, cookie: benchLogin(b, app, "admin").cookie()}
	// The load script's staff sessions, each scenario cycling through those
	// that get the page.
	var staffs []*benchEnv
	for _, u := range []string{"admin", "finance", "service"} {
		e := &benchEnv{app: app, cookie: benchLogin(b, app, u).cookie()}
		if st, _ := benchStatus(app, e.cookie, "/sales-orders"); st == http.StatusOK {
			staffs = append(staffs, e)
		}
	}
	deep := "/sales-orders"
	next := regexp.MustCompile(`<a href="([^"]+)"[^>]*rel="next"`)
	for page := 1; page < 200; page++ {
		m := next.FindStringSubmatch(staff.get(b, deep))
		if m == nil {
			break
		}
		deep = html.UnescapeString(m[1])
	}
	if dir := os.Getenv("REPORT_BENCH_DUMP"); dir != "" { // the pages as served, to look at
		for name, p := range map[string]string{"execution.html": "/reports/sales-order-execution", "page200.html": deep} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(staff.get(b, p)), 0o600); err != nil {
				b.Fatal(err)
			}
		}
	}
	for i := range dealers { // each statement once: the load script's warm-up
		dealers[i].get(b, statements[i])
	}
	base := &benchEnv{app: basepage.App()}
	run := func(name string, req func(i int) (*benchEnv, string)) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			i := 0
			for b.Loop() {
				e, p := req(i)
				i++
				r := httptest.NewRequest(http.MethodGet, p, nil)
				if e.cookie != "" {
					r.Header.Set("Cookie", e.cookie)
				}
				r.Header.Set("Accept-Encoding", "gzip, deflate, br")
				res, err := e.app.Test(r, -1)
				if err != nil || res.StatusCode != http.StatusOK {
					b.Fatalf("%s: %v %v", p, err, res)
				}
				res.Body.Close()
			}
		})
	}
	// The baseline as the load script asks for it (wrk sends the same
	// Accept-Encoding to both: brotli).
	run("baseline", func(int) (*benchEnv, string) { return base, "/" })
	run("statements", func(i int) (*benchEnv, string) { i %= len(dealers); return dealers[i], statements[i] })
	run("statement-key-account", func(int) (*benchEnv, string) { return dealers[0], statements[0] })
	run("execution", func(i int) (*benchEnv, string) { return staffs[i%len(staffs)], "/reports/sales-order-execution" })
	run("page200", func(i int) (*benchEnv, string) { return staffs[i%len(staffs)], deep })
}

// benchStatus is the status of a GET of path with cookie.
func benchStatus(app *fiber.App, cookie, path string) (int, error) {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("Cookie", cookie)
	res, err := app.Test(r, -1)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}
