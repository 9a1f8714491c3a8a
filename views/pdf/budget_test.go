package pdf

import (
	"sync"
	"testing"

	"github.com/jung-kurt/gofpdf"
)

// TestSizeCaches: the caches take their share of the memory limit, never
// more than their former fixed sizes; with no limit (GOMEMLIMIT=off) those.
func TestSizeCaches(t *testing.T) {
	oldPDFs, oldSubsets := CacheBytes, gofpdf.SubsetCacheBytes
	defer func() { CacheBytes, gofpdf.SubsetCacheBytes = oldPDFs, oldSubsets }()
	for _, c := range []struct {
		limit           int64
		pdfs, subsetsKB int
	}{
		{60 << 20, 7680 << 10, 960},
		{80 << 20, 10 << 20, 1280},
		{1 << 62, 16 << 20, 4096},
	} {
		SizeCaches(c.limit)
		if CacheBytes != c.pdfs || gofpdf.SubsetCacheBytes != c.subsetsKB<<10 {
			t.Errorf("limit %d: finished PDFs %d, subsets %d; want %d, %d", c.limit, CacheBytes, gofpdf.SubsetCacheBytes, c.pdfs, c.subsetsKB<<10)
		}
	}
}

// TestBuildSlots: however many callers ask at once, no more than one per
// core hold a build slot, and each gets one in the end.
func TestBuildSlots(t *testing.T) {
	peakBuilding.Store(0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range 64 {
		wg.Go(func() {
			release := Build()
			defer release()
			if _, err := Render(sampleLayout(3)); err != nil {
				t.Error(err)
			}
			mu.Lock()
			done++
			mu.Unlock()
		})
	}
	wg.Wait()
	if p := peakBuilding.Load(); p < 1 || p > int64(cap(buildSlots)) {
		t.Errorf("%d callers held a build slot at once, the bound is %d", p, cap(buildSlots))
	}
	if done != 64 || building.Load() != 0 {
		t.Errorf("%d of 64 done, %d slots still held", done, building.Load())
	}
}
