// Command portal is the dealer portal (经销商门户): one binary serving the web
// application from an embedded bbolt database.
//
//	portal                 serve (the default)
//	portal demo [flags]    fill a fresh database with generated data at volume
//	portal backup FILE     write a consistent backup (also while serving)
//	portal restore FILE    replace the database with a verified backup
//	portal compact         rewrite a stopped portal's database compacted
//	portal check           bbolt consistency check and integrity recomputation
//	portal verify          recompute reconciliation balances from the documents
//	portal migrate --from DB --to DB   move the data between a bbolt file and PostgreSQL
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // the enterprise's time zone works in a static binary

	"dealerportal/demo"
	"dealerportal/handlers"
	"dealerportal/store"
	"dealerportal/views/pdf"

	"github.com/jung-kurt/gofpdf"
)

func main() {
	var err error
	cmd := ""
	if len(os.Args) > 1 {
		cmd = os.Args[1]
	}
	// The commands make one pass over the data: PostgreSQL's read cache
	// would only keep what they read once (docs/POSTGRES.md, "The process
	// read cache").
	command := func(run func([]string) error) error {
		store.SizePGCache(0)
		return run(os.Args[2:])
	}
	switch cmd {
	case "demo":
		err = command(demo.Main)
	case "backup":
		err = command(runBackup)
	case "restore":
		err = command(runRestore)
	case "compact":
		err = command(runCompact)
	case "check":
		err = command(runCheck)
	case "verify":
		err = command(runVerify)
	case "migrate":
		err = command(runMigrate)
	default:
		err = serve(os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "portal:", err)
		os.Exit(1)
	}
}

// env returns the environment variable or def.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

func envBool(name string) bool {
	v := strings.ToLower(os.Getenv(name))
	return v == "1" || v == "true" || v == "yes"
}

