package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"dealerportal/handlers"
	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/kv/pgtest"
)

// The example runs against a real portal: a bbolt file in a temp dir (or a
// schema on a private PostgreSQL cluster, PORTAL_TEST_BACKEND=postgres),
// the handlers the portal serves, a real TCP listener. Nothing is mocked.

// TestMain starts the private cluster when the tests run on PostgreSQL.
func TestMain(m *testing.M) { pgtest.MainSelected(m) }

// portal is a running portal with an org tree and an admin.
type portal struct {
	st    *store.Store
	url   string
	admin *model.User
	orgs  map[string]uint64
}

func newPortal(t *testing.T) *portal {
	t.Helper()
	st, err := store.Open(pgtest.DSN(t, "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := &portal{st: st, orgs: map[string]uint64{}}
	// What the CSV files take for granted: the org tree the customers are
	// filed under, kept by the portal's admin.
	err = st.Update("test", func(tx *store.Tx) error {
		for _, o := range []struct{ code, name, parent string }{
			{"HQ", "总部", ""}, {"EAST", "华东大区", "HQ"}, {"SH", "上海分公司", "EAST"}, {"SOUTH", "华南大区", "HQ"}, {"GZ", "广州分公司", "SOUTH"},
		} {
			u := &model.OrgUnit{Code: o.code, Name: o.name, ParentID: p.orgs[o.parent]}
			if err := tx.SaveOrgUnit(u); err != nil {
				return err
			}
			p.orgs[o.code] = u.ID
		}
		p.admin = &model.User{Username: "admin", Name: "管理员", Kind: model.KindStaff, Roles: []model.Role{model.RoleAdmin},
			OrgUnitID: p.orgs["HQ"], ScopeMode: model.ScopeOrg, ScopeOrgs: []uint64{p.orgs["HQ"]}}
		return tx.SaveUser(store.AdminScope(), p.admin)
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(st, handlers.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	app := h.App()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	p.url = "http://" + ln.Addr().String()
	return p
}

// client creates an API client as the admin does on the API clients page,
// and issues its token.
func (p *portal) client(t *testing.T, name string, rate int, orgs ...string) (string, *model.APIClient) {
	t.Helper()
	cl := &model.APIClient{Name: name, RateLimit: rate, Scopes: []model.APIScope{"products:write", "customers:write",
		"orders:write", "finance:write", "events:read"}}
	for _, o := range orgs {
		cl.OrgUnits = append(cl.OrgUnits, p.orgs[o])
	}
	var secret string
	err := p.st.Update("admin", func(tx *store.Tx) error {
		if err := tx.SaveAPIClient(cl); err != nil {
			return err
		}
		var err error
		secret, _, err = tx.IssueAPIToken(cl.ID, tx.Now.AddDate(1, 0, 0))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return secret, cl
}

// mustCheck fails on any finding of the portal's integrity check
// (`portal check`).
func (p *portal) mustCheck(t *testing.T) {
	t.Helper()
	problems, err := p.st.Check()
	if err != nil || len(problems) > 0 {
		t.Fatalf("integrity check: %v %v", problems, err)
	}
}

// syncBuffer is an output the follower writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runSync runs the program to its end and returns its output.
func runSync(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, &out, &out)
	t.Logf("erp-sync %s\n%s", strings.Join(args, " "), out.String())
	return out.String(), err
}

// wantKinds checks the summary lines: kind → "created updated unchanged failed".
func wantKinds(t *testing.T, out string, want map[string]string) {
	t.Helper()
	for kind, counts := range want {
		var c, u, n, f int
		fmt.Sscan(counts, &c, &u, &n, &f)
		line := fmt.Sprintf("%-13s created %d  updated %d  unchanged %d  failed %d", kind, c, u, n, f)
		if !strings.Contains(out, line+"\n") {
			t.Errorf("want the line %q in the output", line)
		}
	}
}

func TestSyncTwiceThenFollowTheFeed(t *testing.T) {
	p := newPortal(t)
	tok, cl := p.client(t, "ERP 金蝶", model.APIRateDefault)

	// First run: everything is new. The feed is empty.
	out, err := runSync(t, "-url", p.url, "-token", tok, "-dir", "testdata", "-lang", "en")
	if err != nil {
		t.Fatal(err)
	}
	wantKinds(t, out, map[string]string{"products": "5 0 0 0", "customers": "3 0 0 0", "sales orders": "3 0 0 0",
		"stock": "0 5 0 0", "outbounds": "3 0 0 0", "invoices": "3 0 0 0"})
	if !strings.Contains(out, "event feed: 0 events pending") || strings.Contains(out, "stock again") {
		t.Error("want an empty feed and no second stock push")
	}

	// What the portal holds now: the ERP's stock (the outbounds took what
	// was pushed on top of it), the invoices, and the customers' balances.
	err = p.st.View(func(tx *store.Tx) error {
		for ext, want := range map[string]string{"M-1001": "120", "M-1002": "45", "M-2001": "30", "B-3001": "5000", "C-4001": "2000.5"} {
			s, err := tx.Stock(tx.ExternalID("product", ext))
			if err != nil {
				return err
			}
			if s.OnHand.String() != want || s.Reserved != 0 {
				t.Errorf("stock of %s: on hand %s, reserved %s; want the ERP's count %s, nothing reserved", ext, s.OnHand, s.Reserved, want)
			}
		}
		for ext, want := range map[string]model.Money{"K-10023": 384000, "K-10024": 530150, "K-20001": 103630} {
			b, err := tx.Balance(store.AdminScope(), tx.ExternalID("customer", ext))
			if err != nil {
				return err
			}
			if b.InvoicedReceivable != want || b.Uninvoiced != 0 || b.OpenOrders != 0 {
				t.Errorf("balance of %s: %+v, want %s invoiced and nothing else open", ext, b, want)
			}
		}
		for _, no := range []string{"FP26110001", "FP26110002", "FP26110003"} {
			if tx.ExternalID("invoice", no) == 0 || tx.ExternalID("outbound", "OB-"+no) == 0 || tx.ExternalID("sales_order", "SO-"+no) == 0 {
				t.Errorf("the chain of %s is incomplete", no)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p.mustCheck(t)

	// Second run, configured from the environment: nothing changes.
	t.Setenv("PORTAL_URL", p.url)
	t.Setenv("PORTAL_TOKEN", tok)
	out, err = runSync(t, "-dir", "testdata", "-lang", "en")
	if err != nil {
		t.Fatal(err)
	}
	wantKinds(t, out, map[string]string{"products": "0 0 5 0", "customers": "0 0 3 0", "sales orders": "0 0 3 0",
		"stock": "0 0 5 0", "outbounds": "0 0 3 0", "invoices": "0 0 3 0"})

	// A dealer orders in the portal. Staff have published the ERP's servo
	// motor to the customer, and its buyer submits an online order.
	var cust uint64
	var buyer *model.User
	err = p.st.Update("admin", func(tx *store.Tx) error {
		cust = tx.ExternalID("customer", "K-10023")
		cat := &model.Category{Code: "SERVO", Name: "伺服电机"}
		if err := tx.SaveCategory(cat); err != nil {
			return err
		}
		en := &model.CatalogEntry{ProductID: tx.ExternalID("product", "M-1001"), CategoryID: cat.ID,
			Targets: []model.Target{{Kind: model.TargetCustomer, ID: cust}}}
		if err := tx.SaveCatalogEntry(store.AdminScope(), en); err != nil {
			return err
		}
		if _, err := tx.ApplyCatalogAction(store.AdminScope(), en.ID, "audit", p.admin, en.Version); err != nil {
			return err
		}
		buyer = &model.User{Username: "c0107.chen", Name: "陈静", Kind: model.KindDealer, CustomerID: cust, Roles: []model.Role{model.RoleBuyer}}
		return tx.SaveUser(store.AdminScope(), buyer)
	})
	if err != nil {
		t.Fatal(err)
	}

	// The follower runs meanwhile, polling every 20 ms.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var fout syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-follow", "-poll", "20ms", "-lang", "en"}, &fout, &fout) }()

	var number string
	err = p.st.Update(buyer.Username, func(tx *store.Tx) error {
		sc := tx.UserScope(buyer)
		o, err := tx.NewOnlineOrder(sc, cust)
		if err != nil {
			return err
		}
		o.RequestedDate, o.Remarks = "2026-12-20", "请尽快发货"
		if err := tx.SaveOnlineOrder(sc, o, []store.LineInput{{Code: "M-1001", Qty: 3 * model.QtyScale}}, buyer, true); err != nil {
			return err
		}
		number = o.Number
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The follower prints the order and acknowledges it.
	wantOut := []*regexp.Regexp{
		regexp.MustCompile(`new online order ` + number + ` from C0107 \(ERP K-10023\), by c0107\.chen on \d{4}-\d\d-\d\d, status submitted`),
		regexp.MustCompile(`1  M-1001\s+伺服电机 750W\s+3 台\s+×\s+¥1,280\.00 =\s+¥3,840\.00`),
		regexp.MustCompile(`total ¥3,840\.00 \(tax ¥441\.77\)`),
		regexp.MustCompile(`acknowledged 1 events up to \S+ \(0 pending\)`),
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok := true
		for _, re := range wantOut {
			ok = ok && re.MatchString(fout.String())
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the follower did not print the order:\n%s", fout.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	err = p.st.View(func(tx *store.Tx) error {
		c, err := tx.APIClient(cl.ID)
		if err != nil {
			return err
		}
		if c.Acked != tx.LastEventSeq() || c.Acked == 0 {
			t.Errorf("acknowledged %d, want the last event %d", c.Acked, tx.LastEventSeq())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("the follower stopped with %v", err)
	}
	t.Logf("follower:\n%s", fout.String())

	// Read once more: the feed is drained, nothing is printed again.
	out, err = runSync(t, "-lang", "en")
	if err != nil || !strings.Contains(out, "event feed: 0 events pending") || strings.Contains(out, "online order") {
		t.Errorf("a drained feed: %v\n%s", err, out)
	}
	p.mustCheck(t)
}

// A refused record is reported with the portal's field messages, the others
// go through, and the run ends with an error for the scheduler.
func TestSyncReportsRefusals(t *testing.T) {
	p := newPortal(t)
	tok, _ := p.client(t, "erp", model.APIRateDefault, "EAST")
	dir := t.TempDir()
	files := map[string]string{
		"products.csv": "external_id,name,unit,list_price,tax_rate,on_hand\n" +
			"M-1,电机,台,100.00,13,10\n" +
			"M-2,无单位电机,,100.00,13,10\n",
		// Both refused: the customers family then answers the whole request
		// with one problem (nothing was written).
		"customers.csv": "external_id,code,name,org_unit\n" +
			"K-1,C1,华南客户,GZ\n" + // outside the client's org units (EAST)
			"K-2,C2,无组织客户,NOWHERE\n",
		"open_invoices.csv": "invoice_no,invoice_date,customer,ship_date,product,qty,unit_price,amount\n" +
			"FP-1,2026-11-05,K-1,2026-11-03,M-1,1,100.00,100.00\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := runSync(t, "-url", p.url, "-token", tok, "-dir", dir, "-lang", "en")
	if err == nil || err.Error() != "5 records failed" {
		t.Errorf("want 5 failed records, got %v", err)
	}
	wantKinds(t, out, map[string]string{"products": "1 0 0 1", "customers": "0 0 0 2", "sales orders": "0 0 0 1",
		"stock": "0 1 0 1", "outbounds": "0 0 0 0", "invoices": "0 0 0 0"})
	for _, want := range []string{
		"✗ products.csv line 3 (M-2): unit: Required. (err.required)",
		"✗ customers.csv line 2 (K-1): org_unit:",
		"✗ customers.csv line 3 (K-2): org_unit:",
		"✗ open_invoices.csv line 2 (FP-1): customer_external_id:",
		"✗ products.csv line 3 (M-2): product:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in the output", want)
		}
	}

	// The ERP's amount disagrees with the portal's: the invoice is
	// refused, the sales order and outbound before it are made.
	files = map[string]string{
		"customers.csv": "external_id,code,name,org_unit\n" +
			"K-2,C2,无组织客户,NOWHERE\n" +
			"K-3,C3,上海客户,SH\n",
		"open_invoices.csv": "invoice_no,invoice_date,customer,ship_date,product,qty,unit_price,amount\n" +
			"FP-2,2026-11-05,K-3,2026-11-03,M-1,2,100.00,199.99\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err = runSync(t, "-url", p.url, "-token", tok, "-dir", dir, "-lang", "en")
	if err == nil {
		t.Error("want an error")
	}
	wantKinds(t, out, map[string]string{"customers": "1 0 0 1", "sales orders": "1 0 0 0", "outbounds": "1 0 0 0", "invoices": "0 0 0 1"})
	if !strings.Contains(out, "✗ open_invoices.csv line 2 (FP-2): lines[0].amount:") {
		t.Error("want the invoice's amount refused")
	}
	// Corrected in the ERP, the invoice goes in; what was made stays.
	files["open_invoices.csv"] = strings.Replace(files["open_invoices.csv"], "199.99", "200.00", 1)
	if err := os.WriteFile(filepath.Join(dir, "open_invoices.csv"), []byte(files["open_invoices.csv"]), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ = runSync(t, "-url", p.url, "-token", tok, "-dir", dir, "-lang", "en")
	wantKinds(t, out, map[string]string{"sales orders": "0 0 1 0", "stock": "0 0 1 1", "outbounds": "0 0 1 0", "invoices": "1 0 0 0"})

	// A bad token: the portal's 401, worded as asked.
	_, err = runSync(t, "-url", p.url, "-token", "dpt_wrong", "-lang", "en")
	if p, ok := asProblem(err); !ok || p.Status != 401 || !strings.HasPrefix(err.Error(), "check the token: 401 ") {
		t.Errorf("a bad token: %v", err)
	}
	// Without -lang the portal answers in Chinese, as its forms do.
	if _, err := runSync(t, "-url", p.url, "-token", "dpt_wrong"); err == nil || !strings.Contains(err.Error(), "401 未认证: 请提供有效的接口令牌") {
		t.Errorf("a bad token, in Chinese: %v", err)
	}
	p.mustCheck(t)
}

// A client over its rate limit waits what Retry-After says and goes on; a
// portal that does not answer is retried with backoff, then given up.
func TestRetries(t *testing.T) {
	p := newPortal(t)
	tok, _ := p.client(t, "slow erp", 1) // 1 request a second, bursts of 2
	var notes bytes.Buffer
	c := newClient(p.url, tok, "en", &notes)
	start := time.Now()
	for i := range 4 {
		if _, err := c.get(context.Background(), "/me", nil); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if !strings.Contains(notes.String(), "GET /me: 429 ") || !strings.Contains(notes.String(), "retrying in 1s") {
		t.Errorf("want a 429 waited out:\n%s", notes.String())
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("4 calls at 1/s with a burst of 2 took %s", d)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	notes.Reset()
	c = newClient(down, tok, "en", &notes)
	c.attempts, c.backoff = 3, 10*time.Millisecond
	_, err = c.get(context.Background(), "/me", nil)
	if err == nil || !strings.Contains(err.Error(), "giving up after 3 attempts") || strings.Count(notes.String(), "retrying") != 2 {
		t.Errorf("a portal that is down: %v\n%s", err, notes.String())
	}
}
