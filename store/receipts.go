package store

import (
	"sort"
	"strings"

	"dealerportal/model"
)

// Receipt documents: receipts (收款单), advance receipts (预收单) and
// receivable refunds (应收退款单). Each is a document type of its own (own
// numbers RC/AR/RF) stored as model.ReceiptDoc. Audit posts: a receipt or
// advance receipt adds to the customer's receipt balance and to the open
// items (its unapplied amount), and a receipt naming invoices (or asking
// for it) is written off at once; a refund takes from unapplied receipts —
// the one it names, or oldest first — never more than they hold, and lowers
// the receipt balance. Unaudit takes it all back, while nothing of a
// receipt is written off or refunded and the dealer has not confirmed it.

// The three receipt kinds are separate document types (own numbers and
// lists); docReceipt names the first where one is needed.
var (
	docReceipt = RegisterDocType(model.DocReceipt)
	_          = RegisterDocType(model.DocAdvanceReceipt)
	_          = RegisterDocType(model.DocRefund)
)

// ReceiptDoc returns receipt document id of kind when sc may see it;
// ErrNotFound otherwise (or for a kind that is not a receipt document).
func (t *Tx) ReceiptDoc(sc Scope, kind model.DocType, id uint64) (*model.ReceiptDoc, error) {
	if !model.IsReceiptKind(kind) {
		return nil, model.ErrNotFound
	}
	r := &model.ReceiptDoc{}
	if err := t.GetDoc(sc, kind, id, r); err != nil {
		return nil, err
	}
	r.Kind = kind
	return r, nil
}

// ReceiptInput is the form of a receipt document. Doc holds what was
// posted: its Kind, for an edit its ID and the Version the form showed,
// the date, amount, method, reference, remarks, invoices a receipt pays
// (or AutoWriteOff), a refund's source and an advance receipt's sales
// order (by SalesOrderID, or by the number SalesOrderNo as typed). A new
// document's customer is Doc.CustomerID, else the one of CustomerCode,
// else OutboundID's. Audit posts it in the same transaction.
type ReceiptInput struct {
	Doc          model.ReceiptDoc
	CustomerCode string
	OutboundID   uint64
	Audit        bool
}

// SaveReceipt is the use case "save a receipt document" (new or an edit of
// a draft), posted at once when in.Audit: one transaction, at most once
// per a.Once; the document's id. Errors as Tx.SaveReceipt's. The caller
// checks the reconcile permission.
func (s *Store) SaveReceipt(a Actor, in ReceiptInput) (uint64, error) {
	return s.act(a, func(t *Tx) (uint64, error) {
		r, err := t.SaveReceipt(a.Scope, a.User, &in)
		if err != nil {
			return 0, err
		}
		return r.ID, nil
	})
}

// namedCustomer is the customer a form names, checked through sc: by id,
// else by code, else the outbound's. ErrNotFound outside sc or when none
// is named.
func (t *Tx) namedCustomer(sc Scope, id uint64, code string, ob uint64) (uint64, error) {
	cust, _, err := t.invoiceCustomer(sc, &InvoiceInput{CustomerID: id, CustomerCode: code, OutboundID: ob})
	return cust, err
}

// SaveReceipt saves the receipt document of in (a new one, or the draft
// in.Doc.ID at the version the form showed) and, with in.Audit, posts it:
// the document (re-read after the write-offs its posting made). The
// customer, or the draft, is checked through sc once at the top
// (ErrNotFound outside it); the rest works on that customer's records.
// Errors as SaveReceiptDoc's and ActOnReceiptDoc's; "sales_order" when the
// number names no order of the customer.
func (t *Tx) SaveReceipt(sc Scope, u *model.User, in *ReceiptInput) (*model.ReceiptDoc, error) {
	r := in.Doc
	kind := r.Kind
	if r.ID != 0 {
		old, err := t.ReceiptDoc(sc, kind, r.ID)
		if err != nil {
			return nil, err
		}
		r = *old
		r.EditFrom(&in.Doc)
	} else {
		cust, err := t.namedCustomer(sc, r.CustomerID, in.CustomerCode, in.OutboundID)
		if err != nil {
			return nil, err
		}
		r.CustomerID = cust
	}
	sc = pinned(sc, r.CustomerID)
	if kind == model.DocAdvanceReceipt && r.SalesOrderID == 0 && r.SalesOrderNo != "" {
		so := t.SalesOrderByNumber(sc, r.CustomerID, r.SalesOrderNo)
		if so == nil {
			return nil, model.Invalid("sales_order", "err.invalid")
		}
		r.SalesOrderID = so.ID
	}
	if err := t.SaveReceiptDoc(sc, u, &r); err != nil {
		return nil, err
	}
	if !in.Audit {
		return &r, nil
	}
	done, _, err := t.ActOnReceiptDoc(sc, u, kind, r.ID, r.Version, "audit")
	return done, err
}

