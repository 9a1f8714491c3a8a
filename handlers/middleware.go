package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
	"github.com/gorilla/securecookie"
)

const (
	localUser    = "user"
	localSession = "session"
	localLang    = "lang"
	localReqID   = "reqid"
	localScope   = "scope"
	localUnread  = "unread"
)

// currentUser is the logged-in user, or nil on public pages.
func currentUser(c *fiber.Ctx) *model.User {
	u, _ := c.Locals(localUser).(*model.User)
	return u
}

func currentSession(c *fiber.Ctx) *store.Session {
	s, _ := c.Locals(localSession).(*store.Session)
	return s
}

func lang(c *fiber.Ctx) string {
	if l, ok := c.Locals(localLang).(string); ok {
		return l
	}
	// Before the session middleware ran (e.g. a body refused by the server).
	if cl := c.Cookies("lang"); validLang(cl) {
		return cl
	}
	return pickLang(c.Get(fiber.HeaderAcceptLanguage))
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localReqID).(string)
	return id
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// requestLog gives each request an id and logs it with user, status and
// latency. Never bodies, cookies or passwords.
func (h *Handler) requestLog(c *fiber.Ctx) error {
	start := time.Now()
	id := randomHex(8)
	c.Locals(localReqID, id)
	c.Set("X-Request-Id", id)
	err := c.Next()
	if err != nil {
		if herr := h.errorHandler(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	user := ""
	if u := currentUser(c); u != nil {
		user = u.Username
	}
	elapsed := time.Since(start)
	route := c.Method() + " " + c.Route().Path
	h.metrics.record(route, c.Response().StatusCode(), elapsed)
	h.log.Info("http", "req", id, "method", c.Method(), "path", loggedPath(c.Path()), "route", c.Route().Path, "status", c.Response().StatusCode(),
		"user", user, "ms", elapsed.Milliseconds())
	return nil
}

func (h *Handler) recoverPanic(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			h.log.Error("panic", "req", requestID(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return c.Next()
}

// csp allows only the portal's own scripts and styles: no inline script.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func (h *Handler) securityHeaders(c *fiber.Ctx) error {
	h.setSecurityHeaders(c)
	return c.Next()
}

// setSecurityHeaders puts the headers every response carries. The middleware
// calls it, and so does the error handler: errors found by the server before
// any middleware runs (a body over BodyLimit, a header too large) go straight
// to the error handler.
func (h *Handler) setSecurityHeaders(c *fiber.Ctx) {
	c.Set("Content-Security-Policy", csp)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if h.cfg.SecureCookies {
		c.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
}

// loadSession reads the session cookie and, when it names a live session of a
// user who may still log in under the same auth epoch, puts the user and the
// session in Locals. It also picks the language: the user's own, else the
// lang cookie, else Accept-Language.
func (h *Handler) loadSession(c *fiber.Ctx) error {
	if raw := c.Cookies(h.cookies.name); raw != "" {
		gen, orgGen := h.store.AuthGen(), h.store.OrgGen()
		e := h.signIns.get(raw, gen, orgGen)
		if e == nil {
			e = h.readSignIn(c, raw)
			if e != nil {
				// Fiber's strings point into the request's buffer, which
				// the next request reuses: the key must be a copy.
				h.signIns.put(strings.Clone(raw), gen, orgGen, e)
			}
		}
		now := h.store.Now()
		if e != nil && now.Before(e.sess.ExpiresAt) {
			// Each request gets its own copies: a handler may change them.
			sess, user := *e.sess, *e.user
			c.Locals(localSession, &sess)
			c.Locals(localUser, &user)
			c.Locals(localScope, e.scope)
			// The header's polled inbox count does not keep an idle session alive.
			if now.Sub(sess.LastSeen) > 5*time.Minute && c.Path() != "/inbox/count" {
				h.touchSession(&sess)
			}
		}
	}
	l := lang(c)
	if u := currentUser(c); u != nil && validLang(u.Lang) {
		l = u.Lang
	}
	c.Locals(localLang, l)
	return c.Next()
}

// readSignIn verifies the session cookie raw and reads its live session, a
// user who may still sign in under the same auth epoch, and the user's
// scope; nil when there is none.
func (h *Handler) readSignIn(c *fiber.Ctx, raw string) *signIn {
	var sid string
	if securecookie.DecodeMulti(h.cookies.name, raw, &sid, h.cookies.codecs...) != nil || sid == "" {
		return nil
	}
	var e *signIn
	_ = h.read(func(t *store.Tx) error {
		e = nil // fn may run again (Store.View): a second run may find no session
		s, err := t.Session(sid)
		if err != nil {
			return nil
		}
		u, err := t.UserByID(s.UserID)
		if err != nil || u.AuthEpoch != s.Epoch || !t.CanLogin(u) {
			return nil
		}
		e = &signIn{sess: s, user: u}
		return nil
	})
	if e != nil {
		e.scope = h.store.ScopeFor(e.user)
	}
	return e
}

// touchSession extends an active session (sliding idle timeout), at most
// every few minutes, so that reads stay read-only transactions. It shares
// the commit of concurrent writers (it re-reads the session on every run).
func (h *Handler) touchSession(s *store.Session) {
	_ = h.store.Batch("system", func(t *store.Tx) error {
		cur, err := t.Session(s.ID)
		if err != nil {
			return nil
		}
		cur.LastSeen = t.Now
		cur.ExpiresAt = minTime(t.Now.Add(sessionIdle), cur.CreatedAt.Add(sessionMaxAge))
		return t.SaveSession(cur)
	})
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Session lifetimes: idle timeout, and the absolute limit of one login.
const (
	sessionIdle   = 12 * time.Hour
	sessionMaxAge = 7 * 24 * time.Hour
)

// publicPaths need no login.
func isPublic(path string) bool {
	switch path {
	case "/login", "/lang", "/healthz", "/readyz", "/favicon.ico":
		return true
	}
	// An invitation page: its secret token is the visitor's only credential.
	return strings.HasPrefix(path, "/static/") || strings.HasPrefix(path, invitePrefix)
}

// requireLogin sends anonymous requests for private pages to the login page:
// a redirect, or HX-Redirect for HTMX so the whole page changes.
func (h *Handler) requireLogin(c *fiber.Ctx) error {
	if currentUser(c) != nil || isPublic(c.Path()) {
		return c.Next()
	}
	target := "/login"
	if c.Method() == fiber.MethodGet && c.Path() != "/" {
		target += "?next=" + url.QueryEscape(string(c.Request().URI().RequestURI()))
	}
	if c.Cookies(h.cookies.name) != "" {
		h.setFlash(c, "flash.session_expired")
	}
	if c.Get("HX-Request") == "true" {
		c.Set("HX-Redirect", target)
		return c.SendStatus(fiber.StatusUnauthorized)
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// setFlash remembers a catalog key to show as a confirmation on the next page.
func (h *Handler) setFlash(c *fiber.Ctx, key string) {
	c.Cookie(&fiber.Cookie{Name: "flash", Value: key, Path: "/", HTTPOnly: true, SameSite: "Lax", Secure: h.cfg.SecureCookies, MaxAge: 60})
}

// takeFlash returns the translated pending flash message and clears it.
func (h *Handler) takeFlash(c *fiber.Ctx, lang string) string {
	key := c.Cookies("flash")
	if key == "" || !h.i18n.Has(key) {
		return ""
	}
	c.Cookie(&fiber.Cookie{Name: "flash", Value: "", Path: "/", HTTPOnly: true, SameSite: "Lax", Secure: h.cfg.SecureCookies, Expires: time.Unix(1, 0), MaxAge: -1})
	return h.i18n.T(lang, key)
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
