package store

import (
	"testing"
	"time"

	"dealerportal/model"
)

// hookEnv is the fixture with a movable clock.
type hookEnv struct {
	*fixture
	t   *testing.T
	now time.Time
}

func newHookEnv(t *testing.T) *hookEnv {
	e := &hookEnv{fixture: newFixture(t), t: t, now: testNow}
	e.s.SetClock(func() time.Time { return e.now })
	return e
}

// client creates an API client; url "" means no webhooks.
func (e *hookEnv) client(name, url string, scopes []model.APIScope, orgs ...uint64) *model.APIClient {
	e.t.Helper()
	c := &model.APIClient{Name: name, Scopes: scopes, OrgUnits: orgs, RateLimit: 10, WebhookURL: url}
	update(e.t, e.s, func(tx *Tx) error { return tx.SaveAPIClient(c) })
	return c
}

var eventsRead = []model.APIScope{"events:read"}

// event appends an event about customer c to the feed, as the feed does,
// and queues its webhooks in the same transaction.
func (e *hookEnv) event(c *model.Customer, number string) *model.FeedEvent {
	e.t.Helper()
	ev := &model.FeedEvent{Event: model.EventOrderSubmitted, CustomerID: c.ID, DocType: model.DocOnlineOrder, DocNumber: number}
	update(e.t, e.s, func(tx *Tx) error { return tx.AppendFeedEvent(ev) })
	return ev
}

// start takes the client's due deliveries and returns their feed positions.
func (e *hookEnv) start(c *model.APIClient) []uint64 {
	e.t.Helper()
	var seqs []uint64
	update(e.t, e.s, func(tx *Tx) error {
		b, err := tx.StartWebhooks(c.ID, 100)
		if err != nil {
			return err
		}
		for _, a := range b.Attempts {
			if a.Event.Seq != a.Delivery.Seq || !a.Delivery.Sending {
				e.t.Errorf("attempt %+v carries event %d", a.Delivery, a.Event.Seq)
			}
			seqs = append(seqs, a.Delivery.Seq)
		}
		return nil
	})
	return seqs
}

// finish records outcomes by feed position: "" delivered, else the error.
func (e *hookEnv) finish(c *model.APIClient, outcomes map[uint64]model.WebhookError) []*model.WebhookDelivery {
	e.t.Helper()
	var out []*model.WebhookDelivery
	update(e.t, e.s, func(tx *Tx) error {
		var rs []WebhookResult
		ds, _, err := tx.WebhookDeliveries(c.ID, model.WebhookPending, Page{})
		if err != nil {
			return err
		}
		for _, d := range ds {
			if why, ok := outcomes[d.Seq]; ok {
				status := 200
				if why == model.WebhookHTTP {
					status = 503
				} else if why != "" {
					status = 0
				}
				rs = append(rs, WebhookResult{ID: d.ID, At: tx.Now, Status: status, Err: why})
			}
		}
		out, err = tx.FinishWebhooks(rs)
		return err
	})
	return out
}

func (e *hookEnv) deliveries(c *model.APIClient, st model.WebhookStatus) []*model.WebhookDelivery {
	e.t.Helper()
	var ds []*model.WebhookDelivery
	view(e.t, e.s, func(tx *Tx) (err error) { ds, _, err = tx.WebhookDeliveries(c.ID, st, Page{}); return })
	return ds
}

func (e *hookEnv) check() {
	e.t.Helper()
	problems, err := e.s.Check()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range problems {
		e.t.Error(p)
	}
}

func seqsOf(ds []*model.WebhookDelivery) []uint64 {
	out := []uint64{}
	for _, d := range ds {
		out = append(out, d.Seq)
	}
	return out
}

func sameSeqs(t *testing.T, what string, got []uint64, want ...uint64) {
	t.Helper()
	if !sameIDs(got, want) {
		t.Fatalf("%s: %v, want %v", what, got, want)
	}
}

