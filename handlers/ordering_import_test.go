package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func gbk(t testing.TB, s string) []byte {
	out, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func xlsxFile(t testing.TB, rows [][]string) []byte {
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = v
		}
		if err := f.SetSheetRow("Sheet1", cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var tokenRe = regexp.MustCompile(`name="token" value="([0-9a-f]+)"`)

func entryCount(e *testEnv) int {
	n := 0
	_ = e.st.View(func(tx *store.Tx) error { n = tx.CountCatalog(store.AdminScope()); return nil })
	return n
}

func TestReadTable(t *testing.T) {
	header := "商品编码,分类编码,标题\n"
	for name, tc := range map[string]struct {
		file string
		data []byte
		rows int
		cell string
		err  string
	}{
		"utf8":        {"a.csv", []byte(header + "P-1,MOTOR,伺服\n"), 2, "伺服", ""},
		"utf8 bom":    {"a.csv", append([]byte("\xef\xbb\xbf"), header+"P-1,MOTOR,伺服\n"...), 2, "伺服", ""},
		"gbk":         {"a.csv", gbk(t, header+"P-1,MOTOR,伺服电机\r\n"), 2, "伺服电机", ""},
		"semicolons":  {"a.csv", []byte("商品编码;分类编码;标题\nP-1;MOTOR;x\n"), 2, "x", ""},
		"tabs":        {"a.txt", []byte("商品编码\t分类编码\t标题\nP-1\tMOTOR\tx\n"), 2, "x", ""},
		"quoted":      {"a.csv", []byte(header + "P-1,MOTOR,\"a, \"\"b\"\"\"\n"), 2, `a, "b"`, ""},
		"xlsx":        {"a.xlsx", xlsxFile(t, [][]string{{"商品编码", "分类编码", "标题"}, {"P-1", "MOTOR", "伺服"}}), 2, "伺服", ""},
		"empty":       {"a.csv", nil, 0, "", "err.import_empty"},
		"only bom":    {"a.csv", []byte("\xef\xbb\xbf"), 0, "", "err.import_empty"},
		"utf16":       {"a.csv", []byte("\xff\xfeP\x00-\x00"), 0, "", "err.import_encoding"},
		"fake xlsx":   {"a.xlsx", []byte("not a zip"), 0, "", "err.import_format"},
		"broken zip":  {"a.xlsx", []byte("PK\x03\x04garbage"), 0, "", "err.import_format"},
		"pdf":         {"a.pdf", []byte("%PDF-1.4"), 0, "", "err.import_format"},
		"binary csv":  {"a.csv", []byte("a,b\x00c"), 0, "", "err.import_format"},
		"too many":    {"a.csv", []byte(header + strings.Repeat("P-1,M,x\n", model.MaxImportRows+1)), 0, "", "err.import_too_many"},
		"just enough": {"a.csv", []byte(header + strings.Repeat("P-1,M,x\n", model.MaxImportRows)), model.MaxImportRows + 1, "x", ""},
	} {
		t.Run(name, func(t *testing.T) {
			rows, err := readTable(tc.file, tc.data)
			if tc.err != "" {
				var ve *model.ValidationError
				if !asValidation(err, &ve) || ve.Fields[0].Key != tc.err {
					t.Fatalf("err = %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil || len(rows) != tc.rows || rows[1][2] != tc.cell {
				t.Fatalf("rows %d err %v, want %d rows with %q: %q", len(rows), err, tc.rows, tc.cell, rows)
			}
		})
	}
}

// FuzzReadTable: no input makes the reader panic, and what it returns is
// valid UTF-8 within the row limit.
func FuzzReadTable(f *testing.F) {
	f.Add("a.csv", []byte("商品编码,分类编码\nP-1,MOTOR\n"))
	f.Add("a.csv", gbk(f, "商品编码,数量\nP-1,１２\n"))
	f.Add("a.csv", []byte("\xef\xbb\xbfa;b;c\n\"x\";\"y\"\"\";z"))
	f.Add("a.xlsx", xlsxFile(f, [][]string{{"code", "qty"}, {"A", "1"}}))
	f.Add("a.xlsx", []byte("PK\x03\x04\x14\x00"))
	f.Add("a.txt", []byte("\xff\xfe\x00"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		rows, err := readTable(name, data)
		if err != nil {
			return
		}
		if len(rows) > model.MaxImportRows+1 {
			t.Fatalf("%d rows", len(rows))
		}
		for _, r := range rows {
			for _, c := range r {
				if !utf8Valid(c) {
					t.Fatalf("invalid UTF-8 cell %q", c)
				}
			}
		}
		_ = quickLinesFromTable(rows)
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// FuzzCatalogImportPlan: planning any table against a small catalog never
// panics, and every good entry has a product, a category and valid
// quantities.
func FuzzCatalogImportPlan(f *testing.F) {
	e := newTestEnv(&testing.T{})
	orderingFixture(&testing.T{}, e)
	f.Add("商品编码,分类编码,起订量,订货倍数,发布客户编码\nP-NEW,SERVO,6,3,C1\nP-ALL,X,1,1,\n")
	f.Add("product_code,category_code,customers,groups,org_units\nP-NEW,SERVO,C1;C2,NOPE,HQ\n")
	f.Add("customer_code,group_code,product_code,price,min_qty,from,to\nC1,,P-ALL,12.5,1,2026-01-01,2025-01-01\n")
	f.Add("x\n\n\n")
	f.Fuzz(func(t *testing.T, csv string) {
		table, err := readCSV([]byte(csv))
		if err != nil {
			return
		}
		_ = e.st.View(func(tx *store.Tx) error {
			for _, p := range []*store.ImportPlan{tx.PlanCatalogImport(store.AdminScope(), table), tx.PlanPriceImport(store.AdminScope(), table)} {
				for _, en := range p.Entries {
					if en.ProductID == 0 || en.CategoryID == 0 || en.Validate() != nil {
						t.Fatalf("bad entry accepted: %+v", en)
					}
				}
				for _, r := range p.Prices {
					if r.ProductID == 0 || r.Validate() != nil || (r.CustomerID == 0) == (r.GroupID == 0) {
						t.Fatalf("bad price accepted: %+v", r)
					}
				}
				if len(p.Entries)+len(p.Prices) != len(p.Rows) {
					t.Fatal("rows do not match")
				}
			}
			return nil
		})
	})
}

func TestCatalogImport(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	// More products to import.
	err := e.st.Update("test", func(tx *store.Tx) error {
		for i := range 5 {
			if err := tx.SaveProduct(&model.Product{Code: fmt.Sprintf("IMP-%d", i), Name: fmt.Sprintf("导入品%d", i), Unit: "个", ListPrice: 100, Active: true}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a := e.login("admin")
	mustContain(t, "import page", a.get("/catalog-entries/import"), "template.csv")
	// The template downloads in both formats and reads back as a valid header.
	for _, f := range []string{"csv", "xlsx"} {
		r := a.get("/catalog-entries/import/template." + f)
		if r.Code != http.StatusOK {
			t.Fatalf("template %s: %d", f, r.Code)
		}
		rows, err := readTable("t."+f, []byte(r.Body))
		if err != nil {
			t.Fatalf("template %s: %v", f, err)
		}
		if _, missing := model.MapHeader(model.CatalogImportColumns, rows[0]); len(missing) > 0 {
			t.Fatalf("template %s header %q misses %v", f, rows[0], missing)
		}
	}
	before := entryCount(e)
	bad := "商品编码,分类编码,标题,起订量,订货倍数,显示标准价,发布客户编码,发布客户分组编码,发布组织编码\n" +
		"IMP-0,SERVO,好的一行,6,3,是,C1,,HQ\n" + // row 2 good
		"IMP-1,NOPE,,,,,,,\n" + // row 3 unknown category
		"NOPE-9,SERVO,,,,,,,\n" + // row 4 unknown product
		"P-ALL,SERVO,,,,,,,\n" + // row 5 already in the catalog
		"IMP-0,SERVO,,,,,,,\n" + // row 6 twice in the file
		"IMP-2,SERVO,,abc,,,,,\n" + // row 7 bad quantity
		"IMP-3,SERVO,,5,3,,,,\n" + // row 8 min not a multiple
		"IMP-4,SERVO,,,,maybe,C9,ZZ,QQ\n" + // row 9 bad yes/no and unknown targets
		",,,,,,,,\n" + // blank: skipped
		",SERVO,,,,,,,\n" // row 11 product code missing
	r := a.upload("/catalog-entries/import", "file", "bad.csv", []byte(bad), nil)
	if r.Code != http.StatusUnprocessableEntity {
		t.Fatalf("preview: %d %s", r.Code, excerpt(r.Body))
	}
	mustContain(t, "preview", r, "9 rows: 1 good, 8 with problems", "Unknown category code NOPE", "Unknown product code NOPE-9",
		"already in the catalog", "already on row 2", "Not a valid quantity", "multiple of 3", "Write yes or no",
		"Unknown customer code C9", "Unknown customer group code ZZ", "Unknown org unit code QQ", "Required.")
	for _, row := range []string{">3<", ">4<", ">5<", ">6<", ">7<", ">8<", ">9<", ">11<"} {
		mustContain(t, "row numbers", r, row)
	}
	if entryCount(e) != before {
		t.Fatal("the preview imported something")
	}
	m := tokenRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatal("no token to confirm")
	}
	// Importing everything is refused while rows are bad: nothing is written.
	r = a.post("/catalog-entries/import/confirm", url.Values{"token": {m[1]}, "mode": {"all"}})
	if r.Code != http.StatusUnprocessableEntity || entryCount(e) != before {
		t.Fatalf("confirm all with bad rows: %d, %d entries", r.Code, entryCount(e))
	}
	// Another user cannot use the token.
	east := e.login("east")
	east.get("/")
	if r := east.post("/catalog-entries/import/confirm", url.Values{"token": {m[1]}, "mode": {"good"}}); r.Code != http.StatusUnprocessableEntity {
		t.Errorf("someone else's token: %d", r.Code)
	}
	// The good rows only, when chosen.
	r = a.post("/catalog-entries/import/confirm", url.Values{"token": {m[1]}, "mode": {"good"}})
	if r.Code != http.StatusSeeOther || entryCount(e) != before+1 {
		t.Fatalf("confirm good rows: %d, %d entries", r.Code, entryCount(e))
	}
	_ = e.st.View(func(tx *store.Tx) error {
		en, err := tx.CatalogEntryByCode(store.AdminScope(), "IMP-0")
		if err != nil || en.Title != "好的一行" || en.MinQty != 6000 || !en.ShowListPrice || len(en.Targets) != 2 || en.Status != model.StatusDraft {
			t.Errorf("imported entry %+v %v", en, err)
		}
		return nil
	})
	// The token is used up.
	if r := a.post("/catalog-entries/import/confirm", url.Values{"token": {m[1]}, "mode": {"good"}}); r.Code != http.StatusUnprocessableEntity {
		t.Errorf("reused token: %d", r.Code)
	}
	// A clean GBK file saved by Excel on Chinese Windows imports whole.
	good := gbk(t, "商品编码,分类编码,标题\r\nIMP-1,SERVO,一号\r\nIMP-2,MOTOR,二号\r\n")
	r = a.upload("/catalog-entries/import", "file", "excel.csv", good, nil)
	if r.Code != http.StatusOK {
		t.Fatalf("GBK preview: %d %s", r.Code, excerpt(r.Body))
	}
	m = tokenRe.FindStringSubmatch(r.Body)
	r = a.post("/catalog-entries/import/confirm", url.Values{"token": {m[1]}, "mode": {"all"}})
	if r.Code != http.StatusSeeOther || entryCount(e) != before+3 {
		t.Fatalf("GBK import: %d, %d entries", r.Code, entryCount(e))
	}
	_ = e.st.View(func(tx *store.Tx) error {
		en, _ := tx.CatalogEntryByCode(store.AdminScope(), "IMP-2")
		if en == nil || en.Title != "二号" {
			t.Errorf("GBK title: %+v", en)
		}
		return nil
	})
	// XLSX with a UTF-8 BOM'd header in English; empty file; wrong header.
	r = a.upload("/catalog-entries/import", "file", "x.xlsx", xlsxFile(t, [][]string{{"Product code*", "Category code*"}, {"IMP-3", "SERVO"}}), nil)
	if r.Code != http.StatusOK || !strings.Contains(r.Body, "1 row: 1 good") {
		t.Errorf("xlsx preview: %d %s", r.Code, excerpt(r.Body))
	}
	if r := a.upload("/catalog-entries/import", "file", "e.csv", []byte("\xef\xbb\xbf"), nil); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "no data rows") {
		t.Errorf("empty file: %d", r.Code)
	}
	if r := a.upload("/catalog-entries/import", "file", "h.csv", []byte("\xef\xbb\xbf标题\n一\n"), nil); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "missing from the first row") {
		t.Errorf("missing columns: %d", r.Code)
	}
	// Dealers and viewers cannot import.
	if r := e.login("viewer").get("/catalog-entries/import"); r.Code != http.StatusForbidden {
		t.Errorf("viewer import: %d", r.Code)
	}
}

// TestCatalogImportHuge: a file of 5,000 good rows imports in one
// transaction; one bad row among them imports nothing unless chosen.
func TestCatalogImportHuge(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	const n = 5000
	err := e.st.Update("test", func(tx *store.Tx) error {
		for i := range n {
			if err := tx.SaveProduct(&model.Product{Code: fmt.Sprintf("H-%05d", i), Name: "批量", Unit: "个", Active: true}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("\ufeffproduct_code,category_code,customers\n")
	for i := range n {
		fmt.Fprintf(&b, "H-%05d,SERVO,C1\n", i)
	}
	b.WriteString("H-99999,SERVO,C1\n") // the last row is bad
	a := e.login("admin")
	a.get("/")
	before := entryCount(e)
	r := a.upload("/catalog-entries/import", "file", "big.csv", []byte(b.String()), nil)
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, ">5002<") {
		t.Fatalf("huge preview: %d %s", r.Code, excerpt(r.Body))
	}
	m := tokenRe.FindStringSubmatch(r.Body)
	if r := a.post("/catalog-entries/import/confirm", url.Values{"token": {m[1]}, "mode": {"all"}}); r.Code != http.StatusUnprocessableEntity || entryCount(e) != before {
		t.Fatalf("all with one bad row: %d, %d", r.Code, entryCount(e)-before)
	}
	if r := a.post("/catalog-entries/import/confirm", url.Values{"token": {m[1]}, "mode": {"good"}}); r.Code != http.StatusSeeOther || entryCount(e) != before+n {
		t.Fatalf("good rows: %d, %d", r.Code, entryCount(e)-before)
	}
}

func TestPriceImport(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	a := e.login("admin")
	a.get("/")
	csv := "客户编码,客户分组编码,商品编码,价格,最小数量,生效日期,失效日期\n" +
		"C1,,P-ALL,95.50,10,2026/1/1,2026-12-31\n" +
		"C1,G1,P-ALL,1,,,\n" + // both targets
		",,P-ALL,1,,,\n" + // none
		"C2,,P-ALL,12,5,1 2026-01-01,\n" + // bad quantity? no: bad from date
		"C1,,P-ALL,12.345,,,\n" + // three decimals
		"C1,,P-ALL,12,,2026-02-01,2026-01-01\n" // to before from
	r := a.upload("/prices/import", "file", "p.csv", []byte(csv), nil)
	mustContain(t, "price preview", r, "6 rows: 1 good, 5 with problems", "either a customer or a customer group", "Not a date", "Not a valid amount", "before the effective-from")
	m := tokenRe.FindStringSubmatch(r.Body)
	if r := a.post("/prices/import/confirm", url.Values{"token": {m[1]}, "mode": {"good"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("import good prices: %d", r.Code)
	}
	_ = e.st.View(func(tx *store.Tx) error {
		recs, n, _ := tx.ListPrices(store.AdminScope(), store.PriceFilter{ProductID: e.ids["product:ALL"], Status: model.StatusDraft}, store.Page{})
		if n != 1 || recs[0].Price != 9550 || recs[0].MinQty != 10000 || recs[0].From != "2026-01-01" {
			t.Errorf("imported price: %d %+v", n, recs)
		}
		return nil
	})
	// Staff outside C1's scope cannot import prices for it.
	s := e.login("south")
	s.get("/")
	r = s.upload("/prices/import", "file", "p.csv", []byte("customer_code,product_code,price\nC1,P-ALL,1\n"), nil)
	mustContain(t, "south price import", r, "Unknown customer code C1")
}
