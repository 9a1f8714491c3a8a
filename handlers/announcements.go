package handlers

import (
	"strings"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplAnnouncementList = "announcements/list"
	tplAnnouncementForm = "announcements/form"
	tplAnnouncementView = "announcements/view"
	tplMyAnnouncements  = "announcements/mine"
)

// Announcements (企业公告, SPEC §2.1): staff write them, audit publishes them
// (审核即发布) to their audience, dealers read them in 我的公告. The same URL
// /announcements/:id serves both: staff see the document with its actions, a
// dealer sees it only while it is published to its customer (else 404) and
// opening it marks it read.
func (h *Handler) registerAnnouncements(r fiber.Router) {
	r.Get("/announcements", h.showAnnouncements)
	r.Get("/announcements/new", h.newAnnouncement)
	r.Post("/announcements", h.createAnnouncement)
	r.Get("/announcements/:id", h.showAnnouncement)
	r.Get("/announcements/:id/edit", h.editAnnouncement)
	h.printRoutes(r, "/announcements", h.announcementPrint)
	r.Post("/announcements/:id", h.updateAnnouncement)
	r.Post("/announcements/:id/attachments", h.uploadAnnouncementAttachment)
	registerDocActions(h, r, h.announcementActions())
	r.Get("/my/announcements", h.showMyAnnouncements)
}

// announcementChoices are the audience options of the form: the groups and
// org units the user may address, and "all customers" (AllowAll) only for a
// scope that covers everyone.
type announcementChoices struct {
	Groups   []*model.CustomerGroup
	Orgs     []model.Node
	AllowAll bool
}

func (h *Handler) announcementChoices(c *fiber.Ctx, t *store.Tx) announcementChoices {
	var ch announcementChoices
	groups, _ := t.CustomerGroups()
	ch.Groups, ch.Orgs, ch.AllowAll = t.AudienceChoices(h.scope(c), groups, t.OrgTree().Flatten())
	return ch
}

// announcementRow is one line of the staff list.
type announcementRow struct {
	*model.Announcement
	State    model.Status
	Audience string
}

type announcementListData struct {
	List
	States []model.Status
}

// audienceText describes an audience in words for lists and exports, naming
// only customers in sc.
func (h *Handler) audienceText(t *store.Tx, sc store.Scope, lang string, a model.Audience) string {
	if a.All {
		return h.i18n.T(lang, "announcement.audience_all")
	}
	var parts []string
	for _, id := range a.Customers {
		if c, err := t.Customer(sc, id); err == nil {
			parts = append(parts, c.Code+" "+c.Name)
		}
	}
	for _, id := range a.Groups {
		if g, err := t.CustomerGroup(id); err == nil {
			parts = append(parts, h.i18n.T(lang, "announcement.group_prefix")+g.Name)
		}
	}
	tree := t.OrgTree()
	for _, id := range a.OrgUnits {
		if u := tree.Unit(id); u != nil {
			parts = append(parts, h.i18n.T(lang, "announcement.org_prefix")+tree.Path(id))
		}
	}
	return strings.Join(parts, "；")
}

// showAnnouncements is the staff list (序时簿) with filters, paging and export.
func (h *Handler) showAnnouncements(c *fiber.Ctx) error {
	if err := need(c, model.PermViewAnnouncements); err != nil {
		return err
	}
	q := parseListQuery(c, "effective", "number")
	if q.Get("sort") == "" {
		q.Desc = true
	}
	sc := h.scope(c)
	loc := h.store.Zone()
	f := store.AnnouncementFilter{Q: q.Q, State: model.Status(q.Get("state")), Sort: q.Sort}
	f.From, _ = parseDay(q.Get("from"), loc)
	if to, ok := parseDay(q.Get("to"), loc); ok {
		f.To = to.AddDate(0, 0, 1)
	}
	d := &announcementListData{States: model.AnnouncementStates}
	var rows []announcementRow
	err := h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
		if code := strings.TrimSpace(q.Get("customer")); code != "" {
			cu, err := t.CustomerByCode(sc, code)
			if err != nil {
				d.List = List{Rows: rows, Query: q, Pager: q.Pager(0)}
				return nil
			}
			f.CustomerID = cu.ID
		}
		list, total, err := t.ListAnnouncements(sc, f, q.Page())
		if err != nil {
			return err
		}
		for _, a := range list {
			rows = append(rows, announcementRow{Announcement: a, State: a.State(t.Now), Audience: h.audienceText(t, sc, lang(c), a.Audience)})
		}
		d.List = List{Rows: rows, Query: q, Pager: q.Pager(total)}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		l := lang(c)
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			exp := ""
			if !r.ExpiresAt.IsZero() {
				exp = r.ExpiresAt.In(loc).Format("2006-01-02 15:04")
			}
			out = append(out, []string{r.Number, r.Title, h.i18n.T(l, "announcement.state."+string(r.State)),
				r.EffectiveFrom.In(loc).Format("2006-01-02 15:04"), exp, r.Audience, r.CreatedBy, r.UpdatedAt.In(loc).Format("2006-01-02 15:04")})
		}
		return h.export(c, q.Export, "announcements", []exportCol{
			{"announcement.number", colText}, {"announcement.title", colText}, {"announcement.state", colText},
			{"announcement.effective_from", colDateTime}, {"announcement.expires_at", colDateTime},
			{"announcement.audience", colText}, {"announcement.created_by", colText},
			{"announcement.updated_at", colDateTime},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplAnnouncementList, h.view(c, "announcements.title", d))
}

