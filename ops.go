package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"dealerportal/store"
)

// Operations subcommands: backup, restore and check. They work on the same
// database as the server (--db / PORTAL_DB): a bbolt file, or PostgreSQL
// where a command says so.

// dbFlag is the --db flag: a bbolt file path (the default data/portal.db)
// or a postgres:// URL. Print it through store.RedactDSN: a URL may hold a
// password.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", env("PORTAL_DB", "data/portal.db"), "database: a file path, or a postgres:// URL (PORTAL_DB)")
}

// socketPath is where a running server answers online-backup requests: next
// to the database, readable only by its owner.
func socketPath(db string) string { return db + ".backup.sock" }

// runBackup writes a consistent backup to FILE. With the server stopped it
// reads the file itself; while a server holds the database it asks that
// server for the copy over the local socket, so the server keeps serving.
// --compact writes the backup compacted (store/compact.go): only the live
// data, on full pages.
func runBackup(args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	db := dbFlag(fs)
	compact := fs.Bool("compact", false, "write the backup compacted (live data only, full pages)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: portal backup [--db FILE] [--compact] BACKUP-FILE")
	}
	out := fs.Arg(0)
	st, err := openExisting(*db)
	var n int64
	switch {
	case err == nil && *compact:
		defer st.Close()
		n, err = st.CompactedBackupToFile(out)
	case err == nil:
		defer st.Close()
		n, err = st.BackupToFile(out)
	case errors.Is(err, store.ErrLocked):
		n, err = backupFromServer(*db, out)
		if err == nil && *compact {
			// The server streams the plain copy; it is compacted here.
			n, err = store.CompactFile(out, out)
		}
	}
	if err != nil {
		return err
	}
	fmt.Printf("backup written: %s (%d bytes)\n", out, n)
	return nil
}

// runCompact rewrites a stopped portal's database compacted, in place.
func runCompact(args []string) error {
	fs := flag.NewFlagSet("compact", flag.ContinueOnError)
	db := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New("usage: portal compact [--db FILE]")
	}
	before, after, err := store.Compact(*db)
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("%w: stop the portal first, or take a compacted backup (portal backup --compact FILE) and restore it", err)
		}
		return err
	}
	fmt.Printf("%s compacted: %d → %d bytes\n", *db, before, after)
	return nil
}

// openExisting opens a database that must already exist, failing fast with
// ErrLocked when a running server holds its file.
func openExisting(path string) (*store.Store, error) {
	if store.IsPostgres(path) {
		return store.OpenExisting(path, 0)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	return store.OpenExisting(path, 500*time.Millisecond)
}

func backupFromServer(db, out string) (int64, error) {
	conn, err := net.DialTimeout("unix", socketPath(db), 2*time.Second)
	if err != nil {
		return 0, fmt.Errorf("the database is in use and the running portal does not answer on %s: %w", socketPath(db), err)
	}
	defer conn.Close()
	return store.WriteVerified(out, func(w io.Writer) (int64, error) { return io.Copy(w, conn) })
}

// serveBackupSocket answers each connection on the local socket with a
// backup stream, until ctx ends; nothing on PostgreSQL (store.ErrNotBolt).
func serveBackupSocket(ctx context.Context, st *store.Store, db string, log *slog.Logger) (func(), error) {
	if st.Postgres() {
		return func() {}, store.ErrNotBolt
	}
	path := socketPath(db)
	_ = os.Remove(path) // a stale socket from a crash
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				n, err := st.Backup(conn)
				log.Info("online backup over local socket", "bytes", n, "err", err)
			}()
		}
	}()
	go func() { <-ctx.Done(); ln.Close() }()
	return func() { ln.Close(); os.Remove(path) }, nil
}

// runRestore replaces the database with a verified backup; the server must
// be stopped. The replaced file is kept beside it.
func runRestore(args []string) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	db := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: portal restore [--db FILE] BACKUP-FILE")
	}
	aside, err := store.Restore(fs.Arg(0), *db)
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("%w: stop the portal first, then restore", err)
		}
		return err
	}
	fmt.Printf("restored %s from %s\n", *db, fs.Arg(0))
	if aside != "" {
		fmt.Printf("the replaced database is kept as %s\n", aside)
	}
	return nil
}

// runCheck runs the integrity check and exits non-zero on any difference.
func runCheck(args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	db := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openExisting(*db)
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("%w: stop the portal first, or check a backup copy", err)
		}
		return err
	}
	defer st.Close()
	problems, err := st.Check()
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d problems found in %s", len(problems), store.RedactDSN(*db))
	}
	fmt.Printf("%s: no problems found\n", store.RedactDSN(*db))
	return nil
}

// backupSchedule writes a backup into dir every interval and keeps the newest
// keep files, until ctx ends. It runs in the process that holds the
// workers' lease (handlers.OnLeader), so a fleet writes one backup an
// interval; the interval counts from when this process took the lease.
func backupSchedule(ctx context.Context, wg *sync.WaitGroup, st *store.Store, dir string, keep int, interval time.Duration, log *slog.Logger, done func(path string, err error)) {
	if dir == "" {
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			path := filepath.Join(dir, store.BackupName(st.Now()))
			_, err := st.BackupToFile(path)
			if err == nil {
				_, err = store.PruneBackups(dir, "portal-", keep)
			}
			if err != nil {
				log.Error("scheduled backup", "err", err)
			} else {
				log.Info("scheduled backup", "path", path)
			}
			done(path, err)
		}
	}()
}
