package handlers

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store/clocktest"
)

// TestConflictTimeInEnterpriseZone: the conflict message shows when the
// other user saved, in the enterprise's zone, in the reader's language.
func TestConflictTimeInEnterpriseZone(t *testing.T) {
	for _, edge := range clocktest.DayEdges {
		t.Run(edge.Name, func(t *testing.T) {
			e := newTestEnv(t)
			e.st.SetClock(func() time.Time { return edge.At })
			a, b := e.login("admin"), e.login("east")
			speak(b, "zh")
			path := "/customers/" + e.id("customer:C1")
			a.get(path + "/edit")
			b.get(path + "/edit")
			if r := a.post(path, customerForm(e, "C1", "version", "1", "name", "由管理员修改")); r.Code != http.StatusSeeOther {
				t.Fatalf("first save: %d %s", r.Code, excerpt(r.Body))
			}
			e.st.SetClock(func() time.Time { return edge.At.Add(2 * time.Hour) })
			r := b.post(path, customerForm(e, "C1", "version", "1", "name", "由华东修改"))
			if want := "admin 已于 " + edge.Local() + " 修改了此记录"; r.Code != http.StatusConflict || !strings.Contains(r.Body, want) {
				t.Fatalf("conflict: %d, want %q in %s", r.Code, want, excerpt(r.Body))
			}
		})
	}
}
