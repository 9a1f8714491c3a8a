package handlers

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/emersion/go-smtp"
)

func tplFormValues(subjectZh, bodyZh string) url.Values {
	return url.Values{"channels": {"inapp", "email"}, "to_customer_users": {"1"}, "dealer_roles": {"buyer"},
		"staff_roles": {"finance"}, "addresses": {"ops@example.com\n13800001111"},
		"subject_zh": {subjectZh}, "subject_en": {"Order {{.doc_number}} rejected"},
		"body_zh": {bodyZh}, "body_en": {"Reason: {{.reason}}"}, "version": {"0"}}
}

// TestTemplateEditor: the admin's template screen lists placeholders,
// refuses a syntax error or an unknown placeholder with the line and reason
// (in the user's language), saves a good template and previews it.
func TestTemplateEditor(t *testing.T) {
	e := newTestEnv(t)
	admin := e.login("admin")
	speak(admin, "zh")
	const path = "/messages/templates/online_order.rejected"
	r := admin.get(path)
	if r.Code != 200 || !strings.Contains(r.Body, "{{.reason}}") || !strings.Contains(r.Body, "{{.customer_name}}") || strings.Contains(r.Body, "{{.tracking_number}}") {
		t.Fatalf("editor: %d %s", r.Code, excerpt(r.Body))
	}
	r = admin.post(path, tplFormValues("订单 {{.doc_number}} 已驳回", "第一行\n原因：{{.reason"))
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "第 2 行：unclosed action") {
		t.Errorf("syntax error: %d %s", r.Code, excerpt(r.Body))
	}
	speak(admin, "en")
	r = admin.post(path, tplFormValues("订单 {{.doc_number}} 已驳回", "a\nb\n{{.tracking_number}}"))
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Line 3: unknown placeholder tracking_number") {
		t.Errorf("unknown placeholder: %d %s", r.Code, excerpt(r.Body))
	}
	var m *model.MessageTemplate
	_ = e.st.View(func(tx *store.Tx) (err error) { m, err = tx.MessageTemplate(model.EventOrderRejected); return })
	if m != nil {
		t.Fatal("a refused template was stored")
	}
	// Preview as an HTMX fragment: sample data in both languages.
	r = admin.post(path+"/preview", tplFormValues("订单 {{.doc_number}} 已驳回", "原因：{{.reason}}"), "HX-Request", "true")
	if r.Code != 200 || !strings.Contains(r.Body, "订单 SO-2026-000123 已驳回") || !strings.Contains(r.Body, "Reason: price differs from the contract") || strings.Contains(r.Body, "<html") {
		t.Errorf("preview: %d %s", r.Code, excerpt(r.Body))
	}
	r = admin.post(path+"/preview", tplFormValues("x", "{{.nope}}"), "HX-Request", "true")
	if !strings.Contains(r.Body, "unknown placeholder nope") {
		t.Errorf("preview error: %s", r.Body)
	}
	// Without JavaScript the preview is the whole page.
	if r = admin.post(path+"/preview", tplFormValues("订单 {{.doc_number}} 已驳回", "原因：{{.reason}}")); r.Code != 200 || !strings.Contains(r.Body, "<html") {
		t.Errorf("plain preview: %d", r.Code)
	}
	if r = admin.post(path, tplFormValues("订单 {{.doc_number}} 已驳回", "原因：{{.reason}}")); r.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.Code, excerpt(r.Body))
	}
	_ = e.st.View(func(tx *store.Tx) (err error) { m, err = tx.MessageTemplate(model.EventOrderRejected); return })
	if m == nil || m.Version != 1 || len(m.Addresses) != 2 || !m.Enabled(model.ChannelEmail) || m.Enabled(model.ChannelSMS) ||
		len(m.DealerRoles) != 1 || m.StaffRoles[0] != model.RoleFinance {
		t.Fatalf("stored %+v", m)
	}
	// A second admin's stale form is a conflict.
	if r = admin.post(path, tplFormValues("x {{.doc_number}}", "y")); r.Code != http.StatusConflict {
		t.Errorf("stale save: %d", r.Code)
	}
	if r = admin.get("/messages/templates"); !strings.Contains(r.Body, "Online order rejected") {
		t.Error("list lacks the event")
	}
	if r = admin.get("/messages/templates/no.such.event"); r.Code != http.StatusNotFound {
		t.Errorf("unknown event: %d", r.Code)
	}
	for _, u := range []string{"east", "c1.manager"} {
		c := e.login(u)
		for _, p := range []string{"/messages/templates", path, "/messages/outbox", "/messages/settings"} {
			if r = c.get(p); r.Code != http.StatusForbidden {
				t.Errorf("%s %s: %d", u, p, r.Code)
			}
		}
	}
}

