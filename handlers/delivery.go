package handlers

import (
	"errors"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Shipping and returns (发货与退货, SPEC §2.3): delivery notices (this
// file), sales outbounds and red outbounds (outbounds.go), online returns and
// return notices (returns.go), order tracking (tracking.go) and the sales
// order execution report (execution.go). The same URLs serve staff and
// dealers: the store's scope decides what each sees (a document of another
// customer is a 404), the permission what each may do. The rules are in
// model/shipping.go, the postings in store/delivery.go, outbounds.go and
// returns.go.

const (
	tplShipList     = "shipping/list"
	tplShipForm     = "shipping/form"
	tplNoticeView   = "shipping/notice"
	tplOutboundView = "shipping/outbound"
	tplReturnView   = "shipping/return"
	tplRNView       = "shipping/return_notice"
	tplShipPrint    = "shipping/print"
)

func (h *Handler) registerShipping(r fiber.Router) {
	r.Get("/delivery-notices", h.showDeliveryNotices)
	r.Get("/delivery-notices/new", h.newDeliveryNotice)
	r.Post("/delivery-notices", h.createDeliveryNotice)
	r.Get("/delivery-notices/:id", h.showDeliveryNotice)
	r.Get("/delivery-notices/:id/print", h.printDeliveryNotice)
	registerDocActions(h, r, h.deliveryNoticeActions())

	r.Get("/outbounds", h.showOutbounds)
	r.Get("/outbounds/new", h.newOutbound)
	r.Post("/outbounds", h.createOutbound)
	r.Get("/outbounds/:id", h.showOutbound)
	r.Get("/outbounds/:id/print", h.printOutbound)
	registerDocActions(h, r, h.outboundActions())

	r.Get("/returns", h.showReturns)
	r.Get("/returns/new", h.newReturn)
	r.Post("/returns", h.createReturn)
	r.Get("/returns/:id", h.showReturn)
	r.Get("/returns/:id/edit", h.editReturn)
	r.Get("/returns/:id/print", h.printReturn)
	r.Post("/returns/:id", h.updateReturn)
	registerDocActions(h, r, h.returnActions())

	r.Get("/return-notices", h.showReturnNotices)
	r.Get("/return-notices/new", h.newReturnNotice)
	r.Post("/return-notices", h.createReturnNotice)
	r.Get("/return-notices/:id", h.showReturnNotice)
	r.Get("/return-notices/:id/print", h.printReturnNotice)
	registerDocActions(h, r, h.returnNoticeActions())

	r.Get("/tracking", h.showTrackingIndex)
	r.Get("/tracking/sales-orders/:id", h.showSalesOrderTracking)
	r.Get("/tracking/online-orders/:id", h.showOnlineOrderTracking)
	r.Get("/reports/sales-order-execution", h.showExecutionReport)
}

// ---- lists ----

// shipKind describes one document type's list.
type shipKind struct {
	Kind     model.DocType
	Base     string // URL of the list, "/delivery-notices"
	Title    string // catalog key of the title
	Statuses []model.Status
	Export   string // file name of exports
}

var (
	kindNotice       = shipKind{model.DocDeliveryNotice, "/delivery-notices", "ship.notices", []model.Status{model.StatusAudited, model.StatusShipped, model.StatusReceived, model.StatusClosed, model.StatusVoid}, "delivery-notices"}
	kindOutbound     = shipKind{model.DocOutbound, "/outbounds", "ship.outbounds", nil, "outbounds"}
	kindReturn       = shipKind{model.DocOnlineReturn, "/returns", "ship.returns", []model.Status{model.StatusDraft, model.StatusSubmitted, model.StatusRejected, model.StatusConverted}, "online-returns"}
	kindReturnNotice = shipKind{model.DocReturnNotice, "/return-notices", "ship.return_notices", []model.Status{model.StatusAudited, model.StatusClosed}, "return-notices"}
)

// shipRow is one line of a shipping list: the summary and what the type
// adds (the sales order, a carrier and tracking number, a reason…).
type shipRow struct {
	ID       uint64
	Number   string
	Date     string
	Status   model.Status
	Amount   model.Money
	Customer string
	Order    string
	OrderID  uint64
	Extra    string
	Red      bool
	Receipt  *model.Receipt
}

type shipListData struct {
	List
	K      shipKind
	Staff  bool
	CanNew bool
}

// custLabels caches customer "code name" labels for one request.
type custLabels map[uint64]string

func (cn custLabels) get(t *store.Tx, sc store.Scope, id uint64) string {
	if s, ok := cn[id]; ok {
		return s
	}
	s := ""
	if c, err := t.Customer(sc, id); err == nil {
		s = c.Code + " " + c.Name
	}
	cn[id] = s
	return s
}

// orderNumber returns the number of sales order id for a list row.
func orderNumber(t *store.Tx, id uint64) string {
	if so, err := t.SalesOrder(store.AdminScope(), id); err == nil {
		return so.Number
	}
	return ""
}

// shipRowOf decodes the document of a summary into a list row.
func (h *Handler) shipRowOf(t *store.Tx, sc store.Scope, k shipKind, s model.DocSummary, cn custLabels) shipRow {
	r := shipRow{ID: s.ID, Number: s.Number, Date: s.Date, Status: s.Status, Amount: s.Amount, Red: s.Flag == "red"}
	if sc.IsStaff() {
		r.Customer = cn.get(t, sc, s.CustomerID)
	}
	switch k.Kind {
	case model.DocDeliveryNotice:
		if d, err := t.DeliveryNotice(sc, s.ID); err == nil {
			r.OrderID, r.Extra, r.Receipt = d.SalesOrderID, strings.TrimSpace(d.Carrier+" "+d.TrackingNo), d.Receipt
		}
	case model.DocOutbound:
		if d, err := t.Outbound(sc, s.ID); err == nil {
			r.OrderID, r.Extra, r.Receipt = d.SalesOrderID, d.Remarks, d.Receipt
		}
	case model.DocOnlineReturn:
		if d, err := t.OnlineReturn(sc, s.ID); err == nil {
			r.OrderID, r.Extra = d.SalesOrderID, d.Reason
		}
	case model.DocReturnNotice:
		if d, err := t.ReturnNotice(sc, s.ID); err == nil {
			r.OrderID, r.Extra = d.SalesOrderID, d.Reason
		}
	}
	if r.OrderID != 0 {
		r.Order = orderNumber(t, r.OrderID)
	}
	return r
}

// showShipList is the list (序时簿) of one shipping document type: search,
// status, dates, customer (staff) and red/blue (outbounds) filters,
// newest first with keyset paging, CSV/XLSX export.
func (h *Handler) showShipList(c *fiber.Ctx, k shipKind) error {
	if err := needOrders(c); err != nil {
		return err
	}
	u := currentUser(c)
	sc := h.scope(c)
	q := parseListQuery(c)
	f := store.DocFilter{Q: q.Q, From: q.Get("from"), To: q.Get("to")}
	if st := q.Get("status"); st != "" {
		f.Statuses = []model.Status{model.Status(st)}
	}
	if k.Kind == model.DocOutbound && q.Get("red") == "1" {
		f.Flag = "red"
	}
	d := &shipListData{K: k, Staff: u.IsStaff()}
	d.CanNew = k.Kind == model.DocReturnNotice && u.Can(model.PermManageOrders)
	var rows []shipRow
	err := h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
		if code := strings.TrimSpace(q.Get("customer")); code != "" && sc.IsStaff() {
			cu, err := t.CustomerByCode(sc, code)
			if err != nil {
				d.List = List{Query: q, Pager: q.Pager(0)}
				return nil
			}
			f.CustomerID = cu.ID
		}
		sums, total, err := t.ListDocs(sc, k.Kind, f, q.Page())
		if err != nil {
			return err
		}
		cn := custLabels{}
		for _, s := range sums {
			rows = append(rows, h.shipRowOf(t, sc, k, s, cn))
		}
		var last uint64
		if len(sums) > 0 {
			last = sums[len(sums)-1].ID
		}
		d.List = List{Rows: rows, Query: q, Pager: q.KeysetPager(total, len(sums), last)}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		l := lang(c)
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			status := h.i18n.T(l, "status."+string(r.Status))
			if r.Red {
				status = h.i18n.T(l, "ship.red") + " " + status
			}
			out = append(out, []string{r.Number, r.Date, r.Customer, r.Order, status, r.Amount.Plain(), r.Extra})
		}
		return h.export(c, q.Export, k.Export, []exportCol{
			{"ship.number", colText}, {"ship.date", colDate}, {"ship.customer", colText}, {"ship.sales_order", colText},
			{"ship.status", colText}, {"ship.amount", colMoney}, {"ship.extra." + string(k.Kind), colText},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplShipList, h.view(c, k.Title, d))
}

func (h *Handler) showDeliveryNotices(c *fiber.Ctx) error { return h.showShipList(c, kindNotice) }

// ---- forms ----

// formLine is one source line on a shipping or return form: what it is, the
// figures that explain the limit (columns named by the form's Cols), the
// limit, and the quantity typed.
type formLine struct {
	No      int
	Code    string
	Name    string
	Spec    string
	Unit    string
	Price   model.Money
	Figures []model.Qty
	Limit   model.Qty
	Value   string
}

// shipForm is the data of the shared form template: Kind says which header
// fields it shows ("notice", "outbound", "red", "return", "return_notice").
type shipForm struct {
	Kind      string
	Action    string
	Title     string
	Source    string // the source document's number
	SourceURL string
	Customer  string
	// CustomerID is the source's customer (not shown).
	CustomerID uint64
	Hidden     map[string]string
	Cols       []string
	Lines      []formLine
	Token      string
	Version    uint64
	// Header fields as typed.
	Date, Carrier, TrackingNo, Remarks, Reason string
	AllowAdjust                                bool
	Edit                                       bool
}

// readShipForm reads a shipping form's header into f and its quantities
// by line number; the form's errors as a ValidationError.
func (h *Handler) readShipForm(c *fiber.Ctx, f *shipForm) (map[int]model.Qty, error) {
	h.readHeader(c, f)
	ve := &model.ValidationError{}
	qty := readLineQtys(c, f, ve)
	return qty, ve.Err()
}

// readLineQtys reads the "qty.<no>" field of every line of the form; an
// empty field is zero, an unreadable one an error at the field.
func readLineQtys(c *fiber.Ctx, f *shipForm, ve *model.ValidationError) map[int]model.Qty {
	out := map[int]model.Qty{}
	for i := range f.Lines {
		no := f.Lines[i].No
		s := strings.TrimSpace(c.FormValue(store.QtyField(no)))
		f.Lines[i].Value = s
		if s == "" {
			continue
		}
		q, err := model.ParseQty(s)
		if err != nil {
			ve.AddErr(store.QtyField(no), err, "err.qty_invalid")
			continue
		}
		out[no] = q
	}
	return out
}

// readHeader copies the header fields of the form into f.
func (h *Handler) readHeader(c *fiber.Ctx, f *shipForm) {
	f.Date, f.Carrier, f.TrackingNo = c.FormValue("date"), c.FormValue("carrier"), c.FormValue("tracking_no")
	f.Remarks, f.Reason, f.AllowAdjust = c.FormValue("remarks"), c.FormValue("reason"), c.FormValue("allow_adjust") == "1"
	f.Token = h.formToken(c)
}

// formFieldOf maps the store's header field names to the form's.
var formFieldOf = map[string]string{"ship_date": "date", "post_date": "date", "return_date": "date", "notice_date": "date"}

// shipFormError re-renders form f with err: field errors (422) at the
// fields, a conflict (409) at the top; anything else goes to the error
// handler.
func (h *Handler) shipFormError(c *fiber.Ctx, err error, f *shipForm) error {
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		for i := range ve.Fields {
			if to, ok := formFieldOf[ve.Fields[i].Field]; ok {
				ve.Fields[i].Field = to
			}
		}
	}
	return h.formError(c, err, tplShipForm, h.view(c, f.Title, f))
}

// noticeForm builds the form of a new delivery notice for sales order so:
// each line with ordered, shipped and noticed-open quantities and the
// unscheduled limit, offered as the default.
func (h *Handler) noticeForm(c *fiber.Ctx, t *store.Tx, so *model.SalesOrder) *shipForm {
	f := &shipForm{Kind: "notice", Action: "/delivery-notices", Title: "ship.new_notice", Source: so.Number,
		SourceURL: "/sales-orders/" + itoa(so.ID), Hidden: map[string]string{"so": itoa(so.ID)},
		Cols: []string{"ship.ordered", "ship.shipped", "ship.notice_open"}, Date: t.Today(), Token: h.formToken(c)}
	f.Customer = custLabels{}.get(t, h.scope(c), so.CustomerID)
	for i := range so.Lines {
		l := &so.Lines[i]
		fl := formLine{No: l.No, Code: l.Code, Name: l.Name, Spec: l.Spec, Unit: l.Unit, Price: l.Price,
			Figures: []model.Qty{l.Qty, l.ShippedQty, l.NoticeOpenQty}, Limit: l.Unscheduled()}
		if fl.Limit > 0 {
			fl.Value = fl.Limit.String()
		}
		f.Lines = append(f.Lines, fl)
	}
	return f
}

// loadSalesOrder reads the sales order named by the query or form field
// "so" through the user's scope (404 outside it).
func (h *Handler) loadSalesOrder(c *fiber.Ctx, t *store.Tx) (*model.SalesOrder, error) {
	id, err := parseUint(c.Query("so", c.FormValue("so")))
	if err != nil || id == 0 {
		return nil, fiber.ErrNotFound
	}
	return t.SalesOrder(h.scope(c), id)
}

func (h *Handler) newDeliveryNotice(c *fiber.Ctx) error {
	var f *shipForm
	err := h.read(func(t *store.Tx) error {
		so, err := h.loadSalesOrder(c, t)
		if err != nil {
			return err
		}
		if err := need(c, model.PermManageOrders); err != nil {
			return err
		}
		if so.Status != model.StatusAudited {
			return &model.StateError{Action: "deliver", Status: string(so.Status)}
		}
		f = h.noticeForm(c, t, so)
		return nil
	})
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplShipForm, h.view(c, f.Title, f))
}

