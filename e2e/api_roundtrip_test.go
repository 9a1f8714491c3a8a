package e2e

// The integration API's round trip on the real binary: the admin creates an
// API client in the browser with a webhook URL pointing at a receiver the
// test runs, issues a token and reads it (and the signing secret) from the
// pages that show them; the test, as the ERP, pushes a product, its stock,
// a sales order and an outbound for C0001 over plain HTTP; the dealer's
// finance user finds the outbound under 往来对账 and confirms it; the
// confirmation comes back on the event feed and, signed, at the receiver,
// as the same event. The test runs a portal of its own, so that it can stop
// it and run `portal check` on the file at the end.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// hookRequest is one POST the receiver got.
type hookRequest struct {
	header http.Header
	body   []byte
	// at is when it arrived by the portal's clock (portalClock), the one
	// its Webhook-Timestamp follows.
	at time.Time
}

// hookReceiver is the ERP's webhook endpoint: it records every request and
// answers 204.
type hookReceiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []hookRequest
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil || req.Method != http.MethodPost {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.reqs = append(r.reqs, hookRequest{header: req.Header.Clone(), body: body, at: portalClock()})
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

// received is a copy of what arrived so far.
func (r *hookReceiver) received() []hookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookRequest(nil), r.reqs...)
}

// verifyWebhook is the receiver's check as docs/api/webhooks.md gives it:
// a recent timestamp, and a v1 signature that is the HMAC-SHA256 of
// "<timestamp>.<raw body>" keyed with the signing secret, compared in
// constant time.
func verifyWebhook(secret string, h http.Header, body []byte, now time.Time) error {
	ts, err := strconv.ParseInt(h.Get("Webhook-Timestamp"), 10, 64)
	if err != nil {
		return fmt.Errorf("no timestamp: %q", h.Get("Webhook-Timestamp"))
	}
	if d := now.Unix() - ts; d > 300 || d < -300 {
		return fmt.Errorf("timestamp %d is %d s from now", ts, d)
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
	return fmt.Errorf("signature %q does not match", h.Get("Webhook-Signature"))
}

// erp is the test acting as the ERP: plain HTTP calls with the token.
type erp struct {
	t     *testing.T
	base  string
	token string
}

// call sends body (JSON, none when nil) and decodes a JSON answer into
// out (when not nil); it returns the status and the raw answer.
func (e *erp) call(method, path string, body, out any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.base+"/api/v1"+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Accept-Language", "en")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return res.StatusCode, raw
}

// must is call that fails the test unless the answer has status want.
func (e *erp) must(want int, method, path string, body, out any) {
	e.t.Helper()
	if st, raw := e.call(method, path, body, out); st != want {
		e.t.Fatalf("%s %s: %d, want %d: %s", method, path, st, want, raw)
	}
}

// feedEvent is the part of a feed event the test looks at; the whole
// object is compared as JSON.
type feedEvent struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Actor    string `json:"actor"`
	Customer struct {
		Code string `json:"code"`
	} `json:"customer"`
	Document struct {
		Type   string `json:"type"`
		ID     uint64 `json:"id"`
		Number string `json:"number"`
		Href   string `json:"href"`
	} `json:"document"`
}

// follow clicks the main menu's link to path, opening its folded group
// first as a user does, and waits for that page.
func (b *browser) follow(path string) {
	b.t.Helper()
	a := `a[href="` + path + `"]`
	link := `#nav ` + a
	switch b.evalString(`(function(){ const a = document.querySelector(` + quoteJS(link) + `);
		if (!a) return 'missing'; const d = a.closest('details'); return d && !d.open ? 'folded' : 'shown' })()`) {
	case "missing":
		b.t.Fatalf("the menu has no link to %s", path)
	case "folded":
		b.run(chromedp.Click(chromedp.CSS(`#nav details:has(` + a + `) > summary`)))
	}
	b.click(link)
	b.waitPage(path)
}

