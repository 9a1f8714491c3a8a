package store

import (
	"fmt"
	"reflect"
	"testing"

	"dealerportal/model"
)

// TestListDocsDeepPages: a page typed deep into a list (an offset, served
// from page anchors after the first walk) holds the same rows as the
// same slice of the whole list, for every customer and in a staff scope,
// filtered or not, before and after documents are added, changed and
// deleted; a search, date or flag filter (read in storage order) agrees
// with the whole list too.
func TestListDocsDeepPages(t *testing.T) {
	f := newFixture(t)
	custs := []uint64{f.c1.ID, f.c2.ID, f.c3.ID, f.c4.ID, f.c5.ID}
	add := func(from, n int) {
		update(t, f.s, func(tx *Tx) error {
			for i := from; i < from+n; i++ {
				d := &testDoc{CustomerID: custs[i*7%len(custs)], Date: fmt.Sprintf("2026-03-%02d", 1+i%28), Note: fmt.Sprintf("n%d", i%13),
					Doc: model.Doc{Status: []model.Status{model.StatusDraft, model.StatusAudited, model.StatusAudited}[i%3]}}
				if err := tx.InsertDoc(AdminScope(), docTest, d); err != nil {
					return err
				}
			}
			return nil
		})
	}
	add(0, 1500)
	scopes := map[string]Scope{"admin": AdminScope(), "north": f.scope(f.northLead), "multi": f.scope(f.multi)}
	filters := map[string]DocFilter{
		"all":      {},
		"audited":  {Statuses: []model.Status{model.StatusAudited}},
		"customer": {CustomerID: f.c2.ID},
		"search":   {Q: "n1"},
		"dates":    {From: "2026-03-05", To: "2026-03-20", Statuses: []model.Status{model.StatusDraft}},
	}
	check := func(when string) {
		t.Helper()
		view(t, f.s, func(tx *Tx) error {
			for sn, sc := range scopes {
				for fn, fl := range filters {
					whole, n, err := tx.ListDocs(sc, docTest, fl, Page{})
					if err != nil || n != len(whole) {
						t.Fatalf("%s %s %s: %d rows, total %d, %v", when, sn, fn, len(whole), n, err)
					}
					for _, off := range []int{0, anchorEvery - 1, anchorEvery, anchorEvery + 1, 300, 640, 1100, len(whole) - 5, len(whole) + 3} {
						if off < 0 {
							continue
						}
						for range 2 { // the second read uses the anchors the first recorded
							got, total, err := tx.ListDocs(sc, docTest, fl, Page{Offset: off, Limit: 20})
							want := whole[min(off, len(whole)):min(off+20, len(whole))]
							if len(want) == 0 {
								want = nil
							}
							if err != nil || total != len(whole) || !reflect.DeepEqual(got, want) {
								t.Fatalf("%s %s %s offset %d: %d rows (total %d), want %d of %d: %v", when, sn, fn, off, len(got), total, len(want), len(whole), err)
							}
						}
					}
					if len(whole) > 40 { // keyset: after the 20th row
						got, _, err := tx.ListDocs(sc, docTest, fl, Page{Limit: 20, After: whole[19].ID})
						if err != nil || !reflect.DeepEqual(got, whole[20:40]) {
							t.Fatalf("%s %s %s after: %d rows, %v", when, sn, fn, len(got), err)
						}
					}
				}
			}
			return nil
		})
	}
	check("first")
	add(1500, 3) // new rows at the top shift every position
	check("after inserts")
	update(t, f.s, func(tx *Tx) error { // a status change and a deletion deep in the list
		var rows []model.DocSummary
		rows, _, err := tx.ListDocs(AdminScope(), docTest, DocFilter{}, Page{Offset: 700, Limit: 2})
		if err != nil {
			return err
		}
		d := &testDoc{}
		if err := tx.GetDoc(AdminScope(), docTest, rows[0].ID, d); err != nil {
			return err
		}
		d.Status = model.StatusClosed
		if err := tx.UpdateDoc(AdminScope(), docTest, d); err != nil {
			return err
		}
		if err := tx.GetDoc(AdminScope(), docTest, rows[1].ID, d); err != nil {
			return err
		}
		return tx.DeleteDoc(AdminScope(), docTest, d.ID, d.Version)
	})
	check("after a change and a deletion")
}

// TestCustomerLabel: a list names a customer in scope, and names it afresh
// once its record changed (the label is kept with the record's bytes).
func TestCustomerLabel(t *testing.T) {
	f := newFixture(t)
	view(t, f.s, func(tx *Tx) error {
		if l, ok := tx.CustomerLabel(AdminScope(), f.c4.ID); !ok || l != "C004 Bravo Guangzhou" {
			t.Errorf("admin: %q %v", l, ok)
		}
		if l, ok := tx.CustomerLabel(tx.ScopeFor(f.northLead), f.c4.ID); ok {
			t.Errorf("north lead sees C004: %q", l)
		}
		if _, ok := tx.CustomerLabel(AdminScope(), 999); ok {
			t.Error("a customer that does not exist is named")
		}
		return nil
	})
	update(t, f.s, func(tx *Tx) error {
		c, err := tx.Customer(AdminScope(), f.c4.ID)
		if err != nil {
			return err
		}
		c.Name = "Bravo Shenzhen"
		return tx.SaveCustomer(AdminScope(), c)
	})
	view(t, f.s, func(tx *Tx) error {
		if l, _ := tx.CustomerLabel(AdminScope(), f.c4.ID); l != "C004 Bravo Shenzhen" {
			t.Errorf("after the rename: %q", l)
		}
		return nil
	})
}
