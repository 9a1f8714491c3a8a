package handlers

import (
	"errors"
	"html/template"
	"strconv"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Sales invoices (销售发票): staff make one from a customer's un-invoiced
// outbound lines (/invoices/new?customer=CODE, or ?ob=ID for one outbound;
// &red=1 for a red invoice from red outbounds), save it as a draft or post
// it at once; audit posts, unaudit unposts (while nothing is written off
// and the dealer has not confirmed it). Dealers see their posted invoices.

const (
	tplInvoiceList = "recon/invoice_list"
	tplInvoiceForm = "recon/invoice_form"
	tplInvoiceView = "recon/invoice_view"
	tplPickCust    = "recon/pick_customer"
)

func (h *Handler) registerInvoices(r fiber.Router) {
	r.Get("/invoices", h.showInvoices)
	r.Get("/invoices/new", h.newInvoice)
	r.Post("/invoices", h.createInvoice)
	r.Get("/invoices/:id", h.showInvoice)
	r.Get("/invoices/:id/print", h.printInvoice)
	registerDocActions(h, r, h.invoiceActions())
}

// invoiceRow is a list row.
type invoiceRow struct {
	model.DocSummary
	Customer  string
	Open      model.Money
	InvoiceNo string
	Outbounds string
	Red       bool
	Recon     model.Status
}

type invoiceListData struct {
	List
	Staff    bool
	CanNew   bool
	Statuses []model.Status
	// RowsHTML is the table's rows (invoice_rows.go).
	RowsHTML template.HTML
}

// showInvoices is the invoice list (序时簿): search, status, colour,
// customer and dates, newest first with keyset paging, export. Dealers see
// posted invoices only.
func (h *Handler) showInvoices(c *fiber.Ctx) error {
	if err := needRecon(c); err != nil {
		return err
	}
	u := currentUser(c)
	sc := h.scope(c)
	q := parseListQuery(c)
	f := store.DocFilter{Q: q.Q, From: q.Get("from"), To: q.Get("to")}
	if q.Get("red") == "1" {
		f.Flag = "red"
	}
	if st := model.Status(q.Get("status")); st == model.StatusDraft || st == model.StatusAudited {
		f.Statuses = []model.Status{st}
	}
	if !sc.IsStaff() {
		f.Statuses = []model.Status{model.StatusAudited}
	}
	d := &invoiceListData{Staff: sc.IsStaff(), CanNew: u.Can(model.PermReconcile), Statuses: []model.Status{model.StatusDraft, model.StatusAudited}}
	var rows []invoiceRow
	err := h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
		if code := strings.TrimSpace(q.Get("customer")); code != "" && sc.IsStaff() {
			cu, err := t.CustomerByCode(sc, code)
			if err != nil {
				d.List = List{Query: q, Pager: q.Pager(0)}
				return nil
			}
			f.CustomerID = cu.ID
		}
		sums, total, err := t.ListDocs(sc, model.DocInvoice, f, q.Page())
		if err != nil {
			return err
		}
		names := map[uint64]string{}
		if sc.IsStaff() {
			names = docCustomers(t, sc, sums)
		}
		// The list's own fields come from the maintained invoice rows: no
		// invoice and no reconciliation record is decoded.
		lrs := t.InvoiceListRows(sums)
		for i, s := range sums {
			lr := lrs[i]
			r := invoiceRow{DocSummary: s, Red: s.Flag == "red", Open: lr.Open, InvoiceNo: lr.InvoiceNo, Outbounds: lr.Outbounds, Recon: lr.Recon}
			r.Customer = names[s.CustomerID]
			rows = append(rows, r)
		}
		var last uint64
		if len(sums) > 0 {
			last = sums[len(sums)-1].ID
		}
		d.List = List{Rows: rows, Query: q, Pager: q.KeysetPager(total, len(sums), last)}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		l := lang(c)
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			kind := ""
			if r.Red {
				kind = h.i18n.T(l, "rc.red")
			}
			out = append(out, []string{r.Number, kind, r.InvoiceNo, r.Date, r.Customer, r.Outbounds, h.i18n.T(l, "status."+string(r.Status)),
				r.Amount.Plain(), r.Open.Plain(), h.i18n.T(l, "status."+string(r.Recon))})
		}
		return h.export(c, q.Export, "invoices", []exportCol{
			{"rc.number", colText}, {"rc.colour", colText}, {"rc.invoice_no", colText}, {"rc.date", colDate},
			{"rc.customer", colText}, {"rc.outbounds", colText}, {"rc.status", colText}, {"rc.amount", colMoney},
			{"rc.open", colMoney}, {"rc.recon_state", colText},
		}, out)
	}
	v := h.view(c, "rc.invoices", d)
	d.RowsHTML = invoiceRowsHTML(v, d.Staff, rows)
	return h.render(c, fiber.StatusOK, tplInvoiceList, v)
}

