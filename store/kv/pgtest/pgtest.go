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
}

func findBin() (string, error) {
	if b := os.Getenv("PGBIN"); b != "" {
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
	return "", errors.New("PostgreSQL binaries (initdb, pg_ctl) not found")
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
	for range 5 {
		port, err := freePort()
		if err != nil {
			break
		}
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200", port, dir)
		if err = c.cmd("pg_ctl", "-D", c.data(), "-l", filepath.Join(dir, "pg.log"), "-w", "-t", "60", "start", "-o", opts); err == nil {
			c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
			return c, nil
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "pg.log"))
	os.RemoveAll(dir)
	return nil, fmt.Errorf("private PostgreSQL cluster did not start: %s", strings.TrimSpace(string(log)))
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
	// A file, not a pipe: the server pg_ctl starts outlives the command.
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
	_ = c.cmd("pg_ctl", "-D", c.data(), "-m", "fast", "-w", "stop")
	_ = os.RemoveAll(c.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
