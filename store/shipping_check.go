package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"dealerportal/model"
)

// The integrity check of orders and shipping recomputes from the documents
// every figure the postings maintain — the sales order lines' noticed,
// notice-open, shipped, returned and claimed quantities, the notices'
// shipped and the return notices' received quantities, stock reserved and
// the outbound ledger of on-hand moves, the customers' un-invoiced and
// open-order balances, and the execution index — and lists each difference.
// It reads each document type once (a 200,000-order history is a few
// hundred thousand documents).

func init() {
	RegisterIntegrityCheck(IntegrityCheck{Name: "orders and shipping", Run: checkShipping})
}

// eachDoc decodes every stored document of kind into a new T and passes it
// to fn; nothing when the type is not registered (its module is not built
// in). Decoding errors are returned as problems.
func eachDoc[T any](t *Tx, kind model.DocType, fn func(d *T)) []string {
	var out []string
	_ = t.eachDocValue(kind, func(_, id uint64, v []byte) error {
		d := new(T)
		if err := decodeRecord(v, d); err != nil {
			out = append(out, fmt.Sprintf("%s %d: %v", kind, id, err))
			return nil
		}
		fn(d)
		return nil
	})
	return out
}

// lineFigures are one sales order line's figures as the documents say.
type lineFigures struct {
	noticed, noticeOpen, shipped, returned, claimed model.Qty
}

// lineKey names a sales order line, or with doc a notice's or return
// notice's line that ships or receives it.
type lineKey struct {
	so  uint64
	no  int
	doc uint64
}

type moneyPair struct{ uninvoiced, open model.Money }

// shippingFacts is what the documents say, gathered in one pass per type.
type shippingFacts struct {
	lines      map[lineKey]*lineFigures
	dnShipped  map[lineKey]model.Qty // by notice line: Σ outbound lines from it
	rnReceived map[lineKey]model.Qty // by return notice line: Σ red outbound lines
	moved      map[uint64]model.Qty  // by product: Σ on-hand moves of outbounds
	reserved   map[uint64]model.Qty  // by product: Σ open quantity of audited orders
	balances   map[uint64]*moneyPair // by customer
}

func (f *shippingFacts) line(so uint64, no int) *lineFigures {
	k := lineKey{so: so, no: no}
	if f.lines[k] == nil {
		f.lines[k] = &lineFigures{}
	}
	return f.lines[k]
}

func (f *shippingFacts) balance(c uint64) *moneyPair {
	if f.balances[c] == nil {
		f.balances[c] = &moneyPair{}
	}
	return f.balances[c]
}

