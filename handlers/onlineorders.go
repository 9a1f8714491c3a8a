package handlers

import (
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplOnlineList     = "orders/online_list"
	tplOnlineForm     = "orders/online_form"
	tplOnlineCheckout = "orders/online_checkout"
	tplOnlineView     = "orders/online_view"
	tplOnlineConvert  = "orders/online_convert"
	tplOnlinePrint    = "orders/online_print"
	tplLineInfo       = "orders/line_info"
	tplAgainResult    = "orders/again"
	tplContactFields  = "orders/contact_fields"
)

// Online orders (网上订货单): dealers enter them directly or generate them
// from the cart, save drafts and submit (idempotently: the form's _idem
// token makes a double click or a retried POST one order); staff reject,
// unreject, approve credit holds and generate the sales order. Every past
// order offers "order again".
func (h *Handler) registerOnlineOrders(r fiber.Router) {
	r.Get("/online-orders", h.showOnlineOrders)
	r.Get("/online-orders/new", h.newOnlineOrder)
	r.Post("/online-orders", h.createOnlineOrder)
	r.Get("/online-orders/checkout", h.showCheckout)
	r.Post("/online-orders/checkout", h.checkout)
	r.Get("/online-orders/lookup", h.lookupOrderLine)
	r.Get("/online-orders/contact", h.showLocationContact)
	r.Get("/online-orders/again", h.showAgainResult)
	r.Get("/online-orders/:id", h.showOnlineOrder)
	r.Get("/online-orders/:id/edit", h.editOnlineOrder)
	r.Post("/online-orders/:id", h.updateOnlineOrder)
	r.Get("/online-orders/:id/convert", h.showConvertOnlineOrder)
	r.Get("/online-orders/:id/print", h.printOnlineOrder)
	r.Get("/online-orders/:id/pdf", h.pdfOnlineOrder)
	registerDocActions(h, r, h.onlineOrderActions())
}

// onlineStatuses are the list's status filter choices.
var onlineStatuses = []model.Status{model.StatusDraft, model.StatusSubmitted, model.StatusRejected, model.StatusConverted}

