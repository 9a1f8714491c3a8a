package handlers

import (
	"strconv"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Channel management (渠道管理) and channel inventory (渠道库存): opportunity
// reports, cross-territory complaints, service requests, stocktakes and the
// channel sales analysis. This file holds what their handlers share.

// registerChannel registers the routes of every channel module.
func (h *Handler) registerChannel(r fiber.Router) {
	h.registerOpportunities(r)
	h.registerComplaints(r)
	h.registerServiceRequests(r)
	h.registerStocktakes(r)
	h.registerChannelReport(r)
}

// The channel documents with a comment thread (SPEC §7): whoever sees the
// document may read and write it — for a complaint that is the complainant's
// users and staff in scope, never the accused.
var (
	_ = registerCommentKind(model.DocOpportunity, commentKind{
		Link: func(id uint64) string { return "/opportunities/" + itoa(id) },
		Visible: func(t *store.Tx, sc store.Scope, u *model.User, id uint64) error {
			return channelVisible(u, func() error { _, err := t.Opportunity(sc, id); return err })
		},
	})
	_ = registerCommentKind(model.DocComplaint, commentKind{
		Link: func(id uint64) string { return "/complaints/" + itoa(id) },
		Visible: func(t *store.Tx, sc store.Scope, u *model.User, id uint64) error {
			return channelVisible(u, func() error { _, err := t.Complaint(sc, id); return err })
		},
	})
	_ = registerCommentKind(model.DocServiceRequest, commentKind{
		Link: func(id uint64) string { return "/service-requests/" + itoa(id) },
		Visible: func(t *store.Tx, sc store.Scope, u *model.User, id uint64) error {
			return channelVisible(u, func() error { _, err := t.ServiceRequest(sc, id); return err })
		},
	})
)

// channelVisible checks that u reads channel documents and that load (the
// scoped read of the document) finds it.
func channelVisible(u *model.User, load func() error) error {
	if !canSeeChannel(u) {
		return model.ErrNotFound
	}
	return load()
}

// canSeeChannel reports whether u may read channel documents at all: a
// dealer's users its own, staff those in scope.
func canSeeChannel(u *model.User) bool {
	return u.Can(model.PermChannel) || u.Can(model.PermViewChannel)
}

// needChannel refuses (404, like an unknown page) a user who may read no
// channel document.
func needChannel(c *fiber.Ctx) error {
	if !canSeeChannel(currentUser(c)) {
		return fiber.ErrNotFound
	}
	return nil
}

// channelFormValues reads every value of a repeated form field, from a
// urlencoded or a multipart form, in order.
func channelFormValues(c *fiber.Ctx, name string) []string {
	if strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEMultipartForm) {
		if f, err := c.MultipartForm(); err == nil {
			return append([]string(nil), f.Value[name]...)
		}
		return nil
	}
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(name) {
		out = append(out, string(v))
	}
	return out
}

// channelCustomerFor decides whose a new channel document is: a dealer's own
// customer, or for staff the customer whose code is typed in field (inside
// their scope). A bad code is a field error.
func (h *Handler) channelCustomerFor(c *fiber.Ctx, t *store.Tx, field string) (*model.Customer, error) {
	var own uint64
	if u := currentUser(c); !u.IsStaff() {
		own = u.CustomerID
	}
	return t.ChannelCustomer(h.scope(c), own, c.FormValue(field), field)
}

// formCustomer is the customer a channel form is for: the document's, a
// dealer's own, or the one whose code staff typed (0 when none in scope).
func formCustomer(t *store.Tx, sc store.Scope, u *model.User, docCustomer uint64, code string) uint64 {
	switch {
	case docCustomer != 0:
		return docCustomer
	case !u.IsStaff():
		return u.CustomerID
	case strings.TrimSpace(code) != "":
		if cu, err := t.CustomerByCode(sc, strings.TrimSpace(code)); err == nil {
			return cu.ID
		}
	}
	return 0
}

