package handlers

import (
	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplPriceList   = "prices/list"
	tplPriceForm   = "prices/form"
	tplPriceLookup = "prices/lookup"
)

// Customer price records (客户价格资料): staff who may manage the catalog keep
// them; every staff member reads those of customers in scope and all group
// records. Price look-up (定价查询) on a catalog entry serves staff and dealers.
func (h *Handler) registerPrices(r fiber.Router) {
	r.Get("/prices", h.showPrices)
	r.Get("/prices/new", h.newPrice)
	r.Post("/prices", h.createPrice)
	r.Post("/prices/bulk", h.bulkPrices)
	r.Get("/prices/:id/edit", h.editPrice)
	r.Post("/prices/:id", h.updatePrice)
	registerDocActions(h, r, h.priceActions())
	r.Get("/catalog/:id/prices", h.lookupPrices)
}

// priceNames resolves the ids a price list shows.
type priceNames struct {
	Products  map[uint64]*model.Product
	Customers map[uint64]*model.Customer
	Groups    map[uint64]*model.CustomerGroup
}

func (h *Handler) priceNames(t *store.Tx, sc store.Scope, recs []*model.PriceRecord) priceNames {
	n := priceNames{Products: map[uint64]*model.Product{}, Customers: map[uint64]*model.Customer{}, Groups: map[uint64]*model.CustomerGroup{}}
	groups, _ := t.CustomerGroups()
	for _, g := range groups {
		n.Groups[g.ID] = g
	}
	for _, r := range recs {
		if n.Products[r.ProductID] == nil {
			n.Products[r.ProductID], _ = t.Product(r.ProductID)
		}
		if r.CustomerID != 0 && n.Customers[r.CustomerID] == nil {
			n.Customers[r.CustomerID], _ = t.Customer(sc, r.CustomerID)
		}
	}
	return n
}

type priceListData struct {
	List
	priceNames
	GroupList []*model.CustomerGroup
	CanEdit   bool
}

func (h *Handler) priceFilter(t *store.Tx, sc store.Scope, q ListQuery) store.PriceFilter {
	f := store.PriceFilter{GroupID: q.Uint("group"), Status: model.Status(q.Get("status")), Kind: q.Get("kind")}
	if code := q.Get("product"); code != "" {
		if p, err := t.ProductByCode(code); err == nil {
			f.ProductID = p.ID
		} else {
			f.ProductID = ^uint64(0)
		}
	}
	if code := q.Get("customer"); code != "" {
		if c, err := t.CustomerByCode(sc, code); err == nil {
			f.CustomerID = c.ID
		} else {
			f.CustomerID = ^uint64(0)
		}
	}
	return f
}

func (h *Handler) showPrices(c *fiber.Ctx) error {
	if err := need(c, model.PermViewCatalog); err != nil {
		return fiber.ErrNotFound
	}
	q := parseListQuery(c, "product")
	sc := h.scope(c)
	d := &priceListData{CanEdit: currentUser(c).Can(model.PermManageCatalog)}
	var rows []*model.PriceRecord
	err := h.read(func(t *store.Tx) error {
		var total int
		var err error
		rows, total, err = t.ListPrices(sc, h.priceFilter(t, sc, q), q.Page())
		d.List = List{Rows: rows, Query: q, Pager: q.Pager(total)}
		d.priceNames = h.priceNames(t, sc, rows)
		d.GroupList, _ = t.CustomerGroups()
		return err
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		l := lang(c)
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			var cust, group, pcode, pname string
			if cu := d.Customers[r.CustomerID]; cu != nil {
				cust = cu.Code
			}
			if g := d.Groups[r.GroupID]; g != nil {
				group = g.Code
			}
			if p := d.Products[r.ProductID]; p != nil {
				pcode, pname = p.Code, p.Name
			}
			out = append(out, []string{cust, group, pcode, pname, r.Price.Plain(), r.MinQty.String(), r.From, r.To,
				h.i18n.T(l, "status."+string(r.Status)), r.Remarks})
		}
		return h.export(c, q.Export, "prices", []exportCol{
			{"customer.code", colText}, {"customer.group", colText}, {"product.code", colText},
			{"product.name", colText}, {"price.price", colMoney}, {"price.min_qty", colNumber}, {"price.from", colDate},
			{"price.to", colDate}, {"entry.status", colText}, {"price.remarks", colText},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplPriceList, h.view(c, "prices.title", d))
}

type priceFormData struct {
	Price        *model.PriceRecord
	ProductCode  string
	CustomerCode string
	Groups       []*model.CustomerGroup
	Actions      []string
	Token        string
	Activity     []*store.Activity
}

func (h *Handler) priceView(c *fiber.Ctx, r *model.PriceRecord) *View {
	d := &priceFormData{Price: r, Token: h.formToken(c), Actions: model.PriceMachine.Allowed(r.Status, currentUser(c))}
	_ = h.read(func(t *store.Tx) error {
		groups, _ := t.CustomerGroups()
		d.Groups, _, _ = t.AudienceChoices(h.scope(c), groups, nil) // groups the user may price
		if p, err := t.Product(r.ProductID); err == nil {
			d.ProductCode = p.Code
		}
		if cu, err := t.Customer(h.scope(c), r.CustomerID); err == nil {
			d.CustomerCode = cu.Code
		}
		if r.ID != 0 {
			d.Activity = t.ActivityOf("price", r.ID, 20)
		}
		return nil
	})
	if r.ID == 0 {
		d.ProductCode, d.CustomerCode = c.FormValue("product_code", c.Query("product")), c.FormValue("customer_code")
	}
	title := "prices.edit"
	if r.ID == 0 {
		title = "prices.new"
	}
	return h.view(c, title, d)
}

func (h *Handler) newPrice(c *fiber.Ctx) error {
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplPriceForm, h.priceView(c, &model.PriceRecord{Doc: model.Doc{Status: model.StatusDraft}}))
}

// loadPrice reads the route's record through the scope first (another
// customer's record is a 404 whatever the roles), then checks the role.
func (h *Handler) loadPrice(c *fiber.Ctx) (*model.PriceRecord, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	var r *model.PriceRecord
	err = h.read(func(t *store.Tx) error { r, err = t.PriceRecord(h.scope(c), id); return err })
	if err != nil {
		return nil, err
	}
	return r, need(c, model.PermManageCatalog)
}

func (h *Handler) editPrice(c *fiber.Ctx) error {
	r, err := h.loadPrice(c)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplPriceForm, h.priceView(c, r))
}

