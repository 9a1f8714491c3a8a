package store

import (
	"strconv"
	"time"

	"dealerportal/model"
)

// The ERP API's administration (use cases, see actor.go): clients, their
// tokens and webhook secret, and their webhook deliveries; and a client's
// acknowledgement of the event feed. The admin permission (and, for the
// feed, the client's grant) is the caller's to check; these use cases
// check that the client exists (ErrNotFound) and what the model's rules
// allow.

// SaveAPIClientForm creates (ID 0; at most once per a.Once) or changes API
// client cl with its audit entry, and returns its id. Errors as
// SaveAPIClient's.
func (s *Store) SaveAPIClientForm(a Actor, cl *model.APIClient) (uint64, error) {
	form := *cl
	return s.act(a, func(t *Tx) (uint64, error) {
		*cl = form // the body may run twice (a retried transaction)
		action := "api_client.update"
		if cl.ID == 0 {
			action = "api_client.create"
		}
		if err := t.SaveAPIClient(cl); err != nil {
			return 0, err
		}
		return cl.ID, t.Log("api_client", cl.ID, action, cl.Name)
	})
}

// NewAPIToken is a token just issued: its id, and its secret, which exists
// only here ("" for a replay of a.Once: the first run's answer had it).
type NewAPIToken struct {
	ID     uint64
	Secret string
}

// IssueAPITokenFor issues a token of client clientID valid until expires
// (exclusive; the audit entry names its last day in the enterprise's zone)
// with its audit entry: at most once per a.Once. Errors as IssueAPIToken's.
func (s *Store) IssueAPITokenFor(a Actor, clientID uint64, expires time.Time) (NewAPIToken, error) {
	var out NewAPIToken
	id, err := s.act(a, func(t *Tx) (uint64, error) {
		secret, tok, err := t.IssueAPIToken(clientID, expires)
		if err != nil {
			return 0, err
		}
		out.Secret = secret
		last := model.DateOf(expires.Add(-time.Second), s.Zone())
		return tok.ID, t.Log("api_client", clientID, "api_client.token_issue", tok.Prefix+"… "+last)
	})
	out.ID = id
	if err != nil {
		return NewAPIToken{}, err
	}
	return out, nil
}

// RevokeAPITokenOf ends token tokenID of client clientID at once with its
// audit entry. Errors as RevokeAPIToken's.
func (s *Store) RevokeAPITokenOf(a Actor, clientID, tokenID uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		if err := t.RevokeAPIToken(clientID, tokenID); err != nil {
			return 0, err
		}
		return 0, t.Log("api_client", clientID, "api_client.token_revoke", strconv.FormatUint(tokenID, 10))
	})
	return err
}

// ShowWebhookSecret returns client clientID's webhook secret and records
// the look in the activity log. ErrNotAllowed for a client without a
// webhook URL.
func (s *Store) ShowWebhookSecret(a Actor, clientID uint64) (string, error) {
	var secret string
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		c, err := t.APIClient(clientID)
		if err != nil {
			return 0, err
		}
		if c.WebhookURL == "" {
			return 0, model.ErrNotAllowed
		}
		secret = c.WebhookSecret
		return 0, t.Log("api_client", clientID, "api_client.secret_show", "")
	})
	return secret, err
}

// RotateWebhookSecretOf gives client clientID (at the version the admin
// saw) a new webhook secret with its audit entry, and returns it. Errors as
// RotateWebhookSecret's.
func (s *Store) RotateWebhookSecretOf(a Actor, clientID, version uint64) (string, error) {
	var secret string
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		var err error
		if secret, err = t.RotateWebhookSecret(clientID, version); err != nil {
			return 0, err
		}
		return 0, t.Log("api_client", clientID, "api_client.secret_rotate", "")
	})
	return secret, err
}

// ResendWebhookOf puts dead webhook delivery id of client clientID back in
// its queue with its audit entry. Errors as ResendWebhook's.
func (s *Store) ResendWebhookOf(a Actor, clientID, id uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		if err := t.ResendWebhook(clientID, id); err != nil {
			return 0, err
		}
		return 0, t.Log("api_client", clientID, "api_client.resend", "whd_"+strconv.FormatUint(id, 10))
	})
	return err
}

// ResendDeadWebhooksOf puts every dead webhook delivery of client clientID
// back with one audit entry, and returns how many.
func (s *Store) ResendDeadWebhooksOf(a Actor, clientID uint64) (int, error) {
	var n int
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		var err error
		if n, err = t.ResendDeadWebhooks(clientID); err != nil {
			return 0, err
		}
		return 0, t.Log("api_client", clientID, "api_client.resend_all", strconv.Itoa(n))
	})
	return n, err
}

// ReplayWebhooksOf queues the feed's events after position after once
// more for client clientID with its audit entry, and returns how many. A
// position beyond the feed's last event is a ValidationError at "after"
// (model.CheckReplayAfter); other errors as ReplayWebhooks'.
func (s *Store) ReplayWebhooksOf(a Actor, clientID, after uint64) (int, error) {
	var n int
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		if err := model.CheckReplayAfter(after, t.LastEventSeq()); err != nil {
			return 0, err
		}
		var err error
		if n, err = t.ReplayWebhooks(clientID, after); err != nil {
			return 0, err
		}
		return 0, t.Log("api_client", clientID, "api_client.replay", strconv.FormatUint(after, 10)+" → "+strconv.Itoa(n))
	})
	return n, err
}

// AckFeed moves client clientID's acknowledged feed position to pos
// (model.APIClient.Acknowledge: never backwards; model.ErrFeedAhead beyond
// the feed's last event).
func (s *Store) AckFeed(a Actor, clientID, pos uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) { return 0, t.SetAPIAcked(clientID, pos) })
	return err
}