// channelCustomerFilter narrows a staff list to the customer whose code is in
// the "customer" filter; ok is false when the code matches nobody in scope.
func channelCustomerFilter(t *store.Tx, sc store.Scope, q ListQuery) (id uint64, ok bool) {
	code := strings.TrimSpace(q.Get("customer"))
	if code == "" {
		return 0, true
	}
	cu, err := t.CustomerByCode(sc, code)
	if err != nil {
		return 0, false
	}
	return cu.ID, true
}

// customerNames caches customers' display names within one request.
type customerNames struct {
	t  *store.Tx
	sc store.Scope
	m  map[uint64]*model.Customer
}

func newCustomerNames(t *store.Tx, sc store.Scope) *customerNames {
	return &customerNames{t: t, sc: sc, m: map[uint64]*model.Customer{}}
}

func (n *customerNames) get(id uint64) *model.Customer {
	if c, ok := n.m[id]; ok {
		return c
	}
	c, err := n.t.Customer(n.sc, id)
	if err != nil {
		c = &model.Customer{ID: id}
	}
	n.m[id] = c
	return c
}

// channelProductChoices lists the catalog entries customer custID may pick
// (for the form's datalist): at most 500, by code.
func channelProductChoices(t *store.Tx, custID uint64) []*store.CatalogItem {
	if custID == 0 {
		return nil
	}
	items, _, _ := t.ListCatalog(store.CustomerScope(custID), store.CatalogFilter{}, store.Page{Limit: 500})
	return items
}

// channelStatuses are the statuses each channel list filters on.
var channelStatuses = map[model.DocType][]model.Status{
	model.DocOpportunity: {model.StatusDraft, model.StatusSubmitted, model.StatusNeedsInfo, model.StatusAccepted,
		model.StatusRejected, model.StatusWon, model.StatusLost, model.StatusExpired},
	model.DocComplaint:      {model.StatusDraft, model.StatusSubmitted, model.StatusAudited, model.StatusHandled, model.StatusClosed},
	model.DocServiceRequest: {model.StatusNew, model.StatusInProgress, model.StatusResolved, model.StatusClosed},
}

// docFilterOf reads the common filters of a channel document list.
func docFilterOf(q ListQuery) store.DocFilter {
	f := store.DocFilter{Q: q.Q, Flag: q.Get("flag")}
	if s := q.Get("status"); s != "" {
		f.Statuses = []model.Status{model.Status(s)}
	}
	f.From, _ = model.ParseDate(q.Get("from"))
	f.To, _ = model.ParseDate(q.Get("to"))
	return f
}

// channelAttachmentOwner maps an owner type to its document type and page.
var channelAttachmentOwner = map[string]struct {
	kind model.DocType
	base string
}{
	store.OwnerOpportunity:    {model.DocOpportunity, "/opportunities/"},
	store.OwnerComplaint:      {model.DocComplaint, "/complaints/"},
	store.OwnerServiceRequest: {model.DocServiceRequest, "/service-requests/"},
}

// deleteChannelAttachment removes a file of a channel document while the
// document may still be edited (a draft; evidence is kept once submitted).
// editable is the module's rule for the loaded document.
func (h *Handler) deleteChannelAttachment(c *fiber.Ctx, owner string, docID uint64, editable bool) error {
	attID, err := idParam(c, "att")
	if err != nil {
		return err
	}
	if !editable {
		return model.ErrNotAllowed
	}
	if _, err := h.store.RemoveAttachment(h.actor(c, ""), attID, owner, docID); err != nil {
		return err
	}
	h.setFlash(c, "flash.deleted")
	return h.redirect(c, channelAttachmentOwner[owner].base+itoa(docID)+"#attachments")
}

