package notify

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/kv/pgtest"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// --- an SMTP server in the test process ---

type received struct {
	From string
	To   []string
	Data []byte
}

// header decodes one header of the received message (RFC 2047 words too).
func (r received) header(name string) string {
	m, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		return ""
	}
	v, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get(name))
	if err != nil {
		return m.Header.Get(name)
	}
	return v
}

// body decodes the base64 body.
func (r received) body() string {
	m, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		return ""
	}
	raw, _ := io.ReadAll(m.Body)
	dec, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
	if err != nil {
		return string(raw)
	}
	return string(dec)
}

type smtpServer struct {
	mu       sync.Mutex
	msgs     []received
	user, pw string // required credentials; empty: no AUTH
	authed   int
	srv      *smtp.Server
	addr     string
}

type smtpSession struct {
	s   *smtpServer
	cur received
	ok  bool
}

func (s *smtpSession) AuthMechanisms() []string {
	if s.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.s.user || password != s.s.pw {
			return errors.New("invalid credentials")
		}
		s.ok = true
		s.s.mu.Lock()
		s.s.authed++
		s.s.mu.Unlock()
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.s.user != "" && !s.ok {
		return &smtp.SMTPError{Code: 530, Message: "authentication required"}
	}
	s.cur = received{From: from}
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = b
	s.s.mu.Lock()
	s.s.msgs = append(s.s.msgs, s.cur)
	s.s.mu.Unlock()
	return nil
}
func (s *smtpSession) Reset()        { s.cur = received{} }
func (s *smtpSession) Logout() error { return nil }

// startSMTP serves on addr ("127.0.0.1:0" for any port) until the test ends.
func startSMTP(t *testing.T, addr, user, pw string) *smtpServer {
	t.Helper()
	s := &smtpServer{user: user, pw: pw}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *smtpServer) to(addr string) []received {
	var out []received
	for _, m := range s.received() {
		for _, r := range m.To {
			if r == addr {
				out = append(out, m)
			}
		}
	}
	return out
}

// --- the fixture ---

