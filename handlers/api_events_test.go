package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"
)

func init() {
	apiScopeRows = append(apiScopeRows,
		apiScopeRow{"GET", "/online-orders/{feedoo}", "", 404},
		apiScopeRow{"GET", "/return-requests/{feedrt}", "", 404},
		apiScopeRow{"GET", "/change-requests/{feedcr}", "", 404},
		apiScopeRow{"GET", "/complaints/{feedcp}", "", 404},
		apiScopeRow{"GET", "/service-requests/{feedsr}", "", 404},
		apiScopeRow{"GET", "/opportunities/{feedop}", "", 404},
		apiScopeRow{"GET", "/stocktakes/{feedst}", "", 404},
		apiScopeRow{"GET", "/reconciliations/outbound/{feedob}", "", 404},
	)
	apiScopeFixtures = append(apiScopeFixtures, feedScopeFixture)
	scopeExemptions = append(scopeExemptions, struct {
		reason string
		routes []string
	}{"the feed's acknowledgement names a position of the client's own feed, never a customer or a record (reads of the feed are scoped: TestAPIEventFeedScope)",
		[]string{"POST /api/v1/events/ack"}})
}

// feedFixtures adds the fixtures whose documents the feed announces, each
// once (another family's fixture may have added them already): products
// and catalog, a shipped order with an online return, a submitted online
// order and a draft change request, and the channel documents.
func feedFixtures(t *testing.T, e *testEnv) {
	t.Helper()
	if _, ok := e.ids["entry:ALL"]; !ok {
		orderingFixture(t, e)
	}
	if _, ok := e.ids["ship.oo:C1"]; !ok {
		shippingFixture(t, e)
	}
	if _, ok := e.ids["oo:C1"]; !ok {
		ordersFixture(t, e)
	}
	if _, ok := e.ids["opp:C1"]; !ok {
		channelFixture(t, e)
	}
}

// feedScopeFixture names one document of each type the feed reads, per
// customer, for the scope matrix.
func feedScopeFixture(t *testing.T, e *testEnv) {
	feedFixtures(t, e)
	for _, x := range []string{"C1", "C2"} {
		for name, from := range map[string]string{"feedoo": "oo", "feedrt": "ship.rt", "feedcr": "cr", "feedcp": "cp",
			"feedsr": "sr", "feedop": "opp", "feedst": "st", "feedob": "ship.ob"} {
			e.ids[name+":"+x] = e.ids[from+":"+x]
		}
	}
}

// feed reads one page of the feed as the client with token tok.
func (e *testEnv) feed(tok, after string, limit int) apiFeedPage {
	e.t.Helper()
	q := url.Values{}
	if after != "" {
		q.Set("after", after)
	}
	if limit != 0 {
		q.Set("limit", itoa(uint64(limit)))
	}
	path := "/events"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	r := e.api("GET", path, nil, apiCallOpts{token: tok})
	if r.Code != 200 {
		e.t.Fatalf("GET %s: %d %s", path, r.Code, r.Body)
	}
	var p apiFeedPage
	r.JSON(e.t, &p)
	return p
}

// feedAll reads the whole feed after a cursor, page by page.
func (e *testEnv) feedAll(tok, after string, limit int) ([]apiFeedEvent, string) {
	e.t.Helper()
	var out []apiFeedEvent
	for range 1000 {
		p := e.feed(tok, after, limit)
		out = append(out, p.Events...)
		after = p.Next
		if !p.HasMore {
			return out, after
		}
	}
	e.t.Fatal("the feed does not end")
	return nil, ""
}

// feedSummary renders events as "type customer document-number" lines.
func feedSummary(evs []apiFeedEvent) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Type+" "+ev.Customer.Code+" "+ev.Document.Number)
	}
	return out
}

