package store

import (
	"bytes"
	"encoding/json"
	"time"
)

// Activity is one entry of the audit log of master data (who changed which
// record how, when). Business documents keep their own trail in model.Doc.
type Activity struct {
	ID     uint64    `json:"id"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Entity string    `json:"entity"`
	Record uint64    `json:"record"`
	Action string    `json:"action"`
	Detail string    `json:"detail,omitempty"`
}

func recordKey(entity string, id uint64) []byte {
	return append(append([]byte(entity), '/'), itob(id)...)
}

// Log appends an audit entry for a record, in the caller's transaction.
func (t *Tx) Log(entity string, record uint64, action, detail string) error {
	b := t.b(bActivity)
	id, err := nextID(b)
	if err != nil {
		return err
	}
	a := &Activity{ID: id, At: t.Now, By: t.By, Entity: entity, Record: record, Action: action, Detail: detail}
	if err := t.b(bActivityByRecord).Put(append(recordKey(entity, record), itob(id)...), nil); err != nil {
		return err
	}
	return putJSON(b, itob(id), a)
}

// ActivityOf returns the newest limit audit entries of a record, newest first.
// The caller has already checked that the record is in scope.
func (t *Tx) ActivityOf(entity string, record uint64, limit int) []*Activity {
	prefix := recordKey(entity, record)
	var out []*Activity
	c, k, _ := firstUnder(t.b(bActivityByRecord), prefix, true)
	for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, _ = c.Prev() {
		a := &Activity{}
		if json.Unmarshal(t.b(bActivity).Get(k[len(prefix):]), a) == nil {
			out = append(out, a)
		}
	}
	return out
}