// TestInboxActions: read one, read all, the count, and nobody else's
// message.
func TestInboxActions(t *testing.T) {
	e := newTestEnv(t)
	messagingScopeFixtures(t, e)
	// A second message for c1.buyer.
	if err := e.st.Update("t", func(tx *store.Tx) error {
		return tx.Emit(&model.OutboxMessage{Event: model.EventOrderRejected, CustomerID: e.ids["customer:C1"], DocNumber: "OO-2026-000001",
			Params: map[string]string{"reason": "缺货", "link": "/online-orders/1"}})
	}); err != nil {
		t.Fatal(err)
	}
	deliver(t, e)
	b := e.login("c1.buyer")
	if r := b.get("/inbox/count"); !strings.Contains(r.Body, `class="count">2<`) {
		t.Fatalf("count: %s", r.Body)
	}
	r := b.get("/inbox/" + e.id("msg:C1"))
	if r.Code != 200 || !strings.Contains(r.Body, `href="/announcements/`+e.id("ann:C1")+`"`) {
		t.Fatalf("message: %d %s", r.Code, excerpt(r.Body))
	}
	if r = b.get("/inbox/count"); !strings.Contains(r.Body, `class="count">1<`) {
		t.Errorf("after reading one: %s", r.Body)
	}
	if r = b.get("/inbox?unread=1"); !strings.Contains(r.Body, "OO-2026-000001") || strings.Contains(r.Body, "通知 C1") {
		t.Errorf("unread filter: %s", excerpt(r.Body))
	}
	if r = b.post("/inbox/read-all", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("read all: %d", r.Code)
	}
	if r = b.get("/inbox/count"); strings.Contains(r.Body, `class="count"`) {
		t.Errorf("after read all: %s", r.Body)
	}
	if r = b.get("/inbox?export=csv"); r.Code != 200 || !strings.Contains(r.Body, "OO-2026-000001") {
		t.Errorf("export: %d", r.Code)
	}
	// The manager of the same customer got the announcement too, but
	// cannot open the buyer's copy.
	m := e.login("c1.manager")
	if r = m.get("/inbox/" + e.id("msg:C1")); r.Code != http.StatusNotFound {
		t.Errorf("another user's message: %d", r.Code)
	}
	if r = m.post("/inbox/"+e.id("msg:C1")+"/read", nil); r.Code != http.StatusNotFound {
		t.Errorf("mark another user's message: %d", r.Code)
	}
}

// testSMTP is a minimal in-process SMTP server collecting messages.
type testSMTP struct {
	mu   sync.Mutex
	to   []string
	data []string
}

type testSMTPSession struct{ s *testSMTP }

func (s *testSMTPSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *testSMTPSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.s.mu.Lock()
	s.s.to = append(s.s.to, to)
	s.s.mu.Unlock()
	return nil
}
func (s *testSMTPSession) Data(r io.Reader) error {
	b, _ := io.ReadAll(r)
	s.s.mu.Lock()
	s.s.data = append(s.s.data, string(b))
	s.s.mu.Unlock()
	return nil
}
func (s *testSMTPSession) Reset()        {}
func (s *testSMTPSession) Logout() error { return nil }

func startTestSMTP(t *testing.T) (*testSMTP, string) {
	s := &testSMTP{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &testSMTPSession{s}, nil }))
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s, ln.Addr().String()
}

