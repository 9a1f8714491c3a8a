package handlers

import (
	"strconv"
	"strings"
	"time"

	"dealerportal/model"
	"dealerportal/views/pdf"

	"github.com/gofiber/fiber/v2"
)

// What the order documents' PDFs share (the layouts are in views/pdf).

// sendPDF answers with a PDF named after the document, shown inline (the
// browser's viewer; its download button keeps the name).
func sendPDF(c *fiber.Ctx, name string, data []byte) error {
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="`+name+`.pdf"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(data)
}

func yesNoText(T func(string, ...any) string, b bool) string {
	if b {
		return T("common.yes")
	}
	return T("common.no")
}

// printedAt shows the instant a PDF is printed (the store clock's, also its
// Layout.Created) in the enterprise's zone, for the "printed at" footer.
func (h *Handler) printedAt(t time.Time) string {
	return t.In(h.store.Zone()).Format("2006-01-02 15:04")
}

// salesLayout describes the sales order's PDF in lang.
func (h *Handler) salesLayout(l string, p *salesPage) *pdf.Layout {
	o := p.O
	T := func(k string, args ...any) string { return h.i18n.T(l, k, args...) }
	s := h.settingsIn(l)
	cust, tax := "", ""
	if p.Customer != nil {
		cust, tax = p.Customer.Code+" "+p.Customer.Name, p.Customer.TaxNumber
	}
	printed := h.store.Now()
	lay := &pdf.Layout{Enterprise: s.EnterpriseName, Created: printed, Title: T("so.doc_title"), Number: o.Number,
		Subtitle: T("status."+string(o.Status)) + " · " + o.OrderDate, Author: s.EnterpriseName,
		Footer: T("common.print_date") + " " + h.printedAt(printed),
		Fields: pdf.Pairs(T("so.customer"), cust, T("so.order_date"), o.OrderDate, T("so.tax_number"), tax, T("so.delivery_date"), o.DeliveryDate, T("so.ship_to"), strings.TrimSpace(o.ShipTo.Name+" "+o.ShipTo.Address), T("so.contact"), strings.TrimSpace(o.Contact+" "+o.Phone), T("so.salesperson"), p.Salesperson, T("so.settlement"), o.Settlement, T("so.org_unit"), p.OrgUnit, T("so.online_order"), o.OnlineOrderNumber)}
	lines := make([]model.OrderLine, len(o.Lines))
	for i := range o.Lines {
		lines[i] = o.Lines[i].OrderLine
	}
	lay.Blocks = append(lay.Blocks, orderLinesTable(T, s.Money, lines, o.Totals))
	if o.Remarks != "" {
		lay.Blocks = append(lay.Blocks, &pdf.Paragraph{Text: pdf.Colon(T("so.remarks")) + o.Remarks})
	}
	lay.Blocks = append(lay.Blocks, pdf.Signatures{T("so.sign_prepared"), T("so.sign_approved"), T("so.sign_customer")})
	return lay
}

// onlineLayout describes the online order's PDF in lang.
func (h *Handler) onlineLayout(l string, p *onlinePage) *pdf.Layout {
	o := p.O
	T := func(k string, args ...any) string { return h.i18n.T(l, k, args...) }
	s := h.settingsIn(l)
	cust := ""
	if p.Customer != nil {
		cust = p.Customer.Code + " " + p.Customer.Name
	}
	printed := h.store.Now()
	lay := &pdf.Layout{Enterprise: s.EnterpriseName, Created: printed, Title: T("oo.doc_title"), Number: o.Number,
		Subtitle: T("status."+string(o.Status)) + " · " + o.OrderDate, Author: s.EnterpriseName,
		Footer: T("common.print_date") + " " + h.printedAt(printed),
		Fields: pdf.Pairs(T("oo.customer"), cust, T("oo.order_date"), o.OrderDate, T("oo.ship_to"), strings.TrimSpace(o.ShipTo.Name+" "+o.ShipTo.Address), T("oo.requested_date"), o.RequestedDate, T("oo.contact"), strings.TrimSpace(o.Contact+" "+o.Phone), T("oo.allow_adjust"), yesNoText(T, o.AllowAdjust), T("oo.remarks"), o.Remarks, T("oo.created_by"), o.CreatedBy)}
	lay.Blocks = append(lay.Blocks, orderLinesTable(T, s.Money, o.Lines, o.Totals))
	return lay
}

// orderLinesTable is the lines table of an order PDF: number, code, name and
// spec, quantity and unit, unit price (tax incl.), tax rate, amount excl.
// tax, tax, amount incl. tax, delivery date; the totals as the last row.
// Only the name wraps; every other column is as wide as its content (see
// pdf.Column), so an amount never breaks and an empty delivery date
// column is as narrow as its title.
func orderLinesTable(T func(string, ...any) string, money func(model.Money) string, lines []model.OrderLine, tot model.Totals) *pdf.Table {
	tb := &pdf.Table{Size: 8, Columns: []pdf.Column{
		{Title: "#", Align: "R"}, {Title: T("line.code"), Align: "L"}, {Title: T("line.name"), Align: "L", Wrap: true},
		{Title: T("line.qty"), Align: "R"}, {Title: T("line.price"), Align: "R"}, {Title: T("line.tax_rate"), Align: "R"},
		{Title: T("line.amount_excl"), Align: "R"}, {Title: T("line.tax"), Align: "R"}, {Title: T("line.amount"), Align: "R"},
		{Title: T("line.delivery"), Align: "C"}}}
	for _, l := range lines {
		name := l.Name
		if l.Spec != "" {
			name += " " + l.Spec
		}
		if l.Remark != "" {
			name += "\n" + l.Remark
		}
		tb.Rows = append(tb.Rows, []string{strconv.Itoa(l.No), l.Code, name, strings.TrimSpace(l.Qty.String() + " " + l.Unit), money(l.Price),
			model.FormatTaxRate(l.TaxRate), money(l.AmountExcl), money(l.Tax), money(l.Amount), l.DeliveryDate})
	}
	tb.Totals = []string{"", "", T("line.total"), tot.Qty.String(), "", "", money(tot.AmountExcl), money(tot.Tax), money(tot.Amount), ""}
	return tb
}
