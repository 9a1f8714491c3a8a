package handlers

import (
	"strings"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Sales invoices (销售发票) through the API: the ERP names outbound lines and
// quantities, and the push runs the UI form's use case (store's
// CreateInvoice, posted at once unless draft: its Audit input flag) in the
// push's own transaction (Batch, Idempotency-Key, external id); a draft
// pushed again without draft runs the audit use case's body (ActOnInvoice).

// apiNewInvoice is a sales invoice pushed by the ERP.
type apiNewInvoice struct {
	ExternalID         string              `json:"external_id" min:"1" max:"100" doc:"The ERP's number of the invoice: the same external id again returns this invoice, never a second one."`
	CustomerID         uint64              `json:"customer_id,omitempty" doc:"The customer (optional: the outbounds name it; checked when given)."`
	CustomerExternalID string              `json:"customer_external_id,omitempty" max:"100"`
	CustomerCode       string              `json:"customer_code,omitempty" max:"40"`
	Red                bool                `json:"red,omitempty" doc:"A red (negative) invoice, of red outbounds' lines."`
	InvoiceNo          string              `json:"invoice_no,omitempty" max:"40" doc:"The tax invoice's own number (发票号码)."`
	InvoiceDate        string              `json:"invoice_date" doc:"YYYY-MM-DD, not before the date of any outbound it invoices."`
	Remarks            string              `json:"remarks,omitempty" max:"500"`
	Draft              bool                `json:"draft,omitempty" doc:"Save it unposted (the UI's Save); otherwise it is audited at once (the UI's Audit)."`
	Lines              []apiNewInvoiceLine `json:"lines" min:"1" max:"200"`
}

// apiNewInvoiceLine invoices a quantity of one outbound line.
type apiNewInvoiceLine struct {
	OutboundID         uint64 `json:"outbound_id,omitempty" doc:"The outbound's portal id (or give outbound_external_id)."`
	OutboundExternalID string `json:"outbound_external_id,omitempty" max:"100" doc:"The outbound's external id, as the ERP pushed it."`
	Line               int    `json:"line" min:"1" doc:"The outbound line's number (1, 2, …)."`
	Qty                apiQty `json:"qty" doc:"The quantity to invoice, in units (at most three decimals), more than zero and at most what the line has not yet invoiced; positive on a red invoice too."`
	Amount             int64  `json:"amount,omitempty" doc:"Optional check, in cents: the line's tax-inclusive amount as the ERP has it (positive on a red invoice too). The portal computes it (the line's exact rest when the quantity takes all of it, else quantity × price); a different amount is refused."`
}

// apiInvoice is an invoice as the portal holds it. Amounts are in cents,
// negative on a red invoice.
type apiInvoice struct {
	ID                 uint64           `json:"id"`
	ExternalID         string           `json:"external_id,omitempty"`
	Number             string           `json:"number" doc:"The portal's number (IV-…)."`
	Status             string           `json:"status" enum:"draft,audited" doc:"audited: posted."`
	Red                bool             `json:"red"`
	CustomerID         uint64           `json:"customer_id"`
	CustomerCode       string           `json:"customer_code"`
	CustomerExternalID string           `json:"customer_external_id,omitempty"`
	InvoiceNo          string           `json:"invoice_no,omitempty"`
	InvoiceDate        string           `json:"invoice_date"`
	Remarks            string           `json:"remarks,omitempty"`
	Qty                apiQty           `json:"qty" doc:"Total quantity in units."`
	AmountExcl         int64            `json:"amount_excl" doc:"Excluding tax, in cents."`
	Tax                int64            `json:"tax" doc:"In cents."`
	Amount             int64            `json:"amount" doc:"Including tax (价税合计), in cents."`
	WrittenOff         int64            `json:"written_off" doc:"Settled by write-offs, in cents (negative on a red invoice: credit used)."`
	Open               int64            `json:"open" doc:"Still unsettled, in cents."`
	Lines              []apiInvoiceLine `json:"lines"`
	Version            uint64           `json:"version"`
	CreatedAt          time.Time        `json:"created_at"`
	UpdatedAt          time.Time        `json:"updated_at"`
}

// apiInvoiceLine is one line of an invoice: the outbound line it invoices.
type apiInvoiceLine struct {
	No                 int    `json:"no"`
	OutboundID         uint64 `json:"outbound_id"`
	OutboundNumber     string `json:"outbound_number"`
	OutboundExternalID string `json:"outbound_external_id,omitempty"`
	OutboundLine       int    `json:"outbound_line"`
	ProductCode        string `json:"product_code"`
	ProductName        string `json:"product_name"`
	Unit               string `json:"unit,omitempty"`
	Qty                apiQty `json:"qty" doc:"In units; negative on a red invoice."`
	Price              int64  `json:"price" doc:"Unit price incl. tax, in cents."`
	TaxRate            int64  `json:"tax_rate" doc:"In basis points (1300 = 13%)."`
	AmountExcl         int64  `json:"amount_excl"`
	Tax                int64  `json:"tax"`
	Amount             int64  `json:"amount"`
	Received           int64  `json:"received" doc:"What write-offs from receipts allocated to the line, in cents."`
}

// apiInvoiceResult answers a push: what happened, and the invoice.
type apiInvoiceResult struct {
	Status  string     `json:"status" enum:"created,updated,unchanged" doc:"created: a new invoice (201); unchanged: the external id (or Idempotency-Key) was pushed before (200); updated: a draft pushed again without draft was audited (200)."`
	Invoice apiInvoice `json:"invoice"`
}

// finInvoicePush is a pushed invoice, checked as far as it can be without
// the store.
type finInvoicePush struct {
	in   *apiNewInvoice
	ext  string
	cust customerRefs
	qty  []model.Qty // per line, positive
	sum  string      // the push's fingerprint (finInvoiceSum)
}

// finParseInvoice checks what needs no store: the external id, the date,
// the lines' shape, quantities and amounts within the UI's bounds.
func finParseInvoice(in *apiNewInvoice) (*finInvoicePush, error) {
	ve := &model.ValidationError{}
	p := &finInvoicePush{in: in, cust: customerRefs{in.CustomerID, in.CustomerExternalID, strings.TrimSpace(in.CustomerCode)}}
	p.ext = docExternalID(in.ExternalID, "external_id", true, "api.err_fin_external_id", ve)
	finDate(in.InvoiceDate, "invoice_date", ve)
	switch {
	case len(in.Lines) == 0:
		ve.Add("lines", "err.no_lines", nil)
	case len(in.Lines) > model.MaxLines:
		ve.Add("lines", "err.too_many_lines", map[string]any{"max": model.MaxLines, "n": len(in.Lines)})
	}
	p.qty = make([]model.Qty, len(in.Lines))
	for i, l := range in.Lines {
		if l.OutboundID == 0 && strings.TrimSpace(l.OutboundExternalID) == "" {
			ve.Add(itemPath("lines", i, "outbound_id"), "err.required", nil)
		}
		if l.Line < 1 {
			ve.Add(itemPath("lines", i, "line"), "err.required", nil)
		}
		qf := itemPath("lines", i, "qty")
		if l.Qty == "" {
			ve.Add(qf, "err.required", nil)
		} else if q := readQty(l.Qty, qf, ve); q <= 0 && !ve.Has(qf) {
			ve.Add(qf, "err.qty_positive", nil)
		} else {
			p.qty[i] = q
		}
		if l.Amount != 0 {
			af := itemPath("lines", i, "amount")
			if m := readMoney(l.Amount, af, model.CheckAmount, ve); m < 0 {
				ve.Add(af, "err.recon_amount_positive", nil)
			}
		}
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	p.sum = finInvoiceSum(in, p.qty)
	return p, nil
}

// finInvoiceSum fingerprints a pushed invoice by what it asks for: its
// texts trimmed, its quantities in one spelling, and without draft (the
// same invoice pushed again without draft audits the draft).
func finInvoiceSum(in *apiNewInvoice, qty []model.Qty) string {
	n := *in
	n.Draft = false
	n.ExternalID, n.CustomerExternalID, n.CustomerCode = strings.TrimSpace(n.ExternalID), strings.TrimSpace(n.CustomerExternalID), strings.TrimSpace(n.CustomerCode)
	n.InvoiceNo, n.Remarks = strings.TrimSpace(n.InvoiceNo), strings.TrimSpace(n.Remarks)
	n.Lines = make([]apiNewInvoiceLine, len(in.Lines))
	for i, l := range in.Lines {
		l.OutboundExternalID, l.Qty = strings.TrimSpace(l.OutboundExternalID), qtyJSON(qty[i])
		n.Lines[i] = l
	}
	return pushFingerprint(&n)
}

// finInvoiceRefs resolves the customer and the outbound lines through the
// client's scope: an unknown outbound (or one outside the scope), another
// customer's, one of the other colour, a line it does not have or a line
// named twice is a field error. It returns the outbounds it read, for
// CreateInvoice not to read them again.
func finInvoiceRefs(t *store.Tx, sc store.Scope, p *finInvoicePush) (uint64, []store.InvoiceLineRef, map[uint64]*model.Outbound, error) {
	ve := &model.ValidationError{}
	cust := finCustomer(t, sc, p.cust, ve)
	custBad := p.cust.given() && cust == 0
	refs := make([]store.InvoiceLineRef, len(p.in.Lines))
	obs := map[uint64]*model.Outbound{}
	seen := map[store.InvoiceLineRef]bool{}
	// Lines name the same outbound again and again: read each once.
	readOutbound := func(id uint64) (*model.Outbound, error) {
		if ob := obs[id]; ob != nil {
			return ob, nil
		}
		ob, err := t.Outbound(sc, id)
		if err == nil {
			obs[id] = ob
		}
		return ob, err
	}
	for i, l := range p.in.Lines {
		ob, field := refOf(t, store.ExtOutbound, l.OutboundID, itemPath("lines", i, "outbound_id"), l.OutboundExternalID, itemPath("lines", i, "outbound_external_id"),
			readOutbound, "api.err_fin_unknown_outbound", ve)
		if ob == nil {
			continue
		}
		if cust == 0 && !custBad {
			cust = ob.CustomerID
		}
		switch {
		case custBad:
		case ob.CustomerID != cust:
			ve.Add(field, "api.err_fin_other_customer", nil)
		case ob.Red != p.in.Red:
			ve.Add(field, "api.err_fin_colour", nil)
		case !finOutboundHasLine(ob, l.Line):
			ve.Add(itemPath("lines", i, "line"), "api.err_fin_no_line", map[string]any{"number": ob.Number})
		}
		r := store.InvoiceLineRef{OutboundID: ob.ID, Line: l.Line}
		if seen[r] {
			ve.Add(itemPath("lines", i, "line"), "api.err_fin_line_twice", nil)
		}
		seen[r], refs[i] = true, r
	}
	return cust, refs, obs, ve.Err()
}

func finOutboundHasLine(ob *model.Outbound, no int) bool {
	for i := range ob.Lines {
		if ob.Lines[i].No == no {
			return true
		}
	}
	return false
}

// invoicePush is push p as the invoice push use case's input
// (store.PushInvoice): its references are resolved through the client's
// scope inside the use case's transaction (finInvoiceRefs).
func invoicePush(sc store.Scope, p *finInvoicePush) store.InvoicePushInput {
	return store.InvoicePushInput{ExternalID: p.ext, Fingerprint: p.sum, Draft: p.in.Draft,
		Resolve: func(t *store.Tx) (*store.InvoicePush, error) {
			cust, refs, obs, err := finInvoiceRefs(t, sc, p)
			if err != nil {
				return nil, err
			}
			out := &store.InvoicePush{Lines: refs, Invoice: store.InvoiceInput{CustomerID: cust, Red: p.in.Red, InvoiceNo: p.in.InvoiceNo,
				Date: p.in.InvoiceDate, Remarks: p.in.Remarks, Qty: make(map[store.InvoiceLineRef]model.Qty, len(refs)), Read: obs}}
			for i, r := range refs {
				out.Invoice.Qty[r] = p.qty[i]
				out.Amounts = append(out.Amounts, model.Money(p.in.Lines[i].Amount))
				out.QtyFields = append(out.QtyFields, itemPath("lines", i, "qty"))
				out.AmountFields = append(out.AmountFields, itemPath("lines", i, "amount"))
			}
			return out, nil
		}}
}

// apiPushInvoice is POST /invoices: the invoice push use case under the
// call's Idempotency-Key, then its answer read.
func (h *Handler) apiPushInvoice(c *fiber.Ctx, a *apiCall) error {
	in := &apiNewInvoice{}
	if err := decodeJSON(c, in); err != nil {
		return err
	}
	p, err := finParseInvoice(in)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	id, outcome, err := h.store.PushInvoice(a.keyed(key, pushBody(c)), invoicePush(a.Scope, p))
	return h.pushAnswer(c, p.ext, id, outcome, err, func(t *store.Tx, id uint64, outcome string) (any, error) {
		inv, err := t.Invoice(a.Scope, id)
		if err != nil {
			return nil, err
		}
		return &apiInvoiceResult{Status: outcome, Invoice: finInvoiceOut(t, a.Scope, inv)}, nil
	})
}

// apiPushInvoices is POST /invoices/bulk: each record is the invoice push
// use case of its own, in the group commit, without an Idempotency-Key
// (the external ids make a repeat safe).
func (h *Handler) apiPushInvoices(c *fiber.Ctx, a *apiCall) error {
	return upsertBulk(h, c, a, func(in *apiNewInvoice) string { return strings.TrimSpace(in.ExternalID) }, "external_id",
		func(in *apiNewInvoice) (uint64, store.Outcome, error) {
			p, err := finParseInvoice(in)
			if err != nil {
				return 0, "", err
			}
			id, outcome, err := h.store.PushInvoice(a.batched(), invoicePush(a.Scope, p))
			return id, outcome, pushRefusal(p.ext, err)
		})
}

// apiGetInvoice is GET /invoices/:id and /invoices/external/:external_id.
func (h *Handler) apiGetInvoice(c *fiber.Ctx, a *apiCall) error {
	return getDoc(h, c, a, store.ExtInvoice, func(t *store.Tx, id uint64) (*apiInvoice, error) {
		inv, err := t.Invoice(a.Scope, id)
		if err != nil {
			return nil, err
		}
		out := finInvoiceOut(t, a.Scope, inv)
		return &out, nil
	})
}

// finInvoiceOut renders an invoice for an answer.
func finInvoiceOut(t *store.Tx, sc store.Scope, inv *model.Invoice) apiInvoice {
	out := apiInvoice{ID: inv.ID, ExternalID: t.ExternalOf(store.ExtInvoice, inv.ID), Number: inv.Number, Status: string(inv.Status), Red: inv.Red,
		CustomerID: inv.CustomerID, InvoiceNo: inv.InvoiceNo, InvoiceDate: inv.InvoiceDate, Remarks: inv.Remarks,
		Qty: qtyJSON(inv.Totals.Qty), AmountExcl: int64(inv.Totals.AmountExcl), Tax: int64(inv.Totals.Tax), Amount: int64(inv.Totals.Amount),
		WrittenOff: int64(inv.WrittenOff), Open: int64(inv.Open()), Lines: make([]apiInvoiceLine, len(inv.Lines)),
		Version: inv.Version, CreatedAt: inv.CreatedAt, UpdatedAt: inv.UpdatedAt}
	out.CustomerCode, out.CustomerExternalID = customerLabel(t, sc, inv.CustomerID)
	exts := map[uint64]string{}
	for i, l := range inv.Lines {
		ext, ok := exts[l.OutboundID]
		if !ok {
			ext = t.ExternalOf(store.ExtOutbound, l.OutboundID)
			exts[l.OutboundID] = ext
		}
		out.Lines[i] = apiInvoiceLine{No: l.No, OutboundID: l.OutboundID, OutboundNumber: l.OutboundNo, OutboundExternalID: ext, OutboundLine: l.OutboundLine,
			ProductCode: l.Code, ProductName: l.Name, Unit: l.Unit, Qty: qtyJSON(l.Qty), Price: int64(l.Price), TaxRate: l.TaxRate,
			AmountExcl: int64(l.AmountExcl), Tax: int64(l.Tax), Amount: int64(l.Amount), Received: int64(l.Received)}
	}
	return out
}
