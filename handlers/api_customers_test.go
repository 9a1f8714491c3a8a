package handlers

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"dealerportal/demo"
	"dealerportal/model"
	"dealerportal/notify"
	"dealerportal/store"
)

// The customers family of the API: customers, locations, dealer users and
// their invitations.

func init() {
	apiScopeRows = append(apiScopeRows, customersAPIScopeRows...)
	apiScopeFixtures = append(apiScopeFixtures, customersAPIFixture)
	// The dealer user page's "send a new invitation" button.
	scopeMatrix = append(scopeMatrix, scopeRoute{"POST", "/customers/{cust}/users/{user}/invite"})
}

// customersAPIScopeRows: every route of the family. The C1 calls leave the
// fixture as it was (the same values), except the second row, which makes a
// new East customer.
var customersAPIScopeRows = []apiScopeRow{
	{"PUT", "/customers/{ext:customer}", `{"code":"{ext:code}","name":"客户{ext:code}","org_unit":"{ext:org}","salesperson":"{ext:salesperson}","credit_limit":100000}`, 404},
	{"PUT", "/customers/NEW-{ext:code}", `{"code":"NEW{ext:code}","name":"新客户","org_unit":"{ext:org}"}`, 422},
	{"POST", "/customers/bulk", `{"items":[{"external_id":"{ext:customer}","code":"{ext:code}","name":"客户{ext:code}","org_unit":"{ext:org}","salesperson":"{ext:salesperson}","credit_limit":100000}]}`, 422},
	{"GET", "/customers/{ext:customer}", "", 404},
	{"PUT", "/customers/{ext:customer}/locations/{ext:location}", `{"name":"仓库{ext:code}","address":"地址 {ext:code}"}`, 404},
	{"GET", "/customers/{ext:customer}/locations/{ext:location}", "", 404},
	{"GET", "/customers/{ext:customer}/locations", "", 404},
	{"POST", "/locations/bulk", `{"items":[{"customer":"{ext:customer}","external_id":"{ext:location}","name":"仓库{ext:code}","address":"地址 {ext:code}"}]}`, 422},
	{"PUT", "/customers/{ext:customer}/users/{ext:dealer_user}", `{"username":"{ext:username}","name":"{ext:code} buyer","roles":["buyer"]}`, 404},
	{"GET", "/customers/{ext:customer}/users/{ext:dealer_user}", "", 404},
	{"GET", "/customers/{ext:customer}/users", "", 404},
	{"POST", "/dealer-users/bulk", `{"items":[{"customer":"{ext:customer}","external_id":"{ext:dealer_user}","username":"{ext:username}","name":"{ext:code} buyer","roles":["buyer"]}]}`, 422},
	{"POST", "/customers/{ext:customer}/users/{ext:dealer_user}/invitation", "", 404},
}

