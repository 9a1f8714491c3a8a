package handlers

import (
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"dealerportal/demo"
	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/kv"
	"dealerportal/views"

	"golang.org/x/net/html"
)

// The words tests render every page as every role, in Chinese and in
// English, and fail on what a reader should never see: a raw catalog key, an
// English word in the Chinese interface, a Chinese character in the English
// one. What a user typed (names, remarks, codes: the data) may be in either
// language; so may what the page marks as not in its language (an element
// with its own lang, translate="no", <code>, <kbd>, <samp>) and technical
// literals (paths, e-mail addresses, command-line flags, header names, MIME
// types, time zone names, {{placeholders}}).
//
// TestWordsEveryPage derives the pages from the router and fills their ids
// from the fixtures of the other tests; TestWordsDemo walks the demo
// database, richer in states, by following the links of every list.

// wordsRoleUsers is one user per role of the fixture (wordsFixture adds
// the staff roles the fixture lacks).
var wordsRoleUsers = []string{"admin", "east", "fin", "svc", "viewer", "c1.manager", "c1.buyer", "c1.finance"}

// wordsExtraRows fill the GET routes with parameters that the scope matrix
// does not call (admin-only pages and the public invitation), with the same
// placeholders; those not in the scope matrix come from wordsFixture.
var wordsExtraRows = []string{
	"/org-units/{orgunit}/edit",
	"/staff/{staff}/edit",
	"/customer-groups/{group}/edit",
	"/settings/api/{apiclient}",
	"/settings/api/{apiclient}/edit",
	"/settings/api/{apiclient}/deliveries",
	"/messages/templates/online_order.submitted",
	"/messages/outbox/{outbox}",
	"/invite/{invite}",
}

// wordsExtraPages are pages worth a look in a state the route alone does
// not show: a failed e-mail, filtered lists.
var wordsExtraPages = []string{
	"/messages/outbox?status=dead",
	"/messages/outbox?status=pending",
	"/catalog-entries/{pubentry}",
	"/stocktakes/{screenst}",
	"/stocktakes/{screenst}/edit",
	"/inbox/{msg}",
}

// wordsAllowed are the words both languages write the same way: formats,
// encodings, protocols and notations, product names, codes the user types
// as shown (a currency code, a date pattern), and pinyin in examples.
var wordsAllowed = map[string]bool{
	"csv": true, "xlsx": true, "pdf": true, "api": true, "url": true, "smtp": true, "sms": true, "htmx": true,
	"erp": true, "crm": true, "http": true, "https": true, "json": true, "png": true, "jpg": true, "jpeg": true,
	"webp": true, "gif": true, "utf": true, "tls": true, "ssl": true, "starttls": true, "html": true, "zip": true,
	"gbk": true, "excel": true, "office": true, "openapi": true, "cidr": true, "webhook": true, "mib": true,
	"yyyy": true, "cny": true, "ltd": true, "printf": true, "wang": true, "bearer": true,
}

var (
	// wordsKeyRe is a catalog key: two or more dotted segments of at least
	// two letters ("catalog.published"; not "e.g.").
	wordsKeyRe    = regexp.MustCompile(`\b[a-z_]{2,}(?:\.[a-z_]{2,})+\b`)
	wordsLatinRe  = regexp.MustCompile(`[A-Za-z]+`)
	wordsSpacesRe = regexp.MustCompile(`\s+`)
	// wordsTechRe are technical literals, read the same in every language.
	wordsTechRe = regexp.MustCompile(strings.Join([]string{
		`\{\{[^}]*\}\}`,                                     // template actions
		`[\w.+-]+@[\w-]+(?:\.[\w-]+)+`,                      // e-mail addresses
		`https?://\S+`,                                      // URLs
		`(?:^|[\s(（:：])/[\w/:.{}?=&%-]*`,                    // paths
		`--[a-z][a-z-]*`,                                    // command-line flags
		`\b[A-Z][a-z]+(?:-[A-Z][a-z]+)+\b`,                  // header names (Content-Type)
		`\b[a-z]+/[a-z0-9.+-]+\b`,                           // MIME types
		`\b[A-Z][a-z]+/[A-Z][A-Za-z_]+\b`,                   // time zones (Asia/Shanghai)
		`\b(?:GET|POST|PUT|PATCH|DELETE|HEAD)\b`,            // HTTP methods
		`\b[\w-]+\.(?:csv|xlsx|pdf|png|jpg|txt|json|zip)\b`, // file names
	}, "|"))
)

