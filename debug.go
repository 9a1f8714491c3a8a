package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"time"
)

// defaultMemLimit is Go's soft memory limit when GOMEMLIMIT is not set
// (docs/PERFORMANCE.md, "Memory"): the garbage collector runs more often as
// the process's Go memory (heap, stacks, runtime) nears it, instead of
// letting the heap grow to twice what is live. It does not count the
// database file's mapped pages (page cache). GOMEMLIMIT=off removes it;
// GOMEMLIMIT=200MiB (any Go size) replaces it.
const defaultMemLimit = 80 << 20

// setMemoryLimit applies defaultMemLimit unless GOMEMLIMIT is set, and
// returns the limit in effect.
func setMemoryLimit() int64 {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemLimit)
	}
	return debug.SetMemoryLimit(-1)
}

// servePprof serves the Go profiles (/debug/pprof/: heap, allocs,
// goroutine, profile …) on addr (PORTAL_PPROF), for measuring where a
// serving portal's time and memory go (bench/load.sh PPROF=1). Off when addr
// is empty; refused unless addr is a loopback address, since the profiles
// show the process's internals to whoever can connect.
func servePprof(ctx context.Context, addr string, log *slog.Logger) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("PORTAL_PPROF must be a loopback address such as 127.0.0.1:6060, got %q", addr)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Error("pprof", "err", err)
		}
	}()
	log.Warn("profiling endpoint on", "addr", addr)
	return nil
}
