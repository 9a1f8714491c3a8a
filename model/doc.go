package model

import (
	"fmt"
	"strings"
	"time"
)

// DocType is a business document type with its number prefix (SPEC §2).
type DocType string

// Document number prefixes.
const (
	DocOnlineOrder    DocType = "OO"
	DocSalesOrder     DocType = "SO"
	DocDeliveryNotice DocType = "DN"
	DocOutbound       DocType = "OB"
	DocOnlineReturn   DocType = "RT"
	DocReturnNotice   DocType = "RN"
	DocChangeRequest  DocType = "CR"
	DocInvoice        DocType = "IV"
	DocReceipt        DocType = "RC"
	DocAdvanceReceipt DocType = "AR"
	DocRefund         DocType = "RF"
	DocOpportunity    DocType = "OP"
	DocComplaint      DocType = "CP"
	DocServiceRequest DocType = "SR"
	DocStocktake      DocType = "ST"
	DocAnnouncement   DocType = "AN"
)

// FormatDocNumber renders the n-th number of type t in year: "SO-2026-000123".
func FormatDocNumber(t DocType, year int, n uint64) string {
	return fmt.Sprintf("%s-%04d-%06d", t, year, n)
}

// Status is a document status; each document type lists its own.
type Status string

// Generic statuses (SPEC §2).
const (
	StatusDraft     Status = "draft"
	StatusSubmitted Status = "submitted"
	StatusAudited   Status = "audited"
	StatusClosed    Status = "closed"
)

// AuditEntry is one line of a document's audit trail (who did what, when, why).
type AuditEntry struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Action string    `json:"action"`
	From   Status    `json:"from,omitempty"`
	To     Status    `json:"to,omitempty"`
	Reason string    `json:"reason,omitempty"`
	// OnBehalf is set when staff acted for a customer (e.g. a reconciliation
	// confirmation recorded on the dealer's behalf).
	OnBehalf bool `json:"on_behalf,omitempty"`
}

// Doc is embedded in every business document: number, status and audit trail,
// besides the Meta every record carries.
type Doc struct {
	Number string       `json:"number"`
	Status Status       `json:"status"`
	Trail  []AuditEntry `json:"trail,omitempty"`
	Meta
}

// Transition is one allowed action of a state machine: from which statuses,
// to which status, and which permission it needs. NeedsReason actions refuse
// an empty reason.
type Transition struct {
	Action      string
	From        []Status
	To          Status
	Perm        Perm
	NeedsReason bool
}

// Machine is a document type's state machine as data.
type Machine []Transition

// Find returns the transition for action, or nil.
func (m Machine) Find(action string) *Transition {
	for i := range m {
		if m[i].Action == action {
			return &m[i]
		}
	}
	return nil
}

// Allowed lists the actions possible from status for user u, in table order.
func (m Machine) Allowed(status Status, u *User) []string {
	var out []string
	for _, t := range m {
		if t.allows(status) && t.permits(u) {
			out = append(out, t.Action)
		}
	}
	return out
}

// permits reports whether u may take the transition: a nil or disabled user
// may take none, not even one that needs no permission.
func (t *Transition) permits(u *User) bool {
	return u != nil && !u.Disabled && (t.Perm == "" || u.Can(t.Perm))
}

func (t *Transition) allows(s Status) bool {
	for _, f := range t.From {
		if f == s {
			return true
		}
	}
	return false
}

// Apply performs action on d by user u: checks the permission, the current
// status and the reason, moves the status and appends to the audit trail.
// It returns ErrNotAllowed (wrapped in a StateError when the status is the
// problem) or a ValidationError for a missing reason; d is unchanged then.
func (m Machine) Apply(d *Doc, action string, u *User, reason string, now time.Time) error {
	t := m.Find(action)
	if t == nil {
		return &StateError{Action: action, Status: string(d.Status)}
	}
	if !t.permits(u) {
		return ErrNotAllowed
	}
	if !t.allows(d.Status) {
		return &StateError{Action: action, Status: string(d.Status)}
	}
	if t.NeedsReason && len([]rune(strings.TrimSpace(reason))) < 2 {
		return Invalid("reason", "err.reason_required")
	}
	d.Trail = append(d.Trail, AuditEntry{At: now.UTC(), By: u.Username, Action: action, From: d.Status, To: t.To, Reason: reason})
	d.Status = t.To
	return nil
}

// DocSummary is what document lists show and filter on. The store keeps it in
// index buckets, so that a list page decodes no document.
type DocSummary struct {
	ID         uint64 `json:"i"`
	CustomerID uint64 `json:"c"`
	Number     string `json:"n"`
	Status     Status `json:"s"`
	// Date is the document's business date, YYYY-MM-DD in the enterprise zone.
	Date   string `json:"d"`
	Amount Money  `json:"a"`
	// Text is what a search matches (lower case): number, names, remarks…
	Text string `json:"t,omitempty"`
	// Flag marks a document for a module's own filter (e.g. "red", "hold").
	Flag string `json:"f,omitempty"`
}

// Document is a business document the store keeps with the shared machinery
// (numbers, optimistic locking, scope by customer, list indexes).
type Document interface {
	GetMeta() *Meta
	// Header returns the number, status and audit trail.
	Header() *Doc
	// DocID and SetDocID read and assign the id.
	DocID() uint64
	SetDocID(uint64)
	// Owner is the customer the document belongs to (its data scope).
	Owner() uint64
	// Summarize gives the list summary (ID, CustomerID and Number are filled
	// in by the store).
	Summarize() DocSummary
}

// Header gives the store access to the embedded Doc.
func (d *Doc) Header() *Doc { return d }
