package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"
)

var (
	apiTokenRe = regexp.MustCompile(`value="(` + store.TokenPrefix + `[A-Za-z0-9_-]+)"`)
	secretRe   = regexp.MustCompile(`value="(whsec_[A-Za-z0-9_-]+)"`)
)

// Issuing a token is a create under a client (once per form token, tested
// in TestAPIClientTokenLifecycle), not an action on a document.
func init() { notDocumentActions["/settings/api/:id/tokens"] = true }

// idemOf returns the one-time form token of a page.
func idemOf(t *testing.T, r resp) string {
	t.Helper()
	m := idemRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no form token in %s", excerpt(r.Body))
	}
	return m[1]
}

// nextYear is a date a year from the store's today.
func nextYear(e *testEnv) string { return model.DateOf(e.st.Now().AddDate(1, 0, 0), e.st.Zone()) }

// apiClientForm is a complete, valid client form.
func apiClientForm(e *testEnv, name string) url.Values {
	return url.Values{"name": {name}, "scopes": {"events:read", "products:read", "products:write"},
		"org_units": {e.id("org:EAST")}, "allow_ips": {"\n0.0.0.0/0\n::/0\n"}, "rate_limit": {"1000"},
		"webhook_url": {"https://erp.example.com/hooks"}}
}

// createAPIClientUI creates a client through the form and returns its id.
func createAPIClientUI(t *testing.T, e *testEnv, c *client, name string) string {
	t.Helper()
	f := apiClientForm(e, name)
	f.Set("_idem", idemOf(t, c.get("/settings/api/new")))
	r := c.post("/settings/api", f)
	if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/settings/api/") {
		t.Fatalf("create: %d %s", r.Code, excerpt(r.Body))
	}
	return strings.TrimPrefix(r.Header.Get("Location"), "/settings/api/")
}

// issueTokenUI issues a token through the client page and returns the
// page that shows it and the token.
func issueTokenUI(t *testing.T, c *client, id string) (string, string) {
	t.Helper()
	page := c.get("/settings/api/" + id)
	r := c.post("/settings/api/"+id+"/tokens", url.Values{"_idem": {idemOf(t, page)}, "expires_at": {nextYear(c.e)}})
	if r.Code != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "?reveal=") {
		t.Fatalf("issue: %d %s %s", r.Code, r.Header.Get("Location"), excerpt(r.Body))
	}
	loc := r.Header.Get("Location")
	shown := c.get(loc)
	m := apiTokenRe.FindStringSubmatch(shown.Body)
	if shown.Code != http.StatusOK || m == nil {
		t.Fatalf("token not shown: %d %s", shown.Code, excerpt(shown.Body))
	}
	return loc, m[1]
}

func (e *testEnv) apiClientByName(name string) *model.APIClient {
	e.t.Helper()
	var out *model.APIClient
	_ = e.st.View(func(t *store.Tx) error {
		cs, err := t.APIClients()
		for _, c := range cs {
			if c.Name == name {
				out = c
			}
		}
		return err
	})
	if out == nil {
		e.t.Fatalf("no client %q", name)
	}
	return out
}