// wordsProblem is one finding: what was seen where.
type wordsProblem struct {
	kind, word, page, user, lang, snippet string
}

func TestWordsEveryPage(t *testing.T) {
	if testing.Short() {
		t.Skip("renders every page as every role")
	}
	e := newTestEnv(t)
	documentFixtures(t, e)
	scopeRowsFixture(t, e)
	wordsFixture(t, e)
	paths := wordsPaths(t, e)
	repl := wordsReplacer(e)
	for _, p := range wordsExtraPages {
		paths = append(paths, repl.Replace(p))
	}
	w := newWordsChecker(t, e)
	var problems []wordsProblem
	for _, user := range wordsRoleUsers {
		for _, lang := range Languages {
			c := e.login(user)
			speak(c, lang)
			for _, p := range paths {
				problems = append(problems, w.check(c.get(p), lang, p, user)...)
			}
		}
	}
	wordsReport(t, problems)
}

// TestWordsDemo walks the demo database as each of its roles, in both
// languages: from every page without parameters, it follows the links to at
// most two pages of each route.
func TestWordsDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("walks the demo as every role")
	}
	e, logins := newDemoEnv(t)
	w := newWordsChecker(t, e)
	routes := wordsRoutes(e)
	var start []string
	for _, r := range routes {
		if !r.Params() {
			start = append(start, r.Path)
		}
	}
	roles := map[string]bool{}
	var problems []wordsProblem
	for _, l := range logins {
		var u *model.User
		_ = e.st.View(func(tx *store.Tx) (err error) { u, err = tx.UserByUsername(l.Username); return })
		if u == nil {
			t.Fatalf("demo login %s: no user", l.Username)
		}
		role := string(u.Kind) + ":" + strings.Join(roleNames(u.Roles), "+")
		if roles[role] {
			continue
		}
		roles[role] = true
		for _, lang := range Languages {
			c := e.client()
			c.get("/login")
			c.post("/login", url.Values{"username": {l.Username}, "password": {demo.DemoPassword}})
			speak(c, lang)
			perRoute := map[string]int{}
			queue := slices.Clone(start)
			visited := map[string]bool{}
			for len(queue) > 0 {
				p := queue[0]
				queue = queue[1:]
				if visited[p] {
					continue
				}
				visited[p] = true
				r := c.get(p)
				problems = append(problems, w.check(r, lang, p, l.Username)...)
				for _, m := range wordsHrefRe.FindAllStringSubmatch(r.Body, -1) {
					next := html.UnescapeString(m[1])
					if visited[next] || strings.Contains(next, "export=") || strings.Contains(next, "format=pdf") {
						continue
					}
					pathOnly, _, _ := strings.Cut(next, "?")
					if r, ok := ServingRoute(routes, "GET", pathOnly); ok && perRoute[r.Path] < 2 {
						perRoute[r.Path]++
						queue = append(queue, next)
					}
				}
			}
		}
	}
	if len(roles) < 6 {
		t.Errorf("the demo logins cover %d roles: %v", len(roles), roles)
	}
	wordsReport(t, problems)
}

func roleNames(rs []model.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	sort.Strings(out)
	return out
}

var wordsHrefRe = regexp.MustCompile(`href="(/[^"#]*)"`)

func wordsSkipRoute(p string) bool {
	return isAPIPath(p) || strings.HasPrefix(p, "/static/") || p == "/healthz" || p == "/readyz" || p == "/logout"
}

// wordsRoutes are the router's GET routes but those wordsSkipRoute names.
func wordsRoutes(e *testEnv) []Route {
	var out []Route
	for _, r := range Routes(e.app) {
		if r.Method == "GET" && !wordsSkipRoute(r.Path) {
			out = append(out, r)
		}
	}
	return out
}

