package store

import (
	"strconv"
	"strings"

	"dealerportal/model"
)

// The ERP API's document pushes as use cases, each the sibling of its UI
// form's (ConvertOnlineOrder, CreateDeliveryNotice, PostOutbound,
// CreateInvoice, SaveReceipt): one transaction in the group commit, at
// most once per the call's Idempotency-Key (Actor.Once with its
// Fingerprint), the document's external id (the ERP's number) checked by
// the fingerprint of the request that made it, the references resolved by
// the input's Resolve inside the transaction, and the result said as an
// Outcome. The caller checks the client's grant and renders the document
// afterwards.

// Outcome is what an API push or upsert did to its record.
type Outcome string

// Outcomes of a push or an upsert.
const (
	OutcomeCreated   Outcome = "created"
	OutcomeUpdated   Outcome = "updated"
	OutcomeUnchanged Outcome = "unchanged"
)

// actOutcome is act for a push or an upsert that says what it did: body
// returns the record's id and its outcome; a replay of a.Once answers the
// first run's id, unchanged. The outcome is set afresh by every run of the
// transaction (a batch may run it twice).
func (s *Store) actOutcome(a Actor, body func(t *Tx) (uint64, Outcome, error)) (uint64, Outcome, error) {
	var id uint64
	var outcome Outcome
	run := s.Update
	if a.Batched {
		run = s.Batch
	}
	err := run(a.User.Username, func(t *Tx) error {
		outcome = OutcomeUnchanged
		once := func() (uint64, error) {
			made, o, err := body(t)
			outcome = o
			return made, err
		}
		var err error
		if a.Fingerprint == "" {
			id, _, err = t.Idempotent(a.User.ID, a.Once, once)
			return err
		}
		id, err = t.fingerprinted(a, func(*Tx) (uint64, error) { return once() })
		return err
	})
	if err != nil {
		return 0, "", err
	}
	return id, outcome, nil
}

// pushedAgain is a push's check of its external id ext of kind: the id of
// the document of type doc it names already when the same request (sum)
// made it, 0 when it names none, a *PushedDiffersError naming the
// document when another request made it.
func (t *Tx) pushedAgain(sc Scope, kind string, doc model.DocType, ext, sum string) (uint64, error) {
	id, number, was, err := t.PushedDoc(sc, kind, doc, ext)
	if id == 0 || err != nil {
		return 0, err
	}
	if was != sum {
		return 0, &PushedDiffersError{Number: number}
	}
	return id, nil
}

// ---- online order confirmation ----

// OnlineOrderConfirmInput is the ERP's acceptance of a dealer's online
// order (POST /online-orders/:id/confirm): the order and the version the
// ERP saw (0: any), the external id of the sales order it becomes and the
// fingerprint of the request, whether the sales order stays a draft,
// whether a credit hold is released first (the caller checks that the
// client may), the adjustments of its lines in the request's order (Line:
// the online order's line number), and LineField, the request's name of
// field name of adjustment i.
type OnlineOrderConfirmInput struct {
	ID            uint64
	Version       uint64
	ExternalID    string
	Fingerprint   string
	Draft         bool
	ReleaseCredit bool
	Lines         []LineAdjust
	LineField     func(i int, name string) string
}

