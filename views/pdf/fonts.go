package pdf

import (
	"fmt"
	"sync"

	"dealerportal/views"

	"github.com/jung-kurt/gofpdf"
)

// Fonts. gofpdf takes single TrueType files only and has no glyph fallback,
// so text is drawn in runs: CJK runes in Droid Sans Fallback (full CJK, no
// Latin at all), everything else in DejaVu Sans. The font files live in
// fonts/ with their licences and reach the binary once, through views.FS
// (which embeds this folder with every template).
//
// Upstream gofpdf parses a font every time a document adds it and again
// when it subsets it on output, in time and memory proportional to the
// font's glyph count (the CJK font: tens of ms and some 20 MB per
// document). The copy in third_party/gofpdf parses each font once per
// process (gofpdf.ParseUTF8Font) and lets every document share it
// (AddUTF8FontParsed): a document then costs what its own runes cost, so
// the whole fonts are used — every character they have prints, with no
// reduced cut and no fallback to choose.

const (
	famLatin = "dv"
	famCJK   = "cjk"
)

type fontSet struct {
	latin, latinBold, cjk *gofpdf.UTF8Font
}

var (
	fontsOnce sync.Once
	fonts     *fontSet
	fontsErr  error
)

const fontDir = "pdf/fonts/"

// loadFonts parses the fonts once (about 10 MB held for the process's
// life); later calls return the same set.
func loadFonts() (*fontSet, error) {
	fontsOnce.Do(func() {
		parse := func(name string) *gofpdf.UTF8Font {
			if fontsErr != nil {
				return nil
			}
			b, err := views.FS.ReadFile(fontDir + name)
			if err != nil {
				fontsErr = fmt.Errorf("pdf font %s: %w", name, err)
				return nil
			}
			u, err := gofpdf.ParseUTF8Font(b)
			if err != nil {
				fontsErr = fmt.Errorf("pdf font %s: %w", name, err)
			}
			return u
		}
		fs := &fontSet{latin: parse("DejaVuSans.ttf"), latinBold: parse("DejaVuSans-Bold.ttf"), cjk: parse("DroidSansFallbackFull.ttf")}
		if fontsErr == nil {
			fonts = fs
		}
	})
	return fonts, fontsErr
}

// isCJK reports whether r is drawn with the CJK font: CJK radicals,
// punctuation, kana, ideographs, Hangul, compatibility and full-width forms.
func isCJK(r rune) bool {
	return r >= 0x2E80 && r <= 0x9FFF || r >= 0xAC00 && r <= 0xD7AF || r >= 0xF900 && r <= 0xFAFF ||
		r >= 0xFE30 && r <= 0xFE4F || r >= 0xFF00 && r <= 0xFFEF
}

// addFonts registers the three shared fonts on f. It returns gofpdf's
// error.
func addFonts(f *gofpdf.Fpdf) error {
	fs, err := loadFonts()
	if err != nil {
		return err
	}
	f.AddUTF8FontParsed(famLatin, "", fs.latin)
	f.AddUTF8FontParsed(famLatin, "B", fs.latinBold)
	f.AddUTF8FontParsed(famCJK, "", fs.cjk)
	if err := f.Error(); err != nil {
		return fmt.Errorf("pdf fonts: %w", err)
	}
	return nil
}
