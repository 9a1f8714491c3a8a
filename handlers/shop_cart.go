package handlers

import (
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplCart       = "shop/cart"
	tplCartBody   = "shop/cart_body"
	tplQuickOrder = "shop/quick"
)

// The cart (购物车), per dealer user.
func (h *Handler) registerCart(r fiber.Router) {
	r.Get("/cart", h.showCart)
	r.Post("/cart/refresh", h.refreshCart)
	r.Post("/cart/empty", h.emptyCart)
	r.Post("/cart/:id", h.changeCartQty)
	r.Post("/cart/:id/delete", h.removeCartLine)
}

func (h *Handler) cartData(t *store.Tx, u *model.User, sc store.Scope) (*shopListData, error) {
	d := &shopListData{Settings: t.OrderingSettings(), Errors: map[uint64]string{}}
	var err error
	d.Rows, d.Totals, err = t.Cart(sc, u.ID)
	return d, err
}

// showCart lists the cart at current effective prices with totals; lines
// whose entry is no longer published show as unavailable.
func (h *Handler) showCart(c *fiber.Ctx) error {
	u, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	var d *shopListData
	if err := h.read(func(t *store.Tx) error { d, err = h.cartData(t, u, sc); return err }); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplCart, h.view(c, "cart.title", d))
}

// renderCart answers a cart change: the cart body alone for HTMX (lines and
// totals), the whole page otherwise; lineErr marks one line's refused qty.
func (h *Handler) renderCart(c *fiber.Ctx, u *model.User, sc store.Scope, status int, entryID uint64, lineErr string) error {
	var d *shopListData
	err := h.read(func(t *store.Tx) error {
		var err error
		d, err = h.cartData(t, u, sc)
		return err
	})
	if err != nil {
		return err
	}
	if lineErr != "" {
		d.Errors[entryID] = lineErr
	}
	v := h.view(c, "cart.title", d)
	if isFragment(c) && c.Get("HX-Target") == "cart-body" {
		return h.renderPart(c, status, tplCartBody, v)
	}
	return h.render(c, status, tplCart, v)
}

// changeCartQty sets a line's quantity, refusing one below the minimum or
// not a multiple with a message at the line (422). The quantity is the
// typed field "qty", or "set" from a − / + button.
func (h *Handler) changeCartQty(c *fiber.Ctx) error {
	u, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	// Scope first: a line not in the cart, or an entry not published to the
	// customer, is a 404 whatever the quantity typed.
	found := false
	_ = h.read(func(t *store.Tx) error {
		_, err := t.CatalogEntry(sc, id)
		found = err == nil && t.CartLineQty(u.ID, id) > 0
		return nil
	})
	if !found {
		return fiber.ErrNotFound
	}
	// The − / + buttons post the new quantity as "set" (see stepQty); the
	// field posts what was typed.
	raw := c.FormValue("set")
	if raw == "" {
		raw = c.FormValue("qty")
	}
	q, err := model.ParseQty(strings.TrimSpace(raw))
	if err != nil {
		ve := &model.ValidationError{}
		ve.AddErr("qty", err, "err.qty_invalid")
		return h.renderCart(c, u, sc, fiber.StatusUnprocessableEntity, id, h.i18n.TMap(lang(c), ve.Fields[0].Key, ve.Fields[0].Args))
	}
	err = h.store.ChangeCartQty(h.shopActor(u, sc), id, q)
	var ve *model.ValidationError
	switch {
	case asValidation(err, &ve):
		return h.renderCart(c, u, sc, fiber.StatusUnprocessableEntity, id, h.i18n.TMap(lang(c), ve.Fields[0].Key, ve.Fields[0].Args))
	case err != nil:
		return err
	}
	if !isFragment(c) {
		h.setFlash(c, "flash.saved")
		return h.redirect(c, "/cart")
	}
	return h.renderCart(c, u, sc, fiber.StatusOK, 0, "")
}

