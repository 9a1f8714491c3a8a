package store

import (
	"bytes"
	"errors"
	"fmt"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// Documents pushed through the integration API carry the ERP's own number
// (their external id), which is their permanent idempotency: a second push
// of the same number returns the document made by the first. To tell a
// retry of the same push from a different document under a reused number,
// the fingerprint of the request that made the document is kept beside its
// external id.

// bExtDocSums: kind\x00external id → the fingerprint of the request that
// created the document (created by migration 3).
var bExtDocSums = []byte("ext_doc_sums")

func init() {
	RegisterIntegrityCheck(IntegrityCheck{"document fingerprints", checkExtDocSums})
}

// ExternalDoc returns the id of the document of kind ("sales_order",
// "delivery_notice", "outbound" …) that the ERP's external id names, and the
// fingerprint recorded with it: 0 when the external id is unknown, "" when
// the mapping was made without one (by a path that does not compare
// requests).
func (t *Tx) ExternalDoc(kind, ext string) (uint64, string) {
	id := t.ExternalID(kind, ext)
	if id == 0 {
		return 0, ""
	}
	return id, string(t.b(bExtDocSums).Get(extKey(kind, ext)))
}

// SetExternalDoc maps external id ext of kind to document id, as
// SetExternalID does (a field error on external_id when it names another
// document), and records sum, the fingerprint of the request that made the
// document. An empty ext records nothing.
func (t *Tx) SetExternalDoc(kind, ext string, id uint64, sum string) error {
	if ext == "" {
		return nil
	}
	if err := t.SetExternalID(kind, ext, id); err != nil {
		return err
	}
	if sum == "" {
		return nil
	}
	return t.b(bExtDocSums).Put(extKey(kind, ext), []byte(sum))
}

// PushedDoc finds the document of type doc that external id ext of kind
// names, for a push naming it again: its id, its number and the
// fingerprint of the request that made it. 0 when the external id is free,
// also when the document it named is gone (a draft deleted in the UI): the
// mapping and its fingerprint are forgotten, so that the ERP may use the
// external id again. A document outside sc is a field error on
// external_id (err.duplicate): the external id is taken, and the client
// learns nothing more.
func (t *Tx) PushedDoc(sc Scope, kind string, doc model.DocType, ext string) (uint64, string, string, error) {
	id, sum := t.ExternalDoc(kind, ext)
	if id == 0 {
		return 0, "", "", nil
	}
	s, err := t.summaryOf(doc, id)
	switch {
	case errors.Is(err, model.ErrNotFound):
		return 0, "", "", t.DropExternalID(kind, ext)
	case err != nil:
		return 0, "", "", err
	case !t.AllowsCustomer(sc, s.CustomerID):
		return 0, "", "", model.Invalid("external_id", "err.duplicate")
	}
	return id, s.Number, sum, nil
}

// DropExternalID forgets the mapping of an external id of a kind (both
// directions) and its fingerprint, so that the ERP can use it again: the
// API calls it when the document an external id named no longer exists.
// Forgetting an unknown external id changes nothing.
func (t *Tx) DropExternalID(kind, ext string) error {
	b := t.b(bExtIDs)
	k := extKey(kind, ext)
	v := b.Get(k)
	if v == nil {
		return nil
	}
	if err := b.Delete(k); err != nil {
		return err
	}
	if err := t.b(bExtDocSums).Delete(k); err != nil {
		return err
	}
	of := t.b(bExtOf)
	if id := btoi(v); string(of.Get(extOfKey(kind, id))) == ext {
		return of.Delete(extOfKey(kind, id))
	}
	return nil
}

// checkExtDocSums reports fingerprints whose external id maps to nothing:
// a fingerprint is only ever written together with its mapping.
func checkExtDocSums(t *Tx) []string {
	var out []string
	ids := t.b(bExtIDs)
	_ = t.b(bExtDocSums).ForEach(func(k, _ []byte) error {
		if ids.Get(k) == nil {
			kind, ext, _ := bytes.Cut(k, []byte{0})
			out = append(out, fmt.Sprintf("%s %q has a fingerprint but no document", kind, ext))
		}
		return nil
	})
	return out
}

// migrateAPIDocSums creates the bucket of document fingerprints
// (migration 3).
func migrateAPIDocSums(tx kv.Tx) error {
	_, err := tx.CreateBucketIfNotExists(bExtDocSums)
	return err
}
