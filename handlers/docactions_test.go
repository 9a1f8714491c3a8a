package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/kv"
)

// Every document action route, taken from the router, is served by the one
// action runner: a double submit (sequential or concurrent) makes one change
// and every post answers the same redirect; a refused action shows the
// document's page again with the message in the user's language.

// actionWorld is a portal with the fixtures of the orders, shipping and
// reconciliation tests, and builders of fresh documents of customer C1.
type actionWorld struct {
	*testEnv
	n int // a counter for unique numbers, codes and dates
}

func newActionWorld(t *testing.T) *actionWorld {
	e := newTestEnv(t)
	orderingFixture(t, e)
	shippingFixture(t, e)
	reconFixture(t, e)
	return &actionWorld{testEnv: e}
}

// as runs fn in one transaction as the fixture user name.
func (w *actionWorld) as(name string, fn func(tx *store.Tx, u *model.User) error) {
	w.t.Helper()
	u := w.user(name)
	w.step(u, func(tx *store.Tx) error { return fn(tx, u) })
}

func (w *actionWorld) next() int { w.n++; return w.n }

var sc1 = store.AdminScope()

func c1(w *actionWorld) uint64 { return w.ids["customer:C1"] }

func ver(v uint64) url.Values { return url.Values{"version": {strconv.FormatUint(v, 10)}} }

