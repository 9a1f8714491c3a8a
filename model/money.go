package model

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Money is an amount in the smallest currency unit (分 / cents). Never float.
type Money int64

// Qty is a quantity in milli-units: 1.5 pieces is Qty(1500). Never float.
type Qty int64

// QtyScale is the number of milli-units in one unit.
const QtyScale = 1000

var errNumber = errors.New("bad number")

// parseFixed parses a decimal with at most `places` fraction digits into an
// integer scaled by 10^places. It accepts full-width digits, a leading sign and
// thousands separators; it refuses more fraction digits than allowed.
func parseFixed(s string, places int) (int64, error) {
	s = normalizeDigits(strings.TrimSpace(s))
	if !groupedOK(s) {
		return 0, errNumber
	}
	s = strings.ReplaceAll(s, ",", "")
	if s == "" {
		return 0, errNumber
	}
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return 0, errNumber
	}
	if len(frac) > places {
		return 0, errNumber
	}
	for len(frac) < places {
		frac += "0"
	}
	if intPart == "" {
		intPart = "0"
	}
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return 0, errNumber
		}
	}
	if len(intPart) > 15 {
		return 0, errNumber
	}
	n, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil {
		return 0, errNumber
	}
	if neg {
		n = -n
	}
	return n, nil
}

// groupedOK reports whether the thousands separators of s, if any, sit every
// three digits of the integer part. Stripping them blindly would read "12,5"
// (a decimal comma) as 125, a hundredfold amount.
func groupedOK(s string) bool {
	intPart, frac, _ := strings.Cut(strings.TrimLeft(s, "+-"), ".")
	if strings.Contains(frac, ",") {
		return false
	}
	if !strings.Contains(intPart, ",") {
		return true
	}
	groups := strings.Split(intPart, ",")
	if len(groups[0]) < 1 || len(groups[0]) > 3 {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

// normalizeDigits turns full-width digits, dot, comma and minus into ASCII so
// that input typed with a Chinese IME parses.
func normalizeDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '．' || r == '。':
			return '.'
		case r == '，':
			return ','
		case r == '－' || r == '−': // full-width hyphen-minus, U+2212 minus sign
			return '-'
		case r == '＋':
			return '+'
		}
		return r
	}, s)
}

func formatFixed(n int64, places int) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	for len(s) <= places {
		s = "0" + s
	}
	intPart, frac := s[:len(s)-places], s[len(s)-places:]
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if places > 0 {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// ParseMoney parses "1,234.5" into 123450 cents. Error when it is not a number
// or has more than two decimals; a RangeError (the bound for the field's
// message) when its magnitude passes MaxAmount.
func ParseMoney(s string) (Money, error) {
	n, err := parseFixed(s, 2)
	if err != nil {
		return 0, err
	}
	if err := CheckAmount(Money(n)); err != nil {
		return 0, err
	}
	return Money(n), nil
}

// String formats with thousands separators and two decimals: "1,234.50".
func (m Money) String() string { return formatFixed(int64(m), 2) }

// Plain formats with two decimals and no separators, for form inputs and exports.
func (m Money) Plain() string { return strings.ReplaceAll(formatFixed(int64(m), 2), ",", "") }

// MinusSign is U+2212, the sign of a negative amount shown to people (a
// typographic minus, as wide as a digit's stroke, not the hyphen "-").
const MinusSign = "\u2212"

// Format is the one way an amount is shown to people — screens, PDFs,
// messages: the sign first, then the currency symbol, then the digits with
// thousands separators and two decimals: "¥1,234.50", "−¥2,240.00" (never
// "¥-2,240.00"). An empty symbol gives "−2,240.00". Exports and form
// inputs use Plain instead (numbers a spreadsheet or a parser reads).
func (m Money) Format(symbol string) string {
	if m < 0 {
		return MinusSign + symbol + strings.TrimPrefix(m.String(), "-")
	}
	return symbol + m.String()
}

// ParseQty parses "1.5" into 1500 milli-units. Error when it is not a number
// or has more than three decimals; a RangeError when its magnitude passes
// MaxQty.
func ParseQty(s string) (Qty, error) {
	n, err := parseFixed(s, 3)
	if err != nil {
		return 0, err
	}
	if err := CheckQty(Qty(n)); err != nil {
		return 0, err
	}
	return Qty(n), nil
}

// String formats a quantity without trailing zero decimals: 1500 → "1.5".
func (q Qty) String() string {
	s := strings.ReplaceAll(formatFixed(int64(q), 3), ",", "")
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// MulQtyPrice returns qty × unit price rounded half away from zero to the
// cent, for figures already within bounds (stored documents, validated
// lines: MaxQty × MaxPrice cannot wrap). The product is taken in 128 bits;
// a result beyond int64 is pinned to the largest value of its sign, never
// wrapped, so that the bounds checks and the integrity check see it. Input
// not yet checked goes through LineAmount, which refuses it.
func MulQtyPrice(q Qty, price Money) Money {
	m, ok := mulDivRound(int64(q), int64(price), QtyScale)
	if !ok {
		if (q < 0) != (price < 0) {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return Money(m)
}
