package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestStatementETag: a statement downloaded again with the same figures in
// the same printed minute is 304 Not Modified to a client that sends its
// ETag; a confirmation, another language, or the next minute makes another
// document with another ETag.
func TestStatementETag(t *testing.T) {
	e := newReconEnv(t)
	now := time.Date(2026, 4, 2, 1, 30, 5, 0, time.UTC)
	e.st.SetClock(func() time.Time { return now })
	c := e.login("c1.finance")
	c.setLang("zh")
	path := "/statements/" + e.id("customer:C1") + "?from=2026-03-01&to=2026-03-31"
	first := c.get(path)
	tag := first.Header.Get("ETag")
	if first.Code != http.StatusOK || tag == "" || !strings.Contains(first.Header.Get("Cache-Control"), "private") {
		t.Fatalf("first download: %d, ETag %q, Cache-Control %q", first.Code, tag, first.Header.Get("Cache-Control"))
	}
	now = now.Add(40 * time.Second) // the same minute
	if r := c.get(path, "If-None-Match", tag); r.Code != http.StatusNotModified || r.Body != "" {
		t.Errorf("unchanged statement: %d with %d bytes, want 304", r.Code, len(r.Body))
	}
	if r := c.get(path); r.Code != http.StatusOK || r.Body != first.Body || r.Header.Get("ETag") != tag {
		t.Errorf("unchanged statement without If-None-Match: %d, same bytes %t", r.Code, r.Body == first.Body)
	}
	check := func(what string) {
		t.Helper()
		r := c.get(path, "If-None-Match", tag)
		if r.Code != http.StatusOK || r.Header.Get("ETag") == tag || r.Body == first.Body {
			t.Errorf("%s: %d, ETag %q (was %q)", what, r.Code, r.Header.Get("ETag"), tag)
		}
	}
	c.setLang("en")
	check("in English")
	c.setLang("zh")
	c.get("/reconciliation/outbounds/" + e.id("ship.ob:C1"))
	rcStatus(t, "confirm", c.post("/reconciliation/outbounds/"+e.id("ship.ob:C1")+"/confirm", url.Values{"version": {"0"}}), http.StatusSeeOther)
	check("after a confirmation")
	tag = c.get(path).Header.Get("ETag")
	now = now.Add(time.Minute)
	check("the next minute")
}
