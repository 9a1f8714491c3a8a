package boltkv

import "dealerportal/store/kv"

// CutKeyPrefix rewrites a bucket's keys (kv.Rekeyer) as the portable
// kv.CopyCutKeyPrefix does, with both buckets' pages filled full: the keys
// arrive in order and nothing is inserted between them later, so the
// rebuilt bucket takes half the pages of bbolt's default split.
func (t *tx) CutKeyPrefix(bucket []byte, keyLen, n int) (int, error) {
	return kv.CopyCutKeyPrefix(t, bucket, keyLen, n, func(b kv.Bucket) { SetFillPercent(b, 1.0) })
}
