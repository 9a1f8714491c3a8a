package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// /readyz reports the database and this process's worker role in JSON:
// 503 before the workers start and when the database does not answer.
func TestReadyz(t *testing.T) {
	e := newTestEnv(t)
	anon := e.client()
	read := func(want int) readiness {
		t.Helper()
		r := anon.get("/readyz")
		var got readiness
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil || r.Code != want {
			t.Fatalf("readyz: %d %s (%v); want %d", r.Code, r.Body, err, want)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("content type %q", ct)
		}
		return got
	}
	if got := read(http.StatusServiceUnavailable); got.Status != "unavailable" || !got.Database.OK || got.Workers.Running || got.Workers.Role != "follower" {
		t.Fatalf("before the workers: %+v", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wg := e.h.StartWorkers(ctx)
	t.Cleanup(func() { cancel(); wg.Wait() }) // before the store closes
	got := read(http.StatusOK)
	// On a shared database (PostgreSQL) the lease is taken by the workers'
	// first try, in their own goroutine: wait for it. The file is always
	// this process's.
	for deadline := time.Now().Add(10 * time.Second); got.Workers.Role != "leader" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		got = read(http.StatusOK)
	}
	if got.Status != "ready" || !got.Database.OK || got.Database.Shared != e.st.Postgres() || !got.Workers.Running ||
		got.Workers.Role != "leader" || got.Workers.ID == "" || got.Workers.Holder != got.Workers.ID {
		t.Fatalf("running: %+v", got)
	}
	cancel()
	wg.Wait()
	e.st.Close()
	if got := read(http.StatusServiceUnavailable); got.Database.OK || got.Database.Error == "" {
		t.Fatalf("database closed: %+v", got)
	}
	if r := anon.get("/healthz"); r.Code != http.StatusOK {
		t.Fatalf("healthz with the database closed: %d", r.Code)
	}
}
