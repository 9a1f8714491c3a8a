package handlers

import (
	"strings"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/views/pdf"

	"github.com/gofiber/fiber/v2"
)

const (
	tplSalesList  = "orders/sales_list"
	tplSalesPick  = "orders/sales_pick"
	tplSalesForm  = "orders/sales_form"
	tplSalesView  = "orders/sales_view"
	tplSalesPrint = "orders/sales_print"
)

// Sales orders (销售订单): staff create them directly (any customer in
// scope, products from the product master) or from an online order, audit,
// unaudit (while nothing downstream exists), close and void them; dealers
// see the audited ones of their customer, print them, ask for changes and
// order again.
func (h *Handler) registerSalesOrders(r fiber.Router) {
	r.Get("/sales-orders", h.showSalesOrders)
	r.Get("/sales-orders/new", h.newSalesOrder)
	r.Post("/sales-orders", h.createSalesOrder)
	r.Get("/sales-orders/:id", h.showSalesOrder)
	r.Get("/sales-orders/:id/edit", h.editSalesOrder)
	r.Post("/sales-orders/:id", h.updateSalesOrder)
	r.Get("/sales-orders/:id/print", h.printSalesOrder)
	r.Get("/sales-orders/:id/pdf", h.pdfSalesOrder)
	r.Get("/sales-orders/:id/change-requests/new", h.newChangeRequest)
	r.Post("/sales-orders/:id/change-requests", h.createChangeRequest)
	registerDocActions(h, r, h.salesOrderActions())
}

var salesStatuses = []model.Status{model.StatusDraft, model.StatusAudited, model.StatusClosed, model.StatusVoid}

func (h *Handler) showSalesOrders(c *fiber.Ctx) error {
	if err := needOrders(c); err != nil {
		return err
	}
	sc := h.scope(c)
	q := parseListQuery(c)
	d := &docListData{Statuses: salesStatuses, Staff: sc.IsStaff()}
	if !sc.IsStaff() {
		d.Statuses = []model.Status{model.StatusAudited, model.StatusClosed}
	}
	var rows []model.DocSummary
	err := h.read(func(t *store.Tx) error {
		f, ok := h.docFilter(t, sc, q)
		total := 0
		if ok {
			var err error
			if rows, total, err = t.ListSalesOrders(sc, f, q.Page()); err != nil {
				return err
			}
		}
		d.Customers = docCustomers(t, sc, rows)
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
			out = append(out, []string{r.Number, r.Date, d.Customers[r.CustomerID], h.i18n.T(l, "status."+string(r.Status)), r.Amount.Plain()})
		}
		return h.export(c, q.Export, "sales-orders", []exportCol{
			{"so.number", colText}, {"so.order_date", colDate}, {"so.customer", colText}, {"so.status", colText},
			{"so.amount", colMoney},
		}, out)
	}
	v := h.view(c, "so.title", d)
	d.RowsHTML = docRowsHTML(v, salesCols(v, d), rows)
	return h.render(c, fiber.StatusOK, tplSalesList, v)
}

// salesCols are the sales-order list's columns (docrows.go).
func salesCols(v *View, d *docListData) []docCol {
	return []docCol{
		{label: "so.number", cell: docLink("/sales-orders/")},
		{label: "so.order_date", class: "tabular", cell: docDate},
		docCustomerCol("so.customer", d.Staff, d.Customers),
		{label: "so.status", cell: docStatusBadge(v)},
		{label: "so.amount", class: "num", cell: docAmount(v)},
	}
}

// salesForm is what the sales order form shows.
type salesForm struct {
	O         *model.SalesOrder
	Customer  *model.Customer
	Rows      []lineRow
	Locations []*model.Location
	Staff     []*model.User
	Settings  *model.OrderingSettings
	Token     string
}

func (h *Handler) salesFormView(c *fiber.Ctx, o *model.SalesOrder, rows []lineRow, extra int) (*View, error) {
	d := &salesForm{O: o, Token: h.formToken(c)}
	sc := h.scope(c)
	err := h.read(func(t *store.Tx) error {
		d.Customer, _ = t.Customer(sc, o.CustomerID)
		d.Locations, _ = t.Locations(sc, o.CustomerID)
		d.Staff, _, _ = t.ListStaff(store.UserFilter{}, store.Page{})
		d.Settings = t.OrderingSettings()
		describeRows(t, o.CustomerID, rows, true)
		return nil
	})
	d.Rows = withBlanks(rows, extra)
	return h.view(c, newOrEdit(o.ID, "so.new", "so.edit"), d), err
}

