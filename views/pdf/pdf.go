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
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

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
// *Signatures or Spacer.
type Block interface{ block() }

// Fields is a grid of label/value pairs, Cols pairs per row (2 when 0).
type Fields struct {
	Items []Field
	Cols  int
}

// Column is one table column: its title, relative width (weights; the
// table fills the page width) and alignment ("L", "R" or "C").
type Column struct {
	Title string
	Width float64
	Align string
}

// Table is a table whose header row repeats after each page break; Totals,
// when set, is a bold last row. Cells wrap.
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

// Signatures are labelled lines to sign on, side by side ("制单 Prepared
// by", "审核 Approved by"…).
type Signatures []string

// Spacer is vertical space in millimetres.
type Spacer float64

func (*Table) block()     {}
func (*Fields) block()    {}
func (*Paragraph) block() {}
func (Signatures) block() {}
func (Spacer) block()     {}

// Page geometry and type sizes (mm, pt).
const (
	margin   = 14.0
	bottom   = 16.0 // space kept for the footer
	baseSize = 9.0
	lineH    = 4.6 // line height at baseSize
	padX     = 1.2
	padY     = 1.0
)

// errNoCreated refuses a layout without its creation instant: gofpdf would
// otherwise stamp the host's wall clock.
var errNoCreated = errors.New("pdf: Layout.Created is required (the store clock's instant)")

