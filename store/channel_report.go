package store

import (
	"sort"

	"dealerportal/model"
)

// The channel sales analysis (渠道销售分析报表) reads, for one customer and a
// period [from, to]: the latest stocktake on or before from (opening), the
// latest on or before to if it is later than the opening one (closing), and
// the customer's sales outbounds (net of red) posted inside the window the
// two stocktakes span (model.SellWindow) — through ListDocs filtered by the
// customer and the dates, a prefix scan of that customer's outbounds only.
// The formulas are model.ComputeSellThrough's.

// StocktakeRef names the stocktake a report used.
type StocktakeRef struct {
	ID     uint64
	Number string
	Date   string
}

// ChannelReportRow is one product of the analysis.
type ChannelReportRow struct {
	model.ProductRef
	model.SellThrough
}

// ChannelReport is the analysis of one customer. Opening or Closing is nil
// when that stocktake is missing (the rows are flagged, never zero).
type ChannelReport struct {
	Customer         *model.Customer
	From, To         string
	Opening, Closing *StocktakeRef
	// After (exclusive) and Through (inclusive) bound the received goods;
	// Days is the window's length.
	After, Through string
	Days           int
	Outbounds      int // outbound documents read
	Rows           []ChannelReportRow
	Total          model.SellThrough
}

// HasData reports whether the customer has anything in the period: a
// stocktake or a receipt.
func (r *ChannelReport) HasData() bool {
	return r.Opening != nil || r.Closing != nil || r.Outbounds > 0
}

// ChannelReport computes the analysis of customer custID for [from, to]
// (YYYY-MM-DD, from ≤ to). ErrNotFound when sc does not cover the customer.
func (t *Tx) ChannelReport(sc Scope, custID uint64, from, to string) (*ChannelReport, error) {
	cust, err := t.Customer(sc, custID)
	if err != nil {
		return nil, err
	}
	r := &ChannelReport{Customer: cust, From: from, To: to}
	var open, closing *model.Stocktake
	if s, err := t.StocktakeAtOrBefore(sc, custID, from); err == nil {
		open = s
		r.Opening = &StocktakeRef{s.ID, s.Number, s.Date}
	}
	if s, err := t.StocktakeAtOrBefore(sc, custID, to); err == nil && (open == nil || s.Date > open.Date) {
		closing = s
		r.Closing = &StocktakeRef{s.ID, s.Number, s.Date}
	}
	openDate, closeDate := "", ""
	if open != nil {
		openDate = open.Date
	}
	if closing != nil {
		closeDate = closing.Date
	}
	r.After, r.Through, r.Days = model.SellWindow(from, to, openDate, closeDate)

	type acc struct {
		ref                          model.ProductRef
		opening, received, closing   model.Qty
		inOpening, inClosing, inRecv bool
	}
	byProduct := map[uint64]*acc{}
	get := func(ref model.ProductRef) *acc {
		a := byProduct[ref.ProductID]
		if a == nil {
			a = &acc{ref: ref}
			byProduct[ref.ProductID] = a
		}
		return a
	}
	if open != nil {
		for _, l := range open.Lines {
			a := get(l.ProductRef)
			a.opening += l.Qty
			a.inOpening = true
		}
	}
	if closing != nil {
		for _, l := range closing.Lines {
			a := get(l.ProductRef)
			a.closing += l.Qty
			a.inClosing = true
			a.ref = l.ProductRef
		}
	}
	if r.After != "" && r.Through != "" && r.Days > 0 {
		sums, _, err := t.ListDocs(sc, model.DocOutbound, DocFilter{CustomerID: custID, From: model.AddDays(r.After, 1), To: r.Through}, Page{})
		if err != nil {
			return nil, err
		}
		for _, s := range sums {
			if s.Status == model.StatusDraft || s.Status == model.StatusVoid {
				continue
			}
			ob := &model.Outbound{}
			if err := t.GetDoc(sc, model.DocOutbound, s.ID, ob); err != nil {
				return nil, err
			}
			r.Outbounds++
			for _, l := range ob.Lines {
				q := l.Qty
				if ob.Red && q > 0 {
					q = -q // a red outbound returns goods, however its lines are signed
				}
				a := get(model.ProductRef{ProductID: l.ProductID, EntryID: l.EntryID, Code: l.Code, Name: l.Name, Spec: l.Spec, Unit: l.Unit})
				a.received += q
				a.inRecv = true
			}
		}
	}
	for _, a := range byProduct {
		row := ChannelReportRow{ProductRef: a.ref, SellThrough: model.ComputeSellThrough(model.SellInput{
			Opening: a.opening, Received: a.received, Closing: a.closing,
			HasOpening: open != nil, HasClosing: closing != nil, InOpening: a.inOpening, InClosing: a.inClosing, Days: r.Days,
		})}
		r.Rows = append(r.Rows, row)
	}
	sort.Slice(r.Rows, func(i, j int) bool {
		if r.Rows[i].Code != r.Rows[j].Code {
			return r.Rows[i].Code < r.Rows[j].Code
		}
		return r.Rows[i].ProductID < r.Rows[j].ProductID
	})
	sts := make([]model.SellThrough, len(r.Rows))
	for i := range r.Rows {
		sts[i] = r.Rows[i].SellThrough
	}
	r.Total = model.SumSellThrough(sts, open != nil, closing != nil, r.Days)
	return r, nil
}

// ChannelReportAll computes the analysis of every customer in sc that has a
// stocktake or a receipt in the period, in customer code order, and how many
// customers in scope had nothing. Each report keeps its rows (the caller may
// show only the totals).
func (t *Tx) ChannelReportAll(sc Scope, from, to string) ([]*ChannelReport, int, error) {
	var out []*ChannelReport
	empty := 0
	for _, id := range t.CustomerIDs(sc) {
		r, err := t.ChannelReport(sc, id, from, to)
		if err != nil {
			return nil, 0, err
		}
		if !r.HasData() {
			empty++
			continue
		}
		out = append(out, r)
	}
	return out, empty, nil
}
