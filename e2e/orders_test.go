package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// location returns the current page's path.
func (b *browser) location() string {
	b.t.Helper()
	p, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		b.t.Fatal(err)
	}
	return p
}

// waitPath waits until the browser is on a document page: prefix and an id.
func (b *browser) waitPath(prefix string) string {
	b.t.Helper()
	re := regexp.MustCompile("^" + regexp.QuoteMeta(prefix) + `\d+$`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if p := b.location(); re.MatchString(p) {
			return p
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("never reached %s (at %s)", prefix, b.location())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDealerOrderBecomesSalesOrder: a dealer puts two products into the
// cart and generates a submitted online order from it; staff see it,
// generate the sales order and audit it; the dealer sees the audited sales
// order (and the execution status on the online order), comments on it,
// and staff read the comment.
func TestDealerOrderBecomesSalesOrder(t *testing.T) {
	d := newBrowser(t)
	d.login("c0007.buyer", demoPassword)
	for _, code := range []string{"P-1012", "P-1009"} {
		d.open("/catalog?q=" + code)
		d.waitText("#shop-items", code)
		d.run(chromedp.Click(chromedp.CSS(`#shop-items button[formaction$="/cart"]`)))
		d.waitText("#shop-items .status", "in cart")
	}
	d.open("/cart")
	d.waitText("#cart", "P-1012")
	d.run(chromedp.Click(chromedp.CSS(`#checkout`)))
	d.run(chromedp.WaitVisible(chromedp.CSS("#checkout-form")))
	d.waitText("#checkout-lines", "P-1009")
	d.run(chromedp.SendKeys(chromedp.CSS("#f-remarks"), "e2e 请尽快发货"))
	d.screenshot("dealer-checkout")
	d.run(chromedp.Click(chromedp.CSS(`#checkout-form button[value=submit]`)))
	ooPath := d.waitPath("/online-orders/")
	d.waitText("main h1", "OO-")
	d.waitText("main h1", "submitted")
	d.waitText("#lines", "P-1012")
	number := strings.Fields(d.text("main h1 .muted"))[0]
	// The ordered lines left the cart.
	d.open("/cart")
	if s := d.text("main"); strings.Contains(s, "P-1012") {
		t.Fatalf("cart still holds the ordered line: %s", s)
	}

	// Staff: the order waits on the list; generate and audit the sales order.
	s := newBrowser(t)
	s.login("admin", demoPassword)
	s.acceptConfirms()
	s.open("/online-orders?status=submitted&q=" + number)
	s.waitText("#online-orders", number)
	s.open(ooPath)
	s.waitText("#order-header", "e2e 请尽快发货")
	s.run(chromedp.Click(chromedp.CSS(`#doc-actions a[href$="/convert"]`)))
	s.run(chromedp.WaitVisible(chromedp.CSS("#convert-lines")))
	s.run(chromedp.Click(chromedp.CSS(`main form button.primary`)))
	soPath := s.waitPath("/sales-orders/")
	s.waitText("main h1", "SO-")
	s.waitText("#order-header", number)
	s.acceptConfirms()
	s.run(chromedp.Click(chromedp.CSS(`form[action$="/audit"] button`)))
	s.waitText("main h1", "audited")
	s.screenshot("staff-sales-order")
	soNumber := strings.Fields(s.text("main h1 .muted"))[0]

	// The dealer sees the audited sales order and the execution status.
	d.open(ooPath)
	d.waitText("#execution", "Sales order audited")
	d.waitText("#execution", soNumber)
	d.open("/sales-orders")
	d.waitText("#sales-orders", soNumber)
	d.open(soPath)
	d.waitText("main h1", soNumber)
	d.waitText("#lines", "P-1009")
	d.run(chromedp.SendKeys(chromedp.CSS("#comment-text"), "收到，谢谢"), chromedp.Click(chromedp.CSS(`#comments button[type=submit]`)))
	d.waitText("#comments", "收到，谢谢")
	d.screenshot("dealer-sales-order")

	// Staff read the comment on the order.
	s.open(soPath)
	s.waitText("#comments", "收到，谢谢")
}
