package handlers

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"dealerportal/model"
	"dealerportal/store"

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
	err := h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
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
		AllowIPs: strings.Join(cl.AllowIPs, "\n"), Rate: strconv.Itoa(cl.RateLimit), Token: h.formToken(c)}
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
	err = h.read(func(t *store.Tx) (err error) { cl, err = t.APIClient(id); return })
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
	cl.OrgUnits = pickedIDs(c, "org_units")
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
	isNew := cl.ID == 0
	ve := &model.ValidationError{}
	readAPIClientForm(c, cl, ve)
	ver := cl.Version
	err := ve.Err()
	if err != nil {
		// Report the model's reasons too, not only the unreadable number.
		err = mergeErrors(ve, cl.Validate())
	} else {
		a := store.Actor{User: currentUser(c)}
		if isNew {
			a.Once = c.FormValue("_idem")
		}
		cl.ID, err = h.store.SaveAPIClientForm(a, cl)
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