// TestWebhookFanOutFollowsScope: an event is queued for exactly the clients
// with a webhook URL, the events grant, not disabled, whose data scope
// covers the event's customer; one small record each, naming the event.
func TestWebhookFanOutFollowsScope(t *testing.T) {
	e := newHookEnv(t)
	all := e.client("all", "https://erp.example.com/hook", eventsRead)
	north := e.client("north", "https://north.example.com/hook", []model.APIScope{"events:write"}, e.north)
	south := e.client("south", "https://south.example.com/hook", eventsRead, e.south)
	noURL := e.client("pull-only", "", eventsRead)
	noGrant := e.client("products", "https://p.example.com/hook", []model.APIScope{"products:write"})
	off := e.client("off", "https://off.example.com/hook", eventsRead)
	off.Disabled = true
	update(t, e.s, func(tx *Tx) error { return tx.SaveAPIClient(off) })

	bj := e.event(e.c1, "OO-1") // BJ, in NORTH
	gz := e.event(e.c4, "OO-2") // GZ, in SOUTH
	hq := e.event(e.c5, "OO-3") // HQ itself: only the all-customers client
	sameSeqs(t, "all", seqsOf(e.deliveries(all, "")), bj.Seq, gz.Seq, hq.Seq)
	sameSeqs(t, "north", seqsOf(e.deliveries(north, "")), bj.Seq)
	sameSeqs(t, "south", seqsOf(e.deliveries(south, "")), gz.Seq)
	for _, c := range []*model.APIClient{noURL, noGrant, off} {
		if ds := e.deliveries(c, ""); len(ds) != 0 {
			t.Errorf("%s got deliveries: %v", c.Name, seqsOf(ds))
		}
	}
	first := e.deliveries(all, "")[0].ID
	view(t, e.s, func(tx *Tx) error {
		if p, d := tx.WebhookCounts(all.ID); p != 3 || d != 0 {
			t.Errorf("counts %d pending %d dead", p, d)
		}
		raw := tx.b(bHookDeliveries).Get(itob(first))
		if len(raw) > 200 {
			t.Errorf("a queue row of %d bytes: %s", len(raw), raw)
		}
		return nil
	})
	// A disabled client's existing deliveries wait: none is taken.
	if got := e.start(off); len(got) != 0 {
		t.Fatalf("disabled client sends %v", got)
	}
	e.check()
}

// TestWebhookOrderPerCustomer: only the oldest pending delivery of each
// customer is due; while it is retried its customer's later events wait
// and other customers' go on.
func TestWebhookOrderPerCustomer(t *testing.T) {
	e := newHookEnv(t)
	c := e.client("ERP", "https://erp.example.com/hook", eventsRead)
	a1 := e.event(e.c1, "OO-1")
	a2 := e.event(e.c1, "OO-2")
	b1 := e.event(e.c2, "OO-3")
	b2 := e.event(e.c2, "OO-4")
	sameSeqs(t, "first round", e.start(c), a1.Seq, b1.Seq)
	e.finish(c, map[uint64]model.WebhookError{a1.Seq: model.WebhookRefused, b1.Seq: ""})
	e.check()
	// C002's next event goes; C001's waits behind the one being retried.
	sameSeqs(t, "second round", e.start(c), b2.Seq)
	e.finish(c, map[uint64]model.WebhookError{b2.Seq: ""})
	if got := e.start(c); len(got) != 0 {
		t.Fatalf("before the backoff: %v", got)
	}
	e.now = e.now.Add(model.WebhookFirstRetry)
	sameSeqs(t, "after the backoff", e.start(c), a1.Seq)
	e.finish(c, map[uint64]model.WebhookError{a1.Seq: ""})
	sameSeqs(t, "then the next of C001", e.start(c), a2.Seq)
	e.finish(c, map[uint64]model.WebhookError{a2.Seq: ""})
	sameSeqs(t, "delivered", seqsOf(e.deliveries(c, model.WebhookDelivered)), a1.Seq, a2.Seq, b1.Seq, b2.Seq)
	e.check()
}