// newSalesOrder asks for the customer first (?customer=<code>), then shows
// the form with its defaults.
func (h *Handler) newSalesOrder(c *fiber.Ctx) error {
	if err := need(c, model.PermManageOrders); err != nil {
		return err
	}
	code := strings.TrimSpace(c.Query("customer"))
	var o *model.SalesOrder
	var err error
	if code != "" {
		err = h.read(func(t *store.Tx) error {
			cu, err := t.CustomerByCode(h.scope(c), code)
			if err != nil {
				return err
			}
			o, err = t.NewSalesOrder(h.scope(c), cu.ID)
			return err
		})
	}
	if code == "" || err != nil {
		v := h.view(c, "so.new", map[string]string{"Code": code})
		if err != nil {
			v.Errors = map[string]string{"customer": h.i18n.T(v.Lang, "err.so_customer")}
			return h.render(c, fiber.StatusUnprocessableEntity, tplSalesPick, v)
		}
		return h.render(c, fiber.StatusOK, tplSalesPick, v)
	}
	v, err := h.salesFormView(c, o, nil, formBlankRows+2)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplSalesForm, v)
}

// readSalesHeader copies the form's header into o and returns the chosen
// ship-to location (checked by the store).
func readSalesHeader(c *fiber.Ctx, o *model.SalesOrder) (location uint64) {
	o.OrderDate = strings.TrimSpace(c.FormValue("order_date"))
	o.DeliveryDate = strings.TrimSpace(c.FormValue("delivery_date"))
	o.Contact, o.Phone, o.Remarks, o.Settlement = c.FormValue("contact"), c.FormValue("phone"), c.FormValue("remarks"), c.FormValue("settlement")
	o.SalespersonID = formUint(c, "salesperson")
	o.Version = formUint(c, "version")
	return formUint(c, "location")
}

func (h *Handler) createSalesOrder(c *fiber.Ctx) error {
	if err := need(c, model.PermManageOrders); err != nil {
		return err
	}
	var o *model.SalesOrder
	err := h.read(func(t *store.Tx) (err error) {
		o, err = t.NewSalesOrder(h.scope(c), formUint(c, "customer_id"))
		return err
	})
	if err != nil {
		return err
	}
	return h.saveSalesOrder(c, o)
}

func (h *Handler) saveSalesOrder(c *fiber.Ctx, o *model.SalesOrder) error {
	isNew := o.ID == 0
	lines, rows, ve := readLineRows(c, true)
	loc := readSalesHeader(c, o)
	if a := c.FormValue("action"); a == "check" || a == "more" {
		if loc != 0 {
			_ = h.read(func(t *store.Tx) error {
				if st, err := t.ShipTo(h.scope(c), o.CustomerID, loc); err == nil {
					o.ShipTo = st
				}
				return nil
			})
		}
		extra := formBlankRows
		if a == "more" {
			extra += 5
		}
		v, err := h.salesFormView(c, o, rows, extra)
		if err != nil {
			return err
		}
		return h.render(c, fiber.StatusOK, tplSalesForm, v)
	}
	id, err := h.store.SaveSalesOrderForm(h.formActor(c), store.SalesOrderForm{Order: o, Location: loc, Lines: lines, Invalid: ve})
	if err != nil {
		if isNew {
			o.ID, o.Number, o.Meta = 0, "", model.Meta{}
		}
		v, verr := h.salesFormView(c, o, rows, formBlankRows)
		if verr != nil {
			return verr
		}
		return h.formError(c, err, tplSalesForm, v)
	}
	o.ID = id
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/sales-orders/"+itoa(o.ID))
}

// loadSalesOrderRoute reads the order of the route through the scope (a dealer
// sees audited and closed ones only; 404 otherwise), then requires a user
// who sees orders (403).
func (h *Handler) loadSalesOrderRoute(c *fiber.Ctx) (*model.SalesOrder, error) {
	return loadRouteDoc(h, c, (*store.Tx).SalesOrder, needOrders)
}

func salesRows(o *model.SalesOrder) []lineRow {
	lines := make([]model.OrderLine, len(o.Lines))
	for i := range o.Lines {
		lines[i] = o.Lines[i].OrderLine
	}
	return rowsOfLines(lines)
}

func (h *Handler) editSalesOrder(c *fiber.Ctx) error {
	o, err := h.loadSalesOrderRoute(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageOrders); err != nil {
		return err
	}
	if o.Status != model.StatusDraft {
		return &model.StateError{Action: "edit", Status: string(o.Status)}
	}
	v, err := h.salesFormView(c, o, salesRows(o), 1)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplSalesForm, v)
}

func (h *Handler) updateSalesOrder(c *fiber.Ctx) error {
	o, err := h.loadSalesOrderRoute(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageOrders); err != nil {
		return err
	}
	if o.Status != model.StatusDraft {
		return &model.StateError{Action: "edit", Status: string(o.Status)}
	}
	return h.saveSalesOrder(c, o)
}

