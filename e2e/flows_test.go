package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

const demoPassword = "demo1234"

// customerRows reads the visible customer list: link and org unit per row.
func (b *browser) customerRows() [][]string {
	b.t.Helper()
	rows, err := chromedp.Run(b.ctx, chromedp.Evaluate[[][]string](
		`Array.from(document.querySelectorAll('#customers tbody tr')).map(tr => [tr.querySelector('a').getAttribute('href'), tr.cells[0].innerText.trim(), tr.cells[4].innerText.trim()])`))
	if err != nil {
		b.t.Fatal(err)
	}
	return rows
}

// customerURL returns the profile link of the customer with code, as the
// admin sees it.
func customerURL(t *testing.T, code string) string {
	admin := newBrowser(t)
	admin.login("admin", demoPassword)
	admin.open("/customers?q=" + code)
	for _, r := range admin.customerRows() {
		if r[1] == code {
			return r[0]
		}
	}
	t.Fatalf("customer %s not found", code)
	return ""
}

// TestDealerProfileLanguageAndScope: a dealer logs in, switches language,
// sees its own profile and locations, and cannot open another customer's page.
func TestDealerProfileLanguageAndScope(t *testing.T) {
	other := customerURL(t, "C0002")
	b := newBrowser(t)
	b.login("c0001.manager", demoPassword)
	b.waitText("#nav", "Home")
	// Switch to Chinese with the header button: the whole page changes.
	b.click("form.lang button")
	b.waitText("#nav", "首页", "我的企业")
	// Own profile through the navigation (an htmx-boosted link).
	b.click(`#nav a[href="/my/company"]`)
	b.waitURL("/customers/")
	b.waitText("main h1", "C0001")
	b.waitText("#locations", "主地点")
	if n := b.count("#locations .card"); n < 2 {
		t.Fatalf("want ≥2 locations, see %d", n)
	}
	b.waitText("#users", "c0001.buyer")
	b.screenshot("dealer-profile-zh")
	// Another customer's page: not found, in Chinese.
	b.open(other)
	b.waitText("main", "404")
	b.waitText("main", "页面不存在或您无权访问")
	// And back to English.
	b.click("form.lang button")
	b.waitText("#nav", "Home")
}

// TestStaffSeesOnlyTheirRegion: a regional sales rep's customer list holds
// only customers of that region; a customer of another region is a 404.
func TestStaffSeesOnlyTheirRegion(t *testing.T) {
	bboltOnly(t, "it only reads; the scope matrices run on PostgreSQL in handlers' suite")
	admin := newBrowser(t)
	admin.login("admin", demoPassword)
	admin.open("/customers?size=100")
	var south string
	all := admin.customerRows()
	for _, r := range all {
		if strings.Contains(r[2], "华南") || strings.Contains(r[2], "South") {
			south = r[0]
		}
	}
	if south == "" || len(all) < 6 {
		t.Fatalf("demo data: %d customers, south %q", len(all), south)
	}
	admin.screenshot("staff-customers")

	b := newBrowser(t)
	b.login("east.sales", demoPassword)
	b.follow("/customers")
	b.waitText("main h1", "Customers")
	rows := b.customerRows()
	if len(rows) == 0 || len(rows) >= len(all) {
		t.Fatalf("east.sales sees %d of %d customers", len(rows), len(all))
	}
	for _, r := range rows {
		if !strings.Contains(r[2], "华东") {
			t.Errorf("east.sales sees %s in %s", r[1], r[2])
		}
	}
	// Filtering goes through htmx without leaving the scope: the search's
	// own URL and rows, every one a C00… customer of the region.
	b.act(chromedp.SendKeys(chromedp.CSS("#q"), "C00"), chromedp.Click(chromedp.CSS("form.filters button[type=submit]")))
	b.waitPage("/customers", "q", "C00")
	b.waitText("#customers tbody tr", "C00")
	filtered := b.customerRows()
	if len(filtered) == 0 || len(filtered) > len(rows) {
		t.Fatalf("east.sales searching C00 sees %d customers (%d unfiltered)", len(filtered), len(rows))
	}
	for _, r := range filtered {
		if !strings.HasPrefix(r[1], "C00") || !strings.Contains(r[2], "华东") {
			t.Errorf("east.sales searching C00 sees %s in %s", r[1], r[2])
		}
	}
	b.open(south)
	b.waitText("main", "404")
}

// TestDisabledUserSessionEnds: an admin disables a dealer user whose browser
// is logged in; that open session stops working at once.
func TestDisabledUserSessionEnds(t *testing.T) {
	dealer := newBrowser(t)
	dealer.login("c0003.buyer", demoPassword)
	dealer.click(`#nav a[href="/my/company"]`)
	dealer.waitURL("/customers/")
	dealer.waitText("main h1", "C0003")
	own := customerURL(t, "C0003")

	admin := newBrowser(t)
	admin.login("admin", demoPassword)
	admin.open(own)
	admin.open(admin.userEditURL("c0003.buyer"))
	if got := admin.text("main h1"); !strings.Contains(got, "c0003.buyer") {
		t.Fatalf("edit page: %q", got)
	}
	admin.acceptConfirms()
	admin.click("form[action$='/disable'] button")
	admin.waitText("#users tbody tr", "c0003.buyer", "Disabled")

	// The dealer's next click lands on the login page with a message.
	dealer.click(`#nav a[href="/"]`)
	dealer.waitPage("/login")
	dealer.waitText("main", "Log in", "session has ended")
	// And logging in again is refused.
	dealer.open("/login")
	dealer.act(
		chromedp.SendKeys(chromedp.CSS("#f-username"), "c0003.buyer"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), demoPassword),
		chromedp.Click(chromedp.CSS("form[action='/login'] button[type=submit]")),
	)
	dealer.waitText("main", "disabled")
	if n := dealer.count("#nav"); n != 0 {
		t.Fatal("a disabled user is logged in")
	}
}

// userEditURL finds the edit link of a user on the open customer page.
func (b *browser) userEditURL(username string) string {
	b.t.Helper()
	href, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
		`(Array.from(document.querySelectorAll('#users a')).find(a => a.innerText.trim() === `+quoteJS(username)+`) || {getAttribute: () => ''}).getAttribute('href')`))
	if err != nil || href == "" {
		b.t.Fatalf("no edit link for %s: %v", username, err)
	}
	return href
}
