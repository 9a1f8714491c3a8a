package handlers

import (
	"net/http"
	"strings"
	"testing"

	"dealerportal/store"
)

// TestDocumentPrintAndPDF: change requests, opportunities, complaints,
// service requests, stocktakes and announcements have a print view (both
// languages, staff and the document's dealer) and a PDF holding the
// document number, at /:id/pdf and /:id/print?format=pdf. Scope is the
// scope matrix (scope_test.go, channelScopeRows); that the accused dealer
// never gets the complaint's print or PDF is its {cp} rows (c2.manager is
// the accused of C1's complaint) and checked here once more.
func TestDocumentPrintAndPDF(t *testing.T) {
	e := newTestEnv(t)
	messagingScopeFixtures(t, e)
	orderingFixture(t, e)
	ordersFixture(t, e)
	channelFixture(t, e)
	type doc struct {
		base, key, dealer, number string
	}
	docs := []doc{
		{"/change-requests/", "cr:C1", "c1.buyer", ""},
		{"/opportunities/", "opp:C1", "c1.manager", ""},
		{"/complaints/", "cp:C1", "c1.manager", ""},
		{"/service-requests/", "sr:C1", "c1.manager", ""},
		{"/stocktakes/", "st:C1", "c1.manager", ""},
		{"/announcements/", "ann:C1", "c1.buyer", ""},
	}
	err := e.st.View(func(tx *store.Tx) error {
		sc := store.AdminScope()
		for i := range docs {
			id := e.ids[docs[i].key]
			var num string
			switch docs[i].base {
			case "/change-requests/":
				d, err := tx.ChangeRequest(sc, id)
				if err != nil {
					return err
				}
				num = d.Number
			case "/opportunities/":
				d, err := tx.Opportunity(sc, id)
				if err != nil {
					return err
				}
				num = d.Number
			case "/complaints/":
				d, err := tx.Complaint(sc, id)
				if err != nil {
					return err
				}
				num = d.Number
			case "/service-requests/":
				d, err := tx.ServiceRequest(sc, id)
				if err != nil {
					return err
				}
				num = d.Number
			case "/stocktakes/":
				d, err := tx.Stocktake(sc, id)
				if err != nil {
					return err
				}
				num = d.Number
			}
			docs[i].number = num
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.st.Announcement(store.AdminScope(), e.ids["ann:C1"])
	if err != nil {
		t.Fatal(err)
	}
	docs[5].number = a.Number
	for _, d := range docs {
		if d.number == "" {
			t.Fatalf("%s: no number", d.key)
		}
		p := d.base + e.id(d.key)
		for _, user := range []string{"admin", d.dealer} {
			for _, l := range Languages {
				c := e.login(user)
				speak(c, l)
				page := c.get(p)
				if page.Code != http.StatusOK || !strings.Contains(page.Body, `href="`+p+`/print"`) || !strings.Contains(page.Body, `href="`+p+`/pdf"`) {
					t.Errorf("%s %s %s: %d, print and PDF buttons missing", user, l, p, page.Code)
				}
				r := c.get(p + "/print")
				if r.Code != http.StatusOK {
					t.Errorf("%s %s %s/print: %d %s", user, l, p, r.Code, excerpt(r.Body))
					continue
				}
				mustRender(t, p+"/print", r)
				if !strings.Contains(r.Body, d.number) {
					t.Errorf("%s %s %s/print: number %s missing", user, l, p, d.number)
				}
				if l == "zh" && !strings.Contains(r.Body, `lang="zh-CN"`) {
					t.Errorf("%s/print: not in Chinese", p)
				}
			}
			c := e.login(user)
			for _, u := range []string{p + "/pdf", p + "/print?format=pdf"} {
				r := c.get(u)
				if r.Code != http.StatusOK || !strings.HasPrefix(r.Body, "%PDF") || r.Header.Get("Content-Type") != "application/pdf" {
					t.Errorf("%s %s: %d %s", user, u, r.Code, r.Header.Get("Content-Type"))
					continue
				}
				if txt := pdfText(t, []byte(r.Body)); !strings.Contains(txt, d.number) || strings.Contains(txt, "⟦") {
					t.Errorf("%s %s: number %s missing from the PDF text or a key untranslated:\n%s", user, u, d.number, txt)
				}
			}
		}
	}
	// The accused dealer (c2.manager, C1's complaint) gets neither.
	c := e.login("c2.manager")
	for _, u := range []string{"/complaints/" + e.id("cp:C1") + "/print", "/complaints/" + e.id("cp:C1") + "/pdf"} {
		wantStatus(t, "accused "+u, c.get(u), http.StatusNotFound)
	}
}
