package store

import (
	"dealerportal/model"
)

// The sales order execution report (销售订单执行报表) and order tracking
// read the maintained figures of the sales order lines and the links from
// each order to its documents; neither recomputes anything from history.

// ExecutionFilter narrows the report: a customer, order dates (inclusive),
// statuses (default audited and closed: only executed orders) and a search
// text on the order's summary.
type ExecutionFilter struct {
	CustomerID uint64
	From, To   string
	Statuses   []model.Status
	Q          string
}

// ExecutionRow is one sales order line with its order's header.
type ExecutionRow struct {
	SalesOrderID uint64
	Number       string
	CustomerID   uint64
	OrderDate    string
	Status       model.Status
	Line         model.SalesOrderLine
}

// ShippedAmount is the amount of the net shipped quantity at the line's price.
func (r *ExecutionRow) ShippedAmount() model.Money {
	return model.MulQtyPrice(r.Line.ShippedQty, r.Line.Price)
}

// OpenQty is what the line has still to ship: nothing once the order is
// closed.
func (r *ExecutionRow) OpenQty() model.Qty {
	if r.Status != model.StatusAudited {
		return 0
	}
	return r.Line.OpenQty()
}

// ExecutionTotals sums the report's columns over every matching line.
type ExecutionTotals struct {
	Orders, Lines  int
	Qty            model.Qty
	Amount         model.Money
	NoticedQty     model.Qty
	ShippedQty     model.Qty
	ShippedAmount  model.Money
	ReturnedQty    model.Qty
	InvoicedQty    model.Qty
	InvoicedAmount model.Money
	ReceivedAmount model.Money
	OpenQty        model.Qty
}

func (tot *ExecutionTotals) add(r *ExecutionRow) {
	tot.Lines++
	tot.Qty += r.Line.Qty
	tot.Amount += r.Line.Amount
	tot.NoticedQty += r.Line.NoticedQty
	tot.ShippedQty += r.Line.ShippedQty
	tot.ShippedAmount += r.ShippedAmount()
	tot.ReturnedQty += r.Line.ReturnedQty
	tot.InvoicedQty += r.Line.InvoicedQty
	tot.InvoicedAmount += r.Line.InvoicedAmount
	tot.ReceivedAmount += r.Line.ReceivedAmount
	tot.OpenQty += r.OpenQty()
}

// ExecutionReport returns the lines of the sales orders in sc matching f,
// newest order first: the rows of the orders on page p (paging counts
// orders, so an order's lines stay together; p.Limit 0 gives all) and the
// totals over every matching order.
func (t *Tx) ExecutionReport(sc Scope, f ExecutionFilter, p Page) ([]ExecutionRow, ExecutionTotals, error) {
	var tot ExecutionTotals
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []model.Status{model.StatusAudited, model.StatusClosed}
	}
	sums, _, err := t.ListDocs(sc, model.DocSalesOrder, DocFilter{CustomerID: f.CustomerID, Statuses: statuses, From: f.From, To: f.To, Q: f.Q}, Page{})
	if err != nil {
		return nil, tot, err
	}
	var rows []ExecutionRow
	main := t.b(t.docB(model.DocSalesOrder).main)
	for i, s := range sums {
		so := &model.SalesOrder{}
		if err := getJSON(main, key(s.CustomerID, s.ID), so); err != nil {
			return nil, tot, err
		}
		tot.Orders++
		show := i >= p.Offset && (p.Limit <= 0 || i < p.Offset+p.Limit)
		for j := range so.Lines {
			r := ExecutionRow{SalesOrderID: so.ID, Number: so.Number, CustomerID: so.CustomerID, OrderDate: so.OrderDate, Status: so.Status, Line: so.Lines[j]}
			tot.add(&r)
			if show {
				rows = append(rows, r)
			}
		}
	}
	return rows, tot, nil
}

// OrderChain is one order's whole chain for order tracking: the online
// order (when the sales order came from one), the sales order, and every
// document made from it, oldest first.
type OrderChain struct {
	Online        *model.OnlineOrder
	Sales         *model.SalesOrder
	Notices       []*model.DeliveryNotice
	Outbounds     []*model.Outbound
	Returns       []*model.OnlineReturn
	ReturnNotices []*model.ReturnNotice
	Changes       []*model.ChangeRequest
}

// SalesOrderChain returns the chain of sales order id in sc; ErrNotFound
// outside sc. A dealer's scope sees only audited or closed sales orders.
func (t *Tx) SalesOrderChain(sc Scope, id uint64) (*OrderChain, error) {
	so, err := t.SalesOrder(sc, id)
	if err != nil {
		return nil, err
	}
	if sc.CustomerID() != 0 && so.Status != model.StatusAudited && so.Status != model.StatusClosed {
		return nil, model.ErrNotFound
	}
	ch := &OrderChain{Sales: so}
	if so.OnlineOrderID != 0 {
		oo := &model.OnlineOrder{}
		if t.GetDoc(sc, model.DocOnlineOrder, so.OnlineOrderID, oo) == nil {
			ch.Online = oo
		}
	}
	return ch, t.fillChain(sc, ch)
}

// OnlineOrderChain returns the chain of online order id in sc: the order
// alone until a sales order is made from it (or while a dealer may not see
// that sales order yet). ErrNotFound outside sc.
func (t *Tx) OnlineOrderChain(sc Scope, id uint64) (*OrderChain, error) {
	oo := &model.OnlineOrder{}
	if err := t.GetDoc(sc, model.DocOnlineOrder, id, oo); err != nil {
		return nil, err
	}
	ch := &OrderChain{Online: oo}
	if oo.SalesOrderID == 0 {
		return ch, nil
	}
	so, err := t.SalesOrder(sc, oo.SalesOrderID)
	if err != nil || sc.CustomerID() != 0 && so.Status != model.StatusAudited && so.Status != model.StatusClosed {
		return ch, nil
	}
	ch.Sales = so
	return ch, t.fillChain(sc, ch)
}

func (t *Tx) fillChain(sc Scope, ch *OrderChain) error {
	id := ch.Sales.ID
	for _, n := range t.SalesOrderLinks(id, docDeliveryNotice) {
		if d, err := t.DeliveryNotice(sc, n); err == nil {
			ch.Notices = append(ch.Notices, d)
		}
	}
	for _, n := range t.SalesOrderLinks(id, docOutbound) {
		if d, err := t.Outbound(sc, n); err == nil {
			ch.Outbounds = append(ch.Outbounds, d)
		}
	}
	for _, n := range t.SalesOrderLinks(id, docOnlineReturn) {
		if d, err := t.OnlineReturn(sc, n); err == nil {
			ch.Returns = append(ch.Returns, d)
		}
	}
	for _, n := range t.SalesOrderLinks(id, docReturnNotice) {
		if d, err := t.ReturnNotice(sc, n); err == nil {
			ch.ReturnNotices = append(ch.ReturnNotices, d)
		}
	}
	if _, ok := docKinds[model.DocChangeRequest]; ok {
		for _, n := range t.SalesOrderLinks(id, model.DocChangeRequest) {
			d := &model.ChangeRequest{}
			if t.GetDoc(sc, model.DocChangeRequest, n, d) == nil {
				ch.Changes = append(ch.Changes, d)
			}
		}
	}
	return nil
}
