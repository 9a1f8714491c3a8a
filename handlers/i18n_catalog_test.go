package handlers

import (
	"os"
	"path/filepath"
	"testing"

	"dealerportal/views"
)

// The catalog tests' common ground: the portal's own catalogs, a catalog
// made for a test, and the walk over a catalog's texts.

// shippedCatalog is the portal's catalog (views/i18n/*.json).
func shippedCatalog(t *testing.T) *I18n {
	t.Helper()
	i, err := LoadI18n(views.FS, "i18n")
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// testCatalog loads a catalog of one file holding json, with the load's
// error.
func testCatalog(t *testing.T, json string) (*I18n, error) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "i18n")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x.json"), []byte(json), 0o644); err != nil {
		t.Fatal(err)
	}
	return LoadI18n(os.DirFS(filepath.Dir(dir)), "i18n")
}

// walkCatalog calls fn with every key of catalog i, in key order, and its
// English and Chinese texts.
func walkCatalog(i *I18n, fn func(key, en, zh string)) {
	for _, k := range i.Keys() {
		fn(k, i.texts["en"][k], i.texts["zh"][k])
	}
}
