package model

import (
	"errors"
	"testing"
	"time"
)

var shipNow = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// shipRoles are the roles of the state tables: a dealer buyer, a dealer
// finance user (no order permission), sales staff (manage), a viewer.
func shipRoles() map[string]*User {
	return map[string]*User{
		"buyer":   {Kind: KindDealer, CustomerID: 1, Username: "b", Roles: []Role{RoleBuyer}},
		"finance": {Kind: KindDealer, CustomerID: 1, Username: "f", Roles: []Role{RoleDealerFinance}},
		"sales":   {Kind: KindStaff, Username: "s", Roles: []Role{RoleSales}},
		"viewer":  {Kind: KindStaff, Username: "v", Roles: []Role{RoleViewer}},
	}
}

// TestShippingMachines runs every action of every machine from every status
// as every role: allowed exactly where the table says, to the status it
// says; refused otherwise with the status unchanged and ErrNotAllowed.
func TestShippingMachines(t *testing.T) {
	statuses := []Status{StatusDraft, StatusSubmitted, StatusAudited, StatusShipped, StatusReceived, StatusClosed, StatusVoid, StatusRejected, StatusConverted}
	type allow struct {
		action string
		from   Status
		role   string
		to     Status
	}
	tables := []struct {
		name    string
		m       Machine
		actions []string
		allowed []allow
	}{
		{"delivery notice", DeliveryNoticeMachine, []string{"close", "void", "confirm_receipt", "ship"}, []allow{
			{"close", StatusAudited, "sales", StatusClosed},
			{"void", StatusAudited, "sales", StatusVoid},
			{"confirm_receipt", StatusShipped, "buyer", StatusReceived},
			{"confirm_receipt", StatusClosed, "buyer", StatusReceived},
		}},
		{"outbound", OutboundMachine, []string{"confirm_receipt", "close", "void"}, []allow{
			{"confirm_receipt", StatusAudited, "buyer", StatusAudited},
		}},
		{"return notice", ReturnNoticeMachine, []string{"close", "void", "audit"}, []allow{
			{"close", StatusAudited, "sales", StatusClosed},
		}},
		{"online return", OnlineReturnMachine, []string{"submit", "reject", "unreject", "convert", "close"}, []allow{
			{"submit", StatusDraft, "buyer", StatusSubmitted},
			{"reject", StatusSubmitted, "sales", StatusRejected},
			{"unreject", StatusRejected, "sales", StatusSubmitted},
			{"convert", StatusSubmitted, "sales", StatusConverted},
		}},
	}
	for _, tb := range tables {
		for _, action := range tb.actions {
			for _, from := range statuses {
				for role, u := range shipRoles() {
					var want *allow
					for i := range tb.allowed {
						if a := tb.allowed[i]; a.action == action && a.from == from && a.role == role {
							want = &tb.allowed[i]
						}
					}
					d := &Doc{Status: from}
					err := tb.m.Apply(d, action, u, "a good reason", shipNow)
					switch {
					case want != nil && err != nil:
						t.Errorf("%s: %s from %s by %s refused: %v", tb.name, action, from, role, err)
					case want != nil && d.Status != want.to:
						t.Errorf("%s: %s from %s: status %s, want %s", tb.name, action, from, d.Status, want.to)
					case want != nil && (len(d.Trail) != 1 || d.Trail[0].By != u.Username):
						t.Errorf("%s: %s: trail %+v", tb.name, action, d.Trail)
					case want == nil && err == nil:
						t.Errorf("%s: %s from %s by %s allowed", tb.name, action, from, role)
					case want == nil && (d.Status != from || len(d.Trail) != 0 || !errors.Is(err, ErrNotAllowed)):
						t.Errorf("%s: %s from %s by %s: refused with %v but status %s trail %d", tb.name, action, from, role, err, d.Status, len(d.Trail))
					}
				}
			}
		}
	}
	// A void needs a reason.
	d := &Doc{Status: StatusAudited}
	if err := DeliveryNoticeMachine.Apply(d, "void", shipRoles()["sales"], " ", shipNow); err == nil || d.Status != StatusAudited {
		t.Fatalf("void without reason: %v %s", err, d.Status)
	}
}

