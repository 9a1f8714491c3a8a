// Package e2e drives the real portal binary with headless Chromium: the
// binary is built once, started on a fresh database with the demo data, and
// every test opens its own browser context (own cookies) in one shared
// browser. Without Chromium the browser tests skip, except under CI=true
// where they fail: CI must run them. Tests that need no browser (the
// crash-safety test) run either way, on the same binary (portalBin).
//
// With PORTAL_TEST_BACKEND=postgres the enterprise lives on a private
// PostgreSQL cluster instead, served by two portal processes behind a load
// balancer (balancer_test.go), and only the journeys through the store run;
// the others skip there (bboltOnly), saying why.
package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dealerportal/store/kv/pgtest"

	"github.com/chromedp/chromedp"
)

var (
	baseURL    string
	browserCtx context.Context
	skipReason string
	// browserRequired: CI=true without Chromium fails the browser tests.
	browserRequired bool
	// portalBin is the binary built for the package, for tests that start
	// their own portal (crash_test.go).
	portalBin string
	// portalClock is the portals' clock: the wall clock, or, when
	// PORTAL_CLOCK pins it (e.g. PORTAL_CLOCK=2026-05-31T23:59:00+08:00),
	// a clock that started at that instant with the tests and runs on.
	// startPortal hands each portal its current reading, so the tests'
	// dates and the portal's agree.
	portalClock = time.Now
	// browserTests counts the browsers opened: the checks of the run on
	// PostgreSQL are made when some test used the portals.
	browserTests atomic.Int64
)

// bboltOnly skips t in the PostgreSQL pass (PORTAL_TEST_BACKEND=postgres),
// saying why: the browser suite runs on PostgreSQL only the journeys that
// take the store end to end, so that the pass stays short
// (docs/POSTGRES.md#tests); why names what covers the rest there.
func bboltOnly(t *testing.T, why string) {
	t.Helper()
	if pgtest.Selected() {
		t.Skip("in the bbolt pass only: " + why)
	}
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if v := os.Getenv("PORTAL_CLOCK"); v != "" {
		start, err := time.Parse(time.RFC3339, v)
		if err != nil {
			fmt.Fprintln(os.Stderr, "PORTAL_CLOCK:", err)
			return 1
		}
		offset := time.Until(start)
		portalClock = func() time.Time { return time.Now().Add(offset) }
	}
	tmp, err := os.MkdirTemp("", "portal-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "portal")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build:", err)
		return 1
	}
	portalBin = bin
	chrome := findChromium()
	if chrome == "" {
		// Only the browser tests need Chromium (newBrowser skips them, or
		// fails them under CI=true); the HTTP-only tests (crash_test.go) run.
		skipReason = "Chromium not installed (scripts/test installs it as root)"
		browserRequired = os.Getenv("CI") == "true"
		return m.Run()
	}
	if pgtest.Selected() {
		stop, err := startPostgresPortals(bin)
		if errors.Is(err, errNoCluster) {
			// As without Chromium: the browser tests skip, or fail under
			// CI=true, which installs PostgreSQL.
			skipReason = err.Error() + " (install Debian's postgresql package, or set PGBIN)"
			browserRequired = os.Getenv("CI") == "true"
			return m.Run()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		// The browser is gone when runBrowser returns; then the run is
		// checked and the portals and the cluster stop.
		code := runBrowser(m, chrome, tmp)
		if err := stop(code == 0 && browserTests.Load() > 0); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			code = 1
		}
		return code
	}
	stop, err := startPortal(bin, filepath.Join(tmp, "data", "portal.db"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer stop()
	return runBrowser(m, chrome, tmp)
}

// runBrowser starts the shared Chromium and runs the tests.
func runBrowser(m *testing.M, chrome, tmp string) int {
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chrome),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(filepath.Join(tmp, "chrome")), chromedp.Env("TMPDIR="+tmp),
		chromedp.WindowSize(1280, 900))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Navigate("about:blank")); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start browser:", err)
		return 1
	}
	browserCtx = ctx
	return m.Run()
}

// startPortal runs the binary on a free loopback port with demo data, waits
// until it answers and makes it the tests' portal (baseURL).
func startPortal(bin, db string) (func(), error) {
	p, err := launchPortal(bin, db)
	if err != nil {
		return nil, err
	}
	baseURL = p.base
	return func() { p.stop() }, nil
}

// portalProc is one running portal binary.
type portalProc struct {
	// base is its URL (http://127.0.0.1:port).
	base string
	cmd  *exec.Cmd
	done chan struct{}
}

