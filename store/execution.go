package store

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sort"
	"strings"

	"dealerportal/model"
	"dealerportal/store/kv"
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
// newest order date first (the latest order first within a day): the rows of the orders on page p (paging counts
// orders, so an order's lines stay together; p.Limit 0 gives all) and the
// totals over every matching order. It reads the execution index (one
// compact row per order, kept by every write of a sales order), never the
// orders themselves. Without a search text the totals come from the
// maintained totals (execution_totals.go) and only the page's orders are
// read, through the order-date index; a search reads every order of the
// scope.
func (t *Tx) ExecutionReport(sc Scope, f ExecutionFilter, p Page) ([]ExecutionRow, ExecutionTotals, error) {
	var tot ExecutionTotals
	want := f.Statuses
	if len(want) == 0 {
		want = []model.Status{model.StatusAudited, model.StatusClosed}
	}
	cust := f.CustomerID
	if sc.CustomerID() != 0 {
		if cust != 0 && cust != sc.CustomerID() {
			return nil, tot, nil
		}
		cust = sc.CustomerID()
	}
	if cust != 0 && !t.AllowsCustomer(sc, cust) {
		return nil, tot, nil
	}
	if strings.TrimSpace(f.Q) != "" {
		return t.executionScan(sc, cust, f, want, p)
	}
	var err error
	switch {
	case cust != 0:
		tot, err = t.executionTotals(cust, nil, nil, f, want)
	case sc.CoversEveryone():
		tot, err = t.executionTotals(0, nil, nil, f, want)
	case sc.salesperson == 0 && sc.orgs != nil:
		tot, err = t.executionTotals(0, sc.orgs, nil, f, want)
	default:
		ids := t.CustomerIDs(sc)
		if len(ids) == 0 {
			// No customer in scope (a salesperson without customers):
			// nothing to total — not, as a nil list would read, every
			// org unit's totals.
			return nil, tot, nil
		}
		tot, err = t.executionTotals(0, nil, ids, f, want)
	}
	if err != nil {
		return nil, tot, err
	}
	rows, err := t.executionPage(sc, cust, f, want, p)
	return rows, tot, err
}

// executionPage reads the rows of the orders on page p, newest order
// date first (the highest id first within a day) from the order-date index
// (execution_totals.go): a customer's entries, or every customer's skipping
// those outside sc; only the orders shown are read from the execution index.
func (t *Tx) executionPage(sc Scope, cust uint64, f ExecutionFilter, want []model.Status, p Page) ([]ExecutionRow, error) {
	index := t.b(bExecIndex)
	var rows []ExecutionRow
	var page [][]byte // the orders on the page: customer id, order id
	n := 0
	allowed := map[uint64]bool{}
	visit := func(owner, id uint64, st model.Status) bool {
		if !slices.Contains(want, st) {
			return true
		}
		if cust == 0 && !sc.CoversEveryone() {
			in, seen := allowed[owner]
			if !seen {
				c, ok := t.card(owner)
				in = ok && sc.allowsCard(&c)
				allowed[owner] = in
			}
			if !in {
				return true
			}
		}
		if n++; n <= p.Offset {
			return true
		}
		page = append(page, key(owner, id))
		return p.Limit <= 0 || n < p.Offset+p.Limit
	}
	dates := t.b(bExecDates)
	if cust != 0 {
		prefix := binary.BigEndian.AppendUint64([]byte{'c'}, cust)
		eachExecByDate(dates, prefix, f.From, f.To, func(_ string, id uint64, v []byte) bool {
			return visit(cust, id, model.Status(v))
		})
	} else {
		eachExecByDate(dates, []byte{'a'}, f.From, f.To, func(_ string, id uint64, v []byte) bool {
			if len(v) < 8 {
				return true
			}
			return visit(btoi(v[:8]), id, model.Status(v[8:]))
		})
	}
	// The page's orders and, for staff, their customers' cards (the
	// report names each order's customer): one query on PostgreSQL, not
	// one per order and bucket (kv.PrefetchKeys; nothing on bbolt).
	if t.s.bolt == nil && len(page) > 1 {
		keys := make([]kv.BucketKey, 0, 2*len(page))
		seen := make(map[uint64]bool, len(page))
		for _, k := range page {
			keys = append(keys, kv.BucketKey{Bucket: bExecIndex, Key: k})
			if owner := btoi(k); sc.IsStaff() && !seen[owner] {
				seen[owner] = true
				keys = append(keys, kv.BucketKey{Bucket: bCustomerCards, Key: k[:8]})
			}
		}
		kv.PrefetchKeys(t.tx, keys)
	}
	for _, k := range page {
		if v := index.Get(k); v != nil {
			owner, id := btoi(k), btoi(k[8:])
			h, rest := decodeExecHeader(v)
			for _, l := range decodeExecLines(rest, nil, true) {
				rows = append(rows, ExecutionRow{SalesOrderID: id, Number: h.number, CustomerID: owner, OrderDate: h.date, Status: h.status, Line: l})
			}
		}
	}
	return rows, nil
}

