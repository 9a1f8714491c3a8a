package store

import (
	"errors"
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
