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
// per form token.
//
// With invite the user gets no password: the form's e-mail address is
// required, and the invitation e-mail (store.InviteUser) is queued in the
// same transaction, so the user chooses a password from its link.
func (h *Handler) createUser(c *fiber.Ctx, u *model.User, entity string, entityID uint64, invite bool) error {
	actor := currentUser(c)
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
	return h.store.Update(actor.Username, func(t *store.Tx) error {
		id, _, err := t.Idempotent(actor.ID, c.FormValue("_idem"), func() (uint64, error) {
			if err := t.SaveUser(h.scope(c), u); err != nil {
				return 0, err
			}
			if entityID == 0 { // the user is the audited record itself (staff)
				entityID = u.ID
			}
			if err := t.Log(entity, entityID, "user.create", u.Username); err != nil {
				return 0, err
			}
			if !invite {
				return u.ID, nil
			}
			if _, err := t.InviteUser(h.scope(c), u.ID); err != nil {
				return 0, err
			}
			return u.ID, t.Log(entity, entityID, "user.invite", u.Username)
		})
		u.ID = id
		return err
	})
}

// updateUser saves the edited fields with optimistic locking.
func (h *Handler) updateUser(c *fiber.Ctx, u *model.User, entity string, entityID uint64) error {
	return h.store.Update(currentUser(c).Username, func(t *store.Tx) error {
		if err := t.SaveUser(h.scope(c), u); err != nil {
			return err
		}
		return t.Log(entity, entityID, "user.update", u.Username)
	})
}

// resetPassword sets a new password chosen by the admin or manager and ends
// every session of that user.
func (h *Handler) resetPassword(c *fiber.Ctx, target *model.User, entity string, entityID uint64) error {
	pw := c.FormValue("password")
	if err := model.ValidatePassword("password", pw); err != nil {
		return err
	}
	hash, err := store.HashPassword(pw)
	if err != nil {
		return err
	}
	return h.store.Update(currentUser(c).Username, func(t *store.Tx) error {
		if _, err := t.SetPassword(h.scope(c), target.ID, hash); err != nil {
			return err
		}
		return t.Log(entity, entityID, "user.password_reset", target.Username)
	})
}

// setUserDisabled disables (ending its sessions at once) or re-enables a user.
// Nobody can disable themselves.
func (h *Handler) setUserDisabled(c *fiber.Ctx, target *model.User, disabled bool, entity string, entityID uint64) error {
	if target.ID == currentUser(c).ID {
		return model.Invalid("_form", "err.self")
	}
	target.Disabled = disabled
	target.Version = formUint(c, "version")
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return h.store.Update(currentUser(c).Username, func(t *store.Tx) error {
		if err := t.SaveUser(h.scope(c), target); err != nil {
			return err
		}
		return t.Log(entity, entityID, action, target.Username)
	})
}
