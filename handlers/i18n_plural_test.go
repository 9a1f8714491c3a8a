package handlers

import (
	"regexp"
	"strings"
	"testing"
)

// TestPluralChoice: a count chooses its branch by the language's rule; #
// is the number; =N wins over the category; other placeholders fill inside
// a branch; a text may count two things.
func TestPluralChoice(t *testing.T) {
	i, err := testCatalog(t, `{
  "rows": {"en": "{n, plural, one {# row} other {# rows}}: {good} good", "zh": "{n} 行：{good} 行正确"},
  "two": {"en": "{o, plural, one {# order} other {# orders}}, {l, plural, =0 {no lines} one {# line} other {# lines}}", "zh": "{o} 张订单，{l} 行"},
  "nested": {"en": "{n, plural, one {one file from {who}} other {# files from {who}}}", "zh": "{who} 的 {n} 个文件"}
}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"en", "rows", []any{"n", 1, "good", 1}, "1 row: 1 good"},
		{"en", "rows", []any{"n", 0, "good", 0}, "0 rows: 0 good"},
		{"en", "rows", []any{"n", 2, "good", 1}, "2 rows: 1 good"},
		{"en", "rows", []any{"n", uint64(1), "good", 1}, "1 row: 1 good"},
		{"en", "rows", []any{"n", 11, "good", 11}, "11 rows: 11 good"},
		{"en", "rows", nil, " rows: {good} good"},
		{"zh", "rows", []any{"n", 1, "good", 1}, "1 行：1 行正确"},
		{"en", "two", []any{"o", 1, "l", 0}, "1 order, no lines"},
		{"en", "two", []any{"o", 3, "l", 1}, "3 orders, 1 line"},
		{"en", "two", []any{"o", 2, "l", 5}, "2 orders, 5 lines"},
		{"en", "nested", []any{"n", 1, "who", "Li"}, "one file from Li"},
		{"en", "nested", []any{"n", 4, "who", "Li"}, "4 files from Li"},
	} {
		if got := i.T(tc.lang, tc.key, tc.args...); got != tc.want {
			t.Errorf("T(%s, %s, %v) = %q, want %q", tc.lang, tc.key, tc.args, got, tc.want)
		}
	}
}

// TestPluralMalformed: a plural choice without "other", with an unknown
// selector or unbalanced braces stops the load.
func TestPluralMalformed(t *testing.T) {
	for _, text := range []string{
		"{n, plural, one {# row}}",
		"{n, plural, single {# row} other {# rows}}",
		"{n, plural, one {# row} other {# rows}",
		"{n, plural, one # row other {# rows}}",
	} {
		if _, err := testCatalog(t, `{"k": {"en": "`+text+`", "zh": "行"}}`); err == nil || !strings.Contains(err.Error(), "plural") {
			t.Errorf("%q accepted: %v", text, err)
		}
	}
}

// TestCountsHavePlurals: an English text that shows a count next to a noun
// chooses the noun's form by the count ("1 row", "2 rows"): a placeholder
// named like a count ({n}, {count}, {total}…) right before a plural noun is
// written as a plural choice. Limits ({max}, {min}) are never 1 and are
// left alone.
func TestCountsHavePlurals(t *testing.T) {
	i := shippedCatalog(t)
	walkCatalog(i, func(k, en, _ string) {
		if m := pluralNeededRe.FindString(en); m != "" {
			t.Errorf("%s: %q shows a count with a plural noun: write {name, plural, one {# …} other {# …s}}", k, m)
		}
	})
	// The examples the issue names.
	if got := i.T("en", "import.summary", "total", 1, "good", 1, "bad", 0); !strings.HasPrefix(got, "1 row:") {
		t.Errorf("import.summary for 1: %q", got)
	}
	if got := i.T("en", "cart.lines", "n", 1); got != "1 line" {
		t.Errorf("cart.lines for 1: %q", got)
	}
}

// pluralNeededRe finds a count placeholder right before a plural noun:
// "{n} lines", "{count} events".
var pluralNeededRe = regexp.MustCompile(`\{(?:n|count|total|good|bad|orders|lines|days|minutes|hours|rows|items|customers|added|done|pending|sent|dead)\} [a-z]+s\b`)
