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

	bolt "go.etcd.io/bbolt"
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
	if len(k) != 16 {
		return s, errBadSummary
	}
	s.CustomerID, s.ID = btoi(k[:8]), btoi(k[8:])
	r := sumReader{b: v[1:]}
	n := int(r.byte())
	s.Status = model.Status(r.take(n))
	s.Number = r.string()
	s.Date = r.string()
	amount, w := binary.Varint(r.b)
	if w <= 0 {
		return s, errBadSummary
	}
	r.b = r.b[w:]
	s.Amount = model.Money(amount)
	prefixed := r.byte() == 1
	s.Text = r.string()
	if prefixed {
		s.Text = strings.ToLower(s.Number) + "\x1f" + s.Text
	}
	s.Flag = r.string()
	if r.bad {
		return s, errBadSummary
	}
	return s, nil
}

// summaryStatus reads the status of a stored summary without decoding it.
func summaryStatus(v []byte) model.Status {
	if len(v) >= 2 && v[0] == encSummaryV1 && len(v) >= 2+int(v[1]) {
		return model.Status(v[2 : 2+int(v[1])])
	}
	s := model.DocSummary{}
	_ = json.Unmarshal(v, &s)
	return s.Status
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

func (r *sumReader) take(n int) string {
	if n < 0 || n > len(r.b) {
		r.bad = true
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *sumReader) string() string {
	n, w := binary.Uvarint(r.b)
	if w <= 0 {
		r.bad = true
		return ""
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

// migrateDocSummaries rewrites the summaries of every document type from
// the JSON kept twice (doc:T:cust and doc:T:all) to the binary summary in
// doc:T:cust and the owner and status in doc:T:all.
func migrateDocSummaries(tx *bolt.Tx) error {
	kinds := make([]string, 0, len(docKinds))
	for k := range docKinds {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
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
	}
	return nil
}

// checkDocIndexes recomputes, for every document type, the summary rows,
// the owner-and-status rows and the status counts from the documents, and
// reports every difference.
func checkDocIndexes(t *Tx) []string {
	var out []string
	kinds := make([]string, 0, len(docKinds))
	for k := range docKinds {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		b := docKinds[model.DocType(kind)]
		cust, all, count := t.b(b.cust), t.b(b.all), t.b(b.count)
		counts := map[string]uint64{}
		n := 0
		_ = t.b(b.main).ForEach(func(k, v []byte) error {
			n++
			id := btoi(k[8:])
			hdr := &struct {
				Status model.Status `json:"status"`
			}{}
			if err := decodeRecord(v, hdr); err != nil {
				out = append(out, fmt.Sprintf("%s %d: %v", kind, id, err))
				return nil
			}
			s, err := decodeDocSummary(k, cust.Get(k))
			switch {
			case err != nil:
				out = append(out, fmt.Sprintf("%s %d: summary: %v", kind, id, err))
			case s.Status != hdr.Status:
				out = append(out, fmt.Sprintf("%s %d: summary status %q, document %q", kind, id, s.Status, hdr.Status))
			}
			if c, st, ok := decodeOwner(all.Get(itob(id))); !ok || c != btoi(k[:8]) || st != hdr.Status {
				out = append(out, fmt.Sprintf("%s %d: owner row %x does not match customer %d, status %q", kind, id, all.Get(itob(id)), btoi(k[:8]), hdr.Status))
			}
			counts[string(countKey(btoi(k[:8]), hdr.Status))]++
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
