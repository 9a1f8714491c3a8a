package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"dealerportal/store/kv"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// Record encodings. Records were plain JSON until schema version 6; since
// then the large, many records (business documents, outbox messages, the
// API's feed events) are written as one version byte followed by the JSON
// compressed with zstd (its fastest level) against a raw dictionary of the
// JSON those records share (field names, statuses, dates, the submit
// trail). A typical two-line online order goes from about 1,100 bytes of
// JSON to under 300. zstd rather than the standard library's DEFLATE: with
// a dictionary, DEFLATE clears its 640 KB of match tables and hashes the
// dictionary again for every record, which made it several times slower
// for the same size (BenchmarkRecordCodec); zstd keeps the dictionary's
// tables.
// Readers accept both forms, so records written before are read as they
// are and re-encoded when next written.
//
// The first byte tells them apart: JSON starts with '{' (or '[', '"', a
// digit, t/f/n); encZstdV1 (0x01) is never the first byte of JSON. A new
// dictionary is a new version byte: the bytes of dictV1 may never change.
const encZstdV1 = 0x01

// encS2V1 (0x02, since schema version 11) is a record prepared before its
// transaction (preRecord: a new online order's document): after the version
// byte, the length of a plain head as a uvarint, the head (the JSON of the
// fields the commit fills, from the opening brace), then the rest of the
// JSON compressed with S2 against the same raw dictionary (dictV1, repeat
// offset 0). S2 rather than zstd there: about 6 µs instead of 60–120 for a
// two-line order's 1,100 bytes of JSON, which become about 400 bytes
// instead of about 350 — zstd resets its dictionary tables and builds
// entropy tables for every record, S2 has neither (BenchmarkRecordCodec).
const encS2V1 = 0x02

// dictV1 is the raw dictionary of encZstdV1: matches are found anywhere in
// it, cheapest near its end, where the most common strings (the document
// header and Meta fields) are.
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

var (
	zEncoder = sync.OnceValue(func() *zstd.Encoder {
		// A record is a few KB: a 128 KB window loses nothing, and the
		// encoder's history buffer is 256 KB instead of 8 MB (WithLowerEncoderMem
		// drops its 1 MB minimum); decoders read any window.
		e, err := zstd.NewWriter(nil, zstd.WithEncoderDictRaw(dictV1ID, []byte(dictV1)),
			zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(false),
			zstd.WithWindowSize(encWindow), zstd.WithLowerEncoderMem(true))
		if err != nil {
			panic(err) // only for bad options
		}
		return e
	})
	s2Dict = sync.OnceValue(func() *s2.Dict {
		d := s2.MakeDictManual([]byte(dictV1), 0)
		if d == nil {
			panic("store: dictV1 is not an S2 dictionary")
		}
		return d
	})
	zDecoder = sync.OnceValue(func() *zstd.Decoder {
		d, err := zstd.NewReader(nil, zstd.WithDecoderDictRaw(dictV1ID, []byte(dictV1)),
			zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(maxRecord))
		if err != nil {
			panic(err)
		}
		return d
	})
)

// dictV1ID names dictV1 inside a frame. maxRecord bounds what a damaged
// frame may claim to decode to.
const (
	dictV1ID  = 1
	maxRecord = 64 << 20
	encWindow = 128 << 10
)

// encodeRecord returns v as a compressed record (encZstdV1).
func encodeRecord(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return zEncoder().EncodeAll(data, append(make([]byte, 0, 64+len(data)/3), encZstdV1)), nil
}

// recordJSON returns the JSON of a stored record in either encoding. The
// result of a compressed record is a new slice; plain JSON is returned as
// given (bbolt's memory: do not keep it past the transaction).
func recordJSON(data []byte) ([]byte, error) {
	if len(data) == 0 {
		return data, nil
	}
	switch data[0] {
	case encZstdV1:
		out, err := zDecoder().DecodeAll(data[1:], make([]byte, 0, 4*len(data)))
		if err != nil {
			return nil, fmt.Errorf("compressed record: %w", err)
		}
		return out, nil
	case encS2V1:
		out, err := s2RecordJSON(data[1:])
		if err != nil {
			return nil, fmt.Errorf("compressed record: %w", err)
		}
		return out, nil
	}
	return data, nil
}

