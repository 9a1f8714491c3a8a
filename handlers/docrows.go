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

// rowCol is one column of a list written in Go: its header's catalog key
// (the cells' data-label), the cell's class, and the cell's HTML (values
// escaped). A nil cell is a column the viewer does not get (the customer,
// for a dealer): its line stays, empty, as the template's {{if}} left it.
type rowCol[R any] struct {
	label, class string
	cell         func(r *R) string
}

// docCol is a column of a document list.
type docCol = rowCol[model.DocSummary]

// docRowsHTML writes the <tr> rows of a document list for the template's
// <tbody>.
func docRowsHTML(v *View, cols []docCol, rows []model.DocSummary) template.HTML {
	return rowsHTML(v, cols, rows)
}

// rowsHTML writes the <tr> rows of any list whose template placed one <td
// data-label="…"> per column inside {{range}}: the bytes that {{range}}
// left, whitespace included.
func rowsHTML[R any](v *View, cols []rowCol[R], rows []R) template.HTML {
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
	badge := statusBadges(v)
	return func(r *model.DocSummary) string { return badge(r.Status) }
}

// statusBadges returns View.Badge("status", …) as a string, made once per
// status on a page.
func statusBadges(v *View) func(st model.Status) string {
	made := map[model.Status]string{}
	return func(st model.Status) string {
		s, ok := made[st]
		if !ok {
			s = string(v.Badge("status", st))
			made[st] = s
		}
		return s
	}
}

// docAmount is the amount cell.
func docAmount(v *View) func(r *model.DocSummary) string {
	return func(r *model.DocSummary) string { return string(v.Money(r.Amount)) }
}
