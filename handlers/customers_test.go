package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

func customerForm(e *testEnv, code string, extra ...string) url.Values {
	f := url.Values{"code": {code}, "name": {"新客户 " + code}, "org_unit_id": {e.id("org:SH")}, "status": {"active"},
		"credit_limit": {"12,345.67"}, "_idem": {"tok-" + code}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

// TestCustomerScenarios walks the customer screens as each role, with and
// without HTMX.
func TestCustomerScenarios(t *testing.T) {
	e := newTestEnv(t)
	cases := []struct {
		name    string
		user    string
		path    string
		form    url.Values
		hx      bool
		status  int
		contain string
	}{
		{"admin creates", "admin", "/customers", customerForm(e, "N1"), false, http.StatusSeeOther, ""},
		{"admin creates under htmx", "admin", "/customers", customerForm(e, "N2"), true, http.StatusOK, ""},
		{"east creates in own region", "east", "/customers", customerForm(e, "N3"), false, http.StatusSeeOther, ""},
		{"east cannot create outside region", "east", "/customers", customerForm(e, "N4", "org_unit_id", e.id("org:GZ")), false, http.StatusUnprocessableEntity, "Outside your data scope"},
		{"missing name and bad amount", "admin", "/customers", customerForm(e, "N5", "name", "", "credit_limit", "12.345"), false, http.StatusUnprocessableEntity, "at most two decimals"},
		{"duplicate code", "admin", "/customers", customerForm(e, "C1", "_idem", "other"), false, http.StatusUnprocessableEntity, "Already in use"},
		{"bad email and tax number", "admin", "/customers", customerForm(e, "N6", "email", "nope", "tax_number", "123"), false, http.StatusUnprocessableEntity, "15–20 capital letters"},
		{"422 under htmx is a fragment", "admin", "/customers", customerForm(e, "N7", "name", ""), true, http.StatusUnprocessableEntity, "Required."},
		{"viewer cannot create", "viewer", "/customers", customerForm(e, "N8"), false, http.StatusForbidden, ""},
		{"dealer cannot create", "c1.manager", "/customers", customerForm(e, "N9"), false, http.StatusForbidden, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := e.login(tc.user)
			c.get("/")
			var h []string
			if tc.hx {
				h = []string{"HX-Request", "true"}
			}
			r := c.post(tc.path, tc.form, h...)
			if r.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Code, tc.status, excerpt(r.Body))
			}
			if tc.contain != "" && !strings.Contains(r.Body, tc.contain) {
				t.Fatalf("body lacks %q: %s", tc.contain, excerpt(r.Body))
			}
			if tc.hx && strings.Contains(r.Body, "<html") {
				t.Fatal("HTMX response is a whole page")
			}
			if tc.hx && tc.status == http.StatusOK && !strings.Contains(r.Header.Get("HX-Location"), "/customers/") {
				t.Fatalf("HX-Location %q", r.Header.Get("HX-Location"))
			}
		})
	}
	// The refused ones changed nothing.
	_, total, _ := e.st.ListCustomers(store.AdminScope(), store.CustomerFilter{}, store.Page{Limit: -1})
	if total != 5 {
		t.Fatalf("want 5 customers (2 fixture + 3 created), have %d", total)
	}
}

// TestCustomerDoubleSubmit: the same create form posted twice makes one customer.
func TestCustomerDoubleSubmit(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	c.get("/customers/new")
	f := customerForm(e, "D1")
	r1 := c.post("/customers", f)
	r2 := c.post("/customers", f)
	if r1.Code != http.StatusSeeOther || r2.Code != http.StatusSeeOther || r1.Header.Get("Location") != r2.Header.Get("Location") {
		t.Fatalf("double submit: %d %s / %d %s", r1.Code, r1.Header.Get("Location"), r2.Code, r2.Header.Get("Location"))
	}
	rows, _, _ := e.st.ListCustomers(store.AdminScope(), store.CustomerFilter{Q: "D1"}, store.Page{})
	if len(rows) != 1 || rows[0].CreditLimit != 1234567 {
		t.Fatalf("rows %v", rows)
	}
}

