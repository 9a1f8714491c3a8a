package handlers

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/views/pdf"
)

// reconFixture builds on shippingFixture: for each customer C1, C2 a
// dealer finance user (c1.finance), a posted invoice of one unit of its
// outbound ("rc.iv:C1"), a posted receipt naming it, written off at audit
// ("rc.rc:C1", write-off "rc.wo:C1"), a draft advance receipt ("rc.ar:C1")
// and a draft refund ("rc.rf:C1").
func reconFixture(t *testing.T, e *testEnv) {
	t.Helper()
	hash, _ := store.HashPassword(testPassword)
	err := e.st.Update("admin", func(tx *store.Tx) error {
		admin, err := tx.UserByID(e.ids["user:admin"])
		if err != nil {
			return err
		}
		for _, code := range []string{"C1", "C2"} {
			cust := e.ids["customer:"+code]
			u := &model.User{Username: strings.ToLower(code) + ".finance", Name: code + " 财务", Kind: model.KindDealer, CustomerID: cust,
				Roles: []model.Role{model.RoleDealerFinance}, PasswordHash: hash}
			if err := tx.SaveUser(store.AdminScope(), u); err != nil {
				return err
			}
			e.ids["user:"+u.Username] = u.ID
			ob := e.ids["ship.ob:"+code]
			inv, err := tx.CreateInvoice(store.AdminScope(), admin, &store.InvoiceInput{CustomerID: cust, InvoiceNo: "0451" + code, Date: "2026-03-20",
				Qty: map[store.InvoiceLineRef]model.Qty{{OutboundID: ob, Line: 1}: 1000}, Audit: true})
			if err != nil {
				return err
			}
			r := &model.ReceiptDoc{CustomerID: cust, Kind: model.DocReceipt, Date: "2026-03-21", Amount: 100000, Method: "transfer", Reference: "招行 8899", Invoices: []uint64{inv.ID}}
			if err := tx.SaveReceiptDoc(store.AdminScope(), admin, r); err != nil {
				return err
			}
			r, made, err := tx.ActOnReceiptDoc(store.AdminScope(), admin, model.DocReceipt, r.ID, r.Version, "audit")
			if err != nil {
				return err
			}
			ar := &model.ReceiptDoc{CustomerID: cust, Kind: model.DocAdvanceReceipt, Date: "2026-03-22", Amount: 5000}
			if err := tx.SaveReceiptDoc(store.AdminScope(), admin, ar); err != nil {
				return err
			}
			rf := &model.ReceiptDoc{CustomerID: cust, Kind: model.DocRefund, Date: "2026-03-23", Amount: 100}
			if err := tx.SaveReceiptDoc(store.AdminScope(), admin, rf); err != nil {
				return err
			}
			e.ids["rc.iv:"+code], e.ids["rc.rc:"+code], e.ids["rc.ar:"+code], e.ids["rc.rf:"+code] = inv.ID, r.ID, ar.ID, rf.ID
			if len(made) != 1 {
				t.Fatalf("%s: receipt made %d write-offs", code, len(made))
			}
			e.ids["rc.wo:"+code] = made[0].ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func newReconEnv(t *testing.T) *testEnv {
	t.Helper()
	e := newTestEnv(t)
	messagingScopeFixtures(t, e)
	orderingFixture(t, e)
	shippingFixture(t, e)
	reconFixture(t, e)
	return e
}

// setLang sets the user's own language (it wins over the cookie).
func (c *client) setLang(lang string) {
	c.lang = lang
	c.cookies["lang"] = lang
	c.get("/")
	c.post("/lang", url.Values{"lang": {lang}})
}

var rcIdemRe = regexp.MustCompile(`name="_idem" value="([^"]+)"`)

func rcStatus(t *testing.T, what string, r resp, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Code, code, excerpt(r.Body))
	}
}

func (e *testEnv) verifyClean() {
	e.t.Helper()
	problems, err := e.st.VerifyReconciliation()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range problems {
		e.t.Errorf("verify: %s", p)
	}
}

// TestReconPagesRender renders every reconciliation page, as staff and as
// a dealer, in both languages, with and without HX-Request.
func TestReconPagesRender(t *testing.T) {
	e := newReconEnv(t)
	c1 := e.id("customer:C1")
	staffPages := []string{"/reconciliation", "/reconciliation/outbounds", "/reconciliation/invoices", "/reconciliation/receipts",
		"/reconciliation/receipts?kind=RC&state=unconfirmed", "/reconciliation/invoices?state=confirmed", "/reconciliation/disputes",
		"/reconciliation/outbounds/" + e.id("ship.ob:C1"), "/reconciliation/invoices/" + e.id("rc.iv:C1"), "/reconciliation/receipts/" + e.id("rc.rc:C1"),
		"/invoices", "/invoices/new", "/invoices/new?customer=C1", "/invoices/new?customer=C1&red=1", "/invoices/new?ob=" + e.id("ship.ob:C1"),
		"/invoices/" + e.id("rc.iv:C1"), "/invoices/" + e.id("rc.iv:C1") + "/print",
		"/receipts", "/advance-receipts", "/refunds", "/receipts/new", "/receipts/new?customer=C1", "/advance-receipts/new?customer=C1", "/refunds/new?customer=C1",
		"/receipts/" + e.id("rc.rc:C1"), "/advance-receipts/" + e.id("rc.ar:C1"), "/advance-receipts/" + e.id("rc.ar:C1") + "/edit",
		"/refunds/" + e.id("rc.rf:C1"), "/refunds/" + e.id("rc.rf:C1") + "/edit", "/receipts/" + e.id("rc.rc:C1") + "/print",
		"/receipts/" + e.id("rc.rc:C1") + "/print?format=pdf", "/invoices/" + e.id("rc.iv:C1") + "/print?format=pdf",
		"/write-offs", "/write-offs?customer=C1", "/write-offs?state=reversed",
		"/balances", "/balances?as_of=2026-03-20", "/balances?nonzero=1", "/balances/" + c1, "/balances/" + c1 + "?from=2026-03-17&to=2026-03-21",
		"/statements", "/statements?customer=C1", "/"}
	dealerPages := []string{"/reconciliation", "/reconciliation/outbounds", "/reconciliation/invoices", "/reconciliation/receipts",
		"/reconciliation/invoices/" + e.id("rc.iv:C1"), "/reconciliation/outbounds/" + e.id("ship.ob:C1"), "/invoices", "/invoices/" + e.id("rc.iv:C1"),
		"/receipts", "/receipts/" + e.id("rc.rc:C1"), "/balances", "/balances/" + c1, "/statements", "/"}
	for _, lang := range []string{"en", "zh"} {
		for _, who := range []struct {
			user  string
			pages []string
		}{{"admin", staffPages}, {"c1.finance", dealerPages}, {"c1.buyer", dealerPages}} {
			c := e.login(who.user)
			c.setLang(lang)
			for _, p := range who.pages {
				for _, hx := range []bool{false, true} {
					var r resp
					if hx {
						r = c.get(p, "HX-Request", "true")
					} else {
						r = c.get(p)
					}
					if r.Code != http.StatusOK {
						t.Errorf("%s %s %s: status %d: %s", lang, who.user, p, r.Code, excerpt(r.Body))
						continue
					}
					mustRender(t, lang+" "+who.user+" "+p, r)
				}
			}
		}
	}
	// The buyer sees the lists but no confirm button; finance does.
	b := e.login("c1.buyer")
	if r := b.get("/reconciliation/invoices"); strings.Contains(r.Body, "/confirm\"") {
		t.Error("buyer offered a confirm button")
	}
	f := e.login("c1.finance")
	if r := f.get("/reconciliation/invoices"); !strings.Contains(r.Body, "/reconciliation/invoices/"+e.id("rc.iv:C1")+"/confirm") {
		t.Error("finance not offered a confirm button")
	}
	// Staff without reconciliation rights (none in the fixture has none but
	// dealers' buyers) — a dealer has no staff pages.
	if r := f.get("/write-offs"); r.Code != http.StatusForbidden {
		t.Errorf("dealer write-offs: %d", r.Code)
	}
	if r := f.get("/invoices/new?customer=C1"); r.Code != http.StatusNotFound && r.Code != http.StatusForbidden {
		t.Errorf("dealer invoice form: %d", r.Code)
	}
	e.verifyClean()
}

// TestReconConfirmByRole: the buyer is refused, finance confirms, staff
// cancel on the customer's behalf (shown as such), a dispute needs a
// comment, staff see it, each action raises its event.
func TestReconConfirmByRole(t *testing.T) {
	e := newReconEnv(t)
	iv := e.id("rc.iv:C1")
	path := "/reconciliation/invoices/" + iv
	outbox := func() int {
		var n int
		_ = e.st.View(func(tx *store.Tx) error { n, _ = tx.OutboxCount(); return nil })
		return n
	}
	b := e.login("c1.buyer")
	b.get(path)
	rcStatus(t, "buyer confirm", b.post(path+"/confirm", url.Values{"version": {"0"}}), http.StatusForbidden)

	f := e.login("c1.finance")
	f.get(path)
	before := outbox()
	rcStatus(t, "finance confirm", f.post(path+"/confirm", url.Values{"version": {"0"}}), http.StatusSeeOther)
	if outbox() != before+1 {
		t.Fatal("confirm raised no event")
	}
	r := f.get(path)
	if !strings.Contains(r.Body, "c1.finance") || !strings.Contains(r.Body, `badge ok`) {
		t.Fatalf("confirmation not shown: %s", excerpt(r.Body))
	}
	// A stale version is a conflict, with the page.
	rcStatus(t, "stale cancel", f.post(path+"/cancel", url.Values{"version": {"0"}}), http.StatusConflict)
	// Confirmed: the invoice cannot be unaudited.
	a := e.login("admin")
	r = a.get("/invoices/" + iv)
	v := regexp.MustCompile(`(?s)action="/invoices/` + iv + `/unaudit".*?name="version" value="(\d+)"`).FindStringSubmatch(r.Body)
	if v == nil {
		i := strings.Index(r.Body, "doc-actions")
		t.Fatalf("no unaudit form: %s", r.Body[i:min(len(r.Body), i+1500)])
	}
	rcStatus(t, "unaudit confirmed", a.post("/invoices/"+iv+"/unaudit", url.Values{"version": {v[1]}}), http.StatusConflict)
	// Staff cancel on behalf.
	a.get(path)
	rcStatus(t, "staff cancel", a.post(path+"/cancel", url.Values{"version": {"1"}}), http.StatusSeeOther)
	r = f.get(path)
	if !strings.Contains(r.Body, "on the customer&#39;s behalf") && !strings.Contains(r.Body, "on the customer's behalf") {
		t.Fatalf("on-behalf not shown: %s", excerpt(r.Body))
	}
	// A dispute without a comment is refused at the field; with one it is recorded.
	rcStatus(t, "empty dispute", f.post(path+"/dispute", url.Values{"version": {"2"}, "reason": {" "}}), http.StatusUnprocessableEntity)
	rcStatus(t, "dispute", f.post(path+"/dispute", url.Values{"version": {"2"}, "reason": {"发票金额与出库不符"}}), http.StatusSeeOther)
	r = a.get("/reconciliation/disputes")
	if !strings.Contains(r.Body, "发票金额与出库不符") {
		t.Fatalf("staff do not see the dispute: %s", excerpt(r.Body))
	}
	if r := e.login("south").get("/reconciliation/disputes"); strings.Contains(r.Body, "发票金额与出库不符") {
		t.Fatal("staff out of scope see the dispute")
	}
	if r := a.get("/"); !strings.Contains(r.Body, "/reconciliation/disputes") {
		t.Error("no disputes tile")
	}
	if r := f.get("/"); !strings.Contains(r.Body, `href="/reconciliation"`) {
		t.Error("no tile of documents to confirm")
	}
	// A dealer of another customer cannot confirm it: 404.
	o := e.login("c2.manager")
	o.get("/")
	rcStatus(t, "other dealer", o.post(path+"/confirm", url.Values{"version": {"3"}}), http.StatusNotFound)
	// Outbounds and receipts too, whole documents only.
	ob := "/reconciliation/outbounds/" + e.id("ship.ob:C1")
	f.get(ob)
	rcStatus(t, "confirm outbound", f.post(ob+"/confirm", url.Values{"version": {"0"}}), http.StatusSeeOther)
	rc := "/reconciliation/receipts/" + e.id("rc.rc:C1")
	f.get(rc)
	rcStatus(t, "confirm receipt", f.post(rc+"/confirm", url.Values{"version": {"0"}, "back": {"/reconciliation/receipts"}}), http.StatusSeeOther)
	// A draft cannot be confirmed: the dealer does not see it, staff are refused.
	ar := "/reconciliation/advance-receipts/" + e.id("rc.ar:C1")
	rcStatus(t, "draft (dealer)", f.post(ar+"/confirm", url.Values{"version": {"0"}}), http.StatusNotFound)
	a.get(ar)
	rcStatus(t, "draft (staff)", a.post(ar+"/confirm", url.Values{"version": {"0"}}), http.StatusConflict)
	var events []model.Event
	_ = e.st.View(func(tx *store.Tx) error {
		ms, _ := tx.PendingOutbox(100)
		for _, m := range ms {
			events = append(events, m.Event)
		}
		return nil
	})
	want := []model.Event{model.EventReconInvoiceConfirmed, model.EventReconInvoiceCancelled, model.EventReconInvoiceDisputed,
		model.EventReconOutboundConfirmed, model.EventReconReceiptConfirmed}
	for _, w := range want {
		found := false
		for _, ev := range events {
			found = found || ev == w
		}
		if !found {
			t.Errorf("event %s not raised (%v)", w, events)
		}
	}
	e.verifyClean()
}

// TestReconForms: an invoice over the rest is refused at the line (422),
// a partial one posts; a receipt naming it writes it off at audit; a
// refund above the unapplied receipts is refused; the fixture's write-off
// is reversed (writing off is the grid's: writeoff_grid_test.go); the
// execution report shows invoiced and received.
func TestReconForms(t *testing.T) {
	e := newReconEnv(t)
	a := e.login("admin")
	ob := e.id("ship.ob:C1")
	field := "qty." + ob + ".1"
	r := a.get("/invoices/new?customer=C1")
	rcStatus(t, "invoice form", r, http.StatusOK)
	tok := rcIdemRe.FindStringSubmatch(r.Body)[1]
	r = a.post("/invoices", url.Values{"_idem": {tok}, "customer_id": {e.id("customer:C1")}, "invoice_date": {"2026-03-25"}, field: {"2"}, "audit": {"1"}})
	rcStatus(t, "over-invoicing", r, http.StatusUnprocessableEntity)
	if i := strings.Index(r.Body, `class="err"`); i >= 0 {
		t.Logf("error: %s", r.Body[i:min(len(r.Body), i+200)])
	}
	if !strings.Contains(r.Body, "At most 1") {
		t.Fatalf("no limit at the line: %s", excerpt(r.Body))
	}
	r = a.post("/invoices", url.Values{"_idem": {tok}, "customer_id": {e.id("customer:C1")}, "invoice_date": {"2026-03-25"}, field: {"1"}, "audit": {"1"}, "invoice_no": {"04519999"}})
	rcStatus(t, "invoice", r, http.StatusSeeOther)
	loc := r.Header.Get("Location")
	// The same token again: the same invoice.
	r = a.post("/invoices", url.Values{"_idem": {tok}, "customer_id": {e.id("customer:C1")}, "invoice_date": {"2026-03-25"}, field: {"1"}, "audit": {"1"}})
	if r.Header.Get("Location") != loc {
		t.Fatalf("double post made another invoice: %s vs %s", r.Header.Get("Location"), loc)
	}
	ivID := strings.TrimPrefix(loc, "/invoices/")
	if r := a.get("/invoices/new?customer=C1"); !strings.Contains(r.Body, "nothing-to-invoice") {
		t.Fatal("outbound still offered after full invoicing")
	}
	// A receipt naming the new invoice, saved and audited at once.
	r = a.get("/receipts/new?customer=C1")
	tok = rcIdemRe.FindStringSubmatch(r.Body)[1]
	r = a.post("/receipts", url.Values{"_idem": {tok}, "customer_id": {e.id("customer:C1")}, "date": {"2026-03-26"}, "amount": {"5,000.00"},
		"method": {"transfer"}, "invoices": {ivID}, "audit": {"1"}})
	rcStatus(t, "receipt", r, http.StatusSeeOther)
	r = a.get(r.Header.Get("Location"))
	if !strings.Contains(r.Body, "writeoffs") {
		t.Fatalf("receipt shows no write-off: %s", excerpt(r.Body))
	}
	// The refund form refuses more than the unapplied receipts.
	r = a.get("/refunds/new?customer=C1")
	tok = rcIdemRe.FindStringSubmatch(r.Body)[1]
	r = a.post("/refunds", url.Values{"_idem": {tok}, "customer_id": {e.id("customer:C1")}, "date": {"2026-03-27"}, "amount": {"999999"}, "audit": {"1"}})
	rcStatus(t, "refund over the limit", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, "cannot exceed") {
		t.Fatalf("refund limit message: %s", excerpt(r.Body))
	}
	// Execution report: invoiced and received columns filled.
	var so *model.SalesOrder
	_ = e.st.View(func(tx *store.Tx) (err error) {
		so, err = tx.SalesOrder(store.AdminScope(), e.ids["ship.so:C1"])
		return err
	})
	l := so.Lines[0]
	if l.InvoicedQty != 2000 || l.InvoicedAmount == 0 || l.ReceivedAmount != l.InvoicedAmount {
		t.Fatalf("sales order line: invoiced %s / %s, received %s", l.InvoicedQty, l.InvoicedAmount, l.ReceivedAmount)
	}
	// Reverse the fixture's write-off: the invoice is open again.
	wo := e.id("rc.wo:C1")
	a.get("/write-offs?customer=C1")
	rcStatus(t, "reverse", a.post("/write-offs/"+wo+"/reverse", url.Values{"_idem": {wo + "-reverse"}}), http.StatusSeeOther)
	rcStatus(t, "reverse replayed", a.post("/write-offs/"+wo+"/reverse", url.Values{"_idem": {wo + "-reverse"}}), http.StatusSeeOther)
	rcStatus(t, "reverse twice", a.post("/write-offs/"+wo+"/reverse", url.Values{"_idem": {"another"}}), http.StatusConflict)
	// Exports.
	for _, p := range []string{"/balances?export=csv", "/balances?export=xlsx", "/balances/" + e.id("customer:C1") + "?export=csv",
		"/reconciliation/invoices?export=csv", "/invoices?export=xlsx", "/receipts?export=csv", "/write-offs?export=csv"} {
		r := a.get(p)
		if r.Code != http.StatusOK || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s: %d %s", p, r.Code, r.Header.Get("Content-Disposition"))
		}
	}
	r = a.get("/balances?export=csv")
	if !strings.Contains(r.Body, "客户C1") || !strings.Contains(r.Body, "Net position") {
		t.Errorf("summary export: %s", r.Body)
	}
	e.verifyClean()
}

// pdfText extracts a PDF's text with pdftotext (poppler-utils); the test
// is skipped where it is not installed, except under CI.
func pdfText(t *testing.T, data []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext not installed")
		}
		t.Skip("pdftotext not installed")
	}
	f := filepath.Join(t.TempDir(), "s.pdf")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestStatementPDF: the customer's users and staff download the statement;