// ConfirmOnlineOrderPush is the use case "the ERP confirms an online
// order", the API's sibling of ConvertOnlineOrder: the order is checked
// through a.Scope once at the top, a credit hold released when asked, the
// sales order generated with the adjustments and, unless in.Draft,
// audited, and tied to the external id — in one transaction. An order
// already converted (by an earlier confirmation or by staff) answers its
// sales order, unchanged: confirming is idempotent by the order itself.
// An external id naming another sales order, or another number for the
// order's, is a *PushedDiffersError; a line not on the order a
// ValidationError at its request field. It returns the sales order's id.
func (s *Store) ConfirmOnlineOrderPush(a Actor, in OnlineOrderConfirmInput) (uint64, Outcome, error) {
	return s.actOutcome(a, func(t *Tx) (uint64, Outcome, error) {
		o, err := t.OnlineOrder(a.Scope, in.ID)
		if err != nil {
			return 0, "", err
		}
		if o.Status == model.StatusConverted && o.SalesOrderID != 0 {
			return t.confirmedAgain(a.Scope, o.SalesOrderID, in.ExternalID, in.Fingerprint)
		}
		if in.Version != 0 && in.Version != o.Version {
			return 0, "", &model.ConflictError{By: o.UpdatedBy, At: o.UpdatedAt}
		}
		if in.ExternalID != "" {
			// The number already names another sales order.
			if prev, number, _, err := t.PushedDoc(a.Scope, ExtSalesOrder, model.DocSalesOrder, in.ExternalID); prev != 0 || err != nil {
				if err == nil {
					err = &PushedDiffersError{Number: number}
				}
				return 0, "", err
			}
		}
		// Which adjustment is of which online order line (by index).
		at := map[int]int{}
		ve := &model.ValidationError{}
		var adjust []LineAdjust
		for i, l := range in.Lines {
			found := false
			for j := range o.Lines {
				if o.Lines[j].No == l.Line {
					at[j], found = i, true
				}
			}
			if !found {
				ve.Add(in.LineField(i, "line"), "api.err_no_line", map[string]any{"line": l.Line})
				continue
			}
			adjust = append(adjust, l)
		}
		if err := ve.Err(); err != nil {
			return 0, "", err
		}
		if in.ReleaseCredit && o.CreditHold && o.CreditApprovedBy == "" {
			if o, err = t.ActOnOnlineOrder(a.Scope, o.ID, o.Version, "release_credit", a.User, ""); err != nil {
				return 0, "", err
			}
		}
		rename := func(f string) string {
			if f == "_form" {
				return "release_credit" // the only refusal of the whole order: a credit hold
			}
			if j, name, ok := splitLineField(f); ok {
				if k, ok := at[j]; ok {
					if name == "price" {
						name = "unit_price"
					}
					return in.LineField(k, name)
				}
				return "lines"
			}
			return f
		}
		so, err := t.ConvertOnlineOrder(a.Scope, o.ID, o.Version, a.User, adjust)
		if err != nil {
			return 0, "", renameBy(err, rename)
		}
		if !in.Draft {
			if so, err = t.ActOnSalesOrder(a.Scope, so.ID, so.Version, "audit", a.User, ""); err != nil {
				return 0, "", err
			}
		}
		return so.ID, OutcomeCreated, t.SetExternalDoc(ExtSalesOrder, in.ExternalID, so.ID, in.Fingerprint)
	})
}

// confirmedAgain answers a confirmation of an order already converted to
// sales order soID: that order, unchanged. An external id it names must be
// that order's (it is recorded when the order has none yet); another is a
// *PushedDiffersError.
func (t *Tx) confirmedAgain(sc Scope, soID uint64, ext, sum string) (uint64, Outcome, error) {
	so, err := t.SalesOrder(sc, soID)
	if err != nil {
		return 0, "", err
	}
	if ext == "" {
		return soID, OutcomeUnchanged, nil
	}
	id, number, was, err := t.PushedDoc(sc, ExtSalesOrder, model.DocSalesOrder, ext)
	switch {
	case err != nil:
		return 0, "", err
	case id == 0 && t.ExternalOf(ExtSalesOrder, soID) == "":
		return soID, OutcomeUnchanged, t.SetExternalDoc(ExtSalesOrder, ext, soID, sum)
	case id == 0:
		// The order has a number of its own already.
		return 0, "", &PushedDiffersError{Number: so.Number}
	case id != soID || was != sum:
		return 0, "", &PushedDiffersError{Number: number}
	}
	return soID, OutcomeUnchanged, nil
}

// splitLineField splits a store's line field "line.<i>.<name>" (a line by
// its index) into the index and the name.
func splitLineField(f string) (int, string, bool) {
	rest, ok := strings.CutPrefix(f, "line.")
	if !ok {
		return 0, "", false
	}
	idx, name, _ := strings.Cut(rest, ".")
	i, err := strconv.Atoi(idx)
	return i, name, err == nil
}

// ---- delivery notices and outbounds ----

// DeliveryNoticePushInput is the API's delivery notice push: its external
// id, the fingerprint of what it asks for, and Resolve, which reads its
// references (the sales order, its lines) through the client's scope
// inside the use case's transaction: the notice to make (ShipDate "":
// today) and the request's names of the store's fields (nil: as they
// are), or a ValidationError at the request's fields.
type DeliveryNoticePushInput struct {
	ExternalID  string
	Fingerprint string
	Resolve     func(t *Tx) (*DeliveryNoticeInput, func(field string) string, error)
}

// PushDeliveryNotice is the use case "the ERP pushes a delivery notice",
// the API's sibling of CreateDeliveryNotice: the same external id again
// answers the notice it made (unchanged) when the fingerprint is the
// same, else a *PushedDiffersError; otherwise the notice is made as the
// UI's form makes it (the dealer is told in the same transaction) and tied
// to its external id. At most once per a.Once. It returns the notice's id.
func (s *Store) PushDeliveryNotice(a Actor, in DeliveryNoticePushInput) (uint64, Outcome, error) {
	return pushNew(s, a, ExtDeliveryNotice, model.DocDeliveryNotice, in.ExternalID, in.Fingerprint, in.Resolve,
		func(t *Tx, p *DeliveryNoticeInput) (uint64, error) {
			if p.ShipDate == "" {
				p.ShipDate = t.Today()
			}
			dn, err := t.CreateDeliveryNotice(a.Scope, a.User, p)
			if err != nil {
				return 0, err
			}
			return dn.ID, nil
		})
}

