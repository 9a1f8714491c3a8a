package model

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"
)

func TestValidFormToken(t *testing.T) {
	for tok, want := range map[string]bool{
		"":                                  true,
		"3f9c0a1b2c3d4e5f60718293a4b5c6d7":  true,
		"SO-2026-000123-3-submit":           true,
		"act:SO-2026-000123-3-audit":        true,
		strings.Repeat("a", MaxFormToken):   true,
		strings.Repeat("a", MaxFormToken+1): false,
		strings.Repeat("a", 40000):          false,
		`"><script>`:                        false,
		"a b":                               false,
		"a\x00b":                            false,
		"\xff":                              false,
	} {
		if got := ValidFormToken(tok); got != want {
			t.Errorf("ValidFormToken(%.20q) = %v", tok, got)
		}
	}
}

// TestTemplateBudget: texts that would run long or grow without bound are
// refused at save with their reason and line, and fail to render with
// ErrTemplateBudget; what message texts need still works.
func TestTemplateBudget(t *testing.T) {
	allowed := []string{"doc_number", "reason"}
	cases := []struct{ name, text, key string }{
		{"range over int", "a\n{{range 100000000}}x{{end}}", "err.template_loop"},
		{"silent range", "{{range 100000000}}{{end}}", "err.template_loop"},
		{"range over value", "{{range .reason}}x{{end}}", "err.template_loop"},
		{"declare", `{{$a := .reason}}{{$a}}`, "err.template_variable"},
		{"declare in with", `{{with $a := .reason}}{{$a}}{{end}}`, "err.template_variable"},
		{"assign", `{{$ = .reason}}`, "err.template_variable"},
		{"printf width", `{{printf "%0999999d" 1}}`, "err.template_printf"},
		{"printf star", `{{printf "%*d" 100000000 1}}`, "err.template_printf"},
		{"printf precision", `{{printf "%.500f" 1.0}}`, "err.template_printf"},
		{"printf value format", `{{printf .reason 1}}`, "err.template_printf"},
		{"printf piped format", `{{.reason | printf}}`, "err.template_printf"},
		{"nested escaping", `{{html (js (urlquery (json (html .reason))))}}`, "err.template_nesting"},
		{"piped escaping", `{{.reason | html | js | urlquery | json | html}}`, "err.template_nesting"},
		{"long text", strings.Repeat("x", MaxTemplateText+1), "err.template_length"},
		{"large output", strings.Repeat(`{{printf "%99s" .reason}}`, 800), "err.template_output"},
		{"template call", `{{define "x"}}{{range 100000000}}{{end}}{{end}}{{template "x"}}`, "err.template_syntax"},
	}
	for _, tc := range cases {
		err := CheckTemplate("body_en", tc.text, allowed)
		if err == nil || err.Key != tc.key {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.key)
		} else if err.Args["line"] == nil {
			t.Errorf("%s: no line in %v", tc.name, err.Args)
		}
		if tc.key == "err.template_syntax" || tc.key == "err.template_output" {
			continue
		}
		if _, rerr := RenderTemplate(tc.text, map[string]string{"reason": "x"}); !errors.Is(rerr, ErrTemplateBudget) || !errors.Is(rerr, ErrTemplate) {
			t.Errorf("%s: render: %v", tc.name, rerr)
		}
	}
	if err := CheckTemplate("body_en", "a\n{{range 100000000}}x{{end}}", allowed); err.Line != 2 {
		t.Errorf("range line: %d", err.Line)
	}
	for _, ok := range []string{
		`{{printf "%s · %5.2f%%" .reason 1.5}}`,
		`{{if .reason}}{{.reason | html | urlquery}}{{else}}-{{end}}`,
		`{{with .reason}}{{json .}}{{end}} {{$.doc_number}}`,
	} {
		if err := CheckTemplate("body_en", ok, allowed); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	// A text within the shape budget whose values make it too long fails
	// when sending, not with an unbounded string.
	long := map[string]string{"reason": strings.Repeat(`"`, 20000)}
	if _, err := RenderTemplate(`{{html (html (html .reason))}}`, long); !errors.Is(err, ErrTemplateBudget) {
		t.Errorf("long output: %v", err)
	}
}

func TestImageByteBudget(t *testing.T) {
	cases := []struct {
		cfg         image.Config
		progressive bool
		ok          bool
	}{
		{image.Config{ColorModel: color.RGBA64Model, Width: 6000, Height: 6600}, false, false},
		{image.Config{ColorModel: color.NRGBA64Model, Width: 3000, Height: 3000}, false, true},
		{image.Config{ColorModel: color.NRGBAModel, Width: 6000, Height: 6600}, false, false},
		{image.Config{ColorModel: color.NRGBAModel, Width: 4000, Height: 3000}, false, true},
		{image.Config{ColorModel: color.YCbCrModel, Width: 6000, Height: 4000}, false, true},
		{image.Config{ColorModel: color.YCbCrModel, Width: 6000, Height: 4000}, true, false},
		{image.Config{ColorModel: color.Palette{color.Black}, Width: 9000, Height: 9000}, false, true},
		{image.Config{ColorModel: color.GrayModel, Width: 100000, Height: 100000}, false, false},
	}
	for _, tc := range cases {
		if got := decodedBytes(tc.cfg, tc.progressive) <= MaxImageBytes; got != tc.ok {
			t.Errorf("%T %dx%d progressive=%v: within budget %v", tc.cfg.ColorModel, tc.cfg.Width, tc.cfg.Height, tc.progressive, got)
		}
	}
	img := image.NewGray(image.Rect(0, 0, 16, 16))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	if progressiveJPEG(buf.Bytes()) {
		t.Error("baseline JPEG taken for progressive")
	}
	// The same header with the frame marker of a progressive JPEG.
	prog := bytes.Replace(buf.Bytes(), []byte{0xff, 0xc0}, []byte{0xff, 0xc2}, 1)
	if !progressiveJPEG(prog) || progressiveJPEG([]byte("\x89PNG")) {
		t.Error("progressive JPEG not recognised")
	}
}