// QtySteps is what a cart line's − and + buttons post: the next quantity
// below and above Qty that the entry's minimum and multiple allow. Down is
// zero when Qty is already the smallest allowed (the − button is then
// disabled), Up zero when the next step passes the largest quantity.
type QtySteps struct{ Down, Up model.Qty }

// stepQty is one step (the entry's multiple, or one unit) down and up from
// q: up to the next multiple above q, at least the entry's first quantity
// (the minimum rounded up to the multiple); down to the last multiple below
// q, unless that falls under the first quantity.
func stepQty(e *model.CatalogEntry, q model.Qty) QtySteps {
	first, step := e.FirstQty(), e.Step()
	up, down := q+step, q-step
	if e.Multiple > 0 {
		up = (q/e.Multiple + 1) * e.Multiple
		if q%e.Multiple != 0 {
			down = q / e.Multiple * e.Multiple
		}
	}
	var s QtySteps
	if up = max(up, first); up <= model.MaxQty {
		s.Up = up
	}
	if down >= first {
		s.Down = down
	}
	return s
}

// QtySteps is stepQty for the cart template: the − / + quantities of a line
// of entry e holding q.
func (v *View) QtySteps(e *model.CatalogEntry, q model.Qty) QtySteps { return stepQty(e, q) }

func (h *Handler) removeCartLine(c *fiber.Ctx) error {
	u, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := h.store.RemoveFromCart(h.shopActor(u, sc), id); err != nil {
		return err
	}
	if isFragment(c) && c.Get("HX-Target") == "cart-body" {
		return h.renderCart(c, u, sc, fiber.StatusOK, 0, "")
	}
	h.setFlash(c, "flash.deleted")
	return h.redirect(c, "/cart")
}

func (h *Handler) emptyCart(c *fiber.Ctx) error {
	u, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	if err := h.store.ClearCart(h.shopActor(u, sc)); err != nil {
		return err
	}
	h.setFlash(c, "flash.cart_emptied")
	return h.redirect(c, "/cart")
}

// refreshCart re-reads the latest catalog values (title, unit, price) into
// the lines, clearing the "price changed" marks.
func (h *Handler) refreshCart(c *fiber.Ctx) error {
	u, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	if err := h.store.UpdateCartValues(h.shopActor(u, sc)); err != nil {
		return err
	}
	h.setFlash(c, "flash.ord_refreshed")
	return h.redirect(c, "/cart")
}

// ---- quick order (快速下单) ----

func (h *Handler) registerQuickOrder(r fiber.Router) {
	r.Get("/quick-order", h.showQuickOrder)
	r.Get("/quick-order/template.:fmt", h.quickTemplate)
	r.Post("/quick-order", h.previewQuickOrder)
	r.Post("/quick-order/add", h.addQuickOrder)
}

type quickData struct {
	Text     string
	Checks   []*store.QuickCheck
	Good     int
	Bad      int
	GoodText string
	Settings *model.OrderingSettings
}

func (h *Handler) showQuickOrder(c *fiber.Ctx) error {
	if _, _, err := h.shopUser(c); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplQuickOrder, h.view(c, "quick.title", &quickData{}))
}

func (h *Handler) quickTemplate(c *fiber.Ctx) error {
	if _, _, err := h.shopUser(c); err != nil {
		return err
	}
	f := c.Params("fmt")
	if f != "csv" && f != "xlsx" {
		return fiber.ErrNotFound
	}
	return h.importTemplate(c, f, "quick-order-template", model.QuickImportColumns, []string{"P-1001", "10"})
}

