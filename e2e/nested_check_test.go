package e2e

import "os"

// The portals these tests start run with the nested-transaction check on
// (store/kv/nested.go): they inherit this environment. A nested
// transaction panics in its request (a 500 the flows fail on) and is
// printed on the portal's stderr.
func init() {
	if os.Getenv("PORTAL_CHECK_NESTED_TX") == "" {
		os.Setenv("PORTAL_CHECK_NESTED_TX", "1")
	}
}
