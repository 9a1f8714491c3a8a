package store

import (
	"strconv"

	"dealerportal/model"
)

// Statements (对账单): each customer's choice of a monthly e-mailed
// statement, and the monthly run that raises one statement.monthly event
// per customer that chose it, once per customer and month.
//
//   - statement_settings  customerID → model.StatementSetting
//   - statements_sent     customerID|"YYYY-MM" → when the event was raised

var (
	bStatementSettings = []byte("statement_settings")
	bStatementsSent    = []byte("statements_sent")
)

func init() { allBuckets = append(allBuckets, bStatementSettings, bStatementsSent) }

// StatementSetting returns customer cust's statement setting (off when
// never set). ErrNotFound outside sc.
func (t *Tx) StatementSetting(sc Scope, cust uint64) (*model.StatementSetting, error) {
	if !t.AllowsCustomer(sc, cust) {
		return nil, model.ErrNotFound
	}
	s := &model.StatementSetting{CustomerID: cust}
	_ = t.getJSONID(t.b(bStatementSettings), cust, s)
	return s, nil
}

// SaveStatementSetting stores a customer's setting with optimistic locking.
// ErrNotFound outside sc, a ConflictError for a stale version. Who may
// (staff who reconcile, the customer's finance or manager users:
// model.CanReconcile) is the caller's to check.
func (t *Tx) SaveStatementSetting(sc Scope, s *model.StatementSetting) error {
	old, err := t.StatementSetting(sc, s.CustomerID)
	if err != nil {
		return err
	}
	if old.Version == 0 && s.Version == 0 {
		t.stamp(s)
	} else if err := t.checkVersion(old, s); err != nil {
		return err
	}
	return putJSON(t.b(bStatementSettings), itob(s.CustomerID), s)
}

// StatementLink is the path of a customer's statement PDF for a period.
func StatementLink(cust uint64, from, to string) string {
	return "/statements/" + strconv.FormatUint(cust, 10) + "?from=" + from + "&to=" + to
}

// EmitMonthlyStatements raises, for every customer that chose the monthly
// statement and has not had one for the month before today's, the event
// statement.monthly with the period, the closing net position and the
// statement's link. It is idempotent per customer and month (a second run
// raises nothing) and returns how many it raised.
func (t *Tx) EmitMonthlyStatements() (int, error) {
	period, from, to := model.PreviousMonth(t.Today())
	if period == "" {
		return 0, nil
	}
	var custs []uint64
	err := t.b(bStatementSettings).ForEach(func(k, v []byte) error {
		s := &model.StatementSetting{}
		if jsonUnmarshal(v, s) == nil && s.MonthlyStatement {
			custs = append(custs, btoi(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	sym := t.Settings().CurrencySymbol
	for _, c := range custs {
		k := append(itob(c), period...)
		if t.b(bStatementsSent).Get(k) != nil || t.b(bCustomers).Get(itob(c)) == nil {
			continue
		}
		pos, _, err := t.BalanceAt(AdminScope(), c, to)
		if err != nil {
			return n, err
		}
		if err := t.Emit(&model.OutboxMessage{Event: model.EventMonthlyStatement, CustomerID: c, Params: map[string]string{
			"period": period, "closing_balance": pos.Net().Format(sym), "link": StatementLink(c, from, to),
		}}); err != nil {
			return n, err
		}
		if err := t.b(bStatementsSent).Put(k, []byte(t.Now.Format("2006-01-02T15:04:05Z"))); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// SetMonthlyStatement is the use case "turn customer cust's monthly
// statement e-mail on or off" at the setting's version the form showed.
// Errors as SaveStatementSetting's; the caller checks who may.
func (s *Store) SetMonthlyStatement(a Actor, cust, version uint64, on bool) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		return 0, t.SaveStatementSetting(a.Scope, &model.StatementSetting{CustomerID: cust, MonthlyStatement: on, Meta: model.Meta{Version: version}})
	})
	return err
}

// RunMonthlyStatements raises the month's statements
// (EmitMonthlyStatements) when today, in the enterprise's zone, is the
// first of a month — or always, with force — and returns how many it
// raised. The background job's one call.
func (s *Store) RunMonthlyStatements(force bool) (int, error) {
	n := 0
	err := s.Update("system", func(t *Tx) error {
		if !force && !model.IsFirstOfMonth(t.Today()) {
			return nil
		}
		var err error
		n, err = t.EmitMonthlyStatements()
		return err
	})
	return n, err
}