func TestLineRules(t *testing.T) {
	// 10 ordered at ¥3.33: ship, notice, return in every order, never beyond.
	base := func() SalesOrderLine {
		return SalesOrderLine{OrderLine: OrderLine{No: 1, Qty: 10000, Price: 333}}
	}
	type step struct {
		op   string // notice, unnotice, ship, shipn (from a notice), claim, unclaim, return
		q    Qty
		err  error
		want [5]Qty // noticed, noticeOpen, shipped, returned, claimed after the step
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"notice then ship it", []step{
			{"notice", 4000, nil, [5]Qty{4000, 4000, 0, 0, 0}},
			{"notice", 6001, ErrOverShip, [5]Qty{4000, 4000, 0, 0, 0}},
			{"ship", 6001, ErrOverShip, [5]Qty{4000, 4000, 0, 0, 0}}, // direct: only the unscheduled 6
			{"shipn", 4001, ErrOverShip, [5]Qty{4000, 4000, 0, 0, 0}},
			{"shipn", 2500, nil, [5]Qty{4000, 1500, 2500, 0, 0}},
			{"ship", 6000, nil, [5]Qty{4000, 1500, 8500, 0, 0}},
			{"notice", 1, ErrOverShip, [5]Qty{4000, 1500, 8500, 0, 0}},
			{"unnotice", 1500, nil, [5]Qty{2500, 0, 8500, 0, 0}},
			{"ship", 1500, nil, [5]Qty{2500, 0, 10000, 0, 0}},
			{"ship", 1, ErrOverShip, [5]Qty{2500, 0, 10000, 0, 0}},
		}},
		{"zero and negative", []step{
			{"notice", 0, ErrQtyNotPositive, [5]Qty{}},
			{"ship", -1000, ErrQtyNotPositive, [5]Qty{}},
			{"claim", -1, ErrQtyNotPositive, [5]Qty{}},
			{"return", 0, ErrQtyNotPositive, [5]Qty{}},
		}},
		{"returns never beyond shipped", []step{
			{"claim", 1, ErrOverReturn, [5]Qty{}},
			{"ship", 5000, nil, [5]Qty{0, 0, 5000, 0, 0}},
			{"claim", 3000, nil, [5]Qty{0, 0, 5000, 0, 3000}},
			{"claim", 2001, ErrOverReturn, [5]Qty{0, 0, 5000, 0, 3000}},
			{"claim", 2000, nil, [5]Qty{0, 0, 5000, 0, 5000}},
			{"return", 3001, nil, [5]Qty{0, 0, 1999, 3001, 1999}},
			{"return", 2000, ErrOverReturn, [5]Qty{0, 0, 1999, 3001, 1999}},
			{"unclaim", 1999, nil, [5]Qty{0, 0, 1999, 3001, 0}},
			{"return", 1, ErrOverReturn, [5]Qty{0, 0, 1999, 3001, 0}},
			{"claim", 2000, ErrOverReturn, [5]Qty{0, 0, 1999, 3001, 0}},
			// What came back is open again and may ship again.
			{"ship", 8001, nil, [5]Qty{0, 0, 10000, 3001, 0}},
		}},
	}
	for _, c := range cases {
		l := base()
		for i, s := range c.steps {
			var err error
			switch s.op {
			case "notice":
				err = l.Notice(s.q)
			case "unnotice":
				l.Unnotice(s.q)
			case "ship", "shipn":
				_, _, err = l.Ship(s.q, s.op == "shipn")
			case "claim":
				err = l.Claim(s.q)
			case "unclaim":
				l.Unclaim(s.q)
			case "return":
				_, _, err = l.Return(s.q)
			}
			if !errors.Is(err, s.err) || err == nil && s.err != nil {
				t.Errorf("%s step %d %s %v: err %v, want %v", c.name, i, s.op, s.q, err, s.err)
			}
			got := [5]Qty{l.NoticedQty, l.NoticeOpenQty, l.ShippedQty, l.ReturnedQty, l.ClaimedQty}
			if got != s.want {
				t.Errorf("%s step %d %s %v: figures %v, want %v", c.name, i, s.op, s.q, got, s.want)
			}
			for _, q := range got {
				if q < 0 {
					t.Errorf("%s step %d: negative figure %v", c.name, i, got)
				}
			}
			if l.ShippedQty > l.Qty || l.ReturnableQty() < 0 || l.Unscheduled() < 0 {
				t.Errorf("%s step %d: shipped %v returnable %v unscheduled %v", c.name, i, l.ShippedQty, l.ReturnableQty(), l.Unscheduled())
			}
		}
	}
}