// channelTiles are the home page's channel tiles: what waits for the user.
func (h *Handler) channelTiles(t *store.Tx, u *model.User, sc store.Scope) []Tile {
	var tiles []Tile
	count := func(kind model.DocType, st ...model.Status) string { return strconv.Itoa(t.CountDocs(sc, kind, st...)) }
	if u.Can(model.PermManageOpportunities) {
		tiles = append(tiles, Tile{"home.ch_opp_to_evaluate", count(model.DocOpportunity, model.StatusSubmitted), "/opportunities?status=submitted"})
		tiles = append(tiles, Tile{"home.ch_opp_collisions", strconv.Itoa(h.countCollisions(t, sc)), "/opportunities?status=submitted&flag=collision"})
	}
	if u.Can(model.PermManageService) {
		tiles = append(tiles, Tile{"home.ch_complaints_to_audit", count(model.DocComplaint, model.StatusSubmitted), "/complaints?status=submitted"})
		tiles = append(tiles, Tile{"home.ch_complaints_to_handle", count(model.DocComplaint, model.StatusAudited), "/complaints?status=audited"})
		tiles = append(tiles, Tile{"home.ch_sr_new", count(model.DocServiceRequest, model.StatusNew), "/service-requests?status=new"})
		tiles = append(tiles, Tile{"home.ch_sr_open", count(model.DocServiceRequest, model.StatusInProgress), "/service-requests?status=in_progress"})
	}
	if u.Can(model.PermChannel) {
		if n := t.CountDocs(sc, model.DocOpportunity, model.StatusNeedsInfo); n > 0 {
			tiles = append(tiles, Tile{"home.ch_opp_needs_info", strconv.Itoa(n), "/opportunities?status=needs_info"})
		}
		if n := t.CountDocs(sc, model.DocComplaint, model.StatusHandled); n > 0 {
			tiles = append(tiles, Tile{"home.ch_complaints_handled", strconv.Itoa(n), "/complaints?status=handled"})
		}
		if n := t.CountDocs(sc, model.DocServiceRequest, model.StatusResolved); n > 0 {
			tiles = append(tiles, Tile{"home.ch_sr_resolved", strconv.Itoa(n), "/service-requests?status=resolved"})
		}
		if _, n, _ := t.ListComplaintNotices(sc, store.Page{Limit: -1}); n > 0 {
			tiles = append(tiles, Tile{"home.ch_notices", strconv.Itoa(n), "/complaint-notices"})
		}
	}
	return tiles
}

// countCollisions counts the submitted opportunities in scope whose end
// client another dealer's registration protects today (at most 200 are
// looked at).
func (h *Handler) countCollisions(t *store.Tx, sc store.Scope) int {
	rows, _, err := t.ListDocs(sc, model.DocOpportunity, store.DocFilter{Statuses: []model.Status{model.StatusSubmitted}}, store.Page{Limit: 200})
	if err != nil {
		return 0
	}
	day, n := t.Today(), 0
	for _, r := range rows {
		o, err := t.Opportunity(sc, r.ID)
		if err != nil {
			continue
		}
		if m, _ := t.Collision(o, day); m != nil {
			n++
		}
	}
	return n
}

// ---- view helpers ----

// SellRate shows a sell-through rate in basis points as a percentage.
func (v *View) SellRate(bp int64) string { return model.FormatRate(bp) }

// SellDays shows days of stock kept in tenths.
func (v *View) SellDays(tenths int64) string { return model.FormatTenths(tenths) }

// NonZero is v, or "" when v is a zero amount, quantity or number: a form
// then shows an empty field to type into rather than "0.00".
func (v *View) NonZero(x any) any {
	switch n := x.(type) {
	case model.Money:
		if n == 0 {
			return ""
		}
	case model.Qty:
		if n == 0 {
			return ""
		}
	case int:
		if n == 0 {
			return ""
		}
	}
	return x
}

// SellCell pairs a row's figures with the view, for the report_figures
// partial (which needs the view's T).
func (v *View) SellCell(s model.SellThrough) struct {
	V *View
	S model.SellThrough
} {
	return struct {
		V *View
		S model.SellThrough
	}{v, s}
}

// SellFlagNames lists a row's flags by name.
func (v *View) SellFlagNames(f model.SellFlag) []string { return f.Names() }
