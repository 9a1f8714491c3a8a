package handlers

import (
	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Returns (退货): dealers make online returns (网上退货单) from an audited
// sales order (/returns/new?so=) or an outbound (?ob=), submit them, edit or
// delete them per the allow-adjustment rule; staff reject / unreject them or
// generate the return notice (退货通知单), or issue a return notice directly
// (/return-notices/new?so=); red outbounds receive the goods.

func (h *Handler) showReturns(c *fiber.Ctx) error { return h.showShipList(c, kindReturn) }

func (h *Handler) showReturnNotices(c *fiber.Ctx) error {
	return h.showShipList(c, kindReturnNotice)
}

// returnForm builds the form of an online return (staffNotice false) or a
// direct return notice from its source, read through the user's scope: the
// source's lines with shipped, returned and claimed quantities and the
// returnable limit. r is the return being edited (nil for a new one): its
// own claims count as returnable again and its quantities are shown.
func (h *Handler) returnForm(c *fiber.Ctx, t *store.Tx, soID, obID uint64, r *model.OnlineReturn, notice bool) (*shipForm, error) {
	sc := h.scope(c)
	f := &shipForm{Kind: "return", Action: "/returns", Title: "ship.new_return", Date: t.Today(), Token: h.formToken(c),
		Cols: []string{"ship.shipped", "ship.returned", "ship.claimed"}, Hidden: map[string]string{}}
	if notice {
		f.Kind, f.Action, f.Title = "return_notice", "/return-notices", "ship.new_return_notice"
	}
	var ob *model.Outbound
	if obID != 0 {
		var err error
		if ob, err = t.Outbound(sc, obID); err != nil {
			return nil, err
		}
		if ob.Red {
			return nil, fiber.ErrNotFound
		}
		soID = ob.SalesOrderID
		f.Hidden["ob"], f.Source, f.SourceURL = itoa(ob.ID), ob.Number, "/outbounds/"+itoa(ob.ID)
	}
	so, err := t.SalesOrder(sc, soID)
	if err != nil {
		return nil, err
	}
	if so.Status != model.StatusAudited && so.Status != model.StatusClosed {
		return nil, &model.StateError{Action: "return", Status: string(so.Status)}
	}
	if ob == nil {
		f.Hidden["so"], f.Source, f.SourceURL = itoa(so.ID), so.Number, "/tracking/sales-orders/"+itoa(so.ID)
	}
	f.Customer, f.CustomerID = custLabels{}.get(t, sc, so.CustomerID), so.CustomerID
	// An edited return's own claim is returnable again for it.
	own := map[int]model.Qty{}
	if r != nil {
		for _, l := range r.Lines {
			own[l.Source.Line] += l.Qty
		}
		f.Edit, f.Version, f.Action, f.Title = true, r.Version, "/returns/"+itoa(r.ID), "ship.edit_return"
		f.Date, f.Reason, f.Remarks, f.AllowAdjust = r.ReturnDate, r.Reason, r.Remarks, r.AllowAdjust
	}
	add := func(no int, l *model.SalesOrderLine, cap model.Qty) {
		fl := formLine{No: no, Code: l.Code, Name: l.Name, Spec: l.Spec, Unit: l.Unit, Price: l.Price,
			Figures: []model.Qty{l.ShippedQty + l.ReturnedQty, l.ReturnedQty, l.ClaimedQty - own[l.No]},
			Limit:   min(cap, l.ReturnableQty()+own[l.No])}
		if q := own[l.No]; q > 0 {
			fl.Value = q.String()
		}
		f.Lines = append(f.Lines, fl)
	}
	if ob != nil {
		for _, obl := range ob.Lines {
			if l := so.LineByNo(obl.Source.Line); l != nil {
				add(obl.No, l, obl.Qty)
			}
		}
	} else {
		for i := range so.Lines {
			add(so.Lines[i].No, &so.Lines[i], so.Lines[i].Qty)
		}
	}
	return f, nil
}

// sourceArgs reads the so / ob arguments of a return form.
func sourceArgs(c *fiber.Ctx) (so, ob uint64) {
	so, _ = parseUint(c.Query("so", c.FormValue("so")))
	ob, _ = parseUint(c.Query("ob", c.FormValue("ob")))
	if so == 0 && ob == 0 {
		return 0, 0
	}
	return so, ob
}

func (h *Handler) newReturn(c *fiber.Ctx) error {
	so, ob := sourceArgs(c)
	if so == 0 && ob == 0 {
		return fiber.ErrNotFound
	}
	var f *shipForm
	err := h.read(func(t *store.Tx) (err error) {
		if f, err = h.returnForm(c, t, so, ob, nil, false); err != nil {
			return err
		}
		return need(c, model.PermOrder)
	})
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplShipForm, h.view(c, f.Title, f))
}

