package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSafePath(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"/customers", "/customers"},
		{"/orders?status=open&page=2", "/orders?status=open&page=2"},
		{"/catalog/12?back=%2Fcart", "/catalog/12?back=%2Fcart"},
		{"/", "/"},
		{"", "-"},
		{"/\t/evil.example", "-"},
		{"/%09/evil.example", "-"},
		{"/%0a/evil.example", "-"},
		{"/%0d%0aSet-Cookie:x=1", "-"},
		{"/\n/evil.example", "-"},
		{"/x\x7f", "-"},
		{"//evil.example", "-"},
		{"/\\evil.example", "-"},
		{"\\\\evil.example", "-"},
		{"/ok\\..\\evil", "-"},
		{"/%5cevil.example", "-"},
		{"/%2f/evil.example", "-"},
		{"/%2F%2Fevil.example", "-"},
		{"%2F%2Fevil.example", "-"},
		{"/%252F/evil.example", "-"},
		{"/%25252F/evil.example", "-"},
		{"/%zz", "-"},
		{"https://evil.example/", "-"},
		{"javascript:alert(1)", "-"},
		{"evil.example", "-"},
		{"/" + strings.Repeat("a", maxRedirectLen), "-"},
	} {
		if got := safePath(tc.in, "-"); got != tc.want {
			t.Errorf("safePath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The login page, the login form, the language switch and the back field of
// a form never send the browser to another host.
func TestNoOpenRedirect(t *testing.T) {
	e := newTestEnv(t)
	c := e.client()
	r := c.get("/login?next=/%09/evil.example")
	if !strings.Contains(r.Body, `<input type="hidden" name="next" value="/">`) {
		t.Fatalf("login form keeps the foreign next: %s", excerpt(r.Body))
	}
	r = c.post("/login", url.Values{"username": {"admin"}, "password": {testPassword}, "next": {"/\t/evil.example"}})
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("login with next=/\\t/evil.example: %d %q", r.Code, r.Header.Get("Location"))
	}
	c.get("/")
	for _, next := range []string{"/\t/evil.example", "/%09/evil.example", "//evil.example", "/\\evil.example"} {
		r = c.post("/lang", url.Values{"lang": {"en"}, "next": {next}})
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Errorf("lang with next=%q: %d %q", next, r.Code, r.Header.Get("Location"))
		}
	}
	b := e.login("c1.buyer")
	b.get("/catalog")
	for _, back := range []string{"/\t/evil.example", "/%09/evil.example", "/%2F/evil.example"} {
		r = b.post("/catalog/selected", url.Values{"action": {"cart"}, "back": {back}})
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/catalog" {
			t.Errorf("back=%q: %d %q", back, r.Code, r.Header.Get("Location"))
		}
	}
}
