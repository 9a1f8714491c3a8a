package handlers

import (
	"net/url"

	"dealerportal/model"
)

// The action bars of the document pages (actionbar.go): per document type
// a table of rows — which action, when (the state machine offers it, or a
// fact about the page holds), its weight (primary, secondary, destructive)
// and the question it asks — and, per page, the facts that hold. The
// pages' own handlers decide what is allowed (CanEdit, the state machine);
// the tables only lay it out.

// Rows that several tables share.
var (
	rowEdit  = barRow{If: factEdit, Label: "btn.edit", Link: "{base}/edit"}
	rowPrint = barRow{Label: "btn.print", Link: "{base}/print", Icon: "print", External: true}
	rowPDF   = barRow{Label: "bar.pdf", Link: "{base}/pdf", External: true}
	// rowPrintPDF is the PDF the print view makes, downloaded.
	rowPrintPDF = barRow{Label: "bar.pdf", Link: "{base}/print?format=pdf", External: true, Download: true}
	rowDelete   = barRow{If: factDelete, Label: "btn.delete", Post: "{base}/delete", Kind: barDanger, Ask: "confirm.delete"}
	rowBelow    = barRow{If: factBelow, Below: true}
	rowAudit    = barRow{Action: "audit", Kind: barPrimary}
	// rowReject rejects an order or a change request, with its reason.
	rowReject = barRow{Action: "reject", Kind: barDanger, Submit: "oo.confirm_action", SubmitArgs: []any{"action", tkey("action.reject")},
		Input: &barInput{Name: "reason", Label: "oo.reason", Required: true, MinLen: 2, MaxLen: 200, Long: true}}
	// The dealer orders again with a one-time token: into the cart or a new draft.
	rowAgainCart  = barRow{If: factAgain, Label: "oo.again_cart", Post: "{base}/again", Fields: []barField{{"_idem", "{token}-cart"}}}
	rowAgainDraft = barRow{If: factAgain, Label: "oo.again_draft", Post: "{base}/again", Fields: []barField{{"_idem", "{token}-draft"}, {"to", "draft"}}}
	// rowShipTracking is the order tracking of a shipping document's sales order.
	rowShipTracking = barRow{If: factOrder, Label: "ship.tracking", Link: "/tracking/sales-orders/{so}"}
	rowWriteOff     = barRow{If: factWriteOff, Label: "rc.write_off", Link: "/write-offs?customer_id={customer}"}
	rowUnauditRC    = barRow{Action: "unaudit", Ask: "rc.confirm_unaudit"}
)

// shipReason is the reason a shipping document is voided or rejected with.
func shipReason(label string) *barInput {
	return &barInput{Name: "reason", Label: label, Required: true, MinLen: 2, MaxLen: 200}
}

// onlineOrderBar: submit, or approve the credit or convert, first; order
// again, tracking and print; reject and 删除 apart at the end.
var onlineOrderBar = barTable{
	{If: factRelease, Label: "action.release_credit", Post: "{base}/release_credit", Kind: barPrimary, Ask: "oo.confirm_release"},
	{If: factConvert, Label: "action.convert", Link: "{base}/convert", Kind: barPrimary},
	{Action: "submit", Kind: barPrimary},
	rowReject,
	{Action: "unreject"},
	rowEdit,
	rowAgainCart, rowAgainDraft,
	{If: factOrder, Label: "so.tracking", Link: "/tracking/online-orders/{id}"},
	rowPrint, rowPDF,
	{Back: true, Link: "/online-orders"},
	rowDelete,
}

// bar lays out the online order's actions.
func (p *onlinePage) bar(u *model.User) *actionBar {
	o := p.O
	return onlineOrderBar.build(barDoc{Base: "/online-orders/" + itoa(o.ID), Version: o.Version, Actions: p.Actions,
		Facts: barFacts{factRelease: p.CanRelease, factConvert: p.CanConvert, factEdit: p.CanEdit, factAgain: p.CanAgain,
			factOrder: o.SalesOrderID != 0, factDelete: p.CanDelete},
		Vars: []string{"{id}", itoa(o.ID), "{token}", p.AgainToken}})
}