// its text holds the Chinese and Latin strings, the documents, totals and
// page numbers; another customer's is a 404.
func TestStatementPDF(t *testing.T) {
	e := newReconEnv(t)
	c1 := e.id("customer:C1")
	path := "/statements/" + c1 + "?from=2026-03-01&to=2026-03-31"
	for _, who := range []struct{ user, lang string }{{"c1.finance", "zh"}, {"c1.buyer", "en"}, {"admin", "en"}, {"east", "zh"}} {
		c := e.login(who.user)
		c.setLang(who.lang)
		r := c.get(path)
		if r.Code != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("%s: %d %s", who.user, r.Code, excerpt(r.Body))
		}
		text := pdfText(t, []byte(r.Body))
		want := []string{"客户C1", "C1", "OB-", "IV-", "RC-", "1/1", "2026-03-16", "¥"}
		if who.lang == "zh" {
			want = append(want, "对账单", "期初余额", "期末余额", "应收账龄", "未确认")
			if who.user == "east" { // after c1.finance confirmed the outbound
				want = append(want, "已确认")
			}
		} else {
			want = append(want, "Statement of account", "Opening balance", "Closing balance", "Aging", "unconfirmed")
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s (%s): statement lacks %q:\n%s", who.user, who.lang, w, text)
			}
		}
		if who.user == "c1.finance" {
			// Confirm the outbound, then the statement says so.
			c.get("/reconciliation/outbounds/" + e.id("ship.ob:C1"))
			rcStatus(t, "confirm", c.post("/reconciliation/outbounds/"+e.id("ship.ob:C1")+"/confirm", url.Values{"version": {"0"}}), http.StatusSeeOther)
		}
	}
	// The closing balance printed is the detail's.
	var d *model.Detail
	_ = e.st.View(func(tx *store.Tx) (err error) {
		d, err = tx.BalanceDetail(store.AdminScope(), e.ids["customer:C1"], "2026-03-01", "2026-03-31")
		return err
	})
	a := e.login("admin")
	text := pdfText(t, []byte(a.get(path).Body))
	t.Logf("statement:\n%s", text)
	if !strings.Contains(text, d.Closing.Format("¥")) { // "−¥800.00" when negative
		t.Errorf("closing %s not in the statement:\n%s", d.Closing, text)
	}
	// Another customer's statement: 404 for its dealer and out-of-scope staff.
	for _, u := range []string{"c2.manager", "c2.finance", "south"} {
		if r := e.login(u).get(path); r.Code != http.StatusNotFound {
			t.Errorf("%s: %d", u, r.Code)
		}
	}
}

