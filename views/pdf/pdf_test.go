package pdf

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jung-kurt/gofpdf"
)

// pdfText extracts the text of a PDF with poppler's pdftotext (installed by
// scripts/test); the test skips without it unless CI=true.
func pdfText(t *testing.T, data []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext not installed (poppler-utils)")
		}
		t.Skip("pdftotext not installed (poppler-utils)")
	}
	cmd := exec.Command(bin, "-layout", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	return string(out)
}

func sampleLayout(rows int) *Layout {
	l := &Layout{
		Enterprise: "华信机电设备有限公司", Title: "销售订单 Sales order", Number: "SO-2026-000123",
		Subtitle: "已审核 audited · 2026-11-27",
		Fields: []Field{{"客户 Customer", "C0001 上海华东自动化设备有限公司"}, {"订单日期 Order date", "2026-11-27"},
			{"收货地址 Ship to", "上海市浦东新区张江路 88 号 Building 3, Room 1201"}, {"结算方式 Settlement", "月结 monthly"}},
		Footer:  "打印 Printed 2026-11-27 10:00",
		Created: time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC),
	}
	tb := &Table{Caption: "明细 Lines", Columns: []Column{{Title: "#", Align: "R"}, {Title: "编码 Code", Align: "L"}, {Title: "名称 Name", Align: "L", Wrap: true},
		{Title: "数量 Qty", Align: "R"}, {Title: "含税单价 Price", Align: "R"}, {Title: "税率 Tax", Align: "R"}, {Title: "价税合计 Amount", Align: "R"}}}
	for i := 1; i <= rows; i++ {
		tb.Rows = append(tb.Rows, []string{fmt.Sprint(i), fmt.Sprintf("P-%04d", i), "交流伺服电机 400W servo motor with a rather long English description that wraps",
			"10", "¥1,280.00", "13%", "¥12,800.00"})
	}
	tb.Totals = []string{"", "", "合计 Total", fmt.Sprint(rows * 10), "", "", "¥99,999.00"}
	l.Blocks = []Block{tb, &Paragraph{Text: "备注：请于月底前付款。Remarks: please pay by the end of the month."}, Signatures{"制单 Prepared by", "审核 Approved by"}}
	return l
}

// TestRenderChineseAndLatin: both scripts come out of the PDF as text, the
// header repeats on every page and the footer numbers the pages "n/N".
func TestRenderChineseAndLatin(t *testing.T) {
	data, err := Render(sampleLayout(60))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", data)
	}
	text := pdfText(t, data)
	for _, want := range []string{"华信机电设备有限公司", "销售订单", "Sales order", "SO-2026-000123", "上海华东自动化设备有限公司",
		"交流伺服电机", "servo motor", "¥12,800.00", "合计", "Total", "请于月底前付款", "Prepared by", "制单"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	pages := strings.Count(text, "\f")
	if pages < 2 {
		t.Fatalf("60 lines on %d page(s)", pages)
	}
	for p := 1; p <= pages; p++ {
		if !strings.Contains(text, fmt.Sprintf("%d/%d", p, pages)) {
			t.Errorf("no page number %d/%d", p, pages)
		}
	}
	if n := strings.Count(text, "SO-2026-000123"); n < pages {
		t.Errorf("number on %d of %d pages", n, pages)
	}
	if n := strings.Count(text, "编码 Code"); n < pages {
		t.Errorf("table header on %d of %d pages", n, pages)
	}
}

// TestRareCharactersPrint: a character outside GB 2312 prints from the
// whole CJK font, and one beyond the Basic Multilingual Plane (which
// gofpdf cannot address) prints as the replacement character instead of
// breaking the document.
func TestRareCharactersPrint(t *testing.T) {
	l := sampleLayout(1)
	l.Fields = append(l.Fields, Field{"联系人 Contact", "王堃"}, Field{"备注 Remarks", "吉\U00020BB7祥"})
	data, err := Render(l)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, data)
	for _, want := range []string{"王堃", "吉\uFFFD祥"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q: %s", want, text)
		}
	}
}

