package handlers

import (
	"strconv"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplOpportunityList = "channel/opportunity_list"
	tplOpportunityForm = "channel/opportunity_form"
	tplOpportunityView = "channel/opportunity_view"
)

// Opportunity reports (商机报备, SPEC §2.5): a dealer (or staff for a
// customer) reports a project at an end client with its interest range
// (兴趣范围: products of the customer's published catalog); staff evaluate it
// (评估结果) and follow it to won, lost or expired. A second dealer's
// registration for an end client another dealer's accepted one protects is
// flagged to staff (防撞单).
func (h *Handler) registerOpportunities(r fiber.Router) {
	r.Get("/opportunities", h.showOpportunities)
	r.Get("/opportunities/new", h.newOpportunity)
	r.Post("/opportunities", h.createOpportunity)
	r.Get("/opportunities/:id", h.showOpportunity)
	r.Get("/opportunities/:id/edit", h.editOpportunity)
	h.printRoutes(r, "/opportunities", h.opportunityPrint)
	r.Post("/opportunities/:id", h.updateOpportunity)
	r.Post("/opportunities/:id/attachments", h.uploadOpportunityAttachment)
	r.Post("/opportunities/:id/attachments/:att/delete", h.deleteOpportunityAttachment)
	registerDocActions(h, r, h.opportunityActions())
}

// opportunityRow is one line of the list.
type opportunityRow struct {
	*model.Opportunity
	Customer  *model.Customer
	Collision bool
	Ended     bool
}

type opportunityList struct {
	List
	Statuses []model.Status
	Staff    bool
}

func (h *Handler) showOpportunities(c *fiber.Ctx) error {
	if err := needChannel(c); err != nil {
		return err
	}
	u := currentUser(c)
	sc := h.scope(c)
	q := parseListQuery(c)
	d := &opportunityList{Statuses: channelStatuses[model.DocOpportunity], Staff: u.IsStaff()}
	var rows []opportunityRow
	err := h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
		f := docFilterOf(q)
		var ok bool
		if f.CustomerID, ok = channelCustomerFilter(t, sc, q); !ok {
			d.List = List{Query: q, Pager: q.Pager(0)}
			return nil
		}
		sums, total, err := t.ListDocs(sc, model.DocOpportunity, f, q.Page())
		if err != nil {
			return err
		}
		names, day := newCustomerNames(t, sc), t.Today()
		for _, s := range sums {
			o, err := t.Opportunity(sc, s.ID)
			if err != nil {
				return err
			}
			row := opportunityRow{Opportunity: o, Customer: names.get(o.CustomerID), Ended: o.ProtectionEnded(day)}
			if d.Staff && o.Status == model.StatusSubmitted {
				m, err := t.Collision(o, day)
				if err != nil {
					return err
				}
				row.Collision = m != nil
			}
			rows = append(rows, row)
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
			ev := model.Evaluation{}
			if r.Evaluation != nil {
				ev = *r.Evaluation
			}
			prob := ""
			if r.Evaluation != nil && r.Evaluation.Verdict == model.VerdictAccepted {
				prob = strconv.Itoa(ev.WinProbability) + "%"
			}
			out = append(out, []string{r.Number, r.Customer.Code, r.Customer.Name, r.ReportDate, r.Project, r.EndClient, r.Region,
				h.i18n.T(l, "opp.stage."+r.Stage), r.ExpectedAmount.Plain(), r.ExpectedClose,
				h.i18n.T(l, "status."+string(r.Status)), ev.ProtectionEnd, prob})
		}
		return h.export(c, q.Export, "opportunities", []exportCol{
			{"ch.number", colText}, {"ch.customer_code", colText}, {"ch.customer", colText},
			{"opp.report_date", colDate}, {"opp.project", colText}, {"opp.end_client", colText},
			{"opp.region", colText}, {"opp.stage", colText}, {"opp.expected_amount", colMoney},
			{"opp.expected_close", colDate}, {"ch.status", colText}, {"opp.protection_end", colDate},
			{"opp.win_probability", colPercent},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplOpportunityList, h.view(c, "opp.title", d))
}

// channelLineRow is one row of an interest-range or stocktake form.
type channelLineRow struct {
	Index            int
	Code, Qty, Price string
	Label            string
	Err              string
}

type opportunityForm struct {
	WithPrice    bool
	O            *model.Opportunity
	CustomerCode string
	Rows         []channelLineRow
	Choices      []*store.CatalogItem
	Stages       []string
	Staff        bool
	Token        string
}

func opportunityRows(o *model.Opportunity) []channelLineRow {
	rows := make([]channelLineRow, 0, len(o.Lines)+3)
	for i, l := range o.Lines {
		rows = append(rows, channelLineRow{Index: i, Code: l.Code, Qty: l.Qty.String(), Price: l.Price.Plain(), Label: l.Name + " " + l.Spec})
	}
	return rows
}

func blankRows(rows []channelLineRow, n int) []channelLineRow {
	for i := 0; i < n; i++ {
		rows = append(rows, channelLineRow{Index: len(rows)})
	}
	return rows
}

func (h *Handler) opportunityFormView(c *fiber.Ctx, o *model.Opportunity, rows []channelLineRow, code string) (*View, error) {
	u := currentUser(c)
	d := &opportunityForm{WithPrice: true, O: o, CustomerCode: code, Rows: rows, Stages: model.OpportunityStages, Staff: u.IsStaff(), Token: h.formToken(c)}
	if d.Rows == nil {
		d.Rows = blankRows(opportunityRows(o), 3)
	}
	err := h.read(func(t *store.Tx) error {
		cust := formCustomer(t, h.scope(c), u, o.CustomerID, d.CustomerCode)
		if cust != 0 && d.CustomerCode == "" {
			if cu, err := t.Customer(h.scope(c), cust); err == nil {
				d.CustomerCode = cu.Code
			}
		}
		d.Choices = channelProductChoices(t, cust)
		return nil
	})
	return h.view(c, newOrEdit(o.ID, "opp.new", "opp.edit"), d), err
}

func (h *Handler) newOpportunity(c *fiber.Ctx) error {
	if err := need(c, model.PermFileOpportunity); err != nil {
		return err
	}
	v, err := h.opportunityFormView(c, &model.Opportunity{Stage: "lead"}, nil, strings.TrimSpace(c.Query("customer")))
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplOpportunityForm, v)
}

