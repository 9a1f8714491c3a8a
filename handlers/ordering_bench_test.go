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
	"testing"

	"dealerportal/demo"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

type benchEnv struct {
	app    *fiber.App
	cookie string
}

// volumeEnv opens a generated volume (1,000 customers, 20,000 products, 3,000
// catalog entries published in varied patterns) and logs in c0001.buyer. The
// database is generated into a temp dir, or reused from ORDERING_BENCH_DB.
func volumeEnv(b *testing.B) *benchEnv {
	b.Helper()
	path := os.Getenv("ORDERING_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "volume.db")
	}
	if _, err := os.Stat(path); err != nil {
		if err := demo.GenerateVolume([]string{"--db", path, "--customers", "1000", "--products", "20000", "--entries", "3000"}, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	st, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	h, err := New(st, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	app := h.App()
	cookies := map[string]string{}
	do := func(req *http.Request) string {
		var parts []string
		for k, v := range cookies {
			parts = append(parts, k+"="+v)
		}
		req.Header.Set("Cookie", strings.Join(parts, "; "))
		res, err := app.Test(req, -1)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		for _, c := range res.Cookies() {
			cookies[c.Name] = c.Value
		}
		return string(body)
	}
	page := do(httptest.NewRequest(http.MethodGet, "/login", nil))
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		b.Fatal("no csrf token on the login page")
	}
	form := url.Values{"username": {"c0001.buyer"}, "password": {demo.DemoPassword}, "_csrf": {m[1]}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	do(req)
	var parts []string
	for k, v := range cookies {
		parts = append(parts, k+"="+v)
	}
	e := &benchEnv{app: app, cookie: strings.Join(parts, "; ")}
	// Sanity: the page holds 50 rows.
	req = httptest.NewRequest(http.MethodGet, "/catalog?size=50", nil)
	req.Header.Set("Cookie", e.cookie)
	res, err := app.Test(req, -1)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("catalog: %v %v", err, res)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if n := strings.Count(string(body), `class="item-row"`); n != 50 {
		b.Fatalf("catalog page has %d rows", n)
	}
	return e
}
