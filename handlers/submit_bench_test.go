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

	"dealerportal/bench/basepage"
	"dealerportal/demo"
	"dealerportal/store"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkSubmitOnlineOrders64: 64 logged-in dealer sessions (c0001.buyer …
// c0064.buyer of a generated volume: 200 customers, 2,000 products, 300
// catalog entries) each submit online orders one after another through the
// real app on a real listener (HTTP/1.1 keep-alive, the whole middleware
// chain, durable commits with an fsync): a one-line order of the
// customer's cheapest visible item, a fresh _idem token each time, 303
// expected. It reports orders/s and CPU µs per order, the same for the
// bare baseline page (bench/basepage) served and requested the same way
// just before, their ratios, the orders per group commit and how busy the
// commit goroutine was; b.N is the number of orders (and of baseline
// requests).
//
//	go test ./handlers -run '^$' -bench SubmitOnlineOrders64 -benchtime 4000x
//	SUBMIT_BENCH_DB=/tmp/submit.db …   reuse a generated volume (copied first)
func BenchmarkSubmitOnlineOrders64(b *testing.B) {
	env := newSubmitBench(b, 64)
	// The yardstick first, as bench/load.sh measures it just before each
	// scenario: the bare baseline page (bench/basepage) on its own listener,
	// GET / by 64 Go clients of the same kind, b.N requests.
	baseRate, baseCPU := env.baseline(b, b.N)
	commits0, calls0 := env.st.CommitStats()
	busy0, fns0 := env.st.CommitTimes()
	cpu0 := cpuTime()
	tx0 := env.boltTxStats()
	stopProfile := profileSubmits(b)
	b.ResetTimer()
	start := time.Now()
	if err := runClients(len(env.dealers), b.N, func(c int, i int64) error { return env.submit(env.dealers[c], i) }); err != nil {
		b.Fatal(err)
	}
	spent := time.Since(start)
	b.StopTimer()
	stopProfile()
	rate := float64(b.N) / spent.Seconds()
	b.ReportMetric(rate, "orders/s")
	// CPU time of the whole process (server and client) per order: steadier
	// than wall time on a shared machine.
	cpu := float64((cpuTime() - cpu0).Microseconds()) / float64(b.N)
	b.ReportMetric(cpu, "cpu-µs/order")
	b.ReportMetric(baseRate, "base-req/s")
	b.ReportMetric(baseCPU, "base-cpu-µs/req")
	b.ReportMetric(rate/baseRate, "rate÷base")
	b.ReportMetric(cpu/baseCPU, "cpu÷base")
	if commits, calls := env.st.CommitStats(); commits > commits0 {
		b.ReportMetric(float64(calls-calls0)/float64(commits-commits0), "orders/commit")
	}
	// How busy the single commit goroutine was (its functions, the write
	// and the fsync): near 100 % it is what limits the rate.
	busy, fns := env.st.CommitTimes()
	b.ReportMetric(100*float64(busy-busy0)/float64(spent), "commit-busy-%")
	b.ReportMetric(float64((fns-fns0).Microseconds())/float64(b.N), "commit-fn-µs/order")
	// The commit goroutine's whole wall time per order (functions, spill,
	// write, both fsyncs): what one queue costs an order, less sensitive to
	// the machine's load than orders/s.
	b.ReportMetric(float64((busy-busy0).Microseconds())/float64(b.N), "commit-µs/order")
	// On bbolt: the pages each order dirtied (written at its commit) and
	// each commit's write time (its pages and the two fdatasyncs).
	if tx0 != nil {
		d := env.boltTxStats().Sub(tx0)
		commits, _ := env.st.CommitStats()
		b.ReportMetric(float64(d.GetPageCount())/float64(b.N), "pages/order")
		if n := commits - commits0; n > 0 {
			b.ReportMetric(float64(d.GetWriteTime().Microseconds())/1000/float64(n), "write-ms/commit")
		}
	}
	// The integrity check (portal check) holds after the load.
	if problems, err := env.st.Check(); err != nil || len(problems) > 0 {
		b.Fatalf("check after the submissions: %v %v", err, problems)
	}
}

// boltTxStats returns bbolt's transaction counters of env's store, nil on
// PostgreSQL.
func (env *submitBench) boltTxStats() *bolt.TxStats {
	db, err := env.st.Bolt()
	if err != nil {
		return nil
	}
	st := db.Stats().TxStats
	return &st
}

// runClients runs n requests from clients goroutines, each taking the next
// number (1…n) until none is left; the first error ends the run.
func runClients(clients, n int, do func(client int, i int64) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				if err := do(c, i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// baseline serves the bare baseline page (bench/basepage, with the
// portal's compression) on a loopback listener and has as many Go clients
// as env has dealers request it n times, gzip accepted like a browser; it
// returns its requests/s and the process's CPU µs per request.
func (env *submitBench) baseline(b *testing.B, n int) (rate, cpuPerReq float64) {
	app := basepage.App()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	defer func() { _ = app.Shutdown() }()
	tr := &http.Transport{MaxIdleConnsPerHost: len(env.dealers), MaxConnsPerHost: len(env.dealers)}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	page := "http://" + ln.Addr().String() + "/"
	get := func(int, int64) error {
		req, err := http.NewRequest(http.MethodGet, page, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("baseline: %d", res.StatusCode)
		}
		return nil
	}
	_ = runClients(len(env.dealers), 2*len(env.dealers), get) // connections up
	cpu0, start := cpuTime(), time.Now()
	if err := runClients(len(env.dealers), n, get); err != nil {
		b.Fatal(err)
	}
	spent := time.Since(start)
	return float64(n) / spent.Seconds(), float64((cpuTime() - cpu0).Microseconds()) / float64(n)
}

// profileSubmits writes a CPU profile of the submissions alone (not of
// the volume's generation and the logins' bcrypt) to SUBMIT_BENCH_CPUPROFILE
// when set; it returns the function that stops it.
func profileSubmits(b *testing.B) func() {
	path := os.Getenv("SUBMIT_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	return cpuProfile(b, path)
}

// cpuProfile starts a CPU profile into the file at path and returns the
// function that stops it.
func cpuProfile(b *testing.B, path string) func() {
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
	// plainTokens: form tokens without an issue time (SUBMIT_BENCH_TOKENS=plain).
	plainTokens bool
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
	env := &submitBench{st: st, base: listenBench(b, st), run: strconv.FormatInt(time.Now().UnixNano(), 36),
		plainTokens: os.Getenv("SUBMIT_BENCH_TOKENS") == "plain"}
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
	item, err := cheapestItem(st, code)
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
// new order. The token is the portal's (store.NewFormToken), issued just
// before as a form served to a browser is; SUBMIT_BENCH_TOKENS=plain sends
// tokens without an issue time (kept per user, as before schema 15).
func (env *submitBench) submit(d *submitDealer, i int64) error {
	tok := store.NewFormToken(time.Now())
	if env.plainTokens {
		tok = env.run + "-" + strconv.FormatInt(i, 10)
	}
	body := d.form.Encode() + "&_idem=" + tok
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
