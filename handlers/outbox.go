package handlers

import (
	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplOutbox         = "messages/outbox"
	tplOutboxDelivery = "messages/delivery"
)

// The outbox view (发送记录): every delivery the platform made, filtered by
// status, event and channel, with its error; dead ones can be retried one by
// one or all at once. Admins only.
func (h *Handler) registerOutbox(r fiber.Router) {
	r.Get("/messages/outbox", h.showOutbox)
	r.Post("/messages/outbox/retry", h.retryAllDeliveries)
	r.Post("/messages/outbox/retry-events", h.retryDeadEvents)
	r.Get("/messages/outbox/:id", h.showDelivery)
	r.Post("/messages/outbox/:id/retry", h.retryDelivery)
}

type outboxData struct {
	List
	Events        []model.EventDef
	Channels      []model.Channel
	Statuses      []model.DeliveryStatus
	Counts        map[string]int
	EventsPending int
	EventsDead    int
	EmailReady    bool
	SMSReady      bool
}

func deliveryFilter(q ListQuery) store.DeliveryFilter {
	return store.DeliveryFilter{Status: model.DeliveryStatus(q.Get("status")), Channel: model.Channel(q.Get("channel")), Event: model.Event(q.Get("event"))}
}

func (h *Handler) showOutbox(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	q := parseListQuery(c)
	q.Desc = q.Get("asc") != "1"
	d := &outboxData{Events: model.EventCatalogue, Channels: model.Channels, Statuses: model.DeliveryStatuses}
	var rows []*model.Delivery
	err := h.read(func(t *store.Tx) error {
		var total int
		var err error
		rows, total, err = t.ListDeliveries(deliveryFilter(q), q.Page())
		if err != nil {
			return err
		}
		d.List = List{Rows: rows, Query: q, Pager: q.Pager(total)}
		d.Counts = map[string]int{}
		for st, n := range t.DeliveryCounts() {
			d.Counts[string(st)] = n
		}
		_, d.EventsPending = t.OutboxCount()
		d.EventsDead = len(t.DeadOutbox())
		ms := t.MessagingSettings()
		d.EmailReady, d.SMSReady = ms.EmailReady(), ms.SMSReady()
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		l := lang(c)
		loc := h.store.Zone()
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			sent := ""
			if !r.SentAt.IsZero() {
				sent = r.SentAt.In(loc).Format("2006-01-02 15:04:05")
			}
			out = append(out, []string{itoa(r.ID), r.CreatedAt.In(loc).Format("2006-01-02 15:04:05"), h.i18n.T(l, "event."+string(r.Event)),
				h.i18n.T(l, "channel."+string(r.Channel)), r.To, r.Subject, h.i18n.T(l, "delivery.status."+string(r.Status)),
				itoa(uint64(r.Attempts)), sent, h.sendErrorText(l, r.ErrorKind, r.LastError)})
		}
		return h.export(c, q.Export, "outbox", []exportCol{
			{"outbox.id", colInt}, {"outbox.created", colDateTime}, {"outbox.event", colText},
			{"outbox.channel", colText}, {"outbox.to", colText}, {"outbox.subject", colText},
			{"outbox.status", colText}, {"outbox.attempts", colInt}, {"outbox.sent_at", colDateTime},
			{"outbox.error", colText},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplOutbox, h.view(c, "outbox.title", d))
}

func (h *Handler) loadDelivery(c *fiber.Ctx) (*model.Delivery, error) {
	if err := need(c, model.PermAdmin); err != nil {
		return nil, err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	var d *model.Delivery
	err = h.read(func(t *store.Tx) (err error) { d, err = t.Delivery(id); return })
	return d, err
}

func (h *Handler) showDelivery(c *fiber.Ctx) error {
	d, err := h.loadDelivery(c)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplOutboxDelivery, h.view(c, "outbox.delivery", d))
}

// retryDelivery puts one delivery back in the queue, to be tried at once.
func (h *Handler) retryDelivery(c *fiber.Ctx) error {
	d, err := h.loadDelivery(c)
	if err != nil {
		return err
	}
	if err := h.store.RequeueDelivery(store.Actor{User: currentUser(c)}, d.ID); err != nil {
		return err
	}
	h.setFlash(c, "flash.requeued")
	return h.redirect(c, "/messages/outbox/"+itoa(d.ID))
}

// retryAllDeliveries requeues every dead delivery matching the posted
// channel and event filters.
func (h *Handler) retryAllDeliveries(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	f := store.DeliveryFilter{Channel: model.Channel(c.FormValue("channel")), Event: model.Event(c.FormValue("event"))}
	if _, err := h.store.RequeueDeadDeliveries(store.Actor{User: currentUser(c)}, f); err != nil {
		return err
	}
	h.setFlash(c, "flash.requeued")
	return h.redirect(c, "/messages/outbox?status=pending")
}

// retryDeadEvents puts outbox events whose fan-out failed for good back in
// the queue.
func (h *Handler) retryDeadEvents(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	if _, err := h.store.RequeueDeadEvents(store.Actor{User: currentUser(c)}); err != nil {
		return err
	}
	h.setFlash(c, "flash.requeued")
	return h.redirect(c, "/messages/outbox")
}
