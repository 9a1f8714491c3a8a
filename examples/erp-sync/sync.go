package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// The push: master data first (products, customers), then for each open
// invoice the chain of documents the portal needs to hold it. In the
// portal an invoice is made of outbound lines (goods that left the
// warehouse), and an outbound ships a sales order; the ERP's open invoice
// therefore becomes three documents, each named by an external id derived
// from the invoice number:
//
//	sales order  SO-<no>   the goods ordered
//	outbound     OB-<no>   the goods shipped (posting it moves stock and the customer's balance)
//	invoice      <no>      the goods invoiced (posting it makes the receivable)
//
// Every push is idempotent, so a sync may run as often as the ERP likes:
// what the portal holds already answers "unchanged" and nothing is written.

// Bulk requests take at most this many records (the API's limit).
const bulkMax = 1000

// ---- the API's request and answer bodies used here ----
// (The OpenAPI document at /api/v1/openapi.json has them all, with every
// field's bounds; these structs name only what this program sends or
// reads. Optional fields carry omitempty: the portal refuses unknown
// fields, and for upserts an absent optional field means "clear it".)

// bulk is the body of every POST …/bulk.
type bulk[T any] struct {
	Items []T `json:"items"`
}

// bulkResult answers a bulk request: one result per record, in order.
type bulkResult struct {
	Results []itemResult `json:"results"`
}

type itemResult struct {
	Index      int          `json:"index"`
	ExternalID string       `json:"external_id"`
	ID         uint64       `json:"id"`
	Status     string       `json:"status"` // created, updated, unchanged or failed
	Errors     []fieldError `json:"errors"`
}

type productUpsert struct {
	ExternalID string `json:"external_id"`
	Name       string `json:"name"`
	Spec       string `json:"spec,omitempty"`
	Unit       string `json:"unit"`
	Barcode    string `json:"barcode,omitempty"`
	ListPrice  int64  `json:"list_price"` // cents
	TaxRate    int64  `json:"tax_rate"`   // basis points
	Active     bool   `json:"active"`
}

type stockItem struct {
	Product string      `json:"product"` // the product's external id
	OnHand  json.Number `json:"on_hand"`
}

type customerUpsert struct {
	ExternalID  string `json:"external_id"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	ShortName   string `json:"short_name,omitempty"`
	OrgUnit     string `json:"org_unit"` // the org unit's code
	Contact     string `json:"contact,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Email       string `json:"email,omitempty"`
	Address     string `json:"address,omitempty"`
	TaxNumber   string `json:"tax_number,omitempty"`
	CreditLimit int64  `json:"credit_limit,omitempty"` // cents
}

type newSalesOrder struct {
	ExternalID         string         `json:"external_id"`
	CustomerExternalID string         `json:"customer_external_id"`
	OrderDate          string         `json:"order_date"`
	Remarks            string         `json:"remarks,omitempty"`
	Lines              []newOrderLine `json:"lines"`
}

type newOrderLine struct {
	ProductExternalID string      `json:"product_external_id"`
	Qty               json.Number `json:"qty"`
	UnitPrice         int64       `json:"unit_price"` // cents, tax included; the product's tax rate applies
}

// salesOrder is the portal's answer to a sales order push (and GET).
type salesOrder struct {
	ID      uint64 `json:"id"`
	Number  string `json:"number"`
	Outcome string `json:"outcome"` // created or unchanged
	Status  string `json:"status"`  // draft, audited, closed, void
	Lines   []struct {
		Line              int         `json:"line"`
		ProductExternalID string      `json:"product_external_id"`
		OpenQty           json.Number `json:"open_qty"` // still to ship
	} `json:"lines"`
}

type newOutbound struct {
	ExternalID           string    `json:"external_id"`
	SalesOrderExternalID string    `json:"sales_order_external_id"`
	PostDate             string    `json:"post_date"`
	Lines                []shipQty `json:"lines"`
}

type shipQty struct {
	Line int         `json:"line"` // the sales order's line number
	Qty  json.Number `json:"qty"`
}

