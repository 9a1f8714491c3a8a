package handlers

import (
	"strconv"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Reconciliation (往来对账, SPEC §2.4): the delivery, invoice and receipt
// reconciliation lists (交货 / 发票 / 收款对账) with confirm, cancel and
// dispute on whole documents (this file); sales invoices (invoices.go);
// receipts, advance receipts and refunds (receipts.go); write-offs
// (writeoffs.go); the balance summary and detail (balances.go); the PDF
// statement and its monthly e-mail (statement.go). The rules are in
// model/reconciliation.go, the postings in store/invoices.go, receipts.go,
// writeoffs.go and reconcile.go. Dealers and staff use the same URLs: the
// scope decides what each sees (another customer's document is a 404), the
// permission what each may do.

const (
	tplReconIndex = "recon/index"
	tplReconList  = "recon/recon_list"
	tplReconDoc   = "recon/recon_doc"
	tplDisputes   = "recon/disputes"
)

func (h *Handler) registerReconciliation(r fiber.Router) {
	r.Get("/reconciliation", h.showReconIndex)
	r.Get("/reconciliation/outbounds", func(c *fiber.Ctx) error { return h.showReconList(c, reconOutbounds) })
	r.Get("/reconciliation/invoices", func(c *fiber.Ctx) error { return h.showReconList(c, reconInvoices) })
	r.Get("/reconciliation/receipts", func(c *fiber.Ctx) error { return h.showReconList(c, reconReceipts) })
	r.Get("/reconciliation/disputes", h.showDisputes)
	r.Get("/reconciliation/:kind/:id", h.showReconDoc)
	registerDocActions(h, r, h.reconActions())
	h.registerInvoices(r)
	h.registerReceipts(r)
	h.registerWriteOffs(r)
	h.registerBalances(r)
	h.registerStatements(r)
}

// needRecon refuses users who see no reconciliation at all: staff without
// the view permission, dealers without the dealer's.
func needRecon(c *fiber.Ctx) error {
	u := currentUser(c)
	if !u.Can(model.PermViewRecon) && !u.Can(model.PermDealerRecon) {
		return model.ErrNotAllowed
	}
	return nil
}

// reconList describes one of the three reconciliation lists.
type reconList struct {
	Key   string // URL segment: outbounds, invoices, receipts
	Title string
	Kinds []model.DocType
	// Red: the list offers the red/blue filter.
	Red bool
}

var (
	reconOutbounds = reconList{"outbounds", "rc.recon_outbounds", []model.DocType{model.DocOutbound}, true}
	reconInvoices  = reconList{"invoices", "rc.recon_invoices", []model.DocType{model.DocInvoice}, true}
	reconReceipts  = reconList{"receipts", "rc.recon_receipts", []model.DocType{model.DocReceipt, model.DocAdvanceReceipt, model.DocRefund}, false}
	reconLists     = []reconList{reconOutbounds, reconInvoices, reconReceipts}
)

// reconStates are the filter's choices.
var reconStates = []model.Status{model.ReconUnconfirmed, model.ReconConfirmed, model.ReconDisputed}

// reconRow is a list row: the document, its customer and its state.
type reconRow struct {
	store.ReconRow
	Customer string
	Path     string // /reconciliation/<kind>/<id>
}

type reconListData struct {
	List
	K      reconList
	Staff  bool
	CanAct bool
	States []model.Status
	Back   string
}

// reconActor reports whether u may confirm at all (on some customer's
// documents): dealer finance or manager, or staff who reconcile.
func reconActor(u *model.User) bool {
	return u.Can(model.PermConfirmRecon) || u.Can(model.PermReconcile)
}

// docKindKey names a document type for messages and columns ("rc.kind.IV").
func docKindKey(k model.DocType) string { return "rc.kind." + string(k) }

func (h *Handler) showReconList(c *fiber.Ctx, k reconList) error {
	if err := needRecon(c); err != nil {
		return err
	}
	u := currentUser(c)
	sc := h.scope(c)
	q := parseListQuery(c)
	f := store.DocFilter{Q: q.Q, From: q.Get("from"), To: q.Get("to")}
	if k.Red && q.Get("red") == "1" {
		f.Flag = "red"
	}
	kinds := k.Kinds
	if kind := model.DocType(q.Get("kind")); len(kinds) > 1 && contains(docTypeStrings(kinds), string(kind)) {
		kinds = []model.DocType{kind}
	}
	state := model.Status(q.Get("state"))
	if !contains(statusStrings(reconStates), string(state)) {
		state = ""
	}
	d := &reconListData{K: k, Staff: sc.IsStaff(), CanAct: reconActor(u), States: reconStates, Back: c.OriginalURL()}
	var rows []reconRow
	err := h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
		if code := strings.TrimSpace(q.Get("customer")); code != "" && sc.IsStaff() {
			cu, err := t.CustomerByCode(sc, code)
			if err != nil {
				d.List = List{Query: q, Pager: q.Pager(0)}
				return nil
			}
			f.CustomerID = cu.ID
		}
		rs, total, err := t.ListRecon(sc, kinds, f, state, q.Page())
		if err != nil {
			return err
		}
		cn := custLabels{}
		for _, r := range rs {
			row := reconRow{ReconRow: r, Path: "/reconciliation/" + store.ReconPath(r.Kind) + "/" + itoa(r.ID)}
			if sc.IsStaff() {
				row.Customer = cn.get(t, sc, r.CustomerID)
			}
			rows = append(rows, row)
		}
		pager := q.Pager(total)
		if len(kinds) == 1 && state == "" {
			var last uint64
			if len(rs) > 0 {
				last = rs[len(rs)-1].ID
			}
			pager = q.KeysetPager(total, len(rs), last)
		}
		d.List = List{Rows: rows, Query: q, Pager: pager}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		l := lang(c)
		loc := h.store.Zone()
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			by, at, behalf, comment := "", "", "", ""
			if r.Recon != nil {
				by, comment = r.Recon.By, r.Recon.Comment
				if !r.Recon.At.IsZero() {
					at = r.Recon.At.In(loc).Format("2006-01-02 15:04")
				}
				if r.Recon.OnBehalf {
					behalf = h.i18n.T(l, "common.yes")
				}
			}
			kind := h.i18n.T(l, docKindKey(r.Kind))
			if r.Flag == "red" {
				kind = h.i18n.T(l, "rc.red") + " " + kind
			}
			out = append(out, []string{r.Number, kind, r.Date, r.Customer, r.Amount.Plain(), h.i18n.T(l, "status."+string(r.State())), by, at, behalf, comment})
		}
		return h.export(c, q.Export, "reconciliation-"+k.Key, []exportCol{
			{"rc.number", colText}, {"rc.doc_type", colText}, {"rc.date", colDate}, {"rc.customer", colText},
			{"rc.amount", colMoney}, {"rc.recon_state", colText}, {"rc.recon_by", colText},
			{"rc.recon_at", colDateTime}, {"rc.on_behalf", colText}, {"rc.comment", colText},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplReconList, h.view(c, k.Title, d))
}

func docTypeStrings(ks []model.DocType) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

func statusStrings(ss []model.Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// ---- the index: counts per list and state ----

type reconIndexData struct {
	Rows  []reconIndexRow
	Staff bool
}

type reconIndexRow struct {
	K                                reconList
	Unconfirmed, Confirmed, Disputed int
}

func (h *Handler) showReconIndex(c *fiber.Ctx) error {
	if err := needRecon(c); err != nil {
		return err
	}
	sc := h.scope(c)
	var rows []reconIndexRow
	_ = h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
		for _, k := range reconLists {
			rows = append(rows, reconIndexRow{K: k, Unconfirmed: t.CountRecon(sc, model.ReconUnconfirmed, k.Kinds...),
				Confirmed: t.CountRecon(sc, model.ReconConfirmed, k.Kinds...), Disputed: t.CountRecon(sc, model.ReconDisputed, k.Kinds...)})
		}
		return nil
	})
	return h.render(c, fiber.StatusOK, tplReconIndex, h.view(c, "rc.title", &reconIndexData{Rows: rows, Staff: sc.IsStaff()}))
}