// createDeliveryNotice issues the notice once per form token (a double
// click makes one notice).
func (h *Handler) createDeliveryNotice(c *fiber.Ctx) error {
	var f *shipForm
	var soID uint64
	err := h.read(func(t *store.Tx) error {
		so, err := h.loadSalesOrder(c, t)
		if err != nil {
			return err
		}
		if err := need(c, model.PermManageOrders); err != nil {
			return err
		}
		f, soID = h.noticeForm(c, t, so), so.ID
		return nil
	})
	if err != nil {
		return err
	}
	qty, err := h.readShipForm(c, f)
	if err != nil {
		return h.shipFormError(c, err, f)
	}
	id, err := h.store.CreateDeliveryNotice(h.formActor(c), store.DeliveryNoticeInput{SalesOrderID: soID, ShipDate: f.Date,
		Carrier: f.Carrier, TrackingNo: f.TrackingNo, Remarks: f.Remarks, Qty: qty})
	if err != nil {
		return h.shipFormError(c, err, f)
	}
	h.setFlash(c, "flash.notice_created")
	return h.redirect(c, "/delivery-notices/"+itoa(id))
}

// ---- documents ----

// docPage is what a shipping document's page shows besides the document:
// the allowed actions, the related documents and the customer.
type docPage struct {
	Doc       any
	Customer  string
	Order     *model.SalesOrder
	Staff     bool
	Actions   []string
	Bar       *actionBar
	CanShip   bool // staff may make an outbound (from a notice) / red outbound (from a return notice)
	CanReturn bool // the dealer may return goods from it
	Receipt   bool // the receipt form is shown
	// ReceiptURL is where the receipt form posts.
	ReceiptURL string
	CanEdit    bool
	Notice     *model.DeliveryNotice
	RNotice    *model.ReturnNotice
	Outbounds  []*model.Outbound
	Rest       []model.Qty // per line: not yet shipped / received

	// ReceiptNote and ReceiptProblems are what the user posted, kept when
	// the receipt form comes back with an error.
	ReceiptNote     string
	ReceiptProblems bool
}

