package e2e

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"dealerportal/handlers"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Staff at a desk, 1366×900 (issue 13, "calm staff screens"): the side
// menu is one column; every document page has exactly one primary action,
// its destructive ones apart and asking first (without JavaScript too); an
// inline reason form leaves the bar's buttons as they were; wide reports
// scroll inside their own container with one-line headers, and no page
// scrolls sideways; the picker filters and submits without JavaScript.
// The document pages and the pages checked for width come from the router,
// so a new one cannot be forgotten.

const deskWidth, deskHeight = 1366, 900

// deskExempt are the GET routes with an :id that show no document, by
// reason; every other GET /<docs>/:id (and the reconciliation and tracking
// pages of a document) must show an action bar.
var deskExempt = map[string]string{
	"/attachments/:id":     "a file download",
	"/catalog/:id":         "the dealer's shop page of a product: its buy form is the page (ordering center)",
	"/inbox/:id":           "a message in the inbox",
	"/messages/outbox/:id": "an outgoing message's delivery record",
	"/settings/api/:id":    "an API client's settings",
}

// deskRoutes reads the router: the document pages (GET with one :id) and
// the pages without parameters but the home page (measured by its own
// test).
func deskRoutes(t *testing.T) (docs, plain []string) {
	t.Helper()
	docRe := regexp.MustCompile(`^(/[a-z-]+|/tracking/[a-z-]+|/reconciliation/:kind)/:id$`)
	for _, r := range routerGETs(t) {
		switch {
		case docRe.MatchString(r.Path) && deskExempt[r.Path] == "":
			docs = append(docs, r.Path)
		case r.Page() && !r.Params() && r.Path != "/":
			plain = append(plain, r.Path)
		}
	}
	sort.Strings(docs)
	sort.Strings(plain)
	return docs, plain
}

// firstLinkTo is the first of hrefs, a path without query, that route
// serves ("" for none).
func firstLinkTo(t *testing.T, hrefs []string, route string) string {
	routes := routerGETs(t)
	for _, h := range hrefs {
		if strings.ContainsAny(h, "?#") {
			continue
		}
		if r, ok := handlers.ServingRoute(routes, "GET", h); ok && r.Path == route {
			return h
		}
	}
	return ""
}

// desk sets the browser to a desk screen.
func (b *browser) desk() {
	b.t.Helper()
	b.run(chromedp.EmulateViewport(deskWidth, deskHeight))
}

// chinese switches the user to Chinese (a per-user setting).
func (b *browser) chinese() {
	b.t.Helper()
	if b.evalString(`document.documentElement.lang`) != "zh-CN" {
		b.click("form.lang button")
		b.waitText("#nav", "首页")
	}
}

// noScript turns JavaScript off in the browser's page (the browser's own
// protocol still reads the page).
func (b *browser) noScript() {
	b.t.Helper()
	b.run(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
}

// evalJSON runs a script returning a value of type T.
func evalJSON[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("eval %.200s: %v", js, err)
	}
	return v
}

