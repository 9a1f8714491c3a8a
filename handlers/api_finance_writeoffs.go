package handlers

import (
	"strings"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Write-offs (核销) through the API. The store keeps a write-off as
// records of one source, one invoice and one amount each (what the UI's
// write-off list shows and reverses one by one); a write-off pushed by the
// ERP may have several lines, so it is the group of records one push made,
// written in one transaction. Its id is its first record's; the records
// are tied to its external id through the external-id map ("write_off":
// ext → first record, "write_off_line": "ext#n" → the n-th record), so
// that the store's records need no new field. A record the UI made is a
// write-off of one line, without an external id.

// apiNewWriteOff is a write-off pushed by the ERP.
type apiNewWriteOff struct {
	ExternalID         string               `json:"external_id" min:"1" max:"100" doc:"The ERP's number of the write-off: the same external id again returns this write-off, never a second one."`
	CustomerID         uint64               `json:"customer_id,omitempty" doc:"The customer (optional when a source is named: the source names it; checked when given)."`
	CustomerExternalID string               `json:"customer_external_id,omitempty" max:"100"`
	CustomerCode       string               `json:"customer_code,omitempty" max:"40"`
	SourceKind         string               `json:"source_kind,omitempty" enum:"receipt,advance_receipt,red_invoice" doc:"What is written off: a posted receipt, advance receipt, or a red invoice's credit; with source_id or source_external_id. Required unless auto."`
	SourceID           uint64               `json:"source_id,omitempty"`
	SourceExternalID   string               `json:"source_external_id,omitempty" max:"100"`
	Auto               bool                 `json:"auto,omitempty" doc:"Write off oldest first, as the UI's automatic write-off: the lines name invoices without amounts (or none: every open invoice of the customer)."`
	Lines              []apiNewWriteOffLine `json:"lines,omitempty" max:"200" doc:"The invoices, each with the amount written off against it (at least one line unless auto)."`
}

// apiNewWriteOffLine is one invoice of a write-off.
type apiNewWriteOffLine struct {
	InvoiceID         uint64 `json:"invoice_id,omitempty" doc:"A posted blue invoice of the customer (or give invoice_external_id)."`
	InvoiceExternalID string `json:"invoice_external_id,omitempty" max:"100"`
	Amount            int64  `json:"amount,omitempty" doc:"In cents, more than zero, at most what both the source and the invoice have open. Omitted with auto."`
}

// apiWriteOff is a write-off: the records one push made (or one record
// made in the UI).
type apiWriteOff struct {
	ID                 uint64           `json:"id" doc:"The write-off's id: its first record's."`
	ExternalID         string           `json:"external_id,omitempty"`
	CustomerID         uint64           `json:"customer_id"`
	CustomerCode       string           `json:"customer_code"`
	CustomerExternalID string           `json:"customer_external_id,omitempty"`
	Amount             int64            `json:"amount" doc:"The records' total, in cents."`
	Reversed           bool             `json:"reversed" doc:"Every record is reversed."`
	Lines              []apiWriteOffRec `json:"lines"`
}

// apiWriteOffRec is one write-off record: an amount of a source applied
// to one invoice.
type apiWriteOffRec struct {
	ID           uint64       `json:"id" doc:"The record's id."`
	Source       apiFinSource `json:"source"`
	Invoice      apiFinDocRef `json:"invoice"`
	Amount       int64        `json:"amount" doc:"In cents."`
	Date         string       `json:"date" doc:"The business date of the write-off."`
	Auto         bool         `json:"auto"`
	By           string       `json:"by"`
	At           time.Time    `json:"at"`
	Reversed     bool         `json:"reversed"`
	ReversedBy   string       `json:"reversed_by,omitempty"`
	ReversedDate string       `json:"reversed_date,omitempty"`
}

// apiWriteOffResult answers a push: what happened, and the write-off.
type apiWriteOffResult struct {
	Status   string      `json:"status" enum:"created,unchanged" doc:"created: written off now (201); unchanged: the external id (or Idempotency-Key) was pushed before (200)."`
	WriteOff apiWriteOff `json:"write_off"`
}

// finWriteOffPush is a pushed write-off, checked as far as it can be
// without the store.
type finWriteOffPush struct {
	in      *apiNewWriteOff
	ext     string
	cust    customerRefs
	srcKind model.DocType // "" when none is named
	sum     string        // the push's fingerprint (finWriteOffSum)
}

// finParseWriteOff checks what needs no store: the external id, the
// source's kind, the lines' shape and amounts within the UI's bounds.
func finParseWriteOff(in *apiNewWriteOff) (*finWriteOffPush, error) {
	ve := &model.ValidationError{}
	p := &finWriteOffPush{in: in, cust: customerRefs{in.CustomerID, in.CustomerExternalID, strings.TrimSpace(in.CustomerCode)}}
	p.ext = docExternalID(in.ExternalID, "external_id", true, "api.err_fin_external_id", ve)
	named := in.SourceID != 0 || strings.TrimSpace(in.SourceExternalID) != ""
	switch k, ok := finKindByName(in.SourceKind); {
	case in.SourceKind == "" && (named || !in.Auto):
		ve.Add("source_kind", "err.required", nil)
	case in.SourceKind != "" && (!ok || k == model.DocRefund):
		ve.Add("source_kind", "err.choice", nil)
	case in.SourceKind != "" && !named:
		ve.Add("source_id", "err.required", nil)
	default:
		p.srcKind = k
	}
	if in.Auto && in.SourceKind == "" && !p.cust.given() {
		ve.Add("customer_external_id", "api.err_fin_customer_required", nil)
	}
	switch {
	case len(in.Lines) == 0 && !in.Auto:
		ve.Add("lines", "err.no_lines", nil)
	case len(in.Lines) > model.MaxLines:
		ve.Add("lines", "err.too_many_lines", map[string]any{"max": model.MaxLines, "n": len(in.Lines)})
	}
	for i, l := range in.Lines {
		if l.InvoiceID == 0 && strings.TrimSpace(l.InvoiceExternalID) == "" {
			ve.Add(itemPath("lines", i, "invoice_id"), "err.required", nil)
		}
		af := itemPath("lines", i, "amount")
		switch {
		case in.Auto && l.Amount != 0:
			ve.Add(af, "api.err_fin_auto_amount", nil)
		case in.Auto:
		case readMoney(l.Amount, af, model.CheckAmount, ve) <= 0 && !ve.Has(af):
			ve.Add(af, "err.recon_amount_positive", nil)
		}
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	p.sum = finWriteOffSum(in)
	return p, nil
}

// finWriteOffSum fingerprints a pushed write-off by what it asks for, its
// texts trimmed.
func finWriteOffSum(in *apiNewWriteOff) string {
	n := *in
	n.ExternalID, n.CustomerExternalID, n.CustomerCode = strings.TrimSpace(n.ExternalID), strings.TrimSpace(n.CustomerExternalID), strings.TrimSpace(n.CustomerCode)
	n.SourceExternalID = strings.TrimSpace(n.SourceExternalID)
	n.Lines = make([]apiNewWriteOffLine, len(in.Lines))
	for i, l := range in.Lines {
		l.InvoiceExternalID = strings.TrimSpace(l.InvoiceExternalID)
		n.Lines[i] = l
	}
	return pushFingerprint(&n)
}

// finWriteOffPlan is a push resolved through the client's scope.
type finWriteOffPlan struct {
	cust     uint64
	src      *store.WriteOffSource
	srcField string
	invoices []uint64
	fields   []string // the field naming each line's invoice
}

// finWriteOffRefs resolves the customer, the source (the customer's) and
// the invoices (the customer's) of a push.
func finWriteOffRefs(t *store.Tx, sc store.Scope, p *finWriteOffPush) (*finWriteOffPlan, error) {
	ve := &model.ValidationError{}
	in := p.in
	pl := &finWriteOffPlan{cust: finCustomer(t, sc, p.cust, ve)}
	custBad := p.cust.given() && pl.cust == 0
	if p.srcKind != "" {
		var owner uint64
		extKind := finKindName(p.srcKind)
		if p.srcKind == model.DocInvoice {
			extKind = store.ExtInvoice
		}
		id, field := docRef(t, extKind, in.SourceID, "source_id", in.SourceExternalID, "source_external_id", func(id uint64) bool {
			if p.srcKind == model.DocInvoice {
				v, err := t.Invoice(sc, id)
				if err == nil {
					owner = v.CustomerID
				}
				return err == nil
			}
			v, err := t.ReceiptDoc(sc, p.srcKind, id)
			if err == nil {
				owner = v.CustomerID
			}
			return err == nil
		}, "api.err_fin_unknown_receipt", ve)
		pl.srcField = field
		if id != 0 {
			if pl.cust == 0 && !custBad {
				pl.cust = owner
			}
			if owner != pl.cust && !custBad {
				ve.Add(field, "api.err_fin_other_customer", nil)
			}
			pl.src = &store.WriteOffSource{Kind: p.srcKind, ID: id}
		}
	}
	for i, l := range in.Lines {
		inv, field := invoiceRef(t, sc, l.InvoiceID, itemPath("lines", i, "invoice_id"), l.InvoiceExternalID, itemPath("lines", i, "invoice_external_id"), "api.err_fin_unknown_invoice", ve)
		var id uint64
		if inv != nil {
			id = inv.ID
		}
		pl.fields = append(pl.fields, field)
		pl.invoices = append(pl.invoices, id)
		if inv != nil && !custBad && pl.cust != 0 {
			if key := model.WriteOffLineProblem(pl.cust, id, inv.CustomerID, pl.invoices[:i]); key != "" {
				ve.Add(field, key, nil)
			}
		}
	}
	return pl, ve.Err()
}

// writeOffPush resolves push p's references through the client's scope
// into the write-off use case's input (finWriteOffRefs), with the
// request's field names for its refusals.
func writeOffPush(t *store.Tx, sc store.Scope, p *finWriteOffPush) (*store.WriteOffPush, error) {
	pl, err := finWriteOffRefs(t, sc, p)
	if err != nil {
		return nil, err
	}
	out := &store.WriteOffPush{Customer: pl.cust, Source: pl.src, Invoices: pl.invoices, Auto: p.in.Auto, SourceField: pl.srcField,
		InvoiceFields: pl.fields}
	for i, l := range p.in.Lines {
		out.Amounts = append(out.Amounts, model.Money(l.Amount))
		out.AmountFields = append(out.AmountFields, itemPath("lines", i, "amount"))
	}
	return out, nil
}

// apiPushWriteOff is POST /write-offs: the write-off use case
// (store.PushWriteOff) under the call's Idempotency-Key, then its answer
// read. A repeat of the key answers "unchanged", as a repeat of the
// external id does.
func (h *Handler) apiPushWriteOff(c *fiber.Ctx, a *apiCall) error {
	in := &apiNewWriteOff{}
	if err := decodeJSON(c, in); err != nil {
		return err
	}
	p, err := finParseWriteOff(in)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	id, created, err := h.store.PushWriteOff(a.keyed(key, pushBody(c)), store.WriteOffPushInput{
		ExternalID: p.ext, Fingerprint: p.sum,
		Resolve: func(t *store.Tx) (*store.WriteOffPush, error) { return writeOffPush(t, a.Scope, p) },
	})
	return h.pushAnswer(c, p.ext, id, createdOr(created), err, func(t *store.Tx, id uint64, outcome string) (any, error) {
		out, err := finWriteOffOut(t, a.Scope, id)
		return &apiWriteOffResult{Status: outcome, WriteOff: out}, err
	})
}

// apiGetWriteOff is GET /write-offs/:id and /write-offs/external/:external_id.
func (h *Handler) apiGetWriteOff(c *fiber.Ctx, a *apiCall) error {
	return getDoc(h, c, a, store.ExtWriteOff, func(t *store.Tx, id uint64) (*apiWriteOff, error) {
		out, err := finWriteOffOut(t, a.Scope, id)
		return &out, err
	})
}

// apiReverseWriteOff is POST /write-offs/:id/reverse: every record of the
// write-off not yet reversed is, in one transaction (last first); a
// write-off with none left is a StateError (409), as in the UI.
func (h *Handler) apiReverseWriteOff(c *fiber.Ctx, a *apiCall) error {
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	gid, err := h.store.ReverseWriteOffGroup(a.keyed(key, c.Body()), id)
	if err != nil {
		return apiKeyError(err)
	}
	return apiRead(h, c, a, func(t *store.Tx) (*apiWriteOff, error) {
		out, err := finWriteOffOut(t, a.Scope, gid)
		return &out, err
	})
}

// finWriteOffOut renders the write-off that record id belongs to.
func finWriteOffOut(t *store.Tx, sc store.Scope, id uint64) (apiWriteOff, error) {
	recs, ext, err := t.WriteOffGroup(sc, id)
	if err != nil {
		return apiWriteOff{}, err
	}
	out := apiWriteOff{ID: recs[0].ID, ExternalID: ext, CustomerID: recs[0].CustomerID, Reversed: true, Lines: make([]apiWriteOffRec, len(recs))}
	out.CustomerCode, out.CustomerExternalID = customerLabel(t, sc, out.CustomerID)
	for i, w := range recs {
		out.Lines[i] = finWriteOffRecOut(w)
		out.Amount += int64(w.Amount)
		out.Reversed = out.Reversed && w.Reversed
	}
	return out, nil
}

// finWriteOffRecOut renders one write-off record.
func finWriteOffRecOut(w *model.WriteOff) apiWriteOffRec {
	return apiWriteOffRec{ID: w.ID, Source: apiFinSource{Kind: finKindName(w.SourceType), ID: w.SourceID, Number: w.SourceNo},
		Invoice: apiFinDocRef{ID: w.InvoiceID, Number: w.InvoiceNo}, Amount: int64(w.Amount), Date: w.Date, Auto: w.Auto,
		By: w.By, At: w.At, Reversed: w.Reversed, ReversedBy: w.ReversedBy, ReversedDate: w.ReversedDate}
}
