package store

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"dealerportal/model"
)

// reconFix is the shipping fixture with helpers for reconciliation.
type reconFix struct {
	*shipFix
}

func newReconFixture(t *testing.T) *reconFix { return &reconFix{newShipFixture(t)} }

func (f *reconFix) outbound(t *testing.T, so *model.SalesOrder, date string, qty map[int]model.Qty) *model.Outbound {
	t.Helper()
	var ob *model.Outbound
	update(t, f.s, func(tx *Tx) (err error) {
		ob, err = tx.PostOutbound(AdminScope(), f.admin, &OutboundInput{SalesOrderID: so.ID, PostDate: date, Qty: qty})
		return err
	})
	return ob
}

func (f *reconFix) redOutbound(t *testing.T, so *model.SalesOrder, date string, qty map[int]model.Qty) *model.Outbound {
	t.Helper()
	var ob *model.Outbound
	update(t, f.s, func(tx *Tx) error {
		rn, err := tx.CreateReturnNotice(AdminScope(), f.admin, &ReturnInput{SalesOrderID: so.ID, Date: date, Reason: "质量问题", Qty: qty})
		if err != nil {
			return err
		}
		ob, err = tx.PostOutbound(AdminScope(), f.admin, &OutboundInput{ReturnNoticeID: rn.ID, PostDate: date, Qty: qty})
		return err
	})
	return ob
}

