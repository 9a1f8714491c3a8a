package handlers

import (
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplAccount  = "account/profile"
	tplPassword = "account/password"
)

func (h *Handler) registerAccount(r fiber.Router) {
	r.Get("/account", h.showAccount)
	r.Post("/account", h.updateAccount)
	r.Get("/account/password", h.showPassword)
	r.Post("/account/password", h.changePassword)
	r.Post("/account/sessions/revoke", h.logoutEverywhere)
}

type accountForm struct {
	Email, Mobile, Lang string
}

// accountData is what the account page shows besides the form: how many
// browsers are logged in as the user.
type accountData struct {
	Sessions int
}

func (h *Handler) accountView(c *fiber.Ctx) *View {
	u := currentUser(c)
	d := &accountData{}
	_ = h.read(func(t *store.Tx) error { d.Sessions = t.UserSessionCount(u.ID); return nil })
	return h.view(c, "account.title", d)
}

func (h *Handler) showAccount(c *fiber.Ctx) error {
	u := currentUser(c)
	v := h.accountView(c)
	v.Form = accountForm{Email: u.Email, Mobile: u.Mobile, Lang: u.Lang}
	return h.render(c, fiber.StatusOK, tplAccount, v)
}

// logoutEverywhere ends every session of the user, this one included: each
// browser logged in as the user gets the login page at its next request.
func (h *Handler) logoutEverywhere(c *fiber.Ctx) error {
	u := currentUser(c)
	if err := h.store.EndAllSessions(store.Actor{User: u}); err != nil {
		return err
	}
	return h.toLogin(c, "sec.logged_out_everywhere")
}

// updateAccount saves the user's own e-mail, mobile and language.
func (h *Handler) updateAccount(c *fiber.Ctx) error {
	u := currentUser(c)
	f := accountForm{Email: strings.TrimSpace(c.FormValue("email")), Mobile: strings.TrimSpace(c.FormValue("mobile")), Lang: c.FormValue("lang")}
	v := h.accountView(c)
	v.Form = f
	in := store.AccountInput{Email: f.Email, Mobile: f.Mobile}
	if validLang(f.Lang) {
		in.Lang = f.Lang
	}
	if err := h.store.SaveAccount(store.Actor{User: u}, in); err != nil {
		return h.formError(c, err, tplAccount, v)
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/account")
}

func (h *Handler) showPassword(c *fiber.Ctx) error {
	return h.render(c, fiber.StatusOK, tplPassword, h.view(c, "password.title", nil))
}

// changePassword checks the current password, stores the new one, ends every
// session of the user (other browsers are logged out) and starts a new one here.
func (h *Handler) changePassword(c *fiber.Ctx) error {
	u := currentUser(c)
	v := h.view(c, "password.title", nil)
	cur, pw, pw2 := c.FormValue("current"), c.FormValue("password"), c.FormValue("confirm")
	ve := &model.ValidationError{}
	if !store.CheckPassword(u.PasswordHash, cur) {
		ve.Add("current", "err.password_wrong", nil)
	}
	if err := model.ValidatePassword("password", pw); err != nil {
		ve.Fields = append(ve.Fields, err.(*model.ValidationError).Fields...)
	} else if pw != pw2 {
		ve.Add("confirm", "err.password_mismatch", nil)
	}
	if ve.Err() != nil {
		return h.formError(c, ve, tplPassword, v)
	}
	hash, err := store.HashPassword(pw)
	if err != nil {
		return err
	}
	ns := h.newSession(c)
	updated, err := h.store.ChangePassword(store.Actor{User: u}, hash, ns)
	if err != nil {
		return err
	}
	if err := h.enterSession(c, ns, updated); err != nil {
		return err
	}
	h.setFlash(c, "flash.password_changed")
	return h.redirect(c, "/account")
}
