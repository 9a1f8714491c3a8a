package store

import (
	"bytes"
	"strings"
	"sync"

	"dealerportal/model"
)

// readCaches keep records decoded for reading only, each with the stored
// bytes it was decoded from: a read that finds the same bytes under the key
// returns the decoded value instead of decoding the JSON again. The bytes
// are the check, so a cached value is never stale — a record changed by
// any transaction (or any process sharing the storage) has other bytes and
// is decoded afresh — and nothing needs invalidating. They serve the reads
// of a submit (the customer, the ship-to location, the line's catalog
// entry and product, the settings), whose JSON decoding was a fifth of a
// submit's CPU. The id only picks a slot: the value is a function of the
// bytes alone.
type readCaches struct {
	customers readCache[model.Customer]
	entries   readCache[model.CatalogEntry]
	products  readCache[model.Product]
	locations readCache[model.Location]
	settings  readCache[model.Settings]
	ordering  readCache[model.OrderingSettings]
}

// readCacheMax bounds each cache: a full cache forgets an arbitrary entry
// for each new one (the submits of the customers ordering now keep theirs).
const readCacheMax = 1024

// readCache maps a record's id to its stored bytes and decoded value.
type readCache[T any] struct {
	mu sync.Mutex
	m  map[uint64]readCached[T]
}

type readCached[T any] struct {
	raw []byte
	v   *T
}

// get returns the value stored as raw under id, decoded (decodeRecord, into
// fresh() when fresh is not nil) or from the cache; model.ErrNotFound when
// raw is nil. The result is shared: never change it.
func (c *readCache[T]) get(id uint64, raw []byte, fresh func() *T) (*T, error) {
	if raw == nil {
		return nil, model.ErrNotFound
	}
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		return e.v, nil
	}
	v := new(T)
	if fresh != nil {
		v = fresh()
	}
	if err := decodeRecord(raw, v); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[uint64]readCached[T])
	}
	if _, ok := c.m[id]; !ok && len(c.m) >= readCacheMax {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[id] = readCached[T]{raw: bytes.Clone(raw), v: v}
	c.mu.Unlock()
	return v, nil
}

// catalogEntryRead is catalogEntry for reading only: never change the
// result.
func (t *Tx) catalogEntryRead(id uint64) (*model.CatalogEntry, error) {
	return t.s.reads.entries.get(id, t.b(bCatalog).Get(itob(id)), nil)
}

// productRead is product for reading only: never change the result.
func (t *Tx) productRead(id uint64) (*model.Product, error) {
	return t.s.reads.products.get(id, t.b(bProducts).Get(itob(id)), nil)
}

// lineEntry returns the catalog entry an order line names (by entry id, else
// by product code) as dealer scope sc sees it — CatalogEntry and
// CatalogEntryByCode for a dealer — for reading only; ErrNotFound when the
// line names nothing published to the customer.
func (t *Tx) lineEntry(sc Scope, li LineInput) (*model.CatalogEntry, error) {
	id := li.EntryID
	if id == 0 {
		pid := t.b(bProductsByCode).Get([]byte(strings.ToUpper(strings.TrimSpace(li.Code))))
		if pid == nil {
			return nil, model.ErrNotFound
		}
		id = btoi(t.b(bCatalogByProduct).Get(pid))
	}
	if id == 0 || sc.IsStaff() || !t.visibleTo(sc.CustomerID(), id) {
		return nil, model.ErrNotFound
	}
	return t.catalogEntryRead(id)
}

// settingsRead is Settings for reading only: never change the result.
func (t *Tx) settingsRead() *model.Settings {
	s, err := t.s.reads.settings.get(0, t.b(bSettings).Get(keyEnterprise), model.DefaultSettings)
	if err != nil {
		return model.DefaultSettings()
	}
	return s
}

// orderingRead is OrderingSettings for reading only: never change the
// result.
func (t *Tx) orderingRead() *model.OrderingSettings {
	o, err := t.s.reads.ordering.get(0, t.b(bSettings).Get(keyOrdering), model.DefaultOrderingSettings)
	if err != nil {
		return model.DefaultOrderingSettings()
	}
	return o
}
