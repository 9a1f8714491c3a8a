package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"dealerportal/store"
)

// TestPeopleRefusals: the refusals of the people, location, settings and
// attachment actions that the handlers decide before the one use case
// (the acting user's own account, the function permission) or that the
// model's rules decide inside it, answered at the route with their status
// and message; each case fails when its check is removed.
func TestPeopleRefusals(t *testing.T) {
	e := newTestEnv(t)
	login := func(name string) *client {
		cl := e.login(name)
		cl.get("/account") // the form token
		return cl
	}
	c1, admin := e.id("customer:C1"), login("admin")
	// A second location of C1, so that its primary may neither be
	// un-flagged nor deleted; and a file of C1 to delete.
	if r := admin.post("/customers/"+c1+"/locations", url.Values{"name": {"二仓"}, "address": {"地址 2"}, "_idem": {"loc-2"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("second location: %d %s", r.Code, excerpt(r.Body))
	}
	body, ctype := multipartBody(map[string]string{"_csrf": admin.csrf}, "file", "合同.pdf", []byte("%PDF-1.4 contract"))
	if r := admin.postRaw("/customers/"+c1+"/attachments", ctype, body); r.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", r.Code, excerpt(r.Body))
	}
	var attID uint64
	version := func(kind string, id uint64) string {
		var v uint64
		err := e.st.View(func(tx *store.Tx) error {
			switch kind {
			case "user":
				u, err := tx.UserByID(id)
				if err == nil {
					v = u.Version
				}
				return err
			case "location":
				l, err := tx.Location(store.AdminScope(), e.ids["customer:C1"], id)
				if err == nil {
					v = l.Version
				}
				return err
			}
			as, err := tx.Attachments("customer", e.ids["customer:C1"])
			if len(as) > 0 {
				attID = as[0].ID
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatUint(v, 10)
	}
	version("attachment", 0)
	adminID, mgrID, buyerID, locID := e.ids["user:admin"], e.ids["user:c1.manager"], e.ids["user:c1.buyer"], e.ids["location:C1"]
	cases := []struct {
		user, path string
		form       url.Values
		want       int
		says       string // in the answer
	}{
		// Nobody disables their own account or resets their own password on
		// the user pages.
		{"admin", "/staff/" + e.id("user:admin") + "/disable", url.Values{"version": {version("user", adminID)}}, http.StatusUnprocessableEntity, "You cannot do this to your own account"},
		{"admin", "/staff/" + e.id("user:admin") + "/password", url.Values{"password": {"Another-pass-123"}}, http.StatusUnprocessableEntity, "You cannot do this to your own account"},
		{"c1.manager", "/customers/" + c1 + "/users/" + e.id("user:c1.manager") + "/disable", url.Values{"version": {version("user", mgrID)}}, http.StatusUnprocessableEntity, "You cannot do this to your own account"},
		// A user with a password is not invited (model.CheckInvitable).
		{"admin", "/customers/" + c1 + "/users/" + e.id("user:c1.buyer") + "/invite", nil, http.StatusUnprocessableEntity, "The user has chosen a password already"},
		// The primary location stays one until another is made primary
		// (model.CheckLocationChange, CheckLocationDelete).
		{"admin", "/customers/" + c1 + "/locations/" + e.id("location:C1"), url.Values{"name": {"仓库C1"}, "address": {"地址 C1"}, "version": {version("location", locID)}}, http.StatusUnprocessableEntity, "Make another location primary instead"},
		{"admin", "/customers/" + c1 + "/locations/" + e.id("location:C1") + "/delete", url.Values{"version": {version("location", locID)}}, http.StatusUnprocessableEntity, "Make another location primary before deleting this one"},
		// Only admins change the settings.
		{"east", "/settings", url.Values{"enterprise_name": {"x"}}, http.StatusForbidden, ""},
		{"c1.manager", "/settings", url.Values{"enterprise_name": {"x"}}, http.StatusForbidden, ""},
		// A customer's file is removed by who manages customers.
		{"viewer", "/attachments/" + strconv.FormatUint(attID, 10) + "/delete", nil, http.StatusForbidden, ""},
		{"c1.manager", "/attachments/" + strconv.FormatUint(attID, 10) + "/delete", nil, http.StatusForbidden, ""},
	}
	for _, c := range cases {
		r := login(c.user).post(c.path, c.form)
		if r.Code != c.want || !strings.Contains(r.Body, c.says) {
			t.Errorf("%s POST %s: %d, want %d with %q: %s", c.user, c.path, r.Code, c.want, c.says, excerpt(r.Body))
		}
	}
	// Nothing changed.
	_ = e.st.View(func(tx *store.Tx) error {
		for _, id := range []uint64{adminID, mgrID, buyerID} {
			if u, _ := tx.UserByID(id); u == nil || u.Disabled || tx.PendingInvitation(id) != nil {
				t.Errorf("user %d changed: %+v", id, u)
			}
		}
		if l, err := tx.Location(store.AdminScope(), e.ids["customer:C1"], locID); err != nil || !l.Primary {
			t.Errorf("primary location: %v %v", l, err)
		}
		if _, _, err := tx.Attachment(store.AdminScope(), attID); err != nil {
			t.Errorf("attachment: %v", err)
		}
		if s := tx.Settings(); s.EnterpriseName == "x" {
			t.Errorf("settings changed")
		}
		return nil
	})
	// The owner of the permission may.
	if r := admin.post("/attachments/"+strconv.FormatUint(attID, 10)+"/delete", nil); r.Code != http.StatusSeeOther {
		t.Errorf("admin removes the file: %d %s", r.Code, excerpt(r.Body))
	}
}
