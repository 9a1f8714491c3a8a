package pgkv

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"testing"
)

// feedRow is what changesSQL reads for one kv_changes row.
func feedRow(gen int64, keys []byte) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(gen))
	b = binary.BigEndian.AppendUint32(b, uint32(len(keys)))
	return append(b, keys...)
}

func TestParseChanges(t *testing.T) {
	w := &tx{db: &DB{wgens: true}}
	w.noteChange(7, []byte("c1/01"))
	w.noteChange(9, nil)
	w.noteChange(9, []byte("ignored: the bucket is whole"))
	row1 := w.encodeChanges()
	w.noteChange(7, []byte(""))
	row2 := w.encodeChanges()
	if w.encodeChanges() != nil {
		t.Fatal("encodeChanges sent the same changes twice")
	}
	raw := append(append(feedRow(11, row1), feedRow(11, row2)...), feedRow(12, row1)...)
	cases := []struct {
		name      string
		raw       []byte
		text      bool
		at, snap  int64
		want      string
		complete  bool
		wantError bool
	}{
		{"two generations, one of two rows", raw, false, 10, 12, "11:7:c1/01 11:9:* 11:7: 12:7:c1/01 12:9:*", true, false},
		{"text form", []byte(`\x` + hex.EncodeToString(raw)), true, 10, 12, "11:7:c1/01 11:9:* 11:7: 12:7:c1/01 12:9:*", true, false},
		{"a generation after the snapshot", raw, false, 10, 11, "11:7:c1/01 11:9:* 11:7:", true, false},
		{"a generation missing", feedRow(12, row1), false, 10, 12, "12:7:c1/01 12:9:*", false, false},
		{"none read", nil, false, 10, 12, "", false, false},
		{"nothing written", nil, false, 12, 12, "", true, false},
		{"cut short", raw[:len(raw)-2], false, 10, 12, "", false, true},
		{"not hex", []byte(`\xzz`), true, 10, 12, "", false, true},
	}
	for _, c := range cases {
		chg, complete, err := parseChanges(c.raw, c.text, c.at, c.snap)
		got := ""
		for i, ch := range chg {
			if i > 0 {
				got += " "
			}
			if ch.whole {
				got += fmt.Sprintf("%d:%d:*", ch.gen, ch.bucket)
			} else {
				got += fmt.Sprintf("%d:%d:%s", ch.gen, ch.bucket, ch.key)
			}
		}
		if (err != nil) != c.wantError || err == nil && (got != c.want || complete != c.complete) {
			t.Errorf("%s: %q, complete %v, %v; want %q, %v, error %v", c.name, got, complete, err, c.want, c.complete, c.wantError)
		}
	}
}

func TestTxKeysBound(t *testing.T) {
	w := &tx{db: &DB{wgens: true}}
	for i := range maxTxKeys + 10 {
		w.noteChange(int64(1+i%2), fmt.Appendf(nil, "k%d", i))
	}
	whole := 0
	for _, c := range w.chg {
		if c.whole {
			whole++
		}
	}
	if len(w.chg) != maxTxKeys+2 || whole != 2 {
		t.Errorf("%d changes, %d whole buckets; want %d keys and the 2 buckets whole", len(w.chg), whole, maxTxKeys)
	}
	off := &tx{db: &DB{}}
	off.noteChange(1, []byte("k"))
	if len(off.chg) != 0 {
		t.Error("a database without write generations recorded a change")
	}
}

