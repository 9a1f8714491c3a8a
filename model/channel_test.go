package model

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// machineCase is the expected table of one action: the statuses it may be
// taken from, the status it leads to and the roles that may take it. It is
// written out by hand (not derived from the machine), so that a change to a
// machine must change this table too.
type machineCase struct {
	action string
	from   []Status
	to     Status
	roles  []Role
}

var allRoles = []Role{RoleAdmin, RoleSales, RoleFinance, RoleService, RoleViewer, RoleManager, RoleBuyer, RoleDealerFinance}

func roleUser(r Role) *User {
	u := &User{Username: "u-" + string(r), Kind: KindStaff, Roles: []Role{r}}
	if isDealerRole(r) {
		u.Kind, u.CustomerID = KindDealer, 7
	}
	return u
}

// checkMachine takes every action from every status as every role, and
// checks that exactly the expected ones succeed; a refused action changes
// nothing.
func checkMachine(t *testing.T, name string, m Machine, statuses []Status, cases []machineCase) {
	t.Helper()
	if len(m) != len(cases) {
		t.Fatalf("%s: machine has %d actions, table %d", name, len(m), len(cases))
	}
	now := time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC)
	for _, c := range cases {
		for _, st := range statuses {
			for _, r := range allRoles {
				d := &Doc{Status: st, Trail: []AuditEntry{{Action: "create"}}}
				err := m.Apply(d, c.action, roleUser(r), "a reason", now)
				want := slices.Contains(c.from, st) && slices.Contains(c.roles, r)
				switch {
				case want && err != nil:
					t.Errorf("%s: %s from %s as %s refused: %v", name, c.action, st, r, err)
				case want && (d.Status != c.to || len(d.Trail) != 2 || d.Trail[1].By != "u-"+string(r) || d.Trail[1].From != st):
					t.Errorf("%s: %s from %s as %s: status %s trail %+v", name, c.action, st, r, d.Status, d.Trail)
				case !want && err == nil:
					t.Errorf("%s: %s from %s as %s allowed", name, c.action, st, r)
				case !want && !errors.Is(err, ErrNotAllowed):
					t.Errorf("%s: %s from %s as %s: %v, want not allowed", name, c.action, st, r, err)
				case !want && (d.Status != st || len(d.Trail) != 1):
					t.Errorf("%s: refused %s from %s as %s changed the document", name, c.action, st, r)
				}
				// Allowed lists the same.
				if got := slices.Contains(m.Allowed(st, roleUser(r)), c.action); got != want {
					t.Errorf("%s: Allowed(%s, %s) has %s = %v", name, st, r, c.action, got)
				}
			}
		}
	}
	// An unknown action and a disabled user are refused.
	d := &Doc{Status: statuses[0]}
	if err := m.Apply(d, "fly", roleUser(RoleAdmin), "x", now); err == nil {
		t.Errorf("%s: unknown action allowed", name)
	}
	u := roleUser(RoleAdmin)
	u.Disabled = true
	for _, c := range cases {
		d := &Doc{Status: c.from[0]}
		if err := m.Apply(d, c.action, u, "a reason", now); !errors.Is(err, ErrNotAllowed) {
			t.Errorf("%s: disabled admin %s: %v", name, c.action, err)
		}
	}
}

