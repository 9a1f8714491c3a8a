// Package handlers serves the portal over HTTP with Fiber: middleware (auth,
// sessions, CSRF, language, security headers), one file per module with its
// routes, and the render helper that decides between a full page and an HTMX
// fragment.
package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dealerportal/model"
	"dealerportal/static"
	"dealerportal/store"
	"dealerportal/views"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
)

// Config is what main passes in from flags and environment.
type Config struct {
	// BaseURL is the public address, used in e-mails and printed at start.
	BaseURL string
	// SecureCookies marks cookies Secure and turns HSTS on (behind HTTPS).
	SecureCookies bool
	// TrustedProxies may set X-Forwarded-For (login limits key on the client address).
	TrustedProxies []string
	Logger         *slog.Logger
	// WorkerID names this process in the workers' lease (default: host,
	// pid and a random part); LeaseTTL is the lease's duration (default
	// store.LeaseTTL). See workers.go.
	WorkerID string
	LeaseTTL time.Duration
}

// Handler holds the dependencies of every route; there is no package-level state.
type Handler struct {
	store   *store.Store
	cfg     Config
	engine  *html.Engine
	i18n    *I18n
	cookies *cookieCodec
	limiter *loginLimiter
	assets  *assets
	log     *slog.Logger
	nav     []navItem
	// visits buffers catalog visit statistics (flushed by a worker).
	visits *store.VisitRecorder
	// Operations: request metrics, the last scheduled backup, whether the
	// background workers run, when the process started.
	metrics    *metrics
	lastBackup atomic.Pointer[backupState]
	workersUp  atomic.Bool
	started    time.Time
	// api is the integration API's in-memory state (rate limits, token uses).
	api *apiState
	// reveals holds new API secrets until the page that shows them once.
	reveals *revealStash
	// The layout cut at its per-request values, the rendered bells and
	// menus, and the menus by role set (layout.go, nav.go).
	layouts layouts
	bells   sync.Map
	navs    sync.Map
	navSets sync.Map
	// signIns keeps the sessions and users of signed-in cookies (session_cache.go).
	signIns signIns
	// lease decides which process of a fleet runs the background jobs
	// (workers.go); leaderJobs are the jobs added with OnLeader.
	lease      *store.Lease
	leaderJobs []func(context.Context, *sync.WaitGroup)
}

// BodyLimit is the largest request body accepted (attachments are 10 MiB).
const BodyLimit = 12 << 20

// New parses the templates and catalogs and prepares the assets. It fails on a
// template that does not parse or a catalog with a missing translation.
func New(st *store.Store, cfg Config) (*Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	i18n, err := LoadI18n(views.FS, "i18n")
	if err != nil {
		return nil, err
	}
	h := &Handler{store: st, cfg: cfg, i18n: i18n, log: cfg.Logger, limiter: newLoginLimiter(st.Now), metrics: newMetrics(), started: st.Now()}
	if h.assets, err = loadAssets(static.FS); err != nil {
		return nil, err
	}
	for name, css := range reportLabelStyles(func(l, k string) string { return h.i18n.T(l, k) }) {
		h.assets.add(name, css)
	}
	key, err := st.Secret("cookie_key", 64)
	if err != nil {
		return nil, err
	}
	h.cookies = newCookieCodec(key, cfg.SecureCookies)
	h.engine = html.NewFileSystem(http.FS(views.FS), ".html")
	h.engine.AddFuncMap(templateFuncs)
	if err := h.engine.Load(); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	h.nav = h.navigation()
	h.visits = store.NewVisitRecorder(st)
	if cfg.WorkerID == "" {
		cfg.WorkerID = store.NewHolderID()
	}
	h.lease = st.NewLease("workers", cfg.WorkerID, cfg.LeaseTTL)
	if st.Shared() {
		h.limiter.st = st
	}
	return h, nil
}

// App builds the Fiber application with every middleware and route.
func (h *Handler) App() *fiber.App { return h.app(nil) }

