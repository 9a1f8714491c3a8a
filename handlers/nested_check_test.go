package handlers

import "dealerportal/store/kv"

// The handler tests run with the nested-transaction check on
// (store/kv/nested.go): a handler that opens a transaction inside another
// on the same goroutine panics, and its request fails.
func init() { kv.SetNestedCheckForTests() }