var testNow = time.Date(2026, 4, 1, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai

type env struct {
	t     *testing.T
	path  string // the database: a file or a PostgreSQL URL (pgtest.DSN)
	st    *store.Store
	now   time.Time
	cust  *model.Customer
	other *model.Customer
	users map[string]*model.User
	logs  *bytes.Buffer
}

func openAt(t *testing.T, path string, now *time.Time) *store.Store {
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	st.SetClock(func() time.Time { return *now })
	return st
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, path: pgtest.DSN(t, "n.db"), now: testNow, users: map[string]*model.User{}, logs: &bytes.Buffer{}}
	e.st = openAt(t, e.path, &e.now)
	t.Cleanup(func() { e.st.Close() })
	var east, south uint64
	e.update(func(tx *store.Tx) error {
		for _, o := range []*model.OrgUnit{{Code: "HQ", Name: "总部"}} {
			if err := tx.SaveOrgUnit(o); err != nil {
				return err
			}
		}
		hq := tx.OrgUnits()[0].ID
		ea := &model.OrgUnit{Code: "EAST", Name: "华东", ParentID: hq}
		so := &model.OrgUnit{Code: "SOUTH", Name: "华南", ParentID: hq}
		if err := tx.SaveOrgUnit(ea); err != nil {
			return err
		}
		if err := tx.SaveOrgUnit(so); err != nil {
			return err
		}
		east, south = ea.ID, so.ID
		return nil
	})
	e.update(func(tx *store.Tx) error {
		staff := func(name string, role model.Role, org uint64, email string) *model.User {
			u := &model.User{Username: name, Name: "员工" + name, Kind: model.KindStaff, Roles: []model.Role{role}, OrgUnitID: org,
				ScopeMode: model.ScopeOrg, ScopeOrgs: []uint64{org}, Email: email, PasswordHash: "x"}
			if err := tx.SaveUser(store.AdminScope(), u); err != nil {
				t.Fatal(err)
			}
			e.users[name] = u
			return u
		}
		sales := staff("east.sales", model.RoleSales, east, "east.sales@corp.example.com")
		staff("east.fin", model.RoleFinance, east, "east.fin@corp.example.com")
		staff("south.fin", model.RoleFinance, south, "south.fin@corp.example.com")
		e.cust = &model.Customer{Code: "C1", Name: "上海机电", OrgUnitID: east, SalespersonID: sales.ID, Status: model.CustomerActive}
		e.other = &model.Customer{Code: "C2", Name: "广州五金", OrgUnitID: south, Status: model.CustomerActive}
		for _, c := range []*model.Customer{e.cust, e.other} {
			if err := tx.SaveCustomer(store.AdminScope(), c); err != nil {
				return err
			}
		}
		dealer := func(name, lang, email, mobile string, c *model.Customer, role model.Role) {
			u := &model.User{Username: name, Name: name, Kind: model.KindDealer, Roles: []model.Role{role}, CustomerID: c.ID,
				Lang: lang, Email: email, Mobile: mobile, PasswordHash: "x"}
			if err := tx.SaveUser(store.AdminScope(), u); err != nil {
				t.Fatal(err)
			}
			e.users[name] = u
		}
		dealer("c1.zh", "zh", "zh@c1.example.com", "13800000001", e.cust, model.RoleManager)
		dealer("c1.en", "en", "en@c1.example.com", "13800000002", e.cust, model.RoleBuyer)
		dealer("c1.quiet", "zh", "quiet@c1.example.com", "", e.cust, model.RoleBuyer)
		dealer("c2.zh", "zh", "zh@c2.example.com", "13800000009", e.other, model.RoleManager)
		return tx.SaveMessagePrefs(&model.MessagePrefs{UserID: e.users["c1.quiet"].ID, OptOut: []string{"online_order.rejected/email"}})
	})
	return e
}