// executionScan is the report with a search text: it reads every order of
// the scope's rows of the execution index, totals included.
func (t *Tx) executionScan(sc Scope, cust uint64, f ExecutionFilter, want []model.Status, p Page) ([]ExecutionRow, ExecutionTotals, error) {
	var tot ExecutionTotals
	q := strings.ToLower(strings.TrimSpace(f.Q))
	type ref struct {
		cust, id uint64
		h        execHeader
		v        []byte // the lines, after the header
	}
	var refs []ref
	b := t.b(bExecIndex)
	scan := func(prefix []byte) {
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(k) != 16 {
				continue
			}
			h, rest := decodeExecHeader(v)
			if !slices.Contains(want, h.status) || f.From != "" && h.date < f.From || f.To != "" && h.date > f.To {
				continue
			}
			if q != "" && !execMatches(v, q) {
				continue
			}
			refs = append(refs, ref{btoi(k[:8]), btoi(k[8:]), h, rest})
		}
	}
	switch {
	case cust != 0:
		scan(itob(cust))
	case sc.CoversEveryone():
		scan(nil)
	default:
		for _, c := range t.CustomerIDs(sc) {
			scan(itob(c))
		}
	}
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].h.date != refs[j].h.date {
			return refs[i].h.date > refs[j].h.date
		}
		return refs[i].id > refs[j].id
	})
	var rows []ExecutionRow
	var buf []model.SalesOrderLine // the lines of an order not shown: figures only, reused
	for i, r := range refs {
		h := r.h
		tot.Orders++
		show := i >= p.Offset && (p.Limit <= 0 || i < p.Offset+p.Limit)
		var lines []model.SalesOrderLine
		if show {
			lines = decodeExecLines(r.v, nil, true)
		} else {
			buf = decodeExecLines(r.v, buf[:0], false)
			lines = buf
		}
		for j := range lines {
			row := ExecutionRow{SalesOrderID: r.id, Number: h.number, CustomerID: r.cust, OrderDate: h.date, Status: h.status, Line: lines[j]}
			tot.add(&row)
			if show {
				rows = append(rows, row)
			}
		}
	}
	return rows, tot, nil
}

// ---- the execution index ----

// bExecIndex: customerID|salesOrderID → the order's execution row (status,
// date, number and per line the product and every maintained figure), in a
// compact binary form that the report decodes some thirty times faster than
// the order's JSON. A hook on the sales order type keeps it (RegisterDocHook);
// keyExecBuilt marks a file whose index is complete.
var (
	bExecIndex   = []byte("sales_order_execution")
	keyExecBuilt = []byte("built")
)

func init() {
	allBuckets = append(allBuckets, bExecIndex)
	RegisterDocHook(model.DocSalesOrder, keepExecution)
}

// keepExecution keeps the execution index and the maintained totals
// (execution_totals.go) of sales order id of customer cust after a write
// (so nil: a delete).
func keepExecution(t *Tx, cust, id uint64, d model.Document) error {
	var cur *execContribution
	var row []byte
	if d != nil {
		so, ok := d.(*model.SalesOrder)
		if !ok {
			return nil
		}
		row = encodeExec(so)
		h, rest := decodeExecHeader(row)
		cur = &execContribution{status: h.status, date: h.date, sums: execRowSums(id, cust, h, decodeExecLines(rest, nil, false))}
	}
	b := t.b(bExecIndex)
	var old *execContribution
	if v := b.Get(key(cust, id)); v != nil {
		h, rest := decodeExecHeader(v)
		old = &execContribution{status: h.status, date: h.date, sums: execRowSums(id, cust, h, decodeExecLines(rest, nil, false))}
	}
	if err := t.moveExecTotals(cust, old, cur); err != nil {
		return err
	}
	if err := t.moveExecDates(cust, id, old, cur); err != nil {
		return err
	}
	if row == nil {
		return b.Delete(key(cust, id))
	}
	return b.Put(key(cust, id), row)
}

type execHeader struct {
	status       model.Status
	date, number string
}

