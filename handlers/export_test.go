package handlers

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/xuri/excelize/v2"
)

// The export matrix is derived from the code: every GET route whose handler
// reaches (*Handler).export, directly or through other functions of the
// package, is an export. Each is fetched as XLSX and as CSV by every user of
// exportUsers who may see it, with the fixtures of every module present,
// and the workbook is checked cell by cell against the CSV.

// exportUsers fetch each export: staff first, then dealers (a dealer's own
// lists: the shop catalog, my announcements, the inbox).
var exportUsers = []string{"admin", "c1.manager", "c1.buyer"}

// exportPaths fills the parameters of export routes that take one, from the
// fixtures ({C1} is customer C1's id, {api} the API client's).
var exportPaths = map[string]string{
	"/balances/:cust":              "/balances/{C1}?from=2020-01-01&to=2099-12-31",
	"/settings/api/:id/deliveries": "/settings/api/{api}/deliveries",
}

// exportQueries are extra query values for exports whose rows need them
// (a report with a period).
var exportQueries = map[string]string{
	"/channel-report": "from=2020-01-01&to=2099-12-31",
}

// TestExportsAreExcelNative: for each export, the XLSX has a bold header
// row, frozen, with an auto-filter over header and data, a fitted width on
// every column, and cells typed as the CSV's text says: amounts, quantities,
// counts and percentages are numeric cells with a number format, dates and
// times date-formatted numbers that read back as the CSV's text, everything
// else a string cell (never a formula) holding the CSV's text.
func TestExportsAreExcelNative(t *testing.T) {
	e := newTestEnv(t)
	exportFixtures(t, e)
	routes := exportRoutes(t, e)
	if len(routes) < 43 { // the exports there were when this test was written
		t.Fatalf("only %d export routes found from the router: %v", len(routes), routes)
	}
	t.Logf("%d exports: %v", len(routes), routes)
	clients := map[string]*client{}
	for _, u := range exportUsers {
		clients[u] = e.login(u)
		clients[u].get("/")
	}
	for _, route := range routes {
		path := route
		if strings.Contains(route, ":") {
			p, ok := exportPaths[route]
			if !ok {
				t.Errorf("export route %s takes a parameter: add it to exportPaths", route)
				continue
			}
			path = strings.NewReplacer("{C1}", e.id("customer:C1"), "{api}", e.id("api:client")).Replace(p)
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		if q := exportQueries[route]; q != "" {
			path += sep + q
			sep = "&"
		}
		seen, data := 0, 0
		for _, u := range exportUsers {
			c := clients[u]
			x := c.get(path + sep + "export=xlsx")
			if x.Code == http.StatusForbidden || x.Code == http.StatusNotFound {
				continue
			}
			if x.Code != http.StatusOK || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") {
				t.Errorf("%s %s: export=xlsx answers %d %s, not a workbook", u, path, x.Code, x.Header.Get("Content-Type"))
				continue
			}
			seen++
			v := c.get(path + sep + "export=csv")
			if v.Code != http.StatusOK || !strings.HasPrefix(v.Header.Get("Content-Type"), "text/csv") {
				t.Errorf("%s %s: export=csv answers %d %s", u, path, v.Code, v.Header.Get("Content-Type"))
				continue
			}
			data = max(data, checkWorkbook(t, u+" "+path, []byte(x.Body), v.Body))
		}
		if seen == 0 {
			t.Errorf("%s: no user of %v gets its export", path, exportUsers)
		} else if data == 0 {
			t.Errorf("%s: no data rows with the fixtures (a type check of nothing proves nothing)", path)
		}
	}
}

