package handlers

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Languages the portal speaks; the first is the default for new users.
var Languages = []string{"zh", "en"}

// I18n holds the message catalogs: every key has a text in every language.
// Catalog files live in views/i18n, one per module, each mapping a key to its
// texts: {"nav.home": {"en": "Home", "zh": "首页"}}. Texts may hold named
// placeholders such as {max}, and plural choices in the ICU form
// {n, plural, one {# line} other {# lines}}: the branch is chosen by the
// argument n (=N for an exact number, then the language's category: English
// "one" for 1, "other" otherwise; Chinese always "other"), and # stands for
// the number. A count shown with a noun is written so in English; Chinese
// needs no choice ("{n} 行").
type I18n struct {
	texts map[string]map[string]string // lang → key → text
}

// LoadI18n reads every *.json catalog in dir of fsys. It fails on a key that
// is defined twice or lacks a language, so a missing translation stops the
// start (and the tests), never shows up as a raw key.
func LoadI18n(fsys fs.FS, dir string) (*I18n, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	i := &I18n{texts: map[string]map[string]string{}}
	for _, l := range Languages {
		i.texts[l] = map[string]string{}
	}
	var problems []string
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var cat map[string]map[string]string
		if err := json.Unmarshal(data, &cat); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for k, byLang := range cat {
			for _, l := range Languages {
				text, ok := byLang[l]
				if !ok || strings.TrimSpace(text) == "" {
					problems = append(problems, fmt.Sprintf("%s: %q has no %s text", f, k, l))
					continue
				}
				if _, dup := i.texts[l][k]; dup {
					problems = append(problems, fmt.Sprintf("%s: %q is defined twice", f, k))
					continue
				}
				if err := checkPlurals(text); err != nil {
					problems = append(problems, fmt.Sprintf("%s: %q (%s): %v", f, k, l, err))
					continue
				}
				i.texts[l][k] = text
			}
			for l := range byLang {
				if _, ok := i.texts[l]; !ok {
					problems = append(problems, fmt.Sprintf("%s: %q has unknown language %q", f, k, l))
				}
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("message catalogs: %s", strings.Join(problems, "; "))
	}
	return i, nil
}

// Has reports whether key exists (in every language, as loading guarantees).
func (i *I18n) Has(key string) bool {
	_, ok := i.texts[Languages[0]][key]
	return ok
}

// T returns the text of key in lang with placeholders filled from args, given
// as name, value pairs. A missing key renders as "⟦key⟧" so tests catch it.
func (i *I18n) T(lang, key string, args ...any) string {
	byKey, ok := i.texts[lang]
	if !ok {
		byKey = i.texts[Languages[0]]
	}
	text, ok := byKey[key]
	if !ok {
		return "⟦" + key + "⟧"
	}
	if strings.Contains(text, pluralMark) {
		text = choosePlurals(lang, text, args)
	}
	if len(args) == 0 {
		return text
	}
	pairs := make([]string, 0, len(args))
	for n := 0; n+1 < len(args); n += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[n])+"}", fmt.Sprint(args[n+1]))
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// TMap is T with the arguments in a map (validation errors carry them so).
func (i *I18n) TMap(lang, key string, args map[string]any) string {
	flat := make([]any, 0, 2*len(args))
	for k, v := range args {
		flat = append(flat, k, v)
	}
	return i.T(lang, key, flat...)
}

