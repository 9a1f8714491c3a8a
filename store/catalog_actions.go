package store

import (
	"strconv"
	"strings"

	"dealerportal/model"
)

// Catalog administration as use cases: products, categories, the ordering
// settings, catalog entries (商品目录) and price records (价格资料). Each
// is one call that owns its transaction (Store.act: a new record is made at
// most once per a.Once), checks at its top that the actor works for the
// enterprise (staff scope; ErrNotFound otherwise) and logs what it did in
// the record's activity. The caller checks the function permission
// (model.PermManageCatalog, model.PermAdmin for the settings).

// staffAct is act for a staff-only use case: ErrNotFound for a dealer's
// scope.
func (s *Store) staffAct(a Actor, body func(t *Tx) (uint64, error)) (uint64, error) {
	if !a.Scope.IsStaff() {
		return 0, model.ErrNotFound
	}
	return s.act(a, body)
}

// formErrors joins a form's own field errors (invalid, may be nil) with
// err: a non-validation err wins, field errors add up.
func formErrors(invalid *model.ValidationError, err error) error {
	ve := &model.ValidationError{}
	if invalid != nil {
		ve.Fields = append(ve.Fields, invalid.Fields...)
	}
	return mergeValidation(ve.Err(), err)
}

// onceIfNew is a's replay key for saving a record: the form's token for a
// new record (made once), none for an edit (a version check guards it).
func onceIfNew(a Actor, isNew bool) Actor {
	if !isNew {
		a.Once = ""
	}
	return a
}

// SaveProductForm creates (p.ID 0, once per a.Once) or updates product p
// from its form: the form's own errors (invalid) with the product's
// checks, then SaveProduct, logged as product.create / product.update. It
// returns the product's id; on an error p keeps the id and version the
// form showed.
func (s *Store) SaveProductForm(a Actor, p *model.Product, invalid *model.ValidationError) (uint64, error) {
	isNew := p.ID == 0
	return s.staffAct(onceIfNew(a, isNew), func(t *Tx) (uint64, error) {
		if isNew { // a retried transaction starts again from the form
			p.ID = 0
		}
		if err := formErrors(invalid, p.Validate()); err != nil {
			return 0, err
		}
		if err := t.SaveProduct(p); err != nil {
			return 0, err
		}
		action := "product.update"
		if isNew {
			action = "product.create"
		}
		return p.ID, t.Log("product", p.ID, action, p.Code)
	})
}

// SetProductStock records a count of product id's stock on hand at the
// stock record's version the user saw (stock.set in the product's
// activity). Errors as SetStockOnHand's.
func (s *Store) SetProductStock(a Actor, id uint64, onHand model.Qty, version uint64) error {
	_, err := s.staffAct(a, func(t *Tx) (uint64, error) {
		st, err := t.SetStockOnHand(id, onHand, version)
		if err != nil {
			return 0, err
		}
		return 0, t.Log("product", id, "stock.set", st.OnHand.String())
	})
	return err
}

// AttachProductImage stores picture name (its original and the thumbnails
// made from it) for product id, logged as image.add.
func (s *Store) AttachProductImage(a Actor, id uint64, name, ctype string, data []byte, variants map[byte][]byte) error {
	_, err := s.staffAct(a, func(t *Tx) (uint64, error) {
		att := &model.Attachment{Name: name, ContentType: ctype}
		if err := t.AddProductImage(id, att, data, variants); err != nil {
			return 0, err
		}
		return 0, t.Log("product", id, "image.add", name)
	})
	return err
}

// RemoveProductImage deletes picture img of product id (ErrNotFound when
// it is not the product's), logged as image.delete.
func (s *Store) RemoveProductImage(a Actor, id, img uint64) error {
	_, err := s.staffAct(a, func(t *Tx) (uint64, error) {
		if err := t.DeleteProductImage(id, img); err != nil {
			return 0, err
		}
		return 0, t.Log("product", id, "image.delete", strconv.FormatUint(img, 10))
	})
	return err
}

// SaveCategoryForm creates (cat.ID 0, once per a.Once) or updates a
// category from its form and returns its id. Errors as SaveCategory's.
func (s *Store) SaveCategoryForm(a Actor, cat *model.Category) (uint64, error) {
	isNew := cat.ID == 0
	return s.staffAct(onceIfNew(a, isNew), func(t *Tx) (uint64, error) {
		if isNew {
			cat.ID = 0
		}
		if err := t.SaveCategory(cat); err != nil {
			return 0, err
		}
		return cat.ID, t.Log("category", cat.ID, "update", cat.Code+" "+cat.Name)
	})
}

