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
	Log     string // audit log action
}

var importKinds = map[string]importKind{
	"catalog": {"catalog", "/catalog-entries", "import.catalog_title", model.CatalogImportColumns,
		[]string{"P-1001", "MOTOR", "", "", "1", "1", "yes", "C0001;C0002", "TIER1", "EAST"}, "import.catalog"},
	"prices": {"prices", "/prices", "import.prices_title", model.PriceImportColumns,
		[]string{"C0001", "", "P-1001", "1280.00", "10", "2026-01-01", "2026-12-31", ""}, "import.prices"},
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

// plan checks a table as kind k within sc.
func plan(t *store.Tx, sc store.Scope, k importKind, table [][]string) *store.ImportPlan {
	if k.Kind == "prices" {
		return t.PlanPriceImport(sc, table)
	}
	return t.PlanCatalogImport(sc, table)
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
	u := currentUser(c)
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
	err = h.store.Update(u.Username, func(t *store.Tx) error {
		d.Plan = plan(t, h.scope(c), k, table)
		h.previewRows(t, d)
		return t.SaveImportJob(&store.ImportJob{Token: d.Token, UserID: u.ID, Kind: k.Kind, Name: name}, data)
	})
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if len(d.Plan.Errors) > 0 {
		status = fiber.StatusUnprocessableEntity
	}
	return h.render(c, status, tplImport, h.view(c, k.Title, d))
}

// previewRows lists the good rows (at most 200) for the preview.
func (h *Handler) previewRows(t *store.Tx, d *importData) {
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
	u := currentUser(c)
	d := &importData{K: k, Token: c.FormValue("token")}
	n := 0
	err := h.store.Update(u.Username, func(t *store.Tx) error {
		job, data, err := t.ImportJob(u.ID, k.Kind, d.Token)
		if err != nil {
			return model.Invalid("file", "err.import_expired")
		}
		d.Name = job.Name
		table, err := readTable(job.Name, data)
		if err != nil {
			return err
		}
		d.Plan = plan(t, h.scope(c), k, table)
		if n, err = t.ApplyImport(h.scope(c), d.Plan, c.FormValue("mode") == "good"); err != nil {
			h.previewRows(t, d)
			return err
		}
		if err := t.DeleteImportJob(d.Token); err != nil {
			return err
		}
		return t.Log("import", 0, k.Log, job.Name+" · "+itoa(uint64(n)))
	})
	if err != nil {
		return h.formError(c, err, tplImport, h.view(c, k.Title, d))
	}
	h.setFlash(c, "flash.ord_imported")
	return h.redirect(c, k.Base+"?sort=new")
}
