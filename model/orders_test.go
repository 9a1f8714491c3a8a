package model

import (
	"testing"
	"time"
)

func TestLineAmounts(t *testing.T) {
	cases := []struct {
		qty             Qty
		price           Money
		rate            int64
		excl, tax, incl Money
	}{
		{1000, 11300, 1300, 10000, 1300, 11300},     // 1 × ¥113.00 at 13%
		{3000, 999, 1300, 2652, 345, 2997},          // 3 × ¥9.99: 29.97 / 1.13 = 26.5221…
		{1500, 1000, 600, 1415, 85, 1500},           // 1.5 × ¥10 at 6%: 15 / 1.06 = 14.1509…
		{1000, 10000, 0, 10000, 0, 10000},           // tax free
		{-2000, 11300, 1300, -20000, -2600, -22600}, // a red line
		{333, 100, 1300, 29, 4, 33},                 // 0.333 × ¥1.00 = 0.333 → 0.33
	}
	for _, c := range cases {
		excl, tax, incl := LineAmounts(c.qty, c.price, c.rate)
		if excl != c.excl || tax != c.tax || incl != c.incl {
			t.Errorf("LineAmounts(%v, %v, %d) = %v %v %v, want %v %v %v", c.qty, c.price, c.rate, excl, tax, incl, c.excl, c.tax, c.incl)
		}
		if excl+tax != incl {
			t.Errorf("excl + tax != incl for %+v", c)
		}
	}
	lines := []OrderLine{{Qty: 1000, Price: 11300, TaxRate: 1300}, {Qty: 3000, Price: 999, TaxRate: 1300}}
	tot, err := SumLines(lines)
	if err != nil || tot.Amount != 14297 || tot.AmountExcl != 12652 || tot.Tax != 1645 || tot.Qty != 4000 || lines[1].Amount != 2997 {
		t.Fatalf("totals %+v", tot)
	}
}

