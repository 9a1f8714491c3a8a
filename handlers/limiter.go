package handlers

import (
	"sync"
	"time"
)

// loginLimiter counts failed logins per account and per client address in a
// sliding window. Past the limit, logins for that key are refused until the
// window has passed, even with the right password, which stops guessing.
// The counts live in memory: a restart forgets them, which only helps the
// honest user who was locked out.
type loginLimiter struct {
	mu       sync.Mutex
	failures map[string][]time.Time
	window   time.Duration
	perUser  int
	perAddr  int
	now      func() time.Time
}

// newLoginLimiter counts failures over a sliding window of elapsed time, not
// calendar time, so it reads the wall clock rather than the store's.
func newLoginLimiter() *loginLimiter {
	return &loginLimiter{failures: map[string][]time.Time{}, window: 15 * time.Minute, perUser: 5, perAddr: 20, now: time.Now}
}

func (l *loginLimiter) recent(key string) []time.Time {
	cut := l.now().Add(-l.window)
	list := l.failures[key]
	i := 0
	for i < len(list) && list[i].Before(cut) {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(l.failures, key)
	} else {
		l.failures[key] = list
	}
	return list
}

// blocked reports whether a login for user from addr must be refused now, and
// for how long still.
func (l *loginLimiter) blocked(user, addr string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range []struct {
		key   string
		limit int
	}{{"u:" + user, l.perUser}, {"a:" + addr, l.perAddr}} {
		if list := l.recent(k.key); len(list) >= k.limit {
			return true, list[0].Add(l.window).Sub(l.now())
		}
	}
	return false, 0
}

// fail records a failed attempt.
func (l *loginLimiter) fail(user, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.failures["u:"+user] = append(l.recent("u:"+user), now)
	l.failures["a:"+addr] = append(l.recent("a:"+addr), now)
	if len(l.failures) > 100000 {
		for k := range l.failures {
			l.recent(k)
		}
	}
}

// succeed clears the account's failures after a successful login.
func (l *loginLimiter) succeed(user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, "u:"+user)
}
