package model

import (
	"errors"
	"math/big"
	"slices"
	"strings"
	"time"
)

// Reconciliation (往来对账, SPEC §2.4): sales invoices (销售发票), receipt
// documents — receipts (收款单), advance receipts (预收单) and receivable
// refunds (应收退款单) — write-offs (核销) and their reversal (反核销), the
// dealer's confirmation of outbounds, invoices and receipt documents (对账
// 确认 / 取消对账确认 / 异议), and the balance rules the reports and the
// verify command share. Every rule here is a pure function.
//
// Signs. An outbound's amount is positive, a red outbound's negative; an
// invoice's amount likewise (a red invoice, made from red outbounds, is
// negative). Receipts, advance receipts and refunds carry positive amounts;
// their kind says which way they move the balance. A write-off's amount is
// positive.
//
// The figures (SPEC §2.4), per customer:
//
//	un-invoiced          = outbounds (net of red) − invoices (net of red)
//	invoiced receivable  = invoices (net of red) − written off against them
//	receipt balance      = receipts + advance receipts − refunds − written off from them
//	net position         = un-invoiced + invoiced receivable − receipt balance
//	                     = outbounds (net of red) − receipts − advance receipts + refunds
//
// A write-off takes an amount from a source — an audited receipt or advance
// receipt, or the credit of a red invoice — and applies it to an open blue
// invoice. From a receipt it lowers the invoiced receivable and the receipt
// balance alike; from a red invoice it moves credit between two invoices and
// leaves both figures as they were (the red invoice's negative open amount
// rises by what the blue one's falls).

// Reconciliation permissions.
const (
	// PermViewRecon: staff see invoices, receipt documents, write-offs,
	// the reconciliation lists and the balance reports of customers in scope.
	PermViewRecon Perm = "recon.view"
	// PermReconcile: staff (finance) make and audit invoices and receipt
	// documents, write off and reverse, and record confirmations on a
	// dealer's behalf.
	PermReconcile Perm = "recon.manage"
	// PermDealerRecon: a dealer user sees the own customer's reconciliation
	// lists, balances and statements.
	PermDealerRecon Perm = "recon.dealer"
	// PermConfirmRecon: a dealer's finance or manager user confirms,
	// cancels a confirmation or disputes a document.
	PermConfirmRecon Perm = "recon.confirm"
)

func init() {
	rolePerms[RoleAdmin] = append(rolePerms[RoleAdmin], PermViewRecon, PermReconcile)
	rolePerms[RoleFinance] = append(rolePerms[RoleFinance], PermViewRecon, PermReconcile)
	rolePerms[RoleSales] = append(rolePerms[RoleSales], PermViewRecon)
	rolePerms[RoleViewer] = append(rolePerms[RoleViewer], PermViewRecon)
	rolePerms[RoleManager] = append(rolePerms[RoleManager], PermDealerRecon, PermConfirmRecon)
	rolePerms[RoleDealerFinance] = append(rolePerms[RoleDealerFinance], PermDealerRecon, PermConfirmRecon)
	rolePerms[RoleBuyer] = append(rolePerms[RoleBuyer], PermDealerRecon)
}

// IsReceiptKind reports whether k is a receipt document type (收款单, 预收单
// or 应收退款单).
func IsReceiptKind(k DocType) bool {
	return k == DocReceipt || k == DocAdvanceReceipt || k == DocRefund
}

// ---- invoices ----

// InvoiceLine is one line of a sales invoice: a copy of the outbound line it
// invoices (product, price, tax rate; Source still names the sales order
// line) with this invoice's quantity and amounts, the outbound line it
// comes from, and what write-offs from receipts have allocated to it.
type InvoiceLine struct {
	OrderLine
	OutboundID   uint64 `json:"outbound_id"`
	OutboundNo   string `json:"outbound_no"`
	OutboundLine int    `json:"outbound_line"` // the outbound line's No
	// Received is the part of receipts written off against this invoice
	// that the pro-rata rule allocated to this line (see AllocateProRata).
	Received Money `json:"received,omitempty"`
}

