package store

import (
	"bytes"
	"encoding/json"
	"sort"
	"sync"
	"time"

	"dealerportal/model"
)

// VisitKey names one catalog entry seen by one dealer user.
type VisitKey struct{ EntryID, UserID uint64 }

// VisitRecorder buffers catalog visits (商品访问统计) in memory and writes
// them in batches, so a page view never costs a write transaction: Record is
// a map update under a mutex; Flush writes everything buffered in one
// transaction. After Close, Record writes through (the few views served
// while the server shuts down are not lost).
type VisitRecorder struct {
	st     *Store
	mu     sync.Mutex
	buf    map[VisitKey]*model.Visit
	closed bool
	// MaxBuffered visits trigger an early flush in the background.
	MaxBuffered int
}

// NewVisitRecorder returns a recorder writing to st.
func NewVisitRecorder(st *Store) *VisitRecorder {
	return &VisitRecorder{st: st, buf: map[VisitKey]*model.Visit{}, MaxBuffered: 5000}
}

// Record notes that user viewed entry at time at.
func (r *VisitRecorder) Record(entryID, userID uint64, at time.Time) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		_ = r.st.FlushVisits(map[VisitKey]*model.Visit{{entryID, userID}: {Count: 1, First: at.UTC(), Last: at.UTC()}})
		return
	}
	k := VisitKey{entryID, userID}
	v := r.buf[k]
	if v == nil {
		v = &model.Visit{First: at.UTC()}
		r.buf[k] = v
	}
	v.Count++
	v.Last = at.UTC()
	full := len(r.buf) >= r.MaxBuffered
	r.mu.Unlock()
	if full {
		go r.Flush()
	}
}

// Pending returns how many entry-user pairs wait to be written.
func (r *VisitRecorder) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.buf)
}

// Flush writes the buffered visits in one transaction. On failure they go
// back into the buffer for the next flush.
func (r *VisitRecorder) Flush() error {
	r.mu.Lock()
	batch := r.buf
	r.buf = map[VisitKey]*model.Visit{}
	r.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := r.st.FlushVisits(batch)
	if err != nil {
		r.mu.Lock()
		for k, v := range batch {
			if cur := r.buf[k]; cur != nil {
				v.Count += cur.Count
				v.Last = cur.Last
			}
			r.buf[k] = v
		}
		r.mu.Unlock()
	}
	return err
}

// Close flushes what is buffered and makes later Records write through.
func (r *VisitRecorder) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	return r.Flush()
}

