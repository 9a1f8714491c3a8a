package handlers

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dealerportal/model"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
	"golang.org/x/text/width"
)

// Import files (CSV or XLSX) are read into a table of strings here; the
// store checks the rows. CSV may be UTF-8 (with or without the BOM Excel
// writes) or GBK/GB18030 (what Excel saves on Chinese Windows), separated by
// commas, semicolons or tabs.

// maxImportBytes is the largest import file accepted.
const maxImportBytes = 10 << 20

// errTable is a problem of the whole file, shown at the file field.
func errTable(key string) error { return model.Invalid("file", key) }

// readTable reads an uploaded CSV or XLSX file into rows of cells, by its
// name's extension and content. Errors are field errors on "file".
func readTable(name string, data []byte) ([][]string, error) {
	if len(data) == 0 {
		return nil, errTable("err.import_empty")
	}
	if len(data) > maxImportBytes {
		return nil, errTable("err.file_too_big")
	}
	ext := strings.ToLower(path.Ext(name))
	isZip := bytes.HasPrefix(data, []byte("PK\x03\x04"))
	switch {
	case ext == ".xlsx" || isZip:
		if !isZip {
			return nil, errTable("err.import_format")
		}
		return readXLSX(data)
	case ext == ".csv" || ext == ".txt" || ext == "":
		return readCSV(data)
	}
	return nil, errTable("err.import_format")
}

// decodeText returns data as UTF-8: without a BOM when it is UTF-8, else
// decoded from GB18030 (a superset of GBK and GB2312).
func decodeText(data []byte) (string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if utf8.Valid(data) {
		return string(data), nil
	}
	if bytes.HasPrefix(data, []byte("\xff\xfe")) || bytes.HasPrefix(data, []byte("\xfe\xff")) {
		return "", errTable("err.import_encoding") // UTF-16: ask for UTF-8 or GBK
	}
	out, _, err := transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), data)
	if err != nil || !utf8.Valid(out) {
		return "", errTable("err.import_encoding")
	}
	return string(out), nil
}

func readCSV(data []byte) ([][]string, error) {
	text, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	if strings.ContainsRune(text, 0) {
		return nil, errTable("err.import_format")
	}
	first, _, _ := strings.Cut(text, "\n")
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sniffComma(first)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false
	var rows [][]string
	cells := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errTable("err.import_format")
		}
		rows = append(rows, rec)
		if len(rows) > model.MaxImportRows+1 {
			return nil, tooManyRows()
		}
		if err := checkRecord(rec, len(rows), &cells); err != nil {
			return nil, err
		}
	}
	if len(rows) == 0 {
		return nil, errTable("err.import_empty")
	}
	return rows, nil
}

// checkRecord applies the column, cell-length and cell-count limits of
// XLSX files to CSV row n: trailing empty fields (a line ending in
// separators) do not count.
func checkRecord(rec []string, n int, cells *int) error {
	last := len(rec)
	for last > 0 && strings.TrimSpace(rec[last-1]) == "" {
		last--
	}
	if last > model.MaxImportColumns {
		return tooManyColumns(n, colName(last))
	}
	if *cells += last; *cells > model.MaxImportCells {
		return tooManyCells()
	}
	for i, f := range rec[:last] {
		if err := checkCell(n, i+1, f); err != nil {
			return err
		}
	}
	return nil
}

// colName is a column's letters as a spreadsheet shows them (1 → A).
func colName(n int) string {
	var b []byte
	for ; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
}

// limitError is an import limit passed, shown at the file field.
func limitError(key string, args map[string]any) error {
	v := &model.ValidationError{}
	v.Add("file", key, args)
	return v
}

func tooManyRows() error {
	return limitError("err.import_too_many", map[string]any{"max": model.MaxImportRows})
}

// tooManyColumns refuses a cell of row beyond model.MaxImportColumns, in
// the column the file names (CSV and XLSX alike).
func tooManyColumns(row int, column string) error {
	return limitError("err.import_columns", map[string]any{"row": row, "column": column, "max": model.MaxImportColumns})
}

// tooManyCells refuses a file of more than model.MaxImportCells cells.
func tooManyCells() error {
	return limitError("err.import_cells", map[string]any{"max": model.MaxImportCells})
}

// checkCell refuses the value of the cell at row and column col when it
// has more than model.MaxImportCell characters (CSV and XLSX alike).
func checkCell(row, col int, val string) error {
	if len(val) > model.MaxImportCell && utf8.RuneCountInString(val) > model.MaxImportCell {
		return limitError("err.import_cell", map[string]any{"row": row, "column": colName(col), "max": model.MaxImportCell})
	}
	return nil
}

// sniffComma picks the separator that the header line uses most.
func sniffComma(line string) rune {
	best, n := ',', strings.Count(line, ",")
	for _, c := range []rune{'\t', ';'} {
		if m := strings.Count(line, string(c)); m > n {
			best, n = c, m
		}
	}
	return best
}

