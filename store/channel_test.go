package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"dealerportal/model"
)

// channelFixture adds, to the shared fixture: a dealer of C002, a service
// staff member (HQ scope), and a catalog where P1 is published to C001 only,
// P2 to the NORTH org unit (C001, C002, C003) and P3 to nobody.
type channelFixture struct {
	*fixture
	d2      *model.User
	service *model.User
	prods   []*model.Product
}

func newChannelFixture(t *testing.T) *channelFixture {
	t.Helper()
	f := &channelFixture{fixture: newFixture(t)}
	cat, prods := catalogFixture(t, f.fixture)
	f.prods = prods
	update(t, f.s, func(tx *Tx) error {
		for i, tg := range []model.Target{{Kind: model.TargetCustomer, ID: f.c1.ID}, {Kind: model.TargetOrg, ID: f.north}} {
			e := &model.CatalogEntry{ProductID: prods[i].ID, CategoryID: cat, Targets: []model.Target{tg}}
			if err := tx.SaveCatalogEntryQuiet(AdminScope(), e); err != nil {
				return err
			}
			if err := tx.AuditCatalogQuiet(e.ID, f.admin); err != nil {
				return err
			}
		}
		f.d2 = &model.User{Username: "c002.buyer", Name: "c002.buyer", Kind: model.KindDealer, Roles: []model.Role{model.RoleBuyer}, CustomerID: f.c2.ID}
		if err := tx.SaveUser(AdminScope(), f.d2); err != nil {
			return err
		}
		f.service = &model.User{Username: "svc", Name: "服务专员", Kind: model.KindStaff, Roles: []model.Role{model.RoleService},
			OrgUnitID: f.hq, ScopeMode: model.ScopeOrg, ScopeOrgs: []uint64{f.hq}}
		return tx.SaveUser(AdminScope(), f.service)
	})
	return f
}

func (f *channelFixture) ref(t *testing.T, sc Scope, cust uint64, code string, catalogOnly bool) model.ProductRef {
	t.Helper()
	var ref model.ProductRef
	view(t, f.s, func(tx *Tx) error {
		var err error
		ref, err = tx.ChannelProduct(sc, cust, code, catalogOnly)
		return err
	})
	return ref
}

func events(t *testing.T, s *Store, e model.Event) []*model.OutboxMessage {
	var out []*model.OutboxMessage
	view(t, s, func(tx *Tx) error {
		msgs, _ := tx.PendingOutbox(10000)
		for _, m := range msgs {
			if m.Event == e {
				out = append(out, m)
			}
		}
		return nil
	})
	return out
}

func TestChannelProductChoice(t *testing.T) {
	f := newChannelFixture(t)
	cases := []struct {
		sc          Scope
		cust        uint64
		code        string
		catalogOnly bool
		ok          bool
	}{
		{CustomerScope(f.c1.ID), f.c1.ID, "P1", false, true},
		{CustomerScope(f.c1.ID), f.c1.ID, "p2", false, true},
		{CustomerScope(f.c1.ID), f.c1.ID, "P3", false, false}, // not in the catalog
		{CustomerScope(f.c1.ID), f.c1.ID, "NOPE", false, false},
		{CustomerScope(f.c2.ID), f.c2.ID, "P1", false, false}, // published to C001 only
		{CustomerScope(f.c2.ID), f.c1.ID, "P1", false, false}, // another customer's document
		{f.scope(f.northLead), f.c2.ID, "P3", false, true},    // staff: any active product
		{f.scope(f.northLead), f.c2.ID, "P3", true, false},    // … except for stocktakes
		{f.scope(f.northLead), f.c2.ID, "P2", true, true},
		{f.scope(f.northLead), f.c4.ID, "P2", false, false}, // C004 is outside NORTH
	}
	for i, c := range cases {
		var err error
		view(t, f.s, func(tx *Tx) error { _, err = tx.ChannelProduct(c.sc, c.cust, c.code, c.catalogOnly); return nil })
		if (err == nil) != c.ok {
			t.Errorf("case %d (%s): %v", i, c.code, err)
		}
	}
}