// app builds the portal's app; extra, when not nil, registers routes after
// the modules' ones, behind the whole middleware chain (a benchmark's bare
// route).
func (h *Handler) app(extra func(fiber.Router)) *fiber.App {
	app := fiber.New(fiber.Config{
		AppName:                 "dealer-portal",
		BodyLimit:               BodyLimit,
		ErrorHandler:            h.errorHandler,
		DisableStartupMessage:   true,
		ReadTimeout:             60 * time.Second,
		WriteTimeout:            60 * time.Second,
		IdleTimeout:             120 * time.Second,
		EnableTrustedProxyCheck: len(h.cfg.TrustedProxies) > 0,
		TrustedProxies:          h.cfg.TrustedProxies,
		ProxyHeader:             proxyHeader(h.cfg.TrustedProxies),
	})
	app.Use(h.requestLog, h.recoverPanic, h.securityHeaders)
	app.Get("/static/:file", h.serveStatic)
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Get("/readyz", h.ready)
	if h.store.Shared() {
		app.Use(h.syncVersions)
	}
	app.Use(compressResponses()) // compress.go: as compress.New at LevelDefault, PDFs and XLSX left as they are
	h.registerAPI(app)
	app.Use(h.loadSession, h.checkCSRF, h.requireLogin, h.checkFormToken, h.askFirst)
	h.routes(app)
	if extra != nil {
		extra(app)
	}
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	return app
}

func proxyHeader(trusted []string) string {
	if len(trusted) > 0 {
		return fiber.HeaderXForwardedFor
	}
	return ""
}

// routes registers every module's routes, in one place.
func (h *Handler) routes(app *fiber.App) {
	h.registerAuth(app)
	h.registerInvite(app)
	h.registerAccount(app)
	h.registerHome(app)
	h.registerCustomers(app)
	h.registerDealerUsers(app)
	h.registerAttachments(app)
	h.registerOps(app)
	h.registerOrgUnits(app)
	h.registerStaff(app)
	h.registerGroups(app)
	h.registerSettings(app)
	h.registerAPIClients(app)
	h.registerAnnouncements(app)
	h.registerMessages(app)
	h.registerOrdering(app)
	h.registerOrders(app)
	h.registerShipping(app)
	h.registerChannel(app)
	h.registerReconciliation(app)
}

// templateFuncs are the helpers that need no request: the per-request ones
// (T, Money, Date…) are methods of View.
var templateFuncs = map[string]any{
	"add": func(a, b int) int { return a + b },
	"seq": func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		return s
	},
	"indent": func(depth int) string { return strings.Repeat("　", depth) },
	"id":     func(v uint64) string { return strconv.FormatUint(v, 10) },
	"has": func(list any, v any) bool {
		switch l := list.(type) {
		case []uint64:
			for _, x := range l {
				if x == v {
					return true
				}
			}
		case []model.Role:
			for _, x := range l {
				if x == v {
					return true
				}
			}
		case []string:
			for _, x := range l {
				if x == v {
					return true
				}
			}
		}
		return false
	},
}

// View is the data of every rendered template: the request's user, language
// and CSRF token, the page's own Data, and form errors by field.
type View struct {
	h        *Handler
	Lang     string
	User     *model.User
	CSRF     string
	Title    string
	Flash    string
	Path     string
	Settings *model.Settings
	Nav      []navGroup
	Content  template.HTML
	Errors   map[string]string
	Data     any
	Form     any
	ReqID    string
	Query    string
	// Layout wraps full pages: layouts/main, or layouts/print for print views.
	Layout string
	// NavOOB marks the navigation for an out-of-band swap in a fragment.
	NavOOB bool
	// navKey names the user's set of menu links (navFor).
	navKey string
	// skeleton marks the View that cuts the layout (layout.go).
	skeleton bool
	// unread is the header's unread count the request read at its start
	// (syncVersions), if any.
	unread store.Unread
}

// view prepares the View for the current request; title is a catalog key.
func (h *Handler) view(c *fiber.Ctx, title string, data any) *View {
	u := currentUser(c)
	v := &View{
		h: h, Lang: lang(c), User: u, Title: title, Data: data,
		Path: string(c.Request().URI().Path()), Query: string(c.Request().URI().QueryString()),
		Settings: h.settingsIn(lang(c)), ReqID: requestID(c), unread: requestUnread(c),
	}
	v.CSRF = h.csrfToken(c)
	if u != nil {
		v.Nav, v.navKey = h.navFor(u)
	}
	return v
}

// settingsIn is the enterprise's settings for a reader of language l: until
// they are first saved, the default name is the portal's, not the
// enterprise's, and is shown in the reader's language (pages, PDFs, test
// messages alike).
func (h *Handler) settingsIn(l string) *model.Settings {
	s := h.store.Settings()
	if s.Version == 0 {
		c := *s
		c.EnterpriseName = h.i18n.T(l, "words.enterprise_unnamed")
		return &c
	}
	return s
}

