package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"dealerportal/model"
)

// Benchmarks of the balance reports (figures in docs/PERFORMANCE.md):
//
//	go test ./store -run '^$' -bench 'BalanceSummary|BalanceDetail' -benchtime 20x

func benchStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	s.SetClock(func() time.Time { return testNow })
	return s
}

// benchCustomers writes n customers under one org unit, each with
// maintained balances and three open invoices.
func benchCustomers(b *testing.B, s *Store, n int) { benchCustomersFrom(b, s, 0, n) }

// benchCustomersFrom writes customers from … from+n-1 (one transaction;
// the org unit HQ is made with the first).
func benchCustomersFrom(b *testing.B, s *Store, from, n int) {
	b.Helper()
	err := s.Update("bench", func(t *Tx) error {
		org := &model.OrgUnit{Code: "HQ", Name: "总部"}
		if from > 0 {
			org = t.OrgTree().Flatten()[0].Unit
		} else if err := t.SaveOrgUnit(org); err != nil {
			return err
		}
		for i := from; i < from+n; i++ {
			c := &model.Customer{Code: fmt.Sprintf("C%05d", i), Name: fmt.Sprintf("客户 %d", i), OrgUnitID: org.ID, Status: model.CustomerActive}
			if err := t.SaveCustomer(AdminScope(), c); err != nil {
				return err
			}
			if err := t.AdjustBalance(c.ID, func(bal *model.CustomerBalance) {
				bal.Uninvoiced, bal.InvoicedReceivable, bal.ReceiptBalance = model.Money(1000*i), model.Money(3000*i), model.Money(500*i)
			}); err != nil {
				return err
			}
			for j := range 3 {
				if err := t.setOpen(c.ID, model.DocInvoice, uint64(3*i+j+1), model.Money(1000*i), model.AddDays("2026-03-15", -40*j)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBalanceSummary: one page (50 rows) of the summary over 2,000
// customers with totals over all of them, as the documents stand.
func BenchmarkBalanceSummary(b *testing.B) {
	s := benchStore(b)
	benchCustomers(b, s, 2000)
	b.ResetTimer()
	for b.Loop() {
		err := s.View(func(t *Tx) error {
			sum, err := t.BalanceSummary(AdminScope(), BalanceFilter{}, Page{Offset: 500, Limit: 50})
			if err == nil && (len(sum.Rows) != 50 || sum.Count != 2000) {
				err = fmt.Errorf("rows %d of %d", len(sum.Rows), sum.Count)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBalanceSummaryGrowth: the first page (50 rows) of the summary
// with its totals at 1,000 and at 10,000 customers; with the maintained
// org totals the page costs the same at both sizes (docs/PERFORMANCE.md).
func BenchmarkBalanceSummaryGrowth(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			s := benchStore(b)
			for done := 0; done < n; done += 1000 {
				benchCustomersFrom(b, s, done, min(1000, n-done))
			}
			b.ResetTimer()
			b.ReportAllocs()
			defer benchCPU(b)()
			for b.Loop() {
				err := s.View(func(t *Tx) error {
					sum, err := t.BalanceSummary(AdminScope(), BalanceFilter{}, Page{Limit: 50})
					if err == nil && (len(sum.Rows) != 50 || sum.Count != n) {
						err = fmt.Errorf("rows %d of %d", len(sum.Rows), sum.Count)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchLedger writes one customer's 10,000 posted documents straight into
// the document store (4,000 outbounds, 4,000 invoices of them, 2,000
// receipts): the detail reads what is stored, the postings do not matter.
func benchLedger(b *testing.B, s *Store) uint64 {
	b.Helper()
	var cust uint64
	err := s.Update("bench", func(t *Tx) error {
		org := &model.OrgUnit{Code: "HQ", Name: "总部"}
		if err := t.SaveOrgUnit(org); err != nil {
			return err
		}
		c := &model.Customer{Code: "C00001", Name: "大客户", OrgUnitID: org.ID, Status: model.CustomerActive}
		if err := t.SaveCustomer(AdminScope(), c); err != nil {
			return err
		}
		cust = c.ID
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	day := func(i int) string { return model.AddDays("2024-01-01", i/6) }
	for batch := 0; batch < 4; batch++ {
		err := s.Update("bench", func(t *Tx) error {
			for k := range 1000 {
				i := batch*1000 + k
				line := model.OrderLine{No: 1, Code: "P1", Name: "商品", Qty: 2000, Price: 11300, TaxRate: 1300}
				line.Compute()
				ob := &model.Outbound{CustomerID: cust, PostDate: day(i), Lines: []model.OrderLine{line}, Totals: model.Totals{Qty: 2000, Amount: line.Amount}}
				ob.Status = model.StatusAudited
				if err := t.InsertDoc(AdminScope(), docOutbound, ob); err != nil {
					return err
				}
				inv := &model.Invoice{CustomerID: cust, InvoiceDate: day(i + 3), Lines: []model.InvoiceLine{{OrderLine: line, OutboundID: ob.ID, OutboundNo: ob.Number, OutboundLine: 1}},
					Totals: model.Totals{Qty: 2000, Amount: line.Amount}}
				inv.Status = model.StatusAudited
				if err := t.InsertDoc(AdminScope(), docInvoice, inv); err != nil {
					return err
				}
				if err := t.putInvoicing(inv); err != nil {
					return err
				}
				if k%2 == 0 {
					r := &model.ReceiptDoc{CustomerID: cust, Kind: model.DocReceipt, Date: day(i + 9), Amount: 2 * line.Amount}
					r.Status = model.StatusAudited
					if err := t.InsertDoc(AdminScope(), docReceipt, r); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return cust
}

// BenchmarkBalanceDetail: the balance detail of one customer with 10,000
// documents, over all of them and over one month.
func BenchmarkBalanceDetail(b *testing.B) {
	s := benchStore(b)
	cust := benchLedger(b, s)
	for _, c := range []struct{ name, from, to string }{{"all", "", ""}, {"month", "2024-06-01", "2024-06-30"}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				err := s.View(func(t *Tx) error {
					d, err := t.BalanceDetail(AdminScope(), cust, c.from, c.to)
					if err == nil && len(d.Rows) == 0 {
						err = fmt.Errorf("no rows")
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("summary-past", func(b *testing.B) {
		for b.Loop() {
			err := s.View(func(t *Tx) error {
				_, err := t.BalanceSummary(AdminScope(), BalanceFilter{AsOf: "2024-12-31"}, Page{Limit: 50})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