// keepReceiptForm keeps the posted receipt note and "shortage or damage"
// tick for the form shown again with an error.
func (p *docPage) keepReceiptForm(c *fiber.Ctx) {
	if c.Method() == fiber.MethodPost {
		p.ReceiptNote, p.ReceiptProblems = c.FormValue("note"), c.FormValue("problems") == "1"
	}
}

// loadNotice reads the notice of the route through the scope (404), then
// checks the user sees order documents at all.
func (h *Handler) loadNotice(c *fiber.Ctx) (*model.DeliveryNotice, error) {
	return loadRouteDoc(h, c, (*store.Tx).DeliveryNotice, needOrders)
}

func (h *Handler) noticePage(c *fiber.Ctx, d *model.DeliveryNotice) (*docPage, error) {
	u := currentUser(c)
	sc := h.scope(c)
	p := &docPage{Doc: d, Staff: u.IsStaff(), ReceiptURL: "/delivery-notices/" + itoa(d.ID) + "/confirm_receipt"}
	p.keepReceiptForm(c)
	for _, a := range model.DeliveryNoticeMachine.Allowed(d.Status, u) {
		switch {
		case a == "confirm_receipt":
			p.Receipt = d.AnyShipped()
		case a == "void" && d.AnyShipped():
		default:
			p.Actions = append(p.Actions, a)
		}
	}
	p.CanShip = d.Status == model.StatusAudited && u.Can(model.PermManageOrders)
	for i := range d.Lines {
		p.Rest = append(p.Rest, d.NoticeRest(i))
	}
	err := h.read(func(t *store.Tx) error {
		p.Outbounds = nil // fn may run again (Store.View)
		p.Customer = custLabels{}.get(t, sc, d.CustomerID)
		p.Order, _ = t.SalesOrder(sc, d.SalesOrderID)
		for _, id := range t.SalesOrderLinks(d.SalesOrderID, model.DocOutbound) {
			if ob, err := t.Outbound(sc, id); err == nil && ob.DeliveryNoticeID == d.ID {
				p.Outbounds = append(p.Outbounds, ob)
			}
		}
		return nil
	})
	p.Bar = p.noticeBar(d)
	return p, err
}