func (e *env) update(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.st.Update("tester", fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) worker() *Worker {
	return &Worker{Store: e.st, BaseURL: "https://portal.example.com", Log: slog.New(slog.NewTextHandler(e.logs, nil)), SendTimeout: 5 * time.Second}
}

// useSMTP points the settings at addr (no TLS), with optional credentials.
func (e *env) useSMTP(addr, user, pw string, attempts int) {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	e.update(func(tx *store.Tx) error {
		s := tx.MessagingSettings()
		s.SMTPHost, s.SMTPPort, s.SMTPSecurity, s.SMTPFrom, s.SMTPFromName = host, p, model.SMTPNone, "portal@corp.example.com", "华信门户"
		s.SMTPUser, s.SMTPPassword = user, pw
		s.MaxAttempts, s.RetrySeconds = attempts, 60
		return tx.SaveMessagingSettings(s)
	})
}

func (e *env) template(m *model.MessageTemplate) {
	e.update(func(tx *store.Tx) error { return tx.SaveMessageTemplate(m) })
}

func rejectedTemplate() *model.MessageTemplate {
	return &model.MessageTemplate{Event: model.EventOrderRejected, Channels: []model.Channel{model.ChannelInApp, model.ChannelEmail},
		ToCustomerUsers: true, StaffRoles: []model.Role{model.RoleFinance}, Addresses: []string{"orders@c1.example.com"},
		SubjectZh: "订单 {{.doc_number}} 已被驳回", SubjectEn: "Order {{.doc_number}} was rejected",
		BodyZh: "{{.customer_name}}：\n您的{{.doc_type}} {{.doc_number}} 已被 {{.actor}} 驳回。\n原因：{{.reason}}\n{{.link}}",
		BodyEn: "Dear {{.customer_name}},\nyour {{.doc_type}} {{.doc_number}} was rejected by {{.actor}}.\nReason: {{.reason}}\n{{.link}}"}
}

func (e *env) emit(m *model.OutboxMessage) {
	e.update(func(tx *store.Tx) error { return tx.Emit(m) })
}

func (e *env) emitRejected(n int) {
	e.update(func(tx *store.Tx) error {
		for i := 0; i < n; i++ {
			m := &model.OutboxMessage{Event: model.EventOrderRejected, CustomerID: e.cust.ID, DocType: model.DocOnlineOrder, DocID: uint64(i + 1),
				DocNumber: "OO-2026-00000" + strconv.Itoa(i+1), Actor: "east.sales",
				Params: map[string]string{"reason_zh": "价格有误", "reason_en": "wrong price", "link": "/online-orders/" + strconv.Itoa(i+1)}}
			if err := tx.Emit(m); err != nil {
				return err
			}
		}
		return nil
	})
}

func (e *env) inbox(user string) []*model.InboxMessage {
	var out []*model.InboxMessage
	_ = e.st.View(func(tx *store.Tx) (err error) {
		out, _, err = tx.Inbox(e.users[user].ID, false, store.Page{})
		return
	})
	return out
}

func (e *env) deliveries(f store.DeliveryFilter) []*model.Delivery {
	var out []*model.Delivery
	_ = e.st.View(func(tx *store.Tx) (err error) { out, _, err = tx.ListDeliveries(f, store.Page{}); return })
	return out
}

func run(t *testing.T, w *Worker) {
	t.Helper()
	if err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestEmailContentAndRecipients: one event reaches the customer's users in
// their own language (in-app and e-mail, minus an opt-out), the finance
// staff whose scope covers the customer (not the one outside it), and a
// fixed address; the actor gets nothing; placeholders are filled.
func TestEmailContentAndRecipients(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t, "127.0.0.1:0", "portal", "s3cret")
	e.useSMTP(srv.addr, "portal", "s3cret", 5)
	e.template(rejectedTemplate())
	e.emitRejected(1)
	run(t, e.worker())

	zh := srv.to("zh@c1.example.com")
	en := srv.to("en@c1.example.com")
	if len(zh) != 1 || len(en) != 1 {
		t.Fatalf("zh %d, en %d e-mails; all: %d", len(zh), len(en), len(srv.received()))
	}
	if got := zh[0].header("Subject"); got != "订单 OO-2026-000001 已被驳回" {
		t.Errorf("zh subject %q", got)
	}
	if got := zh[0].body(); !strings.Contains(got, "上海机电：") || !strings.Contains(got, "您的网上订货单 OO-2026-000001 已被 员工east.sales 驳回。") ||
		!strings.Contains(got, "原因：价格有误") || !strings.Contains(got, "https://portal.example.com/online-orders/1") {
		t.Errorf("zh body %q", got)
	}
	if got := en[0].header("Subject"); got != "Order OO-2026-000001 was rejected" {
		t.Errorf("en subject %q", got)
	}
	if got := en[0].body(); !strings.Contains(got, "your online order OO-2026-000001 was rejected by 员工east.sales.") || !strings.Contains(got, "Reason: wrong price") {
		t.Errorf("en body %q", got)
	}
	if from := zh[0].header("From"); from != "华信门户 <portal@corp.example.com>" || zh[0].From != "portal@corp.example.com" {
		t.Errorf("from %q / %q", from, zh[0].From)
	}
	if !strings.HasPrefix(zh[0].header("Message-ID"), "<delivery-") {
		t.Errorf("message id %q", zh[0].header("Message-ID"))
	}
	// The Date header is the store clock's instant with the enterprise
	// zone's offset, whatever the host's clock and zone.
	if got := zh[0].header("Date"); got != "Wed, 01 Apr 2026 10:00:00 +0800" {
		t.Errorf("date %q", got)
	}
	if len(srv.to("quiet@c1.example.com")) != 0 {
		t.Error("opted-out user got an e-mail")
	}
	if len(srv.to("east.fin@corp.example.com")) != 1 || len(srv.to("south.fin@corp.example.com")) != 0 {
		t.Error("staff role recipients ignore the data scope")
	}
	if len(srv.to("east.sales@corp.example.com")) != 0 {
		t.Error("the actor was told about their own action")
	}
	if len(srv.to("orders@c1.example.com")) != 1 || len(srv.to("zh@c2.example.com")) != 0 {
		t.Error("fixed address / other customer wrong")
	}
	if n := len(srv.received()); n != 4 {
		t.Errorf("%d e-mails, want 4", n)
	}
	if srv.authed == 0 {
		t.Error("no SMTP AUTH")
	}
	// In-app: every user of the customer, in their language, opt-out or not.
	for user, want := range map[string]string{"c1.zh": "订单 OO-2026-000001 已被驳回", "c1.en": "Order OO-2026-000001 was rejected", "c1.quiet": "订单 OO-2026-000001 已被驳回"} {
		in := e.inbox(user)
		if len(in) != 1 || in[0].Subject != want || in[0].Link != "/online-orders/1" || !in[0].ReadAt.IsZero() {
			t.Errorf("%s inbox %+v", user, in)
		}
	}
	if len(e.inbox("c2.zh")) != 0 {
		t.Error("another customer's user got the message")
	}
	// Running again sends nothing more.
	run(t, e.worker())
	if n := len(srv.received()); n != 4 {
		t.Errorf("after a second run: %d e-mails", n)
	}
	if got := e.deliveries(store.DeliveryFilter{Status: model.DeliverySent}); len(got) != 8 {
		t.Errorf("%d sent deliveries, want 8 (4 in-app, 4 e-mail)", len(got))
	}
}

// TestServerDownThenUp: with the server down the e-mail waits (the attempt
// is recorded with its error); once the server is up it is delivered once.
func TestServerDownThenUp(t *testing.T) {
	e := newEnv(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nobody listens: connection refused
	e.useSMTP(addr, "", "", 5)
	tpl := rejectedTemplate()
	tpl.ToCustomerUsers, tpl.StaffRoles, tpl.Addresses = false, nil, []string{"orders@c1.example.com"}
	e.template(tpl)
	e.emitRejected(1)
	w := e.worker()
	run(t, w)
	ds := e.deliveries(store.DeliveryFilter{Channel: model.ChannelEmail})
	if len(ds) != 1 || ds[0].Status != model.DeliveryPending || ds[0].Attempts != 1 || ds[0].LastError == "" || !ds[0].NextTry.Equal(e.now.Add(time.Minute)) {
		t.Fatalf("after a failed attempt: %+v", ds)
	}
	// Not due yet: nothing is tried.
	srv := startSMTP(t, addr, "", "")
	run(t, w)
	if len(srv.received()) != 0 {
		t.Fatal("retried before its time")
	}
	e.now = e.now.Add(time.Minute)
	run(t, w)
	run(t, w)
	if got := srv.to("orders@c1.example.com"); len(got) != 1 {
		t.Fatalf("delivered %d times", len(got))
	}
	ds = e.deliveries(store.DeliveryFilter{Channel: model.ChannelEmail})
	if ds[0].Status != model.DeliverySent || ds[0].Attempts != 2 || ds[0].LastError != "" {
		t.Errorf("after delivery: %+v", ds[0])
	}
	if !strings.Contains(e.logs.String(), "will retry") || !strings.Contains(e.logs.String(), "messages: sent") {
		t.Errorf("log: %s", e.logs)
	}
}

// TestDeadLetterAndRetry: after the last attempt a delivery is dead with its
// error; the admin's retry puts it back and it goes out.
func TestDeadLetterAndRetry(t *testing.T) {
	e := newEnv(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	e.useSMTP(addr, "", "", 2)
	tpl := rejectedTemplate()
	tpl.StaffRoles, tpl.Addresses = nil, nil
	e.template(tpl)
	e.emitRejected(1)
	w := e.worker()
	for i := 0; i < 4; i++ {
		run(t, w)
		e.now = e.now.Add(time.Hour)
	}
	dead := e.deliveries(store.DeliveryFilter{Status: model.DeliveryDead})
	if len(dead) != 2 || dead[0].Attempts != 2 || !strings.Contains(dead[0].LastError, "connect") {
		t.Fatalf("dead = %+v", dead)
	}
	srv := startSMTP(t, addr, "", "")
	e.update(func(tx *store.Tx) error {
		_, err := tx.RetryDelivery(dead[0].ID)
		return err
	})
	run(t, w)
	if len(srv.received()) != 1 {
		t.Fatalf("retry one: %d", len(srv.received()))
	}
	e.update(func(tx *store.Tx) error {
		n, err := tx.RetryDeadDeliveries(store.DeliveryFilter{Channel: model.ChannelEmail})
		if n != 1 {
			t.Errorf("retry all: %d", n)
		}
		return err
	})
	run(t, w)
	if len(srv.received()) != 2 || len(e.deliveries(store.DeliveryFilter{Status: model.DeliveryDead})) != 0 {
		t.Fatalf("after retry all: %d received", len(srv.received()))
	}
}

// countingMailer cancels the worker's context after n e-mails.
type countingMailer struct {
	inner  Mailer
	n      int
	cancel context.CancelFunc
}

func (m *countingMailer) Send(ctx context.Context, s *model.MessagingSettings, e *Email) error {
	err := m.inner.Send(ctx, s, e)
	m.n--
	if m.n == 0 {
		m.cancel()
	}
	return err
}

// TestWorkerRestartMidQueue: the worker stops after some of the queue, the
// database is closed and opened again, a new worker sends the rest: every
// message arrives, none twice.
func TestWorkerRestartMidQueue(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t, "127.0.0.1:0", "", "")
	e.useSMTP(srv.addr, "", "", 5)
	tpl := rejectedTemplate()
	tpl.ToCustomerUsers, tpl.StaffRoles, tpl.Addresses = false, nil, []string{"orders@c1.example.com"}
	e.template(tpl)
	e.emitRejected(10)
	ctx, cancel := context.WithCancel(context.Background())
	w := e.worker()
	w.Mailer = &countingMailer{inner: &SMTP{}, n: 4, cancel: cancel}
	if err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.received()); n != 4 {
		t.Fatalf("first worker sent %d", n)
	}
	// Restart: close the database, open it again, new worker.
	e.st.Close()
	e.st = openAt(t, e.path, &e.now)
	run(t, e.worker())
	got := srv.received()
	if len(got) != 10 {
		t.Fatalf("%d e-mails after the restart, want 10", len(got))
	}
	seen := map[string]bool{}
	for _, m := range got {
		s := m.header("Subject")
		if seen[s] {
			t.Errorf("duplicate %s", s)
		}
		seen[s] = true
	}
	for i := 1; i <= 10; i++ {
		if !seen["订单 OO-2026-00000"+strconv.Itoa(i)+" 已被驳回"] {
			t.Errorf("order %d lost", i)
		}
	}
}

// TestCrashBetweenSendAndMark: an e-mail handed over just before a crash is
// sent again after the restart (at least once), the restart logs it, and
// both copies carry the same Message-ID. An in-app message cannot be
// duplicated: a fan-out that fails leaves nothing, the next one writes it
// once.
func TestCrashBetweenSendAndMark(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t, "127.0.0.1:0", "", "")
	e.useSMTP(srv.addr, "", "", 5)
	tpl := rejectedTemplate()
	tpl.StaffRoles, tpl.Addresses = nil, nil
	e.template(tpl)
	e.emitRejected(1)
	w := e.worker()
	w.failDispatch = func() error { return errors.New("power cut") }
	if _, err := w.Dispatch(context.Background()); err == nil {
		t.Fatal("failed fan-out reported no error")
	}
	if len(e.inbox("c1.zh")) != 0 || len(e.deliveries(store.DeliveryFilter{})) != 0 {
		t.Fatal("a rolled-back fan-out left messages")
	}
	w.failDispatch = nil
	crashed := false
	w.crashAfterSend = func(d *model.Delivery) bool {
		if !crashed && d.To == "zh@c1.example.com" {
			crashed = true
			return true
		}
		return false
	}
	if err := w.RunOnce(context.Background()); !errors.Is(err, errCrash) {
		t.Fatalf("crash not simulated: %v", err)
	}
	e.st.Close()
	e.st = openAt(t, e.path, &e.now)
	w2 := e.worker()
	w2.RecoverInterrupted()
	if !strings.Contains(e.logs.String(), "interrupted while sending") || !strings.Contains(e.logs.String(), "to=zh@c1.example.com") {
		t.Errorf("restart did not log the interrupted e-mail: %s", e.logs)
	}
	run(t, w2)
	copies := srv.to("zh@c1.example.com")
	if len(copies) != 2 || copies[0].header("Message-ID") != copies[1].header("Message-ID") {
		t.Fatalf("copies %d", len(copies))
	}
	if len(srv.to("en@c1.example.com")) != 1 {
		t.Error("en lost or duplicated")
	}
	for _, u := range []string{"c1.zh", "c1.en", "c1.quiet"} {
		if n := len(e.inbox(u)); n != 1 {
			t.Errorf("%s has %d in-app messages", u, n)
		}
	}
}

