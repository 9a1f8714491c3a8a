package handlers

import (
	"context"
	"strings"
	"sync"
	"time"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/views/pdf"

	"github.com/gofiber/fiber/v2"
)

// The statement (对账单): the balance detail of one customer and period as
// an A4 PDF through the shared views/pdf layout (fonts embedded, parsed
// once, drawn per text run so Chinese and Latin both print) — enterprise
// header, customer details, opening balance, every document in date order
// with its amount, remaining balance, running balance and confirmation
// status, totals, closing balance, aging, page numbers — in the user's
// language. Staff download it for customers in scope, dealers for their
// own customer. A worker raises the monthly statement e-mail on the first
// of each month for customers that chose it.

const tplStatement = "recon/statement"

func (h *Handler) registerStatements(r fiber.Router) {
	r.Get("/statements", h.showStatementForm)
	r.Get("/statements/:cust", h.downloadStatement)
}

type statementFormData struct {
	Staff    bool
	Customer *model.Customer
	Code     string
	From, To string
	Periods  [][3]string // name, from, to
}

// showStatementForm picks the customer (staff) and period of a statement.
func (h *Handler) showStatementForm(c *fiber.Ctx) error {
	if err := needRecon(c); err != nil {
		return err
	}
	sc := h.scope(c)
	d := &statementFormData{Staff: sc.IsStaff()}
	err := h.read(func(t *store.Tx) error {
		today := t.Today()
		first := today[:8] + "01"
		p, f, l := model.PreviousMonth(today)
		d.Periods = [][3]string{{today[:7], first, today}, {p, f, l}}
		p2, f2, l2 := model.PreviousMonth(f)
		d.Periods = append(d.Periods, [3]string{p2, f2, l2})
		d.From, d.To = f, l
		if !sc.IsStaff() {
			d.Customer, _ = t.Customer(sc, sc.CustomerID())
			return nil
		}
		if code := strings.TrimSpace(c.Query("customer")); code != "" {
			d.Code = code
			d.Customer, _ = t.CustomerByCode(sc, code)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplStatement, h.view(c, "rc.statement", d))
}

// downloadStatement sends the statement PDF of customer :cust for
// ?from=&to= (default: this month so far). A customer outside the scope is
// a 404, whoever asks.
//
// Printed to the minute (the footer shows no more): the same figures
// downloaded again within the minute are the same PDF, served from
// views/pdf's cache of finished documents, or as 304 Not Modified to a
// client that holds it (private: revalidated on every use, never stored by
// a shared cache). A repeated download does not read the customer's
// history: everything the statement is printed from is named by
// statementInputs — the customer's profile, the settings, the language,
// the period, the printed minute and the customer's ledger version, which
// every posting, write-off and confirmation of the customer moves on in
// its own transaction (store/ledger_version.go) — and those inputs lead to
// the PDF printed from them (pdf.Recall).
func (h *Handler) downloadStatement(c *fiber.Ctx) error {
	id, err := idParam(c, "cust")
	if err != nil {
		return err
	}
	sc := h.scope(c)
	from, _ := model.ParseDate(c.Query("from"))
	to, _ := model.ParseDate(c.Query("to"))
	l := lang(c)
	s := h.settingsIn(l)
	printed := h.store.Now().Truncate(time.Minute)
	var cu *model.Customer
	var d *model.Detail
	var inputs, key pdf.Key
	var out []byte
	known := false
	var states map[string]model.Status
	// read finds the PDF printed before from the same inputs, or (with
	// history) reads what the statement prints; wanted reports that the
	// history is needed and was not read.
	wanted := false
	read := func(history bool) error {
		return h.read(func(t *store.Tx) error {
			// The customer and its ledger version: one query on
			// PostgreSQL (StatementHead).
			cust, ledger, err := t.StatementHead(sc, id)
			if err != nil {
				return err
			}
			cu = cust
			if from == "" && to == "" {
				to = t.Today()
				from = to[:8] + "01"
			}
			inputs = pdf.KeyOf(statementInputs{Customer: *cu, Settings: *s, Lang: l, From: from, To: to,
				Printed: printed, Ledger: ledger})
			if key, out, known = pdf.Recall(inputs); known && (out != nil || etagMatches(c.Get(fiber.HeaderIfNoneMatch), key.ETag())) {
				return nil // printed before from the same inputs: nothing to read
			}
			known = false
			if wanted = !history; wanted {
				return nil
			}
			if d, err = t.BalanceDetail(sc, id, from, to); err != nil {
				return err
			}
			states = map[string]model.Status{}
			for _, r := range d.Rows {
				if rec := t.ReconRecord(r.Kind, id, r.ID); rec != nil {
					states[string(r.Kind)+":"+itoa(r.ID)] = rec.State()
				}
			}
			return nil
		})
	}
	err = read(false)
	if err == nil && wanted {
		// A statement to lay out: its history is read, laid out and
		// rendered in one of views/pdf's build slots (one per core), so
		// that many first downloads at once wait here holding nothing. The
		// inputs are read again in the same transaction as the history; a
		// download that waited may find the PDF another one just printed.
		release := pdf.Build()
		defer release()
		err = read(true)
	}
	if err != nil {
		return err
	}
	if err := needRecon(c); err != nil {
		return err
	}
	var lay *pdf.Layout
	if !known {
		T := func(k string, args ...any) string { return h.i18n.T(l, k, args...) }
		lay = statementLayout(T, s, cu, d, states, printed)
		key = lay.Key()
		pdf.Remember(inputs, key)
	}
	c.Set(fiber.HeaderETag, key.ETag())
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), key.ETag()) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	if out == nil {
		if out, err = pdf.RenderKey(lay, key); err != nil {
			return err
		}
	}
	name := "statement-" + cu.Code + "-" + from + "-" + to + ".pdf"
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, attachmentDisposition(name))
	return c.Send(out)
}

