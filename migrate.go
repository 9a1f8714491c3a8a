package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"dealerportal/store"
	"dealerportal/store/kv"
	"dealerportal/store/kv/boltkv"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// runMigrate (portal migrate --from DB --to DB) moves a whole enterprise
// between backends: each side is a bbolt file or a postgres:// URL. It is
// a portable backup stream (store.WritePortable) piped into a restore
// (store.RestorePortable), so it holds one restore transaction's worth of
// data at a time whatever the database's size, then it compares the
// digests of both ends.
func runMigrate(args []string) error { return migrate(args, os.Stdout) }

func migrate(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	from := fs.String("from", "", "source: a bbolt file or a postgres:// URL")
	to := fs.String("to", "", "destination: a new bbolt file or an empty PostgreSQL database (postgres:// URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *to == "" || fs.NArg() != 0 {
		return errors.New("usage: portal migrate --from DB --to DB (a bbolt file or a postgres:// URL each)")
	}
	if *from == *to {
		return errors.New("migrate: --from and --to are the same database")
	}
	src, err := openSource(*from)
	if err != nil {
		return err
	}
	defer src.close()
	dst, err := openDestination(*to)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "migrating %s → %s\n", src.name, dst.name)
	return transfer(out, dst, func(db kv.DB, pack bool) (store.Digest, error) {
		var digest store.Digest
		err := kv.ViewOnce(src.db, func(tx kv.Tx) error { // it writes the stream as it reads
			total := countKeys(tx)
			fmt.Fprintf(out, "source: %d keys\n", total)
			var err error
			digest, err = pipe(tx, db, pack, progressPrinter(out, total))
			return err
		})
		return digest, err
	})
}

// transfer fills the destination (fill returns the digest of what it
// wrote, taken from the source), compares the destination's own digest
// with it and makes it final; on any failure the destination is
// discarded.
func transfer(out io.Writer, dst *destination, fill func(db kv.DB, pack bool) (store.Digest, error)) (err error) {
	defer func() {
		if err != nil {
			dst.discard(out)
		}
	}()
	start := time.Now()
	want, err := fill(dst.db, dst.pack)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "copied %d buckets, %d keys, %s in %s\n", len(want.Buckets), want.Keys(), mib(want.Bytes()), time.Since(start).Round(time.Millisecond))
	var got store.Digest
	if err := dst.db.View(func(tx kv.Tx) error {
		var err error
		got, err = store.DigestOf(tx, nil)
		return err
	}); err != nil {
		return fmt.Errorf("verifying %s: %w", dst.name, err)
	}
	if diff := want.Diff(got); len(diff) > 0 {
		for _, d := range diff {
			fmt.Fprintln(out, d)
		}
		return fmt.Errorf("%s differs from the source in %d buckets", dst.name, len(diff))
	}
	if err := dst.finish(); err != nil {
		return err
	}
	fmt.Fprintf(out, "verified: %d buckets, %d keys, sequences equal, content sha256 %s\n", len(got.Buckets), got.Keys(), got.Sum())
	fmt.Fprintf(out, "written to %s\n", dst.name)
	return nil
}

// pipe streams everything tx sees into db through the portable backup
// stream and returns the source's digest. The pipe has no buffer of its
// own: the writer waits for the restore.
func pipe(tx kv.Tx, db kv.DB, pack bool, progress store.Progress) (store.Digest, error) {
	pr, pw := io.Pipe()
	type result struct {
		d   store.Digest
		err error
	}
	done := make(chan result, 1)
	go func() {
		_, d, err := store.WritePortable(tx, pw, progress)
		pw.CloseWithError(err)
		done <- result{d, err}
	}()
	rerr := store.RestorePortable(db, pr, pack)
	// A failed restore stops reading: this ends the writer's wait.
	pr.CloseWithError(errors.New("restore stopped"))
	w := <-done
	if w.err != nil {
		return w.d, w.err
	}
	return w.d, rerr
}

// countKeys is the number of keys tx sees, for the progress percentages.
func countKeys(tx kv.Tx) int64 {
	var n int64
	_ = tx.ForEach(func(_ []byte, b kv.Bucket) error {
		n += int64(b.Stats().KeyN)
		return nil
	})
	return n
}