// parseDay reads "YYYY-MM-DD" as the start of that day in loc.
func parseDay(s string, loc *time.Location) (time.Time, bool) {
	d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), loc)
	return d, err == nil
}

// parseMoment reads a datetime-local value ("2006-01-02T15:04") or a date in
// the enterprise's zone; ok is false for anything else.
func parseMoment(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// announcementForm is what the form shows: the record, the customer codes
// as typed, the times in the enterprise's zone.
type announcementForm struct {
	A             *model.Announcement
	CustomerCodes string
	EffectiveFrom string
	ExpiresAt     string
	Token         string
	announcementChoices
	// The audience's pickers: customers, groups, org units.
	CustomerPick, GroupPick, OrgPick picker
}

func (h *Handler) announcementView(c *fiber.Ctx, a *model.Announcement, codes string) (*View, error) {
	loc := h.store.Zone()
	d := &announcementForm{A: a, CustomerCodes: codes, Token: h.formToken(c)}
	if !a.EffectiveFrom.IsZero() {
		d.EffectiveFrom = a.EffectiveFrom.In(loc).Format("2006-01-02T15:04")
	}
	if !a.ExpiresAt.IsZero() {
		d.ExpiresAt = a.ExpiresAt.In(loc).Format("2006-01-02T15:04")
	}
	err := h.read(func(t *store.Tx) error {
		d.announcementChoices = h.announcementChoices(c, t)
		if codes == "" && len(a.Audience.Customers) > 0 {
			var cs []string
			for _, id := range a.Audience.Customers {
				if cu, err := t.Customer(h.scope(c), id); err == nil {
					cs = append(cs, cu.Code)
				}
			}
			d.CustomerCodes = strings.Join(cs, ", ")
		}
		d.CustomerPick = customerPicker(t, h.scope(c), "audience_customers", "announcement.audience_customers", splitPicked(d.CustomerCodes),
			pickFilter(c, "audience_customers"), pickPaste{ID: "f-audience_customers", Label: "pick.paste_codes", Placeholder: "C0001, C0002", Long: true})
		d.GroupPick = groupPicker("audience_groups", "announcement.audience_groups", d.Groups, a.Audience.Groups, pickFilter(c, "audience_groups"))
		return nil
	})
	// After the transaction: the picker reads the org tree, which may open
	// one of its own (no transaction inside another, store/kv/nested.go).
	d.OrgPick = h.orgPicker(h.store.OrgTree(), lang(c), "audience_orgs", "announcement.audience_orgs", d.Orgs, a.Audience.OrgUnits, pickFilter(c, "audience_orgs"))
	d.GroupPick.Server, d.OrgPick.Server = true, true
	return h.view(c, newOrEdit(a.ID, "announcements.new", "announcements.edit"), d), err
}

func (h *Handler) newAnnouncement(c *fiber.Ctx) error {
	if err := need(c, model.PermManageAnnouncements); err != nil {
		return err
	}
	a := &model.Announcement{EffectiveFrom: h.store.Now().Truncate(time.Minute)}
	v, err := h.announcementView(c, a, "")
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplAnnouncementForm, v)
}

