package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// The message platform's records: a template per event, the users' opt-outs,
// the messaging settings (in the settings bucket under their own key), the
// deliveries made from outbox events, and the per-user in-app inbox.
var (
	bMessageTemplates = []byte("message_templates") // event → template
	bMessagePrefs     = []byte("message_prefs")     // user id → opt-outs
	bDeliveries       = []byte("deliveries")        // id → delivery
	bDeliveriesIndex  = []byte("deliveries_index")  // id → status, channel, event (the admin list)
	bDeliveriesDue    = []byte("deliveries_due")    // channel + next try + id → nil, pending only
	bInbox            = []byte("inbox")             // user id + message id → message
	bInboxUnread      = []byte("inbox_unread")      // user id + message id → nil, unread only
)

var keyMessaging = []byte("messaging")

// MessagingSettings returns the message platform's settings, with defaults
// when none were saved.
func (t *Tx) MessagingSettings() *model.MessagingSettings {
	s := model.DefaultMessagingSettings()
	_ = getJSON(t.b(bSettings), keyMessaging, s)
	return s
}

// MessagingSettings is the one-transaction form of Tx.MessagingSettings.
func (s *Store) MessagingSettings() (out *model.MessagingSettings) {
	_ = s.View(func(t *Tx) error { out = t.MessagingSettings(); return nil })
	return
}

// SaveMessagingSettings validates and stores the settings with optimistic
// locking.
func (t *Tx) SaveMessagingSettings(s *model.MessagingSettings) (err error) {
	var id uint64
	defer keepOnError(&id, &s.Meta, &err)()
	if err := s.Validate(); err != nil {
		return err
	}
	if err := t.checkVersion(t.MessagingSettings(), s); err != nil {
		return err
	}
	return putJSON(t.b(bSettings), keyMessaging, s)
}

// MessageTemplate returns the template of event e, or ErrNotFound when the
// admin has none for it (the event then sends nothing).
func (t *Tx) MessageTemplate(e model.Event) (*model.MessageTemplate, error) {
	m := &model.MessageTemplate{}
	if err := getJSON(t.b(bMessageTemplates), []byte(e), m); err != nil {
		return nil, err
	}
	return m, nil
}

// SaveMessageTemplate validates and stores a template: a new one (version 0)
// when the event has none, else an update with optimistic locking.
func (t *Tx) SaveMessageTemplate(m *model.MessageTemplate) (err error) {
	var id uint64
	defer keepOnError(&id, &m.Meta, &err)()
	if err := m.Validate(); err != nil {
		return err
	}
	if old, err := t.MessageTemplate(m.Event); err == nil {
		if err := t.checkVersion(old, m); err != nil {
			return err
		}
	} else if m.Version != 0 {
		return &model.ConflictError{}
	} else {
		t.stamp(m)
	}
	return putJSON(t.b(bMessageTemplates), []byte(m.Event), m)
}

