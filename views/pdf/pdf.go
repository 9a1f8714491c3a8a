// Package pdf draws the portal's printable documents (sales orders, online
// orders, the reconciliation statement…) as A4 PDFs with gofpdf, in Chinese
// and English. A document is described, not drawn, by its module: a Layout
// of a header (enterprise, title, number), label/value fields, tables with
// a header row repeated on every page and a bold totals row, paragraphs and
// signature lines; Render lays it out twice — once to count the pages, once
// to draw them — so every page's footer can say "2/3".
package pdf

import (
	"bytes"
	"cmp"
	"errors"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jung-kurt/gofpdf"
)

// Layout is one document to print. Texts come translated: the package
// knows no language.
type Layout struct {
	Enterprise string // the first line of every page
	Title      string // e.g. "销售订单 Sales order"
	Number     string // document number, at the right of the title
	Subtitle   string // a line under the title (status, date…)
	Fields     []Field
	Blocks     []Block
	// Footer is printed at the bottom left of every page (e.g. "printed at").
	Footer    string
	Landscape bool
	// Created is the PDF's creation date: the store clock's instant, the
	// same as the printed-at footer. Required: Render refuses a zero one
	// rather than read the wall clock.
	Created time.Time
	// Author names the producer in the PDF's metadata.
	Author string
}

// Field is one label and value of a fields grid.
type Field struct{ Label, Value string }

// Block is one part of the document body: *Table, *Fields, *Paragraph,
// Heading, Signatures, Parties, SignBlocks or Spacer.
type Block interface{ block() }

// Fields is a grid of label/value pairs, Cols pairs per row (2 when 0).
type Fields struct {
	Items []Field
	Cols  int
}

// Column is one table column: its title, alignment ("L", "R" or "C") and
// whether it wraps.
//
// Columns are sized from their content (see DESIGN.md, "Print-ready
// PDFs"): a column that does not wrap — numbers, amounts, dates, codes —
// is as wide as its widest value (the totals row included) plus the cell
// margin, and never breaks a value over two lines; its title may take two
// lines, and an empty column shrinks to its title. The Wrap columns (name,
// spec, remarks) share what is left, in proportion to Width, and wrap by
// words (Latin) or characters (CJK). When the page still cannot hold the
// table, the widest non-wrapping column is set in smaller type, step by
// step, rather than wrapped.
type Column struct {
	Title string
	// Width weighs a Wrap column's share of the space left over (1 when 0);
	// without Wrap columns the spare width goes to all columns by their
	// size.
	Width float64
	Align string
	Wrap  bool
}

// Table is a table whose header row repeats after each page break; Totals,
// when set, is a bold last row. Caption, when set, is its heading, kept on
// the page with the header and the first two rows.
type Table struct {
	Caption string
	Columns []Column
	Rows    [][]string
	Totals  []string
	// Size is the type size in points (0: the body's 9 pt); wide tables
	// read better at 8.
	Size float64
}

// Paragraph is wrapped text, optionally bold.
type Paragraph struct {
	Text string
	Bold bool
}

// Heading is a section heading. It is never left alone at the foot of a
// page: it moves to the next page unless the start of the block after it
// (a table's header and two rows, two rows of fields, two lines) fits
// under it.
type Heading string

// Signatures are labelled lines to sign on, side by side ("制单 Prepared
// by", "审核 Approved by"…).
type Signatures []string

// Party is one side of a document (the enterprise, the customer): a bold
// title over label/value lines. Empty values are left out.
type Party struct {
	Title string
	Items []Field
}

// Parties are the sides of a document side by side, kept together on one
// page.
type Parties []Party

// SignBlock is the signature block of one side: its name, then a line to
// sign on, a line for the date and a space for the seal (公章), each with
// its label.
type SignBlock struct {
	Party, Sign, Date, Seal string
}

// SignBlocks are the sides' signature blocks side by side, kept together.
type SignBlocks []SignBlock

// Spacer is vertical space in millimetres.
type Spacer float64

func (*Table) block()     {}
func (*Fields) block()    {}
func (*Paragraph) block() {}
func (Heading) block()    {}
func (Signatures) block() {}
func (Parties) block()    {}
func (SignBlocks) block() {}
func (Spacer) block()     {}

// Page geometry and type sizes (mm, pt).
const (
	margin   = 14.0
	bottom   = 16.0 // space kept for the footer
	baseSize = 9.0
	lineH    = 4.6 // line height at baseSize
	padX     = 1.6 // cell margin: amounts stand clear of the cell border
	padY     = 1.0
	// minSize is the smallest type a column shrinks to; textMin the
	// narrowest a wrapping column gets before numbers shrink.
	minSize = 5.5
	textMin = 26.0
	// keepRows are the rows of a table (or fields) kept with its heading.
	keepRows = 2
	// slack keeps a measured width clear of rounding when it is measured
	// again against the column.
	slack = 0.2
)

