package handlers

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// orderingFixture adds to the test env: a category tree; products P-ALL
// (published to the HQ org unit: every customer), P-C1 (to C1 only, with an
// image), P-C2 (to C2 only), P-MULT (to C1, min 6 multiple 6), P-NEW (no
// entry); a C1 price with a quantity break, a C2 price. Ids land in e.ids
// as "entry:ALL", "entry:C1", "entry:C2", "entry:MULT", "product:NEW",
// "price:C1", "price:C2", "img:C1".
func orderingFixture(t *testing.T, e *testEnv) {
	t.Helper()
	var admin *model.User
	_ = e.st.View(func(tx *store.Tx) error { admin, _ = tx.UserByID(e.ids["user:admin"]); return nil })
	err := e.st.Update("test", func(tx *store.Tx) error {
		root := &model.Category{Code: "MOTOR", Name: "电机"}
		if err := tx.SaveCategory(root); err != nil {
			return err
		}
		sub := &model.Category{Code: "SERVO", Name: "伺服电机", ParentID: root.ID}
		if err := tx.SaveCategory(sub); err != nil {
			return err
		}
		e.ids["cat:MOTOR"], e.ids["cat:SERVO"] = root.ID, sub.ID
		entry := func(code, name string, price model.Money, target model.Target, min, mult model.Qty) *model.Product {
			p := &model.Product{Code: "P-" + code, Name: name, Spec: "SPEC-" + code, Unit: "台", ListPrice: price, TaxRate: 1300, Active: true}
			if err := tx.SaveProduct(p); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.AdjustStock(p.ID, 50_000, 0); err != nil {
				t.Fatal(err)
			}
			e.ids["product:"+code] = p.ID
			if target.ID == 0 {
				return p
			}
			en := &model.CatalogEntry{ProductID: p.ID, CategoryID: sub.ID, MinQty: min, Multiple: mult, Targets: []model.Target{target}}
			if err := tx.SaveCatalogEntryQuiet(store.AdminScope(), en); err != nil {
				t.Fatal(err)
			}
			if err := tx.AuditCatalogQuiet(en.ID, admin); err != nil {
				t.Fatal(err)
			}
			e.ids["entry:"+code] = en.ID
			return p
		}
		entry("ALL", "通用电机", 10000, model.Target{Kind: model.TargetOrg, ID: e.ids["org:HQ"]}, 0, 0)
		pc1 := entry("C1", "一号专供电机", 20000, model.Target{Kind: model.TargetCustomer, ID: e.ids["customer:C1"]}, 0, 0)
		entry("C2", "二号专供电机", 30000, model.Target{Kind: model.TargetCustomer, ID: e.ids["customer:C2"]}, 0, 0)
		entry("MULT", "整箱轴承", 500, model.Target{Kind: model.TargetCustomer, ID: e.ids["customer:C1"]}, 6000, 6000)
		entry("NEW", "新品电机", 40000, model.Target{}, 0, 0)
		for code, r := range map[string]*model.PriceRecord{
			"C1":  {CustomerID: e.ids["customer:C1"], ProductID: e.ids["product:C1"], Price: 18000},
			"C1b": {CustomerID: e.ids["customer:C1"], ProductID: e.ids["product:C1"], Price: 17000, MinQty: 10_000},
			"C2":  {CustomerID: e.ids["customer:C2"], ProductID: e.ids["product:ALL"], Price: 9000},
		} {
			if err := tx.SavePriceRecord(store.AdminScope(), r); err != nil {
				return err
			}
			if _, err := tx.ApplyPriceAction(store.AdminScope(), r.ID, "audit", admin, 0); err != nil {
				return err
			}
			e.ids["price:"+code] = r.ID
		}
		img := testPNG(t)
		ctype, variants, err := model.CheckProductImage("m.png", img)
		if err != nil {
			return err
		}
		a := &model.Attachment{Name: "m.png", ContentType: ctype}
		if err := tx.AddProductImage(pc1.ID, a, img, variants); err != nil {
			return err
		}
		e.ids["img:C1"] = a.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testPNG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for x := 0; x < 300; x++ {
		for y := 0; y < 200; y++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 100, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload posts a multipart form with one file and fields.
func (c *client) upload(path, field, name string, data []byte, fields url.Values, headers ...string) resp {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if fields == nil {
		fields = url.Values{}
	}
	if fields.Get("_csrf") == "" {
		fields.Set("_csrf", c.csrf)
	}
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	fw, _ := w.CreateFormFile(field, name)
	fw.Write(data)
	w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

func mustContain(t *testing.T, what string, r resp, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(r.Body, s) {
			t.Errorf("%s: missing %q in %s", what, s, excerpt(r.Body))
		}
	}
}

func mustNotContain(t *testing.T, what string, r resp, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(r.Body, s) {
			t.Errorf("%s: shows %q", what, s)
		}
	}
}

func TestOrderingPagesRender(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	entry, c1 := e.id("entry:C1"), e.id("customer:C1")
	_ = c1
	staffPages := []string{"/products", "/products?q=P-C&active=yes&sort=name&desc=1", "/products/new", "/products/" + e.id("product:C1"),
		"/products/" + e.id("product:C1") + "/edit", "/categories", "/categories/new", "/categories/" + e.id("cat:SERVO") + "/edit",
		"/catalog-entries", "/catalog-entries?status=audited&category=" + e.id("cat:MOTOR"), "/catalog-entries/new", "/catalog-entries/batch",
		"/catalog-entries/import", "/catalog-entries/" + entry, "/catalog-entries/" + entry + "/edit", "/catalog/" + entry + "/prices",
		"/prices", "/prices?kind=customer&status=audited", "/prices/new", "/prices/" + e.id("price:C1") + "/edit", "/prices/import",
		"/catalog-visits", "/catalog-visits?visited=no&customer=C1", "/settings/ordering", "/"}
	pages := map[string][]string{
		"admin":  staffPages,
		"viewer": {"/products", "/catalog-entries", "/catalog-entries/" + entry, "/prices", "/catalog-visits", "/catalog/" + entry + "/prices"},
		"c1.buyer": {"/", "/catalog", "/catalog?q=%E7%94%B5%E6%9C%BA&sort=name", "/catalog?category=" + e.id("cat:MOTOR"), "/catalog/" + entry,
			"/catalog/" + entry + "/prices", "/favorites", "/cart", "/quick-order", "/bought"},
	}
	for user, paths := range pages {
		for _, l := range Languages {
			c := e.login(user)
			c.get("/")
			c.post("/lang", url.Values{"lang": {l}})
			// Something in the favorites and the cart, for their pages.
			if user == "c1.buyer" {
				c.post("/catalog/"+entry+"/favorite", nil)
				c.post("/catalog/"+entry+"/cart", nil)
			}
			for _, p := range paths {
				for _, hx := range []bool{false, true} {
					var r resp
					if hx {
						r = c.get(p, "HX-Request", "true")
					} else {
						r = c.get(p)
					}
					if r.Code != http.StatusOK {
						t.Errorf("%s %s %s hx=%v: %d %s", user, l, p, hx, r.Code, excerpt(r.Body))
						continue
					}
					mustRender(t, user+" "+p, r)
				}
			}
		}
	}
	// Dealers cannot reach staff pages, staff cannot shop: both not found.
	d := e.login("c1.manager")
	for _, p := range []string{"/products", "/catalog-entries", "/catalog-entries/" + entry, "/prices", "/catalog-visits", "/settings/ordering", "/categories"} {
		if r := d.get(p); r.Code != http.StatusNotFound && r.Code != http.StatusForbidden {
			t.Errorf("dealer %s: %d", p, r.Code)
		}
	}
	s := e.login("east")
	for _, p := range []string{"/catalog", "/catalog/" + entry, "/cart", "/favorites", "/quick-order", "/bought"} {
		if r := s.get(p); r.Code != http.StatusNotFound {
			t.Errorf("staff %s: %d", p, r.Code)
		}
	}
}

func TestShopFlow(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	all, c1e, mult := e.id("entry:ALL"), e.id("entry:C1"), e.id("entry:MULT")
	c := e.login("c1.buyer")
	c.lang = "en"
	// The catalog shows C1's entries (and the shared one), never C2's; prices are C1's.
	r := c.get("/catalog")
	mustContain(t, "catalog", r, "P-ALL", "P-C1", "P-MULT", "¥180.00")
	mustNotContain(t, "catalog", r, "P-C2", "P-NEW", "二号专供")
	// Search by code, name and spec.
	for q, want := range map[string]string{"p-c1": "P-C1", "一号": "P-C1", "spec-mult": "P-MULT"} {
		r = c.get("/catalog?q=" + url.QueryEscape(q))
		mustContain(t, "search "+q, r, want)
		mustNotContain(t, "search "+q, r, "P-ALL")
	}
	// Detail: image thumbnails, effective price, quantity breaks.
	r = c.get("/catalog/" + c1e)
	mustContain(t, "detail", r, "¥180.00", "¥170.00", `loading="lazy"`, "/img/"+e.id("img:C1")+"/")
	// Favorites: add (htmx fragment), list, refresh.
	r = c.post("/catalog/"+c1e+"/favorite", nil, "HX-Request", "true")
	if r.Code != http.StatusOK || !strings.Contains(r.Body, "favorites") || strings.Contains(r.Body, "<nav") {
		t.Fatalf("favorite fragment: %d %s", r.Code, r.Body)
	}
	r = c.get("/favorites")
	mustContain(t, "favorites", r, "P-C1", "一号专供电机")
	// Move the favorite to the cart, then add more: plain POSTs redirect.
	r = c.post("/favorites/cart", url.Values{"ids": {c1e}})
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/cart" {
		t.Fatalf("favorites to cart: %d %s", r.Code, r.Header.Get("Location"))
	}
	r = c.get("/cart")
	mustContain(t, "cart", r, "P-C1", "¥180.00")
	// Change the quantity to 10: the quantity break applies, the total updates (htmx: the cart body alone).
	r = c.post("/cart/"+c1e, url.Values{"qty": {"10"}}, "HX-Request", "true", "HX-Target", "cart-body")
	if r.Code != http.StatusOK {
		t.Fatalf("qty change: %d %s", r.Code, excerpt(r.Body))
	}
	mustContain(t, "qty change", r, "¥1,700.00", "¥170.00", `id="cart-total"`)
	mustNotContain(t, "qty change fragment", r, "<html", "<nav")
	// A multiple entry: the first add takes the minimum; a bad quantity is refused with a clear message.
	c.post("/catalog/"+mult+"/cart", nil)
	r = c.post("/cart/"+mult, url.Values{"qty": {"8"}}, "HX-Request", "true", "HX-Target", "cart-body")
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "multiple of 6") {
		t.Fatalf("bad multiple: %d %s", r.Code, excerpt(r.Body))
	}
	r = c.post("/cart/"+mult, url.Values{"qty": {"3"}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "At least 6") {
		t.Fatalf("below minimum: %d %s", r.Code, excerpt(r.Body))
	}
	r = c.post("/catalog/"+mult+"/cart", url.Values{"qty": {"1"}}, "HX-Request", "true")
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "multiple of 6") {
		t.Fatalf("add 1 to a multiple of 6: %d %s", r.Code, r.Body)
	}
	// Add selected from the list.
	r = c.post("/catalog/selected", url.Values{"ids": {all, mult}, "action": {"cart"}, "back": {"/catalog"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("add selected: %d", r.Code)
	}
	r = c.get("/cart")
	// 10 × 170 + 12 × 5 + 1 × 100 = 1,860
	mustContain(t, "cart totals", r, "¥1,860.00")
	// The other user of the same customer has an empty cart.
	m := e.login("c1.manager")
	mustContain(t, "manager cart", m.get("/cart"), `id="cart-empty"`)
	// Unpublish P-C1 from C1: the line shows unavailable and is not in the total.
	err := e.st.Update("test", func(tx *store.Tx) error {
		en, _ := tx.CatalogEntry(store.AdminScope(), e.ids["entry:C1"])
		_, err := tx.ChangeCatalogTargets(store.AdminScope(), en.ID, en.Targets, false, en.Version)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r = c.get("/cart")
	mustContain(t, "unavailable", r, "No longer available", "¥160.00")
	if r := c.post("/cart/"+c1e, url.Values{"qty": {"20"}}); r.Code != http.StatusNotFound {
		t.Errorf("changing an unavailable line: %d", r.Code)
	}
	mustContain(t, "favorites unavailable", c.get("/favorites"), "No longer available")
	// Remove, empty.
	if r := c.post("/cart/"+c1e+"/delete", nil); r.Code != http.StatusSeeOther {
		t.Errorf("remove: %d", r.Code)
	}
	if r := c.post("/cart/empty", nil); r.Code != http.StatusSeeOther {
		t.Errorf("empty: %d", r.Code)
	}
	mustContain(t, "emptied", c.get("/cart"), `id="cart-empty"`)
	// Chinese.
	c.post("/lang", url.Values{"lang": {"zh"}})
	mustContain(t, "zh catalog", c.get("/catalog"), "加入购物车", "商品目录")
}

// TestCartConcurrentHTTP: 100 simultaneous "add 1" requests for one line
// leave it exactly 100 higher.
func TestCartConcurrentHTTP(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	c := e.login("c1.buyer")
	c.get("/catalog")
	entry := e.id("entry:ALL")
	var cookie []string
	for k, v := range c.cookies {
		cookie = append(cookie, k+"="+v)
	}
	var wg sync.WaitGroup
	codes := make(chan int, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"qty": {"1"}, "_csrf": {c.csrf}}
			req := httptest.NewRequest(http.MethodPost, "/catalog/"+entry+"/cart", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("HX-Request", "true")
			req.Header.Set("Cookie", strings.Join(cookie, "; "))
			res, err := e.app.Test(req, -1)
			if err != nil {
				codes <- 0
				return
			}
			res.Body.Close()
			codes <- res.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusOK {
			t.Fatalf("an add answered %d", code)
		}
	}
	_ = e.st.View(func(tx *store.Tx) error {
		if q := tx.CartLineQty(e.ids["user:c1.buyer"], e.ids["entry:ALL"]); q != 100_000 {
			t.Errorf("after 100 adds the line holds %s", q)
		}
		return nil
	})
}

// TestOrderingScopeDealer: a dealer cannot see, favorite, cart, price-query or
// order an entry not published to it — by id, by code, by file — nor fetch
// its images.
func TestOrderingScopeDealer(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	c1e, img := e.id("entry:C1"), e.id("img:C1")
	for _, user := range []string{"c2.buyer", "c2.manager"} {
		c := e.login(user)
		c.get("/catalog")
		for _, rt := range []struct{ method, path string }{
			{"GET", "/catalog/" + c1e}, {"GET", "/catalog/" + c1e + "/prices"}, {"POST", "/catalog/" + c1e + "/favorite"},
			{"POST", "/catalog/" + c1e + "/cart"}, {"POST", "/cart/" + c1e}, {"GET", "/img/" + img + "/x-s.jpg"},
			{"GET", "/img/" + img + "/x-o.jpg"}, {"GET", "/attachments/" + img}, {"GET", "/catalog/" + e.id("entry:MULT")},
			{"GET", "/catalog-entries/" + c1e}, {"GET", "/prices/" + e.id("price:C1") + "/edit"},
		} {
			var r resp
			if rt.method == "GET" {
				r = c.get(rt.path)
			} else {
				r = c.post(rt.path, url.Values{"qty": {"1"}})
			}
			if r.Code != http.StatusNotFound {
				t.Errorf("%s %s %s: %d, want 404", user, rt.method, rt.path, r.Code)
			}
		}
		// Selected ids of another customer's entry: nothing added.
		r := c.post("/catalog/selected", url.Values{"ids": {c1e}, "action": {"cart"}})
		if r.Code != http.StatusNotFound {
			t.Errorf("%s add selected: %d", user, r.Code)
		}
		// By code: the quick order flags it like an unknown code.
		r = c.post("/quick-order", url.Values{"lines": {"P-C1 1\nP-NOPE 1\nP-C2 1"}})
		mustContain(t, user+" quick by code", r, "Unknown code, or not in your catalog")
		if strings.Count(r.Body, "Unknown code, or not in your catalog") != 2 || strings.Contains(r.Body, "一号专供") {
			t.Errorf("%s quick order: %s", user, excerpt(r.Body))
		}
		r = c.post("/quick-order/add", url.Values{"lines": {"P-C1 1"}})
		if r.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s quick add of an unpublished code: %d", user, r.Code)
		}
		// By file.
		r = c.upload("/quick-order", "file", "q.csv", []byte("商品编码,数量\nP-C1,2\nP-C2,1\n"), nil)
		mustContain(t, user+" quick by file", r, "Unknown code, or not in your catalog", "P-C2")
		mustNotContain(t, user+" quick by file", r, "一号专供")
		// Search and category lists.
		r = c.get("/catalog?q=P-C1")
		mustNotContain(t, user+" search", r, "一号专供")
	}
	var n int
	_ = e.st.View(func(tx *store.Tx) error {
		_, tot, _ := tx.Cart(store.CustomerScope(e.ids["customer:C2"]), e.ids["user:c2.buyer"])
		n = tot.Lines
		return nil
	})
	if n != 0 {
		t.Errorf("c2.buyer's cart holds %d lines", n)
	}
	// The owner sees the image, with a long private cache.
	c := e.login("c1.buyer")
	r := c.get("/img/" + img + "/x-s.jpg")
	if r.Code != http.StatusOK || r.Header.Get("Content-Type") != "image/jpeg" || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("own image: %d %v", r.Code, r.Header)
	}
	// Staff outside C1's scope do not see the entry published to C1 only,
	// nor its price look-up.
	s := e.login("south")
	r = s.get("/catalog/" + c1e + "/prices")
	if r.Code != http.StatusNotFound || strings.Contains(r.Body, "¥180.00") {
		t.Errorf("south look-up of C1's entry: %d", r.Code)
	}
	a := e.login("admin")
	mustContain(t, "admin look-up", a.get("/catalog/"+c1e+"/prices"), "¥180.00", "¥170.00")
}

func TestPublishRaisesMessages(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	a := e.login("east")
	a.get("/catalog-entries/new")
	r := a.post("/catalog-entries", url.Values{"product_id": {e.id("product:NEW")}, "category_id": {e.id("cat:SERVO")},
		"customer_codes": {"C1"}, "publish": {"1"}, "_idem": {"tok1"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("create and publish: %d %s", r.Code, excerpt(r.Body))
	}
	// The same form posted again creates nothing more.
	a.post("/catalog-entries", url.Values{"product_id": {e.id("product:NEW")}, "category_id": {e.id("cat:SERVO")}, "customer_codes": {"C1"}, "publish": {"1"}, "_idem": {"tok1"}})
	msgs := func() map[uint64]int {
		out := map[uint64]int{}
		_ = e.st.View(func(tx *store.Tx) error {
			all, _ := tx.PendingOutbox(100)
			for _, m := range all {
				if m.Event == model.EventCatalogPublished {
					out[m.CustomerID]++
				}
			}
			return nil
		})
		return out
	}
	if got := msgs(); len(got) != 1 || got[e.ids["customer:C1"]] != 1 {
		t.Fatalf("messages after publishing to C1: %v", got)
	}
	// The dealer sees it at once.
	mustContain(t, "new entry", e.login("c1.buyer").get("/catalog?q=P-NEW"), "新品电机")
	// Adding the HQ org unit tells C2 only; east (EAST scope) may not add C2 by code.
	var id uint64
	_ = e.st.View(func(tx *store.Tx) error {
		en, _ := tx.CatalogEntryOfProduct(store.AdminScope(), e.ids["product:NEW"])
		id = en.ID
		return nil
	})
	page := a.get("/catalog-entries/" + itoa(id))
	mustContain(t, "entry page", page, "Catalog entry published")
	r = a.post("/catalog-entries/"+itoa(id)+"/targets", url.Values{"customer_codes": {"C2"}, "version": {"2"}})
	if r.Code != http.StatusUnprocessableEntity {
		t.Errorf("out-of-scope customer target: %d", r.Code)
	}
	adm := e.login("admin")
	adm.get("/")
	r = adm.post("/catalog-entries/"+itoa(id)+"/targets", url.Values{"org_ids": {e.id("org:HQ")}, "version": {"2"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("add HQ: %d %s", r.Code, excerpt(r.Body))
	}
	if got := msgs(); len(got) != 2 || got[e.ids["customer:C1"]] != 1 || got[e.ids["customer:C2"]] != 1 {
		t.Fatalf("messages after adding HQ: %v", got)
	}
	// A stale version is a conflict.
	r = adm.post("/catalog-entries/"+itoa(id)+"/unaudit", url.Values{"version": {"1"}})
	if r.Code != http.StatusConflict {
		t.Errorf("stale unaudit: %d", r.Code)
	}
	r = adm.post("/catalog-entries/"+itoa(id)+"/targets/remove", url.Values{"target": {"org:" + e.id("org:HQ")}, "version": {"3"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("remove HQ: %d %s", r.Code, excerpt(r.Body))
	}
	mustNotContain(t, "removed", e.login("c2.buyer").get("/catalog?q=P-NEW"), "新品电机")
}

func TestOrderingSettingsStockDisplay(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	d := e.login("c1.buyer")
	mustContain(t, "level", d.get("/catalog/"+e.id("entry:ALL")), "In stock")
	a := e.login("admin")
	a.get("/settings/ordering")
	if r := a.post("/settings/ordering", url.Values{"stock_display": {"number"}, "low_stock": {"5"}, "version": {"0"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.Code, excerpt(r.Body))
	}
	if r := a.post("/settings/ordering", url.Values{"stock_display": {"level"}, "low_stock": {"5"}, "version": {"0"}}); r.Code != http.StatusConflict {
		t.Errorf("stale settings: %d", r.Code)
	}
	if r := a.post("/settings/ordering", url.Values{"stock_display": {"x"}, "low_stock": {"-1"}, "version": {"1"}}); r.Code != http.StatusUnprocessableEntity {
		t.Errorf("bad settings: %d", r.Code)
	}
	r := d.get("/catalog/" + e.id("entry:ALL"))
	mustContain(t, "number", r, ">50<")
	if e2 := e.login("east"); e2.get("/settings/ordering").Code != http.StatusForbidden {
		t.Error("sales reach the ordering settings")
	}
}

func TestProductImagesAndStock(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	a := e.login("admin")
	pid := e.id("product:NEW")
	a.get("/products/" + pid)
	r := a.upload("/products/"+pid+"/images", "file", "x.png", testPNG(t), nil)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", r.Code, excerpt(r.Body))
	}
	for name, data := range map[string][]byte{"x.html": []byte("<html><script>x</script>"), "x.png": []byte("not a png at all, just text"), "x.pdf": []byte("%PDF-1.4 x")} {
		r = a.upload("/products/"+pid+"/images", "file", name, data, nil)
		if r.Code != http.StatusUnprocessableEntity {
			t.Errorf("upload %s: %d", name, r.Code)
		}
	}
	page := a.get("/products/" + pid)
	if !strings.Contains(page.Body, "/img/") {
		t.Fatal("no image on the product page")
	}
	// Stock count with a version check.
	if r := a.post("/products/"+pid+"/stock", url.Values{"on_hand": {"12.5"}, "stock_version": {"2"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("stock: %d %s", r.Code, excerpt(r.Body))
	}
	if r := a.post("/products/"+pid+"/stock", url.Values{"on_hand": {"1"}, "stock_version": {"2"}}); r.Code != http.StatusConflict {
		t.Errorf("stale stock: %d", r.Code)
	}
	// A viewer reads products but cannot change them.
	v := e.login("viewer")
	if r := v.get("/products/" + pid + "/edit"); r.Code != http.StatusForbidden {
		t.Errorf("viewer edit: %d", r.Code)
	}
	// Create a product: errors at the fields, then success.
	a.get("/products/new")
	r = a.post("/products", url.Values{"code": {"bad code"}, "name": {""}, "unit": {"PCS"}, "list_price": {"12,5"}, "tax_rate": {"13"}, "_idem": {"p1"}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Not a valid amount") {
		t.Errorf("bad product: %d", r.Code)
	}
	r = a.post("/products", url.Values{"code": {"p-9"}, "name": {"新"}, "unit": {"PCS"}, "list_price": {"1,234.50"}, "tax_rate": {"13%"}, "active": {"1"}, "_idem": {"p2"}})
	if r.Code != http.StatusSeeOther {
		t.Errorf("good product: %d %s", r.Code, excerpt(r.Body))
	}
	_ = e.st.View(func(tx *store.Tx) error {
		p, err := tx.ProductByCode("P-9")
		if err != nil || p.ListPrice != 123450 || p.TaxRate != 1300 {
			t.Errorf("saved product %+v %v", p, err)
		}
		return nil
	})
}

func TestVisitStatistics(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	d := e.login("c1.buyer")
	for range 3 {
		d.get("/catalog/" + e.id("entry:C1"))
	}
	if e.h.visits.Pending() != 1 {
		t.Fatalf("pending visits %d", e.h.visits.Pending())
	}
	a := e.login("admin")
	r := a.get("/catalog-visits?visited=yes")
	mustContain(t, "visited", r, "c1.buyer", "P-C1")
	mustNotContain(t, "visited", r, "c1.manager")
	r = a.get("/catalog-visits?visited=no&customer=C1")
	mustContain(t, "not visited", r, "c1.manager")
	r = a.get("/catalog-visits?visited=yes&export=csv")
	if r.Code != http.StatusOK || !strings.Contains(r.Body, "c1.buyer") || !strings.Contains(r.Body, ",3") {
		t.Errorf("export: %d %s", r.Code, r.Body)
	}
	// East (C1 in scope) sees C1's users; south does not.
	mustContain(t, "east", e.login("east").get("/catalog-visits"), "c1.buyer")
	mustNotContain(t, "south", e.login("south").get("/catalog-visits"), "c1.buyer")
	if r := d.get("/catalog-visits"); r.Code != http.StatusNotFound {
		t.Errorf("dealer visit stats: %d", r.Code)
	}
}

// BenchmarkDealerCatalogPage renders one 50-row page of a dealer's catalog
// and its five-line cart through the whole handler stack on a generated
// volume, beside the bare baseline page (see docs/PERFORMANCE.md; run with
// ORDERING_BENCH_DB=… to reuse a database).
func BenchmarkDealerCatalogPage(b *testing.B) {
	e := volumeEnv(b)
	if !strings.Contains(e.get(b, "/cart"), `class="cart-line`) {
		page := e.get(b, "/catalog?size=5&sort=name")
		for _, m := range regexp.MustCompile(`name="ids" value="(\d+)"`).FindAllStringSubmatch(page, 5) {
			e.post(b, "/catalog/"+m[1]+"/cart", url.Values{"qty": {"0"}})
		}
	}
	benchBaseline(b)
	benchPages(b, e, []struct{ name, path string }{
		{"page1", "/catalog?size=50"},
		{"search", "/catalog?size=50&q=" + url.QueryEscape("电机")},
		{"page5_name", "/catalog?size=50&page=5&sort=name"},
		{"cart", "/cart"},
	})
}

// BenchmarkInvoiceList renders the first page of the invoice list for
// finance staff (all customers) and for a dealer's finance user, on a
// generated history with reconciliation (INVOICE_BENCH_DB=… reuses one).
func BenchmarkInvoiceList(b *testing.B) {
	path := benchDB(b, "INVOICE_BENCH_DB", "--customers", "100", "--products", "500", "--entries", "300",
		"--orders", "4000", "--reconciliation")
	app := openApp(b, path)
	benchBaseline(b)
	benchPages(b, loginEnv(b, app, "finance"), []struct{ name, path string }{{"staff", "/invoices"}})
	benchPages(b, loginEnv(b, app, "c0001.manager"), []struct{ name, path string }{{"dealer", "/invoices"}})
}

// TestCatalogTargetScope: regional staff publish only to org units, groups
// and customers within their scope — in the form (422 at the targets, in
// both languages), when adding targets and in an import row — and the bulk
// action refuses an entry published outside it, changing nothing. Their
// list shows only entries whose targets they cover.
func TestCatalogTargetScope(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	ka := itoa(crossRegionGroup(t, e))
	c := e.login("east")
	for _, tc := range []struct{ name, field, value string }{
		{"another region", "org_ids", e.id("org:SOUTH")},
		{"the unit above the region", "org_ids", e.id("org:HQ")},
		{"a group spanning regions", "group_ids", ka},
	} {
		for _, l := range []struct{ lang, want string }{{"en", "Outside your data scope"}, {"zh", "超出您的数据范围"}} {
			c.post("/lang", url.Values{"lang": {l.lang}})
			c.get("/catalog-entries/new")
			r := c.post("/catalog-entries", url.Values{"product_id": {e.id("product:NEW")}, "category_id": {e.id("cat:SERVO")},
				tc.field: {tc.value}, "publish": {"1"}, "_idem": {strings.ReplaceAll(tc.name, " ", "-") + l.lang}})
			if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, l.want) {
				t.Errorf("%s (%s): %d %s", tc.name, l.lang, r.Code, errText(r.Body))
			}
		}
	}
	c.post("/lang", url.Values{"lang": {"en"}})
	if n := entryCount(e); n != 4 {
		t.Fatalf("%d entries, want the fixture's 4", n)
	}
	// Adding a target outside the scope to an entry within it.
	c1 := "/catalog-entries/" + e.id("entry:C1")
	page := c.get(c1)
	if page.Code != http.StatusOK || !strings.Contains(page.Body, "published to 1 customer") {
		t.Fatalf("east's own entry: %d", page.Code)
	}
	r := c.post(c1+"/targets", url.Values{"org_ids": {e.id("org:SOUTH")}, "version": {"2"}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Outside your data scope") {
		t.Errorf("add SOUTH: %d %s", r.Code, errText(r.Body))
	}
	// The import names the row and the value.
	r = c.upload("/catalog-entries/import", "file", "t.csv", []byte("商品编码,分类编码,发布组织编码,发布客户分组编码\nP-NEW,SERVO,SOUTH,\n"), nil)
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "SOUTH lies outside your data scope.") {
		t.Errorf("import: %d %s", r.Code, excerpt(r.Body))
	}
	// Bulk unaudit of C1's and C2's entries: refused as a whole.
	c.get("/catalog-entries")
	r = c.post("/catalog-entries/bulk", url.Values{"action": {"unaudit"}, "ids": {e.id("entry:C1"), e.id("entry:C2")}})
	if r.Code != http.StatusNotFound {
		t.Errorf("bulk with C2's entry: %d", r.Code)
	}
	_ = e.st.View(func(tx *store.Tx) error {
		for _, k := range []string{"entry:C1", "entry:C2"} {
			if en, _ := tx.CatalogEntry(store.AdminScope(), e.ids[k]); en.Status != model.StatusAudited {
				t.Errorf("%s unaudited by a refused bulk action", k)
			}
		}
		return nil
	})
	// The list shows C1's entries only: not C2's, not the one for every customer.
	list := c.get("/catalog-entries")
	mustContain(t, "east list", list, "P-C1", "P-MULT")
	mustNotContain(t, "east list", list, "P-C2", "P-ALL")
	mustContain(t, "admin list", e.login("admin").get("/catalog-entries"), "P-C2", "P-ALL")
}