// AddMissingTemplates stores each of defaults whose event has no template
// yet and returns how many it added; existing templates stay as the admin
// left them.
func (t *Tx) AddMissingTemplates(defaults []*model.MessageTemplate) (int, error) {
	n := 0
	for _, m := range defaults {
		if t.b(bMessageTemplates).Get([]byte(m.Event)) != nil {
			continue
		}
		m.Version = 0
		if err := t.SaveMessageTemplate(m); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// MessagePrefs returns a user's opt-outs (empty when none).
func (t *Tx) MessagePrefs(userID uint64) *model.MessagePrefs {
	p := &model.MessagePrefs{UserID: userID}
	_ = t.getJSONID(t.b(bMessagePrefs), userID, p)
	return p
}

// SaveMessagePrefs stores a user's opt-outs.
func (t *Tx) SaveMessagePrefs(p *model.MessagePrefs) error {
	return putJSON(t.b(bMessagePrefs), itob(p.UserID), p)
}

// UserScope is ScopeFor inside a transaction (the org tree is read through
// it): which customers a message about them may be sent to u for.
func (t *Tx) UserScope(u *model.User) Scope { return scopeFor(u, t.OrgTree) }

// --- deliveries ---

var channelCodes = map[model.Channel]byte{model.ChannelInApp: 'i', model.ChannelEmail: 'e', model.ChannelSMS: 's'}
var deliveryCodes = map[model.DeliveryStatus]byte{model.DeliveryPending: 'p', model.DeliverySent: 's', model.DeliveryDead: 'd'}

func deliverySummary(d *model.Delivery) []byte {
	return append([]byte{deliveryCodes[d.Status], channelCodes[d.Channel]}, d.Event...)
}

func dueKey(d *model.Delivery) []byte {
	return append([]byte{channelCodes[d.Channel]}, key(uint64(d.NextTry.UnixNano()), d.ID)...)
}

// AddDelivery stores a new delivery made from an outbox event and gives it
// its id. An in-app delivery is delivered at once, in this same
// transaction: the inbox message (keyed by the delivery's id) and the "sent"
// mark commit together or not at all, so an in-app message can never be
// written twice. Others wait as pending for the sender of their channel.
func (t *Tx) AddDelivery(d *model.Delivery) error { return t.AddDeliveries([]*model.Delivery{d}) }

// AddDeliveries is AddDelivery for each of ds, in order. It reads nothing
// but the deliveries' sequence: on PostgreSQL a fan-out batch makes no round
// trip of its own while its group holds the writers' turn.
func (t *Tx) AddDeliveries(ds []*model.Delivery) error {
	for _, d := range ds {
		id, err := nextID(t.b(bDeliveries))
		if err != nil {
			return err
		}
		d.ID = id
		if err := t.addDelivery(d); err != nil {
			return err
		}
	}
	return nil
}

// addDelivery stores d, whose id is given.
func (t *Tx) addDelivery(d *model.Delivery) error {
	d.CreatedAt, d.NextTry = t.Now, t.Now
	d.Status = model.DeliveryPending
	if d.Channel == model.ChannelInApp {
		msg := &model.InboxMessage{ID: d.ID, UserID: d.UserID, Event: d.Event, Subject: d.Subject, Body: d.Body,
			Link: d.Link, DocNumber: d.DocNumber, CreatedAt: t.Now}
		// The message's key holds the delivery's id, new from the
		// deliveries' sequence in this transaction: nothing is there to
		// read first (on PostgreSQL a round trip under the writers' lock).
		k := key(d.UserID, d.ID)
		if err := putJSON(t.b(bInbox), k, msg); err != nil {
			return err
		}
		if err := t.b(bInboxUnread).Put(k, nil); err != nil {
			return err
		}
		t.inboxChanged(d.UserID)
		d.Status, d.SentAt, d.Attempts = model.DeliverySent, t.Now, 1
	}
	return t.putDelivery(nil, d)
}

func (t *Tx) putDelivery(old, d *model.Delivery) error {
	if old != nil && old.Status == model.DeliveryPending {
		if err := t.b(bDeliveriesDue).Delete(dueKey(old)); err != nil {
			return err
		}
	}
	if d.Status == model.DeliveryPending {
		if err := t.b(bDeliveriesDue).Put(dueKey(d), nil); err != nil {
			return err
		}
	}
	if err := t.b(bDeliveriesIndex).Put(itob(d.ID), deliverySummary(d)); err != nil {
		return err
	}
	return putJSON(t.b(bDeliveries), itob(d.ID), d)
}

// Delivery returns one delivery or ErrNotFound.
func (t *Tx) Delivery(id uint64) (*model.Delivery, error) {
	d := &model.Delivery{}
	if err := t.getJSONID(t.b(bDeliveries), id, d); err != nil {
		return nil, err
	}
	return d, nil
}

// SaveDelivery writes back a delivery's state and keeps the indexes in step.
func (t *Tx) SaveDelivery(d *model.Delivery) error {
	old, err := t.Delivery(d.ID)
	if err != nil {
		return err
	}
	return t.putDelivery(old, d)
}

// DueDeliveries returns up to limit pending deliveries of channel ch whose
// next try has come, earliest first, reading only the due index up to now.
func (t *Tx) DueDeliveries(ch model.Channel, limit int) ([]*model.Delivery, error) {
	var out []*model.Delivery
	prefix := []byte{channelCodes[ch]}
	now := uint64(t.Now.UnixNano())
	c := t.b(bDeliveriesDue).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, _ = c.Next() {
		if len(k) < 17 || btoi(k[1:9]) > now {
			break
		}
		d, err := t.Delivery(btoi(k[9:17]))
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// InterruptedDeliveries returns the pending deliveries of ch that were being
// handed to their server when the process stopped (Sending still set).
func (t *Tx) InterruptedDeliveries(ch model.Channel) ([]*model.Delivery, error) {
	var out []*model.Delivery
	prefix := []byte{channelCodes[ch]}
	c := t.b(bDeliveriesDue).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		d, err := t.Delivery(btoi(k[9:17]))
		if err != nil {
			return nil, err
		}
		if d.Sending {
			out = append(out, d)
		}
	}
	return out, nil
}

// DeliveryFilter narrows the admin's outbox list. Zero fields do not filter.
type DeliveryFilter struct {
	Status  model.DeliveryStatus
	Channel model.Channel
	Event   model.Event
}

func (f DeliveryFilter) match(v []byte) bool {
	return len(v) >= 2 && (f.Status == "" || v[0] == deliveryCodes[f.Status]) &&
		(f.Channel == "" || v[1] == channelCodes[f.Channel]) &&
		(f.Event == "" || string(v[2:]) == string(f.Event))
}

// ListDeliveries returns one page of deliveries matching f (newest first
// with p.Desc) and how many match, paging through the index.
func (t *Tx) ListDeliveries(f DeliveryFilter, p Page) ([]*model.Delivery, int, error) {
	ids, total := t.deliveryIDs(f, p)
	out := make([]*model.Delivery, 0, len(ids))
	for _, id := range ids {
		d, err := t.Delivery(id)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, nil
}

// deliveryIDs returns the ids on page p of the deliveries matching f, and how
// many match in all. The index value holds status, channel and event, so no
// record is decoded.
func (t *Tx) deliveryIDs(f DeliveryFilter, p Page) (ids []uint64, total int) {
	c := t.b(bDeliveriesIndex).Cursor()
	k, v := c.First()
	if p.Desc {
		k, v = c.Last()
	}
	for ; k != nil; k, v = step(c, p.Desc) {
		if !f.match(v) {
			continue
		}
		if total >= p.Offset && (p.Limit == 0 || p.Limit > 0 && len(ids) < p.Limit) {
			ids = append(ids, btoi(k))
		}
		total++
	}
	return ids, total
}

// RetryDelivery puts a dead (or waiting) delivery back in the queue to be
// tried now, with a fresh count of attempts. Sent ones are left alone.
func (t *Tx) RetryDelivery(id uint64) (*model.Delivery, error) {
	d, err := t.Delivery(id)
	if err != nil {
		return nil, err
	}
	old := *d
	if !d.Retry(t.Now) {
		return d, nil
	}
	return d, t.putDelivery(&old, d)
}

// RetryDeadDeliveries requeues every dead delivery matching f and returns
// how many.
func (t *Tx) RetryDeadDeliveries(f DeliveryFilter) (int, error) {
	f.Status = model.DeliveryDead
	ids, _ := t.deliveryIDs(f, Page{})
	for _, id := range ids {
		if _, err := t.RetryDelivery(id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// DeliveryCounts returns how many deliveries are pending, sent and dead.
func (t *Tx) DeliveryCounts() map[model.DeliveryStatus]int {
	out := map[model.DeliveryStatus]int{}
	_ = t.b(bDeliveriesIndex).ForEach(func(_, v []byte) error {
		for st, c := range deliveryCodes {
			if len(v) > 0 && v[0] == c {
				out[st]++
			}
		}
		return nil
	})
	return out
}

// DeadOutbox returns the ids of outbox events whose fan-out failed for good.
func (t *Tx) DeadOutbox() []uint64 {
	var out []uint64
	_ = t.b(bOutbox).ForEach(func(k, v []byte) error {
		if outboxDead(v) {
			out = append(out, btoi(k))
		}
		return nil
	})
	return out
}

// outboxDead reports whether stored outbox record v is dead. Records are
// compressed (putRecord) or, on PostgreSQL, JSON that the database may
// have respaced, so the status is read from the decoded record; the word
// "dead" must be in its JSON first (a cheap filter).
func outboxDead(v []byte) bool {
	js, err := recordJSON(v)
	if err != nil || !bytes.Contains(js, []byte(`"dead"`)) {
		return false
	}
	var m struct {
		Status model.OutboxStatus `json:"status"`
	}
	return json.Unmarshal(js, &m) == nil && m.Status == model.OutboxDead
}

// --- inbox ---

// InboxMessage returns one message of user's inbox, or ErrNotFound (also for
// another user's message: the key holds the user).
func (t *Tx) InboxMessage(userID, id uint64) (*model.InboxMessage, error) {
	m := &model.InboxMessage{}
	if err := getJSON(t.b(bInbox), key(userID, id), m); err != nil {
		return nil, err
	}
	return m, nil
}

// Inbox returns one page of user's messages, newest first; unreadOnly pages
// through the unread index instead.
func (t *Tx) Inbox(userID uint64, unreadOnly bool, p Page) ([]*model.InboxMessage, int, error) {
	p.Desc = true
	idx := t.b(bInbox)
	if unreadOnly {
		idx = t.b(bInboxUnread)
	}
	var keys [][]byte
	_, total := scanIndex(idx, itob(userID), Page{Limit: -1}, nil)
	c, k, _ := firstUnder(idx, itob(userID), true)
	n := 0
	for ; k != nil && bytes.HasPrefix(k, itob(userID)); k, _ = c.Prev() {
		if n >= p.Offset && (p.Limit <= 0 || len(keys) < p.Limit) {
			keys = append(keys, bytes.Clone(k))
		}
		n++
		if p.Limit > 0 && len(keys) >= p.Limit {
			break
		}
	}
	out := make([]*model.InboxMessage, 0, len(keys))
	for _, k := range keys {
		m := &model.InboxMessage{}
		if err := getJSON(t.b(bInbox), k, m); err != nil {
			return nil, 0, err
		}
		out = append(out, m)
	}
	return out, total, nil
}

// UnreadCount is Tx.UnreadCount as last committed, without a transaction
// of the caller's: on PostgreSQL one statement (kv.CountPrefix), for the
// header's bell, which every signed-in page shows.
func (s *Store) UnreadCount(userID uint64, limit int) (int, error) {
	return kv.CountPrefix(s.db, bInboxUnread, itob(userID), limit)
}

// UnreadCount counts user's unread messages, stopping at limit (the header
// shows "99+"), so a check costs at most limit index keys.
func (t *Tx) UnreadCount(userID uint64, limit int) int {
	prefix := itob(userID)
	n := 0
	c := t.b(bInboxUnread).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && n < limit; k, _ = c.Next() {
		n++
	}
	return n
}

// MarkInboxRead marks one of user's messages read; ErrNotFound for a message
// that is not the user's.
func (t *Tx) MarkInboxRead(userID, id uint64) (*model.InboxMessage, error) {
	m, err := t.InboxMessage(userID, id)
	if err != nil {
		return nil, err
	}
	if !m.ReadAt.IsZero() {
		return m, nil
	}
	m.ReadAt = t.Now
	if err := t.b(bInboxUnread).Delete(key(userID, id)); err != nil {
		return nil, err
	}
	t.inboxChanged(userID)
	return m, putJSON(t.b(bInbox), key(userID, id), m)
}

// MarkAllInboxRead marks every unread message of user read and returns how
// many, walking only the unread index.
func (t *Tx) MarkAllInboxRead(userID uint64) (int, error) {
	prefix := itob(userID)
	var ids []uint64
	c := t.b(bInboxUnread).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		ids = append(ids, binary.BigEndian.Uint64(k[8:16]))
	}
	for _, id := range ids {
		if _, err := t.MarkInboxRead(userID, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// EventParam returns the value of placeholder name for lang from an outbox
// message's params: "name_zh"/"name_en" win over "name", so a module can pass
// a value in both languages.
func EventParam(m *model.OutboxMessage, name, lang string) string {
	if v, ok := m.Params[name+"_"+lang]; ok {
		return v
	}
	return m.Params[name]
}

// trimError keeps a delivery error short enough for the list.
func trimError(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 500 {
		s = string(r[:500]) + "…"
	}
	return s
}

// FinishDelivery records the result of one attempt on delivery id: sent, or
// failed and retried after the backoff, or dead after maxAttempts. It
// returns the delivery as saved.
func (t *Tx) FinishDelivery(id uint64, sendErr error, s *model.MessagingSettings) (*model.Delivery, error) {
	d, err := t.Delivery(id)
	if err != nil {
		return nil, err
	}
	old := *d
	d.Sending = false
	if sendErr == nil {
		d.Status, d.SentAt, d.LastError, d.ErrorKind = model.DeliverySent, t.Now, "", ""
	} else {
		d.LastError, d.ErrorKind = trimError(sendErr.Error()), model.SendErrorKindOf(sendErr)
		if d.Attempts >= s.MaxAttempts {
			d.Status = model.DeliveryDead
		} else {
			d.NextTry = t.Now.Add(s.Backoff(d.Attempts))
		}
	}
	return d, t.putDelivery(&old, d)
}

// StartAttempt marks delivery id as being handed to its server now (Sending
// set, one more attempt counted), just before the send, and returns it.
func (t *Tx) StartAttempt(id uint64) (*model.Delivery, error) {
	d, err := t.Delivery(id)
	if err != nil {
		return nil, err
	}
	if d.Status != model.DeliveryPending {
		return d, nil
	}
	old := *d
	d.Attempts++
	d.Sending = true
	return d, t.putDelivery(&old, d)
}
