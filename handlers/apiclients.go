package handlers

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/webhooks"

	"github.com/gofiber/fiber/v2"
)

const (
	tplAPIClients    = "apiclients/list"
	tplAPIClientForm = "apiclients/form"
	tplAPIClient     = "apiclients/show"
	tplAPIDeliveries = "apiclients/deliveries"
)

// API clients (接口客户端, SPEC §6): the admin creates the clients of the
// integration API, grants their scopes, issues and revokes their tokens,
// sets their webhook URL and watches their feed lag and webhook deliveries.
// Admins only. A token's secret and a new webhook secret are shown once, on
// the page after the POST that made them, and never again.
func (h *Handler) registerAPIClients(r fiber.Router) {
	h.reveals = &revealStash{m: map[string]reveal{}}
	r.Get("/settings/api", h.showAPIClients)
	r.Get("/settings/api/new", h.newAPIClient)
	r.Post("/settings/api", h.createAPIClient)
	r.Get("/settings/api/:id", h.showAPIClient)
	r.Get("/settings/api/:id/edit", h.editAPIClient)
	r.Post("/settings/api/:id", h.updateAPIClient)
	r.Post("/settings/api/:id/tokens", h.issueAPIToken)
	r.Post("/settings/api/:id/tokens/:token/revoke", h.revokeAPIToken)
	r.Post("/settings/api/:id/webhook-secret", h.showWebhookSecret)
	r.Post("/settings/api/:id/webhook-secret/rotate", h.rotateWebhookSecret)
	r.Get("/settings/api/:id/deliveries", h.showWebhookDeliveries)
	r.Post("/settings/api/:id/deliveries/resend", h.resendDeadWebhooks)
	r.Post("/settings/api/:id/deliveries/replay", h.replayWebhooks)
	r.Post("/settings/api/:id/deliveries/:delivery/resend", h.resendWebhook)
}

// startWebhooks runs the webhook delivery worker until ctx ends.
func (h *Handler) startWebhooks(ctx context.Context, wg *sync.WaitGroup) {
	w := &webhooks.Worker{Store: h.store, Log: h.log}
	w.Start(ctx, wg)
}

// --- the one-time display of secrets ---

// revealTTL is how long a secret waits for the page that shows it.
const revealTTL = 10 * time.Minute

// reveal is a secret on its way to the page that shows it once.
type reveal struct {
	Session string
	Client  uint64
	// Kind is "token" or "secret" (a webhook secret).
	Kind   string
	Secret string
	until  time.Time
}

// revealStash keeps each new secret between the POST that made it and the
// page after it, in memory only (never in the file, a cookie or a URL),
// for the session that made it, until it is shown or revealTTL passes. A
// restart loses it: the admin then revokes the token and issues another.
type revealStash struct {
	mu sync.Mutex
	m  map[string]reveal
}

// put keeps r and returns the id the next page names it by.
func (s *revealStash) put(r reveal) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for id, x := range s.m {
		if now.After(x.until) {
			delete(s.m, id)
		}
	}
	id := randomHex(16)
	r.until = now.Add(revealTTL)
	s.m[id] = r
	return id
}

// take returns and forgets the secret id names, when it belongs to this
// session and client and has not expired.
func (s *revealStash) take(id, session string, client uint64) (reveal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[id]
	if !ok || r.Session != session || r.Client != client {
		return reveal{}, false
	}
	delete(s.m, id)
	return r, time.Now().Before(r.until)
}

// sessionKey names the admin's session for the stash.
func sessionKey(c *fiber.Ctx) string {
	if s := currentSession(c); s != nil {
		return s.ID
	}
	return ""
}

// --- the list ---

// apiClientRow is one line of the list.
type apiClientRow struct {
	*model.APIClient
	LastUsed time.Time
	LastIP   string
	// Behind is how many feed events follow the client's acknowledged
	// position; Oldest when the first of them happened.
	Behind  int
	Oldest  time.Time
	Pending int
	Dead    int
}

// lastUsed is the latest use of any of the client's tokens (the buffered
// uses not yet written included).
func (h *Handler) lastUsed(toks []*model.APIToken) (time.Time, string) {
	var at time.Time
	var ip string
	for _, tok := range toks {
		if t, addr := h.lastUse(tok); t.After(at) {
			at, ip = t, addr
		}
	}
	return at, ip
}

