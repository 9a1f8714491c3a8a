package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// Tests of the system screens: org units, staff users, customer groups and
// settings, on the shared fixture of testmain_test.go.

// sysGroup adds a customer group to the fixture and returns its id.
func sysGroup(t *testing.T, e *testEnv, code, name string) uint64 {
	t.Helper()
	g := &model.CustomerGroup{Code: code, Name: name}
	if err := e.st.Update("test", func(tx *store.Tx) error { return tx.SaveCustomerGroup(g) }); err != nil {
		t.Fatal(err)
	}
	return g.ID
}

func sysUser(t *testing.T, e *testEnv, username string) *model.User {
	t.Helper()
	var u *model.User
	_ = e.st.View(func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByUsername(username)
		return err
	})
	if u == nil {
		t.Fatalf("no user %q", username)
	}
	return u
}

func sysOrg(t *testing.T, e *testEnv, id uint64) *model.OrgUnit {
	t.Helper()
	var o *model.OrgUnit
	if err := e.st.View(func(tx *store.Tx) error {
		var err error
		o, err = tx.OrgUnit(id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return o
}

func sysVer(v uint64) string { return itoa(v) }

func sysWant(t *testing.T, what string, r resp, code int, body ...string) {
	t.Helper()
	if r.Code != code {
		t.Errorf("%s: status %d, want %d: %s", what, r.Code, code, excerpt(r.Body))
		return
	}
	for _, b := range body {
		if !strings.Contains(r.Body, b) {
			t.Errorf("%s: body lacks %q: %s", what, b, excerpt(r.Body))
		}
	}
}

// TestSystemPagesRender renders every system page in both languages, as a
// full page and as an HTMX fragment.
func TestSystemPagesRender(t *testing.T) {
	e := newTestEnv(t)
	g := itoa(sysGroup(t, e, "VIP", "重点客户"))
	pages := map[string][]string{
		"admin": {"/org-units", "/org-units/new", "/org-units/new?parent=" + e.id("org:HQ"), "/org-units/" + e.id("org:EAST") + "/edit",
			"/staff", "/staff?q=e&role=sales&status=active&sort=name&desc=1", "/staff?page=9", "/staff/new",
			"/staff/" + e.id("user:east") + "/edit", "/staff/" + e.id("user:admin") + "/edit",
			"/customer-groups", "/customer-groups/new", "/customer-groups/" + g + "/edit", "/settings"},
		"east": {"/customer-groups", "/customer-groups/new", "/customer-groups/" + g + "/edit"},
	}
	for user, paths := range pages {
		for _, lang := range Languages {
			c := e.login(user)
			c.lang = lang
			c.cookies["lang"] = lang
			c.get("/")
			c.post("/lang", url.Values{"lang": {lang}})
			for _, p := range paths {
				r := c.get(p)
				if r.Code != http.StatusOK {
					t.Errorf("%s %s %s: status %d %s", user, lang, p, r.Code, excerpt(r.Body))
					continue
				}
				mustRender(t, p, r)
				if !strings.Contains(r.Body, "<html") {
					t.Errorf("%s: full page without layout", p)
				}
				if want := map[string]string{"en": `lang="en"`, "zh": `lang="zh-CN"`}[lang]; !strings.Contains(r.Body, want) {
					t.Errorf("%s %s: wrong language", p, lang)
				}
				f := c.get(p, "HX-Request", "true")
				if f.Code != http.StatusOK || strings.Contains(f.Body, "<html") || !strings.Contains(f.Body, "<section") {
					t.Errorf("%s hx: status %d, not a fragment: %s", p, f.Code, excerpt(f.Body))
				}
				mustRender(t, p, f)
			}
		}
	}
	// Chinese terms on the pages.
	c := e.login("admin")
	c.get("/")
	c.post("/lang", url.Values{"lang": {"zh"}})
	for p, want := range map[string]string{"/org-units": "组织架构", "/staff": "员工用户", "/customer-groups": "客户分组", "/settings": "系统参数"} {
		sysWant(t, p, c.get(p), http.StatusOK, want)
	}
}

// TestSystemForbidden: only admins manage org units, staff and settings;
// groups need the customer-management permission.
func TestSystemForbidden(t *testing.T) {
	e := newTestEnv(t)
	g := itoa(sysGroup(t, e, "VIP", "重点客户"))
	cases := map[string][]string{
		"east": {"GET /staff", "GET /staff/new", "POST /staff", "GET /staff/" + e.id("user:south") + "/edit",
			"POST /staff/" + e.id("user:south") + "/disable", "POST /staff/" + e.id("user:south") + "/password",
			"GET /org-units", "GET /org-units/new", "POST /org-units", "GET /org-units/" + e.id("org:HQ") + "/edit",
			"POST /org-units/" + e.id("org:HQ"), "GET /settings", "POST /settings"},
		"viewer":     {"GET /customer-groups", "GET /customer-groups/new", "POST /customer-groups", "GET /customer-groups/" + g + "/edit", "GET /staff"},
		"c1.manager": {"GET /staff", "GET /org-units", "GET /settings", "GET /customer-groups"},
	}
	for user, routes := range cases {
		c := e.login(user)
		c.get("/")
		for _, rt := range routes {
			method, path, _ := strings.Cut(rt, " ")
			var r resp
			if method == "GET" {
				r = c.get(path)
			} else {
				r = c.post(path, url.Values{"name": {"x"}, "version": {"1"}})
			}
			if r.Code != http.StatusForbidden {
				t.Errorf("%s %s: status %d, want 403", user, rt, r.Code)
			}
		}
	}
	// A staff id that is a dealer user's is not a staff user: 404.
	a := e.login("admin")
	if r := a.get("/staff/" + e.id("user:c1.buyer") + "/edit"); r.Code != http.StatusNotFound {
		t.Errorf("dealer user as staff: %d", r.Code)
	}
}

func sysStaffForm(e *testEnv, username, idem string) url.Values {
	return url.Values{
		"username": {username}, "name": {"新员工"}, "email": {"n@example.com"}, "mobile": {"13800000000"},
		"roles": {"sales", "finance"}, "org_unit_id": {e.id("org:EAST")}, "scope_mode": {"org"},
		"scope_orgs": {e.id("org:EAST"), e.id("org:SOUTH")}, "password": {"initial-pw1"}, "_idem": {idem},
	}
}

func TestStaffCreate(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	c.get("/staff/new")
	r := c.post("/staff", sysStaffForm(e, "Newbie", "tok-1"))
	sysWant(t, "create", r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/staff" {
		t.Errorf("redirect to %q", loc)
	}
	u := sysUser(t, e, "newbie")
	if u.Kind != model.KindStaff || !u.HasRole(model.RoleSales) || !u.HasRole(model.RoleFinance) || len(u.ScopeOrgs) != 2 ||
		u.OrgUnitID != e.ids["org:EAST"] || u.ScopeMode != model.ScopeOrg {
		t.Errorf("stored user: %+v", u)
	}
	// The same form posted again (double click) creates nothing more.
	c.get("/staff")
	sysWant(t, "repost", c.post("/staff", sysStaffForm(e, "newbie", "tok-1")), http.StatusSeeOther)
	var n int
	_ = e.st.View(func(tx *store.Tx) error {
		_, n, _ = tx.ListStaff(store.UserFilter{Q: "newbie"}, store.Page{})
		return nil
	})
	if n != 1 {
		t.Errorf("%d users after a repeated post", n)
	}
	// The list shows the flash and the user; the audit trail has the creation.
	sysWant(t, "list", c.get("/staff?q=newbie"), http.StatusOK, "newbie", "新员工")
	sysWant(t, "edit", c.get("/staff/"+itoa(u.ID)+"/edit"), http.StatusOK, "added user")
	// The new user can log in with the initial password.
	nc := e.client()
	nc.get("/login")
	sysWant(t, "login newbie", nc.post("/login", url.Values{"username": {"newbie"}, "password": {"initial-pw1"}}), http.StatusSeeOther)

	// Duplicate username: 422 with the message at the field, in the user's language.
	c.get("/staff/new")
	r = c.post("/staff", sysStaffForm(e, "east", "tok-2"))
	sysWant(t, "duplicate", r, http.StatusUnprocessableEntity, "This username is not available.", `id="e-username"`)
	c.post("/lang", url.Values{"lang": {"zh"}})
	c.get("/staff/new")
	sysWant(t, "duplicate zh", c.post("/staff", sysStaffForm(e, "east", "tok-3")), http.StatusUnprocessableEntity, "该用户名不可用")

	// Missing fields: every error at its field.
	c.get("/staff/new")
	r = c.post("/staff", url.Values{"username": {"x y"}, "scope_mode": {"org"}, "password": {"12345678"}, "_idem": {"tok-4"}})
	sysWant(t, "invalid", r, http.StatusUnprocessableEntity, `id="e-username"`, `id="e-name"`, `id="e-password"`, "请至少选择一个角色")
	// A role that is not a staff role is refused.
	f := sysStaffForm(e, "other", "tok-5")
	f["roles"] = []string{"buyer"}
	c.get("/staff/new")
	sysWant(t, "dealer role", c.post("/staff", f), http.StatusUnprocessableEntity, "所选角色不适用于该用户")
	// A scope by org units needs at least one unit (unless admin).
	f = sysStaffForm(e, "other", "tok-6")
	delete(f, "scope_orgs")
	c.get("/staff/new")
	sysWant(t, "no scope orgs", c.post("/staff", f), http.StatusUnprocessableEntity, "请至少选择一个组织")
}

func TestStaffEditListExport(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	east := sysUser(t, e, "east")
	form := url.Values{"username": {"east"}, "name": {"East Sales"}, "roles": {"sales"}, "org_unit_id": {e.id("org:EAST")},
		"scope_mode": {"own"}, "scope_orgs": {e.id("org:EAST")}, "version": {sysVer(east.Version)}}
	c.get("/staff/" + itoa(east.ID) + "/edit")
	sysWant(t, "update", c.post("/staff/"+itoa(east.ID), form), http.StatusSeeOther)
	east = sysUser(t, e, "east")
	if east.Name != "East Sales" || east.ScopeMode != model.ScopeOwn || len(east.ScopeOrgs) != 0 {
		t.Errorf("updated: %+v", east)
	}
	// The same (now stale) version again: 409 with who changed it.
	c.get("/staff/" + itoa(east.ID) + "/edit")
	sysWant(t, "stale", c.post("/staff/"+itoa(east.ID), form), http.StatusConflict, "Someone else (admin")
	// An admin cannot drop their own admin role.
	admin := sysUser(t, e, "admin")
	c.get("/staff/" + itoa(admin.ID) + "/edit")
	r := c.post("/staff/"+itoa(admin.ID), url.Values{"username": {"admin"}, "name": {"A"}, "roles": {"sales"},
		"org_unit_id": {e.id("org:HQ")}, "scope_mode": {"org"}, "scope_orgs": {e.id("org:HQ")}, "version": {sysVer(admin.Version)}})
	sysWant(t, "self admin", r, http.StatusUnprocessableEntity, "cannot remove your own admin role")

	// Filters, sorting, export of the filtered rows.
	sysWant(t, "role filter", c.get("/staff?role=viewer"), http.StatusOK, `/edit">viewer<`)
	if r := c.get("/staff?role=viewer"); strings.Contains(r.Body, `/edit">south<`) {
		t.Error("role filter shows other roles")
	}
	r = c.get("/staff?role=sales&export=csv")
	if r.Code != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", r.Code, r.Header.Get("Content-Type"))
	}
	if !strings.Contains(r.Body, "south") || strings.Contains(r.Body, "viewer,") || !strings.Contains(r.Body, "Username") {
		t.Errorf("csv rows: %s", r.Body)
	}
	r = c.get("/staff?q=south&export=xlsx")
	if r.Code != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") || !strings.HasPrefix(r.Body, "PK") {
		t.Errorf("xlsx: %d %s", r.Code, r.Header.Get("Content-Type"))
	}
	r = c.get("/staff?sort=username&desc=1&size=2")
	if r.Code != http.StatusOK || !strings.Contains(r.Body, `/edit">viewer<`) || strings.Contains(r.Body, `/edit">admin<`) {
		t.Errorf("sorted page: %s", excerpt(r.Body))
	}
}

// TestStaffDisableAndReset: disabling a user or resetting their password ends
// their sessions at once; nobody can disable themselves.
func TestStaffDisableAndReset(t *testing.T) {
	e := newTestEnv(t)
	admin := e.login("admin")
	victim := e.login("east")
	sysWant(t, "east before", victim.get("/"), http.StatusOK)
	sysWant(t, "sessions shown", admin.get("/staff/"+e.id("user:east")+"/edit"), http.StatusOK, "Active sessions: 1")

	east := sysUser(t, e, "east")
	r := admin.post("/staff/"+itoa(east.ID)+"/disable", url.Values{"version": {sysVer(east.Version)}})
	sysWant(t, "disable", r, http.StatusSeeOther)
	if r := victim.get("/"); r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("disabled user's session still works: %d %s", r.Code, r.Header.Get("Location"))
	}
	// A disabled user cannot log in again.
	c := e.client()
	c.get("/login")
	sysWant(t, "login disabled", c.post("/login", url.Values{"username": {"east"}, "password": {testPassword}}), http.StatusForbidden)
	sysWant(t, "list shows disabled", admin.get("/staff?status=disabled"), http.StatusOK, `/edit">east<`, "Disabled")
	// A stale version is a conflict.
	admin.get("/staff/" + itoa(east.ID) + "/edit")
	sysWant(t, "enable stale", admin.post("/staff/"+itoa(east.ID)+"/enable", url.Values{"version": {sysVer(east.Version)}}), http.StatusConflict)
	east = sysUser(t, e, "east")
	sysWant(t, "enable", admin.post("/staff/"+itoa(east.ID)+"/enable", url.Values{"version": {sysVer(east.Version)}}), http.StatusSeeOther)
	e.login("east")

	// Nobody can disable themselves.
	me := sysUser(t, e, "admin")
	admin.get("/staff/" + itoa(me.ID) + "/edit")
	sysWant(t, "disable self", admin.post("/staff/"+itoa(me.ID)+"/disable", url.Values{"version": {sysVer(me.Version)}}),
		http.StatusUnprocessableEntity, "You cannot do this to your own account.")
	sysWant(t, "admin still in", admin.get("/"), http.StatusOK)

	// Password reset: the user's sessions end, the new password works.
	south := e.login("south")
	admin.get("/staff/" + e.id("user:south") + "/edit")
	sysWant(t, "reset short", admin.post("/staff/"+e.id("user:south")+"/password", url.Values{"password": {"short"}}),
		http.StatusUnprocessableEntity, "At least 8 characters.")
	sysWant(t, "reset", admin.post("/staff/"+e.id("user:south")+"/password", url.Values{"password": {"brand-new-pw"}}), http.StatusSeeOther)
	if r := south.get("/"); r.Code != http.StatusSeeOther {
		t.Errorf("session survived a password reset: %d", r.Code)
	}
	c = e.client()
	c.get("/login")
	sysWant(t, "login new pw", c.post("/login", url.Values{"username": {"south"}, "password": {"brand-new-pw"}}), http.StatusSeeOther)
	sysWant(t, "audit", admin.get("/staff/"+e.id("user:south")+"/edit"), http.StatusOK, "reset password of")
}

