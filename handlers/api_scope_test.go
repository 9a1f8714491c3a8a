package handlers

import (
	"encoding/json"
	"strings"
	"testing"
)

// The API's scope matrix: every API route that names a record or writes
// has a row here (TestScopeMatrixCoversRoutes counts them with the pages'
// rows). A row is called twice by a client scoped to the East region: once
// naming South's customer C2's record, which must be refused (404 for a
// record in the path, 422 with a field error for a customer or record named
// in the body), and once naming East's C1's, which must not be (so that the
// row is known to name a real record).
//
// Placeholders "{name}" in the path and body are filled from e.ids
// "<name>:C2" or "<name>:C1"; "{ext:name}" from e.exts likewise (external
// ids). Each family's test file appends its rows and the fixture that
// stores those ids, in an init.
type apiScopeRow struct {
	method, path string
	body         string // JSON with placeholders, or ""
	// want is the refusal: 404, or 422 for a body that names the customer.
	want int
}

var (
	apiScopeRows     []apiScopeRow
	apiScopeFixtures []func(t *testing.T, e *testEnv)
)

// fillAPIPlaceholders replaces {name} and {ext:name} for target x.
func fillAPIPlaceholders(e *testEnv, s, x string) string {
	for {
		i := strings.Index(s, "{")
		if i < 0 {
			return s
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			return s
		}
		name := s[i+1 : i+j]
		if strings.Contains(name, "\"") || strings.Contains(name, ":") && !strings.HasPrefix(name, "ext:") {
			// JSON's own braces: leave them, look further.
			return s[:i+1] + fillAPIPlaceholders(e, s[i+1:], x)
		}
		var v string
		if ext, ok := strings.CutPrefix(name, "ext:"); ok {
			v = e.exts[ext+":"+x]
		} else {
			v = e.id(name + ":" + x)
		}
		s = s[:i] + v + s[i+j+1:]
	}
}

func TestAPIScopeMatrix(t *testing.T) {
	if len(apiScopeRows) == 0 {
		t.Skip("no API route names a record yet")
	}
	e := newTestEnv(t)
	for _, f := range apiScopeFixtures {
		f(t, e)
	}
	tok, _ := e.newAPIClient("east-erp", apiClientOpts{scopes: allScopes(), orgs: []string{"EAST"}})
	for _, row := range apiScopeRows {
		call := func(x string) apiResp {
			path := fillAPIPlaceholders(e, row.path, x)
			var body any
			if row.body != "" {
				b := fillAPIPlaceholders(e, row.body, x)
				var v any
				if err := json.Unmarshal([]byte(b), &v); err != nil {
					t.Fatalf("%s %s: body %s: %v", row.method, row.path, b, err)
				}
				body = v
			}
			return e.api(row.method, path, body, apiCallOpts{token: tok, badRequest: true})
		}
		if r := call("C2"); r.Code != row.want {
			t.Errorf("%s %s naming South's C2: %d, want %d: %s", row.method, row.path, r.Code, row.want, r.Body)
		} else if row.want == 422 && !strings.Contains(string(r.Body), `"field"`) {
			t.Errorf("%s %s naming South's C2: 422 without a field error: %s", row.method, row.path, r.Body)
		}
		if r := call("C1"); r.Code == 404 || r.Code == 403 || r.Code == row.want && row.want == 422 && strings.Contains(string(r.Body), "out_of_scope") {
			t.Errorf("%s %s naming East's C1: %d (the row must name a real record): %s", row.method, row.path, r.Code, r.Body)
		}
	}
}

// apiScopeCovered lists the API rows as scope-matrix rows for
// TestScopeMatrixCoversRoutes.
func apiScopeCovered() []scopeRoute {
	var out []scopeRoute
	for _, r := range apiScopeRows {
		out = append(out, scopeRoute{method: r.method, path: APIPrefix + r.path})
	}
	return out
}