func (h *Handler) showDeliveryNotice(c *fiber.Ctx) error {
	d, err := h.loadNotice(c)
	if err != nil {
		return err
	}
	p, err := h.noticePage(c, d)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplNoticeView, h.view(c, "ship.notice", p))
}

// deliveryNoticeActions: staff close a notice (the rest is released) or
// void it (nothing shipped yet); the dealer confirms its receipt with a note.
func (h *Handler) deliveryNoticeActions() docKind[*model.DeliveryNotice] {
	act := func(x *docRun[*model.DeliveryNotice]) (uint64, error) {
		return 0, h.store.ActOnDeliveryNotice(x.Actor, x.ID, x.Version, x.Action, x.Reason(), x.C.FormValue("note"), x.C.FormValue("problems") == "1")
	}
	return docKind[*model.DeliveryNotice]{Base: "/delivery-notices", Load: h.loadNotice,
		Page: docPageOf(h, tplNoticeView, "ship.notice", h.noticePage),
		Actions: map[string]docAction[*model.DeliveryNotice]{
			"close": {Flash: "flash.notice_closed", Run: act}, "void": {Flash: "flash.notice_voided", Run: act},
			"confirm_receipt": {Flash: "flash.receipt_confirmed", Run: act},
		}}
}

// ---- print and PDF ----

