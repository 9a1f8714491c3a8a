package handlers

import (
	"html/template"
	"net/url"
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

// executionRowsHTML writes the <tr> rows of the execution report.
func executionRowsHTML(v *View, staff bool, rows []store.ExecutionRow, names map[uint64]string) template.HTML {
	if len(rows) == 0 {
		return ""
	}
	label := func(key string) string { return esc(v.T(key)) }
	lOrder, lDate, lCust, lStatus, lProduct := label("ship.sales_order"), label("ship.date"), label("ship.customer"), label("ship.status"), label("ship.product")
	lOrdered, lAmount, lNoticed, lShipped := label("ship.ordered"), label("ship.amount"), label("ship.noticed"), label("ship.shipped")
	lReturned, lInvoiced, lInvAmount, lReceived, lOpen := label("ship.returned"), label("ship.invoiced"), label("ship.invoiced_amount"), label("ship.received_amount"), label("ship.open")
	badges := map[model.Status]string{}
	var b strings.Builder
	b.Grow(len(rows) * 1500)
	w := b.WriteString
	num := func(class, lbl, val string) {
		w("\n        <td class=\"num" + class + "\" data-label=\"" + lbl + "\">" + val + "</td>")
	}
	for i := range rows {
		r := &rows[i]
		number, no := esc(r.Number), itoa(uint64(r.Line.No))
		w("\n      <tr data-order=\"" + number + "\" data-line=\"" + no + "\">")
		w("\n        <td data-label=\"" + lOrder + "\"><a href=\"/tracking/sales-orders/" + itoa(r.SalesOrderID) + "\">" + number + "</a></td>")
		w("\n        <td data-label=\"" + lDate + "\" class=\"tabular\">" + esc(r.OrderDate) + "</td>")
		if staff {
			w("\n        <td data-label=\"" + lCust + "\" class=\"wide\">" + esc(names[r.CustomerID]) + "</td>")
		}
		badge, ok := badges[r.Status]
		if !ok {
			badge = string(v.Badge("status", r.Status))
			badges[r.Status] = badge
		}
		w("\n        <td data-label=\"" + lStatus + "\">" + badge + "</td>")
		w("\n        <td class=\"num\" data-label=\"#\">" + no + "</td>")
		w("\n        <td data-label=\"" + lProduct + "\" class=\"wide\">" + esc(r.Line.Code) + " " + esc(r.Line.Name) + "</td>")
		num(" c-ordered", lOrdered, r.Line.Qty.String())
		num("", lAmount, string(v.Money(r.Line.Amount)))
		num(" c-noticed", lNoticed, r.Line.NoticedQty.String())
		num(" c-shipped", lShipped, r.Line.ShippedQty.String())
		num(" c-returned", lReturned, r.Line.ReturnedQty.String())
		num(" c-invoiced", lInvoiced, r.Line.InvoicedQty.String())
		num("", lInvAmount, string(v.Money(r.Line.InvoicedAmount)))
		num("", lReceived, string(v.Money(r.Line.ReceivedAmount)))
		num(" c-open", lOpen, r.OpenQty().String())
		w("\n      </tr>")
	}
	return template.HTML(b.String())
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
