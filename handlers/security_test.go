package handlers

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
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

// A state change from another site's page is refused even with a valid
// token; the portal's own pages (by Host, X-Forwarded-Host or --base-url)
// pass, and so does a request with neither Origin nor Referer.
func TestOriginCheck(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	save := func(headers ...string) resp {
		c.get("/account")
		return c.post("/account", url.Values{"email": {"admin@example.com"}, "lang": {"en"}}, headers...)
	}
	for _, hdr := range [][]string{
		{"Origin", "https://evil.example"},
		{"Origin", "http://example.com.evil.example"},
		{"Origin", "null"},
		{"Origin", "file://"},
		{"Referer", "https://evil.example/page"},
		{"Referer", "http://evil.example:80/?from=http://example.com/"},
		{"Origin", "https://evil.example", "Referer", "http://example.com/account"},
	} {
		r := save(hdr...)
		if r.Code != http.StatusForbidden || !strings.Contains(r.Body, "came from another site") {
			t.Errorf("%v: %d %s", hdr, r.Code, excerpt(r.Body))
		}
	}
	for _, hdr := range [][]string{
		nil,
		{"Origin", "http://example.com"},
		{"Origin", "http://EXAMPLE.com:80"},
		{"Referer", "http://example.com/account"},
		{"Origin", "https://portal.example.org", "X-Forwarded-Host", "portal.example.org"},
	} {
		if r := save(hdr...); r.Code != http.StatusSeeOther {
			t.Errorf("%v: %d %s", hdr, r.Code, excerpt(r.Body))
		}
	}
	// The login form is checked too (login CSRF), in the visitor's language.
	a := e.client()
	a.lang = "zh"
	a.get("/login")
	r := a.post("/login", url.Values{"username": {"admin"}, "password": {testPassword}}, "Origin", "https://evil.example")
	if r.Code != http.StatusForbidden || !strings.Contains(r.Body, "来自其他网站") {
		t.Errorf("foreign login: %d %s", r.Code, excerpt(r.Body))
	}
	// Behind a proxy that rewrites Host, the configured base URL is the origin.
	e.h.cfg.BaseURL = "https://portal.example.net/"
	if r := save("Origin", "https://portal.example.net"); r.Code != http.StatusSeeOther {
		t.Errorf("base URL origin: %d", r.Code)
	}
	if r := save("Origin", "http://portal.example.net"); r.Code != http.StatusForbidden {
		t.Errorf("base URL host with another scheme: %d", r.Code)
	}
}

// Logout ends the session on the server (its cookie no longer works), and
// "log out everywhere" on the account page ends every session of the user.
func TestLogoutEverywhere(t *testing.T) {
	e := newTestEnv(t)
	one, two := e.login("c1.manager"), e.login("c1.manager")
	other := e.login("c1.buyer")
	r := one.get("/account")
	if r.Code != http.StatusOK || !strings.Contains(r.Body, "/account/sessions/revoke") || !strings.Contains(r.Body, "Browsers logged in as you: 2") {
		t.Fatalf("account page: %d %s", r.Code, excerpt(r.Body))
	}
	// Logout ends the session itself, not only the cookie.
	three := e.login("c1.manager")
	saved := maps.Clone(three.cookies)
	three.get("/")
	three.post("/logout", nil)
	three.cookies = saved
	if r := three.get("/account"); r.Code != http.StatusSeeOther {
		t.Fatalf("replayed cookie after logout: %d", r.Code)
	}
	r = one.post("/account/sessions/revoke", nil)
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("revoke: %d %q", r.Code, r.Header.Get("Location"))
	}
	if r := one.get("/login"); !strings.Contains(r.Body, "logged out in every browser") {
		t.Errorf("no flash: %s", excerpt(r.Body))
	}
	for name, c := range map[string]*client{"this browser": one, "other browser": two} {
		if r := c.get("/account"); r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Errorf("%s after revoke: %d %q", name, r.Code, r.Header.Get("Location"))
		}
	}
	r = two.get("/orders", "HX-Request", "true")
	if !strings.HasPrefix(r.Header.Get("HX-Redirect"), "/login") {
		t.Errorf("HTMX after revoke: %d %v", r.Code, r.Header)
	}
	if r := other.get("/account"); r.Code != http.StatusOK {
		t.Errorf("another user's session ended too: %d", r.Code)
	}
	// Without a token the action is refused.
	four := e.login("c1.manager")
	if r := four.post("/account/sessions/revoke", url.Values{"_csrf": {"forged"}}); r.Code != http.StatusForbidden {
		t.Errorf("forged token: %d", r.Code)
	}
	if r := four.get("/account"); r.Code != http.StatusOK {
		t.Errorf("forged revoke ended the session: %d", r.Code)
	}
}

