package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dealerportal/store"
)

// A dealer's pages served by one process follow every change committed
// through the other at once, though the first process has just served
// them (and may keep what it read): the catalog after a product is renamed,
// the cart after a line is added, the order list after an order is placed,
// the order after staff reject it, and each page read again without a
// change still shows the same rows.
func TestSeveralProcessesPagesFollowWrites(t *testing.T) {
	a, b := twoProcesses(t)
	orderingFixture(t, a)
	buyer := a.login("c1.buyer")
	buyer.get("/")
	onB := buyer.via(b)
	page := func(path string) string {
		t.Helper()
		r := onB.get(path)
		if r.Code != http.StatusOK {
			t.Fatalf("GET %s on b: %d", path, r.Code)
		}
		return r.Body
	}
	// Each page twice on b, so that the second is served as b keeps it.
	for _, p := range []string{"/catalog", "/cart", "/online-orders"} {
		if first, second := page(p), page(p); strings.Count(first, "<tr") != strings.Count(second, "<tr") {
			t.Fatalf("%s: the same page read twice has other rows", p)
		}
	}

	// A product renamed through a.
	if !strings.Contains(page("/catalog"), "通用电机") {
		t.Fatal("b's catalog before the rename lacks the product")
	}
	admin := a.user("admin")
	a.step(admin, func(tx *store.Tx) error {
		p, err := tx.Product(a.ids["product:ALL"])
		if err != nil {
			return err
		}
		p.Name = "通用电机（跨进程改名）"
		return tx.SaveProduct(p)
	})
	if got := page("/catalog"); !strings.Contains(got, "通用电机（跨进程改名）") {
		t.Fatal("b's catalog after the rename through a shows the old name")
	}

	// A cart line added through a.
	if got := page("/cart"); strings.Contains(got, "整箱轴承") {
		t.Fatal("the cart holds the boxed bearing before it was added")
	}
	if r := buyer.post("/catalog/"+a.id("entry:MULT")+"/cart", url.Values{"qty": {"0"}}); r.Code >= 400 {
		t.Fatalf("add to cart on a: %d %s", r.Code, excerpt(r.Body))
	}
	if got := page("/cart"); !strings.Contains(got, "整箱轴承") {
		t.Fatal("b's cart after the line was added through a lacks it")
	}

	// An order placed through a.
	form := url.Values{"_idem": {"across-1"}, "location": {a.id("location:C1")}, "line.0.code": {"P-ALL"},
		"line.0.qty": {"2"}, "action": {"submit"}}
	r := buyer.post("/online-orders", form)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("order on a: %d %s", r.Code, excerpt(r.Body))
	}
	at := r.Header.Get("Location")
	if !strings.HasPrefix(at, "/online-orders/") {
		t.Fatalf("order on a went to %q", at)
	}
	if got := page("/online-orders"); !strings.Contains(got, `href="`+at+`"`) {
		t.Fatalf("b's order list after the order through a lacks %s", at)
	}

	// Staff reject it through a: b's order page says so, with the reason.
	const reason = "跨进程驳回原因"
	id := mustUint(t, strings.TrimPrefix(at, "/online-orders/"))
	a.step(admin, func(tx *store.Tx) error {
		o, err := tx.OnlineOrder(store.AdminScope(), id)
		if err != nil {
			return err
		}
		_, err = tx.ActOnOnlineOrder(store.AdminScope(), o.ID, o.Version, "reject", admin, reason)
		return err
	})
	if got := page(at); !strings.Contains(got, reason) {
		t.Fatal("b's order page after the rejection through a lacks the reason")
	}
}

// Another dealer's order placed through one process leaves a dealer's
// order list as the other process keeps it: no key the list read changed,
// so it is served without reading its rows again (PostgreSQL's change
// feed), and shows the same rows; the dealer's own order placed through
// the first process shows at once.
func TestSeveralProcessesOtherDealersOrderKeepsList(t *testing.T) {
	a, b := twoProcesses(t)
	orderingFixture(t, a)
	c1, c2 := a.login("c1.buyer"), a.login("c2.buyer")
	c1.get("/")
	c2.get("/")
	onB := c1.via(b)
	pg, _ := pgOf(t, b.st.KV())
	order := func(c *client, idem, customer string) string {
		t.Helper()
		form := url.Values{"_idem": {idem}, "location": {a.id("location:" + customer)}, "line.0.code": {"P-" + customer},
			"line.0.qty": {"1"}, "action": {"submit"}}
		r := c.post("/online-orders", form)
		if r.Code != http.StatusSeeOther {
			t.Fatalf("%s's order on a: %d %s", customer, r.Code, excerpt(r.Body))
		}
		return r.Header.Get("Location")
	}
	list := func() (string, uint64) {
		t.Helper()
		s0 := pg.CacheStats()
		r := onB.get("/online-orders")
		if r.Code != http.StatusOK {
			t.Fatalf("GET /online-orders on b: %d", r.Code)
		}
		return r.Body, pg.CacheStats().Misses - s0.Misses
	}
	first := order(c1, "keep-1", "C1")
	list()
	before, missed := list()
	if missed != 0 || !strings.Contains(before, `href="`+first+`"`) {
		t.Fatalf("c1's list read twice on b: %d misses the second time, its order shown: %v", missed,
			strings.Contains(before, `href="`+first+`"`))
	}
	for i := range 3 {
		order(c2, fmt.Sprintf("keep-c2-%d", i), "C2")
		after, missed := list()
		if missed != 0 {
			t.Errorf("c1's list on b after c2's order %d through a: %d reads missed the cache, want 0", i+1, missed)
		}
		if strings.Count(after, "<tr") != strings.Count(before, "<tr") {
			t.Errorf("c1's list on b after c2's order %d has other rows", i+1)
		}
	}
	second := order(c1, "keep-2", "C1")
	if after, missed := list(); missed == 0 || !strings.Contains(after, `href="`+second+`"`) {
		t.Errorf("c1's list on b after c1's own order through a: %d misses, the new order shown: %v", missed,
			strings.Contains(after, `href="`+second+`"`))
	}
}