func returnInput(f *shipForm, qty map[int]model.Qty) store.ReturnInput {
	in := store.ReturnInput{Date: f.Date, Reason: f.Reason, Remarks: f.Remarks, AllowAdjust: f.AllowAdjust, Qty: qty}
	in.SalesOrderID, _ = parseUint(f.Hidden["so"])
	in.OutboundID, _ = parseUint(f.Hidden["ob"])
	return in
}

// createReturn saves the dealer's online return (submitted at once with
// submit=1) once per form token.
func (h *Handler) createReturn(c *fiber.Ctx) error {
	so, ob := sourceArgs(c)
	if so == 0 && ob == 0 {
		return fiber.ErrNotFound
	}
	var f *shipForm
	err := h.read(func(t *store.Tx) (err error) {
		f, err = h.returnForm(c, t, so, ob, nil, false)
		return err
	})
	if err != nil {
		return err
	}
	if err := need(c, model.PermOrder); err != nil {
		return err
	}
	if !model.CanCreateOnlineReturn(currentUser(c), f.CustomerID) {
		return model.ErrNotAllowed
	}
	qty, err := h.readShipForm(c, f)
	if err != nil {
		return h.shipFormError(c, err, f)
	}
	id, err := h.store.CreateOnlineReturn(h.formActor(c), returnInput(f, qty), c.FormValue("submit") == "1")
	if err != nil {
		return h.shipFormError(c, err, f)
	}
	h.setFlash(c, "flash.return_saved")
	return h.redirect(c, "/returns/"+itoa(id))
}

func (h *Handler) loadReturn(c *fiber.Ctx) (*model.OnlineReturn, error) {
	return loadRouteDoc(h, c, (*store.Tx).OnlineReturn, needOrders)
}

func (h *Handler) returnPage(c *fiber.Ctx, r *model.OnlineReturn) (*docPage, error) {
	u := currentUser(c)
	sc := h.scope(c)
	p := &docPage{Doc: r, Staff: u.IsStaff(), CanEdit: model.CanEditOnlineReturn(r, u)}
	for _, a := range model.OnlineReturnMachine.Allowed(r.Status, u) {
		if a != "submit" || p.CanEdit {
			p.Actions = append(p.Actions, a)
		}
	}
	err := h.read(func(t *store.Tx) error {
		p.Customer = custLabels{}.get(t, sc, r.CustomerID)
		p.Order, _ = t.SalesOrder(sc, r.SalesOrderID)
		if r.NoticeID != 0 {
			p.RNotice, _ = t.ReturnNotice(sc, r.NoticeID)
		}
		return nil
	})
	p.Bar = p.returnBar(r)
	return p, err
}

func (h *Handler) showReturn(c *fiber.Ctx) error {
	r, err := h.loadReturn(c)
	if err != nil {
		return err
	}
	p, err := h.returnPage(c, r)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplReturnView, h.view(c, "ship.return", p))
}

func (h *Handler) editReturn(c *fiber.Ctx) error {
	r, err := h.loadReturn(c)
	if err != nil {
		return err
	}
	if !model.CanEditOnlineReturn(r, currentUser(c)) {
		return model.ErrNotAllowed
	}
	var f *shipForm
	err = h.read(func(t *store.Tx) (err error) {
		f, err = h.returnForm(c, t, r.SalesOrderID, r.OutboundID, r, false)
		return err
	})
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplShipForm, h.view(c, f.Title, f))
}

