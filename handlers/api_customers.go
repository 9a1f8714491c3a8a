package handlers

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// The customers family of the integration API (客户资料, 客户地点, 经销商用户):
// the ERP upserts customers, their delivery locations and their dealer users
// by its own ids (external ids), singly or in bulk, and reads them back. Each
// upsert builds the record the UI's form would build and saves it with the
// same store function, through the client's data scope; an upsert that
// changes nothing writes nothing and answers "unchanged". Locations are in
// api_customers_locations.go, dealer users in api_customers_users.go.

// apiPageMax is the largest page of a list; apiPageDefault the page when
// the caller names none.
const (
	apiPageMax     = 200
	apiPageDefault = 50
)

// apiCustomerFields are a customer's fields as the ERP sends them: the UI's
// customer form, with the org unit, group and salesperson named by code and
// username instead of the portal's ids. An upsert sets every field: one left
// out is cleared (status: active).
type apiCustomerFields struct {
	Code        string `json:"code" max:"30" doc:"The customer code (客户编码): letters, digits, dot, dash, underscore; kept in upper case."`
	Name        string `json:"name" max:"100" doc:"The customer's name (客户名称)."`
	ShortName   string `json:"short_name,omitempty" max:"40"`
	OrgUnit     string `json:"org_unit" max:"30" doc:"Code of the org unit (所属组织); it must lie within the client's org units."`
	Group       string `json:"group,omitempty" max:"100" doc:"The customer group (客户分组) by its external id or its code."`
	Level       string `json:"level,omitempty" enum:"A,B,C,D" doc:"Customer level (客户等级)."`
	Salesperson string `json:"salesperson,omitempty" max:"40" doc:"Username of the staff member who is the salesperson (业务员)."`
	Contact     string `json:"contact,omitempty" max:"40"`
	Phone       string `json:"phone,omitempty" max:"30" doc:"Digits, spaces, +, - and parentheses; 5 to 20 digits."`
	Email       string `json:"email,omitempty" max:"100"`
	Address     string `json:"address,omitempty" max:"200"`
	TaxNumber   string `json:"tax_number,omitempty" max:"20" doc:"15 to 20 digits or capital letters (税号)."`
	Bank        string `json:"bank,omitempty" max:"100" doc:"The bank (开户银行)."`
	BankAccount string `json:"bank_account,omitempty" max:"40"`
	CreditLimit int64  `json:"credit_limit,omitempty" min:"0" max:"100000000000" doc:"Credit limit (信用额度) in cents; 0 or absent: no limit."`
	Status      string `json:"status,omitempty" enum:"active,inactive" doc:"Absent: active. An inactive customer's users cannot log in."`
	Remarks     string `json:"remarks,omitempty" max:"500"`
}

// apiCustomerItem is one customer of a bulk upsert.
type apiCustomerItem struct {
	ExternalID string `json:"external_id" max:"100" doc:"The ERP's id of the customer."`
	apiCustomerFields
}

