package store

import (
	"encoding/json"
	"fmt"
	"sort"

	"dealerportal/model"
)

// The integrity checks of shipping and returns: they recompute from the
// documents every figure the postings maintain — the sales order lines'
// noticed, notice-open, shipped, returned and claimed quantities, the
// notices' shipped and the return notices' received quantities, stock
// reserved and the outbound ledger of on-hand moves, and the customers'
// un-invoiced and open-order balances — and list each difference.

func init() {
	RegisterIntegrityCheck(IntegrityCheck{Name: "sales order execution", Run: checkExecution})
	RegisterIntegrityCheck(IntegrityCheck{Name: "stock from orders", Run: checkStockFromOrders})
	RegisterIntegrityCheck(IntegrityCheck{Name: "customer balances (orders)", Run: checkOrderBalances})
}

// eachDoc decodes every stored document of kind into a new value from mk;
// nothing when the type is not registered (its module is not built in).
func eachDoc[T any](t *Tx, kind model.DocType, fn func(d *T)) []string {
	b, ok := docKinds[kind]
	if !ok {
		return nil
	}
	var out []string
	_ = t.b(b.main).ForEach(func(k, v []byte) error {
		d := new(T)
		if err := json.Unmarshal(v, d); err != nil {
			out = append(out, fmt.Sprintf("%s %d: %v", kind, btoi(k[8:]), err))
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

type lineKey struct {
	so  uint64
	no  int
	doc uint64 // a notice's or return notice's id, for their own figures
}

func checkExecution(t *Tx) []string {
	if _, ok := docKinds[model.DocSalesOrder]; !ok {
		return nil
	}
	want := map[lineKey]*lineFigures{}
	fig := func(so uint64, no int) *lineFigures {
		k := lineKey{so: so, no: no}
		if want[k] == nil {
			want[k] = &lineFigures{}
		}
		return want[k]
	}
	out := eachDoc(t, docDeliveryNotice, func(d *model.DeliveryNotice) {
		if d.Status == model.StatusVoid {
			return
		}
		for i := range d.Lines {
			f := fig(d.SalesOrderID, d.Lines[i].Source.Line)
			rest := d.NoticeRest(i)
			switch d.Status {
			case model.StatusAudited:
				f.noticed += d.Lines[i].Qty
				f.noticeOpen += rest
			default: // shipped, closed, received: only what shipped
				f.noticed += d.Lines[i].Qty - rest
			}
		}
	})
	dnShipped := map[lineKey]model.Qty{}
	rnReceived := map[lineKey]model.Qty{}
	out = append(out, eachDoc(t, docOutbound, func(o *model.Outbound) {
		for i := range o.Lines {
			ln := &o.Lines[i]
			f := fig(o.SalesOrderID, ln.Source.Line)
			f.shipped += ln.Qty
			switch {
			case o.Red:
				f.returned -= ln.Qty
				rnReceived[lineKey{so: o.SalesOrderID, no: ln.Source.Line, doc: o.ReturnNoticeID}] -= ln.Qty
			case o.DeliveryNoticeID != 0:
				dnShipped[lineKey{so: o.SalesOrderID, no: ln.Source.Line, doc: o.DeliveryNoticeID}] += ln.Qty
			}
		}
	})...)
	out = append(out, eachDoc(t, docOnlineReturn, func(r *model.OnlineReturn) {
		if !model.ReturnClaims(r.Status) {
			return
		}
		for i := range r.Lines {
			fig(r.SalesOrderID, r.Lines[i].Source.Line).claimed += r.Lines[i].Qty
		}
	})...)
	out = append(out, eachDoc(t, docReturnNotice, func(r *model.ReturnNotice) {
		for i := range r.Lines {
			k := lineKey{so: r.SalesOrderID, no: r.Lines[i].Source.Line, doc: r.ID}
			got := model.Qty(0)
			if i < len(r.ReceivedQty) {
				got = r.ReceivedQty[i]
			}
			if got != rnReceived[k] {
				out = append(out, fmt.Sprintf("return notice %s line %d: received %s, red outbounds say %s", r.Number, r.Lines[i].No, got, rnReceived[k]))
			}
			delete(rnReceived, k)
			if r.Status == model.StatusAudited {
				fig(r.SalesOrderID, r.Lines[i].Source.Line).claimed += r.ReturnRest(i)
			}
		}
	})...)
	out = append(out, eachDoc(t, docDeliveryNotice, func(d *model.DeliveryNotice) {
		for i := range d.Lines {
			k := lineKey{so: d.SalesOrderID, no: d.Lines[i].Source.Line, doc: d.ID}
			got := model.Qty(0)
			if i < len(d.ShippedQty) {
				got = d.ShippedQty[i]
			}
			if got != dnShipped[k] {
				out = append(out, fmt.Sprintf("delivery notice %s line %d: shipped %s, outbounds say %s", d.Number, d.Lines[i].No, got, dnShipped[k]))
			}
			delete(dnShipped, k)
		}
	})...)
	for k, q := range dnShipped {
		out = append(out, fmt.Sprintf("outbounds ship %s against a missing line of delivery notice %d", q, k.doc))
	}
	for k, q := range rnReceived {
		out = append(out, fmt.Sprintf("red outbounds receive %s against a missing line of return notice %d", q, k.doc))
	}
	out = append(out, eachDoc(t, model.DocSalesOrder, func(so *model.SalesOrder) {
		for i := range so.Lines {
			l := &so.Lines[i]
			k := lineKey{so: so.ID, no: l.No}
			w := want[k]
			delete(want, k)
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
	})...)
	for k := range want {
		out = append(out, fmt.Sprintf("documents refer to sales order %d line %d, which does not exist", k.so, k.no))
	}
	sort.Strings(out)
	return out
}

func checkStockFromOrders(t *Tx) []string {
	if _, ok := docKinds[model.DocSalesOrder]; !ok {
		return nil
	}
	reserved := map[uint64]model.Qty{}
	out := eachDoc(t, model.DocSalesOrder, func(so *model.SalesOrder) {
		if so.Status != model.StatusAudited {
			return
		}
		for i := range so.Lines {
			reserved[so.Lines[i].ProductID] += so.Lines[i].OpenQty()
		}
	})
	moved := map[uint64]model.Qty{}
	out = append(out, eachDoc(t, docOutbound, func(o *model.Outbound) {
		for i := range o.Lines {
			moved[o.Lines[i].ProductID] -= o.Lines[i].Qty
		}
	})...)
	_ = t.b(bStock).ForEach(func(k, v []byte) error {
		s := &model.Stock{}
		if err := json.Unmarshal(v, s); err != nil {
			out = append(out, fmt.Sprintf("stock %d: %v", btoi(k), err))
			return nil
		}
		if s.Reserved != reserved[s.ProductID] {
			out = append(out, fmt.Sprintf("product %d: reserved %s, audited open sales orders say %s", s.ProductID, s.Reserved, reserved[s.ProductID]))
		}
		delete(reserved, s.ProductID)
		return nil
	})
	for id, q := range reserved {
		if q != 0 {
			out = append(out, fmt.Sprintf("product %d: no stock record, audited open sales orders reserve %s", id, q))
		}
	}
	_ = t.b(bStockMoves).ForEach(func(k, v []byte) error {
		id := btoi(k)
		if got := model.Qty(int64(btoi(v))); got != moved[id] {
			out = append(out, fmt.Sprintf("product %d: outbounds moved on hand by %s, documents say %s", id, got, moved[id]))
		}
		delete(moved, id)
		return nil
	})
	for id, q := range moved {
		if q != 0 {
			out = append(out, fmt.Sprintf("product %d: outbounds move %s, but the ledger has nothing", id, q))
		}
	}
	sort.Strings(out)
	return out
}

// checkOrderBalances recomputes each customer's un-invoiced balance
// (outbounds net of red, less what invoices took: Outbound.Invoiced) and
// open orders (submitted online orders, plus the open part of audited sales
// orders) and compares them with the maintained balances.
func checkOrderBalances(t *Tx) []string {
	if _, ok := docKinds[model.DocSalesOrder]; !ok {
		return nil
	}
	type pair struct{ uninvoiced, open model.Money }
	want := map[uint64]*pair{}
	get := func(c uint64) *pair {
		if want[c] == nil {
			want[c] = &pair{}
		}
		return want[c]
	}
	out := eachDoc(t, docOutbound, func(o *model.Outbound) {
		p := get(o.CustomerID)
		p.uninvoiced += o.Totals.Amount
		for _, m := range o.Invoiced {
			p.uninvoiced -= m
		}
	})
	out = append(out, eachDoc(t, model.DocSalesOrder, func(so *model.SalesOrder) {
		if so.Status == model.StatusAudited {
			get(so.CustomerID).open += so.OpenAmount()
		}
	})...)
	out = append(out, eachDoc(t, model.DocOnlineOrder, func(o *model.OnlineOrder) {
		if o.Status == model.StatusSubmitted {
			get(o.CustomerID).open += o.Totals.Amount
		}
	})...)
	_ = t.b(bBalances).ForEach(func(k, v []byte) error {
		b := &model.CustomerBalance{}
		if err := json.Unmarshal(v, b); err != nil {
			out = append(out, fmt.Sprintf("balance %d: %v", btoi(k), err))
			return nil
		}
		w := want[b.CustomerID]
		delete(want, b.CustomerID)
		if w == nil {
			w = &pair{}
		}
		if b.Uninvoiced != w.uninvoiced {
			out = append(out, fmt.Sprintf("customer %d: un-invoiced %s, outbounds say %s", b.CustomerID, b.Uninvoiced, w.uninvoiced))
		}
		if b.OpenOrders != w.open {
			out = append(out, fmt.Sprintf("customer %d: open orders %s, orders say %s", b.CustomerID, b.OpenOrders, w.open))
		}
		return nil
	})
	for c, w := range want {
		if w.uninvoiced != 0 || w.open != 0 {
			out = append(out, fmt.Sprintf("customer %d: no balance record, documents say un-invoiced %s, open orders %s", c, w.uninvoiced, w.open))
		}
	}
	sort.Strings(out)
	return out
}