// TestAPIRoundTrip: admin (browser) → API client, token and signing secret;
// ERP (HTTP) → product, stock, sales order, outbound; dealer (browser) →
// confirms the outbound; ERP ← the confirmation on the feed and, signed, at
// its webhook receiver; `portal check` is clean on the stopped portal's file.
func TestAPIRoundTrip(t *testing.T) {
	bboltOnly(t, "it runs a portal of its own on a file, to stop it and check the file; on PostgreSQL the API, its event feed and webhooks run in handlers' suite")
	admin := newBrowserFor(t, 3*time.Minute)
	db := filepath.Join(t.TempDir(), "portal.db")
	portal, err := launchPortal(portalBin, db)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			portal.stop()
		}
	})
	admin.base = portal.base
	hooks := newHookReceiver(t)

	// 1. The admin makes the client: every family for writing, pushes to
	// the receiver.
	admin.login("admin", demoPassword)
	admin.follow("/settings/api")
	admin.click(`a[href="/settings/api/new"]`)
	admin.waitPage("/settings/api/new")
	admin.setField("#f-name", "ERP 往返")
	admin.eval(`document.querySelectorAll('input[name=scopes][value$=":write"]').forEach(e => { if (!e.checked) e.click() }); true`)
	if all, on := admin.count(`input[name=scopes][value$=":write"]`), admin.count(`input[name=scopes][value$=":write"]:checked`); all < 6 || on != all {
		t.Fatalf("%d of %d write scopes ticked, want every family's", on, all)
	}
	admin.setField("#f-webhook_url", hooks.URL+"/hooks/portal")
	admin.click(`form[action="/settings/api"] button[type=submit]`)
	clientID := admin.waitURL("/settings/api/")
	clientPath := "/settings/api/" + clientID

	// The token, shown once on the page after issuing it.
	admin.click(`form[action="` + clientPath + `/tokens"] button[type=submit]`)
	admin.waitPage(clientPath)
	admin.waitCount("#f-reveal", 1)
	token := admin.evalString(`document.querySelector('#f-reveal').value`)
	if !strings.HasPrefix(token, "dpt_") {
		t.Fatalf("token %q", token)
	}
	revealURL := admin.evalString(`location.pathname + location.search`)
	if !strings.Contains(revealURL, "reveal=") {
		t.Fatalf("the token was shown at %s", revealURL)
	}
	admin.open(revealURL)
	if admin.count("#f-reveal") != 0 || admin.count(`#main .alert`) != 1 {
		t.Fatalf("the token's page shows it again (or not that it was shown): %q", admin.text("#main"))
	}
	// The signing secret, shown on the page on request.
	admin.click(`form[action="` + clientPath + `/webhook-secret"] button[type=submit]`)
	admin.waitCount("#f-secret", 1)
	secret := admin.evalString(`document.querySelector('#f-secret').value`)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("signing secret %q", secret)
	}

	// 2. The ERP pushes master data and documents.
	e := &erp{t: t, base: portal.base, token: token}
	var me struct {
		Client string   `json:"client"`
		Scopes []string `json:"scopes"`
	}
	e.must(200, "GET", "/me", nil, &me)
	if me.Client != "ERP 往返" || !strings.Contains(strings.Join(me.Scopes, " "), "orders:write") {
		t.Fatalf("/me: %+v", me)
	}
	var item struct {
		ID     uint64 `json:"id"`
		Status string `json:"status"`
	}
	product := map[string]any{"name": "往返测试伺服电机", "spec": "RT-750", "unit": "台",
		"list_price": 128000, "tax_rate": 1300, "active": true}
	e.must(201, "PUT", "/products/ERP-RT-750", product, &item)
	e.must(200, "PUT", "/products/ERP-RT-750", product, &item)
	if item.Status != "unchanged" {
		t.Fatalf("the same product again: %s, want unchanged", item.Status)
	}
	e.must(200, "PUT", "/products/ERP-RT-750/stock", map[string]any{"on_hand": 20}, &item)
	var so struct {
		ID     uint64 `json:"id"`
		Number string `json:"number"`
		Status string `json:"status"`
	}
	e.must(201, "POST", "/sales-orders", map[string]any{"external_id": "SO-RT-0001", "customer_code": "C0001",
		"lines": []any{map[string]any{"product_external_id": "ERP-RT-750", "qty": 5}}}, &so)
	if so.Status != "audited" {
		t.Fatalf("sales order %s: %s, want audited", so.Number, so.Status)
	}
	outbound := map[string]any{"external_id": "OB-RT-0001", "sales_order_external_id": "SO-RT-0001",
		"lines": []any{map[string]any{"line": 1, "qty": 3}}}
	var ob struct {
		ID           uint64 `json:"id"`
		Number       string `json:"number"`
		Outcome      string `json:"outcome"`
		CustomerCode string `json:"customer_code"`
		Totals       struct {
			Amount int64 `json:"amount"`
		} `json:"totals"`
	}
	e.must(201, "POST", "/outbounds", outbound, &ob)
	if ob.CustomerCode != "C0001" || ob.Totals.Amount != 3*128000 || ob.Number == "" {
		t.Fatalf("outbound: %+v", ob)
	}
	// The same outbound pushed again is that one, not a second.
	again := ob
	e.must(200, "POST", "/outbounds", outbound, &again)
	if again.ID != ob.ID || again.Outcome != "unchanged" {
		t.Fatalf("the outbound pushed again: %+v, want %d unchanged", again, ob.ID)
	}
	var stock struct {
		OnHand   json.Number `json:"on_hand"`
		Reserved json.Number `json:"reserved"`
	}
	e.must(200, "GET", "/products/ERP-RT-750", nil, &stock)
	if stock.OnHand != "17" || stock.Reserved != "2" {
		t.Fatalf("stock after shipping 3 of 5: on hand %s reserved %s, want 17 and 2", stock.OnHand, stock.Reserved)
	}

	// The admin sees the token in use, from the test's address.
	admin.open(clientPath)
	if !admin.has("#api-tokens tbody tr", token[:8], "127.0.0.1") {
		t.Fatalf("the token's last use is not shown: %q", admin.text("#api-tokens"))
	}

	// 3. The dealer's finance user finds the outbound under 往来对账 and
	// confirms it.
	dealer := newBrowserFor(t, 2*time.Minute)
	dealer.base = portal.base
	dealer.login("c0001.finance", demoPassword)
	dealer.follow("/reconciliation/outbounds")
	dealer.setField("#q", ob.Number)
	dealer.click(`form.filters button[type=submit]`)
	dealer.waitText("#recon-list tbody tr", ob.Number)
	if n := dealer.count("#recon-list tbody tr"); n != 1 {
		t.Fatalf("searching %s lists %d outbounds", ob.Number, n)
	}
	reconPath := "/reconciliation/outbounds/" + strconv.FormatUint(ob.ID, 10)
	dealer.click(`form[action="` + reconPath + `/confirm"] button`)
	// The list again, from the confirmation: the outbound now offers "cancel".
	dealer.waitText("#recon-list tbody tr", ob.Number)
	dealer.waitCount(`form[action="`+reconPath+`/cancel"]`, 1)

	// 4. The confirmation on the feed (committed with it: no waiting) …
	var evs []json.RawMessage
	after, lastNext := "", ""
	for range 100 {
		var page struct {
			Events  []json.RawMessage `json:"events"`
			Next    string            `json:"next"`
			HasMore bool              `json:"has_more"`
		}
		e.must(200, "GET", "/events?limit=500"+after, nil, &page)
		evs = append(evs, page.Events...)
		lastNext, after = page.Next, "&after="+url.QueryEscape(page.Next)
		if !page.HasMore {
			break
		}
	}
	var feedRaw json.RawMessage
	var ev feedEvent
	for _, raw := range evs {
		var x feedEvent
		if err := json.Unmarshal(raw, &x); err != nil {
			t.Fatal(err)
		}
		if x.Type == "reconciliation.outbound.confirmed" && x.Document.ID == ob.ID {
			if feedRaw != nil {
				t.Fatalf("the confirmation is twice on the feed")
			}
			feedRaw, ev = raw, x
		}
	}
	if feedRaw == nil {
		t.Fatalf("no reconciliation.outbound.confirmed of outbound %d among %d feed events", ob.ID, len(evs))
	}
	if ev.Actor != "c0001.finance" || ev.Customer.Code != "C0001" || ev.Document.Type != "outbound" || ev.Document.Number != ob.Number {
		t.Fatalf("feed event: %s", feedRaw)
	}
	var recon struct {
		Status string `json:"status"`
		By     string `json:"by"`
	}
	e.must(200, "GET", ev.Document.Href, nil, &recon)
	if recon.Status != "confirmed" || recon.By != "c0001.finance" {
		t.Fatalf("GET %s: %+v", ev.Document.Href, recon)
	}

	// … and at the receiver, signed with the secret the admin's page showed:
	// the worker polls, so wait for it, within bounds.
	var hook *hookRequest
	for deadline := time.Now().Add(60 * time.Second); hook == nil; {
		for _, r := range hooks.received() {
			var x feedEvent
			if json.Unmarshal(r.body, &x) == nil && x.ID == ev.ID {
				hook = &r
				break
			}
		}
		if hook != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the receiver did not get event %s within 60 s (%d requests)", ev.ID, len(hooks.received()))
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, r := range hooks.received() {
		if err := verifyWebhook(secret, r.header, r.body, r.at); err != nil {
			t.Errorf("push %s: %v", r.header.Get("Webhook-Id"), err)
		}
		if r.header.Get("Webhook-Id") == "" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("push headers: %v", r.header)
		}
	}
	if verifyWebhook(secret+"x", hook.header, hook.body, hook.at) == nil {
		t.Error("the signature check accepts another secret")
	}
	var fromFeed, fromHook any
	if err := json.Unmarshal(feedRaw, &fromFeed); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(hook.body, &fromHook); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromFeed, fromHook) {
		t.Errorf("the push is not the feed's event:\nfeed %s\npush %s", feedRaw, hook.body)
	}

	// The admin's list shows the client behind on the feed until the ERP
	// acknowledges what it read; the push log shows the push delivered
	// (recorded just after the receiver's answer).
	lag := func() string {
		return admin.evalString(`(function(){ const r = Array.from(document.querySelectorAll('#api-clients tbody tr'))
			.find(r => r.querySelector('a[href="` + clientPath + `"]')); return r ? r.querySelector('td.num').innerText : 'no row' })()`)
	}
	admin.open("/settings/api")
	if l := strings.Fields(lag()); len(l) == 0 || l[0] != strconv.Itoa(len(evs)) {
		t.Fatalf("the list shows the lag %q, want %d events", l, len(evs))
	}
	var pos struct {
		Acknowledged string `json:"acknowledged"`
		Behind       int    `json:"behind"`
	}
	e.must(200, "POST", "/events/ack", map[string]any{"cursor": lastNext}, &pos)
	if pos.Acknowledged != lastNext || pos.Behind != 0 {
		t.Fatalf("ack: %+v, want %s and nothing behind", pos, lastNext)
	}
	admin.open("/settings/api")
	if l := lag(); l != "Up to date" && l != "已全部确认" {
		t.Fatalf("after the acknowledgement the list shows the lag %q", l)
	}
	hookID := hook.header.Get("Webhook-Id")
	admin.reloadUntil(clientPath+"/deliveries?status=delivered", "the delivered push "+hookID, func() bool {
		return admin.has("#webhook-deliveries tbody tr", hookID, ob.Number)
	})

	// 5. Stopped, the portal leaves a file `portal check` finds clean.
	admin.close()
	dealer.close()
	stopped = true
	if err := portal.stop(); err != nil {
		t.Fatal(err)
	}
	runCheck(t, db, "after the API round trip")
}
