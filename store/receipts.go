package store

import (
	"sort"

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

// SaveReceiptDoc creates (ID 0) or updates a draft receipt document with
// optimistic locking. ErrNotFound when the customer (or a named invoice,
// sales order or source receipt) is outside sc, ErrNotAllowed without the
// reconcile permission, a StateError when it is no longer a draft, field
// errors for bad input.
func (t *Tx) SaveReceiptDoc(sc Scope, u *model.User, r *model.ReceiptDoc) (err error) {
	if !t.AllowsCustomer(sc, r.CustomerID) {
		return model.ErrNotFound
	}
	if !u.Can(model.PermReconcile) {
		return model.ErrNotAllowed
	}
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
		inv, err := t.Invoice(sc, id)
		if err != nil || inv.CustomerID != r.CustomerID || inv.Red {
			ve.Add("invoices", "err.invalid", nil)
		}
	}
	if r.Kind == model.DocRefund && r.SourceID != 0 {
		src, err := t.ReceiptDoc(sc, r.SourceType, r.SourceID)
		if err != nil || src.Kind == model.DocRefund || src.CustomerID != r.CustomerID {
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
	if old.Status != model.StatusDraft {
		return &model.StateError{Action: "edit", Status: string(old.Status)}
	}
	r.Doc.Number, r.Doc.Status, r.Doc.Trail = old.Number, old.Status, old.Trail
	r.Applied, r.Refunded, r.Allocs = 0, 0, nil
	return t.UpdateDoc(sc, r.Kind, r)
}

// ActOnReceiptDoc audits (posts) or unaudits (unposts) a receipt document
// with the version the user saw, and returns it with the write-offs an
// audit made. ErrNotFound outside sc, ErrNotAllowed without the permission,
// a StateError when the status does not allow it (or, for unaudit, when it
// is written off, refunded or confirmed), a ConflictError for a stale
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
	if action == "unaudit" && r.Status == model.StatusAudited {
		if r.Applied != 0 || r.Refunded != 0 {
			return nil, nil, &model.StateError{Action: "unaudit", Status: "written_off"}
		}
		if st := t.reconState(kind, r.CustomerID, r.ID); st == model.ReconConfirmed {
			return nil, nil, &model.StateError{Action: "unaudit", Status: string(st)}
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
	var avail model.Money
	for _, s := range srcs {
		avail += s.Unapplied()
	}
	if b := t.balance(r.CustomerID); b.ReceiptBalance < avail {
		avail = b.ReceiptBalance
	}
	if r.Amount > avail {
		ve := &model.ValidationError{}
		ve.Add("amount", "err.recon_refund_limit", map[string]any{"max": max(avail, 0).String()})
		return ve
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
// sc, ErrNotAllowed without the permission, a StateError unless it is a
// draft, a ConflictError for a stale version.
func (t *Tx) DeleteReceiptDoc(sc Scope, u *model.User, kind model.DocType, id, version uint64) error {
	r, err := t.ReceiptDoc(sc, kind, id)
	if err != nil {
		return err
	}
	if !u.Can(model.PermReconcile) {
		return model.ErrNotAllowed
	}
	if r.Status != model.StatusDraft {
		return &model.StateError{Action: "delete", Status: string(r.Status)}
	}
	if err := t.DeleteDoc(sc, kind, id, version); err != nil {
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