// salesOrderBar: audit first; the next documents (notice, outbound, change,
// return), tracking, order again and print; void apart at the end.
var salesOrderBar = barTable{
	rowAudit,
	{Action: "unaudit", Ask: "so.confirm_unaudit"},
	{Action: "close", Ask: "so.confirm_close"},
	{Action: "void", Kind: barDanger, Ask: "so.confirm_void"},
	rowEdit,
	{If: factShip, Label: "so.next_notice", Link: "/delivery-notices/new?so={id}"},
	{If: factShip, Label: "so.next_outbound", Link: "/outbounds/new?so={id}"},
	{If: factChange, Label: "cr.new", Link: "{base}/change-requests/new"},
	{If: factReturn, Label: "so.next_return", Link: "/returns/new?so={id}"},
	{If: factOrder, Label: "so.tracking", Link: "/tracking/sales-orders/{id}"},
	rowAgainCart, rowAgainDraft,
	rowPrint, rowPDF,
	{Back: true, Link: "/sales-orders"},
}

// bar lays out the sales order's actions: staff who manage orders ship an
// audited one; the dealer returns goods of an audited or closed one.
func (p *salesPage) bar(u *model.User) *actionBar {
	o := p.O
	return salesOrderBar.build(barDoc{Base: "/sales-orders/" + itoa(o.ID), Version: o.Version, Actions: p.Actions,
		Facts: barFacts{factEdit: p.CanEdit, factShip: o.Status == model.StatusAudited && u.Can(model.PermManageOrders), factChange: p.CanChange,
			factReturn: !p.Staff && (o.Status == model.StatusAudited || o.Status == model.StatusClosed),
			factOrder:  o.Status != model.StatusDraft, factAgain: p.CanAgain},
		Vars: []string{"{id}", itoa(o.ID), "{token}", p.AgainToken}})
}

// changeRequestBar: submit or make effective first; 拒绝 and 删除 apart at
// the end.
var changeRequestBar = barTable{
	{Action: "submit", Kind: barPrimary},
	{Action: "make_effective", Kind: barPrimary, Ask: "cr.confirm_effective"},
	rowReject,
	rowEdit, rowPrint, rowPDF,
	{Back: true, Link: "/change-requests"},
	rowDelete,
}

// bar lays out the change request's actions.
func (p *changePage) bar() *actionBar {
	r := p.R
	return changeRequestBar.build(barDoc{Base: "/change-requests/" + itoa(r.ID), Version: r.Version, Actions: p.Actions,
		Facts: barFacts{factEdit: p.CanEdit, factDelete: p.CanEdit}})
}

// deliveryNoticeBar: the outbound that ships it first; close; 作废 (with its
// reason) apart at the end. The dealer's primary action is the receipt
// form below.
var deliveryNoticeBar = barTable{
	{If: factShip, Label: "ship.new_outbound", Link: "/outbounds/new?dn={id}", Kind: barPrimary},
	{Action: "close", Label: "ship.action.close", Ask: "ship.confirm_close"},
	{Action: "void", Label: "ship.action.void", Kind: barDanger, Input: shipReason("ship.reason")},
	rowPrint, rowPrintPDF, rowShipTracking,
	{Back: true, Link: "/delivery-notices"},
	rowBelow,
}

// noticeBar lays out the delivery notice's actions.
func (p *docPage) noticeBar(d *model.DeliveryNotice) *actionBar {
	return deliveryNoticeBar.build(p.shippingDoc("/delivery-notices/", d.ID, d.Version, barFacts{factShip: p.CanShip, factBelow: p.Receipt}))
}

// shippingDoc is what a shipping document's table reads: the document
// under base, the actions the page offers, its sales order ({so}, tracked)
// and facts f.
func (p *docPage) shippingDoc(base string, id, version uint64, f barFacts) barDoc {
	so := ""
	if p.Order != nil {
		f[factOrder], so = true, itoa(p.Order.ID)
	}
	return barDoc{Base: base + itoa(id), Version: version, Actions: p.Actions, Facts: f, Vars: []string{"{id}", itoa(id), "{so}", so}}
}

