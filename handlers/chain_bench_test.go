package handlers

import (
	"html"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"dealerportal/bench/basepage"
	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// BenchmarkRequestChain measures what the middleware chain costs a request
// by itself (request log, security headers, compression, session, CSRF,
// login check, form token, confirmation check), called in process through
// the app's fasthttp handler with no network, so that allocations per
// request are exact: a signed-in GET of a bare route that answers "ok"; a
// signed-in form POST (CSRF token, Origin, form token) to a bare route that
// answers as a submit does (flash cookie, 303); the whole online-order
// submit (the chain, the handler, the preparation and the durable group
// commit); and the bare baseline page (bench/basepage) the same way. Read
// allocs/op, B/op and cpu-ns/op (the process's CPU, the commit goroutine's
// included). A small volume is generated into a temp dir (CHAIN_BENCH_DB=…
// reuses one).
func BenchmarkRequestChain(b *testing.B) {
	path := benchDB(b, "CHAIN_BENCH_DB", "--customers", "20", "--products", "300", "--entries", "100")
	st, h := openHandler(b, path)
	app := h.app(func(r fiber.Router) {
		r.Get("/bench/bare", func(c *fiber.Ctx) error { return c.SendString("ok") })
		r.Post("/bench/bare", func(c *fiber.Ctx) error {
			h.setFlash(c, "flash.saved")
			return h.redirect(c, "/online-orders/1")
		})
	})
	sess := benchLogin(b, app, "c0001.buyer")
	page := sess.get("/online-orders/new")
	csrf, loc := csrfRe.FindStringSubmatch(page), reOrderLocation.FindStringSubmatch(page)
	if csrf == nil || loc == nil {
		b.Fatal("the order form lacks _csrf or a location")
	}
	item, err := cheapestItem(st, "C0001")
	if err != nil || item == nil {
		b.Fatalf("C0001: nothing to order (%v)", err)
	}
	cookie, token := sess.cookie(), html.UnescapeString(csrf[1])
	post := url.Values{"_csrf": {token}}.Encode()
	order := url.Values{"_csrf": {token}, "location": {loc[1]}, "line.0.code": {item.Product.Code},
		"line.0.qty": {item.Qty.String()}, "remarks": {"bench"}, "action": {"submit"}}.Encode()
	run := strconv.FormatInt(int64(b.N)^int64(len(cookie)), 36) + "-" + strconv.Itoa(st.Now().Nanosecond())

	b.Run("baseline", func(b *testing.B) {
		benchHandler(b, basepage.App().Handler(), func(r *fasthttp.Request, _ int) {
			r.Header.SetMethod(fasthttp.MethodGet)
			r.SetRequestURI("/")
		}, fasthttp.StatusOK)
	})
	b.Run("bare_get", func(b *testing.B) {
		benchHandler(b, app.Handler(), func(r *fasthttp.Request, _ int) {
			r.Header.SetMethod(fasthttp.MethodGet)
			r.SetRequestURI("/bench/bare")
			r.Header.Set("Cookie", cookie)
		}, fasthttp.StatusOK)
	})
	b.Run("bare_post", func(b *testing.B) {
		benchHandler(b, app.Handler(), func(r *fasthttp.Request, i int) {
			formRequest(r, "/bench/bare", cookie, post+"&_idem=bare-"+strconv.Itoa(i))
		}, fasthttp.StatusSeeOther)
	})
	// The submit's preparation alone (prepareOrder's read transaction: the
	// ship-to, pricing, checks, the predicted credit check and the
	// encodings), with no commit.
	b.Run("prepare", func(b *testing.B) {
		var u *model.User
		if err := st.View(func(t *store.Tx) (err error) { u, err = t.UserByUsername("c0001.buyer"); return err }); err != nil {
			b.Fatal(err)
		}
		sc := st.ScopeFor(u)
		locID, _ := strconv.ParseUint(loc[1], 10, 64)
		lines := []store.LineInput{{Code: item.Product.Code, Qty: item.Qty}}
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			err := st.View(func(t *store.Tx) error {
				o := &model.OnlineOrder{CustomerID: u.CustomerID, Remarks: "bench"}
				var err error
				if o.ShipTo, err = t.ShipTo(store.CustomerScope(u.CustomerID), u.CustomerID, locID); err != nil {
					return err
				}
				o.DefaultContact()
				_, err = t.PrepareOnlineOrder(sc, o, lines, u, true)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("submit", func(b *testing.B) {
		benchHandler(b, app.Handler(), func(r *fasthttp.Request, i int) {
			formRequest(r, "/online-orders", cookie, order+"&_idem="+run+"-"+strconv.Itoa(i))
		}, fasthttp.StatusSeeOther)
	})
}

// formRequest makes r a browser's form POST to path with the session
// cookie and body.
func formRequest(r *fasthttp.Request, path, cookie, body string) {
	r.Header.SetMethod(fasthttp.MethodPost)
	r.SetRequestURI(path)
	r.Header.SetHost("portal.test")
	r.Header.Set("Origin", "http://portal.test")
	r.Header.Set("Cookie", cookie)
	r.Header.SetContentType(fiber.MIMEApplicationForm)
	r.SetBodyString(body)
}

// benchHandler calls handler b.N times with a request that set fills in
// (the i-th), as a browser sends it (compression accepted), and fails on
// another status than want.
func benchHandler(b *testing.B, handler fasthttp.RequestHandler, set func(r *fasthttp.Request, i int), want int) {
	var ctx fasthttp.RequestCtx
	ctx.Init(&fasthttp.Request{}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}, nil)
	b.ReportAllocs()
	defer reportCPU(b)()
	i := 0
	for b.Loop() {
		i++
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.Set("Accept-Encoding", "gzip, deflate, br")
		set(&ctx.Request, i)
		handler(&ctx)
		if got := ctx.Response.StatusCode(); got != want {
			b.Fatalf("status %d, want %d: %s", got, want, strings.TrimSpace(string(ctx.Response.Body())))
		}
	}
}
