package handlers

import (
	"context"
	"sync"
	"time"

	"dealerportal/store"
)

// StartWorkers starts the background jobs and returns a WaitGroup that is
// done when ctx is cancelled and every job has stopped. Jobs that work on
// this process's memory (buffered catalog visits, API token uses) run in
// every process; the rest (purges, messages, webhooks, monthly statements,
// the feed's retention, and jobs added with OnLeader) run once across the
// fleet, in the process holding the workers' lease (store/lease.go): on the
// embedded file that is always this one.
func (h *Handler) StartWorkers(ctx context.Context) *sync.WaitGroup {
	wg := &sync.WaitGroup{}
	h.workersUp.Store(true)
	go func() { <-ctx.Done(); h.workersUp.Store(false) }()
	every(ctx, wg, time.Minute, func() {
		if err := h.FlushAPIUses(); err != nil {
			h.log.Error("api token uses", "err", err)
		}
	})
	h.startVisitFlusher(ctx, wg)
	wg.Add(1)
	go func() {
		defer wg.Done()
		h.lease.Run(ctx, h.leaderWork, func(err error) { h.log.Error("workers' lease", "err", err) })
	}()
	return wg
}

// OnLeader adds a job to those that run in the lease holder only; job
// starts its goroutines in wg and ends them with ctx. Call it before
// StartWorkers.
func (h *Handler) OnLeader(job func(ctx context.Context, wg *sync.WaitGroup)) {
	h.leaderJobs = append(h.leaderJobs, job)
}

// leaderWork runs the fleet's jobs while this process holds the lease and
// returns when ctx ends (the lease lost or the process stopping) and they
// have stopped.
func (h *Handler) leaderWork(ctx context.Context) {
	rec := h.lease.Record()
	h.log.Info("workers: this process runs the background jobs", "holder", rec.Holder, "term", rec.Term)
	wg := &sync.WaitGroup{}
	every(ctx, wg, time.Hour, func() {
		if n, err := h.store.PurgeSessions(); err != nil {
			h.log.Error("purge sessions", "err", err)
		} else if n > 0 {
			h.log.Info("purged expired sessions", "count", n)
		}
		if h.limiter.st != nil {
			if _, err := h.store.PurgeLoginLimits(loginWindow); err != nil {
				h.log.Error("purge login limits", "err", err)
			}
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
	h.startMessaging(ctx, wg)
	h.startWebhooks(ctx, wg)
	h.startMonthlyStatements(ctx, wg)
	h.startFeedRetention(ctx, wg)
	for _, job := range h.leaderJobs {
		job(ctx, wg)
	}
	<-ctx.Done()
	wg.Wait()
	if h.store.Shared() {
		h.log.Info("workers: background jobs stopped in this process", "holder", rec.Holder, "term", rec.Term)
	}
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
