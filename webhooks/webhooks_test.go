package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/kv/pgtest"
)

// --- a receiver, as an integrator would write it ---

// verify checks a webhook the way docs/api/webhooks.md tells receivers to,
// with the standard library only: the timestamp within five minutes of
// now, then the HMAC-SHA256 of "<timestamp>.<body>" under the secret,
// compared in constant time.
func verify(secret string, h http.Header, body []byte, now time.Time) error {
	ts, err := strconv.ParseInt(h.Get("Webhook-Timestamp"), 10, 64)
	if err != nil {
		return errors.New("no timestamp")
	}
	if d := now.Unix() - ts; d > 300 || d < -300 {
		return errors.New("timestamp too far from now")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	want := "v1=" + hex.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Fields(h.Get("Webhook-Signature")) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return errors.New("signature does not match")
}

// hit is one request the receiver got.
type hit struct {
	ID     string
	TS     int64
	Seq    uint64
	Cust   string
	Number string
	Status int
}

// receiver is a real HTTP server on a loopback port that verifies every
// request and answers with the status answer chooses (200 when nil).
type receiver struct {
	t      *testing.T
	e      *env
	secret string
	answer func(h hit) int
	mu     sync.Mutex
	hits   []hit
	addr   string
	srv    *http.Server
}

func (e *env) receiver() *receiver {
	r := &receiver{t: e.t, e: e}
	r.up()
	e.t.Cleanup(r.down)
	return r
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		r.t.Errorf("got %s %s", req.Method, req.Header.Get("Content-Type"))
	}
	r.mu.Lock()
	secret, now := r.secret, r.e.clock()
	r.mu.Unlock()
	if err := verify(secret, req.Header, body, now); err != nil {
		r.t.Errorf("webhook %s does not verify: %v", req.Header.Get("Webhook-Id"), err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var p Payload
	if err := json.Unmarshal(body, &p); err != nil {
		r.t.Errorf("body %s: %v", body, err)
	}
	h := hit{ID: req.Header.Get("Webhook-Id"), Seq: p.Seq, Cust: p.Customer.Code, Number: p.Document.Number, Status: http.StatusOK}
	h.TS, _ = strconv.ParseInt(req.Header.Get("Webhook-Timestamp"), 10, 64)
	r.mu.Lock()
	if r.answer != nil {
		h.Status = r.answer(h)
	}
	r.hits = append(r.hits, h)
	r.mu.Unlock()
	w.WriteHeader(h.Status)
}

// up starts serving, on the same address as before after a down.
func (r *receiver) up() {
	r.t.Helper()
	addr := r.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		r.t.Fatalf("listen %s: %v", addr, err)
	}
	r.addr = ln.Addr().String()
	r.srv = &http.Server{Handler: r}
	go r.srv.Serve(ln)
}

// down stops the server: connections are refused.
func (r *receiver) down() { r.srv.Close() }

func (r *receiver) url() string { return "http://" + r.addr + "/hook" }

func (r *receiver) use(c *model.APIClient) {
	r.mu.Lock()
	r.secret = c.WebhookSecret
	r.mu.Unlock()
}

func (r *receiver) got() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.hits...)
}

// delivered lists the feed positions answered 2xx, in arrival order.
func (r *receiver) delivered() []uint64 {
	var out []uint64
	for _, h := range r.got() {
		if h.Status/100 == 2 {
			out = append(out, h.Seq)
		}
	}
	return out
}

// --- the fixture ---

var testNow = time.Date(2026, 4, 1, 2, 0, 0, 0, time.UTC)

