package handlers

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/webhooks"

	"github.com/gofiber/fiber/v2"
)

// A client's push log (推送记录, admins): its webhook deliveries with their
// state and translated errors, the dead letters with resend, and the replay
// of past events; and the worker that sends them.

// startWebhooks runs the webhook delivery worker until ctx ends.
func (h *Handler) startWebhooks(ctx context.Context, wg *sync.WaitGroup) {
	w := &webhooks.Worker{Store: h.store, Log: h.log, Encode: webhookBody}
	w.Start(ctx, wg)
}

// webhookBody is a push's body: the event object of the feed, exactly as
// GET /events lists it.
func webhookBody(t *store.Tx, ev *model.FeedEvent) ([]byte, error) {
	r := newFeedReader(t, store.AdminScope())
	if !r.keep(ev) {
		return nil, model.ErrNotFound
	}
	return apiEncode(r.event(ev))
}

// --- webhook deliveries ---

// deliveryRow is one webhook delivery with what its event was about.
type deliveryRow struct {
	*model.WebhookDelivery
	Event     string
	DocNumber string
	Customer  string
	// Error is the last failure, in the admin's language.
	Error string
}

type deliveriesPage struct {
	List
	Client   *model.APIClient
	Statuses []model.WebhookStatus
	Pending  int
	Dead     int
	// LastSeq is the feed's newest position (the replay form's bound).
	LastSeq uint64
}

// webhookErrorText translates a delivery's last failure; never a transport
// library's message.
func (h *Handler) webhookErrorText(l string, d *model.WebhookDelivery) string {
	switch d.LastError {
	case "":
		return ""
	case model.WebhookHTTP:
		return h.i18n.T(l, "api_admin.hook_err.http", "status", d.LastStatus)
	}
	if key := "api_admin.hook_err." + string(d.LastError); h.i18n.Has(key) {
		return h.i18n.T(l, key)
	}
	return h.i18n.T(l, "api_admin.hook_err.network")
}

// eventName is an event's name in the admin's language (its code when the
// catalog has none).
func (h *Handler) eventName(l string, e model.Event) string {
	if key := "event." + string(e); h.i18n.Has(key) {
		return h.i18n.T(l, key)
	}
	return string(e)
}

func (h *Handler) showWebhookDeliveries(c *fiber.Ctx) error {
	cl, err := h.loadAPIClient(c)
	if err != nil {
		return err
	}
	q := parseListQuery(c)
	status := model.WebhookStatus(q.Get("status"))
	if !slices.Contains(model.WebhookStatuses, status) {
		status = ""
	}
	l := lang(c)
	d := &deliveriesPage{Client: cl, Statuses: model.WebhookStatuses}
	var rows []deliveryRow
	err = h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
		ds, total, err := t.WebhookDeliveries(cl.ID, status, q.Page())
		if err != nil {
			return err
		}
		for _, dl := range ds {
			r := deliveryRow{WebhookDelivery: dl, Error: h.webhookErrorText(l, dl)}
			if ev, err := t.WebhookEvent(dl); err == nil {
				r.Event, r.DocNumber = h.eventName(l, ev.Event), ev.DocNumber
			}
			if cu, err := t.Customer(store.AdminScope(), dl.CustomerID); err == nil {
				r.Customer = cu.Code + " " + cu.Name
			}
			rows = append(rows, r)
		}
		d.List = List{Rows: rows, Query: q, Pager: q.Pager(total)}
		d.Pending, d.Dead = t.WebhookCounts(cl.ID)
		d.LastSeq = t.LastEventSeq()
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		loc := h.store.Zone()
		at := func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("2006-01-02 15:04:05")
		}
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			out = append(out, []string{r.WebhookID(), strconv.FormatUint(r.Seq, 10), r.Event, r.DocNumber, r.Customer,
				h.i18n.T(l, "api_admin.hook_status."+string(r.Status)), strconv.Itoa(r.Attempts), at(r.CreatedAt), at(r.LastTry),
				at(r.DeliveredAt), r.Error})
		}
		return h.export(c, q.Export, "webhooks", []exportCol{
			{"api_admin.hook_id", colText}, {"api_admin.hook_seq", colInt}, {"api_admin.hook_event", colText},
			{"api_admin.hook_doc", colText}, {"api_admin.hook_customer", colText}, {"api_admin.hook_state", colText},
			{"api_admin.hook_attempts", colInt}, {"api_admin.hook_created", colDateTime},
			{"api_admin.hook_last_try", colDateTime}, {"api_admin.hook_delivered", colDateTime},
			{"api_admin.hook_error", colText},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplAPIDeliveries, h.view(c, "api_admin.deliveries", d))
}

// resendWebhook puts one dead delivery back in its customer's queue.
func (h *Handler) resendWebhook(c *fiber.Ctx) error {
	cl, err := h.loadAPIClient(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "delivery")
	if err != nil {
		return err
	}
	if err := h.store.ResendWebhookOf(store.Actor{User: currentUser(c)}, cl.ID, id); err != nil {
		return err
	}
	h.setFlash(c, "flash.requeued")
	return h.redirect(c, "/settings/api/"+itoa(cl.ID)+"/deliveries?status=pending")
}

// resendDeadWebhooks puts every dead delivery of the client back.
func (h *Handler) resendDeadWebhooks(c *fiber.Ctx) error {
	cl, err := h.loadAPIClient(c)
	if err != nil {
		return err
	}
	if _, err := h.store.ResendDeadWebhooksOf(store.Actor{User: currentUser(c)}, cl.ID); err != nil {
		return err
	}
	h.setFlash(c, "flash.requeued")
	return h.redirect(c, "/settings/api/"+itoa(cl.ID)+"/deliveries?status=pending")
}

// replayWebhooks queues the feed's events after the posted position once
// more, for a receiver that lost what it had received.
func (h *Handler) replayWebhooks(c *fiber.Ctx) error {
	cl, err := h.loadAPIClient(c)
	if err != nil {
		return err
	}
	after, perr := strconv.ParseUint(strings.TrimSpace(c.FormValue("after")), 10, 64)
	if perr != nil {
		err = model.Invalid("after", "err.range")
	} else {
		_, err = h.store.ReplayWebhooksOf(store.Actor{User: currentUser(c)}, cl.ID, after)
	}
	if ve := (*model.ValidationError)(nil); asValidation(err, &ve) {
		// The one field of a small form: say it in the flash, at the list.
		h.setFlash(c, "flash.api_replay_range")
		return h.redirect(c, "/settings/api/"+itoa(cl.ID)+"/deliveries")
	}
	if err != nil {
		return err
	}
	h.setFlash(c, "flash.requeued")
	return h.redirect(c, "/settings/api/"+itoa(cl.ID)+"/deliveries?status=pending")
}
