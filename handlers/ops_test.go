package handlers

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dealerportal/store"
)

func TestOpsPages(t *testing.T) {
	e := newTestEnv(t)
	anon := e.client()
	if r := anon.get("/healthz"); r.Code != http.StatusOK {
		t.Fatalf("healthz: %d", r.Code)
	}
	if r := anon.get("/readyz"); r.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz before workers: %d", r.Code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wg := e.h.StartWorkers(ctx)
	defer func() { cancel(); wg.Wait() }()
	if r := anon.get("/readyz"); r.Code != http.StatusOK {
		t.Fatalf("readyz: %d %s", r.Code, r.Body)
	}
	a := e.login("admin")
	a.get("/customers")
	for _, lang := range Languages {
		a.cookies["lang"] = lang
		a.post("/lang", map[string][]string{"lang": {lang}})
		r := a.get("/admin/system")
		if r.Code != http.StatusOK || !strings.Contains(r.Body, "GET /customers") {
			t.Fatalf("system page %s: %d", lang, r.Code)
		}
		mustRender(t, "/admin/system", r)
	}
	r := a.get("/admin/backup")
	if r.Code != http.StatusOK || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("backup download: %d", r.Code)
	}
	// A copy of the file on bbolt, the portable backup on PostgreSQL.
	path := filepath.Join(t.TempDir(), "dl.backup")
	os.WriteFile(path, []byte(r.Body), 0o600)
	verify := store.VerifyFile
	if e.st.Postgres() {
		verify = func(p string) error { _, err := store.VerifyPortableFile(p); return err }
	}
	if err := verify(path); err != nil {
		t.Fatalf("downloaded backup: %v", err)
	}
	s := e.login("east")
	for _, p := range []string{"/admin/system", "/admin/backup"} {
		if r := s.get(p); r.Code != http.StatusForbidden {
			t.Errorf("sales %s: %d", p, r.Code)
		}
	}
}
