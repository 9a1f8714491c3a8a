package demo

import (
	"testing"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/kv/pgtest"
)

// TestDefaultTemplates: every event of the catalogue has a default template
// that passes the template validation.
func TestDefaultTemplates(t *testing.T) {
	defs := DefaultTemplates()
	if len(defs) != len(model.EventCatalogue) {
		t.Fatalf("%d templates for %d events", len(defs), len(model.EventCatalogue))
	}
	for _, m := range defs {
		if _, ok := eventTexts[m.Event]; !ok {
			t.Errorf("%s: no written default texts", m.Event)
		}
		if err := m.Validate(); err != nil {
			t.Errorf("%s: %v", m.Event, err)
		}
	}
}

// TestFirstStartMessages: the demo has a template per event, published
// announcements for its dealers and their publication events queued; a
// plain installation gets the templates too, and a restart adds nothing.
func TestFirstStartMessages(t *testing.T) {
	st := openStore(t, pgtest.DSN(t, "d.db"))
	if _, err := FirstStart(st, Options{Demo: true}); err != nil {
		t.Fatal(err)
	}
	err := st.View(func(tx *store.Tx) error {
		for _, d := range model.EventCatalogue {
			if _, err := tx.MessageTemplate(d.Name); err != nil {
				t.Errorf("%s: %v", d.Name, err)
			}
		}
		c1, err := tx.CustomerByCode(store.AdminScope(), "C0001")
		if err != nil {
			return err
		}
		mine, _, err := tx.MyAnnouncements(store.CustomerScope(c1.ID), "", store.Page{})
		if err != nil {
			return err
		}
		if len(mine) < 2 {
			t.Errorf("C0001 sees %d announcements", len(mine))
		}
		all, _, _ := tx.ListAnnouncements(store.AdminScope(), store.AnnouncementFilter{}, store.Page{})
		if len(all) != len(demoAnnouncements) {
			t.Errorf("%d announcements", len(all))
		}
		if _, p := tx.OutboxCount(); p < 10 {
			t.Errorf("%d publication events pending", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	plain := openStore(t, pgtest.DSN(t, "p.db"))
	if _, err := FirstStart(plain, Options{AdminPassword: "long-enough-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := FirstStart(plain, Options{}); err != nil {
		t.Fatal(err)
	}
	_ = plain.View(func(tx *store.Tx) error {
		if m, err := tx.MessageTemplate(model.EventOrderRejected); err != nil || m.Version != 1 {
			t.Errorf("plain: %+v %v", m, err)
		}
		return nil
	})
}
