package pgtest

import (
	"testing"
	"time"
)

// Settle waits until taken (a pool's count of connections taken, such as
// pgxpool's Stat().AcquiredConns) is 0, at most 5 s: a
// read-only transaction's parked COMMIT has been sent by pgkv's sweep, so
// the round trips counted next are the caller's own.
func Settle(t testing.TB, taken func() int32) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); taken() > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still taken", taken())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
