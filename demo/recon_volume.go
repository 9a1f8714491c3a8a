package demo

import (
	"fmt"
	"io"
	mrand "math/rand/v2"
	"sort"
	"time"

	"dealerportal/model"
	"dealerportal/store"
)

// Reconciliation at volume (`portal demo --orders N --reconciliation`): for
// the generated order history, customer by customer, through the
// reconciliation module's own store functions — invoices for most
// outbounds (some partial, red ones for most red outbounds), receipts for
// most invoices older than a month (some naming their invoice, some short,
// some over), advance receipts, refunds of unapplied money, automatic
// write-offs (red credit and unapplied receipts, oldest first), a few
// reversals, and dealers' confirmations and disputes — so that every
// maintained figure is what the postings made it and `portal verify`
// agrees. No message is raised.

// reconBatch is the number of customers per transaction.
const reconBatch = 100

type reconCounts struct {
	invoices, reds, receipts, advances, refunds, writeOffs, reversals, confirmed, disputed int
}

// volumeRecon reconciles the generated history when on.
func volumeRecon(st *store.Store, w *world, seed uint64, on bool, out io.Writer) error {
	if !on {
		return nil
	}
	admin := w.staff["admin"]
	if admin == nil {
		return fmt.Errorf("reconciliation: no admin")
	}
	start := time.Now()
	rng := mrand.New(mrand.NewPCG(seed, seed^0x7ec0))
	var custs []uint64
	if err := st.View(func(t *store.Tx) error { custs = t.CustomerIDs(store.AdminScope()); return nil }); err != nil {
		return err
	}
	var n reconCounts
	for i := 0; i < len(custs); i += reconBatch {
		batch := custs[i:min(i+reconBatch, len(custs))]
		err := st.Update(actor, func(t *store.Tx) error {
			return t.Quietly(func() error {
				for _, c := range batch {
					if err := reconcileCustomer(t, rng, admin, c, &n); err != nil {
						return fmt.Errorf("customer %d: %w", c, err)
					}
				}
				return nil
			})
		})
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "Reconciliation: %d invoices (%d red), %d receipts, %d advance receipts, %d refunds, %d write-offs (%d reversed), %d confirmed, %d disputed in %.1fs\n",
		n.invoices, n.reds, n.receipts, n.advances, n.refunds, n.writeOffs, n.reversals, n.confirmed, n.disputed, time.Since(start).Seconds())
	return nil
}

