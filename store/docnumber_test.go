package store

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"dealerportal/model"
)

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

func nextNumber(s *Store, dt model.DocType) (string, error) {
	var n string
	err := s.Update("x", func(tx *Tx) (err error) { n, err = tx.NextDocNumber(dt, shanghai); return })
	return n, err
}

func TestNextDocNumber(t *testing.T) {
	s := openStore(t)
	steps := []struct {
		dt   model.DocType
		want string
	}{
		{model.DocSalesOrder, "SO-2026-000001"},
		{model.DocSalesOrder, "SO-2026-000002"},
		{model.DocOnlineOrder, "OO-2026-000001"}, // each type counts on its own
		{model.DocSalesOrder, "SO-2026-000003"},
		{model.DocOnlineOrder, "OO-2026-000002"},
	}
	for _, st := range steps {
		got, err := nextNumber(s, st.dt)
		if err != nil || got != st.want {
			t.Fatalf("NextDocNumber(%s) = %q, %v; want %q", st.dt, got, err, st.want)
		}
	}
	// Several numbers in one transaction are consecutive too.
	update(t, s, func(tx *Tx) error {
		for _, want := range []string{"SO-2026-000004", "SO-2026-000005"} {
			got, err := tx.NextDocNumber(model.DocSalesOrder, shanghai)
			if err != nil || got != want {
				t.Errorf("in one tx: %q, %v; want %q", got, err, want)
			}
		}
		return nil
	})
}

func TestNextDocNumberRollbackGivesNumberBack(t *testing.T) {
	s := openStore(t)
	if got, _ := nextNumber(s, model.DocReceipt); got != "RC-2026-000001" {
		t.Fatalf("first = %q", got)
	}
	var taken string
	err := s.Update("x", func(tx *Tx) (err error) {
		if taken, err = tx.NextDocNumber(model.DocReceipt, shanghai); err != nil {
			return err
		}
		return errRollback // e.g. the document failed validation after numbering
	})
	if !errors.Is(err, errRollback) || taken != "RC-2026-000002" {
		t.Fatalf("rolled back tx: %q, %v", taken, err)
	}
	if got, _ := nextNumber(s, model.DocReceipt); got != "RC-2026-000002" {
		t.Errorf("after rollback = %q, want the number given back", got)
	}
}

func TestNextDocNumberYear(t *testing.T) {
	s := openStore(t)
	// 2026-12-31 15:59 UTC is still 2026 in Shanghai, 16:00 UTC is 2027.
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 12, 31, 15, 59, 0, 0, time.UTC), "SO-2026-000001"},
		{time.Date(2026, 12, 31, 15, 59, 59, 0, time.UTC), "SO-2026-000002"},
		{time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC), "SO-2027-000001"}, // a new year starts again at 1
		{time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), "SO-2027-000002"},
	}
	for _, tt := range tests {
		at := tt.at
		s.SetClock(func() time.Time { return at })
		if got, err := nextNumber(s, model.DocSalesOrder); err != nil || got != tt.want {
			t.Errorf("at %v: %q, %v; want %q", tt.at, got, err, tt.want)
		}
	}
	// In UTC the same instant still belongs to 2026.
	s.SetClock(func() time.Time { return time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC) })
	update(t, s, func(tx *Tx) error {
		got, err := tx.NextDocNumber(model.DocSalesOrder, time.UTC)
		if err != nil || got != "SO-2026-000003" {
			t.Errorf("UTC year: %q, %v", got, err)
		}
		return nil
	})
}

func TestNextDocNumberConcurrent(t *testing.T) {
	s := openStore(t)
	const n = 50
	var wg sync.WaitGroup
	nums := make([]string, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// Every other writer fails after taking a number: it must give it back.
			if i%2 == 1 {
				_ = s.Update("x", func(tx *Tx) error {
					if _, err := tx.NextDocNumber(model.DocSalesOrder, shanghai); err != nil {
						return err
					}
					return errRollback
				})
			}
			nums[i], errs[i] = nextNumber(s, model.DocSalesOrder)
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	sort.Strings(nums)
	for i, got := range nums {
		if want := fmt.Sprintf("SO-2026-%06d", i+1); got != want {
			t.Fatalf("sorted numbers[%d] = %q, want %q (gap or duplicate): %v", i, got, want, nums)
		}
	}
	if got, _ := nextNumber(s, model.DocSalesOrder); got != fmt.Sprintf("SO-2026-%06d", n+1) {
		t.Errorf("next after the race = %q", got)
	}
}
