package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"dealerportal/model"
)

func backupTestStore(t *testing.T) (*Store, string, uint64) {
	t.Helper()
	onBbolt(t)
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var org uint64
	err = s.Update("t", func(tx *Tx) error {
		o := &model.OrgUnit{Code: "HQ", Name: "总部"}
		if err := tx.SaveOrgUnit(o); err != nil {
			return err
		}
		org = o.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, path, org
}

// TestBackupWhileWriting: a backup taken while customers are being written
// verifies, passes the integrity check and holds every customer committed
// before the snapshot began.
func TestBackupWhileWriting(t *testing.T) {
	s, _, org := backupTestStore(t)
	defer s.Close()
	var committed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				err := s.Update("t", func(tx *Tx) error {
					return tx.SaveCustomer(AdminScope(), &model.Customer{Code: fmt.Sprintf("W%d-%d", w, i), Name: "x", OrgUnitID: org, Status: model.CustomerActive})
				})
				if err != nil {
					t.Error(err)
					return
				}
				committed.Add(1)
			}
		}(w)
	}
	for committed.Load() < 200 {
	}
	before := committed.Load()
	out := filepath.Join(t.TempDir(), "backup.db")
	if _, err := s.BackupToFile(out); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	b, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, n, _ := b.ListCustomers(AdminScope(), CustomerFilter{}, Page{Limit: -1})
	if int64(n) < before {
		t.Fatalf("backup holds %d customers, %d were committed before it", n, before)
	}
	if problems, err := b.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check of the backup: %v %v", problems, err)
	}
}

func TestRestore(t *testing.T) {
	s, path, org := backupTestStore(t)
	good := filepath.Join(t.TempDir(), "good.db")
	if _, err := s.BackupToFile(good); err != nil {
		t.Fatal(err)
	}
	// While the store holds the file, restore refuses.
	if _, err := Restore(good, path); !errors.Is(err, ErrLocked) {
		t.Fatalf("restore over an open database: %v", err)
	}
	// Change the live database, then stop it.
	s.Update("t", func(tx *Tx) error {
		return tx.SaveCustomer(AdminScope(), &model.Customer{Code: "AFTER", Name: "x", OrgUnitID: org, Status: model.CustomerActive})
	})
	s.Close()

	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated.db")
	data, _ := os.ReadFile(good)
	os.WriteFile(truncated, data[:len(data)/3], 0o600)
	garbage := filepath.Join(dir, "garbage.db")
	os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 1000)), 0o600)
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	for _, bad := range []string{truncated, garbage, empty, filepath.Join(dir, "missing.db")} {
		if _, err := Restore(bad, path); err == nil {
			t.Errorf("restore from %s accepted", filepath.Base(bad))
		}
	}
	// The live file is untouched by the refused restores.
	if err := VerifyFile(path); err != nil {
		t.Fatal(err)
	}
	aside, err := Restore(good, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(aside); err != nil {
		t.Fatalf("replaced file not kept: %v", err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	err = r.View(func(tx *Tx) error { _, err := tx.CustomerByCode(AdminScope(), "AFTER"); return err })
	if !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("restored database still has the later customer: %v", err)
	}
}

// TestCheckFindsDamage: the integrity check reports a damaged index and a
// pending flag out of step, and is clean on a sound file.
func TestCheckFindsDamage(t *testing.T) {
	s, _, org := backupTestStore(t)
	defer s.Close()
	s.Update("t", func(tx *Tx) error {
		if err := tx.SaveCustomer(AdminScope(), &model.Customer{Code: "K1", Name: "甲", OrgUnitID: org, Status: model.CustomerActive}); err != nil {
			return err
		}
		return tx.Emit(&model.OutboxMessage{Event: model.EventCatalogPublished})
	})
	if p, err := s.Check(); err != nil || len(p) != 0 {
		t.Fatalf("sound file: %v %v", p, err)
	}
	s.Update("t", func(tx *Tx) error {
		tx.b(bCustomersByName).Delete(nameKey("甲", 1))
		return tx.b(bOutboxPending).Delete(itob(1))
	})
	p, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(p, "\n")
	if !strings.Contains(joined, "name index") || !strings.Contains(joined, "pending index") {
		t.Fatalf("problems: %s", joined)
	}
}

func TestPruneBackups(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"portal-20260101T000000Z.db", "portal-20260102T000000Z.db", "portal-20260103T000000Z.db", "other.db"} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600)
	}
	deleted, err := PruneBackups(dir, "portal-", 2)
	if err != nil || len(deleted) != 1 || !strings.HasSuffix(deleted[0], "portal-20260101T000000Z.db") {
		t.Fatalf("deleted %v %v", deleted, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "other.db")); err != nil {
		t.Fatal("pruned a file that is not a backup")
	}
}