// launchPortal runs the binary on a free loopback port with demo data
// (a new file gets them) and waits until it answers. A test that must stop
// its portal (to check the file) starts its own this way and points its
// browsers at p.base.
func launchPortal(bin, db string) (*portalProc, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--addr", addr, "--db", db)
	cmd.Env = append(os.Environ(), "PORTAL_LOG_JSON=1")
	if os.Getenv("PORTAL_CLOCK") != "" {
		cmd.Env = append(cmd.Env, "PORTAL_CLOCK="+portalClock().Format(time.RFC3339Nano))
	}
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			if os.Getenv("E2E_VERBOSE") != "" {
				fmt.Fprintln(os.Stderr, s.Text())
			}
		}
	}()
	p := &portalProc{base: "http://" + addr, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(p.base + "/healthz")
		if err == nil {
			res.Body.Close()
			return p, nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-p.done
			return nil, fmt.Errorf("portal did not start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop shuts the portal down as an operator would (SIGINT) and waits for
// it to exit: it gives the requests in flight 30 seconds, so after 40 it is
// killed. The error says why it did not exit cleanly.
func (p *portalProc) stop() error {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		return errors.New("portal did not stop within 40 s of SIGINT: killed")
	}
	if st := p.cmd.ProcessState; !st.Success() {
		return fmt.Errorf("portal exited with %v", st)
	}
	return nil
}

// browser is one user's browser: its own context, so its own cookies.
type browser struct {
	t   *testing.T
	ctx context.Context
	// base is the URL of the portal it opens pages of: baseURL, or a
	// test's own portal (launchPortal).
	base string
	// tab is the browser context's own context, without the test's
	// deadline (see close).
	tab context.Context
	// before is the URL when the page was last marked (see mark): the URL
	// waits accept only another one.
	before string
}

// newBrowser opens a fresh browser context (like a private window) for a
// test, whose actions together may take two minutes on a busy machine.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	return newBrowserFor(t, 2*time.Minute)
}

// newBrowserFor is newBrowser for a flow that may take up to d: a long
// chain takes two users through some forty pages.
func newBrowserFor(t *testing.T, d time.Duration) *browser {
	t.Helper()
	if skipReason != "" {
		if browserRequired {
			t.Fatal("e2e: " + skipReason + ", and CI=true: the browser tests must run")
		}
		t.Skip(skipReason)
	}
	browserTests.Add(1)
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if lb := suiteBalancer; lb != nil {
		// Both processes must have answered some of the test's requests
		// (through any of its browsers), and neither failed one.
		answered, failed := lb.counts(), lb.failures()
		t.Cleanup(func() {
			if !t.Failed() && !t.Skipped() {
				if err := lb.checkSpread(answered, failed); err != nil {
					t.Error(err)
				}
			}
		})
	}
	// Open the target now, then bound the test's actions.
	if _, err := chromedp.Run(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	tctx, tcancel := context.WithTimeout(ctx, d)
	t.Cleanup(tcancel)
	b := &browser{t: t, ctx: tctx, base: baseURL, tab: ctx}
	t.Cleanup(func() {
		if t.Failed() {
			b.screenshot("failure-" + strings.ReplaceAll(t.Name(), "/", "_"))
		}
	})
	return b
}

// close closes the browser context and waits until it is gone, with the
// connections it kept open: a test that stops its own portal closes its
// browsers first, since a connection Chromium opened ahead of need (and
// never used) holds the portal's graceful stop for its full 30 seconds.
func (b *browser) close() {
	b.t.Helper()
	if err := chromedp.Cancel(b.tab); err != nil && !errors.Is(err, context.Canceled) {
		b.t.Logf("close the browser: %v", err)
	}
}

// run performs actions and fails the test on error.
func (b *browser) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// open navigates to path and waits for the page to load: everything on it
// is then new (see mark).
func (b *browser) open(path string) {
	b.t.Helper()
	b.before = ""
	b.run(chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("body")))
}

// text returns the visible text of the first element matching css.
func (b *browser) text(css string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("text %s: %v", css, err)
	}
	return s
}

// login fills the login form and waits for the home page.
func (b *browser) login(username, password string) {
	b.t.Helper()
	b.open("/login")
	b.act(
		chromedp.SendKeys(chromedp.CSS("#f-username"), username),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS("form[action='/login'] button[type=submit]")),
	)
	b.waitPage("/")
	b.waitCount("#nav", 1)
}

// screenshot saves a full-page PNG under e2e/screenshots (failures) or, with
// UPDATE_SCREENSHOTS=1, under docs/screenshots for the README.
func (b *browser) screenshot(name string) {
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return
	}
	dir := "screenshots"
	if os.Getenv("UPDATE_SCREENSHOTS") == "1" && !strings.HasPrefix(name, "failure-") {
		dir = filepath.Join("..", "docs", "screenshots")
	} else if !strings.HasPrefix(name, "failure-") {
		return
	}
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
}
