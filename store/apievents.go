package store

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"time"

	"dealerportal/model"
	"dealerportal/store/kv/boltkv"
)

// The integration API's event feed (事件流, SPEC §6): one model.FeedEvent
// per business event a client must take over, appended by Emit in the
// transaction that raised the event.
//
//   - api_events              seq → model.FeedEvent
//   - api_events_by_customer  customerID|seq → nil
//
// seq, the feed position, is the bucket's sequence, taken inside that
// transaction: bbolt has one writer at a time, so positions follow commit
// order, and a reader never sees a position appear behind one it has read.
// Positions are numbers in the file: a restart, a copy or a backup keeps
// them. The customer index lets a client scoped to some org units learn its
// lag from its own customers' events alone.
var (
	bAPIEvents       = []byte("api_events")
	bAPIEventsByCust = []byte("api_events_by_customer")
)

// FeedRetention is the least time an event stays on the feed: PurgeFeed
// removes it once it is older than that and every client reading the feed
// has acknowledged it.
const FeedRetention = 30 * 24 * time.Hour

func init() {
	RegisterIntegrityCheck(IntegrityCheck{"api feed customer index", checkFeedIndex})
}

// onFeed reports whether outbox message m is also a feed event: an event of
// the feed's list (model.FeedEventNames) about one customer's document. A
// message without a document (the responsible dealer's copy of a handled
// complaint, which names only the notice) is a message, not a new event.
func onFeed(m *model.OutboxMessage) bool {
	return m.CustomerID != 0 && m.DocID != 0 && model.OnFeed(m.Event)
}

// feedEventOf is the feed's record of outbox message m.
func (t *Tx) feedEventOf(m *model.OutboxMessage) *model.FeedEvent {
	return &model.FeedEvent{Event: m.Event, CustomerID: m.CustomerID, DocType: m.DocType, DocID: m.DocID,
		DocNumber: m.DocNumber, Actor: m.Actor, At: t.Now, Params: maps.Clone(m.Params)}
}

// AppendFeedEvent appends ev to the feed inside the caller's transaction
// at the next position (set in ev.Seq), indexes it under its customer and
// queues its webhooks. At defaults to the transaction's time and Actor to
// its user. An event without a customer is refused: the feed shows each
// client its own customers' events only.
func (t *Tx) AppendFeedEvent(ev *model.FeedEvent) error { return t.appendFeedEvent(ev, nil) }

// appendFeedEvent is AppendFeedEvent with the event's value prepared
// before the transaction when pre is given.
func (t *Tx) appendFeedEvent(ev *model.FeedEvent, pre *preRecord) error {
	if ev.CustomerID == 0 {
		return errors.New("feed event without a customer")
	}
	if ev.At.IsZero() {
		ev.At = t.Now
	}
	if ev.Actor == "" {
		ev.Actor = t.By
	}
	b := t.b(bAPIEvents)
	// Positions only grow: pages filled to 90% instead of split in halves
	// keep the feed small.
	boltkv.SetFillPercent(b, 0.9)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	ev.Seq = seq
	if pre != nil {
		data, err := pre.eventRecord("seq", seq, ev.DocID, ev.DocNumber, ev.Params)
		if err != nil {
			return err
		}
		if err := b.Put(itob(seq), data); err != nil {
			return err
		}
	} else if err := putRecord(b, itob(seq), ev); err != nil {
		return err
	}
	if err := t.b(bAPIEventsByCust).Put(key(ev.CustomerID, seq), nil); err != nil {
		return err
	}
	return t.queueWebhooks(ev)
}

// LastEventSeq is the feed position of the newest event (0 when none).
func (t *Tx) LastEventSeq() uint64 { return t.b(bAPIEvents).Sequence() }

// FirstEventSeq is the position of the oldest event kept (0 when none):
// older ones were purged.
func (t *Tx) FirstEventSeq() uint64 {
	k, _ := t.b(bAPIEvents).Cursor().First()
	return btoi(k)
}

