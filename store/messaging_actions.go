package store

import (
	"strconv"

	"dealerportal/model"
)

// The message platform's user actions (use cases, see actor.go): the
// admin's settings, templates and requeues, and each user's opt-outs and
// inbox. The admin permission is the caller's to check; a user's own
// opt-outs and inbox are keyed by a.User, so they need none.

// SaveMessaging stores the SMTP and SMS settings (optimistic locking) with
// their audit entry: one use case. Errors as SaveMessagingSettings'.
func (s *Store) SaveMessaging(a Actor, ms *model.MessagingSettings) error {
	form := *ms
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		*ms = form // the body may run twice (a retried transaction)
		if err := t.SaveMessagingSettings(ms); err != nil {
			return 0, err
		}
		return 0, t.Log("messaging", 0, "messaging.update", ms.SMTPHost)
	})
	return err
}

// SaveTemplate stores message template m (a new one, or an update with
// optimistic locking) with its audit entry: one use case. Errors as
// SaveMessageTemplate's.
func (s *Store) SaveTemplate(a Actor, m *model.MessageTemplate) error {
	form := *m
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		*m = form
		if err := t.SaveMessageTemplate(m); err != nil {
			return 0, err
		}
		return 0, t.Log("message_template", 0, "template.update", string(m.Event))
	})
	return err
}

// SetMessagePrefs stores a.User's opt-outs (p.UserID is set to a.User's):
// one use case.
func (s *Store) SetMessagePrefs(a Actor, p *model.MessagePrefs) error {
	p.UserID = a.User.ID
	_, err := s.act(a, func(t *Tx) (uint64, error) { return 0, t.SaveMessagePrefs(p) })
	return err
}

// ReadInboxMessage marks message id of a.User's inbox read and returns it:
// one use case. ErrNotFound for a message that is not a.User's.
func (s *Store) ReadInboxMessage(a Actor, id uint64) (*model.InboxMessage, error) {
	var m *model.InboxMessage
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		var err error
		m, err = t.MarkInboxRead(a.User.ID, id)
		return id, err
	})
	return m, err
}

// ReadAllInbox marks every unread message of a.User's inbox read and
// returns how many: one use case.
func (s *Store) ReadAllInbox(a Actor) (int, error) {
	var n int
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		var err error
		n, err = t.MarkAllInboxRead(a.User.ID)
		return 0, err
	})
	return n, err
}

// RequeueDelivery puts delivery id back in the queue to be tried now
// (model.Delivery.Retry: a sent one stays as it is) with its audit entry:
// one use case. ErrNotFound for an unknown delivery.
func (s *Store) RequeueDelivery(a Actor, id uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		d, err := t.RetryDelivery(id)
		if err != nil {
			return 0, err
		}
		return id, t.Log("outbox", d.ID, "outbox.retry", d.To)
	})
	return err
}

// RequeueDeadDeliveries puts every dead delivery matching f back in the
// queue with one audit entry, and returns how many: one use case.
func (s *Store) RequeueDeadDeliveries(a Actor, f DeliveryFilter) (int, error) {
	var n int
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		var err error
		if n, err = t.RetryDeadDeliveries(f); err != nil {
			return 0, err
		}
		return 0, t.Log("outbox", 0, "outbox.retry_all", strconv.Itoa(n))
	})
	return n, err
}

// RequeueDeadEvents puts every outbox event whose fan-out failed for good
// back in the queue (model.OutboxMessage.Requeue): one use case. It
// returns how many.
func (s *Store) RequeueDeadEvents(a Actor) (int, error) {
	var n int
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		n = 0
		for _, id := range t.DeadOutbox() {
			m, err := t.OutboxMessage(id)
			if err != nil {
				return 0, err
			}
			if !m.Requeue(t.Now) {
				continue
			}
			if err := t.SaveOutboxMessage(m); err != nil {
				return 0, err
			}
			n++
		}
		return 0, nil
	})
	return n, err
}
