package notify

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"
)

// gatewayRequest is what the fake SMS gateway saw.
type gatewayRequest struct {
	Method, Path, Query, Body, Key, Type string
}

// fakeGateway answers with status and body, after delay; it records requests.
type fakeGateway struct {
	mu     sync.Mutex
	reqs   []gatewayRequest
	status int
	answer string
	delay  time.Duration
}

func (g *fakeGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	g.mu.Lock()
	g.reqs = append(g.reqs, gatewayRequest{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Get("X-Api-Key"), r.Header.Get("Content-Type")})
	status, answer, delay := g.status, g.answer, g.delay
	g.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	w.WriteHeader(status)
	io.WriteString(w, answer)
}

func (g *fakeGateway) set(status int, answer string, delay time.Duration) {
	g.mu.Lock()
	g.status, g.answer, g.delay = status, answer, delay
	g.mu.Unlock()
}

func (g *fakeGateway) requests() []gatewayRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]gatewayRequest(nil), g.reqs...)
}

func smsSettings(url string) *model.MessagingSettings {
	s := model.DefaultMessagingSettings()
	s.SMSURL = url + "/v2/sms/send"
	s.SMSMethod = "POST"
	s.SMSHeaders = "X-Api-Key: k-123\nContent-Type: application/json; charset=utf-8"
	s.SMSBody = `{"mobile":{{json .phone}},"content":{{json .text}}}`
	s.SMSSuccess = `"code":0`
	return s
}

// TestGatewayRequestAndAnswers: the gateway gets the rendered body and the
// headers; a 2xx with the success marker is sent; a 500, a 200 with an error
// code, and no answer in time are failures with the reason.
func TestGatewayRequestAndAnswers(t *testing.T) {
	g := &fakeGateway{status: 200, answer: `{"code":0,"msg":"OK"}`}
	srv := httptest.NewServer(g)
	defer srv.Close()
	gw := &Gateway{Client: &http.Client{Timeout: 300 * time.Millisecond}}
	s := smsSettings(srv.URL)
	ctx := context.Background()
	if err := gw.Send(ctx, s, "13800000001", `【华信】订单 "OO-1" 已驳回`); err != nil {
		t.Fatal(err)
	}
	r := g.requests()[0]
	if r.Method != "POST" || r.Path != "/v2/sms/send" || r.Key != "k-123" || !strings.HasPrefix(r.Type, "application/json") ||
		r.Body != `{"mobile":"13800000001","content":"【华信】订单 \"OO-1\" 已驳回"}` {
		t.Errorf("request %+v", r)
	}

	g.set(500, "internal error", 0)
	err := gw.Send(ctx, s, "13800000001", "x")
	var te *TransportError
	if err == nil || !strings.Contains(err.Error(), "500") || !strings.Contains(err.Error(), "internal error") || errors.As(err, &te) {
		t.Errorf("500: %v", err)
	}
	g.set(200, `{"code":22,"msg":"余额不足"}`, 0)
	if err := gw.Send(ctx, s, "13800000001", "x"); err == nil || !strings.Contains(err.Error(), "余额不足") {
		t.Errorf("error code in a 200: %v", err)
	}
	g.set(200, `{"code":0}`, 2*time.Second)
	start := time.Now()
	err = gw.Send(ctx, s, "13800000001", "x")
	if !errors.As(err, &te) || time.Since(start) > 1500*time.Millisecond {
		t.Errorf("timeout: %v after %v", err, time.Since(start))
	}

	// A form-encoded GET gateway: everything in the URL.
	g.set(200, "ok", 0)
	s.SMSMethod, s.SMSBody, s.SMSSuccess, s.SMSHeaders = "GET", "", "", ""
	s.SMSURL = srv.URL + "/send?apikey=k&mobile={{.phone | urlquery}}&text={{.text | urlquery}}"
	if err := gw.Send(ctx, s, "+86 138", "你好 & bye"); err != nil {
		t.Fatal(err)
	}
	rs := g.requests()
	if last := rs[len(rs)-1]; last.Method != "GET" || last.Query != "apikey=k&mobile=%2B86+138&text=%E4%BD%A0%E5%A5%BD+%26+bye" || last.Body != "" {
		t.Errorf("GET request %+v", last)
	}
}

// TestSMSThroughTheWorker: the worker retries a 500 and a timeout with
// backoff and sends once the gateway answers well.
func TestSMSThroughTheWorker(t *testing.T) {
	e := newEnv(t)
	g := &fakeGateway{status: 500, answer: "busy"}
	srv := httptest.NewServer(g)
	defer srv.Close()
	e.update(func(tx *store.Tx) error {
		s := smsSettings(srv.URL)
		s.RetrySeconds = 10
		return tx.SaveMessagingSettings(s)
	})
	tpl := rejectedTemplate()
	tpl.Channels = []model.Channel{model.ChannelSMS}
	tpl.StaffRoles, tpl.Addresses = nil, nil
	tpl.SMSZh = "【华信】订单{{.doc_number}}已驳回：{{.reason}}"
	e.template(tpl)
	e.update(func(tx *store.Tx) error {
		return tx.Emit(&model.OutboxMessage{Event: model.EventOrderRejected, CustomerID: e.cust.ID, DocNumber: "OO-2026-000007",
			Params: map[string]string{"reason_zh": "缺货", "reason_en": "out of stock"}})
	})
	w := e.worker()
	w.SMS = &Gateway{Client: &http.Client{Timeout: 200 * time.Millisecond}}
	run(t, w) // 500
	ds := e.deliveries(store.DeliveryFilter{Channel: model.ChannelSMS})
	if len(ds) != 2 { // c1.zh and c1.en have mobiles; c1.quiet has none
		t.Fatalf("sms deliveries %d", len(ds))
	}
	for _, d := range ds {
		if d.Status != model.DeliveryPending || d.Attempts != 1 || !strings.Contains(d.LastError, "500") {
			t.Errorf("after 500: %+v", d)
		}
	}
	g.set(200, `{"code":0}`, time.Second) // now too slow
	e.now = e.now.Add(10 * time.Second)
	run(t, w)
	for _, d := range e.deliveries(store.DeliveryFilter{Channel: model.ChannelSMS}) {
		if d.Status != model.DeliveryPending || d.Attempts > 2 {
			t.Errorf("after timeout: %+v", d)
		}
	}
	g.set(200, `{"code":0}`, 0)
	e.now = e.now.Add(time.Minute)
	run(t, w)
	run(t, w)
	sent := e.deliveries(store.DeliveryFilter{Channel: model.ChannelSMS, Status: model.DeliverySent})
	if len(sent) != 2 {
		t.Fatalf("sent %d", len(sent))
	}
	var zh, en int
	for _, r := range g.requests() {
		if strings.Contains(r.Body, "【华信】订单OO-2026-000007已驳回：缺货") && strings.Contains(r.Body, "13800000001") {
			zh++
		}
		if strings.Contains(r.Body, "Order OO-2026-000007 was rejected") && strings.Contains(r.Body, "13800000002") {
			en++ // no English SMS text: the subject
		}
	}
	if zh < 1 || en < 1 {
		t.Errorf("texts: %+v", g.requests())
	}
}
