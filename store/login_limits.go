package store

import (
	"time"

	"dealerportal/store/kv"
)

// Login limits on a shared database. The handlers count failed logins per
// account, address and device (handlers/limiter.go); one process keeps the
// counts in memory, but several processes behind a load balancer must share
// them, or an attacker would get each process's allowance. So on a shared
// database the counts are records (bucket login_limits, key: the limiter's
// key, JSON value), read and changed in transactions, and purged by the
// workers once they no longer matter.

var bLoginLimits = []byte("login_limits")

func init() { allBuckets = append(allBuckets, bLoginLimits) }

// LoginLimit is the stored count of one limiter key.
type LoginLimit struct {
	First time.Time `json:"first,omitzero"` // start of the counting window; zero after a lock
	Count int       `json:"count,omitempty"`
	Until time.Time `json:"until,omitzero"` // end of the lock; zero when never locked
}

// LoginLimits returns the stored counts of keys (missing keys are absent).
func (s *Store) LoginLimits(keys []string) (map[string]LoginLimit, error) {
	out := map[string]LoginLimit{}
	err := s.View(func(t *Tx) error {
		clear(out) // fn may run again (Store.View)
		for _, k := range keys {
			var l LoginLimit
			if getJSON(t.b(bLoginLimits), []byte(k), &l) == nil {
				out[k] = l
			}
		}
		return nil
	})
	return out, err
}

// UpdateLoginLimits reads the counts of keys, lets change modify them (a
// key it deletes from the map is deleted) and writes them, in one
// transaction. change may run more than once.
func (s *Store) UpdateLoginLimits(keys []string, change func(now time.Time, m map[string]LoginLimit)) error {
	return s.Update("system", func(t *Tx) error {
		b := t.b(bLoginLimits)
		m := map[string]LoginLimit{}
		for _, k := range keys {
			var l LoginLimit
			if getJSON(b, []byte(k), &l) == nil {
				m[k] = l
			}
		}
		change(t.Now, m)
		for _, k := range keys {
			l, ok := m[k]
			if !ok {
				if err := b.Delete([]byte(k)); err != nil {
					return err
				}
				continue
			}
			if err := putJSON(b, []byte(k), &l); err != nil {
				return err
			}
		}
		return nil
	})
}

// PurgeLoginLimits deletes the counts that no longer matter: no lock in
// force and no window (of length window) still open. It returns how many.
func (s *Store) PurgeLoginLimits(window time.Duration) (int, error) {
	n := 0
	err := s.Update("system", func(t *Tx) error {
		n = 0
		c := t.b(bLoginLimits).Cursor()
		var stale [][]byte
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var l LoginLimit
			if decodeRecord(v, &l) != nil || !t.Now.Before(l.Until) && (l.First.IsZero() || !t.Now.Before(l.First.Add(window))) {
				stale = append(stale, append([]byte(nil), k...))
			}
		}
		for _, k := range stale {
			if err := t.b(bLoginLimits).Delete(k); err != nil {
				return err
			}
		}
		n = len(stale)
		return nil
	})
	return n, err
}

// migrateLoginLimits creates the bucket of login limits.
func migrateLoginLimits(tx kv.Tx) error {
	_, err := tx.CreateBucketIfNotExists(bLoginLimits)
	return err
}
