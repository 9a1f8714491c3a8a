package model

import (
	"errors"
	"testing"
)

// refusal names what a rule answered: "" for nothing, the key of a
// validation error, or "state:<action>/<status>".
func refusal(err error) string {
	var ve *ValidationError
	var se *StateError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ve):
		return ve.Fields[0].Key
	case errors.As(err, &se):
		return "state:" + se.Action + "/" + se.Status
	}
	return err.Error()
}

func TestCheckSalesOrderAction(t *testing.T) {
	for _, c := range []struct {
		action     string
		downstream int
		want       string
	}{
		{"unaudit", 0, ""},
		{"unaudit", 2, "err.so_downstream"},
		{"close", 2, ""},
		{"audit", 0, ""},
		{"void", 1, ""},
	} {
		o := &SalesOrder{Downstream: c.downstream}
		if got := refusal(CheckSalesOrderAction(o, c.action)); got != c.want {
			t.Errorf("%s with %d downstream: %q, want %q", c.action, c.downstream, got, c.want)
		}
	}
}

func TestCheckNoticeAction(t *testing.T) {
	shipped := []Qty{0, 1000}
	for _, c := range []struct {
		action  string
		from    Status
		shipped []Qty
		want    string
	}{
		{"void", StatusAudited, nil, ""},
		{"void", StatusAudited, shipped, "err.notice_has_shipments"},
		{"close", StatusAudited, shipped, ""},
		{"confirm_receipt", StatusShipped, shipped, ""},
		{"confirm_receipt", StatusClosed, shipped, ""},
		{"confirm_receipt", StatusClosed, []Qty{0, 0}, "err.notice_nothing_shipped"},
		{"confirm_receipt", StatusClosed, nil, "err.notice_nothing_shipped"},
	} {
		d := &DeliveryNotice{ShippedQty: c.shipped}
		if got := refusal(CheckNoticeAction(d, c.from, c.action)); got != c.want {
			t.Errorf("%s from %s shipped %v: %q, want %q", c.action, c.from, c.shipped, got, c.want)
		}
	}
}

