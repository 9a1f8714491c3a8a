package store

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dealerportal/store/kv"
)

// TestPortableValues: the portable form decodes compressed records of the
// record buckets only, and PackValue compresses them back.
func TestPortableValues(t *testing.T) {
	js := []byte(`{"id":7,"number":"SO-2026-000007","status":"audited","lines":[{"no":1,"qty":1000}]}`)
	packed, err := encodeRecord(map[string]any{"id": 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		bucket string
		in     []byte
		want   []byte
	}{
		{"doc:SO", packed, []byte(`{"id":7}`)},
		{"outbox", packed, []byte(`{"id":7}`)},
		{"api_events", packed, []byte(`{"id":7}`)},
		{"doc:SO", js, js},
		{"doc:SO:cust", packed, packed}, // an index bucket: values stay as they are
		{"customers", packed, packed},
		{"balance_figures", []byte{1, 2, 3}, []byte{1, 2, 3}},
		{"doc:SO", []byte{}, []byte{}},
	} {
		got, err := PlainValue([]byte(c.bucket), c.in)
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("PlainValue(%s, %x) = %q, %v; want %q", c.bucket, c.in, got, err, c.want)
		}
	}
	if _, err := PlainValue([]byte("doc:SO"), packed[:len(packed)-3]); err == nil {
		t.Error("a damaged record decoded")
	}
	p := PackValue([]byte("doc:SO"), js)
	if p[0] != encZstdV1 || len(p) >= len(js) {
		t.Fatalf("PackValue did not compress: %x", p)
	}
	if back, err := PlainValue([]byte("doc:SO"), p); err != nil || !bytes.Equal(back, js) {
		t.Fatalf("packed and plain again: %q %v", back, err)
	}
	for _, b := range []string{"customers", "doc:SO:all"} {
		if got := PackValue([]byte(b), js); !bytes.Equal(got, js) {
			t.Errorf("PackValue(%s) changed a value", b)
		}
	}
}

// TestPortableBackupOfStore: a portable backup of an open store (on the
// test backend) verifies, and its digest is the store's.
func TestPortableBackupOfStore(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), PortableBackupName(testNow))
	n, d, err := f.s.PortableBackupToFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != n || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", fi, err)
	}
	got, err := VerifyPortableFile(path)
	if err != nil || got.Sum() != d.Sum() {
		t.Fatalf("verified digest %s, %v; written %s", got.Sum(), err, d.Sum())
	}
	var live Digest
	if err := f.s.KV().View(func(tx kv.Tx) error { live, err = DigestOf(tx, nil); return err }); err != nil {
		t.Fatal(err)
	}
	if live.Sum() != d.Sum() || d.Keys() == 0 {
		t.Fatalf("the store's digest %s (%d keys) is not the backup's %s", live.Sum(), live.Keys(), d.Sum())
	}
	if portable, err := IsPortableFile(path); !portable || err != nil {
		t.Fatalf("IsPortableFile: %v %v", portable, err)
	}
}

func TestPruneBackupsBothKinds(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"portal-20260101T000000Z.db", "portal-20260102T000000Z.portal", "portal-20260103T000000Z.db", "portal-20260104T000000Z.portal"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	deleted, err := PruneBackups(dir, "portal-", 2)
	if err != nil || len(deleted) != 2 || !strings.HasSuffix(deleted[0], "0101T000000Z.db") || !strings.HasSuffix(deleted[1], "0102T000000Z.portal") {
		t.Fatalf("deleted %v %v", deleted, err)
	}
}