// SalesOrderByNumber finds customer cust's sales order numbered no (as
// typed: any case) in sc; nil when there is none.
func (t *Tx) SalesOrderByNumber(sc Scope, cust uint64, no string) *model.SalesOrder {
	sums, _, err := t.ListDocs(sc, model.DocSalesOrder, DocFilter{CustomerID: cust, Q: no}, Page{Limit: 20})
	if err != nil {
		return nil
	}
	for _, s := range sums {
		if strings.EqualFold(s.Number, no) {
			so := &model.SalesOrder{}
			if t.GetDoc(sc, model.DocSalesOrder, s.ID, so) == nil {
				return so
			}
		}
	}
	return nil
}

// SaveReceiptDoc creates (ID 0) or updates a draft receipt document with
// optimistic locking. ErrNotFound when the customer (or a named invoice,
// sales order or source receipt) is outside sc, a StateError when it is no
// longer a draft, field errors for bad input. The reconcile permission is
// the caller's to check.
func (t *Tx) SaveReceiptDoc(sc Scope, u *model.User, r *model.ReceiptDoc) (err error) {
	if !t.AllowsCustomer(sc, r.CustomerID) {
		return model.ErrNotFound
	}
	sc = pinned(sc, r.CustomerID)
	ve := &model.ValidationError{}
	if err := r.Validate(); err != nil {
		if hv, ok := err.(*model.ValidationError); ok {
			ve = hv
		} else {
			return err
		}
	}
	if r.SalesOrderID != 0 {
		so, err := t.salesOrderForFigures(sc, r.SalesOrderID)
		if err != nil || so.CustomerID != r.CustomerID {
			ve.Add("sales_order", "err.invalid", nil)
		} else {
			r.SalesOrderNo = so.Number
		}
	}
	for _, id := range r.Invoices {
		inv, _ := t.Invoice(sc, id)
		if !model.ReceiptMayPay(inv, r.CustomerID) {
			ve.Add("invoices", "err.invalid", nil)
		}
	}
	if r.Kind == model.DocRefund && r.SourceID != 0 {
		src, _ := t.ReceiptDoc(sc, r.SourceType, r.SourceID)
		if !model.RefundMayTake(src, r.CustomerID) {
			ve.Add("source", "err.invalid", nil)
		}
	}
	if err := ve.Err(); err != nil {
		return err
	}
	if r.ID == 0 {
		r.Applied, r.Refunded, r.Allocs = 0, 0, nil
		model.Record(&r.Doc, "create", model.StatusDraft, u.Username, t.Now)
		return t.InsertDoc(sc, r.Kind, r)
	}
	old, err := t.ReceiptDoc(sc, r.Kind, r.ID)
	if err != nil {
		return err
	}
	if old.CustomerID != r.CustomerID {
		return model.ErrNotAllowed
	}
	if err := model.CanEditDraft(old.Status); err != nil {
		return err
	}
	r.Doc.Number, r.Doc.Status, r.Doc.Trail = old.Number, old.Status, old.Trail
	r.Applied, r.Refunded, r.Allocs = 0, 0, nil
	return t.UpdateDoc(sc, r.Kind, r)
}

