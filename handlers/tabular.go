package handlers

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"dealerportal/model"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
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
	return h.exportRaw(c, format, name, head, [][]string{example})
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