// TestAPIClientTokenLifecycle: an admin creates a client (once per form
// token), issues a token that is shown once and works, revokes it (401 at
// once), and a disabled client's token is refused too.
func TestAPIClientTokenLifecycle(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	c.get("/")
	c.post("/lang", url.Values{"lang": {"en"}})
	f := apiClientForm(e, "ERP")
	f.Set("_idem", idemOf(t, c.get("/settings/api/new")))
	first := c.post("/settings/api", f)
	again := c.post("/settings/api", f)
	if first.Code != http.StatusSeeOther || again.Header.Get("Location") != first.Header.Get("Location") {
		t.Fatalf("double create: %d %s / %s", first.Code, first.Header.Get("Location"), again.Header.Get("Location"))
	}
	id := strings.TrimPrefix(first.Header.Get("Location"), "/settings/api/")
	cl := e.apiClientByName("ERP")
	if itoa(cl.ID) != id || len(cl.Scopes) != 2 || cl.Scopes[0] != "products:write" || cl.Scopes[1] != "events:read" ||
		len(cl.OrgUnits) != 1 || len(cl.AllowIPs) != 2 || cl.RateLimit != 1000 || !strings.HasPrefix(cl.WebhookSecret, "whsec_") {
		t.Fatalf("client %+v", cl)
	}
	sysWant(t, "list", c.get("/settings/api"), http.StatusOK, "ERP", "Products: Write; Events: Read", "华东大区")

	loc, tok := issueTokenUI(t, c, id)
	if r := e.api("GET", "/me", nil, apiCallOpts{token: tok}); r.Code != http.StatusOK {
		t.Fatalf("the new token: %d %s", r.Code, r.Body)
	}
	// Shown once: the same page again says so and shows no token.
	again = c.get(loc)
	if again.Code != http.StatusOK || strings.Contains(again.Body, tok) || apiTokenRe.MatchString(again.Body) ||
		!strings.Contains(again.Body, "shown once already") {
		t.Fatalf("second look: %d %s", again.Code, excerpt(again.Body))
	}
	// The client page shows the token's first characters only.
	page := c.get("/settings/api/" + id)
	if strings.Contains(page.Body, tok) || !strings.Contains(page.Body, tok[:len(store.TokenPrefix)+6]+"…") {
		t.Fatalf("client page: %s", excerpt(page.Body))
	}
	// Revoke: 401 at once.
	var tokID uint64
	_ = e.st.View(func(tx *store.Tx) error {
		toks, _ := tx.APITokens(cl.ID)
		tokID = toks[0].ID
		return nil
	})
	r := c.post("/settings/api/"+id+"/tokens/"+itoa(tokID)+"/revoke", nil)
	sysWant(t, "revoke", r, http.StatusSeeOther)
	if r := e.api("GET", "/me", nil, apiCallOpts{token: tok}); r.Code != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", r.Code)
	}
	sysWant(t, "after revoke", c.get("/settings/api/"+id), http.StatusOK, "Revoked")
	// A disabled client's token: 401.
	_, tok2 := issueTokenUI(t, c, id)
	if r := e.api("GET", "/me", nil, apiCallOpts{token: tok2}); r.Code != http.StatusOK {
		t.Fatalf("second token: %d", r.Code)
	}
	cl = e.apiClientByName("ERP")
	f = apiClientForm(e, "ERP")
	f.Set("version", itoa(cl.Version))
	f.Set("disabled", "1")
	sysWant(t, "disable", c.post("/settings/api/"+id, f), http.StatusSeeOther)
	if r := e.api("GET", "/me", nil, apiCallOpts{token: tok2}); r.Code != http.StatusUnauthorized {
		t.Fatalf("disabled client's token: %d", r.Code)
	}
	if cl = e.apiClientByName("ERP"); !cl.Disabled || cl.WebhookSecret == "" || len(cl.Scopes) != 2 {
		t.Fatalf("after disabling: %+v", cl)
	}
	sysWant(t, "list", c.get("/settings/api"), http.StatusOK, "Disabled")
	// A double post of the issue form makes one token.
	page = c.get("/settings/api/" + id)
	form := url.Values{"_idem": {idemOf(t, page)}, "expires_at": {nextYear(e)}}
	r1, r2 := c.post("/settings/api/"+id+"/tokens", form), c.post("/settings/api/"+id+"/tokens", form)
	if r1.Header.Get("Location") != r2.Header.Get("Location") {
		t.Fatalf("double issue: %s / %s", r1.Header.Get("Location"), r2.Header.Get("Location"))
	}
	_ = e.st.View(func(tx *store.Tx) error {
		if toks, _ := tx.APITokens(cl.ID); len(toks) != 3 {
			t.Errorf("%d tokens after a double issue", len(toks))
		}
		return nil
	})
}

// TestAPIClientRevealIsPerSession: another admin's session cannot see a
// secret made in this one.
func TestAPIClientRevealIsPerSession(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	id := createAPIClientUI(t, e, c, "ERP")
	page := c.get("/settings/api/" + id)
	r := c.post("/settings/api/"+id+"/tokens", url.Values{"_idem": {idemOf(t, page)}, "expires_at": {nextYear(e)}})
	other := e.login("admin")
	if o := other.get(r.Header.Get("Location")); apiTokenRe.MatchString(o.Body) {
		t.Fatal("another session saw the token")
	}
	if mine := c.get(r.Header.Get("Location")); !apiTokenRe.MatchString(mine.Body) {
		t.Fatal("the issuing session did not see its token")
	}
}

