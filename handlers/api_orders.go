package handlers

import (
	"strconv"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// The integration API's order documents (orders family): the ERP pushes
// sales orders, confirms dealers' online orders, issues delivery notices
// and posts outbounds (red ones too), and reads them back with their
// execution figures. Every push runs the store function behind the UI's
// form (SaveSalesOrder and the audit, ConvertOnlineOrder, CreateDeliveryNotice,
// PostOutbound) in one batch transaction, so that stock, balances, the
// order's figures and the dealer's messages move exactly as when staff do it.
//
// Idempotency: the ERP's own document number (external_id) is permanent: a
// second push of the same number answers the document the first one made
// (200, outcome "unchanged") when the request is the same, and a 409 when
// it differs (a document is never changed by a push). The Idempotency-Key
// header makes a retry safe for 48 hours as everywhere in the API.

// apiNewSalesOrder is a sales order pushed by the ERP.
type apiNewSalesOrder struct {
	ExternalID         string                 `json:"external_id" max:"100" doc:"The ERP's number of the order: pushing it again returns this order."`
	CustomerExternalID string                 `json:"customer_external_id,omitempty" doc:"The customer by the ERP's id; or give customer_code."`
	CustomerCode       string                 `json:"customer_code,omitempty" doc:"The customer by its code; or give customer_external_id."`
	OrderDate          string                 `json:"order_date,omitempty" doc:"YYYY-MM-DD; today when omitted."`
	DeliveryDate       string                 `json:"delivery_date,omitempty" doc:"YYYY-MM-DD, from the order date to two years after it."`
	LocationID         uint64                 `json:"location_id,omitempty" doc:"The ship-to location by the portal's id; the customer's primary location when no location is named."`
	LocationExternalID string                 `json:"location_external_id,omitempty" doc:"The ship-to location by the ERP's id."`
	Contact            string                 `json:"contact,omitempty" max:"40" doc:"The location's contact when omitted."`
	Phone              string                 `json:"phone,omitempty" max:"30"`
	Remarks            string                 `json:"remarks,omitempty" max:"500"`
	Settlement         string                 `json:"settlement,omitempty" max:"40" doc:"The settlement method (结算方式)."`
	Draft              bool                   `json:"draft,omitempty" doc:"Save as a draft (保存) instead of auditing it (审核); a draft reserves no stock."`
	Lines              []apiNewSalesOrderLine `json:"lines" min:"1" max:"200"`
}

// apiNewSalesOrderLine is one line of a pushed sales order.
type apiNewSalesOrderLine struct {
	ProductExternalID string  `json:"product_external_id,omitempty" doc:"The product by the ERP's id; or give product_code."`
	ProductCode       string  `json:"product_code,omitempty" doc:"The product by its code; any active product of the master."`
	Qty               apiQty  `json:"qty" doc:"Units, at most three decimals."`
	UnitPrice         *int64  `json:"unit_price,omitempty" doc:"Tax-inclusive unit price in cents; the customer's price in force for this quantity when omitted."`
	TaxRate           *apiQty `json:"tax_rate,omitempty" doc:"In percent (13 is 13%); the product's rate when omitted."`
	DeliveryDate      string  `json:"delivery_date,omitempty" doc:"YYYY-MM-DD."`
	Remark            string  `json:"remark,omitempty" max:"200"`
}

// apiConfirmOnlineOrder accepts a dealer's online order.
type apiConfirmOnlineOrder struct {
	ExternalID    string           `json:"external_id,omitempty" max:"100" doc:"The ERP's number for the resulting sales order."`
	Version       uint64           `json:"version,omitempty" doc:"The online order's version the ERP saw; when given, a changed order is refused (409)."`
	Draft         bool             `json:"draft,omitempty" doc:"Leave the sales order a draft instead of auditing it."`
	ReleaseCredit bool             `json:"release_credit,omitempty" doc:"Approve an order on credit hold first (needs finance:write as well)."`
	Lines         []apiConfirmLine `json:"lines,omitempty" max:"200" doc:"Adjustments, allowed only when the order allows adjustment (允许调整)."`
}

// apiConfirmLine adjusts one line of the online order on confirmation.
type apiConfirmLine struct {
	Line      int    `json:"line" min:"1" doc:"The online order's line number."`
	Qty       apiQty `json:"qty,omitempty" doc:"The new quantity."`
	UnitPrice *int64 `json:"unit_price,omitempty" doc:"The new tax-inclusive unit price in cents."`
}

// apiNewDeliveryNotice is a delivery notice pushed by the ERP.
type apiNewDeliveryNotice struct {
	ExternalID           string       `json:"external_id" max:"100" doc:"The ERP's number of the notice."`
	SalesOrderID         uint64       `json:"sales_order_id,omitempty" doc:"The audited sales order it ships; or give sales_order_external_id."`
	SalesOrderExternalID string       `json:"sales_order_external_id,omitempty"`
	ShipDate             string       `json:"ship_date,omitempty" doc:"YYYY-MM-DD; today when omitted."`
	Carrier              string       `json:"carrier,omitempty" max:"60"`
	TrackingNumber       string       `json:"tracking_number,omitempty" max:"60"`
	Remarks              string       `json:"remarks,omitempty" max:"500"`
	Lines                []apiShipQty `json:"lines" min:"1" max:"200"`
}

// apiNewOutbound is an outbound pushed by the ERP: from a sales order, a
// delivery notice, or (red) a return notice.
type apiNewOutbound struct {
	ExternalID               string       `json:"external_id" max:"100" doc:"The ERP's number of the outbound."`
	SalesOrderID             uint64       `json:"sales_order_id,omitempty" doc:"Ship directly from this audited sales order."`
	SalesOrderExternalID     string       `json:"sales_order_external_id,omitempty"`
	DeliveryNoticeID         uint64       `json:"delivery_notice_id,omitempty" doc:"Ship what this delivery notice announced."`
	DeliveryNoticeExternalID string       `json:"delivery_notice_external_id,omitempty"`
	ReturnNoticeID           uint64       `json:"return_notice_id,omitempty" doc:"A red outbound: take back what this return notice accepted."`
	ReturnNoticeExternalID   string       `json:"return_notice_external_id,omitempty"`
	PostDate                 string       `json:"post_date,omitempty" doc:"YYYY-MM-DD; today when omitted."`
	Remarks                  string       `json:"remarks,omitempty" max:"500"`
	Lines                    []apiShipQty `json:"lines" min:"1" max:"200"`
}

// apiShipQty is one line of a notice or outbound: which line of the source
// document, and how much.
type apiShipQty struct {
	Line              int    `json:"line,omitempty" min:"1" doc:"The line number of the source document (the sales order, delivery notice or return notice); or name the product."`
	ProductExternalID string `json:"product_external_id,omitempty" doc:"The source line of this product (by the ERP's id)."`
	ProductCode       string `json:"product_code,omitempty" doc:"The source line of this product (by its code)."`
	Qty               apiQty `json:"qty" doc:"Units, positive (a red outbound's lines are stored negative)."`
}

func (h *Handler) apiOrderOps() []apiOp {
	const tag = "orders"
	return []apiOp{
		{Method: "POST", Path: "/sales-orders", ID: "createSalesOrder", Tag: tag, Family: model.APIOrders, Write: true, Idempotent: true,
			Summary: "Push a sales order (销售订单): audited at once, or a draft.",
			Doc: "Makes the order as the order desk's form does: the customer's defaults (ship-to, salesperson, org unit), each line at the " +
				"price given or the customer's price in force for its quantity, then audits it (stock is reserved and the customer's open " +
				"orders grow) unless `draft` is set. A second push of the same `external_id` answers the existing order (200, outcome " +
				"`unchanged`); a different request under the same number is a 409.",
			Body: &apiNewSalesOrder{}, Result: &apiSalesOrder{}, Status: fiber.StatusCreated, Handle: h.apiCreateSalesOrder},
		{Method: "GET", Path: "/sales-orders/:id", ID: "getSalesOrder", Tag: tag, Family: model.APIOrders,
			Summary: "A sales order with its lines and execution figures.",
			Result:  &apiSalesOrder{}, Handle: h.apiGetSalesOrder},
		{Method: "GET", Path: "/sales-orders/by-external/:external_id", ID: "getSalesOrderByExternalID", Tag: tag, Family: model.APIOrders,
			Summary: "A sales order by the ERP's number (URL-encoded).",
			Result:  &apiSalesOrder{}, Handle: h.apiGetSalesOrder},
		{Method: "POST", Path: "/online-orders/:id/confirm", ID: "confirmOnlineOrder", Tag: tag, Family: model.APIOrders, Write: true, Idempotent: true,
			Summary: "Accept a dealer's online order: it becomes a sales order (生成销售订单).",
			Doc: "Generates the sales order exactly as staff do: the online order becomes converted, its amount leaves the open orders and the " +
				"dealer is told. Quantities and prices may be adjusted only where the dealer allowed adjustment. An order on credit hold " +
				"is refused unless `release_credit` is set by a client that also holds finance:write. The sales order is audited unless " +
				"`draft` is set. Confirming an order already converted answers its sales order (200, outcome `unchanged`). Send `{}` to " +
				"confirm the order as it is.",
			Body: &apiConfirmOnlineOrder{}, Result: &apiSalesOrder{}, Status: fiber.StatusCreated, Handle: h.apiConfirmOnlineOrder},
		{Method: "POST", Path: "/delivery-notices", ID: "createDeliveryNotice", Tag: tag, Family: model.APIOrders, Write: true, Idempotent: true,
			Summary: "Push a delivery notice (发货通知单) for an audited sales order.",
			Doc: "Each line at most what the order line has open and not yet on another open notice. The dealer is told (message " +
				"delivery_notice.created) in the same transaction.",
			Body: &apiNewDeliveryNotice{}, Result: &apiDeliveryNotice{}, Status: fiber.StatusCreated, Handle: h.apiCreateDeliveryNotice},
		{Method: "GET", Path: "/delivery-notices/:id", ID: "getDeliveryNotice", Tag: tag, Family: model.APIOrders,
			Summary: "A delivery notice with what has shipped of each line.",
			Result:  &apiDeliveryNotice{}, Handle: h.apiGetDeliveryNotice},
		{Method: "GET", Path: "/delivery-notices/by-external/:external_id", ID: "getDeliveryNoticeByExternalID", Tag: tag, Family: model.APIOrders,
			Summary: "A delivery notice by the ERP's number (URL-encoded).",
			Result:  &apiDeliveryNotice{}, Handle: h.apiGetDeliveryNotice},
		{Method: "POST", Path: "/outbounds", ID: "createOutbound", Tag: tag, Family: model.APIOrders, Write: true, Idempotent: true,
			Summary: "Post an outbound (销售出库单) from a sales order or delivery notice, or a red one from a return notice.",
			Doc: "Partial quantities are allowed. Posting moves stock on hand (and releases the order's reservation), the customer's " +
				"un-invoiced balance and open orders, and the order's shipped quantities, in one transaction; a fully shipped order closes. " +
				"A red outbound restocks and reduces the un-invoiced balance. Stock that would go negative is refused at the line.",
			Body: &apiNewOutbound{}, Result: &apiOutbound{}, Status: fiber.StatusCreated, Handle: h.apiCreateOutbound},
		{Method: "GET", Path: "/outbounds/:id", ID: "getOutbound", Tag: tag, Family: model.APIOrders,
			Summary: "An outbound with what has been invoiced of each line.",
			Result:  &apiOutbound{}, Handle: h.apiGetOutbound},
		{Method: "GET", Path: "/outbounds/by-external/:external_id", ID: "getOutboundByExternalID", Tag: tag, Family: model.APIOrders,
			Summary: "An outbound by the ERP's number (URL-encoded).",
			Result:  &apiOutbound{}, Handle: h.apiGetOutbound},
	}
}

// ---- pushing a document ----

// ordWire is an order document on the wire; a push marks its outcome.
type ordWire interface{ setOutcome(string) }

// ordAnswer renders a pushed order document with read and marks its
// outcome.
func ordAnswer(read func(t *store.Tx, id uint64) (ordWire, error)) func(t *store.Tx, id uint64, outcome string) (any, error) {
	return func(t *store.Tx, id uint64, outcome string) (any, error) {
		out, err := read(t, id)
		if err != nil {
			return nil, err
		}
		out.setOutcome(outcome)
		return out, nil
	}
}

// ordQty reads a required line quantity: positive, at most three decimals,
// within the UI's bound.
func ordQty(n apiQty, path string, ve *model.ValidationError) model.Qty {
	if n == "" {
		ve.Add(path, "err.required", nil)
		return 0
	}
	q := readQty(n, path, ve)
	if q <= 0 && !ve.Has(path) {
		ve.Add(path, "err.qty_positive", nil)
	}
	return q
}

// ordOneOf refuses a choice given twice or not at all: exactly one of the
// named fields (by their paths) must be set. It returns the index of the
// one given, or -1.
func ordOneOf(ve *model.ValidationError, paths []string, set ...bool) int {
	n, at := 0, -1
	for i, s := range set {
		if s {
			n, at = n+1, i
		}
	}
	if n != 1 {
		names := make([]string, len(paths))
		for i, p := range paths {
			names[i] = p[strings.LastIndex(p, ".")+1:]
		}
		ve.Add(paths[0], "api.err_one_of", map[string]any{"fields": strings.Join(names, ", ")})
		return -1
	}
	return at
}

// ordLineField splits a store's line field "line.<i>.<name>" (a line by its
// index) or "qty.<no>" (a line by its number) into its number and name.
func ordLineField(f string) (prefix string, n int, name string, ok bool) {
	switch {
	case strings.HasPrefix(f, "line."):
		idx, name, _ := strings.Cut(f[len("line."):], ".")
		i, err := strconv.Atoi(idx)
		return "line", i, name, err == nil
	case strings.HasPrefix(f, "qty."):
		no, err := strconv.Atoi(f[len("qty."):])
		return "qty", no, "qty", err == nil
	}
	return "", 0, "", false
}

// ordCustomer finds the customer a body names by external id or code
// (exactly one) within the client's scope; an unknown or out-of-scope one
// is the UI's field error.
func ordCustomer(t *store.Tx, sc store.Scope, ext, code string, ve *model.ValidationError) *model.Customer {
	if ordOneOf(ve, []string{"customer_external_id", "customer_code"}, ext != "", code != "") < 0 {
		return nil
	}
	return customerRefs{ext: ext, code: code}.resolve(t, sc, "err.so_customer", ve)
}

// ordProduct finds a product named by code or external id (any product of
// the master, active or not: the caller's rules decide), with the path of
// the field that named it; nil and a field error when there is none.
func ordProduct(t *store.Tx, i int, ext, code string, ve *model.ValidationError) (*model.Product, string) {
	field, named := itemPath("lines", i, "product_code"), code
	var p *model.Product
	var err error
	if ext != "" {
		field, named = itemPath("lines", i, "product_external_id"), ext
		p, err = productByExt(t, ext)
	} else {
		p, err = t.ProductByCode(strings.TrimSpace(code))
	}
	if err != nil {
		ve.Add(field, "err.order_unknown_product", map[string]any{"code": named})
		return nil, field
	}
	return p, field
}

// ---- sales orders ----

// ordSalesLines are the read values of a pushed sales order's lines.
type ordSalesLines struct {
	qty   []model.Qty
	price []*model.Money
	tax   []*int64
}

// read checks the body's own values (no storage needed) and normalises
// them, so that the fingerprint does not depend on how numbers were
// written.
func (in *apiNewSalesOrder) read(ve *model.ValidationError) ordSalesLines {
	in.ExternalID = docExternalID(in.ExternalID, "external_id", true, "api.err_external_id", ve)
	in.CustomerExternalID, in.CustomerCode = strings.TrimSpace(in.CustomerExternalID), strings.TrimSpace(in.CustomerCode)
	in.LocationExternalID = strings.TrimSpace(in.LocationExternalID)
	if in.LocationID != 0 && in.LocationExternalID != "" {
		ordOneOf(ve, []string{"location_id", "location_external_id"}, true, true)
	}
	if len(in.Lines) == 0 {
		ve.Add("lines", "err.order_no_lines", nil)
	}
	if len(in.Lines) > model.MaxLines {
		ve.Add("lines", "err.too_many_lines", map[string]any{"max": model.MaxLines, "n": len(in.Lines)})
		return ordSalesLines{}
	}
	out := ordSalesLines{qty: make([]model.Qty, len(in.Lines)), price: make([]*model.Money, len(in.Lines)), tax: make([]*int64, len(in.Lines))}
	for i := range in.Lines {
		l := &in.Lines[i]
		l.ProductExternalID, l.ProductCode = strings.TrimSpace(l.ProductExternalID), strings.TrimSpace(l.ProductCode)
		ordOneOf(ve, []string{itemPath("lines", i, "product_code"), itemPath("lines", i, "product_external_id")}, l.ProductCode != "", l.ProductExternalID != "")
		out.qty[i] = ordQty(l.Qty, itemPath("lines", i, "qty"), ve)
		l.Qty = qtyJSON(out.qty[i])
		if l.UnitPrice != nil {
			m := readMoney(*l.UnitPrice, itemPath("lines", i, "unit_price"), model.CheckPrice, ve)
			out.price[i] = &m
		}
		if l.TaxRate != nil {
			bp, err := model.ParseTaxRate(string(*l.TaxRate))
			if err != nil {
				ve.Add(itemPath("lines", i, "tax_rate"), "err.tax_rate", nil)
			}
			out.tax[i] = &bp
			n := ordTaxRate(bp)
			l.TaxRate = &n
		}
	}
	return out
}

func (h *Handler) apiCreateSalesOrder(c *fiber.Ctx, a *apiCall) error {
	var in apiNewSalesOrder
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ve := &model.ValidationError{}
	vals := in.read(ve)
	if err := ve.Err(); err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	id, created, err := h.store.PushSalesOrder(a.keyed(key, pushBody(c)), store.SalesOrderPushInput{
		ExternalID: in.ExternalID, Fingerprint: pushFingerprint(&in), Draft: in.Draft,
		Resolve: func(t *store.Tx) (*store.SalesOrderPush, error) { return ordSalesPush(t, a.Scope, &in, vals) },
	})
	return h.pushAnswer(c, in.ExternalID, id, createdOr(created), err, ordAnswer(h.ordSalesOrderWire(a)))
}

// ordSalesPush resolves a pushed sales order's references through the
// client's scope into the push use case's input (store.PushSalesOrder,
// which builds the order as the sales order form does), with the names of
// the request's fields for the order's refusals.
func ordSalesPush(t *store.Tx, sc store.Scope, in *apiNewSalesOrder, vals ordSalesLines) (*store.SalesOrderPush, error) {
	ve := &model.ValidationError{}
	cust := ordCustomer(t, sc, in.CustomerExternalID, in.CustomerCode, ve)
	lines := make([]store.LineInput, len(in.Lines))
	productField := make([]string, len(in.Lines))
	for i, l := range in.Lines {
		lines[i] = store.LineInput{Code: l.ProductCode, Qty: vals.qty[i], Price: vals.price[i], TaxRate: vals.tax[i],
			DeliveryDate: l.DeliveryDate, Remark: l.Remark}
		productField[i] = itemPath("lines", i, "product_code")
		if l.ProductExternalID != "" {
			p, field := ordProduct(t, i, l.ProductExternalID, "", ve)
			productField[i] = field
			if p != nil {
				lines[i].Code = p.Code
			}
		}
	}
	if cust == nil {
		return nil, ve
	}
	p := &store.SalesOrderPush{Customer: cust.ID, OrderDate: in.OrderDate, DeliveryDate: in.DeliveryDate, Remarks: in.Remarks,
		Settlement: in.Settlement, Contact: in.Contact, Phone: in.Phone, Lines: lines, Invalid: ve}
	if in.LocationID != 0 || in.LocationExternalID != "" {
		p.LocationField, p.Location = "location_id", in.LocationID
		if in.LocationExternalID != "" {
			p.LocationField, p.Location = "location_external_id", t.ExternalID(store.ExtLocation, in.LocationExternalID)
		}
	}
	p.Rename = func(f string) string {
		if kind, i, name, ok := ordLineField(f); ok && kind == "line" && i >= 0 && i < len(in.Lines) {
			switch name {
			case "code":
				return productField[i]
			case "price":
				name = "unit_price"
			case "delivery":
				name = "delivery_date"
			}
			return itemPath("lines", i, name)
		}
		return f
	}
	return p, nil
}

// ---- confirming an online order ----

// ordAdjust is a read confirmation line.
type ordAdjust struct {
	qty   *model.Qty
	price *model.Money
}

func (in *apiConfirmOnlineOrder) read(ve *model.ValidationError) []ordAdjust {
	in.ExternalID = docExternalID(in.ExternalID, "external_id", false, "api.err_external_id", ve)
	if len(in.Lines) > model.MaxLines {
		ve.Add("lines", "err.too_many_lines", map[string]any{"max": model.MaxLines, "n": len(in.Lines)})
		return nil
	}
	out := make([]ordAdjust, len(in.Lines))
	seen := map[int]bool{}
	for i := range in.Lines {
		l := &in.Lines[i]
		if l.Line < 1 {
			ve.Add(itemPath("lines", i, "line"), "err.required", nil)
		} else if seen[l.Line] {
			ve.Add(itemPath("lines", i, "line"), "api.err_line_twice", map[string]any{"line": l.Line})
		}
		seen[l.Line] = true
		if l.Qty != "" {
			q := ordQty(l.Qty, itemPath("lines", i, "qty"), ve)
			out[i].qty = &q
			l.Qty = qtyJSON(q)
		}
		if l.UnitPrice != nil {
			m := readMoney(*l.UnitPrice, itemPath("lines", i, "unit_price"), model.CheckPrice, ve)
			out[i].price = &m
		}
	}
	return out
}

func (h *Handler) apiConfirmOnlineOrder(c *fiber.Ctx, a *apiCall) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in apiConfirmOnlineOrder
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ve := &model.ValidationError{}
	adj := in.read(ve)
	if err := ve.Err(); err != nil {
		return err
	}
	if in.ReleaseCredit && !a.Client.Can(model.APIFinance, true) {
		return apiError(fiber.StatusForbidden, "api.err_scope", "scope", string(model.ScopeOf(model.APIFinance, true)))
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	lines := make([]store.LineAdjust, len(in.Lines))
	for i, l := range in.Lines {
		lines[i] = store.LineAdjust{Line: l.Line, Qty: adj[i].qty, Price: adj[i].price}
	}
	so, outcome, err := h.store.ConfirmOnlineOrderPush(a.keyed(key, pushBody(c)), store.OnlineOrderConfirmInput{
		ID: id, Version: in.Version, ExternalID: in.ExternalID, Fingerprint: pushFingerprint(&in), Draft: in.Draft,
		ReleaseCredit: in.ReleaseCredit, Lines: lines, LineField: func(i int, name string) string { return itemPath("lines", i, name) },
	})
	return h.pushAnswer(c, in.ExternalID, so, outcome, err, ordAnswer(h.ordSalesOrderWire(a)))
}

// ---- delivery notices and outbounds ----

// ordSrcLine is a line of the document a notice or outbound is made from.
type ordSrcLine struct {
	No        int
	ProductID uint64
}

func ordSrcLines(lines []model.OrderLine) []ordSrcLine {
	out := make([]ordSrcLine, len(lines))
	for i, l := range lines {
		out[i] = ordSrcLine{l.No, l.ProductID}
	}
	return out
}

// ordReadShipQtys checks the lines' own values (no storage needed) and
// normalises their quantities.
func ordReadShipQtys(lines []apiShipQty, ve *model.ValidationError) []model.Qty {
	if len(lines) == 0 {
		ve.Add("lines", "err.no_lines", nil)
	}
	if len(lines) > model.MaxLines {
		ve.Add("lines", "err.too_many_lines", map[string]any{"max": model.MaxLines, "n": len(lines)})
		return nil
	}
	out := make([]model.Qty, len(lines))
	for i := range lines {
		l := &lines[i]
		l.ProductExternalID, l.ProductCode = strings.TrimSpace(l.ProductExternalID), strings.TrimSpace(l.ProductCode)
		ordOneOf(ve, []string{itemPath("lines", i, "line"), itemPath("lines", i, "product_code"), itemPath("lines", i, "product_external_id")},
			l.Line != 0, l.ProductCode != "", l.ProductExternalID != "")
		out[i] = ordQty(l.Qty, itemPath("lines", i, "qty"), ve)
		l.Qty = qtyJSON(out[i])
	}
	return out
}

// ordPickLines turns the request's lines into quantities by line number of
// the source document, the form the store takes ("qty.<no>"), and the
// request line of each number (for the store's field errors). A product
// names the source line that carries it, and must name exactly one.
func ordPickLines(t *store.Tx, src []ordSrcLine, in []apiShipQty, qty []model.Qty, ve *model.ValidationError) (map[int]model.Qty, map[int]int) {
	out, at := map[int]model.Qty{}, map[int]int{}
	for i, l := range in {
		no := l.Line
		if no != 0 {
			found := false
			for _, s := range src {
				found = found || s.No == no
			}
			if !found {
				ve.Add(itemPath("lines", i, "line"), "api.err_no_line", map[string]any{"line": no})
				continue
			}
		} else {
			p, field := ordProduct(t, i, l.ProductExternalID, l.ProductCode, ve)
			if p == nil {
				continue
			}
			var nos []int
			for _, s := range src {
				if s.ProductID == p.ID {
					nos = append(nos, s.No)
				}
			}
			switch len(nos) {
			case 0:
				ve.Add(field, "api.err_product_not_on_doc", map[string]any{"code": p.Code})
				continue
			case 1:
				no = nos[0]
			default:
				ve.Add(field, "api.err_product_ambiguous", map[string]any{"code": p.Code})
				continue
			}
		}
		if _, twice := at[no]; twice {
			ve.Add(itemPath("lines", i, "line"), "api.err_line_twice", map[string]any{"line": no})
			continue
		}
		out[no], at[no] = qty[i], i
	}
	return out, at
}

// ordShipRename maps the shipping store's fields to the request's:
// quantities by source line number to the request line that named it,
// the header's form names to the API's.
func ordShipRename(at map[int]int) func(string) string {
	return func(f string) string {
		if kind, no, _, ok := ordLineField(f); ok && kind == "qty" {
			if i, ok := at[no]; ok {
				return itemPath("lines", i, "qty")
			}
			return "lines"
		}
		if f == "tracking_no" {
			return "tracking_number"
		}
		return f
	}
}

func (h *Handler) apiCreateDeliveryNotice(c *fiber.Ctx, a *apiCall) error {
	var in apiNewDeliveryNotice
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ve := &model.ValidationError{}
	in.ExternalID = docExternalID(in.ExternalID, "external_id", true, "api.err_external_id", ve)
	in.SalesOrderExternalID = strings.TrimSpace(in.SalesOrderExternalID)
	ordOneOf(ve, []string{"sales_order_id", "sales_order_external_id"}, in.SalesOrderID != 0, in.SalesOrderExternalID != "")
	qty := ordReadShipQtys(in.Lines, ve)
	if err := ve.Err(); err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	id, outcome, err := h.store.PushDeliveryNotice(a.keyed(key, pushBody(c)), store.DeliveryNoticePushInput{
		ExternalID: in.ExternalID, Fingerprint: pushFingerprint(&in),
		Resolve: func(t *store.Tx) (*store.DeliveryNoticeInput, func(string) string, error) {
			ve := &model.ValidationError{}
			so, _ := salesOrderRef(t, a.Scope, in.SalesOrderID, "sales_order_id", in.SalesOrderExternalID, "sales_order_external_id", "api.err_no_sales_order", ve)
			if so == nil {
				return nil, nil, ve
			}
			picked, at := ordPickLines(t, ordSalesLinesOf(so), in.Lines, qty, ve)
			if err := ve.Err(); err != nil {
				return nil, nil, err
			}
			return &store.DeliveryNoticeInput{SalesOrderID: so.ID, ShipDate: in.ShipDate, Carrier: in.Carrier, TrackingNo: in.TrackingNumber,
				Remarks: in.Remarks, Qty: picked}, ordShipRename(at), nil
		},
	})
	return h.pushAnswer(c, in.ExternalID, id, outcome, err, ordAnswer(h.ordDeliveryNoticeWire(a)))
}

// ordSalesLinesOf lists a sales order's lines as a source of lines.
func ordSalesLinesOf(so *model.SalesOrder) []ordSrcLine {
	out := make([]ordSrcLine, len(so.Lines))
	for i, l := range so.Lines {
		out[i] = ordSrcLine{l.No, l.ProductID}
	}
	return out
}

func (h *Handler) apiCreateOutbound(c *fiber.Ctx, a *apiCall) error {
	var in apiNewOutbound
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ve := &model.ValidationError{}
	in.ExternalID = docExternalID(in.ExternalID, "external_id", true, "api.err_external_id", ve)
	in.SalesOrderExternalID = strings.TrimSpace(in.SalesOrderExternalID)
	in.DeliveryNoticeExternalID = strings.TrimSpace(in.DeliveryNoticeExternalID)
	in.ReturnNoticeExternalID = strings.TrimSpace(in.ReturnNoticeExternalID)
	ordOneOf(ve, []string{"sales_order_id", "sales_order_external_id", "delivery_notice_id", "delivery_notice_external_id", "return_notice_id", "return_notice_external_id"},
		in.SalesOrderID != 0, in.SalesOrderExternalID != "", in.DeliveryNoticeID != 0, in.DeliveryNoticeExternalID != "", in.ReturnNoticeID != 0, in.ReturnNoticeExternalID != "")
	qty := ordReadShipQtys(in.Lines, ve)
	if err := ve.Err(); err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	id, outcome, err := h.store.PushOutbound(a.keyed(key, pushBody(c)), store.OutboundPushInput{
		ExternalID: in.ExternalID, Fingerprint: pushFingerprint(&in),
		Resolve: func(t *store.Tx) (*store.OutboundInput, func(string) string, error) {
			return ordOutboundPush(t, a.Scope, &in, qty)
		},
	})
	return h.pushAnswer(c, in.ExternalID, id, outcome, err, ordAnswer(h.ordOutboundWire(a)))
}

// ordOutboundPush resolves a pushed outbound's source (a sales order, a
// delivery notice or a return notice, by id or external id) and its lines
// through the client's scope into the push use case's input, with the
// request's names of the store's fields.
func ordOutboundPush(t *store.Tx, sc store.Scope, in *apiNewOutbound, qty []model.Qty) (*store.OutboundInput, func(string) string, error) {
	ve := &model.ValidationError{}
	post := &store.OutboundInput{PostDate: in.PostDate, Remarks: in.Remarks}
	var src []ordSrcLine
	switch {
	case in.DeliveryNoticeID != 0 || in.DeliveryNoticeExternalID != "":
		dn, _ := refOf(t, store.ExtDeliveryNotice, in.DeliveryNoticeID, "delivery_notice_id", in.DeliveryNoticeExternalID, "delivery_notice_external_id",
			func(id uint64) (*model.DeliveryNotice, error) { return t.DeliveryNotice(sc, id) }, "api.err_no_delivery_notice", ve)
		if dn == nil {
			return nil, nil, ve
		}
		post.DeliveryNoticeID, src = dn.ID, ordSrcLines(dn.Lines)
	case in.ReturnNoticeID != 0 || in.ReturnNoticeExternalID != "":
		rn, _ := refOf(t, store.ExtReturnNotice, in.ReturnNoticeID, "return_notice_id", in.ReturnNoticeExternalID, "return_notice_external_id",
			func(id uint64) (*model.ReturnNotice, error) { return t.ReturnNotice(sc, id) }, "api.err_no_return_notice", ve)
		if rn == nil {
			return nil, nil, ve
		}
		post.ReturnNoticeID, src = rn.ID, ordSrcLines(rn.Lines)
	default:
		so, _ := salesOrderRef(t, sc, in.SalesOrderID, "sales_order_id", in.SalesOrderExternalID, "sales_order_external_id", "api.err_no_sales_order", ve)
		if so == nil {
			return nil, nil, ve
		}
		post.SalesOrderID, src = so.ID, ordSalesLinesOf(so)
	}
	picked, at := ordPickLines(t, src, in.Lines, qty, ve)
	if err := ve.Err(); err != nil {
		return nil, nil, err
	}
	post.Qty = picked
	return post, ordShipRename(at), nil
}