// ---- the form ----

// invoiceFormLine is an outbound line offered for invoicing.
type invoiceFormLine struct {
	Field                  string
	No                     int
	Code, Name, Spec, Unit string
	Shipped, Invoiced      model.Qty
	Rest                   model.Qty
	Price                  model.Money
	TaxRate                int64
	Value                  string
}

type invoiceFormOB struct {
	OB    *model.Outbound
	Lines []invoiceFormLine
}

type invoiceForm struct {
	Customer  *model.Customer
	Red       bool
	OnlyOB    uint64
	Outbounds []invoiceFormOB
	Date      string
	InvoiceNo string
	Remarks   string
	Token     string
	// Truncated: more outbounds wait than the form shows.
	Truncated bool
}

// invoiceFormLimit is how many outbounds one form offers (oldest first).
const invoiceFormLimit = 60

// invoiceCustomer finds the customer of an invoice form: the outbound's
// (?ob=) or the one named by id or code, through the scope (404). nil when
// none is named yet.
func (h *Handler) invoiceCustomer(c *fiber.Ctx, t *store.Tx) (*model.Customer, uint64, error) {
	sc := h.scope(c)
	val := func(name string) string { return strings.TrimSpace(c.Query(name, c.FormValue(name))) }
	if n, _ := parseUint(val("ob")); n != 0 {
		ob, err := t.Outbound(sc, n)
		if err != nil {
			return nil, 0, err
		}
		cu, err := t.Customer(sc, ob.CustomerID)
		return cu, n, err
	}
	if n, _ := parseUint(val("customer_id")); n != 0 {
		cu, err := t.Customer(sc, n)
		return cu, 0, err
	}
	if code := val("customer"); code != "" {
		cu, err := t.CustomerByCode(sc, code)
		return cu, 0, err
	}
	return nil, 0, nil
}

// invoiceForm builds the form for customer cu: its un-invoiced outbounds
// of the chosen colour with each line's shipped, invoiced and remaining
// quantity (offered as the default).
func (h *Handler) invoiceForm(c *fiber.Ctx, t *store.Tx, cu *model.Customer, only uint64) (*invoiceForm, error) {
	red := c.Query("red", c.FormValue("red")) == "1"
	f := &invoiceForm{Customer: cu, Red: red, OnlyOB: only, Date: t.Today(), Token: h.formToken(c)}
	obs, err := t.UninvoicedOutbounds(h.scope(c), cu.ID, red, only, invoiceFormLimit+1)
	if err != nil {
		return nil, err
	}
	if only != 0 && len(obs) == 1 {
		f.Red = obs[0].Red
	}
	if len(obs) > invoiceFormLimit {
		obs, f.Truncated = obs[:invoiceFormLimit], true
	}
	for _, ob := range obs {
		fo := invoiceFormOB{OB: ob}
		for i, l := range ob.Lines {
			rq, _ := store.OutboundRest(ob, i)
			if rq == 0 {
				continue
			}
			fl := invoiceFormLine{Field: store.InvoiceQtyField(store.InvoiceLineRef{OutboundID: ob.ID, Line: l.No}), No: l.No,
				Code: l.Code, Name: l.Name, Spec: l.Spec, Unit: l.Unit, Price: l.Price, TaxRate: l.TaxRate,
				Shipped: absQ(l.Qty), Invoiced: absQ(l.Qty - rq), Rest: absQ(rq)}
			fl.Value = fl.Rest.String()
			fo.Lines = append(fo.Lines, fl)
		}
		f.Outbounds = append(f.Outbounds, fo)
	}
	return f, nil
}

func absQ(q model.Qty) model.Qty {
	if q < 0 {
		return -q
	}
	return q
}

// pickCustomer is the first step of a form that needs a customer.
type pickCustomer struct {
	Action string
	Title  string
	Extra  map[string]string
	Code   string
}

func (h *Handler) newInvoice(c *fiber.Ctx) error {
	var f *invoiceForm
	var cu *model.Customer
	err := h.read(func(t *store.Tx) error {
		var only uint64
		var err error
		if cu, only, err = h.invoiceCustomer(c, t); err != nil || cu == nil {
			return err
		}
		if err := need(c, model.PermReconcile); err != nil {
			return err
		}
		f, err = h.invoiceForm(c, t, cu, only)
		return err
	})
	if err != nil {
		return err
	}
	if cu == nil {
		if err := need(c, model.PermReconcile); err != nil {
			return err
		}
		extra := map[string]string{}
		if c.Query("red") == "1" {
			extra["red"] = "1"
		}
		return h.render(c, fiber.StatusOK, tplPickCust, h.view(c, "rc.new_invoice", &pickCustomer{Action: "/invoices/new", Title: "rc.new_invoice", Extra: extra}))
	}
	return h.render(c, fiber.StatusOK, tplInvoiceForm, h.view(c, "rc.new_invoice", f))
}