func TestOpportunityCollision(t *testing.T) {
	f := newChannelFixture(t)
	sc1, sc2, staff := CustomerScope(f.c1.ID), CustomerScope(f.c2.ID), f.scope(f.northLead)
	p2 := f.ref(t, sc1, f.c1.ID, "P2", false)
	newOpp := func(sc Scope, u *model.User, cust uint64, client string) *model.Opportunity {
		o := &model.Opportunity{CustomerID: cust, Project: "产线改造", EndClient: client, Stage: "lead",
			Lines: []model.InterestLine{{ProductRef: p2, Qty: 5000, Price: 100000}}}
		update(t, f.s, func(tx *Tx) error { return tx.SaveOpportunity(sc, u, o) })
		return o
	}
	act := func(sc Scope, u *model.User, o *model.Opportunity, action string, e *model.Evaluation) error {
		return f.s.Update(u.Username, func(tx *Tx) error {
			got, err := tx.ActOnOpportunity(sc, u, o.ID, o.Version, action, e)
			if err == nil {
				*o = *got
			}
			return err
		})
	}
	a := newOpp(sc1, f.d1a, f.c1.ID, "上海明达机械有限公司")
	if a.Number != "OP-2026-000001" || a.Status != model.StatusDraft || a.ReportDate != "2026-03-15" || a.Lines[0].Amount != 500000 {
		t.Fatalf("%+v", a)
	}
	// A dealer cannot pick a product outside its catalog, even by id.
	bad := &model.Opportunity{CustomerID: f.c2.ID, Project: "x", EndClient: "y", Stage: "lead",
		Lines: []model.InterestLine{{ProductRef: f.ref(t, sc1, f.c1.ID, "P1", false), Qty: 1000}}}
	if err := f.s.Update("t", func(tx *Tx) error { return tx.SaveOpportunity(sc2, f.d2, bad) }); err == nil {
		t.Fatal("C002 chose P1")
	}
	if err := act(sc1, f.d1a, a, "submit", nil); err != nil || a.Collided {
		t.Fatalf("submit: %v %v", err, a.Collided)
	}
	// The dealer cannot evaluate its own report.
	if err := act(sc1, f.d1a, a, "accept", &model.Evaluation{ProtectionEnd: "2026-04-30"}); !errors.Is(err, model.ErrNotAllowed) {
		t.Fatalf("dealer accepts: %v", err)
	}
	if err := act(staff, f.northLead, a, "accept", &model.Evaluation{ProtectionEnd: "2026-04-30", WinProbability: 70, Comments: "OK"}); err != nil {
		t.Fatal(err)
	}
	if a.Status != model.StatusAccepted || a.Evaluation.By != "north.lead" || !a.ProtectedOn("2026-04-30") {
		t.Fatalf("%+v %+v", a, a.Evaluation)
	}
	if ev := events(t, f.s, model.EventOpportunityEvaluated); len(ev) != 1 || ev[0].CustomerID != f.c1.ID || ev[0].Params["protection_end"] != "2026-04-30" || ev[0].Params["verdict_en"] != "accepted" {
		t.Fatalf("events %+v", ev)
	}
	// A second dealer registers the same end client, written differently.
	b := newOpp(sc2, f.d2, f.c2.ID, " 上海明达机械 ")
	if err := act(sc2, f.d2, b, "submit", nil); err != nil || !b.Collided {
		t.Fatalf("collision not flagged: %v %v", err, b.Collided)
	}
	var m *ClientMatch
	view(t, f.s, func(tx *Tx) error { m, _ = tx.Collision(b, "2026-03-15"); return nil })
	if m == nil || m.ID != a.ID || m.ProtectionEnd != "2026-04-30" {
		t.Fatalf("collision %+v", m)
	}
	// Staff who see only C002 learn that a protection exists, not whose.
	view(t, f.s, func(tx *Tx) error {
		ms, _ := tx.SameClient(CustomerScope(f.c2.ID), b, "2026-03-15")
		if len(ms) != 1 || ms[0].Visible || !ms[0].Protecting {
			t.Errorf("same client for C002's eyes: %+v", ms)
		}
		return nil
	})
	// Accepting the second registration is refused while the first protects.
	err := act(staff, f.northLead, b, "accept", &model.Evaluation{ProtectionEnd: "2026-05-31"})
	var ve *model.ValidationError
	if !errors.As(err, &ve) || ve.Fields[0].Key != "err.opp_collision" {
		t.Fatalf("accept during protection: %v", err)
	}
	// The same dealer registering the client again is no collision.
	c := newOpp(sc1, f.d1b, f.c1.ID, "上海明达机械")
	if err := act(sc1, f.d1b, c, "submit", nil); err != nil || c.Collided {
		t.Fatalf("own second registration: %v %v", err, c.Collided)
	}
	// Protection ends by itself after its last day (in Shanghai time).
	f.s.SetClock(func() time.Time { return time.Date(2026, 4, 30, 15, 59, 0, 0, time.UTC) }) // 23:59 on the 30th
	view(t, f.s, func(tx *Tx) error {
		if m, _ := tx.Collision(b, tx.Today()); m == nil {
			t.Error("protection ended a minute early")
		}
		return nil
	})
	f.s.SetClock(func() time.Time { return time.Date(2026, 4, 30, 16, 0, 0, 0, time.UTC) }) // 00:00 on May 1st
	view(t, f.s, func(tx *Tx) error {
		if m, _ := tx.Collision(b, tx.Today()); m != nil {
			t.Errorf("protection still active on %s", tx.Today())
		}
		return nil
	})
	if err := act(staff, f.northLead, b, "accept", &model.Evaluation{ProtectionEnd: "2026-05-31"}); err != nil {
		t.Fatalf("accept after the protection ended: %v", err)
	}
	// Stale versions are refused.
	stale := *a
	stale.Version--
	if err := act(staff, f.northLead, &stale, "win", nil); err == nil {
		t.Fatal("stale version accepted")
	}
	// Need info sends it back to the dealer, who edits and submits again.
	if err := act(staff, f.northLead, c, "need_info", &model.Evaluation{Comments: "请补充预算"}); err != nil || c.Status != model.StatusNeedsInfo {
		t.Fatalf("need info: %v %s", err, c.Status)
	}
	c.Description = "预算 200 万"
	if err := f.s.Update("t", func(tx *Tx) error { return tx.SaveOpportunity(sc1, f.d1b, c) }); err != nil {
		t.Fatalf("edit after need info: %v", err)
	}
	if err := act(sc1, f.d1b, c, "submit", nil); err != nil || c.Status != model.StatusSubmitted {
		t.Fatalf("resubmit: %v %s", err, c.Status)
	}
	// Drafts only are deleted; others' are 404.
	d := newOpp(sc1, f.d1a, f.c1.ID, "某客户")
	if err := f.s.RemoveOpportunity(Actor{User: f.d2, Scope: sc2}, d.ID, d.Version); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("C002 deletes C001's draft: %v", err)
	}
	if err := f.s.RemoveOpportunity(Actor{User: f.d1a, Scope: sc1}, a.ID, a.Version); err == nil {
		t.Fatal("deleted an accepted opportunity")
	}
	if err := f.s.RemoveOpportunity(Actor{User: f.d1a, Scope: sc1}, d.ID, d.Version); err != nil {
		t.Fatal(err)
	}
}