// reconTiles: for a dealer's finance or manager user the documents still
// to confirm, for staff the open disputes (from the maintained counts).
func (h *Handler) reconTiles(t *store.Tx, u *model.User, sc store.Scope) []Tile {
	var tiles []Tile
	if u.Can(model.PermConfirmRecon) {
		n := t.CountRecon(sc, model.ReconUnconfirmed, store.ReconKinds...)
		tiles = append(tiles, Tile{"home.recon_to_confirm", strconv.Itoa(n), "/reconciliation"})
	}
	if u.Can(model.PermViewRecon) {
		n := t.CountRecon(sc, model.ReconDisputed, store.ReconKinds...)
		tiles = append(tiles, Tile{"home.recon_disputes", strconv.Itoa(n), "/reconciliation/disputes"})
	}
	return tiles
}

// ---- one document ----

// reconDocData is a document's reconciliation page: what the document is
// (header, lines for outbounds and invoices), its reconciliation record and
// the actions the user may take.
type reconDocData struct {
	Kind     model.DocType
	ID       uint64
	Number   string
	Date     string
	Status   model.Status
	Amount   model.Money
	Red      bool
	Customer string
	Props    [][2]string
	Lines    []model.OrderLine
	Totals   *model.Totals
	Staff    bool
	DocURL   string // the document's own page, when the user may open it
	reconBlock
}

