package notify

import (
	"slices"
	"strconv"
	"strings"

	"dealerportal/model"
	"dealerportal/store"
)

// fanout turns outbox events into deliveries inside one transaction.
type fanout struct {
	t        *store.Tx
	base     string
	settings *model.MessagingSettings
	ent      *model.Settings
	// note explains an event that produced no delivery on purpose.
	note string
	// The reads every event of a batch repeats (its template, customer,
	// actor, the staff and their scopes and preferences), made once per
	// fan-out: a batch writes nothing until all its events are turned into
	// deliveries (Worker.Dispatch), so what the first event read is what
	// the last would read. Fifty order events read the staff list fifty
	// times otherwise, each time decoding every staff user.
	tpls      map[model.Event]*model.MessageTemplate // nil: no template
	custs     map[uint64]*model.Customer             // nil: none
	actors    map[string]string
	users     map[uint64]*model.User // by id; nil: none
	custUsers map[uint64][]*model.User
	staff     []*model.User
	staffRead bool
	scopes    map[uint64]store.Scope
	prefs     map[uint64]*model.MessagePrefs
}

func newFanout(t *store.Tx, base string) *fanout {
	return &fanout{t: t, base: strings.TrimRight(base, "/"), settings: t.MessagingSettings(), ent: t.Settings(),
		tpls: map[model.Event]*model.MessageTemplate{}, custs: map[uint64]*model.Customer{}, actors: map[string]string{},
		users: map[uint64]*model.User{}, custUsers: map[uint64][]*model.User{}, scopes: map[uint64]store.Scope{},
		prefs: map[uint64]*model.MessagePrefs{}}
}

// memo returns m[k], read with read and kept on the first call.
func memo[K comparable, V any](m map[K]V, k K, read func() V) V {
	v, ok := m[k]
	if !ok {
		v = read()
		m[k] = v
	}
	return v
}

// orNil is v, or nil when err is set.
func orNil[V any](v *V, err error) *V {
	if err != nil {
		return nil
	}
	return v
}

// template is event e's message template, nil when there is none.
func (f *fanout) template(e model.Event) *model.MessageTemplate {
	return memo(f.tpls, e, func() *model.MessageTemplate { return orNil(f.t.MessageTemplate(e)) })
}

// customer is customer id, nil when there is none.
func (f *fanout) customer(id uint64) *model.Customer {
	return memo(f.custs, id, func() *model.Customer { return orNil(f.t.Customer(store.AdminScope(), id)) })
}

// actorName is the name of the user called username, or username itself
// when there is no such user (the system, an API client).
func (f *fanout) actorName(username string) string {
	return memo(f.actors, username, func() string {
		if u, err := f.t.UserByUsername(username); err == nil {
			return u.Name
		}
		return username
	})
}

// user is user id, nil when there is none.
func (f *fanout) user(id uint64) *model.User {
	return memo(f.users, id, func() *model.User { return orNil(f.t.UserByID(id)) })
}

// customerUsers are customer id's users.
func (f *fanout) customerUsers(id uint64) []*model.User {
	return memo(f.custUsers, id, func() []*model.User {
		us, _, _ := f.t.ListCustomerUsers(store.AdminScope(), id, store.UserFilter{}, store.Page{})
		return us
	})
}

// staffUsers are the staff users.
func (f *fanout) staffUsers() []*model.User {
	if !f.staffRead {
		f.staff, _, _ = f.t.ListStaff(store.UserFilter{}, store.Page{})
		f.staffRead = true
	}
	return f.staff
}

// scope is staff user u's data scope.
func (f *fanout) scope(u *model.User) store.Scope {
	return memo(f.scopes, u.ID, func() store.Scope { return f.t.UserScope(u) })
}

// prefsOf are user id's message preferences.
func (f *fanout) prefsOf(id uint64) *model.MessagePrefs {
	return memo(f.prefs, id, func() *model.MessagePrefs { return f.t.MessagePrefs(id) })
}

// recipient is one person (a user) or one fixed address.
type recipient struct {
	user *model.User
	addr string
}

// UnnamedEnterprise stands for the enterprise's name in messages until the
// settings are first saved (zh, en; as words.enterprise_unnamed on pages).
var UnnamedEnterprise = [2]string{"企业（未设置名称）", "Enterprise (name not set)"}