// systemActor is the author the portal's own work is recorded under (the
// workers, automatic closing, first-start seeding).
const systemActor = "system"

// Who names the author of a change: a username as stored, or the portal
// itself (systemActor) in the reader's language.
func (v *View) Who(by string) string {
	if by == systemActor {
		return v.T("words.actor_system")
	}
	return by
}

// T translates key into the view's language; args are name, value pairs.
// An HTML argument (an amount from Money) is put in as its text: T's
// result is a string, escaped where it is shown.
func (v *View) T(key string, args ...any) string {
	for i, a := range args {
		if h, ok := a.(template.HTML); ok {
			args[i] = htmlText(h)
		}
	}
	return v.h.i18n.T(v.Lang, key, args...)
}

// Err returns the translated error of a form field, or "".
func (v *View) Err(field string) string { return v.Errors[field] }

// Can reports whether the user holds the permission.
func (v *View) Can(p string) bool { return v.User.Can(model.Perm(p)) }

// Date shows a time as YYYY-MM-DD in the enterprise's zone; "" for zero.
func (v *View) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(v.h.store.Zone()).Format("2006-01-02")
}

// DateTime shows a time as YYYY-MM-DD HH:MM in the enterprise's zone.
func (v *View) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(v.h.store.Zone()).Format("2006-01-02 15:04")
}

// conflictMessage says who changed a record and when, the instant shown in
// the enterprise's zone in the user's language.
func (v *View) conflictMessage(ce *model.ConflictError) string {
	return v.T("err.conflict", "by", ce.By, "at", v.DateTime(ce.At))
}

// Asset returns the cache-busting URL of a static file.
func (v *View) Asset(name string) string { return v.h.assets.url(name) }

// OrgPath returns the full path of an org unit's name.
func (v *View) OrgPath(id uint64) string { return v.h.store.OrgTree().Path(id) }

// Vals returns the query values of the current request (for list forms).
func (v *View) Vals() map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(v.Query, "&") {
		k, val, _ := strings.Cut(kv, "=")
		if k != "" {
			out[unescape(k)] = unescape(val)
		}
	}
	return out
}

// isFragment reports whether the request wants only the page's content: an
// HTMX request that is not a history restore.
func isFragment(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" && c.Get("HX-History-Restore-Request") != "true"
}