func TestChangeLog(t *testing.T) {
	var l changeLog
	l.append(5, nil, false) // the first sync: nothing known before 5
	l.append(7, []change{{gen: 6, bucket: 1, key: []byte("c1/01")}, {gen: 7, bucket: 1, key: []byte("c3/01")}, {gen: 7, bucket: 2, whole: true}}, true)
	dealer := &span{lo: []byte("c1/"), hi: []byte("c1/\xff")}
	rest := &span{lo: []byte("c2/"), noHi: true}
	prefix := &span{prefixes: [][]byte{[]byte("c3/")}}
	cases := []struct {
		name       string
		id         int64
		sp         *span
		from, snap int64
		want       bool
	}{
		{"the dealer's range changed at 6", 1, dealer, 5, 7, false},
		{"the dealer's range since 6", 1, dealer, 6, 7, true},
		{"the rest changed at 7", 1, rest, 6, 7, false},
		{"the rest up to 6", 1, rest, 5, 6, true},
		{"a prefix", 1, prefix, 6, 7, false},
		{"a whole bucket", 2, rest, 6, 7, false},
		{"another bucket", 3, dealer, 5, 7, true},
		{"before the floor", 3, dealer, 4, 7, false},
		{"after the log", 3, dealer, 5, 8, false},
	}
	for _, c := range cases {
		if got := l.unchanged(c.id, c.sp, c.from, c.snap); got != c.want {
			t.Errorf("%s: unchanged %v, want %v", c.name, got, c.want)
		}
	}
	// A gap starts the log again.
	l.append(20, nil, false)
	if l.floor != 20 || l.n != 0 || l.unchanged(3, dealer, 7, 20) || !l.unchanged(3, dealer, 20, 20) {
		t.Errorf("after a gap: floor %d, %d changes", l.floor, l.n)
	}
	// The bound: the oldest generations go.
	var many []change
	for g := int64(21); g <= 20+maxLogChanges/2+10; g++ {
		many = append(many, change{gen: g, bucket: 1, key: []byte("a")}, change{gen: g, bucket: 2, key: []byte("b")})
	}
	l.append(20+maxLogChanges/2+10, many, true)
	if l.n > maxLogChanges || l.floor <= 20 || l.n != len(l.byBucket[1])+len(l.byBucket[2]) {
		t.Errorf("over the bound: %d changes, floor %d", l.n, l.floor)
	}
	if l.byBucket[1][0].gen != l.floor+1 {
		t.Errorf("the oldest change kept is of generation %d, the floor %d", l.byBucket[1][0].gen, l.floor)
	}
}

func TestSpans(t *testing.T) {
	items := []item{{k: []byte("b")}, {k: []byte("d")}}
	cases := []struct {
		name string
		sp   *span
		in   []string
		out  []string
	}{
		{"forward, more", batchSpan(true, []byte("a"), items, true, nil), []string{"a", "c", "d"}, []string{"0", "e"}},
		{"forward, to the end", batchSpan(true, []byte("a"), items, false, nil), []string{"a", "z"}, []string{"0"}},
		{"forward from the start", batchSpan(true, nil, items, true, nil), []string{"", "d"}, []string{"e"}},
		{"backward, more", batchSpan(false, []byte("e"), []item{{k: []byte("d")}, {k: []byte("b")}}, true, nil), []string{"b", "e"}, []string{"a", "f"}},
		{"backward, to the start", batchSpan(false, []byte("e"), nil, false, nil), []string{"", "e"}, []string{"f"}},
		{"backward from the end", batchSpan(false, nil, []item{{k: []byte("d")}}, true, nil), []string{"d", "zz"}, []string{"c"}},
		{"a prefix cursor's, to its end", batchSpan(true, []byte("c1/"), []item{{k: []byte("c1/1")}}, false, []byte("c1/")), []string{"c1/", "c1/9"}, []string{"c2/", "c0"}},
		{"a prefix cursor's, backward from its end", batchSpan(false, nil, []item{{k: []byte("c1/9")}}, true, []byte("c1/")), []string{"c1/9", "c1/a"}, []string{"c1/8", "c2/"}},
		{"a key", keySpan([]byte("k")), []string{"k"}, []string{"j", "k0"}},
		{"prefixes", prefixSpan([][]byte{[]byte("c1/"), []byte("c3/")}), []string{"c1/", "c3/9"}, []string{"c2/", "c1"}},
	}
	for _, c := range cases {
		for _, k := range c.in {
			if !c.sp.covers([]byte(k)) {
				t.Errorf("%s: %q not covered", c.name, k)
			}
		}
		for _, k := range c.out {
			if c.sp.covers([]byte(k)) {
				t.Errorf("%s: %q covered", c.name, k)
			}
		}
	}
}