func checkShipping(t *Tx) []string {
	if _, ok := docKinds[model.DocSalesOrder]; !ok {
		return nil
	}
	f := &shippingFacts{lines: map[lineKey]*lineFigures{}, dnShipped: map[lineKey]model.Qty{}, rnReceived: map[lineKey]model.Qty{},
		moved: map[uint64]model.Qty{}, reserved: map[uint64]model.Qty{}, balances: map[uint64]*moneyPair{}}
	var out []string
	out = append(out, eachDoc(t, docOutbound, func(o *model.Outbound) {
		p := f.balance(o.CustomerID)
		p.uninvoiced += o.Totals.Amount
		for _, m := range o.Invoiced {
			p.uninvoiced -= m
		}
		for i := range o.Lines {
			ln := &o.Lines[i]
			f.moved[ln.ProductID] -= ln.Qty
			fig := f.line(o.SalesOrderID, ln.Source.Line)
			fig.shipped += ln.Qty
			switch {
			case o.Red:
				fig.returned -= ln.Qty
				f.rnReceived[lineKey{o.SalesOrderID, ln.Source.Line, o.ReturnNoticeID}] -= ln.Qty
			case o.DeliveryNoticeID != 0:
				f.dnShipped[lineKey{o.SalesOrderID, ln.Source.Line, o.DeliveryNoticeID}] += ln.Qty
			}
		}
	})...)
	out = append(out, eachDoc(t, docDeliveryNotice, func(d *model.DeliveryNotice) {
		for i := range d.Lines {
			k := lineKey{d.SalesOrderID, d.Lines[i].Source.Line, d.ID}
			got := model.Qty(0)
			if i < len(d.ShippedQty) {
				got = d.ShippedQty[i]
			}
			if got != f.dnShipped[k] {
				out = append(out, fmt.Sprintf("delivery notice %s line %d: shipped %s, outbounds say %s", d.Number, d.Lines[i].No, got, f.dnShipped[k]))
			}
			delete(f.dnShipped, k)
			if d.Status == model.StatusVoid {
				continue
			}
			fig, rest := f.line(d.SalesOrderID, d.Lines[i].Source.Line), d.NoticeRest(i)
			if d.Status == model.StatusAudited {
				fig.noticed += d.Lines[i].Qty
				fig.noticeOpen += rest
			} else { // shipped, closed, received: only what shipped
				fig.noticed += d.Lines[i].Qty - rest
			}
		}
	})...)
	for k, q := range f.dnShipped {
		out = append(out, fmt.Sprintf("outbounds ship %s against a missing line of delivery notice %d", q, k.doc))
	}
	out = append(out, eachDoc(t, docOnlineReturn, func(r *model.OnlineReturn) {
		if model.ReturnClaims(r.Status) {
			for i := range r.Lines {
				f.line(r.SalesOrderID, r.Lines[i].Source.Line).claimed += r.Lines[i].Qty
			}
		}
	})...)
	out = append(out, eachDoc(t, docReturnNotice, func(r *model.ReturnNotice) {
		for i := range r.Lines {
			k := lineKey{r.SalesOrderID, r.Lines[i].Source.Line, r.ID}
			got := model.Qty(0)
			if i < len(r.ReceivedQty) {
				got = r.ReceivedQty[i]
			}
			if got != f.rnReceived[k] {
				out = append(out, fmt.Sprintf("return notice %s line %d: received %s, red outbounds say %s", r.Number, r.Lines[i].No, got, f.rnReceived[k]))
			}
			delete(f.rnReceived, k)
			if r.Status == model.StatusAudited {
				f.line(r.SalesOrderID, r.Lines[i].Source.Line).claimed += r.ReturnRest(i)
			}
		}
	})...)
	for k, q := range f.rnReceived {
		out = append(out, fmt.Sprintf("red outbounds receive %s against a missing line of return notice %d", q, k.doc))
	}
	out = append(out, eachDoc(t, model.DocOnlineOrder, func(o *model.OnlineOrder) {
		f.balance(o.CustomerID).open += o.CountedOpen()
	})...)
	index := t.b(bExecIndex)
	checkIndex := index.Get(keyExecBuilt) != nil
	indexed := 0
	out = append(out, eachDoc(t, model.DocSalesOrder, func(so *model.SalesOrder) {
		f.balance(so.CustomerID).open += so.CountedOpen()
		for i := range so.Lines {
			l := &so.Lines[i]
			if so.Status == model.StatusAudited {
				f.reserved[l.ProductID] += l.OpenQty()
			}
			k := lineKey{so: so.ID, no: l.No}
			w := f.lines[k]
			delete(f.lines, k)
			if w == nil {
				w = &lineFigures{}
			}
			for _, c := range []struct {
				name      string
				got, want model.Qty
			}{
				{"noticed", l.NoticedQty, w.noticed}, {"notice-open", l.NoticeOpenQty, w.noticeOpen},
				{"shipped", l.ShippedQty, w.shipped}, {"returned", l.ReturnedQty, w.returned}, {"claimed", l.ClaimedQty, w.claimed},
			} {
				if c.got != c.want {
					out = append(out, fmt.Sprintf("sales order %s line %d: %s %s, documents say %s", so.Number, l.No, c.name, c.got, c.want))
				}
			}
			if l.ShippedQty < 0 || l.ShippedQty > l.Qty {
				out = append(out, fmt.Sprintf("sales order %s line %d: shipped %s outside 0…%s", so.Number, l.No, l.ShippedQty, l.Qty))
			}
		}
		if checkIndex {
			indexed++
			if !bytes.Equal(index.Get(key(so.CustomerID, so.ID)), encodeExec(so)) {
				out = append(out, fmt.Sprintf("sales order %s: execution index differs", so.Number))
			}
		}
	})...)
	for k := range f.lines {
		out = append(out, fmt.Sprintf("documents refer to sales order %d line %d, which does not exist", k.so, k.no))
	}
	if checkIndex {
		if n := index.Stats().KeyN - 1; n != indexed {
			out = append(out, fmt.Sprintf("execution index has %d rows for %d sales orders", n, indexed))
		}
	}
	out = append(out, f.checkStock(t)...)
	out = append(out, f.checkBalances(t)...)
	sort.Strings(out)
	return out
}

