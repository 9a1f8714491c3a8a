package store

import (
	"fmt"

	"dealerportal/store/kv"
)

// migration upgrades the file from version n-1 to n (n = index+1), in one
// transaction.
type migration func(tx kv.Tx) error

// migrations in order; the schema version is their count. Append only.
var migrations = []migration{
	// 1: the initial buckets.
	func(tx kv.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	},
	// 2: the integration API's clients, tokens, external ids and event feed.
	migrateAPI,
	// 3: the fingerprints of documents pushed through the API.
	migrateAPIDocSums,
	// 4: invitations of users who have no password yet (invitations.go).
	migrateInvitations,
	// 5: the webhook queue.
	migrateWebhooks,
	// 6: document summaries stored once and in binary (docsum.go);
	// documents, outbox messages and feed events compressed from now on
	// (codec.go: older JSON records are read as they are).
	migrateDocSummaries,
	// 7: the catalog view: display fields in every catalog summary
	// (catalog_view.go).
	migrateCatalogView,
	// 8: the invoice list's rows (invoice_rows.go).
	migrateInvoiceRows,
	// 9: the balance summary's maintained figures (balance_figures.go) and
	// the ledger index (recon_ledger.go).
	func(tx kv.Tx) error {
		if err := migrateBalanceFigures(tx); err != nil {
			return err
		}
		return migrateLedgerIndex(tx)
	},
	// 10: customer cards (customer_cards.go) and the execution report's
	// maintained totals and order-date index (execution_totals.go), with
	// the execution index built where it was not yet.
	func(tx kv.Tx) error {
		if err := migrateCustomerCards(tx); err != nil {
			return err
		}
		return migrateExecutionTotals(tx)
	},
	// 11: login limits shared by the processes of a fleet (login_limits.go).
	migrateLoginLimits,
	// 12: the ledger index in the balance detail's order
	// (ledger_order.go).
	migrateLedgerOrder,
	// 13: the customers' ledger versions (ledger_version.go).
	migrateLedgerVersions,
	// 14: a new online order's document may be stored as encS2V1
	// (codec.go). Nothing to convert: the version keeps older programs,
	// which cannot decode such a record, from opening the file.
	func(kv.Tx) error { return nil },
	// 15: documents keyed by id alone (migrate_docs_by_id.go), and the
	// form tokens that carry their issue second kept under it
	// (settings.go, bIdemByTime).
	func(tx kv.Tx) error {
		if err := migrateDocsByID(tx); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(bIdemByTime)
		return err
	},
}

var keySchemaVersion = []byte("schema_version")

// SchemaVersion is the version the running code writes.
func SchemaVersion() uint64 { return uint64(len(migrations)) }

func (s *Store) migrate() error {
	for {
		var done bool
		err := updateUnbounded(s.db, func(tx kv.Tx) error {
			meta, err := tx.CreateBucketIfNotExists(bMeta)
			if err != nil {
				return err
			}
			v := btoi(meta.Get(keySchemaVersion))
			if v > SchemaVersion() {
				return fmt.Errorf("database schema version %d is newer than this program's %d", v, SchemaVersion())
			}
			if v == SchemaVersion() {
				// Buckets added to allBuckets by later code exist even on a
				// file written before them.
				for _, name := range allBuckets {
					if _, err := tx.CreateBucketIfNotExists(name); err != nil {
						return err
					}
				}
				done = true
				return nil
			}
			if v < schemaDocsByID-1 {
				// The older migrations read documents through today's
				// code, which finds them by id.
				if err := migrateDocsByID(tx); err != nil {
					return fmt.Errorf("migration %d: %w", schemaDocsByID, err)
				}
			}
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("migration %d: %w", v+1, err)
			}
			return meta.Put(keySchemaVersion, itob(v+1))
		})
		if err != nil || done {
			return err
		}
	}
}

// updateUnbounded runs a migration step: one update transaction that a
// backend does not cut short by its per-transaction time limit (on
// PostgreSQL a step that rewrites whole buckets of a large database takes
// longer than a request's transaction may; pgkv.DB.UpdateUnbounded).
func updateUnbounded(db kv.DB, fn func(kv.Tx) error) error {
	for d := db; ; {
		if u, ok := d.(interface {
			UpdateUnbounded(func(kv.Tx) error) error
		}); ok {
			return u.UpdateUnbounded(fn)
		}
		w, ok := d.(interface{ Unwrap() kv.DB })
		if !ok {
			return db.Update(fn)
		}
		d = w.Unwrap()
	}
}
