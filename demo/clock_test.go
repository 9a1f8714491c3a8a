package demo

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"
)

// dayEdges are the instants the demo is generated at: a minute either side
// of midnight in Shanghai (15:59 and 16:01 UTC) and of midnight UTC (07:59
// and 08:01 in Shanghai), at a year's end.
var dayEdges = []struct {
	name  string
	at    time.Time
	today string // the date in Asia/Shanghai
}{
	{"23:59 Shanghai (15:59 UTC)", time.Date(2026, 12, 31, 15, 59, 0, 0, time.UTC), "2026-12-31"},
	{"00:01 Shanghai (16:01 UTC)", time.Date(2026, 12, 31, 16, 1, 0, 0, time.UTC), "2027-01-01"},
	{"07:59 Shanghai (23:59 UTC)", time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC), "2027-01-01"},
	{"08:01 Shanghai (00:01 UTC)", time.Date(2027, 1, 1, 0, 1, 0, 0, time.UTC), "2027-01-01"},
}

// TestDemoDatesAtDayEdges: the demo is dated by the store clock in the
// enterprise's zone: no document after today, numbers of today's year, and
// C0001's price of the year in force today.
func TestDemoDatesAtDayEdges(t *testing.T) {
	for _, edge := range dayEdges {
		t.Run(edge.name, func(t *testing.T) {
			st := openStore(t, filepath.Join(t.TempDir(), "portal.db"))
			st.SetClock(func() time.Time { return edge.at })
			if _, err := FirstStart(st, Options{Demo: true}); err != nil {
				t.Fatal(err)
			}
			err := st.View(func(tx *store.Tx) error {
				sc := store.AdminScope()
				n := 0
				for _, kind := range []model.DocType{model.DocSalesOrder, model.DocOutbound, model.DocInvoice, model.DocReceipt} {
					docs, _, err := tx.ListDocs(sc, kind, store.DocFilter{}, store.Page{Limit: -1})
					if err != nil {
						return err
					}
					for _, d := range docs {
						n++
						if d.Date > edge.today {
							t.Errorf("%s dated %s, after today %s", d.Number, d.Date, edge.today)
						}
						if !strings.Contains(d.Number, "-"+edge.today[:4]+"-") {
							t.Errorf("%s numbered outside the year of %s", d.Number, edge.today)
						}
					}
				}
				if n == 0 {
					t.Error("the demo made no documents")
				}
				c1, err := tx.CustomerByCode(sc, "C0001")
				if err != nil {
					return err
				}
				p, err := tx.ProductByCode("P-1001")
				if err != nil {
					return err
				}
				q, err := tx.Quote(c1.ID, p.ID, model.QtyScale)
				if err != nil {
					return err
				}
				if q.Price != 118000 {
					t.Errorf("C0001 pays %s for P-1001 on %s, want this year's 1180.00", q.Price, edge.today)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
