package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Accessibility (issue 13, item 9). axe-core, pinned in
// e2e/axe/package-lock.json and installed by scripts/test with npm
// (test-only: never served to users, never embedded in the binary), runs
// on every dealer page, as each dealer role, in Chinese at phone width and
// in English at desk width, and on the main staff pages in both languages.
// Any violation of impact serious or critical among the WCAG 2.0/2.1 A and
// AA and WCAG 2.2 AA rules fails the test, with the rule, its help and the
// first elements. A second check tabs through pages with the keyboard and
// fails when a focused control shows no focus outline, or one without 3:1
// contrast against the page behind it.

// axePath is the axe-core build the test loads into the pages.
const axePath = "axe/node_modules/axe-core/axe.min.js"

// axeTags are the rule sets that run.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// axeRulesRequired must be among the rules that ran on every page: every
// visible input, select and textarea has an accessible name (label,
// select-name), buttons and links have names, text has contrast.
var axeRulesRequired = []string{"label", "select-name", "button-name", "link-name", "color-contrast"}

// axeSource reads axe-core, or skips the test when it is not installed;
// under CI=true a missing axe fails the test, like a missing Chromium. An
// installed version other than the pinned one fails it.
func axeSource(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(axePath)
	if err != nil {
		msg := "axe-core not installed (scripts/test runs `npm ci --prefix e2e/axe`): " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal("e2e: " + msg + ", and CI=true: the accessibility test must run")
		}
		t.Skip(msg)
	}
	var pinned struct {
		Dev map[string]string `json:"devDependencies"`
	}
	var installed struct {
		Version string `json:"version"`
	}
	b1, err1 := os.ReadFile(filepath.Join("axe", "package.json"))
	b2, err2 := os.ReadFile(filepath.Join("axe", "node_modules", "axe-core", "package.json"))
	if err := errors.Join(err1, err2, json.Unmarshal(b1, &pinned), json.Unmarshal(b2, &installed)); err != nil {
		t.Fatalf("axe-core's version: %v", err)
	}
	if want := pinned.Dev["axe-core"]; installed.Version != want {
		t.Fatalf("axe-core %s installed, %s pinned in e2e/axe/package.json: run `npm ci --prefix e2e/axe`", installed.Version, want)
	}
	needCJKFont(t)
	return string(src)
}

// needCJKFont skips the test (fails it under CI=true) when the machine has
// no font with Chinese glyphs: Chromium then draws the zh-CN pages with
// empty boxes of other metrics than any dealer's screen, and the target
// sizes and overlaps axe measures are not the ones users see (scripts/test
// installs Debian's fonts-noto-cjk).
func needCJKFont(t *testing.T) {
	t.Helper()
	out, err := exec.Command("fc-list", ":lang=zh", "family").Output()
	if err == nil && strings.TrimSpace(string(out)) != "" {
		return
	}
	msg := "no font with Chinese glyphs (fc-list :lang=zh; scripts/test installs fonts-noto-cjk)"
	if os.Getenv("CI") == "true" {
		t.Fatal("e2e: " + msg + ", and CI=true: the accessibility test must measure the pages as dealers see them")
	}
	t.Skip(msg)
}

type axeNode struct {
	Target  []string `json:"target"`
	HTML    string   `json:"html"`
	Summary string   `json:"summary"`
}

type axeViolation struct {
	ID     string    `json:"id"`
	Impact string    `json:"impact"`
	Help   string    `json:"help"`
	URL    string    `json:"helpUrl"`
	Count  int       `json:"count"`
	Nodes  []axeNode `json:"nodes"`
}

type axeReport struct {
	Violations []axeViolation `json:"violations"`
	Ran        []string       `json:"ran"`
}

// axeRunJS opens the page's folded parts (<details> in main: a
// rejection's reason, a line's date and remark), so that what they hold
// is checked too, runs axe on the whole document and keeps what a failure
// message needs: the first three elements of each violation. The header's
// and navigation's drop-downs stay closed: opened all at once they would
// cover each other and the page.
var axeRunJS = `(async () => {
	document.querySelectorAll('main details').forEach(d => { d.open = true; });
	const r = await axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag', values: ` + jsValue(axeTags) + `}});
	const ran = [].concat(r.violations, r.passes, r.incomplete, r.inapplicable).map(x => x.id);
	return {ran, violations: r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
		count: v.nodes.length, nodes: v.nodes.slice(0, 3).map(n => ({target: n.target.map(String),
			html: n.html.slice(0, 300), summary: (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 300)}))}))};
})()`

