package handlers

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLoginLogout(t *testing.T) {
	e := newTestEnv(t)
	c := e.client()
	r := c.get("/customers")
	if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
		t.Fatalf("anonymous /customers: %d %s", r.Code, r.Header.Get("Location"))
	}
	c.get("/login")
	r = c.post("/login", url.Values{"username": {"admin"}, "password": {"wrong-password"}})
	if r.Code != http.StatusUnauthorized || !strings.Contains(r.Body, "Wrong username or password") {
		t.Fatalf("wrong password: %d", r.Code)
	}
	c.lang = "zh"
	r = c.post("/login", url.Values{"username": {"admin"}, "password": {"wrong-password"}})
	if !strings.Contains(r.Body, "用户名或密码错误") {
		t.Fatalf("wrong password in Chinese: %s", excerpt(r.Body))
	}
	c.lang = "en"
	r = c.post("/login", url.Values{"username": {"admin"}, "password": {testPassword}, "next": {"/customers"}})
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/customers" {
		t.Fatalf("login: %d %s", r.Code, r.Header.Get("Location"))
	}
	if r := c.get("/customers"); r.Code != http.StatusOK || !strings.Contains(r.Body, "C1") || !strings.Contains(r.Body, "C2") {
		t.Fatalf("admin customers: %d", r.Code)
	}
	c.post("/logout", nil)
	if r := c.get("/customers"); r.Code != http.StatusSeeOther {
		t.Fatalf("after logout: %d", r.Code)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newTestEnv(t)
	c := e.client()
	c.get("/login")
	for i := 0; i < 5; i++ {
		c.post("/login", url.Values{"username": {"east"}, "password": {"nope-nope"}})
	}
	r := c.post("/login", url.Values{"username": {"east"}, "password": {testPassword}})
	if r.Code != http.StatusTooManyRequests || !strings.Contains(r.Body, "Too many failed attempts") {
		t.Fatalf("sixth attempt: %d %s", r.Code, excerpt(r.Body))
	}
	// Another account from the same address is not locked yet.
	r = c.post("/login", url.Values{"username": {"south"}, "password": {testPassword}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("other account: %d", r.Code)
	}
}

func TestCSRFRequired(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	c.get("/customers/new")
	r := c.post("/customers", url.Values{"_csrf": {"forged"}, "code": {"X1"}, "name": {"X"}, "org_unit_id": {e.id("org:SH")}, "status": {"active"}})
	if r.Code != http.StatusForbidden || !strings.Contains(r.Body, "form has expired") {
		t.Fatalf("forged token: %d", r.Code)
	}
	// A token masked for one response is accepted in the next request: masks differ, secret is the same.
	first := c.csrf
	c.get("/customers/new")
	if c.csrf == first {
		t.Fatal("token not masked per response")
	}
	r = c.post("/customers", url.Values{"_csrf": {first}, "code": {"X1"}, "name": {"X"}, "org_unit_id": {e.id("org:SH")}, "status": {"active"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("valid older mask: %d %s", r.Code, excerpt(r.Body))
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newTestEnv(t)
	r := e.client().get("/login")
	for h, want := range map[string]string{
		"Content-Security-Policy": "script-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
	} {
		if !strings.Contains(r.Header.Get(h), want) {
			t.Errorf("%s = %q", h, r.Header.Get(h))
		}
	}
	if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Error("no frame-ancestors")
	}
	if strings.Contains(r.Body, "<script>") || strings.Contains(r.Body, " onclick=") {
		t.Error("inline script in page")
	}
	var sessionCookie string
	c := e.login("admin")
	_ = c
	req := e.client()
	req.get("/login")
	res := req.post("/login", url.Values{"username": {"admin"}, "password": {testPassword}})
	for _, v := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "portal_session=") {
			sessionCookie = v
		}
	}
	if !strings.Contains(sessionCookie, "HttpOnly") || !strings.Contains(strings.ToLower(sessionCookie), "samesite=lax") {
		t.Errorf("session cookie flags: %s", sessionCookie)
	}
}

func TestNotFoundAndHTMX(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	if r := c.get("/no/such/page"); r.Code != http.StatusNotFound || !strings.Contains(r.Body, "does not exist") {
		t.Fatalf("unknown route: %d", r.Code)
	}
	if r := c.get("/customers/999999"); r.Code != http.StatusNotFound {
		t.Fatalf("unknown id: %d", r.Code)
	}
	if r := c.get("/customers/abc"); r.Code != http.StatusNotFound {
		t.Fatalf("bad id: %d", r.Code)
	}
	full := c.get("/customers")
	frag := c.get("/customers", "HX-Request", "true")
	if !strings.Contains(full.Body, "<html") || strings.Contains(frag.Body, "<html") || !strings.Contains(frag.Body, "C1") {
		t.Fatal("fragment vs page")
	}
	if frag.Header.Get("Vary") == "" || !strings.Contains(frag.Header.Get("Vary"), "HX-Request") {
		t.Fatalf("Vary: %q", frag.Header.Get("Vary"))
	}
	restore := c.get("/customers", "HX-Request", "true", "HX-History-Restore-Request", "true")
	if !strings.Contains(restore.Body, "<html") {
		t.Fatal("history restore must get the full page")
	}
	// An expired session under HTMX gets HX-Redirect to the login page.
	anon := e.client()
	r := anon.get("/customers", "HX-Request", "true")
	if r.Header.Get("HX-Redirect") == "" {
		t.Fatalf("HTMX without session: %d %v", r.Code, r.Header)
	}
}

// A body over BodyLimit is refused by the server before any middleware runs;
// its 413 page carries the same security headers as every other page.
func TestBodyTooLarge(t *testing.T) {
	e := newTestEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.app.Listener(ln)
	t.Cleanup(func() { e.app.Shutdown() })
	// Announce an oversized body: the server refuses it from the header alone.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: x\r\nAccept-Language: en\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", BodyLimit+10)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "too large") {
		t.Fatalf("oversized body: %d %s", res.StatusCode, excerpt(string(body)))
	}
	page := e.client().get("/login")
	for _, name := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy", "Permissions-Policy"} {
		if got, want := res.Header.Get(name), page.Header.Get(name); got == "" || got != want {
			t.Errorf("413 %s = %q, other pages %q", name, got, want)
		}
	}
}