// showOnlineOrders lists online orders: a dealer its customer's, staff
// those of customers in scope; newest first with keyset paging, filters,
// export.
func (h *Handler) showOnlineOrders(c *fiber.Ctx) error {
	if err := needOrders(c); err != nil {
		return err
	}
	sc := h.scope(c)
	q := parseListQuery(c)
	d := &docListData{Statuses: onlineStatuses, Staff: sc.IsStaff(), Extra: map[uint64]string{}}
	var rows []model.DocSummary
	err := h.read(func(t *store.Tx) error {
		f, ok := h.docFilter(t, sc, q)
		total := 0
		if ok {
			var err error
			if rows, total, err = t.ListDocs(sc, model.DocOnlineOrder, f, q.Page()); err != nil {
				return err
			}
		}
		d.Customers = docCustomers(t, sc, rows)
		for _, r := range rows {
			if r.Status == model.StatusConverted {
				if x, ok := t.OnlineOrderExecution(sc, r.ID); ok {
					d.Extra[r.ID] = x
				}
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
			out = append(out, []string{r.Number, r.Date, d.Customers[r.CustomerID], h.i18n.T(l, "status."+string(r.Status)),
				r.Amount.Plain(), map[bool]string{true: h.i18n.T(l, "oo.credit_hold"), false: ""}[r.Flag == "hold"]})
		}
		return h.export(c, q.Export, "online-orders", []exportCol{
			{"oo.number", colText}, {"oo.order_date", colDate}, {"oo.customer", colText}, {"oo.status", colText},
			{"oo.amount", colMoney}, {"oo.credit", colText},
		}, out)
	}
	v := h.view(c, "oo.title", d)
	d.RowsHTML = docRowsHTML(v, onlineCols(v, d), rows)
	return h.render(c, fiber.StatusOK, tplOnlineList, v)
}

// onlineCols are the online-order list's columns (docrows.go).
func onlineCols(v *View, d *docListData) []docCol {
	badge, hold := docStatusBadge(v), ` <span class="badge warn">`+esc(v.T("oo.credit_hold"))+`</span>`
	return []docCol{
		{label: "oo.number", cell: docLink("/online-orders/")},
		{label: "oo.order_date", class: "tabular", cell: docDate},
		docCustomerCol("oo.customer", d.Staff, d.Customers),
		{label: "oo.status", cell: func(r *model.DocSummary) string {
			if r.Flag == "hold" {
				return badge(r) + hold
			}
			return badge(r)
		}},
		{label: "oo.amount", class: "num", cell: docAmount(v)},
		{label: "oo.execution", cell: func(r *model.DocSummary) string {
			if x := d.Extra[r.ID]; x != "" {
				return esc(v.ExecText(x))
			}
			return ""
		}},
	}
}

// onlineForm is what the order form shows.
type onlineForm struct {
	O         *model.OnlineOrder
	Rows      []lineRow
	Locations []*model.Location
	Settings  *model.OrderingSettings
	Token     string
	Staff     bool
	Checked   bool // the stock was just queried
}

// orderDealer returns the dealer user who may order, or 404 (staff and
// dealers without the buyer/manager role cannot enter online orders).
func orderDealer(c *fiber.Ctx) (*model.User, error) {
	u := currentUser(c)
	if !model.CanOrderOnline(u) {
		return nil, fiber.ErrNotFound
	}
	return u, nil
}

// onlineFormView prepares the order form for o with rows (blank ones added)
// described from the catalog.
func (h *Handler) onlineFormView(c *fiber.Ctx, o *model.OnlineOrder, rows []lineRow, extra int) (*View, error) {
	sc := h.scope(c)
	d := &onlineForm{O: o, Token: h.formToken(c), Staff: sc.IsStaff()}
	err := h.read(func(t *store.Tx) error {
		d.Settings = t.OrderingSettings()
		d.Locations, _ = t.Locations(store.CustomerScope(o.CustomerID), o.CustomerID)
		describeRows(t, o.CustomerID, rows, false)
		return nil
	})
	d.Rows = withBlanks(rows, extra)
	return h.view(c, newOrEdit(o.ID, "oo.new", "oo.edit"), d), err
}

func (h *Handler) newOnlineOrder(c *fiber.Ctx) error {
	u, err := orderDealer(c)
	if err != nil {
		return err
	}
	var o *model.OnlineOrder
	if err := h.read(func(t *store.Tx) error {
		o, err = t.NewOnlineOrder(h.scope(c), u.CustomerID)
		return err
	}); err != nil {
		return err
	}
	o.AllowAdjust = true
	v, err := h.onlineFormView(c, o, nil, formBlankRows+2)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplOnlineForm, v)
}

// readOnlineHeader copies the header fields of the form (and the version
// it showed) into o and returns the chosen ship-to location (0: none); the
// use case resolves the location (store.Tx.OnlineShipTo).
func readOnlineHeader(c *fiber.Ctx, o *model.OnlineOrder) (location uint64) {
	o.RequestedDate = strings.TrimSpace(c.FormValue("requested_date"))
	o.Contact, o.Phone, o.Remarks = c.FormValue("contact"), c.FormValue("phone"), c.FormValue("remarks")
	o.AllowAdjust = c.FormValue("allow_adjust") == "1"
	o.Version = formUint(c, "version")
	return formUint(c, "location")
}

// showLocationContact answers the ship-to select of the order forms
// (HTMX): the contact and phone fields filled from the chosen location
// (?location=) of the order's customer — the dealer's own; staff name it
// with ?customer=. 404 for a location or customer the user may not see.
func (h *Handler) showLocationContact(c *fiber.Ctx) error {
	u := currentUser(c)
	if !canSeeOrders(u) {
		return fiber.ErrNotFound
	}
	cust := u.CustomerID
	if u.IsStaff() {
		cust, _ = parseUint(c.Query("customer"))
	}
	loc, _ := parseUint(c.Query("location"))
	o := &model.OnlineOrder{CustomerID: cust}
	err := h.read(func(t *store.Tx) error {
		if !t.AllowsCustomer(h.scope(c), cust) {
			return fiber.ErrNotFound
		}
		st, err := t.ShipTo(store.CustomerScope(cust), cust, loc)
		if err != nil {
			return fiber.ErrNotFound
		}
		o.ShipTo = st
		return nil
	})
	if err != nil {
		return err
	}
	o.DefaultContact()
	return h.renderPart(c, fiber.StatusOK, tplContactFields, h.view(c, "oo.title", &onlineForm{O: o}))
}

// createOnlineOrder saves a directly entered order (action "save" or
// "submit"), once per form token; "check" and "more" show the form again
// with stock and prices, or with more empty rows, saving nothing.
func (h *Handler) createOnlineOrder(c *fiber.Ctx) error {
	u, err := orderDealer(c)
	if err != nil {
		return err
	}
	return h.saveOnlineOrder(c, &model.OnlineOrder{CustomerID: u.CustomerID})
}

// saveOnlineOrder saves the form of o (new: ID 0; else the order as
// loaded) as one call of the use case (store.SaveOnlineOrderForm), once
// per form token for a new order; "check" and "more" show the form again
// with stock and prices, or with more empty rows, saving nothing.
func (h *Handler) saveOnlineOrder(c *fiber.Ctx, o *model.OnlineOrder) error {
	lines, rows, ve := readLineRows(c, false)
	loc := readOnlineHeader(c, o)
	action := c.FormValue("action")
	if action == "check" || action == "more" {
		_ = h.read(func(t *store.Tx) error { t.OnlineShipTo(o, loc, &model.ValidationError{}); return nil })
		extra := formBlankRows
		if action == "more" {
			extra += 5
		}
		v, err := h.onlineFormView(c, o, rows, extra)
		if err != nil {
			return err
		}
		v.Data.(*onlineForm).Checked = action == "check"
		return h.render(c, fiber.StatusOK, tplOnlineForm, v)
	}
	submit := action == "submit"
	id, err := h.store.SaveOnlineOrderForm(h.formActor(c), store.OnlineOrderForm{Order: o, Location: loc, Lines: lines, Invalid: ve, Submit: submit})
	if err != nil {
		return h.onlineFormError(c, o, rows, err)
	}
	h.setFlash(c, map[bool]string{true: "flash.oo_submitted", false: "flash.saved"}[submit])
	return h.redirect(c, "/online-orders/"+itoa(id))
}

// onlineFormError shows the order form again for o with err at its fields.
func (h *Handler) onlineFormError(c *fiber.Ctx, o *model.OnlineOrder, rows []lineRow, err error) error {
	v, verr := h.onlineFormView(c, o, rows, formBlankRows)
	if verr != nil {
		return verr
	}
	return h.formError(c, err, tplOnlineForm, v)
}

// loadOnlineOrder reads the order of the route through the user's scope
// (404 outside it), then requires a user who sees orders (403).
func (h *Handler) loadOnlineOrder(c *fiber.Ctx) (*model.OnlineOrder, error) {
	return loadRouteDoc(h, c, (*store.Tx).OnlineOrder, needOrders)
}

func (h *Handler) editOnlineOrder(c *fiber.Ctx) error {
	o, err := h.loadOnlineOrder(c)
	if err != nil {
		return err
	}
	if !model.CanEditOnlineOrder(o.Status, o.CreatedBy, o.AllowAdjust, o.CustomerID, currentUser(c)) {
		return &model.StateError{Action: "edit", Status: string(o.Status)}
	}
	v, err := h.onlineFormView(c, o, rowsOfLines(o.Lines), 1)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplOnlineForm, v)
}

