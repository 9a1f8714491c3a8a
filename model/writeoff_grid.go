package model

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The write-off grid (核销工作台): a customer's open sources — receipts
// (收款单), advance receipts (预收单) and the credit of red invoices — on one
// side, its open blue invoices on the other, and the pairs (source,
// invoice, amount) the user posts together. These are its rules, pure:
// proposing pairs oldest first, checking the pairs a user entered against
// the open amounts, and telling which open amounts changed since the grid
// was shown. Posting a pair is the store's ApplyWriteOff, one record per
// pair, all pairs in one transaction.

// WriteOffItem is an open document as the grid matches it: a source or an
// invoice, named by its key (WriteOffKey), with its date and what it has
// open (positive).
type WriteOffItem struct {
	Key  string
	Date string
	Open Money
}

// WriteOffPair is one row of the grid: Amount of source Source applied to
// invoice Invoice (both keys). Row is the row's number on the form, which
// names its fields in errors (WriteOffField).
type WriteOffPair struct {
	Row     int
	Source  string
	Invoice string
	Amount  Money
}

// WriteOffKey names a document in the grid: its type and id, "RC:12".
func WriteOffKey(kind DocType, id uint64) string {
	return string(kind) + ":" + strconv.FormatUint(id, 10)
}

// ParseWriteOffKey reads a key made by WriteOffKey; ok is false for
// anything else.
func ParseWriteOffKey(key string) (kind DocType, id uint64, ok bool) {
	k, n, found := strings.Cut(key, ":")
	if !found || k == "" {
		return "", 0, false
	}
	id, err := strconv.ParseUint(n, 10, 64)
	if err != nil || id == 0 {
		return "", 0, false
	}
	return DocType(k), id, true
}

// WriteOffField is the form field of row's part name ("source", "invoice",
// "amount"): "amount.3".
func WriteOffField(row int, name string) string { return name + "." + strconv.Itoa(row) }

