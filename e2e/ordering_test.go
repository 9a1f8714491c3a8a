package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// inboxSubjects returns the subjects of the messages on the open inbox
// page whose id is above after, and the highest id on it.
func (b *browser) inboxSubjects(after int) (subjects []string, top int) {
	b.t.Helper()
	type msg struct {
		ID      int    `json:"id"`
		Subject string `json:"subject"`
	}
	msgs, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]msg](`Array.from(document.querySelectorAll('#inbox tbody tr')).map(tr => {
		const a = Array.from(tr.querySelectorAll('a')).find(a => /^\/inbox\/\d+$/.test(a.getAttribute('href')));
		return a ? {id: parseInt(a.getAttribute('href').slice(7), 10), subject: tr.innerText} : null;
	}).filter(m => m)`))
	if err != nil {
		b.t.Fatalf("inbox: %v", err)
	}
	for _, m := range msgs {
		if m.ID > after {
			subjects = append(subjects, m.Subject)
		}
		top = max(top, m.ID)
	}
	return subjects, top
}

// TestDealerOrdersFromCatalog: a dealer searches the catalog, adds a product
// to favorites, moves it to the cart, changes the quantity and sees the
// total follow the quantity break; then staff publish a new product to that
// dealer, who sees it in the catalog and gets the message in the inbox.
func TestDealerOrdersFromCatalog(t *testing.T) {
	d := newBrowser(t)
	d.login("c0001.buyer", demoPassword)
	d.follow("/catalog")
	d.waitText("#shop-items", "P-")
	// Search: the result page, with its one row — not the unfiltered list,
	// which shows the product too.
	d.act(chromedp.SendKeys(chromedp.CSS("#q"), "SM60"), chromedp.Submit(chromedp.CSS("#q")))
	d.waitPage("/catalog", "q", "SM60")
	d.waitCount("#shop-items .item-row", 1)
	d.waitText("#shop-items .item-row", "P-1001", "¥1,180.00") // C0001's own price, not the list price
	d.screenshot("dealer-catalog")
	// Favorite it (an htmx fragment: the page stays).
	d.click(`#shop-items button[formaction$="/favorite"]`)
	d.waitText("#shop-items .status .ok-text", "✓")
	// Favorites → cart.
	d.open("/favorites")
	d.waitText("#favorites", "P-1001")
	d.run(chromedp.Click(chromedp.CSS(`#favorites input[name=ids]`)))
	d.click(`#fav-form button.primary`)
	d.waitPage("/cart")
	d.waitText("#cart", "P-1001")
	d.waitText("#cart-total", "¥1,180.00")
	// Change the quantity: 10 reaches the 1,120 break → 11,200.
	d.changeField(`#cart input[name=qty]`, "10")
	d.waitText("#cart-total", "¥11,200.00")
	// A quantity that breaks no rule but reaches the next break: 50 → 1,060.
	d.changeField(`#cart input[name=qty]`, "50")
	d.waitText("#cart-total", "¥53,000.00")
	d.screenshot("dealer-cart")

	// The inbox before the product is published: the message must be a new one.
	d.open("/inbox")
	old, top := d.inboxSubjects(0)
	for _, s := range old {
		if strings.Contains(s, "伺服电机 2kW") {
			t.Fatalf("the inbox has the message before the product is published: %q", s)
		}
	}

	// Staff publish a new product to C0001.
	s := newBrowser(t)
	s.login("admin", demoPassword)
	s.open("/catalog-entries/new")
	s.eval(`(function(){var sel=document.querySelector('#f-product_id');for(var o of sel.options){if(o.text.indexOf('P-1028')===0){sel.value=o.value}};var c=document.querySelector('#f-category_id');for(var o of c.options){if(o.text.indexOf('伺服电机')>=0){c.value=o.value}}})()`)
	s.act(chromedp.SendKeys(chromedp.CSS("#f-customer_codes"), "C0001"),
		chromedp.Click(chromedp.CSS(`button[name=publish]`)))
	s.waitURL("/catalog-entries/")
	s.waitText("main h1", "P-1028")
	published := "商品目录发布" // the event by its name, never its key
	if s.evalString(`document.documentElement.lang`) == "en" {
		published = "Catalog entry published"
	}
	s.waitText("#notices", "C0001", published)
	s.screenshot("staff-catalog-entry")

	// The dealer sees it in the catalog and gets the in-app message.
	d.open("/catalog?q=P-1028")
	d.waitText("#shop-items", "新品：伺服电机 2kW")
	d.reloadUntil("/inbox", "a new message about the product", func() bool {
		subjects, _ := d.inboxSubjects(top)
		for _, s := range subjects {
			if strings.Contains(s, "伺服电机 2kW") {
				return true
			}
		}
		return false
	})
}