func (h *Handler) showAPIClients(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	var rows []apiClientRow
	err := h.store.View(func(t *store.Tx) error {
		clients, err := t.APIClients()
		if err != nil {
			return err
		}
		for _, cl := range clients {
			toks, err := t.APITokens(cl.ID)
			if err != nil {
				return err
			}
			r := apiClientRow{APIClient: cl}
			r.LastUsed, r.LastIP = h.lastUsed(toks)
			r.Behind, r.Oldest = t.FeedLag(cl)
			r.Pending, r.Dead = t.WebhookCounts(cl.ID)
			rows = append(rows, r)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplAPIClients, h.view(c, "api_admin.title", rows))
}

// --- create and edit ---

type apiClientFormData struct {
	Client   *model.APIClient
	Families []model.APIFamily
	Orgs     []model.Node
	AllowIPs string
	// Rate is the rate limit as typed (a form shown again keeps what could
	// not be read as a number).
	Rate  string
	Token string
}

func (h *Handler) apiClientFormView(c *fiber.Ctx, cl *model.APIClient) *View {
	d := &apiClientFormData{Client: cl, Families: model.APIFamilies, Orgs: h.store.OrgTree().Flatten(),
		AllowIPs: strings.Join(cl.AllowIPs, "\n"), Rate: strconv.Itoa(cl.RateLimit), Token: formToken(c)}
	if c.Method() == fiber.MethodPost {
		d.Rate = c.FormValue("rate_limit")
	}
	return h.view(c, newOrEdit(cl.ID, "api_admin.new", "api_admin.edit"), d)
}

// loadAPIClient returns the client of the route; 403 for anyone but an
// admin, 404 for an unknown id.
func (h *Handler) loadAPIClient(c *fiber.Ctx) (*model.APIClient, error) {
	if err := need(c, model.PermAdmin); err != nil {
		return nil, err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	var cl *model.APIClient
	err = h.store.View(func(t *store.Tx) (err error) { cl, err = t.APIClient(id); return })
	return cl, err
}

func (h *Handler) newAPIClient(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	cl := &model.APIClient{RateLimit: model.APIRateDefault, Scopes: []model.APIScope{model.ScopeOf(model.APIEvents, false)}}
	return h.render(c, fiber.StatusOK, tplAPIClientForm, h.apiClientFormView(c, cl))
}

func (h *Handler) editAPIClient(c *fiber.Ctx) error {
	cl, err := h.loadAPIClient(c)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplAPIClientForm, h.apiClientFormView(c, cl))
}

func (h *Handler) createAPIClient(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	return h.saveAPIClient(c, &model.APIClient{})
}

func (h *Handler) updateAPIClient(c *fiber.Ctx) error {
	cl, err := h.loadAPIClient(c)
	if err != nil {
		return err
	}
	return h.saveAPIClient(c, cl)
}

// readAPIClientForm copies the form into cl. A family granted for writing
// is kept as the write grant alone (write includes read).
func readAPIClientForm(c *fiber.Ctx, cl *model.APIClient, ve *model.ValidationError) {
	cl.Name, cl.WebhookURL = c.FormValue("name"), c.FormValue("webhook_url")
	picked := formValues(c, "scopes")
	cl.Scopes = nil
	for _, f := range model.APIFamilies {
		switch {
		case slices.Contains(picked, string(model.ScopeOf(f, true))):
			cl.Scopes = append(cl.Scopes, model.ScopeOf(f, true))
		case slices.Contains(picked, string(model.ScopeOf(f, false))):
			cl.Scopes = append(cl.Scopes, model.ScopeOf(f, false))
		}
	}
	cl.OrgUnits = formUints(c, "org_units")
	cl.AllowIPs = nil
	for _, line := range strings.Split(c.FormValue("allow_ips"), "\n") {
		if s := strings.TrimSpace(line); s != "" {
			cl.AllowIPs = append(cl.AllowIPs, s)
		}
	}
	rate, err := strconv.Atoi(strings.TrimSpace(c.FormValue("rate_limit")))
	if err != nil {
		ve.Add("rate_limit", "err.number", nil)
	}
	cl.RateLimit = rate
	cl.Disabled = c.FormValue("disabled") == "1"
	cl.Version = formUint(c, "version")
}

// saveAPIClient creates (once per form token) or updates a client with its
// audit entry; a webhook URL without a secret gets one (store).
func (h *Handler) saveAPIClient(c *fiber.Ctx, cl *model.APIClient) error {
	u := currentUser(c)
	isNew := cl.ID == 0
	ve := &model.ValidationError{}
	readAPIClientForm(c, cl, ve)
	ver := cl.Version
	err := ve.Err()
	if err != nil {
		// Report the model's reasons too, not only the unreadable number.
		err = mergeErrors(ve, cl.Validate())
	} else {
		err = h.store.Update(u.Username, func(t *store.Tx) error {
			return saveOnce(c, t, u, &cl.ID, isNew, func() (uint64, error) {
				if err := t.SaveAPIClient(cl); err != nil {
					return 0, err
				}
				if isNew {
					return cl.ID, t.Log("api_client", cl.ID, "api_client.create", cl.Name)
				}
				return cl.ID, t.Log("api_client", cl.ID, "api_client.update", cl.Name)
			})
		})
	}
	if err != nil {
		if isNew {
			cl.ID = 0
		}
		cl.Version = ver
		return h.formError(c, err, tplAPIClientForm, h.apiClientFormView(c, cl))
	}
	h.setFlash(c, map[bool]string{true: "flash.created", false: "flash.saved"}[isNew])
	return h.redirect(c, "/settings/api/"+itoa(cl.ID))
}

// --- one client: settings, tokens, webhook secret ---

// apiTokenRow is one token of a client as the admin sees it: never the
// secret, only its first characters.
type apiTokenRow struct {
	*model.APIToken
	LastUsed time.Time
	LastIP   string
	// State is active, expired or revoked.
	State string
}

type apiClientPage struct {
	Client  *model.APIClient
	Tokens  []apiTokenRow
	Behind  int
	Oldest  time.Time
	Pending int
	Dead    int
	// Reveal is the secret made by the previous POST, shown this once;
	// RevealGone says the page was asked for one that was shown already.
	Reveal     *reveal
	RevealGone bool
	// Secret is the current webhook secret, when the admin asked to see it.
	Secret string
	// Expires is the issue form's expiry date; Token its one-time token.
	Expires  string
	Token    string
	Activity []*store.Activity
}

func (h *Handler) apiClientView(c *fiber.Ctx, cl *model.APIClient) (*View, error) {
	d := &apiClientPage{Client: cl, Token: formToken(c), Expires: c.FormValue("expires_at")}
	if d.Expires == "" {
		d.Expires = model.DateOf(h.store.Now().AddDate(1, 0, 0), h.store.Zone())
	}
	now := h.store.Now()
	err := h.store.View(func(t *store.Tx) error {
		toks, err := t.APITokens(cl.ID)
		if err != nil {
			return err
		}
		for _, tok := range toks {
			r := apiTokenRow{APIToken: tok, State: "active"}
			r.LastUsed, r.LastIP = h.lastUse(tok)
			switch {
			case !tok.RevokedAt.IsZero():
				r.State = "revoked"
			case !tok.Active(now):
				r.State = "expired"
			}
			d.Tokens = append(d.Tokens, r)
		}
		d.Behind, d.Oldest = t.FeedLag(cl)
		d.Pending, d.Dead = t.WebhookCounts(cl.ID)
		d.Activity = t.ActivityOf("api_client", cl.ID, 20)
		return nil
	})
	return h.view(c, "api_admin.client", d), err
}

// showAPIClient shows the client; ?reveal= names a secret made by the
// previous POST, shown once.
func (h *Handler) showAPIClient(c *fiber.Ctx) error {
	cl, err := h.loadAPIClient(c)
	if err != nil {
		return err
	}
	v, err := h.apiClientView(c, cl)
	if err != nil {
		return err
	}
	if id := c.Query("reveal"); id != "" {
		d := v.Data.(*apiClientPage)
		if r, ok := h.reveals.take(id, sessionKey(c), cl.ID); ok {
			d.Reveal = &r
		} else {
			d.RevealGone = true
		}
	}
	return h.render(c, fiber.StatusOK, tplAPIClient, v)
}

// expiryOf reads the issue form's date: the token is valid through that
// day in the enterprise's zone.
func (h *Handler) expiryOf(s string) (time.Time, error) {
	d, err := model.ParseDate(s)
	if err != nil || d == "" {
		return time.Time{}, model.Invalid("expires_at", "api.err_expiry")
	}
	day, err := time.ParseInLocation(model.DateLayout, d, h.store.Zone())
	if err != nil {
		return time.Time{}, model.Invalid("expires_at", "api.err_expiry")
	}
	return day.AddDate(0, 0, 1), nil
}

// issueAPIToken makes a token (once per form token: a double click makes
// one, and both answers lead to the same one-time display) and sends the
// admin to the page that shows its secret once.
func (h *Handler) issueAPIToken(c *fiber.Ctx) error {
	cl, err := h.loadAPIClient(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	var rid string
	exp, err := h.expiryOf(c.FormValue("expires_at"))
	if err == nil {
		err = h.store.Update(u.Username, func(t *store.Tx) error {
			out, _, err := t.Once(u.ID, c.FormValue("_idem"), func() (string, error) {
				secret, tok, err := t.IssueAPIToken(cl.ID, exp)
				if err != nil {
					return "", err
				}
				if err := t.Log("api_client", cl.ID, "api_client.token_issue", tok.Prefix+"… "+model.DateOf(exp.Add(-time.Second), h.store.Zone())); err != nil {
					return "", err
				}
				return h.reveals.put(reveal{Session: sessionKey(c), Client: cl.ID, Kind: "token", Secret: secret}), nil
			})
			rid = out
			return err
		})
	}
	if err != nil {
		v, verr := h.apiClientView(c, cl)
		if verr != nil {
			return verr
		}
		return h.formError(c, err, tplAPIClient, v)
	}
	h.setFlash(c, "flash.api_token_issued")
	return h.redirect(c, "/settings/api/"+itoa(cl.ID)+"?reveal="+rid)
}

// revokeAPIToken ends a token at once: its next call is a 401.
func (h *Handler) revokeAPIToken(c *fiber.Ctx) error {
	cl, err := h.loadAPIClient(c)
	if err != nil {
		return err
	}
	tokID, err := idParam(c, "token")
	if err != nil {
		return err
	}
	err = h.store.Update(currentUser(c).Username, func(t *store.Tx) error {
		if err := t.RevokeAPIToken(cl.ID, tokID); err != nil {
			return err
		}
		return t.Log("api_client", cl.ID, "api_client.token_revoke", itoa(tokID))
	})
	if err != nil {
		return err
	}
	h.setFlash(c, "flash.api_token_revoked")
	return h.redirect(c, "/settings/api/"+itoa(cl.ID))
}

// showWebhookSecret shows the client's current webhook secret (kept in the
// clear because signing needs it) on the page itself, not in a URL; each
// look is in the activity log.
func (h *Handler) showWebhookSecret(c *fiber.Ctx) error {
	cl, err := h.loadAPIClient(c)
	if err != nil {
		return err
	}
	if cl.WebhookURL == "" {
		return model.ErrNotAllowed
	}
	if err := h.store.Update(currentUser(c).Username, func(t *store.Tx) error {
		return t.Log("api_client", cl.ID, "api_client.secret_show", "")
	}); err != nil {
		return err
	}
	v, err := h.apiClientView(c, cl)
	if err != nil {
		return err
	}
	v.Data.(*apiClientPage).Secret = cl.WebhookSecret
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.render(c, fiber.StatusOK, tplAPIClient, v)
}

// rotateWebhookSecret replaces the webhook secret at once and shows the new
// one once. Webhooks the receiver refuses meanwhile (signed with the secret
// it does not know yet) are retried, so none is lost while it is updated.
func (h *Handler) rotateWebhookSecret(c *fiber.Ctx) error {
	cl, err := h.loadAPIClient(c)
	if err != nil {
		return err
	}
	var rid string
	err = h.store.Update(currentUser(c).Username, func(t *store.Tx) error {
		secret, err := t.RotateWebhookSecret(cl.ID, formUint(c, "version"))
		if err != nil {
			return err
		}
		rid = h.reveals.put(reveal{Session: sessionKey(c), Client: cl.ID, Kind: "secret", Secret: secret})
		return t.Log("api_client", cl.ID, "api_client.secret_rotate", "")
	})
	if err != nil {
		v, verr := h.apiClientView(c, cl)
		if verr != nil {
			return verr
		}
		return h.formError(c, err, tplAPIClient, v)
	}
	h.setFlash(c, "flash.api_secret_rotated")
	return h.redirect(c, "/settings/api/"+itoa(cl.ID)+"?reveal="+rid)
}

// --- webhook deliveries ---

// deliveryRow is one webhook delivery with what its event was about.
type deliveryRow struct {
	*model.WebhookDelivery
	Event     string
	DocNumber string
	Customer  string
	// Error is the last failure, in the admin's language.
	Error string
}

type deliveriesPage struct {
	List
	Client   *model.APIClient
	Statuses []model.WebhookStatus
	Pending  int
	Dead     int
	// LastSeq is the feed's newest position (the replay form's bound).
	LastSeq uint64
}

// webhookErrorText translates a delivery's last failure; never a transport
// library's message.
func (h *Handler) webhookErrorText(l string, d *model.WebhookDelivery) string {
	switch d.LastError {
	case "":
		return ""
	case model.WebhookHTTP:
		return h.i18n.T(l, "api_admin.hook_err.http", "status", d.LastStatus)
	}
	if key := "api_admin.hook_err." + string(d.LastError); h.i18n.Has(key) {
		return h.i18n.T(l, key)
	}
	return h.i18n.T(l, "api_admin.hook_err.network")
}

// eventName is an event's name in the admin's language (its code when the
// catalog has none).
func (h *Handler) eventName(l string, e model.Event) string {
	if key := "event." + string(e); h.i18n.Has(key) {
		return h.i18n.T(l, key)
	}
	return string(e)
}

func (h *Handler) showWebhookDeliveries(c *fiber.Ctx) error {
	cl, err := h.loadAPIClient(c)
	if err != nil {
		return err
	}
	q := parseListQuery(c)
	status := model.WebhookStatus(q.Get("status"))
	if !slices.Contains(model.WebhookStatuses, status) {
		status = ""
	}
	l := lang(c)
	d := &deliveriesPage{Client: cl, Statuses: model.WebhookStatuses}
	var rows []deliveryRow
	err = h.store.View(func(t *store.Tx) error {
		ds, total, err := t.WebhookDeliveries(cl.ID, status, q.Page())
		if err != nil {
			return err
		}
		for _, dl := range ds {
			r := deliveryRow{WebhookDelivery: dl, Error: h.webhookErrorText(l, dl)}
			if ev, err := t.WebhookEvent(dl); err == nil {
				r.Event, r.DocNumber = h.eventName(l, ev.Event), ev.DocNumber
			}
			if cu, err := t.Customer(store.AdminScope(), dl.CustomerID); err == nil {
				r.Customer = cu.Code + " " + cu.Name
			}
			rows = append(rows, r)
		}
		d.List = List{Rows: rows, Query: q, Pager: q.Pager(total)}
		d.Pending, d.Dead = t.WebhookCounts(cl.ID)
		d.LastSeq = t.LastEventSeq()
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		loc := h.store.Zone()
		at := func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("2006-01-02 15:04:05")
		}
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			out = append(out, []string{r.WebhookID(), strconv.FormatUint(r.Seq, 10), r.Event, r.DocNumber, r.Customer,
				h.i18n.T(l, "api_admin.hook_status."+string(r.Status)), strconv.Itoa(r.Attempts), at(r.CreatedAt), at(r.LastTry),
				at(r.DeliveredAt), r.Error})
		}
		return h.export(c, q.Export, "webhooks", []string{"api_admin.hook_id", "api_admin.hook_seq", "api_admin.hook_event",
			"api_admin.hook_doc", "api_admin.hook_customer", "api_admin.hook_state", "api_admin.hook_attempts", "api_admin.hook_created",
			"api_admin.hook_last_try", "api_admin.hook_delivered", "api_admin.hook_error"}, out)
	}
	return h.render(c, fiber.StatusOK, tplAPIDeliveries, h.view(c, "api_admin.deliveries", d))
}

// resendWebhook puts one dead delivery back in its customer's queue.
func (h *Handler) resendWebhook(c *fiber.Ctx) error {
	cl, err := h.loadAPIClient(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "delivery")
	if err != nil {
		return err
	}
	err = h.store.Update(currentUser(c).Username, func(t *store.Tx) error {
		if err := t.ResendWebhook(cl.ID, id); err != nil {
			return err
		}
		return t.Log("api_client", cl.ID, "api_client.resend", "whd_"+itoa(id))
	})
	if err != nil {
		return err
	}
	h.setFlash(c, "flash.requeued")
	return h.redirect(c, "/settings/api/"+itoa(cl.ID)+"/deliveries?status=pending")
}

// resendDeadWebhooks puts every dead delivery of the client back.
func (h *Handler) resendDeadWebhooks(c *fiber.Ctx) error {
	cl, err := h.loadAPIClient(c)
	if err != nil {
		return err
	}
	err = h.store.Update(currentUser(c).Username, func(t *store.Tx) error {
		n, err := t.ResendDeadWebhooks(cl.ID)
		if err != nil {
			return err
		}
		return t.Log("api_client", cl.ID, "api_client.resend_all", strconv.Itoa(n))
	})
	if err != nil {
		return err
	}
	h.setFlash(c, "flash.requeued")
	return h.redirect(c, "/settings/api/"+itoa(cl.ID)+"/deliveries?status=pending")
}

// replayWebhooks queues the feed's events after the posted position once
// more, for a receiver that lost what it had received.
func (h *Handler) replayWebhooks(c *fiber.Ctx) error {
	cl, err := h.loadAPIClient(c)
	if err != nil {
		return err
	}
	after, perr := strconv.ParseUint(strings.TrimSpace(c.FormValue("after")), 10, 64)
	err = h.store.Update(currentUser(c).Username, func(t *store.Tx) error {
		if perr != nil || after > t.LastEventSeq() {
			return model.Invalid("after", "err.range")
		}
		n, err := t.ReplayWebhooks(cl.ID, after)
		if err != nil {
			return err
		}
		return t.Log("api_client", cl.ID, "api_client.replay", strconv.FormatUint(after, 10)+" → "+strconv.Itoa(n))
	})
	if ve := (*model.ValidationError)(nil); asValidation(err, &ve) {
		// The one field of a small form: say it in the flash, at the list.
		h.setFlash(c, "flash.api_replay_range")
		return h.redirect(c, "/settings/api/"+itoa(cl.ID)+"/deliveries")
	}
	if err != nil {
		return err
	}
	h.setFlash(c, "flash.requeued")
	return h.redirect(c, "/settings/api/"+itoa(cl.ID)+"/deliveries?status=pending")
}

// --- template helpers ---

// ScopeOn reports whether a form's box for family f (write or read) is
// ticked: a write grant ticks both.
func (v *View) ScopeOn(scopes []model.APIScope, f model.APIFamily, write bool) bool {
	return slices.Contains(scopes, model.ScopeOf(f, true)) || !write && slices.Contains(scopes, model.ScopeOf(f, false))
}

// ScopeText lists a client's grants in the view's language, one family
// after the other ("订单：读写；事件：只读").
func (v *View) ScopeText(scopes []model.APIScope) string {
	var parts []string
	for _, f := range model.APIFamilies {
		mode := ""
		switch {
		case slices.Contains(scopes, model.ScopeOf(f, true)):
			mode = "api_admin.mode_write"
		case slices.Contains(scopes, model.ScopeOf(f, false)):
			mode = "api_admin.mode_read"
		default:
			continue
		}
		parts = append(parts, v.T("api_admin.scope_item", "family", v.T("api_admin.family."+string(f)), "mode", v.T(mode)))
	}
	return strings.Join(parts, v.T("api_admin.scope_sep"))
}
