package store

import (
	"reflect"
	"strings"
	"testing"

	"dealerportal/model"
)

// The execution report's maintained totals and its page read agree with
// the full scan of the execution index (the report as it was computed
// before the totals), for every scope, status and date range; they follow
// a customer to another org unit, are rebuilt by the migration on a file
// of the previous layout (schema 9: no totals, no order-date index, no
// customer cards), and planted differences are found by portal check.
func TestExecutionTotals(t *testing.T) {
	f := newShipFixture(t)
	order := func(c *model.Customer, date string, act string, qty model.Qty) {
		t.Helper()
		so := &model.SalesOrder{CustomerID: c.ID, OrderDate: date, ShipTo: model.ShipTo{Name: "仓库"}}
		price, rate := model.Money(1234), int64(1300)
		in := []LineInput{{Code: f.p1.Code, Qty: qty, Price: &price, TaxRate: &rate}, {Code: f.p2.Code, Qty: units(1), Price: &price, TaxRate: &rate}}
		err := f.s.Update(f.admin.Username, func(tx *Tx) error {
			if err := tx.SaveSalesOrder(AdminScope(), so, in); err != nil {
				return err
			}
			for _, a := range strings.Fields(act) {
				var err error
				if so, err = tx.ActOnSalesOrder(AdminScope(), so.ID, so.Version, a, f.admin, ""); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	order(f.c1, "2026-01-05", "audit", units(2))
	order(f.c1, "2026-01-31", "audit close", units(3))
	order(f.c1, "2026-02-01", "audit", units(4))
	order(f.c2, "2026-02-28", "audit", units(5))
	order(f.c3, "2026-03-15", "audit", units(6))
	order(f.c4, "2026-03-16", "", units(7)) // a draft
	order(f.c5, "2025-12-31", "audit", units(8))
	order(f.c2, "2026-03-01", "audit", units(9))

	scopes := map[string]Scope{"admin": AdminScope(), "north": f.scope(f.northLead), "own": f.scope(f.bjOwn), "south": f.scope(f.southViewer),
		"multi": f.scope(f.multi), "dealer": CustomerScope(f.c1.ID)}
	filters := []ExecutionFilter{{}, {From: "2026-01-31"}, {To: "2026-01-31"}, {From: "2026-01-06", To: "2026-02-28"}, {From: "2026-02", To: "2026-03"},
		{Statuses: []model.Status{model.StatusClosed}}, {Statuses: []model.Status{model.StatusDraft}}, {CustomerID: f.c2.ID}, {CustomerID: f.c4.ID, Statuses: []model.Status{model.StatusDraft}},
		{From: "2026-03-01", To: "2026-03-31"}, {From: "2027-01-01"}}
	compare := func(when string) {
		t.Helper()
		view(t, f.s, func(tx *Tx) error {
			for name, sc := range scopes {
				for _, flt := range filters {
					for _, p := range []Page{{}, {Limit: 2}, {Offset: 1, Limit: 2}} {
						rows, tot, err := tx.ExecutionReport(sc, flt, p)
						if err != nil {
							return err
						}
						cust := flt.CustomerID
						if sc.CustomerID() != 0 {
							if cust != 0 && cust != sc.CustomerID() {
								continue
							}
							cust = sc.CustomerID()
						}
						if cust != 0 && !tx.AllowsCustomer(sc, cust) {
							if len(rows) != 0 || tot != (ExecutionTotals{}) {
								t.Errorf("%s %s %+v: out of scope, got %+v %+v", when, name, flt, rows, tot)
							}
							continue
						}
						want := flt.Statuses
						if len(want) == 0 {
							want = []model.Status{model.StatusAudited, model.StatusClosed}
						}
						wantRows, wantTot, _ := tx.executionScan(sc, cust, flt, want, p)
						if tot != wantTot || !reflect.DeepEqual(rows, wantRows) {
							t.Errorf("%s %s %+v %+v:\n got %+v %+v\nwant %+v %+v", when, name, flt, p, tot, rows, wantTot, wantRows)
						}
					}
				}
			}
			return nil
		})
		if problems, err := f.s.Check(); err != nil || len(problems) > 0 {
			t.Fatalf("%s: check %v %v", when, problems, err)
		}
	}
	compare("after the orders")
	// A salesperson without customers sees no totals (an empty list of
	// customers is not every org unit).
	view(t, f.s, func(tx *Tx) error {
		rows, tot, err := tx.ExecutionReport(Scope{staff: true, salesperson: 1 << 40}, ExecutionFilter{}, Page{})
		if len(rows) != 0 || tot != (ExecutionTotals{}) {
			t.Errorf("salesperson without customers: %d rows, totals %+v", len(rows), tot)
		}
		return err
	})
	view(t, f.s, func(tx *Tx) error {
		_, tot, err := tx.ExecutionReport(AdminScope(), ExecutionFilter{}, Page{Limit: 1})
		if tot.Orders != 7 || tot.Lines != 14 || tot.Qty != units(2+3+4+5+6+8+9+7) {
			t.Errorf("admin totals %+v %v", tot, err)
		}
		return err
	})

	// A customer moves to another org unit: its totals move along.
	update(t, f.s, func(tx *Tx) error {
		c, err := tx.Customer(AdminScope(), f.c2.ID)
		if err != nil {
			return err
		}
		c.OrgUnitID = f.gz
		return tx.SaveCustomer(AdminScope(), c)
	})
	compare("after the move")

	// The previous layout: schema 9, no totals and no cards.
	f.reopenAt(t, 9, bExecTotals, bExecDates, bCustomerCards)
	s := f.s
	compare("after the migration")

	// Planted differences are found.
	update(t, s, func(tx *Tx) error {
		k := execTotalKeys(execTotalsPrefix(execLevelOrg, f.bj, model.StatusAudited), "2026-01-05")[0]
		one := execSums{0, 0, 1}
		if err := changeExecTotal(tx.b(bExecTotals), k, &one, 1); err != nil {
			return err
		}
		if err := tx.b(bExecDates).Delete(execDateKeyAll("2026-01-05", 1)); err != nil {
			return err
		}
		return tx.b(bCustomerCards).Put(itob(f.c3.ID), encodeCard(&model.Customer{Code: "X"}))
	})
	problems, _ := s.Check()
	for _, want := range []string{"execution totals: org unit", "execution totals: order-date index", "customer cards: customer C003"} {
		if !strings.Contains(strings.Join(problems, "\n"), want) {
			t.Errorf("planted difference %q not found: %v", want, problems)
		}
	}
}

func TestExecSumsRecord(t *testing.T) {
	s := execSums{1, 2, -3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	got, err := decodeExecSums(s.encode())
	if err != nil || got != s {
		t.Fatalf("round trip %v %v", got, err)
	}
	big := execSums{1 << 62}
	if err := big.add(&big, 1); err == nil {
		t.Fatal("overflow not refused")
	}
	for _, d := range []string{"2026-01-05", "2026-1-5", "", "abcd-ef-gh"} {
		keys := execTotalKeys(execTotalsPrefix(execLevelCustomer, 1, model.StatusAudited), d)
		if regularDate(d) != (len(keys) == 2) {
			t.Errorf("%q: keys %q", d, keys)
		}
	}
}
