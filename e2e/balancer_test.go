package e2e

// The browser tests on PostgreSQL (PORTAL_TEST_BACKEND=postgres) run on an
// enterprise served by two portal processes on one database of a private
// cluster (store/kv/pgtest), with a load balancer in front of them that the
// browsers use: balancer, a reverse proxy in the test process standing in
// for HAProxy or nginx. It sends each page or action request to the next
// process in turn, with no stickiness, so a session signed in on one
// process, a form (its CSRF and idempotency tokens) rendered by one, and a
// cache filled by one are used on the other by the very next request. The
// assets (/static/…) take turns of their own, so that a page's stylesheet
// or script cannot shift which process gets the page requests.
//
// Every browser test checks at its end that both processes answered some
// of its requests and that none failed (newBrowserFor); TestMain checks
// the same of the whole run and runs `portal check` on the database.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dealerportal/store/kv/pgtest"
)

// balancer is the suite's load balancer on PostgreSQL (see above).
type balancer struct {
	procs    []*url.URL
	pages    atomic.Uint64 // the next page or action request's turn
	assets   atomic.Uint64 // the next asset request's turn
	answered []atomic.Int64
	failed   []atomic.Int64
	mu       sync.Mutex
	lastErr  []string // per process: the last request it failed, and why
	srv      *http.Server
	// base is the URL the browsers use (http://127.0.0.1:port).
	base string
}

// procKey carries the chosen process from Rewrite to the response.
type procKey struct{}

// newBalancer listens on a free loopback port and spreads requests over
// the processes at bases, in turn.
func newBalancer(bases []string) (*balancer, error) {
	b := &balancer{answered: make([]atomic.Int64, len(bases)), failed: make([]atomic.Int64, len(bases)), lastErr: make([]string, len(bases))}
	for _, s := range bases {
		u, err := url.Parse(s)
		if err != nil {
			return nil, err
		}
		b.procs = append(b.procs, u)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			turn := &b.pages
			if isAsset(pr.In.URL.Path) {
				turn = &b.assets
			}
			i := int((turn.Add(1) - 1) % uint64(len(b.procs)))
			pr.SetURL(b.procs[i])
			pr.Out.Host = pr.In.Host // as a load balancer does: the portal sees the address the browser used
			pr.SetXForwarded()
			pr.Out = pr.Out.WithContext(context.WithValue(pr.Out.Context(), procKey{}, i))
		},
		ModifyResponse: func(res *http.Response) error {
			if i, ok := res.Request.Context().Value(procKey{}).(int); ok && !isAsset(res.Request.URL.Path) {
				b.answered[i].Add(1)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
				return // the browser went away (a navigation cut a request short)
			}
			if i, ok := r.Context().Value(procKey{}).(int); ok {
				b.failed[i].Add(1)
				b.mu.Lock()
				b.lastErr[i] = fmt.Sprintf("%s %s: %v", r.Method, r.URL.Path, err)
				b.mu.Unlock()
			}
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b.base = "http://" + ln.Addr().String()
	b.srv = &http.Server{Handler: proxy, ReadHeaderTimeout: 30 * time.Second}
	go b.srv.Serve(ln)
	return b, nil
}

// isAsset reports whether path is a static file (stylesheet, script,
// icons, images), which takes turns of its own.
func isAsset(path string) bool {
	return strings.HasPrefix(path, "/static/") || strings.HasPrefix(path, "/img/") || path == "/favicon.ico"
}

// counts returns how many page and action requests each process has
// answered so far.
func (b *balancer) counts() []int64 {
	out := make([]int64, len(b.answered))
	for i := range b.answered {
		out[i] = b.answered[i].Load()
	}
	return out
}

// failures returns how many requests each process failed (no answer).
func (b *balancer) failures() []int64 {
	out := make([]int64, len(b.failed))
	for i := range b.failed {
		out[i] = b.failed[i].Load()
	}
	return out
}

// checkSpread says what is wrong with the requests since the counts
// before (nil: every process answered some, none failed): a run where one
// process got none tested nothing across processes.
func (b *balancer) checkSpread(before, failedBefore []int64) error {
	now, failed := b.counts(), b.failures()
	var problems []string
	for i := range now {
		if now[i] == before[i] {
			problems = append(problems, fmt.Sprintf("process %d answered none of the %d page and action requests", i+1, sum(now)-sum(before)))
		}
		if n := failed[i] - failedBefore[i]; n > 0 {
			b.mu.Lock()
			last := b.lastErr[i]
			b.mu.Unlock()
			problems = append(problems, fmt.Sprintf("process %d failed %d requests (the last: %s)", i+1, n, last))
		}
	}
	if problems != nil {
		return errors.New("balancer: " + strings.Join(problems, "; "))
	}
	return nil
}

func sum(xs []int64) int64 {
	var n int64
	for _, x := range xs {
		n += x
	}
	return n
}

// close stops listening and drops the connections to the processes, so
// that they stop at once when told to.
func (b *balancer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b.srv.Shutdown(ctx)
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

// suiteBalancer is the balancer of the suite's portals on PostgreSQL (nil
// on bbolt, where the browsers talk to the one process).
var suiteBalancer *balancer

// pgPortalCount is how many portal processes serve the suite's enterprise
// on PostgreSQL.
const pgPortalCount = 2

// startPostgresPortals starts the suite's enterprise on PostgreSQL: a
// private cluster, the portal processes on its database (the first seeds
// the demo data; the others start when it is ready, finding them), and
// the balancer in front of them, which becomes baseURL. stop checks the
// run (both processes answered, `portal check` clean; its error says what
// failed) and stops everything. errNoCluster wraps the reason there is no
// cluster.
func startPostgresPortals(bin string) (stop func(ran bool) error, err error) {
	dsn, stopCluster, err := pgtest.Start()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoCluster, err)
	}
	var procs []*portalProc
	stopAll := func() error {
		var errs []error
		for i, p := range procs {
			if err := p.stop(); err != nil {
				errs = append(errs, fmt.Errorf("process %d: %w", i+1, err))
			}
		}
		stopCluster()
		return errors.Join(errs...)
	}
	var bases []string
	for range pgPortalCount {
		p, err := launchPortal(bin, dsn)
		if err == nil {
			procs = append(procs, p)
			err = waitReady(p.base)
		}
		if err != nil {
			stopAll()
			return nil, err
		}
		bases = append(bases, p.base)
	}
	lb, err := newBalancer(bases)
	if err != nil {
		stopAll()
		return nil, err
	}
	suiteBalancer, baseURL = lb, lb.base
	zero := make([]int64, len(bases))
	return func(ran bool) error {
		lb.close()
		var errs []error
		counts := lb.counts()
		fmt.Fprintf(os.Stderr, "e2e on PostgreSQL: %d portal processes behind the balancer answered %v page and action requests\n", len(bases), counts)
		if ran {
			if err := lb.checkSpread(zero, zero); err != nil {
				errs = append(errs, err)
			}
			out, err := exec.Command(bin, "check", "--db", dsn).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "no problems found") {
				errs = append(errs, fmt.Errorf("portal check after the browser tests: %v\n%s", err, out))
			}
		}
		if err := stopAll(); err != nil {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}, nil
}

