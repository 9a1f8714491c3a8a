package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// One API client's page (admins): its settings and lag, its tokens (issue,
// revoke) and its signing secret (show, replace); a new token or secret is
// shown once, on the page after the POST that made it.

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

// put keeps r and returns the id the next page names it by: random, or
// for a form posted with one-time token once, one derived from the session
// and once, which a replay of the post (whose answer has no secret) names
// again without put.
func (s *revealStash) put(r reveal, once string) string {
	id := revealID(r.Session, once)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for id, x := range s.m {
		if now.After(x.until) {
			delete(s.m, id)
		}
	}
	r.until = now.Add(revealTTL)
	s.m[id] = r
	return id
}

// revealID is the id of the secret made by the post of form token once in
// session: unguessable without the session's id; random when once is "".
func revealID(session, once string) string {
	if once == "" {
		return randomHex(16)
	}
	sum := sha256.Sum256([]byte("reveal\x00" + session + "\x00" + once))
	return hex.EncodeToString(sum[:16])
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
	d := &apiClientPage{Client: cl, Token: h.formToken(c), Expires: c.FormValue("expires_at")}
	if d.Expires == "" {
		d.Expires = model.DateOf(h.store.Now().AddDate(1, 0, 0), h.store.Zone())
	}
	now := h.store.Now()
	err := h.read(func(t *store.Tx) error {
		d.Tokens = nil // fn may run again (Store.View)
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
	var rid string
	once := c.FormValue("_idem")
	exp, err := h.expiryOf(c.FormValue("expires_at"))
	if err == nil {
		var tok store.NewAPIToken
		tok, err = h.store.IssueAPITokenFor(store.Actor{User: currentUser(c), Once: once}, cl.ID, exp)
		if err == nil && tok.Secret != "" {
			rid = h.reveals.put(reveal{Session: sessionKey(c), Client: cl.ID, Kind: "token", Secret: tok.Secret}, once)
		} else if err == nil {
			rid = revealID(sessionKey(c), once) // a replay: the first post's page
		}
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
	if err := h.store.RevokeAPITokenOf(store.Actor{User: currentUser(c)}, cl.ID, tokID); err != nil {
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
	secret, err := h.store.ShowWebhookSecret(store.Actor{User: currentUser(c)}, cl.ID)
	if err != nil {
		return err
	}
	v, err := h.apiClientView(c, cl)
	if err != nil {
		return err
	}
	v.Data.(*apiClientPage).Secret = secret
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
	secret, err := h.store.RotateWebhookSecretOf(store.Actor{User: currentUser(c)}, cl.ID, formUint(c, "version"))
	if err != nil {
		v, verr := h.apiClientView(c, cl)
		if verr != nil {
			return verr
		}
		return h.formError(c, err, tplAPIClient, v)
	}
	rid := h.reveals.put(reveal{Session: sessionKey(c), Client: cl.ID, Kind: "secret", Secret: secret}, "")
	h.setFlash(c, "flash.api_secret_rotated")
	return h.redirect(c, "/settings/api/"+itoa(cl.ID)+"?reveal="+rid)
}
