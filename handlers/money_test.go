package handlers

import (
	"bytes"
	"html/template"
	"strings"
	"testing"

	"dealerportal/model"
)

// TestMoneyOnScreen: the screen shows amounts as Money.Format does, a
// negative one marked for the red of app.css; the markup never leaks into
// an attribute or a translated text, and an admin's symbol is escaped.
func TestMoneyOnScreen(t *testing.T) {
	e := newTestEnv(t)
	v := &View{h: e.h, Lang: "en", Settings: model.DefaultSettings()}
	if got := v.Money(-224000); got != `<span class="neg">−¥2,240.00</span>` {
		t.Errorf("Money(-224000) = %s", got)
	}
	if got := v.Money(123450); got != "¥1,234.50" {
		t.Errorf("Money(123450) = %s", got)
	}
	if got := v.MoneyText(-224000); got != "−¥2,240.00" {
		t.Errorf("MoneyText = %q", got)
	}
	tpl := template.Must(template.New("t").Parse(`<td title="{{.Money .N}}">{{.Money .N}}</td><p>{{.T "rc.refund_limit" "max" (.Money .N)}}</p>`))
	var b bytes.Buffer
	if err := tpl.Execute(&b, struct {
		*View
		N model.Money
	}{v, -224000}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, `title="−¥2,240.00"`) || !strings.Contains(out, `><span class="neg">−¥2,240.00</span></td>`) {
		t.Errorf("rendered: %s", out)
	}
	if strings.Count(out, "<span") != 1 || strings.Contains(out, "&lt;span") {
		t.Errorf("markup leaked: %s", out)
	}
	if !strings.Contains(out, "−¥2,240.00") || strings.Contains(out, "¥-") {
		t.Errorf("translated text: %s", out)
	}
	v.Settings = &model.Settings{CurrencySymbol: "<b>"}
	if got := string(v.Money(-1)); got != `<span class="neg">−&lt;b&gt;0.01</span>` {
		t.Errorf("symbol not escaped: %s", got)
	}
}

// TestNegativeAmountRedOnPage: a page with a negative balance shows it as
// "−¥…" in the red class, never "¥-…".
func TestNegativeAmountRedOnPage(t *testing.T) {
	e := newReconEnv(t)
	c := e.login("admin")
	r := c.get("/balances/" + e.id("customer:C1") + "?from=2026-03-01&to=2026-03-31")
	wantCode(t, "balance detail", r, 200)
	mustRender(t, "balance detail", r)
	for _, s := range []string{"¥-", "-¥"} {
		if strings.Contains(r.Body, s) {
			t.Errorf("page shows %q", s)
		}
	}
	if !strings.Contains(r.Body, `<span class="neg">−¥`) {
		t.Errorf("no negative amount in red: %s", excerpt(r.Body))
	}
}
