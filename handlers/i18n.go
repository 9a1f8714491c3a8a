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
// placeholders such as {max}.
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
