package handlers

import (
	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplOrgUnits    = "orgunits/list"
	tplOrgUnitForm = "orgunits/form"
)

// Org units (组织架构) are maintained by admins: the tree that staff data
// scopes and customers hang on.
func (h *Handler) registerOrgUnits(r fiber.Router) {
	r.Get("/org-units", h.showOrgUnits)
	r.Get("/org-units/new", h.newOrgUnit)
	r.Post("/org-units", h.createOrgUnit)
	r.Get("/org-units/:id/edit", h.editOrgUnit)
	r.Post("/org-units/:id", h.updateOrgUnit)
}

type orgUnitListData struct {
	Nodes []model.Node
}

// showOrgUnits lists the whole tree, indented, with each unit's status.
func (h *Handler) showOrgUnits(c *fiber.Ctx) error {
	if err := need(c, model.PermManageOrg); err != nil {
		return err
	}
	tree := h.store.OrgTree()
	d := &orgUnitListData{Nodes: tree.Flatten()}
	if f := c.Query("export"); f != "" {
		l := lang(c)
		out := make([][]string, 0, len(d.Nodes))
		for _, n := range d.Nodes {
			status := "org.status.active"
			if n.Unit.Inactive {
				status = "org.status.inactive"
			}
			out = append(out, []string{n.Unit.Code, n.Unit.Name, tree.Path(n.Unit.ParentID), h.i18n.T(l, status)})
		}
		return h.export(c, f, "org-units", []exportCol{
			{"org.code", colText}, {"org.name", colText}, {"org.parent", colText}, {"org.status", colText},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplOrgUnits, h.view(c, "orgunits.title", d))
}

// orgParent is one option of the parent select; a unit cannot move below
// itself, so its own subtree is shown disabled.
type orgParent struct {
	model.Node
	Disabled bool
}

type orgUnitFormData struct {
	Unit     *model.OrgUnit
	Parents  []orgParent
	Token    string
	Activity []*store.Activity
}

func (h *Handler) orgUnitView(c *fiber.Ctx, u *model.OrgUnit) *View {
	tok := h.formToken(c)
	tree := h.store.OrgTree()
	d := &orgUnitFormData{Unit: u, Token: tok}
	for _, n := range tree.Flatten() {
		d.Parents = append(d.Parents, orgParent{Node: n, Disabled: u.ID != 0 && tree.IsWithin(n.Unit.ID, u.ID)})
	}
	title := "orgunits.edit"
	if u.ID == 0 {
		title = "orgunits.new"
	} else {
		_ = h.read(func(t *store.Tx) error { d.Activity = t.ActivityOf("org_unit", u.ID, 20); return nil })
	}
	return h.view(c, title, d)
}

func (h *Handler) newOrgUnit(c *fiber.Ctx) error {
	if err := need(c, model.PermManageOrg); err != nil {
		return err
	}
	u := &model.OrgUnit{}
	if p, err := parseUint(c.Query("parent")); err == nil && h.store.OrgTree().Unit(p) != nil {
		u.ParentID = p
	}
	return h.render(c, fiber.StatusOK, tplOrgUnitForm, h.orgUnitView(c, u))
}

func (h *Handler) loadOrgUnit(c *fiber.Ctx) (*model.OrgUnit, error) {
	if err := need(c, model.PermManageOrg); err != nil {
		return nil, err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	var u *model.OrgUnit
	err = h.read(func(t *store.Tx) error {
		u, err = t.OrgUnit(id)
		return err
	})
	return u, err
}

func (h *Handler) editOrgUnit(c *fiber.Ctx) error {
	u, err := h.loadOrgUnit(c)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplOrgUnitForm, h.orgUnitView(c, u))
}

func (h *Handler) createOrgUnit(c *fiber.Ctx) error {
	if err := need(c, model.PermManageOrg); err != nil {
		return err
	}
	return h.saveOrgUnit(c, &model.OrgUnit{})
}

// updateOrgUnit saves the edit form (code, name, parent: a change of parent
// moves the unit with its subtree) or, with op=deactivate|reactivate, only
// the unit's status.
func (h *Handler) updateOrgUnit(c *fiber.Ctx) error {
	u, err := h.loadOrgUnit(c)
	if err != nil {
		return err
	}
	switch c.FormValue("op") {
	case "":
		return h.saveOrgUnit(c, u)
	case "deactivate":
		return h.setOrgUnitInactive(c, u, true)
	case "reactivate":
		return h.setOrgUnitInactive(c, u, false)
	}
	return fiber.ErrBadRequest
}

// saveOrgUnit creates (once per form token) or updates a unit from the form
// through the use case, with its audit entries. An active unit stays under
// an active parent (model.CheckParentActive); the store refuses to
// deactivate a unit with active children.
func (h *Handler) saveOrgUnit(c *fiber.Ctx, u *model.OrgUnit) error {
	actor := currentUser(c)
	isNew := u.ID == 0
	u.Code, u.Name = c.FormValue("code"), c.FormValue("name")
	u.ParentID = formUint(c, "parent_id")
	u.Version = formUint(c, "version")
	ver := u.Version
	a := store.Actor{User: actor, Scope: h.scope(c)}
	if isNew {
		a.Once = c.FormValue("_idem")
	}
	_, err := h.store.SaveOrgUnitForm(a, u)
	if err != nil {
		// The store may have stamped the value before failing: show the form
		// as it was posted, so that a corrected resubmit is not a conflict.
		if isNew {
			u.ID = 0
		}
		u.Version = ver
		return h.formError(c, err, tplOrgUnitForm, h.orgUnitView(c, u))
	}
	if isNew {
		h.setFlash(c, "flash.created")
	} else {
		h.setFlash(c, "flash.saved")
	}
	return h.redirect(c, "/org-units")
}

// setOrgUnitInactive deactivates or reactivates a unit. The store refuses to
// deactivate a unit that still has active sub-units or active customers.
func (h *Handler) setOrgUnitInactive(c *fiber.Ctx, u *model.OrgUnit, inactive bool) error {
	was := u.Inactive
	u.Inactive = inactive
	u.Version = formUint(c, "version")
	ver := u.Version
	err := h.store.SetOrgUnitInactive(store.Actor{User: currentUser(c), Scope: h.scope(c)}, u, inactive)
	if err != nil {
		u.Inactive, u.Version = was, ver
		return h.formError(c, err, tplOrgUnitForm, h.orgUnitView(c, u))
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/org-units")
}
