package model

import (
	"slices"
	"time"
)

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

// FeedEventNames are the events the feed carries (SPEC §6, in catalogue
// order): what a dealer sends or changes that the enterprise's ERP must
// take over (online orders, returns, change requests, reconciliation
// answers, opportunities, complaints, service requests, stocktakes) and
// staff's decisions on them. Events without a customer's document
// (announcements, catalog publications, monthly statements) and the
// portal's own chatter (comments, delivery notices the ERP itself issued)
// are not on the feed.
var FeedEventNames = []Event{
	EventOrderSubmitted, EventOrderRejected, EventOrderUnrejected, EventOrderConverted, EventOrderCreditHold,
	EventOrderChanged, EventOrderWithdrawn,
	EventReturnSubmitted, EventReturnRejected, EventReturnUnrejected, EventReturnConverted,
	EventReturnChanged, EventReturnWithdrawn,
	EventChangeSubmitted, EventChangeEffective, EventChangeRejected,
	EventReconOutboundConfirmed, EventReconOutboundCancelled, EventReconOutboundDisputed,
	EventReconInvoiceConfirmed, EventReconInvoiceCancelled, EventReconInvoiceDisputed,
	EventReconReceiptConfirmed, EventReconReceiptCancelled, EventReconReceiptDisputed,
	EventComplaintStatus, EventServiceRequestNew, EventServiceRequestStatus,
	EventOpportunitySubmitted, EventOpportunityEvaluated, EventStocktakeRecorded,
}

// OnFeed reports whether event e belongs on the feed.
func OnFeed(e Event) bool { return slices.Contains(FeedEventNames, e) }