// outbound is the portal's answer to an outbound push.
type outbound struct {
	ID      uint64 `json:"id"`
	Number  string `json:"number"`
	Outcome string `json:"outcome"`
	Lines   []struct {
		Line      int `json:"line"`
		OrderLine int `json:"order_line"` // the sales order line it ships
	} `json:"lines"`
}

type newInvoice struct {
	ExternalID         string           `json:"external_id"`
	CustomerExternalID string           `json:"customer_external_id"`
	InvoiceNo          string           `json:"invoice_no,omitempty"`
	InvoiceDate        string           `json:"invoice_date"`
	Lines              []newInvoiceLine `json:"lines"`
}

type newInvoiceLine struct {
	OutboundExternalID string      `json:"outbound_external_id"`
	Line               int         `json:"line"` // the outbound's line number
	Qty                json.Number `json:"qty"`
	Amount             int64       `json:"amount"` // cents: a check, the portal refuses a different figure
}

// ---- the summary ----

// tally counts one kind of record's outcomes and keeps the failures'
// messages for the summary.
type tally struct {
	kind                                string
	created, updated, unchanged, failed int
	problems                            []string
}

func (t *tally) add(status string) {
	switch status {
	case "created":
		t.created++
	case "updated":
		t.updated++
	case "unchanged":
		t.unchanged++
	default:
		t.failed++
	}
}

// fail records a failed record: what it is and why, field by field.
func (t *tally) fail(what string, err error) {
	t.failed++
	msg := err.Error()
	if p, ok := asProblem(err); ok && len(p.Errors) > 0 {
		var fs []string
		for _, f := range p.Errors {
			fs = append(fs, f.String())
		}
		msg = strings.Join(fs, "; ")
	}
	t.problems = append(t.problems, what+": "+msg)
}

func (t *tally) print(w io.Writer) {
	fmt.Fprintf(w, "%-13s created %d  updated %d  unchanged %d  failed %d\n", t.kind, t.created, t.updated, t.unchanged, t.failed)
	for _, p := range t.problems {
		fmt.Fprintf(w, "    ✗ %s\n", p)
	}
}

// summary is what a sync did, per kind.
type summary struct{ kinds []*tally }

func (s *summary) kind(name string) *tally {
	t := &tally{kind: name}
	s.kinds = append(s.kinds, t)
	return t
}

func (s *summary) failed() int {
	n := 0
	for _, t := range s.kinds {
		n += t.failed
	}
	return n
}

// ---- the push ----

// syncDir pushes the ERP's export in dir and prints what happened.
func syncDir(ctx context.Context, c *client, dir string, out io.Writer) (*summary, error) {
	products, err := readProducts(dir)
	if err != nil {
		return nil, err
	}
	customers, err := readCustomers(dir)
	if err != nil {
		return nil, err
	}
	invoices, err := readInvoices(dir)
	if err != nil {
		return nil, err
	}
	s := &summary{}
	// The summary is printed also when a stage stops the sync (the portal
	// unreachable, say): what was pushed before is in the portal.
	defer func() {
		for _, t := range s.kinds {
			t.print(out)
		}
	}()
	if err := pushProducts(ctx, c, products, s.kind("products")); err != nil {
		return nil, err
	}
	if err := pushCustomers(ctx, c, customers, s.kind("customers")); err != nil {
		return nil, err
	}
	if err := pushInvoices(ctx, c, invoices, products, s); err != nil {
		return nil, err
	}
	return s, nil
}

