package store

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"dealerportal/model"
)

// An encS2V1 record (a prepared document) reads back as its head followed
// by the rest of its JSON; a damaged one is an error, never a panic or a
// wrong value.
func TestS2RecordCodec(t *testing.T) {
	o := &model.OnlineOrder{CustomerID: 32, OrderDate: "2026-12-03", Remarks: `a "quoted" remark, 备注`,
		ShipTo: model.ShipTo{LocationID: 94, Name: "公司总部", Address: "广东省中山市小榄镇滨江大道1231号"},
		Lines:  []model.OrderLine{{No: 1, ProductID: 3, EntryID: 3, Code: "V000003", Name: "深沟球轴承 6204", Unit: "个", Qty: 1000, Price: 6000, TaxRate: 1300}}}
	o.Totals, _ = model.SumLines(o.Lines)
	pre, ok := preEncode(o, "id", "number")
	if !ok || !pre.s2 {
		t.Fatalf("not prepared: %v", ok)
	}
	head, _ := appendJSONField(jsonHead("id", 9985), "number", "OO-2026-009985")
	rec := pre.record(append(head, ','))
	if rec[0] != encS2V1 {
		t.Fatalf("version byte %#x", rec[0])
	}
	js, err := recordJSON(rec)
	if err != nil {
		t.Fatal(err)
	}
	want := *o
	want.ID, want.Number = 9985, "OO-2026-009985"
	wantJS, _ := json.Marshal(&want)
	var gotV, wantV any
	if err := json.Unmarshal(js, &gotV); err != nil {
		t.Fatalf("%v: %s", err, js)
	}
	_ = json.Unmarshal(wantJS, &wantV)
	if !jsonEqual(gotV, wantV) {
		t.Errorf("record JSON\n%s\nwant the fields of\n%s", js, wantJS)
	}
	if len(rec) >= len(wantJS)/2 {
		t.Errorf("%d bytes for %d of JSON", len(rec), len(wantJS))
	}
	for name, bad := range map[string][]byte{
		"no length":      {encS2V1},
		"head too long":  {encS2V1, 200, '{'},
		"block cut":      rec[:len(rec)-5],
		"block damaged":  append(bytes.Clone(rec[:len(rec)-3]), 0xff, 0xff, 0xff),
		"huge size":      append([]byte{encS2V1, 1, '{'}, 0xff, 0xff, 0xff, 0xff, 0x0f),
		"length overrun": {encS2V1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
	} {
		if err := decodeRecord(bad, &model.OnlineOrder{}); err == nil {
			t.Errorf("%s: decodes", name)
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a) // map keys sorted
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// A submitted order prepared outside the group commit is stored as an
// encS2V1 record (plain JSON on PostgreSQL), and a file of schema 13
// (records plain and zstd only) opens at 14 with every record read as
// before.
func TestPreparedOrderStoredS2(t *testing.T) {
	f := newOrderFixture(t)
	f.s.SetClock(func() time.Time { return testNow })
	old := f.placeOrder(t, f.d1b, true, LineInput{Code: "P1", Qty: qty(2)})
	id := f.submitPrepared(t, f.d1b, true, nil, LineInput{Code: "P1", Qty: qty(2)})
	raw := func(id uint64) []byte {
		var v []byte
		view(t, f.s, func(tx *Tx) error {
			v = bytes.Clone(tx.b(tx.docB(docOnlineOrder).main).Get(itob(id)))
			return nil
		})
		return v
	}
	// On PostgreSQL every record is written as its plain JSON (plainBucket).
	wantPrepared, wantSaved := byte(encS2V1), byte(encZstdV1)
	if f.s.Postgres() {
		wantPrepared, wantSaved = '{', '{'
	}
	if v := raw(id); v[0] != wantPrepared {
		t.Fatalf("prepared order stored as %q", v)
	}
	if v := raw(old.ID); v[0] != wantSaved {
		t.Fatalf("order saved in its transaction stored as %q", v)
	}
	f.reopenAt(t, 13)
	view(t, f.s, func(tx *Tx) error {
		if v := btoi(tx.b(bMeta).Get(keySchemaVersion)); v != SchemaVersion() || v < 14 {
			t.Errorf("schema %d after open", v)
		}
		for _, id := range []uint64{old.ID, id} {
			if o, err := tx.OnlineOrder(AdminScope(), id); err != nil || o.ID != id || len(o.Lines) != 1 {
				t.Errorf("order %d after the migration: %+v %v", id, o, err)
			}
		}
		return nil
	})
	if problems, err := f.s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
}
