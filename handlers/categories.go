package handlers

import (
	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplCategoryList = "categories/list"
	tplCategoryForm = "categories/form"
)

// Categories (商品分类) form a tree; every catalog entry has one.
func (h *Handler) registerCategories(r fiber.Router) {
	r.Get("/categories", h.showCategories)
	r.Get("/categories/new", h.newCategory)
	r.Post("/categories", h.createCategory)
	r.Get("/categories/:id/edit", h.editCategory)
	r.Post("/categories/:id", h.updateCategory)
}

func (h *Handler) showCategories(c *fiber.Ctx) error {
	if err := need(c, model.PermViewCatalog); err != nil {
		return fiber.ErrNotFound
	}
	var nodes []model.CategoryNode
	var tree *model.CategoryTree
	_ = h.read(func(t *store.Tx) error { tree = t.CategoryTree(); nodes = tree.Flatten(); return nil })
	if f := c.Query("export"); f != "" {
		out := make([][]string, 0, len(nodes))
		for _, n := range nodes {
			out = append(out, []string{n.Cat.Code, n.Cat.Name, tree.Path(n.Cat.ParentID)})
		}
		return h.export(c, f, "categories", []exportCol{
			{"category.code", colText}, {"category.name", colText}, {"category.parent", colText},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplCategoryList, h.view(c, "categories.title", nodes))
}

type categoryFormData struct {
	Category *model.Category
	Nodes    []model.CategoryNode
	Token    string
}

func (h *Handler) categoryView(c *fiber.Ctx, cat *model.Category) *View {
	d := &categoryFormData{Category: cat, Token: h.formToken(c)}
	_ = h.read(func(t *store.Tx) error { d.Nodes = t.CategoryTree().Flatten(); return nil })
	title := "categories.edit"
	if cat.ID == 0 {
		title = "categories.new"
	}
	return h.view(c, title, d)
}

func (h *Handler) newCategory(c *fiber.Ctx) error {
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplCategoryForm, h.categoryView(c, &model.Category{}))
}

func (h *Handler) loadCategory(c *fiber.Ctx) (*model.Category, error) {
	if !currentUser(c).Can(model.PermViewCatalog) {
		return nil, fiber.ErrNotFound
	}
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	var cat *model.Category
	err = h.read(func(t *store.Tx) error { cat, err = t.Category(id); return err })
	if err != nil {
		return nil, err
	}
	return cat, need(c, model.PermManageCatalog)
}

func (h *Handler) editCategory(c *fiber.Ctx) error {
	cat, err := h.loadCategory(c)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplCategoryForm, h.categoryView(c, cat))
}

func (h *Handler) saveCategory(c *fiber.Ctx, cat *model.Category) error {
	cat.Code, cat.Name, cat.ParentID = c.FormValue("code"), c.FormValue("name"), formUint(c, "parent_id")
	cat.Version = formUint(c, "version")
	isNew := cat.ID == 0
	_, err := h.store.SaveCategoryForm(h.formActor(c), cat)
	if err != nil {
		if isNew {
			cat.ID = 0
		}
		return h.formError(c, err, tplCategoryForm, h.categoryView(c, cat))
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/categories")
}

func (h *Handler) createCategory(c *fiber.Ctx) error {
	if err := need(c, model.PermManageCatalog); err != nil {
		return err
	}
	return h.saveCategory(c, &model.Category{})
}

func (h *Handler) updateCategory(c *fiber.Ctx) error {
	cat, err := h.loadCategory(c)
	if err != nil {
		return err
	}
	return h.saveCategory(c, cat)
}
