package e2e

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"dealerportal/handlers"
	"dealerportal/model"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The phone tests. At 360×740 every dealer page, as every dealer role, in
// both languages, fits the screen (no sideways scrolling) and every tappable
// element is at least 44×44 px; the pages a salesperson uses on the road
// fit too. The pages come from the router and the ids in their paths from
// the links the user sees, so a new page cannot be forgotten.

const (
	phoneW, phoneH = 360, 740
	// minTap is the smallest tap target, in CSS px, either way.
	minTap = 44
)

// phoneDealers names the demo user of each dealer role (model.DealerRoles):
// C0001's users, whose customer has a history of orders, outbounds,
// invoices and receipts.
var phoneDealers = map[model.Role]string{
	model.RoleManager:       "c0001.manager",
	model.RoleBuyer:         "c0001.buyer",
	model.RoleDealerFinance: "c0001.finance",
}

// phoneMustVisit are patterns whose pages a dealer who orders must have
// been shown: the demo data and phoneFixture provide them, so a crawl that
// misses one has lost its way (a guard, not a list of what is checked).
var phoneMustVisit = []string{"/catalog/:id", "/online-orders/:id", "/online-orders/:id/edit", "/sales-orders/:id",
	"/tracking/sales-orders/:id", "/balances/:cust", "/reconciliation/:kind/:id", "/outbounds/:id", "/invoices/:id"}

// phoneStaff is the salesperson, and phoneStaffAreas the parts of the
// staff side used on the road (order desk, customers, order tracking,
// balances): their pages must fit a phone too.
const phoneStaff = "east.sales"

var phoneStaffAreas = []string{"/online-orders", "/customers", "/tracking", "/balances"}

