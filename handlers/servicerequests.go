package handlers

import (
	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplServiceList = "channel/service_list"
	tplServiceForm = "channel/service_form"
	tplServiceView = "channel/service_view"
)

// Service requests (服务请求, SPEC §2.5): the tab "basic information"
// (基本信息) is the dealer's request — a product of its published catalog,
// serial or batch, problem type, priority, description, attachments; the tab
// "handling" (处理) is staff's — the handler, the handling log and the
// solution. new → in progress → resolved → closed; the dealer may reopen a
// resolved request.
func (h *Handler) registerServiceRequests(r fiber.Router) {
	r.Get("/service-requests", h.showServiceRequests)
	r.Get("/service-requests/new", h.newServiceRequest)
	r.Post("/service-requests", h.createServiceRequest)
	r.Get("/service-requests/:id", h.showServiceRequest)
	r.Get("/service-requests/:id/edit", h.editServiceRequest)
	h.printRoutes(r, "/service-requests", h.serviceRequestPrint)
	r.Post("/service-requests/:id", h.updateServiceRequest)
	r.Post("/service-requests/:id/attachments", h.uploadServiceAttachment)
	r.Post("/service-requests/:id/attachments/:att/delete", h.deleteServiceAttachment)
	registerDocActions(h, r, h.serviceRequestActions())
}

type serviceRow struct {
	*model.ServiceRequest
	Customer *model.Customer
}

type serviceList struct {
	List
	Statuses   []model.Status
	Priorities []string
	Staff      bool
}

func (h *Handler) showServiceRequests(c *fiber.Ctx) error {
	if err := needChannel(c); err != nil {
		return err
	}
	u := currentUser(c)
	sc := h.scope(c)
	q := parseListQuery(c)
	d := &serviceList{Statuses: channelStatuses[model.DocServiceRequest], Priorities: model.Priorities, Staff: u.IsStaff()}
	var rows []serviceRow
	err := h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
		f := docFilterOf(q)
		var ok bool
		if f.CustomerID, ok = channelCustomerFilter(t, sc, q); !ok {
			d.List = List{Query: q, Pager: q.Pager(0)}
			return nil
		}
		sums, total, err := t.ListDocs(sc, model.DocServiceRequest, f, q.Page())
		if err != nil {
			return err
		}
		names := newCustomerNames(t, sc)
		for _, s := range sums {
			r, err := t.ServiceRequest(sc, s.ID)
			if err != nil {
				return err
			}
			rows = append(rows, serviceRow{ServiceRequest: r, Customer: names.get(r.CustomerID)})
		}
		d.List = List{Rows: rows, Query: q, Pager: q.Pager(total)}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		l := lang(c)
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			out = append(out, []string{r.Number, r.Customer.Code, r.Customer.Name, r.RequestDate, r.Product.Code + " " + r.Product.Name, r.Serial,
				h.i18n.T(l, "sr.problem."+r.ProblemType), h.i18n.T(l, "sr.priority."+r.Priority), h.i18n.T(l, "status."+string(r.Status)),
				r.HandlerName, r.Solution})
		}
		return h.export(c, q.Export, "service-requests", []exportCol{
			{"ch.number", colText}, {"ch.customer_code", colText}, {"ch.customer", colText},
			{"sr.request_date", colDate}, {"ch.product", colText}, {"sr.serial", colText}, {"sr.problem_type", colText},
			{"sr.priority", colText}, {"ch.status", colText}, {"sr.handler", colText}, {"sr.solution", colText},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplServiceList, h.view(c, "sr.title", d))
}

type serviceForm struct {
	R            *model.ServiceRequest
	CustomerCode string
	ProductCode  string
	Choices      []*store.CatalogItem
	Problems     []string
	Priorities   []string
	Staff        bool
	Token        string
}

func (h *Handler) serviceFormView(c *fiber.Ctx, r *model.ServiceRequest, code string) (*View, error) {
	u := currentUser(c)
	d := &serviceForm{R: r, CustomerCode: code, ProductCode: r.Product.Code, Problems: model.ProblemTypes, Priorities: model.Priorities,
		Staff: u.IsStaff(), Token: h.formToken(c)}
	if v := c.FormValue("product_code"); v != "" {
		d.ProductCode = v
	}
	err := h.read(func(t *store.Tx) error {
		cust := formCustomer(t, h.scope(c), u, r.CustomerID, d.CustomerCode)
		if cust != 0 && d.CustomerCode == "" {
			if cu, err := t.Customer(h.scope(c), cust); err == nil {
				d.CustomerCode = cu.Code
				if r.ID == 0 && r.Contact == "" && !u.IsStaff() {
					r.Contact, r.Phone = u.Name, u.Mobile
				}
			}
		}
		d.Choices = channelProductChoices(t, cust)
		return nil
	})
	return h.view(c, newOrEdit(r.ID, "sr.new", "sr.edit"), d), err
}

