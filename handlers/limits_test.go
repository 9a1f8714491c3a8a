package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/kv"
)

// hugeQty is the reported quantity: 7,816,000,000,000 of a ¥1,180 product
// wrapped to an order total of about ¥-16 trillion.
const hugeQty = "7816000000000"

// bigTicketFixture publishes a ¥1,180.00 product ("BIG") to C1.
func bigTicketFixture(t *testing.T, e *testEnv) {
	t.Helper()
	admin := e.user("admin")
	e.step(admin, func(tx *store.Tx) error {
		p := &model.Product{Code: "P-BIG", Name: "大型设备", Unit: "台", ListPrice: 118000, TaxRate: 1300, Active: true}
		if err := tx.SaveProduct(p); err != nil {
			return err
		}
		en := &model.CatalogEntry{ProductID: p.ID, CategoryID: e.ids["cat:SERVO"], Targets: []model.Target{{Kind: model.TargetCustomer, ID: e.ids["customer:C1"]}}}
		if err := tx.SaveCatalogEntryQuiet(store.AdminScope(), en); err != nil {
			return err
		}
		e.ids["product:BIG"], e.ids["entry:BIG"] = p.ID, en.ID
		return tx.AuditCatalogQuiet(en.ID, admin)
	})
}

// docCount counts the documents of kind of customer C1.
func (e *testEnv) docCount(kind model.DocType) int {
	n := 0
	_ = e.st.View(func(tx *store.Tx) error {
		n = tx.CountDocs(store.CustomerScope(e.ids["customer:C1"]), kind)
		return nil
	})
	return n
}

