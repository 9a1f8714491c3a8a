package handlers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dealerportal/demo"

	"github.com/gofiber/fiber/v2"
)

// BenchmarkBalancePages sends the reconciliation and report pages of the
// load script through the whole Fiber stack, on a generated dataset with
// sales-order history and, like the load script's, reconciliation data
// (figures in docs/PERFORMANCE.md):
//
//	go run . demo --db /tmp/v.db --customers 1000 --products 2000 --entries 300 --orders 20000 --reconciliation
//	BALANCE_BENCH_DB=/tmp/v.db go test ./handlers -run '^$' -bench BalancePages -benchtime 50x
//
// The file is copied first (the benchmark logs in, which writes sessions).
// Without BALANCE_BENCH_DB a smaller volume (with reconciliation data) is
// generated into a temp dir.
// c0001 is the generated key account (a tenth of all orders): its balance
// detail and statement are the heavy ones.
func BenchmarkBalancePages(b *testing.B) {
	path := filepath.Join(b.TempDir(), "volume.db")
	if src := os.Getenv("BALANCE_BENCH_DB"); src != "" {
		in, err := os.ReadFile(src)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, in, 0o600); err != nil {
			b.Fatal(err)
		}
	} else if err := demo.GenerateVolume([]string{"--db", path, "--customers", "200", "--products", "400", "--entries", "100", "--orders", "3000", "--reconciliation"}, io.Discard); err != nil {
		b.Fatal(err)
	}
	app := openApp(b, path)
	key, plain, staff := benchLogin(b, app, "c0001.buyer").cookie(), benchLogin(b, app, "c0002.buyer").cookie(), benchLogin(b, app, "finance").cookie()
	detailOf := func(cookie string) string {
		body := benchGet(b, app, cookie, "/balances", http.StatusOK)
		i := strings.Index(body, `href="/balances/`)
		if i < 0 {
			b.Fatal("no link to the balance detail")
		}
		return body[i+6 : i+6+strings.IndexByte(body[i+6:], '"')]
	}
	cases := []struct {
		name, cookie, path string
	}{
		{"detail-key-account", key, detailOf(key)},
		{"detail-plain", plain, detailOf(plain)},
		{"summary-staff", staff, "/balances"},
		{"statement-key-account", key, strings.Replace(detailOf(key), "/balances/", "/statements/", 1)},
		{"execution-staff", staff, "/reports/sales-order-execution"},
	}
	benchBaseline(b)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, c.path, nil)
				req.Header.Set("Cookie", c.cookie)
				req.Header.Set("Accept-Encoding", "gzip") // like a browser and the baseline
				res, err := app.Test(req, -1)
				if err != nil || res.StatusCode != http.StatusOK {
					b.Fatalf("%v %v", err, res)
				}
				res.Body.Close()
			}
		})
	}
}

// benchGet fetches path (uncompressed) and fails on
// another status.
func benchGet(b *testing.B, app *fiber.App, cookie, path string, want int) string {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Cookie", cookie)
	res, err := app.Test(req, -1)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		b.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	return string(body)
}