// pushNew is a push of a document the ERP only creates: the same external
// id again answers the document it made (unchanged) when the fingerprint
// is the same, else a *PushedDiffersError; otherwise resolve reads the
// references, create makes the document (its refusals at the request's
// names) and the external id is tied to it, at most once per a.Once.
func pushNew[P any](s *Store, a Actor, kind string, doc model.DocType, ext, sum string,
	resolve func(t *Tx) (P, func(field string) string, error), create func(t *Tx, p P) (uint64, error)) (uint64, Outcome, error) {
	return s.actOutcome(a, func(t *Tx) (uint64, Outcome, error) {
		if id, err := t.pushedAgain(a.Scope, kind, doc, ext, sum); id != 0 || err != nil {
			return id, OutcomeUnchanged, err
		}
		p, rename, err := resolve(t)
		if err != nil {
			return 0, "", err
		}
		id, err := create(t, p)
		if err != nil {
			return 0, "", renameBy(err, rename)
		}
		return id, OutcomeCreated, t.SetExternalDoc(kind, ext, id, sum)
	})
}

// OutboundPushInput is the API's outbound push, as
// DeliveryNoticePushInput: Resolve reads the source (a sales order, a
// delivery notice or a return notice) and its lines through the client's
// scope inside the use case's transaction (PostDate "": today).
type OutboundPushInput struct {
	ExternalID  string
	Fingerprint string
	Resolve     func(t *Tx) (*OutboundInput, func(field string) string, error)
}

// PushOutbound is the use case "the ERP posts an outbound", the API's
// sibling of PostOutbound, with PushDeliveryNotice's handling of the
// external id. It returns the outbound's id.
func (s *Store) PushOutbound(a Actor, in OutboundPushInput) (uint64, Outcome, error) {
	return pushNew(s, a, ExtOutbound, model.DocOutbound, in.ExternalID, in.Fingerprint, in.Resolve,
		func(t *Tx, p *OutboundInput) (uint64, error) {
			if p.PostDate == "" {
				p.PostDate = t.Today()
			}
			ob, err := t.PostOutbound(a.Scope, a.User, p)
			if err != nil {
				return 0, err
			}
			return ob.ID, nil
		})
}

// ---- invoices ----

// InvoicePush is an invoice the ERP pushed, its references resolved
// through the client's scope: the invoice to make (its customer, the
// outbound lines' quantities and the outbounds read), the request's lines
// in order with the amount the ERP computed for each (0: not sent), and
// the request's names of each line's quantity and amount.
type InvoicePush struct {
	Invoice      InvoiceInput
	Lines        []InvoiceLineRef
	Amounts      []model.Money
	QtyFields    []string
	AmountFields []string
}

// InvoicePushInput is the API's invoice push: its external id, the
// fingerprint of what it asks for (without Draft: a repeat may audit the
// draft it made), whether it stays a draft, and Resolve, which reads its
// references inside the use case's transaction (a ValidationError at the
// request's fields when one does not resolve). The references are
// resolved first, so a push naming what it may not see is refused even
// when its external id is known.
type InvoicePushInput struct {
	ExternalID  string
	Fingerprint string
	Draft       bool
	Resolve     func(t *Tx) (*InvoicePush, error)
}

