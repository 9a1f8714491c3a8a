package handlers

import (
	"bytes"
	"html/template"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplShopCatalog = "shop/catalog"
	tplShopItem    = "shop/item"
	tplShopAdded   = "shop/added"
	tplFavorites   = "shop/favorites"
	tplBought      = "shop/bought"
)

// The dealer's side of the ordering center: the catalog published to its
// customer (browse by category, search, sort, detail), favorites, cart,
// quick order and previously bought. Every route answers 404 to staff and to
// entries not published to the user's customer.
func (h *Handler) registerShop(r fiber.Router) {
	r.Get("/catalog", h.showShopCatalog)
	r.Post("/catalog/selected", h.addSelected)
	r.Get("/catalog/:id", h.showShopItem)
	r.Post("/catalog/:id/favorite", h.favoriteItem)
	r.Post("/catalog/:id/cart", h.cartItem)
	r.Get("/favorites", h.showFavorites)
	r.Post("/favorites/refresh", h.refreshFavorites)
	r.Post("/favorites/cart", h.favoritesToCart)
	r.Post("/favorites/:id/delete", h.deleteFavorite)
	r.Get("/bought", h.showBought)
	h.registerCart(r)
	h.registerQuickOrder(r)
}

// shopUser returns the dealer user and its scope, or 404 for anyone who may
// not shop (staff included: they have no cart).
func (h *Handler) shopUser(c *fiber.Ctx) (*model.User, store.Scope, error) {
	u := currentUser(c)
	if u == nil || u.Kind != model.KindDealer || !u.Can(model.PermShop) {
		return nil, store.Scope{}, fiber.ErrNotFound
	}
	return u, h.scope(c), nil
}

// shopActor is who runs a shop use case: the dealer user and its scope (a
// cart change is not replay-guarded: each click is one step).
func (h *Handler) shopActor(u *model.User, sc store.Scope) store.Actor {
	return store.Actor{User: u, Scope: sc}
}

// renderPart renders one template alone, for an HTMX swap into part of a
// page (no title, no navigation).
func (h *Handler) renderPart(c *fiber.Ctx, status int, name string, v *View) error {
	c.Vary("HX-Request")
	var body bytes.Buffer
	if err := h.engine.Render(&body, name, v); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).Send(body.Bytes())
}

// shopCategory is a link of the catalog page's category menu.
type shopCategory struct {
	ID, Name string
	Depth    int
	Active   bool
}

type shopCatalogData struct {
	List
	Categories []shopCategory
	Category   string
	// Items is the list's rows, written by catalogRowsHTML (shop_rows.go).
	Items template.HTML
}

