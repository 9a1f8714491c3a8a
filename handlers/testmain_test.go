package handlers

import (
	"bytes"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/kv/pgtest"

	"github.com/gofiber/fiber/v2"
)

// testEnv is a portal on the test backend (testDSN: a real bbolt file in a
// temp dir, or a schema of its own on the private PostgreSQL cluster) with a
// small fixture:
// org HQ → EAST (SH branch), SOUTH (GZ branch); staff admin, east (sales,
// EAST subtree), south (sales, SOUTH subtree), own (sales, own customers),
// viewer (viewer, EAST); customers C1 (SH, salesperson own) and C2 (GZ),
// each with a manager and a buyer user and one location.
type testEnv struct {
	t   *testing.T
	st  *store.Store
	dsn string // where st lives: a file or a PostgreSQL URL
	h   *Handler
	app *fiber.App
	ids map[string]uint64
	// exts holds external ids of fixtures ("product:C1" → "ERP-P-1").
	exts map[string]string
}

const testPassword = "secret123"

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	return newTestEnvAt(t, testDSN(t))
}

// onPostgres reports whether the handler tests run on PostgreSQL
// (PORTAL_TEST_BACKEND=postgres: the private cluster that TestMain starts)
// rather than on bbolt files.
func onPostgres() bool { return pgtest.Selected() }

// testDSN is where a test's new portal database lives on the test backend:
// a new file in a temporary folder, or a schema of its own on the private
// cluster (pgtest.DSN).
func testDSN(t testing.TB) string {
	t.Helper()
	top, _, _ := strings.Cut(t.Name(), "/")
	if _, marked := storeless.Load(top); marked {
		t.Fatalf("%s is marked onlyOnce but opens a portal database: it must run on both backends", top)
	}
	return pgtest.DSN(t, "portal.db")
}

// storeless holds the names of the tests marked onlyOnce.
var storeless sync.Map

// onlyOnce marks a test that opens no portal database (it reads, parses or
// measures without a store, and takes long enough to matter): it runs in
// the bbolt pass of the test command only, since the PostgreSQL pass would
// repeat it unchanged. testDSN fails a test so marked that opens a
// database after all, so a mark cannot go stale in the bbolt pass.
func onlyOnce(t *testing.T) {
	t.Helper()
	if onPostgres() {
		t.Skip("opens no database: runs once, in the bbolt pass (onlyOnce)")
	}
	top, _, _ := strings.Cut(t.Name(), "/")
	storeless.Store(top, true)
}

