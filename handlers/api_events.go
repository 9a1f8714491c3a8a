package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strconv"
	"sync"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// The event feed (事件流, SPEC §6): GET /events lists the business events
// of the client's customers in commit order after a cursor; POST
// /events/ack moves the client's acknowledged position. The events live in
// the store's feed (store/apievents.go), appended in the transaction that
// raised each of them.

// Paging of the feed.
const (
	feedLimitDefault = 100
	feedLimitMax     = 500
	// feedScanMax bounds the events one page looks at: a client scoped to
	// one region skips the others' events, and a page that met only those
	// ends early with has_more, its next cursor past them. No request
	// reads more than this, however far behind the client is.
	feedScanMax = 5000
)

// A cursor is base64url of: a version byte, the feed position (8 bytes,
// big-endian) and the first 3 bytes of the SHA-256 of those 9, so that a
// mangled cursor is refused rather than read as another position. Positions
// are numbers in the database file: a cursor means the same after a restart
// and in a backup copy. Cursors are not signed: a made-up one reaches
// nothing a client could not read anyway, since every read applies the
// client's scope and an acknowledgement moves only the client's own
// position.
const cursorVersion = 1

// feedCursor is the opaque cursor of feed position pos.
func feedCursor(pos uint64) string {
	var b [12]byte
	b[0] = cursorVersion
	binary.BigEndian.PutUint64(b[1:9], pos)
	sum := sha256.Sum256(b[:9])
	copy(b[9:], sum[:3])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// parseCursor returns the position of a cursor; ok is false for anything
// feedCursor did not make.
func parseCursor(s string) (pos uint64, ok bool) {
	if len(s) != 16 {
		return 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 12 || b[0] != cursorVersion {
		return 0, false
	}
	sum := sha256.Sum256(b[:9])
	if !bytes.Equal(sum[:3], b[9:]) {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[1:9]), true
}

// apiFeedPage is one page of the feed.
type apiFeedPage struct {
	Events  []apiFeedEvent `json:"events" doc:"The events after the cursor, oldest first (commit order)."`
	Next    string         `json:"next" doc:"Pass it as after to read on (and acknowledge it once the events are processed). It moves past events of customers outside the client's scope too."`
	HasMore bool           `json:"has_more" doc:"More events follow next: read again at once."`
}

// apiFeedEvent is one business event of the feed.
type apiFeedEvent struct {
	ID         string            `json:"id" doc:"The event's cursor: reading after it starts with the next event; acknowledging it acknowledges this event and every one before it."`
	Type       string            `json:"type" doc:"What happened, such as online_order.submitted (the reference lists every type)."`
	OccurredAt time.Time         `json:"occurred_at" doc:"When the change committed (UTC)."`
	Customer   apiFeedCustomer   `json:"customer"`
	Document   apiFeedDocRef     `json:"document"`
	Actor      string            `json:"actor,omitempty" doc:"Who did it: a user name, or api:<client> for an API client."`
	Data       map[string]string `json:"data,omitempty" doc:"The event's details as its messages show them (amount, reason, status, sales_order…); keys ending _zh and _en are the same detail in each language."`
}

// apiFeedCustomer names a customer by id, code and the ERP's external id.
type apiFeedCustomer struct {
	ID         uint64 `json:"id"`
	Code       string `json:"code"`
	Name       string `json:"name" doc:"The customer's name (客户名称), so that a follower can show it without reading the customer."`
	ExternalID string `json:"external_id,omitempty"`
}

// apiFeedDocRef names the document an event is about.
type apiFeedDocRef struct {
	Type       string `json:"type" enum:"online_order,return_request,change_request,complaint,service_request,opportunity,stocktake,outbound,invoice,receipt,advance_receipt,refund"`
	ID         uint64 `json:"id"`
	Number     string `json:"number"`
	ExternalID string `json:"external_id,omitempty"`
	Href       string `json:"href,omitempty" doc:"The path under /api/v1 that reads the document (for reconciliation events: its reconciliation record)."`
}

// apiFeedAck is the body of an acknowledgement.
type apiFeedAck struct {
	Cursor string `json:"cursor" max:"100" doc:"An event's id or a page's next: it and every event before it are acknowledged."`
}

// apiFeedPosition is the client's place on the feed.
type apiFeedPosition struct {
	Acknowledged    string    `json:"acknowledged" doc:"The acknowledged position, as a cursor: reading without after starts here."`
	Behind          int       `json:"behind" doc:"How many events of the client's customers follow it."`
	OldestPendingAt time.Time `json:"oldest_pending_at,omitzero" doc:"When the oldest of them happened; absent when none is pending."`
	Latest          string    `json:"latest" doc:"The cursor of the newest event on the feed (of any customer)."`
}

// feedDocTypes are the API names of the document types the feed announces;
// each is also the kind of the document's external id.
var feedDocTypes = map[model.DocType]string{
	model.DocOnlineOrder: store.ExtOnlineOrder, model.DocOnlineReturn: store.ExtReturnRequest, model.DocChangeRequest: store.ExtChangeRequest,
	model.DocComplaint: store.ExtComplaint, model.DocServiceRequest: store.ExtServiceRequest, model.DocOpportunity: store.ExtOpportunity,
	model.DocStocktake: store.ExtStocktake, model.DocOutbound: store.ExtOutbound, model.DocInvoice: store.ExtInvoice,
	model.DocReceipt: store.ExtReceipt, model.DocAdvanceReceipt: store.ExtAdvanceReceipt, model.DocRefund: store.ExtRefund,
}

// feedDocPaths are the API paths that read each document type.
var feedDocPaths = map[model.DocType]string{
	model.DocOnlineOrder: "/online-orders/", model.DocOnlineReturn: "/return-requests/", model.DocChangeRequest: "/change-requests/",
	model.DocComplaint: "/complaints/", model.DocServiceRequest: "/service-requests/", model.DocOpportunity: "/opportunities/",
	model.DocStocktake: "/stocktakes/", model.DocOutbound: "/reconciliations/outbound/", model.DocInvoice: "/reconciliations/invoice/",
	model.DocReceipt: "/reconciliations/receipt/", model.DocAdvanceReceipt: "/reconciliations/advance_receipt/",
	model.DocRefund: "/reconciliations/refund/",
}

func (h *Handler) apiEventOps() []apiOp {
	return []apiOp{
		{Method: "GET", Path: "/events", ID: "listEvents", Tag: "events", Family: model.APIEvents,
			Summary: "The business events of the client's customers after a cursor, in commit order.",
			Doc: "Without `after`, reading starts after the client's acknowledged position. Events stay until acknowledged " +
				"(POST /events/ack): reading moves nothing. A page looks at no more than 5,000 events; when it returns fewer " +
				"events than `limit`, and `has_more` is true, read on from `next` at once.",
			Query: []apiParam{
				{Name: "after", Type: "string", Doc: "A cursor: an event's id or a page's next."},
				{Name: "limit", Type: "integer", Doc: "At most this many events (1–500, default 100)."},
			},
			Result: &apiFeedPage{}, Handle: h.apiListEvents},
		{Method: "POST", Path: "/events/ack", ID: "ackEvents", Tag: "events", Family: model.APIEvents,
			Summary: "Acknowledge the events up to a cursor.",
			Doc: "Moves the client's acknowledged position forward to the cursor; an older cursor changes nothing. " +
				"Acknowledging the same cursor again is harmless.",
			Body: &apiFeedAck{}, Result: &apiFeedPosition{}, Handle: h.apiAckEvents},
		{Method: "GET", Path: "/events/position", ID: "getEventPosition", Tag: "events", Family: model.APIEvents,
			Summary: "The client's acknowledged position and how far behind it is.",
			Result:  &apiFeedPosition{}, Handle: h.apiEventPosition},
	}
}

// cursorError is a 422 naming the field that holds a cursor.
func cursorError(field, key string) error {
	ve := &model.ValidationError{}
	ve.Add(field, key, nil)
	return ve
}

func (h *Handler) apiListEvents(c *fiber.Ctx, a *apiCall) error {
	ve := &model.ValidationError{}
	limit := readLimit(c, feedLimitDefault, feedLimitMax, ve)
	if err := ve.Err(); err != nil {
		return err
	}
	after, given := uint64(0), c.Query("after") != ""
	if given {
		var ok bool
		if after, ok = parseCursor(c.Query("after")); !ok {
			return apiError(fiber.StatusBadRequest, "api.err_cursor")
		}
	}
	return apiRead(h, c, a, func(t *store.Tx) (*apiFeedPage, error) {
		if given && after > t.LastEventSeq() {
			return nil, cursorError("after", "api.err_cursor_unknown")
		}
		if !given {
			cl, err := t.APIClient(a.Client.ID)
			if err != nil {
				return nil, err
			}
			after = cl.Acked
		}
		r := newFeedReader(t, a.Scope)
		evs, next, more, err := t.FeedPage(after, limit, feedScanMax, r.keep)
		if err != nil {
			return nil, err
		}
		out := &apiFeedPage{Events: []apiFeedEvent{}, Next: feedCursor(next), HasMore: more}
		for _, ev := range evs {
			out.Events = append(out.Events, r.event(ev))
		}
		return out, nil
	})
}

// feedReader turns feed events into the API's, for one client's scope,
// remembering each customer it met (most pages are about a few).
type feedReader struct {
	t     *store.Tx
	sc    store.Scope
	custs map[uint64]*apiFeedCustomer // nil: outside the scope
}

func newFeedReader(t *store.Tx, sc store.Scope) *feedReader {
	return &feedReader{t: t, sc: sc, custs: map[uint64]*apiFeedCustomer{}}
}

// customer returns the reference of customer id when it lies in the scope,
// nil otherwise.
func (r *feedReader) customer(id uint64) *apiFeedCustomer {
	if c, ok := r.custs[id]; ok {
		return c
	}
	var ref *apiFeedCustomer
	if c, err := r.t.Customer(r.sc, id); err == nil {
		ref = &apiFeedCustomer{ID: c.ID, Code: c.Code, Name: c.Name, ExternalID: r.t.ExternalOf(store.ExtCustomer, c.ID)}
	}
	r.custs[id] = ref
	return ref
}

// keep says whether an event is the client's: its customer is in scope.
func (r *feedReader) keep(ev *model.FeedEvent) bool { return r.customer(ev.CustomerID) != nil }

func (r *feedReader) event(ev *model.FeedEvent) apiFeedEvent {
	kind := feedDocTypes[ev.DocType]
	doc := apiFeedDocRef{Type: kind, ID: ev.DocID, Number: ev.DocNumber}
	if kind != "" {
		doc.ExternalID = r.t.ExternalOf(kind, ev.DocID)
	}
	if p := feedDocPaths[ev.DocType]; p != "" {
		doc.Href = p + strconv.FormatUint(ev.DocID, 10)
	}
	return apiFeedEvent{ID: feedCursor(ev.Seq), Type: string(ev.Event), OccurredAt: ev.At.UTC(), Customer: *r.customer(ev.CustomerID),
		Document: doc, Actor: ev.Actor, Data: ev.Params}
}

func (h *Handler) apiAckEvents(c *fiber.Ctx, a *apiCall) error {
	var in apiFeedAck
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Cursor == "" {
		return cursorError("cursor", "err.required")
	}
	pos, ok := parseCursor(in.Cursor)
	if !ok {
		return cursorError("cursor", "api.err_cursor")
	}
	err := h.store.AckFeed(store.Actor{User: a.Actor, Scope: a.Scope}, a.Client.ID, pos)
	if errors.Is(err, model.ErrFeedAhead) {
		return cursorError("cursor", "api.err_cursor_unknown")
	}
	if err != nil {
		return err
	}
	return h.apiEventPosition(c, a)
}

func (h *Handler) apiEventPosition(c *fiber.Ctx, a *apiCall) error {
	return apiRead(h, c, a, func(t *store.Tx) (*apiFeedPosition, error) {
		cl, err := t.APIClient(a.Client.ID)
		if err != nil {
			return nil, err
		}
		behind, oldest := t.FeedLag(cl)
		return &apiFeedPosition{Acknowledged: feedCursor(cl.Acked), Behind: behind, OldestPendingAt: oldest.UTC(),
			Latest: feedCursor(t.LastEventSeq())}, nil
	})
}

// startFeedRetention purges, every hour, the feed's events older than
// store.FeedRetention that every client reading the feed acknowledged.
func (h *Handler) startFeedRetention(ctx context.Context, wg *sync.WaitGroup) {
	every(ctx, wg, time.Hour, func() {
		if n, err := h.store.PurgeFeed(store.FeedRetention); err != nil {
			h.log.Error("purge api feed", "err", err)
		} else if n > 0 {
			h.log.Info("purged acknowledged api feed events", "count", n)
		}
	})
}
