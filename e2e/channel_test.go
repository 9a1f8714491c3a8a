package e2e

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// shanghaiZone is the enterprise's zone (the demo's), loaded once.
var shanghaiZone = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// shanghaiDay is the date offset days from the portal's today, in the
// enterprise's zone: never the host's date.
func shanghaiDay(offset int) string {
	return portalClock().In(shanghaiZone).AddDate(0, 0, offset).Format("2006-01-02")
}

// writePhoto writes a small PNG (a photo of the goods, for the evidence).
func writePhoto(t *testing.T, name string) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := 0; x < 64; x++ {
		for y := 0; y < 48; y++ {
			img.Set(x, y, color.RGBA{uint8(4 * x), uint8(5 * y), 120, 255})
		}
	}
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path
}

// english switches the user to English when an earlier test left them in
// Chinese (the language is a per-user setting).
func (b *browser) english() {
	b.t.Helper()
	l, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	if err == nil && l == "zh-CN" {
		b.run(chromedp.Click(chromedp.CSS("form.lang button")))
		b.waitText("#nav", "Home")
	}
}

// TestComplaintWithPhotoHandled: a dealer files a cross-territory complaint
// with a photo and submits it; service staff audit it (naming the accused)
// and handle it; the dealer sees the resolution. The dealer found
// responsible reads only the handling notice — never the complaint.
func TestComplaintWithPhotoHandled(t *testing.T) {
	place := "E2E 苏州工业园区五金城 " + time.Now().Format("150405.000")
	resolution := "责令 C0002 限期召回，罚款 5000 元"
	photo := writePhoto(t, "现场照片.png")

	dealer := newBrowser(t)
	dealer.login("c0001.manager", demoPassword)
	dealer.english()
	dealer.open("/complaints/new")
	dealer.waitText("main h1", "File a complaint")
	dealer.run(
		chromedp.SendKeys(chromedp.CSS("#f-territory"), "苏州"),
		chromedp.SendKeys(chromedp.CSS("#f-place_found"), place),
		chromedp.SetValue(chromedp.CSS("#f-date_found"), shanghaiDay(-1)),
		chromedp.SendKeys(chromedp.CSS("#f-product_code"), "P-1001"),
		chromedp.SendKeys(chromedp.CSS("#f-trace_codes"), "B2026-0815"),
		chromedp.SendKeys(chromedp.CSS("#f-qty"), "12"),
		chromedp.SendKeys(chromedp.CSS("#f-description"), "在五金城发现低于指导价销售的伺服电机，疑似外区域串货。"),
		chromedp.Click(chromedp.CSS("#complaint-form button[type=submit]")),
	)
	dealer.waitText("main h1", "CP-")
	dealer.run(
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{photo}),
		chromedp.Click(chromedp.CSS("#upload-form button[type=submit]")),
	)
	dealer.waitText("#attachments", "现场照片.png")
	complaintURL, err := chromedp.Run(dealer.ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil || !strings.HasPrefix(complaintURL, "/complaints/") {
		t.Fatalf("complaint URL %q: %v", complaintURL, err)
	}
	dealer.run(chromedp.Click(chromedp.CSS(`form[action$="/submit"] button`)))
	dealer.waitText("main h1", "submitted")

	staff := newBrowser(t)
	staff.login("service", demoPassword)
	staff.english()
	staff.open("/complaints?status=submitted")
	staff.waitText("#complaints", "苏州工业园区五金城")
	staff.open(complaintURL)
	staff.waitText("#attachments", "现场照片.png")
	staff.run(
		chromedp.SendKeys(chromedp.CSS("#f-accused_code"), "C0002"),
		chromedp.Click(chromedp.CSS("#audit-form button[type=submit]")),
	)
	staff.waitText("main h1", "audited")
	staff.run(
		chromedp.SendKeys(chromedp.CSS("#f-findings"), "经查，货物来自 C0002 的出库批次。"),
		chromedp.SetValue(chromedp.CSS("#f-responsible_code"), "C0002"), // offered: the accused
		chromedp.SendKeys(chromedp.CSS("#f-penalty"), "5000"),
		chromedp.SetValue(chromedp.CSS("#f-recall_deadline"), shanghaiDay(14)),
		chromedp.SendKeys(chromedp.CSS("#f-resolution"), resolution),
		chromedp.Click(chromedp.CSS("#handle-form button[type=submit]")),
	)
	staff.waitText("main h1", "handled")
	staff.waitText("#resolution", resolution)

	// The complainant sees the resolution.
	dealer.open(complaintURL)
	dealer.waitText("#resolution", resolution)
	dealer.waitText("main h1", "handled")

	// The responsible dealer: a notice, without the complainant; the
	// complaint and its photo are not found.
	accused := newBrowser(t)
	accused.login("c0002.manager", demoPassword)
	accused.english()
	accused.open("/complaint-notices")
	accused.waitText("#notices", "苏州")
	accused.run(chromedp.Click(chromedp.CSS(`#notices a[href^="/complaint-notices/"]`)))
	accused.waitText("#notice", resolution)
	notice := accused.text("main")
	for _, s := range []string{"C0001", "c0001", "广州久安", "现场照片", "疑似外区域串货", "经查"} {
		if strings.Contains(notice, s) {
			t.Errorf("the notice shows %q", s)
		}
	}
	if status, _ := accused.fetchStatus(complaintURL); status != 404 {
		t.Errorf("accused opens the complaint: %d", status)
	}
	attHref, err := chromedp.Run(dealer.ctx, chromedp.Evaluate[string](`document.querySelector('#attachments a[href^="/attachments/"]').getAttribute('href')`))
	if err != nil || attHref == "" {
		t.Fatalf("attachment link: %v", err)
	}
	if status, _ := accused.fetchStatus(attHref); status != 404 {
		t.Errorf("accused downloads the photo: %d", status)
	}
	if status, _ := dealer.fetchStatus(attHref); status != 200 {
		t.Errorf("complainant downloads the photo: %d", status)
	}
	dealer.screenshot("dealer-complaint-handled")
}

