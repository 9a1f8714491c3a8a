package handlers

import (
	"errors"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplStocktakeList   = "channel/stocktake_list"
	tplStocktakeForm   = "channel/stocktake_form"
	tplStocktakeView   = "channel/stocktake_view"
	tplStocktakeImport = "channel/stocktake_import"
)

// stocktakeImportKind is the import job kind of stocktake files.
const stocktakeImportKind = store.StocktakeImportKind

// Stocktakes (盘点库存, SPEC §2.7): a dealer's count of its stock on a date,
// entered on screen or imported from CSV/XLSX (the ordering center's import
// machinery: readTable with BOM and GBK handling, ImportJob between preview
// and confirmation, row-level errors). Products are only catalog entries
// published to the customer. A second stocktake for a date replaces the
// first only after the user confirms it.
func (h *Handler) registerStocktakes(r fiber.Router) {
	r.Get("/stocktakes", h.showStocktakes)
	r.Get("/stocktakes/new", h.newStocktake)
	r.Get("/stocktakes/import", h.showStocktakeImport)
	r.Get("/stocktakes/import/template.:fmt", h.downloadStocktakeTemplate)
	r.Post("/stocktakes/import", h.previewStocktakeImport)
	r.Post("/stocktakes/import/confirm", h.confirmStocktakeImport)
	r.Post("/stocktakes", h.createStocktake)
	r.Get("/stocktakes/:id", h.showStocktake)
	r.Get("/stocktakes/:id/edit", h.editStocktake)
	h.printRoutes(r, "/stocktakes", h.stocktakePrint)
	r.Post("/stocktakes/:id", h.updateStocktake)
	registerDocActions(h, r, h.stocktakeActions())
}

// canWriteStocktakes reports whether u may enter stocktakes at all.
func canWriteStocktakes(u *model.User) bool {
	return u.Can(model.PermManageStocktakes) || !u.IsStaff() && u.Can(model.PermChannel)
}

type stocktakeRow struct {
	*model.Stocktake
	Customer *model.Customer
}

type stocktakeList struct {
	List
	Staff    bool
	CanWrite bool
}

func (h *Handler) showStocktakes(c *fiber.Ctx) error {
	if err := needChannel(c); err != nil {
		return err
	}
	u := currentUser(c)
	sc := h.scope(c)
	q := parseListQuery(c)
	d := &stocktakeList{Staff: u.IsStaff(), CanWrite: canWriteStocktakes(u)}
	var rows []stocktakeRow
	err := h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
		f := docFilterOf(q)
		var ok bool
		if f.CustomerID, ok = channelCustomerFilter(t, sc, q); !ok {
			d.List = List{Query: q, Pager: q.Pager(0)}
			return nil
		}
		sums, total, err := t.ListDocs(sc, model.DocStocktake, f, q.Page())
		if err != nil {
			return err
		}
		names := newCustomerNames(t, sc)
		for _, s := range sums {
			st, err := t.Stocktake(sc, s.ID)
			if err != nil {
				return err
			}
			rows = append(rows, stocktakeRow{Stocktake: st, Customer: names.get(st.CustomerID)})
		}
		d.List = List{Rows: rows, Query: q, Pager: q.Pager(total)}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		// One row per counted product: the file can be imported again.
		var out [][]string
		for _, r := range rows {
			for _, l := range r.Lines {
				out = append(out, []string{r.Number, r.Customer.Code, r.Customer.Name, r.Date, l.Code, l.Name, l.Spec, l.Unit, l.Qty.String()})
			}
		}
		return h.export(c, q.Export, "stocktakes", []exportCol{
			{"ch.number", colText}, {"ch.customer_code", colText}, {"ch.customer", colText}, {"st.date", colDate},
			{"ch.product_code", colText}, {"ch.product_name", colText}, {"ch.spec", colText}, {"ch.unit", colText},
			{"ch.qty", colNumber},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplStocktakeList, h.view(c, "st.title", d))
}

type stocktakeForm struct {
	WithPrice    bool
	S            *model.Stocktake
	CustomerCode string
	Rows         []channelLineRow
	Choices      []*store.CatalogItem
	Staff        bool
	Existing     *model.Stocktake // the stocktake of that date this one would replace
	Token        string
}

func stocktakeRows(s *model.Stocktake) []channelLineRow {
	rows := make([]channelLineRow, 0, len(s.Lines)+5)
	for i, l := range s.Lines {
		rows = append(rows, channelLineRow{Index: i, Code: l.Code, Qty: l.Qty.String(), Label: l.Name + " " + l.Spec})
	}
	return rows
}

func (h *Handler) stocktakeFormView(c *fiber.Ctx, s *model.Stocktake, rows []channelLineRow, code string) (*stocktakeForm, *View, error) {
	u := currentUser(c)
	d := &stocktakeForm{S: s, CustomerCode: code, Rows: rows, Staff: u.IsStaff(), Token: h.formToken(c)}
	if d.Rows == nil {
		d.Rows = blankRows(stocktakeRows(s), 5)
	}
	err := h.read(func(t *store.Tx) error {
		cust := formCustomer(t, h.scope(c), u, s.CustomerID, code)
		if cust != 0 && d.CustomerCode == "" {
			if cu, err := t.Customer(h.scope(c), cust); err == nil {
				d.CustomerCode = cu.Code
			}
		}
		d.Choices = channelProductChoices(t, cust)
		return nil
	})
	return d, h.view(c, newOrEdit(s.ID, "st.new", "st.edit"), d), err
}

func (h *Handler) newStocktake(c *fiber.Ctx) error {
	if !canWriteStocktakes(currentUser(c)) {
		return model.ErrNotAllowed
	}
	s := &model.Stocktake{}
	if !currentUser(c).IsStaff() {
		var today string
		_ = h.read(func(t *store.Tx) error { today = t.Today(); return nil })
		s.Date = today
	}
	_, v, err := h.stocktakeFormView(c, s, nil, strings.TrimSpace(c.Query("customer")))
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplStocktakeForm, v)
}

