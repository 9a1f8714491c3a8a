package handlers

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// The write-off grid's rows of the scope matrix: the proposal and a grid
// post of one pair, for a customer outside the caller's scope.
var writeOffGridScopeRows = []scopeRoute{
	{"GET", "/write-offs?customer_id={cust}&match=fifo"},
	{"POST", "/write-offs?customer_id={cust}#rows=1&source.0=RC:{rcrc}&invoice.0=IV:{rciv}&amount.0=1.00&shown=RC:{rcrc}=1"},
}

func init() { scopeMatrix = append(scopeMatrix, writeOffGridScopeRows...) }

// writeOffGridFixture gives C1, on top of the reconciliation fixture (its
// receipt RC "rc.rc:C1" of 2026-03-21 with ¥900.00 unapplied), a sales
// order of ten units at ¥100.00 shipped on 2026-03-20 and invoiced as
// "wo.ivA:C1" (6 units, 2026-03-22, ¥600.00) and "wo.ivB:C1" (4 units,
// 2026-03-23, ¥400.00); its advance receipt "rc.ar:C1" (¥50.00,
// 2026-03-22) audited; a receipt "wo.rc2:C1" of ¥250.00 on 2026-03-24; and
// a finance user "fin.south" whose scope is the SOUTH region (C2, not C1).
func writeOffGridFixture(t *testing.T, e *testEnv) {
	t.Helper()
	hash, _ := store.HashPassword(testPassword)
	err := e.st.Update("admin", func(tx *store.Tx) error {
		sc := store.AdminScope()
		admin, err := tx.UserByID(e.ids["user:admin"])
		if err != nil {
			return err
		}
		cust := e.ids["customer:C1"]
		price, rate := model.Money(10000), int64(1300)
		so := &model.SalesOrder{CustomerID: cust, OrderDate: "2026-03-19", ShipTo: model.ShipTo{Name: "仓库"}}
		if err := tx.SaveSalesOrder(sc, so, []store.LineInput{{Code: "P-ALL", Qty: 10000, Price: &price, TaxRate: &rate}}); err != nil {
			return err
		}
		if so, err = tx.ActOnSalesOrder(sc, so.ID, so.Version, "audit", admin, ""); err != nil {
			return err
		}
		ob, err := tx.PostOutbound(sc, admin, &store.OutboundInput{SalesOrderID: so.ID, PostDate: "2026-03-20", Qty: map[int]model.Qty{1: 10000}})
		if err != nil {
			return err
		}
		for _, iv := range []struct {
			name, date string
			qty        model.Qty
		}{{"wo.ivA:C1", "2026-03-22", 6000}, {"wo.ivB:C1", "2026-03-23", 4000}} {
			inv, err := tx.CreateInvoice(sc, admin, &store.InvoiceInput{CustomerID: cust, InvoiceNo: "W" + iv.date, Date: iv.date,
				Qty: map[store.InvoiceLineRef]model.Qty{{OutboundID: ob.ID, Line: 1}: iv.qty}, Audit: true})
			if err != nil {
				return err
			}
			e.ids[iv.name] = inv.ID
		}
		ar, err := tx.ReceiptDoc(sc, model.DocAdvanceReceipt, e.ids["rc.ar:C1"])
		if err != nil {
			return err
		}
		if _, _, err := tx.ActOnReceiptDoc(sc, admin, model.DocAdvanceReceipt, ar.ID, ar.Version, "audit"); err != nil {
			return err
		}
		rc := &model.ReceiptDoc{CustomerID: cust, Kind: model.DocReceipt, Date: "2026-03-24", Amount: 25000, Method: "transfer", Reference: "建行 1234"}
		if err := tx.SaveReceiptDoc(sc, admin, rc); err != nil {
			return err
		}
		if _, _, err := tx.ActOnReceiptDoc(sc, admin, model.DocReceipt, rc.ID, rc.Version, "audit"); err != nil {
			return err
		}
		e.ids["wo.rc2:C1"] = rc.ID
		u := &model.User{Username: "fin.south", Name: "FIN SOUTH", Kind: model.KindStaff, Roles: []model.Role{model.RoleFinance},
			OrgUnitID: e.ids["org:HQ"], ScopeMode: model.ScopeOrg, ScopeOrgs: []uint64{e.ids["org:SOUTH"]}, PasswordHash: hash}
		if err := tx.SaveUser(sc, u); err != nil {
			return err
		}
		e.ids["user:fin.south"] = u.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var (
	woFormRe   = regexp.MustCompile(`(?s)<form method="post" action="/write-offs" id="writeoff-form">(.*?)</form>`)
	woInputRe  = regexp.MustCompile(`<input [^>]*>`)
	woAttrRe   = regexp.MustCompile(`\b(name|value)="([^"]*)"`)
	woSelectRe = regexp.MustCompile(`(?s)<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>`)
	woChosenRe = regexp.MustCompile(`<option value="([^"]*)" selected>`)
)

// woForm reads the grid form of a page as a browser without JavaScript
// would post it: every input's and every drop-down's value.
func woForm(t *testing.T, body string) url.Values {
	t.Helper()
	m := woFormRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no write-off grid form: %s", excerpt(body))
	}
	v := url.Values{}
	for _, in := range woInputRe.FindAllString(m[1], -1) {
		var name, value string
		for _, a := range woAttrRe.FindAllStringSubmatch(in, -1) {
			if a[1] == "name" {
				name = html.UnescapeString(a[2])
			} else {
				value = html.UnescapeString(a[2])
			}
		}
		if name != "" {
			v.Set(name, value)
		}
	}
	for _, s := range woSelectRe.FindAllStringSubmatch(m[1], -1) {
		val := ""
		if c := woChosenRe.FindStringSubmatch(s[2]); c != nil {
			val = html.UnescapeString(c[1])
		}
		v.Set(s[1], val)
	}
	return v
}

// woPairs lists the form's filled rows as "source>invoice=amount", in row
// order, with the documents' numbers for keys.
func woPairs(form url.Values, names map[string]string) []string {
	var out []string
	for i := 0; ; i++ {
		f := func(n string) string { return form.Get(model.WriteOffField(i, n)) }
		if _, ok := form[model.WriteOffField(i, "amount")]; !ok {
			return out
		}
		if f("amount") == "" {
			continue
		}
		out = append(out, names[f("source")]+">"+names[f("invoice")]+"="+f("amount"))
	}
}

// woOpen reads the open amount of document key from the grid's tables.
func woOpen(t *testing.T, body, key string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)<tr id="wo-` + regexp.QuoteMeta(strings.ReplaceAll(key, ":", "-")) + `"[^>]*>.*?<td class="num wo-open-amount">([^<]*)`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return "not open"
	}
	return strings.TrimSpace(m[1])
}

// woCount is the number of write-off records of customer C1.
func woCount(t *testing.T, e *testEnv) int {
	t.Helper()
	var n int
	_ = e.st.View(func(tx *store.Tx) error {
		_, n, _ = tx.ListWriteOffs(store.AdminScope(), store.WriteOffFilter{CustomerID: e.ids["customer:C1"]}, store.Page{})
		return nil
	})
	return n
}

// woClean runs the integrity checks: the maintained balances, open items
// and received amounts agree with the documents (portal check / verify).
func woClean(t *testing.T, e *testEnv) {
	t.Helper()
	e.verifyClean()
	if problems, err := e.st.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("portal check: %v %v", problems, err)
	}
}

func newWriteOffGridEnv(t *testing.T) (*testEnv, map[string]string) {
	t.Helper()
	e := newReconEnv(t)
	writeOffGridFixture(t, e)
	keys := map[string]string{
		model.WriteOffKey(model.DocReceipt, e.ids["rc.rc:C1"]):        "RC1",
		model.WriteOffKey(model.DocAdvanceReceipt, e.ids["rc.ar:C1"]): "AR",
		model.WriteOffKey(model.DocReceipt, e.ids["wo.rc2:C1"]):       "RC2",
		model.WriteOffKey(model.DocInvoice, e.ids["wo.ivA:C1"]):       "IVA",
		model.WriteOffKey(model.DocInvoice, e.ids["wo.ivB:C1"]):       "IVB",
	}
	return e, keys
}

// keyOf is the grid key of a fixture's short name.
func keyOf(names map[string]string, short string) string {
	for k, v := range names {
		if v == short {
			return k
		}
	}
	return ""
}

// TestWriteOffGridPostsSeveralPairs: finance opens the grid (each side
// oldest first), auto-matches (oldest first, split amounts), changes one
// amount and posts: four records in one go, the open amounts and the
// balances moved, the integrity checks clean. The same form posted again
// writes nothing.
func TestWriteOffGridPostsSeveralPairs(t *testing.T) {
	e, names := newWriteOffGridEnv(t)
	c1 := e.id("customer:C1")
	a := e.login("admin")
	a.setLang("en")

	// The grid: sources and invoices, oldest first, with their figures.
	r := a.get("/write-offs?customer=C1")
	rcStatus(t, "grid", r, http.StatusOK)
	mustRender(t, "grid", r)
	order := func(table string) []string {
		m := regexp.MustCompile(`(?s)<table id="` + table + `">(.*?)</table>`).FindStringSubmatch(r.Body)
		var out []string
		for _, id := range regexp.MustCompile(`<tr id="wo-([A-Z]+-\d+)"`).FindAllStringSubmatch(m[1], -1) {
			out = append(out, names[strings.Replace(id[1], "-", ":", 1)])
		}
		return out
	}
	if got := strings.Join(order("open-sources"), " "); got != "RC1 AR RC2" {
		t.Fatalf("sources in order %q", got)
	}
	if got := strings.Join(order("open-invoices"), " "); got != "IVA IVB" {
		t.Fatalf("invoices in order %q", got)
	}
	for short, want := range map[string]string{"RC1": "¥900.00", "AR": "¥50.00", "RC2": "¥250.00", "IVA": "¥600.00", "IVB": "¥400.00"} {
		if got := woOpen(t, r.Body, keyOf(names, short)); got != want {
			t.Errorf("%s open %q, want %q", short, got, want)
		}
	}
	if form := woForm(t, r.Body); len(woPairs(form, names)) != 0 {
		t.Fatalf("pairs before auto-match: %v", woPairs(form, names))
	}

	// Auto-match: oldest first, splitting amounts, as a plain GET.
	for _, hx := range []bool{false, true} {
		if hx {
			r = a.get("/write-offs?customer_id="+c1+"&match=fifo", "HX-Request", "true")
		} else {
			r = a.get("/write-offs?customer_id=" + c1 + "&match=fifo")
		}
		rcStatus(t, "auto-match", r, http.StatusOK)
		mustRender(t, "auto-match", r)
	}
	form := woForm(t, r.Body)
	want := "RC1>IVA=600.00 RC1>IVB=300.00 AR>IVB=50.00 RC2>IVB=50.00"
	if got := strings.Join(woPairs(form, names), " "); got != want {
		t.Fatalf("proposal %q, want %q", got, want)
	}
	if n := woCount(t, e); n != 1 {
		t.Fatalf("auto-match wrote: %d records", n)
	}

	// Adjust the last pair and post: one action, four records.
	last := ""
	for i := 0; ; i++ {
		if form.Get(model.WriteOffField(i, "amount")) == "50.00" && names[form.Get(model.WriteOffField(i, "source"))] == "RC2" {
			last = model.WriteOffField(i, "amount")
			break
		}
	}
	form.Set(last, "40")
	r = a.post("/write-offs", form)
	rcStatus(t, "post", r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/write-offs?customer_id="+c1 {
		t.Fatalf("after posting: %s", loc)
	}
	if n := woCount(t, e); n != 5 {
		t.Fatalf("records after posting: %d, want 1 + 4", n)
	}
	r = a.get("/write-offs?customer_id=" + c1)
	if !strings.Contains(r.Body, "Written off.") {
		t.Error("no confirmation after posting")
	}
	for short, want := range map[string]string{"RC1": "not open", "AR": "not open", "RC2": "¥210.00", "IVA": "not open", "IVB": "¥10.00"} {
		if got := woOpen(t, r.Body, keyOf(names, short)); got != want {
			t.Errorf("after posting: %s open %q, want %q", short, got, want)
		}
	}
	var b *model.CustomerBalance
	_ = e.st.View(func(tx *store.Tx) (err error) {
		b, err = tx.Balance(store.AdminScope(), e.ids["customer:C1"])
		return err
	})
	if b.InvoicedReceivable != 1000 || b.ReceiptBalance != 21000 {
		t.Fatalf("balance after posting: %+v", b)
	}
	woClean(t, e)

	// The same form again (a double click, a retried post): answered like
	// the first, nothing written.
	before := storeFingerprint(t, e)
	r = a.post("/write-offs", form)
	rcStatus(t, "double submit", r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/write-offs?customer_id="+c1 {
		t.Fatalf("double submit went to %s", loc)
	}
	if storeFingerprint(t, e) != before || woCount(t, e) != 5 {
		t.Fatal("the double submit wrote")
	}
	// Through htmx too: the same answer (HX-Location), nothing written.
	r = a.post("/write-offs", form, "HX-Request", "true")
	if r.Code != http.StatusOK || !strings.Contains(r.Header.Get("HX-Location"), "/write-offs?customer_id="+c1) || storeFingerprint(t, e) != before {
		t.Fatalf("htmx double submit: %d %s", r.Code, r.Header.Get("HX-Location"))
	}
}

// TestWriteOffGridRefusals: an over-allocation, a zero, a bad amount and a
// pair twice come back at their rows with 422 and nothing written; a grid
// whose open amounts changed since it was shown comes back with the fresh
// figures and 409, nothing written; posted again from the fresh grid, it
// goes through.
func TestWriteOffGridRefusals(t *testing.T) {
	e, names := newWriteOffGridEnv(t)
	c1 := e.id("customer:C1")
	a := e.login("admin")
	a.setLang("en")
	r := a.get("/write-offs?customer_id=" + c1 + "&match=fifo")
	proposal := woForm(t, r.Body)

	refused := func(what string, change func(url.Values), field, msg string) {
		t.Helper()
		form := url.Values{}
		for k, v := range proposal {
			form[k] = append([]string(nil), v...)
		}
		change(form)
		before := storeFingerprint(t, e)
		r := a.post("/write-offs", form)
		rcStatus(t, what, r, http.StatusUnprocessableEntity)
		mustRender(t, what, r)
		if storeFingerprint(t, e) != before {
			t.Fatalf("%s: something was written", what)
		}
		errRe := regexp.MustCompile(`<p class="err" id="e-wo-` + regexp.QuoteMeta(strings.Replace(field, ".", "-", 1)) + `">([^<]*)</p>`)
		m := errRe.FindStringSubmatch(r.Body)
		if m == nil || !strings.Contains(html.UnescapeString(m[1]), msg) {
			t.Fatalf("%s: no %q at %s: %v", what, msg, field, m)
		}
		if !strings.Contains(r.Body, `id="wo-invalid"`) {
			t.Fatalf("%s: no summary", what)
		}
		// The form comes back as typed, with the same token.
		back := woForm(t, r.Body)
		if back.Get("_idem") != form.Get("_idem") || strings.HasPrefix(field, "amount") && back.Get(field) != form.Get(field) {
			t.Fatalf("%s: the form came back as %v", what, back)
		}
	}
	// Row 3 (RC2 → IVB) above what IVB has left after rows 1 and 2.
	refused("over-allocation", func(f url.Values) { f.Set("amount.3", "60.00") }, "amount.3", "At most 50.00")
	refused("above the invoice in one row", func(f url.Values) { f.Set("amount.0", "600.01") }, "amount.0", "At most 600.00")
	refused("zero", func(f url.Values) { f.Set("amount.2", "0") }, "amount.2", "above zero")
	refused("not an amount", func(f url.Values) { f.Set("amount.1", "1,2,3.456") }, "amount.1", "Not a valid amount")
	refused("beyond the bound", func(f url.Values) { f.Set("amount.1", "99999999999") }, "amount.1", "at most")
	refused("a pair twice", func(f url.Values) {
		f.Set("source.4", keyOf(names, "RC1"))
		f.Set("invoice.4", keyOf(names, "IVA"))
		f.Set("amount.4", "1")
		f.Set("amount.0", "500")
	}, "invoice.4", "already in another row")
	refused("a pair without its invoice", func(f url.Values) { f.Set("source.4", keyOf(names, "RC2")); f.Set("amount.4", "1") }, "invoice.4", "")
	refused("another customer's receipt", func(f url.Values) {
		f.Set("source.4", model.WriteOffKey(model.DocReceipt, e.ids["rc.rc:C2"]))
		f.Set("invoice.4", keyOf(names, "IVA"))
		f.Set("amount.4", "1")
		f.Set("amount.0", "500")
	}, "source.4", "Nothing open")
	// Every amount emptied: nothing to post.
	form := url.Values{}
	for k, v := range proposal {
		if strings.HasPrefix(k, "amount.") {
			v = []string{""}
		}
		form[k] = v
	}
	r = a.post("/write-offs", form)
	rcStatus(t, "no pairs", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, "enter at least one amount") {
		t.Fatalf("no pairs: %s", excerpt(r.Body))
	}

	// Meanwhile somebody writes ¥30.00 of RC2 off against IVB: the grid is
	// stale. Refused with the fresh figures, nothing written.
	err := e.st.Update("admin", func(tx *store.Tx) error {
		admin, _ := tx.UserByID(e.ids["user:admin"])
		_, err := tx.ApplyWriteOff(store.AdminScope(), admin, e.ids["customer:C1"], store.WriteOffSource{Kind: model.DocReceipt, ID: e.ids["wo.rc2:C1"]}, e.ids["wo.ivB:C1"], 3000, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	before := storeFingerprint(t, e)
	r = a.post("/write-offs", proposal)
	rcStatus(t, "stale grid", r, http.StatusConflict)
	mustRender(t, "stale grid", r)
	if storeFingerprint(t, e) != before {
		t.Fatal("the stale grid wrote")
	}
	stale := regexp.MustCompile(`(?s)<div class="alert" role="alert" id="wo-stale">(.*?)</div>`).FindStringSubmatch(r.Body)
	if stale == nil || !strings.Contains(stale[1], "changed after the grid was shown") {
		t.Fatalf("stale message: %s", excerpt(r.Body))
	}
	var rc2, ivB string
	_ = e.st.View(func(tx *store.Tx) error {
		rc, _ := tx.ReceiptDoc(store.AdminScope(), model.DocReceipt, e.ids["wo.rc2:C1"])
		iv, _ := tx.Invoice(store.AdminScope(), e.ids["wo.ivB:C1"])
		rc2, ivB = rc.Number, iv.Number
		return nil
	})
	for _, w := range []string{ivB + "</span>: <span class=\"wo-nw\">¥400.00</span> → <span class=\"wo-nw\">¥370.00", rc2 + "</span>: <span class=\"wo-nw\">¥250.00</span> → <span class=\"wo-nw\">¥220.00"} {
		if !strings.Contains(stale[1], w) {
			t.Errorf("stale message lacks %q: %s", w, stale[1])
		}
	}
	if got := woOpen(t, r.Body, keyOf(names, "IVB")); !strings.HasPrefix(got, "¥370.00") || !strings.Contains(r.Body, "was ¥400.00") {
		t.Fatalf("fresh figure of IVB: %q", got)
	}
	// The user's amounts stay; posted again from the fresh grid (its new
	// figures), the rows that still fit go through, in one transaction.
	fresh := woForm(t, r.Body)
	if fresh.Get("amount.3") != "50.00" || fresh.Get("_idem") != proposal.Get("_idem") {
		t.Fatalf("fresh form: %v", fresh)
	}
	r = a.post("/write-offs", fresh)
	rcStatus(t, "fresh grid with a row too many", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, `id="e-wo-amount-3">At most 20.00`) {
		t.Fatalf("fresh grid: %s", excerpt(r.Body))
	}
	fresh = woForm(t, r.Body)
	fresh.Set("amount.3", "20.00")
	r = a.post("/write-offs", fresh)
	rcStatus(t, "fresh grid", r, http.StatusSeeOther)
	if n := woCount(t, e); n != 1+1+4 {
		t.Fatalf("records: %d", n)
	}
	woClean(t, e)
}

// TestWriteOffGridWho: finance outside the customer's scope gets 404 for
// the grid, the proposal and the post; sales and viewers see the open
// documents but no form (and are refused a post); dealers cannot reach it.
func TestWriteOffGridWho(t *testing.T) {
	e, names := newWriteOffGridEnv(t)
	c1, c2 := e.id("customer:C1"), e.id("customer:C2")
	post := url.Values{"customer_id": {c1}, "rows": {"1"}, "source.0": {keyOf(names, "RC2")}, "invoice.0": {keyOf(names, "IVB")}, "amount.0": {"1.00"}, "_idem": {"tok-1"}}
	users := map[string]*client{}
	for _, u := range []string{"fin.south", "east", "viewer", "c1.manager", "c1.finance", "c1.buyer"} {
		users[u] = e.login(u)
		users[u].get("/")
	}
	before := storeFingerprint(t, e) // after the logins, which write the users' last login

	fin := users["fin.south"]
	for _, p := range []string{"/write-offs?customer_id=" + c1, "/write-offs?customer=C1", "/write-offs?customer_id=" + c1 + "&match=fifo"} {
		if r := fin.get(p); r.Code != http.StatusNotFound {
			t.Errorf("finance out of scope %s: %d", p, r.Code)
		}
	}
	fin.get("/write-offs")
	if r := fin.post("/write-offs", post); r.Code != http.StatusNotFound {
		t.Errorf("finance out of scope, post: %d", r.Code)
	}
	// In scope (C2), the grid and its form.
	if r := fin.get("/write-offs?customer_id=" + c2 + "&match=fifo"); r.Code != http.StatusOK || !strings.Contains(r.Body, `id="wo-grid"`) {
		t.Errorf("finance in scope: %d", r.Code)
	}

	for _, who := range []string{"east", "viewer"} {
		c := users[who]
		r := c.get("/write-offs?customer_id=" + c1 + "&match=fifo")
		if r.Code != http.StatusOK || !strings.Contains(r.Body, `id="open-invoices"`) || strings.Contains(r.Body, `id="writeoff-form"`) || strings.Contains(r.Body, `id="wo-auto"`) {
			t.Errorf("%s: %d, form shown: %v", who, r.Code, strings.Contains(r.Body, "writeoff-form"))
		}
		if r := c.post("/write-offs", post); r.Code != http.StatusForbidden {
			t.Errorf("%s post: %d", who, r.Code)
		}
	}
	for _, who := range []string{"c1.manager", "c1.finance", "c1.buyer"} {
		d := users[who]
		for _, p := range []string{"/write-offs?customer_id=" + c1, "/write-offs?customer_id=" + c1 + "&match=fifo"} {
			if r := d.get(p); r.Code != http.StatusForbidden {
				t.Errorf("dealer %s %s: %d", who, p, r.Code)
			}
		}
		d.get("/")
		if r := d.post("/write-offs", post); r.Code != http.StatusForbidden {
			t.Errorf("dealer %s post: %d", who, r.Code)
		}
		if r := d.get("/write-offs?customer_id=" + c2); r.Code != http.StatusNotFound {
			t.Errorf("dealer %s, another customer: %d", who, r.Code)
		}
	}
	if storeFingerprint(t, e) != before {
		t.Fatal("a refused caller wrote")
	}
}

// TestWriteOffGridPages renders the grid in both languages, plain and as a
// fragment, before and after auto-match; a customer with nothing to match
// shows no form.
func TestWriteOffGridPages(t *testing.T) {
	e, _ := newWriteOffGridEnv(t)
	a := e.login("admin")
	for _, lang := range []string{"en", "zh"} {
		a.setLang(lang)
		for _, p := range []string{"/write-offs", "/write-offs?customer=C1", "/write-offs?customer=C1&match=fifo", "/write-offs?customer=C2", "/write-offs?customer=C2&match=fifo"} {
			for _, hx := range []bool{false, true} {
				var r resp
				if hx {
					r = a.get(p, "HX-Request", "true")
				} else {
					r = a.get(p)
				}
				rcStatus(t, lang+" "+p, r, http.StatusOK)
				mustRender(t, lang+" "+p, r)
				if strings.Contains(p, "C2") && (strings.Contains(r.Body, `id="writeoff-form"`) || !strings.Contains(r.Body, `id="wo-nothing"`)) {
					t.Errorf("%s %s: C2 has no open receipt, yet a form", lang, p)
				}
			}
		}
	}
	r := a.get("/write-offs?customer=C1")
	if !strings.Contains(r.Body, "核销工作台") || !strings.Contains(r.Body, "确认核销") {
		t.Errorf("zh grid: %s", excerpt(r.Body))
	}
}
