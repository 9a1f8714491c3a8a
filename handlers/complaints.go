package handlers

import (
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplComplaintList   = "channel/complaint_list"
	tplComplaintForm   = "channel/complaint_form"
	tplComplaintView   = "channel/complaint_view"
	tplComplaintNotice = "channel/complaint_notice"
	tplNoticeList      = "channel/notice_list"
)

// Cross-territory sales complaints (串货投诉, SPEC §2.5): a dealer files one
// (新增, 提交) with evidence; staff accept it for handling (审核), handle it
// (处理: findings, responsible dealer, penalty, compensation, recall deadline,
// resolution), close it (关闭); the complainant may reopen it (反关闭). The
// complainant's users and staff in its scope see the complaint; the dealer
// found responsible sees only a notice of the handling (/complaint-notices),
// which never names the complainant. Dealers are not shown which dealer
// staff identified either.
func (h *Handler) registerComplaints(r fiber.Router) {
	r.Get("/complaints", h.showComplaints)
	r.Get("/complaints/new", h.newComplaint)
	r.Post("/complaints", h.createComplaint)
	r.Get("/complaints/:id", h.showComplaint)
	r.Get("/complaints/:id/edit", h.editComplaint)
	h.printRoutes(r, "/complaints", h.complaintPrint)
	r.Post("/complaints/:id", h.updateComplaint)
	r.Post("/complaints/:id/attachments", h.uploadComplaintAttachment)
	r.Post("/complaints/:id/attachments/:att/delete", h.deleteComplaintAttachment)
	registerDocActions(h, r, h.complaintActions())
	r.Get("/complaint-notices", h.showComplaintNotices)
	r.Get("/complaint-notices/:id", h.showComplaintNotice)
}

type complaintRow struct {
	*model.Complaint
	Customer *model.Customer
}

type complaintList struct {
	List
	Statuses []model.Status
	Staff    bool
}

func (h *Handler) showComplaints(c *fiber.Ctx) error {
	if err := needChannel(c); err != nil {
		return err
	}
	u := currentUser(c)
	sc := h.scope(c)
	q := parseListQuery(c)
	d := &complaintList{Statuses: channelStatuses[model.DocComplaint], Staff: u.IsStaff()}
	var rows []complaintRow
	err := h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
		f := docFilterOf(q)
		var ok bool
		if f.CustomerID, ok = channelCustomerFilter(t, sc, q); !ok {
			d.List = List{Query: q, Pager: q.Pager(0)}
			return nil
		}
		sums, total, err := t.ListDocs(sc, model.DocComplaint, f, q.Page())
		if err != nil {
			return err
		}
		names := newCustomerNames(t, sc)
		for _, s := range sums {
			cp, err := t.Complaint(sc, s.ID)
			if err != nil {
				return err
			}
			rows = append(rows, complaintRow{Complaint: cp, Customer: names.get(cp.CustomerID)})
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
			res := ""
			if r.Handling != nil {
				res = r.Handling.Resolution
			}
			out = append(out, []string{r.Number, r.Customer.Code, r.Customer.Name, r.FiledDate, r.Territory, r.ProductLabel(), r.TraceCodes,
				r.PlaceFound, r.Qty.String(), r.DateFound, h.i18n.T(l, "status."+string(r.Status)), res})
		}
		return h.export(c, q.Export, "complaints", []exportCol{
			{"ch.number", colText}, {"ch.customer_code", colText}, {"cp.complainant", colText},
			{"cp.filed_date", colDate}, {"cp.territory", colText}, {"ch.product", colText}, {"cp.trace_codes", colText},
			{"cp.place_found", colText}, {"ch.qty", colNumber}, {"cp.date_found", colDate}, {"ch.status", colText},
			{"cp.resolution", colText},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplComplaintList, h.view(c, "cp.title", d))
}

type complaintForm struct {
	C            *model.Complaint
	CustomerCode string
	ProductCode  string
	Choices      []*store.CatalogItem
	Staff        bool
	Token        string
}

func (h *Handler) complaintFormView(c *fiber.Ctx, cp *model.Complaint, code string) (*View, error) {
	u := currentUser(c)
	d := &complaintForm{C: cp, CustomerCode: code, ProductCode: cp.Product.Code, Staff: u.IsStaff(), Token: h.formToken(c)}
	if v := c.FormValue("product_code"); v != "" {
		d.ProductCode = v
	}
	err := h.read(func(t *store.Tx) error {
		cust := formCustomer(t, h.scope(c), u, cp.CustomerID, d.CustomerCode)
		if cust != 0 && d.CustomerCode == "" {
			if cu, err := t.Customer(h.scope(c), cust); err == nil {
				d.CustomerCode = cu.Code
			}
		}
		d.Choices = channelProductChoices(t, cust)
		return nil
	})
	return h.view(c, newOrEdit(cp.ID, "cp.new", "cp.edit"), d), err
}

func (h *Handler) newComplaint(c *fiber.Ctx) error {
	if err := need(c, model.PermFileService); err != nil {
		return err
	}
	v, err := h.complaintFormView(c, &model.Complaint{}, "")
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplComplaintForm, v)
}