// checkWorkbook compares an XLSX export with the CSV of the same list and
// returns the number of data rows.
func checkWorkbook(t *testing.T, name string, data []byte, csvText string) int {
	t.Helper()
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvText, "\ufeff")))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil || len(recs) == 0 {
		t.Errorf("%s: csv: %v", name, err)
		return 0
	}
	head, rows := recs[0], recs[1:]
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Errorf("%s: open: %v", name, err)
		return 0
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	ncol := len(head)
	last, _ := excelize.CoordinatesToCellName(ncol, len(rows)+1)
	xml := workbookSheet(t, data)

	// The header: the CSV's texts, bold, frozen, with a filter over the data.
	for i, h := range head {
		ref, _ := excelize.CoordinatesToCellName(i+1, 1)
		if got, _ := f.GetCellValue(sheet, ref); got != h {
			t.Errorf("%s: header %s = %q, CSV has %q", name, ref, got, h)
		}
		if st := cellStyle(f, sheet, ref); st == nil || st.Font == nil || !st.Font.Bold {
			t.Errorf("%s: header %s is not bold", name, ref)
		}
	}
	if p, err := f.GetPanes(sheet); err != nil || !p.Freeze || p.YSplit != 1 || p.TopLeftCell != "A2" {
		t.Errorf("%s: header row not frozen: %+v %v", name, p, err)
	}
	if !strings.Contains(strings.ReplaceAll(xml, "$", ""), `<autoFilter ref="A1:`+last+`"`) {
		t.Errorf("%s: no auto-filter over A1:%s", name, last)
	}
	if strings.Contains(xml, "<f>") || strings.Contains(xml, "<f ") {
		t.Errorf("%s: the sheet holds a formula", name)
	}
	// Widths: every column set, fitting its header and its widest cell.
	for i, h := range head {
		col, _ := excelize.ColumnNumberToName(i + 1)
		w, _ := f.GetColWidth(sheet, col)
		if !regexp.MustCompile(`<col min="` + strconv.Itoa(i+1) + `" max="\d+" width="[0-9.]+" customWidth="1"`).MatchString(xml) {
			t.Errorf("%s: column %s has no width", name, col)
			continue
		}
		need := textWidth(h)
		for _, row := range rows {
			if i < len(row) {
				need = max(need, textWidth(row[i]))
			}
		}
		if w < float64(min(need, maxColWidth)) {
			t.Errorf("%s: column %s is %.0f wide, its content %d", name, col, w, need)
		}
	}
	// The data: as many rows as the CSV, each cell typed by its text.
	numericCols := numericColumns(rows, ncol)
	for n, row := range rows {
		for i := 0; i < ncol; i++ {
			want := ""
			if i < len(row) {
				want = csvUnsafe(row[i])
			}
			ref, _ := excelize.CoordinatesToCellName(i+1, n+2)
			checkXLSXCell(t, name+" "+ref+" ("+head[i]+")", f, sheet, ref, want, numericCols[i])
		}
	}
	if got, _ := f.GetRows(sheet); len(got) != len(rows)+1 {
		t.Errorf("%s: %d rows in the workbook, %d in the CSV (with the header)", name, len(got), len(rows)+1)
	}
	return len(rows)
}

