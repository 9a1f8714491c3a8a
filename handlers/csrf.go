package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// cookieCodec signs and encrypts the portal's cookies with gorilla's
// securecookie and builds them with gorilla/sessions' options: the session
// cookie holds only the id of a server-side session record; the anonymous
// cookie holds the CSRF secret of a visitor who has not logged in yet.
type cookieCodec struct {
	name     string
	anonName string
	codecs   []securecookie.Codec
	opts     *sessions.Options
	// device signs the device cookie, which outlives sessions.
	device []securecookie.Codec
}

func newCookieCodec(key []byte, secure bool) *cookieCodec {
	sc := securecookie.New(key[:32], key[32:64])
	sc.MaxAge(int(sessionMaxAge / time.Second))
	dc := securecookie.New(key[:32], key[32:64])
	dc.MaxAge(int(deviceMaxAge / time.Second))
	return &cookieCodec{
		device:   []securecookie.Codec{dc},
		name:     "portal_session",
		anonName: "portal_anon",
		codecs:   []securecookie.Codec{sc},
		opts: &sessions.Options{
			Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
			MaxAge: int(sessionMaxAge / time.Second),
		},
	}
}

func (cc *cookieCodec) read(c *fiber.Ctx, name string) string {
	var v string
	if !decodeCookie(c, name, &v, cc.codecs) {
		return ""
	}
	return v
}

// decodeCookie decodes the signed cookie name into dst; false when it is
// absent or does not verify with codecs.
func decodeCookie(c *fiber.Ctx, name string, dst any, codecs []securecookie.Codec) bool {
	raw := c.Cookies(name)
	return raw != "" && securecookie.DecodeMulti(name, raw, dst, codecs...) == nil
}

func (cc *cookieCodec) write(c *fiber.Ctx, name, value string, maxAge int) error {
	enc, err := securecookie.EncodeMulti(name, value, cc.codecs...)
	if err != nil {
		return err
	}
	opts := *cc.opts
	opts.MaxAge = maxAge
	hc := sessions.NewCookie(name, enc, &opts)
	c.Cookie(&fiber.Cookie{
		Name: hc.Name, Value: hc.Value, Path: hc.Path, HTTPOnly: hc.HttpOnly, Secure: hc.Secure,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: hc.MaxAge, Expires: hc.Expires,
	})
	return nil
}

func (cc *cookieCodec) sessionID(c *fiber.Ctx) string { return cc.read(c, cc.name) }

// deviceCookie is the cookie that marks a browser where an account has
// logged in: the login limits count that browser's failures for the
// account on their own (see loginLimiter).
const (
	deviceCookie = "portal_device"
	deviceMaxAge = 90 * 24 * time.Hour
)

// knownDevice returns the id of the browser's device cookie when it was
// issued to username, else "".
func (cc *cookieCodec) knownDevice(c *fiber.Ctx, username string) string {
	var v [2]string
	if !decodeCookie(c, deviceCookie, &v, cc.device) || v[0] != username {
		return ""
	}
	return v[1]
}

// setDevice marks the browser as one where username logged in, keeping its
// device id when it has one for that user.
func (cc *cookieCodec) setDevice(c *fiber.Ctx, username, id string) error {
	if id == "" {
		id = randomHex(16)
	}
	enc, err := securecookie.EncodeMulti(deviceCookie, [2]string{username, id}, cc.device...)
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{
		Name: deviceCookie, Value: enc, Path: "/login", HTTPOnly: true, Secure: cc.opts.Secure,
		SameSite: fiber.CookieSameSiteStrictMode, MaxAge: int(deviceMaxAge / time.Second),
	})
	return nil
}

func (cc *cookieCodec) setSession(c *fiber.Ctx, id string) error {
	return cc.write(c, cc.name, id, cc.opts.MaxAge)
}

func (cc *cookieCodec) clearSession(c *fiber.Ctx) error { return cc.write(c, cc.name, "", -1) }