// Invoice (销售发票) is a sales invoice made by staff from outbound lines of
// one customer: blue from blue outbounds, red (negative) from red outbounds.
// It posts at audit (un-invoiced → invoiced receivable) and unposts at
// unaudit, which is allowed only while nothing is written off against it.
type Invoice struct {
	ID          uint64        `json:"id"`
	CustomerID  uint64        `json:"customer_id"`
	Red         bool          `json:"red,omitempty"`
	InvoiceNo   string        `json:"invoice_no,omitempty" validate:"max=40"` // 发票号码, the tax invoice's own number
	InvoiceDate string        `json:"invoice_date"`
	Remarks     string        `json:"remarks,omitempty" validate:"max=500"`
	Lines       []InvoiceLine `json:"lines"`
	Totals      Totals        `json:"totals"`
	// WrittenOff is what write-offs have settled, signed like the amount:
	// positive on a blue invoice, negative on a red one (credit used).
	WrittenOff Money `json:"written_off,omitempty"`
	Doc
}

func (v *Invoice) DocID() uint64      { return v.ID }
func (v *Invoice) SetDocID(id uint64) { v.ID = id }
func (v *Invoice) Owner() uint64      { return v.CustomerID }
func (v *Invoice) Summarize() DocSummary {
	var b strings.Builder
	b.WriteString(v.InvoiceNo + " " + v.Remarks)
	seen := map[uint64]bool{}
	for _, l := range v.Lines {
		if !seen[l.OutboundID] {
			seen[l.OutboundID] = true
			b.WriteString(" " + l.OutboundNo)
		}
	}
	s := DocSummary{Status: v.Status, Date: v.InvoiceDate, Amount: v.Totals.Amount, Text: b.String()}
	if v.Red {
		s.Flag = "red"
	}
	return s
}

// Open is what is still unsettled: positive on a blue invoice, negative on a
// red one, zero when settled.
func (v *Invoice) Open() Money { return v.Totals.Amount - v.WrittenOff }

// Posted reports whether the invoice counts in balances (it is audited).
func (v *Invoice) Posted() bool { return v.Status == StatusAudited }

// Validate checks the invoice's header.
func (v *Invoice) Validate() error {
	e := &ValidationError{}
	trimAll(&v.InvoiceNo, &v.Remarks)
	checkTags(v, e)
	checkDate(e, "invoice_date", &v.InvoiceDate)
	if len(v.Lines) == 0 {
		e.Add("lines", "err.no_lines", nil)
	}
	return e.Err()
}

// InvoiceLineAmount is the tax-inclusive amount of invoicing q of an
// outbound line whose un-invoiced rest is restQty worth restAmount: the
// rest exactly when q takes it all (so that an outbound invoiced in parts
// leaves no cent over), else q × price rounded to the cent. A red line has
// negative q, restQty and restAmount.
func InvoiceLineAmount(q, restQty Qty, restAmount, price Money) Money {
	if q == restQty {
		return restAmount
	}
	return MulQtyPrice(q, price)
}

// SplitTax splits a tax-inclusive amount into excl. tax and tax at taxRate
// basis points (excl rounded half away from zero; excl + tax = incl).
func SplitTax(incl Money, taxRate int64) (excl, tax Money) {
	num := int64(incl) * 10000
	den := 10000 + taxRate
	if num >= 0 {
		excl = Money((num + den/2) / den)
	} else {
		excl = Money((num - den/2) / den)
	}
	return excl, incl - excl
}

// Errors of the invoicing rules; the store reports them at the line's field.
var (
	// ErrOverInvoice: more than the outbound line has un-invoiced.
	ErrOverInvoice = errors.New("quantity above what is un-invoiced")
)

// ---- receipt documents ----

// Receipt methods (结算方式).
var ReceiptMethods = []string{"transfer", "cash", "bill", "cheque", "other"}

