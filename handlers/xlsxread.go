package handlers

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

	"dealerportal/model"
)

// Uploaded XLSX files are read here as a stream, not with excelize: its row
// iterator pads every row up to its last cell (one cell in column XFD makes
// 16,384 strings) and opening a file unpacks and parses every part (styles,
// theme, calculation chain) in memory. This reader unpacks only the first
// worksheet, its shared strings and the number formats, each within a size
// limit, decodes the worksheet's XML token by token and refuses a cell
// beyond the column limit, a row beyond the row limit or a cell over the
// length limit before keeping it (model.MaxImport*, model.MaxXLSX*).

// xlsxParts are the zip entries by lower-case name.
type xlsxParts map[string]*zip.File

// errUnzipped refuses a file whose parts unpack to more than the limit.
func errUnzipped() error {
	return limitError("err.import_unzipped", map[string]any{"max": model.MaxXLSXUnzipped >> 20})
}

// open returns the part's content as a stream of at most max bytes; a
// missing part is (nil, nil). archive/zip fails a read past the declared
// size, and the LimitReader past max.
func (p xlsxParts) open(name string, max int64) (io.ReadCloser, error) {
	f := p[strings.ToLower(name)]
	if f == nil {
		return nil, nil
	}
	if f.UncompressedSize64 > uint64(max) {
		return nil, errUnzipped()
	}
	rc, err := f.Open()
	if err != nil {
		return nil, errTable("err.import_format")
	}
	return struct {
		io.Reader
		io.Closer
	}{&runLimiter{r: io.LimitReader(rc, max)}, rc}, nil
}

// maxTextRun is the longest text between two tags: above what Excel can
// write (32,767 characters of three bytes, or entities, in one cell), so
// that the XML decoder never buffers one huge token.
const maxTextRun = 256 << 10

var errTextRun = errors.New("xlsx: text run too long")

// runLimiter fails a part with a text run longer than maxTextRun.
type runLimiter struct {
	r   io.Reader
	run int
}

func (l *runLimiter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if i := bytes.LastIndexByte(p[:n], '<'); i >= 0 {
		l.run = n - i - 1
	} else {
		l.run += n
	}
	if l.run > maxTextRun {
		return 0, errTextRun
	}
	return n, err
}

func readXLSX(data []byte) ([][]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, errTable("err.import_format")
	}
	parts := xlsxParts{}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > model.MaxXLSXUnzipped {
			return nil, errUnzipped()
		}
		parts[strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))] = f
	}
	sheet, date1904, err := firstSheet(parts)
	if err != nil {
		return nil, err
	}
	sst, err := readSharedStrings(parts)
	if err != nil {
		return nil, err
	}
	dates, err := readDateStyles(parts)
	if err != nil {
		return nil, err
	}
	rc, err := parts.open(sheet, model.MaxXLSXSheet)
	if err != nil {
		return nil, err
	}
	if rc == nil {
		return nil, errTable("err.import_format")
	}
	defer rc.Close()
	sr := &sheetReader{dec: xml.NewDecoder(rc), sst: sst, dates: dates, date1904: date1904}
	rows, err := sr.read()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errTable("err.import_empty")
	}
	return rows, nil
}

// attr returns the value of the attribute with the local name.
func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// firstSheet finds the worksheet a spreadsheet program shows first (the
// first <sheet> of the workbook, through the workbook's relationships) and
// whether dates count from 1904.
func firstSheet(parts xlsxParts) (string, bool, error) {
	const fallback = "xl/worksheets/sheet1.xml"
	rid, date1904 := "", false
	err := scanPart(parts, "xl/workbook.xml", 1<<20, func(d *xml.Decoder, e xml.StartElement) error {
		switch e.Name.Local {
		case "workbookPr":
			v := attr(e, "date1904")
			date1904 = v == "1" || v == "true"
		case "sheet":
			if rid == "" {
				rid = attr(e, "id")
			}
		}
		return nil
	})
	if err != nil || rid == "" {
		return fallback, date1904, err
	}
	target := ""
	err = scanPart(parts, "xl/_rels/workbook.xml.rels", 1<<20, func(d *xml.Decoder, e xml.StartElement) error {
		if e.Name.Local == "Relationship" && attr(e, "Id") == rid {
			target = attr(e, "Target")
		}
		return nil
	})
	if err != nil || target == "" {
		return fallback, date1904, err
	}
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(target, "/"), date1904, nil
	}
	return path.Join("xl", target), date1904, nil
}

// scanPart calls fn for every start element of a part (a missing part is
// no error).
func scanPart(parts xlsxParts, name string, max int64, fn func(*xml.Decoder, xml.StartElement) error) error {
	rc, err := parts.open(name, max)
	if err != nil || rc == nil {
		return err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return errTable("err.import_format")
		}
		if e, ok := tok.(xml.StartElement); ok {
			if err := fn(d, e); err != nil {
				return err
			}
		}
	}
}

