package model

// The event catalogue (SPEC §3): every business event that can raise
// messages, with the placeholders its templates may use. Modules emit events
// through store.Tx.Emit inside their business transaction; the message
// platform turns each into in-app messages, e-mails and SMS per the admin's
// templates.
const (
	EventAnnouncementPublished Event = "announcement.published"
	EventCatalogPublished      Event = "catalog.published"

	EventOrderSubmitted  Event = "online_order.submitted"
	EventOrderRejected   Event = "online_order.rejected"
	EventOrderUnrejected Event = "online_order.unrejected"
	EventOrderConverted  Event = "online_order.converted"
	EventOrderCreditHold Event = "online_order.credit_hold"
	// EventOrderChanged: a submitted order was edited (its lines or header
	// changed while it waits for staff).
	EventOrderChanged Event = "online_order.changed"
	// EventOrderWithdrawn: the dealer deleted a submitted order.
	EventOrderWithdrawn Event = "online_order.withdrawn"

	EventReturnSubmitted  Event = "return.submitted"
	EventReturnRejected   Event = "return.rejected"
	EventReturnUnrejected Event = "return.unrejected"
	EventReturnConverted  Event = "return.converted"
	EventReturnChanged    Event = "return.changed"
	EventReturnWithdrawn  Event = "return.withdrawn"

	EventChangeSubmitted Event = "change_request.submitted"
	EventChangeEffective Event = "change_request.effective"
	EventChangeRejected  Event = "change_request.rejected"

	EventDeliveryNoticeCreated Event = "delivery_notice.created"

	EventReconOutboundConfirmed Event = "reconciliation.outbound.confirmed"
	EventReconOutboundCancelled Event = "reconciliation.outbound.cancelled"
	EventReconOutboundDisputed  Event = "reconciliation.outbound.disputed"
	EventReconInvoiceConfirmed  Event = "reconciliation.invoice.confirmed"
	EventReconInvoiceCancelled  Event = "reconciliation.invoice.cancelled"
	EventReconInvoiceDisputed   Event = "reconciliation.invoice.disputed"
	EventReconReceiptConfirmed  Event = "reconciliation.receipt.confirmed"
	EventReconReceiptCancelled  Event = "reconciliation.receipt.cancelled"
	EventReconReceiptDisputed   Event = "reconciliation.receipt.disputed"

	EventComplaintStatus      Event = "complaint.status_changed"
	EventServiceRequestStatus Event = "service_request.status_changed"
	EventOpportunityEvaluated Event = "opportunity.evaluated"
	EventOpportunitySubmitted Event = "opportunity.submitted"
	EventServiceRequestNew    Event = "service_request.created"
	// EventStocktakeRecorded: a stocktake was entered, imported, replaced
	// or edited.
	EventStocktakeRecorded Event = "stocktake.recorded"

	EventCommentAdded     Event = "comment.added"
	EventMonthlyStatement Event = "statement.monthly"

	// EventUserInvited invites a new user, who has no password yet, to set
	// one: its link holds the one-time invitation token.
	EventUserInvited Event = "user.invited"
)

// EventAudience says whose users an event is mainly for, which sets the
// default recipients of a new template: the customer's users, or the
// responsible staff.
type EventAudience string

const (
	ForDealer EventAudience = "dealer"
	ForStaff  EventAudience = "staff"
	// ForUser marks a personal message: it goes to the one user the event
	// names (OutboxMessage.UserID) and to nobody else, whatever the
	// template's recipients say, because it carries that user's secret (an
	// invitation link).
	ForUser EventAudience = "user"
)

// Personal reports whether the event's messages go to its one named user
// only (ForUser).
func (d *EventDef) Personal() bool { return d != nil && d.Audience == ForUser }

// EventDef describes one event: its name, its default audience and the named
// placeholders ({{.doc_number}} …) its templates may use. Every event carries
// the common placeholders too.
type EventDef struct {
	Name         Event
	Audience     EventAudience
	Placeholders []string
}

