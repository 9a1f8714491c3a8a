package handlers

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"dealerportal/model"
	"dealerportal/store"
)

// The rows of the two staff reports — the balance summary and the sales
// order execution report — are written here rather than by their
// templates, for the reason given in shop_rows.go: html/template calls its
// escapers and the view's helpers by reflection for every value it places,
// and a report row places a dozen (the execution report's page shows some
// 150 lines), which cost more than reading the figures. The markup is the
// one the templates had; every text goes through esc, every label is
// translated once per page, money goes through View.Money.

// executionRowsHTML writes the <tr> rows of the execution report. A cell
// carries no data-label: on a phone its label comes from the report's
// label stylesheet by the cell's class (executionLabels), so that the
// 15 labels are not repeated in every row (a page of 54 lines was 70 KB,
// 20 KB of it labels, and every byte is compressed per request).
func executionRowsHTML(v *View, staff bool, rows []store.ExecutionRow, names map[uint64]string) template.HTML {
	if len(rows) == 0 {
		return ""
	}
	badges := map[model.Status]string{}
	var b strings.Builder
	b.Grow(len(rows) * 700)
	w := b.WriteString
	num := func(class, val string) {
		w(`<td class="num ` + class + `">` + val + "</td>")
	}
	for i := range rows {
		r := &rows[i]
		number, no := esc(r.Number), itoa(uint64(r.Line.No))
		w("\n<tr data-order=\"" + number + "\" data-line=\"" + no + "\">")
		w(`<td class="x-so"><a href="/tracking/sales-orders/` + itoa(r.SalesOrderID) + `">` + number + "</a></td>")
		w(`<td class="x-date tabular">` + esc(r.OrderDate) + "</td>")
		if staff {
			w(`<td class="x-cust wide">` + esc(names[r.CustomerID]) + "</td>")
		}
		badge, ok := badges[r.Status]
		if !ok {
			badge = string(v.Badge("status", r.Status))
			badges[r.Status] = badge
		}
		w(`<td class="x-st">` + badge + "</td>")
		w(`<td class="num" data-label="#">` + no + "</td>")
		w(`<td class="x-prod wide">` + esc(r.Line.Code) + " " + esc(r.Line.Name) + "</td>")
		num("c-ordered", r.Line.Qty.String())
		num("x-amt", string(v.Money(r.Line.Amount)))
		num("c-noticed", r.Line.NoticedQty.String())
		num("c-shipped", r.Line.ShippedQty.String())
		num("c-returned", r.Line.ReturnedQty.String())
		num("c-invoiced", r.Line.InvoicedQty.String())
		num("x-inv", string(v.Money(r.Line.InvoicedAmount)))
		num("x-rcv", string(v.Money(r.Line.ReceivedAmount)))
		num("c-open", r.OpenQty().String())
		w("</tr>")
	}
	return template.HTML(b.String())
}

// executionHeadHTML writes the report's header row and executionFootHTML
// its totals row (as the template had them: a dozen reflective calls each,
// a third of the page's template time).
func executionHeadHTML(v *View, staff bool) template.HTML {
	th := func(class, key string) string {
		if class != "" {
			class = ` class="` + class + `"`
		}
		return "<th" + class + ">" + esc(v.T(key)) + "</th>"
	}
	var b strings.Builder
	b.WriteString("<tr>" + th("", "ship.sales_order") + th("", "ship.date"))
	if staff {
		b.WriteString(th("", "ship.customer"))
	}
	b.WriteString(th("", "ship.status") + `<th class="num">#</th>` + th("", "ship.product"))
	for _, k := range []string{"ship.ordered", "ship.amount", "ship.noticed", "ship.shipped", "ship.returned", "ship.invoiced",
		"ship.invoiced_amount", "ship.received_amount", "ship.open"} {
		b.WriteString(th("num", k))
	}
	b.WriteString("</tr>")
	return template.HTML(b.String())
}

func executionFootHTML(v *View, staff bool, tt *store.ExecutionTotals) template.HTML {
	span := "5"
	if staff {
		span = "6"
	}
	num := func(s string) string { return `<th class="num">` + s + "</th>" }
	money := func(m model.Money) string { return num(string(v.Money(m))) }
	return template.HTML(`<tr id="execution-totals"><th colspan="` + span + `">` + esc(v.T("ship.totals")) + " · " +
		esc(v.T("ship.orders_lines", "orders", tt.Orders, "lines", tt.Lines)) + "</th>" +
		num(tt.Qty.String()) + money(tt.Amount) + num(tt.NoticedQty.String()) + num(tt.ShippedQty.String()) +
		num(tt.ReturnedQty.String()) + num(tt.InvoicedQty.String()) + money(tt.InvoicedAmount) +
		money(tt.ReceivedAmount) + num(tt.OpenQty.String()) + "</tr>")
}