// FeedEvent returns the event at position seq, or ErrNotFound.
func (t *Tx) FeedEvent(seq uint64) (*model.FeedEvent, error) {
	ev := &model.FeedEvent{}
	if err := t.getJSONID(t.b(bAPIEvents), seq, ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// FeedPage reads the feed after position after, in feed order: it looks at
// no more than scan events and returns those keep accepts (all when keep is
// nil), at most limit. next is the position of the last event looked at
// (after itself when there was none): the next page starts there, so events
// keep skips are passed, not looked at again. more reports whether events
// follow next. The read seeks its start: its cost is the page's, however
// long the feed.
func (t *Tx) FeedPage(after uint64, limit, scan int, keep func(*model.FeedEvent) bool) (evs []*model.FeedEvent, next uint64, more bool, err error) {
	next = after
	if after >= t.LastEventSeq() {
		return nil, next, false, nil
	}
	c := t.b(bAPIEvents).Cursor()
	looked := 0
	for k, v := c.Seek(itob(after + 1)); k != nil; k, v = c.Next() {
		if len(evs) == limit || looked == scan {
			return evs, next, true, nil
		}
		looked++
		ev := &model.FeedEvent{}
		if err := jsonUnmarshal(v, ev); err != nil {
			return nil, after, false, fmt.Errorf("feed event %d: %w", btoi(k), err)
		}
		next = btoi(k)
		if keep == nil || keep(ev) {
			evs = append(evs, ev)
		}
	}
	return evs, next, false, nil
}

// FeedLag is how far client c is behind: how many events of its customers
// follow its acknowledged position, and when the oldest of them happened
// (zero when none). A client of every customer counts positions; a client
// scoped to org units counts its customers' events in the customer index
// (customers as they belong to the org units now), so an event of another
// region never makes it look behind.
func (t *Tx) FeedLag(c *model.APIClient) (int, time.Time) {
	last := t.LastEventSeq()
	if last <= c.Acked {
		return 0, time.Time{}
	}
	var behind int
	var oldest uint64
	if len(c.OrgUnits) == 0 {
		from := c.Acked
		if first := t.FirstEventSeq(); first == 0 {
			return 0, time.Time{}
		} else if first-1 > from {
			from = first - 1 // purged events are no longer behind
		}
		behind, oldest = int(last-from), from+1
	} else {
		idx := t.b(bAPIEventsByCust).Cursor()
		for _, id := range t.CustomerIDs(clientScope(c, t.OrgTree)) {
			p := itob(id)
			for k, _ := idx.Seek(key(id, c.Acked+1)); k != nil && bytes.HasPrefix(k, p); k, _ = idx.Next() {
				if seq := btoi(k[8:]); behind == 0 || seq < oldest {
					oldest = seq
				}
				behind++
			}
		}
	}
	if behind == 0 {
		return 0, time.Time{}
	}
	ev, err := t.FeedEvent(oldest)
	if err != nil {
		return behind, time.Time{}
	}
	return behind, ev.At
}

// feedFloor is the position below which no client needs an event: for a
// client with webhooks, before its oldest undelivered (or dead) delivery;
// for one that pulls the feed, its acknowledgement; disabled clients do
// not count (the last position when no client needs anything: a new
// client starts at the end of the feed).
func (t *Tx) feedFloor() (uint64, error) {
	floor := t.LastEventSeq()
	clients, err := t.APIClients()
	if err != nil {
		return 0, err
	}
	for _, c := range clients {
		// Webhooks take the events: the ones still to deliver (or dead,
		// awaiting a resend) hold the feed back, not a pull position such
		// a client need never move.
		if at, ok := c.FeedHold(func() uint64 { return t.WebhookBacklogStart(c.ID) }); ok {
			floor = min(floor, at)
		}
	}
	return floor, nil
}

// purgeFeed deletes up to limit of the oldest events that happened before
// cutoff and lie at or below the floor, and reports how many it deleted.
func (t *Tx) purgeFeed(cutoff time.Time, limit int) (int, error) {
	floor, err := t.feedFloor()
	if err != nil {
		return 0, err
	}
	type gone struct{ seq, cust uint64 }
	var del []gone
	c := t.b(bAPIEvents).Cursor()
	for k, v := c.First(); k != nil && len(del) < limit && btoi(k) <= floor; k, v = c.Next() {
		ev := &model.FeedEvent{}
		if err := jsonUnmarshal(v, ev); err != nil {
			return 0, fmt.Errorf("feed event %d: %w", btoi(k), err)
		}
		if !ev.At.Before(cutoff) {
			break
		}
		del = append(del, gone{btoi(k), ev.CustomerID})
	}
	for _, g := range del {
		if err := t.b(bAPIEvents).Delete(itob(g.seq)); err != nil {
			return 0, err
		}
		if err := t.b(bAPIEventsByCust).Delete(key(g.cust, g.seq)); err != nil {
			return 0, err
		}
	}
	return len(del), nil
}

// PurgeFeed removes the events older than retention that every client
// reading the feed has acknowledged (feedFloor), oldest first, a few
// thousand a transaction so that writers are not held up; it returns how
// many went. The sequence is kept: positions are never reused.
func (s *Store) PurgeFeed(retention time.Duration) (int, error) {
	total := 0
	for {
		var n int
		err := s.Update("system", func(t *Tx) (err error) {
			n, err = t.purgeFeed(t.Now.Add(-retention), 5000)
			return err
		})
		total += n
		if err != nil || n < 5000 {
			return total, err
		}
	}
}

// checkFeedIndex compares the customer index with the feed.
func checkFeedIndex(t *Tx) []string {
	var out []string
	n := 0
	_ = t.b(bAPIEvents).ForEach(func(k, v []byte) error {
		n++
		ev := &model.FeedEvent{}
		if err := jsonUnmarshal(v, ev); err != nil {
			out = append(out, fmt.Sprintf("feed event %d: %v", btoi(k), err))
			return nil
		}
		if ev.Seq != btoi(k) {
			out = append(out, fmt.Sprintf("feed event %d says position %d", btoi(k), ev.Seq))
		}
		if t.b(bAPIEventsByCust).Get(key(ev.CustomerID, btoi(k))) == nil {
			out = append(out, fmt.Sprintf("feed event %d is not indexed under its customer", btoi(k)))
		}
		return nil
	})
	if m := t.b(bAPIEventsByCust).Stats().KeyN; m != n {
		out = append(out, fmt.Sprintf("feed customer index holds %d entries for %d events", m, n))
	}
	return out
}
