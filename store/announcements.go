package store

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	"dealerportal/model"
)

// Announcements (企业公告): records by id, two list indexes (by effective
// time and by number) whose values summarise the record, an audience index
// that answers "which announcements address this customer" with a few prefix
// scans, per-user read marks, and the audited announcements whose
// publication message waits for their effective time.
var (
	bAnnouncements         = []byte("announcements")
	bAnnouncementsByDate   = []byte("announcements_by_date")   // effective unix + id → summary
	bAnnouncementsByNumber = []byte("announcements_by_number") // number → summary
	bAnnouncementAudience  = []byte("announcement_audience")   // kind + target id + id → nil
	bAnnouncementReads     = []byte("announcement_reads")      // user id + id → read unix
	bAnnouncementsToNotify = []byte("announcements_to_notify") // id → nil
)

// OwnerAnnouncement is the attachments' owner type of announcements.
const OwnerAnnouncement = "announcement"

func init() {
	// A dealer may download an announcement's attachment exactly when it may
	// open the announcement: audited, valid now, addressed to its customer.
	RegisterAttachmentAccess(OwnerAnnouncement, func(t *Tx, sc Scope, a *model.Attachment) bool {
		_, err := t.Announcement(sc, a.OwnerID)
		return err == nil
	})
}

// annSummary is what the list indexes carry: enough to filter, check
// validity and page without decoding the record.
type annSummary struct {
	id        uint64
	status    model.Status
	effective time.Time
	expires   time.Time
	search    string
}

var statusCodes = map[model.Status]byte{model.StatusDraft: 'd', model.StatusAudited: 'a', model.AnnouncementInvalid: 'i'}

func encodeAnnSummary(a *model.Announcement) []byte {
	b := make([]byte, 0, 64)
	b = binary.BigEndian.AppendUint64(b, a.ID)
	b = append(b, statusCodes[a.Status])
	b = binary.BigEndian.AppendUint64(b, uint64(a.EffectiveFrom.Unix()))
	var exp uint64
	if !a.ExpiresAt.IsZero() {
		exp = uint64(a.ExpiresAt.Unix())
	}
	b = binary.BigEndian.AppendUint64(b, exp)
	return append(b, strings.ToLower(a.Number+"\x1f"+a.Title)...)
}

func decodeAnnSummary(b []byte) annSummary {
	if len(b) < 25 {
		return annSummary{}
	}
	s := annSummary{id: btoi(b[0:8]), effective: time.Unix(int64(btoi(b[9:17])), 0).UTC(), search: string(b[25:])}
	for st, c := range statusCodes {
		if c == b[8] {
			s.status = st
		}
	}
	if exp := btoi(b[17:25]); exp != 0 {
		s.expires = time.Unix(int64(exp), 0).UTC()
	}
	return s
}

func annDateKey(a *model.Announcement) []byte {
	return key(uint64(a.EffectiveFrom.Unix()), a.ID)
}

// audienceKeys are the audience index keys of a: 'A' for all customers,
// 'C', 'G', 'O' + target id for customers, groups and org units.
func audienceKeys(a *model.Announcement) [][]byte {
	var out [][]byte
	if a.Audience.All {
		out = append(out, append([]byte{'A'}, itob(a.ID)...))
	}
	add := func(kind byte, ids []uint64) {
		for _, id := range ids {
			out = append(out, append([]byte{kind}, key(id, a.ID)...))
		}
	}
	add('C', a.Audience.Customers)
	add('G', a.Audience.Groups)
	add('O', a.Audience.OrgUnits)
	return out
}

// addressedTo returns the ids of the announcements (any status) whose
// audience covers customer c: all-customer ones, and those naming c, its
// group, or its org unit or any unit above it.
func (t *Tx) addressedTo(c *model.Customer) map[uint64]bool {
	ids := map[uint64]bool{}
	cur := t.b(bAnnouncementAudience).Cursor()
	scan := func(prefix []byte) {
		for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
			ids[btoi(k[len(k)-8:])] = true
		}
	}
	scan([]byte{'A'})
	scan(append([]byte{'C'}, itob(c.ID)...))
	if c.GroupID != 0 {
		scan(append([]byte{'G'}, itob(c.GroupID)...))
	}
	tree := t.OrgTree()
	for id, seen := c.OrgUnitID, 0; id != 0 && seen < 64; seen++ {
		scan(append([]byte{'O'}, itob(id)...))
		u := tree.Unit(id)
		if u == nil {
			break
		}
		id = u.ParentID
	}
	return ids
}