// errNoCreated refuses a layout without its creation instant: gofpdf would
// otherwise stamp the host's wall clock.
var errNoCreated = errors.New("pdf: Layout.Created is required (the store clock's instant)")

var renderSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// buildSlots bound the documents being assembled by callers that read much
// to build a layout (the statement: a customer's ledger for the period and
// its confirmations), one per core like the rendering itself: 64 first
// downloads at once then hold two documents' data and layouts, not 64,
// while the others wait their turn before reading anything.
var buildSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// building counts the callers holding a build slot; peakBuilding is the
// most seen at once, builds every slot taken.
var building, peakBuilding, builds atomic.Int64

// Builds reports how many build slots were taken since start and the most
// held at once.
func Builds() (taken, peak int64) { return builds.Load(), peakBuilding.Load() }

// Build waits for a build slot and returns its release, which the caller
// must call once the document is rendered (or given up). A caller holding
// a slot may Render (rendering has slots of its own).
func Build() (release func()) {
	buildSlots <- struct{}{}
	builds.Add(1)
	raisePeak(&peakBuilding, building.Add(1))
	return func() {
		building.Add(-1)
		<-buildSlots
	}
}

// raisePeak raises peak to n when n is larger.
func raisePeak(peak *atomic.Int64, n int64) {
	for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
	}
}

// rendering counts the documents being laid out; peakRendering is the most
// seen at once.
var rendering, peakRendering atomic.Int64

// Render lays out l and returns the PDF, from the cache of finished PDFs
// when a layout with the same Key was rendered recently (cache.go). The
// bytes may be shared: callers must not change them. Errors: a zero
// Created, or from gofpdf (fonts, output); they are returned, never
// printed.
func Render(l *Layout) ([]byte, error) {
	return RenderKey(l, l.Key())
}

// RenderKey is Render for a layout whose Key the caller has already taken
// (e.g. for an ETag).
func RenderKey(l *Layout, k Key) ([]byte, error) {
	if l.Created.IsZero() {
		return nil, errNoCreated
	}
	if CacheBytes > 0 {
		if out := cacheGet(k); out != nil {
			return out, nil
		}
	}
	out, err := render(l)
	if err == nil {
		cachePut(k, out)
	}
	return out, err
}