// newDemoEnv is a portal on the demo database (demo.FirstStart), whose data
// is richer than the fixtures.
func newDemoEnv(t *testing.T) (*testEnv, []demo.Login) {
	t.Helper()
	dsn := testDSN(t)
	st, err := store.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logins, err := demo.FirstStart(st, demo.Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, st: st, dsn: dsn, ids: map[string]uint64{}, exts: map[string]string{}}
	e.h, err = New(st, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e.app = e.h.App()
	return e, logins
}

// wordsReport prints each problem once per (kind, word, page, language),
// with the users who saw it, so the list is as long as the fixes to make.
func wordsReport(t *testing.T, problems []wordsProblem) {
	t.Helper()
	type key struct{ kind, word, page, lang string }
	users := map[key][]string{}
	first := map[key]wordsProblem{}
	var order []key
	for _, p := range problems {
		k := key{p.kind, p.word, p.page, p.lang}
		if _, ok := first[k]; !ok {
			first[k] = p
			order = append(order, k)
		}
		if !slices.Contains(users[k], p.user) {
			users[k] = append(users[k], p.user)
		}
	}
	sort.Slice(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		if a.word != b.word {
			return a.word < b.word
		}
		return a.page < b.page
	})
	for _, k := range order {
		p := first[k]
		t.Errorf("%s %q on %s (%s) as %s: …%s…", p.kind, p.word, p.page, p.lang, strings.Join(users[k], ","), p.snippet)
	}
}

