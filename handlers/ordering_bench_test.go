package handlers

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
	e := &benchEnv{app: app, cookie: benchLogin(b, app, "c0001.buyer").cookie()}
	// Sanity: the page holds 50 rows.
	req := httptest.NewRequest(http.MethodGet, "/catalog?size=50", nil)
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