func TestOrgUnits(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	sysWant(t, "tree", c.get("/org-units"), http.StatusOK, "华东大区", "上海分公司", "EAST")

	// Add a unit below SH.
	c.get("/org-units/new?parent=" + e.id("org:SH"))
	r := c.post("/org-units", url.Values{"parent_id": {e.id("org:SH")}, "code": {"PD"}, "name": {"浦东办事处"}, "_idem": {"o1"}})
	sysWant(t, "create", r, http.StatusSeeOther)
	c.get("/org-units")
	sysWant(t, "repost", c.post("/org-units", url.Values{"parent_id": {e.id("org:SH")}, "code": {"PD"}, "name": {"浦东办事处"}, "_idem": {"o1"}}), http.StatusSeeOther)
	var pd *model.OrgUnit
	for _, n := range e.st.OrgTree().Flatten() {
		if n.Unit.Code == "PD" {
			if pd != nil {
				t.Fatal("created twice")
			}
			pd = n.Unit
		}
	}
	if pd == nil || pd.ParentID != e.ids["org:SH"] {
		t.Fatalf("new unit: %+v", pd)
	}
	if got := e.st.OrgTree().Path(pd.ID); got != "总部 / 华东大区 / 上海分公司 / 浦东办事处" {
		t.Errorf("path %q", got)
	}
	// Duplicate code and missing name.
	c.get("/org-units/new")
	sysWant(t, "dup", c.post("/org-units", url.Values{"code": {"EAST"}, "name": {""}, "_idem": {"o2"}}), http.StatusUnprocessableEntity, `id="e-name"`)
	c.get("/org-units/new")
	sysWant(t, "dup code", c.post("/org-units", url.Values{"code": {"EAST"}, "name": {"X"}, "_idem": {"o3"}}), http.StatusUnprocessableEntity, "Already in use.")

	// Moving EAST below its own descendant is refused.
	east := sysOrg(t, e, e.ids["org:EAST"])
	c.get("/org-units/" + e.id("org:EAST") + "/edit")
	r = c.post("/org-units/"+e.id("org:EAST"), url.Values{"parent_id": {itoa(pd.ID)}, "code": {"EAST"}, "name": {"华东大区"}, "version": {sysVer(east.Version)}})
	sysWant(t, "cycle", r, http.StatusUnprocessableEntity, "cannot be moved below itself")
	// Rename and move PD below SOUTH.
	pd = sysOrg(t, e, pd.ID)
	c.get("/org-units/" + itoa(pd.ID) + "/edit")
	r = c.post("/org-units/"+itoa(pd.ID), url.Values{"parent_id": {e.id("org:SOUTH")}, "code": {"PD"}, "name": {"深圳办事处"}, "version": {sysVer(pd.Version)}})
	sysWant(t, "move", r, http.StatusSeeOther)
	if got := e.st.OrgTree().Path(pd.ID); got != "总部 / 华南大区 / 深圳办事处" {
		t.Errorf("after move: %q", got)
	}
	sysWant(t, "audit", c.get("/org-units/"+itoa(pd.ID)+"/edit"), http.StatusOK, "moved below 总部 / 华南大区")
	// Stale version: 409.
	c.get("/org-units/" + itoa(pd.ID) + "/edit")
	r = c.post("/org-units/"+itoa(pd.ID), url.Values{"parent_id": {e.id("org:SOUTH")}, "code": {"PD"}, "name": {"X"}, "version": {sysVer(pd.Version)}})
	sysWant(t, "stale", r, http.StatusConflict, "Someone else (admin")

	// Deactivating a unit with active children or active customers is refused.
	c.get("/org-units/" + e.id("org:EAST") + "/edit")
	r = c.post("/org-units/"+e.id("org:EAST"), url.Values{"op": {"deactivate"}, "version": {sysVer(east.Version)}})
	sysWant(t, "deactivate parent", r, http.StatusUnprocessableEntity, "Deactivate its active sub-units first.")
	gz := sysOrg(t, e, e.ids["org:GZ"])
	c.get("/org-units/" + e.id("org:GZ") + "/edit")
	r = c.post("/org-units/"+e.id("org:GZ"), url.Values{"op": {"deactivate"}, "version": {sysVer(gz.Version)}})
	sysWant(t, "deactivate with customers", r, http.StatusUnprocessableEntity, "Active customers still belong to this unit.")
	if sysOrg(t, e, gz.ID).Inactive {
		t.Error("refused deactivation stored")
	}
	// A leaf without customers can be deactivated and reactivated.
	pd = sysOrg(t, e, pd.ID)
	c.get("/org-units/" + itoa(pd.ID) + "/edit")
	sysWant(t, "deactivate", c.post("/org-units/"+itoa(pd.ID), url.Values{"op": {"deactivate"}, "version": {sysVer(pd.Version)}}), http.StatusSeeOther)
	pd = sysOrg(t, e, pd.ID)
	if !pd.Inactive {
		t.Fatal("not deactivated")
	}
	sysWant(t, "list badge", c.get("/org-units"), http.StatusOK, `<span class="badge bad">Inactive</span>`)
	// Nothing new below an inactive unit.
	c.get("/org-units/new")
	sysWant(t, "child of inactive", c.post("/org-units", url.Values{"parent_id": {itoa(pd.ID)}, "code": {"PD2"}, "name": {"Y"}, "_idem": {"o4"}}),
		http.StatusUnprocessableEntity, "The parent unit is inactive")
	c.get("/org-units/" + itoa(pd.ID) + "/edit")
	sysWant(t, "reactivate", c.post("/org-units/"+itoa(pd.ID), url.Values{"op": {"reactivate"}, "version": {sysVer(pd.Version)}}), http.StatusSeeOther)
	if sysOrg(t, e, pd.ID).Inactive {
		t.Error("not reactivated")
	}
	// Under htmx the form posts answer with HX-Location.
	pd = sysOrg(t, e, pd.ID)
	c.get("/org-units/" + itoa(pd.ID) + "/edit")
	r = c.post("/org-units/"+itoa(pd.ID), url.Values{"parent_id": {e.id("org:SOUTH")}, "code": {"PD"}, "name": {"深圳"}, "version": {sysVer(pd.Version)}}, "HX-Request", "true")
	if r.Code != http.StatusOK || !strings.Contains(r.Header.Get("HX-Location"), "/org-units") {
		t.Errorf("hx post: %d %q", r.Code, r.Header.Get("HX-Location"))
	}
	// An invalid form under htmx is a 422 fragment.
	c.get("/org-units/new")
	r = c.post("/org-units", url.Values{"code": {"bad code!"}, "name": {"Z"}, "_idem": {"o5"}}, "HX-Request", "true")
	if r.Code != http.StatusUnprocessableEntity || strings.Contains(r.Body, "<html") || !strings.Contains(r.Body, `id="e-code"`) {
		t.Errorf("hx invalid: %d %s", r.Code, excerpt(r.Body))
	}
}