// PushInvoice is the use case "the ERP pushes an invoice", the API's
// sibling of CreateInvoice: a new invoice is made (posted unless
// in.Draft) and tied to its external id (created); the same external id
// again with the same fingerprint answers its invoice, auditing it when
// it is still a draft and this push is not (updated), else unchanged;
// another fingerprint is a *PushedDiffersError. Line amounts the ERP sent
// that differ from the portal's are refused at the line (the two would
// disagree on the balance). At most once per a.Once. It returns the
// invoice's id.
func (s *Store) PushInvoice(a Actor, in InvoicePushInput) (uint64, Outcome, error) {
	return s.actOutcome(a, func(t *Tx) (uint64, Outcome, error) {
		p, err := in.Resolve(t)
		if err != nil {
			return 0, "", err
		}
		names := make(map[string]string, len(p.Lines))
		for i, r := range p.Lines {
			names[InvoiceQtyField(r)] = p.QtyFields[i]
		}
		id, err := t.pushedAgain(a.Scope, ExtInvoice, model.DocInvoice, in.ExternalID, in.Fingerprint)
		if err != nil {
			return 0, "", err
		}
		if id != 0 {
			inv, err := t.Invoice(a.Scope, id)
			if err != nil {
				return 0, "", err
			}
			if inv.Status != model.StatusDraft || in.Draft {
				return inv.ID, OutcomeUnchanged, nil
			}
			if inv, err = t.ActOnInvoice(a.Scope, a.User, inv.ID, inv.Version, "audit"); err != nil {
				return 0, "", renameFields(err, names)
			}
			return inv.ID, OutcomeUpdated, p.checkAmounts(inv)
		}
		p.Invoice.Audit = !in.Draft
		inv, err := t.CreateInvoice(a.Scope, a.User, &p.Invoice)
		if err != nil {
			return 0, "", renameFields(err, names)
		}
		if err := p.checkAmounts(inv); err != nil {
			return 0, "", err
		}
		return inv.ID, OutcomeCreated, t.SetExternalDoc(ExtInvoice, in.ExternalID, inv.ID, in.Fingerprint)
	})
}

// checkAmounts refuses, at the request's line, an amount the ERP sent
// that differs from the one the portal computed for invoice inv.
func (p *InvoicePush) checkAmounts(inv *model.Invoice) error {
	ve := &model.ValidationError{}
	idx := make(map[InvoiceLineRef]int, len(p.Lines))
	for i, r := range p.Lines {
		idx[r] = i
	}
	for _, l := range inv.Lines {
		i, ok := idx[InvoiceLineRef{OutboundID: l.OutboundID, Line: l.OutboundLine}]
		if !ok {
			continue
		}
		got := l.Amount
		if got < 0 {
			got = -got
		}
		if want := p.Amounts[i]; want != 0 && got != want {
			ve.Add(p.AmountFields[i], "api.err_fin_amount", map[string]any{"amount": got.String(), "cents": int64(got)})
		}
	}
	return ve.Err()
}

// ---- receipts, advance receipts, refunds ----

// ReceiptPush is a receipt document the ERP pushed, its references
// resolved through the client's scope (customer, invoices, sales order,
// source receipt), with the request's names of the store's fields.
type ReceiptPush struct {
	Doc   model.ReceiptDoc
	Names map[string]string
}

// ReceiptPushInput is the API's push of a receipt, advance receipt or
// refund (Kind), as InvoicePushInput.
type ReceiptPushInput struct {
	Kind        model.DocType
	ExternalID  string
	Fingerprint string
	Draft       bool
	Resolve     func(t *Tx) (*ReceiptPush, error)
}

// PushReceipt is the use case "the ERP pushes a receipt document", the
// API's sibling of SaveReceipt, with PushInvoice's handling of the
// external id and of a draft audited by a repeat. It returns the
// document's id.
func (s *Store) PushReceipt(a Actor, in ReceiptPushInput) (uint64, Outcome, error) {
	return s.actOutcome(a, func(t *Tx) (uint64, Outcome, error) {
		p, err := in.Resolve(t)
		if err != nil {
			return 0, "", err
		}
		kind := receiptExtKind(in.Kind)
		id, err := t.pushedAgain(a.Scope, kind, in.Kind, in.ExternalID, in.Fingerprint)
		if err != nil {
			return 0, "", err
		}
		if id != 0 {
			old, err := t.ReceiptDoc(a.Scope, in.Kind, id)
			if err != nil {
				return 0, "", err
			}
			if old.Status != model.StatusDraft || in.Draft {
				return old.ID, OutcomeUnchanged, nil
			}
			if _, _, err = t.ActOnReceiptDoc(a.Scope, a.User, in.Kind, old.ID, old.Version, "audit"); err != nil {
				return 0, "", renameFields(err, p.Names)
			}
			return old.ID, OutcomeUpdated, nil
		}
		// The UI form's use case, in the push's transaction.
		r, err := t.SaveReceipt(a.Scope, a.User, &ReceiptInput{Doc: p.Doc, Audit: !in.Draft})
		if err != nil {
			return 0, "", renameFields(err, p.Names)
		}
		return r.ID, OutcomeCreated, t.SetExternalDoc(kind, in.ExternalID, r.ID, in.Fingerprint)
	})
}

// receiptExtKind is the kind of external id of a receipt document type.
func receiptExtKind(k model.DocType) string {
	switch k {
	case model.DocAdvanceReceipt:
		return ExtAdvanceReceipt
	case model.DocRefund:
		return ExtRefund
	}
	return ExtReceipt
}