// useAxe has the browser load axe into every page it opens from now on:
// a DevTools script, to which the page's CSP (no inline script) does not
// apply, sent once instead of for every page.
func (b *browser) useAxe(src string) {
	b.t.Helper()
	b.run(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		return err
	}))
}

// axeCheck runs axe on the page open in b (useAxe loaded it) and reports
// each serious or critical violation as a test error naming where.
func (b *browser) axeCheck(where string) {
	b.t.Helper()
	b.a11ySettle()
	rep, err := chromedp.Run(b.ctx, chromedp.Evaluate[axeReport](axeRunJS, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: axe.run: %v", where, err)
	}
	ran := map[string]bool{}
	for _, id := range rep.Ran {
		ran[id] = true
	}
	for _, id := range axeRulesRequired {
		if !ran[id] {
			b.t.Errorf("%s: axe did not run rule %q", where, id)
		}
	}
	for _, v := range rep.Violations {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var s strings.Builder
		fmt.Fprintf(&s, "%s: %s (%s) %s — %d element(s), %s", where, v.ID, v.Impact, v.Help, v.Count, v.URL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&s, "\n\t%s\n\t\t%s\n\t\t%s", strings.Join(n.Target, " "), n.HTML, n.Summary)
		}
		b.t.Error(s.String())
	}
}

// checkHeaderMenus runs axe on the home page with the header's drop-downs
// (the user menu) open, which the page checks leave closed.
func (b *browser) checkHeaderMenus(where string) {
	b.t.Helper()
	b.open("/")
	b.a11ySettle()
	b.eval(`document.querySelectorAll('header details').forEach(d => { d.open = true; }); true`)
	b.axeCheck(where + " / with the header's menus open")
}

// a11ySettle waits until the page has loaded and htmx has no request in
// flight (fragments that load with the page, such as the bell's count).
func (b *browser) a11ySettle() {
	b.t.Helper()
	b.poll("the page settled", `return {done: document.readyState === 'complete' && !document.querySelector('.htmx-request'), saw: document.readyState};`)
}

// a11yLanguage shows the pages in lang ("zh" or "en") to the signed-in
// user. A user without a saved language gets the language of the "lang"
// cookie, set here in this browser only: the portal's data stays as it was
// (a saved language would, for example, decide the language of the
// messages the suite's later tests expect). A user with a saved language
// is switched as the header's button does (a POST to /lang), and switched
// back when the test ends.
func (b *browser) a11yLanguage(lang string) {
	b.t.Helper()
	want := map[string]string{"zh": "zh-CN", "en": "en"}[lang]
	b.run(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetCookie, network.SetCookieParams{Name: "lang", Value: lang, URL: b.base + "/"})
		return err
	}))
	b.open("/")
	saved := b.evalString(`document.documentElement.lang`)
	if saved == want {
		return
	}
	if err := b.postLang(b.ctx, lang); err != nil {
		b.t.Fatalf("set language %s: %v", lang, err)
	}
	back := map[string]string{"zh-CN": "zh", "en": "en"}[saved]
	b.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(b.tab, 20*time.Second)
		defer cancel()
		if err := b.postLang(ctx, back); err != nil {
			b.t.Logf("set the language back to %s: %v", back, err)
		}
	})
	b.open("/")
	if got := b.evalString(`document.documentElement.lang`); got != want {
		b.t.Fatalf("set language %s: the page is in %q", lang, got)
	}
}