// invoice posts an invoice of the given outbound lines (line No → qty).
func (f *reconFix) invoice(t *testing.T, ob *model.Outbound, date string, qty map[int]model.Qty) *model.Invoice {
	t.Helper()
	var inv *model.Invoice
	err := f.s.Update(f.admin.Username, func(tx *Tx) (err error) {
		inv, err = tx.CreateInvoice(AdminScope(), f.admin, invoiceInput(ob, date, qty))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func invoiceInput(ob *model.Outbound, date string, qty map[int]model.Qty) *InvoiceInput {
	in := &InvoiceInput{CustomerID: ob.CustomerID, Red: ob.Red, Date: date, InvoiceNo: "NO." + date, Qty: map[InvoiceLineRef]model.Qty{}, Audit: true}
	for no, q := range qty {
		in.Qty[InvoiceLineRef{ob.ID, no}] = q
	}
	return in
}

func (f *reconFix) receipt(t *testing.T, kind model.DocType, cust uint64, date string, amount model.Money, invoices ...uint64) (*model.ReceiptDoc, []*model.WriteOff, error) {
	t.Helper()
	var r *model.ReceiptDoc
	var made []*model.WriteOff
	err := f.s.Update(f.admin.Username, func(tx *Tx) error {
		r = &model.ReceiptDoc{CustomerID: cust, Kind: kind, Date: date, Amount: amount, Method: "transfer", Reference: "BANK-1", Invoices: invoices}
		if err := tx.SaveReceiptDoc(AdminScope(), f.admin, r); err != nil {
			return err
		}
		var err error
		r, made, err = tx.ActOnReceiptDoc(AdminScope(), f.admin, kind, r.ID, r.Version, "audit")
		return err
	})
	return r, made, err
}

func (f *reconFix) verify(t *testing.T) {
	t.Helper()
	problems, err := f.s.VerifyReconciliation()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("verify: %s", p)
	}
}

// reconSnapshot is every figure a write-off moves, to compare before and
// after a reversal.
type reconSnapshot struct {
	bal      model.CustomerBalance
	invOpen  model.Money
	lines    []model.Money
	applied  model.Money
	received []model.Money
	open     []OpenItem
}

func (f *reconFix) snapshot(t *testing.T, cust uint64, inv, so uint64, rc uint64) reconSnapshot {
	t.Helper()
	var s reconSnapshot
	view(t, f.s, func(tx *Tx) error {
		s.bal = *tx.balance(cust)
		v, err := tx.Invoice(AdminScope(), inv)
		if err != nil {
			return err
		}
		s.invOpen = v.Open()
		for _, l := range v.Lines {
			s.lines = append(s.lines, l.Received)
		}
		r, err := tx.ReceiptDoc(AdminScope(), model.DocReceipt, rc)
		if err != nil {
			return err
		}
		s.applied = r.Applied
		o, err := tx.SalesOrder(AdminScope(), so)
		if err != nil {
			return err
		}
		for _, l := range o.Lines {
			s.received = append(s.received, l.ReceivedAmount)
		}
		s.open, err = tx.OpenItems(AdminScope(), cust, model.DocInvoice, model.DocReceipt)
		return err
	})
	return s
}

func sameSnapshot(a, b reconSnapshot) bool {
	if a.bal != b.bal || a.invOpen != b.invOpen || a.applied != b.applied || len(a.lines) != len(b.lines) || len(a.received) != len(b.received) || len(a.open) != len(b.open) {
		return false
	}
	for i := range a.lines {
		if a.lines[i] != b.lines[i] {
			return false
		}
	}
	for i := range a.received {
		if a.received[i] != b.received[i] {
			return false
		}
	}
	for i := range a.open {
		if a.open[i] != b.open[i] {
			return false
		}
	}
	return true
}

// TestReconciliationChain walks invoices (partial, exact rest, over the
// rest, red), receipts with write-off at audit, a manual write-off and its
// exact reversal, refunds within and above the limit, refused unaudits,
// confirmations by role, and verify (clean, then a planted difference).
func TestReconciliationChain(t *testing.T) {
	f := newReconFixture(t)
	c := f.c1
	so := f.auditedOrder(t, c, orderLine{f.p1, units(10), 10000}, orderLine{f.p2, units(3), 333})
	ob := f.outbound(t, so, "2026-03-01", map[int]model.Qty{1: units(6), 2: units(3)})
	if b := f.balance(t, c); b.Uninvoiced != 60999 {
		t.Fatalf("un-invoiced after outbound %s", b.Uninvoiced)
	}

	// Partial invoice: 4 of 6 and 1 of 3.
	inv1 := f.invoice(t, ob, "2026-03-02", map[int]model.Qty{1: units(4), 2: units(1)})
	if inv1.Totals.Amount != 40333 || inv1.Status != model.StatusAudited || inv1.Totals.AmountExcl+inv1.Totals.Tax != inv1.Totals.Amount {
		t.Fatalf("invoice 1: %+v", inv1.Totals)
	}
	if b := f.balance(t, c); b.Uninvoiced != 20666 || b.InvoicedReceivable != 40333 {
		t.Fatalf("after invoice 1: %+v", b)
	}
	// More than the rest is refused, at the line, with the limit.
	err := f.s.Update("admin", func(tx *Tx) error {
		_, err := tx.CreateInvoice(AdminScope(), f.admin, invoiceInput(ob, "2026-03-02", map[int]model.Qty{1: units(3)}))
		return err
	})
	var ve *model.ValidationError
	if !errors.As(err, &ve) || ve.Fields[0].Field != InvoiceQtyField(InvoiceLineRef{ob.ID, 1}) || ve.Fields[0].Args["max"] != "2" {
		t.Fatalf("over-invoicing: %v", err)
	}
	// A date before the outbound's is refused.
	err = f.s.Update("admin", func(tx *Tx) error {
		_, err := tx.CreateInvoice(AdminScope(), f.admin, invoiceInput(ob, "2026-02-01", map[int]model.Qty{1: units(1)}))
		return err
	})
	wantField(t, err, "invoice_date", "err.recon_date_before")
	// Out of scope: the TJ customer's finance staff cannot invoice BJ... and the
	// multi finance user cannot invoice C003 (TJ).
	so3 := f.auditedOrder(t, f.c3, orderLine{f.p1, units(1), 5000})
	ob3 := f.outbound(t, so3, "2026-03-01", map[int]model.Qty{1: units(1)})
	err = f.s.Update("multi", func(tx *Tx) error {
		_, err := tx.CreateInvoice(tx.ScopeFor(f.multi), f.multi, invoiceInput(ob3, "2026-03-02", map[int]model.Qty{1: units(1)}))
		return err
	})
	wantNotFound(t, err)
	// That sales staff may not invoice is the handlers' check
	// (TestReconRefusals in handlers), not the store's.

	// The rest: exact amounts, nothing left un-invoiced.
	inv2 := f.invoice(t, ob, "2026-03-03", map[int]model.Qty{1: units(2), 2: units(2)})
	if inv2.Totals.Amount != 20666 {
		t.Fatalf("invoice 2 total %s", inv2.Totals.Amount)
	}
	if b := f.balance(t, c); b.Uninvoiced != 0 || b.InvoicedReceivable != 60999 {
		t.Fatalf("after invoice 2: %+v", b)
	}
	o := f.order(t, so.ID)
	if o.Lines[0].InvoicedQty != units(6) || o.Lines[0].InvoicedAmount != 60000 || o.Lines[1].InvoicedQty != units(3) || o.Lines[1].InvoicedAmount != 999 {
		t.Fatalf("order lines invoiced: %+v / %+v", o.Lines[0], o.Lines[1])
	}

	// A receipt naming invoice 1 pays it at audit.
	rc, made, err := f.receipt(t, model.DocReceipt, c.ID, "2026-03-05", 50000, inv1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(made) != 1 || made[0].Amount != 40333 || rc.Applied != 40333 || rc.Unapplied() != 9667 {
		t.Fatalf("receipt write-off at audit: %d made, applied %s", len(made), rc.Applied)
	}
	o = f.order(t, so.ID)
	if o.Lines[0].ReceivedAmount != 40000 || o.Lines[1].ReceivedAmount != 333 {
		t.Fatalf("received on the order: %s / %s", o.Lines[0].ReceivedAmount, o.Lines[1].ReceivedAmount)
	}
	if b := f.balance(t, c); b.InvoicedReceivable != 20666 || b.ReceiptBalance != 9667 {
		t.Fatalf("after receipt: %+v", b)
	}
	f.verify(t)

	// A manual write-off and its exact reversal.
	before := f.snapshot(t, c.ID, inv2.ID, so.ID, rc.ID)
	var w *model.WriteOff
	update(t, f.s, func(tx *Tx) (err error) {
		w, err = tx.ApplyWriteOff(AdminScope(), f.admin, c.ID, WriteOffSource{model.DocReceipt, rc.ID}, inv2.ID, 5000, false)
		return err
	})
	if len(w.Lines) != 2 || w.Lines[0].Amount != 4838 || w.Lines[1].Amount != 162 {
		t.Fatalf("pro-rata allocation %+v", w.Lines)
	}
	// Above what the receipt holds: refused.
	err = f.s.Update("admin", func(tx *Tx) error {
		_, err := tx.ApplyWriteOff(AdminScope(), f.admin, c.ID, WriteOffSource{model.DocReceipt, rc.ID}, inv2.ID, 4668, false)
		return err
	})
	wantField(t, err, "amount", "err.recon_amount_max")
	f.verify(t)
	update(t, f.s, func(tx *Tx) error { _, err := tx.ReverseWriteOff(AdminScope(), f.admin, w.ID); return err })
	if after := f.snapshot(t, c.ID, inv2.ID, so.ID, rc.ID); !sameSnapshot(before, after) {
		t.Fatalf("reversal is not exact:\n%+v\n%+v", before, after)
	}
	err = f.s.Update("admin", func(tx *Tx) error { _, err := tx.ReverseWriteOff(AdminScope(), f.admin, w.ID); return err })
	if !errors.Is(err, model.ErrNotAllowed) {
		t.Fatalf("second reversal: %v", err)
	}
	f.verify(t)

	// Refunds: never above the unapplied receipts (96.67).
	_, _, err = f.receipt(t, model.DocRefund, c.ID, "2026-03-06", 10000)
	wantField(t, err, "amount", "err.recon_refund_limit")
	rf, _, err := f.receipt(t, model.DocRefund, c.ID, "2026-03-06", 4000)
	if err != nil {
		t.Fatal(err)
	}
	if len(rf.Allocs) != 1 || rf.Allocs[0].ID != rc.ID {
		t.Fatalf("refund allocations %+v", rf.Allocs)
	}
	if b := f.balance(t, c); b.ReceiptBalance != 5667 {
		t.Fatalf("receipt balance after refund %s", b.ReceiptBalance)
	}
	// The receipt cannot be unaudited now: written off and refunded.
	err = f.s.Update("admin", func(tx *Tx) error {
		r, _ := tx.ReceiptDoc(AdminScope(), model.DocReceipt, rc.ID)
		_, _, err := tx.ActOnReceiptDoc(AdminScope(), f.admin, model.DocReceipt, rc.ID, r.Version, "unaudit")
		return err
	})
	var se *model.StateError
	if !errors.As(err, &se) {
		t.Fatalf("unaudit of a written-off receipt: %v", err)
	}
	// Nor invoice 1 (written off).
	err = f.s.Update("admin", func(tx *Tx) error {
		v, _ := tx.Invoice(AdminScope(), inv1.ID)
		_, err := tx.ActOnInvoice(AdminScope(), f.admin, inv1.ID, v.Version, "unaudit")
		return err
	})
	if !errors.As(err, &se) {
		t.Fatalf("unaudit of a written-off invoice: %v", err)
	}
	// The refund unposts exactly.
	update(t, f.s, func(tx *Tx) error {
		_, _, err := tx.ActOnReceiptDoc(AdminScope(), f.admin, model.DocRefund, rf.ID, rf.Version, "unaudit")
		return err
	})
	if b := f.balance(t, c); b.ReceiptBalance != 9667 {
		t.Fatalf("receipt balance after the refund's unaudit %s", b.ReceiptBalance)
	}

	// Red: one unit back, a red invoice, its credit written off on invoice 2.
	red := f.redOutbound(t, so, "2026-03-07", map[int]model.Qty{1: units(1)})
	if b := f.balance(t, c); b.Uninvoiced != -10000 {
		t.Fatalf("un-invoiced after the red outbound %s", b.Uninvoiced)
	}
	rinv := f.invoice(t, red, "2026-03-08", map[int]model.Qty{1: units(1)})
	if !rinv.Red || rinv.Totals.Amount != -10000 || rinv.Open() != -10000 {
		t.Fatalf("red invoice %+v", rinv.Totals)
	}
	if b := f.balance(t, c); b.Uninvoiced != 0 || b.InvoicedReceivable != 10666 {
		t.Fatalf("after red invoice: %+v", b)
	}
	var made2 []*model.WriteOff
	update(t, f.s, func(tx *Tx) (err error) {
		src := WriteOffSource{model.DocInvoice, rinv.ID}
		made2, err = tx.AutoWriteOff(AdminScope(), f.admin, c.ID, &src, nil)
		return err
	})
	if len(made2) != 1 || made2[0].Amount != 10000 || made2[0].InvoiceID != inv2.ID || len(made2[0].Lines) != 0 {
		t.Fatalf("credit write-off %+v", made2)
	}
	if b := f.balance(t, c); b.InvoicedReceivable != 10666 || b.ReceiptBalance != 9667 {
		t.Fatalf("a credit write-off moved the balances: %+v", b)
	}
	f.verify(t)

	// Auto write-off of everything left: the receipt's 96.67 on invoice 2.
	update(t, f.s, func(tx *Tx) error { _, err := tx.AutoWriteOff(AdminScope(), f.admin, c.ID, nil, nil); return err })
	if b := f.balance(t, c); b.InvoicedReceivable != 999 || b.ReceiptBalance != 0 {
		t.Fatalf("after auto write-off: %+v", b)
	}

	// Confirmations: the buyer may not; the manager may; staff on behalf.
	err = f.s.Update("c001.buyer", func(tx *Tx) error {
		_, err := tx.Reconcile(f.scope(f.d1b), f.d1b, model.DocInvoice, inv1.ID, 0, model.ReconConfirm, "")
		return err
	})
	if !errors.Is(err, model.ErrNotAllowed) {
		t.Fatalf("buyer confirm: %v", err)
	}
	var r *model.Reconciliation
	update(t, f.s, func(tx *Tx) (err error) {
		r, err = tx.Reconcile(f.scope(f.d1a), f.d1a, model.DocInvoice, inv1.ID, 0, model.ReconConfirm, "")
		return err
	})
	if r.State() != model.ReconConfirmed || r.OnBehalf || r.By != "c001.boss" || r.Version != 1 {
		t.Fatalf("manager confirm: %+v", r)
	}
	update(t, f.s, func(tx *Tx) (err error) {
		r, err = tx.Reconcile(AdminScope(), f.admin, model.DocOutbound, ob.ID, 0, model.ReconDispute, "少了一件")
		return err
	})
	if r.State() != model.ReconDisputed || !r.OnBehalf || !r.Trail[0].OnBehalf {
		t.Fatalf("staff dispute on behalf: %+v", r)
	}
	// Another customer's dealer: not found.
	err = f.s.Update("c004.buyer", func(tx *Tx) error {
		_, err := tx.Reconcile(f.scope(f.d4), f.d4, model.DocInvoice, inv1.ID, 1, model.ReconCancel, "")
		return err
	})
	wantNotFound(t, err)
	// A stale version is a conflict.
	err = f.s.Update("c001.boss", func(tx *Tx) error {
		_, err := tx.Reconcile(f.scope(f.d1a), f.d1a, model.DocInvoice, inv1.ID, 0, model.ReconCancel, "")
		return err
	})
	wantConflict(t, err)
	view(t, f.s, func(tx *Tx) error {
		if n := tx.CountRecon(f.scope(f.d1a), model.ReconConfirmed, ReconKinds...); n != 1 {
			t.Errorf("confirmed count %d", n)
		}
		if n := tx.CountRecon(AdminScope(), model.ReconDisputed, ReconKinds...); n != 1 {
			t.Errorf("disputed count %d", n)
		}
		d, _ := tx.Disputes(tx.ScopeFor(f.northLead))
		if len(d) != 1 || d[0].Comment != "少了一件" {
			t.Errorf("disputes %+v", d)
		}
		if d, _ := tx.Disputes(tx.ScopeFor(f.southViewer)); len(d) != 0 {
			t.Errorf("disputes out of scope %+v", d)
		}
		all, _ := tx.OutboxCount()
		if all < 2 {
			t.Errorf("no events raised: %d", all)
		}
		// The lists by state agree with the counts, for staff and for the dealer.
		for _, sc := range []Scope{AdminScope(), tx.ScopeFor(f.d1a), tx.ScopeFor(f.northLead)} {
			for _, st := range []model.Status{"", model.ReconUnconfirmed, model.ReconConfirmed, model.ReconDisputed} {
				rows, total, err := tx.ListRecon(sc, ReconKinds, DocFilter{}, st, Page{Limit: 2})
				if err != nil {
					return err
				}
				all, total2, _ := tx.ListRecon(sc, ReconKinds, DocFilter{}, st, Page{})
				if total != total2 || len(all) != total || len(rows) != min(2, total) {
					t.Errorf("state %q: %d rows of %d, all %d of %d", st, len(rows), total, len(all), total2)
				}
				if st != "" && total != tx.CountRecon(sc, st, ReconKinds...) {
					t.Errorf("state %q: list %d, count %d", st, total, tx.CountRecon(sc, st, ReconKinds...))
				}
				for _, r := range all {
					if st != "" && r.State() != st {
						t.Errorf("state %q: row %s is %s", st, r.Number, r.State())
					}
				}
			}
		}
		return nil
	})
	f.verify(t)
	f.summaryMatchesDetail(t)

	// A planted difference is found, by verify and by portal check.
	update(t, f.s, func(tx *Tx) error {
		return tx.AdjustBalance(c.ID, func(b *model.CustomerBalance) { b.ReceiptBalance += 1 })
	})
	problems, _ := f.s.VerifyReconciliation()
	if len(problems) == 0 || !strings.Contains(strings.Join(problems, "\n"), "balances") {
		t.Fatalf("planted difference not found: %v", problems)
	}
	all, _ := f.s.Check()
	if !strings.Contains(strings.Join(all, "\n"), "reconciliation: customer") {
		t.Fatalf("check does not run verify: %v", all)
	}
}

// summaryMatchesDetail checks, for every customer and a few dates, that the
// summary (maintained, and ledger for past dates), the detail and the
// ledger agree to the cent.
func (f *reconFix) summaryMatchesDetail(t *testing.T) {
	t.Helper()
	view(t, f.s, func(tx *Tx) error {
		sum, err := tx.BalanceSummary(AdminScope(), BalanceFilter{}, Page{})
		if err != nil {
			return err
		}
		var tot model.Position
		for _, r := range sum.Rows {
			d, err := tx.BalanceDetail(AdminScope(), r.Customer.ID, "", "")
			if err != nil {
				return err
			}
			detailPagesMatch(t, tx, r.Customer.ID, d)
			var ob, iv, rc model.Money
			for _, x := range d.Rows {
				switch x.Kind {
				case model.DocOutbound:
					ob += x.Remaining
				case model.DocInvoice:
					iv += x.Remaining
				case model.DocReceipt, model.DocAdvanceReceipt:
					rc += x.Remaining
				}
			}
			if r.Position != d.Position || r.Net() != d.Closing || ob != r.Uninvoiced || iv != r.InvoicedReceivable || rc != r.ReceiptBalance || r.Aging != d.Aging {
				t.Errorf("%s: summary %+v (net %s), detail closing %s remaining %s/%s/%s", r.Customer.Code, r.Position, r.Net(), d.Closing, ob, iv, rc)
			}
			tot.Uninvoiced += r.Uninvoiced
			tot.InvoicedReceivable += r.InvoicedReceivable
			tot.ReceiptBalance += r.ReceiptBalance
			for _, day := range []string{"2026-03-01", "2026-03-04", "2026-03-06", "2026-03-10"} {
				past, err := tx.BalanceSummary(AdminScope(), BalanceFilter{CustomerID: r.Customer.ID, AsOf: day}, Page{})
				if err != nil {
					return err
				}
				dd, _ := tx.BalanceDetail(AdminScope(), r.Customer.ID, "", day)
				if len(past.Rows) != 1 || past.Rows[0].Net() != dd.Closing || past.Rows[0].Position != dd.Position {
					t.Errorf("%s on %s: summary %+v, detail closing %s", r.Customer.Code, day, past.Rows, dd.Closing)
				}
			}
		}
		if tot != sum.Totals.Position {
			t.Errorf("totals %+v, rows sum %+v", sum.Totals.Position, tot)
		}
		return nil
	})
}

// detailPagesMatch checks that the pages of BalanceDetailPage, at a few
// sizes, are the full detail's rows cut into pages, with its closing,
// position and aging.
func detailPagesMatch(t *testing.T, tx *Tx, cust uint64, full *model.Detail) {
	t.Helper()
	for _, size := range []int{0, 1, 3, 20} {
		var rows []model.DetailRow
		for off := 0; ; off += size {
			d, n, err := tx.BalanceDetailPage(AdminScope(), cust, Page{Offset: off, Limit: size})
			if err != nil {
				t.Fatal(err)
			}
			if n != len(full.Rows) || d.Closing != full.Closing || d.Opening != 0 || d.Position != full.Position || d.Aging != full.Aging {
				t.Fatalf("customer %d, page at %d of %d: %d rows, closing %s, position %+v, aging %v; detail: %d, %s, %+v, %v",
					cust, off, size, n, d.Closing, d.Position, d.Aging, len(full.Rows), full.Closing, full.Position, full.Aging)
			}
			rows = append(rows, d.Rows...)
			if size == 0 || len(d.Rows) < size {
				break
			}
		}
		if !reflect.DeepEqual(rows, full.Rows) && !(len(rows) == 0 && len(full.Rows) == 0) {
			t.Fatalf("customer %d, pages of %d:\n%+v\ndetail:\n%+v", cust, size, rows, full.Rows)
		}
	}
	if _, _, err := tx.BalanceDetailPage(CustomerScope(cust+1000), cust, Page{}); err != model.ErrNotFound {
		t.Fatalf("another customer's scope: %v", err)
	}
}

// TestReconciliationProperty applies random sequences of postings and
// unpostings (outbounds, red outbounds, invoices, receipts, advance
// receipts, refunds), write-offs (manual and automatic) and reversals to
// two customers, refusals included, and after every step checks that
// verify finds nothing and that summary, detail and ledger agree to the
// cent (at today and at past dates).
func TestReconciliationProperty(t *testing.T) {
	f := newReconFixture(t)
	update(t, f.s, func(tx *Tx) error { _, err := tx.AdjustStock(f.p2.ID, 1000000, 0); return err })
	rng := rand.New(rand.NewPCG(7, 11))
	custs := []*model.Customer{f.c1, f.c2}
	var orders []*model.SalesOrder
	for _, c := range custs {
		orders = append(orders, f.auditedOrder(t, c, orderLine{f.p1, units(40), 12345}, orderLine{f.p2, units(30), 333}))
	}
	days := []string{"2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"}
	day := func() string { return days[rng.IntN(len(days))] }
	ok := 0
	try := func(fn func(tx *Tx) error) { // refusals roll back
		if f.s.Update("admin", fn) == nil {
			ok++
		}
	}
	docs := func(tx *Tx, kind model.DocType, cust uint64) []model.DocSummary {
		s, _, _ := tx.ListDocs(AdminScope(), kind, DocFilter{CustomerID: cust}, Page{})
		return s
	}
	pick := func(s []model.DocSummary) *model.DocSummary {
		if len(s) == 0 {
			return nil
		}
		return &s[rng.IntN(len(s))]
	}
	counts := map[string]int{}
	for step := 0; step < 160; step++ {
		ci := rng.IntN(len(custs))
		c, so := custs[ci], orders[ci]
		op := rng.IntN(12)
		try(func(tx *Tx) error {
			switch op {
			case 0: // outbound
				counts["outbound"]++
				_, err := tx.PostOutbound(AdminScope(), f.admin, &OutboundInput{SalesOrderID: so.ID, PostDate: day(), Qty: map[int]model.Qty{1: units(1 + rng.Int64N(3)), 2: model.Qty(1 + rng.Int64N(2500))}})
				return err
			case 1: // red outbound of a shipped unit
				counts["red"]++
				rn, err := tx.CreateReturnNotice(AdminScope(), f.admin, &ReturnInput{SalesOrderID: so.ID, Date: days[len(days)-1], Reason: "退货", Qty: map[int]model.Qty{1 + rng.IntN(2): units(1)}})
				if err != nil {
					return err
				}
				q := map[int]model.Qty{}
				for _, l := range rn.Lines {
					q[l.No] = l.Qty
				}
				_, err = tx.PostOutbound(AdminScope(), f.admin, &OutboundInput{ReturnNoticeID: rn.ID, PostDate: days[len(days)-1], Qty: q})
				return err
			case 2, 3: // invoice part of an outbound
				counts["invoice"]++
				s := pick(docs(tx, model.DocOutbound, c.ID))
				if s == nil {
					return nil
				}
				ob, _ := tx.Outbound(AdminScope(), s.ID)
				in := &InvoiceInput{CustomerID: c.ID, Red: ob.Red, Date: days[len(days)-1], Qty: map[InvoiceLineRef]model.Qty{}, Audit: rng.IntN(4) > 0}
				for i, l := range ob.Lines {
					rq, _ := outboundRest(ob, i)
					if rq == 0 {
						continue
					}
					q := reconAbsQty(rq)
					if rng.IntN(2) == 0 {
						q = 1 + model.Qty(rng.Int64N(int64(q)))
					}
					in.Qty[InvoiceLineRef{ob.ID, l.No}] = q
				}
				_, err := tx.CreateInvoice(AdminScope(), f.admin, in)
				return err
			case 4: // audit or unaudit an invoice
				counts["invoice act"]++
				s := pick(docs(tx, model.DocInvoice, c.ID))
				if s == nil {
					return nil
				}
				v, _ := tx.Invoice(AdminScope(), s.ID)
				action := "audit"
				if v.Status == model.StatusAudited {
					action = "unaudit"
				}
				_, err := tx.ActOnInvoice(AdminScope(), f.admin, v.ID, v.Version, action)
				return err
			case 5: // a receipt or advance receipt, maybe auto written off
				counts["receipt"]++
				kind := []model.DocType{model.DocReceipt, model.DocAdvanceReceipt}[rng.IntN(2)]
				r := &model.ReceiptDoc{CustomerID: c.ID, Kind: kind, Date: day(), Amount: model.Money(1 + rng.Int64N(80000)), AutoWriteOff: rng.IntN(2) == 0}
				if err := tx.SaveReceiptDoc(AdminScope(), f.admin, r); err != nil {
					return err
				}
				_, _, err := tx.ActOnReceiptDoc(AdminScope(), f.admin, kind, r.ID, r.Version, "audit")
				return err
			case 6: // a refund (often above the limit: refused)
				counts["refund"]++
				r := &model.ReceiptDoc{CustomerID: c.ID, Kind: model.DocRefund, Date: days[len(days)-1], Amount: model.Money(1 + rng.Int64N(30000))}
				if err := tx.SaveReceiptDoc(AdminScope(), f.admin, r); err != nil {
					return err
				}
				_, _, err := tx.ActOnReceiptDoc(AdminScope(), f.admin, model.DocRefund, r.ID, r.Version, "audit")
				return err
			case 7: // unaudit / audit a receipt document
				counts["receipt act"]++
				kind := []model.DocType{model.DocReceipt, model.DocAdvanceReceipt, model.DocRefund}[rng.IntN(3)]
				s := pick(docs(tx, kind, c.ID))
				if s == nil {
					return nil
				}
				r, _ := tx.ReceiptDoc(AdminScope(), kind, s.ID)
				action := "audit"
				if r.Posted() {
					action = "unaudit"
				}
				_, _, err := tx.ActOnReceiptDoc(AdminScope(), f.admin, kind, r.ID, r.Version, action)
				return err
			case 8: // a manual write-off
				counts["write-off"]++
				srcs, _ := tx.OpenItems(AdminScope(), c.ID, model.DocReceipt, model.DocAdvanceReceipt)
				invs, _ := tx.OpenItems(AdminScope(), c.ID, model.DocInvoice)
				if len(srcs) == 0 || len(invs) == 0 {
					return nil
				}
				s, iv := srcs[rng.IntN(len(srcs))], invs[rng.IntN(len(invs))]
				_, err := tx.ApplyWriteOff(AdminScope(), f.admin, c.ID, WriteOffSource{s.Kind, s.ID}, iv.ID, model.Money(1+rng.Int64N(int64(s.Amount))), false)
				return err
			case 9: // automatic write-off
				counts["auto"]++
				_, err := tx.AutoWriteOff(AdminScope(), f.admin, c.ID, nil, nil)
				return err
			case 10, 11: // reverse a write-off
				counts["reverse"]++
				ws, _, _ := tx.ListWriteOffs(AdminScope(), WriteOffFilter{CustomerID: c.ID, Active: true}, Page{})
				if len(ws) == 0 {
					return nil
				}
				_, err := tx.ReverseWriteOff(AdminScope(), f.admin, ws[rng.IntN(len(ws))].ID)
				return err
			}
			return nil
		})
		problems, err := f.s.VerifyReconciliation()
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) > 0 {
			t.Fatalf("step %d (op %d): %s", step, op, strings.Join(problems, "\n"))
		}
		if step%10 == 9 {
			f.summaryMatchesDetail(t)
			if t.Failed() {
				t.Fatalf("step %d", step)
			}
		}
	}
	t.Logf("operations tried: %v; %d went through", counts, ok)
	if ok < 60 {
		t.Errorf("only %d operations went through", ok)
	}
	// The run did something on both sides.
	for _, c := range custs {
		b := f.balance(t, c)
		if b.Uninvoiced == 0 && b.InvoicedReceivable == 0 && b.ReceiptBalance == 0 {
			t.Errorf("%s: nothing posted", c.Code)
		}
	}
}
