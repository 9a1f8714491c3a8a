package handlers

import (
	"time"

	"dealerportal/store"
)

// The login limiter on a shared database: the same counting rule
// (limitEntry.fail) on records of the store, each change in one write
// transaction, so that failures through any process count against the same
// keys. A successful login writes only when there was a count to clear.

func limitKeyNames(keys []limitKey) []string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.key
	}
	return names
}

func (l *loginLimiter) lockedForShared(keys []limitKey) time.Duration {
	m, err := l.st.LoginLimits(limitKeyNames(keys))
	if err != nil {
		// The database does not answer: the login fails on it anyway.
		return 0
	}
	now := l.now()
	var wait time.Duration
	for _, e := range m {
		if now.Before(e.Until) {
			wait = max(wait, e.Until.Sub(now))
		}
	}
	return wait
}

func (l *loginLimiter) failShared(keys []limitKey) {
	_ = l.st.UpdateLoginLimits(limitKeyNames(keys), func(now time.Time, m map[string]store.LoginLimit) {
		for _, k := range keys {
			s := m[k.key]
			e := limitEntry{first: s.First, count: s.Count, until: s.Until}
			e.fail(now, k.limit)
			m[k.key] = store.LoginLimit{First: e.first, Count: e.count, Until: e.until}
		}
	})
}

func (l *loginLimiter) succeedShared(keys []limitKey) {
	names := limitKeyNames(keys)
	if m, err := l.st.LoginLimits(names); err != nil || len(m) == 0 {
		return
	}
	_ = l.st.UpdateLoginLimits(names, func(_ time.Time, m map[string]store.LoginLimit) { clear(m) })
}
