// Package store keeps the portal's records as JSON in one bbolt file: buckets
// per entity, index buckets for lists, sequences for ids and document numbers,
// and the data scope that every read goes through. It knows nothing of HTTP.
package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"dealerportal/model"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Bucket names. Index buckets are named after what they index.
var (
	bMeta             = []byte("meta")
	bDocSeq           = []byte("doc_seq")
	bUsers            = []byte("users")
	bUsersByName      = []byte("users_by_name")
	bUsersByCustomer  = []byte("users_by_customer")
	bUsersByKind      = []byte("users_by_kind")
	bSessions         = []byte("sessions")
	bSessionsByUser   = []byte("sessions_by_user")
	bOrgUnits         = []byte("org_units")
	bOrgUnitsByCode   = []byte("org_units_by_code")
	bGroups           = []byte("customer_groups")
	bGroupsByCode     = []byte("customer_groups_by_code")
	bCustomers        = []byte("customers")
	bCustomersByCode  = []byte("customers_by_code")
	bCustomersByName  = []byte("customers_by_name")
	bLocations        = []byte("locations")
	bAttachments      = []byte("attachments")
	bAttachmentBlobs  = []byte("attachment_blobs")
	bAttachmentsByOwn = []byte("attachments_by_owner")
	bOutbox           = []byte("outbox")
	bOutboxPending    = []byte("outbox_pending")
	bActivity         = []byte("activity")
	bActivityByRecord = []byte("activity_by_record")
	bSettings         = []byte("settings")
	bIdempotency      = []byte("idempotency")
)

var allBuckets = [][]byte{
	bMeta, bDocSeq, bUsers, bUsersByName, bUsersByCustomer, bUsersByKind, bSessions, bSessionsByUser,
	bOrgUnits, bOrgUnitsByCode, bGroups, bGroupsByCode, bCustomers, bCustomersByCode, bCustomersByName,
	bLocations, bAttachments, bAttachmentBlobs, bAttachmentsByOwn, bOutbox, bOutboxPending,
	bActivity, bActivityByRecord, bSettings, bIdempotency,
	// Announcements and the message platform (announcements.go, messages.go).
	bAnnouncements, bAnnouncementsByDate, bAnnouncementsByNumber, bAnnouncementAudience, bAnnouncementReads, bAnnouncementsToNotify,
	bMessageTemplates, bMessagePrefs, bDeliveries, bDeliveriesIndex, bDeliveriesDue, bInbox, bInboxUnread,
	// The ordering center (products.go: orderingBuckets).
	bProducts, bProductsByCode, bStock, bImageVariants, bCategories, bCategoriesByCode,
	bCatalog, bCatalogByProduct, bCatalogSummary, bCatalogTargets, bCustCatalog, bCatalogNotified,
	bPrices, bPricesByProduct, bFavorites, bCart, bPurchases, bVisits, bImportJobs,
}

// Store is the open database. Its methods are safe for concurrent use.
type Store struct {
	db  *bolt.DB
	now func() time.Time
	// zone is the enterprise's time zone, loaded at open and replaced when
	// the settings are saved, so that "today" does not read the settings.
	zone atomic.Pointer[time.Location]
	// orgTree caches the org tree; writes to org units clear it on commit.
	orgTree atomic.Pointer[model.OrgTree]
	// orgGen counts committed org-unit changes, so that a reader that built
	// the tree from an older snapshot does not cache it.
	orgGen atomic.Uint64
	// commits is the group-commit queue of Batch.
	commits *committer
	// catalog is the catalog's sort order as of a catalog_gen (catalog_view.go).
	catalog atomic.Pointer[catalogOrder]
	// lists is what document lists keep between requests (list.go).
	lists listCache
	// settings is the enterprise settings record as of settingsGen, which
	// every committed SaveSettings moves on (settings.go).
	settings    atomic.Pointer[settingsCopy]
	settingsGen atomic.Uint64
	// authGen counts committed session, user and customer changes (auth_gen.go).
	authGen atomic.Uint64
	// reads keeps records decoded for reading only, checked against their
	// stored bytes (readcache.go).
	reads readCaches
}

// Open opens (creating if needed) the database file at path, creates the
// buckets and runs pending migrations. It fails when another process holds
// the file (after a short wait).
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	return OpenExisting(path, 2*time.Second)
}