// updateReturn saves an edited online return with the version the user
// loaded (a conflict otherwise); submit=1 also submits a draft.
func (h *Handler) updateReturn(c *fiber.Ctx) error {
	r, err := h.loadReturn(c)
	if err != nil {
		return err
	}
	if !model.CanEditOnlineReturn(r, currentUser(c)) {
		return model.ErrNotAllowed
	}
	var f *shipForm
	err = h.read(func(t *store.Tx) (err error) {
		f, err = h.returnForm(c, t, r.SalesOrderID, r.OutboundID, r, false)
		return err
	})
	if err != nil {
		return err
	}
	h.readHeader(c, f)
	f.Version = formUint(c, "version")
	ve := &model.ValidationError{}
	qty := readLineQtys(c, f, ve)
	if err := ve.Err(); err != nil {
		return h.shipFormError(c, err, f)
	}
	a := h.formActor(c)
	a.Once = ""
	if err := h.store.SaveOnlineReturn(a, r.ID, f.Version, returnInput(f, qty), c.FormValue("submit") == "1"); err != nil {
		return h.shipFormError(c, err, f)
	}
	h.setFlash(c, "flash.return_saved")
	return h.redirect(c, "/returns/"+itoa(r.ID))
}

// returnActions: the dealer submits or deletes a draft online return;
// staff reject it with a reason, unreject it, or convert it (the return
// notice it generates is shown next).
func (h *Handler) returnActions() docKind[*model.OnlineReturn] {
	act := func(x *docRun[*model.OnlineReturn]) (uint64, error) {
		u := x.Actor.User
		if x.Action == "submit" && u.Kind == model.KindDealer && !model.CanEditOnlineReturn(x.Doc, u) {
			return 0, model.ErrNotAllowed
		}
		return h.store.ActOnOnlineReturn(x.Actor, x.ID, x.Version, x.Action, x.Reason())
	}
	// After convert the browser shows the return notice it made.
	next := func(_ *fiber.Ctx, id, notice uint64) string {
		if notice != 0 {
			return "/return-notices/" + itoa(notice)
		}
		return "/returns/" + itoa(id)
	}
	return docKind[*model.OnlineReturn]{Base: "/returns", Load: h.loadReturn,
		Page: docPageOf(h, tplReturnView, "ship.return", h.returnPage),
		Actions: map[string]docAction[*model.OnlineReturn]{
			"submit": {Flash: "flash.return_submitted", Run: act, Next: next}, "reject": {Flash: "flash.return_rejected", Run: act, Next: next},
			"unreject": {Flash: "flash.return_unrejected", Run: act, Next: next}, "convert": {Flash: "flash.return_converted", Run: act, Next: next},
			"delete": {Flash: "flash.deleted", Next: func(*fiber.Ctx, uint64, uint64) string { return "/returns" },
				Run: func(x *docRun[*model.OnlineReturn]) (uint64, error) {
					if !model.CanDeleteOnlineReturn(x.Doc, x.Actor.User) {
						return 0, model.ErrNotAllowed
					}
					return 0, h.store.RemoveOnlineReturn(x.Actor, x.ID, x.Version)
				}},
		}}
}

func (h *Handler) printReturn(c *fiber.Ctx) error {
	r, err := h.loadReturn(c)
	if err != nil {
		return err
	}
	l := lang(c)
	p := &printDoc{Title: "ship.return", Number: r.Number, Status: h.i18n.T(l, "status."+string(r.Status)), Lines: r.Lines, Totals: r.Totals}
	err = h.read(func(t *store.Tx) error {
		p.Props = [][2]string{{"ship.customer", custLabels{}.get(t, h.scope(c), r.CustomerID)},
			{"ship.sales_order", orderNumber(t, r.SalesOrderID)}, {"ship.return_date", r.ReturnDate},
			{"ship.reason", r.Reason}, {"ship.remarks", r.Remarks}, {"ship.reject_reason", r.RejectReason}}
		return nil
	})
	if err != nil {
		return err
	}
	return h.showPrint(c, p)
}

// ---- return notices ----

func (h *Handler) newReturnNotice(c *fiber.Ctx) error {
	so, _ := sourceArgs(c)
	if so == 0 {
		return fiber.ErrNotFound
	}
	var f *shipForm
	err := h.read(func(t *store.Tx) (err error) {
		if f, err = h.returnForm(c, t, so, 0, nil, true); err != nil {
			return err
		}
		return need(c, model.PermManageOrders)
	})
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplShipForm, h.view(c, f.Title, f))
}

