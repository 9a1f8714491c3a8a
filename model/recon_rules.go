package model

// Reconciliation rules (对账) as pure functions: what an invoice's posting
// checks, when a posted invoice may be taken back or a draft deleted. The
// store calls them with what it loaded; none reads storage or a clock.

// InvoiceQtyFits reports whether an invoice line's quantity q fits the
// un-invoiced rest of its outbound line: the same sign, and not more than
// the rest (a red line's are both negative). Zero never fits.
func InvoiceQtyFits(q, rest Qty) bool {
	if q > 0 {
		return q <= rest
	}
	return q < 0 && q >= rest
}

// InvoiceOutboundFits reports whether an invoice of customer cust, red or
// blue, may take lines of outbound ob: the same customer and colour.
func InvoiceOutboundFits(ob *Outbound, cust uint64, red bool) bool {
	return ob != nil && ob.CustomerID == cust && ob.Red == red
}

// InvoiceDateFits reports whether an invoice dated date may invoice
// outbounds posted up to latest (YYYY-MM-DD): not before the latest.
func InvoiceDateFits(date, latest string) bool { return date >= latest }

// CanUnauditInvoice says whether posted invoice inv may be taken back
// (反审核), its dealer's confirmation state being recon: not while anything
// is written off against it, nor once the dealer confirmed it (a
// StateError naming why). The status itself is InvoiceMachine's to check.
func CanUnauditInvoice(inv *Invoice, recon Status) error {
	if inv.Status != StatusAudited {
		return nil
	}
	if inv.WrittenOff != 0 {
		return &StateError{Action: "unaudit", Status: "written_off"}
	}
	if recon == ReconConfirmed {
		return &StateError{Action: "unaudit", Status: string(recon)}
	}
	return nil
}

// CanDeleteDraft says whether a document in status st may be deleted:
// drafts only (a StateError otherwise).
func CanDeleteDraft(st Status) error {
	if st != StatusDraft {
		return &StateError{Action: "delete", Status: string(st)}
	}
	return nil
}

// CanEditDraft says whether a document in status st may be edited: drafts
// only (a StateError otherwise).
func CanEditDraft(st Status) error {
	if st != StatusDraft {
		return &StateError{Action: "edit", Status: string(st)}
	}
	return nil
}

// CanUnauditReceipt says whether posted receipt document r may be taken
// back, its dealer's confirmation state being recon: not while anything of
// it is written off or refunded, nor once the dealer confirmed it (a
// StateError naming why). The status itself is ReceiptMachine's to check.
func CanUnauditReceipt(r *ReceiptDoc, recon Status) error {
	if r.Status != StatusAudited {
		return nil
	}
	if r.Applied != 0 || r.Refunded != 0 {
		return &StateError{Action: "unaudit", Status: "written_off"}
	}
	if recon == ReconConfirmed {
		return &StateError{Action: "unaudit", Status: string(recon)}
	}
	return nil
}

// ReceiptMayPay reports whether a receipt of customer cust may name
// invoice inv as one it pays: a blue invoice of the same customer.
func ReceiptMayPay(inv *Invoice, cust uint64) bool {
	return inv != nil && inv.CustomerID == cust && !inv.Red
}

// RefundMayTake reports whether a refund of customer cust may name src as
// the receipt it pays back: a receipt or advance receipt of the customer.
func RefundMayTake(src *ReceiptDoc, cust uint64) bool {
	return src != nil && src.Kind != DocRefund && src.CustomerID == cust
}

// RefundLimit is what a refund may pay back: what its sources hold
// unapplied, never more than the customer's receipt balance.
func RefundLimit(unapplied []Money, receiptBalance Money) Money {
	var avail Money
	for _, m := range unapplied {
		avail += m
	}
	return min(avail, receiptBalance)
}

// CheckRefund refuses (a field error at "amount") a refund of amount above
// limit (RefundLimit).
func CheckRefund(amount, limit Money) error {
	if amount > limit {
		ve := &ValidationError{}
		ve.Add("amount", "err.recon_refund_limit", map[string]any{"max": max(limit, 0).String()})
		return ve
	}
	return nil
}

// EditFrom takes into draft r what its form edits, from f: date, amount,
// method, reference, remarks, the invoices it pays (or the automatic
// write-off), its source, its sales order, and the version the form
// showed. The customer, kind, number, status and figures stay r's.
func (r *ReceiptDoc) EditFrom(f *ReceiptDoc) {
	r.Date, r.Amount, r.Method, r.Reference, r.Remarks = f.Date, f.Amount, f.Method, f.Reference, f.Remarks
	r.Invoices, r.AutoWriteOff = f.Invoices, f.AutoWriteOff
	r.SourceType, r.SourceID = f.SourceType, f.SourceID
	r.SalesOrderID, r.SalesOrderNo = f.SalesOrderID, f.SalesOrderNo
	r.Version = f.Version
}

// CheckWriteOff is what writing off amount of a source holding srcOpen
// against invoice inv checks (field errors): the invoice a posted blue one
// with something open ("invoice"), the source with something open
// ("source"), the amount positive and within what both hold open
// ("amount").
func CheckWriteOff(srcOpen Money, inv *Invoice, amount Money) error {
	ve := &ValidationError{}
	if !inv.Posted() || inv.Red || inv.Open() <= 0 {
		ve.Add("invoice", "err.recon_nothing_open", nil)
	}
	if srcOpen <= 0 {
		ve.Add("source", "err.recon_nothing_open", nil)
	}
	switch {
	case amount <= 0:
		ve.Add("amount", "err.recon_amount_positive", nil)
	case amount > srcOpen || amount > inv.Open():
		ve.Add("amount", "err.recon_amount_max", map[string]any{"max": min(srcOpen, inv.Open()).String()})
	}
	return ve.Err()
}

// InvoiceOpenFor reports whether inv is an invoice an automatic write-off
// of customer cust applies to: a posted blue invoice of the customer with
// something open.
func InvoiceOpenFor(inv *Invoice, cust uint64) bool {
	return inv.CustomerID == cust && inv.Posted() && !inv.Red && inv.Open() > 0
}

// CanReverseWriteOff says whether write-off w may be reversed (反核销):
// once only (a StateError for one already reversed).
func CanReverseWriteOff(w *WriteOff) error {
	if w.Reversed {
		return &StateError{Action: "reverse", Status: "reversed"}
	}
	return nil
}

// IsFirstOfMonth reports whether day (YYYY-MM-DD, the enterprise's zone)
// is the first of a month: when the monthly statements go out.
func IsFirstOfMonth(day string) bool { return len(day) == 10 && day[8:] == "01" }

// WriteOffsToReverse is what reversing a write-off of several records
// (the API's write-off, first record first) reverses: every record not yet
// reversed, last first; a StateError when none is left.
func WriteOffsToReverse(recs []*WriteOff) ([]*WriteOff, error) {
	var out []*WriteOff
	for i := len(recs) - 1; i >= 0; i-- {
		if CanReverseWriteOff(recs[i]) == nil {
			out = append(out, recs[i])
		}
	}
	if len(out) == 0 {
		return nil, &StateError{Action: "reverse", Status: "reversed"}
	}
	return out, nil
}