// reconcileCustomer reconciles one customer's outbounds.
func reconcileCustomer(t *store.Tx, rng *mrand.Rand, admin *model.User, cust uint64, n *reconCounts) error {
	sc := store.CustomerScope(cust)
	today := t.Today()
	sums, _, err := t.ListDocs(sc, model.DocOutbound, store.DocFilter{}, store.Page{})
	if err != nil || len(sums) == 0 {
		return err
	}
	sort.Slice(sums, func(i, j int) bool {
		return sums[i].Date < sums[j].Date || sums[i].Date == sums[j].Date && sums[i].ID < sums[j].ID
	})
	later := func(date string, lo, hi int) string { return min(model.AddDays(date, lo+rng.IntN(hi-lo+1)), today) }
	var dealer *model.User // the finance user, else the manager
	if users, _, err := t.ListCustomerUsers(store.AdminScope(), cust, store.UserFilter{}, store.Page{}); err == nil {
		for _, u := range users {
			if u.HasRole(model.RoleDealerFinance) || u.HasRole(model.RoleManager) && dealer == nil {
				dealer = u
			}
		}
	}
	var invoices []*model.Invoice
	for _, s := range sums {
		ob, err := t.Outbound(sc, s.ID)
		if err != nil {
			return err
		}
		r := rng.IntN(100)
		if ob.Red && r >= 80 || !ob.Red && r >= 90 {
			continue // not invoiced yet
		}
		in := &store.InvoiceInput{CustomerID: cust, Red: ob.Red, Date: max(ob.PostDate, later(ob.PostDate, 0, 12)), InvoiceNo: fmt.Sprintf("%08d", 10000000+rng.IntN(89999999)),
			Qty: map[store.InvoiceLineRef]model.Qty{}, Audit: true}
		for i, l := range ob.Lines {
			q, _ := store.OutboundRest(ob, i)
			if q < 0 {
				q = -q
			}
			if q == 0 {
				continue
			}
			if !ob.Red && r < 8 && q >= 2*model.QtyScale { // partly invoiced
				q /= 2
				q -= q % model.QtyScale
			}
			in.Qty[store.InvoiceLineRef{OutboundID: ob.ID, Line: l.No}] = q
		}
		if len(in.Qty) == 0 {
			continue
		}
		inv, err := t.CreateInvoice(sc, admin, in)
		if err != nil {
			return err
		}
		n.invoices++
		if inv.Red {
			n.reds++
		}
		invoices = append(invoices, inv)
	}
	// Receipts for most invoices older than a month.
	for _, inv := range invoices {
		if inv.Red || model.DaysBetween(inv.InvoiceDate, today) < 30 || rng.IntN(100) >= 80 {
			continue
		}
		amount := inv.Totals.Amount
		switch r := rng.IntN(10); {
		case r == 0:
			amount = amount * model.Money(50+rng.IntN(40)) / 100 // short
		case r == 1:
			amount += model.Money(rng.Int64N(50000)) // over: unapplied money
		}
		if amount <= 0 {
			continue
		}
		rc := &model.ReceiptDoc{CustomerID: cust, Kind: model.DocReceipt, Date: max(inv.InvoiceDate, later(inv.InvoiceDate, 10, 60)), Amount: amount,
			Method: model.ReceiptMethods[rng.IntN(3)], Reference: fmt.Sprintf("BANK-%06d", rng.IntN(1000000))}
		if rng.IntN(2) == 0 {
			rc.Invoices = []uint64{inv.ID}
		}
		if err := t.SaveReceiptDoc(sc, admin, rc); err != nil {
			return err
		}
		if _, _, err := t.ActOnReceiptDoc(sc, admin, model.DocReceipt, rc.ID, rc.Version, "audit"); err != nil {
			return err
		}
		n.receipts++
	}
	if rng.IntN(5) == 0 {
		ar := &model.ReceiptDoc{CustomerID: cust, Kind: model.DocAdvanceReceipt, Date: model.AddDays(today, -rng.IntN(30)), Amount: model.Money(100000 + rng.Int64N(2000000)), Method: "transfer", Reference: "预付款"}
		if err := t.SaveReceiptDoc(sc, admin, ar); err != nil {
			return err
		}
		if _, _, err := t.ActOnReceiptDoc(sc, admin, model.DocAdvanceReceipt, ar.ID, ar.Version, "audit"); err != nil {
			return err
		}
		n.advances++
	}
	if _, err := t.AutoWriteOff(sc, admin, cust, nil, nil); err != nil {
		return err
	}
	all, _, err := t.ListWriteOffs(sc, store.WriteOffFilter{CustomerID: cust}, store.Page{})
	if err != nil {
		return err
	}
	n.writeOffs += len(all)
	for _, w := range all {
		if rng.IntN(50) == 0 {
			if _, err := t.ReverseWriteOff(sc, admin, w.ID); err != nil {
				return err
			}
			n.reversals++
		}
	}
	// A refund of part of what is left unapplied, now and then.
	if b, err := t.Balance(sc, cust); err == nil && b.ReceiptBalance > 0 && rng.IntN(3) == 0 {
		rf := &model.ReceiptDoc{CustomerID: cust, Kind: model.DocRefund, Date: today, Amount: max(1, b.ReceiptBalance/2), Method: "transfer", Reference: "退回多付款"}
		if err := t.SaveReceiptDoc(sc, admin, rf); err != nil {
			return err
		}
		if _, _, err := t.ActOnReceiptDoc(sc, admin, model.DocRefund, rf.ID, rf.Version, "audit"); err != nil {
			return err
		}
		n.refunds++
	}
	// The dealer confirms most invoices and outbounds, disputes a few.
	if dealer == nil {
		return nil
	}
	act := func(kind model.DocType, id uint64) error {
		switch r := rng.IntN(100); {
		case r < 60:
			n.confirmed++
			_, err := t.Reconcile(sc, dealer, kind, id, 0, model.ReconConfirm, "")
			return err
		case r < 62:
			n.disputed++
			_, err := t.Reconcile(sc, dealer, kind, id, 0, model.ReconDispute, "数量或金额与我方记录不符")
			return err
		}
		return nil
	}
	for _, inv := range invoices {
		if err := act(model.DocInvoice, inv.ID); err != nil {
			return err
		}
	}
	for _, s := range sums {
		if err := act(model.DocOutbound, s.ID); err != nil {
			return err
		}
	}
	return nil
}
