package model

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

func TestBalanceFormulas(t *testing.T) {
	for _, c := range []struct {
		name string
		p    Postings
		want Position
	}{
		{"nothing", Postings{}, Position{}},
		{"shipped only", Postings{Outbounds: 10000}, Position{Uninvoiced: 10000}},
		{"red outbound nets", Postings{Outbounds: 10000 - 2500}, Position{Uninvoiced: 7500}},
		{"partly invoiced", Postings{Outbounds: 10000, Invoices: 6000}, Position{Uninvoiced: 4000, InvoicedReceivable: 6000}},
		{"paid in part", Postings{Outbounds: 10000, Invoices: 6000, InvoiceWriteOffs: 3500, Receipts: 5000, ReceiptWriteOffs: 3500},
			Position{Uninvoiced: 4000, InvoicedReceivable: 2500, ReceiptBalance: 1500}},
		{"advance and refund", Postings{Advances: 8000, Refunds: 3000}, Position{ReceiptBalance: 5000}},
		{"red invoice", Postings{Outbounds: 7500, Invoices: 10000 - 2500}, Position{Uninvoiced: 0, InvoicedReceivable: 7500}},
		{"everything", Postings{Outbounds: 123456, Invoices: 100001, InvoiceWriteOffs: 90000, Receipts: 95000, Advances: 10000, Refunds: 1000, ReceiptWriteOffs: 90000},
			Position{Uninvoiced: 23455, InvoicedReceivable: 10001, ReceiptBalance: 14000}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Balances(c.p)
			if got != c.want {
				t.Fatalf("Balances = %+v, want %+v", got, c.want)
			}
			if got.Net() != c.want.Uninvoiced+c.want.InvoicedReceivable-c.want.ReceiptBalance {
				t.Fatalf("net %s", got.Net())
			}
			if got.Net() != NetFromDocuments(c.p) {
				t.Fatalf("net %s, from documents %s", got.Net(), NetFromDocuments(c.p))
			}
		})
	}
}

// TestNetPositionIdentity: whatever the postings, as long as every
// write-off moves both sides alike, un-invoiced + invoiced receivable −
// receipt balance = outbounds − receipts − advance receipts + refunds.
func TestNetPositionIdentity(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		wo := Money(r.Int64N(1e7))
		p := Postings{Outbounds: Money(r.Int64N(2e8) - 5e7), Invoices: Money(r.Int64N(2e8) - 5e7), InvoiceWriteOffs: wo,
			Receipts: Money(r.Int64N(1e8)), Advances: Money(r.Int64N(1e8)), Refunds: Money(r.Int64N(1e7)), ReceiptWriteOffs: wo}
		if b := Balances(p); b.Net() != NetFromDocuments(p) {
			t.Fatalf("%+v: net %s, documents %s", p, b.Net(), NetFromDocuments(p))
		}
	}
	// A write-off that moved one side only breaks it: the identity is a real check.
	p := Postings{Outbounds: 100, Invoices: 100, InvoiceWriteOffs: 10}
	if Balances(p).Net() == NetFromDocuments(p) {
		t.Fatal("identity holds for a one-sided write-off")
	}
}

func TestAging(t *testing.T) {
	for _, c := range []struct {
		date, asOf string
		bucket     int
	}{
		{"2026-03-31", "2026-03-31", 0},
		{"2026-04-05", "2026-03-31", 0}, // dated after: current
		{"2026-03-01", "2026-03-31", 0}, // 30 days
		{"2026-02-28", "2026-03-31", 1}, // 31
		{"2026-01-30", "2026-03-31", 1}, // 60
		{"2026-01-29", "2026-03-31", 2}, // 61
		{"2025-12-31", "2026-03-31", 2}, // 90
		{"2025-12-30", "2026-03-31", 3}, // 91
		{"2024-01-01", "2026-03-31", 3},
	} {
		if got := AgeBucket(c.date, c.asOf); got != c.bucket {
			t.Errorf("AgeBucket(%s, %s) = %d, want %d", c.date, c.asOf, got, c.bucket)
		}
	}
	a := AgeOf([]OpenItem{{"2026-03-20", 1000}, {"2026-02-15", 2000}, {"2026-01-15", 3000}, {"2025-11-01", 4000}, {"2026-03-25", -500}}, "2026-03-31")
	want := [4]Money{500, 2000, 3000, 4000}
	if a.Buckets != want || a.Total() != 9500 {
		t.Fatalf("aging %v (total %s), want %v", a.Buckets, a.Total(), want)
	}
}

