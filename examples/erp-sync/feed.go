package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The way back: the event feed. The portal lists every business event of
// the client's customers (a dealer submitted an online order, changed it,
// asked for a return, confirmed a reconciliation…) in commit order, after
// a cursor. Events stay on the feed until the client acknowledges them, so
// a client that crashes between reading and acknowledging reads the same
// events again: acknowledge only what the ERP has taken over.

// feedPage is a page of GET /events.
type feedPage struct {
	Events  []event `json:"events"`
	Next    string  `json:"next"`     // read on after it, and acknowledge it once the page is processed
	HasMore bool    `json:"has_more"` // more events follow: read again at once
}

// event is one business event: what happened, to which customer's which
// document (Href reads it, below /api/v1).
type event struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	OccurredAt time.Time `json:"occurred_at"`
	Customer   struct {
		ID         uint64 `json:"id"`
		Code       string `json:"code"`
		ExternalID string `json:"external_id"`
	} `json:"customer"`
	Document struct {
		Type   string `json:"type"`
		ID     uint64 `json:"id"`
		Number string `json:"number"`
		Href   string `json:"href"`
	} `json:"document"`
	Actor string            `json:"actor"`
	Data  map[string]string `json:"data"`
}

// onlineOrder is a dealer's online order as GET /online-orders/{id}
// answers it (the part this program prints).
type onlineOrder struct {
	ID       uint64 `json:"id"`
	Number   string `json:"number"`
	Status   string `json:"status"`
	Customer struct {
		Code       string `json:"code"`
		ExternalID string `json:"external_id"`
	} `json:"customer"`
	OrderDate     string `json:"order_date"`
	RequestedDate string `json:"requested_date"`
	ShipTo        struct {
		Name    string `json:"name"`
		Address string `json:"address"`
	} `json:"ship_to"`
	Remarks    string `json:"remarks"`
	CreditHold bool   `json:"credit_hold"`
	Lines      []struct {
		No      int `json:"no"`
		Product struct {
			Code       string `json:"code"`
			ExternalID string `json:"external_id"`
			Name       string `json:"name"`
			Unit       string `json:"unit"`
		} `json:"product"`
		Qty    json.Number `json:"qty"`
		Price  int64       `json:"price"`  // cents, tax included
		Amount int64       `json:"amount"` // cents, tax included
	} `json:"lines"`
	Totals struct {
		Tax    int64 `json:"tax"`
		Amount int64 `json:"amount"`
	} `json:"totals"`
}

// follower reads the feed.
type follower struct {
	c      *client
	out    io.Writer
	follow bool          // keep polling; otherwise return once the feed is drained
	poll   time.Duration // the wait between polls once the feed is drained
	limit  int           // events a page (1–500)
}

// position is the client's place on the feed (GET /events/position, and
// the answer to an acknowledgement).
type position struct {
	Acknowledged string `json:"acknowledged"` // a cursor
	Behind       int    `json:"behind"`       // events of the client's customers after it
}

