package handlers

import (
	"encoding/json"
	"errors"
	"strconv"

	"dealerportal/model"
)

// The API's value conventions. Money is an integer number of cents (分):
// 1234 is ¥12.34, never a float, bounded as in the UI. A quantity is a JSON
// number in units with at most three decimals (12.5), read exactly, never
// through a float; inside it is model.Qty in milli-units.

// apiQty is a quantity on the wire.
type apiQty = json.Number

// qtyJSON renders a quantity as a JSON number of units.
func qtyJSON(q model.Qty) apiQty { return apiQty(q.String()) }

// readQty parses a quantity of the field at path ("lines[0].qty") into
// milli-units, recording a field error with the UI's message when it is
// not a number of at most three decimals or out of bounds.
func readQty(n apiQty, path string, ve *model.ValidationError) model.Qty {
	q, err := model.ParseQty(string(n))
	if err != nil {
		var re *model.RangeError
		if errors.As(err, &re) {
			ve.Add(path, re.Key, re.Args)
		} else {
			ve.Add(path, "err.qty_invalid", nil)
		}
		return 0
	}
	return q
}

// readMoney checks an amount in cents with one of the UI's checks
// (model.CheckAmount, model.CheckPrice…), recording its refusal at path.
func readMoney(cents int64, path string, check func(model.Money) error, ve *model.ValidationError) model.Money {
	m := model.Money(cents)
	if err := check(m); err != nil {
		addAt(ve, path, err)
		return 0
	}
	return m
}

// addAt records a check's refusal (a RangeError, or a ValidationError of
// one field) as the error of the field at path.
func addAt(ve *model.ValidationError, path string, err error) {
	var re *model.RangeError
	var fe *model.ValidationError
	switch {
	case errors.As(err, &re):
		ve.Add(path, re.Key, re.Args)
	case errors.As(err, &fe) && len(fe.Fields) > 0:
		ve.Add(path, fe.Fields[0].Key, fe.Fields[0].Args)
	default:
		ve.Add(path, "err.invalid", nil)
	}
}

// itemPath names a field of the i-th element of a list: itemPath("lines",
// 2, "qty") is "lines[2].qty".
func itemPath(list string, i int, field string) string {
	return list + "[" + strconv.Itoa(i) + "]." + field
}
