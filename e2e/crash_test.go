package e2e

// The crash-safety test (no browser needed): the real binary serves a
// generated dataset while 64 dealer sessions submit online orders over HTTP;
// the server is killed with SIGKILL at a random moment, the integrity check
// runs on the file as the crash left it, the server restarts, and every
// order the server acknowledged must be there exactly once. Each dealer's
// request that was in flight at the kill is posted again with the same _idem
// token: it must give one order, the stored one if the lost answer had been
// committed, and posting it once more must give that same order again.
//
//	go test ./e2e -run Crash                          # CI: 5 loops, well under 90 s
//	CRASH_LOOPS=100 go test ./e2e -run Crash -timeout 60m
//
// Other knobs: CRASH_SESSIONS (64), CRASH_SEED (random; printed),
// CRASH_CUSTOMERS / CRASH_PRODUCTS / CRASH_ENTRIES (200 / 400 / 200).

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// crashServer is one run of the portal binary on the test's database.
type crashServer struct {
	cmd  *exec.Cmd
	done chan struct{}
	log  *tailBuffer
}

// tailBuffer keeps the last 64 KiB the server printed, for failure reports.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - 64<<10; over > 0 {
		b.buf = append([]byte(nil), b.buf[over:]...)
	}
	if os.Getenv("E2E_VERBOSE") != "" {
		os.Stderr.Write(p)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// startCrashServer starts the binary on db at addr and waits for /readyz.
func startCrashServer(t *testing.T, db, addr string, logs *tailBuffer) *crashServer {
	t.Helper()
	cmd := exec.Command(portalBin, "--addr", addr, "--db", db)
	cmd.Env = append(os.Environ(), "PORTAL_LOG_JSON=1")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &crashServer{cmd: cmd, done: make(chan struct{}), log: logs}
	go func() { cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-s.done:
			t.Fatalf("portal exited at start: %v\n%s", cmd.ProcessState, logs)
		default:
		}
		if time.Now().After(deadline) {
			s.kill()
			t.Fatalf("portal not ready after 20 s: %v\n%s", err, logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *crashServer) kill() {
	s.cmd.Process.Kill()
	<-s.done
}

// stop shuts the server down gracefully (SIGINT).
func (s *crashServer) stop(t *testing.T) {
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.kill()
		t.Errorf("portal did not stop within 15 s of SIGINT")
	}
}

// runCheck runs `portal check` on the stopped server's database.
func runCheck(t *testing.T, db, when string) {
	t.Helper()
	out, err := exec.Command(portalBin, "check", "--db", db).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "no problems found") {
		t.Fatalf("portal check %s: %v\n%s", when, err, out)
	}
}

var (
	reCSRF     = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	reIdem     = regexp.MustCompile(`name="_idem" value="([^"]+)"`)
	reLocation = regexp.MustCompile(`<option value="(\d+)"`)
	reOrderRef = regexp.MustCompile(`href="/online-orders/(\d+)"`)
	reNext     = regexp.MustCompile(`<a href="([^"]+)"[^>]*rel="next"`)
	reItem     = regexp.MustCompile(`(?s)<li class="item-row">.*?aria-label="([^"]+)".*?<div class="small">(.*?)<span class="badge.*?<div class="price">([^<]*)</div>`)
	reNumber   = regexp.MustCompile(`\d+(?:\.\d+)?`)
)

// crashDealer is one dealer session and what the test expects of its
// customer's order list.
type crashDealer struct {
	user   string
	client *http.Client
	code   string // the product it orders
	qty    string

	baseline map[uint64]bool   // orders present before the test
	byToken  map[string]uint64 // _idem token → the order it made
	owner    map[uint64]string // order → its token
	acked    []string          // tokens acknowledged in the current loop
	inFlight url.Values        // the submit that had no answer when the server died
}

// crashRun is the state shared by the test's helpers.
type crashRun struct {
	t    *testing.T
	base string
}

func (r *crashRun) get(d *crashDealer, path string) (int, string, error) {
	res, err := d.client.Get(r.base + path)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, string(body), err
}

// post sends a form; for a 303 the location is returned as body.
func (r *crashRun) post(d *crashDealer, path string, form url.Values) (int, string, error) {
	res, err := d.client.PostForm(r.base+path, form)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusSeeOther {
		return res.StatusCode, res.Header.Get("Location"), nil
	}
	return res.StatusCode, string(body), err
}

func newCrashClient(tr http.RoundTripper) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar: jar, Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (r *crashRun) login(d *crashDealer) error {
	st, body, err := r.get(d, "/login")
	if err != nil || st != http.StatusOK {
		return fmt.Errorf("GET /login: %d %v", st, err)
	}
	m := reCSRF.FindStringSubmatch(body)
	if m == nil {
		return errors.New("no _csrf on the login page")
	}
	st, loc, err := r.post(d, "/login", url.Values{"username": {d.user}, "password": {demoPassword}, "_csrf": {html.UnescapeString(m[1])}})
	if err != nil || st != http.StatusSeeOther {
		return fmt.Errorf("POST /login as %s: %d %v %.300s", d.user, st, err, loc)
	}
	return nil
}

// pickProduct chooses the cheapest item of the first catalog page, preferring
// one without minimum quantity or multiple; with them, ordering
// min × multiple satisfies both.
func (r *crashRun) pickProduct(d *crashDealer) error {
	st, body, err := r.get(d, "/catalog?size=100&sort=code")
	if err != nil || st != http.StatusOK {
		return fmt.Errorf("GET /catalog: %d %v", st, err)
	}
	best, bestPlain := -1.0, false
	for _, m := range reItem.FindAllStringSubmatch(body, -1) {
		price, err := strconv.ParseFloat(strings.NewReplacer(",", "", "¥", "", " ", "").Replace(html.UnescapeString(m[3])), 64)
		if err != nil {
			continue
		}
		nums := reNumber.FindAllString(m[2], -1)
		plain := len(nums) == 0
		qty := 1.0
		for _, n := range nums {
			f, _ := strconv.ParseFloat(n, 64)
			qty *= f
		}
		if (plain && !bestPlain) || (plain == bestPlain && (best < 0 || price*qty < best)) {
			best, bestPlain = price*qty, plain
			d.code, d.qty = html.UnescapeString(m[1]), strconv.FormatFloat(qty, 'f', -1, 64)
		}
	}
	if d.code == "" { // the page changed shape: the first item, one unit
		if m := regexp.MustCompile(`name="ids" value="\d+" aria-label="([^"]+)"`).FindStringSubmatch(body); m != nil {
			d.code, d.qty = html.UnescapeString(m[1]), "1"
		}
	}
	if d.code == "" {
		return fmt.Errorf("%s: no orderable item on the catalog page", d.user)
	}
	return nil
}

// orderForm opens a new online order form and fills it.
func (r *crashRun) orderForm(d *crashDealer) (url.Values, error) {
	st, body, err := r.get(d, "/online-orders/new")
	if err != nil {
		return nil, err
	}
	if st != http.StatusOK {
		return nil, fmt.Errorf("GET /online-orders/new: %d %.300s", st, body)
	}
	csrf, idem, loc := reCSRF.FindStringSubmatch(body), reIdem.FindStringSubmatch(body), reLocation.FindStringSubmatch(body)
	if csrf == nil || idem == nil || loc == nil {
		return nil, errors.New("the order form lacks _csrf, _idem or a location")
	}
	tok := html.UnescapeString(idem[1])
	return url.Values{
		"_csrf": {html.UnescapeString(csrf[1])}, "_idem": {tok}, "location": {loc[1]},
		"line.0.code": {d.code}, "line.0.qty": {d.qty}, "remarks": {"crash " + tok},
		"action": {"submit"},
	}, nil
}

// submit posts the form: the order id on 303, errTransport when no answer came.
var errTransport = errors.New("no answer")

func (r *crashRun) submit(d *crashDealer, form url.Values) (uint64, error) {
	st, loc, err := r.post(d, "/online-orders", form)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errTransport, err)
	}
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/online-orders/") {
		return 0, fmt.Errorf("submit as %s: status %d, %.500s", d.user, st, loc)
	}
	id, err := strconv.ParseUint(strings.TrimPrefix(loc, "/online-orders/"), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("submit as %s: redirect to %q", d.user, loc)
	}
	return id, nil
}

