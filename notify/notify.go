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
// due outbox event, dispatchBatch per transaction; it returns how many events
// it handled.
func (w *Worker) Dispatch(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		// Look before writing: an idle poll costs a read, not a commit.
		idle := true
		if err := w.Store.View(func(t *store.Tx) error {
			due, err := t.PendingOutbox(1)
			idle = len(due) == 0 && !t.AnnouncementsDue()
			return err
		}); err != nil || idle {
			return total, err
		}
		n := 0
		err := w.Store.Update("system", func(t *store.Tx) error {
			n = 0
			if _, err := t.PublishDueAnnouncements(); err != nil {
				return err
			}
			msgs, err := t.PendingOutbox(dispatchBatch)
			if err != nil {
				return err
			}
			f := newFanout(t, w.BaseURL)
			// Every message's deliveries are stored together after the
			// fan-out (Tx.AddDeliveries reads their inbox keys in one go),
			// in the same order as one by one.
			var all []*model.Delivery
			for _, m := range msgs {
				ds, ferr := f.deliveries(m)
				if ferr != nil {
					m.Attempts++
					m.LastError = ferr.Error()
					// A text over the template budget fails the same way every time.
					if m.Attempts >= f.settings.MaxAttempts || errors.Is(ferr, model.ErrTemplateBudget) {
						m.Status = model.OutboxDead
					} else {
						m.NextTry = t.Now.Add(f.settings.Backoff(m.Attempts))
					}
					w.log().Error("messages: fan-out failed", "outbox", m.ID, "event", m.Event, "err", ferr)
				} else {
					all = append(all, ds...)
					m.Status, m.LastError = model.OutboxDelivered, f.note
				}
			}
			if err := t.AddDeliveries(all); err != nil {
				return err
			}
			for _, m := range msgs {
				if err := t.SaveOutboxMessage(m); err != nil {
					return err
				}
			}
			n = len(msgs)
			if w.failDispatch != nil {
				return w.failDispatch()
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < dispatchBatch {
			break
		}
	}
	return total, nil
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