func TestComplaintAccusedNeverSeesComplainant(t *testing.T) {
	f := newChannelFixture(t)
	sc1, sc2, svc := CustomerScope(f.c1.ID), CustomerScope(f.c2.ID), f.scope(f.service)
	c := &model.Complaint{CustomerID: f.c1.ID, AccusedName: "alpha Beijing 的下游", Territory: "北京朝阳", PlaceFound: "朝阳区某五金店",
		Product: f.ref(t, sc1, f.c1.ID, "P2", false), TraceCodes: "B2026-001", Qty: 20000, PriceSeen: 99000, DateFound: "2026-03-10",
		Description: "Delta 北京贸易发现低价串货"}
	update(t, f.s, func(tx *Tx) error { return tx.SaveComplaint(sc1, f.d1a, c) })
	var att uint64
	update(t, f.s, func(tx *Tx) error {
		a := &model.Attachment{CustomerID: f.c1.ID, OwnerType: OwnerComplaint, OwnerID: c.ID, Name: "photo.png", ContentType: "image/png"}
		err := tx.AddAttachment(a, []byte("\x89PNG"))
		att = a.ID
		return err
	})
	act := func(sc Scope, u *model.User, action string, in ComplaintAction) error {
		return f.s.Update(u.Username, func(tx *Tx) error {
			got, err := tx.ActOnComplaint(sc, u, c.ID, c.Version, action, in)
			if err == nil {
				c = got
			}
			return err
		})
	}
	for _, step := range []struct {
		sc     Scope
		u      *model.User
		action string
		in     ComplaintAction
		ok     bool
	}{
		{sc1, f.d1a, "audit", ComplaintAction{}, false}, // dealers do not audit
		{sc1, f.d1a, "handle", ComplaintAction{}, false},
		{sc1, f.d1a, "submit", ComplaintAction{}, true},
		{svc, f.service, "handle", ComplaintAction{Handling: &model.ComplaintHandling{Resolution: "x"}}, false}, // not audited yet
		{svc, f.service, "audit", ComplaintAction{Accused: f.c2.ID}, true},
		{svc, f.service, "handle", ComplaintAction{Handling: &model.ComplaintHandling{ResponsibleID: f.c1.ID, Resolution: "x"}}, false}, // not the complainant
		{svc, f.service, "handle", ComplaintAction{Handling: &model.ComplaintHandling{ResponsibleID: f.c2.ID}}, false},                  // no resolution
		{svc, f.service, "handle", ComplaintAction{Handling: &model.ComplaintHandling{ResponsibleID: f.c2.ID, Findings: "经查属实",
			Penalty: 500000, Compensation: 200000, RecallDeadline: "2026-03-31", Resolution: "限期 3 月 31 日前召回，罚款 5000 元"}}, true},
	} {
		if err := act(step.sc, step.u, step.action, step.in); (err == nil) != step.ok {
			t.Fatalf("%s by %s: %v", step.action, step.u.Username, err)
		}
	}
	if c.Status != model.StatusHandled || c.AccusedID != f.c2.ID || c.Handling.By != "svc" {
		t.Fatalf("%+v", c)
	}
	// The accused's scope reaches neither the complaint nor its evidence.
	view(t, f.s, func(tx *Tx) error {
		if _, err := tx.Complaint(sc2, c.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("accused reads the complaint: %v", err)
		}
		if _, _, err := tx.Attachment(sc2, att); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("accused reads the evidence: %v", err)
		}
		if _, _, err := tx.Attachment(sc1, att); err != nil {
			t.Errorf("complainant reads its evidence: %v", err)
		}
		if _, _, err := tx.Attachment(svc, att); err != nil {
			t.Errorf("service reads the evidence: %v", err)
		}
		rows, _, _ := tx.ListDocs(sc2, model.DocComplaint, DocFilter{}, Page{})
		if len(rows) != 0 {
			t.Errorf("accused lists %d complaints", len(rows))
		}
		// … only the notice, which has no field for the complainant.
		n, err := tx.ComplaintNotice(sc2, c.ID)
		if err != nil || n.Penalty != 500000 || n.RecallDeadline != "2026-03-31" {
			t.Fatalf("notice: %v %+v", err, n)
		}
		if s := fmt.Sprintf("%+v", *n); strings.Contains(s, "Delta") || strings.Contains(s, "C001") || strings.Contains(s, "c001") || strings.Contains(s, "经查属实") {
			t.Errorf("notice leaks: %s", s)
		}
		list, total, _ := tx.ListComplaintNotices(sc2, Page{Limit: 10})
		if total != 1 || len(list) != 1 || list[0].ID != c.ID {
			t.Errorf("notices %d %v", total, list)
		}
		// Nobody else gets the notice.
		if _, err := tx.ComplaintNotice(sc1, c.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("complainant reads the notice: %v", err)
		}
		if _, err := tx.ComplaintNotice(CustomerScope(f.c3.ID), c.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("C003 reads the notice: %v", err)
		}
		return nil
	})
	// Messages: the complainant hears of every change; the responsible dealer
	// gets one message, which carries nothing of the complainant.
	msgs := events(t, f.s, model.EventComplaintStatus)
	var toAccused []*model.OutboxMessage
	for _, m := range msgs {
		if m.CustomerID == f.c2.ID {
			toAccused = append(toAccused, m)
		} else if m.CustomerID != f.c1.ID {
			t.Errorf("message to customer %d", m.CustomerID)
		}
	}
	if len(msgs) != 4 || len(toAccused) != 1 {
		t.Fatalf("%d messages, %d to the accused", len(msgs), len(toAccused))
	}
	m := toAccused[0]
	if m.DocID != 0 || !strings.HasPrefix(m.Params["link"], "/complaint-notices/") {
		t.Errorf("accused message points at the complaint: %+v", m)
	}
	for k, v := range m.Params {
		if strings.Contains(v, "Delta") || strings.Contains(v, "C001") || strings.Contains(v, "经查") {
			t.Errorf("accused message param %s leaks: %q", k, v)
		}
	}
	// Close, then the complainant reopens: back to handling, the notice
	// disappears until it is handled again.
	if err := act(svc, f.service, "close", ComplaintAction{}); err != nil {
		t.Fatal(err)
	}
	if err := act(sc1, f.d1b, "reopen", ComplaintAction{Reason: "未见召回"}); err != nil || c.Status != model.StatusAudited {
		t.Fatalf("reopen: %v %s", err, c.Status)
	}
	view(t, f.s, func(tx *Tx) error {
		if _, err := tx.ComplaintNotice(sc2, c.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("notice of a reopened complaint: %v", err)
		}
		return nil
	})
}