// render writes template name with v: the content alone for an HTMX request,
// wrapped in the layout otherwise. Both are rendered into buffers first, so a
// template error becomes a 500 page, never a half page with status 200.
func (h *Handler) render(c *fiber.Ctx, status int, name string, v *View) error {
	c.Vary("HX-Request")
	if v.Flash == "" {
		v.Flash = h.takeFlash(c, v.Lang)
	}
	var body bytes.Buffer
	if err := h.engine.Render(&body, name, v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	if isFragment(c) && v.Layout == "" {
		// The fragment carries the page title and the navigation (its active
		// link) out of band, so a boosted navigation updates both.
		var frag bytes.Buffer
		frag.WriteString("<title>" + template.HTMLEscapeString(v.PageTitle()) + "</title>")
		frag.Write(body.Bytes())
		if v.User != nil {
			v.NavOOB = true
			frag.WriteString(string(v.NavHTML()))
		}
		return c.Status(status).Send(frag.Bytes())
	}
	v.Content = template.HTML(body.String())
	var page bytes.Buffer
	page.Grow(body.Len() + 8<<10)
	if v.Layout == "" {
		if err := h.writeLayout(&page, "layouts/main", v); err != nil {
			return fmt.Errorf("render layout: %w", err)
		}
	} else if err := h.engine.Render(&page, v.Layout, v); err != nil {
		return fmt.Errorf("render layout: %w", err)
	}
	return c.Status(status).Send(page.Bytes())
}

// redirect sends the browser to url after a successful POST: a 303 for a
// plain form, an HX-Location (an HTMX GET into #main) for HTMX.
func (h *Handler) redirect(c *fiber.Ctx, url string) error {
	if c.Get("HX-Request") == "true" {
		c.Set("HX-Location", fmt.Sprintf(`{"path":%q,"target":"#main"}`, url))
		return c.SendStatus(fiber.StatusOK)
	}
	return c.Redirect(url, fiber.StatusSeeOther)
}

// formError re-renders a form with its field errors and status 422 when err is
// a validation error, or a conflict message with 409; other errors go to the
// error handler.
func (h *Handler) formError(c *fiber.Ctx, err error, name string, v *View) error {
	var ve *model.ValidationError
	var ce *model.ConflictError
	switch {
	case errors.As(err, &ve):
		v.Errors = map[string]string{}
		for _, f := range ve.Fields {
			v.Errors[f.Field] = h.i18n.TMap(v.Lang, f.Key, f.Args)
		}
		return h.render(c, fiber.StatusUnprocessableEntity, name, v)
	case errors.As(err, &ce):
		v.Errors = map[string]string{"_form": v.conflictMessage(ce)}
		return h.render(c, fiber.StatusConflict, name, v)
	}
	return err
}

// errorHandler turns every error into a translated page with the right
// status: 404 for missing or out-of-scope, 403, 409, 413, 422, else 500 with
// the cause logged (never shown).
func (h *Handler) errorHandler(c *fiber.Ctx, err error) error {
	if isAPIPath(c.Path()) {
		return h.apiErrorHandler(c, err)
	}
	status, key := fiber.StatusInternalServerError, "err.internal"
	var fe *fiber.Error
	var ce *model.ConflictError
	var se *model.StateError
	var ve *model.ValidationError
	switch {
	case errors.As(err, &fe):
		status = fe.Code
		switch fe.Code {
		case fiber.StatusNotFound:
			key = "err.not_found"
		case fiber.StatusRequestEntityTooLarge:
			key = "err.too_large"
		case fiber.StatusForbidden:
			key = "err.forbidden"
			if fe == errForeignOrigin {
				key = "sec.foreign_origin"
			}
		case fiber.StatusMethodNotAllowed:
			key = "err.not_found"
			status = fiber.StatusNotFound
		case fiber.StatusBadRequest:
			key = "err.bad_request"
		case fiber.StatusTooManyRequests:
			key = "err.too_many"
		default:
			if fe.Code < 500 {
				key = "err.bad_request"
			}
		}
	case errors.Is(err, model.ErrNotFound):
		status, key = fiber.StatusNotFound, "err.not_found"
	case errors.As(err, &se):
		status, key = fiber.StatusConflict, "err.state"
	case errors.Is(err, model.ErrNotAllowed):
		status, key = fiber.StatusForbidden, "err.forbidden"
	case errors.As(err, &ce):
		status, key = fiber.StatusConflict, "err.conflict"
	case errors.As(err, &ve):
		status, key = fiber.StatusUnprocessableEntity, "err.invalid"
	}
	if status >= 500 {
		h.log.Error("request failed", "req", requestID(c), "path", loggedPath(c.Path()), "err", err)
	}
	h.setSecurityHeaders(c)
	v := h.view(c, "err.title", nil)
	msg := h.i18n.T(v.Lang, key)
	if ce != nil {
		msg = v.conflictMessage(ce)
	}
	if se != nil {
		msg = h.i18n.T(v.Lang, key, "action", h.i18n.T(v.Lang, "action."+se.Action), "status", h.i18n.T(v.Lang, "status."+se.Status))
	}
	v.Data = map[string]any{"Status": status, "Message": msg}
	if rerr := h.render(c, status, "errors/error", v); rerr != nil {
		h.log.Error("error page failed", "err", rerr)
		return c.Status(status).SendString(msg)
	}
	return nil
}

// idParam reads a numeric route parameter; anything else is a 404.
func idParam(c *fiber.Ctx, name string) (uint64, error) {
	id, err := strconv.ParseUint(c.Params(name), 10, 64)
	if err != nil || id == 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// formUint reads a numeric form value; 0 when empty or not a number.
func formUint(c *fiber.Ctx, name string) uint64 {
	n, _ := strconv.ParseUint(strings.TrimSpace(c.FormValue(name)), 10, 64)
	return n
}

// read runs fn in a read transaction of the request (store.ViewFresh):
// every route but /readyz and the static files runs after syncVersions, so
// on a shared backend a page's reads float on what the process learned
// since the request's versions read instead of each waiting for a round of
// its own. Background work (workers.go) uses h.store.View.
func (h *Handler) read(fn func(*store.Tx) error) error {
	return h.store.ViewFresh(fn)
}

// scope is the current user's data scope, computed once per request before
// any transaction (ScopeFor may read the org tree in a transaction of its own).
func (h *Handler) scope(c *fiber.Ctx) store.Scope {
	if sc, ok := c.Locals(localScope).(store.Scope); ok {
		return sc
	}
	sc := h.store.ScopeFor(currentUser(c))
	c.Locals(localScope, sc)
	return sc
}

// need refuses the request with 403 unless the user holds p.
func need(c *fiber.Ctx, p model.Perm) error {
	if !currentUser(c).Can(p) {
		return model.ErrNotAllowed
	}
	return nil
}

// Field is one labelled input for the partials/field template.
type Field struct {
	Name, Label, Value, Type, Err, Mode, Auto string
	Required                                  bool
	Max                                       int
}

// F builds a Field: name is the form field, labelKey its catalog key; value
// is shown in the input (amounts as plain decimals, zero ids as empty).
func (v *View) F(name, labelKey string, value any, typ string, required bool) Field {
	f := Field{Name: name, Label: v.T(labelKey), Type: typ, Required: required, Err: v.Err(name)}
	switch x := value.(type) {
	case string:
		f.Value = x
	case model.Money:
		f.Value = x.Plain()
	case model.Qty:
		f.Value = x.String()
	case uint64:
		if x != 0 {
			f.Value = strconv.FormatUint(x, 10)
		}
	case nil:
	default:
		f.Value = fmt.Sprint(x)
	}
	switch typ {
	case "password":
		f.Auto = "new-password"
		if name == "current" {
			f.Auto = "current-password"
		}
	case "tel":
		f.Mode = "tel"
	case "money":
		f.Type, f.Mode = "text", "decimal"
	}
	if name == "username" {
		f.Auto = "username"
	}
	return f
}

func asValidation(err error, target **model.ValidationError) bool { return errors.As(err, target) }

func parseUint(s string) (uint64, error) { return strconv.ParseUint(strings.TrimSpace(s), 10, 64) }

// badgeClass colours a status badge; the text always says the status too.
var badgeClass = map[string]string{
	"active": "ok", "audited": "ok", "delivered": "ok", "converted": "ok", "closed": "",
	"inactive": "bad", "disabled": "bad", "rejected": "bad", "dead": "bad", "void": "bad",
	"draft": "warn", "submitted": "warn", "pending": "warn",
	"sent": "ok", "scheduled": "warn", "invalid": "bad",
	// Channel documents.
	"accepted": "ok", "won": "ok", "handled": "ok", "resolved": "ok", "recorded": "ok",
	"new": "warn", "in_progress": "warn", "needs_info": "warn", "lost": "bad", "expired": "",
}

// Badge renders a status as a coloured badge with its translated text
// (catalog key prefix + "." + status).
func (v *View) Badge(prefix string, status any) template.HTML {
	s := fmt.Sprint(status)
	return template.HTML(`<span class="badge ` + badgeClass[s] + `">` + template.HTMLEscapeString(v.T(prefix+"."+s)) + `</span>`)
}

// Now is the store clock's current instant, for "printed at" lines (shown
// through Date or DateTime, in the enterprise's zone).
func (v *View) Now() time.Time { return v.h.store.Now() }

// Bytes shows a file size as B, KB or MB.
func (v *View) Bytes(n int64) string {
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return strconv.FormatInt(n/1024, 10) + " KB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}

// formToken is the one-time token of a create form (hidden field _idem): the
// posted one when a form is shown again, else a new one carrying the
// second of the store's clock (store.NewFormToken: it places the token's
// key beside those posted at about the same time).
func (h *Handler) formToken(c *fiber.Ctx) string {
	if tok := c.FormValue("_idem"); tok != "" {
		return tok
	}
	return store.NewFormToken(h.store.Now())
}

// newOrEdit picks the title key for a form of a new (id 0) or existing record.
func newOrEdit(id uint64, newKey, editKey string) string {
	if id == 0 {
		return newKey
	}
	return editKey
}

// loadRouteDoc reads the record of the route's :id with get through the
// user's scope (a missing or out-of-scope id is a 404), then checks the
// module's permission with need. Every document page loads this way, so the
// scope is always applied before the roles.
func loadRouteDoc[T any](h *Handler, c *fiber.Ctx, get func(*store.Tx, store.Scope, uint64) (T, error), need func(*fiber.Ctx) error) (T, error) {
	var doc T
	id, err := idParam(c, "id")
	if err != nil {
		return doc, err
	}
	err = h.read(func(t *store.Tx) (err error) {
		doc, err = get(t, h.scope(c), id)
		return err
	})
	if err != nil {
		return doc, err
	}
	return doc, need(c)
}