// DocTypeNames are the document types' names for the {{.doc_type}}
// placeholder, by language.
var DocTypeNames = map[model.DocType][2]string{ // zh, en
	model.DocOnlineOrder:    {"网上订货单", "online order"},
	model.DocSalesOrder:     {"销售订单", "sales order"},
	model.DocDeliveryNotice: {"发货通知单", "delivery notice"},
	model.DocOutbound:       {"销售出库单", "sales outbound"},
	model.DocOnlineReturn:   {"网上退货单", "online return"},
	model.DocReturnNotice:   {"退货通知单", "return notice"},
	model.DocChangeRequest:  {"销售订单变更申请", "change request"},
	model.DocInvoice:        {"销售发票", "sales invoice"},
	model.DocReceipt:        {"收款单", "receipt"},
	model.DocAdvanceReceipt: {"预收单", "advance receipt"},
	model.DocRefund:         {"应收退款单", "receivable refund"},
	model.DocOpportunity:    {"商机报备", "opportunity"},
	model.DocComplaint:      {"窜货投诉", "complaint"},
	model.DocServiceRequest: {"服务请求", "service request"},
	model.DocStocktake:      {"盘点库存", "stocktake"},
	model.DocAnnouncement:   {"企业公告", "announcement"},
}

// DocLinks are the URL paths of documents by type, for events whose module
// passes no "link" param.
var DocLinks = map[model.DocType]string{
	model.DocAnnouncement: "/announcements/",
}

// deliveries returns the deliveries of event m per its template: none when
// the event has no template or no channel, or when the document it speaks
// of no longer warrants the message (an announcement withdrawn before its
// publication went out).
func (f *fanout) deliveries(m *model.OutboxMessage) ([]*model.Delivery, error) {
	f.note = ""
	tpl := f.template(m.Event)
	if tpl == nil || len(tpl.Channels) == 0 {
		f.note = "no template or no channel for this event"
		return nil, nil
	}
	if m.Event == model.EventAnnouncementPublished && m.DocID != 0 {
		a, err := f.t.Announcement(store.AdminScope(), m.DocID)
		if err != nil || !a.Valid(f.t.Now) {
			f.note = "announcement no longer valid"
			return nil, nil
		}
	}
	var cust *model.Customer
	if m.CustomerID != 0 {
		cust = f.customer(m.CustomerID)
	}
	link := m.Params["link"]
	if link == "" && m.DocID != 0 && DocLinks[m.DocType] != "" {
		link = DocLinks[m.DocType] + strconv.FormatUint(m.DocID, 10)
	}
	actorName := f.actorName(m.Actor)
	// Render each language once for in-app messages and once for e-mail and
	// SMS. An in-app message leaves the link out of its text: the inbox
	// shows its own button to the document (a path in the text would read
	// "查看：/announcements/3"), while an e-mail needs the address.
	type texts struct{ subject, body, sms string }
	rendered := map[string]*texts{}
	render := func(lang string, inApp bool) (*texts, error) {
		key := lang
		if inApp {
			key += "/inapp"
		}
		if r := rendered[key]; r != nil {
			return r, nil
		}
		textLink := link
		if inApp {
			textLink = ""
		}
		vals := f.values(m, cust, lang, textLink, actorName)
		s, b, sm := tpl.Texts(lang)
		r := &texts{}
		var err error
		if r.subject, err = model.RenderTemplate(s, vals); err != nil {
			return nil, err
		}
		if r.body, err = model.RenderTemplate(b, vals); err != nil {
			return nil, err
		}
		if sm == "" {
			r.sms = r.subject
		} else if r.sms, err = model.RenderTemplate(sm, vals); err != nil {
			return nil, err
		}
		rendered[key] = r
		return r, nil
	}
	var out []*model.Delivery
	add := func(ch model.Channel, userID uint64, to, lang string) error {
		r, err := render(lang, ch == model.ChannelInApp)
		if err != nil {
			return err
		}
		d := &model.Delivery{OutboxID: m.ID, Event: m.Event, Channel: ch, UserID: userID, To: to, Lang: lang,
			Subject: r.subject, Body: r.body, Link: link, CustomerID: m.CustomerID, DocNumber: m.DocNumber}
		if ch == model.ChannelSMS {
			d.Body = r.sms
		}
		out = append(out, d)
		return nil
	}
	for _, rc := range f.recipients(tpl, m, cust) {
		if rc.user == nil {
			ch := model.ChannelSMS
			if strings.Contains(rc.addr, "@") {
				ch = model.ChannelEmail
			}
			if tpl.Enabled(ch) && f.ready(ch) {
				if err := add(ch, 0, rc.addr, "zh"); err != nil {
					return nil, err
				}
			}
			continue
		}
		u := rc.user
		lang := u.Lang
		if lang != "en" {
			lang = "zh"
		}
		prefs := f.prefsOf(u.ID)
		if tpl.Enabled(model.ChannelInApp) {
			if err := add(model.ChannelInApp, u.ID, u.Username, lang); err != nil {
				return nil, err
			}
		}
		if tpl.Enabled(model.ChannelEmail) && f.ready(model.ChannelEmail) && u.Email != "" && prefs.Wants(m.Event, model.ChannelEmail) {
			if err := add(model.ChannelEmail, u.ID, u.Email, lang); err != nil {
				return nil, err
			}
		}
		if tpl.Enabled(model.ChannelSMS) && f.ready(model.ChannelSMS) && u.Mobile != "" && prefs.Wants(m.Event, model.ChannelSMS) {
			if err := add(model.ChannelSMS, u.ID, u.Mobile, lang); err != nil {
				return nil, err
			}
		}
	}
	if len(out) == 0 && f.note == "" {
		f.note = "no recipient"
	}
	return out, nil
}

