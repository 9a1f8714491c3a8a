package handlers

import (
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/views/pdf"
)

// BenchmarkStatementPDF renders a 1,000-line statement (figures in
// docs/PERFORMANCE.md):
//
//	go test ./handlers -run '^$' -bench StatementPDF -benchtime 5x
func BenchmarkStatementPDF(b *testing.B) {
	d := &model.Detail{From: "2026-01-01", To: "2026-03-31", Totals: map[model.DocType]model.Money{}}
	run := model.Money(0)
	kinds := []model.DocType{model.DocOutbound, model.DocInvoice, model.DocReceipt}
	for i := range 1000 {
		k := kinds[i%3]
		amt := model.Money(100000 + 37*i)
		eff := model.NetEffect(k, amt)
		run += eff
		d.Rows = append(d.Rows, model.DetailRow{LedgerDoc: model.LedgerDoc{Kind: k, ID: uint64(i + 1), Number: string(k) + "-2026-" + itoa(uint64(100000+i)),
			Date: model.AddDays("2026-01-01", i/12), Amount: amt}, Remaining: amt / 2, HasRemaining: true, Effect: eff, Running: run})
		d.Totals[k] += amt
	}
	d.Closing = run
	s := model.DefaultSettings()
	s.EnterpriseName = "华东机电设备有限公司"
	cu := &model.Customer{Code: "C0001", Name: "东莞远航机电贸易有限公司", Address: "广东省东莞市南城区莞太路 88 号", TaxNumber: "91441900MA4UXXXX1X"}
	T := func(k string, args ...any) string { return k }
	states := map[string]model.Status{}
	printed := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	if _, err := pdf.Render(statementLayout(T, s, cu, d, states, printed)); err != nil { // fonts parsed once, outside the loop
		b.Fatal(err)
	}
	b.ResetTimer()
	var size int
	for b.Loop() {
		out, err := pdf.Render(statementLayout(T, s, cu, d, states, printed))
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size)/1024, "KB/pdf")
}
