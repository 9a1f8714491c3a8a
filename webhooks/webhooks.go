// Package webhooks delivers the integration API's event feed to the API
// clients' webhook URLs (SPEC §6, signed webhooks): a worker takes the
// deliveries the store queued with each event (store/webhooks.go) and POSTs
// each event as JSON, signed with the client's secret, retrying with
// exponential backoff for up to a day before it dead-letters one.
//
// It is a top-level package because it belongs to none of the others: it is
// not model (it does I/O), not store (it waits on other companies' HTTP
// servers, which the storage layer must never do) and not handlers (it runs
// outside any request, so that a slow or dead receiver never slows or fails
// a user's action or an API call). Like notify, it is a client of the store.
//
// Order: the store makes only the oldest pending delivery of each (client,
// customer) due, so a customer's later events wait while an earlier one is
// retried, and the other customers' events go on.
//
// Delivery is at least once. An attempt is marked in the file before the
// POST and its outcome recorded after it; a stop in between leaves the
// mark, which the next start logs before the delivery is sent again. The
// Webhook-Id header is the same on every attempt, so a receiver that keeps
// the ids it has processed can drop a repeat.
package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	"dealerportal/model"
	"dealerportal/store"
)

// The headers of a webhook (the Standard Webhooks names).
const (
	HeaderID        = "Webhook-Id"
	HeaderTimestamp = "Webhook-Timestamp"
	HeaderSignature = "Webhook-Signature"
)

// Payload is the default body of a push (Encode): one event of the feed,
// in the shape of the feed's event object (type, occurred_at, customer,
// document, actor, data), with its feed position as seq.
type Payload struct {
	// Seq is the event's feed position: increasing in commit order.
	Seq  uint64      `json:"seq"`
	Type model.Event `json:"type"`
	// OccurredAt is when the change committed (UTC).
	OccurredAt time.Time         `json:"occurred_at"`
	Customer   PayloadCustomer   `json:"customer"`
	Document   PayloadDocument   `json:"document"`
	Actor      string            `json:"actor,omitempty"`
	Data       map[string]string `json:"data,omitempty"`
}

// PayloadCustomer names the event's customer: the portal's id and code and
// the ERP's own id for it.
type PayloadCustomer struct {
	ID         uint64 `json:"id"`
	Code       string `json:"code"`
	ExternalID string `json:"external_id,omitempty"`
}

// PayloadDocument names the document the event is about.
type PayloadDocument struct {
	Type   model.DocType `json:"type"`
	ID     uint64        `json:"id"`
	Number string        `json:"number"`
}

// Encode is the default body of event ev (Worker.Encode replaces it): its
// Payload.
func Encode(t *store.Tx, ev *model.FeedEvent) ([]byte, error) {
	p := Payload{Seq: ev.Seq, Type: ev.Event, OccurredAt: ev.At.UTC(), Customer: PayloadCustomer{ID: ev.CustomerID},
		Document: PayloadDocument{Type: ev.DocType, ID: ev.DocID, Number: ev.DocNumber}, Actor: ev.Actor, Data: ev.Params}
	if c, err := t.Customer(store.AdminScope(), ev.CustomerID); err == nil {
		p.Customer.Code = c.Code
		p.Customer.ExternalID = t.ExternalOf(store.ExtCustomer, c.ID)
	}
	return json.Marshal(p)
}

// Sign returns the Webhook-Signature header of a body sent at ts (unix
// seconds): "v1=" and the hex HMAC-SHA256 of "<ts>.<body>" keyed with the
// client's webhook secret (the whole string, "whsec_" included).
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Worker sends the queued webhooks. Its zero value is not usable: set Store.
type Worker struct {
	Store *store.Store
	Log   *slog.Logger
	// Poll is how often the queue is looked at (1 s when zero).
	Poll time.Duration
	// HTTP sends the POSTs; nil: a client with model.WebhookTimeout that
	// does not follow redirects (a redirect is a failed attempt).
	HTTP *http.Client
	// Encode builds a body from a feed event; nil: Encode. The API's
	// handlers can pass the feed's own encoder here, so that a push carries
	// exactly the event object GET /api/v1/events lists.
	Encode func(*store.Tx, *model.FeedEvent) ([]byte, error)
	// Batch is how many deliveries of one client a round takes (32 when
	// zero); Parallel how many of them are in flight at once (8 when zero).
	Batch, Parallel int

	// crashAfterSend, in tests, simulates the process dying after the POSTs
	// and before their outcomes were recorded.
	crashAfterSend func() bool

	mu sync.Mutex
	// busy marks the clients whose deliveries a goroutine is sending; probe
	// the clients whose last round failed throughout (their next round
	// sends one delivery, not a batch, until one gets through).
	busy, probe map[uint64]bool
	httpOnce    sync.Once
}

