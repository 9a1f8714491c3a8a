package store

// AuthGen counts committed changes to what a request's sign-in depends on:
// sessions (created, touched, ended), users (roles, scope, password, epoch,
// disabled) and customers (whose status decides whether their users may
// sign in). A process may keep sessions and users in memory as of a
// generation and must read them again once it moves; every write of those
// records calls authChanged. The counter lives in this process; on a shared
// database Sync moves it on for changes other processes commit (versions.go).
func (s *Store) AuthGen() uint64 { return s.authGen.Load() }

// OrgGen counts committed org-unit changes (a data scope is derived from the
// org tree).
func (s *Store) OrgGen() uint64 { return s.orgGen.Load() }

// authChanged moves AuthGen on when the transaction commits.
func (t *Tx) authChanged() {
	if t.authDirty {
		return
	}
	t.authDirty = true
	t.bumpVersion(verAuth)
	s := t.s
	t.tx.OnCommit(func() { s.authGen.Add(1) })
}
