package handlers

import (
	"html/template"
	"strconv"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Orders (订单管理, SPEC §2.3): online orders (onlineorders.go), sales orders
// (salesorders.go, with print view and PDF), change requests
// (changerequests.go) and the comment threads every document page carries
// (comments.go). This file registers their routes and holds what they
// share: the list filters, the line rows of the order forms, the action
// buttons (the actions run in docactions.go).

func (h *Handler) registerOrders(r fiber.Router) {
	h.registerOnlineOrders(r)
	h.registerSalesOrders(r)
	h.registerChangeRequests(r)
	h.registerComments(r)
}

// canSeeOrders: dealers who order and staff who view orders.
func canSeeOrders(u *model.User) bool { return u.Can(model.PermOrder) || u.Can(model.PermViewOrders) }

// needOrders refuses users who see no orders at all (403).
func needOrders(c *fiber.Ctx) error {
	if !canSeeOrders(currentUser(c)) {
		return model.ErrNotAllowed
	}
	return nil
}

// docListData is what a document list template gets: the rows, the query,
// the pager, the status choices and, per row, extras a module adds.
type docListData struct {
	List
	Statuses []model.Status
	Staff    bool
	// Customers names the customer of each row (staff lists).
	Customers map[uint64]string
	// Extra is a per-row note (the online order's execution status…).
	Extra map[uint64]string
	// RowsHTML is the table's rows (docrows.go).
	RowsHTML template.HTML
}

// docFilter reads the common filters of a document list: ?status=, ?from=,
// ?to=, ?q=, ?customer= (a customer code, staff only), ?flag=. An unknown
// customer code yields a filter that matches nothing (ok false).
func (h *Handler) docFilter(t *store.Tx, sc store.Scope, q ListQuery) (store.DocFilter, bool) {
	f := store.DocFilter{Q: q.Q, Flag: q.Get("flag")}
	if s := q.Get("status"); s != "" {
		f.Statuses = []model.Status{model.Status(s)}
	}
	f.From, _ = model.ParseDate(q.Get("from"))
	f.To, _ = model.ParseDate(q.Get("to"))
	if code := strings.TrimSpace(q.Get("customer")); code != "" && sc.IsStaff() {
		cu, err := t.CustomerByCode(sc, code)
		if err != nil {
			return f, false
		}
		f.CustomerID = cu.ID
	}
	return f, true
}

// docCustomers names the customers of rows ("C0001 name") for staff lists.
func docCustomers(t *store.Tx, sc store.Scope, rows []model.DocSummary) map[uint64]string {
	out := map[uint64]string{}
	for _, r := range rows {
		if _, ok := out[r.CustomerID]; ok {
			continue
		}
		if label, ok := t.CustomerLabel(sc, r.CustomerID); ok {
			out[r.CustomerID] = label
		}
	}
	return out
}

func lastID(rows []model.DocSummary) uint64 {
	if len(rows) == 0 {
		return 0
	}
	return rows[len(rows)-1].ID
}

// lineRow is one line of an order form as typed (strings, shown again on an
// error) with what the catalog says about it (name, unit, price, stock).
type lineRow struct {
	Index, No                                   int
	Code, Qty, Price, TaxRate, Delivery, Remark string
	Name, Spec, Unit                            string
	UnitPrice, Amount                           model.Money
	Stock                                       *model.Stock
	Known                                       bool
	MinQty, Multiple                            model.Qty
	Source                                      model.LineRef
}

// maxFormLines bounds the rows an order form may post: a document's lines
// (model.MaxLines) plus the blank rows the form offers. A form with more
// is refused at "lines", never cut short.
const maxFormLines = model.MaxLines + formBlankRows

// formBlankRows is how many empty rows an order form offers (more on request).
const formBlankRows = 3

// readLineRows reads the posted rows line.<i>.<field> of an order form,
// dropping the blank ones, and parses them: the store's line inputs (with
// parse errors at the compacted row's fields) and the rows to show again.
func readLineRows(c *fiber.Ctx, withPrice bool) ([]store.LineInput, []lineRow, *model.ValidationError) {
	ve := &model.ValidationError{}
	var in []store.LineInput
	var rows []lineRow
	n := 0
	for i := 0; ; i++ {
		p := "line." + strconv.Itoa(i) + "."
		if i == maxFormLines {
			if formHas(c, p+"code") || formHas(c, p+"qty") {
				ve.Add("lines", "err.too_many_lines", map[string]any{"max": model.MaxLines, "n": countFormRows(c)})
			}
			break
		}
		code := strings.TrimSpace(c.FormValue(p + "code"))
		qty := strings.TrimSpace(c.FormValue(p + "qty"))
		if code == "" && qty == "" {
			if !formHas(c, p+"code") && !formHas(c, p+"qty") {
				break // the form's rows are numbered without gaps
			}
			continue
		}
		r := lineRow{Index: n, Code: code, Qty: qty, Price: strings.TrimSpace(c.FormValue(p + "price")),
			TaxRate: strings.TrimSpace(c.FormValue(p + "tax_rate")), Delivery: strings.TrimSpace(c.FormValue(p + "delivery")),
			Remark: strings.TrimSpace(c.FormValue(p + "remark"))}
		r.No, _ = strconv.Atoi(c.FormValue(p + "no"))
		li := store.LineInput{No: r.No, Code: code, Remark: r.Remark}
		if q, err := model.ParseQty(qty); err != nil || qty == "" {
			ve.AddErr(model.LineField(n, "qty"), err, "err.qty_invalid")
		} else {
			li.Qty = q
		}
		if d, err := model.ParseDate(r.Delivery); err != nil {
			ve.Add(model.LineField(n, "delivery"), "err.order_date", nil)
		} else {
			li.DeliveryDate = d
		}
		if code == "" {
			ve.Add(model.LineField(n, "code"), "err.required", nil)
		}
		if withPrice {
			if r.Price != "" {
				if m, err := model.ParseMoney(r.Price); err != nil || model.CheckPrice(m) != nil {
					if err == nil {
						err = model.CheckPrice(m)
					}
					ve.AddErr(model.LineField(n, "price"), err, "err.money")
				} else {
					li.Price = &m
				}
			}
			if r.TaxRate != "" {
				if bp, err := model.ParseTaxRate(r.TaxRate); err != nil {
					ve.Add(model.LineField(n, "tax_rate"), "err.tax_rate", nil)
				} else {
					li.TaxRate = &bp
				}
			}
		}
		in = append(in, li)
		rows = append(rows, r)
		n++
	}
	if n > model.MaxLines {
		ve.Add("lines", "err.too_many_lines", map[string]any{"max": model.MaxLines, "n": n})
	}
	return in, rows, ve
}

// countFormRows counts the rows an order form posted (line.<i>.code or
// line.<i>.qty), for the message refusing too many.
func countFormRows(c *fiber.Ctx) int {
	seen := map[string]bool{}
	note := func(k string) {
		if rest, ok := strings.CutPrefix(k, "line."); ok {
			if i, f, ok := strings.Cut(rest, "."); ok && (f == "code" || f == "qty") {
				seen[i] = true
			}
		}
	}
	c.Request().PostArgs().VisitAll(func(k, _ []byte) { note(string(k)) })
	if f, err := c.MultipartForm(); err == nil {
		for k := range f.Value {
			note(k)
		}
	}
	return len(seen)
}

// formHas reports whether the form posted a field of that name at all.
func formHas(c *fiber.Ctx, name string) bool {
	if c.Request().PostArgs().Has(name) {
		return true
	}
	if f, err := c.MultipartForm(); err == nil {
		_, ok := f.Value[name]
		return ok
	}
	return false
}

// withBlanks appends empty rows to an order form's rows.
func withBlanks(rows []lineRow, n int) []lineRow {
	for i := 0; i < n; i++ {
		rows = append(rows, lineRow{Index: len(rows)})
	}
	return rows
}

// rowsOfLines shows stored order lines as form rows.
func rowsOfLines(lines []model.OrderLine) []lineRow {
	rows := make([]lineRow, len(lines))
	for i, l := range lines {
		rows[i] = lineRow{Index: i, No: l.No, Code: l.Code, Qty: l.Qty.String(), Price: l.Price.Plain(),
			TaxRate: strings.TrimSuffix(model.FormatTaxRate(l.TaxRate), "%"), Delivery: l.DeliveryDate, Remark: l.Remark,
			Name: l.Name, Spec: l.Spec, Unit: l.Unit, UnitPrice: l.Price, Amount: l.Amount, Known: true, Source: l.Source}
	}
	return rows
}

// describeRows fills what the catalog says about each typed row for the
// customer: a dealer's published products (name, unit, effective price,
// stock, rules), or for sales orders any product of the master.
func describeRows(t *store.Tx, customerID uint64, rows []lineRow, master bool) {
	sc := store.CustomerScope(customerID)
	for i := range rows {
		r := &rows[i]
		if r.Code == "" {
			continue
		}
		var p *model.Product
		if master {
			if pp, err := t.ProductByCode(r.Code); err == nil {
				p = pp
			}
		} else if e, err := t.CatalogEntryByCode(sc, r.Code); err == nil {
			p, _ = t.Product(e.ProductID)
			r.MinQty, r.Multiple = e.MinQty, e.Multiple
		}
		if p == nil {
			r.Known = false
			continue
		}
		r.Known, r.Name, r.Spec, r.Unit = true, p.Name, p.Spec, p.Unit
		r.Stock, _ = t.Stock(p.ID)
		q, _ := model.ParseQty(r.Qty)
		price := model.Money(0)
		if quote, err := t.Quote(customerID, p.ID, max(q, model.QtyScale)); err == nil {
			price = quote.Price
		}
		if m, err := model.ParseMoney(r.Price); master && r.Price != "" && err == nil {
			price = m
		}
		r.UnitPrice = price
		if q > 0 {
			r.Amount, _ = model.LineAmount(q, price) // beyond the bounds: none shown, the save refuses it
		}
	}
}

// LineErr returns the translated error of field name of form line i.
func (v *View) LineErr(i int, name string) string { return v.Errors[model.LineField(i, name)] }

// FormErrors lists every error of a form that has no field of its own on
// the page (document actions): "_form" first.
func (v *View) FormErrors() []string {
	var out []string
	if s := v.Errors["_form"]; s != "" {
		out = append(out, s)
	}
	for k, s := range v.Errors {
		if k != "_form" {
			out = append(out, s)
		}
	}
	return out
}

// actionsOf lists the actions state machine m allows u from status st,
// but skip.
func actionsOf(m model.Machine, st model.Status, u *model.User, skip ...string) []string {
	var out []string
	for _, a := range m.Allowed(st, u) {
		if !contains(skip, a) {
			out = append(out, a)
		}
	}
	return out
}

// ExecText translates an online order's execution status.
func (v *View) ExecText(s string) string {
	if s == "" {
		return v.T("oo.exec_none")
	}
	return v.T("oo.exec." + s)
}

// orderTiles are the home tiles of order management: for staff the online
// orders waiting for them (and credit holds for finance) and the sales
// orders to audit; for a dealer its open online orders and open sales
// orders.
func (h *Handler) orderTiles(t *store.Tx, u *model.User, sc store.Scope) []Tile {
	var tiles []Tile
	n := func(kind model.DocType, st ...model.Status) string { return strconv.Itoa(t.CountDocs(sc, kind, st...)) }
	switch {
	case u.Kind == model.KindDealer && u.Can(model.PermOrder):
		tiles = append(tiles,
			Tile{"home.my_open_orders", n(model.DocOnlineOrder, model.StatusDraft, model.StatusSubmitted), "/online-orders"},
			Tile{"home.my_sales_orders", n(model.DocSalesOrder, model.StatusAudited), "/sales-orders?status=audited"})
	case u.IsStaff() && u.Can(model.PermViewOrders):
		tiles = append(tiles, Tile{"home.orders_to_handle", n(model.DocOnlineOrder, model.StatusSubmitted), "/online-orders?status=submitted"})
		if u.Can(model.PermApproveCredit) {
			tiles = append(tiles, Tile{"home.credit_holds", strconv.Itoa(t.CountCreditHolds(sc)), "/online-orders?status=submitted&flag=hold"})
		}
		tiles = append(tiles,
			Tile{"home.sales_to_audit", n(model.DocSalesOrder, model.StatusDraft), "/sales-orders?status=draft"},
			Tile{"home.changes_to_handle", n(model.DocChangeRequest, model.StatusSubmitted), "/change-requests?status=submitted"})
	}
	return tiles
}
