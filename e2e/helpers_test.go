package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// How the browser tests wait. A wait accepts only what its own action
// produced, never what was on the page before it: an action that changes
// the page runs through act (or click, or changeField), which first marks
// every element then on the page as seen; waitText, waitCount and the URL
// waits then look only at elements without that mark — the page that
// replaced it, or the fragment an htmx swap put in. A page opened with open
// is all new. Waits poll every 100 ms for up to waitTimeout and fail the
// test with what they saw last.

// seenAttr marks the elements that were on the page before an action.
const seenAttr = "data-e2e-seen"

// waitTimeout bounds every wait: generous, because the machine running the
// tests may be busy.
const waitTimeout = 20 * time.Second

// mark records the current page as "before the next action": every element
// carries seenAttr, and the URL is kept to tell a new one from it.
func (b *browser) mark() {
	b.t.Helper()
	href, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
		`document.querySelectorAll('*').forEach(e => e.setAttribute('`+seenAttr+`', '')); location.href`))
	if err != nil {
		b.t.Fatalf("mark the page: %v", err)
	}
	b.before = href
}

// act marks the page, then performs actions that change it.
func (b *browser) act(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.mark()
	b.run(actions...)
}

// click marks the page and clicks the first element matching css.
func (b *browser) click(css string) {
	b.t.Helper()
	b.act(chromedp.Click(chromedp.CSS(css)))
}

// setField replaces the value of an input and tells the page it changed.
func (b *browser) setField(css, value string) {
	b.t.Helper()
	b.eval(`(function(){var e=document.querySelector(` + quoteJS(css) + `); e.value=` + quoteJS(value) + `; e.dispatchEvent(new Event('change', {bubbles: true}))})()`)
}

// changeField is setField for a field whose change sends a request (an
// htmx form triggered by "change"): it marks the page first.
func (b *browser) changeField(css, value string) {
	b.t.Helper()
	b.mark()
	b.setField(css, value)
}

// pollResult is what a wait's script reports: whether it is done, and what
// it saw (for the failure message).
type pollResult struct {
	Done bool   `json:"done"`
	Saw  string `json:"saw"`
}

