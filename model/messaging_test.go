package model

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestCheckTemplate is the template validation table: a text with a syntax
// error or an unknown placeholder is refused with its line and reason.
func TestCheckTemplate(t *testing.T) {
	allowed := []string{"doc_number", "reason", "customer_name"}
	cases := []struct {
		name, text string
		key        string // "" = accepted
		line       int
		detail     string // in Reason or Args
	}{
		{"plain text", "你好", "", 0, ""},
		{"placeholder", "订单 {{.doc_number}} 已驳回：{{.reason}}", "", 0, ""},
		{"if else", "{{if .reason}}原因：{{.reason}}{{else}}无{{end}}", "", 0, ""},
		{"root variable", "{{with .reason}}{{$.doc_number}}: {{.}}{{end}}", "", 0, ""},
		{"builtin func", `{{printf "%s!" .customer_name}} {{.doc_number | urlquery}} {{json .reason}}`, "", 0, ""},
		{"unclosed action", "第一行\n第二行 {{.doc_number", "err.template_syntax", 2, "unclosed action"},
		{"unknown func", "line1\nline2\n{{upper .doc_number}}", "err.template_syntax", 3, `"upper" not defined`},
		{"missing end", "{{if .reason}}x", "err.template_syntax", 1, "unexpected EOF"},
		{"unknown placeholder", "a\n{{.doc_numbr}}", "err.template_placeholder", 2, "doc_numbr"},
		{"unknown in if", "{{if .secret}}x{{end}}", "err.template_placeholder", 1, "secret"},
		{"unknown in else", "{{if .reason}}x{{else}}\n\n{{.amount}}{{end}}", "err.template_placeholder", 3, "amount"},
		{"unknown via $", "{{with .reason}}{{$.password}}{{end}}", "err.template_placeholder", 1, "password"},
		{"unknown in pipe", "{{printf \"%s\" .total}}", "err.template_placeholder", 1, "total"},
		{"template call", `{{define "x"}}a{{end}}{{template "x"}}`, "err.template_syntax", 1, "not allowed"},
		{"exec error", "{{index .doc_number 5}}", "err.template_syntax", 1, "index"},
	}
	for _, tc := range cases {
		err := CheckTemplate("body_zh", tc.text, allowed)
		if tc.key == "" {
			if err != nil {
				t.Errorf("%s: refused: %v", tc.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: accepted %q", tc.name, tc.text)
			continue
		}
		if err.Key != tc.key || err.Line != tc.line {
			t.Errorf("%s: got %s line %d (%s), want %s line %d", tc.name, err.Key, err.Line, err.Reason, tc.key, tc.line)
		}
		if err.Args["line"] != tc.line {
			t.Errorf("%s: args %v", tc.name, err.Args)
		}
		if !strings.Contains(err.Reason, tc.detail) {
			t.Errorf("%s: reason %q lacks %q", tc.name, err.Reason, tc.detail)
		}
	}
}

func TestRenderTemplate(t *testing.T) {
	got, err := RenderTemplate("{{.doc_number}} · {{.missing}}|{{json .reason}}", map[string]string{"doc_number": "SO-1", "reason": `a "b"`})
	if err != nil || got != `SO-1 · |"a \"b\""` {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := RenderTemplate("{{", nil); !errors.Is(err, ErrTemplate) {
		t.Fatalf("bad template: %v", err)
	}
}

func validTemplate() *MessageTemplate {
	return &MessageTemplate{Event: EventOrderRejected, Channels: []Channel{ChannelInApp, ChannelEmail},
		ToCustomerUsers: true, SubjectZh: "订单 {{.doc_number}} 已驳回", SubjectEn: "Order {{.doc_number}} rejected",
		BodyZh: "原因：{{.reason}}", BodyEn: "Reason: {{.reason}}"}
}

func TestMessageTemplateValidate(t *testing.T) {
	if err := validTemplate().Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		edit  func(m *MessageTemplate)
		field string
		key   string
	}{
		{"unknown event", func(m *MessageTemplate) { m.Event = "nope" }, "event", "err.choice"},
		{"unknown channel", func(m *MessageTemplate) { m.Channels = append(m.Channels, "fax") }, "channels", "err.choice"},
		{"staff role for dealers", func(m *MessageTemplate) { m.DealerRoles = []Role{RoleAdmin} }, "dealer_roles", "err.role_invalid"},
		{"dealer role for staff", func(m *MessageTemplate) { m.StaffRoles = []Role{RoleBuyer} }, "staff_roles", "err.role_invalid"},
		{"bad address", func(m *MessageTemplate) { m.Addresses = []string{"ops@example.com", "not an address"} }, "addresses", "err.address"},
		{"no subject", func(m *MessageTemplate) { m.SubjectEn = " " }, "subject_en", "err.required"},
		{"placeholder of another event", func(m *MessageTemplate) { m.BodyEn = "{{.tracking_number}}" }, "body_en", "err.template_placeholder"},
		{"syntax in sms", func(m *MessageTemplate) { m.SMSZh = "{{.doc_number" }, "sms_zh", "err.template_syntax"},
	}
	for _, tc := range cases {
		m := validTemplate()
		tc.edit(m)
		err := m.Validate()
		var ve *ValidationError
		if !errors.As(err, &ve) || !ve.Has(tc.field) {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		for _, f := range ve.Fields {
			if f.Field == tc.field && f.Key != tc.key {
				t.Errorf("%s: key %s, want %s", tc.name, f.Key, tc.key)
			}
		}
	}
	// Common placeholders are allowed in every event; addresses are trimmed.
	m := validTemplate()
	m.BodyZh = "{{.customer_name}} {{.link}} {{.enterprise}} {{.actor}} {{.date}} {{.customer_code}}"
	m.Addresses = []string{" ops@example.com ", "", "+86 138 0000 1111"}
	if err := m.Validate(); err != nil || len(m.Addresses) != 2 || m.Addresses[0] != "ops@example.com" {
		t.Fatalf("%v %q", err, m.Addresses)
	}
}

// TestEveryEventHasUniquePlaceholders: the catalogue is well formed.
func TestEventCatalogue(t *testing.T) {
	seen := map[Event]bool{}
	for _, d := range EventCatalogue {
		if seen[d.Name] {
			t.Errorf("%s twice", d.Name)
		}
		seen[d.Name] = true
		if d.Audience != ForDealer && d.Audience != ForStaff && d.Audience != ForUser {
			t.Errorf("%s: audience %q", d.Name, d.Audience)
		}
		if FindEvent(d.Name) == nil {
			t.Errorf("%s not found", d.Name)
		}
	}
	if FindEvent("nope") != nil {
		t.Error("unknown event found")
	}
}

func TestMessagingSettingsValidate(t *testing.T) {
	s := DefaultMessagingSettings()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	good := func() *MessagingSettings {
		s := DefaultMessagingSettings()
		s.SMTPHost, s.SMTPFrom = "smtp.example.com", "portal@example.com"
		s.SMSURL = "https://sms.example.com/send?to={{.phone | urlquery}}"
		s.SMSBody = `{"mobile":{{json .phone}},"content":{{json .text}}}`
		s.SMSHeaders = "Content-Type: application/json\nX-Api-Key: k"
		return s
	}
	if err := good().Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		field string
		edit  func(s *MessagingSettings)
	}{
		{"smtp_port", func(s *MessagingSettings) { s.SMTPPort = 0 }},
		{"smtp_security", func(s *MessagingSettings) { s.SMTPSecurity = "ssl3" }},
		{"smtp_from", func(s *MessagingSettings) { s.SMTPFrom = "" }},
		{"smtp_from", func(s *MessagingSettings) { s.SMTPFrom = "nope" }},
		{"sms_url", func(s *MessagingSettings) { s.SMSURL = "ftp://x/{{.phone}}" }},
		{"sms_url", func(s *MessagingSettings) { s.SMSURL = "https://x/{{.mobile}}" }},
		{"sms_body", func(s *MessagingSettings) { s.SMSBody = "{{.phone" }},
		{"sms_method", func(s *MessagingSettings) { s.SMSMethod = "DELETE" }},
		{"sms_headers", func(s *MessagingSettings) { s.SMSHeaders = "no colon here" }},
		{"max_attempts", func(s *MessagingSettings) { s.MaxAttempts = 0 }},
		{"retry_seconds", func(s *MessagingSettings) { s.RetrySeconds = 99999 }},
	}
	for _, tc := range cases {
		s := good()
		tc.edit(s)
		var ve *ValidationError
		if err := s.Validate(); !errors.As(err, &ve) || !ve.Has(tc.field) {
			t.Errorf("%s: %v", tc.field, err)
		}
	}
}

func TestBackoff(t *testing.T) {
	s := &MessagingSettings{RetrySeconds: 60}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}
	for i, w := range want {
		if got := s.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := s.Backoff(40); got != 6*time.Hour {
		t.Errorf("capped: %v", got)
	}
}

func TestMessagePrefs(t *testing.T) {
	var none *MessagePrefs
	if !none.Wants(EventOrderRejected, ChannelEmail) {
		t.Error("no prefs: wants everything")
	}
	p := &MessagePrefs{OptOut: []string{"online_order.rejected/email", "online_order.rejected/inapp"}}
	if p.Wants(EventOrderRejected, ChannelEmail) || !p.Wants(EventOrderRejected, ChannelSMS) || !p.Wants(EventOrderRejected, ChannelInApp) {
		t.Error("opt-out wrong")
	}
}

// TestPersonalTemplateHasNoOtherRecipients: an invitation's template keeps
// no recipient besides its one user, whatever the admin ticked.
func TestPersonalTemplateHasNoOtherRecipients(t *testing.T) {
	m := &MessageTemplate{Event: EventUserInvited, Channels: []Channel{ChannelEmail}, ToCustomerUsers: true, ToSalesperson: true,
		DealerRoles: []Role{RoleManager}, StaffRoles: []Role{RoleAdmin}, Addresses: []string{"all@example.com"},
		SubjectZh: "邀请", SubjectEn: "Invitation", BodyZh: "{{.link}}", BodyEn: "{{.link}} {{.username}} {{.expires_at}}"}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if m.ToCustomerUsers || m.ToSalesperson || m.DealerRoles != nil || m.StaffRoles != nil || m.Addresses != nil {
		t.Fatalf("recipients kept: %+v", m)
	}
	if !FindEvent(EventUserInvited).Personal() || FindEvent(EventOrderRejected).Personal() {
		t.Fatal("Personal")
	}
}

// TestRequeueRules is the table of the admin's requeues: a delivery goes
// back to the queue unless it was sent, an outbox event only when it is
// dead; what moves starts afresh at now.
func TestRequeueRules(t *testing.T) {
	now := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
	before := now.Add(-time.Hour)
	for _, c := range []struct {
		status DeliveryStatus
		moves  bool
	}{{DeliveryPending, true}, {DeliveryDead, true}, {DeliverySent, false}} {
		d := &Delivery{Status: c.status, Attempts: 5, NextTry: before, Sending: true}
		if got := d.Retry(now); got != c.moves {
			t.Errorf("delivery %s: Retry = %v, want %v", c.status, got, c.moves)
		}
		want := Delivery{Status: c.status, Attempts: 5, NextTry: before, Sending: true}
		if c.moves {
			want = Delivery{Status: DeliveryPending, NextTry: now}
		}
		if *d != want {
			t.Errorf("delivery %s: after Retry %+v, want %+v", c.status, *d, want)
		}
	}
	for _, c := range []struct {
		status OutboxStatus
		moves  bool
	}{{OutboxDead, true}, {OutboxPending, false}, {OutboxDelivered, false}} {
		m := &OutboxMessage{Status: c.status, Attempts: 7, NextTry: before}
		if got := m.Requeue(now); got != c.moves {
			t.Errorf("outbox %s: Requeue = %v, want %v", c.status, got, c.moves)
		}
		want := OutboxMessage{Status: c.status, Attempts: 7, NextTry: before}
		if c.moves {
			want = OutboxMessage{Status: OutboxPending, NextTry: now}
		}
		if m.Status != want.Status || m.Attempts != want.Attempts || !m.NextTry.Equal(want.NextTry) {
			t.Errorf("outbox %s: after Requeue %+v, want %+v", c.status, *m, want)
		}
	}
}
