package store

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"dealerportal/model"
)

// Sales invoices (销售发票): made by staff from outbound lines of one
// customer (partial quantities allowed), red ones from red outbounds. An
// invoice posts at audit, in one transaction: each outbound line's
// invoiced quantity and amount (Outbound.InvoicedQty / Invoiced), the
// sales order line's InvoicedQty / InvoicedAmount, the customer's
// un-invoiced and invoiced-receivable balances and the open-items index.
// Unaudit takes exactly that back, while nothing is written off against the
// invoice and the dealer has not confirmed it.

var docInvoice = RegisterDocType(model.DocInvoice)

// bInvoicing: customerID|invoiceID → (outboundID, amount) pairs, 16 bytes
// each, for every posted invoice: what the balance detail needs to know of
// an invoice (which outbounds it takes from) without decoding it.
var bInvoicing = []byte("recon_invoicing")

func init() { allBuckets = append(allBuckets, bInvoicing) }

// putInvoicing records (or, for an unposted invoice, forgets) what a posted
// invoice takes from each outbound.
func (t *Tx) putInvoicing(inv *model.Invoice) error {
	k := key(inv.CustomerID, inv.ID)
	if !inv.Posted() {
		return t.b(bInvoicing).Delete(k)
	}
	v := make([]byte, 0, 16*len(inv.Lines))
	for _, l := range inv.Lines {
		v = append(append(v, itob(l.OutboundID)...), itob(uint64(l.Amount))...)
	}
	return t.b(bInvoicing).Put(k, v)
}

// eachInvoicing calls fn for every pair of a customer's posted invoices.
func (t *Tx) eachInvoicing(cust uint64, fn func(invoice, outbound uint64, amount model.Money)) {
	prefix := itob(cust)
	c := t.b(bInvoicing).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		inv := btoi(k[8:])
		for i := 0; i+16 <= len(v); i += 16 {
			fn(inv, btoi(v[i:]), model.Money(int64(btoi(v[i+8:]))))
		}
	}
}

// InvoiceLineRef names an outbound line: the outbound and the line's No.
type InvoiceLineRef struct {
	OutboundID uint64
	Line       int
}

// InvoiceQtyField is the form field of an outbound line's quantity.
func InvoiceQtyField(r InvoiceLineRef) string { return fmt.Sprintf("qty.%d.%d", r.OutboundID, r.Line) }

// InvoiceInput is the form of a new invoice. Qty is positive as typed, for
// red invoices too (their lines are stored negative). Audit posts it at once.
type InvoiceInput struct {
	// The customer: the outbound's when OutboundID is set (the form of one
	// outbound), else CustomerID, else the one of CustomerCode.
	CustomerID   uint64
	CustomerCode string
	OutboundID   uint64
	Red          bool
	InvoiceNo    string
	Date         string
	Remarks      string
	Qty          map[InvoiceLineRef]model.Qty
	Audit        bool
	// Offered: the quantities come from the UI's form, which offers only
	// the lines of its customer and colour (of OutboundID alone when set)
	// with something left to invoice; a posted line the form does not
	// offer (any longer) is left out, not refused.
	Offered bool
	// Read holds outbounds the caller has read through the same scope in
	// this transaction and not changed since (the API checks its
	// references first): they are used instead of being read again.
	Read map[uint64]*model.Outbound
}

// outboundRest is what line idx of ob has not yet invoiced: quantity and
// amount, signed like the line.
func outboundRest(ob *model.Outbound, idx int) (model.Qty, model.Money) {
	q, m := ob.Lines[idx].Qty, ob.Lines[idx].Amount
	if idx < len(ob.InvoicedQty) {
		q -= ob.InvoicedQty[idx]
	}
	if idx < len(ob.Invoiced) {
		m -= ob.Invoiced[idx]
	}
	return q, m
}

// OutboundRest is outboundRest for the handlers (the un-invoiced quantity
// and amount of line idx).
func OutboundRest(ob *model.Outbound, idx int) (model.Qty, model.Money) { return outboundRest(ob, idx) }

func obLineIndex(ob *model.Outbound, no int) int {
	for i := range ob.Lines {
		if ob.Lines[i].No == no {
			return i
		}
	}
	return -1
}

