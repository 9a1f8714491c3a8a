package model

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// APIFamily is one family of resources of the integration API (集成接口):
// the unit a client's scopes are granted in, read and write apart.
type APIFamily string

const (
	// APIProducts: products, categories and stock.
	APIProducts APIFamily = "products"
	// APICustomers: customers, locations and dealer users.
	APICustomers APIFamily = "customers"
	// APIPrices: customer prices and their quantity breaks.
	APIPrices APIFamily = "prices"
	// APIOrders: sales orders, delivery notices, outbounds, and the dealers'
	// online orders, returns and change requests.
	APIOrders APIFamily = "orders"
	// APIFinance: invoices, receipts, advance receipts, refunds, write-offs.
	APIFinance APIFamily = "finance"
	// APIEvents: the event feed and its acknowledgements.
	APIEvents APIFamily = "events"
)

// APIFamilies lists the families in display order.
var APIFamilies = []APIFamily{APIProducts, APICustomers, APIPrices, APIOrders, APIFinance, APIEvents}

// APIScope is one grant: a family and "read" or "write" ("orders:write").
// Write includes read.
type APIScope string

// ScopeOf returns the grant of a family for reading or writing.
func ScopeOf(f APIFamily, write bool) APIScope {
	if write {
		return APIScope(string(f) + ":write")
	}
	return APIScope(string(f) + ":read")
}

// Limits of an API client's settings.
const (
	// APIRateDefault is a new client's limit in requests per second.
	APIRateDefault = 100
	// APIRateMax is the highest limit an admin can set.
	APIRateMax = 10000
	// APIMaxAllowIPs bounds the allow-list.
	APIMaxAllowIPs = 50
	// APITokenMaxDays bounds a token's life: a token never lives forever.
	APITokenMaxDays = 3650
)

// APIClient (接口客户端) is one integrating system, typically the
// enterprise's ERP: what it may touch (scopes per family, and optionally
// only the customers of some org subtrees), from where (an IP allow-list),
// how fast (requests per second), and where its webhooks go. Its tokens
// are APITokens.
type APIClient struct {
	ID     uint64     `json:"id"`
	Name   string     `json:"name"`
	Scopes []APIScope `json:"scopes"`
	// OrgUnits limits the client to the customers of these org subtrees,
	// like a staff member's scope; empty means every customer.
	OrgUnits []uint64 `json:"org_units,omitempty"`
	// AllowIPs are addresses or CIDR prefixes; empty allows any address.
	AllowIPs []string `json:"allow_ips,omitempty"`
	// RateLimit in requests per second (bursts of twice as many pass).
	RateLimit int `json:"rate_limit"`
	// WebhookURL receives the event feed as signed POSTs; empty: no webhooks.
	WebhookURL string `json:"webhook_url,omitempty"`
	// WebhookSecret signs the webhooks (HMAC-SHA256). It is kept, not
	// hashed, because signing needs it; it is shown to the admin once.
	WebhookSecret string `json:"webhook_secret,omitempty"`
	Disabled      bool   `json:"disabled,omitempty"`
	// Acked is the feed position the client has acknowledged: events
	// after it stay on its feed.
	Acked uint64 `json:"acked,omitempty"`
	Meta
}

// Can reports whether the client holds the family's grant (write includes
// read). A disabled client can do nothing.
func (c *APIClient) Can(f APIFamily, write bool) bool {
	if c == nil || c.Disabled {
		return false
	}
	return slices.Contains(c.Scopes, ScopeOf(f, true)) || !write && slices.Contains(c.Scopes, ScopeOf(f, false))
}

