package handlers

import (
	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const tplSettings = "settings/form"

// Settings (系统参数) are the installation's enterprise name, currency and
// time zone, and the enterprise's address, bank account and contact
// printed on statements; admins only.
func (h *Handler) registerSettings(r fiber.Router) {
	r.Get("/settings", h.showSettings)
	r.Post("/settings", h.saveSettings)
}

type settingsFormData struct {
	Form     *model.Settings
	Zones    []string
	Activity []*store.Activity
}

// commonZones are offered in the time zone field; any IANA name is accepted.
var commonZones = []string{"Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo",
	"Asia/Seoul", "Asia/Bangkok", "Asia/Kolkata", "Asia/Dubai", "Europe/London", "Europe/Berlin",
	"America/New_York", "America/Los_Angeles", "Australia/Sydney", "UTC"}

func (h *Handler) settingsView(c *fiber.Ctx, s *model.Settings) *View {
	d := &settingsFormData{Form: s, Zones: commonZones}
	_ = h.read(func(t *store.Tx) error { d.Activity = t.ActivityOf("settings", 0, 20); return nil })
	return h.view(c, "settings.title", d)
}

func (h *Handler) showSettings(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	s := h.store.Settings()
	if s.Version == 0 {
		s.EnterpriseName = "" // the portal's placeholder is no name to keep: ask for it
	}
	return h.render(c, fiber.StatusOK, tplSettings, h.settingsView(c, s))
}

// saveSettings stores the form with a version check: two admins editing at
// once do not overwrite each other silently.
func (h *Handler) saveSettings(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	s := h.store.Settings()
	s.EnterpriseName, s.CurrencyCode = c.FormValue("enterprise_name"), c.FormValue("currency_code")
	s.CurrencySymbol, s.TimeZone = c.FormValue("currency_symbol"), c.FormValue("time_zone")
	// The enterprise's details printed on statements.
	s.Address, s.Bank, s.BankAccount = c.FormValue("address"), c.FormValue("bank"), c.FormValue("bank_account")
	s.Contact, s.Phone = c.FormValue("contact"), c.FormValue("phone")
	s.Version = formUint(c, "version")
	ver := s.Version
	if err := h.store.UpdateSettings(h.actor(c, ""), s); err != nil {
		s.Version = ver
		return h.formError(c, err, tplSettings, h.settingsView(c, s))
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/settings")
}
