package handlers

import (
	"html/template"
	"strings"

	"dealerportal/model"
)

// The rows of the document lists (online orders, sales orders, change
// requests) are written here, like the catalog's (shop_rows.go), rather than
// by a {{range}} in their templates: html/template calls a helper and an
// escaper by reflection for every value it places, and a document row placed
// a dozen (five translated data-labels, the badge, the amount, the customer's
// name…), which cost more than the rest of the page. Each column's header is
// translated once per page; each value goes through esc, which escapes as
// html/template does (docrows_test.go checks the bytes against the templates
// these rows came from).

// docCol is one column of a document list: its header's catalog key (the
// cells' data-label), the cell's class, and the cell's HTML (values
// escaped). A nil cell is a column the viewer does not get (the customer,
// for a dealer): its line stays, empty, as the template's {{if}} left it.
type docCol struct {
	label, class string
	cell         func(r *model.DocSummary) string
}

// docRowsHTML writes the <tr> rows of a document list for the template's
// <tbody>.
func docRowsHTML(v *View, cols []docCol, rows []model.DocSummary) template.HTML {
	if len(rows) == 0 {
		return ""
	}
	open := make([]string, len(cols)) // `<td data-label="…" class="…">` per column
	for i, c := range cols {
		if c.cell == nil {
			continue
		}
		open[i] = `<td data-label="` + esc(v.T(c.label)) + `"`
		if c.class != "" {
			open[i] += ` class="` + c.class + `"`
		}
		open[i] += ">"
	}
	var b strings.Builder
	b.Grow(len(rows) * 120 * len(cols))
	for i := range rows {
		b.WriteString("\n      <tr>")
		for j, c := range cols {
			b.WriteString("\n        ")
			if c.cell != nil {
				b.WriteString(open[j])
				b.WriteString(c.cell(&rows[i]))
				b.WriteString("</td>")
			}
		}
		b.WriteString("\n      </tr>\n    ")
	}
	return template.HTML(b.String())
}

// docLink is the number cell: a link to the document at base/<id>.
func docLink(base string) func(r *model.DocSummary) string {
	return func(r *model.DocSummary) string {
		return `<a href="` + base + itoa(r.ID) + `">` + esc(r.Number) + `</a>`
	}
}

// docDate is the date cell.
func docDate(r *model.DocSummary) string { return esc(r.Date) }

// docCustomerCol is the customer column: the names looked up once for the
// page (staff only; nil cell for dealers).
func docCustomerCol(label string, staff bool, names map[uint64]string) docCol {
	col := docCol{label: label}
	if staff {
		col.cell = func(r *model.DocSummary) string { return esc(names[r.CustomerID]) }
	}
	return col
}

// docStatusBadge is the status cell's badge, made once per status on a page.
func docStatusBadge(v *View) func(r *model.DocSummary) string {
	made := map[model.Status]string{}
	return func(r *model.DocSummary) string {
		s, ok := made[r.Status]
		if !ok {
			s = string(v.Badge("status", r.Status))
			made[r.Status] = s
		}
		return s
	}
}

// docAmount is the amount cell.
func docAmount(v *View) func(r *model.DocSummary) string {
	return func(r *model.DocSummary) string { return string(v.Money(r.Amount)) }
}
