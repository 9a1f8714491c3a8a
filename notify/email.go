package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"

	"dealerportal/model"
)

// Email is one plain-text message to one address.
type Email struct {
	To, Subject, Body string
	// MessageID is the Message-ID header, "<…@…>"; empty makes one up.
	MessageID string
	// Date is the Date header: the store clock's instant, shown with the
	// enterprise zone's offset. Zero: the Date header is left to the relay
	// (RFC 5321 lets it add one) rather than read the host's clock and zone.
	Date time.Time
}

// Mailer sends an e-mail with the given settings.
type Mailer interface {
	Send(ctx context.Context, s *model.MessagingSettings, e *Email) error
}

// SMTP sends e-mail with the standard library's SMTP client: STARTTLS,
// implicit TLS or a plain connection, PLAIN authentication when a user is
// set (the client refuses to send a password over an unencrypted connection
// except to localhost), UTF-8 subject and body.
type SMTP struct {
	// TLSConfig overrides the TLS settings (tests trust their own
	// certificate); nil verifies the server against the system roots.
	TLSConfig *tls.Config
}

// Send delivers e within ctx's deadline (30 s when it has none). A failure
// to connect at all is a *TransportError. Every error carries its kind (a
// *SendError: model.SendErrorKindOf reads it).
func (m *SMTP) Send(ctx context.Context, s *model.MessagingSettings, e *Email) error {
	if !s.EmailReady() {
		return &SendError{model.SendErrConfig, errors.New("smtp: no server configured")}
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(30 * time.Second)
	}
	addr := net.JoinHostPort(s.SMTPHost, strconv.Itoa(s.SMTPPort))
	tlsConf := m.TLSConfig
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: s.SMTPHost, MinVersion: tls.VersionTLS12}
	}
	dialer := &net.Dialer{Timeout: min(10*time.Second, time.Until(deadline))}
	var conn net.Conn
	var err error
	if s.SMTPSecurity == model.SMTPTLS {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: tlsConf}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return &TransportError{sendErr(model.SendErrConnect, fmt.Errorf("smtp: connect %s: %w", addr, err))}
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.SMTPHost)
	if err != nil {
		conn.Close()
		return &TransportError{sendErr(model.SendErrConnect, fmt.Errorf("smtp: greeting from %s: %w", addr, err))}
	}
	defer c.Close()
	if s.SMTPSecurity == model.SMTPStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return &SendError{model.SendErrTLS, errors.New("smtp: the server does not offer STARTTLS (choose another security setting)")}
		}
		if err := c.StartTLS(tlsConf); err != nil {
			return &TransportError{sendErr(model.SendErrTLS, fmt.Errorf("smtp: starttls: %w", err))}
		}
	}
	if s.SMTPUser != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return &SendError{model.SendErrAuth, errors.New("smtp: the server does not offer authentication")}
		}
		if err := c.Auth(smtp.PlainAuth("", s.SMTPUser, s.SMTPPassword, s.SMTPHost)); err != nil {
			return sendErr(model.SendErrAuth, fmt.Errorf("smtp: auth: %w", err))
		}
	}
	if err := c.Mail(s.SMTPFrom); err != nil {
		return sendErr(model.SendErrSender, fmt.Errorf("smtp: MAIL FROM: %w", err))
	}
	if err := c.Rcpt(e.To); err != nil {
		return sendErr(model.SendErrRecipient, fmt.Errorf("smtp: RCPT TO %s: %w", e.To, err))
	}
	wc, err := c.Data()
	if err != nil {
		return sendErr(model.SendErrRejected, fmt.Errorf("smtp: DATA: %w", err))
	}
	if _, err := wc.Write(BuildMessage(s, e)); err != nil {
		return sendErr(model.SendErrRejected, fmt.Errorf("smtp: write: %w", err))
	}
	if err := wc.Close(); err != nil {
		return sendErr(model.SendErrRejected, fmt.Errorf("smtp: end of data: %w", err))
	}
	_ = c.Quit()
	return nil
}

// BuildMessage renders e as an RFC 5322 message: UTF-8 headers encoded as
// RFC 2047 words, the body base64-encoded plain text; Date from e.Date.
func BuildMessage(s *model.MessagingSettings, e *Email) []byte {
	var b bytes.Buffer
	from := (&mail.Address{Name: s.SMTPFromName, Address: s.SMTPFrom}).String()
	mid := e.MessageID
	if mid == "" {
		mid = fmt.Sprintf("<%s@%s>", rand.Text(), domainOf(s.SMTPFrom))
	}
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from)
	header("To", (&mail.Address{Address: e.To}).String())
	header("Subject", mime.BEncoding.Encode("utf-8", strings.ReplaceAll(e.Subject, "\n", " ")))
	if !e.Date.IsZero() {
		header("Date", e.Date.Format(time.RFC1123Z))
	}
	header("Message-ID", mid)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "base64")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	body := strings.ReplaceAll(e.Body, "\r\n", "\n")
	body = strings.ReplaceAll(body, "\n", "\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

func domainOf(addr string) string {
	if _, d, ok := strings.Cut(addr, "@"); ok && d != "" {
		return d
	}
	return "dealer-portal.local"
}
