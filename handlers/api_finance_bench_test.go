package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"
)

// BenchmarkAPIInvoices: 10,000 invoices pushed by 8 concurrent clients
// through the real app on a real listener (HTTP/1.1 keep-alive, durable
// commits), each invoicing one outbound line (the full posting: the
// outbound's and the sales order's invoiced figures, the customer's
// balances, the open items and the external id). "single" pushes one
// invoice a request (POST /invoices), "bulk" 125 a request (POST
// /invoices/bulk). The outbounds are made before the timer starts.
//
//	go test ./handlers -run '^$' -bench APIInvoices -benchtime 1x
func BenchmarkAPIInvoices(b *testing.B) {
	for _, mode := range []struct {
		name string
		bulk int
	}{{"single", 0}, {"bulk", 125}} {
		b.Run(mode.name, func(b *testing.B) {
			env := newFinBench(b)
			var docs int
			var spent time.Duration
			for b.Loop() {
				b.StopTimer()
				obs := env.outbounds(b, finBenchDocs)
				bodies := env.bodies(b, obs, mode.bulk)
				b.StartTimer()
				start := time.Now()
				env.run(b, bodies, mode.bulk != 0)
				spent += time.Since(start)
				docs += len(obs)
			}
			b.ReportMetric(float64(docs)/spent.Seconds(), "docs/s")
			env.verify(b, docs)
		})
	}
}

// finBenchDocs is how many invoices one round pushes, and finBenchClients
// how many clients push them at once.
const (
	finBenchDocs    = 10_000
	finBenchClients = 8
)

// finBench is a portal on a real listener, with customers, a product and an
// API client of the finance family.
type finBench struct {
	st      *store.Store
	url     string
	token   string
	http    *http.Client
	staff   *model.User
	custs   []uint64
	round   int
	product uint64
}

func newFinBench(b *testing.B) *finBench {
	b.Helper()
	st, err := store.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	env := &finBench{st: st, staff: &model.User{Username: "bench", Name: "bench", Kind: model.KindStaff, Roles: []model.Role{model.RoleAdmin}}}
	err = st.Update("bench", func(t *store.Tx) error {
		org := &model.OrgUnit{Code: "HQ", Name: "总部"}
		if err := t.SaveOrgUnit(org); err != nil {
			return err
		}
		for i := range 50 {
			c := &model.Customer{Code: fmt.Sprintf("B%03d", i), Name: fmt.Sprintf("客户%03d", i), OrgUnitID: org.ID, Status: model.CustomerActive}
			if err := t.SaveCustomer(store.AdminScope(), c); err != nil {
				return err
			}
			env.custs = append(env.custs, c.ID)
		}
		p := &model.Product{Code: "BENCH-P", Name: "压测电机", Unit: "台", ListPrice: 11300, TaxRate: 1300, Active: true}
		if err := t.SaveProduct(p); err != nil {
			return err
		}
		env.product = p.ID
		cl := &model.APIClient{Name: "bench-erp", Scopes: []model.APIScope{model.ScopeOf(model.APIFinance, true)}, RateLimit: model.APIRateMax}
		if err := t.SaveAPIClient(cl); err != nil {
			return err
		}
		env.token, _, err = t.IssueAPIToken(cl.ID, t.Now.AddDate(1, 0, 0))
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	env.url = listenBench(b, st) + APIPrefix
	env.http = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: finBenchClients * 2}, Timeout: time.Minute}
	return env
}

// outbounds makes n outbounds of one unit each, one audited sales order
// each, spread over the customers, and returns their ids.
func (env *finBench) outbounds(b *testing.B, n int) []uint64 {
	b.Helper()
	env.round++
	price := model.Money(11300)
	var out []uint64
	for len(out) < n {
		err := env.st.Update("bench", func(t *store.Tx) error {
			if _, err := t.AdjustStock(env.product, 500_000, 0); err != nil {
				return err
			}
			for i := 0; i < 500 && len(out) < n; i++ {
				so, err := t.NewSalesOrder(store.AdminScope(), env.custs[len(out)%len(env.custs)])
				if err != nil {
					return err
				}
				so.OrderDate = finShipDate
				if err := t.SaveSalesOrder(store.AdminScope(), so, []store.LineInput{{Code: "BENCH-P", Qty: 1000, Price: &price}}); err != nil {
					return err
				}
				if so, err = t.ActOnSalesOrder(store.AdminScope(), so.ID, so.Version, "audit", env.staff, ""); err != nil {
					return err
				}
				ob, err := t.PostOutbound(store.AdminScope(), env.staff, &store.OutboundInput{SalesOrderID: so.ID, PostDate: finShipDate, Qty: map[int]model.Qty{1: 1000}})
				if err != nil {
					return err
				}
				out = append(out, ob.ID)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return out
}

// bodies are the requests of a round: one invoice each, or bulk of them.
func (env *finBench) bodies(b *testing.B, obs []uint64, bulk int) [][]byte {
	b.Helper()
	inv := func(i int, ob uint64) map[string]any {
		return map[string]any{"external_id": fmt.Sprintf("R%d-IV-%06d", env.round, i), "invoice_date": finInvDate, "invoice_no": fmt.Sprintf("%08d", i),
			"lines": []any{map[string]any{"outbound_id": ob, "line": 1, "qty": 1, "amount": 11300}}}
	}
	var out [][]byte
	add := func(v any) {
		data, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, data)
	}
	if bulk == 0 {
		for i, ob := range obs {
			add(inv(i, ob))
		}
		return out
	}
	for start := 0; start < len(obs); start += bulk {
		var items []any
		for i := start; i < min(start+bulk, len(obs)); i++ {
			items = append(items, inv(i, obs[i]))
		}
		add(map[string]any{"items": items})
	}
	return out
}

// run pushes the bodies from finBenchClients clients at once.
func (env *finBench) run(b *testing.B, bodies [][]byte, bulk bool) {
	path := env.url + "/invoices"
	if bulk {
		path += "/bulk"
	}
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	for range finBenchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, path, bytes.NewReader(bodies[i]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+env.token)
				res, err := env.http.Do(req)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				want := http.StatusCreated
				if bulk {
					want = http.StatusOK
				}
				if res.StatusCode != want || bulk && !bytes.Contains(body, []byte(`"failed":0`)) {
					failed.Store(fmt.Sprintf("%d %.300s", res.StatusCode, body))
					return
				}
			}
		}()
	}
	wg.Wait()
	if msg := failed.Load(); msg != nil {
		b.Fatalf("push: %s", msg)
	}
}

// verify checks that every push made exactly one posted invoice.
func (env *finBench) verify(b *testing.B, docs int) {
	b.Helper()
	err := env.st.View(func(t *store.Tx) error {
		if n := t.CountDocs(store.AdminScope(), model.DocInvoice, model.StatusAudited); n != docs {
			return fmt.Errorf("%d posted invoices, want %d", n, docs)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
