package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
)

// defaultMemLimit is Go's soft memory limit when GOMEMLIMIT is not set
// (docs/PERFORMANCE.md, "Memory"): the garbage collector runs more often as
// the process's Go memory (heap, stacks, runtime) nears it, instead of
// letting the heap grow to twice what is live. It does not count the
// database file's mapped pages (page cache). GOMEMLIMIT=off removes it;
// GOMEMLIMIT=200MiB (any Go size) replaces it. Inside a memory cgroup with a
// hard limit the default is lower (cgroupShare).
const defaultMemLimit = 80 << 20

// cgroupShare is the part of a memory cgroup's hard limit the default
// soft limit takes (3/5, never above defaultMemLimit): the kernel charges
// the heap and the page cache the portal reads (the mapped bbolt file, the
// binary's code) to the same limit and can reclaim only the page cache, so
// the rest is left to it. Under a 100 MB cgroup: 60 MiB of Go memory.
const cgroupShareNum, cgroupShareDen = 3, 5

// setMemoryLimit applies the default soft limit (memLimitDefault) unless
// GOMEMLIMIT is set, and returns the limit in effect. cgroup is the memory
// cgroup's hard limit (0: none), cache the budget of the heap cache the
// process keeps of its database (PostgreSQL's read cache; 0 on the
// embedded file, whose pages the kernel keeps outside the Go heap).
func setMemoryLimit(cgroup, cache int64) int64 {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memLimitDefault(cgroup, cache))
	}
	return debug.SetMemoryLimit(-1)
}

// memLimitDefault is the default soft limit under a cgroup hard limit of
// cgroup bytes (0: none) with a database cache of cache bytes on the heap:
// defaultMemLimit plus twice the cache, at most the cgroup's share
// (memShare). The cache is live memory the collector marks on every cycle
// and cannot free; twice is the room Go's default GOGC=100 gives any live
// heap. With room for the cache alone the collector ran far more often once
// the cache was full (docs/POSTGRES.md, "The process read cache").
func memLimitDefault(cgroup, cache int64) int64 {
	limit := defaultMemLimit + 2*cache
	if share := memShare(cgroup); share > 0 && share < limit {
		return share
	}
	return limit
}

// memShare is the part of a cgroup hard limit of cgroup bytes the Go memory
// may take (cgroupShare), 0 when there is no cgroup limit.
func memShare(cgroup int64) int64 {
	if cgroup <= 0 {
		return 0
	}
	return cgroup / cgroupShareDen * cgroupShareNum
}

// cgroupMemoryLimit returns the smallest hard memory limit set on the
// process's memory cgroup or any of its parents (cgroup v2 memory.max, v1
// memory.limit_in_bytes), read from the hierarchy mounted at root; 0 when
// there is none or it cannot be read. selfCgroup is /proc/self/cgroup.
func cgroupMemoryLimit(selfCgroup, root string) int64 {
	b, err := os.ReadFile(selfCgroup)
	if err != nil {
		return 0
	}
	var best int64
	consider := func(dir, file string) {
		for {
			if raw, err := os.ReadFile(filepath.Join(dir, file)); err == nil {
				v, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
				// "max" (v2) and v1's page-rounded maximum mean no limit.
				if err == nil && v > 0 && v < 1<<62 && (best == 0 || v < best) {
					best = v
				}
			}
			if dir == root || len(dir) <= len(root) {
				return
			}
			dir = filepath.Dir(dir)
		}
	}
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		// hierarchy-ID:controllers:path
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			consider(filepath.Join(root, parts[2]), "memory.max")
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			consider(filepath.Join(root, "memory", parts[2]), "memory.limit_in_bytes")
		}
	}
	return best
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