// readComplaint copies the form into cp and returns it as the use case's
// input with what the parsing refused; the product code is resolved for
// the complainant by the use case.
func readComplaint(c *fiber.Ctx, cp *model.Complaint) store.ComplaintInput {
	ve := &model.ValidationError{}
	cp.AccusedName, cp.Territory, cp.ProductText = c.FormValue("accused_name"), c.FormValue("territory"), c.FormValue("product_text")
	cp.TraceCodes, cp.PlaceFound, cp.DateFound = c.FormValue("trace_codes"), c.FormValue("place_found"), c.FormValue("date_found")
	cp.Description = c.FormValue("description")
	cp.Version = formUint(c, "version")
	cp.Qty, cp.PriceSeen = 0, 0
	if s := strings.TrimSpace(c.FormValue("qty")); s != "" {
		if q, err := model.ParseQty(s); err != nil || q < 0 {
			ve.AddErr("qty", err, "err.qty_invalid")
		} else {
			cp.Qty = q
		}
	}
	if s := strings.TrimSpace(c.FormValue("price_seen")); s != "" {
		if m, err := model.ParseMoney(s); err != nil || m < 0 {
			ve.AddErr("price_seen", err, "err.money")
		} else {
			cp.PriceSeen = m
		}
	}
	return store.ComplaintInput{Complaint: cp, CustomerCode: c.FormValue("customer_code"), ProductCode: c.FormValue("product_code"), Invalid: ve}
}

// saveComplaint stores the form through the use case: a new complaint once
// per form token, for the dealer's own customer or the one staff typed.
func (h *Handler) saveComplaint(c *fiber.Ctx, cp *model.Complaint) error {
	u := currentUser(c)
	isNew := cp.ID == 0
	a := store.Actor{User: u, Scope: h.scope(c)}
	if isNew {
		a.Once = c.FormValue("_idem")
		if !u.IsStaff() {
			cp.CustomerID = u.CustomerID
		}
	}
	id, err := h.store.SaveComplaint(a, readComplaint(c, cp))
	if err != nil {
		if isNew {
			cp.ID = 0
		}
		v, verr := h.complaintFormView(c, cp, c.FormValue("customer_code"))
		if verr != nil {
			return verr
		}
		return h.formError(c, err, tplComplaintForm, v)
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/complaints/"+itoa(id))
}

func (h *Handler) createComplaint(c *fiber.Ctx) error {
	if err := need(c, model.PermFileService); err != nil {
		return err
	}
	return h.saveComplaint(c, &model.Complaint{})
}

// loadComplaint reads the complaint of the route through the user's scope:
// 404 when it does not exist or the user's scope does not cover the
// complainant (the accused dealer included).
func (h *Handler) loadComplaint(c *fiber.Ctx) (*model.Complaint, error) {
	return loadRouteDoc(h, c, (*store.Tx).Complaint, needChannel)
}

func (h *Handler) editComplaint(c *fiber.Ctx) error {
	cp, err := h.loadComplaint(c)
	if err != nil {
		return err
	}
	if !model.CanEditComplaint(cp, currentUser(c)) {
		return &model.StateError{Action: "edit", Status: string(cp.Status)}
	}
	v, err := h.complaintFormView(c, cp, "")
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplComplaintForm, v)
}

func (h *Handler) updateComplaint(c *fiber.Ctx) error {
	cp, err := h.loadComplaint(c)
	if err != nil {
		return err
	}
	if !model.CanEditComplaint(cp, currentUser(c)) {
		return &model.StateError{Action: "edit", Status: string(cp.Status)}
	}
	return h.saveComplaint(c, cp)
}

// complaintPage is what the document view shows. Accused and Responsible
// are shown to staff only.
type complaintPage struct {
	C           *model.Complaint
	Customer    *model.Customer
	Staff       bool
	CanEdit     bool
	Actions     []string
	Bar         *actionBar
	CanHandle   bool
	Handling    model.ComplaintHandling
	AccusedCode string
	RespCode    string
	Accused     *model.Customer
	Responsible *model.Customer
	Attachments []*model.Attachment
	AttBase     string
	CanAttach   bool
	Trail       []model.AuditEntry
	Thread      *CommentThread
}

