package handlers

import (
	"strconv"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplChangeList = "orders/change_list"
	tplChangeForm = "orders/change_form"
	tplChangeView = "orders/change_view"
)

// Sales order change requests (销售订单变更申请): from an audited sales order
// (/sales-orders/:id/change-requests/new, routes in salesorders.go) a dealer
// or staff propose per line a new quantity, price and/or delivery date;
// staff make it effective (written back to the order) or reject it.
func (h *Handler) registerChangeRequests(r fiber.Router) {
	r.Get("/change-requests", h.showChangeRequests)
	r.Get("/change-requests/:id", h.showChangeRequest)
	r.Get("/change-requests/:id/edit", h.editChangeRequest)
	h.printRoutes(r, "/change-requests", h.changeRequestPrint)
	r.Post("/change-requests/:id", h.updateChangeRequest)
	registerDocActions(h, r, h.changeRequestActions())
}

var changeStatuses = []model.Status{model.StatusDraft, model.StatusSubmitted, model.StatusEffective, model.StatusRejected}

func (h *Handler) showChangeRequests(c *fiber.Ctx) error {
	if err := needOrders(c); err != nil {
		return err
	}
	sc := h.scope(c)
	q := parseListQuery(c)
	d := &docListData{Statuses: changeStatuses, Staff: sc.IsStaff()}
	var rows []model.DocSummary
	err := h.read(func(t *store.Tx) error {
		f, ok := h.docFilter(t, sc, q)
		total := 0
		if ok {
			var err error
			if rows, total, err = t.ListDocs(sc, model.DocChangeRequest, f, q.Page()); err != nil {
				return err
			}
		}
		d.Customers = docCustomers(t, sc, rows)
		d.Extra = map[uint64]string{}
		for _, r := range rows {
			if cr, err := t.ChangeRequest(sc, r.ID); err == nil {
				d.Extra[r.ID] = cr.SalesOrderNo
			}
		}
		d.List = List{Rows: rows, Query: q, Pager: q.KeysetPager(total, len(rows), lastID(rows))}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		l := lang(c)
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			out = append(out, []string{r.Number, r.Date, d.Customers[r.CustomerID], d.Extra[r.ID], h.i18n.T(l, "status."+string(r.Status))})
		}
		return h.export(c, q.Export, "change-requests", []exportCol{
			{"cr.number", colText}, {"cr.request_date", colDate}, {"cr.customer", colText}, {"cr.sales_order", colText},
			{"cr.status", colText},
		}, out)
	}
	v := h.view(c, "cr.title", d)
	d.RowsHTML = docRowsHTML(v, changeCols(v, d), rows)
	return h.render(c, fiber.StatusOK, tplChangeList, v)
}

// changeCols are the change-request list's columns (docrows.go).
func changeCols(v *View, d *docListData) []docCol {
	return []docCol{
		{label: "cr.number", cell: docLink("/change-requests/")},
		{label: "cr.request_date", class: "tabular", cell: docDate},
		docCustomerCol("cr.customer", d.Staff, d.Customers),
		{label: "cr.sales_order", cell: func(r *model.DocSummary) string { return esc(d.Extra[r.ID]) }},
		{label: "cr.status", cell: docStatusBadge(v)},
	}
}

// changeRow is one sales order line on the change form: the line as it is,
// whether it is part of the request and the new values typed.
type changeRow struct {
	Line                          *model.SalesOrderLine
	Index                         int
	On                            bool
	NewQty, NewPrice, NewDelivery string
}

type changeForm struct {
	R     *model.ChangeRequest
	SO    *model.SalesOrder
	Rows  []changeRow
	Token string
}

func (h *Handler) changeFormView(c *fiber.Ctx, r *model.ChangeRequest, so *model.SalesOrder, posted bool) *View {
	d := &changeForm{R: r, SO: so, Token: h.formToken(c)}
	for i := range so.Lines {
		l := &so.Lines[i]
		row := changeRow{Line: l, Index: i}
		for _, cl := range r.Lines {
			if cl.Line == l.No {
				row.On = true
				if cl.NewQty != nil {
					row.NewQty = cl.NewQty.String()
				}
				if cl.NewPrice != nil {
					row.NewPrice = cl.NewPrice.Plain()
				}
				row.NewDelivery = cl.NewDelivery
			}
		}
		if posted {
			p := "line." + strconv.Itoa(i) + "."
			row.On = c.FormValue(p+"on") == "1"
			row.NewQty, row.NewPrice, row.NewDelivery = c.FormValue(p+"new_qty"), c.FormValue(p+"new_price"), c.FormValue(p+"new_delivery")
		}
		d.Rows = append(d.Rows, row)
	}
	return h.view(c, newOrEdit(r.ID, "cr.new", "cr.edit"), d)
}

