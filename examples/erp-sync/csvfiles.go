package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The ERP's export: three CSV files in one folder, UTF-8 (with or without
// the byte-order mark Excel writes), a header row naming the columns in any
// order. This program converts the values into the API's conventions
// (money in cents, quantities as exact decimals, tax rates in basis
// points); the portal checks them against its rules (bounds, codes, known
// references) and says what it refuses, field by field.

// product is a row of products.csv.
type product struct {
	line       int
	externalID string // the ERP's material code: the portal keeps it as the product's external id (and code)
	name       string
	spec       string
	unit       string
	barcode    string
	listPrice  int64 // cents, tax included
	taxRate    int64 // basis points: 1300 is 13%
	onHand     milli // the ERP's stock on hand now
	active     bool
}

// customer is a row of customers.csv.
type customer struct {
	line        int
	externalID  string // the ERP's customer id
	code        string // the portal's customer code (客户编码)
	name        string
	shortName   string
	orgUnit     string // the portal's org unit code (所属组织)
	contact     string
	phone       string
	email       string
	address     string
	taxNumber   string
	creditLimit int64 // cents; 0: no limit
}

// invoice is an open invoice of the ERP: the rows of open_invoices.csv
// that share an invoice_no, one row per line.
type invoice struct {
	line     int    // the first row's line in the file
	number   string // the ERP's invoice number: the portal's external id of the invoice
	date     string // YYYY-MM-DD
	taxNo    string // the tax invoice's number (发票号码), optional
	customer string // the customer's external id
	shipDate string // when the goods left: the sales order's and the outbound's date
	lines    []invoiceLine
}

// invoiceLine is one line of an open invoice.
type invoiceLine struct {
	line      int
	product   string // the product's external id
	qty       milli
	unitPrice int64 // cents, tax included
	amount    int64 // cents, tax included: the ERP's figure, checked by the portal
}

// readProducts reads products.csv.
func readProducts(dir string) ([]product, error) {
	t, err := readTable(dir, "products.csv", "external_id", "name", "unit", "list_price", "tax_rate")
	if err != nil {
		return nil, err
	}
	var out []product
	for i := range t.rows {
		p := product{line: t.lines[i], externalID: t.get(i, "external_id"), name: t.get(i, "name"), spec: t.get(i, "spec"),
			unit: t.get(i, "unit"), barcode: t.get(i, "barcode"), active: true}
		p.listPrice = t.money(i, "list_price")
		p.taxRate = t.percent(i, "tax_rate")
		if t.get(i, "on_hand") != "" {
			p.onHand = t.qty(i, "on_hand")
		}
		if v := t.get(i, "active"); v != "" {
			p.active = t.bool(i, "active")
		}
		out = append(out, p)
	}
	return out, t.err()
}

// readCustomers reads customers.csv.
func readCustomers(dir string) ([]customer, error) {
	t, err := readTable(dir, "customers.csv", "external_id", "code", "name", "org_unit")
	if err != nil {
		return nil, err
	}
	var out []customer
	for i := range t.rows {
		c := customer{line: t.lines[i], externalID: t.get(i, "external_id"), code: t.get(i, "code"), name: t.get(i, "name"),
			shortName: t.get(i, "short_name"), orgUnit: t.get(i, "org_unit"), contact: t.get(i, "contact"),
			phone: t.get(i, "phone"), email: t.get(i, "email"), address: t.get(i, "address"), taxNumber: t.get(i, "tax_number")}
		if t.get(i, "credit_limit") != "" {
			c.creditLimit = t.money(i, "credit_limit")
		}
		out = append(out, c)
	}
	return out, t.err()
}

// readInvoices reads open_invoices.csv and groups its rows by invoice
// number, in the order the invoices first appear. The rows of one invoice
// must agree on its header columns.
func readInvoices(dir string) ([]*invoice, error) {
	t, err := readTable(dir, "open_invoices.csv", "invoice_no", "invoice_date", "customer", "ship_date", "product", "qty", "unit_price", "amount")
	if err != nil {
		return nil, err
	}
	var out []*invoice
	byNo := map[string]*invoice{}
	for i := range t.rows {
		head := invoice{line: t.lines[i], number: t.get(i, "invoice_no"), date: t.get(i, "invoice_date"), taxNo: t.get(i, "tax_invoice_no"),
			customer: t.get(i, "customer"), shipDate: t.get(i, "ship_date")}
		inv := byNo[head.number]
		if inv == nil {
			inv = &head
			byNo[head.number] = inv
			out = append(out, inv)
		} else if inv.date != head.date || inv.taxNo != head.taxNo || inv.customer != head.customer || inv.shipDate != head.shipDate {
			t.fail(i, "invoice_no", fmt.Sprintf("the header columns differ from the invoice's first row (line %d)", inv.line))
		}
		inv.lines = append(inv.lines, invoiceLine{line: t.lines[i], product: t.get(i, "product"), qty: t.qty(i, "qty"),
			unitPrice: t.money(i, "unit_price"), amount: t.money(i, "amount")})
	}
	return out, t.err()
}