// UninvoicedOutbounds returns up to limit outbounds of customer cust in sc
// (red ones when red, else blue) that have lines not fully invoiced, oldest
// first; only outbound id when it is not 0. ErrNotFound when the customer
// (or that outbound) is outside sc.
func (t *Tx) UninvoicedOutbounds(sc Scope, cust uint64, red bool, only uint64, limit int) ([]*model.Outbound, error) {
	if !t.AllowsCustomer(sc, cust) {
		return nil, model.ErrNotFound
	}
	if only != 0 {
		ob, err := t.Outbound(sc, only)
		if err != nil {
			return nil, err
		}
		if ob.CustomerID != cust {
			return nil, model.ErrNotFound
		}
		if ob.Red != red || !hasRest(ob) {
			return nil, nil
		}
		return []*model.Outbound{ob}, nil
	}
	var out []*model.Outbound
	b := t.docB(docOutbound)
	sums := t.b(b.cust)
	main := t.b(b.main)
	c := sums.Cursor()
	prefix := itob(cust)
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && (limit <= 0 || len(out) < limit); k, v = c.Next() {
		s, err := decodeDocSummary(k, v)
		if err != nil {
			return nil, err
		}
		if (s.Flag == "red") != red {
			continue
		}
		ob := &model.Outbound{}
		if err := getJSON(main, k[8:], ob); err != nil {
			return nil, err
		}
		if hasRest(ob) {
			out = append(out, ob)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].PostDate < out[j].PostDate })
	return out, nil
}

func hasRest(ob *model.Outbound) bool {
	for i := range ob.Lines {
		if q, _ := outboundRest(ob, i); q != 0 {
			return true
		}
	}
	return false
}

// CreateInvoice is the use case "make an invoice" (a draft, or posted at
// once when in.Audit): one transaction, at most once per a.Once, the new
// invoice's id. Errors as Tx.CreateInvoice's. The caller checks the
// reconcile permission.
func (s *Store) CreateInvoice(a Actor, in InvoiceInput) (uint64, error) {
	return s.act(a, func(t *Tx) (uint64, error) {
		inv, err := t.CreateInvoice(a.Scope, a.User, &in)
		if err != nil {
			return 0, err
		}
		return inv.ID, nil
	})
}

// pinned is the scope a use case works in once it has checked its
// customer through the caller's scope at its top: that customer's records
// only, each checked by an existence lookup (no customer decoded, no org
// tree walked again).
func pinned(sc Scope, cust uint64) Scope { return Scope{customerID: cust, staff: sc.staff} }

// invoiceCustomer is the customer an invoice input names, checked through
// sc (the use case's one scope check): the outbound's (in.OutboundID), else
// in.CustomerID, else in.CustomerCode. ErrNotFound outside sc or when none
// is named.
func (t *Tx) invoiceCustomer(sc Scope, in *InvoiceInput) (uint64, *model.Outbound, error) {
	switch {
	case in.OutboundID != 0:
		ob, err := t.Outbound(sc, in.OutboundID)
		if err != nil {
			return 0, nil, err
		}
		return ob.CustomerID, ob, nil
	case in.CustomerID != 0:
		if !t.AllowsCustomer(sc, in.CustomerID) {
			return 0, nil, model.ErrNotFound
		}
		return in.CustomerID, nil, nil
	case in.CustomerCode != "":
		cu, err := t.CustomerByCode(sc, in.CustomerCode)
		if err != nil {
			return 0, nil, err
		}
		return cu.ID, nil, nil
	}
	return 0, nil, model.ErrNotFound
}