// TestWebhookDeadLetterAndResend: a delivery is retried with doubling
// waits up to 30 minutes for 24 hours from its first attempt, then dead-
// lettered, which lets its customer's next event go; a resend puts it back
// in front of that customer's queue with a fresh window.
func TestWebhookDeadLetterAndResend(t *testing.T) {
	e := newHookEnv(t)
	c := e.client("ERP", "https://erp.example.com/hook", eventsRead)
	first := e.event(e.c1, "OO-1")
	start := e.now
	var waits []time.Duration
	var d *model.WebhookDelivery
	for i := 0; ; i++ {
		if got := e.start(c); len(got) != 1 || got[0] != first.Seq {
			t.Fatalf("attempt %d at %s: due %v", i+1, e.now.Sub(start), got)
		}
		d = e.finish(c, map[uint64]model.WebhookError{first.Seq: model.WebhookHTTP})[0]
		if d.Status == model.WebhookDead {
			break
		}
		waits = append(waits, d.NextTry.Sub(e.now))
		e.now = d.NextTry
		if i == 3 {
			// A later event of the same customer queues behind it.
			e.event(e.c1, "OO-2")
		}
	}
	if e.now.Sub(start) != model.WebhookRetryWindow {
		t.Fatalf("dead after %s", e.now.Sub(start))
	}
	for i, want := range []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second} {
		if waits[i] != want {
			t.Fatalf("wait %d = %s, want %s (all: %v)", i+1, waits[i], want, waits)
		}
	}
	for _, w := range waits {
		if w > model.WebhookMaxBackoff {
			t.Fatalf("a wait of %s", w)
		}
	}
	if d.Attempts != len(waits)+1 || d.LastStatus != 503 || d.LastError != model.WebhookHTTP {
		t.Fatalf("dead delivery %+v", d)
	}
	e.check()
	// The next event of C001 goes now.
	got := e.start(c)
	if len(got) != 1 || got[0] == first.Seq {
		t.Fatalf("after the dead letter: %v", got)
	}
	e.finish(c, map[uint64]model.WebhookError{got[0]: model.WebhookTimedOut})
	// Resend the dead one: it goes first, the later one waits again.
	update(t, e.s, func(tx *Tx) error { return tx.ResendWebhook(c.ID, d.ID) })
	view(t, e.s, func(tx *Tx) error {
		if p, dead := tx.WebhookCounts(c.ID); p != 2 || dead != 0 {
			t.Errorf("after resend: %d pending %d dead", p, dead)
		}
		return nil
	})
	e.check()
	e.now = e.now.Add(time.Hour)
	sameSeqs(t, "resent goes first", e.start(c), first.Seq)
	d = e.finish(c, map[uint64]model.WebhookError{first.Seq: ""})[0]
	if d.Status != model.WebhookDelivered || d.Attempts != 1 || d.ResentBy != "tester" {
		t.Fatalf("resent delivery %+v", d)
	}
	// Resending what is not dead, or another client's, is refused.
	other := e.client("other", "https://o.example.com/hook", eventsRead)
	update(t, e.s, func(tx *Tx) error {
		if err := tx.ResendWebhook(c.ID, d.ID); err != model.ErrNotAllowed {
			t.Errorf("resend delivered: %v", err)
		}
		wantNotFound(t, tx.ResendWebhook(other.ID, d.ID))
		return nil
	})
	e.check()
}

// TestWebhookResendAllDead: every dead letter of the client goes back.
func TestWebhookResendAllDead(t *testing.T) {
	e := newHookEnv(t)
	c := e.client("ERP", "https://erp.example.com/hook", eventsRead)
	for _, cu := range []*model.Customer{e.c1, e.c2, e.c3} {
		e.event(cu, "OO-"+cu.Code)
	}
	seqs := e.start(c)
	fail := map[uint64]model.WebhookError{}
	for _, s := range seqs {
		fail[s] = model.WebhookRefused
	}
	e.finish(c, fail)
	e.now = e.now.Add(model.WebhookRetryWindow)
	e.start(c)
	e.finish(c, fail)
	if n := len(e.deliveries(c, model.WebhookDead)); n != 3 {
		t.Fatalf("%d dead", n)
	}
	update(t, e.s, func(tx *Tx) error {
		n, err := tx.ResendDeadWebhooks(c.ID)
		if n != 3 {
			t.Errorf("resent %d", n)
		}
		return err
	})
	sameSeqs(t, "all due again", e.start(c), seqs...)
	e.check()
}

// TestWebhookScopeNarrowedAfterQueueing: a delivery whose customer the
// client no longer covers is dead-lettered unsent; a delivery whose event
// the feed no longer holds too.
func TestWebhookScopeNarrowedAfterQueueing(t *testing.T) {
	e := newHookEnv(t)
	c := e.client("north", "https://erp.example.com/hook", eventsRead, e.north)
	e.event(e.c1, "OO-1")
	c.OrgUnits = []uint64{e.south}
	update(t, e.s, func(tx *Tx) error { return tx.SaveAPIClient(c) })
	if got := e.start(c); len(got) != 0 {
		t.Fatalf("sent out of scope: %v", got)
	}
	dead := e.deliveries(c, model.WebhookDead)
	if len(dead) != 1 || dead[0].LastError != model.WebhookScope || dead[0].Attempts != 0 {
		t.Fatalf("dead: %+v", dead)
	}
	gone := e.event(e.c4, "OO-2")
	update(t, e.s, func(tx *Tx) error {
		if err := tx.b(bAPIEventsByCust).Delete(key(gone.CustomerID, gone.Seq)); err != nil {
			return err
		}
		return tx.b(bAPIEvents).Delete(itob(gone.Seq))
	})
	e.start(c)
	if dead := e.deliveries(c, model.WebhookDead); len(dead) != 2 || dead[0].LastError != model.WebhookGone {
		t.Fatalf("dead: %+v", dead)
	}
	e.check()
}