// hangingSMTP accepts connections and never answers.
func hangingSMTP(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

// TestSlowSMTPDoesNotDelayInApp: with a mail server that never answers, the
// running worker still delivers in-app messages at once; the e-mail waits.
func TestSlowSMTPDoesNotDelayInApp(t *testing.T) {
	e := newEnv(t)
	e.useSMTP(hangingSMTP(t), "", "", 5)
	e.template(rejectedTemplate())
	ctx, cancel := context.WithCancel(context.Background())
	wg := &sync.WaitGroup{}
	w := e.worker()
	w.Poll = 50 * time.Millisecond
	w.SendTimeout = time.Second
	w.Start(ctx, wg)
	e.emitRejected(1)
	deadline := time.Now().Add(2 * time.Second)
	for len(e.inbox("c1.en")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("in-app message held up by the SMTP server")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A second event while the e-mail sender is stuck still reaches the inbox.
	e.emitRejected(1)
	deadline = time.Now().Add(2 * time.Second)
	for len(e.inbox("c1.en")) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("second in-app message held up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if sent := e.deliveries(store.DeliveryFilter{Channel: model.ChannelEmail, Status: model.DeliverySent}); len(sent) != 0 {
		t.Errorf("e-mail sent through a hanging server: %d", len(sent))
	}
}

// TestUnconfiguredChannelsQueueNothing: without SMTP settings an e-mail
// template makes in-app messages only.
func TestUnconfiguredChannelsQueueNothing(t *testing.T) {
	e := newEnv(t)
	tpl := rejectedTemplate()
	tpl.Channels = append(tpl.Channels, model.ChannelSMS)
	e.template(tpl)
	e.emitRejected(1)
	run(t, e.worker())
	if n := len(e.deliveries(store.DeliveryFilter{Channel: model.ChannelEmail})); n != 0 {
		t.Errorf("%d e-mails queued without a server", n)
	}
	if n := len(e.inbox("c1.zh")); n != 1 {
		t.Errorf("in-app: %d", n)
	}
	// An event without a template is done, with a note.
	e.emit(&model.OutboxMessage{Event: model.EventOrderSubmitted, CustomerID: e.cust.ID})
	run(t, e.worker())
	_ = e.st.View(func(tx *store.Tx) error {
		if _, p := tx.OutboxCount(); p != 0 {
			t.Errorf("%d events still pending", p)
		}
		return nil
	})
}
