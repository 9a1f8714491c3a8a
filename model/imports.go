package model

import "strings"

// MaxImportRows is the most data rows one import file may hold.
const MaxImportRows = 20000

// ImportColumn is one column of an import file: the key used in code, and
// the header texts accepted for it (the template writes the user's language;
// either language and the key itself are read back).
type ImportColumn struct {
	Key      string
	En, Zh   string
	Required bool
}

// CatalogImportColumns are the columns of a catalog entry import (商品目录导入).
// Target columns hold codes separated by ";", "," or spaces.
var CatalogImportColumns = []ImportColumn{
	{"product_code", "Product code", "商品编码", true},
	{"category_code", "Category code", "分类编码", true},
	{"title", "Title", "标题", false},
	{"description", "Description", "描述", false},
	{"min_qty", "Min order qty", "起订量", false},
	{"multiple", "Order multiple", "订货倍数", false},
	{"show_list_price", "Show list price", "显示标准价", false},
	{"customers", "Customer codes", "发布客户编码", false},
	{"groups", "Customer group codes", "发布客户分组编码", false},
	{"org_units", "Org unit codes", "发布组织编码", false},
}

// PriceImportColumns are the columns of a customer price import (客户价格资料导入):
// exactly one of customer code and group code per row.
var PriceImportColumns = []ImportColumn{
	{"customer_code", "Customer code", "客户编码", false},
	{"group_code", "Customer group code", "客户分组编码", false},
	{"product_code", "Product code", "商品编码", true},
	{"price", "Price", "价格", true},
	{"min_qty", "Min qty", "最小数量", false},
	{"from", "Effective from", "生效日期", false},
	{"to", "Effective to", "失效日期", false},
	{"remarks", "Remarks", "备注", false},
}

// QuickImportColumns are the columns of a quick order file (快速下单).
var QuickImportColumns = []ImportColumn{
	{"code", "Product code", "商品编码", true},
	{"qty", "Quantity", "数量", true},
}

// ImportError is one problem of an import file: the row number as a
// spreadsheet shows it (the header is row 1), the column, and the catalog key
// of the reason with its arguments. Row 0 is a problem of the whole file.
type ImportError struct {
	Row    int
	Column string
	Key    string
	Args   map[string]any
}

func normHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(foldWidth(s)))
	s = strings.Trim(s, "*＊ ")
	return strings.ReplaceAll(s, " ", "")
}

// MapHeader finds the columns in a header row: column key → index. It
// returns the keys of required columns that are missing.
func MapHeader(cols []ImportColumn, header []string) (map[string]int, []string) {
	idx := map[string]int{}
	for i, h := range header {
		n := normHeader(h)
		if n == "" {
			continue
		}
		for _, c := range cols {
			if _, dup := idx[c.Key]; dup {
				continue
			}
			if n == c.Key || n == normHeader(c.En) || n == normHeader(c.Zh) {
				idx[c.Key] = i
				break
			}
		}
	}
	var missing []string
	for _, c := range cols {
		if _, ok := idx[c.Key]; c.Required && !ok {
			missing = append(missing, c.Key)
		}
	}
	return idx, missing
}

// Cell returns the cell of column key in row as typed, only trimmed of
// spaces at its ends ("" when absent): a title, a description or a remark
// keeps its full-width punctuation ("（新品）A，B"). Codes, numbers, dates and
// yes/no are read with CodeCell.
func Cell(row []string, idx map[string]int, key string) string {
	i, ok := idx[key]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

// CodeCell returns the cell of column key read as a code, a number, a date
// or a yes/no: full-width letters, digits and signs typed with a Chinese
// input method become ASCII ("ＡＢ１２" → "AB12", "１２" → "12"), trimmed.
func CodeCell(row []string, idx map[string]int, key string) string {
	return NormalizeCode(Cell(row, idx, key))
}

// NormalizeCode folds the full-width ASCII forms and the ideographic space
// of s to ASCII and trims it: for codes and numbers only, never for names
// or remarks, whose punctuation is the writer's.
func NormalizeCode(s string) string { return strings.TrimSpace(foldWidth(s)) }

// BlankRow reports whether every cell of row is empty.
func BlankRow(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// SplitCodes splits a cell of codes separated by semicolons, commas, 、 or
// spaces, upper-cased, without empties.
func SplitCodes(s string) []string {
	s = foldWidth(s)
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '\t' || r == '\n' })
	out := f[:0]
	for _, c := range f {
		if c = strings.ToUpper(strings.TrimSpace(c)); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// ParseYesNo reads yes/no, 1/0, true/false, 是/否, y/n; "" is no.
func ParseYesNo(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "no", "n", "false", "否", "不":
		return false, true
	case "1", "yes", "y", "true", "是":
		return true, true
	}
	return false, false
}
