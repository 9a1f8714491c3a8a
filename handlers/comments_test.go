package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// TestViewerCannotComment: commenting is a write. The read-only viewer sees
// the documents of its scope with their threads but no comment form, and a
// posted comment is refused (403) without a comment or a message to the
// dealer; out of scope it is still a 404.
func TestViewerCannotComment(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	ordersFixture(t, e)
	channelFixture(t, e)
	count := func() (comments, msgs int) {
		_ = e.st.View(func(tx *store.Tx) error {
			ms, _ := tx.PendingOutbox(1000)
			for _, m := range ms {
				if m.Event == model.EventCommentAdded {
					msgs++
				}
			}
			return nil
		})
		_ = e.st.View(func(tx *store.Tx) error {
			for k, id := range map[model.DocType]string{model.DocOnlineOrder: "oo:C1", model.DocSalesOrder: "so:C1",
				model.DocChangeRequest: "cr:C1", model.DocServiceRequest: "sr:C1"} {
				cs, _ := tx.Comments(store.AdminScope(), k, e.ids[id])
				comments += len(cs)
			}
			return nil
		})
		return
	}
	v := e.login("viewer")
	for _, d := range []struct {
		page, kind, id string
	}{
		{"/online-orders/", "OO", "oo:C1"},
		{"/sales-orders/", "SO", "so:C1"},
		{"/change-requests/", "CR", "cr:C1"},
		{"/service-requests/", "SR", "sr:C1"},
	} {
		post := "/comments/" + d.kind + "/" + e.id(d.id)
		r := v.get(d.page + e.id(d.id))
		if r.Code != http.StatusOK || strings.Contains(r.Body, `action="`+post+`"`) {
			t.Errorf("viewer %s: %d, comment form shown: %v", d.page, r.Code, strings.Contains(r.Body, post))
		}
		wantCode(t, "viewer comment on "+d.kind, v.post(post, url.Values{"text": {"看一下"}, "_idem": {d.kind}}), http.StatusForbidden)
	}
	if c, m := count(); c != 0 || m != 0 {
		t.Errorf("after the viewer's posts: %d comments, %d messages", c, m)
	}
	wantCode(t, "viewer out of scope", v.post("/comments/OO/"+e.id("oo:C2"), url.Values{"text": {"x"}}), http.StatusNotFound)
	// Staff who may write still see the form and post.
	s := e.login("east")
	post := "/comments/OO/" + e.id("oo:C1")
	if r := s.get("/online-orders/" + e.id("oo:C1")); !strings.Contains(r.Body, `action="`+post+`"`) {
		t.Error("east has no comment form")
	}
	wantCode(t, "east comment", s.post(post, url.Values{"text": {"好的"}}), http.StatusSeeOther)
	if c, _ := count(); c != 1 {
		t.Errorf("east's comment: %d comments", c)
	}
}
