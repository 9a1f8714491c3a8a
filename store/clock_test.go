package store

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store/clocktest"
)

func TestTodayAtDayEdges(t *testing.T) {
	f := newFixture(t)
	for _, edge := range clocktest.DayEdges {
		t.Run(edge.Name, func(t *testing.T) {
			f.s.SetClock(func() time.Time { return edge.At })
			if got := f.s.Today(); got != edge.Today {
				t.Errorf("Store.Today = %s, want %s", got, edge.Today)
			}
			if got := f.s.LocalNow().Format(model.DateLayout); got != edge.Today {
				t.Errorf("Store.LocalNow = %s, want %s", got, edge.Today)
			}
			if !f.s.Now().Equal(edge.At) || f.s.Now().Location() != time.UTC {
				t.Errorf("Store.Now = %v, want %v in UTC", f.s.Now(), edge.At)
			}
			update(t, f.s, func(tx *Tx) error {
				if got := tx.Today(); got != edge.Today {
					t.Errorf("Tx.Today = %s, want %s", got, edge.Today)
				}
				if got := tx.priceDay(); got != edge.Today {
					t.Errorf("price day = %s, want %s", got, edge.Today)
				}
				// Document numbers count per year of the enterprise.
				no, err := tx.NextDocNumber(model.DocSalesOrder, tx.Zone())
				if err != nil {
					return err
				}
				if want := "SO-" + edge.Today[:4] + "-"; !strings.HasPrefix(no, want) {
					t.Errorf("number %s, want %s…", no, want)
				}
				// New documents default to the enterprise's today.
				so, err := tx.NewSalesOrder(AdminScope(), f.c1.ID)
				if err != nil {
					return err
				}
				oo, err := tx.NewOnlineOrder(CustomerScope(f.c1.ID), f.c1.ID)
				if err != nil {
					return err
				}
				if so.OrderDate != edge.Today || oo.OrderDate != edge.Today {
					t.Errorf("new order dates %s / %s, want %s", so.OrderDate, oo.OrderDate, edge.Today)
				}
				return nil
			})
		})
	}
}

// The monthly statement covers the month before the enterprise's today: at
// 23:59 on 31 December in Shanghai it is November's, a minute later
// December's, whatever the date is in UTC or on the host.
func TestMonthlyStatementPeriodAtDayEdges(t *testing.T) {
	for _, edge := range clocktest.DayEdges {
		t.Run(edge.Name, func(t *testing.T) {
			f := newFixture(t)
			update(t, f.s, func(tx *Tx) error {
				return tx.SaveStatementSetting(AdminScope(), &model.StatementSetting{CustomerID: f.c1.ID, MonthlyStatement: true})
			})
			f.s.SetClock(func() time.Time { return edge.At })
			var msgs []*model.OutboxMessage
			update(t, f.s, func(tx *Tx) error {
				if n, err := tx.EmitMonthlyStatements(); err != nil || n != 1 {
					t.Fatalf("raised %d statements: %v", n, err)
				}
				var err error
				msgs, err = tx.PendingOutbox(100)
				return err
			})
			period, from, to := model.PreviousMonth(edge.Today)
			var got *model.OutboxMessage
			for _, m := range msgs {
				if m.Event == model.EventMonthlyStatement {
					got = m
				}
			}
			if got == nil || got.Params["period"] != period || got.Params["link"] != StatementLink(f.c1.ID, from, to) {
				t.Fatalf("statement message %+v, want period %s (%s – %s)", got, period, from, to)
			}
		})
	}
}

