package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

func TestStepQty(t *testing.T) {
	u := model.Qty(model.QtyScale)
	for _, c := range []struct {
		name          string
		min, multiple model.Qty
		q, down, up   model.Qty
	}{
		{"no rules", 0, 0, 3 * u, 2 * u, 4 * u},
		{"no rules, at one", 0, 0, u, 0, 2 * u},
		{"no rules, a fraction", 0, 0, u + u/2, 0, 2*u + u/2},
		{"minimum", 5 * u, 0, 6 * u, 5 * u, 7 * u},
		{"at the minimum", 5 * u, 0, 5 * u, 0, 6 * u},
		{"below the minimum", 5 * u, 0, 2 * u, 0, 5 * u},
		{"multiple", 0, 6 * u, 12 * u, 6 * u, 18 * u},
		{"at the multiple", 0, 6 * u, 6 * u, 0, 12 * u},
		{"between multiples", 0, 6 * u, 8 * u, 6 * u, 12 * u},
		{"minimum and multiple", 10 * u, 5 * u, 15 * u, 10 * u, 20 * u},
		{"at the minimum of a multiple", 10 * u, 5 * u, 10 * u, 0, 15 * u},
		{"minimum not a multiple", 7 * u, 5 * u, 10 * u, 0, 15 * u},
		{"at the largest", 0, 0, model.MaxQty, model.MaxQty - u, 0},
	} {
		e := &model.CatalogEntry{MinQty: c.min, Multiple: c.multiple}
		got := stepQty(e, c.q)
		if got.Down != c.down || got.Up != c.up {
			t.Errorf("%s: %s → − %s + %s, want − %s + %s", c.name, c.q, got.Down, got.Up, c.down, c.up)
		}
		for _, q := range []model.Qty{got.Down, got.Up} {
			if q != 0 && model.CheckOrderQty(q, c.min, c.multiple) != nil {
				t.Errorf("%s: a step to %s breaks the entry's rules", c.name, q)
			}
		}
	}
}

// TestCartSteppers: the − / + buttons post the new quantity as "set" and
// work as plain form posts (no JavaScript) and as htmx swaps of the cart
// body; a step the entry's rules refuse is refused at the line.
func TestCartSteppers(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	c := e.login("c1.buyer")
	mult := e.id("entry:MULT") // at least 6, in sixes
	c.get("/catalog")
	wantCode(t, "add", c.post("/catalog/"+mult+"/cart", nil), http.StatusSeeOther)
	r := c.get("/cart")
	mustContain(t, "cart", r, `name="set" value="12"`, `class="step up"`, `class="step down"`, `id="cart-bar"`, `id="checkout"`)
	if !strings.Contains(r.Body, `value="0" class="step down" `) || !strings.Contains(r.Body, " disabled>") {
		t.Errorf("− is not disabled at the minimum: %s", excerpt(r.Body))
	}
	// Without JavaScript: + posts 12, the page comes back with it.
	r = c.post("/cart/"+mult, url.Values{"qty": {"6"}, "set": {"12"}})
	wantCode(t, "+ without htmx", r, http.StatusSeeOther)
	mustContain(t, "after +", c.get("/cart"), `name="qty" type="text" inputmode="decimal" value="12"`, `name="set" value="6"`, `name="set" value="18"`)
	// With htmx: − swaps the cart body alone.
	r = c.post("/cart/"+mult, url.Values{"qty": {"12"}, "set": {"6"}}, "HX-Request", "true", "HX-Target", "cart-body")
	wantCode(t, "− with htmx", r, http.StatusOK)
	mustContain(t, "after −", r, `value="6" class="qty"`, `id="cart-total"`)
	mustNotContain(t, "− fragment", r, "<html", "<nav")
	// A typed quantity still counts when no step is pressed; a refused one
	// is refused at the line.
	r = c.post("/cart/"+mult, url.Values{"qty": {"7"}}, "HX-Request", "true", "HX-Target", "cart-body")
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "multiple of 6") {
		t.Fatalf("typed 7: %d %s", r.Code, excerpt(r.Body))
	}
	r = c.post("/cart/"+mult, url.Values{"qty": {"6"}, "set": {"3"}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "At least 6") {
		t.Fatalf("a step below the minimum: %d %s", r.Code, excerpt(r.Body))
	}
	// Removing a line asks first; emptying the cart sits apart from the checkout.
	r = c.get("/cart")
	mustContain(t, "remove", r, `hx-confirm="Remove P-MULT from the cart?"`, `id="cart-tools"`)
	if i, j := strings.Index(r.Body, `id="cart-bar"`), strings.Index(r.Body, `action="/cart/empty"`); i < 0 || j < i {
		t.Errorf("empty cart is not below the checkout bar")
	}
}

// TestHomeTodos: the home page lists to-dos with something waiting first,
// the ones at zero apart and muted, and the dealer's recent orders.
func TestHomeTodos(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	c := e.login("c1.buyer")
	r := c.get("/")
	mustContain(t, "home", r, `id="todos-clear"`, "Online order drafts to submit", `id="recent-none"`, `href="/catalog"`)
	mustNotContain(t, "home", r, `id="todos"`)
	// A draft order: a to-do with its count, and a recent order.
	c.get("/catalog")
	c.post("/catalog/"+e.id("entry:ALL")+"/cart", nil)
	page := c.get("/online-orders/checkout")
	r = c.post("/online-orders/checkout", url.Values{"_idem": {formValue(idemRe, page.Body)}, "entry": {e.id("entry:ALL")}, "action": {"save"},
		"location": {e.id("location:C1")}})
	wantCode(t, "checkout", r, http.StatusSeeOther)
	r = c.get("/")
	mustContain(t, "home with a draft", r, `id="todos"`, `href="/online-orders?status=draft"`, `id="recent-orders"`, "OO-")
	todos, clear := strings.Index(r.Body, `id="todos"`), strings.Index(r.Body, `id="todos-clear"`)
	if d := strings.Index(r.Body, "/online-orders?status=draft"); d < todos || clear > 0 && d > clear {
		t.Errorf("the draft is not among the to-dos")
	}
	// What is invoiced and unpaid comes from the maintained balance.
	if err := e.st.Update("test", func(tx *store.Tx) error {
		return tx.AdjustBalance(e.ids["customer:C1"], func(b *model.CustomerBalance) { b.InvoicedReceivable += 123456 })
	}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "amount due", c.get("/"), "Invoiced, to pay", "¥1,234.56", `href="/balances"`)
}
