package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

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
		// The status the add swaps in, not the one the page may show already.
		d.click(`#shop-items button[formaction$="/cart"]`)
		d.waitText("#shop-items .status .ok-text", "in cart")
	}
	d.open("/cart")
	d.waitText("#cart", "P-1012", "P-1009")
	d.click(`#checkout`)
	d.waitPage("/online-orders/checkout")
	d.waitText("#checkout-lines", "P-1012", "P-1009")
	// The remarks are folded away with the contact until asked for.
	d.run(chromedp.Click(chromedp.CSS("#order-details > summary")), chromedp.SendKeys(chromedp.CSS("#f-remarks"), "e2e 请尽快发货"))
	d.screenshot("dealer-checkout")
	d.click(`#checkout-form button[value=submit]`)
	ooPath := "/online-orders/" + d.waitURL("/online-orders/")
	d.waitText("main h1", "OO-", "submitted")
	d.waitText("#lines", "P-1012", "P-1009")
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
	s.click(`#doc-actions a[href$="/convert"]`)
	s.waitPage(ooPath + "/convert")
	s.waitText("#convert-lines", "P-1012", "P-1009")
	s.click(`main form button.primary`)
	soPath := "/sales-orders/" + s.waitURL("/sales-orders/")
	s.waitText("main h1", "SO-")
	s.waitText("#order-header", number)
	s.acceptConfirms()
	s.click(`form[action$="/audit"] button`)
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
	d.act(chromedp.SendKeys(chromedp.CSS("#comment-text"), "收到，谢谢"), chromedp.Click(chromedp.CSS(`#comments button[type=submit]`)))
	d.waitText("#comments li", "收到，谢谢")
	d.screenshot("dealer-sales-order")

	// Staff read the comment on the order.
	s.open(soPath)
	s.waitText("#comments", "收到，谢谢")
}
