package handlers

import (
	"time"

	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// apiWhoAmI is the calling client as it sees itself: what it may do, and
// when its token ends. An integrator's first call, to test a token.
type apiWhoAmI struct {
	Client    string      `json:"client" doc:"The client's name."`
	Scopes    []string    `json:"scopes" doc:"Grants such as orders:write (write includes read)."`
	OrgUnits  []apiOrgRef `json:"org_units" doc:"The org units whose customers the client reaches; empty: every customer."`
	RateLimit int         `json:"rate_limit" doc:"Requests a second (bursts of twice as many pass)."`
	ExpiresAt time.Time   `json:"token_expires_at"`
	Feed      uint64      `json:"acknowledged_events" doc:"How many feed events the client has acknowledged in all."`
}

// apiOrgRef names an org unit by its code.
type apiOrgRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func (h *Handler) apiMetaOps() []apiOp {
	return []apiOp{
		{Method: "GET", Path: "/openapi.json", ID: "getOpenAPI", Tag: "meta", Public: true,
			Summary: "This document (OpenAPI 3.1); no token needed.",
			Handle: func(c *fiber.Ctx, _ *apiCall) error {
				c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
				c.Set(fiber.HeaderCacheControl, "public, max-age=300")
				return c.Send(h.api.doc)
			}},
		{Method: "GET", Path: "/me", ID: "whoAmI", Tag: "meta", AnyScope: true,
			Summary: "The calling client: its scopes, org units, rate limit and token expiry.",
			Doc:     "Any valid token may call it, whatever its scopes: it is the way to test a token.",
			Result:  &apiWhoAmI{}, Handle: h.apiWhoAmI},
	}
}

func (h *Handler) apiWhoAmI(c *fiber.Ctx, a *apiCall) error {
	out := &apiWhoAmI{Client: a.Client.Name, Scopes: []string{}, OrgUnits: []apiOrgRef{}, RateLimit: a.Client.RateLimit,
		ExpiresAt: a.Token.ExpiresAt, Feed: a.Client.Acked}
	for _, s := range a.Client.Scopes {
		out.Scopes = append(out.Scopes, string(s))
	}
	return apiRead(h, c, a, func(t *store.Tx) (*apiWhoAmI, error) {
		out.OrgUnits = out.OrgUnits[:0] // read may run again (Store.View)
		tree := t.OrgTree()
		for _, id := range a.Client.OrgUnits {
			if u := tree.Unit(id); u != nil {
				out.OrgUnits = append(out.OrgUnits, apiOrgRef{Code: u.Code, Name: u.Name})
			}
		}
		return out, nil
	})
}
