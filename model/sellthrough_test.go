package model

import (
	"slices"
	"testing"
)

func q(units int64) Qty { return Qty(units * QtyScale) }

func TestComputeSellThrough(t *testing.T) {
	all := SellInput{HasOpening: true, HasClosing: true, InOpening: true, InClosing: true, Days: 30}
	with := func(o, r, c Qty, mod func(*SellInput)) SellInput {
		in := all
		in.Opening, in.Received, in.Closing = o, r, c
		if mod != nil {
			mod(&in)
		}
		return in
	}
	cases := []struct {
		name    string
		in      SellInput
		sold    Qty
		known   bool
		rate    string // "" when not computable
		days    string // "" when not computable
		flags   []string
		warning bool
	}{
		{"plain", with(q(100), q(50), q(30), nil), q(120), true, "80.0%", "7.5", nil, false},
		{"all sold", with(q(10), q(0), q(0), nil), q(10), true, "100.0%", "0.0", nil, false},
		{"nothing sold", with(q(10), q(5), q(15), nil), 0, true, "0.0%", "", []string{"no_sales"}, false},
		{"negative sold", with(q(10), q(5), q(20), nil), q(-5), true, "-33.3%", "", []string{"negative_sold", "no_sales"}, true},
		{"no base", with(0, 0, 0, nil), 0, true, "", "", []string{"no_base", "no_sales"}, false},
		{"only received", with(0, q(40), q(10), nil), q(30), true, "75.0%", "10.0", nil, false},
		{"rounding half up", with(q(3), 0, q(2), nil), q(1), true, "33.3%", "60.0", nil, false},
		{"two thirds", with(q(3), 0, q(1), nil), q(2), true, "66.7%", "15.0", nil, false},
		{"fractions", with(1500, 0, 500, nil), 1000, true, "66.7%", "15.0", nil, false},
		{"no opening", with(0, q(50), q(30), func(i *SellInput) { i.HasOpening = false }), 0, false, "", "", []string{"no_opening"}, true},
		{"no closing", with(q(100), q(50), 0, func(i *SellInput) { i.HasClosing = false }), 0, false, "", "", []string{"no_closing"}, true},
		{"neither", with(0, q(50), 0, func(i *SellInput) { i.HasOpening, i.HasClosing = false, false }), 0, false, "", "", []string{"no_opening", "no_closing"}, true},
		{"not in opening", with(0, q(50), q(30), func(i *SellInput) { i.InOpening = false }), q(20), true, "40.0%", "45.0", []string{"not_in_opening"}, true},
		{"not in closing", with(q(20), q(50), 0, func(i *SellInput) { i.InClosing = false }), q(70), true, "100.0%", "0.0", []string{"not_in_closing"}, true},
		{"zero days", with(q(100), q(50), q(30), func(i *SellInput) { i.Days = 0 }), q(120), true, "80.0%", "", []string{"no_sales"}, false},
	}
	for _, c := range cases {
		r := ComputeSellThrough(c.in)
		if r.Sold != c.sold || r.Known != c.known {
			t.Errorf("%s: sold %v known %v, want %v %v", c.name, r.Sold, r.Known, c.sold, c.known)
		}
		rate := ""
		if r.RateOK {
			rate = FormatRate(r.RateBP)
		}
		days := ""
		if r.DaysOK {
			days = FormatTenths(r.DaysTenths)
		}
		if rate != c.rate || days != c.days {
			t.Errorf("%s: rate %q days %q, want %q %q", c.name, rate, days, c.rate, c.days)
		}
		if got := r.Flags.Names(); !slices.Equal(got, c.flags) {
			t.Errorf("%s: flags %v, want %v", c.name, got, c.flags)
		}
		if r.Flags.Warning() != c.warning {
			t.Errorf("%s: warning %v", c.name, r.Flags.Warning())
		}
		// A figure that cannot be computed is never a silent zero: it is flagged.
		if (!r.Known || !r.RateOK || !r.DaysOK) && r.Flags == 0 {
			t.Errorf("%s: unknown figure without a flag", c.name)
		}
	}
}

func TestSumSellThrough(t *testing.T) {
	in := func(o, r, c int64, mod func(*SellInput)) SellThrough {
		x := SellInput{Opening: q(o), Received: q(r), Closing: q(c), HasOpening: true, HasClosing: true, InOpening: true, InClosing: true, Days: 10}
		if mod != nil {
			mod(&x)
		}
		return ComputeSellThrough(x)
	}
	rows := []SellThrough{in(10, 10, 5, nil), in(0, 20, 25, nil), in(0, 5, 0, func(i *SellInput) { i.InOpening = false })}
	tot := SumSellThrough(rows, true, true, 10)
	if tot.Opening != q(10) || tot.Received != q(35) || tot.Closing != q(30) || tot.Sold != q(15) || !tot.Known {
		t.Fatalf("%+v", tot)
	}
	if FormatRate(tot.RateBP) != "33.3%" || FormatTenths(tot.DaysTenths) != "20.0" {
		t.Errorf("rate %s days %s", FormatRate(tot.RateBP), FormatTenths(tot.DaysTenths))
	}
	// The total looks fine, but one product sold less than nothing and one was
	// not counted: the totals say so.
	if got := tot.Flags.Names(); !slices.Equal(got, []string{"not_in_opening", "negative_sold"}) {
		t.Errorf("total flags %v", got)
	}
	if tot := SumSellThrough(nil, false, true, 10); tot.Known || tot.Flags&FlagNoOpening == 0 {
		t.Errorf("missing opening total: %+v", tot)
	}
}

func TestSellWindow(t *testing.T) {
	cases := []struct {
		from, to, open, close string
		after, through        string
		days                  int
	}{
		{"2026-02-01", "2026-02-28", "2026-01-31", "2026-02-28", "2026-01-31", "2026-02-28", 28},
		{"2026-01-31", "2026-02-28", "2026-01-31", "2026-02-28", "2026-01-31", "2026-02-28", 28},
		{"2026-02-01", "2026-03-10", "2026-01-20", "2026-03-01", "2026-01-20", "2026-03-01", 40},
		{"2026-02-01", "2026-02-28", "", "2026-02-28", "2026-01-31", "2026-02-28", 28},
		{"2026-02-01", "2026-02-28", "2026-01-31", "", "2026-01-31", "2026-02-28", 28},
		{"2026-02-01", "2026-02-28", "", "", "2026-01-31", "2026-02-28", 28},
		{"2024-02-01", "2024-03-01", "", "", "2024-01-31", "2024-03-01", 30}, // leap year
		{"bad", "2026-02-28", "", "", "", "2026-02-28", 0},
	}
	for _, c := range cases {
		a, th, d := SellWindow(c.from, c.to, c.open, c.close)
		if a != c.after || th != c.through || d != c.days {
			t.Errorf("%+v: %s %s %d", c, a, th, d)
		}
	}
	if DaysBetween("2026-03-10", "2026-03-01") != 0 || AddDays("2026-03-01", -1) != "2026-02-28" || AddDays("x", 1) != "" {
		t.Error("date helpers")
	}
}