// ReceiptDoc is a receipt document of a customer: a receipt (收款单), an
// advance receipt (预收单) or a receivable refund (应收退款单, a "red
// receipt"), by Kind. (Receipt, without Doc, is the dealer's confirmation
// that goods arrived.) It posts at audit and unposts at unaudit, which is
// allowed only while nothing of it is written off or refunded.
type ReceiptDoc struct {
	ID         uint64  `json:"id"`
	CustomerID uint64  `json:"customer_id"`
	Kind       DocType `json:"kind"`
	Date       string  `json:"date"`
	Amount     Money   `json:"amount"`
	Method     string  `json:"method,omitempty"`
	Reference  string  `json:"reference,omitempty" validate:"max=60"`
	Remarks    string  `json:"remarks,omitempty" validate:"max=500"`
	// SalesOrderID optionally ties an advance receipt to the order it prepays.
	SalesOrderID uint64 `json:"sales_order_id,omitempty"`
	SalesOrderNo string `json:"sales_order_no,omitempty"`
	// Invoices names the invoices a receipt pays: written off at audit in
	// this order (oldest first when AutoWriteOff and none are named).
	Invoices     []uint64 `json:"invoices,omitempty"`
	AutoWriteOff bool     `json:"auto_write_off,omitempty"`
	// Applied (receipts, advance receipts): written off against invoices.
	Applied Money `json:"applied,omitempty"`
	// Refunded (receipts, advance receipts): paid back by refunds.
	Refunded Money `json:"refunded,omitempty"`
	// Source (refunds): the receipt the refund pays back, when one is named;
	// otherwise the refund takes unapplied receipts oldest first.
	SourceType DocType `json:"source_type,omitempty"`
	SourceID   uint64  `json:"source_id,omitempty"`
	// Allocs (refunds, while audited): which receipts it paid back.
	Allocs []RefundAlloc `json:"allocs,omitempty"`
	Doc
}

// RefundAlloc is the part of a refund taken from one receipt.
type RefundAlloc struct {
	Type   DocType `json:"type"`
	ID     uint64  `json:"id"`
	Number string  `json:"number"`
	Amount Money   `json:"amount"`
}

func (r *ReceiptDoc) DocID() uint64      { return r.ID }
func (r *ReceiptDoc) SetDocID(id uint64) { r.ID = id }
func (r *ReceiptDoc) Owner() uint64      { return r.CustomerID }
func (r *ReceiptDoc) Summarize() DocSummary {
	return DocSummary{Status: r.Status, Date: r.Date, Amount: r.Amount, Text: r.Method + " " + r.Reference + " " + r.Remarks + " " + r.SalesOrderNo}
}

// Unapplied is what a posted receipt or advance receipt still holds: neither
// written off nor refunded. Zero for refunds.
func (r *ReceiptDoc) Unapplied() Money {
	if r.Kind == DocRefund {
		return 0
	}
	return r.Amount - r.Applied - r.Refunded
}

// Posted reports whether the document counts in balances (it is audited).
func (r *ReceiptDoc) Posted() bool { return r.Status == StatusAudited }

// Validate checks a receipt document: kind, date, a positive amount, a
// known method.
func (r *ReceiptDoc) Validate() error {
	e := &ValidationError{}
	trimAll(&r.Reference, &r.Remarks, &r.Method)
	checkTags(r, e)
	if !IsReceiptKind(r.Kind) {
		e.Add("kind", "err.choice", nil)
	}
	checkDate(e, "date", &r.Date)
	if r.Amount <= 0 {
		e.Add("amount", "err.recon_amount_positive", nil)
	} else if err := CheckAmount(r.Amount); err != nil {
		e.AddErr("amount", err, "")
	}
	if r.Method == "" {
		r.Method = ReceiptMethods[0]
	}
	ok := false
	for _, m := range ReceiptMethods {
		ok = ok || m == r.Method
	}
	if !ok {
		e.Add("method", "err.choice", nil)
	}
	if r.Kind != DocReceipt {
		r.Invoices, r.AutoWriteOff = nil, false
	}
	if r.Kind != DocRefund {
		r.SourceType, r.SourceID = "", 0
	}
	if r.Kind != DocAdvanceReceipt {
		r.SalesOrderID, r.SalesOrderNo = 0, ""
	}
	return e.Err()
}

// ReceiptMachine: draft → audited (posted) ⇄ unaudit (the store checks that
// nothing is written off or refunded). Invoices share it.
var ReceiptMachine = Machine{
	{Action: "audit", From: []Status{StatusDraft}, To: StatusAudited, Perm: PermReconcile},
	{Action: "unaudit", From: []Status{StatusAudited}, To: StatusDraft, Perm: PermReconcile},
}

// InvoiceMachine is the invoice's: the same as the receipt documents'.
var InvoiceMachine = ReceiptMachine

// ---- write-offs ----

