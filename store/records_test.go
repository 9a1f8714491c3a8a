package store

import (
	"context"
	"testing"

	"dealerportal/model"

	"github.com/jackc/pgx/v5"
)

// TestRecordEncodingPerBackend: on bbolt documents, outbox messages and
// feed events are stored compressed; on PostgreSQL as plain JSON, which an
// operator reads with SQL through pgkv's json column (the query of
// docs/POSTGRES.md). Binary summaries stay binary on both. Both submit
// paths are covered: one transaction (SaveOnlineOrder) and the prepared
// one, whose record is compressed before its transaction.
func TestRecordEncodingPerBackend(t *testing.T) {
	f := newOrderFixture(t)
	d := f.d1b
	var direct uint64
	update(t, f.s, func(tx *Tx) error {
		o, err := tx.NewOnlineOrder(f.scope(d), d.CustomerID)
		if err != nil {
			return err
		}
		if err := tx.SaveOnlineOrder(f.scope(d), o, []LineInput{{Code: "P1", Qty: qty(2)}}, d, true); err != nil {
			return err
		}
		direct = o.ID
		return nil
	})
	prepared := f.submitPrepared(t, d, true, nil, LineInput{Code: "P1", Qty: qty(3)})
	b := docKinds[model.DocOnlineOrder]
	var numbers []string
	view(t, f.s, func(tx *Tx) error {
		for _, id := range []uint64{direct, prepared} {
			v := tx.b(b.main).Get(itob(id))
			if f.s.Postgres() != (v[0] == '{') || !f.s.Postgres() && !isCompressed(v) {
				t.Errorf("order %d stored as %q…", id, v[:min(len(v), 8)])
			}
			o := &model.OnlineOrder{}
			if err := decodeRecord(v, o); err != nil {
				return err
			}
			numbers = append(numbers, o.Number)
			if s := tx.b(b.cust).Get(key(d.CustomerID, id)); s[0] == '{' {
				t.Errorf("summary of order %d stored as JSON", id)
			}
		}
		// (On bbolt a prepared submit's messages are plain JSON too:
		// preEncodePlain.)
		for _, name := range [][]byte{bOutbox, bAPIEvents} {
			_, v := tx.b(name).Cursor().First()
			if f.s.Postgres() != (v[0] == '{') {
				t.Errorf("%s stored as %q…", name, v[:min(len(v), 8)])
			}
		}
		return nil
	})
	if !f.s.Postgres() {
		return
	}
	// The operator's view: the order by its number, with SQL.
	conn, err := pgx.Connect(context.Background(), f.s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for i, number := range numbers {
		var status string
		var lines int
		var qty float64
		err := conn.QueryRow(context.Background(), `
			SELECT doc->>'status', json_array_length(doc->'lines'), (doc->'lines'->0->>'qty')::numeric / 1000
			FROM kv_records WHERE bucket = 'doc:OO' AND doc->>'number' = $1`, number).Scan(&status, &lines, &qty)
		if err != nil {
			t.Fatalf("order %s by SQL: %v", number, err)
		}
		if status != string(model.StatusSubmitted) || lines != 1 || qty != float64(2+i) {
			t.Errorf("order %s by SQL: %s, %d lines, qty %v", number, status, lines, qty)
		}
	}
	// The documentation's second query (a customer's audited orders; online
	// orders here, the only documents of this fixture).
	rows, err := conn.Query(context.Background(), `
		SELECT doc->>'number' AS number, doc->>'status' AS status,
		       (doc->'totals'->>'amount')::numeric / 100 AS amount
		FROM kv_records
		WHERE bucket = 'doc:OO' AND (doc->>'customer_id')::bigint = $1
		  AND doc->>'status' = 'submitted'
		ORDER BY doc->>'order_date'`, d.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var number, status string
		var amount float64
		if err := rows.Scan(&number, &status, &amount); err != nil {
			t.Fatal(err)
		}
		if amount <= 0 {
			t.Errorf("order %s: amount %v", number, amount)
		}
		n++
	}
	if rows.Err() != nil || n != 2 {
		t.Errorf("customer's orders by SQL: %d, %v", n, rows.Err())
	}
}
