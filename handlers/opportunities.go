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
	err := h.store.View(func(t *store.Tx) error {
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
	d := &opportunityForm{WithPrice: true, O: o, CustomerCode: code, Rows: rows, Stages: model.OpportunityStages, Staff: u.IsStaff(), Token: formToken(c)}
	if d.Rows == nil {
		d.Rows = blankRows(opportunityRows(o), 3)
	}
	err := h.store.View(func(t *store.Tx) error {
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

// readOpportunity copies the form into o and resolves the interest lines'
// product codes for the customer; problems are field errors (per row:
// "line_<i>").
func (h *Handler) readOpportunity(c *fiber.Ctx, t *store.Tx, o *model.Opportunity) ([]channelLineRow, *model.ValidationError) {
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
		if ref, err := t.ChannelProduct(h.scope(c), o.CustomerID, code, false); err != nil {
			ve.Add(field, "err.ch_product", nil)
		} else {
			line.ProductRef, row.Label = ref, ref.Name+" "+ref.Spec
		}
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
	}
	return rows, ve
}

// saveOpportunity validates and stores the form in one transaction; a new
// one is created once per form token. "more" only adds blank rows.
func (h *Handler) saveOpportunity(c *fiber.Ctx, o *model.Opportunity) error {
	u := currentUser(c)
	sc := h.scope(c)
	isNew := o.ID == 0
	var rows []channelLineRow
	more := c.FormValue("more") != ""
	err := h.store.Update(u.Username, func(t *store.Tx) error {
		if isNew {
			cu, err := h.channelCustomerFor(c, t, "customer_code")
			if err != nil {
				return err
			}
			o.CustomerID = cu.ID
		}
		var ve *model.ValidationError
		rows, ve = h.readOpportunity(c, t, o)
		if more {
			return ve.Err()
		}
		save := func() (uint64, error) {
			if err := mergeErrors(ve, o.Validate()); err != nil {
				return 0, err
			}
			if err := t.SaveOpportunity(sc, u, o); err != nil {
				return 0, err
			}
			return o.ID, nil
		}
		return saveOnce(c, t, u, &o.ID, isNew, save)
	})
	if err != nil || more {
		if isNew {
			o.ID = 0
		}
		v, verr := h.opportunityFormView(c, o, blankRows(rows, map[bool]int{true: 5, false: 1}[more]), c.FormValue("customer_code"))
		if verr != nil {
			return verr
		}
		if more && err == nil {
			return h.render(c, fiber.StatusOK, tplOpportunityForm, v)
		}
		return h.formError(c, err, tplOpportunityForm, v)
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/opportunities/"+itoa(o.ID))
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
	if !store.CanEditOpportunity(o, currentUser(c)) {
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
	if !store.CanEditOpportunity(o, currentUser(c)) {
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
	p := &opportunityPage{O: o, Tab: c.Query("tab"), Staff: u.IsStaff(), CanEdit: store.CanEditOpportunity(o, u),
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
	err := h.store.View(func(t *store.Tx) (err error) {
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
	act := func(x *docCall[*model.Opportunity]) (string, error) {
		_, err := x.Tx.ActOnOpportunity(x.Scope, x.User, x.ID, x.Version, x.Action, nil)
		return "", err
	}
	evaluate := func(x *docCall[*model.Opportunity]) (string, error) {
		verdict, eval := readEvaluation(x.C)
		if !contains(model.OpportunityEvaluations, verdict) {
			return "", model.Invalid("verdict", "err.choice")
		}
		_, err := x.Tx.ActOnOpportunity(x.Scope, x.User, x.ID, x.Version, verdict, eval)
		return "/opportunities/" + itoa(x.ID) + "?tab=evaluation", err
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
			"submit": {Flash: "flash.ch_submitted", Do: act}, "evaluate": {Flash: "flash.opp_evaluated", Do: evaluate},
			"win": {Flash: "flash.ch_done", Do: act}, "lose": {Flash: "flash.ch_done", Do: act}, "expire": {Flash: "flash.ch_done", Do: act},
			"delete": {Flash: "flash.deleted", Do: func(x *docCall[*model.Opportunity]) (string, error) {
				return "/opportunities", x.Tx.DeleteOpportunity(x.Scope, x.User, x.ID, x.Version)
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
	if !store.CanEditOpportunity(o, currentUser(c)) {
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
	return h.deleteChannelAttachment(c, store.OwnerOpportunity, o.ID, store.CanEditOpportunity(o, currentUser(c)))
}
