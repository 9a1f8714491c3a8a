package notify

import (
	"context"
	"errors"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// TestDispatchPlanAppliedOnce: the fan-out is planned in a read transaction
// and applied in the group commit after checking that each event is still
// as the plan read it. A plan whose events another pass settled meanwhile
// applies nothing (no second in-app message, no second delivery); a plan
// still current applies once, also after a first attempt that rolled back
// (a group commit runs its functions again after a failed attempt).
func TestDispatchPlanAppliedOnce(t *testing.T) {
	e := newEnv(t)
	e.template(rejectedTemplate())
	w := e.worker()
	plan := func() ([]planned, *model.MessagingSettings) {
		t.Helper()
		var p []planned
		var s *model.MessagingSettings
		if err := e.st.View(func(tx *store.Tx) (err error) { p, s, err = w.plan(tx); return }); err != nil {
			t.Fatal(err)
		}
		return p, s
	}
	// apply applies p in a group commit; rolledBack first applies it in a
	// transaction that rolls back, as a group commit's failed attempt does
	// before it runs its functions again.
	apply := func(p []planned, s *model.MessagingSettings, rolledBack bool) int {
		t.Helper()
		if rolledBack {
			errAgain := errors.New("the attempt failed")
			if err := e.st.Update("system", func(tx *store.Tx) error {
				if _, err := w.apply(tx, p, s); err != nil {
					return err
				}
				return errAgain
			}); err != errAgain {
				t.Fatalf("the rolled back attempt: %v", err)
			}
		}
		n := 0
		err := e.st.Batch("system", func(tx *store.Tx) error {
			applied, err := w.apply(tx, p, s)
			n = len(applied)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	e.emitRejected(2)
	stale, settings := plan()
	if len(stale) != 2 {
		t.Fatalf("planned %d events, want 2", len(stale))
	}
	if n, err := w.Dispatch(context.Background()); err != nil || n != 2 {
		t.Fatalf("Dispatch: %d events, %v", n, err)
	}
	settled := len(e.deliveries(store.DeliveryFilter{}))
	if settled == 0 {
		t.Fatal("Dispatch stored no delivery")
	}
	if n := apply(stale, settings, false); n != 0 {
		t.Errorf("a plan of events settled meanwhile applied %d of them, want 0", n)
	}
	for _, u := range []string{"c1.zh", "c1.en"} {
		if n := len(e.inbox(u)); n != 2 {
			t.Errorf("%s's inbox holds %d messages after the stale plan, want 2", u, n)
		}
	}
	if n := len(e.deliveries(store.DeliveryFilter{})); n != settled {
		t.Errorf("%d deliveries after the stale plan, want %d", n, settled)
	}

	e.emitRejected(1)
	fresh, settings := plan()
	if n := apply(fresh, settings, true); n != 1 {
		t.Errorf("a current plan applied %d events, want 1", n)
	}
	for _, u := range []string{"c1.zh", "c1.en"} {
		if n := len(e.inbox(u)); n != 3 {
			t.Errorf("%s's inbox holds %d messages, want 3", u, n)
		}
	}
	if n, want := len(e.deliveries(store.DeliveryFilter{})), settled*3/2; n != want {
		t.Errorf("%d deliveries stored, want %d (a third event's as many as each of the first two's)", n, want)
	}
	if n, err := w.Dispatch(context.Background()); err != nil || n != 0 {
		t.Errorf("Dispatch after the plan was applied: %d events, %v; want none", n, err)
	}
}
