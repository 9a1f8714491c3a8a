package handlers

import (
	"fmt"
	"net/url"

	"dealerportal/model"
)

// The action bars of the document pages (actionbar.go), one builder per
// page: which actions the user has in the document's status, and which of
// them is primary, secondary or destructive. The pages' own handlers decide
// what is allowed (CanEdit, the state machine); these only lay it out.

// destructiveActions are the state-machine actions shown apart as
// destructive: they end the document or refuse it.
var destructiveActions = map[string]bool{"void": true, "reject": true, "delete": true}

// machineActions adds a document's state-machine actions (actionsOf) under
// base: the marked primary one (submit, audit…); an action needing a reason
// asks for it in a panel (reasonLabel); void and reject are destructive;
// the others that ask (close, unaudit…) ask the question ask(name).
func (b *actionBar) machineActions(base string, version uint64, acts []actionButton, reasonLabel string, ask func(name string) string) {
	for _, a := range acts {
		x := b.post("action."+a.Name, base+"/"+a.Name, version)
		switch {
		case a.Reason:
			x.reason(reasonLabel).submit("oo.confirm_action", "action", tkey("action."+a.Name))
			if destructiveActions[a.Name] {
				x.kind = barDanger
			}
		case destructiveActions[a.Name]:
			x.danger(ask(a.Name))
		case a.Confirm:
			x.confirm(ask(a.Name))
		}
		if a.Primary {
			x.primary()
		}
	}
}

// deleteAction adds the destructive 删除 of a document.
func (b *actionBar) deleteAction(base string, version uint64) {
	b.post("btn.delete", base+"/delete", version).danger("confirm.delete")
}

// bar lays out the online order's actions: submit or convert first; order
// again, tracking and print; 删除 apart at the end.
func (p *onlinePage) bar(u *model.User) *actionBar {
	o, base := p.O, "/online-orders/"+itoa(p.O.ID)
	b := &actionBar{}
	if p.CanRelease {
		b.post("action.release_credit", base+"/release_credit", o.Version).primary().confirm("oo.confirm_release")
	}
	if p.CanConvert {
		b.link("action.convert", base+"/convert").primary()
	}
	b.machineActions(base, o.Version, p.Actions, "oo.reason", func(string) string { return "oo.confirm" })
	if p.CanEdit {
		b.link("btn.edit", base+"/edit")
	}
	if p.CanAgain {
		b.postToken("oo.again_cart", base+"/again", p.AgainToken+"-cart")
		b.postToken("oo.again_draft", base+"/again", p.AgainToken+"-draft").field("to", "draft")
	}
	if o.SalesOrderID != 0 {
		b.link("so.tracking", "/tracking/online-orders/"+itoa(o.ID))
	}
	b.printLinks(base+"/print", base+"/pdf")
	b.back("/online-orders")
	if p.CanDelete {
		b.deleteAction(base, o.Version)
	}
	return b
}

// bar lays out the sales order's actions: submit or audit first; the next
// documents (change, notice, outbound, return), tracking and print; void
// apart at the end.
func (p *salesPage) bar(u *model.User) *actionBar {
	o, base := p.O, "/sales-orders/"+itoa(p.O.ID)
	b := &actionBar{}
	b.machineActions(base, o.Version, p.Actions, "oo.reason", func(name string) string { return "so.confirm_" + name })
	if p.CanEdit {
		b.link("btn.edit", base+"/edit")
	}
	if o.Status == model.StatusAudited && u.Can(model.PermManageOrders) {
		b.link("so.next_notice", "/delivery-notices/new?so="+itoa(o.ID))
		b.link("so.next_outbound", "/outbounds/new?so="+itoa(o.ID))
	}
	if p.CanChange {
		b.link("cr.new", base+"/change-requests/new")
	}
	if !p.Staff && (o.Status == model.StatusAudited || o.Status == model.StatusClosed) {
		b.link("so.next_return", "/returns/new?so="+itoa(o.ID))
	}
	if o.Status != model.StatusDraft {
		b.link("so.tracking", "/tracking/sales-orders/"+itoa(o.ID))
	}
	if p.CanAgain {
		b.postToken("oo.again_cart", base+"/again", p.AgainToken+"-cart")
		b.postToken("oo.again_draft", base+"/again", p.AgainToken+"-draft").field("to", "draft")
	}
	b.printLinks(base+"/print", base+"/pdf")
	b.back("/sales-orders")
	return b
}

