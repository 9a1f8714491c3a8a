package notify

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"dealerportal/model"

	"github.com/emersion/go-smtp"
)

// refusingSession is an SMTP session that refuses one sender or one
// recipient address.
type refusingSession struct{ from, to string }

func (s *refusingSession) Mail(from string, _ *smtp.MailOptions) error {
	if from == s.from {
		return &smtp.SMTPError{Code: 553, Message: "sender address rejected"}
	}
	return nil
}
func (s *refusingSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == s.to {
		return &smtp.SMTPError{Code: 550, Message: "mailbox unavailable"}
	}
	return nil
}
func (s *refusingSession) Data(r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }
func (s *refusingSession) Reset()                 {}
func (s *refusingSession) Logout() error          { return nil }

func startRefusingSMTP(t *testing.T, from, to string) string {
	t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &refusingSession{from, to}, nil }))
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// closedPort is an address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func smtpSettings(addr, security, user, pw, from string) *model.MessagingSettings {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return &model.MessagingSettings{SMTPHost: host, SMTPPort: p, SMTPSecurity: security, SMTPUser: user, SMTPPassword: pw, SMTPFrom: from}
}

// TestSMTPErrorKinds: each way an e-mail fails carries the kind the screens
// translate: not set up, refused connection, no answer, TLS against a plain
// server, STARTTLS not offered, a wrong password, a refused sender, a
// refused recipient.
func TestSMTPErrorKinds(t *testing.T) {
	plain := startSMTP(t, "127.0.0.1:0", "", "")
	authed := startSMTP(t, "127.0.0.1:0", "portal", "right")
	refusing := startRefusingSMTP(t, "bad@corp.example.com", "nobody@example.com")
	for _, tc := range []struct {
		name    string
		s       *model.MessagingSettings
		to      string
		timeout time.Duration
		want    model.SendErrorKind
		down    bool // a *TransportError: the server was not reached
	}{
		{"not configured", &model.MessagingSettings{}, "a@example.com", 0, model.SendErrConfig, false},
		{"connection refused", smtpSettings(closedPort(t), model.SMTPNone, "", "", "portal@corp.example.com"), "a@example.com", 0, model.SendErrConnect, true},
		{"unknown host", &model.MessagingSettings{SMTPHost: "no-such-host.invalid", SMTPPort: 25, SMTPSecurity: model.SMTPNone, SMTPFrom: "p@corp.example.com"}, "a@example.com", 0, model.SendErrConnect, true},
		{"no answer", smtpSettings(hangingSMTP(t), model.SMTPNone, "", "", "portal@corp.example.com"), "a@example.com", 300 * time.Millisecond, model.SendErrTimeout, true},
		{"TLS to a plain server", smtpSettings(plain.addr, model.SMTPTLS, "", "", "portal@corp.example.com"), "a@example.com", 0, model.SendErrTLS, true},
		{"STARTTLS not offered", smtpSettings(plain.addr, model.SMTPStartTLS, "", "", "portal@corp.example.com"), "a@example.com", 0, model.SendErrTLS, false},
		{"wrong password", smtpSettings(authed.addr, model.SMTPNone, "portal", "wrong", "portal@corp.example.com"), "a@example.com", 0, model.SendErrAuth, false},
		{"login not offered", smtpSettings(plain.addr, model.SMTPNone, "portal", "right", "portal@corp.example.com"), "a@example.com", 0, model.SendErrAuth, false},
		{"sender refused", smtpSettings(refusing, model.SMTPNone, "", "", "bad@corp.example.com"), "a@example.com", 0, model.SendErrSender, false},
		{"recipient refused", smtpSettings(refusing, model.SMTPNone, "", "", "portal@corp.example.com"), "nobody@example.com", 0, model.SendErrRecipient, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			err := (&SMTP{}).Send(ctx, tc.s, &Email{To: tc.to, Subject: "s", Body: "b"})
			if err == nil {
				t.Fatal("sent")
			}
			if got := model.SendErrorKindOf(err); got != tc.want {
				t.Errorf("kind %q, want %q (%v)", got, tc.want, err)
			}
			var te *TransportError
			if errors.As(err, &te) != tc.down {
				t.Errorf("transport error %v, want %v (%v)", !tc.down, tc.down, err)
			}
			// Recorded before kinds were, the text alone says the same.
			if got := model.GuessSendErrorKind(err.Error()); got != tc.want {
				t.Errorf("guessed %q from %q, want %q", got, err.Error(), tc.want)
			}
		})
	}
	// And a good send carries no kind.
	if err := (&SMTP{}).Send(context.Background(), smtpSettings(plain.addr, model.SMTPNone, "", "", "portal@corp.example.com"), &Email{To: "a@example.com", Subject: "s", Body: "b"}); err != nil || model.SendErrorKindOf(err) != "" {
		t.Errorf("good send: %v", err)
	}
}

// TestSMSErrorKinds: the gateway's error answers, an unreachable gateway and
// an unusable URL template carry their kinds.
func TestSMSErrorKinds(t *testing.T) {
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("to") == "13900000000" {
			w.Write([]byte(`{"code":"E-BALANCE"}`))
			return
		}
		http.Error(w, "bad key", http.StatusForbidden)
	}))
	defer gw.Close()
	for _, tc := range []struct {
		name, url, success, phone string
		want                      model.SendErrorKind
	}{
		{"not configured", "", "", "13800000000", model.SendErrConfig},
		{"bad template", gw.URL + "/?to={{.phone", "", "13800000000", model.SendErrConfig},
		{"refused", "http://" + closedPort(t) + "/?to={{urlquery .phone}}", "", "13800000000", model.SendErrConnect},
		{"error status", gw.URL + "/?to={{urlquery .phone}}", "", "13800000000", model.SendErrGateway},
		{"no success marker", gw.URL + "/?to={{urlquery .phone}}", `"code":"OK"`, "13900000000", model.SendErrGateway},
	} {
		s := &model.MessagingSettings{SMSURL: tc.url, SMSMethod: http.MethodGet, SMSSuccess: tc.success}
		err := (&Gateway{}).Send(context.Background(), s, tc.phone, "文本")
		if got := model.SendErrorKindOf(err); got != tc.want {
			t.Errorf("%s: kind %q, want %q (%v)", tc.name, got, tc.want, err)
		}
	}
}
