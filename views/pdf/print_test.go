package pdf

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// Print-ready layout rules (DESIGN.md, "Print-ready PDFs"): columns sized
// from their content, numbers never wrapped but shrunk, headings kept with
// what follows, amounts clear of the cell border.

func dryEngine(t *testing.T) *engine {
	t.Helper()
	f, err := newPDF(&Layout{})
	if err != nil {
		t.Fatal(err)
	}
	e := &engine{f: f, dry: true, widths: map[widthKey]float64{}, geoms: map[*Table]*tableGeom{}}
	e.w, e.h = f.GetPageSize()
	return e
}

// orderTable is a sales order's lines: only the name wraps; the delivery
// date column is empty.
func orderTable(price, total string) *Table {
	tb := &Table{Size: 8, Columns: []Column{{Title: "#", Align: "R"}, {Title: "商品编码"}, {Title: "商品名称", Wrap: true}, {Title: "数量", Align: "R"},
		{Title: "含税单价", Align: "R"}, {Title: "税率", Align: "R"}, {Title: "不含税金额", Align: "R"}, {Title: "税额", Align: "R"},
		{Title: "价税合计", Align: "R"}, {Title: "交货日期", Align: "C"}}}
	for i := 1; i <= 12; i++ {
		tb.Rows = append(tb.Rows, []string{fmt.Sprint(i), fmt.Sprintf("P-%06d", i), "交流伺服电机组件套装（含编码器、制动器）High-torque AC servo motor assembly",
			"10 台", price, "13%", price, "¥1,265.49", price, ""})
	}
	tb.Totals = []string{"", "", "合计", "120", "", "", total, "¥15,185.88", total, ""}
	return tb
}

func TestColumnsSizedFromContent(t *testing.T) {
	tb := orderTable("¥1,265.49", "¥15,185.88")
	e := dryEngine(t)
	g := e.geometry(tb)
	sum := 0.0
	for i, c := range tb.Columns {
		sum += g.ws[i]
		m := e.measureColumn(tb, i)
		k := g.sizes[i] / baseSize
		if g.sizes[i] != 8 {
			t.Errorf("column %q shrunk to %g pt though the page holds it", c.Title, g.sizes[i])
		}
		if !c.Wrap && g.ws[i] < m.val*k+2*padX {
			t.Errorf("column %q is %.1f mm, narrower than its widest value %.1f mm plus the cell margin", c.Title, g.ws[i], m.val*k)
		}
	}
	if math.Abs(sum-e.contentW()) > 0.01 {
		t.Errorf("table is %.1f mm wide, the page %.1f mm", sum, e.contentW())
	}
	// The empty delivery date column is as wide as its title, no wider.
	m := e.measureColumn(tb, 9)
	if w := g.ws[9]; w > m.headFull*8/baseSize+2*padX+slack+0.01 {
		t.Errorf("empty column is %.1f mm, its title %.1f mm", w, m.headFull*8/baseSize)
	}
	// The name column takes the rest.
	if g.ws[2] < 40 {
		t.Errorf("name column %.1f mm", g.ws[2])
	}
}

func TestNumbersShrinkNeverWrap(t *testing.T) {
	tb := orderTable("¥123,456,789.01", "−¥1,481,481,468.12")
	e := dryEngine(t)
	g := e.geometry(tb)
	shrunk := false
	sum := 0.0
	for i, c := range tb.Columns {
		sum += g.ws[i]
		if g.sizes[i] < minSize {
			t.Errorf("column %q at %g pt, below the %g pt floor", c.Title, g.sizes[i], minSize)
		}
		shrunk = shrunk || g.sizes[i] < 8
		if c.Wrap {
			continue
		}
		for _, r := range append(tb.Rows, tb.Totals) {
			ls, size := e.cell(tb, g, i, r[i], false, false)
			if len(ls) != 1 || size != g.sizes[i] {
				t.Errorf("column %q: %q laid out as %q at %g pt (column %g pt)", c.Title, r[i], ls, size, g.sizes[i])
			}
		}
	}
	if !shrunk {
		t.Error("nothing shrunk: the fixture fits the page, so it tests nothing")
	}
	if sum > e.contentW()+0.01 {
		t.Errorf("table %.1f mm wide on a %.1f mm page", sum, e.contentW())
	}
	// Amounts side by side keep one size.
	if g.sizes[6] != g.sizes[8] {
		t.Errorf("amount columns at %g and %g pt", g.sizes[6], g.sizes[8])
	}
	// Even a value wider than anything the column was sized for stays on
	// one line, set smaller.
	ls, size := e.cell(tb, g, 6, "¥999,999,999,999,999.99", false, false)
	if len(ls) != 1 || size >= g.sizes[6] || e.width(ls[0], false, size) > g.ws[6]-2*padX {
		t.Errorf("an over-wide amount: %q at %g pt", ls, size)
	}
}

