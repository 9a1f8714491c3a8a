package handlers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dealerportal/demo"
	"dealerportal/notify"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
	bolt "go.etcd.io/bbolt"
)

// BenchmarkOrderStorage measures what an online order costs on disk: it
// generates a small portal (32 dealers with a catalog), then 32 dealer
// sessions submit ORDER_STORAGE_N (10,000) two-line online orders through
// POST /online-orders — the handler's own path, with its session, form
// token, document, summaries, counts, history, outbox and feed rows — and
// the message worker fans the events out into deliveries and inbox rows. It
// reports the file's growth per order (bytes/order), the live bytes per
// order in the buckets' pages (live-B/order), the size of a compacted copy,
// and logs the live bytes of every
// bucket that grew. See docs/PERFORMANCE.md ("Storage per order"):
//
//	go test ./handlers -run '^$' -bench BenchmarkOrderStorage -benchtime 1x
//
// ORDER_STORAGE_N sets the number of orders; ORDER_STORAGE_KEEP=file keeps
// the compacted copy for inspection.
func BenchmarkOrderStorage(b *testing.B) {
	n := 10000
	if s := os.Getenv("ORDER_STORAGE_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for range b.N {
		measureOrderStorage(b, n, 32)
	}
}

// storageDealer is one logged-in dealer session and what it orders.
type storageDealer struct {
	cookie, csrf string
	form         url.Values
}

