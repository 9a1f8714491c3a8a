package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// productStock reads a product's on-hand and reserved quantities from its
// staff page.
func (b *browser) productStock(code string) (onHand, reserved float64) {
	b.t.Helper()
	b.open("/products?q=" + code)
	href, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(Array.from(document.querySelectorAll('main a')).find(a => /^\/products\/\d+$/.test(a.getAttribute('href'))) || {getAttribute: () => ''}).getAttribute('href')`))
	if err != nil || href == "" {
		b.t.Fatalf("product %s not found: %v", code, err)
	}
	b.open(href)
	vals, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#stock dd')).map(d => d.innerText.trim())`))
	if err != nil || len(vals) < 2 {
		b.t.Fatalf("stock of %s: %v %v", code, vals, err)
	}
	num := func(s string) float64 {
		f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
		if err != nil {
			b.t.Fatalf("stock value %q", s)
		}
		return f
	}
	return num(vals[0]), num(vals[1])
}

// executionRow reads the report's figures of an order's first line:
// ordered, noticed, shipped, returned, open.
func (b *browser) executionRow(number string) []string {
	b.t.Helper()
	row, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`(function(){var tr=document.querySelector("#execution tr[data-order='`+number+`'][data-line='1']"); if(!tr) return []; return ['.c-ordered','.c-noticed','.c-shipped','.c-returned','.c-open'].map(c => tr.querySelector(c).innerText.trim())})()`))
	if err != nil {
		b.t.Fatal(err)
	}
	return row
}

var numberRe = regexp.MustCompile(`[A-Z]{2}-\d{4}-\d{6}`)