func TestOpportunityMachine(t *testing.T) {
	staff := []Role{RoleAdmin, RoleSales}
	checkMachine(t, "opportunity", OpportunityMachine,
		[]Status{StatusDraft, StatusSubmitted, StatusAccepted, StatusRejected, StatusNeedsInfo, StatusWon, StatusLost, StatusExpired},
		[]machineCase{
			{"submit", []Status{StatusDraft, StatusNeedsInfo}, StatusSubmitted, []Role{RoleAdmin, RoleSales, RoleManager, RoleBuyer}},
			{"accept", []Status{StatusSubmitted}, StatusAccepted, staff},
			{"reject", []Status{StatusSubmitted}, StatusRejected, staff},
			{"need_info", []Status{StatusSubmitted}, StatusNeedsInfo, staff},
			{"win", []Status{StatusAccepted}, StatusWon, staff},
			{"lose", []Status{StatusAccepted}, StatusLost, staff},
			{"expire", []Status{StatusAccepted, StatusNeedsInfo}, StatusExpired, staff},
		})
	// Reject and need_info need a reason (the comments).
	for _, a := range []string{"reject", "need_info"} {
		d := &Doc{Status: StatusSubmitted}
		var ve *ValidationError
		if err := OpportunityMachine.Apply(d, a, roleUser(RoleSales), " ", shipNow); !errors.As(err, &ve) || d.Status != StatusSubmitted {
			t.Errorf("%s without reason: %v", a, err)
		}
	}
}

func TestComplaintMachine(t *testing.T) {
	service := []Role{RoleAdmin, RoleService}
	checkMachine(t, "complaint", ComplaintMachine,
		[]Status{StatusDraft, StatusSubmitted, StatusAudited, StatusHandled, StatusClosed},
		[]machineCase{
			{"submit", []Status{StatusDraft}, StatusSubmitted, []Role{RoleAdmin, RoleService, RoleManager, RoleBuyer}},
			{"audit", []Status{StatusSubmitted}, StatusAudited, service},
			{"handle", []Status{StatusAudited, StatusHandled}, StatusHandled, service},
			{"close", []Status{StatusSubmitted, StatusAudited, StatusHandled}, StatusClosed, service},
			{"reopen", []Status{StatusClosed}, StatusAudited, []Role{RoleAdmin, RoleService, RoleManager, RoleBuyer}},
		})
}

func TestServiceRequestMachine(t *testing.T) {
	service := []Role{RoleAdmin, RoleService}
	checkMachine(t, "service request", ServiceRequestMachine,
		[]Status{StatusNew, StatusInProgress, StatusResolved, StatusClosed},
		[]machineCase{
			{"start", []Status{StatusNew}, StatusInProgress, service},
			{"resolve", []Status{StatusInProgress}, StatusResolved, service},
			{"close", []Status{StatusNew, StatusResolved}, StatusClosed, []Role{RoleAdmin, RoleService, RoleManager, RoleBuyer}},
			{"reopen", []Status{StatusResolved}, StatusInProgress, []Role{RoleManager, RoleBuyer}},
		})
}

func TestChannelPermissions(t *testing.T) {
	cases := []struct {
		role Role
		perm Perm
		want bool
	}{
		{RoleManager, PermChannel, true}, {RoleBuyer, PermChannel, true}, {RoleDealerFinance, PermChannel, false},
		{RoleAdmin, PermChannel, false}, {RoleViewer, PermViewChannel, true}, {RoleManager, PermViewChannel, false},
		{RoleService, PermManageService, true}, {RoleSales, PermManageService, false},
		{RoleSales, PermManageOpportunities, true}, {RoleService, PermManageOpportunities, false},
		{RoleSales, PermManageStocktakes, true}, {RoleViewer, PermManageStocktakes, false}, {RoleBuyer, PermManageStocktakes, false},
		{RoleViewer, PermFileOpportunity, false}, {RoleFinance, PermFileService, false},
	}
	for _, c := range cases {
		if got := roleUser(c.role).Can(c.perm); got != c.want {
			t.Errorf("%s can %s = %v", c.role, c.perm, got)
		}
	}
}