// importTemplate writes an empty import file with the header in the user's
// language (CSV with BOM, or XLSX) and one example row. The header texts are
// the column labels the importer reads back (in either language).
func (h *Handler) importTemplate(c *fiber.Ctx, format, name string, cols []model.ImportColumn, example []string) error {
	head := make([]string, len(cols))
	for i, col := range cols {
		head[i] = colLabel(lang(c), col)
		if col.Required {
			head[i] += "*"
		}
	}
	return h.exportRaw(c, format, name, head, nil, [][]string{example})
}

func colLabel(l string, col model.ImportColumn) string {
	if l == "zh" {
		return col.Zh
	}
	return col.En
}

// ColName is the label of an import column in the user's language.
func (v *View) ColName(cols []model.ImportColumn, key string) string {
	for _, c := range cols {
		if c.Key == key {
			return colLabel(v.Lang, c)
		}
	}
	return key
}

// ---- exports (导出) ----
//
// An export is the list's rows as text, the same text the CSV carries, and
// one kind per column that says how the XLSX shows it: Excel gets numbers,
// amounts and dates as typed cells with a number format, so a sheet sums,
// sorts and filters; the CSV stays text.

// colKind says how an export column's text becomes an XLSX cell. A cell
// whose text does not read as its kind (a totals label, an empty cell, a
// code with a leading zero in a number column) is written as text.
type colKind uint8

const (
	colText     colKind = iota // as it is: codes keep leading zeros
	colInt                     // whole numbers: ids, counts, line numbers
	colNumber                  // decimals of up to three places (quantities in milli-units, days in tenths)
	colMoney                   // amounts as Money.Plain writes them (cents: two places)
	colDate                    // YYYY-MM-DD, a calendar date in the enterprise's zone
	colDateTime                // YYYY-MM-DD HH:MM[:SS] in the enterprise's zone
	colPercent                 // "13%", "12.5%"
)

// exportCol is a column of an export: the catalog key of its header and its
// kind.
type exportCol struct {
	Key  string
	Kind colKind
}

// xlsxSheet is the one worksheet of every export.
const xlsxSheet = "Sheet1"

// Column widths, in characters of the default font: the header gets room
// for its filter button; no column is narrower or wider than these.
const (
	minColWidth = 6
	maxColWidth = 60
)