// FlushVisits adds a batch of visits to the statistics in one transaction.
func (s *Store) FlushVisits(batch map[VisitKey]*model.Visit) error {
	return s.Update("system", func(t *Tx) error {
		b := t.b(bVisits)
		for k, d := range batch {
			kk := key(k.EntryID, k.UserID)
			v := &model.Visit{}
			if getJSON(b, kk, v) != nil || v.First.IsZero() || d.First.Before(v.First) {
				v.First = d.First
			}
			v.Count += d.Count
			if d.Last.After(v.Last) {
				v.Last = d.Last
			}
			if err := putJSON(b, kk, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// VisitFilter narrows the visit statistics. Zero fields do not filter. From
// and To (YYYY-MM-DD, enterprise zone) select visits whose first–last span
// overlaps the range; with Visited "no" they select pairs without such a visit.
type VisitFilter struct {
	EntryID    uint64
	CategoryID uint64
	CustomerID uint64
	From, To   string
	Visited    string // "yes", "no" or ""
}

// VisitRow is one published entry and one targeted dealer user.
type VisitRow struct {
	EntryID   uint64
	EntryCode string
	EntryName string
	Customer  *model.Customer
	User      *model.User
	Visit     *model.Visit // nil: never visited
}

// MaxVisitRows caps an export of the visit statistics.
const MaxVisitRows = 100_000

// VisitStats (商品访问统计表) lists, for each published entry and each user of
// a customer it is published to (customers in sc only), whether and when
// the user viewed it, ordered by customer code, entry code and user. It
// returns one page and how many rows match.
func (t *Tx) VisitStats(sc Scope, f VisitFilter, p Page) ([]*VisitRow, int, error) {
	if !sc.IsStaff() {
		return nil, 0, model.ErrNotFound
	}
	var cats map[uint64]bool
	if f.CategoryID != 0 {
		cats = t.CategoryTree().Subtree(f.CategoryID)
	}
	loc := t.Zone()
	day := func(tm time.Time) string { return tm.In(loc).Format(model.DateLayout) }
	sums := t.b(bCatalogSummary)
	visits := t.b(bVisits)
	type entryInfo struct {
		sum entrySummary
		ok  bool
	}
	entryCache := map[uint64]entryInfo{}
	var out []*VisitRow
	total := 0
	cc := t.b(bCustomersByCode).Cursor()
	for ck, cv := cc.First(); ck != nil; ck, cv = cc.Next() {
		cs := decodeSummary(cv)
		if !sc.allowsSummary(cs.id, cs) || f.CustomerID != 0 && cs.id != f.CustomerID {
			continue
		}
		var users []uint64
		uprefix := itob(cs.id)
		uc := t.b(bUsersByCustomer).Cursor()
		for uk, _ := uc.Seek(uprefix); uk != nil && bytes.HasPrefix(uk, uprefix); uk, _ = uc.Next() {
			users = append(users, btoi(uk[len(uk)-8:]))
		}
		if len(users) == 0 {
			continue
		}
		var entries []entrySummary
		eprefix := itob(cs.id)
		ec := t.b(bCustCatalog).Cursor()
		for ek, _ := ec.Seek(eprefix); ek != nil && bytes.HasPrefix(ek, eprefix); ek, _ = ec.Next() {
			eid := btoi(ek[8:])
			if f.EntryID != 0 && eid != f.EntryID {
				continue
			}
			info, seen := entryCache[eid]
			if !seen {
				s := decodeEntrySummary(sums.Get(itob(eid)))
				info = entryInfo{s, s.visible && (cats == nil || cats[s.category])}
				entryCache[eid] = info
			}
			if info.ok {
				entries = append(entries, info.sum)
			}
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].code < entries[j].code })
		var cust *model.Customer
		for _, es := range entries {
			for _, uid := range users {
				raw := visits.Get(key(es.id, uid))
				var v *model.Visit
				if raw != nil && (f.From != "" || f.To != "" || f.Visited != "") {
					v = &model.Visit{}
					if err := json.Unmarshal(raw, v); err != nil {
						return nil, 0, err
					}
					if (f.From != "" && day(v.Last) < f.From) || (f.To != "" && day(v.First) > f.To) {
						v = nil // no visit in the range
					}
					raw = nil
					if v != nil {
						raw = []byte{1}
					}
				}
				visited := raw != nil
				if f.Visited == "yes" && !visited || f.Visited == "no" && visited {
					continue
				}
				if total >= p.Offset && (p.Limit == 0 || p.Limit > 0 && len(out) < p.Limit) && len(out) < MaxVisitRows {
					if cust == nil {
						c, err := t.customer(cs.id)
						if err != nil {
							return nil, 0, err
						}
						cust = c
					}
					u, err := t.user(uid)
					if err != nil {
						return nil, 0, err
					}
					row := &VisitRow{EntryID: es.id, EntryCode: es.code, EntryName: es.name, Customer: cust, User: u}
					if visited {
						row.Visit = &model.Visit{}
						if err := getJSON(visits, key(es.id, uid), row.Visit); err != nil {
							return nil, 0, err
						}
					}
					out = append(out, row)
				}
				total++
			}
		}
	}
	return out, total, nil
}

// VisitOf returns the statistics of one entry and user (nil: never).
func (t *Tx) VisitOf(entryID, userID uint64) *model.Visit {
	v := &model.Visit{}
	if getJSON(t.b(bVisits), key(entryID, userID), v) != nil {
		return nil
	}
	return v
}
