package handlers

import (
	"errors"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const tplDealerUserForm = "customers/user_form"

// Dealer users are managed by staff who may manage dealers (for customers in
// their scope) and by the dealer's own manager (for its own customer).
func (h *Handler) registerDealerUsers(r fiber.Router) {
	r.Get("/customers/:id/users/new", h.showDealerUserForm)
	r.Post("/customers/:id/users", h.createDealerUser)
	r.Get("/customers/:id/users/:uid/edit", h.showDealerUserForm)
	r.Post("/customers/:id/users/:uid", h.updateDealerUser)
	r.Post("/customers/:id/users/:uid/password", h.resetDealerPassword)
	r.Post("/customers/:id/users/:uid/disable", h.disableDealerUser)
	r.Post("/customers/:id/users/:uid/enable", h.enableDealerUser)
	r.Post("/customers/:id/users/:uid/invite", h.resendDealerInvitation)
}

type dealerUserForm struct {
	Customer *model.Customer
	User     *model.User
	Roles    []model.Role
	Token    string
	// Setup is how a new user gets its password: setupInvite (an e-mail
	// link, the default) or "password" (set here by the staff member).
	Setup string
	// Prefix is the start a dealer's manager must give usernames; "" for staff.
	Prefix string
	// Invited marks a user who has not chosen a password yet (created
	// through the integration API); Invitation is its last invitation.
	Invited    bool
	Invitation *model.Invitation
}

func canManageDealerUsers(u *model.User) bool {
	return u.Can(model.PermManageDealers) || u.Can(model.PermManageOwnUsers)
}

// loadDealerUser returns the customer and the user of the route, both in the
// caller's scope (404 otherwise); a new user when the route has no uid.
func (h *Handler) loadDealerUser(c *fiber.Ctx) (*model.Customer, *model.User, error) {
	if !canManageDealerUsers(currentUser(c)) {
		return nil, nil, fiber.ErrNotFound
	}
	id, err := idParam(c, "id")
	if err != nil {
		return nil, nil, err
	}
	sc := h.scope(c)
	var cu *model.Customer
	var u *model.User
	err = h.read(func(t *store.Tx) error {
		if cu, err = t.Customer(sc, id); err != nil {
			return err
		}
		if c.Params("uid") == "" {
			u = &model.User{Kind: model.KindDealer, CustomerID: id, Roles: []model.Role{model.RoleBuyer}}
			return nil
		}
		uid, err := idParam(c, "uid")
		if err != nil {
			return err
		}
		if u, err = t.User(sc, uid); err != nil {
			return err
		}
		if u.Kind != model.KindDealer || u.CustomerID != id {
			return model.ErrNotFound
		}
		return nil
	})
	return cu, u, err
}

func (h *Handler) dealerUserView(c *fiber.Ctx, cu *model.Customer, u *model.User) *View {
	d := &dealerUserForm{Customer: cu, User: u, Roles: model.DealerRoles, Token: h.formToken(c), Setup: setupInvite}
	if c.Method() == fiber.MethodPost && c.FormValue("setup") != setupInvite {
		d.Setup = "password"
	}
	if currentUser(c).Kind == model.KindDealer {
		d.Prefix = model.DealerUsernamePrefix(cu.Code)
	}
	if u.ID != 0 && u.PasswordHash == "" {
		d.Invited = true
		_ = h.read(func(t *store.Tx) error { d.Invitation = t.PendingInvitation(u.ID); return nil })
	}
	return h.view(c, newOrEdit(u.ID, "dealer_user.new", "dealer_user.edit"), d)
}

// showDealerUserForm shows the form for a new dealer user or an existing one.
func (h *Handler) showDealerUserForm(c *fiber.Ctx) error {
	cu, u, err := h.loadDealerUser(c)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplDealerUserForm, h.dealerUserView(c, cu, u))
}