// TestMessagingSettings: SMTP and SMS settings are saved, the password is
// never shown back (and kept when the field is left empty), the test e-mail
// reaches a real SMTP server, and a dead one is reported, not hidden.
func TestMessagingSettings(t *testing.T) {
	e := newTestEnv(t)
	srv, addr := startTestSMTP(t)
	host, port, _ := net.SplitHostPort(addr)
	admin := e.login("admin")
	speak(admin, "zh")
	admin.get("/messages/settings")
	form := url.Values{"smtp_host": {host}, "smtp_port": {port}, "smtp_security": {"none"}, "smtp_user": {""}, "smtp_password": {"Top-Secret-9"},
		"smtp_from": {"portal@example.com"}, "smtp_from_name": {"门户"}, "sms_url": {"https://sms.example.com/send"}, "sms_method": {"POST"},
		"sms_headers": {"X-Api-Key: abc"}, "sms_body": {`{"mobile":{{json .phone}},"content":{{json .text}}}`}, "sms_success": {`"code":0`},
		"max_attempts": {"5"}, "retry_seconds": {"30"}, "version": {"0"}}
	if r := admin.post("/messages/settings", form); r.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.Code, excerpt(r.Body))
	}
	r := admin.get("/messages/settings")
	if strings.Contains(r.Body, "Top-Secret-9") || !strings.Contains(r.Body, "已保存；留空则保持不变") {
		t.Fatalf("password shown back or not marked: %s", excerpt(r.Body))
	}
	form.Set("smtp_password", "")
	form.Set("version", "1")
	form.Set("smtp_user", "")
	if r = admin.post("/messages/settings", form); r.Code != http.StatusSeeOther {
		t.Fatalf("save again: %d %s", r.Code, excerpt(r.Body))
	}
	if s := e.st.MessagingSettings(); s.SMTPPassword != "Top-Secret-9" || s.MaxAttempts != 5 || s.SMSSuccess != `"code":0` {
		t.Errorf("stored %+v", s)
	}
	// Field errors: a bad SMS body template, a bad port.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("sms_body", "{{.phone")
	bad.Set("smtp_port", "0")
	bad.Set("version", "2")
	if r = admin.post("/messages/settings", bad); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "第 1 行") || !strings.Contains(r.Body, "1 到 65535") {
		t.Errorf("invalid settings: %d %s", r.Code, excerpt(r.Body))
	}
	// The test e-mail goes to the in-process server.
	if r = admin.post("/messages/settings/test-email", url.Values{"to": {"me@example.com"}}); r.Code != 200 || !strings.Contains(r.Body, "已发送至 me@example.com") {
		t.Fatalf("test e-mail: %d %s", r.Code, excerpt(r.Body))
	}
	srv.mu.Lock()
	got := strings.Join(srv.to, ",")
	srv.mu.Unlock()
	if got != "me@example.com" {
		t.Errorf("server got %q", got)
	}
	// A dead server: the error is shown.
	if err := e.st.Update("t", func(tx *store.Tx) error {
		s := tx.MessagingSettings()
		s.SMTPPort = 1
		return tx.SaveMessagingSettings(s)
	}); err != nil {
		t.Fatal(err)
	}
	if r = admin.post("/messages/settings/test-email", url.Values{"to": {"me@example.com"}}); !strings.Contains(r.Body, "发送失败") {
		t.Errorf("dead server not reported: %s", excerpt(r.Body))
	}
}