// executionLabels are the execution report's columns: a cell's class and
// the catalog key of its label (the header's text).
var executionLabels = [][2]string{
	{"x-so", "ship.sales_order"}, {"x-date", "ship.date"}, {"x-cust", "ship.customer"}, {"x-st", "ship.status"},
	{"x-prod", "ship.product"}, {"c-ordered", "ship.ordered"}, {"x-amt", "ship.amount"}, {"c-noticed", "ship.noticed"},
	{"c-shipped", "ship.shipped"}, {"c-returned", "ship.returned"}, {"c-invoiced", "ship.invoiced"},
	{"x-inv", "ship.invoiced_amount"}, {"x-rcv", "ship.received_amount"}, {"c-open", "ship.open"},
}

// reportLabelStyles are the report label stylesheets, one per language,
// made from the catalogs at start: on a narrow screen, where a report's
// table becomes stacked cards (app.css, table.stack-sm), each cell shows
// its column's label before its value, as a data-label attribute would
// give it. Served as the static asset "labels-<lang>.css" (cached for a
// year under its content hash, like app.css).
func reportLabelStyles(T func(lang, key string) string) map[string][]byte {
	out := map[string][]byte{}
	for _, l := range Languages {
		var b strings.Builder
		b.WriteString("/* report labels (handlers/report_rows.go), " + l + " */\n@media screen and (max-width:720px){\n")
		for _, c := range executionLabels {
			b.WriteString("#execution td." + c[0] + "::before{content:" + cssString(T(l, c[1])) + "}\n")
		}
		// As a labelled cell of table.stack-sm: the label floats left, the
		// value is right-aligned; the line number heads the card.
		b.WriteString("#execution td::before{display:block}\n#execution td{text-align:right}\n" +
			"#execution td[data-label=\"#\"]{text-align:left}\n#execution td[data-label=\"#\"]::before{display:inline}\n}\n")
		out["labels-"+l+".css"] = []byte(b.String())
	}
	return out
}

// cssString quotes s as a CSS string.
func cssString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString("\\" + string(r))
		case r < 0x20 || r == 0x7f:
			b.WriteString("\\" + strconv.FormatInt(int64(r), 16) + " ")
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// balanceRowsHTML writes the <tr> rows of the balance summary; asOf is the
// as-of date of the request ("" for the current figures), orgPath names an
// org unit (called once per unit).
func balanceRowsHTML(v *View, staff bool, rows []store.BalanceRow, asOf string, dayLabels [4]string, orgPath func(uint64) string) template.HTML {
	if len(rows) == 0 {
		return ""
	}
	label := func(key string) string { return esc(v.T(key)) }
	lCust, lOrg, lUninv, lIR, lRB, lNet := label("rc.customer"), label("rc.org_unit"), label("rc.uninvoiced"), label("rc.invoiced_receivable"),
		label("rc.receipt_balance"), label("rc.net_position")
	var lDays [4]string
	for i, l := range dayLabels {
		lDays[i] = esc(l)
	}
	query := ""
	if asOf != "" {
		query = "?to=" + esc(url.QueryEscape(asOf))
	}
	paths := map[uint64]string{}
	var b strings.Builder
	b.Grow(len(rows) * 900)
	w := b.WriteString
	num := func(lbl string, m model.Money) {
		w("\n        <td data-label=\"" + lbl + "\" class=\"num\">" + string(v.Money(m)) + "</td>")
	}
	for i := range rows {
		r := &rows[i]
		cu := r.Customer
		w("\n      <tr>\n        <td data-label=\"" + lCust + "\" class=\"wide\"><a href=\"/balances/" + itoa(cu.ID) + query + "\">" +
			esc(cu.Code) + " " + esc(cu.Name) + "</a></td>")
		if staff {
			p, ok := paths[cu.OrgUnitID]
			if !ok {
				p = esc(orgPath(cu.OrgUnitID))
				paths[cu.OrgUnitID] = p
			}
			w("\n        <td data-label=\"" + lOrg + "\" class=\"small\">" + p + "</td>")
		}
		num(lUninv, r.Uninvoiced)
		num(lIR, r.InvoicedReceivable)
		num(lRB, r.ReceiptBalance)
		w("\n        <td data-label=\"" + lNet + "\" class=\"num\"><strong>" + string(v.Money(r.Net())) + "</strong></td>")
		for j, m := range r.Aging.Buckets {
			num(lDays[j], m)
		}
		w("\n      </tr>")
	}
	return template.HTML(b.String())
}

// orgOptionsHTML writes the <option>s of an org unit filter (the units in
// tree order, indented by depth), selected the one whose id is selected.
func orgOptionsHTML(orgs []model.Node, selected string) template.HTML {
	var b strings.Builder
	for _, n := range orgs {
		id := itoa(n.Unit.ID)
		b.WriteString(`<option value="` + id + `"`)
		if id == selected {
			b.WriteString(" selected")
		}
		b.WriteString(">" + strings.Repeat("　", n.Depth) + esc(n.Unit.Name) + "</option>")
	}
	return template.HTML(b.String())
}