// readAnnouncement copies the form into a and returns it as the use
// case's input, with bad times as field errors; the use case looks the
// audience's customer codes up.
func (h *Handler) readAnnouncement(c *fiber.Ctx, a *model.Announcement) store.AnnouncementInput {
	ve := &model.ValidationError{}
	loc := h.store.Zone()
	a.Title, a.Body = c.FormValue("title"), c.FormValue("body")
	a.Version = formUint(c, "version")
	a.Audience = model.Audience{All: c.FormValue("audience_all") == "1", Groups: pickedIDs(c, "audience_groups"), OrgUnits: pickedIDs(c, "audience_orgs")}
	a.EffectiveFrom, a.ExpiresAt = time.Time{}, time.Time{}
	if s := c.FormValue("effective_from"); s != "" {
		if tm, ok := parseMoment(s, loc); ok {
			a.EffectiveFrom = tm
		} else {
			ve.Add("effective_from", "err.datetime", nil)
		}
	}
	if s := c.FormValue("expires_at"); s != "" {
		if tm, ok := parseMoment(s, loc); ok {
			a.ExpiresAt = tm
		} else {
			ve.Add("expires_at", "err.datetime", nil)
		}
	}
	return store.AnnouncementInput{Announcement: a, CustomerCodes: pickedCodes(c, "audience_customers"), Invalid: ve}
}

// saveAnnouncement stores the form through the use case; a new one is
// created once per form token. A picker's filter button only shows the
// form again.
func (h *Handler) saveAnnouncement(c *fiber.Ctx, a *model.Announcement) error {
	u := currentUser(c)
	isNew := a.ID == 0
	in := h.readAnnouncement(c, a)
	if pickRequested(c) {
		_ = h.read(func(t *store.Tx) error {
			a.Audience.Customers, _ = t.AudienceByCodes(h.scope(c), in.CustomerCodes)
			return nil
		})
		v, err := h.announcementView(c, a, strings.Join(in.CustomerCodes, ", "))
		if err != nil {
			return err
		}
		return h.render(c, fiber.StatusOK, tplAnnouncementForm, v)
	}
	act := store.Actor{User: u, Scope: h.scope(c)}
	if isNew {
		act.Once = c.FormValue("_idem")
	}
	id, err := h.store.SaveAnnouncement(act, in)
	if err != nil {
		if isNew {
			a.ID = 0
		}
		v, verr := h.announcementView(c, a, strings.Join(in.CustomerCodes, ", "))
		if verr != nil {
			return verr
		}
		return h.formError(c, err, tplAnnouncementForm, v)
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/announcements/"+itoa(id))
}

func (h *Handler) createAnnouncement(c *fiber.Ctx) error {
	if err := need(c, model.PermManageAnnouncements); err != nil {
		return err
	}
	return h.saveAnnouncement(c, &model.Announcement{})
}

// loadAnnouncement reads the announcement of the route through the user's
// scope: 404 when it does not exist or the user may not see it.
func (h *Handler) loadAnnouncement(c *fiber.Ctx) (*model.Announcement, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	u := currentUser(c)
	if !u.Can(model.PermViewAnnouncements) && !u.Can(model.PermMyAnnouncements) {
		return nil, fiber.ErrNotFound
	}
	return h.store.Announcement(h.scope(c), id)
}

func (h *Handler) editAnnouncement(c *fiber.Ctx) error {
	a, err := h.loadAnnouncement(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageAnnouncements); err != nil {
		return err
	}
	if a.Status != model.StatusDraft {
		return &model.StateError{Action: "edit", Status: string(a.Status)}
	}
	v, err := h.announcementView(c, a, "")
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplAnnouncementForm, v)
}

func (h *Handler) updateAnnouncement(c *fiber.Ctx) error {
	a, err := h.loadAnnouncement(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageAnnouncements); err != nil {
		return err
	}
	return h.saveAnnouncement(c, a)
}

// announcementPage is what the document view shows.
type announcementPage struct {
	A           *model.Announcement
	State       model.Status
	Audience    string
	Attachments []*model.Attachment
	Actions     []string
	Bar         *actionBar
	CanEdit     bool
	Staff       bool
	ReadAt      time.Time
}

func (h *Handler) announcementPage(c *fiber.Ctx, a *model.Announcement) (*announcementPage, error) {
	u := currentUser(c)
	p := &announcementPage{A: a, Staff: u.IsStaff()}
	err := h.read(func(t *store.Tx) (err error) {
		p.State = a.State(t.Now)
		if p.Staff {
			p.Audience = h.audienceText(t, h.scope(c), lang(c), a.Audience)
		}
		p.Attachments, err = t.Attachments(store.OwnerAnnouncement, a.ID)
		return err
	})
	if p.Staff {
		p.Actions = model.AnnouncementMachine.Allowed(a.Status, u)
		p.CanEdit = a.Status == model.StatusDraft && u.Can(model.PermManageAnnouncements)
	}
	p.Bar = p.bar()
	return p, err
}

