package model

import (
	"errors"
	"testing"
)

// TestFeedRules is the table of the event feed's rules for a client: how
// an acknowledgement moves, which position a client holds the feed at,
// and from where a webhook replay may start.
func TestFeedRules(t *testing.T) {
	for _, c := range []struct {
		name             string
		acked, seq, last uint64
		moved            bool
		want             uint64
		err              error
	}{
		{"ahead", 5, 8, 10, true, 8, nil},
		{"to the last event", 5, 10, 10, true, 10, nil},
		{"the same", 5, 5, 10, false, 5, nil},
		{"backwards is ignored", 5, 3, 10, false, 5, nil},
		{"beyond the feed", 5, 11, 10, false, 5, ErrFeedAhead},
	} {
		cl := &APIClient{Acked: c.acked}
		moved, err := cl.Acknowledge(c.seq, c.last)
		if moved != c.moved || cl.Acked != c.want || !errors.Is(err, c.err) {
			t.Errorf("%s: Acknowledge = %v %v, acked %d; want %v %v, %d", c.name, moved, err, cl.Acked, c.moved, c.err, c.want)
		}
	}
	if !errors.Is(ErrFeedAhead, ErrNotFound) {
		t.Error("ErrFeedAhead is not an ErrNotFound")
	}

	events := []APIScope{ScopeOf(APIEvents, false)}
	for _, c := range []struct {
		name    string
		cl      APIClient
		backlog uint64
		at      uint64
		holds   bool
	}{
		{"disabled", APIClient{Disabled: true, Scopes: events, Acked: 3, WebhookURL: "https://x"}, 5, 0, false},
		{"webhooks with a backlog", APIClient{Scopes: events, Acked: 3, WebhookURL: "https://x"}, 5, 4, true},
		{"webhooks all delivered", APIClient{Scopes: events, Acked: 3, WebhookURL: "https://x"}, 0, 0, false},
		{"pulls the feed", APIClient{Scopes: events, Acked: 3}, 5, 3, true},
		{"no feed grant", APIClient{Scopes: []APIScope{ScopeOf(APIOrders, true)}, Acked: 3}, 5, 0, false},
	} {
		asked := false
		at, holds := c.cl.FeedHold(func() uint64 { asked = true; return c.backlog })
		if at != c.at || holds != c.holds {
			t.Errorf("%s: FeedHold = %d %v, want %d %v", c.name, at, holds, c.at, c.holds)
		}
		if asked != (c.cl.WebhookURL != "" && !c.cl.Disabled) {
			t.Errorf("%s: backlog asked = %v", c.name, asked)
		}
	}

	for _, c := range []struct {
		after, last uint64
		ok          bool
	}{{0, 0, true}, {0, 10, true}, {10, 10, true}, {11, 10, false}} {
		if err := CheckReplayAfter(c.after, c.last); (err == nil) != c.ok {
			t.Errorf("CheckReplayAfter(%d, %d) = %v", c.after, c.last, err)
		}
	}
}
