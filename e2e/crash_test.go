package e2e

// The crash-safety test (no browser needed), on each backend: the real
// binary serves a generated dataset while 64 dealer sessions submit online
// orders over HTTP, and a portal process is killed with SIGKILL at a random
// moment.
//
//   - bbolt: one process on a file. Traffic stops at the kill, the integrity
//     check runs on the file as the crash left it, the server restarts.
//   - postgres: two processes on one database of a private PostgreSQL
//     cluster (store/kv/pgtest), on two loopback ports, the dealers' sessions
//     spread over both. One of them, chosen at random, is killed while the
//     other serves on: each session of the dead process goes on through the
//     other one (sessions are records in the database), posting the request
//     the kill cut again there, and every one of them must get an order
//     acknowledged there before the traffic stops. The integrity check runs
//     while the survivor is up, then the dead process restarts, and the
//     checks below go through alternating processes, so that an order taken
//     by one is read and replayed through the other.
//
// Every order a server acknowledged must be there exactly once. Each
// dealer's request that was in flight at the kill is posted again with the
// same _idem token: it must give one order, the stored one if the lost
// answer had been committed, and posting it once more must give that same
// order again.
//
//	go test ./e2e -run Crash                          # CI: 5 loops on bbolt, 4 on PostgreSQL
//	go test ./e2e -run Crash/postgres                 # one backend
//	CRASH_LOOPS=100 go test ./e2e -run Crash -timeout 60m
//
// Other knobs: CRASH_SESSIONS (64), CRASH_SEED (random; printed),
// CRASH_CUSTOMERS / CRASH_PRODUCTS / CRASH_ENTRIES (200 / 400 / 200).
// Without PostgreSQL's binaries the postgres half skips, except under
// CI=true, where it fails.

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

// runCheck runs `portal check` on the database: a bbolt file whose server
// is stopped, or PostgreSQL, also while a process serves it.
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
	home   int // the process it logged in on
	at     int // the process its requests go to now

	baseline map[uint64]bool   // orders present before the test
	byToken  map[string]uint64 // _idem token → the order it made
	owner    map[uint64]string // order → its token
	acked    []string          // tokens acknowledged in the current loop
	inFlight url.Values        // the submit that had no answer when its process died
}

// crashRun is the state shared by the test's helpers: the base URLs of the
// portal processes, and the current loop's counts.
type crashRun struct {
	t     *testing.T
	bases []string

	inFlight, committedUnacked atomic.Int64
}

// errTransport marks a request that got no answer (its process is gone).
var errTransport = errors.New("no answer")