// wordsFixture adds a staff user for each staff role the test environment
// lacks (finance "fin", service "svc"), and a record for each admin page
// that takes an id: a customer group, an API client, an invitation and a
// failed e-mail (an SMTP server that refuses the connection).
func wordsFixture(t *testing.T, e *testEnv) {
	t.Helper()
	hash, _ := store.HashPassword(testPassword)
	err := e.st.Update("test", func(tx *store.Tx) error {
		for name, role := range map[string]model.Role{"fin": model.RoleFinance, "svc": model.RoleService} {
			u := &model.User{Username: name, Name: "员工" + name, Kind: model.KindStaff, Roles: []model.Role{role},
				OrgUnitID: e.ids["org:HQ"], ScopeMode: model.ScopeOrg, ScopeOrgs: []uint64{e.ids["org:HQ"]}, PasswordHash: hash}
			if err := tx.SaveUser(store.AdminScope(), u); err != nil {
				return err
			}
			e.ids["user:"+name] = u.ID
		}
		g := &model.CustomerGroup{Code: "VIP", Name: "重点客户"}
		if err := tx.SaveCustomerGroup(g); err != nil {
			return err
		}
		e.ids["group"] = g.ID
		// An entry published the ordinary way: its customers are told
		// (catalog.published), and its page lists the messages.
		admin, err := tx.UserByID(e.ids["user:admin"])
		if err != nil {
			return err
		}
		p := &model.Product{Code: "P-PUB", Name: "新发布电机", Unit: "台", ListPrice: 100, TaxRate: 1300, Active: true}
		if err := tx.SaveProduct(p); err != nil {
			return err
		}
		en := &model.CatalogEntry{ProductID: p.ID, CategoryID: e.ids["cat:SERVO"], Targets: []model.Target{{Kind: model.TargetCustomer, ID: e.ids["customer:C1"]}}}
		if err := tx.SaveCatalogEntry(store.AdminScope(), en); err != nil {
			return err
		}
		if _, err := tx.ApplyCatalogAction(store.AdminScope(), en.ID, "audit", admin, en.Version); err != nil {
			return err
		}
		e.ids["pubentry"] = en.ID
		// A stocktake entered on screen, as the form saves it.
		ref, err := tx.ChannelProduct(store.AdminScope(), e.ids["customer:C1"], "P-ALL", true)
		if err != nil {
			return err
		}
		st := &model.Stocktake{CustomerID: e.ids["customer:C1"], Date: "2026-01-05", Source: "screen", Lines: []model.StocktakeLine{{ProductRef: ref, Qty: 1000}}}
		if err := tx.SaveStocktake(store.AdminScope(), admin, st, false); err != nil {
			return err
		}
		e.ids["screenst"] = st.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.ids["staff"] = e.ids["user:east"]
	e.ids["orgunit"] = e.ids["org:SH"]
	wordsMessagingFixture(t, e)
}

// wordsPaths lists one request path for every GET route of the router
// (HTML or not: the answer's type decides), its parameters filled from the
// fixture through the scope matrix's rows and wordsExtraRows. A route no
// row fills fails the test: add a row.
func wordsPaths(t *testing.T, e *testEnv) []string {
	t.Helper()
	var rows []string
	for _, r := range scopeMatrix {
		if r.method == "GET" {
			rows = append(rows, r.path)
		}
	}
	rows = append(rows, wordsExtraRows...)
	repl := wordsReplacer(e)
	var out []string
	for _, r := range wordsRoutes(e) {
		if !r.Params() {
			out = append(out, r.Path)
			continue
		}
		found := ""
		for _, row := range rows {
			p, _, _ := strings.Cut(row, "?")
			if r.Pattern.MatchString(placeholderRe.ReplaceAllString(p, "1")) {
				found = row
				break
			}
		}
		if found == "" {
			if strings.Contains(r.Path, ".:fmt") {
				continue // import templates: files, not pages
			}
			t.Errorf("GET %s: no row fills its parameters: add one to wordsExtraRows", r.Path)
			continue
		}
		p := repl.Replace(found)
		if strings.Contains(p, "{") {
			t.Errorf("%s: placeholder not filled", p)
			continue
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// wordsReplacer fills the placeholders of the rows for customer C1.
func wordsReplacer(e *testEnv) *strings.Replacer {
	x := "C1"
	pairs := []string{
		"{cust}", e.id("customer:" + x), "{loc}", e.id("location:" + x),
		"{user}", e.id("user:c1.buyer"), "{att}", e.id("annatt:" + x),
		"{ann}", e.id("ann:" + x), "{annatt}", e.id("annatt:" + x), "{msg}", e.id("msg:" + x),
		"{entry}", e.id("entry:" + x), "{price}", e.id("price:" + x),
		"{shso}", e.id("ship.so:" + x), "{shoo}", e.id("ship.oo:" + x), "{shdn}", e.id("ship.dn:" + x),
		"{shob}", e.id("ship.ob:" + x), "{shrt}", e.id("ship.rt:" + x), "{shrn}", e.id("ship.rn:" + x),
		"{oo}", e.id("oo:" + x), "{so}", e.id("so:" + x), "{cr}", e.id("cr:" + x),
	}
	for _, k := range []string{"staff", "orgunit", "group", "apiclient", "outbox", "pubentry", "screenst"} {
		pairs = append(pairs, "{"+k+"}", e.id(k))
	}
	pairs = append(pairs, "{invite}", e.exts["invite"])
	pairs = append(pairs, channelScopeReplacer(e, x)...)
	pairs = append(pairs, reconScopeReplacer(e, x)...)
	pairs = append(pairs, scopePlaceholders(e, x)...)
	return strings.NewReplacer(pairs...)
}

// wordsChecker holds what the checks compare with: the fixture's data and
// the English words of the catalogs.
type wordsChecker struct {
	// data are the strings the fixture stored; typed are those of them
	// that people wrote, without the messages the portal rendered (which
	// are in the language of their reader when sent, but must carry no raw
	// path or key).
	data, typed []string
	english     map[string]bool
	// routes are the pages of the router: a path to one of them written
	// out as text is a link that shows its address instead of its name.
	routes []Route
}

func newWordsChecker(t *testing.T, e *testEnv) *wordsChecker {
	w := &wordsChecker{english: wordsEnglish(t)}
	w.data, w.typed = wordsData(t, e)
	for _, r := range wordsRoutes(e) {
		if r.Path != "/" {
			w.routes = append(w.routes, r)
		}
	}
	return w
}

// wordsPathRe is a path written in a text, after a space, a bracket or a
// colon ("查看：/announcements/3").
var wordsPathRe = regexp.MustCompile(`(?:^|[\s(（:：])(/[a-z][\w/.-]*)`)

// wordsDataKeys are the fields whose identifiers are data too: user names
// (c1.buyer, admin) and the users named in trails and records.
var wordsDataKeys = map[string]bool{"username": true, "by": true, "created_by": true, "updated_by": true, "actor": true}

// wordsNotData are fields the portal writes itself in its own words, never
// data: the errors of deliveries.
var wordsNotData = map[string]bool{"last_error": true, "error": true}

// wordsData collects every string the fixture stored (names, codes,
// remarks, file names…), except the code's own words: identifiers such as
// statuses, roles, events and sources ("screen"), unless a field names a
// user; the portal's own actor "system"; and what wordsNotData names.
// typed leaves out the strings found only in rendered messages.
func wordsData(t *testing.T, e *testEnv) (data, typed []string) {
	t.Helper()
	set := map[string]bool{}
	rendered := false
	renderedSet := map[string]bool{}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case string:
			if strings.TrimSpace(x) == "" || x == "system" || wordsNotData[key] || (identRe.MatchString(x) && !wordsDataKeys[key]) {
				return
			}
			set[x] = true
			if rendered {
				renderedSet[x] = true
			}
		case []any:
			for _, y := range x {
				walk(key, y)
			}
		case map[string]any:
			for k, y := range x {
				walk(k, y)
			}
		}
	}
	bucket := func(b kv.Bucket) {
		_ = b.ForEach(func(k, v []byte) error {
			var doc any
			if store.DecodeRecord(v, &doc) == nil {
				walk("", doc)
			}
			return nil
		})
	}
	err := e.st.KV().View(func(tx kv.Tx) error {
		return tx.ForEach(func(name []byte, b kv.Bucket) error {
			rendered = wordsRenderedBuckets[string(name)]
			bucket(b)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for s := range set {
		data = append(data, s)
		if !renderedSet[s] {
			typed = append(typed, s)
		}
	}
	// Longest first, so that a name is removed before a word inside it.
	longest := func(l []string) {
		sort.Slice(l, func(i, j int) bool { return len(l[i]) > len(l[j]) || len(l[i]) == len(l[j]) && l[i] < l[j] })
	}
	longest(data)
	longest(typed)
	return data, typed
}

// wordsRenderedBuckets hold the messages the portal rendered from its
// templates (e-mails, SMS, in-app messages).
var wordsRenderedBuckets = map[string]bool{"deliveries": true, "inbox": true, "outbox": true}

var identRe = regexp.MustCompile(`^[a-z][a-z0-9_.]*$`)

// wordsEnglish is the set of English words the Chinese interface must not
// show: every word of three letters or more in the English catalog, less
// the words both languages share (wordsAllowed).
func wordsEnglish(t *testing.T) map[string]bool {
	t.Helper()
	i, err := LoadI18n(views.FS, "i18n")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, k := range i.Keys() {
		for _, w := range wordsLatinRe.FindAllString(i.texts["en"][k], -1) {
			w = strings.ToLower(w)
			if len(w) >= 3 && !wordsAllowed[w] {
				out[w] = true
			}
		}
	}
	return out
}

// check finds the problems of one answer (nothing when it is not HTML).
func (w *wordsChecker) check(r resp, lang, page, user string) []wordsProblem {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		return nil
	}
	var out []wordsProblem
	if r.Code >= 500 {
		out = append(out, wordsProblem{kind: "broken page", word: itoa(uint64(r.Code)), page: page, user: user, lang: lang, snippet: excerpt(r.Body)})
	}
	for _, text := range visibleTexts(r.Body, lang) {
		add := func(kind, word string) {
			out = append(out, wordsProblem{kind: kind, word: word, page: page, user: user, lang: lang, snippet: snippet(text, word)})
		}
		// Candidates first; what may be there (what people typed, everything
		// the fixture stored, technical literals) is looked up only for
		// them, as it is the slow part.
		type candidate struct {
			kind  string
			i, j  int
			typed bool // excused by typed data only (not by any data)
			tech  bool // excused by a technical literal too
		}
		var cands []candidate
		for _, m := range wordsPathRe.FindAllStringSubmatchIndex(text, -1) {
			p := strings.TrimRight(text[m[2]:m[3]], ".")
			if _, ok := ServingRoute(w.routes, "GET", p); ok {
				cands = append(cands, candidate{"raw path", m[2], m[2] + len(p), true, false})
			}
		}
		for _, m := range wordsKeyRe.FindAllStringIndex(text, -1) {
			cands = append(cands, candidate{"raw key", m[0], m[1], true, true})
		}
		if lang == "zh" {
			for _, m := range wordsLatinRe.FindAllStringIndex(text, -1) {
				if w.english[strings.ToLower(text[m[0]:m[1]])] {
					cands = append(cands, candidate{"English word", m[0], m[1], false, true})
				}
			}
		} else {
			for i, r := range text {
				if unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hiragana, unicode.Katakana) || r >= 0xFF01 && r <= 0xFF5E || r >= 0x3000 && r <= 0x303F {
					cands = append(cands, candidate{"Chinese", i, i + utf8.RuneLen(r), false, true})
				}
			}
		}
		if len(cands) == 0 {
			continue
		}
		typed, data, tech := covered(text, w.typed, nil), covered(text, w.data, nil), covered(text, nil, wordsTechRe)
		seenChinese := false
		for _, c := range cands {
			ok := true
			for k := c.i; k < c.j && ok; k++ {
				ok = c.typed && typed[k] || !c.typed && data[k] || c.tech && tech[k]
			}
			if ok || c.kind == "Chinese" && seenChinese {
				continue
			}
			seenChinese = seenChinese || c.kind == "Chinese"
			add(c.kind, text[c.i:c.j])
		}
	}
	return out
}

// covered marks the bytes of text inside an occurrence of a string of list
// or a match of re. A string that starts or ends with a Latin letter or
// digit counts only as a whole word ("API" is not inside "OpenAPI").
func covered(text string, list []string, re *regexp.Regexp) []bool {
	mask := make([]bool, len(text))
	mark := func(i, j int) {
		for k := i; k < j; k++ {
			mask[k] = true
		}
	}
	alnum := func(b byte) bool { return b < 0x80 && (unicode.IsLetter(rune(b)) || unicode.IsDigit(rune(b))) }
	for _, d := range list {
		for from := 0; from < len(text); {
			i := strings.Index(text[from:], d)
			if i < 0 {
				break
			}
			i += from
			j := i + len(d)
			if !(i > 0 && alnum(d[0]) && alnum(text[i-1])) && !(j < len(text) && alnum(d[len(d)-1]) && alnum(text[j])) {
				mark(i, j)
			}
			from = i + 1
		}
	}
	if re != nil {
		for _, m := range re.FindAllStringIndex(text, -1) {
			mark(m[0], m[1])
		}
	}
	return mask
}

// snippet is the text around word, for the report.
func snippet(text, word string) string {
	text = wordsSpacesRe.ReplaceAllString(strings.TrimSpace(text), " ")
	i := max(strings.Index(text, word), 0)
	start, end := max(0, i-40), min(len(text), i+len(word)+40)
	for start > 0 && text[start]&0xC0 == 0x80 {
		start--
	}
	for end < len(text) && text[end]&0xC0 == 0x80 {
		end++
	}
	return text[start:end]
}

// visibleTexts returns what a reader of a page in lang sees or hears: text
// nodes outside script and style, and the attributes read out or shown
// (title, placeholder, aria-label, alt, the labels of stacked table cells,
// confirmation questions, a button's or a field's value). Elements in another language
// (lang), marked translate="no", and code (code, kbd, samp) are left out.
func visibleTexts(body, lang string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(body))
	// skipTag/skipDepth: the element being left out, and how deep its own
	// tag is nested inside itself.
	skipTag, skipDepth := "", 0
	inScript := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			void := tt == html.SelfClosingTagToken || voidElements[tok.Data]
			if skipTag != "" {
				if tok.Data == skipTag && !void {
					skipDepth++
				}
				continue
			}
			if tok.Data == "script" || tok.Data == "style" {
				inScript = tt == html.StartTagToken
				continue
			}
			if wordsLeftOut(tok, lang) {
				if !void {
					skipTag, skipDepth = tok.Data, 1
				}
				continue
			}
			typ := tokAttr(tok, "type")
			for _, a := range tok.Attr {
				switch a.Key {
				case "title", "placeholder", "aria-label", "alt", "hx-confirm", "data-confirm", "data-label":
					out = append(out, a.Val)
				case "value":
					// A button's text, and what a field holds when the
					// page opens (the portal's defaults; data is allowed).
					if tok.Data == "input" && typ != "hidden" && typ != "checkbox" && typ != "radio" && typ != "password" {
						out = append(out, a.Val)
					}
				}
			}
		case html.EndTagToken:
			tok := z.Token()
			if tok.Data == "script" || tok.Data == "style" {
				inScript = false
			}
			if skipTag != "" && tok.Data == skipTag {
				if skipDepth--; skipDepth == 0 {
					skipTag = ""
				}
			}
		case html.TextToken:
			if skipTag == "" && !inScript {
				if s := strings.TrimSpace(string(z.Text())); s != "" {
					out = append(out, s)
				}
			}
		}
	}
}

var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// wordsLeftOut reports whether an element says its content is not in the
// page's language: its own lang, translate="no", or code.
func wordsLeftOut(tok html.Token, lang string) bool {
	switch tok.Data {
	case "code", "kbd", "samp":
		return true
	case "html":
		return false
	}
	if l := tokAttr(tok, "lang"); l != "" && !strings.HasPrefix(l, lang) {
		return true
	}
	return tokAttr(tok, "translate") == "no"
}

func tokAttr(tok html.Token, name string) string {
	for _, a := range tok.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// wordsMessagingFixture makes the admin pages of messages and the API show
// something: an API client, an invited dealer user (the invitation's token
// in e.exts["invite"]), and an e-mail and an SMS to that user that failed
// for good (an SMTP server and an SMS gateway that refuse the connection),
// the e-mail's delivery in e.ids["outbox"].
func wordsMessagingFixture(t *testing.T, e *testEnv) {
	t.Helper()
	err := e.st.Update("admin", func(tx *store.Tx) error {
		if _, err := tx.AddMissingTemplates(demo.DefaultTemplates()); err != nil {
			return err
		}
		c := &model.APIClient{Name: "ERP 同步", Scopes: []model.APIScope{model.ScopeOf(model.APIProducts, false)}, RateLimit: 10}
		if err := tx.SaveAPIClient(c); err != nil {
			return err
		}
		e.ids["apiclient"] = c.ID
		ms := tx.MessagingSettings()
		ms.SMTPHost, ms.SMTPPort, ms.SMTPSecurity, ms.SMTPFrom = "127.0.0.1", 1, model.SMTPNone, "portal@example.com"
		ms.SMSURL, ms.MaxAttempts = "http://127.0.0.1:1/send?to={{urlquery .phone}}", 1
		if err := tx.SaveMessagingSettings(ms); err != nil {
			return err
		}
		u := &model.User{Username: "c1.new", Name: "新用户", Kind: model.KindDealer, CustomerID: e.ids["customer:C1"],
			Roles: []model.Role{model.RoleBuyer}, Email: "new@c1.example.com", Mobile: "13800000000"}
		if err := tx.SaveUser(store.AdminScope(), u); err != nil {
			return err
		}
		if _, err := tx.InviteUser(store.AdminScope(), u.ID); err != nil {
			return err
		}
		msgs, _ := tx.PendingOutbox(10000)
		for _, m := range msgs {
			if m.Event == model.EventUserInvited {
				e.exts["invite"] = strings.TrimPrefix(m.Params["link"], store.InvitationPath)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if e.exts["invite"] == "" {
		t.Fatal("no invitation token")
	}
	deliver(t, e)
	_ = e.st.View(func(tx *store.Tx) error {
		ds, _, _ := tx.ListDeliveries(store.DeliveryFilter{Channel: model.ChannelEmail}, store.Page{Limit: 10})
		for _, d := range ds {
			if d.Status == model.DeliveryDead {
				e.ids["outbox"] = d.ID
			}
		}
		return nil
	})
	if e.ids["outbox"] == 0 {
		t.Fatal("no failed e-mail")
	}
}
