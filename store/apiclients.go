package store

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// The integration API's clients, tokens and the map of the ERP's own
// identifiers (external ids) to the portal's ids.
var (
	bAPIClients     = []byte("api_clients")
	bAPITokens      = []byte("api_tokens")
	bAPITokensByCli = []byte("api_tokens_by_client")
	bAPITokenByHash = []byte("api_tokens_by_hash")
	bExtIDs         = []byte("ext_ids")
	bExtOf          = []byte("ext_of")
)

// apiBuckets are created by migration 2.
var apiBuckets = [][]byte{bAPIClients, bAPITokens, bAPITokensByCli, bAPITokenByHash, bExtIDs, bExtOf, bAPIEvents, bAPIEventsByCust}

// apiActorBase puts the acting users of API clients in an id range of
// their own, far above any real user's, so that a client's idempotency
// records never meet a person's.
const apiActorBase = 1 << 48

// TokenPrefix starts every API token, so that a leaked one is recognisable
// (secret scanners, logs).
const TokenPrefix = "dpt_"

// APIClients returns every client, oldest first.
func (t *Tx) APIClients() ([]*model.APIClient, error) {
	var out []*model.APIClient
	err := t.b(bAPIClients).ForEach(func(_, v []byte) error {
		c := &model.APIClient{}
		if err := jsonUnmarshal(v, c); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// APIClient returns one client, or ErrNotFound.
func (t *Tx) APIClient(id uint64) (*model.APIClient, error) {
	c := &model.APIClient{}
	if err := t.getJSONID(t.b(bAPIClients), id, c); err != nil {
		return nil, err
	}
	return c, nil
}

// SaveAPIClient creates (ID 0) or updates a client after validating it and
// checking its version and org units. A webhook URL without a secret gets a
// new random secret. Acked is kept from the stored record: only the feed's
// acknowledgement moves it.
func (t *Tx) SaveAPIClient(c *model.APIClient) (err error) {
	defer keepOnError(&c.ID, &c.Meta, &err)()
	if err := c.Validate(); err != nil {
		return err
	}
	tree := t.OrgTree()
	for _, id := range c.OrgUnits {
		if tree.Unit(id) == nil {
			return model.Invalid("org_units", "err.choice")
		}
	}
	b := t.b(bAPIClients)
	if c.ID == 0 {
		if c.ID, err = nextID(b); err != nil {
			return err
		}
		t.stamp(c)
		c.Acked = t.LastEventSeq()
	} else {
		old, err := t.APIClient(c.ID)
		if err != nil {
			return err
		}
		if err := t.checkVersion(old, c); err != nil {
			return err
		}
		c.Acked = old.Acked
		if c.WebhookURL != "" && c.WebhookSecret == "" {
			c.WebhookSecret = old.WebhookSecret
		}
	}
	if c.WebhookURL != "" && c.WebhookSecret == "" {
		c.WebhookSecret = "whsec_" + randomToken(24)
	}
	return putJSON(b, itob(c.ID), c)
}

// SetAPIAcked moves a client's acknowledged feed position; it never moves
// backwards past what was acknowledged before, and never beyond the last
// event (model.ErrFeedAhead, an ErrNotFound, for a position the feed
// never had).
func (t *Tx) SetAPIAcked(clientID, seq uint64) error {
	c, err := t.APIClient(clientID)
	if err != nil {
		return err
	}
	if moved, err := c.Acknowledge(seq, t.LastEventSeq()); !moved || err != nil {
		return err
	}
	return putJSON(t.b(bAPIClients), itob(c.ID), c)
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenHash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// IssueAPIToken creates a token for the client valid until expires and
// returns the secret, which exists only in this return value: the file
// keeps its SHA-256.
func (t *Tx) IssueAPIToken(clientID uint64, expires time.Time) (string, *model.APIToken, error) {
	if _, err := t.APIClient(clientID); err != nil {
		return "", nil, err
	}
	if !expires.After(t.Now) || expires.After(t.Now.AddDate(0, 0, model.APITokenMaxDays)) {
		return "", nil, model.Invalid("expires_at", "api.err_expiry")
	}
	b := t.b(bAPITokens)
	id, err := nextID(b)
	if err != nil {
		return "", nil, err
	}
	secret := TokenPrefix + randomToken(32)
	tok := &model.APIToken{ID: id, ClientID: clientID, Prefix: secret[:len(TokenPrefix)+6], Hash: tokenHash(secret),
		ExpiresAt: expires.UTC(), CreatedAt: t.Now, CreatedBy: t.By}
	if err := t.b(bAPITokenByHash).Put([]byte(tok.Hash), itob(id)); err != nil {
		return "", nil, err
	}
	if err := t.b(bAPITokensByCli).Put(key(clientID, id), nil); err != nil {
		return "", nil, err
	}
	return secret, tok, putJSON(b, itob(id), tok)
}

// APITokens returns the client's tokens, newest first.
func (t *Tx) APITokens(clientID uint64) ([]*model.APIToken, error) {
	var out []*model.APIToken
	c := t.b(bAPITokensByCli).Cursor()
	p := itob(clientID)
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		tok, err := t.apiToken(btoi(k[8:]))
		if err != nil {
			return nil, err
		}
		out = append([]*model.APIToken{tok}, out...)
	}
	return out, nil
}

func (t *Tx) apiToken(id uint64) (*model.APIToken, error) {
	tok := &model.APIToken{}
	if err := t.getJSONID(t.b(bAPITokens), id, tok); err != nil {
		return nil, err
	}
	return tok, nil
}

// RevokeAPIToken ends a token at once; revoking it again changes nothing.
// ErrNotFound when the client has no such token.
func (t *Tx) RevokeAPIToken(clientID, tokenID uint64) error {
	tok, err := t.apiToken(tokenID)
	if err != nil || tok.ClientID != clientID {
		return model.ErrNotFound
	}
	if !tok.RevokedAt.IsZero() {
		return nil
	}
	tok.RevokedAt, tok.RevokedBy = t.Now, t.By
	return putJSON(t.b(bAPITokens), itob(tokenID), tok)
}

// APICaller resolves a presented token to the token and its client. It
// answers ErrNotFound for an unknown, expired or revoked token and for a
// disabled client alike, so that a caller learns nothing about which.
func (t *Tx) APICaller(secret string) (*model.APIToken, *model.APIClient, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return nil, nil, model.ErrNotFound
	}
	id := t.b(bAPITokenByHash).Get([]byte(tokenHash(secret)))
	if id == nil {
		return nil, nil, model.ErrNotFound
	}
	tok, err := t.apiToken(btoi(id))
	if err != nil {
		return nil, nil, err
	}
	cl, err := t.APIClient(tok.ClientID)
	if err != nil || !tok.Active(t.Now) || cl.Disabled {
		return nil, nil, model.ErrNotFound
	}
	return tok, cl, nil
}

// TouchAPITokens records when and from where tokens were last used (by
// token id); the API buffers the uses in memory and writes them here now
// and then.
func (t *Tx) TouchAPITokens(uses map[uint64]model.APIToken) error {
	for id, u := range uses {
		tok, err := t.apiToken(id)
		if err != nil {
			continue
		}
		if u.LastUsedAt.After(tok.LastUsedAt) {
			tok.LastUsedAt, tok.LastUsedIP = u.LastUsedAt, u.LastUsedIP
			if err := putJSON(t.b(bAPITokens), itob(id), tok); err != nil {
				return err
			}
		}
	}
	return nil
}

// APIScope is the data scope of a client: every customer, or those of its
// org subtrees, exactly as for a staff member with the same subtrees.
func (s *Store) APIScope(c *model.APIClient) Scope {
	if c == nil || c.Disabled {
		return Scope{}
	}
	return clientScope(c, s.OrgTree)
}

// clientScope is the customers c's org units reach (every customer when it
// names none), disabled or not; tree is called only for org units. Inside
// a transaction pass Tx.OrgTree, so that no second transaction is opened.
func clientScope(c *model.APIClient, tree func() *model.OrgTree) Scope {
	if len(c.OrgUnits) == 0 {
		return AdminScope()
	}
	return scopeFor(&model.User{Kind: model.KindStaff, Roles: []model.Role{model.RoleViewer}, ScopeMode: model.ScopeOrg, ScopeOrgs: c.OrgUnits}, tree)
}

// APIActor is the user a client acts as in the documents it writes: a staff
// member named "api:<client>" with the sales, finance and service roles
// (the client's own scopes decide what it may call), in an id range no
// person has. It is never stored and cannot log in.
func APIActor(c *model.APIClient) *model.User {
	return &model.User{ID: apiActorBase + c.ID, Username: "api:" + c.Name, Name: c.Name, Kind: model.KindStaff,
		Roles: []model.Role{model.RoleSales, model.RoleFinance, model.RoleService}, ScopeMode: model.ScopeOrg, ScopeOrgs: c.OrgUnits}
}

// External id kinds: what kind of record an external id names (the first
// part of its key in both maps). Every family of the API and every reader
// of its records names a kind by these constants, so that a record one
// family maps (a customer, a customer group, an outbound) is found under
// the same kind by every other. Document kinds are also the documents'
// type names on the wire (the event feed's document.type).
const (
	ExtProduct        = "product"
	ExtCategory       = "category"
	ExtPrice          = "price"
	ExtCustomer       = "customer"
	ExtCustomerGroup  = "customer_group"
	ExtLocation       = "location"
	ExtDealerUser     = "dealer_user"
	ExtSalesOrder     = "sales_order"
	ExtOnlineOrder    = "online_order"
	ExtReturnRequest  = "return_request"
	ExtChangeRequest  = "change_request"
	ExtDeliveryNotice = "delivery_notice"
	ExtOutbound       = "outbound"
	ExtReturnNotice   = "return_notice"
	ExtInvoice        = "invoice"
	ExtReceipt        = "receipt"
	ExtAdvanceReceipt = "advance_receipt"
	ExtRefund         = "refund"
	// ExtWriteOff maps a write-off's external id to its first record;
	// ExtWriteOffLine maps "<external id>#<n>" to its n-th record.
	ExtWriteOff       = "write_off"
	ExtWriteOffLine   = "write_off_line"
	ExtComplaint      = "complaint"
	ExtServiceRequest = "service_request"
	ExtOpportunity    = "opportunity"
	ExtStocktake      = "stocktake"
)

func extKey(kind string, ext string) []byte { return append([]byte(kind+"\x00"), ext...) }

func extOfKey(kind string, id uint64) []byte { return append([]byte(kind+"\x00"), itob(id)...) }

// ExternalID returns the portal id that the ERP's external id of a kind
// ("product", "customer", "invoice" …) maps to, or 0 when none does.
func (t *Tx) ExternalID(kind, ext string) uint64 {
	return btoi(t.b(bExtIDs).Get(extKey(kind, ext)))
}

// ExternalOf returns the external id of a portal record, or "".
func (t *Tx) ExternalOf(kind string, id uint64) string {
	return string(t.b(bExtOf).Get(extOfKey(kind, id)))
}

// SetExternalID maps an external id of a kind to a portal id. A record has
// at most one external id: a new one replaces the old. It refuses (a field
// error on external_id) an external id that belongs to another record.
func (t *Tx) SetExternalID(kind, ext string, id uint64) error {
	if ext == "" {
		return nil
	}
	b := t.b(bExtIDs)
	if err := putUnique(b, extKey(kind, ext), itob(id), "external_id"); err != nil {
		return err
	}
	of := t.b(bExtOf)
	if old := of.Get(extOfKey(kind, id)); old != nil && string(old) != ext {
		if err := b.Delete(extKey(kind, string(old))); err != nil {
			return err
		}
	}
	return of.Put(extOfKey(kind, id), []byte(ext))
}

// migrateAPI creates the integration API's buckets (migration 2).
func migrateAPI(tx kv.Tx) error {
	for _, name := range apiBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}
