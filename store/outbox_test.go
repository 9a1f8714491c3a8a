package store

import (
	"errors"
	"testing"
	"time"

	"dealerportal/model"
)

func pending(t *testing.T, s *Store, limit int) []*model.OutboxMessage {
	t.Helper()
	var out []*model.OutboxMessage
	view(t, s, func(tx *Tx) (err error) { out, err = tx.PendingOutbox(limit); return })
	return out
}

func TestOutboxEmitRollsBackWithTheChange(t *testing.T) {
	f := newFixture(t)
	s := f.s
	// The change fails after emitting: neither the change nor the message stays.
	c := *f.c2
	c.Name = "changed"
	err := s.Update("li", func(tx *Tx) error {
		if err := tx.SaveCustomer(AdminScope(), &c); err != nil {
			return err
		}
		if err := tx.Emit(&model.OutboxMessage{Event: "customer.changed", CustomerID: c.ID}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if got := pending(t, s, 10); len(got) != 0 {
		t.Fatalf("rolled-back message pending: %+v", got)
	}
	view(t, s, func(tx *Tx) error {
		if all, p := tx.OutboxCount(); all != 0 || p != 0 {
			t.Errorf("OutboxCount = %d, %d", all, p)
		}
		return nil
	})
	if got, _ := s.Customer(AdminScope(), c.ID); got.Name == "changed" {
		t.Errorf("rolled-back change stored")
	}

	// Committed: change and message together.
	var id uint64
	update(t, s, func(tx *Tx) error {
		c := *f.c2
		c.Name = "changed"
		if err := tx.SaveCustomer(AdminScope(), &c); err != nil {
			return err
		}
		m := &model.OutboxMessage{Event: "customer.changed", CustomerID: c.ID, DocType: model.DocSalesOrder, DocNumber: "SO-2026-000001", Params: map[string]string{"k": "v"}}
		if err := tx.Emit(m); err != nil {
			return err
		}
		id = m.ID
		return nil
	})
	got := pending(t, s, 10)
	if len(got) != 1 || got[0].ID != id {
		t.Fatalf("pending = %+v", got)
	}
	m := got[0]
	if m.Status != model.OutboxPending || m.Actor != "tester" || !m.CreatedAt.Equal(testNow) || !m.NextTry.Equal(testNow) ||
		m.Event != "customer.changed" || m.CustomerID != f.c2.ID || m.Params["k"] != "v" || m.DocNumber != "SO-2026-000001" {
		t.Errorf("message = %+v", m)
	}
}

func TestOutboxDelivery(t *testing.T) {
	s := openStore(t)
	var ids []uint64
	update(t, s, func(tx *Tx) error {
		for i := 0; i < 4; i++ {
			m := &model.OutboxMessage{Event: "e", Actor: "api"}
			if err := tx.Emit(m); err != nil {
				return err
			}
			if m.Actor != "api" {
				t.Errorf("explicit actor replaced by %q", m.Actor)
			}
			ids = append(ids, m.ID)
		}
		return nil
	})
	if got := pending(t, s, 10); len(got) != 4 || got[0].ID != ids[0] || got[3].ID != ids[3] {
		t.Fatalf("pending oldest first = %+v", got)
	}
	if got := pending(t, s, 2); len(got) != 2 || got[1].ID != ids[1] {
		t.Fatalf("limit 2 = %+v", got)
	}

	update(t, s, func(tx *Tx) error {
		m0, _ := tx.OutboxMessage(ids[0])
		m0.Status = model.OutboxDelivered
		if err := tx.SaveOutboxMessage(m0); err != nil {
			return err
		}
		m1, _ := tx.OutboxMessage(ids[1])
		m1.Status = model.OutboxDead
		m1.LastError = "smtp: 550"
		if err := tx.SaveOutboxMessage(m1); err != nil {
			return err
		}
		// A failed attempt: still pending, retried later.
		m2, _ := tx.OutboxMessage(ids[2])
		m2.Attempts, m2.NextTry, m2.LastError = 1, testNow.Add(5*time.Minute), "timeout"
		return tx.SaveOutboxMessage(m2)
	})
	got := pending(t, s, 10)
	if len(got) != 1 || got[0].ID != ids[3] {
		t.Fatalf("pending after delivery = %+v", got)
	}
	view(t, s, func(tx *Tx) error {
		all, p := tx.OutboxCount()
		if all != 4 || p != 2 {
			t.Errorf("OutboxCount = %d all, %d pending; want 4, 2", all, p)
		}
		m0, err := tx.OutboxMessage(ids[0])
		if err != nil || m0.Status != model.OutboxDelivered {
			t.Errorf("delivered message = %+v, %v", m0, err)
		}
		_, err = tx.OutboxMessage(999)
		wantNotFound(t, err)
		return nil
	})
	// When its time comes, the retried message is due again.
	s.SetClock(func() time.Time { return testNow.Add(5 * time.Minute) })
	if got := pending(t, s, 10); len(got) != 2 || got[0].ID != ids[2] || got[0].Attempts != 1 {
		t.Fatalf("pending after retry delay = %+v", got)
	}
	// A dead message put back to pending is picked up again.
	update(t, s, func(tx *Tx) error {
		m1, _ := tx.OutboxMessage(ids[1])
		m1.Status = model.OutboxPending
		return tx.SaveOutboxMessage(m1)
	})
	if got := pending(t, s, 10); len(got) != 3 {
		t.Errorf("requeued message not pending: %d", len(got))
	}
}
