package handlers

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/xuri/excelize/v2"
)

// The budgets of docs/DESIGN.md ("Budgets"): each worst case runs through
// the real code (app.Test or the import reader) while a goroutine samples
// runtime.MemStats; the live heap may not grow by more than memBudget and
// the request may not allocate more than allocBudget in all.
const (
	memBudget   = 64 << 20
	allocBudget = 256 << 20
	// memAbort stops the test binary before a runaway request takes the
	// machine with it (the old XLSX reader reached 8.5 GB).
	memAbort = 1 << 30
)

type memUse struct{ peak, alloc uint64 }

func (m memUse) String() string {
	return fmt.Sprintf("heap +%d MiB at peak, %d MiB allocated", m.peak>>20, m.alloc>>20)
}

// measure runs fn and returns how far the live heap grew at its peak
// (HeapAlloc sampled every millisecond) and how much it allocated.
func measure(fn func()) memUse {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop, peak := make(chan struct{}), make(chan uint64)
	go func() {
		var m runtime.MemStats
		hi := before.HeapAlloc
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			hi = max(hi, m.HeapAlloc)
			if m.HeapAlloc > before.HeapAlloc+memAbort {
				panic(fmt.Sprintf("memory budget: the heap grew by %d MiB", (m.HeapAlloc-before.HeapAlloc)>>20))
			}
			select {
			case <-stop:
				peak <- hi
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(stop)
	hi := <-peak
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	hi = max(hi, after.HeapAlloc)
	return memUse{peak: hi - before.HeapAlloc, alloc: after.TotalAlloc - before.TotalAlloc}
}

func withinBudget(t *testing.T, what string, m memUse) {
	t.Helper()
	if m.peak > memBudget || m.alloc > allocBudget {
		t.Errorf("%s: %v, budget %d MiB live and %d MiB allocated", what, m, memBudget>>20, allocBudget>>20)
	} else {
		t.Logf("%s: %v", what, m)
	}
}

// xfdWorkbook is the reported attack: 20,000 rows with one cell each in
// column XFD, the last a spreadsheet has (about 160 KB zipped).
func xfdWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for r := 1; r <= 20000; r++ {
		if err := sw.SetRow(fmt.Sprintf("XFD%d", r), []any{r}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportXFDWithinBudget uploads the XFD workbook to the stocktake
// import and to the quick order, as a dealer: a 422 naming the column and
// the limit, in the user's language, nothing kept, within the budget.
func TestImportXFDWithinBudget(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	data := xfdWorkbook(t)
	t.Logf("workbook: %d KB", len(data)>>10)
	manager, buyer := e.login("c1.manager"), e.login("c1.buyer")
	speak(buyer, "zh")
	manager.get("/stocktakes/import")
	buyer.get("/quick-order")
	var today string
	_ = e.st.View(func(tx *store.Tx) error { today = tx.Today(); return nil })
	cases := []struct {
		name  string
		c     *client
		path  string
		field url.Values
		want  string
	}{
		{"stocktake", manager, "/stocktakes/import", url.Values{"date": {today}}, "Row 1 has a value in column XFD: an import file may use at most 50 columns."},
		{"quick order", buyer, "/quick-order", nil, "第 1 行的 XFD 列有内容：导入文件最多 50 列。"},
	}
	for _, tc := range cases {
		var r resp
		m := measure(func() { r = tc.c.upload(tc.path, "file", "stock.xlsx", data, tc.field) })
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.want) {
			t.Errorf("%s: %d %s", tc.name, r.Code, excerpt(r.Body))
		}
		if chTokenRe.MatchString(r.Body) {
			t.Errorf("%s: the upload was kept for confirmation", tc.name)
		}
		withinBudget(t, tc.name, m)
	}
}

// xlsxPart is one part of a hand-made workbook; size > 0 writes body
// repeated until size bytes, lie declares a smaller size than written.
type xlsxPart struct {
	name, body string
	size       int
	lie        bool
}

// rawWorkbook zips a minimal workbook: its sheet1 (and shared strings)
// given as parts, the package parts added.
func rawWorkbook(t *testing.T, parts ...xlsxPart) []byte {
	t.Helper()
	base := []xlsxPart{
		{name: "[Content_Types].xml", body: `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{name: "_rels/.rels", body: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{name: "xl/workbook.xml", body: `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{name: "xl/_rels/workbook.xml.rels", body: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range append(base, parts...) {
		var w io.Writer
		var err error
		var raw *bytes.Buffer
		var fl io.WriteCloser
		if p.lie {
			raw = &bytes.Buffer{}
			fl, _ = zlibRaw(raw)
			w = fl
		} else if w, err = zw.Create(p.name); err != nil {
			t.Fatal(err)
		}
		if p.size == 0 {
			io.WriteString(w, p.body)
		}
		for n := 0; n < p.size; n += len(p.body) {
			io.WriteString(w, p.body)
		}
		if p.lie {
			fl.Close()
			hw, err := zw.CreateRaw(&zip.FileHeader{Name: p.name, Method: zip.Deflate, CompressedSize64: uint64(raw.Len()), UncompressedSize64: 1000})
			if err != nil {
				t.Fatal(err)
			}
			hw.Write(raw.Bytes())
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sheetXML wraps rows in a worksheet.
func sheetXML(rows string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + rows + `</sheetData></worksheet>`
}

// gridRows writes n rows of cols inline-string cells after a header row.
func gridRows(n, cols int) string {
	var b strings.Builder
	for r := 1; r <= n+1; r++ {
		fmt.Fprintf(&b, `<row r="%d">`, r)
		for c := 1; c <= cols; c++ {
			fmt.Fprintf(&b, `<c r="%s%d" t="inlineStr"><is><t>v%d</t></is></c>`, colName(c), r, r*cols+c)
		}
		b.WriteString(`</row>`)
	}
	return b.String()
}

// emptyCells writes n rows of cols empty cells (what a spreadsheet writes
// for formatted blank cells): cheap to parse, counted all the same.
func emptyCells(n, cols int) string {
	var b strings.Builder
	for r := 1; r <= n; r++ {
		fmt.Fprintf(&b, `<row r="%d">`, r)
		for c := 1; c <= cols; c++ {
			fmt.Fprintf(&b, `<c r="%s%d"/>`, colName(c), r)
		}
		b.WriteString(`</row>`)
	}
	return b.String()
}

// TestImportWorstCasesWithinBudget runs the import reader's worst cases:
// each refused file gets its own reason, the largest accepted files are
// read, and none goes over the budget.
func TestImportWorstCasesWithinBudget(t *testing.T) {
	onlyOnce(t) // the reader alone: no portal, no database
	sheet := func(rows string) xlsxPart { return xlsxPart{name: "xl/worksheets/sheet1.xml", body: sheetXML(rows)} }
	maxRows := model.MaxImportRows
	csvGrid := func(rows, cols int) []byte {
		var b bytes.Buffer
		for r := 0; r <= rows; r++ {
			for c := 0; c < cols; c++ {
				if c > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "%d", c)
			}
			b.WriteByte('\n')
		}
		return b.Bytes()
	}
	cases := []struct {
		name string
		file string
		data []byte
		key  string // "" = read
		rows int
	}{
		{"xlsx largest accepted", "a.xlsx", rawWorkbook(t, sheet(gridRows(maxRows, model.MaxImportCells/(maxRows+1)))), "", maxRows + 1},
		{"xlsx one row too many", "a.xlsx", rawWorkbook(t, sheet(gridRows(maxRows+1, 1))), "err.import_too_many", 0},
		{"xlsx row number past the limit", "a.xlsx", rawWorkbook(t, sheet(`<row r="1048576"><c r="A1048576"><v>1</v></c></row>`)), "err.import_too_many", 0},
		{"xlsx column past the limit", "a.xlsx", rawWorkbook(t, sheet(`<row r="1"><c r="AY1"><v>1</v></c></row>`)), "err.import_columns", 0},
		{"xlsx column past XFD", "a.xlsx", rawWorkbook(t, sheet(`<row r="1"><c r="ZZZZZZZZZZ1"><v>1</v></c></row>`)), "err.import_columns", 0},
		{"xlsx too many cells", "a.xlsx", rawWorkbook(t, sheet(emptyCells(model.MaxImportCells/model.MaxImportColumns+1, model.MaxImportColumns))), "err.import_cells", 0},
		{"xlsx long cell", "a.xlsx", rawWorkbook(t, sheet(`<row r="1"><c r="A1" t="inlineStr"><is><t>`+strings.Repeat("长", model.MaxImportCell+1)+`</t></is></c></row>`)), "err.import_cell", 0},
		{"xlsx 30 MB cell", "a.xlsx", rawWorkbook(t, xlsxPart{name: "xl/worksheets/sheet1.xml", body: sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>`) + strings.Repeat("a", 30<<20)}), "err.import_format", 0},
		{"xlsx 30 MB shared string", "a.xlsx", rawWorkbook(t, sheet(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`),
			xlsxPart{name: "xl/sharedStrings.xml", body: "<sst><si><t>" + strings.Repeat("a", 15<<20)}), "err.import_format", 0},
		{"xlsx sheet bomb", "a.xlsx", rawWorkbook(t, xlsxPart{name: "xl/worksheets/sheet1.xml", body: strings.Repeat(" ", 1<<20), size: 40 << 20}), "err.import_unzipped", 0},
		{"xlsx lying sizes", "a.xlsx", rawWorkbook(t, xlsxPart{name: "xl/worksheets/sheet1.xml", body: strings.Repeat(" ", 1<<20), size: 200 << 20, lie: true}), "err.import_format", 0},
		{"xlsx shared strings bomb", "a.xlsx", rawWorkbook(t, sheet(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`),
			xlsxPart{name: "xl/sharedStrings.xml", body: strings.Repeat("<si><t>x</t></si>", 1<<12), size: 20 << 20}), "err.import_unzipped", 0},
		{"xlsx many shared strings", "a.xlsx", rawWorkbook(t, sheet(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`),
			xlsxPart{name: "xl/sharedStrings.xml", body: "<sst>" + strings.Repeat("<si><t/></si>", model.MaxImportCells+1) + "</sst>"}), "err.import_cells", 0},
		{"csv largest accepted", "a.csv", csvGrid(maxRows, model.MaxImportCells/(maxRows+1)), "", maxRows + 1},
		{"csv too many columns", "a.csv", csvGrid(2, model.MaxImportColumns+1), "err.import_columns", 0},
		{"csv too many cells", "a.csv", csvGrid(maxRows, 13), "err.import_cells", 0},
		{"csv long cell", "a.csv", []byte("a,b\n1," + strings.Repeat("x", model.MaxImportCell+1) + "\n"), "err.import_cell", 0},
	}
	for _, tc := range cases {
		var rows [][]string
		var err error
		m := measure(func() { rows, err = readTable(tc.file, tc.data) })
		withinBudget(t, tc.name, m)
		if tc.key == "" {
			if err != nil || len(rows) != tc.rows {
				t.Errorf("%s: %d rows, %v", tc.name, len(rows), err)
			}
			continue
		}
		var ve *model.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Key != tc.key {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.key)
		}
	}
}

// zlibRaw is a raw DEFLATE writer (zip entries carry no zlib header).
func zlibRaw(w io.Writer) (io.WriteCloser, error) {
	return flate.NewWriter(w, flate.BestSpeed)
}

// png16 is a real 16-bit RGBA PNG of w×h black pixels: a few hundred KB
// that decode to w×h×8 bytes.
func png16(t *testing.T, w, h int) []byte {
	t.Helper()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 6 // 16 bits, RGBA
	chunk("IHDR", ihdr)
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	row := make([]byte, 1+w*8)
	for y := 0; y < h; y++ {
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// TestImageWithinBudget uploads the reported 16-bit 6000×6600 PNG (about
// 300 MB decoded, under the old 40-megapixel limit): refused with the
// reason before decoding.
func TestImageWithinBudget(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	a := e.login("admin")
	pid := e.id("product:NEW")
	a.get("/products/" + pid)
	data := png16(t, 6000, 6600)
	var r resp
	m := measure(func() { r = a.upload("/products/"+pid+"/images", "file", "big.png", data, nil) })
	withinBudget(t, "16-bit PNG", m)
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The picture is too large to process") {
		t.Errorf("16-bit PNG: %d %s", r.Code, excerpt(r.Body))
	}
	if page := a.get("/products/" + pid); strings.Contains(page.Body, "/img/") {
		t.Error("the refused picture was stored")
	}
}

// TestFormTokenWithinBudget posts a create form with a 40,000-character
// _idem: a 400 in the user's language, nothing created, within the budget.
func TestFormTokenWithinBudget(t *testing.T) {
	e := newTestEnv(t)
	a := e.login("admin")
	speak(a, "zh")
	a.get("/customer-groups/new")
	for name, tok := range map[string]string{"long": strings.Repeat("a", 40000), "markup": `"><script>`} {
		var r resp
		m := measure(func() {
			r = a.post("/customer-groups", url.Values{"code": {"G-" + name}, "name": {"分组"}, "_idem": {tok}})
		})
		withinBudget(t, name+" _idem", m)
		if r.Code != http.StatusBadRequest || !strings.Contains(r.Body, "无法接受此表单：请刷新页面后重新提交。") {
			t.Errorf("%s _idem: %d %s", name, r.Code, excerpt(r.Body))
		}
		if list := a.get("/customer-groups"); strings.Contains(list.Body, "G-"+name) {
			t.Errorf("%s _idem: the group was created", name)
		}
	}
	// A form's own token still works.
	if r := a.post("/customer-groups", url.Values{"code": {"G-OK"}, "name": {"分组"}, "_idem": {randomHex(16)}}); r.Code != http.StatusSeeOther {
		t.Errorf("good token: %d %s", r.Code, excerpt(r.Body))
	}
}

// TestTemplateWithinBudget previews and saves the reported text (a range
// over 100 million) and texts that would grow without a loop: each is
// refused at its field with the reason, quickly and within the budget.
func TestTemplateWithinBudget(t *testing.T) {
	e := newTestEnv(t)
	admin := e.login("admin")
	const path = "/messages/templates/online_order.rejected"
	admin.get(path)
	cases := map[string]struct{ body, want string }{
		"range":     {"{{range 100000000}}订单 {{.doc_number}}{{end}}", "loops ({{range}}) are not allowed"},
		"silent":    {"{{range 100000000}}{{end}}", "loops ({{range}}) are not allowed"},
		"variables": {`{{$a := printf "%s%s" .reason .reason}}{{$a = printf "%s%s" $a $a}}{{$a}}`, "variables ($x := …) are not allowed"},
		"width":     {`{{printf "%099999999d" 1}}`, "printf needs a fixed format text"},
		"nesting":   {`{{urlquery (urlquery (urlquery (urlquery (urlquery .reason))))}}`, "at most 4 functions"},
		"output":    {strings.Repeat(`{{printf "%99s" .reason}}`, 800), "renders to more than 64 KB"},
	}
	for name, tc := range cases {
		for _, p := range []string{path + "/preview", path} {
			var r resp
			m := measure(func() { r = admin.post(p, tplFormValues("订单 {{.doc_number}}", tc.body), "HX-Request", "true") })
			withinBudget(t, name+" "+p, m)
			if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, htmlEscape(tc.want)) || len(r.Body) > 256<<10 {
				t.Errorf("%s %s: %d (%d bytes) %s", name, p, r.Code, len(r.Body), excerpt(r.Body))
			}
		}
	}
	_ = e.st.View(func(tx *store.Tx) error {
		if m, _ := tx.MessageTemplate(model.EventOrderRejected); m != nil {
			t.Error("a refused template was stored")
		}
		return nil
	})
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
