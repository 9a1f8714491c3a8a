package handlers

import (
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"dealerportal/demo"
	"dealerportal/store"
)

// BenchmarkSubmitOnlineOrders64: 64 logged-in dealer sessions (c0001.buyer …
// c0064.buyer of a generated volume: 200 customers, 2,000 products, 300
// catalog entries) each submit online orders one after another through the
// real app on a real listener (HTTP/1.1 keep-alive, the whole middleware
// chain, durable commits with an fsync): a one-line order of the
// customer's cheapest visible item, a fresh _idem token each time, 303
// expected. It reports orders/s; b.N is the number of orders.
//
//	go test ./handlers -run '^$' -bench SubmitOnlineOrders64 -benchtime 4000x
//	SUBMIT_BENCH_DB=/tmp/submit.db …   reuse a generated volume (copied first)
func BenchmarkSubmitOnlineOrders64(b *testing.B) {
	env := newSubmitBench(b, 64)
	commits0, calls0 := env.st.CommitStats()
	cpu0 := cpuTime()
	stopProfile := profileSubmits(b)
	b.ResetTimer()
	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(env.dealers))
	for _, d := range env.dealers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				if err := env.submit(d, i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	spent := time.Since(start)
	b.StopTimer()
	stopProfile()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/spent.Seconds(), "orders/s")
	// CPU time of the whole process (server and client) per order: steadier
	// than wall time on a shared machine.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/order")
	if commits, calls := env.st.CommitStats(); commits > commits0 {
		b.ReportMetric(float64(calls-calls0)/float64(commits-commits0), "orders/commit")
	}
	// The integrity check (portal check) holds after the load.
	if problems, err := env.st.Check(); err != nil || len(problems) > 0 {
		b.Fatalf("check after the submissions: %v %v", err, problems)
	}
}

// profileSubmits writes a CPU profile of the submissions alone (not of
// the volume's generation and the logins' bcrypt) to SUBMIT_BENCH_CPUPROFILE
// when set; it returns the function that stops it.
func profileSubmits(b *testing.B) func() {
	path := os.Getenv("SUBMIT_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// submitBench is a portal on a real listener with dealer sessions ready to
// submit.
type submitBench struct {
	st      *store.Store
	base    string
	dealers []*submitDealer
	run     string
}

type submitDealer struct {
	client *http.Client
	form   url.Values
}

var reOrderLocation = regexp.MustCompile(`<option value="(\d+)"`)

func newSubmitBench(b *testing.B, sessions int) *submitBench {
	b.Helper()
	path := filepath.Join(b.TempDir(), "submit.db")
	if src := os.Getenv("SUBMIT_BENCH_DB"); src != "" {
		if _, err := os.Stat(src); err != nil {
			if err := demo.GenerateVolume([]string{"--db", src, "--customers", "200", "--products", "2000", "--entries", "300"}, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
		data, err := os.ReadFile(src)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			b.Fatal(err)
		}
	} else if err := demo.GenerateVolume([]string{"--db", path, "--customers", "200", "--products", "2000", "--entries", "300"}, io.Discard); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	env := &submitBench{st: st, base: listenBench(b, st), run: strconv.FormatInt(time.Now().UnixNano(), 36)}
	tr := &http.Transport{MaxIdleConnsPerHost: sessions, MaxConnsPerHost: sessions}
	b.Cleanup(tr.CloseIdleConnections)
	env.dealers = make([]*submitDealer, sessions)
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for i := range env.dealers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := env.login(st, tr, fmt.Sprintf("C%04d", i+1))
			if err != nil {
				errs <- err
				return
			}
			env.dealers[i] = d
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	return env
}

// login logs in the customer's buyer and prepares its order form: the
// customer's cheapest visible item at its first order quantity, shipped to
// the first location offered.
func (env *submitBench) login(st *store.Store, tr http.RoundTripper, code string) (*submitDealer, error) {
	jar, _ := cookiejar.New(nil)
	d := &submitDealer{client: &http.Client{Jar: jar, Transport: tr, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	page, err := d.get(env.base + "/login")
	if err != nil {
		return nil, err
	}
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("%s: no _csrf on the login page", code)
	}
	res, err := d.client.PostForm(env.base+"/login", url.Values{"username": {strings.ToLower(code) + ".buyer"},
		"password": {demo.DemoPassword}, "_csrf": {html.UnescapeString(m[1])}})
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("login %s: %d", code, res.StatusCode)
	}
	var item *store.CatalogItem
	err = st.View(func(t *store.Tx) error {
		c, err := t.CustomerByCode(store.AdminScope(), code)
		if err != nil {
			return err
		}
		items, _, err := t.ListCatalog(store.CustomerScope(c.ID), store.CatalogFilter{}, store.Page{Limit: 0})
		for _, it := range items {
			if it.Quote.Price > 0 && (item == nil || int64(it.Quote.Price)*int64(it.Qty) < int64(item.Quote.Price)*int64(item.Qty)) {
				item = it
			}
		}
		return err
	})
	if err != nil || item == nil {
		return nil, fmt.Errorf("%s: nothing to order (%v)", code, err)
	}
	page, err = d.get(env.base + "/online-orders/new")
	if err != nil {
		return nil, err
	}
	csrf, loc := csrfRe.FindStringSubmatch(page), reOrderLocation.FindStringSubmatch(page)
	if csrf == nil || loc == nil {
		return nil, fmt.Errorf("%s: the order form lacks _csrf or a location", code)
	}
	d.form = url.Values{"_csrf": {html.UnescapeString(csrf[1])}, "location": {loc[1]}, "line.0.code": {item.Product.Code},
		"line.0.qty": {item.Qty.String()}, "remarks": {"bench"}, "action": {"submit"}}
	return d, nil
}

func (d *submitDealer) get(u string) (string, error) {
	res, err := d.client.Get(u)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %d", u, res.StatusCode)
	}
	return string(body), err
}

// submit posts d's order form with a fresh token and expects the 303 to the
// new order.
func (env *submitBench) submit(d *submitDealer, i int64) error {
	body := d.form.Encode() + "&_idem=" + env.run + "-" + strconv.FormatInt(i, 10)
	req, err := http.NewRequest(http.MethodPost, env.base+"/online-orders", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	res, err := d.client.Do(req)
	if err != nil {
		return err
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/online-orders/") {
		return fmt.Errorf("submit: %d %s", res.StatusCode, errText(string(out)))
	}
	return nil
}

// listenBench serves the portal on st from a loopback listener until the
// benchmark ends, and returns its base URL (http://127.0.0.1:port).
func listenBench(b *testing.B, st *store.Store) string {
	b.Helper()
	h, err := New(st, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	app := h.App()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	b.Cleanup(func() { _ = app.Shutdown() })
	return "http://" + ln.Addr().String()
}
