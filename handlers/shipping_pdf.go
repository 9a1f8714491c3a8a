package handlers

import (
	"dealerportal/views/pdf"

	"github.com/gofiber/fiber/v2"
)

// sendShippingPDF renders a shipping document (notice, outbound, return,
// return notice) as an A4 PDF through the shared views/pdf layout: the
// print view's header fields, lines and totals, in the user's language.
func (h *Handler) sendShippingPDF(c *fiber.Ctx, p *printDoc) error {
	l := lang(c)
	s := h.store.Settings()
	T := func(k string) string { return h.i18n.T(l, k) }
	printed := h.store.Now()
	lay := &pdf.Layout{Enterprise: s.EnterpriseName, Title: T(p.Title), Number: p.Number, Subtitle: p.Status, Created: printed,
		Footer: T("common.print_date") + " " + h.printedAt(printed), Author: s.EnterpriseName}
	for _, f := range p.Props {
		if f[1] != "" {
			lay.Fields = append(lay.Fields, pdf.Field{Label: T(f[0]), Value: f[1]})
		}
	}
	tbl := &pdf.Table{Columns: []pdf.Column{
		{Title: "#", Width: 4, Align: "R"}, {Title: T("ship.code"), Width: 12}, {Title: T("ship.product"), Width: 26},
		{Title: T("ship.unit"), Width: 6}, {Title: T("ship.qty"), Width: 9, Align: "R"}, {Title: T("ship.price"), Width: 11, Align: "R"},
		{Title: T("ship.amount_excl"), Width: 12, Align: "R"}, {Title: T("ship.tax"), Width: 10, Align: "R"}, {Title: T("ship.amount"), Width: 12, Align: "R"},
	}}
	for _, ln := range p.Lines {
		name := ln.Name
		if ln.Spec != "" {
			name += " " + ln.Spec
		}
		tbl.Rows = append(tbl.Rows, []string{itoa(uint64(ln.No)), ln.Code, name, ln.Unit, ln.Qty.String(), ln.Price.String(),
			ln.AmountExcl.String(), ln.Tax.String(), ln.Amount.String()})
	}
	tbl.Totals = []string{"", T("ship.totals"), "", "", p.Totals.Qty.String(), "", p.Totals.AmountExcl.String(), p.Totals.Tax.String(), p.Totals.Amount.String()}
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
	out, err := pdf.Render(lay)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, attachmentDisposition(p.Number+".pdf"))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(out)
}