// TestAPIClientFormErrors: bad input is shown at the fields (422) and
// nothing is saved; a bad expiry date too.
func TestAPIClientFormErrors(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	c.get("/")
	c.post("/lang", url.Values{"lang": {"zh"}})
	f := url.Values{"name": {""}, "allow_ips": {"10.0.0.300"}, "rate_limit": {"lots"}, "webhook_url": {"ftp://x"},
		"_idem": {idemOf(t, c.get("/settings/api/new"))}}
	r := c.post("/settings/api", f)
	sysWant(t, "bad form", r, http.StatusUnprocessableEntity, "请至少授予一项权限", "10.0.0.300 不是 IP 地址", "请输入 http:// 或 https://", `value="lots"`)
	mustRender(t, "bad form", r)
	_ = e.st.View(func(tx *store.Tx) error {
		if cs, _ := tx.APIClients(); len(cs) != 0 {
			t.Errorf("saved %d clients", len(cs))
		}
		return nil
	})
	id := createAPIClientUI(t, e, c, "ERP")
	page := c.get("/settings/api/" + id)
	for _, bad := range []string{"", "yesterday", "2020-01-01", "2999-01-01"} {
		r := c.post("/settings/api/"+id+"/tokens", url.Values{"_idem": {idemOf(t, page)}, "expires_at": {bad}})
		sysWant(t, "expiry "+bad, r, http.StatusUnprocessableEntity, "请选择今天之后、十年以内的到期日")
	}
	// Stale version: the conflict message, nothing overwritten.
	f = apiClientForm(e, "ERP 2")
	f.Set("version", "99")
	sysWant(t, "stale", c.post("/settings/api/"+id, f), http.StatusConflict)
	if e.apiClientByName("ERP").Name != "ERP" {
		t.Fatal("stale edit saved")
	}
}

// TestAPIClientWebhookSecret: show displays the current secret; rotate
// replaces it and shows the new one once.
func TestAPIClientWebhookSecret(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	id := createAPIClientUI(t, e, c, "ERP")
	old := e.apiClientByName("ERP")
	r := c.post("/settings/api/"+id+"/webhook-secret", nil)
	if m := secretRe.FindStringSubmatch(r.Body); r.Code != http.StatusOK || m == nil || m[1] != old.WebhookSecret {
		t.Fatalf("show: %d %s", r.Code, excerpt(r.Body))
	}
	r = c.post("/settings/api/"+id+"/webhook-secret/rotate", url.Values{"version": {itoa(old.Version)}})
	sysWant(t, "rotate", r, http.StatusSeeOther)
	shown := c.get(r.Header.Get("Location"))
	now := e.apiClientByName("ERP")
	if m := secretRe.FindStringSubmatch(shown.Body); m == nil || m[1] != now.WebhookSecret || now.WebhookSecret == old.WebhookSecret {
		t.Fatalf("rotated secret not shown: %s", excerpt(shown.Body))
	}
	if again := c.get(r.Header.Get("Location")); secretRe.MatchString(again.Body) {
		t.Fatal("the new secret was shown twice")
	}
	// A stale rotate: conflict, no new secret.
	sysWant(t, "stale rotate", c.post("/settings/api/"+id+"/webhook-secret/rotate", url.Values{"version": {itoa(old.Version)}}), http.StatusConflict)
	if e.apiClientByName("ERP").WebhookSecret != now.WebhookSecret {
		t.Fatal("stale rotate changed the secret")
	}
}

