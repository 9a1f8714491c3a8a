package handlers

import (
	"strconv"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// The write-off grid (核销工作台) on /write-offs?customer=CODE: the
// customer's open sources and open invoices side by side, oldest first,
// and a form of pairs (source, invoice, amount). "Auto-match" is a plain
// GET (&match=fifo) that shows the oldest-first proposal in the form; the
// user adjusts amounts (an empty amount skips its row) or picks more pairs
// in the empty rows, and one POST /write-offs writes every pair in one
// transaction (store.PostWriteOffs), once per form token. The form carries
// the open amounts it showed ("shown"): when a document it pairs changed
// since, nothing is written and the grid comes back with the fresh figures
// (409); a refused row comes back with its message at its field (422).

const (
	// woGridLimit is how many open documents each side of the grid shows
	// (the oldest); the rest appear once these are written off.
	woGridLimit = 100
	// woBlankRows is how many empty rows the form offers for pairs picked
	// by hand.
	woBlankRows = 2
)

// woGridDoc is an open document as the grid shows it.
type woGridDoc struct {
	store.WriteOffCandidate
	// Changed: a refused post showed it with another open amount, Was.
	Changed bool
	Was     model.Money
}

// Anchor is the document's key as an id fragment ("RC-12").
func (d *woGridDoc) Anchor() string { return strings.ReplaceAll(d.Key, ":", "-") }

// Href is the document's page.
func (d *woGridDoc) Href() string {
	if d.Kind == model.DocInvoice {
		return "/invoices/" + itoa(d.ID)
	}
	return receiptBase(d.Kind) + "/" + itoa(d.ID)
}

// KindKey is the catalog key of the document's kind.
func (d *woGridDoc) KindKey() string {
	if d.Red {
		return "rc.red_invoice"
	}
	return "rc.kind." + string(d.Kind)
}

// woGridRow is one row of the form. A fixed row (proposed by auto-match)
// shows its pair as text; the others offer the pair in drop-downs.
type woGridRow struct {
	Index           int
	Fixed           bool
	Source, Invoice string // keys
	Src, Inv        *woGridDoc
	Amount          string // as typed
}

// woGrid is the grid of one customer.
type woGrid struct {
	Sources, Invoices []*woGridDoc
	Rows              []woGridRow
	// RowCount is the number of row slots the form posts (its last index + 1).
	RowCount int
	// Shown is what the form tells the post about the open amounts it showed.
	Shown string
	// Truncated: a side has more open documents than Limit, the number shown.
	Truncated bool
	Limit     int
	// Filled: the form holds pairs (proposed or typed), so it can be cleared.
	Filled bool
	// Changes lists what changed since the grid was shown, when a post was
	// refused for that.
	Changes []model.OpenChange
}

// woSide is one side of the grid as its table shows it: the open sources
// (receipts, advance receipts and red invoices' credit, each with its
// kind) or the open invoices.
type woSide struct {
	V *View
	// ID is the table's element id; Caption the catalog key of its caption.
	ID, Caption string
	Docs        []*woGridDoc
	// Kinds: the side holds documents of several kinds, each named.
	Kinds bool
}

// Side is the grid's side "sources" or "invoices" (anything else), shown
// with v.
func (g *woGrid) Side(v *View, side string) woSide {
	if side == "sources" {
		return woSide{V: v, ID: "open-sources", Caption: "rc.open_sources", Docs: g.Sources, Kinds: true}
	}
	return woSide{V: v, ID: "open-invoices", Caption: "rc.open_invoices", Docs: g.Invoices}
}

// woPosted is a posted grid form, parsed.
type woPosted struct {
	rows  []woGridRow
	pairs []model.WriteOffPair
	// shown is nil when the form carried no open amounts.
	shown map[string]model.Money
	ve    *model.ValidationError
}

// parseWriteOffRows reads the grid form: rows "source.n", "invoice.n",
// "amount.n" (and "fixed.n") for n below "rows"; a row counts when its
// amount is filled in.
func parseWriteOffRows(c *fiber.Ctx) *woPosted {
	p := &woPosted{ve: &model.ValidationError{}}
	val := func(name string) string { return strings.TrimSpace(c.FormValue(name)) }
	if s := val("shown"); s != "" {
		p.shown = model.ParseShownOpen(s, 2*woGridLimit)
	}
	n, err := strconv.Atoi(val("rows"))
	if err != nil || n < 0 {
		n = 0
	}
	if n > model.MaxLines+woBlankRows {
		p.ve.Add("_form", "err.wog_too_many", map[string]any{"max": model.MaxLines, "n": n})
		n = model.MaxLines + woBlankRows
	}
	for i := range n {
		f := func(name string) string { return val(model.WriteOffField(i, name)) }
		p.rows = append(p.rows, woGridRow{Index: i, Fixed: f("fixed") == "1", Source: f("source"), Invoice: f("invoice"), Amount: f("amount")})
	}
	for _, r := range p.rows {
		if r.Amount == "" {
			continue
		}
		if r.Source == "" {
			p.ve.Add(model.WriteOffField(r.Index, "source"), "err.required", nil)
		}
		if r.Invoice == "" {
			p.ve.Add(model.WriteOffField(r.Index, "invoice"), "err.required", nil)
		}
		amount, err := model.ParseMoney(r.Amount)
		if err != nil {
			p.ve.AddErr(model.WriteOffField(r.Index, "amount"), err, "err.money")
			continue
		}
		p.pairs = append(p.pairs, model.WriteOffPair{Row: r.Index, Source: r.Source, Invoice: r.Invoice, Amount: amount})
	}
	return p
}

// writeOffGrid builds customer cu's grid: from the posted form when there
// is one (its rows as typed, on the fresh figures; a proposed row whose
// document is no longer open is left out), else from the oldest-first
// proposal when match=fifo asks for it, else with empty rows only.
func (h *Handler) writeOffGrid(c *fiber.Ctx, t *store.Tx, cu *model.Customer, canWrite bool, posted *woPosted) (*woGrid, error) {
	srcs, invs, err := t.WriteOffCandidates(h.scope(c), cu.ID)
	if err != nil {
		return nil, err
	}
	g := &woGrid{Limit: woGridLimit}
	if len(srcs) > woGridLimit || len(invs) > woGridLimit {
		g.Truncated = true
		srcs, invs = srcs[:min(len(srcs), woGridLimit)], invs[:min(len(invs), woGridLimit)]
	}
	byKey := map[string]*woGridDoc{}
	wrap := func(cs []store.WriteOffCandidate) []*woGridDoc {
		out := make([]*woGridDoc, len(cs))
		for i := range cs {
			out[i] = &woGridDoc{WriteOffCandidate: cs[i]}
			byKey[cs[i].Key] = out[i]
		}
		return out
	}
	g.Sources, g.Invoices = wrap(srcs), wrap(invs)
	items := func(ds []*woGridDoc) []model.WriteOffItem {
		out := make([]model.WriteOffItem, len(ds))
		for i, d := range ds {
			out[i] = d.WriteOffItem
		}
		return out
	}
	g.Shown = model.FormatShownOpen(items(g.Sources), items(g.Invoices))
	if !canWrite {
		return g, nil
	}
	switch {
	case posted != nil:
		for _, r := range posted.rows {
			r.Src, r.Inv = byKey[r.Source], byKey[r.Invoice]
			if r.Fixed && (r.Src == nil || r.Inv == nil) || !r.Fixed && r.Source == "" && r.Invoice == "" && r.Amount == "" {
				continue
			}
			g.Rows = append(g.Rows, r)
		}
	case c.Query("match") == "fifo":
		for _, p := range model.MatchOldestFirst(items(g.Sources), items(g.Invoices)) {
			g.Rows = append(g.Rows, woGridRow{Index: p.Row, Fixed: true, Source: p.Source, Invoice: p.Invoice,
				Src: byKey[p.Source], Inv: byKey[p.Invoice], Amount: p.Amount.Plain()})
		}
	}
	g.Filled = len(g.Rows) > 0
	next := 0
	if n := len(g.Rows); n > 0 {
		next = g.Rows[n-1].Index + 1
	}
	for i := 0; i < woBlankRows && next < model.MaxLines+woBlankRows; i++ {
		g.Rows = append(g.Rows, woGridRow{Index: next})
		next++
	}
	g.RowCount = next
	return g, nil
}

// markChanged flags the documents a refused post showed with other open
// amounts, and keeps the list for the message.
func (g *woGrid) markChanged(changes []model.OpenChange) {
	g.Changes = changes
	for _, ch := range changes {
		for _, d := range append(append([]*woGridDoc(nil), g.Sources...), g.Invoices...) {
			if d.Key == ch.Key {
				d.Changed, d.Was = true, ch.Was
			}
		}
	}
}