// showShopCatalog is the dealer's catalog (商品目录): only audited entries
// published to its customer, read from the customer's own index and the
// compact catalog view (no entry or product is decoded).
func (h *Handler) showShopCatalog(c *fiber.Ctx) error {
	u, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	q := parseListQuery(c, "code", "name", "new")
	d := &shopCatalogData{}
	var rows []*store.CatalogRow
	var set *model.OrderingSettings
	inCart := map[uint64]model.Qty{}
	err = h.read(func(t *store.Tx) error {
		d.Categories = nil // fn may run again (Store.View)
		var total int
		var err error
		rows, total, err = t.ListCatalogRows(sc, store.CatalogFilter{Q: q.Q, CategoryID: q.Uint("category"), Sort: q.Sort}, q.Page())
		if err != nil {
			return err
		}
		d.List = List{Query: q, Pager: q.Pager(total)}
		if len(rows) > 0 {
			d.List.Rows = rows
		}
		tree := t.CategoryTree()
		chosen := q.Get("category")
		for _, n := range tree.Flatten() {
			id := itoa(n.Cat.ID)
			d.Categories = append(d.Categories, shopCategory{ID: id, Name: n.Cat.Name, Depth: n.Depth, Active: id == chosen})
		}
		d.Category = tree.Path(q.Uint("category"))
		set = t.OrderingSettings()
		if len(rows) > 0 {
			inCart = t.CartQuantities(u.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			out = append(out, []string{r.Code, r.Title, r.Spec, r.Unit, r.Quote.Price.Plain(), r.MinQty.String(), r.Multiple.String()})
		}
		return h.export(c, q.Export, "catalog", []exportCol{
			{"product.code", colText}, {"entry.title", colText}, {"product.spec", colText}, {"product.unit", colText},
			{"shop.your_price", colMoney}, {"entry.min_qty", colNumber}, {"entry.multiple", colNumber},
		}, out)
	}
	v := h.view(c, "shop.title", d)
	d.Items = catalogRowsHTML(v, set, rows, inCart)
	return h.render(c, fiber.StatusOK, tplShopCatalog, v)
}

type shopItemData struct {
	Item       *store.CatalogItem
	Category   string
	Settings   *model.OrderingSettings
	InCart     model.Qty
	Favorite   bool
	Back       string
	Breaks     []*model.PriceRecord
	ImageIndex int
}

// showShopItem is an entry's detail page for a dealer: images, effective
// price, quantity rules, stock. Viewing it counts as a visit (buffered).
func (h *Handler) showShopItem(c *fiber.Ctx) error {
	u, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d := &shopItemData{Back: safePath(c.Query("back"), "/catalog")}
	err = h.read(func(t *store.Tx) error {
		var err error
		if d.Item, err = t.CatalogItem(sc, id, 0); err != nil {
			return err
		}
		d.Category = t.CategoryTree().Path(d.Item.Entry.CategoryID)
		d.Settings = t.OrderingSettings()
		d.InCart = t.CartLineQty(u.ID, id)
		d.Breaks, _ = t.PriceLookup(sc, id)
		return nil
	})
	if err != nil {
		return err
	}
	h.visits.Record(id, u.ID, h.store.Now())
	return h.render(c, fiber.StatusOK, tplShopItem, h.view(c, "shop.item", d))
}

// backURL is where a plain form post returns to: the form's "back" field,
// else the Referer's path, else def.
func backURL(c *fiber.Ctx, def string) string {
	if b := c.FormValue("back"); b != "" {
		return safePath(b, def)
	}
	return refererPath(c, def)
}

type addedData struct {
	ID      uint64
	Message string
	Error   string
	InCart  model.Qty
}

// shopDone answers an add action: for HTMX a small status fragment (the page
// stays), else a redirect back with a flash.
func (h *Handler) shopDone(c *fiber.Ctx, id uint64, flash string, inCart model.Qty, err error) error {
	if err != nil {
		var ve *model.ValidationError
		if !asValidation(err, &ve) {
			return err
		}
		msg := h.i18n.TMap(lang(c), ve.Fields[0].Key, ve.Fields[0].Args)
		if isFragment(c) {
			return h.renderPart(c, fiber.StatusUnprocessableEntity, tplShopAdded, h.view(c, "shop.title", &addedData{ID: id, Error: msg}))
		}
		h.setFlash(c, "flash.qty_refused")
		return h.redirect(c, backURL(c, "/catalog/"+itoa(id)))
	}
	if isFragment(c) {
		return h.renderPart(c, fiber.StatusOK, tplShopAdded, h.view(c, "shop.title", &addedData{ID: id, Message: h.i18n.T(lang(c), flash), InCart: inCart}))
	}
	h.setFlash(c, flash)
	return h.redirect(c, backURL(c, "/catalog/"+itoa(id)))
}

// favoriteItem adds one entry to the user's favorites.
func (h *Handler) favoriteItem(c *fiber.Ctx) error {
	u, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	err = h.store.AddFavorites(h.shopActor(u, sc), id)
	if err != nil && !isValidation(err) {
		return err
	}
	return h.shopDone(c, id, "flash.favorited", 0, err)
}

func isValidation(err error) bool {
	var ve *model.ValidationError
	return asValidation(err, &ve)
}

// cartItem adds an entry to the user's cart: the quantity typed, or one step
// (the first quantity for a new line). Concurrent adds never lose one: each
// is a read-modify-write in one transaction.
func (h *Handler) cartItem(c *fiber.Ctx) error {
	u, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	qty, qerr := formQtyErr(c, "qty")
	var line *model.CartLine
	if qerr != nil {
		ve := &model.ValidationError{}
		ve.AddErr("qty", qerr, "err.qty_invalid")
		err = ve
	} else {
		line, err = h.store.AddToCart(h.shopActor(u, sc), id, qty)
	}
	if err != nil && !isValidation(err) {
		return err
	}
	var in model.Qty
	if line != nil {
		in = line.Qty
	}
	return h.shopDone(c, id, "flash.carted", in, err)
}

// addSelected adds the checked entries to favorites or to the cart (one step
// each), all in one transaction.
func (h *Handler) addSelected(c *fiber.Ctx) error {
	u, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	ids := formIDs(c, "ids")
	action := c.FormValue("action")
	if action != "favorite" && action != "cart" {
		return fiber.ErrBadRequest
	}
	if len(ids) == 0 {
		h.setFlash(c, "flash.ord_none_selected")
		return h.redirect(c, backURL(c, "/catalog"))
	}
	if action == "favorite" {
		err = h.store.AddFavorites(h.shopActor(u, sc), ids...)
	} else {
		err = h.store.AddStepsToCart(h.shopActor(u, sc), ids)
	}
	if err != nil {
		if isValidation(err) {
			h.setFlash(c, "flash.qty_refused")
			return h.redirect(c, backURL(c, "/catalog"))
		}
		return err
	}
	if action == "favorite" {
		h.setFlash(c, "flash.favorited")
	} else {
		h.setFlash(c, "flash.carted")
	}
	return h.redirect(c, backURL(c, "/catalog"))
}

type shopListData struct {
	Rows     []*store.ShopRow
	Totals   store.CartTotals
	Settings *model.OrderingSettings
	Errors   map[uint64]string
}

func (h *Handler) showFavorites(c *fiber.Ctx) error {
	u, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	d := &shopListData{}
	err = h.read(func(t *store.Tx) error {
		d.Settings = t.OrderingSettings()
		d.Rows, err = t.Favorites(sc, u.ID)
		return err
	})
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplFavorites, h.view(c, "favorites.title", d))
}

// refreshFavorites re-reads the latest catalog values into the favorites.
func (h *Handler) refreshFavorites(c *fiber.Ctx) error {
	u, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	if err := h.store.UpdateFavoriteValues(h.shopActor(u, sc)); err != nil {
		return err
	}
	h.setFlash(c, "flash.ord_refreshed")
	return h.redirect(c, "/favorites")
}

// favoritesToCart moves the checked favorites (one step each) into the cart;
// unavailable ones cannot be chosen.
func (h *Handler) favoritesToCart(c *fiber.Ctx) error {
	u, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	ids := formIDs(c, "ids")
	if len(ids) == 0 {
		h.setFlash(c, "flash.ord_none_selected")
		return h.redirect(c, "/favorites")
	}
	err = h.store.AddStepsToCart(h.shopActor(u, sc), ids)
	if err != nil {
		if isValidation(err) {
			h.setFlash(c, "flash.qty_refused")
			return h.redirect(c, "/favorites")
		}
		return err
	}
	h.setFlash(c, "flash.carted")
	return h.redirect(c, "/cart")
}

func (h *Handler) deleteFavorite(c *fiber.Ctx) error {
	u, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := h.store.RemoveFavorite(h.shopActor(u, sc), id); err != nil {
		return err
	}
	h.setFlash(c, "flash.deleted")
	return h.redirect(c, "/favorites")
}

// showBought lists what the customer bought before (filled by the orders
// module through store.Tx.RecordPurchase; empty until orders exist).
func (h *Handler) showBought(c *fiber.Ctx) error {
	_, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	var rows []*store.BoughtRow
	var set *model.OrderingSettings
	err = h.read(func(t *store.Tx) error {
		set = t.OrderingSettings()
		rows, err = t.PreviouslyBought(sc)
		return err
	})
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplBought, h.view(c, "bought.title", &struct {
		Rows     []*store.BoughtRow
		Settings *model.OrderingSettings
	}{rows, set}))
}