// readOpportunity copies the form into o and returns it as the use
// case's input, with the rows to show again and what the parsing refused
// (per row: "line_<i>"); the use case resolves the lines' product codes.
func readOpportunity(c *fiber.Ctx, o *model.Opportunity) ([]channelLineRow, store.OpportunityInput) {
	ve := &model.ValidationError{}
	o.Project, o.EndClient, o.Region = c.FormValue("project"), c.FormValue("end_client"), c.FormValue("region")
	o.Stage, o.ExpectedClose, o.Description = c.FormValue("stage"), c.FormValue("expected_close"), c.FormValue("description")
	o.Version = formUint(c, "version")
	o.ExpectedAmount = 0
	if s := strings.TrimSpace(c.FormValue("expected_amount")); s != "" {
		if m, err := model.ParseMoney(s); err != nil || m < 0 {
			ve.AddErr("expected_amount", err, "err.money")
		} else {
			o.ExpectedAmount = m
		}
	}
	in := store.OpportunityInput{Opportunity: o, CustomerCode: c.FormValue("customer_code"), Invalid: ve, More: c.FormValue("more") != ""}
	codes, qtys, prices := channelFormValues(c, "line_code"), channelFormValues(c, "line_qty"), channelFormValues(c, "line_price")
	var rows []channelLineRow
	o.Lines = nil
	for i, code := range codes {
		code = strings.TrimSpace(code)
		row := channelLineRow{Index: len(rows), Code: code}
		if i < len(qtys) {
			row.Qty = strings.TrimSpace(qtys[i])
		}
		if i < len(prices) {
			row.Price = strings.TrimSpace(prices[i])
		}
		if row.Code == "" && row.Qty == "" && row.Price == "" {
			continue
		}
		line := model.InterestLine{}
		field := "line_" + strconv.Itoa(row.Index)
		if q, err := model.ParseQty(row.Qty); err != nil || q <= 0 {
			ve.AddErr(field, err, "err.qty_positive")
		} else {
			line.Qty = q
		}
		if row.Price != "" {
			if m, err := model.ParseMoney(row.Price); err != nil || m < 0 {
				ve.AddErr(field, err, "err.money")
			} else {
				line.Price = m
			}
		}
		rows = append(rows, row)
		o.Lines = append(o.Lines, line)
		in.LineCodes, in.LineFields = append(in.LineCodes, code), append(in.LineFields, field)
	}
	return rows, in
}