// pageRoutes returns the router's GET routes that may be pages, by path:
// all but the integration API (JSON under /api). Which of them are pages is
// decided by what they answer (pageFetch): downloads, exports, PDFs,
// images, JSON and fragments are not.
func pageRoutes(t *testing.T) []handlers.Route {
	t.Helper()
	var out []handlers.Route
	for _, r := range routerGETs(t) {
		if r.Path != "/api" && !strings.HasPrefix(r.Path, "/api/") {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// pageAnswer is what a GET of a path answers.
type pageAnswer struct {
	Status     int  `json:"status"`
	Redirected bool `json:"redirected"`
	Document   bool `json:"document"`
}

// page reports whether the answer is a page: a 200 answer of a whole HTML
// document, not reached by a redirect. Anything else (403 or 404 for
// another role's page, a download, an export, a PDF, JSON, an image, an
// htmx fragment) is not.
func (a pageAnswer) page() bool { return a.Status == 200 && !a.Redirected && a.Document }

// pageFetch GETs path with the user's cookies.
func (b *browser) pageFetch(path string) pageAnswer {
	b.t.Helper()
	a, err := chromedp.Run(b.ctx, chromedp.Evaluate[pageAnswer](`fetch(`+quoteJS(path)+`, {credentials: 'same-origin'}).then(async r => {
		const html = (r.headers.get('content-type') || '').startsWith('text/html');
		return {status: r.status, redirected: r.redirected, document: html && /^\s*<!doctype html>/i.test(await r.text())};
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("fetch %s: %v", path, err)
	}
	return a
}

// phoneProblem is one failure on a page: what, where, and its size.
type phoneProblem struct {
	Kind  string `json:"kind"` // "wide", "header", "squeezed" or "tap"
	Sel   string `json:"sel"`
	W     int    `json:"w"`
	H     int    `json:"h"`
	Right int    `json:"right"`
	Text  string `json:"text"`
}

func (p phoneProblem) String() string {
	switch p.Kind {
	case "wide":
		return fmt.Sprintf("%s is %d px wide and reaches x=%d (%q)", p.Sel, p.W, p.Right, p.Text)
	case "squeezed":
		return fmt.Sprintf("%s squeezes its text into %d×%d px, a character or two per line (%q)", p.Sel, p.W, p.H, p.Text)
	case "header":
		return fmt.Sprintf("the header takes more than one line: %d px tall (%q)", p.H, p.Text)
	}
	return fmt.Sprintf("tap target %s is %d×%d px (%q)", p.Sel, p.W, p.H, p.Text)
}

// phoneReport is what phoneScript finds on the open page.
type phoneReport struct {
	ScrollWidth int            `json:"sw"`
	InnerWidth  int            `json:"iw"`
	Links       []string       `json:"links"`
	Problems    []phoneProblem `json:"problems"`
}

// phoneScript measures the open page: the document's width against the
// phone's (naming the innermost elements that stick out, outside any
// container that scrolls on its own), the header's height (one line), text
// squeezed to a character or two per line, the visible tap targets smaller
// than minTap either way (a checkbox or radio measured through its label),
// and the paths of the page's links.
const phoneScript = `(function(phoneW, minTap, checkTaps){
	// Under phone emulation Chromium widens the layout viewport (and so
	// innerWidth) to a page that is too wide: the phone's width is the
	// viewport as set (clientWidth; innerWidth when the page fits).
	const iw = Math.min(window.innerWidth, document.documentElement.clientWidth, phoneW);
	const sw = document.documentElement.scrollWidth;
	const sel = e => { const s = []; for (let n = e; n && n.nodeType === 1 && s.length < 5; n = n.parentElement) {
		let p = n.tagName.toLowerCase();
		if (n.id) { s.unshift(p + '#' + n.id); break; }
		if (n.classList.length) p += '.' + Array.from(n.classList).slice(0, 2).join('.');
		const name = n.getAttribute('name'); if (name) p += '[name="' + name + '"]';
		s.unshift(p); }
		return s.join(' > '); };
	const text = e => (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ').slice(0, 40);
	// Inside a closed <details> only the summary shows (Chromium still lays
	// the rest out).
	const folded = e => { const d = e.closest('details:not([open])'); return !!d && !e.closest('summary'); };
	const shown = e => { if (folded(e)) return false;
		const r = e.getBoundingClientRect(); if (r.width === 0 || r.height === 0) return false;
		const cs = getComputedStyle(e); if (cs.visibility === 'hidden' || cs.display === 'none') return false;
		return r.right > 0 && r.bottom + window.scrollY > 0; };
	const scrollsX = e => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(e).overflowX);
	const insideScroller = e => { for (let n = e.parentElement; n && n !== document.body; n = n.parentElement) if (scrollsX(n)) return true; return false; };
	const problems = [];
	if (sw > iw) {
		for (const e of document.body.querySelectorAll('*')) {
			const r = e.getBoundingClientRect();
			if (r.width === 0 || r.right <= iw + 0.5 || insideScroller(e) || folded(e)) continue;
			if (!scrollsX(e) && Array.from(e.children).some(c => c.getBoundingClientRect().right > iw + 0.5)) continue;
			problems.push({kind: 'wide', sel: sel(e), w: Math.round(r.width), h: Math.round(r.height), right: Math.round(r.right), text: text(e)});
			if (problems.length >= 8) break;
		}
		if (!problems.length) problems.push({kind: 'wide', sel: 'html', w: sw, h: 0, right: sw, text: ''});
	}
	// The header is one line: as tall as its 44 px buttons and padding.
	const top = document.querySelector('header.top');
	if (top && top.getBoundingClientRect().height > 64) {
		problems.push({kind: 'header', sel: 'header.top', w: Math.round(top.getBoundingClientRect().width), h: Math.round(top.getBoundingClientRect().height), right: 0, text: text(top)});
	}
	// No text is squeezed to a character or two per line (a heading beside
	// buttons, a narrow column): text of an element's own that runs over
	// three lines or more, none of them three characters wide.
	for (const e of document.body.querySelectorAll('*')) {
		const texts = Array.from(e.childNodes).filter(n => n.nodeType === 3 && n.textContent.trim().length >= 3);
		if (!texts.length || !shown(e)) continue;
		const fs = parseFloat(getComputedStyle(e).fontSize);
		for (const n of texts) {
			const range = document.createRange();
			range.selectNodeContents(n);
			const lines = Array.from(range.getClientRects()).filter(r => r.width > 0);
			if (lines.length >= 3 && lines.every(r => r.width < 3 * fs)) {
				const r = e.getBoundingClientRect();
				problems.push({kind: 'squeezed', sel: sel(e), w: Math.round(r.width), h: Math.round(r.height), right: Math.round(r.right), text: text(e)});
				break;
			}
		}
	}
	if (checkTaps) {
		const seen = new Set();
		for (const e of document.querySelectorAll('a[href], button, summary, input[type=checkbox], input[type=radio], input[type=submit], input[type=button]')) {
			let m = e;
			if (e.matches('input[type=checkbox], input[type=radio]')) {
				m = e.closest('label') || (e.id && document.querySelector('label[for="' + CSS.escape(e.id) + '"]')) || e;
			}
			if (seen.has(m) || !shown(m)) continue;
			seen.add(m);
			const r = m.getBoundingClientRect();
			if (r.width + 0.5 < minTap || r.height + 0.5 < minTap) {
				problems.push({kind: 'tap', sel: sel(m), w: Math.round(r.width), h: Math.round(r.height), right: Math.round(r.right), text: text(m)});
			}
		}
	}
	const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href)
		.filter(h => h.startsWith(location.origin + '/')).map(h => new URL(h).pathname);
	return {sw: sw, iw: iw, links: Array.from(new Set(links)), problems: problems};
})`

// phoneMeasure opens path and measures it; taps says whether tap targets
// are checked too.
func (b *browser) phoneMeasure(path string, taps bool) phoneReport {
	b.t.Helper()
	b.open(path)
	return b.phoneMeasureOpen(taps)
}

// phoneMeasureOpen measures the page as it is now.
func (b *browser) phoneMeasureOpen(taps bool) phoneReport {
	b.t.Helper()
	r, err := chromedp.Run(b.ctx, chromedp.Evaluate[phoneReport](fmt.Sprintf("%s(%d, %d, %v)", phoneScript, phoneW, minTap, taps)))
	if err != nil {
		b.t.Fatalf("measure %s: %v", b.location(), err)
	}
	return r
}

// phoneFits fails the test when the page as it is now does not fit the
// phone or has a tap target under minTap.
func (b *browser) phoneFits() {
	b.t.Helper()
	for _, p := range b.phoneMeasureOpen(true).Problems {
		b.t.Errorf("%s: %s", b.location(), p)
	}
}

// phone makes the browser a phone: a 360×740 viewport, with touch.
func (b *browser) phone() {
	b.t.Helper()
	b.run(chromedp.EmulateViewport(phoneW, phoneH, chromedp.EmulateMobile))
}

// setLang switches the signed-in user's language ("zh" or "en") with the
// header button when it is another, and waits for the new page.
func (b *browser) setLang(lang string) {
	b.t.Helper()
	want := map[string]string{"zh": "zh-CN", "en": "en"}[lang]
	if b.evalString(`document.documentElement.lang`) == want {
		return
	}
	b.click("form.lang button")
	b.poll("the page in "+lang, `const h = document.documentElement;
		return {done: fresh(h) && h.lang === `+quoteJS(want)+` && document.readyState === 'complete', saw: h.lang};`)
}

// phoneCrawl visits every page among routes (those under one of areas, when
// given) as the browser's user: parameterless patterns at their own path,
// the others at the first path of a link on a visited page that fits them
// (and is no parameterless route). visit opens a path and returns the
// paths of its links, or nil when the path is not a page. It returns the
// pages visited, in order, and the patterns no link filled.
func phoneCrawl(routes []handlers.Route, areas []string, visit func(path string) []string) (visited, unfilled []string) {
	inArea := func(p string) bool {
		if len(areas) == 0 {
			return true
		}
		for _, a := range areas {
			if p == a || strings.HasPrefix(p, a+"/") {
				return true
			}
		}
		return false
	}
	static := map[string]bool{}
	var params []handlers.Route
	for _, r := range routes {
		if r.Params() {
			if inArea(r.Path) {
				params = append(params, r)
			}
		} else {
			static[r.Path] = true
		}
	}
	var links []string
	seenLink, done := map[string]bool{}, map[string]bool{}
	open := func(path string) {
		if done[path] {
			return
		}
		done[path] = true
		if ls := visit(path); ls != nil {
			visited = append(visited, path)
			for _, l := range ls {
				if !seenLink[l] {
					seenLink[l] = true
					links = append(links, l)
				}
			}
		}
	}
	for _, r := range routes {
		if static[r.Path] && inArea(r.Path) {
			open(r.Path)
		}
	}
	filled := map[string]bool{}
	for progress := true; progress; {
		progress = false
		for _, p := range params {
			if filled[p.Path] {
				continue
			}
			for _, l := range links {
				if !static[l] && p.Pattern.MatchString(l) {
					filled[p.Path], progress = true, true
					open(l)
					break
				}
			}
		}
	}
	for _, p := range params {
		if !filled[p.Path] {
			unfilled = append(unfilled, p.Path)
		}
	}
	return visited, unfilled
}

// TestPhoneFits: every dealer page at 360×740, as each dealer role, in
// Chinese and in English, has no sideways scrolling and no tap target under
// 44 px; the salesperson's pages on the road fit. Each user's pages are one
// subtest (they run side by side), failing with every problem found.
func TestPhoneFits(t *testing.T) {
	bboltOnly(t, "the phone layout")
	routes := pageRoutes(t)
	if len(routes) < 50 {
		t.Fatalf("only %d GET routes from the router", len(routes))
	}
	phoneFixture(t)
	for _, role := range model.DealerRoles {
		user, ok := phoneDealers[role]
		if !ok {
			t.Fatalf("dealer role %s has no demo user in phoneDealers", role)
		}
		t.Run(string(role), func(t *testing.T) {
			t.Parallel()
			phoneCheckUser(t, user, routes, nil, true)
		})
	}
	t.Run("salesperson", func(t *testing.T) {
		t.Parallel()
		phoneCheckUser(t, phoneStaff, routes, phoneStaffAreas, false)
	})
}

// phoneCheckUser signs user in on a phone and checks the pages among
// routes (under areas, when given) in Chinese, then the same pages in
// English; taps says whether tap targets are checked too.
func phoneCheckUser(t *testing.T, user string, routes []handlers.Route, areas []string, taps bool) {
	b := newBrowserFor(t, 8*time.Minute)
	b.login(user, demoPassword)
	b.phone()
	t.Cleanup(func() { b.open("/"); b.setLang("en") })
	var fails []string
	check := func(lang, path string) []string {
		r := b.phoneMeasure(path, taps)
		for _, p := range r.Problems {
			fails = append(fails, fmt.Sprintf("%s %s: %s", lang, path, p))
		}
		return r.Links
	}
	b.open("/")
	b.setLang("zh")
	visited, unfilled := phoneCrawl(routes, areas, func(path string) []string {
		if !b.pageFetch(path).page() {
			return nil
		}
		return check("zh", path)
	})
	t.Logf("%s: %d pages; no link found for %d patterns %v", user, len(visited), len(unfilled), unfilled)
	if len(visited) < 10 {
		t.Errorf("%s: only %d pages visited: %v", user, len(visited), visited)
	}
	if taps && b.pageFetch("/online-orders").page() {
		for _, p := range phoneMustVisit {
			for _, u := range unfilled {
				if u == p {
					t.Errorf("%s: no page of %s was reached: the fixture or the crawl lost it", user, p)
				}
			}
		}
	}
	if taps {
		// The folded menus, opened: the navigation and the user menu.
		b.open("/")
		for opener, open := range map[string]string{
			"label.menu-button":           `document.getElementById('menu-toggle').checked && getComputedStyle(document.getElementById('nav')).display !== 'none'`,
			"details.user-menu > summary": `document.querySelector('details.user-menu').open`,
		} {
			b.run(chromedp.Click(chromedp.CSS(opener)))
			b.poll(opener+" opened", `return {done: `+open+`, saw: 'closed'};`)
			for _, p := range b.phoneMeasureOpen(true).Problems {
				fails = append(fails, fmt.Sprintf("zh / with %s open: %s", opener, p))
			}
			b.run(chromedp.Click(chromedp.CSS(opener)))
		}
	}
	b.open("/")
	b.setLang("en")
	for _, p := range visited {
		check("en", p)
	}
	if len(fails) > 0 {
		t.Errorf("%s: %d problems at %d×%d:\n%s", user, len(fails), phoneW, phoneH, strings.Join(fails, "\n"))
	}
}

// phoneFixture gives C0001's dealers what their pages need to show: a
// draft online order and a submitted one, made from the buyer's cart
// through the checkout, and three lines in the carts of the users who shop.
func phoneFixture(t *testing.T) {
	t.Helper()
	b := newBrowser(t)
	b.login(phoneDealers[model.RoleBuyer], demoPassword)
	b.phone()
	for _, action := range []string{"save", "submit"} {
		fillCart(b)
		b.open("/online-orders/checkout")
		b.click(`#checkout-form button[value=` + action + `]`)
		b.waitURL("/online-orders/")
	}
	fillCart(b)
	b.close()
	m := newBrowser(t)
	m.login(phoneDealers[model.RoleManager], demoPassword)
	fillCart(m)
	m.close()
}

// fillCart puts the first three catalog products in the user's cart when
// it holds fewer lines.
func fillCart(b *browser) {
	b.t.Helper()
	b.open("/cart")
	if b.count("#cart .cart-line") >= 3 {
		return
	}
	b.open("/catalog")
	for i := 1; i <= 3; i++ {
		row := fmt.Sprintf(`#shop-items .item-row:nth-child(%d)`, i)
		b.click(row + ` button[formaction$="/cart"]`)
		b.waitText(row+` .status .ok-text`, "✓")
	}
}

// TestPhoneDealerJourney: a buyer on a phone, in Chinese, goes from the
// home page's to-dos through the catalog to the cart, where − / + keep the
// quantity within the minimum and the multiple; checks out on one short
// screen with the total always in view; then follows the order and looks
// at the balance. With UPDATE_SCREENSHOTS=1 each step is saved as
// docs/screenshots/phone-*.png.
func TestPhoneDealerJourney(t *testing.T) {
	bboltOnly(t, "the phone layout; TestDealerOrdersFromCatalog and TestOrderChain order from the catalog")
	b := newBrowser(t)
	b.login("c0002.buyer", demoPassword)
	b.phone()
	t.Cleanup(func() { b.open("/"); b.setLang("en") })
	b.setLang("zh")
	b.open("/")
	b.waitText("main h2", "待办")
	if !b.has("#todos, #todos-none, #todos-clear", "") {
		t.Fatal("the home page shows no to-dos")
	}
	b.phoneFits()
	b.screenshot("phone-home")

	// The catalog: P-1019 is ordered from 10 in fives.
	for _, code := range []string{"P-1019", "P-1001", "P-1012"} {
		b.open("/catalog?q=" + code)
		b.waitText("#shop-items", code)
		b.click(`#shop-items .item-row:first-child button[formaction$="/cart"]`)
		b.waitText("#shop-items .item-row:first-child .status .ok-text", "✓")
	}
	b.open("/catalog")
	b.phoneFits()
	b.screenshot("phone-catalog")

	b.open("/cart")
	line := b.evalString(`Array.from(document.querySelectorAll('#cart .cart-line')).find(l => l.innerText.includes('P-1019')).id`)
	qty := `#` + line + ` input[name=qty]`
	b.waitQty(qty, "10")
	if b.count(`#`+line+` button.step.down[disabled]`) != 1 {
		t.Fatal("− is not disabled at the minimum quantity")
	}
	b.click(`#` + line + ` button.step.up`)
	b.waitQty(qty, "15")
	b.click(`#` + line + ` button.step.down`)
	b.waitQty(qty, "10")
	// The bar with the total and the checkout button stays in view.
	b.eval(`window.scrollTo(0, 0)`)
	if v := b.evalString(`(function(){ const r = document.querySelector('#cart-bar').getBoundingClientRect(); return r.bottom <= innerHeight + 1 && r.top >= 0 ? 'in view' : 'top ' + r.top })()`); v != "in view" {
		t.Fatalf("the checkout bar is not on screen at the top of the cart: %s", v)
	}
	b.phoneFits()
	b.screenshot("phone-cart")

	b.click("#checkout")
	b.waitPage("/online-orders/checkout")
	b.waitText("#checkout-lines", "P-1019", "P-1001", "P-1012")
	if n := b.count(`#checkout-form input[type=date]:not(#f-requested_date)`); n == 0 || b.evalString(`document.querySelector('#line-details').open ? 'open' : 'folded'`) != "folded" {
		t.Fatalf("per-line dates are not folded away (%d date fields)", n)
	}
	b.phoneFits()
	b.screenshot("phone-checkout")
	b.click(`#checkout-form button[value=submit]`)
	id := b.waitURL("/online-orders/")

	b.open("/tracking/online-orders/" + id)
	b.waitText("main h1", "OO-")
	b.phoneFits()
	// The tracking of an order that has shipped: C0002's demo sales order.
	b.open("/tracking")
	so := b.evalString(`(document.querySelector('main a[href^="/tracking/sales-orders/"]') || {}).pathname || ''`)
	if so == "" {
		t.Fatal("no shipped order to track on /tracking")
	}
	b.open(so)
	b.waitText("main h1", "SO-")
	b.phoneFits()
	b.screenshot("phone-tracking")

	b.open("/balances")
	b.waitText("#balance-summary", "C0002")
	b.phoneFits()
	b.screenshot("phone-balance")
}

// waitQty waits until the quantity field css, swapped in by the last
// action, holds want.
func (b *browser) waitQty(css, want string) {
	b.t.Helper()
	b.poll("quantity "+want+" in "+css, `const e = document.querySelector(`+quoteJS(css)+`);
		return {done: !!e && fresh(e) && e.value === `+quoteJS(want)+`, saw: e ? e.value : 'no field'};`)
}

// TestPhoneCartWithoutJavaScript: with scripts off, the cart's − / + and
// the quantity field are plain form posts: + and − step within the entry's
// rules, Enter in the field posts the typed quantity, a quantity the rules
// refuse is refused at its line.
func TestPhoneCartWithoutJavaScript(t *testing.T) {
	bboltOnly(t, "the phone layout; handlers' suite posts the cart forms on PostgreSQL")
	b := newBrowser(t)
	b.login("c0004.buyer", demoPassword)
	b.phone()
	b.open("/catalog?q=P-1019") // from 10, in fives
	b.waitText("#shop-items", "P-1019")
	b.click(`#shop-items .item-row:first-child button[formaction$="/cart"]`)
	b.waitText("#shop-items .item-row:first-child .status .ok-text", "✓")
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	b.open("/cart")
	line := `#cart .cart-line:first-child`
	qty := line + ` input[name=qty]`
	b.waitQty(qty, "10")
	b.click(line + ` button.step.up`)
	b.waitQty(qty, "15")
	b.click(line + ` button.step.down`)
	b.waitQty(qty, "10")
	// Enter in the field posts what was typed, not a step.
	b.eval(`document.querySelector(` + quoteJS(qty) + `).value = '20'`)
	b.act(chromedp.SendKeys(chromedp.CSS(qty), "\r"))
	b.waitQty(qty, "20")
	b.eval(`document.querySelector(` + quoteJS(qty) + `).value = '12'`)
	b.act(chromedp.SendKeys(chromedp.CSS(qty), "\r"))
	b.waitCount(line+` .err`, 1)
	b.phoneFits()
}
