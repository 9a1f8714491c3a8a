package store

import (
	"bytes"
	"strings"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// The balance reports (账户余额汇总表 / 账户余额明细表) and the statement
// read what the postings maintain; nothing here recomputes the history of
// every customer.
//
//   - As the documents stand (no as-of date, or today and later), the
//     summary reads each customer's maintained figures (balance_figures.go:
//     one compact record with the position and the open invoice amounts by
//     date, aged with three string comparisons per day).
//   - For an as-of date in the past, the figures of a customer are
//     recomputed from that customer's own ledger: its rows of the ledger
//     index (recon_ledger.go: one compact row per posted outbound, invoice
//     and receipt document, one key prefix; no document or summary is
//     decoded) and its write-off records (another prefix) — model.Ledger.At. Only the customers on the page shown are
//     read (the totals row then sums that page; an export reads every
//     matching customer).
//   - The balance detail of one customer reads that customer's ledger with
//     its invoices and refunds decoded (which outbound each invoice took
//     from, which receipts each refund paid back) — model.Ledger.DetailFor.
//
// Summary and detail share model.Ledger's arithmetic, and verify compares
// both with a recomputation from the decoded documents, to the cent.

// BalanceFilter narrows the balance summary. AsOf "" means as the
// documents stand; NonZero hides customers with nothing open (current
// figures only).
type BalanceFilter struct {
	OrgUnitID  uint64
	Q          string
	CustomerID uint64
	AsOf       string
	NonZero    bool
}

// BalanceRow is one customer's line of the summary: its card
// (customer_cards.go, nil on the totals row) and figures.
type BalanceRow struct {
	Customer *CustomerCard
	model.Position
	Aging model.Aging
}

// BalanceSummary is the summary report: the page's rows, the totals, how
// many customers match, and whether the totals cover only the page (a past
// as-of date).
type BalanceSummary struct {
	Rows          []BalanceRow
	Totals        BalanceRow
	Count         int
	AsOf          string // the day the figures are for (today when current)
	Current       bool
	PageTotalOnly bool
}

func (r *BalanceRow) add(o *BalanceRow) {
	r.Uninvoiced += o.Uninvoiced
	r.InvoicedReceivable += o.InvoicedReceivable
	r.ReceiptBalance += o.ReceiptBalance
	r.Aging.Add(o.Aging)
}

func (r *BalanceRow) zero() bool {
	return r.Uninvoiced == 0 && r.InvoicedReceivable == 0 && r.ReceiptBalance == 0 && r.Aging.Total() == 0
}

// balanceCustomers lists the ids of the customers in sc matching f, in code
// order, reading only the customer index.
func (t *Tx) balanceCustomers(sc Scope, f BalanceFilter) []uint64 {
	if f.CustomerID != 0 {
		if t.AllowsCustomer(sc, f.CustomerID) {
			return []uint64{f.CustomerID}
		}
		return nil
	}
	var orgSet map[uint64]bool
	if f.OrgUnitID != 0 {
		orgSet = map[uint64]bool{}
		for _, id := range t.OrgTree().Subtree(f.OrgUnitID) {
			orgSet[id] = true
		}
	}
	q := []byte(reconLower(f.Q))
	vals, _ := scanIndex(t.b(bCustomersByCode), nil, Page{}, func(_, v []byte) bool {
		s := decodeSummary(v)
		return sc.allowsSummary(s.id, s) && (orgSet == nil || orgSet[s.org]) &&
			(len(q) == 0 || bytes.Contains([]byte(s.search), q))
	})
	ids := make([]uint64, len(vals))
	for i, v := range vals {
		ids[i] = decodeSummary(v).id
	}
	return ids
}

// BalanceSummary returns the summary of the customers in sc matching f:
// the rows of page p (all with p.Limit 0) and the totals. See the file
// comment for how current and past figures are read.
func (t *Tx) BalanceSummary(sc Scope, f BalanceFilter, p Page) (*BalanceSummary, error) {
	today := t.Today()
	out := &BalanceSummary{AsOf: f.AsOf, Current: f.AsOf == "" || f.AsOf >= today}
	if out.Current {
		out.AsOf = today
	}
	cut := model.CutoffsOn(today)
	if out.Current && p.Limit > 0 {
		if units, ok := t.orgReach(sc, f); ok {
			return out, t.summaryFromTotals(out, units, p, cut)
		}
	}
	ids := t.balanceCustomers(sc, f)
	row := func(id uint64) (BalanceRow, error) {
		if out.Current {
			fg := t.figures(id)
			return BalanceRow{Position: fg.pos, Aging: fg.aging(cut)}, nil
		}
		l, err := t.customerLedger(id, false)
		if err != nil {
			return BalanceRow{}, err
		}
		pos, ag := l.At(f.AsOf, today)
		return BalanceRow{Position: pos, Aging: ag}, nil
	}
	inPage := func(i int) bool { return i >= p.Offset && (p.Limit <= 0 || i < p.Offset+p.Limit) }
	if out.Current {
		n := 0
		for _, id := range ids {
			r, _ := row(id)
			if f.NonZero && r.zero() {
				continue
			}
			out.Totals.add(&r)
			if inPage(n) {
				c, err := t.cardOf(id)
				if err != nil {
					return nil, err
				}
				r.Customer = c
				out.Rows = append(out.Rows, r)
			}
			n++
		}
		out.Count = n
		return out, nil
	}
	out.Count = len(ids)
	for i, id := range ids {
		if !inPage(i) {
			continue
		}
		r, err := row(id)
		if err != nil {
			return nil, err
		}
		if r.Customer, err = t.cardOf(id); err != nil {
			return nil, err
		}
		out.Totals.add(&r)
		out.Rows = append(out.Rows, r)
	}
	out.PageTotalOnly = len(out.Rows) < out.Count
	return out, nil
}

// orgReach returns the org units whose customers a summary of scope sc
// with filter f covers, when that is all it depends on (nil: every unit):
// an admin's or org-subtree staff's scope, optionally the org filter, no
// search, no customer, no non-zero filter. ok is false otherwise.
func (t *Tx) orgReach(sc Scope, f BalanceFilter) (units map[uint64]bool, ok bool) {
	if f.Q != "" || f.CustomerID != 0 || f.NonZero || sc.customerID != 0 || sc.salesperson != 0 || !sc.all && sc.orgs == nil {
		return nil, false
	}
	if f.OrgUnitID == 0 {
		if sc.all {
			return nil, true
		}
		return sc.orgs, true
	}
	units = map[uint64]bool{}
	for _, id := range t.OrgTree().Subtree(f.OrgUnitID) {
		if sc.all || sc.orgs[id] {
			units[id] = true
		}
	}
	return units, true
}

// summaryFromTotals fills out for the customers of org units (nil: all):
// totals and count from the maintained org totals, the page's rows from the
// code index (walked only up to the page), each row's card and figures.
func (t *Tx) summaryFromTotals(out *BalanceSummary, units map[uint64]bool, p Page, cut model.AgingCutoffs) error {
	c := t.b(bBalanceOrgTotal).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if units != nil && !units[btoi(k)] || len(v) < 8 {
			continue
		}
		f, err := decodeFigures(v[8:])
		if err != nil {
			return err
		}
		out.Count += int(btoi(v))
		out.Totals.add(&BalanceRow{Position: f.pos, Aging: f.aging(cut)})
	}
	seen := 0
	var ids []uint64
	cc := t.b(bCustomersByCode).Cursor()
	for k, v := cc.First(); k != nil && len(ids) < p.Limit; k, v = cc.Next() {
		if units != nil && (len(v) < 16 || !units[btoi(v[8:])]) {
			continue
		}
		if seen++; seen <= p.Offset {
			continue
		}
		ids = append(ids, btoi(v))
	}
	// The page's cards and figures: one query each on PostgreSQL, not two
	// per row (kv.Prefetch; nothing on bbolt).
	keys := make([][]byte, len(ids))
	for i, id := range ids {
		keys[i] = itob(id)
	}
	kv.Prefetch(t.b(bCustomerCards), keys)
	kv.Prefetch(t.b(bBalanceFigures), keys)
	for _, id := range ids {
		cu, err := t.cardOf(id)
		if err != nil {
			return err
		}
		fg := t.figures(id)
		out.Rows = append(out.Rows, BalanceRow{Customer: cu, Position: fg.pos, Aging: fg.aging(cut)})
	}
	return nil
}

