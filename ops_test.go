package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dealerportal/store"
)

// TestPortableBackupEitherBackend: `portal backup` writes the same
// portable file from a bbolt file (--portable, also while a portal serves
// it) and from PostgreSQL holding the same enterprise; `portal restore`
// puts that file, or a bbolt file backup, into either backend, and never
// writes from a damaged file.
func TestPortableBackupEitherBackend(t *testing.T) {
	src := demoFile(t)
	dir := t.TempDir()
	pg := newPostgres(t)
	runMigrateTest(t, src, pg)
	srcDB := openBolt(t, src)
	want := readLogical(t, srcDB)
	srcDB.Close()

	fromBolt, fromPG := filepath.Join(dir, "bolt.portal"), filepath.Join(dir, "pg.portal")
	if err := runBackup([]string{"--db", src, "--portable", fromBolt}); err != nil {
		t.Fatal(err)
	}
	if err := runBackup([]string{"--db", pg, fromPG}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(fromBolt)
	b, _ := os.ReadFile(fromPG)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("the portable backups of bbolt (%d bytes) and PostgreSQL (%d bytes) differ", len(a), len(b))
	}
	if err := runBackup([]string{"--db", pg, "--compact", filepath.Join(dir, "x")}); err == nil {
		t.Fatal("a compacted backup of PostgreSQL was accepted")
	}

	// While a portal serves the file: the copy comes through its socket.
	st, err := store.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	closeSocket, err := serveBackupSocket(ctx, st, src, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	served := filepath.Join(dir, "served.portal")
	err = runBackup([]string{"--db", src, "--portable", served})
	closeSocket()
	cancel()
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := os.ReadFile(served); !bytes.Equal(a, c) {
		t.Fatal("the portable backup through a serving portal's socket differs")
	}

	restoreTest := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := restore(args, &out); err != nil {
			t.Fatalf("restore %q: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
	// Portable → a new bbolt file, and over an existing one (kept aside).
	newFile := filepath.Join(dir, "new.db")
	restoreTest("--db", newFile, fromPG)
	compareLogical(t, "portable → bbolt", want, logicalFile(t, newFile))
	checkStore(t, newFile)
	if out := restoreTest("--db", newFile, fromBolt); !strings.Contains(out, "kept as") {
		t.Fatalf("restore over a file did not keep it aside:\n%s", out)
	}
	// Portable → PostgreSQL; a bbolt file backup → PostgreSQL.
	pg2 := newPostgres(t)
	restoreTest("--db", pg2, fromBolt)
	compareLogical(t, "portable → PostgreSQL", want, readLogical(t, openPG(t, pg2)))
	boltBackup := filepath.Join(dir, "backup.db")
	if err := runBackup([]string{"--db", src, boltBackup}); err != nil {
		t.Fatal(err)
	}
	pg3 := newPostgres(t)
	restoreTest("--db", pg3, boltBackup)
	compareLogical(t, "bbolt backup → PostgreSQL", want, readLogical(t, openPG(t, pg3)))
	var out bytes.Buffer
	if err := restore([]string{"--db", pg3, fromBolt}, &out); err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Fatalf("restore into a PostgreSQL database with data: %v", err)
	}

	// A damaged backup: refused before anything is written.
	for name, damage := range map[string]func([]byte) []byte{
		"truncated": func(p []byte) []byte { return p[:len(p)-100] },
		"changed":   func(p []byte) []byte { q := bytes.Clone(p); q[len(q)/2] ^= 0x20; return q },
	} {
		bad := filepath.Join(dir, name+".portal")
		if err := os.WriteFile(bad, damage(a), 0o600); err != nil {
			t.Fatal(err)
		}
		pg4 := newPostgres(t)
		if err := restore([]string{"--db", pg4, bad}, &out); err == nil {
			t.Fatalf("a %s backup restored into PostgreSQL", name)
		}
		if got := readLogical(t, openPG(t, pg4)); len(got) != 0 {
			t.Fatalf("a %s backup wrote %d buckets", name, len(got))
		}
		badFile := filepath.Join(dir, name+".db")
		if err := restore([]string{"--db", badFile, bad}, &out); err == nil || fileExists(badFile) {
			t.Fatalf("a %s backup restored into a file: %v", name, err)
		}
	}
}