// TestShipAmounts: partial shipments release exactly the reservation and
// take exactly the open amount off, to the cent, whatever the rounding.
func TestShipAmounts(t *testing.T) {
	l := SalesOrderLine{OrderLine: OrderLine{No: 1, Qty: 3000, Price: 333, TaxRate: 1300}}
	l.Compute()
	var released Qty
	var dropped Money
	for _, q := range []Qty{1000, 1000, 1000} {
		rel, drop, err := l.Ship(q, false)
		if err != nil {
			t.Fatal(err)
		}
		released += rel
		dropped += drop
	}
	if released != 3000 || dropped != l.Amount || l.OpenAmount() != 0 {
		t.Fatalf("released %v dropped %v of %v, open %v", released, dropped, l.Amount, l.OpenAmount())
	}
	if _, _, err := l.Return(1000); err == nil {
		t.Fatal("return without a claim")
	}
	if err := l.Claim(1000); err != nil {
		t.Fatal(err)
	}
	reopen, rise, err := l.Return(1000)
	if err != nil || reopen != 1000 || rise != MulQtyPrice(1000, 333) {
		t.Fatalf("return: %v %v %v", reopen, rise, err)
	}
}

func TestNoticeAndReturnRest(t *testing.T) {
	d := &DeliveryNotice{Lines: []OrderLine{{No: 1, Qty: 5000}, {No: 2, Qty: 2000}}}
	if d.AnyShipped() || d.FullyShipped() || d.NoticeRest(0) != 5000 {
		t.Fatal("new notice")
	}
	d.ShippedQty = []Qty{5000, 1000}
	if !d.AnyShipped() || d.FullyShipped() || d.NoticeRest(1) != 1000 {
		t.Fatal("part shipped")
	}
	d.ShippedQty[1] = 2000
	if !d.FullyShipped() {
		t.Fatal("fully shipped")
	}
	r := &ReturnNotice{Lines: []OrderLine{{No: 1, Qty: 3000}}}
	if r.FullyReceived() || r.ReturnRest(0) != 3000 {
		t.Fatal("new return notice")
	}
	r.ReceivedQty = []Qty{3000}
	if !r.FullyReceived() {
		t.Fatal("received")
	}
}

func TestReceiptAndHeaders(t *testing.T) {
	if _, err := NewReceipt("b", shipNow, "", true); err == nil {
		t.Fatal("a problem without a note")
	}
	r, err := NewReceipt("b", shipNow, " 2 boxes dented ", true)
	if err != nil || r.Note != "2 boxes dented" || !r.ReceiptTime().Equal(shipNow) {
		t.Fatalf("receipt %+v %v", r, err)
	}
	long := make([]rune, 501)
	for i := range long {
		long[i] = '货'
	}
	if _, err := NewReceipt("b", shipNow, string(long), false); err == nil {
		t.Fatal("501 characters accepted")
	}
	d := &DeliveryNotice{ShipDate: "2026/11/3", Carrier: "顺丰"}
	if err := d.Validate(); err != nil || d.ShipDate != "2026-11-03" {
		t.Fatalf("ship date: %v %s", err, d.ShipDate)
	}
	for _, bad := range []string{"", "tomorrow", "2026-13-01"} {
		d := &DeliveryNotice{ShipDate: bad}
		var ve *ValidationError
		if err := d.Validate(); !errors.As(err, &ve) || !ve.Has("ship_date") {
			t.Errorf("ship date %q: %v", bad, err)
		}
	}
	ret := &OnlineReturn{ReturnDate: "2026-11-27", Reason: "  "}
	var ve *ValidationError
	if err := ret.Validate(); !errors.As(err, &ve) || !ve.Has("reason") {
		t.Fatalf("blank reason: %v", err)
	}
}
