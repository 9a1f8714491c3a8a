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
	"t":     func(v *View, k string) string { return v.T(k) },
}).Parse(`{{$v := .V}}{{range .Rows}}
      <tr data-order="{{.Number}}" data-line="{{.Line.No}}">
        <td data-label="{{t $v "ship.sales_order"}}"><a href="/tracking/sales-orders/{{.SalesOrderID}}">{{.Number}}</a></td>
        <td data-label="{{t $v "ship.date"}}" class="tabular">{{.OrderDate}}</td>
        {{if $.Staff}}<td data-label="{{t $v "ship.customer"}}" class="wide">{{index $.Names .CustomerID}}</td>{{end}}
        <td data-label="{{t $v "ship.status"}}">{{$v.Badge "status" .Status}}</td>
        <td class="num" data-label="#">{{.Line.No}}</td>
        <td data-label="{{t $v "ship.product"}}" class="wide">{{.Line.Code}} {{.Line.Name}}</td>
        <td class="num c-ordered" data-label="{{t $v "ship.ordered"}}">{{.Line.Qty}}</td>
        <td class="num" data-label="{{t $v "ship.amount"}}">{{money $v .Line.Amount}}</td>
        <td class="num c-noticed" data-label="{{t $v "ship.noticed"}}">{{.Line.NoticedQty}}</td>
        <td class="num c-shipped" data-label="{{t $v "ship.shipped"}}">{{.Line.ShippedQty}}</td>
        <td class="num c-returned" data-label="{{t $v "ship.returned"}}">{{.Line.ReturnedQty}}</td>
        <td class="num c-invoiced" data-label="{{t $v "ship.invoiced"}}">{{.Line.InvoicedQty}}</td>
        <td class="num" data-label="{{t $v "ship.invoiced_amount"}}">{{money $v .Line.InvoicedAmount}}</td>
        <td class="num" data-label="{{t $v "ship.received_amount"}}">{{money $v .Line.ReceivedAmount}}</td>
        <td class="num c-open" data-label="{{t $v "ship.open"}}">{{.OpenQty}}</td>
      </tr>{{end}}`))

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
