package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"dealerportal/model"
)

// BenchmarkDocListPages reads page 1 and page 1,000 (50 rows a page) of a
// staff document list over 60,000 documents of 1,000 customers, newest
// first: page 1,000 reached through the pager's "next" links (keyset: after
// the last id of page 999) and typed as ?page=1000 (offset: from the list's
// page anchors once the first read has recorded them, docs_anchors.go),
// unfiltered and filtered on a status, and a text search (the summaries read
// in storage order, list.go). Rows are filtered on the owner and status held
// in doc:T:all, and only the rows shown are decoded (docs.go):
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

// BenchmarkRecordCodec compares writing and reading a two-line online order
// as plain JSON (schema 5) and compressed (codec.go), and its summary as
// JSON and binary (docsum.go):
//
//	go test ./store -run '^$' -bench BenchmarkRecordCodec
func BenchmarkRecordCodec(b *testing.B) {
	o := &model.OnlineOrder{ID: 9985, CustomerID: 32, OrderDate: "2026-12-03", Contact: "罗勇", Phone: "0760-5874 9548", Remarks: "load test",
		ShipTo: model.ShipTo{LocationID: 94, Name: "公司总部", Address: "广东省中山市小榄镇滨江大道1231号", Contact: "罗勇", Phone: "0760-5874 9548"},
		Lines: []model.OrderLine{
			{No: 1, ProductID: 3, EntryID: 3, Code: "V000003", Name: "深沟球轴承 6204", Spec: "6204-2RS-3", Unit: "个", Qty: 1000, Price: 6000, TaxRate: 1300},
			{No: 2, ProductID: 4, EntryID: 4, Code: "V000004", Name: "交流伺服电机 1.5kW", Spec: "SM110-1500-20-4", Unit: "台", Qty: 1000, Price: 316900, TaxRate: 1300}}}
	o.Totals, _ = model.SumLines(o.Lines)
	o.Number, o.Status = "OO-2026-009985", model.StatusSubmitted
	o.Trail = []model.AuditEntry{{At: testNow, By: "c0032.buyer", Action: "submit", From: model.StatusDraft, To: model.StatusSubmitted}}
	o.Version, o.CreatedAt, o.CreatedBy, o.UpdatedAt, o.UpdatedBy = 2, testNow, "c0032.buyer", testNow, "c0032.buyer"
	js, _ := json.Marshal(o)
	rec, _ := encodeRecord(o)
	s := o.Summarize()
	s.ID, s.CustomerID, s.Number = o.ID, o.CustomerID, o.Number
	s.Text = strings.ToLower(s.Number + "\x1f" + s.Text)
	sumJS, _ := json.Marshal(s)
	sumBin := encodeDocSummary(&s)
	k := key(s.CustomerID, s.ID)
	for _, bc := range []struct {
		name  string
		bytes int
		fn    func() error
	}{
		{"order_encode_json", len(js), func() error { _, err := json.Marshal(o); return err }},
		{"order_encode_compressed", len(rec), func() error { _, err := encodeRecord(o); return err }},
		{"order_decode_json", len(js), func() error { return json.Unmarshal(js, &model.OnlineOrder{}) }},
		{"order_decode_compressed", len(rec), func() error { return decodeRecord(rec, &model.OnlineOrder{}) }},
		{"summary_decode_json", len(sumJS), func() error { return json.Unmarshal(sumJS, &model.DocSummary{}) }},
		{"summary_decode_binary", len(sumBin), func() error { _, err := decodeDocSummary(k, sumBin); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.fn(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(bc.bytes), "stored-bytes")
		})
	}
}