// outboundBar: return goods (the dealer), print, tracking. The dealer's
// primary action is the receipt form below.
var outboundBar = barTable{
	{If: factReturn, Label: "ship.return_goods", Link: "/returns/new?ob={id}"},
	rowPrint, rowPrintPDF, rowShipTracking,
	{Back: true, Link: "/outbounds"},
	rowBelow,
}

// outboundBar lays out the outbound's actions.
func (p *docPage) outboundBar(ob *model.Outbound) *actionBar {
	return outboundBar.build(p.shippingDoc("/outbounds/", ob.ID, ob.Version, barFacts{factReturn: p.CanReturn, factBelow: p.Receipt}))
}

// onlineReturnBar: submit or convert first; 拒绝 (with its reason) and 删除
// (the dealer) apart at the end.
var onlineReturnBar = barTable{
	{Action: "submit", Label: "ship.action.submit", Kind: barPrimary},
	{Action: "reject", Label: "ship.action.reject", Kind: barDanger, Input: shipReason("ship.reject_reason")},
	{Action: "unreject", Label: "ship.action.unreject", Ask: "ship.confirm_unreject"},
	{Action: "convert", Label: "ship.action.convert", Kind: barPrimary},
	rowEdit, rowPrint, rowShipTracking,
	{Back: true, Link: "/returns"},
	rowDelete,
}

// returnBar lays out the online return's actions.
func (p *docPage) returnBar(r *model.OnlineReturn) *actionBar {
	return onlineReturnBar.build(p.shippingDoc("/returns/", r.ID, r.Version, barFacts{factEdit: p.CanEdit, factDelete: p.CanEdit && !p.Staff}))
}

// returnNoticeBar: the red outbound that receives it first; close.
var returnNoticeBar = barTable{
	{If: factShip, Label: "ship.new_red", Link: "/outbounds/new?rn={id}", Kind: barPrimary},
	{Action: "close", Label: "ship.action.close", Ask: "ship.confirm_rn_close"},
	rowPrint, rowShipTracking,
	{Back: true, Link: "/return-notices"},
}

// returnNoticeBar lays out the return notice's actions.
func (p *docPage) returnNoticeBar(r *model.ReturnNotice) *actionBar {
	return returnNoticeBar.build(p.shippingDoc("/return-notices/", r.ID, r.Version, barFacts{factShip: p.CanShip}))
}

// reconBar is the reconciliation block's (对账): confirm first when the
// dealer confirms here, cancel asking first, 有异议 (with its comment) apart
// at the end. The page's own bar holds the primary action when staff see
// it.
var reconBar = barTable{
	{Action: model.ReconConfirm, If: factConfirm, Post: "{base}/confirm", Kind: barPrimary},
	{Action: model.ReconConfirm, Post: "{base}/confirm"},
	{Action: model.ReconCancel, Post: "{base}/cancel", Ask: "rc.confirm_cancel"},
	{Action: model.ReconDispute, Post: "{base}/dispute", ID: "dispute", Kind: barDanger,
		Input: &barInput{ID: "f-reason", Name: "reason", Label: "rc.dispute_comment", Required: true, MaxLen: 500, Long: true}},
	rowBelow,
}

// ReconBar lays out the reconciliation block's actions.
func (r reconBlock) ReconBar() *actionBar {
	d := barDoc{Base: r.ReconPath, Facts: barFacts{factBelow: r.staff, factConfirm: r.confirmsBelow()}}
	if r.Recon != nil {
		d.Version, d.Actions = r.Recon.Version, r.ReconActions
	}
	b := reconBar.build(d)
	b.ID = "recon-actions"
	return b
}

