package handlers

import (
	"context"
	"sync"
	"time"

	"dealerportal/store"
)

// StartWorkers starts the background jobs (expired-session and form-token
// clean-up; later modules add theirs) and returns a WaitGroup that is done
// when ctx is cancelled and every job has stopped.
func (h *Handler) StartWorkers(ctx context.Context) *sync.WaitGroup {
	wg := &sync.WaitGroup{}
	h.workersUp.Store(true)
	go func() { <-ctx.Done(); h.workersUp.Store(false) }()
	every(ctx, wg, time.Hour, func() {
		if n, err := h.store.PurgeSessions(); err != nil {
			h.log.Error("purge sessions", "err", err)
		} else if n > 0 {
			h.log.Info("purged expired sessions", "count", n)
		}
		if err := h.store.PurgeIdempotency(store.IdempotencyRetention); err != nil {
			h.log.Error("purge form tokens", "err", err)
		}
		if n, err := h.store.PurgeOutbox(store.OutboxRetention); err != nil {
			h.log.Error("purge delivered outbox messages", "err", err)
		} else if n > 0 {
			h.log.Info("purged delivered outbox messages", "count", n)
		}
	})
	every(ctx, wg, time.Minute, func() {
		if err := h.FlushAPIUses(); err != nil {
			h.log.Error("api token uses", "err", err)
		}
	})
	h.startVisitFlusher(ctx, wg)
	h.startMessaging(ctx, wg)
	h.startWebhooks(ctx, wg)
	h.startMonthlyStatements(ctx, wg)
	h.startFeedRetention(ctx, wg)
	return wg
}

// every runs job now and then at each interval until ctx ends.
func every(ctx context.Context, wg *sync.WaitGroup, interval time.Duration, job func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
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