// bar lays out the change request's actions: submit or make effective
// first; 拒绝 and 删除 apart at the end.
func (p *changePage) bar() *actionBar {
	r, base := p.R, "/change-requests/"+itoa(p.R.ID)
	b := &actionBar{}
	b.machineActions(base, r.Version, p.Actions, "oo.reason", func(string) string { return "oo.confirm" })
	for _, a := range b.items {
		if a.Post == base+"/make_effective" {
			a.confirm("cr.confirm_effective")
		}
	}
	if p.CanEdit {
		b.link("btn.edit", base+"/edit")
	}
	b.printLinks(base+"/print", base+"/pdf")
	b.back("/change-requests")
	if p.CanEdit {
		b.deleteAction(base, r.Version)
	}
	return b
}

// noticeBar lays out the delivery notice's actions: the outbound that ships
// it first; close; 作废 (with its reason) apart at the end. The dealer's
// primary action is the receipt form below.
func (p *docPage) noticeBar(d *model.DeliveryNotice) *actionBar {
	base := "/delivery-notices/" + itoa(d.ID)
	b := &actionBar{}
	if p.CanShip {
		b.link("ship.new_outbound", "/outbounds/new?dn="+itoa(d.ID)).primary()
	}
	p.shippingActions(b, base, d.Version, "ship.confirm_%s", "ship.reason")
	b.printLinks(base+"/print", base+"/print?format=pdf")
	b.items[len(b.items)-1].download()
	p.trackingLink(b)
	b.back("/delivery-notices")
	if p.Receipt {
		b.primaryBelow()
	}
	return b
}

// shippingActions adds a shipping document's state-machine actions (named
// ship.action.<name>): each asks its question (confirm, a format with the
// action's name); void and reject ask for a reason and stand apart.
func (p *docPage) shippingActions(b *actionBar, base string, version uint64, confirm, reasonLabel string) {
	for _, name := range p.Actions {
		a := b.post("ship.action."+name, base+"/"+name, version)
		switch {
		case name == "void" || name == "reject":
			a.asking(barInput{Name: "reason", Label: reasonLabel, Required: true, MinLen: 2, MaxLen: 200})
			a.kind = barDanger
		case name == "submit" || name == "convert":
			a.primary()
		default:
			a.confirm(fmt.Sprintf(confirm, name))
		}
	}
}

// trackingLink adds the order tracking of the document's sales order.
func (p *docPage) trackingLink(b *actionBar) {
	if p.Order != nil {
		b.link("ship.tracking", "/tracking/sales-orders/"+itoa(p.Order.ID))
	}
}

// outboundBar lays out the outbound's actions: return goods (the dealer),
// print, tracking. The dealer's primary action is the receipt form below.
func (p *docPage) outboundBar(ob *model.Outbound) *actionBar {
	base := "/outbounds/" + itoa(ob.ID)
	b := &actionBar{}
	if p.CanReturn {
		b.link("ship.return_goods", "/returns/new?ob="+itoa(ob.ID))
	}
	b.printLinks(base+"/print", base+"/print?format=pdf")
	b.items[len(b.items)-1].download()
	p.trackingLink(b)
	b.back("/outbounds")
	if p.Receipt {
		b.primaryBelow()
	}
	return b
}

// returnBar lays out the online return's actions: submit or convert first;
// 拒绝 (with its reason) and 删除 apart at the end.
func (p *docPage) returnBar(r *model.OnlineReturn) *actionBar {
	base := "/returns/" + itoa(r.ID)
	b := &actionBar{}
	p.shippingActions(b, base, r.Version, "ship.confirm_%s", "ship.reject_reason")
	if p.CanEdit {
		b.link("btn.edit", base+"/edit")
	}
	b.link("btn.print", base+"/print").icon("print").external()
	p.trackingLink(b)
	b.back("/returns")
	if p.CanEdit && !p.Staff {
		b.deleteAction(base, r.Version)
	}
	return b
}

