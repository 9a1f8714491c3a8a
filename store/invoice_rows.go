package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// bInvoiceRows: customerID|invoiceID → what the invoice list shows of an
// invoice beyond its list summary (the open amount, the tax invoice number,
// the outbounds it takes from), kept by a document hook on every write of an
// invoice, so that the list decodes no invoice.
var bInvoiceRows = []byte("invoice_rows")

func init() {
	allBuckets = append(allBuckets, bInvoiceRows)
	RegisterDocHook(model.DocInvoice, func(t *Tx, cust, id uint64, d model.Document) error {
		if d == nil {
			return t.b(bInvoiceRows).Delete(key(cust, id))
		}
		return t.b(bInvoiceRows).Put(key(cust, id), encodeInvoiceRow(d.(*model.Invoice)))
	})
	RegisterIntegrityCheck(IntegrityCheck{Name: "invoice rows", Run: checkInvoiceRows})
}

func encodeInvoiceRow(inv *model.Invoice) []byte {
	outs := InvoiceOutbounds(inv)
	b := make([]byte, 0, 13+len(inv.InvoiceNo)+len(outs))
	b = append(b, 1) // version
	b = binary.BigEndian.AppendUint64(b, uint64(inv.Open()))
	b = appendStr(b, inv.InvoiceNo)
	return appendStr(b, outs)
}

// InvoiceRow is what the invoice list shows of an invoice besides its
// summary, and its reconciliation state.
type InvoiceRow struct {
	Open      model.Money
	InvoiceNo string
	Outbounds string
	Recon     model.Status
}

// InvoiceListRow returns the list fields of an invoice of s (a summary
// from ListDocs, so already within the caller's scope): read from the
// maintained invoice rows and the reconciliation state, never from the
// invoice itself. ok is false when the row is missing (portal check reports
// it).
func (t *Tx) InvoiceListRow(s model.DocSummary) (InvoiceRow, bool) {
	r := InvoiceRow{Recon: t.reconState(docInvoice, s.CustomerID, s.ID)}
	v := t.b(bInvoiceRows).Get(key(s.CustomerID, s.ID))
	if len(v) < 9 || v[0] != 1 {
		return r, false
	}
	r.Open = model.Money(int64(binary.BigEndian.Uint64(v[1:])))
	var rest []byte
	r.InvoiceNo, rest = readStr(v[9:])
	r.Outbounds, _ = readStr(rest)
	return r, true
}

// InvoiceListRows is InvoiceListRow for each of a list page's invoices, in
// their order: on PostgreSQL the page's rows and reconciliation states are
// read in one query each, not two per invoice.
func (t *Tx) InvoiceListRows(sums []model.DocSummary) []InvoiceRow {
	rows, recons := make([][]byte, len(sums)), make([][]byte, len(sums))
	for i, s := range sums {
		rows[i], recons[i] = key(s.CustomerID, s.ID), reconKey(docInvoice, s.CustomerID, s.ID)
	}
	kv.Prefetch(t.b(bInvoiceRows), rows)
	kv.Prefetch(t.b(bRecon), recons)
	out := make([]InvoiceRow, len(sums))
	for i, s := range sums {
		out[i], _ = t.InvoiceListRow(s)
	}
	return out
}

// checkInvoiceRows recomputes every invoice's list row (portal check).
func checkInvoiceRows(t *Tx) []string {
	var out []string
	n := 0
	_ = t.eachDocValue(docInvoice, func(cust, id uint64, _ []byte) error {
		n++
		inv := &model.Invoice{}
		if err := t.GetDoc(AdminScope(), docInvoice, id, inv); err != nil {
			out = append(out, fmt.Sprintf("invoice %d: %v", id, err))
			return nil
		}
		if !bytes.Equal(t.b(bInvoiceRows).Get(key(cust, id)), encodeInvoiceRow(inv)) {
			out = append(out, fmt.Sprintf("invoice %s: list row differs", inv.Number))
		}
		return nil
	})
	if m := t.b(bInvoiceRows).Stats().KeyN; m != n {
		out = append(out, fmt.Sprintf("%d invoice list rows for %d invoices", m, n))
	}
	return out
}

// migrateInvoiceRows builds the invoice list rows of a file written before
// them.
func migrateInvoiceRows(btx kv.Tx) error {
	rows, err := btx.CreateBucketIfNotExists(bInvoiceRows)
	if err != nil {
		return err
	}
	t := &Tx{tx: btx}
	// The documents are keyed by id here already (migrate runs
	// migrateDocsByID first); the owner rows may still be JSON.
	return t.eachDocValue(docInvoice, func(_, id uint64, v []byte) error {
		inv := &model.Invoice{}
		if err := decodeRecord(v, inv); err != nil {
			return fmt.Errorf("invoice %d: %w", id, err)
		}
		return rows.Put(key(inv.CustomerID, inv.ID), encodeInvoiceRow(inv))
	})
}
