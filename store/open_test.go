package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenByURL: a postgres:// or postgresql:// value names PostgreSQL,
// anything else a file; a password never reaches a printed form.
func TestOpenByURL(t *testing.T) {
	for _, c := range []struct {
		dsn, redacted string
		pg            bool
	}{
		{"data/portal.db", "data/portal.db", false},
		{"/var/lib/portal/postgres.db", "/var/lib/portal/postgres.db", false},
		{"postgres://portal:s3cret@db.example.com:5432/portal", "postgres://portal:xxxxx@db.example.com:5432/portal", true},
		{"postgresql://portal@db/portal?sslmode=require", "postgresql://portal@db/portal?sslmode=require", true},
		{"postgres://portal@db/portal?password=s3cret&sslmode=require", "postgres://portal@db/portal?password=xxxxx&sslmode=require", true},
		{"postgres://portal:s3cret@db:bad-port/portal", "postgres://…", true},
	} {
		if got := IsPostgres(c.dsn); got != c.pg {
			t.Errorf("IsPostgres(%q) = %v", c.dsn, got)
		}
		got := RedactDSN(c.dsn)
		if got != c.redacted || strings.Contains(got, "s3cret") {
			t.Errorf("RedactDSN(%q) = %q, want %q", c.dsn, got, c.redacted)
		}
	}
	if got := pgSchema("postgres://portal@db/portal?search_path=dealers"); got != "dealers" {
		t.Errorf("schema %q", got)
	}
}

// TestBoltOnlyTools: the tools that work on the bbolt file refuse cleanly
// on PostgreSQL (without printing the URL: it may hold a password), and
// work on a file.
func TestBoltOnlyTools(t *testing.T) {
	const url = "postgres://portal:s3cret@127.0.0.1:1/portal"
	_, _, cerr := Compact(url)
	_, ferr := CompactFile(url, "x.db")
	_, rerr := Restore("x.db", url)
	for _, err := range []error{cerr, ferr, rerr} {
		if !errors.Is(err, ErrNotBolt) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("file tool on a URL: %v", err)
		}
	}
	s := openStore(t)
	_, err := s.Bolt()
	_, berr := s.Backup(new(strings.Builder))
	if s.Postgres() {
		if !errors.Is(err, ErrNotBolt) || !errors.Is(berr, ErrNotBolt) {
			t.Fatalf("on PostgreSQL: Bolt %v, Backup %v", err, berr)
		}
		if _, err := s.CompactedBackupToFile(t.TempDir() + "/c.db"); !errors.Is(err, ErrNotBolt) {
			t.Fatalf("compacted backup on PostgreSQL: %v", err)
		}
		return
	}
	if err != nil || berr != nil {
		t.Fatalf("on bbolt: Bolt %v, Backup %v", err, berr)
	}
}

// TestCommitsLeaveTheFreeListOut: the file is written without bbolt's list
// of free pages (boltkv.WriterOptions: NoFreelistSync), so both meta pages
// say "no free list"; opened again, the free pages are found by walking the
// file, the checks are clean and a write reuses them.
func TestCommitsLeaveTheFreeListOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// Records written and deleted again leave free pages behind.
	for round := range 4 {
		if err := s.Update("t", func(tx *Tx) error {
			for i := range 500 {
				k := []byte(fmt.Sprintf("t:%d", i))
				if round%2 == 1 {
					if err := tx.b(bMeta).Delete(k); err != nil {
						return err
					}
				} else if err := tx.b(bMeta).Put(k, bytes.Repeat([]byte{'x'}, 300)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, meta := range []int{0, 4096} {
		// The meta page: a 16-byte page header, magic, version, page size,
		// flags, the root bucket (16 bytes), then the free list's page.
		if fl := binary.LittleEndian.Uint64(raw[meta+48:]); fl != math.MaxUint64 {
			t.Fatalf("meta page at %d names free-list page %d", meta, fl)
		}
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db, err := s.Bolt()
	if err != nil {
		t.Fatal(err)
	}
	if db.Stats().FreePageN == 0 {
		t.Fatal("no free pages found at open")
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
	size := len(raw)
	if err := s.Update("t", func(tx *Tx) error { return tx.b(bMeta).Put([]byte("t:again"), bytes.Repeat([]byte{'y'}, 3000)) }); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != int64(size) {
		t.Fatalf("file grew from %d: %v %v", size, fi.Size(), err)
	}
}
