package e2e

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
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

// sellRate is the sell-through rate sold ÷ base as the report shows it:
// rounded (half away from zero) to basis points, then shown as a
// percentage with one decimal, again rounded half away from zero. The
// figures are quantities with at most three decimals, so it computes in
// thousandths, exactly.
func sellRate(sold, base float64) string {
	s, d := int64(math.Round(sold*1000)), int64(math.Round(base*1000))
	if d <= 0 {
		return "—"
	}
	half := func(n, d int64) int64 { // n ÷ d rounded half away from zero, d > 0
		if n < 0 {
			return -((-n + d/2) / d)
		}
		return (n + d/2) / d
	}
	tenths := half(half(s*10000, d), 10)
	sign := ""
	if tenths < 0 {
		sign, tenths = "-", -tenths
	}
	return fmt.Sprintf("%s%d.%d%%", sign, tenths/10, tenths%10)
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
	dealer.act(
		chromedp.SendKeys(chromedp.CSS("#f-territory"), "苏州"),
		chromedp.SendKeys(chromedp.CSS("#f-place_found"), place),
		chromedp.SetValue(chromedp.CSS("#f-date_found"), shanghaiDay(-1)),
		chromedp.SendKeys(chromedp.CSS("#f-product_code"), "P-1001"),
		chromedp.SendKeys(chromedp.CSS("#f-trace_codes"), "B2026-0815"),
		chromedp.SendKeys(chromedp.CSS("#f-qty"), "12"),
		chromedp.SendKeys(chromedp.CSS("#f-description"), "在五金城发现低于指导价销售的伺服电机，疑似外区域串货。"),
		chromedp.Click(chromedp.CSS("#complaint-form button[type=submit]")),
	)
	complaintID := dealer.waitURL("/complaints/")
	complaintURL := "/complaints/" + complaintID
	dealer.waitText("main h1", "CP-")
	complaintNo := regexp.MustCompile(`CP-[0-9-]+`).FindString(dealer.text("main h1"))
	dealer.act(
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{photo}),
		chromedp.Click(chromedp.CSS("#upload-form button[type=submit]")),
	)
	dealer.waitText("#attachments", "现场照片.png")
	dealer.click(`form[action$="/submit"] button`)
	dealer.waitText("main h1", complaintNo, "submitted")

	staff := newBrowser(t)
	staff.login("service", demoPassword)
	staff.english()
	staff.open("/complaints?status=submitted")
	staff.waitText("#complaints", complaintNo)
	staff.open(complaintURL)
	staff.waitText("#attachments", "现场照片.png")
	staff.run(chromedp.Click(chromedp.CSS(`#audit-form > summary`))) // the audit asks for the accused in a panel
	staff.act(
		chromedp.SendKeys(chromedp.CSS("#f-accused_code"), "C0002"),
		chromedp.Click(chromedp.CSS("#audit-form button[type=submit]")),
	)
	staff.waitText("main h1", complaintNo, "audited")
	staff.act(
		chromedp.SendKeys(chromedp.CSS("#f-findings"), "经查，货物来自 C0002 的出库批次。"),
		chromedp.SetValue(chromedp.CSS("#f-responsible_code"), "C0002"), // offered: the accused
		chromedp.SendKeys(chromedp.CSS("#f-penalty"), "5000"),
		chromedp.SetValue(chromedp.CSS("#f-recall_deadline"), shanghaiDay(14)),
		chromedp.SendKeys(chromedp.CSS("#f-resolution"), resolution),
		chromedp.Click(chromedp.CSS("#handle-form button[type=submit]")),
	)
	staff.waitText("main h1", complaintNo, "handled")
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
	accused.waitText("#notices", complaintNo, "苏州")
	accused.click(`#notices a[href="/complaint-notices/` + complaintID + `"]`)
	accused.waitPage("/complaint-notices/" + complaintID)
	accused.waitText("#notice", place, resolution)
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
	rows := strconv.Itoa(strings.Count(strings.TrimSpace(csv), "\n"))
	b.open("/stocktakes/import")
	b.act(
		chromedp.SetValue(chromedp.CSS("#f-date"), date),
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{path}),
		chromedp.Click(chromedp.CSS("#import-form button[type=submit]")),
	)
	noun := " rows: "
	if rows == "1" {
		noun = " row: "
	}
	b.waitText("#import-summary", rows+noun+rows+" good, 0 with problems")
	b.click("#confirm-form button[type=submit]")
	b.waitURL("/stocktakes/")
	b.waitText("main h1", "ST-")
	b.waitText("#main > *", date)
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
	milli := func(f float64) int64 { return int64(math.Round(f * 1000)) }
	if opening != 20 || closing != 5 || milli(sold) != milli(opening)+milli(received)-milli(closing) {
		t.Errorf("P-1001: opening %v received %v closing %v sold %v", opening, received, closing, sold)
	}
	// The rate for what the page says was received in the period (the demo
	// data's outbounds to C0001 may fall in it): sold ÷ (opening + received).
	if want := sellRate(sold, opening+received); cells[5] != want {
		t.Errorf("P-1001 sell-through %q, want %s (sold %v of %v + %v)", cells[5], want, sold, opening, received)
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