// OpenExisting opens the file (creating it if missing) waiting at most wait
// for the lock; ErrLocked when a running portal holds it.
func OpenExisting(path string, wait time.Duration) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: wait, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, ErrLocked
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.AllocSize = fileAllocSize
	s := &Store{db: db, now: time.Now}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	s.startCommitter()
	s.zone.Store(s.Settings().Location())
	return s, nil
}

// Close finishes the group commits already queued (Batch) and closes the
// database file; a Batch after Close fails with bbolt's ErrDatabaseNotOpen.
func (s *Store) Close() error {
	if s.commits != nil {
		s.commits.stop()
	}
	return s.db.Close()
}

// DB exposes the bbolt handle for backup and consistency checks.
func (s *Store) DB() *bolt.DB { return s.db }

// SetClock replaces the clock: tests pin it, and the serve command's
// --clock test facility shifts it. Set it before serving requests.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Now is the store's clock in UTC: the one source of the current instant for
// every calendar use in the product (document dates, "today", periods, file
// names). Only elapsed-time measurements (timeouts, request durations) may
// read the wall clock directly.
func (s *Store) Now() time.Time { return s.now().UTC() }

// Zone is the enterprise's time zone (Asia/Shanghai for a new file),
// loaded once and cached; every calendar date is computed in it.
func (s *Store) Zone() *time.Location {
	if loc := s.zone.Load(); loc != nil {
		return loc
	}
	return time.UTC
}

// Today is the store clock's current date (YYYY-MM-DD) in the enterprise's
// time zone. Handlers and jobs use it (or Tx.Today inside a transaction)
// for every "today"; never time.Now().
func (s *Store) Today() string { return model.DateOf(s.Now(), s.Zone()) }

// LocalNow is the store clock's current instant in the enterprise's zone,
// for printed times and dated file names.
func (s *Store) LocalNow() time.Time { return s.Now().In(s.Zone()) }

// Tx is one read or read-write transaction. By names the acting user for
// Meta and audit records.
type Tx struct {
	tx       *bolt.Tx
	s        *Store
	Now      time.Time
	By       string
	orgDirty bool
	// authDirty: this transaction changed a session, user or customer.
	authDirty bool
	// zone is set when this transaction saved new settings.
	zone *time.Location
	// custRead is the last customer customerRead decoded.
	custRead *model.Customer
}

// Update runs fn in one read-write transaction: all of it commits or none.
// by is the acting user's name for created/updated-by fields.
func (s *Store) Update(by string, fn func(*Tx) error) error {
	var dirty bool
	err := s.db.Update(func(btx *bolt.Tx) error {
		t := &Tx{tx: btx, s: s, Now: s.Now(), By: by}
		if err := fn(t); err != nil {
			return err
		}
		dirty = t.orgDirty
		return nil
	})
	if err == nil && dirty {
		s.orgGen.Add(1)
		s.orgTree.Store(nil)
	}
	return err
}

// View runs fn in one read-only transaction.
func (s *Store) View(fn func(*Tx) error) error {
	return s.db.View(func(btx *bolt.Tx) error {
		return fn(&Tx{tx: btx, s: s, Now: s.Now()})
	})
}

// b returns a bucket; in a write transaction with the page fill its keys
// allow (fillPercent).
func (t *Tx) b(name []byte) *bolt.Bucket {
	bk := t.tx.Bucket(name)
	if bk != nil && t.tx.Writable() {
		if f, ok := fillPercent[string(name)]; ok {
			bk.FillPercent = f
		}
	}
	return bk
}

// fillPercent is how full bbolt fills a page before it splits it, for the
// buckets whose new keys come in increasing order: ids from a sequence
// (doc:T:all, the outbox, the feed), or customerID|id, where a customer's
// new record follows its previous ones (doc:T, doc:T:cust). Measured with
// BenchmarkOrderStorage: index buckets of bare 16-byte keys (the feed's
// customer index, the credit holds) came out emptier at 1.0 (a page split
// at the boundary of two customers leaves the next customer's first keys
// on a page of their own each time), so they keep the default. bbolt splits a full page at its
// FillPercent (default 0.5) and new keys land after the split, so at the
// default such a bucket's pages stay half empty; filled completely they
// hold twice as much. bbolt does not keep FillPercent in the file: b sets
// it on every write transaction's bucket.
var fillPercent = map[string]float64{string(bOutbox): 1.0, string(bAPIEvents): 1.0}

