package gofpdf

// Local change (not in upstream v1.16.2): a UTF-8 TrueType font parsed once
// and shared by any number of documents. AddUTF8FontFromBytes parses the
// whole font for every document and again when it subsets it on output, in
// time and memory proportional to the font's glyph count; with a CJK font
// that is most of a short document's cost.

import (
	"errors"
	"sync"
)

// UTF8Font is a TrueType font parsed by ParseUTF8Font, to be added to
// documents with AddUTF8FontParsed. It is never changed after parsing and
// is safe for concurrent use by documents in different goroutines.
type UTF8Font struct {
	file *utf8FontFile // metrics (widths, descriptor), as AddUTF8FontFromBytes parses them
	cut  *utf8FontFile // tables, cmap, metrics and glyph offsets prepared for subsetting
	prep cutPrep

	mu  sync.Mutex
	ids map[string]string // font ID by font key: a hash of the whole definition
}

// ParseUTF8Font parses a single TrueType (glyf) font. It returns an error
// for a collection, a CFF-based OpenType font, or a font without a Unicode
// cmap.
func ParseUTF8Font(utf8Bytes []byte) (*UTF8Font, error) {
	file := newUTF8Font(&fileReader{array: utf8Bytes})
	if err := file.parseFile(); err != nil {
		return nil, err
	}
	cut := newUTF8Font(&fileReader{array: utf8Bytes})
	prep, ok := cut.prepareCut()
	if !ok {
		return nil, errors.New("gofpdf: font has no Unicode cmap")
	}
	return &UTF8Font{file: file, cut: cut, prep: prep, ids: map[string]string{}}, nil
}

// cutter returns a copy of the prepared font that cuts one subset: its own
// reader position and output tables, the prepared tables shared read-only.
func (u *UTF8Font) cutter() *utf8FontFile {
	c := *u.cut
	c.fileReader = &fileReader{array: u.cut.fileReader.array}
	return &c
}

// AddUTF8FontParsed adds a font parsed by ParseUTF8Font, like
// AddUTF8FontFromBytes adds a font's bytes, without parsing it again. The
// document's output is byte for byte what AddUTF8FontFromBytes gives for the
// same font bytes.
func (f *Fpdf) AddUTF8FontParsed(familyStr, styleStr string, font *UTF8Font) {
	if f.err != nil {
		return
	}
	familyStr = fontFamilyEscape(familyStr)
	fontkey := getFontKey(familyStr, styleStr)
	if _, ok := f.fonts[fontkey]; ok {
		return
	}
	utf8File := font.file
	var sbarr map[int]int
	if f.aliasNbPagesStr == "" {
		sbarr = makeSubsetRange(57)
	} else {
		sbarr = makeSubsetRange(32)
	}
	def := fontDefType{
		Tp:   "UTF8",
		Name: fontkey,
		Desc: FontDescType{
			Ascent:       int(utf8File.Ascent),
			Descent:      int(utf8File.Descent),
			CapHeight:    utf8File.CapHeight,
			Flags:        utf8File.Flags,
			FontBBox:     utf8File.Bbox,
			ItalicAngle:  utf8File.ItalicAngle,
			StemV:        utf8File.StemV,
			MissingWidth: round(utf8File.DefaultWidth),
		},
		Up:        int(round(utf8File.UnderlinePosition)),
		Ut:        round(utf8File.UnderlineThickness),
		Cw:        utf8File.CharWidths, // read only, by every document
		parsed:    font,
		usedRunes: sbarr,
	}
	// The ID hashes the definition's JSON (all 65,536 widths): once per
	// font and key, not per document.
	font.mu.Lock()
	id, ok := font.ids[fontkey]
	if !ok {
		var err error
		if id, err = generateFontID(def); err != nil {
			font.mu.Unlock()
			f.err = err
			return
		}
		font.ids[fontkey] = id
	}
	font.mu.Unlock()
	def.i = id
	f.fonts[fontkey] = def
}