// TestStaffDesk walks the staff screens at a desk.
func TestStaffDesk(t *testing.T) {
	bboltOnly(t, "the desk layout; the document actions run in TestOrderChain and handlers' suite")
	docs, plain := deskRoutes(t)

	// The dealer C0004 (whom no other test touches) orders twice: one order
	// submitted (staff may reject it), one kept as a draft (to delete).
	d := newBrowserFor(t, 6*time.Minute)
	d.desk()
	d.login("c0004.buyer", demoPassword)
	d.english()
	order := func(action string) string {
		d.open("/catalog?q=P-1001")
		d.waitText("#shop-items", "P-1001")
		d.click(`#shop-items button[formaction$="/cart"]`)
		d.waitText("#shop-items .status .ok-text", "in cart")
		d.open("/online-orders/checkout")
		d.click(`#checkout-form button[value=` + action + `]`)
		id := d.waitURL("/online-orders/")
		d.waitText("main h1", "OO-")
		return "/online-orders/" + id
	}
	submitted, draft := order("submit"), order("save")

	s := newBrowserFor(t, 10*time.Minute)
	s.desk()
	s.login("admin", demoPassword)
	s.chinese()
	defer s.english()

	t.Run("side menu", func(t *testing.T) {
		for _, b := range []*browser{s, d} {
			b.open("/reports/sales-order-execution")
			checkSideMenu(t, b)
		}
	})

	// Every page without parameters, as staff and as the dealer: no page
	// scrolls sideways at a desk (wide tables scroll in their own box). The
	// links they show are where the document pages are found.
	links := map[string][]string{}
	for who, b := range map[string]*browser{"staff": s, "dealer": d} {
		var hrefs []string
		for _, p := range plain {
			b.open(p)
			if w := evalJSON[int](b, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
				t.Errorf("%s %s: the page scrolls sideways by %d px at %d px", who, p, w, deskWidth)
			}
			hrefs = append(hrefs, evalJSON[[]string](b, `Array.from(document.querySelectorAll('#main a[href^="/"]')).map(a => a.getAttribute('href'))`)...)
		}
		links[who] = hrefs
	}

	t.Run("document pages", func(t *testing.T) {
		checked := 0
		for _, route := range docs {
			found := false
			for _, who := range []string{"staff", "dealer"} {
				b := map[string]*browser{"staff": s, "dealer": d}[who]
				href := firstLinkTo(t, links[who], route)
				if who == "dealer" && firstLinkTo(t, []string{draft}, route) != "" {
					href = draft
				}
				if href == "" {
					continue
				}
				b.open(href)
				if b.count(".error-page") > 0 {
					continue
				}
				found = true
				checked++
				checkActionBar(t, b, who+" "+href)
			}
			if !found {
				t.Logf("%s: no document of this kind in the demo data to open", route)
			}
		}
		if checked < 12 {
			t.Fatalf("only %d document pages checked", checked)
		}
	})

	t.Run("reason form below the bar", func(t *testing.T) {
		s.open(submitted)
		panel := `#doc-actions details:has(form[action$="/reject"])`
		heights := `Array.from(document.querySelectorAll('#doc-actions > a, #doc-actions > form > button, #doc-actions > details > summary')).map(e => Math.round(e.getBoundingClientRect().height))`
		before := evalJSON[[]int](s, heights)
		barBefore := evalJSON[float64](s, `document.querySelector('#doc-actions').getBoundingClientRect().height`)
		s.run(chromedp.Click(chromedp.CSS(panel + ` > summary`)))
		s.poll("the reject form open", `const f = document.querySelector('`+panel+` textarea[name=reason]');
			return {done: !!f && f.getBoundingClientRect().height > 0, saw: f ? 'closed' : 'no reason field'}`)
		after := evalJSON[[]int](s, heights)
		if fmt.Sprint(before) != fmt.Sprint(after) {
			t.Errorf("opening the reject form changed the buttons' heights: %v → %v", before, after)
		}
		if h := evalJSON[float64](s, `document.querySelector('#doc-actions').getBoundingClientRect().height`); h != barBefore {
			t.Errorf("opening the reject form changed the bar's height: %v → %v", barBefore, h)
		}
		if below := evalJSON[bool](s, `document.querySelector('`+panel+` form').getBoundingClientRect().top >= document.querySelector('#doc-actions').getBoundingClientRect().bottom`); !below {
			t.Errorf("the reject form does not open below the bar")
		}
	})

	t.Run("execution report", func(t *testing.T) {
		for _, lang := range []string{"zh", "en"} {
			if lang == "en" {
				s.english()
			}
			s.open("/reports/sales-order-execution")
			s.waitCount("#execution", 1)
			r := evalJSON[struct {
				Page, Wrap, Table, Right, Inner int
				Scrolls                         bool
				TallHeads                       []string
			}](s, `(function(){
				const t = document.querySelector('#execution'), w = t.closest('.table-wrap');
				const tall = Array.from(t.querySelectorAll('thead th')).filter(th => {
					const cs = getComputedStyle(th), lh = parseFloat(cs.lineHeight);
					return th.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom) > 2 * lh + 1;
				}).map(th => th.innerText);
				return {Page: document.documentElement.scrollWidth, Inner: window.innerWidth, Wrap: w ? w.clientWidth : -1,
					Table: t.scrollWidth, Right: Math.round((w || t).getBoundingClientRect().right),
					Scrolls: !!w && ['auto', 'scroll'].includes(getComputedStyle(w).overflowX), TallHeads: tall};
			})()`)
			switch {
			case r.Wrap < 0:
				t.Errorf("%s: the execution report has no scroller of its own", lang)
			case r.Page > r.Inner || r.Right > r.Inner:
				t.Errorf("%s: the report reaches %d px, the page %d px, past the window's %d px", lang, r.Right, r.Page, r.Inner)
			case r.Table > r.Wrap && !r.Scrolls:
				t.Errorf("%s: the table (%d px) is wider than its box (%d px), which does not scroll", lang, r.Table, r.Wrap)
			case r.Wrap < deskWidth*3/4:
				t.Errorf("%s: the report uses %d px of a %d px screen", lang, r.Wrap, deskWidth)
			}
			if len(r.TallHeads) > 0 {
				t.Errorf("%s: headers taller than two lines: %q", lang, r.TallHeads)
			}
			if lang == "zh" {
				s.screenshot("desk-execution-report")
			}
		}
		s.chinese()
	})

	t.Run("destructive action without JavaScript", func(t *testing.T) {
		n := newBrowser(t)
		n.desk()
		n.login("c0004.buyer", demoPassword)
		n.noScript()
		n.open(draft)
		number := numberRe.FindString(n.text("main h1"))
		n.click(`#doc-actions form[action$="/delete"] button`)
		n.waitText("#ask", "Delete this?")
		n.click(`#ask a.button`) // cancel: back to the order
		n.waitPage(draft)
		n.click(`#doc-actions form[action$="/delete"] button`)
		n.waitText("#ask", "Delete this?")
		n.click(`#ask button.danger`)
		n.waitPage("/online-orders")
		n.open(draft)
		if n.count(".error-page") == 0 {
			t.Errorf("the draft %s %s is still there after its deletion was confirmed", number, draft)
		}
	})

	t.Run("picker without JavaScript", func(t *testing.T) {
		n := newBrowser(t)
		n.desk()
		n.login("east.sales", demoPassword)
		n.chinese()
		defer n.english()
		n.noScript()
		n.open("/catalog-entries/new")
		unit := func(name string) string {
			return n.evalString(`(function(){ const l = Array.from(document.querySelectorAll('#pick-org_ids .pick')).find(l => l.innerText.includes(` + quoteJS(name) + `)); return l ? l.querySelector('input').value : '' })()`)
		}
		hz, sh := unit("杭州分公司"), unit("上海分公司")
		if hz == "" || sh == "" {
			t.Fatalf("the org unit picker does not offer the East units: %q", n.text("#pick-org_ids"))
		}
		if unit("广州分公司") != "" {
			t.Fatalf("the org unit picker offers a unit outside the user's scope")
		}
		// Tick 杭州, filter by 上海: the list shows the Shanghai units and keeps 杭州 ticked.
		n.run(chromedp.Click(chromedp.CSS(`#pick-org_ids input[type=checkbox][value="` + hz + `"]`)))
		n.act(chromedp.SendKeys(chromedp.CSS("#pick-org_ids-q"), "上海"), chromedp.Click(chromedp.CSS(`#pick-org_ids .picker-go`)))
		n.waitText("#pick-org_ids", "上海分公司")
		shown := evalJSON[[]string](n, `Array.from(document.querySelectorAll('#pick-org_ids .pick:not([hidden])')).map(l => l.innerText.trim() + (l.querySelector('input').checked ? ' ✓' : ''))`)
		if !containsText(shown, "杭州分公司 ✓") || !containsText(shown, "上海分公司") || containsText(shown, "华东大区") {
			t.Fatalf("filtered by 上海 the org units show %q (want 上海…, and 杭州 ticked)", shown)
		}
		// Customers are found by the server: C0004's code.
		n.act(chromedp.SendKeys(chromedp.CSS("#pick-customer_codes-q"), "C0004"), chromedp.Click(chromedp.CSS(`#pick-customer_codes .picker-go`)))
		n.waitText("#pick-customer_codes", "宁波永盛")
		n.run(chromedp.Click(chromedp.CSS(`#pick-customer_codes input[type=checkbox][value="C0004"]`)))
		if n.evalString(`String(document.querySelector('#pick-org_ids input[type=checkbox][value="`+hz+`"]').checked)`) != "true" {
			t.Fatal("the ticked org unit was lost by the customer filter")
		}
		n.screenshot("desk-catalog-publishing")
		product := n.evalString(`document.querySelector('#f-product_id option[value]:not([value=""])').value`)
		category := n.evalString(`document.querySelector('#f-category_id option[value]:not([value=""])').value`)
		n.run(chromedp.SetValue(chromedp.CSS("#f-product_id"), product), chromedp.SetValue(chromedp.CSS("#f-category_id"), category))
		// Enter in a field saves the form (its default button), not a picker's filter.
		n.act(chromedp.SendKeys(chromedp.CSS("#f-title"), "E2E 分区发布\r"))
		n.waitURL("/catalog-entries/")
		n.waitText("#targets", "杭州分公司", "宁波永盛")
	})

	t.Run("screenshots", func(t *testing.T) {
		s.open("/online-orders")
		s.screenshot("desk-order-desk")
		if so := firstMatch(links["staff"], regexp.MustCompile(`^/sales-orders/\d+$`)); so != "" {
			s.open(so)
			s.screenshot("desk-sales-order")
		}
	})
}

