package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fetchStatus fetches path with the browser's cookies and returns its status
// and body (the way a dealer's download link is followed).
func (b *browser) fetchStatus(path string) (int, string) {
	b.t.Helper()
	res, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]any](
		`fetch(`+quoteJS(path)+`, {credentials: 'same-origin'}).then(async r => [r.status, await r.text()])`, chromedp.EvalAwaitPromise))
	if err != nil || len(res) != 2 {
		b.t.Fatalf("fetch %s: %v", path, err)
	}
	status, _ := res[0].(float64)
	body, _ := res[1].(string)
	return int(status), body
}

// reloadUntil opens path again until the element matching css contains
// want (background work such as message delivery takes a moment).
func (b *browser) reloadUntil(path, css, want string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b.open(path)
		s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(css)))
		if err == nil && strings.Contains(s, want) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s %s never contained %q (last: %.300q)", path, css, want, s)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestAnnouncementPublishedToOneCustomer: staff write an announcement with
// an attachment for C0001 and publish it; C0001's dealer sees it in 我的公告
// (unread, then read), gets the in-app message and downloads the file; a
// dealer of C0002 sees nothing and gets 404 for the page and the file.
func TestAnnouncementPublishedToOneCustomer(t *testing.T) {
	title := "E2E 到货提醒 " + time.Now().Format("150405.000")
	file := filepath.Join(t.TempDir(), "到货清单.csv")
	if err := os.WriteFile(file, []byte("型号,数量\nYE3-132M,20\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	staff := newBrowser(t)
	staff.login("east.sales", demoPassword)
	staff.run(chromedp.Click(chromedp.CSS(`#nav a[href="/announcements"]`)))
	staff.waitText("main h1", "Announcements")
	staff.run(chromedp.Click(chromedp.CSS(`a[href="/announcements/new"]`)))
	staff.waitText("main h1", "New announcement")
	staff.run(
		chromedp.SendKeys(chromedp.CSS("#f-title"), title),
		chromedp.SendKeys(chromedp.CSS("#f-body"), "各位伙伴：\n本周到货清单见附件。"),
		chromedp.SendKeys(chromedp.CSS("#f-audience_customers"), "C0001"),
		chromedp.Click(chromedp.CSS("#announcement-form button[type=submit]")),
	)
	staff.waitText("main h1", title)
	staff.waitText("main", "Draft")
	staff.run(
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{file}),
		chromedp.Click(chromedp.CSS(`#attachments form[enctype] button[type=submit]`)),
	)
	staff.waitText("#attachments", "到货清单.csv")
	staff.run(chromedp.Click(chromedp.CSS(`form[action$="/audit"] button`)))
	staff.waitText("main", "Published")
	annURL, err := chromedp.Run(staff.ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil || !strings.HasPrefix(annURL, "/announcements/") {
		t.Fatalf("announcement URL %q: %v", annURL, err)
	}
	attURL, err := chromedp.Run(staff.ctx, chromedp.Evaluate[string](`document.querySelector('#attachments a[download]').getAttribute('href')`))
	if err != nil || !strings.HasPrefix(attURL, "/attachments/") {
		t.Fatalf("attachment URL %q: %v", attURL, err)
	}

	// The addressed dealer, in Chinese.
	dealer := newBrowser(t)
	dealer.login("c0001.buyer", demoPassword)
	dealer.run(chromedp.Click(chromedp.CSS("form.lang button")))
	dealer.waitText("#nav", "我的公告")
	dealer.run(chromedp.Click(chromedp.CSS(`#nav a[href="/my/announcements"]`)))
	dealer.waitText("#my-announcements", title)
	unread, err := chromedp.Run(dealer.ctx, chromedp.Evaluate[bool](
		`Array.from(document.querySelectorAll('#my-announcements li')).some(li => li.innerText.includes(`+quoteJS(title)+`) && li.classList.contains('unread'))`))
	if err != nil || !unread {
		t.Fatalf("not marked unread: %v", err)
	}
	dealer.run(chromedp.Click(chromedp.CSS(`#my-announcements a[href="` + annURL + `"]`)))
	dealer.waitText("#announcement-body", "本周到货清单见附件")
	dealer.waitText("#attachments", "到货清单.csv")
	if status, body := dealer.fetchStatus(attURL); status != 200 || !strings.Contains(body, "YE3-132M") {
		t.Fatalf("download: %d %q", status, body)
	}
	dealer.open("/my/announcements")
	read, err := chromedp.Run(dealer.ctx, chromedp.Evaluate[bool](
		`Array.from(document.querySelectorAll('#my-announcements li')).some(li => li.innerText.includes(`+quoteJS(title)+`) && !li.classList.contains('unread'))`))
	if err != nil || !read {
		t.Fatalf("still unread after opening: %v", err)
	}
	// The in-app message arrives (the worker runs in the background) and
	// leads to the announcement; the header shows an unread count.
	dealer.reloadUntil("/inbox", "#inbox", "新公告："+title)
	if n := dealer.count("#inbox-bell .count"); n != 1 {
		t.Errorf("bell count shown %d times", n)
	}
	// The bell opens the inbox as a page, not inside the header.
	dealer.open("/my/announcements")
	dealer.run(chromedp.Click(chromedp.CSS(`#inbox-bell a.bell`)))
	for deadline := time.Now().Add(10 * time.Second); dealer.location() != "/inbox"; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the bell did not open the inbox (at %s)", dealer.location())
		}
	}
	dealer.run(chromedp.WaitVisible(chromedp.CSS(`main #inbox`)))
	if n := dealer.count(`header #inbox`); n != 0 {
		t.Fatal("the bell swapped the inbox into the header")
	}
	dealer.run(chromedp.Click(chromedp.CSS(`#inbox a[href^="/inbox/"]`)))
	dealer.waitText("#message-body", title)
	dealer.run(chromedp.Click(chromedp.CSS(`a.button.primary[href="` + annURL + `"]`)))
	dealer.waitText("main h1", title)
	dealer.screenshot("dealer-announcement-zh")

	// Another customer's dealer: nothing listed, 404 on both URLs.
	other := newBrowser(t)
	other.login("c0002.manager", demoPassword)
	other.open("/my/announcements")
	if s := other.text("main"); strings.Contains(s, title) {
		t.Fatal("listed to another customer")
	}
	other.open(annURL)
	other.waitText("main", "404")
	if status, _ := other.fetchStatus(annURL); status != 404 {
		t.Errorf("announcement page: %d", status)
	}
	if status, body := other.fetchStatus(attURL); status != 404 || strings.Contains(body, "YE3-132M") {
		t.Errorf("attachment: %d", status)
	}
}
