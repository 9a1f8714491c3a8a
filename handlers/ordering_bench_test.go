package handlers

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"dealerportal/bench/basepage"
	"dealerportal/demo"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

type benchEnv struct {
	app    *fiber.App
	cookie string
	csrf   string
}

// get requests path as the logged-in user and fails on another status than 200.
func (e *benchEnv) get(b *testing.B, path string) string {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Cookie", e.cookie)
	res, err := e.app.Test(req, -1)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("%s: %v %v", path, err, res)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return string(body)
}

// post sends a form as the logged-in user (with the CSRF token).
func (e *benchEnv) post(b *testing.B, path string, form url.Values) {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", e.cookie)
	req.Header.Set("X-CSRF-Token", e.csrf)
	res, err := e.app.Test(req, -1)
	if err != nil || res.StatusCode >= 400 {
		b.Fatalf("POST %s: %v %v", path, err, res)
	}
	res.Body.Close()
}

// benchDB returns the database in env, or one generated with args into a
// temp dir.
func benchDB(b *testing.B, env string, args ...string) string {
	b.Helper()
	path := os.Getenv(env)
	if path == "" {
		path = filepath.Join(b.TempDir(), "volume.db")
	}
	if _, err := os.Stat(path); err != nil {
		if err := demo.GenerateVolume(append([]string{"--db", path}, args...), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	return path
}

// openApp opens the database at path and builds the portal's app on it.
func openApp(b *testing.B, path string) *fiber.App {
	_, h := openHandler(b, path)
	return h.App()
}

// openHandler opens the database at path and the portal's handler on it,
// logging nowhere; both close when the benchmark ends.
func openHandler(b *testing.B, path string) (*store.Store, *Handler) {
	b.Helper()
	st, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	h, err := New(st, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return st, h
}

// loginEnv logs username in to app (benchLogin) and keeps the CSRF token
// of its home page for the benchmark's posts.
func loginEnv(b *testing.B, app *fiber.App, username string) *benchEnv {
	b.Helper()
	e := &benchEnv{app: app, cookie: benchLogin(b, app, username).cookie()}
	if m := csrfRe.FindStringSubmatch(e.get(b, "/")); m != nil {
		e.csrf = m[1]
	}
	return e
}

// volumeEnv opens a generated volume (1,000 customers, 20,000 products, 3,000
// catalog entries published in varied patterns) and logs in c0001.buyer. The
// database is generated into a temp dir, or reused from ORDERING_BENCH_DB
// (ORDERING_BENCH_USER names the dealer user when it is not c0001.buyer).
func volumeEnv(b *testing.B) *benchEnv {
	b.Helper()
	user := os.Getenv("ORDERING_BENCH_USER") // c00001.buyer at 10,000 customers
	if user == "" {
		user = "c0001.buyer"
	}
	e := loginEnv(b, openApp(b, benchDB(b, "ORDERING_BENCH_DB", "--customers", "1000", "--products", "20000", "--entries", "3000")), user)
	// Sanity: the page holds 50 rows.
	if n := strings.Count(e.get(b, "/catalog?size=50"), `class="item-row"`); n != 50 {
		b.Fatalf("catalog page has %d rows", n)
	}
	return e
}

// benchBaseline measures the yardstick page (bench/basepage: a bare Fiber
// route rendering a 50-row html/template table, with compression) through
// the same app.Test path as the page benchmarks beside it, so that each
// page's ns/op can be read as a ratio to it.
func benchBaseline(b *testing.B) {
	app := basepage.App()
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			res, err := app.Test(req, -1)
			if err != nil || res.StatusCode != http.StatusOK {
				b.Fatalf("%v %v", err, res)
			}
			res.Body.Close()
		}
	})
}

// benchPages measures each path as the logged-in user, like a browser
// (gzip accepted).
func benchPages(b *testing.B, e *benchEnv, cases []struct{ name, path string }) {
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, bc.path, nil)
				req.Header.Set("Cookie", e.cookie)
				req.Header.Set("Accept-Encoding", "gzip")
				res, err := e.app.Test(req, -1)
				if err != nil || res.StatusCode != http.StatusOK {
					b.Fatalf("%v %v", err, res)
				}
				res.Body.Close()
			}
		})
	}
}

// reportCPU reports the process's CPU time (user + system, all threads, GC
// included) per iteration as cpu-ns/op: on a machine shared with other work
// it moves far less than the wall time. Call the returned function after
// the loop.
func reportCPU(b *testing.B) func() {
	start := processCPU()
	return func() { b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op") }
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