// WriteOff (核销) applies Amount of a source — a receipt, an advance receipt
// or a red invoice's credit — to a blue invoice. It is a record so that it
// can be reversed (反核销) exactly: Lines keep how a receipt's amount was
// allocated over the invoice's lines (the execution report's received
// amounts). A reversed write-off stays as history, no longer in force from
// its reversal date.
type WriteOff struct {
	ID         uint64      `json:"id"`
	CustomerID uint64      `json:"customer_id"`
	SourceType DocType     `json:"source_type"`
	SourceID   uint64      `json:"source_id"`
	SourceNo   string      `json:"source_no"`
	InvoiceID  uint64      `json:"invoice_id"`
	InvoiceNo  string      `json:"invoice_no"`
	Amount     Money       `json:"amount"`
	Date       string      `json:"date"` // business date, enterprise zone
	Auto       bool        `json:"auto,omitempty"`
	Lines      []LineAlloc `json:"lines,omitempty"`
	By         string      `json:"by"`
	At         time.Time   `json:"at"`
	Reversed   bool        `json:"reversed,omitempty"`
	ReversedBy string      `json:"reversed_by,omitempty"`
	ReversedAt time.Time   `json:"reversed_at,omitzero"`
	// ReversedDate is the business date of the reversal.
	ReversedDate string `json:"reversed_date,omitempty"`
}

// FromReceipt reports whether the source is money (a receipt or an
// advance receipt) rather than a red invoice's credit.
func (w *WriteOff) FromReceipt() bool { return w.SourceType != DocInvoice }

// LineAlloc is the part of a write-off allocated to one invoice line (by
// index).
type LineAlloc struct {
	Line   int   `json:"line"`
	Amount Money `json:"amount"`
}

// AllocateProRata splits a write-off over an invoice's lines so that, after
// it, the lines hold exactly paidAfter pro rata by their amounts: each line
// but the last holds floor(paidAfter × amount ÷ total), the last the rest.
// held is what each line holds now; the result is what each line gets
// (summing to paidAfter − Σheld). Recomputing from the cumulative figure
// keeps a line from ever receiving more than its amount, however the
// invoice is paid in parts; reversing a write-off takes back exactly its
// own allocation.
func AllocateProRata(amounts, held []Money, paidAfter Money) []Money {
	n := len(amounts)
	out := make([]Money, n)
	if n == 0 {
		return out
	}
	var total Money
	for _, a := range amounts {
		total += a
	}
	var sum Money
	for i := range n {
		var target Money
		if i == n-1 {
			target = paidAfter - sum
		} else if total != 0 {
			q := new(big.Int).Mul(big.NewInt(int64(paidAfter)), big.NewInt(int64(amounts[i])))
			q.Quo(q, big.NewInt(int64(total))) // truncates toward zero: floor for positive figures
			target = Money(q.Int64())
		}
		sum += target
		h := Money(0)
		if i < len(held) {
			h = held[i]
		}
		out[i] = target - h
	}
	return out
}

// ---- reconciliation (对账确认) ----

// Reconciliation states of a document, kept as its Reconciliation record's
// status.
const (
	ReconUnconfirmed Status = "unconfirmed"
	ReconConfirmed   Status = "confirmed"
	ReconDisputed    Status = "disputed"
)

// Reconciliation actions.
const (
	ReconConfirm = "recon_confirm"
	ReconCancel  = "recon_cancel"
	ReconDispute = "recon_dispute"
)

// ReconMachine is the dealer's confirmation of a whole document (never of a
// line): confirm an unconfirmed or disputed one; cancel a confirmation or
// withdraw a dispute; dispute an unconfirmed one, with a comment. Who may
// act is CanReconcile's rule, not a single permission.
var ReconMachine = Machine{
	{Action: ReconConfirm, From: []Status{ReconUnconfirmed, ReconDisputed}, To: ReconConfirmed},
	{Action: ReconCancel, From: []Status{ReconConfirmed, ReconDisputed}, To: ReconUnconfirmed},
	{Action: ReconDispute, From: []Status{ReconUnconfirmed}, To: ReconDisputed, NeedsReason: true},
}

// Reconciliation is the confirmation state of one posted outbound, invoice
// or receipt document, with its own trail (who confirmed, cancelled or
// disputed, when, and whether staff acted on the dealer's behalf) and its
// own version. It lives beside the document, so that a confirmation never
// changes the document itself.
type Reconciliation struct {
	Kind       DocType `json:"kind"`
	DocID      uint64  `json:"doc_id"`
	CustomerID uint64  `json:"customer_id"`
	Number     string  `json:"number"`
	// By, At, OnBehalf and Comment describe the last action.
	By       string    `json:"by,omitempty"`
	At       time.Time `json:"at,omitzero"`
	OnBehalf bool      `json:"on_behalf,omitempty"`
	Comment  string    `json:"comment,omitempty"`
	Doc
}

