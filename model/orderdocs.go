package model

// The order documents. Each embeds Doc (number, status, trail, Meta) and
// implements Document for the store's shared machinery. Per-line execution
// figures live on the sales order lines and are maintained in the same
// transaction as the document that changes them, so reports read them.

// OnlineOrder (网上订货单) is a dealer's order.
//
// Only the three text fields carry tag rules; the nested values are marked
// `validate:"-"` so that the tag validator does not walk them (it boxed
// every nested struct and time on each submit: 30 allocations for no rule).
// Validate checks the lines and dates itself.
type OnlineOrder struct {
	ID            uint64      `json:"id"`
	CustomerID    uint64      `json:"customer_id"`
	OrderDate     string      `json:"order_date"`
	RequestedDate string      `json:"requested_date,omitempty"`
	ShipTo        ShipTo      `json:"ship_to" validate:"-"`
	Contact       string      `json:"contact,omitempty" validate:"max=40"`
	Phone         string      `json:"phone,omitempty" validate:"max=30"`
	Remarks       string      `json:"remarks,omitempty" validate:"max=500"`
	AllowAdjust   bool        `json:"allow_adjust,omitempty"`
	Lines         []OrderLine `json:"lines" validate:"-"`
	Totals        Totals      `json:"totals" validate:"-"`
	// CreditHold is set when the order went past the credit limit at submit;
	// CreditApprovedBy when finance released it.
	CreditHold       bool   `json:"credit_hold,omitempty"`
	CreditApprovedBy string `json:"credit_approved_by,omitempty"`
	// CreditLimit and CreditExposure are the figures the hold was decided on.
	CreditLimit      Money  `json:"credit_limit,omitempty"`
	CreditExposure   Money  `json:"credit_exposure,omitempty"`
	RejectReason     string `json:"reject_reason,omitempty"`
	SalesOrderID     uint64 `json:"sales_order_id,omitempty"`
	SalesOrderNumber string `json:"sales_order_number,omitempty"`
	Doc              `validate:"-"`
}

func (o *OnlineOrder) DocID() uint64      { return o.ID }
func (o *OnlineOrder) SetDocID(id uint64) { o.ID = id }
func (o *OnlineOrder) Owner() uint64      { return o.CustomerID }
func (o *OnlineOrder) Summarize() DocSummary {
	s := DocSummary{Status: o.Status, Date: o.OrderDate, Amount: o.Totals.Amount, Text: o.ShipTo.Name + " " + o.Remarks + " " + o.CreatedBy}
	if o.CreditHold && o.CreditApprovedBy == "" {
		s.Flag = "hold"
	}
	return s
}

// SalesOrderLine is a sales order line with its execution figures.
type SalesOrderLine struct {
	OrderLine
	NoticedQty     Qty   `json:"noticed_qty,omitempty"`     // on delivery notices
	ShippedQty     Qty   `json:"shipped_qty,omitempty"`     // on posted outbounds, net of red
	ReturnedQty    Qty   `json:"returned_qty,omitempty"`    // on red outbounds
	InvoicedQty    Qty   `json:"invoiced_qty,omitempty"`    // on invoices (reconciliation)
	InvoicedAmount Money `json:"invoiced_amount,omitempty"` // on invoices
	ReceivedAmount Money `json:"received_amount,omitempty"` // written off against its invoices
	// Maintained by the shipping and returns module (model/shipping.go):
	// NoticeOpenQty is noticed but not yet shipped (on open delivery notices),
	// ClaimedQty is claimed by open returns (draft or submitted online returns
	// and the unreceived part of audited return notices).
	NoticeOpenQty Qty `json:"notice_open_qty,omitempty"`
	ClaimedQty    Qty `json:"claimed_qty,omitempty"`
	// Change history: values before each effective change request.
	Changes []LineChange `json:"changes,omitempty"`
}

// OpenQty is what is still to ship: ordered − shipped (never below zero).
func (l *SalesOrderLine) OpenQty() Qty {
	if q := l.Qty - l.ShippedQty; q > 0 {
		return q
	}
	return 0
}

// LineChange records one change request applied to a sales order line.
type LineChange struct {
	RequestID   uint64 `json:"request_id"`
	Number      string `json:"number"`
	OldQty      Qty    `json:"old_qty"`
	OldPrice    Money  `json:"old_price"`
	OldDelivery string `json:"old_delivery,omitempty"`
}

