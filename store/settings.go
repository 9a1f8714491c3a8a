package store

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"dealerportal/model"
	"dealerportal/store/kv"
)

var keyEnterprise = []byte("enterprise")

// Settings returns the enterprise settings, with defaults for a new file.
func (t *Tx) Settings() *model.Settings {
	s := model.DefaultSettings()
	_ = getJSON(t.b(bSettings), keyEnterprise, s)
	return s
}

// Settings is the one-transaction form of Tx.Settings, read from the
// process's copy: every page shows the enterprise's name, and the record
// changes only through SaveSettings, which drops the copy on commit. The
// caller gets its own copy (the struct holds strings and times only).
func (s *Store) Settings() *model.Settings {
	gen := s.settingsGen.Load()
	// Under the nested-transaction check the copy is not used, so that a
	// call inside a transaction is found whether the copy is warm or not.
	if c := s.settings.Load(); c != nil && c.gen == gen && !kv.NestedCheck() {
		out := c.s
		return &out
	}
	var out *model.Settings
	_ = s.View(func(t *Tx) error { out = t.Settings(); return nil })
	// A reader whose snapshot predates a concurrent save may not keep its
	// copy: the save moved the generation on commit.
	s.settings.Store(&settingsCopy{gen: gen, s: *out})
	return out
}

// settingsCopy is the cached settings record as of a settingsGen.
type settingsCopy struct {
	gen uint64
	s   model.Settings
}

// SaveSettings validates and stores the enterprise settings with optimistic locking.
func (t *Tx) SaveSettings(s *model.Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	old := t.Settings()
	if err := t.checkVersion(old, s); err != nil {
		return err
	}
	if err := putJSON(t.b(bSettings), keyEnterprise, s); err != nil {
		return err
	}
	loc := s.Location()
	t.zone = loc
	t.bumpVersion(verSettings)
	t.tx.OnCommit(func() {
		t.s.zone.Store(loc)
		t.s.settingsGen.Add(1)
	})
	return nil
}

// Idempotent runs create only the first time a form with this token is posted
// by this user; later posts of the same token return the first result. The
// token comes from a hidden field rendered with the form, so a double click or
// a retried POST on a slow link creates one record. A token longer than
// maxTokenKey is a ValidationError on "_idem", and create does not run.
func (t *Tx) Idempotent(userID uint64, token string, create func() (uint64, error)) (uint64, bool, error) {
	id, _, replay, err := t.once(userID, token, func() (uint64, string, error) {
		id, err := create()
		return id, "", err
	})
	return id, replay, err
}

// Once runs act the first time this user posts key and remembers the text
// it returns (where the first post sent the browser); a later post of the
// same key returns that text with replay true without running act. A failed
// act is not remembered, so a corrected post runs. An empty key always runs.
func (t *Tx) Once(userID uint64, key string, act func() (string, error)) (string, bool, error) {
	_, out, replay, err := t.once(userID, key, func() (uint64, string, error) {
		out, err := act()
		return 0, out, err
	})
	return out, replay, err
}

// remembered reads the record once kept under k in bucket b: the id and
// the text.
func (t *Tx) remembered(b, k []byte) (uint64, string, bool) {
	if v := t.b(b).Get(k); len(v) >= 16 {
		return btoi(v[8:16]), string(v[16:]), true
	}
	return 0, "", false
}

// bIdemByTime holds the form tokens that carry their issue second
// (NewFormToken): issue second (4 bytes) · user · the token after its
// time → the same value as bIdempotency's. The tokens of the forms posted
// together (one group commit) were issued at about the same time, so
// their keys share the bucket's last page instead of one page per user
// (schema 15). The second only places the key: it is not trusted for
// anything else, and retention counts from the use time in the value.
var bIdemByTime = []byte("idempotency_by_time")

func init() { allBuckets = append(allBuckets, bIdemByTime) }

// NewFormToken returns a new one-time form token (the hidden field _idem)
// issued at now: the issue second in 8 lower-case hex digits, a dot, and
// 32 random hex digits.
func NewFormToken(now time.Time) string {
	var r [16]byte
	_, _ = rand.Read(r[:]) // crypto/rand does not fail (Go 1.24+)
	return fmt.Sprintf("%08x.%x", uint32(max(now.Unix(), 0)), r)
}