// render lays out l. A document holds about 1 MB per page while it is
// laid out (a 25-page statement about 11 MB, see PERFORMANCE.md): at most
// one per core at a time, so that 64 concurrent downloads queue for the
// CPU instead of holding 64 documents' memory at once (which made every
// other request wait for the garbage collector).
func render(l *Layout) ([]byte, error) {
	renderSlots <- struct{}{}
	defer func() { <-renderSlots }()
	raisePeak(&peakRendering, rendering.Add(1))
	defer rendering.Add(-1)
	f, err := newPDF(l)
	if err != nil {
		return nil, err
	}
	// Pass 1 counts the pages; pass 2 draws with the total known. Both use
	// the same gofpdf document (fonts parsed once) and widths.
	widths, geoms := map[widthKey]float64{}, map[*Table]*tableGeom{}
	dry := &engine{l: l, f: f, dry: true, widths: widths, geoms: geoms}
	dry.w, dry.h = f.GetPageSize()
	dry.run()
	e := &engine{l: l, f: f, total: dry.page, w: dry.w, h: dry.h, widths: widths, geoms: geoms}
	e.run()
	if err := e.f.Error(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := e.f.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// engine lays out one pass: dry passes measure and count pages only.
type engine struct {
	l      *Layout
	f      *gofpdf.Fpdf
	dry    bool
	total  int
	page   int
	y      float64
	w, h   float64 // page size
	top    float64 // where the body starts under the running header
	widths map[widthKey]float64
	geoms  map[*Table]*tableGeom
}

func newPDF(l *Layout) (*gofpdf.Fpdf, error) {
	orient := "P"
	if l.Landscape {
		orient = "L"
	}
	f := gofpdf.New(orient, "mm", "A4", "")
	f.SetMargins(margin, margin, margin)
	// text() places every run itself: gofpdf's own cell margin (1 mm by
	// default) would push each run right, and a right-aligned amount into
	// the cell border.
	f.SetCellMargin(0)
	f.SetAutoPageBreak(false, bottom)
	// gofpdf lists fonts and other resources in map order unless told to
	// sort them: sorted, the same layout gives the same bytes every time.
	f.SetCatalogSort(true)
	if err := addFonts(f); err != nil {
		return nil, err
	}
	f.SetCreationDate(l.Created)
	f.SetModificationDate(l.Created)
	f.SetTitle(strings.TrimSpace(l.Title+" "+l.Number), true)
	f.SetAuthor(l.Author, true)
	f.SetCreator("dealer portal", true)
	return f, nil
}

func (e *engine) contentW() float64 { return e.w - 2*margin }
func (e *engine) limit() float64    { return e.h - bottom }

func (e *engine) run() {
	e.newPage()
	if len(e.l.Fields) > 0 {
		e.fields(&Fields{Items: e.l.Fields})
	}
	for i, b := range e.l.Blocks {
		switch x := b.(type) {
		case *Table:
			e.table(x)
		case *Fields:
			e.fields(x)
		case *Paragraph:
			e.paragraph(x)
		case Heading:
			var next Block
			if i+1 < len(e.l.Blocks) {
				next = e.l.Blocks[i+1]
			}
			e.heading(string(x), next)
		case Signatures:
			e.signatures(x)
		case Parties:
			e.parties(x)
		case SignBlocks:
			e.signBlocks(x)
		case Spacer:
			// Space at the top of a page is dropped, not carried over.
			if !e.ensure(float64(x)) {
				e.y += float64(x)
			}
		}
	}
}

// newPage starts a page: the running header, and the footer with "p/N".
func (e *engine) newPage() {
	e.page++
	e.y = margin
	if !e.dry {
		e.f.AddPage()
		e.f.SetTextColor(110, 110, 110)
		e.text(margin, e.h-bottom+6, e.contentW(), lineH, e.l.Footer, "L", false, 7.5)
		e.text(margin, e.h-bottom+6, e.contentW(), lineH, strconv.Itoa(e.page)+"/"+strconv.Itoa(e.total), "R", false, 7.5)
		e.text(margin, e.y, e.contentW(), lineH, e.l.Enterprise, "L", false, 8)
		e.f.SetTextColor(0, 0, 0)
	}
	e.y += lineH + 1
	if !e.dry {
		e.text(margin, e.y, e.contentW()*0.7, 8, e.l.Title, "L", true, 15)
		e.text(margin, e.y+1.5, e.contentW(), 6, e.l.Number, "R", true, 11)
	}
	e.y += 8
	if e.l.Subtitle != "" {
		if !e.dry {
			e.f.SetTextColor(80, 80, 80)
			e.text(margin, e.y, e.contentW(), lineH, e.l.Subtitle, "L", false, baseSize)
			e.f.SetTextColor(0, 0, 0)
		}
		e.y += lineH
	}
	if !e.dry {
		e.f.SetDrawColor(60, 60, 60)
		e.f.SetLineWidth(0.4)
		e.f.Line(margin, e.y+1, e.w-margin, e.y+1)
		e.f.SetLineWidth(0.2)
	}
	e.y += 3
	e.top = e.y
}

// ensure starts a new page unless h more millimetres fit (or the page is
// still empty: a block taller than a page starts where it is); it reports
// whether it did.
func (e *engine) ensure(h float64) bool {
	if e.y+h <= e.limit() || e.y <= e.top {
		return false
	}
	e.newPage()
	return true
}

// ---- text in runs ----

type run struct {
	fam, s string
}

// runs splits s into runs of one font each.
func runs(s string) []run {
	var out []run
	var b strings.Builder
	cur := ""
	for _, r := range s {
		if r > 0xFFFF {
			// gofpdf's UTF-8 fonts address glyphs by 16-bit code: a rune
			// beyond the Basic Multilingual Plane (a rare name character
			// of CJK Extension B, an emoji) would overrun its tables. It
			// prints as U+FFFD, the replacement character.
			r = '\uFFFD'
		}
		fam := famLatin
		if isCJK(r) {
			fam = famCJK
		}
		if fam != cur && b.Len() > 0 {
			out = append(out, run{cur, b.String()})
			b.Reset()
		}
		cur = fam
		b.WriteRune(r)
	}
	if b.Len() > 0 {
		out = append(out, run{cur, b.String()})
	}
	return out
}

func (e *engine) setFont(fam string, bold bool, size float64) {
	style := ""
	if bold && fam == famLatin {
		style = "B" // the CJK font has no bold face
	}
	e.f.SetFont(fam, style, size)
}

// widthKey is a measured text: the same string at the same size and
// weight is measured once per document.
type widthKey struct {
	s    string
	size float64
	bold bool
}

// width measures s as drawn in runs.
func (e *engine) width(s string, bold bool, size float64) float64 {
	key := widthKey{s, size, bold}
	if w, ok := e.widths[key]; ok {
		return w
	}
	w := 0.0
	for _, r := range runs(s) {
		e.setFont(r.fam, bold, size)
		w += e.f.GetStringWidth(r.s)
	}
	e.widths[key] = w
	return w
}

// text draws one line of s in the box (x, y, w, h), aligned L, R or C.
func (e *engine) text(x, y, w, h float64, s, align string, bold bool, size float64) {
	if s == "" || e.dry {
		return
	}
	tw := e.width(s, bold, size)
	switch align {
	case "R":
		x += w - tw
	case "C":
		x += (w - tw) / 2
	}
	for _, r := range runs(s) {
		e.setFont(r.fam, bold, size)
		rw := e.f.GetStringWidth(r.s)
		e.f.SetXY(x, y)
		e.f.CellFormat(rw, h, r.s, "", 0, "L", false, 0, "")
		x += rw
	}
}

// wrap breaks s into lines no wider than w: at spaces in Latin text, at
// any character in CJK text, inside a word only when it alone is too wide.
func (e *engine) wrap(s string, w float64, bold bool, size float64) []string {
	var lines []string
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		lines = append(lines, e.wrapLine(para, w, bold, size)...)
	}
	return lines
}

func (e *engine) wrapLine(s string, w float64, bold bool, size float64) []string {
	if s == "" || e.width(s, bold, size) <= w {
		return []string{s}
	}
	toks := tokens(s)
	var lines []string
	line := ""
	for _, t := range toks {
		if e.width(line+t, bold, size) <= w {
			line += t
			continue
		}
		if line != "" {
			lines = append(lines, strings.TrimRight(line, " "))
			line = ""
		}
		// A token too wide for a line on its own is cut by runes.
		for e.width(t, bold, size) > w {
			cut := ""
			for _, r := range t {
				if e.width(cut+string(r), bold, size) > w && cut != "" {
					break
				}
				cut += string(r)
			}
			lines = append(lines, cut)
			t = t[len(cut):]
		}
		line = t
	}
	if strings.TrimSpace(line) != "" {
		lines = append(lines, strings.TrimRight(line, " "))
	}
	return lines
}

// tokens splits s where a line may break: a CJK rune each, a Latin word
// with its trailing spaces.
func tokens(s string) []string {
	var toks []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			toks = append(toks, b.String())
			b.Reset()
		}
	}
	prevSpace := false
	for _, r := range s {
		switch {
		case isCJK(r):
			flush()
			toks = append(toks, string(r))
			prevSpace = false
			continue
		case r == ' ':
			b.WriteRune(r)
			prevSpace = true
			continue
		case prevSpace:
			flush()
		}
		prevSpace = false
		b.WriteRune(r)
	}
	flush()
	return toks
}

