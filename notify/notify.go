// Package notify is the message platform's delivery side (消息自定义平台,
// SPEC §3): a worker that reads the transactional outbox, fans each business
// event out into one delivery per recipient and channel according to the
// admin's template for the event, writes in-app messages, and sends e-mail
// over SMTP and SMS through an HTTP gateway with retries, exponential
// backoff and dead-lettering.
//
// It is a top-level package because it belongs to none of the others: it is
// not model (it does I/O), not store (it talks to SMTP servers and HTTP
// gateways, which the storage layer must never wait on) and not handlers (it
// runs outside any request, so that a slow or dead mail server never slows
// or fails a user's action). Like main and demo it is a client of the store.
//
// Delivery is at least once. An in-app message is written in the same
// transaction that creates its delivery and marks the outbox event done, so
// it exists exactly once. An e-mail or SMS is marked "sending" before it is
// handed over and "sent" after: a crash in between leaves the mark, which the
// next start logs as a warning before sending it again; e-mails carry the
// delivery's id in their Message-ID, so the resend is recognisable.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"dealerportal/model"
	"dealerportal/store"
)

// Worker delivers the outbox. Its zero value is not usable: set Store.
type Worker struct {
	Store *store.Store
	// BaseURL makes document links absolute in e-mails and SMS
	// ("https://portal.example.com"); empty leaves them relative.
	BaseURL string
	Log     *slog.Logger
	// Poll is how often the queues are checked (2 s when zero).
	Poll time.Duration
	// Mailer sends e-mail (SMTP when nil); SMS sends text messages (the HTTP
	// gateway when nil). Tests replace them.
	Mailer Mailer
	SMS    SMSSender
	// SendTimeout bounds one e-mail or SMS hand-over (30 s when zero).
	SendTimeout time.Duration

	// crashAfterSend, in tests, simulates the process dying right after a
	// message was handed over and before the result was recorded.
	crashAfterSend func(*model.Delivery) bool
	// failDispatch, in tests, makes a fan-out transaction fail at its end.
	failDispatch func() error
}

// errCrash is the simulated crash of crashAfterSend.
var errCrash = errors.New("simulated crash")

func (w *Worker) log() *slog.Logger {
	if w.Log == nil {
		return slog.Default()
	}
	return w.Log
}

func (w *Worker) mailer() Mailer {
	if w.Mailer == nil {
		return &SMTP{}
	}
	return w.Mailer
}

func (w *Worker) sms() SMSSender {
	if w.SMS == nil {
		return &Gateway{}
	}
	return w.SMS
}

