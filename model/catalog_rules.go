package model

import (
	"errors"
	"slices"
)

// Rules of catalog administration that the store applies to what it
// loaded: whether a bulk action has anything to do, and what one row of a
// catalog or price import says on its own (the look-ups of its codes are
// the store's).

// AlreadyDone reports whether a document in status s is already where
// action of machine m leads (a bulk audit skips audited records rather than
// refusing them). False for an action m does not know.
func AlreadyDone(m Machine, action string, s Status) bool {
	tr := m.Find(action)
	return tr != nil && tr.To == s
}

// CatalogImportRow is one row of a catalog import as its cells say: the
// codes to look up and the entry's own fields (a draft).
type CatalogImportRow struct {
	ProductCode, CategoryCode string
	Entry                     CatalogEntry
	Customers, Groups, Orgs   []string
}

// ReadCatalogImportRow reads row n of a catalog import (idx from
// MapHeader) and returns the problems its cells show alone: product and
// category codes required, quantities that parse and are not negative
// (RangeError bounds named), a yes/no for show_list_price.
func ReadCatalogImportRow(row []string, idx map[string]int, n int) (CatalogImportRow, []ImportError) {
	var errs []ImportError
	r := CatalogImportRow{Entry: CatalogEntry{Doc: Doc{Status: StatusDraft}}}
	r.ProductCode, r.CategoryCode = CodeCell(row, idx, "product_code"), CodeCell(row, idx, "category_code")
	if r.ProductCode == "" {
		errs = append(errs, ImportError{Row: n, Column: "product_code", Key: "err.required"})
	}
	if r.CategoryCode == "" {
		errs = append(errs, ImportError{Row: n, Column: "category_code", Key: "err.required"})
	}
	r.Entry.Title, r.Entry.Description = Cell(row, idx, "title"), Cell(row, idx, "description")
	for _, q := range []struct {
		col string
		dst *Qty
	}{{"min_qty", &r.Entry.MinQty}, {"multiple", &r.Entry.Multiple}} {
		if s := CodeCell(row, idx, q.col); s != "" {
			v, err := ParseQty(s)
			if err != nil || v < 0 {
				errs = append(errs, CellError(n, q.col, err, "err.qty_invalid"))
			} else {
				*q.dst = v
			}
		}
	}
	if b, ok := ParseYesNo(CodeCell(row, idx, "show_list_price")); ok {
		r.Entry.ShowListPrice = b
	} else {
		errs = append(errs, ImportError{Row: n, Column: "show_list_price", Key: "err.yes_no"})
	}
	r.Customers = SplitCodes(CodeCell(row, idx, "customers"))
	r.Groups = SplitCodes(CodeCell(row, idx, "groups"))
	r.Orgs = SplitCodes(CodeCell(row, idx, "org_units"))
	return r, errs
}

// PriceImportRow is one row of a price import as its cells say: the codes
// to look up and the record's own fields (a draft).
type PriceImportRow struct {
	CustomerCode, GroupCode, ProductCode string
	Record                               PriceRecord
}

// ReadPriceImportRow reads row n of a price import and returns the
// problems its cells show alone: exactly one of customer and group code,
// a product code, a price that parses and is not negative, a minimum
// quantity that parses.
func ReadPriceImportRow(row []string, idx map[string]int, n int) (PriceImportRow, []ImportError) {
	var errs []ImportError
	r := PriceImportRow{Record: PriceRecord{Doc: Doc{Status: StatusDraft}}}
	r.CustomerCode, r.GroupCode = CodeCell(row, idx, "customer_code"), CodeCell(row, idx, "group_code")
	if (r.CustomerCode == "") == (r.GroupCode == "") {
		errs = append(errs, ImportError{Row: n, Column: "customer_code", Key: "err.price_target"})
	}
	if r.ProductCode = CodeCell(row, idx, "product_code"); r.ProductCode == "" {
		errs = append(errs, ImportError{Row: n, Column: "product_code", Key: "err.required"})
	}
	if s := CodeCell(row, idx, "price"); s == "" {
		errs = append(errs, ImportError{Row: n, Column: "price", Key: "err.required"})
	} else if m, err := ParseMoney(s); err != nil || m < 0 {
		errs = append(errs, CellError(n, "price", err, "err.money"))
	} else {
		r.Record.Price = m
	}
	if s := CodeCell(row, idx, "min_qty"); s != "" {
		if q, err := ParseQty(s); err != nil || q < 0 {
			errs = append(errs, CellError(n, "min_qty", err, "err.qty_invalid"))
		} else {
			r.Record.MinQty = q
		}
	}
	r.Record.From, r.Record.To, r.Record.Remarks = CodeCell(row, idx, "from"), CodeCell(row, idx, "to"), Cell(row, idx, "remarks")
	return r, errs
}

// CellError is the problem of a cell that did not parse: the bound for a
// value beyond it (RangeError), key otherwise.
func CellError(n int, col string, err error, key string) ImportError {
	var re *RangeError
	if errors.As(err, &re) {
		return ImportError{Row: n, Column: col, Key: re.Key, Args: re.Args}
	}
	return ImportError{Row: n, Column: col, Key: key}
}

// SortImportErrors orders one row's problems by their column's place in
// cols (a file reads left to right), keeping the order within a column.
func SortImportErrors(cols []ImportColumn, errs []ImportError) {
	at := func(col string) int {
		return slices.IndexFunc(cols, func(c ImportColumn) bool { return c.Key == col })
	}
	slices.SortStableFunc(errs, func(a, b ImportError) int { return at(a.Column) - at(b.Column) })
}

// RowChecks adds to errs the record's own checks (check: its Validate)
// when the row has no problem yet, as problems of row n.
func RowChecks(errs []ImportError, n int, check func() error) []ImportError {
	if len(errs) > 0 {
		return errs
	}
	var ve *ValidationError
	if err := check(); errors.As(err, &ve) {
		for _, f := range ve.Fields {
			errs = append(errs, ImportError{Row: n, Column: f.Field, Key: f.Key, Args: f.Args})
		}
	}
	return errs
}

// ImportAllowed says whether a planned import may be written: a file with
// a problem only when the user chose its good rows only (goodOnly), and
// never one without a good row. The refusal is a ValidationError at
// "file".
func ImportAllowed(problems, good int, goodOnly bool) error {
	if problems > 0 && !goodOnly || good == 0 {
		return Invalid("file", "err.import_has_errors")
	}
	return nil
}

// StocktakeImportDate checks the date typed for an imported stocktake
// against today (both YYYY-MM-DD): required, a date, not in the future.
// It returns the date as stored, or a ValidationError at "date".
func StocktakeImportDate(raw, today string) (string, error) {
	date, err := ParseDate(raw)
	switch {
	case err != nil:
		return "", Invalid("date", "err.ch_date")
	case date == "":
		return "", Invalid("date", "err.required")
	case date > today:
		return "", Invalid("date", "err.ch_date_future")
	}
	return date, nil
}

// MayOrderAgain says whether u may order a past order again (再次订货): a
// dealer user who may order, into a new draft (toDraft) or, when it may
// also shop, into its cart.
func MayOrderAgain(u *User, toDraft bool) bool {
	return u != nil && u.Kind == KindDealer && u.Can(PermOrder) && (toDraft || u.Can(PermShop))
}
