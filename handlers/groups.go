package handlers

import (
	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplGroups    = "groups/list"
	tplGroupForm = "groups/form"
)

// Customer groups (客户分组) are enterprise master data kept by staff who may
// manage customers; prices and publishing can target a group.
func (h *Handler) registerGroups(r fiber.Router) {
	r.Get("/customer-groups", h.showGroups)
	r.Get("/customer-groups/new", h.newGroup)
	r.Post("/customer-groups", h.createGroup)
	r.Get("/customer-groups/:id/edit", h.editGroup)
	r.Post("/customer-groups/:id", h.updateGroup)
}

type groupListData struct {
	Groups []*model.CustomerGroup
}

// showGroups lists every customer group in code order.
func (h *Handler) showGroups(c *fiber.Ctx) error {
	if err := need(c, model.PermManageCustomers); err != nil {
		return err
	}
	d := &groupListData{}
	err := h.read(func(t *store.Tx) error {
		var err error
		d.Groups, err = t.CustomerGroups()
		return err
	})
	if err != nil {
		return err
	}
	if f := c.Query("export"); f != "" {
		loc := h.store.Zone()
		out := make([][]string, 0, len(d.Groups))
		for _, g := range d.Groups {
			at := ""
			if !g.UpdatedAt.IsZero() {
				at = g.UpdatedAt.In(loc).Format("2006-01-02 15:04")
			}
			out = append(out, []string{g.Code, g.Name, at, g.UpdatedBy})
		}
		return h.export(c, f, "customer-groups", []exportCol{
			{"group.code", colText}, {"group.name", colText}, {"user.last_change", colDateTime},
			{"export.changed_by", colText},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplGroups, h.view(c, "groups.title", d))
}

type groupFormData struct {
	Group    *model.CustomerGroup
	Token    string
	Activity []*store.Activity
}

func (h *Handler) groupView(c *fiber.Ctx, g *model.CustomerGroup) *View {
	tok := h.formToken(c)
	d := &groupFormData{Group: g, Token: tok}
	title := "groups.new"
	if g.ID != 0 {
		title = "groups.edit"
		_ = h.read(func(t *store.Tx) error { d.Activity = t.ActivityOf("customer_group", g.ID, 20); return nil })
	}
	return h.view(c, title, d)
}

func (h *Handler) newGroup(c *fiber.Ctx) error {
	if err := need(c, model.PermManageCustomers); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplGroupForm, h.groupView(c, &model.CustomerGroup{}))
}

func (h *Handler) loadGroup(c *fiber.Ctx) (*model.CustomerGroup, error) {
	if err := need(c, model.PermManageCustomers); err != nil {
		return nil, err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	var g *model.CustomerGroup
	err = h.read(func(t *store.Tx) error {
		g, err = t.CustomerGroup(id)
		return err
	})
	return g, err
}

func (h *Handler) editGroup(c *fiber.Ctx) error {
	g, err := h.loadGroup(c)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplGroupForm, h.groupView(c, g))
}

func (h *Handler) createGroup(c *fiber.Ctx) error {
	if err := need(c, model.PermManageCustomers); err != nil {
		return err
	}
	return h.saveGroup(c, &model.CustomerGroup{})
}

func (h *Handler) updateGroup(c *fiber.Ctx) error {
	g, err := h.loadGroup(c)
	if err != nil {
		return err
	}
	return h.saveGroup(c, g)
}

// saveGroup creates (once per form token) or updates a group with its audit
// entry in one transaction; codes are unique.
func (h *Handler) saveGroup(c *fiber.Ctx, g *model.CustomerGroup) error {
	actor := currentUser(c)
	isNew := g.ID == 0
	g.Code, g.Name = c.FormValue("code"), c.FormValue("name")
	g.Version = formUint(c, "version")
	ver := g.Version
	a := store.Actor{User: actor, Scope: h.scope(c)}
	if isNew {
		a.Once = c.FormValue("_idem")
	}
	_, err := h.store.SaveGroup(a, g)
	if err != nil {
		if isNew {
			g.ID = 0
		}
		g.Version = ver
		return h.formError(c, err, tplGroupForm, h.groupView(c, g))
	}
	if isNew {
		h.setFlash(c, "flash.created")
	} else {
		h.setFlash(c, "flash.saved")
	}
	return h.redirect(c, "/customer-groups")
}
