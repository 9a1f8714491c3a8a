package model

import (
	"strconv"
	"strings"
	"testing"
)

// TestRenderTemplateKeepsParsedTextsBounded: a text is parsed once and
// rendered from the kept parse after; the kept texts never pass
// maxParsedBytes in total, however many distinct texts are rendered, and
// each still renders its own values.
func TestRenderTemplateKeepsParsedTextsBounded(t *testing.T) {
	text := "订单 {{.doc_number}} 已驳回"
	for range 2 {
		out, err := RenderTemplate(text, map[string]string{"doc_number": "OO-1"})
		if err != nil || out != "订单 OO-1 已驳回" {
			t.Fatalf("RenderTemplate = %q, %v", out, err)
		}
	}
	parsedTexts.Lock()
	kept := parsedTexts.m[text]
	parsedTexts.Unlock()
	if kept == nil {
		t.Fatal("the parsed text was not kept")
	}
	pad := strings.Repeat("x", MaxTemplateText/2)
	for i := range 2 * maxParsedBytes / len(pad) {
		n := strconv.Itoa(i)
		out, err := RenderTemplate(n+pad+"{{.v}}", map[string]string{"v": n})
		if err != nil || out != n+pad+n {
			t.Fatalf("text %d: %.20q…, %v", i, out, err)
		}
		parsedTexts.Lock()
		b := parsedTexts.bytes
		parsedTexts.Unlock()
		if b > maxParsedBytes {
			t.Fatalf("after %d texts the kept texts hold %d bytes, more than %d", i+1, b, maxParsedBytes)
		}
	}
}