func measureOrderStorage(b *testing.B, orders, sessions int) {
	dir := b.TempDir()
	path := filepath.Join(dir, "orders.db")
	if err := demo.GenerateVolume([]string{"--db", path, "--customers", strconv.Itoa(sessions), "--users", "2",
		"--products", "400", "--entries", "200"}, io.Discard); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	before := bucketUsage(b, st)
	size0 := fileSize(b, path)
	h, err := New(st, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	app := h.App()
	dealers := make([]*storageDealer, sessions)
	for i := range dealers {
		dealers[i] = storageSession(b, app, st, fmt.Sprintf("c%04d.buyer", i+1))
	}
	b.ResetTimer()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for _, d := range dealers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(orders); i = next.Add(1) {
				form := cloneValues(d.form)
				form.Set("_idem", store.NewFormToken(time.Now()))
				req := httptest.NewRequest(http.MethodPost, "/online-orders", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Cookie", d.cookie)
				res, err := app.Test(req, -1)
				if err != nil {
					errs <- err
					return
				}
				res.Body.Close()
				if res.StatusCode != http.StatusSeeOther {
					errs <- fmt.Errorf("submit: status %d", res.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	// The message worker turns the events into deliveries and inbox rows.
	w := &notify.Worker{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for {
		k, err := w.Dispatch(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if k == 0 {
			break
		}
	}
	after := bucketUsage(b, st)
	size1 := fileSize(b, path)
	compacted := filepath.Join(dir, "compacted.db")
	live, err := st.CompactedBackupToFile(compacted)
	if err != nil {
		b.Fatal(err)
	}
	if keep := os.Getenv("ORDER_STORAGE_KEEP"); keep != "" {
		if err := os.Rename(compacted, keep); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size1-size0)/float64(orders), "bytes/order")
	b.ReportMetric(float64(size1)/1e6, "MB-file")
	b.ReportMetric(float64(live)/1e6, "MB-compacted")
	var rows []string
	var total int64
	for name, a := range after {
		d := a.sub(before[name])
		if d.inuse <= 0 && d.keys == 0 {
			continue
		}
		total += d.inuse
		rows = append(rows, fmt.Sprintf("%-28s %8d rows %10d B in pages (%6.0f/order) %10d B keys+values (pages %3.0f%% full)",
			name, d.keys, d.inuse, float64(d.inuse)/float64(orders), d.kv, 100*float64(a.inuse)/float64(max(a.alloc, 1))))
	}
	slices.SortFunc(rows, func(x, y string) int {
		return int(parseInuse(y) - parseInuse(x))
	})
	b.ReportMetric(float64(total)/float64(orders), "live-B/order")
	b.Logf("%d orders from %d sessions: file %d → %d bytes (%.0f B/order), compacted copy %d bytes; live pages grew %d B (%.0f B/order):\n%s",
		orders, sessions, size0, size1, float64(size1-size0)/float64(orders), live, total, float64(total)/float64(orders), strings.Join(rows, "\n"))
}

func parseInuse(row string) int64 {
	f := strings.Fields(row)
	n, _ := strconv.ParseInt(f[3], 10, 64)
	return n
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// benchSession is a logged-in user's cookies in a benchmark.
type benchSession struct {
	b       *testing.B
	app     *fiber.App
	cookies map[string]string
}

// benchLogin logs user in through the login form.
func benchLogin(b *testing.B, app *fiber.App, user string) *benchSession {
	s := &benchSession{b: b, app: app, cookies: map[string]string{}}
	m := csrfRe.FindStringSubmatch(s.get("/login"))
	if m == nil {
		b.Fatal("no csrf token on the login page")
	}
	form := url.Values{"username": {user}, "password": {demo.DemoPassword}, "_csrf": {m[1]}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	s.do(req)
	return s
}

// cookie is the Cookie header of the session.
func (s *benchSession) cookie() string {
	var parts []string
	for k, v := range s.cookies {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, "; ")
}

// do sends req with the session's cookies, keeps the cookies it sets and
// returns the body.
func (s *benchSession) do(req *http.Request) string {
	req.Header.Set("Cookie", s.cookie())
	res, err := s.app.Test(req, -1)
	if err != nil {
		s.b.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for _, c := range res.Cookies() {
		s.cookies[c.Name] = c.Value
	}
	return string(body)
}

func (s *benchSession) get(path string) string {
	return s.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// storageSession logs user in and prepares a two-line order of two entries
// published to its customer, at their first order quantity.
func storageSession(b *testing.B, app *fiber.App, st *store.Store, user string) *storageDealer {
	sess := benchLogin(b, app, user)
	m := csrfRe.FindStringSubmatch(sess.get("/online-orders/new"))
	if m == nil {
		b.Fatalf("%s: no csrf token on the order form", user)
	}
	d := &storageDealer{csrf: m[1], cookie: sess.cookie()}
	d.form = url.Values{"_csrf": {d.csrf}, "remarks": {"load test"}, "action": {"submit"}}
	err := st.View(func(t *store.Tx) error {
		u, err := t.UserByUsername(user)
		if err != nil {
			return err
		}
		sc := store.CustomerScope(u.CustomerID)
		loc, err := t.PrimaryLocation(sc, u.CustomerID)
		if err != nil {
			return err
		}
		d.form.Set("location", strconv.FormatUint(loc.ID, 10))
		items, _, err := t.ListCatalog(sc, store.CatalogFilter{}, store.Page{Limit: 2})
		if err != nil || len(items) < 2 {
			return fmt.Errorf("%s sees %d catalog entries: %v", user, len(items), err)
		}
		for i, it := range items {
			d.form.Set(fmt.Sprintf("line.%d.code", i), it.Product.Code)
			d.form.Set(fmt.Sprintf("line.%d.qty", i), it.Entry.FirstQty().String())
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// usage is a bucket's live size: its rows, the bytes of its keys and values,
// the bytes in use on its pages (branch and leaf, inline included) and the
// bytes of the pages it holds.
type usage struct{ keys, kv, inuse, alloc int64 }

func (u usage) sub(v usage) usage {
	return usage{u.keys - v.keys, u.kv - v.kv, u.inuse - v.inuse, u.alloc - v.alloc}
}

func bucketUsage(b *testing.B, st *store.Store) map[string]usage {
	out := map[string]usage{}
	db, err := st.Bolt()
	if err != nil {
		b.Fatal(err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			s := bk.Stats()
			u := usage{keys: int64(s.KeyN), inuse: int64(s.BranchInuse + s.LeafInuse + s.InlineBucketInuse),
				alloc: int64(s.BranchAlloc + s.LeafAlloc + s.InlineBucketInuse)}
			_ = bk.ForEach(func(k, v []byte) error {
				u.kv += int64(len(k) + len(v))
				return nil
			})
			out[string(name)] = u
			return nil
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

func fileSize(b *testing.B, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// BenchmarkMasterDataStorage measures the bytes per customer and per
// product: it generates the load script's dataset without products (1,000
// customers with 3 locations and 2 users each) and again with 20,000
// products and 3,000 catalog entries, and reports the live page bytes per
// customer, per product (products, stock, prices, catalog entries and their
// indexes) and per row of the customer catalog index (customer × visible
// entry), which grows with both. MASTER_STORAGE="customers products entries"
// changes the size:
//
//	go test ./handlers -run '^$' -bench BenchmarkMasterDataStorage -benchtime 1x
func BenchmarkMasterDataStorage(b *testing.B) {
	custs, products, entries := 1000, 20000, 3000
	if s := os.Getenv("MASTER_STORAGE"); s != "" {
		if _, err := fmt.Sscan(s, &custs, &products, &entries); err != nil {
			b.Fatal(err)
		}
	}
	live := func(args ...string) (map[string]usage, int64) {
		path := filepath.Join(b.TempDir(), "m.db")
		if err := demo.GenerateVolume(append([]string{"--db", path, "--customers", strconv.Itoa(custs)}, args...), io.Discard); err != nil {
			b.Fatal(err)
		}
		st, err := store.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		return bucketUsage(b, st), fileSize(b, path)
	}
	for range b.N {
		base, baseFile := live()
		full, fullFile := live("--products", strconv.Itoa(products), "--entries", strconv.Itoa(entries))
		var baseBytes, productBytes int64
		for _, u := range base {
			baseBytes += u.inuse
		}
		index := full["customer_catalog"]
		var rows []string
		for name, u := range full {
			d := u.sub(base[name])
			if d.inuse > 0 && name != "customer_catalog" {
				productBytes += d.inuse
				rows = append(rows, fmt.Sprintf("%-24s %8d rows %10d B", name, d.keys, d.inuse))
			}
		}
		slices.Sort(rows)
		b.ReportMetric(float64(baseBytes)/float64(custs), "B/customer")
		b.ReportMetric(float64(productBytes)/float64(products), "B/product")
		b.ReportMetric(float64(index.inuse)/float64(max(index.keys, 1)), "B/customer-entry")
		b.Logf("%d customers: %d B live (file %d B); with %d products, %d entries: file %d B, products %d B live, customer catalog index %d rows, %d B:\n%s",
			custs, baseBytes, baseFile, products, entries, fullFile, productBytes, index.keys, index.inuse, strings.Join(rows, "\n"))
	}
}