// statementInputs is everything a statement is printed from besides this
// binary's code and translations: equal inputs, equal PDF. The documents,
// write-offs and confirmations are stood for by the customer's ledger
// version; the day the aging counts to by the printed minute (in the
// settings' zone).
type statementInputs struct {
	Customer model.Customer
	Settings model.Settings
	Lang     string
	From, To string
	Printed  time.Time
	Ledger   uint64
}

// etagMatches reports whether an If-None-Match header names etag (or is
// "*"); weak tags compare equal to their strong form.
func etagMatches(header, etag string) bool {
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// statementLayout describes the statement of customer cu for detail d.
// states holds the reconciliation state of documents by "kind:id" (absent:
// unconfirmed). T translates catalog keys into the reader's language;
// printed (the store clock's instant) is shown in the enterprise's zone.
//
// It opens with both sides — the enterprise's address, bank (开户行,
// 账号) and contact from the settings, the customer's from its profile —
// then the period (printed once: not in the running header) and currency,
// the documents, the totals, the aging, the note, and a signature block
// with date and seal (公章) space for each side. Headings stay with what
// follows them (pdf.Heading, Table.Caption).
func statementLayout(T func(string, ...any) string, s *model.Settings, cu *model.Customer, d *model.Detail, states map[string]model.Status, printed time.Time) *pdf.Layout {
	money := s.Money
	period := d.From + " – " + d.To
	if d.From == "" {
		period = T("rc.from_start") + " – " + d.To
	}
	lay := &pdf.Layout{
		Enterprise: s.EnterpriseName, Title: T("rc.statement_title"), Number: cu.Code,
		Footer: T("common.print_date") + " " + printed.In(s.Location()).Format("2006-01-02 15:04") + " · " + s.CurrencyCode,
		Author: s.EnterpriseName, Created: printed,
	}
	lay.Blocks = append(lay.Blocks, pdf.Parties{
		{Title: T("print.enterprise"), Items: pdf.Pairs(
			T("print.name"), s.EnterpriseName, T("print.address"), s.Address,
			T("print.bank"), s.Bank, T("print.bank_account"), s.BankAccount,
			T("print.contact"), s.Contact, T("print.phone"), s.Phone)},
		{Title: T("rc.customer"), Items: pdf.Pairs(
			T("print.name"), strings.TrimSpace(cu.Code+" "+cu.Name), T("rc.tax_number"), cu.TaxNumber, T("print.address"), cu.Address,
			T("print.bank"), cu.Bank, T("print.bank_account"), cu.BankAccount,
			T("print.contact"), cu.Contact, T("print.phone"), cu.Phone)},
	}, &pdf.Fields{Items: pdf.Pairs(
		T("rc.period"), period,
		T("rc.currency"), s.CurrencyCode+" ("+s.CurrencySymbol+")",
	)})
	tbl := &pdf.Table{Caption: T("rc.documents"), Columns: []pdf.Column{
		{Title: T("rc.date")}, {Title: T("rc.doc_type"), Wrap: true}, {Title: T("rc.number")},
		{Title: T("rc.amount"), Align: "R"}, {Title: T("rc.remaining"), Align: "R"},
		{Title: T("rc.running"), Align: "R"}, {Title: T("rc.confirm_col"), Wrap: true},
	}}
	tbl.Rows = append(tbl.Rows, []string{"", T("rc.opening"), "", "", "", money(d.Opening), ""})
	for _, r := range d.Rows {
		kind := T(docKindKey(r.Kind))
		if r.Red {
			kind = T("rc.red") + " " + kind
		}
		rem := ""
		if r.HasRemaining {
			rem = money(r.Remaining)
		}
		st, ok := states[string(r.Kind)+":"+itoa(r.ID)]
		if !ok {
			st = model.ReconUnconfirmed
		}
		tbl.Rows = append(tbl.Rows, []string{r.Date, kind, r.Number, money(r.Amount), rem, money(r.Running), T("status." + string(st))})
	}
	tbl.Totals = []string{"", T("rc.closing"), "", "", "", money(d.Closing), ""}
	lay.Blocks = append(lay.Blocks, tbl)
	var totals []pdf.Field
	totals = append(totals, pdf.Field{Label: T("rc.opening"), Value: money(d.Opening)})
	for _, k := range []model.DocType{model.DocOutbound, model.DocInvoice, model.DocReceipt, model.DocAdvanceReceipt, model.DocRefund} {
		totals = append(totals, pdf.Field{Label: T("rc.total_of", "kind", T(docKindKey(k))), Value: money(d.Totals[k])})
	}
	totals = append(totals, pdf.Field{Label: T("rc.closing"), Value: money(d.Closing)},
		pdf.Field{Label: T("rc.uninvoiced"), Value: money(d.Position.Uninvoiced)},
		pdf.Field{Label: T("rc.invoiced_receivable"), Value: money(d.Position.InvoicedReceivable)},
		pdf.Field{Label: T("rc.receipt_balance"), Value: money(d.Position.ReceiptBalance)})
	lay.Blocks = append(lay.Blocks, pdf.Heading(T("rc.totals")), &pdf.Fields{Items: totals, Cols: 2})
	aging := &pdf.Table{Caption: T("rc.aging_title"), Columns: []pdf.Column{
		{Title: T("rc.days", "range", model.AgingLabels[0]), Align: "R"}, {Title: T("rc.days", "range", model.AgingLabels[1]), Align: "R"},
		{Title: T("rc.days", "range", model.AgingLabels[2]), Align: "R"}, {Title: T("rc.days", "range", model.AgingLabels[3]), Align: "R"},
		{Title: T("rc.invoiced_receivable"), Align: "R"},
	}}
	b := d.Aging.Buckets
	aging.Rows = [][]string{{money(b[0]), money(b[1]), money(b[2]), money(b[3]), money(d.Aging.Total())}}
	sign := func(party string) pdf.SignBlock {
		return pdf.SignBlock{Party: party, Sign: T("print.signature"), Date: T("print.date"), Seal: T("print.seal")}
	}
	lay.Blocks = append(lay.Blocks, aging,
		&pdf.Paragraph{Text: T("rc.statement_note")},
		pdf.Spacer(4), pdf.SignBlocks{
			sign(T("print.party", "role", T("print.enterprise"), "name", s.EnterpriseName)),
			sign(T("print.party", "role", T("rc.customer"), "name", strings.TrimSpace(cu.Code+" "+cu.Name))),
		})
	return lay
}

// ---- the monthly e-mail ----

// startMonthlyStatements checks every hour whether it is the first of the
// month in the enterprise's zone and, if so, raises the monthly statement
// event for every customer that chose it (store.Tx.EmitMonthlyStatements:
// once per customer and month, however often it runs).
func (h *Handler) startMonthlyStatements(ctx context.Context, wg *sync.WaitGroup) {
	every(ctx, wg, time.Hour, func() { h.runMonthlyStatements(false) })
}

// runMonthlyStatements raises the month's statements when today is the
// first (or always, with force) and returns how many it raised.
func (h *Handler) runMonthlyStatements(force bool) int {
	n, err := h.store.RunMonthlyStatements(force)
	if err != nil {
		h.log.Error("monthly statements", "err", err)
	} else if n > 0 {
		h.log.Info("monthly statements raised", "count", n)
	}
	return n
}
