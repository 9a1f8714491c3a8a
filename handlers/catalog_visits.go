package handlers

import (
	"strconv"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const tplVisits = "catalog/visits"

// Catalog visit statistics (商品访问统计表), staff only.
func (h *Handler) registerCatalogVisits(r fiber.Router) {
	r.Get("/catalog-visits", h.showCatalogVisits)
}

type visitsData struct {
	List
	Categories []model.CategoryNode
	Entry      string
	Customer   string
}

// showCatalogVisits lists, per published entry and targeted dealer user of
// customers in the viewer's scope, whether and when the user viewed it;
// filters by entry (product code), category, customer (code), date range and
// visited / not visited; export of the filtered rows.
func (h *Handler) showCatalogVisits(c *fiber.Ctx) error {
	if err := need(c, model.PermCatalogStats); err != nil {
		return fiber.ErrNotFound
	}
	// Recent views are still in the buffer: write them first.
	if err := h.visits.Flush(); err != nil {
		return err
	}
	q := parseListQuery(c, "customer")
	sc := h.scope(c)
	d := &visitsData{Entry: q.Get("entry"), Customer: q.Get("customer")}
	var rows []*store.VisitRow
	err := h.read(func(t *store.Tx) error {
		f := store.VisitFilter{CategoryID: q.Uint("category"), Visited: q.Get("visited")}
		f.From, _ = model.ParseDate(q.Get("from"))
		f.To, _ = model.ParseDate(q.Get("to"))
		if d.Entry != "" {
			f.EntryID = ^uint64(0)
			if e, err := t.CatalogEntryByCode(sc, d.Entry); err == nil {
				f.EntryID = e.ID
			}
		}
		if d.Customer != "" {
			f.CustomerID = ^uint64(0)
			if cu, err := t.CustomerByCode(sc, d.Customer); err == nil {
				f.CustomerID = cu.ID
			}
		}
		p := q.Page()
		if q.Export != "" {
			p.Limit = store.MaxVisitRows
		}
		var total int
		var err error
		rows, total, err = t.VisitStats(sc, f, p)
		d.List = List{Rows: rows, Query: q, Pager: q.Pager(total)}
		d.Categories = t.CategoryTree().Flatten()
		return err
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		v := h.view(c, "visits.title", nil)
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			visited, first, last, count := h.i18n.T(v.Lang, "common.no"), "", "", "0"
			if r.Visit != nil {
				visited, first, last, count = h.i18n.T(v.Lang, "common.yes"), v.DateTime(r.Visit.First), v.DateTime(r.Visit.Last), strconv.FormatUint(r.Visit.Count, 10)
			}
			out = append(out, []string{r.EntryCode, r.EntryName, r.Customer.Code, r.Customer.Name, r.User.Username, r.User.Name, visited, first, last, count})
		}
		return h.export(c, q.Export, "catalog-visits", []exportCol{
			{"product.code", colText}, {"entry.title", colText}, {"customer.code", colText}, {"customer.name", colText},
			{"user.username", colText}, {"user.name", colText}, {"visits.visited", colText},
			{"visits.first", colDateTime}, {"visits.last", colDateTime}, {"visits.count", colInt},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplVisits, h.view(c, "visits.title", d))
}