// postLang saves lang as the signed-in user's language (POST /lang),
// leaving the page open as it is.
func (b *browser) postLang(ctx context.Context, lang string) error {
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(async () => {
		const home = await (await fetch('/', {credentials: 'same-origin'})).text();
		const tok = home.match(/name="_csrf" value="([^"]+)"/)[1];
		const r = await fetch('/lang', {method: 'POST', credentials: 'same-origin',
			body: new URLSearchParams({_csrf: tok, lang: `+quoteJS(lang)+`, next: '/'})});
		return r.status;
	})()`, chromedp.EvalAwaitPromise))
	if err == nil && status != 200 {
		err = fmt.Errorf("status %d", status)
	}
	return err
}

// a11yViewport sets the page's size: a phone's (390×844) or the desk's (the
// browser's own, 1280×900).
func (b *browser) a11yViewport(phone bool) {
	b.t.Helper()
	if phone {
		b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1)))
	} else {
		b.run(chromedp.EmulateReset())
	}
}

// a11yVolumeArgs fill the test's own portal (see a11yPortal): four
// customers with every kind of document spread over them.
var a11yVolumeArgs = []string{"--customers", "4", "--users", "3", "--products", "40", "--entries", "30",
	"--orders", "60", "--channel", "12", "--stocktakes", "4", "--reconciliation"}

// a11yPortal starts a portal of the test's own on a database that `portal
// demo` fills with sales orders and their notices, outbounds and returns,
// opportunities, complaints, service requests, stocktakes and
// reconciliation documents. The suite's portal has the first-start demo
// (announcements, messages, a few documents); this one has the documents
// the dealer's other pages show, and the test may add its own there
// without changing what the suite's other tests find. It is stopped when
// the test ends.
func a11yPortal(t *testing.T) *portalProc {
	t.Helper()
	db := filepath.Join(t.TempDir(), "a11y.db")
	cmd := exec.Command(portalBin, append([]string{"demo", "--db", db}, a11yVolumeArgs...)...)
	if os.Getenv("PORTAL_CLOCK") != "" {
		cmd.Env = append(os.Environ(), "PORTAL_CLOCK="+portalClock().Format(time.RFC3339Nano))
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("portal demo: %v\n%s", err, out)
	}
	p, err := launchPortal(portalBin, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Logf("the accessibility test's portal: %v", err)
		}
	})
	return p
}

// a11yDocLinks returns the links on the page open in b to documents under
// prefix ("/sales-orders/" → "/sales-orders/12").
func (b *browser) a11yDocLinks(prefix string) []string {
	b.t.Helper()
	hrefs, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#main a[href]')).map(a => a.getAttribute('href'))`))
	if err != nil {
		b.t.Fatal(err)
	}
	doc := regexp.MustCompile("^" + regexp.QuoteMeta(prefix) + `\d+$`)
	var out []string
	for _, h := range hrefs {
		if doc.MatchString(h) {
			out = append(out, h)
		}
	}
	return out
}

// orderAgainDrafts gives the dealer signed in to b n draft online orders:
// "order again" as a draft, from its sales orders.
func (b *browser) orderAgainDrafts(n int) {
	b.t.Helper()
	b.open("/sales-orders")
	again := `form[action$="/again"]:has(input[name=to][value=draft]) button`
	for _, h := range b.a11yDocLinks("/sales-orders/") {
		b.open(h)
		if b.count(again) == 0 {
			continue
		}
		b.click(again)
		b.waitPage("/online-orders/again")
		if b.count(`#main a[href^="/online-orders/"][href$="/edit"]`) > 0 {
			if n--; n == 0 {
				return
			}
		}
	}
	b.t.Fatalf("order again: %d more drafts wanted, no sales order left", n)
}

// submitFirstDraft submits the first draft on the dealer's online order
// list.
func (b *browser) submitFirstDraft() {
	b.t.Helper()
	b.open("/online-orders?status=draft")
	drafts := b.a11yDocLinks("/online-orders/")
	if len(drafts) == 0 {
		b.t.Fatal("no draft online order to submit")
	}
	b.open(drafts[0])
	b.acceptConfirms()
	b.click(`#doc-actions form[action$="/submit"] button`)
	b.waitCount("#doc-actions", 1) // the order shown again, submitted
	if b.count(`#doc-actions form[action$="/submit"]`) != 0 {
		b.t.Fatal("the draft was not submitted")
	}
}

// a11yDealer is a dealer user whose pages are derived and checked, on the
// suite's portal or the test's own.
type a11yDealer struct {
	own  bool
	user string
}

// a11yDealers: every role of C0001 on both portals, and the managers of
// the other customers of the test's portal, whose generated documents
// (opportunities, complaints, service requests, notices) C0001 may lack.
var a11yDealers = []a11yDealer{
	{false, "c0001.manager"}, {false, "c0001.buyer"}, {false, "c0001.finance"},
	{true, "c0001.manager"}, {true, "c0001.buyer"}, {true, "c0001.finance"},
	{true, "c0002.manager"}, {true, "c0003.manager"}, {true, "c0004.manager"},
}

// staffPages are the main staff pages: home, the order desk (online
// orders to confirm, an order, a new sales order), sales orders,
// customers, the balances summary, tracking, the execution report, the
// catalog admin, write-offs, the announcement form and the settings.
// "{x}" is the first document of the list page named before it.
var staffPages = []string{
	"/", "/online-orders", "{/online-orders/}", "/sales-orders/new", "/sales-orders", "{/sales-orders/}",
	"/customers", "{/customers/}", "/balances", "/tracking", "/reports/sales-order-execution",
	"/catalog-entries", "{/catalog-entries/}", "/write-offs", "/announcements/new", "/settings",
}