type env struct {
	t      *testing.T
	st     *store.Store
	mu     sync.Mutex
	now    time.Time
	c1, c2 *model.Customer // C1 in EAST, C2 in SOUTH
	east   uint64
	south  uint64
	logs   *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, now: testNow, logs: &bytes.Buffer{}}
	st, err := store.Open(pgtest.DSN(t, "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.SetClock(e.clock)
	e.st = st
	e.update(func(tx *store.Tx) error {
		hq := &model.OrgUnit{Code: "HQ", Name: "总部"}
		if err := tx.SaveOrgUnit(hq); err != nil {
			return err
		}
		for _, o := range []*model.OrgUnit{{Code: "EAST", Name: "华东", ParentID: hq.ID}, {Code: "SOUTH", Name: "华南", ParentID: hq.ID}} {
			if err := tx.SaveOrgUnit(o); err != nil {
				return err
			}
		}
		return nil
	})
	e.update(func(tx *store.Tx) error {
		for _, o := range tx.OrgUnits() {
			switch o.Code {
			case "EAST":
				e.east = o.ID
			case "SOUTH":
				e.south = o.ID
			}
		}
		e.c1 = &model.Customer{Code: "C1", Name: "上海机电", OrgUnitID: e.east, Status: model.CustomerActive}
		e.c2 = &model.Customer{Code: "C2", Name: "广州五金", OrgUnitID: e.south, Status: model.CustomerActive}
		for _, c := range []*model.Customer{e.c1, e.c2} {
			if err := tx.SaveCustomer(store.AdminScope(), c); err != nil {
				return err
			}
		}
		return tx.SetExternalID(store.ExtCustomer, "ERP-C1", e.c1.ID)
	})
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

func (e *env) update(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.st.Update("tester", fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) worker() *Worker {
	return &Worker{Store: e.st, Log: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
}

// client creates a client with the events grant and a webhook URL.
func (e *env) client(name, url string, orgs ...uint64) *model.APIClient {
	e.t.Helper()
	c := &model.APIClient{Name: name, Scopes: []model.APIScope{"events:read"}, OrgUnits: orgs, RateLimit: 10, WebhookURL: url}
	e.update(func(tx *store.Tx) error { return tx.SaveAPIClient(c) })
	return c
}

// emit puts an event about customer c on the feed (as the feed stores it:
// the api_events bucket, keyed by position) and queues it for the clients
// whose scope covers c. It returns the event's position.
func (e *env) emit(c *model.Customer, number string, clients ...*model.APIClient) uint64 {
	e.t.Helper()
	ev := &model.FeedEvent{Event: model.EventOrderSubmitted, CustomerID: c.ID, DocType: model.DocOnlineOrder,
		DocNumber: number, Actor: c.Code + ".buyer"}
	e.update(func(tx *store.Tx) error { return tx.AppendFeedEvent(ev) })
	ev.DocID = ev.Seq
	seq := ev.Seq
	return seq
}

func (e *env) run(w *Worker) int {
	e.t.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) deliveries(c *model.APIClient, st model.WebhookStatus) []*model.WebhookDelivery {
	e.t.Helper()
	var ds []*model.WebhookDelivery
	if err := e.st.View(func(tx *store.Tx) (err error) { ds, _, err = tx.WebhookDeliveries(c.ID, st, store.Page{}); return }); err != nil {
		e.t.Fatal(err)
	}
	return ds
}

func (e *env) check() {
	e.t.Helper()
	problems, err := e.st.Check()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range problems {
		e.t.Error(p)
	}
}

// inOrder fails unless each customer's positions arrive increasing.
func inOrder(t *testing.T, hits []hit) {
	t.Helper()
	last := map[string]uint64{}
	for _, h := range hits {
		if h.Status/100 != 2 {
			continue
		}
		if h.Seq <= last[h.Cust] {
			t.Fatalf("%s: event %d delivered after %d: %+v", h.Cust, h.Seq, last[h.Cust], hits)
		}
		last[h.Cust] = h.Seq
	}
}

// --- the tests ---

// TestSignatureVerifies: a receiver with only the standard library
// verifies the signature; the headers and the body are as documented; the
// delivery id is the same on a retry, and a wrong secret does not verify.
func TestSignatureVerifies(t *testing.T) {
	e := newEnv(t)
	r := e.receiver()
	c := e.client("ERP", r.url())
	r.use(c)
	fails := 1
	r.answer = func(hit) int {
		if fails > 0 {
			fails--
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	}
	seq := e.emit(e.c1, "OO-2026-000001", c)
	e.run(e.worker())
	e.advance(model.WebhookFirstRetry)
	if n := e.run(e.worker()); n != 1 {
		t.Fatalf("delivered %d", n)
	}
	hits := r.got()
	if len(hits) != 2 || hits[0].ID != hits[1].ID || !strings.HasPrefix(hits[0].ID, "whd_") {
		t.Fatalf("hits %+v", hits)
	}
	if hits[0].TS != testNow.Unix() || hits[1].TS != testNow.Add(model.WebhookFirstRetry).Unix() {
		t.Fatalf("timestamps %d %d", hits[0].TS, hits[1].TS)
	}
	if hits[1].Seq != seq || hits[1].Cust != "C1" || hits[1].Number != "OO-2026-000001" {
		t.Fatalf("payload %+v", hits[1])
	}
	// The body carries the customer's code and the ERP's id beside ours.
	var body []byte
	e.update(func(tx *store.Tx) (err error) {
		ev := &model.FeedEvent{Seq: seq, Event: model.EventOrderSubmitted, CustomerID: e.c1.ID, DocType: model.DocOnlineOrder, At: testNow}
		body, err = Encode(tx, ev)
		return err
	})
	var m struct {
		Type     string            `json:"type"`
		Customer map[string]any    `json:"customer"`
		Document map[string]any    `json:"document"`
		Data     map[string]string `json:"data"`
	}
	if err := json.Unmarshal(body, &m); err != nil || m.Type != "online_order.submitted" || m.Customer["external_id"] != "ERP-C1" ||
		m.Customer["code"] != "C1" || m.Document["type"] != "OO" {
		t.Fatalf("body %s: %v", body, err)
	}
	// The signature is Sign's, and a wrong secret or an altered body fails.
	h := http.Header{}
	h.Set("Webhook-Timestamp", strconv.FormatInt(testNow.Unix(), 10))
	h.Set("Webhook-Signature", Sign(c.WebhookSecret, testNow.Unix(), body))
	if err := verify(c.WebhookSecret, h, body, testNow); err != nil {
		t.Fatal(err)
	}
	if verify("whsec_other", h, body, testNow) == nil || verify(c.WebhookSecret, h, append(body, ' '), testNow) == nil {
		t.Fatal("a wrong secret or body verifies")
	}
	if verify(c.WebhookSecret, h, body, testNow.Add(10*time.Minute)) == nil {
		t.Fatal("a replay ten minutes later verifies")
	}
	e.check()
}

// TestRetriesWithBackoff: failed attempts are retried after 10 s, 20 s,
// 40 s …, not before, and the one that gets 2xx ends it.
func TestRetriesWithBackoff(t *testing.T) {
	e := newEnv(t)
	r := e.receiver()
	c := e.client("ERP", r.url())
	r.use(c)
	r.answer = func(hit) int {
		if len(r.hits) < 3 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	e.emit(e.c1, "OO-1", c)
	w := e.worker()
	var at []time.Duration
	for range 200 {
		before := len(r.got())
		e.run(w)
		if len(r.got()) > before {
			at = append(at, e.clock().Sub(testNow))
		}
		if len(r.delivered()) == 1 {
			break
		}
		e.advance(time.Second)
	}
	want := []time.Duration{0, 10 * time.Second, 30 * time.Second, 70 * time.Second}
	if fmt.Sprint(at) != fmt.Sprint(want) {
		t.Fatalf("attempts at %v, want %v", at, want)
	}
	d := e.deliveries(c, "")[0]
	if d.Status != model.WebhookDelivered || d.Attempts != 4 || d.LastStatus != 200 {
		t.Fatalf("delivery %+v", d)
	}
	e.check()
}

// TestOrderPerCustomerWhileRetrying: while C1's first event is retried, its
// later events wait; C2's events go meanwhile; once the receiver takes the
// first, C1's others follow in commit order.
func TestOrderPerCustomerWhileRetrying(t *testing.T) {
	e := newEnv(t)
	r := e.receiver()
	c := e.client("ERP", r.url())
	r.use(c)
	broken := true
	r.answer = func(h hit) int {
		if broken && h.Cust == "C1" {
			return http.StatusBadGateway
		}
		return http.StatusOK
	}
	a1 := e.emit(e.c1, "OO-1", c)
	b1 := e.emit(e.c2, "OO-2", c)
	a2 := e.emit(e.c1, "OO-3", c)
	b2 := e.emit(e.c2, "OO-4", c)
	a3 := e.emit(e.c1, "OO-5", c)
	w := e.worker()
	for range 5 {
		e.run(w)
		e.advance(time.Minute)
	}
	if got := fmt.Sprint(r.delivered()); got != fmt.Sprint([]uint64{b1, b2}) {
		t.Fatalf("delivered %s while C1 is retried", got)
	}
	for _, h := range r.got() {
		if h.Cust == "C1" && h.Seq != a1 {
			t.Fatalf("C1's later event %d was sent while %d was retried", h.Seq, a1)
		}
	}
	broken = false
	for range 5 {
		e.run(w)
		e.advance(time.Minute)
	}
	if got := fmt.Sprint(r.delivered()); got != fmt.Sprint([]uint64{b1, b2, a1, a2, a3}) {
		t.Fatalf("delivered %s", got)
	}
	inOrder(t, r.got())
	e.check()
}

// TestReceiverDownForAnHour: the receiver's port refuses connections for
// an hour while events keep coming for two customers; when it is back
// every event arrives, each customer's in commit order, none dead.
func TestReceiverDownForAnHour(t *testing.T) {
	e := newEnv(t)
	r := e.receiver()
	c := e.client("ERP", r.url())
	r.use(c)
	w := e.worker()
	var want []uint64
	want = append(want, e.emit(e.c1, "OO-0", c))
	e.run(w)
	r.down()
	for i := range 60 {
		e.advance(time.Minute)
		if i%4 == 0 {
			want = append(want, e.emit(e.c1, fmt.Sprintf("OO-A%d", i), c))
		}
		if i%6 == 0 {
			want = append(want, e.emit(e.c2, fmt.Sprintf("OO-B%d", i), c))
		}
		e.run(w)
	}
	pending := e.deliveries(c, model.WebhookPending)
	if len(pending) != len(want)-1 {
		t.Fatalf("%d pending after the hour, want %d", len(pending), len(want)-1)
	}
	var refused bool
	for _, d := range pending {
		refused = refused || d.LastError == model.WebhookRefused
	}
	if !refused {
		t.Fatalf("no attempt recorded as refused: %+v", pending[len(pending)-1])
	}
	r.up()
	for range 40 {
		e.advance(time.Minute)
		e.run(w)
	}
	got := map[uint64]bool{}
	for _, s := range r.delivered() {
		got[s] = true
	}
	for _, s := range want {
		if !got[s] {
			t.Errorf("event %d never arrived", s)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d distinct events arrived, want %d", len(got), len(want))
	}
	inOrder(t, r.got())
	if p, d := len(e.deliveries(c, model.WebhookPending)), len(e.deliveries(c, model.WebhookDead)); p != 0 || d != 0 {
		t.Fatalf("%d pending, %d dead", p, d)
	}
	e.check()
}

// TestDeadLetterAndResend: a receiver that never answers 2xx gets the
// delivery for 24 hours, then it is dead and the customer's next event
// goes; a resend (one, or all dead) delivers it once the receiver works.
func TestDeadLetterAndResend(t *testing.T) {
	e := newEnv(t)
	r := e.receiver()
	c := e.client("ERP", r.url())
	r.use(c)
	ok := false
	r.answer = func(h hit) int {
		if ok || h.Number == "OO-next" {
			return http.StatusOK
		}
		return http.StatusInternalServerError
	}
	first := e.emit(e.c1, "OO-1", c)
	second := e.emit(e.c2, "OO-2", c)
	w := e.worker()
	e.run(w)
	next := e.emit(e.c1, "OO-next", c)
	for e.clock().Sub(testNow) <= model.WebhookRetryWindow+time.Hour {
		e.advance(10 * time.Minute)
		e.run(w)
	}
	dead := e.deliveries(c, model.WebhookDead)
	if len(dead) != 2 || dead[0].LastStatus != 500 || dead[0].LastError != model.WebhookHTTP {
		t.Fatalf("dead %+v", dead)
	}
	if got := r.delivered(); len(got) != 1 || got[0] != next {
		t.Fatalf("after the dead letter, delivered %v", got)
	}
	attempts := len(r.got())
	if attempts < 50 || attempts > 140 {
		t.Fatalf("%d attempts in a day", attempts)
	}
	ok = true
	e.update(func(tx *store.Tx) error { return tx.ResendWebhook(c.ID, dead[1].ID) })
	e.run(w)
	e.update(func(tx *store.Tx) error { _, err := tx.ResendDeadWebhooks(c.ID); return err })
	e.run(w)
	got := r.delivered()
	if len(got) != 3 || got[1] != first || got[2] != second {
		t.Fatalf("after the resends: %v (first %d, second %d)", got, first, second)
	}
	if len(e.deliveries(c, model.WebhookDead)) != 0 {
		t.Fatal("still dead")
	}
	e.check()
}

// TestOutOfScopeGetsNothing: a client scoped to SOUTH gets no delivery of
// C1's (EAST) events; the EAST client gets exactly those.
func TestOutOfScopeGetsNothing(t *testing.T) {
	e := newEnv(t)
	re, rs := e.receiver(), e.receiver()
	east := e.client("east", re.url(), e.east)
	south := e.client("south", rs.url(), e.south)
	re.use(east)
	rs.use(south)
	s1 := e.emit(e.c1, "OO-1", east, south)
	s2 := e.emit(e.c2, "OO-2", east, south)
	e.run(e.worker())
	if got := re.delivered(); len(got) != 1 || got[0] != s1 {
		t.Fatalf("east got %v", got)
	}
	if got := rs.delivered(); len(got) != 1 || got[0] != s2 {
		t.Fatalf("south got %v", got)
	}
	// Narrowing the scope after an event was queued: it is not sent.
	s3 := e.emit(e.c1, "OO-3", east)
	east.OrgUnits = []uint64{e.south}
	e.update(func(tx *store.Tx) error { return tx.SaveAPIClient(east) })
	e.run(e.worker())
	if got := re.delivered(); len(got) != 1 {
		t.Fatalf("east got %v after its scope moved", got)
	}
	if d := e.deliveries(east, model.WebhookDead); len(d) != 1 || d[0].Seq != s3 || d[0].LastError != model.WebhookScope {
		t.Fatalf("dead %+v", d)
	}
	e.check()
}

// TestCrashBetweenSendAndRecord: a stop after the POST and before its
// outcome was written sends it again at the next start, with the same
// Webhook-Id, and logs that it may be a repeat.
func TestCrashBetweenSendAndRecord(t *testing.T) {
	e := newEnv(t)
	r := e.receiver()
	c := e.client("ERP", r.url())
	r.use(c)
	e.emit(e.c1, "OO-1", c)
	w := e.worker()
	w.crashAfterSend = func() bool { return true }
	if _, err := w.RunOnce(context.Background()); !errors.Is(err, errCrash) {
		t.Fatalf("err = %v", err)
	}
	if len(r.got()) != 1 {
		t.Fatalf("hits %+v", r.got())
	}
	// A new process: Recover, then the regular round.
	w2 := e.worker()
	w2.Recover()
	if n := e.run(w2); n != 1 {
		t.Fatalf("resent %d", n)
	}
	hits := r.got()
	if len(hits) != 2 || hits[0].ID != hits[1].ID {
		t.Fatalf("hits %+v", hits)
	}
	if !strings.Contains(e.logs.String(), "interrupted while sending") {
		t.Fatalf("no warning logged: %s", e.logs)
	}
	if d := e.deliveries(c, ""); d[0].Status != model.WebhookDelivered || d[0].Sending {
		t.Fatalf("delivery %+v", d[0])
	}
	e.check()
}

// TestFailuresAreClassified: a refused connection, a timeout, a bad
// certificate, an unknown host and an HTTP status each get their code.
func TestFailuresAreClassified(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer tlsSrv.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String()
	ln.Close()
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusGone) }))
	defer gone.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer redirect.Close()
	for url, want := range map[string]struct {
		why    model.WebhookError
		status int
	}{
		closed:                    {model.WebhookRefused, 0},
		slow.URL:                  {model.WebhookTimedOut, 0},
		tlsSrv.URL:                {model.WebhookTLS, 0},
		"http://no-such.invalid/": {model.WebhookDNS, 0},
		gone.URL:                  {model.WebhookHTTP, 410},
		redirect.URL:              {model.WebhookHTTP, 302},
	} {
		w := &Worker{HTTP: &http.Client{Timeout: 300 * time.Millisecond,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		if url == redirect.URL {
			w.HTTP = nil // the default client does not follow redirects
		}
		status, why := w.post(&model.APIClient{Name: "x", WebhookURL: url, WebhookSecret: "whsec_x"}, &model.WebhookDelivery{ID: 1}, []byte("{}"), testNow)
		if why != want.why || status != want.status {
			t.Errorf("%s: %q %d, want %q %d", url, why, status, want.why, want.status)
		}
	}
}

// TestStartRunsAndStops: the running worker delivers on its own and stops
// with its context.
func TestStartRunsAndStops(t *testing.T) {
	e := newEnv(t)
	r := e.receiver()
	c := e.client("ERP", r.url())
	r.use(c)
	w := e.worker()
	w.Poll = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	wg := &sync.WaitGroup{}
	w.Start(ctx, wg)
	for i := range 20 {
		e.emit([]*model.Customer{e.c1, e.c2}[i%2], fmt.Sprintf("OO-%d", i), c)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(r.delivered()) < 20 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if n := len(r.delivered()); n != 20 {
		t.Fatalf("delivered %d of 20", n)
	}
	inOrder(t, r.got())
	e.check()
}