// readSharedStrings reads the shared string table: the text of each <si>,
// rich-text runs joined, phonetic guides (<rPh>) left out.
func readSharedStrings(parts xlsxParts) ([]string, error) {
	var out []string
	err := scanPart(parts, "xl/sharedStrings.xml", model.MaxXLSXStrings, func(d *xml.Decoder, e xml.StartElement) error {
		if e.Name.Local != "si" {
			return nil
		}
		if len(out) >= model.MaxImportCells {
			return tooManyCells()
		}
		s, err := readText(d, "si")
		if err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// readText collects the <t> texts up to the end of the element end,
// skipping phonetic runs.
func readText(d *xml.Decoder, end string) (string, error) {
	var b strings.Builder
	inT, skip := false, 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return "", errTable("err.import_format")
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "rPh":
				skip++
			case "t":
				inT = true
			}
		case xml.EndElement:
			switch x.Name.Local {
			case end:
				return b.String(), nil
			case "rPh":
				skip--
			case "t":
				inT = false
			}
		case xml.CharData:
			// Past the cell limit the text is refused anyway: stop growing it.
			if inT && skip == 0 && b.Len() <= 4*model.MaxImportCell {
				b.Write(x)
			}
		}
	}
}

// readDateStyles returns, by cell style index, whether the style shows a
// number as a date.
func readDateStyles(parts xlsxParts) ([]bool, error) {
	custom := map[string]bool{}
	var out []bool
	inXfs := false
	rc, err := parts.open("xl/styles.xml", 4<<20)
	if err != nil || rc == nil {
		return nil, err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, errTable("err.import_format")
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "numFmt":
				custom[attr(x, "numFmtId")] = dateFormat(attr(x, "formatCode"))
			case "cellXfs":
				inXfs = true
			case "xf":
				if inXfs && len(out) < 1<<16 {
					id := attr(x, "numFmtId")
					n, _ := strconv.Atoi(id)
					out = append(out, custom[id] || builtinDate(n))
				}
			}
		case xml.EndElement:
			if x.Name.Local == "cellXfs" {
				inXfs = false
			}
		}
	}
}

// builtinDate reports whether a built-in number format is a date (the
// ids of ECMA-376 and the Chinese locale's).
func builtinDate(id int) bool {
	return id >= 14 && id <= 17 || id == 22 || id >= 27 && id <= 36 || id >= 50 && id <= 58
}

// dateFormat reports whether a custom number format shows a date: it has
// year or day codes outside quoted text and [..] sections.
func dateFormat(code string) bool {
	code = strings.ToLower(code)
	quoted, bracket, esc := false, false, false
	for _, r := range code {
		switch {
		case esc:
			esc = false
		case r == '\\':
			esc = true
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '[':
			bracket = true
		case r == ']':
			bracket = false
		case bracket:
		case r == 'y' || r == 'd':
			return true
		}
	}
	return false
}

// sheetReader reads a worksheet's rows within the import limits.
type sheetReader struct {
	dec      *xml.Decoder
	sst      []string
	dates    []bool
	date1904 bool
	rows     [][]string
	cells    int
	lastCol  int // of the row being read
}

func (s *sheetReader) read() ([][]string, error) {
	for {
		tok, err := s.dec.RawToken()
		if errors.Is(err, io.EOF) {
			return s.rows, nil
		}
		if err != nil {
			return nil, errTable("err.import_format")
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if x.Name.Local == "row" {
				if err := s.readRow(x); err != nil {
					return nil, err
				}
			}
		case xml.EndElement:
			if x.Name.Local == "sheetData" {
				return s.rows, nil
			}
		}
	}
}

// readRow reads one <row>: rows a spreadsheet leaves out (blank) become
// empty rows, so that row numbers stay those the spreadsheet shows.
func (s *sheetReader) readRow(e xml.StartElement) error {
	n := len(s.rows) + 1
	if r := attr(e, "r"); r != "" {
		v, err := strconv.Atoi(r)
		if err != nil || v < n {
			return errTable("err.import_format")
		}
		n = v
	}
	if n > model.MaxImportRows+1 {
		return tooManyRows()
	}
	for len(s.rows) < n-1 {
		s.rows = append(s.rows, nil)
	}
	var row []string
	s.lastCol = 0
	for {
		tok, err := s.dec.RawToken()
		if err != nil {
			return errTable("err.import_format")
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if x.Name.Local != "c" {
				if err := skip(s.dec); err != nil {
					return errTable("err.import_format")
				}
				continue
			}
			if row, err = s.readCell(x, n, row); err != nil {
				return err
			}
		case xml.EndElement:
			s.rows = append(s.rows, row)
			return nil
		}
	}
}

