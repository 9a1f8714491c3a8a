package handlers

import (
	"strings"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/views/pdf"

	"github.com/gofiber/fiber/v2"
)

// Online orders, staff's side and paper: generate the sales order
// (生成销售订单) and the print view and PDF.

// ---- staff: generate the sales order (生成销售订单) ----

type convertForm struct {
	O        *model.OnlineOrder
	Customer *model.Customer
	Stock    map[uint64]*model.Stock
	Qty      map[int]string
	Price    map[int]string
}

func (h *Handler) convertView(c *fiber.Ctx, o *model.OnlineOrder) (*View, error) {
	d := &convertForm{O: o, Stock: map[uint64]*model.Stock{}, Qty: map[int]string{}, Price: map[int]string{}}
	err := h.read(func(t *store.Tx) error {
		d.Customer, _ = t.Customer(h.scope(c), o.CustomerID)
		for _, l := range o.Lines {
			d.Stock[l.ProductID], _ = t.Stock(l.ProductID)
		}
		return nil
	})
	for _, l := range o.Lines {
		d.Qty[l.No], d.Price[l.No] = l.Qty.String(), l.Price.Plain()
		if s := c.FormValue("qty." + itoa(uint64(l.No))); s != "" {
			d.Qty[l.No] = s
		}
		if s := c.FormValue("price." + itoa(uint64(l.No))); s != "" {
			d.Price[l.No] = s
		}
	}
	return h.view(c, "oo.convert", d), err
}

func (h *Handler) showConvertOnlineOrder(c *fiber.Ctx) error {
	o, err := h.loadOnlineOrder(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageOrders); err != nil {
		return err
	}
	if o.Status != model.StatusSubmitted {
		return &model.StateError{Action: "convert", Status: string(o.Status)}
	}
	v, err := h.convertView(c, o)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplOnlineConvert, v)
}

// convertOnlineOrder generates the sales order (with the adjusted
// quantities and prices where the order allows adjustment) and opens it;
// the "convert" action of the runner (a refusal shows the form again).
func (h *Handler) convertOnlineOrder(x *docRun[*model.OnlineOrder]) (uint64, error) {
	if err := need(x.C, model.PermManageOrders); err != nil {
		return 0, err
	}
	ve := &model.ValidationError{}
	var adj []store.LineAdjust
	for i, l := range x.Doc.Lines {
		a := store.LineAdjust{Line: l.No}
		if s := strings.TrimSpace(x.C.FormValue("qty." + itoa(uint64(l.No)))); s != "" {
			if q, err := model.ParseQty(s); err != nil {
				ve.AddErr(model.LineField(i, "qty"), err, "err.qty_invalid")
			} else {
				a.Qty = &q
			}
		}
		if s := strings.TrimSpace(x.C.FormValue("price." + itoa(uint64(l.No)))); s != "" {
			if m, err := model.ParseMoney(s); err != nil {
				ve.AddErr(model.LineField(i, "price"), err, "err.money")
			} else {
				a.Price = &m
			}
		}
		adj = append(adj, a)
	}
	if err := ve.Err(); err != nil {
		return 0, err
	}
	return h.store.ConvertOnlineOrder(x.Actor, x.ID, x.Version, adj)
}

// ---- print view and PDF ----

func (h *Handler) printOnlineOrder(c *fiber.Ctx) error {
	o, err := h.loadOnlineOrder(c)
	if err != nil {
		return err
	}
	v, err := h.onlinePageView(c, o.ID)
	if err != nil {
		return err
	}
	v.Layout = "layouts/print"
	return h.render(c, fiber.StatusOK, tplOnlinePrint, v)
}

func (h *Handler) pdfOnlineOrder(c *fiber.Ctx) error {
	o, err := h.loadOnlineOrder(c)
	if err != nil {
		return err
	}
	p, err := h.onlinePage(c, o.ID)
	if err != nil {
		return err
	}
	data, err := pdf.Render(h.onlineLayout(lang(c), p))
	if err != nil {
		return err
	}
	return sendPDF(c, o.Number, data)
}
