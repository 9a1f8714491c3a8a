package e2e

import (
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"dealerportal/handlers"
	"dealerportal/store"

	"github.com/chromedp/chromedp"
)

// The pages a dealer can open are derived from the router, so a new page
// cannot be forgotten: every GET route of the portal's Fiber app (built in
// the test on a scratch database, exactly as main builds it) that can serve
// a page is asked for as the dealer. A route without parameters is asked
// for as it is; a route with parameters (":id") is filled from the links of
// the dealer's own pages already found, so it gets an id the dealer may
// see, and is asked for when one of its links turns up. A route is a
// dealer page when it answers 200 with a whole HTML document, not a
// redirect (/my/company leads to the profile, a page of its own).

var (
	routesOnce sync.Once
	routesAll  []handlers.Route
	routesErr  error
)

// routerGETs returns every GET route of the portal's router, in the order
// Fiber tries them.
func routerGETs(t *testing.T) []handlers.Route {
	t.Helper()
	routesOnce.Do(func() {
		st, err := store.Open(filepath.Join(t.TempDir(), "routes.db"))
		if err != nil {
			routesErr = err
			return
		}
		defer st.Close()
		h, err := handlers.New(st, handlers.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			routesErr = err
			return
		}
		for _, r := range handlers.Routes(h.App()) {
			if r.Method == "GET" {
				routesAll = append(routesAll, r)
			}
		}
	})
	if routesErr != nil {
		t.Fatalf("the router's routes: %v", routesErr)
	}
	return routesAll
}

// dealerPage is one page a dealer can open: its route and a path for it,
// with the dealer's own ids filled in.
type dealerPage struct {
	Route string
	Path  string
}

// pageProbe is what asking for one path told: whether it is a page, and the
// local links on it (hrefs, hx-get and form actions, without query; and
// where a redirect led).
type pageProbe struct {
	Path  string   `json:"path"`
	Page  bool     `json:"page"`
	Links []string `json:"links"`
}

// pageProbeJS asks for each path of PATHS with the browser's cookies, four
// at a time.
const pageProbeJS = `(async (paths) => {
	const probe = async p => {
		try {
			const r = await fetch(p, {credentials: 'same-origin'});
			const ct = r.headers.get('content-type') || '';
			const body = ct.startsWith('text/html') ? await r.text() : '';
			const links = [], re = /\s(?:href|hx-get|action)="(\/[^"#?]*)/g;
			for (let m; (m = re.exec(body)); ) links.push(m[1].replace(/&amp;/g, '&'));
			const u = new URL(r.url);
			if (r.redirected && u.origin === location.origin) links.push(u.pathname);
			const ok = r.status === 200 && /<html[\s>]/i.test(body);
			return {path: p, page: ok && !r.redirected, links: ok ? links : []};
		} catch (e) {
			return {path: p, page: false, links: []};
		}
	};
	const out = new Array(paths.length);
	let next = 0;
	const worker = async () => { while (next < paths.length) { const i = next++; out[i] = await probe(paths[i]); } };
	await Promise.all([worker(), worker(), worker(), worker()]);
	return out;
})(PATHS)`

// dealerPages lists every page the dealer signed in to b can open, derived
// from the router (see above), one path per route, in the router's order.
// A route with parameters is listed only when one of the dealer's pages
// links to it (a dealer reaches documents through links): one whose kind
// of document the dealer has none of is not.
func dealerPages(t *testing.T, b *browser) []dealerPage {
	t.Helper()
	routes := routerGETs(t)
	const triesPerRoute = 3
	found := map[string]string{} // route → path that served a page
	tries := map[string]int{}
	asked := map[string]bool{}
	var queue []string
	for _, r := range routes {
		if r.Page() && !r.Params() {
			queue = append(queue, r.Path)
			asked[r.Path] = true
		}
	}
	for len(queue) > 0 {
		batch := queue
		queue = nil
		res, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]pageProbe](strings.Replace(pageProbeJS, "PATHS", jsValue(batch), 1), chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("ask for the dealer's pages: %v", err)
		}
		for _, p := range res {
			if r, ok := handlers.ServingRoute(routes, "GET", p.Path); p.Page && ok && found[r.Path] == "" {
				found[r.Path] = p.Path
			}
			for _, l := range p.Links {
				r, ok := handlers.ServingRoute(routes, "GET", l)
				if !ok || !r.Page() || !r.Params() || found[r.Path] != "" || asked[l] || tries[r.Path] >= triesPerRoute {
					continue
				}
				asked[l] = true
				tries[r.Path]++
				queue = append(queue, l)
			}
		}
	}
	var pages []dealerPage
	for _, r := range routes {
		if found[r.Path] != "" {
			pages = append(pages, dealerPage{Route: r.Path, Path: found[r.Path]})
		}
	}
	return pages
}
