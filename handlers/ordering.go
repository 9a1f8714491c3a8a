package handlers

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// The ordering center (订货中心): staff maintain products, categories, the
// catalog and customer prices (products.go, categories.go, catalog_admin.go,
// prices.go, ordering_import.go); dealers browse, keep favorites and a cart
// and order quickly (shop.go, shop_cart.go); staff read the visit statistics
// (catalog_visits.go). This file registers the routes and holds what they
// share.

const tplOrderingSettings = "settings/ordering"

func (h *Handler) registerOrdering(r fiber.Router) {
	h.registerProducts(r)
	h.registerCategories(r)
	h.registerCatalogAdmin(r)
	h.registerPrices(r)
	h.registerShop(r)
	h.registerCatalogVisits(r)
	r.Get("/settings/ordering", h.showOrderingSettings)
	r.Post("/settings/ordering", h.saveOrderingSettings)
	r.Get("/img/:id/:name", h.serveProductImage)
}

// actionFlash names the confirmation of the audit / unaudit actions.
var actionFlash = map[string]string{"audit": "flash.ord_audited", "unaudit": "flash.ord_unaudited"}

// visitFlushEvery is how often buffered catalog visits are written.
const visitFlushEvery = 30 * time.Second

// startVisitFlusher writes buffered catalog visits every visitFlushEvery and
// once more when ctx ends; visits recorded after that write through.
func (h *Handler) startVisitFlusher(ctx context.Context, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(visitFlushEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				if err := h.visits.Close(); err != nil {
					h.log.Error("flush catalog visits", "err", err)
				}
				return
			case <-t.C:
				if err := h.visits.Flush(); err != nil {
					h.log.Error("flush catalog visits", "err", err)
				}
			}
		}
	}()
}

// FlushVisits writes buffered catalog visits now (tests and shutdown).
func (h *Handler) FlushVisits() error { return h.visits.Flush() }

// formQty reads a quantity field: 0 with ok when empty.
func formQty(c *fiber.Ctx, name string) (model.Qty, bool) {
	q, err := formQtyErr(c, name)
	return q, err == nil
}

// formQtyErr reads a quantity field: 0 when empty, the parse error (a
// model.RangeError beyond the bounds) otherwise.
func formQtyErr(c *fiber.Ctx, name string) (model.Qty, error) {
	s := strings.TrimSpace(c.FormValue(name))
	if s == "" {
		return 0, nil
	}
	return model.ParseQty(s)
}

// formIDs reads every value of a repeated numeric field (checkbox lists),
// skipping what is not a number.
func formIDs(c *fiber.Ctx, name string) []uint64 {
	var out []uint64
	args := c.Request().PostArgs()
	if strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEMultipartForm) {
		if f, err := c.MultipartForm(); err == nil {
			for _, v := range f.Value[name] {
				if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil && n != 0 {
					out = append(out, n)
				}
			}
		}
		return out
	}
	for _, v := range args.PeekMulti(name) {
		if n, err := strconv.ParseUint(strings.TrimSpace(string(v)), 10, 64); err == nil && n != 0 {
			out = append(out, n)
		}
	}
	return out
}

// ---- view helpers for the ordering templates ----

// Qty formats a quantity ("1.5").
func (v *View) Qty(q model.Qty) string { return q.String() }

// TaxRate formats basis points as a percentage.
func (v *View) TaxRate(bp int64) string { return model.FormatTaxRate(bp) }

// StockText shows available stock as the ordering settings say: a number, or
// in stock / low / out.
func (v *View) StockText(o *model.OrderingSettings, st *model.Stock) string {
	if st == nil {
		return ""
	}
	if o.StockDisplay == model.StockAsNumber {
		return max(st.Available(), 0).String()
	}
	return v.T("stock." + o.StockLevel(st.Available()))
}

// StockClass colours the stock badge.
func (v *View) StockClass(o *model.OrderingSettings, st *model.Stock) string {
	if st == nil {
		return ""
	}
	return map[string]string{model.StockIn: "ok", model.StockLow: "warn", model.StockOut: "bad"}[o.StockLevel(st.Available())]
}