// reconBlock is what the reconciliation block of a document page shows:
// the record, the actions the user may take, and where they post.
type reconBlock struct {
	Recon        *model.Reconciliation
	ReconActions []string
	ReconPath    string
	// staff: the user acts on the dealer's behalf (the confirmation is then
	// not the page's primary action).
	staff bool
}

// loadReconDoc reads the document of the route through the scope (404),
// then checks the user sees reconciliation at all.
func (h *Handler) loadReconDoc(c *fiber.Ctx) (*reconDocData, error) {
	kind := store.ReconKindOf(c.Params("kind"))
	id, err := idParam(c, "id")
	if err != nil || kind == "" {
		return nil, fiber.ErrNotFound
	}
	u := currentUser(c)
	sc := h.scope(c)
	d := &reconDocData{Kind: kind, ID: id, Staff: sc.IsStaff()}
	err = h.read(func(t *store.Tx) error {
		d.Lines = nil // fn may run again (Store.View)
		r, err := t.Reconciliation(sc, kind, id)
		if err != nil {
			return err
		}
		d.reconBlock = h.reconBlockOf(t, u, sc, kind, id)
		d.Customer = custLabels{}.get(t, sc, r.CustomerID)
		switch kind {
		case model.DocOutbound:
			ob, err := t.Outbound(sc, id)
			if err != nil {
				return err
			}
			d.Number, d.Date, d.Status, d.Amount, d.Red = ob.Number, ob.PostDate, ob.Status, ob.Totals.Amount, ob.Red
			d.Lines, d.Totals = ob.Lines, &ob.Totals
			d.Props = [][2]string{{"rc.sales_order", orderNumber(t, ob.SalesOrderID)}, {"rc.remarks", ob.Remarks}}
			if canSeeOrders(u) {
				d.DocURL = "/outbounds/" + itoa(id)
			}
		case model.DocInvoice:
			inv, err := t.Invoice(sc, id)
			if err != nil {
				return err
			}
			d.Number, d.Date, d.Status, d.Amount, d.Red = inv.Number, inv.InvoiceDate, inv.Status, inv.Totals.Amount, inv.Red
			for _, l := range inv.Lines {
				d.Lines = append(d.Lines, l.OrderLine)
			}
			d.Totals = &inv.Totals
			d.Props = [][2]string{{"rc.invoice_no", inv.InvoiceNo}, {"rc.outbounds", store.InvoiceOutbounds(inv)}, {"rc.open", t.Settings().Money(inv.Open())}}
			d.DocURL = "/invoices/" + itoa(id)
		default:
			rc, err := t.ReceiptDoc(sc, kind, id)
			if err != nil {
				return err
			}
			d.Number, d.Date, d.Status, d.Amount = rc.Number, rc.Date, rc.Status, rc.Amount
			d.Props = [][2]string{{"rc.method", h.i18n.T(lang(c), "rc.method."+rc.Method)}, {"rc.reference", rc.Reference}, {"rc.remarks", rc.Remarks}}
			d.DocURL = receiptBase(kind) + "/" + itoa(id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if d.Status != model.StatusAudited {
		if !sc.IsStaff() {
			return nil, fiber.ErrNotFound // a dealer sees posted documents only
		}
		d.ReconActions = nil
	}
	if err := needRecon(c); err != nil {
		return nil, err
	}
	return d, nil
}

func (h *Handler) showReconDoc(c *fiber.Ctx) error {
	d, err := h.loadReconDoc(c)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplReconDoc, h.view(c, docKindKey(d.Kind), d))
}

// reconActions: the dealer (or staff for it) confirms, cancels a
// confirmation or disputes a whole posted document (never a line) and goes
// back where it came from (a list, or the document's page). A dispute needs
// a comment (422).
func (h *Handler) reconActions() docKind[*reconDocData] {
	act := func(action, flash string) docAction[*reconDocData] {
		return docAction[*reconDocData]{Flash: flash,
			Run: func(x *docRun[*reconDocData]) (uint64, error) {
				// Who may act (a dealer's finance or manager, staff who
				// reconcile): the model's rule, before the state.
				if x.Doc.Recon == nil {
					return 0, fiber.ErrNotFound
				}
				if ok, _ := model.CanReconcile(x.Actor.User, x.Doc.Recon.CustomerID); !ok {
					return 0, model.ErrNotAllowed
				}
				return 0, h.store.Reconcile(x.Actor, x.Doc.Kind, x.ID, x.Version, action, x.Reason())
			},
			Next: func(c *fiber.Ctx, id, _ uint64) string {
				return safePath(c.FormValue("back"), "/reconciliation/"+store.ReconPath(store.ReconKindOf(c.Params("kind")))+"/"+itoa(id))
			}}
	}
	return docKind[*reconDocData]{Base: "/reconciliation/:kind", Load: h.loadReconDoc,
		Page: func(c *fiber.Ctx, d *reconDocData, _ string) (string, *View, error) {
			return tplReconDoc, h.view(c, docKindKey(d.Kind), d), nil
		},
		Actions: map[string]docAction[*reconDocData]{
			"confirm": act(model.ReconConfirm, "flash.recon_confirmed"),
			"cancel":  act(model.ReconCancel, "flash.recon_cancelled"),
			"dispute": act(model.ReconDispute, "flash.recon_disputed"),
		}}
}

// reconBlockOf reads a posted document's reconciliation record (the caller
// has read the document through sc) and the actions u may take on it.
func (h *Handler) reconBlockOf(t *store.Tx, u *model.User, sc store.Scope, kind model.DocType, id uint64) reconBlock {
	b := reconBlock{ReconPath: "/reconciliation/" + store.ReconPath(kind) + "/" + itoa(id), staff: u.IsStaff()}
	r, err := t.Reconciliation(sc, kind, id)
	if err != nil {
		return b
	}
	b.Recon = r
	if ok, _ := model.CanReconcile(u, r.CustomerID); ok {
		b.ReconActions = model.ReconMachine.Allowed(r.State(), u)
	}
	return b
}

// ---- disputes (staff) ----

type disputeRow struct {
	*model.Reconciliation
	Customer string
	Path     string
}

func (h *Handler) showDisputes(c *fiber.Ctx) error {
	if err := need(c, model.PermViewRecon); err != nil {
		return err
	}
	sc := h.scope(c)
	var rows []disputeRow
	err := h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
		ds, err := t.Disputes(sc)
		if err != nil {
			return err
		}
		cn := custLabels{}
		for _, r := range ds {
			rows = append(rows, disputeRow{Reconciliation: r, Customer: cn.get(t, sc, r.CustomerID), Path: "/reconciliation/" + store.ReconPath(r.Kind) + "/" + itoa(r.DocID)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if f := c.Query("export"); f != "" {
		l := lang(c)
		loc := h.store.Zone()
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			at, behalf := "", ""
			if !r.At.IsZero() {
				at = r.At.In(loc).Format("2006-01-02 15:04")
			}
			if r.OnBehalf {
				behalf = h.i18n.T(l, "common.yes")
			}
			out = append(out, []string{r.Number, h.i18n.T(l, "rc.kind."+string(r.Kind)), r.Customer, r.Comment, r.By, at, behalf})
		}
		return h.export(c, f, "disputes", []exportCol{
			{"rc.number", colText}, {"rc.doc_type", colText}, {"rc.customer", colText}, {"rc.comment", colText},
			{"rc.recon_by", colText}, {"rc.recon_at", colDateTime}, {"rc.on_behalf", colText},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplDisputes, h.view(c, "rc.disputes", rows))
}

func init() {
	badgeClass[string(model.ReconConfirmed)] = "ok"
	badgeClass[string(model.ReconDisputed)] = "bad"
	badgeClass[string(model.ReconUnconfirmed)] = "warn"
}
