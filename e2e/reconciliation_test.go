package e2e

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// rcPath returns the current page's path.
func (b *browser) rcPath() string {
	b.t.Helper()
	p, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		b.t.Fatal(err)
	}
	return p
}

// rcWaitPath waits until the browser is on prefix followed by an id.
func (b *browser) rcWaitPath(prefix string) string {
	b.t.Helper()
	re := regexp.MustCompile("^" + regexp.QuoteMeta(prefix) + `\d+$`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if p := b.rcPath(); re.MatchString(p) {
			b.run(chromedp.WaitReady(chromedp.CSS("main h1")))
			return p
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("never reached %s… (at %s)", prefix, b.rcPath())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// rcFetch fetches path with the browser's cookies: status, content type
// and the body's bytes (the way a download link is followed).
func (b *browser) rcFetch(path string) (int, string, []byte) {
	b.t.Helper()
	res, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]any](`fetch(`+quoteJS(path)+`, {credentials: 'same-origin'}).then(async r => {
		const a = new Uint8Array(await r.arrayBuffer()); let s = '';
		for (let i = 0; i < a.length; i++) s += String.fromCharCode(a[i]);
		return [r.status, r.headers.get('content-type') || '', btoa(s)];
	})`, chromedp.EvalAwaitPromise))
	if err != nil || len(res) != 3 {
		b.t.Fatalf("fetch %s: %v", path, err)
	}
	body, _ := base64.StdEncoding.DecodeString(res[2].(string))
	return int(res[0].(float64)), res[1].(string), body
}

// rcWaitGone waits until nothing matches css (the page has moved on).
func (b *browser) rcWaitGone(css string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+quoteJS(css)+`).length`))
		if err == nil && n == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s never went away", css)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// rcEval runs JavaScript that returns a string.
func (b *browser) rcEval(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("eval %s: %v", js, err)
	}
	return s
}

// TestReconciliationFlow: finance staff invoice C0001's un-invoiced
// outbound and record a receipt that pays it (written off at audit); the
// dealer's finance user confirms that invoice and an outbound, disputes an
// older invoice with a comment; staff see the dispute; the dealer downloads
// the statement, which lists the new invoice — and cannot fetch another
// customer's.
func TestReconciliationFlow(t *testing.T) {
	s := newBrowser(t)
	s.login("finance", demoPassword)
	s.open("/invoices/new?customer=C0001")
	s.waitText("#invoice-form", "P-1011")
	s.run(chromedp.Click(chromedp.CSS(`#invoice-form button[name=audit][value="1"]`)))
	invPath := s.rcWaitPath("/invoices/")
	invID := strings.TrimPrefix(invPath, "/invoices/")
	s.waitText("main h1", "IV-")
	invNo := regexp.MustCompile(`IV-\d{4}-\d{6}`).FindString(s.text("main h1"))
	total := strings.TrimLeft(strings.ReplaceAll(s.text("#total-amount"), ",", ""), "¥")
	s.screenshot("staff-invoice")

	// A receipt of that amount naming the invoice, saved and audited.
	s.open("/receipts/new?customer=C0001")
	s.run(chromedp.WaitVisible(chromedp.CSS("#receipt-form")))
	s.run(chromedp.SetValue(chromedp.CSS("#f-amount"), total),
		chromedp.SetValue(chromedp.CSS("#f-reference"), "招商银行 电汇 E2E"),
		chromedp.Click(chromedp.CSS(`#receipt-invoices input[name=invoices][value="`+invID+`"]`)),
		chromedp.Click(chromedp.CSS(`#receipt-form button[name=audit][value="1"]`)))
	s.rcWaitPath("/receipts/")
	s.waitText("#writeoffs", invNo)
	s.waitText("#receipt-unapplied", "0.00")
	s.open(invPath)
	s.waitText("#invoice-open", "¥0.00")

	// The dealer's finance user confirms the invoice, in the list.
	d := newBrowser(t)
	d.login("c0001.finance", demoPassword)
	d.open("/reconciliation/invoices?q=" + invNo)
	d.waitText("#recon-list", invNo)
	d.run(chromedp.Click(chromedp.CSS(`form[action="/reconciliation/invoices/` + invID + `/confirm"] button`)))
	d.run(chromedp.WaitVisible(chromedp.CSS(`form[action="/reconciliation/invoices/` + invID + `/cancel"]`)))
	d.screenshot("dealer-invoice-reconciliation")
	// … and an outbound still unconfirmed.
	d.open("/reconciliation/outbounds?state=unconfirmed")
	d.run(chromedp.WaitVisible(chromedp.CSS(`#recon-list`)))
	ob := d.rcEval(`document.querySelector('#recon-list form[action$="/confirm"]').getAttribute('action')`)
	d.run(chromedp.Click(chromedp.CSS(`#recon-list form[action$="/confirm"] button`)))
	d.rcWaitGone(`#recon-list form[action="` + ob + `"]`)
	d.open(strings.TrimSuffix(ob, "/confirm"))
	d.run(chromedp.WaitVisible(chromedp.CSS(`#recon-state .badge.ok`)))

	// A dispute, with its comment, on the older invoice.
	const comment = "发票数量与到货不符 E2E"
	d.open("/reconciliation/invoices?q=04431187")
	d.waitText("#recon-list", "IV-")
	old := d.rcEval(`document.querySelector('#recon-list td a').getAttribute('href')`)
	d.open(old)
	d.run(chromedp.SendKeys(chromedp.CSS("#f-reason"), comment), chromedp.Click(chromedp.CSS(`#dispute button[type=submit]`)))
	d.waitText("#recon-comment", comment)
	d.run(chromedp.WaitVisible(chromedp.CSS(`#recon-state .badge.bad`)))

	// Staff see the dispute.
	s.open("/reconciliation/disputes")
	s.waitText("#disputes", comment)
	s.screenshot("staff-disputes")

	// The dealer downloads the statement: a PDF listing the new invoice.
	d.open("/statements")
	d.run(chromedp.WaitVisible(chromedp.CSS("#statement-form")))
	action := d.rcEval(`document.querySelector('#statement-form').getAttribute('action')`)
	today := shanghaiDay(0)
	status, ctype, body := d.rcFetch(action + "?from=2000-01-01&to=" + today)
	if status != 200 || ctype != "application/pdf" || !strings.HasPrefix(string(body), "%PDF") {
		t.Fatalf("statement: %d %s %.20q", status, ctype, body)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		f := filepath.Join(t.TempDir(), "statement.pdf")
		os.WriteFile(f, body, 0o600)
		out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", f, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{invNo, "C0001", "1/"} {
			if !strings.Contains(string(out), w) {
				t.Errorf("statement lacks %q:\n%s", w, out)
			}
		}
	}
	// Another customer's statement is not found.
	s.open("/balances?q=C0002")
	other := s.rcEval(`document.querySelector('#balance-summary td a').getAttribute('href')`)
	otherID := strings.TrimPrefix(strings.SplitN(other, "?", 2)[0], "/balances/")
	if status, _, _ := d.rcFetch("/statements/" + otherID); status != 404 {
		t.Fatalf("another customer's statement: %d", status)
	}
}
