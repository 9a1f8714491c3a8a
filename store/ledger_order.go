package store

import (
	"bytes"
	"fmt"
	"slices"

	"dealerportal/model"

	"dealerportal/store/kv"
)

// The ledger order (往来台账顺序): the rows of the ledger index
// (recon_ledger.go) once more, keyed in the order of the balance detail,
// so that a page of a customer's detail is a seek and a few steps of a
// cursor, not a sort of the customer's whole ledger per request.
//
//   - recon_ledger_order  customerID|date (10 bytes)|kind rank (1,
//     model.LedgerKindRank)|number|0|docID → kind index (1 byte,
//     ReconKinds), signed amount (8), red (1)
//
// The keys order as model.SortLedgerDocs orders (date, kind, number), then
// by id; numbers hold no NUL byte (the portal makes them). The ledger
// index's hook writes both in the same transaction: it removes the row's
// old place (read from the ledger index before it changes) and adds the
// new one. The integrity check "ledger order" compares it with the ledger
// index; migration 11 builds it.

var bReconLedgerOrder = []byte("recon_ledger_order")

func init() {
	allBuckets = append(allBuckets, bReconLedgerOrder)
	RegisterIntegrityCheck(IntegrityCheck{Name: "ledger order", Run: checkLedgerOrder})
}

// ledgerOrderRow returns the ledger order's key and value of the ledger
// index's row k → v.
func ledgerOrderRow(k, v []byte) (key, val []byte, err error) {
	if len(k) != 17 || len(v) < 19 || int(k[8]) >= len(ReconKinds) {
		return nil, nil, fmt.Errorf("ledger index: bad row %x", k)
	}
	key = make([]byte, 0, 28+len(v)-19)
	key = append(append(key, k[:8]...), v[:10]...)
	key = append(key, byte(model.LedgerKindRank(ReconKinds[k[8]])))
	key = append(append(append(key, v[19:]...), 0), k[9:]...)
	val = append(append([]byte{k[8]}, v[10:18]...), v[18])
	return key, val, nil
}

// orderLedgerRow places the ledger index's row k → v.
func (t *Tx) orderLedgerRow(k, v []byte) error {
	key, val, err := ledgerOrderRow(k, v)
	if err != nil {
		return err
	}
	return t.b(bReconLedgerOrder).Put(key, val)
}

// unorderLedgerRow removes the place of the ledger index's row k as it
// stands (nothing when there is none).
func (t *Tx) unorderLedgerRow(k []byte) error {
	v := t.b(bReconLedger).Get(k)
	if v == nil {
		return nil
	}
	key, _, err := ledgerOrderRow(k, v)
	if err != nil {
		return err
	}
	return t.b(bReconLedgerOrder).Delete(key)
}

// ledgerOrderFrom lists the rows the ledger order should hold, from the
// ledger index.
func ledgerOrderFrom(ledger kv.Bucket) (map[string][]byte, error) {
	want := map[string][]byte{}
	err := ledger.ForEach(func(k, v []byte) error {
		key, val, err := ledgerOrderRow(k, v)
		want[string(key)] = val
		return err
	})
	return want, err
}

// migrateLedgerOrder builds recon_ledger_order for a file written before it.
func migrateLedgerOrder(tx kv.Tx) error {
	dst, err := tx.CreateBucketIfNotExists(bReconLedgerOrder)
	if err != nil {
		return err
	}
	ledger := tx.Bucket(bReconLedger)
	if ledger == nil {
		return nil
	}
	want, err := ledgerOrderFrom(ledger)
	if err != nil {
		return err
	}
	return putSorted(dst, want)
}

func checkLedgerOrder(t *Tx) []string {
	want, err := ledgerOrderFrom(t.b(bReconLedger))
	if err != nil {
		return []string{err.Error()}
	}
	return diffRows(t.b(bReconLedgerOrder), want, "the ledger index says", "%x")
}

// putSorted writes rows into dst in key order (bbolt fills pages best that
// way).
func putSorted(dst kv.Bucket, rows map[string][]byte) error {
	keys := make([]string, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := dst.Put([]byte(k), rows[k]); err != nil {
			return err
		}
	}
	return nil
}

// diffRows lists how bucket b differs from the rows it should hold (want,
// which it empties), saying where those come from; verb formats a value.
func diffRows(b kv.Bucket, want map[string][]byte, source, verb string) []string {
	var out []string
	_ = b.ForEach(func(k, v []byte) error {
		w, ok := want[string(k)]
		delete(want, string(k))
		if !ok || !bytes.Equal(v, w) {
			out = append(out, fmt.Sprintf("row %x: "+verb+", "+source+" "+verb, k, v, w))
		}
		return nil
	})
	for k, w := range want {
		out = append(out, fmt.Sprintf("row %x missing ("+verb+")", k, w))
	}
	return out
}
