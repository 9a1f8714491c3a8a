package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/views/pdf"
)

// Print-ready PDFs (DESIGN.md, "Print-ready PDFs"): every PDF type is
// rendered in both languages from fixtures with long names, big and
// negative amounts and enough lines for several pages, and read back with
// pdftotext: every amount comes out whole (one token, on one line), a
// negative one as "−¥…", no page ends with a section heading, and the
// statement carries the enterprise's details, both signature blocks and
// its period once. PDF_DUMP=dir keeps the files for a look.

const (
	printBig = model.Money(12345678901) // ¥123,456,789.01
	printNeg = model.Money(-224000)     // −¥2,240.00
)

// printSettings stores the enterprise details a statement prints.
func printSettings(t *testing.T, e *testEnv) *model.Settings {
	t.Helper()
	err := e.st.Update("test", func(tx *store.Tx) error {
		s := tx.Settings()
		s.EnterpriseName = "华信机电设备有限公司 Huaxin Electromechanical Co., Ltd."
		s.Address, s.Bank, s.BankAccount = "上海市浦东新区张江路88号", "中国工商银行上海张江支行", "1001-2345-6789-0123"
		s.Contact, s.Phone = "王建国", "021-50801234"
		return tx.SaveSettings(s)
	})
	if err != nil {
		t.Fatal(err)
	}
	return e.st.Settings()
}

// printLines are n order lines: long names (Chinese and English), big
// prices on some, negative quantities (a red document) when neg.
func printLines(n int, neg bool) ([]model.OrderLine, model.Totals) {
	names := []string{
		"交流伺服电机组件套装（含编码器、制动器与安装支架）High-torque AC servo motor assembly with encoder, brake and mounting bracket",
		"变频器 7.5kW",
		"Stainless steel ball bearing 6204-2RS for conveyor rollers, sealed both sides, food-grade grease",
		"工业以太网交换机 8 口千兆 导轨安装 宽温型",
	}
	var lines []model.OrderLine
	var tot model.Totals
	for i := 1; i <= n; i++ {
		l := model.OrderLine{No: i, Code: fmt.Sprintf("P-%06d", 1000+i), Name: names[i%len(names)], Spec: "SPEC-" + fmt.Sprint(i),
			Unit: "台", Qty: model.Qty((i%7 + 1) * model.QtyScale), Price: model.Money(126549 + int64(i)*1013), TaxRate: 1300}
		if i%5 == 0 {
			l.Qty, l.Price = model.QtyScale, printBig
		}
		if neg {
			l.Qty = -l.Qty
		}
		l.Compute()
		tot.Qty += l.Qty
		tot.AmountExcl += l.AmountExcl
		tot.Tax += l.Tax
		tot.Amount += l.Amount
		lines = append(lines, l)
	}
	return lines, tot
}

// printDetail is a statement's detail: n documents, some red, a running
// balance that turns negative.
func printDetail(n int) *model.Detail {
	d := &model.Detail{From: "2026-03-01", To: "2026-03-31", Opening: 1234567, Totals: map[model.DocType]model.Money{}}
	run := d.Opening
	kinds := []model.DocType{model.DocOutbound, model.DocInvoice, model.DocReceipt, model.DocAdvanceReceipt, model.DocRefund}
	for i := range n {
		k := kinds[i%len(kinds)]
		amt := model.Money(126549 + int64(i)*7013)
		switch {
		case i%9 == 4:
			amt = printBig
		case k == model.DocReceipt || k == model.DocAdvanceReceipt:
			amt = -amt
		case i%6 == 5:
			amt = printNeg
		}
		run += amt
		d.Totals[k] += amt
		d.Rows = append(d.Rows, model.DetailRow{
			LedgerDoc: model.LedgerDoc{Kind: k, ID: uint64(i + 1), Number: fmt.Sprintf("DOC-2026-%06d", i+1), Date: fmt.Sprintf("2026-03-%02d", i%28+1), Amount: amt, Red: amt == printNeg},
			Remaining: amt / 2, HasRemaining: k != model.DocRefund, Effect: amt, Running: run - 3*printBig})
	}
	d.Closing = run - 3*printBig
	d.Position = model.Position{Uninvoiced: printBig, InvoicedReceivable: 2 * printBig, ReceiptBalance: 6 * printBig}
	d.Aging = model.Aging{Buckets: [4]model.Money{printBig, printNeg, 0, 99}}
	return d
}