// ready reports whether a channel is configured; an unconfigured channel is
// off (its messages are not queued to pile up).
func (f *fanout) ready(ch model.Channel) bool {
	switch ch {
	case model.ChannelEmail:
		return f.settings.EmailReady()
	case model.ChannelSMS:
		return f.settings.SMSReady()
	}
	return true
}

// recipients resolves the template's recipient rules for event m; a
// personal event (model.ForUser) goes to the user it names only. Staff
// receive a message about a customer only when their data scope covers it;
// the user who caused the event gets no message about it; nobody twice.
func (f *fanout) recipients(tpl *model.MessageTemplate, m *model.OutboxMessage, cust *model.Customer) []recipient {
	if model.FindEvent(m.Event).Personal() {
		// The message carries its user's secret (an invitation link): it
		// goes to that user and to nobody the template might name.
		if u := f.user(m.UserID); u != nil && m.UserID != 0 && !u.Disabled {
			return []recipient{{user: u}}
		}
		return nil
	}
	var out []recipient
	seen := map[uint64]bool{}
	// A comment (comment.added) goes to the other side of the conversation
	// only: its "to_side" param names it ("dealer" or "staff").
	side := m.Params["to_side"]
	addUser := func(u *model.User) {
		if u == nil || u.Disabled || seen[u.ID] || u.Username == m.Actor {
			return
		}
		if side == "dealer" && u.IsStaff() || side == "staff" && !u.IsStaff() {
			return
		}
		seen[u.ID] = true
		out = append(out, recipient{user: u})
	}
	if tpl.ToCustomerUsers && cust != nil && cust.Status == model.CustomerActive {
		for _, u := range f.customerUsers(cust.ID) {
			if len(tpl.DealerRoles) == 0 || slices.ContainsFunc(tpl.DealerRoles, u.HasRole) {
				addUser(u)
			}
		}
	}
	if tpl.ToSalesperson && cust != nil && cust.SalespersonID != 0 {
		if u := f.user(cust.SalespersonID); u != nil && u.IsStaff() {
			addUser(u)
		}
	}
	if len(tpl.StaffRoles) > 0 {
		for _, u := range f.staffUsers() {
			if !slices.ContainsFunc(tpl.StaffRoles, u.HasRole) {
				continue
			}
			if cust != nil && !f.t.AllowsCustomer(f.scope(u), cust.ID) {
				continue
			}
			addUser(u)
		}
	}
	for _, a := range tpl.Addresses {
		out = append(out, recipient{addr: a})
	}
	return out
}

// values are the placeholders of event m in lang: the event's params (a
// "name_zh"/"name_en" param wins over "name"), then the common ones.
func (f *fanout) values(m *model.OutboxMessage, cust *model.Customer, lang, link, actor string) map[string]string {
	vals := map[string]string{}
	for k := range m.Params {
		base := k
		for _, l := range []string{"_zh", "_en"} {
			if b, ok := strings.CutSuffix(k, l); ok {
				base = b
			}
		}
		vals[base] = store.EventParam(m, base, lang)
	}
	if m.DocNumber != "" {
		vals["doc_number"] = m.DocNumber
	}
	if n, ok := DocTypeNames[m.DocType]; ok {
		vals["doc_type"] = n[0]
		if lang == "en" {
			vals["doc_type"] = n[1]
		}
	}
	vals["enterprise"] = f.ent.EnterpriseName
	if f.ent.Version == 0 { // never saved: not the enterprise's name
		vals["enterprise"] = UnnamedEnterprise[0]
		if lang == "en" {
			vals["enterprise"] = UnnamedEnterprise[1]
		}
	}
	if cust != nil {
		vals["customer_code"], vals["customer_name"] = cust.Code, cust.Name
	}
	vals["actor"] = actor
	vals["link"] = link
	if link != "" && f.base != "" && strings.HasPrefix(link, "/") {
		vals["link"] = f.base + link
	}
	vals["date"] = m.CreatedAt.In(f.ent.Location()).Format("2006-01-02 15:04")
	return vals
}
