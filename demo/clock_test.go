package demo

import (
	"strings"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/clocktest"
	"dealerportal/store/kv/pgtest"
)

// TestDemoDatesAtDayEdges: the demo is dated by the store clock in the
// enterprise's zone: no document after today, numbers of today's year, and
// C0001's price of the year in force today.
func TestDemoDatesAtDayEdges(t *testing.T) {
	for _, edge := range clocktest.DayEdges {
		t.Run(edge.Name, func(t *testing.T) {
			st := openStore(t, pgtest.DSN(t, "portal.db"))
			st.SetClock(func() time.Time { return edge.At })
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
						if d.Date > edge.Today {
							t.Errorf("%s dated %s, after today %s", d.Number, d.Date, edge.Today)
						}
						if !strings.Contains(d.Number, "-"+edge.Today[:4]+"-") {
							t.Errorf("%s numbered outside the year of %s", d.Number, edge.Today)
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
					t.Errorf("C0001 pays %s for P-1001 on %s, want this year's 1180.00", q.Price, edge.Today)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