func TestServiceRequestFlow(t *testing.T) {
	f := newChannelFixture(t)
	sc1, svc := CustomerScope(f.c1.ID), f.scope(f.service)
	r := &model.ServiceRequest{CustomerID: f.c1.ID, Contact: "李工", Product: f.ref(t, sc1, f.c1.ID, "P1", false), Serial: "SN001",
		ProblemType: "malfunction", Priority: "urgent", Description: "电机异响"}
	update(t, f.s, func(tx *Tx) error { return tx.SaveServiceRequest(sc1, f.d1a, r) })
	if r.Status != model.StatusNew || r.Number != "SR-2026-000001" {
		t.Fatalf("%+v", r)
	}
	act := func(sc Scope, u *model.User, action string, in ServiceAction) error {
		return f.s.Update(u.Username, func(tx *Tx) error {
			got, err := tx.ActOnServiceRequest(sc, u, r.ID, r.Version, action, in)
			if err == nil {
				r = got
			}
			return err
		})
	}
	steps := []struct {
		sc     Scope
		u      *model.User
		action string
		in     ServiceAction
		ok     bool
	}{
		{sc1, f.d1a, "start", ServiceAction{}, false},
		{svc, f.service, "start", ServiceAction{HandlerID: f.northLead.ID}, false}, // not a service handler
		{svc, f.service, "start", ServiceAction{Note: "已联系客户"}, true},
		{svc, f.service, "resolve", ServiceAction{}, false}, // no solution
		{svc, f.service, "resolve", ServiceAction{Solution: "更换轴承"}, true},
		{svc, f.service, "reopen", ServiceAction{Note: "仍有异响"}, false}, // reopen is the dealer's
		{sc1, f.d1a, "reopen", ServiceAction{}, false},                 // needs a reason
		{sc1, f.d1a, "reopen", ServiceAction{Note: "仍有异响"}, true},
		{svc, f.service, "resolve", ServiceAction{Solution: "更换电机"}, true},
		{sc1, f.d1a, "close", ServiceAction{}, true},
		{sc1, f.d1a, "reopen", ServiceAction{Note: "x1"}, false}, // closed is final
	}
	for i, s := range steps {
		if err := act(s.sc, s.u, s.action, s.in); (err == nil) != s.ok {
			t.Fatalf("step %d %s by %s: %v", i, s.action, s.u.Username, err)
		}
	}
	if r.Status != model.StatusClosed || r.HandlerName != "服务专员" || r.Solution != "更换电机" || len(r.Log) != 5 {
		t.Fatalf("%+v", r)
	}
	if r.Log[2].Action != "reopen" || r.Log[2].Note != "仍有异响" || r.Log[2].By != "c001.boss" {
		t.Errorf("log %+v", r.Log)
	}
	if n := len(events(t, f.s, model.EventServiceRequestStatus)); n != 5 {
		t.Errorf("%d status events", n)
	}
	if _, err := func() (*model.ServiceRequest, error) {
		var out *model.ServiceRequest
		err := f.s.Update("svc", func(tx *Tx) error {
			var err error
			out, err = tx.AddServiceLog(svc, f.service, r.ID, r.Version, "回访")
			return err
		})
		return out, err
	}(); err == nil {
		t.Error("log added to a closed request")
	}
}

