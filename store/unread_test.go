package store

import (
	"fmt"
	"sync"
	"testing"

	"dealerportal/model"
)

// On a shared backend SyncUnread counts each caller's unread inbox with the
// versions record, concurrent callers included (they share a round), up to
// the limit; UnreadFor gives the count only for its user and only until
// this process changes that user's inbox. On the embedded file it counts
// nothing and UnreadFor answers false.
func TestSyncUnread(t *testing.T) {
	forPairs(t, func(t *testing.T, a, b *Store) {
		// User i gets i in-app messages, delivered through b.
		ids := map[uint64][]uint64{}
		update(t, b, func(tx *Tx) error {
			clear(ids)
			for u := uint64(1); u <= 8; u++ {
				for j := range u {
					d := &model.Delivery{Event: model.EventOrderRejected, Channel: model.ChannelInApp, UserID: u,
						To: fmt.Sprint("user", u), Subject: fmt.Sprint("message ", j)}
					if err := tx.AddDelivery(d); err != nil {
						return err
					}
					ids[u] = append(ids[u], d.ID)
				}
			}
			return nil
		})
		got, err := a.SyncUnread(3, 100)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Shared() {
			for u := uint64(0); u <= 8; u++ {
				if n, ok := a.UnreadFor(got, u); ok {
					t.Errorf("embedded file: UnreadFor(%d) = %d, true", u, n)
				}
			}
			return
		}
		if n, ok := a.UnreadFor(got, 3); n != 3 || !ok {
			t.Errorf("UnreadFor(3) = %d, %v; want 3", n, ok)
		}
		if n, ok := a.UnreadFor(got, 4); ok {
			t.Errorf("another user's UnreadFor = %d, true", n)
		}
		if got, err := a.SyncUnread(8, 5); err != nil || !counted(a, got, 8, 5) {
			t.Errorf("up to 5 of 8: %+v, %v", got, err)
		}
		for _, c := range []struct {
			user  uint64
			limit int
		}{{0, 100}, {3, 0}} {
			got, err := a.SyncUnread(c.user, c.limit)
			if _, ok := a.UnreadFor(got, c.user); ok || err != nil {
				t.Errorf("SyncUnread(%d, %d) counted (%v)", c.user, c.limit, err)
			}
		}

		// Concurrent callers, with and without a count.
		var wg sync.WaitGroup
		errs := make(chan string, 200)
		for g := range 16 {
			wg.Go(func() {
				for range 10 {
					u := uint64(g % 9)
					got, err := a.SyncUnread(u, 100)
					if err != nil {
						errs <- err.Error()
						return
					}
					if u != 0 && !counted(a, got, u, int(u)) {
						errs <- fmt.Sprintf("user %d: %+v", u, got)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}

		// A message of user 3 read through this process: the count read
		// before is stale, a new one counts 2. One of user 4 read
		// through the other process: the next read counts 3.
		got, _ = a.SyncUnread(3, 100)
		update(t, a, func(tx *Tx) error { _, err := tx.MarkInboxRead(3, ids[3][0]); return err })
		if n, ok := a.UnreadFor(got, 3); ok {
			t.Errorf("UnreadFor(3) after this process read a message: %d, true", n)
		}
		if got, err := a.SyncUnread(3, 100); err != nil || !counted(a, got, 3, 2) {
			t.Errorf("after one read: %+v, %v", got, err)
		}
		update(t, b, func(tx *Tx) error { _, err := tx.MarkInboxRead(4, ids[4][0]); return err })
		if got, err := a.SyncUnread(4, 100); err != nil || !counted(a, got, 4, 3) {
			t.Errorf("after one read through the other process: %+v, %v", got, err)
		}
	})
}

// counted reports whether u counts want messages for user.
func counted(s *Store, u Unread, user uint64, want int) bool {
	n, ok := s.UnreadFor(u, user)
	return ok && n == want
}