// errCrash is the simulated crash of crashAfterSend.
var errCrash = errors.New("simulated crash")

// Retention of the delivery records once they are settled.
const (
	keepDelivered = 7 * 24 * time.Hour
	keepDead      = 30 * 24 * time.Hour
)

func (w *Worker) log() *slog.Logger {
	if w.Log == nil {
		return slog.Default()
	}
	return w.Log
}

func (w *Worker) encode() func(*store.Tx, *model.FeedEvent) ([]byte, error) {
	if w.Encode == nil {
		return Encode
	}
	return w.Encode
}

func (w *Worker) client() *http.Client {
	w.httpOnce.Do(func() {
		if w.HTTP == nil {
			w.HTTP = &http.Client{Timeout: model.WebhookTimeout,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		}
	})
	return w.HTTP
}

func (w *Worker) sizes() (batch, parallel int) {
	batch, parallel = w.Batch, w.Parallel
	if batch <= 0 {
		batch = 32
	}
	if parallel <= 0 {
		parallel = 8
	}
	return batch, parallel
}

// Start reports the attempts a stop cut short (they are sent again), then
// until ctx ends: every Poll, for each client with deliveries due that no
// goroutine is sending yet, starts one that sends them; every hour it purges
// settled deliveries (delivered ones after a week, dead ones after 30 days).
// Each client has its own goroutine, so a receiver that hangs delays only
// its own webhooks.
func (w *Worker) Start(ctx context.Context, wg *sync.WaitGroup) {
	w.Recover()
	poll := w.Poll
	if poll <= 0 {
		poll = time.Second
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(poll)
		defer tick.Stop()
		var purged time.Time
		for {
			w.dispatch(ctx, wg)
			if time.Since(purged) > time.Hour {
				purged = time.Now()
				if n, err := w.Store.PurgeWebhooks(keepDelivered, keepDead); err != nil {
					w.log().Error("webhooks: purge", "err", err)
				} else if n > 0 {
					w.log().Info("webhooks: purged settled deliveries", "count", n)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

// dueClients lists the clients that receive webhooks and have one due.
func (w *Worker) dueClients() ([]uint64, error) {
	var ids []uint64
	err := w.Store.View(func(t *store.Tx) error {
		ids = nil // fn may run again (Store.View)
		clients, err := t.APIClients()
		for _, c := range clients {
			if c.ReceivesWebhooks() && t.WebhooksDue(c.ID) {
				ids = append(ids, c.ID)
			}
		}
		return err
	})
	return ids, err
}

// dispatch starts a sending goroutine for each client with deliveries due
// that has none running.
func (w *Worker) dispatch(ctx context.Context, wg *sync.WaitGroup) {
	ids, err := w.dueClients()
	if err != nil {
		w.log().Error("webhooks: queue", "err", err)
		return
	}
	for _, id := range ids {
		w.mu.Lock()
		if w.busy == nil {
			w.busy = map[uint64]bool{}
		}
		running := w.busy[id]
		w.busy[id] = true
		w.mu.Unlock()
		if running {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { w.mu.Lock(); delete(w.busy, id); w.mu.Unlock() }()
			if _, err := w.deliver(ctx, id); err != nil {
				w.log().Error("webhooks: deliver", "client", id, "err", err)
			}
		}()
	}
}

// RunOnce sends every due delivery of every client, one client after the
// other, and returns how many were delivered. Tests use it.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	ids, err := w.dueClients()
	if err != nil {
		return 0, err
	}
	total := 0
	for _, id := range ids {
		n, err := w.deliver(ctx, id)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// Recover clears the marks of attempts that were under way when the
// process stopped, logging each: it may have reached the receiver, and it
// will be sent again with the same Webhook-Id.
func (w *Worker) Recover() {
	err := w.Store.Update("system", func(t *store.Tx) error {
		ds, err := t.InterruptedWebhooks()
		for _, d := range ds {
			w.log().Warn("webhooks: interrupted while sending, may have been delivered already; sending again",
				"delivery", d.WebhookID(), "client", d.ClientID, "seq", d.Seq, "attempt", d.Attempts+1)
		}
		return err
	})
	if err != nil {
		w.log().Error("webhooks: recover", "err", err)
	}
}

// deliver sends client id's due deliveries, a batch a round, until none is
// due or a round had a failure (the rest wait for the next poll, so a
// receiver that is down costs one round per poll, not one per delivery).
// It returns how many it delivered.
func (w *Worker) deliver(ctx context.Context, id uint64) (int, error) {
	batch, _ := w.sizes()
	total := 0
	for ctx.Err() == nil {
		w.mu.Lock()
		n := batch
		if w.probe[id] {
			n = 1
		}
		w.mu.Unlock()
		taken, ok, failed, err := w.round(id, n)
		total += ok
		if err != nil {
			return total, err
		}
		w.mu.Lock()
		if w.probe == nil {
			w.probe = map[uint64]bool{}
		}
		w.probe[id] = failed > 0 && ok == 0
		w.mu.Unlock()
		// A short round emptied the due list (asking again would cost a
		// write for nothing); a failure leaves the rest to the next poll.
		if taken < n || failed > 0 {
			break
		}
	}
	return total, nil
}

// round takes up to n due deliveries of the client, POSTs them (Parallel
// at a time) and records the outcomes. taken counts the deliveries looked
// at (sent or dead-lettered unsent).
func (w *Worker) round(id uint64, n int) (taken, ok, failed int, err error) {
	var b *store.WebhookBatch
	var bodies [][]byte
	err = w.Store.Update("system", func(t *store.Tx) (err error) {
		bodies = bodies[:0]
		if b, err = t.StartWebhooks(id, n); err != nil {
			return err
		}
		for _, a := range b.Attempts {
			body, err := w.encode()(t, a.Event)
			if err != nil {
				return err
			}
			bodies = append(bodies, body)
		}
		return nil
	})
	if err != nil {
		return 0, 0, 0, err
	}
	c, as := b.Client, b.Attempts
	for _, d := range b.Abandoned {
		w.log().Error("webhooks: dead-lettered unsent", "client", c.Name, "delivery", d.WebhookID(), "seq", d.Seq, "error", d.LastError)
	}
	if len(as) == 0 {
		return len(b.Abandoned), 0, 0, nil
	}
	_, parallel := w.sizes()
	results := make([]store.WebhookResult, len(as))
	at := w.Store.Now()
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, a := range as {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			status, why := w.post(c, a.Delivery, bodies[i], at)
			results[i] = store.WebhookResult{ID: a.Delivery.ID, At: at, Status: status, Err: why}
		}()
	}
	wg.Wait()
	if w.crashAfterSend != nil && w.crashAfterSend() {
		return len(b.Abandoned) + len(as), 0, 0, errCrash
	}
	var saved []*model.WebhookDelivery
	err = w.Store.Update("system", func(t *store.Tx) (err error) {
		saved, err = t.FinishWebhooks(results)
		return err
	})
	if err != nil {
		return len(b.Abandoned) + len(as), 0, 0, err
	}
	for _, d := range saved {
		lg := w.log().With("client", c.Name, "delivery", d.WebhookID(), "seq", d.Seq, "customer", d.CustomerID, "attempt", d.Attempts)
		switch d.Status {
		case model.WebhookDelivered:
			ok++
			lg.Debug("webhooks: delivered")
		case model.WebhookDead:
			failed++
			lg.Error("webhooks: dead-lettered after the retry window", "error", d.LastError, "status", d.LastStatus)
		default:
			failed++
			lg.Warn("webhooks: attempt failed, will retry", "error", d.LastError, "status", d.LastStatus, "next_try", d.NextTry)
		}
	}
	return len(b.Abandoned) + len(as), ok, failed, nil
}

// post makes one attempt: the signed POST of body to the client's URL. It
// returns the HTTP status (0 when there was no answer) and, unless the
// answer was 2xx, why it failed.
func (w *Worker) post(c *model.APIClient, d *model.WebhookDelivery, body []byte, at time.Time) (int, model.WebhookError) {
	ctx, cancel := context.WithTimeout(context.Background(), model.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.WebhookURL, bytes.NewReader(body))
	if err != nil {
		w.log().Warn("webhooks: bad URL", "client", c.Name, "err", err)
		return 0, model.WebhookNetwork
	}
	ts := at.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "dealer-portal-webhooks/1")
	req.Header.Set(HeaderID, d.WebhookID())
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(c.WebhookSecret, ts, body))
	res, err := w.client().Do(req)
	if err != nil {
		why := Classify(err)
		w.log().Debug("webhooks: attempt failed", "client", c.Name, "delivery", d.WebhookID(), "kind", why, "err", err)
		return 0, why
	}
	// Read a little of the answer so that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode/100 == 2 {
		return res.StatusCode, ""
	}
	return res.StatusCode, model.WebhookHTTP
}

// Classify maps a failure to reach a receiver to the code the admin sees
// (translated): refused, timeout, dns, tls, or network for anything else.
func Classify(err error) model.WebhookError {
	var dns *net.DNSError
	var ne net.Error
	var cv *tls.CertificateVerificationError
	var rh tls.RecordHeaderError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &dns):
		return model.WebhookDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return model.WebhookRefused
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return model.WebhookTimedOut
	case errors.As(err, &cv), errors.As(err, &rh), errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci):
		return model.WebhookTLS
	}
	return model.WebhookNetwork
}