// CreateInvoice makes an invoice (a draft, or posted when in.Audit) from
// outbound lines of the customer in names (invoiceCustomer), checked
// through sc once at the top. ErrNotFound when the customer is outside sc,
// field errors ("qty.<ob>.<line>", "invoice_date", "lines") for quantities
// above what is un-invoiced, outbounds of another customer or colour, or a
// date before an outbound's (model's invoice rules). The reconcile
// permission is the caller's to check.
func (t *Tx) CreateInvoice(sc Scope, u *model.User, in *InvoiceInput) (*model.Invoice, error) {
	cust, only, err := t.invoiceCustomer(sc, in)
	if err != nil {
		return nil, err
	}
	sc = pinned(sc, cust)
	inv := &model.Invoice{CustomerID: cust, Red: in.Red, InvoiceNo: in.InvoiceNo, InvoiceDate: in.Date, Remarks: in.Remarks}
	ve := &model.ValidationError{}
	refs := make([]InvoiceLineRef, 0, len(in.Qty))
	for r, q := range in.Qty {
		if q != 0 {
			refs = append(refs, r)
		}
	}
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].OutboundID != refs[j].OutboundID {
			return refs[i].OutboundID < refs[j].OutboundID
		}
		return refs[i].Line < refs[j].Line
	})
	obs := map[uint64]*model.Outbound{}
	if only != nil {
		obs[only.ID] = only
	}
	latest := ""
	for _, r := range refs {
		q := in.Qty[r]
		field := InvoiceQtyField(r)
		if in.Offered && only != nil && r.OutboundID != only.ID {
			continue
		}
		if q < 0 {
			ve.Add(field, "err.qty_positive", nil)
			continue
		}
		ob := obs[r.OutboundID]
		if ob == nil {
			if ob = in.Read[r.OutboundID]; ob == nil {
				ob, _ = t.Outbound(sc, r.OutboundID)
			}
			if ob != nil {
				obs[r.OutboundID] = ob
			}
		}
		idx := -1
		if model.InvoiceOutboundFits(ob, cust, in.Red) {
			idx = obLineIndex(ob, r.Line)
		}
		if idx < 0 {
			if !in.Offered {
				ve.Add(field, "err.invalid", nil)
			}
			continue
		}
		if in.Red {
			q = -q
		}
		restQ, restA := outboundRest(ob, idx)
		if in.Offered && restQ == 0 {
			continue
		}
		if !model.InvoiceQtyFits(q, restQ) {
			ve.Add(field, "err.recon_over_invoice", map[string]any{"max": reconAbsQty(restQ).String()})
			continue
		}
		l := model.InvoiceLine{OrderLine: ob.Lines[idx], OutboundID: ob.ID, OutboundNo: ob.Number, OutboundLine: r.Line}
		l.No, l.Qty = len(inv.Lines)+1, q
		l.Amount = model.InvoiceLineAmount(q, restQ, restA, l.Price)
		l.AmountExcl, l.Tax = model.SplitTax(l.Amount, l.TaxRate)
		inv.Lines = append(inv.Lines, l)
		latest = max(latest, ob.PostDate)
	}
	if err := inv.Validate(); err != nil {
		if hv, ok := err.(*model.ValidationError); ok {
			for _, f := range hv.Fields {
				ve.Add(f.Field, f.Key, f.Args)
			}
		}
	}
	if !ve.Has("invoice_date") && !model.InvoiceDateFits(inv.InvoiceDate, latest) {
		ve.Add("invoice_date", "err.recon_date_before", map[string]any{"date": latest})
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	inv.Totals = sumInvoice(inv.Lines)
	model.Record(&inv.Doc, "create", model.StatusDraft, u.Username, t.Now)
	if !in.Audit {
		if err := t.InsertDoc(sc, docInvoice, inv); err != nil {
			return nil, err
		}
		return inv, nil
	}
	// Saved and posted at once: audited before it is first written and
	// posted from the outbounds this transaction has just read, so that
	// neither is read or written twice. The posting settles each line
	// against the same rests the lines were computed from; should it
	// change an amount all the same, the invoice is written again.
	if err := model.InvoiceMachine.Apply(&inv.Doc, "audit", u, "", t.Now); err != nil {
		return nil, err
	}
	if err := t.InsertDoc(sc, docInvoice, inv); err != nil {
		return nil, err
	}
	amounts := make([]model.Money, len(inv.Lines))
	for i := range inv.Lines {
		amounts[i] = inv.Lines[i].Amount
	}
	if err := t.postInvoice(sc, inv, 1, obs); err != nil {
		return nil, err
	}
	for i := range inv.Lines {
		if inv.Lines[i].Amount != amounts[i] {
			return inv, t.UpdateDoc(sc, docInvoice, inv)
		}
	}
	return inv, nil
}

func reconAbsQty(q model.Qty) model.Qty {
	if q < 0 {
		return -q
	}
	return q
}

// sumInvoice totals the lines as they are (an invoice line's amount may be
// an outbound line's exact rest, not qty × price).
func sumInvoice(lines []model.InvoiceLine) model.Totals {
	var tt model.Totals
	for i := range lines {
		tt.Qty += lines[i].Qty
		tt.AmountExcl += lines[i].AmountExcl
		tt.Tax += lines[i].Tax
		tt.Amount += lines[i].Amount
	}
	return tt
}

