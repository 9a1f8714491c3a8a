package store

import (
	"encoding/binary"
	"sync"

	"dealerportal/store/kv"
)

// Shared versions: what lets several portal processes on one database keep
// their in-memory caches. Each process keeps the sign-in cache (AuthGen),
// the org tree (OrgGen) and the settings copy with the zone (settingsGen)
// per in-process generation, moved on when its own transactions commit. A
// change committed by another process must move them too. So on a shared
// backend every transaction that changes sessions, users, customers, org
// units or the settings also counts the change in one small record of the
// database (meta "versions": three big-endian counters, written in the same
// transaction, so the count commits exactly when the change does), and
// each process reads that record at the start of a request (Sync) and
// moves the generations whose count grew since it last looked.
//
// Caches that already check a counter inside the reader's own snapshot need
// nothing more: the catalog order (catalog_gen), list page anchors
// (docgen:<type>), the lists' derived values (they compare the stored
// bytes), the rendered menus and bells (keyed by their content) and the PDF
// cache (keyed by a hash of everything printed).
//
// On the embedded file the process is alone (bbolt locks the file): the
// record is not written and Sync returns at once.

// keyVersions is the meta key of the shared versions record.
var keyVersions = []byte("versions")

// The counters of the versions record.
const (
	verAuth     = iota // sessions, users, customers (AuthGen)
	verOrg             // org units (OrgGen, the org tree)
	verSettings        // the enterprise settings (and the zone)
	verCount
)

type versionSet [verCount]uint64

func decodeVersions(b []byte) versionSet {
	var v versionSet
	for i := range v {
		if len(b) >= 8*(i+1) {
			v[i] = binary.BigEndian.Uint64(b[8*i:])
		}
	}
	return v
}

func (v versionSet) encode() []byte {
	b := make([]byte, 0, 8*verCount)
	for _, n := range v {
		b = binary.BigEndian.AppendUint64(b, n)
	}
	return b
}

// sharedVersions is a process's view of the versions record.
type sharedVersions struct {
	mu sync.Mutex
	// seen: the counts this process's generations reflect.
	seen versionSet
}

// Shared reports whether other processes may write the database (a
// PostgreSQL backend); false for the embedded file, which one process holds.
func (s *Store) Shared() bool { return s.shared }

// bumpVersion counts a change of kind i in this transaction's versions
// record, on a shared backend.
func (t *Tx) bumpVersion(i int) {
	if !t.s.shared {
		return
	}
	b := t.b(bMeta)
	v := decodeVersions(b.Get(keyVersions))
	v[i]++
	// A Put into meta fails only for a read-only transaction, and the
	// callers change records in this one just before.
	_ = b.Put(keyVersions, v.encode())
	n, s := v[i], t.s
	t.tx.OnCommit(func() {
		// Writers are serial, so n-1 was the count before this change: when
		// this process had seen it, its own commit needs no invalidation
		// beyond the one its generations already made.
		s.vers.mu.Lock()
		if s.vers.seen[i] == n-1 {
			s.vers.seen[i] = n
		}
		s.vers.mu.Unlock()
	})
}

// Sync brings this process's cache generations up to the changes other
// processes committed: call it at the start of a request, before reading
// AuthGen, OrgGen or the settings. It returns at once on the embedded file.
// On a shared backend it reads the versions record; concurrent callers
// share a read that began after they called, so a change committed before
// a request arrived is seen by that request. An error (the database does
// not answer) leaves the generations as they are.
func (s *Store) Sync() error {
	_, err := s.SyncUnread(0, 0)
	return err
}

// SyncUnread is Sync that also counts userID's unread inbox messages, up to
// limit, in the same round trip as the versions record (kv.PeekMany): on
// PostgreSQL one statement for the record and the counts of every caller
// that shares the read, where the header's bell would cost a round trip of
// its own. It counts nothing for user 0, and nothing on the
// embedded file, where a count is a read of mapped pages: UnreadFor then
// answers false and the caller counts as before (UnreadCount).
func (s *Store) SyncUnread(userID uint64, limit int) (Unread, error) {
	if !s.shared {
		return Unread{}, nil
	}
	count := userID != 0 && limit > 0
	var u Unread
	if count {
		// Before the read: a change this process commits from here on
		// makes the count stale (UnreadFor).
		u = Unread{user: userID, gen: s.inboxGen(userID).Load(), ok: true}
	}
	// The read joins the backend's next shared read (kv.PeekMany on
	// PostgreSQL: the floating Views' round, which begins after this call
	// and which the callers arriving meanwhile share).
	reads := []kv.PeekRead{{Bucket: bMeta, Key: keyVersions}}
	if count {
		reads = append(reads, kv.PeekRead{Bucket: bInboxUnread, Key: itob(userID), Count: true, Limit: limit})
	}
	if err := kv.PeekMany(s.db, reads); err != nil {
		return Unread{}, err
	}
	s.applyVersions(decodeVersions(reads[0].Value))
	if count {
		u.n = reads[1].N
	}
	return u, nil
}

// applyVersions moves the generation of each count that grew past what
// this process has seen.
func (s *Store) applyVersions(v versionSet) {
	vs := &s.vers
	vs.mu.Lock()
	var grew [verCount]bool
	for i := range v {
		if v[i] > vs.seen[i] {
			grew[i], vs.seen[i] = true, v[i]
		}
	}
	vs.mu.Unlock()
	if grew[verAuth] {
		s.authGen.Add(1)
	}
	if grew[verOrg] {
		s.orgGen.Add(1)
		s.orgTree.Store(nil)
	}
	if grew[verSettings] {
		s.settingsGen.Add(1)
		s.zone.Store(s.Settings().Location())
	}
}