// fileAllocSize is how much the file grows beyond what it needs once it
// passed bbolt's default step (16 MB). A smaller step keeps the file close
// to its content; growing costs one truncate and fsync per step.
const fileAllocSize = 1 << 20

// itob encodes an id as 8 big-endian bytes so keys sort numerically.
func itob(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func btoi(b []byte) uint64 {
	if len(b) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// key joins id parts: key(customerID, docID) puts a customer's records together.
func key(ids ...uint64) []byte {
	b := make([]byte, 0, 8*len(ids))
	for _, id := range ids {
		b = binary.BigEndian.AppendUint64(b, id)
	}
	return b
}

// getJSON reads the record under k, in either encoding (codec.go), into v;
// ErrNotFound when there is none.
func getJSON(b *bolt.Bucket, k []byte, v any) error {
	data := b.Get(k)
	if data == nil {
		return model.ErrNotFound
	}
	return decodeRecord(data, v)
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

type metaHolder interface{ GetMeta() *model.Meta }

// stamp sets the Meta of a new record.
func (t *Tx) stamp(v metaHolder) {
	m := v.GetMeta()
	m.Version = 1
	m.CreatedAt, m.UpdatedAt = t.Now, t.Now
	m.CreatedBy, m.UpdatedBy = t.By, t.By
}

// checkVersion refuses an update whose version is not the stored one and
// advances v's Meta for the write. stored is the record as it is in the file.
func (t *Tx) checkVersion(stored, v metaHolder) error {
	sm, m := stored.GetMeta(), v.GetMeta()
	if sm.Version != m.Version {
		return &model.ConflictError{By: sm.UpdatedBy, At: sm.UpdatedAt}
	}
	m.CreatedAt, m.CreatedBy = sm.CreatedAt, sm.CreatedBy
	m.Version = sm.Version + 1
	m.UpdatedAt, m.UpdatedBy = t.Now, t.By
	return nil
}

// keepOnError puts a record's id and Meta back when its save fails (stamp and
// checkVersion change them before the last checks): the handler re-renders
// the form from the record, and the corrected resubmission must carry the
// version the user loaded, not meet a conflict of its own making. Use as
// `defer keepOnError(&c.ID, &c.Meta, &err)()` with a named error result.
func keepOnError(id *uint64, m *model.Meta, err *error) func() {
	savedID, savedMeta := *id, *m
	return func() {
		if *err != nil {
			*id, *m = savedID, savedMeta
		}
	}
}

// nextID returns the next id of a bucket's sequence.
func nextID(b *bolt.Bucket) (uint64, error) { return b.NextSequence() }

// NextDocNumber returns the next number of type dt for the year of the
// transaction's time in the enterprise's zone, e.g. "SO-2026-000123". Being
// part of the transaction, a rolled-back document gives its number back, so
// numbers have no gaps and never repeat.
func (t *Tx) NextDocNumber(dt model.DocType, loc *time.Location) (string, error) {
	year := t.Now.In(loc).Year()
	k := []byte(fmt.Sprintf("%s-%04d", dt, year))
	b := t.b(bDocSeq)
	n := btoi(b.Get(k)) + 1
	if err := b.Put(k, itob(n)); err != nil {
		return "", err
	}
	return model.FormatDocNumber(dt, year, n), nil
}

// ErrDuplicate is returned by unique-index writes; the handler shows it at the field.
func dupErr(field string) error { return model.Invalid(field, "err.duplicate") }

// putUnique writes value under k in an index bucket unless another record
// already holds k; field names the form field for the error.
func putUnique(b *bolt.Bucket, k, value []byte, field string) error {
	if cur := b.Get(k); cur != nil && !bytes.Equal(cur, value) {
		return dupErr(field)
	}
	return b.Put(k, value)
}

// jsonUnmarshal decodes a stored record, JSON or compressed (codec.go).
func jsonUnmarshal(b []byte, v any) error { return decodeRecord(b, v) }