// Invoice returns invoice id when sc may see it; ErrNotFound otherwise.
func (t *Tx) Invoice(sc Scope, id uint64) (*model.Invoice, error) {
	inv := &model.Invoice{}
	if err := t.GetDoc(sc, docInvoice, id, inv); err != nil {
		return nil, err
	}
	return inv, nil
}

// ActOnInvoice audits (posts) or unaudits (unposts) invoice id with the
// version the user saw. ErrNotFound outside sc, ErrNotAllowed when
// model.InvoiceMachine does not let u run it, a StateError when the status
// does not allow it — or, for unaudit, when model.CanUnauditInvoice
// refuses (written off, confirmed by the dealer) — a ConflictError for a stale version, field errors when an outbound line no
// longer has the quantity un-invoiced.
func (t *Tx) ActOnInvoice(sc Scope, u *model.User, id, version uint64, action string) (*model.Invoice, error) {
	inv, err := t.Invoice(sc, id)
	if err != nil {
		return nil, err
	}
	if inv.Version != version {
		return nil, &model.ConflictError{By: inv.UpdatedBy, At: inv.UpdatedAt}
	}
	sc = pinned(sc, inv.CustomerID)
	if action == "unaudit" {
		if err := model.CanUnauditInvoice(inv, t.reconState(docInvoice, inv.CustomerID, inv.ID)); err != nil {
			return nil, err
		}
	}
	if err := model.InvoiceMachine.Apply(&inv.Doc, action, u, "", t.Now); err != nil {
		return nil, err
	}
	sign := model.Money(1)
	if action == "unaudit" {
		sign = -1
	}
	if err := t.postInvoice(sc, inv, sign, nil); err != nil {
		return nil, err
	}
	return inv, t.UpdateDoc(sc, docInvoice, inv)
}

// postInvoice moves everything an invoice's posting moves, by sign (+1
// audit, −1 unaudit). At audit each line's amount is settled against its
// outbound line's rest as it is now (the exact rest when the line takes
// all of it). read: outbounds already read in this transaction (or nil).
func (t *Tx) postInvoice(sc Scope, inv *model.Invoice, sign model.Money, read map[uint64]*model.Outbound) error {
	obs := map[uint64]*model.Outbound{}
	sos := map[uint64]*model.SalesOrder{}
	var order []uint64
	ve := &model.ValidationError{}
	for i := range inv.Lines {
		l := &inv.Lines[i]
		ob := obs[l.OutboundID]
		if ob == nil {
			if ob = read[l.OutboundID]; ob == nil {
				var err error
				if ob, err = t.Outbound(sc, l.OutboundID); err != nil {
					return err
				}
			}
			obs[l.OutboundID] = ob
			order = append(order, ob.ID)
			for len(ob.Invoiced) < len(ob.Lines) {
				ob.Invoiced = append(ob.Invoiced, 0)
			}
			for len(ob.InvoicedQty) < len(ob.Lines) {
				ob.InvoicedQty = append(ob.InvoicedQty, 0)
			}
		}
		idx := obLineIndex(ob, l.OutboundLine)
		if idx < 0 {
			return fmt.Errorf("invoice %s: outbound %s has no line %d", inv.Number, ob.Number, l.OutboundLine)
		}
		if sign > 0 {
			restQ, restA := outboundRest(ob, idx)
			if !model.InvoiceQtyFits(l.Qty, restQ) {
				ve.Add(InvoiceQtyField(InvoiceLineRef{ob.ID, l.OutboundLine}), "err.recon_over_invoice", map[string]any{"max": reconAbsQty(restQ).String()})
				continue
			}
			l.Amount = model.InvoiceLineAmount(l.Qty, restQ, restA, l.Price)
			l.AmountExcl, l.Tax = model.SplitTax(l.Amount, l.TaxRate)
		}
		ob.InvoicedQty[idx] += model.Qty(sign) * l.Qty
		ob.Invoiced[idx] += sign * l.Amount
		so := sos[l.Source.ID]
		if so == nil && l.Source.ID != 0 {
			var err error
			if so, err = t.salesOrderForFigures(sc, l.Source.ID); err != nil {
				return err
			}
			sos[so.ID] = so
		}
		if so != nil {
			if sl := so.LineByNo(l.Source.Line); sl != nil {
				sl.InvoicedQty += model.Qty(sign) * l.Qty
				sl.InvoicedAmount += sign * l.Amount
			}
		}
	}
	if err := ve.Err(); err != nil {
		return err
	}
	inv.Totals = sumInvoice(inv.Lines)
	if err := t.putInvoicing(inv); err != nil {
		return err
	}
	for _, id := range order {
		if err := t.UpdateDoc(sc, docOutbound, obs[id]); err != nil {
			return err
		}
	}
	if err := t.saveOrders(sc, sos); err != nil {
		return err
	}
	amt := sign * inv.Totals.Amount
	if err := t.AdjustBalance(inv.CustomerID, func(b *model.CustomerBalance) {
		b.Uninvoiced -= amt
		b.InvoicedReceivable += amt
	}); err != nil {
		return err
	}
	open := inv.Open()
	if sign < 0 {
		open = 0
	}
	return t.setOpen(inv.CustomerID, model.DocInvoice, inv.ID, open, inv.InvoiceDate)
}