func TestCustomerGroups(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("east") // sales may manage customers, hence groups
	c.get("/customer-groups/new")
	sysWant(t, "create", c.post("/customer-groups", url.Values{"code": {"vip"}, "name": {"重点客户"}, "_idem": {"g1"}}), http.StatusSeeOther)
	c.get("/customer-groups")
	sysWant(t, "repost", c.post("/customer-groups", url.Values{"code": {"vip"}, "name": {"重点客户"}, "_idem": {"g1"}}), http.StatusSeeOther)
	var groups []*model.CustomerGroup
	_ = e.st.View(func(tx *store.Tx) error { groups, _ = tx.CustomerGroups(); return nil })
	if len(groups) != 1 || groups[0].Code != "VIP" {
		t.Fatalf("groups: %+v", groups)
	}
	g := groups[0]
	sysWant(t, "list", c.get("/customer-groups"), http.StatusOK, "VIP", "重点客户", "Created.")
	c.get("/customer-groups/new")
	sysWant(t, "dup", c.post("/customer-groups", url.Values{"code": {"VIP"}, "name": {"X"}, "_idem": {"g2"}}), http.StatusUnprocessableEntity, "Already in use.")
	c.get("/customer-groups/" + itoa(g.ID) + "/edit")
	sysWant(t, "update", c.post("/customer-groups/"+itoa(g.ID), url.Values{"code": {"VIP"}, "name": {"核心客户"}, "version": {sysVer(g.Version)}}), http.StatusSeeOther)
	c.get("/customer-groups/" + itoa(g.ID) + "/edit")
	sysWant(t, "stale", c.post("/customer-groups/"+itoa(g.ID), url.Values{"code": {"VIP"}, "name": {"Y"}, "version": {sysVer(g.Version)}}), http.StatusConflict, "Someone else (east")
	sysWant(t, "audit", c.get("/customer-groups/"+itoa(g.ID)+"/edit"), http.StatusOK, "changed", "核心客户")
	sysWant(t, "missing", c.get("/customer-groups/999/edit"), http.StatusNotFound)
}

func TestSettings(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	c.get("/settings")
	s := e.st.Settings()
	form := url.Values{"enterprise_name": {"华东机械有限公司"}, "currency_code": {"cny"}, "currency_symbol": {"¥"},
		"time_zone": {"Asia/Shanghai"}, "version": {sysVer(s.Version)}}
	sysWant(t, "save", c.post("/settings", form), http.StatusSeeOther)
	if s := e.st.Settings(); s.EnterpriseName != "华东机械有限公司" || s.CurrencyCode != "CNY" {
		t.Errorf("stored: %+v", s)
	}
	sysWant(t, "shown", c.get("/"), http.StatusOK, "华东机械有限公司")
	c.get("/settings")
	sysWant(t, "stale", c.post("/settings", form), http.StatusConflict, "Someone else (admin")
	s = e.st.Settings()
	c.get("/settings")
	r := c.post("/settings", url.Values{"enterprise_name": {""}, "currency_code": {"YUAN"}, "currency_symbol": {"¥"},
		"time_zone": {"Mars/Olympus"}, "version": {sysVer(s.Version)}})
	sysWant(t, "invalid", r, http.StatusUnprocessableEntity, `id="e-enterprise_name"`, "Three letters, e.g. CNY.", "Unknown time zone")
}
