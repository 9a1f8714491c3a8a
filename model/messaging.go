package model

import (
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Channel is a way a message reaches a person (SPEC §3).
type Channel string

const (
	ChannelInApp Channel = "inapp" // the portal's own inbox (站内消息)
	ChannelEmail Channel = "email"
	ChannelSMS   Channel = "sms"
)

// Channels lists the channels in display order.
var Channels = []Channel{ChannelInApp, ChannelEmail, ChannelSMS}

// MessageTemplate (消息模板) is the admin's configuration of one event in the
// message platform (消息自定义平台): which channels it uses, who receives it
// and what they read, in both languages. Subject and Body are Go
// text/template texts over the event's named placeholders ({{.doc_number}});
// SMS sends the SMS text, or the subject when that is empty.
type MessageTemplate struct {
	Event    Event     `json:"event"`
	Channels []Channel `json:"channels,omitempty"`

	// Recipients: the event customer's users (only those holding one of
	// DealerRoles when it is not empty), the customer's salesperson, active
	// staff holding one of StaffRoles whose data scope covers the customer,
	// and fixed e-mail addresses or mobile numbers.
	ToCustomerUsers bool     `json:"to_customer_users,omitempty"`
	DealerRoles     []Role   `json:"dealer_roles,omitempty"`
	ToSalesperson   bool     `json:"to_salesperson,omitempty"`
	StaffRoles      []Role   `json:"staff_roles,omitempty"`
	Addresses       []string `json:"addresses,omitempty"`

	SubjectZh string `json:"subject_zh"`
	SubjectEn string `json:"subject_en"`
	BodyZh    string `json:"body_zh"`
	BodyEn    string `json:"body_en"`
	SMSZh     string `json:"sms_zh,omitempty"`
	SMSEn     string `json:"sms_en,omitempty"`
	Meta
}

// Enabled reports whether the template sends through channel ch.
func (m *MessageTemplate) Enabled(ch Channel) bool { return slices.Contains(m.Channels, ch) }

// Texts returns the subject, body and SMS text templates for lang ("zh" or
// "en"; anything else gets Chinese).
func (m *MessageTemplate) Texts(lang string) (subject, body, sms string) {
	if lang == "en" {
		return m.SubjectEn, m.BodyEn, m.SMSEn
	}
	return m.SubjectZh, m.BodyZh, m.SMSZh
}

// TemplateFields are the form fields of the six texts, in order.
var TemplateFields = []string{"subject_zh", "subject_en", "body_zh", "body_en", "sms_zh", "sms_en"}

func (m *MessageTemplate) text(field string) *string {
	switch field {
	case "subject_zh":
		return &m.SubjectZh
	case "subject_en":
		return &m.SubjectEn
	case "body_zh":
		return &m.BodyZh
	case "body_en":
		return &m.BodyEn
	case "sms_zh":
		return &m.SMSZh
	case "sms_en":
		return &m.SMSEn
	}
	return nil
}

// Validate checks the template against its event: a known event, known
// channels and roles, well-formed fixed addresses, both subjects and bodies
// present, and every text a template that parses and names only the event's
// placeholders. A bad text is refused with its line and the reason.
func (m *MessageTemplate) Validate() error {
	v := &ValidationError{}
	def := FindEvent(m.Event)
	if def == nil {
		v.Add("event", "err.choice", nil)
		return v.Err()
	}
	for _, ch := range m.Channels {
		if !slices.Contains(Channels, ch) {
			v.Add("channels", "err.choice", nil)
		}
	}
	for _, r := range m.DealerRoles {
		if !slices.Contains(DealerRoles, r) {
			v.Add("dealer_roles", "err.role_invalid", nil)
		}
	}
	for _, r := range m.StaffRoles {
		if !slices.Contains(StaffRoles, r) {
			v.Add("staff_roles", "err.role_invalid", nil)
		}
	}
	if def.Personal() {
		// A personal message carries its user's secret: nobody else may be
		// set to receive it.
		m.ToCustomerUsers, m.DealerRoles, m.ToSalesperson, m.StaffRoles, m.Addresses = false, nil, false, nil, nil
	}
	var addrs []string
	for _, a := range m.Addresses {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if !ValidAddress(a) {
			v.Add("addresses", "err.address", map[string]any{"value": a})
		}
		addrs = append(addrs, a)
	}
	m.Addresses = addrs
	allowed := def.AllPlaceholders()
	for _, f := range TemplateFields {
		p := m.text(f)
		*p = strings.TrimSpace(strings.ReplaceAll(*p, "\r\n", "\n"))
		if *p == "" {
			if !strings.HasPrefix(f, "sms_") {
				v.Add(f, "err.required", nil)
			}
			continue
		}
		if err := CheckTemplate(f, *p, allowed); err != nil {
			v.Add(f, err.Key, err.Args)
		}
	}
	if len([]rune(m.SubjectZh)) > 200 || len([]rune(m.SubjectEn)) > 200 {
		v.Add("subject_zh", "err.too_long", map[string]any{"max": 200})
	}
	return v.Err()
}

var phoneAddrRe = regexp.MustCompile(`^\+?[0-9][0-9 -]{5,19}$`)

// ValidAddress reports whether a is an e-mail address or a mobile number,
// the two kinds of fixed recipient.
func ValidAddress(a string) bool {
	if strings.Contains(a, "@") {
		addr, err := mail.ParseAddress(a)
		return err == nil && addr.Address == a
	}
	return phoneAddrRe.MatchString(a)
}

// AllPlaceholders returns the event's own placeholders followed by the
// common ones.
func (d *EventDef) AllPlaceholders() []string {
	out := append([]string(nil), d.Placeholders...)
	for _, p := range CommonPlaceholders {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// DeliveryStatus is where one delivery stands.
type DeliveryStatus string

const (
	DeliveryPending DeliveryStatus = "pending"
	DeliverySent    DeliveryStatus = "sent"
	DeliveryDead    DeliveryStatus = "dead"
)

// DeliveryStatuses lists them in display order.
var DeliveryStatuses = []DeliveryStatus{DeliveryPending, DeliverySent, DeliveryDead}

// Delivery is one message to one recipient through one channel, made from an
// outbox event by the message platform. Its ID is the message's identity:
// the in-app message carries it (so it is written once), and e-mails carry it
// in their Message-ID (so a resend after a crash is recognisable).
type Delivery struct {
	ID         uint64         `json:"id"`
	OutboxID   uint64         `json:"outbox_id"`
	Event      Event          `json:"event"`
	Channel    Channel        `json:"channel"`
	UserID     uint64         `json:"user_id,omitempty"` // 0 for a fixed address
	To         string         `json:"to"`                // e-mail address, mobile number, or username for in-app
	Lang       string         `json:"lang"`
	Subject    string         `json:"subject"`
	Body       string         `json:"body"`
	Link       string         `json:"link,omitempty"`
	CustomerID uint64         `json:"customer_id,omitempty"`
	DocNumber  string         `json:"doc_number,omitempty"`
	Status     DeliveryStatus `json:"status"`
	Attempts   int            `json:"attempts,omitempty"`
	NextTry    time.Time      `json:"next_try"`
	LastError  string         `json:"last_error,omitempty"`
	// ErrorKind says in words why the last attempt failed (LastError is
	// the server's own text, for the technical detail).
	ErrorKind SendErrorKind `json:"error_kind,omitempty"`
	// Sending is set just before an e-mail or SMS is handed to the server and
	// cleared with the result: found set at start-up, it means the process
	// stopped in between and the message may already have gone out.
	Sending   bool      `json:"sending,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at,omitempty"`
}

// InboxMessage (站内消息) is one in-app message in a user's inbox. Its ID is
// the delivery's.
type InboxMessage struct {
	ID        uint64    `json:"id"`
	UserID    uint64    `json:"user_id"`
	Event     Event     `json:"event"`
	Subject   string    `json:"subject"`
	Body      string    `json:"body"`
	Link      string    `json:"link,omitempty"`
	DocNumber string    `json:"doc_number,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ReadAt    time.Time `json:"read_at,omitempty"`
}

// MessagePrefs are one user's opt-outs: the e-mails and SMS the user does not
// want, per event. In-app messages cannot be turned off.
type MessagePrefs struct {
	UserID uint64 `json:"user_id"`
	// OptOut holds "event/channel" pairs.
	OptOut []string `json:"opt_out,omitempty"`
}

// Wants reports whether the user accepts messages of event e through ch.
func (p *MessagePrefs) Wants(e Event, ch Channel) bool {
	return p == nil || ch == ChannelInApp || !slices.Contains(p.OptOut, string(e)+"/"+string(ch))
}

// SMTP connection security.
const (
	SMTPStartTLS = "starttls"
	SMTPTLS      = "tls" // implicit TLS, usually port 465
	SMTPNone     = "none"
)

// MessagingSettings are the message platform's settings: the SMTP server,
// the SMS gateway and the retry policy. They are kept apart from the
// enterprise Settings because they hold a secret (the SMTP password, never
// shown back) and change for other reasons.
type MessagingSettings struct {
	SMTPHost     string `json:"smtp_host" validate:"max=200"`
	SMTPPort     int    `json:"smtp_port"`
	SMTPSecurity string `json:"smtp_security"`
	SMTPUser     string `json:"smtp_user" validate:"max=200"`
	SMTPPassword string `json:"smtp_password" validate:"max=200"`
	SMTPFrom     string `json:"smtp_from" validate:"omitempty,email,max=200"`
	SMTPFromName string `json:"smtp_from_name" validate:"max=100"`

	// The SMS gateway: an HTTP request per message. URL and Body are
	// text/templates over {{.phone}} and {{.text}} (with the functions
	// urlquery and json for escaping); Headers holds "Name: value" lines; a
	// 2xx answer counts as sent, and when Success is set the answer's body
	// must contain it too (many providers answer 200 with an error code).
	SMSURL     string `json:"sms_url" validate:"max=1000"`
	SMSMethod  string `json:"sms_method"`
	SMSHeaders string `json:"sms_headers" validate:"max=4000"`
	SMSBody    string `json:"sms_body" validate:"max=4000"`
	SMSSuccess string `json:"sms_success" validate:"max=200"`

	// MaxAttempts is how many times a delivery is tried before it is
	// dead-lettered; RetrySeconds the first retry delay, doubled each time.
	MaxAttempts  int `json:"max_attempts"`
	RetrySeconds int `json:"retry_seconds"`
	Meta
}

// DefaultMessagingSettings: no SMTP server or SMS gateway yet (those channels
// are off until configured), 8 attempts starting one minute apart.
func DefaultMessagingSettings() *MessagingSettings {
	return &MessagingSettings{SMTPPort: 587, SMTPSecurity: SMTPStartTLS, SMSMethod: "POST", MaxAttempts: 8, RetrySeconds: 60}
}

// EmailReady reports whether e-mail can be sent.
func (s *MessagingSettings) EmailReady() bool { return s.SMTPHost != "" && s.SMTPFrom != "" }

// SMSReady reports whether SMS can be sent.
func (s *MessagingSettings) SMSReady() bool { return s.SMSURL != "" }

// Backoff is the delay before attempt n+1 after n failed attempts: the retry
// delay doubled per attempt, at most six hours.
func (s *MessagingSettings) Backoff(n int) time.Duration {
	d := time.Duration(max(s.RetrySeconds, 1)) * time.Second
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// SMSPlaceholders are what the SMS gateway's URL and body templates may use.
var SMSPlaceholders = []string{"phone", "text"}

// Validate checks the settings; the SMS URL and body must be templates over
// SMSPlaceholders.
func (s *MessagingSettings) Validate() error {
	trimAll(&s.SMTPHost, &s.SMTPUser, &s.SMTPFrom, &s.SMTPFromName, &s.SMSURL, &s.SMSSuccess)
	s.SMSMethod = strings.ToUpper(strings.TrimSpace(s.SMSMethod))
	v := &ValidationError{}
	checkTags(s, v)
	if s.SMTPPort < 1 || s.SMTPPort > 65535 {
		v.Add("smtp_port", "err.port", nil)
	}
	if !slices.Contains([]string{SMTPStartTLS, SMTPTLS, SMTPNone}, s.SMTPSecurity) {
		v.Add("smtp_security", "err.choice", nil)
	}
	if s.SMTPHost != "" && s.SMTPFrom == "" {
		v.Add("smtp_from", "err.required", nil)
	}
	if s.SMSURL != "" {
		if err := CheckTemplate("sms_url", s.SMSURL, SMSPlaceholders); err != nil {
			v.Add("sms_url", err.Key, err.Args)
		} else if u, err := url.Parse(strings.SplitN(s.SMSURL, "{{", 2)[0]); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.Add("sms_url", "err.url", nil)
		}
	}
	if !slices.Contains([]string{"GET", "POST", "PUT"}, s.SMSMethod) {
		v.Add("sms_method", "err.choice", nil)
	}
	if s.SMSBody != "" {
		if err := CheckTemplate("sms_body", s.SMSBody, SMSPlaceholders); err != nil {
			v.Add("sms_body", err.Key, err.Args)
		}
	}
	for _, line := range strings.Split(s.SMSHeaders, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			if name, _, ok := strings.Cut(line, ":"); !ok || strings.TrimSpace(name) == "" || strings.ContainsAny(name, " \t") {
				v.Add("sms_headers", "err.header", map[string]any{"value": line})
			}
		}
	}
	if s.MaxAttempts < 1 || s.MaxAttempts > 50 {
		v.Add("max_attempts", "err.range", map[string]any{"min": 1, "max": 50})
	}
	if s.RetrySeconds < 1 || s.RetrySeconds > 3600 {
		v.Add("retry_seconds", "err.range", map[string]any{"min": 1, "max": 3600})
	}
	return v.Err()
}

// Retry puts a delivery back in the queue to be tried at now with a fresh
// count of attempts (the admin's retry); a sent one is left alone, and
// Retry reports whether it changed anything.
func (d *Delivery) Retry(now time.Time) bool {
	if d.Status == DeliverySent {
		return false
	}
	d.Status, d.Attempts, d.NextTry, d.Sending = DeliveryPending, 0, now, false
	return true
}
