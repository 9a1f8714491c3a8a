package pdf

import (
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jung-kurt/gofpdf"
)

// BenchmarkBurstMemory renders 64 different documents at once (as 64 first
// downloads of 64 customers' statements do) and reports the Go heap the
// burst adds at its peak (burst-MB, sampled every 200 µs: the documents
// being laid out and the caches filling) and what the caches hold after it
// (caches-MB: the finished PDFs and the font subsets kept for later
// documents), with the caches at their former sizes ("16MiB-4MiB")
// and sized by SizeCaches for the default 80 MiB limit and for 60 MiB (a
// 100 MB cgroup):
//
//	go test ./views/pdf -run '^$' -bench BurstMemory -benchtime 3x
func BenchmarkBurstMemory(b *testing.B) {
	oldPDFs, oldSubsets := CacheBytes, gofpdf.SubsetCacheBytes
	defer func() { CacheBytes, gofpdf.SubsetCacheBytes = oldPDFs, oldSubsets }()
	if _, err := Render(sampleLayout(1)); err != nil { // the fonts' parse stays outside
		b.Fatal(err)
	}
	run := 0
	for _, c := range []struct {
		name  string
		apply func()
	}{
		{"16MiB-4MiB", func() { CacheBytes = defaultCacheBytes; gofpdf.SubsetCacheBytes = defaultSubsetBytes }},
		{"limit-80MiB", func() { SizeCaches(80 << 20) }},
		{"limit-60MiB", func() { SizeCaches(60 << 20) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.apply()
			var peak float64
			for b.Loop() {
				run++
				peak = max(peak, burstOnce(b, run))
			}
			b.ReportMetric(peak/(1<<20), "burst-MB")
			b.ReportMetric(float64(cacheBytes()+fontSubsetBytes())/(1<<20), "caches-MB")
		})
	}
}

// burstOnce renders 64 documents of its own (their customers' names in
// runes no other run uses) at once.
func burstOnce(b *testing.B, run int) (burst float64) {
	runtime.GC()
	base := heapObjects()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			if h := heapObjects(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			l := sampleLayout(30)
			n := run*64 + i
			name := []rune("客户")
			for k := range 6 {
				name = append(name, rune(0x4E00+(n*7+k*3001)%20000))
			}
			l.Fields[0].Value = "C" + strconv.Itoa(n) + " " + string(name)
			if _, err := Render(l); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	return float64(peak.Load()) - float64(base)
}

// fontSubsetBytes is what the shared fonts keep of recent subsets.
func fontSubsetBytes() int {
	fs, err := loadFonts()
	if err != nil {
		return 0
	}
	return fs.latin.SubsetBytes() + fs.latinBold.SubsetBytes() + fs.cjk.SubsetBytes()
}

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