func TestNormalizeClient(t *testing.T) {
	same := [][]string{
		{"上海明达机械有限公司", " 上海明达机械 ", "上海明达机械（有限公司）", "上海明达机械股份有限公司", "上海明达机械集团有限公司"},
		{"ACME Co., Ltd.", "acme", "ＡＣＭＥ　Ｃｏ．，Ｌｔｄ．", "Acme Limited", "ACME Corp.", "acme inc", "ACME GmbH"},
		{"宁波 港城-电气", "宁波港城电气", "宁波港城电气公司"},
	}
	for _, group := range same {
		want := NormalizeClient(group[0])
		if want == "" {
			t.Fatalf("%q normalises to nothing", group[0])
		}
		for _, s := range group[1:] {
			if got := NormalizeClient(s); got != want {
				t.Errorf("NormalizeClient(%q) = %q, want %q (as %q)", s, got, want, group[0])
			}
		}
	}
	different := [][2]string{{"上海明达机械", "上海明达电气"}, {"ACME", "ACNE"}, {"杭州明达", "上海明达"}}
	for _, d := range different {
		if NormalizeClient(d[0]) == NormalizeClient(d[1]) {
			t.Errorf("%q and %q collide", d[0], d[1])
		}
	}
	// A name that is only a suffix keeps it (never an empty key for a real name).
	if NormalizeClient("有限公司") == "" || NormalizeClient("Co") != "co" || NormalizeClient(" ,. ") != "" {
		t.Errorf("edge cases: %q %q %q", NormalizeClient("有限公司"), NormalizeClient("Co"), NormalizeClient(" ,. "))
	}
}

func TestCheckEvaluation(t *testing.T) {
	day := "2026-03-15"
	cases := []struct {
		action, end, comments string
		prob                  int
		bad                   string // field with an error, "" for none
	}{
		{"accept", "2026-06-30", "", 60, ""},
		{"accept", "2026-03-15", "", 0, ""},
		{"accept", "2026/6/30", "", 100, ""},
		{"accept", "", "", 50, "protection_end"},
		{"accept", "2026-03-14", "", 50, "protection_end"},
		{"accept", "2030-01-01", "", 50, "protection_end"},
		{"accept", "junk", "", 50, "protection_end"},
		{"accept", "2026-06-30", "", 101, "win_probability"},
		{"accept", "2026-06-30", "", -1, "win_probability"},
		{"reject", "", "与已有报备重复", 0, ""},
		{"reject", "2026-06-30", "", 0, "comments"},
		{"need_info", "", "请补充项目预算", 20, ""},
		{"need_info", "", " ", 20, "comments"},
		{"win", "", "", 0, "verdict"},
	}
	for _, c := range cases {
		e := &Evaluation{ProtectionEnd: c.end, Comments: c.comments, WinProbability: c.prob}
		err := CheckEvaluation(c.action, e, day)
		var ve *ValidationError
		switch {
		case c.bad == "" && err != nil:
			t.Errorf("%+v: %v", c, err)
		case c.bad != "" && (!errors.As(err, &ve) || !ve.Has(c.bad)):
			t.Errorf("%+v: %v, want an error on %s", c, err, c.bad)
		}
		if c.bad == "" && c.action == "accept" && (e.Verdict != VerdictAccepted || len(e.ProtectionEnd) != 10) {
			t.Errorf("%+v: %+v", c, e)
		}
		if c.bad == "" && c.action != "accept" && e.ProtectionEnd != "" {
			t.Errorf("%s keeps a protection end", c.action)
		}
	}
}

func TestProtection(t *testing.T) {
	o := &Opportunity{Doc: Doc{Status: StatusAccepted}, Evaluation: &Evaluation{Verdict: VerdictAccepted, ProtectionEnd: "2026-03-31"}}
	cases := []struct {
		status     Status
		day        string
		protected  bool
		ended      bool
		noEndDate  bool
		notAccepts bool
	}{
		{StatusAccepted, "2026-03-15", true, false, false, false},
		{StatusAccepted, "2026-03-31", true, false, false, false}, // the last day is inside
		{StatusAccepted, "2026-04-01", false, true, false, false}, // ends by itself
		{StatusWon, "2026-03-20", true, false, false, false},
		{StatusLost, "2026-03-20", false, false, false, false},
		{StatusExpired, "2026-03-20", false, false, false, false},
		{StatusSubmitted, "2026-03-20", false, false, false, false},
		{StatusAccepted, "2026-03-20", false, false, true, false},
	}
	for _, c := range cases {
		o.Status = c.status
		o.Evaluation.ProtectionEnd = "2026-03-31"
		if c.noEndDate {
			o.Evaluation.ProtectionEnd = ""
		}
		if got := o.ProtectedOn(c.day); got != c.protected {
			t.Errorf("%+v: protected %v", c, got)
		}
		if got := o.ProtectionEnded(c.day); got != c.ended {
			t.Errorf("%+v: ended %v", c, got)
		}
	}
}

