package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// waitTextFor is waitText with a longer deadline (asynchronous delivery).
func (b *browser) waitTextFor(css, want string, d time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for {
		s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(css)))
		if err == nil && strings.Contains(s, want) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s never contained %q (last: %.300q)", css, want, s)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// eval runs JavaScript in the page and fails the test on error.
func (b *browser) eval(js string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](js)); err != nil {
		b.t.Fatalf("eval %s: %v", js, err)
	}
}

// TestDealerOrdersFromCatalog: a dealer searches the catalog, adds a product
// to favorites, moves it to the cart, changes the quantity and sees the
// total follow the quantity break; then staff publish a new product to that
// dealer, who sees it in the catalog and gets the message in the inbox.
func TestDealerOrdersFromCatalog(t *testing.T) {
	d := newBrowser(t)
	d.login("c0001.buyer", demoPassword)
	d.run(chromedp.Click(chromedp.CSS(`#nav a[href="/catalog"]`)))
	d.run(chromedp.WaitVisible(chromedp.CSS("#shop-items")))
	// Search.
	d.run(chromedp.SendKeys(chromedp.CSS("#q"), "SM60"), chromedp.Submit(chromedp.CSS("#q")))
	d.waitText("#shop-items", "P-1001")
	if n := d.count("#shop-items .item-row"); n != 1 {
		t.Fatalf("search SM60: %d rows", n)
	}
	d.waitText("#shop-items", "¥1,180.00") // C0001's own price, not the list price
	d.screenshot("dealer-catalog")
	// Favorite it (an htmx fragment: the page stays).
	d.run(chromedp.Click(chromedp.CSS(`#shop-items button[formaction$="/favorite"]`)))
	d.waitText("#shop-items .status", "✓")
	// Favorites → cart.
	d.open("/favorites")
	d.waitText("#favorites", "P-1001")
	d.run(chromedp.Click(chromedp.CSS(`#favorites input[name=ids]`)), chromedp.Click(chromedp.CSS(`#fav-form button.primary`)))
	d.run(chromedp.WaitVisible(chromedp.CSS("#cart")))
	d.waitText("#cart", "P-1001")
	d.waitText("#cart-total", "¥1,180.00")
	// Change the quantity: 10 reaches the 1,120 break → 11,200.
	d.run(chromedp.SetValue(chromedp.CSS(`#cart input[name=qty]`), "10"))
	d.eval(`document.querySelector('#cart input[name=qty]').dispatchEvent(new Event('change', {bubbles: true}))`)
	d.waitText("#cart-total", "¥11,200.00")
	// A quantity that breaks no rule but reaches the next break: 50 → 1,060.
	d.run(chromedp.SetValue(chromedp.CSS(`#cart input[name=qty]`), "50"))
	d.eval(`document.querySelector('#cart input[name=qty]').dispatchEvent(new Event('change', {bubbles: true}))`)
	d.waitText("#cart-total", "¥53,000.00")
	d.screenshot("dealer-cart")

	// Staff publish a new product to C0001.
	s := newBrowser(t)
	s.login("admin", demoPassword)
	s.open("/catalog-entries/new")
	s.eval(`(function(){var sel=document.querySelector('#f-product_id');for(var o of sel.options){if(o.text.indexOf('P-1028')===0){sel.value=o.value}};var c=document.querySelector('#f-category_id');for(var o of c.options){if(o.text.indexOf('伺服电机')>=0){c.value=o.value}}})()`)
	s.run(chromedp.SendKeys(chromedp.CSS("#f-customer_codes"), "C0001"),
		chromedp.Click(chromedp.CSS(`button[name=publish]`)))
	s.waitText("main h1", "P-1028")
	s.waitText("#notices", "C0001")
	s.waitText("#notices", "catalog.published")
	s.screenshot("staff-catalog-entry")

	// The dealer sees it in the catalog and gets the in-app message.
	d.open("/catalog?q=P-1028")
	d.waitText("#shop-items", "新品：伺服电机 2kW")
	d.open("/inbox")
	for i := 0; i < 40; i++ {
		txt, _ := chromedp.Run(d.ctx, chromedp.Text(chromedp.CSS("main")))
		if strings.Contains(txt, "伺服电机 2kW") {
			return
		}
		time.Sleep(500 * time.Millisecond)
		d.open("/inbox")
	}
	d.waitTextFor("main", "伺服电机 2kW", time.Second)
}