// pushBulk sends records to a bulk endpoint in requests of at most
// bulkMax and counts each record's result; what(i) names record i in a
// failure message. A bulk request answers 200 with a result per record
// (each record is its own transaction: one refusal never undoes the
// others). The customers family answers a 422 problem instead when not
// one record was accepted, with each record's errors under items[i]: the
// problem is spread back over the records here, so that both answers
// print alike.
func pushBulk[T any](ctx context.Context, c *client, path string, items []T, what func(i int) string, t *tally) error {
	for start := 0; start < len(items); start += bulkMax {
		chunk := items[start:min(start+bulkMax, len(items))]
		var res bulkResult
		_, err := c.post(ctx, path, bulk[T]{Items: chunk}, &res)
		if p, ok := asProblem(err); ok && p.Status == http.StatusUnprocessableEntity && allItems(p) {
			res = bulkResult{}
			for i := range chunk {
				res.Results = append(res.Results, itemResult{Index: i, Status: "failed"})
			}
			for _, f := range p.Errors {
				var i int
				if _, err := fmt.Sscanf(f.Field, "items[%d]", &i); err == nil && i < len(chunk) {
					res.Results[i].Errors = append(res.Results[i].Errors, f)
				}
			}
		} else if err != nil {
			return fmt.Errorf("POST %s: %w", path, err)
		}
		for _, r := range res.Results {
			if r.Status != "failed" {
				t.add(r.Status)
				continue
			}
			// The message names the record by its CSV line: its fields
			// need no items[i] in front.
			for j, f := range r.Errors {
				if _, rest, ok := strings.Cut(f.Field, "]"); ok && strings.HasPrefix(f.Field, "items[") {
					r.Errors[j].Field = strings.TrimPrefix(rest, ".")
				}
			}
			t.fail(what(start+r.Index), &problem{Errors: r.Errors})
		}
	}
	return nil
}

// allItems reports whether every field error of a problem names a record
// of a bulk request (items[i]…).
func allItems(p *problem) bool {
	for _, f := range p.Errors {
		if !strings.HasPrefix(f.Field, "items[") {
			return false
		}
	}
	return len(p.Errors) > 0
}

// pushProducts upserts every product by its external id (the ERP's
// material code, which the portal also takes as the product code since
// none is sent). Stock is set apart: see pushInvoices.
func pushProducts(ctx context.Context, c *client, ps []product, t *tally) error {
	items := make([]productUpsert, len(ps))
	for i, p := range ps {
		items[i] = productUpsert{ExternalID: p.externalID, Name: p.name, Spec: p.spec, Unit: p.unit, Barcode: p.barcode,
			ListPrice: p.listPrice, TaxRate: p.taxRate, Active: p.active}
	}
	return pushBulk(ctx, c, "/products/bulk", items, func(i int) string {
		return fmt.Sprintf("products.csv line %d (%s)", ps[i].line, ps[i].externalID)
	}, t)
}

// pushCustomers upserts every customer by its external id; the org unit is
// named by its code, which must exist in the portal (the portal's admin
// keeps the org tree) and lie within the client's org units.
func pushCustomers(ctx context.Context, c *client, cs []customer, t *tally) error {
	items := make([]customerUpsert, len(cs))
	for i, x := range cs {
		items[i] = customerUpsert{ExternalID: x.externalID, Code: x.code, Name: x.name, ShortName: x.shortName, OrgUnit: x.orgUnit,
			Contact: x.contact, Phone: x.phone, Email: x.email, Address: x.address, TaxNumber: x.taxNumber, CreditLimit: x.creditLimit}
	}
	return pushBulk(ctx, c, "/customers/bulk", items, func(i int) string {
		return fmt.Sprintf("customers.csv line %d (%s)", cs[i].line, cs[i].externalID)
	}, t)
}