// TestOrderChain is the whole order chain in the browser: a dealer orders
// from the cart; staff generate and audit the sales order; the dealer asks
// for a change and staff make it effective (the order shows it); staff issue
// a delivery notice and ship it; the dealer follows the tracking number and
// confirms receipt with a note; the dealer returns part; staff generate the
// return notice and the red outbound; stock and every figure of the
// execution report are right.
func TestOrderChain(t *testing.T) {
	staff := newBrowserFor(t, 4*time.Minute)
	staff.login("admin", demoPassword)
	staff.acceptConfirms()
	onHand0, reserved0 := staff.productStock("P-1009")

	// The dealer (C0005, whom no other test touches) orders 5 × P-1009 (¥860)
	// from the cart.
	d := newBrowserFor(t, 4*time.Minute)
	d.login("c0005.buyer", demoPassword)
	d.open("/catalog?q=PLF60-10")
	d.waitText("#shop-items", "P-1009")
	d.click(`#shop-items button[formaction$="/cart"]`)
	d.waitText("#shop-items .status .ok-text", "1 in cart")
	d.open("/cart")
	d.waitText("#cart", "P-1009")
	d.changeField(`#cart input[name=qty]`, "5")
	d.waitText("#cart-total", "¥4,300.00")
	d.open("/online-orders/checkout")
	d.click(`#checkout-form button[value=submit]`)
	ooID := d.waitURL("/online-orders/")
	d.waitText("main h1", "OO-")

	// Staff generate the sales order and audit it.
	staff.open("/online-orders/" + ooID + "/convert")
	staff.click(`form[action$="/convert"] button.primary`)
	soID := staff.waitURL("/sales-orders/")
	soPath := "/sales-orders/" + soID
	staff.acceptConfirms()
	staff.click(`#doc-actions form[action$="/audit"] button`)
	staff.waitText("main h1", "audited")
	soNumber := numberRe.FindString(staff.text("main h1"))
	if on, res := staff.productStock("P-1009"); on != onHand0 || res != reserved0+5 {
		t.Fatalf("after audit: on hand %v reserved %v (before %v %v)", on, res, onHand0, reserved0)
	}

	// The dealer asks to change the quantity to 6; staff make it effective.
	d.open(soPath + "/change-requests/new")
	d.click(`#change-lines input[name="line.0.on"]`)
	d.setField(`#change-lines input[name="line.0.new_qty"]`, "6")
	d.click(`#change-form button[value=submit]`)
	crPath := "/change-requests/" + d.waitURL("/change-requests/")
	staff.open(crPath)
	staff.acceptConfirms()
	staff.click(`#doc-actions form[action$="/make_effective"] button`)
	staff.waitText("main h1", "effective")
	staff.open(soPath)
	staff.waitText("main", "¥5,160.00") // 6 × 860

	// Staff issue the delivery notice from the order's tracking page and ship it.
	staff.open("/tracking/sales-orders/" + soID)
	staff.waitText("#chain-lines", "6")
	staff.click("#new-notice")
	staff.waitPage("/delivery-notices/new", "so", soID)
	staff.waitText("main h1", "delivery notice")
	staff.setField("#f-carrier", "顺丰速运")
	staff.setField("#f-tracking_no", "SF1234567890")
	staff.click(`#ship-form button.primary`)
	dnPath := "/delivery-notices/" + staff.waitURL("/delivery-notices/")
	staff.waitText("#tracking-no", "SF1234567890")
	staff.click(`a[href^="/outbounds/new?dn="]`)
	staff.waitPage("/outbounds/new")
	staff.waitText("#form-lines", "P-1009")
	staff.click(`#ship-form button.primary`)
	staff.waitURL("/outbounds/")
	staff.waitText("main h1", "OB-")
	if on, res := staff.productStock("P-1009"); on != onHand0-6 || res != reserved0 {
		t.Fatalf("after outbound: on hand %v reserved %v (before %v %v)", on, res, onHand0, reserved0)
	}

	// The dealer follows the order and confirms receipt, noting damage.
	d.open("/tracking/online-orders/" + ooID)
	d.waitText("#step-notices", "SF1234567890")
	d.waitText("#step-sales", soNumber)
	d.waitText("#chain-lines", "changed")
	d.screenshot("dealer-order-tracking")
	d.open(dnPath)
	d.run(chromedp.Click(chromedp.CSS(`#receipt-form input[name=problems]`)))
	d.click(`#receipt-form button`)
	d.waitText("#receipt", "Describe the shortage") // a note is required
	if d.count(`#receipt-form input[name=problems]:checked`) != 1 {
		t.Fatal("the shortage or damage tick was lost with the error")
	}
	d.setField(`#receipt-form textarea[name=note]`, "一箱外包装破损，货物完好")
	d.click(`#receipt-form button`)
	d.waitText("main h1", "received")
	d.waitText("#receipt", "一箱外包装破损")

	// The dealer returns 2.
	d.open("/tracking/sales-orders/" + soID)
	d.click("#return-goods")
	d.waitPage("/returns/new", "so", soID)
	d.waitText("#form-lines", "P-1009")
	d.setField(`#ship-form input[name="qty.1"]`, "7")
	d.setField("#f-reason", "型号发错")
	d.click(`#ship-form button[value="1"]`)
	d.waitText("#ship-form", "At most 6") // never more than shipped
	d.setField(`#ship-form input[name="qty.1"]`, "2")
	d.click(`#ship-form button[value="1"]`)
	rtPath := "/returns/" + d.waitURL("/returns/")
	d.waitText("main h1", "submitted")

	// Staff generate the return notice and the red outbound.
	staff.open(rtPath)
	staff.acceptConfirms()
	staff.click(`form[action$="/convert"] button`)
	staff.waitURL("/return-notices/")
	staff.click(`a[href^="/outbounds/new?rn="]`)
	staff.waitPage("/outbounds/new")
	staff.waitText("#form-lines", "P-1009")
	staff.click(`#ship-form button.primary`)
	staff.waitURL("/outbounds/")
	staff.waitText("main h1", "Red")
	staff.screenshot("staff-red-outbound")
	if on, res := staff.productStock("P-1009"); on != onHand0-4 || res != reserved0 {
		t.Fatalf("after the return: on hand %v reserved %v (before %v %v)", on, res, onHand0, reserved0)
	}

	// The execution report, as the dealer and as staff: ordered 6 (changed),
	// noticed 6, outbound 4 net of red, returned 2, nothing open (closed).
	for _, b := range []*browser{d, staff} {
		b.open("/reports/sales-order-execution?q=" + soNumber)
		got := b.executionRow(soNumber)
		if strings.Join(got, " ") != "6 6 4 2 0" {
			t.Fatalf("execution report row %v, want [6 6 4 2 0]", got)
		}
	}
	d.screenshot("dealer-execution-report")
	d.open("/tracking/sales-orders/" + soID)
	d.waitText("#step-returns", "RN-")
	d.waitText("#step-outbounds", "red")
}