// TestCustomerConflict: two staff edit the same customer; the second save is
// refused with a conflict message naming the first, and nothing is overwritten.
func TestCustomerConflict(t *testing.T) {
	e := newTestEnv(t)
	a, b := e.login("admin"), e.login("east")
	path := "/customers/" + e.id("customer:C1")
	a.get(path + "/edit")
	b.get(path + "/edit")
	f := customerForm(e, "C1", "version", "1", "name", "由管理员修改")
	if r := a.post(path, f); r.Code != http.StatusSeeOther {
		t.Fatalf("first save: %d %s", r.Code, excerpt(r.Body))
	}
	f.Set("name", "由华东修改")
	f.Del("_csrf")
	r := b.post(path, f)
	if r.Code != http.StatusConflict || !strings.Contains(r.Body, "admin") || !strings.Contains(r.Body, "changed this record") {
		t.Fatalf("second save: %d %s", r.Code, excerpt(r.Body))
	}
	cu, _ := e.st.Customer(store.AdminScope(), e.ids["customer:C1"])
	if cu.Name != "由管理员修改" || cu.Version != 2 {
		t.Fatalf("customer after conflict: %q v%d", cu.Name, cu.Version)
	}
	// After a failed save the form keeps the version the user loaded.
	if !strings.Contains(r.Body, `name="version" value="1"`) {
		t.Fatal("form lost its version")
	}
}

