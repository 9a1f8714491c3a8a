package model

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var (
	pngHead  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	jpegHead = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")
	pdfHead  = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
	zipHead  = []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml")
	exeHead  = []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")
	elfHead  = []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	htmlHead = []byte("<!DOCTYPE html><html><body><script>alert(1)</script>")
	svgHead  = []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="1"/></svg>`)
	xmlSVG   = []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	csvHead  = []byte("code,name,qty\nC001,华东,3\n")
)

func TestCheckAttachment(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		size     int64
		head     []byte
		wantType string
		wantKey  string
	}{
		{"png", "photo.png", 2048, pngHead, "image/png", ""},
		{"png upper-case ext", "PHOTO.PNG", 2048, pngHead, "image/png", ""},
		{"jpeg", "scan.jpeg", 2048, jpegHead, "image/jpeg", ""},
		{"jpg", "scan.jpg", 2048, jpegHead, "image/jpeg", ""},
		{"pdf", "合同.pdf", 50000, pdfHead, "application/pdf", ""},
		{"xlsx", "对账单.xlsx", 9000, zipHead, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ""},
		{"docx", "memo.docx", 9000, zipHead, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ""},
		{"zip", "bundle.zip", 9000, zipHead, "application/zip", ""},
		{"csv", "list.csv", int64(len(csvHead)), csvHead, "text/csv", ""},
		{"txt", "notes.txt", 5, []byte("hello"), "text/plain", ""},
		{"exactly the limit", "big.pdf", MaxAttachmentSize, pdfHead, "application/pdf", ""},

		{"html", "page.html", 100, htmlHead, "", "err.file_type"},
		{"html named txt", "page.txt", 100, htmlHead, "", "err.file_type"},
		{"html named png", "page.png", 100, htmlHead, "", "err.file_type"},
		{"svg", "logo.svg", 100, svgHead, "", "err.file_type"},
		{"svg named txt", "logo.txt", 100, svgHead, "", "err.file_type"},
		{"xml svg", "logo.svg", 100, xmlSVG, "", "err.file_type"},
		{"script in txt", "x.txt", 40, []byte("hello <SCRIPT>alert(1)</SCRIPT>"), "", "err.file_type"},
		{"exe", "setup.exe", 5000, exeHead, "", "err.file_type"},
		{"exe named pdf", "invoice.pdf", 5000, exeHead, "", "err.file_type"},
		{"elf named png", "x.png", 5000, elfHead, "", "err.file_type"},
		{"png renamed pdf", "photo.pdf", 2048, pngHead, "", "err.file_type"},
		{"pdf renamed png", "doc.png", 2048, pdfHead, "", "err.file_type"},
		{"zip renamed exe", "x.exe", 2048, zipHead, "", "err.file_type"},
		{"no extension", "README", 5, []byte("hello"), "", "err.file_type"},
		{"double extension", "photo.png.exe", 2048, pngHead, "", "err.file_type"},
		{"empty", "empty.pdf", 0, nil, "", "err.file_empty"},
		{"negative size", "x.pdf", -1, pdfHead, "", "err.file_empty"},
		{"oversized", "big.pdf", MaxAttachmentSize + 1, pdfHead, "", "err.file_too_big"},
		{"very oversized", "big.pdf", 1 << 40, pdfHead, "", "err.file_too_big"},
	}
	for _, tt := range tests {
		ct, err := CheckAttachment(tt.file, tt.size, tt.head)
		if tt.wantKey == "" {
			if err != nil || ct != tt.wantType {
				t.Errorf("%s: CheckAttachment = %q, %v; want %q", tt.name, ct, err, tt.wantType)
			}
			continue
		}
		if ct != "" {
			t.Errorf("%s: refused file still got type %q", tt.name, ct)
		}
		checkFields(t, tt.name, err, map[string]string{"file": tt.wantKey})
	}
}

func TestCleanFileName(t *testing.T) {
	longCN := strings.Repeat("报", 130) + ".pdf"
	tests := []struct {
		in, want string
	}{
		{"report.pdf", "report.pdf"},
		{"对账单 2026-03.xlsx", "对账单 2026-03.xlsx"},
		{"../../etc/passwd", "passwd"},
		{"..\\..\\windows\\system32\\cmd.exe", "cmd.exe"},
		{"C:\\Users\\li\\Desktop\\合同.pdf", "合同.pdf"},
		{"/abs/path/x.png", "x.png"},
		{"dir/", "dir"},
		{`say "hi".txt`, "say hi.txt"},
		{"a\r\nX-Header: 1.txt", "aX-Header: 1.txt"},
		{"tab\there.txt", "tabhere.txt"},
		{"nul\x00byte.pdf", "nulbyte.pdf"},
		{"del\x7f.pdf", "del.pdf"},
		{"", "file"},
		{".", "file"},
		{"/", "file"},
		{"\\", "file"},
		{"..", "file"},
		{"a/..", "file"},
		{"\"\"", "file"},
		{"\x01\x02", "file"},
		{longCN, strings.Repeat("报", 116) + ".pdf"},
		{strings.Repeat("a", 200), strings.Repeat("a", 120)},
	}
	for _, tt := range tests {
		if got := CleanFileName(tt.in); got != tt.want {
			t.Errorf("CleanFileName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// An extension too long to keep: the name is simply cut at 120 runes.
	if got := CleanFileName(strings.Repeat("名", 119) + "." + strings.Repeat("x", 20)); got != strings.Repeat("名", 119)+"." {
		t.Errorf("CleanFileName(long ext) = %q", got)
	}
	// Whatever comes in, the result is valid UTF-8 of at most 120 runes
	// without separators, quotes or control characters.
	for _, in := range []string{longCN, strings.Repeat("é", 300) + ".docx", "x/" + strings.Repeat("😀", 150), "a\"b\\c/d\x00e"} {
		got := CleanFileName(in)
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > 120 || strings.ContainsAny(got, "/\\\"\x00\r\n") {
			t.Errorf("CleanFileName(%q) = %q", in, got)
		}
	}
}
