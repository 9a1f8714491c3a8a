package gofpdf

// Local change (not in upstream v1.16.2): a UTF-8 TrueType font parsed once
// and shared by any number of documents. AddUTF8FontFromBytes parses the
// whole font for every document and again when it subsets it on output, in
// time and memory proportional to the font's glyph count; with a CJK font
// that is most of a short document's cost.

import (
	"encoding/binary"
	"errors"
	"sort"
	"sync"
)

// UTF8Font is a TrueType font parsed by ParseUTF8Font, to be added to
// documents with AddUTF8FontParsed. It is never changed after parsing and
// is safe for concurrent use by documents in different goroutines.
type UTF8Font struct {
	file *utf8FontFile // metrics (widths, descriptor), as AddUTF8FontFromBytes parses them
	cut  *utf8FontFile // tables, cmap, metrics and glyph offsets prepared for subsetting
	prep cutPrep

	mu      sync.Mutex
	ids     map[string]string // font ID by font key: a hash of the whole definition
	subsets map[string]*subsetEntry
	head    *subsetEntry // most recently used
	tail    *subsetEntry
	cached  int // bytes held by subsets
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

// utf8Subset is what a document embeds of a UTF-8 font for the runes it
// used: the compressed subset font and its length, the CID widths line and
// the compressed CID-to-glyph map. It depends on nothing else, so documents
// that use the same runes of a shared font share it.
type utf8Subset struct {
	fontStream  []byte
	size        int
	widths      string
	cidToGidMap []byte
}

// newUTF8Subset compresses the subset stream cut by uf for font and builds
// its widths and CID-to-glyph map.
func newUTF8Subset(font *fontDefType, uf *utf8FontFile, stream []byte) *utf8Subset {
	sub := &utf8Subset{fontStream: sliceCompress(stream), size: len(stream)}
	codeSign := uf.CodeSymbolDictionary
	delete(codeSign, 0)
	sub.widths = cidWidths(font, uf.LastRune)
	cidToGidMap := make([]byte, 256*256*2)
	for cc, glyph := range codeSign {
		cidToGidMap[cc*2] = byte(glyph >> 8)
		cidToGidMap[cc*2+1] = byte(glyph & 0xFF)
	}
	sub.cidToGidMap = sliceCompress(cidToGidMap)
	return sub
}

func (s *utf8Subset) bytes() int {
	return len(s.fontStream) + len(s.widths) + len(s.cidToGidMap)
}

// SubsetCacheBytes bounds the memory each UTF8Font keeps for the subsets
// of recent documents (least recently used first out). Set it before the
// first document; 0 keeps none.
var SubsetCacheBytes = 4 << 20

type subsetEntry struct {
	key        string
	sub        *utf8Subset
	prev, next *subsetEntry
}

// subset returns the subset of font (a document's definition of u) for
// usedRunes, from the cache or cut and added to it.
func (u *UTF8Font) subset(font *fontDefType, usedRunes map[int]int) *utf8Subset {
	key := runesKey(usedRunes)
	u.mu.Lock()
	if e, ok := u.subsets[key]; ok {
		u.unlink(e)
		u.pushFront(e)
		u.mu.Unlock()
		return e.sub
	}
	u.mu.Unlock()
	uf := u.cutter()
	sub := newUTF8Subset(font, uf, uf.cutPrepared(u.prep, usedRunes))
	size := sub.bytes() + len(key)
	if size > SubsetCacheBytes {
		return sub
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, ok := u.subsets[key]; ok { // cut meanwhile by another document
		return sub
	}
	if u.subsets == nil {
		u.subsets = map[string]*subsetEntry{}
	}
	e := &subsetEntry{key: key, sub: sub}
	u.subsets[key] = e
	u.pushFront(e)
	u.cached += size
	for u.cached > SubsetCacheBytes && u.tail != nil {
		old := u.tail
		u.unlink(old)
		delete(u.subsets, old.key)
		u.cached -= old.sub.bytes() + len(old.key)
	}
	return sub
}

func (u *UTF8Font) pushFront(e *subsetEntry) {
	e.prev, e.next = nil, u.head
	if u.head != nil {
		u.head.prev = e
	}
	u.head = e
	if u.tail == nil {
		u.tail = e
	}
}

func (u *UTF8Font) unlink(e *subsetEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		u.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		u.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

// runesKey encodes a used-runes map (rune → rune, or 0 for the reserved
// low range) in rune order.
func runesKey(used map[int]int) string {
	keys := make([]int, 0, len(used))
	for r := range used {
		keys = append(keys, r)
	}
	sort.Ints(keys)
	b := make([]byte, 0, len(keys)*6)
	for _, r := range keys {
		b = binary.AppendUvarint(b, uint64(r))
		b = binary.AppendUvarint(b, uint64(used[r]))
	}
	return string(b)
}

// SubsetBytes is what the subsets u keeps for later documents hold now.
func (u *UTF8Font) SubsetBytes() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.cached
}