// formTokenSecond returns the issue second of a token made by
// NewFormToken (exactly 8 lower-case hex digits, then a dot and at least
// one more character), and the rest after the dot; false for any other
// token (API keys, action keys, older forms' tokens).
func formTokenSecond(tok string) (uint32, string, bool) {
	if len(tok) < 10 || tok[8] != '.' {
		return 0, "", false
	}
	var sec uint32
	for i := range 8 {
		c := tok[i]
		switch {
		case '0' <= c && c <= '9':
			sec = sec<<4 | uint32(c-'0')
		case 'a' <= c && c <= 'f':
			sec = sec<<4 | uint32(c-'a'+10)
		default:
			return 0, "", false
		}
	}
	return sec, tok[9:], true
}

// tokenKey is where a user's token is remembered: a token with its issue
// second under that second in bIdemByTime, any other under user · token in
// bIdempotency. Both depend on the token alone, so a replay finds what the
// first post kept.
func tokenKey(userID uint64, tok string) (bucket, k []byte) {
	if sec, rest, ok := formTokenSecond(tok); ok {
		k = make([]byte, 12, 12+len(rest))
		binary.BigEndian.PutUint32(k, sec)
		binary.BigEndian.PutUint64(k[4:], userID)
		return bIdemByTime, append(k, rest...)
	}
	return bIdempotency, append(itob(userID), tok...)
}

// once keeps (user, key) → time, id, text for Idempotent and Once.
func (t *Tx) once(userID uint64, key string, run func() (uint64, string, error)) (uint64, string, bool, error) {
	if key == "" {
		id, out, err := run()
		return id, out, false, err
	}
	if len(key) > maxTokenKey {
		// Handlers refuse such tokens first; this keeps the key within
		// bbolt's limit whatever calls it, before run runs.
		return 0, "", false, model.Invalid("_idem", "err.form_token")
	}
	b, k := tokenKey(userID, key)
	if id, out, ok := t.remembered(b, k); ok {
		return id, out, true, nil
	}
	id, out, err := run()
	if err != nil {
		return 0, "", false, err
	}
	v := append(append(itob(uint64(t.Now.Unix())), itob(id)...), out...)
	return id, out, false, t.b(b).Put(k, v)
}

// maxTokenKey is the longest form token Idempotent keeps (a handler's own
// prefix, such as "act:", plus model.MaxFormToken).
const maxTokenKey = 2 * model.MaxFormToken

// IdempotencyRetention is how long a form token is remembered: a resubmitted
// form (a double click, a reload of the answer to a POST, a retry after a
// lost connection) comes within seconds or minutes, never days.
const IdempotencyRetention = 48 * time.Hour

// idemPurgeBatch bounds the tokens one purge transaction looks at.
const idemPurgeBatch = 5000

// PurgeIdempotency forgets form tokens used longer than age ago on the
// store clock (the use time in the value, whichever bucket keeps them), in
// transactions of at most idemPurgeBatch tokens (sweeps over the whole
// buckets that never hold writers up for long). The issue second in front
// of bIdemByTime's keys is a client's to send, so it does not decide.
func (s *Store) PurgeIdempotency(age time.Duration) error {
	cut := uint64(s.Now().Add(-age).Unix())
	for _, b := range [][]byte{bIdempotency, bIdemByTime} {
		_, err := s.sweep(b, idemPurgeBatch, func(_, v []byte) (bool, bool, error) {
			return len(v) >= 8 && btoi(v[:8]) < cut, false, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Secret returns the named random secret of n bytes, creating it on first use;
// it lives in the database so that restarts keep sessions valid.
func (s *Store) Secret(name string, n int) ([]byte, error) {
	var out []byte
	err := s.Update("system", func(t *Tx) error {
		k := []byte("secret:" + name)
		if v := t.b(bMeta).Get(k); len(v) == n {
			out = append([]byte(nil), v...)
			return nil
		}
		out = make([]byte, n)
		if _, err := rand.Read(out); err != nil {
			return err
		}
		return t.b(bMeta).Put(k, out)
	})
	return out, err
}

// UpdateSettings stores the enterprise settings form s (with the version
// the form showed) and its audit entry; the caller has checked that a.User
// administers the portal. ConflictError for a stale version,
// ValidationError for bad fields.
func (s *Store) UpdateSettings(a Actor, set *model.Settings) error {
	form := *set
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		*set = form
		if err := t.SaveSettings(set); err != nil {
			return 0, err
		}
		return 0, t.Log("settings", 0, "update", set.EnterpriseName+" · "+set.CurrencyCode+" · "+set.TimeZone)
	})
	return err
}
