package handlers

import (
	"bytes"
	"html/template"
	"testing"

	"dealerportal/model"
)

// oldDocRows are the {{range}} blocks the document list templates had
// (views/orders/*_list.html): docRowsHTML must write exactly what
// html/template made of them, hostile values included.
var oldDocRows = map[string]*template.Template{
	"sales": template.Must(template.New("sales").Parse(`{{range .Data.Rows}}
      <tr>
        <td data-label="{{$.T "so.number"}}"><a href="/sales-orders/{{.ID}}">{{.Number}}</a></td>
        <td data-label="{{$.T "so.order_date"}}" class="tabular">{{.Date}}</td>
        {{if $.Data.Staff}}<td data-label="{{$.T "so.customer"}}">{{index $.Data.Customers .CustomerID}}</td>{{end}}
        <td data-label="{{$.T "so.status"}}">{{$.Badge "status" .Status}}</td>
        <td data-label="{{$.T "so.amount"}}" class="num">{{$.Money .Amount}}</td>
      </tr>
    {{end}}`)),
	"online": template.Must(template.New("online").Parse(`{{range .Data.Rows}}
      <tr>
        <td data-label="{{$.T "oo.number"}}"><a href="/online-orders/{{.ID}}">{{.Number}}</a></td>
        <td data-label="{{$.T "oo.order_date"}}" class="tabular">{{.Date}}</td>
        {{if $.Data.Staff}}<td data-label="{{$.T "oo.customer"}}">{{index $.Data.Customers .CustomerID}}</td>{{end}}
        <td data-label="{{$.T "oo.status"}}">{{$.Badge "status" .Status}}{{if eq .Flag "hold"}} <span class="badge warn">{{$.T "oo.credit_hold"}}</span>{{end}}</td>
        <td data-label="{{$.T "oo.amount"}}" class="num">{{$.Money .Amount}}</td>
        <td data-label="{{$.T "oo.execution"}}">{{with index $.Data.Extra .ID}}{{$.ExecText .}}{{end}}</td>
      </tr>
    {{end}}`)),
	"change": template.Must(template.New("change").Parse(`{{range .Data.Rows}}
      <tr>
        <td data-label="{{$.T "cr.number"}}"><a href="/change-requests/{{.ID}}">{{.Number}}</a></td>
        <td data-label="{{$.T "cr.request_date"}}" class="tabular">{{.Date}}</td>
        {{if $.Data.Staff}}<td data-label="{{$.T "cr.customer"}}">{{index $.Data.Customers .CustomerID}}</td>{{end}}
        <td data-label="{{$.T "cr.sales_order"}}">{{index $.Data.Extra .ID}}</td>
        <td data-label="{{$.T "cr.status"}}">{{$.Badge "status" .Status}}</td>
      </tr>
    {{end}}`)),
}

// docRowCols are the columns the list handlers pass for each list.
var docRowCols = map[string]func(*View, *docListData) []docCol{"sales": salesCols, "online": onlineCols, "change": changeCols}

func TestDocRowsHTML(t *testing.T) {
	e := newTestEnv(t)
	rows := []model.DocSummary{
		{ID: 7, CustomerID: 1, Number: `SO<1>&"'+x`, Date: "2026-12-03", Status: model.StatusAudited, Amount: 123456, Flag: "hold"},
		{ID: 8, CustomerID: 2, Number: "SO-2", Date: `<b>`, Status: model.StatusConverted, Amount: -5},
		{ID: 9, CustomerID: 3, Number: "订单\x00", Status: "odd<status>"},
	}
	customers := map[uint64]string{1: `C0001 <script>alert("x")</script> & 'q' +`, 2: "C0002 广州久安"}
	extra := map[uint64]string{7: `SO-"7"&<`, 8: "partial"}
	for _, l := range Languages {
		for _, staff := range []bool{true, false} {
			for name, tpl := range oldDocRows {
				d := &docListData{List: List{Rows: rows}, Staff: staff, Customers: customers, Extra: extra}
				v := &View{h: e.h, Lang: l, Settings: &model.Settings{}, Data: d}
				var want bytes.Buffer
				if err := tpl.Execute(&want, v); err != nil {
					t.Fatal(err)
				}
				if got := string(docRowsHTML(v, docRowCols[name](v, d), rows)); got != want.String() {
					t.Errorf("%s, %s, staff %v: rows differ from the template's:\n got %s\nwant %s", name, l, staff, got, want.String())
				}
			}
		}
	}
}