// readCell reads one <c> into row, refusing it beyond the column limit,
// the cell count or the cell length before keeping it.
func (s *sheetReader) readCell(e xml.StartElement, rowNum int, row []string) ([]string, error) {
	col, ref := s.lastCol+1, attr(e, "r")
	if ref != "" {
		c, r, ok := cellRef(ref)
		if !ok || r != rowNum || c <= s.lastCol {
			return nil, errTable("err.import_format")
		}
		col = c
	}
	s.lastCol = col
	if col > model.MaxImportColumns {
		name := strings.TrimRight(ref, "0123456789")
		if name == "" || len(name) > 3 {
			name = colName(col)
		}
		return nil, tooManyColumns(rowNum, name)
	}
	if s.cells++; s.cells > model.MaxImportCells {
		return nil, tooManyCells()
	}
	typ, style := attr(e, "t"), attr(e, "s")
	var v strings.Builder
	inline := ""
	for done := false; !done; {
		tok, err := s.dec.RawToken()
		if err != nil {
			return nil, errTable("err.import_format")
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "v":
				if err := readCharData(s.dec, &v); err != nil {
					return nil, err
				}
			case "is":
				if inline, err = readText(s.dec, "is"); err != nil {
					return nil, err
				}
			default:
				if err := skip(s.dec); err != nil {
					return nil, errTable("err.import_format")
				}
			}
		case xml.EndElement:
			done = true
		}
	}
	val, err := s.value(typ, style, strings.TrimSpace(v.String()), inline)
	if err != nil {
		return nil, err
	}
	if err := checkCell(rowNum, col, val); err != nil {
		return nil, err
	}
	if val == "" {
		return row, nil
	}
	for len(row) < col-1 {
		row = append(row, "")
	}
	return append(row, val), nil
}

// skip consumes the rest of the element just started (RawToken does not
// match ends with starts, so the depth is counted here).
func skip(d *xml.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := d.RawToken()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// cellRef splits a cell reference ("AB12") into column and row numbers; a
// column past the import limit comes back as limit+1, whatever its letters.
func cellRef(ref string) (col, row int, ok bool) {
	i := 0
	for ; i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z'; i++ {
		col = min(col*26+int(ref[i]-'A'+1), model.MaxImportColumns+1)
	}
	row, err := strconv.Atoi(ref[i:])
	return col, row, i > 0 && err == nil && row > 0
}

// readCharData appends an element's text (within the cell limit) and
// consumes its end.
func readCharData(d *xml.Decoder, b *strings.Builder) error {
	for {
		tok, err := d.RawToken()
		if err != nil {
			return errTable("err.import_format")
		}
		switch x := tok.(type) {
		case xml.CharData:
			if b.Len() <= 4*model.MaxImportCell {
				b.Write(x)
			}
		case xml.StartElement:
			if err := skip(d); err != nil {
				return errTable("err.import_format")
			}
		case xml.EndElement:
			return nil
		}
	}
}

// value is a cell's text as the spreadsheet shows it, for what imports
// read: shared and inline strings as they are, booleans as TRUE/FALSE,
// numbers in General format (15 significant digits), and numbers formatted
// as dates as YYYY-MM-DD.
func (s *sheetReader) value(typ, style, v, inline string) (string, error) {
	switch typ {
	case "s":
		if v == "" {
			return "", nil
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i >= len(s.sst) {
			return "", errTable("err.import_format")
		}
		return s.sst[i], nil
	case "inlineStr":
		return inline, nil
	case "b":
		if v == "1" {
			return "TRUE", nil
		} else if v == "0" {
			return "FALSE", nil
		}
		return v, nil
	case "str", "e":
		return v, nil
	case "d":
		if t, err := time.Parse("2006-01-02T15:04:05", strings.TrimSuffix(v, "Z")); err == nil {
			return t.Format(model.DateLayout), nil
		}
		return v, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || strings.Contains(v, "_") {
		return v, nil
	}
	if i, err := strconv.Atoi(style); err == nil && i >= 0 && i < len(s.dates) && s.dates[i] {
		return excelDate(f, s.date1904), nil
	}
	plain := strconv.FormatFloat(f, 'f', -1, 64)
	if len(plain)-strings.Count(plain, ".") > 15 && !wholeWithinPrecision(v) {
		return strconv.FormatFloat(f, 'G', 15, 64), nil
	}
	return plain, nil
}

// wholeWithinPrecision: an integer written with at most 15 significant
// digits keeps its digits.
func wholeWithinPrecision(v string) bool {
	if strings.ContainsAny(v, ".Ee") {
		return false
	}
	v = strings.TrimLeft(v, "+-0")
	return len(strings.TrimRight(v, "0")) <= 15
}

// excelDate converts a date serial number to YYYY-MM-DD.
func excelDate(f float64, date1904 bool) string {
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if f < 0 || f > 2958465 { // after 9999-12-31
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return base.AddDate(0, 0, int(math.Floor(f))).Format(model.DateLayout)
}
