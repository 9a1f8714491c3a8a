package store

import (
	"fmt"

	"dealerportal/model"

	"dealerportal/store/kv"
)

// The ledger version (往来版本) of a customer: a counter that moves, in the
// same transaction, with every write that can change what the customer's
// balance detail or statement prints from the store — any insert, update or
// delete of one of its outbounds, invoices, receipts, advance receipts or
// refunds (a document hook, so every write path is covered, drafts too),
// every write-off and its reversal, and every reconciliation confirmation,
// cancellation or dispute. A reader that saw version v of a customer and
// sees v again knows that none of these changed in between, and may answer
// from what it derived then (the statement's finished-PDF cache) without
// reading the history again. It is a record in the file, not a process's
// memory, so several processes serving one database agree on it.
//
//   - ledger_versions  customerID → version (8 bytes); absent: 0
//
// What the statement prints besides the store's documents (the customer's
// profile, the settings, the language, the period, the printed minute) is
// not counted here: a reader keys on those itself.

var bLedgerVersions = []byte("ledger_versions")

func init() {
	allBuckets = append(allBuckets, bLedgerVersions)
	for _, kind := range ReconKinds {
		RegisterDocHook(kind, func(t *Tx, cust, _ uint64, _ model.Document) error {
			return t.bumpLedgerVersion(cust)
		})
	}
	RegisterIntegrityCheck(IntegrityCheck{Name: "ledger versions", Run: checkLedgerVersions})
}

// LedgerVersion returns customer cust's ledger version (0 when nothing was
// posted for it since the counter exists, or for an unknown customer). It
// does not check a scope: it reveals nothing but a number, and callers read
// the customer through their scope first.
func (t *Tx) LedgerVersion(cust uint64) uint64 {
	return btoi(t.b(bLedgerVersions).Get(itob(cust)))
}

// bumpLedgerVersion moves customer cust's ledger version on; call it in
// the transaction of every write that changes what its statement prints.
func (t *Tx) bumpLedgerVersion(cust uint64) error {
	b := t.b(bLedgerVersions)
	return b.Put(itob(cust), itob(btoi(b.Get(itob(cust)))+1))
}

// migrateLedgerVersions creates the bucket on a file written before it;
// every customer starts at version 0.
func migrateLedgerVersions(tx kv.Tx) error {
	_, err := tx.CreateBucketIfNotExists(bLedgerVersions)
	return err
}

// checkLedgerVersions: every counter belongs to a customer and is 8 bytes.
// (The counter cannot be recomputed from the documents: what is checked is
// that it is well formed.)
func checkLedgerVersions(t *Tx) []string {
	var out []string
	_ = t.b(bLedgerVersions).ForEach(func(k, v []byte) error {
		if len(k) != 8 || len(v) != 8 {
			out = append(out, fmt.Sprintf("ledger version %x: bad row %x", k, v))
		} else if t.b(bCustomers).Get(k) == nil {
			out = append(out, fmt.Sprintf("ledger version of customer %d, which does not exist", btoi(k)))
		}
		return nil
	})
	return out
}