// quickLinesFromTable turns an uploaded table into quick-order lines: with a
// header naming the columns, or code and quantity in the first two columns.
func quickLinesFromTable(table [][]string) []model.QuickLine {
	idx, missing := model.MapHeader(model.QuickImportColumns, table[0])
	rows := table
	first := 1
	if len(missing) == 0 {
		rows = table[1:]
		first = 2
	} else {
		idx = map[string]int{"code": 0, "qty": 1}
	}
	var out []model.QuickLine
	for i, r := range rows {
		if model.BlankRow(r) {
			continue
		}
		if len(out) >= model.MaxQuickLines {
			out = append(out, model.QuickLine{Row: i + first, Err: "err.quick_too_many", Args: map[string]any{"max": model.MaxQuickLines}})
			break
		}
		ql := model.QuickLine{Row: i + first, Raw: strings.Join(r, " ")}
		out = append(out, model.QuickRow(ql, []string{model.CodeCell(r, idx, "code"), model.CodeCell(r, idx, "qty")}))
	}
	return out
}

// previewQuickOrder checks pasted lines or an uploaded CSV/XLSX against the
// dealer's catalog and shows each line's problem (unknown or unpublished
// code, quantity rules, stock); nothing goes to the cart yet.
func (h *Handler) previewQuickOrder(c *fiber.Ctx) error {
	_, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	d := &quickData{Text: c.FormValue("lines")}
	var lines []model.QuickLine
	if fh, ferr := c.FormFile("file"); ferr == nil && fh.Size > 0 {
		name, data, err := uploadedFile(c)
		var table [][]string
		if err == nil {
			table, err = readTable(name, data)
		}
		if err != nil {
			return h.formError(c, err, tplQuickOrder, h.view(c, "quick.title", d))
		}
		lines = quickLinesFromTable(table)
	} else {
		lines = model.ParseQuickOrder(d.Text)
	}
	if len(lines) == 0 {
		return h.formError(c, model.Invalid("lines", "err.quick_nothing"), tplQuickOrder, h.view(c, "quick.title", d))
	}
	err = h.read(func(t *store.Tx) error {
		d.Settings = t.OrderingSettings()
		d.Checks, err = t.CheckQuickOrder(sc, lines)
		return err
	})
	if err != nil {
		return err
	}
	var good []string
	for _, q := range d.Checks {
		if q.OK() {
			d.Good++
			good = append(good, q.Line.Code+"\t"+q.Line.Qty.String())
		} else {
			d.Bad++
		}
	}
	d.GoodText = strings.Join(good, "\n")
	status := fiber.StatusOK
	if d.Bad > 0 {
		status = fiber.StatusUnprocessableEntity
	}
	return h.render(c, status, tplQuickOrder, h.view(c, "quick.title", d))
}

// addQuickOrder puts the good lines into the cart in one transaction (the
// lines are checked again: the catalog may have changed since the preview).
func (h *Handler) addQuickOrder(c *fiber.Ctx) error {
	u, sc, err := h.shopUser(c)
	if err != nil {
		return err
	}
	lines := model.ParseQuickOrder(c.FormValue("lines"))
	_, err = h.store.AddQuickOrderToCart(h.shopActor(u, sc), lines)
	if err != nil {
		if isValidation(err) {
			return h.formError(c, err, tplQuickOrder, h.view(c, "quick.title", &quickData{Text: c.FormValue("lines")}))
		}
		return err
	}
	h.setFlash(c, "flash.carted")
	return h.redirect(c, "/cart")
}

// againRun is the "again" action of online and sales orders (再次订货):
// the order's lines go to the dealer's cart (or a new draft with to=draft)
// through the kind's use case (again), and the browser goes to the result
// page that shows what it did and skipped (a redirect: reloading it adds
// nothing again). Its form carries a one-time token, so a double click adds
// once and is answered with the same page.
func againRun[T any](again func(a store.Actor, id uint64, toDraft bool) (string, error)) func(x *docRun[T]) (uint64, error) {
	return func(x *docRun[T]) (uint64, error) {
		toDraft := x.C.FormValue("to") == "draft"
		if _, err := orderDealer(x.C); err != nil {
			return 0, err
		}
		if !model.MayOrderAgain(x.Actor.User, toDraft) {
			return 0, model.ErrNotAllowed
		}
		var err error
		x.To, err = again(x.Actor, x.ID, toDraft)
		return 0, err
	}
}