// lines splits s at its line breaks.
func lines(s string) []string { return strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") }

// unbreakable reports whether s is one token that must stay on one line
// (an amount, a number, a date, a code): no space, no CJK, no line break.
func unbreakable(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r == ' ' || r == '\n' || isCJK(r) {
			return false
		}
	}
	return true
}

// fitSize is the type size, at most size, at which s fits in w: s is shrunk
// rather than broken (never below 4 pt).
func (e *engine) fitSize(s string, w float64, bold bool, size float64) float64 {
	tw := e.width(s, bold, size)
	if tw <= w || tw == 0 {
		return size
	}
	return max(4, math.Floor(size*w/tw*4)/4)
}

// ---- blocks ----

// fieldRow is one laid-out row of a fields grid: each item's label and
// value lines, the value's type size, and the row's height.
type fieldRow struct {
	labels, values [][]string
	sizes          []float64
	h              float64
}

// fieldRows lays out a grid of w millimetres: Cols pairs a row, labels as
// wide as the longest (within reason), values in the rest. A value that
// is one unbreakable token (an amount, a number, a code) shrinks to fit
// rather than break.
func (e *engine) fieldRows(items []Field, cols int, w float64) (rows []fieldRow, labelW, colW float64) {
	if cols <= 0 {
		cols = 2
	}
	colW = w / float64(cols)
	for _, f := range items {
		labelW = max(labelW, e.width(f.Label, false, baseSize)+2.5)
	}
	labelW = min(labelW, colW*0.42)
	valW := colW - labelW - 3
	for i := 0; i < len(items); i += cols {
		row := items[i:min(i+cols, len(items))]
		r := fieldRow{labels: make([][]string, len(row)), values: make([][]string, len(row)), sizes: make([]float64, len(row))}
		n := 1
		for j, f := range row {
			r.sizes[j] = baseSize
			if unbreakable(f.Value) {
				r.values[j] = []string{f.Value}
				r.sizes[j] = e.fitSize(f.Value, valW, false, baseSize)
			} else {
				r.values[j] = e.wrap(f.Value, valW, false, baseSize)
			}
			r.labels[j] = e.wrap(f.Label, labelW-1.5, false, baseSize)
			n = max(n, len(r.values[j]), len(r.labels[j]))
		}
		r.h = float64(n)*lineH + 0.6
		rows = append(rows, r)
	}
	return rows, labelW, colW
}