// confirmsBelow reports whether the reconciliation block offers the dealer
// the confirmation: it is then the page's primary action (for staff, who
// confirm on the dealer's behalf, it is a secondary one).
func (r reconBlock) confirmsBelow() bool {
	return r.Recon != nil && !r.staff && contains(r.ReconActions, model.ReconConfirm)
}

// invoiceBar: audit first, write-off and print; unaudit asks first; 删除
// apart at the end.
var invoiceBar = barTable{
	rowAudit, rowUnauditRC,
	rowWriteOff,
	rowPrint, rowPrintPDF,
	{Back: true, Link: "/invoices"},
	rowDelete, rowBelow,
}

// Bar lays out the invoice's actions.
func (p *invoiceView) Bar() *actionBar {
	inv := p.Inv
	return invoiceBar.build(barDoc{Base: "/invoices/" + itoa(inv.ID), Version: inv.Version, Actions: p.Actions,
		Facts: barFacts{factWriteOff: p.CanWrite && inv.Posted(), factDelete: p.CanDelete, factBelow: p.confirmsBelow()},
		Vars:  []string{"{customer}", itoa(inv.CustomerID)}})
}

// receiptBar is a receipt's, advance receipt's or refund's: audit first,
// edit, write-off and print; unaudit asks first; 删除 apart.
var receiptBar = barTable{
	rowAudit, rowUnauditRC,
	rowEdit, rowWriteOff,
	rowPrint, rowPrintPDF,
	{Back: true, Link: "{list}"},
	rowDelete, rowBelow,
}

// Bar lays out the receipt document's actions.
func (p *receiptView) Bar() *actionBar {
	r := p.R
	return receiptBar.build(barDoc{Base: p.Base + "/" + itoa(r.ID), Version: r.Version, Actions: p.Actions,
		Facts: barFacts{factEdit: p.CanEdit, factWriteOff: p.CanWrite && r.Posted() && r.Kind != model.DocRefund, factDelete: p.CanEdit,
			factBelow: p.confirmsBelow()},
		Vars: []string{"{customer}", itoa(r.CustomerID), "{list}", p.Base}})
}

// reconDocBar is a reconciliation document's page (the dealer's 对账 view
// of an outbound, invoice or receipt): its confirmation is the primary
// action.
var reconDocBar = barTable{
	{If: factOpen, Label: "rc.open_document", Link: "{doc}"},
	{Back: true, Link: "/reconciliation"},
	rowBelow,
}

// Bar lays out the reconciliation document's page's actions.
func (d *reconDocData) Bar() *actionBar {
	return reconDocBar.build(barDoc{Facts: barFacts{factOpen: d.DocURL != "", factBelow: d.confirmsBelow()}, Vars: []string{"{doc}", d.DocURL}})
}

// complaintBar is the cross-territory complaint's (窜货投诉): submit, or
// audit (naming the accused) first; close and reopen with an optional
// reason; 删除 apart. The handling form below is primary when shown.
var complaintBar = barTable{
	{Action: "submit", Kind: barPrimary},
	{Action: "audit", ID: "audit-form", Kind: barPrimary,
		Input: &barInput{ID: "f-accused_code", Name: "accused_code", Label: "cp.accused_code", Value: "{accused}", Placeholder: "C0002", MaxLen: 40}},
	{Action: "close", Input: &barInput{Name: "reason", Label: "common.reason", MaxLen: 200}},
	{Action: "reopen", Input: &barInput{Name: "reason", Label: "common.reason", MaxLen: 200}},
	rowEdit, rowPrint, rowPDF,
	{Back: true, Link: "/complaints"},
	rowDelete, rowBelow,
}

// bar lays out the complaint's actions.
func (p *complaintPage) bar() *actionBar {
	cp := p.C
	return complaintBar.build(barDoc{Base: "/complaints/" + itoa(cp.ID), Version: cp.Version, Actions: p.Actions,
		Facts: barFacts{factEdit: p.CanEdit, factDelete: p.CanEdit, factBelow: p.CanHandle}, Vars: []string{"{accused}", p.AccusedCode}})
}

