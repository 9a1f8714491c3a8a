package handlers

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// The report rows written in Go (report_rows.go) are the markup the
// templates had: each is compared with what html/template made of the old
// row over the same values, hostile texts included (up to the whitespace
// between tags).

// squeeze drops the whitespace between tags.
func squeeze(s string) string {
	return regexp.MustCompile(`>\s+<`).ReplaceAllString(strings.TrimSpace(s), "><")
}

var oldExecutionRow = template.Must(template.New("row").Funcs(template.FuncMap{
	"money": func(v *View, m model.Money) template.HTML { return v.Money(m) },
}).Parse(`{{$v := .V}}{{range .Rows}}
      <tr data-order="{{.Number}}" data-line="{{.Line.No}}">
        <td class="x-so"><a href="/tracking/sales-orders/{{.SalesOrderID}}">{{.Number}}</a></td>
        <td class="x-date tabular">{{.OrderDate}}</td>
        {{if $.Staff}}<td class="x-cust wide">{{index $.Names .CustomerID}}</td>{{end}}
        <td class="x-st">{{$v.Badge "status" .Status}}</td>
        <td class="num" data-label="#">{{.Line.No}}</td>
        <td class="x-prod wide">{{.Line.Code}} {{.Line.Name}}</td>
        <td class="num c-ordered">{{.Line.Qty}}</td>
        <td class="num x-amt">{{money $v .Line.Amount}}</td>
        <td class="num c-noticed">{{.Line.NoticedQty}}</td>
        <td class="num c-shipped">{{.Line.ShippedQty}}</td>
        <td class="num c-returned">{{.Line.ReturnedQty}}</td>
        <td class="num c-invoiced">{{.Line.InvoicedQty}}</td>
        <td class="num x-inv">{{money $v .Line.InvoicedAmount}}</td>
        <td class="num x-rcv">{{money $v .Line.ReceivedAmount}}</td>
        <td class="num c-open">{{.OpenQty}}</td>
      </tr>{{end}}`))

// TestExecutionLabels: on a phone every cell of the execution report shows
// its column's header as its label, in both languages: the label
// stylesheet has a rule for each class a row's cell carries, whose text is
// that column's header on the page, and the page links the stylesheet of
// its language.
func TestExecutionLabels(t *testing.T) {
	e := newTestEnv(t)
	styles := reportLabelStyles(func(l, k string) string { return e.h.i18n.T(l, k) })
	v := &View{h: e.h, Lang: "zh", Settings: &model.Settings{}}
	row := string(executionRowsHTML(v, true, []store.ExecutionRow{{SalesOrderID: 1, Number: "SO-1", Status: model.StatusAudited}}, nil))
	var classes []string
	for _, m := range regexp.MustCompile(`<td class="(?:num )?([xc]-[a-z]+)`).FindAllStringSubmatch(row, -1) {
		classes = append(classes, m[1])
	}
	if len(classes) != 14 {
		t.Fatalf("%d labelled cells in a staff row, want 14: %s", len(classes), row)
	}
	for _, l := range Languages {
		css := string(styles["labels-"+l+".css"])
		for _, c := range classes {
			key := ""
			for _, lc := range executionLabels {
				if lc[0] == c {
					key = lc[1]
				}
			}
			want := "#execution td." + c + "::before{content:" + cssString(e.h.i18n.T(l, key)) + "}"
			if key == "" || !strings.Contains(css, want) {
				t.Errorf("%s: no label for cells of class %s (want %s) in\n%s", l, c, want, css)
			}
		}
		if !strings.Contains(css, "@media screen and (max-width:720px)") {
			t.Errorf("%s: the labels are not for narrow screens only", l)
		}
	}
	if got := cssString(`a"b\c` + "\n"); got != `"a\"b\\c\a "` {
		t.Errorf("cssString = %s", got)
	}
}

func TestExecutionRowsHTML(t *testing.T) {
	e := newTestEnv(t)
	for _, l := range Languages {
		v := &View{h: e.h, Lang: l, Settings: &model.Settings{}}
		var line model.SalesOrderLine
		line.No, line.Code, line.Name, line.Qty, line.Amount = 2, `P&1"`, `<script>alert('x')</script>`, 5000, -1234
		line.ShippedQty, line.InvoicedAmount, line.ReceivedAmount = 2000, 99, 5
		rows := []store.ExecutionRow{
			{SalesOrderID: 7, Number: `SO<1>`, CustomerID: 3, OrderDate: "2026-03-01", Status: model.StatusAudited, Line: line},
			{SalesOrderID: 8, Number: "SO-2", CustomerID: 4, OrderDate: "2026-03-02", Status: model.StatusClosed, Line: line},
		}
		names := map[uint64]string{3: `C1 "甲" & <乙>`}
		for _, staff := range []bool{true, false} {
			var buf bytes.Buffer
			err := oldExecutionRow.Execute(&buf, map[string]any{"V": v, "Rows": rows, "Staff": staff, "Names": names})
			if err != nil {
				t.Fatal(err)
			}
			if got := string(executionRowsHTML(v, staff, rows, names)); squeeze(got) != squeeze(buf.String()) {
				t.Errorf("%s staff=%v rows differ from the template's:\n got %s\nwant %s", l, staff, got, buf.String())
			}
		}
	}
}

