package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// channelFixture gives each customer X of C1, C2 (Y the other one): a draft
// opportunity "opp:X" with a file "oppatt:X"; a complaint "cp:X" filed by X
// with a photo "cpatt:X", handled with Y found responsible — so the notice
// "notice:X" (the complaint X was found responsible for) is cp:Y; a new
// service request "sr:X" with a file "sratt:X"; a stocktake "st:X". It
// adds the ordering fixture (products P-ALL, P-C1, P-C2) when missing.
func channelFixture(t *testing.T, e *testEnv) {
	t.Helper()
	if _, ok := e.ids["entry:ALL"]; !ok {
		orderingFixture(t, e)
	}
	err := e.st.Update("admin", func(tx *store.Tx) error {
		admin, err := tx.UserByID(e.ids["user:admin"])
		if err != nil {
			return err
		}
		sc := store.AdminScope()
		for _, pair := range [][2]string{{"C1", "C2"}, {"C2", "C1"}} {
			x, y := pair[0], pair[1]
			cust := e.ids["customer:"+x]
			ref, err := tx.ChannelProduct(sc, cust, "P-ALL", true)
			if err != nil {
				return err
			}
			o := &model.Opportunity{CustomerID: cust, Project: "项目" + x, EndClient: "终端" + x, Stage: "lead",
				Lines: []model.InterestLine{{ProductRef: ref, Qty: 1000, Price: 100}}}
			if err := tx.SaveOpportunity(sc, admin, o); err != nil {
				return err
			}
			cp := &model.Complaint{CustomerID: cust, Territory: "区域" + x, PlaceFound: "某店", DateFound: tx.Today(), Description: "投诉方 " + x + " 的说明", Product: ref}
			if err := tx.SaveComplaint(sc, admin, cp); err != nil {
				return err
			}
			sr := &model.ServiceRequest{CustomerID: cust, Contact: "联系人", Product: ref, ProblemType: "other", Priority: "normal", Description: "问题"}
			if err := tx.SaveServiceRequest(sc, admin, sr); err != nil {
				return err
			}
			st := &model.Stocktake{CustomerID: cust, Date: tx.Today(), Lines: []model.StocktakeLine{{ProductRef: ref, Qty: 5000}}}
			if err := tx.SaveStocktake(sc, admin, st, false); err != nil {
				return err
			}
			for owner, id := range map[string]uint64{store.OwnerOpportunity: o.ID, store.OwnerComplaint: cp.ID, store.OwnerServiceRequest: sr.ID} {
				a := &model.Attachment{CustomerID: cust, OwnerType: owner, OwnerID: id, Name: "evidence.png", ContentType: "image/png"}
				if err := tx.AddAttachment(a, []byte("\x89PNG\r\n\x1a\n")); err != nil {
					return err
				}
				e.ids[map[string]string{store.OwnerOpportunity: "oppatt:", store.OwnerComplaint: "cpatt:", store.OwnerServiceRequest: "sratt:"}[owner]+x] = a.ID
			}
			for _, step := range []struct {
				action string
				in     store.ComplaintAction
			}{
				{"submit", store.ComplaintAction{}},
				{"audit", store.ComplaintAction{Accused: e.ids["customer:"+y]}},
				{"handle", store.ComplaintAction{Handling: &model.ComplaintHandling{ResponsibleID: e.ids["customer:"+y], Resolution: "召回", Penalty: 10000}}},
			} {
				got, err := tx.ActOnComplaint(sc, admin, cp.ID, cp.Version, step.action, step.in)
				if err != nil {
					return err
				}
				cp = got
			}
			e.ids["opp:"+x], e.ids["cp:"+x], e.ids["sr:"+x], e.ids["st:"+x] = o.ID, cp.ID, sr.ID, st.ID
			e.ids["notice:"+y] = cp.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// channelScopeRows are the channel routes of the scope matrix.
var channelScopeRows = []scopeRoute{
	{"GET", "/opportunities/{opp}"},
	{"GET", "/opportunities/{opp}/edit"},
	{"GET", "/opportunities/{opp}/print"},
	{"GET", "/opportunities/{opp}/print?format=pdf"},
	{"GET", "/opportunities/{opp}/pdf"},
	{"GET", "/opportunities/{opp}?tab=evaluation"},
	{"POST", "/opportunities/{opp}"},
	{"POST", "/opportunities/{opp}/delete"},
	{"POST", "/opportunities/{opp}/attachments"},
	{"POST", "/opportunities/{opp}/attachments/{oppatt}/delete"},
	{"POST", "/opportunities/{opp}/submit"},
	{"POST", "/opportunities/{opp}/evaluate"},
	{"POST", "/opportunities/{opp}/win"},
	{"POST", "/opportunities/{opp}/lose"},
	{"POST", "/opportunities/{opp}/expire"},
	{"GET", "/attachments/{oppatt}"},
	{"POST", "/comments/OP/{opp}"},
	{"GET", "/complaints/{cp}"},
	{"GET", "/complaints/{cp}/edit"},
	{"GET", "/complaints/{cp}/print"},
	{"GET", "/complaints/{cp}/pdf"},
	{"POST", "/complaints/{cp}"},
	{"POST", "/complaints/{cp}/delete"},
	{"POST", "/complaints/{cp}/attachments"},
	{"POST", "/complaints/{cp}/attachments/{cpatt}/delete"},
	{"POST", "/complaints/{cp}/submit"},
	{"POST", "/complaints/{cp}/audit"},
	{"POST", "/complaints/{cp}/handle"},
	{"POST", "/complaints/{cp}/close"},
	{"POST", "/complaints/{cp}/reopen"},
	{"GET", "/attachments/{cpatt}"},
	{"POST", "/comments/CP/{cp}"},
	// The notice of the complaint the target was found responsible for:
	// nobody but the target's users (and staff covering it) reads it — the
	// complainant included. That the accused never reads the complaint is
	// the {cp} rows: c2.manager is the accused of C1's complaint.
	{"GET", "/complaint-notices/{notice}"},
	{"GET", "/service-requests/{sr}"},
	{"GET", "/service-requests/{sr}/edit"},
	{"GET", "/service-requests/{sr}/print"},
	{"GET", "/service-requests/{sr}/pdf"},
	{"GET", "/service-requests/{sr}?tab=handling"},
	{"POST", "/service-requests/{sr}"},
	{"POST", "/service-requests/{sr}/attachments"},
	{"POST", "/service-requests/{sr}/attachments/{sratt}/delete"},
	{"POST", "/service-requests/{sr}/log"},
	{"POST", "/service-requests/{sr}/start"},
	{"POST", "/service-requests/{sr}/resolve"},
	{"POST", "/service-requests/{sr}/close"},
	{"POST", "/service-requests/{sr}/reopen"},
	{"GET", "/attachments/{sratt}"},
	{"POST", "/comments/SR/{sr}"},
	{"GET", "/stocktakes/{st}"},
	{"GET", "/stocktakes/{st}/edit"},
	{"GET", "/stocktakes/{st}/print"},
	{"GET", "/stocktakes/{st}/pdf"},
	{"POST", "/stocktakes/{st}"},
	{"POST", "/stocktakes/{st}/delete"},
}

// channelScopeReplacer fills the channel placeholders for target customer x.
func channelScopeReplacer(e *testEnv, x string) []string {
	out := []string{}
	for _, k := range []string{"opp", "oppatt", "cp", "cpatt", "notice", "sr", "sratt", "st"} {
		out = append(out, "{"+k+"}", e.id(k+":"+x))
	}
	return out
}

func init() { scopeMatrix = append(scopeMatrix, channelScopeRows...) }

// TestChannelPagesRender renders every channel page as staff and dealers,
// in both languages, as a page and as an HTMX fragment.
func TestChannelPagesRender(t *testing.T) {
	e := newTestEnv(t)
	channelFixture(t, e)
	id := func(k string) string { return e.id(k) }
	common := func(x string) []string {
		return []string{"/opportunities", "/opportunities?status=submitted&q=x", "/opportunities/" + id("opp:"+x), "/opportunities/" + id("opp:"+x) + "?tab=evaluation",
			"/opportunities/" + id("opp:"+x) + "/edit", "/complaints", "/complaints/" + id("cp:"+x),
			"/service-requests", "/service-requests/" + id("sr:"+x), "/service-requests/" + id("sr:"+x) + "?tab=handling", "/service-requests/" + id("sr:"+x) + "/edit",
			"/stocktakes", "/stocktakes/" + id("st:"+x), "/stocktakes/" + id("st:"+x) + "/edit", "/channel-report", "/channel-report?from=2020-01-01&to=2030-12-31"}
	}
	pages := map[string][]string{
		"admin": append(common("C1"), "/opportunities/new", "/complaints/new", "/service-requests/new", "/stocktakes/new", "/stocktakes/import",
			"/channel-report?customer=C1", "/channel-report?customer=C2&from=2020-01-01", "/opportunities?flag=collision&customer=C1", "/"),
		"east": {"/opportunities", "/opportunities/" + id("opp:C1") + "?tab=evaluation", "/opportunities/" + id("opp:C1") + "/edit", "/complaints/" + id("cp:C1"),
			"/service-requests/" + id("sr:C1") + "?tab=handling", "/stocktakes/" + id("st:C1") + "/edit", "/channel-report?customer=C1", "/opportunities/new", "/stocktakes/new", "/"},
		"viewer": {"/opportunities", "/opportunities/" + id("opp:C1"), "/complaints/" + id("cp:C1"), "/service-requests/" + id("sr:C1"),
			"/stocktakes/" + id("st:C1"), "/channel-report", "/"},
		"c1.manager": append(common("C1"), "/opportunities/new", "/complaints/new", "/service-requests/new", "/stocktakes/new", "/stocktakes/import",
			"/complaint-notices", "/complaint-notices/"+id("notice:C1"), "/"),
		"c1.buyer": {"/opportunities", "/complaints", "/service-requests/" + id("sr:C1") + "?tab=handling", "/channel-report", "/complaint-notices"},
	}
	for user, paths := range pages {
		for _, lang := range Languages {
			c := e.login(user)
			c.get("/")
			c.post("/lang", url.Values{"lang": {lang}})
			for _, p := range paths {
				for _, hx := range []bool{false, true} {
					var r resp
					if hx {
						r = c.get(p, "HX-Request", "true")
					} else {
						r = c.get(p)
					}
					if r.Code != http.StatusOK {
						t.Errorf("%s %s %s hx=%v: status %d %s", user, lang, p, hx, r.Code, excerpt(r.Body))
						continue
					}
					mustRender(t, p, r)
				}
			}
		}
	}
	// Dealers and staff without the permission get no channel pages for writing.
	v := e.login("viewer")
	for _, p := range []string{"/opportunities/new", "/complaints/new", "/stocktakes/new", "/stocktakes/import"} {
		if r := v.get(p); r.Code != http.StatusForbidden {
			t.Errorf("viewer %s: %d", p, r.Code)
		}
	}
}

var chDocIDRe = regexp.MustCompile(`/(?:opportunities|complaints|service-requests|stocktakes)/(\d+)`)

// chCreated returns the id in the Location of a 303 after a create.
func chCreated(t *testing.T, r resp) string {
	t.Helper()
	if r.Code != http.StatusSeeOther {
		t.Fatalf("create: status %d: %s", r.Code, excerpt(r.Body))
	}
	m := chDocIDRe.FindStringSubmatch(r.Header.Get("Location"))
	if m == nil {
		t.Fatalf("create: location %q", r.Header.Get("Location"))
	}
	return m[1]
}

var chDocPathRe = regexp.MustCompile(`^/(opportunities|complaints|service-requests|stocktakes)/(\d+)`)

// chVersion reads the stored version of the document at path (what the
// page's forms carry), for posting actions as the user would.
func chVersion(t *testing.T, c *client, path string) string {
	t.Helper()
	c.get(path) // as a user would: the page (and its CSRF token) first
	m := chDocPathRe.FindStringSubmatch(path)
	if m == nil {
		t.Fatalf("%s: not a document path", path)
	}
	id := parseID(m[2])
	var v uint64
	err := c.e.st.View(func(tx *store.Tx) error {
		switch m[1] {
		case "opportunities":
			o, err := tx.Opportunity(store.AdminScope(), id)
			if err != nil {
				return err
			}
			v = o.Version
		case "complaints":
			cp, err := tx.Complaint(store.AdminScope(), id)
			if err != nil {
				return err
			}
			v = cp.Version
		case "service-requests":
			r, err := tx.ServiceRequest(store.AdminScope(), id)
			if err != nil {
				return err
			}
			v = r.Version
		default:
			s, err := tx.Stocktake(store.AdminScope(), id)
			if err != nil {
				return err
			}
			v = s.Version
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return itoa(v)
}

func TestOpportunityFlowHTTP(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	d1, d2, admin := e.login("c1.manager"), e.login("c2.manager"), e.login("admin")
	d1.get("/opportunities/new")
	form := url.Values{"project": {"二期产线"}, "end_client": {"上海明达机械有限公司"}, "stage": {"proposal"}, "expected_amount": {"120000"},
		"line_code": {"P-C2", "", "P-ALL"}, "line_qty": {"2", "", "3"}, "line_price": {"", "", "100"}}
	// P-C2 is not published to C1: the row is refused, nothing is saved.
	r := d1.post("/opportunities", form)
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "not in the customer") {
		t.Fatalf("unpublished product: %d %s", r.Code, excerpt(r.Body))
	}
	form.Set("_idem", "tok-1")
	form["line_code"] = []string{"P-C1", "", "P-ALL"}
	oppA := chCreated(t, d1.post("/opportunities", form))
	if again := d1.post("/opportunities", form); again.Header.Get("Location") != "/opportunities/"+oppA {
		t.Errorf("double submit made another opportunity: %s", again.Header.Get("Location"))
	}
	if r := d1.post("/opportunities/"+oppA+"/submit", url.Values{"version": {chVersion(t, d1, "/opportunities/"+oppA)}}); r.Code != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", r.Code, excerpt(r.Body))
	}
	// The dealer cannot evaluate.
	if r := d1.post("/opportunities/"+oppA+"/evaluate", url.Values{"verdict": {"accept"}, "protection_end": {"2099-01-01"}, "version": {chVersion(t, d1, "/opportunities/"+oppA)}}); r.Code != http.StatusForbidden {
		t.Errorf("dealer evaluates: %d", r.Code)
	}
	v := chVersion(t, admin, "/opportunities/"+oppA+"?tab=evaluation")
	var today string
	_ = e.st.View(func(tx *store.Tx) error { today = tx.Today(); return nil })
	until := model.AddDays(today, 60)
	if r := admin.post("/opportunities/"+oppA+"/evaluate", url.Values{"verdict": {"accept"}, "protection_end": {until}, "win_probability": {"70"}, "comments": {"OK"}, "version": {v}}); r.Code != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", r.Code, excerpt(r.Body))
	}
	r = d1.get("/opportunities/" + oppA + "?tab=evaluation")
	if !strings.Contains(r.Body, until) || !strings.Contains(r.Body, "70%") {
		t.Errorf("dealer does not see the evaluation: %s", excerpt(r.Body))
	}
	// A second dealer registers the same end client, written differently.
	d2.get("/opportunities/new")
	form2 := url.Values{"project": {"竞争项目"}, "end_client": {" 上海明达机械 "}, "stage": {"lead"}, "line_code": {"P-C2"}, "line_qty": {"1"}}
	oppB := chCreated(t, d2.post("/opportunities", form2))
	d2.post("/opportunities/"+oppB+"/submit", url.Values{"version": {chVersion(t, d2, "/opportunities/"+oppB)}})
	// The dealer is not told about the other dealer; staff are.
	if r := d2.get("/opportunities/" + oppB + "?tab=evaluation"); strings.Contains(r.Body, `id="collision"`) || strings.Contains(r.Body, "客户C1") {
		t.Errorf("the second dealer learns of the first: %s", excerpt(r.Body))
	}
	r = admin.get("/opportunities/" + oppB)
	if !strings.Contains(r.Body, `id="collision"`) || !strings.Contains(r.Body, until) {
		t.Errorf("staff see no collision: %s", excerpt(r.Body))
	}
	if r := admin.get("/opportunities?status=submitted"); !strings.Contains(r.Body, "badge bad") {
		t.Errorf("list shows no collision badge")
	}
	if r := admin.get("/"); !strings.Contains(r.Body, "/opportunities?status=submitted&amp;flag=collision") {
		t.Errorf("no collision tile")
	}
	r = admin.post("/opportunities/"+oppB+"/evaluate", url.Values{"verdict": {"accept"}, "protection_end": {until}, "version": {chVersion(t, admin, "/opportunities/"+oppB)}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "protects this end client") {
		t.Errorf("accepting a colliding registration: %d %s", r.Code, excerpt(r.Body))
	}
	r = admin.post("/opportunities/"+oppB+"/evaluate", url.Values{"verdict": {"reject"}, "comments": {""}, "version": {chVersion(t, admin, "/opportunities/"+oppB)}})
	if r.Code != http.StatusUnprocessableEntity {
		t.Errorf("reject without comments: %d", r.Code)
	}
	r = admin.post("/opportunities/"+oppB+"/evaluate", url.Values{"verdict": {"reject"}, "comments": {"已有其他经销商报备"}, "version": {chVersion(t, admin, "/opportunities/"+oppB)}})
	if r.Code != http.StatusSeeOther {
		t.Errorf("reject: %d %s", r.Code, excerpt(r.Body))
	}
	// A stale version is a conflict.
	if r := admin.post("/opportunities/"+oppA+"/win", url.Values{"version": {"1"}}); r.Code != http.StatusConflict {
		t.Errorf("stale win: %d", r.Code)
	}
	// Export lists the customer's own only.
	if r := d2.get("/opportunities?export=csv"); strings.Contains(r.Body, "二期产线") || !strings.Contains(r.Body, "竞争项目") {
		t.Errorf("dealer export: %s", r.Body)
	}
}

func TestComplaintFlowHTTP(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	messagingScopeFixtures(t, e) // message templates
	d1, d2, admin := e.login("c1.manager"), e.login("c2.manager"), e.login("admin")
	d1.get("/complaints/new")
	var today string
	_ = e.st.View(func(tx *store.Tx) error { today = tx.Today(); return nil })
	form := url.Values{"territory": {"苏州"}, "place_found": {"苏州工业园区某五金店"}, "date_found": {today}, "accused_name": {"某经销商"},
		"product_code": {"P-ALL"}, "trace_codes": {"B2026-07"}, "qty": {"20"}, "price_seen": {"88"}, "description": {"客户C1 的王经理在店内发现低价货"}}
	if r := d1.post("/complaints", url.Values{"territory": {"x"}}); r.Code != http.StatusUnprocessableEntity {
		t.Errorf("incomplete complaint: %d", r.Code)
	}
	cp := chCreated(t, d1.post("/complaints", form))
	body, ctype := multipartBody(map[string]string{"_csrf": d1.csrf}, "file", "现场照片.png", []byte("\x89PNG\r\n\x1a\nphoto"))
	if r := d1.postRaw("/complaints/"+cp+"/attachments", ctype, body); r.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", r.Code, excerpt(r.Body))
	}
	r := d1.get("/complaints/" + cp)
	attRe := regexp.MustCompile(`/attachments/(\d+)"`)
	m := attRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no attachment link: %s", excerpt(r.Body))
	}
	att := m[1]
	d1.post("/complaints/"+cp+"/submit", url.Values{"version": {chVersion(t, d1, "/complaints/"+cp)}})
	// Dealers do not audit or handle.
	if r := d1.post("/complaints/"+cp+"/audit", url.Values{"version": {chVersion(t, d1, "/complaints/"+cp)}}); r.Code != http.StatusForbidden {
		t.Errorf("dealer audits: %d", r.Code)
	}
	if r := admin.post("/complaints/"+cp+"/audit", url.Values{"accused_code": {"C2"}, "version": {chVersion(t, admin, "/complaints/"+cp)}}); r.Code != http.StatusSeeOther {
		t.Fatalf("audit: %d %s", r.Code, excerpt(r.Body))
	}
	if r := admin.post("/complaints/"+cp+"/handle", url.Values{"responsible_code": {"C1"}, "resolution": {"x"}, "version": {chVersion(t, admin, "/complaints/"+cp)}}); r.Code != http.StatusUnprocessableEntity {
		t.Errorf("complainant as responsible: %d", r.Code)
	}
	if r := admin.post("/complaints/"+cp+"/handle", url.Values{"responsible_code": {"C2"}, "findings": {"经查属实，C1 所述情况确认"}, "penalty": {"5000"},
		"compensation": {"2000"}, "recall_deadline": {model.AddDays(today, 14)}, "resolution": {"限期召回并罚款 5000 元"}, "version": {chVersion(t, admin, "/complaints/"+cp)}}); r.Code != http.StatusSeeOther {
		t.Fatalf("handle: %d %s", r.Code, excerpt(r.Body))
	}
	admin.get("/complaints/" + cp)
	admin.post("/comments/CP/"+cp, url.Values{"text": {"已通知责任方，请关注召回进度"}})
	// The complainant sees the resolution.
	r = d1.get("/complaints/" + cp)
	if !strings.Contains(r.Body, "限期召回并罚款 5000 元") || !strings.Contains(r.Body, "已通知责任方") {
		t.Errorf("complainant does not see the resolution: %s", excerpt(r.Body))
	}
	if strings.Contains(r.Body, "客户C2") {
		t.Errorf("complainant is shown the responsible dealer")
	}
	deliver(t, e)
	// The accused: no complaint, no evidence, no export row — only a notice
	// of the handling that names nobody.
	c1Marks := []string{"客户C1", ">C1 ", "c1.manager", "C1 manager", "王经理", "现场照片", "经查属实", "苏州工业园区某五金店 "}
	noLeak := func(what string, r resp) {
		t.Helper()
		for _, s := range c1Marks {
			if strings.Contains(r.Body, s) {
				t.Errorf("%s leaks %q: %s", what, s, excerpt(r.Body[max(0, strings.Index(r.Body, s)-200):]))
			}
		}
	}
	for _, p := range []string{"/complaints/" + cp, "/attachments/" + att, "/complaints/" + cp + "/edit"} {
		if r := d2.get(p); r.Code != http.StatusNotFound {
			t.Errorf("accused %s: %d", p, r.Code)
		}
	}
	for _, p := range []string{"/complaints", "/complaints?export=csv", "/complaints?export=xlsx", "/complaints?q=%E8%8B%8F%E5%B7%9E"} {
		r := d2.get(p)
		noLeak(p, r)
		if strings.Contains(r.Body, "/complaints/"+cp) || strings.Contains(r.Body, "CP-") {
			t.Errorf("accused lists the complaint at %s", p)
		}
	}
	r = d2.get("/complaint-notices")
	if !strings.Contains(r.Body, "/complaint-notices/"+cp) {
		t.Fatalf("no notice for the responsible dealer: %s", excerpt(r.Body))
	}
	noLeak("notice list", r)
	r = d2.get("/complaint-notices/" + cp)
	if r.Code != http.StatusOK || !strings.Contains(r.Body, "限期召回并罚款 5000 元") || !strings.Contains(r.Body, "B2026-07") {
		t.Fatalf("notice: %d %s", r.Code, excerpt(r.Body))
	}
	noLeak("notice", r)
	noLeak("notice export", d2.get("/complaint-notices?export=csv"))
	for _, p := range []string{"/inbox", "/"} {
		r := d2.get(p)
		noLeak(p, r)
	}
	// Its in-app messages, opened one by one: the handling notice, naming nobody.
	inbox := d2.get("/inbox")
	msgs := regexp.MustCompile(`href="(/inbox/\d+)"`).FindAllStringSubmatch(inbox.Body, -1)
	gotNotice := false
	for _, m := range msgs {
		r := d2.get(m[1])
		noLeak(m[1], r)
		gotNotice = gotNotice || strings.Contains(r.Body, "/complaint-notices/"+cp)
	}
	if !gotNotice {
		t.Errorf("the responsible dealer got no message linking the notice (%d messages)", len(msgs))
	}
	// The complainant's notice URL is not its own: 404.
	if r := d1.get("/complaint-notices/" + cp); r.Code != http.StatusNotFound {
		t.Errorf("complainant reads the notice: %d", r.Code)
	}
	// Close, reopen by the complainant.
	admin.post("/complaints/"+cp+"/close", url.Values{"version": {chVersion(t, admin, "/complaints/"+cp)}})
	if r := d1.post("/complaints/"+cp+"/reopen", url.Values{"reason": {"尚未召回"}, "version": {chVersion(t, d1, "/complaints/"+cp)}}); r.Code != http.StatusSeeOther {
		t.Errorf("reopen: %d %s", r.Code, excerpt(r.Body))
	}
	if r := d2.get("/complaint-notices/" + cp); r.Code != http.StatusNotFound {
		t.Errorf("notice of a reopened complaint: %d", r.Code)
	}
}

func TestServiceRequestFlowHTTP(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	d1, admin := e.login("c1.buyer"), e.login("admin")
	d1.get("/service-requests/new")
	form := url.Values{"contact": {"李工"}, "phone": {"13800000000"}, "product_code": {"P-C2"}, "serial": {"SN-1"}, "problem_type": {"malfunction"},
		"priority": {"urgent"}, "description": {"异响"}}
	if r := d1.post("/service-requests", form); r.Code != http.StatusUnprocessableEntity {
		t.Errorf("unpublished product: %d", r.Code)
	}
	form.Set("product_code", "P-C1")
	sr := chCreated(t, d1.post("/service-requests", form))
	path := "/service-requests/" + sr
	steps := []struct {
		c      *client
		action string
		form   url.Values
		want   int
	}{
		{d1, "start", nil, http.StatusForbidden},
		{admin, "start", url.Values{"note": {"已受理"}}, http.StatusSeeOther},
		{admin, "resolve", url.Values{}, http.StatusUnprocessableEntity},
		{admin, "resolve", url.Values{"solution": {"更换轴承"}}, http.StatusSeeOther},
		{admin, "reopen", url.Values{"note": {"x1"}}, http.StatusForbidden},
		{d1, "reopen", url.Values{}, http.StatusUnprocessableEntity},
		{d1, "reopen", url.Values{"note": {"仍有异响"}}, http.StatusSeeOther},
		{admin, "resolve", url.Values{"solution": {"更换电机"}}, http.StatusSeeOther},
		{d1, "close", nil, http.StatusSeeOther},
		{d1, "reopen", url.Values{"note": {"x1"}}, http.StatusConflict},
	}
	for i, s := range steps {
		f := s.form
		if f == nil {
			f = url.Values{}
		}
		f.Set("version", chVersion(t, s.c, path+"?tab=handling"))
		if r := s.c.post(path+"/"+s.action, f); r.Code != s.want {
			t.Errorf("step %d %s: %d, want %d: %s", i, s.action, r.Code, s.want, excerpt(r.Body))
		}
	}
	r := d1.get(path + "?tab=handling")
	for _, s := range []string{"更换电机", "仍有异响", "ADMIN"} {
		if !strings.Contains(r.Body, s) {
			t.Errorf("handling tab lacks %q", s)
		}
	}
}

// chGBK encodes s as GBK (what Excel writes on Chinese Windows).
func chGBK(t *testing.T, s string) []byte {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var chTokenRe = regexp.MustCompile(`name="token" value="([0-9a-f]+)"`)

func TestStocktakeImportAndReport(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	d1 := e.login("c1.manager")
	var today string
	_ = e.st.View(func(tx *store.Tx) error { today = tx.Today(); return nil })
	first := model.AddDays(today, -30)
	preview := func(c *client, date string, name string, data []byte) resp {
		c.get("/stocktakes/import")
		body, ctype := multipartBody(map[string]string{"_csrf": c.csrf, "date": date}, "file", name, data)
		return c.postRaw("/stocktakes/import", ctype, body)
	}
	// A file with a BOM and bad rows: each is listed with its row number.
	csv1 := "\ufeff商品编码,数量\nP-ALL,100\nP-C1,40\nP-C2,5\nNOPE,1\nP-ALL,3\nP-C1,-2\n"
	r := preview(d1, first, "盘点.csv", []byte(csv1))
	if r.Code != http.StatusUnprocessableEntity {
		t.Fatalf("preview: %d %s", r.Code, excerpt(r.Body))
	}
	for _, want := range []string{`<td data-label="Row" class="num">4</td>`, `<td data-label="Row" class="num">5</td>`, `<td data-label="Row" class="num">6</td>`, `<td data-label="Row" class="num">7</td>`, "“P-C2”", "“NOPE”", "already on row 3"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	tok := chTokenRe.FindStringSubmatch(r.Body)
	if tok == nil {
		t.Fatalf("no token: %s", excerpt(r.Body))
	}
	// Nothing is recorded before the confirmation, and not all rows with bad ones.
	if r := d1.get("/stocktakes"); strings.Contains(r.Body, first) {
		t.Fatal("recorded at preview")
	}
	if r := d1.post("/stocktakes/import/confirm", url.Values{"token": {tok[1]}, "date": {first}, "mode": {"all"}}); r.Code != http.StatusUnprocessableEntity {
		t.Errorf("import all with bad rows: %d", r.Code)
	}
	r = d1.post("/stocktakes/import/confirm", url.Values{"token": {tok[1]}, "date": {first}, "mode": {"good"}})
	st1 := chCreated(t, r)
	if r := d1.get("/stocktakes/" + st1); !strings.Contains(r.Body, "P-ALL") || !strings.Contains(r.Body, "P-C1") || strings.Contains(r.Body, "P-C2") {
		t.Errorf("stocktake: %s", excerpt(r.Body))
	}
	// Goods arrive between the two counts: 50 of P-ALL, 10 back by a red outbound.
	err := e.st.Update("admin", func(tx *store.Tx) error {
		for _, ob := range []*model.Outbound{
			{CustomerID: e.ids["customer:C1"], PostDate: model.AddDays(today, -10), Lines: []model.OrderLine{{ProductID: e.ids["product:ALL"], Code: "P-ALL", Name: "通用电机", Qty: 50_000}}},
			{CustomerID: e.ids["customer:C1"], PostDate: model.AddDays(today, -5), Red: true, Lines: []model.OrderLine{{ProductID: e.ids["product:ALL"], Code: "P-ALL", Name: "通用电机", Qty: -10_000}}},
			{CustomerID: e.ids["customer:C2"], PostDate: model.AddDays(today, -5), Lines: []model.OrderLine{{ProductID: e.ids["product:ALL"], Code: "P-ALL", Qty: 999_000}}},
		} {
			ob.Status = model.StatusAudited
			if err := tx.InsertDoc(store.AdminScope(), model.DocOutbound, ob); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The second count, GBK-encoded, tab separated.
	r = preview(d1, today, "count2.csv", chGBK(t, "商品编码\t数量\nP-ALL\t35\nP-C1\t50\n"))
	if r.Code != http.StatusOK {
		t.Fatalf("GBK preview: %d %s", r.Code, excerpt(r.Body))
	}
	tok = chTokenRe.FindStringSubmatch(r.Body)
	st2 := chCreated(t, d1.post("/stocktakes/import/confirm", url.Values{"token": {tok[1]}, "date": {today}, "mode": {"all"}}))
	// A second import for the same date replaces the first only when confirmed.
	r = preview(d1, today, "count3.csv", []byte("product_code,qty\nP-ALL,30\nP-C1,50\n"))
	if !strings.Contains(r.Body, `id="replace-warning"`) {
		t.Errorf("no replace warning: %s", excerpt(r.Body))
	}
	tok = chTokenRe.FindStringSubmatch(r.Body)
	if r := d1.post("/stocktakes/import/confirm", url.Values{"token": {tok[1]}, "date": {today}, "mode": {"all"}}); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "tick") {
		t.Errorf("replace without confirmation: %d %s", r.Code, excerpt(r.Body))
	}
	if got := chCreated(t, d1.post("/stocktakes/import/confirm", url.Values{"token": {tok[1]}, "date": {today}, "mode": {"all"}, "replace": {"1"}})); got != st2 {
		t.Errorf("replaced into %s, want %s", got, st2)
	}
	// The report: P-ALL 100 + (50 − 10) − 30 = 110 sold of 140: 78.6 %;
	// P-C1 40 + 0 − 50 = −10: flagged.
	r = d1.get("/channel-report?from=" + first + "&to=" + today)
	if r.Code != http.StatusOK {
		t.Fatalf("report: %d %s", r.Code, excerpt(r.Body))
	}
	for _, want := range []string{"78.6%", "<svg", "negative sales", "-10", "110"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("report lacks %q: %s", want, excerpt(r.Body))
		}
	}
	if strings.Contains(r.Body, "999") {
		t.Error("report counts another customer's outbound")
	}
	csv := d1.get("/channel-report?from=" + first + "&to=" + today + "&export=csv")
	if !strings.Contains(csv.Body, "P-ALL") || !strings.Contains(csv.Body, "78.6%") || !strings.Contains(csv.Header.Get("Content-Disposition"), ".csv") {
		t.Errorf("export: %s", csv.Body)
	}
	// Before any count: flagged, not zero.
	r = d1.get("/channel-report?from=2001-01-01&to=2001-02-01")
	if !strings.Contains(r.Body, "no opening stocktake") {
		t.Errorf("missing stocktakes not flagged")
	}
	// Another dealer cannot reach C1's stocktakes or report.
	d2 := e.login("c2.manager")
	if r := d2.get("/stocktakes/" + st1); r.Code != http.StatusNotFound {
		t.Errorf("C2 reads C1's stocktake: %d", r.Code)
	}
	if r := d2.get("/channel-report?customer=C1&from=" + first + "&to=" + today); strings.Contains(r.Body, "78.6%") {
		t.Error("C2 reads C1's report")
	}
	// Staff: all customers in scope, then one.
	admin := e.login("admin")
	if r := admin.get("/channel-report?from=" + first + "&to=" + today); !strings.Contains(r.Body, "客户C1") || !strings.Contains(r.Body, "客户C2") {
		t.Errorf("staff summary: %s", excerpt(r.Body))
	}
	if r := e.login("south").get("/channel-report?customer=C1"); r.Code != http.StatusUnprocessableEntity {
		t.Errorf("south asks for C1's report: %d", r.Code)
	}
}

// FuzzStocktakeImportFile runs any file through the import's reader and
// planner: no panic, and every problem has a row within the file.
func FuzzStocktakeImportFile(f *testing.F) {
	f.Add([]byte("\ufeff商品编码,数量\nP-1,10\n"))
	f.Add([]byte("product_code;qty\nP-1;1,5\n;\n"))
	f.Add([]byte("\xc9\xcc\xc6\xb7\xb1\xe0\xc2\xeb,\xca\xfd\xc1\xbf\nP-1,2\n"))
	f.Add([]byte("PK\x03\x04garbage"))
	st, err := store.Open(testDSN(f))
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	var cust uint64
	if err := st.Update("t", func(tx *store.Tx) error {
		o := &model.OrgUnit{Code: "HQ", Name: "HQ"}
		if err := tx.SaveOrgUnit(o); err != nil {
			return err
		}
		c := &model.Customer{Code: "F1", Name: "F1", OrgUnitID: o.ID, Status: model.CustomerActive}
		err := tx.SaveCustomer(store.AdminScope(), c)
		cust = c.ID
		return err
	}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"f.csv", "f.xlsx"} {
			table, err := readTable(name, data)
			if err != nil {
				continue
			}
			_ = st.View(func(tx *store.Tx) error {
				p := tx.PlanStocktakeImport(store.CustomerScope(cust), cust, table)
				for _, e := range p.Errors {
					if e.Row < 0 || e.Row > len(table) {
						t.Fatalf("row %d of %d", e.Row, len(table))
					}
				}
				if len(p.Lines) != len(p.Rows) {
					t.Fatal("lines and rows differ")
				}
				return nil
			})
		}
	})
}
