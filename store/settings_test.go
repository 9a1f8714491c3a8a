package store

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store/kv"

	bolt "go.etcd.io/bbolt"
)

func TestIdempotent(t *testing.T) {
	s := openStore(t)
	p := &idemPoster{t: t, s: s}
	create, post := p.create, p.post
	steps := []struct {
		name       string
		user       uint64
		token      string
		wantID     uint64
		wantReplay bool
		wantRuns   int
	}{
		{"first post", 1, "tok-a", 101, false, 1},
		{"double click", 1, "tok-a", 101, true, 1},
		{"retry again", 1, "tok-a", 101, true, 1},
		{"same token, other user", 2, "tok-a", 102, false, 2},
		{"other user's retry", 2, "tok-a", 102, true, 2},
		{"new form", 1, "tok-b", 103, false, 3},
		{"no token always creates", 1, "", 104, false, 4},
		{"no token again", 1, "", 105, false, 5},
	}
	for _, st := range steps {
		id, replay := post(st.user, st.token)
		if id != st.wantID || replay != st.wantReplay || p.runs != st.wantRuns {
			t.Errorf("%s: id %d replay %v p.runs %d; want %d %v %d", st.name, id, replay, p.runs, st.wantID, st.wantReplay, st.wantRuns)
		}
	}

	// A failed create records nothing: the retry p.runs it again.
	failing := func() (uint64, error) { return 0, errors.New("boom") }
	if err := s.Update("x", func(tx *Tx) error { _, _, err := tx.Idempotent(1, "tok-c", failing); return err }); err == nil {
		t.Fatal("create error swallowed")
	}
	// A rolled-back transaction forgets the token with the record.
	_ = s.Update("x", func(tx *Tx) error {
		if _, _, err := tx.Idempotent(1, "tok-d", create); err != nil {
			return err
		}
		return errRollback
	})
	before := p.runs
	if id, replay := post(1, "tok-c"); replay || p.runs != before+1 || id == 0 {
		t.Errorf("after failed create: id %d replay %v", id, replay)
	}
	if _, replay := post(1, "tok-d"); replay || p.runs != before+2 {
		t.Errorf("token of a rolled-back tx replayed")
	}

	// Purging forgets old tokens only.
	s.SetClock(func() time.Time { return testNow.Add(72 * time.Hour) })
	if _, replay := post(1, "tok-e"); replay {
		t.Fatal("fresh token replayed")
	}
	if err := s.PurgeIdempotency(48 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, replay := post(1, "tok-e"); !replay {
		t.Errorf("recent token purged")
	}
	if _, replay := post(1, "tok-a"); replay {
		t.Errorf("old token survived the purge")
	}
}

func TestSettings(t *testing.T) {
	s := openStore(t)
	def := s.Settings()
	if def.CurrencyCode != "CNY" || def.TimeZone != "Asia/Shanghai" || def.Version != 0 {
		t.Fatalf("defaults = %+v", def)
	}
	a, b := s.Settings(), s.Settings()
	a.EnterpriseName = "华东机械"
	if err := s.Update("admin", func(tx *Tx) error { return tx.SaveSettings(a) }); err != nil {
		t.Fatal(err)
	}
	got := s.Settings()
	if got.EnterpriseName != "华东机械" || got.Version != 1 || got.UpdatedBy != "admin" {
		t.Errorf("saved = %+v", got)
	}
	// Both editors opened the defaults; the second one is stale.
	b.EnterpriseName = "late"
	ce := wantConflict(t, s.Update("other", func(tx *Tx) error { return tx.SaveSettings(b) }))
	if ce.By != "admin" {
		t.Errorf("conflict by %q", ce.By)
	}
	if s.Settings().EnterpriseName != "华东机械" {
		t.Errorf("stale save overwrote")
	}
	// Invalid settings are refused.
	got.TimeZone = "Nowhere/Else"
	wantField(t, s.Update("admin", func(tx *Tx) error { return tx.SaveSettings(got) }), "time_zone", "err.time_zone")
	got = s.Settings()
	got.CurrencyCode = "usd"
	update(t, s, func(tx *Tx) error { return tx.SaveSettings(got) })
	if st := s.Settings(); st.CurrencyCode != "USD" || st.Version != 2 {
		t.Errorf("after second save = %+v", st)
	}
}

func TestSecretAndReopen(t *testing.T) {
	path := testDSN(t)
	if testBackend() == "bbolt" {
		path = filepath.Join(t.TempDir(), "data", "t.db") // the folder is created
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := s.Secret("session", 32)
	if err != nil || len(sec) != 32 || bytes.Equal(sec, make([]byte, 32)) {
		t.Fatalf("Secret = %x, %v", sec, err)
	}
	again, _ := s.Secret("session", 32)
	other, _ := s.Secret("csrf", 32)
	if !bytes.Equal(sec, again) || bytes.Equal(sec, other) {
		t.Errorf("secrets: same name differs or two names share one")
	}
	sec[0] ^= 0xff // the caller's copy is its own
	if again2, _ := s.Secret("session", 32); again2[0] == sec[0] {
		t.Errorf("Secret returned bbolt's memory")
	}
	sec[0] ^= 0xff
	update(t, s, func(tx *Tx) error {
		return tx.SaveOrgUnit(&model.OrgUnit{Code: "HQ", Name: "总部"})
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	after, _ := s2.Secret("session", 32)
	if !bytes.Equal(sec, after) {
		t.Errorf("secret changed across reopen")
	}
	if s2.OrgTree().Flatten()[0].Unit.Code != "HQ" {
		t.Errorf("data lost across reopen")
	}
	var v uint64
	if err := s2.KV().View(func(tx kv.Tx) error {
		v = btoi(tx.Bucket(bMeta).Get(keySchemaVersion))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if v != SchemaVersion() || v == 0 {
		t.Errorf("stored schema version %d, want %d", v, SchemaVersion())
	}
}

func TestMigrate(t *testing.T) {
	path := testDSN(t)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// A bucket added by newer code (simulated by dropping one) is created on
	// reopen of a file that already has the current schema version.
	if err := s.KV().Update(func(tx kv.Tx) error { return tx.DeleteBucket(bIdempotency) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.KV().View(func(tx kv.Tx) error {
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				t.Errorf("bucket %s missing after reopen", name)
			}
		}
		return nil
	})
	// A file written by a newer program is refused, not downgraded.
	if err := s.KV().Update(func(tx kv.Tx) error {
		return tx.Bucket(bMeta).Put(keySchemaVersion, itob(SchemaVersion()+1))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(path); err == nil {
		s.Close()
		t.Fatal("opened a file with a newer schema")
	}
	if testBackend() != "bbolt" {
		return
	}
	// An old file (version 0: no meta yet) is migrated up.
	path2 := filepath.Join(t.TempDir(), "old.db")
	db, err := bolt.Open(path2, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err = Open(path2)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_ = s.KV().View(func(tx kv.Tx) error {
		if v := btoi(tx.Bucket(bMeta).Get(keySchemaVersion)); v != SchemaVersion() {
			t.Errorf("migrated file at version %d", v)
		}
		return nil
	})
}

func TestActivity(t *testing.T) {
	s := openStore(t)
	update(t, s, func(tx *Tx) error {
		for i, a := range []string{"create", "edit", "edit", "deactivate"} {
			if err := tx.Log("customer", 7, a, string(rune('a'+i))); err != nil {
				return err
			}
		}
		return tx.Log("customer", 8, "create", "")
	})
	view(t, s, func(tx *Tx) error {
		got := tx.ActivityOf("customer", 7, 3)
		if len(got) != 3 || got[0].Action != "deactivate" || got[2].Detail != "b" || got[0].By != "tester" {
			t.Errorf("ActivityOf(7, 3) = %+v", got)
		}
		if got := tx.ActivityOf("customer", 8, 10); len(got) != 1 {
			t.Errorf("ActivityOf(8) = %d", len(got))
		}
		if got := tx.ActivityOf("customer", 9, 10); len(got) != 0 {
			t.Errorf("ActivityOf(9) = %d", len(got))
		}
		if got := tx.ActivityOf("order", 7, 10); len(got) != 0 {
			t.Errorf("other entity = %d", len(got))
		}
		return nil
	})
}

// idemPoster posts form tokens through Tx.Idempotent, each first post
// creating the next id from 101 and counting its runs.
type idemPoster struct {
	t    *testing.T
	s    *Store
	runs int
}

func (p *idemPoster) create() (uint64, error) { p.runs++; return uint64(100 + p.runs), nil }

func (p *idemPoster) post(user uint64, token string) (uint64, bool) {
	var id uint64
	var replay bool
	update(p.t, p.s, func(tx *Tx) (err error) { id, replay, err = tx.Idempotent(user, token, p.create); return })
	return id, replay
}