// lockoutEnv is a portal whose clients come through a trusted proxy, so that
// each test client can have its own address (X-Forwarded-For), with the
// store's clock under the test's control.
func lockoutEnv(t *testing.T) (*testEnv, func(time.Duration)) {
	e := newTestEnv(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	e.st.SetClock(func() time.Time { return now })
	e.h.cfg.TrustedProxies = []string{"0.0.0.0", "127.0.0.1"}
	e.app = e.h.App()
	return e, func(d time.Duration) { now = now.Add(d) }
}

func tryLogin(c *client, user, password, addr string) resp {
	c.get("/login", "X-Forwarded-For", addr)
	return c.post("/login", url.Values{"username": {user}, "password": {password}}, "X-Forwarded-For", addr)
}

// An attacker who fails a login at the rate that would keep a sliding
// window full cannot keep the account locked: the lock ends a fixed
// loginLock after the failure that set it, failures during it do not count.
func TestLoginLockoutEnds(t *testing.T) {
	e, advance := lockoutEnv(t)
	attacker, user := e.client(), e.client()
	for range loginPerUser {
		if r := tryLogin(attacker, "east", "wrong-password", "198.51.100.7"); r.Code != http.StatusUnauthorized {
			t.Fatalf("failure: %d", r.Code)
		}
		advance(time.Minute)
	}
	// Locked now, even with the right password, from any new browser.
	if r := tryLogin(user, "east", testPassword, "203.0.113.5"); r.Code != http.StatusTooManyRequests || !strings.Contains(r.Body, "Try again in 14 minutes") {
		t.Fatalf("locked account: %d %s", r.Code, excerpt(r.Body))
	}
	// The attacker keeps failing once a minute until the lock has ended.
	for range loginLock/time.Minute - 1 {
		tryLogin(attacker, "east", "wrong-password", "198.51.100.7")
		advance(time.Minute)
	}
	advance(time.Second)
	if r := tryLogin(attacker, "east", "wrong-password", "198.51.100.7"); r.Code != http.StatusUnauthorized {
		t.Fatalf("after the lock, a failure is counted afresh: %d", r.Code)
	}
	if r := tryLogin(user, "east", testPassword, "203.0.113.5"); r.Code != http.StatusSeeOther {
		t.Fatalf("after a fixed lock the user logs in: %d %s", r.Code, excerpt(r.Body))
	}
}

// A browser where the account has logged in before keeps its own count: an
// attacker who locks the account elsewhere does not lock it out.
func TestLoginLockoutSparesKnownBrowser(t *testing.T) {
	e, advance := lockoutEnv(t)
	user := e.client()
	if r := tryLogin(user, "south", testPassword, "203.0.113.5"); r.Code != http.StatusSeeOther {
		t.Fatalf("first login: %d", r.Code)
	}
	user.get("/")
	user.post("/logout", nil)
	attacker := e.client()
	for range loginPerUser + 3 {
		tryLogin(attacker, "south", "wrong-password", "203.0.113.5")
	}
	if r := tryLogin(e.client(), "south", testPassword, "198.51.100.9"); r.Code != http.StatusTooManyRequests {
		t.Fatalf("new browser during the lock: %d", r.Code)
	}
	advance(time.Minute)
	if r := tryLogin(user, "south", testPassword, "203.0.113.5"); r.Code != http.StatusSeeOther {
		t.Fatalf("known browser during the account's lock: %d %s", r.Code, excerpt(r.Body))
	}
	// The known browser's own failures lock only that browser's count.
	user.get("/")
	user.post("/logout", nil)
	for range loginPerDevice {
		tryLogin(user, "south", "wrong-password", "203.0.113.5")
	}
	if r := tryLogin(user, "south", testPassword, "203.0.113.5"); r.Code != http.StatusTooManyRequests {
		t.Fatalf("known browser after its own failures: %d", r.Code)
	}
	// The device cookie of one account does not help with another.
	for range loginPerUser {
		tryLogin(attacker, "own", "wrong-password", "198.51.100.7")
	}
	if r := tryLogin(user, "own", testPassword, "203.0.113.5"); r.Code != http.StatusTooManyRequests {
		t.Fatalf("another account in that browser: %d", r.Code)
	}
}

// One address may fail loginPerAddr times in a window, over any accounts;
// then it is locked for loginLock; other addresses are not; a successful
// login from the address clears its count.
func TestLoginLockoutPerAddress(t *testing.T) {
	e, advance := lockoutEnv(t)
	c := e.client()
	users := []string{"east", "south", "own", "viewer", "c1.buyer", "c2.buyer"}
	for i := range loginPerAddr - 1 {
		if r := tryLogin(c, users[i%len(users)], "wrong-password-"+itoa(uint64(i)), "192.0.2.1"); r.Code != http.StatusUnauthorized && r.Code != http.StatusTooManyRequests {
			t.Fatalf("failure %d: %d", i, r.Code)
		}
	}
	if r := tryLogin(c, "admin", testPassword, "192.0.2.1"); r.Code != http.StatusSeeOther {
		t.Fatalf("login below the address limit: %d", r.Code)
	}
	c.get("/")
	c.post("/logout", nil)
	c = e.client()
	for i := range loginPerAddr {
		tryLogin(c, "nobody"+itoa(uint64(i)), "wrong-password", "192.0.2.1")
	}
	if r := tryLogin(c, "admin", testPassword, "192.0.2.1"); r.Code != http.StatusTooManyRequests {
		t.Fatalf("address over its limit: %d", r.Code)
	}
	if r := tryLogin(e.client(), "admin", testPassword, "192.0.2.2"); r.Code != http.StatusSeeOther {
		t.Fatalf("another address: %d", r.Code)
	}
	advance(loginLock)
	if r := tryLogin(c, "admin", testPassword, "192.0.2.1"); r.Code != http.StatusSeeOther {
		t.Fatalf("address after its lock: %d", r.Code)
	}
}

// The limiter's memory is bounded: past its cap it drops what has expired,
// then the counts that end soonest, and keeps locks longest.
func TestLoginLimiterBounded(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l := newLoginLimiter(func() time.Time { return now })
	l.max = 100
	locked := []limitKey{{"u:victim", loginPerUser}}
	for range loginPerUser {
		l.fail(locked)
	}
	for i := range 500 {
		now = now.Add(time.Second)
		l.fail([]limitKey{{"u:spray" + itoa(uint64(i)), loginPerUser}})
		if len(l.entries) > l.max {
			t.Fatalf("%d entries over the cap %d", len(l.entries), l.max)
		}
	}
	if l.lockedFor(locked) == 0 {
		t.Fatal("a lock was evicted before plain counts")
	}
	now = now.Add(loginLock)
	if l.lockedFor(locked) != 0 {
		t.Fatal("lock outlived loginLock")
	}
}

// A dealer's manager creating or renaming a user learns nothing about other
// people's usernames: outside its prefix every name gets the same answer
// whether it exists or not; inside, a taken or reserved name gets one
// generic answer.
func TestDealerUsernameEnumeration(t *testing.T) {
	e := newTestEnv(t)
	m := e.login("c1.manager")
	cid := e.id("customer:C1")
	create := func(name, idem string) resp {
		m.get("/customers/" + cid + "/users/new")
		return m.post("/customers/"+cid+"/users", url.Values{"username": {name}, "name": {"X"}, "roles": {"buyer"}, "password": {testPassword}, "_idem": {idem}})
	}
	fieldErr := func(r resp) string {
		_, after, _ := strings.Cut(r.Body, `<p class="err" id="e-username">`)
		before, _, _ := strings.Cut(after, "</p>")
		return before
	}
	staff, nobody := create("admin", "a"), create("no-such-user", "b")
	other := create("c2.buyer", "c")
	for name, r := range map[string]resp{"staff name": staff, "unused name": nobody, "other dealer's name": other} {
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(fieldErr(r), "usernames start with c1.") {
			t.Errorf("%s: %d %s", name, r.Code, excerpt(fieldErr(r)))
		}
	}
	if fieldErr(staff) != fieldErr(nobody) || fieldErr(staff) != fieldErr(other) {
		t.Errorf("answers differ:\n%s\n%s\n%s", fieldErr(staff), fieldErr(nobody), fieldErr(other))
	}
	if r := m.get("/customers/" + cid + "/users/new"); !strings.Contains(r.Body, "Usernames start with c1.") {
		t.Error("form does not say the prefix")
	}
	// Inside the prefix: a taken name and a reserved one answer alike.
	taken := create("c1.buyer", "d")
	if taken.Code != http.StatusUnprocessableEntity || !strings.Contains(fieldErr(taken), "This username is not available") {
		t.Errorf("taken name: %d %s", taken.Code, excerpt(fieldErr(taken)))
	}
	if r := create("c1.wang", "e"); r.Code != http.StatusSeeOther {
		t.Fatalf("new name in the prefix: %d %s", r.Code, excerpt(fieldErr(r)))
	}
	// Renaming is held to the same rule; keeping a name outside the prefix
	// (given by staff) is allowed.
	uid := e.id("user:c1.buyer")
	m.get("/customers/" + cid + "/users/" + uid + "/edit")
	r := m.post("/customers/"+cid+"/users/"+uid, url.Values{"username": {"admin"}, "name": {"X"}, "roles": {"buyer"}, "version": {"1"}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(fieldErr(r), "usernames start with c1.") {
		t.Errorf("rename to a staff name: %d %s", r.Code, excerpt(fieldErr(r)))
	}
	// Staff get the same generic answer for a taken name, staff or dealer.
	a := e.login("admin")
	a.get("/customers/" + cid + "/users/new")
	for _, name := range []string{"east", "c2.manager"} {
		r := a.post("/customers/"+cid+"/users", url.Values{"username": {name}, "name": {"X"}, "roles": {"buyer"}, "password": {testPassword}, "_idem": {"s-" + name}})
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(fieldErr(r), "This username is not available") {
			t.Errorf("staff creating %s: %d %s", name, r.Code, excerpt(fieldErr(r)))
		}
	}
}
