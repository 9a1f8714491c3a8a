package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/views/pdf"
)

// TestStatementETag: a statement downloaded again with the same figures in
// the same printed minute is 304 Not Modified to a client that sends its
// ETag; a confirmation, another language, or the next minute makes another
// document with another ETag.
func TestStatementETag(t *testing.T) {
	e := newReconEnv(t)
	now := time.Date(2026, 4, 2, 1, 30, 5, 0, time.UTC)
	e.st.SetClock(func() time.Time { return now })
	c := e.login("c1.finance")
	c.setLang("zh")
	path := "/statements/" + e.id("customer:C1") + "?from=2026-03-01&to=2026-03-31"
	first := c.get(path)
	tag := first.Header.Get("ETag")
	if first.Code != http.StatusOK || tag == "" || !strings.Contains(first.Header.Get("Cache-Control"), "private") {
		t.Fatalf("first download: %d, ETag %q, Cache-Control %q", first.Code, tag, first.Header.Get("Cache-Control"))
	}
	now = now.Add(40 * time.Second) // the same minute
	if r := c.get(path, "If-None-Match", tag); r.Code != http.StatusNotModified || r.Body != "" {
		t.Errorf("unchanged statement: %d with %d bytes, want 304", r.Code, len(r.Body))
	}
	if r := c.get(path); r.Code != http.StatusOK || r.Body != first.Body || r.Header.Get("ETag") != tag {
		t.Errorf("unchanged statement without If-None-Match: %d, same bytes %t", r.Code, r.Body == first.Body)
	}
	check := func(what string) {
		t.Helper()
		r := c.get(path, "If-None-Match", tag)
		if r.Code != http.StatusOK || r.Header.Get("ETag") == tag || r.Body == first.Body {
			t.Errorf("%s: %d, ETag %q (was %q)", what, r.Code, r.Header.Get("ETag"), tag)
		}
	}
	c.setLang("en")
	check("in English")
	c.setLang("zh")
	c.get("/reconciliation/outbounds/" + e.id("ship.ob:C1"))
	rcStatus(t, "confirm", c.post("/reconciliation/outbounds/"+e.id("ship.ob:C1")+"/confirm", url.Values{"version": {"0"}}), http.StatusSeeOther)
	check("after a confirmation")
	tag = c.get(path).Header.Get("ETag")
	now = now.Add(time.Minute)
	check("the next minute")
}

