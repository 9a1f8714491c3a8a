package store

import (
	"errors"
	"strconv"
	"strings"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// Use cases. Every user action (create an invoice, audit it, approve a
// return…) is one exported Store method taking an Actor: it opens its own
// transaction, checks the data scope once at its top (ErrNotFound outside
// it), asks model's pure rules what is allowed, writes, and queues its
// outbox messages in that same transaction. Handlers parse the form, check
// the function permission once (handlers/perm layer), call the one method
// and render what it returns; they do not compose store calls inside a
// transaction of their own.

// Actor is who runs a use case: the signed-in user, the data scope the
// action is limited to, and the action's replay key.
type Actor struct {
	User  *model.User
	Scope Scope
	// Once is the action's replay key (a form's one-time token, or the
	// route, version and token of a document action): a second run with
	// the same user and key does nothing and returns the first run's
	// result. "" runs every time.
	Once string
	// Fingerprint identifies the request Once keys, for an ERP API call's
	// Idempotency-Key (a digest of its path and body): a repeat of the key
	// with another fingerprint is ErrKeyReused and does nothing. "" keys
	// by Once alone.
	Fingerprint string
	// Batched runs the use case in the group commit (Store.Batch), for
	// the API's calls that arrive many at once.
	Batched bool
	// Fresh says the action's request began with Sync (the handlers'
	// syncVersions does, on a shared backend, before any handler runs): a
	// read transaction the use case makes before its write may then answer
	// from what this process learned since, with no statement of its own
	// to learn that nothing changed (Store.viewFor, kv.ViewFresh).
	Fresh bool
}

// viewFor is View for a read transaction of a's use case: ViewFresh
// when a's request began with Sync (a.Fresh), else View.
func (s *Store) viewFor(a Actor, fn func(*Tx) error) error {
	if !a.Fresh {
		return s.View(fn)
	}
	return s.ViewFresh(fn)
}

// ViewFresh is View for a caller whose request began with Sync (the
// handlers' syncVersions, before any handler runs): on a shared backend it
// may answer from what this process learned since the request's versions
// read, with no statement of its own to learn that nothing changed
// (kv.ViewFresh); it still reads every commit acknowledged before the
// request arrived, and the request's own. Elsewhere it is View. Not for
// background work, which has no request to begin with Sync.
func (s *Store) ViewFresh(fn func(*Tx) error) error {
	return kv.ViewFresh(s.db, s.readTx(fn))
}

// ErrKeyReused refuses a repeat of an Actor's Once with another
// Fingerprint: an idempotency key sent again with another request.
var ErrKeyReused = errors.New("idempotency key reused with another request")

// act runs body as one user action: one update transaction, at most once
// per (a.User, a.Once). body returns the id of the record the action made
// or the browser shows next (0 for none); a replay returns the id the first
// run returned without running body. A failed body is not remembered, so a
// corrected post runs.
func (s *Store) act(a Actor, body func(t *Tx) (uint64, error)) (uint64, error) {
	return s.actAhead(a, nil, body)
}

// actAhead is act with a read-ahead: ahead, when not nil, gives the keys
// body will read, and is given the key the replay check reads (an empty
// Key when there is none); they are read in one go (kv.PrefetchKeys) in
// each run of the transaction, before the replay check, so that on
// PostgreSQL one round trip reads the check's key and body's. In a group
// commit (a.Batched) the keys of every action of the group are read in one
// round trip before the first runs (batchAhead), under the writers' lock.
func (s *Store) actAhead(a Actor, ahead func(t *Tx, replay kv.BucketKey) []kv.BucketKey, body func(t *Tx) (uint64, error)) (uint64, error) {
	var id uint64
	var keys func(t *Tx) []kv.BucketKey
	if ahead != nil {
		keys = func(t *Tx) []kv.BucketKey {
			var replay kv.BucketKey
			if a.Once != "" && len(a.Once) <= maxTokenKey {
				replay.Bucket, replay.Key = tokenKey(a.User.ID, a.Once)
			}
			return ahead(t, replay)
		}
	}
	run := s.Update
	if a.Batched {
		run = func(by string, fn func(*Tx) error) error { return s.batchAhead(by, keys, fn) }
	}
	err := run(a.User.Username, func(t *Tx) error {
		var err error
		if keys != nil && !a.Batched { // a group reads them before its first action (runGroup)
			kv.PrefetchKeys(t.tx, keys(t))
		}
		if a.Fingerprint == "" {
			id, _, err = t.Idempotent(a.User.ID, a.Once, func() (uint64, error) { return body(t) })
			return err
		}
		id, err = t.fingerprinted(a, body)
		return err
	})
	return id, err
}

// fingerprinted is act's replay check for a key with a fingerprint: it
// remembers "id fingerprint" as the key's text, and a repeat answers the
// id when the fingerprint is the same, else ErrKeyReused.
func (t *Tx) fingerprinted(a Actor, body func(t *Tx) (uint64, error)) (uint64, error) {
	var made uint64
	out, replay, err := t.Once(a.User.ID, a.Once, func() (string, error) {
		id, err := body(t)
		made = id
		return strconv.FormatUint(id, 10) + " " + a.Fingerprint, err
	})
	if err != nil || !replay {
		return made, err
	}
	idText, was, _ := strings.Cut(out, " ")
	if was != a.Fingerprint {
		return 0, ErrKeyReused
	}
	return strconv.ParseUint(idText, 10, 64)
}

// ReplayedID returns the id remembered for this user's key by a use case
// (see act), and whether the key was done.
func (t *Tx) ReplayedID(userID uint64, key string) (uint64, bool) {
	id, _, ok := t.ReplayedAction(userID, key)
	return id, ok
}

// actTo is act for an action whose answer is also a place to go (a result
// page with its query): body returns the id and that text, and a replay
// returns both as the first run did (ReplayedAction).
func (s *Store) actTo(a Actor, body func(t *Tx) (uint64, string, error)) (uint64, string, error) {
	var id uint64
	var to string
	err := s.Update(a.User.Username, func(t *Tx) error {
		var err error
		id, to, _, err = t.once(a.User.ID, a.Once, func() (uint64, string, error) { return body(t) })
		return err
	})
	return id, to, err
}

// ReplayedAction returns the id and the place to go remembered for this
// user's key by a use case (act, actTo: "" for none), and whether the key
// was done.
func (t *Tx) ReplayedAction(userID uint64, key string) (uint64, string, bool) {
	return t.remembered(tokenKey(userID, key))
}