// TestAPIClientAdminOnly: every page and action answers 403 to staff who
// are not admins, and to dealers.
func TestAPIClientAdminOnly(t *testing.T) {
	e := newTestEnv(t)
	a := e.login("admin")
	id := createAPIClientUI(t, e, a, "ERP")
	for _, user := range []string{"east", "viewer", "c1.manager"} {
		c := e.login(user)
		c.get("/")
		for _, p := range []string{"/settings/api", "/settings/api/new", "/settings/api/" + id, "/settings/api/" + id + "/edit", "/settings/api/" + id + "/deliveries"} {
			if r := c.get(p); r.Code != http.StatusForbidden {
				t.Errorf("%s GET %s: %d", user, p, r.Code)
			}
		}
		for _, p := range []string{"/settings/api", "/settings/api/" + id, "/settings/api/" + id + "/tokens", "/settings/api/" + id + "/tokens/1/revoke",
			"/settings/api/" + id + "/webhook-secret", "/settings/api/" + id + "/webhook-secret/rotate", "/settings/api/" + id + "/deliveries/resend",
			"/settings/api/" + id + "/deliveries/replay", "/settings/api/" + id + "/deliveries/1/resend"} {
			if r := c.post(p, apiClientForm(e, "X")); r.Code != http.StatusForbidden {
				t.Errorf("%s POST %s: %d", user, p, r.Code)
			}
		}
		if strings.Contains(c.get("/").Body, `href="/settings/api"`) {
			t.Errorf("%s sees the navigation link", user)
		}
	}
	if !strings.Contains(a.get("/").Body, `href="/settings/api"`) {
		t.Error("the admin's navigation lacks API clients")
	}
	if r := a.get("/settings/api/999"); r.Code != http.StatusNotFound {
		t.Errorf("unknown client: %d", r.Code)
	}
}

