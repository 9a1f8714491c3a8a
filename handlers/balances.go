package handlers

import (
	"html/template"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// The balance summary (账户余额汇总表, /balances) and the balance detail
// (账户余额明细表, /balances/:cust): the formulas of SPEC §2.4 with an as-of
// date, aging buckets, filters by org unit and customer, CSV/XLSX export.
// Dealers see their own customer only (the scope); from the detail they
// download the statement and (finance or manager) choose the monthly
// e-mail.

const (
	tplBalances      = "recon/balances"
	tplBalanceDetail = "recon/balance_detail"
)

func (h *Handler) registerBalances(r fiber.Router) {
	r.Get("/balances", h.showBalances)
	r.Get("/balances/:cust", h.showBalanceDetail)
	r.Post("/balances/:cust/statement-setting", h.saveStatementSetting)
}

type balancesData struct {
	List
	Sum *store.BalanceSummary
	// OrgOptions are the org filter's options (report_rows.go).
	OrgOptions template.HTML
	Staff      bool
	Labels     [4]string
	// DayLabels are the aging columns' translated labels (once a page,
	// not once a row).
	DayLabels [4]string
	// Lines is the page's rows, written by balanceRowsHTML
	// (report_rows.go).
	Lines template.HTML
}

func (h *Handler) showBalances(c *fiber.Ctx) error {
	if err := needRecon(c); err != nil {
		return err
	}
	sc := h.scope(c)
	q := parseListQuery(c)
	asOf, _ := model.ParseDate(q.Get("as_of"))
	f := store.BalanceFilter{OrgUnitID: q.Uint("org"), Q: q.Q, AsOf: asOf, NonZero: q.Get("nonzero") == "1"}
	d := &balancesData{Staff: sc.IsStaff(), Labels: model.AgingLabels}
	for i, l := range model.AgingLabels {
		d.DayLabels[i] = h.i18n.T(lang(c), "rc.days", "range", l)
	}
	err := h.read(func(t *store.Tx) error {
		if sc.IsStaff() {
			d.OrgOptions = orgOptionsHTML(t.OrgTree().Flatten(), q.Get("org"))
		}
		p := store.Page{Offset: (q.PageNo - 1) * q.Size, Limit: q.Size}
		if q.Export != "" {
			p = store.Page{}
		}
		var err error
		if d.Sum, err = t.BalanceSummary(sc, f, p); err != nil {
			return err
		}
		d.List = List{Rows: d.Sum.Rows, Query: q, Pager: q.Pager(d.Sum.Count)}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		l := lang(c)
		out := make([][]string, 0, len(d.Sum.Rows)+1)
		row := func(code, name, org string, r *store.BalanceRow) []string {
			return []string{code, name, org, r.Uninvoiced.Plain(), r.InvoicedReceivable.Plain(), r.ReceiptBalance.Plain(), r.Net().Plain(),
				r.Aging.Buckets[0].Plain(), r.Aging.Buckets[1].Plain(), r.Aging.Buckets[2].Plain(), r.Aging.Buckets[3].Plain()}
		}
		tree := h.store.OrgTree()
		for i := range d.Sum.Rows {
			r := &d.Sum.Rows[i]
			out = append(out, row(r.Customer.Code, r.Customer.Name, tree.Path(r.Customer.OrgUnitID), r))
		}
		out = append(out, row(h.i18n.T(l, "rc.totals"), "", "", &d.Sum.Totals))
		return h.export(c, q.Export, "balance-summary-"+d.Sum.AsOf, []exportCol{
			{"rc.customer_code", colText}, {"rc.customer", colText}, {"rc.org_unit", colText},
			{"rc.uninvoiced", colMoney}, {"rc.invoiced_receivable", colMoney}, {"rc.receipt_balance", colMoney},
			{"rc.net_position", colMoney}, {"rc.aging.0", colMoney}, {"rc.aging.1", colMoney}, {"rc.aging.2", colMoney},
			{"rc.aging.3", colMoney},
		}, out)
	}
	v := h.view(c, "rc.balances", d)
	d.Lines = balanceRowsHTML(v, d.Staff, d.Sum.Rows, q.Get("as_of"), d.DayLabels, h.store.OrgTree().Path)
	return h.render(c, fiber.StatusOK, tplBalances, v)
}

// ---- the detail ----

type balanceDetailData struct {
	Customer   *model.Customer
	D          *model.Detail
	From, To   string
	Recon      map[string]model.Status // kind:id → state
	Setting    *model.StatementSetting
	CanSetting bool
	Staff      bool
	Labels     [4]string
	Query      ListQuery
	// Rows are the page's rows of D (D.Rows holds the whole period, for
	// the exports); Pager pages them.
	Rows  []model.DetailRow
	Pager Pager
	// KindNames are the document types' translated names.
	KindNames map[model.DocType]string
	// RowsHTML is the page's rows (balance_rows.go).
	RowsHTML template.HTML
}

// State is a row's reconciliation state.
func (d *balanceDetailData) State(r model.DetailRow) model.Status {
	if s, ok := d.Recon[string(r.Kind)+":"+itoa(r.ID)]; ok {
		return s
	}
	return model.ReconUnconfirmed
}

// DocPath is the reconciliation page of a row's document.
func (d *balanceDetailData) DocPath(r model.DetailRow) string {
	return "/reconciliation/" + store.ReconPath(r.Kind) + "/" + itoa(r.ID)
}

// loadBalanceDetail reads the customer of the route through the scope
// (404) and its detail for the period of the query.
func (h *Handler) loadBalanceDetail(c *fiber.Ctx) (*balanceDetailData, error) {
	id, err := idParam(c, "cust")
	if err != nil {
		return nil, err
	}
	u := currentUser(c)
	sc := h.scope(c)
	from, _ := model.ParseDate(c.Query("from"))
	to, _ := model.ParseDate(c.Query("to"))
	d := &balanceDetailData{From: from, To: to, Recon: map[string]model.Status{}, Staff: sc.IsStaff(), Labels: model.AgingLabels, Query: parseListQuery(c)}
	err = h.read(func(t *store.Tx) error {
		cu, err := t.Customer(sc, id)
		if err != nil {
			return err
		}
		d.Customer = cu
		q := d.Query
		if from == "" && to == "" && q.Export == "" {
			// No period: one page read as the documents stand, without
			// the customer's whole ledger (a key account has thousands
			// of documents).
			var n int
			if d.D, n, err = t.BalanceDetailPage(sc, id, store.Page{Offset: (q.PageNo - 1) * q.Size, Limit: q.Size}); err != nil {
				return err
			}
			d.Rows, d.Pager = d.D.Rows, q.Pager(n)
		} else {
			if d.D, err = t.BalanceDetail(sc, id, from, to); err != nil {
				return err
			}
			// A period shows one page of its rows (the running balance
			// runs over the whole period), the exports every row.
			d.Rows = d.D.Rows
			if q.Export == "" {
				n := len(d.D.Rows)
				d.Pager = q.Pager(n)
				lo := (q.PageNo - 1) * q.Size
				if lo < 0 || lo > n { // past the end, or a page number beyond an int
					lo = n
				}
				d.Rows = d.D.Rows[lo : lo+min(q.Size, n-lo)]
			}
		}
		states := t.ReconStatesOf(id, d.Rows)
		for i, r := range d.Rows {
			d.Recon[string(r.Kind)+":"+itoa(r.ID)] = states[i]
		}
		d.Setting, err = t.StatementSetting(sc, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := needRecon(c); err != nil {
		return nil, err
	}
	d.CanSetting, _ = model.CanReconcile(u, id)
	d.KindNames = map[model.DocType]string{}
	for _, k := range store.ReconKinds {
		d.KindNames[k] = h.i18n.T(lang(c), "rc.kind."+string(k))
	}
	return d, nil
}

func (h *Handler) showBalanceDetail(c *fiber.Ctx) error {
	d, err := h.loadBalanceDetail(c)
	if err != nil {
		return err
	}
	if exp := d.Query.Export; exp != "" {
		l := lang(c)
		out := [][]string{{"", h.i18n.T(l, "rc.opening"), "", "", "", "", d.D.Opening.Plain(), ""}}
		for _, r := range d.Rows {
			rem := ""
			if r.HasRemaining {
				rem = r.Remaining.Plain()
			}
			kind := h.i18n.T(l, docKindKey(r.Kind))
			if r.Red {
				kind = h.i18n.T(l, "rc.red") + " " + kind
			}
			out = append(out, []string{r.Date, kind, r.Number, r.Amount.Plain(), rem, r.Effect.Plain(), r.Running.Plain(), h.i18n.T(l, "status."+string(d.State(r)))})
		}
		out = append(out, []string{"", h.i18n.T(l, "rc.closing"), "", "", "", "", d.D.Closing.Plain(), ""})
		return h.export(c, exp, "balance-detail-"+d.Customer.Code, []exportCol{
			{"rc.date", colDate}, {"rc.doc_type", colText}, {"rc.number", colText}, {"rc.amount", colMoney},
			{"rc.remaining", colMoney}, {"rc.effect", colMoney}, {"rc.running", colMoney}, {"rc.recon_state", colText},
		}, out)
	}
	v := h.view(c, "rc.balance_detail", d)
	d.RowsHTML = balanceDetailRowsHTML(v, d)
	return h.render(c, fiber.StatusOK, tplBalanceDetail, v)
}

// saveStatementSetting turns the customer's monthly statement e-mail on or
// off (staff who reconcile, or the dealer's finance or manager users).
func (h *Handler) saveStatementSetting(c *fiber.Ctx) error {
	id, err := idParam(c, "cust")
	if err != nil {
		return err
	}
	u := currentUser(c)
	// Who may: staff who reconcile, the customer's finance or manager
	// users (the model's rule); outside the scope still a 404.
	if ok, _ := model.CanReconcile(u, id); !ok {
		return h.refusedFor(c, model.ErrNotAllowed, func(t *store.Tx) error { _, err := t.StatementSetting(h.scope(c), id); return err })
	}
	err = h.store.SetMonthlyStatement(store.Actor{User: u, Scope: h.scope(c)}, id, formUint(c, "version"), c.FormValue("monthly") == "1")
	if err != nil {
		return err
	}
	h.setFlash(c, "flash.saved")
	back := "/balances/" + itoa(id)
	if q := c.FormValue("query"); q != "" && !strings.ContainsAny(q, "\r\n") {
		back += "?" + q
	}
	return h.redirect(c, back)
}
