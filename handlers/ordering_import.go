package handlers

import (
	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const tplImport = "catalog/import"

// importKind describes one kind of import: where it lives, its columns and
// its example row.
type importKind struct {
	Kind    string
	Base    string // list URL; the import pages live under Base+"/import"
	Title   string
	Columns []model.ImportColumn
	Example []string
}

var importKinds = map[string]importKind{
	"catalog": {"catalog", "/catalog-entries", "import.catalog_title", model.CatalogImportColumns,
		[]string{"P-1001", "MOTOR", "", "", "1", "1", "yes", "C0001;C0002", "TIER1", "EAST"}},
	"prices": {"prices", "/prices", "import.prices_title", model.PriceImportColumns,
		[]string{"C0001", "", "P-1001", "1280.00", "10", "2026-01-01", "2026-12-31", ""}},
}

// Imports (导入) of catalog entries and customer prices: upload, a preview
// listing every bad row with its row number and reason, then the user's
// confirmation — all rows (only when none is bad) or the good rows only when
// the user chooses so. The upload is kept between preview and confirmation;
// the confirmation plans again and writes in one transaction, so an import
// is never half done.
func (h *Handler) registerImports(r fiber.Router) {
	for _, k := range importKinds {
		k := k
		r.Get(k.Base+"/import", func(c *fiber.Ctx) error { return h.showImport(c, k) })
		r.Get(k.Base+"/import/template.:fmt", func(c *fiber.Ctx) error { return h.downloadTemplate(c, k) })
		r.Post(k.Base+"/import", func(c *fiber.Ctx) error { return h.previewImport(c, k) })
		r.Post(k.Base+"/import/confirm", func(c *fiber.Ctx) error { return h.confirmImport(c, k) })
	}
}

type importData struct {
	K     importKind
	Plan  *store.ImportPlan
	Token string
	Name  string
	Items []importRow
}

// importRow is one good row of the preview.
type importRow struct {
	Row   int
	Code  string
	Label string
}

func (h *Handler) showImport(c *fiber.Ctx, k importKind) error {
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplImport, h.view(c, k.Title, &importData{K: k}))
}

func (h *Handler) downloadTemplate(c *fiber.Ctx, k importKind) error {
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	f := c.Params("fmt")
	if f != "csv" && f != "xlsx" {
		return fiber.ErrNotFound
	}
	return h.importTemplate(c, f, k.Kind+"-template", k.Columns, k.Example)
}

// uploadedFile reads the "file" field within the import size limit.
func uploadedFile(c *fiber.Ctx) (string, []byte, error) {
	return readUploadMax(c, "file", maxImportBytes)
}

// previewImport reads the upload, keeps it, and shows what importing it
// would do. Nothing is imported here.
func (h *Handler) previewImport(c *fiber.Ctx, k importKind) error {
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	d := &importData{K: k}
	name, data, err := uploadedFile(c)
	var table [][]string
	if err == nil {
		table, err = readTable(name, data)
	}
	if err != nil {
		return h.formError(c, err, tplImport, h.view(c, k.Title, d))
	}
	d.Name, d.Token = name, randomHex(16)
	d.Plan, err = h.store.PreviewImport(h.editActor(c), store.ImportUpload{Kind: k.Kind, Name: name, Token: d.Token, Data: data, Table: table})
	if err != nil {
		return err
	}
	_ = h.read(func(t *store.Tx) error { h.previewRows(t, d); return nil })
	status := fiber.StatusOK
	if len(d.Plan.Errors) > 0 {
		status = fiber.StatusUnprocessableEntity
	}
	return h.render(c, status, tplImport, h.view(c, k.Title, d))
}

// previewRows lists the good rows (at most 200) for the preview.
func (h *Handler) previewRows(t *store.Tx, d *importData) {
	d.Items = nil // it runs in a View, whose fn may run again (Store.View)
	for i, e := range d.Plan.Entries {
		if i >= 200 {
			break
		}
		p, _ := t.Product(e.ProductID)
		if p != nil {
			d.Items = append(d.Items, importRow{Row: d.Plan.Rows[i], Code: p.Code, Label: p.Name})
		}
	}
	for i, r := range d.Plan.Prices {
		if i >= 200 {
			break
		}
		p, _ := t.Product(r.ProductID)
		if p != nil {
			d.Items = append(d.Items, importRow{Row: d.Plan.Rows[i], Code: p.Code, Label: p.Name + " · " + r.Price.String()})
		}
	}
}

// confirmImport imports the kept upload: everything when it has no bad row,
// or the good rows only when mode is "good". Planning and writing happen in
// one transaction: all of it or nothing.
func (h *Handler) confirmImport(c *fiber.Ctx, k importKind) error {
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	d := &importData{K: k, Token: c.FormValue("token")}
	res, err := h.store.ConfirmImport(h.editActor(c), store.ImportConfirmation{Kind: k.Kind, Token: d.Token, GoodOnly: c.FormValue("mode") == "good", Read: readTable})
	if err != nil {
		d.Name, d.Plan = res.Name, res.Plan
		if d.Plan != nil {
			_ = h.read(func(t *store.Tx) error { h.previewRows(t, d); return nil })
		}
		return h.formError(c, err, tplImport, h.view(c, k.Title, d))
	}
	h.setFlash(c, "flash.ord_imported")
	return h.redirect(c, k.Base+"?sort=new")
}