// drawFieldRow draws r at x, e.y.
func (e *engine) drawFieldRow(r fieldRow, x, labelW, colW float64) {
	for j := range r.values {
		cx := x + float64(j)*colW
		if !e.dry {
			e.f.SetTextColor(90, 90, 90)
		}
		for k, ln := range r.labels[j] {
			e.text(cx, e.y+float64(k)*lineH, labelW, lineH, ln, "L", false, baseSize)
		}
		if !e.dry {
			e.f.SetTextColor(0, 0, 0)
		}
		for k, ln := range r.values[j] {
			e.text(cx+labelW, e.y+float64(k)*lineH, colW-labelW-3, lineH, ln, "L", false, r.sizes[j])
		}
	}
}

func (e *engine) fields(fl *Fields) {
	rows, labelW, colW := e.fieldRows(fl.Items, fl.Cols, e.contentW())
	for _, r := range rows {
		e.ensure(r.h)
		e.drawFieldRow(r, margin, labelW, colW)
		e.y += r.h
	}
	e.y += 2
}

func (e *engine) paragraph(p *Paragraph) {
	for _, ln := range e.wrap(p.Text, e.contentW(), p.Bold, baseSize) {
		e.ensure(lineH)
		e.text(margin, e.y, e.contentW(), lineH, ln, "L", p.Bold, baseSize)
		e.y += lineH
	}
	e.y += 1.5
}

// headingH is the height a heading (or a table's caption) takes.
const headingH = lineH + 1.5

// heading draws a section heading, on this page only if the start of next
// fits under it.
func (e *engine) heading(s string, next Block) {
	e.ensure(headingH + e.leadHeight(next))
	e.y += 0.5
	e.text(margin, e.y, e.contentW(), lineH, s, "L", true, baseSize+1)
	e.y += headingH - 0.5
}

// leadHeight is the height of the part of b a heading keeps with it: a
// table's caption, header and first rows (its totals too when it has
// fewer rows), the first rows of fields, the first lines of a paragraph,
// the whole of a block kept together.
func (e *engine) leadHeight(b Block) float64 {
	switch x := b.(type) {
	case *Table:
		return e.tableLead(x)
	case *Fields:
		rows, _, _ := e.fieldRows(x.Items, x.Cols, e.contentW())
		h := 0.0
		for _, r := range rows[:min(keepRows, len(rows))] {
			h += r.h
		}
		return h
	case *Paragraph:
		return float64(min(keepRows, len(e.wrap(x.Text, e.contentW(), x.Bold, baseSize)))) * lineH
	case Signatures:
		return signaturesH
	case Parties:
		return e.partiesHeight(x)
	case SignBlocks:
		_, _, h := e.signBlockLayout(x)
		return h + 4
	case Spacer:
		return float64(x)
	}
	return 0
}

const signaturesH = lineH + 10

func (e *engine) signatures(s Signatures) {
	if len(s) == 0 {
		return
	}
	e.ensure(signaturesH)
	e.y += 8
	w := e.contentW() / float64(len(s))
	for i, label := range s {
		x := margin + float64(i)*w
		e.text(x, e.y, w, lineH, Colon(label), "L", false, baseSize)
		if !e.dry {
			lw := e.width(Colon(label), false, baseSize)
			e.f.Line(x+lw+1, e.y+lineH-0.5, x+w-6, e.y+lineH-0.5)
		}
	}
	e.y += lineH + 2
}

// Colon ends a label: "：" after Chinese, ": " after anything else.
func Colon(label string) string {
	r, _ := utf8.DecodeLastRuneInString(label)
	if isCJK(r) {
		return label + "："
	}
	return label + ": "
}

// ---- parties and signature blocks ----

const partyGap = 8.0

// partyLayout lays out each party's lines in its half of the page.
func (e *engine) partyLayout(ps Parties) (rows [][]fieldRow, labelW, colW float64) {
	w := (e.contentW() - partyGap*float64(len(ps)-1)) / float64(len(ps))
	rows = make([][]fieldRow, len(ps))
	var items [][]Field
	for _, p := range ps {
		var it []Field
		for _, f := range p.Items {
			if strings.TrimSpace(f.Value) != "" {
				it = append(it, f)
			}
		}
		items = append(items, it)
	}
	// One label width for both sides, so their values line up.
	var all []Field
	for _, it := range items {
		all = append(all, it...)
	}
	_, labelW, colW = e.fieldRows(all, 1, w)
	for i, it := range items {
		for _, f := range it {
			r, _, _ := e.fieldRows([]Field{f}, 1, w)
			// fieldRows measured the label width alone: re-wrap at the shared one.
			r[0].labels[0] = e.wrap(f.Label, labelW-1.5, false, baseSize)
			if !unbreakable(f.Value) {
				r[0].values[0] = e.wrap(f.Value, colW-labelW-3, false, baseSize)
			}
			r[0].h = float64(max(len(r[0].labels[0]), len(r[0].values[0])))*lineH + 0.6
			rows[i] = append(rows[i], r[0])
		}
	}
	return rows, labelW, colW
}