// opportunityBar is the opportunity report's (商机报备): submit first, or
// the evaluation (its tab); win, lose and expire ask first; 删除 (a draft)
// apart.
var opportunityBar = barTable{
	{If: factEvaluate, Unless: factTab, Label: "opp.evaluate", Link: "{base}?tab=evaluation", Kind: barPrimary},
	{If: factEvaluate | factTab, Below: true},
	{Action: "submit", Kind: barPrimary},
	{Action: "win", Ask: "ch.confirm_action"},
	{Action: "lose", Ask: "ch.confirm_action"},
	{Action: "expire", Ask: "ch.confirm_action"},
	rowEdit, rowPrint, rowPDF,
	{Back: true, Link: "/opportunities"},
	rowDelete,
}

// bar lays out the opportunity's actions.
func (p *opportunityPage) bar() *actionBar {
	o := p.O
	return opportunityBar.build(barDoc{Base: "/opportunities/" + itoa(o.ID), Version: o.Version, Actions: p.Actions,
		Facts: barFacts{factEvaluate: p.CanEvaluate, factTab: p.Tab == "evaluation", factEdit: p.CanEdit,
			factDelete: p.CanEdit && o.Status == model.StatusDraft}})
}

// serviceRequestBar is the service request's (服务请求): start or resolve
// (on the handling tab, whose form is then the primary action); close asks
// first.
var serviceRequestBar = barTable{
	{Action: "start", If: factTab, Below: true},
	{Action: "start", Link: "{base}?tab=handling", Kind: barPrimary},
	{Action: "resolve", If: factTab, Below: true},
	{Action: "resolve", Link: "{base}?tab=handling", Kind: barPrimary},
	rowEdit,
	{Action: "close", Ask: "ch.confirm_action"},
	rowPrint, rowPDF,
	{Back: true, Link: "/service-requests"},
}

// bar lays out the service request's actions.
func (p *servicePage) bar() *actionBar {
	r := p.R
	return serviceRequestBar.build(barDoc{Base: "/service-requests/" + itoa(r.ID), Version: r.Version, Actions: p.Actions,
		Facts: barFacts{factTab: p.Tab == "handling", factEdit: p.CanEdit}})
}

// stocktakeBar is the stocktake's (盘点): edit, the channel report at its
// date (of its customer, for staff), print; 删除 apart.
var stocktakeBar = barTable{
	rowEdit,
	{If: factCustomer, Label: "nav.channel_report", Link: "/channel-report?customer={customer}&to={date}"},
	{Unless: factCustomer, Label: "nav.channel_report", Link: "/channel-report?to={date}"},
	rowPrint, rowPDF,
	{Back: true, Link: "/stocktakes"},
	rowDelete,
}

// bar lays out the stocktake's actions.
func (p *stocktakePage) bar(u *model.User) *actionBar {
	s, code := p.S, ""
	if p.Customer != nil {
		code = url.QueryEscape(p.Customer.Code)
	}
	return stocktakeBar.build(barDoc{Base: "/stocktakes/" + itoa(s.ID), Version: s.Version,
		Facts: barFacts{factEdit: p.CanEdit, factDelete: p.CanEdit, factCustomer: u.IsStaff() && p.Customer != nil},
		Vars:  []string{"{customer}", code, "{date}", s.Date}})
}

// catalogEntryBar is the catalog entry's (商品目录): audit (publish) first,
// edit, prices and the product.
var catalogEntryBar = barTable{
	rowAudit,
	{Action: "unaudit"},
	rowEdit,
	{Label: "prices.lookup", Link: "/catalog/{id}/prices"},
	{Label: "entry.product", Link: "/products/{product}"},
	{Back: true, Link: "/catalog-entries"},
}

// bar lays out the catalog entry's actions.
func (d *entryPage) bar() *actionBar {
	e := d.Item.Entry
	return catalogEntryBar.build(barDoc{Base: "/catalog-entries/" + itoa(e.ID), Version: e.Version, Actions: d.Actions,
		Facts: barFacts{factEdit: d.CanEdit}, Vars: []string{"{id}", itoa(e.ID), "{product}", itoa(d.Item.Product.ID)}})
}