// TestWebhookInterruptedAttempt: an attempt marked but never recorded (the
// process stopped) is found at start, unmarked and due again.
func TestWebhookInterruptedAttempt(t *testing.T) {
	e := newHookEnv(t)
	c := e.client("ERP", "https://erp.example.com/hook", eventsRead)
	ev := e.event(e.c1, "OO-1")
	e.start(c)
	var ds []*model.WebhookDelivery
	update(t, e.s, func(tx *Tx) (err error) { ds, err = tx.InterruptedWebhooks(); return })
	if len(ds) != 1 || ds[0].Seq != ev.Seq || ds[0].Sending {
		t.Fatalf("interrupted: %+v", ds)
	}
	sameSeqs(t, "due again", e.start(c), ev.Seq)
	e.check()
}

// TestWebhookReplay: a client's events after a position are queued again
// (out-of-scope ones not, pending ones not twice).
func TestWebhookReplay(t *testing.T) {
	e := newHookEnv(t)
	c := e.client("north", "https://erp.example.com/hook", eventsRead, e.north)
	e1 := e.event(e.c1, "OO-1")
	e.event(e.c4, "OO-2")
	e3 := e.event(e.c2, "OO-3")
	e.start(c)
	e.finish(c, map[uint64]model.WebhookError{e1.Seq: "", e3.Seq: ""})
	e4 := e.event(e.c1, "OO-4") // pending
	update(t, e.s, func(tx *Tx) error {
		n, err := tx.ReplayWebhooks(c.ID, 0)
		if n != 2 {
			t.Errorf("replayed %d", n)
		}
		return err
	})
	sameSeqs(t, "pending", seqsOf(e.deliveries(c, model.WebhookPending)), e1.Seq, e3.Seq, e4.Seq)
	pull := e.client("pull", "", eventsRead)
	update(t, e.s, func(tx *Tx) error {
		if _, err := tx.ReplayWebhooks(pull.ID, 0); err != model.ErrNotAllowed {
			t.Errorf("replay without URL: %v", err)
		}
		return nil
	})
	e.check()
}

// TestWebhookPurge: settled deliveries go after their retention, pending
// ones stay.
func TestWebhookPurge(t *testing.T) {
	e := newHookEnv(t)
	c := e.client("ERP", "https://erp.example.com/hook", eventsRead)
	a := e.event(e.c1, "OO-1")
	b := e.event(e.c2, "OO-2")
	e.event(e.c2, "OO-3")
	e.start(c)
	e.finish(c, map[uint64]model.WebhookError{a.Seq: "", b.Seq: model.WebhookRefused})
	e.now = e.now.Add(8 * 24 * time.Hour)
	n, err := e.s.PurgeWebhooks(7*24*time.Hour, 30*24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("purged %d: %v", n, err)
	}
	if ds := e.deliveries(c, ""); len(ds) != 2 {
		t.Fatalf("left %v", seqsOf(ds))
	}
	e.check()
	view(t, e.s, func(tx *Tx) error {
		if low := tx.WebhookBacklogStart(c.ID); low != b.Seq {
			t.Errorf("backlog starts at %d, want %d", low, b.Seq)
		}
		return nil
	})
}

// TestRotateWebhookSecret: a new secret at once, with the version check.
func TestRotateWebhookSecret(t *testing.T) {
	e := newHookEnv(t)
	c := e.client("ERP", "https://erp.example.com/hook", eventsRead)
	old := c.WebhookSecret
	update(t, e.s, func(tx *Tx) error {
		s, err := tx.RotateWebhookSecret(c.ID, c.Version)
		if err != nil || s == old || len(s) < 30 {
			t.Errorf("rotated to %q: %v", s, err)
		}
		_, err = tx.RotateWebhookSecret(c.ID, c.Version)
		wantConflict(t, err)
		return nil
	})
	pull := e.client("pull", "", eventsRead)
	update(t, e.s, func(tx *Tx) error {
		if _, err := tx.RotateWebhookSecret(pull.ID, pull.Version); err != model.ErrNotAllowed {
			t.Errorf("rotate without URL: %v", err)
		}
		return nil
	})
}
