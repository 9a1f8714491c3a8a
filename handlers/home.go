package handlers

import (
	"sort"
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

// homeFigures are the tiles that state a figure rather than ask for
// something to be done (signed for, confirmed, paid, answered, handled):
// the home page shows them after the to-dos. Every other tile is a to-do.
var homeFigures = map[string]bool{
	"home.customers": true, "home.locations": true, "home.users": true, "home.staff": true,
	"home.catalog": true, "home.favorites": true, "home.cart_lines": true, "home.catalog_entries": true,
	"home.my_open_orders": true, "home.my_sales_orders": true,
}

// homeTiles gathers the tiles for u; each module contributes the ones its
// permissions allow. Every figure comes from a maintained count, index or
// balance, never from reading all documents.
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
	tiles = append(tiles, h.dealerTodoTiles(t, u, sc)...)
	tiles = append(tiles, h.shippingTiles(t, u, sc)...)
	tiles = append(tiles, h.channelTiles(t, u, sc)...)
	tiles = append(tiles, h.reconTiles(t, u, sc)...)
	return tiles
}

// dealerTodoTiles are a dealer's own to-dos that no module tile names:
// online orders and returns saved as drafts, waiting to be submitted.
func (h *Handler) dealerTodoTiles(t *store.Tx, u *model.User, sc store.Scope) []Tile {
	if u.Kind != model.KindDealer || !u.Can(model.PermOrder) {
		return nil
	}
	return []Tile{
		{"phone.todo_drafts", strconv.Itoa(t.CountDocs(sc, model.DocOnlineOrder, model.StatusDraft)), "/online-orders?status=draft"},
		{"phone.todo_return_drafts", strconv.Itoa(t.CountDocs(sc, model.DocOnlineReturn, model.StatusDraft)), "/returns?status=draft"},
	}
}

// homeTile is a tile as the home page shows it: a to-do, or a figure;
// a to-do at zero is muted.
type homeTile struct {
	Tile
	Todo, Zero bool
}

// homeOrder is a recent order on the home page, with the path of its page.
type homeOrder struct {
	model.DocSummary
	Href     string
	Customer string
}

type homeData struct {
	// Todos are the to-dos with something waiting, Clear those at zero
	// (muted), Figures the tiles that state a figure.
	Todos, Clear, Figures []homeTile
	// Due is what the dealer's customer owes on invoices, net of receipts
	// not yet written off (zero when nothing, or not a dealer's finance view).
	Due model.Money
	// Recent are the newest orders the user sees (online and sales orders).
	Recent     []homeOrder
	SeesOrders bool
	// Shop: the user shops (catalog, quick order, cart shortcuts); CartLines
	// is the number of lines in the cart.
	Shop      bool
	CartLines int
	Customer  *model.Customer
}

// homeRecent is how many recent orders the home page lists.
const homeRecent = 5

func (h *Handler) showHome(c *fiber.Ctx) error {
	u := currentUser(c)
	sc := h.scope(c)
	d := &homeData{SeesOrders: canSeeOrders(u)}
	err := h.read(func(t *store.Tx) error {
		d.Figures, d.Clear, d.Todos = nil, nil, nil // fn may run again (Store.View)
		for _, tl := range h.homeTiles(t, u, sc) {
			ht := homeTile{Tile: tl, Todo: !homeFigures[tl.Label], Zero: tl.Value == "0"}
			switch {
			case !ht.Todo:
				d.Figures = append(d.Figures, ht)
			case ht.Zero:
				d.Clear = append(d.Clear, ht)
			default:
				d.Todos = append(d.Todos, ht)
			}
			if tl.Label == "home.cart_lines" {
				d.CartLines, _ = strconv.Atoi(tl.Value)
			}
		}
		if u.Kind == model.KindDealer {
			d.Customer, _ = t.Customer(sc, u.CustomerID)
			d.Shop = u.Can(model.PermShop)
			if u.Can(model.PermDealerRecon) {
				if b, err := t.Balance(sc, u.CustomerID); err == nil {
					d.Due = max(0, b.InvoicedReceivable-b.ReceiptBalance)
				}
			}
		}
		if d.SeesOrders {
			d.Recent = homeRecentOrders(t, sc)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplHome, h.view(c, "home.title", d))
}

// homeRecentOrders returns the newest online and sales orders in sc, at
// most homeRecent, newest first: each list is read newest first and stops
// after that many rows.
func homeRecentOrders(t *store.Tx, sc store.Scope) []homeOrder {
	var rows []model.DocSummary
	var out []homeOrder
	for _, k := range []struct {
		doc  model.DocType
		path string
	}{{model.DocOnlineOrder, "/online-orders/"}, {model.DocSalesOrder, "/sales-orders/"}} {
		list, _, err := t.ListDocs(sc, k.doc, store.DocFilter{}, store.Page{Limit: homeRecent})
		if err != nil {
			continue
		}
		for _, r := range list {
			out = append(out, homeOrder{DocSummary: r, Href: k.path + itoa(r.ID)})
			rows = append(rows, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Date != out[j].Date {
			return out[i].Date > out[j].Date
		}
		return out[i].Number > out[j].Number
	})
	if len(out) > homeRecent {
		out = out[:homeRecent]
	}
	if sc.IsStaff() {
		names := docCustomers(t, sc, rows)
		for i := range out {
			out[i].Customer = names[out[i].CustomerID]
		}
	}
	return out
}
