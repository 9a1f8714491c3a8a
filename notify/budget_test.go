package notify

import (
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// TestTemplateBudgetDeadLetters: a saved text whose values make it render
// past the output budget fails the event once, dead-lettered with the
// reason (retrying cannot help), and sends nothing.
func TestTemplateBudgetDeadLetters(t *testing.T) {
	e := newEnv(t)
	tpl := rejectedTemplate()
	tpl.BodyZh = "原因：{{html (html (html .reason))}}"
	e.template(tpl)
	var id uint64
	e.update(func(tx *store.Tx) error {
		m := &model.OutboxMessage{Event: model.EventOrderRejected, CustomerID: e.cust.ID, DocType: model.DocOnlineOrder, DocID: 1,
			DocNumber: "OO-2026-000001", Actor: "east.sales",
			Params: map[string]string{"reason_zh": strings.Repeat(`"`, 20000), "reason_en": "wrong price"}}
		err := tx.Emit(m)
		id = m.ID
		return err
	})
	run(t, e.worker())
	var m *model.OutboxMessage
	_ = e.st.View(func(tx *store.Tx) (err error) { m, err = tx.OutboxMessage(id); return })
	if m == nil || m.Status != model.OutboxDead || m.Attempts != 1 || !strings.Contains(m.LastError, "budget") {
		t.Fatalf("outbox message: %+v", m)
	}
	if d := e.deliveries(store.DeliveryFilter{}); len(d) != 0 {
		t.Errorf("%d deliveries from a text over the budget", len(d))
	}
}
