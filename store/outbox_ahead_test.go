package store

import (
	"fmt"
	"testing"

	"dealerportal/model"
)

// The message worker's fan-out is written as one function of a group
// commit (BatchOverOutbox): the events it checks are read with the group's
// opening, and its in-app messages are written without reading their keys
// first, so on PostgreSQL the function makes no round trip of its own while
// the group holds the writers' turn. Each recipient's inbox then holds
// every event's message once, unread. A plain Batch, whose function reads
// the events itself, makes one: the test fails so.
func TestFanoutWriteReadsWithTheGroupsOpening(t *testing.T) {
	s, trips := pgStoreTrips(t)
	users := []uint64{501, 502, 503}
	emit := func(n int) []uint64 {
		t.Helper()
		var ids []uint64
		if err := s.Update("test", func(tx *Tx) error {
			ids = ids[:0]
			for range n {
				m := &model.OutboxMessage{Event: model.EventOrderRejected}
				if err := tx.Emit(m); err != nil {
					return err
				}
				ids = append(ids, m.ID)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	// fanout writes the events' in-app deliveries through batch and
	// returns the round trips its function made.
	fanout := func(ids []uint64, batch func(fn func(*Tx) error) error) uint64 {
		t.Helper()
		settleStore(t, s)
		var made uint64
		err := batch(func(tx *Tx) error {
			start := trips()
			msgs, err := tx.OutboxMessages(ids)
			if err != nil {
				return err
			}
			var ds []*model.Delivery
			for _, m := range msgs {
				if m == nil || m.Status != model.OutboxPending {
					// Not t.Fatal: fn runs in the group commit's goroutine.
					return fmt.Errorf("event not pending: %+v", m)
				}
				for _, u := range users {
					ds = append(ds, &model.Delivery{OutboxID: m.ID, Event: m.Event, Channel: model.ChannelInApp, UserID: u,
						Subject: "订单被拒绝", Body: "原因：价格有误"})
				}
			}
			if err := tx.AddDeliveries(ds); err != nil {
				return err
			}
			for _, m := range msgs {
				m.Status = model.OutboxDelivered
				if err := tx.SaveOutboxMessage(m); err != nil {
					return err
				}
			}
			made = trips() - start
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return made
	}
	ids := emit(5)
	if n := fanout(ids, func(fn func(*Tx) error) error { return s.BatchOverOutbox("system", ids, fn) }); n != 0 {
		t.Errorf("the fan-out's function made %d round trips under the writers' turn, want 0", n)
	}
	// Control: the same function in a plain Batch reads the events itself.
	more := emit(2)
	if n := fanout(more, func(fn func(*Tx) error) error { return s.Batch("system", fn) }); n != 1 {
		t.Errorf("the fan-out's function in a plain Batch made %d round trips, want 1 (the events' read)", n)
	}
	err := s.View(func(tx *Tx) error {
		for _, u := range users {
			msgs, total, err := tx.Inbox(u, true, Page{Limit: 20})
			if err != nil {
				return err
			}
			if total != 7 || len(msgs) != 7 || tx.UnreadCount(u, 100) != 7 {
				t.Errorf("user %d: %d unread messages (%d shown, count %d), want 7", u, total, len(msgs), tx.UnreadCount(u, 100))
			}
		}
		for _, m := range mustOutbox(t, tx, append(ids, more...)) {
			if m.Status != model.OutboxDelivered {
				t.Errorf("event %d: %s, want delivered", m.ID, m.Status)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustOutbox(t *testing.T, tx *Tx, ids []uint64) []*model.OutboxMessage {
	t.Helper()
	msgs, err := tx.OutboxMessages(ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range msgs {
		if m == nil {
			t.Fatalf("event %d is gone", ids[i])
		}
	}
	return msgs
}