// TestStatementPages: a long statement runs over pages numbered n/N.
func TestStatementPages(t *testing.T) {
	d := &model.Detail{From: "2026-01-01", To: "2026-03-31", Totals: map[model.DocType]model.Money{}}
	run := model.Money(0)
	for i := range 150 {
		amt := model.Money(12345 + i)
		run += amt
		d.Rows = append(d.Rows, model.DetailRow{LedgerDoc: model.LedgerDoc{Kind: model.DocOutbound, ID: uint64(i + 1), Number: "OB-2026-" + itoa(uint64(100000+i)), Date: "2026-02-01", Amount: amt},
			Remaining: amt, HasRemaining: true, Effect: amt, Running: run})
	}
	d.Closing = run
	s := model.DefaultSettings()
	s.EnterpriseName = "华东机电 East Motion Ltd."
	T := func(k string, args ...any) string { return k }
	cu := &model.Customer{Code: "C0001", Name: "上海星辰贸易 Starlight Trading"}
	out, err := pdf.Render(statementLayout(T, s, cu, d, nil, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte("%PDF")) {
		t.Fatal("not a PDF")
	}
	text := pdfText(t, out)
	for _, w := range []string{"华东机电 East Motion Ltd.", "上海星辰贸易 Starlight Trading", "OB-2026-100149", run.String()} {
		if !strings.Contains(text, w) {
			t.Errorf("long statement lacks %q", w)
		}
	}
	// Every page says "n/N", N > 1.
	m := regexp.MustCompile(`(?m)\b1/(\d+)\s*$`).FindStringSubmatch(text)
	if m == nil || m[1] == "1" {
		t.Fatalf("no page numbers over several pages:\n%s", text)
	}
	for i := 2; ; i++ {
		p := itoa(uint64(i)) + "/" + m[1]
		if !strings.Contains(text, p) {
			t.Fatalf("page %s missing", p)
		}
		if p == m[1]+"/"+m[1] {
			break
		}
	}
}

// TestMonthlyStatements: the setting turns it on; one event per customer
// and month, however often the worker runs.
func TestMonthlyStatements(t *testing.T) {
	e := newReconEnv(t)
	f := e.login("c1.finance")
	p := "/balances/" + e.id("customer:C1")
	f.get(p)
	rcStatus(t, "setting", f.post(p+"/statement-setting", url.Values{"version": {"0"}, "monthly": {"1"}}), http.StatusSeeOther)
	b := e.login("c1.buyer")
	b.get(p)
	rcStatus(t, "buyer setting", b.post(p+"/statement-setting", url.Values{"version": {"1"}, "monthly": {"0"}}), http.StatusForbidden)
	if n := e.h.runMonthlyStatements(true); n != 1 {
		t.Fatalf("raised %d", n)
	}
	if n := e.h.runMonthlyStatements(true); n != 0 {
		t.Fatalf("second run raised %d", n)
	}
	var found bool
	_ = e.st.View(func(tx *store.Tx) error {
		ms, _ := tx.PendingOutbox(200)
		for _, m := range ms {
			if m.Event == model.EventMonthlyStatement && m.CustomerID == e.ids["customer:C1"] && strings.HasPrefix(m.Params["link"], "/statements/") {
				found = true
			}
		}
		return nil
	})
	if !found {
		t.Fatal("no monthly statement event")
	}
}

// reconScopeReplacer fills the reconciliation placeholders of the scope
// matrix with the target customer's documents.
func reconScopeReplacer(e *testEnv, target string) []string {
	return []string{"{rciv}", e.id("rc.iv:" + target), "{rcrc}", e.id("rc.rc:" + target), "{rcar}", e.id("rc.ar:" + target),
		"{rcrf}", e.id("rc.rf:" + target), "{rcwo}", e.id("rc.wo:" + target)}
}
