package handlers

import (
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Sales outbounds (销售出库单) and red outbounds (红字销售出库单): staff make
// one from a sales order (/outbounds/new?so=), a delivery notice (?dn=) or,
// red, from a return notice (?rn=); it is posted as it is saved. Dealers see
// their outbounds and confirm receipt (到货签收).

func (h *Handler) showOutbounds(c *fiber.Ctx) error { return h.showShipList(c, kindOutbound) }

// outboundForm builds the form of a new outbound from the source the query
// or form names (so, dn or rn), read through the user's scope (404).
func (h *Handler) outboundForm(c *fiber.Ctx, t *store.Tx) (*shipForm, error) {
	sc := h.scope(c)
	f := &shipForm{Action: "/outbounds", Date: t.Today(), Token: h.formToken(c)}
	arg := func(name string) uint64 {
		n, _ := parseUint(c.Query(name, c.FormValue(name)))
		return n
	}
	switch {
	case arg("rn") != 0:
		rn, err := t.ReturnNotice(sc, arg("rn"))
		if err != nil {
			return nil, err
		}
		if err := need(c, model.PermManageOrders); err != nil {
			return nil, err
		}
		if rn.Status != model.StatusAudited {
			return nil, &model.StateError{Action: "receive", Status: string(rn.Status)}
		}
		f.Kind, f.Title, f.Source, f.SourceURL = "red", "ship.new_red", rn.Number, "/return-notices/"+itoa(rn.ID)
		f.Hidden = map[string]string{"rn": itoa(rn.ID)}
		f.Cols = []string{"ship.to_return", "ship.received"}
		f.Customer = custLabels{}.get(t, sc, rn.CustomerID)
		so, err := t.SalesOrder(sc, rn.SalesOrderID)
		if err != nil {
			return nil, err
		}
		for i, l := range rn.Lines {
			fl := formLine{No: l.No, Code: l.Code, Name: l.Name, Spec: l.Spec, Unit: l.Unit, Price: priceInForce(so, l),
				Figures: []model.Qty{l.Qty, l.Qty - rn.ReturnRest(i)}, Limit: rn.ReturnRest(i)}
			if fl.Limit > 0 {
				fl.Value = fl.Limit.String()
			}
			f.Lines = append(f.Lines, fl)
		}
	case arg("dn") != 0:
		dn, err := t.DeliveryNotice(sc, arg("dn"))
		if err != nil {
			return nil, err
		}
		if err := need(c, model.PermManageOrders); err != nil {
			return nil, err
		}
		if dn.Status != model.StatusAudited {
			return nil, &model.StateError{Action: "ship", Status: string(dn.Status)}
		}
		f.Kind, f.Title, f.Source, f.SourceURL = "outbound", "ship.new_outbound", dn.Number, "/delivery-notices/"+itoa(dn.ID)
		f.Hidden = map[string]string{"dn": itoa(dn.ID)}
		f.Cols = []string{"ship.noticed", "ship.shipped"}
		f.Customer = custLabels{}.get(t, sc, dn.CustomerID)
		so, err := t.SalesOrder(sc, dn.SalesOrderID)
		if err != nil {
			return nil, err
		}
		for i, l := range dn.Lines {
			// What the posting allows: the notice's rest, at most what the
			// order line still has open.
			limit := dn.NoticeRest(i)
			if sl := so.LineByNo(l.Source.Line); sl != nil {
				limit = min(limit, sl.OpenQty())
			}
			fl := formLine{No: l.No, Code: l.Code, Name: l.Name, Spec: l.Spec, Unit: l.Unit, Price: priceInForce(so, l),
				Figures: []model.Qty{l.Qty, l.Qty - dn.NoticeRest(i)}, Limit: limit}
			if fl.Limit > 0 {
				fl.Value = fl.Limit.String()
			}
			f.Lines = append(f.Lines, fl)
		}
	default:
		so, err := h.loadSalesOrder(c, t)
		if err != nil {
			return nil, err
		}
		if err := need(c, model.PermManageOrders); err != nil {
			return nil, err
		}
		if so.Status != model.StatusAudited {
			return nil, &model.StateError{Action: "ship", Status: string(so.Status)}
		}
		f = h.noticeForm(c, t, so)
		f.Kind, f.Title, f.Action = "outbound", "ship.new_outbound", "/outbounds"
	}
	return f, nil
}

// priceInForce is the unit price a document made from line l of a notice
// or return notice posts at: its sales order line's price after any change
// request, which the form shows.
func priceInForce(so *model.SalesOrder, l model.OrderLine) model.Money {
	if sl := so.LineByNo(l.Source.Line); sl != nil {
		return sl.Price
	}
	return l.Price
}

func (h *Handler) newOutbound(c *fiber.Ctx) error {
	var f *shipForm
	err := h.read(func(t *store.Tx) (err error) { f, err = h.outboundForm(c, t); return err })
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplShipForm, h.view(c, f.Title, f))
}