var errS2Record = errors.New("damaged S2 record")

// s2RecordJSON is the JSON of an encS2V1 record without its version byte:
// its head, then its compressed rest decoded.
func s2RecordJSON(data []byte) ([]byte, error) {
	n, k := binary.Uvarint(data)
	if k <= 0 || n > uint64(len(data)-k) {
		return nil, errS2Record
	}
	head, block := data[k:k+int(n)], data[k+int(n):]
	size, err := s2.DecodedLen(block)
	if err != nil || size > maxRecord {
		return nil, errS2Record
	}
	out := make([]byte, len(head)+size)
	copy(out, head)
	if _, err := s2Dict().Decode(out[len(head):], block); err != nil {
		return nil, errS2Record
	}
	return out, nil
}

// decodeRecord reads a stored record in either encoding into v.
func decodeRecord(data []byte, v any) error {
	js, err := recordJSON(data)
	if err != nil {
		return err
	}
	return json.Unmarshal(js, v)
}

// putRecord writes v under k compressed (encodeRecord), or as plain JSON
// into a bucket of a store on PostgreSQL (plainBucket).
func putRecord(b interface{ Put(k, v []byte) error }, k []byte, v any) error {
	if pb, plain := b.(plainBucket); plain {
		return putJSON(pb.Bucket, k, v)
	}
	data, err := encodeRecord(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

// plainBucket is a bucket of a store on PostgreSQL (Tx.b): there records
// are written as plain JSON, which pgkv keeps in its json column, so that
// operators can read documents with SQL (docs/POSTGRES.md); PostgreSQL
// compresses large values itself (TOAST). Its Put turns a compressed record
// (one prepared before the transaction, see preEncode) into its JSON.
// Readers accept either encoding on both backends.
type plainBucket struct{ kv.Bucket }

// Prefetch passes the hint on (kv.Prefetcher).
func (b plainBucket) Prefetch(keys [][]byte) { kv.Prefetch(b.Bucket, keys) }

// ScanPrefixes passes the range reads on (kv.PrefixScanner).
func (b plainBucket) ScanPrefixes(prefixes [][]byte, fn func(i int, k, v []byte) error) error {
	return kv.ScanPrefixes(b.Bucket, prefixes, fn)
}

// Put writes v, as its JSON when v is a compressed record.
func (b plainBucket) Put(k, v []byte) error {
	if isCompressed(v) {
		js, err := recordJSON(v)
		if err != nil {
			return err
		}
		v = js
	}
	return b.Bucket.Put(k, v)
}

// isCompressed reports whether v is a compressed record: an encZstdV1
// record (the version byte and a zstd frame's magic number) or an encS2V1
// record (the version byte, then a head and S2 block that decode to a JSON
// object; S2 has no magic number, so the decoding is the test).
func isCompressed(v []byte) bool {
	switch {
	case len(v) > 5 && v[0] == encZstdV1:
		return v[1] == 0x28 && v[2] == 0xB5 && v[3] == 0x2F && v[4] == 0xFD
	case len(v) > 2 && v[0] == encS2V1:
		js, err := s2RecordJSON(v[1:])
		return err == nil && len(js) >= 2 && js[0] == '{' && js[len(js)-1] == '}'
	}
	return false
}

// DecodeRecord decodes a stored value in either encoding (plain or
// compressed JSON) into v, for tools and tests that read the file's
// buckets directly; an error for a value that is neither (an index entry,
// a binary summary).
func DecodeRecord(data []byte, v any) error { return decodeRecord(data, v) }

// preRecord is a record encoded before its write transaction (a new online
// order and its events, prepared in the submitting request's goroutine):
// the JSON of the value without the fields only the commit knows — its id,
// and for a document its number, for an event its document and
// parameters. The commit puts those few fields in front (record), as the
// plain head of an encS2V1 record, or as plain JSON; only the key order
// differs from json.Marshal's (the commit's fields come first).
type preRecord struct {
	body []byte
	s2   bool // body is the S2 block of an encS2V1 record
}

// preEncode returns v's JSON with its first field, which must be
// `"first":0` (an id the commit assigns), and the top-level fields drop (each
// `"name":""`, empty strings the commit fills) cut out, compressed (encS2V1).
// ok is false when the JSON does not have that shape; the caller then
// encodes at commit.
func preEncode(v any, first string, drop ...string) (preRecord, bool) {
	js, ok := preJSON(v, first, drop...)
	if !ok {
		return preRecord{}, false
	}
	return preRecord{body: s2Dict().Encode(nil, js), s2: true}, true
}

// preEncodePlain is preEncode without the compression: for the small
// records of a submit (its outbox message and feed event), which it would
// shrink by about 150 bytes each.
func preEncodePlain(v any, first string, drop ...string) (preRecord, bool) {
	js, ok := preJSON(v, first, drop...)
	return preRecord{body: js}, ok
}

// preJSON is v's JSON without its first field and the fields drop, from
// the second field's opening quote to the closing brace.
func preJSON(v any, first string, drop ...string) ([]byte, bool) {
	js, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	lead := `{"` + first + `":0,`
	if !bytes.HasPrefix(js, []byte(lead)) {
		return nil, false
	}
	js = js[len(lead):]
	for _, name := range drop {
		// `,"name":"",` cannot occur inside a JSON string (quotes there are
		// escaped), so it is a field of this object or of a nested one:
		// exactly one occurrence is required.
		f := []byte(`,"` + name + `":"",`)
		if bytes.Count(js, f) != 1 {
			return nil, false
		}
		i := bytes.Index(js, f)
		js = append(js[:i+1], js[i+len(f):]...)
	}
	if len(js) < 2 || js[0] != '"' {
		return nil, false
	}
	return js, true
}

// record returns the stored value: head (the commit's fields, from `{` to
// their trailing comma), then the prepared body.
func (p preRecord) record(head []byte) []byte {
	if !p.s2 {
		return append(head, p.body...)
	}
	out := make([]byte, 0, 1+binary.MaxVarintLen64+len(head)+len(p.body))
	out = binary.AppendUvarint(append(out, encS2V1), uint64(len(head)))
	return append(append(out, head...), p.body...)
}

// jsonHead starts a record head: `{"name":id`.
func jsonHead(name string, id uint64) []byte {
	b := make([]byte, 0, 96)
	b = append(append(append(b, `{"`...), name...), `":`...)
	return strconv.AppendUint(b, id, 10)
}

// appendJSONField appends `,"name":` and v's JSON; an error for a value
// json cannot encode.
func appendJSONField(b []byte, name string, v any) ([]byte, error) {
	js, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(append(append(append(b, `,"`...), name...), `":`...), js...), nil
}

// eventRecord is the stored value of a prepared outbox message or feed
// event (idName "id" or "seq"): the commit's fields are its id, its
// document and its parameters (the link names the document's id).
func (p preRecord) eventRecord(idName string, id, docID uint64, docNumber string, params map[string]string) ([]byte, error) {
	head := jsonHead(idName, id)
	var err error
	if docID != 0 {
		head = strconv.AppendUint(append(head, `,"doc_id":`...), docID, 10)
	}
	if docNumber != "" {
		if head, err = appendJSONField(head, "doc_number", docNumber); err != nil {
			return nil, err
		}
	}
	if len(params) > 0 {
		if head, err = appendJSONField(head, "params", params); err != nil {
			return nil, err
		}
	}
	return p.record(append(head, ',')), nil
}
