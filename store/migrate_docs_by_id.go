package store

import (
	"bytes"
	"fmt"

	"dealerportal/model"
	"dealerportal/store/kv"
	"dealerportal/store/kv/boltkv"
)

// schemaDocsByID is the schema version from which a document type's main
// bucket (doc:T) is keyed by the document id alone, not customerID|id.
const schemaDocsByID = 15

// migrateDocsByID rekeys every document type's documents from
// customerID|id to id (schema 15): the id is unique within a type and
// increasing, so a group commit's new documents share the last page of the
// bucket. The owner stays in doc:T:all, which every scoped read checks. The
// documents go through a scratch bucket and come back in id order, so that
// the rebuilt bucket is written once, full (fillPercent 1.0), without a
// cursor that walks keys it has just written; the bucket's sequence (the
// last id given) is kept. A bucket whose first key is already an id is
// left alone, so the migration may run more than once (migrate runs it
// before the older migrations, which read documents through today's code).
func migrateDocsByID(tx kv.Tx) error {
	for _, kind := range sortedDocKinds() {
		name := docKinds[model.DocType(kind)].main
		main := tx.Bucket(name)
		if main == nil {
			continue
		}
		if k, _ := main.Cursor().First(); len(k) != 16 {
			continue // empty, or keyed by id already
		}
		scratchName := append(bytes.Clone(name), ":rekey"...)
		if tx.Bucket(scratchName) != nil {
			if err := tx.DeleteBucket(scratchName); err != nil {
				return err
			}
		}
		scratch, err := tx.CreateBucketIfNotExists(scratchName)
		if err != nil {
			return err
		}
		boltkv.SetFillPercent(scratch, 1.0)
		err = main.ForEach(func(k, v []byte) error {
			if len(k) != 16 {
				return fmt.Errorf("%s: document key %x is not customer|id", kind, k)
			}
			return scratch.Put(bytes.Clone(k[8:]), bytes.Clone(v))
		})
		if err != nil {
			return err
		}
		seq := main.Sequence()
		if err := tx.DeleteBucket(name); err != nil {
			return err
		}
		if main, err = tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
		boltkv.SetFillPercent(main, 1.0)
		if err := main.SetSequence(seq); err != nil {
			return err
		}
		err = scratch.ForEach(func(k, v []byte) error {
			return main.Put(bytes.Clone(k), bytes.Clone(v))
		})
		if err != nil {
			return err
		}
		if err := tx.DeleteBucket(scratchName); err != nil {
			return err
		}
	}
	return nil
}
