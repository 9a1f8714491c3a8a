package handlers

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// barRoles are the users every document page is shown to in
// TestActionBars: each staff role (fin and svc are added by the test) and
// each dealer role of C1, whose documents the pages show.
var barRoles = []string{"admin", "east", "fin", "svc", "viewer", "c1.manager", "c1.buyer", "c1.finance"}

// barState is one state of a document: its name and how the test puts the
// document in it (nil: as the fixture left it).
type barState struct {
	name string
	set  func()
}

// barPage is a document of C1 and its pages: the states it is shown in, in
// order (each state's set starts from the one before).
type barPage struct {
	name   string
	paths  []string
	states []barState
}

// TestActionBars records, for every document page in each of its statuses
// and as each role, the action bars it shows — every action with its weight
// (P primary, S secondary, D destructive, apart at the end), its text, where
// it leads or posts, its question and the field it asks for — and compares
// them with actionBarsWant. Roles that see the same bars share a row; a
// page a role may not open shows its status code.
func TestActionBars(t *testing.T) {
	e := newTestEnv(t)
	documentFixtures(t, e)
	hash, _ := store.HashPassword(testPassword)
	e.step(e.user("admin"), func(tx *store.Tx) error {
		for _, role := range []model.Role{model.RoleFinance, model.RoleService} {
			name := map[model.Role]string{model.RoleFinance: "fin", model.RoleService: "svc"}[role]
			u := &model.User{Username: name, Name: strings.ToUpper(name), Kind: model.KindStaff, Roles: []model.Role{role},
				OrgUnitID: e.ids["org:HQ"], ScopeMode: model.ScopeOrg, ScopeOrgs: []uint64{e.ids["org:EAST"]}, PasswordHash: hash}
			if err := tx.SaveUser(store.AdminScope(), u); err != nil {
				return err
			}
		}
		return nil
	})
	admin := e.user("admin")
	e.step(admin, func(tx *store.Tx) error {
		dn, err := tx.CreateDeliveryNotice(store.AdminScope(), admin, &store.DeliveryNoticeInput{SalesOrderID: e.ids["ship.so:C1"],
			ShipDate: "2026-03-18", Qty: map[int]model.Qty{1: 1000}})
		if err == nil {
			e.ids["ship.dn2:C1"] = dn.ID
		}
		return err
	})
	clients := map[string]*client{}
	for _, role := range barRoles {
		clients[role] = e.login(role)
	}
	type row struct{ page, state, roles, bars string }
	var got []row
	for _, pg := range barPages(e) {
		for _, st := range pg.states {
			if st.set != nil {
				st.set()
			}
			for _, path := range pg.paths {
				var roles, bars []string
				for _, role := range barRoles {
					r := clients[role].get(path)
					b := fmt.Sprint(r.Code)
					if r.Code == http.StatusOK {
						mustRender(t, path, r)
						b = barsOf(r.Body)
					}
					i := 0
					for i < len(bars) && bars[i] != b {
						i++
					}
					if i == len(bars) {
						roles, bars = append(roles, role), append(bars, b)
					} else {
						roles[i] += " " + role
					}
				}
				page := pg.name
				if len(pg.paths) > 1 {
					page += " " + barIDRe.ReplaceAllString(path, "$1#")
				}
				for i := range roles {
					got = append(got, row{page, st.name, roles[i], bars[i]})
				}
			}
		}
	}
	want := map[[3]string]string{}
	for _, w := range actionBarsWant {
		want[[3]string{w.page, w.state, w.roles}] = w.bars
	}
	for _, g := range got {
		k := [3]string{g.page, g.state, g.roles}
		w, ok := want[k]
		if !ok || w != g.bars {
			t.Errorf("%s, %s, as %s:\n got  %s\n want %s\n (the table's row: {%q, %q, %q, %q},)", g.page, g.state, g.roles, g.bars, w, g.page, g.state, g.roles, g.bars)
		}
		delete(want, k)
	}
	for k := range want {
		t.Errorf("no bars recorded for %s, %s, as %s", k[0], k[1], k[2])
	}
}

// TestBarTablesNameEveryAction: each action of a document type's state
// machine is a row of its bar table or is taken elsewhere on its page (a
// form, a tab, a link), and each row naming an action names one of the
// machine's, so that an action added to a machine cannot go missing from
// its page.
func TestBarTablesNameEveryAction(t *testing.T) {
	for _, c := range []struct {
		name      string
		table     barTable
		machine   model.Machine
		elsewhere []string
	}{
		{"online order", onlineOrderBar, model.OnlineOrderMachine, []string{"convert"}},
		{"sales order", salesOrderBar, model.SalesOrderMachine, nil},
		{"change request", changeRequestBar, model.ChangeRequestMachine, nil},
		{"delivery notice", deliveryNoticeBar, model.DeliveryNoticeMachine, []string{"confirm_receipt"}},
		{"outbound", outboundBar, model.OutboundMachine, []string{"confirm_receipt"}},
		{"online return", onlineReturnBar, model.OnlineReturnMachine, nil},
		{"return notice", returnNoticeBar, model.ReturnNoticeMachine, nil},
		{"reconciliation", reconBar, model.ReconMachine, nil},
		{"invoice", invoiceBar, model.InvoiceMachine, nil},
		{"receipt", receiptBar, model.ReceiptMachine, nil},
		{"complaint", complaintBar, model.ComplaintMachine, []string{"handle"}},
		{"opportunity", opportunityBar, model.OpportunityMachine, model.OpportunityEvaluations},
		{"service request", serviceRequestBar, model.ServiceRequestMachine, []string{"reopen"}},
		{"catalog entry", catalogEntryBar, model.CatalogMachine, nil},
		{"announcement", announcementBar, model.AnnouncementMachine, nil},
	} {
		rows := map[string]bool{}
		for _, r := range c.table {
			if r.Action != "" && c.machine.Find(r.Action) == nil {
				t.Errorf("%s: the bar names %q, which its state machine does not have", c.name, r.Action)
			}
			rows[r.Action] = true
		}
		for _, tr := range c.machine {
			if !rows[tr.Action] && !contains(c.elsewhere, tr.Action) {
				t.Errorf("%s: the bar has no row for the action %q", c.name, tr.Action)
			}
		}
	}
}

