package handlers

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// maxRedirectLen bounds a return address taken from a request.
const maxRedirectLen = 2048

// safePath returns target when it is a path on this portal, else def. It is
// the one check for every return address a request carries (login's next,
// the language switch's next, the back field of list and shop forms, the
// Referer fallback): only a path that starts with a single "/" passes, never
// "//" or "/\" (which browsers read as another host), and no control
// character or backslash anywhere, neither as sent nor after URL-decoding
// ("/%09/evil.example" arrives as "/\t/evil.example", which browsers strip to
// "//evil.example").
func safePath(target, def string) string {
	if target == "" || len(target) > maxRedirectLen || !localPath(target) {
		return def
	}
	s := target
	// Decode a few times: a value may have been escaped more than once on its
	// way through query strings and hidden fields.
	for range 3 {
		d, err := url.PathUnescape(s)
		if err != nil {
			return def
		}
		if d == s {
			break
		}
		if !localPath(d) {
			return def
		}
		s = d
	}
	if strings.Contains(s, "%") {
		// Still escaped after three rounds: not an address this portal makes.
		if d, err := url.PathUnescape(s); err != nil || d != s {
			return def
		}
	}
	return target
}

// localPath reports whether s, taken literally, is a same-site path.
func localPath(s string) bool {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b == 0x7f || b == '\\' {
			return false
		}
	}
	return true
}

// refererPath returns the path and query of the request's Referer when they
// pass safePath, else def. Only the path is kept: a Referer names a page of
// this portal or of a site the user came from, and either way the browser
// returns to this portal.
func refererPath(c *fiber.Ctx, def string) string {
	ref, err := url.Parse(c.Get(fiber.HeaderReferer))
	if err != nil || ref.Path == "" {
		return def
	}
	p := ref.EscapedPath()
	if ref.RawQuery != "" {
		p += "?" + ref.RawQuery
	}
	return safePath(p, def)
}
