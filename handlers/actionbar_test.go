package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"dealerportal/store"
	"dealerportal/views"
)

// TestAskFirstWithoutJavaScript: a destructive form posted with its _ask
// (JavaScript off) gets the confirmation page, which posts the same fields
// without it; nothing happens until then. htmx blanks _ask after its own
// dialog, and the action runs at once.
func TestAskFirstWithoutJavaScript(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	ordersFixture(t, e)
	a := e.login("admin")
	version := func(id uint64) (v uint64, gone bool) {
		_ = e.st.View(func(tx *store.Tx) error {
			cr, err := tx.ChangeRequest(store.AdminScope(), id)
			if err != nil {
				gone = true
				return nil
			}
			v = cr.Version
			return nil
		})
		return v, gone
	}
	for _, code := range []string{"C1", "C2"} {
		id := e.ids["cr:"+code]
		doc := "/change-requests/" + itoa(id)
		if r := a.get(doc); !strings.Contains(r.Body, `name="_ask" value="confirm.delete"`) || !strings.Contains(r.Body, `hx-vals='{"_ask":""}'`) {
			t.Fatalf("%s: the delete form does not ask first:\n%s", doc, excerpt(r.Body))
		}
		v, _ := version(id)
		form := url.Values{"version": {itoa(v)}, "_ask": {"confirm.delete"}, "_ask_do": {"btn.delete"}}
		if code == "C2" {
			form.Set("_ask", "") // what htmx posts after its dialog
			r := a.post(doc+"/delete", form, "HX-Request", "true")
			if _, gone := version(id); r.Code != http.StatusOK || r.Header.Get("HX-Location") == "" || !gone {
				t.Fatalf("%s: htmx's confirmed delete: %d %q, gone %v", doc, r.Code, r.Header.Get("HX-Location"), gone)
			}
			continue
		}
		r := a.post(doc+"/delete", form, "Referer", "http://example.com"+doc)
		if r.Code != http.StatusOK || !strings.Contains(r.Body, `id="ask"`) || !strings.Contains(r.Body, "Delete this?") {
			t.Fatalf("%s: no confirmation page: %d\n%s", doc, r.Code, excerpt(r.Body))
		}
		if _, gone := version(id); gone {
			t.Fatalf("%s: deleted before the confirmation", doc)
		}
		page := r.Body[strings.Index(r.Body, `id="ask"`):]
		for _, want := range []string{`action="` + doc + `/delete"`, `name="version" value="` + itoa(v) + `"`, `href="` + doc + `"`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the confirmation page lacks %s:\n%s", doc, want, excerpt(page))
			}
		}
		if strings.Contains(page, `name="_ask"`) {
			t.Errorf("%s: the confirmation page would ask again", doc)
		}
		// The page's own form: the same fields, no _ask.
		r = a.post(doc+"/delete", url.Values{"version": {itoa(v)}})
		if _, gone := version(id); r.Code != http.StatusSeeOther || !gone {
			t.Fatalf("%s: the confirmed delete: %d, gone %v", doc, r.Code, gone)
		}
	}
}

