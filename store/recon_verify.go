package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"dealerportal/model"
)

// Verify (portal verify, and `portal check` through the integrity checks)
// recomputes every figure reconciliation maintains from the decoded
// documents and lists each difference:
//
//   - each customer's un-invoiced, invoiced receivable and receipt balance
//     (model.CustomerBalance) against its posted documents and write-offs;
//   - the summary's reading (maintained balances) against the ledger's (the
//     reports' past-date and detail arithmetic) for the same customer;
//   - each outbound line's invoiced quantity and amount against the posted
//     invoices, each sales order line's invoiced quantity, invoiced amount
//     and received amount against invoices and write-offs;
//   - each invoice's written-off amount and its lines' received amounts,
//     each receipt's applied and refunded amounts, against the write-offs
//     in force and the posted refunds;
//   - the open-items index, and the reconciliation counts.

func init() {
	RegisterIntegrityCheck(IntegrityCheck{Name: "reconciliation", Run: verifyReconciliation})
}

// VerifyReconciliation runs the reconciliation checks, with the balance
// summary's maintained figures, in one read transaction and returns the
// differences found (none when all agree).
func (s *Store) VerifyReconciliation() ([]string, error) {
	var out []string
	err := s.View(func(t *Tx) error {
		out = append(verifyReconciliation(t), checkBalanceFigures(t)...)
		return nil
	})
	return out, err
}

// reconEach decodes every stored document of kind (nothing when the type
// is not registered).
func reconEach[T any](t *Tx, kind model.DocType, out *[]string, fn func(d *T)) {
	_ = t.eachDocValue(kind, func(_, id uint64, v []byte) error {
		d := new(T)
		if err := decodeRecord(v, d); err != nil {
			*out = append(*out, fmt.Sprintf("%s %d: %v", kind, id, err))
			return nil
		}
		fn(d)
		return nil
	})
}

type obLineKey struct {
	ob uint64
	no int
}

type soLineKey struct {
	so uint64
	no int
}

type soFigures struct {
	qty              model.Qty
	amount, received model.Money
}