// SalesOrder (销售订单) is the enterprise's order, made by staff directly or
// from an online order.
type SalesOrder struct {
	ID            uint64           `json:"id"`
	CustomerID    uint64           `json:"customer_id"`
	OnlineOrderID uint64           `json:"online_order_id,omitempty"`
	OrderDate     string           `json:"order_date"`
	DeliveryDate  string           `json:"delivery_date,omitempty"`
	ShipTo        ShipTo           `json:"ship_to"`
	Contact       string           `json:"contact,omitempty" validate:"max=40"`
	Phone         string           `json:"phone,omitempty" validate:"max=30"`
	Remarks       string           `json:"remarks,omitempty" validate:"max=500"`
	SalespersonID uint64           `json:"salesperson_id,omitempty"`
	OrgUnitID     uint64           `json:"org_unit_id,omitempty"`
	Settlement    string           `json:"settlement,omitempty" validate:"max=40"`
	Lines         []SalesOrderLine `json:"lines"`
	Totals        Totals           `json:"totals"`
	// Downstream counts the documents made from it (notices, outbounds,
	// change requests…): unaudit is allowed only at zero.
	Downstream int `json:"downstream,omitempty"`
	// OnlineOrderNumber is the number of the online order it came from.
	OnlineOrderNumber string `json:"online_order_number,omitempty"`
	// PurchaseRecorded: its lines went into "previously bought" (first audit).
	PurchaseRecorded bool `json:"purchase_recorded,omitempty"`
	Doc
}

func (o *SalesOrder) DocID() uint64      { return o.ID }
func (o *SalesOrder) SetDocID(id uint64) { o.ID = id }
func (o *SalesOrder) Owner() uint64      { return o.CustomerID }
func (o *SalesOrder) Summarize() DocSummary {
	return DocSummary{Status: o.Status, Date: o.OrderDate, Amount: o.Totals.Amount, Text: o.ShipTo.Name + " " + o.Remarks}
}

// FullyShipped reports whether every line has shipped its ordered quantity.
func (o *SalesOrder) FullyShipped() bool {
	for i := range o.Lines {
		if o.Lines[i].OpenQty() > 0 {
			return false
		}
	}
	return len(o.Lines) > 0
}

// DeliveryNotice (发货通知单) tells the dealer what ships when and how.
type DeliveryNotice struct {
	ID           uint64      `json:"id"`
	CustomerID   uint64      `json:"customer_id"`
	SalesOrderID uint64      `json:"sales_order_id"`
	ShipDate     string      `json:"ship_date"`
	Carrier      string      `json:"carrier,omitempty" validate:"max=60"`
	TrackingNo   string      `json:"tracking_no,omitempty" validate:"max=60"`
	ShipTo       ShipTo      `json:"ship_to"`
	Remarks      string      `json:"remarks,omitempty" validate:"max=500"`
	Lines        []OrderLine `json:"lines"` // Source: the sales order line
	Totals       Totals      `json:"totals"`
	Receipt      *Receipt    `json:"receipt,omitempty"`
	// ShippedQty per line: shipped by outbounds made from this notice.
	ShippedQty []Qty `json:"shipped_qty,omitempty"`
	Doc
}

// Receipt is the dealer's confirmation that goods arrived (到货签收), with a
// note on any shortage or damage.
type Receipt struct {
	By       string `json:"by"`
	At       string `json:"at"`
	Note     string `json:"note,omitempty"`
	Problems bool   `json:"problems,omitempty"`
}

func (d *DeliveryNotice) DocID() uint64      { return d.ID }
func (d *DeliveryNotice) SetDocID(id uint64) { d.ID = id }
func (d *DeliveryNotice) Owner() uint64      { return d.CustomerID }
func (d *DeliveryNotice) Summarize() DocSummary {
	return DocSummary{Status: d.Status, Date: d.ShipDate, Amount: d.Totals.Amount, Text: d.Carrier + " " + d.TrackingNo}
}

// Outbound (销售出库单) posts goods out of stock; a red outbound (红字) has
// negative quantities, comes from a return notice and restocks.
type Outbound struct {
	ID               uint64      `json:"id"`
	CustomerID       uint64      `json:"customer_id"`
	Red              bool        `json:"red,omitempty"`
	SalesOrderID     uint64      `json:"sales_order_id,omitempty"`
	DeliveryNoticeID uint64      `json:"delivery_notice_id,omitempty"`
	ReturnNoticeID   uint64      `json:"return_notice_id,omitempty"`
	PostDate         string      `json:"post_date"`
	Remarks          string      `json:"remarks,omitempty" validate:"max=500"`
	Lines            []OrderLine `json:"lines"` // Source: the sales order line
	Totals           Totals      `json:"totals"`
	// InvoicedQty / InvoicedAmount per line index, filled by invoices.
	Invoiced    []Money  `json:"invoiced,omitempty"`
	InvoicedQty []Qty    `json:"invoiced_qty,omitempty"`
	Receipt     *Receipt `json:"receipt,omitempty"`
	Doc
}

func (o *Outbound) DocID() uint64      { return o.ID }
func (o *Outbound) SetDocID(id uint64) { o.ID = id }
func (o *Outbound) Owner() uint64      { return o.CustomerID }
func (o *Outbound) Summarize() DocSummary {
	s := DocSummary{Status: o.Status, Date: o.PostDate, Amount: o.Totals.Amount, Text: o.Remarks}
	if o.Red {
		s.Flag = "red"
	}
	return s
}