func (h *Handler) savePrice(c *fiber.Ctx, r *model.PriceRecord) error {
	ve := &model.ValidationError{}
	r.From, r.To, r.Remarks = c.FormValue("from"), c.FormValue("to"), c.FormValue("remarks")
	r.Version = formUint(c, "version")
	if m, err := model.ParseMoney(c.FormValue("price")); err != nil {
		ve.AddErr("price", err, "err.money")
	} else {
		r.Price = m
	}
	if q, ok := formQty(c, "min_qty"); ok {
		r.MinQty = q
	} else {
		ve.Add("min_qty", "err.qty_invalid", nil)
	}
	isNew := r.ID == 0
	id, err := h.store.SavePriceForm(h.formActor(c), store.PriceInput{Record: r, ProductCode: c.FormValue("product_code"),
		CustomerCode: c.FormValue("customer_code"), GroupID: formUint(c, "group_id"), Invalid: ve})
	if err != nil {
		if isNew {
			r.ID = 0
		}
		return h.formError(c, err, tplPriceForm, h.priceView(c, r))
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/prices/"+itoa(id)+"/edit")
}

func (h *Handler) createPrice(c *fiber.Ctx) error {
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	return h.savePrice(c, &model.PriceRecord{Doc: model.Doc{Status: model.StatusDraft}})
}

func (h *Handler) updatePrice(c *fiber.Ctx) error {
	r, err := h.loadPrice(c)
	if err != nil {
		return err
	}
	return h.savePrice(c, r)
}

// priceActions: staff who manage the catalog audit and unaudit a price
// record (logged in its activity).
func (h *Handler) priceActions() docKind[*model.PriceRecord] {
	act := docAction[*model.PriceRecord]{
		Run: func(x *docRun[*model.PriceRecord]) (uint64, error) {
			return 0, h.store.ActOnPrice(x.Actor, x.ID, x.Version, x.Action)
		},
		Next: func(_ *fiber.Ctx, id, _ uint64) string { return "/prices/" + itoa(id) + "/edit" },
	}
	audit, unaudit := act, act
	audit.Flash, unaudit.Flash = actionFlash["audit"], actionFlash["unaudit"]
	return docKind[*model.PriceRecord]{Base: "/prices", Load: h.loadPrice,
		Page: func(c *fiber.Ctx, r *model.PriceRecord, _ string) (string, *View, error) {
			return tplPriceForm, h.priceView(c, r), nil
		},
		Actions: map[string]docAction[*model.PriceRecord]{
			"audit": audit, "unaudit": unaudit,
		}}
}

// bulkPrices audits or unaudits the selected records in one transaction;
// a record outside the user's scope refuses the whole action (404), before
// the permission is checked, as for a record in the path.
func (h *Handler) bulkPrices(c *fiber.Ctx) error {
	action := c.FormValue("action")
	if action != "audit" && action != "unaudit" {
		return fiber.ErrBadRequest
	}
	ids := formIDs(c, "ids")
	err := need(c, model.PermManageCatalog)
	if err != nil {
		// Scope first: a record the user may not see is a 404 whatever the roles.
		return h.outOfScopeFirst(err, func(t *store.Tx) error {
			for _, id := range ids {
				if _, err := t.PriceRecord(h.scope(c), id); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := h.store.ActOnPrices(h.editActor(c), ids, action); err != nil {
		return err
	}
	if len(ids) == 0 {
		h.setFlash(c, "flash.ord_none_selected")
	} else {
		h.setFlash(c, actionFlash[action])
	}
	return h.redirect(c, "/prices")
}

type lookupData struct {
	Item    *store.CatalogItem
	Records []*model.PriceRecord
	priceNames
	Quote    model.PriceQuote
	IsDealer bool
}

// lookupPrices is the price look-up (定价查询) of a catalog entry: staff see
// every audited record of the product (customer records of customers in
// their scope), a dealer only the records for its customer and its group,
// and only for an entry published to it (404 otherwise). It writes nothing.
func (h *Handler) lookupPrices(c *fiber.Ctx) error {
	u := currentUser(c)
	if !u.Can(model.PermViewCatalog) && !u.Can(model.PermShop) {
		return fiber.ErrNotFound
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	sc := h.scope(c)
	d := &lookupData{IsDealer: !u.IsStaff()}
	err = h.read(func(t *store.Tx) error {
		var err error
		if d.Records, err = t.PriceLookup(sc, id); err != nil {
			return err
		}
		if d.Item, err = t.CatalogItem(sc, id, 0); err != nil {
			return err
		}
		d.priceNames = h.priceNames(t, sc, d.Records)
		return nil
	})
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplPriceLookup, h.view(c, "prices.lookup", d))
}
