package store

import (
	"time"

	"dealerportal/model"
)

// bAPIEvents is the integration API's event feed: one model.FeedEvent per
// business event, keyed by its feed position (the bucket's sequence,
// assigned inside the transaction that raised the event, so that positions
// follow commit order: bbolt has one writer at a time).
var bAPIEvents = []byte("api_events")

// LastEventSeq is the feed position of the newest event (0 when none).
func (t *Tx) LastEventSeq() uint64 { return t.b(bAPIEvents).Sequence() }

// FeedLag is how far a client is behind: the events after its acknowledged
// position, and when the oldest of them happened (zero when none).
func (t *Tx) FeedLag(c *model.APIClient) (int, time.Time) {
	last := t.LastEventSeq()
	if last <= c.Acked {
		return 0, time.Time{}
	}
	var oldest time.Time
	if k, v := t.b(bAPIEvents).Cursor().Seek(itob(c.Acked + 1)); k != nil {
		ev := &model.FeedEvent{}
		if jsonUnmarshal(v, ev) == nil {
			oldest = ev.At
		}
	}
	return int(last - c.Acked), oldest
}
