package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCgroupMemoryLimit reads a cgroup's hard limit from v2 (memory.max)
// and v1 (memory.limit_in_bytes) hierarchies laid out in a temp dir: the
// smallest limit on the process's cgroup or a parent, none for "max" or v1's
// unlimited value.
func TestCgroupMemoryLimit(t *testing.T) {
	write := func(path, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "sys")
	self := filepath.Join(dir, "self")
	for _, c := range []struct {
		name, self string
		files      map[string]string
		want       int64
	}{
		{"v2 own limit", "0::/portal\n", map[string]string{"portal/memory.max": "104857600\n", "memory.max": "max\n"}, 100 << 20},
		{"v2 parent's limit is smaller", "0::/a/b\n", map[string]string{"a/b/memory.max": "max\n", "a/memory.max": "67108864\n"}, 64 << 20},
		{"v2 no limit", "0::/a\n", map[string]string{"a/memory.max": "max\n"}, 0},
		{"v1", "4:memory:/portal-bench-1\n3:cpu,cpuacct:/\n", map[string]string{"memory/portal-bench-1/memory.limit_in_bytes": "104857600\n",
			"memory/memory.limit_in_bytes": "9223372036854771712\n"}, 100 << 20},
		{"v1 path not mounted (namespaced): the root's limit", "4:memory:/docker/abc\n", map[string]string{"memory/memory.limit_in_bytes": "536870912\n"}, 512 << 20},
		{"none", "1:cpu:/\n", map[string]string{}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := os.RemoveAll(root); err != nil {
				t.Fatal(err)
			}
			write(self, c.self)
			for p, v := range c.files {
				write(filepath.Join(root, p), v)
			}
			if got := cgroupMemoryLimit(self, root); got != c.want {
				t.Errorf("limit %d, want %d", got, c.want)
			}
		})
	}
	if got := cgroupMemoryLimit(filepath.Join(dir, "missing"), root); got != 0 {
		t.Errorf("no /proc/self/cgroup: %d", got)
	}
}

func TestMemLimitDefault(t *testing.T) {
	for _, c := range []struct{ cgroup, cache, want int64 }{
		{0, 0, defaultMemLimit},
		{100 << 20, 0, 60 << 20},
		{1 << 30, 0, defaultMemLimit},
		{128 << 20, 0, 80530635}, // 3/5 of 128 MiB: 76.8 MiB
		// PostgreSQL's read cache: room for it on top.
		{0, 64 << 20, defaultMemLimit + 128<<20},
		{1 << 30, 64 << 20, defaultMemLimit + 128<<20},
		{400 << 20, 30 << 20, defaultMemLimit + 60<<20},
		{200 << 20, 30 << 20, 120 << 20}, // capped at 3/5 of 200 MiB
		{100 << 20, 15 << 20, 60 << 20},
	} {
		if got := memLimitDefault(c.cgroup, c.cache); got != c.want {
			t.Errorf("cgroup %d, cache %d: %d, want %d", c.cgroup, c.cache, got, c.want)
		}
	}
}
