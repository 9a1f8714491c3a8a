// Package store keeps the portal's records as JSON in ordered buckets of the
// storage seam (store/kv: one bbolt file by default, or PostgreSQL): buckets
// per entity, index buckets for lists, sequences for ids and document
// numbers, and the data scope that every read goes through. It knows nothing
// of HTTP.
package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"dealerportal/model"
	"dealerportal/store/kv"
	"dealerportal/store/kv/boltkv"
	"dealerportal/store/kv/pgkv"

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
	db kv.DB
	// bolt is the file under db on bbolt, nil on PostgreSQL (Bolt).
	bolt *bolt.DB
	// dsn is what Open was given (tests reopen it).
	dsn string
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
	// shared: other processes may write the database (versions.go).
	shared bool
	// vers is this process's view of the shared versions record (versions.go).
	vers sharedVersions
	// inboxGens count this process's committed changes of the users'
	// unread inboxes, a stripe per user id modulo their number (unread.go).
	inboxGens [inboxStripes]atomic.Uint64
	// reads keeps records decoded for reading only, checked against their
	// stored bytes (readcache.go).
	reads readCaches
}

// Open opens the database dsn names: a postgres:// or postgresql:// URL
// opens PostgreSQL (the tables created when missing, see docs/POSTGRES.md),
// anything else is the path of a bbolt file, created if needed. It creates
// the buckets and runs pending migrations. On a file it fails with ErrLocked
// when another process holds it (after a short wait).
func Open(dsn string) (*Store, error) {
	if IsPostgres(dsn) {
		return OpenExisting(dsn, 0)
	}
	if err := os.MkdirAll(filepath.Dir(dsn), 0o750); err != nil {
		return nil, err
	}
	return OpenExisting(dsn, 2*time.Second)
}

// OpenExisting opens the database dsn names (as Open, without creating a
// file's folder), waiting at most wait for a file's lock; ErrLocked when a
// running portal holds the file.
func OpenExisting(dsn string, wait time.Duration) (*Store, error) {
	if IsPostgres(dsn) {
		ctx, cancel := context.WithTimeout(context.Background(), pgOpenTimeout)
		defer cancel()
		db, err := pgkv.Open(ctx, dsn, &pgkv.Options{Schema: pgSchema(dsn), CacheBytes: pgCacheOption()})
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", RedactDSN(dsn), err)
		}
		return open(db, nil, dsn)
	}
	db, err := bolt.Open(dsn, 0o600, &bolt.Options{Timeout: wait, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, ErrLocked
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dsn, err)
	}
	db.AllocSize = fileAllocSize
	return open(boltkv.Wrap(db), db, dsn)
}

// pgOpenTimeout bounds connecting to PostgreSQL and creating its tables.
const pgOpenTimeout = 30 * time.Second

// open finishes opening the store on db (bdb is its bbolt file, nil on
// PostgreSQL): migrations, the group-commit queue, the zone.
func open(db kv.DB, bdb *bolt.DB, dsn string) (*Store, error) {
	// The nested-transaction check (kv/nested.go) costs an atomic load
	// per transaction while off.
	s := &Store{db: kv.CheckNested(db), bolt: bdb, dsn: dsn, now: time.Now, shared: bdb == nil}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	s.startCommitter()
	s.zone.Store(s.Settings().Location())
	return s, nil
}

// pgSchema is the schema a PostgreSQL URL names with its search_path
// parameter (postgres://…/portal?search_path=dealers), "" for the default
// (public).
func pgSchema(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return ""
	}
	return u.Query().Get("search_path")
}

// PGCacheBytes is the budget of the PostgreSQL backend's process read
// cache for a process whose Go memory may take room bytes (0: no bound
// known): PORTAL_PG_CACHE_MB in MiB when it is a number (0 or less: no
// cache), else pgkv's default, at most a quarter of room
// (docs/POSTGRES.md, "The process read cache").
func PGCacheBytes(room int64) int64 {
	if n, err := strconv.ParseInt(os.Getenv("PORTAL_PG_CACHE_MB"), 10, 64); err == nil {
		return max(n, 0) << 20
	}
	if room > 0 {
		return min(pgkv.DefaultCacheBytes, room/4)
	}
	return pgkv.DefaultCacheBytes
}

// pgCacheSize is the budget SizePGCache chose (-1: no cache), 0 when none
// was chosen.
var pgCacheSize atomic.Int64

// SizePGCache sets the budget of the read cache every later Open on
// PostgreSQL gives the process (0: none), in place of PGCacheBytes(0): the
// program sizes it with its memory limit.
func SizePGCache(n int64) {
	if n <= 0 {
		n = -1
	}
	pgCacheSize.Store(n)
}

// pgCacheOption is pgkv.Options.CacheBytes for the next Open.
func pgCacheOption() int64 {
	if n := pgCacheSize.Load(); n != 0 {
		return n
	}
	if n := PGCacheBytes(0); n > 0 {
		return n
	}
	return -1
}

