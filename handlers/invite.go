package handlers

import (
	"errors"
	"strings"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// The invitation page (用户邀请): a user created without a password (a dealer
// user the ERP pushed) opens the link of the invitation e-mail, chooses a
// password under the same rules as everywhere (model.ValidatePassword) and
// is logged in. The page is public, since the visitor has no account yet:
// the token in the path is the credential; it works once and expires
// (store.InviteUser). The form follows the CSRF rules of the login page
// (the anonymous visitor's signed secret).

const (
	tplInvite    = "auth/invite"
	invitePrefix = store.InvitationPath
)

func (h *Handler) registerInvite(r fiber.Router) {
	r.Get(invitePrefix+":token", h.showInvite)
	r.Post(invitePrefix+":token", h.acceptInvite)
}

// inviteForm is what the page shows: the account being opened, or nothing
// when the link does not work (Valid false).
type inviteForm struct {
	Valid     bool
	Token     string
	Username  string
	Name      string
	ExpiresAt time.Time
}

// loggedPath hides an invitation's token in the request log: the log must
// not become a list of ways into new accounts.
func loggedPath(p string) string {
	if strings.HasPrefix(p, invitePrefix) {
		return invitePrefix + "…"
	}
	return p
}

// inviteView prepares the page for token; the form is empty when the token
// names no live invitation.
func (h *Handler) inviteView(c *fiber.Ctx, token string) *View {
	v := h.view(c, "invite.title", nil)
	f := inviteForm{}
	_ = h.read(func(t *store.Tx) error {
		f = inviteForm{} // fn may run again (Store.View)
		inv, u, err := t.OpenInvitation(token)
		if err == nil {
			f = inviteForm{Valid: true, Token: token, Username: u.Username, Name: u.Name, ExpiresAt: inv.ExpiresAt}
		}
		return nil
	})
	v.Form = f
	return v
}

// showInvite shows the form to choose a password, or says that the link
// does not work (used, replaced by a newer one, or expired) with 404.
func (h *Handler) showInvite(c *fiber.Ctx) error {
	v := h.inviteView(c, c.Params("token"))
	status := fiber.StatusOK
	if !v.Form.(inviteForm).Valid {
		status = fiber.StatusNotFound
	}
	return h.render(c, status, tplInvite, v)
}

// acceptInvite sets the chosen password, ends the invitation and logs the
// user in (or, when the user may not log in now, e.g. a deactivated
// customer, sends them to the login page).
func (h *Handler) acceptInvite(c *fiber.Ctx) error {
	token := strings.Clone(c.Params("token"))
	v := h.inviteView(c, token)
	if !v.Form.(inviteForm).Valid {
		return h.render(c, fiber.StatusNotFound, tplInvite, v)
	}
	pw, pw2 := c.FormValue("password"), c.FormValue("confirm")
	if err := model.ValidatePassword("password", pw); err != nil {
		return h.formError(c, err, tplInvite, v)
	}
	if pw != pw2 {
		return h.formError(c, model.Invalid("confirm", "err.password_mismatch"), tplInvite, v)
	}
	hash, err := store.HashPassword(pw)
	if err != nil {
		return err
	}
	ns := h.newSession(c)
	u, canLogin, err := h.store.AcceptInvitation(v.Form.(inviteForm).Username, token, hash, v.Lang, ns)
	if errors.Is(err, model.ErrNotFound) {
		// Used or expired between the page and the post.
		v.Form = inviteForm{}
		return h.render(c, fiber.StatusNotFound, tplInvite, v)
	}
	if err != nil {
		return err
	}
	if !canLogin {
		_ = h.cookies.clearSession(c)
		h.setFlash(c, "flash.invite_accepted")
		return h.redirect(c, "/login")
	}
	if err := h.enterSession(c, ns, u); err != nil {
		return err
	}
	h.setFlash(c, "flash.invite_welcome")
	return h.redirect(c, "/")
}