// SaveOrderingSettingsForm stores the ordering center's settings from
// their form (the form's own errors in invalid) with a version check,
// logged as an update of ordering_settings.
func (s *Store) SaveOrderingSettingsForm(a Actor, o *model.OrderingSettings, invalid *model.ValidationError) error {
	_, err := s.staffAct(a, func(t *Tx) (uint64, error) {
		if err := formErrors(invalid, o.Validate()); err != nil {
			return 0, err
		}
		if err := t.SaveOrderingSettings(o); err != nil {
			return 0, err
		}
		return 0, t.Log("ordering_settings", 0, "update", string(o.StockDisplay)+" · "+o.LowStock.String())
	})
	return err
}

// ---- catalog entries ----

// catalogLog names the activity entry of a catalog entry's action.
var catalogLog = map[string]string{"audit": "catalog.audit", "unaudit": "catalog.unaudit"}

// TargetCodes are publish targets as a form names them: customer codes
// (looked up in the actor's scope), customer group and org unit ids.
type TargetCodes struct {
	Customers []string
	Groups    []uint64
	Orgs      []uint64
}

// targets resolves the form's targets; a customer code unknown in sc is a
// ValidationError at "customer_codes". Groups and org units are checked
// when the entry is saved.
func (t *Tx) targets(sc Scope, in TargetCodes) ([]model.Target, error) {
	var out []model.Target
	for _, code := range in.Customers {
		cu, err := t.CustomerByCode(sc, code)
		if err != nil {
			return nil, model.Invalid("customer_codes", "err.ord_customer_unknown")
		}
		out = append(out, model.Target{Kind: model.TargetCustomer, ID: cu.ID})
	}
	for _, id := range in.Groups {
		out = append(out, model.Target{Kind: model.TargetGroup, ID: id})
	}
	for _, id := range in.Orgs {
		out = append(out, model.Target{Kind: model.TargetOrg, ID: id})
	}
	return out, nil
}

// EntryInput is the form of a new catalog entry (single or batch add):
// the entry's own fields, the form's field errors, its targets, and
// whether to publish (audit) it at once.
type EntryInput struct {
	Entry   model.CatalogEntry
	Invalid *model.ValidationError
	Targets TargetCodes
	Publish bool
}

// createEntry saves one new entry of in for product pid (logged as create
// with detail), audited at once when in.Publish.
func (t *Tx) createEntry(a Actor, in *EntryInput, targets []model.Target, pid uint64, detail string) (*model.CatalogEntry, error) {
	e := in.Entry
	e.ID, e.ProductID, e.Targets = 0, pid, targets
	if err := formErrors(in.Invalid, e.Validate()); err != nil {
		return nil, err
	}
	if err := t.SaveCatalogEntry(a.Scope, &e); err != nil {
		return nil, err
	}
	if err := t.Log("catalog_entry", e.ID, "create", detail); err != nil {
		return nil, err
	}
	if in.Publish {
		if err := t.actOnEntry(a, e.ID, 0, "audit"); err != nil {
			return nil, err
		}
	}
	return &e, nil
}

// CreateCatalogEntry is the single add (单个新增): the entry with its
// targets as a draft, or published when in.Publish, once per a.Once. It
// returns the entry's id. Errors: the form's and the entry's field errors,
// a customer code unknown in the actor's scope ("customer_codes"), those
// of SaveCatalogEntry and of the audit.
func (s *Store) CreateCatalogEntry(a Actor, in EntryInput) (uint64, error) {
	return s.staffAct(a, func(t *Tx) (uint64, error) {
		targets, err := t.targets(a.Scope, in.Targets)
		if err := formErrors(in.Invalid, err); err != nil {
			return 0, err
		}
		e, err := t.createEntry(a, &in, targets, in.Entry.ProductID, "")
		if err != nil {
			return 0, err
		}
		return e.ID, nil
	})
}