// TestOverflowingQuantityRefused: the reported quantity is refused with a
// field error (422, in both languages) on the cart, the online order form,
// the checkout of a cart line stored before the bounds, and the staff
// sales order; nothing is saved, and a normal order afterwards is still
// held by the credit check.
func TestOverflowingQuantityRefused(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	bigTicketFixture(t, e)
	d := e.login("c1.buyer")
	d.get("/catalog")
	big := e.id("entry:BIG")
	cartQty := func() model.Qty {
		var q model.Qty
		_ = e.st.View(func(tx *store.Tx) error { q = tx.CartLineQty(e.ids["user:c1.buyer"], e.ids["entry:BIG"]); return nil })
		return q
	}

	// Cart: add (a plain form is sent back with a flash, HTMX gets the
	// message), then change the quantity of a line.
	r := d.post("/catalog/"+big+"/cart", url.Values{"qty": {hugeQty}})
	wantCode(t, "add to cart", r, http.StatusSeeOther)
	r = d.post("/catalog/"+big+"/cart", url.Values{"qty": {hugeQty}}, "HX-Request", "true")
	wantCode(t, "add to cart (HTMX)", r, http.StatusUnprocessableEntity)
	mustContain(t, "add to cart", r, "A quantity may be at most 1000000.")
	if q := cartQty(); q != 0 {
		t.Fatalf("cart holds %s", q)
	}
	wantCode(t, "add one", d.post("/catalog/"+big+"/cart", url.Values{"qty": {"1"}}), http.StatusSeeOther)
	r = d.post("/cart/"+big, url.Values{"qty": {hugeQty}})
	wantCode(t, "change cart qty", r, http.StatusUnprocessableEntity)
	mustContain(t, "change cart qty", r, "A quantity may be at most 1000000.")
	if q := cartQty(); q != 1000 {
		t.Fatalf("cart quantity %s after a refused change", q)
	}
	// One line of 999,999 units passes the quantity bound but not the
	// amount of one line (¥1.18 billion > ¥1 billion): shown at the line.
	r = d.post("/cart/"+big, url.Values{"qty": {"999999"}})
	wantCode(t, "large cart qty", r, http.StatusSeeOther)
	mustContain(t, "cart", d.get("/cart"), "Quantity × price would exceed 1,000,000,000.00 for one line.")

	// The online order form.
	order := func(qty string) resp {
		f := d.get("/online-orders/new")
		return d.post("/online-orders", url.Values{"_idem": {field(t, ordIdemRe, f.Body)}, "location": {e.id("location:C1")},
			"line.0.code": {"P-BIG"}, "line.0.qty": {qty}, "action": {"submit"}})
	}
	r = order(hugeQty)
	wantCode(t, "order form", r, http.StatusUnprocessableEntity)
	mustContain(t, "order form", r, "A quantity may be at most 1000000.")
	if n := e.docCount(model.DocOnlineOrder); n != 0 {
		t.Fatalf("%d online orders saved", n)
	}

	// A cart line stored before the bounds existed cannot be checked out.
	err := e.st.KV().Update(func(btx kv.Tx) error {
		b := btx.Bucket([]byte("cart_lines"))
		k := append(u64(e.ids["user:c1.buyer"]), u64(e.ids["entry:BIG"])...)
		l := &model.CartLine{}
		if err := json.Unmarshal(b.Get(k), l); err != nil {
			return err
		}
		l.Qty = 7816000000000 * model.QtyScale
		v, _ := json.Marshal(l)
		return b.Put(k, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	page := d.get("/online-orders/checkout")
	r = d.post("/online-orders/checkout", url.Values{"_idem": {field(t, ordIdemRe, page.Body)}, "entry": {big},
		"location": {e.id("location:C1")}, "action": {"submit"}})
	wantCode(t, "checkout", r, http.StatusUnprocessableEntity)
	mustContain(t, "checkout", r, "A quantity may be at most 1000000.")
	if n := e.docCount(model.DocOnlineOrder); n != 0 {
		t.Fatalf("%d online orders saved from the cart", n)
	}
	if q := cartQty(); q != 7816000000000*model.QtyScale {
		t.Fatalf("cart line changed by a refused checkout: %s", q)
	}
	if b := e.balance("C1"); b.OpenOrders != 0 {
		t.Fatalf("open orders %s", b.OpenOrders)
	}

	// Staff sales order.
	s := e.login("east")
	f := s.get("/sales-orders/new?customer=C1")
	r = s.post("/sales-orders", url.Values{"_idem": {field(t, ordIdemRe, f.Body)}, "customer_id": {e.id("customer:C1")},
		"order_date": {"2026-03-15"}, "location": {e.id("location:C1")}, "line.0.code": {"P-BIG"}, "line.0.qty": {hugeQty}})
	wantCode(t, "sales order", r, http.StatusUnprocessableEntity)
	mustContain(t, "sales order", r, "A quantity may be at most 1000000.")
	r = s.post("/sales-orders", url.Values{"_idem": {field(t, ordIdemRe, f.Body)}, "customer_id": {e.id("customer:C1")},
		"order_date": {"2026-03-15"}, "location": {e.id("location:C1")}, "line.0.code": {"P-BIG"}, "line.0.qty": {"1"},
		"line.0.price": {"99999999999"}})
	wantCode(t, "sales order price", r, http.StatusUnprocessableEntity)
	mustContain(t, "sales order price", r, "An amount may be at most 1,000,000,000.00.")
	r = s.post("/sales-orders", url.Values{"_idem": {field(t, ordIdemRe, f.Body)}, "customer_id": {e.id("customer:C1")},
		"order_date": {"2026-03-15"}, "location": {e.id("location:C1")}, "line.0.code": {"P-BIG"}, "line.0.qty": {"1"},
		"line.0.price": {"20000000"}})
	wantCode(t, "sales order unit price", r, http.StatusUnprocessableEntity)
	mustContain(t, "sales order unit price", r, "A unit price may be at most 10,000,000.00.")
	if n := e.docCount(model.DocSalesOrder); n != 0 {
		t.Fatalf("%d sales orders saved", n)
	}

	// The message in Chinese.
	d.post("/lang", url.Values{"lang": {"zh"}})
	d.lang, d.cookies["lang"] = "zh", "zh"
	mustContain(t, "order form in Chinese", order(hugeQty), "数量最多为 1000000。")

	// A normal order afterwards: ¥1,180 over a ¥1,000 limit is held.
	r = order("1")
	wantCode(t, "normal order", r, http.StatusSeeOther)
	if p := d.get(r.Header.Get("Location")); !strings.Contains(p.Body, `id="credit-hold"`) {
		t.Fatalf("normal order not on credit hold: %s", excerpt(p.Body))
	}
	if b := e.balance("C1"); b.OpenOrders != 118000 {
		t.Fatalf("open orders %s", b.OpenOrders)
	}
	if problems, err := e.st.Check(); err != nil || len(problems) != 1 || !strings.Contains(problems[0], "cart of user") {
		t.Fatalf("check: %v %v", problems, err)
	}
}

func u64(n uint64) []byte {
	return []byte{byte(n >> 56), byte(n >> 48), byte(n >> 40), byte(n >> 32), byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}

// TestTooManyOrderLines: an order form of 205 lines is refused at its
// lines (422) with the limit and the count, and nothing is saved; a form
// of 200 lines is saved whole.
func TestTooManyOrderLines(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	d := e.login("c1.buyer")
	form := func(n int) url.Values {
		f := d.get("/online-orders/new")
		v := url.Values{"_idem": {field(t, ordIdemRe, f.Body)}, "location": {e.id("location:C1")}, "action": {"save"}}
		for i := 0; i < n; i++ {
			v.Set("line."+strconv.Itoa(i)+".code", "P-ALL")
			v.Set("line."+strconv.Itoa(i)+".qty", "1")
		}
		return v
	}
	r := d.post("/online-orders", form(205))
	wantCode(t, "205 lines", r, http.StatusUnprocessableEntity)
	mustContain(t, "205 lines", r, "A document may have at most 200 lines; this form has 205. Nothing was saved")
	if n := e.docCount(model.DocOnlineOrder); n != 0 {
		t.Fatalf("%d online orders saved", n)
	}
	s := e.login("east")
	f := s.get("/sales-orders/new?customer=C1")
	v := form(201)
	v.Set("_idem", field(t, ordIdemRe, f.Body))
	v.Set("customer_id", e.id("customer:C1"))
	v.Set("order_date", "2026-03-15")
	r = s.post("/sales-orders", v)
	wantCode(t, "201 sales lines", r, http.StatusUnprocessableEntity)
	mustContain(t, "201 sales lines", r, "this form has 201")
	if n := e.docCount(model.DocSalesOrder); n != 0 {
		t.Fatalf("%d sales orders saved", n)
	}
	r = d.post("/online-orders", form(200))
	wantCode(t, "200 lines", r, http.StatusSeeOther)
	var o *model.OnlineOrder
	id, _ := strconv.ParseUint(strings.TrimPrefix(r.Header.Get("Location"), "/online-orders/"), 10, 64)
	_ = e.st.View(func(tx *store.Tx) (err error) { o, err = tx.OnlineOrder(store.AdminScope(), id); return err })
	if o == nil || len(o.Lines) != 200 {
		t.Fatalf("order of 200 lines saved as %v", o)
	}
}

// TestOrderDatesAndPhones: delivery and requested dates outside their
// range and phones of the wrong shape are field errors on the forms.
func TestOrderDatesAndPhones(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	d := e.login("c1.buyer")
	post := func(extra url.Values) resp {
		f := d.get("/online-orders/new")
		v := url.Values{"_idem": {field(t, ordIdemRe, f.Body)}, "location": {e.id("location:C1")}, "action": {"save"},
			"line.0.code": {"P-ALL"}, "line.0.qty": {"1"}}
		for k, vs := range extra {
			v[k] = vs
		}
		return d.post("/online-orders", v)
	}
	for _, c := range []struct {
		name string
		form url.Values
		want string
	}{
		{"requested 0001", url.Values{"requested_date": {"0001-01-01"}}, "Enter a date from "},
		{"requested 9999", url.Values{"requested_date": {"9999-12-31"}}, "Enter a date from "},
		{"line delivery 0001", url.Values{"line.0.delivery": {"0001-01-01"}}, "Enter a date from "},
		{"line delivery 9999", url.Values{"line.0.delivery": {"9999-12-31"}}, "Enter a date from "},
		{"phone without digits", url.Values{"phone": {"-----"}}, "only, with 5 to 20 digits."},
		{"phone with letters", url.Values{"phone": {"call 13800138000"}}, "A phone number: digits"},
	} {
		r := post(c.form)
		wantCode(t, c.name, r, http.StatusUnprocessableEntity)
		mustContain(t, c.name, r, c.want)
	}
	if n := e.docCount(model.DocOnlineOrder); n != 0 {
		t.Fatalf("%d online orders saved", n)
	}
	wantCode(t, "good phone", post(url.Values{"phone": {"+86 (21) 5555-0100"}}), http.StatusSeeOther)

	// Staff: sales order delivery date, customer and location phones.
	s := e.login("admin")
	f := s.get("/sales-orders/new?customer=C1")
	r := s.post("/sales-orders", url.Values{"_idem": {field(t, ordIdemRe, f.Body)}, "customer_id": {e.id("customer:C1")},
		"order_date": {"2026-03-15"}, "delivery_date": {"9999-12-31"}, "location": {e.id("location:C1")},
		"line.0.code": {"P-ALL"}, "line.0.qty": {"1"}, "line.0.delivery": {"0001-01-01"}})
	wantCode(t, "sales order dates", r, http.StatusUnprocessableEntity)
	mustContain(t, "sales order dates", r, "Enter a date from 2026-03-15 to 2028-03-15.")
	var cu *model.Customer
	_ = e.st.View(func(tx *store.Tx) (err error) {
		cu, err = tx.Customer(store.AdminScope(), e.ids["customer:C1"])
		return err
	})
	cu.Phone = "()()()"
	if err := cu.Validate(); err == nil || !strings.Contains(err.Error(), "phone: err.phone_shape") {
		t.Errorf("customer phone: %v", err)
	}
}
