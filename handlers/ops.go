package handlers

import (
	"slices"
	"sort"
	"sync"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const tplSystem = "system/status"

func (h *Handler) registerOps(r fiber.Router) {
	r.Get("/admin/system", h.showSystem)
	r.Get("/admin/backup", h.downloadBackup)
}

// metrics counts requests and keeps the latest latencies per route, for the
// admin's system page. Memory is bounded: a ring of samples per route.
type metrics struct {
	mu     sync.Mutex
	routes map[string]*routeStats
}

type routeStats struct {
	count, errors uint64
	ring          [512]time.Duration
	n             int
}

const ringSize = 512

func newMetrics() *metrics { return &metrics{routes: map[string]*routeStats{}} }

func (m *metrics) record(route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.routes[route]
	if s == nil {
		s = &routeStats{}
		m.routes[route] = s
	}
	s.count++
	if status >= 500 {
		s.errors++
	}
	s.ring[s.n%ringSize] = d
	s.n++
}

// RouteStat is one row of the system page.
type RouteStat struct {
	Route             string
	Count, Errors     uint64
	P50, P95, P99, Mx time.Duration
}

func (m *metrics) snapshot() []RouteStat {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]RouteStat, 0, len(m.routes))
	for r, s := range m.routes {
		n := min(s.n, ringSize)
		lat := slices.Clone(s.ring[:n])
		slices.Sort(lat)
		pct := func(p float64) time.Duration {
			if n == 0 {
				return 0
			}
			return lat[min(n-1, int(p*float64(n)))]
		}
		out = append(out, RouteStat{Route: r, Count: s.count, Errors: s.errors, P50: pct(0.50), P95: pct(0.95), P99: pct(0.99), Mx: pct(1)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

// backupState is the outcome of the latest scheduled backup.
type backupState struct {
	Path string
	At   time.Time
	Err  string
}

// RecordBackup notes the outcome of a scheduled backup for the system page.
func (h *Handler) RecordBackup(path string, err error) {
	b := &backupState{Path: path, At: h.store.Now()}
	if err != nil {
		b.Err = err.Error()
	}
	h.lastBackup.Store(b)
}

type systemData struct {
	Routes         []RouteStat
	OutboxAll      int
	OutboxPending  int
	DBSize         int64
	Backup         *backupState
	Started        time.Time
	SchemaVersion  uint64
	WorkersRunning bool
}

// showSystem is the admin's view of the running portal: requests and latency
// per route, outbox backlog, database size, last backup.
func (h *Handler) showSystem(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	d := &systemData{Routes: h.metrics.snapshot(), DBSize: h.store.Size(), Backup: h.lastBackup.Load(),
		Started: h.started, SchemaVersion: store.SchemaVersion(), WorkersRunning: h.workersUp.Load()}
	_ = h.read(func(t *store.Tx) error { d.OutboxAll, d.OutboxPending = t.OutboxCount(); return nil })
	return h.render(c, fiber.StatusOK, tplSystem, h.view(c, "system.title", d))
}

// downloadBackup streams a consistent copy of the database (admin only):
// the file on bbolt, the portable backup stream on PostgreSQL.
func (h *Handler) downloadBackup(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	name := store.BackupName(h.store.Now())
	if h.store.Postgres() {
		name = store.PortableBackupName(h.store.Now())
	}
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	c.Set(fiber.HeaderContentDisposition, attachmentDisposition(name))
	c.Set(fiber.HeaderCacheControl, "no-store")
	// Buffer-free: the response body is written from the read transaction.
	w := c.Response().BodyWriter()
	var err error
	if h.store.Postgres() {
		_, _, err = h.store.PortableBackup(w)
	} else {
		_, err = h.store.Backup(w)
	}
	if err != nil {
		return err
	}
	h.log.Info("backup downloaded", "user", currentUser(c).Username)
	return nil
}
