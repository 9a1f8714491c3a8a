package model

import (
	"errors"
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