// saveOpportunity stores the form through the use case; a new one is
// created once per form token. "more" only adds blank rows.
func (h *Handler) saveOpportunity(c *fiber.Ctx, o *model.Opportunity) error {
	u := currentUser(c)
	isNew := o.ID == 0
	a := store.Actor{User: u, Scope: h.scope(c)}
	if isNew && !u.IsStaff() {
		o.CustomerID = u.CustomerID
	}
	rows, in := readOpportunity(c, o)
	if isNew && !in.More {
		a.Once = c.FormValue("_idem")
	}
	id, err := h.store.SaveOpportunity(a, in)
	if err != nil || in.More {
		if isNew {
			o.ID = 0
		}
		for i := range rows {
			if i < len(o.Lines) && o.Lines[i].ProductID != 0 {
				rows[i].Label = o.Lines[i].Name + " " + o.Lines[i].Spec
			}
		}
		v, verr := h.opportunityFormView(c, o, blankRows(rows, map[bool]int{true: 5, false: 1}[in.More]), c.FormValue("customer_code"))
		if verr != nil {
			return verr
		}
		if in.More && err == nil {
			return h.render(c, fiber.StatusOK, tplOpportunityForm, v)
		}
		return h.formError(c, err, tplOpportunityForm, v)
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/opportunities/"+itoa(id))
}

func (h *Handler) createOpportunity(c *fiber.Ctx) error {
	if err := need(c, model.PermFileOpportunity); err != nil {
		return err
	}
	return h.saveOpportunity(c, &model.Opportunity{})
}

// loadOpportunity reads the opportunity of the route through the user's
// scope: 404 when it does not exist, lies outside the scope, or the user
// reads no channel documents.
func (h *Handler) loadOpportunity(c *fiber.Ctx) (*model.Opportunity, error) {
	return loadRouteDoc(h, c, (*store.Tx).Opportunity, needChannel)
}

func (h *Handler) editOpportunity(c *fiber.Ctx) error {
	o, err := h.loadOpportunity(c)
	if err != nil {
		return err
	}
	if !model.CanEditOpportunity(o, currentUser(c)) {
		return &model.StateError{Action: "edit", Status: string(o.Status)}
	}
	v, err := h.opportunityFormView(c, o, nil, "")
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplOpportunityForm, v)
}

func (h *Handler) updateOpportunity(c *fiber.Ctx) error {
	o, err := h.loadOpportunity(c)
	if err != nil {
		return err
	}
	if !model.CanEditOpportunity(o, currentUser(c)) {
		return &model.StateError{Action: "edit", Status: string(o.Status)}
	}
	return h.saveOpportunity(c, o)
}

// opportunityPage is what the document view shows.
type opportunityPage struct {
	O           *model.Opportunity
	Customer    *model.Customer
	Tab         string
	Staff       bool
	CanEdit     bool
	CanEvaluate bool
	Actions     []string // life-cycle actions other than the evaluation
	Bar         *actionBar
	Eval        model.Evaluation
	Verdict     string
	Matches     []store.ClientMatch
	Collision   *store.ClientMatch
	Protected   bool
	Ended       bool
	Attachments []*model.Attachment
	Verdicts    []string
	AttBase     string
	CanAttach   bool
	Trail       []model.AuditEntry
	Thread      *CommentThread
}

func (h *Handler) opportunityPage(c *fiber.Ctx, o *model.Opportunity) (*opportunityPage, error) {
	u := currentUser(c)
	sc := h.scope(c)
	p := &opportunityPage{O: o, Tab: c.Query("tab"), Staff: u.IsStaff(), CanEdit: model.CanEditOpportunity(o, u),
		Verdicts: model.OpportunityEvaluations, AttBase: "/opportunities/" + itoa(o.ID), Trail: o.Trail}
	p.CanAttach = p.CanEdit
	if p.Tab != "evaluation" {
		p.Tab = "interest"
	}
	for _, a := range model.OpportunityMachine.Allowed(o.Status, u) {
		switch a {
		case "accept", "reject", "need_info":
			p.CanEvaluate = true
		default:
			p.Actions = append(p.Actions, a)
		}
	}
	if o.Evaluation != nil {
		p.Eval = *o.Evaluation
	}
	p.Verdict = "accept"
	err := h.read(func(t *store.Tx) (err error) {
		p.Collision = nil // fn may run again (Store.View)
		day := t.Today()
		p.Protected, p.Ended = o.ProtectedOn(day), o.ProtectionEnded(day)
		p.Customer, _ = t.Customer(sc, o.CustomerID)
		if p.Staff {
			if p.Matches, err = t.SameClient(sc, o, day); err != nil {
				return err
			}
			if o.Status == model.StatusSubmitted || o.Status == model.StatusNeedsInfo {
				for i := range p.Matches {
					if p.Matches[i].Protecting {
						p.Collision = &p.Matches[i]
						break
					}
				}
			}
			if p.Eval.ProtectionEnd == "" && p.CanEvaluate {
				p.Eval.ProtectionEnd = model.AddDays(day, 90)
			}
		}
		if p.Thread, err = h.thread(t, c, model.DocOpportunity, o.ID); err != nil {
			return err
		}
		p.Attachments, err = t.Attachments(store.OwnerOpportunity, o.ID)
		return err
	})
	p.Bar = p.bar()
	return p, err
}

