package handlers

import (
	"net/http"
	"testing"
)

// A page number typed into a list's URL, however large or malformed, gets
// the list (an empty page past the end), never a server error.
func TestTypedPageNumbers(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("admin")
	for _, path := range []string{"/sales-orders", "/online-orders", "/invoices", "/customers", "/change-requests"} {
		for _, page := range []string{"9223372036854775807", "4611686018427387904", "99999999999999999999", "-3", "abc", "1000"} {
			if r := c.get(path + "?page=" + page); r.Code != http.StatusOK {
				t.Errorf("%s?page=%s: %d %s", path, page, r.Code, errText(r.Body))
			}
		}
	}
}