// until calls check until it reports done or waitTimeout passes; what
// names the wait in the failure message, with what check saw last. An
// evaluation lost to a navigation counts as not done.
func (b *browser) until(what string, check func() (done bool, saw string, err error)) {
	b.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		done, saw, err := check()
		switch {
		case err == nil && done:
			return
		case b.ctx.Err() != nil:
			b.t.Fatalf("%s: %v", what, b.ctx.Err())
		case err != nil:
			saw = err.Error()
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: not within %v (saw %.400q)", what, waitTimeout, saw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// poll waits until script, the body of a function that may call fresh(e)
// (e came with the last action) and returns a pollResult, is done. A page
// still loading is never done, nor one htmx is still swapping or settling:
// new content is in the document before htmx has processed it (its forms
// send nothing yet), and an action taken then would be lost.
func (b *browser) poll(what, script string) {
	b.t.Helper()
	js := `(function(){ if (document.readyState === 'loading') return {done: false, saw: 'page loading'};
		if (document.querySelector('.htmx-swapping, .htmx-settling, .htmx-added')) return {done: false, saw: 'htmx still swapping'};
		const fresh = e => !e.hasAttribute('` + seenAttr + `');
		` + script + ` })()`
	b.until(what, func() (bool, string, error) {
		r, err := chromedp.Run(b.ctx, chromedp.Evaluate[pollResult](js))
		return r.Done, r.Saw, err
	})
}

// waitText waits until an element matching css that the last action
// produced contains every one of want.
func (b *browser) waitText(css string, want ...string) {
	b.t.Helper()
	b.poll(fmt.Sprintf("a new %s with %q", css, want), `
		const want = `+jsValue(append([]string{}, want...))+`;
		const els = Array.from(document.querySelectorAll(`+quoteJS(css)+`));
		const texts = els.filter(fresh).map(e => e.innerText);
		if (texts.some(s => want.every(w => s.includes(w)))) return {done: true, saw: ''};
		return {done: false, saw: texts.length ? texts.join(' | ') : els.length + ' matching, none new'};`)
}

// waitCount waits until exactly n elements match css, all of them produced
// by the last action (none left from before it).
func (b *browser) waitCount(css string, n int) {
	b.t.Helper()
	b.poll(fmt.Sprintf("%d new %s", n, css), `
		const els = Array.from(document.querySelectorAll(`+quoteJS(css)+`));
		const nNew = els.filter(fresh).length;
		return {done: nNew === `+fmt.Sprint(n)+` && nNew === els.length, saw: nNew + ' new, ' + (els.length - nNew) + ' from before'};`)
}

// waitLocation waits until the action has led to a URL other than the one
// before it, for which ok holds, with new content in main; it returns the URL.
func (b *browser) waitLocation(what string, ok func(*url.URL) bool) *url.URL {
	b.t.Helper()
	type seen struct {
		Href    string `json:"href"`
		Content bool   `json:"content"`
	}
	js := `(function(){ return {href: location.href, content: document.readyState !== 'loading' &&
		Array.from(document.querySelectorAll('#main > *')).some(e => !e.hasAttribute('` + seenAttr + `'))} })()`
	var got *url.URL
	b.until(what, func() (bool, string, error) {
		s, err := chromedp.Run(b.ctx, chromedp.Evaluate[seen](js))
		if err != nil {
			return false, "", err
		}
		if got, err = url.Parse(s.Href); err != nil {
			return false, "", err
		}
		if !s.Content {
			return false, s.Href + " (old content)", nil
		}
		return s.Href != b.before && ok(got), s.Href, nil
	})
	return got
}

// waitURL waits until the action has led to a document page, prefix
// followed by its id ("/sales-orders/" → "/sales-orders/12"), with its
// content shown, and returns the id.
func (b *browser) waitURL(prefix string) string {
	b.t.Helper()
	re := regexp.MustCompile("^" + regexp.QuoteMeta(prefix) + `(\d+)$`)
	u := b.waitLocation("a new page at "+prefix+"…", func(u *url.URL) bool { return re.MatchString(u.Path) })
	return re.FindStringSubmatch(u.Path)[1]
}

// waitPage waits until the action has led to the page at path, with its
// content shown; each of params ("q", "SM60", …) must be in its query.
func (b *browser) waitPage(path string, params ...string) {
	b.t.Helper()
	b.waitLocation(fmt.Sprintf("a new page at %s %q", path, params), func(u *url.URL) bool {
		if u.Path != path {
			return false
		}
		q := u.Query()
		for i := 0; i+1 < len(params); i += 2 {
			if q.Get(params[i]) != params[i+1] {
				return false
			}
		}
		return true
	})
}

// has reports whether an element matching css contains every one of want
// (one look, no waiting: for pages just opened).
func (b *browser) has(css string, want ...string) bool {
	b.t.Helper()
	ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(function(){ const want = `+jsValue(append([]string{}, want...))+`;
		return Array.from(document.querySelectorAll(`+quoteJS(css)+`)).some(e => want.every(w => e.innerText.includes(w))) })()`))
	if err != nil {
		b.t.Fatalf("look for %s: %v", css, err)
	}
	return ok
}

// reloadUntil opens path again and again until done holds (background work
// such as message delivery takes a moment); what names it on failure.
func (b *browser) reloadUntil(path, what string, done func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b.open(path)
		if done() {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s never showed %s", path, what)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// location returns the current page's path.
func (b *browser) location() string {
	b.t.Helper()
	return b.evalString(`location.pathname`)
}

// eval runs JavaScript in the page and fails the test on error.
func (b *browser) eval(js string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](js)); err != nil {
		b.t.Fatalf("eval %s: %v", js, err)
	}
}

// evalString runs JavaScript that returns a string.
func (b *browser) evalString(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("eval %s: %v", js, err)
	}
	return s
}

// count is the number of elements matching css now.
func (b *browser) count(css string) int {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+quoteJS(css)+`).length`))
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}

// acceptConfirms answers "OK" to the page's confirmation dialogs.
func (b *browser) acceptConfirms() {
	b.t.Helper()
	b.eval(`window.confirm = () => true; true`)
}

// english switches the user to English when an earlier test left them in
// Chinese (the language is a per-user setting).
func (b *browser) english() {
	b.t.Helper()
	if b.evalString(`document.documentElement.lang`) == "zh-CN" {
		b.click("form.lang button")
		b.waitText("#nav", "Home")
	}
}

// fetch fetches path with the browser's cookies (the way a download link
// is followed): status, content type and body.
func (b *browser) fetch(path string) (int, string, []byte) {
	b.t.Helper()
	res, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]any](`fetch(`+quoteJS(path)+`, {credentials: 'same-origin'}).then(async r => {
		const a = new Uint8Array(await r.arrayBuffer()); let s = '';
		for (let i = 0; i < a.length; i++) s += String.fromCharCode(a[i]);
		return [r.status, r.headers.get('content-type') || '', btoa(s)];
	})`, chromedp.EvalAwaitPromise))
	if err != nil || len(res) != 3 {
		b.t.Fatalf("fetch %s: %v", path, err)
	}
	body, err := base64.StdEncoding.DecodeString(res[2].(string))
	if err != nil {
		b.t.Fatalf("fetch %s: %v", path, err)
	}
	return int(res[0].(float64)), res[1].(string), body
}

// fetchStatus is fetch's status and body as text.
func (b *browser) fetchStatus(path string) (int, string) {
	b.t.Helper()
	status, _, body := b.fetch(path)
	return status, string(body)
}

// quoteJS is s as a JavaScript string literal.
func quoteJS(s string) string { return jsValue(s) }

// jsValue is v as a JavaScript literal (JSON).
func jsValue(v any) string {
	j, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return strings.NewReplacer("\u2028", `\u2028`, "\u2029", `\u2029`).Replace(string(j))
}
