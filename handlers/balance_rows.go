package handlers

import (
	"html/template"

	"dealerportal/model"
)

// The balance detail's rows are written here (docrows.go's rowsHTML), not
// by a {{range}} in views/recon/balance_detail.html, for the reason given
// in invoice_rows.go: eight reflective helper and escaper calls a row.
// balance_rows_test.go compares the bytes with the former template's.

// balanceDetailRowsHTML writes the <tr> rows of the balance detail's page.
func balanceDetailRowsHTML(v *View, d *balanceDetailData) template.HTML {
	badge := statusBadges(v)
	red := `<span class="badge bad">` + esc(v.T("rc.red")) + `</span> `
	money := func(m func(r *model.DetailRow) model.Money) func(r *model.DetailRow) string {
		return func(r *model.DetailRow) string { return string(v.Money(m(r))) }
	}
	return rowsHTML(v, []rowCol[model.DetailRow]{
		{label: "rc.date", class: "tabular", cell: func(r *model.DetailRow) string { return esc(r.Date) }},
		{label: "rc.doc_type", cell: func(r *model.DetailRow) string {
			if r.Red {
				return red + esc(d.KindNames[r.Kind])
			}
			return esc(d.KindNames[r.Kind])
		}},
		{label: "rc.number", cell: func(r *model.DetailRow) string {
			return `<a href="` + esc(d.DocPath(*r)) + `">` + esc(r.Number) + `</a>`
		}},
		{label: "rc.amount", class: "num", cell: money(func(r *model.DetailRow) model.Money { return r.Amount })},
		{label: "rc.remaining", class: "num", cell: func(r *model.DetailRow) string {
			if r.HasRemaining {
				return string(v.Money(r.Remaining))
			}
			return ""
		}},
		{label: "rc.effect", class: "num", cell: money(func(r *model.DetailRow) model.Money { return r.Effect })},
		{label: "rc.running", class: "num", cell: money(func(r *model.DetailRow) model.Money { return r.Running })},
		{label: "rc.recon_state", cell: func(r *model.DetailRow) string { return badge(d.State(*r)) }},
	}, d.Rows)
}