type printCase struct {
	name     string
	lay      *pdf.Layout
	headings []string // the section headings it prints
	pages    int      // at least
}

// printCases lays out every PDF type in lang.
func printCases(t *testing.T, e *testEnv, s *model.Settings, lang string) []printCase {
	T := func(k string, args ...any) string { return e.h.i18n.T(lang, k, args...) }
	cu := &model.Customer{Code: "C0001", Name: "上海星辰贸易有限公司 Starlight Trading (Shanghai) Co., Ltd.", Address: "上海市闵行区莘庄工业区春东路 508 号",
		TaxNumber: "91310000MA1FL0XXXX", Contact: "李娜", Phone: "13800138000", Bank: "招商银行上海分行", BankAccount: "6214-8888-0000-1234"}
	lines, tot := printLines(45, false)
	so := &model.SalesOrder{OrderDate: "2026-03-02", Settlement: "月结 30 天", Lines: make([]model.SalesOrderLine, len(lines)), Totals: tot,
		ShipTo: model.ShipTo{Name: "星辰仓库", Address: "上海市闵行区春东路 508 号 3 号库"}, Remarks: "请按合同约定的交货期分批发货。Deliver in batches as the contract says."}
	so.Number, so.Status = "SO-2026-000123", model.StatusAudited
	for i := range lines {
		so.Lines[i].OrderLine = lines[i]
	}
	oo := &model.OnlineOrder{OrderDate: "2026-03-01", Lines: lines[:30], Totals: tot}
	oo.Number, oo.Status = "OO-2026-000456", model.StatusSubmitted
	red, redTot := printLines(24, true)
	notice := &printDoc{Title: "ship.notice", Number: "DN-2026-000789", Status: T("status.audited"), Lines: lines, Totals: tot,
		Props: [][2]string{{"ship.customer", cu.Code + " " + cu.Name}, {"ship.ship_date", "2026-03-05"}}, Extra: [][2]string{{"ship.remarks", "分批发货"}}}
	redOut := &printDoc{Title: "ship.red_outbound", Number: "OB-2026-000790", Status: T("status.audited"), Lines: red, Totals: redTot,
		Props: [][2]string{{"ship.customer", cu.Code + " " + cu.Name}}}
	redInv := &printDoc{Title: "rc.red_invoice", Number: "IV-2026-000791", Status: T("status.audited"), Lines: red[:6], Totals: model.Totals{Qty: -6000, AmountExcl: printNeg, Tax: printNeg / 10, Amount: printNeg + printNeg/10},
		Props: [][2]string{{"rc.customer", cu.Code + " " + cu.Name}}, Extra: [][2]string{{"rc.written_off", s.Money(printNeg)}, {"rc.open", s.Money(-printBig)}}}
	receipt := &printDoc{Title: "rc.kind.receipt", Number: "RC-2026-000792", Status: T("status.audited"), NoLines: true,
		Props: [][2]string{{"rc.customer", cu.Code + " " + cu.Name}, {"rc.amount", s.Money(printBig)}}, Extra: [][2]string{{"rc.applied", s.Money(printBig)}, {"rc.refunded", s.Money(printNeg)}, {"rc.unapplied", s.Money(0)}}}
	complaint := &printDoc{Title: "cp.view", Number: "CP-2026-000793", Status: T("status.submitted"), NoLines: true,
		Props: [][2]string{{"cp.complainant", cu.Code + " " + cu.Name}, {"cp.price_seen", s.Money(printBig)}}, Extra: [][2]string{{"cp.penalty", s.Money(printNeg)}, {"cp.compensation", s.Money(printBig / 1000)}}}
	docs := T("rc.documents")
	return []printCase{
		{name: "sales order", lay: e.h.salesLayout(lang, &salesPage{O: so, Customer: cu, Salesperson: "张三", OrgUnit: "华东大区"}), pages: 2},
		{name: "online order", lay: e.h.onlineLayout(lang, &onlinePage{O: oo, Customer: cu}), pages: 2},
		{name: "delivery notice", lay: e.h.shippingLayout(lang, notice), pages: 2},
		{name: "red outbound", lay: e.h.shippingLayout(lang, redOut), pages: 1},
		{name: "red invoice", lay: e.h.shippingLayout(lang, redInv), pages: 1},
		{name: "receipt", lay: e.h.shippingLayout(lang, receipt), pages: 1},
		{name: "complaint", lay: e.h.shippingLayout(lang, complaint), pages: 1},
		{name: "statement", lay: statementLayout(T, s, cu, printDetail(70), nil, e.st.Now()), pages: 2,
			headings: []string{docs, T("rc.totals"), T("rc.aging_title")}},
	}
}

