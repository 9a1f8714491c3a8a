// Command prepare readies a running portal for bench/load.sh: it logs in
// dealer and staff sessions over HTTP, fills each dealer's cart, submits a
// few warm-up orders per dealer (so that order lists and tracking pages have
// something to show), and writes one request file per scenario for
// bench/wrk.lua, plus scenarios.tsv listing them in the order to run (name,
// expected status, request file, and what the first session's page shows:
// its table rows or a PDF's size, so that an empty page is not measured
// unnoticed).
//
// A request file has one line per session: cookie, method, path and (for a
// POST) the form body, tab-separated; wrk.lua cycles through the lines and
// adds a fresh _idem token to every POST.
//
// Pages that do not answer in this build (the balance reports, when the
// reconciliation module is missing) are reported and left out.
//
//	go run ./bench/prepare -base http://127.0.0.1:18480 -customers 1000 -out /tmp/bench
package main

import (
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

const password = "demo1234"

var (
	reCSRF     = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	reLocation = regexp.MustCompile(`<option value="(\d+)"`)
	reItem     = regexp.MustCompile(`(?s)<li class="item-row">.*?name="ids" value="(\d+)" aria-label="([^"]+)".*?<div class="small">(.*?)<span class="badge.*?<div class="price">([^<]*)</div>`)
	reNumber   = regexp.MustCompile(`\d+(?:\.\d+)?`)
)

type session struct {
	user   string
	client *http.Client
	base   *url.URL
	cookie string // the Cookie header of the session

	code, qty string // what a dealer orders
	orderBody string // the prepared submit form, without _idem
	lastOrder uint64
}

func newSession(base *url.URL, user string, tr http.RoundTripper) *session {
	jar, _ := cookiejar.New(nil)
	return &session{user: user, base: base, client: &http.Client{
		Jar: jar, Transport: tr, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (s *session) get(path string) (int, string, error) {
	res, err := s.client.Get(s.base.String() + path)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

// post returns the Location of a 303, else the body.
func (s *session) post(path string, form url.Values) (int, string, error) {
	res, err := s.client.PostForm(s.base.String()+path, form)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusSeeOther {
		return res.StatusCode, res.Header.Get("Location"), nil
	}
	return res.StatusCode, string(b), err
}

func csrfOf(body string) string {
	if m := reCSRF.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

func (s *session) login() error {
	st, body, err := s.get("/login")
	if err != nil || st != http.StatusOK {
		return fmt.Errorf("GET /login: %d %v", st, err)
	}
	st, loc, err := s.post("/login", url.Values{"username": {s.user}, "password": {password}, "_csrf": {csrfOf(body)}})
	if err != nil || st != http.StatusSeeOther {
		return fmt.Errorf("login %s: %d %v %.200s", s.user, st, err, loc)
	}
	var parts []string
	for _, c := range s.client.Jar.Cookies(s.base) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	s.cookie = strings.Join(parts, "; ")
	return nil
}

// prepareDealer fills the cart with the first items of the catalog, picks
// the cheapest plain item to order and submits warm-up orders.
func (s *session) prepareDealer(warmup int) error {
	st, body, err := s.get("/catalog?size=100&sort=code")
	if err != nil || st != http.StatusOK {
		return fmt.Errorf("%s: GET /catalog: %d %v", s.user, st, err)
	}
	var cart []string
	best, bestPlain := -1.0, false
	for _, m := range reItem.FindAllStringSubmatch(body, -1) {
		if len(cart) < 5 {
			cart = append(cart, m[1])
		}
		price, err := strconv.ParseFloat(strings.NewReplacer(",", "", "¥", "").Replace(strings.TrimSpace(html.UnescapeString(m[4]))), 64)
		if err != nil {
			continue
		}
		nums := reNumber.FindAllString(m[3], -1)
		plain, qty := len(nums) == 0, 1.0
		for _, n := range nums { // min × multiple satisfies both
			f, _ := strconv.ParseFloat(n, 64)
			qty *= f
		}
		if (plain && !bestPlain) || (plain == bestPlain && (best < 0 || price*qty < best)) {
			best, bestPlain = price*qty, plain
			s.code, s.qty = html.UnescapeString(m[2]), strconv.FormatFloat(qty, 'f', -1, 64)
		}
	}
	if s.code == "" {
		return fmt.Errorf("%s: nothing to order on the catalog page", s.user)
	}
	if st, loc, err := s.post("/catalog/selected", url.Values{"_csrf": {csrfOf(body)}, "ids": cart, "action": {"cart"}}); err != nil || st != http.StatusSeeOther {
		return fmt.Errorf("%s: add to cart: %d %v %.200s", s.user, st, err, loc)
	}
	st, body, err = s.get("/online-orders/new")
	if err != nil || st != http.StatusOK {
		return fmt.Errorf("%s: GET /online-orders/new: %d %v", s.user, st, err)
	}
	loc := reLocation.FindStringSubmatch(body)
	if loc == nil {
		return fmt.Errorf("%s: no location on the order form", s.user)
	}
	form := url.Values{"_csrf": {csrfOf(body)}, "location": {loc[1]}, "line.0.code": {s.code}, "line.0.qty": {s.qty},
		"remarks": {"load test"}, "action": {"submit"}}
	s.orderBody = form.Encode()
	for i := range warmup {
		form.Set("_idem", fmt.Sprintf("prep-%s-%d-%d", s.user, time.Now().UnixNano(), i))
		st, loc, err := s.post("/online-orders", form)
		if err != nil || st != http.StatusSeeOther {
			return fmt.Errorf("%s: submit: %d %v %.300s", s.user, st, err, loc)
		}
		s.lastOrder, _ = strconv.ParseUint(strings.TrimPrefix(loc, "/online-orders/"), 10, 64)
	}
	return nil
}

// each runs fn for every session, n at a time; the first error wins.
func each(n int, list []*session, fn func(*session) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, n)
	for _, s := range list {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(s); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

type scenario struct {
	name, method string
	status       int
	also         int // another status an answer may have (0: none): the mixed scenario's orders
	lines        []string
	shows        string // what the first session's page shows (rows, a PDF's size)
}

var (
	reTbody   = regexp.MustCompile(`(?s)<tbody[^>]*>(.*?)</tbody>`)
	reRow     = regexp.MustCompile(`<tr[\s>]`)
	reItemRow = regexp.MustCompile(`class="(?:item-row|cart-line|step done)`) // catalog items, cart lines, tracking steps
)

// shows says what a page holds, so that a scenario measuring an empty list
// is seen: the table rows in its tbody elements (and the catalog's item
// rows, cart lines and an order's tracking steps reached), or a PDF's size.
func shows(body string) string {
	if strings.HasPrefix(body, "%PDF") {
		return fmt.Sprintf("PDF %d KB", (len(body)+512)/1024)
	}
	n := len(reItemRow.FindAllStringIndex(body, -1))
	for _, m := range reTbody.FindAllStringSubmatch(body, -1) {
		n += len(reRow.FindAllStringIndex(m[1], -1))
	}
	return fmt.Sprintf("%d rows", n)
}

func line(s *session, method, path, body string) string {
	return strings.Join([]string{s.cookie, method, path, body}, "\t")
}

func main() {
	base := flag.String("base", "http://127.0.0.1:18480", "the running portal (loopback only)")
	customers := flag.Int("customers", 1000, "customers in the generated dataset (gives the width of the codes)")
	nSessions := flag.Int("sessions", 64, "dealer sessions (customers C0001…)")
	warmup := flag.Int("warmup", 5, "orders each dealer submits before the measurements")
	staffUsers := flag.String("staff", "admin,finance,service", "staff users (whole company)")
	out := flag.String("out", ".", "folder for scenarios.tsv and the request files")
	balances := flag.String("balances", "/balances", "the balance summary; a dealer's shows the link to its balance detail")
	deepPage := flag.Int("deep-page", 200, "the sales-order list page of the deep-page scenario (the last one when the list is shorter)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("prepare: ")
	bu, err := url.Parse(*base)
	if err != nil || (bu.Hostname() != "127.0.0.1" && bu.Hostname() != "localhost") {
		log.Fatalf("-base must be a loopback URL, got %q", *base)
	}
	if *nSessions > *customers {
		log.Fatalf("-sessions (%d) exceeds -customers (%d)", *nSessions, *customers)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	width := max(4, len(strconv.Itoa(*customers)))
	dealers := make([]*session, *nSessions)
	for i := range dealers {
		dealers[i] = newSession(bu, fmt.Sprintf("c%0*d.buyer", width, i+1), tr)
	}
	var staff []*session
	for _, u := range strings.Split(*staffUsers, ",") {
		if u = strings.TrimSpace(u); u != "" {
			staff = append(staff, newSession(bu, u, tr))
		}
	}
	start := time.Now()
	if err := each(8, append(append([]*session(nil), dealers...), staff...), (*session).login); err != nil {
		log.Fatal(err)
	}
	if err := each(8, dealers, func(s *session) error { return s.prepareDealer(*warmup) }); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d dealer and %d staff sessions logged in, carts filled, %d warm-up orders each, in %.1fs",
		len(dealers), len(staff), *warmup, time.Since(start).Seconds())

	var scs []scenario
	add := func(name, method string, status int, who []*session, path func(*session) string, body func(*session) string) {
		sc := scenario{name: name, method: method, status: status, shows: "-"}
		if method == "GET" && len(who) > 0 {
			if st, body, err := who[0].get(path(who[0])); err == nil && st == status {
				sc.shows = shows(body)
			} else {
				sc.shows = fmt.Sprintf("status %d %v", st, err)
			}
			if sc.shows == "0 rows" {
				log.Printf("EMPTY: %s shows no row to %s", name, who[0].user)
			}
		}
		for _, s := range who {
			b := ""
			if body != nil {
				b = body(s)
			}
			sc.lines = append(sc.lines, line(s, method, path(s), b))
		}
		scs = append(scs, sc)
	}
	fixed := func(p string) func(*session) string { return func(*session) string { return p } }
	add("dealer: submit online order (POST /online-orders)", "POST", http.StatusSeeOther, dealers, fixed("/online-orders"), func(s *session) string { return s.orderBody })
	add("dealer: catalog page (GET /catalog)", "GET", http.StatusOK, dealers, fixed("/catalog"), nil)
	add("dealer: cart, 5 lines (GET /cart)", "GET", http.StatusOK, dealers, fixed("/cart"), nil)
	add("dealer: order list (GET /online-orders)", "GET", http.StatusOK, dealers, fixed("/online-orders"), nil)
	add("dealer: tracking list (GET /tracking)", "GET", http.StatusOK, dealers, fixed("/tracking"), nil)
	if *warmup > 0 {
		add("dealer: order tracking (GET /tracking/online-orders/:id)", "GET", http.StatusOK, dealers,
			func(s *session) string { return "/tracking/online-orders/" + strconv.FormatUint(s.lastOrder, 10) }, nil)
	}
	// The balance detail: the link on the dealer's own balance summary.
	details := map[*session]string{}
	var mu sync.Mutex
	_ = each(8, dealers, func(s *session) error {
		st, body, err := s.get(*balances)
		if err == nil && st == http.StatusOK {
			if m := regexp.MustCompile(`href="(` + regexp.QuoteMeta(*balances) + `/\d+)[?"]`).FindStringSubmatch(body); m != nil {
				mu.Lock()
				details[s] = m[1]
				mu.Unlock()
			}
		}
		return nil
	})
	if len(details) == len(dealers) {
		add("dealer: balance detail (GET "+*balances+"/:customer)", "GET", http.StatusOK, dealers, func(s *session) string { return details[s] }, nil)
	} else {
		log.Printf("skipped: dealer balance detail (no link to it on %s for %d of %d dealers in this build)", *balances, len(dealers)-len(details), len(dealers))
	}
	add("staff: order desk list (GET /online-orders)", "GET", http.StatusOK, staff, fixed("/online-orders"), nil)
	add("staff: sales order list (GET /sales-orders)", "GET", http.StatusOK, staff, fixed("/sales-orders"), nil)
	var finance []*session // the staff who see balances
	for _, s := range staff {
		if st, _, err := s.get(*balances); err == nil && st == http.StatusOK {
			finance = append(finance, s)
		}
	}
	if len(finance) > 0 {
		add("staff: balance summary (GET "+*balances+")", "GET", http.StatusOK, finance, fixed(*balances), nil)
	} else {
		log.Printf("skipped: staff balance summary (%s answers no staff user with 200 in this build)", *balances)
	}

	addIssue14Scenarios(add, dealers, staff, details, *balances, *deepPage)

	// Last, as it writes: each dealer's order list nine times for one
	// order placed, so that the lists are measured under the writes that
	// change them (on PostgreSQL a process answers a page from its read
	// cache only while the page's data is unchanged; see docs/DESIGN.md).
	mixed := scenario{name: "dealer: order list, one request in ten places an order (GET, POST /online-orders)", method: "MIX",
		status: http.StatusOK, also: http.StatusSeeOther, shows: "-"}
	for _, s := range dealers {
		for range 9 {
			mixed.lines = append(mixed.lines, line(s, "GET", "/online-orders", ""))
		}
		mixed.lines = append(mixed.lines, line(s, "POST", "/online-orders", s.orderBody))
	}
	if len(dealers) > 0 {
		scs = append(scs, mixed)
	}

	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	var index strings.Builder
	for i, sc := range scs {
		file := filepath.Join(*out, fmt.Sprintf("scenario-%02d.txt", i+1))
		if err := os.WriteFile(file, []byte(strings.Join(sc.lines, "\n")+"\n"), 0o600); err != nil {
			log.Fatal(err)
		}
		status := strconv.Itoa(sc.status)
		if sc.also != 0 {
			status += "/" + strconv.Itoa(sc.also)
		}
		fmt.Fprintf(&index, "%s\t%s\t%s\t%s\n", sc.name, status, file, sc.shows)
	}
	if err := os.WriteFile(filepath.Join(*out, "scenarios.tsv"), []byte(index.String()), 0o600); err != nil {
		log.Fatal(err)
	}
	if len(scs) == 0 {
		log.Fatal(errors.New("no scenario"))
	}
}

var reNext = regexp.MustCompile(`<a href="([^"]+)"[^>]*rel="next"`)

// addIssue14Scenarios adds the statement PDF (the dealer's own, this month),
// the execution report, the invoice list and a deep page of the sales-order
// list, each for the sessions that may open it (left out, with a note, when
// none may in this build). The deep page is reached the way a user reaches
// it: by following each page's "next" link (keyset cursors) from page 1.
func addIssue14Scenarios(add func(string, string, int, []*session, func(*session) string, func(*session) string),
	dealers, staff []*session, details map[*session]string, balances string, deep int) {
	if len(details) == len(dealers) {
		add("dealer: statement PDF (GET /statements/:customer)", "GET", http.StatusOK, dealers,
			func(s *session) string { return strings.Replace(details[s], balances, "/statements", 1) }, nil)
	} else {
		log.Printf("skipped: statement PDF (no balance detail link)")
	}
	answering := func(path string) []*session {
		var out []*session
		for _, s := range staff {
			if st, _, err := s.get(path); err == nil && st == http.StatusOK {
				out = append(out, s)
			}
		}
		return out
	}
	for _, p := range []struct{ name, path string }{
		{"staff: execution report (GET /reports/sales-order-execution)", "/reports/sales-order-execution"},
		{"staff: invoice list (GET /invoices)", "/invoices"},
	} {
		if who := answering(p.path); len(who) > 0 {
			add(p.name, "GET", http.StatusOK, who, func(*session) string { return p.path }, nil)
		} else {
			log.Printf("skipped: %s (no staff user gets 200)", p.name)
		}
	}
	who := answering("/sales-orders")
	if len(who) == 0 {
		log.Printf("skipped: deep sales-order page (no staff user gets 200)")
		return
	}
	path, page := "/sales-orders", 1
	for page < deep {
		_, body, err := who[0].get(path)
		m := reNext.FindStringSubmatch(body)
		if err != nil || m == nil {
			break
		}
		path = html.UnescapeString(m[1])
		page++
	}
	var ok []*session
	for _, s := range who {
		if st, _, err := s.get(path); err == nil && st == http.StatusOK {
			ok = append(ok, s)
		}
	}
	add(fmt.Sprintf("staff: sales order list, page %d (GET %s)", page, strings.SplitN(path, "?", 2)[0]+"?after=…"), "GET", http.StatusOK, ok,
		func(*session) string { return path }, nil)
}