// csrfSecret returns the raw CSRF secret of the request: the session's, or
// for an anonymous visitor the one in its signed cookie (created on demand).
func (h *Handler) csrfSecret(c *fiber.Ctx, create bool) []byte {
	if s := currentSession(c); s != nil {
		b, _ := base64.RawURLEncoding.DecodeString(s.CSRF)
		return b
	}
	if v, ok := c.Locals("anon_csrf").([]byte); ok {
		return v
	}
	if v := h.cookies.read(c, h.cookies.anonName); v != "" {
		if b, err := base64.RawURLEncoding.DecodeString(v); err == nil && len(b) == 32 {
			return b
		}
	}
	if !create {
		return nil
	}
	b := newSecret()
	_ = h.cookies.write(c, h.cookies.anonName, base64.RawURLEncoding.EncodeToString(b), 0)
	c.Locals("anon_csrf", b)
	return b
}

func newSecret() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// csrfToken returns the CSRF token for this response, masked with a fresh
// one-time pad so that it differs in every response and compression (BREACH)
// cannot recover it.
func (h *Handler) csrfToken(c *fiber.Ctx) string {
	secret := h.csrfSecret(c, true)
	pad := newSecret()
	out := make([]byte, 64)
	copy(out, pad)
	for i := range 32 {
		out[32+i] = pad[i] ^ secret[i]
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

// validCSRF unmasks a token and compares it in constant time.
func validCSRF(token string, secret []byte) bool {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 64 || len(secret) != 32 {
		return false
	}
	got := make([]byte, 32)
	for i := range 32 {
		got[i] = raw[i] ^ raw[32+i]
	}
	return subtle.ConstantTimeCompare(got, secret) == 1
}

// checkCSRF refuses a state-changing request that a page of another site
// sent (its Origin, else its Referer, names another host), or that lacks a
// valid token from the form field _csrf or the X-CSRF-Token header (sent by
// htmx via hx-headers).
func (h *Handler) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if !h.sameOrigin(c) {
		return errForeignOrigin
	}
	token := c.Get("X-CSRF-Token")
	if token == "" {
		token = c.FormValue("_csrf")
	}
	if !validCSRF(token, h.csrfSecret(c, false)) {
		return fiber.NewError(fiber.StatusForbidden, "csrf")
	}
	return c.Next()
}

// errForeignOrigin refuses a state change sent from another site's page.
var errForeignOrigin = fiber.NewError(fiber.StatusForbidden, "foreign origin")

// sameOrigin reports whether a state-changing request comes from one of the
// portal's own pages. The source is the Origin header, else the Referer
// (browsers send one of them with every form post and fetch; the portal's
// same-origin referrer policy keeps the Referer for its own pages). With
// neither header the request passes here and the token alone decides: some
// privacy tools strip both. "null" (sandboxed frames, data: URLs, a
// cross-site redirect) never passes.
//
// The portal's own host is the request's Host, the X-Forwarded-Host a
// proxy sets (Fiber reads it only from a trusted proxy when
// --trusted-proxies is set), or the host of --base-url (with its scheme).
// Only the host is compared with the request's: behind a proxy that ends TLS
// the portal itself sees plain HTTP.
func (h *Handler) sameOrigin(c *fiber.Ctx) bool {
	src := c.Get(fiber.HeaderOrigin)
	if src == "" {
		src = c.Get(fiber.HeaderReferer)
		if src == "" {
			return true
		}
	}
	u, err := url.Parse(src)
	if err != nil || u.Host == "" || u.User != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	host := normHost(u.Host, u.Scheme)
	if normHost(string(c.Request().Host()), u.Scheme) == host || normHost(c.Hostname(), u.Scheme) == host {
		return true
	}
	b, err := url.Parse(h.cfg.BaseURL)
	return err == nil && b.Host != "" && strings.EqualFold(b.Scheme, u.Scheme) && normHost(b.Host, b.Scheme) == host
}

// normHost lowercases host and drops the scheme's default port, as browsers
// do in an Origin.
func normHost(host, scheme string) string {
	host = strings.ToLower(strings.TrimSpace(host))
	switch {
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		host = strings.TrimSuffix(host, ":80")
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		host = strings.TrimSuffix(host, ":443")
	}
	return host
}