func (h *Handler) complaintPage(c *fiber.Ctx, cp *model.Complaint) (*complaintPage, error) {
	u := currentUser(c)
	sc := h.scope(c)
	p := &complaintPage{C: cp, Staff: u.IsStaff(), CanEdit: model.CanEditComplaint(cp, u), AttBase: "/complaints/" + itoa(cp.ID), Trail: cp.Trail}
	p.CanAttach = p.CanEdit
	for _, a := range model.ComplaintMachine.Allowed(cp.Status, u) {
		if a == "handle" {
			p.CanHandle = true
			continue
		}
		p.Actions = append(p.Actions, a)
	}
	if cp.Handling != nil {
		p.Handling = *cp.Handling
	}
	err := h.read(func(t *store.Tx) (err error) {
		p.Customer, _ = t.Customer(sc, cp.CustomerID)
		if p.Staff {
			if cp.AccusedID != 0 {
				if p.Accused, err = t.Customer(sc, cp.AccusedID); err == nil {
					p.AccusedCode = p.Accused.Code
				}
			}
			if cp.Handling != nil && cp.Handling.ResponsibleID != 0 {
				if p.Responsible, err = t.Customer(sc, cp.Handling.ResponsibleID); err == nil {
					p.RespCode = p.Responsible.Code
				}
			}
			if p.RespCode == "" {
				p.RespCode = p.AccusedCode
			}
		}
		if p.Thread, err = h.thread(t, c, model.DocComplaint, cp.ID); err != nil {
			return err
		}
		p.Attachments, err = t.Attachments(store.OwnerComplaint, cp.ID)
		return err
	})
	p.Bar = p.bar()
	return p, err
}

func (h *Handler) showComplaint(c *fiber.Ctx) error {
	cp, err := h.loadComplaint(c)
	if err != nil {
		return err
	}
	p, err := h.complaintPage(c, cp)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplComplaintView, h.view(c, "cp.view", p))
}

// complaintActions: the complainant submits or deletes a draft; staff
// audit (naming the accused dealer), handle (findings, penalty,
// compensation, the dealer found responsible), close and reopen. Customer
// codes are looked up inside the user's scope.
func (h *Handler) complaintActions() docKind[*model.Complaint] {
	act := func(x *docRun[*model.Complaint]) (uint64, error) {
		if err := need(x.C, model.ComplaintMachine.Find(x.Action).Perm); err != nil {
			return 0, err
		}
		return 0, h.store.ActOnComplaint(x.Actor, x.ID, x.Version, x.Action, readComplaintAction(x))
	}
	return docKind[*model.Complaint]{Base: "/complaints", Load: h.loadComplaint,
		Page: func(c *fiber.Ctx, cp *model.Complaint, action string) (string, *View, error) {
			p, err := h.complaintPage(c, cp)
			if err != nil {
				return "", nil, err
			}
			if action == "handle" {
				p.Handling = model.ComplaintHandling{Findings: c.FormValue("findings"), RecallDeadline: c.FormValue("recall_deadline"), Resolution: c.FormValue("resolution")}
				p.Handling.Penalty, _ = model.ParseMoney(strings.TrimSpace(c.FormValue("penalty")))
				p.Handling.Compensation, _ = model.ParseMoney(strings.TrimSpace(c.FormValue("compensation")))
				p.RespCode = c.FormValue("responsible_code")
			}
			p.AccusedCode = c.FormValue("accused_code")
			return tplComplaintView, h.view(c, "cp.view", p), nil
		},
		Actions: map[string]docAction[*model.Complaint]{
			"submit": {Flash: "flash.ch_submitted", Run: act}, "audit": {Flash: "flash.cp_audited", Run: act},
			"handle": {Flash: "flash.cp_handled", Run: act}, "close": {Flash: "flash.ch_closed", Run: act},
			"reopen": {Flash: "flash.ch_reopened", Run: act},
			"delete": {Flash: "flash.deleted", Next: func(*fiber.Ctx, uint64, uint64) string { return "/complaints" },
				Run: func(x *docRun[*model.Complaint]) (uint64, error) {
					// A draft the user may not edit is refused here; one that
					// is no draft by the store (409).
					if x.Doc.Editable() && !model.CanEditComplaint(x.Doc, x.Actor.User) {
						return 0, model.ErrNotAllowed
					}
					return 0, h.store.RemoveComplaint(x.Actor, x.ID, x.Version)
				}},
		}}
}