// ActOnReceiptDoc audits (posts) or unaudits (unposts) a receipt document
// with the version the user saw, and returns it with the write-offs an
// audit made. ErrNotFound outside sc, ErrNotAllowed when
// model.ReceiptMachine does not let u run it, a StateError when the status
// does not allow it (or, for unaudit, model.CanUnauditReceipt's), a ConflictError for a stale
// version, a field error ("amount") for a refund above the unapplied
// receipts.
func (t *Tx) ActOnReceiptDoc(sc Scope, u *model.User, kind model.DocType, id, version uint64, action string) (*model.ReceiptDoc, []*model.WriteOff, error) {
	r, err := t.ReceiptDoc(sc, kind, id)
	if err != nil {
		return nil, nil, err
	}
	if r.Version != version {
		return nil, nil, &model.ConflictError{By: r.UpdatedBy, At: r.UpdatedAt}
	}
	sc = pinned(sc, r.CustomerID)
	if action == "unaudit" {
		if err := model.CanUnauditReceipt(r, t.reconState(kind, r.CustomerID, r.ID)); err != nil {
			return nil, nil, err
		}
	}
	if err := model.ReceiptMachine.Apply(&r.Doc, action, u, "", t.Now); err != nil {
		return nil, nil, err
	}
	post := action == "audit"
	switch {
	case kind == model.DocRefund && post:
		if err := t.allocateRefund(sc, r); err != nil {
			return nil, nil, err
		}
	case kind == model.DocRefund:
		if err := t.releaseRefund(sc, r); err != nil {
			return nil, nil, err
		}
	default:
		sign := model.Money(1)
		if !post {
			sign = -1
		}
		if err := t.AdjustBalance(r.CustomerID, func(b *model.CustomerBalance) { b.ReceiptBalance += sign * r.Amount }); err != nil {
			return nil, nil, err
		}
		open := r.Unapplied()
		if !post {
			open = 0
		}
		if err := t.setOpen(r.CustomerID, kind, r.ID, open, r.Date); err != nil {
			return nil, nil, err
		}
	}
	if err := t.UpdateDoc(sc, kind, r); err != nil {
		return nil, nil, err
	}
	var made []*model.WriteOff
	if post && kind == model.DocReceipt && (len(r.Invoices) > 0 || r.AutoWriteOff) {
		src := WriteOffSource{kind, r.ID}
		if made, err = t.AutoWriteOff(sc, u, r.CustomerID, &src, r.Invoices); err != nil {
			return nil, nil, err
		}
		if r, err = t.ReceiptDoc(sc, kind, id); err != nil {
			return nil, nil, err
		}
	}
	return r, made, nil
}