// readStocktakeLines resolves the form's rows (line_code, line_qty) for the
// customer: only its published catalog.
func (h *Handler) readStocktakeLines(c *fiber.Ctx, t *store.Tx, s *model.Stocktake) ([]channelLineRow, *model.ValidationError) {
	ve := &model.ValidationError{}
	codes, qtys := channelFormValues(c, "line_code"), channelFormValues(c, "line_qty")
	var rows []channelLineRow
	s.Lines = nil
	for i, code := range codes {
		row := channelLineRow{Index: len(rows), Code: strings.TrimSpace(code)}
		if i < len(qtys) {
			row.Qty = strings.TrimSpace(qtys[i])
		}
		if row.Code == "" && row.Qty == "" {
			continue
		}
		field := "line_" + itoa(uint64(row.Index))
		line := model.StocktakeLine{}
		if ref, err := t.ChannelProduct(h.scope(c), s.CustomerID, row.Code, true); err != nil {
			ve.Add(field, "err.stocktake_product", nil)
		} else {
			line.ProductRef, row.Label = ref, ref.Name+" "+ref.Spec
		}
		if q, err := model.ParseQty(row.Qty); err != nil || q < 0 {
			ve.AddErr(field, err, "err.qty_invalid")
		} else {
			line.Qty = q
		}
		rows = append(rows, row)
		s.Lines = append(s.Lines, line)
	}
	return rows, ve
}