// OnlineReturn (网上退货单) is a dealer's request to return goods from an
// audited sales order or an outbound.
type OnlineReturn struct {
	ID           uint64      `json:"id"`
	CustomerID   uint64      `json:"customer_id"`
	SalesOrderID uint64      `json:"sales_order_id,omitempty"`
	OutboundID   uint64      `json:"outbound_id,omitempty"`
	ReturnDate   string      `json:"return_date"`
	Reason       string      `json:"reason" validate:"required,max=200"`
	Remarks      string      `json:"remarks,omitempty" validate:"max=500"`
	AllowAdjust  bool        `json:"allow_adjust,omitempty"`
	Lines        []OrderLine `json:"lines"` // Source: the sales order line
	Totals       Totals      `json:"totals"`
	RejectReason string      `json:"reject_reason,omitempty"`
	NoticeID     uint64      `json:"notice_id,omitempty"`
	Doc
}

func (r *OnlineReturn) DocID() uint64      { return r.ID }
func (r *OnlineReturn) SetDocID(id uint64) { r.ID = id }
func (r *OnlineReturn) Owner() uint64      { return r.CustomerID }
func (r *OnlineReturn) Summarize() DocSummary {
	return DocSummary{Status: r.Status, Date: r.ReturnDate, Amount: r.Totals.Amount, Text: r.Reason + " " + r.Remarks}
}

// ReturnNotice (退货通知单): staff accept goods back; audited → red outbound
// generated → closed when fully received.
type ReturnNotice struct {
	ID             uint64      `json:"id"`
	CustomerID     uint64      `json:"customer_id"`
	OnlineReturnID uint64      `json:"online_return_id,omitempty"`
	SalesOrderID   uint64      `json:"sales_order_id,omitempty"`
	NoticeDate     string      `json:"notice_date"`
	Reason         string      `json:"reason,omitempty" validate:"max=200"`
	Lines          []OrderLine `json:"lines"`
	ReceivedQty    []Qty       `json:"received_qty,omitempty"` // per line, by red outbounds
	Totals         Totals      `json:"totals"`
	Doc
}

func (r *ReturnNotice) DocID() uint64      { return r.ID }
func (r *ReturnNotice) SetDocID(id uint64) { r.ID = id }
func (r *ReturnNotice) Owner() uint64      { return r.CustomerID }
func (r *ReturnNotice) Summarize() DocSummary {
	return DocSummary{Status: r.Status, Date: r.NoticeDate, Amount: r.Totals.Amount, Text: r.Reason}
}

// ChangeLine proposes new values for one sales order line; nil fields keep
// the current value.
type ChangeLine struct {
	Line        int    `json:"line"` // sales order line number
	NewQty      *Qty   `json:"new_qty,omitempty"`
	NewPrice    *Money `json:"new_price,omitempty"`
	NewDelivery string `json:"new_delivery,omitempty"`
	// The line's values when the request was made effective (history).
	OldQty      Qty    `json:"old_qty,omitempty"`
	OldPrice    Money  `json:"old_price,omitempty"`
	OldDelivery string `json:"old_delivery,omitempty"`
}

// ChangeRequest (销售订单变更申请) asks to change some lines of an audited
// sales order.
type ChangeRequest struct {
	ID           uint64       `json:"id"`
	CustomerID   uint64       `json:"customer_id"`
	SalesOrderID uint64       `json:"sales_order_id"`
	SalesOrderNo string       `json:"sales_order_no,omitempty"`
	RequestDate  string       `json:"request_date"`
	Reason       string       `json:"reason,omitempty" validate:"max=200"`
	Lines        []ChangeLine `json:"lines"`
	RejectReason string       `json:"reject_reason,omitempty"`
	// NoticeCuts: what making it effective took back from open delivery
	// notices (the notices' own trails record it too).
	NoticeCuts []NoticeCut `json:"notice_cuts,omitempty"`
	Doc
}

func (r *ChangeRequest) DocID() uint64      { return r.ID }
func (r *ChangeRequest) SetDocID(id uint64) { r.ID = id }
func (r *ChangeRequest) Owner() uint64      { return r.CustomerID }
func (r *ChangeRequest) Summarize() DocSummary {
	return DocSummary{Status: r.Status, Date: r.RequestDate, Text: r.SalesOrderNo + " " + r.Reason}
}

// Compile-time checks that every order document is a Document.
var (
	_ Document = (*OnlineOrder)(nil)
	_ Document = (*SalesOrder)(nil)
	_ Document = (*DeliveryNotice)(nil)
	_ Document = (*Outbound)(nil)
	_ Document = (*OnlineReturn)(nil)
	_ Document = (*ReturnNotice)(nil)
	_ Document = (*ChangeRequest)(nil)
)
