package handlers

import (
	"errors"
	"slices"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Dealer users (经销商用户) through the API. The API never carries a
// password: a new user is invited by e-mail (store.InviteUser) to choose one
// on the public /invite page. Usernames live in the customer's namespace
// (model.CheckDealerUsername: the customer code and a dot, "c1.wang"); the
// ERP gives one or lets the portal derive it from the e-mail address.

// apiDealerUserFields are a dealer user's fields as the ERP sends them.
type apiDealerUserFields struct {
	Username string `json:"username,omitempty" max:"40" doc:"Login name, starting with the customer's code in lower case and a dot (c1.wang). Absent: on creation derived from the e-mail address (c1.<local part>, a number appended when taken); on update the current name is kept."`
	Name     string `json:"name" max:"60" doc:"The person's name."`
	Email    string `json:"email,omitempty" max:"100" doc:"Required until the user has chosen a password: the invitation goes there. A new address before then sends a new invitation."`
	Mobile   string `json:"mobile,omitempty" max:"20"`
	// Roles has no enum in the document: the generator puts enums on
	// properties, not on array items.
	Roles    []string `json:"roles" min:"1" max:"3" doc:"Dealer roles (经销商角色): manager (everything, incl. users and locations), buyer (orders), dealer_finance (reconciliation)."`
	Lang     string   `json:"lang,omitempty" enum:"zh,en" doc:"The user's language, also of the invitation e-mail. Absent: the user's own choice stays (Chinese until there is one)."`
	Disabled bool     `json:"disabled,omitempty" doc:"true: the user cannot log in (sessions end at once); absent: enabled."`
}

// apiDealerUserItem is one dealer user of a bulk upsert: it names its
// customer.
type apiDealerUserItem struct {
	Customer   string `json:"customer" max:"100" doc:"The external id of the user's customer."`
	ExternalID string `json:"external_id" max:"100" doc:"The ERP's id of the user."`
	apiDealerUserFields
}

// apiDealerUser is a dealer user as the API shows it: never a password.
type apiDealerUser struct {
	ID           uint64   `json:"id"`
	ExternalID   string   `json:"external_id,omitempty" doc:"Absent for a user the ERP has not upserted yet."`
	Customer     string   `json:"customer" doc:"The customer's external id."`
	CustomerCode string   `json:"customer_code"`
	Username     string   `json:"username"`
	Name         string   `json:"name"`
	Email        string   `json:"email,omitempty"`
	Mobile       string   `json:"mobile,omitempty"`
	Roles        []string `json:"roles"`
	Lang         string   `json:"lang,omitempty"`
	State        string   `json:"state" enum:"invited,active,disabled" doc:"invited: has not chosen a password yet; active: can log in; disabled."`
	// The invitation of an invited user: when it was sent and until when
	// its link works.
	InvitedAt           *time.Time `json:"invited_at,omitempty"`
	InvitationExpiresAt *time.Time `json:"invitation_expires_at,omitempty"`
	Version             uint64     `json:"version"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

// apiDealerUserList is a customer's dealer users.
type apiDealerUserList struct {
	Items []apiDealerUser `json:"items"`
}

func (h *Handler) apiDealerUserOps() []apiOp {
	return []apiOp{
		{Method: "PUT", Path: "/customers/:customer_external_id/users/:external_id", ID: "upsertDealerUser", Tag: "customers",
			Family: model.APICustomers, Write: true, Summary: "Create or update a dealer user of a customer by its external id; a new user is invited by e-mail.",
			Doc: "Never a password: a new user receives an e-mail (event user.invited) with a one-time link to choose one, valid 7 days. " +
				"Upserting a user who has not accepted yet sends no second invitation unless the e-mail address changed (or the user is enabled again); " +
				"POST …/invitation sends a new one. A user of the customer with the given username and no external id yet is taken over. An upsert sets every field.",
			Body: &apiDealerUserFields{}, Result: &apiItemResult{}, Handle: h.apiPutDealerUser},
		{Method: "POST", Path: "/dealer-users/bulk", ID: "upsertDealerUsers", Tag: "customers", Family: model.APICustomers, Write: true,
			Summary: "Create or update up to 1,000 dealer users, each naming its customer.",
			Doc: "Each record is upserted as by PUT /customers/{customer_external_id}/users/{external_id}, in its own transaction. " +
				bulkReplyDoc,
			Body: &apiBulk[apiDealerUserItem]{}, Result: &apiBulkResult{}, Handle: h.apiBulkDealerUsers},
		{Method: "GET", Path: "/customers/:customer_external_id/users/:external_id", ID: "getDealerUser", Tag: "customers",
			Family: model.APICustomers, Summary: "A dealer user by its external id, with the state of its invitation.", Result: &apiDealerUser{}, Handle: h.apiGetDealerUser},
		{Method: "GET", Path: "/customers/:customer_external_id/users", ID: "listDealerUsers", Tag: "customers",
			Family: model.APICustomers, Summary: "A customer's dealer users.", Result: &apiDealerUserList{}, Handle: h.apiListDealerUsers},
		{Method: "POST", Path: "/customers/:customer_external_id/users/:external_id/invitation", ID: "resendInvitation", Tag: "customers",
			Family: model.APICustomers, Write: true, Status: fiber.StatusAccepted,
			Summary: "Send a dealer user who has not chosen a password a new invitation; the previous link stops working.",
			Doc:     "409 when the user has chosen a password already or is disabled.",
			Result:  &apiDealerUser{}, Handle: h.apiResendInvitation},
	}
}

// dealerUserFieldNames are the model's field names that differ on the wire.
var dealerUserFieldNames = map[string]string{"customer_id": "customer"}

// readRoles checks the roles named and returns them in the catalogue's
// order, without repeats, so that the same set is the same record.
func readRoles(names []string, ve *model.ValidationError) []model.Role {
	for _, n := range names {
		if !slices.Contains(model.DealerRoles, model.Role(n)) {
			ve.Add("roles", "err.role_invalid", nil)
		}
	}
	var out []model.Role
	for _, r := range model.DealerRoles {
		if slices.Contains(names, string(r)) {
			out = append(out, r)
		}
	}
	return out
}

// freeDealerUsername derives the first username of the customer's
// namespace not yet taken, from the e-mail address. Only the customer's own
// users can hold names there, so trying them tells nothing about others.
func freeDealerUsername(t *store.Tx, cu *model.Customer, email string) string {
	for n := 1; n <= 99; n++ {
		name := model.SuggestDealerUsername(cu.Code, email, n)
		if _, err := t.UserByUsername(name); errors.Is(err, model.ErrNotFound) {
			return name
		}
	}
	return ""
}

// upsertDealerUser upserts the user ext of the customer with external id
// custExt (custPath names that field in errors) through its use case
// (store.UpsertDealerUser), the payload put on the record by
// applyDealerUser inside its transaction.
func (h *Handler) upsertDealerUser(a *apiCall, custExt, custPath, ext string, in *apiDealerUserFields) (uint64, store.Outcome, error) {
	ve := &model.ValidationError{}
	if !readExternalID(ext, "external_id", ve) {
		return 0, "", ve
	}
	return h.store.UpsertDealerUser(a.batched(), store.DealerUserUpsert{ExternalID: ext, Customer: custExt, CustomerField: custPath,
		Username: in.Username, Names: dealerUserFieldNames,
		Apply: func(t *store.Tx, cu *model.Customer, old, u *model.User) error {
			return applyDealerUser(t, cu, old, u, in)
		}})
}

// applyDealerUser puts the payload on u (a copy of old, or a new user of
// cu): the username sent, else for a new user the first free one derived
// from the e-mail address; the fields, roles and language (kept when not
// sent). A user without a password needs an e-mail address to be invited
// at.
func applyDealerUser(t *store.Tx, cu *model.Customer, old, u *model.User, in *apiDealerUserFields) error {
	ve := &model.ValidationError{}
	switch {
	case in.Username != "":
		oldName := ""
		if old != nil {
			oldName = old.Username
		}
		if err := mergeInto(ve, model.CheckDealerUsername(cu.Code, oldName, in.Username), nil); err != nil {
			return err
		}
		u.Username = in.Username
	case old == nil:
		if u.Username = freeDealerUsername(t, cu, in.Email); u.Username == "" {
			ve.Add("username", "sec.username_unavailable", nil)
		}
	}
	u.Name, u.Email, u.Mobile, u.Disabled = in.Name, in.Email, in.Mobile, in.Disabled
	u.Roles = readRoles(in.Roles, ve)
	switch in.Lang {
	case "":
		// The user's own choice (account settings) stays: the language is
		// the person's preference, not master data.
	case "zh", "en":
		u.Lang = in.Lang
	default:
		ve.Add("lang", "err.choice", nil)
	}
	u.Normalize()
	if u.PasswordHash == "" && u.Email == "" {
		ve.Add("email", "err.required", nil)
	}
	return ve.Err()
}

// dealerUserReachable refuses (404) a dealer-user route naming a user
// outside the client's scope; a new external id is fine.
func dealerUserReachable(sc store.Scope) func(t *store.Tx, ext string) error {
	return func(t *store.Tx, ext string) error {
		if id := t.ExternalID(store.ExtDealerUser, ext); ext != "" && id != 0 {
			_, err := t.User(sc, id)
			return err
		}
		return nil
	}
}

func (h *Handler) apiPutDealerUser(c *fiber.Ctx, a *apiCall) error {
	custExt, ext, err := h.apiChildPath(c, a, dealerUserReachable(a.Scope))
	if err != nil {
		return err
	}
	return upsertOne(h, c, a, ext, nil, func(in *apiDealerUserFields) (uint64, store.Outcome, error) {
		return h.upsertDealerUser(a, custExt, "customer_external_id", ext, in)
	})
}

func (h *Handler) apiBulkDealerUsers(c *fiber.Ctx, a *apiCall) error {
	return upsertBulk(h, c, a, func(it *apiDealerUserItem) string { return it.ExternalID }, "external_id",
		func(it *apiDealerUserItem) (uint64, store.Outcome, error) {
			return h.upsertDealerUser(a, it.Customer, "customer", it.ExternalID, &it.apiDealerUserFields)
		})
}

// dealerUserOut shows a dealer user on the wire, with its invitation while
// it has no password.
func dealerUserOut(t *store.Tx, cu *model.Customer, u *model.User) apiDealerUser {
	out := apiDealerUser{ID: u.ID, ExternalID: t.ExternalOf(store.ExtDealerUser, u.ID), Customer: t.ExternalOf(store.ExtCustomer, cu.ID), CustomerCode: cu.Code,
		Username: u.Username, Name: u.Name, Email: u.Email, Mobile: u.Mobile, Roles: []string{}, Lang: u.Lang, State: "active",
		Version: u.Version, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	for _, r := range u.Roles {
		out.Roles = append(out.Roles, string(r))
	}
	switch {
	case u.Disabled:
		out.State = "disabled"
	case u.PasswordHash == "":
		out.State = "invited"
	}
	if u.PasswordHash == "" {
		if inv := t.PendingInvitation(u.ID); inv != nil {
			out.InvitedAt, out.InvitationExpiresAt = &inv.CreatedAt, &inv.ExpiresAt
		}
	}
	return out
}

// loadAPIDealerUser reads the user of a dealer-user route and its customer.
func loadAPIDealerUser(t *store.Tx, sc store.Scope, custExt, ext string) (*model.Customer, *model.User, error) {
	cu, err := customerByExt(t, sc, custExt)
	if err != nil {
		return nil, nil, err
	}
	id := t.ExternalID(store.ExtDealerUser, ext)
	if id == 0 {
		return nil, nil, model.ErrNotFound
	}
	u, err := t.User(sc, id)
	if err != nil || u.Kind != model.KindDealer || u.CustomerID != cu.ID {
		return nil, nil, model.ErrNotFound
	}
	return cu, u, nil
}

// dealerUserReply reads the answer about the user of a dealer-user route.
func dealerUserReply(sc store.Scope, custExt, ext string) func(t *store.Tx) (*apiDealerUser, error) {
	return func(t *store.Tx) (*apiDealerUser, error) {
		cu, u, err := loadAPIDealerUser(t, sc, custExt, ext)
		if err != nil {
			return nil, err
		}
		out := dealerUserOut(t, cu, u)
		return &out, nil
	}
}

func (h *Handler) apiGetDealerUser(c *fiber.Ctx, a *apiCall) error {
	custExt, ext, err := h.apiChildPath(c, a, dealerUserReachable(a.Scope))
	if err != nil {
		return err
	}
	return apiRead(h, c, a, dealerUserReply(a.Scope, custExt, ext))
}

func (h *Handler) apiListDealerUsers(c *fiber.Ctx, a *apiCall) error {
	custExt, _, err := h.apiChildPath(c, a, dealerUserReachable(a.Scope))
	if err != nil {
		return err
	}
	return apiRead(h, c, a, func(t *store.Tx) (*apiDealerUserList, error) {
		cu, err := customerByExt(t, a.Scope, custExt)
		if err != nil {
			return nil, err
		}
		users, _, err := t.ListCustomerUsers(a.Scope, cu.ID, store.UserFilter{}, store.Page{})
		if err != nil {
			return nil, err
		}
		out := &apiDealerUserList{Items: []apiDealerUser{}}
		for _, u := range users {
			out.Items = append(out.Items, dealerUserOut(t, cu, u))
		}
		return out, nil
	})
}

// apiResendInvitation sends a user who has not chosen a password a new
// invitation (the old link stops working).
func (h *Handler) apiResendInvitation(c *fiber.Ctx, a *apiCall) error {
	custExt, ext, err := h.apiChildPath(c, a, dealerUserReachable(a.Scope))
	if err != nil {
		return err
	}
	var id uint64
	if err := h.read(func(t *store.Tx) error {
		_, u, err := loadAPIDealerUser(t, a.Scope, custExt, ext)
		if u != nil {
			id = u.ID
		}
		return err
	}); err != nil {
		return err
	}
	err = h.store.ResendInvitation(store.Actor{User: a.Actor, Scope: a.Scope}, id)
	switch {
	case errors.Is(err, store.ErrPasswordSet):
		return apiError(fiber.StatusConflict, "api.customers.err_password_set")
	case errors.Is(err, model.ErrNotAllowed):
		return apiError(fiber.StatusConflict, "api.customers.err_user_disabled")
	case err != nil:
		return err
	}
	return apiRead(h, c, a, dealerUserReply(a.Scope, custExt, ext))
}