// saveStocktake stores the form: a new one once per form token; a date that
// already has a stocktake asks for confirmation (replace=1) first.
func (h *Handler) saveStocktake(c *fiber.Ctx, s *model.Stocktake) error {
	u := currentUser(c)
	isNew := s.ID == 0
	more := c.FormValue("more") != ""
	var rows []channelLineRow
	var ve *model.ValidationError
	err := h.read(func(t *store.Tx) error {
		if isNew {
			cu, err := h.channelCustomerFor(c, t, "customer_code")
			if err != nil {
				return err
			}
			s.CustomerID = cu.ID
			s.Source = "screen"
		}
		s.Date, s.Remarks, s.Version = c.FormValue("date"), c.FormValue("remarks"), formUint(c, "version")
		rows, ve = h.readStocktakeLines(c, t, s)
		return nil
	})
	switch {
	case err != nil:
	case more:
		err = ve.Err()
	case !model.CanEditStocktakes(u, s.CustomerID):
		return model.ErrNotAllowed
	default:
		var id uint64
		if id, err = h.store.SaveStocktakeForm(h.formActor(c), s, ve, c.FormValue("replace") == "1"); err == nil {
			s.ID = id
		}
	}
	if err != nil || more {
		if isNew {
			s.ID, s.Number = 0, ""
		}
		d, v, verr := h.stocktakeFormView(c, s, blankRows(rows, map[bool]int{true: 5, false: 1}[more]), c.FormValue("customer_code"))
		if verr != nil {
			return verr
		}
		var ex *store.StocktakeExistsError
		if errors.As(err, &ex) {
			d.Existing = ex.Existing
			err = model.Invalid("replace", "err.stocktake_exists")
		}
		if more && err == nil {
			return h.render(c, fiber.StatusOK, tplStocktakeForm, v)
		}
		return h.formError(c, err, tplStocktakeForm, v)
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/stocktakes/"+itoa(s.ID))
}

func (h *Handler) createStocktake(c *fiber.Ctx) error {
	if !canWriteStocktakes(currentUser(c)) {
		return model.ErrNotAllowed
	}
	return h.saveStocktake(c, &model.Stocktake{})
}

// loadStocktake reads the stocktake of the route through the user's scope.
func (h *Handler) loadStocktake(c *fiber.Ctx) (*model.Stocktake, error) {
	return loadRouteDoc(h, c, (*store.Tx).Stocktake, needChannel)
}

type stocktakePage struct {
	S        *model.Stocktake
	Customer *model.Customer
	CanEdit  bool
	Bar      *actionBar
}

func (h *Handler) showStocktake(c *fiber.Ctx) error {
	s, err := h.loadStocktake(c)
	if err != nil {
		return err
	}
	p, err := h.stocktakePage(c, s)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplStocktakeView, h.view(c, "st.view", p))
}

func (h *Handler) stocktakePage(c *fiber.Ctx, s *model.Stocktake) (*stocktakePage, error) {
	p := &stocktakePage{S: s, CanEdit: model.CanEditStocktakes(currentUser(c), s.CustomerID)}
	err := h.read(func(t *store.Tx) error { p.Customer, _ = t.Customer(h.scope(c), s.CustomerID); return nil })
	p.Bar = p.bar(currentUser(c))
	return p, err
}

func (h *Handler) editStocktake(c *fiber.Ctx) error {
	s, err := h.loadStocktake(c)
	if err != nil {
		return err
	}
	if !model.CanEditStocktakes(currentUser(c), s.CustomerID) {
		return model.ErrNotAllowed
	}
	_, v, err := h.stocktakeFormView(c, s, nil, "")
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplStocktakeForm, v)
}

func (h *Handler) updateStocktake(c *fiber.Ctx) error {
	s, err := h.loadStocktake(c)
	if err != nil {
		return err
	}
	if !model.CanEditStocktakes(currentUser(c), s.CustomerID) {
		return model.ErrNotAllowed
	}
	return h.saveStocktake(c, s)
}

// stocktakeActions: who may enter a customer's stocktakes deletes one.
func (h *Handler) stocktakeActions() docKind[*model.Stocktake] {
	return docKind[*model.Stocktake]{Base: "/stocktakes", Load: h.loadStocktake,
		Page: docPageOf(h, tplStocktakeView, "st.view", h.stocktakePage),
		Actions: map[string]docAction[*model.Stocktake]{
			"delete": {Flash: "flash.deleted", Next: func(*fiber.Ctx, uint64, uint64) string { return "/stocktakes" },
				Run: func(x *docRun[*model.Stocktake]) (uint64, error) {
					if !model.CanEditStocktakes(x.Actor.User, x.Doc.CustomerID) {
						return 0, model.ErrNotAllowed
					}
					return 0, h.store.RemoveStocktake(x.Actor, x.ID, x.Version)
				}},
		}}
}

// ---- import ----

// stocktakeImport is what the import page shows: the form's values, and
// after an upload the plan, the kept upload's token and the stocktake of
// that date the import would replace.
type stocktakeImport struct {
	K            importKind
	CustomerCode string
	Date         string
	Remarks      string
	Staff        bool
	Plan         *store.StocktakePlan
	Token        string
	Name         string
	Items        []importRow
	Existing     *model.Stocktake
}

var stocktakeKind = importKind{Kind: stocktakeImportKind, Base: "/stocktakes", Title: "st.import_title", Columns: model.StocktakeImportColumns,
	Example: []string{"P-1001", "12"}}