func stocktake(cust uint64, date string, lines ...model.StocktakeLine) *model.Stocktake {
	return &model.Stocktake{CustomerID: cust, Date: date, Lines: lines}
}

func TestStocktakesOnePerDate(t *testing.T) {
	f := newChannelFixture(t)
	sc1 := CustomerScope(f.c1.ID)
	p1, p2 := f.ref(t, sc1, f.c1.ID, "P1", true), f.ref(t, sc1, f.c1.ID, "P2", true)
	first := stocktake(f.c1.ID, "2026-02-28", model.StocktakeLine{ProductRef: p1, Qty: 10000})
	update(t, f.s, func(tx *Tx) error { return tx.SaveStocktake(sc1, f.d1a, first, false) })
	if first.Number != "ST-2026-000001" || first.Status != model.StatusRecorded {
		t.Fatalf("%+v", first)
	}
	second := stocktake(f.c1.ID, "2026-02-28", model.StocktakeLine{ProductRef: p2, Qty: 5000})
	err := f.s.Update("t", func(tx *Tx) error { return tx.SaveStocktake(sc1, f.d1a, second, false) })
	var ex *StocktakeExistsError
	if !errors.As(err, &ex) || ex.Existing.ID != first.ID {
		t.Fatalf("second stocktake of the day: %v", err)
	}
	update(t, f.s, func(tx *Tx) error { return tx.SaveStocktake(sc1, f.d1a, second, true) })
	view(t, f.s, func(tx *Tx) error {
		got, err := tx.StocktakeOn(sc1, f.c1.ID, "2026-02-28")
		if err != nil || got.ID != first.ID || got.Number != first.Number || len(got.Lines) != 1 || got.Lines[0].ProductID != p2.ProductID || got.Trail[len(got.Trail)-1].Action != "replace" {
			t.Errorf("replaced: %v %+v", err, got)
		}
		if n := tx.CountDocs(sc1, model.DocStocktake); n != 1 {
			t.Errorf("%d stocktakes", n)
		}
		return nil
	})
	// Products outside the customer's catalog are refused, also for staff.
	p3 := f.ref(t, f.scope(f.admin), f.c1.ID, "P3", false)
	if err := f.s.Update("t", func(tx *Tx) error {
		return tx.SaveStocktake(AdminScope(), f.admin, stocktake(f.c1.ID, "2026-03-01", model.StocktakeLine{ProductRef: p3, Qty: 1}), false)
	}); err == nil {
		t.Fatal("unpublished product counted")
	}
	// Another dealer and a viewer may not write C001's stocktakes.
	if err := f.s.Update("t", func(tx *Tx) error {
		return tx.SaveStocktake(CustomerScope(f.c2.ID), f.d2, stocktake(f.c1.ID, "2026-03-01", model.StocktakeLine{ProductRef: p2, Qty: 1}), false)
	}); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("C002 writes C001's stocktake: %v", err)
	}
	update(t, f.s, func(tx *Tx) error {
		for _, d := range []string{"2026-01-31", "2026-03-10"} {
			if err := tx.SaveStocktake(sc1, f.d1a, stocktake(f.c1.ID, d, model.StocktakeLine{ProductRef: p1, Qty: 1000}), false); err != nil {
				return err
			}
		}
		return nil
	})
	// The latest on or before a date.
	for date, want := range map[string]string{"2026-01-30": "", "2026-01-31": "2026-01-31", "2026-02-27": "2026-01-31",
		"2026-02-28": "2026-02-28", "2026-03-09": "2026-02-28", "2026-12-31": "2026-03-10"} {
		view(t, f.s, func(tx *Tx) error {
			got, err := tx.StocktakeAtOrBefore(sc1, f.c1.ID, date)
			if want == "" && err == nil || want != "" && (err != nil || got.Date != want) {
				t.Errorf("at or before %s: %v %v", date, got, err)
			}
			if _, err := tx.StocktakeAtOrBefore(CustomerScope(f.c2.ID), f.c1.ID, date); err == nil {
				t.Errorf("C002 reads C001's stocktake")
			}
			return nil
		})
	}
	// A future date is refused.
	if err := f.s.Update("t", func(tx *Tx) error {
		return tx.SaveStocktake(sc1, f.d1a, stocktake(f.c1.ID, "2026-03-16", model.StocktakeLine{ProductRef: p1}), false)
	}); err == nil {
		t.Fatal("future stocktake accepted")
	}
}

