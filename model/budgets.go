package model

import (
	"unicode"
	"unicode/utf8"
)

// Budgets: what one request may make the server read, decode or render. A
// request over a budget is refused with a field error (4xx) before the work
// that would cost the memory or the time; docs/DESIGN.md ("Budgets") lists
// them with the measured worst cases.

// Import files (CSV and XLSX), besides MaxImportRows.
const (
	// MaxImportColumns is the last column an import file may use (AX).
	MaxImportColumns = 50
	// MaxImportCell is the most characters one cell may hold.
	MaxImportCell = 8000
	// MaxImportCells is the most cells one file may hold, empty ones written
	// by the spreadsheet included.
	MaxImportCells = 250_000
	// MaxXLSXUnzipped is the most bytes the parts of an XLSX file may unpack
	// to (zip bombs), MaxXLSXSheet the most for the worksheet read and
	// MaxXLSXStrings for its shared strings.
	MaxXLSXUnzipped = 64 << 20
	MaxXLSXSheet    = 32 << 20
	MaxXLSXStrings  = 16 << 20
)

// MaxImageBytes is the most memory a decoded product image may take: width
// × height × bytes per pixel (8 for 16-bit RGBA, 4 for RGBA, 3 for JPEG's
// YCbCr, 1 for paletted and gray pictures).
const MaxImageBytes = 96 << 20

// MaxFormToken is the longest one-time form token (_idem) accepted.
const MaxFormToken = 128

// ValidFormToken reports whether tok may be a one-time form token: at most
// MaxFormToken bytes of letters, digits and "-_.:/" (the forms' own tokens
// are hex strings or "<document number>-<version>-<action>"). An empty token
// is valid: the form has none.
func ValidFormToken(tok string) bool {
	if len(tok) > MaxFormToken || !utf8.ValidString(tok) {
		return false
	}
	for _, r := range tok {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_', r == '.', r == ':', r == '/':
		default:
			return false
		}
	}
	return true
}
