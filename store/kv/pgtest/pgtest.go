// Package pgtest gives a test binary a private PostgreSQL cluster: created
// with initdb in a temporary directory, listening only on a free loopback
// port and its own socket directory, started once by Main before the tests
// and stopped (and removed) after them. It never touches the system's
// cluster.
//
// The binaries are looked for in $PGBIN, then /usr/lib/postgresql/15/bin
// (Debian's postgresql package), then the newest other version there.
// When there are none the tests that ask for the cluster skip, saying so,
// except under CI=true, where they fail: CI installs PostgreSQL (.ci/run).
// Run as root, the cluster runs as the "postgres" user (PostgreSQL refuses
// to run as root).
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var (
	url     string // set by Main when the cluster is up
	missing string // why there is no cluster
	dbSeq   atomic.Int64
)

// Main starts the cluster, runs the tests and stops it; use it as the
// package's TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	c, err := start()
	if err != nil {
		missing = err.Error()
		return m.Run()
	}
	defer c.stop()
	url = c.url
	return m.Run()
}

// Start starts a private cluster for a test of its own, outside Main (the
// end-to-end crash test, whose package has a TestMain of its own): it
// returns the connection string of its postgres database and a function
// that stops it and removes its folder. The error says why there is none
// (no binaries, initdb failed…).
func Start() (string, func(), error) {
	c, err := start()
	if err != nil {
		return "", nil, err
	}
	return c.url, c.stop, nil
}

// URL returns the connection string of the private cluster's postgres
// database. Without a cluster it skips t, or fails it when CI=true.
func URL(t testing.TB) string {
	t.Helper()
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no private PostgreSQL cluster (CI=true): %s", missing)
		}
		t.Skipf("no private PostgreSQL cluster, PostgreSQL tests skip: %s (install Debian's postgresql package, or set PGBIN)", missing)
	}
	return url
}

// Schema returns a schema name unique in this test binary, for tests that
// each want an empty database.
func Schema() string {
	return fmt.Sprintf("t%d", dbSeq.Add(1))
}

type cluster struct {
	bin, dir, url string
	cred          *syscall.Credential
	proc          *os.Process
	exited        chan struct{}
}

func findBin() (string, error) {
	if b := os.Getenv("PGBIN"); b != "" {
		if _, err := os.Stat(filepath.Join(b, "initdb")); err != nil {
			return "", fmt.Errorf("PGBIN=%s has no initdb", b)
		}
		return b, nil
	}
	if _, err := os.Stat("/usr/lib/postgresql/15/bin/initdb"); err == nil {
		return "/usr/lib/postgresql/15/bin", nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(found, func(i, j int) bool { return version(found[i]) > version(found[j]) })
	if len(found) > 0 {
		return filepath.Dir(found[0]), nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL binaries (initdb, postgres, pg_isready) not found")
}

func version(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

func start() (*cluster, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	c := &cluster{bin: bin, dir: dir}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and there is no postgres user to run the cluster as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if err := c.cmd("initdb", "-D", c.data(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// A free port can be taken between our probe and the server's bind:
	// try a few.
	var errs []string
	for range 5 {
		port, err := freePort()
		if err != nil {
			errs = append(errs, err.Error())
			break
		}
		if err := c.startServer(port); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
		return c, nil
	}
	os.RemoveAll(dir)
	return nil, fmt.Errorf("private PostgreSQL cluster did not start: %s", strings.Join(errs, "; "))
}

// startServer runs the postmaster as a child of the test binary, not
// through pg_ctl's daemon: with a parent-death signal, a test binary that
// is killed or times out takes its cluster with it (SIGINT: PostgreSQL's
// fast shutdown) instead of leaving it running on a shared machine. The
// signal follows the thread that started the child, so that goroutine
// keeps its thread until the server exits.
func (c *cluster) startServer(port int) error {
	logf, err := os.OpenFile(filepath.Join(c.dir, "pg.log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if c.cred != nil {
		_ = logf.Chown(int(c.cred.Uid), int(c.cred.Gid))
	}
	started := make(chan error, 1)
	c.exited = make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer logf.Close()
		cmd := exec.Command(filepath.Join(c.bin, "postgres"), "-D", c.data(), "-p", strconv.Itoa(port), "-k", c.dir,
			"-c", "listen_addresses=127.0.0.1", "-c", "fsync=on", "-c", "max_connections=200")
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.Dir = c.dir
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Pdeathsig: syscall.SIGINT}
		err := cmd.Start()
		if err != nil {
			close(c.exited)
			started <- err
			return
		}
		c.proc = cmd.Process
		started <- nil
		_ = cmd.Wait()
		close(c.exited)
	}()
	if err := <-started; err != nil {
		return err
	}
	// Ready when it accepts connections (pg_isready's test), or failed
	// when it exits first.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-c.exited:
			log, _ := os.ReadFile(filepath.Join(c.dir, "pg.log"))
			return fmt.Errorf("postgres exited: %s", strings.TrimSpace(string(log)))
		case <-time.After(100 * time.Millisecond):
		}
		if c.cmd("pg_isready", "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "postgres") == nil {
			return nil
		}
	}
	c.kill()
	return errors.New("postgres did not accept connections within 60 s")
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }

// cmd runs one of the cluster's programs as the cluster's user.
func (c *cluster) cmd(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := os.CreateTemp("", "pgtest-out-")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	// A file, not a pipe, for the output: nothing to drain.
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	if err := cmd.Run(); err != nil {
		msg, _ := os.ReadFile(out.Name())
		return fmt.Errorf("%s: %v: %s", name, err, strings.TrimSpace(string(msg)))
	}
	return nil
}

func (c *cluster) stop() {
	c.kill()
	_ = os.RemoveAll(c.dir)
}

// kill asks for a fast shutdown, and ends the server when it takes more
// than 30 s.
func (c *cluster) kill() {
	if c.proc == nil {
		return
	}
	_ = c.proc.Signal(syscall.SIGINT)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		_ = c.proc.Kill()
		<-c.exited
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