func with(v url.Values, kv ...string) url.Values {
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func (w *actionWorld) onlineOrder(qty model.Qty, submit bool) *model.OnlineOrder {
	var o *model.OnlineOrder
	dsc := store.CustomerScope(c1(w))
	w.as("c1.buyer", func(tx *store.Tx, u *model.User) (err error) {
		if o, err = tx.NewOnlineOrder(dsc, c1(w)); err != nil {
			return err
		}
		return tx.SaveOnlineOrder(dsc, o, []store.LineInput{{Code: "P-ALL", Qty: qty}}, u, submit)
	})
	return o
}

func (w *actionWorld) onlineOrderIn(action string) *model.OnlineOrder {
	o := w.onlineOrder(2000, true)
	w.as("admin", func(tx *store.Tx, u *model.User) (err error) {
		o, err = tx.ActOnOnlineOrder(sc1, o.ID, o.Version, action, u, "价格有误")
		return err
	})
	return o
}

func (w *actionWorld) salesOrder(audit bool) *model.SalesOrder {
	var so *model.SalesOrder
	w.as("admin", func(tx *store.Tx, u *model.User) (err error) {
		if so, err = tx.NewSalesOrder(sc1, c1(w)); err != nil {
			return err
		}
		if err := tx.SaveSalesOrder(sc1, so, []store.LineInput{{Code: "P-ALL", Qty: 5000}}); err != nil || !audit {
			return err
		}
		so, err = tx.ActOnSalesOrder(sc1, so.ID, so.Version, "audit", u, "")
		return err
	})
	return so
}

func (w *actionWorld) changeRequest(submit bool) *model.ChangeRequest {
	so := w.salesOrder(true)
	nq := model.Qty(4000)
	cr := &model.ChangeRequest{SalesOrderID: so.ID, Lines: []model.ChangeLine{{Line: 1, NewQty: &nq}}}
	w.as("admin", func(tx *store.Tx, u *model.User) error { return tx.SaveChangeRequest(sc1, cr, u, submit) })
	return cr
}

func (w *actionWorld) notice(so *model.SalesOrder) *model.DeliveryNotice {
	var dn *model.DeliveryNotice
	w.as("admin", func(tx *store.Tx, u *model.User) (err error) {
		dn, err = tx.CreateDeliveryNotice(sc1, u, &store.DeliveryNoticeInput{SalesOrderID: so.ID, ShipDate: "2026-03-16",
			Carrier: "顺丰速运", TrackingNo: "SF" + strconv.Itoa(w.next()), Qty: map[int]model.Qty{1: 2000}})
		return err
	})
	return dn
}

// shipped is an audited sales order with a notice shipped by an outbound.
func (w *actionWorld) shipped() (*model.SalesOrder, *model.DeliveryNotice, *model.Outbound) {
	so := w.salesOrder(true)
	dn := w.notice(so)
	var ob *model.Outbound
	w.as("admin", func(tx *store.Tx, u *model.User) (err error) {
		ob, err = tx.PostOutbound(sc1, u, &store.OutboundInput{DeliveryNoticeID: dn.ID, PostDate: "2026-03-16", Qty: map[int]model.Qty{1: 2000}})
		return err
	})
	w.step(w.user("admin"), func(tx *store.Tx) (err error) { dn, err = tx.DeliveryNotice(sc1, dn.ID); return err })
	return so, dn, ob
}

func (w *actionWorld) onlineReturn(submit bool) *model.OnlineReturn {
	so, _, _ := w.shipped()
	var r *model.OnlineReturn
	w.as("c1.buyer", func(tx *store.Tx, u *model.User) (err error) {
		r, err = tx.CreateOnlineReturn(store.CustomerScope(c1(w)), u, &store.ReturnInput{SalesOrderID: so.ID, Date: "2026-03-17", Reason: "包装破损", Qty: map[int]model.Qty{1: 1000}}, submit)
		return err
	})
	return r
}

func (w *actionWorld) returnIn(action string) *model.OnlineReturn {
	r := w.onlineReturn(true)
	w.as("admin", func(tx *store.Tx, u *model.User) (err error) {
		r, _, err = tx.ActOnOnlineReturn(sc1, u, r.ID, r.Version, action, "不符合退货条件")
		return err
	})
	return r
}

func (w *actionWorld) invoice(audit bool) *model.Invoice {
	_, _, ob := w.shipped()
	var inv *model.Invoice
	w.as("admin", func(tx *store.Tx, u *model.User) (err error) {
		inv, err = tx.CreateInvoice(sc1, u, &store.InvoiceInput{CustomerID: c1(w), InvoiceNo: "IV" + strconv.Itoa(w.next()), Date: "2026-03-20",
			Qty: map[store.InvoiceLineRef]model.Qty{{OutboundID: ob.ID, Line: 1}: 1000}, Audit: audit})
		return err
	})
	return inv
}

func (w *actionWorld) receipt(kind model.DocType, audit bool, invoices ...uint64) (*model.ReceiptDoc, []*model.WriteOff) {
	r := &model.ReceiptDoc{CustomerID: c1(w), Kind: kind, Date: "2026-03-21", Amount: 5000, Method: "transfer", Invoices: invoices}
	if kind == model.DocRefund {
		r.Amount = 100
	}
	var made []*model.WriteOff
	w.as("admin", func(tx *store.Tx, u *model.User) (err error) {
		if err := tx.SaveReceiptDoc(sc1, u, r); err != nil || !audit {
			return err
		}
		r, made, err = tx.ActOnReceiptDoc(sc1, u, kind, r.ID, r.Version, "audit")
		return err
	})
	return r, made
}

// recon is the reconciliation form of a fresh audited invoice, confirmed
// first when confirmed is set.
func (w *actionWorld) recon(confirmed bool) (uint64, url.Values) {
	inv := w.invoice(true)
	var r *model.Reconciliation
	w.as("c1.finance", func(tx *store.Tx, u *model.User) (err error) {
		if r, err = tx.Reconciliation(store.CustomerScope(c1(w)), model.DocInvoice, inv.ID); err != nil || !confirmed {
			return err
		}
		r, err = tx.Reconcile(store.CustomerScope(c1(w)), u, model.DocInvoice, inv.ID, r.Version, model.ReconConfirm, "")
		return err
	})
	return inv.ID, with(ver(r.Version), "reason", "金额不符")
}

func (w *actionWorld) opportunity(steps ...string) *model.Opportunity {
	var o *model.Opportunity
	w.as("admin", func(tx *store.Tx, u *model.User) error {
		ref, err := tx.ChannelProduct(sc1, c1(w), "P-ALL", true)
		if err != nil {
			return err
		}
		n := strconv.Itoa(w.next())
		o = &model.Opportunity{CustomerID: c1(w), Project: "项目" + n, EndClient: "终端客户" + n, Stage: "lead",
			Lines: []model.InterestLine{{ProductRef: ref, Qty: 1000, Price: 100}}}
		if err := tx.SaveOpportunity(sc1, u, o); err != nil {
			return err
		}
		for _, s := range steps {
			var eval *model.Evaluation
			if s == "accept" {
				eval = evaluation(tx)
			}
			if o, err = tx.ActOnOpportunity(sc1, u, o.ID, o.Version, s, eval); err != nil {
				return err
			}
		}
		return nil
	})
	return o
}

func evaluation(tx *store.Tx) *model.Evaluation {
	end := tx.Now.AddDate(0, 3, 0).Format("2006-01-02")
	return &model.Evaluation{ProtectionEnd: end, WinProbability: 60, Comments: "可跟进"}
}

func (w *actionWorld) complaint(steps ...string) *model.Complaint {
	var cp *model.Complaint
	w.as("admin", func(tx *store.Tx, u *model.User) error {
		ref, err := tx.ChannelProduct(sc1, c1(w), "P-ALL", true)
		if err != nil {
			return err
		}
		cp = &model.Complaint{CustomerID: c1(w), Territory: "华东", PlaceFound: "某店", DateFound: tx.Today(), Description: "跨区销售", Product: ref}
		if err := tx.SaveComplaint(sc1, u, cp); err != nil {
			return err
		}
		for _, s := range steps {
			in := store.ComplaintAction{Accused: w.ids["customer:C2"]}
			if s == "handle" {
				in.Handling = &model.ComplaintHandling{ResponsibleID: w.ids["customer:C2"], Resolution: "召回"}
			}
			if cp, err = tx.ActOnComplaint(sc1, u, cp.ID, cp.Version, s, in); err != nil {
				return err
			}
		}
		return nil
	})
	return cp
}

func (w *actionWorld) serviceRequest(steps ...string) *model.ServiceRequest {
	var r *model.ServiceRequest
	w.as("admin", func(tx *store.Tx, u *model.User) error {
		ref, err := tx.ChannelProduct(sc1, c1(w), "P-ALL", true)
		if err != nil {
			return err
		}
		r = &model.ServiceRequest{CustomerID: c1(w), Contact: "联系人", Product: ref, ProblemType: "other", Priority: "normal", Description: "不转"}
		if err := tx.SaveServiceRequest(sc1, u, r); err != nil {
			return err
		}
		for _, s := range steps {
			in := store.ServiceAction{HandlerID: u.ID, Solution: "更换电机", Note: "已处理"}
			if r, err = tx.ActOnServiceRequest(sc1, u, r.ID, r.Version, s, in); err != nil {
				return err
			}
		}
		return nil
	})
	return r
}

func (w *actionWorld) stocktake() *model.Stocktake {
	var s *model.Stocktake
	w.as("admin", func(tx *store.Tx, u *model.User) error {
		ref, err := tx.ChannelProduct(sc1, c1(w), "P-ALL", true)
		if err != nil {
			return err
		}
		s = &model.Stocktake{CustomerID: c1(w), Date: tx.Now.AddDate(0, 0, -w.next()).Format("2006-01-02"), Lines: []model.StocktakeLine{{ProductRef: ref, Qty: 5000}}}
		return tx.SaveStocktake(sc1, u, s, false)
	})
	return s
}

func (w *actionWorld) announcement(steps ...string) *model.Announcement {
	var a *model.Announcement
	w.as("admin", func(tx *store.Tx, u *model.User) (err error) {
		a = &model.Announcement{Title: "通知", Body: "正文", Audience: model.Audience{Customers: []uint64{c1(w)}}, EffectiveFrom: tx.Now.Add(-time.Hour)}
		if err := tx.SaveAnnouncement(sc1, a); err != nil {
			return err
		}
		for _, s := range steps {
			if a, err = tx.ActOnAnnouncement(sc1, a.ID, a.Version, s, u); err != nil {
				return err
			}
		}
		return nil
	})
	return a
}

func (w *actionWorld) price(audit bool) *model.PriceRecord {
	r := &model.PriceRecord{CustomerID: c1(w), ProductID: w.ids["product:ALL"], Price: 9500, MinQty: model.Qty(1000 * (10 + w.next()))}
	w.as("admin", func(tx *store.Tx, u *model.User) (err error) {
		if err := tx.SavePriceRecord(sc1, r); err != nil || !audit {
			return err
		}
		r, err = tx.ApplyPriceAction(sc1, r.ID, "audit", u, r.Version)
		return err
	})
	return r
}

func (w *actionWorld) entry(audit bool) *model.CatalogEntry {
	var en *model.CatalogEntry
	w.as("admin", func(tx *store.Tx, u *model.User) (err error) {
		n := strconv.Itoa(w.next())
		p := &model.Product{Code: "P-RUN" + n, Name: "电机" + n, Unit: "台", ListPrice: 10000, TaxRate: 1300, Active: true}
		if err := tx.SaveProduct(p); err != nil {
			return err
		}
		en = &model.CatalogEntry{ProductID: p.ID, CategoryID: w.ids["cat:SERVO"], Targets: []model.Target{{Kind: model.TargetCustomer, ID: c1(w)}}}
		if err := tx.SaveCatalogEntryQuiet(sc1, en); err != nil || !audit {
			return err
		}
		en, err = tx.ApplyCatalogAction(sc1, en.ID, "audit", u, en.Version)
		return err
	})
	return en
}

// actionCase prepares a fresh document the route's action applies to:
// who acts, the document's id and the action's form.
type actionCase func(w *actionWorld) (user string, id uint64, form url.Values)

// actionCases are the document action routes by router pattern.
var actionCases = map[string]actionCase{
	"/online-orders/:id/submit": func(w *actionWorld) (string, uint64, url.Values) {
		o := w.onlineOrder(2000, false)
		return "c1.buyer", o.ID, ver(o.Version)
	},
	"/online-orders/:id/reject": func(w *actionWorld) (string, uint64, url.Values) {
		o := w.onlineOrder(2000, true)
		return "admin", o.ID, with(ver(o.Version), "reason", "价格有误")
	},
	"/online-orders/:id/unreject": func(w *actionWorld) (string, uint64, url.Values) {
		o := w.onlineOrderIn("reject")
		return "admin", o.ID, ver(o.Version)
	},
	"/online-orders/:id/release_credit": func(w *actionWorld) (string, uint64, url.Values) {
		o := w.onlineOrder(12000, true) // ¥1,200 over the ¥1,000 limit: held
		return "admin", o.ID, ver(o.Version)
	},
	"/online-orders/:id/delete": func(w *actionWorld) (string, uint64, url.Values) {
		o := w.onlineOrder(2000, false)
		return "c1.buyer", o.ID, ver(o.Version)
	},
	"/online-orders/:id/convert": func(w *actionWorld) (string, uint64, url.Values) {
		o := w.onlineOrder(2000, true)
		return "admin", o.ID, ver(o.Version)
	},
	"/online-orders/:id/again": func(w *actionWorld) (string, uint64, url.Values) {
		o := w.onlineOrder(2000, true)
		return "c1.buyer", o.ID, url.Values{"to": {"draft"}, "_idem": {"again-" + strconv.Itoa(w.next())}}
	},
	"/sales-orders/:id/audit": func(w *actionWorld) (string, uint64, url.Values) {
		so := w.salesOrder(false)
		return "admin", so.ID, ver(so.Version)
	},
	"/sales-orders/:id/unaudit": func(w *actionWorld) (string, uint64, url.Values) {
		so := w.salesOrder(true)
		return "admin", so.ID, ver(so.Version)
	},
	"/sales-orders/:id/close": func(w *actionWorld) (string, uint64, url.Values) {
		so := w.salesOrder(true)
		return "admin", so.ID, with(ver(so.Version), "reason", "客户取消")
	},
	"/sales-orders/:id/void": func(w *actionWorld) (string, uint64, url.Values) {
		so := w.salesOrder(false)
		return "admin", so.ID, with(ver(so.Version), "reason", "录入错误")
	},
	"/sales-orders/:id/again": func(w *actionWorld) (string, uint64, url.Values) {
		so := w.salesOrder(true)
		return "c1.buyer", so.ID, url.Values{"to": {"draft"}, "_idem": {"again-" + strconv.Itoa(w.next())}}
	},
	"/change-requests/:id/submit": func(w *actionWorld) (string, uint64, url.Values) {
		cr := w.changeRequest(false)
		return "admin", cr.ID, ver(cr.Version)
	},
	"/change-requests/:id/make_effective": func(w *actionWorld) (string, uint64, url.Values) {
		cr := w.changeRequest(true)
		return "admin", cr.ID, ver(cr.Version)
	},
	"/change-requests/:id/reject": func(w *actionWorld) (string, uint64, url.Values) {
		cr := w.changeRequest(true)
		return "admin", cr.ID, with(ver(cr.Version), "reason", "不可变更")
	},
	"/change-requests/:id/delete": func(w *actionWorld) (string, uint64, url.Values) {
		cr := w.changeRequest(false)
		return "admin", cr.ID, ver(cr.Version)
	},
	"/delivery-notices/:id/close": func(w *actionWorld) (string, uint64, url.Values) {
		dn := w.notice(w.salesOrder(true))
		return "admin", dn.ID, with(ver(dn.Version), "reason", "不再发货")
	},
	"/delivery-notices/:id/void": func(w *actionWorld) (string, uint64, url.Values) {
		dn := w.notice(w.salesOrder(true))
		return "admin", dn.ID, with(ver(dn.Version), "reason", "录入错误")
	},
	"/delivery-notices/:id/confirm_receipt": func(w *actionWorld) (string, uint64, url.Values) {
		_, dn, _ := w.shipped()
		return "c1.manager", dn.ID, with(ver(dn.Version), "note", "已收到")
	},
	"/outbounds/:id/confirm_receipt": func(w *actionWorld) (string, uint64, url.Values) {
		_, _, ob := w.shipped()
		return "c1.manager", ob.ID, with(ver(ob.Version), "note", "已收到")
	},
	"/returns/:id/submit": func(w *actionWorld) (string, uint64, url.Values) {
		r := w.onlineReturn(false)
		return "c1.buyer", r.ID, ver(r.Version)
	},
	"/returns/:id/reject": func(w *actionWorld) (string, uint64, url.Values) {
		r := w.onlineReturn(true)
		return "admin", r.ID, with(ver(r.Version), "reason", "不符合退货条件")
	},
	"/returns/:id/unreject": func(w *actionWorld) (string, uint64, url.Values) {
		r := w.returnIn("reject")
		return "admin", r.ID, ver(r.Version)
	},
	"/returns/:id/convert": func(w *actionWorld) (string, uint64, url.Values) {
		r := w.onlineReturn(true)
		return "admin", r.ID, ver(r.Version)
	},
	"/returns/:id/delete": func(w *actionWorld) (string, uint64, url.Values) {
		r := w.onlineReturn(false)
		return "c1.buyer", r.ID, ver(r.Version)
	},
	"/return-notices/:id/close": func(w *actionWorld) (string, uint64, url.Values) {
		so, _, _ := w.shipped()
		var rn *model.ReturnNotice
		w.as("admin", func(tx *store.Tx, u *model.User) (err error) {
			rn, err = tx.CreateReturnNotice(sc1, u, &store.ReturnInput{SalesOrderID: so.ID, Date: "2026-03-17", Reason: "质量问题", Qty: map[int]model.Qty{1: 1000}})
			return err
		})
		return "admin", rn.ID, with(ver(rn.Version), "reason", "客户不退了")
	},
	"/invoices/:id/audit": func(w *actionWorld) (string, uint64, url.Values) {
		inv := w.invoice(false)
		return "admin", inv.ID, ver(inv.Version)
	},
	"/invoices/:id/unaudit": func(w *actionWorld) (string, uint64, url.Values) {
		inv := w.invoice(true)
		return "admin", inv.ID, ver(inv.Version)
	},
	"/invoices/:id/delete": func(w *actionWorld) (string, uint64, url.Values) {
		inv := w.invoice(false)
		return "admin", inv.ID, ver(inv.Version)
	},
	"/reconciliation/:kind/:id/confirm": func(w *actionWorld) (string, uint64, url.Values) {
		id, form := w.recon(false)
		return "c1.finance", id, form
	},
	"/reconciliation/:kind/:id/cancel": func(w *actionWorld) (string, uint64, url.Values) {
		id, form := w.recon(true)
		return "c1.finance", id, form
	},
	"/reconciliation/:kind/:id/dispute": func(w *actionWorld) (string, uint64, url.Values) {
		id, form := w.recon(false)
		return "c1.finance", id, form
	},
	"/write-offs/:id/reverse": func(w *actionWorld) (string, uint64, url.Values) {
		inv := w.invoice(true)
		_, made := w.receipt(model.DocReceipt, true, inv.ID)
		if len(made) == 0 {
			w.t.Fatal("the receipt wrote nothing off")
		}
		return "admin", made[0].ID, url.Values{"_idem": {itoa(made[0].ID) + "-reverse"}}
	},
	"/opportunities/:id/submit": func(w *actionWorld) (string, uint64, url.Values) {
		o := w.opportunity()
		return "admin", o.ID, ver(o.Version)
	},
	"/opportunities/:id/evaluate": func(w *actionWorld) (string, uint64, url.Values) {
		o := w.opportunity("submit")
		return "admin", o.ID, with(ver(o.Version), "verdict", "accept", "protection_end", time.Now().AddDate(0, 3, 0).Format("2006-01-02"),
			"win_probability", "60", "comments", "可跟进")
	},
	"/opportunities/:id/win": func(w *actionWorld) (string, uint64, url.Values) {
		o := w.opportunity("submit", "accept")
		return "admin", o.ID, ver(o.Version)
	},
	"/opportunities/:id/lose": func(w *actionWorld) (string, uint64, url.Values) {
		o := w.opportunity("submit", "accept")
		return "admin", o.ID, ver(o.Version)
	},
	"/opportunities/:id/expire": func(w *actionWorld) (string, uint64, url.Values) {
		o := w.opportunity("submit", "accept")
		return "admin", o.ID, ver(o.Version)
	},
	"/opportunities/:id/delete": func(w *actionWorld) (string, uint64, url.Values) {
		o := w.opportunity()
		return "admin", o.ID, ver(o.Version)
	},
	"/complaints/:id/submit": func(w *actionWorld) (string, uint64, url.Values) {
		cp := w.complaint()
		return "admin", cp.ID, ver(cp.Version)
	},
	"/complaints/:id/audit": func(w *actionWorld) (string, uint64, url.Values) {
		cp := w.complaint("submit")
		return "admin", cp.ID, with(ver(cp.Version), "accused_code", "C2")
	},
	"/complaints/:id/handle": func(w *actionWorld) (string, uint64, url.Values) {
		cp := w.complaint("submit", "audit")
		return "admin", cp.ID, with(ver(cp.Version), "findings", "属实", "resolution", "召回", "penalty", "100", "responsible_code", "C2")
	},
	"/complaints/:id/close": func(w *actionWorld) (string, uint64, url.Values) {
		cp := w.complaint("submit", "audit", "handle")
		return "admin", cp.ID, ver(cp.Version)
	},
	"/complaints/:id/reopen": func(w *actionWorld) (string, uint64, url.Values) {
		cp := w.complaint("submit", "audit", "handle", "close")
		return "admin", cp.ID, with(ver(cp.Version), "reason", "又发现了")
	},
	"/complaints/:id/delete": func(w *actionWorld) (string, uint64, url.Values) {
		cp := w.complaint()
		return "admin", cp.ID, ver(cp.Version)
	},
	"/service-requests/:id/start": func(w *actionWorld) (string, uint64, url.Values) {
		r := w.serviceRequest()
		return "admin", r.ID, with(ver(r.Version), "handler_id", w.id("user:admin"))
	},
	"/service-requests/:id/resolve": func(w *actionWorld) (string, uint64, url.Values) {
		r := w.serviceRequest("start")
		return "admin", r.ID, with(ver(r.Version), "solution", "更换电机")
	},
	"/service-requests/:id/close": func(w *actionWorld) (string, uint64, url.Values) {
		r := w.serviceRequest()
		return "admin", r.ID, ver(r.Version)
	},
	"/service-requests/:id/reopen": func(w *actionWorld) (string, uint64, url.Values) {
		r := w.serviceRequest("start", "resolve")
		return "c1.manager", r.ID, with(ver(r.Version), "note", "又坏了")
	},
	"/service-requests/:id/log": func(w *actionWorld) (string, uint64, url.Values) {
		r := w.serviceRequest("start")
		return "admin", r.ID, with(ver(r.Version), "note", "已联系客户")
	},
	"/stocktakes/:id/delete": func(w *actionWorld) (string, uint64, url.Values) {
		s := w.stocktake()
		return "admin", s.ID, ver(s.Version)
	},
	"/announcements/:id/audit": func(w *actionWorld) (string, uint64, url.Values) {
		a := w.announcement()
		return "admin", a.ID, ver(a.Version)
	},
	"/announcements/:id/unaudit": func(w *actionWorld) (string, uint64, url.Values) {
		a := w.announcement("audit")
		return "admin", a.ID, ver(a.Version)
	},
	"/announcements/:id/invalidate": func(w *actionWorld) (string, uint64, url.Values) {
		a := w.announcement("audit")
		return "admin", a.ID, ver(a.Version)
	},
	"/announcements/:id/delete": func(w *actionWorld) (string, uint64, url.Values) {
		a := w.announcement()
		return "admin", a.ID, ver(a.Version)
	},
	"/prices/:id/audit": func(w *actionWorld) (string, uint64, url.Values) {
		r := w.price(false)
		return "admin", r.ID, ver(r.Version)
	},
	"/prices/:id/unaudit": func(w *actionWorld) (string, uint64, url.Values) {
		r := w.price(true)
		return "admin", r.ID, ver(r.Version)
	},
	"/catalog-entries/:id/audit": func(w *actionWorld) (string, uint64, url.Values) {
		en := w.entry(false)
		return "admin", en.ID, ver(en.Version)
	},
	"/catalog-entries/:id/unaudit": func(w *actionWorld) (string, uint64, url.Values) {
		en := w.entry(true)
		return "admin", en.ID, ver(en.Version)
	},
}

func init() {
	for _, base := range []string{"/receipts", "/advance-receipts", "/refunds"} {
		kind := map[string]model.DocType{"/receipts": model.DocReceipt, "/advance-receipts": model.DocAdvanceReceipt, "/refunds": model.DocRefund}[base]
		audited := func(w *actionWorld) (string, uint64, url.Values) {
			if kind == model.DocRefund { // money to refund: an advance receipt
				w.receipt(model.DocAdvanceReceipt, true)
			}
			r, _ := w.receipt(kind, true)
			return "admin", r.ID, ver(r.Version)
		}
		draft := func(w *actionWorld) (string, uint64, url.Values) {
			if kind == model.DocRefund {
				w.receipt(model.DocAdvanceReceipt, true)
			}
			r, _ := w.receipt(kind, false)
			return "admin", r.ID, ver(r.Version)
		}
		actionCases[base+"/:id/audit"], actionCases[base+"/:id/delete"], actionCases[base+"/:id/unaudit"] = draft, draft, audited
	}
}

// notDocumentActions are POST routes with an id and a last segment that
// are not actions on a document: uploads and sub-records, master data,
// the cart and favorites, messages, and a create from a document.
var notDocumentActions = map[string]bool{
	"/announcements/:id/attachments": true, "/complaints/:id/attachments": true, "/opportunities/:id/attachments": true,
	"/service-requests/:id/attachments": true, "/customers/:id/attachments": true, "/attachments/:id/delete": true,
	"/catalog-entries/:id/targets": true, "/products/:id/stock": true, "/products/:id/images": true,
	"/customers/:id/users": true, "/customers/:id/locations": true, "/staff/:id/password": true,
	"/staff/:id/disable": true, "/staff/:id/enable": true, "/catalog/:id/favorite": true, "/catalog/:id/cart": true,
	"/cart/:id/delete": true, "/favorites/:id/delete": true, "/inbox/:id/read": true, "/messages/outbox/:id/retry": true,
	"/sales-orders/:id/change-requests": true,
}

// actionRoutePattern is a POST route that acts on the document of :id: a
// last segment that is a word.
var actionRoutePattern = regexp.MustCompile(`^(/[a-z-]+)+(/:kind)?/:id/[a-z_]+$`)

// documentActionRoutes lists the router's document action routes.
func documentActionRoutes(e *testEnv) []string {
	var out []string
	for _, r := range Routes(e.app) {
		if r.Method == http.MethodPost && actionRoutePattern.MatchString(r.Path) && !notDocumentActions[r.Path] {
			out = append(out, r.Path)
		}
	}
	sort.Strings(out)
	return out
}

// storeFingerprint hashes every record of the store but the sessions and
// the replay guard's memory: equal fingerprints, no change.
func storeFingerprint(t *testing.T, e *testEnv) string {
	t.Helper()
	h := sha256.New()
	walk := func(b kv.Bucket) {
		_ = b.ForEach(func(k, v []byte) error {
			h.Write(k)
			h.Write(v)
			return nil
		})
	}
	err := e.st.KV().View(func(tx kv.Tx) error {
		return tx.ForEach(func(name []byte, b kv.Bucket) error {
			switch string(name) {
			case "sessions", "sessions_by_user", "idempotency":
				return nil
			}
			h.Write(name)
			walk(b)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// postMany posts form to path n times at once with c's cookies and
// returns the statuses and Location headers.
func (c *client) postMany(n int, path string, form url.Values) ([]int, []string) {
	var cookie []string
	for k, v := range c.cookies {
		cookie = append(cookie, k+"="+v)
	}
	body := form.Encode()
	codes, locs := make([]int, n), make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Cookie", strings.Join(cookie, "; "))
			res, err := c.e.app.Test(req, -1)
			if err != nil {
				c.e.t.Error(err)
				return
			}
			res.Body.Close()
			codes[i], locs[i] = res.StatusCode, res.Header.Get("Location")
		}()
	}
	wg.Wait()
	return codes, locs
}

// concrete fills a route pattern with the document's id (and the
// reconciliation kind of the cases: invoices).
func concrete(route string, id uint64) string {
	return strings.NewReplacer(":kind", "invoices", ":id", itoa(id)).Replace(route)
}

// TestEveryDocumentActionRunsOnce: for every document action route of the
// router, the same post twice in a row and several at once make one change
// and all answer the first one's redirect; a post with a stale version (or,
// for a reversal, a second one with a new token) is refused on the
// document's page with the message in Chinese and a 4xx status.
func TestEveryDocumentActionRunsOnce(t *testing.T) {
	routes := documentActionRoutes(newTestEnv(t))
	if len(routes) < 60 {
		t.Fatalf("only %d action routes found: %v", len(routes), routes)
	}
	for _, route := range routes {
		prep, ok := actionCases[route]
		if !ok {
			t.Errorf("%s: no case: every document action needs one (or, if it is no action on a document, a line in notDocumentActions)", route)
			continue
		}
		t.Run(strings.TrimPrefix(route, "/"), func(t *testing.T) {
			// Each action has a world of its own, and most of the time goes
			// to waiting for the database's commits: run them side by side.
			t.Parallel()
			w := newActionWorld(t)
			refused := false
			if user, id, form := prep(w); form.Get("version") != "" {
				refuseStale(t, w, user, concrete(route, id), form)
				refused = true
			}
			user, id, form := prep(w)
			path := concrete(route, id)
			c := w.login(user)
			c.get("/")
			before := storeFingerprint(t, w.testEnv)
			first := c.post(path, form)
			wantCode(t, "first post", first, http.StatusSeeOther)
			done := storeFingerprint(t, w.testEnv)
			if done == before {
				t.Fatalf("the first post changed nothing")
			}
			again := c.post(path, form)
			wantCode(t, "second post", again, http.StatusSeeOther)
			if a, b := again.Header.Get("Location"), first.Header.Get("Location"); a != b {
				t.Errorf("second post goes to %q, the first to %q", a, b)
			}
			if storeFingerprint(t, w.testEnv) != done {
				t.Errorf("the second post changed something")
			}
			if !refused && !strings.HasSuffix(route, "/again") {
				// An action without a version happens once: a new token is refused.
				r := c.post(path, with(form, "_idem", "another"))
				wantRefusal(t, r, path)
			}

			user, id, form = prep(w)
			path = concrete(route, id)
			c = w.login(user)
			c.get("/")
			before = storeFingerprint(t, w.testEnv)
			codes, locs := c.postMany(4, path, with(form, "_csrf", c.csrf))
			for i := range codes {
				if codes[i] != http.StatusSeeOther || locs[i] != locs[0] {
					t.Fatalf("concurrent post %d: %d %q (first %q)", i, codes[i], locs[i], locs[0])
				}
			}
			done = storeFingerprint(t, w.testEnv)
			if done == before {
				t.Fatalf("concurrent posts changed nothing")
			}
			wantCode(t, "post after the concurrent ones", c.post(path, form), http.StatusSeeOther)
			if storeFingerprint(t, w.testEnv) != done {
				t.Errorf("a replay after the concurrent posts changed something")
			}
		})
	}
}

// refuseStale posts the action with a version that was never the
// document's as a Chinese-speaking user: the document's page comes back
// with the conflict (or status) message and 409.
func refuseStale(t *testing.T, w *actionWorld, user, path string, form url.Values) {
	t.Helper()
	c := w.login(user)
	c.setLang("zh")
	v, _ := strconv.ParseUint(form.Get("version"), 10, 64)
	r := c.post(path, with(url.Values{}, append(flatten(form), "version", strconv.FormatUint(v+100, 10))...))
	wantRefusal(t, r, path)
	c.setLang("en")
}

// wantRefusal: a 409 or 422 showing the document's page (its own path in a
// link or form) with a translated message and no missing translation.
func wantRefusal(t *testing.T, r resp, path string) {
	t.Helper()
	if r.Code != http.StatusConflict && r.Code != http.StatusUnprocessableEntity {
		t.Fatalf("refusal: status %d: %s", r.Code, excerpt(r.Body))
	}
	doc := path[:strings.LastIndex(path, "/")]
	if !strings.Contains(r.Body, doc+"/") && !strings.Contains(r.Body, doc+`"`) {
		t.Errorf("refusal: not the document's page (%s): %s", doc, excerpt(r.Body))
	}
	msgs := []string{"请重新加载查看后再修改", "不能执行", "Reload it to see their change", "is not possible while"}
	found := false
	for _, m := range msgs {
		found = found || strings.Contains(r.Body, m)
	}
	if !found || !strings.Contains(r.Body, `role="alert"`) {
		t.Errorf("refusal: no message: %s", excerpt(r.Body))
	}
	mustRender(t, path, r)
}

func flatten(v url.Values) []string {
	var out []string
	for k, vs := range v {
		out = append(out, k, vs[0])
	}
	return out
}

// TestOrderAgainTenTimesConcurrently: ten posts of one "order again" form
// at once make one draft, and all answer the same result page.
func TestOrderAgainTenTimesConcurrently(t *testing.T) {
	w := newActionWorld(t)
	o := w.onlineOrder(2000, true)
	count := func() int {
		n := 0
		_ = w.st.View(func(tx *store.Tx) error { n = tx.CountDocs(sc1, model.DocOnlineOrder, model.StatusDraft); return nil })
		return n
	}
	before := count()
	d := w.login("c1.buyer")
	page := d.get("/online-orders/" + itoa(o.ID))
	m := regexp.MustCompile(`name="_idem" value="([^"]+-draft)"`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no order-again token on the page: %s", excerpt(page.Body))
	}
	codes, locs := d.postMany(10, "/online-orders/"+itoa(o.ID)+"/again", url.Values{"_csrf": {d.csrf}, "_idem": {m[1]}, "to": {"draft"}})
	for i := range codes {
		if codes[i] != http.StatusSeeOther || locs[i] != locs[0] {
			t.Fatalf("post %d: %d %q (first %q)", i, codes[i], locs[i], locs[0])
		}
	}
	if n := count() - before; n != 1 {
		t.Fatalf("%d drafts from one form", n)
	}
	// A form without its token is refused, not remembered.
	r := d.post("/online-orders/"+itoa(o.ID)+"/again", url.Values{"to": {"draft"}})
	wantCode(t, "no token", r, http.StatusBadRequest)
	// The next render of the page offers a new token: ordering again works.
	page = d.get("/online-orders/" + itoa(o.ID))
	m2 := regexp.MustCompile(`name="_idem" value="([^"]+-draft)"`).FindStringSubmatch(page.Body)
	if m2 == nil || m2[1] == m[1] {
		t.Fatalf("no new token: %v", m2)
	}
	wantCode(t, "order again", d.post("/online-orders/"+itoa(o.ID)+"/again", url.Values{"_idem": {m2[1]}, "to": {"draft"}}), http.StatusSeeOther)
	if n := count() - before; n != 2 {
		t.Fatalf("%d drafts after a second order again", n)
	}
}
