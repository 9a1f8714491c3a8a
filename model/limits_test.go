package model

import (
	"errors"
	"math"
	"testing"
	"time"
)

// The bounds leave int64 room: bounded inputs cannot wrap.
func TestBoundsFitInt64(t *testing.T) {
	if int64(MaxQty) > math.MaxInt64/int64(MaxPrice) {
		t.Error("MaxQty × MaxPrice overflows int64")
	}
	if int64(MaxAmount) > math.MaxInt64/10000 {
		t.Error("a tax split of MaxAmount overflows int64")
	}
	if int64(MaxAmount) > math.MaxInt64/MaxLines {
		t.Error("MaxLines lines of MaxAmount overflow int64")
	}
	if int64(MaxBalance) > math.MaxInt64/4 {
		t.Error("the four parts of an exposure overflow int64")
	}
}

func TestParseBounds(t *testing.T) {
	for _, c := range []struct {
		in      string
		wantErr bool
	}{
		{"1000000", false},
		{"1000000.001", true},
		{"-1000000.001", true},
		{"7816000000000", true}, // the reported order
		{"999999999999999", true},
	} {
		_, err := ParseQty(c.in)
		if (err != nil) != c.wantErr {
			t.Errorf("ParseQty(%q): %v", c.in, err)
		}
		if c.wantErr && !errors.Is(err, ErrOverflow) {
			t.Errorf("ParseQty(%q): %v is not a range error", c.in, err)
		}
	}
	if _, err := ParseMoney("1000000000.01"); !errors.Is(err, ErrOverflow) {
		t.Errorf("ParseMoney beyond MaxAmount: %v", err)
	}
	if _, err := ParseMoney("abc"); err == nil || errors.Is(err, ErrOverflow) {
		t.Errorf("ParseMoney(abc): %v", err)
	}
	v := &ValidationError{}
	_, err := ParseQty("7816000000000")
	v.AddErr("qty", err, "err.qty_invalid")
	_, err = ParseQty("x")
	v.AddErr("other", err, "err.qty_invalid")
	if v.Fields[0].Key != "err.qty_range" || v.Fields[0].Args["max"] != "1000000" || v.Fields[1].Key != "err.qty_invalid" {
		t.Errorf("field errors %+v", v.Fields)
	}
}

func TestCheckedArithmetic(t *testing.T) {
	cases := []struct {
		name    string
		f       func() (Money, error)
		want    Money
		wantErr bool
	}{
		{"add", func() (Money, error) { return AddMoney(100, 250) }, 350, false},
		{"add negative", func() (Money, error) { return AddMoney(100, -250) }, -150, false},
		{"add to MaxBalance", func() (Money, error) { return AddMoney(MaxBalance-1, 1) }, MaxBalance, false},
		{"add past MaxBalance", func() (Money, error) { return AddMoney(MaxBalance, 1) }, 0, true},
		{"add wraps", func() (Money, error) { return AddMoney(math.MaxInt64, 1) }, 0, true},
		{"add wraps below", func() (Money, error) { return AddMoney(math.MinInt64, -1) }, 0, true},
		{"sub", func() (Money, error) { return SubMoney(100, 250) }, -150, false},
		{"sub min int", func() (Money, error) { return SubMoney(0, math.MinInt64) }, 0, true},
		{"sum", func() (Money, error) { return SumMoney(1, 2, 3) }, 6, false},
		{"sum past", func() (Money, error) { return SumMoney(MaxBalance, MaxBalance) }, 0, true},
		{"line", func() (Money, error) { return LineAmount(3000, 1999) }, 5997, false},
		{"line half cent", func() (Money, error) { return LineAmount(500, 1999) }, 1000, false},
		{"line negative half cent", func() (Money, error) { return LineAmount(-500, 1999) }, -1000, false},
		{"line at MaxAmount", func() (Money, error) { return LineAmount(100*QtyScale, MaxPrice) }, MaxAmount, false},
		{"line past MaxAmount", func() (Money, error) { return LineAmount(100*QtyScale+1, MaxPrice) }, 0, true},
		{"line qty past MaxQty", func() (Money, error) { return LineAmount(MaxQty+1, 1) }, 0, true},
		{"line price past MaxPrice", func() (Money, error) { return LineAmount(1, MaxPrice+1) }, 0, true},
		{"the reported order", func() (Money, error) { return LineAmount(7816000000000*QtyScale, 118000) }, 0, true},
	}
	for _, c := range cases {
		got, err := c.f()
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("%s: %v, %v; want %v (error %v)", c.name, got, err, c.want, c.wantErr)
		}
		if err != nil && !errors.Is(err, ErrOverflow) {
			t.Errorf("%s: %v is not ErrOverflow", c.name, err)
		}
	}
	if q, err := AddQty(math.MaxInt64, 1); err == nil {
		t.Errorf("AddQty wraps to %v", q)
	}
	// Unchecked products never wrap either: the reported order's product
	// is computed exactly (it wrapped in 64 bits), and a result beyond
	// int64 pins to the limit.
	if m := MulQtyPrice(7816000000000*QtyScale, 118000); m != 922288000000000000 {
		t.Errorf("MulQtyPrice %v", m)
	}
	if m := MulQtyPrice(math.MaxInt64/2, 1_000_000_000); m != math.MaxInt64 {
		t.Errorf("MulQtyPrice pinned %v", m)
	}
	if m := MulQtyPrice(-math.MaxInt64/2, 1_000_000_000); m != math.MinInt64 {
		t.Errorf("MulQtyPrice pinned %v", m)
	}
}