// readChangeLines reads the ticked lines of the change form. Errors are at
// the fields of the line's row (its index on the sales order).
func readChangeLines(c *fiber.Ctx, r *model.ChangeRequest, so *model.SalesOrder) *model.ValidationError {
	ve := &model.ValidationError{}
	r.Lines = nil
	r.Reason = c.FormValue("reason")
	r.Version = formUint(c, "version")
	for i := range so.Lines {
		p := "line." + strconv.Itoa(i) + "."
		if c.FormValue(p+"on") != "1" {
			continue
		}
		cl := model.ChangeLine{Line: so.Lines[i].No}
		if s := strings.TrimSpace(c.FormValue(p + "new_qty")); s != "" {
			if q, err := model.ParseQty(s); err != nil {
				ve.AddErr(model.LineField(i, "new_qty"), err, "err.qty_invalid")
			} else {
				cl.NewQty = &q
			}
		}
		if s := strings.TrimSpace(c.FormValue(p + "new_price")); s != "" {
			if m, err := model.ParseMoney(s); err != nil {
				ve.AddErr(model.LineField(i, "new_price"), err, "err.money")
			} else {
				cl.NewPrice = &m
			}
		}
		cl.NewDelivery = strings.TrimSpace(c.FormValue(p + "new_delivery"))
		r.Lines = append(r.Lines, cl)
	}
	return ve
}

// remapChangeErrors moves the errors of model.ValidateChange (at the index
// of the request's line) to the row of the sales order line it names.
func remapChangeErrors(err error, r *model.ChangeRequest, so *model.SalesOrder) error {
	ve, ok := err.(*model.ValidationError)
	if !ok {
		return err
	}
	out := &model.ValidationError{}
	for _, f := range ve.Fields {
		field := f.Field
		for i, cl := range r.Lines {
			for j := range so.Lines {
				if so.Lines[j].No != cl.Line {
					continue
				}
				if pre := model.LineField(i, ""); strings.HasPrefix(f.Field, pre) {
					field = model.LineField(j, strings.TrimPrefix(f.Field, pre))
				}
			}
		}
		out.Add(field, f.Key, f.Args)
	}
	return out
}

func (h *Handler) newChangeRequest(c *fiber.Ctx) error {
	so, err := h.loadSalesOrderRoute(c)
	if err != nil {
		return err
	}
	if so.Status != model.StatusAudited {
		return &model.StateError{Action: "change", Status: string(so.Status)}
	}
	if !model.CanRequestChange(currentUser(c), so.CustomerID) {
		return model.ErrNotAllowed
	}
	return h.render(c, fiber.StatusOK, tplChangeForm, h.changeFormView(c, &model.ChangeRequest{SalesOrderID: so.ID}, so, false))
}

func (h *Handler) createChangeRequest(c *fiber.Ctx) error {
	so, err := h.loadSalesOrderRoute(c)
	if err != nil {
		return err
	}
	if !model.CanRequestChange(currentUser(c), so.CustomerID) {
		return model.ErrNotAllowed
	}
	return h.saveChangeRequest(c, &model.ChangeRequest{SalesOrderID: so.ID}, so)
}

func (h *Handler) saveChangeRequest(c *fiber.Ctx, r *model.ChangeRequest, so *model.SalesOrder) error {
	isNew := r.ID == 0
	ve := readChangeLines(c, r, so)
	submit := c.FormValue("action") == "submit"
	err := ve.Err()
	if err == nil {
		var id uint64
		id, err = h.store.SaveChangeRequestForm(h.formActor(c), r, submit)
		if err != nil {
			err = remapChangeErrors(err, r, so)
		} else {
			r.ID = id
		}
	}
	if err != nil {
		if isNew {
			r.ID, r.Number, r.Meta = 0, "", model.Meta{}
		}
		return h.formError(c, err, tplChangeForm, h.changeFormView(c, r, so, true))
	}
	h.setFlash(c, map[bool]string{true: "flash.cr_submitted", false: "flash.saved"}[submit])
	return h.redirect(c, "/change-requests/"+itoa(r.ID))
}

func (h *Handler) loadChangeRequest(c *fiber.Ctx) (*model.ChangeRequest, error) {
	return loadRouteDoc(h, c, (*store.Tx).ChangeRequest, needOrders)
}

// changeOrder reads the sales order of a change request (any status: staff
// may look at a request whose order moved on).
func (h *Handler) changeOrder(r *model.ChangeRequest) (*model.SalesOrder, error) {
	var so *model.SalesOrder
	err := h.read(func(t *store.Tx) (err error) {
		so, err = t.SalesOrder(store.AdminScope(), r.SalesOrderID)
		return err
	})
	return so, err
}

func (h *Handler) editChangeRequest(c *fiber.Ctx) error {
	r, err := h.loadChangeRequest(c)
	if err != nil {
		return err
	}
	if !model.CanEditChangeRequest(r, currentUser(c)) {
		return &model.StateError{Action: "edit", Status: string(r.Status)}
	}
	so, err := h.changeOrder(r)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplChangeForm, h.changeFormView(c, r, so, false))
}

