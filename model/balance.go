package model

// CustomerBalance is the running position of one customer, maintained in the
// same transaction as every posting that moves it (outbound, red outbound,
// invoice, receipt, write-off, order submit/convert/ship), so that reports
// and the credit check read it instead of recomputing history. The
// reconciliation's verify command recomputes it from the documents.
type CustomerBalance struct {
	CustomerID uint64 `json:"customer_id"`
	// Uninvoiced: outbound amounts (net of red) − invoiced amounts against them.
	Uninvoiced Money `json:"uninvoiced"`
	// InvoicedReceivable: invoice amounts (net of red) − written-off amounts.
	InvoicedReceivable Money `json:"invoiced_receivable"`
	// ReceiptBalance: receipts + advance receipts − refunds − written-off amounts.
	ReceiptBalance Money `json:"receipt_balance"`
	// OpenOrders: submitted online orders not yet converted or rejected, plus
	// the unshipped part of audited, open sales orders.
	OpenOrders Money `json:"open_orders"`
}

// NetPosition is un-invoiced + invoiced receivable − receipt balance (SPEC
// §2.4): what the customer owes, net.
func (b *CustomerBalance) NetPosition() Money {
	return b.Uninvoiced + b.InvoicedReceivable - b.ReceiptBalance
}

// Exposure is the credit check's figure (SPEC §7); ErrOverflow when a part
// is beyond MaxBalance.
func (b *CustomerBalance) Exposure() (Money, error) {
	return CreditExposure(b.Uninvoiced, b.InvoicedReceivable, b.ReceiptBalance, b.OpenOrders)
}

// Check refuses a balance with a part beyond MaxBalance: a ValidationError
// on "_form" (the posting that would cause it changes nothing).
func (b *CustomerBalance) Check() error {
	for _, m := range []Money{b.Uninvoiced, b.InvoicedReceivable, b.ReceiptBalance, b.OpenOrders} {
		if m > MaxBalance || m < -MaxBalance {
			v := &ValidationError{}
			v.Add("_form", "err.balance_range", map[string]any{"max": MaxBalance.String()})
			return v
		}
	}
	return nil
}
