package store

import (
	"bytes"
	"errors"
	"time"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// Emit records a business event in the outbox inside the caller's
// transaction: it is committed together with the change that raised it, or
// not at all. Delivery happens later, outside the user's request. An event
// the integration API's feed carries (model.OnFeed, about a customer's
// document) is appended to the feed in the same transaction.
func (t *Tx) Emit(m *model.OutboxMessage) error { return t.emit(m, nil) }

// emit is Emit with the message's and its feed event's values prepared
// before the transaction when pre is given (preEvent).
func (t *Tx) emit(m *model.OutboxMessage, pre *preEvent) error {
	b := t.b(bOutbox)
	id, err := nextID(b)
	if err != nil {
		return err
	}
	m.ID = id
	m.CreatedAt = t.Now
	m.NextTry = t.Now
	m.Status = model.OutboxPending
	if m.Actor == "" {
		m.Actor = t.By
	}
	if err := t.b(bOutboxPending).Put(itob(id), nil); err != nil {
		return err
	}
	if pre != nil {
		data, err := pre.msg.eventRecord("id", m.ID, m.DocID, m.DocNumber, m.Params)
		if err != nil {
			return err
		}
		if err := b.Put(itob(id), data); err != nil {
			return err
		}
	} else if err := putRecord(b, itob(id), m); err != nil {
		return err
	}
	if onFeed(m) {
		// The API's feed takes the event in the same transaction: a client
		// never sees an event whose change was rolled back, nor misses one
		// that committed.
		var feed *preRecord
		if pre != nil && pre.onFeed {
			feed = &pre.feed
		}
		return t.appendFeedEvent(t.feedEventOf(m), feed)
	}
	return nil
}

// OutboxMessage returns one outbox message or ErrNotFound.
func (t *Tx) OutboxMessage(id uint64) (*model.OutboxMessage, error) {
	m := &model.OutboxMessage{}
	if err := t.getJSONID(t.b(bOutbox), id, m); err != nil {
		return nil, err
	}
	return m, nil
}

// OutboxMessages returns the messages of ids in their order, nil for one
// that is gone; their records are read together (kv.Prefetch), or were
// read with the group's opening when fn runs in BatchOverOutbox.
func (t *Tx) OutboxMessages(ids []uint64) ([]*model.OutboxMessage, error) {
	keys := make([][]byte, len(ids))
	for i, id := range ids {
		keys[i] = itob(id)
	}
	kv.Prefetch(t.b(bOutbox), keys)
	out := make([]*model.OutboxMessage, len(ids))
	for i, id := range ids {
		m, err := t.OutboxMessage(id)
		switch {
		case errors.Is(err, model.ErrNotFound):
		case err != nil:
			return nil, err
		default:
			out[i] = m
		}
	}
	return out, nil
}

// PendingOutbox returns up to limit pending messages whose next try is due,
// oldest first, walking the pending index. The messages of each stretch of
// limit pending ids are read together (kv.Prefetch: on PostgreSQL one query,
// not one round trip per message while the worker holds the writers' turn).
func (t *Tx) PendingOutbox(limit int) ([]*model.OutboxMessage, error) {
	var out []*model.OutboxMessage
	c := t.b(bOutboxPending).Cursor()
	k, _ := c.First()
	for k != nil && len(out) < limit {
		var ids [][]byte
		for ; k != nil && len(ids) < limit; k, _ = c.Next() {
			ids = append(ids, bytes.Clone(k))
		}
		kv.Prefetch(t.b(bOutbox), ids)
		for _, id := range ids {
			if len(out) == limit {
				break
			}
			m, err := t.OutboxMessage(btoi(id))
			if err != nil {
				return nil, err
			}
			if !m.NextTry.After(t.Now) {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// SaveOutboxMessage writes back a message's delivery state and keeps the
// pending index in step with its status.
func (t *Tx) SaveOutboxMessage(m *model.OutboxMessage) error {
	if m.Status == model.OutboxPending {
		if err := t.b(bOutboxPending).Put(itob(m.ID), nil); err != nil {
			return err
		}
	} else if err := t.b(bOutboxPending).Delete(itob(m.ID)); err != nil {
		return err
	}
	return putRecord(t.b(bOutbox), itob(m.ID), m)
}

// OutboxCount returns the number of all and of pending messages.
func (t *Tx) OutboxCount() (all, pending int) {
	return t.b(bOutbox).Stats().KeyN, t.b(bOutboxPending).Stats().KeyN
}

// OutboxRetention is how long a delivered outbox message is kept: long
// enough to look into what was sent (deliveries keep their own copy of each
// message sent), short enough that the queue does not grow with the
// business. Pending and dead messages are kept until they are delivered or
// retried.
const OutboxRetention = 30 * 24 * time.Hour

// outboxPurgeBatch bounds the rows one purge transaction looks at, so that
// the sweep never holds writers up for long.
const outboxPurgeBatch = 2000

// PurgeOutbox deletes the delivered messages created before retention ago
// on the store clock, oldest first, in transactions of at most
// outboxPurgeBatch rows; it returns how many went. Messages are in id
// order, which is their creation order: the sweep stops at the first one
// younger than the cut.
func (s *Store) PurgeOutbox(retention time.Duration) (int, error) {
	cut := s.Now().Add(-retention)
	return s.sweep(bOutbox, outboxPurgeBatch, func(_, v []byte) (bool, bool, error) {
		m := &model.OutboxMessage{}
		if err := decodeRecord(v, m); err != nil {
			return false, false, err
		}
		if !m.CreatedAt.Before(cut) {
			return false, true, nil
		}
		return m.Status == model.OutboxDelivered, false, nil
	})
}

// BatchOverOutbox is Batch for a function that reads the outbox messages
// ids (Tx.OutboxMessages) — the message worker's fan-out, which checks that
// the events it planned are still pending as it writes their deliveries.
// Their records are read with the group's other read-ahead keys, in the
// round trip that opens the group's transaction on PostgreSQL, not in one
// of their own under the writers' lock while the orders of the group wait.
func (s *Store) BatchOverOutbox(by string, ids []uint64, fn func(*Tx) error) error {
	keys := make([]kv.BucketKey, len(ids))
	for i, id := range ids {
		keys[i] = kv.BucketKey{Bucket: bOutbox, Key: itob(id)}
	}
	return s.batchAhead(by, func(*Tx) []kv.BucketKey { return keys }, fn)
}