// salesOrderForFigures reads a sales order whose execution figures a
// posting moves (staff scope: every status).
func (t *Tx) salesOrderForFigures(sc Scope, id uint64) (*model.SalesOrder, error) {
	so := &model.SalesOrder{}
	if err := t.GetDoc(sc, model.DocSalesOrder, id, so); err != nil {
		return nil, err
	}
	return so, nil
}

// saveOrders writes back sales orders whose figures changed, in id order.
func (t *Tx) saveOrders(sc Scope, sos map[uint64]*model.SalesOrder) error {
	ids := make([]uint64, 0, len(sos))
	for id := range sos {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		if err := t.UpdateDoc(sc, model.DocSalesOrder, sos[id]); err != nil {
			return err
		}
	}
	return nil
}

// DeleteInvoice deletes a draft invoice (and its reconciliation record, if
// one is left from an earlier posting). ErrNotFound outside sc, a
// StateError unless it is a draft, a ConflictError for a stale version. The
// reconcile permission is the caller's to check.
func (t *Tx) DeleteInvoice(sc Scope, id, version uint64) error {
	inv, err := t.Invoice(sc, id)
	if err != nil {
		return err
	}
	if err := model.CanDeleteDraft(inv.Status); err != nil {
		return err
	}
	if err := t.DeleteDoc(pinned(sc, inv.CustomerID), docInvoice, id, version); err != nil {
		return err
	}
	return t.deleteRecon(docInvoice, inv.CustomerID, id)
}

// InvoiceWriteOffs returns the write-offs against or from invoice inv,
// newest first.
func (t *Tx) InvoiceWriteOffs(inv *model.Invoice) ([]*model.WriteOff, error) {
	all, err := t.customerWriteOffs(inv.CustomerID)
	if err != nil {
		return nil, err
	}
	var out []*model.WriteOff
	for i := len(all) - 1; i >= 0; i-- {
		w := all[i]
		if w.InvoiceID == inv.ID || w.SourceType == model.DocInvoice && w.SourceID == inv.ID {
			out = append(out, w)
		}
	}
	return out, nil
}

// InvoiceOutbounds lists the numbers of the outbounds an invoice takes
// from, for lists.
func InvoiceOutbounds(inv *model.Invoice) string {
	var nos []string
	seen := map[string]bool{}
	for _, l := range inv.Lines {
		if !seen[l.OutboundNo] {
			seen[l.OutboundNo] = true
			nos = append(nos, l.OutboundNo)
		}
	}
	return strings.Join(nos, ", ")
}

// AuditInvoice posts invoice id (审核) at the version the user saw: one
// use case in its own transaction, at most once per a.Once. Errors as
// ActOnInvoice's.
func (s *Store) AuditInvoice(a Actor, id, version uint64) error {
	return s.actOnInvoice(a, id, version, "audit")
}

// UnauditInvoice takes invoice id's posting back (反审核) at the version
// the user saw. Errors as ActOnInvoice's.
func (s *Store) UnauditInvoice(a Actor, id, version uint64) error {
	return s.actOnInvoice(a, id, version, "unaudit")
}

func (s *Store) actOnInvoice(a Actor, id, version uint64, action string) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		_, err := t.ActOnInvoice(a.Scope, a.User, id, version, action)
		return 0, err
	})
	return err
}

// RemoveInvoice deletes draft invoice id at the version the user saw, once
// per a.Once. Errors as DeleteInvoice's.
func (s *Store) RemoveInvoice(a Actor, id, version uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		return 0, t.DeleteInvoice(a.Scope, id, version)
	})
	return err
}
