package store

import (
	"dealerportal/model"
	"dealerportal/store/kv"
)

// Read-ahead for the catalog page, the statement and the execution report:
// on PostgreSQL each of these pages collects the keys of a step first and
// reads them in one query (kv.PrefetchKeys, kv.PrefixScanner) rather than
// one round trip per key or per cursor batch. bbolt reads its mapped pages
// as before (nothing is collected there).

// prefixKeys returns the keys of b that start with prefix, in key order,
// read in one query where b reads prefixes so (kv.PrefixScanner:
// PostgreSQL), where a cursor fetches the range in growing batches (a round
// trip each); false elsewhere, where the caller walks a cursor as before
// (bbolt reads its mapped pages, and allocates nothing more). For ranges
// read whole. The keys are valid until the transaction ends.
func prefixKeys(b kv.Bucket, prefix []byte) ([][]byte, bool) {
	p, ok := b.(kv.PrefixScanner)
	if !ok {
		return nil, false
	}
	var keys [][]byte
	_ = p.ScanPrefixes([][]byte{prefix}, func(_ int, k, _ []byte) error {
		keys = append(keys, k)
		return nil
	})
	return keys, true // a failed read fails the transaction
}

// StatementHead reads what a statement download reads before it knows
// whether its PDF was printed already: customer id as sc sees it and the
// customer's ledger version (LedgerVersion). On PostgreSQL one query for
// both. ErrNotFound outside sc.
func (t *Tx) StatementHead(sc Scope, id uint64) (*model.Customer, uint64, error) {
	if t.s.bolt == nil {
		kv.PrefetchKeys(t.tx, []kv.BucketKey{{Bucket: bCustomers, Key: itob(id)}, {Bucket: bLedgerVersions, Key: itob(id)}})
	}
	c, err := t.Customer(sc, id)
	if err != nil {
		return nil, 0, err
	}
	return c, t.LedgerVersion(id), nil
}

// prefetchCatalogHead reads ahead, in one query on PostgreSQL, the single
// records a dealer's catalog page reads before and after its rows: the
// catalog generation, the customer (its group prices the rows) and the
// ordering settings the rows' quantity rules are shown with. Nothing on
// bbolt.
func (t *Tx) prefetchCatalogHead(sc Scope) {
	if t.s.bolt != nil || sc.CustomerID() == 0 {
		return
	}
	kv.PrefetchKeys(t.tx, []kv.BucketKey{
		{Bucket: bMeta, Key: keyCatalogGen},
		{Bucket: bCustomers, Key: itob(sc.CustomerID())},
		{Bucket: bSettings, Key: keyOrdering},
	})
}