// State is the record's status, unconfirmed when no action was taken.
func (r *Reconciliation) State() Status {
	if r.Status == "" {
		return ReconUnconfirmed
	}
	return r.Status
}

// CanReconcile says whether u may confirm, cancel or dispute a document of
// customerID, and whether it is on the dealer's behalf: a dealer user of
// that customer with the finance or manager role, or staff with the
// reconcile permission (on behalf). A buyer, another customer's user or
// other staff may not.
func CanReconcile(u *User, customerID uint64) (ok, onBehalf bool) {
	switch {
	case u == nil || u.Disabled:
		return false, false
	case u.Kind == KindDealer:
		return u.CustomerID == customerID && u.Can(PermConfirmRecon), false
	case u.Kind == KindStaff:
		return u.Can(PermReconcile), true
	}
	return false, false
}

// Act applies a reconciliation action by u at now: the permission, the
// state and the comment are checked and the trail records it (with
// OnBehalf for staff). ErrNotAllowed for a user who may not; a StateError
// when the state does not allow it; a ValidationError ("reason") for a
// dispute without a comment.
func (r *Reconciliation) Act(action string, u *User, comment string, now time.Time) error {
	ok, behalf := CanReconcile(u, r.CustomerID)
	if !ok {
		return ErrNotAllowed
	}
	was := r.Status
	if r.Status == "" {
		r.Status = ReconUnconfirmed
	}
	comment = strings.TrimSpace(comment)
	if len([]rune(comment)) > 500 {
		r.Status = was
		return Invalid("reason", "err.too_long")
	}
	if err := ReconMachine.Apply(&r.Doc, action, u, comment, now); err != nil {
		r.Status = was
		return err
	}
	r.Trail[len(r.Trail)-1].OnBehalf = behalf
	r.By, r.At, r.OnBehalf, r.Comment = u.Username, now.UTC(), behalf, comment
	return nil
}

// ReconEvent is the message event of a reconciliation action on a document
// of kind (SPEC §3); "" for an unknown pair.
func ReconEvent(kind DocType, action string) Event {
	type k struct {
		group  string
		action string
	}
	group := "receipt"
	switch kind {
	case DocOutbound:
		group = "outbound"
	case DocInvoice:
		group = "invoice"
	}
	return map[k]Event{
		{"outbound", ReconConfirm}: EventReconOutboundConfirmed, {"outbound", ReconCancel}: EventReconOutboundCancelled, {"outbound", ReconDispute}: EventReconOutboundDisputed,
		{"invoice", ReconConfirm}: EventReconInvoiceConfirmed, {"invoice", ReconCancel}: EventReconInvoiceCancelled, {"invoice", ReconDispute}: EventReconInvoiceDisputed,
		{"receipt", ReconConfirm}: EventReconReceiptConfirmed, {"receipt", ReconCancel}: EventReconReceiptCancelled, {"receipt", ReconDispute}: EventReconReceiptDisputed,
	}[k{group, action}]
}

// ---- balances ----

// Postings are a customer's posted totals: what the balance formulas take.
// InvoiceWriteOffs is the signed total settled on invoices (receipt
// write-offs, plus the credit netting of red against blue invoices, which
// sums to zero); ReceiptWriteOffs what was written off from receipts and
// advance receipts.
type Postings struct {
	Outbounds        Money // net of red
	Invoices         Money // net of red
	InvoiceWriteOffs Money
	Receipts         Money
	Advances         Money
	Refunds          Money
	ReceiptWriteOffs Money
}

// Position is a customer's balance at a moment (SPEC §2.4).
type Position struct {
	Uninvoiced         Money
	InvoicedReceivable Money
	ReceiptBalance     Money
}

// Net is un-invoiced + invoiced receivable − receipt balance.
func (p Position) Net() Money { return p.Uninvoiced + p.InvoicedReceivable - p.ReceiptBalance }

// Balances applies the formulas of SPEC §2.4 to posted totals.
func Balances(p Postings) Position {
	return Position{
		Uninvoiced:         p.Outbounds - p.Invoices,
		InvoicedReceivable: p.Invoices - p.InvoiceWriteOffs,
		ReceiptBalance:     p.Receipts + p.Advances - p.Refunds - p.ReceiptWriteOffs,
	}
}