func (h *Handler) updateChangeRequest(c *fiber.Ctx) error {
	r, err := h.loadChangeRequest(c)
	if err != nil {
		return err
	}
	if !model.CanEditChangeRequest(r, currentUser(c)) {
		return &model.StateError{Action: "edit", Status: string(r.Status)}
	}
	so, err := h.changeOrder(r)
	if err != nil {
		return err
	}
	return h.saveChangeRequest(c, r, so)
}

// changePage is what the change request's page shows: each changed line
// with its values before (the order's now, or the history once effective)
// and after.
type changePage struct {
	R       *model.ChangeRequest
	SO      *model.SalesOrder
	Lines   []changeLineView
	Actions []string
	Bar     *actionBar
	CanEdit bool
	Staff   bool
	Thread  *CommentThread
}

type changeLineView struct {
	model.ChangeLine
	Order *model.SalesOrderLine
	// Old values: the history once effective, the order's current values before.
	OldQty      model.Qty
	OldPrice    model.Money
	OldDelivery string
}

func (h *Handler) changePage(c *fiber.Ctx, id uint64) (*changePage, error) {
	u := currentUser(c)
	sc := h.scope(c)
	p := &changePage{Staff: u.IsStaff()}
	err := h.read(func(t *store.Tx) (err error) {
		if p.R, err = t.ChangeRequest(sc, id); err != nil {
			return err
		}
		if p.SO, err = t.SalesOrder(store.AdminScope(), p.R.SalesOrderID); err != nil {
			return err
		}
		p.Thread, err = h.thread(t, c, model.DocChangeRequest, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, cl := range p.R.Lines {
		lv := changeLineView{ChangeLine: cl, Order: p.SO.LineByNo(cl.Line)}
		switch {
		case p.R.Status == model.StatusEffective:
			lv.OldQty, lv.OldPrice, lv.OldDelivery = cl.OldQty, cl.OldPrice, cl.OldDelivery
		case lv.Order != nil:
			lv.OldQty, lv.OldPrice, lv.OldDelivery = lv.Order.Qty, lv.Order.Price, lv.Order.DeliveryDate
		}
		p.Lines = append(p.Lines, lv)
	}
	p.CanEdit = model.CanEditChangeRequest(p.R, u)
	for _, a := range actionsOf(model.ChangeRequestMachine, p.R.Status, u) {
		if a == "submit" && !p.CanEdit {
			continue
		}
		p.Actions = append(p.Actions, a)
	}
	p.Bar = p.bar()
	return p, nil
}

func (h *Handler) changePageView(c *fiber.Ctx, id uint64) (*View, error) {
	p, err := h.changePage(c, id)
	if err != nil {
		return nil, err
	}
	return h.view(c, "cr.view", p), nil
}

func (h *Handler) showChangeRequest(c *fiber.Ctx) error {
	r, err := h.loadChangeRequest(c)
	if err != nil {
		return err
	}
	v, err := h.changePageView(c, r.ID)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplChangeView, v)
}

// changeRequestActions: the author submits or deletes a draft; staff make a
// submitted request effective or reject it.
func (h *Handler) changeRequestActions() docKind[*model.ChangeRequest] {
	act := func(x *docRun[*model.ChangeRequest]) (uint64, error) {
		if x.Action == "submit" && !model.CanRequestChange(x.Actor.User, x.Doc.CustomerID) {
			return 0, model.ErrNotAllowed
		}
		return 0, h.store.ActOnChangeRequest(x.Actor, x.ID, x.Version, x.Action, x.Reason())
	}
	return docKind[*model.ChangeRequest]{Base: "/change-requests", Load: h.loadChangeRequest,
		Page: func(c *fiber.Ctx, r *model.ChangeRequest, _ string) (string, *View, error) {
			v, err := h.changePageView(c, r.ID)
			return tplChangeView, v, err
		},
		Actions: map[string]docAction[*model.ChangeRequest]{
			"submit": {Flash: "flash.cr_submitted", Run: act}, "make_effective": {Flash: "flash.cr_effective", Run: act},
			"reject": {Flash: "flash.cr_rejected", Run: act},
			"delete": {Flash: "flash.deleted", Next: func(_ *fiber.Ctx, _, so uint64) string { return "/sales-orders/" + itoa(so) },
				Run: func(x *docRun[*model.ChangeRequest]) (uint64, error) {
					if !model.CanEditChangeRequest(x.Doc, x.Actor.User) {
						return 0, &model.StateError{Action: "delete", Status: string(x.Doc.Status)}
					}
					return h.store.RemoveChangeRequest(x.Actor, x.ID, x.Version)
				}},
		}}
}
