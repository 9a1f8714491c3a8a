package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"

	"dealerportal/model"
)

// Write-offs (核销) and their reversal (反核销), and the open-items index
// they work from.
//
//   - writeoffs          customerID|id → WriteOff (a customer's history is a prefix)
//   - writeoffs_by_id    id → customerID
//   - recon_open         customerID|kind|id → open amount (8 bytes) and date: every posted
//     invoice whose open amount is not zero (blue: unpaid, red: unused
//     credit) and every posted receipt or advance receipt with an unapplied
//     amount. Aging, the write-off page and refunds read it instead of the
//     customer's documents.
//
// A write-off from a receipt lowers the receipt's unapplied amount, the
// invoice's open amount, the invoiced receivable and the receipt balance,
// and allocates the amount over the invoice's lines pro rata (the
// execution report's received amounts, model.AllocateProRata). A
// write-off from a red invoice's credit moves the amount between the two
// invoices. A reversal takes back exactly what the record says.

var (
	bWriteOffs    = []byte("writeoffs")
	bWriteOffByID = []byte("writeoffs_by_id")
	bReconOpen    = []byte("recon_open")
)

func init() { allBuckets = append(allBuckets, bWriteOffs, bWriteOffByID, bReconOpen) }

// OpenItem is an entry of the open-items index: a posted invoice with an
// open amount, or a posted receipt or advance receipt with an unapplied one.
type OpenItem struct {
	Kind   model.DocType
	ID     uint64
	Date   string
	Amount model.Money
}

// encodeOpen and decodeOpen keep an open item's value compact (the
// summary and aging read thousands of them).
func encodeOpen(open model.Money, date string) []byte { return append(itob(uint64(open)), date...) }

func decodeOpen(v []byte) (model.Money, string) {
	if len(v) < 8 {
		return 0, ""
	}
	return model.Money(int64(btoi(v))), string(v[8:])
}

func openKey(cust uint64, kind model.DocType, id uint64) []byte {
	k := append(itob(cust), kind...)
	return append(k, itob(id)...)
}

// setOpen records the open amount of a document (none when zero).
func (t *Tx) setOpen(cust uint64, kind model.DocType, id uint64, open model.Money, date string) error {
	k := openKey(cust, kind, id)
	if kind == model.DocInvoice {
		// The balance summary's dated open amounts (balance_figures.go).
		old, oldDate := decodeOpen(t.b(bReconOpen).Get(k))
		if err := t.moveOpenInvoice(cust, oldDate, old, date, open); err != nil {
			return err
		}
	}
	if open == 0 {
		return t.b(bReconOpen).Delete(k)
	}
	return t.b(bReconOpen).Put(k, encodeOpen(open, date))
}

