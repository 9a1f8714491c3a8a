package store

import "sync/atomic"

// Unread is a user's unread inbox count read with the shared versions
// record at the start of a request (SyncUnread), for the header's bell of
// the page the request renders.
type Unread struct {
	user uint64
	n    int
	// gen is the user's inbox generation before the count was read.
	gen uint64
	ok  bool
}

// UnreadFor returns u's count when it was read for userID and no
// transaction of this process has changed that user's unread inbox since
// (a message delivered, one read: the page's own action included); false
// otherwise, and the caller counts again (UnreadCount). A change another process
// commits after the read is not seen, as it would not be by a count read a
// moment later: the bell is a committed read either way.
func (s *Store) UnreadFor(u Unread, userID uint64) (int, bool) {
	if !u.ok || u.user != userID || s.inboxGen(userID).Load() != u.gen {
		return 0, false
	}
	return u.n, true
}

// inboxStripes is the number of inbox generations: users share one per id
// modulo it, so a change of another user's inbox in the same stripe only
// makes a count be read again.
const inboxStripes = 64

// inboxGen returns the inbox generation of user.
func (s *Store) inboxGen(user uint64) *atomic.Uint64 {
	return &s.inboxGens[user%inboxStripes]
}

// inboxChanged moves user's inbox generation on when t commits.
func (t *Tx) inboxChanged(user uint64) {
	s := t.s
	t.tx.OnCommit(func() { s.inboxGen(user).Add(1) })
}
