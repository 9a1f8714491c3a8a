package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// One page of the balance detail (账户余额明细表) over a customer's whole
// history as the documents stand: what the balance detail shows when no
// period is chosen (the link from the balance summary), read without
// building the customer's ledger.
//
// The full detail (BalanceDetail, model.Ledger.DetailFor) computes every
// document's remaining balance from the customer's write-offs (JSON, one
// record each), invoicing and refunds, and sorts thousands of ledger rows
// into strings and maps for a key account: 50–60 ms of CPU for a page of
// 20 rows. As the documents stand, everything but the order is maintained
// already:
//
//   - the position and the open invoice amounts by date (balance_figures),
//     aged on today as the summary ages them;
//   - each invoice's open amount and each receipt's or advance receipt's
//     unapplied amount (recon_open, none when zero);
//   - what each invoice took from each outbound (the invoicing index).
//
// So a page walks the customer's rows of the ledger order
// (ledger_order.go: the ledger index keyed in the detail's order) once,
// summing the net effects for the running balance and the closing and
// decoding only the rows it shows: no sort, no string for a row it does
// not show. store/recon_test.go checks it against BalanceDetail page by
// page after every step of the reconciliation property test.

// BalanceDetailPage returns page p of customer cust's balance detail with no
// period (from the first document to the last, as the documents stand), and
// how many rows the whole detail has. The rows, the opening (zero), the
// closing, the position and the aging are those of BalanceDetail(sc, cust,
// "", "") — its Rows cut to p — but Totals is not filled. ErrNotFound
// outside sc.
func (t *Tx) BalanceDetailPage(sc Scope, cust uint64, p Page) (*model.Detail, int, error) {
	if !t.AllowsCustomer(sc, cust) {
		return nil, 0, model.ErrNotFound
	}
	d := &model.Detail{}
	lo, hi := p.bounds(math.MaxInt)
	n := 0
	prefix := itob(cust)
	c := t.b(bReconLedgerOrder).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) < 28 || len(v) != 10 || int(v[0]) >= len(ReconKinds) {
			return nil, 0, fmt.Errorf("ledger order: bad row %x", k)
		}
		kind, amount := ReconKinds[v[0]], model.Money(int64(binary.BigEndian.Uint64(v[1:])))
		e := model.NetEffect(kind, amount)
		d.Closing += e
		if n++; n <= lo || n > hi {
			continue
		}
		id := btoi(k[len(k)-8:])
		row := model.DetailRow{LedgerDoc: model.LedgerDoc{Kind: kind, ID: id, Number: string(k[19 : len(k)-9]), Date: string(k[8:18]), Amount: amount, Red: v[9] == 1},
			Effect: e, Running: d.Closing}
		switch kind {
		case model.DocRefund:
		case model.DocOutbound:
			row.Remaining, row.HasRemaining = amount, true
		default:
			row.HasRemaining = true // read below
		}
		d.Rows = append(d.Rows, row)
	}
	// The page's open amounts: one query on PostgreSQL, not one per row
	// (kv.Prefetch; nothing on bbolt).
	var open [][]byte
	for _, r := range d.Rows {
		if r.HasRemaining && r.Kind != model.DocOutbound {
			open = append(open, openKey(cust, r.Kind, r.ID))
		}
	}
	kv.Prefetch(t.b(bReconOpen), open)
	for i := range d.Rows {
		if r := &d.Rows[i]; r.HasRemaining && r.Kind != model.DocOutbound {
			r.Remaining, _ = decodeOpen(t.b(bReconOpen).Get(openKey(cust, r.Kind, r.ID)))
		}
	}
	t.uninvoicedOnPage(cust, d.Rows)
	f := t.figures(cust)
	d.Position, d.Aging = f.pos, f.aging(model.CutoffsOn(t.Today()))
	return d, n, nil
}

// bounds returns the indexes of the page's first row and the one after its
// last among n rows: none for an offset beyond them or below zero (a page
// number too large for an int), all for no limit.
func (p Page) bounds(n int) (lo, hi int) {
	lo = n
	if p.Offset >= 0 {
		lo = min(p.Offset, n)
	}
	if p.Limit <= 0 {
		return lo, n
	}
	return lo, lo + min(p.Limit, n-lo)
}

// uninvoicedOnPage takes from each outbound row's remaining balance what
// posted invoices took from it (the invoicing index; a draft invoice's
// rows do not count, as in model.Ledger).
func (t *Tx) uninvoicedOnPage(cust uint64, rows []model.DetailRow) {
	if !slices.ContainsFunc(rows, func(r model.DetailRow) bool { return r.Kind == model.DocOutbound }) {
		return
	}
	invoiceKind := byte(slices.Index(ReconKinds, model.DocInvoice))
	ledger := t.b(bReconLedger)
	type take struct {
		row, inv uint64
		m        model.Money
	}
	var takes []take
	var keys [][]byte
	t.eachInvoicing(cust, func(inv, ob uint64, m model.Money) {
		for i := range rows {
			if r := &rows[i]; r.Kind == model.DocOutbound && r.ID == ob {
				takes = append(takes, take{uint64(i), inv, m})
				keys = append(keys, ledgerKey(cust, invoiceKind, inv))
			}
		}
	})
	// Whether each invoice is posted: one query on PostgreSQL, not one per
	// invoice line (kv.Prefetch; nothing on bbolt).
	kv.Prefetch(ledger, keys)
	for _, tk := range takes {
		if ledger.Get(ledgerKey(cust, invoiceKind, tk.inv)) != nil {
			rows[tk.row].Remaining -= tk.m
		}
	}
}

// ReconState returns the reconciliation state of a customer's document of
// kind (unconfirmed when nothing was done yet), reading the status only.
// The caller has read the document through its scope.
func (t *Tx) ReconState(kind model.DocType, cust, id uint64) model.Status {
	return t.reconState(kind, cust, id)
}