// apiCustomer is a customer as the API shows it: the portal's id and the
// ERP's external id beside the customer's fields.
type apiCustomer struct {
	ID         uint64 `json:"id"`
	ExternalID string `json:"external_id,omitempty" doc:"Absent for a customer the ERP has not upserted yet."`
	apiCustomerFields
	Version   uint64    `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// apiCustomerPage is one page of the customer list.
type apiCustomerPage struct {
	Items  []apiCustomer `json:"items"`
	Total  int           `json:"total" doc:"How many customers match in all."`
	Offset int           `json:"offset"`
	Limit  int           `json:"limit"`
}

func (h *Handler) apiCustomerOps() []apiOp {
	upsertDoc := "Creates the customer when the external id is new, else updates it; an upsert sets every field, so a field left out is cleared. " +
		"A customer created in the portal that has no external id yet is taken over when the code matches. " +
		"Answers 201 when created, 200 with status updated or unchanged (the same payload twice writes nothing), " +
		"404 for a customer outside the client's org units, 422 with field errors (an org unit outside the client's org units is one)."
	listParams := []apiParam{
		{Name: "limit", Type: "integer", Doc: "Page size, 1 to 200 (default 50)."},
		{Name: "offset", Type: "integer", Doc: "How many matching customers to skip."},
		{Name: "q", Type: "string", Doc: "Code, name, short name, contact or phone contains."},
		{Name: "org_unit", Type: "string", Doc: "Only customers in this org unit's subtree (its code)."},
		{Name: "status", Type: "string", Doc: "active or inactive."},
	}
	ops := []apiOp{
		{Method: "PUT", Path: "/customers/:external_id", ID: "upsertCustomer", Tag: "customers", Family: model.APICustomers, Write: true,
			Summary: "Create or update a customer by its external id.", Doc: upsertDoc,
			Body: &apiCustomerFields{}, Result: &apiItemResult{}, Handle: h.apiPutCustomer},
		{Method: "POST", Path: "/customers/bulk", ID: "upsertCustomers", Tag: "customers", Family: model.APICustomers, Write: true,
			Summary: "Create or update up to 1,000 customers, each with its own result.",
			Doc: "Each record is upserted as by PUT /customers/{external_id}, in its own transaction: a refused record does not undo the others. " +
				bulkReplyDoc,
			Body: &apiBulk[apiCustomerItem]{}, Result: &apiBulkResult{}, Handle: h.apiBulkCustomers},
		{Method: "GET", Path: "/customers/:external_id", ID: "getCustomer", Tag: "customers", Family: model.APICustomers,
			Summary: "A customer by its external id.", Result: &apiCustomer{}, Handle: h.apiGetCustomer},
		{Method: "GET", Path: "/customers", ID: "listCustomers", Tag: "customers", Family: model.APICustomers,
			Summary: "The customers within the client's data scope, by code, a page at a time (at most 200).",
			Query:   listParams, Result: &apiCustomerPage{}, Handle: h.apiListCustomers},
	}
	ops = append(ops, h.apiLocationOps()...)
	return append(ops, h.apiDealerUserOps()...)
}

// --- shared by the family ---

// readExternalID checks an external id (validExternalID), adding the
// family's field error at path.
func readExternalID(ext, path string, ve *model.ValidationError) bool {
	ok := validExternalID(ext)
	if !ok {
		ve.Add(path, "api.customers.external_id", nil)
	}
	return ok
}

// mergeInto adds a model check's field errors to ve under the wire's names;
// any other error is returned.
func mergeInto(ve *model.ValidationError, err error, names map[string]string) error {
	var fe *model.ValidationError
	if !errors.As(renamedBy(err, names), &fe) {
		return err
	}
	for _, f := range fe.Fields {
		ve.Add(f.Field, f.Key, f.Args)
	}
	return nil
}

// readPage reads the limit and offset query parameters of a list.
func readPage(c *fiber.Ctx) (store.Page, error) {
	ve := &model.ValidationError{}
	p := store.Page{Limit: readLimit(c, apiPageDefault, apiPageMax, ve)}
	if s := c.Query("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			ve.Add("offset", "err.not_negative", nil)
		}
		p.Offset = n
	}
	return p, ve.Err()
}

// apiChildPath reads the path of a route below a customer (its locations,
// its dealer users): the customer's external id and, when the route names
// one, the record's. 404 when either cannot be an external id or the
// customer is unknown or outside the client's scope; more (when not nil)
// checks the record in the same read.
func (h *Handler) apiChildPath(c *fiber.Ctx, a *apiCall, more func(t *store.Tx, ext string) error) (custExt, ext string, err error) {
	if custExt, err = extParam(c, "customer_external_id"); err != nil {
		return "", "", err
	}
	if c.Params("external_id") != "" {
		if ext, err = extParam(c, "external_id"); err != nil {
			return "", "", err
		}
	}
	err = h.read(func(t *store.Tx) error {
		if _, err := customerByExt(t, a.Scope, custExt); err != nil || more == nil {
			return err
		}
		return more(t, ext)
	})
	return custExt, ext, err
}

// --- customers ---

// customerFieldNames are the model's field names that differ on the wire.
var customerFieldNames = map[string]string{"org_unit_id": "org_unit", "group_id": "group", "salesperson_id": "salesperson"}

// applyCustomer copies the payload into cu, resolving the org unit, group
// and salesperson; unknown references and bad values become field errors.
func applyCustomer(t *store.Tx, cu *model.Customer, in *apiCustomerFields, ve *model.ValidationError) {
	cu.Code, cu.Name, cu.ShortName, cu.Level = in.Code, in.Name, in.ShortName, in.Level
	cu.Contact, cu.Phone, cu.Email, cu.Address = in.Contact, in.Phone, in.Email, in.Address
	cu.TaxNumber, cu.Bank, cu.BankAccount, cu.Remarks = in.TaxNumber, in.Bank, in.BankAccount, in.Remarks
	cu.OrgUnitID, cu.GroupID, cu.SalespersonID = 0, 0, 0
	if strings.TrimSpace(in.OrgUnit) == "" {
		ve.Add("org_unit", "err.required", nil)
	} else if u, err := t.OrgUnitByCode(in.OrgUnit); err != nil || u.Inactive {
		ve.Add("org_unit", "api.customers.unknown_org_unit", nil)
	} else {
		cu.OrgUnitID = u.ID
	}
	if g := strings.TrimSpace(in.Group); g != "" {
		if grp, err := groupRef(t, g); err == nil {
			cu.GroupID = grp.ID
		} else {
			ve.Add("group", "api.customers.unknown_group", nil)
		}
	}
	if s := strings.TrimSpace(in.Salesperson); s != "" {
		if u, err := t.UserByUsername(s); err == nil && u.IsStaff() && !u.Disabled {
			cu.SalespersonID = u.ID
		} else {
			ve.Add("salesperson", "api.customers.unknown_salesperson", nil)
		}
	}
	switch model.CustomerStatus(in.Status) {
	case "":
		cu.Status = model.CustomerActive
	case model.CustomerActive, model.CustomerInactive:
		cu.Status = model.CustomerStatus(in.Status)
	default:
		ve.Add("status", "err.choice", nil)
	}
	cu.CreditLimit = readMoney(in.CreditLimit, "credit_limit", model.CheckAmount, ve)
}

// upsertCustomer upserts the customer with external id ext through its
// use case (store.UpsertCustomer), the payload put on the record by
// applyCustomer inside its transaction.
func (h *Handler) upsertCustomer(a *apiCall, ext string, in *apiCustomerFields) (uint64, store.Outcome, error) {
	ve := &model.ValidationError{}
	if !readExternalID(ext, "external_id", ve) {
		return 0, "", ve
	}
	return h.store.UpsertCustomer(a.batched(), store.CustomerUpsert{ExternalID: ext, Code: in.Code, Names: customerFieldNames,
		Apply: func(t *store.Tx, cu *model.Customer) error {
			ve := &model.ValidationError{}
			applyCustomer(t, cu, in, ve)
			return ve.Err()
		}})
}

func (h *Handler) apiPutCustomer(c *fiber.Ctx, a *apiCall) error {
	ext, err := extParam(c, "external_id")
	if err != nil {
		return err
	}
	// Scope first: a customer outside the client's org units is a 404,
	// whatever the body holds.
	err = h.read(func(t *store.Tx) error {
		if id := t.ExternalID(store.ExtCustomer, ext); id != 0 && !t.AllowsCustomer(a.Scope, id) {
			return model.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return err
	}
	return upsertOne(h, c, a, ext, nil, func(in *apiCustomerFields) (uint64, store.Outcome, error) {
		return h.upsertCustomer(a, ext, in)
	})
}

func (h *Handler) apiBulkCustomers(c *fiber.Ctx, a *apiCall) error {
	return upsertBulk(h, c, a, func(it *apiCustomerItem) string { return it.ExternalID }, "external_id",
		func(it *apiCustomerItem) (uint64, store.Outcome, error) {
			return h.upsertCustomer(a, it.ExternalID, &it.apiCustomerFields)
		})
}

// customerOut shows a customer on the wire.
func customerOut(t *store.Tx, cu *model.Customer) apiCustomer {
	out := apiCustomer{ID: cu.ID, ExternalID: t.ExternalOf(store.ExtCustomer, cu.ID), Version: cu.Version, CreatedAt: cu.CreatedAt, UpdatedAt: cu.UpdatedAt,
		apiCustomerFields: apiCustomerFields{Code: cu.Code, Name: cu.Name, ShortName: cu.ShortName, Level: cu.Level, Contact: cu.Contact,
			Phone: cu.Phone, Email: cu.Email, Address: cu.Address, TaxNumber: cu.TaxNumber, Bank: cu.Bank, BankAccount: cu.BankAccount,
			CreditLimit: int64(cu.CreditLimit), Status: string(cu.Status), Remarks: cu.Remarks}}
	if u := t.OrgTree().Unit(cu.OrgUnitID); u != nil {
		out.OrgUnit = u.Code
	}
	if cu.GroupID != 0 {
		if g, err := t.CustomerGroup(cu.GroupID); err == nil {
			out.Group = g.Code
		}
	}
	if cu.SalespersonID != 0 {
		if u, err := t.UserByID(cu.SalespersonID); err == nil {
			out.Salesperson = u.Username
		}
	}
	return out
}

func (h *Handler) apiGetCustomer(c *fiber.Ctx, a *apiCall) error {
	ext, err := extParam(c, "external_id")
	if err != nil {
		return err
	}
	return apiRead(h, c, a, func(t *store.Tx) (*apiCustomer, error) {
		cu, err := customerByExt(t, a.Scope, ext)
		if err != nil {
			return nil, err
		}
		out := customerOut(t, cu)
		return &out, nil
	})
}

func (h *Handler) apiListCustomers(c *fiber.Ctx, a *apiCall) error {
	p, err := readPage(c)
	if err != nil {
		return err
	}
	f := store.CustomerFilter{Q: c.Query("q"), Status: model.CustomerStatus(c.Query("status"))}
	if f.Status != "" && f.Status != model.CustomerActive && f.Status != model.CustomerInactive {
		return model.Invalid("status", "err.choice")
	}
	return apiRead(h, c, a, func(t *store.Tx) (*apiCustomerPage, error) {
		if code := c.Query("org_unit"); code != "" {
			u, err := t.OrgUnitByCode(code)
			if err != nil {
				return nil, model.Invalid("org_unit", "api.customers.unknown_org_unit")
			}
			f.OrgUnitID = u.ID
		}
		rows, total, err := t.ListCustomers(a.Scope, f, p)
		if err != nil {
			return nil, err
		}
		out := &apiCustomerPage{Items: []apiCustomer{}, Total: total, Offset: p.Offset, Limit: p.Limit}
		for _, cu := range rows {
			out.Items = append(out.Items, customerOut(t, cu))
		}
		return out, nil
	})
}