// returnNoticeBar lays out the return notice's actions: the red outbound
// that receives it first; close; 作废 apart.
func (p *docPage) returnNoticeBar(r *model.ReturnNotice) *actionBar {
	base := "/return-notices/" + itoa(r.ID)
	b := &actionBar{}
	if p.CanShip {
		b.link("ship.new_red", "/outbounds/new?rn="+itoa(r.ID)).primary()
	}
	for _, name := range p.Actions {
		a := b.post("ship.action."+name, base+"/"+name, r.Version)
		if name == "void" {
			a.danger(fmt.Sprintf("ship.confirm_rn_%s", name))
		} else {
			a.confirm(fmt.Sprintf("ship.confirm_rn_%s", name))
		}
	}
	b.link("btn.print", base+"/print").icon("print").external()
	p.trackingLink(b)
	b.back("/return-notices")
	return b
}

// ReconBar lays out the reconciliation block's actions (对账): confirm
// first, cancel asking first, 有异议 (with its comment) apart at the end.
// The page's own bar holds the primary action when staff see it.
func (r reconBlock) ReconBar() *actionBar {
	b := &actionBar{ID: "recon-actions", below: r.staff}
	if r.Recon == nil {
		return b
	}
	for _, a := range r.ReconActions {
		switch a {
		case model.ReconConfirm:
			if x := b.post("action.recon_confirm", r.ReconPath+"/confirm", r.Recon.Version); r.confirmsBelow() {
				x.primary()
			}
		case model.ReconCancel:
			b.post("action.recon_cancel", r.ReconPath+"/cancel", r.Recon.Version).confirm("rc.confirm_cancel")
		case model.ReconDispute:
			x := b.post("action.recon_dispute", r.ReconPath+"/dispute", r.Recon.Version).id("dispute")
			x.asking(barInput{ID: "f-reason", Name: "reason", Label: "rc.dispute_comment", Required: true, MaxLen: 500, Long: true})
			x.kind = barDanger
		}
	}
	return b
}

// confirmsBelow reports whether the reconciliation block offers the dealer
// the confirmation: it is then the page's primary action (for staff, who
// confirm on the dealer's behalf, it is a secondary one).
func (r reconBlock) confirmsBelow() bool {
	return r.Recon != nil && !r.staff && contains(r.ReconActions, model.ReconConfirm)
}

// Bar lays out the invoice's actions: audit first, write-off and print;
// unaudit asks first; 删除 apart at the end.
func (p *invoiceView) Bar() *actionBar {
	inv, base := p.Inv, "/invoices/"+itoa(p.Inv.ID)
	b := &actionBar{}
	for _, a := range p.Actions {
		x := b.post("action."+a, base+"/"+a, inv.Version)
		switch a {
		case "audit":
			x.primary()
		case "unaudit":
			x.confirm("rc.confirm_unaudit")
		}
	}
	if p.CanWrite && inv.Posted() {
		b.link("rc.write_off", "/write-offs?customer_id="+itoa(inv.CustomerID))
	}
	b.printLinks(base+"/print", base+"/print?format=pdf")
	b.items[len(b.items)-1].download()
	b.back("/invoices")
	if p.CanDelete {
		b.deleteAction(base, inv.Version)
	}
	if p.confirmsBelow() {
		b.primaryBelow()
	}
	return b
}

// Bar lays out a receipt's, advance receipt's or refund's actions: audit
// first, edit, write-off and print; unaudit asks first; 删除 apart.
func (p *receiptView) Bar() *actionBar {
	r, base := p.R, p.Base+"/"+itoa(p.R.ID)
	b := &actionBar{}
	for _, a := range p.Actions {
		x := b.post("action."+a, base+"/"+a, r.Version)
		switch a {
		case "audit":
			x.primary()
		case "unaudit":
			x.confirm("rc.confirm_unaudit")
		}
	}
	if p.CanEdit {
		b.link("btn.edit", base+"/edit")
	}
	if p.CanWrite && r.Posted() && r.Kind != model.DocRefund {
		b.link("rc.write_off", "/write-offs?customer_id="+itoa(r.CustomerID))
	}
	b.printLinks(base+"/print", base+"/print?format=pdf")
	b.items[len(b.items)-1].download()
	b.back(p.Base)
	if p.CanEdit {
		b.deleteAction(base, r.Version)
	}
	if p.confirmsBelow() {
		b.primaryBelow()
	}
	return b
}

