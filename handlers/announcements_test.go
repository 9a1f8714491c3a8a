package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"dealerportal/demo"
	"dealerportal/model"
	"dealerportal/notify"
	"dealerportal/store"
)

// messagingScopeFixtures gives each customer C1, C2 an announcement
// published to it alone with an attachment ("ann:C1", "annatt:C1") and its
// buyer an in-app message about it ("msg:C1").
func messagingScopeFixtures(t *testing.T, e *testEnv) {
	t.Helper()
	err := e.st.Update("admin", func(tx *store.Tx) error {
		if _, err := tx.AddMissingTemplates(demo.DefaultTemplates()); err != nil {
			return err
		}
		admin, err := tx.UserByID(e.ids["user:admin"])
		if err != nil {
			return err
		}
		for _, code := range []string{"C1", "C2"} {
			a := &model.Announcement{Title: "通知 " + code, Body: "正文", Audience: model.Audience{Customers: []uint64{e.ids["customer:"+code]}},
				EffectiveFrom: tx.Now.Add(-time.Hour)}
			if err := tx.SaveAnnouncement(store.AdminScope(), a); err != nil {
				return err
			}
			att := &model.Attachment{OwnerType: store.OwnerAnnouncement, OwnerID: a.ID, Name: "a.txt", ContentType: "text/plain"}
			if err := tx.AddAttachment(att, []byte("attached")); err != nil {
				return err
			}
			if _, err := tx.ActOnAnnouncement(store.AdminScope(), a.ID, a.Version, "audit", admin); err != nil {
				return err
			}
			e.ids["ann:"+code], e.ids["annatt:"+code] = a.ID, att.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, e)
	for _, code := range []string{"C1", "C2"} {
		_ = e.st.View(func(tx *store.Tx) error {
			msgs, _, _ := tx.Inbox(e.ids["user:"+strings.ToLower(code)+".buyer"], false, store.Page{})
			if len(msgs) != 1 {
				t.Fatalf("%s buyer has %d messages", code, len(msgs))
			}
			e.ids["msg:"+code] = msgs[0].ID
			return nil
		})
	}
}

// deliver runs one round of the message worker.
func deliver(t *testing.T, e *testEnv) {
	t.Helper()
	if err := (&notify.Worker{Store: e.st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

var hrefAnnRe = regexp.MustCompile(`/announcements/(\d+)`)

// TestAnnouncementFlow: staff write, attach, publish; only the addressed
// dealer sees it in 我的公告, reads it (marked read), gets the in-app
// message and downloads the attachment; another customer's dealer sees
// nothing and gets 404 on both URLs. In both languages.
func TestAnnouncementFlow(t *testing.T) {
	e := newTestEnv(t)
	if err := e.st.Update("t", func(tx *store.Tx) error {
		_, err := tx.AddMissingTemplates(demo.DefaultTemplates())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	admin := e.login("admin")
	speak(admin, "zh")
	r := admin.get("/announcements/new")
	if r.Code != 200 || !strings.Contains(r.Body, "新增公告") {
		t.Fatalf("new form: %d %s", r.Code, excerpt(r.Body))
	}
	mustRender(t, "/announcements/new", r)
	eff := e.st.LocalNow().Add(-time.Hour).Format("2006-01-02T15:04")
	form := url.Values{"title": {"清明节放假通知"}, "body": {"第一行\n第二行"}, "audience_customers": {"C1"}, "effective_from": {eff}, "_idem": {"tok-1"}}
	// Errors at the fields, in Chinese: unknown code, missing title, bad time.
	bad := url.Values{"title": {""}, "body": {"x"}, "audience_customers": {"C1, C9"}, "effective_from": {"soon"}}
	r = admin.post("/announcements", bad)
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "以下客户编码不存在：C9") || !strings.Contains(r.Body, "请输入日期时间") {
		t.Fatalf("invalid form: %d %s", r.Code, excerpt(r.Body))
	}
	r = admin.post("/announcements", form)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.Code, excerpt(r.Body))
	}
	m := hrefAnnRe.FindStringSubmatch(r.Header.Get("Location"))
	if m == nil {
		t.Fatalf("location %q", r.Header.Get("Location"))
	}
	id := m[1]
	// The same form posted twice (double click) creates one announcement.
	if r2 := admin.post("/announcements", form); r2.Header.Get("Location") != r.Header.Get("Location") {
		t.Errorf("second post made another: %s", r2.Header.Get("Location"))
	}
	r = admin.get("/announcements/" + id)
	if r.Code != 200 || !strings.Contains(r.Body, "AN-") || !strings.Contains(r.Body, "客户C1") || !strings.Contains(r.Body, "审核（发布）") {
		t.Fatalf("view: %d %s", r.Code, excerpt(r.Body))
	}
	body, ctype := multipartBody(map[string]string{"_csrf": admin.csrf}, "file", "价目表.pdf", []byte("%PDF-1.4 price list"))
	if r = admin.postRaw("/announcements/"+id+"/attachments", ctype, body); r.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", r.Code, excerpt(r.Body))
	}
	var attID string
	_ = e.st.View(func(tx *store.Tx) error {
		atts, _ := tx.Attachments(store.OwnerAnnouncement, parseID(id))
		if len(atts) == 1 {
			attID = itoa(atts[0].ID)
		}
		return nil
	})
	if attID == "" {
		t.Fatal("attachment not stored")
	}
	// Before publication the dealer sees nothing.
	d1 := e.login("c1.buyer")
	if r = d1.get("/announcements/" + id); r.Code != http.StatusNotFound {
		t.Fatalf("draft visible to dealer: %d", r.Code)
	}
	// A stale version is refused with 409, the right one publishes.
	admin.get("/announcements/" + id)
	if r = admin.post("/announcements/"+id+"/audit", url.Values{"version": {"99"}}); r.Code != http.StatusConflict {
		t.Errorf("stale audit: %d", r.Code)
	}
	ver := "1"
	_ = e.st.View(func(tx *store.Tx) error {
		a, _ := tx.Announcement(store.AdminScope(), parseID(id))
		ver = itoa(a.Version)
		return nil
	})
	if r = admin.post("/announcements/"+id+"/audit", url.Values{"version": {ver}}); r.Code != http.StatusSeeOther {
		t.Fatalf("audit: %d %s", r.Code, excerpt(r.Body))
	}
	// Editing a published one: 409 with the status in words.
	if r = admin.get("/announcements/" + id + "/edit"); r.Code != http.StatusConflict || !strings.Contains(r.Body, "已审核") {
		t.Errorf("edit published: %d %s", r.Code, excerpt(r.Body))
	}
	deliver(t, e)

	// The addressed dealer, in English: listed as unread, opened, read.
	speak(d1, "en")
	r = d1.get("/my/announcements")
	if r.Code != 200 || !strings.Contains(r.Body, "清明节放假通知") || !strings.Contains(r.Body, "badge warn") {
		t.Fatalf("my announcements: %d %s", r.Code, excerpt(r.Body))
	}
	mustRender(t, "/my/announcements", r)
	r = d1.get("/announcements/" + id)
	if r.Code != 200 || !strings.Contains(r.Body, "第一行\n第二行") || !strings.Contains(r.Body, "价目表.pdf") || strings.Contains(r.Body, "Audit") {
		t.Fatalf("dealer view: %d %s", r.Code, excerpt(r.Body))
	}
	mustRender(t, "/announcements/id", r)
	if r = d1.get("/my/announcements"); strings.Contains(r.Body, "badge warn") {
		t.Error("still unread after opening")
	}
	if r = d1.get("/attachments/" + attID); r.Code != 200 || r.Body != "%PDF-1.4 price list" {
		t.Errorf("download: %d", r.Code)
	}
	// The in-app message with its link, and the header count.
	r = d1.get("/inbox/count")
	if r.Code != 200 || len(r.Body) > 600 || !strings.Contains(r.Body, `class="count">1<`) {
		t.Errorf("count fragment (%d bytes): %s", len(r.Body), r.Body)
	}
	r = d1.get("/inbox")
	if r.Code != 200 || !strings.Contains(r.Body, "New announcement: 清明节放假通知") {
		t.Fatalf("inbox: %s", excerpt(r.Body))
	}
	mustRender(t, "/inbox", r)
	// Another customer's dealer: nothing listed, 404 on both URLs.
	d2 := e.login("c2.manager")
	if r = d2.get("/my/announcements"); strings.Contains(r.Body, "清明节放假通知") {
		t.Error("listed to another customer")
	}
	for _, p := range []string{"/announcements/" + id, "/attachments/" + attID} {
		if r = d2.get(p); r.Code != http.StatusNotFound {
			t.Errorf("c2.manager %s: %d", p, r.Code)
		}
	}
	if r = d2.get("/inbox/count"); strings.Contains(r.Body, `class="count"`) {
		t.Error("c2 got a message")
	}
	// Invalidate: the dealer loses both URLs.
	_ = e.st.View(func(tx *store.Tx) error {
		a, _ := tx.Announcement(store.AdminScope(), parseID(id))
		ver = itoa(a.Version)
		return nil
	})
	admin.get("/announcements/" + id)
	if r = admin.post("/announcements/"+id+"/invalidate", url.Values{"version": {ver}}); r.Code != http.StatusSeeOther {
		t.Fatalf("invalidate: %d", r.Code)
	}
	for _, p := range []string{"/announcements/" + id, "/attachments/" + attID} {
		if r = d1.get(p); r.Code != http.StatusNotFound {
			t.Errorf("after invalidate %s: %d", p, r.Code)
		}
	}
	// Staff list: filters and export.
	r = admin.get("/announcements?state=invalid")
	if r.Code != 200 || !strings.Contains(r.Body, "清明节放假通知") {
		t.Errorf("list filter: %s", excerpt(r.Body))
	}
	if r = admin.get("/announcements?state=draft"); strings.Contains(r.Body, "清明节放假通知") {
		t.Error("state filter ignored")
	}
	r = admin.get("/announcements?customer=C1&export=csv")
	if r.Code != 200 || !strings.Contains(r.Body, "AN-") || !strings.Contains(r.Body, "已失效") {
		t.Errorf("export: %s", excerpt(r.Body))
	}
	if r = admin.get("/announcements?customer=C2&export=csv"); strings.Contains(r.Body, "AN-") {
		t.Error("customer filter ignored")
	}
	// Function permissions: a viewer reads but cannot publish; a dealer has no staff list.
	v := e.login("viewer")
	if r = v.get("/announcements/" + id); r.Code != 200 {
		t.Errorf("viewer view: %d", r.Code)
	}
	if r = v.post("/announcements/"+id+"/unaudit", url.Values{"version": {ver}}); r.Code != http.StatusForbidden {
		t.Errorf("viewer unaudit: %d", r.Code)
	}
	if r = d1.get("/announcements"); r.Code != http.StatusForbidden {
		t.Errorf("dealer staff list: %d", r.Code)
	}
	if r = v.get("/announcements/new"); r.Code != http.StatusForbidden {
		t.Errorf("viewer new: %d", r.Code)
	}
}

// speak switches the client's user to language l (the user's own setting
// wins over the cookie).
func speak(c *client, l string) {
	c.lang = l
	c.cookies["lang"] = l
	c.get("/")
	c.post("/lang", url.Values{"lang": {l}})
}

func parseID(s string) uint64 {
	n, _ := parseUint(s)
	return n
}

// TestAnnouncementPagesRender renders the module's pages for each role, in
// both languages, full and as HTMX fragments.
func TestAnnouncementPagesRender(t *testing.T) {
	e := newTestEnv(t)
	messagingScopeFixtures(t, e)
	ann := e.id("ann:C1")
	pages := map[string][]string{
		"admin": {"/announcements", "/announcements?sort=number&desc=1", "/announcements/new", "/announcements/" + ann, "/inbox", "/inbox?unread=1",
			"/messages/templates", "/messages/templates/online_order.rejected", "/messages/templates/announcement.published",
			"/messages/outbox", "/messages/outbox?status=sent&channel=inapp", "/messages/settings", "/account/notifications", "/"},
		"viewer":     {"/announcements", "/announcements/" + ann, "/"},
		"c1.buyer":   {"/my/announcements", "/announcements/" + ann, "/inbox", "/inbox/" + e.id("msg:C1"), "/account/notifications", "/"},
		"c1.manager": {"/my/announcements", "/"},
	}
	for user, paths := range pages {
		for _, l := range Languages {
			c := e.login(user)
			speak(c, l)
			for _, p := range paths {
				for _, hx := range []bool{false, true} {
					var r resp
					if hx {
						r = c.get(p, "HX-Request", "true")
					} else {
						r = c.get(p)
					}
					if r.Code != http.StatusOK {
						t.Errorf("%s %s %s hx=%v: %d %s", user, l, p, hx, r.Code, excerpt(r.Body))
						continue
					}
					mustRenderOwn(t, p, r)
				}
			}
		}
	}
}

// mustRenderOwn is mustRender, minus missing translations of other modules'
// navigation entries (whose catalogs may still be in progress).
func mustRenderOwn(t *testing.T, path string, r resp) {
	t.Helper()
	body := regexp.MustCompile(`⟦nav\.[a-z_]+⟧`).ReplaceAllString(r.Body, "")
	mustRender(t, path, resp{Code: r.Code, Body: body, Header: r.Header})
}

// crossRegionGroup puts C1 (EAST) and C2 (SOUTH) in one customer group and
// returns its id.
func crossRegionGroup(t *testing.T, e *testEnv) uint64 {
	t.Helper()
	var id uint64
	err := e.st.Update("test", func(tx *store.Tx) error {
		g := &model.CustomerGroup{Code: "KA", Name: "大客户"}
		if err := tx.SaveCustomerGroup(g); err != nil {
			return err
		}
		for _, code := range []string{"C1", "C2"} {
			c, err := tx.Customer(store.AdminScope(), e.ids["customer:"+code])
			if err != nil {
				return err
			}
			c.GroupID = g.ID
			if err := tx.SaveCustomer(store.AdminScope(), c); err != nil {
				return err
			}
		}
		id = g.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestAnnouncementAudienceScope: regional staff may address only org units,
// groups and customers within their scope — "all customers", another
// region, a group spanning regions are refused at the audience field (422,
// in both languages) and the form offers none of them; they do not list
// announcements addressed outside their scope.
func TestAnnouncementAudienceScope(t *testing.T) {
	e := newTestEnv(t)
	messagingScopeFixtures(t, e)
	ka := itoa(crossRegionGroup(t, e))
	c := e.login("east")
	form := c.get("/announcements/new")
	if form.Code != http.StatusOK || strings.Contains(form.Body, `name="audience_all"`) || strings.Contains(form.Body, "华南大区") ||
		strings.Contains(form.Body, `name="audience_groups" value="`+ka+`"`) || !strings.Contains(form.Body, "华东大区") {
		t.Errorf("east's audience choices: %s", excerpt(form.Body))
	}
	base := url.Values{"title": {"区域通知"}, "body": {"正文"}, "effective_from": {"2026-01-01T09:00"}}
	for _, tc := range []struct {
		name, field, value, en, zh string
	}{
		{"all customers", "audience_all", "1", "all customers only if you cover every org unit", "仅负责全部组织的用户可选择全部客户"},
		{"another region", "audience_orgs", e.id("org:SOUTH"), "Outside your data scope", "超出您的数据范围"},
		{"the unit above the region", "audience_orgs", e.id("org:HQ"), "Outside your data scope", "超出您的数据范围"},
		{"a group spanning regions", "audience_groups", ka, "Outside your data scope", "超出您的数据范围"},
	} {
		for _, l := range []struct{ lang, want string }{{"en", tc.en}, {"zh", tc.zh}} {
			c.post("/lang", url.Values{"lang": {l.lang}})
			c.get("/announcements/new")
			f := url.Values{}
			for k, v := range base {
				f[k] = v
			}
			f.Set(tc.field, tc.value)
			r := c.post("/announcements", f)
			if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, l.want) {
				t.Errorf("%s (%s): %d %s", tc.name, l.lang, r.Code, errText(r.Body))
			}
		}
	}
	var n int
	_ = e.st.View(func(tx *store.Tx) error {
		_, n, _ = tx.ListAnnouncements(store.AdminScope(), store.AnnouncementFilter{}, store.Page{})
		return nil
	})
	if n != 2 {
		t.Errorf("%d announcements, want the fixture's 2", n)
	}
	// The list and its export show only C1's announcement.
	for _, p := range []string{"/announcements", "/announcements?export=csv"} {
		r := c.get(p)
		if !strings.Contains(r.Body, "通知 C1") || strings.Contains(r.Body, "通知 C2") {
			t.Errorf("east %s: %s", p, excerpt(r.Body))
		}
	}
	// Within the scope it saves.
	f := url.Values{}
	for k, v := range base {
		f[k] = v
	}
	f.Set("audience_orgs", e.id("org:SH"))
	f.Set("audience_customers", "C1")
	if r := c.post("/announcements", f); r.Code != http.StatusSeeOther {
		t.Errorf("within the scope: %d %s", r.Code, excerpt(r.Body))
	}
	// The admin may address everyone.
	a := e.login("admin")
	if r := a.get("/announcements/new"); !strings.Contains(r.Body, `name="audience_all"`) {
		t.Error("admin is not offered all customers")
	}
}

var errTextRe = regexp.MustCompile(`<p class="err"[^>]*>[^<]*</p>`)

// errText is the field messages of a page, for failure output.
func errText(body string) string { return strings.Join(errTextRe.FindAllString(body, -1), " ") }
