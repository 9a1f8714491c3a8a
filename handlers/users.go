package handlers

import (
	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Shared by staff users and dealer users: reading the common fields, the
// initial password, password reset and enable/disable. Each module decides
// who may do it and where to go afterwards.

// readUserForm copies the common user fields from the form into u; roles are
// limited to allowed.
func readUserForm(c *fiber.Ctx, u *model.User, allowed []model.Role) {
	u.Username, u.Name = c.FormValue("username"), c.FormValue("name")
	u.Email, u.Mobile = c.FormValue("email"), c.FormValue("mobile")
	u.Version = formUint(c, "version")
	u.Roles = nil
	form, err := c.MultipartForm()
	var picked []string
	if err == nil && form != nil {
		picked = form.Value["roles"]
	} else {
		for _, v := range c.Request().PostArgs().PeekMulti("roles") {
			picked = append(picked, string(v))
		}
	}
	for _, r := range allowed {
		for _, p := range picked {
			if string(r) == p {
				u.Roles = append(u.Roles, r)
			}
		}
	}
	if len(picked) > 0 && len(u.Roles) < len(picked) {
		u.Roles = append(u.Roles, model.Role("invalid"))
	}
}

// createUser saves a new user with the initial password from the form, once
// per form token (store.CreateUser); the audit entry goes to the staff
// user's own record or the dealer user's customer.
//
// With invite the user gets no password: the form's e-mail address is
// required, and the invitation e-mail is queued in the same transaction, so
// the user chooses a password from its link.
func (h *Handler) createUser(c *fiber.Ctx, u *model.User, invite bool) error {
	pw := c.FormValue("password")
	ve := &model.ValidationError{}
	if invite {
		if u.Email == "" {
			ve.Add("email", "err.required", nil)
		}
	} else if err := model.ValidatePassword("password", pw); err != nil {
		ve.Fields = append(ve.Fields, err.(*model.ValidationError).Fields...)
	}
	if err := u.Validate(); err != nil {
		if err := mergeErrors(ve, err); err != nil && ve.Err() == nil {
			return err
		}
	}
	if err := ve.Err(); err != nil {
		return err
	}
	if !invite {
		hash, err := store.HashPassword(pw)
		if err != nil {
			return err
		}
		u.PasswordHash = hash
	}
	id, err := h.store.CreateUser(h.actor(c, c.FormValue("_idem")), store.NewUserInput{User: u, Invite: invite})
	if err == nil {
		u.ID = id
	}
	return err
}

// actor is the use cases' Actor of the request: its user and scope, with
// once as the replay key ("" runs every time). Fresh: every request that
// reaches a handler began with syncVersions on a shared backend.
func (h *Handler) actor(c *fiber.Ctx, once string) store.Actor {
	return store.Actor{User: currentUser(c), Scope: h.scope(c), Once: once, Fresh: true}
}

// resetPassword sets a new password chosen by the admin or manager and ends
// every session of that user.
func (h *Handler) resetPassword(c *fiber.Ctx, target *model.User) error {
	pw := c.FormValue("password")
	if err := model.ValidatePassword("password", pw); err != nil {
		return err
	}
	hash, err := store.HashPassword(pw)
	if err != nil {
		return err
	}
	return h.store.ResetPassword(h.actor(c, ""), target.ID, hash)
}

// setUserDisabled disables (ending its sessions at once) or re-enables a user.
// Nobody can disable themselves (model.CheckSelfAction).
func (h *Handler) setUserDisabled(c *fiber.Ctx, target *model.User, disabled bool) error {
	if err := model.CheckSelfAction(currentUser(c), target, "_form"); err != nil {
		return err
	}
	target.Version = formUint(c, "version")
	return h.store.SetUserDisabled(h.actor(c, ""), target, disabled)
}
