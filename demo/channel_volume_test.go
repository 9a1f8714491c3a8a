package demo

import (
	"io"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/kv/pgtest"
)

// TestVolumeChannel: --channel and --stocktakes generate channel documents
// in varied statuses, complaint notices and stocktakes the sales analysis
// reads.
func TestVolumeChannel(t *testing.T) {
	path := pgtest.DSN(t, "channel.db")
	if err := run([]string{"--db", path, "--customers", "40", "--products", "60", "--entries", "40", "--channel", "60", "--stocktakes", "10", "--seed", "3"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, path)
	err := st.View(func(tx *store.Tx) error {
		sc := store.AdminScope()
		if n := tx.CountDocs(sc, model.DocOpportunity); n != 60 {
			t.Errorf("%d opportunities", n)
		}
		if n := tx.CountDocs(sc, model.DocComplaint); n != 60 {
			t.Errorf("%d complaints", n)
		}
		if n := tx.CountDocs(sc, model.DocServiceRequest); n == 0 || n > 60 {
			t.Errorf("%d service requests", n)
		}
		if n := tx.CountDocs(sc, model.DocOpportunity, model.StatusAccepted, model.StatusWon); n == 0 {
			t.Error("no accepted opportunity")
		}
		if n := tx.CountDocs(sc, model.DocComplaint, model.StatusHandled); n == 0 {
			t.Error("no handled complaint")
		}
		stocktakes := tx.CountDocs(sc, model.DocStocktake)
		if stocktakes == 0 || stocktakes > 20 {
			t.Errorf("%d stocktakes", stocktakes)
		}
		all, _, err := tx.ChannelReportAll(sc, model.AddDays(tx.Today(), -60), tx.Today())
		if err != nil {
			return err
		}
		withCounts := 0
		for _, r := range all {
			if r.Opening != nil && r.Closing != nil {
				withCounts++
				if !r.Total.Known {
					t.Errorf("%s: totals unknown with both counts", r.Customer.Code)
				}
			}
		}
		if withCounts*2 != stocktakes {
			t.Errorf("%d customers with two counts, %d stocktakes", withCounts, stocktakes)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
