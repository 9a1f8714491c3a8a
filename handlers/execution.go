package handlers

import (
	"html/template"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// The sales order execution report (销售订单执行报表, SPEC §2.3): per sales
// order line the ordered quantity and amount, delivery-noticed, outbound
// (net of red), returned, invoiced quantity and amount, received amount and
// open quantity, with totals, filtered by customer, order date and status,
// exported as CSV or XLSX. It reads the figures the postings maintain on the
// lines (store.ExecutionReport); dealers see their own orders.

const tplExecution = "shipping/execution"

// executionData is the report page: rows of the page's orders, totals of all.
type executionData struct {
	List
	Totals   store.ExecutionTotals
	Staff    bool
	Statuses []model.Status
	Names    map[uint64]string
	// Head, Lines and Foot are the header row, the page's rows and the
	// totals row, written in report_rows.go.
	Head, Lines, Foot template.HTML
}

func (h *Handler) showExecutionReport(c *fiber.Ctx) error {
	if err := needOrders(c); err != nil {
		return err
	}
	sc := h.scope(c)
	q := parseListQuery(c)
	f := store.ExecutionFilter{From: q.Get("from"), To: q.Get("to"), Q: q.Q}
	switch st := model.Status(q.Get("status")); st {
	case model.StatusAudited, model.StatusClosed:
		f.Statuses = []model.Status{st}
	}
	d := &executionData{Staff: sc.IsStaff(), Statuses: []model.Status{model.StatusAudited, model.StatusClosed}, Names: map[uint64]string{}}
	var rows []store.ExecutionRow
	err := h.read(func(t *store.Tx) error {
		if code := strings.TrimSpace(q.Get("customer")); code != "" && sc.IsStaff() {
			cu, err := t.CustomerByCode(sc, code)
			if err != nil {
				d.List = List{Query: q, Pager: q.Pager(0)}
				return nil
			}
			f.CustomerID = cu.ID
		}
		p := store.Page{Offset: (q.PageNo - 1) * q.Size, Limit: q.Size}
		if q.Export != "" {
			p = store.Page{}
		}
		var err error
		rows, d.Totals, err = t.ExecutionReport(sc, f, p)
		if err != nil {
			return err
		}
		if sc.IsStaff() {
			ids := make([]uint64, len(rows))
			for i, r := range rows {
				ids[i] = r.CustomerID
			}
			t.PrefetchCustomerCards(ids)
		}
		for _, r := range rows {
			if _, done := d.Names[r.CustomerID]; sc.IsStaff() && !done {
				d.Names[r.CustomerID] = ""
				if cc, ok := t.CustomerCard(sc, r.CustomerID); ok {
					d.Names[r.CustomerID] = cc.Code + " " + cc.Name
				}
			}
		}
		d.List = List{Rows: rows, Query: q, Pager: q.Pager(d.Totals.Orders)}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		l := lang(c)
		out := make([][]string, 0, len(rows)+1)
		for _, r := range rows {
			out = append(out, []string{r.Number, r.OrderDate, d.Names[r.CustomerID], h.i18n.T(l, "status."+string(r.Status)),
				itoa(uint64(r.Line.No)), r.Line.Code, r.Line.Name, r.Line.Unit, r.Line.Qty.String(), r.Line.Price.Plain(), r.Line.Amount.Plain(),
				r.Line.NoticedQty.String(), r.Line.ShippedQty.String(), r.ShippedAmount().Plain(), r.Line.ReturnedQty.String(),
				r.Line.InvoicedQty.String(), r.Line.InvoicedAmount.Plain(), r.Line.ReceivedAmount.Plain(), r.OpenQty().String()})
		}
		tt := d.Totals
		out = append(out, []string{h.i18n.T(l, "ship.totals"), "", "", "", "", "", "", "", tt.Qty.String(), "", tt.Amount.Plain(),
			tt.NoticedQty.String(), tt.ShippedQty.String(), tt.ShippedAmount.Plain(), tt.ReturnedQty.String(),
			tt.InvoicedQty.String(), tt.InvoicedAmount.Plain(), tt.ReceivedAmount.Plain(), tt.OpenQty.String()})
		return h.export(c, q.Export, "sales-order-execution", []exportCol{
			{"ship.sales_order", colText}, {"ship.date", colDate}, {"ship.customer", colText}, {"ship.status", colText},
			{"ship.line", colInt}, {"ship.code", colText}, {"ship.product", colText}, {"ship.unit", colText},
			{"ship.ordered", colNumber}, {"ship.price", colMoney}, {"ship.amount", colMoney},
			{"ship.noticed", colNumber}, {"ship.shipped", colNumber}, {"ship.shipped_amount", colMoney},
			{"ship.returned", colNumber}, {"ship.invoiced", colNumber}, {"ship.invoiced_amount", colMoney},
			{"ship.received_amount", colMoney}, {"ship.open", colNumber},
		}, out)
	}
	v := h.view(c, "ship.execution", d)
	d.Head, d.Lines, d.Foot = executionHeadHTML(v, d.Staff), executionRowsHTML(v, d.Staff, rows, d.Names), executionFootHTML(v, d.Staff, &d.Totals)
	return h.render(c, fiber.StatusOK, tplExecution, v)
}
