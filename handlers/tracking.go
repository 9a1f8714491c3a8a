package handlers

import (
	"strconv"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Order tracking (订单跟踪): one page per order showing its whole chain —
// online order → sales order → delivery notices with carrier and tracking
// number → outbounds (with receipt) → returns, return notices and red
// outbounds — with statuses and dates. Dealers reach it from their orders
// (/tracking lists them); staff see the same page with the buttons that
// continue the chain (notice, outbound, return notice).

const (
	tplTracking      = "shipping/tracking"
	tplTrackingIndex = "shipping/tracking_index"
)

// trackingPage is the chain and what the user may do next.
type trackingPage struct {
	*store.OrderChain
	Customer       string
	Staff          bool
	CanShip        bool // staff: new notice / outbound / return notice
	CanReturn      bool // dealer: return goods
	Execution      string
	AnyReturnables bool
	Bar            *actionBar
}

// trackingPage builds the page of the chain ch, read in the same
// transaction t (one read transaction per page).
func (h *Handler) trackingPage(c *fiber.Ctx, t *store.Tx, ch *store.OrderChain) *trackingPage {
	u := currentUser(c)
	p := &trackingPage{OrderChain: ch, Staff: u.IsStaff()}
	cust := uint64(0)
	if ch.Online != nil {
		cust = ch.Online.CustomerID
	}
	if so := ch.Sales; so != nil {
		cust = so.CustomerID
		p.CanShip = so.Status == model.StatusAudited && u.Can(model.PermManageOrders)
		for i := range so.Lines {
			p.AnyReturnables = p.AnyReturnables || so.Lines[i].ReturnableQty() > 0
		}
		p.CanReturn = u.Can(model.PermOrder) && p.AnyReturnables
	}
	p.Customer = custLabels{}.get(t, h.scope(c), cust)
	if ch.Online != nil {
		p.Execution = t.OnlineExecution(ch.Online)
	}
	p.Bar = p.bar(u)
	return p
}

// showSalesOrderTracking tracks a sales order (a dealer only once audited).
func (h *Handler) showSalesOrderTracking(c *fiber.Ctx) error {
	return h.showTracking(c, (*store.Tx).SalesOrderChain)
}

// showOnlineOrderTracking tracks an online order, through its sales order
// once one is made (and, for a dealer, audited).
func (h *Handler) showOnlineOrderTracking(c *fiber.Ctx) error {
	return h.showTracking(c, (*store.Tx).OnlineOrderChain)
}

// showTracking shows the tracking page of the chain that chain finds for
// the route's id in the request's scope, all in one read transaction.
func (h *Handler) showTracking(c *fiber.Ctx, chain func(*store.Tx, store.Scope, uint64) (*store.OrderChain, error)) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var p *trackingPage
	err = h.read(func(t *store.Tx) error {
		ch, err := chain(t, h.scope(c), id)
		if err != nil {
			return err
		}
		if err := needOrders(c); err != nil {
			return err
		}
		p = h.trackingPage(c, t, ch)
		return nil
	})
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplTracking, h.view(c, "ship.tracking", p))
}

// trackingRow is one order of the tracking index.
type trackingRow struct {
	model.DocSummary
	Customer string
}

// showTrackingIndex lists the sales orders to track, newest first: a
// dealer's audited and closed ones, staff's in scope; search and keyset
// paging as every document list.
func (h *Handler) showTrackingIndex(c *fiber.Ctx) error {
	if err := needOrders(c); err != nil {
		return err
	}
	sc := h.scope(c)
	q := parseListQuery(c)
	var rows []trackingRow
	var list List
	err := h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
		sums, total, err := t.ListSalesOrders(sc, store.DocFilter{Q: q.Q, From: q.Get("from"), To: q.Get("to"),
			Statuses: []model.Status{model.StatusAudited, model.StatusClosed}}, q.Page())
		if err != nil {
			return err
		}
		cn := custLabels{}
		for _, s := range sums {
			r := trackingRow{DocSummary: s}
			if sc.IsStaff() {
				r.Customer = cn.get(t, sc, s.CustomerID)
			}
			rows = append(rows, r)
		}
		var last uint64
		if len(sums) > 0 {
			last = sums[len(sums)-1].ID
		}
		list = List{Rows: rows, Query: q, Pager: q.KeysetPager(total, len(sums), last)}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			out = append(out, []string{r.Number, r.Date, r.Customer, h.i18n.T(lang(c), "status."+string(r.Status)), r.Amount.Plain()})
		}
		return h.export(c, q.Export, "order-tracking", []exportCol{
			{"ship.sales_order", colText}, {"ship.date", colDate}, {"ship.customer", colText}, {"ship.status", colText},
			{"ship.amount", colMoney},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplTrackingIndex, h.view(c, "ship.tracking", &list))
}

// shippingTiles are the home page's shipping figures: for a dealer the
// deliveries that shipped and wait for its receipt, for staff the submitted
// returns to handle and the notices still to ship (from the maintained
// counts: no scan).
func (h *Handler) shippingTiles(t *store.Tx, u *model.User, sc store.Scope) []Tile {
	var tiles []Tile
	if u.Can(model.PermOrder) {
		n := t.CountDocs(sc, model.DocDeliveryNotice, model.StatusShipped)
		tiles = append(tiles, Tile{"home.notices_to_confirm", strconv.Itoa(n), "/delivery-notices?status=shipped"})
	}
	if u.Can(model.PermViewOrders) {
		n := t.CountDocs(sc, model.DocOnlineReturn, model.StatusSubmitted)
		tiles = append(tiles, Tile{"home.returns_to_handle", strconv.Itoa(n), "/returns?status=submitted"})
		n = t.CountDocs(sc, model.DocDeliveryNotice, model.StatusAudited)
		tiles = append(tiles, Tile{"home.notices_open", strconv.Itoa(n), "/delivery-notices?status=audited"})
	}
	return tiles
}