// table is one CSV file: its header and rows, and the problems found while
// converting its values.
type table struct {
	file  string
	cols  map[string]int
	rows  [][]string
	lines []int // each row's line in the file, for messages
	errs  []string
}

// readTable reads dir/file, requiring the named columns in its header.
func readTable(dir, file string, required ...string) (*table, error) {
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1 // short rows are reported below, with their line
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	t := &table{file: file, cols: map[string]int{}}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		t.cols[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, c := range required {
		if _, ok := t.cols[c]; !ok {
			return nil, fmt.Errorf("%s: the header has no column %q", file, c)
		}
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != len(header) {
			t.errs = append(t.errs, fmt.Sprintf("%s line %d: %d columns, the header has %d", file, line, len(rec), len(header)))
			continue
		}
		t.rows, t.lines = append(t.rows, rec), append(t.lines, line)
	}
	return t, nil
}

// get returns a row's value in a column, trimmed; "" when the file has no
// such column.
func (t *table) get(row int, col string) string {
	i, ok := t.cols[col]
	if !ok {
		return ""
	}
	return strings.TrimSpace(t.rows[row][i])
}

func (t *table) fail(row int, col, msg string) {
	t.errs = append(t.errs, fmt.Sprintf("%s line %d, %s %q: %s", t.file, t.lines[row], col, t.get(row, col), msg))
}

// err returns every problem of the file at once, or nil.
func (t *table) err() error {
	if len(t.errs) == 0 {
		return nil
	}
	return errors.New(strings.Join(t.errs, "\n"))
}

// money reads an amount in yuan ("1280.00", "1,280.00", "¥12.8") as cents.
func (t *table) money(row int, col string) int64 {
	s := strings.NewReplacer(",", "", "¥", "", "￥", "").Replace(t.get(row, col))
	m, err := parseDecimal(s, 2)
	if err != nil {
		t.fail(row, col, "not an amount with at most 2 decimals")
	}
	return m
}

// qty reads a quantity in units with at most three decimals.
func (t *table) qty(row int, col string) milli {
	q, err := parseDecimal(t.get(row, col), 3)
	if err != nil {
		t.fail(row, col, "not a quantity with at most 3 decimals")
	}
	return milli(q)
}

// percent reads a tax rate in percent ("13", "13%", "9.5") as basis points.
func (t *table) percent(row int, col string) int64 {
	bp, err := parseDecimal(strings.TrimSuffix(t.get(row, col), "%"), 2)
	if err != nil {
		t.fail(row, col, "not a percentage")
	}
	return bp
}

func (t *table) bool(row int, col string) bool {
	switch strings.ToLower(t.get(row, col)) {
	case "1", "true", "yes", "y", "是":
		return true
	case "0", "false", "no", "n", "否":
		return false
	}
	t.fail(row, col, "not 1/0, true/false or 是/否")
	return false
}

// parseDecimal reads a decimal number exactly, as an integer of
// 10^-places units ("12.5" with 3 places is 12500): money and quantities
// never pass through a float.
func parseDecimal(s string, places int) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if whole == "" || len(frac) > places || strings.Trim(whole+frac, "0123456789") != "" || len(whole) > 12 {
		return 0, fmt.Errorf("bad decimal %q", s)
	}
	n, _ := strconv.ParseInt(whole+frac+strings.Repeat("0", places-len(frac)), 10, 64)
	if neg {
		n = -n
	}
	return n, nil
}

// milli is a quantity in thousandths of a unit: the portal's quantities
// have at most three decimals, so sums of them stay exact.
type milli int64

// String writes the quantity as the portal reads it: "12.5", "3".
func (q milli) String() string {
	s := strconv.FormatInt(int64(q/1000), 10)
	if q < 0 && q > -1000 {
		s = "-0"
	}
	if f := int64(q % 1000); f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%03d", max(f, -f)), "0")
	}
	return s
}

// parseMilli reads a quantity the portal answered (a JSON number such as
// 12.5).
func parseMilli(n string) milli {
	q, _ := parseDecimal(n, 3)
	return milli(q)
}
