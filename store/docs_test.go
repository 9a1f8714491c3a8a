package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"dealerportal/model"
)

// testDoc is a minimal document for the shared machinery's tests.
type testDoc struct {
	ID         uint64      `json:"id"`
	CustomerID uint64      `json:"customer_id"`
	Date       string      `json:"date"`
	Amount     model.Money `json:"amount"`
	Note       string      `json:"note"`
	model.Doc
}

func (d *testDoc) DocID() uint64      { return d.ID }
func (d *testDoc) SetDocID(id uint64) { d.ID = id }
func (d *testDoc) Owner() uint64      { return d.CustomerID }
func (d *testDoc) Summarize() model.DocSummary {
	return model.DocSummary{Status: d.Status, Date: d.Date, Amount: d.Amount, Text: d.Note}
}

var docTest = RegisterDocType("TS")

func TestDocsMachinery(t *testing.T) {
	f := newFixture(t)
	c1, c2 := f.c1.ID, f.c4.ID
	insert := func(cust uint64, date string, status model.Status, note string) *testDoc {
		d := &testDoc{CustomerID: cust, Date: date, Amount: 100, Note: note, Doc: model.Doc{Status: status}}
		if err := f.s.Update("t", func(tx *Tx) error { return tx.InsertDoc(AdminScope(), docTest, d) }); err != nil {
			t.Fatal(err)
		}
		return d
	}
	var docs []*testDoc
	for i := 0; i < 30; i++ {
		cust, st := c1, model.StatusDraft
		if i%3 == 0 {
			cust = c2
		}
		if i%2 == 0 {
			st = model.StatusAudited
		}
		docs = append(docs, insert(cust, fmt.Sprintf("2026-11-%02d", 1+i%28), st, fmt.Sprintf("note %d", i)))
	}
	if docs[0].Number != "TS-2026-000001" || docs[29].Number != "TS-2026-000030" || docs[0].Version != 1 {
		t.Fatalf("numbers %s %s v%d", docs[0].Number, docs[29].Number, docs[0].Version)
	}
	scopeC1, scopeC2 := CustomerScope(c1), CustomerScope(c2)
	// Scope: the other customer's document is not found.
	err := f.s.View(func(tx *Tx) error {
		got := &testDoc{}
		if err := tx.GetDoc(scopeC1, docTest, docs[0].ID, got); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("c1 reads c2's doc: %v", err)
		}
		if err := tx.GetDoc(scopeC2, docTest, docs[0].ID, got); err != nil || got.Note != "note 0" {
			t.Errorf("c2 reads its doc: %v %+v", err, got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Lists: newest first, totals from counts, keyset paging equals offset paging.
	f.s.View(func(tx *Tx) error {
		rows, total, _ := tx.ListDocs(scopeC1, docTest, DocFilter{}, Page{Limit: 5})
		if total != 20 || len(rows) != 5 || rows[0].ID != docs[29].ID {
			t.Errorf("c1 page 1: total %d rows %d first %v", total, len(rows), rows[0].Number)
		}
		next, total2, _ := tx.ListDocs(scopeC1, docTest, DocFilter{}, Page{Limit: 5, After: rows[4].ID})
		byOffset, _, _ := tx.ListDocs(scopeC1, docTest, DocFilter{}, Page{Limit: 5, Offset: 5})
		if total2 != 20 || len(next) != 5 || next[0].ID != byOffset[0].ID || next[4].ID != byOffset[4].ID {
			t.Errorf("keyset page 2 differs from offset page 2")
		}
		_, n, _ := tx.ListDocs(AdminScope(), docTest, DocFilter{Statuses: []model.Status{model.StatusAudited}}, Page{Limit: 3})
		if n != 15 {
			t.Errorf("audited total %d", n)
		}
		rows, n, _ = tx.ListDocs(AdminScope(), docTest, DocFilter{Q: "note 1", From: "2026-11-01", To: "2026-11-30"}, Page{})
		if n != 11 || len(rows) != 11 { // note 1, 10–19
			t.Errorf("search: %d %d", n, len(rows))
		}
		// Staff outside C004's region see only C001's documents.
		_, n, _ = tx.ListDocs(tx.ScopeFor(f.northLead), docTest, DocFilter{}, Page{Limit: 100})
		if n != tx.CountDocs(tx.ScopeFor(f.northLead), docTest) {
			t.Errorf("north count mismatch")
		}
		return nil
	})
	// Optimistic locking: a stale update is refused and changes nothing.
	a, b := *docs[1], *docs[1]
	a.Note = "first"
	if err := f.s.Update("alice", func(tx *Tx) error { return tx.UpdateDoc(AdminScope(), docTest, &a) }); err != nil {
		t.Fatal(err)
	}
	b.Note = "second"
	err = f.s.Update("bob", func(tx *Tx) error { return tx.UpdateDoc(AdminScope(), docTest, &b) })
	var ce *model.ConflictError
	if !errors.As(err, &ce) || ce.By != "alice" || b.Version != 1 {
		t.Fatalf("stale update: %v (version %d)", err, b.Version)
	}
	// Status change moves the counts.
	a.Status = model.StatusClosed
	f.s.Update("alice", func(tx *Tx) error { return tx.UpdateDoc(AdminScope(), docTest, &a) })
	f.s.View(func(tx *Tx) error {
		if n := tx.CountDocs(scopeC1, docTest, model.StatusClosed); n != 1 {
			t.Errorf("closed count %d", n)
		}
		if n := tx.CountDocs(scopeC1, docTest); n != 20 {
			t.Errorf("c1 count %d", n)
		}
		return nil
	})
	// Delete with the right version only.
	if err := f.s.Update("t", func(tx *Tx) error { return tx.DeleteDoc(AdminScope(), docTest, a.ID, 1) }); !errors.As(err, &ce) {
		t.Fatalf("stale delete: %v", err)
	}
	if err := f.s.Update("t", func(tx *Tx) error { return tx.DeleteDoc(scopeC2, docTest, a.ID, a.Version) }); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("out-of-scope delete: %v", err)
	}
	if err := f.s.Update("t", func(tx *Tx) error { return tx.DeleteDoc(AdminScope(), docTest, a.ID, a.Version) }); err != nil {
		t.Fatal(err)
	}
	f.s.View(func(tx *Tx) error {
		if n := tx.CountDocs(scopeC1, docTest); n != 19 {
			t.Errorf("after delete %d", n)
		}
		return nil
	})
	// A dealer cannot insert for another customer.
	d := &testDoc{CustomerID: c2, Date: "2026-11-01"}
	if err := f.s.Update("t", func(tx *Tx) error { return tx.InsertDoc(scopeC1, docTest, d) }); !errors.Is(err, model.ErrNotFound) || d.ID != 0 || d.Number != "" {
		t.Fatalf("foreign insert: %v %+v", err, d)
	}
}

// TestDocNumbersConcurrent: concurrent inserts get distinct, gap-free numbers.
func TestDocNumbersConcurrent(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	nums := make(chan string, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := &testDoc{CustomerID: f.c1.ID, Date: "2026-11-01"}
			if err := f.s.Update("t", func(tx *Tx) error { return tx.InsertDoc(AdminScope(), docTest, d) }); err != nil {
				t.Error(err)
			}
			nums <- d.Number
		}()
	}
	wg.Wait()
	close(nums)
	seen := map[string]bool{}
	for n := range nums {
		seen[n] = true
	}
	for i := 1; i <= 40; i++ {
		if !seen[fmt.Sprintf("TS-2026-%06d", i)] {
			t.Errorf("missing number %d", i)
		}
	}
}
