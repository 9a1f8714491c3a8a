package handlers

import (
	"slices"
	"strings"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Receipt documents through the API: receipts (收款单), advance receipts
// (预收单) and receivable refunds (应收退款单). A push saves the document with the
// store's SaveReceiptDoc and (unless draft) posts it with ActOnReceiptDoc
// in the same transaction — what the UI's receipt form does with its Save
// and Audit buttons: the receipt balance, the open items, the write-off of
// a receipt that names its invoices, a refund's allocation to unapplied
// receipts and its limit.

// apiNewReceipt is a receipt, advance receipt or refund pushed by the ERP
// (which one is the path's).
type apiNewReceipt struct {
	ExternalID         string          `json:"external_id" min:"1" max:"100" doc:"The ERP's number of the document: the same external id again returns this document, never a second one."`
	CustomerID         uint64          `json:"customer_id,omitempty" doc:"The customer: give customer_external_id, customer_code or customer_id."`
	CustomerExternalID string          `json:"customer_external_id,omitempty" max:"100"`
	CustomerCode       string          `json:"customer_code,omitempty" max:"40"`
	Date               string          `json:"date" doc:"YYYY-MM-DD."`
	Amount             int64           `json:"amount" min:"1" doc:"In cents, more than zero (a refund's too: its kind says which way it moves the balance); at most 100,000,000,000 (¥1,000,000,000.00)."`
	Method             string          `json:"method,omitempty" enum:"transfer,cash,bill,cheque,other" doc:"Settlement method (结算方式); transfer when omitted."`
	Reference          string          `json:"reference,omitempty" max:"60" doc:"The bank's reference, a bill number…"`
	Remarks            string          `json:"remarks,omitempty" max:"500"`
	Draft              bool            `json:"draft,omitempty" doc:"Save it unposted (the UI's Save); otherwise it is audited at once (the UI's Audit)."`
	Invoices           []apiInvoiceRef `json:"invoices,omitempty" max:"200" doc:"Receipts only: the invoices it pays, written off in this order when it is posted."`
	AutoWriteOff       bool            `json:"auto_write_off,omitempty" doc:"Receipts only: when posted, write it off against the customer's open invoices, oldest first (when it names none)."`
	SalesOrderID       uint64          `json:"sales_order_id,omitempty" doc:"Advance receipts only: the sales order it prepays (or sales_order_external_id, or sales_order_number)."`
	SalesOrderExtID    string          `json:"sales_order_external_id,omitempty" max:"100"`
	SalesOrderNumber   string          `json:"sales_order_number,omitempty" max:"40"`
	SourceKind         string          `json:"source_kind,omitempty" enum:"receipt,advance_receipt" doc:"Refunds only: the kind of the receipt it pays back, with source_id or source_external_id; without one the refund takes the customer's unapplied receipts oldest first."`
	SourceID           uint64          `json:"source_id,omitempty"`
	SourceExternalID   string          `json:"source_external_id,omitempty" max:"100"`
}

// apiReceipt is a receipt document as the portal holds it; amounts in
// cents.
type apiReceipt struct {
	ID                 uint64           `json:"id"`
	ExternalID         string           `json:"external_id,omitempty"`
	Kind               string           `json:"kind" enum:"receipt,advance_receipt,refund"`
	Number             string           `json:"number" doc:"The portal's number (RC-…, AR-…, RF-…)."`
	Status             string           `json:"status" enum:"draft,audited" doc:"audited: posted."`
	CustomerID         uint64           `json:"customer_id"`
	CustomerCode       string           `json:"customer_code"`
	CustomerExternalID string           `json:"customer_external_id,omitempty"`
	Date               string           `json:"date"`
	Amount             int64            `json:"amount"`
	Method             string           `json:"method"`
	Reference          string           `json:"reference,omitempty"`
	Remarks            string           `json:"remarks,omitempty"`
	Applied            int64            `json:"applied" doc:"Written off against invoices."`
	Refunded           int64            `json:"refunded" doc:"Paid back by refunds."`
	Unapplied          int64            `json:"unapplied" doc:"What a posted receipt or advance receipt still holds (0 for drafts and refunds)."`
	Invoices           []apiFinDocRef   `json:"invoices,omitempty" doc:"The invoices a receipt names."`
	AutoWriteOff       bool             `json:"auto_write_off,omitempty"`
	SalesOrder         *apiFinDocRef    `json:"sales_order,omitempty"`
	Source             *apiFinSource    `json:"source,omitempty" doc:"The receipt a refund names."`
	Allocations        []apiRefundAlloc `json:"allocations,omitempty" doc:"A posted refund: what it took from which receipt."`
	WriteOffs          []apiWriteOffRec `json:"write_offs,omitempty" doc:"The write-offs from this receipt, newest first."`
	Version            uint64           `json:"version"`
	CreatedAt          time.Time        `json:"created_at"`
	UpdatedAt          time.Time        `json:"updated_at"`
}

// apiFinSource names a receipt document (or red invoice) by kind.
type apiFinSource struct {
	Kind   string `json:"kind" enum:"receipt,advance_receipt,red_invoice"`
	ID     uint64 `json:"id"`
	Number string `json:"number,omitempty"`
}

// apiRefundAlloc is the part of a refund taken from one receipt.
type apiRefundAlloc struct {
	Kind   string `json:"kind" enum:"receipt,advance_receipt"`
	ID     uint64 `json:"id"`
	Number string `json:"number"`
	Amount int64  `json:"amount"`
}

// apiReceiptResult answers a push: what happened, and the document.
type apiReceiptResult struct {
	Status  string     `json:"status" enum:"created,updated,unchanged" doc:"created: a new document (201); unchanged: the external id (or Idempotency-Key) was pushed before (200); updated: a draft pushed again without draft was audited (200)."`
	Receipt apiReceipt `json:"receipt"`
}

// finReceiptPush is a pushed receipt document, checked as far as it can
// be without the store.
type finReceiptPush struct {
	in     *apiNewReceipt
	kind   model.DocType
	ext    string
	cust   customerRefs
	amount model.Money
	source model.DocType
	sum    string // the push's fingerprint (finReceiptSum)
}

// finParseReceipt checks what needs no store: the external id, the
// customer's presence, the date, the amount within the UI's bounds, the
// method, and that only the kind's own fields are given.
func finParseReceipt(kind model.DocType, in *apiNewReceipt) (*finReceiptPush, error) {
	ve := &model.ValidationError{}
	p := &finReceiptPush{in: in, kind: kind, cust: customerRefs{in.CustomerID, in.CustomerExternalID, strings.TrimSpace(in.CustomerCode)}}
	p.ext = docExternalID(in.ExternalID, "external_id", true, "api.err_fin_external_id", ve)
	if !p.cust.given() {
		ve.Add("customer_external_id", "api.err_fin_customer_required", nil)
	}
	finDate(in.Date, "date", ve)
	if p.amount = readMoney(in.Amount, "amount", model.CheckAmount, ve); p.amount <= 0 && !ve.Has("amount") {
		ve.Add("amount", "err.recon_amount_positive", nil)
	}
	if in.Method != "" && !slices.Contains(model.ReceiptMethods, strings.TrimSpace(in.Method)) {
		ve.Add("method", "err.choice", nil)
	}
	notFor := func(field string, given bool) {
		if given {
			ve.Add(field, "api.err_fin_not_for_kind", nil)
		}
	}
	if kind != model.DocReceipt {
		notFor("invoices", len(in.Invoices) > 0)
		notFor("auto_write_off", in.AutoWriteOff)
	}
	if kind != model.DocAdvanceReceipt {
		notFor("sales_order_id", in.SalesOrderID != 0)
		notFor("sales_order_external_id", in.SalesOrderExtID != "")
		notFor("sales_order_number", in.SalesOrderNumber != "")
	}
	if kind != model.DocRefund {
		notFor("source_kind", in.SourceKind != "")
		notFor("source_id", in.SourceID != 0)
		notFor("source_external_id", in.SourceExternalID != "")
	} else if in.SourceID != 0 || strings.TrimSpace(in.SourceExternalID) != "" || in.SourceKind != "" {
		k, ok := finKindByName(in.SourceKind)
		switch {
		case in.SourceKind == "":
			ve.Add("source_kind", "err.required", nil)
		case !ok || k == model.DocRefund || k == model.DocInvoice:
			ve.Add("source_kind", "err.choice", nil)
		case in.SourceID == 0 && strings.TrimSpace(in.SourceExternalID) == "":
			ve.Add("source_id", "err.required", nil)
		default:
			p.source = k
		}
	}
	if len(in.Invoices) > model.MaxLines {
		ve.Add("invoices", "err.too_many_lines", map[string]any{"max": model.MaxLines, "n": len(in.Invoices)})
	}
	for i, r := range in.Invoices {
		if r.ID == 0 && strings.TrimSpace(r.ExternalID) == "" {
			ve.Add(itemPath("invoices", i, "id"), "err.required", nil)
		}
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	p.sum = finReceiptSum(in)
	return p, nil
}

// finReceiptSum fingerprints a pushed receipt document by what it asks
// for: its texts trimmed, the default method named, and without draft (the
// same document pushed again without draft audits the draft).
func finReceiptSum(in *apiNewReceipt) string {
	n := *in
	n.Draft = false
	for _, s := range []*string{&n.ExternalID, &n.CustomerExternalID, &n.CustomerCode, &n.Method, &n.Reference, &n.Remarks,
		&n.SalesOrderExtID, &n.SalesOrderNumber, &n.SourceExternalID} {
		*s = strings.TrimSpace(*s)
	}
	if n.Method == "" {
		n.Method = model.ReceiptMethods[0]
	}
	n.Invoices = make([]apiInvoiceRef, len(in.Invoices))
	for i, r := range in.Invoices {
		r.ExternalID = strings.TrimSpace(r.ExternalID)
		n.Invoices[i] = r
	}
	return pushFingerprint(&n)
}

// finReceiptDoc resolves a push's references through the client's scope
// into the document to save: the customer, the invoices a receipt names
// (the customer's blue invoices), an advance receipt's sales order and a
// refund's source receipt (the customer's). It returns the names of the
// fields the store reports errors at.
func finReceiptDoc(t *store.Tx, sc store.Scope, p *finReceiptPush) (*model.ReceiptDoc, map[string]string, error) {
	ve := &model.ValidationError{}
	in := p.in
	cust := finCustomer(t, sc, p.cust, ve)
	if cust == 0 {
		return nil, nil, ve.Err()
	}
	r := &model.ReceiptDoc{Kind: p.kind, CustomerID: cust, Date: in.Date, Amount: p.amount, Method: strings.TrimSpace(in.Method),
		Reference: in.Reference, Remarks: in.Remarks, AutoWriteOff: in.AutoWriteOff}
	names := map[string]string{}
	for i, ref := range in.Invoices {
		inv, field := invoiceRef(t, sc, ref.ID, itemPath("invoices", i, "id"), ref.ExternalID, itemPath("invoices", i, "external_id"), "api.err_fin_unknown_invoice", ve)
		switch {
		case inv == nil:
		case inv.CustomerID != cust:
			ve.Add(field, "api.err_fin_other_customer", nil)
		case inv.Red:
			ve.Add(field, "api.err_fin_red_invoice", nil)
		case slices.Contains(r.Invoices, inv.ID):
			ve.Add(field, "api.err_fin_line_twice", nil)
		default:
			r.Invoices = append(r.Invoices, inv.ID)
		}
	}
	if len(in.Invoices) > 0 {
		names["invoices"] = "invoices"
	}
	if in.SalesOrderID != 0 || in.SalesOrderExtID != "" || in.SalesOrderNumber != "" {
		so, field := salesOrderRef(t, sc, in.SalesOrderID, "sales_order_id", in.SalesOrderExtID, "sales_order_external_id", "api.err_fin_unknown_sales_order", ve)
		var id uint64
		if so != nil {
			id = so.ID
		}
		if no := strings.TrimSpace(in.SalesOrderNumber); no != "" && !ve.Has(field) {
			// By number as the UI's form finds it: the customer's order.
			bySo := t.SalesOrderByNumber(sc, cust, no)
			switch {
			case bySo == nil:
				ve.Add("sales_order_number", "api.err_fin_unknown_sales_order", nil)
			case id != 0 && bySo.ID != id:
				ve.Add("sales_order_number", "api.err_fin_ref_mismatch", nil)
			case id == 0:
				id, so, field = bySo.ID, bySo, "sales_order_number"
			}
		}
		if id != 0 && !ve.Has("sales_order_number") {
			if so.CustomerID != cust {
				ve.Add(field, "api.err_fin_other_customer", nil)
			}
			r.SalesOrderID = id
		}
		names["sales_order"] = field
	}
	if p.source != "" {
		src, field := refOf(t, finKindName(p.source), in.SourceID, "source_id", in.SourceExternalID, "source_external_id",
			func(id uint64) (*model.ReceiptDoc, error) { return t.ReceiptDoc(sc, p.source, id) }, "api.err_fin_unknown_receipt", ve)
		if src != nil {
			if src.CustomerID != cust {
				ve.Add(field, "api.err_fin_other_customer", nil)
			}
			r.SourceType, r.SourceID = p.source, src.ID
		}
		names["source"] = field
	}
	return r, names, ve.Err()
}

// apiPushReceipt is POST /receipts, /advance-receipts and /refunds: the
// receipt push use case (store.PushReceipt) under the call's
// Idempotency-Key, its references resolved through the client's scope
// inside its transaction (finReceiptDoc), then its answer read.
func (h *Handler) apiPushReceipt(kind model.DocType) func(c *fiber.Ctx, a *apiCall) error {
	return func(c *fiber.Ctx, a *apiCall) error {
		in := &apiNewReceipt{}
		if err := decodeJSON(c, in); err != nil {
			return err
		}
		p, err := finParseReceipt(kind, in)
		if err != nil {
			return err
		}
		key, err := idempotencyKey(c)
		if err != nil {
			return err
		}
		id, outcome, err := h.store.PushReceipt(a.keyed(key, pushBody(c)), store.ReceiptPushInput{
			Kind: kind, ExternalID: p.ext, Fingerprint: p.sum, Draft: in.Draft,
			Resolve: func(t *store.Tx) (*store.ReceiptPush, error) {
				r, names, err := finReceiptDoc(t, a.Scope, p)
				if err != nil {
					return nil, err
				}
				return &store.ReceiptPush{Doc: *r, Names: names}, nil
			},
		})
		return h.pushAnswer(c, p.ext, id, outcome, err, func(t *store.Tx, id uint64, outcome string) (any, error) {
			r, err := t.ReceiptDoc(a.Scope, kind, id)
			if err != nil {
				return nil, err
			}
			out, err := finReceiptOut(t, a.Scope, r, outcome == outcomeUnchanged)
			return &apiReceiptResult{Status: outcome, Receipt: out}, err
		})
	}
}

// apiGetReceipt is GET /<kind>/:id and /<kind>/external/:external_id.
func (h *Handler) apiGetReceipt(kind model.DocType) func(c *fiber.Ctx, a *apiCall) error {
	return func(c *fiber.Ctx, a *apiCall) error {
		return getDoc(h, c, a, finKindName(kind), func(t *store.Tx, id uint64) (*apiReceipt, error) {
			r, err := t.ReceiptDoc(a.Scope, kind, id)
			if err != nil {
				return nil, err
			}
			out, err := finReceiptOut(t, a.Scope, r, true)
			return &out, err
		})
	}
}

// finReceiptOut renders a receipt document for an answer. The write-offs
// from it are read from the customer's write-off history: always when
// history, else (a document just pushed) only when it has some applied.
func finReceiptOut(t *store.Tx, sc store.Scope, r *model.ReceiptDoc, history bool) (apiReceipt, error) {
	out := apiReceipt{ID: r.ID, ExternalID: t.ExternalOf(finKindName(r.Kind), r.ID), Kind: finKindName(r.Kind), Number: r.Number,
		Status: string(r.Status), CustomerID: r.CustomerID, Date: r.Date, Amount: int64(r.Amount), Method: r.Method, Reference: r.Reference,
		Remarks: r.Remarks, Applied: int64(r.Applied), Refunded: int64(r.Refunded), AutoWriteOff: r.AutoWriteOff,
		Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	out.CustomerCode, out.CustomerExternalID = customerLabel(t, sc, r.CustomerID)
	if r.Posted() {
		out.Unapplied = int64(r.Unapplied())
	}
	for _, id := range r.Invoices {
		ref := apiFinDocRef{ID: id}
		if inv, err := t.Invoice(sc, id); err == nil {
			ref.Number = inv.Number
		}
		out.Invoices = append(out.Invoices, ref)
	}
	if r.SalesOrderID != 0 {
		out.SalesOrder = &apiFinDocRef{ID: r.SalesOrderID, Number: r.SalesOrderNo}
	}
	if r.SourceID != 0 {
		out.Source = &apiFinSource{Kind: finKindName(r.SourceType), ID: r.SourceID}
		if src, err := t.ReceiptDoc(sc, r.SourceType, r.SourceID); err == nil {
			out.Source.Number = src.Number
		}
	}
	for _, al := range r.Allocs {
		out.Allocations = append(out.Allocations, apiRefundAlloc{Kind: finKindName(al.Type), ID: al.ID, Number: al.Number, Amount: int64(al.Amount)})
	}
	if r.Kind != model.DocRefund && (r.Applied != 0 || history && r.Posted()) {
		ws, err := t.ReceiptWriteOffs(r)
		if err != nil {
			return out, err
		}
		for _, w := range ws {
			out.WriteOffs = append(out.WriteOffs, finWriteOffRecOut(w))
		}
	}
	return out, nil
}
