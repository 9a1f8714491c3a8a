package handlers

import (
	"dealerportal/model"

	"github.com/gofiber/fiber/v2"
)

// checkFormToken refuses a POST whose one-time form token (_idem) is not one
// the portal could have written (too long, or odd characters) with a 400 in
// the user's language, before any handler runs: the token becomes part of a
// bbolt key, and a key over bbolt's limit would fail the transaction with a
// 500 after the work was done.
func (h *Handler) checkFormToken(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodPost || model.ValidFormToken(c.FormValue("_idem")) {
		return c.Next()
	}
	v := h.view(c, "err.title", nil)
	v.Data = map[string]any{"Status": fiber.StatusBadRequest, "Message": h.i18n.T(v.Lang, "err.form_token")}
	return h.render(c, fiber.StatusBadRequest, "errors/error", v)
}