// createReturnNotice issues a return notice directly (without an online
// return) once per form token.
func (h *Handler) createReturnNotice(c *fiber.Ctx) error {
	so, _ := sourceArgs(c)
	if so == 0 {
		return fiber.ErrNotFound
	}
	var f *shipForm
	err := h.read(func(t *store.Tx) (err error) {
		f, err = h.returnForm(c, t, so, 0, nil, true)
		return err
	})
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageOrders); err != nil {
		return err
	}
	qty, err := h.readShipForm(c, f)
	if err != nil {
		return h.shipFormError(c, err, f)
	}
	id, err := h.store.CreateReturnNotice(h.formActor(c), returnInput(f, qty))
	if err != nil {
		return h.shipFormError(c, err, f)
	}
	h.setFlash(c, "flash.return_notice_created")
	return h.redirect(c, "/return-notices/"+itoa(id))
}

func (h *Handler) loadReturnNotice(c *fiber.Ctx) (*model.ReturnNotice, error) {
	return loadRouteDoc(h, c, (*store.Tx).ReturnNotice, needOrders)
}

func (h *Handler) returnNoticePage(c *fiber.Ctx, r *model.ReturnNotice) (*docPage, error) {
	u := currentUser(c)
	sc := h.scope(c)
	p := &docPage{Doc: r, Staff: u.IsStaff(), Actions: model.ReturnNoticeMachine.Allowed(r.Status, u)}
	p.CanShip = r.Status == model.StatusAudited && u.Can(model.PermManageOrders)
	for i := range r.Lines {
		p.Rest = append(p.Rest, r.ReturnRest(i))
	}
	err := h.read(func(t *store.Tx) error {
		p.Outbounds = nil // fn may run again (Store.View)
		p.Customer = custLabels{}.get(t, sc, r.CustomerID)
		p.Order, _ = t.SalesOrder(sc, r.SalesOrderID)
		for _, id := range t.SalesOrderLinks(r.SalesOrderID, model.DocOutbound) {
			if ob, err := t.Outbound(sc, id); err == nil && ob.ReturnNoticeID == r.ID {
				p.Outbounds = append(p.Outbounds, ob)
			}
		}
		return nil
	})
	p.Bar = p.returnNoticeBar(r)
	return p, err
}

func (h *Handler) showReturnNotice(c *fiber.Ctx) error {
	r, err := h.loadReturnNotice(c)
	if err != nil {
		return err
	}
	p, err := h.returnNoticePage(c, r)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplRNView, h.view(c, "ship.return_notice", p))
}

// returnNoticeActions: staff close a return notice early (the unreceived
// rest stops being claimed).
func (h *Handler) returnNoticeActions() docKind[*model.ReturnNotice] {
	return docKind[*model.ReturnNotice]{Base: "/return-notices", Load: h.loadReturnNotice,
		Page: docPageOf(h, tplRNView, "ship.return_notice", h.returnNoticePage),
		Actions: map[string]docAction[*model.ReturnNotice]{
			"close": {Flash: "flash.return_notice_closed", Run: func(x *docRun[*model.ReturnNotice]) (uint64, error) {
				return 0, h.store.CloseReturnNotice(x.Actor, x.ID, x.Version, x.Reason())
			}},
		}}
}

func (h *Handler) printReturnNotice(c *fiber.Ctx) error {
	r, err := h.loadReturnNotice(c)
	if err != nil {
		return err
	}
	l := lang(c)
	p := &printDoc{Title: "ship.return_notice", Number: r.Number, Status: h.i18n.T(l, "status."+string(r.Status)), Lines: r.Lines, Totals: r.Totals}
	err = h.read(func(t *store.Tx) error {
		p.Props = [][2]string{{"ship.customer", custLabels{}.get(t, h.scope(c), r.CustomerID)},
			{"ship.sales_order", orderNumber(t, r.SalesOrderID)}, {"ship.notice_date", r.NoticeDate}, {"ship.reason", r.Reason}}
		return nil
	})
	if err != nil {
		return err
	}
	return h.showPrint(c, p)
}
