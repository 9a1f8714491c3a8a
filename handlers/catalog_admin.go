package handlers

import (
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplEntryList  = "catalog/admin_list"
	tplEntryForm  = "catalog/admin_form"
	tplEntryView  = "catalog/admin_view"
	tplEntryBatch = "catalog/batch"
)

// The catalog (商品目录) as staff keep it: single add, batch add, import,
// audit/unaudit (审核 = publish), publish targets (增加/取消发布对象).
func (h *Handler) registerCatalogAdmin(r fiber.Router) {
	r.Get("/catalog-entries", h.showEntries)
	r.Post("/catalog-entries/bulk", h.bulkEntries)
	r.Get("/catalog-entries/new", h.newEntry)
	r.Post("/catalog-entries", h.createEntry)
	r.Get("/catalog-entries/batch", h.showBatchAdd)
	r.Post("/catalog-entries/batch", h.batchAdd)
	h.registerImports(r)
	r.Get("/catalog-entries/:id", h.showEntry)
	r.Get("/catalog-entries/:id/edit", h.editEntry)
	r.Post("/catalog-entries/:id", h.updateEntry)
	registerDocActions(h, r, h.entryActions())
	r.Post("/catalog-entries/:id/targets", h.addTargets)
	r.Post("/catalog-entries/:id/targets/remove", h.removeTargets)
}

// entryChoices are the options of entry forms: categories, groups, org units.
type entryChoices struct {
	Categories []model.CategoryNode
	Groups     []*model.CustomerGroup
	Orgs       []model.Node
}

// entryChoices offers only the groups and org units the user may target.
func (h *Handler) entryChoices(c *fiber.Ctx, t *store.Tx) entryChoices {
	ch := entryChoices{Categories: t.CategoryTree().Flatten()}
	groups, _ := t.CustomerGroups()
	ch.Groups, ch.Orgs, _ = t.AudienceChoices(h.scope(c), groups, t.OrgTree().Flatten())
	return ch
}

type entryListData struct {
	List
	entryChoices
	Settings *model.OrderingSettings
	CanEdit  bool
}