func TestOpportunityValidate(t *testing.T) {
	o := &Opportunity{Project: " 二期产线 ", EndClient: "上海明达机械有限公司", Stage: "proposal", ExpectedClose: "2026/9/1",
		Lines: []InterestLine{{ProductRef: ProductRef{ProductID: 1}, Qty: 2500, Price: 100000}}}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if o.Project != "二期产线" || o.ExpectedClose != "2026-09-01" || o.ClientKey != NormalizeClient("上海明达机械") || o.Lines[0].Amount != 250000 || o.Lines[0].No != 1 {
		t.Errorf("%+v", o)
	}
	bad := &Opportunity{Stage: "dreaming", ExpectedClose: "soon", ExpectedAmount: -1, Lines: []InterestLine{{Qty: 0}}}
	err := bad.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatal(err)
	}
	for _, f := range []string{"project", "end_client", "stage", "expected_close", "expected_amount", "lines"} {
		if !ve.Has(f) {
			t.Errorf("no error on %s: %v", f, err)
		}
	}
}

func TestComplaintNoticeHasNoComplainant(t *testing.T) {
	c := &Complaint{ID: 9, CustomerID: 1, AccusedName: "某五金店", Territory: "苏州", PlaceFound: "苏州工业园区某店",
		Description: "我司（客户C0001）发现……", Product: ProductRef{Code: "P-1001", Name: "伺服电机"}, Qty: 3000,
		Doc: Doc{Number: "CP-2026-000009", Status: StatusAudited, Trail: []AuditEntry{{By: "c0001.manager"}}}}
	if _, ok := c.Notice(); ok {
		t.Fatal("notice before handling")
	}
	c.Handling = &ComplaintHandling{ResponsibleID: 2, Resolution: "限期召回", Penalty: 500000, At: "2026-03-15"}
	c.Status = StatusHandled
	n, ok := c.Notice()
	if !ok || n.Resolution != "限期召回" || n.Product != "P-1001 伺服电机" || n.Penalty != 500000 {
		t.Fatalf("%+v %v", n, ok)
	}
	// The notice type has no field that could carry the complainant.
	for _, s := range []string{n.Territory, n.Product, n.PlaceFound, n.Resolution, n.TraceCodes} {
		if s == c.Description || s == c.Trail[0].By {
			t.Errorf("notice carries %q", s)
		}
	}
	c.Handling.ResponsibleID = 0
	if _, ok := c.Notice(); ok {
		t.Error("notice without a responsible dealer")
	}
}

func TestStocktakeValidate(t *testing.T) {
	day := "2026-03-15"
	s := &Stocktake{Date: "2026/3/1", Lines: []StocktakeLine{{ProductRef: ProductRef{ProductID: 1}, Qty: 0}, {ProductRef: ProductRef{ProductID: 2}, Qty: 5000}}}
	if err := s.Validate(day); err != nil || s.Date != "2026-03-01" || s.TotalQty() != 5000 || s.Lines[1].No != 2 {
		t.Fatalf("%v %+v", err, s)
	}
	for name, st := range map[string]*Stocktake{
		"date":   {Date: "2026-03-16", Lines: s.Lines},
		"nodate": {Lines: s.Lines},
		"none":   {Date: day},
		"neg":    {Date: day, Lines: []StocktakeLine{{ProductRef: ProductRef{ProductID: 1}, Qty: -1}}},
		"dup":    {Date: day, Lines: []StocktakeLine{{ProductRef: ProductRef{ProductID: 1}}, {ProductRef: ProductRef{ProductID: 1}}}},
	} {
		if err := st.Validate(day); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