var oldBalanceRow = template.Must(template.New("row").Funcs(template.FuncMap{
	"money": func(v *View, m model.Money) template.HTML { return v.Money(m) },
	"t":     func(v *View, k string) string { return v.T(k) },
}).Parse(`{{$v := .V}}{{$asOf := .AsOf}}{{$lDays := .Days}}{{range .Rows}}
      <tr>
        <td data-label="{{t $v "rc.customer"}}" class="wide"><a href="/balances/{{.Customer.ID}}{{if $asOf}}?to={{$asOf}}{{end}}">{{.Customer.Code}} {{.Customer.Name}}</a></td>
        {{if $.Staff}}<td data-label="{{t $v "rc.org_unit"}}" class="small">{{call $.Path .Customer.OrgUnitID}}</td>{{end}}
        <td data-label="{{t $v "rc.uninvoiced"}}" class="num">{{money $v .Uninvoiced}}</td>
        <td data-label="{{t $v "rc.invoiced_receivable"}}" class="num">{{money $v .InvoicedReceivable}}</td>
        <td data-label="{{t $v "rc.receipt_balance"}}" class="num">{{money $v .ReceiptBalance}}</td>
        <td data-label="{{t $v "rc.net_position"}}" class="num"><strong>{{money $v .Net}}</strong></td>{{range $i, $b := .Aging.Buckets}}
        <td data-label="{{index $lDays $i}}" class="num">{{money $v $b}}</td>{{end}}
      </tr>{{end}}`))

func TestBalanceRowsHTML(t *testing.T) {
	e := newTestEnv(t)
	path := func(id uint64) string { return map[uint64]string{1: "总部 / <华北>"}[id] }
	for _, l := range Languages {
		v := &View{h: e.h, Lang: l, Settings: &model.Settings{}}
		days := [4]string{"0–30", `31"60`, "61&90", "<90>"}
		rows := []store.BalanceRow{
			{Customer: &store.CustomerCard{ID: 5, OrgUnitID: 1, Code: `C&1`, Name: `<b>甲</b>`}, Position: model.Position{Uninvoiced: 100, InvoicedReceivable: -50, ReceiptBalance: 7}},
			{Customer: &store.CustomerCard{ID: 6, Code: "C2", Name: "乙"}, Aging: model.Aging{Buckets: [4]model.Money{1, 2, 3, -4}}},
		}
		for _, staff := range []bool{true, false} {
			for _, asOf := range []string{"", "2026-03-01"} {
				var buf bytes.Buffer
				err := oldBalanceRow.Execute(&buf, map[string]any{"V": v, "Rows": rows, "Staff": staff, "AsOf": asOf, "Days": days, "Path": path})
				if err != nil {
					t.Fatal(err)
				}
				if got := string(balanceRowsHTML(v, staff, rows, asOf, days, path)); squeeze(got) != squeeze(buf.String()) {
					t.Errorf("%s staff=%v as of %q: rows differ from the template's:\n got %s\nwant %s", l, staff, asOf, got, buf.String())
				}
			}
		}
	}
}

var oldExecutionHeadFoot = template.Must(template.New("hf").Parse(`{{$v := .V}}<thead><tr>
      <th>{{$v.T "ship.sales_order"}}</th><th>{{$v.T "ship.date"}}</th>{{if .Staff}}<th>{{$v.T "ship.customer"}}</th>{{end}}<th>{{$v.T "ship.status"}}</th>
      <th class="num">#</th><th>{{$v.T "ship.product"}}</th>
      <th class="num">{{$v.T "ship.ordered"}}</th><th class="num">{{$v.T "ship.amount"}}</th><th class="num">{{$v.T "ship.noticed"}}</th>
      <th class="num">{{$v.T "ship.shipped"}}</th><th class="num">{{$v.T "ship.returned"}}</th><th class="num">{{$v.T "ship.invoiced"}}</th>
      <th class="num">{{$v.T "ship.invoiced_amount"}}</th><th class="num">{{$v.T "ship.received_amount"}}</th><th class="num">{{$v.T "ship.open"}}</th>
    </tr></thead>
    <tfoot>{{with .Totals}}<tr id="execution-totals">
      <th colspan="{{if $.Staff}}6{{else}}5{{end}}">{{$v.T "ship.totals"}} · {{$v.T "ship.orders_lines" "orders" .Orders "lines" .Lines}}</th>
      <th class="num">{{.Qty}}</th><th class="num">{{$v.Money .Amount}}</th><th class="num">{{.NoticedQty}}</th><th class="num">{{.ShippedQty}}</th>
      <th class="num">{{.ReturnedQty}}</th><th class="num">{{.InvoicedQty}}</th><th class="num">{{$v.Money .InvoicedAmount}}</th>
      <th class="num">{{$v.Money .ReceivedAmount}}</th><th class="num">{{.OpenQty}}</th>
    </tr>{{end}}</tfoot>`))

// TestExecutionHeadFootHTML: the header and totals rows written in Go are
// the template's markup, in both languages, staff and dealer, with a
// negative amount.
func TestExecutionHeadFootHTML(t *testing.T) {
	e := newTestEnv(t)
	tt := store.ExecutionTotals{Orders: 3, Lines: 7, Qty: 12500, Amount: -123456, NoticedQty: 1000, ShippedQty: 2000,
		ReturnedQty: 500, InvoicedQty: 1500, InvoicedAmount: 9900, ReceivedAmount: 100, OpenQty: 10500}
	for _, l := range Languages {
		v := &View{h: e.h, Lang: l, Settings: model.DefaultSettings()}
		for _, staff := range []bool{true, false} {
			var buf bytes.Buffer
			if err := oldExecutionHeadFoot.Execute(&buf, map[string]any{"V": v, "Staff": staff, "Totals": tt}); err != nil {
				t.Fatal(err)
			}
			got := "<thead>" + string(executionHeadHTML(v, staff)) + "</thead><tfoot>" + string(executionFootHTML(v, staff, &tt)) + "</tfoot>"
			if squeeze(got) != squeeze(buf.String()) {
				t.Errorf("%s staff=%v:\n got %s\nwant %s", l, staff, squeeze(got), squeeze(buf.String()))
			}
		}
	}
}
