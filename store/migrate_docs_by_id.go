package store

import (
	"fmt"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// schemaDocsByID is the schema version from which a document type's main
// bucket (doc:T) is keyed by the document id alone, not customerID|id.
const schemaDocsByID = 15

// migrateDocsByID rekeys every document type's documents from
// customerID|id to id (schema 15): the id is unique within a type and
// increasing, so a group commit's new documents share the last page of the
// bucket. The owner stays in doc:T:all, which every scoped read checks.
// The bucket's sequence (the last id given) is kept. kv.CutKeyPrefix does
// the rewrite: on PostgreSQL one UPDATE statement per bucket (kv.Rekeyer),
// on bbolt a copy through a scratch bucket and back in id order, so that
// the rebuilt bucket is written once, full. A bucket whose first key is
// already an id is left alone, so the migration may run more than once
// (migrate runs it before the older migrations, which read documents
// through today's code); a key that is not customer|id, or an id under two
// customers, fails it.
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
		if _, err := kv.CutKeyPrefix(tx, name, 16, 8); err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
	}
	return nil
}
