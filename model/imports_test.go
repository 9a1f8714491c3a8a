package model

import "testing"

// TestImportCells: codes and numbers are read as a Chinese input method
// may type them (full-width, with ideographic spaces), names and remarks
// exactly as written, only trimmed at their ends.
func TestImportCells(t *testing.T) {
	idx := map[string]int{"code": 0, "name": 1, "qty": 2, "remarks": 3, "date": 4, "missing": 9}
	for _, tc := range []struct {
		cell, asText, asCode string
	}{
		{"（新品）A，B", "（新品）A，B", "(新品)A,B"},
		{"  伺服电机　 ", "伺服电机", "伺服电机"},
		{"A  B　C", "A  B　C", "A  B C"},
		{"ＡＢ１２", "ＡＢ１２", "AB12"},
		{"　ＡＢ－１２ ", "ＡＢ－１２", "AB-12"},
		{"１２", "１２", "12"},
		{"１，２００．５", "１，２００．５", "1,200.5"},
		{"２０２６－０４－０１", "２０２６－０４－０１", "2026-04-01"},
		{"请于周五前发货，谢谢！", "请于周五前发货，谢谢！", "请于周五前发货,谢谢!"},
		{"", "", ""},
	} {
		row := []string{tc.cell, tc.cell, tc.cell, tc.cell, tc.cell}
		for _, key := range []string{"name", "remarks"} {
			if got := Cell(row, idx, key); got != tc.asText {
				t.Errorf("Cell(%q) = %q, want it as typed %q", tc.cell, got, tc.asText)
			}
		}
		for _, key := range []string{"code", "qty", "date"} {
			if got := CodeCell(row, idx, key); got != tc.asCode {
				t.Errorf("CodeCell(%q) = %q, want %q", tc.cell, got, tc.asCode)
			}
		}
	}
	if Cell([]string{"x"}, idx, "missing") != "" || CodeCell([]string{"x"}, idx, "name") != "" {
		t.Error("an absent cell is empty")
	}
	// A full-width quantity is a number.
	if q, err := ParseQty(CodeCell([]string{"１２"}, map[string]int{"qty": 0}, "qty")); err != nil || q != 12000 {
		t.Errorf("quantity １２: %v %v", q, err)
	}
	if d, err := ParseDate(CodeCell([]string{"２０２６－０４－０１"}, map[string]int{"d": 0}, "d")); err != nil || d != "2026-04-01" {
		t.Errorf("date: %q %v", d, err)
	}
}
