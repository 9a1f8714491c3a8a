package handlers

import (
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Route is one route of the portal's router, for the checks that are
// derived from it (the scope matrix, every page rendered and translated,
// every export or PDF route, the browser walks of every page), so that a
// new route cannot be forgotten.
type Route struct {
	// Method is the HTTP method: "GET", "POST", "PUT".
	Method string
	// Path is the path as registered: "/sales-orders/:id".
	Path string
	// Handler answers the route: the last of its handlers (those before
	// it are middleware).
	Handler fiber.Handler
	// Pattern matches the request paths the route serves, written as the
	// portal writes them (the case as registered, no trailing slash, no
	// query; Fiber, which is neither case-sensitive nor strict, also serves
	// those variants).
	Pattern *regexp.Regexp
}

// Routes lists the routes of app (as App builds it): each method and path
// once, in registration order within a method, which is the order Fiber
// tries them in. Middleware (Use) is left out, and so are HEAD routes:
// Fiber adds one for every GET, answered by the same handler. An app
// without routes gives none.
func Routes(app *fiber.App) []Route {
	var out []Route
	seen := map[string]bool{}
	for _, r := range app.GetRoutes(true) {
		key := r.Method + " " + r.Path
		if r.Method == fiber.MethodHead || seen[key] {
			continue
		}
		seen[key] = true
		var h fiber.Handler
		if len(r.Handlers) > 0 {
			h = r.Handlers[len(r.Handlers)-1]
		}
		out = append(out, Route{Method: r.Method, Path: r.Path, Handler: h, Pattern: routePattern(r.Path)})
	}
	return out
}

// ServingRoute returns the route of routes that serves a request of method
// for path (without query): the first that matches, as Fiber takes it. It
// reports false when no route serves it (Fiber answers 404).
func ServingRoute(routes []Route, method, path string) (Route, bool) {
	for _, r := range routes {
		if r.Method == method && r.Pattern.MatchString(path) {
			return r, true
		}
	}
	return Route{}, false
}

// Params reports whether the route takes parameters (":id", ":id?", "*",
// "+"): one route stands for many paths.
func (r Route) Params() bool { return strings.ContainsAny(r.Path, ":*+") }

// Page reports whether the route is a page a user reads: a GET that is not
// the integration API, a static file, a health probe, a download (PDFs,
// product images, attachments, import templates, backups), the inbox
// counter fragment polled by the header, nor the public sign-in and
// invitation pages (not a signed-in user's).
func (r Route) Page() bool {
	if r.Method != fiber.MethodGet {
		return false
	}
	for _, p := range []string{"/api/", "/static/", "/img/", "/attachments/"} {
		if strings.HasPrefix(r.Path, p) {
			return false
		}
	}
	switch r.Path {
	case "/healthz", "/readyz", "/inbox/count", "/admin/backup", "/login", "/invite/:token":
		return false
	}
	return !strings.HasSuffix(r.Path, "/pdf") && !strings.HasSuffix(r.Path, ".:fmt")
}

// routePattern turns a Fiber route path into a regexp of the paths it
// serves: a parameter (":id") is one segment or the rest of one
// ("template.:fmt"), an optional one (":id?") may be empty, "*" is any rest
// of the path and "+" a rest that is not empty. An optional parameter or
// "*" that ends the path may take the slash before it along: "/files/*"
// serves "/files" too, as in Fiber.
func routePattern(path string) *regexp.Regexp {
	var parts []string // the regexp of each character or parameter of path
	for i := 0; i < len(path); i++ {
		var part string
		optional := false
		switch ch := path[i]; ch {
		case ':':
			j := i + 1
			for j < len(path) && !strings.ContainsRune(`/-.:?\<`, rune(path[j])) {
				j++ // Fiber's parameter name ends at a delimiter
			}
			part = "[^/]+"
			if j < len(path) && path[j] == '?' {
				part, optional = "[^/]*", true
				j++
			}
			i = j - 1
		case '*':
			part, optional = ".*", true
		case '+':
			part = ".+"
		default:
			parts = append(parts, regexp.QuoteMeta(string(ch)))
			continue
		}
		if n := len(parts); optional && i == len(path)-1 && n > 0 && parts[n-1] == "/" {
			parts[n-1], part = "", "(?:/"+part+")?"
		}
		parts = append(parts, part)
	}
	return regexp.MustCompile("^" + strings.Join(parts, "") + "$")
}