// cardOf returns customer id's card, ErrNotFound without one.
func (t *Tx) cardOf(id uint64) (*CustomerCard, error) {
	c, ok := t.card(id)
	if !ok {
		return nil, model.ErrNotFound
	}
	return &c, nil
}

func reconLower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// customerLedger reads everything posted for one customer: its rows of the
// ledger index (recon_ledger.go: its audited outbounds, invoices and
// receipt documents) and its write-offs; with full, also which outbounds each invoice took from (the
// invoicing index) and which receipts each refund paid back (decoding the
// refunds, which are few).
func (t *Tx) customerLedger(cust uint64, full bool) (*model.Ledger, error) {
	docs, err := t.ledgerDocs(cust)
	if err != nil {
		return nil, err
	}
	l := &model.Ledger{Docs: docs}
	if full {
		for _, d := range docs {
			if d.Kind != model.DocRefund {
				continue
			}
			r := &model.ReceiptDoc{}
			if err := getJSON(t.b(docKinds[model.DocRefund].main), itob(d.ID), r); err != nil {
				return nil, err
			}
			for _, a := range r.Allocs {
				l.Refunds = append(l.Refunds, model.LedgerRefund{RefundID: r.ID, ReceiptType: a.Type, ReceiptID: a.ID, Amount: a.Amount})
			}
		}
	}
	if full {
		t.eachInvoicing(cust, func(inv, ob uint64, m model.Money) {
			l.Invoicing = append(l.Invoicing, model.LedgerInvoicing{InvoiceID: inv, OutboundID: ob, Amount: m})
		})
	}
	ws, err := t.customerWriteOffs(cust)
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		lw := model.LedgerWriteOff{SourceType: w.SourceType, SourceID: w.SourceID, InvoiceID: w.InvoiceID, Amount: w.Amount, Date: w.Date}
		if w.Reversed {
			lw.ReversedDate = w.ReversedDate
		}
		l.WriteOffs = append(l.WriteOffs, lw)
	}
	return l, nil
}

// BalanceDetail returns the balance detail of customer cust for [from, to]
// (either may be ""). ErrNotFound outside sc.
func (t *Tx) BalanceDetail(sc Scope, cust uint64, from, to string) (*model.Detail, error) {
	if !t.AllowsCustomer(sc, cust) {
		return nil, model.ErrNotFound
	}
	l, err := t.customerLedger(cust, true)
	if err != nil {
		return nil, err
	}
	return l.DetailFor(from, to, t.Today()), nil
}

// BalanceAt returns one customer's position and aging on asOf ("" = as the
// documents stand) computed from its ledger. ErrNotFound outside sc.
func (t *Tx) BalanceAt(sc Scope, cust uint64, asOf string) (model.Position, model.Aging, error) {
	if !t.AllowsCustomer(sc, cust) {
		return model.Position{}, model.Aging{}, model.ErrNotFound
	}
	l, err := t.customerLedger(cust, false)
	if err != nil {
		return model.Position{}, model.Aging{}, err
	}
	pos, ag := l.At(asOf, t.Today())
	return pos, ag, nil
}
