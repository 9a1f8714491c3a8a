package store

import (
	"bytes"
	"encoding/json"
	"time"

	"dealerportal/model"
)

// Session is the server-side record of a login. The browser's cookie carries
// only its signed id, so deleting the record ends the session at once.
type Session struct {
	ID        string    `json:"id"`
	UserID    uint64    `json:"user_id"`
	Epoch     uint64    `json:"epoch"`
	CSRF      string    `json:"csrf"`
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`
	ExpiresAt time.Time `json:"expires_at"`
	IP        string    `json:"ip,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
}

// SaveSession writes a session record (new or touched).
func (t *Tx) SaveSession(s *Session) error {
	t.authChanged()
	if err := t.b(bSessionsByUser).Put(append(itob(s.UserID), s.ID...), nil); err != nil {
		return err
	}
	return putJSON(t.b(bSessions), []byte(s.ID), s)
}

// Session returns the session with id, or ErrNotFound (also when expired).
func (t *Tx) Session(id string) (*Session, error) {
	s := &Session{}
	if err := getJSON(t.b(bSessions), []byte(id), s); err != nil {
		return nil, err
	}
	if !t.Now.Before(s.ExpiresAt) {
		return nil, model.ErrNotFound
	}
	return s, nil
}

// DeleteSession ends one session; a missing one is not an error.
func (t *Tx) DeleteSession(id string) error {
	s := &Session{}
	if err := getJSON(t.b(bSessions), []byte(id), s); err != nil {
		return nil
	}
	t.authChanged()
	if err := t.b(bSessionsByUser).Delete(append(itob(s.UserID), s.ID...)); err != nil {
		return err
	}
	return t.b(bSessions).Delete([]byte(id))
}

// deleteUserSessions ends every session of user uid.
func (t *Tx) deleteUserSessions(uid uint64) error {
	prefix := itob(uid)
	var ids [][]byte
	c := t.b(bSessionsByUser).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		ids = append(ids, bytes.Clone(k))
	}
	if len(ids) > 0 {
		t.authChanged()
	}
	for _, k := range ids {
		if err := t.b(bSessions).Delete(k[8:]); err != nil {
			return err
		}
		if err := t.b(bSessionsByUser).Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// EndUserSessions ends every session of user uid (logout everywhere).
func (t *Tx) EndUserSessions(uid uint64) error { return t.deleteUserSessions(uid) }

// UserSessionCount counts the live sessions of a user.
func (t *Tx) UserSessionCount(uid uint64) int {
	prefix := itob(uid)
	n := 0
	c := t.b(bSessionsByUser).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if s, err := t.Session(string(k[8:])); err == nil && s != nil {
			n++
		}
	}
	return n
}

// PurgeSessions deletes expired sessions; it returns how many.
func (s *Store) PurgeSessions() (int, error) {
	n := 0
	err := s.Update("system", func(t *Tx) error {
		var expired []*Session
		_ = t.b(bSessions).ForEach(func(_, v []byte) error {
			se := &Session{}
			if jsonErr := json.Unmarshal(v, se); jsonErr == nil && !t.Now.Before(se.ExpiresAt) {
				expired = append(expired, se)
			}
			return nil
		})
		for _, se := range expired {
			if err := t.DeleteSession(se.ID); err != nil {
				return err
			}
		}
		n = len(expired)
		return nil
	})
	return n, err
}
