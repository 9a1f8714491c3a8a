package handlers

import (
	"testing"

	"dealerportal/store"
)

// A process that has seen no session, user or customer write since it
// started reads generation 0: its first sign-in is kept like any other.
func TestSignInsFirstPutAtGenerationZero(t *testing.T) {
	var s signIns
	e := &signIn{sess: &store.Session{}}
	s.put("cookie", 0, 0, e)
	if got := s.get("cookie", 0, 0); got != e {
		t.Fatalf("entry at generation 0: got %v, want the one put", got)
	}
	if got := s.get("cookie", 1, 0); got != nil {
		t.Fatalf("entry after a write: got %v, want none", got)
	}
	s.put("other", 1, 0, e)
	if got := s.get("cookie", 1, 0); got != nil {
		t.Fatalf("an entry of generation 0 outlived the move to 1")
	}
	s.put("late", 0, 0, e)
	if got := s.get("late", 0, 0); got != nil {
		t.Fatalf("an entry read before a newer write was kept")
	}
}