// createInvoice makes the invoice once per form token, as a draft or (the
// "audit" button) posted: the form parsed into an input, the permission
// checked, one call of the store's use case. A refused form is shown again
// from a fresh read, with what was posted.
func (h *Handler) createInvoice(c *fiber.Ctx) error {
	if err := need(c, model.PermReconcile); err != nil {
		return h.refusedFor(c, err, func(t *store.Tx) error {
			if cu, _, err := h.invoiceCustomer(c, t); err != nil || cu == nil {
				return fiber.ErrNotFound
			}
			return nil
		})
	}
	val := func(name string) string { return strings.TrimSpace(c.Query(name, c.FormValue(name))) }
	in := store.InvoiceInput{CustomerCode: val("customer"), Red: val("red") == "1", Offered: true,
		InvoiceNo: c.FormValue("invoice_no"), Date: c.FormValue("invoice_date"), Remarks: c.FormValue("remarks"), Audit: c.FormValue("audit") == "1"}
	in.OutboundID, _ = parseUint(val("ob"))
	in.CustomerID, _ = parseUint(val("customer_id"))
	var err error
	in.Qty, err = invoiceFormQty(c)
	var id uint64
	if err == nil {
		id, err = h.store.CreateInvoice(store.Actor{User: currentUser(c), Scope: h.scope(c), Once: c.FormValue("_idem")}, in)
	}
	if err != nil {
		var ve *model.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		var f *invoiceForm
		if verr := h.read(func(t *store.Tx) error {
			cu, only, err := h.invoiceCustomer(c, t)
			if err == nil && cu == nil {
				err = fiber.ErrNotFound
			}
			if err == nil {
				f, err = h.invoiceForm(c, t, cu, only)
			}
			return err
		}); verr != nil {
			return verr
		}
		f.Date, f.InvoiceNo, f.Remarks = in.Date, in.InvoiceNo, in.Remarks
		for i := range f.Outbounds {
			for j := range f.Outbounds[i].Lines {
				fl := &f.Outbounds[i].Lines[j]
				fl.Value = strings.TrimSpace(c.FormValue(fl.Field))
			}
		}
		return h.formError(c, err, tplInvoiceForm, h.view(c, "rc.new_invoice", f))
	}
	h.setFlash(c, "flash.invoice_saved")
	return h.redirect(c, "/invoices/"+itoa(id))
}

// invoiceFormQty reads the posted quantities of an invoice form
// (qty.<outbound>.<line>; empty ones left out), field errors for those that
// are no quantity.
func invoiceFormQty(c *fiber.Ctx) (map[store.InvoiceLineRef]model.Qty, error) {
	qty := map[store.InvoiceLineRef]model.Qty{}
	ve := &model.ValidationError{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		rest, ok := strings.CutPrefix(string(k), "qty.")
		if !ok {
			return
		}
		obText, lineText, _ := strings.Cut(rest, ".")
		ob, err1 := parseUint(obText)
		line, err2 := strconv.Atoi(lineText)
		s := strings.TrimSpace(string(v))
		if err1 != nil || err2 != nil || s == "" {
			return
		}
		r := store.InvoiceLineRef{OutboundID: ob, Line: line}
		q, err := model.ParseQty(s)
		if err != nil {
			ve.AddErr(store.InvoiceQtyField(r), err, "err.qty_invalid")
			return
		}
		qty[r] = q
	})
	return qty, ve.Err()
}

// refusedFor answers a create refused for want of the permission (err):
// still a 404 when what the form names lies outside the user's scope
// (probe, run in a read transaction, says so), as when the use case runs.
// Only a refused post pays for the probe.
func (h *Handler) refusedFor(c *fiber.Ctx, err error, probe func(t *store.Tx) error) error {
	if perr := h.read(probe); errors.Is(perr, model.ErrNotFound) || errors.Is(perr, fiber.ErrNotFound) {
		return perr
	}
	return err
}

// ---- one invoice ----

type invoiceView struct {
	Inv       *model.Invoice
	Customer  string
	Staff     bool
	Actions   []string
	CanDelete bool
	CanWrite  bool // may write off / reverse
	WriteOffs []*model.WriteOff
	reconBlock
}

