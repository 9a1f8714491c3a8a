package handlers

import (
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Delivery locations (客户地点, 收货地址) through the API. A customer has
// exactly one primary location (the store keeps it so): its first location
// becomes primary, and "primary": true moves the flag to another one. A
// location that is primary stays primary until another is made primary, so
// that "primary": false on it (or left out) changes nothing and an ERP
// sending all of a customer's locations in any order ends with the one it
// marks.

// apiLocationFields are a location's fields as the ERP sends them.
type apiLocationFields struct {
	Name    string `json:"name" max:"60" doc:"The location's name (地点名称), e.g. the warehouse."`
	Contact string `json:"contact,omitempty" max:"40" doc:"Who receives the goods (收货人)."`
	Phone   string `json:"phone,omitempty" max:"30"`
	Address string `json:"address" max:"200"`
	Region  string `json:"region,omitempty" max:"60" doc:"Province, city, district (省市区)."`
	Primary bool   `json:"primary,omitempty" doc:"true makes this the customer's primary location (the default ship-to of new orders); false or absent leaves the primary where it is."`
}

// apiLocationItem is one location of a bulk upsert: it names its customer.
type apiLocationItem struct {
	Customer   string `json:"customer" max:"100" doc:"The external id of the location's customer."`
	ExternalID string `json:"external_id" max:"100" doc:"The ERP's id of the location."`
	apiLocationFields
}

// apiLocation is a location as the API shows it.
type apiLocation struct {
	ID           uint64    `json:"id"`
	ExternalID   string    `json:"external_id,omitempty" doc:"Absent for a location the ERP has not upserted yet."`
	Customer     string    `json:"customer" doc:"The customer's external id."`
	CustomerCode string    `json:"customer_code"`
	Name         string    `json:"name"`
	Contact      string    `json:"contact,omitempty"`
	Phone        string    `json:"phone,omitempty"`
	Address      string    `json:"address"`
	Region       string    `json:"region,omitempty"`
	Primary      bool      `json:"primary"`
	Version      uint64    `json:"version"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// apiLocationList is a customer's locations, the primary first.
type apiLocationList struct {
	Items []apiLocation `json:"items"`
}

func (h *Handler) apiLocationOps() []apiOp {
	return []apiOp{
		{Method: "PUT", Path: "/customers/:customer_external_id/locations/:external_id", ID: "upsertLocation", Tag: "customers",
			Family: model.APICustomers, Write: true, Summary: "Create or update a delivery location of a customer by its external id.",
			Doc: "Location external ids are unique across customers: one that belongs to another customer's location is refused. " +
				"A location of the customer with the same name and no external id yet is taken over. An upsert sets every field. " +
				"A customer always has exactly one primary location: its first one, or the last one sent with primary true.",
			Body: &apiLocationFields{}, Result: &apiItemResult{}, Handle: h.apiPutLocation},
		{Method: "POST", Path: "/locations/bulk", ID: "upsertLocations", Tag: "customers", Family: model.APICustomers, Write: true,
			Summary: "Create or update up to 1,000 locations, each naming its customer.",
			Doc: "Each record is upserted as by PUT /customers/{customer_external_id}/locations/{external_id}, in its own transaction. " +
				bulkReplyDoc,
			Body: &apiBulk[apiLocationItem]{}, Result: &apiBulkResult{}, Handle: h.apiBulkLocations},
		{Method: "GET", Path: "/customers/:customer_external_id/locations/:external_id", ID: "getLocation", Tag: "customers",
			Family: model.APICustomers, Summary: "A delivery location by its external id.", Result: &apiLocation{}, Handle: h.apiGetLocation},
		{Method: "GET", Path: "/customers/:customer_external_id/locations", ID: "listLocations", Tag: "customers",
			Family: model.APICustomers, Summary: "A customer's delivery locations, the primary first.", Result: &apiLocationList{}, Handle: h.apiListLocations},
	}
}

// upsertLocation upserts the location ext of the customer with external
// id custExt (custPath names that field in errors) through its use case
// (store.UpsertLocation).
func (h *Handler) upsertLocation(a *apiCall, custExt, custPath, ext string, in *apiLocationFields) (uint64, store.Outcome, error) {
	ve := &model.ValidationError{}
	if !readExternalID(ext, "external_id", ve) {
		return 0, "", ve
	}
	return h.store.UpsertLocation(a.batched(), store.LocationUpsert{ExternalID: ext, Customer: custExt, CustomerField: custPath, Name: in.Name,
		Apply: func(l *model.Location) error {
			l.Name, l.Contact, l.Phone, l.Address, l.Region = in.Name, in.Contact, in.Phone, in.Address, in.Region
			if in.Primary {
				l.Primary = true
			}
			return nil
		}})
}

func (h *Handler) apiPutLocation(c *fiber.Ctx, a *apiCall) error {
	custExt, ext, err := h.apiChildPath(c, a, nil)
	if err != nil {
		return err
	}
	return upsertOne(h, c, a, ext, nil, func(in *apiLocationFields) (uint64, store.Outcome, error) {
		return h.upsertLocation(a, custExt, "customer_external_id", ext, in)
	})
}

func (h *Handler) apiBulkLocations(c *fiber.Ctx, a *apiCall) error {
	return upsertBulk(h, c, a, func(it *apiLocationItem) string { return it.ExternalID }, "external_id",
		func(it *apiLocationItem) (uint64, store.Outcome, error) {
			return h.upsertLocation(a, it.Customer, "customer", it.ExternalID, &it.apiLocationFields)
		})
}

// locationOut shows a location on the wire.
func locationOut(t *store.Tx, cu *model.Customer, l *model.Location) apiLocation {
	return apiLocation{ID: l.ID, ExternalID: t.ExternalOf(store.ExtLocation, l.ID), Customer: t.ExternalOf(store.ExtCustomer, cu.ID), CustomerCode: cu.Code,
		Name: l.Name, Contact: l.Contact, Phone: l.Phone, Address: l.Address, Region: l.Region, Primary: l.Primary,
		Version: l.Version, UpdatedAt: l.UpdatedAt}
}

func (h *Handler) apiGetLocation(c *fiber.Ctx, a *apiCall) error {
	custExt, ext, err := h.apiChildPath(c, a, nil)
	if err != nil {
		return err
	}
	return apiRead(h, c, a, func(t *store.Tx) (*apiLocation, error) {
		cu, err := customerByExt(t, a.Scope, custExt)
		if err != nil {
			return nil, err
		}
		l, err := byExt(t, store.ExtLocation, ext, func(id uint64) (*model.Location, error) { return t.Location(a.Scope, cu.ID, id) })
		if err != nil {
			return nil, err
		}
		out := locationOut(t, cu, l)
		return &out, nil
	})
}

func (h *Handler) apiListLocations(c *fiber.Ctx, a *apiCall) error {
	custExt, _, err := h.apiChildPath(c, a, nil)
	if err != nil {
		return err
	}
	return apiRead(h, c, a, func(t *store.Tx) (*apiLocationList, error) {
		cu, err := customerByExt(t, a.Scope, custExt)
		if err != nil {
			return nil, err
		}
		locs, err := t.Locations(a.Scope, cu.ID)
		if err != nil {
			return nil, err
		}
		out := &apiLocationList{Items: []apiLocation{}}
		for _, l := range locs {
			out.Items = append(out.Items, locationOut(t, cu, l))
		}
		return out, nil
	})
}
