package store

import (
	"fmt"
	"time"
)

// StartClockAt returns a clock that reads start now and then runs on at the
// wall clock's pace: the test facility behind `--clock` / PORTAL_CLOCK, so
// that a browser test can run the real binary at 23:59 in Shanghai and see
// the day turn. Timeouts and the like keep working because the clock runs.
func StartClockAt(start time.Time) func() time.Time {
	offset := time.Until(start)
	return func() time.Time { return time.Now().Add(offset) }
}

// ParseClock reads the --clock / PORTAL_CLOCK value: empty for the wall
// clock (nil, nil), else an RFC 3339 instant such as 2026-05-31T23:59:00+08:00
// that the clock starts at (StartClockAt); an error for anything else.
func ParseClock(spec string) (func() time.Time, error) {
	if spec == "" {
		return nil, nil
	}
	start, err := time.Parse(time.RFC3339, spec)
	if err != nil {
		return nil, fmt.Errorf("clock %q: want an RFC 3339 instant such as 2026-05-31T23:59:00+08:00", spec)
	}
	return StartClockAt(start), nil
}
