package pgkv

// SetRoundHook makes f run before each round of floating Views is sent.
func SetRoundHook(d *DB, f func()) {
	d.rounds.mu.Lock()
	d.rounds.hook = f
	d.rounds.mu.Unlock()
}

// Rounds returns how many rounds were sent and how many callers joined a
// queued one.
func Rounds(d *DB) (sent, queued int) {
	d.rounds.mu.Lock()
	defer d.rounds.mu.Unlock()
	return d.rounds.sent, d.rounds.queued
}

// ParkedCommits returns how many parked COMMITs the sweep or Close sent.
func ParkedCommits(d *DB) uint64 { return d.swept.Load() }