var (
	moneyText    = regexp.MustCompile(`^-?(0|[1-9]\d*)\.\d\d$`)
	numberText   = regexp.MustCompile(`^-?(0|[1-9]\d{0,9})(\.\d{1,3})?$`)
	percentText  = regexp.MustCompile(`^-?(0|[1-9]\d*)(\.\d{1,3})?%$`)
	dateText     = regexp.MustCompile(`^\d{4}-\d\d-\d\d$`)
	dateTimeText = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?$`)
)

// numericColumns marks the columns whose every non-empty cell but the
// first column's labels reads as a plain number: a column of counts, ids
// or whole quantities (a column that mixes codes and numbers is text).
func numericColumns(rows [][]string, ncol int) []bool {
	out := make([]bool, ncol)
	for i := range out {
		some := false
		out[i] = true
		for _, r := range rows {
			if i >= len(r) || r[i] == "" {
				continue
			}
			some = true
			if !numberText.MatchString(r[i]) {
				out[i] = false
			}
		}
		out[i] = out[i] && some
	}
	return out
}

// checkXLSXCell checks one data cell against the CSV's text want.
func checkXLSXCell(t *testing.T, name string, f *excelize.File, sheet, ref, want string, numericCol bool) {
	t.Helper()
	typ, err := f.GetCellType(sheet, ref)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	raw, _ := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	isNum := (typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber) && raw != ""
	st := cellStyle(f, sheet, ref)
	format := ""
	if st != nil && st.CustomNumFmt != nil {
		format = *st.CustomNumFmt
	}
	number := func() float64 {
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			t.Errorf("%s: raw value %q is not a number", name, raw)
		}
		return v
	}
	switch {
	case want == "":
		if raw != "" {
			t.Errorf("%s: %q where the CSV is empty", name, raw)
		}
	case dateText.MatchString(want), dateTimeText.MatchString(want):
		if !isNum || !strings.Contains(format, "yyyy") || !strings.Contains(format, "dd") {
			t.Errorf("%s: %q is not a date cell (type %v, format %q)", name, want, typ, format)
			return
		}
		got, err := excelize.ExcelDateToTime(number(), false)
		layout := "2006-01-02 15:04:05"[:len(want)]
		if err != nil || got.Format(layout) != want {
			t.Errorf("%s: date %s reads %s, CSV has %s", name, raw, got.Format(layout), want)
		}
	case moneyText.MatchString(want), percentText.MatchString(want), numericCol && numberText.MatchString(want):
		if !isNum || format == "" || format == "General" {
			t.Errorf("%s: %q is not a numeric cell with a number format (type %v, format %q)", name, want, typ, format)
			return
		}
		w, _ := strconv.ParseFloat(strings.TrimSuffix(want, "%"), 64)
		if strings.HasSuffix(want, "%") {
			w /= 100
		}
		if got := number(); math.Abs(got-w) > 1e-9*math.Max(1, math.Abs(w)) {
			t.Errorf("%s: %v, CSV has %s", name, got, want)
		}
		if moneyText.MatchString(want) && !strings.Contains(format, "#,##0.00") {
			t.Errorf("%s: amount %s has format %q", name, want, format)
		}
	default:
		if typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
			t.Errorf("%s: text %q is a %v cell", name, want, typ)
		}
		if raw != want {
			t.Errorf("%s: %q, CSV has %q", name, raw, want)
		}
	}
}

// csvUnsafe undoes csvSafe: the apostrophe that keeps a CSV cell from
// running as a formula is not in the workbook, whose text cells never run.
func csvUnsafe(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@", rune(s[1])) {
		return s[1:]
	}
	return s
}

func cellStyle(f *excelize.File, sheet, ref string) *excelize.Style {
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil || id == 0 {
		return nil
	}
	st, err := f.GetStyle(id)
	if err != nil {
		return nil
	}
	return st
}

// workbookSheet is the first worksheet's XML of a workbook.
func workbookSheet(t *testing.T, data []byte) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := z.Open("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, _ := io.ReadAll(r)
	return string(b)
}

// exportRoutes lists the GET routes whose handler reaches export, from the
// router and the package's source.
func exportRoutes(t *testing.T, e *testEnv) []string {
	t.Helper()
	reach := exportingFuncs(t)
	var out []string
	for _, r := range Routes(e.app) {
		if r.Method != http.MethodGet || r.Handler == nil {
			continue
		}
		fn := runtime.FuncForPC(reflect.ValueOf(r.Handler).Pointer()).Name()
		if reach[handlerKey(fn)] {
			out = append(out, r.Path)
		}
	}
	sort.Strings(out)
	return out
}

var closureRe = regexp.MustCompile(`^func\d+$`)

// handlerKey names a route handler as exportingFuncs does: "showProducts"
// for the method value h.showProducts, "registerReceipts.func1" for the
// first closure written in registerReceipts ("(*Handler).a.(*Handler).b.func2"
// is b's closure inlined into a).
func handlerKey(runtimeName string) string {
	name := runtimeName[strings.LastIndex(runtimeName, "/")+1:]
	name = strings.TrimPrefix(name, "handlers.")
	if i := strings.LastIndex(name, "(*Handler)."); i >= 0 {
		name = name[i+len("(*Handler)."):]
	}
	name = strings.TrimSuffix(name, "-fm")
	parts := strings.Split(name, ".")
	for i, p := range parts {
		if closureRe.MatchString(p) && i > 0 {
			return strings.Join(parts[i-1:], ".")
		}
	}
	return parts[len(parts)-1]
}

// exportingFuncs parses the package's source and returns the functions and
// closures that call export, directly or through other functions of the
// package. A closure is named by its function and its place in it, as the
// runtime names it: "f.func1", "f.func1.1".
func exportingFuncs(t *testing.T) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, de := range entries {
		if n := de.Name(); strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			file, err := parser.ParseFile(fset, n, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, file)
		}
	}
	calls := map[string]map[string]bool{} // function or closure → names it calls
	var walk func(key string, body ast.Node)
	walk = func(key string, body ast.Node) {
		if calls[key] == nil {
			calls[key] = map[string]bool{}
		}
		n := 0
		ast.Inspect(body, func(x ast.Node) bool {
			switch x := x.(type) {
			case *ast.FuncLit:
				if x == body {
					return true
				}
				n++
				sub := key + ".func" + strconv.Itoa(n)
				if strings.Contains(key, ".func") {
					sub = key + "." + strconv.Itoa(n)
				}
				walk(sub, x)
				calls[key][sub] = true // a closure defined here may run here
				return false
			case *ast.CallExpr:
				switch fn := x.Fun.(type) {
				case *ast.SelectorExpr:
					calls[key][fn.Sel.Name] = true
				case *ast.Ident:
					calls[key][fn.Name] = true
				}
			case *ast.SelectorExpr:
				if id, ok := x.X.(*ast.Ident); ok && id.Name == "h" {
					calls[key][x.Sel.Name] = true // a method value passed on (h.showX)
				}
			}
			return true
		})
	}
	for _, file := range files {
		for _, d := range file.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				walk(fd.Name.Name, fd.Body)
			}
		}
	}
	reach := map[string]bool{"export": true}
	for changed := true; changed; {
		changed = false
		for f, cs := range calls {
			if reach[f] {
				continue
			}
			for c := range cs {
				if reach[c] {
					reach[f], changed = true, true
					break
				}
			}
		}
	}
	return reach
}

// TestExportRoutesDerived: the derivation finds exports written as method
// values and as closures, and only those.
func TestExportRoutesDerived(t *testing.T) {
	e := newTestEnv(t)
	routes := strings.Join(exportRoutes(t, e), " ")
	for _, want := range []string{"/products", "/receipts", "/reconciliation/outbounds", "/balances/:cust", "/categories", "/customer-groups",
		"/org-units", "/messages/templates", "/reconciliation/disputes", "/catalog-entries/batch"} {
		if !strings.Contains(" "+routes+" ", " "+want+" ") {
			t.Errorf("%s is not found as an export: %s", want, routes)
		}
	}
	for _, not := range []string{"/products/new", "/receipts/new", "/", "/catalog-entries/import/template.:fmt"} {
		if strings.Contains(" "+routes+" ", " "+not+" ") {
			t.Errorf("%s is taken for an export", not)
		}
	}
	for in, want := range map[string]string{
		"dealerportal/handlers.(*Handler).showProducts-fm":                         "showProducts",
		"dealerportal/handlers.(*Handler).registerReceipts.func1":                  "registerReceipts.func1",
		"dealerportal/handlers.(*Handler).registerAPI.(*Handler).apiHandler.func2": "apiHandler.func2",
		"dealerportal/handlers.(*Handler).a.func1.2":                               "a.func1.2",
	} {
		if got := handlerKey(in); got != want {
			t.Errorf("handlerKey(%s) = %s, want %s", in, got, want)
		}
	}
}

// exportFixtures stores records for every export: the modules' fixtures,
// plus a customer whose code starts with zeros and whose names start with
// "=" and "+" (text, never a number or a formula), a group whose name starts
// with "@", a dispute, and an API client with a failed push.
func exportFixtures(t *testing.T, e *testEnv) {
	t.Helper()
	documentFixtures(t, e)
	err := e.st.Update("test", func(tx *store.Tx) error {
		c := &model.Customer{Code: "00123", Name: "=HYPERLINK(\"http://x\")", ShortName: "+1", OrgUnitID: e.ids["org:SH"],
			Status: model.CustomerActive, CreditLimit: 1234567}
		if err := tx.SaveCustomer(store.AdminScope(), c); err != nil {
			return err
		}
		g := &model.CustomerGroup{Code: "G1", Name: "@重点客户"}
		return tx.SaveCustomerGroup(g)
	})
	if err != nil {
		t.Fatal(err)
	}
	// A dispute of C1's invoice, by its manager.
	m := e.login("c1.manager")
	inv := "/reconciliation/invoices/" + e.id("rc.iv:C1")
	m.get(inv)
	if r := m.post(inv+"/dispute", url.Values{"version": {"0"}, "reason": {"=金额不符"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("dispute: %d %s", r.Code, excerpt(r.Body))
	}
	// An API client with one failed push.
	a := e.login("admin")
	id := createAPIClientUI(t, e, a, "ERP")
	e.feedEvents(e.apiClientByName("ERP"), "C1")
	e.attemptDeliveries(e.apiClientByName("ERP"), model.WebhookHTTP, 503, e.st.Now())
	n, _ := strconv.ParseUint(id, 10, 64)
	e.ids["api:client"] = n
}

var (
	exportSpanRe = regexp.MustCompile(`(?s)class="export[^"]*">.*?</(?:span|p)>`)
	hrefRe       = regexp.MustCompile(`href="([^"]+)"`)
	nextRe       = regexp.MustCompile(`href="([^"]+)"[^>]*rel="next"`)
)

