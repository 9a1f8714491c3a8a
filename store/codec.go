package store

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// Record encodings. Records were plain JSON until schema version 6; since
// then the large, many records (business documents, outbox messages, the
// API's feed events) are written as one version byte followed by the JSON
// compressed with DEFLATE against a preset dictionary of the JSON those
// records share (field names, statuses, dates, the submit trail). A typical
// two-line online order goes from about 1,150 bytes of JSON to under 300.
// Readers accept both forms, so records written before are read as they
// are and re-encoded when next written.
//
// The first byte tells them apart: JSON starts with '{' (or '[', '"', a
// digit, t/f/n); encFlateV1 (0x01) is never the first byte of JSON. A new
// dictionary is a new version byte: the bytes of dictV1 may never change.
const encFlateV1 = 0x01

// dictV1 is the preset dictionary of encFlateV1. DEFLATE finds matches for
// the text it compresses in the dictionary's last 32 KB, best near its end:
// the most common strings (the document header and Meta fields) come last.
const dictV1 = `{"seq":1,"event":"online_order.credit_hold","params":{"credit_limit":"¥","exposure":"¥"}}` +
	`{"id":1,"event":"sales_order.audited","customer_id":1,"doc_type":"SO","doc_id":1,"doc_number":"SO-2026-000001","actor":"admin",` +
	`"params":{"amount":"¥1,000.00","link":"/sales-orders/1"},"created_at":"2026-01-01T00:00:00.000000000Z","status":"delivered",` +
	`"attempts":1,"next_try":"2026-01-01T00:00:00.000000000Z","last_error":"no template or no channel for this event"}` +
	`{"id":1,"customer_id":1,"online_order_id":1,"order_date":"2026-01-01","delivery_date":"2026-01-01","salesperson_id":1,"org_unit_id":1,` +
	`"settlement":"","online_order_number":"OO-2026-000001","purchase_recorded":true,"downstream":1,"shipped_qty":0,"invoiced":0,` +
	`"red":true,"post_date":"2026-01-01","warehouse":"","reason":"","reject_reason":"","sales_order_id":1,"sales_order_number":"SO-2026-000001",` +
	`"credit_approved_by":"","allow_adjust":true,"outbound_id":1,"notice_id":1,"invoice_no":"","amount_due":0}` +
	`{"seq":1,"event":"online_order.submitted","customer_id":1,"doc_type":"OO","doc_id":1,"doc_number":"OO-2026-000001","actor":"c0001.buyer",` +
	`"at":"2026-01-01T00:00:00.000000000Z","params":{"amount":"¥1,000.00","link":"/online-orders/1"}}` +
	`{"id":1,"customer_id":1,"order_date":"2026-01-01","ship_to":{"location_id":1,"name":"公司总部","address":"省市区路号","contact":"","phone":"0"},` +
	`"contact":"","phone":"0","remarks":"","lines":[{"no":1,"product_id":1,"entry_id":1,"code":"P000001","name":"","spec":"","unit":"个",` +
	`"qty":1000,"price":100,"tax_rate":1300,"amount_excl":100,"tax":100,"amount":100,"delivery_date":"2026-01-01","remark":"","source":{}},` +
	`{"no":2,"product_id":1,"entry_id":1,"code":"P000001","name":"","spec":"","unit":"台","qty":1000,"price":100,"tax_rate":1300,` +
	`"amount_excl":100,"tax":100,"amount":100,"source":{}}],"totals":{"qty":1000,"amount_excl":100,"tax":100,"amount":100},` +
	`"credit_hold":true,"credit_limit":1000000,"credit_exposure":1000000,"number":"OO-2026-000001","status":"submitted",` +
	`"trail":[{"at":"2026-01-01T00:00:00.000000000Z","by":"c0001.buyer","action":"submit","from":"draft","to":"submitted"}],` +
	`"version":2,"created_at":"2026-01-01T00:00:00.000000000Z","created_by":"c0001.buyer",` +
	`"updated_at":"2026-01-01T00:00:00.000000000Z","updated_by":"c0001.buyer"}`

// flateLevel trades a few bytes for speed: with the dictionary, level 5
// compresses as well as 9 here.
const flateLevel = 5

var (
	flateWriters = sync.Pool{New: func() any {
		w, err := flate.NewWriterDict(nil, flateLevel, []byte(dictV1))
		if err != nil {
			panic(err) // only for a bad level
		}
		return w
	}}
	flateReaders = sync.Pool{New: func() any { return flate.NewReaderDict(bytes.NewReader(nil), []byte(dictV1)) }}
)

// encodeRecord returns v as a compressed record (encFlateV1).
func encodeRecord(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return compressRecord(data)
}

// compressRecord compresses the JSON data into an encFlateV1 record.
func compressRecord(data []byte) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 1, 64+len(data)/3))
	buf.Bytes()[0] = encFlateV1
	w := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(w)
	w.Reset(buf)
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// recordJSON returns the JSON of a stored record in either encoding. The
// result of a compressed record is a new slice; plain JSON is returned as
// given (bbolt's memory: do not keep it past the transaction).
func recordJSON(data []byte) ([]byte, error) {
	if len(data) == 0 || data[0] != encFlateV1 {
		return data, nil
	}
	r := flateReaders.Get().(io.ReadCloser)
	defer flateReaders.Put(r)
	if err := r.(flate.Resetter).Reset(bytes.NewReader(data[1:]), []byte(dictV1)); err != nil {
		return nil, err
	}
	out := bytes.NewBuffer(make([]byte, 0, 4*len(data)))
	if _, err := out.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("compressed record: %w", err)
	}
	return out.Bytes(), nil
}

// decodeRecord reads a stored record in either encoding into v.
func decodeRecord(data []byte, v any) error {
	js, err := recordJSON(data)
	if err != nil {
		return err
	}
	return json.Unmarshal(js, v)
}

// putRecord writes v under k compressed (encodeRecord).
func putRecord(b interface{ Put(k, v []byte) error }, k []byte, v any) error {
	data, err := encodeRecord(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}
