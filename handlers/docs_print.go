package handlers

import (
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Print views and PDFs (SPEC §5: "every document: print view and PDF") of
// the documents outside shipping and reconciliation: change requests,
// opportunities, complaints, service requests, stocktakes and announcements.
// Each is laid out as a printDoc and goes through the shared print view
// (showPrint, shipping/print in layouts/print) or the shared PDF
// (sendShippingPDF, views/pdf). Every document is loaded through its loader
// with the caller's scope first: out of scope is a 404. A complaint is only
// printed for its complainant's users and staff (the store's scope); the
// accused dealer's handling notice (/complaint-notices) has no print view.

// printRoutes registers base+"/:id/print" (the print view, or the PDF with
// ?format=pdf like the shipping documents) and base+"/:id/pdf".
func (h *Handler) printRoutes(r fiber.Router, base string, build func(*fiber.Ctx) (*printDoc, error)) {
	r.Get(base+"/:id/print", func(c *fiber.Ctx) error {
		p, err := build(c)
		if err != nil {
			return err
		}
		return h.showPrint(c, p)
	})
	r.Get(base+"/:id/pdf", func(c *fiber.Ctx) error {
		p, err := build(c)
		if err != nil {
			return err
		}
		return h.sendShippingPDF(c, p)
	})
}

// productText is a product reference as one line: code, name, spec.
func productText(p model.ProductRef) string {
	return strings.TrimSpace(strings.Join([]string{p.Code, p.Name, p.Spec}, " "))
}

// refLine is a channel document's product line as a print line.
func refLine(no int, p model.ProductRef, q model.Qty, price, amount model.Money) model.OrderLine {
	return model.OrderLine{No: no, Code: p.Code, Name: p.Name, Spec: p.Spec, Unit: p.Unit, Qty: q, Price: price,
		AmountExcl: amount, Amount: amount}
}

func (h *Handler) changeRequestPrint(c *fiber.Ctx) (*printDoc, error) {
	r, err := h.loadChangeRequest(c)
	if err != nil {
		return nil, err
	}
	so, err := h.changeOrder(r)
	if err != nil {
		return nil, err
	}
	l := lang(c)
	s := h.store.Settings()
	p := &printDoc{Title: "cr.view", Number: r.Number, Status: h.i18n.T(l, "status."+string(r.Status))}
	err = h.read(func(t *store.Tx) error {
		p.Props = [][2]string{{"cr.customer", custLabels{}.get(t, h.scope(c), r.CustomerID)}, {"cr.sales_order", so.Number},
			{"cr.request_date", r.RequestDate}, {"cr.reason", r.Reason}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The lines as the request makes them, the old values after the table.
	for _, cl := range r.Lines {
		ol := so.LineByNo(cl.Line)
		if ol == nil {
			continue
		}
		ln := ol.OrderLine
		oldQty, oldPrice, oldDelivery := ln.Qty, ln.Price, ln.DeliveryDate
		if r.Status == model.StatusEffective {
			oldQty, oldPrice, oldDelivery = cl.OldQty, cl.OldPrice, cl.OldDelivery
		}
		ln.Qty, ln.Price, ln.DeliveryDate = oldQty, oldPrice, oldDelivery
		var chg []string
		if cl.NewQty != nil {
			ln.Qty = *cl.NewQty
			chg = append(chg, h.i18n.T(l, "cr.old_qty")+" "+oldQty.String()+" → "+cl.NewQty.String())
		}
		if cl.NewPrice != nil {
			ln.Price = *cl.NewPrice
			chg = append(chg, h.i18n.T(l, "cr.old_price")+" "+s.Money(oldPrice)+" → "+s.Money(*cl.NewPrice))
		}
		if cl.NewDelivery != "" {
			ln.DeliveryDate = cl.NewDelivery
			chg = append(chg, h.i18n.T(l, "cr.old_delivery")+" "+oldDelivery+" → "+cl.NewDelivery)
		}
		ln.Compute()
		p.Lines = append(p.Lines, ln)
		p.Extra = append(p.Extra, [2]string{"cr.change", "#" + itoa(uint64(ln.No)) + " " + ln.Code + ": " + strings.Join(chg, "; ")})
	}
	tot, err := model.SumLines(p.Lines)
	if err != nil {
		return nil, err
	}
	p.Totals = tot
	if r.RejectReason != "" {
		p.Extra = append(p.Extra, [2]string{"action.reject", r.RejectReason})
	}
	return p, nil
}

func (h *Handler) opportunityPrint(c *fiber.Ctx) (*printDoc, error) {
	o, err := h.loadOpportunity(c)
	if err != nil {
		return nil, err
	}
	l := lang(c)
	s := h.store.Settings()
	p := &printDoc{Title: "opp.view", Number: o.Number, Status: h.i18n.T(l, "status."+string(o.Status))}
	err = h.read(func(t *store.Tx) error {
		p.Props = [][2]string{{"ch.customer", custLabels{}.get(t, h.scope(c), o.CustomerID)}, {"opp.report_date", o.ReportDate},
			{"opp.project", o.Project}, {"opp.end_client", o.EndClient}, {"opp.region", o.Region},
			{"opp.stage", h.i18n.T(l, "opp.stage."+o.Stage)}, {"opp.expected_amount", s.Money(o.ExpectedAmount)},
			{"opp.expected_close", o.ExpectedClose}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, ln := range o.Lines {
		p.Lines = append(p.Lines, refLine(ln.No, ln.ProductRef, ln.Qty, ln.Price, ln.Amount))
		p.Totals.Qty += ln.Qty
		p.Totals.AmountExcl += ln.Amount
		p.Totals.Amount += ln.Amount
	}
	p.Extra = [][2]string{{"opp.description", o.Description}}
	if e := o.Evaluation; e != nil {
		p.Extra = append(p.Extra, [2]string{"opp.verdict", h.i18n.T(l, "opp.verdict."+e.Verdict)},
			[2]string{"opp.protection_end", e.ProtectionEnd}, [2]string{"opp.comments", e.Comments},
			[2]string{"opp.evaluated_by", strings.TrimSpace(e.By + " " + e.At)})
		if e.Verdict == "accepted" {
			p.Extra = append(p.Extra, [2]string{"opp.win_probability", itoa(uint64(e.WinProbability)) + "%"})
		}
	}
	return p, nil
}

func (h *Handler) complaintPrint(c *fiber.Ctx) (*printDoc, error) {
	cp, err := h.loadComplaint(c)
	if err != nil {
		return nil, err
	}
	l := lang(c)
	s := h.store.Settings()
	p := &printDoc{Title: "cp.view", Number: cp.Number, Status: h.i18n.T(l, "status."+string(cp.Status)), NoLines: true}
	err = h.read(func(t *store.Tx) error {
		sc := h.scope(c)
		accused := cp.AccusedName
		if cp.AccusedID != 0 {
			if a := (custLabels{}).get(t, sc, cp.AccusedID); a != "" {
				accused = a
			}
		}
		product := productText(cp.Product)
		if product == "" {
			product = cp.ProductText
		}
		p.Props = [][2]string{{"cp.complainant", custLabels{}.get(t, sc, cp.CustomerID)}, {"cp.filed_date", cp.FiledDate},
			{"cp.accused", accused}, {"cp.territory", cp.Territory}, {"ch.product", product}, {"cp.trace_codes", cp.TraceCodes},
			{"cp.place_found", cp.PlaceFound}, {"ch.qty", cp.Qty.String()}, {"cp.price_seen", s.Money(cp.PriceSeen)},
			{"cp.date_found", cp.DateFound}}
		p.Extra = [][2]string{{"cp.description", cp.Description}}
		if hd := cp.Handling; hd != nil {
			p.Extra = append(p.Extra, [2]string{"cp.findings", hd.Findings})
			if hd.ResponsibleID != 0 {
				p.Extra = append(p.Extra, [2]string{"cp.responsible", custLabels{}.get(t, sc, hd.ResponsibleID)})
			}
			p.Extra = append(p.Extra, [2]string{"cp.penalty", s.Money(hd.Penalty)},
				[2]string{"cp.compensation", s.Money(hd.Compensation)},
				[2]string{"cp.recall_deadline", hd.RecallDeadline}, [2]string{"cp.resolution", hd.Resolution},
				[2]string{"cp.handled_by", strings.TrimSpace(hd.By + " " + hd.At)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (h *Handler) serviceRequestPrint(c *fiber.Ctx) (*printDoc, error) {
	r, err := h.loadServiceRequest(c)
	if err != nil {
		return nil, err
	}
	l := lang(c)
	p := &printDoc{Title: "sr.view", Number: r.Number, Status: h.i18n.T(l, "status."+string(r.Status)), NoLines: true}
	err = h.read(func(t *store.Tx) error {
		p.Props = [][2]string{{"ch.customer", custLabels{}.get(t, h.scope(c), r.CustomerID)}, {"sr.request_date", r.RequestDate},
			{"sr.contact", r.Contact}, {"sr.phone", r.Phone}, {"ch.product", productText(r.Product)}, {"sr.serial", r.Serial},
			{"sr.problem_type", h.i18n.T(l, "sr.problem."+r.ProblemType)}, {"sr.priority", h.i18n.T(l, "sr.priority."+r.Priority)},
			{"sr.handler", r.HandlerName}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.Extra = [][2]string{{"sr.description", r.Description}, {"sr.solution", r.Solution}}
	return p, nil
}

func (h *Handler) stocktakePrint(c *fiber.Ctx) (*printDoc, error) {
	st, err := h.loadStocktake(c)
	if err != nil {
		return nil, err
	}
	l := lang(c)
	p := &printDoc{Title: "st.view", Number: st.Number, Status: h.i18n.T(l, "status."+string(st.Status))}
	source := st.Source
	if source == "screen" {
		source = h.i18n.T(l, "st.source_screen")
	}
	err = h.read(func(t *store.Tx) error {
		p.Props = [][2]string{{"ch.customer", custLabels{}.get(t, h.scope(c), st.CustomerID)}, {"st.date", st.Date},
			{"st.source", source}, {"st.remarks", st.Remarks}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, ln := range st.Lines {
		p.Lines = append(p.Lines, refLine(ln.No, ln.ProductRef, ln.Qty, 0, 0))
	}
	p.Totals.Qty = st.TotalQty()
	return p, nil
}

func (h *Handler) announcementPrint(c *fiber.Ctx) (*printDoc, error) {
	a, err := h.loadAnnouncement(c)
	if err != nil {
		return nil, err
	}
	l := lang(c)
	loc := h.store.Zone()
	p := &printDoc{Title: "announcements.view", Number: a.Number, Status: h.i18n.T(l, "announcement.state."+string(a.Status)), NoLines: true}
	p.Props = [][2]string{{"announcement.title", a.Title}, {"announcement.effective_from", a.EffectiveFrom.In(loc).Format("2006-01-02 15:04")}}
	if !a.ExpiresAt.IsZero() {
		p.Props = append(p.Props, [2]string{"announcement.expires_at", a.ExpiresAt.In(loc).Format("2006-01-02 15:04")})
	}
	if currentUser(c).IsStaff() {
		var audience string
		err = h.read(func(t *store.Tx) error {
			audience = h.audienceText(t, h.scope(c), l, a.Audience)
			return nil
		})
		if err != nil {
			return nil, err
		}
		p.Props = append(p.Props, [2]string{"announcement.audience", audience})
	}
	p.Extra = [][2]string{{"announcement.body", a.Body}}
	return p, nil
}
