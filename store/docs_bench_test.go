package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"dealerportal/model"
)

// BenchmarkDocListPages reads page 1 and page 1,000 (50 rows a page) of a
// staff document list over 60,000 documents of 1,000 customers, newest
// first: page 1,000 reached through the pager's "next" links (keyset: after
// the last id of page 999) and typed as ?page=1000 (offset), unfiltered and
// filtered on a status. Rows are filtered on the owner and status held in
// doc:T:all, and only the rows shown are decoded (docs.go):
//
//	go test ./store -run '^$' -bench BenchmarkDocListPages -benchtime 200x
//
// DOCLIST_BENCH_DB=file keeps the generated file for later runs.
func BenchmarkDocListPages(b *testing.B) {
	const docs, custs, size = 60000, 1000, 50
	path := os.Getenv("DOCLIST_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "list.db")
	}
	_, statErr := os.Stat(path)
	s, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.SetClock(func() time.Time { return testNow })
	if statErr != nil {
		for done := 0; done < docs; done += 2000 {
			err := s.Update("bench", func(tx *Tx) error {
				for i := done; i < done+2000; i++ {
					cust := uint64(1 + i%custs)
					if i < custs {
						if err := tx.b(bCustomers).Put(itob(cust), []byte("{}")); err != nil {
							return err
						}
					}
					st := []model.Status{model.StatusDraft, model.StatusAudited, model.StatusAudited, model.StatusClosed}[i%4]
					d := &testDoc{CustomerID: cust, Date: "2026-03-01", Amount: model.Money(i), Note: "上海仓 " + strconv.Itoa(i), Doc: model.Doc{Status: st}}
					if err := tx.InsertDoc(AdminScope(), docTest, d); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	var after uint64 // the last id of page 999
	_ = s.View(func(tx *Tx) error {
		rows, _, err := tx.ListDocs(AdminScope(), docTest, DocFilter{}, Page{Offset: 998 * size, Limit: size})
		if err != nil || len(rows) != size {
			b.Fatalf("page 999: %d rows, %v", len(rows), err)
		}
		after = rows[size-1].ID
		return nil
	})
	audited := DocFilter{Statuses: []model.Status{model.StatusAudited}}
	for _, bc := range []struct {
		name string
		f    DocFilter
		p    Page
	}{
		{"page1", DocFilter{}, Page{Limit: size}},
		{"page1000_next", DocFilter{}, Page{Limit: size, After: after}},
		{"page1000_offset", DocFilter{}, Page{Offset: 999 * size, Limit: size}},
		{"audited_page1", audited, Page{Limit: size}},
		{"audited_page500_offset", audited, Page{Offset: 499 * size, Limit: size}},
		{"search_page1", DocFilter{Q: "上海仓 5"}, Page{Limit: size}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				err := s.View(func(tx *Tx) error {
					rows, _, err := tx.ListDocs(AdminScope(), docTest, bc.f, bc.p)
					if err == nil && len(rows) != size {
						err = fmt.Errorf("%d rows", len(rows))
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