var (
	// moneyCell is an amount as Settings.Money prints it.
	moneyCell = regexp.MustCompile(`^−?¥[0-9,]+\.[0-9]{2}$`)
	// pageNumber ends the footer line of every page.
	pageNumber = regexp.MustCompile(`\d+/\d+\s*$`)
)

// layoutAmounts counts the amounts a layout prints, by text.
func layoutAmounts(l *pdf.Layout) map[string]int {
	n := map[string]int{}
	add := func(ss ...string) {
		for _, s := range ss {
			if moneyCell.MatchString(s) {
				n[s]++
			}
		}
	}
	for _, f := range l.Fields {
		add(f.Value)
	}
	for _, b := range l.Blocks {
		switch x := b.(type) {
		case *pdf.Table:
			for _, r := range x.Rows {
				add(r...)
			}
			add(x.Totals...)
		case *pdf.Fields:
			for _, f := range x.Items {
				add(f.Value)
			}
		}
	}
	return n
}

// checkPrintText checks what pdftotext read from c's PDF.
func checkPrintText(t *testing.T, c printCase, lang, text string) {
	t.Helper()
	what := c.name + " (" + lang + ")"
	// Every amount whole: as many whitespace-separated tokens equal to it
	// as cells holding it. A number broken over two lines ("¥1,265.4" /
	// "9") or squeezed into its neighbour is missing from the count.
	tokens := map[string]int{}
	for _, tok := range strings.Fields(text) {
		tokens[tok]++
	}
	want := layoutAmounts(c.lay)
	if len(want) < 3 {
		t.Errorf("%s: only %d amounts in the fixture", what, len(want))
	}
	var neg bool
	for a, n := range want {
		if tokens[a] < n {
			t.Errorf("%s: %q printed whole %d times, want %d", what, a, tokens[a], n)
		}
		neg = neg || strings.HasPrefix(a, "−")
	}
	if strings.Contains(c.name, "red") || c.name == "statement" {
		if !neg || !strings.Contains(text, "−¥") {
			t.Errorf("%s: no negative amount printed as −¥…", what)
		}
	}
	if m := regexp.MustCompile(`¥-|-¥|¥\s+[0-9]`).FindString(text); m != "" {
		t.Errorf("%s: amount printed as %q", what, m)
	}
	pages := strings.Split(strings.TrimRight(text, "\f\n "), "\f")
	if len(pages) < c.pages {
		t.Errorf("%s: %d pages, want at least %d", what, len(pages), c.pages)
	}
	isHeading := map[string]bool{}
	for _, h := range c.headings {
		isHeading[h] = true
	}
	for p, page := range pages {
		var body []string
		for _, ln := range strings.Split(page, "\n") {
			if ln = strings.TrimSpace(ln); ln != "" && !pageNumber.MatchString(ln) {
				body = append(body, ln)
			}
		}
		for i, ln := range body {
			// A heading keeps at least two lines (a table's header and a
			// row, two rows of fields) under it on its page.
			if isHeading[ln] && len(body)-i-1 < 2 {
				t.Errorf("%s: heading %q left at the foot of page %d:\n%s", what, ln, p+1, strings.Join(body[max(0, i-3):], "\n"))
			}
		}
	}
	for _, h := range c.headings {
		if !strings.Contains(text, h) {
			t.Errorf("%s: heading %q not printed", what, h)
		}
	}
}