// printDoc is a document laid out for the print view and the PDF: header
// fields, lines and totals.
type printDoc struct {
	Title  string
	Number string
	Status string
	Props  [][2]string
	Lines  []model.OrderLine
	Totals model.Totals
	Extra  [][2]string // after the lines: receipt, reasons
	// NoLines leaves out the lines table (documents without priced lines:
	// complaints, service requests, announcements).
	NoLines bool
}

// showPrint renders p as the A4 print view, or as a PDF with ?format=pdf.
func (h *Handler) showPrint(c *fiber.Ctx, p *printDoc) error {
	if c.Query("format") == "pdf" {
		return h.sendShippingPDF(c, p)
	}
	v := h.view(c, p.Title, p)
	v.Layout = "layouts/print"
	return h.render(c, fiber.StatusOK, tplShipPrint, v)
}

func (h *Handler) printDeliveryNotice(c *fiber.Ctx) error {
	d, err := h.loadNotice(c)
	if err != nil {
		return err
	}
	l := lang(c)
	p := &printDoc{Title: "ship.notice", Number: d.Number, Status: h.i18n.T(l, "status."+string(d.Status)), Lines: d.Lines, Totals: d.Totals}
	err = h.read(func(t *store.Tx) error {
		sc := h.scope(c)
		p.Props = [][2]string{
			{"ship.customer", custLabels{}.get(t, sc, d.CustomerID)},
			{"ship.sales_order", orderNumber(t, d.SalesOrderID)},
			{"ship.ship_date", d.ShipDate}, {"ship.carrier", d.Carrier}, {"ship.tracking_no", d.TrackingNo},
			{"ship.ship_to", strings.TrimSpace(d.ShipTo.Name + " " + d.ShipTo.Address + " " + d.ShipTo.Contact + " " + d.ShipTo.Phone)},
			{"ship.remarks", d.Remarks},
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.Extra = receiptProps(h, l, d.Receipt, h.store.Settings())
	return h.showPrint(c, p)
}

// receiptProps describes a receipt confirmation for print.
func receiptProps(h *Handler, l string, r *model.Receipt, s *model.Settings) [][2]string {
	if r == nil {
		return nil
	}
	state := h.i18n.T(l, "ship.receipt_ok")
	if r.Problems {
		state = h.i18n.T(l, "ship.receipt_problems")
	}
	return [][2]string{{"ship.receipt", r.By + " · " + r.ReceiptTime().In(s.Location()).Format("2006-01-02 15:04") + " · " + state}, {"ship.receipt_note", r.Note}}
}
