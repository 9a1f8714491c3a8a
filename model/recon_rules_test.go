package model

import (
	"errors"
	"slices"
	"testing"
)

func TestInvoiceQtyFits(t *testing.T) {
	for _, c := range []struct {
		q, rest Qty
		want    bool
	}{
		{1000, 2000, true}, {2000, 2000, true}, {2001, 2000, false}, {0, 2000, false},
		{-1000, -2000, true}, {-2000, -2000, true}, {-2001, -2000, false}, {0, -2000, false},
		{1000, -2000, false}, {-1000, 2000, false}, {1000, 0, false}, {-1000, 0, false},
	} {
		if got := InvoiceQtyFits(c.q, c.rest); got != c.want {
			t.Errorf("InvoiceQtyFits(%s, %s) = %v, want %v", c.q, c.rest, got, c.want)
		}
	}
}

func TestInvoiceOutboundFits(t *testing.T) {
	blue, red := &Outbound{CustomerID: 7}, &Outbound{CustomerID: 7, Red: true}
	for _, c := range []struct {
		name string
		ob   *Outbound
		cust uint64
		red  bool
		want bool
	}{
		{"blue of the customer", blue, 7, false, true},
		{"red of the customer", red, 7, true, true},
		{"blue on a red invoice", blue, 7, true, false},
		{"red on a blue invoice", red, 7, false, false},
		{"another customer's", blue, 8, false, false},
		{"none", nil, 7, false, false},
	} {
		if got := InvoiceOutboundFits(c.ob, c.cust, c.red); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestInvoiceDateFits(t *testing.T) {
	for _, c := range []struct {
		date, latest string
		want         bool
	}{{"2026-03-02", "2026-03-01", true}, {"2026-03-01", "2026-03-01", true}, {"2026-02-28", "2026-03-01", false}, {"2026-03-01", "", true}} {
		if got := InvoiceDateFits(c.date, c.latest); got != c.want {
			t.Errorf("InvoiceDateFits(%q, %q) = %v", c.date, c.latest, got)
		}
	}
}

func TestCanUnauditInvoice(t *testing.T) {
	posted := func(wo Money) *Invoice {
		inv := &Invoice{WrittenOff: wo}
		inv.Status = StatusAudited
		return inv
	}
	draft := &Invoice{}
	draft.Status = StatusDraft
	for _, c := range []struct {
		name   string
		inv    *Invoice
		recon  Status
		status string // the StateError's, "" for none
	}{
		{"posted, open", posted(0), ReconUnconfirmed, ""},
		{"posted, disputed", posted(0), ReconDisputed, ""},
		{"written off", posted(100), ReconUnconfirmed, "written_off"},
		{"credit used (red)", posted(-100), ReconUnconfirmed, "written_off"},
		{"confirmed", posted(0), ReconConfirmed, string(ReconConfirmed)},
		{"written off and confirmed", posted(100), ReconConfirmed, "written_off"},
		{"a draft: the machine's to refuse", draft, ReconConfirmed, ""},
	} {
		err := CanUnauditInvoice(c.inv, c.recon)
		var se *StateError
		switch {
		case c.status == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.status != "" && (!errors.As(err, &se) || se.Status != c.status || se.Action != "unaudit"):
			t.Errorf("%s: %v, want state %s", c.name, err, c.status)
		}
	}
}

func TestCanDeleteDraft(t *testing.T) {
	for _, c := range []struct {
		st Status
		ok bool
	}{{StatusDraft, true}, {StatusAudited, false}, {StatusSubmitted, false}, {StatusClosed, false}} {
		err := CanDeleteDraft(c.st)
		var se *StateError
		if c.ok != (err == nil) || !c.ok && (!errors.As(err, &se) || se.Action != "delete" || se.Status != string(c.st)) {
			t.Errorf("CanDeleteDraft(%s) = %v", c.st, err)
		}
	}
}

func TestCheckWriteOff(t *testing.T) {
	inv := func(red bool, status Status, amount, written Money) *Invoice {
		v := &Invoice{Red: red, WrittenOff: written}
		v.Status, v.Totals.Amount = status, amount
		return v
	}
	open := inv(false, StatusAudited, 10000, 4000) // 60.00 open
	for _, c := range []struct {
		name    string
		srcOpen Money
		inv     *Invoice
		amount  Money
		fields  map[string]string // field → key; empty: allowed
	}{
		{"within both", 5000, open, 5000, nil},
		{"all the invoice holds", 9000, open, 6000, nil},
		{"above the invoice", 9000, open, 6001, map[string]string{"amount": "err.recon_amount_max"}},
		{"above the source", 3000, open, 3001, map[string]string{"amount": "err.recon_amount_max"}},
		{"zero", 3000, open, 0, map[string]string{"amount": "err.recon_amount_positive"}},
		{"negative", 3000, open, -1, map[string]string{"amount": "err.recon_amount_positive"}},
		{"source empty", 0, open, 100, map[string]string{"source": "err.recon_nothing_open", "amount": "err.recon_amount_max"}},
		{"a draft invoice", 5000, inv(false, StatusDraft, 10000, 0), 100, map[string]string{"invoice": "err.recon_nothing_open"}},
		{"a red invoice", 5000, inv(true, StatusAudited, -10000, 0), 100, map[string]string{"invoice": "err.recon_nothing_open", "amount": "err.recon_amount_max"}},
		{"settled", 5000, inv(false, StatusAudited, 10000, 10000), 100, map[string]string{"invoice": "err.recon_nothing_open", "amount": "err.recon_amount_max"}},
	} {
		err := CheckWriteOff(c.srcOpen, c.inv, c.amount)
		if len(c.fields) == 0 {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != len(c.fields) {
			t.Errorf("%s: %v, want %v", c.name, err, c.fields)
			continue
		}
		for _, f := range ve.Fields {
			if c.fields[f.Field] != f.Key {
				t.Errorf("%s: %s %s, want %v", c.name, f.Field, f.Key, c.fields)
			}
		}
	}
}

func TestInvoiceOpenFor(t *testing.T) {
	v := &Invoice{CustomerID: 3}
	v.Status, v.Totals.Amount = StatusAudited, 1000
	if !InvoiceOpenFor(v, 3) || InvoiceOpenFor(v, 4) {
		t.Fatal("customer")
	}
	v.WrittenOff = 1000
	if InvoiceOpenFor(v, 3) {
		t.Fatal("settled")
	}
	v.WrittenOff, v.Status = 0, StatusDraft
	if InvoiceOpenFor(v, 3) {
		t.Fatal("draft")
	}
	v.Status, v.Red, v.Totals.Amount = StatusAudited, true, -1000
	if InvoiceOpenFor(v, 3) {
		t.Fatal("red")
	}
}

func TestCanReverseWriteOff(t *testing.T) {
	if err := CanReverseWriteOff(&WriteOff{}); err != nil {
		t.Fatal(err)
	}
	var se *StateError
	if err := CanReverseWriteOff(&WriteOff{Reversed: true}); !errors.As(err, &se) || se.Status != "reversed" || !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("reversed twice: %v", err)
	}
}

func TestReceiptRules(t *testing.T) {
	posted := func(applied, refunded Money) *ReceiptDoc {
		r := &ReceiptDoc{Applied: applied, Refunded: refunded}
		r.Status = StatusAudited
		return r
	}
	for _, c := range []struct {
		name   string
		r      *ReceiptDoc
		recon  Status
		status string
	}{
		{"open", posted(0, 0), ReconUnconfirmed, ""},
		{"written off", posted(100, 0), ReconUnconfirmed, "written_off"},
		{"refunded", posted(0, 100), ReconUnconfirmed, "written_off"},
		{"confirmed", posted(0, 0), ReconConfirmed, string(ReconConfirmed)},
		{"a draft", &ReceiptDoc{}, ReconConfirmed, ""},
	} {
		err := CanUnauditReceipt(c.r, c.recon)
		var se *StateError
		if c.status == "" && err != nil || c.status != "" && (!errors.As(err, &se) || se.Status != c.status) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	inv := &Invoice{CustomerID: 5}
	red := &Invoice{CustomerID: 5, Red: true}
	if !ReceiptMayPay(inv, 5) || ReceiptMayPay(inv, 6) || ReceiptMayPay(red, 5) || ReceiptMayPay(nil, 5) {
		t.Error("ReceiptMayPay")
	}
	rc := &ReceiptDoc{Kind: DocReceipt, CustomerID: 5}
	ar := &ReceiptDoc{Kind: DocAdvanceReceipt, CustomerID: 5}
	rf := &ReceiptDoc{Kind: DocRefund, CustomerID: 5}
	if !RefundMayTake(rc, 5) || !RefundMayTake(ar, 5) || RefundMayTake(rf, 5) || RefundMayTake(rc, 6) || RefundMayTake(nil, 5) {
		t.Error("RefundMayTake")
	}
	for _, c := range []struct {
		held          []Money
		balance, want Money
	}{{[]Money{300, 200}, 1000, 500}, {[]Money{300, 200}, 400, 400}, {nil, 100, 0}, {[]Money{300}, -50, -50}} {
		if got := RefundLimit(c.held, c.balance); got != c.want {
			t.Errorf("RefundLimit(%v, %s) = %s, want %s", c.held, c.balance, got, c.want)
		}
	}
	if CheckRefund(500, 500) != nil {
		t.Error("refund of all that is held")
	}
	var ve *ValidationError
	if err := CheckRefund(501, 500); !errors.As(err, &ve) || !ve.Has("amount") || ve.Fields[0].Args["max"] != Money(500).String() {
		t.Errorf("refund above: %v", err)
	}
	if err := CheckRefund(1, -50); !errors.As(err, &ve) || ve.Fields[0].Args["max"] != Money(0).String() {
		t.Errorf("refund with the balance below zero: %v", err)
	}
	if CanEditDraft(StatusDraft) != nil || CanEditDraft(StatusAudited) == nil {
		t.Error("CanEditDraft")
	}
	d := &ReceiptDoc{Kind: DocReceipt, CustomerID: 5, Applied: 7}
	d.Number, d.Version = "RC-1", 3
	d.EditFrom(&ReceiptDoc{Kind: DocRefund, CustomerID: 9, Date: "2026-03-01", Amount: 100, Method: "cash", Invoices: []uint64{4}, Applied: 1, Doc: Doc{Number: "X", Meta: Meta{Version: 2}}})
	if d.Kind != DocReceipt || d.CustomerID != 5 || d.Number != "RC-1" || d.Applied != 7 || d.Date != "2026-03-01" || d.Amount != 100 || d.Method != "cash" || len(d.Invoices) != 1 || d.Version != 2 {
		t.Errorf("EditFrom: %+v", d)
	}
}

func TestIsFirstOfMonth(t *testing.T) {
	for day, want := range map[string]bool{"2026-04-01": true, "2026-04-02": false, "2026-04-10": false, "2026-01-31": false, "": false, "01": false} {
		if got := IsFirstOfMonth(day); got != want {
			t.Errorf("IsFirstOfMonth(%q) = %v", day, got)
		}
	}
}

// TestWriteOffsToReverse is the table of a several-record write-off's
// reversal: the records not yet reversed, last first; none left is a
// StateError.
func TestWriteOffsToReverse(t *testing.T) {
	w := func(id uint64, reversed bool) *WriteOff { return &WriteOff{ID: id, Reversed: reversed} }
	for _, c := range []struct {
		name string
		recs []*WriteOff
		want []uint64
	}{
		{"one record", []*WriteOff{w(1, false)}, []uint64{1}},
		{"all open, last first", []*WriteOff{w(1, false), w(2, false), w(3, false)}, []uint64{3, 2, 1}},
		{"some reversed in the UI", []*WriteOff{w(1, false), w(2, true), w(3, false)}, []uint64{3, 1}},
		{"none left", []*WriteOff{w(1, true), w(2, true)}, nil},
	} {
		got, err := WriteOffsToReverse(c.recs)
		var ids []uint64
		for _, r := range got {
			ids = append(ids, r.ID)
		}
		var se *StateError
		if c.want == nil && !errors.As(err, &se) || c.want != nil && (err != nil || !slices.Equal(ids, c.want)) {
			t.Errorf("%s: %v %v, want %v", c.name, ids, err, c.want)
		}
	}
}
