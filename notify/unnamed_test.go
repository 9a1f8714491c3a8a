package notify

import (
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// TestUnnamedEnterpriseInMessages: until the settings are first saved the
// {{.enterprise}} placeholder is the portal's placeholder in the
// recipient's language, not the stored default "Enterprise"; once saved,
// the enterprise's name.
func TestUnnamedEnterpriseInMessages(t *testing.T) {
	e := newEnv(t)
	m := &model.OutboxMessage{DocType: model.DocOnlineOrder, DocNumber: "OO-1"}
	got := map[string]string{}
	read := func() {
		_ = e.st.View(func(tx *store.Tx) error {
			f := newFanout(tx, "")
			for _, l := range []string{"zh", "en"} {
				got[l] = f.values(m, nil, l, "", "x")["enterprise"]
			}
			return nil
		})
	}
	if v := e.st.Settings().Version; v != 0 {
		t.Fatalf("fixture: settings saved (version %d)", v)
	}
	read()
	if got["zh"] != UnnamedEnterprise[0] || got["en"] != UnnamedEnterprise[1] {
		t.Errorf("unsaved settings: %q", got)
	}
	e.update(func(tx *store.Tx) error {
		s := tx.Settings()
		s.EnterpriseName = "上海机电"
		return tx.SaveSettings(s)
	})
	read()
	if got["zh"] != "上海机电" || got["en"] != "上海机电" {
		t.Errorf("saved settings: %q", got)
	}
}
