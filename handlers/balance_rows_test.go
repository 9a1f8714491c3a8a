package handlers

import (
	"bytes"
	"html/template"
	"testing"

	"dealerportal/model"
)

// oldBalanceDetailRows is the {{range}} block views/recon/balance_detail.html
// had: balanceDetailRowsHTML must write exactly what html/template made of
// it, hostile values included.
var oldBalanceDetailRows = template.Must(template.New("detail").Parse(`{{$lDate := $.T "rc.date"}}{{$lType := $.T "rc.doc_type"}}{{$lNo := $.T "rc.number"}}{{$lAmt := $.T "rc.amount"}}{{$lRem := $.T "rc.remaining"}}{{$lEff := $.T "rc.effect"}}{{$lRun := $.T "rc.running"}}{{$lState := $.T "rc.recon_state"}}{{$red := $.T "rc.red"}}{{range $.Data.Rows}}
      <tr>
        <td data-label="{{$lDate}}" class="tabular">{{.Date}}</td>
        <td data-label="{{$lType}}">{{if .Red}}<span class="badge bad">{{$red}}</span> {{end}}{{index $.Data.KindNames .Kind}}</td>
        <td data-label="{{$lNo}}"><a href="{{$.Data.DocPath .}}">{{.Number}}</a></td>
        <td data-label="{{$lAmt}}" class="num">{{$.Money .Amount}}</td>
        <td data-label="{{$lRem}}" class="num">{{if .HasRemaining}}{{$.Money .Remaining}}{{end}}</td>
        <td data-label="{{$lEff}}" class="num">{{$.Money .Effect}}</td>
        <td data-label="{{$lRun}}" class="num">{{$.Money .Running}}</td>
        <td data-label="{{$lState}}">{{$.Badge "status" ($.Data.State .)}}</td>
      </tr>
    {{end}}`))

func TestBalanceDetailRowsHTML(t *testing.T) {
	e := newTestEnv(t)
	row := func(kind model.DocType, id uint64, number, date string, amount model.Money, red bool) model.DetailRow {
		return model.DetailRow{LedgerDoc: model.LedgerDoc{Kind: kind, ID: id, Number: number, Date: date, Amount: amount, Red: red}}
	}
	rows := []model.DetailRow{
		row(model.DocOutbound, 7, `OB<1>&"'+x`, "2026-12-03", 123456, true),
		row(model.DocInvoice, 8, "发票\x00", `<b>"`, -5, false),
		row(model.DocReceipt, 9, "RC-9", "2026-12-04", 0, false),
		row(model.DocRefund, 10, "RF-10", "2026-12-05", 77, true),
		row("odd<kind>", 11, "X", "", 1, false),
	}
	rows[0].Remaining, rows[0].HasRemaining, rows[0].Effect, rows[0].Running = -9, true, 123456, 123456
	rows[1].HasRemaining, rows[1].Effect, rows[1].Running = true, 0, -123456
	rows[2].Remaining, rows[2].HasRemaining, rows[2].Effect, rows[2].Running = 3, true, -3, 4
	for _, l := range Languages {
		for _, cur := range []string{"¥", `<"&'+`} {
			d := &balanceDetailData{Rows: rows,
				Recon:     map[string]model.Status{"OB:7": model.ReconConfirmed, "IV:8": model.ReconDisputed, "RC:9": "odd'state"},
				KindNames: map[model.DocType]string{model.DocOutbound: `出库 <"&'+>`, model.DocInvoice: "Invoice", model.DocReceipt: "收款", model.DocRefund: "Refund"}}
			v := &View{h: e.h, Lang: l, Settings: &model.Settings{CurrencySymbol: cur}, Data: d}
			var want bytes.Buffer
			if err := oldBalanceDetailRows.Execute(&want, v); err != nil {
				t.Fatal(err)
			}
			if got := string(balanceDetailRowsHTML(v, d)); got != want.String() {
				t.Errorf("%s, currency %q: rows differ from the template's:\n got %s\nwant %s", l, cur, got, want.String())
			}
		}
	}
}
