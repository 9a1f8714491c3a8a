package handlers

import (
	"net/url"
	"strings"
	"testing"

	"dealerportal/model"
)

// TestSendErrorsInWords: a failed e-mail is explained in the reader's
// language, in the outbox list, on the delivery's page (with the server's
// own text folded away as a technical detail) and in the export; the test
// e-mail of the settings page says the same. No raw Go error is the
// message.
func TestSendErrorsInWords(t *testing.T) {
	e := newTestEnv(t)
	wordsMessagingFixture(t, e) // an SMTP server that refuses the connection
	raw := "connect: connection refused"
	admin := e.login("admin")
	for _, tc := range []struct{ lang, want string }{
		{"zh", "无法连接服务器（连接被拒绝或主机不存在）"},
		{"en", "Could not reach the server (connection refused or unknown host)"},
	} {
		speak(admin, tc.lang)
		list := admin.get("/messages/outbox?status=dead")
		if !strings.Contains(list.Body, tc.want) {
			t.Errorf("%s outbox: no explanation: %s", tc.lang, excerpt(list.Body))
		}
		if strings.Contains(list.Body, raw) {
			t.Errorf("%s outbox: the raw error is shown in the list", tc.lang)
		}
		if page := admin.get("/messages/outbox/" + e.id("outbox")); !wordsThenDetail(page.Body, tc.want, raw) {
			t.Errorf("%s delivery: want the words, then the folded raw error: %s", tc.lang, excerpt(page.Body))
		}
		csv := admin.get("/messages/outbox?status=dead&export=csv")
		if !strings.Contains(csv.Body, tc.want) || strings.Contains(csv.Body, raw) {
			t.Errorf("%s export: %s", tc.lang, csv.Body)
		}
		res := admin.post("/messages/settings/test-email", url.Values{"to": {"me@example.com"}})
		if !wordsThenDetail(res.Body, tc.want, raw) {
			t.Errorf("%s test e-mail: %s", tc.lang, excerpt(res.Body))
		}
	}
	// A delivery recorded before kinds were is explained from its text.
	if got := e.h.sendErrorText("en", "", "smtp: auth: 535 5.7.8 Authentication credentials invalid"); !strings.HasPrefix(got, "The server refused the user name or password") {
		t.Errorf("guessed auth: %q", got)
	}
	for _, k := range model.SendErrorKinds {
		if !e.h.i18n.Has("senderr." + string(k)) {
			t.Errorf("kind %s has no text", k)
		}
	}
}

// wordsThenDetail reports whether body says words, followed by a folded
// <details> holding raw (and raw nowhere before it).
func wordsThenDetail(body, words, raw string) bool {
	i := strings.Index(body, words)
	if i < 0 || strings.Index(body, raw) < i {
		return false
	}
	rest := body[i:]
	j, k := strings.Index(rest, "<details"), strings.Index(rest, raw)
	return j >= 0 && k > j && !strings.Contains(rest[j:k], "</details>")
}