// CommonPlaceholders are available in every event's templates.
var CommonPlaceholders = []string{"enterprise", "customer_code", "customer_name", "actor", "link", "date"}

var docPH = []string{"doc_number", "doc_type", "amount", "status"}

func withReason(ph []string) []string { return append(append([]string(nil), ph...), "reason") }

// EventCatalogue lists every event in display order.
var EventCatalogue = []EventDef{
	{EventAnnouncementPublished, ForDealer, []string{"doc_number", "title", "effective_from", "expires_at"}},
	{EventCatalogPublished, ForDealer, []string{"title", "product_code", "product_name", "category"}},
	{EventOrderSubmitted, ForStaff, docPH},
	{EventOrderRejected, ForDealer, withReason(docPH)},
	{EventOrderUnrejected, ForDealer, docPH},
	{EventOrderConverted, ForDealer, append(append([]string(nil), docPH...), "sales_order")},
	{EventOrderCreditHold, ForStaff, append(append([]string(nil), docPH...), "credit_limit", "exposure")},
	{EventOrderChanged, ForStaff, docPH},
	{EventOrderWithdrawn, ForStaff, docPH},
	{EventReturnSubmitted, ForStaff, docPH},
	{EventReturnRejected, ForDealer, withReason(docPH)},
	{EventReturnUnrejected, ForDealer, docPH},
	{EventReturnConverted, ForDealer, append(append([]string(nil), docPH...), "return_notice")},
	{EventReturnChanged, ForStaff, docPH},
	{EventReturnWithdrawn, ForStaff, docPH},
	{EventChangeSubmitted, ForStaff, append(append([]string(nil), docPH...), "sales_order")},
	{EventChangeEffective, ForDealer, append(append([]string(nil), docPH...), "sales_order")},
	{EventChangeRejected, ForDealer, withReason(append(append([]string(nil), docPH...), "sales_order"))},
	{EventDeliveryNoticeCreated, ForDealer, append(append([]string(nil), docPH...), "sales_order", "ship_date", "carrier", "tracking_number")},
	{EventReconOutboundConfirmed, ForStaff, docPH},
	{EventReconOutboundCancelled, ForStaff, docPH},
	{EventReconOutboundDisputed, ForStaff, withReason(docPH)},
	{EventReconInvoiceConfirmed, ForStaff, docPH},
	{EventReconInvoiceCancelled, ForStaff, docPH},
	{EventReconInvoiceDisputed, ForStaff, withReason(docPH)},
	{EventReconReceiptConfirmed, ForStaff, docPH},
	{EventReconReceiptCancelled, ForStaff, docPH},
	{EventReconReceiptDisputed, ForStaff, withReason(docPH)},
	{EventComplaintStatus, ForDealer, append(append([]string(nil), docPH...), "old_status", "resolution")},
	{EventServiceRequestStatus, ForDealer, append(append([]string(nil), docPH...), "old_status", "handler")},
	{EventOpportunityEvaluated, ForDealer, append(append([]string(nil), docPH...), "verdict", "protection_end", "project")},
	{EventOpportunitySubmitted, ForStaff, append(append([]string(nil), docPH...), "project", "end_client", "collision")},
	{EventServiceRequestNew, ForStaff, append(append([]string(nil), docPH...), "priority", "product")},
	{EventStocktakeRecorded, ForStaff, append(append([]string(nil), docPH...), "stocktake_date", "lines")},
	{EventCommentAdded, ForStaff, append(append([]string(nil), docPH...), "comment")},
	{EventMonthlyStatement, ForDealer, []string{"period", "closing_balance"}},
	{EventUserInvited, ForUser, []string{"username", "user_name", "expires_at"}},
}

// FindEvent returns the definition of an event, or nil when unknown.
func FindEvent(e Event) *EventDef {
	for i := range EventCatalogue {
		if EventCatalogue[i].Name == e {
			return &EventCatalogue[i]
		}
	}
	return nil
}