// updateOnlineOrder saves the edit of an order: who may edit orders at all
// is checked here (403), the order's own rule as loaded too (409, before
// the form is read); the use case checks the order again in its
// transaction.
func (h *Handler) updateOnlineOrder(c *fiber.Ctx) error {
	o, err := h.loadOnlineOrder(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if !model.CanEditOnlineOrders(u) {
		return model.ErrNotAllowed
	}
	if !model.OnlineOrderEditableBy(o.Status, o.CreatedBy, o.AllowAdjust, o.CustomerID, u) {
		return &model.StateError{Action: "edit", Status: string(o.Status)}
	}
	return h.saveOnlineOrder(c, o)
}

// onlinePage is what the online order's page shows.
type onlinePage struct {
	O          *model.OnlineOrder
	Customer   *model.Customer
	Actions    []string
	Bar        *actionBar
	CanEdit    bool
	CanDelete  bool
	CanRelease bool
	CanConvert bool
	CanAgain   bool
	// AgainToken is the one-time token of the "order again" forms.
	AgainToken string
	Execution  string
	SOStatus   model.Status
	Staff      bool
	Thread     *CommentThread
}

func (h *Handler) onlinePage(c *fiber.Ctx, id uint64) (*onlinePage, error) {
	u := currentUser(c)
	sc := h.scope(c)
	p := &onlinePage{Staff: u.IsStaff(), AgainToken: h.formToken(c)}
	err := h.read(func(t *store.Tx) (err error) {
		if p.O, err = t.OnlineOrder(sc, id); err != nil {
			return err
		}
		p.Customer, _ = t.Customer(sc, p.O.CustomerID)
		p.Execution = t.OnlineExecution(p.O)
		p.Thread, err = h.thread(t, c, model.DocOnlineOrder, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	o := p.O
	p.CanEdit = model.CanEditOnlineOrder(o.Status, o.CreatedBy, o.AllowAdjust, o.CustomerID, u)
	p.CanDelete = model.CanDeleteOnlineOrder(o.Status, o.CreatedBy, o.AllowAdjust, o.CustomerID, u)
	for _, a := range actionsOf(model.OnlineOrderMachine, o.Status, u, "convert") {
		if a == "submit" && !p.CanEdit {
			continue
		}
		p.Actions = append(p.Actions, a)
	}
	p.CanConvert = o.Status == model.StatusSubmitted && u.Can(model.PermManageOrders)
	p.CanRelease = o.Status == model.StatusSubmitted && o.CreditHold && o.CreditApprovedBy == "" && u.Can(model.PermApproveCredit)
	p.CanAgain = o.Status != model.StatusDraft && u.Kind == model.KindDealer && u.Can(model.PermOrder)
	p.Bar = p.bar(u)
	return p, nil
}

func (h *Handler) onlinePageView(c *fiber.Ctx, id uint64) (*View, error) {
	p, err := h.onlinePage(c, id)
	if err != nil {
		return nil, err
	}
	return h.view(c, "oo.view", p), nil
}

func (h *Handler) showOnlineOrder(c *fiber.Ctx) error {
	o, err := h.loadOnlineOrder(c)
	if err != nil {
		return err
	}
	v, err := h.onlinePageView(c, o.ID)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplOnlineView, v)
}

// onlineOrderActions: the dealer submits and deletes a draft (the staff
// side of deleting is model.CanEditOnlineOrder's); staff reject, unreject,
// approve a credit hold and generate the sales order; a dealer orders any
// past order again.
func (h *Handler) onlineOrderActions() docKind[*model.OnlineOrder] {
	submit := func(x *docRun[*model.OnlineOrder]) (uint64, error) {
		if !model.CanOrderOnline(x.Actor.User) { // staff never submit a dealer's order
			return 0, model.ErrNotAllowed
		}
		return 0, h.store.SubmitOnlineOrder(x.Actor, x.ID, x.Version)
	}
	run := func(x *docRun[*model.OnlineOrder]) (uint64, error) {
		if x.Action == "release_credit" && !x.Actor.User.Can(model.PermApproveCredit) {
			return 0, model.ErrNotAllowed
		}
		return 0, h.store.ActOnOnlineOrder(x.Actor, x.ID, x.Version, x.Action, x.Reason())
	}
	return docKind[*model.OnlineOrder]{Base: "/online-orders", Load: h.loadOnlineOrder,
		Page: func(c *fiber.Ctx, o *model.OnlineOrder, action string) (string, *View, error) {
			if action == "convert" {
				v, err := h.convertView(c, o)
				return tplOnlineConvert, v, err
			}
			v, err := h.onlinePageView(c, o.ID)
			return tplOnlineView, v, err
		},
		Actions: map[string]docAction[*model.OnlineOrder]{
			"submit": {Flash: "flash.oo_submitted", Run: submit}, "reject": {Flash: "flash.oo_rejected", Run: run},
			"unreject": {Flash: "flash.oo_unrejected", Run: run}, "release_credit": {Flash: "flash.oo_credit_released", Run: run},
			"delete": {Flash: "flash.deleted", Next: func(*fiber.Ctx, uint64, uint64) string { return "/online-orders" },
				Run: func(x *docRun[*model.OnlineOrder]) (uint64, error) {
					if x.Actor.User.Kind != model.KindDealer { // staff reject instead
						return 0, model.ErrNotAllowed
					}
					return 0, h.store.RemoveOnlineOrder(x.Actor, x.ID, x.Version)
				}},
			"convert": {Flash: "flash.oo_converted", Run: h.convertOnlineOrder, Next: func(_ *fiber.Ctx, _, so uint64) string { return "/sales-orders/" + itoa(so) }},
			"again":   {Token: true, Run: againRun[*model.OnlineOrder](h.store.OrderOnlineAgain)},
		}}
}