func (e *engine) partiesHeight(ps Parties) float64 {
	if len(ps) == 0 {
		return 0
	}
	rows, _, _ := e.partyLayout(ps)
	h := 0.0
	for _, rs := range rows {
		t := 0.0
		for _, r := range rs {
			t += r.h
		}
		h = max(h, t)
	}
	return headingH + h + 3
}

// parties draws the sides side by side, each under its title, all on one
// page.
func (e *engine) parties(ps Parties) {
	if len(ps) == 0 {
		return
	}
	e.ensure(e.partiesHeight(ps))
	rows, labelW, colW := e.partyLayout(ps)
	y0 := e.y
	end := y0
	for i, p := range ps {
		x := margin + float64(i)*(colW+partyGap)
		e.y = y0
		e.text(x, e.y, colW, lineH, p.Title, "L", true, baseSize+0.5)
		if !e.dry {
			e.f.SetDrawColor(170, 170, 170)
			e.f.Line(x, e.y+lineH+0.3, x+colW, e.y+lineH+0.3)
		}
		e.y += headingH
		for _, r := range rows[i] {
			e.drawFieldRow(r, x, labelW, colW)
			e.y += r.h
		}
		end = max(end, e.y)
	}
	e.y = end + 3
}

// sealD is the seal space across (a company seal is 38–42 mm; the circle
// drawn is a guide, not a frame).
const sealD = 36.0

// signBlockLayout is the width of each signature block, its party's lines,
// and the blocks' height.
func (e *engine) signBlockLayout(bs SignBlocks) (w float64, parties [][]string, h float64) {
	w = (e.contentW() - partyGap*float64(len(bs)-1)) / float64(len(bs))
	n := 1
	for _, b := range bs {
		ls := e.wrap(b.Party, w-2*padX-2, true, baseSize)
		parties = append(parties, ls)
		n = max(n, len(ls))
	}
	return w, parties, 1.5 + float64(n)*lineH + sealD + 4
}

// signBlocks draws each side's block — party name, signature line, date
// line, and a dashed circle to stamp the seal in — side by side, kept
// together on one page.
func (e *engine) signBlocks(bs SignBlocks) {
	if len(bs) == 0 {
		return
	}
	w, parties, h := e.signBlockLayout(bs)
	e.ensure(h + 4)
	y := e.y + 2
	for i, b := range bs {
		x := margin + float64(i)*(w+partyGap)
		if !e.dry {
			e.f.SetDrawColor(150, 150, 150)
			e.f.Rect(x, y, w, h, "D")
		}
		for k, ln := range parties[i] {
			e.text(x+padX+1, y+1.5+float64(k)*lineH, w-2*padX-2, lineH, ln, "L", true, baseSize)
		}
		top := y + h - sealD - 4 // the space under the party's name
		lineW := w - sealD - 6
		for k, label := range []string{b.Sign, b.Date} {
			ly := top + 6 + float64(k)*13
			e.text(x+padX+1, ly, lineW, lineH, Colon(label), "L", false, baseSize)
			if !e.dry {
				lw := e.width(Colon(label), false, baseSize)
				e.f.Line(x+padX+1+lw+1, ly+lineH-0.5, x+lineW, ly+lineH-0.5)
			}
		}
		cx, cy := x+w-sealD/2-2, top+sealD/2+2
		if !e.dry {
			e.f.SetDrawColor(190, 190, 190)
			e.f.SetDashPattern([]float64{1.2, 1.2}, 0)
			e.f.Circle(cx, cy, sealD/2-1, "D")
			e.f.SetDashPattern(nil, 0)
			e.f.SetTextColor(150, 150, 150)
		}
		e.text(cx-sealD/2, cy-lineH/2, sealD, lineH, b.Seal, "C", false, baseSize)
		if !e.dry {
			e.f.SetTextColor(0, 0, 0)
		}
	}
	e.y += h + 4
}

// ---- tables ----

// tableGeom is a table's column widths and type sizes, computed once per
// document from its content.
type tableGeom struct {
	ws, sizes []float64
	size      float64 // the table's type size
}

// measure is a column's content at baseSize: its widest value (rows and
// bold totals), its title's full width and the narrowest it takes on two
// lines.
type measure struct {
	val, headFull, headMin float64
}

