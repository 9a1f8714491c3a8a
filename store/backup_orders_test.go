package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"dealerportal/model"
)

// TestBackupWhileOrdering: a backup taken while dealers submit online orders
// (the handler's way: one transaction per submit, behind the form's _idem
// token) passes the integrity check, and holds every order committed before
// the snapshot began — submitted, with its line, its number and its token, so
// that replaying the form against the restored copy gives the same order.
func TestBackupWhileOrdering(t *testing.T) {
	onBbolt(t)
	f := newOrderFixture(t)
	d := f.d1b
	type placed struct {
		token string
		id    uint64
	}
	var (
		mu        sync.Mutex
		committed []placed
		wg        sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				tok := fmt.Sprintf("w%d-%d", w, i)
				var id uint64
				err := f.s.Update(d.Username, func(tx *Tx) error {
					var err error
					id, _, err = tx.Idempotent(d.ID, tok, func() (uint64, error) {
						o, err := tx.NewOnlineOrder(f.scope(d), d.CustomerID)
						if err != nil {
							return 0, err
						}
						o.Remarks = tok
						return o.ID, tx.SaveOnlineOrder(f.scope(d), o, []LineInput{{Code: "P1", Qty: qty(1)}}, d, true)
					})
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				committed = append(committed, placed{tok, id})
				mu.Unlock()
			}
		}()
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(committed) }
	for deadline := time.Now().Add(20 * time.Second); count() < 100; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) || t.Failed() {
			close(stop)
			wg.Wait()
			t.Fatalf("only %d orders committed in 20 s", count())
		}
	}
	mu.Lock()
	before := append([]placed(nil), committed...)
	mu.Unlock()
	out := filepath.Join(t.TempDir(), "backup.db")
	if _, err := f.s.BackupToFile(out); err != nil {
		t.Fatal(err)
	}
	// Let the writers go on a little after the snapshot, then stop them.
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	after := count()
	if after <= len(before) {
		t.Logf("no order committed after the snapshot (%d before)", len(before))
	}

	if err := VerifyFile(out); err != nil {
		t.Fatal(err)
	}
	b, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if problems, err := b.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check of the backup: %v %v", problems, err)
	}
	numbers := map[string]bool{}
	err = b.View(func(tx *Tx) error {
		for _, p := range before {
			o, err := tx.OnlineOrder(AdminScope(), p.id)
			if err != nil {
				return fmt.Errorf("order %d (token %s) committed before the backup: %w", p.id, p.token, err)
			}
			if o.Status != model.StatusSubmitted || o.Remarks != p.token || len(o.Lines) != 1 || o.Number == "" || numbers[o.Number] {
				return fmt.Errorf("order %d in the backup: status %s, remarks %q, %d lines, number %q", p.id, o.Status, o.Remarks, len(o.Lines), o.Number)
			}
			numbers[o.Number] = true
		}
		if n := tx.CountDocs(AdminScope(), docOnlineOrder); n < len(before) || n > after {
			return fmt.Errorf("backup holds %d orders: %d were committed before it, %d in all", n, len(before), after)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The form tokens came along: a replay gives the stored order.
	errReplay := errors.New("replayed form created an order")
	for _, p := range before {
		err := b.Update(d.Username, func(tx *Tx) error {
			id, dup, err := tx.Idempotent(d.ID, p.token, func() (uint64, error) { return 0, errReplay })
			if err == nil && (!dup || id != p.id) {
				err = fmt.Errorf("token %s: order %d (replay %v), want %d", p.token, id, dup, p.id)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// And the live store, every writer done, is sound too.
	if problems, err := f.s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check of the live store: %v %v", problems, err)
	}
}