// pushInvoices pushes each open invoice as its chain of documents, one
// stage for all invoices at a time: the sales orders, the stock the
// outbounds need, the outbounds, the invoices (in bulk). An invoice whose
// sales order or outbound failed goes no further this run; the next run
// picks it up where it stopped, since what was made answers "unchanged".
func pushInvoices(ctx context.Context, c *client, invs []*invoice, products []product, s *summary) error {
	orders, stock, obs, ivs := s.kind("sales orders"), s.kind("stock"), s.kind("outbounds"), s.kind("invoices")
	what := func(inv *invoice) string { return fmt.Sprintf("open_invoices.csv line %d (%s)", inv.line, inv.number) }

	// 1. The sales orders, audited as they are pushed (which reserves their
	// stock). The sales order push has no bulk form: one request each.
	// Its answer shows each line's open quantity, which is what the
	// outbound will still ship: 0 once the outbound is posted.
	sos := map[*invoice]*salesOrder{}
	toShip := map[string]milli{} // product external id → quantity the outbounds will take from stock
	for _, inv := range invs {
		so := &salesOrder{}
		body := newSalesOrder{ExternalID: "SO-" + inv.number, CustomerExternalID: inv.customer, OrderDate: inv.shipDate,
			Remarks: "ERP invoice " + inv.number}
		for _, l := range inv.lines {
			body.Lines = append(body.Lines, newOrderLine{ProductExternalID: l.product, Qty: json.Number(l.qty.String()), UnitPrice: l.unitPrice})
		}
		// The same external id with a different body (the ERP changed the
		// invoice after the first sync) is a 409: a pushed document is
		// never changed by a push. The ERP corrects by a new document.
		if _, err := c.post(ctx, "/sales-orders", body, so); err != nil {
			orders.fail(what(inv), err)
			continue
		}
		orders.add(so.Outcome)
		sos[inv] = so
		for _, l := range so.Lines {
			toShip[l.ProductExternalID] += parseMilli(string(l.OpenQty))
		}
	}

	// 2. Stock. Posting an outbound takes its goods from the portal's stock
	// on hand, and refuses to take more than there is. The ERP's count,
	// however, is after those goods left. So the count is pushed with
	// what the outbounds about to be posted will take on top: once they
	// are posted, the portal's stock is the ERP's count. On a later run
	// nothing is left to ship and the count alone is pushed (unchanged).
	if err := pushStock(ctx, c, products, toShip, stock); err != nil {
		return err
	}

	// 3. The outbounds: the whole of each sales order, posted at once.
	shipped := map[*invoice]*outbound{}
	for _, inv := range invs {
		if sos[inv] == nil {
			continue
		}
		ob := &outbound{}
		body := newOutbound{ExternalID: "OB-" + inv.number, SalesOrderExternalID: "SO-" + inv.number, PostDate: inv.shipDate}
		for i, l := range inv.lines {
			body.Lines = append(body.Lines, shipQty{Line: i + 1, Qty: json.Number(l.qty.String())})
		}
		if _, err := c.post(ctx, "/outbounds", body, ob); err != nil {
			obs.fail(what(inv), err)
			continue
		}
		obs.add(ob.Outcome)
		shipped[inv] = ob
	}
	if obs.failed > 0 {
		// Some goods counted on top of the ERP's stock did not ship: set
		// the count again so that the portal shows the ERP's figure.
		if err := pushStock(ctx, c, products, nil, s.kind("stock again")); err != nil {
			return err
		}
	}

	// 4. The invoices, in bulk. Each line names an outbound line by the
	// outbound's external id and line number, found in the outbound's
	// answer (the line that ships sales order line i+1). The ERP's amount
	// goes along as a check: the portal computes the amount itself and
	// refuses the invoice if the two systems disagree.
	var items []newInvoice
	var sent []*invoice
	for _, inv := range invs {
		ob := shipped[inv]
		if ob == nil {
			continue
		}
		body := newInvoice{ExternalID: inv.number, CustomerExternalID: inv.customer, InvoiceNo: inv.taxNo, InvoiceDate: inv.date}
		for i, l := range inv.lines {
			obLine := 0
			for _, x := range ob.Lines {
				if x.OrderLine == i+1 {
					obLine = x.Line
				}
			}
			body.Lines = append(body.Lines, newInvoiceLine{OutboundExternalID: "OB-" + inv.number, Line: obLine,
				Qty: json.Number(l.qty.String()), Amount: l.amount})
		}
		items, sent = append(items, body), append(sent, inv)
	}
	if len(items) == 0 {
		return nil
	}
	return pushBulk(ctx, c, "/invoices/bulk", items, func(i int) string { return what(sent[i]) }, ivs)
}

// pushStock sets each product's stock on hand to the ERP's count plus
// extra[product]. The ERP is the source of truth for stock: the count
// replaces what the portal has.
func pushStock(ctx context.Context, c *client, ps []product, extra map[string]milli, t *tally) error {
	items := make([]stockItem, len(ps))
	for i, p := range ps {
		items[i] = stockItem{Product: p.externalID, OnHand: json.Number((p.onHand + extra[p.externalID]).String())}
	}
	return pushBulk(ctx, c, "/stock/bulk", items, func(i int) string {
		return fmt.Sprintf("products.csv line %d (%s)", ps[i].line, ps[i].externalID)
	}, t)
}
