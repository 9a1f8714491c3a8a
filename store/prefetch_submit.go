package store

import (
	"fmt"
	"strings"

	"dealerportal/store/kv"
)

// prefetchOrderInsert reads ahead, in one round trip on PostgreSQL
// (kv.PrefetchKeys), the records that inserting prepared online order p
// then reads one by one: the customer and its balance, the enterprise and
// ordering settings, the year's document number, the type's list
// generation and the two status counts. In a group commit these reads are
// made while the writers' lock is held, so each round trip saved is time
// the other processes' writers do not wait. Nothing on bbolt, which reads
// its mapped pages; a key that turns out not to be read costs nothing but
// its row. more are further keys to read in the same round trip (the
// replay check's, which runs first: actAhead); empty ones are left out.
func (t *Tx) prefetchOrderInsert(p *PreparedOnlineOrder, more ...kv.BucketKey) {
	kv.PrefetchKeys(t.tx, t.orderInsertKeys(p, more...))
}

// orderInsertKeys are the keys prefetchOrderInsert reads (nil on bbolt).
func (t *Tx) orderInsertKeys(p *PreparedOnlineOrder, more ...kv.BucketKey) []kv.BucketKey {
	if t.s.bolt != nil {
		return nil
	}
	o := p.base
	if p.submit && p.ready != nil {
		o = p.ready
	}
	cust := itob(o.CustomerID)
	b := t.docB(docOnlineOrder)
	year := t.Now.In(t.Zone()).Year()
	return append(append(orderingKeys(cust, 4+len(more)),
		kv.BucketKey{Bucket: bDocSeq, Key: fmt.Appendf(nil, "%s-%04d", docOnlineOrder, year)},
		kv.BucketKey{Bucket: bMeta, Key: docGenKey(docOnlineOrder)},
		kv.BucketKey{Bucket: b.count, Key: countKey(o.CustomerID, o.Status)},
		kv.BucketKey{Bucket: b.count, Key: countKey(0, o.Status)}), more...)
}

// orderingKeys are the keys every order of customer cust reads: the
// customer, its balance, the enterprise and the ordering settings, in a
// slice with room for more keys.
func orderingKeys(cust []byte, more int) []kv.BucketKey {
	return append(make([]kv.BucketKey, 0, 4+more),
		kv.BucketKey{Bucket: bCustomers, Key: cust},
		kv.BucketKey{Bucket: bBalances, Key: cust},
		kv.BucketKey{Bucket: bSettings, Key: keyEnterprise},
		kv.BucketKey{Bucket: bSettings, Key: keyOrdering})
}

// prefetchOrderPrepare reads ahead, in one round trip on PostgreSQL, the
// records that preparing an online order of customer cust with lines
// reads one by one before its pricing's chained reads: the customer, the
// enterprise and ordering settings, and each line's product code (not the
// balance: the credit check is the write transaction's). Nothing on bbolt.
func (t *Tx) prefetchOrderPrepare(cust uint64, lines []LineInput) {
	if t.s.bolt != nil {
		return
	}
	keys := append(make([]kv.BucketKey, 0, 3+len(lines)),
		kv.BucketKey{Bucket: bCustomers, Key: itob(cust)},
		kv.BucketKey{Bucket: bSettings, Key: keyEnterprise},
		kv.BucketKey{Bucket: bSettings, Key: keyOrdering})
	for _, li := range lines {
		if li.EntryID == 0 && li.Code != "" {
			keys = append(keys, kv.BucketKey{Bucket: bProductsByCode, Key: []byte(strings.ToUpper(strings.TrimSpace(li.Code)))})
		}
	}
	kv.PrefetchKeys(t.tx, keys)
}
