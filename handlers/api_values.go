package handlers

import (
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
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

// renamed rewrites the field names of a model's or store's validation error
// ("org_unit_id", "qty.12") into the request's JSON paths ("org_unit",
// "lines[0].qty"); other errors pass unchanged.
func renamed(err error, rename func(string) string) error {
	var ve *model.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	out := &model.ValidationError{}
	for _, f := range ve.Fields {
		out.Add(rename(f.Field), f.Key, f.Args)
	}
	return out
}

// renamedBy is renamed by a table: a name not in it stays.
func renamedBy(err error, names map[string]string) error {
	return renamed(err, func(f string) string {
		if n, ok := names[f]; ok {
			return n
		}
		return f
	})
}

// maxExternalID bounds an external id (it travels in paths too).
const maxExternalID = 100

// validExternalID reports whether ext can be an external id of master
// data: 1 to 100 characters of valid UTF-8, without control characters or
// surrounding spaces (which would make two ids look alike).
func validExternalID(ext string) bool {
	return ext != "" && utf8.ValidString(ext) && utf8.RuneCountInString(ext) <= maxExternalID && strings.TrimSpace(ext) == ext &&
		strings.IndexFunc(ext, unicode.IsControl) < 0
}

// extParam reads the path parameter name as an external id,
// percent-decoded (an id may hold characters a path segment must escape)
// and copied out of Fiber's reused buffer. One that cannot be an external
// id names no record: a 404.
func extParam(c *fiber.Ctx, name string) (string, error) {
	ext, err := url.PathUnescape(c.Params(name))
	if err != nil || !validExternalID(ext) {
		return "", model.ErrNotFound
	}
	return strings.Clone(ext), nil
}

// docExternalID checks a pushed document's external id (the ERP's number)
// at path, surrounding spaces dropped: 1 to 100 characters without control
// characters; required unless told (refusing it empty), key is the
// family's code for a control character. It returns the id trimmed.
func docExternalID(ext, path string, required bool, key string, ve *model.ValidationError) string {
	ext = strings.TrimSpace(ext)
	switch {
	case ext == "":
		if required {
			ve.Add(path, "err.required", nil)
		}
	case utf8.RuneCountInString(ext) > maxExternalID:
		ve.Add(path, "err.too_long", map[string]any{"max": maxExternalID})
	case !utf8.ValidString(ext) || strings.IndexFunc(ext, unicode.IsControl) >= 0:
		ve.Add(path, key, nil)
	}
	return ext
}

// docPathID is the id of the document a read's path names: :id, or the id
// that :external_id maps to in kind; ErrNotFound when it names none.
func docPathID(c *fiber.Ctx, t *store.Tx, kind string) (uint64, error) {
	if c.Params("external_id") == "" {
		return idParam(c, "id")
	}
	ext, err := extParam(c, "external_id")
	if err != nil {
		return 0, err
	}
	if id := t.ExternalID(kind, ext); id != 0 {
		return id, nil
	}
	return 0, model.ErrNotFound
}

// readLimit reads a list's limit query parameter: 1 to most, def when it
// is absent; out of range is a field error at limit.
func readLimit(c *fiber.Ctx, def, most int, ve *model.ValidationError) int {
	s := c.Query("limit")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > most {
		ve.Add("limit", "err.range", map[string]any{"min": 1, "max": most})
	}
	return n
}