func (h *Handler) loadInvoice(c *fiber.Ctx) (*model.Invoice, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	var inv *model.Invoice
	if err := h.read(func(t *store.Tx) (err error) { inv, err = t.Invoice(h.scope(c), id); return err }); err != nil {
		return nil, err
	}
	// A dealer sees posted invoices only.
	if !h.scope(c).IsStaff() && !inv.Posted() {
		return nil, fiber.ErrNotFound
	}
	return inv, needRecon(c)
}

func (h *Handler) invoicePage(c *fiber.Ctx, inv *model.Invoice) (*invoiceView, error) {
	u := currentUser(c)
	sc := h.scope(c)
	p := &invoiceView{Inv: inv, Staff: sc.IsStaff(), CanWrite: u.Can(model.PermReconcile)}
	p.Actions = model.InvoiceMachine.Allowed(inv.Status, u)
	p.CanDelete = inv.Status == model.StatusDraft && u.Can(model.PermReconcile)
	err := h.read(func(t *store.Tx) error {
		p.Customer = custLabels{}.get(t, sc, inv.CustomerID)
		var err error
		if p.WriteOffs, err = t.InvoiceWriteOffs(inv); err != nil {
			return err
		}
		if inv.Posted() {
			p.reconBlock = h.reconBlockOf(t, u, sc, model.DocInvoice, inv.ID)
		}
		return nil
	})
	return p, err
}

func (h *Handler) showInvoice(c *fiber.Ctx) error {
	inv, err := h.loadInvoice(c)
	if err != nil {
		return err
	}
	p, err := h.invoicePage(c, inv)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplInvoiceView, h.view(c, invoiceTitle(inv), p))
}

func invoiceTitle(inv *model.Invoice) string {
	if inv.Red {
		return "rc.red_invoice"
	}
	return "rc.invoice"
}

// invoiceActions: finance audits, unaudits or deletes (a draft) an invoice.
func (h *Handler) invoiceActions() docKind[*model.Invoice] {
	return docKind[*model.Invoice]{Base: "/invoices", Load: h.loadInvoice, Perm: model.PermReconcile,
		Page: func(c *fiber.Ctx, inv *model.Invoice, _ string) (string, *View, error) {
			p, err := h.invoicePage(c, inv)
			return tplInvoiceView, h.view(c, invoiceTitle(inv), p), err
		},
		Actions: map[string]docAction[*model.Invoice]{
			"audit": {Flash: "flash.invoice_audited", Run: func(x *docRun[*model.Invoice]) (uint64, error) {
				return 0, h.store.AuditInvoice(x.Actor, x.ID, x.Version)
			}},
			"unaudit": {Flash: "flash.invoice_unaudited", Run: func(x *docRun[*model.Invoice]) (uint64, error) {
				return 0, h.store.UnauditInvoice(x.Actor, x.ID, x.Version)
			}},
			"delete": {Flash: "flash.deleted", Next: func(*fiber.Ctx, uint64, uint64) string { return "/invoices" },
				Run: func(x *docRun[*model.Invoice]) (uint64, error) {
					return 0, h.store.RemoveInvoice(x.Actor, x.ID, x.Version)
				}},
		}}
}

// printInvoice is the invoice's print view, or its PDF (?format=pdf),
// through the shared print layout.
func (h *Handler) printInvoice(c *fiber.Ctx) error {
	inv, err := h.loadInvoice(c)
	if err != nil {
		return err
	}
	l := lang(c)
	p := &printDoc{Title: invoiceTitle(inv), Number: inv.Number, Status: h.i18n.T(l, "status."+string(inv.Status)), Totals: inv.Totals}
	for _, ln := range inv.Lines {
		p.Lines = append(p.Lines, ln.OrderLine)
	}
	err = h.read(func(t *store.Tx) error {
		p.Props = [][2]string{{"rc.customer", custLabels{}.get(t, h.scope(c), inv.CustomerID)}, {"rc.invoice_no", inv.InvoiceNo},
			{"rc.date", inv.InvoiceDate}, {"rc.outbounds", store.InvoiceOutbounds(inv)}, {"rc.remarks", inv.Remarks}}
		return nil
	})
	if err != nil {
		return err
	}
	s := h.store.Settings()
	p.Extra = [][2]string{{"rc.written_off", s.Money(inv.WrittenOff)}, {"rc.open", s.Money(inv.Open())}}
	return h.showPrint(c, p)
}

// taxRate shows basis points as a percentage ("13%").
func taxRate(bp int64) string {
	s := strconv.FormatInt(bp/100, 10)
	if r := bp % 100; r != 0 {
		s += "." + strings.TrimRight(strconv.FormatInt(100+r, 10)[1:], "0")
	}
	return s + "%"
}

// Rate is the line's tax rate as a percentage.
func (l invoiceFormLine) Rate() string { return taxRate(l.TaxRate) }
