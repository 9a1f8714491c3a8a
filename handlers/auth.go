package handlers

import (
	"encoding/base64"
	"strings"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const tplLogin = "auth/login"

func (h *Handler) registerAuth(r fiber.Router) {
	r.Get("/login", h.showLogin)
	r.Post("/login", h.login)
	r.Post("/logout", h.logout)
	r.Post("/lang", h.switchLang)
}

type loginForm struct {
	Username string
	Next     string
}

func (h *Handler) showLogin(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	v := h.view(c, "login.title", nil)
	v.Form = loginForm{Next: safePath(c.Query("next"), "/")}
	return h.render(c, fiber.StatusOK, tplLogin, v)
}

// login checks the password under the rate limits and starts a new session
// (a new id: the session is rotated at every login).
func (h *Handler) login(c *fiber.Ctx) error {
	username := strings.ToLower(strings.TrimSpace(c.FormValue("username")))
	password := c.FormValue("password")
	form := loginForm{Username: username, Next: safePath(c.FormValue("next"), "/")}
	v := h.view(c, "login.title", nil)
	v.Form = form
	fail := func(status int, key string, args ...any) error {
		v.Errors = map[string]string{"_form": h.i18n.T(v.Lang, key, args...)}
		return h.render(c, status, tplLogin, v)
	}
	if username == "" || password == "" {
		return fail(fiber.StatusUnprocessableEntity, "login.missing")
	}
	device := h.cookies.knownDevice(c, username)
	limits := loginKeys(username, c.IP(), device)
	if wait := h.limiter.lockedFor(limits); wait > 0 {
		return fail(fiber.StatusTooManyRequests, "login.locked", "minutes", int((wait+time.Minute-1)/time.Minute))
	}
	var user *model.User
	_ = h.read(func(t *store.Tx) error {
		user = nil // fn may run again (Store.View): a second run may find no user
		u, err := t.UserByUsername(username)
		if err == nil {
			user = u
		}
		return nil
	})
	if user == nil {
		// Spend the same time as a real check so that timing does not tell
		// which usernames exist.
		store.CheckPassword(dummyHash, password)
		h.limiter.fail(limits)
		return fail(fiber.StatusUnauthorized, "login.wrong")
	}
	if !store.CheckPassword(user.PasswordHash, password) {
		h.limiter.fail(limits)
		return fail(fiber.StatusUnauthorized, "login.wrong")
	}
	var canLogin bool
	_ = h.read(func(t *store.Tx) error { canLogin = t.CanLogin(user); return nil })
	if !canLogin {
		return fail(fiber.StatusForbidden, "login.disabled")
	}
	h.limiter.succeed(limits)
	lang := "" // the login page's language becomes that of a user without one
	if old := c.Cookies("lang"); !validLang(user.Lang) && validLang(old) {
		lang = old
	}
	ns := h.newSession(c)
	user, err := h.store.StartSession(store.Actor{User: user}, ns, lang)
	if err != nil {
		return err
	}
	if err := h.enterSession(c, ns, user); err != nil {
		return err
	}
	if err := h.cookies.setDevice(c, username, device); err != nil {
		return err
	}
	return h.redirect(c, form.Next)
}

var dummyHash, _ = store.HashPassword("timing-equaliser")

// newSession prepares a fresh server-side session for the request (the
// use case that starts it sets its user) that ends the request's previous
// one.
func (h *Handler) newSession(c *fiber.Ctx) store.NewSession {
	now := h.store.Now()
	return store.NewSession{Prev: h.cookies.sessionID(c), Session: &store.Session{
		ID:        randomHex(32),
		CSRF:      base64.RawURLEncoding.EncodeToString(newSecret()),
		CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(sessionIdle),
		IP: c.IP(), UserAgent: truncate(string(c.Request().Header.UserAgent()), 200),
	}}
}

// enterSession makes the started session ns of user the request's and sets
// the cookie.
func (h *Handler) enterSession(c *fiber.Ctx, ns store.NewSession, user *model.User) error {
	sess := ns.Session
	c.Locals(localSession, sess)
	c.Locals(localUser, user)
	c.Locals(localScope, h.store.ScopeFor(user))
	return h.cookies.setSession(c, sess.ID)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (h *Handler) logout(c *fiber.Ctx) error {
	if s := currentSession(c); s != nil {
		if err := h.store.EndSession(h.actor(c, ""), s.ID); err != nil {
			return err
		}
	}
	return h.toLogin(c, "flash.logged_out")
}

// toLogin ends the browser's session cookie and sends it to the login page
// with the flash message key: a whole-page load, since the CSRF secret
// changes with the session.
func (h *Handler) toLogin(c *fiber.Ctx, flash string) error {
	_ = h.cookies.clearSession(c)
	h.setFlash(c, flash)
	if c.Get("HX-Request") == "true" {
		c.Set("HX-Redirect", "/login")
		return c.SendStatus(fiber.StatusOK)
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// switchLang sets the language: on the user's record when logged in, and in
// a cookie for the login page.
func (h *Handler) switchLang(c *fiber.Ctx) error {
	l := c.FormValue("lang")
	if !validLang(l) {
		return fiber.ErrBadRequest
	}
	c.Cookie(&fiber.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: "Lax", Secure: h.cfg.SecureCookies, HTTPOnly: true})
	if u := currentUser(c); u != nil {
		if err := h.store.SetLanguage(h.actor(c, ""), l); err != nil {
			return err
		}
	}
	back := safePath(c.FormValue("next"), "/")
	if c.Get("HX-Request") == "true" {
		// The whole page changes language, header included.
		c.Set("HX-Redirect", back)
		return c.SendStatus(fiber.StatusOK)
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}