// checkStock compares stock reserved with the open quantity of audited
// orders, and the outbound ledger with the outbounds.
func (f *shippingFacts) checkStock(t *Tx) []string {
	var out []string
	_ = t.b(bStock).ForEach(func(k, v []byte) error {
		s := &model.Stock{}
		if err := json.Unmarshal(v, s); err != nil {
			out = append(out, fmt.Sprintf("stock %d: %v", btoi(k), err))
			return nil
		}
		if s.Reserved != f.reserved[s.ProductID] {
			out = append(out, fmt.Sprintf("product %d: reserved %s, audited open sales orders say %s", s.ProductID, s.Reserved, f.reserved[s.ProductID]))
		}
		delete(f.reserved, s.ProductID)
		return nil
	})
	for id, q := range f.reserved {
		if q != 0 {
			out = append(out, fmt.Sprintf("product %d: no stock record, audited open sales orders reserve %s", id, q))
		}
	}
	_ = t.b(bStockMoves).ForEach(func(k, v []byte) error {
		id := btoi(k)
		if got := model.Qty(int64(btoi(v))); got != f.moved[id] {
			out = append(out, fmt.Sprintf("product %d: outbounds moved on hand by %s, documents say %s", id, got, f.moved[id]))
		}
		delete(f.moved, id)
		return nil
	})
	for id, q := range f.moved {
		if q != 0 {
			out = append(out, fmt.Sprintf("product %d: outbounds move %s, but the ledger has nothing", id, q))
		}
	}
	return out
}

// checkBalances compares each customer's un-invoiced balance (outbounds
// net of red, less what invoices took: Outbound.Invoiced) and open orders
// (submitted online orders, the open part of audited sales orders) with the
// maintained balance.
func (f *shippingFacts) checkBalances(t *Tx) []string {
	var out []string
	_ = t.b(bBalances).ForEach(func(k, v []byte) error {
		b := &model.CustomerBalance{}
		if err := json.Unmarshal(v, b); err != nil {
			out = append(out, fmt.Sprintf("balance %d: %v", btoi(k), err))
			return nil
		}
		w := f.balances[b.CustomerID]
		delete(f.balances, b.CustomerID)
		if w == nil {
			w = &moneyPair{}
		}
		if b.Uninvoiced != w.uninvoiced {
			out = append(out, fmt.Sprintf("customer %d: un-invoiced %s, outbounds say %s", b.CustomerID, b.Uninvoiced, w.uninvoiced))
		}
		if b.OpenOrders != w.open {
			out = append(out, fmt.Sprintf("customer %d: open orders %s, orders say %s", b.CustomerID, b.OpenOrders, w.open))
		}
		return nil
	})
	for c, w := range f.balances {
		if w.uninvoiced != 0 || w.open != 0 {
			out = append(out, fmt.Sprintf("customer %d: no balance record, documents say un-invoiced %s, open orders %s", c, w.uninvoiced, w.open))
		}
	}
	return out
}