// Img returns the immutable URL of a product image variant ("s" small, "m"
// medium, "o" original); "" when the product has no image.
func (v *View) Img(im *model.ProductImage, variant string) string {
	if im == nil {
		return ""
	}
	return "/img/" + itoa(im.ID) + "/" + im.Hash + "-" + variant + ".jpg"
}

// ErrText translates an error key with its arguments (import and quick-order
// rows).
func (v *View) ErrText(key string, args map[string]any) string {
	if key == "" {
		return ""
	}
	return v.h.i18n.TMap(v.Lang, key, args)
}

// ---- ordering settings (订货参数) ----

type orderingSettingsData struct {
	Form     *model.OrderingSettings
	Activity []*store.Activity
}

func (h *Handler) orderingSettingsView(c *fiber.Ctx, o *model.OrderingSettings) *View {
	d := &orderingSettingsData{Form: o}
	_ = h.read(func(t *store.Tx) error { d.Activity = t.ActivityOf("ordering_settings", 0, 20); return nil })
	return h.view(c, "ordering_settings.title", d)
}

func (h *Handler) showOrderingSettings(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	var o *model.OrderingSettings
	_ = h.read(func(t *store.Tx) error { o = t.OrderingSettings(); return nil })
	return h.render(c, fiber.StatusOK, tplOrderingSettings, h.orderingSettingsView(c, o))
}

// saveOrderingSettings stores how dealers see stock, with a version check.
func (h *Handler) saveOrderingSettings(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	o := &model.OrderingSettings{StockDisplay: model.StockDisplay(c.FormValue("stock_display")), CreditBlock: c.FormValue("credit_block") == "1"}
	o.Version = formUint(c, "version")
	ver := o.Version
	ve := &model.ValidationError{}
	if q, ok := formQty(c, "low_stock"); ok {
		o.LowStock = q
	} else {
		ve.Add("low_stock", "err.qty_invalid", nil)
	}
	err := h.store.SaveOrderingSettingsForm(h.editActor(c), o, ve)
	if err != nil {
		o.Version = ver
		return h.formError(c, err, tplOrderingSettings, h.orderingSettingsView(c, o))
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/settings/ordering")
}

// serveProductImage sends a product image (variant from the name:
// "<hash>-s.jpg" small, "-m" medium, "-o" original) to users who may see the
// product: staff, or a dealer whose customer the product's entry is
// published to (404 otherwise). The URL carries the image's hash, so it is
// cached for a year as immutable (privately: access is per user).
func (h *Handler) serveProductImage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(c.Params("name"), ".jpg")
	hash, vs, ok := strings.Cut(name, "-")
	if !ok || len(vs) != 1 || !strings.Contains("smo", vs) {
		return fiber.ErrNotFound
	}
	variant := vs[0]
	if variant == 'o' {
		variant = 0
	}
	var data []byte
	var ctype string
	err = h.read(func(t *store.Tx) error {
		var err error
		data, ctype, err = t.ProductImage(h.scope(c), id, variant)
		return err
	})
	if err != nil {
		return err
	}
	_ = hash // a stale hash still gets the current picture; the URL changes with it
	c.Set(fiber.HeaderContentType, ctype)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderCacheControl, "private, max-age=31536000, immutable")
	return c.Send(data)
}

// orderingTiles are the home tiles of the ordering center: for a dealer its
// catalog, favorites and cart lines; for staff the catalog's size.
func (h *Handler) orderingTiles(t *store.Tx, u *model.User, sc store.Scope) []Tile {
	var tiles []Tile
	if u.Kind == model.KindDealer && u.Can(model.PermShop) {
		_, tot, _ := t.Cart(sc, u.ID)
		tiles = append(tiles,
			Tile{"home.catalog", strconv.Itoa(t.CountCatalog(sc)), "/catalog"},
			Tile{"home.favorites", strconv.Itoa(t.CountFavorites(u.ID)), "/favorites"},
			Tile{"home.cart_lines", strconv.Itoa(tot.Lines), "/cart"})
	}
	if u.IsStaff() && u.Can(model.PermViewCatalog) {
		tiles = append(tiles, Tile{"home.catalog_entries", strconv.Itoa(t.CountCatalog(sc)), "/catalog-entries"})
	}
	return tiles
}
