package handlers

import (
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Online orders, the dealer's helpers: generate the order from the cart
// (生成网上订货单), the stock query of the order form, order again (再次订货).

// ---- from the cart (生成网上订货单) ----

type checkoutForm struct {
	onlineForm
	Cart     []*store.ShopRow
	Totals   store.CartTotals
	Selected map[uint64]bool
	Delivery map[uint64]string
	Remark   map[uint64]string
}

// HasLineDetails reports whether a line was given a delivery date or a
// remark: the folded per-line fields then show open.
func (f *checkoutForm) HasLineDetails() bool {
	for _, v := range f.Delivery {
		if v != "" {
			return true
		}
	}
	for _, v := range f.Remark {
		if v != "" {
			return true
		}
	}
	return false
}

func (h *Handler) checkoutView(c *fiber.Ctx, u *model.User, o *model.OnlineOrder, selected map[uint64]bool) (*View, error) {
	sc := h.scope(c)
	d := &checkoutForm{Selected: selected, Delivery: map[uint64]string{}, Remark: map[uint64]string{}}
	d.O, d.Token = o, h.formToken(c)
	err := h.read(func(t *store.Tx) (err error) {
		d.Settings = t.OrderingSettings()
		d.Locations, _ = t.Locations(sc, u.CustomerID)
		d.Cart, d.Totals, err = t.Cart(sc, u.ID)
		return err
	})
	for _, r := range d.Cart {
		id := r.Line.EntryID
		d.Delivery[id] = c.FormValue("delivery." + itoa(id))
		d.Remark[id] = c.FormValue("remark." + itoa(id))
	}
	if selected == nil { // first view: every orderable line is ticked
		d.Selected = map[uint64]bool{}
		for _, r := range d.Cart {
			d.Selected[r.Line.EntryID] = r.Available() && r.QtyErr == ""
		}
	}
	return h.view(c, "oo.checkout", d), err
}

// showCheckout is the cart's "generate online order" page: the cart's
// lines to choose from (all orderable ones ticked), ship-to, dates,
// contact, remarks.
func (h *Handler) showCheckout(c *fiber.Ctx) error {
	u, err := orderDealer(c)
	if err != nil {
		return err
	}
	var o *model.OnlineOrder
	if err := h.read(func(t *store.Tx) error {
		o, err = t.NewOnlineOrder(h.scope(c), u.CustomerID)
		return err
	}); err != nil {
		return err
	}
	o.AllowAdjust = true
	v, err := h.checkoutView(c, u, o, nil)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplOnlineCheckout, v)
}

// checkout generates the online order from the ticked cart lines (at least
// one), as a draft or submitted, once per form token; the ordered lines
// leave the cart in the same transaction (store.CheckoutCart: one call).
func (h *Handler) checkout(c *fiber.Ctx) error {
	u, err := orderDealer(c)
	if err != nil {
		return err
	}
	ids := formIDs(c, "entry")
	submit := c.FormValue("action") == "submit"
	o := &model.OnlineOrder{CustomerID: u.CustomerID}
	for _, id := range ids {
		d, _ := model.ParseDate(c.FormValue("delivery." + itoa(id)))
		o.Lines = append(o.Lines, model.OrderLine{EntryID: id, DeliveryDate: d, Remark: strings.TrimSpace(c.FormValue("remark." + itoa(id)))})
	}
	loc := readOnlineHeader(c, o)
	id, err := h.store.CheckoutCart(h.formActor(c), store.CheckoutForm{Order: o, Location: loc, Entries: ids, Submit: submit})
	if err != nil {
		return h.checkoutError(c, u, o, ids, err)
	}
	h.setFlash(c, map[bool]string{true: "flash.oo_submitted", false: "flash.saved"}[submit])
	return h.redirect(c, "/online-orders/"+itoa(id))
}

// checkoutError shows the checkout form again for o, the chosen lines
// ticked, with err at its fields.
func (h *Handler) checkoutError(c *fiber.Ctx, u *model.User, o *model.OnlineOrder, ids []uint64, err error) error {
	o.ID, o.Number, o.Meta = 0, "", model.Meta{}
	sel := map[uint64]bool{}
	for _, id := range ids {
		sel[id] = true
	}
	v, verr := h.checkoutView(c, u, o, sel)
	if verr != nil {
		return verr
	}
	return h.formError(c, err, tplOnlineCheckout, v)
}

// ---- stock query while entering ----

type lineInfo struct {
	Row      lineRow
	Settings *model.OrderingSettings
}

// lookupOrderLine answers the order form's stock query for one row (HTMX):
// the product's name, the customer's price for the quantity and the
// available stock as the ordering settings show it. ?i= names the row;
// staff name the order's customer with ?customer=.
func (h *Handler) lookupOrderLine(c *fiber.Ctx) error {
	u := currentUser(c)
	sc := h.scope(c)
	cust := u.CustomerID
	if named := uint64(c.QueryInt("customer")); u.IsStaff() || named != 0 {
		cust = named // a dealer naming another customer meets the scope: 404
	}
	if !canSeeOrders(u) {
		return fiber.ErrNotFound
	}
	i := c.QueryInt("i")
	p := "line." + itoa(uint64(max(i, 0))) + "."
	row := lineRow{Index: i, Code: strings.TrimSpace(c.Query(p + "code")), Qty: strings.TrimSpace(c.Query(p + "qty")), Price: strings.TrimSpace(c.Query(p + "price"))}
	d := &lineInfo{}
	err := h.read(func(t *store.Tx) error {
		if !t.AllowsCustomer(sc, cust) {
			return fiber.ErrNotFound
		}
		d.Settings = t.OrderingSettings()
		rows := []lineRow{row}
		describeRows(t, cust, rows, u.IsStaff() && c.Query("master") == "1")
		d.Row = rows[0]
		return nil
	})
	if err != nil {
		return err
	}
	return h.renderPart(c, fiber.StatusOK, tplLineInfo, h.view(c, "oo.title", d))
}

// ---- order again (再次订货) ----

type againResult struct {
	Added   int
	Draft   uint64
	ToDraft bool
	Skipped []againSkip
}

type againSkip struct{ Code, Reason string }

// showAgainResult is the page after "order again": how many lines went to
// the cart or the new draft, and each skipped product with its reason.
func (h *Handler) showAgainResult(c *fiber.Ctx) error {
	if _, err := orderDealer(c); err != nil {
		return err
	}
	l := lang(c)
	d := &againResult{Added: c.QueryInt("added"), ToDraft: c.Query("to") == "draft"}
	d.Draft, _ = parseUint(c.Query("draft"))
	args := c.Request().URI().QueryArgs()
	for _, v := range args.PeekMulti("skipped") {
		code, key, _ := strings.Cut(string(v), "|")
		if !h.i18n.Has(key) {
			key = "oo.again_unavailable"
		}
		d.Skipped = append(d.Skipped, againSkip{Code: code, Reason: h.i18n.T(l, key, "min", "—", "multiple", "—")})
	}
	return h.render(c, fiber.StatusOK, tplAgainResult, h.view(c, "oo.again_title", d))
}