// Keys lists every key, sorted (tests).
func (i *I18n) Keys() []string {
	keys := make([]string, 0, len(i.texts[Languages[0]]))
	for k := range i.texts[Languages[0]] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pickLang chooses a supported language from an Accept-Language header.
func pickLang(accept string) string {
	for _, part := range strings.Split(accept, ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(tag)
		switch {
		case strings.HasPrefix(tag, "zh"):
			return "zh"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return Languages[0]
}

func validLang(l string) bool {
	for _, x := range Languages {
		if x == l {
			return true
		}
	}
	return false
}

// pluralMark starts a plural choice in a catalog text.
const pluralMark = ", plural,"

// pluralBlock is one "{name, plural, …}" choice found in a text: its byte
// range, the argument it counts and its branches by selector.
type pluralBlock struct {
	start, end int
	arg        string
	branches   map[string]string
}

// nextPlural finds the first plural choice in text at or after from; ok is
// false when there is none, err says what is malformed.
func nextPlural(text string, from int) (b pluralBlock, ok bool, err error) {
	i := strings.Index(text[from:], pluralMark)
	if i < 0 {
		return b, false, nil
	}
	i += from
	open := strings.LastIndexByte(text[:i], '{')
	if open < 0 {
		return b, false, fmt.Errorf("plural without its opening brace")
	}
	b.start, b.arg = open, strings.TrimSpace(text[open+1:i])
	b.branches = map[string]string{}
	p := i + len(pluralMark)
	for {
		for p < len(text) && text[p] == ' ' {
			p++
		}
		if p >= len(text) {
			return b, false, fmt.Errorf("plural of %s is not closed", b.arg)
		}
		if text[p] == '}' {
			b.end = p + 1
			break
		}
		q := p
		for q < len(text) && text[q] != '{' && text[q] != ' ' {
			q++
		}
		sel := text[p:q]
		for q < len(text) && text[q] == ' ' {
			q++
		}
		if q >= len(text) || text[q] != '{' || sel == "" {
			return b, false, fmt.Errorf("plural of %s: a selector needs a {text}", b.arg)
		}
		depth, r := 0, q
		for ; r < len(text); r++ {
			if text[r] == '{' {
				depth++
			} else if text[r] == '}' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		if r >= len(text) {
			return b, false, fmt.Errorf("plural of %s: unbalanced braces", b.arg)
		}
		switch {
		case sel == "zero" || sel == "one" || sel == "two" || sel == "few" || sel == "many" || sel == "other":
		case strings.HasPrefix(sel, "=") && len(sel) > 1 && strings.Trim(sel[1:], "0123456789") == "":
		default:
			return b, false, fmt.Errorf("plural of %s: unknown selector %q", b.arg, sel)
		}
		b.branches[sel] = text[q+1 : r]
		p = r + 1
	}
	if _, ok := b.branches["other"]; !ok {
		return b, false, fmt.Errorf("plural of %s has no \"other\" branch", b.arg)
	}
	return b, true, nil
}

// checkPlurals reports a malformed plural choice in text.
func checkPlurals(text string) error {
	for from := 0; ; {
		b, ok, err := nextPlural(text, from)
		if err != nil || !ok {
			return err
		}
		from = b.end
	}
}

// pluralCategory is the CLDR category of number n (as written) in lang:
// English has "one" for exactly 1; Chinese has only "other".
func pluralCategory(lang, n string) string {
	if lang == "en" && n == "1" {
		return "one"
	}
	return "other"
}

// choosePlurals replaces each plural choice of text by the branch its count
// selects, with # written as the number. A count missing from args selects
// "other".
func choosePlurals(lang, text string, args []any) string {
	values := map[string]string{}
	for n := 0; n+1 < len(args); n += 2 {
		values[fmt.Sprint(args[n])] = fmt.Sprint(args[n+1])
	}
	var out strings.Builder
	from := 0
	for {
		b, ok, err := nextPlural(text, from)
		if err != nil || !ok {
			break
		}
		out.WriteString(text[from:b.start])
		n, has := values[b.arg]
		branch, exact := b.branches["="+n]
		if !has || !exact {
			var found bool
			if branch, found = b.branches[pluralCategory(lang, n)]; !found {
				branch = b.branches["other"]
			}
		}
		out.WriteString(strings.ReplaceAll(branch, "#", n))
		from = b.end
	}
	out.WriteString(text[from:])
	return out.String()
}
