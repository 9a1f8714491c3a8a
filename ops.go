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
	"dealerportal/store/kv"
	"dealerportal/store/kv/boltkv"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
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
// data, on full pages. On PostgreSQL, and with --portable on bbolt, the
// backup is the portable stream (store/portable.go), the same bytes from
// either backend.
func runBackup(args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	db := dbFlag(fs)
	compact := fs.Bool("compact", false, "write the backup compacted (live data only, full pages; bbolt file backups)")
	portable := fs.Bool("portable", false, "write the portable backup stream, which restores into either backend (always on PostgreSQL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: portal backup [--db FILE|URL] [--compact] [--portable] BACKUP-FILE")
	}
	out := fs.Arg(0)
	if *portable || store.IsPostgres(*db) {
		if *compact {
			return errors.New("--compact is for bbolt file backups: a portable backup holds the live data only anyway")
		}
		n, d, err := portableBackup(*db, out)
		if err != nil {
			return err
		}
		fmt.Printf("portable backup written: %s (%d bytes; %d buckets, %d keys, content sha256 %s)\n", out, n, len(d.Buckets), d.Keys(), d.Sum())
		return nil
	}
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

// portableBackup writes the portable backup stream of the database db to
// the file out. A bbolt file that a running portal holds is first copied
// through that portal's backup socket.
func portableBackup(db, out string) (int64, store.Digest, error) {
	var src kv.DB
	if store.IsPostgres(db) {
		pg, err := store.OpenPostgresKV(db)
		if err != nil {
			return 0, store.Digest{}, err
		}
		src = pg
	} else {
		if _, err := os.Stat(db); err != nil {
			return 0, store.Digest{}, err
		}
		b, err := boltkv.Open(db, &bolt.Options{ReadOnly: true, Timeout: 500 * time.Millisecond})
		if errors.Is(err, berrors.ErrTimeout) {
			copyPath := filepath.Join(filepath.Dir(out), fmt.Sprintf(".portal-copy-%d.db", os.Getpid()))
			defer os.Remove(copyPath)
			if _, err := backupFromServer(db, copyPath); err != nil {
				return 0, store.Digest{}, err
			}
			b, err = boltkv.Open(copyPath, &bolt.Options{ReadOnly: true})
		}
		if err != nil {
			return 0, store.Digest{}, err
		}
		src = b
	}
	defer src.Close()
	return store.WritePortableFile(out, func(w io.Writer) (n int64, d store.Digest, err error) {
		err = kv.ViewOnce(src, func(tx kv.Tx) error { // it writes the backup as it reads
			n, d, err = store.WritePortable(tx, w, nil)
			return err
		})
		return n, d, err
	})
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
// be stopped. The replaced file is kept beside it. A backup of either kind
// (a bbolt file, a portable stream) restores into either backend; into
// PostgreSQL only when the database is empty.
func runRestore(args []string) error { return restore(args, os.Stdout) }

func restore(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	db := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: portal restore [--db FILE|URL] BACKUP-FILE")
	}
	src := fs.Arg(0)
	portable, err := store.IsPortableFile(src)
	if err != nil {
		return err
	}
	switch {
	case store.IsPostgres(*db) && !portable:
		// A bbolt file into PostgreSQL is a migration from that file.
		return migrate([]string{"--from", src, "--to", *db}, out)
	case store.IsPostgres(*db):
		return restorePortable(src, *db, out)
	case portable:
		// Into a new file beside the database, then installed as a bbolt
		// backup is: verified, the replaced file kept aside.
		if err := refuseLocked(*db); err != nil {
			return err
		}
		file := fmt.Sprintf("%s.restoring-%d", *db, os.Getpid())
		defer os.Remove(file)
		if err := restorePortable(src, file, out); err != nil {
			return err
		}
		src = file
	}
	aside, err := store.Restore(src, *db)
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("%w: stop the portal first, then restore", err)
		}
		return err
	}
	fmt.Fprintf(out, "restored %s from %s\n", *db, fs.Arg(0))
	if aside != "" {
		fmt.Fprintf(out, "the replaced database is kept as %s\n", aside)
	}
	return nil
}

// restorePortable restores the portable backup file src into the empty
// database to (a new bbolt file or an empty PostgreSQL database). The file
// is verified whole before anything is written.
func restorePortable(src, to string, out io.Writer) error {
	want, err := store.VerifyPortableFile(src)
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	dst, err := openDestination(to)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "restoring %s → %s\n", src, dst.name)
	return transfer(out, dst, func(db kv.DB, pack bool) (store.Digest, error) {
		f, err := os.Open(src)
		if err != nil {
			return want, err
		}
		defer f.Close()
		return want, store.RestorePortable(db, f, pack)
	})
}

// refuseLocked fails with ErrLocked while a running portal holds the bbolt
// file at path.
func refuseLocked(path string) error {
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 500 * time.Millisecond})
	if errors.Is(err, berrors.ErrTimeout) {
		return fmt.Errorf("%w: stop the portal first, then restore", store.ErrLocked)
	}
	if err == nil {
		db.Close()
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
// keep files (a copy of the file on bbolt, the portable stream on
// PostgreSQL), until ctx ends. It runs in the process that holds the
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
			var err error
			if st.Postgres() {
				// PostgreSQL has no file to copy: the portable stream.
				path = filepath.Join(dir, store.PortableBackupName(st.Now()))
				_, _, err = st.PortableBackupToFile(path)
			} else {
				_, err = st.BackupToFile(path)
			}
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