func (h *Handler) showStocktakeImport(c *fiber.Ctx) error {
	u := currentUser(c)
	if !canWriteStocktakes(u) {
		return model.ErrNotAllowed
	}
	d := &stocktakeImport{K: stocktakeKind, Staff: u.IsStaff(), CustomerCode: c.Query("customer")}
	_ = h.read(func(t *store.Tx) error { d.Date = t.Today(); return nil })
	return h.render(c, fiber.StatusOK, tplStocktakeImport, h.view(c, stocktakeKind.Title, d))
}

func (h *Handler) downloadStocktakeTemplate(c *fiber.Ctx) error {
	if !canWriteStocktakes(currentUser(c)) {
		return model.ErrNotAllowed
	}
	f := c.Params("fmt")
	if f != "csv" && f != "xlsx" {
		return fiber.ErrNotFound
	}
	return h.importTemplate(c, f, "stocktake-template", stocktakeKind.Columns, stocktakeKind.Example)
}

func (h *Handler) stocktakePreviewRows(d *stocktakeImport) {
	for i, l := range d.Plan.Lines {
		if i >= 200 {
			break
		}
		d.Items = append(d.Items, importRow{Row: d.Plan.Rows[i], Code: l.Code, Label: l.Name + " · " + l.Qty.String()})
	}
}

// previewStocktakeImport reads the upload, keeps it and shows every bad row
// and whether the import would replace a stocktake. Nothing is recorded.
func (h *Handler) previewStocktakeImport(c *fiber.Ctx) error {
	u := currentUser(c)
	if !canWriteStocktakes(u) {
		return model.ErrNotAllowed
	}
	d := &stocktakeImport{K: stocktakeKind, Staff: u.IsStaff(), CustomerCode: c.FormValue("customer_code"), Date: c.FormValue("date"), Remarks: c.FormValue("remarks")}
	name, data, err := uploadedFile(c)
	var table [][]string
	if err == nil {
		table, err = readTable(name, data)
	}
	if err == nil {
		d.Name, d.Token = name, randomHex(16)
		var res store.StocktakeImport
		res, err = h.store.PreviewStocktakeImport(h.editActor(c), store.StocktakeImportForm{CustomerCode: d.CustomerCode, Date: d.Date,
			Name: name, Token: d.Token, Data: data, Table: table})
		if err == nil {
			d.Date, d.Plan, d.Existing = res.Date, res.Plan, res.Existing
			h.stocktakePreviewRows(d)
		}
	}
	if err != nil {
		d.Token, d.Plan = "", nil
		return h.formError(c, err, tplStocktakeImport, h.view(c, stocktakeKind.Title, d))
	}
	status := fiber.StatusOK
	if len(d.Plan.Errors) > 0 {
		status = fiber.StatusUnprocessableEntity
	}
	return h.render(c, status, tplStocktakeImport, h.view(c, stocktakeKind.Title, d))
}

// confirmStocktakeImport records the kept upload as the stocktake of the
// date: all rows when none is bad, the good ones only when mode is "good";
// an existing stocktake of that date is replaced only with replace=1.
// Planning and recording happen in one transaction.
func (h *Handler) confirmStocktakeImport(c *fiber.Ctx) error {
	u := currentUser(c)
	if !canWriteStocktakes(u) {
		return model.ErrNotAllowed
	}
	d := &stocktakeImport{K: stocktakeKind, Staff: u.IsStaff(), CustomerCode: c.FormValue("customer_code"), Date: c.FormValue("date"),
		Remarks: c.FormValue("remarks"), Token: c.FormValue("token")}
	res, err := h.store.ConfirmStocktakeImport(h.editActor(c), store.StocktakeImportForm{CustomerCode: d.CustomerCode, Date: d.Date,
		Remarks: d.Remarks, Token: d.Token, GoodOnly: c.FormValue("mode") == "good", Replace: c.FormValue("replace") == "1", Read: readTable})
	d.Name, d.Existing = res.Name, res.Existing
	if res.Date != "" {
		d.Date = res.Date
	}
	if res.Plan != nil {
		d.Plan = res.Plan
		h.stocktakePreviewRows(d)
	}
	if err != nil {
		var ex *store.StocktakeExistsError
		if errors.As(err, &ex) {
			d.Existing = ex.Existing
			err = model.Invalid("replace", "err.stocktake_exists")
		}
		return h.formError(c, err, tplStocktakeImport, h.view(c, stocktakeKind.Title, d))
	}
	h.setFlash(c, "flash.st_imported")
	return h.redirect(c, "/stocktakes/"+itoa(res.Stocktake.ID))
}