func TestOrderMachines(t *testing.T) {
	buyer := &User{Kind: KindDealer, CustomerID: 1, Username: "b", Roles: []Role{RoleBuyer}}
	fin := &User{Kind: KindDealer, CustomerID: 1, Username: "f", Roles: []Role{RoleDealerFinance}}
	sales := &User{Kind: KindStaff, Username: "s", Roles: []Role{RoleSales}}
	viewer := &User{Kind: KindStaff, Username: "v", Roles: []Role{RoleViewer}}
	cases := []struct {
		m      Machine
		from   Status
		action string
		u      *User
		to     Status
		ok     bool
	}{
		{OnlineOrderMachine, StatusDraft, "submit", buyer, StatusSubmitted, true},
		{OnlineOrderMachine, StatusDraft, "submit", fin, "", false},
		{OnlineOrderMachine, StatusSubmitted, "reject", sales, StatusRejected, true},
		{OnlineOrderMachine, StatusSubmitted, "reject", buyer, "", false},
		{OnlineOrderMachine, StatusSubmitted, "reject", viewer, "", false},
		{OnlineOrderMachine, StatusRejected, "unreject", sales, StatusSubmitted, true},
		{OnlineOrderMachine, StatusRejected, "convert", sales, "", false},
		{OnlineOrderMachine, StatusSubmitted, "convert", sales, StatusConverted, true},
		{OnlineOrderMachine, StatusConverted, "reject", sales, "", false},
		{SalesOrderMachine, StatusDraft, "audit", sales, StatusAudited, true},
		{SalesOrderMachine, StatusAudited, "void", sales, "", false},
		{SalesOrderMachine, StatusAudited, "unaudit", sales, StatusDraft, true},
		{SalesOrderMachine, StatusAudited, "close", sales, StatusClosed, true},
		{SalesOrderMachine, StatusClosed, "audit", sales, "", false},
		{OnlineReturnMachine, StatusDraft, "submit", buyer, StatusSubmitted, true},
		{ChangeRequestMachine, StatusSubmitted, "make_effective", sales, StatusEffective, true},
		{ChangeRequestMachine, StatusEffective, "reject", sales, "", false},
	}
	for _, c := range cases {
		d := &Doc{Status: c.from}
		reason := ""
		if c.action == "reject" {
			reason = "out of stock"
		}
		err := c.m.Apply(d, c.action, c.u, reason, time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		if c.ok != (err == nil) {
			t.Errorf("%s from %s by %s: err %v", c.action, c.from, c.u.Username, err)
			continue
		}
		if c.ok && d.Status != c.to {
			t.Errorf("%s from %s: status %s, want %s", c.action, c.from, d.Status, c.to)
		}
		if !c.ok && d.Status != c.from {
			t.Errorf("%s from %s refused but status moved", c.action, c.from)
		}
	}
}

func TestCanEditOnlineOrder(t *testing.T) {
	creator := &User{Kind: KindDealer, CustomerID: 1, Username: "a", Roles: []Role{RoleBuyer}}
	colleague := &User{Kind: KindDealer, CustomerID: 1, Username: "b", Roles: []Role{RoleBuyer}}
	other := &User{Kind: KindDealer, CustomerID: 2, Username: "c", Roles: []Role{RoleManager}}
	sales := &User{Kind: KindStaff, Username: "s", Roles: []Role{RoleSales}}
	cases := []struct {
		status Status
		adjust bool
		u      *User
		want   bool
	}{
		{StatusDraft, false, creator, true},
		{StatusSubmitted, false, creator, true},
		{StatusConverted, true, creator, false},
		{StatusRejected, true, creator, false},
		{StatusDraft, false, colleague, false},
		{StatusDraft, true, colleague, true},
		{StatusDraft, true, other, false},
		{StatusSubmitted, true, sales, true},
		{StatusSubmitted, false, sales, false},
		{StatusDraft, true, sales, false},
		{StatusDraft, true, nil, false},
	}
	for i, c := range cases {
		if got := CanEditOnlineOrder(c.status, "a", c.adjust, 1, c.u); got != c.want {
			t.Errorf("case %d: %v, want %v", i, got, c.want)
		}
	}
}

// TestOnlineOrderRuleHalves: the edit rule's two halves — the permission
// the handler asks (CanEditOnlineOrders) and the document's half the store
// asks (OnlineOrderEditableBy) — make CanEditOnlineOrder together; who may
// enter orders (CanOrderOnline) and whose customer a new order takes
// (OnlineOrderCreator).
func TestOnlineOrderRuleHalves(t *testing.T) {
	creator := &User{Kind: KindDealer, CustomerID: 1, Username: "a", Roles: []Role{RoleBuyer}}
	colleague := &User{Kind: KindDealer, CustomerID: 1, Username: "b", Roles: []Role{RoleManager}}
	finance := &User{Kind: KindDealer, CustomerID: 1, Username: "a", Roles: []Role{RoleDealerFinance}}
	off := &User{Kind: KindDealer, CustomerID: 1, Username: "a", Roles: []Role{RoleBuyer}, Disabled: true}
	other := &User{Kind: KindDealer, CustomerID: 2, Username: "a", Roles: []Role{RoleBuyer}}
	sales := &User{Kind: KindStaff, Username: "s", Roles: []Role{RoleSales}}
	viewer := &User{Kind: KindStaff, Username: "v", Roles: []Role{RoleViewer}}
	stranger := &User{Username: "x", Roles: []Role{RoleAdmin}} // no kind
	for i, c := range []struct {
		status         Status
		adjust         bool
		u              *User
		perm, doc, del bool
	}{
		{StatusDraft, false, creator, true, true, true},
		{StatusSubmitted, false, creator, true, true, true},
		{StatusConverted, true, creator, true, false, false},
		{StatusRejected, true, creator, true, false, false},
		{StatusDraft, false, colleague, true, false, false},
		{StatusDraft, true, colleague, true, true, true},
		// The dealer's finance user is the creator's name but may not order:
		// the document allows it, the permission does not.
		{StatusDraft, false, finance, false, true, true},
		{StatusDraft, false, off, false, true, true},
		{StatusDraft, true, other, true, false, false},
		{StatusSubmitted, true, sales, true, true, false},
		{StatusSubmitted, false, sales, true, false, false},
		{StatusDraft, true, sales, true, false, false},
		{StatusSubmitted, true, viewer, false, true, false},
		{StatusSubmitted, true, stranger, false, false, false},
		{StatusDraft, true, nil, false, false, false},
	} {
		perm, doc := CanEditOnlineOrders(c.u), OnlineOrderEditableBy(c.status, "a", c.adjust, 1, c.u)
		if perm != c.perm || doc != c.doc {
			t.Errorf("case %d: permission %v document %v, want %v %v", i, perm, doc, c.perm, c.doc)
		}
		if got := CanEditOnlineOrder(c.status, "a", c.adjust, 1, c.u); got != (c.perm && c.doc) {
			t.Errorf("case %d: CanEditOnlineOrder %v, want %v", i, got, c.perm && c.doc)
		}
		if got := OnlineOrderDeletableBy(c.status, "a", c.adjust, 1, c.u); got != c.del {
			t.Errorf("case %d: deletable %v, want %v", i, got, c.del)
		}
		if got := CanDeleteOnlineOrder(c.status, "a", c.adjust, 1, c.u); got != (c.perm && c.del) {
			t.Errorf("case %d: CanDeleteOnlineOrder %v, want %v", i, got, c.perm && c.del)
		}
	}
	for i, c := range []struct {
		u           *User
		cust        uint64
		may, create bool
	}{
		{creator, 1, true, true},
		{colleague, 1, true, true},
		{creator, 2, true, false},
		{creator, 0, true, false},
		{finance, 1, false, true},
		{off, 1, false, true},
		{other, 1, true, false},
		{sales, 1, false, false},
		{sales, 0, false, false},
		{nil, 1, false, false},
	} {
		if got := CanOrderOnline(c.u); got != c.may {
			t.Errorf("order case %d: CanOrderOnline %v, want %v", i, got, c.may)
		}
		if got := OnlineOrderCreator(c.u, c.cust); got != c.create {
			t.Errorf("order case %d: OnlineOrderCreator %v, want %v", i, got, c.create)
		}
	}
}

func TestReturnableAndCredit(t *testing.T) {
	if Returnable(10000, 3000, 2000) != 5000 || Returnable(1000, 1000, 0) != 0 || Returnable(1000, 800, 500) != 0 {
		t.Fatal("returnable")
	}
	exp, err := CreditExposure(50000, 30000, 20000, 10000)
	if err != nil || exp != 70000 {
		t.Fatalf("exposure %v", exp)
	}
	if !CreditExceeded(100000, exp, 30001) || CreditExceeded(100000, exp, 30000) || CreditExceeded(0, exp, 1<<40) {
		t.Fatal("credit exceeded")
	}
}