// sortOldestFirst orders items by date; items of one date keep their order.
func sortOldestFirst(items []WriteOffItem) []WriteOffItem {
	out := append([]WriteOffItem(nil), items...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}

// MatchOldestFirst proposes the grid's pairs first in, first out: the
// oldest source against the oldest invoice, each pair the smaller of what
// the two have left, splitting a source over several invoices and an
// invoice over several sources, until either side runs out. Items of one
// date keep the order they are given in (the store gives receipts, then
// advance receipts, then red invoices, each by id); items with nothing open
// are skipped. Rows are numbered from 0.
func MatchOldestFirst(sources, invoices []WriteOffItem) []WriteOffPair {
	src, inv := sortOldestFirst(sources), sortOldestFirst(invoices)
	var out []WriteOffPair
	i, j := 0, 0
	var srcLeft, invLeft Money
	if len(src) > 0 {
		srcLeft = src[0].Open
	}
	if len(inv) > 0 {
		invLeft = inv[0].Open
	}
	for i < len(src) && j < len(inv) {
		switch {
		case srcLeft <= 0:
			if i++; i < len(src) {
				srcLeft = src[i].Open
			}
		case invLeft <= 0:
			if j++; j < len(inv) {
				invLeft = inv[j].Open
			}
		default:
			a := min(srcLeft, invLeft)
			out = append(out, WriteOffPair{Row: len(out), Source: src[i].Key, Invoice: inv[j].Key, Amount: a})
			srcLeft -= a
			invLeft -= a
		}
	}
	return out
}

// CheckWriteOffPairs checks the pairs a user entered against what is open
// now, in row order, the way posting them one after the other would: each
// source and invoice must be open (otherwise "source.n" / "invoice.n":
// err.recon_nothing_open), a pair may appear once ("invoice.n":
// err.wog_pair_twice), each amount must be positive and within
// MaxAmount, and the amounts of the rows so far must fit what each source
// and invoice has open ("amount.n": err.recon_amount_max, with what the row
// could still take). At least one pair ("_form": err.wog_no_pairs) and at
// most MaxLines ("_form": err.wog_too_many).
// Sums are checked (AddMoney): no figure wraps. It returns a
// ValidationError naming every offending row, or nil.
func CheckWriteOffPairs(sources, invoices []WriteOffItem, pairs []WriteOffPair) error {
	ve := &ValidationError{}
	switch {
	case len(pairs) == 0:
		ve.Add("_form", "err.wog_no_pairs", nil)
	case len(pairs) > MaxLines:
		ve.Add("_form", "err.wog_too_many", map[string]any{"max": MaxLines, "n": len(pairs)})
	}
	if err := ve.Err(); err != nil {
		return err
	}
	open := map[string]Money{}
	for _, it := range sources {
		open["s|"+it.Key] = it.Open
	}
	for _, it := range invoices {
		open["i|"+it.Key] = it.Open
	}
	used := map[string]Money{}
	seen := map[[2]string]bool{}
	for _, p := range pairs {
		sk, ik := "s|"+p.Source, "i|"+p.Invoice
		sOpen, sOK := open[sk]
		iOpen, iOK := open[ik]
		bad := false
		if !sOK || sOpen <= 0 {
			ve.Add(WriteOffField(p.Row, "source"), "err.recon_nothing_open", nil)
			bad = true
		}
		if !iOK || iOpen <= 0 {
			ve.Add(WriteOffField(p.Row, "invoice"), "err.recon_nothing_open", nil)
			bad = true
		} else if pair := [2]string{p.Source, p.Invoice}; seen[pair] {
			ve.Add(WriteOffField(p.Row, "invoice"), "err.wog_pair_twice", nil)
			bad = true
		} else {
			seen[pair] = true
		}
		af := WriteOffField(p.Row, "amount")
		switch {
		case p.Amount <= 0:
			ve.Add(af, "err.recon_amount_positive", nil)
			bad = true
		case CheckAmount(p.Amount) != nil:
			ve.AddErr(af, CheckAmount(p.Amount), "")
			bad = true
		}
		if bad {
			continue
		}
		sUsed, err1 := AddMoney(used[sk], p.Amount)
		iUsed, err2 := AddMoney(used[ik], p.Amount)
		if err1 != nil || err2 != nil || sUsed > sOpen || iUsed > iOpen {
			room := max(0, min(sOpen-used[sk], iOpen-used[ik]))
			ve.Add(af, "err.recon_amount_max", map[string]any{"max": room.String()})
			continue
		}
		used[sk], used[ik] = sUsed, iUsed
	}
	return ve.Err()
}

// OpenChange is a document whose open amount is not what the grid showed:
// Was as shown, Now as it stands (zero when nothing is open any more).
// Number is the document's number, for the message (the store fills it).
type OpenChange struct {
	Key    string
	Number string
	Was    Money
	Now    Money
}

// OpenChangedError refuses a grid whose figures are stale: a document it
// pairs was written off, refunded or unaudited since the grid was shown.
// Nothing is posted; the user sees the fresh figures and posts again.
type OpenChangedError struct {
	Changes []OpenChange
}

func (e *OpenChangedError) Error() string {
	keys := make([]string, len(e.Changes))
	for i, c := range e.Changes {
		keys[i] = c.Key
	}
	return "open amounts changed: " + strings.Join(keys, ", ")
}

// ChangedOpenAmounts compares what the grid showed (shown: key → open
// amount) with what is open now, for the documents the pairs use, in the
// order the pairs first name them. A document the grid did not show is not
// compared (CheckWriteOffPairs judges it).
func ChangedOpenAmounts(shown map[string]Money, sources, invoices []WriteOffItem, pairs []WriteOffPair) []OpenChange {
	now := map[string]Money{}
	for _, it := range sources {
		now[it.Key] = it.Open
	}
	for _, it := range invoices {
		now[it.Key] = it.Open
	}
	var out []OpenChange
	done := map[string]bool{}
	for _, p := range pairs {
		for _, k := range []string{p.Source, p.Invoice} {
			was, ok := shown[k]
			if !ok || done[k] {
				continue
			}
			done[k] = true
			if n := now[k]; n != was {
				out = append(out, OpenChange{Key: k, Was: was, Now: n})
			}
		}
	}
	return out
}

// FormatShownOpen writes the open amounts a grid shows into one form value
// ("RC:12=10000;IV:3=2500", amounts in cents), so that the post can tell
// what changed (ParseShownOpen).
func FormatShownOpen(items ...[]WriteOffItem) string {
	var b strings.Builder
	for _, list := range items {
		for _, it := range list {
			if b.Len() > 0 {
				b.WriteByte(';')
			}
			b.WriteString(it.Key + "=" + strconv.FormatInt(int64(it.Open), 10))
		}
	}
	return b.String()
}

// ParseShownOpen reads FormatShownOpen's value; malformed entries are
// left out (their documents are then not compared), and at most limit
// entries are read.
func ParseShownOpen(s string, limit int) map[string]Money {
	out := map[string]Money{}
	for part := range strings.SplitSeq(s, ";") {
		if len(out) >= limit {
			break
		}
		k, v, ok := strings.Cut(part, "=")
		if _, _, valid := ParseWriteOffKey(k); !ok || !valid {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || CheckAmount(Money(n)) != nil {
			continue
		}
		out[k] = Money(n)
	}
	return out
}

// WriteOffLineProblem is what is wrong with a pushed write-off's line
// against invoice inv of customer invCustomer, for a write-off of
// customer cust whose earlier lines name the invoices earlier: the message
// key ("" when nothing). An invoice of another customer, or one named
// twice, is refused.
func WriteOffLineProblem(cust, inv, invCustomer uint64, earlier []uint64) string {
	switch {
	case invCustomer != cust:
		return "api.err_fin_other_customer"
	case slices.Contains(earlier, inv):
		return "api.err_fin_line_twice"
	}
	return ""
}
