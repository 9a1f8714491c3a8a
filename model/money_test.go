package model

import (
	"math"
	"strings"
	"testing"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in      string
		want    Money
		wantErr bool
	}{
		{"0", 0, false},
		{"1", 100, false},
		{"1.5", 150, false},
		{"1.50", 150, false},
		{"1.05", 105, false},
		{".5", 50, false},
		{"5.", 500, false},
		{"1,234.5", 123450, false},
		{"1,234,567.89", 123456789, false},
		{"  12.34  ", 1234, false},
		{"+12.34", 1234, false},
		{"-12.34", -1234, false},
		{"-0.01", -1, false},
		{"-0", 0, false},
		{"007", 700, false},
		{"1,000,000,000.00", 100000000000, false}, // MaxAmount
		{"-1,000,000,000.00", -100000000000, false},
		{"1000000000.01", 0, true}, // beyond MaxAmount
		{"999999999999999.99", 0, true},
		// Full-width input from a Chinese IME.
		{"１２３．４", 12340, false},
		{"１，２３４．５６", 123456, false},
		{"－１２", -1200, false},
		{"＋３", 300, false},
		{"１２。５", 1250, false},
		// Refused.
		{"", 0, true},
		{"   ", 0, true},
		{"-", 0, true},
		{"+", 0, true},
		{".", 0, true},
		{"-.", 0, true},
		{"1.234", 0, true},            // too many decimals
		{"0.001", 0, true},            // too many decimals
		{"1.2.3", 0, true},            // two points
		{"abc", 0, true},              // garbage
		{"12abc", 0, true},            // trailing garbage
		{"1e3", 0, true},              // no exponents
		{"1 000", 0, true},            // inner space
		{"--1", 0, true},              // double sign
		{"+-1", 0, true},              // mixed signs
		{"1-", 0, true},               // sign at the end
		{"¥12", 0, true},              // currency symbol
		{"0x10", 0, true},             // hex
		{"1.-5", 0, true},             // sign in the fraction
		{"NaN", 0, true},              // not a number
		{"Inf", 0, true},              // not a number
		{"1000000000000000", 0, true}, // 16 integer digits: too big
		// Misplaced separators: "12,5" is a European decimal comma, not 1250.
		{"12,5", 0, true},
		{"1,23", 0, true},
		{"1,2345", 0, true},
		{",123", 0, true},
		{"1234,567", 0, true},
		{"1,234,56", 0, true},
		{"1,234.5,6", 0, true},
		{"１２，５", 0, true},
		{"-1,234.5", -123450, false},
		{"12,345,678", 1234567800, false},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseMoney(%q) = %d, want error", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseMoney(%q) error %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseMoney(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestMoneyString(t *testing.T) {
	tests := []struct {
		in         Money
		str, plain string
	}{
		{0, "0.00", "0.00"},
		{1, "0.01", "0.01"},
		{10, "0.10", "0.10"},
		{99, "0.99", "0.99"},
		{100, "1.00", "1.00"},
		{123450, "1,234.50", "1234.50"},
		{99999, "999.99", "999.99"},
		{100000, "1,000.00", "1000.00"},
		{12345678, "123,456.78", "123456.78"},
		{123456789, "1,234,567.89", "1234567.89"},
		{-1, "-0.01", "-0.01"},
		{-123450, "-1,234.50", "-1234.50"},
		{-100000, "-1,000.00", "-1000.00"},
		{-12345678, "-123,456.78", "-123456.78"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.str {
			t.Errorf("Money(%d).String() = %q, want %q", tt.in, got, tt.str)
		}
		if got := tt.in.Plain(); got != tt.plain {
			t.Errorf("Money(%d).Plain() = %q, want %q", tt.in, got, tt.plain)
		}
		// What is shown can be typed back in.
		for _, s := range []string{tt.str, tt.plain} {
			back, err := ParseMoney(s)
			if err != nil || back != tt.in {
				t.Errorf("ParseMoney(%q) = %d, %v; want %d", s, back, err, tt.in)
			}
		}
	}
}

func TestParseQty(t *testing.T) {
	tests := []struct {
		in      string
		want    Qty
		wantErr bool
	}{
		{"0", 0, false},
		{"1", 1000, false},
		{"1.5", 1500, false},
		{"0.001", 1, false},
		{"1.234", 1234, false},
		{"1,000", 1000000, false},
		{"-2.5", -2500, false},
		{"１．２５", 1250, false},
		{" 3 ", 3000, false},
		{"1.2345", 0, true},
		{"", 0, true},
		{"x", 0, true},
		{"1.2.3", 0, true},
		{"1/2", 0, true},
		{"1000000", 1_000_000_000, false}, // MaxQty
		{"-1000000", -1_000_000_000, false},
		{"1000000.001", 0, true}, // beyond MaxQty
		{"7816000000000", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseQty(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseQty(%q) = %d, want error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseQty(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestQtyString(t *testing.T) {
	tests := []struct {
		in   Qty
		want string
	}{
		{0, "0"},
		{1, "0.001"},
		{10, "0.01"},
		{100, "0.1"},
		{1000, "1"},
		{1500, "1.5"},
		{1230, "1.23"},
		{10000, "10"},
		{100000, "100"},
		{1234567, "1234.567"}, // no thousands separator in quantities
		{-1500, "-1.5"},
		{-1000, "-1"},
		{-1, "-0.001"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Qty(%d).String() = %q, want %q", tt.in, got, tt.want)
		}
		if back, err := ParseQty(tt.want); err != nil || back != tt.in {
			t.Errorf("ParseQty(%q) = %d, %v; want %d", tt.want, back, err, tt.in)
		}
	}
}

func TestMulQtyPrice(t *testing.T) {
	tests := []struct {
		name  string
		q     Qty
		price Money
		want  Money
	}{
		{"zero qty", 0, 1999, 0},
		{"zero price", 1500, 0, 0},
		{"whole", 3000, 1999, 5997},
		{"half unit", 500, 1999, 1000},       // 999.5 → 1000
		{"half unit exact", 500, 2000, 1000}, // 1000
		{"round down", 333, 100, 33},         // 33.3 → 33
		{"round up", 337, 100, 34},           // 33.7 → 34
		{"half away up", 5, 100, 1},          // 0.5 → 1
		{"below half", 4, 100, 0},            // 0.4 → 0
		{"1.5 x 0.01", 1500, 1, 2},           // 1.5 → 2
		{"2.5 x 0.01", 2500, 1, 3},           // 2.5 → 3 (not banker's 2)
		{"neg qty half", -500, 1999, -1000},  // -999.5 → -1000
		{"neg price half", 2500, -1, -3},     // -2.5 → -3
		{"neg both", -2500, -1, 3},           // 2.5 → 3
		{"neg below half", -4, 100, 0},       // -0.4 → 0
		{"neg above half", -6, 100, -1},      // -0.6 → -1
		{"neg half exact", -5, 100, -1},      // -0.5 → -1
		{"milli qty", 1, 123456, 123},        // 123.456 → 123
		{"large", 1000000 * QtyScale, 9999, 9999000000},
	}
	for _, tt := range tests {
		if got := MulQtyPrice(tt.q, tt.price); got != tt.want {
			t.Errorf("%s: MulQtyPrice(%d, %d) = %d, want %d", tt.name, tt.q, tt.price, got, tt.want)
		}
	}
}

func TestFormatFixedExtremes(t *testing.T) {
	// The largest amounts still format with separators and do not panic.
	if got := Money(math.MaxInt64).String(); got != "92,233,720,368,547,758.07" {
		t.Errorf("max money = %q", got)
	}
}

// FuzzParseMoney: whatever parses, formats back to the same amount, and
// parsing never panics.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"0", "1,234.56", "-0.01", "１２３．４", "12,5", "999999999999999.99", "+.5", "--", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			return
		}
		for _, out := range []string{m.String(), m.Plain()} {
			if back, err := ParseMoney(out); err != nil || back != m {
				t.Fatalf("ParseMoney(%q) = %d, formatted %q parses to %d, %v", s, m, out, back, err)
			}
		}
		q, err := ParseQty(s)
		if err != nil || Qty(m)*10 != q {
			t.Fatalf("ParseQty(%q) = %d, %v; money %d", s, q, err, m)
		}
	})
}

// TestMoneyFormat: the sign comes before the currency symbol, as U+2212,
// and what is shown (without the symbol) can be typed back in.
func TestMoneyFormat(t *testing.T) {
	for _, tt := range []struct {
		in   Money
		sym  string
		want string
	}{
		{0, "¥", "¥0.00"},
		{123450, "¥", "¥1,234.50"},
		{-224000, "¥", "−¥2,240.00"},
		{-1, "¥", "−¥0.01"},
		{12345678901, "¥", "¥123,456,789.01"},
		{-12345678901, "US$", "−US$123,456,789.01"},
		{-224000, "", "−2,240.00"},
	} {
		got := tt.in.Format(tt.sym)
		if got != tt.want {
			t.Errorf("Money(%d).Format(%q) = %q, want %q", tt.in, tt.sym, got, tt.want)
		}
		if strings.Contains(got, "-") {
			t.Errorf("%q holds a hyphen-minus", got)
		}
		if back, err := ParseMoney(strings.Replace(got, tt.sym, "", 1)); err != nil || back != tt.in {
			t.Errorf("ParseMoney(%q without the symbol) = %d, %v", got, back, err)
		}
	}
	s := DefaultSettings()
	if got := s.Money(-224000); got != "−¥2,240.00" {
		t.Errorf("Settings.Money = %q", got)
	}
}
