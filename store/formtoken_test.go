package store

import (
	"bytes"
	"testing"
	"time"
)

// TestFormTokensByIssueTime: a token made by NewFormToken is remembered
// under its issue second (bIdemByTime), still only for its user; tokens of
// one second sort together whoever posts them; the purge goes by the use
// time, not by the second a client sent.
func TestFormTokensByIssueTime(t *testing.T) {
	s := openStore(t)
	s.SetClock(func() time.Time { return testNow })
	p := &idemPoster{t: t, s: s}
	post := p.post
	tok := NewFormToken(testNow)
	if sec, rest, ok := formTokenSecond(tok); !ok || int64(sec) != testNow.Unix() || len(rest) != 32 {
		t.Fatalf("token %q: second %d, rest %q, %v", tok, sec, rest, ok)
	}
	if id, replay := post(1, tok); replay || id != 101 {
		t.Fatalf("first post: %d %v", id, replay)
	}
	if id, replay := post(1, tok); !replay || id != 101 || p.runs != 1 {
		t.Errorf("double click: %d %v, %d runs", id, replay, p.runs)
	}
	if id, replay := post(2, tok); replay || id != 102 {
		t.Errorf("the same token posted by another user: %d %v", id, replay)
	}
	// Not of that form (upper case, no dot, too short): user · token.
	for _, other := range []string{"6790F3A1.x", "6790f3a1-abc", "6790f3a1.", "tok-a"} {
		if _, _, ok := formTokenSecond(other); ok {
			t.Errorf("%q taken for a timed token", other)
		}
	}
	older := NewFormToken(testNow.Add(-time.Hour))
	post(3, older)
	post(2, NewFormToken(testNow))
	view(t, s, func(tx *Tx) error {
		var keys [][]byte
		_ = tx.b(bIdemByTime).ForEach(func(k, _ []byte) error { keys = append(keys, bytes.Clone(k)); return nil })
		if len(keys) != 4 || tx.b(bIdempotency).Stats().KeyN != 0 {
			t.Fatalf("%d timed tokens, %d others", len(keys), tx.b(bIdempotency).Stats().KeyN)
		}
		// The hour-old token first; then testNow's second: users 1, 2, 2.
		if btoi(keys[0][4:12]) != 3 || btoi(keys[1][4:12]) != 1 || btoi(keys[3][4:12]) != 2 {
			t.Errorf("keys not in issue order: %x", keys)
		}
		return nil
	})
	// The purge goes by the use time: a form opened days before it was
	// posted is remembered as long as any other.
	s.SetClock(func() time.Time { return testNow.Add(30 * time.Hour) })
	stale := NewFormToken(testNow.Add(-72 * time.Hour))
	post(1, stale)
	if err := s.PurgeIdempotency(24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, replay := post(1, stale); !replay {
		t.Error("a token issued four days ago and used now was purged")
	}
	if _, replay := post(2, tok); replay {
		t.Error("a token used 30 hours ago survived a 24-hour retention")
	}
}
