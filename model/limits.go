package model

import (
	"errors"
	"math/bits"
	"regexp"
	"time"
)

// Bounds (业务上限) of every quantity, price and amount the portal accepts.
// They are business ranges far above any real order, chosen so that the
// int64 arithmetic on bounded values cannot wrap: MaxQty × MaxPrice is
// 10^18 milli-cents (int64 holds 9.2 × 10^18), a tax split multiplies an
// amount of at most MaxAmount by 10^4, and a document of MaxLines lines
// of MaxAmount each sums to 2 × 10^13 cents. Input beyond them is refused
// at its field (RangeError); the checked helpers below turn any overflow
// into ErrOverflow instead of a wrapped number, and the integrity check
// reports stored figures outside them.
const (
	// MaxQty is the largest quantity of one line (or one stock figure):
	// 1,000,000 units.
	MaxQty Qty = 1_000_000 * QtyScale
	// MaxPrice is the largest unit price: ¥10,000,000.00.
	MaxPrice Money = 10_000_000_00
	// MaxAmount is the largest single amount: a line, a document's total,
	// a receipt, a write-off, a credit limit: ¥1,000,000,000.00.
	MaxAmount Money = 1_000_000_000_00
	// MaxBalance is the largest running figure of a customer (each part of
	// the balance, the credit exposure, an aging bucket): ¥100,000,000,000.00.
	MaxBalance Money = 100_000_000_000_00
	// MaxLines is the most lines one document (and one order form) may have.
	MaxLines = 200
	// MaxDeliveryAhead is how far after its order date a delivery (or
	// requested) date may lie.
	MaxDeliveryAhead = 2 // years
)

// MinBusinessDate and MaxBusinessDate bound every order and delivery date
// (YYYY-MM-DD): a date outside them is a typing error (0001-01-01,
// 9999-12-31), never a plan.
const (
	MinBusinessDate = "2000-01-01"
	MaxBusinessDate = "2099-12-31"
)

// ErrOverflow is the result of a checked computation whose value would
// leave its bounds (or int64): never a wrapped number.
var ErrOverflow = errors.New("amount or quantity out of range")

// RangeError refuses a value beyond its documented bound; Key and Args are
// the message for the field. errors.Is(err, ErrOverflow) holds.
type RangeError struct {
	Key  string
	Args map[string]any
}

func (e *RangeError) Error() string { return "out of range: " + e.Key }

// Is makes a RangeError an ErrOverflow.
func (e *RangeError) Is(target error) bool { return target == ErrOverflow }

func qtyRange() error {
	return &RangeError{Key: "err.qty_range", Args: map[string]any{"max": MaxQty.String()}}
}

func amountRange() error {
	return &RangeError{Key: "err.amount_range", Args: map[string]any{"max": MaxAmount.String()}}
}

// AddErr records field as invalid with the message of err when err is a
// RangeError (the bound, in the user's language), else with key.
func (v *ValidationError) AddErr(field string, err error, key string) {
	var re *RangeError
	if errors.As(err, &re) {
		v.Add(field, re.Key, re.Args)
		return
	}
	v.Add(field, key, nil)
}

// CheckQty refuses a quantity whose magnitude passes MaxQty (a RangeError).
func CheckQty(q Qty) error {
	if q > MaxQty || q < -MaxQty {
		return qtyRange()
	}
	return nil
}

// CheckPrice refuses a unit price below zero or above MaxPrice.
func CheckPrice(p Money) error {
	if p < 0 {
		return Invalid("price", "err.not_negative")
	}
	if p > MaxPrice {
		return &RangeError{Key: "err.price_range", Args: map[string]any{"max": MaxPrice.String()}}
	}
	return nil
}

// CheckAmount refuses an amount whose magnitude passes MaxAmount.
func CheckAmount(m Money) error {
	if m > MaxAmount || m < -MaxAmount {
		return amountRange()
	}
	return nil
}

// AddMoney returns a + b, or ErrOverflow when the sum wraps int64 or its
// magnitude passes MaxBalance (no figure of the portal may be larger).
func AddMoney(a, b Money) (Money, error) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) || s > MaxBalance || s < -MaxBalance {
		return 0, ErrOverflow
	}
	return s, nil
}

// SubMoney returns a − b, checked like AddMoney.
func SubMoney(a, b Money) (Money, error) {
	if b == -b && b != 0 { // math.MinInt64 has no negation
		return 0, ErrOverflow
	}
	return AddMoney(a, -b)
}

// SumMoney adds every amount, checked like AddMoney.
func SumMoney(ms ...Money) (Money, error) {
	var s Money
	for _, m := range ms {
		var err error
		if s, err = AddMoney(s, m); err != nil {
			return 0, err
		}
	}
	return s, nil
}

// AddQty returns a + b, or ErrOverflow when the sum wraps int64.
func AddQty(a, b Qty) (Qty, error) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, ErrOverflow
	}
	return s, nil
}

