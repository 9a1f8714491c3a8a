package handlers

import (
	"errors"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Write-offs (核销) and reversal (反核销), staff only: /write-offs lists the
// write-off records in scope (filters: customer, dates, in force or
// reversed); with a customer chosen it is that customer's write-off grid
// (writeoff_grid.go): its open sources and open invoices, oldest first,
// and the pairs to write off together, proposed oldest first on request.
// Each record can be reversed exactly.

const tplWriteOffs = "recon/writeoffs"

func (h *Handler) registerWriteOffs(r fiber.Router) {
	r.Get("/write-offs", h.showWriteOffs)
	r.Post("/write-offs", h.createWriteOff)
	registerDocActions(h, r, h.writeOffActions())
}

type writeOffRow struct {
	*model.WriteOff
	Customer string
}

type writeOffData struct {
	List
	Customer *model.Customer
	// Grid is the customer's write-off grid (nil without a customer).
	Grid     *woGrid
	CanWrite bool
	Token    string
	// WriteOffs is the page's rows again, for the shared rows template.
	WriteOffs []*model.WriteOff
}

// writeOffCustomer is the customer named by customer_id or customer (a
// code), through the scope; nil when none is named.
func (h *Handler) writeOffCustomer(c *fiber.Ctx, t *store.Tx) (*model.Customer, error) {
	cu, _, err := h.invoiceCustomer(c, t)
	return cu, err
}

// writeOffPage loads the list and, with a customer, its grid (from the
// posted form when posted is not nil).
func (h *Handler) writeOffPage(c *fiber.Ctx, posted *woPosted) (*writeOffData, error) {
	u := currentUser(c)
	sc := h.scope(c)
	q := parseListQuery(c)
	d := &writeOffData{CanWrite: u.Can(model.PermReconcile), Token: h.formToken(c)}
	err := h.read(func(t *store.Tx) error {
		cu, err := h.writeOffCustomer(c, t)
		if err != nil {
			return err
		}
		if err := need(c, model.PermViewRecon); err != nil {
			return err
		}
		f := store.WriteOffFilter{From: q.Get("from"), To: q.Get("to"), Active: q.Get("state") == "active", Reversed: q.Get("state") == "reversed"}
		if cu != nil {
			d.Customer, f.CustomerID = cu, cu.ID
			if q.Export == "" {
				if d.Grid, err = h.writeOffGrid(c, t, cu, d.CanWrite, posted); err != nil {
					return err
				}
			}
		}
		ws, total, err := t.ListWriteOffs(sc, f, q.Page())
		if err != nil {
			return err
		}
		cn := custLabels{}
		rows := make([]writeOffRow, len(ws))
		for i, w := range ws {
			rows[i] = writeOffRow{WriteOff: w, Customer: cn.get(t, sc, w.CustomerID)}
		}
		d.WriteOffs = ws
		d.List = List{Rows: rows, Query: q, Pager: q.Pager(total)}
		return nil
	})
	return d, err
}

func (h *Handler) showWriteOffs(c *fiber.Ctx) error {
	d, err := h.writeOffPage(c, nil)
	if err != nil {
		return err
	}
	q := d.Query
	if q.Export != "" {
		l := lang(c)
		out := [][]string{}
		for _, r := range d.Rows.([]writeOffRow) {
			state := h.i18n.T(l, "rc.in_force")
			if r.Reversed {
				state = h.i18n.T(l, "rc.reversed") + " " + r.ReversedDate + " " + r.ReversedBy
			}
			out = append(out, []string{r.Date, r.Customer, r.SourceNo, r.InvoiceNo, r.Amount.Plain(), r.By, state})
		}
		return h.export(c, q.Export, "write-offs", []exportCol{
			{"rc.wo_date", colDate}, {"rc.customer", colText}, {"rc.source", colText}, {"rc.invoice", colText},
			{"rc.amount", colMoney}, {"rc.recon_by", colText}, {"rc.status", colText},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplWriteOffs, h.view(c, "rc.writeoffs", d))
}

// createWriteOff posts the grid: every pair in one transaction, once per
// form token (a second post of the same form answers like the first and
// writes nothing). A refused row comes back at its field (422); a grid
// whose open amounts changed since it was shown comes back with the fresh
// figures and what changed (409). Nothing is written either way.
func (h *Handler) createWriteOff(c *fiber.Ctx) error {
	if err := need(c, model.PermReconcile); err != nil {
		return h.refusedFor(c, err, func(t *store.Tx) error {
			if cu, err := h.writeOffCustomer(c, t); err != nil || cu == nil {
				return fiber.ErrNotFound
			}
			return nil
		})
	}
	posted := parseWriteOffRows(c)
	err := posted.ve.Err()
	var cust uint64
	if err == nil {
		val := func(name string) string { return strings.TrimSpace(c.Query(name, c.FormValue(name))) }
		in := store.WriteOffGridInput{CustomerCode: val("customer"), Pairs: posted.pairs, Shown: posted.shown}
		in.CustomerID, _ = parseUint(val("customer_id"))
		cust, err = h.store.PostWriteOffGrid(store.Actor{User: currentUser(c), Scope: h.scope(c), Once: c.FormValue("_idem")}, in)
	}
	if err != nil {
		var oc *model.OpenChangedError
		var ve *model.ValidationError
		if !errors.As(err, &oc) && !errors.As(err, &ve) {
			return err
		}
		d, perr := h.writeOffPage(c, posted)
		if perr != nil {
			return perr
		}
		v := h.view(c, "rc.writeoffs", d)
		if oc != nil {
			d.Grid.markChanged(oc.Changes)
			return h.render(c, fiber.StatusConflict, tplWriteOffs, v)
		}
		return h.formError(c, err, tplWriteOffs, v)
	}
	h.setFlash(c, "flash.written_off")
	return h.redirect(c, "/write-offs?customer_id="+itoa(cust))
}

// writeOffActions: finance reverses a write-off exactly (once: its form
// carries a one-time token, there is no version) and goes back where it
// came from (the write-off list, an invoice, a receipt).
func (h *Handler) writeOffActions() docKind[*model.WriteOff] {
	return docKind[*model.WriteOff]{Base: "/write-offs", Perm: model.PermReconcile,
		Load: func(c *fiber.Ctx) (*model.WriteOff, error) {
			return loadRouteDoc(h, c, (*store.Tx).WriteOff, func(*fiber.Ctx) error { return nil }) // scope only: Perm is the right to reverse
		},
		Page: func(c *fiber.Ctx, _ *model.WriteOff, _ string) (string, *View, error) {
			d, err := h.writeOffPage(c, nil)
			return tplWriteOffs, h.view(c, "rc.writeoffs", d), err
		},
		Actions: map[string]docAction[*model.WriteOff]{
			"reverse": {Flash: "flash.write_off_reversed", Token: true,
				Run: func(x *docRun[*model.WriteOff]) (uint64, error) { return h.store.ReverseWriteOff(x.Actor, x.ID) },
				Next: func(c *fiber.Ctx, _, cust uint64) string {
					return refererPath(c, "/write-offs?customer_id="+itoa(cust))
				}},
		}}
}
