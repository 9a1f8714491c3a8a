package handlers

import (
	"dealerportal/views/pdf"

	"github.com/gofiber/fiber/v2"
)

// sendShippingPDF renders a printDoc — a shipping document (notice,
// outbound, return, return notice), an invoice, a receipt, or one of
// docs_print.go's — as an A4 PDF through the shared views/pdf layout, in
// the user's language.
func (h *Handler) sendShippingPDF(c *fiber.Ctx, p *printDoc) error {
	out, err := pdf.Render(h.shippingLayout(lang(c), p))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, attachmentDisposition(p.Number+".pdf"))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(out)
}

// shippingLayout describes p's PDF in lang: the print view's header
// fields, lines and totals, the fields after the lines, signature lines.
// Amounts carry the currency symbol (Settings.Money); only the product
// column wraps.
func (h *Handler) shippingLayout(l string, p *printDoc) *pdf.Layout {
	s := h.settingsIn(l)
	T := func(k string) string { return h.i18n.T(l, k) }
	money := s.Money
	printed := h.store.Now()
	lay := &pdf.Layout{Enterprise: s.EnterpriseName, Title: T(p.Title), Number: p.Number, Subtitle: p.Status, Created: printed,
		Footer: T("common.print_date") + " " + h.printedAt(printed), Author: s.EnterpriseName}
	for _, f := range p.Props {
		if f[1] != "" {
			lay.Fields = append(lay.Fields, pdf.Field{Label: T(f[0]), Value: f[1]})
		}
	}
	tbl := &pdf.Table{Columns: []pdf.Column{
		{Title: "#", Align: "R"}, {Title: T("ship.code")}, {Title: T("ship.product"), Wrap: true},
		{Title: T("ship.unit")}, {Title: T("ship.qty"), Align: "R"}, {Title: T("ship.price"), Align: "R"},
		{Title: T("ship.amount_excl"), Align: "R"}, {Title: T("ship.tax"), Align: "R"}, {Title: T("ship.amount"), Align: "R"},
	}}
	for _, ln := range p.Lines {
		name := ln.Name
		if ln.Spec != "" {
			name += " " + ln.Spec
		}
		tbl.Rows = append(tbl.Rows, []string{itoa(uint64(ln.No)), ln.Code, name, ln.Unit, ln.Qty.String(), money(ln.Price),
			money(ln.AmountExcl), money(ln.Tax), money(ln.Amount)})
	}
	tbl.Totals = []string{"", "", T("ship.totals"), "", p.Totals.Qty.String(), "", money(p.Totals.AmountExcl), money(p.Totals.Tax), money(p.Totals.Amount)}
	if !p.NoLines {
		lay.Blocks = append(lay.Blocks, tbl)
	}
	var extra []pdf.Field
	for _, f := range p.Extra {
		if f[1] != "" {
			extra = append(extra, pdf.Field{Label: T(f[0]), Value: f[1]})
		}
	}
	if len(extra) > 0 {
		lay.Blocks = append(lay.Blocks, pdf.Spacer(4), &pdf.Fields{Items: extra, Cols: 1})
	}
	lay.Blocks = append(lay.Blocks, pdf.Spacer(10), pdf.Signatures{T("ship.sign_prepared"), T("ship.sign_received")})
	return lay
}
