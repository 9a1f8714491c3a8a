package demo

import (
	"fmt"
	"io"
	mrand "math/rand/v2"
	"strings"
	"time"

	"dealerportal/model"
	"dealerportal/store"
)

// The order history at volume (`portal demo --orders N`): N sales orders
// over the generated customers, each made and audited through the orders
// module's store functions and executed through the shipping module's —
// delivery notices with carriers and tracking numbers, outbounds (some
// partial, some from notices, some direct), receipts confirmed by dealers,
// online returns (submitted, rejected, converted) with their return notices
// and red outbounds, orders closed by hand or automatically, drafts and
// voids — so that every maintained figure (stock reserved, the lines'
// noticed/shipped/returned/claimed quantities, customers' un-invoiced and
// open-order balances) is what the postings made it, and `portal check`
// agrees. No message is raised (store.Tx.Quietly). One customer in ten
// orders (the first one, a key account) gets a tenth of all orders, so that
// deep pages of one customer's list exist.

// orderBatch is the number of orders per transaction once the buckets have
// split (the first batches are smaller; see volumeOrdering).
const orderBatch = 400

// carriers are the delivery notices' carriers.
var carriers = []struct{ name, prefix string }{
	{"顺丰速运", "SF"}, {"德邦物流", "DB"}, {"中通快运", "ZT"}, {"京东物流", "JD"}, {"安能物流", "AN"}, {"自提", ""},
}

var returnReasons = []string{"包装破损", "型号发错", "质量问题", "客户取消", "多发货物", "规格不符"}

// orderGen holds what the order generator draws from.
type orderGen struct {
	rng       *mrand.Rand
	admin     *model.User
	customers []*model.Customer
	products  []*model.Product
	today     string               // the enterprise's date, YYYY-MM-DD
	stocked   map[uint64]model.Qty // on hand the generator has made sure of
	codes     map[uint64]string    // customer codes in lower case, by id
	n         orderCounts
}

type orderCounts struct {
	orders, drafts, voids, notices, outbounds, receipts, returns, rejected, returnNotices, reds, closed int
}

// volumeOrders generates n sales orders with their execution history.
func volumeOrders(st *store.Store, w *world, seed uint64, n int, out io.Writer) error {
	if n <= 0 {
		return nil
	}
	start := time.Now()
	// The execution index is kept by every order write from now on: mark it
	// complete while there are no orders yet.
	if err := st.EnsureExecutionIndex(); err != nil {
		return err
	}
	g := &orderGen{rng: mrand.New(mrand.NewPCG(seed, seed^0x0bde75)), admin: w.staff["admin"], stocked: map[uint64]model.Qty{}, codes: map[uint64]string{}, today: st.Today()}
	if g.admin == nil {
		return fmt.Errorf("orders: no admin")
	}
	err := st.View(func(t *store.Tx) error {
		g.customers = nil // fn may run again (Store.View)
		sc := store.AdminScope()
		for _, id := range t.CustomerIDs(sc) {
			c, err := t.Customer(sc, id)
			if err != nil {
				return err
			}
			g.customers = append(g.customers, c)
			g.codes[c.ID] = strings.ToLower(c.Code)
		}
		ps, _, err := t.ListProducts(store.ProductFilter{Active: "yes"}, store.Page{Limit: 400})
		g.products = ps
		return err
	})
	if err != nil {
		return err
	}
	if len(g.customers) == 0 || len(g.products) == 0 {
		return fmt.Errorf("orders: need customers and products (give --products)")
	}
	for done := 0; done < n; {
		// Small first batches: bbolt splits leaves only at commit.
		size := min(orderBatch, max(25, done/2), n-done)
		err := st.Update(actor, func(t *store.Tx) error {
			return t.Quietly(func() error {
				for i := range size {
					if err := g.order(t, done+i); err != nil {
						return fmt.Errorf("order %d: %w", done+i+1, err)
					}
				}
				return nil
			})
		})
		if err != nil {
			return err
		}
		done += size
		if done == n || done%20000 < size {
			fmt.Fprintf(out, "  %*d / %d sales orders  %6.1fs\n", len(fmt.Sprint(n)), done, n, time.Since(start).Seconds())
		}
	}
	c := g.n
	fmt.Fprintf(out, "  orders: %d (%d drafts, %d void, %d closed by hand), %d delivery notices (%d receipts confirmed), %d outbounds, %d online returns (%d rejected), %d return notices, %d red outbounds\n",
		c.orders, c.drafts, c.voids, c.closed, c.notices, c.receipts, c.outbounds, c.returns, c.rejected, c.returnNotices, c.reds)
	return nil
}

