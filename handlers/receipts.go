package handlers

import (
	"errors"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Receipt documents: receipts (收款单, /receipts), advance receipts (预收单,
// /advance-receipts) and receivable refunds (应收退款单, /refunds). Staff
// who reconcile enter a draft (customer, date, amount, method, reference;
// a receipt may name the invoices it pays, or ask for an automatic
// write-off; an advance receipt may name its sales order; a refund may name
// the receipt it pays back), edit it, audit (post) and unaudit it. Dealers
// see posted ones.

const (
	tplReceiptList = "recon/receipt_list"
	tplReceiptForm = "recon/receipt_form"
	tplReceiptView = "recon/receipt_view"
)

// receiptKinds are the three document types in menu order.
var receiptKinds = []model.DocType{model.DocReceipt, model.DocAdvanceReceipt, model.DocRefund}

// receiptBase is the URL of a receipt document type's list.
func receiptBase(k model.DocType) string { return "/" + store.ReconPath(k) }

func (h *Handler) registerReceipts(r fiber.Router) {
	for _, k := range receiptKinds {
		kind, base := k, receiptBase(k)
		r.Get(base, func(c *fiber.Ctx) error { return h.showReceiptDocs(c, kind) })
		r.Get(base+"/new", func(c *fiber.Ctx) error { return h.newReceiptDoc(c, kind) })
		r.Post(base, func(c *fiber.Ctx) error { return h.saveReceiptDoc(c, kind, false) })
		r.Get(base+"/:id", func(c *fiber.Ctx) error { return h.showReceiptDoc(c, kind) })
		r.Get(base+"/:id/edit", func(c *fiber.Ctx) error { return h.editReceiptDoc(c, kind) })
		r.Get(base+"/:id/print", func(c *fiber.Ctx) error { return h.printReceiptDoc(c, kind) })
		r.Post(base+"/:id", func(c *fiber.Ctx) error { return h.saveReceiptDoc(c, kind, true) })
		registerDocActions(h, r, h.receiptActions(kind))
	}
}

type receiptRow struct {
	model.DocSummary
	Customer  string
	Unapplied model.Money
	Method    string
	Reference string
	Recon     model.Status
}

type receiptListData struct {
	List
	Kind     model.DocType
	Base     string
	Staff    bool
	CanNew   bool
	Statuses []model.Status
}

func (h *Handler) showReceiptDocs(c *fiber.Ctx, kind model.DocType) error {
	if err := needRecon(c); err != nil {
		return err
	}
	u := currentUser(c)
	sc := h.scope(c)
	q := parseListQuery(c)
	f := store.DocFilter{Q: q.Q, From: q.Get("from"), To: q.Get("to")}
	if st := model.Status(q.Get("status")); st == model.StatusDraft || st == model.StatusAudited {
		f.Statuses = []model.Status{st}
	}
	if !sc.IsStaff() {
		f.Statuses = []model.Status{model.StatusAudited}
	}
	d := &receiptListData{Kind: kind, Base: receiptBase(kind), Staff: sc.IsStaff(), CanNew: u.Can(model.PermReconcile),
		Statuses: []model.Status{model.StatusDraft, model.StatusAudited}}
	var rows []receiptRow
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
		sums, total, err := t.ListDocs(sc, kind, f, q.Page())
		if err != nil {
			return err
		}
		cn := custLabels{}
		for _, s := range sums {
			r := receiptRow{DocSummary: s, Recon: model.ReconUnconfirmed}
			if doc, err := t.ReceiptDoc(sc, kind, s.ID); err == nil {
				r.Unapplied, r.Method, r.Reference = doc.Unapplied(), doc.Method, doc.Reference
				if !doc.Posted() {
					r.Unapplied = 0
				}
			}
			if sc.IsStaff() {
				r.Customer = cn.get(t, sc, s.CustomerID)
			}
			if rec := t.ReconRecord(kind, s.CustomerID, s.ID); rec != nil {
				r.Recon = rec.State()
			}
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
			out = append(out, []string{r.Number, r.Date, r.Customer, h.i18n.T(l, "rc.method."+r.Method), r.Reference, h.i18n.T(l, "status."+string(r.Status)),
				r.Amount.Plain(), r.Unapplied.Plain(), h.i18n.T(l, "status."+string(r.Recon))})
		}
		return h.export(c, q.Export, store.ReconPath(kind), []exportCol{
			{"rc.number", colText}, {"rc.date", colDate}, {"rc.customer", colText}, {"rc.method", colText},
			{"rc.reference", colText}, {"rc.status", colText}, {"rc.amount", colMoney}, {"rc.unapplied", colMoney},
			{"rc.recon_state", colText},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplReceiptList, h.view(c, "rc.list."+string(kind), d))
}

// ---- the form ----

// openChoice is an open invoice or receipt offered on a form.
type openChoice struct {
	Value   string // id, or "RC:12" for a source
	Number  string
	Date    string
	Open    model.Money
	Checked bool
}

type receiptForm struct {
	Kind     model.DocType
	Base     string
	Title    string
	R        *model.ReceiptDoc
	Customer *model.Customer
	Amount   string
	SONumber string
	Methods  []string
	Invoices []openChoice // a receipt: open invoices to pay
	Sources  []openChoice // a refund: receipts to pay back
	Source   string
	Limit    model.Money // a refund: what the unapplied receipts hold
	Token    string
	Edit     bool
}

// openInvoiceChoices lists a customer's open blue invoices.
func openInvoiceChoices(t *store.Tx, sc store.Scope, cust uint64, checked []uint64) []openChoice {
	items, _ := t.OpenItems(sc, cust, model.DocInvoice)
	var out []openChoice
	for _, it := range items {
		if it.Amount <= 0 {
			continue
		}
		inv, err := t.Invoice(sc, it.ID)
		if err != nil {
			continue
		}
		ch := openChoice{Value: itoa(it.ID), Number: inv.Number, Date: it.Date, Open: it.Amount}
		for _, id := range checked {
			ch.Checked = ch.Checked || id == it.ID
		}
		out = append(out, ch)
	}
	return out
}

// openSourceChoices lists a customer's receipts and advance receipts with
// an unapplied amount.
func openSourceChoices(t *store.Tx, sc store.Scope, cust uint64, chosen string) []openChoice {
	items, _ := t.OpenItems(sc, cust, model.DocReceipt, model.DocAdvanceReceipt)
	var out []openChoice
	for _, it := range items {
		r, err := t.ReceiptDoc(sc, it.Kind, it.ID)
		if err != nil {
			continue
		}
		v := string(it.Kind) + ":" + itoa(it.ID)
		out = append(out, openChoice{Value: v, Number: r.Number, Date: it.Date, Open: it.Amount, Checked: v == chosen})
	}
	return out
}

// parseSource reads "RC:12" into a kind and id (zero when malformed).
func parseSource(s string) (model.DocType, uint64) {
	k, id, ok := strings.Cut(s, ":")
	if !ok {
		return "", 0
	}
	n, _ := parseUint(id)
	return model.DocType(k), n
}

func (h *Handler) receiptFormFor(c *fiber.Ctx, t *store.Tx, kind model.DocType, r *model.ReceiptDoc, cu *model.Customer) *receiptForm {
	sc := h.scope(c)
	f := &receiptForm{Kind: kind, Base: receiptBase(kind), Title: "rc.new." + string(kind), R: r, Customer: cu, Methods: model.ReceiptMethods,
		Token: h.formToken(c), Edit: r.ID != 0, SONumber: r.SalesOrderNo}
	if r.ID != 0 {
		f.Title = "rc.edit." + string(kind)
	}
	if r.Amount != 0 {
		f.Amount = r.Amount.Plain()
	}
	switch kind {
	case model.DocReceipt:
		f.Invoices = openInvoiceChoices(t, sc, cu.ID, r.Invoices)
	case model.DocRefund:
		if r.SourceID != 0 {
			f.Source = string(r.SourceType) + ":" + itoa(r.SourceID)
		}
		f.Sources = openSourceChoices(t, sc, cu.ID, f.Source)
		f.Limit, _ = t.RefundLimit(sc, &model.ReceiptDoc{CustomerID: cu.ID, Date: max(r.Date, t.Today()), SourceType: r.SourceType, SourceID: r.SourceID})
	}
	return f
}

func (h *Handler) newReceiptDoc(c *fiber.Ctx, kind model.DocType) error {
	var f *receiptForm
	var cu *model.Customer
	err := h.read(func(t *store.Tx) error {
		var err error
		if cu, _, err = h.invoiceCustomer(c, t); err != nil || cu == nil {
			return err
		}
		if err := need(c, model.PermReconcile); err != nil {
			return err
		}
		f = h.receiptFormFor(c, t, kind, &model.ReceiptDoc{Kind: kind, CustomerID: cu.ID, Date: t.Today(), Method: model.ReceiptMethods[0]}, cu)
		return nil
	})
	if err != nil {
		return err
	}
	if cu == nil {
		if err := need(c, model.PermReconcile); err != nil {
			return err
		}
		return h.render(c, fiber.StatusOK, tplPickCust, h.view(c, "rc.new."+string(kind), &pickCustomer{Action: receiptBase(kind) + "/new", Title: "rc.new." + string(kind)}))
	}
	return h.render(c, fiber.StatusOK, tplReceiptForm, h.view(c, f.Title, f))
}

func (h *Handler) loadReceiptDoc(c *fiber.Ctx, kind model.DocType) (*model.ReceiptDoc, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	var r *model.ReceiptDoc
	if err := h.read(func(t *store.Tx) (err error) { r, err = t.ReceiptDoc(h.scope(c), kind, id); return err }); err != nil {
		return nil, err
	}
	if !h.scope(c).IsStaff() && !r.Posted() {
		return nil, fiber.ErrNotFound
	}
	return r, needRecon(c)
}

func (h *Handler) editReceiptDoc(c *fiber.Ctx, kind model.DocType) error {
	r, err := h.loadReceiptDoc(c, kind)
	if err != nil {
		return err
	}
	if err := need(c, model.PermReconcile); err != nil {
		return err
	}
	if r.Status != model.StatusDraft {
		return &model.StateError{Action: "edit", Status: string(r.Status)}
	}
	var f *receiptForm
	err = h.read(func(t *store.Tx) error {
		cu, err := t.Customer(h.scope(c), r.CustomerID)
		if err != nil {
			return err
		}
		f = h.receiptFormFor(c, t, kind, r, cu)
		return nil
	})
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplReceiptForm, h.view(c, f.Title, f))
}

// saveReceiptDoc creates (once per form token) or updates a draft; the
// "audit" button posts it in the same transaction: the form parsed into an
// input, the permission checked, one call of the store's use case. A
// refused form is shown again from a fresh read, with what was posted.
func (h *Handler) saveReceiptDoc(c *fiber.Ctx, kind model.DocType, edit bool) error {
	var rid uint64
	if edit {
		var err error
		if rid, err = idParam(c, "id"); err != nil {
			return err
		}
	}
	if err := need(c, model.PermReconcile); err != nil {
		return h.refusedFor(c, err, func(t *store.Tx) error {
			if edit {
				_, err := t.ReceiptDoc(h.scope(c), kind, rid)
				return err
			}
			if cu, _, err := h.invoiceCustomer(c, t); err != nil || cu == nil {
				return fiber.ErrNotFound
			}
			return nil
		})
	}
	val := func(name string) string { return strings.TrimSpace(c.Query(name, c.FormValue(name))) }
	in := store.ReceiptInput{Doc: model.ReceiptDoc{Kind: kind}, CustomerCode: val("customer"), Audit: c.FormValue("audit") == "1"}
	in.OutboundID, _ = parseUint(val("ob"))
	in.Doc.CustomerID, _ = parseUint(val("customer_id"))
	once := c.FormValue("_idem")
	if edit {
		in.Doc.ID, once = rid, ""
	}
	amount, err := receiptFromForm(c, &in.Doc)
	if err == nil {
		rid, err = h.store.SaveReceipt(store.Actor{User: currentUser(c), Scope: h.scope(c), Once: once}, in)
	}
	if err != nil {
		var ve *model.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		var f *receiptForm
		if verr := h.read(func(t *store.Tx) error {
			r := &in.Doc
			var cu *model.Customer
			var err error
			if edit {
				old, err := t.ReceiptDoc(h.scope(c), kind, in.Doc.ID)
				if err != nil {
					return err
				}
				r = old
				r.EditFrom(&in.Doc)
				cu, err = t.Customer(h.scope(c), old.CustomerID)
				if err != nil {
					return err
				}
			} else {
				if cu, _, err = h.invoiceCustomer(c, t); err != nil {
					return err
				}
				if cu == nil {
					return fiber.ErrNotFound
				}
				r.CustomerID = cu.ID
			}
			f = h.receiptFormFor(c, t, kind, r, cu)
			f.Amount = amount
			return nil
		}); verr != nil {
			return verr
		}
		return h.formError(c, err, tplReceiptForm, h.view(c, f.Title, f))
	}
	h.setFlash(c, "flash.receipt_saved")
	return h.redirect(c, receiptBase(kind)+"/"+itoa(rid))
}

// receiptFromForm reads a receipt document's form into r: what was posted
// and the amount as typed (a field error when it is no amount).
func receiptFromForm(c *fiber.Ctx, r *model.ReceiptDoc) (string, error) {
	r.Version = formUint(c, "version")
	r.Date, r.Method, r.Reference, r.Remarks = c.FormValue("date"), c.FormValue("method"), c.FormValue("reference"), c.FormValue("remarks")
	r.Invoices, r.AutoWriteOff = nil, c.FormValue("auto_write_off") == "1"
	for _, v := range c.Request().PostArgs().PeekMulti("invoices") {
		if n, err := parseUint(string(v)); err == nil && n != 0 {
			r.Invoices = append(r.Invoices, n)
		}
	}
	r.SourceType, r.SourceID = parseSource(c.FormValue("source"))
	r.SalesOrderID, r.SalesOrderNo = 0, strings.TrimSpace(c.FormValue("sales_order"))
	text := c.FormValue("amount")
	amount, err := model.ParseMoney(text)
	if err != nil {
		ve := &model.ValidationError{}
		ve.AddErr("amount", err, "err.money")
		return text, ve
	}
	r.Amount = amount
	return text, nil
}

// ---- one document ----

type receiptView struct {
	R         *model.ReceiptDoc
	Base      string
	Customer  string
	Staff     bool
	Actions   []string
	CanEdit   bool
	CanWrite  bool
	WriteOffs []*model.WriteOff
	Invoices  []openChoice // the invoices it names
	reconBlock
}

func (h *Handler) receiptPage(c *fiber.Ctx, r *model.ReceiptDoc) (*receiptView, error) {
	u := currentUser(c)
	sc := h.scope(c)
	p := &receiptView{R: r, Base: receiptBase(r.Kind), Staff: sc.IsStaff(), CanWrite: u.Can(model.PermReconcile)}
	p.Actions = model.ReceiptMachine.Allowed(r.Status, u)
	p.CanEdit = r.Status == model.StatusDraft && u.Can(model.PermReconcile)
	err := h.read(func(t *store.Tx) error {
		p.Invoices = nil // fn may run again (Store.View)
		p.Customer = custLabels{}.get(t, sc, r.CustomerID)
		var err error
		if p.WriteOffs, err = t.ReceiptWriteOffs(r); err != nil {
			return err
		}
		for _, id := range r.Invoices {
			if inv, err := t.Invoice(sc, id); err == nil {
				p.Invoices = append(p.Invoices, openChoice{Value: itoa(id), Number: inv.Number, Date: inv.InvoiceDate, Open: inv.Open()})
			}
		}
		if r.Posted() {
			p.reconBlock = h.reconBlockOf(t, u, sc, r.Kind, r.ID)
		}
		return nil
	})
	return p, err
}

func (h *Handler) showReceiptDoc(c *fiber.Ctx, kind model.DocType) error {
	r, err := h.loadReceiptDoc(c, kind)
	if err != nil {
		return err
	}
	p, err := h.receiptPage(c, r)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplReceiptView, h.view(c, docKindKey(kind), p))
}

// receiptActions: finance audits, unaudits or deletes (a draft) a receipt
// document of kind (receipt, advance receipt, refund).
func (h *Handler) receiptActions(kind model.DocType) docKind[*model.ReceiptDoc] {
	// Audit and unaudit: model.ReceiptMachine says who may (after the
	// status rules, as before: a written-off receipt is a 409 for anyone).
	return docKind[*model.ReceiptDoc]{Base: receiptBase(kind),
		Load: func(c *fiber.Ctx) (*model.ReceiptDoc, error) { return h.loadReceiptDoc(c, kind) },
		Page: docPageOf(h, tplReceiptView, docKindKey(kind), h.receiptPage),
		Actions: map[string]docAction[*model.ReceiptDoc]{
			"audit": {Flash: "flash.receipt_audited", Run: func(x *docRun[*model.ReceiptDoc]) (uint64, error) {
				return 0, h.store.AuditReceipt(x.Actor, kind, x.ID, x.Version)
			}},
			"unaudit": {Flash: "flash.receipt_unaudited", Run: func(x *docRun[*model.ReceiptDoc]) (uint64, error) {
				return 0, h.store.UnauditReceipt(x.Actor, kind, x.ID, x.Version)
			}},
			"delete": {Flash: "flash.deleted", Next: func(*fiber.Ctx, uint64, uint64) string { return receiptBase(kind) },
				Run: func(x *docRun[*model.ReceiptDoc]) (uint64, error) {
					if err := need(x.C, model.PermReconcile); err != nil {
						return 0, err
					}
					return 0, h.store.RemoveReceipt(x.Actor, kind, x.ID, x.Version)
				}},
		}}
}

// printReceiptDoc is the print view or PDF of a receipt document.
func (h *Handler) printReceiptDoc(c *fiber.Ctx, kind model.DocType) error {
	r, err := h.loadReceiptDoc(c, kind)
	if err != nil {
		return err
	}
	l := lang(c)
	s := h.store.Settings()
	p := &printDoc{Title: docKindKey(kind), Number: r.Number, Status: h.i18n.T(l, "status."+string(r.Status)), NoLines: true}
	err = h.read(func(t *store.Tx) error {
		p.Props = [][2]string{{"rc.customer", custLabels{}.get(t, h.scope(c), r.CustomerID)}, {"rc.date", r.Date},
			{"rc.amount", s.Money(r.Amount)}, {"rc.method", h.i18n.T(l, "rc.method."+r.Method)},
			{"rc.reference", r.Reference}, {"rc.sales_order", r.SalesOrderNo}, {"rc.remarks", r.Remarks}}
		return nil
	})
	if err != nil {
		return err
	}
	if kind != model.DocRefund {
		p.Extra = [][2]string{{"rc.applied", s.Money(r.Applied)}, {"rc.refunded", s.Money(r.Refunded)},
			{"rc.unapplied", s.Money(r.Unapplied())}}
	}
	return h.showPrint(c, p)
}