func TestCheckOutboundReceipt(t *testing.T) {
	for _, c := range []struct {
		name string
		ob   Outbound
		want string
	}{
		{"blue, not confirmed", Outbound{}, ""},
		{"red", Outbound{Red: true}, "err.receipt_red"},
		{"confirmed", Outbound{Receipt: &Receipt{}}, "state:confirm_receipt/received"},
	} {
		if got := refusal(CheckOutboundReceipt(&c.ob)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestReturnSourceClaims(t *testing.T) {
	order := func() *SalesOrder {
		return &SalesOrder{Lines: []SalesOrderLine{
			{OrderLine: OrderLine{No: 1, Qty: 10000}, ShippedQty: 6000, ReturnedQty: 1000, ClaimedQty: 2000}, // 4 returnable (shipped is net)
			{OrderLine: OrderLine{No: 2, Qty: 5000}, ShippedQty: 0},                                          // nothing shipped
		}}
	}
	ob := &Outbound{Lines: []OrderLine{{No: 1, Qty: 2000, Source: LineRef{Line: 1}}}}
	for _, c := range []struct {
		name      string
		outbound  *Outbound
		no        int
		q         Qty
		want      string
		wantLimit Qty
	}{
		{"order line within", nil, 1, 4000, "", 4000},
		{"order line over", nil, 1, 4001, ErrOverReturn.Error(), 4000},
		{"nothing shipped", nil, 2, 1000, ErrOverReturn.Error(), 0},
		{"no such line", nil, 3, 1000, ErrNotFound.Error(), 0},
		{"outbound line caps", ob, 1, 2500, ErrOverReturn.Error(), 2000},
		{"outbound line within", ob, 1, 2000, "", 2000},
		{"outbound: no such line", ob, 2, 1000, ErrNotFound.Error(), 0},
		{"not positive", nil, 1, -1000, "", 4000},
	} {
		so := order()
		src := ReturnSource{Order: so, Outbound: c.outbound}
		l, limit, err := src.Claim(c.no, c.q)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if c.name == "not positive" {
			if err == nil {
				t.Errorf("%s: claimed", c.name)
			}
			continue
		}
		if got != c.want || limit != c.wantLimit {
			t.Errorf("%s: %q limit %v, want %q limit %v", c.name, got, limit, c.want, c.wantLimit)
		}
		if c.want == "" && l.ClaimedQty != 2000+c.q {
			t.Errorf("%s: claimed %v", c.name, l.ClaimedQty)
		}
	}
	if nos := (ReturnSource{Order: order(), Outbound: ob}).LineNos(); len(nos) != 1 || nos[0] != 1 {
		t.Errorf("outbound's line numbers %v", nos)
	}
	if nos := (ReturnSource{Order: order()}).LineNos(); len(nos) != 2 {
		t.Errorf("order's line numbers %v", nos)
	}
}

func TestCheckReturnSource(t *testing.T) {
	for _, c := range []struct {
		status Status
		red    bool
		want   string
	}{
		{StatusAudited, false, ""},
		{StatusClosed, false, ""},
		{StatusDraft, false, "state:return/draft"},
		{StatusAudited, true, ErrNotFound.Error()},
	} {
		src := ReturnSource{Order: &SalesOrder{}}
		src.Order.Status = c.status
		if c.red {
			src.Outbound = &Outbound{Red: true}
		}
		if got := refusal(CheckReturnSource(src)); got != c.want {
			t.Errorf("%s red %v: %q, want %q", c.status, c.red, got, c.want)
		}
	}
}

func TestReclaim(t *testing.T) {
	so := &SalesOrder{Lines: []SalesOrderLine{{OrderLine: OrderLine{No: 1, Code: "A", Qty: 5000}, ShippedQty: 5000, ClaimedQty: 4000}}}
	if err := Reclaim(so, []OrderLine{{Code: "A", Qty: 1000, Source: LineRef{Line: 1}}}); err != nil || so.Lines[0].ClaimedQty != 5000 {
		t.Fatalf("reclaim within: %v, claimed %v", err, so.Lines[0].ClaimedQty)
	}
	for _, lines := range [][]OrderLine{
		{{Code: "A", Qty: 1000, Source: LineRef{Line: 1}}}, // nothing returnable left
		{{Code: "B", Qty: 1000, Source: LineRef{Line: 9}}}, // no such line
	} {
		if got := refusal(Reclaim(so, lines)); got != "err.return_no_longer_returnable" {
			t.Errorf("reclaim %s: %q", lines[0].Code, got)
		}
	}
}

func TestChangeRequestRules(t *testing.T) {
	dealer := &User{Username: "d", Kind: KindDealer, CustomerID: 1, Roles: []Role{RoleBuyer}}
	other := &User{Username: "o", Kind: KindDealer, CustomerID: 2, Roles: []Role{RoleBuyer}}
	staff := &User{Username: "s", Kind: KindStaff, Roles: []Role{RoleSales}}
	viewer := &User{Username: "v", Kind: KindStaff, Roles: []Role{RoleViewer}}
	off := &User{Username: "d", Kind: KindDealer, CustomerID: 1, Roles: []Role{RoleBuyer}, Disabled: true}
	draft := func(by string) *ChangeRequest {
		r := &ChangeRequest{CustomerID: 1}
		r.Status, r.CreatedBy = StatusDraft, by
		return r
	}
	submitted := draft("d")
	submitted.Status = StatusSubmitted
	for _, c := range []struct {
		name           string
		u              *User
		r              *ChangeRequest
		request, edit  bool
		editableByName bool
	}{
		{"dealer, own draft", dealer, draft("d"), true, true, true},
		{"dealer, colleague's draft", dealer, draft("x"), true, false, false},
		{"dealer, submitted", dealer, submitted, true, false, false},
		{"other customer's dealer", other, draft("o"), false, false, true},
		{"staff, own draft", staff, draft("s"), true, true, true},
		{"viewer", viewer, draft("v"), false, false, true},
		{"disabled", off, draft("d"), false, false, true},
	} {
		if got := CanRequestChange(c.u, c.r.CustomerID); got != c.request {
			t.Errorf("%s: may request %v", c.name, got)
		}
		if got := CanEditChangeRequest(c.r, c.u); got != c.edit {
			t.Errorf("%s: may edit %v", c.name, got)
		}
		if got := ChangeEditableBy(c.r, c.u.Username); got != c.editableByName {
			t.Errorf("%s: editable by name %v", c.name, got)
		}
	}
	if CanEditChangeRequest(draft("d"), nil) || CanRequestChange(nil, 1) {
		t.Error("nobody may")
	}
}

func TestCanCreateOnlineReturn(t *testing.T) {
	for _, c := range []struct {
		u    *User
		cust uint64
		want bool
	}{
		{&User{Kind: KindDealer, CustomerID: 1, Roles: []Role{RoleBuyer}}, 1, true},
		{&User{Kind: KindDealer, CustomerID: 1, Roles: []Role{RoleBuyer}}, 2, false},
		{&User{Kind: KindStaff, Roles: []Role{RoleAdmin}}, 1, false},
	} {
		if got := CanCreateOnlineReturn(c.u, c.cust); got != c.want {
			t.Errorf("%+v for %d: %v", c.u, c.cust, got)
		}
	}
}

func TestOnlineOrderCreditRules(t *testing.T) {
	for _, c := range []struct {
		status           Status
		hold             bool
		approvedBy       string
		release, convert string
	}{
		{StatusSubmitted, true, "", "", "err.credit_hold_open"},
		{StatusSubmitted, true, "fin", "state:release_credit/submitted", ""},
		{StatusSubmitted, false, "", "state:release_credit/submitted", ""},
		{StatusRejected, true, "", "state:release_credit/rejected", ""},
	} {
		o := &OnlineOrder{CreditHold: c.hold, CreditApprovedBy: c.approvedBy}
		o.Status = c.status
		if got := refusal(CheckReleaseCredit(o)); got != c.release {
			t.Errorf("release %s hold %v by %q: %q, want %q", c.status, c.hold, c.approvedBy, got, c.release)
		}
		if got := refusal(CheckConvertOnlineOrder(o)); got != c.convert {
			t.Errorf("convert %s hold %v by %q: %q, want %q", c.status, c.hold, c.approvedBy, got, c.convert)
		}
	}
}