func (r *crashRun) get(d *crashDealer, path string) (int, string, error) {
	res, err := d.client.Get(r.bases[d.at] + path)
	if err != nil {
		return 0, "", fmt.Errorf("%w: %v", errTransport, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, "", fmt.Errorf("%w: %v", errTransport, err)
	}
	return res.StatusCode, string(body), nil
}

// post sends a form; for a 303 the location is returned as body.
func (r *crashRun) post(d *crashDealer, path string, form url.Values) (int, string, error) {
	res, err := d.client.PostForm(r.bases[d.at]+path, form)
	if err != nil {
		return 0, "", fmt.Errorf("%w: %v", errTransport, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusSeeOther {
		return res.StatusCode, res.Header.Get("Location"), nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("%w: %v", errTransport, err)
	}
	return res.StatusCode, string(body), nil
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
func (r *crashRun) submit(d *crashDealer, form url.Values) (uint64, error) {
	st, loc, err := r.post(d, "/online-orders", form)
	if err != nil {
		return 0, err
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

// resolve posts the dealer's submit that lost its answer again, same form
// and token, through the process the dealer uses now: it must give one
// order that no other token made (the stored one when only the answer was
// lost), and posting it once more must give that order again.
func (r *crashRun) resolve(d *crashDealer) error {
	listed, err := r.listOrders(d)
	if err != nil {
		return fmt.Errorf("%s: %v", d.user, err)
	}
	tok := d.inFlight.Get("_idem")
	id, err := r.submit(d, d.inFlight)
	if err != nil {
		return fmt.Errorf("%s: re-posting in-flight token %s through process %d: %v", d.user, tok, d.at, err)
	}
	if prev, ok := d.owner[id]; ok {
		return fmt.Errorf("%s: in-flight token %s answered with order %d of token %s", d.user, tok, id, prev)
	}
	if listed[id] {
		r.committedUnacked.Add(1) // the answer was lost, the order was not
	}
	again, err := r.submit(d, d.inFlight)
	if err != nil || again != id {
		return fmt.Errorf("%s: in-flight token %s posted twice: orders %d and %d (%v)", d.user, tok, id, again, err)
	}
	d.byToken[tok], d.owner[id] = id, tok
	d.inFlight = nil
	r.inFlight.Add(1)
	return nil
}

// verify checks a dealer's orders after a loop: its list holds exactly the
// baseline and the orders of its tokens, this loop's acknowledged orders
// open with their own remark, and a replay of an acknowledged token gives
// the same order.
func (r *crashRun) verify(d *crashDealer) error {
	listed, err := r.listOrders(d)
	if err != nil {
		return fmt.Errorf("%s: %v", d.user, err)
	}
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
}

// crashBackend is where the test keeps the enterprise and how many portal
// processes serve it.
type crashBackend struct {
	name  string
	db    string // a bbolt file or a postgres:// URL
	procs int
	loops int // CRASH_LOOPS' default
}

// crashFleet is the portal processes of a run, each on its own loopback
// port, kept across restarts.
type crashFleet struct {
	t     *testing.T
	db    string
	addrs []string
	logs  []*tailBuffer
	srv   []*crashServer // nil while that process is down
}

func newCrashFleet(t *testing.T, db string, n int) *crashFleet {
	f := &crashFleet{t: t, db: db, srv: make([]*crashServer, n)}
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		f.addrs = append(f.addrs, ln.Addr().String())
		ln.Close()
		f.logs = append(f.logs, &tailBuffer{})
	}
	return f
}

func (f *crashFleet) start(i int) { f.srv[i] = startCrashServer(f.t, f.db, f.addrs[i], f.logs[i]) }

func (f *crashFleet) kill(i int) {
	if f.srv[i] != nil {
		f.srv[i].kill()
		f.srv[i] = nil
	}
}

func (f *crashFleet) killAll() {
	for i := range f.srv {
		f.kill(i)
	}
}

func (f *crashFleet) bases() []string {
	var out []string
	for _, a := range f.addrs {
		out = append(out, "http://"+a)
	}
	return out
}

func TestCrashSafety(t *testing.T) {
	bboltOnly(t, "it runs on both backends in the bbolt pass already, two processes on a cluster of its own for PostgreSQL")
	if portalBin == "" {
		t.Skip("portal binary not built")
	}
	t.Run("bbolt", func(t *testing.T) {
		runCrash(t, crashBackend{name: "bbolt", db: filepath.Join(t.TempDir(), "portal.db"), procs: 1, loops: 5})
	})
	t.Run("postgres", func(t *testing.T) {
		runCrash(t, crashBackend{name: "postgres", db: crashPostgres(t), procs: 2, loops: 4})
	})
}

func runCrash(t *testing.T, b crashBackend) {
	start := time.Now()
	loops := envInt("CRASH_LOOPS", b.loops)
	nSessions := envInt("CRASH_SESSIONS", 64)
	seed := uint64(envInt("CRASH_SEED", int(time.Now().UnixNano()%1_000_000_000)))
	rng := mrand.New(mrand.NewPCG(seed, 7))
	t.Logf("%s, %d portal process(es): CRASH_LOOPS=%d CRASH_SESSIONS=%d CRASH_SEED=%d", b.name, b.procs, loops, nSessions, seed)

	customers := envInt("CRASH_CUSTOMERS", 200)
	if customers < nSessions {
		t.Fatalf("CRASH_CUSTOMERS (%d) must be at least CRASH_SESSIONS (%d)", customers, nSessions)
	}
	gen := exec.Command(portalBin, "demo", "--db", b.db, "--customers", strconv.Itoa(customers),
		"--products", strconv.Itoa(envInt("CRASH_PRODUCTS", 400)), "--entries", strconv.Itoa(envInt("CRASH_ENTRIES", 200)),
		"--users", "2", "--seed", "1")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("portal demo: %v\n%s", err, out)
	}

	fleet := newCrashFleet(t, b.db, b.procs)
	defer func() {
		fleet.killAll()
		if t.Failed() {
			for i, l := range fleet.logs {
				t.Logf("process %d log tail:\n%s", i, l)
			}
		}
	}()
	for i := range b.procs {
		fleet.start(i)
	}

	tr := &http.Transport{MaxIdleConns: 2 * nSessions, MaxIdleConnsPerHost: 2 * nSessions, IdleConnTimeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	r := &crashRun{t: t, bases: fleet.bases()}
	dealers := make([]*crashDealer, nSessions)
	for i := range dealers {
		dealers[i] = &crashDealer{user: fmt.Sprintf("c%04d.buyer", i+1), client: newCrashClient(tr),
			home: i % b.procs, at: i % b.procs, byToken: map[string]uint64{}, owner: map[uint64]string{}}
	}
	// Log in and prepare each session (8 at a time: password hashing is slow
	// on purpose), each on its home process.
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

	var totalAcked, totalInFlight, totalCommittedUnacked, totalMoved int
	done := 0
	for loop := 1; loop <= loops && !t.Failed(); loop++ {
		if dl, ok := t.Deadline(); ok && time.Until(dl) < 2*time.Minute {
			t.Logf("stopping after %d loops: the test deadline is near (raise -timeout)", done)
			break
		}
		// The process to kill, and the one its sessions move to (none with
		// one process: they wait for its restart).
		victim, survivor := rng.IntN(b.procs), -1
		if b.procs > 1 {
			survivor = (victim + 1 + rng.IntN(b.procs-1)) % b.procs
		}
		moving := 0
		for _, d := range dealers {
			if d.at == victim {
				moving++
			}
		}
		r.inFlight.Store(0)
		r.committedUnacked.Store(0)
		// Traffic: every session submits orders one after another. On the
		// killed process a session stops (one process) or moves to the
		// survivor, resolves its cut request there and goes on.
		var acked atomic.Int64
		var dying atomic.Bool // set just before the kill: from then on, the victim's requests may get no answer
		var wg sync.WaitGroup
		ctx, stopTraffic := context.WithCancel(context.Background())
		errs := make(chan error, nSessions)
		moved := make(chan struct{}, nSessions) // a moved session got an order acknowledged by the survivor
		for _, d := range dealers {
			d.acked, d.inFlight = nil, nil
			wg.Add(1)
			go func() {
				defer wg.Done()
				wasMoved := false
				for ctx.Err() == nil {
					form, err := r.orderForm(d)
					var id uint64
					if err == nil {
						id, err = r.submit(d, form)
						if errors.Is(err, errTransport) {
							d.inFlight = form
						}
					}
					if errors.Is(err, errTransport) {
						if !dying.Load() || d.at != victim {
							errs <- fmt.Errorf("%s: no answer from process %d, which was not killed: %v", d.user, d.at, err)
							return
						}
						if survivor < 0 {
							return // resolved after the restart
						}
						d.at, wasMoved = survivor, true
						if d.inFlight != nil {
							if err := r.resolve(d); err != nil {
								errs <- err
								return
							}
						}
						continue
					}
					if err != nil {
						errs <- fmt.Errorf("%s: %v", d.user, err)
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
					if wasMoved {
						moved <- struct{}{}
						wasMoved = false
					}
				}
			}()
		}
		abort := func(format string, args ...any) {
			stopTraffic()
			fleet.killAll()
			wg.Wait()
			t.Fatalf("loop %d: "+format, append([]any{loop}, args...)...)
		}
		delay := time.Duration(150+rng.IntN(1350)) * time.Millisecond
		select {
		case err := <-errs:
			abort("before the kill: %v", err)
		case <-time.After(delay):
		}
		if survivor < 0 {
			stopTraffic() // one process: the traffic ends with it
		}
		dying.Store(true)
		fleet.kill(victim)
		if survivor >= 0 {
			// Every session of the dead process must get an order
			// acknowledged by the survivor before the traffic stops.
			deadline := time.After(2 * time.Minute)
			for n := 0; n < moving; n++ {
				select {
				case <-moved:
				case err := <-errs:
					abort("after the kill of process %d: %v", victim, err)
				case <-deadline:
					abort("%d of %d sessions of the killed process %d got no order acknowledged by process %d within 2 minutes", moving-n, moving, victim, survivor)
				}
			}
			stopTraffic()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("loop %d: %v", loop, err)
		}
		if t.Failed() {
			return
		}
		when := fmt.Sprintf("after the kill of loop %d", loop)
		if survivor >= 0 {
			when += fmt.Sprintf(", process %d serving", survivor)
		}
		runCheck(t, b.db, when)

		fleet.start(victim)
		// The checks go through alternating processes: an order one took is
		// read and replayed through another.
		parallel(8, dealers, func(d *crashDealer) error {
			d.at = (d.home + loop) % b.procs
			if d.inFlight != nil {
				if err := r.resolve(d); err != nil {
					return err
				}
			}
			return r.verify(d)
		}, t)
		totalAcked += int(acked.Load())
		totalInFlight += int(r.inFlight.Load())
		totalCommittedUnacked += int(r.committedUnacked.Load())
		done = loop
		how := "restarted"
		if survivor >= 0 {
			how = fmt.Sprintf("its %d sessions went on through process %d, then it restarted", moving, survivor)
			totalMoved += moving
		}
		t.Logf("loop %d: process %d killed after %v, %s; %d orders acknowledged, %d in flight (%d of them committed before the kill), all present once",
			loop, victim, delay, how, acked.Load(), r.inFlight.Load(), r.committedUnacked.Load())
	}
	if t.Failed() {
		return
	}
	for i, s := range fleet.srv {
		s.stop(t)
		fleet.srv[i] = nil
	}
	runCheck(t, b.db, "at the end")
	t.Logf("%s: %d loops in %.1fs: %d acknowledged orders, %d in-flight submits resolved (%d had been committed), %d sessions moved to another process, integrity check clean",
		b.name, done, time.Since(start).Seconds(), totalAcked, totalInFlight, totalCommittedUnacked, totalMoved)
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