// customerFor picks the customer of order k: the key account (the first
// customer) for one order in ten, else any.
func (g *orderGen) customerFor(k int) *model.Customer {
	if k%10 == 0 {
		return g.customers[0]
	}
	return g.customers[g.rng.IntN(len(g.customers))]
}

// dealer is the customer's buyer as the store functions need it (the
// generated users follow this naming, demo.dealerUsers).
func (g *orderGen) dealer(cust uint64) *model.User {
	return &model.User{Username: g.codes[cust] + ".buyer", Kind: model.KindDealer, CustomerID: cust, Roles: []model.Role{model.RoleBuyer}}
}

// ensureStock tops up on hand (a goods receipt) so that q can ship.
func (g *orderGen) ensureStock(t *store.Tx, p uint64, q model.Qty) error {
	if g.stocked[p] >= q {
		g.stocked[p] -= q
		return nil
	}
	s, err := t.Stock(p)
	if err != nil {
		return err
	}
	if s.OnHand < q {
		if _, err := t.AdjustStock(p, 1000*model.QtyScale+q, 0); err != nil {
			return err
		}
		s.OnHand += 1000*model.QtyScale + q
	}
	g.stocked[p] = s.OnHand - q
	return nil
}

// order makes the k-th sales order and its history. Its age decides how
// far it got: old orders are executed, recent ones may still be open.
func (g *orderGen) order(t *store.Tx, k int) error {
	sc := store.AdminScope()
	c := g.customerFor(k)
	age := g.rng.IntN(730)
	day := func(d int) string { return model.AddDays(g.today, d-age) }
	so := &model.SalesOrder{CustomerID: c.ID, OrderDate: day(0), DeliveryDate: day(7), SalespersonID: c.SalespersonID, OrgUnitID: c.OrgUnitID,
		ShipTo: model.ShipTo{Name: c.ShortName, Address: c.Address, Contact: c.Contact, Phone: c.Phone}, Settlement: "月结"}
	nLines := 1 + g.rng.IntN(4)
	used := map[int]bool{}
	var lines []store.LineInput
	for range nLines {
		j := g.rng.IntN(len(g.products))
		if used[j] {
			continue
		}
		used[j] = true
		p := g.products[j]
		price := p.ListPrice * model.Money(90+g.rng.IntN(11)) / 100
		rate := p.TaxRate
		q := model.Qty((1 + g.rng.IntN(20)) * model.QtyScale)
		lines = append(lines, store.LineInput{Code: p.Code, Qty: q, Price: &price, TaxRate: &rate})
	}
	if err := t.SaveSalesOrder(sc, so, lines); err != nil {
		return err
	}
	g.n.orders++
	r := g.rng.IntN(100)
	switch {
	case r < 2:
		g.n.drafts++
		return nil
	case r < 3:
		g.n.voids++
		_, err := t.ActOnSalesOrder(sc, so.ID, so.Version, "void", g.admin, "")
		return err
	}
	so, err := t.ActOnSalesOrder(sc, so.ID, so.Version, "audit", g.admin, "")
	if err != nil {
		return err
	}
	// Recent orders are often still open; old ones are shipped.
	ship := 1.0
	switch {
	case age < 10:
		ship = []float64{0, 0, 0.5, 1}[g.rng.IntN(4)]
	case age < 40:
		ship = []float64{0.5, 1, 1, 1}[g.rng.IntN(4)]
	case g.rng.IntN(25) == 0:
		ship = 0.5 // the rest was never shipped: closed by hand below
	}
	if ship > 0 {
		if err := g.execute(t, so, ship, day); err != nil {
			return err
		}
	}
	closeIt, ret := ship < 1 && age > 60, ship > 0 && g.rng.IntN(20) == 0
	if !closeIt && !ret {
		return nil
	}
	so, err = t.SalesOrder(store.CustomerScope(c.ID), so.ID)
	if err != nil {
		return err
	}
	if closeIt && so.Status == model.StatusAudited {
		g.n.closed++ // closed by hand with a rest
		if _, err := t.ActOnSalesOrder(sc, so.ID, so.Version, "close", g.admin, ""); err != nil {
			return err
		}
	}
	if ret && so.Lines[0].ShippedQty > 0 {
		return g.returnGoods(t, so, day)
	}
	return nil
}

