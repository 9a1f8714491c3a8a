package store

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"dealerportal/model"
)

// Benchmarks of the execution report (figures in docs/PERFORMANCE.md):
//
//	go test ./store -run '^$' -bench 'ExecutionReport' -benchtime 200x
//
// cpu-ns/op is the process's CPU per iteration (GC included), which moves
// far less than the wall time on a shared machine.

// benchExecOrders writes n audited two-line sales orders over 100 customers
// in four org units, dated over two years, through the execution hook
// (the execution index, its totals and the order-id index; the documents
// themselves are not needed by the report).
func benchExecOrders(b *testing.B, s *Store, n int) {
	b.Helper()
	var custs []uint64
	err := s.Update("bench", func(t *Tx) error {
		for o := range 4 {
			org := &model.OrgUnit{Code: fmt.Sprintf("O%d", o), Name: "分公司"}
			if err := t.SaveOrgUnit(org); err != nil {
				return err
			}
			for i := range 25 {
				c := &model.Customer{Code: fmt.Sprintf("C%d%03d", o, i), Name: "客户", OrgUnitID: org.ID, Status: model.CustomerActive}
				if err := t.SaveCustomer(AdminScope(), c); err != nil {
					return err
				}
				custs = append(custs, c.ID)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for done := 0; done < n; done += 5000 {
		err := s.Update("bench", func(t *Tx) error {
			all := t.b(t.docB(model.DocSalesOrder).all)
			for i := done; i < min(n, done+5000); i++ {
				id, cust := uint64(i+1), custs[i%len(custs)]
				so := &model.SalesOrder{CustomerID: cust, OrderDate: model.AddDays("2024-01-01", i*730/n)}
				so.ID, so.Number, so.Status = id, fmt.Sprintf("SO-%06d", id), model.StatusAudited
				for l := range 2 {
					ln := model.SalesOrderLine{ShippedQty: 2000, InvoicedQty: 1000, InvoicedAmount: 1000}
					ln.No, ln.ProductID, ln.Code, ln.Name, ln.Unit, ln.Qty, ln.Price, ln.Amount = l+1, 1, "P1", "商品", "台", 5000, 1000, 5000
					so.Lines = append(so.Lines, ln)
				}
				if err := all.Put(itob(id), encodeOwner(cust, so.Status)); err != nil {
					return err
				}
				if err := keepExecution(t, cust, id, so); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func benchCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() { b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op") }
}

// BenchmarkExecutionReport: the first page (50 orders) with the totals of
// every matching order, for an admin, at 2,000 and at 20,000 orders, and
// a date range of one quarter at 20,000 (months inside, days at the
// edges).
func BenchmarkExecutionReport(b *testing.B) {
	for _, c := range []struct {
		orders int
		f      ExecutionFilter
		name   string
	}{{2000, ExecutionFilter{}, "orders=2000"}, {20000, ExecutionFilter{}, "orders=20000"},
		{20000, ExecutionFilter{From: "2024-02-10", To: "2024-05-20"}, "orders=20000/range"}} {
		b.Run(c.name, func(b *testing.B) {
			s := benchStore(b)
			benchExecOrders(b, s, c.orders)
			b.ReportAllocs()
			defer benchCPU(b)()
			for b.Loop() {
				err := s.View(func(t *Tx) error {
					rows, tot, err := t.ExecutionReport(AdminScope(), c.f, Page{Limit: 50})
					if err == nil && (len(rows) != 100 || tot.Orders == 0) {
						err = fmt.Errorf("rows %d of %d orders", len(rows), tot.Orders)
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