// measureColumn measures column i of t at baseSize.
func (e *engine) measureColumn(t *Table, i int) measure {
	var m measure
	cell := func(s string, bold bool) {
		for _, ln := range lines(s) {
			m.val = max(m.val, e.width(ln, bold, baseSize))
		}
	}
	for _, r := range t.Rows {
		if i < len(r) {
			cell(r[i], false)
		}
	}
	if i < len(t.Totals) {
		cell(t.Totals[i], true)
	}
	title := t.Columns[i].Title
	m.headFull = e.width(title, true, baseSize)
	m.headMin = m.headFull
	if m.headFull > 0 {
		// The narrowest width at which the title takes at most two lines:
		// no narrower than its widest token, found by halving.
		lo := 0.0
		for _, tok := range tokens(title) {
			lo = max(lo, e.width(strings.TrimRight(tok, " "), true, baseSize))
		}
		hi := m.headFull
		for hi-lo > 0.2 {
			mid := (lo + hi) / 2
			if len(e.wrap(title, mid, true, baseSize)) <= 2 {
				hi = mid
			} else {
				lo = mid
			}
		}
		m.headMin = hi
	}
	return m
}

// geometry sizes t's columns (see Column): non-wrapping columns at their
// widest value (title on up to two lines), wrapping ones at least textMin;
// while that is wider than the page, the widest non-wrapping columns shrink
// by a quarter point (down to minSize). The width left over goes first to
// titles on one line, then to the wrapping columns.
func (e *engine) geometry(t *Table) *tableGeom {
	if g, ok := e.geoms[t]; ok {
		return g
	}
	size := t.Size
	if size <= 0 {
		size = baseSize
	}
	n := len(t.Columns)
	ms := make([]measure, n)
	g := &tableGeom{ws: make([]float64, n), sizes: make([]float64, n), size: size}
	for i := range t.Columns {
		ms[i] = e.measureColumn(t, i)
		g.sizes[i] = size
	}
	avail := e.contentW()
	k := func(i int) float64 { return g.sizes[i] / baseSize }
	want := func(i int) float64 { return max(ms[i].val, ms[i].headFull)*k(i) + 2*padX + slack }
	need := func(i int) float64 {
		if t.Columns[i].Wrap {
			return min(max(ms[i].headMin*k(i)+2*padX+slack, textMin), want(i))
		}
		return max(ms[i].val, ms[i].headMin)*k(i) + 2*padX + slack
	}
	sum := func(f func(int) float64) float64 {
		s := 0.0
		for i := range n {
			s += f(i)
		}
		return s
	}
	for sum(need) > avail {
		// The widest non-wrapping columns shrink together (those within a
		// quarter of the widest), so that amounts side by side keep one
		// size.
		widest := 0.0
		for i, c := range t.Columns {
			if !c.Wrap && g.sizes[i] > minSize {
				widest = max(widest, need(i))
			}
		}
		if widest == 0 {
			break
		}
		for i, c := range t.Columns {
			if !c.Wrap && g.sizes[i] > minSize && need(i) >= widest*0.75 {
				g.sizes[i] = max(minSize, g.sizes[i]-0.25)
			}
		}
	}
	for i := range n {
		g.ws[i] = need(i)
	}
	rest := avail - sum(func(i int) float64 { return g.ws[i] })
	// grow widens the columns that pick selects toward target, sharing rest
	// in proportion to what each lacks.
	grow := func(pick func(int) bool, target func(int) float64) {
		lack := 0.0
		for i := range n {
			if pick(i) {
				lack += max(0, target(i)-g.ws[i])
			}
		}
		if lack <= 0 || rest <= 0 {
			return
		}
		f := min(1, rest/lack)
		for i := range n {
			if pick(i) {
				g.ws[i] += max(0, target(i)-g.ws[i]) * f
			}
		}
		rest -= lack * f
	}
	isWrap := func(i int) bool { return t.Columns[i].Wrap }
	// Titles go on one line where the space allows, narrowest gain first;
	// a title is on one line or on two, never cut in between ("交货日/期").
	var short []int
	for i, c := range t.Columns {
		if !c.Wrap && want(i) > g.ws[i] {
			short = append(short, i)
		}
	}
	slices.SortFunc(short, func(a, b int) int { return cmp.Compare(want(a)-g.ws[a], want(b)-g.ws[b]) })
	for _, i := range short {
		if d := want(i) - g.ws[i]; d <= rest {
			g.ws[i] += d
			rest -= d
		}
	}
	grow(isWrap, want)
	if rest > 0 {
		weight := func(i int) float64 { return max(t.Columns[i].Width, 0.01) }
		pick := isWrap
		if !slices.ContainsFunc(t.Columns, func(c Column) bool { return c.Wrap }) {
			weight = func(i int) float64 { return g.ws[i] }
			pick = func(int) bool { return true }
		}
		total := 0.0
		for i := range n {
			if pick(i) {
				total += weight(i)
			}
		}
		for i := range n {
			if pick(i) {
				g.ws[i] += rest * weight(i) / total
			}
		}
		rest = 0
	}
	if s := sum(func(i int) float64 { return g.ws[i] }); s > avail {
		// Even the smallest type does not fit: squeeze every column (its
		// cells then shrink further, one by one, rather than wrap).
		for i := range g.ws {
			g.ws[i] *= avail / s
		}
	}
	e.geoms[t] = g
	return g
}

