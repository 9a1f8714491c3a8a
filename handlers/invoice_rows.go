package handlers

import (
	"html/template"

	"dealerportal/model"
)

// The invoice list's rows are written here (docrows.go's rowsHTML), not by
// a {{range}} in views/recon/invoice_list.html: a row placed ten values
// through html/template's reflective escapers and the view's helpers,
// which cost most of the page. The markup is the template's;
// invoice_rows_test.go compares the bytes with it, hostile values
// included, in both languages.

// invoiceRowsHTML writes the <tr> rows of the invoice list; the customer
// column is the staff's only.
func invoiceRowsHTML(v *View, staff bool, rows []invoiceRow) template.HTML {
	badge := statusBadges(v)
	red := `<span class="badge bad">` + esc(v.T("rc.red")) + `</span> `
	link := docLink("/invoices/")
	cust := rowCol[invoiceRow]{label: "rc.customer"}
	if staff {
		cust.cell = func(r *invoiceRow) string { return esc(r.Customer) }
	}
	return rowsHTML(v, []rowCol[invoiceRow]{
		{label: "rc.number", cell: func(r *invoiceRow) string { return link(&r.DocSummary) }},
		{label: "rc.invoice_no", cell: func(r *invoiceRow) string { return esc(r.InvoiceNo) }},
		{label: "rc.date", class: "tabular", cell: func(r *invoiceRow) string { return esc(r.Date) }},
		cust,
		{label: "rc.outbounds", class: "small", cell: func(r *invoiceRow) string { return esc(r.Outbounds) }},
		{label: "rc.status", cell: func(r *invoiceRow) string {
			if r.Red {
				return red + badge(r.Status)
			}
			return badge(r.Status)
		}},
		{label: "rc.amount", class: "num", cell: func(r *invoiceRow) string { return string(v.Money(r.Amount)) }},
		{label: "rc.open", class: "num", cell: func(r *invoiceRow) string { return string(v.Money(r.Open)) }},
		{label: "rc.recon_state", cell: func(r *invoiceRow) string {
			if r.Status == model.StatusAudited {
				return badge(r.Recon)
			}
			return ""
		}},
	}, rows)
}