// announcementBar is the announcement's (公告): audit (publish) first;
// unaudit asks first; 作废 (invalidate) and 删除 apart. Dealers read it:
// print and back only.
var announcementBar = barTable{
	{Action: "audit", Label: "announcement.action.audit", Kind: barPrimary},
	{Action: "unaudit", Label: "announcement.action.unaudit", Ask: "announcement.confirm_unaudit"},
	{Action: "invalidate", Label: "announcement.action.invalidate", Kind: barDanger, Ask: "announcement.confirm_invalidate"},
	rowEdit, rowPrint, rowPDF,
	{If: factStaff, Back: true, Link: "/announcements"},
	{Unless: factStaff, Back: true, Link: "/my/announcements"},
	rowDelete,
}

// bar lays out the announcement's actions.
func (p *announcementPage) bar() *actionBar {
	a := p.A
	return announcementBar.build(barDoc{Base: "/announcements/" + itoa(a.ID), Version: a.Version, Actions: p.Actions,
		Facts: barFacts{factEdit: p.CanEdit, factDelete: p.CanEdit, factStaff: p.Staff}})
}

// productBar is the product's: edit, its catalog entry (or add one).
var productBar = barTable{
	rowEdit,
	{If: factEntry, Label: "products.entry", Link: "/catalog-entries/{entry}"},
	{If: factList, Label: "products.add_entry", Link: "/catalog-entries/new?product={id}", Icon: "plus"},
	{Back: true, Link: "/products"},
}

// Bar lays out the product's actions.
func (d *productPage) Bar() *actionBar {
	id, entry := itoa(d.Product.ID), ""
	if d.Entry != nil {
		entry = itoa(d.Entry.ID)
	}
	return productBar.build(barDoc{Base: "/products/" + id,
		Facts: barFacts{factEdit: d.CanEdit, factEntry: d.Entry != nil, factList: d.Entry == nil && d.CanEdit && !d.Listed},
		Vars:  []string{"{id}", id, "{entry}", entry}})
}

// customerBar is the customer profile's: edit, print, back (staff).
var customerBar = barTable{rowEdit, rowPrint, {If: factStaff, Back: true, Link: "/customers"}}

// bar lays out the customer profile's actions.
func (p *customerPage) bar(staff bool) *actionBar {
	return customerBar.build(barDoc{Base: "/customers/" + itoa(p.Customer.ID), Facts: barFacts{factEdit: p.CanEdit, factStaff: staff}})
}

// trackingBar is the order tracking page's next steps: staff ship (a
// notice first) or take goods back; the dealer returns goods.
var trackingBar = barTable{
	{If: factShip, Label: "ship.new_notice", Link: "/delivery-notices/new?so={so}", ID: "new-notice", Kind: barPrimary},
	{If: factShip, Label: "ship.new_outbound", Link: "/outbounds/new?so={so}", ID: "new-outbound"},
	{If: factTakeBack, Label: "ship.new_return_notice", Link: "/return-notices/new?so={so}", ID: "new-rn"},
	{If: factReturn, Label: "ship.return_goods", Link: "/returns/new?so={so}", ID: "return-goods", Kind: barPrimary},
	{Back: true, Link: "/tracking"},
}

// bar lays out the tracking page's actions (none but the way back without
// a sales order).
func (p *trackingPage) bar(u *model.User) *actionBar {
	d := barDoc{}
	if so := p.Sales; so != nil {
		d.Facts = barFacts{factShip: p.CanShip, factTakeBack: p.Staff && p.AnyReturnables && u.Can(model.PermManageOrders), factReturn: p.CanReturn}
		d.Vars = []string{"{so}", itoa(so.ID)}
	}
	return trackingBar.build(d)
}

// BackBar is the action bar of a page whose only action is the way back.
func (v *View) BackBar(href string) *actionBar {
	return barTable{{Back: true, Link: href}}.build(barDoc{})
}
