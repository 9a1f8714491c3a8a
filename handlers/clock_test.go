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

// inputValue is the value attribute of the page's input named name.
func inputValue(t *testing.T, body, name string) string {
	t.Helper()
	tag := regexp.MustCompile(`<input[^>]*\bname="` + regexp.QuoteMeta(name) + `"[^>]*>`).FindString(body)
	m := regexp.MustCompile(`\bvalue="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		t.Fatalf("no input %q with a value in page: %s", name, excerpt(body))
	}
	return m[1]
}

// TestDatesAtDayEdges: every "today" a page proposes, every printed time
// and every export file name follow the store clock in the enterprise's
// zone, a minute either side of midnight in Shanghai and in UTC.
func TestDatesAtDayEdges(t *testing.T) {
	e := newTestEnv(t)
	for _, edge := range clocktest.DayEdges {
		t.Run(edge.Name, func(t *testing.T) {
			// Sessions live on the store clock too: log in at the edge.
			e.st.SetClock(func() time.Time { return edge.At })
			admin, dealer := e.login("admin"), e.login("c1.manager")
			compact := strings.ReplaceAll(edge.Today, "-", "")

			// Export file names carry the enterprise's date.
			r := admin.get("/customers?export=csv")
			if cd := r.Header.Get("Content-Disposition"); r.Code != http.StatusOK || !strings.Contains(cd, "-"+compact+".csv") {
				t.Errorf("export: %d %q, want the date %s", r.Code, cd, compact)
			}

			// The statement form proposes last month, and this month up to today.
			r = admin.get("/statements?customer=C1")
			period, from, to := model.PreviousMonth(edge.Today)
			if got := inputValue(t, r.Body, "from") + " " + inputValue(t, r.Body, "to"); got != from+" "+to {
				t.Errorf("statement period %s, want %s (%s)", got, from+" "+to, period)
			}
			if !strings.Contains(r.Body, edge.Today[:8]+"01") || !strings.Contains(r.Body, edge.Today) {
				t.Errorf("statement form lacks this month up to %s", edge.Today)
			}

			// A new sales order, receipt and stocktake are dated today.
			if got := inputValue(t, admin.get("/sales-orders/new?customer=C1").Body, "order_date"); got != edge.Today {
				t.Errorf("new sales order dated %s, want %s", got, edge.Today)
			}
			if got := inputValue(t, admin.get("/receipts/new?customer=C1").Body, "date"); got != edge.Today {
				t.Errorf("new receipt dated %s, want %s", got, edge.Today)
			}
			if got := inputValue(t, dealer.get("/stocktakes/new").Body, "date"); got != edge.Today {
				t.Errorf("new stocktake dated %s, want %s", got, edge.Today)
			}

			// A new announcement takes effect now, shown in Shanghai time.
			want := strings.Replace(edge.Local(), " ", "T", 1)
			if got := inputValue(t, admin.get("/announcements/new").Body, "effective_from"); got != want {
				t.Errorf("new announcement effective %s, want %s", got, want)
			}

			// Print views show when they were printed, in Shanghai time.
			if r := admin.get("/customers/" + e.id("customer:C1") + "/print"); !strings.Contains(r.Body, edge.Local()) {
				t.Errorf("print view lacks the print time %s: %s", edge.Local(), excerpt(r.Body))
			}
		})
	}
}

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
