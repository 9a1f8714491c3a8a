package model

import "time"

// Channel sales analysis (渠道销售分析报表, SPEC §2.7), as pure functions:
//
//	sold            = opening + received − closing
//	sell-through    = sold ÷ (opening + received)         (动销率)
//	days of stock   = closing ÷ (sold ÷ days in period)   = closing × days ÷ sold
//
// Quantities stay integer milli-units. The rate is an integer in basis
// points (1 bp = 0.01 %, so 10000 = 100 %) and days of stock an integer in
// tenths of a day, both rounded half away from zero: no float anywhere, and
// the display divides. A figure that cannot be computed is not shown as
// zero: the row says so with a flag.

// SellFlag marks what is doubtful or unknown about a row of the analysis.
type SellFlag uint16

const (
	// FlagNoOpening: no stocktake on or before the period's start; opening
	// stock, sold and the rate are unknown.
	FlagNoOpening SellFlag = 1 << iota
	// FlagNoClosing: no stocktake after the opening one up to the period's
	// end; closing stock, sold and the rate are unknown.
	FlagNoClosing
	// FlagNotInOpening: the opening stocktake does not list the product;
	// its opening stock is taken as 0.
	FlagNotInOpening
	// FlagNotInClosing: the closing stocktake does not list the product;
	// its closing stock is taken as 0.
	FlagNotInClosing
	// FlagNegativeSold: closing exceeds opening + received — unreported
	// receipts, cross-territory inflow (串货) or a counting error.
	FlagNegativeSold
	// FlagNoBase: opening + received is not above zero; no rate.
	FlagNoBase
	// FlagNoSales: nothing (or less than nothing) sold; no days of stock.
	FlagNoSales
)

// SellFlags lists every flag with its name (catalog key "sell.flag.<name>"),
// in display order.
var SellFlags = []struct {
	Flag SellFlag
	Name string
}{
	{FlagNoOpening, "no_opening"}, {FlagNoClosing, "no_closing"},
	{FlagNotInOpening, "not_in_opening"}, {FlagNotInClosing, "not_in_closing"},
	{FlagNegativeSold, "negative_sold"}, {FlagNoBase, "no_base"}, {FlagNoSales, "no_sales"},
}

// Names returns the names of the flags set, in display order.
func (f SellFlag) Names() []string {
	var out []string
	for _, x := range SellFlags {
		if f&x.Flag != 0 {
			out = append(out, x.Name)
		}
	}
	return out
}

// Warning reports whether a flag asks the reader to look at the data (as
// opposed to "nothing sold", which is merely a fact).
func (f SellFlag) Warning() bool { return f&^(FlagNoSales|FlagNoBase) != 0 }

// SellInput is one product's figures for the period. HasOpening and
// HasClosing say whether the stocktakes exist at all; InOpening and
// InClosing whether they list the product.
type SellInput struct {
	Opening, Received, Closing Qty
	HasOpening, HasClosing     bool
	InOpening, InClosing       bool
	Days                       int
}

// SellThrough is one computed row (or the totals).
type SellThrough struct {
	Opening, Received, Closing Qty
	// Sold is valid when Known (both stocktakes exist).
	Sold  Qty
	Known bool
	// RateBP is the sell-through rate in basis points, valid when RateOK.
	RateBP int64
	RateOK bool
	// DaysTenths is the days of stock in tenths of a day, valid when DaysOK.
	DaysTenths int64
	DaysOK     bool
	Days       int
	Flags      SellFlag
}

// divRound divides rounding half away from zero; d must not be 0.
func divRound(n, d int64) int64 {
	if d < 0 {
		n, d = -n, -d
	}
	if n >= 0 {
		return (n + d/2) / d
	}
	return -((-n + d/2) / d)
}

// ComputeSellThrough applies the formulas to one product's figures.
func ComputeSellThrough(in SellInput) SellThrough {
	r := SellThrough{Opening: in.Opening, Received: in.Received, Closing: in.Closing, Days: in.Days}
	if !in.HasOpening {
		r.Flags |= FlagNoOpening
	} else if !in.InOpening {
		r.Flags |= FlagNotInOpening
	}
	if !in.HasClosing {
		r.Flags |= FlagNoClosing
	} else if !in.InClosing {
		r.Flags |= FlagNotInClosing
	}
	if !in.HasOpening || !in.HasClosing {
		return r
	}
	r.Known = true
	r.Sold = in.Opening + in.Received - in.Closing
	if r.Sold < 0 {
		r.Flags |= FlagNegativeSold
	}
	if base := int64(in.Opening + in.Received); base > 0 {
		r.RateBP, r.RateOK = divRound(int64(r.Sold)*10000, base), true
	} else {
		r.Flags |= FlagNoBase
	}
	if r.Sold > 0 && in.Days > 0 {
		r.DaysTenths, r.DaysOK = divRound(int64(in.Closing)*int64(in.Days)*10, int64(r.Sold)), true
	} else {
		r.Flags |= FlagNoSales
	}
	return r
}

// SumSellThrough computes the totals of rows over the same period: the
// formulas applied to the summed quantities, flagged with what the rows
// say about missing counts and negative sales (a total can look fine while
// one product's count is wrong).
func SumSellThrough(rows []SellThrough, hasOpening, hasClosing bool, days int) SellThrough {
	in := SellInput{HasOpening: hasOpening, HasClosing: hasClosing, InOpening: true, InClosing: true, Days: days}
	var flags SellFlag
	for _, r := range rows {
		in.Opening += r.Opening
		in.Received += r.Received
		in.Closing += r.Closing
		flags |= r.Flags & (FlagNotInOpening | FlagNotInClosing | FlagNegativeSold)
	}
	t := ComputeSellThrough(in)
	t.Flags |= flags
	return t
}

// SellWindow is the stretch of time the figures cover. A stocktake counts
// the stock at the end of its day, so goods received count from the day
// after the opening stocktake through the closing stocktake's day: After
// (exclusive) and Through (inclusive). Without an opening stocktake the
// window starts at from; without a closing one it ends at to. Days is the
// window's length in days (0 when the dates do not parse or are reversed).
func SellWindow(from, to, openingDate, closingDate string) (after, through string, days int) {
	after, through = openingDate, closingDate
	if after == "" {
		after = AddDays(from, -1)
	}
	if through == "" {
		through = to
	}
	return after, through, DaysBetween(after, through)
}

// AddDays moves a YYYY-MM-DD day by n days ("" when it does not parse).
func AddDays(day string, n int) string {
	t, err := time.Parse(DateLayout, day)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, n).Format(DateLayout)
}

// DaysBetween is the number of days from a to b (YYYY-MM-DD), 0 when either
// does not parse or b is before a.
func DaysBetween(a, b string) int {
	ta, err1 := time.Parse(DateLayout, a)
	tb, err2 := time.Parse(DateLayout, b)
	if err1 != nil || err2 != nil || tb.Before(ta) {
		return 0
	}
	return int(tb.Sub(ta).Hours()/24 + 0.5)
}

// FormatRate shows basis points as a percentage with one decimal: 4567 →
// "45.7%".
func FormatRate(bp int64) string { return formatFixed(divRound(bp, 10), 1) + "%" }

// FormatTenths shows tenths as a number with one decimal: 125 → "12.5".
func FormatTenths(t int64) string { return formatFixed(t, 1) }