// errNoCluster: PostgreSQL's binaries are missing, or the cluster did not
// start.
var errNoCluster = errors.New("no private PostgreSQL cluster")

// waitReady waits until the portal at base reports ready (/readyz: the
// database answered and its workers run).
func waitReady(base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", res.StatusCode)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("portal at %s not ready within 30 s: %v", base, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBalancerSpreads: page and action requests go to the processes in
// turn, assets take turns of their own; checkSpread fails when a process
// answered none of a run's requests, and when one failed a request.
func TestBalancerSpreads(t *testing.T) {
	var bases []string
	var servers []*httptest.Server
	for i := range 2 {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%d %s", i+1, r.Host)
		}))
		t.Cleanup(srv.Close)
		servers = append(servers, srv)
		bases = append(bases, srv.URL)
	}
	lb, err := newBalancer(bases)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lb.close)
	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(lb.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	zero := []int64{0, 0}
	host := strings.TrimPrefix(lb.base, "http://")

	_, first := get("/orders")
	if err := lb.checkSpread(zero, zero); err == nil {
		t.Fatal("checkSpread passed after one request, which only one process can have answered")
	}
	var got []string
	for _, p := range []string{"/orders/1", "/static/app.css", "/cart", "/static/htmx.js", "/login"} {
		_, body := get(p)
		got = append(got, strings.Fields(body)[0])
		if !strings.HasSuffix(body, " "+host) {
			t.Errorf("%s: the process saw host %q, want the balancer's %s", p, body, host)
		}
	}
	// Pages: first, then the other, then first again; assets 1, 2.
	other := map[string]string{"1": "2", "2": "1"}[strings.Fields(first)[0]]
	if want := []string{other, "1", strings.Fields(first)[0], "2", other}; !slices.Equal(got, want) {
		t.Fatalf("processes %v, want %v (the first page went to %s)", got, want, first)
	}
	if c := lb.counts(); !slices.Equal(c, []int64{2, 2}) {
		t.Fatalf("counts %v, want [2 2] (assets not counted)", c)
	}
	if err := lb.checkSpread(zero, zero); err != nil {
		t.Fatal(err)
	}

	// A process that stops answering: its requests fail (502), and the
	// check says so.
	before, failedBefore := lb.counts(), lb.failures()
	servers[0].Close()
	codes := map[int]int{}
	for range 4 {
		st, _ := get("/orders")
		codes[st]++
	}
	if codes[http.StatusBadGateway] != 2 || codes[http.StatusOK] != 2 {
		t.Fatalf("statuses %v, want two 502 and two 200", codes)
	}
	err = lb.checkSpread(before, failedBefore)
	if err == nil || !strings.Contains(err.Error(), "process 1 answered none") || !strings.Contains(err.Error(), "process 1 failed 2 requests") {
		t.Fatalf("checkSpread after process 1 stopped: %v", err)
	}
}
