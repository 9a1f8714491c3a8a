package notify

import (
	"context"
	"testing"

	"dealerportal/store/kv/pgkv"
)

// TestDispatchRoundTrips: a fan-out transaction reads its outbox messages
// and its recipients' inbox keys in a few queries, not one per message and
// per recipient (on PostgreSQL the worker holds the writers' turn
// meanwhile, and the dealers' submissions wait for it): dispatching twenty
// events costs no more round trips than one. Every event still reaches
// every recipient's inbox once.
func TestDispatchRoundTrips(t *testing.T) {
	e := newEnv(t)
	e.template(rejectedTemplate()) // in-app and e-mail: no SMTP set, so in-app only
	trips := pgkv.RoundTripsOf(e.st.KV())
	dispatch := func() uint64 {
		t.Helper()
		var before uint64
		if trips != nil {
			before = trips()
		}
		if n, err := e.worker().Dispatch(context.Background()); err != nil || n == 0 {
			t.Fatalf("Dispatch: %d events, %v", n, err)
		}
		if trips == nil {
			return 0
		}
		return trips() - before
	}
	e.emitRejected(1)
	dispatch() // the templates, users and settings read once
	e.emitRejected(1)
	one := dispatch()
	e.emitRejected(20)
	twenty := dispatch()
	if trips != nil && twenty > one+1 {
		t.Errorf("dispatching 20 events took %d round trips, one event %d: the reads grow with the events", twenty, one)
	}
	for _, u := range []string{"c1.zh", "c1.en"} {
		if n := len(e.inbox(u)); n != 22 {
			t.Errorf("%s's inbox holds %d messages, want 22", u, n)
		}
	}
}