// A stocktake may be dated the enterprise's today, not tomorrow; a complaint
// may not report goods found tomorrow.
func TestChannelDatesAtDayEdges(t *testing.T) {
	for _, edge := range clocktest.DayEdges {
		t.Run(edge.Name, func(t *testing.T) {
			f := newChannelFixture(t)
			sc1 := CustomerScope(f.c1.ID)
			p1 := f.ref(t, sc1, f.c1.ID, "P1", true)
			p2 := f.ref(t, sc1, f.c1.ID, "P2", false)
			f.s.SetClock(func() time.Time { return edge.At })
			tomorrow := model.AddDays(edge.Today, 1)
			err := f.s.Update("t", func(tx *Tx) error {
				return tx.SaveStocktake(sc1, f.d1a, stocktake(f.c1.ID, tomorrow, model.StocktakeLine{ProductRef: p1, Qty: 1000}), false)
			})
			var ve *model.ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("stocktake dated %s accepted on %s: %v", tomorrow, edge.Today, err)
			}
			update(t, f.s, func(tx *Tx) error {
				return tx.SaveStocktake(sc1, f.d1a, stocktake(f.c1.ID, edge.Today, model.StocktakeLine{ProductRef: p1, Qty: 1000}), false)
			})
			complaint := func(found string) *model.Complaint {
				return &model.Complaint{CustomerID: f.c1.ID, AccusedName: "某经销商", Territory: "北京朝阳", PlaceFound: "朝阳区某五金店",
					Product: p2, Qty: 1000, DateFound: found, Description: "低价串货"}
			}
			err = f.s.Update("t", func(tx *Tx) error { return tx.SaveComplaint(sc1, f.d1a, complaint(tomorrow)) })
			if !errors.As(err, &ve) {
				t.Errorf("complaint found %s accepted on %s: %v", tomorrow, edge.Today, err)
			}
			c := complaint(edge.Today)
			update(t, f.s, func(tx *Tx) error { return tx.SaveComplaint(sc1, f.d1a, c) })
			if c.FiledDate != edge.Today {
				t.Errorf("complaint filed %s, want %s", c.FiledDate, edge.Today)
			}
		})
	}
}

// The zone is loaded at open, follows a committed settings change (at once
// inside the saving transaction), ignores a rolled-back one, and is read
// back from the file when it is opened again.
func TestZoneCachedAndFollowsSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zone.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 6, 30, 20, 0, 0, 0, time.UTC) // 04:00 on 1 July in Shanghai, 16:00 on 30 June in New York
	s.SetClock(func() time.Time { return at })
	if s.Zone().String() != "Asia/Shanghai" || s.Today() != "2026-07-01" {
		t.Fatalf("new file: zone %s, today %s", s.Zone(), s.Today())
	}
	ny := func(tx *Tx) error {
		st := tx.Settings()
		st.TimeZone = "America/New_York"
		if err := tx.SaveSettings(st); err != nil {
			return err
		}
		if tx.Today() != "2026-06-30" {
			t.Errorf("inside the saving transaction: today %s", tx.Today())
		}
		return nil
	}
	errBack := errors.New("roll back")
	if err := s.Update("t", func(tx *Tx) error {
		if err := ny(tx); err != nil {
			return err
		}
		return errBack
	}); !errors.Is(err, errBack) {
		t.Fatal(err)
	}
	if s.Zone().String() != "Asia/Shanghai" {
		t.Fatalf("a rolled-back save changed the zone to %s", s.Zone())
	}
	if err := s.Update("t", ny); err != nil {
		t.Fatal(err)
	}
	if s.Zone().String() != "America/New_York" || s.Today() != "2026-06-30" {
		t.Fatalf("after save: zone %s, today %s", s.Zone(), s.Today())
	}
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Zone().String() != "America/New_York" {
		t.Fatalf("reopened: zone %s", s.Zone())
	}
}

// A conflict carries the instant of the other save, in UTC, for the display
// layer to show in the enterprise's zone.
func TestConflictCarriesInstant(t *testing.T) {
	f := newFixture(t)
	saved := clocktest.DayEdges[1].At
	f.s.SetClock(func() time.Time { return saved })
	a, _ := f.s.Customer(AdminScope(), f.c1.ID)
	b, _ := f.s.Customer(AdminScope(), f.c1.ID)
	a.Name = "First"
	update(t, f.s, func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), a) })
	f.s.SetClock(func() time.Time { return saved.Add(time.Hour) })
	err := f.s.Update("wang", func(tx *Tx) error { return tx.SaveCustomer(AdminScope(), b) })
	var ce *model.ConflictError
	if !errors.As(err, &ce) || !ce.At.Equal(saved) || ce.At.Location() != time.UTC {
		t.Fatalf("conflict %v, want at %v in UTC", err, saved)
	}
}

func TestStartClockAt(t *testing.T) {
	if c, err := ParseClock(""); c != nil || err != nil {
		t.Errorf("empty: a clock (%t) or %v", c != nil, err)
	}
	for _, bad := range []string{"2026-05-31", "23:59", "tomorrow"} {
		if _, err := ParseClock(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	c, err := ParseClock("2026-05-31T23:59:00+08:00")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 5, 31, 15, 59, 0, 0, time.UTC)
	first := c()
	if d := first.Sub(start); d < 0 || d > time.Minute {
		t.Fatalf("clock reads %v, want %v", first, start)
	}
	time.Sleep(2 * time.Millisecond)
	if !c().After(first) {
		t.Error("the clock does not run")
	}
}