func (h *Handler) showEntries(c *fiber.Ctx) error {
	if err := need(c, model.PermViewCatalog); err != nil {
		return fiber.ErrNotFound
	}
	q := parseListQuery(c, "code", "name", "new")
	d := &entryListData{CanEdit: currentUser(c).Can(model.PermManageCatalog)}
	var rows []*store.CatalogItem
	var cats *model.CategoryTree
	err := h.read(func(t *store.Tx) error {
		var total int
		var err error
		rows, total, err = t.ListCatalog(h.scope(c), store.CatalogFilter{Q: q.Q, CategoryID: q.Uint("category"), Status: model.Status(q.Get("status")), Sort: q.Sort}, q.Page())
		d.List = List{Rows: rows, Query: q, Pager: q.Pager(total)}
		d.entryChoices = h.entryChoices(c, t)
		d.Settings = t.OrderingSettings()
		cats = t.CategoryTree()
		return err
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		l := lang(c)
		out := make([][]string, 0, len(rows))
		for _, it := range rows {
			out = append(out, []string{it.Product.Code, it.Entry.Title, it.Product.Name, it.Product.Spec, cats.Path(it.Entry.CategoryID),
				it.Product.ListPrice.Plain(), it.Entry.MinQty.String(), it.Entry.Multiple.String(), it.Stock.Available().String(),
				h.i18n.T(l, "status."+string(it.Entry.Status))})
		}
		return h.export(c, q.Export, "catalog", []exportCol{
			{"product.code", colText}, {"entry.title", colText}, {"product.name", colText}, {"product.spec", colText},
			{"entry.category", colText}, {"product.list_price", colMoney}, {"entry.min_qty", colNumber},
			{"entry.multiple", colNumber}, {"stock.available", colNumber}, {"entry.status", colText},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplEntryList, h.view(c, "entries.title", d))
}

// bulkEntries audits or unaudits the selected entries, all in one
// transaction: one that cannot be changed stops them all, and one outside
// the user's scope refuses the whole action (404) before any changes.
func (h *Handler) bulkEntries(c *fiber.Ctx) error {
	action := c.FormValue("action")
	if action != "audit" && action != "unaudit" {
		return fiber.ErrBadRequest
	}
	ids := formIDs(c, "ids")
	if len(ids) == 0 {
		if err := need(c, model.PermManageCatalog); err != nil {
			return err
		}
		h.setFlash(c, "flash.ord_none_selected")
		return h.redirect(c, "/catalog-entries")
	}
	if err := need(c, model.PermManageCatalog); err != nil {
		// Scope first: an entry the user may not see is a 404 whatever the roles.
		return h.outOfScopeFirst(err, func(t *store.Tx) error {
			for _, id := range ids {
				if _, err := t.CatalogEntry(h.scope(c), id); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := h.store.ActOnCatalogEntries(h.editActor(c), ids, action); err != nil {
		return err
	}
	h.setFlash(c, actionFlash[action])
	return h.redirect(c, "/catalog-entries?"+string(c.Request().URI().QueryString()))
}

// editActor is who runs a use case that changes a record at the version
// its form showed, or several listed records: the user and scope, with no
// replay key (the version check refuses a second post).
func (h *Handler) editActor(c *fiber.Ctx) store.Actor {
	return store.Actor{User: currentUser(c), Scope: h.scope(c)}
}

// outOfScopeFirst answers a bulk action refused for want of a permission
// (perm): the selected records' scope check (load) speaks first, so one the
// user may not see is a 404 whatever the roles, as for a record in the path.
func (h *Handler) outOfScopeFirst(perm error, load func(t *store.Tx) error) error {
	if err := h.read(load); err != nil {
		return err
	}
	return perm
}

type entryFormData struct {
	Entry   *model.CatalogEntry
	Product *model.Product
	entryChoices
	Products []*model.Product // unlisted products to choose from (new entry)
	Token    string
	Form     targetForm
}

// targetForm is what the target fields of a form held, to show them again.
type targetForm struct {
	Customers string
	Groups    []uint64
	Orgs      []uint64
	// The pickers showing them (targetPickers).
	CustomerPick, GroupPick, OrgPick picker
}

func (h *Handler) entryView(c *fiber.Ctx, e *model.CatalogEntry, tf targetForm) *View {
	d := &entryFormData{Entry: e, Token: h.formToken(c), Form: tf}
	_ = h.read(func(t *store.Tx) error {
		d.entryChoices = h.entryChoices(c, t)
		h.targetPickers(c, t, &d.Form, d.entryChoices)
		if e.ProductID != 0 {
			d.Product, _ = t.Product(e.ProductID)
		}
		if e.ID == 0 {
			d.Products, _, _ = t.ListProducts(store.ProductFilter{Listed: "no", Active: "yes"}, store.Page{Limit: 500})
		}
		return nil
	})
	title := "entries.edit"
	if e.ID == 0 {
		title = "entries.new"
	}
	return h.view(c, title, d)
}

func (h *Handler) newEntry(c *fiber.Ctx) error {
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	e := &model.CatalogEntry{}
	if pid, err := parseUint(c.Query("product")); err == nil {
		e.ProductID = pid
	}
	return h.render(c, fiber.StatusOK, tplEntryForm, h.entryView(c, e, targetForm{}))
}

// targetFormOf is what the form's target fields hold.
func targetFormOf(c *fiber.Ctx) targetForm {
	return targetForm{Customers: strings.Join(pickedCodes(c, "customer_codes"), " "), Groups: pickedIDs(c, "group_ids"), Orgs: pickedIDs(c, "org_ids")}
}

// targetCodes is the form's targets as a use case takes them.
func (tf targetForm) codes() store.TargetCodes {
	return store.TargetCodes{Customers: model.SplitCodes(tf.Customers), Groups: tf.Groups, Orgs: tf.Orgs}
}

// readEntry copies the form's own fields into e.
func readEntry(c *fiber.Ctx, e *model.CatalogEntry) *model.ValidationError {
	ve := &model.ValidationError{}
	if e.ID == 0 {
		e.ProductID = formUint(c, "product_id")
	}
	e.CategoryID = formUint(c, "category_id")
	e.Title, e.Description = c.FormValue("title"), c.FormValue("description")
	e.ShowListPrice = c.FormValue("show_list_price") == "1"
	e.Version = formUint(c, "version")
	for _, f := range []struct {
		name string
		dst  *model.Qty
	}{{"min_qty", &e.MinQty}, {"multiple", &e.Multiple}} {
		if q, ok := formQty(c, f.name); ok && q >= 0 {
			*f.dst = q
		} else {
			ve.Add(f.name, "err.qty_invalid", nil)
		}
	}
	return ve
}

// createEntry is the single add (单个新增): the entry with its targets, as a
// draft, or audited at once when "save and publish" was pressed.
func (h *Handler) createEntry(c *fiber.Ctx) error {
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	e := &model.CatalogEntry{}
	ve := readEntry(c, e)
	if pickRequested(c) {
		return h.render(c, fiber.StatusOK, tplEntryForm, h.entryView(c, e, targetFormOf(c)))
	}
	tf := targetFormOf(c)
	id, err := h.store.CreateCatalogEntry(h.formActor(c), store.EntryInput{Entry: *e, Invalid: ve, Targets: tf.codes(), Publish: c.FormValue("publish") == "1"})
	e.ID = id
	if err != nil {
		e.ID = 0
		return h.formError(c, err, tplEntryForm, h.entryView(c, e, tf))
	}
	h.setFlash(c, "flash.created")
	return h.redirect(c, "/catalog-entries/"+itoa(e.ID))
}

func (h *Handler) loadEntry(c *fiber.Ctx) (*model.CatalogEntry, error) {
	if !currentUser(c).Can(model.PermViewCatalog) {
		return nil, fiber.ErrNotFound
	}
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	var e *model.CatalogEntry
	err = h.read(func(t *store.Tx) error { e, err = t.CatalogEntry(h.scope(c), id); return err })
	return e, err
}

func (h *Handler) editEntry(c *fiber.Ctx) error {
	e, err := h.loadEntry(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplEntryForm, h.entryView(c, e, targetForm{}))
}

func (h *Handler) updateEntry(c *fiber.Ctx) error {
	e, err := h.loadEntry(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	ve := readEntry(c, e)
	err = h.store.UpdateCatalogEntry(h.editActor(c), e, ve)
	if err != nil {
		return h.formError(c, err, tplEntryForm, h.entryView(c, e, targetForm{}))
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/catalog-entries/"+itoa(e.ID))
}

// targetRow is one publish target as the entry page lists it.
type targetRow struct {
	Target model.Target
	Label  string
}

type entryPage struct {
	Item     *store.CatalogItem
	Category string
	Targets  []targetRow
	Covered  int // customers in the viewer's scope the entry is published to
	Notices  []noticeRow
	entryChoices
	Actions  []string
	Bar      *actionBar
	CanEdit  bool
	Token    string
	Activity []*store.Activity
	Settings *model.OrderingSettings
	Form     targetForm
}

type noticeRow struct {
	Customer *model.Customer
	Message  *model.OutboxMessage
}

func (h *Handler) entryPage(c *fiber.Ctx, e *model.CatalogEntry) (*entryPage, error) {
	u := currentUser(c)
	sc := h.scope(c)
	d := &entryPage{CanEdit: u.Can(model.PermManageCatalog), Actions: model.CatalogMachine.Allowed(e.Status, u), Token: h.formToken(c)}
	err := h.read(func(t *store.Tx) error {
		d.Targets, d.Notices = nil, nil // fn may run again (Store.View)
		var err error
		if d.Item, err = t.CatalogItem(sc, e.ID, 0); err != nil {
			return err
		}
		d.Category = t.CategoryTree().Path(e.CategoryID)
		d.entryChoices = h.entryChoices(c, t)
		d.Settings = t.OrderingSettings()
		tree := t.OrgTree()
		for _, tg := range e.Targets {
			row := targetRow{Target: tg}
			switch tg.Kind {
			case model.TargetCustomer:
				cu, err := t.Customer(sc, tg.ID)
				if err != nil {
					continue
				}
				row.Label = cu.Code + " " + cu.Name
			case model.TargetGroup:
				if g, err := t.CustomerGroup(tg.ID); err == nil {
					row.Label = g.Code + " " + g.Name
				}
			case model.TargetOrg:
				row.Label = tree.Path(tg.ID)
			}
			d.Targets = append(d.Targets, row)
		}
		d.Covered = len(t.CatalogCoverage(sc, e))
		for _, n := range t.CatalogNotices(sc, e.ID) {
			cu, err := t.Customer(sc, n.CustomerID)
			if err != nil {
				continue
			}
			m, _ := t.OutboxMessage(n.MessageID)
			d.Notices = append(d.Notices, noticeRow{Customer: cu, Message: m})
		}
		d.Activity = t.ActivityOf("catalog_entry", e.ID, 20)
		if tf, ok := c.Locals(localTargetForm).(targetForm); ok {
			d.Form = tf
		}
		h.targetPickers(c, t, &d.Form, d.entryChoices)
		return nil
	})
	if err == nil {
		d.Bar = d.bar()
	}
	return d, err
}

func (h *Handler) showEntry(c *fiber.Ctx) error {
	e, err := h.loadEntry(c)
	if err != nil {
		return err
	}
	d, err := h.entryPage(c, e)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplEntryView, h.view(c, "entries.view", d))
}

func (h *Handler) entryPageError(c *fiber.Ctx, e *model.CatalogEntry, err error, tf targetForm) error {
	c.Locals(localTargetForm, tf)
	d, perr := h.entryPage(c, e)
	if perr != nil {
		return perr
	}
	return h.formError(c, err, tplEntryView, h.view(c, "entries.view", d))
}

// localTargetForm carries the posted publish targets to entryPage, which
// shows them again (a refused or filtered post).
const localTargetForm = "targetForm"

// entryActions: staff who manage the catalog audit (publish) and unaudit
// an entry (logged in its activity).
func (h *Handler) entryActions() docKind[*model.CatalogEntry] {
	act := func(x *docRun[*model.CatalogEntry]) (uint64, error) {
		return 0, h.store.ActOnCatalogEntry(x.Actor, x.ID, x.Version, x.Action)
	}
	return docKind[*model.CatalogEntry]{Base: "/catalog-entries", Load: h.loadEntry, Perm: model.PermManageCatalog,
		Page: docPageOf(h, tplEntryView, "entries.view", h.entryPage),
		Actions: map[string]docAction[*model.CatalogEntry]{
			"audit": {Flash: actionFlash["audit"], Run: act}, "unaudit": {Flash: actionFlash["unaudit"], Run: act},
		}}
}

// addTargets adds publish targets (增加发布对象): customers newly covered by a
// published entry are told in the same transaction.
func (h *Handler) addTargets(c *fiber.Ctx) error {
	e, err := h.loadEntry(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	tf := targetFormOf(c)
	if pickRequested(c) {
		c.Locals(localTargetForm, tf)
		d, err := h.entryPage(c, e)
		if err != nil {
			return err
		}
		return h.render(c, fiber.StatusOK, tplEntryView, h.view(c, "entries.view", d))
	}
	err = h.store.AddCatalogTargets(h.editActor(c), e.ID, formUint(c, "version"), tf.codes())
	if err != nil {
		return h.entryPageError(c, e, err, tf)
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/catalog-entries/"+itoa(e.ID)+"#targets")
}

// removeTargets removes the checked publish targets (取消发布对象).
func (h *Handler) removeTargets(c *fiber.Ctx) error {
	e, err := h.loadEntry(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	var targets []model.Target
	for _, v := range c.Request().PostArgs().PeekMulti("target") {
		kind, id, ok := strings.Cut(string(v), ":")
		n, err := parseUint(id)
		if ok && err == nil {
			targets = append(targets, model.Target{Kind: model.TargetKind(kind), ID: n})
		}
	}
	err = h.store.RemoveCatalogTargets(h.editActor(c), e.ID, formUint(c, "version"), targets)
	if err != nil {
		return h.entryPageError(c, e, err, targetForm{})
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/catalog-entries/"+itoa(e.ID)+"#targets")
}

// ---- batch add (批量新增) ----

type batchData struct {
	List
	entryChoices
	Token string
	Form  targetForm
	// Picked are the products ticked in a form shown again.
	Picked []uint64
}

// showBatchAdd lists the active products not yet in the catalog to pick from.
func (h *Handler) showBatchAdd(c *fiber.Ctx) error {
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	return h.renderBatch(c, fiber.StatusOK, nil)
}

func (h *Handler) renderBatch(c *fiber.Ctx, status int, ferr error) error {
	q := parseListQuery(c, "code", "name")
	q.Size = maxPageSize
	d := &batchData{Token: h.formToken(c)}
	err := h.read(func(t *store.Tx) error {
		rows, total, err := t.ListProducts(store.ProductFilter{Q: q.Q, Listed: "no", Active: "yes", SortKey: q.Sort}, q.Page())
		d.List = List{Rows: rows, Query: q, Pager: q.Pager(total)}
		d.entryChoices = h.entryChoices(c, t)
		if c.Method() == fiber.MethodPost {
			d.Form = targetFormOf(c)
			d.Picked = pickedIDs(c, "product_ids")
		}
		h.targetPickers(c, t, &d.Form, d.entryChoices)
		return err
	})
	if err != nil {
		return err
	}
	if q.Export != "" && ferr == nil {
		out := make([][]string, 0, len(d.Rows.([]*model.Product)))
		for _, p := range d.Rows.([]*model.Product) {
			out = append(out, []string{p.Code, p.Name, p.Spec, p.Unit, p.ListPrice.Plain()})
		}
		return h.export(c, q.Export, "products-not-in-catalog", []exportCol{
			{"product.code", colText}, {"product.name", colText}, {"product.spec", colText}, {"product.unit", colText},
			{"product.list_price", colMoney},
		}, out)
	}
	v := h.view(c, "entries.batch", d)
	if ferr != nil {
		return h.formError(c, ferr, tplEntryBatch, v)
	}
	return h.render(c, status, tplEntryBatch, v)
}

// batchAdd creates one draft entry (or published, with "publish") per
// selected product with the same category, quantities and targets, all in
// one transaction: nothing is created when one fails.
func (h *Handler) batchAdd(c *fiber.Ctx) error {
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	if pickRequested(c) {
		return h.renderBatch(c, fiber.StatusOK, nil)
	}
	tmpl := &model.CatalogEntry{}
	ve := readEntry(c, tmpl)
	_, err := h.store.AddCatalogEntries(h.formActor(c), store.EntryInput{Entry: *tmpl, Invalid: ve, Targets: targetFormOf(c).codes(), Publish: c.FormValue("publish") == "1"}, formIDs(c, "product_ids"))
	if err != nil {
		return h.renderBatch(c, fiber.StatusUnprocessableEntity, err)
	}
	h.setFlash(c, "flash.created")
	return h.redirect(c, "/catalog-entries?sort=new")
}