// TestAccessibility runs axe on every dealer page (derived from the router,
// see dealerPages) as every dealer role, and on the main staff pages and
// the sign-in page; then checks that keyboard focus is visible.
func TestAccessibility(t *testing.T) {
	bboltOnly(t, "what the pages look like to assistive technology (axe-core), the same whichever store serves them")
	src := axeSource(t)
	signedOut := newBrowser(t)
	own := a11yPortal(t)
	portal := func(isOwn bool) (string, string) {
		if isOwn {
			return own.base, "own portal"
		}
		return baseURL, "suite portal"
	}
	signedOut.useAxe(src)
	signedOut.open("/login")
	signedOut.axeCheck("signed out /login")
	// Online orders for the dealer on the test's portal: two drafts, one
	// of them then submitted.
	{
		d := newBrowser(t)
		d.base = own.base
		d.login("c0001.buyer", demoPassword)
		d.orderAgainDrafts(2)
		d.submitFirstDraft()
		d.close()
	}

	t.Run("axe", func(t *testing.T) {
		// Derive each dealer's pages, then check each route once, as the
		// dealer with the fewest pages to check so far among those who
		// have it, so that the dealers' tabs share the work evenly.
		type target struct {
			dealer a11yDealer
			paths  []string
		}
		targets := make([]target, len(a11yDealers))
		has := map[string]map[int]string{} // route → dealer → path
		for i, d := range a11yDealers {
			targets[i].dealer = d
			b := newBrowser(t)
			b.base, _ = portal(d.own)
			b.login(d.user, demoPassword)
			for _, p := range dealerPages(t, b) {
				if has[p.Route] == nil {
					has[p.Route] = map[int]string{}
				}
				has[p.Route][i] = p.Path
			}
			b.close()
		}
		checked := map[string]bool{}
		for _, r := range routerGETs(t) {
			best := -1
			for i := range a11yDealers {
				if _, ok := has[r.Path][i]; ok && (best < 0 || len(targets[i].paths) < len(targets[best].paths)) {
					best = i
				}
			}
			if best >= 0 {
				checked[r.Path] = true
				targets[best].paths = append(targets[best].paths, has[r.Path][best])
			}
		}
		if len(checked) < 60 {
			t.Errorf("only %d dealer pages found: the route derivation is broken", len(checked))
		}
		var unreached []string
		for _, r := range routerGETs(t) {
			if r.Params() && r.Page() && !checked[r.Path] {
				unreached = append(unreached, r.Path)
			}
		}
		t.Logf("%d dealer pages; routes with parameters that no dealer page links to (staff pages, or no document of the kind): %s",
			len(checked), strings.Join(unreached, " "))
		// The staff pages in a tab of their own, and each dealer's pages in
		// another, in parallel (as many as go test -parallel allows).
		// Never two tabs of one user: the language may be the user's
		// setting.
		t.Run("own portal admin: staff pages", func(t *testing.T) {
			t.Parallel()
			b := newBrowserFor(t, 10*time.Minute)
			t.Cleanup(b.close) // after the language is set back
			b.base = own.base
			b.useAxe(src)
			b.login("admin", demoPassword)
			var paths []string
			for i, p := range staffPages {
				if strings.HasPrefix(p, "{") {
					b.open(paths[i-1])
					docs := b.a11yDocLinks(strings.Trim(p, "{}"))
					if len(docs) == 0 {
						t.Fatalf("no %s… link on %s", strings.Trim(p, "{}"), paths[i-1])
					}
					p = docs[0]
				}
				paths = append(paths, p)
			}
			for _, lang := range []string{"zh", "en"} {
				b.a11yLanguage(lang)
				for _, p := range paths {
					b.open(p)
					b.axeCheck(fmt.Sprintf("own portal admin %s %s", lang, p))
				}
				b.checkHeaderMenus("own portal admin " + lang)
			}
		})
		for _, tg := range targets {
			if len(tg.paths) == 0 {
				continue
			}
			base, name := portal(tg.dealer.own)
			t.Run(name+" "+tg.dealer.user, func(t *testing.T) {
				t.Parallel()
				b := newBrowserFor(t, 10*time.Minute)
				t.Cleanup(b.close) // after the language is set back
				b.base = base
				b.useAxe(src)
				b.login(tg.dealer.user, demoPassword)
				// Chinese on a phone, then English at the desk.
				for _, lang := range []string{"zh", "en"} {
					b.a11yLanguage(lang)
					b.a11yViewport(lang == "zh")
					for _, p := range tg.paths {
						b.open(p)
						b.axeCheck(fmt.Sprintf("%s %s %s %s", name, tg.dealer.user, lang, p))
					}
					b.checkHeaderMenus(fmt.Sprintf("%s %s %s", name, tg.dealer.user, lang))
				}
			})
		}
	})

	t.Run("focus visible", func(t *testing.T) {
		for _, c := range []struct {
			user  string
			paths []string
		}{
			{"c0001.buyer", []string{"/", "/catalog", "/cart", "/online-orders"}},
			{"admin", []string{"/", "/sales-orders", "/customers/new"}},
		} {
			b := newBrowser(t)
			b.base = own.base
			b.login(c.user, demoPassword)
			for _, p := range c.paths {
				b.checkFocusVisible(p)
			}
			b.close()
		}
	})
}

