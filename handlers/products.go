package handlers

import (
	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplProductList = "products/list"
	tplProductForm = "products/form"
	tplProductView = "products/view"
)

// Products (商品资料) are master data kept by staff who may manage the
// catalog; every staff member may read them.
func (h *Handler) registerProducts(r fiber.Router) {
	r.Get("/products", h.showProducts)
	r.Get("/products/new", h.newProduct)
	r.Post("/products", h.createProduct)
	r.Get("/products/:id", h.showProduct)
	r.Get("/products/:id/edit", h.editProduct)
	r.Post("/products/:id", h.updateProduct)
	r.Post("/products/:id/stock", h.setProductStock)
	r.Post("/products/:id/images", h.uploadProductImage)
	r.Post("/products/:id/images/:img/delete", h.deleteProductImage)
}

func (h *Handler) showProducts(c *fiber.Ctx) error {
	if err := need(c, model.PermViewCatalog); err != nil {
		return fiber.ErrNotFound
	}
	q := parseListQuery(c, "code", "name")
	var rows []*model.Product
	stock := map[uint64]*model.Stock{}
	var total int
	err := h.read(func(t *store.Tx) error {
		var err error
		rows, total, err = t.ListProducts(store.ProductFilter{Q: q.Q, Active: q.Get("active"), Listed: q.Get("listed"), SortKey: q.Sort}, q.Page())
		for _, p := range rows {
			stock[p.ID], _ = t.Stock(p.ID)
		}
		return err
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		l := lang(c)
		out := make([][]string, 0, len(rows))
		for _, p := range rows {
			s := stock[p.ID]
			out = append(out, []string{p.Code, p.Name, p.Spec, p.Unit, p.Barcode, p.ListPrice.Plain(), model.FormatTaxRate(p.TaxRate),
				p.Weight.String(), s.OnHand.String(), s.Reserved.String(), s.Available().String(), h.i18n.T(l, yesNo(p.Active))})
		}
		return h.export(c, q.Export, "products", []exportCol{
			{"product.code", colText}, {"product.name", colText}, {"product.spec", colText}, {"product.unit", colText},
			{"product.barcode", colText}, {"product.list_price", colMoney}, {"product.tax_rate", colPercent},
			{"product.weight", colNumber}, {"stock.on_hand", colNumber}, {"stock.reserved", colNumber},
			{"stock.available", colNumber}, {"product.active", colText},
		}, out)
	}
	d := &struct {
		List
		Stock map[uint64]*model.Stock
	}{List{Rows: rows, Query: q, Pager: q.Pager(total)}, stock}
	return h.render(c, fiber.StatusOK, tplProductList, h.view(c, "products.title", d))
}

func yesNo(b bool) string {
	if b {
		return "common.yes"
	}
	return "common.no"
}

type productFormData struct {
	Product *model.Product
	Token   string
}

func (h *Handler) productView(c *fiber.Ctx, p *model.Product) *View {
	title := "products.edit"
	if p.ID == 0 {
		title = "products.new"
	}
	return h.view(c, title, &productFormData{Product: p, Token: h.formToken(c)})
}

func (h *Handler) newProduct(c *fiber.Ctx) error {
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	// The unit is data, shown as saved in every language; the form only
	// suggests the counting word of the language the user works in.
	unit := h.i18n.T(lang(c), "words.default_unit")
	return h.render(c, fiber.StatusOK, tplProductForm, h.productView(c, &model.Product{Active: true, Unit: unit, TaxRate: 1300}))
}

func (h *Handler) loadProduct(c *fiber.Ctx) (*model.Product, error) {
	if !currentUser(c).Can(model.PermViewCatalog) {
		return nil, fiber.ErrNotFound
	}
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	var p *model.Product
	err = h.read(func(t *store.Tx) error { p, err = t.Product(id); return err })
	return p, err
}

func (h *Handler) editProduct(c *fiber.Ctx) error {
	p, err := h.loadProduct(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplProductForm, h.productView(c, p))
}

// readProduct copies the form into p; malformed numbers are field errors.
func readProduct(c *fiber.Ctx, p *model.Product) *model.ValidationError {
	ve := &model.ValidationError{}
	p.Code, p.Name, p.Spec = c.FormValue("code"), c.FormValue("name"), c.FormValue("spec")
	p.Unit, p.Barcode = c.FormValue("unit"), c.FormValue("barcode")
	p.Active = c.FormValue("active") == "1"
	p.Version = formUint(c, "version")
	if m, err := model.ParseMoney(c.FormValue("list_price")); err != nil {
		ve.AddErr("list_price", err, "err.money")
	} else {
		p.ListPrice = m
	}
	if r, err := model.ParseTaxRate(c.FormValue("tax_rate")); err != nil {
		ve.Add("tax_rate", "err.tax_rate", nil)
	} else {
		p.TaxRate = r
	}
	if q, ok := formQty(c, "weight"); ok {
		p.Weight = q
	} else {
		ve.Add("weight", "err.qty_invalid", nil)
	}
	return ve
}

func (h *Handler) saveProduct(c *fiber.Ctx, p *model.Product) error {
	ve := readProduct(c, p)
	isNew := p.ID == 0
	id, err := h.store.SaveProductForm(h.formActor(c), p, ve)
	if err != nil {
		if isNew {
			p.ID = 0
		}
		return h.formError(c, err, tplProductForm, h.productView(c, p))
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/products/"+itoa(id))
}

func (h *Handler) createProduct(c *fiber.Ctx) error {
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	return h.saveProduct(c, &model.Product{})
}

func (h *Handler) updateProduct(c *fiber.Ctx) error {
	p, err := h.loadProduct(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	return h.saveProduct(c, p)
}

type productPage struct {
	Product  *model.Product
	Stock    *model.Stock
	Entry    *model.CatalogEntry // the product's entry, when the viewer's scope covers its targets
	Listed   bool                // the product has an entry (seen or not)
	Activity []*store.Activity
	CanEdit  bool
}

func (h *Handler) productPage(c *fiber.Ctx, p *model.Product) (*productPage, error) {
	d := &productPage{Product: p, CanEdit: currentUser(c).Can(model.PermManageCatalog)}
	err := h.read(func(t *store.Tx) error {
		var err error
		if d.Stock, err = t.Stock(p.ID); err != nil {
			return err
		}
		d.Entry, _ = t.CatalogEntryOfProduct(h.scope(c), p.ID)
		_, err = t.CatalogEntryOfProduct(store.AdminScope(), p.ID)
		d.Listed = err == nil
		d.Activity = t.ActivityOf("product", p.ID, 20)
		return nil
	})
	return d, err
}

// showProduct shows a product with its stock, images and catalog entry.
func (h *Handler) showProduct(c *fiber.Ctx) error {
	p, err := h.loadProduct(c)
	if err != nil {
		return err
	}
	d, err := h.productPage(c, p)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplProductView, h.view(c, "products.view", d))
}

func (h *Handler) productFormError(c *fiber.Ctx, p *model.Product, err error) error {
	d, perr := h.productPage(c, p)
	if perr != nil {
		return perr
	}
	return h.formError(c, err, tplProductView, h.view(c, "products.view", d))
}

// setProductStock records a stock count (on hand) with a version check on
// the stock record.
func (h *Handler) setProductStock(c *fiber.Ctx) error {
	p, err := h.loadProduct(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	q, err := model.ParseQty(c.FormValue("on_hand"))
	if err != nil {
		return h.productFormError(c, p, model.Invalid("on_hand", "err.qty_invalid"))
	}
	err = h.store.SetProductStock(h.editActor(c), p.ID, q, formUint(c, "stock_version"))
	if err != nil {
		return h.productFormError(c, p, err)
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/products/"+itoa(p.ID)+"#stock")
}

// uploadProductImage stores a picture and its thumbnails, generated once now.
func (h *Handler) uploadProductImage(c *fiber.Ctx) error {
	p, err := h.loadProduct(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	if err := h.saveProductImage(c, p); err != nil {
		return h.productFormError(c, p, err)
	}
	h.setFlash(c, "flash.uploaded")
	return h.redirect(c, "/products/"+itoa(p.ID)+"#images")
}

func (h *Handler) saveProductImage(c *fiber.Ctx, p *model.Product) error {
	name, data, err := readUpload(c, "file")
	if err != nil {
		return err
	}
	ctype, variants, err := model.CheckProductImage(name, data)
	if err != nil {
		return err
	}
	return h.store.AttachProductImage(h.editActor(c), p.ID, name, ctype, data, variants)
}

func (h *Handler) deleteProductImage(c *fiber.Ctx) error {
	p, err := h.loadProduct(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	img, err := idParam(c, "img")
	if err != nil {
		return err
	}
	err = h.store.RemoveProductImage(h.editActor(c), p.ID, img)
	if err != nil {
		return err
	}
	h.setFlash(c, "flash.deleted")
	return h.redirect(c, "/products/"+itoa(p.ID)+"#images")
}