// checkSideMenu: the menu is one column at the left, below the header and
// beside the page, every module label in that column, none beside another.
func checkSideMenu(t *testing.T, b *browser) {
	t.Helper()
	r := evalJSON[struct {
		Left, Width, Height, MainLeft, NavRight float64
		Lefts, Tops                             []float64
		Labels                                  []string
	}](b, `(function(){
		const n = document.querySelector('#nav').getBoundingClientRect(), m = document.querySelector('#main').getBoundingClientRect();
		const labels = Array.from(document.querySelectorAll('#nav > a, #nav > details > summary'));
		return {Left: n.left, Width: n.width, Height: n.height, MainLeft: m.left, NavRight: n.right,
			Lefts: labels.map(e => e.getBoundingClientRect().left), Tops: labels.map(e => e.getBoundingClientRect().top),
			Labels: labels.map(e => e.innerText.trim())};
	})()`)
	if r.Left > 1 || r.Width > 280 || r.Width < 150 || r.MainLeft < r.NavRight-1 {
		t.Errorf("the menu is not a side column: left %v width %v, the page starts at %v", r.Left, r.Width, r.MainLeft)
	}
	if len(r.Labels) < 3 {
		t.Fatalf("the menu shows %q", r.Labels)
	}
	for i := range r.Labels {
		if r.Lefts[i] != r.Lefts[0] {
			t.Errorf("menu entry %q starts at %v px, not in the column at %v px", r.Labels[i], r.Lefts[i], r.Lefts[0])
		}
		if i > 0 && r.Tops[i] <= r.Tops[i-1] {
			t.Errorf("menu entry %q is beside %q, not below it", r.Labels[i], r.Labels[i-1])
		}
	}
}