// importStocktake imports a CSV as the stocktake of date through the
// import page: upload, preview, confirm.
func (b *browser) importStocktake(date, csv string) {
	b.t.Helper()
	path := filepath.Join(b.t.TempDir(), "盘点-"+date+".csv")
	if err := os.WriteFile(path, []byte("\ufeff"+csv), 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.open("/stocktakes/import")
	b.run(
		chromedp.SetValue(chromedp.CSS("#f-date"), date),
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{path}),
		chromedp.Click(chromedp.CSS("#import-form button[type=submit]")),
	)
	b.waitText("#import-summary", "0")
	b.run(chromedp.Click(chromedp.CSS("#confirm-form button[type=submit]")))
	b.waitText("main h1", "ST-")
}

// TestDealerStocktakesSellThrough: a dealer imports two stocktakes a month
// apart and reads its sell-through for the period: sold = opening +
// received − closing, the rate, the chart and the totals.
func TestDealerStocktakesSellThrough(t *testing.T) {
	from, to := shanghaiDay(-30), shanghaiDay(0)
	b := newBrowser(t)
	b.login("c0001.buyer", demoPassword)
	b.english()
	b.importStocktake(from, "商品编码,数量\nP-1001,20\nP-1006,100\n")
	b.importStocktake(to, "商品编码,数量\nP-1001,5\nP-1006,40\n")
	b.open("/channel-report?from=" + from + "&to=" + to)
	b.waitText("#report-period", from)
	b.waitText("#report-total", "%")
	if n := b.count("svg.chart rect"); n < 4 {
		t.Errorf("chart has %d bars", n)
	}
	// Read P-1001's row: the figures add up, and the counts are ours.
	cells, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(Array.from(document.querySelectorAll('#report tbody tr')).filter(r => r.textContent.includes('P-1001'))[0].querySelectorAll('td')).map(td => td.textContent.trim())`))
	if err != nil || len(cells) < 6 {
		t.Fatalf("P-1001 row: %v %v", cells, err)
	}
	num := func(s string) float64 {
		f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
		if err != nil {
			t.Fatalf("not a number: %q", s)
		}
		return f
	}
	opening, received, closing, sold := num(cells[1]), num(cells[2]), num(cells[3]), num(cells[4])
	if opening != 20 || closing != 5 || sold != opening+received-closing {
		t.Errorf("P-1001: opening %v received %v closing %v sold %v", opening, received, closing, sold)
	}
	if received == 0 && cells[5] != "75.0%" {
		t.Errorf("P-1001 sell-through %q, want 75.0%%", cells[5])
	}
	b.screenshot("dealer-channel-report")
	// The same page at phone width still shows the chart and the figures.
	b.run(chromedp.EmulateViewport(390, 844))
	b.open("/channel-report?from=" + from + "&to=" + to)
	b.waitText("#report-total", "%")
	w, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`document.querySelector('svg.chart').getBoundingClientRect().width`))
	if err != nil || w <= 0 || w > 390 {
		t.Errorf("chart width on a phone: %v %v", w, err)
	}
	b.screenshot("dealer-channel-report-phone")
}