// feedEvents puts events on the feed as the feed stores them (the
// api_events bucket, keyed by position) and queues them for client cl.
func (e *testEnv) feedEvents(cl *model.APIClient, customers ...string) {
	e.t.Helper()
	err := e.st.Update("test", func(tx *store.Tx) error {
		for _, code := range customers {
			ev := &model.FeedEvent{Event: model.EventOrderSubmitted, CustomerID: e.ids["customer:"+code], DocType: model.DocOnlineOrder,
				DocID: 1, DocNumber: "OO-2026-000001"}
			if err := tx.AppendFeedEvent(ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// attemptDeliveries makes one attempt, failed for why, at each due
// delivery of cl with the store's clock at at (which it leaves there).
func (e *testEnv) attemptDeliveries(cl *model.APIClient, why model.WebhookError, status int, at time.Time) {
	e.t.Helper()
	e.st.SetClock(func() time.Time { return at })
	err := e.st.Update("test", func(tx *store.Tx) error {
		b, err := tx.StartWebhooks(cl.ID, 100)
		if err != nil {
			return err
		}
		var rs []store.WebhookResult
		for _, a := range b.Attempts {
			rs = append(rs, store.WebhookResult{ID: a.Delivery.ID, At: at, Status: status, Err: why})
		}
		_, err = tx.FinishWebhooks(rs)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// TestWebhookDeliveriesPage: the push log lists deliveries with translated
// errors (never a transport message), filters by status, exports, and
// resends one or all dead deliveries; pages render in both languages.
func TestWebhookDeliveriesPage(t *testing.T) {
	e := newTestEnv(t)
	a := e.login("admin")
	id := createAPIClientUI(t, e, a, "ERP")
	cl := e.apiClientByName("ERP")
	// C1's first event dies after a day of 503s, its second after a day of
	// timeouts; its third is being retried (refused); C2 is outside the
	// client's org units and gets nothing.
	e.feedEvents(cl, "C1", "C1", "C2")
	now := e.st.Now()
	e.attemptDeliveries(cl, model.WebhookHTTP, 503, now)
	e.attemptDeliveries(cl, model.WebhookHTTP, 503, now.Add(25*time.Hour))
	e.attemptDeliveries(cl, model.WebhookTimedOut, 0, now.Add(25*time.Hour))
	e.attemptDeliveries(cl, model.WebhookTimedOut, 0, now.Add(50*time.Hour))
	e.feedEvents(cl, "C1")
	e.attemptDeliveries(cl, model.WebhookRefused, 0, now.Add(50*time.Hour))
	if dead, n, _ := deadOf(e, cl); n != 2 || dead[0].LastError != model.WebhookTimedOut {
		t.Fatalf("dead: %+v", dead)
	}
	a = e.login("admin")
	_, _ = issueTokenUI(t, a, id)

	pages := []string{"/settings/api", "/settings/api/new", "/settings/api/" + id, "/settings/api/" + id + "/edit",
		"/settings/api/" + id + "/deliveries", "/settings/api/" + id + "/deliveries?status=dead", "/settings/api/" + id + "/deliveries?status=pending&page=2"}
	for _, lang := range Languages {
		a.get("/")
		a.post("/lang", url.Values{"lang": {lang}})
		for _, p := range pages {
			for _, hx := range []bool{false, true} {
				var r resp
				if hx {
					r = a.get(p, "HX-Request", "true")
				} else {
					r = a.get(p)
				}
				if r.Code != http.StatusOK {
					t.Errorf("%s %s hx=%v: %d %s", lang, p, hx, r.Code, excerpt(r.Body))
					continue
				}
				mustRender(t, p, r)
			}
		}
	}
	a.post("/lang", url.Values{"lang": {"zh"}})
	r := a.get("/settings/api/" + id + "/deliveries")
	sysWant(t, "push log zh", r, http.StatusOK, "接收方返回 HTTP 503", "接收方 10 秒内未响应", "接收方拒绝连接", "推送失败", "全部重新推送", "客户C1")
	if strings.Contains(r.Body, "客户C2") {
		t.Error("an event of C2, outside the client's org units, was queued")
	}
	for _, raw := range []string{"connection refused", "dial tcp", "deadline", "Client.Timeout"} {
		if strings.Contains(r.Body, raw) {
			t.Errorf("push log shows %q", raw)
		}
	}
	a.post("/lang", url.Values{"lang": {"en"}})
	r = a.get("/settings/api/" + id + "/deliveries?status=dead")
	sysWant(t, "dead letters", r, http.StatusOK, "The receiver answered HTTP 503.", "did not answer within 10 seconds", "Resend all failed")
	if strings.Contains(r.Body, "refused the connection") {
		t.Error("the dead filter lists a pending delivery")
	}
	if x := a.get("/settings/api/" + id + "/deliveries?export=csv"); x.Code != http.StatusOK || !strings.Contains(x.Body, "whd_") {
		t.Fatalf("export: %d %s", x.Code, excerpt(x.Body))
	}
	// Resend one, then all.
	dead, _, _ := deadOf(e, cl)
	sysWant(t, "resend", a.post("/settings/api/"+id+"/deliveries/"+itoa(dead[0].ID)+"/resend", nil), http.StatusSeeOther)
	if _, n, _ := deadOf(e, cl); n != 1 {
		t.Fatalf("%d dead after resending one", n)
	}
	sysWant(t, "resend again", a.post("/settings/api/"+id+"/deliveries/"+itoa(dead[0].ID)+"/resend", nil), http.StatusForbidden)
	sysWant(t, "resend all", a.post("/settings/api/"+id+"/deliveries/resend", nil), http.StatusSeeOther)
	if _, n, _ := deadOf(e, cl); n != 0 {
		t.Fatalf("%d dead after resending all", n)
	}
	// Another client's delivery is not this one's.
	other := createAPIClientUI(t, e, a, "Other")
	sysWant(t, "foreign delivery", a.post("/settings/api/"+other+"/deliveries/"+itoa(dead[0].ID)+"/resend", nil), http.StatusNotFound)
	// Replay: the events after position 0 once more (the delivered one; the
	// pending ones are queued already); a position past the feed is refused.
	e.attemptDeliveries(cl, "", 200, e.st.Now())
	sysWant(t, "replay", a.post("/settings/api/"+id+"/deliveries/replay", url.Values{"after": {"0"}}), http.StatusSeeOther)
	r = a.post("/settings/api/"+id+"/deliveries/replay", url.Values{"after": {"999"}})
	sysWant(t, "replay past the end", r, http.StatusSeeOther)
	sysWant(t, "replay flash", a.get(r.Header.Get("Location")), http.StatusOK, "Enter a feed position")
	var all int
	_ = e.st.View(func(tx *store.Tx) error {
		_, all, _ = tx.WebhookDeliveries(cl.ID, "", store.Page{Limit: -1})
		return nil
	})
	if all != 4 {
		t.Fatalf("%d deliveries after the replay, want 3 and the delivered one again", all)
	}
}

func deadOf(e *testEnv, cl *model.APIClient) ([]*model.WebhookDelivery, int, error) {
	var ds []*model.WebhookDelivery
	err := e.st.View(func(tx *store.Tx) (err error) {
		ds, _, err = tx.WebhookDeliveries(cl.ID, model.WebhookDead, store.Page{})
		return err
	})
	return ds, len(ds), err
}
