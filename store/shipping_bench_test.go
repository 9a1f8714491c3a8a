package store

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dealerportal/model"
)

// benchOrders opens a store with 64 customers, 20 products and n audited
// sales orders (2 lines each) spread over the customers, made through the
// orders module's functions in bulk transactions. It returns the store, the
// admin and the orders' ids.
func benchOrders(b *testing.B, n int) (*Store, *model.User, []uint64) {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	admin := &model.User{Username: "admin", Name: "admin", Kind: model.KindStaff, Roles: []model.Role{model.RoleAdmin}}
	var custs []uint64
	var codes []string
	err = s.Update("admin", func(tx *Tx) error {
		org := &model.OrgUnit{Code: "HQ", Name: "总部"}
		if err := tx.SaveOrgUnit(org); err != nil {
			return err
		}
		admin.OrgUnitID, admin.ScopeMode = org.ID, model.ScopeOrg
		if err := tx.SaveUser(AdminScope(), admin); err != nil {
			return err
		}
		for i := range 64 {
			c := &model.Customer{Code: fmt.Sprintf("B%03d", i), Name: fmt.Sprintf("客户%d", i), OrgUnitID: org.ID, Status: model.CustomerActive}
			if err := tx.SaveCustomer(AdminScope(), c); err != nil {
				return err
			}
			custs = append(custs, c.ID)
		}
		for i := range 20 {
			p := &model.Product{Code: fmt.Sprintf("BP%02d", i), Name: "商品", Unit: "台", ListPrice: 10000, TaxRate: 1300, Active: true}
			if err := tx.SaveProduct(p); err != nil {
				return err
			}
			if _, err := tx.AdjustStock(p.ID, model.Qty(1e9), 0); err != nil {
				return err
			}
			codes = append(codes, p.Code)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]uint64, 0, n)
	for done := 0; done < n; {
		size := min(500, n-done)
		err := s.Update("admin", func(tx *Tx) error {
			for i := range size {
				k := done + i
				price, rate := model.Money(11300), int64(1300)
				so := &model.SalesOrder{CustomerID: custs[k%len(custs)], OrderDate: "2026-03-15"}
				lines := []LineInput{{Code: codes[k%20], Qty: 3000, Price: &price, TaxRate: &rate}, {Code: codes[(k+7)%20], Qty: 2000, Price: &price, TaxRate: &rate}}
				if err := tx.SaveSalesOrder(AdminScope(), so, lines); err != nil {
					return err
				}
				if _, err := tx.ActOnSalesOrder(AdminScope(), so.ID, so.Version, "audit", admin, ""); err != nil {
					return err
				}
				ids = append(ids, so.ID)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += size
	}
	return s, admin, ids
}

// BenchmarkPostOutbound64 posts one outbound per audited sales order (the
// whole order: it closes automatically) from 64 goroutines at once, each
// posting durably (fsync per commit), reported as orders/s. "batch" uses
// Store.Batch — concurrent postings share a transaction and an fsync (the
// group-commit queue); "update" gives each its own transaction.
//
//	go test ./store -run '^$' -bench PostOutbound64 -benchtime 3000x
func BenchmarkPostOutbound64(b *testing.B) {
	for _, mode := range []string{"batch", "update"} {
		b.Run(mode, func(b *testing.B) {
			s, admin, ids := benchOrders(b, b.N)
			write := s.Batch
			if mode == "update" {
				write = s.Update
			}
			var next atomic.Int64
			var failed atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						k := int(next.Add(1)) - 1
						if k >= len(ids) {
							return
						}
						err := write("admin", func(tx *Tx) error {
							// Built afresh on every run: Batch may run it twice.
							_, err := tx.PostOutbound(AdminScope(), admin, &OutboundInput{SalesOrderID: ids[k], PostDate: "2026-03-16",
								Qty: map[int]model.Qty{1: 3000, 2: 2000}})
							return err
						})
						if err != nil {
							failed.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if failed.Load() > 0 {
				b.Fatalf("%d postings failed", failed.Load())
			}
			b.ReportMetric(float64(len(ids))/elapsed.Seconds(), "orders/s")
			if b.N >= 100 {
				var shipped int
				_ = s.View(func(tx *Tx) error { shipped = tx.CountDocs(AdminScope(), docOutbound); return nil })
				if shipped != len(ids) {
					b.Fatalf("%d outbounds for %d orders", shipped, len(ids))
				}
			}
		})
	}
}
