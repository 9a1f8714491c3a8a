package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Compaction. A bbolt file never shrinks: pages freed by deletes and by
// copy-on-write stay in the file for reuse, and pages split at half their
// size stay half full. A compacted copy holds the live keys and values only,
// on pages filled completely (bbolt's Compact), read from one read
// transaction. Two ways lead to one:
//   - `portal compact` rewrites a stopped portal's file in place (refused
//     while a portal holds it);
//   - `portal backup --compact` writes the backup compacted, also while the
//     portal serves; restoring it gives the portal a compacted file.
// A compaction while serving would need the server to swap its open file,
// holding every writer and reader meanwhile: the backup route gives the
// same result without that pause.

// compactTxSize bounds the bytes written per transaction of a compaction, so
// that a large file is not copied in one transaction held in memory.
const compactTxSize = 64 << 20

// compactInto writes a compacted copy of src to path: into a temporary file
// beside it, synced, verified, then renamed. It returns the copy's size.
func compactInto(src *bolt.DB, path string) (int64, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(dir, ".compact-*")
	if err != nil {
		return 0, err
	}
	name := tmp.Name()
	tmp.Close()
	defer os.Remove(name)
	dst, err := bolt.Open(name, 0o600, &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return 0, err
	}
	if err := bolt.Compact(dst, src, compactTxSize); err != nil {
		dst.Close()
		return 0, fmt.Errorf("compact: %w", err)
	}
	// bbolt grows a file ahead of its pages (in powers of two up to 16 MB):
	// the copy ends at its last page.
	var end int64
	_ = dst.View(func(tx *bolt.Tx) error { end = tx.Size(); return nil })
	if err := dst.Close(); err != nil {
		return 0, err
	}
	if err := os.Truncate(name, end); err != nil {
		return 0, err
	}
	if err := VerifyFile(name); err != nil {
		return 0, fmt.Errorf("compacted copy does not verify: %w", err)
	}
	fi, err := os.Stat(name)
	if err != nil {
		return 0, err
	}
	return fi.Size(), os.Rename(name, path)
}

// CompactedBackupToFile writes a compacted backup of the open database to
// path (from one read transaction: the portal keeps serving); it returns the
// backup's size; ErrNotBolt on PostgreSQL.
func (s *Store) CompactedBackupToFile(path string) (int64, error) {
	db, err := s.Bolt()
	if err != nil {
		return 0, err
	}
	return compactInto(db, path)
}

// CompactFile writes a compacted copy of the database file src (a backup,
// or a stopped portal's file) to dst; ErrLocked while a portal holds src,
// ErrNotBolt for a PostgreSQL URL.
func CompactFile(src, dst string) (int64, error) {
	if IsPostgres(src) || IsPostgres(dst) {
		return 0, ErrNotBolt
	}
	db, err := openLocked(src, true)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	return compactInto(db, dst)
}

// Compact rewrites the database file at path compacted, in place, and
// returns its size before and after. It holds the file's lock throughout and
// refuses (ErrLocked) while a running portal holds it. The copy is verified
// before it replaces the file; the file is never half written. ErrNotBolt
// for a PostgreSQL URL.
func Compact(path string) (before, after int64, err error) {
	if IsPostgres(path) {
		return 0, 0, ErrNotBolt
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, err
	}
	if err := VerifyFile(path); err != nil {
		return 0, 0, err
	}
	db, err := openLocked(path, false)
	if err != nil {
		return 0, 0, err
	}
	// The lock is held on the old file until the copy has replaced it.
	defer db.Close()
	after, err = compactInto(db, path)
	return fi.Size(), after, err
}

// openLocked opens a database file without changing it, holding its lock
// (shared when readOnly): ErrLocked when a running portal holds it.
func openLocked(path string, readOnly bool) (*bolt.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: readOnly, Timeout: 500 * time.Millisecond, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, ErrLocked
	}
	return db, err
}
