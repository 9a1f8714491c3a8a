package handlers

import (
	"slices"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplStaffList = "staff/list"
	tplStaffForm = "staff/form"
)

// Staff users (员工用户) are managed by admins: roles, org unit, data scope,
// password resets and disabling. The shared helpers in users.go do the
// saving; this file decides who may and where to go afterwards.
func (h *Handler) registerStaff(r fiber.Router) {
	r.Get("/staff", h.showStaff)
	r.Get("/staff/new", h.newStaff)
	r.Post("/staff", h.createStaff)
	r.Get("/staff/:id/edit", h.editStaff)
	r.Post("/staff/:id", h.updateStaff)
	r.Post("/staff/:id/password", h.resetStaffPassword)
	r.Post("/staff/:id/disable", h.disableStaff)
	r.Post("/staff/:id/enable", h.enableStaff)
}

// staffRow is one line of the staff list.
type staffRow struct {
	*model.User
	Sessions int
}

type staffListData struct {
	List
	Roles []model.Role
}

// showStaff lists the staff users matching the search, role and status
// filters, sorted and paged, or exports the filtered rows.
func (h *Handler) showStaff(c *fiber.Ctx) error {
	if err := need(c, model.PermManageStaff); err != nil {
		return err
	}
	q := parseListQuery(c, "username", "name")
	f := store.UserFilter{Q: q.Q, Role: model.Role(q.Get("role"))}
	status := q.Get("status")
	var rows []staffRow
	var total int
	err := h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
		// Staff are few: filter and sort them all, then take the page.
		all, _, err := t.ListStaff(f, store.Page{})
		if err != nil {
			return err
		}
		all = slices.DeleteFunc(all, func(u *model.User) bool {
			return status == "active" && u.Disabled || status == "disabled" && !u.Disabled
		})
		slices.SortStableFunc(all, func(a, b *model.User) int {
			var n int
			if q.Sort == "name" {
				n = strings.Compare(a.Name, b.Name)
			} else {
				n = strings.Compare(a.Username, b.Username)
			}
			if q.Desc {
				n = -n
			}
			return n
		})
		total = len(all)
		p := q.Page()
		all = all[min(p.Offset, len(all)):]
		if p.Limit > 0 && len(all) > p.Limit {
			all = all[:p.Limit]
		}
		for _, u := range all {
			rows = append(rows, staffRow{User: u, Sessions: t.UserSessionCount(u.ID)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		return h.exportStaff(c, q.Export, rows)
	}
	d := &staffListData{List: List{Rows: rows, Query: q, Pager: q.Pager(total)}, Roles: model.StaffRoles}
	return h.render(c, fiber.StatusOK, tplStaffList, h.view(c, "staff.title", d))
}

func (h *Handler) exportStaff(c *fiber.Ctx, format string, rows []staffRow) error {
	l := lang(c)
	tree := h.store.OrgTree()
	out := make([][]string, 0, len(rows))
	for _, r := range rows {
		roles := make([]string, 0, len(r.Roles))
		for _, x := range r.Roles {
			roles = append(roles, h.i18n.T(l, "role."+string(x)))
		}
		scope := h.i18n.T(l, "user.scope_own")
		if r.ScopeMode == model.ScopeOrg {
			var orgs []string
			for _, o := range r.ScopeOrgs {
				orgs = append(orgs, tree.Path(o))
			}
			scope = h.i18n.T(l, "user.scope_org") + ": " + strings.Join(orgs, "; ")
		}
		status := h.i18n.T(l, "user.active")
		if r.Disabled {
			status = h.i18n.T(l, "user.disabled")
		}
		out = append(out, []string{r.Username, r.Name, strings.Join(roles, ", "), tree.Path(r.OrgUnitID), scope,
			r.Email, r.Mobile, itoa(uint64(r.Sessions)), status})
	}
	return h.export(c, format, "staff", []exportCol{
		{"user.username", colText}, {"user.name", colText}, {"user.roles", colText}, {"user.org_unit", colText},
		{"user.scope", colText}, {"user.email", colText}, {"user.mobile", colText}, {"user.sessions", colInt},
		{"user.status", colText},
	}, out)
}

type staffFormData struct {
	User     *model.User
	Roles    []model.Role
	Orgs     []model.Node
	Token    string
	Sessions int
	Activity []*store.Activity
	// Self: the admin is editing their own account (no disable, no reset here).
	Self bool
}

func (h *Handler) staffView(c *fiber.Ctx, u *model.User) *View {
	tok := h.formToken(c)
	d := &staffFormData{User: u, Roles: model.StaffRoles, Orgs: h.store.OrgTree().Flatten(), Token: tok,
		Self: u.ID != 0 && u.ID == currentUser(c).ID}
	title := "staff.new"
	if u.ID != 0 {
		title = "staff.edit"
		_ = h.read(func(t *store.Tx) error {
			d.Sessions = t.UserSessionCount(u.ID)
			d.Activity = t.ActivityOf("staff", u.ID, 20)
			return nil
		})
	}
	return h.view(c, title, d)
}

// loadStaff returns the staff user of the route; 403 without the permission,
// 404 for a missing id or a dealer user's id.
func (h *Handler) loadStaff(c *fiber.Ctx) (*model.User, error) {
	if err := need(c, model.PermManageStaff); err != nil {
		return nil, err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	var u *model.User
	err = h.read(func(t *store.Tx) error {
		u, err = t.User(h.scope(c), id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if u.Kind != model.KindStaff {
		return nil, model.ErrNotFound
	}
	return u, nil
}

// readStaffForm copies the form into u: the common user fields, then the
// staff ones (org unit and data scope).
func readStaffForm(c *fiber.Ctx, u *model.User) {
	readUserForm(c, u, model.StaffRoles)
	u.Kind = model.KindStaff
	u.OrgUnitID = formUint(c, "org_unit_id")
	u.ScopeMode = model.ScopeMode(c.FormValue("scope_mode"))
	u.ScopeOrgs = pickedIDs(c, "scope_orgs")
	if u.ScopeMode == model.ScopeOwn {
		u.ScopeOrgs = nil
	}
}

func (h *Handler) newStaff(c *fiber.Ctx) error {
	if err := need(c, model.PermManageStaff); err != nil {
		return err
	}
	u := &model.User{Kind: model.KindStaff, Roles: []model.Role{model.RoleSales}, ScopeMode: model.ScopeOrg}
	return h.render(c, fiber.StatusOK, tplStaffForm, h.staffView(c, u))
}

func (h *Handler) editStaff(c *fiber.Ctx) error {
	u, err := h.loadStaff(c)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplStaffForm, h.staffView(c, u))
}

func (h *Handler) createStaff(c *fiber.Ctx) error {
	if err := need(c, model.PermManageStaff); err != nil {
		return err
	}
	u := &model.User{}
	readStaffForm(c, u)
	if err := h.createUser(c, u, false); err != nil {
		u.ID, u.Version = 0, 0
		return h.formError(c, err, tplStaffForm, h.staffView(c, u))
	}
	h.setFlash(c, "flash.created")
	return h.redirect(c, "/staff")
}

func (h *Handler) updateStaff(c *fiber.Ctx) error {
	u, err := h.loadStaff(c)
	if err != nil {
		return err
	}
	readStaffForm(c, u)
	ver := u.Version
	if u.ID == currentUser(c).ID && !u.HasRole(model.RoleAdmin) {
		// An admin who dropped their own admin role would lock themselves out.
		err = model.Invalid("roles", "err.self_admin")
	} else {
		err = h.store.UpdateUser(h.actor(c, ""), u)
	}
	if err != nil {
		u.Version = ver
		return h.formError(c, err, tplStaffForm, h.staffView(c, u))
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/staff")
}

// resetStaffPassword sets a new password and ends the user's sessions. Admins
// change their own password on the account page instead (which keeps the
// current session).
func (h *Handler) resetStaffPassword(c *fiber.Ctx) error {
	u, err := h.loadStaff(c)
	if err != nil {
		return err
	}
	if err = model.CheckSelfAction(currentUser(c), u, "password"); err == nil {
		err = h.resetPassword(c, u)
	}
	if err != nil {
		return h.formError(c, err, tplStaffForm, h.staffView(c, u))
	}
	h.setFlash(c, "flash.password_reset")
	return h.redirect(c, "/staff/"+itoa(u.ID)+"/edit")
}

// toggleStaff disables (ending every session at once) or re-enables a staff
// user; nobody can disable themselves.
func (h *Handler) toggleStaff(c *fiber.Ctx, disabled bool) error {
	u, err := h.loadStaff(c)
	if err != nil {
		return err
	}
	was := u.Disabled
	if err := h.setUserDisabled(c, u, disabled); err != nil {
		u.Disabled, u.Version = was, formUint(c, "version")
		return h.formError(c, err, tplStaffForm, h.staffView(c, u))
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/staff/"+itoa(u.ID)+"/edit")
}

func (h *Handler) disableStaff(c *fiber.Ctx) error { return h.toggleStaff(c, true) }
func (h *Handler) enableStaff(c *fiber.Ctx) error  { return h.toggleStaff(c, false) }
