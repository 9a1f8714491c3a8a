package handlers

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/views"
	"dealerportal/views/pdf"
)

// benchStatement is a statement of n documents over three months, in the
// translations of lang, and what statementLayout takes to draw it.
func benchStatement(b testing.TB, n int, lang string) func() *pdf.Layout {
	i18n, err := LoadI18n(views.FS, "i18n")
	if err != nil {
		b.Fatal(err)
	}
	d := &model.Detail{From: "2026-01-01", To: "2026-03-31", Totals: map[model.DocType]model.Money{}}
	run := model.Money(0)
	kinds := []model.DocType{model.DocOutbound, model.DocInvoice, model.DocReceipt}
	for i := range n {
		k := kinds[i%3]
		amt := model.Money(100000 + 37*i)
		eff := model.NetEffect(k, amt)
		run += eff
		d.Rows = append(d.Rows, model.DetailRow{LedgerDoc: model.LedgerDoc{Kind: k, ID: uint64(i + 1), Number: string(k) + "-2026-" + itoa(uint64(100000+i)),
			Date: model.AddDays("2026-01-01", i*90/max(n, 1)), Amount: amt}, Remaining: amt / 2, HasRemaining: true, Effect: eff, Running: run})
		d.Totals[k] += amt
	}
	d.Closing = run
	s := model.DefaultSettings()
	s.EnterpriseName = "华东机电设备有限公司"
	s.Address, s.Bank, s.BankAccount, s.Contact, s.Phone = "上海市闵行区莘庄工业区申富路 318 号", "中国工商银行上海莘庄支行", "1001 2345 6789 0123 456", "王经理", "021-6488 1234"
	cu := &model.Customer{Code: "C0001", Name: "东莞远航机电贸易有限公司", Address: "广东省东莞市南城区莞太路 88 号", TaxNumber: "91441900MA4UXXXX1X",
		Contact: "李娜", Phone: "0769-2288 1234"}
	T := func(k string, args ...any) string { return i18n.T(lang, k, args...) }
	states := map[string]model.Status{}
	printed := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	return func() *pdf.Layout { return statementLayout(T, s, cu, d, states, printed) }
}

// BenchmarkStatementPDF renders statements of 30 documents (a typical
// month: one A4 page) and of 1,000 (about 25 pages), in Chinese and in
// English, with the process's CPU per document beside the baseline page's
// (figures in docs/PERFORMANCE.md):
//
//	go test ./handlers -run '^$' -bench 'StatementPDF' -benchtime 200x -count 2
func BenchmarkStatementPDF(b *testing.B) {
	old := pdf.CacheBytes
	pdf.CacheBytes = 0 // lay out every document: the finished-PDF cache is BenchmarkStatementPage's
	defer func() { pdf.CacheBytes = old }()
	benchBaseline(b)
	for _, n := range []int{30, 1000} {
		for _, lang := range []string{"zh-CN", "en"} {
			layout := benchStatement(b, n, lang)
			b.Run(strconv.Itoa(n)+"-"+lang, func(b *testing.B) {
				b.ReportAllocs()
				if _, err := pdf.Render(layout()); err != nil { // the fonts' first use stays outside the loop
					b.Fatal(err)
				}
				var size int
				done := reportCPU(b)
				for b.Loop() {
					out, err := pdf.Render(layout())
					if err != nil {
						b.Fatal(err)
					}
					size = len(out)
				}
				done()
				b.ReportMetric(float64(size)/1024, "KB/pdf")
			})
		}
	}
}

// BenchmarkStatementPage downloads this month's statement through the
// whole stack (session, scope, the ledger read, the PDF) as the key
// account's buyer (c0001: a tenth of all orders) and an ordinary customer's,
// in Chinese and English, beside the baseline page, laid out on every
// request and repeated:
//
//	go run . demo --db /tmp/v.db --customers 1000 --products 2000 --entries 300 --orders 20000
//	STATEMENT_BENCH_DB=/tmp/v.db go test ./handlers -run '^$' -bench StatementPage -benchtime 100x
//
// Without STATEMENT_BENCH_DB a smaller volume is generated into a temp dir.
func BenchmarkStatementPage(b *testing.B) {
	app := openApp(b, benchDB(b, "STATEMENT_BENCH_DB", "--customers", "200", "--products", "400", "--entries", "100", "--orders", "3000"))
	benchBaseline(b)
	key, plain := loginEnv(b, app, "c0001.buyer"), loginEnv(b, app, "c0002.buyer")
	statementOf := func(e *benchEnv) string {
		body := e.get(b, "/balances")
		i := strings.Index(body, `href="/balances/`)
		if i < 0 {
			b.Fatal("no link to the balance detail")
		}
		return strings.Replace(body[i+6:i+6+strings.IndexByte(body[i+6:], '"')], "/balances/", "/statements/", 1)
	}
	en := *plain
	en.cookie += "; lang=en"
	key.get(b, statementOf(key)) // the fonts' first use stays outside the loops
	// "rendered": every request lays its PDF out (the finished-PDF cache
	// off); "repeat": the same statement again within its printed minute.
	for _, mode := range []string{"rendered", "repeat"} {
		old := pdf.CacheBytes
		if mode == "rendered" {
			pdf.CacheBytes = 0
		}
		benchPages(b, key, []struct{ name, path string }{{"key-account-zh-" + mode, statementOf(key)}})
		benchPages(b, plain, []struct{ name, path string }{{"plain-zh-" + mode, statementOf(plain)}})
		benchPages(b, &en, []struct{ name, path string }{{"plain-en-" + mode, statementOf(plain)}})
		pdf.CacheBytes = old
	}
}