// Start reports deliveries interrupted by a crash, then runs three loops
// until ctx ends: fan-out (with in-app delivery), e-mail and SMS, each on its
// own so that a slow mail server delays neither in-app messages nor SMS.
func (w *Worker) Start(ctx context.Context, wg *sync.WaitGroup) {
	w.RecoverInterrupted()
	poll := w.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	loop := func(job func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(poll)
			defer t.Stop()
			for {
				job()
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	loop(func() {
		if _, err := w.Dispatch(ctx); err != nil {
			w.log().Error("messages: fan-out", "err", err)
		}
	})
	for _, ch := range []model.Channel{model.ChannelEmail, model.ChannelSMS} {
		loop(func() {
			if _, err := w.SendDue(ctx, ch); err != nil {
				w.log().Error("messages: send", "channel", ch, "err", err)
			}
		})
	}
}

// RunOnce does one round of everything: fan-out, then the due e-mails and
// SMS. Tests and the admin's "process now" use it.
func (w *Worker) RunOnce(ctx context.Context) error {
	if _, err := w.Dispatch(ctx); err != nil {
		return err
	}
	for _, ch := range []model.Channel{model.ChannelEmail, model.ChannelSMS} {
		if _, err := w.SendDue(ctx, ch); err != nil {
			return err
		}
	}
	return nil
}

// RecoverInterrupted finds the e-mails and SMS that were being handed over
// when the process stopped, logs each as possibly sent already (it will be
// sent again, at least once), and clears the mark.
func (w *Worker) RecoverInterrupted() {
	for _, ch := range []model.Channel{model.ChannelEmail, model.ChannelSMS} {
		err := w.Store.Update("system", func(t *store.Tx) error {
			ds, err := t.InterruptedDeliveries(ch)
			if err != nil {
				return err
			}
			for _, d := range ds {
				w.log().Warn("messages: interrupted while sending, may have been delivered already; sending again",
					"delivery", d.ID, "channel", d.Channel, "to", d.To, "attempt", d.Attempts, "message_id", messageID(d, ""))
				d.Sending = false
				if err := t.SaveDelivery(d); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			w.log().Error("messages: recover", "channel", ch, "err", err)
		}
	}
}

// dispatchBatch is how many outbox events one fan-out transaction takes.
const dispatchBatch = 50

// Dispatch publishes announcements that have taken effect and fans out every
// due outbox event, dispatchBatch at a time; it returns how many events it
// handled.
//
// The fan-out is read work (templates, recipients, their scopes and
// preferences, the texts): it runs in a read transaction (plan), and only
// its result is written, as one function of the group commit (apply), which
// checks that each event is still as the plan read it. So the fan-out never
// holds the writers' turn — on PostgreSQL the turn all processes' writers
// take one at a time — and its writes share the transaction and the turn of
// the orders committing at that moment (docs/DESIGN.md, "The fan-out out of
// the writers' turn").
func (w *Worker) Dispatch(ctx context.Context) (int, error) {
	total, published := 0, false
	for ctx.Err() == nil {
		var plan []planned
		var settings *model.MessagingSettings
		announce := false
		err := w.Store.View(func(t *store.Tx) error {
			announce = !published && t.AnnouncementsDue()
			var err error
			plan, settings, err = w.plan(t)
			return err
		})
		if err != nil {
			return total, err
		}
		if announce {
			// Rare (an announcement taking effect): a transaction of its own,
			// once a call; the events it emits are fanned out by the next pass.
			if err := w.Store.Update("system", func(t *store.Tx) error {
				_, err := t.PublishDueAnnouncements()
				return err
			}); err != nil {
				return total, err
			}
			published = true
		}
		if len(plan) == 0 {
			if announce {
				continue
			}
			return total, nil
		}
		var applied []*model.OutboxMessage
		err = w.Store.BatchOverOutbox("system", plannedIDs(plan), func(t *store.Tx) error {
			var err error
			applied, err = w.apply(t, plan, settings)
			return err
		})
		if err != nil {
			return total, err
		}
		for _, m := range applied {
			if m.LastError != "" && m.Status != model.OutboxDelivered {
				w.log().Error("messages: fan-out failed", "outbox", m.ID, "event", m.Event, "attempt", m.Attempts, "err", m.LastError)
			}
		}
		total += len(applied)
		if len(plan) < dispatchBatch {
			break
		}
	}
	return total, nil
}

// plan fans out up to dispatchBatch due outbox events in t (a read
// transaction) and returns their fan-outs with the messaging settings they
// were made under.
func (w *Worker) plan(t *store.Tx) ([]planned, *model.MessagingSettings, error) {
	msgs, err := t.PendingOutbox(dispatchBatch)
	if err != nil || len(msgs) == 0 {
		return nil, nil, err
	}
	f := newFanout(t, w.BaseURL)
	plan := make([]planned, 0, len(msgs))
	for _, m := range msgs {
		ds, ferr := f.deliveries(m)
		plan = append(plan, planned{m: m, ds: ds, err: ferr, note: f.note})
	}
	return plan, f.settings, nil
}

// planned is one outbox event's fan-out, made in a read transaction: its
// deliveries, or the failure to make them.
type planned struct {
	m    *model.OutboxMessage // as the plan read it
	ds   []*model.Delivery
	err  error
	note string // why an event produced no delivery on purpose
}

// plannedIDs returns the ids of the plan's events.
func plannedIDs(plan []planned) []uint64 {
	ids := make([]uint64, len(plan))
	for i, p := range plan {
		ids[i] = p.m.ID
	}
	return ids
}

// apply writes the planned fan-outs in t (a group commit's function: it may
// run more than once, so it builds every record afresh) and returns the
// events it settled. An event that is no longer pending as the plan read it
// (another pass settled it, an admin requeued it) is left to the next pass.
func (w *Worker) apply(t *store.Tx, plan []planned, settings *model.MessagingSettings) ([]*model.OutboxMessage, error) {
	now, err := t.OutboxMessages(plannedIDs(plan))
	if err != nil {
		return nil, err
	}
	var out []*model.OutboxMessage
	var all []*model.Delivery
	for i, p := range plan {
		m := now[i]
		if m == nil || m.Status != model.OutboxPending || m.Attempts != p.m.Attempts || !m.NextTry.Equal(p.m.NextTry) {
			continue
		}
		if p.err != nil {
			m.Attempts++
			m.LastError = p.err.Error()
			// A text over the template budget fails the same way every time.
			if m.Attempts >= settings.MaxAttempts || errors.Is(p.err, model.ErrTemplateBudget) {
				m.Status = model.OutboxDead
			} else {
				m.NextTry = t.Now.Add(settings.Backoff(m.Attempts))
			}
		} else {
			for _, d := range p.ds {
				c := *d // AddDeliveries numbers what it stores
				all = append(all, &c)
			}
			m.Status, m.LastError = model.OutboxDelivered, p.note
		}
		out = append(out, m)
	}
	// Every event's deliveries are stored together (Tx.AddDeliveries reads
	// their inbox keys in one go), in the events' order.
	if err := t.AddDeliveries(all); err != nil {
		return nil, err
	}
	for _, m := range out {
		if err := t.SaveOutboxMessage(m); err != nil {
			return nil, err
		}
	}
	if w.failDispatch != nil {
		return nil, w.failDispatch()
	}
	return out, nil
}

// sendBatch is how many due messages of a channel one round looks at.
const sendBatch = 20

// SendDue sends the due deliveries of channel ch (e-mail or SMS) one by one,
// recording each result, and returns how many it sent. A channel that is not
// configured sends nothing (its deliveries wait). When the server cannot be
// reached the round stops, so a dead server costs one attempt per round, not
// one timeout per queued message.
func (w *Worker) SendDue(ctx context.Context, ch model.Channel) (int, error) {
	sent := 0
	for ctx.Err() == nil {
		settings := w.Store.MessagingSettings()
		if ch == model.ChannelEmail && !settings.EmailReady() || ch == model.ChannelSMS && !settings.SMSReady() {
			return sent, nil
		}
		var due []*model.Delivery
		if err := w.Store.View(func(t *store.Tx) (err error) { due, err = t.DueDeliveries(ch, sendBatch); return }); err != nil {
			return sent, err
		}
		if len(due) == 0 {
			return sent, nil
		}
		for _, d := range due {
			if ctx.Err() != nil {
				return sent, nil
			}
			ok, stop, err := w.sendOne(settings, d)
			if err != nil {
				return sent, err
			}
			if ok {
				sent++
			}
			if stop {
				return sent, nil
			}
		}
	}
	return sent, nil
}

// sendOne makes one attempt at delivery d. stop reports a transport failure
// (the server is unreachable: try the rest later).
func (w *Worker) sendOne(settings *model.MessagingSettings, d *model.Delivery) (ok, stop bool, err error) {
	err = w.Store.Update("system", func(t *store.Tx) (err error) { d, err = t.StartAttempt(d.ID); return })
	if err != nil || d.Status != model.DeliveryPending {
		return false, false, err
	}
	mid := messageID(d, settings.SMTPFrom)
	lg := w.log().With("delivery", d.ID, "channel", d.Channel, "event", d.Event, "to", d.To, "attempt", d.Attempts, "message_id", mid)
	lg.Info("messages: sending")
	timeout := w.SendTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	var sendErr error
	switch d.Channel {
	case model.ChannelEmail:
		sendErr = w.mailer().Send(sctx, settings, &Email{To: d.To, Subject: d.Subject, Body: d.Body, MessageID: mid, Date: w.Store.Now().In(w.Store.Zone())})
	case model.ChannelSMS:
		sendErr = w.sms().Send(sctx, settings, d.To, d.Body)
	default:
		sendErr = fmt.Errorf("channel %q is not sent by the worker", d.Channel)
	}
	cancel()
	if w.crashAfterSend != nil && w.crashAfterSend(d) {
		return false, true, errCrash
	}
	var saved *model.Delivery
	err = w.Store.Update("system", func(t *store.Tx) (err error) { saved, err = t.FinishDelivery(d.ID, sendErr, settings); return })
	if err != nil {
		return false, false, err
	}
	switch {
	case sendErr == nil:
		lg.Info("messages: sent")
		return true, false, nil
	case saved.Status == model.DeliveryDead:
		lg.Error("messages: dead-lettered after the last attempt", "err", sendErr)
	default:
		lg.Warn("messages: attempt failed, will retry", "err", sendErr, "next_try", saved.NextTry)
	}
	var te *TransportError
	return false, errors.As(sendErr, &te), nil
}

// messageID is the e-mail Message-ID of a delivery: the same for every
// attempt, so a resend after a crash is recognisable as the same message.
func messageID(d *model.Delivery, from string) string {
	domain := "dealer-portal.local"
	if _, dom, ok := strings.Cut(from, "@"); ok && dom != "" {
		domain = dom
	}
	return fmt.Sprintf("<delivery-%d.outbox-%d@%s>", d.ID, d.OutboxID, domain)
}

// TransportError is a failure to reach the server at all (connection refused,
// timeout, TLS handshake): the round stops and later messages wait.
type TransportError struct{ Err error }

func (e *TransportError) Error() string { return e.Err.Error() }
func (e *TransportError) Unwrap() error { return e.Err }