// Render lays out l and returns the PDF. Errors: a zero Created, or from gofpdf (fonts,
// output); they are returned, never printed.
func Render(l *Layout) ([]byte, error) {
	if l.Created.IsZero() {
		return nil, errNoCreated
	}
	used := map[rune]bool{}
	for _, s := range l.texts() {
		for _, r := range s {
			used[r] = true
		}
	}
	f, err := newPDF(l, used)
	if err != nil {
		return nil, err
	}
	// Pass 1 counts the pages; pass 2 draws with the total known. Both use
	// the same gofpdf document (fonts parsed once) and widths.
	widths := map[string]float64{}
	dry := &engine{l: l, f: f, dry: true, widths: widths}
	dry.w, dry.h = f.GetPageSize()
	dry.run()
	e := &engine{l: l, f: f, total: dry.page, w: dry.w, h: dry.h, widths: widths}
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

// texts lists every string the layout prints (for the font choice).
func (l *Layout) texts() []string {
	out := []string{l.Enterprise, l.Title, l.Number, l.Subtitle, l.Footer, "0123456789/"}
	for _, f := range l.Fields {
		out = append(out, f.Label, f.Value)
	}
	for _, b := range l.Blocks {
		switch x := b.(type) {
		case *Table:
			out = append(out, x.Caption)
			for _, c := range x.Columns {
				out = append(out, c.Title)
			}
			for _, r := range x.Rows {
				out = append(out, r...)
			}
			out = append(out, x.Totals...)
		case *Fields:
			for _, f := range x.Items {
				out = append(out, f.Label, f.Value)
			}
		case *Paragraph:
			out = append(out, x.Text)
		case Signatures:
			out = append(out, x...)
		}
	}
	return out
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
	widths map[string]float64
}

func newPDF(l *Layout, used map[rune]bool) (*gofpdf.Fpdf, error) {
	orient := "P"
	if l.Landscape {
		orient = "L"
	}
	f := gofpdf.New(orient, "mm", "A4", "")
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(false, bottom)
	if err := addFonts(f, used); err != nil {
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
	for _, b := range e.l.Blocks {
		switch x := b.(type) {
		case *Table:
			e.table(x)
		case *Fields:
			e.fields(x)
		case *Paragraph:
			e.paragraph(x)
		case Signatures:
			e.signatures(x)
		case Spacer:
			e.ensure(float64(x))
			e.y += float64(x)
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
}

// ensure starts a new page unless h more millimetres fit; it reports
// whether it did.
func (e *engine) ensure(h float64) bool {
	if e.y+h <= e.limit() {
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

// width measures s as drawn in runs.
func (e *engine) width(s string, bold bool, size float64) float64 {
	key := fmt.Sprintf("%t%g\x00%s", bold, size, s)
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
	// Tokens: a CJK rune each; a Latin word with its trailing spaces.
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

// ---- blocks ----

func (e *engine) fields(fl *Fields) {
	cols := fl.Cols
	if cols <= 0 {
		cols = 2
	}
	colW := e.contentW() / float64(cols)
	// Labels get the width of the longest (within reason); values the rest.
	labelW := 0.0
	for _, f := range fl.Items {
		labelW = max(labelW, e.width(f.Label, false, baseSize)+2.5)
	}
	labelW = min(labelW, colW*0.42)
	for i := 0; i < len(fl.Items); i += cols {
		row := fl.Items[i:min(i+cols, len(fl.Items))]
		n := 1
		wrapped := make([][]string, len(row))
		labels := make([][]string, len(row))
		for j, f := range row {
			wrapped[j] = e.wrap(f.Value, colW-labelW-3, false, baseSize)
			labels[j] = e.wrap(f.Label, labelW-1.5, false, baseSize)
			n = max(n, len(wrapped[j]), len(labels[j]))
		}
		h := float64(n)*lineH + 0.6
		e.ensure(h)
		for j := range row {
			x := margin + float64(j)*colW
			if !e.dry {
				e.f.SetTextColor(90, 90, 90)
			}
			for k, ln := range labels[j] {
				e.text(x, e.y+float64(k)*lineH, labelW, lineH, ln, "L", false, baseSize)
			}
			if !e.dry {
				e.f.SetTextColor(0, 0, 0)
			}
			for k, ln := range wrapped[j] {
				e.text(x+labelW, e.y+float64(k)*lineH, colW-labelW-3, lineH, ln, "L", false, baseSize)
			}
		}
		e.y += h
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

func (e *engine) signatures(s Signatures) {
	if len(s) == 0 {
		return
	}
	e.ensure(14)
	e.y += 8
	w := e.contentW() / float64(len(s))
	for i, label := range s {
		x := margin + float64(i)*w
		e.text(x, e.y, w, lineH, label+"：", "L", false, baseSize)
		if !e.dry {
			lw := e.width(label+"：", false, baseSize)
			e.f.Line(x+lw+1, e.y+lineH-0.5, x+w-6, e.y+lineH-0.5)
		}
	}
	e.y += lineH + 2
}

func (e *engine) table(t *Table) {
	if len(t.Columns) == 0 {
		return
	}
	size := t.Size
	if size <= 0 {
		size = baseSize
	}
	sum := 0.0
	for _, c := range t.Columns {
		sum += max(c.Width, 0.01)
	}
	ws := make([]float64, len(t.Columns))
	for i, c := range t.Columns {
		ws[i] = e.contentW() * max(c.Width, 0.01) / sum
	}
	if t.Caption != "" {
		e.ensure(lineH * 3)
		e.text(margin, e.y, e.contentW(), lineH, t.Caption, "L", true, baseSize+1)
		e.y += lineH + 1
	}
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = c.Title
	}
	drawHead := func() { e.row(head, t.Columns, ws, true, true, size) }
	// The header never stands alone at the foot of a page.
	e.ensure(e.rowHeight(head, ws, true, size) + e.rowHeight(firstRow(t), ws, false, size))
	drawHead()
	for _, r := range t.Rows {
		if e.ensure(e.rowHeight(r, ws, false, size)) {
			drawHead()
		}
		e.row(r, t.Columns, ws, false, false, size)
	}
	if len(t.Totals) > 0 {
		if e.ensure(e.rowHeight(t.Totals, ws, true, size)) {
			drawHead()
		}
		e.row(t.Totals, t.Columns, ws, true, false, size)
	}
	e.y += 3
}

func firstRow(t *Table) []string {
	if len(t.Rows) > 0 {
		return t.Rows[0]
	}
	return nil
}

// lineFor is the line height at a type size.
func lineFor(size float64) float64 { return lineH * size / baseSize }

func (e *engine) rowHeight(cells []string, ws []float64, bold bool, size float64) float64 {
	n := 1
	for i, s := range cells {
		if i < len(ws) {
			n = max(n, len(e.wrap(s, ws[i]-2*padX, bold, size)))
		}
	}
	return float64(n)*lineFor(size) + 2*padY
}

func (e *engine) row(cells []string, cols []Column, ws []float64, bold, head bool, size float64) {
	h := e.rowHeight(cells, ws, bold, size)
	if !e.dry {
		x := margin
		e.f.SetDrawColor(170, 170, 170)
		for i := range cols {
			style := "D"
			if head {
				e.f.SetFillColor(236, 236, 236)
				style = "FD"
			}
			e.f.Rect(x, e.y, ws[i], h, style)
			if i < len(cells) {
				align := cols[i].Align
				if head {
					align = "C"
				}
				for k, ln := range e.wrap(cells[i], ws[i]-2*padX, bold, size) {
					e.text(x+padX, e.y+padY+float64(k)*lineFor(size), ws[i]-2*padX, lineFor(size), ln, align, bold, size)
				}
			}
			x += ws[i]
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
