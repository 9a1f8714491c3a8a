package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"dealerportal/store/kv"
	"dealerportal/store/kv/boltkv"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Backup writes a consistent copy of the whole database file to w from one
// read transaction (bbolt's Tx.WriteTo): the server keeps serving meanwhile.
// ErrNotBolt on PostgreSQL.
func (s *Store) Backup(w io.Writer) (n int64, err error) {
	db, err := s.Bolt()
	if err != nil {
		return 0, err
	}
	err = db.View(func(tx *bolt.Tx) error {
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupToFile writes a backup to path: into a temporary file beside it,
// synced, verified, then renamed, so path is never a half-written file.
func (s *Store) BackupToFile(path string) (int64, error) {
	return WriteVerified(path, s.Backup)
}

// WriteVerified runs write into a temp file next to path, syncs it, checks it
// as a database and renames it into place.
func WriteVerified(path string, write func(io.Writer) (int64, error)) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".backup-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	n, err := write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	if err := VerifyFile(tmp.Name()); err != nil {
		return 0, fmt.Errorf("backup does not verify: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return 0, err
	}
	return n, os.Rename(tmp.Name(), path)
}

// ErrLocked: another process (a running portal) holds the database file.
var ErrLocked = errors.New("the database is in use by a running portal")

// VerifyFile opens a database file read-only and checks it: bbolt's page
// consistency check, and a schema version this program can read. It fails on
// a corrupt, truncated or foreign file.
func VerifyFile(path string) (err error) {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Size() == 0 {
		return errors.New("empty file")
	}
	// bbolt maps the file into memory: a page past the end of a truncated
	// file kills the process (SIGBUS), which no recover catches. So read
	// the meta pages first and refuse a file shorter than they say.
	if err := preflight(path, st.Size()); err != nil {
		return err
	}
	defer func() {
		// bbolt panics on some malformed files rather than returning an error.
		if r := recover(); r != nil {
			err = fmt.Errorf("not a readable database: %v", r)
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 500 * time.Millisecond})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return ErrLocked
		}
		return fmt.Errorf("not a readable database: %w", err)
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		var problems []string
		for e := range tx.Check() {
			problems = append(problems, e.Error())
			if len(problems) >= 10 {
				break
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("consistency check: %s", strings.Join(problems, "; "))
		}
		return checkPortalData(boltkv.Tx(tx))
	})
}

// Restore replaces the database at dst with the backup at src. It verifies
// src first, refuses while a running portal holds dst, keeps the replaced
// file aside (its path is returned) and installs the copy atomically.
// ErrNotBolt when either is a PostgreSQL URL.
func Restore(src, dst string) (aside string, err error) {
	if IsPostgres(src) || IsPostgres(dst) {
		return "", ErrNotBolt
	}
	if err := VerifyFile(src); err != nil {
		return "", fmt.Errorf("%s: %w", src, err)
	}
	if _, err := os.Stat(dst); err == nil {
		// Holding the lock proves nobody else does, and keeps it so until we are done.
		db, err := bolt.Open(dst, 0o600, &bolt.Options{Timeout: 500 * time.Millisecond})
		if err != nil {
			if errors.Is(err, berrors.ErrTimeout) {
				return "", ErrLocked
			}
			// A damaged current file may still be replaced.
		} else {
			defer db.Close()
		}
		// Restore runs with no store open, so no store clock: the suffix is
		// the host's instant, in UTC and marked Z, only to keep names apart.
		aside = fmt.Sprintf("%s.replaced-%s", dst, time.Now().UTC().Format(backupStamp))
		if err := copyFile(dst, aside); err != nil {
			return "", err
		}
	}
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	if _, err := WriteVerified(dst, func(w io.Writer) (int64, error) { return io.Copy(w, in) }); err != nil {
		return "", err
	}
	return aside, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// BackupName is the file name of a backup taken at instant at (the store
// clock's): "portal-20260315T100000Z.db". Unlike business dates it is in UTC,
// marked Z, so that names sort by time whatever the enterprise's zone was
// when each was taken: PruneBackups relies on that order.
func BackupName(at time.Time) string {
	return "portal-" + at.UTC().Format(backupStamp) + ".db"
}

// backupStamp is the UTC instant in backup and set-aside file names.
const backupStamp = "20060102T150405Z"

// PruneBackups keeps the newest keep files matching prefix*.db or
// prefix*.portal (file and portable backups) in dir and deletes the rest;
// it returns the deleted names.
func PruneBackups(dir, prefix string, keep int) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, prefix+"*.db"))
	if err != nil {
		return nil, err
	}
	portable, err := filepath.Glob(filepath.Join(dir, prefix+"*.portal"))
	if err != nil {
		return nil, err
	}
	matches = append(matches, portable...)
	sort.Strings(matches) // names carry a sortable UTC timestamp
	var deleted []string
	for len(matches) > keep {
		if err := os.Remove(matches[0]); err != nil {
			return deleted, err
		}
		deleted = append(deleted, matches[0])
		matches = matches[1:]
	}
	return deleted, nil
}

// Size is the database's current size in bytes (bbolt: the file;
// PostgreSQL: the portal's tables and indexes).
func (s *Store) Size() int64 {
	var n int64
	_ = s.db.View(func(tx kv.Tx) error { n = tx.Size(); return nil })
	return n
}

// preflight checks a bbolt file's meta pages (magic, checksum) and that the
// file is as long as the newest valid meta page says.
func preflight(path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 64*1024)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	type meta struct {
		ok       bool
		pageSize uint32
		pgid     uint64
		txid     uint64
	}
	parse := func(off int) meta {
		if off+16+64 > len(head) {
			return meta{}
		}
		b := head[off+16:]
		le := binary.LittleEndian
		m := meta{pageSize: le.Uint32(b[8:]), pgid: le.Uint64(b[40:]), txid: le.Uint64(b[48:])}
		h := fnv.New64a()
		h.Write(b[:56])
		m.ok = le.Uint32(b[0:]) == 0xED0CDAED && le.Uint64(b[56:]) == h.Sum64()
		return m
	}
	m0 := parse(0)
	if !m0.ok && len(head) < 4096+80 {
		return errors.New("not a database file")
	}
	ps := int(m0.pageSize)
	if !m0.ok || ps < 512 || ps > 64*1024 {
		ps = 4096
	}
	m1 := parse(ps)
	best := m0
	if m1.ok && (!m0.ok || m1.txid > m0.txid) {
		best = m1
	}
	if !best.ok {
		return errors.New("not a database file (no valid meta page)")
	}
	if need := int64(best.pgid) * int64(best.pageSize); size < need {
		return fmt.Errorf("truncated: %d bytes, the database needs %d", size, need)
	}
	return nil
}