// salesPage is what the sales order's page (and print view) shows.
type salesPage struct {
	O           *model.SalesOrder
	Customer    *model.Customer
	Salesperson string
	OrgUnit     string
	Actions     []string
	Bar         *actionBar
	CanEdit     bool
	CanChange   bool
	CanAgain    bool
	// AgainToken is the one-time token of the "order again" forms.
	AgainToken string
	Staff      bool
	Changes    []model.DocSummary
	Thread     *CommentThread
}

func (h *Handler) salesPage(c *fiber.Ctx, id uint64) (*salesPage, error) {
	u := currentUser(c)
	sc := h.scope(c)
	p := &salesPage{Staff: u.IsStaff(), AgainToken: h.formToken(c)}
	err := h.read(func(t *store.Tx) (err error) {
		if p.O, err = t.SalesOrder(sc, id); err != nil {
			return err
		}
		p.Customer, _ = t.Customer(sc, p.O.CustomerID)
		if sp, err := t.UserByID(p.O.SalespersonID); err == nil {
			p.Salesperson = sp.Name
		}
		if p.O.OrgUnitID != 0 {
			p.OrgUnit = t.OrgTree().Path(p.O.OrgUnitID)
		}
		p.Changes = h.changesOf(t, sc, p.O)
		p.Thread, err = h.thread(t, c, model.DocSalesOrder, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	o := p.O
	p.Actions = actionsOf(model.SalesOrderMachine, o.Status, u)
	p.CanEdit = o.Status == model.StatusDraft && u.Can(model.PermManageOrders)
	p.CanChange = o.Status == model.StatusAudited && (u.Can(model.PermManageOrders) || u.Kind == model.KindDealer && u.Can(model.PermOrder))
	p.CanAgain = u.Kind == model.KindDealer && u.Can(model.PermOrder)
	p.Bar = p.bar(u)
	return p, nil
}

// changesOf lists the change requests of a sales order (newest first).
func (h *Handler) changesOf(t *store.Tx, sc store.Scope, o *model.SalesOrder) []model.DocSummary {
	rows, _, _ := t.ListDocs(sc, model.DocChangeRequest, store.DocFilter{CustomerID: o.CustomerID, Q: strings.ToLower(o.Number)}, store.Page{Limit: 50})
	return rows
}

func (h *Handler) salesPageView(c *fiber.Ctx, id uint64) (*View, error) {
	p, err := h.salesPage(c, id)
	if err != nil {
		return nil, err
	}
	return h.view(c, "so.view", p), nil
}

func (h *Handler) showSalesOrder(c *fiber.Ctx) error {
	o, err := h.loadSalesOrderRoute(c)
	if err != nil {
		return err
	}
	v, err := h.salesPageView(c, o.ID)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplSalesView, v)
}

// salesOrderActions: staff audit, unaudit, close and void; a dealer orders
// an order again.
func (h *Handler) salesOrderActions() docKind[*model.SalesOrder] {
	act := func(x *docRun[*model.SalesOrder]) (uint64, error) {
		return 0, h.store.MoveSalesOrder(x.Actor, x.ID, x.Version, x.Action, x.Reason())
	}
	return docKind[*model.SalesOrder]{Base: "/sales-orders", Load: h.loadSalesOrderRoute,
		Page: func(c *fiber.Ctx, o *model.SalesOrder, _ string) (string, *View, error) {
			v, err := h.salesPageView(c, o.ID)
			return tplSalesView, v, err
		},
		Actions: map[string]docAction[*model.SalesOrder]{
			"audit": {Flash: "flash.so_audited", Run: act}, "unaudit": {Flash: "flash.so_unaudited", Run: act},
			"close": {Flash: "flash.so_closed", Run: act}, "void": {Flash: "flash.so_voided", Run: act},
			"again": {Token: true, Run: againRun[*model.SalesOrder](h.store.OrderSalesAgain)},
		}}
}

// printSalesOrder is the A4 print view (print it or save it from the
// browser); /pdf is the same document drawn as a PDF.
func (h *Handler) printSalesOrder(c *fiber.Ctx) error {
	o, err := h.loadSalesOrderRoute(c)
	if err != nil {
		return err
	}
	v, err := h.salesPageView(c, o.ID)
	if err != nil {
		return err
	}
	v.Layout = "layouts/print"
	return h.render(c, fiber.StatusOK, tplSalesPrint, v)
}

func (h *Handler) pdfSalesOrder(c *fiber.Ctx) error {
	o, err := h.loadSalesOrderRoute(c)
	if err != nil {
		return err
	}
	p, err := h.salesPage(c, o.ID)
	if err != nil {
		return err
	}
	data, err := pdf.Render(h.salesLayout(lang(c), p))
	if err != nil {
		return err
	}
	return sendPDF(c, o.Number, data)
}