// execute ships share of every line of audited order so: through a delivery notice
// (then one or two outbounds from it) or directly, the dealer confirming
// receipt of most notices.
func (g *orderGen) execute(t *store.Tx, so *model.SalesOrder, share float64, day func(int) string) error {
	// The customer's own scope: reads need no look-up of the customer.
	cust, id := so.CustomerID, so.ID
	sc := store.CustomerScope(cust)
	qty := map[int]model.Qty{}
	for _, l := range so.Lines {
		q := model.Qty(float64(l.Qty) * share)
		q -= q % model.QtyScale
		if q <= 0 {
			q = min(l.Qty, model.QtyScale)
		}
		qty[l.No] = q
		if err := g.ensureStock(t, l.ProductID, q); err != nil {
			return err
		}
	}
	if g.rng.IntN(10) < 6 {
		cr := carriers[g.rng.IntN(len(carriers))]
		tracking := ""
		if cr.prefix != "" {
			tracking = fmt.Sprintf("%s%010d", cr.prefix, g.rng.Int64N(1e10))
		}
		dn, err := t.CreateDeliveryNotice(sc, g.admin, &store.DeliveryNoticeInput{SalesOrderID: id, ShipDate: day(2), Carrier: cr.name, TrackingNo: tracking, Qty: qty})
		if err != nil {
			return err
		}
		g.n.notices++
		// By notice line number: one outbound, or two halves.
		first := map[int]model.Qty{}
		rest := map[int]model.Qty{}
		split := g.rng.IntN(4) == 0
		for _, l := range dn.Lines {
			first[l.No] = l.Qty
			if split && l.Qty >= 2*model.QtyScale {
				half := l.Qty / 2
				half -= half % model.QtyScale
				first[l.No], rest[l.No] = half, l.Qty-half
			}
		}
		for i, part := range []map[int]model.Qty{first, rest} {
			if len(part) == 0 {
				continue
			}
			if _, err := t.PostOutbound(sc, g.admin, &store.OutboundInput{DeliveryNoticeID: dn.ID, PostDate: day(2 + 3*i), Qty: part}); err != nil {
				return err
			}
			g.n.outbounds++
		}
		if g.rng.IntN(10) < 7 {
			if dn, err = t.DeliveryNotice(sc, dn.ID); err != nil {
				return err
			}
			note, problems := "", g.rng.IntN(15) == 0
			if problems {
				note = "外包装破损一件"
			}
			if _, err := t.ActOnDeliveryNotice(sc, g.dealer(cust), dn.ID, dn.Version, "confirm_receipt", "", note, problems); err != nil {
				return err
			}
			g.n.receipts++
		}
		return nil
	}
	if _, err := t.PostOutbound(sc, g.admin, &store.OutboundInput{SalesOrderID: id, PostDate: day(3), Qty: qty}); err != nil {
		return err
	}
	g.n.outbounds++
	return nil
}

// returnGoods has the dealer return part of a shipped line: the return is
// rejected now and then, else converted into a return notice that red
// outbounds receive (now and then only in part, the notice closed by hand).
func (g *orderGen) returnGoods(t *store.Tx, so *model.SalesOrder, day func(int) string) error {
	l := so.Lines[0]
	q := min(l.ReturnableQty(), model.Qty((1+g.rng.IntN(3))*model.QtyScale))
	if q <= 0 {
		return nil
	}
	sc := store.CustomerScope(so.CustomerID)
	r, err := t.CreateOnlineReturn(sc, g.dealer(so.CustomerID), &store.ReturnInput{SalesOrderID: so.ID, Date: day(10),
		Reason: returnReasons[g.rng.IntN(len(returnReasons))], Qty: map[int]model.Qty{l.No: q}}, true)
	if err != nil {
		return err
	}
	g.n.returns++
	if g.rng.IntN(8) == 0 {
		g.n.rejected++
		_, _, err := t.ActOnOnlineReturn(sc, g.admin, r.ID, r.Version, "reject", "超过退货期限")
		return err
	}
	_, rn, err := t.ActOnOnlineReturn(sc, g.admin, r.ID, r.Version, "convert", "")
	if err != nil {
		return err
	}
	g.n.returnNotices++
	got := q
	if q > model.QtyScale && g.rng.IntN(5) == 0 {
		got = q - model.QtyScale
	}
	if _, err := t.PostOutbound(sc, g.admin, &store.OutboundInput{ReturnNoticeID: rn.ID, PostDate: day(14), Qty: map[int]model.Qty{1: got}}); err != nil {
		return err
	}
	g.n.reds++
	if got < q {
		if rn, err = t.ReturnNotice(sc, rn.ID); err != nil {
			return err
		}
		_, err = t.CloseReturnNotice(sc, g.admin, rn.ID, rn.Version, "")
	}
	return err
}