// appendEvents puts n events of customer code on the feed directly.
func (e *testEnv) appendEvents(code string, n int) {
	e.t.Helper()
	err := e.st.Update("test", func(tx *store.Tx) error {
		for i := range n {
			ev := &model.FeedEvent{Event: model.EventOrderSubmitted, CustomerID: e.ids["customer:"+code], DocType: model.DocOnlineOrder,
				DocID: uint64(1000 + i), DocNumber: "OO-2026-" + itoa(uint64(900000+i)), Params: map[string]string{"amount": "¥1.00"}}
			if err := tx.AppendFeedEvent(ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// orderFromForm submits a new online order as dealer d through the order
// form and returns its page's path.
func orderFromForm(t *testing.T, e *testEnv, d *client, code string, qty string, customer string) string {
	t.Helper()
	form := d.get("/online-orders/new")
	r := d.post("/online-orders", url.Values{"_idem": {field(t, ordIdemRe, form.Body)}, "location": {e.id("location:" + customer)},
		"line.0.code": {code}, "line.0.qty": {qty}, "action": {"submit"}})
	wantCode(t, "submit online order", r, http.StatusSeeOther)
	return r.Header.Get("Location")
}

// TestAPIEventFeedFromDealerActions: what dealers and staff do in the UI
// is on the feed in commit order, each event naming its customer and
// document; a client of every customer sees all of it, the East client
// only C1's, and the document behind each event reads through the API.
func TestAPIEventFeedFromDealerActions(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	all, _ := e.newAPIClient("erp", apiClientOpts{scopes: allScopes()})
	east, _ := e.newAPIClient("east-erp", apiClientOpts{scopes: allScopes(), orgs: []string{"EAST"}})
	if p := e.feed(all, "", 0); len(p.Events) != 0 || p.HasMore {
		t.Fatalf("a new client starts at the end of the feed: %+v", p)
	}

	d1, d2 := e.login("c1.buyer"), e.login("c2.buyer")
	oo1 := orderFromForm(t, e, d1, "P-ALL", "1", "C1")
	oo2 := orderFromForm(t, e, d2, "P-ALL", "2", "C2")
	// The dealer changes the submitted order: 3 units now.
	edit := d1.get(oo1 + "/edit")
	wantCode(t, "edit submitted order", edit, http.StatusOK)
	wantCode(t, "save submitted order", d1.post(oo1, url.Values{"version": {field(t, ordVersionRe, edit.Body)},
		"location": {e.id("location:C1")}, "line.0.code": {"P-ALL"}, "line.0.qty": {"3"}, "action": {"save"}}), http.StatusSeeOther)
	s := e.login("east")
	ver := field(t, ordVersionRe, s.get(oo1).Body)
	wantCode(t, "reject", s.post(oo1+"/reject", url.Values{"version": {ver}, "reason": {"缺货"}}), http.StatusSeeOther)

	var n1, n2 string
	_ = e.st.View(func(tx *store.Tx) error {
		o1, _ := tx.OnlineOrder(store.AdminScope(), pathID(oo1))
		o2, _ := tx.OnlineOrder(store.AdminScope(), pathID(oo2))
		n1, n2 = o1.Number, o2.Number
		return nil
	})
	evs, _ := e.feedAll(all, "", 0)
	want := []string{"online_order.submitted C1 " + n1, "online_order.submitted C2 " + n2,
		"online_order.changed C1 " + n1, "online_order.rejected C1 " + n1}
	if got := feedSummary(evs); !slices.Equal(got, want) {
		t.Fatalf("feed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	ev := evs[3]
	if ev.Actor != "east" || ev.Data["reason"] != "缺货" || ev.Document.Type != "online_order" || ev.Document.Href != "/online-orders/"+itoa(pathID(oo1)) ||
		ev.Customer.ID != e.ids["customer:C1"] || ev.Customer.Name != "客户C1" || ev.OccurredAt.IsZero() {
		t.Errorf("rejection event: %+v", ev)
	}
	if evs[0].Actor != "c1.buyer" || evs[2].Data["amount"] != "¥300.00" {
		t.Errorf("submitted %+v, changed %+v", evs[0], evs[2])
	}
	// Ids are cursors in feed order; next is the last one.
	for i := 1; i < len(evs); i++ {
		a, _ := parseCursor(evs[i-1].ID)
		b, ok := parseCursor(evs[i].ID)
		if !ok || b <= a {
			t.Fatalf("cursors out of order: %s then %s", evs[i-1].ID, evs[i].ID)
		}
	}

	// East: C1's three events, never C2's, one at a time.
	got, next := e.feedAll(east, "", 1)
	if s := feedSummary(got); len(s) != 3 || slices.ContainsFunc(s, func(x string) bool { return strings.Contains(x, " C2 ") }) {
		t.Fatalf("East's feed: %v", s)
	}
	if next != evs[3].ID {
		t.Errorf("East's last next %s, want the last event's id %s", next, evs[3].ID)
	}
	// The page after C1's first event skips C2's and moves past it.
	p := e.feed(east, evs[0].ID, 1)
	if len(p.Events) != 1 || p.Events[0].ID != evs[2].ID || p.Next != evs[2].ID || !p.HasMore {
		t.Errorf("East after the first event: %+v", p)
	}

	// The documents: C1's order with its lines, C2's is not East's.
	r := e.api("GET", evs[2].Document.Href, nil, apiCallOpts{token: east})
	if r.Code != 200 {
		t.Fatalf("read the order: %d %s", r.Code, r.Body)
	}
	var o apiFeedOnlineOrder
	r.JSON(t, &o)
	if o.Number != n1 || o.Status != "rejected" || o.RejectReason != "缺货" || o.Customer.Code != "C1" || len(o.Lines) != 1 ||
		o.Lines[0].Product.Code != "P-ALL" || o.Lines[0].Qty != "3" || o.Lines[0].Price != 10000 || o.Totals.Amount != 30000 ||
		o.ShipTo.LocationID != e.ids["location:C1"] || len(o.Trail) != 2 || o.Trail[1].Reason != "缺货" {
		t.Errorf("online order: %s", r.Body)
	}
	if r := e.api("GET", evs[1].Document.Href, nil, apiCallOpts{token: east}); r.Code != 404 || r.problem(t).Code != "err.not_found" {
		t.Errorf("East reads C2's order: %d %s", r.Code, r.Body)
	}
	if r := e.api("GET", evs[1].Document.Href, nil, apiCallOpts{token: all}); r.Code != 200 {
		t.Errorf("the client of every customer reads C2's order: %d", r.Code)
	}
	// A client without the events grant may not read the feed; one without
	// orders may not read the order.
	prod, _ := e.newAPIClient("pim", apiClientOpts{scopes: []model.APIScope{"products:write", "events:read"}})
	if r := e.api("GET", evs[2].Document.Href, nil, apiCallOpts{token: prod}); r.Code != 403 {
		t.Errorf("order without orders:read: %d", r.Code)
	}
	ord, _ := e.newAPIClient("oms", apiClientOpts{scopes: []model.APIScope{"orders:write"}})
	if r := e.api("GET", "/events", nil, apiCallOpts{token: ord}); r.Code != 403 || r.problem(t).Code != "api.err_scope" {
		t.Errorf("feed without events:read: %d %s", r.Code, r.Body)
	}
	if problems, err := e.st.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
}

// pathID is the id at the end of a page's path ("/online-orders/12").
func pathID(path string) uint64 { return parseID(path[strings.LastIndex(path, "/")+1:]) }

// TestAPIEventFeedScope: a page of a scoped client looks at a bounded
// number of events; one that met only other regions' events returns none,
// with has_more and a next past them, so the client is never stuck.
func TestAPIEventFeedScope(t *testing.T) {
	e := newTestEnv(t)
	east, eastCl := e.newAPIClient("east-erp", apiClientOpts{scopes: []model.APIScope{"events:read"}, orgs: []string{"EAST"}})
	_, allCl := e.newAPIClient("erp", apiClientOpts{scopes: []model.APIScope{"events:read"}})
	e.appendEvents("C1", 1)
	e.appendEvents("C2", feedScanMax+10)
	e.appendEvents("C1", 2)
	p := e.feed(east, "", 0)
	if pos, _ := parseCursor(p.Next); len(p.Events) != 1 || !p.HasMore || pos != feedScanMax {
		t.Fatalf("first page: %d events, more %v, next %d", len(p.Events), p.HasMore, pos)
	}
	p2 := e.feed(east, p.Events[0].ID, 0)
	if len(p2.Events) != 0 || !p2.HasMore {
		t.Fatalf("the page after C1's first event (C2's events only): %d events, more %v", len(p2.Events), p2.HasMore)
	}
	if pos, _ := parseCursor(p2.Next); pos != 1+feedScanMax {
		t.Fatalf("the page moved to %d, want %d", pos, 1+feedScanMax)
	}
	p3 := e.feed(east, p2.Next, 0)
	if len(p3.Events) != 2 || p3.HasMore {
		t.Fatalf("last page: %d events, more %v", len(p3.Events), p3.HasMore)
	}
	// The lag counts the client's own customers' events only.
	_ = e.st.View(func(tx *store.Tx) error {
		cl, _ := tx.APIClient(eastCl.ID)
		if n, at := tx.FeedLag(cl); n != 3 || at.IsZero() {
			t.Errorf("East's lag: %d %v", n, at)
		}
		cl, _ = tx.APIClient(allCl.ID)
		if n, _ := tx.FeedLag(cl); n != 3+feedScanMax+10 {
			t.Errorf("the lag of the client of every customer: %d", n)
		}
		return nil
	})
	// Acknowledging the second page's next leaves C1's last two behind.
	r := e.api("POST", "/events/ack", map[string]string{"cursor": p2.Next}, apiCallOpts{token: east})
	var pos apiFeedPosition
	r.JSON(t, &pos)
	if r.Code != 200 || pos.Acknowledged != p2.Next || pos.Behind != 2 || pos.OldestPendingAt.IsZero() {
		t.Fatalf("ack: %d %s", r.Code, r.Body)
	}
}

// TestAPIEventAck: acknowledging moves the client's position forward only;
// reading without after starts there; unacknowledged events stay; bad
// cursors are refused and change nothing.
func TestAPIEventAck(t *testing.T) {
	e := newTestEnv(t)
	tok, cl := e.newAPIClient("erp", apiClientOpts{scopes: []model.APIScope{"events:read"}})
	e.appendEvents("C1", 5)
	evs, _ := e.feedAll(tok, "", 2)
	if len(evs) != 5 {
		t.Fatalf("%d events", len(evs))
	}
	// Reading moves nothing: the same events again.
	if again, _ := e.feedAll(tok, "", 0); len(again) != 5 || again[0].ID != evs[0].ID {
		t.Fatalf("read again: %d events", len(again))
	}
	ack := func(cursor any) apiResp {
		return e.api("POST", "/events/ack", map[string]any{"cursor": cursor}, apiCallOpts{token: tok, badRequest: true})
	}
	if r := ack(evs[2].ID); r.Code != 200 {
		t.Fatalf("ack: %d %s", r.Code, r.Body)
	}
	if p := e.feed(tok, "", 0); len(p.Events) != 2 || p.Events[0].ID != evs[3].ID {
		t.Fatalf("after the ack: %+v", p)
	}
	// An older cursor changes nothing, nor does the same one again.
	for _, c := range []string{evs[0].ID, evs[2].ID, feedCursor(0)} {
		r := ack(c)
		var pos apiFeedPosition
		r.JSON(t, &pos)
		if r.Code != 200 || pos.Acknowledged != evs[2].ID || pos.Behind != 2 || pos.Latest != evs[4].ID {
			t.Errorf("ack of an older cursor: %d %s", r.Code, r.Body)
		}
	}
	if r := e.api("GET", "/events/position", nil, apiCallOpts{token: tok}); r.Code != 200 || !strings.Contains(string(r.Body), evs[2].ID) {
		t.Errorf("position: %d %s", r.Code, r.Body)
	}
	// Bad cursors: field errors on the body, nothing moves.
	for name, tc := range map[string]struct {
		body  any
		code  int
		field string
		key   string
	}{
		"beyond the feed": {map[string]any{"cursor": feedCursor(99)}, 422, "cursor", "api.err_cursor_unknown"},
		"mangled":         {map[string]any{"cursor": evs[1].ID[:15] + "A"}, 422, "cursor", "api.err_cursor"},
		"not a cursor":    {map[string]any{"cursor": "hello"}, 422, "cursor", "api.err_cursor"},
		"empty":           {map[string]any{"cursor": ""}, 422, "cursor", "err.required"},
		"missing":         {map[string]any{}, 422, "cursor", "err.required"},
		"wrong type":      {map[string]any{"cursor": 5}, 422, "cursor", "api.err_type"},
		"unknown field":   {map[string]any{"cursor": evs[3].ID, "all": true}, 422, "all", "api.err_unknown_field"},
	} {
		r := e.api("POST", "/events/ack", tc.body, apiCallOpts{token: tok, badRequest: true})
		if r.Code != tc.code {
			t.Errorf("%s: %d %s", name, r.Code, r.Body)
			continue
		}
		p := r.problem(t)
		if len(p.Errors) != 1 || p.Errors[0].Field != tc.field || p.Errors[0].Code != tc.key || p.Errors[0].Message == "" {
			t.Errorf("%s: %+v", name, p)
		}
	}
	if r := e.api("POST", "/events/ack", nil, apiCallOpts{token: tok, badRequest: true, raw: []byte(`{"cursor":`)}); r.Code != 400 {
		t.Errorf("cut JSON: %d", r.Code)
	}
	_ = e.st.View(func(tx *store.Tx) error {
		c, _ := tx.APIClient(cl.ID)
		if c.Acked != 3 {
			t.Errorf("acked %d after the refusals, want 3", c.Acked)
		}
		return nil
	})
	// Bad reads: a malformed after is a 400, one beyond the feed a 422 on
	// after, a limit out of range a 422 on limit; in both languages.
	for name, tc := range map[string]struct {
		path, field, code string
		status            int
	}{
		"malformed after": {"/events?after=xyz", "", "api.err_cursor", 400},
		"after beyond":    {"/events?after=" + feedCursor(6), "after", "api.err_cursor_unknown", 422},
		"limit 0":         {"/events?limit=0", "limit", "err.range", 422},
		"limit 501":       {"/events?limit=501", "limit", "err.range", 422},
		"limit text":      {"/events?limit=ten", "limit", "err.range", 422},
	} {
		for _, lang := range []string{"en", "zh-CN"} {
			r := e.api("GET", tc.path, nil, apiCallOpts{token: tok, badRequest: true, lang: lang})
			p := r.problem(t)
			if r.Code != tc.status || tc.field == "" && p.Code != tc.code || tc.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tc.field || p.Errors[0].Code != tc.code) {
				t.Errorf("%s (%s): %d %s", name, lang, r.Code, r.Body)
			}
			if strings.Contains(string(r.Body), "⟦") {
				t.Errorf("%s (%s): untranslated: %s", name, lang, r.Body)
			}
		}
	}
	if p := e.feed(tok, "", feedLimitMax); len(p.Events) != 2 {
		t.Errorf("limit 500: %d events", len(p.Events))
	}
}

// TestAPIEventCursorsSurviveRestartAndBackup: a cursor is a position in the
// database: it reads the same events after the store is closed and opened
// again, and in a backup restored elsewhere (a copy of the file; the
// portable backup on PostgreSQL).
func TestAPIEventCursorsSurviveRestartAndBackup(t *testing.T) {
	e := newTestEnv(t)
	tok, _ := e.newAPIClient("erp", apiClientOpts{scopes: []model.APIScope{"events:write"}})
	e.appendEvents("C1", 3)
	e.appendEvents("C2", 3)
	first := e.feed(tok, "", 2)
	rest, _ := e.feedAll(tok, first.Next, 0)
	if len(rest) != 4 {
		t.Fatalf("%d events after the first page", len(rest))
	}
	backup := e.backupCopy(t)
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{e.dsn, backup} {
		e2 := e.openAt(t, p)
		got, _ := e2.feedAll(tok, first.Next, 0)
		if !slices.EqualFunc(got, rest, func(a, b apiFeedEvent) bool {
			return a.ID == b.ID && a.Type == b.Type && a.Document == b.Document && a.OccurredAt.Equal(b.OccurredAt)
		}) {
			t.Errorf("%s: after the first page:\n%v\nwant\n%v", store.RedactDSN(p), feedSummary(got), feedSummary(rest))
		}
		// New events continue the positions.
		e2.appendEvents("C1", 1)
		more, _ := e2.feedAll(tok, rest[3].ID, 0)
		if pos, _ := parseCursor(more[0].ID); len(more) != 1 || pos != 7 {
			t.Errorf("%s: the next event: %v", store.RedactDSN(p), feedSummary(more))
		}
		e2.st.Close()
	}
}

// TestAPIEventsOfEveryModule: returns, change requests, reconciliation,
// complaints, service requests, opportunities and stocktakes are on the
// feed; messages without a document (the responsible dealer's copy of a
// handled complaint) and events the feed does not carry are not; every
// event's document reads through its href.
func TestAPIEventsOfEveryModule(t *testing.T) {
	e := newTestEnv(t)
	tok, _ := e.newAPIClient("erp", apiClientOpts{scopes: allScopes()})
	feedFixtures(t, e)
	reconFixture(t, e)
	admin := e.user("admin")
	e.step(admin, func(tx *store.Tx) error {
		cr, err := tx.ChangeRequest(store.AdminScope(), e.ids["cr:C1"])
		if err != nil {
			return err
		}
		if _, err := tx.ActOnChangeRequest(store.AdminScope(), cr.ID, cr.Version, "submit", admin, ""); err != nil {
			return err
		}
		o, err := tx.Opportunity(store.AdminScope(), e.ids["opp:C1"])
		if err != nil {
			return err
		}
		_, err = tx.ActOnOpportunity(store.AdminScope(), admin, o.ID, o.Version, "submit", nil)
		return err
	})
	fin := e.user("c1.finance")
	e.step(fin, func(tx *store.Tx) error {
		_, err := tx.Reconcile(store.CustomerScope(fin.CustomerID), fin, model.DocOutbound, e.ids["ship.ob:C1"], 0, model.ReconDispute, "少了一箱")
		return err
	})
	evs, _ := e.feedAll(tok, "", feedLimitMax)
	seen := map[string]int{}
	for _, ev := range evs {
		seen[ev.Type]++
		if !model.OnFeed(model.Event(ev.Type)) {
			t.Errorf("%s is not a feed event", ev.Type)
		}
		if ev.Document.Type == "complaint" {
			// Each complaint event names the complainant and its complaint.
			if want := e.ids["cp:"+ev.Customer.Code]; ev.Document.ID != want {
				t.Errorf("complaint event of %s names complaint %d, want %d", ev.Customer.Code, ev.Document.ID, want)
			}
		}
		r := e.api("GET", ev.Document.Href, nil, apiCallOpts{token: tok})
		if r.Code != 200 || !strings.Contains(string(r.Body), `"number":"`+ev.Document.Number+`"`) {
			t.Errorf("%s %s: %d %s", ev.Type, ev.Document.Href, r.Code, r.Body)
		}
	}
	for typ, n := range map[string]int{
		"online_order.submitted": 4, "online_order.converted": 2, "return.submitted": 2, "change_request.submitted": 1,
		"reconciliation.outbound.disputed": 1, "complaint.status_changed": 6, "service_request.created": 2,
		"stocktake.recorded": 2, "opportunity.submitted": 1,
	} {
		if seen[typ] != n {
			t.Errorf("%d × %s on the feed, want %d (all: %v)", seen[typ], typ, n, seen)
		}
	}
	for _, typ := range []string{"delivery_notice.created", "catalog.published", "announcement.published", "comment.added"} {
		if seen[typ] != 0 {
			t.Errorf("%s is on the feed", typ)
		}
	}
	// The documents read in full.
	var rt apiFeedReturn
	e.api("GET", "/return-requests/"+e.id("ship.rt:C1"), nil, apiCallOpts{token: tok}).JSON(t, &rt)
	if rt.Status != "submitted" || rt.SalesOrder == nil || len(rt.Lines) != 1 || rt.Lines[0].Qty != "1" || rt.Lines[0].SourceLine != 1 || rt.Reason != "包装破损" {
		t.Errorf("return: %+v", rt)
	}
	var cr apiFeedChange
	e.api("GET", "/change-requests/"+e.id("cr:C1"), nil, apiCallOpts{token: tok}).JSON(t, &cr)
	if cr.Status != "submitted" || len(cr.Lines) != 1 || cr.Lines[0].NewQty == nil || *cr.Lines[0].NewQty != "2" || cr.Lines[0].Product == nil || cr.Lines[0].Old != nil {
		t.Errorf("change request: %+v", cr)
	}
	var rc apiFeedReconciliation
	e.api("GET", "/reconciliations/outbound/"+e.id("ship.ob:C1"), nil, apiCallOpts{token: tok}).JSON(t, &rc)
	if rc.Status != "disputed" || rc.Comment != "少了一箱" || rc.By != "c1.finance" || rc.OnBehalf || rc.Document.Type != "outbound" {
		t.Errorf("reconciliation: %+v", rc)
	}
	var un apiFeedReconciliation
	e.api("GET", "/reconciliations/invoice/"+e.id("rc.iv:C1"), nil, apiCallOpts{token: tok}).JSON(t, &un)
	if un.Status != "unconfirmed" || un.Version != 0 {
		t.Errorf("an invoice nobody reconciled: %+v", un)
	}
	if r := e.api("GET", "/reconciliations/sales_order/"+e.id("ship.so:C1"), nil, apiCallOpts{token: tok}); r.Code != 404 {
		t.Errorf("a sales order has no reconciliation: %d", r.Code)
	}
	var cp apiFeedComplaint
	e.api("GET", "/complaints/"+e.id("cp:C1"), nil, apiCallOpts{token: tok}).JSON(t, &cp)
	if cp.Handling == nil || cp.Handling.Penalty != 10000 || cp.Handling.Responsible == nil || cp.Handling.Responsible.Code != "C2" || cp.Product == nil {
		t.Errorf("complaint: %+v", cp)
	}
	var op apiFeedOpportunity
	e.api("GET", "/opportunities/"+e.id("opp:C1"), nil, apiCallOpts{token: tok}).JSON(t, &op)
	if op.Status != "submitted" || len(op.Lines) != 1 || op.Lines[0].Price != 100 || op.EndClient != "终端C1" {
		t.Errorf("opportunity: %+v", op)
	}
	var sr apiFeedServiceRequest
	e.api("GET", "/service-requests/"+e.id("sr:C1"), nil, apiCallOpts{token: tok}).JSON(t, &sr)
	if sr.Status != "new" || sr.Product.Code != "P-ALL" || sr.Priority != "normal" {
		t.Errorf("service request: %+v", sr)
	}
	var st apiFeedStocktake
	e.api("GET", "/stocktakes/"+e.id("st:C1"), nil, apiCallOpts{token: tok}).JSON(t, &st)
	if len(st.Lines) != 1 || st.Lines[0].Qty != "5" || st.TotalQty != "5" {
		t.Errorf("stocktake: %+v", st)
	}
	// East's client sees neither C2's responsible-dealer nor C2's documents.
	east, _ := e.newAPIClient("east-erp", apiClientOpts{scopes: allScopes(), orgs: []string{"EAST"}})
	var ecp apiFeedComplaint
	e.api("GET", "/complaints/"+e.id("cp:C1"), nil, apiCallOpts{token: east}).JSON(t, &ecp)
	if ecp.Handling == nil || ecp.Handling.Responsible != nil || ecp.Accused != nil {
		t.Errorf("East's complaint names South's dealer: %+v", ecp.Handling)
	}
	if problems, err := e.st.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
}

// TestAPIEventRolledBack: an event raised in a transaction that fails is
// not on the feed.
func TestAPIEventRolledBack(t *testing.T) {
	e := newTestEnv(t)
	boom := errors.New("boom")
	err := e.st.Update("test", func(tx *store.Tx) error {
		if err := tx.Emit(&model.OutboxMessage{Event: model.EventOrderSubmitted, CustomerID: e.ids["customer:C1"], DocType: model.DocOnlineOrder, DocID: 9}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	e.step(e.user("admin"), func(tx *store.Tx) error {
		// A message without a document, and an event the feed does not carry.
		if err := tx.Emit(&model.OutboxMessage{Event: model.EventComplaintStatus, CustomerID: e.ids["customer:C2"], DocType: model.DocComplaint, DocNumber: "CP-1"}); err != nil {
			return err
		}
		return tx.Emit(&model.OutboxMessage{Event: model.EventDeliveryNoticeCreated, CustomerID: e.ids["customer:C1"], DocType: model.DocDeliveryNotice, DocID: 3})
	})
	_ = e.st.View(func(tx *store.Tx) error {
		if n := tx.LastEventSeq(); n != 0 {
			t.Errorf("%d events on the feed", n)
		}
		if all, _ := tx.OutboxCount(); all != 2 {
			t.Errorf("%d outbox messages, want 2", all)
		}
		return nil
	})
}

// TestAPIFeedRetention: the purge removes the events older than the
// retention that every reading client (not disabled, with the events
// grant or a webhook) acknowledged, and nothing else; positions go on.
func TestAPIFeedRetention(t *testing.T) {
	e := newTestEnv(t)
	now := e.st.Now()
	e.st.SetClock(func() time.Time { return now })
	tok, reader := e.newAPIClient("erp", apiClientOpts{scopes: []model.APIScope{"events:read"}})
	_, off := e.newAPIClient("old-erp", apiClientOpts{scopes: []model.APIScope{"events:read"}})
	e.newAPIClient("pim", apiClientOpts{scopes: []model.APIScope{"products:write"}})
	off.Disabled = true
	e.step(e.user("admin"), func(tx *store.Tx) error { return tx.SaveAPIClient(off) })
	e.appendEvents("C1", 3)
	if r := e.api("POST", "/events/ack", map[string]string{"cursor": feedCursor(2)}, apiCallOpts{token: tok}); r.Code != 200 {
		t.Fatalf("ack: %d %s", r.Code, r.Body)
	}
	purge := func() int {
		n, err := e.st.PurgeFeed(store.FeedRetention)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := purge(); n != 0 {
		t.Fatalf("purged %d events younger than the retention", n)
	}
	now = now.Add(store.FeedRetention + time.Hour)
	e.appendEvents("C2", 1)
	if n := purge(); n != 2 {
		t.Fatalf("purged %d, want the 2 acknowledged old events", n)
	}
	_ = e.st.View(func(tx *store.Tx) error {
		if f, l := tx.FirstEventSeq(), tx.LastEventSeq(); f != 3 || l != 4 {
			t.Errorf("feed from %d to %d, want 3 to 4", f, l)
		}
		cl, _ := tx.APIClient(reader.ID)
		if n, at := tx.FeedLag(cl); n != 2 || !at.Equal(now.Add(-store.FeedRetention-time.Hour)) {
			t.Errorf("lag %d %v", n, at)
		}
		// The disabled client counts only what is left.
		cl, _ = tx.APIClient(off.ID)
		if n, _ := tx.FeedLag(cl); n != 2 {
			t.Errorf("disabled client's lag %d", n)
		}
		return nil
	})
	// Reading from the beginning starts at the oldest event kept.
	if p := e.feed(tok, feedCursor(0), 0); len(p.Events) != 2 || p.Events[0].ID != feedCursor(3) {
		t.Errorf("from the start: %v", feedSummary(p.Events))
	}
	// Once acknowledged and old, the rest goes too; the next event keeps
	// counting.
	e.api("POST", "/events/ack", map[string]string{"cursor": feedCursor(4)}, apiCallOpts{token: tok})
	now = now.Add(store.FeedRetention + time.Hour)
	if n := purge(); n != 2 {
		t.Fatalf("second purge: %d", n)
	}
	e.appendEvents("C1", 1)
	if p := e.feed(tok, "", 0); len(p.Events) != 1 || p.Events[0].ID != feedCursor(5) {
		t.Errorf("after the purge: %v", feedSummary(p.Events))
	}
	if problems, err := e.st.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
}

// TestFeedCursor: cursors round-trip; anything else is refused.
func TestFeedCursor(t *testing.T) {
	for _, pos := range []uint64{0, 1, 255, 1 << 40, ^uint64(0)} {
		c := feedCursor(pos)
		if got, ok := parseCursor(c); !ok || got != pos || len(c) != 16 {
			t.Errorf("%d: %q → %d %v", pos, c, got, ok)
		}
	}
	c := feedCursor(42)
	for _, bad := range []string{"", "abc", c[:15], c + "A", strings.ToUpper(c), "AQAAAAAAAAAqAAAA", c[:15] + "+"} {
		if _, ok := parseCursor(bad); ok && bad != c {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParseCursor: no input makes the parser panic, and whatever it
// accepts is what feedCursor makes of the position.
func FuzzParseCursor(f *testing.F) {
	f.Add(feedCursor(7))
	f.Add("")
	f.Add("AQAAAAAAAAAHxxxx")
	f.Fuzz(func(t *testing.T, s string) {
		if pos, ok := parseCursor(s); ok && feedCursor(pos) != s {
			t.Errorf("%q parsed as %d", s, pos)
		}
	})
}
