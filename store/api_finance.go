package store

// DropExternalID forgets the mapping of an external id of a kind (both
// directions), so that the ERP can use it again: the API calls it when the
// document an external id named no longer exists (a draft deleted in the
// UI). Forgetting an unknown external id changes nothing.
func (t *Tx) DropExternalID(kind, ext string) error {
	b := t.b(bExtIDs)
	k := extKey(kind, ext)
	v := b.Get(k)
	if v == nil {
		return nil
	}
	id := btoi(v)
	if err := b.Delete(k); err != nil {
		return err
	}
	of := t.b(bExtOf)
	if string(of.Get(extOfKey(kind, id))) == ext {
		return of.Delete(extOfKey(kind, id))
	}
	return nil
}