// focusResult describes the focused element's focus indicator.
type focusResult struct {
	// Tag names the element (tag, id, classes, text).
	Tag string `json:"tag"`
	OK  bool   `json:"ok"`
	Saw string `json:"saw"`
}

// focusJS describes the focused element's focus indicator: an outline at
// least 2 px wide, whose colour has 3:1 contrast with the background
// behind the element (the first opaque one among its ancestors).
const focusJS = `(function(){
	const e = document.activeElement;
	if (!e || e === document.body) return {tag: '', ok: true, saw: 'nothing focused'};
	const s = getComputedStyle(e);
	const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
	const lum = c => { const v = rgb(c).slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
		return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
	let bg = 'rgb(255, 255, 255)';
	for (let p = e.parentElement; p; p = p.parentElement) {
		const c = getComputedStyle(p).backgroundColor, a = rgb(c);
		if (a.length === 3 || (a.length === 4 && a[3] > 0.9)) { bg = c; break; }
	}
	const cls = typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\s+/).join('.') : '';
	const tag = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + cls + ' "' + (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 30) + '"';
	const r = e.getBoundingClientRect();
	if (r.width === 0 || r.height === 0 || s.opacity === '0' || s.visibility === 'hidden') {
		return {tag, ok: false, saw: 'the focused element is not visible (' + r.width + '×' + r.height + ', opacity ' + s.opacity + ')'};
	}
	const width = parseFloat(s.outlineWidth) || 0;
	if (s.outlineStyle === 'none' || width < 2) {
		return {tag, ok: false, saw: 'outline ' + s.outlineStyle + ' ' + s.outlineWidth};
	}
	const l1 = lum(s.outlineColor), l2 = lum(bg);
	const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
	return {tag, ok: ratio >= 3, saw: 'outline ' + s.outlineColor + ' on ' + bg + ': ' + ratio.toFixed(2) + ':1'};
})()`

// checkFocusVisible opens path and presses Tab through its first controls:
// each one that takes the focus must show a visible focus outline.
func (b *browser) checkFocusVisible(path string) {
	b.t.Helper()
	b.open(path)
	b.a11ySettle()
	seen := map[string]bool{}
	for i := 0; i < 40; i++ {
		b.run(chromedp.KeyEvent(kb.Tab))
		r, err := chromedp.Run(b.ctx, chromedp.Evaluate[focusResult](focusJS))
		if err != nil {
			b.t.Fatalf("%s: %v", path, err)
		}
		if seen[r.Tag] {
			continue
		}
		seen[r.Tag] = true
		if !r.OK {
			b.t.Errorf("%s: the focus on %s is not visible: %s", path, r.Tag, r.Saw)
		}
	}
	if len(seen) < 5 {
		b.t.Errorf("%s: the Tab key reached only %d controls", path, len(seen))
	}
}

// TestFocusOutlineKept: no rule of the stylesheet takes the focus outline
// away (outline: none or 0); the browser test above sees only the pages
// and controls it visits.
func TestFocusOutlineKept(t *testing.T) {
	bboltOnly(t, "reads the stylesheet, opens no database")
	css, err := os.ReadFile(filepath.Join("..", "static", "app.css"))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?i)outline(?:-style|-width)?\s*:\s*(?:none|0)\b[^;}]*`).Find(css); m != nil {
		t.Errorf("static/app.css removes the focus outline: %q", m)
	}
}
