package pdf

import (
	"fmt"
	"strings"
	"sync"

	"dealerportal/views"

	"github.com/jung-kurt/gofpdf"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Fonts. gofpdf takes single TrueType files only and has no glyph fallback,
// so text is drawn in runs: CJK runes in Droid Sans Fallback (full CJK, no
// Latin at all), everything else in DejaVu Sans. The font files live in
// fonts/ with their licences and reach the binary once, through views.FS
// (which embeds this folder with every template).
//
// gofpdf parses a font every time a document adds it and subsets it again
// on output, in time proportional to the font's glyph count: the 4 MB CJK
// font costs some 60 ms per document. So the fonts are read and cut once
// per process into reduced fonts — DejaVu to Latin, punctuation and
// currency signs; Droid to GB 2312 (the 6,763 common hanzi and the
// full-width forms and punctuation) — and a document uses the reduced ones
// unless its text has a rune they lack, in which case that document falls
// back to the full font (rare names still print).

const (
	famLatin = "dv"
	famCJK   = "cjk"
)

type fontFile struct {
	full, cut []byte
	runes     map[rune]bool // what cut covers

	once                  sync.Once
	fullParsed, cutParsed *gofpdf.UTF8Font
	err                   error
}

// parsed returns the font parsed once per process (full or cut).
func (ff *fontFile) parsed(full bool) (*gofpdf.UTF8Font, error) {
	ff.once.Do(func() {
		if ff.cutParsed, ff.err = gofpdf.ParseUTF8Font(ff.cut); ff.err == nil {
			ff.fullParsed, ff.err = gofpdf.ParseUTF8Font(ff.full)
		}
	})
	if full {
		return ff.fullParsed, ff.err
	}
	return ff.cutParsed, ff.err
}

type fontSet struct {
	latin, latinBold, cjk fontFile
}

var (
	fontsOnce sync.Once
	fonts     *fontSet
	fontsErr  error
)

const fontDir = "pdf/fonts/"

// loadFonts reads and cuts the fonts once; later calls return the same set.
func loadFonts() (*fontSet, error) {
	fontsOnce.Do(func() {
		read := func(name string) []byte {
			b, err := views.FS.ReadFile(fontDir + name)
			if err != nil && fontsErr == nil {
				fontsErr = fmt.Errorf("pdf font %s: %w", name, err)
			}
			return b
		}
		fs := &fontSet{}
		fs.latin.full = read("DejaVuSans.ttf")
		fs.latinBold.full = read("DejaVuSans-Bold.ttf")
		fs.cjk.full = read("DroidSansFallbackFull.ttf")
		if fontsErr != nil {
			return
		}
		latin := latinRunes()
		fs.latin.runes, fs.latinBold.runes = latin, latin
		fs.latin.cut = gofpdf.UTF8CutFont(fs.latin.full, runeString(latin))
		fs.latinBold.cut = gofpdf.UTF8CutFont(fs.latinBold.full, runeString(latin))
		fs.cjk.runes = gb2312Runes()
		fs.cjk.cut = gofpdf.UTF8CutFont(fs.cjk.full, runeString(fs.cjk.runes))
		fonts = fs
	})
	return fonts, fontsErr
}

// isCJK reports whether r is drawn with the CJK font: CJK radicals,
// punctuation, kana, ideographs, Hangul, compatibility and full-width forms.
func isCJK(r rune) bool {
	return r >= 0x2E80 && r <= 0x9FFF || r >= 0xAC00 && r <= 0xD7AF || r >= 0xF900 && r <= 0xFAFF ||
		r >= 0xFE30 && r <= 0xFE4F || r >= 0xFF00 && r <= 0xFFEF || r >= 0x20000 && r <= 0x2FFFF
}

// latinRunes are what the reduced DejaVu keeps: Latin with its supplements
// and extensions, general punctuation, currency and letter-like signs,
// arrows and a few mathematical operators.
func latinRunes() map[rune]bool {
	m := map[rune]bool{}
	for _, rg := range [][2]rune{{0x20, 0x24F}, {0x2000, 0x206F}, {0x20A0, 0x20CF}, {0x2100, 0x214F}, {0x2190, 0x21FF}, {0x2212, 0x2212}, {0x2264, 0x2265}} {
		for r := rg[0]; r <= rg[1]; r++ {
			m[r] = true
		}
	}
	return m
}

// gb2312Runes decodes every two-byte GB 2312 code (rows 0xA1–0xF7) into the
// set of characters it names.
func gb2312Runes() map[rune]bool {
	m := map[rune]bool{}
	dec := simplifiedchinese.GBK.NewDecoder()
	for hi := 0xA1; hi <= 0xF7; hi++ {
		for lo := 0xA1; lo <= 0xFE; lo++ {
			s, err := dec.Bytes([]byte{byte(hi), byte(lo)})
			if err != nil {
				continue
			}
			for _, r := range string(s) {
				if r != 0xFFFD && isCJK(r) {
					m[r] = true
				}
			}
		}
	}
	return m
}

func runeString(m map[rune]bool) string {
	var b strings.Builder
	for r := range m {
		b.WriteRune(r)
	}
	return b.String()
}

// addFonts registers the three fonts on f: reduced ones when they cover
// every rune of the document (used), full ones otherwise. It returns
// gofpdf's error, which AddUTF8FontFromBytes only prints.
func addFonts(f *gofpdf.Fpdf, used map[rune]bool) error {
	fs, err := loadFonts()
	if err != nil {
		return err
	}
	pick := func(ff *fontFile, cjk bool) *gofpdf.UTF8Font {
		full := false
		for r := range used {
			if isCJK(r) == cjk && !ff.runes[r] {
				full = true
			}
		}
		p, perr := ff.parsed(full)
		if perr != nil && err == nil {
			err = perr
		}
		return p
	}
	a, b, c := pick(&fs.latin, false), pick(&fs.latinBold, false), pick(&fs.cjk, true)
	if err != nil {
		return err
	}
	f.AddUTF8FontParsed(famLatin, "", a)
	f.AddUTF8FontParsed(famLatin, "B", b)
	f.AddUTF8FontParsed(famCJK, "", c)
	if err := f.Error(); err != nil {
		return fmt.Errorf("pdf fonts: %w", err)
	}
	// AddUTF8FontFromBytes prints a parse error and returns without setting
	// the error: check the fonts are there.
	for _, fam := range []string{famLatin, famCJK} {
		f.SetFont(fam, "", 10)
		if f.Error() != nil || f.GetStringWidth("1") <= 0 && fam == famLatin {
			return fmt.Errorf("pdf font %s did not load", fam)
		}
	}
	return nil
}