// TestLocationsAndDealerUsers: a dealer manager keeps its locations (exactly
// one primary) and users; a buyer may not.
func TestLocationsAndDealerUsers(t *testing.T) {
	e := newTestEnv(t)
	cid := e.id("customer:C1")
	m := e.login("c1.manager")
	m.get("/customers/" + cid + "/locations/new")
	r := m.post("/customers/"+cid+"/locations", url.Values{"name": {"二号仓"}, "address": {"浦东新区 1 号"}, "primary": {"1"}, "_idem": {"l1"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("new location: %d %s", r.Code, excerpt(r.Body))
	}
	var locs []*model.Location
	e.st.View(func(tx *store.Tx) error { locs, _ = tx.Locations(store.AdminScope(), e.ids["customer:C1"]); return nil })
	if len(locs) != 2 || locs[0].Name != "二号仓" || !locs[0].Primary || locs[1].Primary {
		t.Fatalf("locations: %+v %+v", locs[0], locs[1])
	}
	// The old primary (now secondary) can be deleted; the primary cannot while another exists.
	m.get("/customers/" + cid)
	if r := m.post("/customers/"+cid+"/locations/"+itoa(locs[0].ID)+"/delete", url.Values{"version": {itoa(locs[0].Version)}}); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Make another location primary") {
		t.Fatalf("delete primary: %d", r.Code)
	}
	// Missing address: 422 next to the field, in Chinese for a Chinese user.
	m.lang = "zh"
	m.post("/lang", url.Values{"lang": {"zh"}})
	m.get("/customers/" + cid + "/locations/new")
	r = m.post("/customers/"+cid+"/locations", url.Values{"name": {"三号仓"}, "_idem": {"l2"}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "必填") {
		t.Fatalf("missing address: %d %s", r.Code, excerpt(r.Body))
	}
	// The manager adds a user; the new user can log in.
	m.get("/customers/" + cid + "/users/new")
	r = m.post("/customers/"+cid+"/users", url.Values{"username": {"c1.new"}, "name": {"新人"}, "roles": {"buyer"}, "password": {testPassword}, "_idem": {"u1"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("new dealer user: %d %s", r.Code, excerpt(r.Body))
	}
	e.login("c1.new")
	// A staff role cannot be given to a dealer user.
	m.get("/customers/" + cid + "/users/new")
	r = m.post("/customers/"+cid+"/users", url.Values{"username": {"c1.bad"}, "name": {"x"}, "roles": {"admin"}, "password": {testPassword}, "_idem": {"u2"}})
	if r.Code != http.StatusUnprocessableEntity {
		t.Fatalf("staff role for dealer: %d", r.Code)
	}
	// A buyer manages nothing.
	b := e.login("c1.buyer")
	for _, p := range []string{"/customers/" + cid + "/locations/new", "/customers/" + cid + "/users/new"} {
		if r := b.get(p); r.Code != http.StatusNotFound {
			t.Errorf("buyer %s: %d", p, r.Code)
		}
	}
}

// TestPasswordChangeEndsOtherSessions: changing one's password logs out the
// other browsers but keeps this one.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newTestEnv(t)
	a, other := e.login("c2.buyer"), e.login("c2.buyer")
	a.get("/account/password")
	r := a.post("/account/password", url.Values{"current": {testPassword}, "password": {"newsecret99"}, "confirm": {"newsecret99"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("change: %d %s", r.Code, excerpt(r.Body))
	}
	if r := a.get("/"); r.Code != http.StatusOK {
		t.Fatalf("this browser: %d", r.Code)
	}
	if r := other.get("/"); r.Code != http.StatusSeeOther {
		t.Fatalf("other browser still logged in: %d", r.Code)
	}
	a.get("/account/password")
	r = a.post("/account/password", url.Values{"current": {"wrong"}, "password": {"12345678"}, "confirm": {"x"}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Not your current password") || !strings.Contains(r.Body, "only digits") {
		t.Fatalf("bad change: %d %s", r.Code, excerpt(r.Body))
	}
}

// TestCustomerExport: CSV (with BOM) and XLSX of the filtered rows.
func TestCustomerExport(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	r := c.get("/customers?export=csv&q=C2")
	if r.Code != http.StatusOK || !strings.HasPrefix(r.Body, "\ufeff") || !strings.Contains(r.Body, "客户C2") || strings.Contains(r.Body, "客户C1") {
		t.Fatalf("csv: %d %q", r.Code, r.Body)
	}
	if !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatal("csv not a download")
	}
	r = c.get("/customers?export=xlsx")
	if r.Code != http.StatusOK || !strings.HasPrefix(r.Body, "PK") {
		t.Fatalf("xlsx: %d", r.Code)
	}
	if r := c.get("/customers?export=pdf"); r.Code != http.StatusBadRequest {
		t.Fatalf("unknown format: %d", r.Code)
	}
}

// TestAttachmentUpload: allowed types are stored and served as downloads;
// HTML is refused whatever its name.
func TestAttachmentUpload(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	cid := e.id("customer:C1")
	c.get("/customers/" + cid)
	up := func(name, content string) resp {
		body, ctype := multipartBody(map[string]string{"_csrf": c.csrf}, "file", name, []byte(content))
		return c.postRaw("/customers/"+cid+"/attachments", ctype, body)
	}
	if r := up("licence.pdf", "%PDF-1.4\n1 0 obj\n"); r.Code != http.StatusSeeOther {
		t.Fatalf("pdf: %d %s", r.Code, excerpt(r.Body))
	}
	c.get("/customers/" + cid)
	if r := up("evil.pdf", "<html><script>alert(1)</script></html>"); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "file type is not accepted") {
		t.Fatalf("html as pdf: %d", r.Code)
	}
	var atts []*model.Attachment
	e.st.View(func(tx *store.Tx) error { atts, _ = tx.Attachments("customer", e.ids["customer:C1"]); return nil })
	if len(atts) != 1 {
		t.Fatalf("attachments: %d", len(atts))
	}
	r := c.get("/attachments/" + itoa(atts[0].ID))
	if r.Code != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") || r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("download: %d %v", r.Code, r.Header)
	}
}

// TestDealerUserInvitedFromForm creates a dealer user with the form's
// default choice, an invitation: no password is asked, the e-mail address
// is, the user cannot log in until it follows its link, and the invitation
// e-mail is queued in the same action.
func TestDealerUserInvitedFromForm(t *testing.T) {
	e := newTestEnv(t)
	cid := e.id("customer:C1")
	m := e.login("admin")
	if r := m.get("/customers/" + cid + "/users/new"); !strings.Contains(r.Body, `name="setup" value="invite" checked`) {
		t.Fatalf("the new-user form does not offer the invitation by default: %s", excerpt(r.Body))
	}
	r := m.post("/customers/"+cid+"/users", url.Values{"username": {"c1.invited"}, "name": {"受邀"}, "roles": {"buyer"}, "setup": {"invite"}, "_idem": {"inv1"}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "请填写") && !strings.Contains(r.Body, "required") {
		t.Fatalf("invite without e-mail: %d %s", r.Code, excerpt(r.Body))
	}
	_ = e.st.View(func(tx *store.Tx) error {
		if _, err := tx.UserByUsername("c1.invited"); err == nil {
			t.Fatal("a refused invitation created the user")
		}
		return nil
	})
	r = m.post("/customers/"+cid+"/users", url.Values{"username": {"c1.invited"}, "name": {"受邀"}, "roles": {"buyer"}, "setup": {"invite"},
		"email": {"invited@example.com"}, "_idem": {"inv2"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("invite: %d %s", r.Code, excerpt(r.Body))
	}
	var inv *model.Invitation
	var hash string
	n := 0
	_ = e.st.View(func(tx *store.Tx) error {
		u, err := tx.UserByUsername("c1.invited")
		if err != nil {
			t.Fatalf("user not created: %v", err)
		}
		hash, inv = u.PasswordHash, tx.PendingInvitation(u.ID)
		msgs, _ := tx.PendingOutbox(100)
		for _, m := range msgs {
			if m.Event == model.EventUserInvited && m.UserID == u.ID {
				n++
			}
		}
		return nil
	})
	if hash != "" || inv == nil || inv.Email != "invited@example.com" {
		t.Fatalf("password hash %q, invitation %+v", hash, inv)
	}
	if n != 1 {
		t.Fatalf("invitation e-mails queued: %d, want 1", n)
	}
}
