package store

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"dealerportal/model"
)

func TestRecordCodec(t *testing.T) {
	m := &model.OutboxMessage{ID: 7, Event: "online_order.submitted", CustomerID: 3, DocNumber: "OO-2026-000007",
		Params: map[string]string{"amount": "¥1,000.00", "link": "/online-orders/7"}, CreatedAt: testNow, Status: model.OutboxPending}
	data, err := encodeRecord(m)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(m)
	if data[0] != encZstdV1 || len(data) >= len(js)/2 {
		t.Errorf("compressed record: %d bytes for %d of JSON", len(data), len(js))
	}
	for name, in := range map[string][]byte{"compressed": data, "JSON of before": js} {
		got := &model.OutboxMessage{}
		if err := decodeRecord(in, got); err != nil || !reflect.DeepEqual(got, m) {
			t.Errorf("%s: %+v %v", name, got, err)
		}
	}
	if err := decodeRecord(append([]byte{encZstdV1}, "damaged"...), &model.OutboxMessage{}); err == nil {
		t.Error("a damaged record decodes")
	}
}

func TestDocSummaryEncoding(t *testing.T) {
	k := key(12, 345)
	for _, s := range []model.DocSummary{
		{ID: 345, CustomerID: 12, Number: "SO-2026-000345", Status: model.StatusAudited, Date: "2026-03-15", Amount: -123456,
			Text: "so-2026-000345\x1f上海仓 加急", Flag: "red"},
		{ID: 345, CustomerID: 12, Status: model.StatusDraft, Text: "free text without the number"},
		{ID: 345, CustomerID: 12},
	} {
		v := encodeDocSummary(&s)
		got, err := decodeDocSummary(k, v)
		if err != nil || !reflect.DeepEqual(got, s) {
			t.Errorf("%+v: decoded %+v %v", s, got, err)
		}
		if st := summaryStatus(v); st != s.Status {
			t.Errorf("status %q, want %q", st, s.Status)
		}
		js, _ := json.Marshal(s)
		if old, err := decodeDocSummary(k, js); err != nil || !reflect.DeepEqual(old, s) || summaryStatus(js) != s.Status {
			t.Errorf("JSON summary of before: %+v %v", old, err)
		}
		if _, err := decodeDocSummary(k, v[:len(v)-1]); len(s.Flag) > 0 && err == nil {
			t.Error("a cut summary decodes")
		}
	}
}