// showAnnouncement shows the document; for a dealer it is the reading view,
// and opening it marks it read for this user.
func (h *Handler) showAnnouncement(c *fiber.Ctx) error {
	a, err := h.loadAnnouncement(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if !u.IsStaff() {
		if err := h.store.ReadAnnouncement(store.Actor{User: u, Scope: h.scope(c)}, a.ID); err != nil {
			return err
		}
	}
	p, err := h.announcementPage(c, a)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplAnnouncementView, h.view(c, "announcements.view", p))
}

// announcementActions: staff who manage announcements audit (publish),
// unaudit, invalidate and delete (a draft) them.
func (h *Handler) announcementActions() docKind[*model.Announcement] {
	act := func(x *docRun[*model.Announcement]) (uint64, error) {
		return 0, h.store.ActOnAnnouncement(x.Actor, x.ID, x.Version, x.Action)
	}
	return docKind[*model.Announcement]{Base: "/announcements", Load: h.loadAnnouncement, Perm: model.PermManageAnnouncements,
		Page: docPageOf(h, tplAnnouncementView, "announcements.view", h.announcementPage),
		Actions: map[string]docAction[*model.Announcement]{
			"audit": {Flash: "flash.announcement_audit", Run: act}, "unaudit": {Flash: "flash.announcement_unaudit", Run: act},
			"invalidate": {Flash: "flash.announcement_invalidate", Run: act},
			"delete": {Flash: "flash.deleted", Next: func(*fiber.Ctx, uint64, uint64) string { return "/announcements" },
				Run: func(x *docRun[*model.Announcement]) (uint64, error) {
					return 0, h.store.RemoveAnnouncement(x.Actor, x.ID, x.Version)
				}},
		}}
}

// uploadAnnouncementAttachment adds a file to a draft announcement. Its
// attachments belong to no customer: who may download them is decided by the
// announcement (store.RegisterAttachmentAccess).
func (h *Handler) uploadAnnouncementAttachment(c *fiber.Ctx) error {
	a, err := h.loadAnnouncement(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageAnnouncements); err != nil {
		return err
	}
	if a.Status != model.StatusDraft {
		return &model.StateError{Action: "edit", Status: string(a.Status)}
	}
	if err := h.saveUpload(c, store.OwnerAnnouncement, a.ID, 0); err != nil {
		p, perr := h.announcementPage(c, a)
		if perr != nil {
			return perr
		}
		return h.formError(c, err, tplAnnouncementView, h.view(c, "announcements.view", p))
	}
	h.setFlash(c, "flash.uploaded")
	return h.redirect(c, "/announcements/"+itoa(a.ID)+"#attachments")
}

// myAnnouncementRow is one line of 我的公告.
type myAnnouncementRow struct {
	*model.Announcement
	Unread      bool
	Attachments int
}

// showMyAnnouncements is 我的公告: the published announcements addressed to
// the dealer's customer, newest first, unread ones marked.
func (h *Handler) showMyAnnouncements(c *fiber.Ctx) error {
	if err := need(c, model.PermMyAnnouncements); err != nil {
		return err
	}
	u := currentUser(c)
	q := parseListQuery(c)
	var rows []myAnnouncementRow
	var total int
	err := h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
		list, n, err := t.MyAnnouncements(h.scope(c), q.Q, q.Page())
		if err != nil {
			return err
		}
		total = n
		for _, a := range list {
			atts, _ := t.Attachments(store.OwnerAnnouncement, a.ID)
			rows = append(rows, myAnnouncementRow{Announcement: a, Unread: t.AnnouncementReadAt(u.ID, a.ID).IsZero(), Attachments: len(atts)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		loc := h.store.Zone()
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			out = append(out, []string{r.Number, r.Title, r.EffectiveFrom.In(loc).Format("2006-01-02 15:04")})
		}
		return h.export(c, q.Export, "announcements", []exportCol{
			{"announcement.number", colText}, {"announcement.title", colText},
			{"announcement.effective_from", colDateTime},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplMyAnnouncements, h.view(c, "announcements.mine", &List{Rows: rows, Query: q, Pager: q.Pager(total)}))
}
