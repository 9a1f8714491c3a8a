package handlers

import (
	"bytes"
	"html/template"
	"testing"

	"dealerportal/model"
)

// oldInvoiceRows is the {{range}} block views/recon/invoice_list.html had:
// invoiceRowsHTML must write exactly what html/template made of it,
// hostile values included.
var oldInvoiceRows = template.Must(template.New("invoices").Parse(`{{$lNumber := .T "rc.number"}}{{$lInvoiceNo := .T "rc.invoice_no"}}{{$lDate := .T "rc.date"}}{{$lCustomer := .T "rc.customer"}}{{$lOutbounds := .T "rc.outbounds"}}{{$lStatus := .T "rc.status"}}{{$lAmount := .T "rc.amount"}}{{$lOpen := .T "rc.open"}}{{$lRecon := .T "rc.recon_state"}}{{$red := .T "rc.red"}}{{range .Data.Rows}}
      <tr>
        <td data-label="{{$lNumber}}"><a href="/invoices/{{.ID}}">{{.Number}}</a></td>
        <td data-label="{{$lInvoiceNo}}">{{.InvoiceNo}}</td>
        <td data-label="{{$lDate}}" class="tabular">{{.Date}}</td>
        {{if $.Data.Staff}}<td data-label="{{$lCustomer}}">{{.Customer}}</td>{{end}}
        <td data-label="{{$lOutbounds}}" class="small">{{.Outbounds}}</td>
        <td data-label="{{$lStatus}}">{{if .Red}}<span class="badge bad">{{$red}}</span> {{end}}{{$.Badge "status" .Status}}</td>
        <td data-label="{{$lAmount}}" class="num">{{$.Money .Amount}}</td>
        <td data-label="{{$lOpen}}" class="num">{{$.Money .Open}}</td>
        <td data-label="{{$lRecon}}">{{if eq (printf "%s" .Status) "audited"}}{{$.Badge "status" .Recon}}{{end}}</td>
      </tr>
    {{end}}`))

func TestInvoiceRowsHTML(t *testing.T) {
	e := newTestEnv(t)
	rows := []invoiceRow{
		{DocSummary: model.DocSummary{ID: 7, CustomerID: 1, Number: `IV<1>&"'+x`, Date: "2026-12-03", Status: model.StatusAudited, Amount: 123456},
			Customer: `C0001 <script>alert("x")</script> & 'q' +`, Open: -5, InvoiceNo: `No."1"<&>`, Outbounds: "OB-1, OB-2 <b>", Red: true, Recon: model.ReconConfirmed},
		{DocSummary: model.DocSummary{ID: 8, CustomerID: 2, Number: "IV-2", Date: `<b>`, Status: model.StatusDraft, Amount: -5},
			Customer: "C0002 广州久安", Recon: model.ReconDisputed},
		{DocSummary: model.DocSummary{ID: 9, CustomerID: 3, Number: "发票\x00", Status: "odd<status>"}, Recon: "odd'recon"},
		{DocSummary: model.DocSummary{ID: 10, CustomerID: 3, Number: "IV-4", Status: model.StatusAudited}, Recon: model.ReconUnconfirmed},
	}
	for _, l := range Languages {
		for _, staff := range []bool{true, false} {
			for _, cur := range []string{"¥", `<"&'+`} {
				d := &invoiceListData{List: List{Rows: rows}, Staff: staff}
				v := &View{h: e.h, Lang: l, Settings: &model.Settings{CurrencySymbol: cur}, Data: d}
				var want bytes.Buffer
				if err := oldInvoiceRows.Execute(&want, v); err != nil {
					t.Fatal(err)
				}
				if got := string(invoiceRowsHTML(v, staff, rows)); got != want.String() {
					t.Errorf("%s, staff %v, currency %q: rows differ from the template's:\n got %s\nwant %s", l, staff, cur, got, want.String())
				}
			}
		}
	}
	if got := invoiceRowsHTML(&View{h: e.h, Lang: "en", Settings: &model.Settings{}}, true, nil); got != "" {
		t.Errorf("no rows: %q", got)
	}
}
