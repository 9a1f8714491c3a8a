package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dealerportal/store"
)

// TestFormsKeepFreeText: what a user types into a name, a specification,
// a title or a body is saved as typed — full-width punctuation, inner and
// ideographic spaces, line breaks — and only trimmed at its ends.
func TestFormsKeepFreeText(t *testing.T) {
	e := newTestEnv(t)
	a := e.login("admin")
	a.get("/products/new")
	const name, spec = "（新品）A，B  伺服电机", "220V　400W；含编码器"
	r := a.post("/products", url.Values{"code": {"ab12"}, "name": {"  " + name + " "}, "spec": {spec}, "unit": {"个"},
		"list_price": {"１２"}, "tax_rate": {"13"}, "active": {"1"}, "_idem": {"ft1"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("product: %d %s", r.Code, excerpt(r.Body))
	}
	_ = e.st.View(func(tx *store.Tx) error {
		p, err := tx.ProductByCode("AB12")
		if err != nil {
			t.Fatalf("no product AB12: %v", err)
		}
		if p.Name != name || p.Spec != spec || p.Unit != "个" || p.ListPrice != 1200 {
			t.Errorf("saved %q %q %q %v", p.Name, p.Spec, p.Unit, p.ListPrice)
		}
		return nil
	})
	const title, body = "关于（五一）放假的通知", "各位经销商：\n\n  5 月 1 日至 5 日放假，期间订单顺延处理。\n谢谢！"
	a.get("/announcements/new")
	r = a.post("/announcements", url.Values{"title": {title}, "body": {body}, "audience_customers": {"C1"},
		"effective_from": {e.st.LocalNow().Add(-time.Hour).Format("2006-01-02T15:04")}, "_idem": {"ft2"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("announcement: %d %s", r.Code, excerpt(r.Body))
	}
	page := a.get(r.Header.Get("Location"))
	for _, s := range []string{title, body} {
		if !strings.Contains(page.Body, s) {
			t.Errorf("the page does not show %q as typed", s)
		}
	}
}