func TestPlanStocktakeImport(t *testing.T) {
	f := newChannelFixture(t)
	sc1 := CustomerScope(f.c1.ID)
	table := [][]string{
		{"商品编码*", "数量*"},
		{"P1", "10"},
		{"p2", "1,000.5"},
		{"P3", "1"},      // not published to C001
		{"NOPE", "1"},    // unknown: the same reason
		{"P1", "2"},      // twice
		{"", ""},         // blank: skipped
		{"", "3"},        // no code
		{"P2", "-1"},     // negative
		{"P2", "abc"},    // not a number
		{"Ｐ２", "1.2345"}, // full width code, too many decimals
	}
	var p *StocktakePlan
	view(t, f.s, func(tx *Tx) error { p = tx.PlanStocktakeImport(sc1, f.c1.ID, table); return nil })
	if p.Total != 9 || len(p.Lines) != 2 || p.Rows[0] != 2 || p.Rows[1] != 3 || p.Lines[1].Qty != 1000500 {
		t.Fatalf("plan: total %d lines %+v rows %v", p.Total, p.Lines, p.Rows)
	}
	want := map[int]string{4: "err.stocktake_product_row", 5: "err.stocktake_product_row", 6: "err.duplicate_in_file",
		8: "err.required", 9: "err.not_negative", 10: "err.qty_invalid", 11: "err.qty_invalid"}
	got := map[int][]string{} // every reason of a row (rows 9–11 repeat P2 too)
	for _, e := range p.Errors {
		got[e.Row] = append(got[e.Row], e.Key)
	}
	for row, key := range want {
		if !slices.Contains(got[row], key) {
			t.Errorf("row %d: %q, want %q", row, got[row], key)
		}
	}
	if len(got) != len(want) || p.BadRows() != len(want) {
		t.Errorf("errors %v", got)
	}
	// A missing column or an empty file is a problem of the whole file.
	for _, tb := range [][][]string{{{"product_code"}, {"P1"}}, {{"product_code", "qty"}}, nil} {
		view(t, f.s, func(tx *Tx) error { p = tx.PlanStocktakeImport(sc1, f.c1.ID, tb); return nil })
		if len(p.Errors) == 0 || p.Errors[0].Row != 0 || len(p.Lines) != 0 {
			t.Errorf("%v: %+v", tb, p.Errors)
		}
	}
}