// AddCatalogEntries is the batch add (批量新增): one entry per product of
// products with in's fields and targets, all in one transaction (nothing
// when one fails), once per a.Once. It returns how many it made; none
// chosen is a ValidationError at "product_ids".
func (s *Store) AddCatalogEntries(a Actor, in EntryInput, products []uint64) (int, error) {
	n, err := s.staffAct(a, func(t *Tx) (uint64, error) {
		invalid := &model.ValidationError{}
		if in.Invalid != nil {
			invalid.Fields = append(invalid.Fields, in.Invalid.Fields...)
		}
		if len(products) == 0 {
			invalid.Add("product_ids", "err.ord_none_selected", nil)
		}
		targets, err := t.targets(a.Scope, in.Targets)
		if err := formErrors(invalid, err); err != nil {
			return 0, err
		}
		for _, pid := range products {
			if _, err := t.createEntry(a, &in, targets, pid, "batch"); err != nil {
				return 0, err
			}
		}
		return uint64(len(products)), nil
	})
	return int(n), err
}

// UpdateCatalogEntry saves the edited entry e (its form's own errors in
// invalid) at the version the form showed, logged as update. Errors as
// SaveCatalogEntry's.
func (s *Store) UpdateCatalogEntry(a Actor, e *model.CatalogEntry, invalid *model.ValidationError) error {
	_, err := s.staffAct(onceIfNew(a, false), func(t *Tx) (uint64, error) {
		if err := formErrors(invalid, e.Validate()); err != nil {
			return 0, err
		}
		if err := t.SaveCatalogEntry(a.Scope, e); err != nil {
			return 0, err
		}
		return 0, t.Log("catalog_entry", e.ID, "update", "")
	})
	return err
}

// actOnEntry audits or unaudits entry id (version 0: any) and logs it.
func (t *Tx) actOnEntry(a Actor, id, version uint64, action string) error {
	if _, err := t.ApplyCatalogAction(a.Scope, id, action, a.User, version); err != nil {
		return err
	}
	return t.Log("catalog_entry", id, catalogLog[action], "")
}

// ActOnCatalogEntry audits (publishes) or unaudits entry id at the version
// the user saw, once per a.Once. Errors as ApplyCatalogAction's (the
// catalog machine decides who may do which action in which status).
func (s *Store) ActOnCatalogEntry(a Actor, id, version uint64, action string) error {
	_, err := s.staffAct(a, func(t *Tx) (uint64, error) { return 0, t.actOnEntry(a, id, version, action) })
	return err
}

// ActOnCatalogEntries audits or unaudits the entries ids in one
// transaction: one outside the actor's scope refuses them all
// (ErrNotFound) before any change, one that may not be changed stops them
// all; entries already there are left alone (model.AlreadyDone).
func (s *Store) ActOnCatalogEntries(a Actor, ids []uint64, action string) error {
	_, err := s.staffAct(a, func(t *Tx) (uint64, error) {
		return 0, actOnAll(t, ids, model.CatalogMachine, action,
			func(id uint64) (*model.CatalogEntry, error) { return t.CatalogEntry(a.Scope, id) },
			func(e *model.CatalogEntry) (uint64, model.Status) { return e.ID, e.Status },
			func(id uint64) error { return t.actOnEntry(a, id, 0, action) })
	})
	return err
}

// AddCatalogTargets adds publish targets to entry id at the version the
// user saw (增加发布对象), logged as targets.add; customers newly covered by a
// published entry are told in the same transaction. Errors as
// ChangeCatalogTargets's, and a customer code unknown in the actor's scope.
func (s *Store) AddCatalogTargets(a Actor, id, version uint64, in TargetCodes) error {
	_, err := s.staffAct(a, func(t *Tx) (uint64, error) {
		targets, err := t.targets(a.Scope, in)
		if err != nil {
			return 0, err
		}
		return 0, t.changeTargets(a, id, version, targets, true)
	})
	return err
}

// RemoveCatalogTargets removes publish targets of entry id at the version
// the user saw (取消发布对象), logged as targets.remove. Errors as
// ChangeCatalogTargets's.
func (s *Store) RemoveCatalogTargets(a Actor, id, version uint64, targets []model.Target) error {
	_, err := s.staffAct(a, func(t *Tx) (uint64, error) { return 0, t.changeTargets(a, id, version, targets, false) })
	return err
}

func (t *Tx) changeTargets(a Actor, id, version uint64, targets []model.Target, add bool) error {
	if _, err := t.ChangeCatalogTargets(a.Scope, id, targets, add, version); err != nil {
		return err
	}
	action := "targets.remove"
	if add {
		action = "targets.add"
	}
	return t.Log("catalog_entry", id, action, targetSummary(targets))
}

