package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// yuanCents reads "¥1,234.50" (or "1234.50") as cents; the test fails on
// anything else.
func yuanCents(t *testing.T, s string) int64 {
	t.Helper()
	s = strings.NewReplacer("¥", "", ",", "", " ", "").Replace(strings.TrimSpace(s))
	whole, frac, _ := strings.Cut(s, ".")
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac+"00"[len(frac):], 10, 64)
	if err1 != nil || err2 != nil || len(frac) > 2 {
		t.Fatalf("not an amount: %q", s)
	}
	return w*100 + f
}

// TestWriteOffGrid: finance records two advance receipts of C0002 (whose
// demo invoice is unpaid), opens the customer's write-off grid, lets it
// auto-match oldest first, lowers one amount and posts both pairs in one
// action; the grid then shows the new open amounts, and the write-off
// records below keep their dates and numbers on one line.
func TestWriteOffGrid(t *testing.T) {
	s := newBrowser(t)
	s.login("finance", demoPassword)

	// Two advance receipts, audited at once: the grid's sources.
	var arNo []string
	for _, amount := range []string{"500.00", "800.00"} {
		s.open("/advance-receipts/new?customer=C0002")
		s.act(chromedp.SetValue(chromedp.CSS("#f-amount"), amount),
			chromedp.SetValue(chromedp.CSS("#f-reference"), "预付 E2E "+amount),
			chromedp.Click(chromedp.CSS(`#receipt-form button[name=audit][value="1"]`)))
		s.waitURL("/advance-receipts/")
		s.waitText("main h1", "AR-")
		arNo = append(arNo, s.evalString(`(document.querySelector('main h1').innerText.match(/AR-\d{4}-\d{6}/) || [''])[0]`))
	}

	// The grid: the receipts on one side, the open invoice on the other.
	s.open("/write-offs?customer=C0002")
	if !s.has("#open-sources", arNo[0]) || !s.has("#open-sources", arNo[1]) {
		t.Fatalf("the grid's sources lack %v: %s", arNo, s.text("#open-sources"))
	}
	invKey := s.evalString(`document.querySelector('#open-invoices tbody tr[id]').id`)
	invOpen := yuanCents(t, s.text("#"+invKey+" .wo-open-amount"))
	if invOpen < 130000 {
		t.Fatalf("C0002's oldest invoice has only %d cents open", invOpen)
	}

	// Auto-match: a plain link that fills in the proposal.
	s.click("#wo-auto")
	s.waitPage("/write-offs", "match", "fifo")
	s.waitCount("#wo-pairs tr.wo-fixed", 2)
	proposal := s.evalString(`Array.from(document.querySelectorAll('#wo-pairs tr.wo-fixed')).map(r => r.cells[0].innerText.trim().split(/\s+/)[0] + '>' + r.cells[2].innerText.trim().split(/\s+/)[0] + '=' + r.querySelector('input.wo-amount').value).join(' ')`)
	invNo := s.evalString(`document.querySelector('#` + invKey + ` a').innerText`)
	if want := arNo[0] + ">" + invNo + "=500.00 " + arNo[1] + ">" + invNo + "=800.00"; proposal != want {
		t.Fatalf("proposal %q, want %q", proposal, want)
	}
	s.screenshot("staff-writeoff-grid")

	// Lower the second pair to 700.00 and post both in one action.
	s.setField(`#wo-pairs tr.wo-fixed:nth-child(2) input.wo-amount`, "700.00")
	s.click("#wo-post")
	s.waitPage("/write-offs")
	s.waitText("#main .flash")
	s.waitCount("#open-invoices", 1)
	if got := yuanCents(t, s.text("#"+invKey+" .wo-open-amount")); got != invOpen-120000 {
		t.Fatalf("invoice open after posting: %d cents, want %d", got, invOpen-120000)
	}
	if s.has("#open-sources", arNo[0]) {
		t.Fatalf("%s is fully written off, yet still open", arNo[0])
	}
	if !s.has("#open-sources tr", arNo[1], "¥100.00") {
		t.Fatalf("%s should have ¥100.00 open: %s", arNo[1], s.text("#open-sources"))
	}
	if n := s.count(`#writeoff-list tbody tr`); n < 2 || !s.has("#writeoff-list", arNo[0], arNo[1], invNo) {
		t.Fatalf("the records list lacks the new write-offs: %s", s.text("#writeoff-list"))
	}
	s.screenshot("staff-writeoff-posted")

	// Dates, numbers and amounts stay on one line, in the list and the
	// grid, on a narrow desk too (the list squeezes its columns).
	s.run(chromedp.EmulateViewport(960, 900))
	wrapped := s.evalString(`Array.from(document.querySelectorAll('.wo td.tabular, .wo .wo-nw, .wo td.num')).filter(e => {
		const r = document.createRange(); r.selectNodeContents(e);
		const lines = new Set(Array.from(r.getClientRects()).filter(x => x.width > 0).map(x => Math.round(x.top)));
		return lines.size > 1 && !e.querySelector('input, .err, .badge');
	}).map(e => e.innerText).join(' | ')`)
	if wrapped != "" {
		t.Fatalf("wrapped cells: %s", wrapped)
	}
}