// exportLinks returns the export links of a list page, unescaped.
func exportLinks(t *testing.T, body string) []string {
	t.Helper()
	span := exportSpanRe.FindString(body)
	var out []string
	for _, m := range hrefRe.FindAllStringSubmatch(span, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	if len(out) != 2 {
		t.Fatalf("export links %v in %s", out, excerpt(body))
	}
	return out
}

// TestExportLinksOnLaterPages: on page 2 of a list, paged by number or by
// keyset cursor, the CSV and XLSX links are working URLs that keep the
// list's filter and sort and export every matching row, not the page.
func TestExportLinksOnLaterPages(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	shippingFixture(t, e)
	c := e.login("admin")
	r := c.get("/customers?q=%E5%AE%A2%E6%88%B7&sort=name&size=1&page=2")
	if r.Code != http.StatusOK || !strings.Contains(r.Body, "客户C2") || strings.Contains(r.Body, "客户C1<") {
		t.Fatalf("page 2: %d %s", r.Code, excerpt(r.Body))
	}
	for _, link := range exportLinks(t, r.Body) {
		u, err := url.Parse(link)
		if err != nil || u.Path != "/customers" || u.RawQuery == "" {
			t.Fatalf("export link %q: %v", link, err)
		}
		q := u.Query()
		if q.Get("q") != "客户" || q.Get("sort") != "name" || q.Has("page") || q.Has("size") || q.Has("after") {
			t.Errorf("export link %q does not keep the filter or keeps the page", link)
		}
		x := c.get(link)
		if x.Code != http.StatusOK || x.Header.Get("Content-Disposition") == "" {
			t.Fatalf("%s: %d %s", link, x.Code, x.Header.Get("Content-Type"))
		}
		if q.Get("export") == "csv" && (!strings.Contains(x.Body, "客户C1") || !strings.Contains(x.Body, "客户C2")) {
			t.Errorf("%s holds a page, not the list: %s", link, x.Body)
		}
	}
	// Page 2 at the default page size: the link the issue saw broken.
	err := e.st.Update("test", func(tx *store.Tx) error {
		for i := range defaultPageSize {
			cu := &model.Customer{Code: fmt.Sprintf("X%02d", i), Name: "批量客户", OrgUnitID: e.ids["org:GZ"], Status: model.CustomerActive}
			if err := tx.SaveCustomer(store.AdminScope(), cu); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r = c.get("/customers?page=2")
	links := exportLinks(t, r.Body)
	if links[0] != "/customers?export=csv" || links[1] != "/customers?export=xlsx" {
		t.Errorf("export links on page 2: %v", links)
	}
	if x := c.get(links[0]); x.Code != http.StatusOK || strings.Count(x.Body, "\n") != defaultPageSize+3 {
		t.Errorf("%s: %d, %d lines", links[0], x.Code, strings.Count(x.Body, "\n"))
	}
	// A document list pages by a cursor: page 2 carries ?after=.
	r = c.get("/outbounds?size=1")
	m := nextRe.FindStringSubmatch(r.Body)
	if r.Code != http.StatusOK || m == nil {
		t.Fatalf("outbounds page 1: %d, no next link: %s", r.Code, excerpt(r.Body))
	}
	next := html.UnescapeString(m[1])
	if !strings.Contains(next, "after=") {
		t.Fatalf("next link %s has no cursor", next)
	}
	r = c.get(next)
	for _, link := range exportLinks(t, r.Body) {
		u, err := url.Parse(link)
		if err != nil || u.Path != "/outbounds" || u.Query().Has("after") || u.Query().Has("page") || u.Query().Has("size") {
			t.Fatalf("export link on page 2: %q", link)
		}
		if x := c.get(link); x.Code != http.StatusOK || x.Header.Get("Content-Disposition") == "" {
			t.Fatalf("%s: %d", link, x.Code)
		} else if u.Query().Get("export") == "csv" && strings.Count(x.Body, "\n") < 3 {
			t.Errorf("%s holds fewer rows than the list: %s", link, x.Body)
		}
	}
}

// TestExportURL: the link keeps every filter, drops paging, and always
// separates the query from the path.
func TestExportURL(t *testing.T) {
	for _, tc := range []struct {
		vals url.Values
		want string
	}{
		{url.Values{}, "/products?export=xlsx"},
		{url.Values{"page": {"2"}}, "/products?export=xlsx"},
		{url.Values{"page": {"3"}, "after": {"17"}, "size": {"50"}}, "/products?export=xlsx"},
		{url.Values{"export": {"csv"}}, "/products?export=xlsx"},
		{url.Values{"q": {"电机 & 轴承"}, "sort": {"code"}, "desc": {"1"}, "page": {"2"}, "status": {"a", "b"}},
			"/products?desc=1&export=xlsx&q=%E7%94%B5%E6%9C%BA+%26+%E8%BD%B4%E6%89%BF&sort=code&status=a&status=b"},
	} {
		q := ListQuery{Path: "/products", Vals: tc.vals}
		if got := q.ExportURL("xlsx"); got != tc.want {
			t.Errorf("ExportURL(%v) = %s, want %s", tc.vals, got, tc.want)
		}
	}
}

// TestWriteXLSX: cells by kind, on one sheet written directly.
func TestWriteXLSX(t *testing.T) {
	head := []string{"编码", "数量", "金额", "日期", "时间", "比率", "次数", "备注"}
	kinds := []colKind{colText, colNumber, colMoney, colDate, colDateTime, colPercent, colInt}
	rows := [][]string{
		{"00123", "1.5", "-2240.00", "2026-03-01", "2026-03-01 08:05", "12.5%", "3", "=SUM(A1:A9)"},
		{"007", "007", "1,234.00", "2026-13-01", "2026-03-01 08:05:09", "13%", "03", "@cmd"},
		{"合计合计合计合计", "12345", "", "", "", "", "", "+1"},
	}
	var buf bytes.Buffer
	if err := writeXLSX(&buf, head, kinds, rows, "¥"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tc := range []struct {
		ref, raw, format string // format "" is a text cell
	}{
		{"A2", "00123", ""}, {"A3", "007", ""}, {"A4", "合计合计合计合计", ""},
		{"B2", "1.5", "#,##0.0"}, {"B3", "007", ""}, {"B4", "12345", "#,##0"},
		{"C2", "-2240", `"¥"#,##0.00;[Red]-"¥"#,##0.00`}, {"C3", "1,234.00", ""}, // grouped text is not what Plain writes
		{"D2", "46082", "yyyy-mm-dd"}, {"D3", "2026-13-01", ""},
		{"E2", "46082.33680555555", "yyyy-mm-dd hh:mm"}, {"E3", "46082.33690", "yyyy-mm-dd hh:mm:ss"},
		{"F2", "0.125", "0.0%"}, {"F3", "0.13", "0%"},
		{"G2", "3", "0"}, {"G3", "03", ""},
		{"H2", "=SUM(A1:A9)", ""}, {"H3", "@cmd", ""}, {"H4", "+1", ""},
	} {
		raw, _ := f.GetCellValue(xlsxSheet, tc.ref, excelize.Options{RawCellValue: true})
		typ, _ := f.GetCellType(xlsxSheet, tc.ref)
		formula, _ := f.GetCellFormula(xlsxSheet, tc.ref)
		st := cellStyle(f, xlsxSheet, tc.ref)
		format := ""
		if st != nil && st.CustomNumFmt != nil {
			format = *st.CustomNumFmt
		}
		if !strings.HasPrefix(raw, tc.raw) || format != tc.format || formula != "" {
			t.Errorf("%s = %q format %q formula %q, want %q format %q", tc.ref, raw, format, formula, tc.raw, tc.format)
		}
		if text := tc.format == ""; text != (typ == excelize.CellTypeInlineString) {
			t.Errorf("%s: cell type %v", tc.ref, typ)
		}
	}
	// Widths: the widest cell or the header with room for its filter
	// button, and 2 to spare; CJK counts double.
	for col, want := range map[string]float64{"A": 18, "B": 9, "H": 13} {
		if w, _ := f.GetColWidth(xlsxSheet, col); w != want {
			t.Errorf("column %s width %v, want %v", col, w, want)
		}
	}
}

// TestReadDecimal: only what the model's formatters write reads as a number.
func TestReadDecimal(t *testing.T) {
	for _, tc := range []struct {
		s      string
		places int
		n      int64
		decs   int
		ok     bool
	}{
		{"0", 2, 0, 0, true}, {"12.5", 3, 12500, 1, true}, {"-2240.00", 2, -224000, 2, true}, {"0.001", 3, 1, 3, true},
		{"007", 3, 0, 0, false}, {"1.2345", 3, 0, 0, false}, {"1,234", 3, 0, 0, false}, {"+1", 3, 0, 0, false},
		{"1.", 3, 0, 0, false}, {".5", 3, 0, 0, false}, {"-", 3, 0, 0, false}, {"", 3, 0, 0, false}, {"1e3", 3, 0, 0, false},
		{"1234567890123456", 0, 0, 0, false}, {"١٢", 0, 0, 0, false},
	} {
		n, decs, ok := readDecimal(tc.s, tc.places)
		if n != tc.n || decs != tc.decs || ok != tc.ok {
			t.Errorf("readDecimal(%q, %d) = %d, %d, %v; want %d, %d, %v", tc.s, tc.places, n, decs, ok, tc.n, tc.decs, tc.ok)
		}
	}
}

// TestStocktakeExportReadsBack: the stocktake export can be imported again
// (its rows are the import's columns): the importer reads the typed XLSX
// (quantities as numbers, dates as dates) as the same table as the CSV.
func TestStocktakeExportReadsBack(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	channelFixture(t, e)
	c := e.login("c1.manager")
	x, v := c.get("/stocktakes?export=xlsx"), c.get("/stocktakes?export=csv")
	if x.Code != http.StatusOK || v.Code != http.StatusOK {
		t.Fatalf("exports: %d %d", x.Code, v.Code)
	}
	fromXLSX, err := readTable("s.xlsx", []byte(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	fromCSV, err := readTable("s.csv", []byte(v.Body))
	if err != nil {
		t.Fatal(err)
	}
	if len(fromCSV) < 2 || !reflect.DeepEqual(fromXLSX, fromCSV) {
		t.Errorf("the XLSX reads as\n%q\nthe CSV as\n%q", fromXLSX, fromCSV)
	}
}