// TestStatementFollowsItsInputs: within one printed minute, a repeated
// download is the same PDF without reading the history again, and every
// kind of change that the statement prints — an audited receipt document,
// a new posted invoice, a reversed write-off, a confirmation, the
// customer's profile, the enterprise's settings, the language, the period
// — gives another PDF at once: the finished-PDF cache never serves one
// printed from older inputs.
func TestStatementFollowsItsInputs(t *testing.T) {
	e := newReconEnv(t)
	now := time.Date(2026, 4, 2, 1, 30, 5, 0, time.UTC)
	e.st.SetClock(func() time.Time { return now })
	c := e.login("c1.finance")
	c.setLang("zh")
	cust := e.ids["customer:C1"]
	path := "/statements/" + e.id("customer:C1") + "?from=2026-03-01" // to: as the documents stand
	last := c.get(path)
	if last.Code != http.StatusOK {
		t.Fatalf("first download: %d", last.Code)
	}
	if r := c.get(path); r.Code != http.StatusOK || r.Body != last.Body {
		t.Fatalf("repeated download: %d, same bytes %t", r.Code, r.Body == last.Body)
	}
	changed := func(what string) {
		t.Helper()
		r := c.get(path)
		if r.Code != http.StatusOK || r.Body == last.Body || r.Header.Get("ETag") == last.Header.Get("ETag") {
			t.Errorf("%s: %d, the same PDF as before", what, r.Code)
		}
		last = r
		if again := c.get(path); again.Body != last.Body {
			t.Errorf("%s: downloaded again, another PDF", what)
		}
	}
	admin := func(fn func(tx *store.Tx, u *model.User) error) {
		t.Helper()
		err := e.st.Update("admin", func(tx *store.Tx) error {
			u, err := tx.UserByID(e.ids["user:admin"])
			if err != nil {
				return err
			}
			return fn(tx, u)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sc := store.AdminScope()
	admin(func(tx *store.Tx, u *model.User) error {
		ar, err := tx.ReceiptDoc(sc, model.DocAdvanceReceipt, e.ids["rc.ar:C1"])
		if err != nil {
			return err
		}
		_, _, err = tx.ActOnReceiptDoc(sc, u, model.DocAdvanceReceipt, ar.ID, ar.Version, "audit")
		return err
	})
	changed("an advance receipt audited")
	admin(func(tx *store.Tx, u *model.User) error {
		_, err := tx.ReverseWriteOff(sc, u, e.ids["rc.wo:C1"])
		return err
	})
	changed("a write-off reversed")
	admin(func(tx *store.Tx, u *model.User) error {
		_, err := tx.CreateInvoice(sc, u, &store.InvoiceInput{CustomerID: cust, InvoiceNo: "0452C1", Date: "2026-04-01",
			Qty: map[store.InvoiceLineRef]model.Qty{{OutboundID: e.ids["ship.ob:C1"], Line: 1}: 1000}, Audit: true})
		return err
	})
	changed("an invoice posted")
	c.get("/reconciliation/outbounds/" + e.id("ship.ob:C1"))
	rcStatus(t, "confirm", c.post("/reconciliation/outbounds/"+e.id("ship.ob:C1")+"/confirm", url.Values{"version": {"0"}}), http.StatusSeeOther)
	changed("a confirmation")
	admin(func(tx *store.Tx, _ *model.User) error {
		cu, err := tx.Customer(sc, cust)
		if err != nil {
			return err
		}
		cu.Address = "杭州市西湖区文三路 1 号"
		return tx.SaveCustomer(sc, cu)
	})
	changed("the customer's address")
	admin(func(tx *store.Tx, _ *model.User) error {
		s := *tx.Settings()
		s.EnterpriseName = "另一家企业有限公司"
		return tx.SaveSettings(&s)
	})
	changed("the enterprise's name")
	c.setLang("en")
	changed("the language")
	path = "/statements/" + e.id("customer:C1") + "?from=2026-03-01&to=2026-03-31"
	changed("the period")
}

// TestStatementBuildSlots: first downloads at once each read and lay out
// their statement in one of views/pdf's build slots, never more at a time
// than there are slots, and all are answered; a repeated download takes no
// slot.
func TestStatementBuildSlots(t *testing.T) {
	e := newReconEnv(t)
	// A printed minute of its own: finished PDFs are cached per process by
	// their inputs, and another test printing C1's March at 01:30 would
	// answer a download here from that cache.
	e.st.SetClock(func() time.Time { return time.Date(2026, 4, 2, 1, 47, 5, 0, time.UTC) })
	var clients []*client
	for range 8 {
		clients = append(clients, e.login("c1.finance"))
	}
	path := func(i int) string {
		return "/statements/" + e.id("customer:C1") + "?from=2026-03-" + fmt.Sprintf("%02d", i+1) + "&to=2026-03-31"
	}
	taken, _ := pdf.Builds()
	codes := make([]int, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() { codes[i] = c.get(path(i)).Code }) // eight periods: eight statements to lay out
	}
	wg.Wait()
	after, peak := pdf.Builds()
	for i, code := range codes {
		if code != http.StatusOK {
			t.Errorf("download %d: %d", i, code)
		}
	}
	if after-taken != int64(len(clients)) || peak < 1 || peak > int64(runtime.GOMAXPROCS(0)) {
		t.Errorf("%d build slots taken for %d first downloads, %d at once (bound %d)", after-taken, len(clients), peak, runtime.GOMAXPROCS(0))
	}
	if clients[0].get(path(0)).Code != http.StatusOK {
		t.Fatal("repeated download failed")
	}
	if again, _ := pdf.Builds(); again != after {
		t.Errorf("a repeated download within the minute took a build slot (%d → %d)", after, again)
	}
}