// openItems lists a customer's open items of kind, oldest first (date, then id).
func (t *Tx) openItems(cust uint64, kind model.DocType) []OpenItem {
	var out []OpenItem
	prefix := append(itob(cust), kind...)
	c := t.b(bReconOpen).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		it := OpenItem{Kind: kind, ID: btoi(k[len(prefix):])}
		it.Amount, it.Date = decodeOpen(v)
		out = append(out, it)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Date != out[j].Date {
			return out[i].Date < out[j].Date
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// OpenItems returns customer cust's open items of the given kinds (invoices,
// receipts, advance receipts), oldest first. ErrNotFound outside sc.
func (t *Tx) OpenItems(sc Scope, cust uint64, kinds ...model.DocType) ([]OpenItem, error) {
	if !t.AllowsCustomer(sc, cust) {
		return nil, model.ErrNotFound
	}
	var out []OpenItem
	for _, k := range kinds {
		out = append(out, t.openItems(cust, k)...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out, nil
}

// currentAging ages a customer's open invoices on today.
func (t *Tx) currentAging(cust uint64, today string) model.Aging {
	var items []model.OpenItem
	for _, it := range t.openItems(cust, model.DocInvoice) {
		items = append(items, model.OpenItem{Date: it.Date, Amount: it.Amount})
	}
	return model.AgeOf(items, today)
}

// WriteOffSource names what a write-off takes from: a receipt, an advance
// receipt, or a red invoice.
type WriteOffSource struct {
	Kind model.DocType
	ID   uint64
}

// writeOffSide is a loaded source: one of rc (receipt document) or red.
type writeOffSide struct {
	rc   *model.ReceiptDoc
	red  *model.Invoice
	date string
	no   string
	open model.Money // what it can still give
}

func (t *Tx) loadSource(sc Scope, cust uint64, src WriteOffSource) (*writeOffSide, error) {
	switch src.Kind {
	case model.DocReceipt, model.DocAdvanceReceipt:
		r, err := t.ReceiptDoc(sc, src.Kind, src.ID)
		if err != nil {
			return nil, err
		}
		if r.CustomerID != cust {
			return nil, model.ErrNotFound
		}
		if !r.Posted() {
			return nil, model.Invalid("source", "err.recon_not_posted")
		}
		return &writeOffSide{rc: r, date: r.Date, no: r.Number, open: r.Unapplied()}, nil
	case model.DocInvoice:
		v, err := t.Invoice(sc, src.ID)
		if err != nil {
			return nil, err
		}
		if v.CustomerID != cust {
			return nil, model.ErrNotFound
		}
		if !v.Posted() || !v.Red {
			return nil, model.Invalid("source", "err.recon_not_posted")
		}
		return &writeOffSide{red: v, date: v.InvoiceDate, no: v.Number, open: -v.Open()}, nil
	}
	return nil, model.ErrNotFound
}

// ApplyWriteOff writes off amount of src against blue invoice invoiceID of
// customer cust. ErrNotFound when the customer or a document is outside sc
// (or belongs to another customer), field errors (model.CheckWriteOff):
// "source" / "invoice" when a document is not posted or has nothing open,
// "amount" when it is not positive or above what either side has open.
// The reconcile permission is the caller's to check.
func (t *Tx) ApplyWriteOff(sc Scope, u *model.User, cust uint64, src WriteOffSource, invoiceID uint64, amount model.Money, auto bool) (*model.WriteOff, error) {
	if !t.AllowsCustomer(sc, cust) {
		return nil, model.ErrNotFound
	}
	return t.applyWriteOff(pinned(sc, cust), u, cust, src, invoiceID, amount, auto)
}

// applyWriteOff is ApplyWriteOff once the customer is checked (sc pinned
// to it).
func (t *Tx) applyWriteOff(sc Scope, u *model.User, cust uint64, src WriteOffSource, invoiceID uint64, amount model.Money, auto bool) (*model.WriteOff, error) {
	s, err := t.loadSource(sc, cust, src)
	if err != nil {
		return nil, err
	}
	inv, err := t.Invoice(sc, invoiceID)
	if err != nil {
		return nil, err
	}
	if inv.CustomerID != cust {
		return nil, model.ErrNotFound
	}
	if err := model.CheckWriteOff(s.open, inv, amount); err != nil {
		return nil, err
	}
	w := &model.WriteOff{CustomerID: cust, SourceType: src.Kind, SourceID: src.ID, SourceNo: s.no, InvoiceID: inv.ID, InvoiceNo: inv.Number,
		Amount: amount, Date: max(t.Today(), inv.InvoiceDate, s.date), Auto: auto, By: u.Username, At: t.Now}
	if s.rc != nil {
		// Allocate over the invoice's lines so that they hold, pro rata,
		// everything received on the invoice so far.
		amounts := make([]model.Money, len(inv.Lines))
		held := make([]model.Money, len(inv.Lines))
		var paid model.Money
		for i := range inv.Lines {
			amounts[i], held[i] = inv.Lines[i].Amount, inv.Lines[i].Received
			paid += held[i]
		}
		for i, a := range model.AllocateProRata(amounts, held, paid+amount) {
			if a != 0 {
				w.Lines = append(w.Lines, model.LineAlloc{Line: i, Amount: a})
			}
		}
	}
	if err := t.moveWriteOff(sc, w, s, inv, 1); err != nil {
		return nil, err
	}
	id, err := nextID(t.b(bWriteOffs))
	if err != nil {
		return nil, err
	}
	w.ID = id
	if err := t.b(bWriteOffByID).Put(itob(id), itob(cust)); err != nil {
		return nil, err
	}
	return w, putJSON(t.b(bWriteOffs), key(cust, id), w)
}

// moveWriteOff applies (sign 1) or takes back (sign −1) write-off w between
// source s and invoice inv: their figures, the lines' received amounts on
// the invoice and its sales orders, the balances and the open items.
func (t *Tx) moveWriteOff(sc Scope, w *model.WriteOff, s *writeOffSide, inv *model.Invoice, sign model.Money) error {
	if err := t.bumpLedgerVersion(w.CustomerID); err != nil { // remaining amounts change
		return err
	}
	amt := sign * w.Amount
	inv.WrittenOff += amt
	if s.rc != nil {
		s.rc.Applied += amt
		sos := map[uint64]*model.SalesOrder{}
		for _, a := range w.Lines {
			if a.Line < 0 || a.Line >= len(inv.Lines) {
				continue
			}
			l := &inv.Lines[a.Line]
			l.Received += sign * a.Amount
			if l.Source.ID == 0 {
				continue
			}
			so := sos[l.Source.ID]
			if so == nil {
				var err error
				if so, err = t.salesOrderForFigures(sc, l.Source.ID); err != nil {
					return err
				}
				sos[so.ID] = so
			}
			if sl := so.LineByNo(l.Source.Line); sl != nil {
				sl.ReceivedAmount += sign * a.Amount
			}
		}
		if err := t.saveOrders(sc, sos); err != nil {
			return err
		}
		if err := t.AdjustBalance(w.CustomerID, func(b *model.CustomerBalance) {
			b.InvoicedReceivable -= amt
			b.ReceiptBalance -= amt
		}); err != nil {
			return err
		}
		if err := t.UpdateDoc(sc, s.rc.Kind, s.rc); err != nil {
			return err
		}
		if err := t.setOpen(w.CustomerID, s.rc.Kind, s.rc.ID, s.rc.Unapplied(), s.rc.Date); err != nil {
			return err
		}
	} else {
		s.red.WrittenOff -= amt
		if err := t.UpdateDoc(sc, docInvoice, s.red); err != nil {
			return err
		}
		if err := t.setOpen(w.CustomerID, model.DocInvoice, s.red.ID, s.red.Open(), s.red.InvoiceDate); err != nil {
			return err
		}
	}
	if err := t.UpdateDoc(sc, docInvoice, inv); err != nil {
		return err
	}
	return t.setOpen(w.CustomerID, model.DocInvoice, inv.ID, inv.Open(), inv.InvoiceDate)
}

// WriteOff returns write-off id when sc may see its customer; ErrNotFound
// otherwise.
func (t *Tx) WriteOff(sc Scope, id uint64) (*model.WriteOff, error) {
	v := t.b(bWriteOffByID).Get(itob(id))
	if v == nil {
		return nil, model.ErrNotFound
	}
	cust := btoi(v)
	if !t.AllowsCustomer(sc, cust) {
		return nil, model.ErrNotFound
	}
	w := &model.WriteOff{}
	return w, getJSON(t.b(bWriteOffs), key(cust, id), w)
}

// ReverseWriteOff (反核销) undoes write-off id exactly and keeps it as
// history, reversed from today. ErrNotFound outside sc, a StateError when
// it is already reversed (model.CanReverseWriteOff). The reconcile
// permission is the caller's to check.
func (t *Tx) ReverseWriteOff(sc Scope, u *model.User, id uint64) (*model.WriteOff, error) {
	w, err := t.WriteOff(sc, id)
	if err != nil {
		return nil, err
	}
	sc = pinned(sc, w.CustomerID)
	if err := model.CanReverseWriteOff(w); err != nil {
		return nil, err
	}
	s, err := t.loadSourceAny(sc, w)
	if err != nil {
		return nil, err
	}
	inv, err := t.Invoice(sc, w.InvoiceID)
	if err != nil {
		return nil, err
	}
	if err := t.moveWriteOff(sc, w, s, inv, -1); err != nil {
		return nil, err
	}
	w.Reversed, w.ReversedBy, w.ReversedAt, w.ReversedDate = true, u.Username, t.Now, max(t.Today(), w.Date)
	return w, putJSON(t.b(bWriteOffs), key(w.CustomerID, w.ID), w)
}

// loadSourceAny loads a write-off's source whatever it holds now.
func (t *Tx) loadSourceAny(sc Scope, w *model.WriteOff) (*writeOffSide, error) {
	if w.SourceType == model.DocInvoice {
		v, err := t.Invoice(sc, w.SourceID)
		if err != nil {
			return nil, err
		}
		return &writeOffSide{red: v}, nil
	}
	r, err := t.ReceiptDoc(sc, w.SourceType, w.SourceID)
	if err != nil {
		return nil, err
	}
	return &writeOffSide{rc: r}, nil
}

// AutoWriteOff writes off oldest first: the sources (src when given, else
// every open receipt, advance receipt and red-invoice credit of the
// customer, oldest first) against the invoices (those named, in that order,
// else every open blue invoice, oldest first), until either runs out. It
// returns the write-offs made (none is not an error). ErrNotFound outside
// sc; the reconcile permission is the caller's to check.
func (t *Tx) AutoWriteOff(sc Scope, u *model.User, cust uint64, src *WriteOffSource, invoices []uint64) ([]*model.WriteOff, error) {
	if !t.AllowsCustomer(sc, cust) {
		return nil, model.ErrNotFound
	}
	sc = pinned(sc, cust)
	var sources []WriteOffSource
	if src != nil {
		sources = []WriteOffSource{*src}
	} else {
		var items []OpenItem
		for _, k := range []model.DocType{model.DocReceipt, model.DocAdvanceReceipt} {
			items = append(items, t.openItems(cust, k)...)
		}
		for _, it := range t.openItems(cust, model.DocInvoice) {
			if it.Amount < 0 {
				items = append(items, it)
			}
		}
		sort.SliceStable(items, func(i, j int) bool { return items[i].Date < items[j].Date })
		for _, it := range items {
			sources = append(sources, WriteOffSource{it.Kind, it.ID})
		}
	}
	if len(invoices) == 0 {
		for _, it := range t.openItems(cust, model.DocInvoice) {
			if it.Amount > 0 {
				invoices = append(invoices, it.ID)
			}
		}
	}
	var out []*model.WriteOff
	for _, s := range sources {
		for _, iv := range invoices {
			side, err := t.loadSource(sc, cust, s)
			if err != nil {
				return nil, err
			}
			inv, err := t.Invoice(sc, iv)
			if err != nil {
				return nil, err
			}
			if side.open <= 0 {
				break
			}
			if !model.InvoiceOpenFor(inv, cust) {
				continue
			}
			w, err := t.applyWriteOff(sc, u, cust, s, iv, min(side.open, inv.Open()), true)
			if err != nil {
				return nil, err
			}
			out = append(out, w)
		}
	}
	return out, nil
}

// customerWriteOffs returns every write-off of a customer, oldest first.
func (t *Tx) customerWriteOffs(cust uint64) ([]*model.WriteOff, error) {
	var out []*model.WriteOff
	prefix := itob(cust)
	c := t.b(bWriteOffs).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		w := &model.WriteOff{}
		if err := json.Unmarshal(v, w); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// WriteOffFilter narrows the write-off list.
type WriteOffFilter struct {
	CustomerID uint64
	From, To   string // by write-off date
	// Active: only those in force; Reversed: only reversed ones.
	Active, Reversed bool
}

// ListWriteOffs returns one page of the write-offs in sc matching f, newest
// first, and how many match.
func (t *Tx) ListWriteOffs(sc Scope, f WriteOffFilter, p Page) ([]*model.WriteOff, int, error) {
	match := func(w *model.WriteOff) bool {
		return (f.From == "" || w.Date >= f.From) && (f.To == "" || w.Date <= f.To) &&
			(!f.Active || !w.Reversed) && (!f.Reversed || w.Reversed)
	}
	var all []*model.WriteOff
	cust := f.CustomerID
	if sc.CustomerID() != 0 {
		if cust != 0 && cust != sc.CustomerID() {
			return nil, 0, nil
		}
		cust = sc.CustomerID()
	}
	if cust != 0 {
		if !t.AllowsCustomer(sc, cust) {
			return nil, 0, nil
		}
		ws, err := t.customerWriteOffs(cust)
		if err != nil {
			return nil, 0, err
		}
		for i := len(ws) - 1; i >= 0; i-- {
			if match(ws[i]) {
				all = append(all, ws[i])
			}
		}
	} else {
		var inScope map[uint64]bool
		if !sc.IsAll() {
			inScope = map[uint64]bool{}
			for _, id := range t.CustomerIDs(sc) {
				inScope[id] = true
			}
		}
		c := t.b(bWriteOffByID).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			cu := btoi(v)
			if inScope != nil && !inScope[cu] {
				continue
			}
			w := &model.WriteOff{}
			if err := getJSON(t.b(bWriteOffs), key(cu, btoi(k)), w); err != nil {
				return nil, 0, err
			}
			if match(w) {
				all = append(all, w)
			}
		}
	}
	total := len(all)
	if p.Offset > len(all) {
		return nil, total, nil
	}
	all = all[p.Offset:]
	if p.Limit > 0 && len(all) > p.Limit {
		all = all[:p.Limit]
	}
	return all, total, nil
}

// WriteOffCandidate is an open document of the write-off grid (核销工作台)
// with what the grid shows of it.
type WriteOffCandidate struct {
	model.WriteOffItem
	Kind   model.DocType
	ID     uint64
	Number string
	// Total is the document's amount; a red invoice's as a positive credit.
	Total model.Money
	Red   bool
}

// WriteOffCandidates returns customer cust's open sources — receipts,
// advance receipts and red-invoice credit, oldest first, receipts before
// advance receipts before red invoices on one date — and its open blue
// invoices, oldest first: what a write-off can take from and apply to
// now. ErrNotFound outside sc.
func (t *Tx) WriteOffCandidates(sc Scope, cust uint64) (sources, invoices []WriteOffCandidate, err error) {
	if !t.AllowsCustomer(sc, cust) {
		return nil, nil, model.ErrNotFound
	}
	for _, k := range []model.DocType{model.DocReceipt, model.DocAdvanceReceipt} {
		for _, it := range t.openItems(cust, k) {
			r, err := t.ReceiptDoc(sc, k, it.ID)
			if err != nil {
				return nil, nil, err
			}
			if !r.Posted() || r.Unapplied() <= 0 {
				continue
			}
			sources = append(sources, WriteOffCandidate{WriteOffItem: model.WriteOffItem{Key: model.WriteOffKey(k, r.ID), Date: r.Date, Open: r.Unapplied()},
				Kind: k, ID: r.ID, Number: r.Number, Total: r.Amount})
		}
	}
	for _, it := range t.openItems(cust, model.DocInvoice) {
		v, err := t.Invoice(sc, it.ID)
		if err != nil {
			return nil, nil, err
		}
		if !v.Posted() {
			continue
		}
		c := WriteOffCandidate{WriteOffItem: model.WriteOffItem{Key: model.WriteOffKey(model.DocInvoice, v.ID), Date: v.InvoiceDate, Open: v.Open()},
			Kind: model.DocInvoice, ID: v.ID, Number: v.Number, Total: v.Totals.Amount, Red: v.Red}
		switch {
		case v.Red && v.Open() < 0:
			c.Open, c.Total = -c.Open, -c.Total
			sources = append(sources, c)
		case !v.Red && v.Open() > 0:
			invoices = append(invoices, c)
		}
	}
	sort.SliceStable(sources, func(i, j int) bool { return sources[i].Date < sources[j].Date })
	return sources, invoices, nil
}

// writeOffItems is the model's view of candidates.
func writeOffItems(cs []WriteOffCandidate) []model.WriteOffItem {
	out := make([]model.WriteOffItem, len(cs))
	for i, c := range cs {
		out[i] = c.WriteOffItem
	}
	return out
}

// writeOffDocNumber is the number of the document a grid key names, or the
// key itself when it names nothing in sc.
func (t *Tx) writeOffDocNumber(sc Scope, key string) string {
	kind, id, ok := model.ParseWriteOffKey(key)
	if !ok {
		return key
	}
	if kind == model.DocInvoice {
		if v, err := t.Invoice(sc, id); err == nil {
			return v.Number
		}
		return key
	}
	if r, err := t.ReceiptDoc(sc, kind, id); err == nil {
		return r.Number
	}
	return key
}

// PostWriteOffs writes off the pairs of a write-off grid for customer cust,
// one record per pair (ApplyWriteOff, as the API's write-off of several
// lines), in t: every pair or, on any refusal, an error and — since the
// caller's transaction then fails — none. shown holds the open amounts the
// grid showed (model.ParseShownOpen; nil when the form had none): when a
// document a pair uses has another open amount now, it is a
// *model.OpenChangedError naming each (with its number), checked before
// anything else. Then the pairs are checked together
// (model.CheckWriteOffPairs: a ValidationError at the rows' fields).
// ErrNotFound outside sc; the reconcile permission is the caller's to
// check.
func (t *Tx) PostWriteOffs(sc Scope, u *model.User, cust uint64, pairs []model.WriteOffPair, shown map[string]model.Money) ([]*model.WriteOff, error) {
	if !t.AllowsCustomer(sc, cust) {
		return nil, model.ErrNotFound
	}
	sc = pinned(sc, cust)
	sources, invoices, err := t.WriteOffCandidates(sc, cust)
	if err != nil {
		return nil, err
	}
	src, inv := writeOffItems(sources), writeOffItems(invoices)
	if shown != nil {
		if ch := model.ChangedOpenAmounts(shown, src, inv, pairs); len(ch) > 0 {
			for i := range ch {
				ch[i].Number = t.writeOffDocNumber(sc, ch[i].Key)
			}
			return nil, &model.OpenChangedError{Changes: ch}
		}
	}
	if err := model.CheckWriteOffPairs(src, inv, pairs); err != nil {
		return nil, err
	}
	made := make([]*model.WriteOff, 0, len(pairs))
	for _, p := range pairs {
		kind, sid, _ := model.ParseWriteOffKey(p.Source)
		_, iid, _ := model.ParseWriteOffKey(p.Invoice)
		w, err := t.applyWriteOff(sc, u, cust, WriteOffSource{Kind: kind, ID: sid}, iid, p.Amount, false)
		if err != nil {
			// The check above agrees with ApplyWriteOff's; should they ever
			// part, the refusal still lands on the row.
			var ve *model.ValidationError
			if errors.As(err, &ve) {
				out := &model.ValidationError{}
				for _, f := range ve.Fields {
					out.Add(model.WriteOffField(p.Row, f.Field), f.Key, f.Args)
				}
				return nil, out
			}
			return nil, err
		}
		made = append(made, w)
	}
	return made, nil
}

// WriteOffGridInput is a posted write-off grid: the customer (by id, else
// by code), its pairs and the open amounts the grid showed (nil: none).
type WriteOffGridInput struct {
	CustomerID   uint64
	CustomerCode string
	Pairs        []model.WriteOffPair
	Shown        map[string]model.Money
}

// PostWriteOffGrid is the use case "post the write-off grid": every pair
// in one transaction or none, at most once per a.Once; the customer's id.
// Errors as PostWriteOffs'. The caller checks the reconcile permission.
func (s *Store) PostWriteOffGrid(a Actor, in WriteOffGridInput) (uint64, error) {
	return s.act(a, func(t *Tx) (uint64, error) {
		cust, err := t.namedCustomer(a.Scope, in.CustomerID, in.CustomerCode, 0)
		if err != nil {
			return 0, err
		}
		if _, err := t.PostWriteOffs(pinned(a.Scope, cust), a.User, cust, in.Pairs, in.Shown); err != nil {
			return 0, err
		}
		return cust, nil
	})
}

// ReverseWriteOff is the use case "reverse a write-off" (反核销), at
// most once per a.Once: the write-off's customer. Errors as
// ReverseWriteOff's. The caller checks the reconcile permission.
func (s *Store) ReverseWriteOff(a Actor, id uint64) (uint64, error) {
	return s.act(a, func(t *Tx) (uint64, error) {
		w, err := t.ReverseWriteOff(a.Scope, a.User, id)
		if err != nil {
			return 0, err
		}
		return w.CustomerID, nil
	})
}

// WriteOffLineExt is the external id of the n-th record (from 1) of the
// write-off the ERP pushed as ext (ExtWriteOffLine).
func WriteOffLineExt(ext string, n int) string { return ext + "#" + strconv.Itoa(n) }

// WriteOffGroup returns the records of the write-off that record id
// belongs to, first first, and the write-off's external id: the records
// one API push made (ExtWriteOffLine), or the record alone with "" for one
// the UI made. ErrNotFound outside sc.
func (t *Tx) WriteOffGroup(sc Scope, id uint64) ([]*model.WriteOff, string, error) {
	w, err := t.WriteOff(sc, id)
	if err != nil {
		return nil, "", err
	}
	lineExt := t.ExternalOf(ExtWriteOffLine, id)
	cut := strings.LastIndexByte(lineExt, '#')
	if cut < 0 {
		return []*model.WriteOff{w}, "", nil
	}
	ext := lineExt[:cut]
	var out []*model.WriteOff
	for n := 1; ; n++ {
		rid := t.ExternalID(ExtWriteOffLine, WriteOffLineExt(ext, n))
		if rid == 0 {
			break
		}
		r, err := t.WriteOff(sc, rid)
		if err != nil {
			return nil, "", err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return []*model.WriteOff{w}, "", nil
	}
	return out, ext, nil
}

// ReverseWriteOffGroup is the use case "reverse a write-off of several
// records" (the API's POST /write-offs/:id/reverse): every record of the
// write-off that record id belongs to (WriteOffGroup) not yet reversed,
// last first (model.WriteOffsToReverse), each as ReverseWriteOff does for
// the UI's one record, in one transaction, at most once per a.Once. It
// returns the write-off's first record. ErrNotFound outside a.Scope, a
// StateError when none is left. The caller checks the reconcile
// permission.
func (s *Store) ReverseWriteOffGroup(a Actor, id uint64) (uint64, error) {
	return s.act(a, func(t *Tx) (uint64, error) {
		recs, _, err := t.WriteOffGroup(a.Scope, id)
		if err != nil {
			return 0, err
		}
		todo, err := model.WriteOffsToReverse(recs)
		if err != nil {
			return 0, err
		}
		for _, w := range todo {
			if _, err := t.ReverseWriteOff(a.Scope, a.User, w.ID); err != nil {
				return 0, err
			}
		}
		return recs[0].ID, nil
	})
}

// WriteOffPush is a write-off the ERP pushed (several records in one
// go), its references resolved through the client's scope: the customer,
// the source (nil: none named, for an automatic one), each line's invoice
// and, unless Auto, its amount; with the request's field names the
// refusals are put at (the source's, and each line's invoice and amount).
type WriteOffPush struct {
	Customer      uint64
	Source        *WriteOffSource
	Invoices      []uint64
	Amounts       []model.Money
	Auto          bool
	SourceField   string
	InvoiceFields []string
	AmountFields  []string
}

// WriteOffPushInput is the API's write-off push: its external id and the
// fingerprint of what it asks for, and Resolve, which reads its references
// inside the use case's transaction (a ValidationError at the request's
// fields when one does not resolve).
type WriteOffPushInput struct {
	ExternalID  string
	Fingerprint string
	Resolve     func(t *Tx) (*WriteOffPush, error)
}

// PushedDiffersError refuses a push whose external id names a document
// another request made (Number: its number; a write-off's is "#" and its
// first record's id).
type PushedDiffersError struct{ Number string }

func (e *PushedDiffersError) Error() string {
	return "external id names document " + e.Number + ", pushed with other content"
}

// PushWriteOff is the use case "the ERP pushes a write-off", the API's
// sibling of PostWriteOffGrid: its lines written off as ApplyWriteOff does
// for the UI (or oldest first as AutoWriteOff), every line or, on any
// refusal (each line's collected first), none; then its records tied to
// its external id (ExtWriteOff, ExtWriteOffLine). The same external id
// again answers what it made (created false) when the fingerprint is the
// same, else a *PushedDiffersError; an external id whose write-off is out
// of a.Scope but exists is a ValidationError at external_id. At most once
// per a.Once. It returns the write-off's first record. The caller checks
// the reconcile permission.
func (s *Store) PushWriteOff(a Actor, in WriteOffPushInput) (id uint64, created bool, err error) {
	id, err = s.act(a, func(t *Tx) (uint64, error) {
		created = false
		p, err := in.Resolve(t)
		if err != nil {
			return 0, err
		}
		if gid, was := t.ExternalDoc(ExtWriteOff, in.ExternalID); gid != 0 {
			// A write-off is no document of its own (no number, no owner
			// of its own): its external id is checked as a document's,
			// naming it by its id.
			recs, _, err := t.WriteOffGroup(a.Scope, gid)
			switch {
			case err == nil && was != in.Fingerprint:
				return 0, &PushedDiffersError{Number: "#" + strconv.FormatUint(gid, 10)}
			case err == nil:
				return recs[0].ID, nil
			case t.b(bWriteOffByID).Get(itob(gid)) != nil:
				return 0, model.Invalid("external_id", "err.duplicate")
			}
			if err := t.DropExternalID(ExtWriteOff, in.ExternalID); err != nil {
				return 0, err
			}
		}
		made, err := t.pushWriteOffs(a, p)
		if err != nil {
			return 0, err
		}
		if err := t.SetExternalDoc(ExtWriteOff, in.ExternalID, made[0].ID, in.Fingerprint); err != nil {
			return 0, err
		}
		for i, w := range made {
			if err := t.SetExternalID(ExtWriteOffLine, WriteOffLineExt(in.ExternalID, i+1), w.ID); err != nil {
				return 0, err
			}
		}
		created = true
		return made[0].ID, nil
	})
	return id, created, err
}

// pushWriteOffs writes off push p's lines (oldest first when Auto) and
// returns the records made, first first: a ValidationError at the
// request's fields, every line's refusal collected, when any is refused.
func (t *Tx) pushWriteOffs(a Actor, p *WriteOffPush) ([]*model.WriteOff, error) {
	if p.Auto {
		made, err := t.AutoWriteOff(a.Scope, a.User, p.Customer, p.Source, p.Invoices)
		if err != nil {
			return nil, renameFields(err, map[string]string{"source": p.SourceField})
		}
		if len(made) == 0 {
			return nil, model.Invalid("auto", "api.err_fin_nothing_open")
		}
		return made, nil
	}
	ve := &model.ValidationError{}
	made := make([]*model.WriteOff, 0, len(p.Invoices))
	for i, inv := range p.Invoices {
		w, err := t.ApplyWriteOff(a.Scope, a.User, p.Customer, *p.Source, inv, p.Amounts[i], false)
		if err != nil {
			err = renameFields(err, map[string]string{"source": p.SourceField, "invoice": p.InvoiceFields[i], "amount": p.AmountFields[i]})
			if lve, ok := err.(*model.ValidationError); ok {
				for _, f := range lve.Fields {
					ve.Add(f.Field, f.Key, f.Args)
				}
				continue
			}
			return nil, err
		}
		made = append(made, w)
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	return made, nil
}

// renameFields puts a ValidationError's fields named in names at the
// names' values; other errors stay as they are.
func renameFields(err error, names map[string]string) error {
	return renameBy(err, func(f string) string {
		if n, ok := names[f]; ok {
			return n
		}
		return f
	})
}