func TestInvoiceLineAmount(t *testing.T) {
	// 3 units at 3.33 shipped = 9.99; invoiced 1 + 1 + 1: the last takes the rest.
	price := Money(333)
	restQ, restA := Qty(3000), Money(999)
	var sum Money
	for _, q := range []Qty{1000, 1000, 1000} {
		a := InvoiceLineAmount(q, restQ, restA, price)
		sum += a
		restQ -= q
		restA -= a
	}
	if sum != 999 || restA != 0 {
		t.Fatalf("sum %s, rest %s", sum, restA)
	}
	// A price that rounds: 1/3 of 10.00 three times → 3.33 + 3.33 + 3.34.
	restQ, restA = 3000, 1000
	var got []Money
	for _, q := range []Qty{1000, 1000, 1000} {
		a := InvoiceLineAmount(q, restQ, restA, 333)
		got = append(got, a)
		restQ -= q
		restA -= a
	}
	if got[2] != 334 || restA != 0 {
		t.Fatalf("parts %v rest %s", got, restA)
	}
	// Red: negative throughout.
	if a := InvoiceLineAmount(-1000, -2000, -2000, 1000); a != -1000 {
		t.Fatalf("red part %s", a)
	}
	if a := InvoiceLineAmount(-2000, -2000, -1999, 1000); a != -1999 {
		t.Fatalf("red rest %s", a)
	}
	for _, c := range []struct {
		incl      Money
		rate      int64
		excl, tax Money
	}{{11300, 1300, 10000, 1300}, {100, 1300, 88, 12}, {-11300, 1300, -10000, -1300}, {999, 0, 999, 0}} {
		e, x := SplitTax(c.incl, c.rate)
		if e != c.excl || x != c.tax || e+x != c.incl {
			t.Errorf("SplitTax(%s, %d) = %s + %s", c.incl, c.rate, e, x)
		}
	}
}

func TestAllocateProRata(t *testing.T) {
	amounts := []Money{100, 200, 700}
	held := make([]Money, 3)
	// Paid in three parts: the lines always hold the pro-rata figure and
	// never more than their amounts.
	for _, pay := range []Money{1, 333, 666} {
		var paid Money
		for _, h := range held {
			paid += h
		}
		alloc := AllocateProRata(amounts, held, paid+pay)
		var sum Money
		for i, a := range alloc {
			held[i] += a
			sum += a
			if held[i] > amounts[i] {
				t.Fatalf("line %d holds %s of %s", i, held[i], amounts[i])
			}
		}
		if sum != pay {
			t.Fatalf("allocated %s of %s", sum, pay)
		}
	}
	if held[0] != 100 || held[1] != 200 || held[2] != 700 {
		t.Fatalf("fully paid lines hold %v", held)
	}
	// The remainder goes to the last line.
	if got := AllocateProRata([]Money{1, 1, 1}, nil, 2); got[0] != 0 || got[1] != 0 || got[2] != 2 {
		t.Fatalf("remainder: %v", got)
	}
	// Large amounts do not overflow.
	big := Money(9e15)
	if got := AllocateProRata([]Money{big, big}, nil, big); got[0] != big/2 || got[1] != big-big/2 {
		t.Fatalf("large: %v", got)
	}
}