func TestSumLinesBounds(t *testing.T) {
	line := func(q Qty, p Money) OrderLine { return OrderLine{Qty: q, Price: p, TaxRate: 1300} }
	many := make([]OrderLine, MaxLines)
	for i := range many {
		many[i] = line(100*QtyScale, MaxPrice) // MaxAmount each
	}
	cases := []struct {
		name  string
		lines []OrderLine
		field string
		key   string
	}{
		{"fine", []OrderLine{line(2000, 11800), line(1000, 500)}, "", ""},
		{"the reported order", []OrderLine{line(7816000000000*QtyScale, 118000)}, "line.0.qty", "err.qty_range"},
		{"qty just past", []OrderLine{line(1000, 100), line(MaxQty+1, 100)}, "line.1.qty", "err.qty_range"},
		{"price past", []OrderLine{line(1000, MaxPrice+1)}, "line.0.price", "err.price_range"},
		{"negative price", []OrderLine{line(1000, -1)}, "line.0.price", "err.not_negative"},
		{"line amount past", []OrderLine{line(MaxQty, MaxPrice)}, "line.0.qty", "err.line_amount_range"},
		{"total past", []OrderLine{line(100*QtyScale, MaxPrice), line(1000, 100)}, "lines", "err.total_range"},
		{"max lines of max amount", many, "lines", "err.total_range"},
		{"too many lines", make([]OrderLine, MaxLines+5), "lines", "err.too_many_lines"},
	}
	for _, c := range cases {
		tot, err := SumLines(c.lines)
		if c.field == "" {
			if err != nil || tot.Amount != 24100 || tot.Qty != 3000 {
				t.Errorf("%s: %+v, %v", c.name, tot, err)
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Field != c.field || ve.Fields[0].Key != c.key {
			t.Errorf("%s: %v, want %s at %s", c.name, err, c.key, c.field)
		}
		if tot != (Totals{}) {
			t.Errorf("%s: totals %+v set beside an error", c.name, tot)
		}
	}
}

func TestCreditCheckFailsClosed(t *testing.T) {
	wrapped := Money(-1607483316929823) // the reported order's total
	cases := []struct {
		name                    string
		limit, exposure, amount Money
		want                    bool
	}{
		{"within", 100000, 50000, 50000, false},
		{"past", 100000, 50000, 50001, true},
		{"no limit", 0, 50000, MaxAmount, false},
		{"negative amount", 100000, 0, wrapped, true},
		{"amount past MaxAmount", 100000, 0, MaxAmount + 1, true},
		{"exposure wrapped negative", 100000, wrapped, 1200_00, true},
		{"exposure past MaxBalance", 100000, -MaxBalance - 1, 1200_00, true},
		{"sum wraps", 100000, math.MinInt64, -1, true},
	}
	// A wrapped exposure is refused before it reaches CreditExceeded.
	if _, err := CreditExposure(0, 0, 0, wrapped*10); err == nil {
		t.Error("exposure from a wrapped open-orders figure")
	}
	for _, c := range cases {
		if got := CreditExceeded(c.limit, c.exposure, c.amount); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	b := &CustomerBalance{OpenOrders: -MaxBalance - 1}
	if b.Check() == nil {
		t.Error("balance beyond MaxBalance passes")
	}
	if _, err := b.Exposure(); err == nil {
		t.Error("exposure of a balance beyond MaxBalance")
	}
}

func TestValidPhone(t *testing.T) {
	for in, want := range map[string]bool{
		"13800138000":                     true,
		"+86 (21) 5555-0100":              true,
		"021-5555 0100":                   true,
		"12345":                           true,
		"1234":                            false, // too few digits
		"-----":                           false, // no digits at all
		"(+)- ()":                         false,
		"123456789012345678901":           false, // 21 digits
		"call me":                         false,
		"138 0013 8000 ext. 12":           false,
		"１３８００１３８０００":                     false, // full-width: not the shape
		"1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6": false, // over 30 characters
	} {
		if got := ValidPhone(in); got != want {
			t.Errorf("ValidPhone(%q) = %v", in, got)
		}
	}
	o := &OnlineOrder{Phone: "-----", RequestedDate: "2026-04-01", OrderDate: "2026-03-15", Lines: []OrderLine{{Qty: 1000, Price: 100}}}
	if err := o.Validate(); err == nil || !err.(*ValidationError).Has("phone") {
		t.Errorf("order phone: %v", err)
	}
	sr := &ServiceRequest{Contact: "x", Phone: "abc", ProblemType: ProblemTypes[0], Priority: "normal", Description: "d"}
	if err := sr.Validate(); err == nil || !err.(*ValidationError).Has("phone") {
		t.Errorf("service request phone: %v", err)
	}
}

func TestDeliveryDates(t *testing.T) {
	cases := []struct {
		name, orderDate, date string
		mayPrecede            bool
		ok                    bool
	}{
		{"same day", "2026-03-15", "2026-03-15", false, true},
		{"two years ahead", "2026-03-15", "2028-03-15", false, true},
		{"past two years", "2026-03-15", "2028-03-16", false, false},
		{"before the order", "2026-03-15", "2026-03-14", false, false},
		{"before, taken over", "2026-03-15", "2026-03-01", true, true},
		{"year one", "2026-03-15", "0001-01-01", false, false},
		{"year one, taken over", "2026-03-15", "0001-01-01", true, false},
		{"year 9999", "2026-03-15", "9999-12-31", false, false},
		{"no order date, 9999", "", "9999-12-31", false, false},
		{"no order date, 0001", "", "0001-01-01", false, false},
		{"no order date, fine", "", "2030-01-01", false, true},
		{"empty", "2026-03-15", "", false, true},
	}
	for _, c := range cases {
		v := &ValidationError{}
		CheckDeliveryDate(v, "d", c.date, c.orderDate, c.mayPrecede)
		if (len(v.Fields) == 0) != c.ok {
			t.Errorf("%s: %+v", c.name, v.Fields)
		}
		if !c.ok && v.Fields[0].Key != "err.date_range" {
			t.Errorf("%s: key %s", c.name, v.Fields[0].Key)
		}
	}
	for _, d := range []string{"0001-01-01", "9999-12-31"} {
		o := &OnlineOrder{RequestedDate: d, OrderDate: "2026-03-15", Lines: []OrderLine{{Qty: 1000, Price: 100, DeliveryDate: d}}}
		err := o.Validate()
		ve, _ := err.(*ValidationError)
		if ve == nil || !ve.Has("requested_date") || !ve.Has("line.0.delivery") {
			t.Errorf("online order with %s: %v", d, err)
		}
		so := &SalesOrder{CustomerID: 1, OrderDate: "2026-03-15", DeliveryDate: d,
			Lines: []SalesOrderLine{{OrderLine: OrderLine{Qty: 1000, Price: 100, DeliveryDate: d}}}}
		err = so.Validate()
		ve, _ = err.(*ValidationError)
		if ve == nil || !ve.Has("delivery_date") || !ve.Has("line.0.delivery") {
			t.Errorf("sales order with %s: %v", d, err)
		}
		so.OrderDate = d
		if err, _ := so.Validate().(*ValidationError); err == nil || !err.Has("order_date") {
			t.Errorf("sales order dated %s: %v", d, err)
		}
	}
}

func TestChangeRequestBounds(t *testing.T) {
	so := &SalesOrder{OrderDate: "2026-03-15", Lines: []SalesOrderLine{{OrderLine: OrderLine{No: 1, Qty: 1000, Price: 100}}}}
	big, price := MaxQty+1, MaxPrice
	r := &ChangeRequest{Lines: []ChangeLine{{Line: 1, NewQty: &big}}}
	if _, err := ApplyChange(so, r, nil, nil, "s", time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)); err == nil || !err.(*ValidationError).Has("line.0.new_qty") {
		t.Errorf("qty beyond MaxQty: %v", err)
	}
	q := MaxQty
	r = &ChangeRequest{Lines: []ChangeLine{{Line: 1, NewQty: &q, NewPrice: &price}}}
	if _, err := ApplyChange(so, r, nil, nil, "s", time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)); err == nil || !err.(*ValidationError).Has("line.0.new_qty") {
		t.Errorf("line amount beyond MaxAmount: %v", err)
	}
	if so.Lines[0].Qty != 1000 || so.Lines[0].Price != 100 || len(so.Lines[0].Changes) != 0 {
		t.Errorf("order changed by a refused request: %+v", so.Lines[0])
	}
}
