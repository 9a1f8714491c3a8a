package model

import "time"

// Event names a business event that can raise messages (SPEC §3).
type Event string

// OutboxStatus is where an outbox message stands in delivery.
type OutboxStatus string

const (
	OutboxPending   OutboxStatus = "pending"
	OutboxDelivered OutboxStatus = "delivered"
	OutboxDead      OutboxStatus = "dead"
)

// OutboxMessage is a business event recorded in the same transaction as the
// change that raised it (transactional outbox); a worker delivers it later.
type OutboxMessage struct {
	ID         uint64            `json:"id"`
	Event      Event             `json:"event"`
	CustomerID uint64            `json:"customer_id,omitempty"`
	DocType    DocType           `json:"doc_type,omitempty"`
	DocID      uint64            `json:"doc_id,omitempty"`
	DocNumber  string            `json:"doc_number,omitempty"`
	Actor      string            `json:"actor,omitempty"`
	Params     map[string]string `json:"params,omitempty"`
	CreatedAt  time.Time         `json:"created_at"`
	Status     OutboxStatus      `json:"status"`
	Attempts   int               `json:"attempts,omitempty"`
	NextTry    time.Time         `json:"next_try,omitempty"`
	LastError  string            `json:"last_error,omitempty"`

	// UserID is the one recipient of a personal event (EventDef.Personal);
	// other events leave it 0.
	UserID uint64 `json:"user_id,omitempty"`
}

// Requeue puts an outbox event whose fan-out failed for good back in the
// queue, to be tried at now with a fresh count of attempts; only a dead
// one moves, and Requeue reports whether it did.
func (m *OutboxMessage) Requeue(now time.Time) bool {
	if m.Status != OutboxDead {
		return false
	}
	m.Status, m.Attempts, m.NextTry = OutboxPending, 0, now
	return true
}