// LineAmount is qty × unit price rounded half away from zero to the cent
// (MulQtyPrice), refusing with a RangeError a quantity or price beyond its
// bound and a result beyond MaxAmount; the product is computed in 128 bits,
// so it can never wrap.
func LineAmount(q Qty, price Money) (Money, error) {
	if err := CheckQty(q); err != nil {
		return 0, err
	}
	if price > MaxPrice || price < -MaxPrice {
		return 0, &RangeError{Key: "err.price_range", Args: map[string]any{"max": MaxPrice.String()}}
	}
	m, ok := mulDivRound(int64(q), int64(price), QtyScale)
	if !ok || m > int64(MaxAmount) || m < -int64(MaxAmount) {
		return 0, &RangeError{Key: "err.line_amount_range", Args: map[string]any{"max": MaxAmount.String()}}
	}
	return Money(m), nil
}

// mulDivRound returns a × b ÷ d rounded half away from zero (d > 0), false
// when the result does not fit int64.
func mulDivRound(a, b, d int64) (int64, bool) {
	neg := (a < 0) != (b < 0)
	ua, ub := absU(a), absU(b)
	hi, lo := bits.Mul64(ua, ub)
	lo, carry := bits.Add64(lo, uint64(d/2), 0)
	hi += carry
	if hi >= uint64(d) {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, uint64(d))
	if q > 1<<63-1 {
		return 0, false
	}
	if neg {
		return -int64(q), true
	}
	return int64(q), true
}

func absU(n int64) uint64 {
	if n < 0 {
		return uint64(-(n + 1)) + 1
	}
	return uint64(n)
}

// CheckTotals recomputes lines' totals with checked arithmetic: each line's
// quantity, price and amount within bounds, the sums within MaxAmount. The
// error is a ValidationError at the offending line's "qty" (or "price"), or
// at "lines" for the total; lines are not changed.
func CheckTotals(lines []OrderLine) (Totals, error) {
	var t Totals
	v := &ValidationError{}
	if len(lines) > MaxLines {
		v.Add("lines", "err.too_many_lines", map[string]any{"max": MaxLines, "n": len(lines)})
		return t, v
	}
	var err error
	for i := range lines {
		l := &lines[i]
		if l.TaxRate < 0 || l.TaxRate > 10000 {
			v.Add(LineField(i, "tax_rate"), "err.tax_rate", nil)
			continue
		}
		if e := CheckQty(l.Qty); e != nil {
			v.AddErr(LineField(i, "qty"), e, "")
			continue
		}
		if e := CheckPrice(l.Price); e != nil {
			v.AddErr(LineField(i, "price"), e, "err.not_negative")
			continue
		}
		incl, e := LineAmount(l.Qty, l.Price)
		if e != nil {
			v.AddErr(LineField(i, "qty"), e, "")
			continue
		}
		excl, tax := SplitTax(incl, l.TaxRate)
		if t.Qty, err = AddQty(t.Qty, l.Qty); err != nil {
			v.AddErr("lines", qtyRange(), "")
			break
		}
		t.Amount += incl // at most MaxLines × MaxAmount: cannot wrap
		t.AmountExcl += excl
		t.Tax += tax
	}
	if len(v.Fields) == 0 && (CheckAmount(t.Amount) != nil || CheckAmount(t.AmountExcl) != nil) {
		v.Add("lines", "err.total_range", map[string]any{"max": MaxAmount.String()})
	}
	return t, v.Err()
}

// ValidPhone reports whether s has the shape of a phone number: digits,
// spaces, "+", "-" and parentheses only, with 5 to 20 digits and at most 30
// characters ("+86 (21) 5555-0100", "13800138000").
func ValidPhone(s string) bool {
	if len(s) > 30 || !phoneChars.MatchString(s) {
		return false
	}
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n >= 5 && n <= 20
}

var phoneChars = regexp.MustCompile(`^[0-9+()\- ]+$`)

// checkPhone adds "err.phone_shape" at field when a non-empty phone is not
// ValidPhone.
func checkPhone(v *ValidationError, field, phone string) {
	if phone != "" && !ValidPhone(phone) {
		v.Add(field, "err.phone_shape", nil)
	}
}

// CheckDeliveryDate checks a delivery or requested date d (YYYY-MM-DD,
// empty allowed) against the document's order date: within the business
// calendar and, when the order date is known, not before it (unless
// mayPrecede: a line taken over from an earlier order keeps its date) and
// at most MaxDeliveryAhead years after it. It adds a field error at field.
func CheckDeliveryDate(v *ValidationError, field, d, orderDate string, mayPrecede bool) {
	if d == "" {
		return
	}
	from, to := MinBusinessDate, MaxBusinessDate
	if od, err := time.Parse(DateLayout, orderDate); err == nil && CheckBusinessDate(orderDate) {
		if !mayPrecede {
			from = orderDate
		}
		to = min(to, od.AddDate(MaxDeliveryAhead, 0, 0).Format(DateLayout))
	}
	if d < from || d > to {
		v.Add(field, "err.date_range", map[string]any{"from": from, "to": to})
	}
}

// CheckBusinessDate reports whether d (YYYY-MM-DD) lies in the business
// calendar, MinBusinessDate to MaxBusinessDate.
func CheckBusinessDate(d string) bool {
	return len(d) == len(DateLayout) && d >= MinBusinessDate && d <= MaxBusinessDate
}

// businessDateErr adds the business calendar's range error at field when a
// non-empty date d lies outside it.
func businessDateErr(v *ValidationError, field, d string) {
	if d != "" && !CheckBusinessDate(d) {
		v.Add(field, "err.date_range", map[string]any{"from": MinBusinessDate, "to": MaxBusinessDate})
	}
}
