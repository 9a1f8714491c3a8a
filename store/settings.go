package store

import (
	"crypto/rand"
	"time"

	"dealerportal/model"
)

var keyEnterprise = []byte("enterprise")

// Settings returns the enterprise settings, with defaults for a new file.
func (t *Tx) Settings() *model.Settings {
	s := model.DefaultSettings()
	_ = getJSON(t.b(bSettings), keyEnterprise, s)
	return s
}

// Settings is the one-transaction form of Tx.Settings.
func (s *Store) Settings() (out *model.Settings) {
	_ = s.View(func(t *Tx) error { out = t.Settings(); return nil })
	return
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
	t.tx.OnCommit(func() { t.s.zone.Store(loc) })
	return nil
}

// Idempotent runs create only the first time a form with this token is posted
// by this user; later posts of the same token return the first result. The
// token comes from a hidden field rendered with the form, so a double click or
// a retried POST on a slow link creates one record.
func (t *Tx) Idempotent(userID uint64, token string, create func() (uint64, error)) (uint64, bool, error) {
	if token == "" {
		id, err := create()
		return id, false, err
	}
	k := append(itob(userID), token...)
	b := t.b(bIdempotency)
	if v := b.Get(k); len(v) >= 16 {
		return btoi(v[8:]), true, nil
	}
	id, err := create()
	if err != nil {
		return 0, false, err
	}
	return id, false, b.Put(k, append(itob(uint64(t.Now.Unix())), itob(id)...))
}

// PurgeIdempotency forgets form tokens older than age.
func (s *Store) PurgeIdempotency(age time.Duration) error {
	return s.Update("system", func(t *Tx) error {
		cut := uint64(t.Now.Add(-age).Unix())
		var old [][]byte
		_ = t.b(bIdempotency).ForEach(func(k, v []byte) error {
			if len(v) >= 8 && btoi(v[:8]) < cut {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
		for _, k := range old {
			if err := t.b(bIdempotency).Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
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