// cell lays out one cell of column i: its lines and type size. A wrapping
// column (and every title) wraps; any other keeps each line whole, set
// smaller if it does not fit.
func (e *engine) cell(t *Table, g *tableGeom, i int, s string, bold, head bool) ([]string, float64) {
	w := g.ws[i] - 2*padX
	size := g.sizes[i]
	if head {
		// A title keeps the table's type when it fits on two lines, even
		// over a column set smaller.
		if ts := g.size; ts > size {
			if ls := e.wrap(s, w, bold, ts); len(ls) <= 2 {
				return ls, ts
			}
		}
		return e.wrap(s, w, bold, size), size
	}
	if t.Columns[i].Wrap {
		return e.wrap(s, w, bold, size), size
	}
	ls := lines(s)
	fit := size
	for _, ln := range ls {
		fit = min(fit, e.fitSize(ln, w, bold, size))
	}
	return ls, fit
}

func (e *engine) rowHeight(t *Table, g *tableGeom, cells []string, bold, head bool) float64 {
	h := lineFor(g.sizes[0])
	for i, s := range cells {
		if i < len(t.Columns) {
			ls, size := e.cell(t, g, i, s, bold, head)
			h = max(h, float64(len(ls))*lineFor(max(size, g.sizes[i])))
		}
	}
	return h + 2*padY
}

func (e *engine) headCells(t *Table) []string {
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = c.Title
	}
	return head
}

// tableLead is the height of t's caption, header and first keepRows rows
// (and its totals row when it has fewer rows): what never stays alone at
// the foot of a page.
func (e *engine) tableLead(t *Table) float64 {
	if len(t.Columns) == 0 {
		return 0
	}
	g := e.geometry(t)
	h := e.rowHeight(t, g, e.headCells(t), true, true)
	if t.Caption != "" {
		h += headingH
	}
	for _, r := range t.Rows[:min(keepRows, len(t.Rows))] {
		h += e.rowHeight(t, g, r, false, false)
	}
	if len(t.Rows) < keepRows && len(t.Totals) > 0 {
		h += e.rowHeight(t, g, t.Totals, true, false)
	}
	return h
}

func (e *engine) table(t *Table) {
	if len(t.Columns) == 0 {
		return
	}
	g := e.geometry(t)
	// The caption and the header never stand alone at the foot of a page.
	e.ensure(e.tableLead(t))
	if t.Caption != "" {
		e.y += 0.5
		e.text(margin, e.y, e.contentW(), lineH, t.Caption, "L", true, baseSize+1)
		e.y += headingH - 0.5
	}
	head := e.headCells(t)
	drawHead := func() { e.row(t, g, head, true, true) }
	drawHead()
	for _, r := range t.Rows {
		if e.ensure(e.rowHeight(t, g, r, false, false)) {
			drawHead()
		}
		e.row(t, g, r, false, false)
	}
	if len(t.Totals) > 0 {
		if e.ensure(e.rowHeight(t, g, t.Totals, true, false)) {
			drawHead()
		}
		e.row(t, g, t.Totals, true, false)
	}
	e.y += 3
}

// lineFor is the line height at a type size.
func lineFor(size float64) float64 { return lineH * size / baseSize }

func (e *engine) row(t *Table, g *tableGeom, cells []string, bold, head bool) {
	h := e.rowHeight(t, g, cells, bold, head)
	if !e.dry {
		x := margin
		e.f.SetDrawColor(170, 170, 170)
		for i, c := range t.Columns {
			style := "D"
			if head {
				e.f.SetFillColor(236, 236, 236)
				style = "FD"
			}
			e.f.Rect(x, e.y, g.ws[i], h, style)
			if i < len(cells) {
				align := c.Align
				if head {
					align = "C"
				}
				ls, size := e.cell(t, g, i, cells[i], bold, head)
				// A line set smaller than its column's type keeps the
				// column's line height; a title set larger takes its own.
				lh := lineFor(max(size, g.sizes[i]))
				for k, ln := range ls {
					e.text(x+padX, e.y+padY+float64(k)*lh, g.ws[i]-2*padX, lh, ln, align, bold, size)
				}
			}
			x += g.ws[i]
		}
	}
	e.y += h
}

// Pairs builds fields from label, value pairs.
func Pairs(kv ...string) []Field {
	out := make([]Field, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Field{Label: kv[i], Value: kv[i+1]})
	}
	return out
}