// NetFromDocuments is the net position as the documents alone give it:
// outbounds (net of red) − receipts − advance receipts + refunds. It equals
// Balances(p).Net() whenever every write-off moved both sides alike.
func NetFromDocuments(p Postings) Money { return p.Outbounds - p.Receipts - p.Advances + p.Refunds }

// NetEffect is how a posted document of kind with amount moves the net
// position in the balance detail: outbounds add (red ones, negative,
// subtract), receipts and advance receipts subtract, refunds add; invoices
// move only the split between un-invoiced and invoiced, not the net.
func NetEffect(kind DocType, amount Money) Money {
	switch kind {
	case DocOutbound:
		return amount
	case DocReceipt, DocAdvanceReceipt:
		return -amount
	case DocRefund:
		return amount
	}
	return 0
}

// ---- aging ----

// Aging buckets of open invoiced receivables by days since the invoice
// date: 0–30, 31–60, 61–90 and over 90.
type Aging struct {
	Buckets [4]Money
}

// AgingLabels name the buckets, in order.
var AgingLabels = [4]string{"0-30", "31-60", "61-90", "90+"}

// Total is the sum of the buckets: the invoiced receivable.
func (a Aging) Total() Money { return a.Buckets[0] + a.Buckets[1] + a.Buckets[2] + a.Buckets[3] }

// Add sums b into a.
func (a *Aging) Add(b Aging) {
	for i := range a.Buckets {
		a.Buckets[i] += b.Buckets[i]
	}
}

// OpenItem is an invoice's open amount on its date.
type OpenItem struct {
	Date   string
	Amount Money
}

// AgeBucket is the bucket of an invoice dated date on day asOf (both
// YYYY-MM-DD in the enterprise zone): 0 for up to 30 days (and for a date
// after asOf), 1 for 31–60, 2 for 61–90, 3 beyond.
func AgeBucket(date, asOf string) int {
	d := DaysBetween(date, asOf)
	switch {
	case d <= 30:
		return 0
	case d <= 60:
		return 1
	case d <= 90:
		return 2
	}
	return 3
}

// AgingCutoffs are the first dates of buckets 0, 1 and 2 on a day: an
// invoice dated on or after cut[0] is in bucket 0, on or after cut[1] in
// bucket 1, on or after cut[2] in bucket 2, before it in bucket 3. They
// put many dates into buckets with string comparisons only (the same
// buckets as AgeBucket).
type AgingCutoffs [3]string

// CutoffsOn returns the cutoffs on day asOf (YYYY-MM-DD).
func CutoffsOn(asOf string) AgingCutoffs {
	return AgingCutoffs{AddDays(asOf, -30), AddDays(asOf, -60), AddDays(asOf, -90)}
}

// Bucket is the aging bucket of an invoice dated date.
func (c AgingCutoffs) Bucket(date string) int {
	for i, cut := range c {
		if date >= cut {
			return i
		}
	}
	return 3
}

// AgeOf puts each open item into its bucket on day asOf. A red invoice's
// unused credit (negative) sits in its own date's bucket, so that the
// buckets always sum to the invoiced receivable.
func AgeOf(items []OpenItem, asOf string) Aging {
	var a Aging
	for _, it := range items {
		a.Buckets[AgeBucket(it.Date, asOf)] += it.Amount
	}
	return a
}

// ---- the ledger: balances at any date, and the balance detail ----

// LedgerDoc is one posted document in a customer's ledger: an outbound, an
// invoice or a receipt document, with its signed amount.
type LedgerDoc struct {
	Kind   DocType
	ID     uint64
	Number string
	Date   string
	Amount Money
	Red    bool
}

// LedgerWriteOff is a write-off as the ledger needs it.
type LedgerWriteOff struct {
	SourceType   DocType
	SourceID     uint64
	InvoiceID    uint64
	Amount       Money
	Date         string
	ReversedDate string // "" while in force
}

// LedgerInvoicing is the amount an invoice took from an outbound.
type LedgerInvoicing struct {
	InvoiceID, OutboundID uint64
	Amount                Money
}

// LedgerRefund is the part of a refund paid back from one receipt.
type LedgerRefund struct {
	RefundID    uint64
	ReceiptType DocType
	ReceiptID   uint64
	Amount      Money
}