// refundSources lists the receipts a refund may take from: the one it
// names, or every unapplied receipt and advance receipt dated on or before
// the refund, oldest first.
func (t *Tx) refundSources(sc Scope, r *model.ReceiptDoc) ([]*model.ReceiptDoc, error) {
	if r.SourceID != 0 {
		src, err := t.ReceiptDoc(sc, r.SourceType, r.SourceID)
		if err != nil {
			return nil, err
		}
		if !src.Posted() || src.Date > r.Date {
			return nil, nil
		}
		return []*model.ReceiptDoc{src}, nil
	}
	var items []OpenItem
	for _, k := range []model.DocType{model.DocReceipt, model.DocAdvanceReceipt} {
		items = append(items, t.openItems(r.CustomerID, k)...)
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Date < items[j].Date })
	var out []*model.ReceiptDoc
	for _, it := range items {
		if it.Date > r.Date {
			continue
		}
		src, err := t.ReceiptDoc(sc, it.Kind, it.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, nil
}

// RefundLimit is what a refund dated date of customer cust could pay back:
// the unapplied amount of its named receipt, or of every receipt and
// advance receipt dated on or before it.
func (t *Tx) RefundLimit(sc Scope, r *model.ReceiptDoc) (model.Money, error) {
	srcs, err := t.refundSources(sc, r)
	if err != nil {
		return 0, err
	}
	var m model.Money
	for _, s := range srcs {
		m += s.Unapplied()
	}
	return m, nil
}

// allocateRefund posts a refund: it takes its amount from the unapplied
// receipts (never more than they hold) and lowers the receipt balance.
func (t *Tx) allocateRefund(sc Scope, r *model.ReceiptDoc) error {
	srcs, err := t.refundSources(sc, r)
	if err != nil {
		return err
	}
	held := make([]model.Money, len(srcs))
	for i, s := range srcs {
		held[i] = s.Unapplied()
	}
	if err := model.CheckRefund(r.Amount, model.RefundLimit(held, t.balance(r.CustomerID).ReceiptBalance)); err != nil {
		return err
	}
	rest := r.Amount
	r.Allocs = nil
	for _, s := range srcs {
		if rest == 0 {
			break
		}
		take := min(rest, s.Unapplied())
		if take <= 0 {
			continue
		}
		s.Refunded += take
		rest -= take
		r.Allocs = append(r.Allocs, model.RefundAlloc{Type: s.Kind, ID: s.ID, Number: s.Number, Amount: take})
		if err := t.UpdateDoc(sc, s.Kind, s); err != nil {
			return err
		}
		if err := t.setOpen(s.CustomerID, s.Kind, s.ID, s.Unapplied(), s.Date); err != nil {
			return err
		}
	}
	return t.AdjustBalance(r.CustomerID, func(b *model.CustomerBalance) { b.ReceiptBalance -= r.Amount })
}

// releaseRefund unposts a refund: each receipt gets back exactly what the
// refund took from it.
func (t *Tx) releaseRefund(sc Scope, r *model.ReceiptDoc) error {
	for _, a := range r.Allocs {
		s, err := t.ReceiptDoc(sc, a.Type, a.ID)
		if err != nil {
			return err
		}
		s.Refunded -= a.Amount
		if err := t.UpdateDoc(sc, s.Kind, s); err != nil {
			return err
		}
		if err := t.setOpen(s.CustomerID, s.Kind, s.ID, s.Unapplied(), s.Date); err != nil {
			return err
		}
	}
	r.Allocs = nil
	return t.AdjustBalance(r.CustomerID, func(b *model.CustomerBalance) { b.ReceiptBalance += r.Amount })
}

// DeleteReceiptDoc deletes a draft receipt document. ErrNotFound outside
// sc, a StateError unless it is a draft, a ConflictError for a stale
// version. The reconcile permission is the caller's to check.
func (t *Tx) DeleteReceiptDoc(sc Scope, kind model.DocType, id, version uint64) error {
	r, err := t.ReceiptDoc(sc, kind, id)
	if err != nil {
		return err
	}
	if err := model.CanDeleteDraft(r.Status); err != nil {
		return err
	}
	if err := t.DeleteDoc(pinned(sc, r.CustomerID), kind, id, version); err != nil {
		return err
	}
	return t.deleteRecon(kind, r.CustomerID, id)
}

// ReceiptWriteOffs returns the write-offs from receipt document r, newest
// first.
func (t *Tx) ReceiptWriteOffs(r *model.ReceiptDoc) ([]*model.WriteOff, error) {
	all, err := t.customerWriteOffs(r.CustomerID)
	if err != nil {
		return nil, err
	}
	var out []*model.WriteOff
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].SourceType == r.Kind && all[i].SourceID == r.ID {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// AuditReceipt posts receipt document id of kind (审核) at the version the
// user saw, with the write-offs a receipt naming invoices makes: one use
// case, at most once per a.Once. Errors as ActOnReceiptDoc's.
func (s *Store) AuditReceipt(a Actor, kind model.DocType, id, version uint64) error {
	return s.actOnReceipt(a, kind, id, version, "audit")
}

// UnauditReceipt takes receipt document id's posting back (反审核) at the
// version the user saw. Errors as ActOnReceiptDoc's.
func (s *Store) UnauditReceipt(a Actor, kind model.DocType, id, version uint64) error {
	return s.actOnReceipt(a, kind, id, version, "unaudit")
}

func (s *Store) actOnReceipt(a Actor, kind model.DocType, id, version uint64, action string) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		_, _, err := t.ActOnReceiptDoc(a.Scope, a.User, kind, id, version, action)
		return 0, err
	})
	return err
}

// RemoveReceipt deletes draft receipt document id of kind at the version
// the user saw, once per a.Once. Errors as DeleteReceiptDoc's.
func (s *Store) RemoveReceipt(a Actor, kind model.DocType, id, version uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		return 0, t.DeleteReceiptDoc(a.Scope, kind, id, version)
	})
	return err
}
