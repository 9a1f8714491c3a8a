package handlers

import (
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// The finance family of the integration API (SPEC §2.4, §6): the ERP
// pushes sales invoices (销售发票), receipts (收款单), advance receipts
// (预收款单), refunds (退款单) and write-offs (核销), and reads them back.
// Each push runs the store's own posting, exactly as the UI's save or audit
// does, in one transaction, and is idempotent by the document's external id
// (the ERP's number) and by the Idempotency-Key header. Creates run in
// store.Batch so that concurrent pushes share one fsync; the functions run
// there may run twice, so they build everything afresh inside the
// transaction.

// finReceiptKind is one receipt document type as the API names it.
type finReceiptKind struct {
	Kind model.DocType
	// Name is the wire name (and the external-id kind).
	Name string
	// Op names the type in operation ids ("AdvanceReceipt").
	Op string
	// Title is the English name in the document.
	Title string
}

// finReceiptKinds are the three receipt document types.
var finReceiptKinds = []finReceiptKind{
	{model.DocReceipt, store.ExtReceipt, "Receipt", "receipt (收款单)"},
	{model.DocAdvanceReceipt, store.ExtAdvanceReceipt, "AdvanceReceipt", "advance receipt (预收单)"},
	{model.DocRefund, store.ExtRefund, "Refund", "receivable refund (应收退款单)"},
}

// finKindByName finds a receipt kind (or, for write-off sources, a red
// invoice) by its wire name.
func finKindByName(name string) (model.DocType, bool) {
	for _, k := range finReceiptKinds {
		if k.Name == name {
			return k.Kind, true
		}
	}
	if name == "red_invoice" {
		return model.DocInvoice, true
	}
	return "", false
}

// finKindName is the wire name of a receipt kind or write-off source.
func finKindName(k model.DocType) string {
	for _, rk := range finReceiptKinds {
		if rk.Kind == k {
			return rk.Name
		}
	}
	if k == model.DocInvoice {
		return "red_invoice"
	}
	return string(k)
}

func (h *Handler) apiFinanceOps() []apiOp {
	const tag = "finance"
	fin := func(op apiOp) apiOp {
		op.Tag, op.Family = tag, model.APIFinance
		if op.Method == "POST" {
			op.Write = true
		}
		return op
	}
	ops := []apiOp{
		fin(apiOp{Method: "POST", Path: "/invoices", ID: "pushInvoice", Body: &apiNewInvoice{}, Result: &apiInvoiceResult{},
			Status: fiber.StatusCreated, Idempotent: true, Handle: h.apiPushInvoice,
			Summary: "Push a sales invoice (销售发票) of outbound lines; red ones too.",
			Doc: "Makes the invoice from the named outbound lines and posts it (audit) in the same transaction, as the UI's " +
				"Audit button does; `draft: true` saves it unposted (the UI's Save). Posting moves the amount from the customer's " +
				"un-invoiced balance to the invoiced receivable, and the lines' invoiced figures on the outbound and the sales order. " +
				"A red invoice (`red: true`) takes red outbounds' lines, with positive quantities as typed in the UI; it is stored negative. " +
				"The same external_id again answers 200 with the existing invoice (status unchanged; a draft pushed again without " +
				"draft is audited: updated); with other content it is a 409 naming the existing invoice."}),
		fin(apiOp{Method: "POST", Path: "/invoices/bulk", ID: "pushInvoices", Body: &apiBulk[apiNewInvoice]{}, Result: &apiBulkResult{},
			Handle:  h.apiPushInvoices,
			Summary: "Push up to 1,000 invoices, each with its own result.",
			Doc: "Each invoice is pushed as by pushInvoice, in its own transaction: one invoice's refusal never undoes another. " +
				"Repeating a request is safe: invoices already pushed answer unchanged; an invoice repeating an earlier one's external id " +
				"in the same request is refused. " + bulkReplyDoc}),
		fin(apiOp{Method: "GET", Path: "/invoices/:id", ID: "getInvoice", Result: &apiInvoice{},
			Summary: "One invoice by the portal's id.", Handle: h.apiGetInvoice}),
		fin(apiOp{Method: "GET", Path: "/invoices/external/:external_id", ID: "getInvoiceByExternalID", Result: &apiInvoice{},
			Summary: "One invoice by the ERP's external id.", Handle: h.apiGetInvoice}),
	}
	for _, k := range finReceiptKinds {
		path := receiptBase(k.Kind)
		extra := ""
		switch k.Kind {
		case model.DocReceipt:
			extra = " A receipt may name the invoices it pays (`invoices`), or ask for an automatic write-off (`auto_write_off`): " +
				"posting then writes it off against them, oldest first when none is named."
		case model.DocAdvanceReceipt:
			extra = " An advance receipt may name the sales order it prepays."
		case model.DocRefund:
			extra = " A refund pays back unapplied receipt money: the receipt it names (`source_*`), or the customer's unapplied " +
				"receipts and advance receipts oldest first. Posting refuses (422 at amount) a refund above what they hold."
		}
		ops = append(ops,
			fin(apiOp{Method: "POST", Path: path, ID: "push" + k.Op, Body: &apiNewReceipt{}, Result: &apiReceiptResult{},
				Status: fiber.StatusCreated, Idempotent: true, Handle: h.apiPushReceipt(k.Kind),
				Summary: "Push a " + k.Title + ".",
				Doc: "Saves the document and posts it (audit) in the same transaction, as the UI's Audit button does; `draft: true` " +
					"saves it unposted. The same external_id again answers 200 with the existing document (status unchanged; " +
					"a draft pushed again without draft is audited: updated); with other content it is a 409 naming the existing document." + extra}),
			fin(apiOp{Method: "GET", Path: path + "/:id", ID: "get" + k.Op, Result: &apiReceipt{}, Handle: h.apiGetReceipt(k.Kind),
				Summary: "One " + k.Title + " by the portal's id."}),
			fin(apiOp{Method: "GET", Path: path + "/external/:external_id", ID: "get" + k.Op + "ByExternalID", Result: &apiReceipt{},
				Handle: h.apiGetReceipt(k.Kind), Summary: "One " + k.Title + " by the ERP's external id."}),
		)
	}
	ops = append(ops,
		fin(apiOp{Method: "POST", Path: "/write-offs", ID: "pushWriteOff", Body: &apiNewWriteOff{}, Result: &apiWriteOffResult{},
			Status: fiber.StatusCreated, Idempotent: true, Handle: h.apiPushWriteOff,
			Summary: "Write off (核销) a receipt, advance receipt or red invoice against invoices, in one transaction.",
			Doc: "Each line applies an amount of the source to one open invoice (the UI's manual write-off); every line is " +
				"written or none is. With `auto: true` the source is written off oldest first against the invoices the lines name " +
				"(without amounts), or against every open invoice of the customer when none is named; without a source, every " +
				"open receipt, advance receipt and red-invoice credit of the customer is (the UI's automatic write-off). " +
				"The write-off's id is its first record's; each line is a record that the UI lists too."}),
		fin(apiOp{Method: "GET", Path: "/write-offs/:id", ID: "getWriteOff", Result: &apiWriteOff{}, Handle: h.apiGetWriteOff,
			Summary: "One write-off by the portal's id (of any of its records)."}),
		fin(apiOp{Method: "GET", Path: "/write-offs/external/:external_id", ID: "getWriteOffByExternalID", Result: &apiWriteOff{},
			Handle: h.apiGetWriteOff, Summary: "One write-off by the ERP's external id."}),
		fin(apiOp{Method: "POST", Path: "/write-offs/:id/reverse", ID: "reverseWriteOff", Result: &apiWriteOff{},
			Idempotent: true, Handle: h.apiReverseWriteOff,
			Summary: "Reverse (反核销) a write-off: every record of it, exactly.",
			Doc: "Takes back exactly what each record moved, in one transaction, as the UI's Reverse does; the records stay as " +
				"history. A write-off already reversed is a 409."}),
	)
	return ops
}

// ---- shared wire types ----

// apiFinDocRef names a document the portal numbered.
type apiFinDocRef struct {
	ID     uint64 `json:"id"`
	Number string `json:"number"`
}

// apiInvoiceRef names an invoice by the portal's id or the ERP's
// external id (one of them; both must agree).
type apiInvoiceRef struct {
	ID         uint64 `json:"id,omitempty"`
	ExternalID string `json:"external_id,omitempty" max:"100"`
}

// ---- shared checks ----

// finDate checks a document date: YYYY-MM-DD exactly (the UI's forms are
// more lenient with what people type; a program sends the canonical form).
func finDate(s, field string, ve *model.ValidationError) string {
	if s == "" {
		ve.Add(field, "err.required", nil)
		return ""
	}
	if _, err := time.Parse(model.DateLayout, s); err != nil {
		ve.Add(field, "err.doc_date", nil)
	}
	return s
}

// finCustomer is the id of the customer a push names, any of its names
// given (see customerRefs); 0 when none is named or it is unknown.
func finCustomer(t *store.Tx, sc store.Scope, r customerRefs, ve *model.ValidationError) uint64 {
	if c := r.resolve(t, sc, "api.err_fin_unknown_customer", ve); c != nil {
		return c.ID
	}
	return 0
}