// TestMigrateDocSummaries writes documents in the layout of schema version
// 5 (the summary as JSON in doc:T:cust and again in doc:T:all, documents as
// JSON), reopens the file and checks the migration: the same lists, the
// same documents, a clean integrity check.
func TestMigrateDocSummaries(t *testing.T) {
	f := newFixture(t)
	var ids []uint64
	for i := range 12 {
		cust := []uint64{f.c1.ID, f.c4.ID}[i%2]
		st := []model.Status{model.StatusDraft, model.StatusAudited, model.StatusRejected}[i%3]
		d := &testDoc{CustomerID: cust, Date: fmt.Sprintf("2026-03-%02d", i+1), Amount: model.Money(100 * i), Note: fmt.Sprintf("备注 %d", i),
			Doc: model.Doc{Status: st}}
		update(t, f.s, func(tx *Tx) error { return tx.InsertDoc(AdminScope(), docTest, d) })
		ids = append(ids, d.ID)
	}
	list := func(s *Store, f DocFilter) []model.DocSummary {
		var rows []model.DocSummary
		view(t, s, func(tx *Tx) (err error) {
			rows, _, err = tx.ListDocs(AdminScope(), docTest, f, Page{Limit: 100})
			return err
		})
		return rows
	}
	want := list(f.s, DocFilter{})
	wantAudited := list(f.s, DocFilter{Statuses: []model.Status{model.StatusAudited}})
	wantQ := list(f.s, DocFilter{Q: "备注 1"})
	// Back to the layout of schema version 5.
	b := docKinds[docTest]
	update(t, f.s, func(tx *Tx) error {
		for _, id := range ids {
			s, err := tx.summaryOf(docTest, id)
			if err != nil {
				return err
			}
			js, _ := json.Marshal(s)
			k := key(s.CustomerID, id)
			d := &testDoc{}
			if err := getJSON(tx.b(b.main), itob(id), d); err != nil {
				return err
			}
			// Schema 5 keyed the documents customerID|id too (until 15).
			if err := tx.b(b.main).Delete(itob(id)); err != nil {
				return err
			}
			for _, put := range []struct {
				bk   []byte
				k, v []byte
			}{{b.cust, k, js}, {b.all, itob(id), js}, {b.main, k, mustJSON(t, d)}} {
				if err := tx.b(put.bk).Put(put.k, put.v); err != nil {
					return err
				}
			}
		}
		// Schema 5 kept no totals of all customers.
		for _, st := range []model.Status{model.StatusDraft, model.StatusAudited, model.StatusRejected} {
			if err := tx.b(b.count).Delete(countKey(0, st)); err != nil {
				return err
			}
		}
		return tx.b(bMeta).Put(keySchemaVersion, itob(5))
	})
	path := f.s.dsn
	f.s.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetClock(func() time.Time { return testNow })
	if got := list(s, DocFilter{}); !reflect.DeepEqual(got, want) {
		t.Errorf("list after migration:\n%+v\nwant\n%+v", got, want)
	}
	if got := list(s, DocFilter{Statuses: []model.Status{model.StatusAudited}}); !reflect.DeepEqual(got, wantAudited) {
		t.Errorf("audited after migration: %+v", got)
	}
	if got := list(s, DocFilter{Q: "备注 1"}); !reflect.DeepEqual(got, wantQ) || len(got) != 3 {
		t.Errorf("search after migration: %+v", got)
	}
	view(t, s, func(tx *Tx) error {
		if v := tx.b(b.cust).Get(key(f.c1.ID, ids[0])); v[0] != encSummaryV1 {
			t.Errorf("summary not rewritten: %q", v)
		}
		d := &testDoc{}
		if err := tx.GetDoc(AdminScope(), docTest, ids[3], d); err != nil || d.Note != "备注 3" {
			t.Errorf("JSON document after migration: %+v %v", d, err)
		}
		return nil
	})
	// A JSON document is written compressed by its next update (on
	// PostgreSQL: as JSON again).
	update(t, s, func(tx *Tx) error {
		d := &testDoc{}
		if err := tx.GetDoc(AdminScope(), docTest, ids[3], d); err != nil {
			return err
		}
		d.Status = model.StatusAudited
		return tx.UpdateDoc(AdminScope(), docTest, d)
	})
	view(t, s, func(tx *Tx) error {
		v := tx.b(b.main).Get(itob(ids[3]))
		if want := byte(encZstdV1); s.Postgres() && v[0] != '{' || !s.Postgres() && v[0] != want {
			t.Errorf("updated document not in the backend's encoding: %q", v)
		}
		return nil
	})
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("integrity after migration: %v %v", problems, err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestCheckDocIndexes: the integrity check finds a summary whose status
// differs from its document's and a count that is off.
func TestCheckDocIndexes(t *testing.T) {
	f := newFixture(t)
	d := &testDoc{CustomerID: f.c1.ID, Date: "2026-03-01", Doc: model.Doc{Status: model.StatusDraft}}
	update(t, f.s, func(tx *Tx) error { return tx.InsertDoc(AdminScope(), docTest, d) })
	if problems, _ := f.s.Check(); len(problems) > 0 {
		t.Fatalf("sound file: %v", problems)
	}
	b := docKinds[docTest]
	update(t, f.s, func(tx *Tx) error {
		s := model.DocSummary{ID: d.ID, CustomerID: d.CustomerID, Status: model.StatusAudited}
		if err := tx.b(b.cust).Put(key(d.CustomerID, d.ID), encodeDocSummary(&s)); err != nil {
			return err
		}
		return tx.b(b.count).Put(countKey(d.CustomerID, model.StatusDraft), itob(2))
	})
	problems, _ := f.s.Check()
	if len(problems) != 2 {
		t.Errorf("problems: %q", problems)
	}
}

// TestPurgeOutbox: delivered messages older than the retention go, in
// batches; pending and dead ones, and younger ones, stay.
func TestPurgeOutbox(t *testing.T) {
	s := openStore(t)
	emit := func(st model.OutboxStatus) uint64 {
		m := &model.OutboxMessage{Event: "customer.changed", CustomerID: 1}
		update(t, s, func(tx *Tx) error {
			if err := tx.Emit(m); err != nil {
				return err
			}
			m.Status = st
			return tx.SaveOutboxMessage(m)
		})
		return m.ID
	}
	var old []uint64
	for range outboxPurgeBatch + 3 {
		old = append(old, emit(model.OutboxDelivered))
	}
	pendingID, deadID := emit(model.OutboxPending), emit(model.OutboxDead)
	s.SetClock(func() time.Time { return testNow.Add(OutboxRetention + time.Hour) })
	young := emit(model.OutboxDelivered)
	n, err := s.PurgeOutbox(OutboxRetention)
	if err != nil || n != len(old) {
		t.Fatalf("purged %d, %v; want %d", n, err, len(old))
	}
	view(t, s, func(tx *Tx) error {
		for _, id := range []uint64{pendingID, deadID, young} {
			if _, err := tx.OutboxMessage(id); err != nil {
				t.Errorf("message %d: %v", id, err)
			}
		}
		if _, err := tx.OutboxMessage(old[0]); err == nil {
			t.Error("an old delivered message stayed")
		}
		return nil
	})
	if problems, _ := s.Check(); len(problems) > 0 {
		t.Fatal(problems)
	}
}

// TestCompact: a compacted backup while the store is open, in-place
// compaction refused while it is open and done once it is closed; the data
// and the integrity check survive, and the file shrinks after deletes.
func TestCompact(t *testing.T) {
	onBbolt(t)
	f := newFixture(t)
	var ids []uint64
	for i := range 300 {
		d := &testDoc{CustomerID: f.c1.ID, Date: "2026-03-01", Note: fmt.Sprintf("note %d %0200d", i, i), Doc: model.Doc{Status: model.StatusDraft}}
		update(t, f.s, func(tx *Tx) error { return tx.InsertDoc(AdminScope(), docTest, d) })
		ids = append(ids, d.ID)
	}
	update(t, f.s, func(tx *Tx) error {
		for _, id := range ids[:250] {
			if err := tx.DeleteDoc(AdminScope(), docTest, id, 1); err != nil {
				return err
			}
		}
		return nil
	})
	path := f.s.dsn
	backup := path + ".compact-backup"
	n, err := f.s.CompactedBackupToFile(backup)
	if err != nil || n == 0 {
		t.Fatalf("compacted backup: %d %v", n, err)
	}
	if _, _, err := Compact(path); err != ErrLocked {
		t.Fatalf("compacting an open file: %v", err)
	}
	if _, err := CompactFile(path, backup+"2"); err != ErrLocked {
		t.Fatalf("compacting a copy of an open file: %v", err)
	}
	f.s.Close()
	before, after, err := Compact(path)
	if err != nil || after >= before {
		t.Fatalf("compact: %d → %d, %v", before, after, err)
	}
	for _, p := range []string{path, backup} {
		s, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		view(t, s, func(tx *Tx) error {
			rows, total, err := tx.ListDocs(AdminScope(), docTest, DocFilter{}, Page{Limit: 10})
			if err != nil || total != 50 || len(rows) != 10 || rows[0].ID != ids[299] {
				t.Errorf("%s: %d rows of %d, %v", p, len(rows), total, err)
			}
			return nil
		})
		if problems, err := s.Check(); err != nil || len(problems) > 0 {
			t.Errorf("%s: %v %v", p, problems, err)
		}
		s.Close()
	}
}

// TestListDocsFilters: the filters read in place (number, text, dates,
// flag) agree with the decoded summaries, for a dealer's and a staff list.
func TestListDocsFilters(t *testing.T) {
	f := newFixture(t)
	var all []model.DocSummary
	for i := range 20 {
		cust := []uint64{f.c1.ID, f.c4.ID}[i%2]
		d := &testDoc{CustomerID: cust, Date: fmt.Sprintf("2026-03-%02d", i+1), Note: fmt.Sprintf("仓库 Note%d", i),
			Doc: model.Doc{Status: []model.Status{model.StatusDraft, model.StatusAudited}[i%3%2]}}
		update(t, f.s, func(tx *Tx) error { return tx.InsertDoc(AdminScope(), docTest, d) })
	}
	view(t, f.s, func(tx *Tx) (err error) {
		all, _, err = tx.ListDocs(AdminScope(), docTest, DocFilter{}, Page{})
		return err
	})
	number := all[4].Number // e.g. TS-2026-000016
	for _, tc := range []struct {
		f    DocFilter
		want func(s model.DocSummary) bool
	}{
		{DocFilter{Q: strings.ToLower(number)}, func(s model.DocSummary) bool { return s.Number == number }},
		{DocFilter{Q: number[len(number)-3:]}, func(s model.DocSummary) bool { return strings.HasSuffix(s.Number, number[len(number)-3:]) }},
		{DocFilter{Q: "NOTE1"}, func(s model.DocSummary) bool { return strings.Contains(s.Text, "note1") }},
		{DocFilter{Q: "仓库"}, func(s model.DocSummary) bool { return true }},
		{DocFilter{From: "2026-03-05", To: "2026-03-09", Statuses: []model.Status{model.StatusAudited}},
			func(s model.DocSummary) bool {
				return s.Date >= "2026-03-05" && s.Date <= "2026-03-09" && s.Status == model.StatusAudited
			}},
		{DocFilter{Flag: "red"}, func(s model.DocSummary) bool { return false }},
		{DocFilter{CustomerID: f.c4.ID, Q: "note"}, func(s model.DocSummary) bool { return s.CustomerID == f.c4.ID }},
	} {
		var want []model.DocSummary
		for _, s := range all {
			if tc.want(s) {
				want = append(want, s)
			}
		}
		view(t, f.s, func(tx *Tx) error {
			got, n, err := tx.ListDocs(AdminScope(), docTest, tc.f, Page{Limit: 100})
			if err != nil || n != len(want) || !reflect.DeepEqual(got, want) {
				t.Errorf("%+v: %d rows (total %d), want %d: %v", tc.f, len(got), n, len(want), err)
			}
			return nil
		})
	}
	// The totals of all customers come from the counts.
	view(t, f.s, func(tx *Tx) error {
		if n := tx.CountDocs(AdminScope(), docTest); n != 20 {
			t.Errorf("count of all: %d", n)
		}
		if n := tx.CountDocs(AdminScope(), docTest, model.StatusAudited); n != len(all)-countStatus(all, model.StatusDraft) {
			t.Errorf("count of audited: %d", n)
		}
		return nil
	})
}

func countStatus(rows []model.DocSummary, st model.Status) int {
	n := 0
	for _, s := range rows {
		if s.Status == st {
			n++
		}
	}
	return n
}
