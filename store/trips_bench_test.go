package store

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store/kv/pgkv"
)

// cpuTime is the CPU time the process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// roundTrips returns a counter of PostgreSQL round trips of s's database,
// nil on bbolt.
func roundTrips(s *Store) func() uint64 { return pgkv.RoundTripsOf(s.db) }

// BenchmarkStaffListTrips reads what the staff order desk reads in its
// transaction, for staff of one region (org-subtree scope: half of 200
// customers, not the org root): three status counts for the tabs, page 1
// of the list (20 rows) and each row's customer label; and the same for a
// dealer (one customer). On PostgreSQL it reports the round trips per page
// (trips/op): run on both backends to compare CPU per page,
//
//	go test ./store -run '^$' -bench StaffListTrips
//	PORTAL_TEST_BACKEND=postgres go test ./store -run '^$' -bench StaffListTrips
func BenchmarkStaffListTrips(b *testing.B) {
	const custs, perCust = 200, 20
	s, err := Open(testDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	s.SetClock(func() time.Time { return testNow })
	var north uint64
	var dealer uint64
	err = s.Update("bench", func(t *Tx) error {
		hq := &model.OrgUnit{Code: "HQ", Name: "总部"}
		if err := t.SaveOrgUnit(hq); err != nil {
			return err
		}
		var regions [2]*model.OrgUnit
		for i := range regions {
			regions[i] = &model.OrgUnit{Code: fmt.Sprintf("R%d", i), Name: fmt.Sprintf("大区 %d", i), ParentID: hq.ID}
			if err := t.SaveOrgUnit(regions[i]); err != nil {
				return err
			}
		}
		north = regions[0].ID
		for i := range custs {
			c := &model.Customer{Code: fmt.Sprintf("C%05d", i), Name: fmt.Sprintf("客户 %d", i), OrgUnitID: regions[i%2].ID, Status: model.CustomerActive}
			if err := t.SaveCustomer(AdminScope(), c); err != nil {
				return err
			}
			dealer = c.ID
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var ids []uint64
	_ = s.View(func(t *Tx) error { ids = t.CustomerIDs(AdminScope()); return nil })
	statuses := []model.Status{model.StatusDraft, model.StatusSubmitted, model.StatusAudited, model.StatusClosed}
	err = s.Update("bench", func(t *Tx) error {
		for i := range custs * perCust {
			d := &testDoc{CustomerID: ids[i%len(ids)], Date: "2026-03-01", Amount: model.Money(i), Note: fmt.Sprintf("备注 %d", i),
				Doc: model.Doc{Status: statuses[i%len(statuses)]}}
			if err := t.InsertDoc(AdminScope(), docTest, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	staff := &model.User{ID: 9999, Kind: model.KindStaff, ScopeMode: model.ScopeOrg, ScopeOrgs: []uint64{north}}
	page := func(sc Scope) {
		err := s.View(func(t *Tx) error {
			for _, st := range statuses[:3] {
				_ = t.CountDocs(sc, docTest, st)
			}
			rows, _, err := t.ListDocs(sc, docTest, DocFilter{}, Page{Limit: 20})
			if err != nil {
				return err
			}
			if len(rows) != 20 {
				return fmt.Errorf("%d rows", len(rows))
			}
			for _, r := range rows {
				if _, ok := t.CustomerLabel(sc, r.CustomerID); !ok {
					return fmt.Errorf("no label for %d", r.CustomerID)
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	trips := roundTrips(s)
	for _, bc := range []struct {
		name string
		sc   Scope
	}{{"staff_region", s.ScopeFor(staff)}, {"dealer", CustomerScope(dealer)}} {
		b.Run(bc.name, func(b *testing.B) {
			page(bc.sc)
			var t0 uint64
			if trips != nil {
				t0 = trips()
			}
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				page(bc.sc)
			}
			// CPU time of the process (PostgreSQL's own is not in it): on
			// a shared machine the wall time per page is mostly waiting.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
			if trips != nil {
				b.ReportMetric(float64(trips()-t0)/float64(b.N), "trips/op")
			}
		})
	}
}
