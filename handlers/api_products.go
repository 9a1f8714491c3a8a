package handlers

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Master data in (主数据同步) for the ordering center: categories, products
// and enterprise stock, upserted by the ERP's own ids. An upsert sets every
// field of the record, as the UI's form does: an optional field left out
// clears it. The record after the payload is compared with the stored one
// (apart from Meta), and nothing is written when they are equal, so that
// repeating a payload reports "unchanged" and moves no version.
//
// A record without an external id yet (made in the UI) is linked by its
// code on the first upsert that names it, so that the ERP's first full sync
// adopts what staff entered instead of failing on a duplicate code.

// apiProductUpsert is a product as the ERP sends it.
type apiProductUpsert struct {
	ExternalID string `json:"external_id,omitempty" max:"100" doc:"The ERP's id of the product. Required in bulk requests; PUT /products/{external_id} takes it from the path (sent here too, it must be the same)."`
	Code       string `json:"code,omitempty" max:"30" doc:"The portal's product code: letters, digits, dot, dash or underscore, at most 30, kept in upper case. Left out, the external id is the code."`
	Name       string `json:"name" max:"100"`
	Spec       string `json:"spec,omitempty" max:"100" doc:"Specification or model."`
	Unit       string `json:"unit" max:"10" doc:"Unit of measure (台, PCS …)."`
	Barcode    string `json:"barcode,omitempty" max:"30" doc:"Letters, digits, dot, dash or underscore; at most 30."`
	ListPrice  *int64 `json:"list_price" min:"0" max:"1000000000" doc:"Tax-inclusive list price in cents (分): 0 to 1,000,000,000 (¥10,000,000.00)."`
	TaxRate    *int64 `json:"tax_rate" min:"0" max:"10000" doc:"Tax rate in basis points: 1300 is 13%."`
	Weight     apiQty `json:"weight,omitempty" min:"0" doc:"Weight in kilograms, at most three decimals."`
	Active     *bool  `json:"active" doc:"Whether dealers can order it: an inactive product's catalog entry is hidden from them."`
}

// apiProduct is a product as the API shows it, with its enterprise stock.
type apiProduct struct {
	ID         uint64    `json:"id"`
	ExternalID string    `json:"external_id,omitempty" doc:"The ERP's id; absent for a product made in the portal and not yet linked."`
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	Spec       string    `json:"spec,omitempty"`
	Unit       string    `json:"unit"`
	Barcode    string    `json:"barcode,omitempty"`
	ListPrice  int64     `json:"list_price" doc:"In cents."`
	TaxRate    int64     `json:"tax_rate" doc:"In basis points."`
	Weight     apiQty    `json:"weight,omitempty" doc:"In kilograms."`
	Active     bool      `json:"active"`
	OnHand     apiQty    `json:"on_hand" doc:"Enterprise stock on hand."`
	Reserved   apiQty    `json:"reserved" doc:"Held by audited sales orders not yet shipped."`
	Available  apiQty    `json:"available" doc:"On hand minus reserved (negative when over-reserved)."`
	Version    uint64    `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// apiProductPage is one page of the product list.
type apiProductPage struct {
	Items      []apiProduct `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty" doc:"Pass it as cursor for the next page; absent on the last page."`
}

// apiCategoryUpsert is a category as the ERP sends it.
type apiCategoryUpsert struct {
	ExternalID string `json:"external_id,omitempty" max:"100" doc:"The ERP's id of the category. Required in bulk requests; PUT /categories/{external_id} takes it from the path (sent here too, it must be the same)."`
	Code       string `json:"code,omitempty" max:"30" doc:"The portal's category code; left out, the external id is the code."`
	Name       string `json:"name" max:"60"`
	Parent     string `json:"parent,omitempty" max:"100" doc:"The parent category's external id (or its code). Left out: a top-level category."`
}