// TestReconStateTable: who may confirm, cancel and dispute, from which
// state, and what the trail records.
func TestReconStateTable(t *testing.T) {
	now := time.Date(2026, 3, 31, 8, 0, 0, 0, time.UTC)
	buyer := &User{Username: "c1.buyer", Kind: KindDealer, CustomerID: 1, Roles: []Role{RoleBuyer}}
	fin := &User{Username: "c1.fin", Kind: KindDealer, CustomerID: 1, Roles: []Role{RoleDealerFinance}}
	mgr := &User{Username: "c1.mgr", Kind: KindDealer, CustomerID: 1, Roles: []Role{RoleManager}}
	other := &User{Username: "c2.mgr", Kind: KindDealer, CustomerID: 2, Roles: []Role{RoleManager}}
	staffFin := &User{Username: "finance", Kind: KindStaff, Roles: []Role{RoleFinance}}
	sales := &User{Username: "sales", Kind: KindStaff, Roles: []Role{RoleSales}}
	gone := &User{Username: "gone", Kind: KindDealer, CustomerID: 1, Roles: []Role{RoleManager}, Disabled: true}
	for _, c := range []struct {
		user   *User
		from   Status
		action string
		reason string
		to     Status // "" = refused
		state  bool   // refused because of the state (else permission or reason)
		behalf bool
	}{
		{buyer, ReconUnconfirmed, ReconConfirm, "", "", false, false},
		{other, ReconUnconfirmed, ReconConfirm, "", "", false, false},
		{sales, ReconUnconfirmed, ReconConfirm, "", "", false, false},
		{gone, ReconUnconfirmed, ReconConfirm, "", "", false, false},
		{fin, ReconUnconfirmed, ReconConfirm, "", ReconConfirmed, false, false},
		{mgr, ReconUnconfirmed, ReconConfirm, "", ReconConfirmed, false, false},
		{staffFin, ReconUnconfirmed, ReconConfirm, "", ReconConfirmed, false, true},
		{fin, ReconConfirmed, ReconConfirm, "", "", true, false},
		{fin, ReconConfirmed, ReconCancel, "", ReconUnconfirmed, false, false},
		{staffFin, ReconConfirmed, ReconCancel, "", ReconUnconfirmed, false, true},
		{buyer, ReconConfirmed, ReconCancel, "", "", false, false},
		{fin, ReconUnconfirmed, ReconCancel, "", "", true, false},
		{fin, ReconUnconfirmed, ReconDispute, "数量不符 qty differs", ReconDisputed, false, false},
		{fin, ReconUnconfirmed, ReconDispute, " ", "", false, false},
		{buyer, ReconUnconfirmed, ReconDispute, "不对", "", false, false},
		{staffFin, ReconUnconfirmed, ReconDispute, "客户电话告知", ReconDisputed, false, true},
		{fin, ReconConfirmed, ReconDispute, "不对", "", true, false},
		{mgr, ReconDisputed, ReconConfirm, "", ReconConfirmed, false, false},
		{mgr, ReconDisputed, ReconCancel, "", ReconUnconfirmed, false, false},
		{mgr, ReconDisputed, ReconDispute, "again", "", true, false},
	} {
		r := &Reconciliation{Kind: DocInvoice, DocID: 7, CustomerID: 1, Doc: Doc{Status: c.from}}
		err := r.Act(c.action, c.user, c.reason, now)
		if c.to == "" {
			var se *StateError
			if err == nil || errors.As(err, &se) != c.state {
				t.Errorf("%s %s from %s: err %v, want refusal (state %v)", c.user.Username, c.action, c.from, err, c.state)
			}
			if r.State() != c.from || len(r.Trail) != 0 {
				t.Errorf("%s %s from %s: refused but changed to %s", c.user.Username, c.action, c.from, r.State())
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %s from %s: %v", c.user.Username, c.action, c.from, err)
			continue
		}
		if r.State() != c.to || len(r.Trail) != 1 || r.Trail[0].OnBehalf != c.behalf || r.OnBehalf != c.behalf || r.By != c.user.Username || !r.At.Equal(now) {
			t.Errorf("%s %s from %s: state %s, trail %+v", c.user.Username, c.action, c.from, r.State(), r.Trail)
		}
		if c.action == ReconDispute && r.Comment == "" {
			t.Errorf("dispute without its comment")
		}
	}
	if ReconEvent(DocOutbound, ReconConfirm) != EventReconOutboundConfirmed || ReconEvent(DocRefund, ReconDispute) != EventReconReceiptDisputed ||
		ReconEvent(DocInvoice, ReconCancel) != EventReconInvoiceCancelled {
		t.Fatal("events")
	}
}

func TestLedgerDetail(t *testing.T) {
	l := &Ledger{
		Docs: []LedgerDoc{
			{Kind: DocOutbound, ID: 1, Number: "OB1", Date: "2026-01-05", Amount: 10000},
			{Kind: DocOutbound, ID: 2, Number: "OB2", Date: "2026-02-01", Amount: -2000, Red: true},
			{Kind: DocInvoice, ID: 1, Number: "IV1", Date: "2026-01-10", Amount: 10000},
			{Kind: DocInvoice, ID: 2, Number: "IV2", Date: "2026-02-02", Amount: -2000, Red: true},
			{Kind: DocReceipt, ID: 1, Number: "RC1", Date: "2026-02-10", Amount: 9000},
			{Kind: DocRefund, ID: 1, Number: "RF1", Date: "2026-03-01", Amount: 500},
		},
		Invoicing: []LedgerInvoicing{{1, 1, 10000}, {2, 2, -2000}},
		WriteOffs: []LedgerWriteOff{
			{SourceType: DocReceipt, SourceID: 1, InvoiceID: 1, Amount: 7000, Date: "2026-02-10"},
			{SourceType: DocInvoice, SourceID: 2, InvoiceID: 1, Amount: 2000, Date: "2026-02-12"},
			{SourceType: DocReceipt, SourceID: 1, InvoiceID: 1, Amount: 1000, Date: "2026-02-11", ReversedDate: "2026-02-20"},
		},
		Refunds: []LedgerRefund{{1, DocReceipt, 1, 500}},
	}
	// Now: OB 8000 all invoiced; IV 10000−2000 red, written 7000 → IR 1000;
	// RB 9000 − 7000 − 500 = 1500; net −500 = 10000 − 2000 − 9000 + 500.
	pos, ag := l.At("", "2026-03-31")
	if pos != (Position{0, 1000, 1500}) || pos.Net() != -500 || ag.Total() != 1000 {
		t.Fatalf("now: %+v aging %v", pos, ag.Buckets)
	}
	// On 2026-02-15 the reversed write-off is still in force.
	pos, _ = l.At("2026-02-15", "")
	if pos != (Position{0, 0, 1000}) {
		t.Fatalf("2026-02-15: %+v", pos)
	}
	// Before the receipt.
	pos, _ = l.At("2026-01-31", "")
	if pos != (Position{0, 10000, 0}) || pos.Net() != 10000 {
		t.Fatalf("2026-01-31: %+v", pos)
	}
	d := l.DetailFor("2026-02-01", "2026-02-28", "")
	if d.Opening != 10000 || len(d.Rows) != 3 {
		t.Fatalf("detail opening %s rows %d", d.Opening, len(d.Rows))
	}
	want := []struct {
		no      string
		rem     Money
		running Money
	}{{"OB2", 0, 8000}, {"IV2", 0, 8000}, {"RC1", 2000, -1000}}
	for i, w := range want {
		r := d.Rows[i]
		if r.Number != w.no || r.Remaining != w.rem || r.Running != w.running {
			t.Errorf("row %d: %s rem %s running %s, want %+v", i, r.Number, r.Remaining, r.Running, w)
		}
	}
	at, _ := l.At("2026-02-28", "")
	if d.Closing != at.Net() {
		t.Fatalf("closing %s, net at the end %s", d.Closing, at.Net())
	}
	full := l.DetailFor("", "", "2026-03-31")
	var ob, iv, rc Money
	for _, r := range full.Rows {
		switch r.Kind {
		case DocOutbound:
			ob += r.Remaining
		case DocInvoice:
			iv += r.Remaining
		case DocReceipt:
			rc += r.Remaining
		}
	}
	if full.Opening != 0 || full.Closing != -500 || ob != 0 || iv != 1000 || rc != 1500 {
		t.Fatalf("full detail: opening %s closing %s remaining %s/%s/%s", full.Opening, full.Closing, ob, iv, rc)
	}
}

func TestPreviousMonth(t *testing.T) {
	for _, c := range []struct{ day, period, first, last string }{
		{"2026-03-01", "2026-02", "2026-02-01", "2026-02-28"},
		{"2026-01-15", "2025-12", "2025-12-01", "2025-12-31"},
		{"2024-03-01", "2024-02", "2024-02-01", "2024-02-29"},
	} {
		p, f, l := PreviousMonth(c.day)
		if p != c.period || f != c.first || l != c.last {
			t.Errorf("PreviousMonth(%s) = %s %s %s", c.day, p, f, l)
		}
	}
}

// The cutoffs put every date in the bucket AgeBucket gives.
func TestAgingCutoffs(t *testing.T) {
	for _, asOf := range []string{"2026-03-31", "2026-03-01", "2024-02-29", "2027-01-01"} {
		cut := CutoffsOn(asOf)
		for d := -200; d <= 10; d++ {
			date := AddDays(asOf, d)
			if got, want := cut.Bucket(date), AgeBucket(date, asOf); got != want {
				t.Errorf("on %s, %s: bucket %d, AgeBucket %d", asOf, date, got, want)
			}
		}
	}
}
