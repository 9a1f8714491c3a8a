package handlers

import (
	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const tplLocationForm = "customers/location_form"

// Locations (客户地点) are maintained by staff who may manage customers and
// by the dealer's own manager.
func (h *Handler) registerLocations(r fiber.Router) {
	r.Get("/customers/:id/locations/new", h.showLocationForm)
	r.Post("/customers/:id/locations", h.createLocation)
	r.Get("/customers/:id/locations/:lid/edit", h.showLocationForm)
	r.Post("/customers/:id/locations/:lid", h.updateLocation)
	r.Post("/customers/:id/locations/:lid/primary", h.makePrimaryLocation)
	r.Post("/customers/:id/locations/:lid/delete", h.deleteLocation)
}

func canManageLocations(u *model.User) bool {
	return u.Can(model.PermManageCustomers) || u.Can(model.PermManageOwnLocs)
}

type locationFormData struct {
	Customer *model.Customer
	Location *model.Location
	Token    string
}

// loadLocation returns the customer and (when lid is in the route) the
// location, both through the user's scope: out of scope is a 404.
func (h *Handler) loadLocation(c *fiber.Ctx) (*model.Customer, *model.Location, error) {
	if !canManageLocations(currentUser(c)) {
		return nil, nil, fiber.ErrNotFound
	}
	id, err := idParam(c, "id")
	if err != nil {
		return nil, nil, err
	}
	sc := h.scope(c)
	var cu *model.Customer
	var l *model.Location
	err = h.read(func(t *store.Tx) error {
		if cu, err = t.Customer(sc, id); err != nil {
			return err
		}
		if c.Params("lid") == "" {
			l = &model.Location{CustomerID: id}
			return nil
		}
		lid, err := idParam(c, "lid")
		if err != nil {
			return err
		}
		l, err = t.Location(sc, id, lid)
		return err
	})
	return cu, l, err
}

func (h *Handler) locationView(c *fiber.Ctx, cu *model.Customer, l *model.Location) *View {
	return h.view(c, newOrEdit(l.ID, "location.new", "location.edit"), &locationFormData{Customer: cu, Location: l, Token: h.formToken(c)})
}

// showLocationForm shows the form for a new location or an existing one.
func (h *Handler) showLocationForm(c *fiber.Ctx) error {
	cu, l, err := h.loadLocation(c)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplLocationForm, h.locationView(c, cu, l))
}

func (h *Handler) saveLocation(c *fiber.Ctx) error {
	cu, l, err := h.loadLocation(c)
	if err != nil {
		return err
	}
	l.Name, l.Contact, l.Phone = c.FormValue("name"), c.FormValue("contact"), c.FormValue("phone")
	l.Address, l.Region = c.FormValue("address"), c.FormValue("region")
	l.Version = formUint(c, "version")
	if c.FormValue("primary") == "1" {
		l.Primary = true
	} else if l.ID != 0 && l.Primary {
		l.Primary = false // refused by the store with a clear message
	}
	isNew := l.ID == 0
	a := h.actor(c, "")
	if isNew {
		a.Once = c.FormValue("_idem")
	}
	id, err := h.store.SaveCustomerLocation(a, l)
	if err == nil {
		l.ID = id
	}
	if err != nil {
		if isNew {
			l.ID = 0
		}
		return h.formError(c, err, tplLocationForm, h.locationView(c, cu, l))
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/customers/"+itoa(cu.ID)+"#locations")
}

func (h *Handler) createLocation(c *fiber.Ctx) error { return h.saveLocation(c) }
func (h *Handler) updateLocation(c *fiber.Ctx) error { return h.saveLocation(c) }

// makePrimaryLocation makes one location the primary (the old primary stops
// being one in the same transaction).
func (h *Handler) makePrimaryLocation(c *fiber.Ctx) error {
	cu, l, err := h.loadLocation(c)
	if err != nil {
		return err
	}
	if err := h.store.MakePrimaryLocation(h.actor(c, ""), cu.ID, l.ID, formUint(c, "version")); err != nil {
		return err
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/customers/"+itoa(cu.ID)+"#locations")
}

func (h *Handler) deleteLocation(c *fiber.Ctx) error {
	cu, l, err := h.loadLocation(c)
	if err != nil {
		return err
	}
	err = h.store.RemoveLocation(h.actor(c, ""), cu.ID, l.ID, formUint(c, "version"))
	if err != nil {
		var ve *model.ValidationError
		if asValidation(err, &ve) {
			p, perr := h.customerPage(c, cu.ID)
			if perr != nil {
				return perr
			}
			return h.formError(c, err, tplCustomerView, h.view(c, "customers.view", p))
		}
		return err
	}
	h.setFlash(c, "flash.deleted")
	return h.redirect(c, "/customers/"+itoa(cu.ID)+"#locations")
}
