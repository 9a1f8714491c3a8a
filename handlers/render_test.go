package handlers

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"dealerportal/views"
)

// TestRenderEveryPage renders each page as the users who may see it, in both
// languages, as a full page and as an HTMX fragment, and fails on a template
// error or a missing translation.
func TestRenderEveryPage(t *testing.T) {
	e := newTestEnv(t)
	c1 := e.id("customer:C1")
	pages := map[string][]string{
		"admin": {"/", "/account", "/account/password", "/customers", "/customers?sort=name&desc=1", "/customers/new",
			"/customers/" + c1, "/customers/" + c1 + "/edit", "/customers/" + c1 + "/print",
			"/customers/" + c1 + "/locations/new", "/customers/" + c1 + "/locations/" + e.id("location:C1") + "/edit",
			"/customers/" + c1 + "/users/new", "/customers/" + c1 + "/users/" + e.id("user:c1.buyer") + "/edit"},
		"viewer": {"/", "/customers", "/customers/" + c1},
		"c1.manager": {"/", "/account", "/customers/" + c1, "/customers/" + c1 + "/print", "/customers/" + c1 + "/locations/new",
			"/customers/" + c1 + "/users/new"},
		"c1.buyer": {"/", "/customers/" + c1},
	}
	for user, paths := range pages {
		for _, lang := range Languages {
			c := e.login(user)
			c.lang = lang
			c.cookies["lang"] = lang
			// The user's own setting wins over the cookie: set it.
			c.get("/")
			c.post("/lang", map[string][]string{"lang": {lang}})
			for _, p := range paths {
				for _, hx := range []bool{false, true} {
					var r resp
					if hx {
						r = c.get(p, "HX-Request", "true")
					} else {
						r = c.get(p)
					}
					if r.Code != http.StatusOK {
						t.Errorf("%s %s %s hx=%v: status %d %s", user, lang, p, hx, r.Code, excerpt(r.Body))
						continue
					}
					mustRender(t, p, r)
					if !hx && lang == "zh" && !strings.Contains(r.Body, `lang="zh-CN"`) {
						t.Errorf("%s: not in Chinese", p)
					}
				}
			}
		}
	}
	// Dealers see their own profile via /my/company.
	d := e.login("c1.buyer")
	if r := d.get("/my/company"); r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/customers/"+c1 {
		t.Errorf("/my/company: %d %s", r.Code, r.Header.Get("Location"))
	}
}

var (
	tplKeyRe = regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	goKeyRe  = regexp.MustCompile(`"((?:err|flash|nav|home|login|account|password|customers|settings|staff|org|groups)\.[a-z0-9_.]+)"`)
	logRe    = regexp.MustCompile(`(?:Log\([^,]+, [^,]+, |action := |action = )"([a-z_.]+)"`)
)

// TestCatalogKeys checks that every literal key used in templates and Go code
// exists in the catalogs (which guarantee both languages at load).
func TestCatalogKeys(t *testing.T) {
	i, err := LoadI18n(views.FS, "i18n")
	if err != nil {
		t.Fatal(err)
	}
	check := func(file, src string, re *regexp.Regexp) {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			key := m[1]
			if strings.HasSuffix(key, ".") {
				continue
			}
			if !i.Has(key) {
				t.Errorf("%s: key %q missing from the catalogs", file, key)
			}
		}
	}
	_ = fs.WalkDir(views.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".html") {
			b, _ := fs.ReadFile(views.FS, p)
			check(p, string(b), tplKeyRe)
		}
		return nil
	})
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		check(f, string(b), goKeyRe)
		// Audit actions are shown as "activity.<action>".
		for _, m := range logRe.FindAllStringSubmatch(string(b), -1) {
			if !i.Has("activity." + m[1]) {
				t.Errorf("%s: audit action %q has no activity.%s text", f, m[1], m[1])
			}
		}
	}
	models, _ := filepath.Glob("../model/*.go")
	for _, f := range models {
		b, _ := os.ReadFile(f)
		for _, m := range regexp.MustCompile(`"(err\.[a-z0-9_]+)"`).FindAllStringSubmatch(string(b), -1) {
			if !i.Has(m[1]) {
				t.Errorf("%s: key %q missing from the catalogs", f, m[1])
			}
		}
	}
}

// TestCatalogMissingLanguage: a catalog entry without one language stops the load.
func TestCatalogMissingLanguage(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "i18n"), 0o755)
	os.WriteFile(filepath.Join(dir, "i18n", "x.json"), []byte(`{"a.b": {"en": "A"}}`), 0o644)
	if _, err := LoadI18n(os.DirFS(dir), "i18n"); err == nil || !strings.Contains(err.Error(), "has no zh text") {
		t.Fatalf("missing zh accepted: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "i18n", "y.json"), []byte(`{"a.b": {"en": "A", "zh": "甲"}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "i18n", "x.json"), []byte(`{"a.b": {"en": "A", "zh": "甲"}}`), 0o644)
	if _, err := LoadI18n(os.DirFS(dir), "i18n"); err == nil || !strings.Contains(err.Error(), "defined twice") {
		t.Fatalf("duplicate accepted: %v", err)
	}
}

// TestNoInlineStyleOrScript: the CSP forbids inline script and style
// attributes, so no template may carry them (they would silently not work).
func TestNoInlineStyleOrScript(t *testing.T) {
	bad := regexp.MustCompile(`(?i)\sstyle="|<script>|<script [^>]*>[^<]|\son[a-z]+="|javascript:`)
	_ = fs.WalkDir(views.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".html") {
			b, _ := fs.ReadFile(views.FS, p)
			if m := bad.Find(b); m != nil {
				t.Errorf("%s: inline %q is blocked by the CSP", p, m)
			}
		}
		return nil
	})
}
