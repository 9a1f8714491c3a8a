package handlers

import (
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Customer prices (客户价格资料) in: one record is one price of one product
// for one customer or one customer group, from a minimum quantity (a
// quantity break) and between two dates, exactly as the UI's price record.
// A product's quantity breaks for a customer are several records, each
// with its own external id. The record's audience follows the UI's rule
// (store.SavePriceRecord, CoversAudience): a customer outside the client's
// scope is unknown to it (422 at the field, as the UI's message says), a
// group with a member outside the scope is refused, and a stored record
// the client cannot see is not found (404).
//
// The ERP says whether a price is in force: status "audited" saves it and
// audits it through the price record's state machine in the same
// transaction (the trail names the client), "draft" leaves it for staff to
// audit in the portal. Changing an audited record's fields keeps it
// audited, as an edit in the UI does.

// apiPriceUpsert is a price record as the ERP sends it.
type apiPriceUpsert struct {
	ExternalID string `json:"external_id,omitempty" max:"100" doc:"The ERP's id of the price record (one quantity break). Required in bulk requests; PUT /prices/{external_id} takes it from the path (sent here too, it must be the same)."`
	Customer   string `json:"customer,omitempty" max:"100" doc:"The customer's external id (or its code). Give a customer or a group, not both."`
	Group      string `json:"group,omitempty" max:"100" doc:"The customer group's external id (or its code): the price of every member without one of its own."`
	Product    string `json:"product" max:"100" doc:"The product's external id (or its code)."`
	Price      *int64 `json:"price" min:"0" max:"1000000000" doc:"Tax-inclusive unit price in cents (分)."`
	MinQty     apiQty `json:"min_qty,omitempty" min:"0" doc:"The quantity break: the price applies to orders of at least this many units (left out: any quantity)."`
	From       string `json:"from,omitempty" doc:"First day in force (YYYY-MM-DD, the enterprise's time zone); left out: no start."`
	To         string `json:"to,omitempty" doc:"Last day in force (YYYY-MM-DD); left out: no end."`
	Remarks    string `json:"remarks,omitempty" max:"200"`
	Status     string `json:"status" enum:"draft,audited" doc:"audited: in force at once (audited by the client); draft: for staff to audit in the portal."`
}

// apiPriceParty names a customer, group or product of a price record.
type apiPriceParty struct {
	ID         uint64 `json:"id"`
	Code       string `json:"code"`
	ExternalID string `json:"external_id,omitempty"`
}

// apiPrice is a price record as the API shows it.
type apiPrice struct {
	ID         uint64         `json:"id"`
	ExternalID string         `json:"external_id,omitempty"`
	Customer   *apiPriceParty `json:"customer,omitempty" doc:"The customer, for a customer's price."`
	Group      *apiPriceParty `json:"group,omitempty" doc:"The customer group, for a group's price."`
	Product    apiPriceParty  `json:"product"`
	Price      int64          `json:"price" doc:"In cents."`
	MinQty     apiQty         `json:"min_qty"`
	From       string         `json:"from,omitempty"`
	To         string         `json:"to,omitempty"`
	Remarks    string         `json:"remarks,omitempty"`
	Status     string         `json:"status" enum:"draft,audited"`
	Version    uint64         `json:"version"`
	UpdatedAt  time.Time      `json:"updated_at"`
}

func (h *Handler) apiPriceOps() []apiOp {
	return []apiOp{
		{Method: "PUT", Path: "/prices/:external_id", ID: "upsertPrice", Tag: "prices", Family: model.APIPrices, Write: true,
			Summary: "Create or update a customer's or group's price (one quantity break) by its external id.",
			Doc: catalogUpsertDoc + " A customer outside the client's data scope is refused at the field; a stored record " +
				"of such a customer is not found (404).",
			Body: &apiPriceUpsert{}, Result: &apiItemResult{}, Handle: h.apiPutPrice},
		{Method: "POST", Path: "/prices/bulk", ID: "bulkUpsertPrices", Tag: "prices", Family: model.APIPrices, Write: true,
			Summary: "Create or update many price records.", Doc: catalogBulkDoc,
			Body: &apiBulk[apiPriceUpsert]{}, Result: &apiBulkResult{}, Handle: h.apiBulkPrices},
		{Method: "GET", Path: "/prices/:external_id", ID: "getPrice", Tag: "prices", Family: model.APIPrices,
			Summary: "A price record by its external id.", Result: &apiPrice{}, Handle: h.apiGetPrice},
	}
}

func (h *Handler) apiPutPrice(c *fiber.Ctx, a *apiCall) error {
	ext, err := extParam(c, "external_id")
	if err != nil {
		return err
	}
	// The path's record, stored for a customer the client cannot see, is
	// not found: a 404 like any record outside the scope.
	err = h.read(func(t *store.Tx) error {
		if id := t.ExternalID(store.ExtPrice, ext); id != 0 {
			_, err := t.PriceRecord(a.Scope, id)
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return upsertOne(h, c, a, ext, func(in *apiPriceUpsert) error { return catalogPathBody(ext, &in.ExternalID) }, func(in *apiPriceUpsert) (uint64, store.Outcome, error) {
		return h.upsertAPIPrice(a, in)
	})
}

func (h *Handler) apiBulkPrices(c *fiber.Ctx, a *apiCall) error {
	return upsertBulk(h, c, a, func(it *apiPriceUpsert) string { return it.ExternalID }, "external_id",
		func(in *apiPriceUpsert) (uint64, store.Outcome, error) { return h.upsertAPIPrice(a, in) })
}

// priceFields are the API's names of the price record's fields.
var priceFields = map[string]string{"customer_id": "customer", "group_id": "group", "product_id": "product"}

// readPriceDate checks a date of the API: YYYY-MM-DD exactly, or empty.
func readPriceDate(s, path string, ve *model.ValidationError) string {
	if s == "" {
		return ""
	}
	d, err := time.Parse(model.DateLayout, s)
	if err != nil || d.Format(model.DateLayout) != s {
		ve.Add(path, "err.price_date", nil)
		return ""
	}
	return s
}

// upsertAPIPrice upserts the price record in is (whose external id is
// set) through its use case (store.UpsertPrice), which audits or unaudits
// it to the status sent; the payload is put on the record by
// applyAPIPrice inside its transaction.
func (h *Handler) upsertAPIPrice(a *apiCall, in *apiPriceUpsert) (uint64, store.Outcome, error) {
	if err := catalogNeedExt(in.ExternalID); err != nil {
		return 0, "", err
	}
	return h.store.UpsertPrice(a.batched(), store.PriceUpsert{ExternalID: in.ExternalID, Status: model.Status(in.Status), Names: priceFields,
		Apply: func(t *store.Tx, r *model.PriceRecord) error { return applyAPIPrice(t, a.Scope, in, r) }})
}

// applyAPIPrice puts the payload on r (a copy of the stored record, or a
// new one): its customer through the client's scope, or its group within
// the scope's audience, its product, price, quantity, dates and remarks;
// and checks the status asked for.
func applyAPIPrice(t *store.Tx, sc store.Scope, in *apiPriceUpsert, r *model.PriceRecord) error {
	ve := &model.ValidationError{}
	checkCatalogExtID(in.ExternalID, "external_id", ve)
	r.CustomerID, r.GroupID, r.ProductID = 0, 0, 0
	switch {
	case (in.Customer == "") == (in.Group == ""):
		ve.Add("customer", "err.price_target", nil)
	case in.Customer != "":
		if cu, err := customerRef(t, sc, in.Customer); err != nil {
			ve.Add("customer", "err.ord_customer_unknown", map[string]any{"value": in.Customer})
		} else {
			r.CustomerID = cu.ID
		}
	default:
		g, err := groupRef(t, in.Group)
		switch {
		case err != nil:
			ve.Add("group", "err.ord_group_unknown", map[string]any{"value": in.Group})
		case !t.CoversAudience(sc, model.Audience{Groups: []uint64{g.ID}}):
			ve.Add("group", "err.audience_out_of_scope_value", map[string]any{"value": in.Group})
		default:
			r.GroupID = g.ID
		}
	}
	if in.Product == "" {
		ve.Add("product", "err.required", nil)
	} else if p, err := productRef(t, in.Product); err != nil {
		ve.Add("product", "err.product_unknown", map[string]any{"value": in.Product})
	} else {
		r.ProductID = p.ID
	}
	if in.Price == nil {
		ve.Add("price", "err.required", nil)
	} else {
		r.Price = readMoney(*in.Price, "price", model.CheckPrice, ve)
	}
	r.MinQty = 0
	if in.MinQty != "" {
		r.MinQty = readQty(in.MinQty, "min_qty", ve)
	}
	r.From, r.To = readPriceDate(in.From, "from", ve), readPriceDate(in.To, "to", ve)
	r.Remarks = in.Remarks
	switch model.Status(in.Status) {
	case model.StatusDraft, model.StatusAudited:
	case "":
		ve.Add("status", "err.required", nil)
	default:
		ve.Add("status", "err.choice", nil)
	}
	return ve.Err()
}

func (h *Handler) apiGetPrice(c *fiber.Ctx, a *apiCall) error {
	ext, err := extParam(c, "external_id")
	if err != nil {
		return err
	}
	return apiRead(h, c, a, func(t *store.Tx) (*apiPrice, error) {
		r, err := byExt(t, store.ExtPrice, ext, func(id uint64) (*model.PriceRecord, error) { return t.PriceRecord(a.Scope, id) })
		if err != nil {
			return nil, err
		}
		out := &apiPrice{ID: r.ID, ExternalID: ext, Price: int64(r.Price), MinQty: qtyJSON(r.MinQty), From: r.From, To: r.To,
			Remarks: r.Remarks, Status: string(r.Status), Version: r.Version, UpdatedAt: r.UpdatedAt}
		if p, err := t.Product(r.ProductID); err == nil {
			out.Product = apiPriceParty{ID: p.ID, Code: p.Code, ExternalID: t.ExternalOf(store.ExtProduct, p.ID)}
		}
		if r.CustomerID != 0 {
			cu, err := t.Customer(a.Scope, r.CustomerID)
			if err != nil {
				return nil, err
			}
			out.Customer = &apiPriceParty{ID: cu.ID, Code: cu.Code, ExternalID: t.ExternalOf(store.ExtCustomer, cu.ID)}
		}
		if r.GroupID != 0 {
			g, err := t.CustomerGroup(r.GroupID)
			if err != nil {
				return nil, err
			}
			out.Group = &apiPriceParty{ID: g.ID, Code: g.Code, ExternalID: t.ExternalOf(store.ExtCustomerGroup, g.ID)}
		}
		return out, nil
	})
}
