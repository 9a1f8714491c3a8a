package handlers

import (
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestRoutePattern: the regexp of each form of route path matches the
// paths Fiber's own matcher does.
func TestRoutePattern(t *testing.T) {
	for _, tc := range []struct {
		route, path string
		want        bool
	}{
		{"/sales-orders", "/sales-orders", true},
		{"/sales-orders", "/sales-orders/1", false},
		{"/announcements/:id/:action", "/announcements/1/audit", true},
		{"/announcements/:id", "/announcements/1/audit", false},
		{"/announcements/:id", "/announcements", false},
		{"/comments/:kind/:id", "/comments/OO/1", true},
		{"/quick-order/template.:fmt", "/quick-order/template.csv", true},
		{"/quick-order/template.:fmt", "/quick-order/templatexcsv", false},
		{"/img/:id/:name", "/img/1/x-o.jpg", true},
		{"/static/:file", "/static/a/b", false},
		{"/users/:id?", "/users/7", true},
		{"/users/:id?", "/users", true},
		{"/users/:id?", "/users/7/edit", false},
		{"/files/*", "/files/a/b.pdf", true},
		{"/files/*", "/files", true},
		{"/files/*", "/filesx", false},
		{"/files/+", "/files/a/b.pdf", true},
		{"/files/+", "/files", false},
	} {
		if got := routePattern(tc.route).MatchString(tc.path); got != tc.want {
			t.Errorf("%s ~ %s = %v, want %v", tc.route, tc.path, got, tc.want)
		}
		if fiber.RoutePatternMatch(tc.path, tc.route) != tc.want {
			t.Errorf("%s ~ %s: Fiber says %v", tc.route, tc.path, !tc.want)
		}
	}
}

// TestServingRouteDispatch: on an app whose every route answers with its
// own path, the route ServingRoute names is the one Fiber runs, a route
// registered after one that takes its paths too included.
func TestServingRouteDispatch(t *testing.T) {
	app := fiber.New()
	for _, p := range []string{"/docs/new", "/docs/:id", "/docs/copy", "/docs/:id/:action", "/files/*", "/tail/+", "/users/:id?"} {
		app.Get(p, func(c *fiber.Ctx) error { return c.SendString(c.Route().Path) })
	}
	app.Post("/docs/:id", func(c *fiber.Ctx) error { return c.SendString("POST") })
	routes := Routes(app)
	if len(routes) != 8 {
		t.Fatalf("%d routes, want 8 (no HEAD): %v", len(routes), routes)
	}
	for _, path := range []string{"/docs/new", "/docs/7", "/docs/copy", "/docs/7/audit", "/files", "/files/a/b", "/tail/x", "/tail", "/users", "/users/7", "/nowhere"} {
		res, err := app.Test(httptest.NewRequest("GET", path, nil))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fiberRoute := string(body)
		if res.StatusCode == fiber.StatusNotFound {
			fiberRoute = ""
		}
		r, ok := ServingRoute(routes, "GET", path)
		if r.Path != fiberRoute || ok != (fiberRoute != "") {
			t.Errorf("GET %s: ServingRoute = %q %v, Fiber serves it with %q", path, r.Path, ok, fiberRoute)
		}
	}
	if r, ok := ServingRoute(routes, "POST", "/docs/new"); !ok || r.Path != "/docs/:id" {
		t.Errorf("POST /docs/new: %q %v, want the POST route /docs/:id", r.Path, ok)
	}
}

// routeParamRe is a parameter of a route path.
var routeParamRe = regexp.MustCompile(`:[A-Za-z_]+`)

// TestRoutesOfThePortal: the portal's router, listed: each method and path
// once, without HEAD, every route with its handler, and served the way
// Fiber's matcher serves it.
func TestRoutesOfThePortal(t *testing.T) {
	e := newTestEnv(t)
	routes := Routes(e.app)
	if len(routes) < 300 {
		t.Fatalf("only %d routes", len(routes))
	}
	seen := map[string]bool{}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		if seen[key] || r.Method == "HEAD" || r.Handler == nil {
			t.Errorf("%s: listed twice, a HEAD or without handler", key)
		}
		seen[key] = true
	}
	for _, key := range []string{"GET /", "GET /sales-orders/:id", "POST /login", "PUT " + APIPrefix + "/products/:external_id"} {
		if !seen[key] {
			t.Errorf("%s is not listed", key)
		}
	}
	// A path of each route, its parameters filled: the first route of its
	// method that Fiber's matcher takes it with is the one ServingRoute
	// names (the route itself, or one registered before it).
	for _, r := range routes {
		path := strings.NewReplacer(":kind", "outbounds", ":fmt", "csv").Replace(r.Path)
		path = routeParamRe.ReplaceAllString(path, "7")
		want := ""
		for _, f := range routes {
			if f.Method == r.Method && fiber.RoutePatternMatch(path, f.Path) {
				want = f.Path
				break
			}
		}
		if got, ok := ServingRoute(routes, r.Method, path); !ok || got.Path != want {
			t.Errorf("%s %s: ServingRoute = %q %v, Fiber's matcher %q", r.Method, path, got.Path, ok, want)
		}
	}
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/online-orders/checkout", "/online-orders/checkout"},
		{"GET", "/online-orders/12", "/online-orders/:id"},
		{"GET", "/online-orders/12/pdf", "/online-orders/:id/pdf"},
		{"GET", "/reconciliation/outbounds", "/reconciliation/outbounds"},
		{"GET", "/reconciliation/outbounds/12", "/reconciliation/:kind/:id"},
		{"GET", "/quick-order/template.xlsx", "/quick-order/template.:fmt"},
		{"POST", "/login", "/login"},
		{"GET", "/no-such-page", ""},
		{"PUT", "/login", ""},
	} {
		r, ok := ServingRoute(routes, tc.method, tc.path)
		if r.Path != tc.want || ok != (tc.want != "") {
			t.Errorf("%s %s: served by %q %v, want %q", tc.method, tc.path, r.Path, ok, tc.want)
		}
	}
}

// TestRoutePage: which routes are pages a user reads.
func TestRoutePage(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         bool
	}{
		{"GET", "/", true},
		{"GET", "/sales-orders/:id", true},
		{"GET", "/sales-orders/:id/print", true},
		{"GET", "/sales-orders/:id/pdf", false},
		{"GET", "/quick-order/template.:fmt", false},
		{"GET", APIPrefix + "/me", false},
		{"GET", "/static/:file", false},
		{"GET", "/img/:id/:name", false},
		{"GET", "/attachments/:id", false},
		{"GET", "/healthz", false},
		{"GET", "/inbox/count", false},
		{"GET", "/login", false},
		{"GET", "/invite/:token", false},
		{"POST", "/sales-orders/:id", false},
	} {
		if got := (Route{Method: tc.method, Path: tc.path}).Page(); got != tc.want {
			t.Errorf("%s %s: page %v, want %v", tc.method, tc.path, got, tc.want)
		}
	}
}