func FuzzPlanStocktakeImport(f *testing.F) {
	f.Add("product_code,qty\nP1,10\n", "")
	f.Add("商品编码,数量\nP2,1.5\nP1,-1\n,\n", "x")
	f.Add("qty\n1\n", "")
	s, err := Open(f.TempDir() + "/fuzz.db")
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	var cust uint64
	if err := s.Update("t", func(tx *Tx) error {
		o := &model.OrgUnit{Code: "HQ", Name: "HQ"}
		if err := tx.SaveOrgUnit(o); err != nil {
			return err
		}
		c := &model.Customer{Code: "F1", Name: "F1", OrgUnitID: o.ID, Status: model.CustomerActive}
		err := tx.SaveCustomer(AdminScope(), c)
		cust = c.ID
		return err
	}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var table [][]string
		for _, line := range strings.Split(a+"\n"+b, "\n") {
			table = append(table, strings.Split(line, ","))
		}
		_ = s.View(func(tx *Tx) error {
			p := tx.PlanStocktakeImport(CustomerScope(cust), cust, table)
			if len(p.Lines) != len(p.Rows) || len(p.Lines) > p.Total {
				t.Fatalf("lines %d rows %d total %d", len(p.Lines), len(p.Rows), p.Total)
			}
			for _, e := range p.Errors {
				if e.Row < 0 || e.Row > len(table) || e.Key == "" {
					t.Fatalf("bad error %+v", e)
				}
			}
			return nil
		})
	})
}

