package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

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
	staff.click(`#nav a[href="/announcements"]`)
	staff.waitPage("/announcements")
	staff.waitText("main h1", "Announcements")
	staff.click(`a[href="/announcements/new"]`)
	staff.waitPage("/announcements/new")
	staff.waitText("main h1", "New announcement")
	staff.act(
		chromedp.SendKeys(chromedp.CSS("#f-title"), title),
		chromedp.SendKeys(chromedp.CSS("#f-body"), "各位伙伴：\n本周到货清单见附件。"),
		chromedp.SendKeys(chromedp.CSS("#f-audience_customers"), "C0001"),
		chromedp.Click(chromedp.CSS("#announcement-form button[type=submit]")),
	)
	annURL := "/announcements/" + staff.waitURL("/announcements/")
	staff.waitText("main h1", title, "Draft")
	staff.act(
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{file}),
		chromedp.Click(chromedp.CSS(`#attachments form[enctype] button[type=submit]`)),
	)
	staff.waitText("#attachments", "到货清单.csv")
	staff.click(`form[action$="/audit"] button`)
	staff.waitText("main h1", title, "Published")
	if p := staff.location(); p != annURL {
		t.Fatalf("after publishing: at %s, not %s", p, annURL)
	}
	attURL, err := chromedp.Run(staff.ctx, chromedp.Evaluate[string](`document.querySelector('#attachments a[download]').getAttribute('href')`))
	if err != nil || !strings.HasPrefix(attURL, "/attachments/") {
		t.Fatalf("attachment URL %q: %v", attURL, err)
	}

	// The addressed dealer, in Chinese.
	dealer := newBrowser(t)
	dealer.login("c0001.buyer", demoPassword)
	dealer.english()
	dealer.click("form.lang button")
	dealer.waitText("#nav", "我的公告")
	dealer.click(`#nav a[href="/my/announcements"]`)
	dealer.waitPage("/my/announcements")
	dealer.waitText("#my-announcements", title)
	unread, err := chromedp.Run(dealer.ctx, chromedp.Evaluate[bool](
		`Array.from(document.querySelectorAll('#my-announcements li')).some(li => li.innerText.includes(`+quoteJS(title)+`) && li.classList.contains('unread'))`))
	if err != nil || !unread {
		t.Fatalf("not marked unread: %v", err)
	}
	dealer.click(`#my-announcements a[href="` + annURL + `"]`)
	dealer.waitPage(annURL)
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
	dealer.reloadUntil("/inbox", "the announcement's message", func() bool { return dealer.has("#inbox", "新公告："+title) })
	if n := dealer.count("#inbox-bell .count"); n != 1 {
		t.Errorf("bell count shown %d times", n)
	}
	// The bell opens the inbox as a page, not inside the header.
	dealer.open("/my/announcements")
	dealer.click(`#inbox-bell a.bell`)
	dealer.waitPage("/inbox")
	if n := dealer.count(`header #inbox`); n != 0 {
		t.Fatal("the bell swapped the inbox into the header")
	}
	msg := dealer.evalString(`Array.from(document.querySelectorAll('#inbox tbody tr')).filter(tr => tr.innerText.includes(` + quoteJS("新公告："+title) + `))[0].querySelector('a[href^="/inbox/"]').getAttribute('href')`)
	dealer.click(`#inbox a[href="` + msg + `"]`)
	dealer.waitPage(msg)
	dealer.waitText("#message-body", title)
	dealer.click(`a.button.primary[href="` + annURL + `"]`)
	dealer.waitPage(annURL)
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