// listOrders reads every page of the dealer's online order list.
func (r *crashRun) listOrders(d *crashDealer) (map[uint64]bool, error) {
	ids := map[uint64]bool{}
	path := "/online-orders?size=100"
	for pages := 0; path != ""; pages++ {
		if pages > 10000 {
			return nil, errors.New("the order list does not end")
		}
		st, body, err := r.get(d, path)
		if err != nil || st != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %d %v", path, st, err)
		}
		seen := map[uint64]bool{}
		for _, m := range reOrderRef.FindAllStringSubmatch(body, -1) {
			id, _ := strconv.ParseUint(m[1], 10, 64)
			if ids[id] && !seen[id] {
				return nil, fmt.Errorf("order %d listed on two pages", id)
			}
			seen[id], ids[id] = true, true
		}
		path = ""
		if m := reNext.FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	return ids, nil
}

func TestCrashSafety(t *testing.T) {
	if portalBin == "" {
		t.Skip("portal binary not built")
	}
	start := time.Now()
	loops := envInt("CRASH_LOOPS", 5)
	nSessions := envInt("CRASH_SESSIONS", 64)
	seed := uint64(envInt("CRASH_SEED", int(time.Now().UnixNano()%1_000_000_000)))
	rng := mrand.New(mrand.NewPCG(seed, 7))
	t.Logf("CRASH_LOOPS=%d CRASH_SESSIONS=%d CRASH_SEED=%d", loops, nSessions, seed)

	dir := t.TempDir()
	db := filepath.Join(dir, "portal.db")
	customers := envInt("CRASH_CUSTOMERS", 200)
	if customers < nSessions {
		t.Fatalf("CRASH_CUSTOMERS (%d) must be at least CRASH_SESSIONS (%d)", customers, nSessions)
	}
	gen := exec.Command(portalBin, "demo", "--db", db, "--customers", strconv.Itoa(customers),
		"--products", strconv.Itoa(envInt("CRASH_PRODUCTS", 400)), "--entries", strconv.Itoa(envInt("CRASH_ENTRIES", 200)),
		"--users", "2", "--seed", "1")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("portal demo: %v\n%s", err, out)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logs := &tailBuffer{}
	srv := startCrashServer(t, db, addr, logs)
	defer func() {
		if srv != nil {
			srv.kill()
		}
		if t.Failed() {
			t.Logf("server log tail:\n%s", logs)
		}
	}()

	tr := &http.Transport{MaxIdleConns: 2 * nSessions, MaxIdleConnsPerHost: 2 * nSessions, IdleConnTimeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	r := &crashRun{t: t, base: "http://" + addr}
	dealers := make([]*crashDealer, nSessions)
	for i := range dealers {
		dealers[i] = &crashDealer{user: fmt.Sprintf("c%04d.buyer", i+1), client: newCrashClient(tr),
			byToken: map[string]uint64{}, owner: map[uint64]string{}}
	}
	// Log in and prepare each session (8 at a time: password hashing is slow
	// on purpose).
	parallel(8, dealers, func(d *crashDealer) error {
		if err := r.login(d); err != nil {
			return err
		}
		if err := r.pickProduct(d); err != nil {
			return err
		}
		var err error
		d.baseline, err = r.listOrders(d)
		return err
	}, t)
	if t.Failed() {
		return
	}
	t.Logf("%d sessions ready in %.1fs (e.g. %s orders %s × %s)", nSessions, time.Since(start).Seconds(), dealers[0].user, dealers[0].qty, dealers[0].code)

	var totalAcked, totalInFlight, totalCommittedUnacked int
	done := 0
	for loop := 1; loop <= loops && !t.Failed(); loop++ {
		if dl, ok := t.Deadline(); ok && time.Until(dl) < 2*time.Minute {
			t.Logf("stopping after %d loops: the test deadline is near (raise -timeout)", done)
			break
		}
		// Traffic: every session submits orders one after another until the
		// server dies under it.
		var acked atomic.Int64
		var wg sync.WaitGroup
		ctx, stopTraffic := context.WithCancel(context.Background())
		errs := make(chan error, nSessions)
		for _, d := range dealers {
			d.acked, d.inFlight = nil, nil
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					form, err := r.orderForm(d)
					if err != nil {
						if ctx.Err() == nil {
							errs <- fmt.Errorf("%s: %v", d.user, err)
						}
						return // the server is gone (or broken)
					}
					id, err := r.submit(d, form)
					if errors.Is(err, errTransport) {
						d.inFlight = form
						if ctx.Err() == nil {
							errs <- fmt.Errorf("%s: submit lost before the kill: %v", d.user, err)
						}
						return
					}
					if err != nil {
						errs <- err
						return
					}
					tok := form.Get("_idem")
					if prev, ok := d.owner[id]; ok {
						errs <- fmt.Errorf("%s: token %s answered with order %d of token %s", d.user, tok, id, prev)
						return
					}
					d.byToken[tok], d.owner[id] = id, tok
					d.acked = append(d.acked, tok)
					acked.Add(1)
				}
			}()
		}
		delay := time.Duration(150+rng.IntN(1350)) * time.Millisecond
		select {
		case err := <-errs:
			stopTraffic()
			srv.kill()
			srv = nil
			wg.Wait()
			t.Fatalf("loop %d before the kill: %v", loop, err)
		case <-time.After(delay):
		}
		stopTraffic() // errors from here on are the kill's
		srv.kill()
		srv = nil
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("loop %d: %v", loop, err)
		}
		if t.Failed() {
			return
		}
		runCheck(t, db, fmt.Sprintf("after the kill of loop %d", loop))

		srv = startCrashServer(t, db, addr, logs)
		var inFlight, committedUnacked atomic.Int64
		parallel(8, dealers, func(d *crashDealer) error {
			listed, err := r.listOrders(d)
			if err != nil {
				return err
			}
			// Resolve the request the crash cut: same form, same token.
			if d.inFlight != nil {
				inFlight.Add(1)
				tok := d.inFlight.Get("_idem")
				id, err := r.submit(d, d.inFlight)
				if err != nil {
					return fmt.Errorf("%s: re-posting in-flight token %s after restart: %v", d.user, tok, err)
				}
				if prev, ok := d.owner[id]; ok {
					return fmt.Errorf("%s: in-flight token %s answered with order %d of token %s", d.user, tok, id, prev)
				}
				if listed[id] {
					committedUnacked.Add(1) // the answer was lost, the order was not
				}
				again, err := r.submit(d, d.inFlight)
				if err != nil || again != id {
					return fmt.Errorf("%s: in-flight token %s posted twice after restart: orders %d and %d (%v)", d.user, tok, id, again, err)
				}
				d.byToken[tok], d.owner[id] = id, tok
				listed[id] = true
			}
			// The list holds exactly the baseline and the orders of the tokens.
			for id := range listed {
				if !d.baseline[id] && d.owner[id] == "" {
					_, body, _ := r.get(d, "/online-orders/"+strconv.FormatUint(id, 10))
					rem := regexp.MustCompile(`crash [0-9a-f]+`).FindString(body)
					return fmt.Errorf("%s: order %d is in the list but no submit made it (%q): a duplicate?", d.user, id, rem)
				}
			}
			for tok, id := range d.byToken {
				if !listed[id] {
					return fmt.Errorf("%s: acknowledged order %d (token %s) missing after the restart", d.user, id, tok)
				}
			}
			// This loop's acknowledged orders open, with their own remark;
			// a replay of an acknowledged token gives the same order.
			for _, tok := range d.acked {
				id := d.byToken[tok]
				st, body, err := r.get(d, "/online-orders/"+strconv.FormatUint(id, 10))
				if err != nil || st != http.StatusOK || !strings.Contains(body, "crash "+tok) || !strings.Contains(body, d.code) {
					return fmt.Errorf("%s: GET order %d (token %s): %d %v", d.user, id, tok, st, err)
				}
			}
			if n := len(d.acked); n > 0 {
				tok := d.acked[n-1]
				form, err := r.orderForm(d) // a fresh form, then the old token in it
				if err != nil {
					return err
				}
				form.Set("_idem", tok)
				form.Set("remarks", "crash "+tok)
				id, err := r.submit(d, form)
				if err != nil || id != d.byToken[tok] {
					return fmt.Errorf("%s: replay of acknowledged token %s: order %d, want %d (%v)", d.user, tok, id, d.byToken[tok], err)
				}
			}
			return nil
		}, t)
		totalAcked += int(acked.Load())
		totalInFlight += int(inFlight.Load())
		totalCommittedUnacked += int(committedUnacked.Load())
		done = loop
		t.Logf("loop %d: killed after %v, %d orders acknowledged, %d in flight (%d of them committed before the kill), all present once",
			loop, delay, acked.Load(), inFlight.Load(), committedUnacked.Load())
	}
	if t.Failed() {
		return
	}
	srv.stop(t)
	srv = nil
	runCheck(t, db, "at the end")
	t.Logf("%d loops in %.1fs: %d acknowledged orders, %d in-flight submits resolved (%d had been committed), integrity check clean",
		done, time.Since(start).Seconds(), totalAcked, totalInFlight, totalCommittedUnacked)
}

// parallel runs fn for every item, n at a time, reporting errors on t.
func parallel[T any](n int, items []T, fn func(T) error, t *testing.T) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, n)
	var mu sync.Mutex
	var errs []string
	for _, it := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(it); err != nil {
				mu.Lock()
				errs = append(errs, err.Error())
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(errs)
	for i, e := range errs {
		if i == 10 {
			t.Errorf("… and %d more", len(errs)-10)
			break
		}
		t.Error(e)
	}
}