func dumpPDF(t *testing.T, name string, data []byte) {
	if dir := os.Getenv("PDF_DUMP"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".pdf"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPrintReadyPDFs renders every PDF type in both languages and checks
// the text pdftotext reads from it.
func TestPrintReadyPDFs(t *testing.T) {
	e := newTestEnv(t)
	s := printSettings(t, e)
	for _, lang := range Languages {
		for _, c := range printCases(t, e, s, lang) {
			out, err := pdf.Render(c.lay)
			if err != nil {
				t.Fatalf("%s (%s): %v", c.name, lang, err)
			}
			dumpPDF(t, c.name+"-"+lang, out)
			checkPrintText(t, c, lang, pdfText(t, out))
		}
	}
}

// TestStatementPrintsEnterprise: the statement carries the enterprise's
// address, bank and contact from the settings, the customer's side, a
// signature block with date and seal space for each side, and its period
// once.
func TestStatementPrintsEnterprise(t *testing.T) {
	e := newTestEnv(t)
	s := printSettings(t, e)
	for _, lang := range Languages {
		T := func(k string, args ...any) string { return e.h.i18n.T(lang, k, args...) }
		cases := printCases(t, e, s, lang)
		c := cases[len(cases)-1]
		text := pdfText(t, mustRenderPDF(t, c.lay))
		flat := strings.Join(strings.Fields(text), " ")
		for _, w := range []string{s.Address, s.Bank, s.BankAccount, s.Contact, s.Phone, "招商银行上海分行", "6214-8888-0000-1234", "李娜",
			T("print.bank"), T("print.bank_account"), T("print.contact"), T("print.phone")} {
			if !strings.Contains(flat, w) {
				t.Errorf("%s statement lacks %q:\n%s", lang, w, text)
			}
		}
		for _, w := range []string{T("print.signature"), T("print.date"), T("print.seal")} {
			if n := strings.Count(text, w); n < 2 {
				t.Errorf("%s statement: %q %d times, want one a side", lang, w, n)
			}
		}
		for _, w := range []string{T("print.party", "role", T("print.enterprise"), "name", "华信机电设备有限公司"), T("print.party", "role", T("rc.customer"), "name", "C0001")} {
			if !strings.Contains(flat, w) {
				t.Errorf("%s statement: no signature block %q", lang, w)
			}
		}
		if n := strings.Count(text, "2026-03-01 – 2026-03-31"); n != 1 {
			t.Errorf("%s statement: the period printed %d times", lang, n)
		}
	}
}

func mustRenderPDF(t *testing.T, l *pdf.Layout) []byte {
	t.Helper()
	out, err := pdf.Render(l)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStatementHeadingsKeptWithNext renders statements of every length from
// one to two pages: wherever the documents table ends, the totals and
// aging headings never stay alone at the foot of a page.
func TestStatementHeadingsKeptWithNext(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 40 statements")
	}
	e := newTestEnv(t)
	s := printSettings(t, e)
	cu := &model.Customer{Code: "C0001", Name: "Starlight Trading"}
	for _, lang := range Languages {
		T := func(k string, args ...any) string { return e.h.i18n.T(lang, k, args...) }
		for n := 12; n <= 31; n++ {
			c := printCase{name: fmt.Sprintf("statement of %d rows", n), lay: statementLayout(T, s, cu, printDetail(n), nil, e.st.Now()),
				headings: []string{T("rc.documents"), T("rc.totals"), T("rc.aging_title")}}
			checkPrintText(t, c, lang, pdfText(t, mustRenderPDF(t, c.lay)))
		}
	}
}

// TestStatementRoutePrintReady downloads statements through the route, as
// staff and as the dealer, in both languages: the settings' details and a
// negative closing balance as "−¥…".
func TestStatementRoutePrintReady(t *testing.T) {
	e := newReconEnv(t)
	s := printSettings(t, e)
	path := "/statements/" + e.id("customer:C1") + "?from=2026-03-01&to=2026-03-31"
	var d *model.Detail
	_ = e.st.View(func(tx *store.Tx) (err error) {
		d, err = tx.BalanceDetail(store.AdminScope(), e.ids["customer:C1"], "2026-03-01", "2026-03-31")
		return err
	})
	if d.Closing >= 0 {
		t.Fatalf("fixture: closing %s, want a negative one", d.Closing)
	}
	for _, who := range []struct{ user, lang string }{{"admin", "en"}, {"c1.finance", "zh"}} {
		c := e.login(who.user)
		c.setLang(who.lang)
		r := c.get(path)
		if r.Code != http.StatusOK {
			t.Fatalf("%s: %d", who.user, r.Code)
		}
		text := pdfText(t, []byte(r.Body))
		for _, w := range []string{s.Address, s.Bank, s.BankAccount, s.Contact, s.Phone, s.Money(d.Closing), e.h.i18n.T(who.lang, "print.seal")} {
			if !strings.Contains(text, w) {
				t.Errorf("%s (%s): statement lacks %q:\n%s", who.user, who.lang, w, text)
			}
		}
		if n := strings.Count(text, "2026-03-01 – 2026-03-31"); n != 1 {
			t.Errorf("%s: the period printed %d times", who.user, n)
		}
	}
}

// TestSettingsStatementFields: the settings form shows, saves and
// re-shows the statement's enterprise details, and bounds them.
func TestSettingsStatementFields(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	page := c.get("/settings")
	for _, name := range []string{"address", "bank", "bank_account", "contact", "phone"} {
		if !strings.Contains(page.Body, `name="`+name+`"`) {
			t.Errorf("settings form has no %s field", name)
		}
	}
	s := e.st.Settings()
	form := url.Values{"enterprise_name": {s.EnterpriseName}, "currency_code": {"CNY"}, "currency_symbol": {"¥"}, "time_zone": {"Asia/Shanghai"},
		"address": {" 上海市浦东新区张江路88号 "}, "bank": {"中国工商银行上海张江支行"}, "bank_account": {"1001-2345"}, "contact": {"王建国"}, "phone": {"021-50801234"},
		"version": {sysVer(s.Version)}}
	sysWant(t, "save", c.post("/settings", form), http.StatusSeeOther)
	got := e.st.Settings()
	if got.Address != "上海市浦东新区张江路88号" || got.Bank != "中国工商银行上海张江支行" || got.BankAccount != "1001-2345" || got.Contact != "王建国" || got.Phone != "021-50801234" {
		t.Errorf("stored: %+v", got)
	}
	sysWant(t, "shown", c.get("/settings"), http.StatusOK, "上海市浦东新区张江路88号", "中国工商银行上海张江支行", "王建国")
	form.Set("version", sysVer(got.Version))
	form.Set("bank_account", strings.Repeat("9", 41))
	sysWant(t, "too long", c.post("/settings", form), http.StatusUnprocessableEntity, `id="e-bank_account"`)
}

// TestEveryPDFRouteIsPrintReady: every route that sends a PDF is one of the
// layouts TestPrintReadyPDFs renders. A new /pdf or /print route fails
// here until it is classified (and its layout covered).
func TestEveryPDFRouteIsPrintReady(t *testing.T) {
	e := newTestEnv(t)
	layout := map[string]string{
		"/sales-orders/:id/pdf":  "sales order",
		"/online-orders/:id/pdf": "online order",
		"/statements/:cust":      "statement",
	}
	// Routes drawn by shippingLayout (printDoc), at /:id/pdf or at
	// /:id/print?format=pdf (showPrint).
	for _, base := range []string{"/change-requests", "/opportunities", "/complaints", "/service-requests", "/stocktakes", "/announcements"} {
		layout[base+"/:id/pdf"] = "printDoc"
		layout[base+"/:id/print"] = "printDoc"
	}
	for _, base := range []string{"/delivery-notices", "/outbounds", "/returns", "/return-notices", "/invoices",
		"/receipts", "/advance-receipts", "/refunds"} {
		layout[base+"/:id/print"] = "printDoc"
	}
	// Print views without a PDF.
	htmlOnly := map[string]bool{"/sales-orders/:id/print": true, "/online-orders/:id/print": true, "/customers/:id/print": true}
	var unknown, missing []string
	seen := map[string]bool{}
	for _, r := range Routes(e.app) {
		if r.Method != http.MethodGet {
			continue
		}
		p := r.Path
		if !(strings.HasSuffix(p, "/pdf") || strings.HasSuffix(p, "/print") || strings.HasPrefix(p, "/statements/")) {
			continue
		}
		seen[p] = true
		if layout[p] == "" && !htmlOnly[p] {
			unknown = append(unknown, p)
		}
	}
	for p := range layout {
		if !seen[p] {
			missing = append(missing, p)
		}
	}
	sort.Strings(unknown)
	sort.Strings(missing)
	if len(unknown) > 0 {
		t.Errorf("PDF or print routes with no print-ready layout test: %v", unknown)
	}
	if len(missing) > 0 {
		t.Errorf("routes listed here but not registered (renamed?): %v", missing)
	}
}