// customersAPIFixture gives C1 and C2, their first location and their
// buyer external ids (keeping one another module's fixture set first), and
// names the values the rows' bodies need.
func customersAPIFixture(t *testing.T, e *testEnv) {
	t.Helper()
	orgs := map[string]string{"C1": "SH", "C2": "GZ"}
	err := e.st.Update("test", func(tx *store.Tx) error {
		for _, x := range []string{"C1", "C2"} {
			for _, r := range []struct {
				kind, name string
				id         uint64
			}{
				{store.ExtCustomer, "customer", e.ids["customer:"+x]},
				{store.ExtLocation, "location", e.ids["location:"+x]},
				{store.ExtDealerUser, "dealer_user", e.ids["user:"+strings.ToLower(x)+".buyer"]},
			} {
				ext := tx.ExternalOf(r.kind, r.id)
				if ext == "" {
					ext = "ERP-" + strings.ToUpper(r.name) + "-" + x
					if err := tx.SetExternalID(r.kind, ext, r.id); err != nil {
						return err
					}
				}
				e.exts[r.name+":"+x] = ext
			}
			e.exts["code:"+x], e.exts["org:"+x], e.exts["username:"+x] = x, orgs[x], strings.ToLower(x)+".buyer"
		}
		e.exts["salesperson:C1"] = "own"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// problemFields decodes a 422 problem into field → code.
func problemFieldCodes(t *testing.T, r apiResp) map[string]string {
	t.Helper()
	if r.Code != http.StatusUnprocessableEntity {
		t.Fatalf("want 422, got %d: %s", r.Code, r.Body)
	}
	out := map[string]string{}
	for _, f := range r.problem(t).Errors {
		out[f.Field] = f.Code
	}
	return out
}

// itemResult decodes a single upsert's answer.
func itemResult(t *testing.T, r apiResp, code int, status string) apiItemResult {
	t.Helper()
	if r.Code != code {
		t.Fatalf("want %d %s, got %d: %s", code, status, r.Code, r.Body)
	}
	var res apiItemResult
	r.JSON(t, &res)
	if res.Status != status {
		t.Fatalf("want %s, got %+v", status, res)
	}
	return res
}

func (e *testEnv) customer(id uint64) *model.Customer {
	e.t.Helper()
	c, err := e.st.Customer(store.AdminScope(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *testEnv) extID(kind, ext string) uint64 {
	var id uint64
	_ = e.st.View(func(tx *store.Tx) error { id = tx.ExternalID(kind, ext); return nil })
	return id
}

func customerBody(code, org string) map[string]any {
	return map[string]any{"code": code, "name": "客户" + code, "org_unit": org, "salesperson": "east", "phone": "021-5555 1234",
		"email": "office@" + strings.ToLower(code) + ".example.com", "credit_limit": 5000000, "level": "B", "tax_number": "91310000MA1FL0XXXX",
		"bank": "招商银行", "bank_account": "6225 0000 1111", "address": "上海市浦东新区", "remarks": "经 ERP 同步"}
}

// TestAPICustomerUpsert: created, unchanged (nothing written), updated; a
// field left out is cleared; a customer keyed in by hand is taken over by
// its code; read back by external id and in the list.
func TestAPICustomerUpsert(t *testing.T) {
	e := newTestEnv(t)
	tok, _ := e.newAPIClient("ERP", apiClientOpts{scopes: []model.APIScope{"customers:write"}})
	if err := e.st.Update("t", func(tx *store.Tx) error {
		return tx.SaveCustomerGroup(&model.CustomerGroup{Code: "TIER1", Name: "一级经销商"})
	}); err != nil {
		t.Fatal(err)
	}
	body := customerBody("C9", "SH")
	body["group"] = "tier1"
	res := itemResult(t, e.api("PUT", "/customers/ERP-9", body, apiCallOpts{token: tok}), 201, "created")
	cu := e.customer(res.ID)
	if cu.Code != "C9" || cu.OrgUnitID != e.ids["org:SH"] || cu.SalespersonID != e.ids["user:east"] || cu.CreditLimit != 5000000 ||
		cu.GroupID == 0 || cu.Status != model.CustomerActive || cu.Level != "B" || res.ExternalID != "ERP-9" {
		t.Fatalf("stored %+v", cu)
	}
	// The same payload again writes nothing.
	before := storeFingerprint(t, e)
	itemResult(t, e.api("PUT", "/customers/ERP-9", body, apiCallOpts{token: tok}), 200, "unchanged")
	if storeFingerprint(t, e) != before {
		t.Fatal("an unchanged upsert wrote")
	}
	// A change, and a field left out is cleared.
	body["name"] = "客户C9（新）"
	delete(body, "phone")
	delete(body, "group")
	itemResult(t, e.api("PUT", "/customers/ERP-9", body, apiCallOpts{token: tok}), 200, "updated")
	if cu = e.customer(res.ID); cu.Name != "客户C9（新）" || cu.Phone != "" || cu.GroupID != 0 || cu.Version != 2 {
		t.Fatalf("after update %+v", cu)
	}
	// Read back.
	r := e.api("GET", "/customers/ERP-9", nil, apiCallOpts{token: tok})
	var got apiCustomer
	r.JSON(t, &got)
	if r.Code != 200 || got.ID != res.ID || got.OrgUnit != "SH" || got.Salesperson != "east" || got.CreditLimit != 5000000 ||
		got.ExternalID != "ERP-9" || got.Status != "active" || got.Version != 2 {
		t.Fatalf("GET: %d %+v", r.Code, got)
	}
	// Customer C1 was keyed in by hand: the first upsert with its code links
	// it (the ERP's values win), the next one changes nothing.
	c1 := map[string]any{"code": "C1", "name": "客户C1", "org_unit": "SH", "salesperson": "own", "credit_limit": 100000}
	if res := itemResult(t, e.api("PUT", "/customers/ERP-1", c1, apiCallOpts{token: tok}), 200, "updated"); res.ID != e.ids["customer:C1"] {
		t.Fatalf("C1 not taken over: %+v", res)
	}
	itemResult(t, e.api("PUT", "/customers/ERP-1", c1, apiCallOpts{token: tok}), 200, "unchanged")
	// An external id with characters a path must escape.
	c3 := customerBody("C3", "GZ")
	itemResult(t, e.api("PUT", "/customers/"+url.PathEscape("ERP/3 A"), c3, apiCallOpts{token: tok}), 201, "created")
	if e.extID(store.ExtCustomer, "ERP/3 A") == 0 {
		t.Fatal("escaped external id not stored as sent")
	}
	// The list: by code, paged, filtered.
	var page apiCustomerPage
	r = e.api("GET", "/customers?limit=2", nil, apiCallOpts{token: tok})
	r.JSON(t, &page)
	if r.Code != 200 || page.Total != 4 || len(page.Items) != 2 || page.Items[0].Code != "C1" || page.Items[0].ExternalID != "ERP-1" {
		t.Fatalf("list: %d %+v", r.Code, page)
	}
	r = e.api("GET", "/customers?org_unit=SOUTH&offset=0", nil, apiCallOpts{token: tok})
	page = apiCustomerPage{}
	r.JSON(t, &page)
	if page.Total != 2 || page.Items[0].Code != "C2" || page.Items[0].ExternalID != "" || page.Items[1].Code != "C3" {
		t.Fatalf("list of SOUTH: %+v", page)
	}
	for q, field := range map[string]string{"limit=0": "limit", "limit=201": "limit", "offset=-1": "offset", "status=gone": "status", "org_unit=NOPE": "org_unit"} {
		if f := problemFieldCodes(t, e.api("GET", "/customers?"+q, nil, apiCallOpts{token: tok, badRequest: true})); f[field] == "" {
			t.Errorf("%s: %v", q, f)
		}
	}
}

// TestAPICustomerBulk: each record its own result; the same bulk twice is
// all unchanged; a bad record does not stop the good ones and writes
// nothing of its own; a bulk with no good record is a 422 that writes
// nothing.
func TestAPICustomerBulk(t *testing.T) {
	e := newTestEnv(t)
	tok, _ := e.newAPIClient("ERP", apiClientOpts{scopes: []model.APIScope{"customers:write"}})
	items := func(codes ...string) map[string]any {
		var list []any
		for _, c := range codes {
			b := customerBody(c, "SH")
			b["external_id"] = "ERP-" + c
			list = append(list, b)
		}
		return map[string]any{"items": list}
	}
	var res apiBulkResult
	r := e.api("POST", "/customers/bulk", items("B1", "B2", "B3"), apiCallOpts{token: tok})
	r.JSON(t, &res)
	if r.Code != 200 || res.Created != 3 || res.Failed != 0 || res.Results[2].ExternalID != "ERP-B3" || res.Results[2].ID == 0 {
		t.Fatalf("first bulk: %d %s", r.Code, r.Body)
	}
	before := storeFingerprint(t, e)
	r = e.api("POST", "/customers/bulk", items("B1", "B2", "B3"), apiCallOpts{token: tok})
	r.JSON(t, &res)
	if res.Unchanged != 3 || storeFingerprint(t, e) != before {
		t.Fatalf("second bulk: %s", r.Body)
	}
	// One changed, one new, one bad (unknown org unit), one repeated.
	in := items("B1", "B4", "B5", "B1")
	in["items"].([]any)[0].(map[string]any)["name"] = "改名"
	in["items"].([]any)[2].(map[string]any)["org_unit"] = "NOPE"
	in["items"].([]any)[3].(map[string]any)["name"] = "又改名"
	r = e.api("POST", "/customers/bulk", in, apiCallOpts{token: tok})
	r.JSON(t, &res)
	if r.Code != 200 || res.Updated != 1 || res.Created != 1 || res.Failed != 2 ||
		res.Results[2].Status != "failed" || res.Results[2].Errors[0].Field != "items[2].org_unit" || res.Results[2].Errors[0].Code != "api.customers.unknown_org_unit" ||
		res.Results[3].Errors[0].Field != "items[3].external_id" || res.Results[3].Errors[0].Code != "api.customers.duplicate_item" {
		t.Fatalf("mixed bulk: %d %s", r.Code, r.Body)
	}
	if e.extID(store.ExtCustomer, "ERP-B5") != 0 || e.customer(res.Results[0].ID).Name != "改名" {
		t.Fatal("the bad record wrote, or the repeat overwrote the first")
	}
	// Nothing good: a 422 problem with every record's errors; nothing written.
	before = storeFingerprint(t, e)
	in = items("B6", "B7")
	in["items"].([]any)[0].(map[string]any)["org_unit"] = ""
	in["items"].([]any)[1].(map[string]any)["credit_limit"] = -5
	f := problemFieldCodes(t, e.api("POST", "/customers/bulk", in, apiCallOpts{token: tok, badRequest: true}))
	if f["items[0].org_unit"] != "err.required" || f["items[1].credit_limit"] != "err.not_negative" {
		t.Fatalf("all bad: %v", f)
	}
	// Empty, and over the limit.
	if f := problemFieldCodes(t, e.api("POST", "/customers/bulk", map[string]any{"items": []any{}}, apiCallOpts{token: tok, badRequest: true})); f["items"] != "err.required" {
		t.Errorf("empty bulk: %v", f)
	}
	big := make([]any, APIBulkMax+1)
	for i := range big {
		big[i] = map[string]any{"external_id": "X" + strconv.Itoa(i), "code": "X" + strconv.Itoa(i), "name": "x", "org_unit": "SH"}
	}
	if f := problemFieldCodes(t, e.api("POST", "/customers/bulk", map[string]any{"items": big}, apiCallOpts{token: tok, badRequest: true})); f["items"] != "api.err_bulk_max" {
		t.Errorf("bulk over the limit: %v", f)
	}
	if storeFingerprint(t, e) != before {
		t.Fatal("a refused bulk wrote")
	}
}

// TestAPICustomerBadInput: every kind of bad input is a problem that names
// the field with the UI's message, and writes nothing.
func TestAPICustomerBadInput(t *testing.T) {
	e := newTestEnv(t)
	tok, _ := e.newAPIClient("ERP", apiClientOpts{scopes: []model.APIScope{"customers:write"}})
	itemResult(t, e.api("PUT", "/customers/ERP-2", customerBody("C2", "GZ"), apiCallOpts{token: tok}), 200, "updated") // links C2
	with := func(k string, v any) map[string]any {
		b := customerBody("C8", "SH")
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	before := storeFingerprint(t, e)
	for _, tc := range []struct {
		name       string
		body       any
		field, key string
	}{
		{"wrong type", with("code", 8), "code", "api.err_type"},
		{"wrong type of money", with("credit_limit", "5000"), "credit_limit", "api.err_type"},
		{"fractional cents", with("credit_limit", 12.5), "credit_limit", "api.err_type"},
		{"unknown field", with("colour", "red"), "colour", "api.err_unknown_field"},
		{"missing name", with("name", nil), "name", "err.required"},
		{"missing org unit", with("org_unit", nil), "org_unit", "err.required"},
		{"bad code", with("code", "C 8"), "code", "err.code"},
		{"name too long", with("name", strings.Repeat("名", 101)), "name", "err.too_long"},
		{"negative credit limit", with("credit_limit", -1), "credit_limit", "err.not_negative"},
		{"credit limit out of range", with("credit_limit", int64(model.MaxAmount)+1), "credit_limit", "err.amount_range"},
		{"bad phone", with("phone", "call me"), "phone", "err.phone_shape"},
		{"bad e-mail", with("email", "office-at-example"), "email", "err.email"},
		{"bad tax number", with("tax_number", "123"), "tax_number", "err.tax_number"},
		{"bad level", with("level", "E"), "level", "err.choice"},
		{"bad status", with("status", "closed"), "status", "err.choice"},
		{"unknown org unit", with("org_unit", "NOPE"), "org_unit", "api.customers.unknown_org_unit"},
		{"unknown group", with("group", "NOPE"), "group", "api.customers.unknown_group"},
		{"unknown salesperson", with("salesperson", "nobody"), "salesperson", "api.customers.unknown_salesperson"},
		{"a dealer as salesperson", with("salesperson", "c1.buyer"), "salesperson", "api.customers.unknown_salesperson"},
		{"code of another linked customer", with("code", "C2"), "code", "err.duplicate"},
	} {
		r := e.api("PUT", "/customers/ERP-8", tc.body, apiCallOpts{token: tok, badRequest: true})
		if f := problemFieldCodes(t, r); f[tc.field] != tc.key {
			t.Errorf("%s: %v, want %s at %s", tc.name, f, tc.key, tc.field)
		}
	}
	// The UI's words, in the caller's language.
	r := e.api("PUT", "/customers/ERP-8", with("name", nil), apiCallOpts{token: tok, badRequest: true, lang: "zh-CN"})
	if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Message != "必填。" || p.Title != "数据无效" {
		t.Errorf("zh problem: %+v", p)
	}
	// Malformed requests.
	for name, o := range map[string]apiCallOpts{
		"not JSON":       {raw: []byte(`{"code":`)},
		"two values":     {raw: []byte(`{} {}`)},
		"bad path id":    {raw: []byte(`{}`)},
		"oversized body": {raw: append(append([]byte(`{"remarks":"`), bytes.Repeat([]byte("x"), APIBodyLimit)...), `"}`...)},
	} {
		o.token, o.badRequest = tok, true
		path := "/customers/ERP-8"
		want := http.StatusBadRequest
		switch name {
		case "bad path id":
			path = "/customers/" + strings.Repeat("x", 101)
			want = http.StatusNotFound
		case "oversized body":
			want = http.StatusRequestEntityTooLarge
		}
		if r := e.api("PUT", path, nil, o); r.Code != want {
			t.Errorf("%s: %d, want %d: %.200s", name, r.Code, want, r.Body)
		}
	}
	if r := e.api("PUT", "/customers/ERP-8", nil, apiCallOpts{token: tok, badRequest: true, raw: []byte("code=C8"),
		headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}); r.Code != http.StatusUnsupportedMediaType {
		t.Errorf("form body: %d", r.Code)
	}
	if storeFingerprint(t, e) != before {
		t.Fatal("bad input wrote")
	}
}

// TestAPICustomerScope: a client of the East region reads and writes only
// East's customers; a client without the family's grant is refused.
func TestAPICustomerScope(t *testing.T) {
	e := newTestEnv(t)
	customersAPIFixture(t, e)
	tok, _ := e.newAPIClient("east-erp", apiClientOpts{scopes: []model.APIScope{"customers:write"}, orgs: []string{"EAST"}})
	var page apiCustomerPage
	r := e.api("GET", "/customers", nil, apiCallOpts{token: tok})
	r.JSON(t, &page)
	if page.Total != 1 || page.Items[0].Code != "C1" {
		t.Fatalf("East's list: %s", r.Body)
	}
	before := storeFingerprint(t, e)
	if f := problemFieldCodes(t, e.api("PUT", "/customers/NEW", customerBody("C7", "GZ"), apiCallOpts{token: tok})); f["org_unit"] != "err.out_of_scope" {
		t.Errorf("a new South customer: %v", f)
	}
	c1 := customerBody("C1", "GZ") // moving C1 out of East
	if f := problemFieldCodes(t, e.api("PUT", "/customers/"+e.exts["customer:C1"], c1, apiCallOpts{token: tok})); f["org_unit"] != "err.out_of_scope" {
		t.Errorf("moving C1 to the South: %v", f)
	}
	for _, p := range []string{"/customers/" + e.exts["customer:C2"], "/customers/" + e.exts["customer:C2"] + "/locations", "/customers/" + e.exts["customer:C2"] + "/users"} {
		if r := e.api("GET", p, nil, apiCallOpts{token: tok}); r.Code != 404 {
			t.Errorf("GET %s: %d", p, r.Code)
		}
	}
	if r := e.api("PUT", "/customers/"+e.exts["customer:C2"], customerBody("C2", "SH"), apiCallOpts{token: tok}); r.Code != 404 {
		t.Errorf("PUT C2 (even into East): %d", r.Code)
	}
	// The code of a South customer not linked yet is taken: not taken over.
	if f := problemFieldCodes(t, e.api("PUT", "/customers/NEW2", customerBody("C2", "SH"), apiCallOpts{token: tok})); f["code"] != "err.duplicate" {
		t.Errorf("a South code: %v", f)
	}
	if storeFingerprint(t, e) != before {
		t.Fatal("refused calls wrote")
	}
	// Grants: read only, and another family only.
	ro, _ := e.newAPIClient("reader", apiClientOpts{scopes: []model.APIScope{"customers:read"}})
	if r := e.api("GET", "/customers/"+e.exts["customer:C2"], nil, apiCallOpts{token: ro}); r.Code != 200 {
		t.Errorf("read grant GET: %d", r.Code)
	}
	if r := e.api("PUT", "/customers/"+e.exts["customer:C2"], customerBody("C2", "GZ"), apiCallOpts{token: ro}); r.Code != 403 || r.problem(t).Code != "api.err_scope" {
		t.Errorf("read grant PUT: %d %s", r.Code, r.Body)
	}
	other, _ := e.newAPIClient("products", apiClientOpts{scopes: []model.APIScope{"products:write"}})
	if r := e.api("GET", "/customers", nil, apiCallOpts{token: other}); r.Code != 403 {
		t.Errorf("other family: %d", r.Code)
	}
	// A revoked token, then an expired one: 401, nothing written.
	revoked, cl := e.newAPIClient("revoked", apiClientOpts{scopes: []model.APIScope{"customers:write"}})
	if err := e.st.Update("admin", func(tx *store.Tx) error {
		toks, err := tx.APITokens(cl.ID)
		if err != nil {
			return err
		}
		return tx.RevokeAPIToken(cl.ID, toks[0].ID)
	}); err != nil {
		t.Fatal(err)
	}
	before = storeFingerprint(t, e)
	if r := e.api("PUT", "/customers/NEW3", customerBody("C6", "SH"), apiCallOpts{token: revoked}); r.Code != 401 {
		t.Errorf("revoked token: %d", r.Code)
	}
	now := e.st.Now()
	e.st.SetClock(func() time.Time { return now.AddDate(1, 0, 1) })
	if r := e.api("POST", "/dealer-users/bulk", map[string]any{"items": []any{}}, apiCallOpts{token: tok, badRequest: true}); r.Code != 401 {
		t.Errorf("expired token: %d", r.Code)
	}
	if storeFingerprint(t, e) != before {
		t.Fatal("refused tokens wrote")
	}
}

// TestAPILocations: upsert by external id under the customer; a location
// keyed in by hand is taken over by name; the primary moves only with
// "primary": true and never leaves the customer without one.
func TestAPILocations(t *testing.T) {
	e := newTestEnv(t)
	customersAPIFixture(t, e)
	tok, _ := e.newAPIClient("ERP", apiClientOpts{scopes: []model.APIScope{"customers:write"}})
	c1 := "/customers/" + e.exts["customer:C1"]
	loc := map[string]any{"name": "二号仓", "address": "上海市嘉定区 1 号", "contact": "李四", "phone": "13800000000", "region": "上海"}
	res := itemResult(t, e.api("PUT", c1+"/locations/L2", loc, apiCallOpts{token: tok}), 201, "created")
	var l apiLocation
	r := e.api("GET", c1+"/locations/L2", nil, apiCallOpts{token: tok})
	r.JSON(t, &l)
	if l.ID != res.ID || l.Primary || l.Customer != e.exts["customer:C1"] || l.CustomerCode != "C1" || l.Contact != "李四" {
		t.Fatalf("GET: %+v", l)
	}
	itemResult(t, e.api("PUT", c1+"/locations/L2", loc, apiCallOpts{token: tok}), 200, "unchanged")
	// Make L2 primary: the fixture's location stops being one.
	loc["primary"] = true
	itemResult(t, e.api("PUT", c1+"/locations/L2", loc, apiCallOpts{token: tok}), 200, "updated")
	var list apiLocationList
	e.api("GET", c1+"/locations", nil, apiCallOpts{token: tok}).JSON(t, &list)
	if len(list.Items) != 2 || list.Items[0].ExternalID != "L2" || !list.Items[0].Primary || list.Items[1].Primary {
		t.Fatalf("list: %+v", list)
	}
	// primary false (or absent) leaves the primary where it is.
	delete(loc, "primary")
	itemResult(t, e.api("PUT", c1+"/locations/L2", loc, apiCallOpts{token: tok}), 200, "unchanged")
	// The first location of a new customer is its primary.
	itemResult(t, e.api("PUT", "/customers/ERP-9", customerBody("C9", "SH"), apiCallOpts{token: tok}), 201, "created")
	itemResult(t, e.api("PUT", "/customers/ERP-9/locations/L9", loc, apiCallOpts{token: tok}), 201, "created")
	e.api("GET", "/customers/ERP-9/locations/L9", nil, apiCallOpts{token: tok}).JSON(t, &l)
	if !l.Primary {
		t.Fatal("first location not primary")
	}
	// A location id belongs to one customer.
	if f := problemFieldCodes(t, e.api("PUT", "/customers/ERP-9/locations/L2", loc, apiCallOpts{token: tok})); f["external_id"] != "api.customers.location_elsewhere" {
		t.Errorf("another customer's location id: %v", f)
	}
	// Bad input.
	before := storeFingerprint(t, e)
	for _, tc := range []struct {
		body       map[string]any
		field, key string
	}{
		{map[string]any{"name": "x"}, "address", "err.required"},
		{map[string]any{"name": "x", "address": "y", "phone": "abc"}, "phone", "err.phone_shape"},
		{map[string]any{"name": strings.Repeat("n", 61), "address": "y"}, "name", "err.too_long"},
		{map[string]any{"name": "x", "address": "y", "primary": "yes"}, "primary", "api.err_type"},
	} {
		if f := problemFieldCodes(t, e.api("PUT", c1+"/locations/L3", tc.body, apiCallOpts{token: tok, badRequest: true})); f[tc.field] != tc.key {
			t.Errorf("%v: %v", tc.body, f)
		}
	}
	if r := e.api("PUT", "/customers/NOBODY/locations/L3", loc, apiCallOpts{token: tok}); r.Code != 404 {
		t.Errorf("unknown customer in the path: %d", r.Code)
	}
	if storeFingerprint(t, e) != before {
		t.Fatal("bad input wrote")
	}
	// Taken over by name: the fixture's first location has no external id
	// of its own in a fresh portal.
	e2 := newTestEnv(t)
	tok2, _ := e2.newAPIClient("ERP", apiClientOpts{scopes: []model.APIScope{"customers:write"}})
	itemResult(t, e2.api("PUT", "/customers/ERP-1", map[string]any{"code": "C1", "name": "客户C1", "org_unit": "SH", "salesperson": "own", "credit_limit": 100000}, apiCallOpts{token: tok2}), 200, "updated")
	res = itemResult(t, e2.api("PUT", "/customers/ERP-1/locations/W1", map[string]any{"name": "仓库C1", "address": "地址 C1"}, apiCallOpts{token: tok2}), 200, "updated")
	if res.ID != e2.ids["location:C1"] {
		t.Fatalf("not taken over: %+v", res)
	}
	itemResult(t, e2.api("PUT", "/customers/ERP-1/locations/W1", map[string]any{"name": "仓库C1", "address": "地址 C1"}, apiCallOpts{token: tok2}), 200, "unchanged")
	// Bulk: each names its customer.
	var bres apiBulkResult
	r = e.api("POST", "/locations/bulk", map[string]any{"items": []any{
		map[string]any{"customer": "ERP-9", "external_id": "L10", "name": "十号仓", "address": "地址 10"},
		map[string]any{"customer": e.exts["customer:C1"], "external_id": "L11", "name": "十一号仓", "address": "地址 11", "primary": true},
		map[string]any{"customer": "NOBODY", "external_id": "L12", "name": "十二号仓", "address": "地址 12"},
		map[string]any{"external_id": "L13", "customer": "", "name": "十三号仓", "address": "地址 13"},
	}}, apiCallOpts{token: tok})
	r.JSON(t, &bres)
	if r.Code != 200 || bres.Created != 2 || bres.Failed != 2 || bres.Results[2].Errors[0].Field != "items[2].customer" ||
		bres.Results[2].Errors[0].Code != "api.customers.unknown_customer" || bres.Results[3].Errors[0].Code != "err.required" {
		t.Fatalf("bulk: %d %s", r.Code, r.Body)
	}
	e.api("GET", c1+"/locations", nil, apiCallOpts{token: tok}).JSON(t, &list)
	if list.Items[0].ExternalID != "L11" || list.Items[0].Primary != true || len(list.Items) != 3 {
		t.Fatalf("after bulk: %+v", list)
	}
	// A location deleted in the portal is made anew by the next upsert.
	l2 := e.extID(store.ExtLocation, "L2")
	if err := e.st.Update("t", func(tx *store.Tx) error {
		l, err := tx.Location(store.AdminScope(), e.ids["customer:C1"], l2)
		if err != nil {
			return err
		}
		return tx.DeleteLocation(store.AdminScope(), l.CustomerID, l.ID, l.Version)
	}); err != nil {
		t.Fatal(err)
	}
	itemResult(t, e.api("PUT", c1+"/locations/L2", loc, apiCallOpts{token: tok}), 201, "created")
}

// --- dealer users and invitations ---

// mailbox is an SMTP server in the test process, with the settings that
// send to it.
func useTestSMTP(t *testing.T, e *testEnv) *testSMTP {
	t.Helper()
	srv, addr := startTestSMTP(t)
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	if err := e.st.Update("t", func(tx *store.Tx) error {
		if _, err := tx.AddMissingTemplates(demo.DefaultTemplates()); err != nil {
			return err
		}
		s := tx.MessagingSettings()
		s.SMTPHost, s.SMTPPort, s.SMTPSecurity, s.SMTPFrom = host, p, model.SMTPNone, "portal@example.com"
		return tx.SaveMessagingSettings(s)
	}); err != nil {
		t.Fatal(err)
	}
	return srv
}

// sentMail is one message the test server received, decoded.
type sentMail struct{ To, Subject, Body string }

// mails returns what the server received so far.
func (s *testSMTP) mails(t *testing.T) []sentMail {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sentMail
	for i, raw := range s.data {
		m, err := mail.ReadMessage(strings.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		b, _ := io.ReadAll(m.Body)
		body, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(b), "\r\n", ""))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sentMail{To: s.to[i], Subject: subj, Body: string(body)})
	}
	return out
}

// send runs the message worker once, with absolute links.
func send(t *testing.T, e *testEnv) {
	t.Helper()
	w := &notify.Worker{Store: e.st, BaseURL: "https://portal.example.com", Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

var inviteLinkRe = regexp.MustCompile(`https://portal\.example\.com/invite/([A-Za-z0-9_-]+)`)

func inviteToken(t *testing.T, m sentMail) string {
	t.Helper()
	match := inviteLinkRe.FindStringSubmatch(m.Body)
	if match == nil {
		t.Fatalf("no invitation link in %q", m.Body)
	}
	return match[1]
}

func (e *testEnv) dealerUser(t *testing.T, tok, custExt, ext string) apiDealerUser {
	t.Helper()
	var u apiDealerUser
	r := e.api("GET", "/customers/"+custExt+"/users/"+ext, nil, apiCallOpts{token: tok})
	if r.Code != 200 {
		t.Fatalf("GET user %s: %d %s", ext, r.Code, r.Body)
	}
	if strings.Contains(strings.ToLower(string(r.Body)), "password") {
		t.Fatalf("a password field in the API: %s", r.Body)
	}
	r.JSON(t, &u)
	return u
}

// TestAPIDealerUserInvitation: a new dealer user gets an invitation e-mail
// through a real SMTP server, and nobody else does; the same payload again
// sends nothing; a new address sends a new one and the old link dies; the
// page sets the password and logs the user in, once.
func TestAPIDealerUserInvitation(t *testing.T) {
	e := newTestEnv(t)
	customersAPIFixture(t, e)
	srv := useTestSMTP(t, e)
	tok, _ := e.newAPIClient("ERP", apiClientOpts{scopes: []model.APIScope{"customers:write"}})
	c1 := e.exts["customer:C1"]
	now := e.st.Now()
	e.st.SetClock(func() time.Time { return now })
	// The customer's manager has an address, and the admin ticks every
	// recipient on the invitation's template: the invitation still goes to
	// its user alone.
	if err := e.st.Update("t", func(tx *store.Tx) error {
		if _, err := tx.SetUserPrefs(e.ids["user:c1.manager"], func(u *model.User) error { u.Email = "manager@c1.example.com"; return nil }); err != nil {
			return err
		}
		m, err := tx.MessageTemplate(model.EventUserInvited)
		if err != nil {
			return err
		}
		m.ToCustomerUsers, m.ToSalesperson, m.Addresses = true, true, []string{"audit@example.com"}
		m.Channels = append(m.Channels, model.ChannelInApp)
		return tx.SaveMessageTemplate(m)
	}); err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"name": "王磊", "email": "Wang.Lei@c1.example.com", "roles": []string{"buyer", "manager"}, "lang": "en"}
	res := itemResult(t, e.api("PUT", "/customers/"+c1+"/users/U1", body, apiCallOpts{token: tok}), 201, "created")
	u := e.dealerUser(t, tok, c1, "U1")
	if u.ID != res.ID || u.Username != "c1.wang.lei" || u.State != "invited" || u.InvitationExpiresAt == nil ||
		!u.InvitationExpiresAt.Equal(now.AddDate(0, 0, model.InvitationDays)) || strings.Join(u.Roles, ",") != "manager,buyer" || u.Email != "Wang.Lei@c1.example.com" {
		t.Fatalf("new user %+v", u)
	}
	send(t, e)
	mails := srv.mails(t)
	if len(mails) != 1 || mails[0].To != "Wang.Lei@c1.example.com" || !strings.Contains(mails[0].Subject, "invites you") ||
		!strings.Contains(mails[0].Body, "c1.wang.lei") || !strings.Contains(mails[0].Body, "Dear 王磊") {
		t.Fatalf("mails %+v", mails)
	}
	token := inviteToken(t, mails[0])
	// The file holds no token.
	if err := e.st.View(func(tx *store.Tx) error {
		if inv := tx.PendingInvitation(u.ID); inv == nil || inv.Email != "Wang.Lei@c1.example.com" {
			t.Errorf("invitation %+v", inv)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The same payload again: unchanged, no second invitation.
	before := storeFingerprint(t, e)
	itemResult(t, e.api("PUT", "/customers/"+c1+"/users/U1", body, apiCallOpts{token: tok}), 200, "unchanged")
	if storeFingerprint(t, e) != before {
		t.Fatal("an unchanged upsert wrote")
	}
	// A new name: updated, still no second invitation.
	body["name"] = "王磊磊"
	itemResult(t, e.api("PUT", "/customers/"+c1+"/users/U1", body, apiCallOpts{token: tok}), 200, "updated")
	send(t, e)
	if n := len(srv.mails(t)); n != 1 {
		t.Fatalf("%d mails after a rename", n)
	}
	// A new address: a new invitation there, and the first link dies.
	body["email"] = "wl@c1.example.com"
	itemResult(t, e.api("PUT", "/customers/"+c1+"/users/U1", body, apiCallOpts{token: tok}), 200, "updated")
	send(t, e)
	mails = srv.mails(t)
	if len(mails) != 2 || mails[1].To != "wl@c1.example.com" {
		t.Fatalf("mails %+v", mails)
	}
	if u := e.dealerUser(t, tok, c1, "U1"); u.Username != "c1.wang.lei" {
		t.Fatalf("the username changed with the address: %s", u.Username)
	}
	old, token := token, inviteToken(t, mails[1])
	anon := e.client()
	if r := anon.get("/invite/" + old); r.Code != 404 || !strings.Contains(r.Body, "does not work") {
		t.Fatalf("replaced link: %d %s", r.Code, excerpt(r.Body))
	}
	// The page, in both languages, public.
	for lang, want := range map[string]string{"zh": "设置密码", "en": "Choose your password"} {
		c := e.client()
		c.lang = lang
		r := c.get("/invite/" + token)
		mustRender(t, "/invite", r)
		if r.Code != 200 || !strings.Contains(r.Body, want) || !strings.Contains(r.Body, `value="c1.wang.lei"`) || !strings.Contains(r.Body, `name="_csrf"`) {
			t.Fatalf("%s page: %d %s", lang, r.Code, excerpt(r.Body))
		}
	}
	// The password rules of the rest of the portal; a refusal writes nothing.
	c := e.client()
	c.get("/invite/" + token)
	before = storeFingerprint(t, e)
	for _, tc := range []struct{ pw, confirm, want string }{
		{"short1", "short1", "At least 8"},
		{"12345678", "12345678", "Must not be only digits"},
		{"long-enough-1", "long-enough-2", "The two passwords differ"},
	} {
		r := c.post("/invite/"+token, url.Values{"password": {tc.pw}, "confirm": {tc.confirm}})
		if r.Code != 422 || !strings.Contains(r.Body, tc.want) {
			t.Errorf("%s/%s: %d %s", tc.pw, tc.confirm, r.Code, excerpt(r.Body))
		}
	}
	// Without the CSRF token of the page: refused.
	if r := e.client().post("/invite/"+token, url.Values{"password": {"long-enough-1"}, "confirm": {"long-enough-1"}}); r.Code != 403 {
		t.Errorf("no CSRF token: %d", r.Code)
	}
	if storeFingerprint(t, e) != before {
		t.Fatal("a refused password wrote")
	}
	r := c.post("/invite/"+token, url.Values{"password": {"long-enough-1"}, "confirm": {"long-enough-1"}})
	if r.Code != 303 || r.Header.Get("Location") != "/" {
		t.Fatalf("accept: %d %s", r.Code, excerpt(r.Body))
	}
	if r := c.get("/"); r.Code != 200 || !strings.Contains(r.Body, "王磊磊") {
		t.Fatalf("not logged in after accepting: %d", r.Code)
	}
	if e.dealerUser(t, tok, c1, "U1").State != "active" {
		t.Fatal("state not active")
	}
	// The link works once.
	if r := e.client().get("/invite/" + token); r.Code != 404 {
		t.Fatalf("used link: %d", r.Code)
	}
	// The same password logs in on the login page.
	login := e.client()
	login.get("/login")
	if r := login.post("/login", url.Values{"username": {"c1.wang.lei"}, "password": {"long-enough-1"}}); r.Code != 303 {
		t.Fatalf("login with the chosen password: %d", r.Code)
	}
	// An accepted user is not invited again, by e-mail change or on demand.
	body["email"] = "new@c1.example.com"
	itemResult(t, e.api("PUT", "/customers/"+c1+"/users/U1", body, apiCallOpts{token: tok}), 200, "updated")
	if r := e.api("POST", "/customers/"+c1+"/users/U1/invitation", nil, apiCallOpts{token: tok}); r.Code != 409 || r.problem(t).Code != "api.customers.err_password_set" {
		t.Fatalf("resend to an active user: %d %s", r.Code, r.Body)
	}
	send(t, e)
	if n := len(srv.mails(t)); n != 2 {
		t.Fatalf("%d mails", n)
	}
	// Nobody else received anything: no in-app message for the manager either.
	var inbox []*model.InboxMessage
	_ = e.st.View(func(tx *store.Tx) (err error) {
		inbox, _, err = tx.Inbox(e.ids["user:c1.manager"], false, store.Page{})
		return
	})
	if len(inbox) != 0 {
		t.Fatalf("the manager got %d in-app messages", len(inbox))
	}
}

// TestInvitationExpiresAndResend: a link stops working after seven days by
// the store's clock; a resend (API or the user's page) issues a new one.
func TestInvitationExpiresAndResend(t *testing.T) {
	e := newTestEnv(t)
	customersAPIFixture(t, e)
	srv := useTestSMTP(t, e)
	tok, _ := e.newAPIClient("ERP", apiClientOpts{scopes: []model.APIScope{"customers:write"}})
	c1 := e.exts["customer:C1"]
	now := e.st.Now()
	e.st.SetClock(func() time.Time { return now })
	res := itemResult(t, e.api("PUT", "/customers/"+c1+"/users/U2", map[string]any{"username": "c1.li", "name": "李娜", "email": "li@c1.example.com", "roles": []string{"buyer"}}, apiCallOpts{token: tok}), 201, "created")
	send(t, e)
	token := inviteToken(t, srv.mails(t)[0])
	if !strings.Contains(srv.mails(t)[0].Subject, "邀请") {
		t.Errorf("no language given: the invitation is in Chinese: %q", srv.mails(t)[0].Subject)
	}
	e.st.SetClock(func() time.Time { return now.AddDate(0, 0, model.InvitationDays).Add(-time.Minute) })
	if r := e.client().get("/invite/" + token); r.Code != 200 {
		t.Fatalf("a minute before expiry: %d", r.Code)
	}
	e.st.SetClock(func() time.Time { return now.AddDate(0, 0, model.InvitationDays) })
	if r := e.client().get("/invite/" + token); r.Code != 404 {
		t.Fatalf("at expiry: %d", r.Code)
	}
	// The staff page shows the expired invitation and resends it.
	admin := e.login("admin")
	edit := fmt.Sprintf("/customers/%d/users/%d/edit", e.ids["customer:C1"], res.ID)
	r := admin.get(edit)
	if r.Code != 200 || !strings.Contains(r.Body, "expired") || !strings.Contains(r.Body, "Send a new invitation") {
		t.Fatalf("edit page: %d %s", r.Code, excerpt(r.Body))
	}
	mustRender(t, edit, r)
	// The invitation's template: no recipients to choose, the reason said.
	if r := admin.get("/messages/templates/user.invited"); r.Code != 200 || !strings.Contains(r.Body, "goes by e-mail to that user only") || strings.Contains(r.Body, `name="to_customer_users"`) {
		t.Errorf("template page: %d %s", r.Code, excerpt(r.Body))
	} else {
		mustRender(t, "/messages/templates/user.invited", r)
	}
	if r := admin.post(fmt.Sprintf("/customers/%d/users/%d/invite", e.ids["customer:C1"], res.ID), nil); r.Code != 303 {
		t.Fatalf("resend: %d %s", r.Code, excerpt(r.Body))
	}
	send(t, e)
	second := inviteToken(t, srv.mails(t)[1])
	if r := admin.get(edit); !strings.Contains(r.Body, "valid until") {
		t.Errorf("edit page after resend: %s", excerpt(r.Body))
	}
	// And through the API: the page's link dies, the API's works.
	var u apiDealerUser
	r2 := e.api("POST", "/customers/"+c1+"/users/U2/invitation", nil, apiCallOpts{token: tok})
	r2.JSON(t, &u)
	if r2.Code != 202 || u.State != "invited" || !u.InvitationExpiresAt.Equal(now.AddDate(0, 0, 2*model.InvitationDays)) {
		t.Fatalf("API resend: %d %s", r2.Code, r2.Body)
	}
	send(t, e)
	third := inviteToken(t, srv.mails(t)[2])
	if r := e.client().get("/invite/" + second); r.Code != 404 {
		t.Fatalf("replaced link: %d", r.Code)
	}
	c := e.client()
	c.get("/invite/" + third)
	if r := c.post("/invite/"+third, url.Values{"password": {"long-enough-1"}, "confirm": {"long-enough-1"}}); r.Code != 303 {
		t.Fatalf("accept: %d %s", r.Code, excerpt(r.Body))
	}
	// The page's button on a user with a password: refused with a message.
	if r := admin.post(fmt.Sprintf("/customers/%d/users/%d/invite", e.ids["customer:C1"], res.ID), nil); r.Code != 422 || !strings.Contains(r.Body, "chosen a password already") {
		t.Fatalf("resend to an active user: %d %s", r.Code, excerpt(r.Body))
	}
	// A disabled invitee gets no invitation; enabling it sends one.
	res = itemResult(t, e.api("PUT", "/customers/"+c1+"/users/U3", map[string]any{"name": "赵六", "email": "zhao@c1.example.com", "roles": []string{"buyer"}, "disabled": true}, apiCallOpts{token: tok}), 201, "created")
	send(t, e)
	if n := len(srv.mails(t)); n != 3 {
		t.Fatalf("a disabled user was invited: %d mails", n)
	}
	if r := e.api("POST", "/customers/"+c1+"/users/U3/invitation", nil, apiCallOpts{token: tok}); r.Code != 409 || r.problem(t).Code != "api.customers.err_user_disabled" {
		t.Fatalf("resend to a disabled user: %d %s", r.Code, r.Body)
	}
	itemResult(t, e.api("PUT", "/customers/"+c1+"/users/U3", map[string]any{"name": "赵六", "email": "zhao@c1.example.com", "roles": []string{"buyer"}}, apiCallOpts{token: tok}), 200, "updated")
	send(t, e)
	if mails := srv.mails(t); len(mails) != 4 || mails[3].To != "zhao@c1.example.com" {
		t.Fatalf("enabled user not invited: %+v", mails)
	}
}

// TestAPIDealerUserInput: usernames in the customer's namespace, roles,
// required e-mail, users keyed in by hand taken over, bulk; bad input
// writes nothing.
func TestAPIDealerUserInput(t *testing.T) {
	e := newTestEnv(t)
	customersAPIFixture(t, e)
	tok, _ := e.newAPIClient("ERP", apiClientOpts{scopes: []model.APIScope{"customers:write"}})
	c1 := "/customers/" + e.exts["customer:C1"]
	before := storeFingerprint(t, e)
	for _, tc := range []struct {
		body       map[string]any
		field, key string
	}{
		{map[string]any{"name": "x", "roles": []string{"buyer"}}, "email", "err.required"},
		{map[string]any{"name": "x", "email": "x@example.com", "roles": []string{"admin"}}, "roles", "err.role_invalid"},
		{map[string]any{"name": "x", "email": "x@example.com", "roles": []string{}}, "roles", "err.roles_required"},
		{map[string]any{"name": "x", "email": "x@example.com"}, "roles", "err.roles_required"},
		{map[string]any{"name": "x", "email": "x@example.com", "roles": "buyer"}, "roles", "api.err_type"},
		{map[string]any{"name": "x", "email": "x@example.com", "roles": []string{"buyer"}, "username": "wang"}, "username", "sec.username_prefix"},
		{map[string]any{"name": "x", "email": "x@example.com", "roles": []string{"buyer"}, "username": "c2.wang"}, "username", "sec.username_prefix"},
		{map[string]any{"name": "x", "email": "x@example.com", "roles": []string{"buyer"}, "username": "c1.buyer"}, "username", "sec.username_unavailable"},
		{map[string]any{"name": "x", "email": "not-an-address", "roles": []string{"buyer"}}, "email", "err.email"},
		{map[string]any{"name": "x", "email": "x@example.com", "roles": []string{"buyer"}, "mobile": "abc"}, "mobile", "err.phone"},
		{map[string]any{"name": "x", "email": "x@example.com", "roles": []string{"buyer"}, "lang": "fr"}, "lang", "err.choice"},
		{map[string]any{"name": "x", "email": "x@example.com", "roles": []string{"buyer"}, "password": "secret123"}, "password", "api.err_unknown_field"},
		{map[string]any{"email": "x@example.com", "roles": []string{"buyer"}}, "name", "err.required"},
	} {
		if f := problemFieldCodes(t, e.api("PUT", c1+"/users/U9", tc.body, apiCallOpts{token: tok, badRequest: true})); f[tc.field] != tc.key {
			t.Errorf("%v: %v, want %s at %s", tc.body, f, tc.key, tc.field)
		}
	}
	if storeFingerprint(t, e) != before {
		t.Fatal("bad input wrote")
	}
	// A user keyed in by hand (with a password, without an address) is
	// taken over by its username and keeps its password.
	mgr := map[string]any{"username": "c1.manager", "name": "C1 manager", "roles": []string{"manager"}}
	res := itemResult(t, e.api("PUT", c1+"/users/M1", mgr, apiCallOpts{token: tok}), 200, "updated")
	if res.ID != e.ids["user:c1.manager"] {
		t.Fatalf("not taken over: %+v", res)
	}
	itemResult(t, e.api("PUT", c1+"/users/M1", mgr, apiCallOpts{token: tok}), 200, "unchanged")
	e.login("c1.manager")
	// A user id belongs to one customer.
	c2user := map[string]any{"name": "x", "email": "x@c2.example.com", "roles": []string{"buyer"}}
	if f := problemFieldCodes(t, e.api("PUT", "/customers/"+e.exts["customer:C2"]+"/users/M1", c2user, apiCallOpts{token: tok})); f["external_id"] != "api.customers.user_elsewhere" {
		t.Errorf("another customer's user id: %v", f)
	}
	// Derived usernames: from the address, numbered when taken.
	var bres apiBulkResult
	r := e.api("POST", "/dealer-users/bulk", map[string]any{"items": []any{
		map[string]any{"customer": e.exts["customer:C2"], "external_id": "B1", "name": "甲", "email": "sales@c2.example.com", "roles": []string{"buyer"}},
		map[string]any{"customer": e.exts["customer:C2"], "external_id": "B2", "name": "乙", "email": "sales@other.example.com", "roles": []string{"dealer_finance"}},
		map[string]any{"customer": "NOBODY", "external_id": "B3", "name": "丙", "email": "c@example.com", "roles": []string{"buyer"}},
	}}, apiCallOpts{token: tok})
	r.JSON(t, &bres)
	if r.Code != 200 || bres.Created != 2 || bres.Failed != 1 || bres.Results[2].Errors[0].Field != "items[2].customer" {
		t.Fatalf("bulk: %d %s", r.Code, r.Body)
	}
	var list apiDealerUserList
	e.api("GET", "/customers/"+e.exts["customer:C2"]+"/users", nil, apiCallOpts{token: tok}).JSON(t, &list)
	names := map[string]bool{}
	for _, u := range list.Items {
		names[u.Username] = true
	}
	if len(list.Items) != 4 || !names["c2.sales"] || !names["c2.sales2"] {
		t.Fatalf("derived names: %v", names)
	}
	var n int
	_ = e.st.View(func(tx *store.Tx) error {
		msgs, _ := tx.PendingOutbox(100)
		for _, m := range msgs {
			if m.Event == model.EventUserInvited {
				n++
			}
		}
		return nil
	})
	if n != 2 {
		t.Fatalf("%d invitations queued for two new users", n)
	}
	// The whole record is in the answer; never a password.
	u := e.dealerUser(t, tok, e.exts["customer:C2"], "B2")
	if u.CustomerCode != "C2" || u.Roles[0] != "dealer_finance" || u.InvitedAt == nil {
		t.Fatalf("user %+v", u)
	}
	raw, _ := json.Marshal(u)
	if bytes.Contains(raw, []byte("password")) {
		t.Fatal("password in the API")
	}
}

// FuzzCustomerDecoders: the strict decoder never panics on the family's
// bodies, and a body it accepts encodes back to one it accepts again.
func FuzzCustomerDecoders(f *testing.F) {
	for _, s := range []string{
		`{"code":"C1","name":"客户","org_unit":"SH","credit_limit":100}`,
		`{"items":[{"external_id":"E","code":"C","name":"n","org_unit":"SH"}]}`,
		`{"name":"仓","address":"地址","primary":true}`,
		`{"items":[{"customer":"E","external_id":"L","name":"n","address":"a"}]}`,
		`{"name":"王","email":"w@example.com","roles":["buyer"],"lang":"en","disabled":false}`,
		`{"items":[{"customer":"E","external_id":"U","name":"n","roles":["manager"]}]}`,
		`{"credit_limit":1e99}`, `{"roles":[1]}`, `{"items":null}`, `[]`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, mk := range []func() any{
			func() any { return &apiCustomerFields{} }, func() any { return &apiBulk[apiCustomerItem]{} },
			func() any { return &apiLocationFields{} }, func() any { return &apiBulk[apiLocationItem]{} },
			func() any { return &apiDealerUserFields{} }, func() any { return &apiBulk[apiDealerUserItem]{} },
		} {
			v := mk()
			if decodeStrict(body, v) != nil {
				continue
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%T: %v", v, err)
			}
			if err := decodeStrict(out, mk()); err != nil {
				t.Fatalf("%T: %s accepted, its encoding %s refused: %v", v, body, out, err)
			}
		}
	})
}
