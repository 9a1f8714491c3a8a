package handlers

import (
	"net/http"
	"strings"
	"testing"
)

// TestUnnamedEnterpriseInReadersLanguage: until the settings are first
// saved, a printed statement names the enterprise with the portal's
// placeholder in the reader's language, never the stored default
// "Enterprise"; once saved, the enterprise's own name.
func TestUnnamedEnterpriseInReadersLanguage(t *testing.T) {
	e := newReconEnv(t)
	if v := e.st.Settings().Version; v != 0 {
		t.Fatalf("fixture: settings saved (version %d)", v)
	}
	path := "/statements/" + e.id("customer:C1") + "?from=2026-03-01&to=2026-03-31"
	for _, lang := range []string{"zh", "en"} {
		c := e.login("c1.finance")
		c.setLang(lang)
		r := c.get(path)
		if r.Code != http.StatusOK {
			t.Fatalf("%s: %d", lang, r.Code)
		}
		text := pdfText(t, []byte(r.Body))
		want := e.h.i18n.T(lang, "words.enterprise_unnamed")
		if !strings.Contains(text, want) {
			t.Errorf("%s: statement lacks %q:\n%s", lang, want, text)
		}
		if lang == "zh" && strings.Contains(text, "Enterprise") {
			t.Errorf("zh statement prints the English default name:\n%s", text)
		}
	}
	s := printSettings(t, e)
	text := pdfText(t, []byte(e.login("c1.finance").get(path).Body))
	if !strings.Contains(text, "华信机电设备有限公司") || strings.Contains(text, e.h.i18n.T("zh", "words.enterprise_unnamed")) {
		t.Errorf("saved name %q not printed:\n%s", s.EnterpriseName, text)
	}
}
