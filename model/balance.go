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

// Exposure is the credit check's figure (SPEC §7).
func (b *CustomerBalance) Exposure() Money {
	return CreditExposure(b.Uninvoiced, b.InvoicedReceivable, b.ReceiptBalance, b.OpenOrders)
}
