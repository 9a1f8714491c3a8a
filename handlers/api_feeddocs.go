package handlers

import (
	"strconv"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// The documents the feed announces, read through the client's scope (a
// document of a customer outside it is a 404, as for a staff member's
// pages): the dealers' online orders, returns and change requests (family
// orders); their complaints, service requests, opportunities and
// stocktakes (family customers: the dealer's own reports on its channel);
// the reconciliation state of outbounds, invoices and receipt documents
// (family finance). Quantities are JSON numbers of units, amounts integer
// cents, as everywhere in the API.

// FeedDocHead holds what every document read from the feed shows: its
// identity, status, customer, version and audit trail. (Exported only so
// that the OpenAPI generator, like encoding/json, inlines its fields.)
type FeedDocHead struct {
	ID         uint64              `json:"id"`
	Number     string              `json:"number"`
	ExternalID string              `json:"external_id,omitempty" doc:"The ERP's id of the document, when it set one."`
	Status     string              `json:"status"`
	Customer   apiFeedCustomer     `json:"customer"`
	Version    uint64              `json:"version" doc:"Grows with every change of the document."`
	CreatedAt  time.Time           `json:"created_at"`
	CreatedBy  string              `json:"created_by,omitempty"`
	UpdatedAt  time.Time           `json:"updated_at"`
	UpdatedBy  string              `json:"updated_by,omitempty"`
	Trail      []apiFeedTrailEntry `json:"trail" doc:"Who did what and when, oldest first."`
}

// apiFeedTrailEntry is one line of a document's audit trail.
type apiFeedTrailEntry struct {
	At       time.Time `json:"at"`
	By       string    `json:"by"`
	Action   string    `json:"action"`
	From     string    `json:"from,omitempty"`
	To       string    `json:"to,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	OnBehalf bool      `json:"on_behalf,omitempty" doc:"Staff acted for the dealer."`
}

// apiFeedProduct names a product as the document copied it, with the
// ERP's external id of the product today.
type apiFeedProduct struct {
	ID         uint64 `json:"id"`
	Code       string `json:"code"`
	ExternalID string `json:"external_id,omitempty"`
	Name       string `json:"name"`
	Spec       string `json:"spec,omitempty"`
	Unit       string `json:"unit,omitempty"`
}

// apiFeedRef names another document (a sales order, an outbound, a return
// notice).
type apiFeedRef struct {
	ID         uint64 `json:"id"`
	Number     string `json:"number"`
	ExternalID string `json:"external_id,omitempty"`
}

// apiFeedLine is an order line.
type apiFeedLine struct {
	No           int            `json:"no"`
	Product      apiFeedProduct `json:"product"`
	Qty          apiQty         `json:"qty" doc:"In units, up to 3 decimals."`
	Price        int64          `json:"price" doc:"Unit price incl. tax, in cents."`
	TaxRate      int64          `json:"tax_rate" doc:"In basis points: 1300 is 13%."`
	AmountExcl   int64          `json:"amount_excl" doc:"Excl. tax, in cents."`
	Tax          int64          `json:"tax" doc:"In cents."`
	Amount       int64          `json:"amount" doc:"Incl. tax, in cents."`
	DeliveryDate string         `json:"delivery_date,omitempty"`
	Remark       string         `json:"remark,omitempty"`
	SourceLine   int            `json:"source_line,omitempty" doc:"The number of the sales order line it comes from."`
}

// apiFeedTotals are a document's sums.
type apiFeedTotals struct {
	Qty        apiQty `json:"qty"`
	AmountExcl int64  `json:"amount_excl" doc:"In cents."`
	Tax        int64  `json:"tax" doc:"In cents."`
	Amount     int64  `json:"amount" doc:"Incl. tax, in cents."`
}

// apiFeedShipTo is a delivery address as the document holds it.
type apiFeedShipTo struct {
	LocationID         uint64 `json:"location_id,omitempty"`
	LocationExternalID string `json:"location_external_id,omitempty"`
	Name               string `json:"name,omitempty"`
	Address            string `json:"address,omitempty"`
	Contact            string `json:"contact,omitempty"`
	Phone              string `json:"phone,omitempty"`
}

// apiFeedOnlineOrder is a dealer's online order (网上订货单).
type apiFeedOnlineOrder struct {
	FeedDocHead
	OrderDate        string        `json:"order_date"`
	RequestedDate    string        `json:"requested_date,omitempty"`
	ShipTo           apiFeedShipTo `json:"ship_to"`
	Contact          string        `json:"contact,omitempty"`
	Phone            string        `json:"phone,omitempty"`
	Remarks          string        `json:"remarks,omitempty"`
	AllowAdjust      bool          `json:"allow_adjust" doc:"Staff may change quantities and prices when making the sales order."`
	CreditHold       bool          `json:"credit_hold" doc:"Over the credit limit and not yet released by finance."`
	CreditApprovedBy string        `json:"credit_approved_by,omitempty"`
	RejectReason     string        `json:"reject_reason,omitempty"`
	SalesOrder       *apiFeedRef   `json:"sales_order,omitempty" doc:"The sales order made from it."`
	Lines            []apiFeedLine `json:"lines"`
	Totals           apiFeedTotals `json:"totals"`
}

// apiFeedReturn is a dealer's online return (网上退货单).
type apiFeedReturn struct {
	FeedDocHead
	ReturnDate   string        `json:"return_date"`
	Reason       string        `json:"reason"`
	Remarks      string        `json:"remarks,omitempty"`
	AllowAdjust  bool          `json:"allow_adjust"`
	RejectReason string        `json:"reject_reason,omitempty"`
	SalesOrder   *apiFeedRef   `json:"sales_order,omitempty"`
	Outbound     *apiFeedRef   `json:"outbound,omitempty" doc:"The outbound it returns goods of, when chosen from one."`
	ReturnNotice *apiFeedRef   `json:"return_notice,omitempty" doc:"The return notice made from it."`
	Lines        []apiFeedLine `json:"lines"`
	Totals       apiFeedTotals `json:"totals"`
}

// apiFeedChange is a sales order change request (销售订单变更申请).
type apiFeedChange struct {
	FeedDocHead
	RequestDate  string              `json:"request_date"`
	Reason       string              `json:"reason,omitempty"`
	RejectReason string              `json:"reject_reason,omitempty"`
	SalesOrder   apiFeedRef          `json:"sales_order"`
	Lines        []apiFeedChangeLine `json:"lines"`
}

// apiFeedChangeLine proposes new values for one sales order line; absent
// values stay as they are.
type apiFeedChangeLine struct {
	Line            int               `json:"line" doc:"The sales order line's number."`
	Product         *apiFeedProduct   `json:"product,omitempty"`
	NewQty          *apiQty           `json:"new_qty,omitempty"`
	NewPrice        *int64            `json:"new_price,omitempty" doc:"Unit price incl. tax, in cents."`
	NewDeliveryDate string            `json:"new_delivery_date,omitempty"`
	Old             *apiFeedChangeOld `json:"old,omitempty" doc:"The line's values before the change, once it is effective."`
}

// apiFeedChangeOld is a sales order line's values before a change.
type apiFeedChangeOld struct {
	Qty          apiQty `json:"qty"`
	Price        int64  `json:"price" doc:"In cents."`
	DeliveryDate string `json:"delivery_date,omitempty"`
}

// apiFeedComplaint is a cross-territory sales complaint (串货投诉).
type apiFeedComplaint struct {
	FeedDocHead
	FiledDate   string           `json:"filed_date"`
	Accused     *apiFeedCustomer `json:"accused,omitempty" doc:"The accused dealer, once staff identified it (only when in the client's scope)."`
	AccusedName string           `json:"accused_name,omitempty" doc:"The accused dealer as the complainant wrote it."`
	Territory   string           `json:"territory"`
	Product     *apiFeedProduct  `json:"product,omitempty"`
	ProductText string           `json:"product_text,omitempty"`
	TraceCodes  string           `json:"trace_codes,omitempty"`
	PlaceFound  string           `json:"place_found"`
	Qty         apiQty           `json:"qty"`
	PriceSeen   int64            `json:"price_seen" doc:"In cents."`
	DateFound   string           `json:"date_found"`
	Description string           `json:"description"`
	Handling    *apiFeedHandling `json:"handling,omitempty"`
}

// apiFeedHandling is staff's decision on a complaint.
type apiFeedHandling struct {
	Findings       string           `json:"findings,omitempty"`
	Responsible    *apiFeedCustomer `json:"responsible,omitempty" doc:"The responsible dealer (only when in the client's scope)."`
	Penalty        int64            `json:"penalty" doc:"In cents."`
	Compensation   int64            `json:"compensation" doc:"In cents."`
	RecallDeadline string           `json:"recall_deadline,omitempty"`
	Resolution     string           `json:"resolution"`
	By             string           `json:"by,omitempty"`
	At             string           `json:"at,omitempty" doc:"The date it was handled."`
}

// apiFeedServiceRequest is a service request (服务请求).
type apiFeedServiceRequest struct {
	FeedDocHead
	RequestDate string              `json:"request_date"`
	Contact     string              `json:"contact"`
	Phone       string              `json:"phone,omitempty"`
	Product     apiFeedProduct      `json:"product"`
	Serial      string              `json:"serial,omitempty"`
	ProblemType string              `json:"problem_type" enum:"malfunction,installation,quality,parts,consultation,other"`
	Priority    string              `json:"priority" enum:"low,normal,high,urgent"`
	Description string              `json:"description"`
	Handler     string              `json:"handler,omitempty" doc:"The staff member handling it."`
	Solution    string              `json:"solution,omitempty"`
	Log         []apiFeedServiceLog `json:"log"`
}

// apiFeedServiceLog is one line of a service request's handling log.
type apiFeedServiceLog struct {
	At     string `json:"at" doc:"YYYY-MM-DD HH:MM in the enterprise's time zone."`
	By     string `json:"by"`
	Action string `json:"action" enum:"start,resolve,close,reopen,note"`
	Note   string `json:"note,omitempty"`
}

// apiFeedOpportunity is an opportunity report (商机报备).
type apiFeedOpportunity struct {
	FeedDocHead
	ReportDate     string                `json:"report_date"`
	Project        string                `json:"project"`
	EndClient      string                `json:"end_client"`
	Region         string                `json:"region,omitempty"`
	ExpectedAmount int64                 `json:"expected_amount" doc:"In cents."`
	ExpectedClose  string                `json:"expected_close,omitempty"`
	Stage          string                `json:"stage" enum:"lead,qualified,proposal,negotiation"`
	Description    string                `json:"description,omitempty"`
	Collided       bool                  `json:"collided" doc:"Another dealer's protection covered the end client when it was submitted."`
	Lines          []apiFeedInterestLine `json:"lines" doc:"The interest range: products, quantities and expected prices."`
	Evaluation     *apiFeedEvaluation    `json:"evaluation,omitempty"`
}

// apiFeedInterestLine is one product of an opportunity's interest range.
type apiFeedInterestLine struct {
	No      int            `json:"no"`
	Product apiFeedProduct `json:"product"`
	Qty     apiQty         `json:"qty"`
	Price   int64          `json:"price" doc:"Expected unit price, in cents."`
	Amount  int64          `json:"amount" doc:"In cents."`
}

// apiFeedEvaluation is staff's verdict on an opportunity.
type apiFeedEvaluation struct {
	Verdict        string `json:"verdict" enum:"accepted,rejected,needs_info"`
	ProtectionEnd  string `json:"protection_end,omitempty" doc:"The last day of the dealer's protection of the end client."`
	WinProbability int    `json:"win_probability" doc:"In percent."`
	Comments       string `json:"comments,omitempty"`
	By             string `json:"by"`
	At             string `json:"at"`
}

// apiFeedStocktake is a dealer's stocktake (盘点库存).
type apiFeedStocktake struct {
	FeedDocHead
	Date     string             `json:"date"`
	Remarks  string             `json:"remarks,omitempty"`
	Source   string             `json:"source,omitempty" doc:"screen, or the name of the imported file."`
	Lines    []apiFeedStockLine `json:"lines"`
	TotalQty apiQty             `json:"total_qty"`
}

// apiFeedStockLine is one counted product.
type apiFeedStockLine struct {
	No      int            `json:"no"`
	Product apiFeedProduct `json:"product"`
	Qty     apiQty         `json:"qty"`
}

// apiFeedReconciliation is the reconciliation state (对账确认) of a posted
// outbound, invoice or receipt document.
type apiFeedReconciliation struct {
	Document apiFeedDocRef       `json:"document"`
	Customer apiFeedCustomer     `json:"customer"`
	Status   string              `json:"status" enum:"unconfirmed,confirmed,disputed"`
	By       string              `json:"by,omitempty" doc:"Who took the last action."`
	At       time.Time           `json:"at,omitzero"`
	OnBehalf bool                `json:"on_behalf" doc:"Staff recorded the last action for the dealer."`
	Comment  string              `json:"comment,omitempty" doc:"The dispute's comment."`
	Version  uint64              `json:"version"`
	Trail    []apiFeedTrailEntry `json:"trail"`
}

// reconDocTypes are the document types of /reconciliations/:doc_type.
var reconDocTypes = map[string]model.DocType{
	store.ExtOutbound: model.DocOutbound, store.ExtInvoice: model.DocInvoice, store.ExtReceipt: model.DocReceipt,
	store.ExtAdvanceReceipt: model.DocAdvanceReceipt, store.ExtRefund: model.DocRefund,
}

func (h *Handler) apiFeedDocOps() []apiOp {
	doc := func(path, id, tag, summary string, fam model.APIFamily, result any, read feedDocFunc) apiOp {
		return apiOp{Method: "GET", Path: path, ID: id, Tag: tag, Family: fam, Summary: summary,
			Doc: "404 for a document of a customer outside the client's scope.", Result: result, Handle: h.apiFeedDoc(read)}
	}
	return []apiOp{
		doc("/online-orders/:id", "getOnlineOrder", "orders", "A dealer's online order, with its lines.", model.APIOrders, &apiFeedOnlineOrder{}, feedOnlineOrder),
		doc("/return-requests/:id", "getReturnRequest", "orders", "A dealer's online return, with its lines.", model.APIOrders, &apiFeedReturn{}, feedReturn),
		doc("/change-requests/:id", "getChangeRequest", "orders", "A sales order change request, with the changes per line.", model.APIOrders, &apiFeedChange{}, feedChange),
		doc("/complaints/:id", "getComplaint", "channel", "A cross-territory sales complaint and its handling.", model.APICustomers, &apiFeedComplaint{}, feedComplaint),
		doc("/service-requests/:id", "getServiceRequest", "channel", "A service request and its handling log.", model.APICustomers, &apiFeedServiceRequest{}, feedServiceRequest),
		doc("/opportunities/:id", "getOpportunity", "channel", "An opportunity report with its interest range and evaluation.", model.APICustomers, &apiFeedOpportunity{}, feedOpportunity),
		doc("/stocktakes/:id", "getStocktake", "channel", "A dealer's stocktake, with its lines.", model.APICustomers, &apiFeedStocktake{}, feedStocktake),
		{Method: "GET", Path: "/reconciliations/:doc_type/:id", ID: "getReconciliation", Tag: "finance", Family: model.APIFinance,
			Summary: "The reconciliation state of a posted outbound, invoice or receipt document.",
			Doc: "doc_type is outbound, invoice, receipt, advance_receipt or refund. A document nobody acted on yet is unconfirmed. " +
				"404 for a document of a customer outside the client's scope.",
			Result: &apiFeedReconciliation{}, Handle: h.apiFeedDoc(feedReconciliation)},
	}
}

// feedDocFunc reads one document through the scope of r and renders it.
type feedDocFunc func(r *feedReader, c *fiber.Ctx, id uint64) (any, error)

// apiFeedDoc answers a document read: the id from the path, the document
// through the client's scope, 404 when it is missing or outside.
func (h *Handler) apiFeedDoc(read feedDocFunc) func(c *fiber.Ctx, a *apiCall) error {
	return func(c *fiber.Ctx, a *apiCall) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		return apiRead(h, c, a, func(t *store.Tx) (any, error) { return read(newFeedReader(t, a.Scope), c, id) })
	}
}

// head fills the common fields of document d of customer cust.
func (r *feedReader) head(kind model.DocType, id, cust uint64, d *model.Doc) (FeedDocHead, error) {
	cref := r.customer(cust)
	if cref == nil {
		return FeedDocHead{}, model.ErrNotFound
	}
	hd := FeedDocHead{ID: id, Number: d.Number, ExternalID: r.t.ExternalOf(feedDocTypes[kind], id), Status: string(d.Status),
		Customer: *cref, Version: d.Version, CreatedAt: d.CreatedAt.UTC(), CreatedBy: d.CreatedBy, UpdatedAt: d.UpdatedAt.UTC(),
		UpdatedBy: d.UpdatedBy}
	hd.Trail = trailOf(d.Trail)
	return hd, nil
}

func trailOf(tr []model.AuditEntry) []apiFeedTrailEntry {
	out := make([]apiFeedTrailEntry, 0, len(tr))
	for _, e := range tr {
		out = append(out, apiFeedTrailEntry{At: e.At.UTC(), By: e.By, Action: e.Action, From: string(e.From), To: string(e.To),
			Reason: e.Reason, OnBehalf: e.OnBehalf})
	}
	return out
}

func (r *feedReader) product(p model.ProductRef) apiFeedProduct {
	return apiFeedProduct{ID: p.ProductID, Code: p.Code, ExternalID: r.t.ExternalOf(store.ExtProduct, p.ProductID), Name: p.Name,
		Spec: p.Spec, Unit: p.Unit}
}

func (r *feedReader) lines(ls []model.OrderLine) []apiFeedLine {
	out := make([]apiFeedLine, 0, len(ls))
	for _, l := range ls {
		out = append(out, apiFeedLine{No: l.No, Product: r.product(model.ProductRef{ProductID: l.ProductID, Code: l.Code, Name: l.Name, Spec: l.Spec, Unit: l.Unit}),
			Qty: qtyJSON(l.Qty), Price: int64(l.Price), TaxRate: l.TaxRate, AmountExcl: int64(l.AmountExcl), Tax: int64(l.Tax),
			Amount: int64(l.Amount), DeliveryDate: l.DeliveryDate, Remark: l.Remark, SourceLine: sourceLine(l.Source)})
	}
	return out
}

// sourceLine is the sales order line a line comes from, 0 for another source.
func sourceLine(s model.LineRef) int {
	if s.Type == model.DocSalesOrder {
		return s.Line
	}
	return 0
}

func totalsOf(t model.Totals) apiFeedTotals {
	return apiFeedTotals{Qty: qtyJSON(t.Qty), AmountExcl: int64(t.AmountExcl), Tax: int64(t.Tax), Amount: int64(t.Amount)}
}

// ref names a linked document by id and number (nil when there is none).
func (r *feedReader) ref(kind string, id uint64, number string) *apiFeedRef {
	if id == 0 {
		return nil
	}
	return &apiFeedRef{ID: id, Number: number, ExternalID: r.t.ExternalOf(kind, id)}
}

// salesOrder reads a linked sales order through the scope (nil when gone).
func (r *feedReader) salesOrder(id uint64) *model.SalesOrder {
	if id == 0 {
		return nil
	}
	so, err := r.t.SalesOrder(r.sc, id)
	if err != nil {
		return nil
	}
	return so
}

// scoped names another customer (an accused or responsible dealer) only
// when it lies in the client's scope.
func (r *feedReader) scoped(id uint64) *apiFeedCustomer {
	if id == 0 {
		return nil
	}
	return r.customer(id)
}

func feedOnlineOrder(r *feedReader, _ *fiber.Ctx, id uint64) (any, error) {
	o, err := r.t.OnlineOrder(r.sc, id)
	if err != nil {
		return nil, err
	}
	hd, err := r.head(model.DocOnlineOrder, o.ID, o.CustomerID, &o.Doc)
	if err != nil {
		return nil, err
	}
	st := o.ShipTo
	return &apiFeedOnlineOrder{FeedDocHead: hd, OrderDate: o.OrderDate, RequestedDate: o.RequestedDate,
		ShipTo: apiFeedShipTo{LocationID: st.LocationID, LocationExternalID: r.t.ExternalOf(store.ExtLocation, st.LocationID), Name: st.Name,
			Address: st.Address, Contact: st.Contact, Phone: st.Phone},
		Contact: o.Contact, Phone: o.Phone, Remarks: o.Remarks, AllowAdjust: o.AllowAdjust,
		CreditHold: o.CreditHold && o.CreditApprovedBy == "", CreditApprovedBy: o.CreditApprovedBy, RejectReason: o.RejectReason,
		SalesOrder: r.ref(store.ExtSalesOrder, o.SalesOrderID, o.SalesOrderNumber), Lines: r.lines(o.Lines), Totals: totalsOf(o.Totals)}, nil
}

func feedReturn(r *feedReader, _ *fiber.Ctx, id uint64) (any, error) {
	rt, err := r.t.OnlineReturn(r.sc, id)
	if err != nil {
		return nil, err
	}
	hd, err := r.head(model.DocOnlineReturn, rt.ID, rt.CustomerID, &rt.Doc)
	if err != nil {
		return nil, err
	}
	out := &apiFeedReturn{FeedDocHead: hd, ReturnDate: rt.ReturnDate, Reason: rt.Reason, Remarks: rt.Remarks, AllowAdjust: rt.AllowAdjust,
		RejectReason: rt.RejectReason, Lines: r.lines(rt.Lines), Totals: totalsOf(rt.Totals)}
	if so := r.salesOrder(rt.SalesOrderID); so != nil {
		out.SalesOrder = r.ref(store.ExtSalesOrder, so.ID, so.Number)
	}
	if rt.OutboundID != 0 {
		if ob, err := r.t.Outbound(r.sc, rt.OutboundID); err == nil {
			out.Outbound = r.ref(store.ExtOutbound, ob.ID, ob.Number)
		}
	}
	if rt.NoticeID != 0 {
		if rn, err := r.t.ReturnNotice(r.sc, rt.NoticeID); err == nil {
			out.ReturnNotice = r.ref(store.ExtReturnNotice, rn.ID, rn.Number)
		}
	}
	return out, nil
}

func feedChange(r *feedReader, _ *fiber.Ctx, id uint64) (any, error) {
	cr, err := r.t.ChangeRequest(r.sc, id)
	if err != nil {
		return nil, err
	}
	hd, err := r.head(model.DocChangeRequest, cr.ID, cr.CustomerID, &cr.Doc)
	if err != nil {
		return nil, err
	}
	out := &apiFeedChange{FeedDocHead: hd, RequestDate: cr.RequestDate, Reason: cr.Reason, RejectReason: cr.RejectReason,
		SalesOrder: apiFeedRef{ID: cr.SalesOrderID, Number: cr.SalesOrderNo, ExternalID: r.t.ExternalOf(store.ExtSalesOrder, cr.SalesOrderID)},
		Lines:      make([]apiFeedChangeLine, 0, len(cr.Lines))}
	so := r.salesOrder(cr.SalesOrderID)
	for _, l := range cr.Lines {
		cl := apiFeedChangeLine{Line: l.Line, NewDeliveryDate: l.NewDelivery}
		if so != nil {
			if sl := so.LineByNo(l.Line); sl != nil {
				p := r.product(model.ProductRef{ProductID: sl.ProductID, Code: sl.Code, Name: sl.Name, Spec: sl.Spec, Unit: sl.Unit})
				cl.Product = &p
			}
		}
		if l.NewQty != nil {
			q := qtyJSON(*l.NewQty)
			cl.NewQty = &q
		}
		if l.NewPrice != nil {
			p := int64(*l.NewPrice)
			cl.NewPrice = &p
		}
		if cr.Status == model.StatusEffective {
			cl.Old = &apiFeedChangeOld{Qty: qtyJSON(l.OldQty), Price: int64(l.OldPrice), DeliveryDate: l.OldDelivery}
		}
		out.Lines = append(out.Lines, cl)
	}
	return out, nil
}

func feedComplaint(r *feedReader, _ *fiber.Ctx, id uint64) (any, error) {
	cp, err := r.t.Complaint(r.sc, id)
	if err != nil {
		return nil, err
	}
	hd, err := r.head(model.DocComplaint, cp.ID, cp.CustomerID, &cp.Doc)
	if err != nil {
		return nil, err
	}
	out := &apiFeedComplaint{FeedDocHead: hd, FiledDate: cp.FiledDate, Accused: r.scoped(cp.AccusedID), AccusedName: cp.AccusedName,
		Territory: cp.Territory, ProductText: cp.ProductText, TraceCodes: cp.TraceCodes, PlaceFound: cp.PlaceFound,
		Qty: qtyJSON(cp.Qty), PriceSeen: int64(cp.PriceSeen), DateFound: cp.DateFound, Description: cp.Description}
	if cp.Product.ProductID != 0 {
		p := r.product(cp.Product)
		out.Product = &p
	}
	if hc := cp.Handling; hc != nil {
		out.Handling = &apiFeedHandling{Findings: hc.Findings, Responsible: r.scoped(hc.ResponsibleID), Penalty: int64(hc.Penalty),
			Compensation: int64(hc.Compensation), RecallDeadline: hc.RecallDeadline, Resolution: hc.Resolution, By: hc.By, At: hc.At}
	}
	return out, nil
}

func feedServiceRequest(r *feedReader, _ *fiber.Ctx, id uint64) (any, error) {
	sr, err := r.t.ServiceRequest(r.sc, id)
	if err != nil {
		return nil, err
	}
	hd, err := r.head(model.DocServiceRequest, sr.ID, sr.CustomerID, &sr.Doc)
	if err != nil {
		return nil, err
	}
	out := &apiFeedServiceRequest{FeedDocHead: hd, RequestDate: sr.RequestDate, Contact: sr.Contact, Phone: sr.Phone,
		Product: r.product(sr.Product), Serial: sr.Serial, ProblemType: sr.ProblemType, Priority: sr.Priority,
		Description: sr.Description, Handler: sr.HandlerName, Solution: sr.Solution, Log: make([]apiFeedServiceLog, 0, len(sr.Log))}
	for _, e := range sr.Log {
		out.Log = append(out.Log, apiFeedServiceLog{At: e.At, By: e.By, Action: e.Action, Note: e.Note})
	}
	return out, nil
}

func feedOpportunity(r *feedReader, _ *fiber.Ctx, id uint64) (any, error) {
	o, err := r.t.Opportunity(r.sc, id)
	if err != nil {
		return nil, err
	}
	hd, err := r.head(model.DocOpportunity, o.ID, o.CustomerID, &o.Doc)
	if err != nil {
		return nil, err
	}
	out := &apiFeedOpportunity{FeedDocHead: hd, ReportDate: o.ReportDate, Project: o.Project, EndClient: o.EndClient, Region: o.Region,
		ExpectedAmount: int64(o.ExpectedAmount), ExpectedClose: o.ExpectedClose, Stage: o.Stage, Description: o.Description,
		Collided: o.Collided, Lines: make([]apiFeedInterestLine, 0, len(o.Lines))}
	for _, l := range o.Lines {
		out.Lines = append(out.Lines, apiFeedInterestLine{No: l.No, Product: r.product(l.ProductRef), Qty: qtyJSON(l.Qty),
			Price: int64(l.Price), Amount: int64(l.Amount)})
	}
	if ev := o.Evaluation; ev != nil {
		out.Evaluation = &apiFeedEvaluation{Verdict: ev.Verdict, ProtectionEnd: ev.ProtectionEnd, WinProbability: ev.WinProbability,
			Comments: ev.Comments, By: ev.By, At: ev.At}
	}
	return out, nil
}

func feedStocktake(r *feedReader, _ *fiber.Ctx, id uint64) (any, error) {
	s, err := r.t.Stocktake(r.sc, id)
	if err != nil {
		return nil, err
	}
	hd, err := r.head(model.DocStocktake, s.ID, s.CustomerID, &s.Doc)
	if err != nil {
		return nil, err
	}
	out := &apiFeedStocktake{FeedDocHead: hd, Date: s.Date, Remarks: s.Remarks, Source: s.Source, TotalQty: qtyJSON(s.TotalQty()),
		Lines: make([]apiFeedStockLine, 0, len(s.Lines))}
	for _, l := range s.Lines {
		out.Lines = append(out.Lines, apiFeedStockLine{No: l.No, Product: r.product(l.ProductRef), Qty: qtyJSON(l.Qty)})
	}
	return out, nil
}

func feedReconciliation(r *feedReader, c *fiber.Ctx, id uint64) (any, error) {
	kind, ok := reconDocTypes[c.Params("doc_type")]
	if !ok {
		return nil, model.ErrNotFound
	}
	rc, err := r.t.Reconciliation(r.sc, kind, id)
	if err != nil {
		return nil, err
	}
	cref := r.customer(rc.CustomerID)
	if cref == nil {
		return nil, model.ErrNotFound
	}
	name := feedDocTypes[kind]
	return &apiFeedReconciliation{
		Document: apiFeedDocRef{Type: name, ID: id, Number: rc.Number, ExternalID: r.t.ExternalOf(name, id),
			Href: feedDocPaths[kind] + strconv.FormatUint(id, 10)},
		Customer: *cref, Status: string(rc.State()), By: rc.By, At: rc.At.UTC(), OnBehalf: rc.OnBehalf, Comment: rc.Comment,
		Version: rc.Version, Trail: trailOf(rc.Trail)}, nil
}
