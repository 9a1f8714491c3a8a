package model

import (
	"testing"
	"time"
)

func TestLoadZoneOnce(t *testing.T) {
	a, err := LoadZone("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := LoadZone("Asia/Shanghai")
	if a != b {
		t.Error("the zone was loaded twice")
	}
	// The host's zone never decides a business date.
	for _, name := range []string{"", "Local", "Mars/Olympus"} {
		if _, err := LoadZone(name); err == nil {
			t.Errorf("%q accepted", name)
		}
	}
	s := &Settings{TimeZone: "Local"}
	if s.Location() != time.UTC {
		t.Errorf("Local settings give %s, want UTC", s.Location())
	}
	if s := DefaultSettings(); s.Location() != a {
		t.Errorf("default zone %s", s.Location())
	}
}

func TestDateOfAtDayEdges(t *testing.T) {
	sh, _ := LoadZone("Asia/Shanghai")
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 12, 31, 15, 59, 0, 0, time.UTC), "2026-12-31"}, // 23:59 in Shanghai
		{time.Date(2026, 12, 31, 16, 1, 0, 0, time.UTC), "2027-01-01"},  // 00:01 in Shanghai
		{time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC), "2027-01-01"}, // 07:59 in Shanghai
		{time.Date(2027, 1, 1, 0, 1, 0, 0, time.UTC), "2027-01-01"},     // 08:01 in Shanghai
	} {
		if got := DateOf(c.at, sh); got != c.want {
			t.Errorf("DateOf(%v) = %s, want %s", c.at, got, c.want)
		}
		// The same instant read in another zone gives the same date.
		if got := DateOf(c.at.In(time.FixedZone("SST", -11*3600)), sh); got != c.want {
			t.Errorf("DateOf(%v in SST) = %s, want %s", c.at, got, c.want)
		}
	}
}
