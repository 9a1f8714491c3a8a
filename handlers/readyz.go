package handlers

import (
	"errors"
	"time"

	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// readyTimeout bounds the database read of /readyz: a database that does
// not answer within it is reported as down.
const readyTimeout = 2 * time.Second

// readiness is the JSON of /readyz.
type readiness struct {
	// Status is "ready" (200) or "unavailable" (503).
	Status   string        `json:"status"`
	Database readyDatabase `json:"database"`
	Workers  readyWorkers  `json:"workers"`
}

type readyDatabase struct {
	OK bool `json:"ok"`
	// Shared: other processes may use the database (PostgreSQL).
	Shared bool    `json:"shared"`
	Millis float64 `json:"ms"`
	Error  string  `json:"error,omitempty"`
}

type readyWorkers struct {
	// Running: this process started its background workers.
	Running bool `json:"running"`
	// Role is "leader" when this process runs the fleet's background jobs
	// (it holds the workers' lease), else "follower".
	Role string `json:"role"`
	// ID is this process's holder id; Holder, Term and Expires are the
	// lease as this process last read it.
	ID      string     `json:"id"`
	Holder  string     `json:"holder,omitempty"`
	Term    uint64     `json:"term,omitempty"`
	Expires *time.Time `json:"expires,omitempty"`
}

// ready answers 200 when the database answers a read and the background
// workers run, 503 otherwise, with the database and this process's worker
// role in JSON (for a load balancer, an orchestrator and the operator).
// /healthz stays the liveness check: it touches no database.
func (h *Handler) ready(c *fiber.Ctx) error {
	r := readiness{Status: "ready"}
	r.Database.Shared = h.store.Shared()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- h.store.View(func(*store.Tx) error { return nil }) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(readyTimeout):
		err = errNoAnswer
	}
	r.Database.Millis = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		r.Database.Error = err.Error()
	} else {
		r.Database.OK = true
	}
	w := &r.Workers
	w.Running = h.workersUp.Load()
	w.ID = h.lease.Holder()
	w.Role = "follower"
	if w.Running && h.lease.Held() {
		w.Role = "leader"
	}
	if rec := h.lease.Record(); rec.Holder != "" {
		w.Holder, w.Term = rec.Holder, rec.Term
		if !rec.Expires.IsZero() {
			w.Expires = &rec.Expires
		}
	}
	status := fiber.StatusOK
	if !r.Database.OK || !w.Running {
		r.Status, status = "unavailable", fiber.StatusServiceUnavailable
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).JSON(r)
}

// errNoAnswer: the database did not answer within readyTimeout.
var errNoAnswer = errors.New("no answer within " + readyTimeout.String())

// syncVersions brings the process's caches (the sign-in cache, the org
// tree, the settings) up to the changes other processes committed, before
// anything reads them (store/versions.go). It is installed only on a shared
// database. When the database does not answer, the request is refused
// rather than served from caches that may be stale (a revoked session).
//
// A page request (GET) of a cookie the sign-in cache knows also counts its
// user's unread inbox in the same round trip (store.SyncUnread), for the
// header's bell: the cookie's user is known before its sign-in is checked,
// and the count is shown only when the request's signed-in user is that
// user and this process has not changed the user's inbox since
// (bellCount).
func (h *Handler) syncVersions(c *fiber.Ctx) error {
	var user uint64
	if c.Method() == fiber.MethodGet {
		if raw := c.Cookies(h.cookies.name); raw != "" {
			user = h.signIns.userOf(raw)
		}
	}
	unread, err := h.store.SyncUnread(user, bellLimit)
	if err != nil {
		h.log.Error("shared versions", "err", err)
		return fiber.ErrServiceUnavailable
	}
	if user != 0 {
		c.Locals(localUnread, unread)
	}
	return c.Next()
}