// targetSummary is the activity detail of a change of targets.
func targetSummary(ts []model.Target) string {
	parts := make([]string, 0, len(ts))
	for _, tg := range ts {
		parts = append(parts, string(tg.Kind)+":"+strconv.FormatUint(tg.ID, 10))
	}
	return strings.Join(parts, " ")
}

// ---- price records ----

// priceLog names the activity entry of a price record's action.
var priceLog = map[string]string{"audit": "price.audit", "unaudit": "price.unaudit"}

// PriceInput is a price record's form: the record's own fields (r.ID 0
// for a new one), the codes it names and the form's field errors.
type PriceInput struct {
	Record       *model.PriceRecord
	ProductCode  string
	CustomerCode string
	GroupID      uint64
	Invalid      *model.ValidationError
}

// SavePriceForm creates (once per a.Once, as a draft) or updates a price
// record from its form and returns its id: the product by code, the
// customer by code within the actor's scope, then SavePriceRecord, logged
// as create / update with the price. Field errors at product_code and
// customer_code for unknown codes, besides SavePriceRecord's.
func (s *Store) SavePriceForm(a Actor, in PriceInput) (uint64, error) {
	r := in.Record
	isNew := r.ID == 0
	return s.staffAct(onceIfNew(a, isNew), func(t *Tx) (uint64, error) {
		if isNew {
			r.ID = 0
		}
		ve := &model.ValidationError{}
		if in.Invalid != nil {
			ve.Fields = append(ve.Fields, in.Invalid.Fields...)
		}
		r.ProductID, r.CustomerID, r.GroupID = 0, 0, in.GroupID
		if p, err := t.ProductByCode(in.ProductCode); err == nil {
			r.ProductID = p.ID
		} else {
			ve.Add("product_code", "err.product_unknown", map[string]any{"value": in.ProductCode})
		}
		if in.CustomerCode != "" {
			if cu, err := t.CustomerByCode(a.Scope, in.CustomerCode); err == nil {
				r.CustomerID = cu.ID
			} else {
				ve.Add("customer_code", "err.ord_customer_unknown", map[string]any{"value": in.CustomerCode})
			}
		}
		if err := formErrors(ve, r.Validate()); err != nil {
			return 0, err
		}
		if err := t.SavePriceRecord(a.Scope, r); err != nil {
			return 0, err
		}
		action := "update"
		if isNew {
			action = "create"
		}
		return r.ID, t.Log("price", r.ID, action, r.Price.String())
	})
}

func (t *Tx) actOnPrice(a Actor, id, version uint64, action string) error {
	if _, err := t.ApplyPriceAction(a.Scope, id, action, a.User, version); err != nil {
		return err
	}
	return t.Log("price", id, priceLog[action], "")
}

// ActOnPrice audits or unaudits price record id at the version the user
// saw, once per a.Once. Errors as ApplyPriceAction's.
func (s *Store) ActOnPrice(a Actor, id, version uint64, action string) error {
	_, err := s.staffAct(a, func(t *Tx) (uint64, error) { return 0, t.actOnPrice(a, id, version, action) })
	return err
}

// ActOnPrices audits or unaudits the price records ids in one
// transaction: one outside the actor's scope refuses them all
// (ErrNotFound) before any change; records already there are left alone.
func (s *Store) ActOnPrices(a Actor, ids []uint64, action string) error {
	_, err := s.staffAct(a, func(t *Tx) (uint64, error) {
		return 0, actOnAll(t, ids, model.PriceMachine, action,
			func(id uint64) (*model.PriceRecord, error) { return t.PriceRecord(a.Scope, id) },
			func(r *model.PriceRecord) (uint64, model.Status) { return r.ID, r.Status },
			func(id uint64) error { return t.actOnPrice(a, id, 0, action) })
	})
	return err
}

// actOnAll runs a bulk action of machine m on the records ids: every one
// is loaded (through the caller's scope) before any changes, so one
// outside it refuses them all; records already where the action leads are
// left alone (model.AlreadyDone); the first refusal stops them all.
func actOnAll[R any](t *Tx, ids []uint64, m model.Machine, action string, load func(uint64) (R, error), idStatus func(R) (uint64, model.Status), act func(uint64) error) error {
	recs := make([]R, 0, len(ids))
	for _, id := range ids {
		r, err := load(id)
		if err != nil {
			return err
		}
		recs = append(recs, r)
	}
	for _, r := range recs {
		id, status := idStatus(r)
		if model.AlreadyDone(m, action, status) {
			continue
		}
		if err := act(id); err != nil {
			return err
		}
	}
	return nil
}