// TestOutboxAndPrefs: the outbox lists deliveries with filters and requeues
// a failed one; a user's opt-out stops e-mail but not in-app messages.
func TestOutboxAndPrefs(t *testing.T) {
	e := newTestEnv(t)
	// E-mail to a server that is down: the delivery fails and dies at once.
	if err := e.st.Update("t", func(tx *store.Tx) error {
		s := tx.MessagingSettings()
		s.SMTPHost, s.SMTPPort, s.SMTPSecurity, s.SMTPFrom, s.MaxAttempts = "127.0.0.1", 1, model.SMTPNone, "p@example.com", 1
		if err := tx.SaveMessagingSettings(s); err != nil {
			return err
		}
		for _, u := range []string{"c1.buyer", "c1.manager"} {
			if _, err := tx.SetUserPrefs(e.ids["user:"+u], func(x *model.User) error { x.Email = u + "@example.com"; return nil }); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// c1.manager opts out of e-mail for rejected orders.
	mgr := e.login("c1.manager")
	r := mgr.get("/account/notifications")
	if r.Code != 200 || !strings.Contains(r.Body, `value="online_order.rejected/email" checked`) {
		t.Fatalf("prefs page: %s", excerpt(r.Body))
	}
	var want []string
	for _, d := range model.EventCatalogue {
		if d.Name != model.EventOrderRejected {
			want = append(want, string(d.Name)+"/email")
		}
	}
	if r = mgr.post("/account/notifications", url.Values{"want": want}); r.Code != http.StatusSeeOther {
		t.Fatalf("save prefs: %d", r.Code)
	}
	if r = mgr.get("/account/notifications"); strings.Contains(r.Body, `value="online_order.rejected/email" checked`) || !strings.Contains(r.Body, `value="catalog.published/email" checked`) {
		t.Error("prefs not stored")
	}
	tpl := &model.MessageTemplate{Event: model.EventOrderRejected, Channels: []model.Channel{model.ChannelInApp, model.ChannelEmail}, ToCustomerUsers: true,
		SubjectZh: "驳回 {{.doc_number}}", SubjectEn: "Rejected {{.doc_number}}", BodyZh: "{{.reason}}", BodyEn: "{{.reason}}"}
	if err := e.st.Update("t", func(tx *store.Tx) error {
		if err := tx.SaveMessageTemplate(tpl); err != nil {
			return err
		}
		return tx.Emit(&model.OutboxMessage{Event: model.EventOrderRejected, CustomerID: e.ids["customer:C1"], DocNumber: "OO-2026-000009"})
	}); err != nil {
		t.Fatal(err)
	}
	deliver(t, e)
	admin := e.login("admin")
	r = admin.get("/messages/outbox?channel=email")
	if r.Code != 200 || !strings.Contains(r.Body, "c1.buyer@example.com") || strings.Contains(r.Body, "c1.manager@example.com") || !strings.Contains(r.Body, "connect") {
		t.Fatalf("outbox: %s", excerpt(r.Body))
	}
	if r = admin.get("/messages/outbox?status=sent&channel=inapp"); !strings.Contains(r.Body, "c1.manager") || !strings.Contains(r.Body, "c1.buyer") {
		t.Errorf("in-app deliveries: %s", excerpt(r.Body))
	}
	if r = admin.get("/messages/outbox?channel=sms"); strings.Contains(r.Body, "OO-2026") {
		t.Error("channel filter ignored")
	}
	var dead []*model.Delivery
	_ = e.st.View(func(tx *store.Tx) (err error) {
		dead, _, err = tx.ListDeliveries(store.DeliveryFilter{Status: model.DeliveryDead}, store.Page{})
		return
	})
	if len(dead) != 1 {
		t.Fatalf("dead: %d", len(dead))
	}
	if r = admin.get("/messages/outbox/" + itoa(dead[0].ID)); r.Code != 200 || !strings.Contains(r.Body, "connect") {
		t.Errorf("delivery page: %d", r.Code)
	}
	if r = admin.post("/messages/outbox/"+itoa(dead[0].ID)+"/retry", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("retry: %d", r.Code)
	}
	_ = e.st.View(func(tx *store.Tx) error {
		d, _ := tx.Delivery(dead[0].ID)
		if d.Status != model.DeliveryPending || d.Attempts != 0 {
			t.Errorf("after retry: %+v", d)
		}
		return nil
	})
	deliver(t, e) // dies again (one attempt allowed)
	if r = admin.post("/messages/outbox/retry", url.Values{"channel": {"email"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("retry all: %d", r.Code)
	}
	if r = admin.get("/messages/outbox?export=csv&status=pending"); !strings.Contains(r.Body, "c1.buyer@example.com") {
		t.Errorf("export after retry all: %s", excerpt(r.Body))
	}
	// An event whose fan-out failed for good goes back to the queue.
	var deadEv uint64
	if err := e.st.Update("t", func(tx *store.Tx) error {
		if err := tx.Emit(&model.OutboxMessage{Event: model.EventOrderRejected, CustomerID: e.ids["customer:C1"], DocNumber: "OO-2026-000010"}); err != nil {
			return err
		}
		ms, err := tx.PendingOutbox(100)
		if err != nil || len(ms) == 0 {
			return fmt.Errorf("pending outbox: %d %v", len(ms), err)
		}
		m := ms[len(ms)-1]
		deadEv, m.Status, m.Attempts = m.ID, model.OutboxDead, 9
		return tx.SaveOutboxMessage(m)
	}); err != nil {
		t.Fatal(err)
	}
	if r = admin.post("/messages/outbox/retry-events", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("retry events: %d", r.Code)
	}
	_ = e.st.View(func(tx *store.Tx) error {
		if m, err := tx.OutboxMessage(deadEv); err != nil || m.Status != model.OutboxPending || m.Attempts != 0 || len(tx.DeadOutbox()) != 0 {
			t.Errorf("after retry events: %+v %v", m, err)
		}
		return nil
	})
}
