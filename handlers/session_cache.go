package handlers

import (
	"sync"

	"dealerportal/model"
	"dealerportal/store"
)

// signIns keeps what loadSession found for a session cookie — the session
// record, its user, whether the user may sign in, and the user's data scope
// — so that a signed-in page does not verify the cookie and decode the
// session, the user and the customer on every request. An entry is valid for
// the store's AuthGen (every committed write of a session, a user or a
// customer moves it on: a revoked session, a changed role, password, scope
// or customer status is read again by the next request) and OrgGen (the
// scope follows the org tree). On a shared database both also move for
// changes other processes commit: the request's first middleware
// (syncVersions) reads the database's versions record before this cache is
// consulted (store/versions.go). The key is the cookie's exact signed value,
// so only a cookie that once verified can hit; the session's own expiry is
// checked on every hit. The map is emptied when the generation moves, so it
// holds at most the sessions seen since the last such write.
type signIns struct {
	mu      sync.RWMutex
	gen     uint64
	orgGen  uint64
	entries map[string]*signIn
}

type signIn struct {
	sess  *store.Session
	user  *model.User
	scope store.Scope
}

// signInLimit bounds the map between two generations.
const signInLimit = 20000

// get returns the entry of cookie when it is as of gen and orgGen.
func (s *signIns) get(cookie string, gen, orgGen uint64) *signIn {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.gen != gen || s.orgGen != orgGen {
		return nil
	}
	return s.entries[cookie]
}

// put keeps e for cookie, read as of gen and orgGen; an entry read before a
// newer write is dropped.
func (s *signIns) put(cookie string, gen, orgGen uint64, e *signIn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen < s.gen || gen == s.gen && orgGen < s.orgGen {
		return
	}
	if s.entries == nil || gen != s.gen || orgGen != s.orgGen || len(s.entries) >= signInLimit {
		s.gen, s.orgGen, s.entries = gen, orgGen, map[string]*signIn{}
	}
	s.entries[cookie] = e
}

// userOf returns the user id of cookie's entry, 0 when there is none, as
// of any generation: a session's user never changes, so an entry that a
// later write made stale still names the right user. It serves a read
// made for that user before the sign-in is checked (syncVersions counts
// the user's unread inbox), whose result is used only when the request's
// signed-in user turns out to be the same (bellCount).
func (s *signIns) userOf(cookie string) uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e := s.entries[cookie]; e != nil {
		return e.user.ID
	}
	return 0
}