// barReport is what checkActionBar reads from a document page.
type barReport struct {
	Bar       bool
	Primaries []string
	Problems  []string
	// Wider is how far the page scrolls sideways (0: it does not).
	Wider int
}

// checkActionBar: exactly one primary action shows; each destructive one
// stands apart from it (never its neighbour, a gap between them) and asks
// first: a confirmation (JavaScript's dialog, else the server's page) or a
// required reason in its panel. The page does not scroll sideways.
func checkActionBar(t *testing.T, b *browser, what string) {
	t.Helper()
	r := evalJSON[barReport](b, `(function(){
		const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
		const main = document.querySelector('#main'), problems = [];
		const prim = Array.from(main.querySelectorAll('button.primary, a.button.primary, summary.primary')).filter(shown);
		const box = e => (e.matches('details') ? e.querySelector('summary') : e.matches('form') ? e.querySelector('button') : e).getBoundingClientRect();
		main.querySelectorAll('.actbar').forEach(bar => {
			const items = Array.from(bar.children);
			const p = items.find(e => e.matches('a.primary') || e.querySelector(':scope > button.primary, :scope > summary.primary'));
			items.filter(e => e.matches('.danger') || e.querySelector(':scope > button.danger, :scope > summary.danger')).forEach(d => {
				const label = d.innerText.trim().split('\n')[0];
				if (d.matches('form')) {
					if (!d.hasAttribute('hx-confirm') || !d.querySelector('input[name=_ask]')) problems.push(label + ': does not ask first');
				} else if (!d.querySelector('textarea[required], input[required]')) {
					problems.push(label + ': its panel asks for no reason');
				}
				if (!p) return;
				if (d.previousElementSibling === p) problems.push(label + ': right next to the primary action');
				const a = box(p), z = box(d);
				if (z.top < a.bottom && z.left - a.right < 24) problems.push(label + ': ' + Math.round(z.left - a.right) + ' px from the primary action');
			});
		});
		return {Bar: !!main.querySelector('.actbar'), Primaries: prim.map(e => e.innerText.trim()), Problems: problems,
			Wider: Math.max(0, document.documentElement.scrollWidth - window.innerWidth)};
	})()`)
	if !r.Bar {
		t.Errorf("%s: no action bar", what)
	}
	if len(r.Primaries) != 1 {
		t.Errorf("%s: %d primary actions %q, want exactly one", what, len(r.Primaries), r.Primaries)
	}
	for _, p := range r.Problems {
		t.Errorf("%s: %s", what, p)
	}
	if r.Wider > 0 {
		t.Errorf("%s: the page scrolls sideways by %d px at %d px", what, r.Wider, deskWidth)
	}
}

// firstMatch is the first link that re matches ("" for none).
func firstMatch(hrefs []string, re *regexp.Regexp) string {
	for _, h := range hrefs {
		if re.MatchString(h) {
			return h
		}
	}
	return ""
}

func containsText(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}