// Bar lays out a reconciliation document's page (the dealer's 对账 view of
// an outbound, invoice or receipt): its confirmation is the primary action.
func (d *reconDocData) Bar() *actionBar {
	b := &actionBar{}
	if d.DocURL != "" {
		b.link("rc.open_document", d.DocURL)
	}
	b.back("/reconciliation")
	if d.confirmsBelow() {
		b.primaryBelow()
	}
	return b
}

// bar lays out the cross-territory complaint's actions (窜货投诉): submit,
// or audit (naming the accused) first; close and reopen with an optional
// reason; 删除 apart. The handling form below is primary when shown.
func (p *complaintPage) bar() *actionBar {
	cp, base := p.C, "/complaints/"+itoa(p.C.ID)
	b := &actionBar{}
	for _, a := range p.Actions {
		x := b.post("action."+a, base+"/"+a, cp.Version)
		switch a {
		case "audit":
			x.id("audit-form").primary().asking(barInput{ID: "f-accused_code", Name: "accused_code", Label: "cp.accused_code", Value: p.AccusedCode, Placeholder: "C0002", MaxLen: 40})
		case "close", "reopen":
			x.asking(barInput{Name: "reason", Label: "common.reason", MaxLen: 200})
		default:
			x.primary()
		}
	}
	if p.CanEdit {
		b.link("btn.edit", base+"/edit")
	}
	b.printLinks(base+"/print", base+"/pdf")
	b.back("/complaints")
	if p.CanEdit {
		b.deleteAction(base, cp.Version)
	}
	if p.CanHandle {
		b.primaryBelow()
	}
	return b
}

// bar lays out the opportunity report's actions (商机报备): submit first,
// or the evaluation (its tab); win, lose and expire ask first; 删除 apart.
func (p *opportunityPage) bar() *actionBar {
	o, base := p.O, "/opportunities/"+itoa(p.O.ID)
	b := &actionBar{}
	if p.CanEvaluate {
		if p.Tab == "evaluation" {
			b.primaryBelow()
		} else {
			b.link("opp.evaluate", base+"?tab=evaluation").primary()
		}
	}
	for _, a := range p.Actions {
		x := b.post("action."+a, base+"/"+a, o.Version)
		if a == "submit" {
			x.primary()
		} else {
			x.confirm("ch.confirm_action")
		}
	}
	if p.CanEdit {
		b.link("btn.edit", base+"/edit")
	}
	b.printLinks(base+"/print", base+"/pdf")
	b.back("/opportunities")
	if p.CanEdit && o.Status == model.StatusDraft {
		b.deleteAction(base, o.Version)
	}
	return b
}

// bar lays out the service request's actions (服务请求): start or resolve
// (on the handling tab, whose form is then the primary action); close asks
// first.
func (p *servicePage) bar() *actionBar {
	r, base := p.R, "/service-requests/"+itoa(p.R.ID)
	b := &actionBar{}
	for _, a := range []string{"start", "resolve"} {
		if contains(p.Actions, a) {
			if p.Tab == "handling" {
				b.primaryBelow()
			} else {
				b.link("action."+a, base+"?tab=handling").primary()
			}
		}
	}
	if p.CanEdit {
		b.link("btn.edit", base+"/edit")
	}
	if contains(p.Actions, "close") {
		b.post("action.close", base+"/close", r.Version).confirm("ch.confirm_action")
	}
	b.printLinks(base+"/print", base+"/pdf")
	b.back("/service-requests")
	return b
}

// bar lays out the stocktake's actions (盘点): edit, the channel report at
// its date, print; 删除 apart.
func (p *stocktakePage) bar(u *model.User) *actionBar {
	s, base := p.S, "/stocktakes/"+itoa(p.S.ID)
	b := &actionBar{}
	if p.CanEdit {
		b.link("btn.edit", base+"/edit")
	}
	report := "/channel-report?to=" + s.Date
	if u.IsStaff() && p.Customer != nil {
		report = "/channel-report?customer=" + url.QueryEscape(p.Customer.Code) + "&to=" + s.Date
	}
	b.link("nav.channel_report", report)
	b.printLinks(base+"/print", base+"/pdf")
	b.back("/stocktakes")
	if p.CanEdit {
		b.deleteAction(base, s.Version)
	}
	return b
}