func (h *Handler) newServiceRequest(c *fiber.Ctx) error {
	if err := need(c, model.PermFileService); err != nil {
		return err
	}
	v, err := h.serviceFormView(c, &model.ServiceRequest{Priority: "normal", ProblemType: "malfunction"}, "")
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplServiceForm, v)
}

// saveServiceRequest stores the form through the use case: a new request
// once per form token, for the dealer's own customer or the one staff typed.
func (h *Handler) saveServiceRequest(c *fiber.Ctx, r *model.ServiceRequest) error {
	u := currentUser(c)
	isNew := r.ID == 0
	a := store.Actor{User: u, Scope: h.scope(c)}
	if isNew {
		a.Once = c.FormValue("_idem")
		if !u.IsStaff() {
			r.CustomerID = u.CustomerID
		}
	}
	r.Contact, r.Phone, r.Serial = c.FormValue("contact"), c.FormValue("phone"), c.FormValue("serial")
	r.ProblemType, r.Priority, r.Description = c.FormValue("problem_type"), c.FormValue("priority"), c.FormValue("description")
	r.Version = formUint(c, "version")
	id, err := h.store.SaveServiceRequest(a, store.ServiceRequestInput{Request: r, CustomerCode: c.FormValue("customer_code"), ProductCode: c.FormValue("product_code")})
	if err != nil {
		if isNew {
			r.ID = 0
		}
		v, verr := h.serviceFormView(c, r, c.FormValue("customer_code"))
		if verr != nil {
			return verr
		}
		return h.formError(c, err, tplServiceForm, v)
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/service-requests/"+itoa(id))
}

func (h *Handler) createServiceRequest(c *fiber.Ctx) error {
	if err := need(c, model.PermFileService); err != nil {
		return err
	}
	return h.saveServiceRequest(c, &model.ServiceRequest{})
}

// loadServiceRequest reads the request of the route through the user's
// scope: 404 when it does not exist or lies outside the scope.
func (h *Handler) loadServiceRequest(c *fiber.Ctx) (*model.ServiceRequest, error) {
	return loadRouteDoc(h, c, (*store.Tx).ServiceRequest, needChannel)
}

func (h *Handler) editServiceRequest(c *fiber.Ctx) error {
	r, err := h.loadServiceRequest(c)
	if err != nil {
		return err
	}
	if !model.CanEditServiceRequest(r, currentUser(c)) {
		return &model.StateError{Action: "edit", Status: string(r.Status)}
	}
	v, err := h.serviceFormView(c, r, "")
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplServiceForm, v)
}

func (h *Handler) updateServiceRequest(c *fiber.Ctx) error {
	r, err := h.loadServiceRequest(c)
	if err != nil {
		return err
	}
	if !model.CanEditServiceRequest(r, currentUser(c)) {
		return &model.StateError{Action: "edit", Status: string(r.Status)}
	}
	return h.saveServiceRequest(c, r)
}

// servicePage is what the document view shows.
type servicePage struct {
	R           *model.ServiceRequest
	Customer    *model.Customer
	Tab         string
	Staff       bool
	CanEdit     bool
	CanLog      bool
	Actions     []string
	Bar         *actionBar
	Handlers    []*model.User
	Solution    string
	Note        string
	Attachments []*model.Attachment
	AttBase     string
	CanAttach   bool
	Trail       []model.AuditEntry
	Thread      *CommentThread
}