// IsPostgres reports whether dsn names a PostgreSQL database (a postgres://
// or postgresql:// URL) rather than a bbolt file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// RedactDSN returns dsn fit for logs and messages: a URL's password is
// replaced by "xxxxx" (a file path is returned as it is).
func RedactDSN(dsn string) string {
	if !IsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// An unparsable URL may still hold a password: keep the scheme only.
		return dsn[:strings.Index(dsn, "://")+3] + "…"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// Close finishes the group commits already queued (Batch) and closes the
// database; a Batch after Close fails with ErrDatabaseNotOpen.
func (s *Store) Close() error {
	if s.commits != nil {
		s.commits.stop()
	}
	return s.db.Close()
}

// KV returns the storage seam the store runs on, for tools that read or
// write buckets directly (tests, checks).
func (s *Store) KV() kv.DB { return s.db }

// ErrNotBolt: a tool that works on the embedded database file only
// (compaction, a file copy backup, bbolt's page check) was asked to run on
// PostgreSQL.
var ErrNotBolt = errors.New("this works on an embedded database file only, not on PostgreSQL")

// Bolt returns the bbolt file under the store, for the tools that work on
// the file itself (compaction, a file copy backup, the page check);
// ErrNotBolt on PostgreSQL.
func (s *Store) Bolt() (*bolt.DB, error) {
	if s.bolt == nil {
		return nil, ErrNotBolt
	}
	return s.bolt, nil
}

// Postgres reports whether the store runs on PostgreSQL.
func (s *Store) Postgres() bool { return s.bolt == nil }

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
	tx       kv.Tx
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
	// kb is getID's key.
	kb [8]byte
	// custIDs is the last CustomerIDs answer of a read-only transaction.
	custIDs *scopeIDs
	// counts are the document counts a read-only transaction has read
	// (docCounts).
	counts []*scopedCounts
	// opened are the buckets a read-only transaction has opened (b).
	opened []openedBucket
}

// openedBucket is a bucket a read-only transaction opened, by name.
type openedBucket struct {
	name []byte
	b    kv.Bucket
}

// getJSONID is getJSON under the key of id, read with getID's buffer.
func (t *Tx) getJSONID(b kv.Bucket, id uint64, v any) error {
	data := t.getID(b, id)
	if data == nil {
		return model.ErrNotFound
	}
	return decodeRecord(data, v)
}

// getID returns b's value under the key of id (itob), or nil. The key is
// the transaction's own buffer: a key given to the seam's Get escapes, and
// a new one per read of a list's rows would be an allocation each. Only
// for Get (a key given to Put must stay unchanged until the commit).
func (t *Tx) getID(b kv.Bucket, id uint64) []byte {
	binary.BigEndian.PutUint64(t.kb[:], id)
	return b.Get(t.kb[:])
}

// Update runs fn in one read-write transaction: all of it commits or none.
// by is the acting user's name for created/updated-by fields.
// fn may run more than once on PostgreSQL (a retried serialization
// failure): see Batch for what that asks of it.
func (s *Store) Update(by string, fn func(*Tx) error) error {
	return s.db.Update(func(ktx kv.Tx) error {
		return fn(&Tx{tx: ktx, s: s, Now: s.Now(), By: by})
	})
}

// View runs fn in one read-only transaction.
// fn may run more than once on PostgreSQL, as Update's may: it must not
// accumulate into state declared outside it (append, ++, +=, a send)
// unless it resets that state at its start.
func (s *Store) View(fn func(*Tx) error) error {
	return s.db.View(s.readTx(fn))
}

// readTx adapts fn to a read transaction of the backend (View and its
// variants): the Tx it gets reads as of the store's clock.
func (s *Store) readTx(fn func(*Tx) error) func(kv.Tx) error {
	return func(ktx kv.Tx) error {
		return fn(&Tx{tx: ktx, s: s, Now: s.Now()})
	}
}

// b returns a bucket; in a write transaction with the page fill its keys
// allow (fillPercent). A read-only transaction keeps the buckets it opened:
// bbolt remembers them only in write transactions, and opens a bucket
// afresh (a cursor seek and four allocations) on every other call — a
// submit's preparation asked for its dozen buckets some thirty times.
func (t *Tx) b(name []byte) kv.Bucket {
	if !t.tx.Writable() {
		for i := range t.opened {
			if bytes.Equal(t.opened[i].name, name) {
				return t.opened[i].b
			}
		}
		bk := t.tx.Bucket(name)
		if bk != nil {
			if t.opened == nil {
				t.opened = make([]openedBucket, 0, 16)
			}
			t.opened = append(t.opened, openedBucket{name, bk})
		}
		return bk
	}
	bk := t.tx.Bucket(name)
	if bk != nil {
		if t.s != nil && t.s.bolt == nil {
			return plainBucket{bk}
		}
		if f, ok := fillPercent[string(name)]; ok {
			boltkv.SetFillPercent(bk, f)
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
func getJSON(b kv.Bucket, k []byte, v any) error {
	data := b.Get(k)
	if data == nil {
		return model.ErrNotFound
	}
	return decodeRecord(data, v)
}

func putJSON(b kv.Bucket, k []byte, v any) error {
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
func nextID(b kv.Bucket) (uint64, error) { return b.NextSequence() }

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
func putUnique(b kv.Bucket, k, value []byte, field string) error {
	if cur := b.Get(k); cur != nil && !bytes.Equal(cur, value) {
		return dupErr(field)
	}
	return b.Put(k, value)
}

// jsonUnmarshal decodes a stored record, JSON or compressed (codec.go).
func jsonUnmarshal(b []byte, v any) error { return decodeRecord(b, v) }
