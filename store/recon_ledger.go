package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// The ledger index (往来台账索引): one compact row per posted (audited)
// outbound, invoice, receipt, advance receipt and refund, so that a
// customer's balance detail, statement and past-date summary read fixed-size
// binary rows instead of decoding the JSON list summaries of every document
// the customer ever had (a key account has thousands).
//
//   - recon_ledger  customerID|kind index (1 byte, ReconKinds)|docID →
//     date (10 bytes), signed amount (8), red (1), number (the rest)
//
// A document hook on each reconciled type keeps it in the transaction of
// every write (a row while audited, none otherwise); the integrity check
// "ledger index" compares it with the documents' summaries, and migration 9
// builds it for older files.

var bReconLedger = []byte("recon_ledger")

func init() {
	allBuckets = append(allBuckets, bReconLedger)
	for i, kind := range ReconKinds {
		RegisterDocHook(kind, func(t *Tx, cust, id uint64, d model.Document) error {
			k := ledgerKey(cust, byte(i), id)
			if err := t.unorderLedgerRow(k); err != nil { // ledger_order.go
				return err
			}
			if d == nil {
				return t.b(bReconLedger).Delete(k)
			}
			s := d.Summarize()
			if s.Status != model.StatusAudited {
				return t.b(bReconLedger).Delete(k)
			}
			row := encodeLedgerRow(d.Header().Number, s)
			if err := t.b(bReconLedger).Put(k, row); err != nil {
				return err
			}
			return t.orderLedgerRow(k, row)
		})
	}
	RegisterIntegrityCheck(IntegrityCheck{Name: "ledger index", Run: checkLedgerIndex})
}

func ledgerKey(cust uint64, kind byte, id uint64) []byte {
	k := make([]byte, 0, 17)
	k = binary.BigEndian.AppendUint64(k, cust)
	k = append(k, kind)
	return binary.BigEndian.AppendUint64(k, id)
}

func encodeLedgerRow(number string, s model.DocSummary) []byte {
	v := make([]byte, 0, 19+len(number))
	v = append(v, s.Date...)
	v = binary.BigEndian.AppendUint64(v, uint64(s.Amount))
	red := byte(0)
	if s.Flag == "red" {
		red = 1
	}
	return append(append(v, red), number...)
}

// ledgerDocs returns customer cust's posted documents from the index, in
// ledger order (model.SortLedgerDocs).
func (t *Tx) ledgerDocs(cust uint64) ([]model.LedgerDoc, error) {
	var out []model.LedgerDoc
	prefix := itob(cust)
	c := t.b(bReconLedger).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) != 17 || len(v) < 19 || int(k[8]) >= len(ReconKinds) {
			return nil, fmt.Errorf("ledger index: bad row %x", k)
		}
		out = append(out, model.LedgerDoc{Kind: ReconKinds[k[8]], ID: btoi(k[9:]), Date: string(v[:10]),
			Amount: model.Money(int64(binary.BigEndian.Uint64(v[10:]))), Red: v[18] == 1, Number: string(v[19:])})
	}
	model.SortLedgerDocs(out)
	return out, nil
}

// ledgerRowsFrom lists the rows the index should hold, from the documents'
// summaries (read through ListDocs, whatever their encoding).
func ledgerRowsFrom(t *Tx) (map[string][]byte, error) {
	want := map[string][]byte{}
	for i, kind := range ReconKinds {
		if _, ok := docKinds[kind]; !ok {
			continue
		}
		sums, _, err := t.ListDocs(AdminScope(), kind, DocFilter{Statuses: []model.Status{model.StatusAudited}}, Page{})
		if err != nil {
			return nil, err
		}
		for _, s := range sums {
			want[string(ledgerKey(s.CustomerID, byte(i), s.ID))] = encodeLedgerRow(s.Number, s)
		}
	}
	return want, nil
}

// migrateLedgerIndex builds recon_ledger for a file written before it.
func migrateLedgerIndex(tx kv.Tx) error {
	dst, err := tx.CreateBucketIfNotExists(bReconLedger)
	if err != nil {
		return err
	}
	for _, kind := range ReconKinds {
		b, ok := docKinds[kind]
		if !ok || tx.Bucket(b.all) == nil {
			return nil // a file older than the reconciliation module: nothing posted
		}
	}
	want, err := ledgerRowsFrom(&Tx{tx: tx})
	if err != nil {
		return err
	}
	return putSorted(dst, want)
}

func checkLedgerIndex(t *Tx) []string {
	want, err := ledgerRowsFrom(t)
	if err != nil {
		return []string{err.Error()}
	}
	return diffRows(t.b(bReconLedger), want, "documents say", "%q")
}