// apiCategory is a category as the API shows it.
type apiCategory struct {
	ID         uint64    `json:"id"`
	ExternalID string    `json:"external_id,omitempty"`
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	ParentID   uint64    `json:"parent_id,omitempty" doc:"The portal's id of the parent; absent for a top-level category."`
	Parent     string    `json:"parent,omitempty" doc:"The parent's external id, or its code when it has none."`
	Version    uint64    `json:"version"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// apiStockUpsert is a product's stock count.
type apiStockUpsert struct {
	OnHand apiQty `json:"on_hand" min:"0" doc:"Stock on hand in units, at most three decimals."`
}

// apiStockItem is one product's stock count in a bulk request.
type apiStockItem struct {
	Product string `json:"product" max:"100" doc:"The product's external id (or its code)."`
	OnHand  apiQty `json:"on_hand" min:"0" doc:"Stock on hand in units, at most three decimals."`
}

const catalogUpsertDoc = "Sets every field of the record (a field left out is cleared). Answers 201 when it created the record, " +
	"200 with status `updated` or `unchanged` otherwise: the same payload twice writes nothing the second time. " +
	"A record made in the portal without an external id is linked by its code."

const catalogBulkDoc = "Up to 1,000 records, each with its own result (`created`, `updated`, `unchanged` or `failed` with its field errors, " +
	"named `items[i].field`); one record's failure leaves the others alone; a record repeating an earlier one's external id is refused. " + bulkReplyDoc

func (h *Handler) apiProductOps() []apiOp {
	return []apiOp{
		{Method: "PUT", Path: "/categories/:external_id", ID: "upsertCategory", Tag: "products", Family: model.APIProducts, Write: true,
			Summary: "Create or update a category by its external id.", Doc: catalogUpsertDoc + " A category may not be moved below itself.",
			Body: &apiCategoryUpsert{}, Result: &apiItemResult{}, Handle: h.apiPutCategory},
		{Method: "POST", Path: "/categories/bulk", ID: "bulkUpsertCategories", Tag: "products", Family: model.APIProducts, Write: true,
			Summary: "Create or update many categories.", Doc: catalogBulkDoc + " Parents and children may come in any order: parents are saved first; " +
				"categories naming each other as parents in a circle are refused.",
			Body: &apiBulk[apiCategoryUpsert]{}, Result: &apiBulkResult{}, Handle: h.apiBulkCategories},
		{Method: "GET", Path: "/categories/:external_id", ID: "getCategory", Tag: "products", Family: model.APIProducts,
			Summary: "A category by its external id (or its code).", Result: &apiCategory{}, Handle: h.apiGetCategory},
		{Method: "PUT", Path: "/products/:external_id", ID: "upsertProduct", Tag: "products", Family: model.APIProducts, Write: true,
			Summary: "Create or update a product by its external id.", Doc: catalogUpsertDoc + " Stock is set apart (PUT /products/{external_id}/stock).",
			Body: &apiProductUpsert{}, Result: &apiItemResult{}, Handle: h.apiPutProduct},
		{Method: "POST", Path: "/products/bulk", ID: "bulkUpsertProducts", Tag: "products", Family: model.APIProducts, Write: true,
			Summary: "Create or update many products.", Doc: catalogBulkDoc,
			Body: &apiBulk[apiProductUpsert]{}, Result: &apiBulkResult{}, Handle: h.apiBulkProducts},
		{Method: "GET", Path: "/products/:external_id", ID: "getProduct", Tag: "products", Family: model.APIProducts,
			Summary: "A product with its stock, by its external id (or its code).", Result: &apiProduct{}, Handle: h.apiGetProduct},
		{Method: "GET", Path: "/products", ID: "listProducts", Tag: "products", Family: model.APIProducts,
			Summary: "Every product, oldest first, a page at a time.",
			Doc: "For reconciliation: pages follow the order products were created in, so a product added meanwhile comes last and " +
				"none is skipped or repeated. Start without a cursor and pass each answer's `next_cursor` until there is none.",
			Query: []apiParam{{Name: "cursor", Type: "string", Doc: "The next_cursor of the previous page."},
				{Name: "limit", Type: "integer", Doc: "Products per page, 1 to 200 (100 when left out)."}},
			Result: &apiProductPage{}, Handle: h.apiListProducts},
		{Method: "PUT", Path: "/products/:external_id/stock", ID: "setProductStock", Tag: "products", Family: model.APIProducts, Write: true,
			Summary: "Set a product's stock on hand.",
			Doc: "The ERP is the source of truth for stock on hand: the count replaces it without a version check. Reserved stock " +
				"stays as the portal's sales orders hold it. 200 with status `updated`, or `unchanged` when on hand already is the count.",
			Body: &apiStockUpsert{}, Result: &apiItemResult{}, Handle: h.apiPutStock},
		{Method: "POST", Path: "/stock/bulk", ID: "bulkSetStock", Tag: "products", Family: model.APIProducts, Write: true,
			Summary: "Set many products' stock on hand.", Doc: catalogBulkDoc + " Each result's external_id is the item's product.",
			Body: &apiBulk[apiStockItem]{}, Result: &apiBulkResult{}, Handle: h.apiBulkStock},
	}
}

// ---- shared helpers of the ordering center's master data ----

// checkCatalogExtID records why ext is not an external id at path.
func checkCatalogExtID(ext, path string, ve *model.ValidationError) {
	switch {
	case ext == "":
		ve.Add(path, "err.required", nil)
	case !validExternalID(ext):
		ve.Add(path, "api.prod_err_ext_id", map[string]any{"max": maxExternalID})
	}
}

// catalogPathBody puts the path's external id into a single upsert's body:
// the body may repeat it but not name another.
func catalogPathBody(path string, body *string) error {
	if *body != "" && *body != path {
		ve := &model.ValidationError{}
		ve.Add("external_id", "api.prod_err_ext_mismatch", map[string]any{"value": path})
		return ve
	}
	*body = path
	return nil
}

// catalogNeedExt refuses a record without its external id (a bulk
// record's; a single upsert has it from the path).
func catalogNeedExt(ext string) error {
	if ext == "" {
		return model.Invalid("external_id", "err.required")
	}
	return nil
}

// ---- categories ----

func (h *Handler) apiPutCategory(c *fiber.Ctx, a *apiCall) error {
	ext, err := extParam(c, "external_id")
	if err != nil {
		return err
	}
	return upsertOne(h, c, a, ext, func(in *apiCategoryUpsert) error { return catalogPathBody(ext, &in.ExternalID) },
		func(in *apiCategoryUpsert) (uint64, store.Outcome, error) { return h.upsertAPICategory(a, in) })
}

// apiBulkCategories saves parents before their children: the records run
// in waves by their depth among the request's own records, so that a child
// finds the parent the same request creates, whatever the order sent.
// Records naming each other as parents in a circle are refused without
// running; a record below such a circle runs as if its parent were not in
// the request (it is found if it exists already).
func (h *Handler) apiBulkCategories(c *fiber.Ctx, a *apiCall) error {
	items, err := readBulk[apiCategoryUpsert](c)
	if err != nil {
		return err
	}
	ext := func(i int) string { return items[i].ExternalID }
	repeated := repeats(len(items), ext, "external_id")
	depth := categoryWaves(items)
	out := &apiBulkResult{Results: make([]apiItemResult, len(items))}
	last := -1
	for i, d := range depth {
		last = max(last, d)
		if d == categoryCyclic {
			ve := &model.ValidationError{}
			ve.Add(itemPath("items", i, "parent"), "err.category_cycle", nil)
			fields, _ := h.itemProblem(a.Lang, ve)
			out.Results[i] = apiItemResult{Index: i, ExternalID: items[i].ExternalID, Status: outcomeFailed, Errors: fields}
		}
	}
	for d := 0; d <= last; d++ {
		var wave []int
		for i, di := range depth {
			if di == d {
				wave = append(wave, i)
			}
		}
		res, err := h.runItems(a, len(wave), false, func(k int) string { return ext(wave[k]) },
			func(k int) (uint64, store.Outcome, error) {
				if err := repeated(wave[k]); err != nil {
					return 0, "", err
				}
				return h.upsertAPICategory(a, &items[wave[k]])
			})
		if err != nil {
			return err
		}
		for k, r := range res.Results {
			i := wave[k]
			r.Index = i
			for j := range r.Errors {
				r.Errors[j].Field = itemPath("items", i, r.Errors[j].Field)
			}
			out.Results[i] = r
		}
	}
	out.count()
	return replyBulk(c, a, out)
}

// categoryCyclic marks a record of a circle of parents.
const categoryCyclic = -1

// categoryWaves returns each record's depth among the request's records (0:
// its parent is not in the request), or categoryCyclic for the records of a
// circle. A parent is the record whose external id, or else code, the
// record's parent names.
func categoryWaves(items []apiCategoryUpsert) []int {
	n := len(items)
	byExt, byCode := map[string]int{}, map[string]int{}
	for i, it := range items {
		if _, dup := byExt[it.ExternalID]; !dup && it.ExternalID != "" {
			byExt[it.ExternalID] = i
		}
		code := it.Code
		if code == "" {
			code = it.ExternalID
		}
		if code = strings.ToUpper(strings.TrimSpace(code)); code != "" {
			if _, dup := byCode[code]; !dup {
				byCode[code] = i
			}
		}
	}
	parent := make([]int, n)
	for i, it := range items {
		parent[i] = -1
		if it.Parent == "" {
			continue
		}
		if j, ok := byExt[it.Parent]; ok {
			parent[i] = j
		} else if j, ok := byCode[strings.ToUpper(strings.TrimSpace(it.Parent))]; ok {
			parent[i] = j
		}
	}
	const unknown = -2
	depth := make([]int, n)
	for i := range depth {
		depth[i] = unknown
	}
	for i := range n {
		if depth[i] != unknown {
			continue
		}
		// Walk up until a root, a record already placed, or a record of
		// this walk (a circle).
		var path []int
		at := map[int]int{}
		j := i
		for j != -1 && depth[j] == unknown {
			if _, seen := at[j]; seen {
				break
			}
			at[j] = len(path)
			path = append(path, j)
			j = parent[j]
		}
		base := -1
		if j != -1 {
			if k, seen := at[j]; seen && depth[j] == unknown {
				for _, x := range path[k:] {
					depth[x] = categoryCyclic
				}
				path = path[:k]
			} else if depth[j] != categoryCyclic {
				base = depth[j]
			}
		}
		for k := len(path) - 1; k >= 0; k-- {
			base++
			depth[path[k]] = base
		}
	}
	return depth
}

// categoryFields are the API's names of the category's fields.
var categoryFields = map[string]string{"parent_id": "parent"}

// upsertAPICategory upserts the category in is (whose external id is
// set) through its use case (store.UpsertCategory); it writes nothing when
// the category already is as sent.
func (h *Handler) upsertAPICategory(a *apiCall, in *apiCategoryUpsert) (uint64, store.Outcome, error) {
	if err := catalogNeedExt(in.ExternalID); err != nil {
		return 0, "", err
	}
	ext := in.ExternalID
	code := in.Code
	if code == "" {
		code = ext
	}
	names := categoryFields
	if in.Code == "" {
		names = map[string]string{"parent_id": "parent", "code": "external_id"}
	}
	return h.store.UpsertCategory(a.batched(), store.CategoryUpsert{ExternalID: ext, Code: code, Names: names,
		Apply: func(t *store.Tx, rec *model.Category) error {
			ve := &model.ValidationError{}
			checkCatalogExtID(ext, "external_id", ve)
			var parentID uint64
			if in.Parent != "" {
				if p, err := categoryRef(t, in.Parent); err == nil {
					parentID = p.ID
				} else {
					ve.Add("parent", "err.category_unknown", map[string]any{"value": in.Parent})
				}
			}
			rec.Code, rec.Name, rec.ParentID = code, in.Name, parentID
			return ve.Err()
		}})
}

func (h *Handler) apiGetCategory(c *fiber.Ctx, a *apiCall) error {
	ext, err := extParam(c, "external_id")
	if err != nil {
		return err
	}
	return apiRead(h, c, a, func(t *store.Tx) (*apiCategory, error) {
		cat, err := categoryRef(t, ext)
		if err != nil {
			return nil, err
		}
		out := &apiCategory{ID: cat.ID, ExternalID: t.ExternalOf(store.ExtCategory, cat.ID), Code: cat.Code, Name: cat.Name,
			ParentID: cat.ParentID, Version: cat.Version, UpdatedAt: cat.UpdatedAt}
		if cat.ParentID != 0 {
			if out.Parent = t.ExternalOf(store.ExtCategory, cat.ParentID); out.Parent == "" {
				if p, err := t.Category(cat.ParentID); err == nil {
					out.Parent = p.Code
				}
			}
		}
		return out, nil
	})
}

// ---- products ----

func (h *Handler) apiPutProduct(c *fiber.Ctx, a *apiCall) error {
	ext, err := extParam(c, "external_id")
	if err != nil {
		return err
	}
	return upsertOne(h, c, a, ext, func(in *apiProductUpsert) error { return catalogPathBody(ext, &in.ExternalID) },
		func(in *apiProductUpsert) (uint64, store.Outcome, error) { return h.upsertAPIProduct(a, in) })
}

func (h *Handler) apiBulkProducts(c *fiber.Ctx, a *apiCall) error {
	return upsertBulk(h, c, a, func(it *apiProductUpsert) string { return it.ExternalID }, "external_id",
		func(in *apiProductUpsert) (uint64, store.Outcome, error) { return h.upsertAPIProduct(a, in) })
}

// readAPIProduct checks the payload's own fields and copies them into p,
// the record as stored (or a new one): every field is set, none kept.
func readAPIProduct(in *apiProductUpsert, p *model.Product) *model.ValidationError {
	ve := &model.ValidationError{}
	checkCatalogExtID(in.ExternalID, "external_id", ve)
	p.Code = in.Code
	if p.Code == "" {
		p.Code = in.ExternalID
	}
	p.Name, p.Spec, p.Unit, p.Barcode = in.Name, in.Spec, in.Unit, in.Barcode
	if in.ListPrice == nil {
		ve.Add("list_price", "err.required", nil)
	} else {
		p.ListPrice = readMoney(*in.ListPrice, "list_price", model.CheckPrice, ve)
	}
	switch {
	case in.TaxRate == nil:
		ve.Add("tax_rate", "err.required", nil)
	case *in.TaxRate < 0 || *in.TaxRate > 10000:
		ve.Add("tax_rate", "err.range", map[string]any{"min": 0, "max": 10000})
	default:
		p.TaxRate = *in.TaxRate
	}
	p.Weight = 0
	if in.Weight != "" {
		p.Weight = readQty(in.Weight, "weight", ve)
	}
	if in.Active == nil {
		ve.Add("active", "err.required", nil)
	} else {
		p.Active = *in.Active
	}
	return ve
}

// upsertAPIProduct upserts the product in is (whose external id is set)
// through its use case (store.UpsertProduct), the payload put on the
// record by readAPIProduct; it writes nothing when the product already is
// as sent. Its images, catalog entry and stock are not the payload's:
// they stay.
func (h *Handler) upsertAPIProduct(a *apiCall, in *apiProductUpsert) (uint64, store.Outcome, error) {
	if err := catalogNeedExt(in.ExternalID); err != nil {
		return 0, "", err
	}
	code := in.Code
	if code == "" {
		code = in.ExternalID
	}
	var names map[string]string
	if in.Code == "" {
		names = map[string]string{"code": "external_id"}
	}
	return h.store.UpsertProduct(a.batched(), store.ProductUpsert{ExternalID: in.ExternalID, Code: code, Names: names,
		Apply: func(p *model.Product) error { return readAPIProduct(in, p).Err() }})
}

// apiProductOf renders a product with its stock.
func apiProductOf(t *store.Tx, p *model.Product) (apiProduct, error) {
	s, err := t.Stock(p.ID)
	if err != nil {
		return apiProduct{}, err
	}
	out := apiProduct{ID: p.ID, ExternalID: t.ExternalOf(store.ExtProduct, p.ID), Code: p.Code, Name: p.Name, Spec: p.Spec, Unit: p.Unit,
		Barcode: p.Barcode, ListPrice: int64(p.ListPrice), TaxRate: p.TaxRate, Active: p.Active,
		OnHand: qtyJSON(s.OnHand), Reserved: qtyJSON(s.Reserved), Available: qtyJSON(s.Available()),
		Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if p.Weight != 0 {
		out.Weight = qtyJSON(p.Weight)
	}
	return out, nil
}

func (h *Handler) apiGetProduct(c *fiber.Ctx, a *apiCall) error {
	ext, err := extParam(c, "external_id")
	if err != nil {
		return err
	}
	return apiRead(h, c, a, func(t *store.Tx) (*apiProduct, error) {
		p, err := productRef(t, ext)
		if err != nil {
			return nil, err
		}
		out, err := apiProductOf(t, p)
		return &out, err
	})
}

// productCursor encodes the last product id of a page as an opaque cursor;
// ids never change, so a cursor stays valid across restarts and backups.
func productCursor(id uint64) string {
	return base64.RawURLEncoding.EncodeToString(binary.BigEndian.AppendUint64([]byte("p"), id))
}

// readProductCursor decodes a cursor; false when it is not one.
func readProductCursor(s string) (uint64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 9 || b[0] != 'p' {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[1:]), true
}

func (h *Handler) apiListProducts(c *fiber.Ctx, a *apiCall) error {
	ve := &model.ValidationError{}
	var after uint64
	if s := c.Query("cursor"); s != "" {
		var ok bool
		if after, ok = readProductCursor(s); !ok {
			ve.Add("cursor", "api.prod_err_cursor", nil)
		}
	}
	limit := readLimit(c, 100, apiPageMax, ve)
	if err := ve.Err(); err != nil {
		return err
	}
	return apiRead(h, c, a, func(t *store.Tx) (*apiProductPage, error) {
		ps, more, err := t.ProductsAfter(after, limit)
		if err != nil {
			return nil, err
		}
		out := &apiProductPage{Items: []apiProduct{}}
		for _, p := range ps {
			ap, err := apiProductOf(t, p)
			if err != nil {
				return nil, err
			}
			out.Items = append(out.Items, ap)
		}
		if more {
			out.NextCursor = productCursor(ps[len(ps)-1].ID)
		}
		return out, nil
	})
}

// ---- stock ----

func (h *Handler) apiPutStock(c *fiber.Ctx, a *apiCall) error {
	ext, err := extParam(c, "external_id")
	if err != nil {
		return err
	}
	// The product is the path's record: unknown, it is a 404, not a field.
	err = h.read(func(t *store.Tx) error { _, err := productRef(t, ext); return err })
	if err != nil {
		return err
	}
	return upsertOne(h, c, a, ext, nil, func(in *apiStockUpsert) (uint64, store.Outcome, error) {
		return h.setAPIStock(a, &apiStockItem{Product: ext, OnHand: in.OnHand})
	})
}

func (h *Handler) apiBulkStock(c *fiber.Ctx, a *apiCall) error {
	return upsertBulk(h, c, a, func(it *apiStockItem) string { return it.Product }, "product",
		func(in *apiStockItem) (uint64, store.Outcome, error) { return h.setAPIStock(a, in) })
}

// setAPIStock sets one product's stock on hand to the count through its
// use case (store.SetStockCount): without a version check (the ERP's
// count is the truth), keeping what is reserved; nothing is written when
// on hand already is the count.
func (h *Handler) setAPIStock(a *apiCall, in *apiStockItem) (uint64, store.Outcome, error) {
	return h.store.SetStockCount(a.batched(), store.StockCountInput{Resolve: func(t *store.Tx) (uint64, model.Qty, error) {
		ve := &model.ValidationError{}
		var p *model.Product
		if in.Product == "" {
			ve.Add("product", "err.required", nil)
		} else if found, err := productRef(t, in.Product); err != nil {
			ve.Add("product", "err.product_unknown", map[string]any{"value": in.Product})
		} else {
			p = found
		}
		var q model.Qty
		if in.OnHand == "" {
			ve.Add("on_hand", "err.required", nil)
		} else if q = readQty(in.OnHand, "on_hand", ve); q < 0 {
			ve.Add("on_hand", "err.not_negative", nil)
		}
		if err := ve.Err(); err != nil {
			return 0, 0, err
		}
		return p.ID, q, nil
	}})
}