func (h *Handler) showOpportunity(c *fiber.Ctx) error {
	o, err := h.loadOpportunity(c)
	if err != nil {
		return err
	}
	p, err := h.opportunityPage(c, o)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplOpportunityView, h.view(c, "opp.view", p))
}

// opportunityActions: the dealer submits or deletes a draft; staff
// evaluate it (the verdict accept, reject or need_info posted with the
// evaluation form) and follow it to won, lost or expired.
func (h *Handler) opportunityActions() docKind[*model.Opportunity] {
	act := func(x *docRun[*model.Opportunity]) (uint64, error) {
		if err := need(x.C, model.OpportunityMachine.Find(x.Action).Perm); err != nil {
			return 0, err
		}
		return 0, h.store.ActOnOpportunity(x.Actor, x.ID, x.Version, x.Action, nil)
	}
	evaluate := func(x *docRun[*model.Opportunity]) (uint64, error) {
		verdict, eval := readEvaluation(x.C)
		if !contains(model.OpportunityEvaluations, verdict) {
			return 0, model.Invalid("verdict", "err.choice")
		}
		if err := need(x.C, model.OpportunityMachine.Find(verdict).Perm); err != nil {
			return 0, err
		}
		return 0, h.store.ActOnOpportunity(x.Actor, x.ID, x.Version, verdict, eval)
	}
	return docKind[*model.Opportunity]{Base: "/opportunities", Load: h.loadOpportunity,
		Page: func(c *fiber.Ctx, o *model.Opportunity, action string) (string, *View, error) {
			p, err := h.opportunityPage(c, o)
			if err != nil {
				return "", nil, err
			}
			if action == "evaluate" {
				verdict, eval := readEvaluation(c)
				p.Tab, p.Eval, p.Verdict = "evaluation", *eval, verdict
			}
			return tplOpportunityView, h.view(c, "opp.view", p), nil
		},
		Actions: map[string]docAction[*model.Opportunity]{
			"submit": {Flash: "flash.ch_submitted", Run: act},
			"evaluate": {Flash: "flash.opp_evaluated", Run: evaluate,
				Next: func(_ *fiber.Ctx, id, _ uint64) string { return "/opportunities/" + itoa(id) + "?tab=evaluation" }},
			"win": {Flash: "flash.ch_done", Run: act}, "lose": {Flash: "flash.ch_done", Run: act}, "expire": {Flash: "flash.ch_done", Run: act},
			"delete": {Flash: "flash.deleted", Next: func(*fiber.Ctx, uint64, uint64) string { return "/opportunities" },
				Run: func(x *docRun[*model.Opportunity]) (uint64, error) {
					// A draft the user may not edit is refused here; one that
					// is no draft by the store (409).
					if x.Doc.Status == model.StatusDraft && !model.CanEditOpportunity(x.Doc, x.Actor.User) {
						return 0, model.ErrNotAllowed
					}
					return 0, h.store.RemoveOpportunity(x.Actor, x.ID, x.Version)
				}},
		}}
}

// readEvaluation reads the evaluation form: the verdict and the evaluation
// (an unreadable win probability is -1, refused by the model).
func readEvaluation(c *fiber.Ctx) (string, *model.Evaluation) {
	raw := strings.TrimSpace(c.FormValue("win_probability"))
	prob, perr := strconv.Atoi(raw)
	if perr != nil && raw != "" {
		prob = -1
	}
	return c.FormValue("verdict"), &model.Evaluation{ProtectionEnd: c.FormValue("protection_end"), WinProbability: prob, Comments: c.FormValue("comments")}
}

// uploadOpportunityAttachment adds a file while the opportunity may be
// edited; it belongs to the opportunity's customer.
func (h *Handler) uploadOpportunityAttachment(c *fiber.Ctx) error {
	o, err := h.loadOpportunity(c)
	if err != nil {
		return err
	}
	if !model.CanEditOpportunity(o, currentUser(c)) {
		return &model.StateError{Action: "edit", Status: string(o.Status)}
	}
	if err := h.saveUpload(c, store.OwnerOpportunity, o.ID, o.CustomerID); err != nil {
		p, perr := h.opportunityPage(c, o)
		if perr != nil {
			return perr
		}
		return h.formError(c, err, tplOpportunityView, h.view(c, "opp.view", p))
	}
	h.setFlash(c, "flash.uploaded")
	return h.redirect(c, "/opportunities/"+itoa(o.ID)+"#attachments")
}

func (h *Handler) deleteOpportunityAttachment(c *fiber.Ctx) error {
	o, err := h.loadOpportunity(c)
	if err != nil {
		return err
	}
	return h.deleteChannelAttachment(c, store.OwnerOpportunity, o.ID, model.CanEditOpportunity(o, currentUser(c)))
}
