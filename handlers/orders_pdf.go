package handlers

import (
	"strconv"
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

// orderLinesTable is the lines table of an order PDF: number, code, name and
// spec, quantity and unit, unit price (tax incl.), tax rate, amount excl.
// tax, tax, amount incl. tax, delivery date; the totals as the last row.
func orderLinesTable(T func(string, ...any) string, money func(model.Money) string, lines []model.OrderLine, tot model.Totals) *pdf.Table {
	tb := &pdf.Table{Size: 8, Columns: []pdf.Column{
		{Title: "#", Width: 0.35, Align: "R"}, {Title: T("line.code"), Width: 1.1, Align: "L"}, {Title: T("line.name"), Width: 2.3, Align: "L"},
		{Title: T("line.qty"), Width: 0.8, Align: "R"}, {Title: T("line.price"), Width: 1.05, Align: "R"}, {Title: T("line.tax_rate"), Width: 0.6, Align: "R"},
		{Title: T("line.amount_excl"), Width: 1.05, Align: "R"}, {Title: T("line.tax"), Width: 0.9, Align: "R"}, {Title: T("line.amount"), Width: 1.05, Align: "R"},
		{Title: T("line.delivery"), Width: 1.15, Align: "C"}}}
	for _, l := range lines {
		name := l.Name
		if l.Spec != "" {
			name += " " + l.Spec
		}
		if l.Remark != "" {
			name += "\n" + l.Remark
		}
		tb.Rows = append(tb.Rows, []string{strconv.Itoa(l.No), l.Code, name, l.Qty.String() + " " + l.Unit, money(l.Price),
			model.FormatTaxRate(l.TaxRate), money(l.AmountExcl), money(l.Tax), money(l.Amount), l.DeliveryDate})
	}
	tb.Totals = []string{"", "", T("line.total"), tot.Qty.String(), "", "", money(tot.AmountExcl), money(tot.Tax), money(tot.Amount), ""}
	return tb
}