// TestPickerFilterKeepsChoices: without JavaScript a picker's filter posts
// the form back with _pick: the form comes back filtered, unsaved, with
// every choice kept — the units ticked, the customers chosen and found in
// scope, the codes it cannot show left in the text field.
func TestPickerFilterKeepsChoices(t *testing.T) {
	e := newTestEnv(t)
	a := e.login("admin")
	count := func() (n int) {
		_ = e.st.View(func(tx *store.Tx) error {
			_, n, _ = tx.ListAnnouncements(store.AdminScope(), store.AnnouncementFilter{}, store.Page{Limit: 1})
			return nil
		})
		return n
	}
	before := count()
	a.get("/announcements/new")
	form := url.Values{"title": {"放假通知"}, "body": {"正文"}, "effective_from": {"2026-03-01T09:00"}, "_idem": {"tok-pick"},
		"audience_orgs": {e.id("org:GZ")}, "audience_customers": {"c1，C9", ""}, "_pickq_audience_orgs": {"上海"},
		"_pickq_audience_customers": {"C2"}, "_pick": {"audience_orgs"}}
	r := a.post("/announcements", form)
	if r.Code != http.StatusOK || count() != before {
		t.Fatalf("the filter saved the form or failed: %d, %d → %d announcements", r.Code, before, count())
	}
	pick := func(name, value string) string {
		m := regexp.MustCompile(`<label class="pick depth-\d"( hidden)?><input type="checkbox" name="` + name + `" value="` + value + `"( checked)?>`).FindStringSubmatch(r.Body)
		switch {
		case m == nil:
			return "absent"
		case m[2] != "":
			return "ticked"
		case m[1] != "":
			return "hidden"
		}
		return "shown"
	}
	for _, c := range []struct{ name, value, want string }{
		{"audience_orgs", e.id("org:GZ"), "ticked"}, // kept, though it does not match
		{"audience_orgs", e.id("org:SH"), "shown"},  // matches 上海
		{"audience_orgs", e.id("org:SOUTH"), "hidden"},
		{"audience_customers", "C1", "ticked"}, // typed in lower case, after a full-width comma
		{"audience_customers", "C2", "shown"},  // found by the filter
	} {
		if got := pick(c.name, c.value); got != c.want {
			t.Errorf("%s %s: %s, want %s", c.name, c.value, got, c.want)
		}
	}
	if !regexp.MustCompile(`<textarea id="f-audience_customers" name="audience_customers"[^>]*>C9</textarea>`).MatchString(r.Body) {
		t.Errorf("the unknown code C9 is not kept in the text field:\n%s", excerpt(r.Body[strings.Index(r.Body, `id="pick-audience_customers"`):]))
	}

	// East's picker offers East only, and its filter finds no customer of the South.
	east := e.login("east")
	east.get("/announcements/new")
	form.Del("_csrf")
	form.Set("_idem", "tok-pick-east")
	form.Set("audience_orgs", e.id("org:SH"))
	form.Set("_pickq_audience_customers", "C2")
	r = east.post("/announcements", form)
	if r.Code != http.StatusOK || pick("audience_orgs", e.id("org:SOUTH")) != "absent" || pick("audience_customers", "C2") != "absent" {
		t.Errorf("east's picker offers the South: %d, org %s, C2 %s", r.Code, pick("audience_orgs", e.id("org:SOUTH")), pick("audience_customers", "C2"))
	}
}

// TestPickedValues: codes are split the same way from every form, and a bar
// is laid out by its rule.
func TestPickedValues(t *testing.T) {
	if got := splitPicked("c1，C2、c3; C1\n", "C4 c2"); strings.Join(got, " ") != "C1 C2 C3 C4" {
		t.Errorf("splitPicked: %q", got)
	}
	bar := barTable{
		{Back: true, Link: "/x"},
		{Action: "unaudit", Ask: "oo.confirm"},
		{Label: "btn.delete", Post: "{base}/delete", Kind: barDanger, Ask: "confirm.delete"},
		{Label: "btn.print", Link: "{base}/print"},
	}.build(barDoc{Base: "/x/1", Version: 1, Actions: []string{"unaudit"}})
	i18n, err := LoadI18n(views.FS, "i18n")
	if err != nil {
		t.Fatal(err)
	}
	v := &View{h: &Handler{i18n: i18n}, Lang: "en"}
	got := v.ActionBar(bar)
	var order []string
	for _, it := range got.Items {
		order = append(order, it.Label+":"+it.Class)
	}
	// Print is promoted (unaudit asks first, back only when nothing else); delete stands apart at the end.
	if strings.Join(order, " ") != "btn.print:primary btn.back: action.unaudit: btn.delete:danger" || !got.Items[3].Apart {
		t.Errorf("bar laid out as %v", order)
	}
}