// progressPrinter prints the progress at most every two seconds.
func progressPrinter(out io.Writer, total int64) store.Progress {
	last := time.Now()
	return func(bucket string, keys, bytes int64) {
		if time.Since(last) < 2*time.Second {
			return
		}
		last = time.Now()
		pct := 100.0
		if total > 0 {
			pct = 100 * float64(keys) / float64(total)
		}
		fmt.Fprintf(out, "  %5.1f%%  %d of %d keys, %s (bucket %s)\n", pct, keys, total, mib(bytes), bucket)
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

type source struct {
	name string
	db   kv.DB
}

func (s *source) close() { s.db.Close() }

// openSource opens the database to read from. A bbolt file must exist,
// pass bbolt's consistency check and not be held by a running portal:
// migrate holds its lock (shared) until done, so no portal starts on it
// meanwhile and nothing written after the copy is lost.
func openSource(s string) (*source, error) {
	if store.IsPostgres(s) {
		db, err := store.OpenPostgresKV(s)
		if err != nil {
			return nil, err
		}
		return &source{store.RedactDSN(s), db}, nil
	}
	if err := store.VerifyFile(s); err != nil {
		if errors.Is(err, store.ErrLocked) {
			return nil, fmt.Errorf("%s: %w: stop the portal first (migrate copies a stopped portal's file, so that nothing is written after the copy)", s, err)
		}
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	db, err := boltkv.Open(s, &bolt.Options{ReadOnly: true, Timeout: 500 * time.Millisecond})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%s: %w: stop the portal first", s, store.ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	return &source{s, db}, nil
}

// destination is the database written: PostgreSQL directly (it must hold
// no buckets), a bbolt file through a temporary file beside it, renamed
// into place once verified.
type destination struct {
	name string
	db   kv.DB
	pack bool   // bbolt: records compressed as the bbolt store writes them
	path string // bbolt: the file to create
	tmp  string // bbolt: the file being written
}

func openDestination(s string) (*destination, error) {
	if store.IsPostgres(s) {
		db, err := store.OpenPostgresKV(s)
		if err != nil {
			return nil, err
		}
		if err := refuseData(db, store.RedactDSN(s), "use a new database (or schema), or drop the tables kv, kv_buckets and kv_meta"); err != nil {
			db.Close()
			return nil, err
		}
		return &destination{name: store.RedactDSN(s), db: db}, nil
	}
	if fi, err := os.Stat(s); err == nil && fi.Size() > 0 {
		db, err := boltkv.Open(s, &bolt.Options{ReadOnly: true, Timeout: 500 * time.Millisecond})
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("destination %s: %w", s, store.ErrLocked)
		}
		if err != nil {
			return nil, fmt.Errorf("destination %s exists and is not an empty database: %w", s, err)
		}
		err = refuseData(db, s, "move the file away or choose a new path")
		db.Close()
		if err != nil {
			return nil, err
		}
	}
	dir := filepath.Dir(s)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, ".migrate-*")
	if err != nil {
		return nil, err
	}
	tmp := f.Name()
	f.Close()
	db, err := boltkv.Open(tmp, &bolt.Options{Timeout: 500 * time.Millisecond, FreelistType: bolt.FreelistMapType})
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	return &destination{name: s, db: db, pack: true, path: s, tmp: tmp}, nil
}

// refuseData fails when db holds any bucket.
func refuseData(db kv.DB, name, hint string) error {
	var n int
	var first string
	err := db.View(func(tx kv.Tx) error {
		n, first = 0, "" // fn may run again (kv.DB.View)
		return tx.ForEach(func(b []byte, _ kv.Bucket) error {
			if n == 0 {
				first = string(b)
			}
			n++
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("destination %s: %w", name, err)
	}
	if n > 0 {
		return fmt.Errorf("destination %s is not empty (%d buckets, the first %q): migrate writes only into an empty database; %s", name, n, first, hint)
	}
	return nil
}

// finish makes a bbolt destination the file at its path: closed, cut at
// its last page, checked and renamed into place.
func (d *destination) finish() error {
	if d.tmp == "" {
		return d.db.Close()
	}
	var end int64
	_ = d.db.View(func(tx kv.Tx) error { end = tx.Size(); return nil })
	if err := d.db.Close(); err != nil {
		return err
	}
	if err := os.Truncate(d.tmp, end); err != nil {
		return err
	}
	if err := store.VerifyFile(d.tmp); err != nil {
		return fmt.Errorf("the new file does not verify: %w", err)
	}
	if err := os.Rename(d.tmp, d.path); err != nil {
		return err
	}
	d.tmp = ""
	return nil
}

// discard undoes a failed migration: the temporary bbolt file is removed;
// a PostgreSQL destination, empty before, is emptied again.
func (d *destination) discard(out io.Writer) {
	if d.tmp != "" {
		d.db.Close()
		os.Remove(d.tmp)
		return
	}
	err := d.db.Update(func(tx kv.Tx) error {
		var names [][]byte
		if err := tx.ForEach(func(b []byte, _ kv.Bucket) error {
			names = append(names, append([]byte(nil), b...))
			return nil
		}); err != nil {
			return err
		}
		for _, n := range names {
			if err := tx.DeleteBucket(n); err != nil {
				return err
			}
		}
		return nil
	})
	d.db.Close()
	if err != nil {
		fmt.Fprintf(out, "the partial copy in %s could not be removed (%v): drop the tables kv, kv_buckets and kv_meta before trying again\n", d.name, err)
	} else {
		fmt.Fprintf(out, "the partial copy in %s was removed\n", d.name)
	}
}