// writeXLSX writes head and rows as a workbook to w: a bold header row,
// frozen, with an auto-filter over the data, columns as wide as their
// widest shown cell, and each cell typed by its column's kind (kinds may be
// short or nil: text). money is the currency symbol of amount cells. The
// rows go through excelize's StreamWriter, which keeps at most a chunk of the
// sheet in memory and spills the rest to a temporary file.
func writeXLSX(w io.Writer, head []string, kinds []colKind, rows [][]string, money string) error {
	ncol := len(head)
	for _, r := range rows {
		ncol = max(ncol, len(r))
	}
	if ncol == 0 {
		ncol = 1
	}
	kind := func(i int) colKind {
		if i < len(kinds) {
			return kinds[i]
		}
		return colText
	}
	f := excelize.NewFile()
	defer f.Close()
	st := &xlsxStyles{f: f, money: moneyFormat(money), ids: map[string]int{}}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	// The filter is set on the sheet before streaming starts: the stream
	// writer writes the sheet's settings around the rows it is given.
	last, err := excelize.CoordinatesToCellName(ncol, len(rows)+1)
	if err != nil {
		return err
	}
	if err := f.AutoFilter(xlsxSheet, "A1:"+last, nil); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(xlsxSheet)
	if err != nil {
		return err
	}
	err = sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}})
	if err != nil {
		return err
	}
	for i, wd := range columnWidths(head, kinds, rows, ncol, money) {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	cells := make([]any, ncol)
	for i, h := range head {
		cells[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return err
	}
	for n, r := range rows {
		for i := range cells {
			cells[i] = nil
			if i < len(r) {
				if cells[i], err = st.cell(kind(i), r[i]); err != nil {
					return err
				}
			}
		}
		ref, err := excelize.CoordinatesToCellName(1, n+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(ref, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// xlsxStyles makes each number format's style once per workbook.
type xlsxStyles struct {
	f     *excelize.File
	money string
	ids   map[string]int
}

func (s *xlsxStyles) style(format string) (int, error) {
	if id, ok := s.ids[format]; ok {
		return id, nil
	}
	id, err := s.f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	if err != nil {
		return 0, err
	}
	s.ids[format] = id
	return id, nil
}

// moneyFormat shows amounts with the currency symbol, thousands grouped and
// two decimals; negatives in red with a minus sign.
func moneyFormat(symbol string) string {
	sym := strings.ReplaceAll(symbol, `"`, "")
	if sym == "" {
		return "#,##0.00;[Red]-#,##0.00"
	}
	return `"` + sym + `"#,##0.00;[Red]-"` + sym + `"#,##0.00`
}

// Number formats by the decimals a value was written with, so that the
// sheet shows what the screen and the CSV show ("1.5", not "1.500").
var (
	numberFormats  = [4]string{"#,##0", "#,##0.0", "#,##0.00", "#,##0.000"}
	percentFormats = [4]string{"0%", "0.0%", "0.00%", "0.000%"}
)

const (
	xlsxDate        = "yyyy-mm-dd"
	xlsxDateTime    = "yyyy-mm-dd hh:mm"
	xlsxDateTimeSec = "yyyy-mm-dd hh:mm:ss"
)

// cell is the XLSX value of text s in a column of kind k: nil for "", a
// number or a date with its style, or the text itself. Text is always a
// string cell, never a formula, whatever it starts with.
func (s *xlsxStyles) cell(k colKind, text string) (any, error) {
	if text == "" {
		return nil, nil
	}
	v, format, ok := typedValue(k, text, s.money)
	if !ok {
		return text, nil
	}
	id, err := s.style(format)
	if err != nil {
		return nil, err
	}
	return excelize.Cell{StyleID: id, Value: v}, nil
}

// typedValue reads text as kind k: the cell value (float64, int64 or a
// time.Time whose UTC wall clock is the enterprise's) and its number format;
// false when it is text or does not read as k.
func typedValue(k colKind, text, money string) (any, string, bool) {
	switch k {
	case colInt:
		if n, places, ok := readDecimal(text, 0); ok && places == 0 {
			return n, "0", true
		}
	case colNumber:
		if _, places, ok := readDecimal(text, 3); ok {
			v, err := strconv.ParseFloat(text, 64)
			return v, numberFormats[places], err == nil
		}
	case colMoney:
		if _, _, ok := readDecimal(text, 2); ok {
			v, err := strconv.ParseFloat(text, 64)
			return v, money, err == nil
		}
	case colPercent:
		num, ok := strings.CutSuffix(text, "%")
		if _, places, okd := readDecimal(num, 3); ok && okd {
			v, err := strconv.ParseFloat(num+"e-2", 64)
			return v, percentFormats[places], err == nil
		}
	case colDate:
		if t, err := time.Parse(model.DateLayout, text); err == nil && t.Year() >= 1900 {
			return t, xlsxDate, true
		}
	case colDateTime:
		for _, l := range []struct{ layout, format string }{
			{"2006-01-02 15:04", xlsxDateTime}, {"2006-01-02 15:04:05", xlsxDateTimeSec}, {model.DateLayout, xlsxDate},
		} {
			if t, err := time.Parse(l.layout, text); err == nil && t.Year() >= 1900 {
				return t, l.format, true
			}
		}
	}
	return nil, "", false
}

// readDecimal reads a plain decimal as the model's formatters write it: an
// optional minus, digits without grouping and at most places decimals. It
// returns the value scaled by 10^places and the decimals written; false for
// anything else, and for digits that start with a zero ("007" is a code,
// not seven) or that a spreadsheet cannot hold exactly (over 15 digits).
func readDecimal(s string, places int) (int64, int, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || dot && frac == "" || len(frac) > places || len(whole)+len(frac) > 15 {
		return 0, 0, false
	}
	if len(whole) > 1 && whole[0] == '0' {
		return 0, 0, false
	}
	var n int64
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, 0, false
		}
		n = n*10 + int64(r-'0')
	}
	for i := len(frac); i < places; i++ {
		n *= 10
	}
	if neg {
		n = -n
	}
	return n, len(frac), true
}

// columnWidths fits each column to its header (with room for the filter
// button) and to the widest cell as the sheet shows it, in characters: CJK
// and full-width characters count two.
func columnWidths(head []string, kinds []colKind, rows [][]string, ncol int, money string) []float64 {
	widest := make([]int, ncol)
	for i, h := range head {
		widest[i] = textWidth(h) + 3
	}
	for _, r := range rows {
		for i, s := range r {
			k := colText
			if i < len(kinds) {
				k = kinds[i]
			}
			widest[i] = max(widest[i], textWidth(shownText(k, s, money)))
		}
	}
	out := make([]float64, ncol)
	for i, wd := range widest {
		out[i] = float64(min(max(wd+2, minColWidth), maxColWidth))
	}
	return out
}

// shownText is s as the sheet shows it: amounts with the currency symbol
// and thousands grouped, other numbers grouped.
func shownText(k colKind, s, money string) string {
	switch k {
	case colMoney:
		if _, _, ok := readDecimal(s, 2); ok {
			return strings.ReplaceAll(money, `"`, "") + groupThousands(s)
		}
	case colNumber:
		if _, _, ok := readDecimal(s, 3); ok {
			return groupThousands(s)
		}
	}
	return s
}

// groupThousands puts a comma every three digits of a plain decimal's whole
// part: "-1234567.5" → "-1,234,567.5".
func groupThousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	var b strings.Builder
	b.WriteString(sign)
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if dot {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// textWidth is the width of s's longest line in characters of the default
// font: East Asian wide and full-width characters take two.
func textWidth(s string) int {
	best := 0
	for line := range strings.SplitSeq(s, "\n") {
		n := 0
		for _, r := range line {
			switch width.LookupRune(r).Kind() {
			case width.EastAsianWide, width.EastAsianFullwidth:
				n += 2
			default:
				n++
			}
		}
		best = max(best, n)
	}
	return best
}
