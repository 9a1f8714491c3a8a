package demo

import (
	"io"
	"testing"

	"dealerportal/store"
	"dealerportal/store/kv/pgtest"
)

// TestVolumeOrdering: --products and --entries generate products, entries
// published in varied patterns and prices, and the catalog index agrees with
// a rebuild.
func TestVolumeOrdering(t *testing.T) {
	path := pgtest.DSN(t, "v.db")
	if err := run([]string{"--db", path, "--customers", "30", "--products", "200", "--entries", "120"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Update("test", func(tx *store.Tx) error {
		if n := tx.CountCatalog(store.AdminScope()); n != 120 {
			t.Errorf("%d entries", n)
		}
		_, n, _ := tx.ListProducts(store.ProductFilter{}, store.Page{Limit: -1})
		if n != 200 {
			t.Errorf("%d products", n)
		}
		c, _ := tx.CustomerByCode(store.AdminScope(), "C0001")
		if seen := tx.CountCatalog(store.CustomerScope(c.ID)); seen == 0 || seen >= 120 {
			t.Errorf("C0001 sees %d of 120 entries", seen)
		}
		wrong, err := tx.RebuildCatalogIndex()
		if wrong != 0 {
			t.Errorf("index off by %d rows", wrong)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