// barPages are C1's documents and the states TestActionBars shows them in:
// every status of their state machines, set straight in the store (the
// bars follow the status, not the way it was reached), and the other facts
// a bar depends on (a credit hold, a confirmed receipt, the reconciliation,
// a tab).
func barPages(e *testEnv) []barPage {
	id := func(name string) string { return e.id(name) }
	status := func(kind model.DocType, name string, st model.Status) barState {
		return barState{string(st), func() { e.setDoc(kind, e.ids[name], func(d model.Document) { d.Header().Status = st }) }}
	}
	statuses := func(kind model.DocType, name string, sts ...model.Status) []barState {
		var out []barState
		for _, st := range sts {
			out = append(out, status(kind, name, st))
		}
		return out
	}
	recon := func(kind model.DocType, name string, steps ...string) func() {
		return func() {
			finance := e.user("c1.finance")
			for _, action := range steps {
				e.step(e.user("admin"), func(tx *store.Tx) error {
					r, err := tx.Reconciliation(store.AdminScope(), kind, e.ids[name])
					if err != nil {
						return err
					}
					_, err = tx.Reconcile(store.AdminScope(), finance, kind, r.DocID, r.Version, action, "金额不符")
					return err
				})
			}
		}
	}
	reconStates := func(kind model.DocType, name string) []barState {
		return []barState{
			status(kind, name, model.StatusDraft),
			status(kind, name, model.StatusAudited),
			{"audited, confirmed", recon(kind, name, model.ReconConfirm)},
			{"audited, disputed", recon(kind, name, model.ReconCancel, model.ReconDispute)},
		}
	}
	announce := func(action string) func() {
		return func() {
			admin := e.user("admin")
			e.step(admin, func(tx *store.Tx) error {
				a, err := tx.Announcement(store.AdminScope(), e.ids["ann:C1"])
				if err == nil {
					_, err = tx.ActOnAnnouncement(store.AdminScope(), a.ID, a.Version, action, admin)
				}
				return err
			})
		}
	}
	oo := model.DocOnlineOrder
	return []barPage{
		{"online order", []string{"/online-orders/" + id("oo:C1")}, append([]barState{
			{"submitted", nil},
			{"submitted, credit hold", func() {
				e.setDoc(oo, e.ids["oo:C1"], func(d model.Document) { d.(*model.OnlineOrder).CreditHold = true })
			}},
			{"submitted, released", func() {
				e.setDoc(oo, e.ids["oo:C1"], func(d model.Document) { d.(*model.OnlineOrder).CreditApprovedBy = "fin" })
			}},
		}, statuses(oo, "oo:C1", model.StatusDraft, model.StatusRejected, model.StatusConverted)...)},
		{"online order converted", []string{"/online-orders/" + id("ship.oo:C1")}, []barState{{"converted", nil}}},
		{"sales order", []string{"/sales-orders/" + id("so:C1")}, append([]barState{{"audited", nil}},
			statuses(model.DocSalesOrder, "so:C1", model.StatusClosed, model.StatusDraft, model.StatusVoid)...)},
		{"sales order shipped", []string{"/sales-orders/" + id("ship.so:C1")}, []barState{{"audited", nil}}},
		{"change request", []string{"/change-requests/" + id("cr:C1")}, append([]barState{{"draft", nil}},
			statuses(model.DocChangeRequest, "cr:C1", model.StatusSubmitted, model.StatusEffective, model.StatusRejected)...)},
		{"delivery notice", []string{"/delivery-notices/" + id("ship.dn:C1")}, append([]barState{{"as posted", nil}},
			statuses(model.DocDeliveryNotice, "ship.dn:C1", model.StatusAudited, model.StatusShipped, model.StatusClosed,
				model.StatusReceived, model.StatusVoid)...)},
		{"delivery notice not shipped", []string{"/delivery-notices/" + id("ship.dn2:C1")}, []barState{{"audited", nil}}},
		{"outbound", []string{"/outbounds/" + id("ship.ob:C1"), "/reconciliation/outbounds/" + id("ship.ob:C1")}, []barState{
			{"audited", nil},
			{"audited, confirmed", recon(model.DocOutbound, "ship.ob:C1", model.ReconConfirm)},
			{"audited, disputed", recon(model.DocOutbound, "ship.ob:C1", model.ReconCancel, model.ReconDispute)},
			{"audited, received", func() {
				e.setDoc(model.DocOutbound, e.ids["ship.ob:C1"], func(d model.Document) {
					d.(*model.Outbound).Receipt = &model.Receipt{By: "c1.buyer", At: "2026-03-18T09:00:00Z"}
				})
			}},
		}},
		{"online return", []string{"/returns/" + id("ship.rt:C1")}, append([]barState{{"submitted", nil}},
			statuses(model.DocOnlineReturn, "ship.rt:C1", model.StatusDraft, model.StatusRejected, model.StatusConverted)...)},
		{"return notice", []string{"/return-notices/" + id("ship.rn:C1")}, append([]barState{{"audited", nil}},
			statuses(model.DocReturnNotice, "ship.rn:C1", model.StatusClosed)...)},
		{"invoice", []string{"/invoices/" + id("rc.iv:C1"), "/reconciliation/invoices/" + id("rc.iv:C1")}, reconStates(model.DocInvoice, "rc.iv:C1")},
		{"receipt", []string{"/receipts/" + id("rc.rc:C1"), "/reconciliation/receipts/" + id("rc.rc:C1")}, reconStates(model.DocReceipt, "rc.rc:C1")},
		{"advance receipt", []string{"/advance-receipts/" + id("rc.ar:C1")}, append([]barState{{"draft", nil}},
			statuses(model.DocAdvanceReceipt, "rc.ar:C1", model.StatusAudited)...)},
		{"refund", []string{"/refunds/" + id("rc.rf:C1")}, append([]barState{{"draft", nil}},
			statuses(model.DocRefund, "rc.rf:C1", model.StatusAudited)...)},
		{"opportunity", []string{"/opportunities/" + id("opp:C1"), "/opportunities/" + id("opp:C1") + "?tab=evaluation"},
			append([]barState{{"draft", nil}}, statuses(model.DocOpportunity, "opp:C1", model.StatusSubmitted, model.StatusAccepted,
				model.StatusRejected, model.StatusNeedsInfo, model.StatusWon, model.StatusLost, model.StatusExpired)...)},
		{"complaint", []string{"/complaints/" + id("cp:C1")}, append([]barState{{"handled", nil}},
			statuses(model.DocComplaint, "cp:C1", model.StatusDraft, model.StatusSubmitted, model.StatusAudited, model.StatusClosed)...)},
		{"complaint notice", []string{"/complaint-notices/" + id("notice:C1")}, []barState{{"handled", nil}}},
		{"service request", []string{"/service-requests/" + id("sr:C1"), "/service-requests/" + id("sr:C1") + "?tab=handling"},
			append([]barState{{"new", nil}}, statuses(model.DocServiceRequest, "sr:C1", model.StatusInProgress, model.StatusResolved, model.StatusClosed)...)},
		{"stocktake", []string{"/stocktakes/" + id("st:C1")}, []barState{{"recorded", nil}}},
		{"catalog entry", []string{"/catalog-entries/" + id("entry:C1")}, []barState{{"audited", nil}, {"draft", func() {
			admin := e.user("admin")
			e.step(admin, func(tx *store.Tx) error {
				en, err := tx.CatalogEntry(store.AdminScope(), e.ids["entry:C1"])
				if err == nil {
					_, err = tx.ApplyCatalogAction(store.AdminScope(), en.ID, "unaudit", admin, en.Version)
				}
				return err
			})
		}}}},
		{"announcement", []string{"/announcements/" + id("ann:C1")}, []barState{{"audited", nil}, {"invalid", announce("invalidate")}, {"draft", announce("unaudit")}}},
		{"product in the catalog", []string{"/products/" + id("product:C1")}, []barState{{"active", nil}}},
		{"product not in the catalog", []string{"/products/" + id("product:NEW")}, []barState{{"active", nil}}},
		{"customer", []string{"/customers/" + id("customer:C1")}, []barState{{"active", nil}}},
		{"tracking", []string{"/tracking/sales-orders/" + id("ship.so:C1"), "/tracking/online-orders/" + id("ship.oo:C1")}, []barState{{"shipped", nil}}},
	}
}

// setDoc changes document id of kind straight in the store.
func (e *testEnv) setDoc(kind model.DocType, id uint64, change func(model.Document)) {
	e.t.Helper()
	d := map[model.DocType]func() model.Document{
		model.DocOnlineOrder: func() model.Document { return &model.OnlineOrder{} }, model.DocSalesOrder: func() model.Document { return &model.SalesOrder{} },
		model.DocChangeRequest: func() model.Document { return &model.ChangeRequest{} }, model.DocDeliveryNotice: func() model.Document { return &model.DeliveryNotice{} },
		model.DocOutbound: func() model.Document { return &model.Outbound{} }, model.DocOnlineReturn: func() model.Document { return &model.OnlineReturn{} },
		model.DocReturnNotice: func() model.Document { return &model.ReturnNotice{} }, model.DocInvoice: func() model.Document { return &model.Invoice{} },
		model.DocReceipt: func() model.Document { return &model.ReceiptDoc{} }, model.DocAdvanceReceipt: func() model.Document { return &model.ReceiptDoc{} },
		model.DocRefund: func() model.Document { return &model.ReceiptDoc{} }, model.DocOpportunity: func() model.Document { return &model.Opportunity{} },
		model.DocComplaint: func() model.Document { return &model.Complaint{} }, model.DocServiceRequest: func() model.Document { return &model.ServiceRequest{} },
	}[kind]()
	e.step(e.user("admin"), func(tx *store.Tx) error {
		if err := tx.GetDoc(store.AdminScope(), kind, id, d); err != nil {
			return err
		}
		change(d)
		return tx.UpdateDoc(store.AdminScope(), kind, d)
	})
}

var (
	barIDRe   = regexp.MustCompile(`([/=-])\d+`)
	barIconRe = regexp.MustCompile(`^<svg class="icon"[^>]*><use href="/static/icons.svg#([a-z-]+)"></use></svg>`)
	barDivRe  = regexp.MustCompile(`(?s)<div class="actions actbar[^"]*" id="([^"]+)">(.*?)</div>`)
	barItemRe = regexp.MustCompile(`(?s)<a class="button ?([a-z]*)( act-apart)?" href="([^"]*)"([^>]*)>(.*?)</a>` +
		`|<details class="act-ask( act-apart)?"([^>]*)>\s*<summary class="button ?([a-z]*)">(.*?)</summary>\s*<form method="post" action="([^"]*)" class="act-panel">(.*?)</form>\s*</details>` +
		`|<form method="post" action="([^"]*)" class="inline( act-apart)?"[^>]*>(.*?)<button type="submit"( class="[a-z]+")?([^>]*)>(.*?)</button></form>`)
	barFieldRe  = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	barInputRe  = regexp.MustCompile(`<(input|textarea) id="([^"]+)" name="([^"]+)"([^>]*)>`)
	barAttrRe   = regexp.MustCompile(` (id|hx-boost|download)(?:="([^"]*)")?`)
	barLabelRe  = regexp.MustCompile(`(?s)<label for="[^"]+">(.*?)(?: <span class="req".*?)?</label>`)
	barSubmitRe = regexp.MustCompile(`<button type="submit"[^>]*>(.*?)</button>`)
	barTokenRe  = regexp.MustCompile(`^[^-]+-`)
)

// barsOf sums up the action bars of a page: each bar's id and actions, one
// action a "|"-separated entry: weight (P, S, D; "_" before the one that
// starts the group apart), kind (link, post, or ask: a panel asking for a
// field), text, target, and what else it carries (element id, an icon,
// external or download, the question asked, hidden fields besides the
// version and the CSRF token, the field asked for with its label, whether
// it is required and the panel's button).
func barsOf(body string) string {
	var bars []string
	weight := func(class, apart string) string {
		w := map[string]string{"primary": "P", "danger": "D", "": "S"}[class]
		if apart != "" {
			w = "_" + w
		}
		return w
	}
	fields := func(form string) string {
		var out []string
		for _, f := range barFieldRe.FindAllStringSubmatch(form, -1) {
			switch f[1] {
			case "_csrf", "version", "_ask_do":
			case "_ask":
				out = append(out, "ask="+f[2])
			case "_idem":
				out = append(out, "_idem=…"+barTokenRe.ReplaceAllString(f[2], "-"))
			default:
				out = append(out, f[1]+"="+f[2])
			}
		}
		return strings.Join(out, " ")
	}
	attrs := func(s string) string {
		var out []string
		for _, a := range barAttrRe.FindAllStringSubmatch(s, -1) {
			switch a[1] {
			case "id":
				out = append(out, "#"+a[2])
			case "hx-boost":
				out = append(out, "external")
			default:
				out = append(out, a[1])
			}
		}
		return strings.Join(out, " ")
	}
	text := func(s string) string {
		if m := barIconRe.FindStringSubmatch(s); m != nil {
			s = "+" + m[1] + " " + s[len(m[0]):]
		}
		return strings.Join(strings.Fields(s), " ")
	}
	for _, div := range barDivRe.FindAllStringSubmatch(body, -1) {
		var items []string
		for _, m := range barItemRe.FindAllStringSubmatch(div[2], -1) {
			var it []string
			switch {
			case m[3] != "" || strings.HasPrefix(m[0], "<a"):
				it = []string{weight(m[1], m[2]), "link", text(m[5]), m[3], attrs(m[4])}
			case strings.HasPrefix(m[0], "<details"):
				in := barInputRe.FindStringSubmatch(m[11])
				label := barLabelRe.FindStringSubmatch(m[11])
				field := ""
				if in != nil && label != nil {
					field = fmt.Sprintf("%s %s #%s %q%s", in[1], in[3], in[2], strings.TrimSpace(label[1]), in[4])
				}
				submit := barSubmitRe.FindStringSubmatch(m[11])
				it = []string{weight(m[8], m[6]), "ask", text(m[9]), m[10], attrs(m[7]), fields(m[11]), field, "button " + submit[1]}
			default:
				it = []string{weight(strings.TrimSuffix(strings.TrimPrefix(m[15], ` class="`), `"`), m[13]), "post", text(m[17]), m[12], attrs(m[16]), fields(m[14])}
			}
			var kept []string
			for _, s := range it {
				if s != "" {
					kept = append(kept, s)
				}
			}
			items = append(items, strings.Join(kept, " "))
		}
		bars = append(bars, div[1]+": "+strings.Join(items, " | "))
	}
	return barIDRe.ReplaceAllString(strings.Join(bars, " ‖ "), "$1#")
}