func serve(args []string) error {
	fs := flag.NewFlagSet("portal", flag.ContinueOnError)
	addr := fs.String("addr", env("PORTAL_ADDR", ":8080"), "listen address (PORTAL_ADDR)")
	dbPath := dbFlag(fs)
	noDemo := fs.Bool("no-demo", envBool("PORTAL_NO_DEMO"), "do not seed demo data into a new database (PORTAL_NO_DEMO)")
	baseURL := fs.String("base-url", env("PORTAL_BASE_URL", ""), "public base URL, e.g. https://portal.example.com (PORTAL_BASE_URL)")
	secure := fs.Bool("secure-cookies", envBool("PORTAL_SECURE_COOKIES"), "mark cookies Secure and send HSTS: set it behind HTTPS (PORTAL_SECURE_COOKIES)")
	proxies := fs.String("trusted-proxies", env("PORTAL_TRUSTED_PROXIES", ""), "comma-separated proxy addresses allowed to set X-Forwarded-For (PORTAL_TRUSTED_PROXIES)")
	adminPassword := fs.String("admin-password", env("PORTAL_ADMIN_PASSWORD", ""), "password of the admin user created with --no-demo (PORTAL_ADMIN_PASSWORD)")
	logJSON := fs.Bool("log-json", envBool("PORTAL_LOG_JSON"), "log as JSON lines (PORTAL_LOG_JSON)")
	backupDir := fs.String("backup-dir", env("PORTAL_BACKUP_DIR", ""), "folder for the daily backups; empty: none (PORTAL_BACKUP_DIR)")
	backupKeep := fs.Int("backup-keep", envInt("PORTAL_BACKUP_KEEP", 7), "how many daily backups to keep (PORTAL_BACKUP_KEEP)")
	clockAt := fs.String("clock", env("PORTAL_CLOCK", ""), "test facility: start the portal's clock at this RFC 3339 instant (PORTAL_CLOCK); never in production")
	if err := fs.Parse(args); err != nil {
		return err
	}
	clock, err := store.ParseClock(*clockAt)
	if err != nil {
		return err
	}
	var logger *slog.Logger
	if *logJSON {
		logger = slog.New(slog.NewJSONHandler(os.Stdout, nil))
	} else {
		logger = slog.New(slog.NewTextHandler(os.Stdout, nil))
	}
	slog.SetDefault(logger)
	cgroupLimit := cgroupMemoryLimit("/proc/self/cgroup", "/sys/fs/cgroup")
	var dbCache int64 // PostgreSQL's read cache, on the heap
	if store.IsPostgres(*dbPath) {
		dbCache = store.PGCacheBytes(memShare(cgroupLimit))
		store.SizePGCache(dbCache)
	}
	memLimit := setMemoryLimit(cgroupLimit, dbCache)
	pdf.SizeCaches(memLimit)
	logger.Info("memory limit", "GOMEMLIMIT_MiB", memLimit>>20, "cgroup_limit_MiB", cgroupLimit>>20,
		"pdf_cache_KiB", pdf.CacheBytes>>10, "font_subsets_KiB", gofpdf.SubsetCacheBytes>>10, "db_cache_MiB", dbCache>>20)

	st, err := store.Open(*dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	if clock != nil {
		st.SetClock(clock)
		logger.Warn("test clock: the portal's calendar starts at --clock, not at the real time", "clock", *clockAt, "now", st.Now())
	}

	logins, err := demo.FirstStart(st, demo.Options{Demo: !*noDemo, AdminPassword: *adminPassword})
	if err != nil {
		return fmt.Errorf("first start: %w", err)
	}

	var trusted []string
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			trusted = append(trusted, p)
		}
	}
	h, err := handlers.New(st, handlers.Config{BaseURL: *baseURL, SecureCookies: *secure, TrustedProxies: trusted, Logger: logger})
	if err != nil {
		return err
	}
	app := h.App()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	url := *baseURL
	if url == "" {
		url = "http://" + displayAddr(ln.Addr())
	}
	fmt.Printf("Dealer portal listening on %s (database %s)\n", url, store.RedactDSN(*dbPath))
	if len(logins) > 0 {
		fmt.Print(demo.FormatLogins(logins))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := servePprof(ctx, os.Getenv("PORTAL_PPROF"), logger); err != nil {
		return err
	}
	if *backupDir != "" {
		h.OnLeader(func(ctx context.Context, wg *sync.WaitGroup) {
			backupSchedule(ctx, wg, st, *backupDir, *backupKeep, 24*time.Hour, logger, h.RecordBackup)
		})
	}
	workers := h.StartWorkers(ctx)
	closeSocket, err := serveBackupSocket(ctx, st, *dbPath, logger)
	switch {
	case st.Postgres():
		// No file, no socket beside it: PostgreSQL is backed up with its
		// own tools (docs/POSTGRES.md).
	case err != nil:
		logger.Warn("online backup socket unavailable; `portal backup` works only with the server stopped", "err", err)
	default:
		defer closeSocket()
	}
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Println("shutting down: finishing requests in flight")
	// The background jobs end with ctx, which the signal has already ended:
	// they stop while the requests in flight finish, and both together get
	// workerStop from the signal. A job that does not end by then (a
	// delivery waiting on a slow server, a purge on a large table) is left
	// to the transactions' own safety: its work is idempotent or
	// at-least-once, and the lease it held expires for the next holder.
	stopped := make(chan struct{})
	go func() { workers.Wait(); close(stopped) }()
	deadline := time.After(workerStop)
	if err := app.ShutdownWithTimeout(workerStop); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		logger.Error("shutdown", "err", err)
	}
	select {
	case <-stopped:
	case <-deadline:
		logger.Warn("background jobs still running; stopping without them", "after", workerStop)
	}
	if err := h.FlushAPIUses(); err != nil {
		logger.Error("api token uses", "err", err)
	}
	return nil
}

// displayAddr turns ":8080" into "localhost:8080" for the printed URL.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// workerStop bounds how long a stopping portal waits for its requests in
// flight and its background jobs, together, from the signal: a stop always
// ends within the service manager's patience (a container's default is 10 s).
const workerStop = 8 * time.Second