// AllowsIP reports whether addr may call as this client.
func (c *APIClient) AllowsIP(addr string) bool {
	if len(c.AllowIPs) == 0 {
		return true
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, s := range c.AllowIPs {
		if p, err := netip.ParsePrefix(s); err == nil && p.Contains(a) {
			return true
		}
		if b, err := netip.ParseAddr(s); err == nil && b.Unmap() == a {
			return true
		}
	}
	return false
}

// Validate trims and checks the client's settings.
func (c *APIClient) Validate() error {
	v := &ValidationError{}
	c.Name = strings.TrimSpace(c.Name)
	c.WebhookURL = strings.TrimSpace(c.WebhookURL)
	if c.Name == "" {
		v.Add("name", "err.required", nil)
	} else if len([]rune(c.Name)) > 60 {
		v.Add("name", "err.too_long", map[string]any{"max": 60})
	}
	for _, s := range c.Scopes {
		f, mode, _ := strings.Cut(string(s), ":")
		if !slices.Contains(APIFamilies, APIFamily(f)) || mode != "read" && mode != "write" {
			v.Add("scopes", "err.choice", nil)
		}
	}
	if len(c.Scopes) == 0 {
		v.Add("scopes", "api.err_no_scope", nil)
	}
	if len(c.AllowIPs) > APIMaxAllowIPs {
		v.Add("allow_ips", "api.err_too_many_ips", map[string]any{"max": APIMaxAllowIPs})
	}
	for i, s := range c.AllowIPs {
		s = strings.TrimSpace(s)
		c.AllowIPs[i] = s
		if _, err := netip.ParsePrefix(s); err != nil {
			if _, err := netip.ParseAddr(s); err != nil {
				v.Add("allow_ips", "api.err_ip", map[string]any{"value": s})
			}
		}
	}
	if c.RateLimit < 1 || c.RateLimit > APIRateMax {
		v.Add("rate_limit", "err.range", map[string]any{"min": 1, "max": APIRateMax})
	}
	if c.WebhookURL != "" && !validWebhookURL(c.WebhookURL) {
		v.Add("webhook_url", "api.err_webhook_url", nil)
	}
	return v.Err()
}

func validWebhookURL(s string) bool {
	if len(s) > 500 {
		return false
	}
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(s, "http://")
	}
	return ok && rest != "" && !strings.ContainsAny(rest, " \t\r\n")
}

// APIToken (接口令牌) is one bearer token of a client. Only the SHA-256 of
// the secret is kept; Prefix (its first characters) lets the admin tell
// tokens apart. A token stops working at its expiry or revocation.
type APIToken struct {
	ID         uint64    `json:"id"`
	ClientID   uint64    `json:"client_id"`
	Prefix     string    `json:"prefix"`
	Hash       string    `json:"hash"`
	ExpiresAt  time.Time `json:"expires_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	RevokedBy  string    `json:"revoked_by,omitempty"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	LastUsedIP string    `json:"last_used_ip,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by,omitempty"`
}

// LastValid is the token's last valid instant: shown as a date, it is the
// day the admin chose as "valid through" (ExpiresAt is the next midnight).
func (t *APIToken) LastValid() time.Time { return t.ExpiresAt.Add(-time.Nanosecond) }

// Active reports whether the token may be used at now.
func (t *APIToken) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && now.Before(t.ExpiresAt)
}

// ErrFeedAhead refuses a feed position beyond the feed's last event (one
// the feed never had); it is an ErrNotFound.
var ErrFeedAhead = fmt.Errorf("%w: beyond the feed's last event", ErrNotFound)

// Acknowledge moves the client's acknowledged feed position to seq when it
// is ahead of it and reports whether it moved: never backwards, and never
// beyond last, the feed's last event (ErrFeedAhead).
func (c *APIClient) Acknowledge(seq, last uint64) (bool, error) {
	if seq > last {
		return false, ErrFeedAhead
	}
	if seq <= c.Acked {
		return false, nil
	}
	c.Acked = seq
	return true, nil
}

// FeedHold is the feed position up to which client c needs the feed's
// events kept, and whether it needs any: a disabled client none; one with
// a webhook URL the event before its first undelivered one (backlog gives
// that one's position, 0 when none; it is asked only for such a client);
// one that pulls the feed its acknowledgement; others none.
func (c *APIClient) FeedHold(backlog func() uint64) (uint64, bool) {
	switch {
	case c.Disabled:
	case c.WebhookURL != "":
		if start := backlog(); start > 0 {
			return start - 1, true
		}
	case c.Can(APIEvents, false):
		return c.Acked, true
	}
	return 0, false
}

// CheckReplayAfter refuses a webhook replay from a feed position beyond
// last, the feed's last event: a ValidationError at "after".
func CheckReplayAfter(after, last uint64) error {
	if after > last {
		return Invalid("after", "err.range")
	}
	return nil
}