func verifyReconciliation(t *Tx) []string {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }

	invoices := map[uint64]*model.Invoice{}
	reds := map[uint64]bool{}
	reconEach(t, model.DocInvoice, &out, func(v *model.Invoice) { invoices[v.ID] = v; reds[v.ID] = v.Red })
	receipts := map[docRef]*model.ReceiptDoc{}
	for _, k := range []model.DocType{model.DocReceipt, model.DocAdvanceReceipt, model.DocRefund} {
		reconEach(t, k, &out, func(r *model.ReceiptDoc) { r.Kind = k; receipts[docRef{k, r.ID}] = r })
	}
	var writeOffs []*model.WriteOff
	_ = t.b(bWriteOffs).ForEach(func(k, v []byte) error {
		w := &model.WriteOff{}
		if err := json.Unmarshal(v, w); err != nil {
			add("write-off %d: %v", btoi(k[8:]), err)
			return nil
		}
		if btoi(t.b(bWriteOffByID).Get(itob(w.ID))) != w.CustomerID {
			add("write-off %d: id index differs", w.ID)
		}
		writeOffs = append(writeOffs, w)
		return nil
	})

	// Per customer: the postings as the documents say.
	type custFig struct{ p model.Postings }
	cust := map[uint64]*custFig{}
	fig := func(c uint64) *custFig {
		if cust[c] == nil {
			cust[c] = &custFig{}
		}
		return cust[c]
	}
	obInvoiced := map[obLineKey]soFigures{}
	soWant := map[soLineKey]*soFigures{}
	so := func(k soLineKey) *soFigures {
		if soWant[k] == nil {
			soWant[k] = &soFigures{}
		}
		return soWant[k]
	}
	invWritten := map[uint64]model.Money{}
	lineReceived := map[obLineKey]model.Money{} // invoice id, line index
	applied := map[docRef]model.Money{}
	refunded := map[docRef]model.Money{}
	wantOpen := map[string]OpenItem{}

	for _, v := range invoices {
		if !v.Posted() {
			continue
		}
		fig(v.CustomerID).p.Invoices += v.Totals.Amount
		var sum model.Money
		for _, l := range v.Lines {
			k := obLineKey{l.OutboundID, l.OutboundLine}
			f := obInvoiced[k]
			f.qty += l.Qty
			f.amount += l.Amount
			obInvoiced[k] = f
			s := so(soLineKey{l.Source.ID, l.Source.Line})
			s.qty += l.Qty
			s.amount += l.Amount
			sum += l.Amount
		}
		if sum != v.Totals.Amount {
			add("invoice %s: lines sum to %s, total says %s", v.Number, sum, v.Totals.Amount)
		}
	}
	for _, r := range receipts {
		if !r.Posted() {
			continue
		}
		switch r.Kind {
		case model.DocReceipt:
			fig(r.CustomerID).p.Receipts += r.Amount
		case model.DocAdvanceReceipt:
			fig(r.CustomerID).p.Advances += r.Amount
		case model.DocRefund:
			fig(r.CustomerID).p.Refunds += r.Amount
			var sum model.Money
			for _, a := range r.Allocs {
				refunded[docRef{a.Type, a.ID}] += a.Amount
				sum += a.Amount
			}
			if sum != r.Amount {
				add("refund %s: allocations sum to %s, amount %s", r.Number, sum, r.Amount)
			}
		}
	}
	for _, w := range writeOffs {
		if w.Reversed {
			continue
		}
		inv := invoices[w.InvoiceID]
		if inv == nil || !inv.Posted() {
			add("write-off %d: invoice %d is not posted", w.ID, w.InvoiceID)
			continue
		}
		invWritten[w.InvoiceID] += w.Amount
		if w.SourceType == model.DocInvoice {
			invWritten[w.SourceID] -= w.Amount
			if src := invoices[w.SourceID]; src == nil || !src.Posted() || !src.Red {
				add("write-off %d: source invoice %d is not a posted red invoice", w.ID, w.SourceID)
			}
			continue
		}
		if src := receipts[docRef{w.SourceType, w.SourceID}]; src == nil || !src.Posted() {
			add("write-off %d: source %s %d is not posted", w.ID, w.SourceType, w.SourceID)
		}
		applied[docRef{w.SourceType, w.SourceID}] += w.Amount
		f := fig(w.CustomerID)
		f.p.InvoiceWriteOffs += w.Amount
		f.p.ReceiptWriteOffs += w.Amount
		var sum model.Money
		for _, a := range w.Lines {
			sum += a.Amount
			lineReceived[obLineKey{w.InvoiceID, a.Line}] += a.Amount
			if a.Line >= 0 && a.Line < len(inv.Lines) {
				l := inv.Lines[a.Line]
				so(soLineKey{l.Source.ID, l.Source.Line}).received += a.Amount
			}
		}
		if sum != w.Amount {
			add("write-off %d: line allocations sum to %s, amount %s", w.ID, sum, w.Amount)
		}
	}

	// Invoices and receipt documents against the write-offs and refunds.
	for _, v := range invoices {
		if v.WrittenOff != invWritten[v.ID] {
			add("invoice %s: written off %s, write-offs say %s", v.Number, v.WrittenOff, invWritten[v.ID])
		}
		for i, l := range v.Lines {
			if want := lineReceived[obLineKey{v.ID, i}]; l.Received != want {
				add("invoice %s line %d: received %s, write-offs say %s", v.Number, l.No, l.Received, want)
			}
		}
		if v.Posted() {
			if !v.Red && v.Open() < 0 || v.Red && v.Open() > 0 {
				add("invoice %s: open amount %s has the wrong sign", v.Number, v.Open())
			}
			if v.Open() != 0 {
				wantOpen[string(openKey(v.CustomerID, model.DocInvoice, v.ID))] = OpenItem{Date: v.InvoiceDate, Amount: v.Open()}
			}
		}
	}
	for ref, r := range receipts {
		if r.Kind == model.DocRefund {
			continue
		}
		if r.Applied != applied[ref] {
			add("%s %s: applied %s, write-offs say %s", r.Kind, r.Number, r.Applied, applied[ref])
		}
		if r.Refunded != refunded[ref] {
			add("%s %s: refunded %s, refunds say %s", r.Kind, r.Number, r.Refunded, refunded[ref])
		}
		if r.Posted() {
			if r.Unapplied() < 0 {
				add("%s %s: unapplied %s below zero", r.Kind, r.Number, r.Unapplied())
			}
			if r.Unapplied() != 0 {
				wantOpen[string(openKey(r.CustomerID, r.Kind, r.ID))] = OpenItem{Date: r.Date, Amount: r.Unapplied()}
			}
		} else if r.Applied != 0 || r.Refunded != 0 {
			add("%s %s: not posted but applied %s, refunded %s", r.Kind, r.Number, r.Applied, r.Refunded)
		}
	}

	// Outbounds: invoiced per line; the customer's outbound total.
	reconEach(t, model.DocOutbound, &out, func(o *model.Outbound) {
		fig(o.CustomerID).p.Outbounds += o.Totals.Amount
		for i, l := range o.Lines {
			k := obLineKey{o.ID, l.No}
			want := obInvoiced[k]
			delete(obInvoiced, k)
			var gotQ model.Qty
			var gotA model.Money
			if i < len(o.InvoicedQty) {
				gotQ = o.InvoicedQty[i]
			}
			if i < len(o.Invoiced) {
				gotA = o.Invoiced[i]
			}
			if gotQ != want.qty || gotA != want.amount {
				add("outbound %s line %d: invoiced %s / %s, invoices say %s / %s", o.Number, l.No, gotQ, gotA, want.qty, want.amount)
			}
			if rq, _ := outboundRest(o, i); l.Qty > 0 && rq < 0 || l.Qty < 0 && rq > 0 {
				add("outbound %s line %d: invoiced beyond its quantity", o.Number, l.No)
			}
		}
	})
	for k, f := range obInvoiced {
		add("invoices take %s / %s from missing line %d of outbound %d", f.qty, f.amount, k.no, k.ob)
	}

	// Sales order lines.
	if _, ok := docKinds[model.DocSalesOrder]; ok {
		reconEach(t, model.DocSalesOrder, &out, func(o *model.SalesOrder) {
			for _, l := range o.Lines {
				k := soLineKey{o.ID, l.No}
				w := soWant[k]
				delete(soWant, k)
				if w == nil {
					w = &soFigures{}
				}
				if l.InvoicedQty != w.qty || l.InvoicedAmount != w.amount || l.ReceivedAmount != w.received {
					add("sales order %s line %d: invoiced %s / %s, received %s; documents say %s / %s, %s",
						o.Number, l.No, l.InvoicedQty, l.InvoicedAmount, l.ReceivedAmount, w.qty, w.amount, w.received)
				}
			}
		})
		for k, w := range soWant {
			if k.so != 0 && (w.qty != 0 || w.amount != 0 || w.received != 0) {
				add("invoices refer to sales order %d line %d, which does not exist", k.so, k.no)
			}
		}
	}

	// Balances, and the ledger's reading of the same customer.
	seen := map[uint64]bool{}
	check := func(c uint64, b *model.CustomerBalance) {
		seen[c] = true
		f := cust[c]
		if f == nil {
			f = &custFig{}
		}
		want := model.Balances(f.p)
		if b.Uninvoiced != want.Uninvoiced || b.InvoicedReceivable != want.InvoicedReceivable || b.ReceiptBalance != want.ReceiptBalance {
			add("customer %d: balances %s / %s / %s, documents say %s / %s / %s", c,
				b.Uninvoiced, b.InvoicedReceivable, b.ReceiptBalance, want.Uninvoiced, want.InvoicedReceivable, want.ReceiptBalance)
		}
		if want.Net() != model.NetFromDocuments(f.p) {
			add("customer %d: net position %s, outbounds − receipts − advances + refunds %s", c, want.Net(), model.NetFromDocuments(f.p))
		}
		l, err := t.customerLedger(c, true)
		if err != nil {
			add("customer %d: ledger: %v", c, err)
			return
		}
		pos, ag := l.At("", t.Today())
		d := l.DetailFor("", "", t.Today())
		if pos != want || d.Closing != want.Net() || ag.Total() != want.InvoicedReceivable {
			add("customer %d: ledger says %s / %s / %s (net %s, detail closing %s, aging %s), documents %s / %s / %s", c,
				pos.Uninvoiced, pos.InvoicedReceivable, pos.ReceiptBalance, pos.Net(), d.Closing, ag.Total(),
				want.Uninvoiced, want.InvoicedReceivable, want.ReceiptBalance)
		}
		var ob, iv, rc model.Money
		for _, r := range d.Rows {
			switch r.Kind {
			case model.DocOutbound:
				ob += r.Remaining
			case model.DocInvoice:
				iv += r.Remaining
			case model.DocReceipt, model.DocAdvanceReceipt:
				rc += r.Remaining
			}
		}
		if ob != want.Uninvoiced || iv != want.InvoicedReceivable || rc != want.ReceiptBalance {
			add("customer %d: detail remaining balances %s / %s / %s, documents %s / %s / %s", c, ob, iv, rc,
				want.Uninvoiced, want.InvoicedReceivable, want.ReceiptBalance)
		}
		if cur := t.currentAging(c, t.Today()); cur != ag {
			add("customer %d: aging from the open items %v, from the ledger %v", c, cur.Buckets, ag.Buckets)
		}
	}
	_ = t.b(bBalances).ForEach(func(k, v []byte) error {
		b := &model.CustomerBalance{}
		if err := json.Unmarshal(v, b); err != nil {
			add("balance %d: %v", btoi(k), err)
			return nil
		}
		check(btoi(k), b)
		return nil
	})
	for c := range cust {
		if !seen[c] {
			check(c, &model.CustomerBalance{CustomerID: c})
		}
	}

	// The open-items index.
	_ = t.b(bReconOpen).ForEach(func(k, v []byte) error {
		got := OpenItem{}
		got.Amount, got.Date = decodeOpen(v)
		want, ok := wantOpen[string(k)]
		delete(wantOpen, string(k))
		if !ok || want.Date != got.Date || want.Amount != got.Amount {
			add("open item %s %d of customer %d: %s on %s, documents say %s on %s", k[8:10], btoi(k[10:]), btoi(k), got.Amount, got.Date, want.Amount, want.Date)
		}
		return nil
	})
	for k, w := range wantOpen {
		kb := []byte(k)
		add("open item %s %d of customer %d missing (%s on %s)", kb[8:10], btoi(kb[10:]), btoi(kb), w.Amount, w.Date)
	}

	// The invoicing index: one entry per posted invoice, its lines' outbounds and amounts.
	_ = t.b(bInvoicing).ForEach(func(k, v []byte) error {
		v = bytes.Clone(v)
		inv := invoices[btoi(k[8:])]
		if inv == nil || !inv.Posted() || inv.CustomerID != btoi(k) {
			add("invoicing index has invoice %d of customer %d, which is not posted", btoi(k[8:]), btoi(k))
			return nil
		}
		want := make([]byte, 0, 16*len(inv.Lines))
		for _, l := range inv.Lines {
			want = append(append(want, itob(l.OutboundID)...), itob(uint64(l.Amount))...)
		}
		if !bytes.Equal(v, want) {
			add("invoice %s: invoicing index differs from its lines", inv.Number)
		}
		return nil
	})
	for _, inv := range invoices {
		if inv.Posted() && t.b(bInvoicing).Get(key(inv.CustomerID, inv.ID)) == nil {
			add("invoice %s: missing from the invoicing index", inv.Number)
		}
	}
	out = append(out, verifyReconCounts(t)...)
	sort.Strings(out)
	return out
}