// actionBarsWant are the bars TestActionBars expects: page, state, the
// roles that see them, and the bars.
var actionBarsWant = []struct{ page, state, roles, bars string }{
	{"online order", "submitted", "admin east", "doc-actions: P link Generate sales order /online-orders/#/convert | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders | _D ask Reject /online-orders/#/reject textarea reason #ask-online-orders-#-reject \"Reason\" rows=\"2\" required minlength=\"2\" maxlength=\"200\" button Confirm: Reject"},
	{"online order", "submitted", "fin svc viewer", "doc-actions: P link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders"},
	{"online order", "submitted", "c1.manager", "doc-actions: P post Order again (to cart) /online-orders/#/again _idem=…-cart | S post Order again (new draft) /online-orders/#/again _idem=…-draft to=draft | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders"},
	{"online order", "submitted", "c1.buyer", "doc-actions: P link Edit /online-orders/#/edit | S post Order again (to cart) /online-orders/#/again _idem=…-cart | S post Order again (new draft) /online-orders/#/again _idem=…-draft to=draft | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders | _D post Delete /online-orders/#/delete ask=confirm.delete"},
	{"online order", "submitted", "c1.finance", "403"},
	{"online order", "submitted, credit hold", "admin", "doc-actions: P post Approve credit /online-orders/#/release_credit ask=oo.confirm_release | S link Generate sales order /online-orders/#/convert | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders | _D ask Reject /online-orders/#/reject textarea reason #ask-online-orders-#-reject \"Reason\" rows=\"2\" required minlength=\"2\" maxlength=\"200\" button Confirm: Reject"},
	{"online order", "submitted, credit hold", "east", "doc-actions: P link Generate sales order /online-orders/#/convert | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders | _D ask Reject /online-orders/#/reject textarea reason #ask-online-orders-#-reject \"Reason\" rows=\"2\" required minlength=\"2\" maxlength=\"200\" button Confirm: Reject"},
	{"online order", "submitted, credit hold", "fin", "doc-actions: P post Approve credit /online-orders/#/release_credit ask=oo.confirm_release | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders"},
	{"online order", "submitted, credit hold", "svc viewer", "doc-actions: P link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders"},
	{"online order", "submitted, credit hold", "c1.manager", "doc-actions: P post Order again (to cart) /online-orders/#/again _idem=…-cart | S post Order again (new draft) /online-orders/#/again _idem=…-draft to=draft | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders"},
	{"online order", "submitted, credit hold", "c1.buyer", "doc-actions: P link Edit /online-orders/#/edit | S post Order again (to cart) /online-orders/#/again _idem=…-cart | S post Order again (new draft) /online-orders/#/again _idem=…-draft to=draft | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders | _D post Delete /online-orders/#/delete ask=confirm.delete"},
	{"online order", "submitted, credit hold", "c1.finance", "403"},
	{"online order", "submitted, released", "admin east", "doc-actions: P link Generate sales order /online-orders/#/convert | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders | _D ask Reject /online-orders/#/reject textarea reason #ask-online-orders-#-reject \"Reason\" rows=\"2\" required minlength=\"2\" maxlength=\"200\" button Confirm: Reject"},
	{"online order", "submitted, released", "fin svc viewer", "doc-actions: P link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders"},
	{"online order", "submitted, released", "c1.manager", "doc-actions: P post Order again (to cart) /online-orders/#/again _idem=…-cart | S post Order again (new draft) /online-orders/#/again _idem=…-draft to=draft | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders"},
	{"online order", "submitted, released", "c1.buyer", "doc-actions: P link Edit /online-orders/#/edit | S post Order again (to cart) /online-orders/#/again _idem=…-cart | S post Order again (new draft) /online-orders/#/again _idem=…-draft to=draft | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders | _D post Delete /online-orders/#/delete ask=confirm.delete"},
	{"online order", "submitted, released", "c1.finance", "403"},
	{"online order", "draft", "admin east fin svc viewer c1.manager", "doc-actions: P link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders"},
	{"online order", "draft", "c1.buyer", "doc-actions: P post Submit /online-orders/#/submit | S link Edit /online-orders/#/edit | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders | _D post Delete /online-orders/#/delete ask=confirm.delete"},
	{"online order", "draft", "c1.finance", "403"},
	{"online order", "rejected", "admin east", "doc-actions: P post Unreject /online-orders/#/unreject | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders"},
	{"online order", "rejected", "fin svc viewer", "doc-actions: P link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders"},
	{"online order", "rejected", "c1.manager c1.buyer", "doc-actions: P post Order again (to cart) /online-orders/#/again _idem=…-cart | S post Order again (new draft) /online-orders/#/again _idem=…-draft to=draft | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders"},
	{"online order", "rejected", "c1.finance", "403"},
	{"online order", "converted", "admin east fin svc viewer", "doc-actions: P link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders"},
	{"online order", "converted", "c1.manager c1.buyer", "doc-actions: P post Order again (to cart) /online-orders/#/again _idem=…-cart | S post Order again (new draft) /online-orders/#/again _idem=…-draft to=draft | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders"},
	{"online order", "converted", "c1.finance", "403"},
	{"online order converted", "converted", "admin east fin svc viewer", "doc-actions: P link Order tracking /tracking/online-orders/# | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders"},
	{"online order converted", "converted", "c1.manager c1.buyer", "doc-actions: P post Order again (to cart) /online-orders/#/again _idem=…-cart | S post Order again (new draft) /online-orders/#/again _idem=…-draft to=draft | S link Order tracking /tracking/online-orders/# | S link +print Print /online-orders/#/print external | S link PDF /online-orders/#/pdf external | S link Back /online-orders"},
	{"online order converted", "converted", "c1.finance", "403"},
	{"sales order", "audited", "admin east", "doc-actions: P link Delivery notice /delivery-notices/new?so=# | S post Unaudit /sales-orders/#/unaudit ask=so.confirm_unaudit | S post Close /sales-orders/#/close ask=so.confirm_close | S link Sales outbound /outbounds/new?so=# | S link Request a change /sales-orders/#/change-requests/new | S link Order tracking /tracking/sales-orders/# | S link +print Print /sales-orders/#/print external | S link PDF /sales-orders/#/pdf external | S link Back /sales-orders"},
	{"sales order", "audited", "fin svc viewer", "doc-actions: P link Order tracking /tracking/sales-orders/# | S link +print Print /sales-orders/#/print external | S link PDF /sales-orders/#/pdf external | S link Back /sales-orders"},
	{"sales order", "audited", "c1.manager c1.buyer", "doc-actions: P link Request a change /sales-orders/#/change-requests/new | S link Return goods /returns/new?so=# | S link Order tracking /tracking/sales-orders/# | S post Order again (to cart) /sales-orders/#/again _idem=…-cart | S post Order again (new draft) /sales-orders/#/again _idem=…-draft to=draft | S link +print Print /sales-orders/#/print external | S link PDF /sales-orders/#/pdf external | S link Back /sales-orders"},
	{"sales order", "audited", "c1.finance", "403"},
	{"sales order", "closed", "admin east fin svc viewer", "doc-actions: P link Order tracking /tracking/sales-orders/# | S link +print Print /sales-orders/#/print external | S link PDF /sales-orders/#/pdf external | S link Back /sales-orders"},
	{"sales order", "closed", "c1.manager c1.buyer", "doc-actions: P link Return goods /returns/new?so=# | S link Order tracking /tracking/sales-orders/# | S post Order again (to cart) /sales-orders/#/again _idem=…-cart | S post Order again (new draft) /sales-orders/#/again _idem=…-draft to=draft | S link +print Print /sales-orders/#/print external | S link PDF /sales-orders/#/pdf external | S link Back /sales-orders"},
	{"sales order", "closed", "c1.finance", "403"},
	{"sales order", "draft", "admin east", "doc-actions: P post Audit /sales-orders/#/audit | S link Edit /sales-orders/#/edit | S link +print Print /sales-orders/#/print external | S link PDF /sales-orders/#/pdf external | S link Back /sales-orders | _D post Void /sales-orders/#/void ask=so.confirm_void"},
	{"sales order", "draft", "fin svc viewer", "doc-actions: P link +print Print /sales-orders/#/print external | S link PDF /sales-orders/#/pdf external | S link Back /sales-orders"},
	{"sales order", "draft", "c1.manager c1.buyer c1.finance", "404"},
	{"sales order", "void", "admin east fin svc viewer", "doc-actions: P link Order tracking /tracking/sales-orders/# | S link +print Print /sales-orders/#/print external | S link PDF /sales-orders/#/pdf external | S link Back /sales-orders"},
	{"sales order", "void", "c1.manager c1.buyer c1.finance", "404"},
	{"sales order shipped", "audited", "admin east", "doc-actions: P link Delivery notice /delivery-notices/new?so=# | S post Unaudit /sales-orders/#/unaudit ask=so.confirm_unaudit | S post Close /sales-orders/#/close ask=so.confirm_close | S link Sales outbound /outbounds/new?so=# | S link Request a change /sales-orders/#/change-requests/new | S link Order tracking /tracking/sales-orders/# | S link +print Print /sales-orders/#/print external | S link PDF /sales-orders/#/pdf external | S link Back /sales-orders"},
	{"sales order shipped", "audited", "fin svc viewer", "doc-actions: P link Order tracking /tracking/sales-orders/# | S link +print Print /sales-orders/#/print external | S link PDF /sales-orders/#/pdf external | S link Back /sales-orders"},
	{"sales order shipped", "audited", "c1.manager c1.buyer", "doc-actions: P link Request a change /sales-orders/#/change-requests/new | S link Return goods /returns/new?so=# | S link Order tracking /tracking/sales-orders/# | S post Order again (to cart) /sales-orders/#/again _idem=…-cart | S post Order again (new draft) /sales-orders/#/again _idem=…-draft to=draft | S link +print Print /sales-orders/#/print external | S link PDF /sales-orders/#/pdf external | S link Back /sales-orders"},
	{"sales order shipped", "audited", "c1.finance", "403"},
	{"change request", "draft", "admin", "doc-actions: P post Submit /change-requests/#/submit | S link Edit /change-requests/#/edit | S link +print Print /change-requests/#/print external | S link PDF /change-requests/#/pdf external | S link Back /change-requests | _D post Delete /change-requests/#/delete ask=confirm.delete"},
	{"change request", "draft", "east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /change-requests/#/print external | S link PDF /change-requests/#/pdf external | S link Back /change-requests"},
	{"change request", "draft", "c1.finance", "403"},
	{"change request", "submitted", "admin east", "doc-actions: P post Make effective /change-requests/#/make_effective ask=cr.confirm_effective | S link +print Print /change-requests/#/print external | S link PDF /change-requests/#/pdf external | S link Back /change-requests | _D ask Reject /change-requests/#/reject textarea reason #ask-change-requests-#-reject \"Reason\" rows=\"2\" required minlength=\"2\" maxlength=\"200\" button Confirm: Reject"},
	{"change request", "submitted", "fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /change-requests/#/print external | S link PDF /change-requests/#/pdf external | S link Back /change-requests"},
	{"change request", "submitted", "c1.finance", "403"},
	{"change request", "effective", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /change-requests/#/print external | S link PDF /change-requests/#/pdf external | S link Back /change-requests"},
	{"change request", "effective", "c1.finance", "403"},
	{"change request", "rejected", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /change-requests/#/print external | S link PDF /change-requests/#/pdf external | S link Back /change-requests"},
	{"change request", "rejected", "c1.finance", "403"},
	{"delivery notice", "as posted", "admin east fin svc viewer", "doc-actions: P link +print Print /delivery-notices/#/print external | S link PDF /delivery-notices/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /delivery-notices"},
	{"delivery notice", "as posted", "c1.manager c1.buyer", "doc-actions: S link +print Print /delivery-notices/#/print external | S link PDF /delivery-notices/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /delivery-notices"},
	{"delivery notice", "as posted", "c1.finance", "403"},
	{"delivery notice", "audited", "admin east", "doc-actions: P link New outbound /outbounds/new?dn=# | S post Close /delivery-notices/#/close ask=ship.confirm_close | S link +print Print /delivery-notices/#/print external | S link PDF /delivery-notices/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /delivery-notices"},
	{"delivery notice", "audited", "fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /delivery-notices/#/print external | S link PDF /delivery-notices/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /delivery-notices"},
	{"delivery notice", "audited", "c1.finance", "403"},
	{"delivery notice", "shipped", "admin east fin svc viewer", "doc-actions: P link +print Print /delivery-notices/#/print external | S link PDF /delivery-notices/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /delivery-notices"},
	{"delivery notice", "shipped", "c1.manager c1.buyer", "doc-actions: S link +print Print /delivery-notices/#/print external | S link PDF /delivery-notices/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /delivery-notices"},
	{"delivery notice", "shipped", "c1.finance", "403"},
	{"delivery notice", "closed", "admin east fin svc viewer", "doc-actions: P link +print Print /delivery-notices/#/print external | S link PDF /delivery-notices/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /delivery-notices"},
	{"delivery notice", "closed", "c1.manager c1.buyer", "doc-actions: S link +print Print /delivery-notices/#/print external | S link PDF /delivery-notices/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /delivery-notices"},
	{"delivery notice", "closed", "c1.finance", "403"},
	{"delivery notice", "received", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /delivery-notices/#/print external | S link PDF /delivery-notices/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /delivery-notices"},
	{"delivery notice", "received", "c1.finance", "403"},
	{"delivery notice", "void", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /delivery-notices/#/print external | S link PDF /delivery-notices/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /delivery-notices"},
	{"delivery notice", "void", "c1.finance", "403"},
	{"delivery notice not shipped", "audited", "admin east", "doc-actions: P link New outbound /outbounds/new?dn=# | S post Close /delivery-notices/#/close ask=ship.confirm_close | S link +print Print /delivery-notices/#/print external | S link PDF /delivery-notices/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /delivery-notices | _D ask Void /delivery-notices/#/void input reason #ask-delivery-notices-#-void \"Reason\" value=\"\" required minlength=\"2\" maxlength=\"200\" button Void"},
	{"delivery notice not shipped", "audited", "fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /delivery-notices/#/print external | S link PDF /delivery-notices/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /delivery-notices"},
	{"delivery notice not shipped", "audited", "c1.finance", "403"},
	{"outbound /outbounds/#", "audited", "admin east fin svc viewer", "doc-actions: P link +print Print /outbounds/#/print external | S link PDF /outbounds/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /outbounds"},
	{"outbound /outbounds/#", "audited", "c1.manager c1.buyer", "doc-actions: S link Return goods /returns/new?ob=# | S link +print Print /outbounds/#/print external | S link PDF /outbounds/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /outbounds"},
	{"outbound /outbounds/#", "audited", "c1.finance", "403"},
	{"outbound /reconciliation/outbounds/#", "audited", "admin fin", "doc-actions: P link Open the document /outbounds/# | S link Back /reconciliation ‖ recon-actions: S post Confirm /reconciliation/outbounds/#/confirm | _D ask Dispute /reconciliation/outbounds/#/dispute #dispute textarea reason #f-reason \"What is wrong (required for a dispute)\" rows=\"2\" required maxlength=\"500\" button Dispute"},
	{"outbound /reconciliation/outbounds/#", "audited", "east viewer c1.buyer", "doc-actions: P link Open the document /outbounds/# | S link Back /reconciliation"},
	{"outbound /reconciliation/outbounds/#", "audited", "svc", "403"},
	{"outbound /reconciliation/outbounds/#", "audited", "c1.manager", "doc-actions: S link Open the document /outbounds/# | S link Back /reconciliation ‖ recon-actions: P post Confirm /reconciliation/outbounds/#/confirm | _D ask Dispute /reconciliation/outbounds/#/dispute #dispute textarea reason #f-reason \"What is wrong (required for a dispute)\" rows=\"2\" required maxlength=\"500\" button Dispute"},
	{"outbound /reconciliation/outbounds/#", "audited", "c1.finance", "doc-actions: S link Back /reconciliation ‖ recon-actions: P post Confirm /reconciliation/outbounds/#/confirm | _D ask Dispute /reconciliation/outbounds/#/dispute #dispute textarea reason #f-reason \"What is wrong (required for a dispute)\" rows=\"2\" required maxlength=\"500\" button Dispute"},
	{"outbound /outbounds/#", "audited, confirmed", "admin east fin svc viewer", "doc-actions: P link +print Print /outbounds/#/print external | S link PDF /outbounds/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /outbounds"},
	{"outbound /outbounds/#", "audited, confirmed", "c1.manager c1.buyer", "doc-actions: S link Return goods /returns/new?ob=# | S link +print Print /outbounds/#/print external | S link PDF /outbounds/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /outbounds"},
	{"outbound /outbounds/#", "audited, confirmed", "c1.finance", "403"},
	{"outbound /reconciliation/outbounds/#", "audited, confirmed", "admin fin c1.manager", "doc-actions: P link Open the document /outbounds/# | S link Back /reconciliation ‖ recon-actions: S post Cancel confirmation /reconciliation/outbounds/#/cancel ask=rc.confirm_cancel"},
	{"outbound /reconciliation/outbounds/#", "audited, confirmed", "east viewer c1.buyer", "doc-actions: P link Open the document /outbounds/# | S link Back /reconciliation"},
	{"outbound /reconciliation/outbounds/#", "audited, confirmed", "svc", "403"},
	{"outbound /reconciliation/outbounds/#", "audited, confirmed", "c1.finance", "doc-actions: P link Back /reconciliation ‖ recon-actions: S post Cancel confirmation /reconciliation/outbounds/#/cancel ask=rc.confirm_cancel"},
	{"outbound /outbounds/#", "audited, disputed", "admin east fin svc viewer", "doc-actions: P link +print Print /outbounds/#/print external | S link PDF /outbounds/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /outbounds"},
	{"outbound /outbounds/#", "audited, disputed", "c1.manager c1.buyer", "doc-actions: S link Return goods /returns/new?ob=# | S link +print Print /outbounds/#/print external | S link PDF /outbounds/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /outbounds"},
	{"outbound /outbounds/#", "audited, disputed", "c1.finance", "403"},
	{"outbound /reconciliation/outbounds/#", "audited, disputed", "admin fin", "doc-actions: P link Open the document /outbounds/# | S link Back /reconciliation ‖ recon-actions: S post Confirm /reconciliation/outbounds/#/confirm | S post Cancel confirmation /reconciliation/outbounds/#/cancel ask=rc.confirm_cancel"},
	{"outbound /reconciliation/outbounds/#", "audited, disputed", "east viewer c1.buyer", "doc-actions: P link Open the document /outbounds/# | S link Back /reconciliation"},
	{"outbound /reconciliation/outbounds/#", "audited, disputed", "svc", "403"},
	{"outbound /reconciliation/outbounds/#", "audited, disputed", "c1.manager", "doc-actions: S link Open the document /outbounds/# | S link Back /reconciliation ‖ recon-actions: P post Confirm /reconciliation/outbounds/#/confirm | S post Cancel confirmation /reconciliation/outbounds/#/cancel ask=rc.confirm_cancel"},
	{"outbound /reconciliation/outbounds/#", "audited, disputed", "c1.finance", "doc-actions: S link Back /reconciliation ‖ recon-actions: P post Confirm /reconciliation/outbounds/#/confirm | S post Cancel confirmation /reconciliation/outbounds/#/cancel ask=rc.confirm_cancel"},
	{"outbound /outbounds/#", "audited, received", "admin east fin svc viewer", "doc-actions: P link +print Print /outbounds/#/print external | S link PDF /outbounds/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /outbounds"},
	{"outbound /outbounds/#", "audited, received", "c1.manager c1.buyer", "doc-actions: P link Return goods /returns/new?ob=# | S link +print Print /outbounds/#/print external | S link PDF /outbounds/#/print?format=pdf external download | S link Order tracking /tracking/sales-orders/# | S link Back /outbounds"},
	{"outbound /outbounds/#", "audited, received", "c1.finance", "403"},
	{"outbound /reconciliation/outbounds/#", "audited, received", "admin fin", "doc-actions: P link Open the document /outbounds/# | S link Back /reconciliation ‖ recon-actions: S post Confirm /reconciliation/outbounds/#/confirm | S post Cancel confirmation /reconciliation/outbounds/#/cancel ask=rc.confirm_cancel"},
	{"outbound /reconciliation/outbounds/#", "audited, received", "east viewer c1.buyer", "doc-actions: P link Open the document /outbounds/# | S link Back /reconciliation"},
	{"outbound /reconciliation/outbounds/#", "audited, received", "svc", "403"},
	{"outbound /reconciliation/outbounds/#", "audited, received", "c1.manager", "doc-actions: S link Open the document /outbounds/# | S link Back /reconciliation ‖ recon-actions: P post Confirm /reconciliation/outbounds/#/confirm | S post Cancel confirmation /reconciliation/outbounds/#/cancel ask=rc.confirm_cancel"},
	{"outbound /reconciliation/outbounds/#", "audited, received", "c1.finance", "doc-actions: S link Back /reconciliation ‖ recon-actions: P post Confirm /reconciliation/outbounds/#/confirm | S post Cancel confirmation /reconciliation/outbounds/#/cancel ask=rc.confirm_cancel"},
	{"online return", "submitted", "admin east", "doc-actions: P post Generate return notice /returns/#/convert | S link +print Print /returns/#/print external | S link Order tracking /tracking/sales-orders/# | S link Back /returns | _D ask Reject /returns/#/reject input reason #ask-returns-#-reject \"Reason for rejecting\" value=\"\" required minlength=\"2\" maxlength=\"200\" button Reject"},
	{"online return", "submitted", "fin svc viewer c1.manager", "doc-actions: P link +print Print /returns/#/print external | S link Order tracking /tracking/sales-orders/# | S link Back /returns"},
	{"online return", "submitted", "c1.buyer", "doc-actions: P link Edit /returns/#/edit | S link +print Print /returns/#/print external | S link Order tracking /tracking/sales-orders/# | S link Back /returns | _D post Delete /returns/#/delete ask=confirm.delete"},
	{"online return", "submitted", "c1.finance", "403"},
	{"online return", "draft", "admin east fin svc viewer c1.manager", "doc-actions: P link +print Print /returns/#/print external | S link Order tracking /tracking/sales-orders/# | S link Back /returns"},
	{"online return", "draft", "c1.buyer", "doc-actions: P post Submit /returns/#/submit | S link Edit /returns/#/edit | S link +print Print /returns/#/print external | S link Order tracking /tracking/sales-orders/# | S link Back /returns | _D post Delete /returns/#/delete ask=confirm.delete"},
	{"online return", "draft", "c1.finance", "403"},
	{"online return", "rejected", "admin east", "doc-actions: P link +print Print /returns/#/print external | S post Unreject /returns/#/unreject ask=ship.confirm_unreject | S link Order tracking /tracking/sales-orders/# | S link Back /returns"},
	{"online return", "rejected", "fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /returns/#/print external | S link Order tracking /tracking/sales-orders/# | S link Back /returns"},
	{"online return", "rejected", "c1.finance", "403"},
	{"online return", "converted", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /returns/#/print external | S link Order tracking /tracking/sales-orders/# | S link Back /returns"},
	{"online return", "converted", "c1.finance", "403"},
	{"return notice", "audited", "admin east", "doc-actions: P link Receive goods (red outbound) /outbounds/new?rn=# | S post Close /return-notices/#/close ask=ship.confirm_rn_close | S link +print Print /return-notices/#/print external | S link Order tracking /tracking/sales-orders/# | S link Back /return-notices"},
	{"return notice", "audited", "fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /return-notices/#/print external | S link Order tracking /tracking/sales-orders/# | S link Back /return-notices"},
	{"return notice", "audited", "c1.finance", "403"},
	{"return notice", "closed", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /return-notices/#/print external | S link Order tracking /tracking/sales-orders/# | S link Back /return-notices"},
	{"return notice", "closed", "c1.finance", "403"},
	{"invoice /invoices/#", "draft", "admin fin", "doc-actions: P post Audit /invoices/#/audit | S link +print Print /invoices/#/print external | S link PDF /invoices/#/print?format=pdf external download | S link Back /invoices | _D post Delete /invoices/#/delete ask=confirm.delete"},
	{"invoice /invoices/#", "draft", "east viewer", "doc-actions: P link +print Print /invoices/#/print external | S link PDF /invoices/#/print?format=pdf external download | S link Back /invoices"},
	{"invoice /invoices/#", "draft", "svc", "403"},
	{"invoice /invoices/#", "draft", "c1.manager c1.buyer c1.finance", "404"},
	{"invoice /reconciliation/invoices/#", "draft", "admin east fin viewer", "doc-actions: P link Open the document /invoices/# | S link Back /reconciliation"},
	{"invoice /reconciliation/invoices/#", "draft", "svc", "403"},
	{"invoice /reconciliation/invoices/#", "draft", "c1.manager c1.buyer c1.finance", "404"},
	{"invoice /invoices/#", "audited", "admin fin", "doc-actions: P link Write off /write-offs?customer_id=# | S post Unaudit /invoices/#/unaudit ask=rc.confirm_unaudit | S link +print Print /invoices/#/print external | S link PDF /invoices/#/print?format=pdf external download | S link Back /invoices ‖ recon-actions: S post Confirm /reconciliation/invoices/#/confirm | _D ask Dispute /reconciliation/invoices/#/dispute #dispute textarea reason #f-reason \"What is wrong (required for a dispute)\" rows=\"2\" required maxlength=\"500\" button Dispute"},
	{"invoice /invoices/#", "audited", "east viewer c1.buyer", "doc-actions: P link +print Print /invoices/#/print external | S link PDF /invoices/#/print?format=pdf external download | S link Back /invoices"},
	{"invoice /invoices/#", "audited", "svc", "403"},
	{"invoice /invoices/#", "audited", "c1.manager c1.finance", "doc-actions: S link +print Print /invoices/#/print external | S link PDF /invoices/#/print?format=pdf external download | S link Back /invoices ‖ recon-actions: P post Confirm /reconciliation/invoices/#/confirm | _D ask Dispute /reconciliation/invoices/#/dispute #dispute textarea reason #f-reason \"What is wrong (required for a dispute)\" rows=\"2\" required maxlength=\"500\" button Dispute"},
	{"invoice /reconciliation/invoices/#", "audited", "admin fin", "doc-actions: P link Open the document /invoices/# | S link Back /reconciliation ‖ recon-actions: S post Confirm /reconciliation/invoices/#/confirm | _D ask Dispute /reconciliation/invoices/#/dispute #dispute textarea reason #f-reason \"What is wrong (required for a dispute)\" rows=\"2\" required maxlength=\"500\" button Dispute"},
	{"invoice /reconciliation/invoices/#", "audited", "east viewer c1.buyer", "doc-actions: P link Open the document /invoices/# | S link Back /reconciliation"},
	{"invoice /reconciliation/invoices/#", "audited", "svc", "403"},
	{"invoice /reconciliation/invoices/#", "audited", "c1.manager c1.finance", "doc-actions: S link Open the document /invoices/# | S link Back /reconciliation ‖ recon-actions: P post Confirm /reconciliation/invoices/#/confirm | _D ask Dispute /reconciliation/invoices/#/dispute #dispute textarea reason #f-reason \"What is wrong (required for a dispute)\" rows=\"2\" required maxlength=\"500\" button Dispute"},
	{"invoice /invoices/#", "audited, confirmed", "admin fin", "doc-actions: P link Write off /write-offs?customer_id=# | S post Unaudit /invoices/#/unaudit ask=rc.confirm_unaudit | S link +print Print /invoices/#/print external | S link PDF /invoices/#/print?format=pdf external download | S link Back /invoices ‖ recon-actions: S post Cancel confirmation /reconciliation/invoices/#/cancel ask=rc.confirm_cancel"},
	{"invoice /invoices/#", "audited, confirmed", "east viewer c1.buyer", "doc-actions: P link +print Print /invoices/#/print external | S link PDF /invoices/#/print?format=pdf external download | S link Back /invoices"},
	{"invoice /invoices/#", "audited, confirmed", "svc", "403"},
	{"invoice /invoices/#", "audited, confirmed", "c1.manager c1.finance", "doc-actions: P link +print Print /invoices/#/print external | S link PDF /invoices/#/print?format=pdf external download | S link Back /invoices ‖ recon-actions: S post Cancel confirmation /reconciliation/invoices/#/cancel ask=rc.confirm_cancel"},
	{"invoice /reconciliation/invoices/#", "audited, confirmed", "admin fin c1.manager c1.finance", "doc-actions: P link Open the document /invoices/# | S link Back /reconciliation ‖ recon-actions: S post Cancel confirmation /reconciliation/invoices/#/cancel ask=rc.confirm_cancel"},
	{"invoice /reconciliation/invoices/#", "audited, confirmed", "east viewer c1.buyer", "doc-actions: P link Open the document /invoices/# | S link Back /reconciliation"},
	{"invoice /reconciliation/invoices/#", "audited, confirmed", "svc", "403"},
	{"invoice /invoices/#", "audited, disputed", "admin fin", "doc-actions: P link Write off /write-offs?customer_id=# | S post Unaudit /invoices/#/unaudit ask=rc.confirm_unaudit | S link +print Print /invoices/#/print external | S link PDF /invoices/#/print?format=pdf external download | S link Back /invoices ‖ recon-actions: S post Confirm /reconciliation/invoices/#/confirm | S post Cancel confirmation /reconciliation/invoices/#/cancel ask=rc.confirm_cancel"},
	{"invoice /invoices/#", "audited, disputed", "east viewer c1.buyer", "doc-actions: P link +print Print /invoices/#/print external | S link PDF /invoices/#/print?format=pdf external download | S link Back /invoices"},
	{"invoice /invoices/#", "audited, disputed", "svc", "403"},
	{"invoice /invoices/#", "audited, disputed", "c1.manager c1.finance", "doc-actions: S link +print Print /invoices/#/print external | S link PDF /invoices/#/print?format=pdf external download | S link Back /invoices ‖ recon-actions: P post Confirm /reconciliation/invoices/#/confirm | S post Cancel confirmation /reconciliation/invoices/#/cancel ask=rc.confirm_cancel"},
	{"invoice /reconciliation/invoices/#", "audited, disputed", "admin fin", "doc-actions: P link Open the document /invoices/# | S link Back /reconciliation ‖ recon-actions: S post Confirm /reconciliation/invoices/#/confirm | S post Cancel confirmation /reconciliation/invoices/#/cancel ask=rc.confirm_cancel"},
	{"invoice /reconciliation/invoices/#", "audited, disputed", "east viewer c1.buyer", "doc-actions: P link Open the document /invoices/# | S link Back /reconciliation"},
	{"invoice /reconciliation/invoices/#", "audited, disputed", "svc", "403"},
	{"invoice /reconciliation/invoices/#", "audited, disputed", "c1.manager c1.finance", "doc-actions: S link Open the document /invoices/# | S link Back /reconciliation ‖ recon-actions: P post Confirm /reconciliation/invoices/#/confirm | S post Cancel confirmation /reconciliation/invoices/#/cancel ask=rc.confirm_cancel"},
	{"receipt /receipts/#", "draft", "admin fin", "doc-actions: P post Audit /receipts/#/audit | S link Edit /receipts/#/edit | S link +print Print /receipts/#/print external | S link PDF /receipts/#/print?format=pdf external download | S link Back /receipts | _D post Delete /receipts/#/delete ask=confirm.delete"},
	{"receipt /receipts/#", "draft", "east viewer", "doc-actions: P link +print Print /receipts/#/print external | S link PDF /receipts/#/print?format=pdf external download | S link Back /receipts"},
	{"receipt /receipts/#", "draft", "svc", "403"},
	{"receipt /receipts/#", "draft", "c1.manager c1.buyer c1.finance", "404"},
	{"receipt /reconciliation/receipts/#", "draft", "admin east fin viewer", "doc-actions: P link Open the document /receipts/# | S link Back /reconciliation"},
	{"receipt /reconciliation/receipts/#", "draft", "svc", "403"},
	{"receipt /reconciliation/receipts/#", "draft", "c1.manager c1.buyer c1.finance", "404"},
	{"receipt /receipts/#", "audited", "admin fin", "doc-actions: P link Write off /write-offs?customer_id=# | S post Unaudit /receipts/#/unaudit ask=rc.confirm_unaudit | S link +print Print /receipts/#/print external | S link PDF /receipts/#/print?format=pdf external download | S link Back /receipts ‖ recon-actions: S post Confirm /reconciliation/receipts/#/confirm | _D ask Dispute /reconciliation/receipts/#/dispute #dispute textarea reason #f-reason \"What is wrong (required for a dispute)\" rows=\"2\" required maxlength=\"500\" button Dispute"},
	{"receipt /receipts/#", "audited", "east viewer c1.buyer", "doc-actions: P link +print Print /receipts/#/print external | S link PDF /receipts/#/print?format=pdf external download | S link Back /receipts"},
	{"receipt /receipts/#", "audited", "svc", "403"},
	{"receipt /receipts/#", "audited", "c1.manager c1.finance", "doc-actions: S link +print Print /receipts/#/print external | S link PDF /receipts/#/print?format=pdf external download | S link Back /receipts ‖ recon-actions: P post Confirm /reconciliation/receipts/#/confirm | _D ask Dispute /reconciliation/receipts/#/dispute #dispute textarea reason #f-reason \"What is wrong (required for a dispute)\" rows=\"2\" required maxlength=\"500\" button Dispute"},
	{"receipt /reconciliation/receipts/#", "audited", "admin fin", "doc-actions: P link Open the document /receipts/# | S link Back /reconciliation ‖ recon-actions: S post Confirm /reconciliation/receipts/#/confirm | _D ask Dispute /reconciliation/receipts/#/dispute #dispute textarea reason #f-reason \"What is wrong (required for a dispute)\" rows=\"2\" required maxlength=\"500\" button Dispute"},
	{"receipt /reconciliation/receipts/#", "audited", "east viewer c1.buyer", "doc-actions: P link Open the document /receipts/# | S link Back /reconciliation"},
	{"receipt /reconciliation/receipts/#", "audited", "svc", "403"},
	{"receipt /reconciliation/receipts/#", "audited", "c1.manager c1.finance", "doc-actions: S link Open the document /receipts/# | S link Back /reconciliation ‖ recon-actions: P post Confirm /reconciliation/receipts/#/confirm | _D ask Dispute /reconciliation/receipts/#/dispute #dispute textarea reason #f-reason \"What is wrong (required for a dispute)\" rows=\"2\" required maxlength=\"500\" button Dispute"},
	{"receipt /receipts/#", "audited, confirmed", "admin fin", "doc-actions: P link Write off /write-offs?customer_id=# | S post Unaudit /receipts/#/unaudit ask=rc.confirm_unaudit | S link +print Print /receipts/#/print external | S link PDF /receipts/#/print?format=pdf external download | S link Back /receipts ‖ recon-actions: S post Cancel confirmation /reconciliation/receipts/#/cancel ask=rc.confirm_cancel"},
	{"receipt /receipts/#", "audited, confirmed", "east viewer c1.buyer", "doc-actions: P link +print Print /receipts/#/print external | S link PDF /receipts/#/print?format=pdf external download | S link Back /receipts"},
	{"receipt /receipts/#", "audited, confirmed", "svc", "403"},
	{"receipt /receipts/#", "audited, confirmed", "c1.manager c1.finance", "doc-actions: P link +print Print /receipts/#/print external | S link PDF /receipts/#/print?format=pdf external download | S link Back /receipts ‖ recon-actions: S post Cancel confirmation /reconciliation/receipts/#/cancel ask=rc.confirm_cancel"},
	{"receipt /reconciliation/receipts/#", "audited, confirmed", "admin fin c1.manager c1.finance", "doc-actions: P link Open the document /receipts/# | S link Back /reconciliation ‖ recon-actions: S post Cancel confirmation /reconciliation/receipts/#/cancel ask=rc.confirm_cancel"},
	{"receipt /reconciliation/receipts/#", "audited, confirmed", "east viewer c1.buyer", "doc-actions: P link Open the document /receipts/# | S link Back /reconciliation"},
	{"receipt /reconciliation/receipts/#", "audited, confirmed", "svc", "403"},
	{"receipt /receipts/#", "audited, disputed", "admin fin", "doc-actions: P link Write off /write-offs?customer_id=# | S post Unaudit /receipts/#/unaudit ask=rc.confirm_unaudit | S link +print Print /receipts/#/print external | S link PDF /receipts/#/print?format=pdf external download | S link Back /receipts ‖ recon-actions: S post Confirm /reconciliation/receipts/#/confirm | S post Cancel confirmation /reconciliation/receipts/#/cancel ask=rc.confirm_cancel"},
	{"receipt /receipts/#", "audited, disputed", "east viewer c1.buyer", "doc-actions: P link +print Print /receipts/#/print external | S link PDF /receipts/#/print?format=pdf external download | S link Back /receipts"},
	{"receipt /receipts/#", "audited, disputed", "svc", "403"},
	{"receipt /receipts/#", "audited, disputed", "c1.manager c1.finance", "doc-actions: S link +print Print /receipts/#/print external | S link PDF /receipts/#/print?format=pdf external download | S link Back /receipts ‖ recon-actions: P post Confirm /reconciliation/receipts/#/confirm | S post Cancel confirmation /reconciliation/receipts/#/cancel ask=rc.confirm_cancel"},
	{"receipt /reconciliation/receipts/#", "audited, disputed", "admin fin", "doc-actions: P link Open the document /receipts/# | S link Back /reconciliation ‖ recon-actions: S post Confirm /reconciliation/receipts/#/confirm | S post Cancel confirmation /reconciliation/receipts/#/cancel ask=rc.confirm_cancel"},
	{"receipt /reconciliation/receipts/#", "audited, disputed", "east viewer c1.buyer", "doc-actions: P link Open the document /receipts/# | S link Back /reconciliation"},
	{"receipt /reconciliation/receipts/#", "audited, disputed", "svc", "403"},
	{"receipt /reconciliation/receipts/#", "audited, disputed", "c1.manager c1.finance", "doc-actions: S link Open the document /receipts/# | S link Back /reconciliation ‖ recon-actions: P post Confirm /reconciliation/receipts/#/confirm | S post Cancel confirmation /reconciliation/receipts/#/cancel ask=rc.confirm_cancel"},
	{"advance receipt", "draft", "admin fin", "doc-actions: P post Audit /advance-receipts/#/audit | S link Edit /advance-receipts/#/edit | S link +print Print /advance-receipts/#/print external | S link PDF /advance-receipts/#/print?format=pdf external download | S link Back /advance-receipts | _D post Delete /advance-receipts/#/delete ask=confirm.delete"},
	{"advance receipt", "draft", "east viewer", "doc-actions: P link +print Print /advance-receipts/#/print external | S link PDF /advance-receipts/#/print?format=pdf external download | S link Back /advance-receipts"},
	{"advance receipt", "draft", "svc", "403"},
	{"advance receipt", "draft", "c1.manager c1.buyer c1.finance", "404"},
	{"advance receipt", "audited", "admin fin", "doc-actions: P link Write off /write-offs?customer_id=# | S post Unaudit /advance-receipts/#/unaudit ask=rc.confirm_unaudit | S link +print Print /advance-receipts/#/print external | S link PDF /advance-receipts/#/print?format=pdf external download | S link Back /advance-receipts ‖ recon-actions: S post Confirm /reconciliation/advance-receipts/#/confirm | _D ask Dispute /reconciliation/advance-receipts/#/dispute #dispute textarea reason #f-reason \"What is wrong (required for a dispute)\" rows=\"2\" required maxlength=\"500\" button Dispute"},
	{"advance receipt", "audited", "east viewer c1.buyer", "doc-actions: P link +print Print /advance-receipts/#/print external | S link PDF /advance-receipts/#/print?format=pdf external download | S link Back /advance-receipts"},
	{"advance receipt", "audited", "svc", "403"},
	{"advance receipt", "audited", "c1.manager c1.finance", "doc-actions: S link +print Print /advance-receipts/#/print external | S link PDF /advance-receipts/#/print?format=pdf external download | S link Back /advance-receipts ‖ recon-actions: P post Confirm /reconciliation/advance-receipts/#/confirm | _D ask Dispute /reconciliation/advance-receipts/#/dispute #dispute textarea reason #f-reason \"What is wrong (required for a dispute)\" rows=\"2\" required maxlength=\"500\" button Dispute"},
	{"refund", "draft", "admin fin", "doc-actions: P post Audit /refunds/#/audit | S link Edit /refunds/#/edit | S link +print Print /refunds/#/print external | S link PDF /refunds/#/print?format=pdf external download | S link Back /refunds | _D post Delete /refunds/#/delete ask=confirm.delete"},
	{"refund", "draft", "east viewer", "doc-actions: P link +print Print /refunds/#/print external | S link PDF /refunds/#/print?format=pdf external download | S link Back /refunds"},
	{"refund", "draft", "svc", "403"},
	{"refund", "draft", "c1.manager c1.buyer c1.finance", "404"},
	{"refund", "audited", "admin fin", "doc-actions: P link +print Print /refunds/#/print external | S post Unaudit /refunds/#/unaudit ask=rc.confirm_unaudit | S link PDF /refunds/#/print?format=pdf external download | S link Back /refunds ‖ recon-actions: S post Confirm /reconciliation/refunds/#/confirm | _D ask Dispute /reconciliation/refunds/#/dispute #dispute textarea reason #f-reason \"What is wrong (required for a dispute)\" rows=\"2\" required maxlength=\"500\" button Dispute"},
	{"refund", "audited", "east viewer c1.buyer", "doc-actions: P link +print Print /refunds/#/print external | S link PDF /refunds/#/print?format=pdf external download | S link Back /refunds"},
	{"refund", "audited", "svc", "403"},
	{"refund", "audited", "c1.manager c1.finance", "doc-actions: S link +print Print /refunds/#/print external | S link PDF /refunds/#/print?format=pdf external download | S link Back /refunds ‖ recon-actions: P post Confirm /reconciliation/refunds/#/confirm | _D ask Dispute /reconciliation/refunds/#/dispute #dispute textarea reason #f-reason \"What is wrong (required for a dispute)\" rows=\"2\" required maxlength=\"500\" button Dispute"},
	{"opportunity /opportunities/#", "draft", "admin east c1.manager c1.buyer", "doc-actions: P post Submit /opportunities/#/submit | S link Edit /opportunities/#/edit | S link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities | _D post Delete /opportunities/#/delete ask=confirm.delete"},
	{"opportunity /opportunities/#", "draft", "fin svc viewer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#", "draft", "c1.finance", "404"},
	{"opportunity /opportunities/#?tab=evaluation", "draft", "admin east c1.manager c1.buyer", "doc-actions: P post Submit /opportunities/#/submit | S link Edit /opportunities/#/edit | S link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities | _D post Delete /opportunities/#/delete ask=confirm.delete"},
	{"opportunity /opportunities/#?tab=evaluation", "draft", "fin svc viewer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#?tab=evaluation", "draft", "c1.finance", "404"},
	{"opportunity /opportunities/#", "submitted", "admin east", "doc-actions: P link Evaluate /opportunities/#?tab=evaluation | S link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#", "submitted", "fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#", "submitted", "c1.finance", "404"},
	{"opportunity /opportunities/#?tab=evaluation", "submitted", "admin east", "doc-actions: S link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#?tab=evaluation", "submitted", "fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#?tab=evaluation", "submitted", "c1.finance", "404"},
	{"opportunity /opportunities/#", "accepted", "admin east", "doc-actions: P link +print Print /opportunities/#/print external | S post Mark won /opportunities/#/win ask=ch.confirm_action | S post Mark lost /opportunities/#/lose ask=ch.confirm_action | S post Mark expired /opportunities/#/expire ask=ch.confirm_action | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#", "accepted", "fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#", "accepted", "c1.finance", "404"},
	{"opportunity /opportunities/#?tab=evaluation", "accepted", "admin east", "doc-actions: P link +print Print /opportunities/#/print external | S post Mark won /opportunities/#/win ask=ch.confirm_action | S post Mark lost /opportunities/#/lose ask=ch.confirm_action | S post Mark expired /opportunities/#/expire ask=ch.confirm_action | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#?tab=evaluation", "accepted", "fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#?tab=evaluation", "accepted", "c1.finance", "404"},
	{"opportunity /opportunities/#", "rejected", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#", "rejected", "c1.finance", "404"},
	{"opportunity /opportunities/#?tab=evaluation", "rejected", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#?tab=evaluation", "rejected", "c1.finance", "404"},
	{"opportunity /opportunities/#", "needs_info", "admin east", "doc-actions: P post Submit /opportunities/#/submit | S post Mark expired /opportunities/#/expire ask=ch.confirm_action | S link Edit /opportunities/#/edit | S link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#", "needs_info", "fin svc viewer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#", "needs_info", "c1.manager c1.buyer", "doc-actions: P post Submit /opportunities/#/submit | S link Edit /opportunities/#/edit | S link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#", "needs_info", "c1.finance", "404"},
	{"opportunity /opportunities/#?tab=evaluation", "needs_info", "admin east", "doc-actions: P post Submit /opportunities/#/submit | S post Mark expired /opportunities/#/expire ask=ch.confirm_action | S link Edit /opportunities/#/edit | S link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#?tab=evaluation", "needs_info", "fin svc viewer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#?tab=evaluation", "needs_info", "c1.manager c1.buyer", "doc-actions: P post Submit /opportunities/#/submit | S link Edit /opportunities/#/edit | S link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#?tab=evaluation", "needs_info", "c1.finance", "404"},
	{"opportunity /opportunities/#", "won", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#", "won", "c1.finance", "404"},
	{"opportunity /opportunities/#?tab=evaluation", "won", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#?tab=evaluation", "won", "c1.finance", "404"},
	{"opportunity /opportunities/#", "lost", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#", "lost", "c1.finance", "404"},
	{"opportunity /opportunities/#?tab=evaluation", "lost", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#?tab=evaluation", "lost", "c1.finance", "404"},
	{"opportunity /opportunities/#", "expired", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#", "expired", "c1.finance", "404"},
	{"opportunity /opportunities/#?tab=evaluation", "expired", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /opportunities/#/print external | S link PDF /opportunities/#/pdf external | S link Back /opportunities"},
	{"opportunity /opportunities/#?tab=evaluation", "expired", "c1.finance", "404"},
	{"complaint", "handled", "admin svc", "doc-actions: S ask Close /complaints/#/close input reason #ask-complaints-#-close \"Reason\" value=\"\" maxlength=\"200\" button Close | S link +print Print /complaints/#/print external | S link PDF /complaints/#/pdf external | S link Back /complaints"},
	{"complaint", "handled", "east fin viewer c1.manager c1.buyer", "doc-actions: P link +print Print /complaints/#/print external | S link PDF /complaints/#/pdf external | S link Back /complaints"},
	{"complaint", "handled", "c1.finance", "404"},
	{"complaint", "draft", "admin svc c1.manager c1.buyer", "doc-actions: P post Submit /complaints/#/submit | S link Edit /complaints/#/edit | S link +print Print /complaints/#/print external | S link PDF /complaints/#/pdf external | S link Back /complaints | _D post Delete /complaints/#/delete ask=confirm.delete"},
	{"complaint", "draft", "east fin viewer", "doc-actions: P link +print Print /complaints/#/print external | S link PDF /complaints/#/pdf external | S link Back /complaints"},
	{"complaint", "draft", "c1.finance", "404"},
	{"complaint", "submitted", "admin", "doc-actions: P ask Audit /complaints/#/audit #audit-form input accused_code #f-accused_code \"Accused dealer&#39;s code\" value=\"C2\" maxlength=\"40\" placeholder=\"C0002\" button Audit | S ask Close /complaints/#/close input reason #ask-complaints-#-close \"Reason\" value=\"\" maxlength=\"200\" button Close | S link +print Print /complaints/#/print external | S link PDF /complaints/#/pdf external | S link Back /complaints"},
	{"complaint", "submitted", "east fin viewer c1.manager c1.buyer", "doc-actions: P link +print Print /complaints/#/print external | S link PDF /complaints/#/pdf external | S link Back /complaints"},
	{"complaint", "submitted", "svc", "doc-actions: P ask Audit /complaints/#/audit #audit-form input accused_code #f-accused_code \"Accused dealer&#39;s code\" value=\"\" maxlength=\"40\" placeholder=\"C0002\" button Audit | S ask Close /complaints/#/close input reason #ask-complaints-#-close \"Reason\" value=\"\" maxlength=\"200\" button Close | S link +print Print /complaints/#/print external | S link PDF /complaints/#/pdf external | S link Back /complaints"},
	{"complaint", "submitted", "c1.finance", "404"},
	{"complaint", "audited", "admin svc", "doc-actions: S ask Close /complaints/#/close input reason #ask-complaints-#-close \"Reason\" value=\"\" maxlength=\"200\" button Close | S link +print Print /complaints/#/print external | S link PDF /complaints/#/pdf external | S link Back /complaints"},
	{"complaint", "audited", "east fin viewer c1.manager c1.buyer", "doc-actions: P link +print Print /complaints/#/print external | S link PDF /complaints/#/pdf external | S link Back /complaints"},
	{"complaint", "audited", "c1.finance", "404"},
	{"complaint", "closed", "admin svc c1.manager c1.buyer", "doc-actions: P link +print Print /complaints/#/print external | S ask Reopen /complaints/#/reopen input reason #ask-complaints-#-reopen \"Reason\" value=\"\" maxlength=\"200\" button Reopen | S link PDF /complaints/#/pdf external | S link Back /complaints"},
	{"complaint", "closed", "east fin viewer", "doc-actions: P link +print Print /complaints/#/print external | S link PDF /complaints/#/pdf external | S link Back /complaints"},
	{"complaint", "closed", "c1.finance", "404"},
	{"complaint notice", "handled", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link Back /complaint-notices"},
	{"complaint notice", "handled", "c1.finance", "404"},
	{"service request /service-requests/#", "new", "admin svc", "doc-actions: P link Start handling /service-requests/#?tab=handling | S link Edit /service-requests/#/edit | S post Close /service-requests/#/close ask=ch.confirm_action | S link +print Print /service-requests/#/print external | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#", "new", "east fin viewer", "doc-actions: P link +print Print /service-requests/#/print external | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#", "new", "c1.manager c1.buyer", "doc-actions: P link Edit /service-requests/#/edit | S post Close /service-requests/#/close ask=ch.confirm_action | S link +print Print /service-requests/#/print external | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#", "new", "c1.finance", "404"},
	{"service request /service-requests/#?tab=handling", "new", "admin svc", "doc-actions: S link Edit /service-requests/#/edit | S post Close /service-requests/#/close ask=ch.confirm_action | S link +print Print /service-requests/#/print external | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#?tab=handling", "new", "east fin viewer", "doc-actions: P link +print Print /service-requests/#/print external | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#?tab=handling", "new", "c1.manager c1.buyer", "doc-actions: P link Edit /service-requests/#/edit | S post Close /service-requests/#/close ask=ch.confirm_action | S link +print Print /service-requests/#/print external | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#?tab=handling", "new", "c1.finance", "404"},
	{"service request /service-requests/#", "in_progress", "admin svc", "doc-actions: P link Resolve /service-requests/#?tab=handling | S link +print Print /service-requests/#/print external | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#", "in_progress", "east fin viewer c1.manager c1.buyer", "doc-actions: P link +print Print /service-requests/#/print external | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#", "in_progress", "c1.finance", "404"},
	{"service request /service-requests/#?tab=handling", "in_progress", "admin svc", "doc-actions: S link +print Print /service-requests/#/print external | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#?tab=handling", "in_progress", "east fin viewer c1.manager c1.buyer", "doc-actions: P link +print Print /service-requests/#/print external | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#?tab=handling", "in_progress", "c1.finance", "404"},
	{"service request /service-requests/#", "resolved", "admin svc c1.manager c1.buyer", "doc-actions: P link +print Print /service-requests/#/print external | S post Close /service-requests/#/close ask=ch.confirm_action | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#", "resolved", "east fin viewer", "doc-actions: P link +print Print /service-requests/#/print external | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#", "resolved", "c1.finance", "404"},
	{"service request /service-requests/#?tab=handling", "resolved", "admin svc c1.manager c1.buyer", "doc-actions: P link +print Print /service-requests/#/print external | S post Close /service-requests/#/close ask=ch.confirm_action | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#?tab=handling", "resolved", "east fin viewer", "doc-actions: P link +print Print /service-requests/#/print external | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#?tab=handling", "resolved", "c1.finance", "404"},
	{"service request /service-requests/#", "closed", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /service-requests/#/print external | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#", "closed", "c1.finance", "404"},
	{"service request /service-requests/#?tab=handling", "closed", "admin east fin svc viewer c1.manager c1.buyer", "doc-actions: P link +print Print /service-requests/#/print external | S link PDF /service-requests/#/pdf external | S link Back /service-requests"},
	{"service request /service-requests/#?tab=handling", "closed", "c1.finance", "404"},
	{"stocktake", "recorded", "admin east", "doc-actions: P link Edit /stocktakes/#/edit | S link Channel sales analysis /channel-report?customer=C1&amp;to=#-#-# | S link +print Print /stocktakes/#/print external | S link PDF /stocktakes/#/pdf external | S link Back /stocktakes | _D post Delete /stocktakes/#/delete ask=confirm.delete"},
	{"stocktake", "recorded", "fin svc viewer", "doc-actions: P link Channel sales analysis /channel-report?customer=C1&amp;to=#-#-# | S link +print Print /stocktakes/#/print external | S link PDF /stocktakes/#/pdf external | S link Back /stocktakes"},
	{"stocktake", "recorded", "c1.manager c1.buyer", "doc-actions: P link Edit /stocktakes/#/edit | S link Channel sales analysis /channel-report?to=#-#-# | S link +print Print /stocktakes/#/print external | S link PDF /stocktakes/#/pdf external | S link Back /stocktakes | _D post Delete /stocktakes/#/delete ask=confirm.delete"},
	{"stocktake", "recorded", "c1.finance", "404"},
	{"catalog entry", "audited", "admin east", "doc-actions: P post Unaudit /catalog-entries/#/unaudit | S link Edit /catalog-entries/#/edit | S link Price look-up /catalog/#/prices | S link Product /products/# | S link Back /catalog-entries"},
	{"catalog entry", "audited", "fin svc viewer", "doc-actions: P link Price look-up /catalog/#/prices | S link Product /products/# | S link Back /catalog-entries"},
	{"catalog entry", "audited", "c1.manager c1.buyer c1.finance", "404"},
	{"catalog entry", "draft", "admin east", "doc-actions: P post Audit /catalog-entries/#/audit | S link Edit /catalog-entries/#/edit | S link Price look-up /catalog/#/prices | S link Product /products/# | S link Back /catalog-entries"},
	{"catalog entry", "draft", "fin svc viewer", "doc-actions: P link Price look-up /catalog/#/prices | S link Product /products/# | S link Back /catalog-entries"},
	{"catalog entry", "draft", "c1.manager c1.buyer c1.finance", "404"},
	{"announcement", "audited", "admin east", "doc-actions: P link +print Print /announcements/#/print external | S post Unaudit /announcements/#/unaudit ask=announcement.confirm_unaudit | S link PDF /announcements/#/pdf external | S link Back /announcements | _D post Invalidate /announcements/#/invalidate ask=announcement.confirm_invalidate"},
	{"announcement", "audited", "fin svc viewer", "doc-actions: P link +print Print /announcements/#/print external | S link PDF /announcements/#/pdf external | S link Back /announcements"},
	{"announcement", "audited", "c1.manager c1.buyer c1.finance", "doc-actions: P link +print Print /announcements/#/print external | S link PDF /announcements/#/pdf external | S link Back /my/announcements"},
	{"announcement", "invalid", "admin east", "doc-actions: P link +print Print /announcements/#/print external | S post Unaudit /announcements/#/unaudit ask=announcement.confirm_unaudit | S link PDF /announcements/#/pdf external | S link Back /announcements"},
	{"announcement", "invalid", "fin svc viewer", "doc-actions: P link +print Print /announcements/#/print external | S link PDF /announcements/#/pdf external | S link Back /announcements"},
	{"announcement", "invalid", "c1.manager c1.buyer c1.finance", "404"},
	{"announcement", "draft", "admin east", "doc-actions: P post Audit and publish /announcements/#/audit | S link Edit /announcements/#/edit | S link +print Print /announcements/#/print external | S link PDF /announcements/#/pdf external | S link Back /announcements | _D post Delete /announcements/#/delete ask=confirm.delete"},
	{"announcement", "draft", "fin svc viewer", "doc-actions: P link +print Print /announcements/#/print external | S link PDF /announcements/#/pdf external | S link Back /announcements"},
	{"announcement", "draft", "c1.manager c1.buyer c1.finance", "404"},
	{"product in the catalog", "active", "admin east", "doc-actions: P link Edit /products/#/edit | S link Catalog entry /catalog-entries/# | S link Back /products"},
	{"product in the catalog", "active", "fin svc viewer", "doc-actions: P link Catalog entry /catalog-entries/# | S link Back /products"},
	{"product in the catalog", "active", "c1.manager c1.buyer c1.finance", "404"},
	{"product not in the catalog", "active", "admin east", "doc-actions: P link Edit /products/#/edit | S link +plus Add to catalog /catalog-entries/new?product=# | S link Back /products"},
	{"product not in the catalog", "active", "fin svc viewer", "doc-actions: P link Back /products"},
	{"product not in the catalog", "active", "c1.manager c1.buyer c1.finance", "404"},
	{"customer", "active", "admin east", "doc-actions: P link Edit /customers/#/edit | S link +print Print /customers/#/print external | S link Back /customers"},
	{"customer", "active", "fin svc viewer", "doc-actions: P link +print Print /customers/#/print external | S link Back /customers"},
	{"customer", "active", "c1.manager c1.buyer c1.finance", "doc-actions: P link +print Print /customers/#/print external"},
	{"tracking /tracking/sales-orders/#", "shipped", "admin east", "doc-actions: P link New delivery notice /delivery-notices/new?so=# #new-notice | S link New outbound /outbounds/new?so=# #new-outbound | S link Back /tracking"},
	{"tracking /tracking/sales-orders/#", "shipped", "fin svc viewer c1.manager c1.buyer", "doc-actions: P link Back /tracking"},
	{"tracking /tracking/sales-orders/#", "shipped", "c1.finance", "403"},
	{"tracking /tracking/online-orders/#", "shipped", "admin east", "doc-actions: P link New delivery notice /delivery-notices/new?so=# #new-notice | S link New outbound /outbounds/new?so=# #new-outbound | S link Back /tracking"},
	{"tracking /tracking/online-orders/#", "shipped", "fin svc viewer c1.manager c1.buyer", "doc-actions: P link Back /tracking"},
	{"tracking /tracking/online-orders/#", "shipped", "c1.finance", "403"},
}