// Ledger is everything posted for one customer. Balances at a date and the
// balance detail are pure functions of it, so that the reports, the
// statement and the verify command agree by construction.
type Ledger struct {
	Docs      []LedgerDoc
	WriteOffs []LedgerWriteOff
	Invoicing []LedgerInvoicing
	Refunds   []LedgerRefund
}

type docKey struct {
	kind DocType
	id   uint64
}

func (l *Ledger) index() map[docKey]*LedgerDoc {
	m := make(map[docKey]*LedgerDoc, len(l.Docs))
	for i := range l.Docs {
		m[docKey{l.Docs[i].Kind, l.Docs[i].ID}] = &l.Docs[i]
	}
	return m
}

// onOrBefore reports whether date is on or before asOf ("" = no limit).
func onOrBefore(date, asOf string) bool { return asOf == "" || date <= asOf }

// inForce lists the write-offs in force on asOf: from the latest of their
// own, their source's and their invoice's dates, until their reversal date
// (exclusive), and only while both documents are posted.
func (l *Ledger) inForce(idx map[docKey]*LedgerDoc, asOf string) []LedgerWriteOff {
	var out []LedgerWriteOff
	for _, w := range l.WriteOffs {
		src, inv := idx[docKey{w.SourceType, w.SourceID}], idx[docKey{DocInvoice, w.InvoiceID}]
		if src == nil || inv == nil {
			continue
		}
		from := max(w.Date, src.Date, inv.Date)
		if !onOrBefore(from, asOf) {
			continue
		}
		if w.ReversedDate != "" && (asOf == "" || w.ReversedDate <= asOf) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// PostingsAt sums the ledger's documents dated on or before asOf ("" = all)
// and the write-offs in force then.
func (l *Ledger) PostingsAt(asOf string) Postings {
	var p Postings
	idx := l.index()
	for _, d := range l.Docs {
		if !onOrBefore(d.Date, asOf) {
			continue
		}
		switch d.Kind {
		case DocOutbound:
			p.Outbounds += d.Amount
		case DocInvoice:
			p.Invoices += d.Amount
		case DocReceipt:
			p.Receipts += d.Amount
		case DocAdvanceReceipt:
			p.Advances += d.Amount
		case DocRefund:
			p.Refunds += d.Amount
		}
	}
	for _, w := range l.inForce(idx, asOf) {
		if w.SourceType == DocInvoice {
			continue // blue +amount, red −amount: nothing on the total
		}
		p.InvoiceWriteOffs += w.Amount
		p.ReceiptWriteOffs += w.Amount
	}
	return p
}

// remaining computes, on asOf, each document's own remaining balance: the
// un-invoiced part of an outbound, the open part of an invoice, the
// unapplied part of a receipt or advance receipt.
func (l *Ledger) remaining(asOf string) map[docKey]Money {
	idx := l.index()
	rem := map[docKey]Money{}
	for _, d := range l.Docs {
		if onOrBefore(d.Date, asOf) && d.Kind != DocRefund {
			rem[docKey{d.Kind, d.ID}] = d.Amount
		}
	}
	for _, iv := range l.Invoicing {
		inv := idx[docKey{DocInvoice, iv.InvoiceID}]
		if inv != nil && onOrBefore(inv.Date, asOf) {
			rem[docKey{DocOutbound, iv.OutboundID}] -= iv.Amount
		}
	}
	for _, w := range l.inForce(idx, asOf) {
		rem[docKey{DocInvoice, w.InvoiceID}] -= w.Amount
		if w.SourceType == DocInvoice {
			rem[docKey{DocInvoice, w.SourceID}] += w.Amount
		} else {
			rem[docKey{w.SourceType, w.SourceID}] -= w.Amount
		}
	}
	for _, r := range l.Refunds {
		rf := idx[docKey{DocRefund, r.RefundID}]
		if rf != nil && onOrBefore(rf.Date, asOf) {
			rem[docKey{r.ReceiptType, r.ReceiptID}] -= r.Amount
		}
	}
	return rem
}

// At returns the position and the aging of open invoices on asOf ("" = as
// the documents stand, aged on today).
func (l *Ledger) At(asOf, today string) (Position, Aging) {
	pos := Balances(l.PostingsAt(asOf))
	rem := l.remaining(asOf)
	var items []OpenItem
	for _, d := range l.Docs {
		if d.Kind == DocInvoice && onOrBefore(d.Date, asOf) {
			if m := rem[docKey{DocInvoice, d.ID}]; m != 0 {
				items = append(items, OpenItem{d.Date, m})
			}
		}
	}
	day := asOf
	if day == "" {
		day = today
	}
	return pos, AgeOf(items, day)
}

// DetailRow is one document of the balance detail.
type DetailRow struct {
	LedgerDoc
	// Remaining is the document's own balance at the end of the period
	// (HasRemaining false for refunds, which hold none).
	Remaining    Money
	HasRemaining bool
	// Effect is how it moved the net position; Running the position after it.
	Effect  Money
	Running Money
}

// Detail is the balance detail (账户余额明细表) of one customer for a period.
type Detail struct {
	From, To         string
	Opening, Closing Money
	Rows             []DetailRow
	// Totals of the period's documents by kind (signed amounts).
	Totals map[DocType]Money
	// Position and Aging at the end of the period.
	Position Position
	Aging    Aging
}

// SortLedgerDocs orders documents by date, then kind, then number. A key
// account's ledger holds thousands of documents and arrives sorted more
// often than not: that costs one pass.
func SortLedgerDocs(docs []LedgerDoc) {
	if slices.IsSortedFunc(docs, compareLedgerDocs) {
		return
	}
	slices.SortStableFunc(docs, compareLedgerDocs)
}

func compareLedgerDocs(a, b LedgerDoc) int {
	if c := strings.Compare(a.Date, b.Date); c != 0 {
		return c
	}
	if ka, kb := kindRank(a.Kind), kindRank(b.Kind); ka != kb {
		return ka - kb
	}
	return strings.Compare(a.Number, b.Number)
}

// LedgerKindRank is where documents of kind k come among a day's
// documents in the ledger's order (SortLedgerDocs).
func LedgerKindRank(k DocType) int { return kindRank(k) }

// kindRank sorts a day's documents: outbounds, invoices, receipts,
// advance receipts, refunds.
func kindRank(k DocType) int {
	switch k {
	case DocOutbound:
		return 0
	case DocInvoice:
		return 1
	case DocReceipt:
		return 2
	case DocAdvanceReceipt:
		return 3
	case DocRefund:
		return 4
	}
	return 0
}

// DetailFor builds the balance detail for [from, to] (either may be "":
// from the first document, to the last): the opening net position (the
// documents dated before from), every document of the period in date order
// with its amount, its remaining balance at to and the running net
// position, and the closing net position, which equals the net position at
// to. today ages the open invoices when to is "".
func (l *Ledger) DetailFor(from, to, today string) *Detail {
	d := &Detail{From: from, To: to, Totals: map[DocType]Money{}}
	docs := append([]LedgerDoc(nil), l.Docs...)
	SortLedgerDocs(docs)
	rem := l.remaining(to)
	for _, doc := range docs {
		if from != "" && doc.Date < from {
			d.Opening += NetEffect(doc.Kind, doc.Amount)
		}
	}
	run := d.Opening
	for _, doc := range docs {
		if from != "" && doc.Date < from || !onOrBefore(doc.Date, to) {
			continue
		}
		r := DetailRow{LedgerDoc: doc, Effect: NetEffect(doc.Kind, doc.Amount)}
		if doc.Kind != DocRefund {
			r.Remaining, r.HasRemaining = rem[docKey{doc.Kind, doc.ID}], true
		}
		run += r.Effect
		r.Running = run
		d.Totals[doc.Kind] += doc.Amount
		d.Rows = append(d.Rows, r)
	}
	d.Closing = run
	d.Position, d.Aging = l.At(to, today)
	return d
}

// StatementSetting is a customer's choice about statements: whether the
// monthly statement (对账单) is e-mailed to its users (event
// statement.monthly) on the first of each month.
type StatementSetting struct {
	CustomerID       uint64 `json:"customer_id"`
	MonthlyStatement bool   `json:"monthly_statement"`
	Meta
}

// PreviousMonth returns the month before the one holding day (YYYY-MM-DD):
// its name (YYYY-MM) and its first and last days.
func PreviousMonth(day string) (period, first, last string) {
	t, err := time.Parse(DateLayout, day)
	if err != nil {
		return "", "", ""
	}
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	prev := start.AddDate(0, -1, 0)
	return prev.Format("2006-01"), prev.Format(DateLayout), start.AddDate(0, 0, -1).Format(DateLayout)
}