// run reads the feed from the client's acknowledged position until it is
// drained (and, following, forever after). The position is kept by the
// portal: this program stores no cursor of its own. (An ERP that commits
// each page in its own database may rather keep the cursor there, in the
// same transaction as the data, and pass it as after.)
func (f *follower) run(ctx context.Context) error {
	var pos position
	if _, err := f.c.get(ctx, "/events/position", &pos); err != nil {
		return fmt.Errorf("read the event feed's position: %w", err)
	}
	fmt.Fprintf(f.out, "event feed: %d events pending\n", pos.Behind)
	after := pos.Acknowledged
	for {
		q := url.Values{"after": {after}, "limit": {strconv.Itoa(f.limit)}}
		var page feedPage
		if _, err := f.c.get(ctx, "/events?"+q.Encode(), &page); err != nil {
			if isStatus(err, http.StatusUnprocessableEntity) {
				// The cursor lies beyond the end of the feed: the portal
				// was restored from an older backup meanwhile. Go on from
				// the position acknowledged in the restored file.
				fmt.Fprintf(f.out, "the portal no longer knows cursor %s: %v\n", after, err)
				if _, err := f.c.get(ctx, "/events/position", &pos); err != nil {
					return fmt.Errorf("read the event feed's position: %w", err)
				}
				after = pos.Acknowledged
				continue
			}
			return fmt.Errorf("read the event feed: %w", err)
		}
		for _, ev := range page.Events {
			if err := f.handle(ctx, ev); err != nil {
				// Not acknowledged: the event comes again on the next run.
				return err
			}
		}
		// Acknowledge the page once it is processed. next may move on
		// without events too: a page passes over the events of customers
		// outside the client's scope without returning them.
		if page.Next != "" && page.Next != after {
			if _, err := f.c.post(ctx, "/events/ack", map[string]string{"cursor": page.Next}, &pos); err != nil {
				return fmt.Errorf("acknowledge the event feed: %w", err)
			}
			after = page.Next
			if len(page.Events) > 0 {
				fmt.Fprintf(f.out, "acknowledged %d events up to %s (%d pending)\n", len(page.Events), page.Next, pos.Behind)
			}
		}
		if page.HasMore {
			continue
		}
		if !f.follow {
			return nil
		}
		if err := sleep(ctx, f.poll); err != nil {
			return nil // stopped (Ctrl-C): everything handled was acknowledged
		}
	}
}

// handle takes over one event. This example prints the dealers' online
// orders; an ERP would make its own sales order of it (and then confirm
// it in the portal: POST /online-orders/{id}/confirm). Types it does not
// know it skips: the portal may add new ones.
func (f *follower) handle(ctx context.Context, ev event) error {
	switch ev.Type {
	case "online_order.submitted", "online_order.changed":
		var o onlineOrder
		if _, err := f.c.get(ctx, ev.Document.Href, &o); err != nil {
			if isStatus(err, http.StatusNotFound) {
				// The dealer withdrew the order since (an
				// online_order.withdrawn event follows).
				fmt.Fprintf(f.out, "%s %s: gone meanwhile\n", ev.Type, ev.Document.Number)
				return nil
			}
			return fmt.Errorf("read %s: %w", ev.Document.Href, err)
		}
		f.printOrder(ev, &o)
	default:
		fmt.Fprintf(f.out, "%s %s (customer %s) by %s: not handled by this example\n", ev.Type, ev.Document.Number, ev.Customer.Code, ev.Actor)
	}
	return nil
}

func (f *follower) printOrder(ev event, o *onlineOrder) {
	verb := "new online order"
	if ev.Type == "online_order.changed" {
		verb = "online order changed"
	}
	cust := o.Customer.Code
	if o.Customer.ExternalID != "" {
		cust += " (ERP " + o.Customer.ExternalID + ")"
	}
	fmt.Fprintf(f.out, "%s %s from %s, by %s on %s, status %s\n", verb, o.Number, cust, ev.Actor, o.OrderDate, o.Status)
	if o.ShipTo.Name != "" || o.ShipTo.Address != "" {
		fmt.Fprintf(f.out, "  ship to %s %s\n", o.ShipTo.Name, o.ShipTo.Address)
	}
	for _, l := range o.Lines {
		code := l.Product.Code
		if l.Product.ExternalID != "" {
			code = l.Product.ExternalID
		}
		fmt.Fprintf(f.out, "  %2d  %-10s %-16s %8s %-3s × %12s = %12s\n", l.No, code, l.Product.Name, l.Qty, l.Product.Unit,
			yuan(l.Price), yuan(l.Amount))
	}
	hold := ""
	if o.CreditHold {
		hold = ", on credit hold"
	}
	fmt.Fprintf(f.out, "  total %s (tax %s)%s\n", yuan(o.Totals.Amount), yuan(o.Totals.Tax), hold)
}

// yuan formats cents: 384000 is ¥3,840.00.
func yuan(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	whole := strconv.FormatInt(cents/100, 10)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s¥%s.%02d", sign, b.String(), cents%100)
}