func (t *Tx) announcement(id uint64) (*model.Announcement, error) {
	a := &model.Announcement{}
	if err := t.getJSONID(t.b(bAnnouncements), id, a); err != nil {
		return nil, err
	}
	return a, nil
}

// Announcement returns an announcement the scope may see: staff one whose
// audience lies within their scope (CoversAudience: every customer, group
// and org unit it names, and "all customers" only for a scope that covers
// everyone); a dealer one only while it is audited and valid and its
// audience covers the dealer's customer. ErrNotFound otherwise.
func (t *Tx) Announcement(sc Scope, id uint64) (*model.Announcement, error) {
	a, err := t.announcement(id)
	if err != nil {
		return nil, err
	}
	if sc.IsStaff() {
		if !t.CoversAudience(sc, a.Audience) {
			return nil, model.ErrNotFound
		}
		return a, nil
	}
	if sc.CustomerID() == 0 || !a.Valid(t.Now) {
		return nil, model.ErrNotFound
	}
	c, err := t.customer(sc.CustomerID())
	if err != nil || !a.Audience.Covers(c, t.OrgTree()) {
		return nil, model.ErrNotFound
	}
	return a, nil
}

// Announcement is the one-transaction form of Tx.Announcement.
func (s *Store) Announcement(sc Scope, id uint64) (a *model.Announcement, err error) {
	err = s.View(func(t *Tx) error { a, err = t.Announcement(sc, id); return err })
	return
}

// SaveAnnouncement creates (ID 0, numbered AN-YYYY-NNNNNN) or updates a draft
// announcement with optimistic locking. Only staff may save; chosen customers
// must exist, groups and org units must exist, and every target must lie in
// the editor's scope ("all customers" only for a scope that covers
// everyone): otherwise a ValidationError at the audience field. An existing
// announcement outside the scope is ErrNotFound. A published or invalidated
// announcement must be unaudited first.
func (t *Tx) SaveAnnouncement(sc Scope, a *model.Announcement) (err error) {
	defer keepOnError(&a.ID, &a.Meta, &err)()
	if !sc.IsStaff() {
		return model.ErrNotFound
	}
	if err := a.Validate(); err != nil {
		return err
	}
	if err := t.checkAudience(sc, a.Audience); err != nil {
		return err
	}
	b := t.b(bAnnouncements)
	if a.ID == 0 {
		id, err := nextID(b)
		if err != nil {
			return err
		}
		a.ID = id
		if a.Number, err = t.NextDocNumber(model.DocAnnouncement, t.Zone()); err != nil {
			return err
		}
		a.Status = model.StatusDraft
		a.Trail = []model.AuditEntry{{At: t.Now.UTC(), By: t.By, Action: "create", To: model.StatusDraft}}
		t.stamp(a)
	} else {
		old, err := t.Announcement(sc, a.ID)
		if err != nil {
			return err
		}
		if err := t.checkVersion(old, a); err != nil {
			return err
		}
		if old.Status != model.StatusDraft {
			return &model.StateError{Action: "edit", Status: string(old.Status)}
		}
		a.Number, a.Status, a.Trail = old.Number, old.Status, old.Trail
		if err := t.unindexAnnouncement(old); err != nil {
			return err
		}
	}
	return t.putAnnouncement(a)
}

// checkAudience refuses, at the audience's fields, targets that do not exist
// and targets outside sc.
func (t *Tx) checkAudience(sc Scope, aud model.Audience) error {
	v := &model.ValidationError{}
	in := t.audienceScope(sc)
	if aud.All && !sc.CoversEveryone() {
		v.Add("audience", "err.audience_out_of_scope", nil)
	}
	for _, id := range aud.Customers {
		if !in.customer(id) {
			v.Add("audience_customers", "err.audience_out_of_scope", nil)
			break
		}
	}
	for _, id := range aud.Groups {
		if _, err := t.CustomerGroup(id); err != nil {
			v.Add("audience_groups", "err.choice", nil)
			break
		}
		if !in.group(id) {
			v.Add("audience_groups", "err.audience_out_of_scope", nil)
			break
		}
	}
	tree := t.OrgTree()
	for _, id := range aud.OrgUnits {
		if tree.Unit(id) == nil {
			v.Add("audience_orgs", "err.choice", nil)
			break
		}
		if !in.org(id) {
			v.Add("audience_orgs", "err.audience_out_of_scope", nil)
			break
		}
	}
	return v.Err()
}