// readComplaintAction reads an action's form: the reason, the accused
// dealer's code (staff) and, for "handle", the handling with the
// responsible dealer's code.
func readComplaintAction(x *docRun[*model.Complaint]) store.ComplaintActionInput {
	c := x.C
	in := store.ComplaintActionInput{ComplaintAction: store.ComplaintAction{Reason: x.Reason()}, Invalid: &model.ValidationError{}}
	if x.Actor.User.IsStaff() {
		in.AccusedCode = c.FormValue("accused_code")
	}
	if x.Action == "handle" {
		form := &model.ComplaintHandling{Findings: c.FormValue("findings"), RecallDeadline: c.FormValue("recall_deadline"), Resolution: c.FormValue("resolution")}
		for _, m := range []struct {
			field string
			dst   *model.Money
		}{{"penalty", &form.Penalty}, {"compensation", &form.Compensation}} {
			if s := strings.TrimSpace(c.FormValue(m.field)); s != "" {
				if v, err := model.ParseMoney(s); err != nil || v < 0 {
					in.Invalid.AddErr(m.field, err, "err.money")
				} else {
					*m.dst = v
				}
			}
		}
		in.Handling, in.ResponsibleCode = form, c.FormValue("responsible_code")
	}
	return in
}

// uploadComplaintAttachment adds evidence while the complaint is a draft;
// it belongs to the complainant (the accused never reads it: see
// store.RegisterAttachmentAccess in store/channel.go).
func (h *Handler) uploadComplaintAttachment(c *fiber.Ctx) error {
	cp, err := h.loadComplaint(c)
	if err != nil {
		return err
	}
	if !model.CanEditComplaint(cp, currentUser(c)) {
		return &model.StateError{Action: "edit", Status: string(cp.Status)}
	}
	if err := h.saveUpload(c, store.OwnerComplaint, cp.ID, cp.CustomerID); err != nil {
		p, perr := h.complaintPage(c, cp)
		if perr != nil {
			return perr
		}
		return h.formError(c, err, tplComplaintView, h.view(c, "cp.view", p))
	}
	h.setFlash(c, "flash.uploaded")
	return h.redirect(c, "/complaints/"+itoa(cp.ID)+"#attachments")
}

func (h *Handler) deleteComplaintAttachment(c *fiber.Ctx) error {
	cp, err := h.loadComplaint(c)
	if err != nil {
		return err
	}
	return h.deleteChannelAttachment(c, store.OwnerComplaint, cp.ID, model.CanEditComplaint(cp, currentUser(c)))
}

// showComplaintNotices lists the handled complaints a dealer was found
// responsible for (串货处理通知), without the complainant.
func (h *Handler) showComplaintNotices(c *fiber.Ctx) error {
	if err := need(c, model.PermChannel); err != nil {
		return fiber.ErrNotFound
	}
	q := parseListQuery(c)
	var rows []*model.ComplaintNotice
	var total int
	err := h.read(func(t *store.Tx) (err error) {
		rows, total, err = t.ListComplaintNotices(h.scope(c), q.Page())
		return err
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		out := make([][]string, 0, len(rows))
		for _, n := range rows {
			out = append(out, []string{n.Number, n.HandledOn, n.Territory, n.Product, n.TraceCodes, n.PlaceFound, n.Qty.String(),
				n.DateFound, n.Penalty.Plain(), n.Compensation.Plain(), n.RecallDeadline, n.Resolution})
		}
		return h.export(c, q.Export, "complaint-notices", []exportCol{
			{"ch.number", colText}, {"cpn.handled_on", colDate}, {"cp.territory", colText}, {"ch.product", colText},
			{"cp.trace_codes", colText}, {"cp.place_found", colText}, {"ch.qty", colNumber}, {"cp.date_found", colDate},
			{"cp.penalty", colMoney}, {"cp.compensation", colMoney}, {"cp.recall_deadline", colDate},
			{"cp.resolution", colText},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplNoticeList, h.view(c, "cpn.title", &List{Rows: rows, Query: q, Pager: q.Pager(total)}))
}

func (h *Handler) showComplaintNotice(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := needChannel(c); err != nil {
		return err
	}
	var n *model.ComplaintNotice
	if err := h.read(func(t *store.Tx) error {
		n, err = t.ComplaintNotice(h.scope(c), id)
		return err
	}); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplComplaintNotice, h.view(c, "cpn.view", n))
}