func (h *Handler) servicePage(c *fiber.Ctx, r *model.ServiceRequest) (*servicePage, error) {
	u := currentUser(c)
	sc := h.scope(c)
	p := &servicePage{R: r, Tab: c.Query("tab"), Staff: u.IsStaff(), CanEdit: model.CanEditServiceRequest(r, u),
		CanLog: model.CanLogServiceRequest(r, u), Actions: model.ServiceRequestMachine.Allowed(r.Status, u),
		Solution: r.Solution, AttBase: "/service-requests/" + itoa(r.ID), Trail: r.Trail}
	p.CanAttach = p.CanEdit || p.CanLog
	if p.Tab != "handling" {
		p.Tab = "basic"
	}
	err := h.read(func(t *store.Tx) (err error) {
		p.Handlers = nil // fn may run again (Store.View)
		p.Customer, _ = t.Customer(sc, r.CustomerID)
		if contains(p.Actions, "start") {
			staff, _, err := t.ListStaff(store.UserFilter{}, store.Page{})
			if err != nil {
				return err
			}
			for _, s := range staff {
				if model.ServiceHandler(s) && t.AllowsCustomer(t.UserScope(s), r.CustomerID) {
					p.Handlers = append(p.Handlers, s)
				}
			}
		}
		if p.Thread, err = h.thread(t, c, model.DocServiceRequest, r.ID); err != nil {
			return err
		}
		p.Attachments, err = t.Attachments(store.OwnerServiceRequest, r.ID)
		return err
	})
	p.Bar = p.bar()
	return p, err
}

func (h *Handler) showServiceRequest(c *fiber.Ctx) error {
	r, err := h.loadServiceRequest(c)
	if err != nil {
		return err
	}
	p, err := h.servicePage(c, r)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplServiceView, h.view(c, "sr.view", p))
}

// serviceRequestActions: staff start a request (with the handler), resolve
// it (with the solution), close it and add notes to the handling log; the
// dealer reopens a resolved one (with the reason as a log note).
func (h *Handler) serviceRequestActions() docKind[*model.ServiceRequest] {
	act := func(x *docRun[*model.ServiceRequest]) (uint64, error) {
		perm := model.PermManageService // the handling log
		if tr := model.ServiceRequestMachine.Find(x.Action); tr != nil {
			perm = tr.Perm
		}
		if err := need(x.C, perm); err != nil {
			return 0, err
		}
		in := store.ServiceAction{HandlerID: formUint(x.C, "handler_id"), Solution: x.C.FormValue("solution"), Note: x.C.FormValue("note")}
		return 0, h.store.ActOnServiceRequest(x.Actor, x.ID, x.Version, x.Action, in)
	}
	handling := func(_ *fiber.Ctx, id, _ uint64) string { return "/service-requests/" + itoa(id) + "?tab=handling" }
	return docKind[*model.ServiceRequest]{Base: "/service-requests", Load: h.loadServiceRequest,
		Page: func(c *fiber.Ctx, r *model.ServiceRequest, _ string) (string, *View, error) {
			p, err := h.servicePage(c, r)
			if err != nil {
				return "", nil, err
			}
			p.Tab, p.Solution, p.Note = "handling", c.FormValue("solution"), c.FormValue("note")
			return tplServiceView, h.view(c, "sr.view", p), nil
		},
		Actions: map[string]docAction[*model.ServiceRequest]{
			"start": {Flash: "flash.sr_started", Run: act, Next: handling}, "resolve": {Flash: "flash.sr_resolved", Run: act, Next: handling},
			"close": {Flash: "flash.ch_closed", Run: act, Next: handling}, "reopen": {Flash: "flash.ch_reopened", Run: act, Next: handling},
			"log": {Flash: "flash.saved", Run: act, Next: handling},
		}}
}

// uploadServiceAttachment adds a file while the request is new (the dealer's
// basic information) — or, for staff handling it, until it is closed.
func (h *Handler) uploadServiceAttachment(c *fiber.Ctx) error {
	r, err := h.loadServiceRequest(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if !model.CanEditServiceRequest(r, u) && !model.CanLogServiceRequest(r, u) {
		return &model.StateError{Action: "edit", Status: string(r.Status)}
	}
	if err := h.saveUpload(c, store.OwnerServiceRequest, r.ID, r.CustomerID); err != nil {
		p, perr := h.servicePage(c, r)
		if perr != nil {
			return perr
		}
		return h.formError(c, err, tplServiceView, h.view(c, "sr.view", p))
	}
	h.setFlash(c, "flash.uploaded")
	return h.redirect(c, "/service-requests/"+itoa(r.ID)+"#attachments")
}

func (h *Handler) deleteServiceAttachment(c *fiber.Ctx) error {
	r, err := h.loadServiceRequest(c)
	if err != nil {
		return err
	}
	return h.deleteChannelAttachment(c, store.OwnerServiceRequest, r.ID, model.CanEditServiceRequest(r, currentUser(c)))
}
