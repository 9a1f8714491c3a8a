package handlers

import (
	"strings"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Reading the order documents back: a sales order with its execution
// figures, a delivery notice with what has shipped, an outbound with what
// has been invoiced; by the portal's id or by the ERP's number. Every read
// goes through the client's scope: another region's document is a 404.

// apiSalesOrder is a sales order as the API shows it.
type apiSalesOrder struct {
	ID                 uint64              `json:"id"`
	Number             string              `json:"number" doc:"The portal's number (SO-2026-000123)."`
	ExternalID         string              `json:"external_id,omitempty" doc:"The ERP's number, when it has one."`
	Outcome            string              `json:"outcome,omitempty" enum:"created,unchanged" doc:"Answers to a push only: created, or unchanged when the push found the document made before."`
	Status             string              `json:"status" enum:"draft,audited,closed,void"`
	CustomerID         uint64              `json:"customer_id"`
	CustomerCode       string              `json:"customer_code"`
	CustomerExternalID string              `json:"customer_external_id,omitempty"`
	OnlineOrderID      uint64              `json:"online_order_id,omitempty" doc:"The online order it was generated from."`
	OnlineOrderNumber  string              `json:"online_order_number,omitempty"`
	OrderDate          string              `json:"order_date"`
	DeliveryDate       string              `json:"delivery_date,omitempty"`
	ShipTo             apiOrderShipTo      `json:"ship_to"`
	Contact            string              `json:"contact,omitempty"`
	Phone              string              `json:"phone,omitempty"`
	Remarks            string              `json:"remarks,omitempty"`
	Settlement         string              `json:"settlement,omitempty"`
	Salesperson        string              `json:"salesperson,omitempty" doc:"The salesperson's username."`
	Lines              []apiSalesOrderLine `json:"lines"`
	Totals             apiOrderTotals      `json:"totals"`
	Version            uint64              `json:"version"`
	CreatedAt          time.Time           `json:"created_at"`
	UpdatedAt          time.Time           `json:"updated_at"`
}

func (o *apiSalesOrder) setOutcome(s string) { o.Outcome = s }

// apiSalesOrderLine is a sales order line with its execution figures (the
// execution report's columns).
type apiSalesOrderLine struct {
	Line              int    `json:"line"`
	ProductID         uint64 `json:"product_id"`
	ProductCode       string `json:"product_code"`
	ProductExternalID string `json:"product_external_id,omitempty"`
	Name              string `json:"name"`
	Spec              string `json:"spec,omitempty"`
	Unit              string `json:"unit,omitempty"`
	Qty               apiQty `json:"qty"`
	UnitPrice         int64  `json:"unit_price" doc:"Tax-inclusive, in cents."`
	TaxRate           apiQty `json:"tax_rate" doc:"In percent."`
	AmountExcl        int64  `json:"amount_excl" doc:"In cents."`
	Tax               int64  `json:"tax" doc:"In cents."`
	Amount            int64  `json:"amount" doc:"Tax-inclusive, in cents."`
	DeliveryDate      string `json:"delivery_date,omitempty"`
	Remark            string `json:"remark,omitempty"`
	NoticedQty        apiQty `json:"noticed_qty" doc:"On delivery notices."`
	ShippedQty        apiQty `json:"shipped_qty" doc:"On outbounds, net of red outbounds."`
	ShippedAmount     int64  `json:"shipped_amount" doc:"The shipped quantity at the line's price, in cents."`
	ReturnedQty       apiQty `json:"returned_qty" doc:"On red outbounds."`
	InvoicedQty       apiQty `json:"invoiced_qty"`
	InvoicedAmount    int64  `json:"invoiced_amount" doc:"In cents."`
	ReceivedAmount    int64  `json:"received_amount" doc:"Written off against its invoices, in cents."`
	OpenQty           apiQty `json:"open_qty" doc:"Still to ship: only an audited order has an open quantity."`
}

// apiOrderTotals are a document's sums.
type apiOrderTotals struct {
	Qty        apiQty `json:"qty"`
	AmountExcl int64  `json:"amount_excl" doc:"In cents."`
	Tax        int64  `json:"tax" doc:"In cents."`
	Amount     int64  `json:"amount" doc:"Tax-inclusive, in cents."`
}

// apiOrderShipTo is the delivery address a document carries (a copy of the
// location when the document was made).
type apiOrderShipTo struct {
	LocationID         uint64 `json:"location_id,omitempty"`
	LocationExternalID string `json:"location_external_id,omitempty"`
	Name               string `json:"name,omitempty"`
	Address            string `json:"address,omitempty"`
	Contact            string `json:"contact,omitempty"`
	Phone              string `json:"phone,omitempty"`
}

// apiGoodsReceipt is the dealer's confirmation that goods arrived (到货签收).
type apiGoodsReceipt struct {
	By       string    `json:"by" doc:"The dealer user's username."`
	At       time.Time `json:"at"`
	Note     string    `json:"note,omitempty"`
	Problems bool      `json:"problems" doc:"A shortage or damage was reported."`
}

// apiDeliveryNotice is a delivery notice as the API shows it.
type apiDeliveryNotice struct {
	ID                   uint64           `json:"id"`
	Number               string           `json:"number" doc:"The portal's number (DN-2026-000123)."`
	ExternalID           string           `json:"external_id,omitempty"`
	Outcome              string           `json:"outcome,omitempty" enum:"created,unchanged" doc:"Answers to a push only."`
	Status               string           `json:"status" enum:"audited,shipped,received,closed,void"`
	CustomerID           uint64           `json:"customer_id"`
	CustomerCode         string           `json:"customer_code"`
	CustomerExternalID   string           `json:"customer_external_id,omitempty"`
	SalesOrderID         uint64           `json:"sales_order_id"`
	SalesOrderNumber     string           `json:"sales_order_number"`
	SalesOrderExternalID string           `json:"sales_order_external_id,omitempty"`
	ShipDate             string           `json:"ship_date"`
	Carrier              string           `json:"carrier,omitempty"`
	TrackingNumber       string           `json:"tracking_number,omitempty"`
	ShipTo               apiOrderShipTo   `json:"ship_to"`
	Remarks              string           `json:"remarks,omitempty"`
	Lines                []apiNoticeLine  `json:"lines"`
	Totals               apiOrderTotals   `json:"totals"`
	Receipt              *apiGoodsReceipt `json:"receipt,omitempty"`
	Version              uint64           `json:"version"`
	CreatedAt            time.Time        `json:"created_at"`
	UpdatedAt            time.Time        `json:"updated_at"`
}

func (d *apiDeliveryNotice) setOutcome(s string) { d.Outcome = s }

// apiNoticeLine is a delivery notice line.
type apiNoticeLine struct {
	Line              int    `json:"line"`
	OrderLine         int    `json:"order_line" doc:"The sales order line it ships."`
	ProductID         uint64 `json:"product_id"`
	ProductCode       string `json:"product_code"`
	ProductExternalID string `json:"product_external_id,omitempty"`
	Name              string `json:"name"`
	Unit              string `json:"unit,omitempty"`
	Qty               apiQty `json:"qty"`
	UnitPrice         int64  `json:"unit_price" doc:"Tax-inclusive, in cents."`
	TaxRate           apiQty `json:"tax_rate" doc:"In percent."`
	Amount            int64  `json:"amount" doc:"Tax-inclusive, in cents."`
	ShippedQty        apiQty `json:"shipped_qty" doc:"Shipped by outbounds made from this notice."`
}

// apiOutbound is an outbound as the API shows it.
type apiOutbound struct {
	ID                       uint64            `json:"id"`
	Number                   string            `json:"number" doc:"The portal's number (OB-2026-000123)."`
	ExternalID               string            `json:"external_id,omitempty"`
	Outcome                  string            `json:"outcome,omitempty" enum:"created,unchanged" doc:"Answers to a push only."`
	Status                   string            `json:"status" doc:"audited: an outbound is posted when it is made."`
	Red                      bool              `json:"red" doc:"A red outbound (红字): goods taken back, quantities and amounts negative."`
	CustomerID               uint64            `json:"customer_id"`
	CustomerCode             string            `json:"customer_code"`
	CustomerExternalID       string            `json:"customer_external_id,omitempty"`
	SalesOrderID             uint64            `json:"sales_order_id"`
	SalesOrderNumber         string            `json:"sales_order_number"`
	SalesOrderExternalID     string            `json:"sales_order_external_id,omitempty"`
	DeliveryNoticeID         uint64            `json:"delivery_notice_id,omitempty"`
	DeliveryNoticeExternalID string            `json:"delivery_notice_external_id,omitempty"`
	ReturnNoticeID           uint64            `json:"return_notice_id,omitempty"`
	ReturnNoticeExternalID   string            `json:"return_notice_external_id,omitempty"`
	PostDate                 string            `json:"post_date"`
	Remarks                  string            `json:"remarks,omitempty"`
	Lines                    []apiOutboundLine `json:"lines"`
	Totals                   apiOrderTotals    `json:"totals"`
	Receipt                  *apiGoodsReceipt  `json:"receipt,omitempty"`
	Version                  uint64            `json:"version"`
	CreatedAt                time.Time         `json:"created_at"`
	UpdatedAt                time.Time         `json:"updated_at"`
}

func (o *apiOutbound) setOutcome(s string) { o.Outcome = s }

// apiOutboundLine is an outbound line.
type apiOutboundLine struct {
	Line              int    `json:"line"`
	OrderLine         int    `json:"order_line" doc:"The sales order line it ships (or takes back)."`
	ProductID         uint64 `json:"product_id"`
	ProductCode       string `json:"product_code"`
	ProductExternalID string `json:"product_external_id,omitempty"`
	Name              string `json:"name"`
	Unit              string `json:"unit,omitempty"`
	Qty               apiQty `json:"qty" doc:"Negative on a red outbound."`
	UnitPrice         int64  `json:"unit_price" doc:"Tax-inclusive, in cents."`
	TaxRate           apiQty `json:"tax_rate" doc:"In percent."`
	AmountExcl        int64  `json:"amount_excl" doc:"In cents."`
	Tax               int64  `json:"tax" doc:"In cents."`
	Amount            int64  `json:"amount" doc:"Tax-inclusive, in cents."`
	InvoicedQty       apiQty `json:"invoiced_qty"`
	InvoicedAmount    int64  `json:"invoiced_amount" doc:"In cents."`
}

// ordTaxRate shows basis points as a percentage number: 1300 is 13.
func ordTaxRate(bp int64) apiQty {
	return apiQty(strings.TrimSuffix(model.FormatTaxRate(bp), "%"))
}

func ordTotals(t model.Totals) apiOrderTotals {
	return apiOrderTotals{Qty: qtyJSON(t.Qty), AmountExcl: int64(t.AmountExcl), Tax: int64(t.Tax), Amount: int64(t.Amount)}
}

func ordShipTo(t *store.Tx, s model.ShipTo) apiOrderShipTo {
	out := apiOrderShipTo{LocationID: s.LocationID, Name: s.Name, Address: s.Address, Contact: s.Contact, Phone: s.Phone}
	if s.LocationID != 0 {
		out.LocationExternalID = t.ExternalOf(store.ExtLocation, s.LocationID)
	}
	return out
}

func ordReceipt(r *model.Receipt) *apiGoodsReceipt {
	if r == nil {
		return nil
	}
	return &apiGoodsReceipt{By: r.By, At: r.ReceiptTime(), Note: r.Note, Problems: r.Problems}
}

// ordSalesOrderOut renders a sales order with its execution figures, read
// as the execution report reads them (store.ExecutionRow).
func ordSalesOrderOut(t *store.Tx, sc store.Scope, o *model.SalesOrder) *apiSalesOrder {
	out := &apiSalesOrder{ID: o.ID, Number: o.Number, ExternalID: t.ExternalOf(store.ExtSalesOrder, o.ID), Status: string(o.Status),
		CustomerID: o.CustomerID, OnlineOrderID: o.OnlineOrderID, OnlineOrderNumber: o.OnlineOrderNumber, OrderDate: o.OrderDate, DeliveryDate: o.DeliveryDate,
		ShipTo: ordShipTo(t, o.ShipTo), Contact: o.Contact, Phone: o.Phone, Remarks: o.Remarks, Settlement: o.Settlement,
		Lines: make([]apiSalesOrderLine, 0, len(o.Lines)), Totals: ordTotals(o.Totals),
		Version: o.Version, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
	out.CustomerCode, out.CustomerExternalID = customerLabel(t, sc, o.CustomerID)
	if o.SalespersonID != 0 {
		if u, err := t.UserByID(o.SalespersonID); err == nil {
			out.Salesperson = u.Username
		}
	}
	for _, l := range o.Lines {
		row := store.ExecutionRow{SalesOrderID: o.ID, Status: o.Status, Line: l}
		out.Lines = append(out.Lines, apiSalesOrderLine{Line: l.No, ProductID: l.ProductID, ProductCode: l.Code,
			ProductExternalID: t.ExternalOf(store.ExtProduct, l.ProductID), Name: l.Name, Spec: l.Spec, Unit: l.Unit,
			Qty: qtyJSON(l.Qty), UnitPrice: int64(l.Price), TaxRate: ordTaxRate(l.TaxRate),
			AmountExcl: int64(l.AmountExcl), Tax: int64(l.Tax), Amount: int64(l.Amount), DeliveryDate: l.DeliveryDate, Remark: l.Remark,
			NoticedQty: qtyJSON(l.NoticedQty), ShippedQty: qtyJSON(l.ShippedQty), ShippedAmount: int64(row.ShippedAmount()),
			ReturnedQty: qtyJSON(l.ReturnedQty), InvoicedQty: qtyJSON(l.InvoicedQty), InvoicedAmount: int64(l.InvoicedAmount),
			ReceivedAmount: int64(l.ReceivedAmount), OpenQty: qtyJSON(row.OpenQty())})
	}
	return out
}

func ordDeliveryNoticeOut(t *store.Tx, sc store.Scope, d *model.DeliveryNotice) *apiDeliveryNotice {
	out := &apiDeliveryNotice{ID: d.ID, Number: d.Number, ExternalID: t.ExternalOf(store.ExtDeliveryNotice, d.ID), Status: string(d.Status),
		CustomerID: d.CustomerID, SalesOrderID: d.SalesOrderID, SalesOrderNumber: orderNumber(t, d.SalesOrderID), SalesOrderExternalID: t.ExternalOf(store.ExtSalesOrder, d.SalesOrderID),
		ShipDate: d.ShipDate, Carrier: d.Carrier, TrackingNumber: d.TrackingNo, ShipTo: ordShipTo(t, d.ShipTo), Remarks: d.Remarks,
		Lines: make([]apiNoticeLine, 0, len(d.Lines)), Totals: ordTotals(d.Totals), Receipt: ordReceipt(d.Receipt),
		Version: d.Version, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	out.CustomerCode, out.CustomerExternalID = customerLabel(t, sc, d.CustomerID)
	for i, l := range d.Lines {
		out.Lines = append(out.Lines, apiNoticeLine{Line: l.No, OrderLine: l.Source.Line, ProductID: l.ProductID, ProductCode: l.Code,
			ProductExternalID: t.ExternalOf(store.ExtProduct, l.ProductID), Name: l.Name, Unit: l.Unit, Qty: qtyJSON(l.Qty),
			UnitPrice: int64(l.Price), TaxRate: ordTaxRate(l.TaxRate), Amount: int64(l.Amount), ShippedQty: qtyJSON(l.Qty - d.NoticeRest(i))})
	}
	return out
}

func ordOutboundOut(t *store.Tx, sc store.Scope, ob *model.Outbound) *apiOutbound {
	out := &apiOutbound{ID: ob.ID, Number: ob.Number, ExternalID: t.ExternalOf(store.ExtOutbound, ob.ID), Status: string(ob.Status), Red: ob.Red,
		CustomerID: ob.CustomerID, SalesOrderID: ob.SalesOrderID, SalesOrderNumber: orderNumber(t, ob.SalesOrderID), SalesOrderExternalID: t.ExternalOf(store.ExtSalesOrder, ob.SalesOrderID),
		DeliveryNoticeID: ob.DeliveryNoticeID, ReturnNoticeID: ob.ReturnNoticeID, PostDate: ob.PostDate, Remarks: ob.Remarks,
		Lines: make([]apiOutboundLine, 0, len(ob.Lines)), Totals: ordTotals(ob.Totals), Receipt: ordReceipt(ob.Receipt),
		Version: ob.Version, CreatedAt: ob.CreatedAt, UpdatedAt: ob.UpdatedAt}
	out.CustomerCode, out.CustomerExternalID = customerLabel(t, sc, ob.CustomerID)
	if ob.DeliveryNoticeID != 0 {
		out.DeliveryNoticeExternalID = t.ExternalOf(store.ExtDeliveryNotice, ob.DeliveryNoticeID)
	}
	if ob.ReturnNoticeID != 0 {
		out.ReturnNoticeExternalID = t.ExternalOf(store.ExtReturnNotice, ob.ReturnNoticeID)
	}
	for i, l := range ob.Lines {
		line := apiOutboundLine{Line: l.No, OrderLine: l.Source.Line, ProductID: l.ProductID, ProductCode: l.Code,
			ProductExternalID: t.ExternalOf(store.ExtProduct, l.ProductID), Name: l.Name, Unit: l.Unit, Qty: qtyJSON(l.Qty),
			UnitPrice: int64(l.Price), TaxRate: ordTaxRate(l.TaxRate), AmountExcl: int64(l.AmountExcl), Tax: int64(l.Tax), Amount: int64(l.Amount),
			InvoicedQty: qtyJSON(0)}
		if i < len(ob.InvoicedQty) {
			line.InvoicedQty = qtyJSON(ob.InvoicedQty[i])
		}
		if i < len(ob.Invoiced) {
			line.InvoicedAmount = int64(ob.Invoiced[i])
		}
		out.Lines = append(out.Lines, line)
	}
	return out
}

// The readers a push renders its document with, and the GET operations.

func (h *Handler) ordSalesOrderWire(a *apiCall) func(t *store.Tx, id uint64) (ordWire, error) {
	return func(t *store.Tx, id uint64) (ordWire, error) {
		o, err := t.SalesOrder(a.Scope, id)
		if err != nil {
			return nil, err
		}
		return ordSalesOrderOut(t, a.Scope, o), nil
	}
}

func (h *Handler) ordDeliveryNoticeWire(a *apiCall) func(t *store.Tx, id uint64) (ordWire, error) {
	return func(t *store.Tx, id uint64) (ordWire, error) {
		d, err := t.DeliveryNotice(a.Scope, id)
		if err != nil {
			return nil, err
		}
		return ordDeliveryNoticeOut(t, a.Scope, d), nil
	}
}

func (h *Handler) ordOutboundWire(a *apiCall) func(t *store.Tx, id uint64) (ordWire, error) {
	return func(t *store.Tx, id uint64) (ordWire, error) {
		ob, err := t.Outbound(a.Scope, id)
		if err != nil {
			return nil, err
		}
		return ordOutboundOut(t, a.Scope, ob), nil
	}
}

// apiGetSalesOrder is GET /sales-orders/:id and /by-external/:external_id.
func (h *Handler) apiGetSalesOrder(c *fiber.Ctx, a *apiCall) error {
	return getDoc(h, c, a, store.ExtSalesOrder, h.ordSalesOrderWire(a))
}

// apiGetDeliveryNotice is GET /delivery-notices/:id and
// /by-external/:external_id.
func (h *Handler) apiGetDeliveryNotice(c *fiber.Ctx, a *apiCall) error {
	return getDoc(h, c, a, store.ExtDeliveryNotice, h.ordDeliveryNoticeWire(a))
}

// apiGetOutbound is GET /outbounds/:id and /by-external/:external_id.
func (h *Handler) apiGetOutbound(c *fiber.Ctx, a *apiCall) error {
	return getDoc(h, c, a, store.ExtOutbound, h.ordOutboundWire(a))
}
