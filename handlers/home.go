package handlers

import (
	"strconv"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const tplHome = "home/index"

func (h *Handler) registerHome(r fiber.Router) {
	r.Get("/", h.showHome)
}

// Tile is one box of the home page: a label, a figure and a link. Modules add
// tiles for what needs the user's attention.
type Tile struct {
	Label string
	Value string
	Href  string
}

// homeTiles gathers the tiles for u; each module contributes the ones its
// permissions allow.
func (h *Handler) homeTiles(t *store.Tx, u *model.User, sc store.Scope) []Tile {
	var tiles []Tile
	tiles = append(tiles, h.messageTiles(t, u, sc)...)
	if u.Can(model.PermViewCustomers) {
		tiles = append(tiles, Tile{"home.customers", strconv.Itoa(t.CountCustomers(sc)), "/customers"})
	}
	if u.Can(model.PermViewOwnCustomer) {
		locs, _ := t.Locations(sc, u.CustomerID)
		tiles = append(tiles, Tile{"home.locations", strconv.Itoa(len(locs)), "/my/company"})
		_, n, _ := t.ListCustomerUsers(sc, u.CustomerID, store.UserFilter{}, store.Page{Limit: -1})
		tiles = append(tiles, Tile{"home.users", strconv.Itoa(n), "/my/company#users"})
	}
	if u.Can(model.PermManageStaff) {
		_, n, _ := t.ListStaff(store.UserFilter{}, store.Page{Limit: -1})
		tiles = append(tiles, Tile{"home.staff", strconv.Itoa(n), "/staff"})
	}
	tiles = append(tiles, h.orderingTiles(t, u, sc)...)
	tiles = append(tiles, h.orderTiles(t, u, sc)...)
	tiles = append(tiles, h.shippingTiles(t, u, sc)...)
	tiles = append(tiles, h.channelTiles(t, u, sc)...)
	tiles = append(tiles, h.reconTiles(t, u, sc)...)
	return tiles
}

type homeData struct {
	Tiles    []Tile
	Customer *model.Customer
}

func (h *Handler) showHome(c *fiber.Ctx) error {
	u := currentUser(c)
	sc := h.scope(c)
	d := &homeData{}
	err := h.store.View(func(t *store.Tx) error {
		d.Tiles = h.homeTiles(t, u, sc)
		if u.Kind == model.KindDealer {
			d.Customer, _ = t.Customer(sc, u.CustomerID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplHome, h.view(c, "home.title", d))
}
