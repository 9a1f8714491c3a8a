package model

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxQuickLines is the most lines one quick order (快速下单) takes.
const MaxQuickLines = 500

// QuickLine is one parsed line of a quick order: the line number (1-based,
// as the user sees it), the product code and quantity, or the catalog key of
// what is wrong with it.
type QuickLine struct {
	Row  int
	Raw  string
	Code string
	Qty  Qty
	Err  string
	Args map[string]any
}

// foldWidth turns full-width ASCII (Ａ１，) and the ideographic space into
// their ASCII forms, so codes and numbers typed with a Chinese IME read as
// typed.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == 0x3000 || r == 0xA0:
			return ' '
		case r == '、':
			return ','
		case r == '\ufeff':
			return -1
		}
		return r
	}, s)
}

// splitQuick splits one line into fields: on tabs, semicolons and runs of
// spaces; a line without any of those splits on commas (so "A1,5" works, and
// "A1 1,000" keeps its thousands separator).
func splitQuick(line string) []string {
	isSep := func(r rune) bool { return r == '\t' || r == ';' || unicode.IsSpace(r) }
	fields := strings.FieldsFunc(line, isSep)
	if len(fields) == 1 && strings.Contains(fields[0], ",") {
		fields = strings.Split(fields[0], ",")
	} else {
		// "A1, 5": a comma stuck to the code is a separator too.
		for i, f := range fields {
			fields[i] = strings.Trim(f, ",")
		}
	}
	out := fields[:0]
	for _, f := range fields {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// quickHeaders are first-line words that mark a header row, skipped.
var quickHeaders = map[string]bool{"CODE": true, "PRODUCT_CODE": true, "PRODUCT": true, "SKU": true,
	"商品编码": true, "商品代码": true, "物料编码": true, "编码": true, "代码": true}

// ParseQuickOrder reads pasted lines of "code qty" separated by tabs,
// commas, semicolons or spaces, tolerating full-width characters, blank
// lines and a header line. Codes are upper-cased. Lines whose quantity is
// missing, not a number or not positive carry an error; the same code on
// several lines is kept per line (the caller sums them). At most
// MaxQuickLines non-blank lines are read; the rest are reported as one error
// line.
func ParseQuickOrder(text string) []QuickLine {
	var out []QuickLine
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	for i, raw := range strings.Split(text, "\n") {
		if !utf8.ValidString(raw) {
			raw = strings.ToValidUTF8(raw, "\uFFFD")
		}
		line := strings.TrimSpace(foldWidth(raw))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ql := QuickLine{Row: i + 1, Raw: truncate(strings.TrimSpace(raw), 120)}
		if len(out) >= MaxQuickLines {
			ql.Err, ql.Args = "err.quick_too_many", map[string]any{"max": MaxQuickLines}
			out = append(out, ql)
			break
		}
		fields := splitQuick(line)
		if len(out) == 0 && len(fields) > 0 && quickHeaders[strings.ToUpper(fields[0])] {
			continue
		}
		out = append(out, QuickRow(ql, fields))
	}
	return out
}

// QuickRow fills ql from the cells of one row (pasted or from a file): the
// first cell is the code, the second the quantity.
func QuickRow(ql QuickLine, fields []string) QuickLine {
	for i := range fields {
		fields[i] = strings.TrimSpace(foldWidth(fields[i]))
	}
	for len(fields) > 0 && fields[len(fields)-1] == "" {
		fields = fields[:len(fields)-1]
	}
	switch {
	case len(fields) == 0 || fields[0] == "":
		ql.Err = "err.quick_code"
		return ql
	case len(fields) > 2:
		ql.Err = "err.quick_format"
		return ql
	}
	if code := strings.ToUpper(fields[0]); codeRe.MatchString(code) {
		ql.Code = code
	} else {
		ql.Err = "err.quick_code"
		return ql
	}
	if len(fields) < 2 {
		ql.Err = "err.qty_missing"
		return ql
	}
	q, err := ParseQty(fields[1])
	var re *RangeError
	switch {
	case errors.As(err, &re):
		ql.Err, ql.Args = re.Key, re.Args
	case err != nil:
		ql.Err = "err.qty_invalid"
	case q <= 0:
		ql.Err = "err.qty_positive"
	default:
		ql.Qty = q
	}
	return ql
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
