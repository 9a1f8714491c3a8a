package handlers

import (
	"bytes"
	"html/template"
	"strings"
	"testing"

	"dealerportal/model"
)

// TestLayoutSkeleton: a page assembled from the cut layout is byte for byte
// the layout template's output, in both languages, signed in or not, with
// hostile values in every per-request place (title key, enterprise and user
// names, path and query, CSRF token), and the menu and bell are those of
// their templates.
func TestLayoutSkeleton(t *testing.T) {
	e := newTestEnv(t)
	h := e.h
	hostile := `<b a="1" b='2'>&amp; +x` + "\x00</b> ⟦中文⟧ \ue000z\ue001"
	for _, l := range Languages {
		for _, u := range []*model.User{nil,
			{Username: "u" + hostile, Name: "n" + hostile, Kind: model.KindStaff, Roles: []model.Role{model.RoleAdmin}},
			{Username: "d.buyer", Name: "D", Kind: model.KindDealer, Roles: []model.Role{model.RoleBuyer}}} {
			for _, path := range []string{"/", "/cart", "/settings/api", "/x\"y<z>"} {
				v := &View{h: h, Lang: l, User: u, Title: "cart.title", Path: path, Query: "a=1&b=" + hostile,
					CSRF: "tok" + hostile, Settings: &model.Settings{EnterpriseName: "E" + hostile},
					Content: template.HTML("<p>content " + hostile + "</p>")}
				if u != nil {
					v.Nav, v.navKey = h.navFor(u)
				}
				var want, got bytes.Buffer
				if err := h.engine.Render(&want, "layouts/main", v); err != nil {
					t.Fatal(err)
				}
				for range 2 { // the second from the caches
					got.Reset()
					if err := h.writeLayout(&got, "layouts/main", v); err != nil {
						t.Fatal(err)
					}
					if got.String() != want.String() {
						t.Fatalf("%s %v %s: cut layout differs:\n%s\n----\n%s", l, u != nil, path, got.String(), want.String())
					}
				}
				if u != nil && !strings.Contains(got.String(), `id="nav"`) {
					t.Errorf("%s %s: no menu", l, path)
				}
				if strings.Contains(got.String(), "\ue000b") || strings.Contains(got.String(), "⟦cart") {
					t.Errorf("%s %s: marker or raw key left: %s", l, path, got.String())
				}
			}
		}
	}
	// The menu marks the current page's links; the cache keeps them apart.
	u := &model.User{Username: "d", Name: "D", Kind: model.KindDealer, Roles: []model.Role{model.RoleBuyer}}
	nav, key := h.navFor(u)
	for _, path := range []string{"/cart", "/catalog", "/cart"} {
		v := &View{h: h, Lang: "en", User: u, Path: path, Nav: nav, navKey: key}
		s := string(v.NavHTML())
		if !strings.Contains(s, `<a href="`+path+`" class="active" aria-current="page"`) && !strings.Contains(s, `href="`+path+`" class="nav-solo active"`) {
			t.Errorf("%s not active in %s", path, s)
		}
	}
}
