package handlers

import (
	"slices"
	"sync"
	"time"

	"dealerportal/store"
)

// Login limits. Failures are counted per key in a window that starts at the
// key's first failure. The failure that reaches the limit locks the key for
// loginLock from that moment: a fixed end, since attempts while locked are
// refused without being counted and never extend the lock. When the lock
// ends the key starts from zero.
//
// Keys: an account, as tried from a browser where it has not logged in
// before; a client address; and an account in a browser where it has
// logged in before (its device cookie). Such a browser has its own count
// and is locked by neither the account's nor the address's lock, so that
// nobody can keep a user out of the browser they always use by failing logins
// in their name.
const (
	loginWindow    = 15 * time.Minute
	loginLock      = 15 * time.Minute
	loginPerUser   = 5
	loginPerAddr   = 20
	loginPerDevice = 5
	// loginMaxKeys bounds the limiter's memory; past it, expired counts go
	// first, then the counts that end soonest (locks last).
	loginMaxKeys = 100_000
)

// limitKey is one counter a login attempt is checked against, with its limit.
type limitKey struct {
	key   string
	limit int
}

// loginKeys are the counters of an attempt for user from addr; device is the
// id of the browser's device cookie for that user, "" when it has none.
func loginKeys(user, addr, device string) []limitKey {
	if device != "" {
		return []limitKey{{"d:" + device, loginPerDevice}}
	}
	return []limitKey{{"u:" + user, loginPerUser}, {"a:" + addr, loginPerAddr}}
}

type limitEntry struct {
	first time.Time // start of the counting window; zero after a lock
	count int
	until time.Time // end of the lock; zero when never locked
}

// expires is when the entry stops mattering.
func (e *limitEntry) expires() time.Time {
	end := e.until
	if !e.first.IsZero() && e.first.Add(loginWindow).After(end) {
		end = e.first.Add(loginWindow)
	}
	return end
}

// loginLimiter refuses logins for locked keys, even with the right password,
// which stops guessing. On the embedded file the counts live in memory: a
// restart forgets them, which only helps the honest user who was locked
// out. On a shared database (several processes) they are records of the
// store, so that every process counts every failure (limiter_shared.go).
// Its clock is the store's.
type loginLimiter struct {
	mu      sync.Mutex
	entries map[string]*limitEntry
	max     int
	now     func() time.Time
	// st keeps the counts when the database is shared; nil: in memory.
	st *store.Store
}

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{entries: map[string]*limitEntry{}, max: loginMaxKeys, now: now}
}

// lockedFor returns how long the longest lock among keys still lasts; 0 when
// none is locked.
func (l *loginLimiter) lockedFor(keys []limitKey) time.Duration {
	if l.st != nil {
		return l.lockedForShared(keys)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		if e := l.entries[k.key]; e != nil && now.Before(e.until) {
			wait = max(wait, e.until.Sub(now))
		}
	}
	return wait
}

// fail records a failed attempt against each key that is not locked.
func (l *loginLimiter) fail(keys []limitKey) {
	if l.st != nil {
		l.failShared(keys)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range keys {
		e := l.entries[k.key]
		if e == nil {
			if len(l.entries) >= l.max {
				l.evict(now)
			}
			e = &limitEntry{}
			l.entries[k.key] = e
		}
		e.fail(now, k.limit)
	}
}

// fail counts a failed attempt at now against a key of limit, unless the
// key is locked.
func (e *limitEntry) fail(now time.Time, limit int) {
	if now.Before(e.until) {
		return
	}
	if e.first.IsZero() || !now.Before(e.first.Add(loginWindow)) {
		e.first, e.count = now, 0
	}
	e.count++
	if e.count >= limit {
		e.until, e.first, e.count = now.Add(loginLock), time.Time{}, 0
	}
}

// succeed clears the counts of keys after a successful login.
func (l *loginLimiter) succeed(keys []limitKey) {
	if l.st != nil {
		l.succeedShared(keys)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		delete(l.entries, k.key)
	}
}

// evict makes room: it drops every entry that no longer matters, and when
// that is not enough a tenth of the entries, those that would end soonest
// (counts before locks). Called with l.mu held.
func (l *loginLimiter) evict(now time.Time) {
	for k, e := range l.entries {
		if !now.Before(e.expires()) {
			delete(l.entries, k)
		}
	}
	if len(l.entries) < l.max {
		return
	}
	type aged struct {
		key    string
		locked bool
		ends   time.Time
	}
	all := make([]aged, 0, len(l.entries))
	for k, e := range l.entries {
		all = append(all, aged{k, now.Before(e.until), e.expires()})
	}
	slices.SortFunc(all, func(a, b aged) int {
		if a.locked != b.locked {
			if a.locked {
				return 1
			}
			return -1
		}
		return a.ends.Compare(b.ends)
	})
	for _, a := range all[:len(all)-l.max*9/10] {
		delete(l.entries, a.key)
	}
}
