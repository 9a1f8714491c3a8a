package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// apiDoc is the served OpenAPI document, loaded once and checked; every API
// test call is validated against it (the request unless the test sends a
// deliberately bad one, and always the response).
var apiDoc struct {
	once   sync.Once
	router routers.Router
	err    error
}

func (e *testEnv) apiRouter() routers.Router {
	e.t.Helper()
	apiDoc.once.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(e.h.api.doc)
		if err != nil {
			apiDoc.err = err
			return
		}
		if apiDoc.err = doc.Validate(context.Background()); apiDoc.err != nil {
			return
		}
		doc.Servers = openapi3.Servers{{URL: "http://portal.test" + APIPrefix}}
		apiDoc.router, apiDoc.err = gorillamux.NewRouter(doc)
	})
	if apiDoc.err != nil {
		e.t.Fatalf("openapi document: %v", apiDoc.err)
	}
	return apiDoc.router
}

// apiClientOpts are the settings of a test client.
type apiClientOpts struct {
	scopes []model.APIScope
	orgs   []string // org unit codes ("EAST")
	ips    []string
	rate   int
}

// newAPIClient creates a client and a token for it; it returns the token.
func (e *testEnv) newAPIClient(name string, o apiClientOpts) (string, *model.APIClient) {
	e.t.Helper()
	if o.rate == 0 {
		o.rate = model.APIRateMax
	}
	cl := &model.APIClient{Name: name, Scopes: o.scopes, AllowIPs: o.ips, RateLimit: o.rate}
	for _, code := range o.orgs {
		cl.OrgUnits = append(cl.OrgUnits, e.ids["org:"+code])
	}
	var secret string
	err := e.st.Update("admin", func(t *store.Tx) error {
		if err := t.SaveAPIClient(cl); err != nil {
			return err
		}
		var err error
		secret, _, err = t.IssueAPIToken(cl.ID, t.Now.AddDate(1, 0, 0))
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return secret, cl
}

// allScopes grants every family for writing.
func allScopes() []model.APIScope {
	var s []model.APIScope
	for _, f := range model.APIFamilies {
		s = append(s, model.ScopeOf(f, true))
	}
	return s
}

// apiResp is an API answer with its decoded JSON body.
type apiResp struct {
	Code   int
	Body   []byte
	Header http.Header
}

// JSON decodes the body into v and fails the test when it is not JSON.
func (r apiResp) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// problem decodes a problem+json answer.
func (r apiResp) problem(t *testing.T) problemDoc {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json: %s", ct, r.Body)
	}
	var p problemDoc
	r.JSON(t, &p)
	return p
}

// apiCallOpts varies a test call.
type apiCallOpts struct {
	token   string
	lang    string
	headers map[string]string
	// badRequest skips validating the request against the document (the
	// test sends a deliberately invalid one); the answer is still checked.
	badRequest bool
	raw        []byte // the body as sent, instead of marshalling body
}

// api calls the API and validates request and answer against the OpenAPI
// document.
func (e *testEnv) api(method, path string, body any, o apiCallOpts) apiResp {
	e.t.Helper()
	var data []byte
	switch {
	case o.raw != nil:
		data = o.raw
	case body != nil:
		var err error
		if data, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	mk := func() *http.Request {
		var rd io.Reader
		if data != nil {
			rd = bytes.NewReader(data)
		}
		req := httptest.NewRequest(method, "http://portal.test"+APIPrefix+path, rd)
		if data != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if o.token != "" {
			req.Header.Set("Authorization", "Bearer "+o.token)
		}
		req.Header.Set("Accept-Language", "en")
		if o.lang != "" {
			req.Header.Set("Accept-Language", o.lang)
		}
		for k, v := range o.headers {
			req.Header.Set(k, v)
		}
		return req
	}
	router := e.apiRouter()
	req := mk()
	route, params, rerr := router.FindRoute(req)
	var in *openapi3filter.RequestValidationInput
	if rerr == nil {
		in = &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		if !o.badRequest {
			if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
				e.t.Fatalf("%s %s: request does not match the OpenAPI document: %v", method, path, err)
			}
		}
	}
	res, err := e.app.Test(mk(), -1)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if in != nil {
		rv := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
			Body: io.NopCloser(bytes.NewReader(out)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		if err := openapi3filter.ValidateResponse(context.Background(), rv); err != nil {
			e.t.Fatalf("%s %s: answer %d does not match the OpenAPI document: %v\n%s", method, path, res.StatusCode, err, out)
		}
	}
	return apiResp{Code: res.StatusCode, Body: out, Header: res.Header}
}

func TestAPIDocumentIsServedAndValid(t *testing.T) {
	e := newTestEnv(t)
	e.apiRouter()
	r := e.api("GET", "/openapi.json", nil, apiCallOpts{})
	if r.Code != 200 || !bytes.Contains(r.Body, []byte(`"openapi": "3.1.0"`)) {
		t.Fatalf("openapi.json: %d %.200s", r.Code, r.Body)
	}
	// Every route under the prefix is an operation of the document.
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, rt := range Routes(e.app) {
		if !strings.HasPrefix(rt.Path, APIPrefix+"/") {
			continue
		}
		p := openAPIPath(strings.TrimPrefix(rt.Path, APIPrefix))
		if doc.Paths[p][strings.ToLower(rt.Method)] == nil {
			t.Errorf("route %s %s is not in the OpenAPI document", rt.Method, rt.Path)
		}
	}
}

func TestAPIAuthentication(t *testing.T) {
	e := newTestEnv(t)
	tok, cl := e.newAPIClient("ERP", apiClientOpts{scopes: []model.APIScope{"products:read"}})
	if r := e.api("GET", "/me", nil, apiCallOpts{token: tok}); r.Code != 200 {
		t.Fatalf("me: %d %s", r.Code, r.Body)
	} else {
		var me apiWhoAmI
		r.JSON(t, &me)
		if me.Client != "ERP" || len(me.Scopes) != 1 || me.Scopes[0] != "products:read" {
			t.Fatalf("me = %+v", me)
		}
	}
	for name, o := range map[string]apiCallOpts{
		"no token":      {},
		"unknown token": {token: store.TokenPrefix + "nope"},
		"not bearer":    {headers: map[string]string{"Authorization": "Basic " + tok}},
	} {
		r := e.api("GET", "/me", nil, o)
		if r.Code != 401 || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %s", name, r.Code, r.Body)
		}
		if p := r.problem(t); p.Code != "api.err_token" || p.Status != 401 {
			t.Errorf("%s: problem %+v", name, p)
		}
	}
	// Revoked at once.
	var tokID uint64
	err := e.st.Update("admin", func(t *store.Tx) error {
		toks, err := t.APITokens(cl.ID)
		if err != nil {
			return err
		}
		tokID = toks[0].ID
		return t.RevokeAPIToken(cl.ID, tokID)
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.api("GET", "/me", nil, apiCallOpts{token: tok}); r.Code != 401 {
		t.Fatalf("revoked token: %d", r.Code)
	}
	// Expired: a token issued for an hour, read two hours later.
	tok2, _ := e.newAPIClient("ERP2", apiClientOpts{scopes: []model.APIScope{"products:read"}})
	if r := e.api("GET", "/me", nil, apiCallOpts{token: tok2}); r.Code != 200 {
		t.Fatalf("fresh token: %d", r.Code)
	}
	now := e.st.Now()
	e.st.SetClock(func() time.Time { return now.AddDate(1, 0, 1) })
	if r := e.api("GET", "/me", nil, apiCallOpts{token: tok2}); r.Code != 401 {
		t.Fatalf("expired token: %d", r.Code)
	}
}

func TestAPIProblemsInBothLanguages(t *testing.T) {
	e := newTestEnv(t)
	for lang, want := range map[string]string{"zh-CN": "接口令牌", "en": "API token"} {
		r := e.api("GET", "/me", nil, apiCallOpts{lang: lang})
		p := r.problem(t)
		if !strings.Contains(p.Detail, want) || p.Instance != APIPrefix+"/me" || p.Type != "urn:dealer-portal:problem:token" {
			t.Errorf("%s: %+v", lang, p)
		}
	}
	// An unknown path under the prefix is a problem too, never a page.
	tok, _ := e.newAPIClient("ERP", apiClientOpts{scopes: allScopes()})
	r := e.api("GET", "/no-such-thing", nil, apiCallOpts{token: tok})
	if r.Code != 404 || r.problem(t).Code != "err.not_found" {
		t.Fatalf("unknown path: %d %s", r.Code, r.Body)
	}
}

func TestAPIRateLimitAndAllowList(t *testing.T) {
	e := newTestEnv(t)
	tok, _ := e.newAPIClient("slow", apiClientOpts{scopes: allScopes(), rate: 1})
	codes := map[int]int{}
	var last apiResp
	for range 4 {
		last = e.api("GET", "/me", nil, apiCallOpts{token: tok})
		codes[last.Code]++
	}
	if codes[200] != 2 || codes[429] != 2 {
		t.Fatalf("a burst of 4 at 1/s: %v", codes)
	}
	if last.Header.Get("Retry-After") == "" || last.problem(t).Code != "api.err_rate" {
		t.Fatalf("429 without Retry-After: %v %s", last.Header, last.Body)
	}
	tok2, _ := e.newAPIClient("fenced", apiClientOpts{scopes: allScopes(), ips: []string{"10.1.0.0/16"}})
	if r := e.api("GET", "/me", nil, apiCallOpts{token: tok2}); r.Code != 403 || r.problem(t).Code != "api.err_ip_denied" {
		t.Fatalf("outside the allow-list: %d %s", r.Code, r.Body)
	}
}

func TestAPITokenUseIsRecorded(t *testing.T) {
	e := newTestEnv(t)
	tok, cl := e.newAPIClient("ERP", apiClientOpts{scopes: allScopes()})
	e.api("GET", "/me", nil, apiCallOpts{token: tok})
	if err := e.h.FlushAPIUses(); err != nil {
		t.Fatal(err)
	}
	err := e.st.View(func(t *store.Tx) error {
		toks, err := t.APITokens(cl.ID)
		if err != nil {
			return err
		}
		if toks[0].LastUsedAt.IsZero() || toks[0].LastUsedIP == "" {
			return &model.ConflictError{By: "last used not recorded"}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSchemaName(t *testing.T) {
	for in, want := range map[string]string{
		"apiBulk[dealerportal/handlers.apiProduct]": "BulkProduct",
		"apiWhoAmI":  "WhoAmI",
		"problemDoc": "ProblemDoc",
	} {
		if got := schemaName(in); got != want {
			t.Errorf("schemaName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAPIJSONKeepsTextAsTyped: answers are JSON, not HTML: "<" is sent as
// it is, not as \u003c.
func TestAPIJSONKeepsTextAsTyped(t *testing.T) {
	e := newTestEnv(t)
	r := e.api("GET", "/me", nil, apiCallOpts{})
	if !bytes.Contains(r.Body, []byte("Bearer <")) || bytes.Contains(r.Body, []byte(`\u003c`)) {
		t.Fatalf("escaped: %s", r.Body)
	}
}