// createOutbound posts the outbound once per form token: stock, balances
// and the order's figures move in the same transaction.
func (h *Handler) createOutbound(c *fiber.Ctx) error {
	var f *shipForm
	err := h.read(func(t *store.Tx) (err error) { f, err = h.outboundForm(c, t); return err })
	if err != nil {
		return err
	}
	qty, err := h.readShipForm(c, f)
	if err != nil {
		return h.shipFormError(c, err, f)
	}
	in := store.OutboundInput{PostDate: f.Date, Remarks: f.Remarks, Qty: qty}
	in.SalesOrderID, _ = parseUint(f.Hidden["so"])
	in.DeliveryNoticeID, _ = parseUint(f.Hidden["dn"])
	in.ReturnNoticeID, _ = parseUint(f.Hidden["rn"])
	id, err := h.store.PostOutbound(h.formActor(c), in)
	if err != nil {
		return h.shipFormError(c, err, f)
	}
	h.setFlash(c, "flash.outbound_posted")
	return h.redirect(c, "/outbounds/"+itoa(id))
}

func (h *Handler) loadOutbound(c *fiber.Ctx) (*model.Outbound, error) {
	return loadRouteDoc(h, c, (*store.Tx).Outbound, needOrders)
}

func (h *Handler) outboundPage(c *fiber.Ctx, ob *model.Outbound) (*docPage, error) {
	u := currentUser(c)
	sc := h.scope(c)
	p := &docPage{Doc: ob, Staff: u.IsStaff(), ReceiptURL: "/outbounds/" + itoa(ob.ID) + "/confirm_receipt"}
	p.keepReceiptForm(c)
	p.Receipt = !ob.Red && ob.Receipt == nil && len(model.OutboundMachine.Allowed(ob.Status, u)) > 0
	p.CanReturn = !ob.Red && u.Can(model.PermOrder)
	err := h.read(func(t *store.Tx) error {
		p.Customer = custLabels{}.get(t, sc, ob.CustomerID)
		p.Order, _ = t.SalesOrder(sc, ob.SalesOrderID)
		if ob.DeliveryNoticeID != 0 {
			p.Notice, _ = t.DeliveryNotice(sc, ob.DeliveryNoticeID)
		}
		if ob.ReturnNoticeID != 0 {
			p.RNotice, _ = t.ReturnNotice(sc, ob.ReturnNoticeID)
		}
		return nil
	})
	p.Bar = p.outboundBar(ob)
	return p, err
}

func (h *Handler) showOutbound(c *fiber.Ctx) error {
	ob, err := h.loadOutbound(c)
	if err != nil {
		return err
	}
	p, err := h.outboundPage(c, ob)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplOutboundView, h.view(c, outboundTitle(ob), p))
}

func outboundTitle(ob *model.Outbound) string {
	if ob.Red {
		return "ship.red_outbound"
	}
	return "ship.outbound"
}

// outboundActions: the dealer confirms the receipt of a blue outbound.
func (h *Handler) outboundActions() docKind[*model.Outbound] {
	return docKind[*model.Outbound]{Base: "/outbounds", Load: h.loadOutbound,
		Page: func(c *fiber.Ctx, ob *model.Outbound, _ string) (string, *View, error) {
			p, err := h.outboundPage(c, ob)
			return tplOutboundView, h.view(c, outboundTitle(ob), p), err
		},
		Actions: map[string]docAction[*model.Outbound]{
			"confirm_receipt": {Flash: "flash.receipt_confirmed", Run: func(x *docRun[*model.Outbound]) (uint64, error) {
				return 0, h.store.ConfirmOutboundReceipt(x.Actor, x.ID, x.Version, x.C.FormValue("note"), x.C.FormValue("problems") == "1")
			}},
		}}
}

func (h *Handler) printOutbound(c *fiber.Ctx) error {
	ob, err := h.loadOutbound(c)
	if err != nil {
		return err
	}
	l := lang(c)
	p := &printDoc{Title: outboundTitle(ob), Number: ob.Number, Status: h.i18n.T(l, "status."+string(ob.Status)), Lines: ob.Lines, Totals: ob.Totals}
	err = h.read(func(t *store.Tx) error {
		sc := h.scope(c)
		p.Props = [][2]string{{"ship.customer", custLabels{}.get(t, sc, ob.CustomerID)},
			{"ship.sales_order", orderNumber(t, ob.SalesOrderID)}, {"ship.post_date", ob.PostDate}}
		if ob.DeliveryNoticeID != 0 {
			if d, err := t.DeliveryNotice(sc, ob.DeliveryNoticeID); err == nil {
				p.Props = append(p.Props, [2]string{"ship.notice", d.Number}, [2]string{"ship.tracking_no", strings.TrimSpace(d.Carrier + " " + d.TrackingNo)})
			}
		}
		if ob.ReturnNoticeID != 0 {
			if r, err := t.ReturnNotice(sc, ob.ReturnNoticeID); err == nil {
				p.Props = append(p.Props, [2]string{"ship.return_notice", r.Number})
			}
		}
		p.Props = append(p.Props, [2]string{"ship.remarks", ob.Remarks})
		return nil
	})
	if err != nil {
		return err
	}
	p.Extra = receiptProps(h, l, ob.Receipt, h.store.Settings())
	return h.showPrint(c, p)
}