// bar lays out the catalog entry's actions (商品目录): audit (publish)
// first, edit, prices and the product.
func (d *entryPage) bar() *actionBar {
	e, base := d.Item.Entry, "/catalog-entries/"+itoa(d.Item.Entry.ID)
	b := &actionBar{}
	for _, a := range d.Actions {
		x := b.post("action."+a, base+"/"+a, e.Version)
		if a == "audit" {
			x.primary()
		}
	}
	if d.CanEdit {
		b.link("btn.edit", base+"/edit")
	}
	b.link("prices.lookup", "/catalog/"+itoa(e.ID)+"/prices")
	b.link("entry.product", "/products/"+itoa(d.Item.Product.ID))
	b.back("/catalog-entries")
	return b
}

// bar lays out the announcement's actions (公告): audit (publish) first;
// unaudit asks first; 作废 (invalidate) and 删除 apart. Dealers read it:
// print and back only.
func (p *announcementPage) bar() *actionBar {
	a, base := p.A, "/announcements/"+itoa(p.A.ID)
	b := &actionBar{}
	for _, name := range p.Actions {
		x := b.post("announcement.action."+name, base+"/"+name, a.Version)
		switch name {
		case "audit":
			x.primary()
		case "invalidate":
			x.danger("announcement.confirm_invalidate")
		default:
			x.confirm("announcement.confirm_" + name)
		}
	}
	if p.CanEdit {
		b.link("btn.edit", base+"/edit")
	}
	b.printLinks(base+"/print", base+"/pdf")
	if p.Staff {
		b.back("/announcements")
	} else {
		b.back("/my/announcements")
	}
	if p.CanEdit {
		b.deleteAction(base, a.Version)
	}
	return b
}

// Bar lays out the product's actions: edit, its catalog entry (or add one).
func (d *productPage) Bar() *actionBar {
	p, b := d.Product, &actionBar{}
	if d.CanEdit {
		b.link("btn.edit", "/products/"+itoa(p.ID)+"/edit")
	}
	switch {
	case d.Entry != nil:
		b.link("products.entry", "/catalog-entries/"+itoa(d.Entry.ID))
	case d.CanEdit && !d.Listed:
		b.link("products.add_entry", "/catalog-entries/new?product="+itoa(p.ID)).icon("plus")
	}
	b.back("/products")
	return b
}

// bar lays out the customer profile's actions: edit, print, back (staff).
func (p *customerPage) bar(staff bool) *actionBar {
	base, b := "/customers/"+itoa(p.Customer.ID), &actionBar{}
	if p.CanEdit {
		b.link("btn.edit", base+"/edit")
	}
	b.link("btn.print", base+"/print").icon("print").external()
	if staff {
		b.back("/customers")
	}
	return b
}

// bar lays out the order tracking page's next steps: staff ship (a notice
// first) or take goods back; the dealer returns goods.
func (p *trackingPage) bar(u *model.User) *actionBar {
	b := &actionBar{}
	if so := p.Sales; so != nil {
		id := itoa(so.ID)
		if p.CanShip {
			b.link("ship.new_notice", "/delivery-notices/new?so="+id).id("new-notice").primary()
			b.link("ship.new_outbound", "/outbounds/new?so="+id).id("new-outbound")
		}
		if p.Staff && p.AnyReturnables && u.Can(model.PermManageOrders) {
			b.link("ship.new_return_notice", "/return-notices/new?so="+id).id("new-rn")
		}
		if p.CanReturn {
			b.link("ship.return_goods", "/returns/new?so="+id).id("return-goods").primary()
		}
	}
	b.back("/tracking")
	return b
}

// BackBar is the action bar of a page whose only action is the way back.
func (v *View) BackBar(href string) *actionBar {
	b := &actionBar{}
	b.back(href)
	return b
}