type docRef struct {
	kind model.DocType
	id   uint64
}

// verifyReconCounts compares the confirmed/disputed counts with the records.
func verifyReconCounts(t *Tx) []string {
	var out []string
	want := map[string]uint64{}
	_ = t.b(bRecon).ForEach(func(k, v []byte) error {
		r := &model.Reconciliation{}
		if err := json.Unmarshal(v, r); err != nil {
			out = append(out, fmt.Sprintf("reconciliation record %x: %v", k, err))
			return nil
		}
		if !bytes.Equal(k, reconKey(r.Kind, r.CustomerID, r.DocID)) {
			out = append(out, fmt.Sprintf("reconciliation record of %s %d under the wrong key", r.Kind, r.DocID))
		}
		if st := r.State(); st != model.ReconUnconfirmed {
			want[string(reconCountKey(r.Kind, r.CustomerID, st))]++
		}
		return nil
	})
	_ = t.b(bReconCount).ForEach(func(k, v []byte) error {
		if got := btoi(v); got != want[string(k)] {
			out = append(out, fmt.Sprintf("reconciliation count %s of customer %d: %d, records say %d", k[10:], btoi(k[2:]), got, want[string(k)]))
		}
		delete(want, string(k))
		return nil
	})
	for k, n := range want {
		out = append(out, fmt.Sprintf("reconciliation count %s of customer %d missing (%d)", k[10:], btoi([]byte(k)[2:]), n))
	}
	return out
}
