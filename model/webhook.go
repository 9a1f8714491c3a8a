package model

import (
	"strconv"
	"time"
)

// WebhookStatus is where one webhook delivery stands.
type WebhookStatus string

const (
	// WebhookPending: queued or being retried.
	WebhookPending WebhookStatus = "pending"
	// WebhookDelivered: the receiver answered 2xx.
	WebhookDelivered WebhookStatus = "delivered"
	// WebhookDead: retried for WebhookRetryWindow without success (or no
	// longer deliverable); it waits on the dead-letter list for a resend.
	WebhookDead WebhookStatus = "dead"
)

// WebhookStatuses lists them in display order.
var WebhookStatuses = []WebhookStatus{WebhookPending, WebhookDelivered, WebhookDead}

// WebhookError is why an attempt failed, as a stable code: the admin sees
// its translation ("webhook.err.<code>"), never a transport library's
// message.
type WebhookError string

const (
	// WebhookRefused: the receiver's address refused the connection.
	WebhookRefused WebhookError = "refused"
	// WebhookTimedOut: no answer within WebhookTimeout.
	WebhookTimedOut WebhookError = "timeout"
	// WebhookDNS: the receiver's host name does not resolve.
	WebhookDNS WebhookError = "dns"
	// WebhookTLS: the TLS handshake or the certificate failed.
	WebhookTLS WebhookError = "tls"
	// WebhookNetwork: any other failure to reach the receiver.
	WebhookNetwork WebhookError = "network"
	// WebhookHTTP: the receiver answered with a status other than 2xx
	// (LastStatus holds it).
	WebhookHTTP WebhookError = "http"
	// WebhookScope: the client's data scope no longer covers the event's
	// customer (its org units were changed after the event).
	WebhookScope WebhookError = "scope"
	// WebhookGone: the event is no longer on the feed.
	WebhookGone WebhookError = "gone"
)

// The delivery rules of webhooks.
const (
	// WebhookTimeout bounds one attempt: connect, send and answer.
	WebhookTimeout = 10 * time.Second
	// WebhookFirstRetry is the wait after the first failed attempt; each
	// further failure doubles it up to WebhookMaxBackoff.
	WebhookFirstRetry = 10 * time.Second
	// WebhookMaxBackoff caps the wait between attempts.
	WebhookMaxBackoff = 30 * time.Minute
	// WebhookRetryWindow is how long a delivery is retried, counted from its
	// first attempt; then it is dead-lettered.
	WebhookRetryWindow = 24 * time.Hour
)

// WebhookDelivery (Webhook 推送) is one event of the feed on its way to one
// API client's webhook URL. It references the event by its feed position
// (Seq) instead of copying it: the body is built when it is sent. ID is the
// Webhook-Id header, the same on every attempt, so that a receiver can
// recognise a repeat.
type WebhookDelivery struct {
	ID         uint64        `json:"id"`
	ClientID   uint64        `json:"client_id"`
	CustomerID uint64        `json:"customer_id,omitempty"`
	Seq        uint64        `json:"seq"`
	Status     WebhookStatus `json:"status"`
	Attempts   int           `json:"attempts,omitempty"`
	// NextTry is when the delivery is due (while pending).
	NextTry time.Time `json:"next_try,omitzero"`
	// FirstTry starts the retry window; zero until the first attempt, so
	// that a delivery waiting behind an earlier one of its customer does
	// not age.
	FirstTry   time.Time    `json:"first_try,omitzero"`
	LastTry    time.Time    `json:"last_try,omitzero"`
	LastError  WebhookError `json:"last_error,omitempty"`
	LastStatus int          `json:"last_status,omitempty"`
	// Sending marks an attempt under way; one left set at start-up was cut
	// short by a stop, and the delivery is sent again.
	Sending     bool      `json:"sending,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	// ResentBy is the admin who last put a dead delivery back in the queue.
	ResentBy string `json:"resent_by,omitempty"`
}

// ReceivesWebhooks reports whether client c is sent webhooks at all: not
// disabled, with a URL, and allowed to read the feed (the webhooks carry
// the feed's events, so they need the same grant).
func (c *APIClient) ReceivesWebhooks() bool {
	return c != nil && c.WebhookURL != "" && c.Can(APIEvents, false)
}

// WebhookID is the delivery's Webhook-Id header value.
func (d *WebhookDelivery) WebhookID() string { return "whd_" + strconv.FormatUint(d.ID, 10) }

// WebhookBackoff is the wait after the n-th failed attempt in a row (n ≥ 1):
// 10 s, 20 s, 40 s … up to 30 minutes.
func WebhookBackoff(n int) time.Duration {
	d := WebhookFirstRetry
	for i := 1; i < n && d < WebhookMaxBackoff; i++ {
		d *= 2
	}
	return min(d, WebhookMaxBackoff)
}

// Succeed records a 2xx answer to the attempt made at at.
func (d *WebhookDelivery) Succeed(at time.Time, status int) {
	d.attempted(at)
	d.Status, d.DeliveredAt, d.LastStatus, d.LastError = WebhookDelivered, at, status, ""
	d.NextTry = time.Time{}
}

// Fail records a failed attempt made at at: the delivery is retried after
// its backoff, the last retry falling exactly at the end of the retry
// window, and dead-lettered when an attempt at or after that end fails. It
// reports whether the delivery is now dead.
func (d *WebhookDelivery) Fail(at time.Time, why WebhookError, status int) bool {
	d.attempted(at)
	d.LastError, d.LastStatus = why, status
	end := d.FirstTry.Add(WebhookRetryWindow)
	if !at.Before(end) {
		d.Status, d.NextTry = WebhookDead, time.Time{}
		return true
	}
	d.NextTry = at.Add(WebhookBackoff(d.Attempts))
	if d.NextTry.After(end) {
		d.NextTry = end
	}
	return false
}

// Abandon dead-letters the delivery without an attempt: it can no longer
// be delivered as it stands (why says the reason).
func (d *WebhookDelivery) Abandon(at time.Time, why WebhookError) {
	d.Status, d.NextTry, d.LastError, d.LastStatus, d.LastTry = WebhookDead, time.Time{}, why, 0, at
}

func (d *WebhookDelivery) attempted(at time.Time) {
	d.Attempts++
	d.LastTry = at
	d.Sending = false
	if d.FirstTry.IsZero() {
		d.FirstTry = at
	}
}

// Resend puts a dead delivery back in the queue with a fresh retry window.
// ErrNotAllowed unless it is dead.
func (d *WebhookDelivery) Resend(now time.Time, by string) error {
	if d.Status != WebhookDead {
		return ErrNotAllowed
	}
	d.Status, d.Attempts, d.FirstTry, d.NextTry, d.ResentBy = WebhookPending, 0, time.Time{}, now, by
	return nil
}
