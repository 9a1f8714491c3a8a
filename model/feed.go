package model

import "time"

// FeedEvent is one business event on the integration API's feed (事件流):
// what happened, to which customer's document, when and by whom. Seq is its
// feed position, in commit order. The feed and the webhooks carry it; the
// document itself is read through the API.
type FeedEvent struct {
	Seq        uint64            `json:"seq"`
	Event      Event             `json:"event"`
	CustomerID uint64            `json:"customer_id,omitempty"`
	DocType    DocType           `json:"doc_type,omitempty"`
	DocID      uint64            `json:"doc_id,omitempty"`
	DocNumber  string            `json:"doc_number,omitempty"`
	Actor      string            `json:"actor,omitempty"`
	At         time.Time         `json:"at"`
	Params     map[string]string `json:"params,omitempty"`
}
