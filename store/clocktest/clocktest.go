// Package clocktest holds the instants the date tests pin the store clock
// to, for the store, handler and demo tests.
package clocktest

import "time"

// shanghai is Asia/Shanghai, the enterprise's zone in the tests. China keeps
// no daylight saving time, so a fixed offset is the zone itself and does not
// depend on the host's time zone database.
var shanghai = time.FixedZone("CST", 8*3600)

// Edge is one instant the store clock is pinned to.
type Edge struct {
	Name  string
	At    time.Time // the instant, in UTC
	Today string    // the date in Asia/Shanghai
}

// Local is the time in Asia/Shanghai as the pages show it.
func (e Edge) Local() string {
	return e.At.In(shanghai).Format("2006-01-02 15:04")
}

// DayEdges are a minute either side of midnight in Shanghai (23:59 and 00:01
// there, which are 15:59 and 16:01 UTC) and of midnight UTC (07:59 and 08:01
// in Shanghai), at a year's end. In each of the middle rows the UTC date
// differs from the enterprise's, and run under TZ=Pacific/Kiritimati or
// TZ=Pacific/Pago_Pago the host's date differs in others: a date taken from
// anything but the store clock in the enterprise's zone fails at least one
// row.
var DayEdges = []Edge{
	{"23:59 Shanghai (15:59 UTC)", time.Date(2026, 12, 31, 15, 59, 0, 0, time.UTC), "2026-12-31"},
	{"00:01 Shanghai (16:01 UTC)", time.Date(2026, 12, 31, 16, 1, 0, 0, time.UTC), "2027-01-01"},
	{"07:59 Shanghai (23:59 UTC)", time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC), "2027-01-01"},
	{"08:01 Shanghai (00:01 UTC)", time.Date(2027, 1, 1, 0, 1, 0, 0, time.UTC), "2027-01-01"},
}
