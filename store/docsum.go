package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// Document summaries are stored once, in doc:T:cust, in a small binary form
// (schema version 6; JSON before, still read):
//
//	encSummaryV1 · len(status) · status · number · date · amount · text flag · text · flag
//
// strings as uvarint length + bytes, the amount as a varint. The status sits
// at a fixed place so that a list filtering on it reads one byte and a
// slice, decoding nothing. The search text starts with the lower-case
// number (writeDoc); that prefix is not stored twice. The id and customer
// come from the key. doc:T:all holds customerID (8 bytes) · status.
const encSummaryV1 = 0x02

var errBadSummary = errors.New("store: damaged document summary")

func encodeDocSummary(s *model.DocSummary) []byte {
	if len(s.Status) > 255 {
		data, _ := json.Marshal(s) // no such status exists; kept readable all the same
		return data
	}
	text, prefixed := s.Text, byte(0)
	if p := strings.ToLower(s.Number) + "\x1f"; strings.HasPrefix(text, p) {
		text, prefixed = text[len(p):], 1
	}
	b := make([]byte, 0, 24+len(s.Status)+len(s.Number)+len(s.Date)+len(text)+len(s.Flag))
	b = append(b, encSummaryV1, byte(len(s.Status)))
	b = append(b, s.Status...)
	b = appendString(b, s.Number)
	b = appendString(b, s.Date)
	b = binary.AppendVarint(b, int64(s.Amount))
	b = append(b, prefixed)
	b = appendString(b, text)
	return appendString(b, s.Flag)
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decodeDocSummary decodes the summary stored under k (customerID|id) in
// doc:T:cust, in either form; errBadSummary for bytes it cannot read, and
// model.ErrNotFound for none.
func decodeDocSummary(k, v []byte) (model.DocSummary, error) {
	s := model.DocSummary{}
	if v == nil {
		return s, model.ErrNotFound
	}
	if v[0] != encSummaryV1 {
		err := json.Unmarshal(v, &s)
		return s, err
	}
	r, ok := peekSummary(v)
	if !ok || len(k) != 16 {
		return s, errBadSummary
	}
	s.CustomerID, s.ID = btoi(k[:8]), btoi(k[8:])
	s.Status, s.Number, s.Date = model.Status(r.status), string(r.number), string(r.date)
	s.Amount, s.Text, s.Flag = model.Money(r.amount), string(r.text), string(r.flag)
	if r.prefixed {
		s.Text = strings.ToLower(s.Number) + "\x1f" + s.Text
	}
	return s, nil
}

// storedSummary is a binary summary's fields as slices of the stored
// bytes: lists filter on it without decoding (allocating) anything.
type storedSummary struct {
	status, number, date, text, flag []byte
	amount                           int64
	prefixed                         bool // text follows the lower-case number
}

// peekSummary reads a binary summary in place; false for a JSON one (or
// damaged bytes).
func peekSummary(v []byte) (storedSummary, bool) {
	var s storedSummary
	if len(v) < 2 || v[0] != encSummaryV1 {
		return s, false
	}
	r := sumReader{b: v[1:]}
	s.status = r.take(int(r.byte()))
	s.number = r.bytes()
	s.date = r.bytes()
	amount, w := binary.Varint(r.b)
	if w <= 0 {
		return s, false
	}
	r.b = r.b[w:]
	s.amount = amount
	s.prefixed = r.byte() == 1
	s.text = r.bytes()
	s.flag = r.bytes()
	return s, !r.bad
}

// contains reports whether the search text of s holds q (lower case, no
// 0x1f): the text, or the lower-case number it follows.
func (s *storedSummary) contains(q []byte) bool {
	if bytes.Contains(s.text, q) {
		return true
	}
	if !s.prefixed || len(s.number) > 64 {
		return s.prefixed && bytes.Contains(bytes.ToLower(s.number), q)
	}
	var buf [64]byte
	n := copy(buf[:], s.number)
	for i, c := range buf[:n] {
		if 'A' <= c && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	return bytes.Contains(buf[:n], q) || !isASCII(buf[:n]) && bytes.Contains(bytes.ToLower(s.number), q)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// summaryStatus reads the status of a stored summary without decoding it.
func summaryStatus(v []byte) model.Status {
	if st := rawStatus(v); st != nil {
		return model.Status(st)
	}
	s := model.DocSummary{}
	_ = json.Unmarshal(v, &s)
	return s.Status
}

// rawStatus is the status of a binary summary in place; nil for JSON.
func rawStatus(v []byte) []byte {
	if len(v) >= 2 && v[0] == encSummaryV1 && len(v) >= 2+int(v[1]) {
		return v[2 : 2+int(v[1])]
	}
	return nil
}

type sumReader struct {
	b   []byte
	bad bool
}

func (r *sumReader) byte() byte {
	if len(r.b) == 0 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *sumReader) take(n int) []byte {
	if n < 0 || n > len(r.b) {
		r.bad = true
		return nil
	}
	s := r.b[:n:n]
	r.b = r.b[n:]
	return s
}

func (r *sumReader) bytes() []byte {
	n, w := binary.Uvarint(r.b)
	if w <= 0 || n > uint64(len(r.b)) {
		r.bad = true
		return nil
	}
	r.b = r.b[w:]
	return r.take(int(n))
}

// encodeOwner is the doc:T:all value: the owner and the status.
func encodeOwner(cust uint64, st model.Status) []byte { return append(itob(cust), st...) }

func decodeOwner(v []byte) (uint64, model.Status, bool) {
	if len(v) < 8 {
		return 0, "", false
	}
	return btoi(v[:8]), model.Status(v[8:]), true
}

// sortedDocKinds lists the registered document types by name.
func sortedDocKinds() []string {
	kinds := make([]string, 0, len(docKinds))
	for k := range docKinds {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	return kinds
}

// migrateDocSummaries rewrites the summaries of every document type from
// the JSON kept twice (doc:T:cust and doc:T:all) to the binary summary in
// doc:T:cust and the owner and status in doc:T:all.
func migrateDocSummaries(tx kv.Tx) error {
	kinds := sortedDocKinds()
	for _, kind := range kinds {
		b := docKinds[model.DocType(kind)]
		cust, err := tx.CreateBucketIfNotExists(b.cust)
		if err != nil {
			return err
		}
		all, err := tx.CreateBucketIfNotExists(b.all)
		if err != nil {
			return err
		}
		var keys, sums [][]byte
		var owners []model.DocSummary
		err = cust.ForEach(func(k, v []byte) error {
			if len(v) > 0 && v[0] == encSummaryV1 {
				return nil
			}
			s := model.DocSummary{}
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("%s summary %x: %w", kind, k, err)
			}
			keys, sums = append(keys, bytes.Clone(k)), append(sums, encodeDocSummary(&s))
			owners = append(owners, s)
			return nil
		})
		if err != nil {
			return err
		}
		for i, k := range keys {
			if err := cust.Put(k, sums[i]); err != nil {
				return err
			}
			if err := all.Put(itob(owners[i].ID), encodeOwner(owners[i].CustomerID, owners[i].Status)); err != nil {
				return err
			}
		}
		// The totals of all customers (customer 0) from the customers' counts.
		count, err := tx.CreateBucketIfNotExists(b.count)
		if err != nil {
			return err
		}
		totals := map[string]uint64{}
		_ = count.ForEach(func(k, v []byte) error {
			if btoi(k) != 0 {
				totals[string(countKey(0, model.Status(k[8:])))] += btoi(v)
			}
			return nil
		})
		for k, n := range totals {
			if err := count.Put([]byte(k), itob(n)); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkDocIndexes recomputes, for every document type, the summary rows,
// the owner-and-status rows and the status counts (per customer and in
// total) from the documents, and reports every difference.
func checkDocIndexes(t *Tx) []string {
	var out []string
	kinds := sortedDocKinds()
	for _, kind := range kinds {
		b := docKinds[model.DocType(kind)]
		cust, all, count := t.b(b.cust), t.b(b.all), t.b(b.count)
		counts := map[string]uint64{}
		n := 0
		// The owner is the document's own customer_id, checked against
		// its owner row in doc:T:all, which scoped reads trust.
		_ = t.eachDocValue(model.DocType(kind), func(_, id uint64, v []byte) error {
			n++
			hdr := &struct {
				ID       uint64       `json:"id"`
				Customer uint64       `json:"customer_id"`
				Status   model.Status `json:"status"`
			}{}
			if err := decodeRecord(v, hdr); err != nil {
				out = append(out, fmt.Sprintf("%s %d: %v", kind, id, err))
				return nil
			}
			if hdr.ID != id {
				out = append(out, fmt.Sprintf("%s %d: stored under id %d", kind, hdr.ID, id))
			}
			k := key(hdr.Customer, id)
			s, err := decodeDocSummary(k, cust.Get(k))
			switch {
			case err != nil:
				out = append(out, fmt.Sprintf("%s %d: summary: %v", kind, id, err))
			case s.Status != hdr.Status:
				out = append(out, fmt.Sprintf("%s %d: summary status %q, document %q", kind, id, s.Status, hdr.Status))
			}
			if c, st, ok := decodeOwner(all.Get(itob(id))); !ok || c != hdr.Customer || st != hdr.Status {
				out = append(out, fmt.Sprintf("%s %d: owner row %x does not match customer %d, status %q", kind, id, all.Get(itob(id)), hdr.Customer, hdr.Status))
			}
			counts[string(countKey(hdr.Customer, hdr.Status))]++
			counts[string(countKey(0, hdr.Status))]++
			return nil
		})
		if m, a := cust.Stats().KeyN, all.Stats().KeyN; m != n || a != n {
			out = append(out, fmt.Sprintf("%s: %d documents, %d summaries, %d owner rows", kind, n, m, a))
		}
		_ = count.ForEach(func(k, v []byte) error {
			if want := counts[string(k)]; btoi(v) != want {
				out = append(out, fmt.Sprintf("%s: count of customer %d, %q is %d, documents say %d", kind, btoi(k), k[8:], btoi(v), want))
			}
			delete(counts, string(k))
			return nil
		})
		for k, want := range counts {
			out = append(out, fmt.Sprintf("%s: no count of customer %d, %q (documents say %d)", kind, btoi([]byte(k)), k[8:], want))
		}
	}
	return out
}