func TestChannelReport(t *testing.T) {
	f := newChannelFixture(t)
	sc1 := CustomerScope(f.c1.ID)
	p1, p2 := f.ref(t, sc1, f.c1.ID, "P1", true), f.ref(t, sc1, f.c1.ID, "P2", true)
	line := func(ref model.ProductRef, units int64) model.StocktakeLine {
		return model.StocktakeLine{ProductRef: ref, Qty: model.Qty(units * model.QtyScale)}
	}
	outbound := func(cust uint64, date string, red bool, qty map[model.ProductRef]int64) {
		o := &model.Outbound{CustomerID: cust, PostDate: date, Red: red, Doc: model.Doc{Status: model.StatusAudited}}
		for ref, units := range qty {
			o.Lines = append(o.Lines, model.OrderLine{ProductID: ref.ProductID, Code: ref.Code, Name: ref.Name, Qty: model.Qty(units * model.QtyScale)})
		}
		update(t, f.s, func(tx *Tx) error { return tx.InsertDoc(AdminScope(), model.DocOutbound, o) })
	}
	report := func(sc Scope, cust uint64, from, to string) *ChannelReport {
		var r *ChannelReport
		view(t, f.s, func(tx *Tx) error {
			var err error
			r, err = tx.ChannelReport(sc, cust, from, to)
			return err
		})
		return r
	}
	// Nothing yet: both stocktakes missing, flagged, nothing silently zero.
	r := report(sc1, f.c1.ID, "2026-02-01", "2026-02-28")
	if r.Opening != nil || r.Closing != nil || r.Total.Known || r.Total.Flags&(model.FlagNoOpening|model.FlagNoClosing) == 0 || r.HasData() {
		t.Fatalf("empty report: %+v", r)
	}
	update(t, f.s, func(tx *Tx) error {
		if err := tx.SaveStocktake(sc1, f.d1a, stocktake(f.c1.ID, "2026-01-31", line(p1, 100), line(p2, 10)), false); err != nil {
			return err
		}
		return tx.SaveStocktake(sc1, f.d1a, stocktake(f.c1.ID, "2026-02-28", line(p1, 30), line(p2, 40)), false)
	})
	outbound(f.c1.ID, "2026-01-31", false, map[model.ProductRef]int64{p1: 999}) // inside the opening count: not received
	outbound(f.c1.ID, "2026-02-01", false, map[model.ProductRef]int64{p1: 60, p2: 20})
	outbound(f.c1.ID, "2026-02-15", true, map[model.ProductRef]int64{p1: -10})   // red, stored negative
	outbound(f.c1.ID, "2026-02-20", true, map[model.ProductRef]int64{p2: 5})     // red, stored positive
	outbound(f.c1.ID, "2026-02-28", false, map[model.ProductRef]int64{p2: 25})   // the closing day counts
	outbound(f.c1.ID, "2026-03-01", false, map[model.ProductRef]int64{p1: 500})  // after the period
	outbound(f.c2.ID, "2026-02-10", false, map[model.ProductRef]int64{p2: 1000}) // another customer
	r = report(sc1, f.c1.ID, "2026-02-01", "2026-02-28")
	if r.Opening == nil || r.Opening.Date != "2026-01-31" || r.Closing == nil || r.Closing.Date != "2026-02-28" || r.Days != 28 || r.Outbounds != 4 {
		t.Fatalf("report header: %+v %+v %+v", r, r.Opening, r.Closing)
	}
	if len(r.Rows) != 2 {
		t.Fatalf("rows %+v", r.Rows)
	}
	// P1: 100 + (60 − 10) − 30 = 120 sold of 150: 80 %, 30 ÷ (120/28) = 7.0 days.
	a := r.Rows[0]
	if a.Code != "P1" || a.Received != model.Qty(50_000) || a.Sold != model.Qty(120_000) || model.FormatRate(a.RateBP) != "80.0%" || model.FormatTenths(a.DaysTenths) != "7.0" || a.Flags != 0 {
		t.Errorf("P1 %+v", a)
	}
	// P2: 10 + (20 − 5 + 25) − 40 = 10 sold of 50: 20 %, 40 ÷ (10/28) = 112 days.
	b := r.Rows[1]
	if b.Received != model.Qty(40_000) || b.Sold != model.Qty(10_000) || model.FormatRate(b.RateBP) != "20.0%" || model.FormatTenths(b.DaysTenths) != "112.0" {
		t.Errorf("P2 %+v", b)
	}
	if r.Total.Sold != model.Qty(130_000) || r.Total.Opening != model.Qty(110_000) || model.FormatRate(r.Total.RateBP) != "65.0%" {
		t.Errorf("total %+v", r.Total)
	}
	// A period whose closing count is the opening one: closing missing.
	r = report(sc1, f.c1.ID, "2026-03-01", "2026-03-10")
	if r.Opening == nil || r.Closing != nil || r.Total.Flags&model.FlagNoClosing == 0 || r.Rows[0].Known {
		t.Errorf("no closing: %+v", r)
	}
	// Negative sold: a closing count above opening + received.
	update(t, f.s, func(tx *Tx) error {
		return tx.SaveStocktake(sc1, f.d1a, stocktake(f.c1.ID, "2026-03-10", line(p1, 700), line(p2, 40)), false)
	})
	r = report(sc1, f.c1.ID, "2026-03-01", "2026-03-10")
	if r.Rows[0].Sold != model.Qty(-170_000) || r.Rows[0].Flags&model.FlagNegativeSold == 0 || r.Total.Flags&model.FlagNegativeSold == 0 {
		t.Errorf("negative sold: %+v", r.Rows[0])
	}
	// Scope: another dealer cannot run C001's report; staff see all in scope.
	view(t, f.s, func(tx *Tx) error {
		if _, err := tx.ChannelReport(CustomerScope(f.c2.ID), f.c1.ID, "2026-02-01", "2026-02-28"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("C002 reads C001's report: %v", err)
		}
		all, empty, err := tx.ChannelReportAll(tx.ScopeFor(f.northLead), "2026-02-01", "2026-02-28")
		if err != nil || len(all) != 2 || empty != 1 || all[0].Customer.ID != f.c1.ID || all[1].Total.Flags&model.FlagNoOpening == 0 {
			t.Errorf("all: %v %d %d", err, len(all), empty)
		}
		return nil
	})
}
