package store

import (
	"encoding/json"
	"fmt"

	"dealerportal/model"
)

// The integrity check of amounts reads every stored figure that carries
// money or quantities and reports what the bounds (model/limits.go) make
// impossible: a quantity, price or amount beyond its bound, a negative
// where none can be (a non-red document's quantity or total, a receipt, a
// customer's open orders or credit limit), and document totals that are not
// the sum of their lines. A wrapped number written before the bounds
// existed shows here, whatever the figures maintained from it say.

func init() {
	RegisterIntegrityCheck(IntegrityCheck{Name: "amounts and bounds", Run: checkAmounts})
}

func checkAmounts(t *Tx) []string {
	var out []string
	lines := func(kind model.DocType, number string, red bool, ls []model.OrderLine, stored model.Totals) {
		for i := range ls {
			l := &ls[i]
			switch {
			case model.CheckQty(l.Qty) != nil:
				out = append(out, fmt.Sprintf("%s %s line %d: quantity %s beyond %s", kind, number, l.No, l.Qty, model.MaxQty))
			case !red && l.Qty < 0:
				out = append(out, fmt.Sprintf("%s %s line %d: negative quantity %s", kind, number, l.No, l.Qty))
			}
			if model.CheckPrice(l.Price) != nil {
				out = append(out, fmt.Sprintf("%s %s line %d: price %s outside 0 to %s", kind, number, l.No, l.Price, model.MaxPrice))
			}
		}
		out = append(out, checkTotals(kind, number, red, stored)...)
		want, err := model.CheckTotals(ls)
		switch {
		case err != nil:
			out = append(out, fmt.Sprintf("%s %s: lines beyond the bounds (%v)", kind, number, err))
		case want != stored:
			out = append(out, fmt.Sprintf("%s %s: totals %s (qty %s) are not the sum of the lines, %s (qty %s)",
				kind, number, stored.Amount, stored.Qty, want.Amount, want.Qty))
		}
	}
	out = append(out, eachDoc(t, model.DocOnlineOrder, func(o *model.OnlineOrder) {
		lines(model.DocOnlineOrder, o.Number, false, o.Lines, o.Totals)
	})...)
	out = append(out, eachDoc(t, model.DocSalesOrder, func(o *model.SalesOrder) {
		ls := make([]model.OrderLine, len(o.Lines))
		for i := range o.Lines {
			ls[i] = o.Lines[i].OrderLine
		}
		lines(model.DocSalesOrder, o.Number, false, ls, o.Totals)
	})...)
	out = append(out, eachDoc(t, model.DocDeliveryNotice, func(d *model.DeliveryNotice) {
		lines(model.DocDeliveryNotice, d.Number, false, d.Lines, d.Totals)
	})...)
	out = append(out, eachDoc(t, model.DocOutbound, func(o *model.Outbound) {
		lines(model.DocOutbound, o.Number, o.Red, o.Lines, o.Totals)
	})...)
	out = append(out, eachDoc(t, model.DocOnlineReturn, func(r *model.OnlineReturn) {
		lines(model.DocOnlineReturn, r.Number, false, r.Lines, r.Totals)
	})...)
	out = append(out, eachDoc(t, model.DocReturnNotice, func(r *model.ReturnNotice) {
		lines(model.DocReturnNotice, r.Number, false, r.Lines, r.Totals)
	})...)
	out = append(out, eachDoc(t, model.DocInvoice, func(v *model.Invoice) {
		out = append(out, checkTotals(model.DocInvoice, v.Number, v.Red, v.Totals)...)
	})...)
	for _, kind := range []model.DocType{model.DocReceipt, model.DocAdvanceReceipt, model.DocRefund} {
		out = append(out, eachDoc(t, kind, func(r *model.ReceiptDoc) {
			if r.Amount < 0 || model.CheckAmount(r.Amount) != nil {
				out = append(out, fmt.Sprintf("%s %s: amount %s outside 0 to %s", kind, r.Number, r.Amount, model.MaxAmount))
			}
		})...)
	}
	out = append(out, checkBalanceBounds(t)...)
	_ = t.b(bCustomers).ForEach(func(k, v []byte) error {
		c := &model.Customer{}
		if json.Unmarshal(v, c) == nil && (c.CreditLimit < 0 || model.CheckAmount(c.CreditLimit) != nil) {
			out = append(out, fmt.Sprintf("customer %s: credit limit %s outside 0 to %s", c.Code, c.CreditLimit, model.MaxAmount))
		}
		return nil
	})
	_ = t.b(bCart).ForEach(func(k, v []byte) error {
		l := &model.CartLine{}
		if json.Unmarshal(v, l) == nil && (l.Qty <= 0 || l.Qty > model.MaxQty) {
			out = append(out, fmt.Sprintf("cart of user %d, entry %d: quantity %s outside 0 to %s", l.UserID, l.EntryID, l.Qty, model.MaxQty))
		}
		return nil
	})
	return out
}

// checkTotals reports a document total beyond MaxAmount, or below zero on
// a document that is not red.
func checkTotals(kind model.DocType, number string, red bool, t model.Totals) []string {
	var out []string
	for _, f := range []struct {
		name string
		m    model.Money
	}{{"total", t.Amount}, {"total excl. tax", t.AmountExcl}, {"tax", t.Tax}} {
		switch {
		case model.CheckAmount(f.m) != nil:
			out = append(out, fmt.Sprintf("%s %s: %s %s beyond %s", kind, number, f.name, f.m, model.MaxAmount))
		case !red && f.m < 0:
			out = append(out, fmt.Sprintf("%s %s: negative %s %s", kind, number, f.name, f.m))
		}
	}
	if model.CheckQty(t.Qty) != nil && model.CheckQty(t.Qty/model.MaxLines) != nil {
		out = append(out, fmt.Sprintf("%s %s: total quantity %s beyond %d lines of %s", kind, number, t.Qty, model.MaxLines, model.MaxQty))
	}
	return out
}

// checkBalanceBounds reports a customer balance with a part beyond
// MaxBalance, or negative open orders (postings never subtract more than
// they counted).
func checkBalanceBounds(t *Tx) []string {
	var out []string
	_ = t.b(bBalances).ForEach(func(k, v []byte) error {
		b := &model.CustomerBalance{}
		if err := json.Unmarshal(v, b); err != nil {
			return nil // reported by the orders and shipping check
		}
		if b.Check() != nil {
			out = append(out, fmt.Sprintf("customer %d: balance beyond %s (un-invoiced %s, invoiced %s, receipts %s, open orders %s)",
				b.CustomerID, model.MaxBalance, b.Uninvoiced, b.InvoicedReceivable, b.ReceiptBalance, b.OpenOrders))
		}
		if b.OpenOrders < 0 {
			out = append(out, fmt.Sprintf("customer %d: negative open orders %s", b.CustomerID, b.OpenOrders))
		}
		if _, err := b.Exposure(); err != nil {
			out = append(out, fmt.Sprintf("customer %d: credit exposure cannot be computed within %s", b.CustomerID, model.MaxBalance))
		}
		return nil
	})
	return out
}