func (t *Tx) putAnnouncement(a *model.Announcement) error {
	sum := encodeAnnSummary(a)
	if err := t.b(bAnnouncementsByDate).Put(annDateKey(a), sum); err != nil {
		return err
	}
	if err := t.b(bAnnouncementsByNumber).Put([]byte(a.Number), sum); err != nil {
		return err
	}
	for _, k := range audienceKeys(a) {
		if err := t.b(bAnnouncementAudience).Put(k, nil); err != nil {
			return err
		}
	}
	return putJSON(t.b(bAnnouncements), itob(a.ID), a)
}

func (t *Tx) unindexAnnouncement(old *model.Announcement) error {
	if err := t.b(bAnnouncementsByDate).Delete(annDateKey(old)); err != nil {
		return err
	}
	if err := t.b(bAnnouncementsByNumber).Delete([]byte(old.Number)); err != nil {
		return err
	}
	for _, k := range audienceKeys(old) {
		if err := t.b(bAnnouncementAudience).Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// ActOnAnnouncement performs a life-cycle action (audit, unaudit,
// invalidate) by u on the announcement with id at version. Auditing
// publishes it: the announcement.published event goes to every active
// customer of the audience now, or, for one that takes effect later, when
// it does (PublishDueAnnouncements). Unaudit and invalidate cancel a
// publication still waiting. It returns ErrNotFound, a ConflictError for a
// stale version, or ErrNotAllowed / a StateError from the state machine.
func (t *Tx) ActOnAnnouncement(sc Scope, id, version uint64, action string, u *model.User) (*model.Announcement, error) {
	if !sc.IsStaff() {
		return nil, model.ErrNotFound
	}
	a, err := t.Announcement(sc, id)
	if err != nil {
		return nil, err
	}
	if a.Version != version {
		return nil, &model.ConflictError{By: a.UpdatedBy, At: a.UpdatedAt}
	}
	old := *a
	if err := model.AnnouncementMachine.Apply(&a.Doc, action, u, "", t.Now); err != nil {
		return nil, err
	}
	a.Version++
	a.UpdatedAt, a.UpdatedBy = t.Now, t.By
	if err := t.unindexAnnouncement(&old); err != nil {
		return nil, err
	}
	if err := t.putAnnouncement(a); err != nil {
		return nil, err
	}
	if a.Status != model.StatusAudited {
		return a, t.b(bAnnouncementsToNotify).Delete(itob(a.ID))
	}
	if a.EffectiveFrom.After(t.Now) {
		return a, t.b(bAnnouncementsToNotify).Put(itob(a.ID), nil)
	}
	_, err = t.emitAnnouncement(a)
	return a, err
}

// emitAnnouncement raises announcement.published for every active customer
// of a's audience and returns how many.
func (t *Tx) emitAnnouncement(a *model.Announcement) (int, error) {
	loc := t.Zone()
	params := map[string]string{
		"title":          a.Title,
		"effective_from": a.EffectiveFrom.In(loc).Format("2006-01-02 15:04"),
		"link":           "/announcements/" + strconv.FormatUint(a.ID, 10),
	}
	if !a.ExpiresAt.IsZero() {
		params["expires_at"] = a.ExpiresAt.In(loc).Format("2006-01-02 15:04")
	}
	ids := t.AudienceCustomers(a.Audience)
	for _, cid := range ids {
		m := &model.OutboxMessage{Event: model.EventAnnouncementPublished, CustomerID: cid, DocType: model.DocAnnouncement,
			DocID: a.ID, DocNumber: a.Number, Params: params}
		if err := t.Emit(m); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// PublishDueAnnouncements raises the publication events of audited
// announcements that have taken effect since they were audited, and returns
// how many announcements it published.
func (t *Tx) PublishDueAnnouncements() (int, error) {
	var due []uint64
	c := t.b(bAnnouncementsToNotify).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		due = append(due, btoi(k))
	}
	n := 0
	for _, id := range due {
		a, err := t.announcement(id)
		if err != nil || a.Status != model.StatusAudited {
			if err := t.b(bAnnouncementsToNotify).Delete(itob(id)); err != nil {
				return n, err
			}
			continue
		}
		if a.EffectiveFrom.After(t.Now) {
			continue
		}
		if err := t.b(bAnnouncementsToNotify).Delete(itob(id)); err != nil {
			return n, err
		}
		if a.Valid(t.Now) {
			if _, err := t.emitAnnouncement(a); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// AnnouncementsDue reports whether an audited announcement waits for its
// publication message and has taken effect (read-only; the worker then calls
// PublishDueAnnouncements in a write transaction).
func (t *Tx) AnnouncementsDue() bool {
	c := t.b(bAnnouncementsToNotify).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		a, err := t.announcement(btoi(k))
		if err != nil || !a.EffectiveFrom.After(t.Now) || a.Status != model.StatusAudited {
			return true
		}
	}
	return false
}

// AudienceCustomers lists the ids of the active customers the audience
// covers, in code order, reading only the customer index.
func (t *Tx) AudienceCustomers(aud model.Audience) []uint64 {
	tree := t.OrgTree()
	var out []uint64
	cur := t.b(bCustomersByCode).Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		s := decodeSummary(v)
		if s.active && aud.Covers(&model.Customer{ID: s.id, GroupID: s.group, OrgUnitID: s.org}, tree) {
			out = append(out, s.id)
		}
	}
	return out
}

// DeleteAnnouncement removes a draft announcement at version, with its
// attachments and read marks' index entries.
func (t *Tx) DeleteAnnouncement(sc Scope, id, version uint64) error {
	if !sc.IsStaff() {
		return model.ErrNotFound
	}
	a, err := t.Announcement(sc, id)
	if err != nil {
		return err
	}
	if a.Version != version {
		return &model.ConflictError{By: a.UpdatedBy, At: a.UpdatedAt}
	}
	if a.Status != model.StatusDraft {
		return &model.StateError{Action: "delete", Status: string(a.Status)}
	}
	atts, err := t.Attachments(OwnerAnnouncement, id)
	if err != nil {
		return err
	}
	for _, at := range atts {
		if err := t.DeleteAttachment(sc, at.ID); err != nil {
			return err
		}
	}
	if err := t.unindexAnnouncement(a); err != nil {
		return err
	}
	return t.b(bAnnouncements).Delete(itob(id))
}

// AnnouncementFilter narrows the staff list. Zero fields do not filter.
type AnnouncementFilter struct {
	Q          string       // number or title contains
	State      model.Status // draft, scheduled, audited (valid now), expired, invalid
	CustomerID uint64       // addressed to this customer
	From, To   time.Time    // effective within [From, To)
	Sort       string       // "effective" (default) or "number"
}

// ListAnnouncements returns one page of the announcements matching f whose
// audience lies within the staff scope sc, paging through an index.
func (t *Tx) ListAnnouncements(sc Scope, f AnnouncementFilter, p Page) ([]*model.Announcement, int, error) {
	if !sc.IsStaff() {
		return nil, 0, model.ErrNotFound
	}
	hidden := t.idsOutside(sc, bAnnouncementAudience)
	var only map[uint64]bool
	if f.CustomerID != 0 {
		c, err := t.Customer(sc, f.CustomerID)
		if err != nil {
			return nil, 0, nil
		}
		only = t.addressedTo(c)
	}
	q := strings.ToLower(strings.TrimSpace(f.Q))
	idx := bAnnouncementsByDate
	if f.Sort == "number" {
		idx = bAnnouncementsByNumber
	}
	vals, total := scanIndex(t.b(idx), nil, p, func(_, v []byte) bool {
		s := decodeAnnSummary(v)
		return !hidden[s.id] && (only == nil || only[s.id]) &&
			(f.State == "" || model.AnnouncementState(s.status, s.effective, s.expires, t.Now) == f.State) &&
			(f.From.IsZero() || !s.effective.Before(f.From)) &&
			(f.To.IsZero() || s.effective.Before(f.To)) &&
			(q == "" || strings.Contains(s.search, q))
	})
	return t.loadAnnouncements(vals, total)
}

func (t *Tx) loadAnnouncements(vals [][]byte, total int) ([]*model.Announcement, int, error) {
	out := make([]*model.Announcement, 0, len(vals))
	for _, v := range vals {
		a, err := t.announcement(decodeAnnSummary(v).id)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, total, nil
}

// MyAnnouncements returns one page of 我的公告 for a dealer scope: the
// audited announcements valid now whose audience covers the dealer's
// customer, newest effective first, with q searching number and title.
func (t *Tx) MyAnnouncements(sc Scope, q string, p Page) ([]*model.Announcement, int, error) {
	if sc.CustomerID() == 0 {
		return nil, 0, nil
	}
	c, err := t.customer(sc.CustomerID())
	if err != nil {
		return nil, 0, nil
	}
	mine := t.addressedTo(c)
	q = strings.ToLower(strings.TrimSpace(q))
	p.Desc = true
	vals, total := scanIndex(t.b(bAnnouncementsByDate), nil, p, func(_, v []byte) bool {
		s := decodeAnnSummary(v)
		return mine[s.id] && model.AnnouncementValid(s.status, s.effective, s.expires, t.Now) &&
			(q == "" || strings.Contains(s.search, q))
	})
	return t.loadAnnouncements(vals, total)
}

// UnreadAnnouncements counts the announcements of 我的公告 that user has not
// opened yet.
func (t *Tx) UnreadAnnouncements(sc Scope, userID uint64) int {
	rows, _, err := t.MyAnnouncements(sc, "", Page{})
	if err != nil {
		return 0
	}
	n := 0
	for _, a := range rows {
		if t.AnnouncementReadAt(userID, a.ID).IsZero() {
			n++
		}
	}
	return n
}

// AnnouncementReadAt returns when user first opened the announcement, zero
// when never.
func (t *Tx) AnnouncementReadAt(userID, id uint64) time.Time {
	v := t.b(bAnnouncementReads).Get(key(userID, id))
	if len(v) < 8 {
		return time.Time{}
	}
	return time.Unix(int64(btoi(v)), 0).UTC()
}

// MarkAnnouncementRead records that user opened the announcement (the first
// time counts; later calls change nothing).
func (t *Tx) MarkAnnouncementRead(userID, id uint64) error {
	k := key(userID, id)
	if t.b(bAnnouncementReads).Get(k) != nil {
		return nil
	}
	return t.b(bAnnouncementReads).Put(k, itob(uint64(t.Now.Unix())))
}

// AudienceByCodes resolves the customer codes an announcement's audience
// names, inside sc: the customers' ids, and the codes that name nobody
// there.
func (t *Tx) AudienceByCodes(sc Scope, codes []string) (ids []uint64, unknown []string) {
	for _, code := range codes {
		cu, err := t.CustomerByCode(sc, code)
		if err != nil {
			unknown = append(unknown, code)
			continue
		}
		ids = append(ids, cu.ID)
	}
	return ids, unknown
}

// AnnouncementInput is the form of the use case SaveAnnouncement.
type AnnouncementInput struct {
	// Announcement holds the posted fields: ID 0 for a new one, Version as
	// the form showed it, the audience's groups and org units.
	Announcement *model.Announcement
	// CustomerCodes are the customers of the audience as typed; each must
	// be one of the actor's scope.
	CustomerCodes []string
	// Invalid is what the form's parsing refused (bad times), reported
	// together with the use case's own refusals.
	Invalid *model.ValidationError
}

// SaveAnnouncement creates or changes a draft announcement: one use case,
// at most once per a.Once for a new one. It returns the announcement's id.
// The audience's customers are looked up by code inside a.Scope (unknown
// ones are a field error); the rest as Tx.SaveAnnouncement. The caller has
// checked that a.User manages announcements.
func (s *Store) SaveAnnouncement(a Actor, in AnnouncementInput) (uint64, error) {
	an, form := in.Announcement, *in.Announcement
	return s.act(a, func(t *Tx) (uint64, error) {
		*an = form // the body may run twice (a retried transaction)
		ve := &model.ValidationError{}
		var unknown []string
		an.Audience.Customers, unknown = t.AudienceByCodes(a.Scope, in.CustomerCodes)
		if len(unknown) > 0 {
			ve.Add("audience_customers", "err.unknown_codes", map[string]any{"codes": strings.Join(unknown, ", ")})
		}
		if err := formRefusal(ve, in.Invalid, an.Validate()); err != nil {
			return 0, err
		}
		return an.ID, t.SaveAnnouncement(a.Scope, an)
	})
}

// ActOnAnnouncement takes action (audit, unaudit, invalidate) on
// announcement id at the version the user saw: one use case, at most once
// per a.Once. Errors as Tx.ActOnAnnouncement's.
func (s *Store) ActOnAnnouncement(a Actor, id, version uint64, action string) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		_, err := t.ActOnAnnouncement(a.Scope, id, version, action, a.User)
		return 0, err
	})
	return err
}

// RemoveAnnouncement deletes draft announcement id at the version the user
// saw, once per a.Once. Errors as DeleteAnnouncement's.
func (s *Store) RemoveAnnouncement(a Actor, id, version uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		return 0, t.DeleteAnnouncement(a.Scope, id, version)
	})
	return err
}

// ReadAnnouncement marks announcement id read by a.User (a dealer opened
// it); the caller has loaded it through a.Scope.
func (s *Store) ReadAnnouncement(a Actor, id uint64) error {
	return s.Update(a.User.Username, func(t *Tx) error { return t.MarkAnnouncementRead(a.User.ID, id) })
}