// TestSameLayoutSameBytes: the fonts and their subsets are shared between
// documents (parsed once, subsets cached): documents rendered at once in
// many goroutines, with the subset cache and without it, are byte for byte
// the documents rendered one by one, and never more than one per core
// renders at a time.
func TestSameLayoutSameBytes(t *testing.T) {
	layouts := []*Layout{sampleLayout(1), sampleLayout(60), sampleLayout(3)}
	layouts[2].Fields = append(layouts[2].Fields, Field{"联系人", "王堃 Ærø"})
	want := make([][]byte, len(layouts))
	for i, l := range layouts {
		var err error
		if want[i], err = render(l); err != nil {
			t.Fatal(err)
		}
	}
	check := func(name string) {
		var wg sync.WaitGroup
		errs := make(chan error, 8*len(layouts))
		for range 8 {
			for i, l := range layouts {
				wg.Go(func() {
					got, err := Render(l)
					if err == nil && !bytes.Equal(got, want[i]) {
						err = fmt.Errorf("%s: layout %d rendered to other bytes", name, i)
					}
					if err != nil {
						errs <- err
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	oldPDFs, oldSubsets := CacheBytes, gofpdf.SubsetCacheBytes
	defer func() { CacheBytes, gofpdf.SubsetCacheBytes = oldPDFs, oldSubsets }()
	check("finished PDFs cached")
	CacheBytes = 0 // every document laid out again
	check("font subsets cached")
	gofpdf.SubsetCacheBytes = 0
	check("nothing cached")
	if p := peakRendering.Load(); p > int64(cap(renderSlots)) || p < 1 {
		t.Errorf("%d documents rendered at once, the bound is %d", p, cap(renderSlots))
	}
}

func TestWrapAndRuns(t *testing.T) {
	r := runs("订单 SO-1 已审核")
	if len(r) != 3 || r[0].fam != famCJK || r[1].fam != famLatin || r[1].s != " SO-1 " || r[2].fam != famCJK {
		t.Fatalf("runs: %+v", r)
	}
	if _, err := Render(&Layout{Title: "no creation time"}); err == nil {
		t.Error("Render accepted a layout without Created")
	}
	f, err := newPDF(&Layout{})
	if err != nil {
		t.Fatal(err)
	}
	e := &engine{f: f, dry: true, widths: map[widthKey]float64{}}
	for _, s := range []string{"a fairly long English sentence that must wrap somewhere", "很长的中文句子需要在任何字符处换行很长的中文句子", "Mixed 中文 and English 文本 wrapping 测试"} {
		lines := e.wrap(s, 30, false, baseSize)
		if len(lines) < 2 {
			t.Errorf("%q not wrapped: %q", s, lines)
		}
		if got := strings.ReplaceAll(strings.Join(lines, ""), " ", ""); got != strings.ReplaceAll(s, " ", "") {
			t.Errorf("wrap lost text: %q → %q", s, lines)
		}
		for _, ln := range lines {
			if w := e.width(ln, false, baseSize); w > 30.01 {
				t.Errorf("line %q is %.1f mm wide", ln, w)
			}
		}
	}
}

func BenchmarkRender(b *testing.B) {
	l := sampleLayout(20)
	if _, err := Render(l); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Render(l); err != nil {
			b.Fatal(err)
		}
	}
}

// TestKeyCoversTheLayout: a layout's key changes with any value it prints
// and with the creation second, not with what the PDF does not record;
// the cache keeps within its budget.
func TestKeyCoversTheLayout(t *testing.T) {
	base := sampleLayout(3).Key()
	if sampleLayout(3).Key() != base {
		t.Fatal("equal layouts, different keys")
	}
	l := sampleLayout(3)
	l.Created = l.Created.Add(300 * time.Millisecond)
	if l.Key() != base {
		t.Error("the creation instant below the second changed the key (the PDF records seconds)")
	}
	for name, change := range map[string]func(l *Layout){
		"a cell":            func(l *Layout) { l.Blocks[0].(*Table).Rows[1][4] = "¥1,280.01" },
		"the second":        func(l *Layout) { l.Created = l.Created.Add(time.Second) },
		"a bold paragraph":  func(l *Layout) { l.Blocks[1].(*Paragraph).Bold = true },
		"a block's type":    func(l *Layout) { l.Blocks[2] = Heading("制单 Prepared by") },
		"a column's width":  func(l *Layout) { l.Blocks[0].(*Table).Columns[2].Width = 2 },
		"text moved across": func(l *Layout) { l.Title, l.Number = l.Title+l.Number[:1], l.Number[1:] },
		"landscape":         func(l *Layout) { l.Landscape = true },
	} {
		l := sampleLayout(3)
		change(l)
		if l.Key() == base {
			t.Errorf("changing %s kept the key", name)
		}
	}
	old := CacheBytes
	defer func() { CacheBytes = old }()
	CacheBytes = 400 << 10
	for i := range 30 {
		l := sampleLayout(1)
		l.Number = fmt.Sprint("SO-", i)
		a, err := Render(l)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := Render(l); &a[0] != &b[0] {
			t.Error("the same layout was laid out again")
		}
		if n := cacheBytes(); n > CacheBytes {
			t.Fatalf("cache holds %d bytes, budget %d", n, CacheBytes)
		}
	}
}
