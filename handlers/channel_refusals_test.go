package handlers

import (
	"net/http"
	"net/url"
	"testing"
)

// TestChannelActionRefusals: the permission to change a channel document
// is checked by the handlers (the store checks none). Each row is a user
// who sees the document but may not take the action; the last rows show
// that the owner may, so that the table can fail.
func TestChannelActionRefusals(t *testing.T) {
	e := newTestEnv(t)
	channelFixture(t, e)
	doc := func(k string) string {
		return map[string]string{"opp": "/opportunities/", "cp": "/complaints/", "sr": "/service-requests/"}[k] + e.id(k+":C1")
	}
	cases := []struct {
		user, kind, action string
		form               url.Values
		want               int
	}{
		// Staff without the filing permissions: a draft is not theirs to change.
		{"viewer", "opp", "", url.Values{"project": {"x"}}, http.StatusConflict},
		{"viewer", "opp", "/delete", nil, http.StatusForbidden},
		{"viewer", "opp", "/submit", nil, http.StatusForbidden},
		{"viewer", "opp", "/evaluate", url.Values{"verdict": {"accept"}}, http.StatusForbidden},
		{"viewer", "sr", "", url.Values{"contact": {"x"}}, http.StatusConflict},
		{"viewer", "sr", "/close", nil, http.StatusForbidden},
		{"viewer", "sr", "/log", url.Values{"note": {"已回访"}}, http.StatusForbidden},
		{"viewer", "cp", "/close", nil, http.StatusForbidden},
		// Sales handle opportunities, not service.
		{"east", "sr", "/start", nil, http.StatusForbidden},
		{"east", "sr", "/log", url.Values{"note": {"已回访"}}, http.StatusForbidden},
		{"east", "cp", "/audit", nil, http.StatusForbidden},
		// Dealers file; staff evaluate and handle.
		{"c1.buyer", "opp", "/evaluate", url.Values{"verdict": {"accept"}, "protection_end": {"2099-01-01"}}, http.StatusForbidden},
		{"c1.buyer", "sr", "/start", nil, http.StatusForbidden},
		{"c1.buyer", "sr", "/resolve", url.Values{"solution": {"更换电机"}}, http.StatusForbidden},
		{"c1.buyer", "sr", "/log", url.Values{"note": {"已回访"}}, http.StatusForbidden},
		{"c1.buyer", "cp", "/handle", url.Values{"resolution": {"召回"}}, http.StatusForbidden},
		// The owner may.
		{"c1.manager", "sr", "/close", nil, http.StatusSeeOther},
		{"c1.manager", "opp", "/submit", nil, http.StatusSeeOther},
	}
	for _, c := range cases {
		cl := e.login(c.user)
		form := url.Values{"version": {chVersion(t, cl, doc(c.kind))}}
		for k, v := range c.form {
			form[k] = v
		}
		if r := cl.post(doc(c.kind)+c.action, form); r.Code != c.want {
			t.Errorf("%s POST %s%s: %d, want %d: %s", c.user, c.kind, c.action, r.Code, c.want, excerpt(r.Body))
		}
	}
}
