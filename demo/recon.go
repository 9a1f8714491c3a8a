package demo

import (
	"fmt"

	"dealerportal/model"
	"dealerportal/store"
)

// seedReconciliation gives the first two demo customers a short order
// history with its reconciliation, all through the modules' own store
// functions so that every maintained figure is what the postings made it
// (portal verify and portal check agree), and without messages:
//
//   - C0001: a sales order shipped in two outbounds; the first invoiced and
//     partly paid by a receipt written off at audit, confirmed by the
//     dealer's finance user; the second left un-invoiced (the browser
//     tests invoice it); an advance receipt; the monthly statement on.
//   - C0002: an outbound invoiced two months ago, unpaid (it ages), the
//     invoice disputed by the dealer's manager.
func seedReconciliation(st *store.Store, w *world) error {
	admin := w.staff["admin"]
	if admin == nil {
		return fmt.Errorf("reconciliation demo: no admin")
	}
	return st.Update(actor, func(t *store.Tx) error {
		return t.Quietly(func() error {
			sc := store.AdminScope()
			today := t.Today()
			day := func(n int) string { return model.AddDays(today, n) }
			order := func(code string, date string, lines ...store.LineInput) (*model.SalesOrder, error) {
				c, err := t.CustomerByCode(sc, code)
				if err != nil {
					return nil, err
				}
				so := &model.SalesOrder{CustomerID: c.ID, OrderDate: date, SalespersonID: c.SalespersonID, OrgUnitID: c.OrgUnitID,
					ShipTo: model.ShipTo{Name: c.ShortName, Address: c.Address, Contact: c.Contact, Phone: c.Phone}, Settlement: "月结"}
				if err := t.SaveSalesOrder(sc, so, lines); err != nil {
					return nil, err
				}
				return t.ActOnSalesOrder(sc, so.ID, so.Version, "audit", admin, "")
			}
			line := func(code string, qty int64, yuan int64) store.LineInput {
				p, rate := model.Money(yuan*100), int64(1300)
				return store.LineInput{Code: code, Qty: model.Qty(qty * model.QtyScale), Price: &p, TaxRate: &rate}
			}
			ship := func(so *model.SalesOrder, date string, qty map[int]int64) (*model.Outbound, error) {
				q := map[int]model.Qty{}
				for no, n := range qty {
					q[no] = model.Qty(n * model.QtyScale)
				}
				return t.PostOutbound(sc, admin, &store.OutboundInput{SalesOrderID: so.ID, PostDate: date, Qty: q})
			}
			invoice := func(ob *model.Outbound, date, no string) (*model.Invoice, error) {
				in := &store.InvoiceInput{CustomerID: ob.CustomerID, InvoiceNo: no, Date: date, Qty: map[store.InvoiceLineRef]model.Qty{}, Audit: true}
				for i, l := range ob.Lines {
					if q, _ := store.OutboundRest(ob, i); q != 0 {
						in.Qty[store.InvoiceLineRef{OutboundID: ob.ID, Line: l.No}] = q
					}
				}
				return t.CreateInvoice(sc, admin, in)
			}
			receipt := func(kind model.DocType, cust uint64, date string, yuan int64, ref string, invoices ...uint64) (*model.ReceiptDoc, error) {
				r := &model.ReceiptDoc{CustomerID: cust, Kind: kind, Date: date, Amount: model.Money(yuan * 100), Method: "transfer", Reference: ref, Invoices: invoices}
				if err := t.SaveReceiptDoc(sc, admin, r); err != nil {
					return nil, err
				}
				r, _, err := t.ActOnReceiptDoc(sc, admin, kind, r.ID, r.Version, "audit")
				return r, err
			}
			dealer := func(username string) (*model.User, error) { return t.UserByUsername(username) }

			// C0001.
			so, err := order("C0001", day(-80), line("P-1011", 10, 420), line("P-1019", 50, 38))
			if err != nil {
				return fmt.Errorf("C0001 order: %w", err)
			}
			ob1, err := ship(so, day(-75), map[int]int64{1: 6, 2: 50})
			if err != nil {
				return fmt.Errorf("C0001 outbound: %w", err)
			}
			iv1, err := invoice(ob1, day(-70), "04431187")
			if err != nil {
				return fmt.Errorf("C0001 invoice: %w", err)
			}
			if _, err := receipt(model.DocReceipt, so.CustomerID, day(-40), 3000, "工行电汇 0087", iv1.ID); err != nil {
				return fmt.Errorf("C0001 receipt: %w", err)
			}
			if _, err := ship(so, day(-20), map[int]int64{1: 4}); err != nil {
				return fmt.Errorf("C0001 outbound 2: %w", err)
			}
			if _, err := receipt(model.DocAdvanceReceipt, so.CustomerID, day(-10), 1000, "预付款"); err != nil {
				return fmt.Errorf("C0001 advance: %w", err)
			}
			if fin, err := dealer("c0001.finance"); err == nil {
				if _, err := t.Reconcile(store.CustomerScope(so.CustomerID), fin, model.DocOutbound, ob1.ID, 0, model.ReconConfirm, ""); err != nil {
					return fmt.Errorf("C0001 confirm: %w", err)
				}
			}
			if err := t.SaveStatementSetting(sc, &model.StatementSetting{CustomerID: so.CustomerID, MonthlyStatement: true}); err != nil {
				return err
			}

			// C0002.
			so2, err := order("C0002", day(-68), line("P-1021", 40, 55))
			if err != nil {
				return fmt.Errorf("C0002 order: %w", err)
			}
			ob2, err := ship(so2, day(-66), map[int]int64{1: 40})
			if err != nil {
				return fmt.Errorf("C0002 outbound: %w", err)
			}
			iv2, err := invoice(ob2, day(-65), "04431220")
			if err != nil {
				return fmt.Errorf("C0002 invoice: %w", err)
			}
			if mgr, err := dealer("c0002.manager"); err == nil {
				if _, err := t.Reconcile(store.CustomerScope(so2.CustomerID), mgr, model.DocInvoice, iv2.ID, 0, model.ReconDispute, "开票数量与签收不符，请核对"); err != nil {
					return fmt.Errorf("C0002 dispute: %w", err)
				}
			}
			return nil
		})
	})
}