func encodeExec(so *model.SalesOrder) []byte {
	b := make([]byte, 0, 64+len(so.Lines)*96)
	b = appendStr(b, string(so.Status))
	b = appendStr(b, so.OrderDate)
	b = appendStr(b, so.Number)
	b = binary.AppendUvarint(b, uint64(len(so.Lines)))
	for i := range so.Lines {
		l := &so.Lines[i]
		b = binary.AppendUvarint(b, uint64(l.No))
		b = binary.AppendUvarint(b, l.ProductID)
		b = appendStr(b, l.Code)
		b = appendStr(b, l.Name)
		b = appendStr(b, l.Unit)
		for _, n := range []int64{int64(l.Qty), int64(l.Price), int64(l.Amount), int64(l.NoticedQty), int64(l.ShippedQty), int64(l.ReturnedQty),
			int64(l.InvoicedQty), int64(l.InvoicedAmount), int64(l.ReceivedAmount), int64(len(l.Changes))} {
			b = binary.AppendVarint(b, n)
		}
	}
	return b
}

func decodeExecHeader(b []byte) (execHeader, []byte) {
	var h execHeader
	var s string
	s, b = readStr(b)
	h.status = model.Status(s)
	h.date, b = readStr(b)
	h.number, b = readStr(b)
	return h, b
}

// decodeExec reads an execution row back into its header and lines (with
// as many changes recorded as the line has had, values not kept).
func decodeExec(b []byte) (execHeader, []model.SalesOrderLine) {
	h, b := decodeExecHeader(b)
	return h, decodeExecLines(b, nil, true)
}

// decodeExecLines reads the lines after the header, appending to lines.
// Without text it skips the code, name and unit and the changes (the
// report's totals need the figures only), so it allocates nothing when
// lines has room.
func decodeExecLines(b []byte, lines []model.SalesOrderLine, text bool) []model.SalesOrderLine {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return lines
	}
	b = b[k:]
	if lines == nil {
		lines = make([]model.SalesOrderLine, 0, n)
	}
	str := func() string {
		if text {
			var s string
			s, b = readStr(b)
			return s
		}
		if len(b) < 2 || len(b) < 2+int(binary.BigEndian.Uint16(b)) {
			b = nil
			return ""
		}
		b = b[2+int(binary.BigEndian.Uint16(b)):]
		return ""
	}
	uv := func() uint64 {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			b = nil
			return 0
		}
		b = b[k:]
		return v
	}
	iv := func() int64 {
		v, k := binary.Varint(b)
		if k <= 0 {
			b = nil
			return 0
		}
		b = b[k:]
		return v
	}
	for range n {
		var l model.SalesOrderLine
		l.No = int(uv())
		l.ProductID = uv()
		l.Code, l.Name, l.Unit = str(), str(), str()
		l.Qty, l.Price, l.Amount = model.Qty(iv()), model.Money(iv()), model.Money(iv())
		l.NoticedQty, l.ShippedQty, l.ReturnedQty = model.Qty(iv()), model.Qty(iv()), model.Qty(iv())
		l.InvoicedQty, l.InvoicedAmount, l.ReceivedAmount = model.Qty(iv()), model.Money(iv()), model.Money(iv())
		if c := iv(); c > 0 && text {
			l.Changes = make([]model.LineChange, c)
		}
		if b == nil {
			break
		}
		lines = append(lines, l)
	}
	return lines
}

// execMatches reports whether an execution row matches the lower-case
// search q: the order number, a product code or name.
func execMatches(v []byte, q string) bool {
	h, lines := decodeExec(v)
	if strings.Contains(strings.ToLower(h.number), q) {
		return true
	}
	for _, l := range lines {
		if strings.Contains(strings.ToLower(l.Code), q) || strings.Contains(strings.ToLower(l.Name), q) {
			return true
		}
	}
	return false
}

// EnsureExecutionIndex builds the execution index from the sales orders
// once, on a file written before the index existed (a file made by this
// code has it complete and is only marked). It returns quickly when the
// index is marked complete.
func (s *Store) EnsureExecutionIndex() error {
	built := false
	_ = s.View(func(t *Tx) error { built = t.b(bExecIndex).Get(keyExecBuilt) != nil; return nil })
	if built {
		return nil
	}
	return s.Update("system", func(t *Tx) error {
		b := t.b(bExecIndex)
		if b.Get(keyExecBuilt) != nil {
			return nil
		}
		return buildExecIndex(t, b)
	})
}

// buildExecIndex writes index's row of every sales order and marks it
// complete.
func buildExecIndex(t *Tx, index kv.Bucket) error {
	err := t.eachDocValue(model.DocSalesOrder, func(_, _ uint64, v []byte) error {
		so := &model.SalesOrder{}
		if err := decodeRecord(v, so); err != nil {
			return err
		}
		return index.Put(key(so.CustomerID, so.ID), encodeExec(so))
	})
	if err != nil {
		return err
	}
	return index.Put(keyExecBuilt, []byte{1})
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
