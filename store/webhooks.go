package store

import (
	"bytes"
	"fmt"
	"time"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// The webhook queue (SPEC §6, signed webhooks): every event of the feed,
// for every API client with a webhook URL whose data scope covers the
// event's customer, becomes one small delivery record in the transaction
// that raised the event, so that it is as durable as the change itself.
// The record names the event by its feed position; the body is built when
// it is sent (package webhooks).
//
//   - webhook_deliveries  id → model.WebhookDelivery
//   - webhook_queue       client|customer|seq → id: the pending deliveries,
//     each customer's in commit order
//   - webhook_heads       client|customer → id|seq: the head of each queue,
//     the only delivery of that customer that may be sent
//   - webhook_due         client|next try|id → nil: the heads, by when they
//     are due
//   - webhook_by_client   client|id → id|status: every delivery kept, for the
//     admin's list
//   - webhook_dead        client|id → seq: the dead letters
//   - webhook_sending     id → nil: attempts under way
//
// Order per customer: only the head of a (client, customer) queue is ever
// due, so while it is being retried that customer's later events wait, and
// the other customers' queues go on. A head that dies (after the retry
// window) leaves the queue, and the next event of its customer goes.
var (
	bHookDeliveries = []byte("webhook_deliveries")
	bHookQueue      = []byte("webhook_queue")
	bHookHeads      = []byte("webhook_heads")
	bHookDue        = []byte("webhook_due")
	bHookByClient   = []byte("webhook_by_client")
	bHookDead       = []byte("webhook_dead")
	bHookSending    = []byte("webhook_sending")
)

var webhookBuckets = [][]byte{bHookDeliveries, bHookQueue, bHookHeads, bHookDue, bHookByClient, bHookDead, bHookSending}

func init() {
	RegisterIntegrityCheck(IntegrityCheck{Name: "webhook queue", Run: checkWebhooks})
}

// migrateWebhooks creates the webhook queue's buckets (migration 3).
func migrateWebhooks(tx kv.Tx) error {
	for _, name := range webhookBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

// webhookScope is the data scope of client c for its webhooks: the API's
// (Store.APIScope), so that a push reaches what a call would.
func (t *Tx) webhookScope(c *model.APIClient) Scope {
	if c.Disabled {
		return Scope{}
	}
	return clientScope(c, t.OrgTree)
}

// coversEvent reports whether scope sc reaches the customer of an event.
// An event without a customer is for clients of every customer only.
func (t *Tx) coversEvent(sc Scope, customerID uint64) bool {
	if customerID == 0 {
		return sc.CoversEveryone()
	}
	return t.AllowsCustomer(sc, customerID)
}

// queueWebhooks fans feed event ev (already appended, ev.Seq set) out to
// every client that receives webhooks and whose data scope covers the
// event's customer: one pending delivery each, in the caller's transaction.
func (t *Tx) queueWebhooks(ev *model.FeedEvent) error {
	if ev.Seq == 0 {
		return fmt.Errorf("webhooks: event %s has no feed position", ev.Event)
	}
	clients, err := t.APIClients()
	if err != nil {
		return err
	}
	for _, c := range clients {
		if c.ReceivesWebhooks() && t.coversEvent(t.webhookScope(c), ev.CustomerID) {
			if err := t.newWebhook(c.ID, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// newWebhook queues a new delivery of ev to client clientID.
func (t *Tx) newWebhook(clientID uint64, ev *model.FeedEvent) error {
	d := &model.WebhookDelivery{ClientID: clientID, CustomerID: ev.CustomerID, Seq: ev.Seq, Status: model.WebhookPending,
		CreatedAt: t.Now, NextTry: t.Now}
	id, err := nextID(t.b(bHookDeliveries))
	if err != nil {
		return err
	}
	d.ID = id
	if err := t.putWebhook(d); err != nil {
		return err
	}
	return t.enqueueWebhook(d)
}

// ReplayWebhooks queues the feed's events after position after for client
// clientID once more (those its scope covers and that are not pending for
// it already), delivered like new ones, in commit order per customer, with
// new Webhook-Ids; it returns how many. It is for a receiver that lost what
// it had received (restored from a backup). ErrNotAllowed for a client that
// does not receive webhooks.
func (t *Tx) ReplayWebhooks(clientID, after uint64) (int, error) {
	c, err := t.APIClient(clientID)
	if err != nil {
		return 0, err
	}
	if !c.ReceivesWebhooks() {
		return 0, model.ErrNotAllowed
	}
	sc := t.webhookScope(c)
	n := 0
	cur := t.b(bAPIEvents).Cursor()
	for k, v := cur.Seek(itob(after + 1)); k != nil; k, v = cur.Next() {
		ev := &model.FeedEvent{}
		if err := jsonUnmarshal(v, ev); err != nil {
			return 0, fmt.Errorf("feed event %d: %w", btoi(k), err)
		}
		ev.Seq = btoi(k)
		if !t.coversEvent(sc, ev.CustomerID) || t.b(bHookQueue).Get(key(clientID, ev.CustomerID, ev.Seq)) != nil {
			continue
		}
		if err := t.newWebhook(clientID, ev); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

func hookQueueKey(d *model.WebhookDelivery) []byte { return key(d.ClientID, d.CustomerID, d.Seq) }

func hookDueKey(d *model.WebhookDelivery) []byte {
	return key(d.ClientID, uint64(max(d.NextTry.UnixNano(), 0)), d.ID)
}

// putWebhook writes the record and its line in the client's list.
func (t *Tx) putWebhook(d *model.WebhookDelivery) error {
	if err := t.b(bHookByClient).Put(key(d.ClientID, d.ID), append(itob(d.ID), d.Status...)); err != nil {
		return err
	}
	return putJSON(t.b(bHookDeliveries), itob(d.ID), d)
}

// enqueueWebhook puts pending delivery d in its customer's queue.
func (t *Tx) enqueueWebhook(d *model.WebhookDelivery) error {
	if err := t.b(bHookQueue).Put(hookQueueKey(d), itob(d.ID)); err != nil {
		return err
	}
	return t.refreshHead(d.ClientID, d.CustomerID)
}

// dequeueWebhook takes d (no longer pending) out of its queue and the due
// index; dueAt is the due key it had while pending.
func (t *Tx) dequeueWebhook(d *model.WebhookDelivery, dueAt []byte) error {
	if err := t.b(bHookDue).Delete(dueAt); err != nil {
		return err
	}
	if err := t.b(bHookQueue).Delete(hookQueueKey(d)); err != nil {
		return err
	}
	return t.refreshHead(d.ClientID, d.CustomerID)
}

// refreshHead makes the first delivery of a (client, customer) queue its
// head, the one in the due index, after the queue changed.
func (t *Tx) refreshHead(clientID, customerID uint64) error {
	p := key(clientID, customerID)
	var first, firstSeq uint64
	if k, v := t.b(bHookQueue).Cursor().Seek(p); k != nil && bytes.HasPrefix(k, p) {
		first, firstSeq = btoi(v), btoi(k[16:])
	}
	heads := t.b(bHookHeads)
	var cur uint64
	if v := heads.Get(p); v != nil {
		cur = btoi(v)
	}
	if cur == first {
		return nil
	}
	if cur != 0 {
		if old, err := t.webhook(cur); err == nil {
			if err := t.b(bHookDue).Delete(hookDueKey(old)); err != nil {
				return err
			}
		}
	}
	if first == 0 {
		return heads.Delete(p)
	}
	d, err := t.webhook(first)
	if err != nil {
		return err
	}
	if err := t.b(bHookDue).Put(hookDueKey(d), nil); err != nil {
		return err
	}
	return heads.Put(p, key(first, firstSeq))
}

// isHead reports whether d is the head of its queue.
func (t *Tx) isHead(d *model.WebhookDelivery) bool {
	v := t.b(bHookHeads).Get(key(d.ClientID, d.CustomerID))
	return v != nil && btoi(v) == d.ID
}

func (t *Tx) webhook(id uint64) (*model.WebhookDelivery, error) {
	d := &model.WebhookDelivery{}
	if err := t.getJSONID(t.b(bHookDeliveries), id, d); err != nil {
		return nil, err
	}
	return d, nil
}

// WebhookDelivery returns one delivery of the client, or ErrNotFound (also
// for another client's delivery).
func (t *Tx) WebhookDelivery(clientID, id uint64) (*model.WebhookDelivery, error) {
	d, err := t.webhook(id)
	if err != nil || d.ClientID != clientID {
		return nil, model.ErrNotFound
	}
	return d, nil
}

// WebhookEvent returns the feed event a delivery carries, or ErrNotFound
// when the feed no longer holds it.
func (t *Tx) WebhookEvent(d *model.WebhookDelivery) (*model.FeedEvent, error) {
	ev := &model.FeedEvent{}
	if err := t.getJSONID(t.b(bAPIEvents), d.Seq, ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// WebhookAttempt is one delivery about to be sent, with its event.
type WebhookAttempt struct {
	Delivery *model.WebhookDelivery
	Event    *model.FeedEvent
}

// WebhookBatch is what StartWebhooks took: the client as it is now, the
// deliveries to send, and those it dead-lettered unsent.
type WebhookBatch struct {
	Client    *model.APIClient
	Attempts  []WebhookAttempt
	Abandoned []*model.WebhookDelivery
}

// WebhooksDue reports whether client clientID has a delivery due now.
func (t *Tx) WebhooksDue(clientID uint64) bool {
	p := itob(clientID)
	k, _ := t.b(bHookDue).Cursor().Seek(p)
	return k != nil && bytes.HasPrefix(k, p) && btoi(k[8:16]) <= uint64(t.Now.UnixNano())
}

// StartWebhooks takes up to limit of client clientID's due deliveries,
// oldest first (at most one per customer: only heads are due), marks each
// as being sent and returns them with their events and the client as it is
// now. It takes none while the client does not receive webhooks (disabled,
// no URL, no events grant): its deliveries wait. A delivery whose event is
// gone from the feed, or whose customer the client's scope no longer
// covers, is dead-lettered here instead of sent.
func (t *Tx) StartWebhooks(clientID uint64, limit int) (*WebhookBatch, error) {
	c, err := t.APIClient(clientID)
	if err != nil {
		return nil, err
	}
	out := &WebhookBatch{Client: c}
	if !c.ReceivesWebhooks() {
		return out, nil
	}
	sc := t.webhookScope(c)
	p := itob(clientID)
	now := uint64(t.Now.UnixNano())
	var ids []uint64
	cur := t.b(bHookDue).Cursor()
	for k, _ := cur.Seek(p); k != nil && bytes.HasPrefix(k, p) && len(ids) < limit && btoi(k[8:16]) <= now; k, _ = cur.Next() {
		ids = append(ids, btoi(k[16:]))
	}
	for _, id := range ids {
		d, err := t.webhook(id)
		if err != nil {
			return nil, err
		}
		ev, err := t.WebhookEvent(d)
		why := model.WebhookError("")
		switch {
		case err != nil:
			why = model.WebhookGone
		case !t.coversEvent(sc, d.CustomerID):
			why = model.WebhookScope
		}
		if why != "" {
			at := hookDueKey(d)
			d.Abandon(t.Now, why)
			if err := t.killWebhook(d, at); err != nil {
				return nil, err
			}
			out.Abandoned = append(out.Abandoned, d)
			continue
		}
		d.Sending = true
		if err := t.b(bHookSending).Put(itob(d.ID), nil); err != nil {
			return nil, err
		}
		if err := t.putWebhook(d); err != nil {
			return nil, err
		}
		out.Attempts = append(out.Attempts, WebhookAttempt{Delivery: d, Event: ev})
	}
	return out, nil
}

// killWebhook writes dead delivery d, moves it to the dead letters and
// lets the next event of its customer go.
func (t *Tx) killWebhook(d *model.WebhookDelivery, dueAt []byte) error {
	if err := t.putWebhook(d); err != nil {
		return err
	}
	if err := t.b(bHookDead).Put(key(d.ClientID, d.ID), itob(d.Seq)); err != nil {
		return err
	}
	return t.dequeueWebhook(d, dueAt)
}

// WebhookResult is the outcome of one attempt: Err is empty when the
// receiver answered 2xx; Status is the HTTP status when it answered at all.
type WebhookResult struct {
	ID     uint64
	At     time.Time
	Status int
	Err    model.WebhookError
}

// FinishWebhooks records the outcomes of attempts (model.WebhookDelivery's
// Succeed and Fail decide what follows): a delivered or dead delivery
// leaves its queue, so that its customer's next event becomes due; a failed
// one is due again after its backoff. It returns the deliveries as saved.
// An outcome for a delivery that is no longer pending (which cannot happen
// while one worker sends) is ignored.
func (t *Tx) FinishWebhooks(rs []WebhookResult) ([]*model.WebhookDelivery, error) {
	out := make([]*model.WebhookDelivery, 0, len(rs))
	for _, r := range rs {
		d, err := t.webhook(r.ID)
		if err != nil {
			return nil, err
		}
		if err := t.b(bHookSending).Delete(itob(d.ID)); err != nil {
			return nil, err
		}
		if d.Status != model.WebhookPending {
			continue
		}
		at := hookDueKey(d)
		switch {
		case r.Err == "":
			d.Succeed(r.At, r.Status)
			if err := t.putWebhook(d); err != nil {
				return nil, err
			}
			err = t.dequeueWebhook(d, at)
		case d.Fail(r.At, r.Err, r.Status):
			err = t.killWebhook(d, at)
		default:
			if err := t.b(bHookDue).Delete(at); err != nil {
				return nil, err
			}
			// A resend may have put an older event of the customer in
			// front meanwhile: then this one waits behind it, not due.
			if t.isHead(d) {
				if err := t.b(bHookDue).Put(hookDueKey(d), nil); err != nil {
					return nil, err
				}
			}
			err = t.putWebhook(d)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// InterruptedWebhooks clears the marks of attempts that were under way when
// the process stopped and returns those deliveries: they stay due and are
// sent again (at least once; the receiver tells a repeat by its
// Webhook-Id).
func (t *Tx) InterruptedWebhooks() ([]*model.WebhookDelivery, error) {
	var ids []uint64
	_ = t.b(bHookSending).ForEach(func(k, _ []byte) error { ids = append(ids, btoi(k)); return nil })
	var out []*model.WebhookDelivery
	for _, id := range ids {
		if err := t.b(bHookSending).Delete(itob(id)); err != nil {
			return nil, err
		}
		d, err := t.webhook(id)
		if err != nil {
			continue
		}
		d.Sending = false
		if err := t.putWebhook(d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// ResendWebhook puts a dead delivery of the client back in its customer's
// queue at its place in commit order, with a fresh retry window.
// ErrNotFound for another client's delivery, ErrNotAllowed unless it is
// dead.
func (t *Tx) ResendWebhook(clientID, id uint64) error {
	d, err := t.WebhookDelivery(clientID, id)
	if err != nil {
		return err
	}
	if err := d.Resend(t.Now, t.By); err != nil {
		return err
	}
	if err := t.b(bHookDead).Delete(key(clientID, id)); err != nil {
		return err
	}
	if err := t.putWebhook(d); err != nil {
		return err
	}
	return t.enqueueWebhook(d)
}

// ResendDeadWebhooks resends every dead delivery of the client and returns
// how many.
func (t *Tx) ResendDeadWebhooks(clientID uint64) (int, error) {
	var ids []uint64
	p := itob(clientID)
	c := t.b(bHookDead).Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		ids = append(ids, btoi(k[8:]))
	}
	for _, id := range ids {
		if err := t.ResendWebhook(clientID, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// WebhookCounts returns how many of the client's deliveries are pending
// and how many are dead.
func (t *Tx) WebhookCounts(clientID uint64) (pending, dead int) {
	p := itob(clientID)
	return countPrefix(t.b(bHookQueue), p), countPrefix(t.b(bHookDead), p)
}

// WebhookDeliveries lists the client's deliveries, newest first, optionally
// of one status, with the number matching.
func (t *Tx) WebhookDeliveries(clientID uint64, status model.WebhookStatus, p Page) ([]*model.WebhookDelivery, int, error) {
	p.Desc = true
	var match func(k, v []byte) bool
	if status != "" {
		match = func(_, v []byte) bool { return string(v[8:]) == string(status) }
	}
	vals, total := scanIndex(t.b(bHookByClient), itob(clientID), p, match)
	out := make([]*model.WebhookDelivery, 0, len(vals))
	for _, v := range vals {
		d, err := t.webhook(btoi(v))
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, nil
}

// WebhookBacklogStart is the feed position of the oldest event the client's
// webhooks still need (pending or dead), 0 when none: the feed must keep
// events from there on for them.
func (t *Tx) WebhookBacklogStart(clientID uint64) uint64 {
	var low uint64
	take := func(seq uint64) {
		if low == 0 || seq < low {
			low = seq
		}
	}
	p := itob(clientID)
	c := t.b(bHookHeads).Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		take(btoi(v[8:]))
	}
	c = t.b(bHookDead).Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		take(btoi(v))
	}
	return low
}

// purgeWebhooksBatch is how many records one purge transaction deletes.
const purgeWebhooksBatch = 5000

// PurgeWebhooks deletes delivered deliveries older than keepDelivered and
// dead letters whose last attempt is older than keepDead, oldest first, a
// batch per transaction; it returns how many went. Pending ones stay.
func (s *Store) PurgeWebhooks(keepDelivered, keepDead time.Duration) (int, error) {
	total := 0
	for {
		n := 0
		err := s.Update("system", func(t *Tx) error {
			n = 0
			delivered, dead := t.Now.Add(-keepDelivered), t.Now.Add(-keepDead)
			var gone []*model.WebhookDelivery
			c := t.b(bHookDeliveries).Cursor()
			for k, v := c.First(); k != nil && len(gone) < purgeWebhooksBatch; k, v = c.Next() {
				d := &model.WebhookDelivery{}
				if err := jsonUnmarshal(v, d); err != nil {
					return fmt.Errorf("webhook delivery %d: %w", btoi(k), err)
				}
				// Records are in creation order: past the cut-off, none is
				// old enough.
				if !d.CreatedAt.Before(delivered) {
					break
				}
				if d.Status == model.WebhookDelivered && d.DeliveredAt.Before(delivered) ||
					d.Status == model.WebhookDead && d.LastTry.Before(dead) {
					gone = append(gone, d)
				}
			}
			for _, d := range gone {
				for _, del := range []struct {
					b []byte
					k []byte
				}{{bHookDeliveries, itob(d.ID)}, {bHookByClient, key(d.ClientID, d.ID)}, {bHookDead, key(d.ClientID, d.ID)}} {
					if err := t.b(del.b).Delete(del.k); err != nil {
						return err
					}
				}
			}
			n = len(gone)
			return nil
		})
		total += n
		if err != nil || n < purgeWebhooksBatch {
			return total, err
		}
	}
}

// RotateWebhookSecret gives the client a new webhook secret at once (the
// version must be the stored one) and returns it: from the next attempt on
// the webhooks are signed with it. ErrNotAllowed for a client without a
// webhook URL.
func (t *Tx) RotateWebhookSecret(clientID, version uint64) (string, error) {
	c, err := t.APIClient(clientID)
	if err != nil {
		return "", err
	}
	if c.WebhookURL == "" {
		return "", model.ErrNotAllowed
	}
	c.Version = version
	c.WebhookSecret = "whsec_" + randomToken(24)
	if err := t.SaveAPIClient(c); err != nil {
		return "", err
	}
	return c.WebhookSecret, nil
}

// checkWebhooks compares the queue's indexes with the delivery records:
// every pending delivery in its queue, every queue's first delivery its
// head and due, every dead one a dead letter, every one in its client's
// list with its status.
func checkWebhooks(t *Tx) []string {
	var out []string
	var pending, dead, all int
	heads, queues := map[string]bool{}, map[string]bool{}
	_ = t.b(bHookDeliveries).ForEach(func(k, v []byte) error {
		all++
		d := &model.WebhookDelivery{}
		if err := jsonUnmarshal(v, d); err != nil {
			out = append(out, fmt.Sprintf("webhook delivery %d: %v", btoi(k), err))
			return nil
		}
		if lv := t.b(bHookByClient).Get(key(d.ClientID, d.ID)); len(lv) < 8 || string(lv[8:]) != string(d.Status) {
			out = append(out, fmt.Sprintf("webhook delivery %d is not listed as %s", d.ID, d.Status))
		}
		switch d.Status {
		case model.WebhookPending:
			pending++
			queues[string(key(d.ClientID, d.CustomerID))] = true
			if btoi(t.b(bHookQueue).Get(hookQueueKey(d))) != d.ID {
				out = append(out, fmt.Sprintf("pending webhook delivery %d is not queued", d.ID))
			}
			if t.isHead(d) {
				heads[string(key(d.ClientID, d.CustomerID))] = true
				if t.b(bHookDue).Get(hookDueKey(d)) == nil {
					out = append(out, fmt.Sprintf("webhook delivery %d heads its queue but is not due", d.ID))
				}
			}
		case model.WebhookDead:
			dead++
			if t.b(bHookDead).Get(key(d.ClientID, d.ID)) == nil {
				out = append(out, fmt.Sprintf("dead webhook delivery %d is not a dead letter", d.ID))
			}
		}
		return nil
	})
	for _, c := range []struct {
		name string
		b    []byte
		want int
	}{{"queue", bHookQueue, pending}, {"dead letters", bHookDead, dead}, {"client list", bHookByClient, all}, {"due index", bHookDue, len(heads)}} {
		if n := t.b(c.b).Stats().KeyN; n != c.want {
			out = append(out, fmt.Sprintf("webhook %s holds %d entries, want %d", c.name, n, c.want))
		}
	}
	// Every non-empty queue has its first delivery as its head.
	_ = t.b(bHookHeads).ForEach(func(k, v []byte) error {
		if !heads[string(k)] {
			out = append(out, fmt.Sprintf("webhook queue head %d is not a pending delivery", btoi(v)))
		}
		if fk, fv := t.b(bHookQueue).Cursor().Seek(k); fk == nil || !bytes.HasPrefix(fk, k) || btoi(fv) != btoi(v) {
			out = append(out, fmt.Sprintf("webhook queue head %d is not its queue's first delivery", btoi(v)))
		}
		return nil
	})
	if n := t.b(bHookHeads).Stats().KeyN; n != len(heads) || n != len(queues) {
		out = append(out, fmt.Sprintf("webhook heads hold %d entries for %d queues", n, len(queues)))
	}
	return out
}
