package handlers

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// BenchmarkPageOverhead measures what every signed-in page pays before its
// own rows: a page with no rows (the password form: session, CSRF token,
// layout, menu, bell, compression) and the dealer's five-line cart, beside
// the bare baseline page in the same process (bench/basepage). Read
// cpu-ns/op of each case divided by the baseline's. A small volume is
// generated into a temp dir (PAGE_BENCH_DB=… reuses one).
func BenchmarkPageOverhead(b *testing.B) {
	path := benchDB(b, "PAGE_BENCH_DB", "--customers", "20", "--products", "300", "--entries", "100")
	e := loginEnv(b, openApp(b, path), "c0001.buyer")
	if !strings.Contains(e.get(b, "/cart"), `class="cart-line`) {
		page := e.get(b, "/catalog?size=5&sort=name")
		for _, m := range regexp.MustCompile(`name="ids" value="(\d+)"`).FindAllStringSubmatch(page, 5) {
			e.post(b, "/catalog/"+m[1]+"/cart", url.Values{"qty": {"0"}})
		}
	}
	if n := strings.Count(e.get(b, "/cart"), `class="cart-line`); n < 5 {
		b.Fatalf("cart has %d lines", n)
	}
	benchBaseline(b)
	benchPages(b, e, []struct{ name, path string }{
		{"empty_page", "/account/password"},
		{"cart", "/cart"},
		{"catalog_20", "/catalog?size=20"},
	})
}