// dealerUsernameAllowed refuses a new username (or a rename) that a dealer's
// manager gives outside its company's prefix (model.CheckDealerUsername),
// before anything is looked up, so the answer depends on the name alone.
// Staff who manage dealers are not bound to the prefix.
func dealerUsernameAllowed(actor *model.User, cu *model.Customer, oldName, name string) error {
	if actor.Kind != model.KindDealer {
		return nil
	}
	return model.CheckDealerUsername(cu.Code, oldName, name)
}

// setupInvite is the new-dealer-user form's choice to send an invitation
// e-mail instead of setting a password (the form's default).
const setupInvite = "invite"

func (h *Handler) createDealerUser(c *fiber.Ctx) error {
	cu, u, err := h.loadDealerUser(c)
	if err != nil {
		return err
	}
	readUserForm(c, u, model.DealerRoles)
	err = dealerUsernameAllowed(currentUser(c), cu, "", u.Username)
	if err == nil {
		err = h.createUser(c, u, c.FormValue("setup") == setupInvite)
	}
	if err != nil {
		u.ID = 0
		return h.formError(c, err, tplDealerUserForm, h.dealerUserView(c, cu, u))
	}
	if c.FormValue("setup") == setupInvite {
		h.setFlash(c, "flash.invitation_sent")
	} else {
		h.setFlash(c, "flash.created")
	}
	return h.redirect(c, "/customers/"+itoa(cu.ID)+"#users")
}

func (h *Handler) updateDealerUser(c *fiber.Ctx) error {
	cu, u, err := h.loadDealerUser(c)
	if err != nil {
		return err
	}
	oldName := u.Username
	readUserForm(c, u, model.DealerRoles)
	err = dealerUsernameAllowed(currentUser(c), cu, oldName, u.Username)
	if err == nil {
		err = h.store.UpdateUser(h.actor(c, ""), u)
	}
	if err != nil {
		return h.formError(c, err, tplDealerUserForm, h.dealerUserView(c, cu, u))
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/customers/"+itoa(cu.ID)+"#users")
}

func (h *Handler) resetDealerPassword(c *fiber.Ctx) error {
	cu, u, err := h.loadDealerUser(c)
	if err != nil {
		return err
	}
	if err := h.resetPassword(c, u); err != nil {
		return h.formError(c, err, tplDealerUserForm, h.dealerUserView(c, cu, u))
	}
	h.setFlash(c, "flash.password_reset")
	return h.redirect(c, "/customers/"+itoa(cu.ID)+"#users")
}

func (h *Handler) toggleDealerUser(c *fiber.Ctx, disabled bool) error {
	cu, u, err := h.loadDealerUser(c)
	if err != nil {
		return err
	}
	if err := h.setUserDisabled(c, u, disabled); err != nil {
		return h.formError(c, err, tplDealerUserForm, h.dealerUserView(c, cu, u))
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/customers/"+itoa(cu.ID)+"#users")
}

func (h *Handler) disableDealerUser(c *fiber.Ctx) error { return h.toggleDealerUser(c, true) }
func (h *Handler) enableDealerUser(c *fiber.Ctx) error  { return h.toggleDealerUser(c, false) }

// resendDealerInvitation sends a user who has not chosen a password yet a
// new invitation e-mail; the previous link stops working.
func (h *Handler) resendDealerInvitation(c *fiber.Ctx) error {
	cu, u, err := h.loadDealerUser(c)
	if err != nil {
		return err
	}
	err = h.store.ResendInvitation(h.actor(c, ""), u.ID)
	switch {
	case errors.Is(err, store.ErrPasswordSet):
		err = model.Invalid("_form", "invite.err_password_set")
	case errors.Is(err, model.ErrNotAllowed):
		err = model.Invalid("_form", "invite.err_disabled")
	}
	if err != nil {
		return h.formError(c, err, tplDealerUserForm, h.dealerUserView(c, cu, u))
	}
	h.setFlash(c, "flash.invitation_sent")
	return h.redirect(c, "/customers/"+itoa(cu.ID)+"/users/"+itoa(u.ID)+"/edit")
}