// newTestEnvAt is newTestEnv on the database dsn names (a file or a
// PostgreSQL URL).
func newTestEnvAt(t *testing.T, dsn string) *testEnv {
	t.Helper()
	st, err := store.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &testEnv{t: t, st: st, dsn: dsn, ids: map[string]uint64{}, exts: map[string]string{}}
	hash, _ := store.HashPassword(testPassword)
	err = st.Update("test", func(tx *store.Tx) error {
		org := func(code, name string, parent uint64) uint64 {
			o := &model.OrgUnit{Code: code, Name: name, ParentID: parent}
			if err := tx.SaveOrgUnit(o); err != nil {
				t.Fatal(err)
			}
			e.ids["org:"+code] = o.ID
			return o.ID
		}
		hq := org("HQ", "总部", 0)
		east := org("EAST", "华东大区", hq)
		sh := org("SH", "上海分公司", east)
		south := org("SOUTH", "华南大区", hq)
		gz := org("GZ", "广州分公司", south)
		staff := func(name string, roles []model.Role, mode model.ScopeMode, orgs ...uint64) {
			u := &model.User{Username: name, Name: strings.ToUpper(name), Kind: model.KindStaff, Roles: roles,
				OrgUnitID: hq, ScopeMode: mode, ScopeOrgs: orgs, PasswordHash: hash}
			if err := tx.SaveUser(store.AdminScope(), u); err != nil {
				t.Fatal(err)
			}
			e.ids["user:"+name] = u.ID
		}
		staff("admin", []model.Role{model.RoleAdmin}, model.ScopeOrg, hq)
		staff("east", []model.Role{model.RoleSales}, model.ScopeOrg, east)
		staff("south", []model.Role{model.RoleSales}, model.ScopeOrg, south)
		staff("own", []model.Role{model.RoleSales}, model.ScopeOwn)
		staff("viewer", []model.Role{model.RoleViewer}, model.ScopeOrg, east)
		cust := func(code string, orgID uint64, sp uint64) {
			c := &model.Customer{Code: code, Name: "客户" + code, OrgUnitID: orgID, SalespersonID: sp, Status: model.CustomerActive, CreditLimit: 100000}
			if err := tx.SaveCustomer(store.AdminScope(), c); err != nil {
				t.Fatal(err)
			}
			e.ids["customer:"+code] = c.ID
			l := &model.Location{CustomerID: c.ID, Name: "仓库" + code, Address: "地址 " + code}
			if err := tx.SaveLocation(store.AdminScope(), l); err != nil {
				t.Fatal(err)
			}
			e.ids["location:"+code] = l.ID
			for _, r := range []model.Role{model.RoleManager, model.RoleBuyer} {
				u := &model.User{Username: strings.ToLower(code) + "." + string(r), Name: code + " " + string(r), Kind: model.KindDealer,
					CustomerID: c.ID, Roles: []model.Role{r}, PasswordHash: hash}
				if err := tx.SaveUser(store.AdminScope(), u); err != nil {
					t.Fatal(err)
				}
				e.ids["user:"+u.Username] = u.ID
			}
		}
		cust("C1", sh, e.ids["user:own"])
		cust("C2", gz, 0)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.h, err = New(st, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e.app = e.h.App()
	return e
}

// openAt is another portal (a store and a handler of its own) on the
// database dsn names, sharing e's fixture ids: a reopened file, or a second
// process on one PostgreSQL database.
func (e *testEnv) openAt(t *testing.T, dsn string) *testEnv {
	t.Helper()
	st, err := store.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h, err := New(st, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, st: st, dsn: dsn, h: h, app: h.App(), ids: e.ids, exts: e.exts}
}

// backupCopy backs e's database up as the portal does on its backend (a
// copy of the bbolt file; the portable backup stream on PostgreSQL) and
// restores it into a new database of the test backend, whose dsn it
// returns.
func (e *testEnv) backupCopy(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "backup.db")
	if !e.st.Postgres() {
		if _, err := e.st.BackupToFile(file); err != nil {
			t.Fatal(err)
		}
		return file
	}
	if _, _, err := e.st.PortableBackupToFile(file); err != nil {
		t.Fatal(err)
	}
	dsn := testDSN(t)
	db, err := store.OpenPostgresKV(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := store.RestorePortable(db, f, false); err != nil {
		t.Fatal(err)
	}
	return dsn
}

// documentFixtures gives each customer C1, C2 a document of every kind:
// an announcement, catalog entries and prices, orders, shipping and return
// documents, channel documents and finance documents (the fixtures of
// each module, in the order they build on each other).
func documentFixtures(t *testing.T, e *testEnv) {
	t.Helper()
	messagingScopeFixtures(t, e)
	orderingFixture(t, e)
	shippingFixture(t, e)
	ordersFixture(t, e)
	channelFixture(t, e)
	reconFixture(t, e)
}

// client is one browser: cookies, language, and the last CSRF token seen.
type client struct {
	e       *testEnv
	cookies map[string]string
	csrf    string
	lang    string
}

func (e *testEnv) client() *client {
	return &client{e: e, cookies: map[string]string{}, lang: "en"}
}

// login logs in as username (password testPassword) and fails the test
// unless it worked.
func (e *testEnv) login(username string) *client {
	e.t.Helper()
	c := e.client()
	c.get("/login")
	r := c.post("/login", url.Values{"username": {username}, "password": {testPassword}})
	if r.Code != http.StatusSeeOther {
		e.t.Fatalf("login %s: status %d: %s", username, r.Code, r.Body)
	}
	return c
}

type resp struct {
	Code   int
	Body   string
	Header http.Header
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (c *client) do(req *http.Request) resp {
	c.e.t.Helper()
	var parts []string
	for k, v := range c.cookies {
		parts = append(parts, k+"="+v)
	}
	if c.lang != "" && c.cookies["lang"] == "" {
		parts = append(parts, "lang="+c.lang)
	}
	if len(parts) > 0 {
		req.Header.Set("Cookie", strings.Join(parts, "; "))
	}
	res, err := c.e.app.Test(req, -1)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	if m := csrfRe.FindStringSubmatch(string(body)); m != nil {
		c.csrf = m[1]
	}
	return resp{Code: res.StatusCode, Body: string(body), Header: res.Header}
}

// get fetches path; extra headers as name, value pairs.
func (c *client) get(path string, headers ...string) resp {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// post sends a form with the current CSRF token (fetch a page first).
func (c *client) post(path string, form url.Values, headers ...string) resp {
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" && c.csrf != "" {
		form.Set("_csrf", c.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// id returns a fixture id such as "customer:C1" or "user:east".
func (e *testEnv) id(name string) string {
	id, ok := e.ids[name]
	if !ok {
		e.t.Fatalf("no fixture %q", name)
	}
	return itoa(id)
}

// mustRender fails on a template error or a missing translation in a page.
func mustRender(t *testing.T, path string, r resp) {
	t.Helper()
	if strings.Contains(r.Body, `executing "`) || strings.Contains(r.Body, "⟦") || strings.Contains(r.Body, "<no value>") {
		t.Errorf("%s: broken render: %s", path, excerpt(r.Body))
	}
}

func excerpt(s string) string {
	for _, m := range []string{`executing "`, "⟦", "<no value>"} {
		if i := strings.Index(s, m); i >= 0 {
			return s[max(0, i-200):min(len(s), i+200)]
		}
	}
	if len(s) > 400 {
		return s[:400]
	}
	return s
}

// multipartBody builds a multipart form with fields and one file.
func multipartBody(fields map[string]string, fileField, fileName string, content []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile(fileField, fileName)
	fw.Write(content)
	w.Close()
	return &buf, w.FormDataContentType()
}

// postRaw posts a prepared body with its content type.
func (c *client) postRaw(path, ctype string, body io.Reader) resp {
	req := httptest.NewRequest(http.MethodPost, path, body)
	req.Header.Set("Content-Type", ctype)
	return c.do(req)
}