// TestAmountsPaddedAndSigned: a right-aligned amount ends a cell margin
// before the border (gofpdf's own cell margin is off), and the fonts draw
// U+2212 and ¥ with their own glyphs.
func TestAmountsPaddedAndSigned(t *testing.T) {
	e := dryEngine(t)
	if m := e.f.GetCellMargin(); m != 0 {
		t.Errorf("gofpdf cell margin %g mm: every run would shift right", m)
	}
	for _, r := range "−¥" {
		if isCJK(r) {
			t.Errorf("%U drawn with the CJK font", r)
		}
	}
	// DejaVu draws the minus as wide as the plus and the yen as wide as a
	// digit; a missing glyph would take the font's default width.
	if a, b := e.width("−", false, 9), e.width("+", false, 9); math.Abs(a-b) > 0.001 {
		t.Errorf("minus %.3f mm, plus %.3f mm", a, b)
	}
	if a, b := e.width("¥", false, 9), e.width("0", false, 9); math.Abs(a-b) > 0.001 {
		t.Errorf("yen %.3f mm, digit %.3f mm", a, b)
	}
	l := &Layout{Title: "T", Created: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Blocks: []Block{&Table{Columns: []Column{{Title: "Amount", Align: "R"}},
		Rows: [][]string{{"−¥2,240.00"}, {"¥123,456,789.01"}}}}}
	data, err := Render(l)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, data)
	for _, w := range []string{"−¥2,240.00", "¥123,456,789.01"} {
		if !strings.Contains(text, w) {
			t.Errorf("%q not printed: %s", w, text)
		}
	}
}

// TestHeadingKeptWithNext: whatever fills the page before it, a heading
// has the start of its block (a table's header and two rows, two rows of
// fields) under it on the same page.
func TestHeadingKeptWithNext(t *testing.T) {
	for n := 28; n <= 42; n++ {
		var blocks []Block
		for i := range n {
			blocks = append(blocks, &Paragraph{Text: fmt.Sprintf("filler line %d", i)})
		}
		tb := &Table{Caption: "Aging of open invoices", Columns: []Column{{Title: "0-30 days", Align: "R"}, {Title: "31-60 days", Align: "R"}},
			Rows: [][]string{{"¥1.00", "¥2.00"}, {"¥3.00", "¥4.00"}, {"¥5.00", "¥6.00"}}}
		blocks = append(blocks, tb, Heading("Totals"), &Fields{Items: Pairs("Opening", "¥1.00", "Closing", "¥2.00", "Receipts", "¥3.00", "Invoices", "¥4.00")},
			SignBlocks{{Party: "Enterprise", Sign: "Signature", Date: "Date", Seal: "(seal)"}, {Party: "Customer", Sign: "Signature", Date: "Date", Seal: "(seal)"}})
		l := &Layout{Title: "Statement", Created: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Footer: "printed", Blocks: blocks}
		data, err := Render(l)
		if err != nil {
			t.Fatal(err)
		}
		text := pdfText(t, data)
		for p, page := range strings.Split(strings.TrimRight(text, "\f\n "), "\f") {
			var body []string
			for _, ln := range strings.Split(page, "\n") {
				if ln = strings.TrimSpace(ln); ln != "" && !strings.HasPrefix(ln, "printed") {
					body = append(body, ln)
				}
			}
			for i, ln := range body {
				if (ln == "Aging of open invoices" || ln == "Totals") && len(body)-i-1 < 2 {
					t.Errorf("%d fillers: %q at the foot of page %d", n, ln, p+1)
				}
			}
			// A signature block is never split: both seal labels on one page.
			if c := strings.Count(page, "(seal)"); c == 1 {
				t.Errorf("%d fillers: signature blocks split over pages", n)
			}
		}
	}
}

func TestColonByScript(t *testing.T) {
	for in, want := range map[string]string{"签字": "签字：", "Signature": "Signature: ", "Date": "Date: "} {
		if got := Colon(in); got != want {
			t.Errorf("Colon(%q) = %q", in, got)
		}
	}
}
